package temporal

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/workflow"

	"github.com/stepwise/stepwise/asl/fault"
	"github.com/stepwise/stepwise/asl/value"
	"github.com/stepwise/stepwise/engine"
)

// This file runs a Distributed Map's child executions as child workflows
// (Runtime.RunChild, engine.ChildRunner): each child execution, or batch,
// is an ExecutionWorkflow of its own, with its own history. Few children
// started together are child workflows of the execution; many (or any,
// once the execution's history is long) go into shard workflows
// (ChildShardWorkflowName), each of which starts up to ChildShardSize of
// them as its own child workflows and returns their outcomes, so that the
// execution's history grows by a few events per shard, not per child.

// Names of the shard workflow and of the signal that cancels some of a
// shard's children.
const (
	ChildShardWorkflowName = "stepwise.ChildShard" // ChildShardWorkflow
	cancelChildrenSignal   = "stepwise.cancelChildren"
	// childFailuresSignal carries a ChildFailures from a shard to its
	// parent.
	childFailuresSignal = "stepwise.childFailures"
	// failureReportInterval is the least time between two of a shard's
	// ChildFailures signals.
	failureReportInterval = time.Second
	// shardOutcomesVersion marks the shard workflows that keep their
	// result small: past shardResultBytes of outcomes, they report the
	// rest to the parent by signal (see ChildShardWorkflow). Shards
	// started before keep every outcome in their result.
	shardOutcomesVersion = "stepwise-shard-outcomes"
	// shardResultBytes is about the most of its children's outcomes a
	// shard keeps in its result, far below Temporal's 2 MB limit of a
	// payload.
	shardResultBytes = 512 << 10
	// shardSignalBytes is about the most outcomes one signal carries.
	shardSignalBytes = 1 << 20
)

// Defaults of RuntimeOptions for child executions.
const (
	DefaultChildShardThreshold = 64
	DefaultChildShardSize      = 500
	// childShardBytes closes a shard at about this much input, far below
	// the 2 MB limit of a workflow's input.
	childShardBytes = 1 << 20
)

// ChildRequest is one child execution to run as a child workflow.
type ChildRequest struct {
	// WorkflowID is the child workflow's ID: the parent's workflow ID, a
	// slash and the child's execution name.
	WorkflowID string
	Execution  ExecutionInput
}

// ChildShardInput is ChildShardWorkflow's input.
type ChildShardInput struct {
	Children []ChildRequest
	// Concurrency is how many of the children run at once, started in
	// order as others end (0: all at once). A child cancelled, or the
	// shard cancelled, before the child started is not started
	// (engine.ChildNotStarted).
	Concurrency int `json:",omitempty"`
}

// ChildOutcome is how a child execution ended (a ChildShardWorkflow's
// result lists them in the order of its input).
type ChildOutcome struct {
	Status       string
	Output       json.RawMessage `json:",omitempty"`
	Error, Cause string          `json:",omitempty"`
	// Reported: the shard's result leaves the outcome out, because a
	// ChildFailures signal delivered it to the parent already.
	Reported bool `json:",omitempty"`
}

// size is about how many bytes the outcome takes in a payload.
func (o *ChildOutcome) size() int {
	return len(o.Output) + len(o.Error) + len(o.Cause) + 64
}

// ChildFailures is the signal childFailuresSignal: children of the shard
// Shard (its workflow ID) that ended, by their index in its input, with
// their outcomes. A shard sends those that failed as they fail (at most
// one signal a second), so that the map run counts them against its
// tolerance before the shard ends, and those whose outcomes do not fit
// in its result (shardResultBytes).
type ChildFailures struct {
	Shard    string
	Index    []int
	Outcomes []ChildOutcome
}

// childCall is a child execution waiting for its outcome.
type childCall struct {
	req       ChildRequest
	size      int
	assigned  bool // started directly (direct) or in a shard
	direct    bool
	done      bool
	abandon   bool // the caller stopped waiting for the outcome
	signalled bool // its shard was asked to cancel it
	gate      *childGate
	out       ChildOutcome
}

// childGate bounds the children of one map run that the engine hands over
// more of than may run (engine.ChildQueue) to its MaxConcurrency: either
// up to limit of them run as direct child workflows, or one shard
// workflow runs them, limit at a time.
type childGate struct {
	limit  int
	direct int  // direct child workflows running
	shard  bool // a shard workflow of the run's children runs
}

// childQueueVersion marks the workflows that queue a map run's children
// (ChildQueueDepth); those started before hand over no more than run.
const childQueueVersion = "stepwise-child-queue"

var _ engine.ChildQueue = (*Runtime)(nil)

// ChildQueueDepth lets a map run whose MaxConcurrency is below
// ChildShardThreshold hand over ChildShardSize children at once: they go
// into one shard workflow at a time that runs the limit of them at once,
// so that the execution's history grows by a few events per shard rather
// than per child, however long the run.
func (r *Runtime) ChildQueueDepth(limit int) int {
	t := r.shardThreshold()
	if limit <= 0 || t <= 0 || limit >= t || r.childVersion == 1 {
		return limit
	}
	// A workflow that records this version is new enough to run its
	// children as child workflows too (RunsChildren); one started before
	// it never queues, not even in a later map run. RunsChildren is not
	// asked here: in a workflow started before the queue, that would ask
	// it earlier than its history recorded the answer.
	if r.queueVersion == 0 {
		r.queueVersion = 1
		if workflow.GetVersion(r.current, childQueueVersion, workflow.DefaultVersion, 1) != workflow.DefaultVersion {
			r.queueVersion = 2
		}
	}
	if r.queueVersion != 2 {
		return limit
	}
	return max(limit, r.shardSize())
}

// shardThreshold is how many children pending together go into shards
// (negative: never, but for the history budget).
func (r *Runtime) shardThreshold() int {
	if r.opts.ChildShardThreshold != 0 {
		return r.opts.ChildShardThreshold
	}
	return DefaultChildShardThreshold
}

// shardSize is the most children of a shard workflow.
func (r *Runtime) shardSize() int {
	if r.opts.ChildShardSize > 0 {
		return r.opts.ChildShardSize
	}
	return DefaultChildShardSize
}

// gateOf returns the gate of the map run mapRunArn, made with limit.
func (r *Runtime) gateOf(mapRunArn string, limit int) *childGate {
	if r.gates == nil {
		r.gates = map[string]*childGate{}
	}
	g := r.gates[mapRunArn]
	if g == nil {
		g = &childGate{limit: limit}
		r.gates[mapRunArn] = g
	}
	return g
}

// gateAction says what the dispatcher does with n pending children of
// gate g: start a shard of them (when more are pending than may run, or
// the history is long), or start some as direct child workflows (start of
// them; 0: none now).
func (r *Runtime) gateAction(g *childGate, n int) (shard bool, start int) {
	if g.shard || n == 0 {
		return false, 0
	}
	if n > g.limit || r.sharding(n) {
		if g.direct > 0 {
			return false, 0 // the shard waits for them to end
		}
		return true, min(n, r.shardSize())
	}
	return false, min(n, max(g.limit-g.direct, 0))
}

var _ engine.ChildRunner = (*Runtime)(nil)

// childWorkflowsVersion marks the workflows whose map runs' children are
// child workflows; those started before run them as workflow coroutines,
// as they did, so that they replay.
const childWorkflowsVersion = "stepwise-child-workflows"

// RunsChildren reports whether the execution's map runs' children run as
// child workflows: in a workflow started before they did, they run in
// process. The version is asked once, when the first child starts.
func (r *Runtime) RunsChildren() bool {
	if r.childVersion == 0 {
		r.childVersion = 1
		if workflow.GetVersion(r.current, childWorkflowsVersion, workflow.DefaultVersion, 1) != workflow.DefaultVersion {
			r.childVersion = 2
		}
	}
	return r.childVersion == 2
}

// RunChild runs a map run's child execution as a child workflow
// (ExecutionWorkflow) with the workflow ID PARENT/NAME, directly or in a
// shard workflow, and returns its outcome. When ctx ends first, the child
// workflow is cancelled and RunChild returns once it has ended (ABORTED).
func (r *Runtime) RunChild(ctx context.Context, c *engine.ChildExecution) engine.ChildOutcome {
	if ctx.Err() != nil {
		return engine.ChildOutcome{Status: engine.StatusAborted}
	}
	cc := &childCall{req: r.childRequest(c)}
	cc.size = len(c.Definition) + len(cc.req.Execution.Input) + 512
	if c.MaxConcurrency > 0 {
		cc.gate = r.gateOf(c.MapRunArn, c.MaxConcurrency)
	}
	r.childPending = append(r.childPending, cc)
	if !r.childDispatch {
		r.childDispatch = true
		workflow.Go(r.base, r.childDispatcher)
	}
	r.wait(func() bool { return cc.assigned || ctx.Err() != nil })
	if !cc.assigned {
		cc.abandon = true
		if cc.gate != nil {
			return engine.ChildOutcome{Status: engine.ChildNotStarted}
		}
		return engine.ChildOutcome{Status: engine.StatusAborted}
	}
	if cc.direct {
		cc.out = r.runChildDirect(ctx, cc)
		if cc.gate != nil {
			cc.gate.direct--
		}
	} else {
		r.wait(func() bool { return cc.done || ctx.Err() != nil })
		if !cc.done {
			// The shard's watcher cancels it; its outcome says how it ended.
			cc.abandon = true
			r.wait(func() bool { return cc.done })
		}
	}
	return engineOutcome(cc.out)
}

// childRequest is the child workflow that runs c.
func (r *Runtime) childRequest(c *engine.ChildExecution) ChildRequest {
	opts := r.opts
	opts.Calls = nil
	if opts.Seed != 0 {
		// A fixed seed (tests): each child's is its own.
		h := fnv.New64a()
		_, _ = h.Write([]byte(c.ExecutionName))
		if opts.Seed ^= int64(h.Sum64() >> 1); opts.Seed == 0 {
			opts.Seed = 1
		}
	}
	limit := c.MaxHistoryEvents
	if limit == 0 {
		limit = -1
	}
	return ChildRequest{
		WorkflowID: workflow.GetInfo(r.root).WorkflowExecution.ID + "/" + c.ExecutionName,
		Execution: ExecutionInput{
			Definition:       string(c.Definition),
			Input:            value.Encode(c.Input),
			ExecutionName:    c.ExecutionName,
			StateMachineName: c.StateMachineName,
			Region:           c.Region,
			AccountID:        c.AccountID,
			RoleArn:          c.RoleArn,
			Type:             c.Type,
			ExecutionArn:     c.ExecutionArn,
			StartTime:        c.StartTime,
			PayloadLimit:     c.PayloadLimit,
			MaxHistoryEvents: limit,
			RedriveCount:     c.RedriveCount,
			Runtime:          opts,
		},
	}
}

// childOptions are the options of the child workflow of req: it runs on
// the task queue of its tasks, a cancellation waits for it to end, and it
// is cancelled if its parent closes first.
func childOptions(req *ChildRequest) workflow.ChildWorkflowOptions {
	return workflow.ChildWorkflowOptions{
		WorkflowID:          req.WorkflowID,
		TaskQueue:           req.Execution.Runtime.TaskQueue,
		WaitForCancellation: true,
		ParentClosePolicy:   enumspb.PARENT_CLOSE_POLICY_REQUEST_CANCEL,
		StaticSummary:       "child execution " + req.Execution.ExecutionName + " of " + req.Execution.StateMachineName,
	}
}

// childDispatcher hands out pending child executions once every
// interpreter coroutine is blocked: few run as child workflows of the
// execution, started by their callers; many (or all, once the history is
// long) go into shard workflows.
func (r *Runtime) childDispatcher(ctx workflow.Context) {
	for {
		_ = workflow.Await(ctx, func() bool { return r.active == 0 && r.childStartable() })
		live := r.childPending[:0:0]
		var gated []*childCall
		for _, c := range r.childPending {
			switch {
			case c.abandon:
			case c.gate != nil:
				gated = append(gated, c)
			default:
				live = append(live, c)
			}
		}
		r.childPending = r.dispatchGated(gated)
		if len(live) == 0 {
			continue
		}
		if !r.sharding(len(live)) {
			for _, c := range live {
				c.direct, c.assigned = true, true
			}
			continue
		}
		size := r.shardSize()
		for start := 0; start < len(live); {
			end := shardEnd(live, start, size)
			r.startShard(live[start:end], nil)
			start = end
		}
		for _, c := range live {
			c.assigned = true
		}
	}
}

// shardEnd is where the shard that starts at calls[start] ends: after at
// most size calls and about childShardBytes of input.
func shardEnd(calls []*childCall, start, size int) int {
	k, _ := fitting(min(len(calls)-start, size), childShardBytes, func(i int) int { return calls[start+i].size })
	return start + k
}

// fitting returns how many of n things, from the first, fit in budget
// bytes (at least one when n > 0; size(i) is the size of thing i), and
// their size.
func fitting(n, budget int, size func(i int) int) (k, bytes int) {
	for k < n && (k == 0 || bytes+size(k) <= budget) {
		bytes += size(k)
		k++
	}
	return k, bytes
}

// gatedRuns groups pending gated calls by their gate, in the order of
// their first call.
func gatedRuns(calls []*childCall) (gates []*childGate, byGate map[*childGate][]*childCall) {
	byGate = map[*childGate][]*childCall{}
	for _, c := range calls {
		if c.gate == nil || c.abandon {
			continue
		}
		if _, ok := byGate[c.gate]; !ok {
			gates = append(gates, c.gate)
		}
		byGate[c.gate] = append(byGate[c.gate], c)
	}
	return gates, byGate
}

// childStartable reports whether the dispatcher has something to do: a
// pending call that is abandoned or not gated, or a gate that lets some
// of its pending calls start.
func (r *Runtime) childStartable() bool {
	gatedOnly := true
	for _, c := range r.childPending {
		if c.abandon || c.gate == nil {
			gatedOnly = false
			break
		}
	}
	if len(r.childPending) == 0 {
		return false
	}
	if !gatedOnly {
		return true
	}
	gates, byGate := gatedRuns(r.childPending)
	for _, g := range gates {
		if shard, n := r.gateAction(g, len(byGate[g])); shard || n > 0 {
			return true
		}
	}
	return false
}

// dispatchGated starts what the gates of the pending gated calls let
// start, a shard or direct child workflows, and returns the calls left
// pending, in order.
func (r *Runtime) dispatchGated(calls []*childCall) []*childCall {
	if len(calls) == 0 {
		return nil
	}
	gates, byGate := gatedRuns(calls)
	var held []*childCall
	for _, g := range gates {
		list := byGate[g]
		shard, n := r.gateAction(g, len(list))
		switch {
		case shard:
			n = shardEnd(list, 0, n)
			g.shard = true
			r.startShard(list[:n], g)
			for _, c := range list[:n] {
				c.assigned = true
			}
		case n > 0:
			for _, c := range list[:n] {
				c.direct, c.assigned = true, true
				g.direct++
			}
		}
		held = append(held, list[n:]...)
	}
	return held
}

// sharding reports whether n child executions pending together run in
// shard workflows.
func (r *Runtime) sharding(n int) bool {
	if t := r.shardThreshold(); t > 0 && n >= t {
		return true
	}
	return r.opts.HistoryBudget > 0 && workflow.GetInfo(r.root).GetCurrentHistoryLength() >= r.opts.HistoryBudget
}

// runChildDirect runs the child of c as a child workflow of the execution,
// in the caller's coroutine, and cancels it when ctx ends first.
func (r *Runtime) runChildDirect(ctx context.Context, c *childCall) ChildOutcome {
	cur := r.current
	cctx, cancel := workflow.WithCancel(cur)
	defer cancel()
	f := workflow.ExecuteChildWorkflow(workflow.WithChildOptions(cctx, childOptions(&c.req)), WorkflowName, c.req.Execution)
	r.wait(func() bool { return f.IsReady() || ctx.Err() != nil })
	if !f.IsReady() {
		cancel()
		r.wait(f.IsReady)
	}
	return childWorkflowResult(cur, f)
}

// startShard runs calls in one shard workflow, whose ID is the execution's
// workflow ID, "/shard/" and its first child's name, and hands each call
// its outcome when the shard ends. Its watcher cancels the shard once
// every call is abandoned, or asks it to cancel the children of the
// abandoned ones when only some are.
func (r *Runtime) startShard(calls []*childCall, gate *childGate) {
	in := ChildShardInput{Children: make([]ChildRequest, len(calls))}
	if gate != nil {
		in.Concurrency = gate.limit
	}
	for i, c := range calls {
		in.Children[i] = c.req
	}
	first := calls[0].req.Execution
	id := workflow.GetInfo(r.root).WorkflowExecution.ID + "/shard/" + first.ExecutionName
	sctx, cancel := workflow.WithCancel(r.base)
	sctx = workflow.WithChildOptions(sctx, workflow.ChildWorkflowOptions{
		WorkflowID:          id,
		TaskQueue:           first.Runtime.TaskQueue,
		WaitForCancellation: true,
		ParentClosePolicy:   enumspb.PARENT_CLOSE_POLICY_REQUEST_CANCEL,
		StaticSummary:       fmt.Sprintf("%d child executions of %s", len(calls), first.StateMachineName),
	})
	f := workflow.ExecuteChildWorkflow(sctx, ChildShardWorkflowName, in)
	started := f.GetChildWorkflowExecution()
	if r.shards == nil {
		r.shards = map[string][]*childCall{}
		workflow.Go(r.base, r.receiveFailures)
	}
	r.shards[id] = calls
	workflow.Go(r.base, func(ctx workflow.Context) {
		cancelled := false
		toCancel := func() (all bool, ids []string) {
			all = true
			for _, c := range calls {
				if c.done {
					continue
				}
				if !c.abandon {
					all = false
				} else if !c.signalled {
					ids = append(ids, c.req.WorkflowID)
				}
			}
			return all, ids
		}
		for {
			_ = workflow.Await(ctx, func() bool {
				if f.IsReady() {
					return true
				}
				if cancelled || r.active != 0 {
					return false
				}
				all, ids := toCancel()
				return all || len(ids) > 0 && started.IsReady()
			})
			if f.IsReady() {
				break
			}
			all, ids := toCancel()
			if all {
				cancel()
				cancelled = true
				continue
			}
			for _, c := range calls {
				if c.abandon && !c.done {
					c.signalled = true
				}
			}
			_ = workflow.SignalExternalWorkflow(ctx, id, "", cancelChildrenSignal, ids).Get(ctx, nil)
		}
		var out []ChildOutcome
		err := f.Get(ctx, &out)
		if err == nil {
			// The outcomes the shard's result leaves out reached the
			// execution by signals sent before the shard ended, which
			// receiveFailures may not have handed out yet.
			_ = workflow.Await(ctx, func() bool {
				for i, c := range calls {
					if i < len(out) && out[i].Reported && !c.done {
						return false
					}
				}
				return true
			})
		}
		delete(r.shards, id)
		if gate != nil {
			gate.shard = false
		}
		for i, c := range calls {
			switch {
			case c.done: // reported by a ChildFailures signal
			case err != nil:
				c.out = ChildOutcome{Status: engine.StatusFailed, Error: fault.Runtime, Cause: "child shard workflow " + id + ": " + err.Error()}
			case i < len(out):
				c.out = out[i]
			default:
				c.out = ChildOutcome{Status: engine.StatusFailed, Error: fault.Runtime, Cause: "child shard workflow " + id + " returned too few outcomes"}
			}
			c.done = true
		}
	})
}

// receiveFailures hands the children that ChildFailures signals report
// their outcomes.
func (r *Runtime) receiveFailures(ctx workflow.Context) {
	ch := workflow.GetSignalChannel(ctx, childFailuresSignal)
	for {
		var s ChildFailures
		ch.Receive(ctx, &s)
		calls := r.shards[s.Shard]
		for k, i := range s.Index {
			if i >= 0 && i < len(calls) && k < len(s.Outcomes) && !calls[i].done {
				calls[i].out, calls[i].done = s.Outcomes[k], true
			}
		}
	}
}

// ChildShardWorkflow runs the child executions of its input as child
// workflows (ExecutionWorkflow), all at once or Concurrency at a time, and
// returns their outcomes in order. It is registered as
// ChildShardWorkflowName. Cancelling it cancels them all; the signal
// cancelChildrenSignal (a list of workflow IDs) cancels some. Children
// that fail are reported to the parent as they fail (ChildFailures), at
// most one signal every failureReportInterval. So that its result stays
// far below Temporal's limit of a payload, the outcomes past the first
// shardResultBytes are reported too, as the children end, and the result
// leaves out every outcome the parent has received (Reported).
func ChildShardWorkflow(ctx workflow.Context, in ChildShardInput) ([]ChildOutcome, error) {
	out := make([]ChildOutcome, len(in.Children))
	left := len(in.Children)
	dctx, _ := workflow.NewDisconnectedContext(ctx)
	info := workflow.GetInfo(ctx)
	parent := info.ParentWorkflowExecution
	small := workflow.GetVersion(ctx, shardOutcomesVersion, workflow.DefaultVersion, 1) == 1 && parent != nil
	var (
		report   []int // ended children not reported yet: failed, or past the result's budget
		kept     int   // bytes of the outcomes kept for the result
		sending  bool  // a signal is on its way
		reported = make([]bool, len(in.Children))
	)
	if parent != nil {
		workflow.Go(dctx, func(c workflow.Context) {
			for {
				_ = workflow.Await(c, func() bool { return len(report) > 0 })
				s := ChildFailures{Shard: info.WorkflowExecution.ID}
				if small {
					n, _ := fitting(len(report), shardSignalBytes, func(i int) int { return out[report[i]].size() })
					s.Index = append([]int(nil), report[:n]...)
					report = report[n:]
				} else {
					s.Index, report = report, nil
				}
				for _, i := range s.Index {
					s.Outcomes = append(s.Outcomes, out[i])
				}
				sending = true
				err := workflow.SignalExternalWorkflow(c, parent.ID, parent.RunID, childFailuresSignal, s).Get(c, nil)
				sending = false
				if small && err == nil {
					for _, i := range s.Index {
						reported[i] = true
					}
				}
				if !small || len(report) == 0 {
					_ = workflow.Sleep(c, failureReportInterval)
				}
			}
		})
	}
	cancels := make(map[string]workflow.CancelFunc, len(in.Children))
	running := 0
	stops := make([]time.Time, len(in.Children)) // when each ended (QueryShardProgress)
	_ = workflow.SetQueryHandler(ctx, QueryShardProgress, func() (ShardProgress, error) { return shardProgress(in.Children, out, cancels, stops), nil })
	start := func(i int) {
		req := &in.Children[i]
		cctx, cancel := workflow.WithCancel(ctx)
		cancels[req.WorkflowID] = cancel
		f := workflow.ExecuteChildWorkflow(workflow.WithChildOptions(cctx, childOptions(req)), WorkflowName, req.Execution)
		running++
		workflow.Go(dctx, func(c workflow.Context) {
			out[i] = childWorkflowResult(c, f)
			stops[i] = workflow.Now(c)
			switch st := out[i].Status; {
			case st == engine.StatusFailed || st == engine.StatusTimedOut:
				report = append(report, i)
			case small && kept+out[i].size() > shardResultBytes:
				report = append(report, i)
			case small:
				kept += out[i].size()
			}
			running--
			left--
		})
	}
	if in.Concurrency <= 0 {
		for i := range in.Children {
			start(i)
		}
	}
	skip := map[string]bool{} // cancelled before they started
	signals := workflow.GetSignalChannel(ctx, cancelChildrenSignal)
	workflow.Go(dctx, func(c workflow.Context) {
		for {
			var ids []string
			signals.Receive(c, &ids)
			for _, id := range ids {
				if cancel := cancels[id]; cancel != nil {
					cancel()
				} else {
					skip[id] = true
				}
			}
		}
	})
	if in.Concurrency > 0 {
		// In order, Concurrency at a time (UpdateMapRun changes it).
		workflow.Go(dctx, func(c workflow.Context) { followConcurrency(c, &in.Concurrency) })
		workflow.Go(dctx, func(c workflow.Context) {
			for i := range in.Children {
				_ = workflow.Await(c, func() bool { return running < in.Concurrency || ctx.Err() != nil })
				if ctx.Err() != nil || skip[in.Children[i].WorkflowID] {
					out[i] = ChildOutcome{Status: engine.ChildNotStarted}
					left--
					continue
				}
				start(i)
			}
		})
	}
	if !small {
		_ = workflow.Await(dctx, func() bool { return left == 0 })
		return out, nil
	}
	// Every report goes before the shard ends (a signal that fails leaves
	// its outcomes in the result).
	_ = workflow.Await(dctx, func() bool { return left == 0 && len(report) == 0 && !sending })
	for i := range out {
		if reported[i] {
			out[i] = ChildOutcome{Reported: true}
		}
	}
	return out, nil
}

// childWorkflowResult reads the outcome of an ended ExecutionWorkflow child.
func childWorkflowResult(ctx workflow.Context, f workflow.ChildWorkflowFuture) ChildOutcome {
	var res ExecutionResult
	err := f.Get(ctx, &res)
	if err == nil {
		return ChildOutcome{Status: res.Status, Output: res.Output, Error: res.Error, Cause: res.Cause}
	}
	if er, ok := ResultFromError(err); ok {
		return ChildOutcome{Status: er.Status, Output: er.Output, Error: er.Error, Cause: er.Cause}
	}
	return ChildOutcome{Status: engine.StatusFailed, Error: fault.Runtime, Cause: "child workflow: " + err.Error()}
}

// engineOutcome is the engine's form of a child's outcome.
func engineOutcome(r ChildOutcome) engine.ChildOutcome {
	o := engine.ChildOutcome{Status: r.Status, Error: r.Error, Cause: r.Cause}
	if r.Status != engine.StatusSucceeded {
		return o
	}
	if len(r.Output) == 0 {
		o.Output = nil
		return o
	}
	v, err := value.Decode(r.Output)
	if err != nil {
		return engine.ChildOutcome{Status: engine.StatusFailed, Error: fault.Runtime, Cause: fmt.Sprintf("the child's output: %v", err)}
	}
	o.Output = v
	return o
}
