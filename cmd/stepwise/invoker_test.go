package main

import (
	"crypto/md5"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stepwise/stepwise/asl/value"
)

// TestMain keeps every test of the package away from real AWS: Task states
// that call AWS (hybrid mode) get static credentials, no EC2 metadata
// endpoint, no shared config files, and an endpoint that refuses
// connections unless a test points a service at a loopback server.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "stepwise-aws")
	if err != nil {
		panic(err)
	}
	for k, v := range map[string]string{
		"AWS_EC2_METADATA_DISABLED":   "true",
		"AWS_ACCESS_KEY_ID":           "AKIDCLITEST",
		"AWS_SECRET_ACCESS_KEY":       "secret",
		"AWS_SESSION_TOKEN":           "",
		"AWS_REGION":                  "us-east-1",
		"AWS_PROFILE":                 "",
		"AWS_CONFIG_FILE":             filepath.Join(dir, "config"),
		"AWS_SHARED_CREDENTIALS_FILE": filepath.Join(dir, "credentials"),
		"AWS_ENDPOINT_URL":            "http://127.0.0.1:1",
		"AWS_MAX_ATTEMPTS":            "1",
	} {
		os.Setenv(k, v)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// sqsServer is a loopback SQS (AWS JSON 1.0) recording the requests.
type sqsServer struct {
	mu     sync.Mutex
	bodies []string
	target []string
}

func newSQS(t *testing.T) (*sqsServer, string) {
	s := &sqsServer{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.bodies = append(s.bodies, string(b))
		s.target = append(s.target, r.Header.Get("X-Amz-Target"))
		s.mu.Unlock()
		in, _ := value.Decode(b)
		body, _ := in.(*value.Object).Get("MessageBody")
		sum := md5.Sum([]byte(body.(string)))
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		w.Header().Set("x-amzn-RequestId", "sqs-req-7")
		io.WriteString(w, `{"MD5OfMessageBody":"`+hex.EncodeToString(sum[:])+`","MessageId":"m-1"}`)
	}))
	t.Cleanup(srv.Close)
	return s, srv.URL
}

const hybridDef = `{"StartAt":"Mocked","States":{
  "Mocked":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"f"},"ResultSelector":{"v.$":"$.Payload.v"},"Next":"Real"},
  "Real":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage","Parameters":{"QueueUrl":"https://sqs.us-east-1.amazonaws.com/123456789012/q","MessageBody.$":"$"},
    "ResultSelector":{"id.$":"$.MessageId"},"ResultPath":"$.sent","Next":"Nested"},
  "Nested":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution.sync:2",
    "Parameters":{"StateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:child","Input.$":"$","Name":"c1"},
    "OutputPath":"$.Output","End":true}}}`

const hybridMocks = `{"StateMachines":{"flow":{"TestCases":{"T":{"Mocked":"Ok"}}}},
  "MockedResponses":{"Ok":{"0":{"Return":{"Payload":{"v":42}}}}}}`

const childDef = `{"StartAt":"Echo","States":{"Echo":{"Type":"Pass","Parameters":{"child.$":"$"},"End":true}}}`

func TestRunHybrid(t *testing.T) {
	sqs, url := newSQS(t)
	t.Setenv("AWS_ENDPOINT_URL_SQS", url)
	def := writeFile(t, "flow.asl.json", hybridDef)
	mocks := writeFile(t, "mocks.json", hybridMocks)
	child := writeFile(t, "child.asl.json", childDef)
	code, out, errs := runCLI(t, def, "--mocks", mocks, "--test-case", "T", "--machine", "child="+child)
	if code != 0 {
		t.Fatalf("code %d, stdout %q, stderr %q", code, out, errs)
	}
	if want := `{"child":{"v":42,"sent":{"id":"m-1"}}}` + "\n"; out != want {
		t.Fatalf("output %q, want %q", out, want)
	}
	if len(sqs.bodies) != 1 || sqs.target[0] != "AmazonSQS.SendMessage" ||
		!strings.Contains(sqs.bodies[0], `"MessageBody":"{\"v\":42}"`) {
		t.Fatalf("SQS requests %v %v", sqs.target, sqs.bodies)
	}

	// A --machine that does not parse is a usage error.
	bad := writeFile(t, "bad.asl.json", `{"StartAt":"X","States":{}}`)
	if code, _, errs := runCLI(t, def, "--machine", "child="+bad); code != 2 || !strings.Contains(errs, "--machine child") {
		t.Fatalf("bad machine: code %d stderr %q", code, errs)
	}
	if code, _, errs := runCLI(t, def, "--machine", "child"); code != 2 || !strings.Contains(errs, "NAME=FILE") {
		t.Fatalf("bad flag: code %d stderr %q", code, errs)
	}
}

func TestRunLoadsAWSConfigOnlyWhenNeeded(t *testing.T) {
	// A profile that does not exist makes loading the configuration fail:
	// runs that call no AWS service must not notice.
	t.Setenv("AWS_PROFILE", "no-such-profile")
	def := writeFile(t, "flow.asl.json", hybridDef)
	mocks := writeFile(t, "mocks.json", hybridMocks)
	code, out, errs := runCLI(t, def, "--mocks", mocks, "--json", "--history")
	// Mocked answers from the mocks; Real calls SQS, which needs the
	// configuration, and fails on it.
	if code != 1 || !strings.Contains(out, `"error":"States.TaskFailed"`) || !strings.Contains(out, "loading the AWS configuration") ||
		!strings.Contains(out, `"TaskSucceeded"`) {
		t.Fatalf("code %d, stdout %q, stderr %q", code, out, errs)
	}
	pass := writeFile(t, "pass.asl.json", passDef)
	if code, out, errs := runCLI(t, pass, "--input", `{"name":"x"}`); code != 0 {
		t.Fatalf("Pass-only run: code %d, stdout %q, stderr %q", code, out, errs)
	}
}

func TestTestCommandHybrid(t *testing.T) {
	sqs, url := newSQS(t)
	t.Setenv("AWS_ENDPOINT_URL_SQS", url)
	def := writeFile(t, "flow.asl.json", hybridDef)
	mocks := writeFile(t, "mocks.json", hybridMocks)
	child := writeFile(t, "child.asl.json", childDef)
	expect := writeFile(t, "expect.json", `{"T":{"status":"SUCCEEDED","output":{"child":{"v":42,"sent":{"id":"m-1"}}}}}`)
	var out, errb strings.Builder
	code := mainWithArgs(t.Context(), []string{"test", def, "--mocks", mocks, "--expect", expect, "--machine", "child=" + child}, &out, &errb)
	if code != 0 {
		t.Fatalf("code %d, stdout %q, stderr %q", code, out.String(), errb.String())
	}
	if len(sqs.bodies) != 1 {
		t.Fatalf("SQS requests %v", sqs.bodies)
	}
}
