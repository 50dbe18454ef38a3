package engine

import (
	"context"
	"errors"

	"github.com/stepwise/stepwise/asl/fault"
	"github.com/stepwise/stepwise/asl/value"
	"github.com/stepwise/stepwise/integrations/items"
)

// This file is a map run's ResultWriter side (distmap_run.go runs the
// children): each child's result record is spooled to a temporary file as
// the child ends (items.ResultSpool), so that what the run holds grows
// with MaxConcurrency and the batch size, not with the items, and the
// result files are written from the spool when the run ends, whether it
// succeeded or failed, as AWS writes them for a failed run too. When the
// run failed past its tolerated failures, the items it did not start are
// read on and listed as PENDING children (AWS's PENDING file lists the
// children that did not start); a run that failed otherwise (its reader,
// an ItemSelector, the spool) lists none. An aborted run writes nothing.

// openSpool makes the run's result spool, when it has a ResultWriter.
func (r *mapRun) openSpool() error {
	if r.writer == nil {
		return nil
	}
	s, err := r.ex.rt.ResultSink(*r.writer, r.arn)
	if err != nil {
		return namedError(err, fault.ResultWriterFailed)
	}
	r.spool = s
	return nil
}

// closeSpool removes the spool's temporary files.
func (r *mapRun) closeSpool() {
	if r.spool != nil {
		_ = r.spool.Close()
		r.spool = nil
	}
}

// spoolChild spools the result of child i, run by l, that ended with
// status (SUCCEEDED, FAILED or ABORTED), out or err. A spool that cannot
// take it fails the run with States.ResultWriterFailed.
func (r *mapRun) spoolChild(i int, l *childLog, status string, out any, err error) {
	if r.spool == nil {
		return
	}
	c := items.ChildResult{
		ExecutionArn: l.arn(),
		Name:         l.execName(),
		Status:       status,
		Input:        l.input,
		StartDate:    l.start,
		StopDate:     r.ex.rt.Now(),
	}
	switch status {
	case StatusSucceeded:
		c.Output = out
	case StatusFailed:
		var se *stateError
		if errors.As(err, &se) {
			c.Error, c.Cause = se.name, se.cause
		} else {
			c.Error, c.Cause = fault.Runtime, err.Error()
		}
	}
	if err := r.spool.Add(i, c); err != nil {
		r.fail(namedError(err, fault.ResultWriterFailed))
	}
}

// spoolNotStarted spools child i, which its runtime's queue never started
// (ChildNotStarted), as PENDING when the run failed past its tolerated
// failures, as the children spoolPending lists; a run that failed
// otherwise lists no pending children.
func (r *mapRun) spoolNotStarted(i int, input any) {
	var se *stateError
	if r.spool == nil || !errors.As(r.failure, &se) || se.name != fault.ExceedToleratedFailureThreshold {
		return
	}
	if err := r.spool.Add(i, items.ChildResult{Status: "PENDING", Input: input}); err != nil {
		r.fail(namedError(err, fault.ResultWriterFailed))
	}
}

// spoolPending lists the children a run that failed past its tolerated
// failures did not start: it reads the rest of the items (and batches)
// and spools each as PENDING.
func (r *mapRun) spoolPending(ctx context.Context) {
	r.stop = false // read on, to list what was not started
	defer func() { r.stop = true }()
	for !r.eof && ctx.Err() == nil {
		input, _, ok := r.nextInput(ctx)
		if !ok {
			return
		}
		i := r.nChildren
		r.nChildren++
		if err := r.spool.Add(i, items.ChildResult{Status: "PENDING", Input: input}); err != nil {
			r.failure = namedError(err, fault.ResultWriterFailed)
			return
		}
	}
}

// writeResults writes the result files of the run, and returns what the
// Map outputs: the map run's ARN, then where its results are.
func (r *mapRun) writeResults(ctx context.Context) (any, error) {
	out, err := r.spool.Write(ctx, r.objs)
	if err != nil {
		return nil, namedError(err, fault.ResultWriterFailed)
	}
	o, ok := out.(*value.Object)
	if !ok || o.Has("MapRunArn") {
		return out, nil
	}
	full := value.NewObject(o.Len() + 1)
	full.Append("MapRunArn", r.arn)
	for i := 0; i < o.Len(); i++ {
		k, v := o.At(i)
		full.Append(k, v)
	}
	return full, nil
}

// failedResults writes the result files of a run that failed with
// r.failure (after listing its pending children when it failed past its
// tolerated failures), and returns the run's error: r.failure, or the
// writer's States.ResultWriterFailed.
func (r *mapRun) failedResults(ctx context.Context) error {
	if r.spool == nil || ctx.Err() != nil {
		return r.failure
	}
	var se *stateError
	if !errors.As(r.failure, &se) || se.name == fault.ResultWriterFailed {
		return r.failure
	}
	if se.name == fault.ExceedToleratedFailureThreshold {
		r.spoolPending(ctx)
		if errors.As(r.failure, &se) && se.name == fault.ResultWriterFailed {
			return r.failure
		}
	}
	if _, err := r.writeResults(ctx); err != nil {
		return err
	}
	return r.failure
}
