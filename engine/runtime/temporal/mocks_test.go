package temporal

import (
	"context"
	"encoding/json"
	"errors"
	"sort"
	"strings"
	"sync/atomic"
	"testing"

	sdkpb "go.temporal.io/api/sdk/v1"
	"go.temporal.io/sdk/converter"

	"github.com/stepwise/stepwise/asl/fault"
	"github.com/stepwise/stepwise/asl/value"
	"github.com/stepwise/stepwise/engine"
	"github.com/stepwise/stepwise/integrations"
	"github.com/stepwise/stepwise/integrations/mock"
)

// mockedMachine maps over four items with a mocked Task whose last calls
// time out (caught), then runs a Task its test case does not mock.
const mockedMachine = `{
  "StartAt": "Each",
  "States": {
    "Each": {"Type": "Map", "ItemsPath": "$.items", "ResultPath": "$.results", "Next": "Real",
      "ItemProcessor": {"ProcessorConfig": {"Mode": "INLINE"}, "StartAt": "Mocked", "States": {
        "Mocked": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "TimeoutSeconds": 5,
          "Parameters": {"x.$": "$"},
          "Catch": [{"ErrorEquals": ["States.Timeout"], "ResultPath": "$.error", "Next": "Caught"}], "End": true},
        "Caught": {"Type": "Pass", "End": true}}}},
    "Real": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:real",
      "Parameters": {"x": 21}, "ResultPath": "$.real", "End": true}
  }
}`

const mockedInput = `{"items":[{"i":1},{"i":2},{"i":3},{"i":4}]}`

const mockedConfig = `{
  "StateMachines": {"m": {"TestCases": {"t": {"Mocked": "R"}}}},
  "MockedResponses": {"R": {
    "0-1": {"Return": {"StatusCode": 200, "Payload": {"z": 1, "a": 2.0}}},
    "2-3": {"Throw": {"Error": "States.Timeout"}}
  }}
}`

// realInvoker answers the unmocked task and counts the calls it gets.
func realInvoker(calls *atomic.Int32) integrations.Invoker {
	return integrations.InvokerFunc(func(_ context.Context, t *integrations.Task) (any, error) {
		calls.Add(1)
		if !strings.HasSuffix(t.Resource, ":function:real") {
			return nil, errors.New("unexpected task " + t.StateName)
		}
		return value.Decode([]byte(`{"doubled":42}`))
	})
}

func mockedTestCase(t *testing.T, config string) *mock.TestCase {
	t.Helper()
	cfg, err := mock.Parse([]byte(config))
	if err != nil {
		t.Fatal(err)
	}
	tc, err := cfg.TestCase("m", "t")
	if err != nil {
		t.Fatal(err)
	}
	return tc
}

// TestInlineMocksMatchLocal runs mocked tasks from RuntimeOptions.Mocks:
// the workflow answers them (no activity), the unmocked task runs as an
// activity, and the execution matches the local runtime's with the same
// test case.
func TestInlineMocksMatchLocal(t *testing.T) {
	tc := mockedTestCase(t, mockedConfig)
	var localCalls, calls atomic.Int32
	want := runLocal(t, tc.Invoker(realInvoker(&localCalls)), mockedMachine, mockedInput)
	got, _ := runEnv(t, realInvoker(&calls), ExecutionInput{
		Definition: mockedMachine, Input: json.RawMessage(mockedInput), ExecutionName: "exec", StartTime: testStart,
		Runtime: RuntimeOptions{Mocks: NewMocks(tc)},
	}, nil)
	if got.err != nil {
		t.Fatalf("workflow error: %v", got.err)
	}
	compareWithLocal(t, want, got)
	if n := calls.Load(); n != 1 {
		t.Fatalf("the worker's invoker got %d calls, want 1 (the unmocked task)", n)
	}
	if want.Status != engine.StatusSucceeded || !strings.Contains(string(got.res.Output), `"error":{"Error":"States.Timeout"`) {
		t.Fatalf("unexpected outcome %s %s", got.res.Status, got.res.Output)
	}
}

// TestInlineMocksTimeOutTogether: mocked tasks invoked together end
// together, so each of the Map's iterations records its timeout before the
// first failure aborts the Map, as in process and on AWS.
func TestInlineMocksTimeOutTogether(t *testing.T) {
	const def = `{
  "StartAt": "Each",
  "States": {
    "Each": {"Type": "Map", "ItemsPath": "$.items", "End": true,
      "ItemProcessor": {"ProcessorConfig": {"Mode": "INLINE"}, "StartAt": "Mocked", "States": {
        "Mocked": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "TimeoutSeconds": 5,
          "Parameters": {"x.$": "$"}, "End": true}}}}
  }
}`
	tc := mockedTestCase(t, strings.Replace(mockedConfig, `"0-1": {"Return": {"StatusCode": 200, "Payload": {"z": 1, "a": 2.0}}},
    "2-3"`, `"0-3"`, 1))
	var localCalls, calls atomic.Int32
	want := runLocal(t, tc.Invoker(realInvoker(&localCalls)), def, mockedInput)
	got, _ := runEnv(t, realInvoker(&calls), ExecutionInput{
		Definition: def, Input: json.RawMessage(mockedInput), ExecutionName: "exec", StartTime: testStart,
		Runtime: RuntimeOptions{Mocks: NewMocks(tc)},
	}, nil)
	if got.err != nil {
		t.Fatalf("workflow error: %v", got.err)
	}
	compareWithLocal(t, want, got)
	timedOut := 0
	for _, typ := range got.types() {
		if typ == "TaskTimedOut" {
			timedOut++
		}
	}
	if got.res.Status != engine.StatusFailed || got.res.Error != fault.Timeout || timedOut != 4 || calls.Load() != 0 {
		t.Fatalf("got %s %s with %d TaskTimedOut and %d activity calls, want FAILED States.Timeout with 4 and 0", got.res.Status, got.res.Error, timedOut, calls.Load())
	}
}

// TestInlineMocksMissingEntry: a call with no mocked response fails the
// execution with States.Runtime, as the mock package's Invoker does.
func TestInlineMocksMissingEntry(t *testing.T) {
	tc := mockedTestCase(t, strings.Replace(mockedConfig, `"2-3"`, `"2"`, 1))
	var localCalls, calls atomic.Int32
	want := runLocal(t, tc.Invoker(realInvoker(&localCalls)), mockedMachine, mockedInput)
	got, _ := runEnv(t, realInvoker(&calls), ExecutionInput{
		Definition: mockedMachine, Input: json.RawMessage(mockedInput), ExecutionName: "exec", StartTime: testStart,
		Runtime: RuntimeOptions{Mocks: NewMocks(tc)},
	}, nil)
	if got.err != nil {
		t.Fatalf("workflow error: %v", got.err)
	}
	compareWithLocal(t, want, got)
	if got.res.Error != fault.Runtime {
		t.Fatalf("got %s %s, want States.Runtime", got.res.Status, got.res.Error)
	}
}

// TestDevServerInlineMocks runs mockedMachine with inline mocks on a dev
// server and replays (and with STEPWISE_RECORD_HISTORIES=1 records) its
// history, so that the mocked path stays deterministic.
func TestDevServerInlineMocks(t *testing.T) {
	c := devServer(t)
	const tq = "stepwise-test-mocks"
	var calls atomic.Int32
	startWorker(t, c, tq, realInvoker(&calls))
	tc := mockedTestCase(t, mockedConfig)
	var localCalls atomic.Int32
	want := runLocal(t, tc.Invoker(realInvoker(&localCalls)), mockedMachine, mockedInput)
	res, events := execute(t, c, tq, "mocked", ExecutionInput{
		Definition: mockedMachine, Input: json.RawMessage(mockedInput), ExecutionName: "exec",
		Runtime: RuntimeOptions{Mocks: NewMocks(tc)},
	})
	if res.Status != want.Status || string(res.Output) != string(value.Encode(want.Output)) {
		t.Fatalf("got %s %s, want %s %s", res.Status, res.Output, want.Status, value.Encode(want.Output))
	}
	var wantTypes []string
	for _, e := range want.Events {
		wantTypes = append(wantTypes, e.Type)
	}
	sort.Strings(wantTypes)
	if g, w := strings.Join(sortedTypes(events), " "), strings.Join(wantTypes, " "); g != w {
		t.Fatalf("event types:\n got %s\nwant %s", g, w)
	}
	if n := calls.Load(); n != 1 {
		t.Fatalf("the worker's invoker got %d calls, want 1 (the unmocked task)", n)
	}
	// Temporal's UI shows the state of each activity (its summary), and
	// the mocked states in the workflow's current details.
	var summaries []string
	for _, e := range temporalHistory(t, c, "mocked", "").Events {
		if e.GetActivityTaskScheduledEventAttributes() != nil {
			var s string
			if err := converter.GetDefaultDataConverter().FromPayload(e.GetUserMetadata().GetSummary(), &s); err != nil {
				t.Fatalf("activity summary: %v", err)
			}
			summaries = append(summaries, s)
		}
	}
	if strings.Join(summaries, "|") != `Task state "Real": lambda:real` {
		t.Errorf("activity summaries %q", summaries)
	}
	v, err := c.QueryWorkflow(context.Background(), "mocked", "", "__temporal_workflow_metadata")
	if err != nil {
		t.Fatal(err)
	}
	var meta sdkpb.WorkflowMetadata
	if err := v.Get(&meta); err != nil {
		t.Fatal(err)
	}
	if d := meta.GetCurrentDetails(); !strings.Contains(d, "Status: SUCCEEDED") || !strings.Contains(d, "Mocked test case `t`") ||
		!strings.Contains(d, "- `Mocked`: mocked response `R`, 4 calls so far") {
		t.Errorf("current details:\n%s", d)
	}
	replayAndRecord(t, c, "mocked", "", "mocked")
}
