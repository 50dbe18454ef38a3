package engine_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stepwise/stepwise/asl"
	"github.com/stepwise/stepwise/asl/fault"
	"github.com/stepwise/stepwise/asl/value"
	"github.com/stepwise/stepwise/engine"
	"github.com/stepwise/stepwise/engine/history"
	"github.com/stepwise/stepwise/engine/runtime/local"
	"github.com/stepwise/stepwise/integrations"
)

var t0 = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

func mustParse(t *testing.T, def string) *asl.StateMachine {
	t.Helper()
	sm, err := asl.Parse([]byte(def))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return sm
}

func mustValue(t *testing.T, s string) any {
	t.Helper()
	v, err := value.DecodeString(s)
	if err != nil {
		t.Fatalf("decode %s: %v", s, err)
	}
	return v
}

type run struct {
	res *engine.Result
	rt  *local.Runtime
}

func execute(t *testing.T, def, input string, inv integrations.Invoker) run {
	t.Helper()
	rt := local.New(local.Options{VirtualClock: true, Start: t0, Seed: 7})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	res, err := engine.Run(ctx, mustParse(t, def), mustValue(t, input), engine.Options{Runtime: rt, Invoker: inv, StateMachineName: "sm", ExecutionName: "ex"})
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	return run{res, rt}
}

func types(res *engine.Result) string {
	var s []string
	for _, e := range res.Events {
		s = append(s, e.Type)
	}
	return strings.Join(s, " ")
}

func wantOutput(t *testing.T, res *engine.Result, want string) {
	t.Helper()
	if res.Status != engine.StatusSucceeded {
		t.Fatalf("status %s %s: %s; events %s", res.Status, res.Error, res.Cause, types(res))
	}
	if !value.Equal(res.Output, mustValue(t, want)) {
		t.Fatalf("output %s, want %s", value.EncodeString(res.Output), want)
	}
}

func wantError(t *testing.T, res *engine.Result, name, causePrefix string) {
	t.Helper()
	if res.Status != engine.StatusFailed || res.Error != name || !strings.HasPrefix(res.Cause, causePrefix) {
		t.Fatalf("got %s %q %q, want FAILED %q %q...", res.Status, res.Error, res.Cause, name, causePrefix)
	}
}

func TestPassDataFlow(t *testing.T) {
	def := `{"StartAt":"A","States":{
	  "A":{"Type":"Pass","InputPath":"$.in","Parameters":{"x.$":"$.v","k":1},"ResultPath":"$.res","OutputPath":"$.res","Next":"B"},
	  "B":{"Type":"Pass","Result":{"r":true},"ResultPath":null,"Next":"C"},
	  "C":{"Type":"Pass","InputPath":null,"Next":"D"},
	  "D":{"Type":"Pass","OutputPath":null,"End":true}}}`
	r := execute(t, def, `{"in":{"v":5}}`, nil)
	wantOutput(t, r.res, `{}`)
	if got := types(r.res); got != "ExecutionStarted PassStateEntered PassStateExited PassStateEntered PassStateExited PassStateEntered PassStateExited PassStateEntered PassStateExited ExecutionSucceeded" {
		t.Fatalf("events %s", got)
	}
	r = execute(t, `{"StartAt":"A","States":{"A":{"Type":"Pass","InputPath":"$.in","Parameters":{"x.$":"$.v"},"ResultPath":"$.res","End":true}}}`, `{"in":{"v":5}}`, nil)
	wantOutput(t, r.res, `{"in":{"v":5},"res":{"x":5}}`)
}

// TestHistoryIDs: ids count up from 1; each event's previous id is the one
// before it, but for the first state's entered event, whose previous id is
// 0 (as in the GetExecutionHistory example of AWS's API reference).
func TestHistoryIDs(t *testing.T) {
	r := execute(t, `{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"},"B":{"Type":"Pass","End":true}}}`, `{}`, nil)
	for i, e := range r.res.Events {
		want := int64(i)
		if i == 1 {
			want = 0
		}
		if e.ID != int64(i+1) || e.PreviousEventID != want {
			t.Fatalf("event %d (%s): id %d previous %d, want previous %d", i, e.Type, e.ID, e.PreviousEventID, want)
		}
	}
}

func TestPathFailureIsRuntimeAndNotCaught(t *testing.T) {
	def := `{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:1:function:f","OutputPath":"$.nope",
	  "Catch":[{"ErrorEquals":["States.ALL"],"Next":"B"}],"End":true},"B":{"Type":"Pass","End":true}}}`
	inv := integrations.InvokerFunc(func(ctx context.Context, tk *integrations.Task) (any, error) { return value.NewObject(0), nil })
	r := execute(t, def, `{}`, inv)
	wantError(t, r.res, fault.Runtime, "An error occurred while executing the state 'A' (entered at the event id #2). Invalid path '$.nope' : ")
	if got := types(r.res); got != "ExecutionStarted TaskStateEntered LambdaFunctionScheduled LambdaFunctionStarted LambdaFunctionSucceeded ExecutionFailed" {
		t.Fatalf("events %s", got)
	}
}

func TestRetryCountsAndBackoff(t *testing.T) {
	def := `{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
	  "Retry":[{"ErrorEquals":["Boom"],"IntervalSeconds":1,"MaxAttempts":2,"BackoffRate":3}],
	  "Catch":[{"ErrorEquals":["States.ALL"],"ResultPath":"$.err","Next":"B"}],"End":true},
	  "B":{"Type":"Pass","End":true}}}`
	var attempts []int
	var times []time.Time
	var rt *local.Runtime
	inv := integrations.InvokerFunc(func(ctx context.Context, tk *integrations.Task) (any, error) {
		attempts = append(attempts, tk.Attempt)
		times = append(times, rt.Now())
		return nil, fault.New("Boom", "bad")
	})
	rt = local.New(local.Options{VirtualClock: true, Start: t0, Seed: 1})
	res, err := engine.Run(context.Background(), mustParse(t, def), mustValue(t, `{"a":1}`), engine.Options{Runtime: rt, Invoker: inv})
	if err != nil {
		t.Fatal(err)
	}
	wantOutput(t, res, `{"a":1,"err":{"Error":"Boom","Cause":"bad"}}`)
	if len(attempts) != 3 || attempts[2] != 2 {
		t.Fatalf("attempts %v", attempts)
	}
	if d1, d2 := times[1].Sub(times[0]), times[2].Sub(times[1]); d1 != time.Second || d2 != 3*time.Second {
		t.Fatalf("back-off %v %v, want 1s 3s", d1, d2)
	}
	want := "ExecutionStarted TaskStateEntered TaskScheduled TaskStarted TaskFailed TaskScheduled TaskStarted TaskFailed TaskScheduled TaskStarted TaskFailed TaskStateExited PassStateEntered PassStateExited ExecutionSucceeded"
	if got := types(res); got != want {
		t.Fatalf("events %s", got)
	}
}

func TestInvokerPlainErrorIsTaskFailed(t *testing.T) {
	inv := integrations.InvokerFunc(func(ctx context.Context, tk *integrations.Task) (any, error) { return nil, context.DeadlineExceeded })
	r := execute(t, `{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage","End":true}}}`, `{}`, inv)
	wantError(t, r.res, fault.TaskFailed, "context deadline")
}

func TestParallelOrderAndFailure(t *testing.T) {
	def := `{"StartAt":"P","States":{"P":{"Type":"Parallel","End":true,"Branches":[
	  {"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":5,"Next":"X"},"X":{"Type":"Pass","Result":1,"End":true}}},
	  {"StartAt":"Y","States":{"Y":{"Type":"Pass","Result":2,"End":true}}}]}}}`
	r := execute(t, def, `{}`, nil)
	wantOutput(t, r.res, `[1,2]`)
	last := r.res.Events[len(r.res.Events)-1]
	if got := last.Timestamp.Sub(t0); got != 5*time.Second {
		t.Fatalf("virtual time %v, want 5s", got)
	}
	def = `{"StartAt":"P","States":{"P":{"Type":"Parallel","End":true,"Branches":[
	  {"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":500,"End":true}}},
	  {"StartAt":"F","States":{"F":{"Type":"Fail","Error":"E","Cause":"C"}}}]}}}`
	r = execute(t, def, `{}`, nil)
	wantError(t, r.res, "E", "C")
	if got := types(r.res); !strings.Contains(got, "WaitStateAborted") || !strings.HasSuffix(got, "ParallelStateFailed ExecutionFailed") {
		t.Fatalf("events %s", got)
	}
}

func TestMapInline(t *testing.T) {
	def := `{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.xs","MaxConcurrency":2,
	  "ItemSelector":{"i.$":"$$.Map.Item.Index","v.$":"$$.Map.Item.Value"},
	  "ItemProcessor":{"StartAt":"W","States":{"W":{"Type":"Wait","SecondsPath":"$.v","End":true}}},"End":true}}}`
	r := execute(t, def, `{"xs":[3,1,2]}`, nil)
	wantOutput(t, r.res, `[{"i":0,"v":3},{"i":1,"v":1},{"i":2,"v":2}]`)
	// Two at a time: item 2 starts when item 1 ends at 1s and ends at 3s.
	if got := r.res.Events[len(r.res.Events)-1].Timestamp.Sub(t0); got != 3*time.Second {
		t.Fatalf("virtual time %v, want 3s", got)
	}
	def = `{"StartAt":"M","States":{"M":{"Type":"Map","ItemProcessor":{"StartAt":"C","States":{
	  "C":{"Type":"Choice","Choices":[{"Variable":"$","NumericEquals":2,"Next":"F"}],"Default":"P"},
	  "F":{"Type":"Fail","Error":"Two","Cause":"two"},"P":{"Type":"Pass","End":true}}},
	  "Catch":[{"ErrorEquals":["Two"],"Next":"Caught"}],"End":true},"Caught":{"Type":"Pass","End":true}}}`
	r = execute(t, def, `[1,2,3]`, nil)
	wantOutput(t, r.res, `{"Error":"Two","Cause":"two"}`)
	if got := types(r.res); !strings.Contains(got, "MapIterationFailed") || !strings.Contains(got, "MapStateFailed MapStateExited") {
		t.Fatalf("events %s", got)
	}
}

func TestMapToleratedFailures(t *testing.T) {
	def := `{"StartAt":"M","States":{"M":{"Type":"Map","ToleratedFailureCount":1,
	  "ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"C","States":{
	  "C":{"Type":"Choice","Choices":[{"Variable":"$","NumericGreaterThan":1,"Next":"F"}],"Default":"P"},
	  "F":{"Type":"Fail","Error":"Big"},"P":{"Type":"Pass","End":true}}},"End":true}}}`
	r := execute(t, def, `[1,2]`, nil)
	if r.res.Status != engine.StatusSucceeded {
		t.Fatalf("one failure is tolerated: %s %s", r.res.Error, r.res.Cause)
	}
	r = execute(t, def, `[1,2,3]`, nil)
	wantError(t, r.res, fault.ExceedToleratedFailureThreshold, "")
	if got := types(r.res); got != "ExecutionStarted MapStateEntered MapStateStarted MapRunStarted MapRunFailed MapStateFailed ExecutionFailed" {
		t.Fatalf("events %s", got)
	}
}

func TestVariableScopes(t *testing.T) {
	def := `{"StartAt":"A","States":{
	  "A":{"Type":"Pass","Assign":{"x":1,"xs":[1,2]},"Next":"M"},
	  "M":{"Type":"Map","ItemsPath":"$xs","ItemProcessor":{"StartAt":"I","States":{
	     "I":{"Type":"Pass","Assign":{"x.$":"$"},"Next":"J"},
	     "J":{"Type":"Pass","Parameters":{"inner.$":"$x"},"End":true}}},"ResultPath":"$.r","Next":"B"},
	  "B":{"Type":"Pass","Parameters":{"outer.$":"$x","r.$":"$.r"},"End":true}}}`
	r := execute(t, def, `{}`, nil)
	wantOutput(t, r.res, `{"outer":1,"r":[{"inner":1},{"inner":2}]}`)
}

func TestAssignSeesEntryValues(t *testing.T) {
	def := `{"StartAt":"A","States":{
	  "A":{"Type":"Pass","Result":{"q":"Q"},"Assign":{"q.$":"$.q","n":42},"Next":"B"},
	  "B":{"Type":"Pass","InputPath":"$n","ResultPath":null,"OutputPath":"$n","Assign":{"n":0},"End":true}}}`
	r := execute(t, def, `{}`, nil)
	wantOutput(t, r.res, `42`)
}

func TestWaitSecondsPathErrors(t *testing.T) {
	def := `{"StartAt":"W","States":{"W":{"Type":"Wait","SecondsPath":"$.s","End":true}}}`
	r := execute(t, def, `{"s":-1}`, nil)
	wantError(t, r.res, fault.Runtime, "An error occurred while executing the state 'W' (entered at the event id #2). The SecondsPath parameter references a negative value: $.s == -1")
	r = execute(t, def, `{"s":1.5}`, nil)
	wantError(t, r.res, fault.Runtime, "An error occurred while executing the state 'W' (entered at the event id #2). The SecondsPath parameter cannot be parsed as a long value: $.s == 1.5")
}

func TestFailPaths(t *testing.T) {
	def := `{"StartAt":"F","States":{"F":{"Type":"Fail","ErrorPath":"$.e","CausePath":"$$.State.Name"}}}`
	r := execute(t, def, `{"e":"MyError"}`, nil)
	wantError(t, r.res, "MyError", "F")
}

func TestCallbackTimeoutAndCompletion(t *testing.T) {
	def := `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage.waitForTaskToken",
	  "TimeoutSeconds":30,"Parameters":{"tok.$":"$$.Task.Token"},"End":true}}}`
	pending := integrations.InvokerFunc(func(ctx context.Context, tk *integrations.Task) (any, error) { return integrations.Pending{}, nil })
	r := execute(t, def, `{}`, pending)
	if r.res.Status != engine.StatusFailed || r.res.Error != fault.Timeout {
		t.Fatalf("got %s %s", r.res.Status, r.res.Error)
	}
	if got := types(r.res); got != "ExecutionStarted TaskStateEntered TaskScheduled TaskStarted TaskSubmitted TaskTimedOut ExecutionFailed" {
		t.Fatalf("events %s", got)
	}
	if d := r.res.Events[len(r.res.Events)-1].Timestamp.Sub(t0); d != 30*time.Second {
		t.Fatalf("timed out after %v", d)
	}

	rt := local.New(local.Options{VirtualClock: true, Start: t0, Seed: 3})
	completing := integrations.InvokerFunc(func(ctx context.Context, tk *integrations.Task) (any, error) {
		o, _ := tk.Input.(*value.Object)
		tok, _ := o.Get("tok")
		if tok != tk.TaskToken || tk.TaskToken == "" {
			t.Errorf("token %v vs %q", tok, tk.TaskToken)
		}
		if err := rt.CompleteTask(tk.TaskToken, "done", nil); err != nil {
			t.Error(err)
		}
		return integrations.Pending{}, nil
	})
	res, err := engine.Run(context.Background(), mustParse(t, def), value.NewObject(0), engine.Options{Runtime: rt, Invoker: completing})
	if err != nil {
		t.Fatal(err)
	}
	wantOutput(t, res, `"done"`)
}

func TestExecutionTimeoutAndAbort(t *testing.T) {
	def := `{"TimeoutSeconds":10,"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":100,"End":true}}}`
	r := execute(t, def, `{}`, nil)
	if r.res.Status != engine.StatusTimedOut {
		t.Fatalf("status %s", r.res.Status)
	}
	if got := types(r.res); got != "ExecutionStarted WaitStateEntered WaitStateAborted ExecutionTimedOut" {
		t.Fatalf("events %s", got)
	}

	rt := local.New(local.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(20*time.Millisecond, cancel)
	res, err := engine.Run(ctx, mustParse(t, `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":100,"End":true}}}`), value.NewObject(0), engine.Options{Runtime: rt})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != engine.StatusAborted {
		t.Fatalf("status %s", res.Status)
	}
}

func TestNoChoiceMatched(t *testing.T) {
	r := execute(t, `{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Variable":"$.a","IsPresent":true,"Next":"P"}]},"P":{"Type":"Pass","End":true}}}`, `{}`, nil)
	wantError(t, r.res, fault.NoChoiceMatched, "")
}

func TestDataLimit(t *testing.T) {
	big := strings.Repeat("a", 300*1024)
	inv := integrations.InvokerFunc(func(ctx context.Context, tk *integrations.Task) (any, error) { return big, nil })
	def := `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:1:function:f","Catch":[{"ErrorEquals":["States.ALL"],"Next":"P"}],"End":true},"P":{"Type":"Pass","End":true}}}`
	r := execute(t, def, `{}`, inv)
	wantOutput(t, r.res, `{"Error":"States.DataLimitExceeded","Cause":"The state/task 'arn:aws:lambda:us-east-1:1:function:f' returned a result with a size exceeding the maximum number of bytes service limit."}`)
}

func BenchmarkPassTransition(b *testing.B) {
	def := `{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"},"B":{"Type":"Pass","Next":"C"},"C":{"Type":"Pass","Next":"D"},"D":{"Type":"Pass","End":true}}}`
	sm, err := asl.Parse([]byte(def))
	if err != nil {
		b.Fatal(err)
	}
	in := value.NewObject(0)
	rt := local.New(local.Options{VirtualClock: true, Start: t0, Seed: 1})
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := engine.Run(context.Background(), sm, in, engine.Options{Runtime: rt, ExecutionName: "x"}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMap10k(b *testing.B) {
	def := `{"StartAt":"M","States":{"M":{"Type":"Map","ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}}}`
	sm, err := asl.Parse([]byte(def))
	if err != nil {
		b.Fatal(err)
	}
	items := make([]any, 10000)
	for i := range items {
		items[i] = int64(i)
	}
	rt := local.New(local.Options{VirtualClock: true, Start: t0, Seed: 1})
	prog := engine.MustCompile(sm)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		// 40,000 events: past AWS's history limit, which is lifted.
		res, err := prog.Run(context.Background(), items, engine.Options{Runtime: rt, ExecutionName: "x", MaxHistoryEvents: -1})
		if err != nil || res.Status != engine.StatusSucceeded {
			b.Fatalf("%v %+v", err, res)
		}
	}
}

// hideIdle hides the local runtime's Idle, so that Map iterations always
// run in goroutines of their own.
type hideIdle struct{ engine.Runtime }

// Idle is never true, so no Map iteration runs in line.
func (hideIdle) Idle() bool { return false }

// TestInlineMapSameHistory checks that Map iterations run in line (the
// processor cannot block and the runtime is idle) record the same history
// as iterations run in goroutines.
func TestInlineMapSameHistory(t *testing.T) {
	defs := map[string]string{
		"unbounded": `{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items","MaxConcurrency":0,
			"ItemProcessor":{"StartAt":"C","States":{
				"C":{"Type":"Choice","Choices":[{"Variable":"$.v","NumericGreaterThan":1,"Next":"Big"}],"Default":"Small"},
				"Big":{"Type":"Pass","Parameters":{"v.$":"$.v","i.$":"$$.Map.Item.Index"},"End":true},
				"Small":{"Type":"Pass","End":true}}},
			"ResultSelector":{"n.$":"States.ArrayLength($)"},"End":true}}}`,
		"bounded-failing": `{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items","MaxConcurrency":2,
			"ToleratedFailureCount":1,
			"ItemSelector":{"v.$":"$$.Map.Item.Value.v","at.$":"$$.Map.Item.Index"},
			"ItemProcessor":{"StartAt":"C","States":{
				"C":{"Type":"Choice","Choices":[{"Variable":"$.v","NumericEquals":2,"Next":"F"}],"Default":"P"},
				"F":{"Type":"Fail","Error":"E","Cause":"c"},
				"P":{"Type":"Pass","End":true}}},
			"Catch":[{"ErrorEquals":["States.ALL"],"Next":"Caught"}],"End":true},
			"Caught":{"Type":"Pass","End":true}}}`,
		"in-parallel": `{"StartAt":"Par","States":{"Par":{"Type":"Parallel","End":true,"Branches":[
			{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items","ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}}},
			{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"},"B":{"Type":"Pass","End":true}}}]}}}`,
	}
	input := `{"items":[{"v":0},{"v":1},{"v":2},{"v":3},{"v":2},{"v":5},{"v":2}]}`
	for name, def := range defs {
		t.Run(name, func(t *testing.T) {
			sm := mustParse(t, def)
			in := mustValue(t, input)
			var hist [2]string
			for k, wrap := range []bool{false, true} {
				var rt engine.Runtime = local.New(local.Options{VirtualClock: true, Start: t0, Seed: 7})
				if wrap {
					rt = hideIdle{rt}
				}
				res, err := engine.Run(context.Background(), sm, in, engine.Options{Runtime: rt, ExecutionName: "ex"})
				if err != nil {
					t.Fatal(err)
				}
				var b strings.Builder
				for _, e := range res.Events {
					j, err := e.MarshalJSON()
					if err != nil {
						t.Fatal(err)
					}
					b.Write(j)
					b.WriteByte('\n')
				}
				b.WriteString(res.Status + " " + value.EncodeString(res.Output))
				hist[k] = b.String()
			}
			if hist[0] != hist[1] {
				t.Fatalf("in line:\n%s\n\nin goroutines:\n%s", hist[0], hist[1])
			}
		})
	}
}

// TestDiscardEvents checks that an execution without history has the same
// outcome, causes citing event ids included.
func TestDiscardEvents(t *testing.T) {
	def := `{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"},"B":{"Type":"Pass","InputPath":"$.missing","End":true}}}`
	sm := mustParse(t, def)
	var res [2]*engine.Result
	for k, discard := range []bool{false, true} {
		rt := local.New(local.Options{VirtualClock: true, Start: t0, Seed: 7})
		r, err := engine.Run(context.Background(), sm, mustValue(t, `{}`), engine.Options{Runtime: rt, ExecutionName: "ex", DiscardEvents: discard})
		if err != nil {
			t.Fatal(err)
		}
		res[k] = r
	}
	if res[1].Events != nil {
		t.Fatalf("%d events kept", len(res[1].Events))
	}
	if res[0].Status != res[1].Status || res[0].Error != res[1].Error || res[0].Cause != res[1].Cause || !strings.Contains(res[1].Cause, "event id #4") {
		t.Fatalf("with history %s %s %q, without %s %s %q", res[0].Status, res[0].Error, res[0].Cause, res[1].Status, res[1].Error, res[1].Cause)
	}
}

// TestConcurrentExecutions runs executions of one state machine at once on
// runtimes of their own: they share only the definition (and the engine's
// analysis of it).
func TestConcurrentExecutions(t *testing.T) {
	sm := mustParse(t, `{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items",
		"ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"i.$":"$$.Map.Item.Index"},"End":true}}},"End":true}}}`)
	done := make(chan string)
	for range 4 {
		go func() {
			rt := local.New(local.Options{VirtualClock: true, Start: t0, Seed: 7})
			res, err := engine.Run(context.Background(), sm, mustValue(t, `{"items":[1,2,3]}`), engine.Options{Runtime: rt})
			if err != nil {
				done <- err.Error()
				return
			}
			done <- value.EncodeString(res.Output)
		}()
	}
	for range 4 {
		if got := <-done; got != `[{"i":0},{"i":1},{"i":2}]` {
			t.Errorf("output %s", got)
		}
	}
}

// countingLoop runs Pass → Choice until $.n reaches limit: two states, four
// events, per round.
const countingLoop = `{"StartAt":"Inc","States":{
	"Inc":{"Type":"Pass","Parameters":{"n.$":"States.MathAdd($.n, 1)","limit.$":"$.limit"},"Next":"Check"},
	"Check":{"Type":"Choice","Choices":[{"Variable":"$.n","NumericGreaterThanEqualsPath":"$.limit","Next":"Done"}],"Default":"Inc"},
	"Done":{"Type":"Succeed"}}}`

func TestHistoryLimit(t *testing.T) {
	sm := mustParse(t, countingLoop)
	prog := engine.MustCompile(sm)
	run := func(t *testing.T, limit int64, opts engine.Options) *engine.Result {
		t.Helper()
		opts.Runtime = local.New(local.Options{VirtualClock: true, Start: t0, Seed: 1})
		res, err := prog.Run(context.Background(), mustValue(t, fmt.Sprintf(`{"n":0,"limit":%d}`, limit)), opts)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	t.Run("AWS's limit", func(t *testing.T) {
		res := run(t, 1e9, engine.Options{})
		if res.Status != engine.StatusFailed || res.Error != fault.Runtime || res.Cause != engine.HistoryLimitCause {
			t.Fatalf("got %s %s %q", res.Status, res.Error, res.Cause)
		}
		n := len(res.Events)
		last := res.Events[n-1]
		if n != engine.DefaultMaxHistoryEvents || last.ID != engine.DefaultMaxHistoryEvents || last.PreviousEventID != engine.DefaultMaxHistoryEvents-1 || last.Type != "ExecutionFailed" {
			t.Fatalf("%d events, last %s #%d (previous %d)", n, last.Type, last.ID, last.PreviousEventID)
		}
		for i, e := range res.Events {
			if e.ID != int64(i+1) {
				t.Fatalf("event %d has id %d: ids must have no gap", i+1, e.ID)
			}
		}
	})
	t.Run("discarded events count too", func(t *testing.T) {
		var lastID int64
		res := run(t, 1e9, engine.Options{DiscardEvents: true, OnEvent: func(e history.Event) { lastID = e.ID }})
		if res.Status != engine.StatusFailed || res.Cause != engine.HistoryLimitCause || lastID != engine.DefaultMaxHistoryEvents {
			t.Fatalf("got %s %q, last event id %d", res.Status, res.Cause, lastID)
		}
	})
	t.Run("an execution that ends in time succeeds", func(t *testing.T) {
		// 6,000 rounds: 24,004 events.
		res := run(t, 6000, engine.Options{})
		if res.Status != engine.StatusSucceeded || len(res.Events) != 24004 {
			t.Fatalf("got %s with %d events", res.Status, len(res.Events))
		}
	})
	t.Run("lifted", func(t *testing.T) {
		res := run(t, 10000, engine.Options{MaxHistoryEvents: -1, DiscardEvents: true})
		if res.Status != engine.StatusSucceeded {
			t.Fatalf("got %s %s %q", res.Status, res.Error, res.Cause)
		}
	})
	t.Run("lowered", func(t *testing.T) {
		res := run(t, 1e9, engine.Options{MaxHistoryEvents: 50})
		if res.Status != engine.StatusFailed || len(res.Events) != 50 {
			t.Fatalf("got %s with %d events", res.Status, len(res.Events))
		}
	})
	t.Run("express has no history limit", func(t *testing.T) {
		res := run(t, 10000, engine.Options{Type: engine.TypeExpress, DiscardEvents: true})
		if res.Status != engine.StatusSucceeded {
			t.Fatalf("got %s %s %q", res.Status, res.Error, res.Cause)
		}
	})
}

func TestHistoryLimitInsideMap(t *testing.T) {
	def := `{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items","ItemProcessor":{"StartAt":"L","States":{
		"L":{"Type":"Pass","Next":"C"},"C":{"Type":"Choice","Choices":[{"Variable":"$","IsNull":true,"Next":"D"}],"Default":"L"},
		"D":{"Type":"Succeed"}}},"End":true}}}`
	res, err := engine.Run(context.Background(), mustParse(t, def), mustValue(t, `{"items":[1,2,3]}`), engine.Options{
		Runtime: local.New(local.Options{VirtualClock: true, Start: t0, Seed: 1}), MaxHistoryEvents: 1000})
	if err != nil {
		t.Fatal(err)
	}
	last := res.Events[len(res.Events)-1]
	if res.Status != engine.StatusFailed || res.Cause != engine.HistoryLimitCause || len(res.Events) != 1000 || last.ID != 1000 || last.PreviousEventID != 999 {
		t.Fatalf("got %s %q with %d events, last #%d (previous %d)", res.Status, res.Cause, len(res.Events), last.ID, last.PreviousEventID)
	}
	for _, e := range res.Events {
		if e.Type == "MapStateAborted" || e.Type == "MapIterationAborted" {
			t.Fatalf("%s recorded past the limit", e.Type)
		}
	}
}

// TestJSONataStatesNotShared checks that an output holding $states whole
// (by the fast path, by gnata's, and nested in a constructor) keeps its
// value once later states have filled $states again: the engine reuses
// the object it builds $states in.
func TestJSONataStatesNotShared(t *testing.T) {
	def := `{"QueryLanguage":"JSONata","StartAt":"A","States":{
	  "A":{"Type":"Pass","Output":"{% {'s': $states, 'g': $states ~> $sift(function($v){true})} %}","Next":"B"},
	  "B":{"Type":"Pass","Assign":{"kept":"{% $states.input %}"},"Output":"{% $states %}","Next":"C"},
	  "C":{"Type":"Pass","Output":"{% [$kept.s.input.n, $kept.s.context.State.Name, $kept.g.context.State.Name, $states.input.context.State.Name, $states.input.input.s.context.State.Name, $states.context.State.Name] %}","End":true}}}`
	r := execute(t, def, `{"n":1}`, nil)
	wantOutput(t, r.res, `[1, "A", "A", "B", "A", "C"]`)
}
