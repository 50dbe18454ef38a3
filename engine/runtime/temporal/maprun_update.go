package temporal

import (
	"sort"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/stepwise/stepwise/engine"
)

// This file applies UpdateMapRun in the workflow (maprun.go): the update
// UpdateMapRunName and the signal UpdateMapRunSignal change a running map
// run's settings, its gate's limit and its running shards' concurrency.

// receiveUpdates applies the signals UpdateMapRunSignal.
func (b *mapRunBook) receiveUpdates(ctx workflow.Context) {
	ch := workflow.GetSignalChannel(ctx, UpdateMapRunSignal)
	for {
		var u MapRunUpdate
		ch.Receive(ctx, &u)
		b.update(ctx, u)
	}
}

// validate refuses the update of a map run that does not run here.
func (b *mapRunBook) validate(u MapRunUpdate) error {
	run := b.byArn[u.MapRunArn]
	switch {
	case run == nil:
		return temporal.NewNonRetryableApplicationError("map run "+u.MapRunArn+" is not one of this execution's", MapRunNotRunningType, nil)
	case run.info == nil || run.state.Status != engine.StatusRunning:
		return temporal.NewNonRetryableApplicationError("map run "+u.MapRunArn+" is "+run.state.Status, MapRunNotRunningType, nil, run.state.Status)
	}
	return nil
}

// update changes the settings of a running map run: the engine applies
// them (engine.MapRunControl) before it next starts a child or counts a
// failure; a new MaxConcurrency also becomes the limit of the run's gate
// (the direct child workflows it starts, and its shards: the running
// one is signalled). An update of a map run that is not running here is
// dropped.
func (b *mapRunBook) update(ctx workflow.Context, u MapRunUpdate) {
	run := b.byArn[u.MapRunArn]
	if run == nil || run.info == nil || run.state.Status != engine.StatusRunning {
		return
	}
	run.info.Control.Update(engine.MapRunUpdate{MaxConcurrency: u.MaxConcurrency,
		ToleratedFailureCount: u.ToleratedFailureCount, ToleratedFailurePercentage: u.ToleratedFailurePercentage})
	if u.MaxConcurrency != nil {
		run.state.MaxConcurrency = *u.MaxConcurrency
		b.rt.setGateLimit(ctx, u.MapRunArn, *u.MaxConcurrency)
	}
	if u.ToleratedFailureCount != nil {
		run.state.ToleratedFailureCount = *u.ToleratedFailureCount
	}
	if u.ToleratedFailurePercentage != nil {
		run.state.ToleratedFailurePercentage = *u.ToleratedFailurePercentage
	}
}

// setGateLimit makes limit (0: AWS's default) the MaxConcurrency of the
// gate of the map run mapRunArn, if it has one, and of its running shard
// workflows (signalled, in the order of their IDs).
func (r *Runtime) setGateLimit(ctx workflow.Context, mapRunArn string, limit int) {
	g := r.gates[mapRunArn]
	if g == nil {
		return
	}
	if limit <= 0 {
		limit = defaultMapConcurrency
	}
	g.limit = limit
	var ids []string
	for id, calls := range r.shards {
		if len(calls) > 0 && calls[0].gate == g {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	for _, id := range ids {
		_ = workflow.SignalExternalWorkflow(ctx, id, "", shardConcurrencySignal, limit).Get(ctx, nil)
	}
}

// followConcurrency makes the signals shardConcurrencySignal a shard
// workflow receives its new concurrency (*n).
func followConcurrency(ctx workflow.Context, n *int) {
	ch := workflow.GetSignalChannel(ctx, shardConcurrencySignal)
	for {
		var limit int
		ch.Receive(ctx, &limit)
		if limit > 0 {
			*n = limit
		}
	}
}
