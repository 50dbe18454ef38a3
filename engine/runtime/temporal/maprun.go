package temporal

import (
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/stepwise/stepwise/engine"
	"github.com/stepwise/stepwise/engine/history"
)

// This file keeps, in the workflow, what the Map Run API asks of the map
// runs of an execution's Distributed Maps: each run's settings and counts
// and a compact record of each of its children (engine.MapRunObserver in
// summary: the engine tells the workflow when map runs and children start
// and end, and changes nothing the workflow asks Temporal to do). The
// queries QueryMapRuns and QueryMapRunChildren read them; the workflow
// update UpdateMapRunName (or, where a server does not take updates, the
// signal UpdateMapRunSignal) changes a running map run's settings
// (UpdateMapRun). Nothing here records anything in the workflow's history
// but the update or signal and the signals it sends (to the run's shard
// workflows), which follow it: workflows without them replay as before.

// Names of the map run queries and signals.
const (
	QueryMapRuns        = "mapRuns"               // MapRunsRequest: []MapRunState
	QueryMapRunChildren = "mapRunChildren"        // MapRunChildrenRequest: []MapRunChildState
	UpdateMapRunSignal  = "stepwise.updateMapRun" // MapRunUpdate
	// UpdateMapRunName is the workflow update (a MapRunUpdate) that
	// changes a running map run's settings; it is refused, with an
	// application error of type MapRunNotRunningType, when the map run
	// does not run in the workflow.
	UpdateMapRunName     = "updateMapRun"
	MapRunNotRunningType = "MapRunNotRunning"
	// shardConcurrencySignal carries a shard's new Concurrency (an int).
	shardConcurrencySignal = "stepwise.shardConcurrency"
	// QueryShardProgress asks a shard workflow where its children stand
	// (ShardProgress).
	QueryShardProgress = "shardProgress"
)

// defaultMapConcurrency is how many children a map run whose
// MaxConcurrency is 0 runs at once (AWS's limit, as the engine's).
const defaultMapConcurrency = 10000

// maxChildrenPage and maxRunsPage bound the children QueryMapRunChildren
// and the map runs QueryMapRuns return at once (a few hundred bytes each:
// far below Temporal's 2 MB limit of a query result).
const (
	maxChildrenPage = 2000
	maxRunsPage     = 1000
)

// childRecord is a compact record of one child of a map run.
type childRecord struct {
	live        *engine.MapRunChild // while it runs; nil once ended
	name        string              // once ended
	start, stop int64               // Unix milliseconds (stop 0: running)
	items       int32
	status      uint8 // childStatuses; 0 while running
}

// childStatuses are the statuses of ended children, by childRecord.status.
var childStatuses = [...]string{engine.StatusRunning, engine.StatusSucceeded, engine.StatusFailed,
	engine.StatusTimedOut, engine.StatusAborted, engine.ChildNotStarted}

func statusCode(s string) uint8 {
	for i, v := range childStatuses {
		if v == s {
			return uint8(i)
		}
	}
	return 4 // ABORTED
}

// bookRun is one map run the book keeps.
type bookRun struct {
	info       *engine.MapRunInfo // nil for a run of an earlier workflow run
	state      MapRunState
	itemsKnown bool // Items.Total was known at the start
	children   []childRecord
	live       map[*engine.MapRunChild]int // running children → their index
}

// mapRunBook is the workflow's engine.MapRunObserver, in summary.
type mapRunBook struct {
	rt    *Runtime
	runs  []*bookRun
	byArn map[string]*bookRun
}

var _ engine.MapRunSummaryObserver = (*mapRunBook)(nil)

// watchMapRuns makes the workflow's map run book, with the ended map runs
// of earlier runs of the workflow (a continue-as-new), answers the
// queries QueryMapRuns and QueryMapRunChildren from it and applies the
// updates UpdateMapRunName and the signals UpdateMapRunSignal. None of
// this issues a command.
func watchMapRuns(ctx workflow.Context, rt *Runtime, earlier []MapRunState) (*mapRunBook, error) {
	b := &mapRunBook{rt: rt, byArn: map[string]*bookRun{}}
	for _, s := range earlier {
		b.add(&bookRun{state: s})
	}
	if err := workflow.SetQueryHandler(ctx, QueryMapRuns, b.states); err != nil {
		return nil, err
	}
	if err := workflow.SetQueryHandler(ctx, QueryMapRunChildren, b.childStates); err != nil {
		return nil, err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateMapRunName, func(ctx workflow.Context, u MapRunUpdate) error {
		b.update(ctx, u)
		return nil
	}, workflow.UpdateHandlerOptions{Validator: b.validate}); err != nil {
		return nil, err
	}
	dctx, _ := workflow.NewDisconnectedContext(ctx)
	workflow.Go(dctx, b.receiveUpdates)
	return b, nil
}

func (b *mapRunBook) add(run *bookRun) {
	b.runs = append(b.runs, run)
	b.byArn[run.state.Arn] = run
}

// SummaryOnly is true: the book wants no child's events.
func (b *mapRunBook) SummaryOnly() bool { return true }

// MapRunStarted records a new map run.
func (b *mapRunBook) MapRunStarted(info *engine.MapRunInfo) {
	run := &bookRun{info: info, live: map[*engine.MapRunChild]int{}, state: MapRunState{
		Arn: info.Arn, ExecutionArn: info.ExecutionArn, StateMachineArn: info.StateMachineArn, StateName: info.StateName,
		Status: engine.StatusRunning, Start: info.Start.UTC(), MaxConcurrency: info.MaxConcurrency,
		ToleratedFailureCount: info.ToleratedFailureCount, ToleratedFailurePercentage: info.ToleratedFailurePercentage,
		RedriveCount: info.RedriveCount,
	}}
	if info.Items >= 0 {
		// Items known from the start wait as pending until their child runs.
		run.itemsKnown = true
		run.state.Items.Total, run.state.Items.Pending = int64(info.Items), int64(info.Items)
	}
	b.add(run)
}

// ChildStarted records a child handed to the runtime.
func (b *mapRunBook) ChildStarted(info *engine.MapRunInfo, c *engine.MapRunChild) {
	run := b.byArn[info.Arn]
	if run == nil || run.info != info {
		return
	}
	run.live[c] = len(run.children)
	run.children = append(run.children, childRecord{live: c, start: c.Start.UnixMilli(), items: int32(c.Items)})
	n := int64(c.Items)
	if run.itemsKnown {
		run.state.Items.Pending -= n
	} else {
		run.state.Items.Total += n
	}
	run.state.Items.Running += n
	run.state.Executions.Total++
	run.state.Executions.Running++
}

// ChildEvent is not called in summary.
func (b *mapRunBook) ChildEvent(*engine.MapRunInfo, *engine.MapRunChild, history.Event) {}

// ChildCheckpoint is not called in summary.
func (b *mapRunBook) ChildCheckpoint(*engine.MapRunInfo, *engine.MapRunChild, *engine.Checkpoint) {}

// ChildEnded records how a child ended; one its runner never started goes
// back to pending, and is no execution.
func (b *mapRunBook) ChildEnded(info *engine.MapRunInfo, c *engine.MapRunChild) {
	run := b.byArn[info.Arn]
	if run == nil || run.info != info {
		return
	}
	i, ok := run.live[c]
	if !ok {
		return
	}
	delete(run.live, c)
	rec := &run.children[i]
	rec.live, rec.name, rec.stop, rec.status = nil, c.Name, c.Stop.UnixMilli(), statusCode(c.Status)
	n := int64(c.Items)
	if c.Status == engine.ChildNotStarted {
		run.state.Items.Running -= n
		run.state.Items.Pending += n
		run.state.Executions.Running--
		run.state.Executions.Total--
		return
	}
	run.state.Items.End(c.Status, n)
	run.state.Executions.End(c.Status, 1)
}

// MapRunEnded records the end of a map run: what it left pending or
// running counts as aborted, and the results of its succeeded children
// are written.
func (b *mapRunBook) MapRunEnded(info *engine.MapRunInfo, status, _, _ string, stop time.Time) {
	run := b.byArn[info.Arn]
	if run == nil || run.info != info {
		return
	}
	run.state.Status, run.state.Stop = status, stop.UTC()
	for _, c := range []*engine.MapRunCounts{&run.state.Items, &run.state.Executions} {
		c.CloseUnrun()
		c.ResultsWritten = c.Succeeded
	}
	for c, i := range run.live {
		// Not told of its end (the run stopped first): aborted.
		rec := &run.children[i]
		rec.live, rec.name, rec.stop, rec.status = nil, c.Name, stop.UnixMilli(), statusCode(engine.StatusAborted)
	}
	run.live = nil
}

// ended returns the map runs that ended, for the next run of the workflow
// (a continue-as-new).
func (b *mapRunBook) ended() []MapRunState {
	var out []MapRunState
	for _, run := range b.runs {
		if run.state.Status != engine.StatusRunning {
			out = append(out, run.state)
		}
	}
	return out
}
