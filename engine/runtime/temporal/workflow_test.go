package temporal

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/stepwise/stepwise/asl"
	"github.com/stepwise/stepwise/asl/fault"
	"github.com/stepwise/stepwise/asl/value"
	"github.com/stepwise/stepwise/engine"
	"github.com/stepwise/stepwise/engine/history"
	"github.com/stepwise/stepwise/engine/runtime/local"
	"github.com/stepwise/stepwise/engine/runtime/temporal/temporaltest"
	"github.com/stepwise/stepwise/integrations"
	"github.com/stepwise/stepwise/integrations/gofunc"
)

var testStart = time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)

// newEnv returns a test workflow environment with the workflows and the
// task activity registered.
func newEnv(t testing.TB, inv integrations.Invoker) *testsuite.TestWorkflowEnvironment {
	t.Helper()
	var s testsuite.WorkflowTestSuite
	s.SetLogger(temporaltest.QuietLogger())
	env := s.NewTestWorkflowEnvironment()
	env.SetStartTime(testStart)
	env.SetTestTimeout(2 * time.Minute)
	env.SetWorkerOptions(WorkerOptions())
	Register(env, &Tasks{Invoker: inv})
	return env
}

// envRun is the outcome of an execution in the test environment.
type envRun struct {
	res    *ExecutionResult
	events []map[string]any
	err    error
}

func (r *envRun) types() []string {
	out := make([]string, len(r.events))
	for i, e := range r.events {
		out[i], _ = e["type"].(string)
	}
	return out
}

// runEnv runs in through the workflow, following continue-as-new runs (each
// in a fresh environment, as the test environment does not continue by
// itself). setup is called on each environment before it runs.
func runEnv(t testing.TB, inv integrations.Invoker, in ExecutionInput, setup func(*testsuite.TestWorkflowEnvironment)) (*envRun, int) {
	t.Helper()
	runs := 0
	start := testStart
	for {
		runs++
		env := newEnv(t, inv)
		env.SetStartTime(start)
		if setup != nil {
			setup(env)
		}
		env.ExecuteWorkflow(WorkflowName, in)
		if !env.IsWorkflowCompleted() {
			t.Fatalf("workflow did not complete")
		}
		out := &envRun{}
		if v, err := env.QueryWorkflow(QueryHistory); err == nil {
			var raw json.RawMessage
			if err := v.Get(&raw); err != nil {
				t.Fatalf("history: %v", err)
			}
			if err := json.Unmarshal(raw, &out.events); err != nil {
				t.Fatalf("history: %v", err)
			}
		} else {
			t.Fatalf("query history: %v", err)
		}
		err := env.GetWorkflowError()
		var can *workflow.ContinueAsNewError
		if errors.As(err, &can) {
			var next ExecutionInput
			if err := converter.GetDefaultDataConverter().FromPayloads(can.Input, &next); err != nil {
				t.Fatalf("continue-as-new input: %v", err)
			}
			in = next
			if n := len(out.events); n > 0 {
				ts, _ := out.events[n-1]["timestamp"].(float64)
				start = time.UnixMilli(int64(ts * 1000)).UTC()
			}
			continue
		}
		if r, ok := ResultFromError(err); ok && err != nil && r.Status != engine.StatusAborted {
			out.res = r
			return out, runs
		}
		if err != nil {
			out.err = err
			return out, runs
		}
		var res ExecutionResult
		if err := env.GetWorkflowResult(&res); err != nil {
			t.Fatalf("result: %v", err)
		}
		out.res = &res
		return out, runs
	}
}

// runLocal runs the same execution in process under the virtual clock.
func runLocal(t testing.TB, inv integrations.Invoker, def, input string) *engine.Result {
	t.Helper()
	sm, err := asl.Parse([]byte(def))
	if err != nil {
		t.Fatal(err)
	}
	in, err := value.Decode([]byte(input))
	if err != nil {
		t.Fatal(err)
	}
	res, err := engine.Run(context.Background(), sm, in, engine.Options{
		Runtime:       local.New(local.Options{VirtualClock: true, Start: testStart, Seed: 1}),
		Invoker:       inv,
		ExecutionName: "exec",
		StartTime:     testStart,
	})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// everythingMachine has a Task with Retry and Catch, a Wait, a Parallel
// and a Map.
const everythingMachine = `{
  "StartAt": "Greet",
  "States": {
    "Greet": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:greet",
      "Parameters": {"name.$": "$.name", "n": 1, "f": 1.5},
      "Retry": [{"ErrorEquals": ["Flaky"], "IntervalSeconds": 1, "MaxAttempts": 3, "BackoffRate": 2}],
      "ResultPath": "$.greeting", "Next": "Pause"},
    "Pause": {"Type": "Wait", "Seconds": 3, "Next": "Both"},
    "Both": {"Type": "Parallel", "ResultPath": "$.both", "Next": "Each",
      "Branches": [
        {"StartAt": "Left", "States": {"Left": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:double", "Parameters": {"x": 20}, "End": true}}},
        {"StartAt": "Right", "States": {"Right": {"Type": "Pass", "Result": {"z": 1, "a": 2}, "End": true}}}
      ]},
    "Each": {"Type": "Map", "ItemsPath": "$.items", "ResultPath": "$.doubled", "MaxConcurrency": 2, "Next": "Boom",
      "ItemProcessor": {"ProcessorConfig": {"Mode": "INLINE"}, "StartAt": "Double", "States": {
        "Double": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:double", "Parameters": {"x.$": "$"}, "End": true}}}},
    "Boom": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:boom",
      "Catch": [{"ErrorEquals": ["Custom.Error"], "ResultPath": "$.caught", "Next": "Done"}], "End": true},
    "Done": {"Type": "Pass", "End": true}
  }
}`

// everythingInvoker answers everythingMachine's tasks. greet fails with
// Flaky twice, then succeeds.
func everythingInvoker() integrations.Invoker {
	reg := gofunc.New()
	var mu sync.Mutex
	greets := 0
	reg.HandleResource("arn:aws:lambda:us-east-1:123456789012:function:greet", func(_ context.Context, in any) (any, error) {
		mu.Lock()
		defer mu.Unlock()
		greets++
		if greets%3 != 0 {
			return nil, fault.New("Flaky", "try again")
		}
		o := in.(*value.Object)
		name, _ := o.Get("name")
		out := value.NewObject(2)
		out.Append("hello", name)
		out.Append("big", int64(1)<<60)
		return out, nil
	})
	reg.HandleResource("arn:aws:lambda:us-east-1:123456789012:function:double", func(_ context.Context, in any) (any, error) {
		o := in.(*value.Object)
		x, _ := o.Get("x")
		switch n := x.(type) {
		case int64:
			return n * 2, nil
		case float64:
			return n * 2, nil
		}
		return nil, fmt.Errorf("not a number: %v", x)
	})
	reg.HandleResource("arn:aws:lambda:us-east-1:123456789012:function:boom", func(context.Context, any) (any, error) {
		return nil, fault.New("Custom.Error", "it went boom")
	})
	return reg
}

const everythingInput = `{"name":"Ada","items":[1,2.5,3,4]}`

func TestEverythingMatchesLocal(t *testing.T) {
	want := runLocal(t, everythingInvoker(), everythingMachine, everythingInput)
	got, _ := runEnv(t, everythingInvoker(), ExecutionInput{
		Definition: everythingMachine, Input: json.RawMessage(everythingInput), ExecutionName: "exec", StartTime: testStart,
	}, nil)
	if got.err != nil {
		t.Fatalf("workflow error: %v", got.err)
	}
	compareWithLocal(t, want, got)
}

// compareWithLocal checks status, output, error, cause and event types.
func compareWithLocal(t *testing.T, want *engine.Result, got *envRun) {
	t.Helper()
	if got.res.Status != want.Status || got.res.Error != want.Error || got.res.Cause != want.Cause {
		t.Fatalf("got %s %s %s, want %s %s %s", got.res.Status, got.res.Error, got.res.Cause, want.Status, want.Error, want.Cause)
	}
	if w := string(value.Encode(want.Output)); want.Status == engine.StatusSucceeded && string(got.res.Output) != w {
		t.Fatalf("output:\n got %s\nwant %s", got.res.Output, w)
	}
	var wantTypes []string
	for _, e := range want.Events {
		wantTypes = append(wantTypes, e.Type)
	}
	// Concurrent branches and iterations may interleave differently.
	gotTypes := got.types()
	sort.Strings(gotTypes)
	sort.Strings(wantTypes)
	if g, w := strings.Join(gotTypes, " "), strings.Join(wantTypes, " "); g != w {
		t.Fatalf("event types:\n got %s\nwant %s", g, w)
	}
}

const callbackMachine = `{
  "StartAt": "Ask",
  "States": {
    "Ask": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
      "Parameters": {"QueueUrl": "q", "MessageBody": {"token.$": "$$.Task.Token"}},
      "TimeoutSeconds": 3600, "HeartbeatSeconds": 600, "End": true}
  }
}`

// callbackInvoker sends the callback request: it records the token and
// leaves the outcome for later.
func callbackInvoker(tokens chan<- string) integrations.Invoker {
	reg := gofunc.New()
	reg.HandleResource("arn:aws:states:::sqs:sendMessage.waitForTaskToken", func(_ context.Context, in any) (any, error) {
		body, _ := in.(*value.Object).Get("MessageBody")
		tok, _ := body.(*value.Object).Get("token")
		tokens <- tok.(string)
		return integrations.Pending{}, nil
	})
	return reg
}

func TestCallbackTask(t *testing.T) {
	for _, tc := range []struct {
		name       string
		beats      int           // heartbeats sent, 500s apart
		answerAt   time.Duration // when the outcome is sent (0: never)
		fail       bool
		wantStatus string
		wantErr    string
	}{
		{name: "success", answerAt: 100 * time.Second, wantStatus: engine.StatusSucceeded},
		{name: "failure", answerAt: 100 * time.Second, fail: true, wantStatus: engine.StatusFailed, wantErr: "Custom"},
		{name: "heartbeat timeout", wantStatus: engine.StatusFailed, wantErr: fault.HeartbeatTimeout},
		{name: "heartbeats then answer", beats: 3, answerAt: 1800 * time.Second, wantStatus: engine.StatusSucceeded},
		{name: "heartbeats then timeout", beats: 20, wantStatus: engine.StatusFailed, wantErr: fault.Timeout},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tokens := make(chan string, 1)
			var token string
			got, _ := runEnv(t, callbackInvoker(tokens), ExecutionInput{Definition: callbackMachine, StartTime: testStart}, func(env *testsuite.TestWorkflowEnvironment) {
				tok := func() string {
					if token == "" {
						token = <-tokens
					}
					return token
				}
				for i := 1; i <= tc.beats; i++ {
					env.RegisterDelayedCallback(func() {
						env.SignalWorkflow(SignalName, TaskSignal{Token: tok(), Heartbeat: true})
					}, time.Duration(i)*500*time.Second)
				}
				if tc.answerAt > 0 {
					env.RegisterDelayedCallback(func() {
						s := TaskSignal{Token: tok(), Output: json.RawMessage(`{"ok":1}`)}
						if tc.fail {
							s = TaskSignal{Token: tok(), Failed: true, Error: "Custom", Cause: "no"}
						}
						env.SignalWorkflow(SignalName, s)
					}, tc.answerAt)
				}
			})
			if got.err != nil {
				t.Fatalf("workflow error: %v", got.err)
			}
			if got.res.Status != tc.wantStatus || got.res.Error != tc.wantErr {
				t.Fatalf("got %s %s (%s), want %s %s", got.res.Status, got.res.Error, got.res.Cause, tc.wantStatus, tc.wantErr)
			}
			if tc.wantStatus == engine.StatusSucceeded && string(got.res.Output) != `{"ok":1}` {
				t.Fatalf("output %s", got.res.Output)
			}
		})
	}
}

// loopMachine counts to $.n with a Choice loop through a Task and a Wait.
const loopMachine = `{
  "StartAt": "Init",
  "States": {
    "Init": {"Type": "Pass", "Result": 0, "ResultPath": "$.i", "Next": "Inc"},
    "Inc": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:inc", "Parameters": {"i.$": "$.i"}, "ResultSelector": {"v.$": "$.i"}, "ResultPath": "$.r", "Next": "Copy"},
    "Copy": {"Type": "Pass", "Parameters": {"i.$": "$.r.v", "n.$": "$.n"}, "Next": "Nap"},
    "Nap": {"Type": "Wait", "Seconds": 1, "Next": "More"},
    "More": {"Type": "Choice", "Choices": [{"Variable": "$.i", "NumericLessThan": 0, "Next": "Never"}, {"Variable": "$.i", "NumericLessThanPath": "$.n", "Next": "Inc"}], "Default": "Done"},
    "Never": {"Type": "Fail"},
    "Done": {"Type": "Succeed"}
  }
}`

func incInvoker() integrations.Invoker {
	reg := gofunc.New()
	reg.HandleResource("arn:aws:lambda:us-east-1:123456789012:function:inc", func(_ context.Context, in any) (any, error) {
		i, _ := in.(*value.Object).Get("i")
		out := value.NewObject(1)
		out.Append("i", i.(int64)+1)
		return out, nil
	})
	return reg
}

func TestContinueAsNewKeepsHistory(t *testing.T) {
	const input = `{"n":40}`
	want := runLocal(t, incInvoker(), loopMachine, input)
	got, runs := runEnv(t, incInvoker(), ExecutionInput{
		Definition: loopMachine, Input: json.RawMessage(input), ExecutionName: "exec", StartTime: testStart, ContinueAsNewAfter: 25,
	}, nil)
	if got.err != nil {
		t.Fatalf("workflow error: %v", got.err)
	}
	if runs < 5 {
		t.Fatalf("%d runs, want at least 5", runs)
	}
	compareWithLocal(t, want, got)
	for i, e := range got.events {
		if id, _ := e["id"].(float64); int(id) != i+1 {
			t.Fatalf("event %d has id %v", i, e["id"])
		}
	}
	if ts := got.events[len(got.events)-1]["timestamp"].(float64); ts != float64(testStart.Add(40*time.Second).UnixMilli())/1000 {
		t.Fatalf("last event at %v, want 40s after the start", ts)
	}
}

// bigMapMachine runs a Task per item.
const bigMapMachine = `{
  "StartAt": "Each",
  "States": {
    "Each": {"Type": "Map", "ItemsPath": "$.items",
      "ItemProcessor": {"StartAt": "Inc", "States": {
        "Inc": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:inc", "Parameters": {"i.$": "$"}, "OutputPath": "$.i", "End": true}}},
      "Next": "Sum"},
    "Sum": {"Type": "Pass", "Parameters": {"n.$": "States.ArrayLength($)", "last.$": "$[-1:]"}, "End": true}
  }
}`

func bigMapInput(n int) string {
	var b strings.Builder
	b.WriteString(`{"items":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprint(&b, i)
	}
	b.WriteString(`]}`)
	return b.String()
}

func TestBigMapBatches(t *testing.T) {
	n := 10000
	if testing.Short() {
		n = 1000
	}
	if s := os.Getenv("BIGMAP_N"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	children := 0
	got, _ := runEnv(t, incInvoker(), ExecutionInput{
		Definition: bigMapMachine, Input: json.RawMessage(bigMapInput(n)), StartTime: testStart,
		MaxHistoryEvents: -1, // AWS's limit would stop a 10,000-item inline Map
	}, func(env *testsuite.TestWorkflowEnvironment) {
		env.SetOnChildWorkflowStartedListener(func(*workflow.Info, workflow.Context, converter.EncodedValues) { children++ })
	})
	if got.err != nil {
		t.Fatalf("workflow error: %v", got.err)
	}
	if got.res.Status != engine.StatusSucceeded {
		t.Fatalf("status %s %s %s", got.res.Status, got.res.Error, got.res.Cause)
	}
	want := fmt.Sprintf(`{"n":%d,"last":[%d]}`, n, n)
	if string(got.res.Output) != want {
		t.Fatalf("output %s, want %s", got.res.Output, want)
	}
	if wantChildren := (n + DefaultBatchSize - 1) / DefaultBatchSize; children != wantChildren {
		t.Fatalf("%d batch child workflows, want %d", children, wantChildren)
	}
}

// A failed execution fails its workflow, with the ASL error as the
// application error's type and the cause as its message, so that
// Temporal's UI shows a failed workflow and why; Result still reads the
// execution's result from it.
func TestFailedExecutionFailsTheWorkflow(t *testing.T) {
	env := newEnv(t, incInvoker())
	env.SetStartTime(testStart)
	env.ExecuteWorkflow(WorkflowName, ExecutionInput{Definition: `{"StartAt":"F","States":{"F":{"Type":"Fail","Error":"Boom","Cause":"it broke"}}}`})
	if !env.IsWorkflowCompleted() {
		t.Fatal("workflow did not complete")
	}
	err := env.GetWorkflowError()
	var ae *temporal.ApplicationError
	if !errors.As(err, &ae) || ae.Type() != "Boom" || ae.Message() != "it broke" || !ae.NonRetryable() {
		t.Fatalf("workflow error %v, want an application error Boom: it broke", err)
	}
	res, ok := ResultFromError(err)
	if !ok || res.Status != engine.StatusFailed || res.Error != "Boom" || res.Cause != "it broke" || res.ExecutionArn == "" {
		t.Fatalf("result %+v %v", res, ok)
	}
}

func TestCancelAborts(t *testing.T) {
	got, _ := runEnv(t, incInvoker(), ExecutionInput{Definition: `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":3600,"End":true}}}`, StartTime: testStart},
		func(env *testsuite.TestWorkflowEnvironment) {
			env.RegisterDelayedCallback(env.CancelWorkflow, time.Minute)
		})
	if got.err == nil {
		t.Fatalf("no error, result %+v", got.res)
	}
	types := strings.Join(got.types(), " ")
	// As AWS records a StopExecution during a Wait: no WaitStateAborted.
	if types != "ExecutionStarted WaitStateEntered ExecutionAborted" {
		t.Fatalf("events %s", types)
	}
}

func TestHistoryPages(t *testing.T) {
	st := &execState{prev: []json.RawMessage{json.RawMessage(`{"id":1}`), json.RawMessage(`{"id":2}`), json.RawMessage(`{"id":3}`)}}
	for id := int64(4); id <= 5; id++ {
		st.events = append(st.events, history.Event{ID: id, PreviousEventID: id - 1, Timestamp: testStart, Type: "PassStateEntered"})
	}
	var ids []string
	for from := 0; from >= 0; {
		p, err := st.page(HistoryPageRequest{From: from, Limit: 2})
		if err != nil {
			t.Fatal(err)
		}
		var events []map[string]any
		if err := json.Unmarshal(p.Events, &events); err != nil {
			t.Fatal(err)
		}
		for _, e := range events {
			ids = append(ids, fmt.Sprint(e["id"]))
		}
		from = p.Next
	}
	if got := strings.Join(ids, ","); got != "1,2,3,4,5" {
		t.Fatalf("pages gave ids %s", got)
	}
	all, err := st.historyJSON()
	if err != nil || !strings.HasPrefix(string(all), `[{"id":1},{"id":2},{"id":3},{"timestamp":`) {
		t.Fatalf("history %s %v", all, err)
	}
}

// A page ends past historyPageBytes, whatever Limit asks, so that no
// query's result passes Temporal's 2 MB limit; an event larger than that
// still comes, alone.
func TestHistoryPagesBoundedInBytes(t *testing.T) {
	big := `"` + strings.Repeat("x", 700<<10) + `"`
	st := &execState{}
	for id := int64(1); id <= 5; id++ {
		d := json.RawMessage(`{"output":` + big + `}`)
		if id == 3 {
			d = json.RawMessage(`{"output":"` + strings.Repeat("y", 1200<<10) + `"}`)
		}
		st.events = append(st.events, history.Event{ID: id, PreviousEventID: id - 1, Timestamp: testStart, Type: "PassStateExited", Details: d})
	}
	var sizes []string
	for from := 0; from >= 0; {
		p, err := st.page(HistoryPageRequest{From: from, Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		var events []json.RawMessage
		if err := json.Unmarshal(p.Events, &events); err != nil {
			t.Fatal(err)
		}
		if len(events) == 0 {
			t.Fatalf("an empty page from %d, next %d", from, p.Next)
		}
		if len(events) > 1 && len(p.Events) > historyPageBytes {
			t.Fatalf("a page of %d events and %d bytes", len(events), len(p.Events))
		}
		sizes = append(sizes, fmt.Sprint(len(events)))
		from = p.Next
	}
	// 700 KB, 700 KB: two pass 1 MB; the 1.2 MB event comes alone.
	if got := strings.Join(sizes, ","); got != "1,1,1,1,1" {
		t.Fatalf("pages of %s events", got)
	}
	st.events = st.events[:0]
	for id := int64(1); id <= 10; id++ {
		st.events = append(st.events, history.Event{ID: id, PreviousEventID: id - 1, Timestamp: testStart, Type: "PassStateExited",
			Details: json.RawMessage(`{"output":"` + strings.Repeat("z", 300<<10) + `"}`)})
	}
	p, err := st.page(HistoryPageRequest{From: 0, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	var events []json.RawMessage
	if err := json.Unmarshal(p.Events, &events); err != nil || len(events) != 3 || p.Next != 3 {
		t.Fatalf("a page of %d events of 300 KB, next %d (%v): want 3, next 3", len(events), p.Next, err)
	}
}
