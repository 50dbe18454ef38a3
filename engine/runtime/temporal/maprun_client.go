package temporal

import (
	"context"
	"fmt"

	"go.temporal.io/sdk/client"
)

// This file is the client's side of maprun.go: the map runs of an
// execution's workflow, their children, and UpdateMapRun.

// MapRuns returns the map runs of the execution whose workflow is
// workflowID (its latest run), oldest first (the query QueryMapRuns).
func MapRuns(ctx context.Context, c client.Client, workflowID string) ([]MapRunState, error) {
	v, err := c.QueryWorkflow(ctx, workflowID, "", QueryMapRuns)
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

// UpdateMapRun signals new settings of a running map run to the workflow
// of its execution (UpdateMapRunSignal). The workflow applies them when
// it handles the signal; one for a map run that is no longer running is
// dropped.
func UpdateMapRun(ctx context.Context, c client.Client, workflowID string, u MapRunUpdate) error {
	if err := c.SignalWorkflow(ctx, workflowID, "", UpdateMapRunSignal, u); err != nil {
		return fmt.Errorf("temporal: updating map run %s: %w", u.MapRunArn, err)
	}
	return nil
}
