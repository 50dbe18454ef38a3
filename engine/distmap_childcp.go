package engine

import (
	"context"
	"maps"
	"time"
)

// This file gives a map run's child execution what an execution has
// (exec.go runTop): checkpoints of its top-level states, handed to the
// map run's observer (MapRunObserver.ChildCheckpoint), and a run that
// goes on from one when its map run is taken up (distmap_resume.go):
//
//   - An interrupted child (RUNNING on a resume) with a checkpoint goes
//     on from it: its history keeps the events up to the checkpoint and
//     goes on from there; a state that completed before the process
//     ended does not run again (an entered one runs its body again, as
//     Options.Resume does). Without one, it starts over.
//   - A failed, aborted or timed-out child a redrive runs again goes on
//     from the state it ended in, as a redriven execution does: its
//     events stay, ExecutionRedriven follows, and the state is entered
//     again (with the variables it was entered with). Without a
//     checkpoint, it runs from its first state after ExecutionRedriven.

// runChildGraph runs the ItemProcessor graph gp of a child execution on
// th, its thread: from StartAt on input or, for a child taken up, from
// cp. An observed child hands over checkpoints.
func (ex *execution) runChildGraph(ctx context.Context, th *thread, gp *graphPlan, input any, cp *Checkpoint) (any, error) {
	l := th.log
	if l.observed() {
		l.top = th
	}
	if cp == nil && !ex.checkpoints(th) {
		return ex.runGraph(ctx, th, gp, input)
	}
	if cp != nil && len(cp.Variables) > 0 {
		th.frame.vars = maps.Clone(cp.Variables)
	}
	return ex.runFrom(ctx, th, gp, input, cp)
}

// childFrom returns the checkpoint the child p of the prior map run goes
// on from: on a resume its last one; on a redrive the one taken before
// the state it ended in was entered, its counts moved past all the
// child's recorded events (p.Events), after which the redrive records
// ExecutionRedriven. nil: it starts at StartAt.
func childFrom(p *PriorChild, redrive bool) *Checkpoint {
	if p == nil {
		return nil
	}
	if !redrive {
		return p.Resume
	}
	if p.Redrive == nil {
		return nil
	}
	// As a redriven execution: the state is entered again after the
	// events recorded (the service's RedriveExecution does the same).
	cp := *p.Redrive
	cp.Entered, cp.EnteredTime, cp.WaitUntil = false, time.Time{}, time.Time{}
	cp.EventCount, cp.LastEventID = p.Events, p.Events
	return &cp
}
