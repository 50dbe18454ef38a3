package engine

import (
	"context"
	"strings"
	"time"

	"github.com/stepwise/stepwise/asl/fault"
	"github.com/stepwise/stepwise/engine/history"
	"github.com/stepwise/stepwise/integrations/items"
)

// This file takes up a Distributed Map's earlier map run when its
// execution resumes in the Map (a restart of the process that ran it) or
// is redriven there, instead of running every child again as a new map
// run:
//
//   - On a resume, the map run goes on under its ARN. A child whose end
//     was recorded (succeeded, failed, aborted or timed out) keeps it and
//     does not run again; a child that was running goes on, under its own
//     ARN, from its last checkpoint (the states it had completed do not
//     run again; the one it was in runs again, at least once) or, with
//     none, runs again from its first state; the items no child had
//     started start.
//   - On a redrive, the map run is redriven (MapRunRedriven, its redrive
//     count one more): succeeded children keep their results, the
//     others (failed, aborted, timed out, or interrupted) are redriven
//     under their ARN from the state they ended in (distmap_childcp.go),
//     and the items never started start.
//
// Children are numbered in the reader's order, and the reader, the
// ItemSelector and the batcher give child i the same input on the same
// items and settings, so child i of the earlier run is child i of this
// one. The Map's result, and what the ResultWriter writes, are an
// uninterrupted run's.
//
// A Distributed Map is taken up when it is the top-level state the
// checkpoint resumes or the redrive restarts, or in that state's Parallel
// branches (state names are unique in a machine, so its latest map run is
// its own); one inside an inline Map's iterations or a child execution,
// where one state has many map runs, runs anew, as a Retry of the Map
// does. A run taken up goes on with the settings UpdateMapRun gave it
// (PriorMapRun.Settings).

// PriorMapRuns gives the map run a state of an execution began earlier
// (Options.PriorMapRuns), for a resume or redrive to take up.
type PriorMapRuns interface {
	// PriorMapRun returns the latest map run of the state in the
	// execution, with its children as recorded; nil when it has none.
	PriorMapRun(ctx context.Context, executionArn, stateName string) (*PriorMapRun, error)
}

// PriorMapRun is a map run as recorded before a resume or redrive.
type PriorMapRun struct {
	Arn          string
	Status       string // RUNNING (interrupted), SUCCEEDED, FAILED or ABORTED
	Start        time.Time
	RedriveCount int       // how many times it was redriven
	RedriveDate  time.Time // its last redrive (zero: none)
	// Children are its child executions in start order: Children[i] is
	// child i. The ones not listed had not started.
	Children []*PriorChild
	// Settings, when set, are what UpdateMapRun changed of the run's
	// settings: the run taken up goes on with them, not with the
	// definition's.
	Settings *MapRunUpdate
}

// PriorChild is a child execution of a PriorMapRun as recorded.
type PriorChild struct {
	// Key is what the recorder knows the child by (the service's
	// execution id); the engine passes it back in MapRunChild.Prior.
	Key    int64
	Arn    string
	Name   string
	Items  int
	Status string // RUNNING when it was interrupted
	Output any    // when SUCCEEDED
	Error  string
	Cause  string
	Start  time.Time
	Stop   time.Time
	// Events is how many events of its history stay: all of them for an
	// ended child; for an interrupted one, those up to Resume's
	// EventCount or, without Resume, up to its last ExecutionRedriven (0:
	// it starts over with ExecutionStarted).
	Events       int64
	RedriveCount int
	// Resume is the child's last checkpoint (MapRunObserver.ChildCheckpoint):
	// an interrupted child goes on from it (nil: it starts over). Redrive
	// is its last checkpoint taken before a state was entered: a redrive
	// enters that state again, after ExecutionRedriven (nil: it runs from
	// its first state). See distmap_childcp.go.
	Resume, Redrive *Checkpoint
}

// takeUp is what the execution's first top-level state may take up: the
// map run of the state it resumes or redrives, or those of the
// Distributed Maps in its Parallel branches (not in a Map's iterations
// nor in a child execution, where one state has many map runs), each
// once.
type takeUp struct {
	state   string
	since   time.Time // a resume: when the state was entered
	redrive bool
	taken   map[string]bool // the states that took theirs up (or found none)
}

// takeUpFrom returns what a run resumed from cp (redriven when redrive)
// may take up; nil when it may take up nothing.
func takeUpFrom(cp *Checkpoint, redrive bool) *takeUp {
	switch {
	case cp == nil:
		return nil
	case redrive:
		return &takeUp{state: cp.State, redrive: true}
	case cp.Entered:
		return &takeUp{state: cp.State, since: cp.EnteredTime}
	}
	// Resumed before the state was entered: it had no map run yet.
	return nil
}

// accepts reports whether p is the map run the state began in the visit
// that is resumed or redriven.
func (t *takeUp) accepts(p *PriorMapRun) bool {
	if t.redrive {
		// A succeeded map run is not redriven: its state failed after it
		// (a ResultSelector, say), and runs a new one.
		return p.Status == StatusFailed || p.Status == StatusAborted
	}
	last := p.Start
	if p.RedriveDate.After(last) {
		last = p.RedriveDate
	}
	return !last.Before(t.since)
}

// takePrior makes r the prior map run of its state when the execution
// resumes or redrives there (the first attempt of the state's first run).
func (r *mapRun) takePrior(ctx context.Context, attempt int) error {
	ex := r.ex
	t, th := ex.takeUp, r.sc.th
	if t == nil || attempt > 0 || ex.opts.PriorMapRuns == nil || th.log != nil || th.silent || th.mapIt != nil ||
		(th.depth == 0 && t.state != r.s.Name) || t.taken[r.s.Name] {
		return nil
	}
	if t.taken == nil {
		t.taken = map[string]bool{}
	}
	t.taken[r.s.Name] = true
	p, err := ex.opts.PriorMapRuns.PriorMapRun(ctx, ex.execArn, r.s.Name)
	if err != nil {
		return &stateError{name: fault.Runtime, cause: r.sc.prefix() + "The map run to resume could not be read: " + err.Error()}
	}
	if p == nil || !t.accepts(p) {
		return nil
	}
	r.prior, r.arn = p, p.Arn
	r.id = p.Arn[strings.LastIndexByte(p.Arn, ':')+1:]
	if p.Settings != nil {
		r.applySettings(*p.Settings)
	}
	r.redriveCount = p.RedriveCount
	switch {
	case t.redrive:
		r.redrive, r.redriveCount = true, p.RedriveCount+1
		r.redriven = true
	case p.RedriveCount > 0 && !p.RedriveDate.Before(t.since):
		// Resumed in the map run a redrive took up: its history says so again.
		r.redriven = true
	}
	return nil
}

// applySettings makes the run's settings those u changes (UpdateMapRun's,
// before a restart or a redrive), on a copy of its configuration, which
// later attempts of the state do not share.
func (r *mapRun) applySettings(u MapRunUpdate) {
	c := *r.cfg
	if u.MaxConcurrency != nil {
		c.limit = *u.MaxConcurrency
		r.limit = c.limit
		if r.limit <= 0 {
			r.limit = defaultDistributedConcurrency
		}
	}
	if u.ToleratedFailureCount != nil {
		c.toleratedN, c.hasN = *u.ToleratedFailureCount, true
	}
	if u.ToleratedFailurePercentage != nil {
		c.toleratedP, c.hasP = *u.ToleratedFailurePercentage, true
	}
	r.cfg = &c
}

// emitStart records MapRunStarted, or MapRunRedriven for a map run a
// redrive took up.
func (r *mapRun) emitStart() {
	if r.redriven {
		r.ex.emit(r.sc.th, "MapRunRedriven", &history.MapRunRedrivenEventDetails{MapRunArn: r.arn, RedriveCount: r.redriveCount})
		return
	}
	r.ex.emit(r.sc.th, "MapRunStarted", &history.MapRunStartedEventDetails{MapRunArn: r.arn})
}

// priorChild returns child i of the prior map run (nil: none).
func (r *mapRun) priorChild(i int) *PriorChild {
	if r.prior == nil || i >= len(r.prior.Children) {
		return nil
	}
	return r.prior.Children[i]
}

// Stands reports whether the child's recorded end stands when its map
// run is taken up: on a resume any recorded end, on a redrive only a
// success. A child whose end does not stand runs again.
func (c *PriorChild) Stands(redrive bool) bool {
	if redrive {
		return c.Status == StatusSucceeded
	}
	return c.Status != StatusRunning && c.Status != ""
}

// takePriorChild gives l, the log of child i, the name and redrive
// count of child i of the prior map run, when there is one.
func (r *mapRun) takePriorChild(l *childLog, i int) {
	p := r.priorChild(i)
	if p == nil {
		return
	}
	l.name, l.redriveCount = p.Name, p.RedriveCount
	if r.redrive {
		l.redriveCount++
	}
}

// reuse takes the recorded end of the next child, when it stands,
// instead of running it on input (count items); false: it runs.
func (r *mapRun) reuse(input any, count int) bool {
	i := r.nChildren
	c := r.priorChild(i)
	if c == nil || !c.Stands(r.redrive) {
		return false
	}
	r.nChildren++
	switch {
	case r.writer == nil:
		var out any
		if c.Status == StatusSucceeded {
			out = c.Output
		}
		r.results = append(r.results, out)
	case r.spool != nil:
		err := r.spool.Add(i, items.ChildResult{
			ExecutionArn: c.Arn, Name: c.Name, Input: input, StartDate: c.Start, StopDate: c.Stop,
			Status: c.Status, Output: c.Output, Error: c.Error, Cause: c.Cause,
		})
		if err != nil {
			r.fail(namedError(err, fault.ResultWriterFailed))
		}
	}
	if c.Status == StatusFailed || c.Status == StatusTimedOut {
		r.failures += count
		if r.over(false) {
			r.fail(exceeded())
		}
	}
	return true
}

// beginChildHistory starts the history of the child l, run again or anew,
// on th: ExecutionStarted for a new child or one interrupted before any
// redrive, ExecutionRedriven after its kept events for a redriven one.
func (r *mapRun) beginChildHistory(th *thread, l *childLog) {
	ex := r.ex
	th.last = 0
	p := l.child.Prior
	l.from = childFrom(p, r.redrive)
	switch {
	case p == nil || p.Events == 0 && !r.redrive:
		ex.emitAt(th, "ExecutionStarted", &history.ExecutionStartedEventDetails{
			Input: history.Payload{Value: l.input}, RoleArn: ex.opts.RoleArn,
		}, l.start)
		// AWS records the first state's entered event with previous id 0.
		th.last = 0
	case r.redrive:
		l.n, th.last = p.Events, p.Events
		ex.emitAt(th, "ExecutionRedriven", &history.ExecutionRedrivenEventDetails{RedriveCount: l.redriveCount}, l.start)
	case l.from != nil:
		// Interrupted after a checkpoint: its history goes on from there.
		l.n, th.last = p.Events, l.from.LastEventID
	default:
		// Interrupted in a redrive: its ExecutionRedriven stays.
		l.n, th.last = p.Events, p.Events
	}
}
