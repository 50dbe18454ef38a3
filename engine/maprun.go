package engine

import (
	"context"
	"sync"
	"time"

	"github.com/stepwise/stepwise/asl/value"
	"github.com/stepwise/stepwise/engine/history"
)

// MapRunObserver is told about the map runs of an execution's Distributed
// Maps and their child executions (Options.MapRuns), so that a service can
// answer DescribeMapRun, ListMapRuns and ListExecutions for them. Its
// methods are called on the interpreter goroutine, in order, and must not
// block long.
type MapRunObserver interface {
	// MapRunStarted: a map run began (after its MapRunStarted event).
	MapRunStarted(run *MapRunInfo)
	// ChildStarted: a child execution of run began, on child.Items items.
	ChildStarted(run *MapRunInfo, child *MapRunChild)
	// ChildEvent: an event of a child execution's own history (ids count
	// from 1 in each child).
	ChildEvent(run *MapRunInfo, child *MapRunChild, ev history.Event)
	// ChildCheckpoint: where a child execution stands at its top level
	// (the states of the ItemProcessor its thread runs), as
	// Options.OnCheckpoint is told for an execution: before each state is
	// entered and once it is entered. EventCount and LastEventID count
	// in the child's own history. Kept, it is what PriorChild.Resume and
	// PriorChild.Redrive give back for a resume or redrive.
	ChildCheckpoint(run *MapRunInfo, child *MapRunChild, cp *Checkpoint)
	// ChildEnded: a child execution ended (child.Status and the rest set).
	ChildEnded(run *MapRunInfo, child *MapRunChild)
	// MapRunEnded: the map run ended with status (SUCCEEDED, FAILED or
	// ABORTED), and for FAILED the error and cause.
	MapRunEnded(run *MapRunInfo, status, errorName, cause string, stop time.Time)
}

// MapRunSummaryObserver is a MapRunObserver that keeps a summary of its
// map runs only: whose SummaryOnly is true is told when each map run and
// each child starts and ends (MapRunStarted, ChildStarted, ChildEnded,
// MapRunEnded), never of a child's events or checkpoints, and the map
// run goes on as it would without an observer: its children run where
// the runtime runs them (ChildRunner, ChildQueue), their histories are
// their own, and nothing the runtime is asked to do changes. Control
// still changes the run's settings (UpdateMapRun).
//
// Told in summary, a child's Name and Arn are set once the engine has
// named it (they are empty at ChildStarted when its runner names it
// later), and its Status is ChildNotStarted when its runner's queue never
// started it. Prior is nil, as PriorMapRuns is not used with it.
type MapRunSummaryObserver interface {
	MapRunObserver
	// SummaryOnly reports whether the observer wants the summary only.
	SummaryOnly() bool
}

// MapRunCounts are a map run's item or child execution counts, as
// DescribeMapRun's itemCounts and executionCounts give them.
type MapRunCounts struct {
	Aborted               int64 `json:"aborted"`
	Failed                int64 `json:"failed"`
	Pending               int64 `json:"pending"`
	ResultsWritten        int64 `json:"resultsWritten"`
	Running               int64 `json:"running"`
	Succeeded             int64 `json:"succeeded"`
	TimedOut              int64 `json:"timedOut"`
	Total                 int64 `json:"total"`
	FailuresNotRedrivable int64 `json:"failuresNotRedrivable"`
	PendingRedrive        int64 `json:"pendingRedrive"`
}

// End moves n from running to the count of status (ABORTED for one not
// SUCCEEDED, FAILED or TIMED_OUT).
func (c *MapRunCounts) End(status string, n int64) {
	c.Running -= n
	switch status {
	case StatusSucceeded:
		c.Succeeded += n
	case StatusFailed:
		c.Failed += n
	case StatusTimedOut:
		c.TimedOut += n
	default:
		c.Aborted += n
	}
}

// CloseUnrun counts what an ended map run left pending or running as
// aborted.
func (c *MapRunCounts) CloseUnrun() {
	c.Aborted += c.Pending
	c.Pending = 0
	c.End(StatusAborted, c.Running)
}

// MapRunInfo describes a map run.
type MapRunInfo struct {
	Arn          string // arn:aws:states:R:A:mapRun:MACHINE/LABEL:ID
	ExecutionArn string // the parent execution
	// StateMachineArn is the children's: arn:aws:states:R:A:stateMachine:MACHINE/LABEL.
	StateMachineArn string
	StateName       string
	Start           time.Time
	// Items is the number of items when known at the start (the state
	// input's), or -1 when a reader gives them as the run goes.
	Items int
	// The settings the run started with (0 when unset); Control changes them.
	MaxConcurrency             int
	ToleratedFailureCount      int64
	ToleratedFailurePercentage float64
	// Control changes the settings of the running map run (UpdateMapRun).
	Control *MapRunControl
	// Prior, when set, is the earlier run this one takes up under its
	// ARN (see PriorMapRuns): its ended children that stand are not told
	// again. Redrive: a redrive took it up (RedriveCount is then one
	// more than Prior's).
	Prior        *PriorMapRun
	Redrive      bool
	RedriveCount int
}

// MapRunChild is one child execution of a map run.
type MapRunChild struct {
	Arn   string // arn:aws:states:R:A:execution:MACHINE/LABEL:NAME
	Name  string
	Index int // its number in the map run, from 0 in the reader's order
	Items int // the items it runs on (a batch's size, or 1)
	Input any
	Start time.Time
	// How it ended, once ended.
	Status       string
	Output       any
	Error, Cause string
	Stop         time.Time
	// Prior, when set, is this child's record in the map run taken up:
	// it runs again under its ARN (redriven when RedriveCount is more
	// than Prior's).
	Prior        *PriorChild
	RedriveCount int

	// abort cancels the child's context (Abort); abortError and
	// abortCause are what its ExecutionAborted event records.
	abort                  context.CancelFunc
	abortError, abortCause string
}

// Abort stops the child execution (StopExecution of it), which ends
// ABORTED with errorName and cause, as a stopped execution does. The run
// goes on with its other children, and does not count it as failed.
func (c *MapRunChild) Abort(errorName, cause string) {
	if c.abort == nil {
		return
	}
	c.abortError, c.abortCause = errorName, cause
	c.abort()
}

// MapRunControl holds the settings of a running map run that UpdateMapRun
// may change: the run reads them each time it may start a child or counts
// a failure. It is the interpreter's one shared, locked value, written by
// another goroutine (the service's API) and read by the run.
type MapRunControl struct {
	mu      sync.Mutex
	limit   int // 0: AWS's default
	n       int64
	p       float64
	hasN    bool
	hasP    bool
	version int
	wake    func() // wakes the run's wait for a child, to start more
}

// MapRunUpdate is a change of a map run's settings; nil fields stay.
type MapRunUpdate struct {
	MaxConcurrency             *int
	ToleratedFailureCount      *int64
	ToleratedFailurePercentage *float64
}

// Update changes the settings; the run applies them before it next starts
// a child or counts a failure, and starts more children at once when the
// concurrency grew.
func (c *MapRunControl) Update(u MapRunUpdate) {
	c.mu.Lock()
	if u.MaxConcurrency != nil {
		c.limit = *u.MaxConcurrency
	}
	if u.ToleratedFailureCount != nil {
		c.n, c.hasN = *u.ToleratedFailureCount, true
	}
	if u.ToleratedFailurePercentage != nil {
		c.p, c.hasP = *u.ToleratedFailurePercentage, true
	}
	c.version++
	wake := c.wake
	c.mu.Unlock()
	if wake != nil {
		wake()
	}
}

// childLog is a child execution of a map run as the interpreter knows it
// (distmap_child.go): its own identity, for its context object, and its
// own history, whose events it counts against the history limit and, with
// an observer (child non-nil), reports.
type childLog struct {
	n     int64
	run   *mapRun
	child *MapRunChild // nil without an observer

	name         string // made when first needed (execName)
	input        any
	start        time.Time
	redriveCount int // of a child a redrive runs again (distmap_resume.go)

	// max is the limit of the child's history (0: none); over is set once
	// an event would have reached it, and stop then stops the child.
	// closing lets the child's closing event through.
	max           int64
	over, closing bool
	stop          context.CancelFunc

	// brief is the child as told to a MapRunSummaryObserver (nil
	// otherwise): its Name and Arn are set when the engine names it.
	brief *MapRunChild

	// succeeded is set when a ChildRunner reports the child SUCCEEDED: it
	// did, even if the run stopped waiting for it meanwhile.
	succeeded bool

	ctxExecution, ctxMachine *value.Object // $$.Execution and $$.StateMachine, once built

	// With an observer (distmap_childcp.go): top is the child's top-level
	// thread, whose states hand over checkpoints; from is the checkpoint
	// a child taken up goes on from (nil: it starts at StartAt);
	// waitUntil is the deadline of a Wait state it resumes.
	top       *thread
	from      *Checkpoint
	waitUntil time.Time
}

// emit records an event of the child's history and returns its id. The
// event that would be number max stops the child instead (it then fails
// with that id, as an execution over the limit does).
func (l *childLog) emit(th *thread, typ string, details any, now time.Time) int64 {
	if l.max > 0 && !l.closing {
		if l.over {
			return th.last
		}
		if l.n+1 >= l.max {
			l.over = true
			if l.stop != nil {
				l.stop()
			}
			return th.last
		}
	}
	l.n++
	if l.child != nil {
		ev := history.Event{ID: l.n, PreviousEventID: th.last, Timestamp: now, Type: typ, Details: details}
		l.run.ex.opts.MapRuns.ChildEvent(l.run.info, l.child, ev)
	}
	th.last = l.n
	return l.n
}
