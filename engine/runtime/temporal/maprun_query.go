package temporal

import (
	"sort"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/stepwise/stepwise/engine"
)

// This file answers the map run queries (maprun.go): where the running
// children of a map run stand in the runtime (its child queue, a shard
// workflow, or running), the map runs with their counts, a page of a
// run's children, and a shard's progress.

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
