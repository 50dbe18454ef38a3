package temporal

import (
	"context"
	"errors"
	"fmt"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
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
// not run there, or its workflow closed). A server that does not take
// workflow updates is sent the signal UpdateMapRunSignal instead, which
// the workflow applies when it handles it (and drops for a map run that
// is not running).
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
