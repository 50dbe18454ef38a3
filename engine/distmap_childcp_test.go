package engine_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stepwise/stepwise/asl/fault"
	"github.com/stepwise/stepwise/asl/value"
	"github.com/stepwise/stepwise/engine"
	"github.com/stepwise/stepwise/integrations"
)

// childTwoTasks is a Distributed Map whose children run two Tasks: A,
// which sets a variable, then B, which reads it; B fails on item 1 while
// failB is set.
var childTwoTasks = distMap(`"ItemsPath":"$","MaxConcurrency":1`,
	`"StartAt":"A","States":{
	 "A":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:a","Parameters":{"v.$":"$.v"},"ResultPath":"$.a","Assign":{"fromA":"set by A"},"Next":"B"},
	 "B":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:b","Parameters":{"v.$":"$.v","a.$":"$.a","fromA.$":"$fromA"},"End":true}}`)

// taskCounter is an invoker that counts the calls of each Task state by
// item ("A1": A on item 1).
type taskCounter struct {
	mu    sync.Mutex
	calls map[string]int
	failB bool
}

func (tc *taskCounter) Invoke(_ context.Context, tk *integrations.Task) (any, error) {
	in := tk.Input.(*value.Object)
	v, _ := in.Get("v")
	tc.mu.Lock()
	if tc.calls == nil {
		tc.calls = map[string]int{}
	}
	tc.calls[fmt.Sprint(tk.StateName, v)]++
	fail := tc.failB
	tc.mu.Unlock()
	switch {
	case tk.StateName == "A":
		return "a of " + fmt.Sprint(v), nil
	case fail && v == int64(1):
		return nil, fault.New("BFailed", "B failed on 1")
	}
	return in, nil
}

func (tc *taskCounter) count(key string) int {
	tc.mu.Lock()
	defer tc.mu.Unlock()
	return tc.calls[key]
}

// childRun is the first run of childTwoTasks on two items, observed: its
// first child's checkpoints and history.
func childRun(t *testing.T, failB bool) (cps []*engine.Checkpoint, events []string, status string) {
	t.Helper()
	o := &observer{}
	runDist(t, childTwoTasks, `[{"v":1},{"v":2}]`, engine.Options{MapRuns: o, Invoker: &taskCounter{failB: failB}})
	c := o.started[0]
	return o.checkpoints[c], o.events[c], c.Status
}

// cpString is what a test compares of a checkpoint.
func cpString(cp *engine.Checkpoint) string {
	vars := ""
	for k, v := range cp.Variables {
		vars += " " + k + "=" + value.EncodeString(v)
	}
	return fmt.Sprintf("%s entered=%v events=%d last=%d input=%s%s", cp.State, cp.Entered, cp.EventCount, cp.LastEventID,
		value.EncodeString(cp.Input), vars)
}

// A child's top-level states hand the observer checkpoints, before each
// state is entered and once it is, counted in the child's own history and
// with its variables.
func TestMapRunChildCheckpoints(t *testing.T) {
	cps, events, status := childRun(t, false)
	if status != engine.StatusSucceeded {
		t.Fatalf("child %s", status)
	}
	var got []string
	for _, cp := range cps {
		got = append(got, cpString(cp))
	}
	want := []string{
		`A entered=false events=1 last=0 input={"v":1}`,
		`A entered=true events=2 last=2 input={"v":1}`,
		`B entered=false events=6 last=6 input={"v":1,"a":"a of 1"} fromA="set by A"`,
		`B entered=true events=7 last=7 input={"v":1,"a":"a of 1"} fromA="set by A"`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("checkpoints\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if events[5] != "6:5:TaskStateExited" || events[6] != "7:6:TaskStateEntered" {
		t.Errorf("child history %v", events)
	}
	if cps[1].EnteredTime.IsZero() {
		t.Error("an entered checkpoint without its entered time")
	}
}

// resumeChild resumes childTwoTasks in its Map, its first child
// interrupted with the checkpoint cp (nil: none) and events events.
func resumeChild(t *testing.T, cp *engine.Checkpoint, events int64) (*engine.Result, *observer, *taskCounter) {
	t.Helper()
	prior := priorChild(0, engine.StatusRunning)
	prior.Resume, prior.Events = cp, events
	runs := &priorRuns{run: &engine.PriorMapRun{Arn: priorArn, Status: engine.StatusRunning, Start: t0.Add(time.Second),
		Children: []*engine.PriorChild{prior}}}
	o, inv := &observer{}, &taskCounter{}
	pcp := &engine.Checkpoint{State: "M", Entered: true, Input: mustValue(t, `[{"v":1},{"v":2}]`), EnteredTime: t0, EventCount: 2, LastEventID: 2}
	res := runDist(t, childTwoTasks, `[{"v":1},{"v":2}]`, engine.Options{MapRuns: o, PriorMapRuns: runs, Resume: pcp, Invoker: inv})
	return res, o, inv
}

// An interrupted child with a checkpoint before its second state goes on
// there: its first Task is not invoked again, its history goes on from
// the checkpoint's events with the ids an uninterrupted run has, and its
// variables are back.
func TestMapRunChildResumesFromCheckpoint(t *testing.T) {
	cps, full, _ := childRun(t, false)
	cp := cps[2] // before B
	res, o, inv := resumeChild(t, cp, cp.EventCount)
	wantSucceeded(t, res, `[{"v":1,"a":"a of 1","fromA":"set by A"},{"v":2,"a":"a of 2","fromA":"set by A"}]`)
	if inv.count("A1") != 0 || inv.count("B1") != 1 || inv.count("A2") != 1 || inv.count("B2") != 1 {
		t.Errorf("calls %v: A ran again on the resumed child", inv.calls)
	}
	c := o.started[0]
	if c.Name != "child0" {
		t.Fatalf("first child started %s", c.Name)
	}
	if got, want := strings.Join(o.events[c], " "), strings.Join(full[cp.EventCount:], " "); got != want {
		t.Errorf("resumed child's history\n got %s\nwant %s", got, want)
	}
	if got := o.checkpoints[c]; len(got) != 2 || cpString(got[0]) != cpString(cps[2]) || cpString(got[1]) != cpString(cps[3]) {
		t.Errorf("resumed child's checkpoints %v", got)
	}
}

// From a checkpoint inside its second state (entered), the state's body
// runs again without its entered event; the first state does not.
func TestMapRunChildResumesInEnteredState(t *testing.T) {
	cps, full, _ := childRun(t, false)
	cp := cps[3] // B entered
	res, o, inv := resumeChild(t, cp, cp.EventCount)
	if res.Status != engine.StatusSucceeded {
		t.Fatalf("%s %s %s", res.Status, res.Error, res.Cause)
	}
	if inv.count("A1") != 0 || inv.count("B1") != 1 {
		t.Errorf("calls %v", inv.calls)
	}
	if got, want := strings.Join(o.events[o.started[0]], " "), strings.Join(full[cp.EventCount:], " "); got != want {
		t.Errorf("resumed child's history\n got %s\nwant %s", got, want)
	}
}

// An interrupted child without a checkpoint starts over, as before.
func TestMapRunChildWithoutCheckpointStartsOver(t *testing.T) {
	_, full, _ := childRun(t, false)
	res, o, inv := resumeChild(t, nil, 0)
	if res.Status != engine.StatusSucceeded {
		t.Fatalf("%s %s %s", res.Status, res.Error, res.Cause)
	}
	if inv.count("A1") != 1 || inv.count("B1") != 1 {
		t.Errorf("calls %v", inv.calls)
	}
	if got, want := strings.Join(o.events[o.started[0]], " "), strings.Join(full, " "); got != want {
		t.Errorf("child run again\n got %s\nwant %s", got, want)
	}
}

// A redrive goes on with a failed child from the state it failed in, as
// a redriven execution does: its events stay, ExecutionRedriven follows,
// then that state is entered again (with the variables it was entered
// with); its first state does not run again.
func TestMapRunChildRedrivenFromFailedState(t *testing.T) {
	cps, failed, status := childRun(t, true)
	if status != engine.StatusFailed || !strings.HasSuffix(failed[len(failed)-1], ":ExecutionFailed") {
		t.Fatalf("first run: child %s, %v", status, failed)
	}
	prior := priorChild(0, engine.StatusFailed)
	prior.Events = int64(len(failed))
	prior.Resume, prior.Redrive = cps[len(cps)-1], cps[2]
	if prior.Redrive.State != "B" || prior.Redrive.Entered {
		t.Fatalf("redrive checkpoint %s", cpString(prior.Redrive))
	}
	runs := &priorRuns{run: &engine.PriorMapRun{Arn: priorArn, Status: engine.StatusFailed, Start: t0.Add(time.Second),
		Children: []*engine.PriorChild{prior, priorChild(1, engine.StatusSucceeded)}}}
	o, inv := &observer{}, &taskCounter{}
	pcp := &engine.Checkpoint{State: "M", Input: mustValue(t, `[{"v":1},{"v":2}]`), EventCount: 9, LastEventID: 9}
	res := runDist(t, childTwoTasks, `[{"v":1},{"v":2}]`, engine.Options{MapRuns: o, PriorMapRuns: runs, Resume: pcp, Redrive: true, RedriveCount: 1, Invoker: inv})
	wantSucceeded(t, res, `[{"v":1,"a":"a of 1","fromA":"set by A"},{"v":2,"run":"old"}]`)
	if inv.count("A1") != 0 || inv.count("B1") != 1 || inv.count("A2") != 0 {
		t.Errorf("calls %v", inv.calls)
	}
	if len(o.started) != 1 {
		t.Fatalf("%d children started", len(o.started))
	}
	c := o.started[0]
	n := len(failed)
	got := o.events[c]
	want := []string{fmt.Sprintf("%d:%d:ExecutionRedriven", n+1, n), fmt.Sprintf("%d:%d:TaskStateEntered", n+2, n+1)}
	if len(got) < 3 || got[0] != want[0] || got[1] != want[1] || !strings.HasSuffix(got[len(got)-1], ":ExecutionSucceeded") {
		t.Fatalf("redriven child's history %v, want it to begin %v", got, want)
	}
	if c.RedriveCount != 1 {
		t.Errorf("redriven child's redrive count %d", c.RedriveCount)
	}
	// Its checkpoints count on from its kept events.
	if cps := o.checkpoints[c]; len(cps) == 0 || cps[0].State != "B" || cps[0].Entered || cps[0].EventCount != int64(n+1) {
		t.Errorf("redriven child's first checkpoint %v", cps)
	}
}

// A redriven child whose checkpoints were not recorded runs from its
// first state after ExecutionRedriven, as before.
func TestMapRunChildRedrivenWithoutCheckpoint(t *testing.T) {
	prior := priorChild(0, engine.StatusFailed)
	runs := &priorRuns{run: &engine.PriorMapRun{Arn: priorArn, Status: engine.StatusFailed, Start: t0.Add(time.Second),
		Children: []*engine.PriorChild{prior, priorChild(1, engine.StatusSucceeded)}}}
	o, inv := &observer{}, &taskCounter{}
	pcp := &engine.Checkpoint{State: "M", Input: mustValue(t, `[{"v":1},{"v":2}]`), EventCount: 9, LastEventID: 9}
	res := runDist(t, childTwoTasks, `[{"v":1},{"v":2}]`, engine.Options{MapRuns: o, PriorMapRuns: runs, Resume: pcp, Redrive: true, RedriveCount: 1, Invoker: inv})
	if res.Status != engine.StatusSucceeded || inv.count("A1") != 1 || inv.count("B1") != 1 {
		t.Fatalf("%s; calls %v", res.Status, inv.calls)
	}
	if got := strings.Join(o.events[o.started[0]], " "); !strings.HasPrefix(got, "5:4:ExecutionRedriven 6:5:TaskStateEntered") {
		t.Errorf("redriven child's history %s", got)
	}
}

// A child resumed in a Wait state it had entered sleeps only until the
// deadline its checkpoint recorded, without entering the state again.
func TestMapRunChildResumesWait(t *testing.T) {
	def := distMap(`"ItemsPath":"$"`, `"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":100,"Next":"P"},"P":{"Type":"Pass","End":true}}`)
	o := &observer{}
	runDist(t, def, `[1]`, engine.Options{MapRuns: o})
	cps := o.checkpoints[o.started[0]]
	if len(cps) < 2 || cps[1].State != "W" || !cps[1].Entered || !cps[1].WaitUntil.Equal(cps[1].EnteredTime.Add(100*time.Second)) {
		t.Fatalf("checkpoints of a waiting child %v", cps)
	}
	cp := *cps[1]
	cp.EnteredTime, cp.WaitUntil = t0.Add(-95*time.Second), t0.Add(5*time.Second)
	prior := priorChild(0, engine.StatusRunning)
	prior.Resume, prior.Events = &cp, cp.EventCount
	runs := &priorRuns{run: &engine.PriorMapRun{Arn: priorArn, Status: engine.StatusRunning, Start: t0.Add(-time.Minute),
		Children: []*engine.PriorChild{prior}}}
	o = &observer{}
	pcp := &engine.Checkpoint{State: "M", Entered: true, Input: mustValue(t, `[1]`), EnteredTime: t0.Add(-time.Minute), EventCount: 2, LastEventID: 2}
	res := runDist(t, def, `[1]`, engine.Options{MapRuns: o, PriorMapRuns: runs, Resume: pcp})
	wantSucceeded(t, res, `[1]`)
	c := o.started[0]
	if d := c.Stop.Sub(t0); d < 5*time.Second || d > 10*time.Second {
		t.Errorf("resumed child stopped %v after the resume, want about 5 s", d)
	}
	if got := strings.Join(o.events[c], " "); !strings.HasPrefix(got, "3:2:WaitStateExited 4:3:PassStateEntered") {
		t.Errorf("resumed child's history %s", got)
	}
}
