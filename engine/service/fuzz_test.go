package service_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stepwise/stepwise/engine/service"
	"github.com/stepwise/stepwise/engine/service/store"
)

// operations are the targets the fuzzer calls.
var operations = []string{
	"CreateStateMachine", "DescribeStateMachine", "UpdateStateMachine", "DeleteStateMachine", "ListStateMachines",
	"ValidateStateMachineDefinition", "StartExecution", "StartSyncExecution", "DescribeExecution", "ListExecutions",
	"StopExecution", "GetExecutionHistory", "DescribeStateMachineForExecution", "RedriveExecution", "SendTaskSuccess",
	"SendTaskFailure", "SendTaskHeartbeat", "CreateActivity", "DescribeActivity", "DeleteActivity", "ListActivities",
	"GetActivityTask", "TestState", "TagResource", "UntagResource", "ListTagsForResource", "Nope",
	"PublishStateMachineVersion", "ListStateMachineVersions", "DeleteStateMachineVersion", "CreateStateMachineAlias",
	"DescribeStateMachineAlias", "UpdateStateMachineAlias", "DeleteStateMachineAlias", "ListStateMachineAliases",
	"DescribeMapRun", "ListMapRuns", "UpdateMapRun",
}

// FuzzServeHTTP sends arbitrary bodies to every operation: the server must
// answer each with a JSON body and never fail internally (a panic is
// recovered as a 500, which fails the fuzz target).
func FuzzServeHTTP(f *testing.F) {
	st, err := store.Open(context.Background(), store.Memory, store.Options{})
	if err != nil {
		f.Fatal(err)
	}
	defer st.Close()
	svc, err := service.New(service.Options{Store: st, ActivityPollTimeout: time.Millisecond})
	if err != nil {
		f.Fatal(err)
	}
	defer func() { _ = svc.Shutdown(context.Background()) }()
	sm := `{"name":"m","roleArn":"arn:aws:iam::1:role/r","definition":"{\"StartAt\":\"A\",\"States\":{\"A\":{\"Type\":\"Pass\",\"End\":true}}}"}`
	rec := httptest.NewRecorder()
	svc.ServeHTTP(rec, request("CreateStateMachine", sm))
	for i, op := range operations {
		f.Add(uint8(i), `{}`)
		f.Add(uint8(i), `{"stateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:m","input":"{\"a\":1}","name":"x"}`)
		f.Add(uint8(i), `{"executionArn":"arn:aws:states:us-east-1:123456789012:execution:m:x","maxResults":1,"nextToken":"AA"}`)
		f.Add(uint8(i), `{"definition":"{\"Type\":\"Pass\",\"End\":true}","input":"[1]","mock":{"result":"1"}}`)
		f.Add(uint8(i), `{"taskToken":"t","output":"{}","activityArn":"arn:aws:states:us-east-1:123456789012:activity:a"}`)
		f.Add(uint8(i), `{"resourceArn":"arn:aws:states:us-east-1:123456789012:stateMachine:m","tags":[{"key":"k"}],"tagKeys":null}`)
		f.Add(uint8(i), `{"stateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:m:1","stateMachineVersionArn":"arn:aws:states:us-east-1:123456789012:stateMachine:m:1"}`)
		f.Add(uint8(i), `{"name":"live","stateMachineAliasArn":"arn:aws:states:us-east-1:123456789012:stateMachine:m:live","routingConfiguration":[{"stateMachineVersionArn":"arn:aws:states:us-east-1:123456789012:stateMachine:m:1","weight":100}]}`)
		f.Add(uint8(i), `{"definition":"{\"Type\":\"Map\",\"ItemProcessor\":{\"StartAt\":\"P\",\"States\":{\"P\":{\"Type\":\"Pass\",\"End\":true}}},\"End\":true}","mock":{"result":"[1]"},"stateConfiguration":{"mapIterationFailureCount":1,"mapItemReaderData":"[1]","errorCausedByState":"P"}}`)
		f.Add(uint8(i), `{"loggingConfiguration":{"level":"ALL","destinations":[{"cloudWatchLogsLogGroup":{"logGroupArn":"arn:aws:logs:us-east-1:1:log-group:g:*"}}]},"mapRunArn":"arn:aws:states:us-east-1:1:mapRun:m/l:x"}`)
		f.Add(uint8(i), `[`)
		f.Add(uint8(i), `null`)
		_ = op
	}
	f.Fuzz(func(t *testing.T, opIndex uint8, body string) {
		op := operations[int(opIndex)%len(operations)]
		rec := httptest.NewRecorder()
		// A fuzzed definition may wait: StartSyncExecution then ends
		// with the request.
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		svc.ServeHTTP(rec, request(op, body).WithContext(ctx))
		if rec.Code >= 500 {
			t.Fatalf("%s %q: status %d: %s", op, body, rec.Code, rec.Body.String())
		}
		var out map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
			t.Fatalf("%s %q: the response is not a JSON object: %q", op, body, rec.Body.String())
		}
		if rec.Code != 200 && out["__type"] == nil {
			t.Fatalf("%s %q: error without __type: %s", op, body, rec.Body.String())
		}
	})
}

func request(op, body string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/", bytes.NewBufferString(body))
	r.Header.Set("X-Amz-Target", "AWSStepFunctions."+op)
	r.Header.Set("Content-Type", "application/x-amz-json-1.0")
	return r
}
