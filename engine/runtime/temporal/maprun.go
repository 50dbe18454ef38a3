package temporal

import (
	"sort"
	"time"

	"go.temporal.io/sdk/temporal"
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

// MapRunsRequest asks QueryMapRuns for the map run Arn or, without Arn,
// for at most Limit map runs from number From (0-based, oldest first).
type MapRunsRequest struct {
	Arn   string `json:",omitempty"`
	From  int    `json:",omitempty"`
	Limit int    `json:",omitempty"`
}

// MapRunCounts are a map run's item or child execution counts, as
// DescribeMapRun's itemCounts and executionCounts.
type MapRunCounts struct {
	Aborted, Failed, Pending, ResultsWritten, Running, Succeeded, TimedOut, Total int64
	FailuresNotRedrivable, PendingRedrive                                         int64
}

// end moves n from running to the count of status.
func (c *MapRunCounts) end(status string, n int64) {
	c.Running -= n
	switch status {
	case engine.StatusSucceeded:
		c.Succeeded += n
	case engine.StatusFailed:
		c.Failed += n
	case engine.StatusTimedOut:
		c.TimedOut += n
	default:
		c.Aborted += n
	}
}

// MapRunState is a map run as QueryMapRuns answers it.
type MapRunState struct {
	Arn          string
	ExecutionArn string
	// StateMachineArn is the children's: …:stateMachine:MACHINE/LABEL.
	StateMachineArn string
	StateName       string
	Status          string // RUNNING, SUCCEEDED, FAILED or ABORTED
	Start           time.Time
	Stop            time.Time // zero while running
	// The settings as they are now (UpdateMapRun changes them).
	MaxConcurrency             int
	ToleratedFailureCount      int64
	ToleratedFailurePercentage float64
	Items, Executions          MapRunCounts
	RedriveCount               int `json:",omitempty"`
	// Shards are the running shard workflows of the run's children: the
	// counts take their children as running or pending (Running) until
	// the shard reports them; RefineMapRun asks the shards.
	Shards []MapRunShard `json:",omitempty"`
}

// MapRunShard is a running shard workflow of a map run's children.
type MapRunShard struct {
	WorkflowID string
	// Children are the shard's, in the order of its input: their number
	// in the map run (-1: another run's), their items, and whether the
	// counts take them as running (else pending).
	Children []ShardChild
}

// ShardChild is a child of a MapRunShard.
type ShardChild struct {
	Index   int
	Items   int  `json:",omitempty"`
	Running bool `json:",omitempty"`
}

// MapRunChildrenRequest asks QueryMapRunChildren for at most Limit
// children of a map run, newest first, whose number is below Before (-1:
// from the newest) and, with Status, whose status is Status.
type MapRunChildrenRequest struct {
	MapRunArn string
	Before    int
	Status    string `json:",omitempty"`
	Limit     int
}

// MapRunChildState is a child execution of a map run: Index is its number
// in the run (from 0, in the order it started), Items the items it ran on.
type MapRunChildState struct {
	Index  int
	Name   string
	Arn    string
	Status string
	Start  time.Time
	Stop   time.Time // zero while running
	Items  int
	// A running child a shard workflow holds: the shard, the child's
	// place in its input, and whether it is taken not to have started
	// yet (RefineChildren asks the shard).
	Shard    string `json:",omitempty"`
	ShardPos int    `json:",omitempty"`
	Waiting  bool   `json:",omitempty"`
}

// MapRunUpdate is the signal UpdateMapRunSignal: new settings of a running
// map run (nil: unchanged).
type MapRunUpdate struct {
	MapRunArn                  string
	MaxConcurrency             *int     `json:",omitempty"`
	ToleratedFailureCount      *int64   `json:",omitempty"`
	ToleratedFailurePercentage *float64 `json:",omitempty"`
}

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
	run.state.Items.end(c.Status, n)
	run.state.Executions.end(c.Status, 1)
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
	for _, c := range []*MapRunCounts{&run.state.Items, &run.state.Executions} {
		c.Aborted += c.Pending
		c.Pending = 0
		c.end(engine.StatusAborted, c.Running)
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

// place is where a running child of a map run stands in the runtime: in
// its queue (waiting: not started yet), in a shard workflow (shard, at
// pos in its input: the first of the shard's children, as many as it runs
// at once, are taken as running, the others as waiting, until the shard
// says), or running (a direct child workflow, or in process).
type place struct {
	waiting bool
	shard   string
	pos     int
}

// places returns where the running children of run stand, by the names
// the engine gave them (a child without one runs in process).
func (b *mapRunBook) places(run *bookRun) map[*engine.MapRunChild]place {
	out := make(map[*engine.MapRunChild]place, len(run.live))
	names := make(map[string]*engine.MapRunChild, len(run.live))
	for c := range run.live {
		out[c] = place{}
		if c.Name != "" {
			names[c.Name] = c
		}
	}
	if len(names) == 0 {
		return out
	}
	for _, call := range b.rt.childPending {
		if c := names[call.req.Execution.ExecutionName]; c != nil && !call.abandon {
			out[c] = place{waiting: true}
		}
	}
	for _, id := range b.shardIDs() {
		calls := b.rt.shards[id]
		budget := len(calls) // a shard not gated starts them all at once
		if len(calls) > 0 && calls[0].gate != nil {
			budget = calls[0].gate.limit
		}
		for pos, call := range calls {
			if call.done {
				continue // its outcome is the parent's
			}
			running := budget > 0
			if running {
				budget--
			}
			if c := names[call.req.Execution.ExecutionName]; c != nil {
				out[c] = place{waiting: !running, shard: id, pos: pos}
			}
		}
	}
	return out
}

// shardIDs returns the IDs of the running shard workflows, sorted.
func (b *mapRunBook) shardIDs() []string {
	ids := make([]string, 0, len(b.rt.shards))
	for id := range b.rt.shards {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// states answers QueryMapRuns: the map run asked for, or a page of the
// execution's map runs, oldest first, their counts as they are now:
// children waiting in the runtime's queue or a shard count as pending.
func (b *mapRunBook) states(req MapRunsRequest) ([]MapRunState, error) {
	runs := b.runs
	if req.Arn != "" {
		runs = nil
		if run := b.byArn[req.Arn]; run != nil {
			runs = []*bookRun{run}
		}
	} else {
		limit := req.Limit
		if limit <= 0 || limit > maxRunsPage {
			limit = maxRunsPage
		}
		from := min(max(req.From, 0), len(runs))
		runs = runs[from:min(len(runs), from+limit)]
	}
	out := make([]MapRunState, 0, len(runs))
	for _, run := range runs {
		s := run.state
		if len(run.live) > 0 {
			s.Shards = b.tally(run, &s)
		}
		out = append(out, s)
	}
	return out, nil
}

// tally counts in s the running children of run that wait as pending,
// and returns the shards that hold some of them.
func (b *mapRunBook) tally(run *bookRun, s *MapRunState) []MapRunShard {
	places := b.places(run)
	byName := map[string]*engine.MapRunChild{}
	for c, p := range places {
		if p.waiting {
			s.Items.Running -= int64(c.Items)
			s.Items.Pending += int64(c.Items)
			s.Executions.Running--
			s.Executions.Pending++
		}
		if p.shard != "" {
			byName[c.Name] = c
		}
	}
	if len(byName) == 0 {
		return nil
	}
	var shards []MapRunShard
	for _, id := range b.shardIDs() {
		sh := MapRunShard{WorkflowID: id}
		mine := false
		for _, call := range b.rt.shards[id] {
			ch := ShardChild{Index: -1}
			if c := byName[call.req.Execution.ExecutionName]; c != nil && places[c].shard == id {
				ch = ShardChild{Index: run.live[c], Items: c.Items, Running: !places[c].waiting}
				mine = true
			}
			sh.Children = append(sh.Children, ch)
		}
		if mine {
			shards = append(shards, sh)
		}
	}
	return shards
}

// Codes of QueryShardProgress, one per child of the shard.
const (
	progressWaiting    = 'P' // not started yet
	progressRunning    = 'R'
	progressNotStarted = 'N' // never to start (engine.ChildNotStarted)
	progressUnknown    = '?' // ended, its outcome handed to the parent
)

// progressCodes are the codes of ended children, by status.
var progressCodes = map[string]byte{engine.StatusSucceeded: 'S', engine.StatusFailed: 'F', engine.StatusTimedOut: 'T',
	engine.StatusAborted: 'A', engine.ChildNotStarted: progressNotStarted}

// ShardProgress is a shard workflow's answer to QueryShardProgress: a code
// per child, in the order of its input (P: not started yet, R: running,
// S, F, T, A: succeeded, failed, timed out, aborted, N: never to start,
// ?: its outcome handed to the parent), and the end of each that ended
// (Unix milliseconds; 0: none).
type ShardProgress struct {
	Codes string
	Stops []int64 `json:",omitempty"`
}

// shardProgress answers QueryShardProgress for a shard whose children are
// children, out their outcomes so far, cancels those started and stops
// when they ended.
func shardProgress(children []ChildRequest, out []ChildOutcome, cancels map[string]workflow.CancelFunc, stops []time.Time) ShardProgress {
	p := ShardProgress{Stops: make([]int64, len(children))}
	for i, t := range stops {
		if !t.IsZero() {
			p.Stops[i] = t.UnixMilli()
		}
	}
	b := make([]byte, len(children))
	for i := range children {
		switch {
		case out[i].Status != "":
			b[i] = progressCodes[out[i].Status]
			if b[i] == 0 {
				b[i] = 'A'
			}
		case out[i].Reported:
			b[i] = progressUnknown
		case cancels[children[i].WorkflowID] != nil:
			b[i] = progressRunning
		default:
			b[i] = progressWaiting
		}
	}
	p.Codes = string(b)
	return p
}

// childStates answers QueryMapRunChildren. Children waiting in the
// runtime's queue are left out; those a shard holds are given with it,
// whatever req.Status (RefineChildren asks it where they stand).
func (b *mapRunBook) childStates(req MapRunChildrenRequest) ([]MapRunChildState, error) {
	run := b.byArn[req.MapRunArn]
	out := []MapRunChildState{}
	if run == nil {
		return out, nil
	}
	limit := req.Limit
	if limit <= 0 || limit > maxChildrenPage {
		limit = maxChildrenPage
	}
	i := len(run.children)
	if req.Before >= 0 && req.Before < i {
		i = req.Before
	}
	var places map[*engine.MapRunChild]place
	if len(run.live) > 0 {
		places = b.places(run)
	}
	for i--; i >= 0 && len(out) < limit; i-- {
		rec := &run.children[i]
		c := MapRunChildState{Index: i, Name: rec.name, Status: childStatuses[rec.status], Start: time.UnixMilli(rec.start).UTC(), Items: int(rec.items)}
		if rec.live != nil {
			p := places[rec.live]
			if p.waiting && p.shard == "" {
				continue // in the runtime's queue
			}
			c.Name, c.Shard, c.ShardPos, c.Waiting = rec.live.Name, p.shard, p.pos, p.waiting
		} else {
			c.Stop = time.UnixMilli(rec.stop).UTC()
		}
		if c.Status == engine.ChildNotStarted || c.Name == "" || (req.Status != "" && c.Status != req.Status && c.Shard == "") {
			continue
		}
		c.Arn = childArn(run.state.StateMachineArn, c.Name)
		out = append(out, c)
	}
	return out, nil
}

// childArn is the ARN of the child execution name of the map run whose
// children's state machine is smArn (…:stateMachine:MACHINE/LABEL).
func childArn(smArn, name string) string {
	const from, to = ":stateMachine:", ":execution:"
	for i := 0; i+len(from) <= len(smArn); i++ {
		if smArn[i:i+len(from)] == from {
			return smArn[:i] + to + smArn[i+len(from):] + ":" + name
		}
	}
	return name
}

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
