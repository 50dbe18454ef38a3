package engine_test

import (
	"testing"
	"time"

	"github.com/stepwise/stepwise/asl/fault"
	"github.com/stepwise/stepwise/engine"
	"github.com/stepwise/stepwise/engine/history"
)

// summaryObserver is an engine.MapRunSummaryObserver that counts what it
// is told.
type summaryObserver struct {
	runs     []*engine.MapRunInfo
	started  []*engine.MapRunChild
	ended    map[string]int // by status
	unnamed  int            // children ended without a name
	events   int            // ChildEvent and ChildCheckpoint calls (none expected)
	runEnded string
}

func (o *summaryObserver) SummaryOnly() bool { return true }
func (o *summaryObserver) MapRunStarted(run *engine.MapRunInfo) {
	o.runs = append(o.runs, run)
}
func (o *summaryObserver) ChildStarted(_ *engine.MapRunInfo, c *engine.MapRunChild) {
	o.started = append(o.started, c)
}
func (o *summaryObserver) ChildEvent(*engine.MapRunInfo, *engine.MapRunChild, history.Event) {
	o.events++
}
func (o *summaryObserver) ChildCheckpoint(*engine.MapRunInfo, *engine.MapRunChild, *engine.Checkpoint) {
	o.events++
}
func (o *summaryObserver) ChildEnded(_ *engine.MapRunInfo, c *engine.MapRunChild) {
	o.ended[c.Status]++
	if c.Name == "" || c.Arn == "" {
		o.unnamed++
	}
}
func (o *summaryObserver) MapRunEnded(_ *engine.MapRunInfo, status, _, _ string, _ time.Time) {
	o.runEnded = status
}

// An observer in summary leaves a runtime that queues children its queue
// (engine.ChildQueue), hands it the children as without an observer, and
// is told each child's start and end (named, as its runner named it; a
// child the queue never started as ChildNotStarted), never a child's
// events or checkpoints. An observer that is not in summary has the
// children run in process, as before.
func TestMapRunSummaryKeepsTheQueue(t *testing.T) {
	def := distMap(`"ItemsPath":"$.items","MaxConcurrency":1`, failingChildren)
	input := numberedItems(10, func(i int) bool { return i == 2 })
	o := &summaryObserver{ended: map[string]int{}}
	got, q := runQueued(t, def, input, 5, engine.Options{MapRuns: o})
	wantFailed(t, got, fault.ExceedToleratedFailureThreshold, "The specified tolerated failure threshold was exceeded")
	if q.maxHanded != 5 || q.notStarted == 0 {
		t.Fatalf("handed at most %d at once (want the queue's 5), %d not started (want some)", q.maxHanded, q.notStarted)
	}
	if len(o.runs) != 1 || o.runEnded != engine.StatusFailed || o.events != 0 {
		t.Fatalf("%d runs, ended %s, %d child events or checkpoints", len(o.runs), o.runEnded, o.events)
	}
	if len(o.started) != q.notStarted+len(q.children) || o.ended[engine.ChildNotStarted] != q.notStarted ||
		o.ended[engine.StatusFailed] != 1 || o.ended[engine.StatusSucceeded] != 2 || o.unnamed != 0 {
		t.Fatalf("%d started, ended %v, %d unnamed; the queue ran %d and did not start %d", len(o.started), o.ended, o.unnamed, len(q.children), q.notStarted)
	}

	full := &observer{}
	_, q = runQueued(t, def, input, 5, engine.Options{MapRuns: full})
	if q.maxHanded != 0 || len(full.started) == 0 {
		t.Fatalf("with a full observer, the runner was handed %d children at once and %d started, want all in process", q.maxHanded, len(full.started))
	}
}
