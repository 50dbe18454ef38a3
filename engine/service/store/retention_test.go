package store_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stepwise/stepwise/engine/service/store"
)

// DeleteClosedExecutions deletes the executions closed before the cut-off,
// oldest first and a batch at a time, with their history and task tokens,
// and keeps running ones and those closed since.
func TestDeleteClosedExecutions(t *testing.T) {
	s := open(t, store.Memory)
	defer s.Close()
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var ids []int64
	for i := range 6 {
		ex := &store.Execution{Arn: fmt.Sprintf("arn:ex:%d", i), StateMachineArn: "arn:sm", Name: fmt.Sprint(i), RevisionID: "r", Status: "RUNNING", Input: `{}`, StartDate: base}
		if err := s.CreateExecution(ctx, ex); err != nil {
			t.Fatal(err)
		}
		s.AppendEvent(ex.ID, store.Event{ID: 1, Type: "ExecutionStarted", JSON: []byte(`{}`)})
		s.PutTaskToken(store.TaskToken{Token: fmt.Sprint("tok", i), ExecutionID: ex.ID, ExecutionArn: ex.Arn, StateName: "T", Created: base})
		ids = append(ids, ex.ID)
		// 0..3 closed an hour apart; 4 and 5 keep running.
		if i < 4 {
			if err := s.FinishExecution(ctx, ex.ID, store.Finish{Status: "SUCCEEDED", Output: `{}`, StopDate: base.Add(time.Duration(i+1) * time.Hour)}); err != nil {
				t.Fatal(err)
			}
		}
	}
	cut := base.Add(3*time.Hour + time.Minute) // after 0, 1 and 2 closed
	n, err := s.DeleteClosedExecutions(ctx, cut, 2)
	if err != nil || n != 2 {
		t.Fatalf("first batch: %d, %v; want 2", n, err)
	}
	n, err = s.DeleteClosedExecutions(ctx, cut, 2)
	if err != nil || n != 1 {
		t.Fatalf("second batch: %d, %v; want 1", n, err)
	}
	for i := range 6 {
		_, err := s.GetExecution(ctx, fmt.Sprintf("arn:ex:%d", i))
		gone := errors.Is(err, store.ErrNotFound)
		if want := i < 3; gone != want {
			t.Errorf("execution %d: gone %v, want %v (%v)", i, gone, want, err)
		}
		evs, err := s.History(ctx, store.HistoryQuery{ExecutionID: ids[i]})
		if err != nil {
			t.Fatal(err)
		}
		if want := i >= 3; (len(evs) == 1) != want {
			t.Errorf("execution %d: %d events left", i, len(evs))
		}
		_, err = s.GetTaskToken(ctx, fmt.Sprint("tok", i))
		if tokGone := errors.Is(err, store.ErrNotFound); tokGone != (i < 3) {
			t.Errorf("execution %d: task token gone %v (%v)", i, tokGone, err)
		}
	}
}
