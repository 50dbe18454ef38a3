package store_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stepwise/stepwise/engine/service/store"
)

var ctx = context.Background()

func open(t *testing.T, path string) *store.SQLite {
	t.Helper()
	s, err := store.Open(ctx, path, store.Options{OnError: func(err error) { t.Errorf("queued write: %v", err) }})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestStoreSurvivesReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.db")
	s := open(t, path)
	now := time.Now().UTC().Truncate(time.Microsecond)
	sm := &store.StateMachine{Arn: "arn:sm:a", Name: "a", Type: "STANDARD", Status: "ACTIVE", Definition: `{"v":1}`, RoleArn: "r", RevisionID: "r1", Created: now, Updated: now}
	if err := s.CreateStateMachine(ctx, sm); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateStateMachine(ctx, sm); !errors.Is(err, store.ErrExists) {
		t.Fatalf("second create: %v", err)
	}
	sm2 := *sm
	sm2.Definition, sm2.RevisionID = `{"v":2}`, "r2"
	if err := s.UpdateStateMachine(ctx, &sm2); err != nil {
		t.Fatal(err)
	}
	ex := &store.Execution{Arn: "arn:ex:1", StateMachineArn: sm.Arn, Name: "1", RevisionID: "r1", Status: "RUNNING", Input: `{}`, StartDate: now}
	if err := s.CreateExecution(ctx, ex); err != nil {
		t.Fatal(err)
	}
	if ex.ID == 0 {
		t.Fatal("no id assigned")
	}
	dup := *ex
	if err := s.CreateExecution(ctx, &dup); !errors.Is(err, store.ErrExists) {
		t.Fatalf("duplicate execution: %v", err)
	}
	for i := int64(1); i <= 5; i++ {
		s.AppendEvent(ex.ID, store.Event{ID: i, Type: fmt.Sprintf("T%d", i), JSON: []byte(fmt.Sprintf(`{"id":%d}`, i))})
		s.SaveCheckpoint(ex.ID, []byte(fmt.Sprintf(`{"n":%d}`, i)))
	}
	s.PutTaskToken(store.TaskToken{Token: "tok", ExecutionID: ex.ID, ExecutionArn: ex.Arn, StateName: "Task", Created: now})
	if err := s.TagResource(ctx, sm.Arn, []store.Tag{{Key: "k", Value: "v"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateActivity(ctx, &store.Activity{Arn: "arn:act:a", Name: "a", Created: now}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s = open(t, path)
	defer s.Close()
	got, err := s.GetStateMachine(ctx, sm.Arn)
	if err != nil || got.Definition != `{"v":2}` || got.RevisionID != "r2" || !got.Created.Equal(now) {
		t.Fatalf("state machine after reopen: %+v %v", got, err)
	}
	rev, err := s.GetRevision(ctx, sm.Arn, "r1")
	if err != nil || rev.Definition != `{"v":1}` {
		t.Fatalf("revision r1: %+v %v", rev, err)
	}
	run, err := s.RunningExecutions(ctx)
	if err != nil || len(run) != 1 || run[0].Arn != ex.Arn || string(run[0].Checkpoint) != `{"n":5}` || !run[0].StartDate.Equal(now) {
		t.Fatalf("running after reopen: %+v %v", run, err)
	}
	evs, err := s.History(ctx, store.HistoryQuery{ExecutionID: ex.ID, After: 2, Limit: 2})
	if err != nil || len(evs) != 2 || evs[0].ID != 3 || evs[1].Type != "T4" {
		t.Fatalf("history page: %+v %v", evs, err)
	}
	evs, _ = s.History(ctx, store.HistoryQuery{ExecutionID: ex.ID, Reverse: true, After: 3})
	if len(evs) != 2 || evs[0].ID != 2 {
		t.Fatalf("reverse page: %+v", evs)
	}
	if err := s.TruncateHistory(ctx, ex.ID, 3); err != nil {
		t.Fatal(err)
	}
	if evs, _ = s.History(ctx, store.HistoryQuery{ExecutionID: ex.ID}); len(evs) != 3 {
		t.Fatalf("after truncate: %d events", len(evs))
	}
	tok, err := s.GetTaskToken(ctx, "tok")
	if err != nil || tok.ExecutionID != ex.ID || tok.StateName != "Task" {
		t.Fatalf("token: %+v %v", tok, err)
	}
	if _, err := s.GetTaskToken(ctx, "other"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unknown token: %v", err)
	}
	if tags, _ := s.Tags(ctx, sm.Arn); len(tags) != 1 || tags[0].Value != "v" {
		t.Fatalf("tags: %+v", tags)
	}
	if acts, _ := s.ListActivities(ctx, "", 0); len(acts) != 1 {
		t.Fatalf("activities: %+v", acts)
	}
	stop := now.Add(time.Second)
	if err := s.FinishExecution(ctx, ex.ID, store.Finish{Status: "FAILED", Error: "E", Cause: "C", StopDate: stop}); err != nil {
		t.Fatal(err)
	}
	e, err := s.GetExecution(ctx, ex.Arn)
	if err != nil || e.Status != "FAILED" || e.Error != "E" || !e.StopDate.Equal(stop) {
		t.Fatalf("finished: %+v %v", e, err)
	}
	if err := s.RedriveExecution(ctx, ex.ID, stop); err != nil {
		t.Fatal(err)
	}
	if err := s.RedriveExecution(ctx, ex.ID, stop); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("redriving a running execution: %v", err)
	}
	e, _ = s.GetExecution(ctx, ex.Arn)
	if e.Status != "RUNNING" || e.RedriveCount != 1 || !e.RedriveDate.Equal(stop) || !e.StopDate.IsZero() {
		t.Fatalf("redriven: %+v", e)
	}
	// A new execution gets a larger id than those before the reopen.
	ex2 := &store.Execution{Arn: "arn:ex:2", StateMachineArn: sm.Arn, Name: "2", RevisionID: "r2", Status: "RUNNING", Input: `{}`, StartDate: now}
	if err := s.CreateExecution(ctx, ex2); err != nil || ex2.ID <= ex.ID {
		t.Fatalf("second execution id %d after %d: %v", ex2.ID, ex.ID, err)
	}
	l, err := s.ListExecutions(ctx, store.ExecutionQuery{StateMachineArn: sm.Arn, Limit: 1})
	if err != nil || len(l) != 1 || l[0].Arn != ex2.Arn {
		t.Fatalf("newest first: %+v %v", l, err)
	}
	l, _ = s.ListExecutions(ctx, store.ExecutionQuery{StateMachineArn: sm.Arn, BeforeID: ex2.ID})
	if len(l) != 1 || l[0].Arn != ex.Arn {
		t.Fatalf("next page: %+v", l)
	}
}

// TestStoreConcurrentWrites checks that writes from many goroutines are
// grouped and all committed.
func TestStoreConcurrentWrites(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "c.db"))
	defer s.Close()
	const n = 200
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ex := &store.Execution{Arn: fmt.Sprintf("arn:ex:%d", i), StateMachineArn: "sm", Name: "n", Status: "RUNNING", Input: "{}", StartDate: time.Now()}
			if err := s.CreateExecution(ctx, ex); err != nil {
				t.Error(err)
				return
			}
			for j := int64(1); j <= 10; j++ {
				s.AppendEvent(ex.ID, store.Event{ID: j, Type: "T", JSON: []byte("{}")})
				s.SaveCheckpoint(ex.ID, []byte(fmt.Sprint(j)))
			}
			if err := s.FinishExecution(ctx, ex.ID, store.Finish{Status: "SUCCEEDED", Output: "{}", StopDate: time.Now()}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	l, err := s.ListExecutions(ctx, store.ExecutionQuery{Status: "SUCCEEDED", Limit: 1000})
	if err != nil || len(l) != n {
		t.Fatalf("%d succeeded, %v", len(l), err)
	}
	for _, e := range l {
		if string(e.Checkpoint) != "10" {
			t.Fatalf("%s: checkpoint %s", e.Arn, e.Checkpoint)
		}
		evs, _ := s.History(ctx, store.HistoryQuery{ExecutionID: e.ID})
		if len(evs) != 10 {
			t.Fatalf("%s: %d events", e.Arn, len(evs))
		}
	}
}

func TestStoreMemoryAndClose(t *testing.T) {
	s := open(t, store.Memory)
	if err := s.CreateStateMachine(ctx, &store.StateMachine{Arn: "a", Name: "a"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetStateMachine(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetStateMachine(ctx, "b"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unknown: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Flush(ctx); !errors.Is(err, store.ErrClosed) {
		t.Fatalf("after close: %v", err)
	}
	if _, err := store.Open(ctx, "bad?path", store.Options{}); err == nil {
		t.Fatal("a path with '?' opened")
	}
}

// Queued activity tasks survive a reopen until deleted, per execution and
// oldest first.
func TestStoreActivityTasks(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tasks.db")
	s := open(t, path)
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for i, tk := range []*store.ActivityTask{
		{Token: "b", ExecutionArn: "arn:ex:1", ActivityArn: "arn:act:x", Input: `{"n":2}`, Created: t0.Add(time.Second)},
		{Token: "a", ExecutionArn: "arn:ex:1", StateName: "Ask", ActivityArn: "arn:act:x", Input: `{"n":1}`, Created: t0},
		{Token: "c", ExecutionArn: "arn:ex:2", ActivityArn: "arn:act:y", Input: `{}`, Created: t0},
	} {
		if err := s.PutActivityTask(ctx, tk); err != nil {
			t.Fatalf("put %d: %v", i, err)
		}
	}
	s.DeleteActivityTask("c")
	s.DeleteActivityTask("no such token")
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = open(t, path)
	defer s.Close()
	got, err := s.ActivityTasks(ctx, "arn:ex:1")
	if err != nil || len(got) != 2 {
		t.Fatalf("tasks of arn:ex:1: %+v %v", got, err)
	}
	if got[0].Token != "a" || got[0].Input != `{"n":1}` || got[0].ActivityArn != "arn:act:x" || got[0].StateName != "Ask" || !got[0].Created.Equal(t0) || got[1].Token != "b" {
		t.Fatalf("tasks of arn:ex:1: %+v, %+v", *got[0], *got[1])
	}
	if got, err := s.ActivityTasks(ctx, "arn:ex:2"); err != nil || len(got) != 0 {
		t.Fatalf("tasks of arn:ex:2 after delete: %+v %v", got, err)
	}
}
