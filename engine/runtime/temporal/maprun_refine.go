package temporal

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/stepwise/stepwise/engine"
)

// This file refines, for a client, what the parent workflow of a running
// map run says of the children its shard workflows hold: each shard says
// where its own stand (QueryShardProgress) before it reports them to the
// parent.

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
		c *engine.MapRunCounts
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
			m.c.End(status, m.n)
		}
	}
}
