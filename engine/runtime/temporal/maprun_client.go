package temporal

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/stepwise/stepwise/engine"
)

// This file is the client's side of maprun.go: the map runs of an
// execution's workflow, their children, and UpdateMapRun.

// MapRuns returns map runs of the execution whose workflow is workflowID
// (its latest run), as req asks (the query QueryMapRuns).
func MapRuns(ctx context.Context, c client.Client, workflowID string, req MapRunsRequest) ([]MapRunState, error) {
	v, err := c.QueryWorkflow(ctx, workflowID, "", QueryMapRuns, req)
	if err != nil {
		return nil, fmt.Errorf("temporal: querying the map runs of %s: %w", workflowID, err)
	}
	var out []MapRunState
	if err := v.Get(&out); err != nil {
		return nil, fmt.Errorf("temporal: reading the map runs of %s: %w", workflowID, err)
	}
	return out, nil
}

// RefineMapRun asks the running shard workflows of st (st.Shards) where
// their children stand, and counts them so in st: those that ended as they
// ended, those not started yet as pending, the others as running. A shard
// that does not answer leaves its children as st counts them. st.Shards
// is cleared.
func RefineMapRun(ctx context.Context, c client.Client, st *MapRunState) error {
	return st.refine(shardQuery(ctx, c))
}

// shardQuery returns a function that asks a shard workflow where its
// children stand (QueryShardProgress).
func shardQuery(ctx context.Context, c client.Client) func(shardID string) (ShardProgress, error) {
	return func(id string) (ShardProgress, error) {
		v, err := c.QueryWorkflow(ctx, id, "", QueryShardProgress)
		var p ShardProgress
		if err == nil {
			err = v.Get(&p)
		}
		return p, err
	}
}

// RefineChildren asks the shard workflows that hold running children of
// list where they stand: one not started yet is left out, one that ended
// has its status and stop time, and the others run. The children of a
// shard that does not answer stay as listed, but those taken not to have
// started, left out.
func RefineChildren(ctx context.Context, c client.Client, list []MapRunChildState) ([]MapRunChildState, error) {
	return refineChildren(list, shardQuery(ctx, c))
}

// refineChildren is RefineChildren with progress, which asks a shard.
func refineChildren(list []MapRunChildState, progress func(shardID string) (ShardProgress, error)) ([]MapRunChildState, error) {
	codes := map[string]ShardProgress{}
	var errs []error
	out := make([]MapRunChildState, 0, len(list))
	for _, ch := range list {
		if ch.Shard == "" {
			out = append(out, ch)
			continue
		}
		cs, ok := codes[ch.Shard]
		if !ok {
			var err error
			if cs, err = progress(ch.Shard); err != nil {
				errs = append(errs, fmt.Errorf("temporal: querying shard %s: %w", ch.Shard, err))
			}
			codes[ch.Shard] = cs
		}
		status := ""
		if ch.ShardPos < len(cs.Codes) {
			status = codeStatus(cs.Codes[ch.ShardPos])
		}
		switch {
		case status == engine.ChildNotStarted, status == "" && ch.Waiting:
			continue
		case status != "":
			ch.Status = status
		}
		if status != engine.StatusRunning && ch.ShardPos < len(cs.Stops) && cs.Stops[ch.ShardPos] > 0 {
			ch.Stop = time.UnixMilli(cs.Stops[ch.ShardPos]).UTC()
		}
		ch.Shard, ch.ShardPos, ch.Waiting = "", 0, false
		out = append(out, ch)
	}
	return out, errors.Join(errs...)
}

// codeStatus is the status a progress code says: RUNNING, ChildNotStarted
// for one not started (yet), how it ended, or "" (unknown).
func codeStatus(code byte) string {
	switch code {
	case progressRunning:
		return engine.StatusRunning
	case progressWaiting, progressNotStarted:
		return engine.ChildNotStarted
	}
	for s, c := range progressCodes {
		if c == code && s != engine.ChildNotStarted {
			return s
		}
	}
	return ""
}

// refine is RefineMapRun with progress, which asks a shard for its codes.
func (st *MapRunState) refine(progress func(shardID string) (ShardProgress, error)) error {
	var errs []error
	for _, sh := range st.Shards {
		p, err := progress(sh.WorkflowID)
		if err != nil {
			errs = append(errs, fmt.Errorf("temporal: querying shard %s: %w", sh.WorkflowID, err))
			continue
		}
		for k, ch := range sh.Children {
			if ch.Index >= 0 && k < len(p.Codes) {
				st.move(ch, p.Codes[k])
			}
		}
	}
	st.Shards = nil
	return errors.Join(errs...)
}

// move counts the child ch, which st counts as running or pending, as
// the shard's progress code says.
func (st *MapRunState) move(ch ShardChild, code byte) {
	status := codeStatus(code)
	if status == "" {
		return // unknown: as counted
	}
	for _, m := range []struct {
		c *MapRunCounts
		n int64
	}{{&st.Items, int64(ch.Items)}, {&st.Executions, 1}} {
		if ch.Running {
			m.c.Running -= m.n
		} else {
			m.c.Pending -= m.n
		}
		switch status {
		case engine.StatusRunning:
			m.c.Running += m.n
		case engine.ChildNotStarted:
			m.c.Pending += m.n
		default:
			m.c.Running += m.n
			m.c.end(status, m.n)
		}
	}
}

// MapRunChildren returns children of a map run of the execution whose
// workflow is workflowID, as req asks (the query QueryMapRunChildren).
func MapRunChildren(ctx context.Context, c client.Client, workflowID string, req MapRunChildrenRequest) ([]MapRunChildState, error) {
	v, err := c.QueryWorkflow(ctx, workflowID, "", QueryMapRunChildren, req)
	if err != nil {
		return nil, fmt.Errorf("temporal: querying the children of map run %s: %w", req.MapRunArn, err)
	}
	var out []MapRunChildState
	if err := v.Get(&out); err != nil {
		return nil, fmt.Errorf("temporal: reading the children of map run %s: %w", req.MapRunArn, err)
	}
	return out, nil
}

// ErrMapRunNotRunning is UpdateMapRun's error when the map run does not
// run in its workflow (it ended); NotRunningError says how it ended.
var ErrMapRunNotRunning = errors.New("the map run is not running")

// NotRunningError is UpdateMapRun's error for a map run that does not run:
// Status is how it ended ("" when the workflow does not know it).
type NotRunningError struct {
	MapRunArn, Status string
}

func (e *NotRunningError) Error() string {
	return "temporal: map run " + e.MapRunArn + " is not running (" + e.Status + ")"
}

// Is makes a NotRunningError an ErrMapRunNotRunning.
func (e *NotRunningError) Is(target error) bool { return target == ErrMapRunNotRunning }

// UpdateMapRun changes the settings of a running map run in the workflow
// of its execution: the workflow update UpdateMapRunName, which returns
// once the workflow applied them (a NotRunningError when the map run does
// not run there, or its workflow closed). A server that does not take workflow updates is sent
// the signal UpdateMapRunSignal instead, which the workflow applies when
// it handles it (and drops for a map run that is not running).
func UpdateMapRun(ctx context.Context, c client.Client, workflowID string, u MapRunUpdate) error {
	h, err := c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{WorkflowID: workflowID, UpdateName: UpdateMapRunName,
		Args: []any{u}, WaitForStage: client.WorkflowUpdateStageCompleted})
	if err == nil {
		err = h.Get(ctx, nil)
	}
	var (
		ae       *temporal.ApplicationError
		closed   *serviceerror.NotFound
		unimpl   *serviceerror.Unimplemented
		disabled *serviceerror.PermissionDenied
	)
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ae) && ae.Type() == MapRunNotRunningType:
		e := &NotRunningError{MapRunArn: u.MapRunArn}
		if ae.HasDetails() {
			_ = ae.Details(&e.Status)
		}
		return e
	case errors.As(err, &closed):
		// The workflow closed (or is unknown): the map run ended as
		// the closed workflow says.
		e := &NotRunningError{MapRunArn: u.MapRunArn}
		if runs, qerr := MapRuns(ctx, c, workflowID, MapRunsRequest{Arn: u.MapRunArn}); qerr == nil && len(runs) == 1 {
			e.Status = runs[0].Status
		}
		return e
	case errors.As(err, &unimpl), errors.As(err, &disabled):
		if err := c.SignalWorkflow(ctx, workflowID, "", UpdateMapRunSignal, u); err != nil {
			return fmt.Errorf("temporal: updating map run %s: %w", u.MapRunArn, err)
		}
		return nil
	}
	return fmt.Errorf("temporal: updating map run %s: %w", u.MapRunArn, err)
}
