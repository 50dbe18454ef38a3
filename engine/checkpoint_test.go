package engine_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"regexp"
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

// durableMachine has Pass (with Assign), Choice, Task (with Retry and
// Catch), Wait (Seconds and SecondsPath) states and reads variables and the
// context object, under an execution timeout.
const durableMachine = `{"StartAt":"Init","TimeoutSeconds":3600,"States":{
  "Init":{"Type":"Pass","Result":{"n":3,"f":1.0,"tag":"x"},"ResultPath":"$.init",
    "Assign":{"count":1,"ratio":2.5,"obj":{"b":1,"a":[1.0,2]}},"Next":"Choose"},
  "Choose":{"Type":"Choice","Choices":[{"Variable":"$.init.n","NumericGreaterThan":2,"Next":"Work",
    "Assign":{"count.$":"$.init.n"}}],"Default":"Fail"},
  "Work":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
    "Parameters":{"n.$":"$count","ratio.$":"$ratio"},"ResultSelector":{"doubled.$":"$.Payload.doubled"},
    "ResultPath":"$.work","Next":"Nap"},
  "Nap":{"Type":"Wait","Seconds":30,"Next":"NapMore"},
  "NapMore":{"Type":"Wait","SecondsPath":"$.init.n","Next":"Flaky"},
  "Flaky":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:flaky",
    "Retry":[{"ErrorEquals":["Boom"],"IntervalSeconds":2,"MaxAttempts":2,"BackoffRate":2}],
    "Catch":[{"ErrorEquals":["States.ALL"],"ResultPath":"$.err","Next":"Recover","Assign":{"caught":true}}],"End":true},
  "Recover":{"Type":"Pass","Parameters":{"count.$":"$count","caught.$":"$caught","obj.$":"$obj",
    "work.$":"$.work","err.$":"$.err","entered.$":"$$.State.EnteredTime","redrives.$":"$$.Execution.RedriveCount"},"Next":"Done"},
  "Done":{"Type":"Succeed"},
  "Fail":{"Type":"Fail","Error":"NoWay"}
}}`

// pureInvoker answers from the task's input alone, so a task invoked again
// on resume gives the same result.
var pureInvoker = integrations.InvokerFunc(func(ctx context.Context, tk *integrations.Task) (any, error) {
	if tk.StateName == "Flaky" {
		return nil, fault.New("Boom", "always")
	}
	in := tk.Input.(*value.Object)
	n, _ := in.Get("n")
	p := value.NewObject(1)
	p.Append("doubled", n.(int64)*2)
	o := value.NewObject(1)
	o.Append("Payload", p)
	return o, nil
})

// durableOpts are the options every run of a test shares.
func durableOpts(rt *local.Runtime) engine.Options {
	return engine.Options{Runtime: rt, Invoker: pureInvoker, StateMachineName: "sm", ExecutionName: "ex", StartTime: t0}
}

func runWith(t *testing.T, sm *asl.StateMachine, input any, opts engine.Options) *engine.Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res, err := engine.Run(ctx, sm, input, opts)
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	return res
}

// roundTrip writes a checkpoint as JSON and reads it back.
func roundTrip(t *testing.T, cp *engine.Checkpoint) *engine.Checkpoint {
	t.Helper()
	data, err := json.Marshal(cp)
	if err != nil {
		t.Fatalf("marshal checkpoint: %v", err)
	}
	var back engine.Checkpoint
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatalf("unmarshal checkpoint %s: %v", data, err)
	}
	return &back
}

func eventsJSON(t *testing.T, evs []history.Event) []string {
	t.Helper()
	out := make([]string, len(evs))
	for i, e := range evs {
		b, err := json.Marshal(e)
		if err != nil {
			t.Fatalf("event %d: %v", i, err)
		}
		out[i] = string(b)
	}
	return out
}

func checkpointsJSON(t *testing.T, cps []*engine.Checkpoint) []string {
	t.Helper()
	out := make([]string, len(cps))
	for i, cp := range cps {
		b, err := json.Marshal(cp)
		if err != nil {
			t.Fatalf("checkpoint %d: %v", i, err)
		}
		out[i] = string(b)
	}
	return out
}

// diffLists returns the first difference between two lists, or "".
func diffLists(what string, want, got []string) string {
	for i := 0; i < len(want) && i < len(got); i++ {
		if want[i] != got[i] {
			return fmt.Sprintf("%s[%d]:\n got  %s\n want %s", what, i, got[i], want[i])
		}
	}
	if len(want) != len(got) {
		return fmt.Sprintf("%s: %d, want %d", what, len(got), len(want))
	}
	return ""
}

// assertResumesAnywhere runs def uninterrupted with checkpoints, then
// resumes from (a JSON round trip of) every checkpoint, at the time of the
// last event before it, and checks that the earlier events followed by the
// resumed run's are the uninterrupted history, with the same outcome and
// the same later checkpoints.
func assertResumesAnywhere(t *testing.T, def, input string, wantCheckpoints int) {
	t.Helper()
	sm := mustParse(t, def)
	in := mustValue(t, input)

	var cps []*engine.Checkpoint
	var seen []history.Event
	opts := durableOpts(local.New(local.Options{VirtualClock: true, Start: t0, Seed: 7}))
	opts.OnCheckpoint = func(cp *engine.Checkpoint) { cps = append(cps, cp) }
	opts.OnEvent = func(e history.Event) { seen = append(seen, e) }
	full := runWith(t, sm, in, opts)
	if full.Status != engine.StatusSucceeded {
		t.Fatalf("uninterrupted run: %s %s %s", full.Status, full.Error, full.Cause)
	}
	fullEvents := eventsJSON(t, full.Events)
	if d := diffLists("OnEvent events", fullEvents, eventsJSON(t, seen)); d != "" {
		t.Fatal(d)
	}
	if len(cps) != wantCheckpoints {
		t.Fatalf("%d checkpoints, want %d", len(cps), wantCheckpoints)
	}
	fullCps := checkpointsJSON(t, cps)

	for k, cp := range cps {
		t.Run(fmt.Sprintf("%d_%s_entered_%v", k, cp.State, cp.Entered), func(t *testing.T) {
			before := full.Events[:cp.EventCount]
			if n := len(before); before[n-1].ID != cp.EventCount {
				t.Fatalf("checkpoint EventCount %d, last event id %d", cp.EventCount, before[n-1].ID)
			}
			resumeAt := before[len(before)-1].Timestamp
			var later []*engine.Checkpoint
			opts := durableOpts(local.New(local.Options{VirtualClock: true, Start: resumeAt, Seed: 7}))
			opts.Resume = roundTrip(t, cp)
			opts.OnCheckpoint = func(cp *engine.Checkpoint) { later = append(later, cp) }
			res := runWith(t, sm, in, opts)
			if res.Status != full.Status || !value.EqualStrict(res.Output, full.Output) {
				t.Fatalf("resumed: %s %s, want %s %s", res.Status, value.EncodeString(res.Output), full.Status, value.EncodeString(full.Output))
			}
			if res.Events[0].ID != cp.EventCount+1 || res.Events[0].PreviousEventID != cp.LastEventID {
				t.Fatalf("first resumed event %d (previous %d), want %d (previous %d)",
					res.Events[0].ID, res.Events[0].PreviousEventID, cp.EventCount+1, cp.LastEventID)
			}
			got := eventsJSON(t, append(append([]history.Event(nil), before...), res.Events...))
			if d := diffLists("events", fullEvents, got); d != "" {
				t.Fatal(d)
			}
			// A resumed state is not checkpointed again once entered.
			next := k
			if cp.Entered {
				next = k + 1
			}
			if d := diffLists("checkpoints", fullCps[next:], checkpointsJSON(t, later)); d != "" {
				t.Fatal(d)
			}
			if !res.StartTime.Equal(full.StartTime) || res.ExecutionArn != full.ExecutionArn {
				t.Fatalf("resumed start %v arn %s, want %v %s", res.StartTime, res.ExecutionArn, full.StartTime, full.ExecutionArn)
			}
		})
	}
}

func TestResumeFromEveryCheckpoint(t *testing.T) {
	// Init, Choose, Work, Nap, NapMore, Flaky, Recover, Done: two
	// checkpoints each.
	assertResumesAnywhere(t, durableMachine, `{"in":"put"}`, 16)
}

func TestResumeMapAndParallel(t *testing.T) {
	// Map and Parallel states run their children again from the start when
	// resumed once entered; with deterministic tasks that is the same
	// history. Their children have no checkpoints of their own.
	def := `{"StartAt":"Fan","States":{
	  "Fan":{"Type":"Parallel","Branches":[
	    {"StartAt":"B1","States":{"B1":{"Type":"Wait","Seconds":5,"Next":"B2"},"B2":{"Type":"Pass","End":true}}},
	    {"StartAt":"C1","States":{"C1":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"n":4},"End":true}}}],
	    "ResultPath":"$.fan","Next":"Each"},
	  "Each":{"Type":"Map","ItemsPath":"$.items","ItemProcessor":{"StartAt":"I1","States":{
	    "I1":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"n.$":"$"},"Next":"I2"},
	    "I2":{"Type":"Wait","Seconds":1,"End":true}}},"ResultPath":"$.each","End":true}}}`
	assertResumesAnywhere(t, def, `{"items":[1,2,3]}`, 4)
}

func TestCheckpointValuesSurviveJSON(t *testing.T) {
	in := mustValue(t, `{"z":1,"a":1.0,"m":{"y":[1,2.50,"s"],"b":null,"c":true}}`)
	cp := &engine.Checkpoint{
		State: "S", Entered: true, Input: in,
		EnteredTime: t0.Add(1500 * time.Millisecond), WaitUntil: t0.Add(time.Hour + time.Nanosecond),
		Variables:  map[string]any{"i": int64(2), "f": float64(2), "o": mustValue(t, `{"q":1,"p":2.0}`)},
		EventCount: 9, LastEventID: 7,
	}
	back := roundTrip(t, cp)
	if value.EncodeString(back.Input) != value.EncodeString(in) || !value.EqualStrict(back.Input, in) {
		t.Fatalf("input %s, want %s", value.EncodeString(back.Input), value.EncodeString(in))
	}
	if _, ok := back.Variables["i"].(int64); !ok {
		t.Fatalf("variable i is %T, want int64", back.Variables["i"])
	}
	if _, ok := back.Variables["f"].(float64); !ok {
		t.Fatalf("variable f is %T, want float64", back.Variables["f"])
	}
	if got := value.EncodeString(back.Variables["o"]); got != `{"q":1,"p":2.0}` {
		t.Fatalf("variable o %s", got)
	}
	if !back.EnteredTime.Equal(cp.EnteredTime) || !back.WaitUntil.Equal(cp.WaitUntil) {
		t.Fatalf("times %v %v, want %v %v", back.EnteredTime, back.WaitUntil, cp.EnteredTime, cp.WaitUntil)
	}
	if back.State != "S" || !back.Entered || back.EventCount != 9 || back.LastEventID != 7 {
		t.Fatalf("checkpoint %+v", back)
	}
	// A checkpoint before the first state: no times, no variables.
	empty := roundTrip(t, &engine.Checkpoint{State: "A", Input: value.NewObject(0), EventCount: 1, LastEventID: 1})
	if !empty.EnteredTime.IsZero() || !empty.WaitUntil.IsZero() || empty.Variables != nil || value.EncodeString(empty.Input) != "{}" {
		t.Fatalf("checkpoint %+v", empty)
	}
	var bad engine.Checkpoint
	if err := json.Unmarshal([]byte(`{"state":"S","input":{"a":}}`), &bad); err == nil {
		t.Fatal("a bad input was accepted")
	}
	if err := json.Unmarshal([]byte(`{"input":1}`), &bad); err == nil {
		t.Fatal("a checkpoint without a state was accepted")
	}
}

// waitCheckpoint runs a machine with one Wait of 60s and returns its
// entered checkpoint and the uninterrupted run.
func waitCheckpoint(t *testing.T, sm *asl.StateMachine) (*engine.Checkpoint, *engine.Result) {
	t.Helper()
	var entered *engine.Checkpoint
	opts := durableOpts(local.New(local.Options{VirtualClock: true, Start: t0}))
	opts.OnCheckpoint = func(cp *engine.Checkpoint) {
		if cp.State == "W" && cp.Entered {
			entered = cp
		}
	}
	res := runWith(t, sm, mustValue(t, `{}`), opts)
	if entered == nil {
		t.Fatal("no entered checkpoint for the Wait state")
	}
	return entered, res
}

func TestResumeWait(t *testing.T) {
	sm := mustParse(t, `{"StartAt":"P","States":{"P":{"Type":"Pass","Next":"W"},
	  "W":{"Type":"Wait","Seconds":60,"Next":"E"},"E":{"Type":"Pass","Parameters":{"t.$":"$$.State.EnteredTime"},"End":true}}}`)
	cp, full := waitCheckpoint(t, sm)
	if !cp.EnteredTime.Equal(t0) || !cp.WaitUntil.Equal(t0.Add(time.Minute)) {
		t.Fatalf("checkpoint entered %v until %v, want %v %v", cp.EnteredTime, cp.WaitUntil, t0, t0.Add(time.Minute))
	}
	wantOutput(t, full, `{"t":"2024-01-01T00:01:00.000Z"}`)
	for _, tc := range []struct {
		name     string
		resumeAt time.Time
		wantExit time.Time
	}{
		{"future", t0.Add(20 * time.Second), t0.Add(time.Minute)},
		{"past", t0.Add(time.Hour), t0.Add(time.Hour)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := durableOpts(local.New(local.Options{VirtualClock: true, Start: tc.resumeAt}))
			opts.Resume = roundTrip(t, cp)
			res := runWith(t, sm, mustValue(t, `{}`), opts)
			if got := types(res); got != "WaitStateExited PassStateEntered PassStateExited ExecutionSucceeded" {
				t.Fatalf("events %s", got)
			}
			if !res.Events[0].Timestamp.Equal(tc.wantExit) {
				t.Fatalf("the wait ended at %v, want %v", res.Events[0].Timestamp, tc.wantExit)
			}
			wantOutput(t, res, `{"t":"`+tc.wantExit.Format("2006-01-02T15:04:05.000Z")+`"}`)
		})
	}
}

func TestResumeRestoresVariables(t *testing.T) {
	sm := mustParse(t, `{"StartAt":"A","States":{
	  "A":{"Type":"Pass","Assign":{"x":1,"y":{"k":2.0}},"Next":"B"},
	  "B":{"Type":"Pass","Assign":{"x":5},"Next":"C"},
	  "C":{"Type":"Pass","Parameters":{"x.$":"$x","y.$":"$y"},"End":true}}}`)
	var cps []*engine.Checkpoint
	opts := durableOpts(local.New(local.Options{VirtualClock: true, Start: t0}))
	opts.OnCheckpoint = func(cp *engine.Checkpoint) { cps = append(cps, cp) }
	full := runWith(t, sm, mustValue(t, `{}`), opts)
	wantOutput(t, full, `{"x":5,"y":{"k":2.0}}`)
	// Before B: A's variables; the checkpoint's map is a copy.
	cp := cps[2]
	if cp.State != "B" || cp.Entered || len(cp.Variables) != 2 || cp.Variables["x"] != int64(1) {
		t.Fatalf("checkpoint %+v", cp)
	}
	cp = roundTrip(t, cp)
	for _, last := range []bool{false, true} {
		opts := durableOpts(local.New(local.Options{VirtualClock: true, Start: t0}))
		opts.Resume = cp
		if last {
			opts.Resume = roundTrip(t, cps[4]) // before C, with x = 5
		}
		res := runWith(t, sm, mustValue(t, `{}`), opts)
		if got := value.EncodeString(res.Output); got != `{"x":5,"y":{"k":2.0}}` {
			t.Fatalf("output %s", got)
		}
	}
}

func TestResumeTimeoutCountsFromStart(t *testing.T) {
	sm := mustParse(t, `{"StartAt":"A","TimeoutSeconds":100,"States":{
	  "A":{"Type":"Pass","Next":"W"},"W":{"Type":"Wait","Seconds":60,"End":true}}}`)
	cp := &engine.Checkpoint{State: "W", Input: value.NewObject(0), EventCount: 3, LastEventID: 3}
	for _, tc := range []struct {
		name       string
		resumeAt   time.Time
		redrive    bool
		wantStatus string
		wantStop   time.Time
	}{
		{"in time", t0.Add(10 * time.Second), false, engine.StatusSucceeded, t0.Add(70 * time.Second)},
		{"times out", t0.Add(50 * time.Second), false, engine.StatusTimedOut, t0.Add(100 * time.Second)},
		{"already over", t0.Add(200 * time.Second), false, engine.StatusTimedOut, t0.Add(200 * time.Second)},
		{"redrive resets", t0.Add(200 * time.Second), true, engine.StatusSucceeded, t0.Add(260 * time.Second)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := durableOpts(local.New(local.Options{VirtualClock: true, Start: tc.resumeAt}))
			opts.Resume, opts.Redrive = cp, tc.redrive
			res := runWith(t, sm, mustValue(t, `{}`), opts)
			if res.Status != tc.wantStatus || !res.StopTime.Equal(tc.wantStop) {
				t.Fatalf("%s at %v, want %s at %v (events %s)", res.Status, res.StopTime, tc.wantStatus, tc.wantStop, types(res))
			}
		})
	}
}

func TestRedrive(t *testing.T) {
	sm := mustParse(t, `{"StartAt":"A","States":{
	  "A":{"Type":"Pass","Assign":{"v":"kept"},"Next":"T"},
	  "T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"v.$":"$v"},"Next":"C"},
	  "C":{"Type":"Pass","Parameters":{"redrives.$":"$$.Execution.RedriveCount","t.$":"$"},"End":true}}}`)
	broken := true
	inv := integrations.InvokerFunc(func(ctx context.Context, tk *integrations.Task) (any, error) {
		if broken {
			return nil, fault.New("Down", "try later")
		}
		return tk.Input, nil
	})
	var cps []*engine.Checkpoint
	opts := durableOpts(local.New(local.Options{VirtualClock: true, Start: t0}))
	opts.Invoker = inv
	opts.OnCheckpoint = func(cp *engine.Checkpoint) { cps = append(cps, cp) }
	failed := runWith(t, sm, mustValue(t, `{}`), opts)
	if failed.Status != engine.StatusFailed {
		t.Fatalf("status %s", failed.Status)
	}
	// The last checkpoint before the failed state was entered.
	var cp *engine.Checkpoint
	for _, c := range cps {
		if c.State == "T" && !c.Entered {
			cp = roundTrip(t, c)
		}
	}
	if cp == nil {
		t.Fatal("no checkpoint before T")
	}
	last := failed.Events[len(failed.Events)-1]
	cp.EventCount, cp.LastEventID = last.ID, last.ID

	broken = false
	var seen []history.Event
	opts = durableOpts(local.New(local.Options{VirtualClock: true, Start: t0.Add(time.Hour)}))
	opts.Invoker = inv
	opts.Resume, opts.Redrive, opts.RedriveCount = cp, true, 1
	opts.OnEvent = func(e history.Event) { seen = append(seen, e) }
	opts.DiscardEvents = true
	res := runWith(t, sm, mustValue(t, `{}`), opts)
	wantOutput(t, res, `{"redrives":1,"t":{"v":"kept"}}`)
	if res.Events != nil {
		t.Fatalf("DiscardEvents kept %d events", len(res.Events))
	}
	got := make([]string, len(seen))
	for i, e := range seen {
		got[i] = e.Type
	}
	if s := strings.Join(got, " "); s != "ExecutionRedriven TaskStateEntered TaskScheduled TaskStarted TaskSucceeded TaskStateExited PassStateEntered PassStateExited ExecutionSucceeded" {
		t.Fatalf("events %s", s)
	}
	first, err := json.Marshal(seen[0])
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf(`"id":%d,"previousEventId":%d,"executionRedrivenEventDetails":{"redriveCount":1}}`, last.ID+1, last.ID)
	if !bytes.HasSuffix(first, []byte(want)) {
		t.Fatalf("redriven event %s, want …%s", first, want)
	}
	if seen[1].PreviousEventID != last.ID+1 {
		t.Fatalf("entered event's previous id %d, want %d", seen[1].PreviousEventID, last.ID+1)
	}
	// With OnEvent, discarded events still carry their details.
	if d, ok := seen[1].Details.(*history.StateEnteredEventDetails); !ok || d.Name != "T" {
		t.Fatalf("entered event details %#v", seen[1].Details)
	}
}

func TestExecutionTypeAndRedriveCount(t *testing.T) {
	sm := mustParse(t, `{"StartAt":"A","States":{"A":{"Type":"Pass","Parameters":{"e.$":"$$.Execution"},"End":true}}}`)
	opts := durableOpts(local.New(local.Options{VirtualClock: true, Start: t0, Seed: 3}))
	opts.RedriveCount = 2
	res := runWith(t, sm, mustValue(t, `{}`), opts)
	if res.ExecutionArn != "arn:aws:states:us-east-1:123456789012:execution:sm:ex" {
		t.Fatalf("arn %s", res.ExecutionArn)
	}
	wantOutput(t, res, `{"e":{"Id":"arn:aws:states:us-east-1:123456789012:execution:sm:ex","Input":{},"StartTime":"2024-01-01T00:00:00.000Z","Name":"ex","RoleArn":"","RedriveCount":2}}`)

	opts = durableOpts(local.New(local.Options{VirtualClock: true, Start: t0, Seed: 3}))
	opts.Type = engine.TypeExpress
	res = runWith(t, sm, mustValue(t, `{}`), opts)
	arnRE := regexp.MustCompile(`^arn:aws:states:us-east-1:123456789012:express:sm:ex:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	if !arnRE.MatchString(res.ExecutionArn) {
		t.Fatalf("express arn %s", res.ExecutionArn)
	}
	if res.StateMachineArn != "arn:aws:states:us-east-1:123456789012:stateMachine:sm" {
		t.Fatalf("state machine arn %s", res.StateMachineArn)
	}
	wantOutput(t, res, `{"e":{"Id":"`+res.ExecutionArn+`","Input":{},"Name":"ex","RoleArn":"","StartTime":"2024-01-01T00:00:00.000Z"}}`)
	if got := value.EncodeString(res.Output); !strings.Contains(got, `"Name":"ex","RoleArn":"","StartTime"`) {
		t.Fatalf("express $$.Execution members in the wrong order: %s", got)
	}

	opts.Type = "SLOW"
	if _, err := engine.Run(context.Background(), sm, mustValue(t, `{}`), opts); err == nil {
		t.Fatal("an unknown execution type was accepted")
	}
}

func TestOnEventWithDiscardEvents(t *testing.T) {
	sm := mustParse(t, durableMachine)
	var kept, discarded []history.Event
	opts := durableOpts(local.New(local.Options{VirtualClock: true, Start: t0, Seed: 7}))
	opts.OnEvent = func(e history.Event) { kept = append(kept, e) }
	full := runWith(t, sm, mustValue(t, `{}`), opts)
	opts = durableOpts(local.New(local.Options{VirtualClock: true, Start: t0, Seed: 7}))
	opts.DiscardEvents = true
	opts.OnEvent = func(e history.Event) { discarded = append(discarded, e) }
	res := runWith(t, sm, mustValue(t, `{}`), opts)
	if res.Events != nil {
		t.Fatal("DiscardEvents kept events")
	}
	if d := diffLists("events", eventsJSON(t, full.Events), eventsJSON(t, discarded)); d != "" {
		t.Fatal(d)
	}
	if d := diffLists("OnEvent", eventsJSON(t, full.Events), eventsJSON(t, kept)); d != "" {
		t.Fatal(d)
	}
}

func TestCheckpointsOnlyAtTopLevel(t *testing.T) {
	sm := mustParse(t, `{"StartAt":"M","States":{"M":{"Type":"Map","ItemProcessor":{"StartAt":"X","States":{
	  "X":{"Type":"Pass","Next":"Y"},"Y":{"Type":"Wait","Seconds":1,"End":true}}},"Next":"P"},
	  "P":{"Type":"Parallel","Branches":[{"StartAt":"Z","States":{"Z":{"Type":"Pass","End":true}}}],"End":true}}}`)
	var got []string
	opts := durableOpts(local.New(local.Options{VirtualClock: true, Start: t0}))
	opts.OnCheckpoint = func(cp *engine.Checkpoint) { got = append(got, fmt.Sprintf("%s:%v", cp.State, cp.Entered)) }
	res := runWith(t, sm, mustValue(t, `[1,2]`), opts)
	if res.Status != engine.StatusSucceeded {
		t.Fatalf("status %s %s", res.Status, res.Cause)
	}
	if s := strings.Join(got, " "); s != "M:false M:true P:false P:true" {
		t.Fatalf("checkpoints %s", s)
	}
}

func TestResumeUnknownState(t *testing.T) {
	sm := mustParse(t, `{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}`)
	opts := durableOpts(local.New(local.Options{VirtualClock: true, Start: t0}))
	opts.Resume = &engine.Checkpoint{State: "Gone", EventCount: 1, LastEventID: 1}
	res := runWith(t, sm, mustValue(t, `{}`), opts)
	if res.Status != engine.StatusFailed || res.Error != fault.Runtime || len(res.Events) != 1 || res.Events[0].ID != 2 {
		t.Fatalf("%s %s %s, events %s", res.Status, res.Error, res.Cause, types(res))
	}
	opts.Resume = &engine.Checkpoint{}
	if _, err := engine.Run(context.Background(), sm, mustValue(t, `{}`), opts); err == nil {
		t.Fatal("a checkpoint without a state was accepted")
	}
}
