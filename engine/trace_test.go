package engine_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stepwise/stepwise/asl/fault"
	"github.com/stepwise/stepwise/asl/value"
	"github.com/stepwise/stepwise/engine"
	"github.com/stepwise/stepwise/engine/runtime/local"
	"github.com/stepwise/stepwise/integrations"
)

// traceRun runs def with a tracer and returns the result and the steps.
func traceRun(t *testing.T, def, input string, inv integrations.Invoker) (*engine.Result, []*engine.Step) {
	t.Helper()
	var steps []*engine.Step
	rt := local.New(local.Options{VirtualClock: true, Start: t0, Seed: 7})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	res, err := engine.Run(ctx, mustParse(t, def), mustValue(t, input), engine.Options{
		Runtime: rt, Invoker: inv, StateMachineName: "sm", ExecutionName: "ex",
		Tracer: engine.TracerFunc(func(_ context.Context, s *engine.Step) { steps = append(steps, s) }),
	})
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	return res, steps
}

// wantData checks one stage of a step.
func wantData(t *testing.T, what string, d *engine.Data, want string) {
	t.Helper()
	if want == "" {
		if d != nil {
			t.Errorf("%s = %s, want absent", what, value.EncodeString(d.Value))
		}
		return
	}
	if d == nil {
		t.Errorf("%s absent, want %s", what, want)
		return
	}
	if !value.Equal(d.Value, mustValue(t, want)) {
		t.Errorf("%s = %s, want %s", what, value.EncodeString(d.Value), want)
	}
}

func TestTraceTaskDataFlow(t *testing.T) {
	def := `{"StartAt":"Call","States":{
	  "Call":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
	    "InputPath":"$.order",
	    "Parameters":{"id.$":"$.id","fixed":1},
	    "ResultSelector":{"total.$":"$.Payload.total"},
	    "ResultPath":"$.priced",
	    "OutputPath":"$.priced",
	    "Assign":{"lastTotal.$":"$.total","seen":true},
	    "Next":"Done"},
	  "Done":{"Type":"Succeed"}}}`
	inv := integrations.InvokerFunc(func(_ context.Context, task *integrations.Task) (any, error) {
		return mustValue(t, `{"Payload":{"total":42,"currency":"EUR"},"StatusCode":200}`), nil
	})
	res, steps := traceRun(t, def, `{"order":{"id":"o-1","qty":2},"other":true}`, inv)
	wantOutput(t, res, `{"total":42}`)
	if len(steps) != 2 {
		t.Fatalf("%d steps, want 2", len(steps))
	}
	s := steps[0]
	if s.Seq != 1 || s.Parent != 0 || len(s.Path) != 0 || s.State != "Call" || s.Type != "Task" {
		t.Errorf("step identity: %+v", s)
	}
	if !value.Equal(s.Input, mustValue(t, `{"order":{"id":"o-1","qty":2},"other":true}`)) {
		t.Errorf("input %s", value.EncodeString(s.Input))
	}
	wantData(t, "afterInputPath", s.AfterInputPath, `{"id":"o-1","qty":2}`)
	wantData(t, "afterParameters", s.AfterParameters, `{"id":"o-1","fixed":1}`)
	wantData(t, "result", s.Result, `{"Payload":{"total":42,"currency":"EUR"},"StatusCode":200}`)
	wantData(t, "afterResultSelector", s.AfterResultSelector, `{"total":42}`)
	wantData(t, "afterResultPath", s.AfterResultPath, `{"order":{"id":"o-1","qty":2},"other":true,"priced":{"total":42}}`)
	wantData(t, "output", s.Output, `{"total":42}`)
	if s.Variables == nil || value.EncodeString(s.Variables) != `{"lastTotal":42,"seen":true}` {
		t.Errorf("variables %s", value.EncodeString(s.Variables))
	}
	if s.Next != "Done" || s.End || s.Error != "" || s.Aborted || len(s.Retries) != 0 || s.Catch != nil {
		t.Errorf("transition: next %q end %v error %q aborted %v retries %v catch %v", s.Next, s.End, s.Error, s.Aborted, s.Retries, s.Catch)
	}
	d := steps[1]
	if d.Seq != 2 || d.State != "Done" || d.Type != "Succeed" || !d.End || d.Next != "" {
		t.Errorf("succeed step: %+v", d)
	}
	wantData(t, "succeed afterParameters", d.AfterParameters, "")
	wantData(t, "succeed output", d.Output, `{"total":42}`)
}

func TestTraceMapIterationsNested(t *testing.T) {
	def := `{"StartAt":"Each","States":{
	  "Each":{"Type":"Map","ItemsPath":"$.xs","MaxConcurrency":1,
	    "ItemProcessor":{"StartAt":"Double","States":{
	      "Double":{"Type":"Pass","Parameters":{"v.$":"States.MathAdd($, $)"},"End":true}}},
	    "End":true}}}`
	res, steps := traceRun(t, def, `{"xs":[1,2]}`, nil)
	wantOutput(t, res, `[{"v":2},{"v":4}]`)
	if len(steps) != 3 {
		t.Fatalf("%d steps, want 3", len(steps))
	}
	for i, s := range steps[:2] {
		if s.State != "Double" || s.Parent != 1 || len(s.Path) != 1 {
			t.Fatalf("iteration step %d: %+v", i, s)
		}
		if p := s.Path[0]; p.State != "Each" || p.Kind != engine.PathIteration || p.Index != i {
			t.Errorf("iteration step %d path %+v", i, p)
		}
		if s.Seq != i+2 || !s.End {
			t.Errorf("iteration step %d: seq %d end %v", i, s.Seq, s.End)
		}
	}
	wantData(t, "iteration 1 input", &engine.Data{Value: steps[1].Input}, `2`)
	wantData(t, "iteration 1 afterParameters", steps[1].AfterParameters, `{"v":4}`)
	m := steps[2]
	if m.State != "Each" || m.Type != "Map" || m.Seq != 1 || m.Parent != 0 || !m.End {
		t.Errorf("map step: %+v", m)
	}
	wantData(t, "map afterInputPath", m.AfterInputPath, `{"xs":[1,2]}`)
	wantData(t, "map result", m.Result, `[{"v":2},{"v":4}]`)
	wantData(t, "map output", m.Output, `[{"v":2},{"v":4}]`)
}

func TestTraceParallelBranches(t *testing.T) {
	def := `{"StartAt":"Both","States":{
	  "Both":{"Type":"Parallel","End":true,"Branches":[
	    {"StartAt":"A","States":{"A":{"Type":"Pass","Result":"a","End":true}}},
	    {"StartAt":"B","States":{"B":{"Type":"Pass","Result":"b","End":true}}}]}}}`
	res, steps := traceRun(t, def, `{}`, nil)
	wantOutput(t, res, `["a","b"]`)
	if len(steps) != 3 || steps[2].State != "Both" {
		t.Fatalf("steps %d", len(steps))
	}
	seen := map[string]int{}
	for _, s := range steps[:2] {
		if s.Parent != 1 || len(s.Path) != 1 || s.Path[0].Kind != engine.PathBranch || s.Path[0].State != "Both" {
			t.Errorf("branch step %+v", s)
		}
		seen[s.State] = s.Path[0].Index
	}
	if seen["A"] != 0 || seen["B"] != 1 {
		t.Errorf("branch indexes %v", seen)
	}
	for _, s := range steps[:2] {
		wantData(t, s.State+" result", s.Result, map[string]string{"A": `"a"`, "B": `"b"`}[s.State])
	}
}

func TestTraceRetryAndCatch(t *testing.T) {
	def := `{"StartAt":"Call","States":{
	  "Call":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
	    "Retry":[{"ErrorEquals":["Other"],"MaxAttempts":5},
	             {"ErrorEquals":["Busy"],"IntervalSeconds":2,"BackoffRate":3,"MaxAttempts":2}],
	    "Catch":[{"ErrorEquals":["Other"],"Next":"Nope"},
	             {"ErrorEquals":["States.ALL"],"ResultPath":"$.err","Next":"Handle"}],
	    "End":true},
	  "Nope":{"Type":"Fail"},
	  "Handle":{"Type":"Pass","End":true}}}`
	calls := 0
	inv := integrations.InvokerFunc(func(context.Context, *integrations.Task) (any, error) {
		calls++
		return nil, fault.New("Busy", "try later "+string(rune('0'+calls)))
	})
	res, steps := traceRun(t, def, `{"k":1}`, inv)
	wantOutput(t, res, `{"k":1,"err":{"Error":"Busy","Cause":"try later 3"}}`)
	if calls != 3 || len(steps) != 2 {
		t.Fatalf("calls %d steps %d", calls, len(steps))
	}
	s := steps[0]
	want := []engine.Retry{
		{Retrier: 1, Attempt: 1, Error: "Busy", Cause: "try later 1", Delay: 2 * time.Second},
		{Retrier: 1, Attempt: 2, Error: "Busy", Cause: "try later 2", Delay: 6 * time.Second},
	}
	if len(s.Retries) != len(want) {
		t.Fatalf("retries %+v", s.Retries)
	}
	for i := range want {
		if s.Retries[i] != want[i] {
			t.Errorf("retry %d = %+v, want %+v", i, s.Retries[i], want[i])
		}
	}
	c := s.Catch
	if c == nil {
		t.Fatal("no catch recorded")
	}
	if c.Catcher != 1 || c.Error != "Busy" || c.Cause != "try later 3" || c.ResultPath != "$.err" || c.Next != "Handle" {
		t.Errorf("catch %+v", c)
	}
	if value.EncodeString(c.ErrorOutput) != `{"Error":"Busy","Cause":"try later 3"}` {
		t.Errorf("catch error output %s", value.EncodeString(c.ErrorOutput))
	}
	if s.Error != "Busy" || s.Cause != "try later 3" || s.Next != "Handle" || s.End {
		t.Errorf("step error %q %q next %q end %v", s.Error, s.Cause, s.Next, s.End)
	}
	wantData(t, "caught afterResultPath", s.AfterResultPath, `{"k":1,"err":{"Error":"Busy","Cause":"try later 3"}}`)
	wantData(t, "caught output", s.Output, `{"k":1,"err":{"Error":"Busy","Cause":"try later 3"}}`)
	wantData(t, "caught result", s.Result, "")
}

func TestTraceFailure(t *testing.T) {
	_, steps := traceRun(t, `{"StartAt":"F","States":{"F":{"Type":"Fail","Error":"E","Cause":"C"}}}`, `{}`, nil)
	if len(steps) != 1 || steps[0].Error != "E" || steps[0].Cause != "C" || steps[0].Output != nil || steps[0].End || steps[0].Next != "" {
		t.Fatalf("steps %+v", steps)
	}
}

func TestPayloadLimitOption(t *testing.T) {
	big := `{"s":"` + strings.Repeat("x", 300*1024) + `"}`
	def := `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`
	for _, tc := range []struct {
		limit int
		want  string
	}{{0, engine.StatusFailed}, {-1, engine.StatusSucceeded}, {400 * 1024, engine.StatusSucceeded}} {
		rt := local.New(local.Options{VirtualClock: true, Start: t0, Seed: 7})
		res, err := engine.Run(context.Background(), mustParse(t, def), mustValue(t, big), engine.Options{Runtime: rt, PayloadLimit: tc.limit})
		if err != nil || res.Status != tc.want {
			t.Errorf("limit %d: %v %s %s", tc.limit, err, res.Status, res.Error)
		}
	}
}

// testState runs engine.TestState on def's state.
func testState(t *testing.T, def, state, input string, opts engine.TestStateOptions) *engine.TestStateResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	res, err := engine.TestState(ctx, mustParse(t, def), state, mustValue(t, input), opts)
	if err != nil {
		t.Fatalf("TestState: %v", err)
	}
	return res
}

const testStateDef = `{"StartAt":"Call","States":{
  "Call":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
    "Parameters":{"x.$":"$.x"},
    "ResultSelector":{"v.$":"$.Payload"},
    "ResultPath":"$.r",
    "Assign":{"got.$":"$.v"},
    "Retry":[{"ErrorEquals":["Busy"],"IntervalSeconds":3,"BackoffRate":2,"MaxAttempts":2}],
    "Catch":[{"ErrorEquals":["Broken"],"ResultPath":"$.error","Next":"Recover"}],
    "Next":"Pick"},
  "Pick":{"Type":"Choice","Choices":[{"Variable":"$.x","NumericGreaterThan":10,"Next":"Big"}],"Default":"Small"},
  "Big":{"Type":"Succeed"},"Small":{"Type":"Succeed"},"Recover":{"Type":"Pass","End":true}}}`

func TestTestStateStatuses(t *testing.T) {
	ok := testState(t, testStateDef, "Call", `{"x":1}`, engine.TestStateOptions{
		Mock:      &engine.Mock{Result: mustValue(t, `{"Payload":5}`)},
		Variables: mustValue(t, `{"before":true}`).(*value.Object),
	})
	if ok.Status != engine.TestSucceeded || ok.NextState != "Pick" || ok.Error != "" {
		t.Errorf("succeeded: %+v", ok)
	}
	wantData(t, "output", ok.Output, `{"x":1,"r":{"v":5}}`)
	in := ok.Inspection
	wantData(t, "afterInputPath", in.AfterInputPath, `{"x":1}`)
	wantData(t, "afterParameters", in.AfterParameters, `{"x":1}`)
	wantData(t, "result", in.Result, `{"Payload":5}`)
	wantData(t, "afterResultSelector", in.AfterResultSelector, `{"v":5}`)
	wantData(t, "afterResultPath", in.AfterResultPath, `{"x":1,"r":{"v":5}}`)
	if value.EncodeString(in.Variables) != `{"before":true,"got":5}` || in.ErrorDetails != nil {
		t.Errorf("variables %s, error details %+v", value.EncodeString(in.Variables), in.ErrorDetails)
	}

	retry := testState(t, testStateDef, "Call", `{"x":1}`, engine.TestStateOptions{Mock: &engine.Mock{Error: "Busy", Cause: "slow down"}, RetrierRetryCount: 1})
	if retry.Status != engine.TestRetriable || retry.Error != "Busy" || retry.Cause != "slow down" || retry.Output != nil || retry.NextState != "" {
		t.Errorf("retriable: %+v", retry)
	}
	if ed := retry.Inspection.ErrorDetails; ed == nil || ed.RetryIndex == nil || *ed.RetryIndex != 0 || ed.RetryBackoffIntervalSeconds == nil || *ed.RetryBackoffIntervalSeconds != 6 || ed.CatchIndex != nil {
		t.Errorf("retriable details %+v", ed)
	}

	// Retries used up: the error goes on to Catch (none matches Busy).
	failed := testState(t, testStateDef, "Call", `{"x":1}`, engine.TestStateOptions{Mock: &engine.Mock{Error: "Busy", Cause: "slow down"}, RetrierRetryCount: 2})
	if failed.Status != engine.TestFailed || failed.Error != "Busy" || failed.Cause != "slow down" || failed.Output != nil {
		t.Errorf("failed: %+v", failed)
	}

	caught := testState(t, testStateDef, "Call", `{"x":1}`, engine.TestStateOptions{Mock: &engine.Mock{Error: "Broken", Cause: "gone"}})
	if caught.Status != engine.TestCaughtError || caught.NextState != "Recover" || caught.Error != "Broken" || caught.Cause != "gone" {
		t.Errorf("caught: %+v", caught)
	}
	wantData(t, "caught output", caught.Output, `{"x":1,"error":{"Error":"Broken","Cause":"gone"}}`)
	if ed := caught.Inspection.ErrorDetails; ed == nil || ed.CatchIndex == nil || *ed.CatchIndex != 0 || ed.RetryIndex != nil {
		t.Errorf("caught details %+v", ed)
	}

	pick := testState(t, testStateDef, "Pick", `{"x":11}`, engine.TestStateOptions{})
	if pick.Status != engine.TestSucceeded || pick.NextState != "Big" {
		t.Errorf("choice: %+v", pick)
	}
	wantData(t, "choice output", pick.Output, `{"x":11}`)
	if small := testState(t, testStateDef, "Pick", `{"x":1}`, engine.TestStateOptions{}); small.NextState != "Small" {
		t.Errorf("choice default: %+v", small)
	}
	if end := testState(t, testStateDef, "Big", `{}`, engine.TestStateOptions{}); end.Status != engine.TestSucceeded || end.NextState != "" {
		t.Errorf("succeed: %+v", end)
	}
}

func TestTestStateWaitContextAndErrors(t *testing.T) {
	def := `{"StartAt":"W","States":{
	  "W":{"Type":"Wait","Seconds":86400,"Next":"P"},
	  "P":{"Type":"Pass","Parameters":{"name.$":"$$.Execution.Name"},"Next":"M"},
	  "M":{"Type":"Map","ItemProcessor":{"StartAt":"In","States":{"In":{"Type":"Task","Resource":"arn:aws:states:::x","End":true}}},"End":true}}}`
	start := time.Now()
	w := testState(t, def, "W", `{"a":1}`, engine.TestStateOptions{})
	if w.Status != engine.TestSucceeded || w.NextState != "P" || time.Since(start) > 2*time.Second {
		t.Errorf("wait: %+v", w)
	}
	p := testState(t, def, "P", `{}`, engine.TestStateOptions{Context: mustValue(t, `{"Execution":{"Name":"given"}}`).(*value.Object)})
	wantData(t, "context output", p.Output, `{"name":"given"}`)
	m := testState(t, def, "M", `[1,2]`, engine.TestStateOptions{Mock: &engine.Mock{Result: mustValue(t, `["a","b"]`)}})
	wantData(t, "mocked map output", m.Output, `["a","b"]`)
	// The nested Task state can be tested alone too.
	in := testState(t, def, "In", `{}`, engine.TestStateOptions{Mock: &engine.Mock{Result: "ok"}})
	wantData(t, "nested task output", in.Output, `"ok"`)

	ctx := context.Background()
	sm := mustParse(t, def)
	if _, err := engine.TestState(ctx, sm, "Nope", nil, engine.TestStateOptions{}); !errors.Is(err, engine.ErrUnknownState) {
		t.Errorf("unknown state: %v", err)
	}
	if _, err := engine.TestState(ctx, sm, "In", nil, engine.TestStateOptions{}); !errors.Is(err, engine.ErrNoMock) {
		t.Errorf("task without mock: %v", err)
	}
	if _, err := engine.TestState(ctx, sm, "M", nil, engine.TestStateOptions{Mock: &engine.Mock{Result: "x"}}); !errors.Is(err, engine.ErrBadMock) {
		t.Errorf("map with non-array mock: %v", err)
	}
}

const jsonataTestStateDef = `{"QueryLanguage":"JSONata","StartAt":"Call","States":{
  "Call":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
    "Arguments":{"FunctionName":"price","Payload":{"qty":"{% $states.input.qty * $factor %}"}},
    "Assign":{"last":"{% $states.result.Payload %}"},
    "Output":{"total":"{% $states.result.Payload + 1 %}"},
    "Next":"Fan"},
  "Fan":{"Type":"Parallel","Arguments":{"n":"{% $states.input.total %}"},
    "Branches":[{"StartAt":"B","States":{"B":{"Type":"Pass","End":true}}}],
    "End":true}}}`

// TestTestStateJSONata checks a JSONata state's inspection data: the
// evaluated Arguments as afterArguments, the result, the variables with the
// state's Assign applied, and none of the JSONPath stages; a Parallel's
// Arguments are left out, as AWS leaves them out.
func TestTestStateJSONata(t *testing.T) {
	res := testState(t, jsonataTestStateDef, "Call", `{"qty":2}`, engine.TestStateOptions{
		Mock:      &engine.Mock{Result: mustValue(t, `{"Payload":30}`)},
		Variables: mustValue(t, `{"factor":3}`).(*value.Object),
	})
	if res.Status != engine.TestSucceeded || res.NextState != "Fan" {
		t.Fatalf("result %+v", res)
	}
	wantData(t, "output", res.Output, `{"total":31}`)
	in := res.Inspection
	wantData(t, "afterArguments", in.AfterArguments, `{"FunctionName":"price","Payload":{"qty":6}}`)
	wantData(t, "result", in.Result, `{"Payload":30}`)
	for name, d := range map[string]*engine.Data{"afterInputPath": in.AfterInputPath, "afterParameters": in.AfterParameters,
		"afterResultSelector": in.AfterResultSelector, "afterResultPath": in.AfterResultPath} {
		wantData(t, name, d, "")
	}
	if got := value.EncodeString(in.Variables); got != `{"factor":3,"last":30}` {
		t.Errorf("variables %s", got)
	}

	par := testState(t, jsonataTestStateDef, "Fan", `{"total":31}`, engine.TestStateOptions{Mock: &engine.Mock{Result: mustValue(t, `[{"n":31}]`)}})
	if par.Status != engine.TestSucceeded {
		t.Fatalf("parallel %+v", par)
	}
	wantData(t, "parallel afterArguments", par.Inspection.AfterArguments, "")
	wantData(t, "parallel result", par.Inspection.Result, `[{"n":31}]`)
}

// TestTraceJSONataStages checks that a traced JSONata state reports its own
// stages (Arguments, result, Assign, Output) and no JSONPath stage.
func TestTraceJSONataStages(t *testing.T) {
	inv := integrations.InvokerFunc(func(_ context.Context, task *integrations.Task) (any, error) {
		return mustValue(t, `{"Payload":30}`), nil
	})
	def := strings.Replace(jsonataTestStateDef, `{% $states.input.qty * $factor %}`, `{% $states.input.qty * 3 %}`, 1)
	res, steps := traceRun(t, def, `{"qty":2}`, inv)
	wantOutput(t, res, `[{"n":31}]`)
	if len(steps) != 3 {
		t.Fatalf("%d steps", len(steps))
	}
	// The Parallel's trace keeps the Arguments its branches got.
	for _, st := range steps {
		if st.State == "Fan" {
			wantData(t, "parallel afterArguments", st.AfterArguments, `{"n":31}`)
		}
	}
	s := steps[0]
	if s.QueryLanguage != "JSONata" {
		t.Errorf("query language %q", s.QueryLanguage)
	}
	wantData(t, "afterArguments", s.AfterArguments, `{"FunctionName":"price","Payload":{"qty":6}}`)
	wantData(t, "result", s.Result, `{"Payload":30}`)
	wantData(t, "output", s.Output, `{"total":31}`)
	wantData(t, "afterInputPath", s.AfterInputPath, "")
	wantData(t, "afterParameters", s.AfterParameters, "")
	if got := value.EncodeString(s.Variables); got != `{"last":30}` {
		t.Errorf("variables %s", got)
	}
}
