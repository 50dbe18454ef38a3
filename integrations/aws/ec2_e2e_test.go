package aws_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/stepwise/stepwise/integrations/aws"
	"github.com/stepwise/stepwise/stepwisetest"
)

const ec2Machine = `{
  "StartAt": "Launch",
  "States": {
    "Launch": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:ec2:runInstances",
      "Parameters": {"ImageId": "ami-0abcdef1234567890", "InstanceType": "t3.micro", "MinCount": 1, "MaxCount": 1},
      "ResultSelector": {"Id.$": "$.Instances[0].InstanceId"}, "ResultPath": "$.launched", "Next": "Describe"},
    "Describe": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:ec2:describeInstances",
      "Parameters": {"InstanceIds.$": "States.Array($.launched.Id)"},
      "ResultSelector": {"State.$": "$.Reservations[0].Instances[0].State.Name"}, "ResultPath": "$.described", "Next": "Terminate"},
    "Terminate": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:ec2:terminateInstances",
      "Parameters": {"InstanceIds": ["i-gone"]},
      "Catch": [{"ErrorEquals": ["Ec2.Ec2Exception"], "ResultPath": "$.error", "Next": "Done"}], "Next": "Done"},
    "Done": {"Type": "Pass", "End": true}
  }
}`

// TestEC2DefinitionAgainstLoopbackEndpoint runs a definition that launches
// an instance, describes it by the id RunInstances returned, and catches
// the Ec2.Ec2Exception of terminating an unknown instance, with EC2
// reached through AWS_ENDPOINT_URL.
func TestEC2DefinitionAgainstLoopbackEndpoint(t *testing.T) {
	var mu sync.Mutex
	var actions []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		form, _ := url.ParseQuery(string(b))
		mu.Lock()
		actions = append(actions, form.Get("Action")+" "+form.Get("InstanceId.1"))
		mu.Unlock()
		w.Header().Set("Content-Type", "text/xml;charset=UTF-8")
		switch form.Get("Action") {
		case "RunInstances":
			io.WriteString(w, `<RunInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r1</requestId><reservationId>r-1</reservationId><ownerId>123456789012</ownerId><instancesSet><item><instanceId>i-0a1b2c3d4e5f67890</instanceId><instanceState><code>0</code><name>pending</name></instanceState></item></instancesSet></RunInstancesResponse>`)
		case "DescribeInstances":
			io.WriteString(w, `<DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r2</requestId><reservationSet><item><reservationId>r-1</reservationId><instancesSet><item><instanceId>i-0a1b2c3d4e5f67890</instanceId><instanceState><code>16</code><name>running</name></instanceState></item></instancesSet></item></reservationSet></DescribeInstancesResponse>`)
		default:
			w.WriteHeader(400)
			io.WriteString(w, `<Response><Errors><Error><Code>InvalidInstanceID.NotFound</Code><Message>The instance ID 'i-gone' does not exist</Message></Error></Errors><RequestID>r3</RequestID></Response>`)
		}
	}))
	defer srv.Close()
	t.Setenv("AWS_ENDPOINT_URL", srv.URL)
	inv := aws.New(aws.Options{LoadOptions: []func(*config.LoadOptions) error{
		config.WithRegion("us-east-1"),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", "")),
	}, MaxAttempts: 1})
	ex := stepwisetest.MustParse(t, []byte(ec2Machine)).Run(t, `{}`, stepwisetest.Fallback(inv))
	ex.AssertSucceeded(t)
	ex.AssertOutputJSON(t, `{"launched":{"Id":"i-0a1b2c3d4e5f67890"},"described":{"State":"running"},`+
		`"error":{"Error":"Ec2.Ec2Exception","Cause":"The instance ID 'i-gone' does not exist (Service: Ec2, Status Code: 400, Request ID: r3)"}}`)
	mu.Lock()
	defer mu.Unlock()
	want := []string{"RunInstances ", "DescribeInstances i-0a1b2c3d4e5f67890", "TerminateInstances i-gone"}
	if len(actions) != len(want) {
		t.Fatalf("actions = %q, want %q", actions, want)
	}
	for i := range want {
		if actions[i] != want[i] {
			t.Fatalf("actions = %q, want %q", actions, want)
		}
	}
}
