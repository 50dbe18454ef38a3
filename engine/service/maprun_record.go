package service

import (
	"context"
	"encoding/json"
	"sync"
	"time"

	"github.com/stepwise/stepwise/asl/value"
	"github.com/stepwise/stepwise/engine"
	"github.com/stepwise/stepwise/engine/history"
	"github.com/stepwise/stepwise/engine/service/store"
)

// This file records the map runs of a run's Distributed Maps and their
// child executions in the store (engine.Options.MapRuns), and keeps the
// running ones in memory for DescribeMapRun and UpdateMapRun.

// mapRunTally is what the store keeps as a map run's counts, with the
// settings UpdateMapRun changed (a run taken up after a restart or a
// redrive goes on with them).
type mapRunTally struct {
	Items      engine.MapRunCounts  `json:"items"`
	Executions engine.MapRunCounts  `json:"executions"`
	Updated    *engine.MapRunUpdate `json:"updated,omitempty"`
}

// closeUnrun counts what an ended map run left pending or running (a
// restart interrupted it, or it stopped early) as aborted.
func (t *mapRunTally) closeUnrun() {
	t.Items.CloseUnrun()
	t.Executions.CloseUnrun()
}

// liveMapRun is a map run going on in this process.
type liveMapRun struct {
	mu    sync.Mutex
	rec   store.MapRun
	tally mapRunTally
	ctl   *engine.MapRunControl
	// itemsKnown: the items were counted at the start (Items.Total), and
	// a child's move from pending to running.
	itemsKnown bool
	children   map[*engine.MapRunChild]int64 // running children → their execution ids
}

// snapshot returns the map run as it is now, counts encoded.
func (m *liveMapRun) snapshot() (store.MapRun, mapRunTally) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.rec, m.tally
}

// save queues the map run's write (m.mu held).
func (m *liveMapRun) saveLocked(st store.Store) {
	b, _ := json.Marshal(&m.tally)
	m.rec.Counts = string(b)
	st.PutMapRun(&m.rec)
}

// mapRunRecorder is a run's engine.MapRunObserver. Its methods are
// called on the run's interpreter goroutine, one at a time.
type mapRunRecorder struct {
	r    *run
	runs map[*engine.MapRunInfo]*liveMapRun // the run's map runs going on
	// redriveCP is, for each running child, its last checkpoint taken
	// before a state was entered: where a redrive enters again.
	redriveCP map[*engine.MapRunChild][]byte
}

var _ engine.MapRunObserver = (*mapRunRecorder)(nil)

func newMapRunRecorder(r *run) *mapRunRecorder {
	return &mapRunRecorder{r: r, runs: map[*engine.MapRunInfo]*liveMapRun{}, redriveCP: map[*engine.MapRunChild][]byte{}}
}

// live returns the live map run of info (nil once it ended).
func (o *mapRunRecorder) live(info *engine.MapRunInfo) *liveMapRun { return o.runs[info] }

// MapRunStarted records a new map run.
func (o *mapRunRecorder) MapRunStarted(info *engine.MapRunInfo) {
	if o.r.detached.Load() {
		return
	}
	s := o.r.s
	m := &liveMapRun{ctl: info.Control, children: map[*engine.MapRunChild]int64{}, rec: store.MapRun{
		Arn: info.Arn, ExecutionArn: info.ExecutionArn, StateMachineArn: info.StateMachineArn, StateName: info.StateName,
		Status: engine.StatusRunning, Start: info.Start.UTC(), MaxConcurrency: info.MaxConcurrency,
		ToleratedFailureCount: info.ToleratedFailureCount, ToleratedFailurePercentage: info.ToleratedFailurePercentage,
	}}
	if info.Prior != nil {
		m = o.takeUp(info)
	} else if info.Items >= 0 {
		// Items known from the start wait as pending until their child runs.
		m.itemsKnown = true
		m.tally.Items.Total, m.tally.Items.Pending = int64(info.Items), int64(info.Items)
	}
	m.mu.Lock()
	m.saveLocked(s.store)
	m.mu.Unlock()
	o.runs[info] = m
	s.mu.Lock()
	s.mapRuns[info.Arn] = m
	s.mu.Unlock()
}

// ChildStarted records a new child execution.
func (o *mapRunRecorder) ChildStarted(info *engine.MapRunInfo, c *engine.MapRunChild) {
	m := o.live(info)
	if m == nil || o.r.detached.Load() {
		return
	}
	var id int64
	if c.Prior != nil {
		id = o.restartChild(c)
		if cp := c.Prior.Redrive; cp != nil {
			// Until the child enters a state again.
			if data, err := cp.MarshalJSON(); err == nil {
				o.redriveCP[c] = data
			}
		}
	} else {
		ex := &store.Execution{Arn: c.Arn, StateMachineArn: info.StateMachineArn, Name: c.Name, RevisionID: o.r.ex.RevisionID,
			Status: engine.StatusRunning, Input: value.EncodeString(c.Input), StartDate: c.Start.UTC()}
		o.r.s.store.QueueChildExecution(ex, info.Arn, c.Index, c.Items)
		id = ex.ID
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.children[c] = id
	n := int64(c.Items)
	if m.itemsKnown {
		m.tally.Items.Pending -= n
	} else {
		m.tally.Items.Total += n
	}
	m.tally.Items.Running += n
	m.tally.Executions.Total++
	m.tally.Executions.Running++
	m.saveLocked(o.r.s.store)
}

// childID returns the execution id of a running child (0: unknown).
func (m *liveMapRun) childID(c *engine.MapRunChild) int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.children[c]
}

// recordedChild returns the execution id of the running child c of the
// map run info, to record to; 0 when it is not recorded (an unknown run,
// a detached recorder, or a child not started or already ended).
func (o *mapRunRecorder) recordedChild(info *engine.MapRunInfo, c *engine.MapRunChild) int64 {
	m := o.live(info)
	if m == nil || o.r.detached.Load() {
		return 0
	}
	return m.childID(c)
}

// ChildEvent records an event of a child's history.
func (o *mapRunRecorder) ChildEvent(info *engine.MapRunInfo, c *engine.MapRunChild, ev history.Event) {
	id := o.recordedChild(info, c)
	if id == 0 {
		return
	}
	data, err := ev.MarshalJSON()
	if err != nil {
		o.r.s.log.Error("encoding a history event", "execution", c.Arn, "event", ev.ID, "error", err)
		return
	}
	o.r.s.store.AppendEvent(id, store.Event{ID: ev.ID, Type: ev.Type, JSON: data})
}

// ChildCheckpoint records where a child execution stands, as an
// execution's checkpoint is (run.onCheckpoint): where a restart goes on
// with it, and where a redrive enters again.
func (o *mapRunRecorder) ChildCheckpoint(info *engine.MapRunInfo, c *engine.MapRunChild, cp *engine.Checkpoint) {
	id := o.recordedChild(info, c)
	if id == 0 {
		return
	}
	data, err := cp.MarshalJSON()
	if err != nil {
		o.r.s.log.Error("encoding a checkpoint", "execution", c.Arn, "error", err)
		return
	}
	if !cp.Entered {
		o.redriveCP[c] = data
	}
	d := durable{Resume: data, Redrive: o.redriveCP[c]}
	o.r.s.store.SaveCheckpoint(id, d.encode())
}

// ChildEnded records how a child execution ended.
func (o *mapRunRecorder) ChildEnded(info *engine.MapRunInfo, c *engine.MapRunChild) {
	delete(o.redriveCP, c)
	m := o.live(info)
	if m == nil || o.r.detached.Load() {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	id := m.children[c]
	if id == 0 {
		return
	}
	delete(m.children, c)
	f := store.Finish{Status: c.Status, Error: c.Error, Cause: c.Cause, StopDate: c.Stop.UTC()}
	if c.Status == engine.StatusSucceeded {
		f.Output = value.EncodeString(c.Output)
	}
	o.r.s.store.QueueFinish(id, f)
	m.tally.Items.End(c.Status, int64(c.Items))
	m.tally.Executions.End(c.Status, 1)
	m.saveLocked(o.r.s.store)
}

// MapRunEnded records the end of a map run and forgets it.
func (o *mapRunRecorder) MapRunEnded(info *engine.MapRunInfo, status, _, _ string, stop time.Time) {
	s := o.r.s
	m := o.runs[info]
	delete(o.runs, info)
	s.mu.Lock()
	delete(s.mapRuns, info.Arn)
	s.mu.Unlock()
	if m == nil || o.r.detached.Load() {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if info.Prior != nil {
		// Children of the run taken up that did not run again.
		s.store.QueueAbortChildren(info.Arn, stop.UTC())
	}
	m.rec.Status, m.rec.Stop = status, stop.UTC()
	m.tally.closeUnrun()
	// The results of the succeeded children are written (in the Map's
	// output, or by its ResultWriter) once the run ends.
	m.tally.Items.ResultsWritten = m.tally.Items.Succeeded
	m.tally.Executions.ResultsWritten = m.tally.Executions.Succeeded
	m.saveLocked(s.store)
}

// liveChild returns the running child execution arn of a map run going
// on in this process, and its map run (nil, nil when there is none).
func (s *Service) liveChild(arn string) (*liveMapRun, *engine.MapRunChild) {
	s.mu.Lock()
	runs := make([]*liveMapRun, 0, len(s.mapRuns))
	for _, m := range s.mapRuns {
		runs = append(runs, m)
	}
	s.mu.Unlock()
	for _, m := range runs {
		m.mu.Lock()
		for c := range m.children {
			if c.Arn == arn {
				m.mu.Unlock()
				return m, c
			}
		}
		m.mu.Unlock()
	}
	return nil, nil
}

// stopChild stops a running child execution of a map run and waits until
// its end is recorded; ok is false when no such child runs here.
func (s *Service) stopChild(ctx context.Context, arn, errorName, cause string) (stop time.Time, ok bool, err error) {
	m, c := s.liveChild(arn)
	if c == nil {
		return time.Time{}, false, nil
	}
	c.Abort(errorName, cause)
	for m.childID(c) != 0 {
		select {
		case <-ctx.Done():
			return time.Time{}, true, ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
	}
	if err := s.store.Flush(ctx); err != nil {
		return time.Time{}, true, err
	}
	return c.Stop, true, nil
}
