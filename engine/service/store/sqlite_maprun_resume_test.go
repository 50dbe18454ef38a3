package store_test

import (
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"github.com/stepwise/stepwise/engine/service/store"
)

// A map run reads back for a resume with its children by number, each
// with its history's size; a restarted child is RUNNING again with its
// history cut; AbortMapRuns keeps the map runs of the executions that
// resume; AbortMapRunsOf closes one execution's.
func TestMapRunReadBackForResume(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.db")
	s := open(t, path)
	defer s.Close()
	now := time.Now().UTC().Truncate(time.Microsecond)
	older := &store.MapRun{Arn: "arn:mr:old", ExecutionArn: "arn:ex:p", StateName: "M", Status: "SUCCEEDED", Start: now, Counts: `{}`}
	live := &store.MapRun{Arn: "arn:mr:live", ExecutionArn: "arn:ex:p", StateName: "M", Status: "RUNNING", Start: now, Counts: `{}`,
		RedriveCount: 2, RedriveDate: now}
	other := &store.MapRun{Arn: "arn:mr:other", ExecutionArn: "arn:ex:q", StateName: "M", Status: "RUNNING", Start: now, Counts: `{}`}
	for _, r := range []*store.MapRun{older, live, other} {
		s.PutMapRun(r)
	}
	var kids []*store.Execution
	for i := range 3 {
		ex := &store.Execution{Arn: "arn:ex:p/L:" + string(rune('a'+i)), StateMachineArn: "arn:sm:p/L", Name: string(rune('a' + i)),
			Status: "RUNNING", Input: `1`, StartDate: now}
		s.QueueChildExecution(ex, "arn:mr:live", i, 1)
		kids = append(kids, ex)
	}
	for id, typ := range []string{"ExecutionStarted", "PassStateEntered", "ExecutionFailed", "ExecutionRedriven", "PassStateEntered"} {
		s.AppendEvent(kids[1].ID, store.Event{ID: int64(id + 1), Type: typ, JSON: []byte(`{}`)})
	}
	s.QueueFinish(kids[0].ID, store.Finish{Status: "SUCCEEDED", Output: `{"x":1}`, StopDate: now})
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	got, err := s.LatestMapRun(ctx, "arn:ex:p", "M")
	if err != nil || got.Arn != "arn:mr:live" || got.RedriveCount != 2 || !got.RedriveDate.Equal(now) {
		t.Fatalf("LatestMapRun = %+v, %v", got, err)
	}
	children, err := s.MapRunChildren(ctx, "arn:mr:live")
	if err != nil || len(children) != 3 {
		t.Fatalf("MapRunChildren = %+v, %v", children, err)
	}
	if c := children[0]; c.Index != 0 || c.Status != "SUCCEEDED" || c.Output != `{"x":1}` || c.Events != 0 {
		t.Errorf("child 0 = %+v", c)
	}
	if c := children[1]; c.Index != 1 || c.Status != "RUNNING" || c.Events != 5 || c.LastRedriven != 4 {
		t.Errorf("child 1 = %+v (events %d, last redriven %d)", c.Execution, c.Events, c.LastRedriven)
	}
	s.QueueFinish(kids[2].ID, store.Finish{Status: "FAILED", Error: "E", StopDate: now})
	s.QueueRestartChild(kids[2].ID, 0, 1, now)
	s.QueueRestartChild(kids[1].ID, 4, 0, time.Time{})
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if ex, _ := s.GetExecution(ctx, kids[2].Arn); ex.Status != "RUNNING" || ex.Error != "" || ex.RedriveCount != 1 || !ex.RedriveDate.Equal(now) {
		t.Errorf("redriven child = %+v", ex)
	}
	if evs, _ := s.History(ctx, store.HistoryQuery{ExecutionID: kids[1].ID}); len(evs) != 4 {
		t.Errorf("restarted child kept %d events, want 4", len(evs))
	}
	if n, err := s.AbortMapRuns(ctx, now, []string{"arn:ex:p"}); err != nil || n != 1 {
		t.Fatalf("AbortMapRuns = %d, %v", n, err)
	}
	if r, _ := s.GetMapRun(ctx, "arn:mr:live"); r.Status != "RUNNING" {
		t.Errorf("the resuming execution's map run is %s", r.Status)
	}
	if r, _ := s.GetMapRun(ctx, "arn:mr:other"); r.Status != "ABORTED" {
		t.Errorf("another execution's map run is %s", r.Status)
	}
	if err := s.AbortMapRunsOf(ctx, "arn:ex:p", now); err != nil {
		t.Fatal(err)
	}
	if r, _ := s.GetMapRun(ctx, "arn:mr:live"); r.Status != "ABORTED" {
		t.Errorf("map run not taken up is %s", r.Status)
	}
	if ex, _ := s.GetExecution(ctx, kids[1].Arn); ex.Status != "ABORTED" {
		t.Errorf("its running child is %s", ex.Status)
	}
}

// A database of an earlier release gains the columns of redrives and
// child numbers; its children read back as number -1.
func TestMapRunSchemaMigrates(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.db")
	s := open(t, path)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`ALTER TABLE map_runs DROP COLUMN redrive_count`, `ALTER TABLE map_runs DROP COLUMN redrive_date`,
		`ALTER TABLE map_run_children DROP COLUMN idx`} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	db.Close()
	s = open(t, path)
	defer s.Close()
	s.PutMapRun(&store.MapRun{Arn: "arn:mr:x", ExecutionArn: "arn:ex:p", StateName: "M", Status: "RUNNING", Counts: `{}`, RedriveCount: 1})
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if r, err := s.LatestMapRun(ctx, "arn:ex:p", "M"); err != nil || r.RedriveCount != 1 {
		t.Fatalf("LatestMapRun = %+v, %v", r, err)
	}
}

// A child's checkpoint is kept in its execution's row: MapRunChildren
// returns it after a reopen (a restart), and a restart of the child from
// it cuts its history after the checkpoint's events, the checkpoint
// staying until the child records a newer one.
func TestMapRunChildCheckpoints(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.db")
	s := open(t, path)
	now := time.Now().UTC().Truncate(time.Microsecond)
	s.PutMapRun(&store.MapRun{Arn: "arn:mr:cp", ExecutionArn: "arn:ex:p", StateName: "M", Status: "RUNNING", Start: now, Counts: `{}`})
	var kids []*store.Execution
	for i := range 2 {
		ex := &store.Execution{Arn: "arn:ex:p/L:" + string(rune('a'+i)), StateMachineArn: "arn:sm:p/L", Name: string(rune('a' + i)),
			Status: "RUNNING", Input: `1`, StartDate: now}
		s.QueueChildExecution(ex, "arn:mr:cp", i, 1)
		kids = append(kids, ex)
	}
	for id, typ := range []string{"ExecutionStarted", "TaskStateEntered", "TaskScheduled", "TaskStarted", "TaskSucceeded", "TaskStateExited",
		"TaskStateEntered", "TaskScheduled"} {
		s.AppendEvent(kids[0].ID, store.Event{ID: int64(id + 1), Type: typ, JSON: []byte(`{}`)})
		switch id + 1 {
		case 2:
			s.SaveCheckpoint(kids[0].ID, []byte(`{"resume":{"state":"A","entered":true}}`))
		case 6:
			s.SaveCheckpoint(kids[0].ID, []byte(`{"resume":{"state":"B","eventCount":6}}`))
		case 7:
			s.SaveCheckpoint(kids[0].ID, []byte(`{"resume":{"state":"B","entered":true,"eventCount":7}}`))
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = open(t, path)
	defer s.Close()
	children, err := s.MapRunChildren(ctx, "arn:mr:cp")
	if err != nil || len(children) != 2 {
		t.Fatalf("MapRunChildren = %+v, %v", children, err)
	}
	if c := children[0]; string(c.Checkpoint) != `{"resume":{"state":"B","entered":true,"eventCount":7}}` || c.Events != 8 {
		t.Errorf("child 0: checkpoint %s, %d events", c.Checkpoint, c.Events)
	}
	if c := children[1]; len(c.Checkpoint) != 0 {
		t.Errorf("child 1 without checkpoints read back %s", c.Checkpoint)
	}
	s.QueueRestartChild(kids[0].ID, 7, 0, time.Time{})
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	evs, err := s.History(ctx, store.HistoryQuery{ExecutionID: kids[0].ID})
	if err != nil || len(evs) != 7 || evs[6].Type != "TaskStateEntered" {
		t.Fatalf("restarted child kept %d events (%v), want 7", len(evs), err)
	}
	if ex, _ := s.GetExecution(ctx, kids[0].Arn); ex.Status != "RUNNING" || string(ex.Checkpoint) != `{"resume":{"state":"B","entered":true,"eventCount":7}}` {
		t.Errorf("restarted child = %s, checkpoint %s", ex.Status, ex.Checkpoint)
	}
}
