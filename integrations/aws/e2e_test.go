package aws_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/stepwise/stepwise/integrations/aws"
	"github.com/stepwise/stepwise/stepwisetest"
)

const pipeline = `{
  "StartAt": "Secret",
  "States": {
    "Secret": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:secretsmanager:getSecretValue",
      "Parameters": {"SecretId": "db"}, "ResultSelector": {"Secret.$": "States.StringToJson($.SecretString)"},
      "ResultPath": "$.secret", "Next": "Object"},
    "Object": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:s3:getObject",
      "Parameters": {"Bucket": "orders-in", "Key": "order.json"}, "ResultSelector": {"Order.$": "States.StringToJson($.Body)"},
      "ResultPath": "$.object", "Next": "Price"},
    "Price": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:111111111111:function:price",
      "Parameters": {"order.$": "$.object.Order", "password.$": "$.secret.Secret.password"}, "End": true}
  }
}`

// TestDefinitionAgainstLoopbackEndpoint runs a definition that calls
// aws-sdk:secretsmanager, aws-sdk:s3 (gofakes3) and a classic Lambda ARN,
// every service reached through AWS_ENDPOINT_URL on one loopback server.
func TestDefinitionAgainstLoopbackEndpoint(t *testing.T) {
	s3 := gofakes3.New(s3mem.New()).Server()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Header.Get("X-Amz-Target") == "secretsmanager.GetSecretValue":
			w.Header().Set("Content-Type", "application/x-amz-json-1.1")
			io.WriteString(w, `{"Name":"db","SecretString":"{\"password\":\"hunter2\"}"}`)
		case strings.HasPrefix(r.URL.Path, "/2015-03-31/functions/"):
			b, _ := io.ReadAll(r.Body)
			if !strings.Contains(r.URL.EscapedPath(), "function%3Aprice") {
				w.WriteHeader(404)
				return
			}
			io.WriteString(w, `{"priced":`+string(b)+`,"total":42}`)
		default:
			s3.ServeHTTP(w, r)
		}
	}))
	defer srv.Close()
	t.Setenv("AWS_ENDPOINT_URL", srv.URL)
	inv := aws.New(aws.Options{LoadOptions: []func(*config.LoadOptions) error{
		config.WithRegion("us-east-1"),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", "")),
	}})
	// Put the object through the same invoker.
	m := stepwisetest.MustParse(t, []byte(`{"StartAt":"B","States":{
		"B":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:s3:createBucket","Parameters":{"Bucket":"orders-in"},"Next":"P"},
		"P":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:s3:putObject","Parameters":{"Bucket":"orders-in","Key":"order.json","Body":{"sku":"b-1","qty":2}},"End":true}}}`))
	m.Run(t, `{}`, stepwisetest.Fallback(inv)).AssertSucceeded(t)

	ex := stepwisetest.MustParse(t, []byte(pipeline)).Run(t, `{}`, stepwisetest.Fallback(inv))
	ex.AssertSucceeded(t)
	ex.AssertOutputJSON(t, `{"priced":{"order":{"sku":"b-1","qty":2},"password":"hunter2"},"total":42}`)
}
