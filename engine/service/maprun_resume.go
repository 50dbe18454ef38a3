package service

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/stepwise/stepwise/asl/value"
	"github.com/stepwise/stepwise/engine"
	"github.com/stepwise/stepwise/engine/service/store"
)

// This file lets a resumed or redriven execution take up the map run its
// Distributed Map had begun (engine.PriorMapRuns): it reads the run and
// its children back from the store, records the run going on under its
// ARN (its redrive count and date on a redrive), and restarts under
// their ARNs the children that run again. A child's end is queued before
// anything the parent does after it (the store writes in order), so a
// restart finds every end the parent could have relied on; a child that
// ended but whose end was not written yet when the process died runs
// again.

// priorMapRuns is a run's engine.PriorMapRuns: the map runs of its
// execution as the store has them.
type priorMapRuns struct{ s *Service }

var _ engine.PriorMapRuns = priorMapRuns{}

// PriorMapRun returns the newest map run of the state in the execution,
// with its children by number.
func (p priorMapRuns) PriorMapRun(ctx context.Context, executionArn, stateName string) (*engine.PriorMapRun, error) {
	st := p.s.store
	if err := st.Flush(ctx); err != nil {
		return nil, err
	}
	rec, err := st.LatestMapRun(ctx, executionArn, stateName)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	kids, err := st.MapRunChildren(ctx, rec.Arn)
	if err != nil {
		return nil, err
	}
	run := &engine.PriorMapRun{Arn: rec.Arn, Status: rec.Status, Start: rec.Start, RedriveCount: rec.RedriveCount, RedriveDate: rec.RedriveDate}
	if rec.Counts != "" {
		var tally mapRunTally
		if err := json.Unmarshal([]byte(rec.Counts), &tally); err != nil {
			return nil, fmt.Errorf("service: the counts of map run %s: %w", rec.Arn, err)
		}
		run.Settings = tally.Updated
	}
	for i, k := range kids {
		if k.Index != i {
			// Numbered from here on by an earlier release (or not at
			// all): the children from here run anew.
			break
		}
		c, err := priorChild(k)
		if err != nil {
			return nil, err
		}
		run.Children = append(run.Children, c)
	}
	return run, nil
}

// priorChild is a recorded child as the engine takes it up.
func priorChild(k store.MapRunChildRecord) (*engine.PriorChild, error) {
	c := &engine.PriorChild{Key: k.ID, Arn: k.Arn, Name: k.Name, Items: k.Items, Status: k.Status, Error: k.Error, Cause: k.Cause,
		Start: k.StartDate, Stop: k.StopDate, Events: k.Events, RedriveCount: k.RedriveCount}
	d, err := decodeDurable(k.Checkpoint)
	if err != nil {
		return nil, fmt.Errorf("service: the checkpoint of %s: %w", k.Arn, err)
	}
	resume, err := decodeCheckpoint(d.Resume)
	if err != nil {
		return nil, fmt.Errorf("service: the checkpoint of %s: %w", k.Arn, err)
	}
	if c.Redrive, err = decodeCheckpoint(d.Redrive); err != nil {
		return nil, fmt.Errorf("service: the checkpoint of %s: %w", k.Arn, err)
	}
	c.Resume = resume
	if k.Status == engine.StatusRunning {
		// Interrupted: it goes on from its last checkpoint, its events
		// after it dropped. Without one (or with one from before its last
		// redrive, which was being recorded when the process ended), it
		// goes on where that redrive entered again, or starts over after
		// its last redrive, or anew.
		switch {
		case resume != nil && resume.EventCount >= k.LastRedriven && resume.EventCount <= k.Events:
			c.Events = resume.EventCount
		case c.Redrive != nil && k.LastRedriven > 0:
			cp := *c.Redrive
			cp.EventCount, cp.LastEventID = k.LastRedriven, k.LastRedriven
			c.Resume, c.Events = &cp, k.LastRedriven
		default:
			c.Resume, c.Events = nil, k.LastRedriven
		}
	}
	if k.Status == engine.StatusSucceeded {
		out, err := value.DecodeString(k.Output)
		if err != nil {
			return nil, fmt.Errorf("service: the stored output of %s: %w", k.Arn, err)
		}
		c.Output = out
	}
	return c, nil
}

// takeUp records a map run that goes on under its ARN: its stored record
// with the counts of the children whose ends stand, RUNNING again (and
// redriven, on a redrive).
func (o *mapRunRecorder) takeUp(info *engine.MapRunInfo) *liveMapRun {
	s := o.r.s
	m := &liveMapRun{ctl: info.Control, children: map[*engine.MapRunChild]int64{}}
	if rec, err := s.store.GetMapRun(o.r.ctx, info.Arn); err == nil {
		m.rec = *rec
	} else {
		s.log.Error("reading the map run to take up", "mapRun", info.Arn, "error", err)
		m.rec = store.MapRun{Arn: info.Arn, ExecutionArn: info.ExecutionArn, StateMachineArn: info.StateMachineArn,
			StateName: info.StateName, Start: info.Start.UTC()}
	}
	m.rec.Status, m.rec.Stop = engine.StatusRunning, time.Time{}
	m.rec.MaxConcurrency, m.rec.ToleratedFailureCount = info.MaxConcurrency, info.ToleratedFailureCount
	m.rec.ToleratedFailurePercentage = info.ToleratedFailurePercentage
	if info.Redrive {
		m.rec.RedriveCount, m.rec.RedriveDate = info.RedriveCount, info.Start.UTC()
	}
	m.tally.Updated = info.Prior.Settings
	var kept int64
	for _, c := range info.Prior.Children {
		if !c.Stands(info.Redrive) {
			continue
		}
		n := int64(c.Items)
		kept += n
		m.tally.Items.Total += n
		m.tally.Items.Running += n
		m.tally.Items.End(c.Status, n)
		m.tally.Executions.Total++
		m.tally.Executions.Running++
		m.tally.Executions.End(c.Status, 1)
	}
	if info.Items >= 0 {
		m.itemsKnown = true
		m.tally.Items.Total, m.tally.Items.Pending = int64(info.Items), int64(info.Items)-kept
	}
	return m
}

// restartChild records that a child of a map run taken up runs again
// under its ARN; it returns the child's execution id.
func (o *mapRunRecorder) restartChild(c *engine.MapRunChild) int64 {
	p := c.Prior
	var redriven time.Time
	if c.RedriveCount > p.RedriveCount {
		redriven = c.Start.UTC()
	}
	o.r.s.store.QueueRestartChild(p.Key, p.Events, c.RedriveCount, redriven)
	return p.Key
}

// closeUntakenMapRuns aborts, once a resumed or redriven run has ended,
// the map runs of its execution it left RUNNING: those it did not take
// up (a Distributed Map inside a Parallel, say, runs a new one).
func (s *Service) closeUntakenMapRuns(r *run, opts *engine.Options) {
	if opts.PriorMapRuns == nil || r.ex == nil {
		return
	}
	if err := s.store.AbortMapRunsOf(context.Background(), r.ex.Arn, time.Now().UTC()); err != nil {
		s.log.Error("aborting the map runs a resume did not take up", "execution", r.key, "error", err)
	}
}

// resumable returns the executions a restart resumes: the RUNNING ones
// but map runs' children, which their parents run again.
func (s *Service) resumable(ctx context.Context) ([]*store.Execution, error) {
	exs, err := s.store.RunningExecutions(ctx)
	if err != nil {
		return nil, fmt.Errorf("service: listing running executions: %w", err)
	}
	out := exs[:0]
	for _, ex := range exs {
		mr, err := s.store.MapRunOf(ctx, ex.ID)
		if err != nil {
			return nil, err
		}
		if mr == "" {
			out = append(out, ex)
		}
	}
	return out, nil
}

// childRedriveStatus is a map run's child's redrive status: an
// unsuccessful child is redriven by a redrive of its parent that takes
// its map run up (REDRIVABLE_BY_MAP_RUN, as AWS writes it for such
// children), never on its own.
func childRedriveStatus(out *describeExecutionOut, status string) {
	switch status {
	case engine.StatusFailed, engine.StatusAborted, engine.StatusTimedOut:
		out.RedriveStatus, out.RedriveStatusReason = "REDRIVABLE_BY_MAP_RUN", ""
	default:
		if out.RedriveStatusReason == "Execution failed before a state was entered and cannot be redriven" {
			out.RedriveStatusReason = "Execution is a child execution of a Map Run and cannot be redriven on its own"
		}
	}
}
