package aws

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/stepwise/stepwise/asl/value"
	"github.com/stepwise/stepwise/integrations/aws/model"
)

// wireRequest is one request a loopback service received, with its
// signature checked.
type wireRequest struct {
	Method, Path, RawQuery string
	Header                 http.Header
	Body                   string
	SignatureOK            bool
	SignedFor              string // the credential scope: us-east-1/secretsmanager
}

// wireServer is a loopback server that records each request, checks its
// SigV4 signature by signing it again with the test credentials, and
// answers with reply.
type wireServer struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []wireRequest
}

func newWireServer(t *testing.T, reply http.HandlerFunc) *wireServer {
	s := &wireServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rec := wireRequest{Method: r.Method, Path: r.URL.EscapedPath(), RawQuery: r.URL.RawQuery, Header: r.Header.Clone(), Body: string(body)}
		rec.SignatureOK, rec.SignedFor = checkSignature(r, body)
		s.mu.Lock()
		s.reqs = append(s.reqs, rec)
		s.mu.Unlock()
		r.Body = io.NopCloser(bytes.NewReader(body))
		reply(w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *wireServer) last(t *testing.T) wireRequest {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.reqs) == 0 {
		t.Fatal("no request received")
	}
	return s.reqs[len(s.reqs)-1]
}

// checkSignature signs a copy of the received request (its signed headers
// only) at the time it names, with the test credentials, and compares the
// Authorization headers.
func checkSignature(r *http.Request, body []byte) (bool, string) {
	auth := r.Header.Get("Authorization")
	_, rest, ok := strings.Cut(auth, "Credential=AKIDTEST/")
	if !ok {
		return false, ""
	}
	scope, rest, _ := strings.Cut(rest, ",")
	parts := strings.Split(scope, "/") // date/region/service/aws4_request
	if len(parts) != 4 {
		return false, ""
	}
	_, signed, _ := strings.Cut(rest, "SignedHeaders=")
	signed, _, _ = strings.Cut(signed, ",")
	when, err := time.Parse("20060102T150405Z", r.Header.Get("X-Amz-Date"))
	if err != nil {
		return false, ""
	}
	u := *r.URL
	u.Scheme, u.Host = "http", r.Host
	c, _ := http.NewRequest(r.Method, u.String(), bytes.NewReader(body))
	c.URL.RawPath = r.URL.RawPath
	for _, h := range strings.Split(signed, ";") {
		if h == "host" {
			continue
		}
		c.Header[http.CanonicalHeaderKey(h)] = r.Header.Values(h)
	}
	c.Header.Del("Authorization")
	c.Host = r.Host
	c.ContentLength = int64(len(body))
	hash := sha256Hex(body)
	err = v4.NewSigner().SignHTTP(context.Background(), sdkaws.Credentials{AccessKeyID: "AKIDTEST", SecretAccessKey: "secret"},
		c, hash, parts[2], parts[1], when, func(o *v4.SignerOptions) { o.DisableURIPathEscaping = parts[2] == "s3" })
	return err == nil && c.Header.Get("Authorization") == auth, parts[1] + "/" + parts[2]
}

func jsonReply(status int, contentType, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", contentType)
		w.Header().Set("x-amzn-RequestId", "req-wire")
		w.WriteHeader(status)
		io.WriteString(w, body)
	}
}

func wantRequest(t *testing.T, got wireRequest, method, path, query string, headers map[string]string, body string) {
	t.Helper()
	if got.Method != method || got.Path != path || got.RawQuery != query {
		t.Errorf("request line = %s %s?%s, want %s %s?%s", got.Method, got.Path, got.RawQuery, method, path, query)
	}
	for k, v := range headers {
		if g := got.Header.Get(k); g != v {
			t.Errorf("header %s = %q, want %q", k, g, v)
		}
	}
	if body != "" || got.Body != "" {
		if strings.HasPrefix(body, "{") {
			if !sameJSON(t, got.Body, body) {
				t.Errorf("body = %s\nwant %s", got.Body, body)
			}
		} else if got.Body != body {
			t.Errorf("body = %q\nwant %q", got.Body, body)
		}
	}
	if !got.SignatureOK {
		t.Errorf("signature does not verify: %s", got.Header.Get("Authorization"))
	}
}

func TestSecretsManagerAWSJSON11(t *testing.T) {
	srv := newWireServer(t, jsonReply(200, json11, `{"ARN":"arn:aws:secretsmanager:us-east-1:111111111111:secret:db-AbCdEf","CreatedDate":1.523477145713E9,"Name":"db","SecretString":"{\"password\":\"p\"}","VersionId":"v1","VersionStages":["AWSCURRENT"]}`))
	t.Setenv("AWS_ENDPOINT_URL_SECRETS_MANAGER", srv.URL)
	inv := testInvoker(nil)
	out, err := inv.Invoke(ctx(t), task("arn:aws:states:::aws-sdk:secretsmanager:getSecretValue", `{"SecretId":"db"}`))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"ARN":"arn:aws:secretsmanager:us-east-1:111111111111:secret:db-AbCdEf","CreatedDate":"2018-04-11T20:05:45.713Z","Name":"db","SecretString":"{\"password\":\"p\"}","VersionId":"v1","VersionStages":["AWSCURRENT"]}`
	if got := value.EncodeString(out); got != want {
		t.Fatalf("getSecretValue =\n%s\nwant\n%s", got, want)
	}
	req := srv.last(t)
	wantRequest(t, req, "POST", "/", "", map[string]string{"X-Amz-Target": "secretsmanager.GetSecretValue", "Content-Type": json11}, `{"SecretId":"db"}`)
	if req.SignedFor != "us-east-1/secretsmanager" {
		t.Errorf("signed for %s", req.SignedFor)
	}

	// A modeled error and an unmodeled one.
	srv2 := newWireServer(t, jsonReply(400, json11, `{"__type":"ResourceNotFoundException","Message":"Secrets Manager can't find the specified secret."}`))
	inv = testInvoker(map[string]string{"secretsmanager": srv2.URL})
	_, err = inv.Invoke(ctx(t), task("arn:aws:states:::aws-sdk:secretsmanager:getSecretValue", `{"SecretId":"nope"}`))
	wantFault(t, err, "SecretsManager.ResourceNotFoundException", "Secrets Manager can't find the specified secret. (Service: SecretsManager, Status Code: 400, Request ID: req-wire)")
	srv3 := newWireServer(t, jsonReply(400, json11, `{"__type":"com.amazon.coral.service#UnrecognizedClientException","message":"The security token included in the request is invalid."}`))
	inv = testInvoker(map[string]string{"secretsmanager": srv3.URL})
	_, err = inv.Invoke(ctx(t), task("arn:aws:states:::aws-sdk:secretsmanager:getSecretValue", `{"SecretId":"x"}`))
	wantFault(t, err, "SecretsManager.SecretsManagerException", "The security token included in the request is invalid. (Service: SecretsManager, Status Code: 400, Request ID: req-wire)")
}

func TestGlueAndECSAWSJSON11(t *testing.T) {
	glue := newWireServer(t, jsonReply(200, json11, `{"JobRunId":"jr_1"}`))
	ecs := newWireServer(t, jsonReply(200, json11, `{"tasks":[{"taskArn":"arn:aws:ecs:us-east-1:111111111111:task/c/1","lastStatus":"PROVISIONING","createdAt":1.7E9}],"failures":[]}`))
	inv := testInvoker(map[string]string{"glue": glue.URL, "ecs": ecs.URL})
	out, err := inv.Invoke(ctx(t), task("arn:aws:states:::aws-sdk:glue:startJobRun", `{"JobName":"etl","Arguments":{"--day":"2024-01-01"}}`))
	if err != nil || value.EncodeString(out) != `{"JobRunId":"jr_1"}` {
		t.Fatalf("startJobRun = %s, %v", value.EncodeString(out), err)
	}
	wantRequest(t, glue.last(t), "POST", "/", "", map[string]string{"X-Amz-Target": "AWSGlue.StartJobRun"}, `{"JobName":"etl","Arguments":{"--day":"2024-01-01"}}`)
	// ECS members are camelCase on the wire and PascalCase in Step Functions.
	out, err = inv.Invoke(ctx(t), task("arn:aws:states:::aws-sdk:ecs:runTask", `{"Cluster":"c","TaskDefinition":"td:1","Count":1}`))
	if err != nil {
		t.Fatal(err)
	}
	if got := value.EncodeString(out); got != `{"Failures":[],"Tasks":[{"CreatedAt":"2023-11-14T22:13:20Z","LastStatus":"PROVISIONING","TaskArn":"arn:aws:ecs:us-east-1:111111111111:task/c/1"}]}` {
		t.Fatalf("runTask = %s", got)
	}
	// RunTask's clientToken is an idempotency token: filled with a UUID.
	req := ecs.last(t)
	body, _ := value.DecodeString(req.Body)
	tok, _ := body.(*value.Object).Get("clientToken")
	if s, _ := tok.(string); len(s) != 36 || s[14] != '4' {
		t.Fatalf("clientToken = %v", tok)
	}
	body.(*value.Object).Delete("clientToken")
	req.Body = value.EncodeString(body)
	wantRequest(t, req, "POST", "/", "", map[string]string{"X-Amz-Target": "AmazonEC2ContainerServiceV20141113.RunTask"}, `{"cluster":"c","taskDefinition":"td:1","count":1}`)
}

func TestLambdaRESTJSON1(t *testing.T) {
	srv := newWireServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("x-amzn-RequestId", "req-l")
		io.WriteString(w, `{"Configuration":{"FunctionName":"fn","Runtime":"python3.12","MemorySize":128,"LastModified":"2024-01-02T03:04:05.000+0000"},"Tags":{"b":"2","a":"1"}}`)
	})
	inv := testInvoker(map[string]string{"lambda": srv.URL})
	out, err := inv.Invoke(ctx(t), task("arn:aws:states:::aws-sdk:lambda:getFunction", `{"FunctionName":"my fn","Qualifier":"$LATEST"}`))
	if err != nil {
		t.Fatal(err)
	}
	if got := value.EncodeString(out); got != `{"Configuration":{"FunctionName":"fn","LastModified":"2024-01-02T03:04:05.000+0000","MemorySize":128,"Runtime":"python3.12"},"Tags":{"a":"1","b":"2"}}` {
		t.Fatalf("getFunction = %s", got)
	}
	wantRequest(t, srv.last(t), "GET", "/2015-03-31/functions/my%20fn", "Qualifier=%24LATEST", nil, "")
}

func TestAPIGatewayRESTJSON1CamelCase(t *testing.T) {
	srv := newWireServer(t, jsonReply(201, "application/json", `{"id":"abc123","name":"orders","createdDate":1700000000,"endpointConfiguration":{"types":["REGIONAL"]}}`))
	inv := testInvoker(map[string]string{"apigateway": srv.URL})
	out, err := inv.Invoke(ctx(t), task("arn:aws:states:::aws-sdk:apigateway:createRestApi", `{"Name":"orders","EndpointConfiguration":{"Types":["REGIONAL"]}}`))
	if err != nil {
		t.Fatal(err)
	}
	if got := value.EncodeString(out); got != `{"CreatedDate":"2023-11-14T22:13:20Z","EndpointConfiguration":{"Types":["REGIONAL"]},"Id":"abc123","Name":"orders"}` {
		t.Fatalf("createRestApi = %s", got)
	}
	wantRequest(t, srv.last(t), "POST", "/restapis", "", map[string]string{"Content-Type": "application/json"}, `{"name":"orders","endpointConfiguration":{"types":["REGIONAL"]}}`)
}

func TestSNSAWSQuery(t *testing.T) {
	srv := newWireServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/xml")
		io.WriteString(w, `<ListTopicsResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><ListTopicsResult><Topics><member><TopicArn>arn:aws:sns:us-east-1:111111111111:a</TopicArn></member><member><TopicArn>arn:aws:sns:us-east-1:111111111111:b</TopicArn></member></Topics><NextToken>n2</NextToken></ListTopicsResult><ResponseMetadata><RequestId>sns-q</RequestId></ResponseMetadata></ListTopicsResponse>`)
	})
	inv := testInvoker(map[string]string{"sns": srv.URL})
	out, err := inv.Invoke(ctx(t), task("arn:aws:states:::aws-sdk:sns:listTopics", `{"NextToken":"n1"}`))
	if err != nil {
		t.Fatal(err)
	}
	if got := value.EncodeString(out); got != `{"NextToken":"n2","Topics":[{"TopicArn":"arn:aws:sns:us-east-1:111111111111:a"},{"TopicArn":"arn:aws:sns:us-east-1:111111111111:b"}]}` {
		t.Fatalf("listTopics = %s", got)
	}
	wantRequest(t, srv.last(t), "POST", "/", "", map[string]string{"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}, "Action=ListTopics&Version=2010-03-31&NextToken=n1")

	// A list and a map of structures in the query form.
	_, _ = inv.Invoke(ctx(t), task("arn:aws:states:::aws-sdk:sns:createTopic", `{"Name":"t","Attributes":{"DisplayName":"d"},"Tags":[{"Key":"k","Value":"v"}]}`))
	form, _ := url.ParseQuery(srv.last(t).Body)
	want := url.Values{"Action": {"CreateTopic"}, "Version": {"2010-03-31"}, "Name": {"t"},
		"Attributes.entry.1.key": {"DisplayName"}, "Attributes.entry.1.value": {"d"},
		"Tags.member.1.Key": {"k"}, "Tags.member.1.Value": {"v"}}
	if form.Encode() != want.Encode() {
		t.Fatalf("createTopic form = %s\nwant %s", form.Encode(), want.Encode())
	}
}

// queryCatalog is the embedded catalog with SQS as an awsQuery service, as
// SQS was before its JSON protocol.
func queryCatalog(t *testing.T) *model.Catalog {
	svc, _, err := model.Embedded().Service("sqs")
	if err != nil {
		t.Fatal(err)
	}
	cp := *svc
	cp.Protocol = model.AWSQuery
	b, shapes, err := model.Encode(&cp)
	if err != nil {
		t.Fatal(err)
	}
	return model.NewCatalog(fstest.MapFS{"sqs.json.gz": {Data: b}, "sqs.shapes.json.gz": {Data: shapes}})
}

func TestSQSAWSJSONAndAWSQuery(t *testing.T) {
	jsonSrv := newWireServer(t, jsonReply(200, "application/x-amz-json-1.0", `{"Messages":[{"MessageId":"m1","Body":"hi","Attributes":{"SentTimestamp":"1700000000000"}}]}`))
	inv := testInvoker(map[string]string{"sqs": jsonSrv.URL})
	params := `{"QueueUrl":"https://sqs.us-east-1.amazonaws.com/111111111111/q","MaxNumberOfMessages":2,"MessageSystemAttributeNames":["SentTimestamp"]}`
	want := `{"Messages":[{"Attributes":{"SentTimestamp":"1700000000000"},"Body":"hi","MessageId":"m1"}]}`
	out, err := inv.Invoke(ctx(t), task("arn:aws:states:::aws-sdk:sqs:receiveMessage", params))
	if err != nil || value.EncodeString(out) != want {
		t.Fatalf("receiveMessage (JSON) = %s, %v", value.EncodeString(out), err)
	}
	wantRequest(t, jsonSrv.last(t), "POST", "/", "", map[string]string{"X-Amz-Target": "AmazonSQS.ReceiveMessage", "Content-Type": "application/x-amz-json-1.0"}, params)

	querySrv := newWireServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/xml")
		io.WriteString(w, `<ReceiveMessageResponse><ReceiveMessageResult><Message><MessageId>m1</MessageId><Body>hi</Body><Attribute><Name>SentTimestamp</Name><Value>1700000000000</Value></Attribute></Message></ReceiveMessageResult><ResponseMetadata><RequestId>q-1</RequestId></ResponseMetadata></ReceiveMessageResponse>`)
	})
	inv = New(Options{LoadOptions: testInvoker(nil).opts.LoadOptions, Endpoints: map[string]string{"sqs": querySrv.URL}, Catalog: queryCatalog(t)})
	out, err = inv.Invoke(ctx(t), task("arn:aws:states:::aws-sdk:sqs:receiveMessage", params))
	if err != nil || value.EncodeString(out) != want {
		t.Fatalf("receiveMessage (query) = %s, %v", value.EncodeString(out), err)
	}
	wantRequest(t, querySrv.last(t), "POST", "/", "", map[string]string{"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
		"Action=ReceiveMessage&Version=2012-11-05&QueueUrl=https%3A%2F%2Fsqs.us-east-1.amazonaws.com%2F111111111111%2Fq&MaxNumberOfMessages=2&AttributeName.1=SentTimestamp")

	// An awsQuery error is matched to its modeled shape by its query code.
	errSrv := newWireServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/xml")
		w.WriteHeader(400)
		io.WriteString(w, `<ErrorResponse><Error><Type>Sender</Type><Code>AWS.SimpleQueueService.NonExistentQueue</Code><Message>The specified queue does not exist.</Message></Error><RequestId>q-2</RequestId></ErrorResponse>`)
	})
	inv = New(Options{LoadOptions: testInvoker(nil).opts.LoadOptions, Endpoints: map[string]string{"sqs": errSrv.URL}, Catalog: queryCatalog(t)})
	_, err = inv.Invoke(ctx(t), task("arn:aws:states:::aws-sdk:sqs:receiveMessage", params))
	wantFault(t, err, "Sqs.QueueDoesNotExistException", "The specified queue does not exist. (Service: Sqs, Status Code: 400, Request ID: q-2)")
}

func TestEventBridgeAWSJSON11(t *testing.T) {
	srv := newWireServer(t, jsonReply(200, json11, `{"Rules":[{"Name":"r","State":"ENABLED","EventBusName":"default"}]}`))
	t.Setenv("AWS_ENDPOINT_URL_EVENTBRIDGE", srv.URL)
	inv := testInvoker(nil)
	out, err := inv.Invoke(ctx(t), task("arn:aws:states:::aws-sdk:eventbridge:listRules", `{"NamePrefix":"r"}`))
	if err != nil || value.EncodeString(out) != `{"Rules":[{"EventBusName":"default","Name":"r","State":"ENABLED"}]}` {
		t.Fatalf("listRules = %s, %v", value.EncodeString(out), err)
	}
	req := srv.last(t)
	wantRequest(t, req, "POST", "/", "", map[string]string{"X-Amz-Target": "AWSEvents.ListRules"}, `{"NamePrefix":"r"}`)
	if req.SignedFor != "us-east-1/events" {
		t.Errorf("signed for %s", req.SignedFor)
	}
}

// s3Fake serves S3 in process with gofakes3 and records the requests.
func s3Fake(t *testing.T) *wireServer {
	h := gofakes3.New(s3mem.New()).Server()
	return newWireServer(t, h.ServeHTTP)
}

func TestS3RESTXMLAgainstGofakes3(t *testing.T) {
	s3 := s3Fake(t)
	inv := testInvoker(map[string]string{"s3": s3.URL})
	run := func(action, params string) (string, error) {
		t.Helper()
		out, err := inv.Invoke(ctx(t), task("arn:aws:states:::aws-sdk:s3:"+action, params))
		return value.EncodeString(out), err
	}
	if _, err := run("createBucket", `{"Bucket":"bkt"}`); err != nil {
		t.Fatal(err)
	}
	wantRequest(t, s3.last(t), "PUT", "/bkt", "", nil, "")
	out, err := run("putObject", `{"Bucket":"bkt","Key":"dir/a b.json","Body":"{\"hello\":\"world\"}","ContentType":"application/json"}`)
	if err != nil || !strings.Contains(out, `"ETag":"\"`) {
		t.Fatalf("putObject = %s, %v", out, err)
	}
	req := s3.last(t)
	wantRequest(t, req, "PUT", "/bkt/dir/a%20b.json", "x-id=PutObject", map[string]string{"Content-Type": "application/json", "X-Amz-Content-Sha256": sha256Hex([]byte(`{"hello":"world"}`))}, `{"hello":"world"}`)
	if req.SignedFor != "us-east-1/s3" {
		t.Errorf("signed for %s", req.SignedFor)
	}
	out, err = run("getObject", `{"Bucket":"bkt","Key":"dir/a b.json"}`)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := value.DecodeString(out)
	body, _ := got.(*value.Object).Get("Body")
	ct, _ := got.(*value.Object).Get("ContentType")
	cl, _ := got.(*value.Object).Get("ContentLength")
	if body != `{"hello":"world"}` || ct != "application/json" || cl != int64(17) {
		t.Fatalf("getObject = %s", out)
	}
	// As recorded on AWS (services__aws_sdk_task_service__s3_get_object__str):
	// the members sorted, the Body last, Metadata present even when empty.
	if keys := got.(*value.Object).Keys(); keys[len(keys)-1] != "Body" || !strings.Contains(out, `"Metadata":{}`) {
		t.Fatalf("getObject members = %v", keys)
	}
	// A Body that is not a string is stored as its JSON text
	// (services__aws_sdk_task_service__s3_put_object__dict, __bool).
	for params, want := range map[string]string{`{"Dict":"Value"}`: `{"Dict":"Value"}`, `false`: `false`, `[1,"a"]`: `[1,"a"]`} {
		if _, err := run("putObject", `{"Bucket":"bkt","Key":"v.json","Body":`+params+`}`); err != nil {
			t.Fatal(err)
		}
		if b := s3.last(t).Body; b != want {
			t.Fatalf("putObject Body %s sent as %q", params, b)
		}
	}
	out, err = run("listObjectsV2", `{"Bucket":"bkt","Prefix":"dir/"}`)
	if err != nil || !strings.Contains(out, `"Contents":[{`) || !strings.Contains(out, `"Key":"dir/a b.json"`) || !strings.Contains(out, `"KeyCount":1`) || strings.Contains(out, "v.json") {
		t.Fatalf("listObjectsV2 = %s, %v", out, err)
	}
	wantRequest(t, s3.last(t), "GET", "/bkt", "list-type=2&prefix=dir%2F", nil, "")
	// DeleteObjects requires a checksum: Content-MD5 of the XML body.
	out, err = run("deleteObjects", `{"Bucket":"bkt","Delete":{"Objects":[{"Key":"v.json"}],"Quiet":false}}`)
	if err != nil || !strings.Contains(out, `"Deleted":[{"Key":"v.json"}]`) {
		t.Fatalf("deleteObjects = %s, %v", out, err)
	}
	req = s3.last(t)
	sum := md5.Sum([]byte(req.Body))
	// (the signer writes the bare ?delete as delete=; Objects is a flattened
	// list of Object elements)
	wantRequest(t, req, "POST", "/bkt", "delete=", map[string]string{"Content-MD5": base64.StdEncoding.EncodeToString(sum[:])},
		`<Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Object><Key>v.json</Key></Object><Quiet>false</Quiet></Delete>`)
	_, err = run("getObject", `{"Bucket":"bkt","Key":"missing"}`)
	// gofakes3 sends NoSuchKey without a message.
	wantFault(t, err, "S3.NoSuchKeyException", " (Service: S3, Status Code: 404, Request ID: ")
}

func sha256Hex(b []byte) string {
	sum := sha256Sum(b)
	return hexString(sum[:])
}
