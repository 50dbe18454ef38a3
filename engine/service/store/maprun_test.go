package store_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stepwise/stepwise/engine/service/store"
)

// Map runs and their children survive a reopen; AbortMapRuns closes the
// running ones, and their running children, and no other.
func TestMapRunsSurviveReopenAndAbort(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.db")
	s := open(t, path)
	now := time.Now().UTC().Truncate(time.Microsecond)
	runs := []*store.MapRun{
		{Arn: "arn:mr:done", ExecutionArn: "arn:ex:p", StateMachineArn: "arn:sm:p/L", StateName: "M", Status: "SUCCEEDED", Start: now, Stop: now, MaxConcurrency: 3, Counts: `{}`},
		{Arn: "arn:mr:live", ExecutionArn: "arn:ex:p", StateMachineArn: "arn:sm:p/L", StateName: "M", Status: "RUNNING", Start: now, ToleratedFailurePercentage: 12.5, Counts: `{}`},
	}
	for _, r := range runs {
		s.PutMapRun(r)
	}
	if runs[1].ID <= runs[0].ID {
		t.Fatalf("ids %d, %d", runs[0].ID, runs[1].ID)
	}
	runs[0].ToleratedFailureCount = 7 // a second write replaces the first
	s.PutMapRun(runs[0])
	var kids []*store.Execution
	for i, mr := range []string{"arn:mr:done", "arn:mr:live", "arn:mr:live"} {
		ex := &store.Execution{Arn: "arn:ex:p/L:" + string(rune('a'+i)), StateMachineArn: "arn:sm:p/L", Name: string(rune('a' + i)), Status: "RUNNING", Input: `1`, StartDate: now}
		s.QueueChildExecution(ex, mr, i, i+1)
		kids = append(kids, ex)
	}
	s.QueueFinish(kids[0].ID, store.Finish{Status: "SUCCEEDED", Output: `2`, StopDate: now})
	s.QueueFinish(kids[1].ID, store.Finish{Status: "FAILED", Error: "E", StopDate: now})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s = open(t, path)
	defer s.Close()
	got, err := s.ListMapRuns(ctx, "arn:ex:p", 0, 0)
	if err != nil || len(got) != 2 || got[0].Arn != "arn:mr:done" || got[0].ToleratedFailureCount != 7 || got[1].ToleratedFailurePercentage != 12.5 {
		t.Fatalf("ListMapRuns = %+v, %v", got, err)
	}
	if page, _ := s.ListMapRuns(ctx, "arn:ex:p", got[0].ID, 1); len(page) != 1 || page[0].Arn != "arn:mr:live" {
		t.Fatalf("page after the first = %+v", page)
	}
	// A new map run numbers after the stored ones.
	next := &store.MapRun{Arn: "arn:mr:next", ExecutionArn: "arn:ex:q", Status: "SUCCEEDED", Start: now, Counts: `{}`}
	s.PutMapRun(next)
	if next.ID <= got[1].ID {
		t.Fatalf("new map run id %d after %d", next.ID, got[1].ID)
	}
	if n, err := s.AbortMapRuns(ctx, now.Add(time.Second), nil); err != nil || n != 1 {
		t.Fatalf("AbortMapRuns = %d, %v", n, err)
	}
	live, err := s.GetMapRun(ctx, "arn:mr:live")
	if err != nil || live.Status != "ABORTED" || !live.Stop.Equal(now.Add(time.Second)) {
		t.Fatalf("aborted map run = %+v, %v", live, err)
	}
	children, err := s.MapRunExecutions(ctx, store.MapRunQuery{MapRunArn: "arn:mr:live"})
	if err != nil || len(children) != 2 || children[0].Name != "c" || children[0].Status != "ABORTED" || children[0].Items != 3 ||
		children[1].Status != "FAILED" || children[1].Items != 2 {
		t.Fatalf("children of the aborted run = %+v, %v", children, err)
	}
	if mr, err := s.MapRunOf(ctx, kids[0].ID); err != nil || mr != "arn:mr:done" {
		t.Fatalf("MapRunOf = %q, %v", mr, err)
	}
	if done, _ := s.GetExecution(ctx, kids[0].Arn); done.Status != "SUCCEEDED" || done.Output != `2` {
		t.Fatalf("child of the closed run = %+v", done)
	}
	if running, _ := s.RunningExecutions(ctx); len(running) != 0 {
		t.Fatalf("running after the abort: %+v", running)
	}
}
