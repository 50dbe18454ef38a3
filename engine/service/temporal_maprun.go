package service

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"go.temporal.io/api/serviceerror"

	"github.com/stepwise/stepwise/engine"
	"github.com/stepwise/stepwise/engine/history"
	"github.com/stepwise/stepwise/engine/runtime/temporal"
	"github.com/stepwise/stepwise/engine/service/store"
)

// This file answers the Map Run API on the Temporal backend. The
// execution's workflow keeps its map runs (temporal.QueryMapRuns,
// QueryMapRunChildren, UpdateMapRunSignal); the service records each map
// run in its store when the history copy sees its MapRunStarted event (so
// that ListMapRuns lists it and DescribeMapRun finds its execution), and
// again with the workflow's counts whenever the copy sees a map run end
// and once the execution ended. DescribeMapRun of a running map run asks
// the workflow, and UpdateMapRun updates it (temporal.UpdateMapRun);
// ListExecutions of a map run's children asks the workflow, a page at a
// time, running or closed.

// mapRunCopy records the map runs of one execution as its history copy
// sees them (mapRunCopy.onEvent wraps the run's OnEvent).
type mapRunCopy struct {
	t     *Temporal
	key   string // the workflow ID: the execution ARN
	next  func(history.Event)
	mu    sync.Mutex
	ids   map[string]int64 // the store ids of the map runs recorded
	dirty bool             // a map run started or ended since the last sync
	// from is how many of the workflow's map runs, oldest first, ended
	// and were recorded so: sync asks for those after them.
	from int
}

// syncPage is how many map runs sync asks the workflow for at once.
const syncPage = 500

// newMapRunCopy wraps the run's OnEvent; nil for a run whose map runs
// are not recorded (EXPRESS).
func (t *Temporal) newMapRunCopy(run *Run) *mapRunCopy {
	if run.Options.Type != engine.TypeStandard {
		return nil
	}
	return &mapRunCopy{t: t, key: run.Key, next: run.Options.OnEvent, ids: map[string]int64{}}
}

// onEvent records a map run when its MapRunStarted event is copied, before
// the event is: whoever reads the event finds the map run.
func (m *mapRunCopy) onEvent(ev history.Event) {
	switch ev.Type {
	case "MapRunStarted":
		m.started(ev)
	case "MapRunSucceeded", "MapRunFailed", "MapRunAborted":
		m.mu.Lock()
		m.dirty = true
		m.mu.Unlock()
	}
	if m.next != nil {
		m.next(ev)
	}
}

// started records the map run of a MapRunStarted event, RUNNING, unless
// the store has it (a copy again after a restart of the service).
func (m *mapRunCopy) started(ev history.Event) {
	s := m.t.service(context.Background())
	if s == nil {
		return
	}
	var d history.MapRunStartedEventDetails
	raw, _ := ev.Details.(json.RawMessage)
	if err := json.Unmarshal(raw, &d); err != nil || d.MapRunArn == "" {
		s.log.Error("reading a MapRunStarted event", "execution", m.key, "event", ev.ID, "error", err)
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.dirty = true
	if _, ok := m.ids[d.MapRunArn]; ok {
		return
	}
	if rec, err := s.store.GetMapRun(context.Background(), d.MapRunArn); err == nil {
		m.ids[d.MapRunArn] = rec.ID
		return
	}
	rec := &store.MapRun{Arn: d.MapRunArn, ExecutionArn: m.key, StateMachineArn: mapRunMachineArn(d.MapRunArn),
		Status: engine.StatusRunning, Start: ev.Timestamp.UTC(), Counts: "{}"}
	s.store.PutMapRun(rec)
	m.ids[d.MapRunArn] = rec.ID
}

// sync records the map runs as the workflow has them, when one started or
// ended since the last sync (or, with force, when the execution ended and
// had any): those after the ones recorded ended, a page at a time.
func (m *mapRunCopy) sync(ctx context.Context, force bool) error {
	if m == nil {
		return nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.dirty && !(force && len(m.ids) > 0) {
		return nil
	}
	s := m.t.service(ctx)
	if s == nil {
		return nil
	}
	from, leading := m.from, true
	for offset := m.from; ; {
		states, err := temporal.MapRuns(ctx, m.t.Client, m.key, temporal.MapRunsRequest{From: offset, Limit: syncPage})
		if err != nil {
			return err // dirty still: asked again next time
		}
		for i := range states {
			rec := mapRunRecord(&states[i])
			rec.ID = m.ids[rec.Arn]
			if rec.ID == 0 {
				if old, err := s.store.GetMapRun(ctx, rec.Arn); err == nil {
					rec.ID = old.ID
				}
			}
			s.store.PutMapRun(rec)
			m.ids[rec.Arn] = rec.ID
			if leading = leading && rec.Status != engine.StatusRunning; leading {
				from = offset + i + 1
			}
		}
		offset += len(states)
		if len(states) < syncPage {
			break
		}
	}
	m.from, m.dirty = from, false
	return nil
}

// mapRunRecord is the store's record of a map run as the workflow has it.
func mapRunRecord(st *temporal.MapRunState) *store.MapRun {
	tally := mapRunTallyOf(st)
	b, _ := json.Marshal(&tally)
	return &store.MapRun{Arn: st.Arn, ExecutionArn: st.ExecutionArn, StateMachineArn: st.StateMachineArn, StateName: st.StateName,
		Status: st.Status, Start: st.Start.UTC(), Stop: st.Stop.UTC(), MaxConcurrency: st.MaxConcurrency,
		ToleratedFailureCount: st.ToleratedFailureCount, ToleratedFailurePercentage: st.ToleratedFailurePercentage,
		Counts: string(b), RedriveCount: st.RedriveCount}
}

// mapRunTallyOf is the service's form of a map run's counts.
func mapRunTallyOf(st *temporal.MapRunState) mapRunTally {
	return mapRunTally{Items: st.Items, Executions: st.Executions}
}

// mapRunMachineArn is the children's state machine ARN of a map run ARN
// (arn:aws:states:R:A:mapRun:MACHINE/LABEL:ID → …:stateMachine:MACHINE/LABEL).
func mapRunMachineArn(arn string) string {
	parts := strings.Split(arn, ":")
	if len(parts) != 8 || parts[5] != arnMapRun {
		return ""
	}
	return strings.Join(parts[:5], ":") + ":stateMachine:" + parts[6]
}

// liveTemporalMapRun returns a RUNNING map run rec as its workflow has it
// now; rec as stored when the workflow cannot say.
func (s *Service) liveTemporalMapRun(ctx context.Context, t *Temporal, rec *store.MapRun) (store.MapRun, mapRunTally, error) {
	qctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	states, err := temporal.MapRuns(qctx, t.Client, rec.ExecutionArn, temporal.MapRunsRequest{Arn: rec.Arn})
	if err != nil {
		s.log.Debug("querying the map runs of an execution", "execution", rec.ExecutionArn, "error", err)
		tally, terr := storedTally(rec)
		return *rec, tally, terr
	}
	for i := range states {
		if states[i].Arn == rec.Arn {
			if err := temporal.RefineMapRun(qctx, t.Client, &states[i]); err != nil {
				s.log.Debug("asking the shards of a map run where its children stand", "mapRun", rec.Arn, "error", err)
			}
			live := mapRunRecord(&states[i])
			live.ID, live.RedriveDate = rec.ID, rec.RedriveDate
			return *live, mapRunTallyOf(&states[i]), nil
		}
	}
	tally, err := storedTally(rec)
	return *rec, tally, err
}

// storedTally reads the counts the store keeps of a map run.
func storedTally(rec *store.MapRun) (mapRunTally, error) {
	var tally mapRunTally
	if rec.Counts != "" {
		if err := json.Unmarshal([]byte(rec.Counts), &tally); err != nil {
			return mapRunTally{}, fmt.Errorf("service: the counts of map run %s: %w", rec.Arn, err)
		}
	}
	return tally, nil
}

// updateTemporalMapRun has a running map run's workflow apply new
// settings; a map run that ended meanwhile is refused as by the local
// backend.
func (s *Service) updateTemporalMapRun(ctx context.Context, t *Temporal, rec *store.MapRun, in *mapRunIn) error {
	qctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	err := temporal.UpdateMapRun(qctx, t.Client, rec.ExecutionArn, temporal.MapRunUpdate{MapRunArn: rec.Arn,
		MaxConcurrency: in.MaxConcurrency, ToleratedFailureCount: in.ToleratedFailureCount,
		ToleratedFailurePercentage: in.ToleratedFailurePercentage})
	var nr *temporal.NotRunningError
	if errors.As(err, &nr) {
		status := nr.Status
		if status == "" || status == engine.StatusRunning {
			status = engine.StatusAborted // the workflow does not know it (gone, or another run of it)
		}
		return apiErr(errValidation, "Map Run %s is %s: only a running map run can be updated", rec.Arn, status)
	}
	if err != nil {
		return fmt.Errorf("service: %w", err)
	}
	return nil
}

// mapRunChildPos reads a page position of a map run's children: the
// number of the last child listed, plus one.
func mapRunChildPos(pos string) (int, bool) {
	n, err := strconv.Atoi(pos)
	return n, err == nil && n > 0
}

// listTemporalMapRunExecutions is ListExecutions of a map run's children on
// the Temporal backend: a page of them from the workflow, newest first.
func (s *Service) listTemporalMapRunExecutions(ctx context.Context, t *Temporal, rec *store.MapRun, in *listExecutionsIn) (any, error) {
	kind := boundKind("mrex", in.MapRunArn)
	n, after, err := pageStart(s.pages, in.MaxResults, in.NextToken, kind, mapRunChildPos)
	if err != nil {
		return nil, err
	}
	req := temporal.MapRunChildrenRequest{MapRunArn: rec.Arn, Before: -1, Status: in.StatusFilter, Limit: n + 1}
	if after > 0 {
		req.Before = after - 1
	}
	qctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	children, err := temporal.MapRunChildren(qctx, t.Client, rec.ExecutionArn, req)
	var nf *serviceerror.NotFound
	if errors.As(err, &nf) {
		children = nil // the workflow is gone (Temporal's retention)
	} else if err != nil {
		return nil, fmt.Errorf("service: listing the children of map run %s: %w", rec.Arn, err)
	}
	out := &listExecutionsOut{Executions: []executionItem{}}
	children, out.NextToken = pageEnd(s.pages, children, n, kind, func(c temporal.MapRunChildState) string { return strconv.Itoa(c.Index + 1) })
	// Running children a shard holds: as the shard has them (a page may
	// then hold fewer than n).
	if children, err = temporal.RefineChildren(qctx, t.Client, children); err != nil {
		s.log.Debug("asking the shards of a map run where its children stand", "mapRun", rec.Arn, "error", err)
	}
	for _, c := range children {
		if in.StatusFilter != "" && c.Status != in.StatusFilter {
			continue
		}
		items := c.Items
		out.Executions = append(out.Executions, executionItem{ExecutionArn: c.Arn, StateMachineArn: rec.StateMachineArn, Name: c.Name,
			Status: c.Status, StartDate: ts(c.Start), StopDate: ts(c.Stop), MapRunArn: rec.Arn, ItemCount: &items})
	}
	return out, nil
}
