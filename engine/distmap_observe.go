package engine

import (
	"context"
	"errors"

	"github.com/stepwise/stepwise/asl/fault"
	"github.com/stepwise/stepwise/engine/history"
)

// This file tells Options.MapRuns about a map run (distmap_run.go) and
// its children, gives each child a history of its own, and applies the
// settings UpdateMapRun changes while the run goes on.

// observeStart tells the observer that the run began, and makes its
// control.
func (r *mapRun) observeStart() {
	obs := r.ex.opts.MapRuns
	if obs == nil {
		return
	}
	ex, cfg := r.ex, r.cfg
	r.ctl = &MapRunControl{limit: cfg.limit, n: cfg.toleratedN, p: cfg.toleratedP, hasN: cfg.hasN, hasP: cfg.hasP}
	r.info = &MapRunInfo{
		Arn:                        r.arn,
		ExecutionArn:               ex.execArn,
		StateMachineArn:            ex.smArn + "/" + r.label,
		StateName:                  r.s.Name,
		Start:                      ex.rt.Now(),
		MaxConcurrency:             cfg.limit,
		ToleratedFailureCount:      cfg.toleratedN,
		ToleratedFailurePercentage: cfg.toleratedP,
		Control:                    r.ctl,
		Items:                      -1,
	}
	if r.sc.plan().reader == nil {
		r.info.Items = len(cfg.items)
	}
	if r.prior != nil {
		r.info.Prior, r.info.Redrive, r.info.RedriveCount = r.prior, r.redrive, r.redriveCount
	}
	if l := r.sc.th.log; l != nil {
		// A Distributed Map inside a child execution: the child is the
		// map run's execution.
		r.info.ExecutionArn = l.arn()
	}
	if so, ok := obs.(MapRunSummaryObserver); ok && so.SummaryOnly() {
		r.summary = true
	}
	obs.MapRunStarted(r.info)
}

// observeEnd tells the observer how the run ended.
func (r *mapRun) observeEnd(status string, err error) {
	if r.info == nil {
		return
	}
	var name, cause string
	var se *stateError
	if status == StatusFailed && errors.As(err, &se) {
		name, cause = se.name, se.cause
	}
	r.ex.opts.MapRuns.MapRunEnded(r.info, status, name, cause, r.ex.rt.Now())
}

// applyControl takes the settings UpdateMapRun changed since it last ran.
func (r *mapRun) applyControl() {
	c := r.ctl
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.version == r.ctlVersion {
		return
	}
	r.ctlVersion = c.version
	r.limit = c.limit
	if r.limit <= 0 {
		r.limit = defaultDistributedConcurrency
	}
	r.cfg.toleratedN, r.cfg.hasN = c.n, c.hasN
	r.cfg.toleratedP, r.cfg.hasP = c.p, c.hasP
}

// waitContext returns the context the run waits for its children with:
// ctx without its cancellation (children end first), which an update of
// the settings also ends, so that the run starts more children at once.
// done releases it.
func (r *mapRun) waitContext(ctx context.Context) (wctx context.Context, done func()) {
	c := r.ctl
	if c == nil {
		return context.WithoutCancel(ctx), func() {}
	}
	wctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	c.mu.Lock()
	c.wake = cancel
	changed := c.version != r.ctlVersion
	c.mu.Unlock()
	if changed {
		cancel()
	}
	return wctx, func() {
		c.mu.Lock()
		c.wake = nil
		c.mu.Unlock()
		cancel()
	}
}

// childArn returns the ARN of the child execution named name.
func (r *mapRun) childArn(name string) string {
	ex := r.ex
	return "arn:aws:states:" + ex.opts.Region + ":" + ex.opts.AccountID + ":execution:" + ex.opts.StateMachineName + "/" + r.label + ":" + name
}

// observeChild starts the history of the child execution l on th, its
// thread, and tells the observer; nil without an observer.
func (r *mapRun) observeChild(th *thread, l *childLog, i, count int) *MapRunChild {
	if r.info == nil {
		return nil
	}
	if r.summary {
		return r.observeBrief(l, i, count)
	}
	ex := r.ex
	c := &MapRunChild{
		Arn: l.arn(), Name: l.execName(), Items: count, Input: l.input, Start: l.start,
		Index: i, Prior: r.priorChild(i), RedriveCount: l.redriveCount,
	}
	l.child = c
	ex.opts.MapRuns.ChildStarted(r.info, c)
	r.beginChildHistory(th, l)
	return c
}

// observeChildEnd records how a child ended (err and out are what its
// graph returned, ctx its context) and tells the observer. It is called
// before the run counts the child's failure.
func (r *mapRun) observeChildEnd(ctx context.Context, th *thread, c *MapRunChild, out any, err error) {
	if c == nil {
		return
	}
	if r.summary {
		r.observeBriefEnd(ctx, th.log, c, out, err)
		return
	}
	th.log.closing = true
	ex := r.ex
	c.Stop = ex.rt.Now()
	switch {
	case err == nil && ctx.Err() == nil:
		c.Status, c.Output = StatusSucceeded, out
		ex.emitAt(th, "ExecutionSucceeded", &history.ExecutionSucceededEventDetails{Output: history.Payload{Value: out}}, c.Stop)
	case err == nil || isAbort(err) || r.stop:
		c.Status = StatusAborted
		if ctx.Err() != nil {
			// Abort, if it was it, wrote these before it cancelled ctx.
			c.Error, c.Cause = c.abortError, c.abortCause
		}
		ex.emitAt(th, "ExecutionAborted", &history.ErrorDetails{Error: c.Error, Cause: c.Cause}, c.Stop)
	default:
		c.Status = StatusFailed
		var se *stateError
		if errors.As(err, &se) {
			c.Error, c.Cause = se.name, se.cause
		} else {
			c.Error, c.Cause = fault.Runtime, err.Error()
		}
		ex.emitAt(th, "ExecutionFailed", &history.ErrorDetails{Error: c.Error, Cause: c.Cause}, c.Stop)
	}
	ex.opts.MapRuns.ChildEnded(r.info, c)
}

// observeBrief tells a MapRunSummaryObserver that the child l started
// (its number i, on count items). The child is not observed: it runs as
// without an observer, and is not named here, as naming draws on the
// runtime's randomness (runChild names it).
func (r *mapRun) observeBrief(l *childLog, i, count int) *MapRunChild {
	c := &MapRunChild{Items: count, Input: l.input, Start: l.start, Index: i, RedriveCount: l.redriveCount}
	l.brief = c
	r.ex.opts.MapRuns.ChildStarted(r.info, c)
	return c
}

// observeBriefEnd tells a MapRunSummaryObserver how the child c (its log
// l) ended, as the run counts it, without recording events of it.
func (r *mapRun) observeBriefEnd(ctx context.Context, l *childLog, c *MapRunChild, out any, err error) {
	ex := r.ex
	c.Stop = ex.rt.Now()
	if l.name != "" {
		c.Name, c.Arn = l.name, l.arn()
	}
	var se *stateError
	switch {
	case err == errChildNotStarted:
		c.Status = ChildNotStarted
	case err == nil && (ctx.Err() == nil || l.succeeded):
		c.Status, c.Output = StatusSucceeded, out
	case err == nil || isAbort(err) || r.stop:
		c.Status = StatusAborted
	case errors.As(err, &se):
		c.Status, c.Error, c.Cause = StatusFailed, se.name, se.cause
	default:
		c.Status, c.Error, c.Cause = StatusFailed, fault.Runtime, err.Error()
	}
	ex.opts.MapRuns.ChildEnded(r.info, c)
}

// plan returns the Map's distributed plan: its own or, for a Distributed
// Map without an ItemReader, ItemBatcher or ResultWriter whose map run is
// observed (runMap sends it here), an empty one: its items are the state
// input's.
func (sc *stateRun) plan() *distPlan {
	if sc.n.dist != nil {
		return sc.n.dist
	}
	return &distPlan{}
}
