package main

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

// itemWorker is an activity worker that counts the tasks it is given per
// item.
type itemWorker struct {
	activity string
	polls    map[int]int
}

// take polls one task of the activity and returns its item and token.
func (w *itemWorker) take(t *testing.T, c *sfn.Client) (item int, token string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		task, err := c.GetActivityTask(context.Background(), &sfn.GetActivityTaskInput{ActivityArn: aws.String(w.activity)})
		if err != nil {
			t.Fatal(err)
		}
		if task.TaskToken == nil || *task.TaskToken == "" {
			continue
		}
		var in struct{ Item int }
		if err := json.Unmarshal([]byte(aws.ToString(task.Input)), &in); err != nil {
			t.Fatalf("task input %s: %v", aws.ToString(task.Input), err)
		}
		w.polls[in.Item]++
		return in.Item, *task.TaskToken
	}
	t.Fatal("no activity task")
	return 0, ""
}

// finishNext takes a task and answers it with its item doubled.
func (w *itemWorker) finishNext(t *testing.T, c *sfn.Client) {
	t.Helper()
	item, token := w.take(t, c)
	if _, err := c.SendTaskSuccess(context.Background(), &sfn.SendTaskSuccessInput{TaskToken: aws.String(token),
		Output: aws.String(fmt.Sprintf(`{"v":%d}`, 2*item))}); err != nil {
		t.Fatal(err)
	}
}

// prepWorker answers, in the background, the tasks of an activity that
// comes before itemWorker's, with {"item": the item}, counting the tasks
// per item; it asks the server client holds (a new one after a restart),
// and goes on through the errors of a server that is gone.
type prepWorker struct {
	activity string
	client   atomic.Pointer[sfn.Client]
	mu       sync.Mutex
	polls    map[int]int
}

func (p *prepWorker) run(ctx context.Context) {
	for ctx.Err() == nil {
		c := p.client.Load()
		task, err := c.GetActivityTask(ctx, &sfn.GetActivityTaskInput{ActivityArn: aws.String(p.activity)})
		if err != nil {
			time.Sleep(50 * time.Millisecond)
			continue
		}
		if task.TaskToken == nil || *task.TaskToken == "" {
			continue
		}
		var in struct{ Item int }
		if err := json.Unmarshal([]byte(aws.ToString(task.Input)), &in); err != nil {
			continue
		}
		p.mu.Lock()
		p.polls[in.Item]++
		p.mu.Unlock()
		_, _ = c.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: task.TaskToken, Output: aws.String(fmt.Sprintf(`{"item":%d}`, in.Item))})
	}
}

// count returns how many tasks of item the worker was given.
func (p *prepWorker) count(item int) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.polls[item]
}

// waitWorking waits until the store holds, for each running child of the
// map run, the start of its second activity task (its checkpoint in Work
// is written with or before it), and returns the running children.
func waitWorking(t *testing.T, c *sfn.Client, mapRun string, n int) []types.ExecutionListItem {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		l, err := c.ListExecutions(context.Background(), &sfn.ListExecutionsInput{MapRunArn: aws.String(mapRun), StatusFilter: types.ExecutionStatusRunning})
		if err != nil {
			t.Fatal(err)
		}
		working := 0
		for _, ex := range l.Executions {
			h, err := c.GetExecutionHistory(context.Background(), &sfn.GetExecutionHistoryInput{ExecutionArn: ex.ExecutionArn})
			if err != nil {
				t.Fatal(err)
			}
			started := 0
			for _, e := range h.Events {
				if e.Type == types.HistoryEventTypeActivityStarted {
					started++
				}
			}
			if started == 2 {
				working++
			}
		}
		if working == n && len(l.Executions) == n {
			return l.Executions
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d running children are in their second task, want %d", working, len(l.Executions), n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// succeededChildren waits until the store shows n children of the map run
// SUCCEEDED (ListExecutions reads what is written) and returns them.
func succeededChildren(t *testing.T, c *sfn.Client, mapRun string, n int) []types.ExecutionListItem {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		l, err := c.ListExecutions(context.Background(), &sfn.ListExecutionsInput{MapRunArn: aws.String(mapRun), StatusFilter: types.ExecutionStatusSucceeded})
		if err != nil {
			t.Fatal(err)
		}
		if len(l.Executions) >= n {
			return l.Executions
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d children succeeded, want %d", len(l.Executions), n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestServeMapRunSurvivesKill SIGKILLs serve in the middle of a map run
// whose children each run two activity tasks, Prep then Work, and starts
// it again: the map run goes on under its ARN, the children whose end was
// recorded are not run again (their items are never handed out again),
// the ones that were running in Work go on from their checkpoint there
// (Prep is not run again; Work's task, in flight at the kill, is handed
// out again, at least once as on AWS), their histories go on without a
// repeat, and the output is complete and in order.
func TestServeMapRunSurvivesKill(t *testing.T) {
	if testing.Short() {
		t.Skip("starts server processes")
	}
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "stepwise.db")
	args := []string{"--listen", "127.0.0.1:0", "--db", db, "--activity-poll", "1s"}
	srv := startServeChild(t, args...)
	c := srv.client
	act, err := c.CreateActivity(ctx, &sfn.CreateActivityInput{Name: aws.String("item")})
	if err != nil {
		t.Fatal(err)
	}
	prepAct, err := c.CreateActivity(ctx, &sfn.CreateActivityInput{Name: aws.String("prep")})
	if err != nil {
		t.Fatal(err)
	}
	prep := &prepWorker{activity: *prepAct.ActivityArn, polls: map[int]int{}}
	prep.client.Store(c)
	pctx, stopPrep := context.WithCancel(ctx)
	prepDone := make(chan struct{})
	go func() {
		defer close(prepDone)
		prep.run(pctx)
	}()
	defer func() {
		stopPrep()
		<-prepDone
	}()
	def := fmt.Sprintf(`{"StartAt":"Each","States":{"Each":{"Type":"Map","ItemsPath":"$.items","MaxConcurrency":2,
		"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"Prep","States":{
			"Prep":{"Type":"Task","Resource":%q,"Parameters":{"item.$":"$"},"Next":"Work"},
			"Work":{"Type":"Task","Resource":%q,"Parameters":{"item.$":"$.item"},"End":true}}},"End":true}}}`, *prepAct.ActivityArn, *act.ActivityArn)
	sm, err := c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("items"), Definition: aws.String(def),
		RoleArn: aws.String("arn:aws:iam::123456789012:role/r")})
	if err != nil {
		t.Fatal(err)
	}
	start, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: sm.StateMachineArn, Input: aws.String(`{"items":[0,1,2,3,4,5]}`)})
	if err != nil {
		t.Fatal(err)
	}
	w := &itemWorker{activity: *act.ActivityArn, polls: map[int]int{}}
	for range 3 {
		w.finishNext(t, c)
	}
	runs, err := c.ListMapRuns(ctx, &sfn.ListMapRunsInput{ExecutionArn: start.ExecutionArn})
	if err != nil || len(runs.MapRuns) != 1 {
		t.Fatalf("map runs = %+v, %v", runs, err)
	}
	mapRun := *runs.MapRuns[0].MapRunArn
	recorded := map[int]bool{}
	for _, ex := range succeededChildren(t, c, mapRun, 3) {
		d := describeExecution(t, c, *ex.ExecutionArn)
		var item int
		if err := json.Unmarshal([]byte(aws.ToString(d.Input)), &item); err != nil {
			t.Fatal(err)
		}
		recorded[item] = true
	}
	inFlight := map[int]bool{}
	for range 2 {
		item, _ := w.take(t, c) // never answered: running at the kill
		inFlight[item] = true
	}
	interrupted := waitWorking(t, c, mapRun, 2)
	srv.kill(t)

	srv = startServeChild(t, args...)
	c = srv.client
	prep.client.Store(c)
	for range 3 {
		w.finishNext(t, c)
	}
	d := waitClosed(t, c, *start.ExecutionArn)
	if d.Status != types.ExecutionStatusSucceeded || aws.ToString(d.Output) != `[{"v":0},{"v":2},{"v":4},{"v":6},{"v":8},{"v":10}]` {
		t.Fatalf("parent: %s %s %s, output %s", d.Status, aws.ToString(d.Error), aws.ToString(d.Cause), aws.ToString(d.Output))
	}
	for item := range 6 {
		want := 1
		if inFlight[item] {
			want = 2
		}
		if w.polls[item] != want {
			t.Errorf("item %d handed out %d times, want %d (recorded before the kill: %v, in flight: %v)", item, w.polls[item], want, recorded[item], inFlight[item])
		}
		if n := prep.count(item); n != 1 {
			t.Errorf("item %d prepared %d times, want once (in flight at the kill: %v)", item, n, inFlight[item])
		}
	}
	// An interrupted child's history goes on from its checkpoint in Work:
	// each state entered once, the ids one after another, Work's task
	// scheduled again after its events that were dropped.
	for _, ex := range interrupted {
		h, err := c.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: ex.ExecutionArn})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for i, e := range h.Events {
			got = append(got, string(e.Type))
			if e.Id != int64(i+1) {
				t.Errorf("child %s: event %d has id %d", aws.ToString(ex.Name), i+1, e.Id)
			}
		}
		want := "ExecutionStarted TaskStateEntered ActivityScheduled ActivityStarted ActivitySucceeded TaskStateExited " +
			"TaskStateEntered ActivityScheduled ActivityStarted ActivitySucceeded TaskStateExited ExecutionSucceeded"
		if strings.Join(got, " ") != want {
			t.Errorf("interrupted child %s's history:\n got %s\nwant %s", aws.ToString(ex.Name), strings.Join(got, " "), want)
		}
	}
	runs, err = c.ListMapRuns(ctx, &sfn.ListMapRunsInput{ExecutionArn: start.ExecutionArn})
	if err != nil || len(runs.MapRuns) != 1 || *runs.MapRuns[0].MapRunArn != mapRun {
		t.Fatalf("map runs after the restart = %+v, %v", runs, err)
	}
	mr, err := c.DescribeMapRun(ctx, &sfn.DescribeMapRunInput{MapRunArn: aws.String(mapRun)})
	if err != nil || mr.Status != types.MapRunStatusSucceeded || mr.ExecutionCounts.Succeeded != 6 || mr.ExecutionCounts.Total != 6 ||
		mr.ItemCounts.Succeeded != 6 || mr.ItemCounts.Total != 6 {
		t.Fatalf("map run = %+v %+v, %v", mr.ExecutionCounts, mr.ItemCounts, err)
	}
	l, err := c.ListExecutions(ctx, &sfn.ListExecutionsInput{MapRunArn: aws.String(mapRun)})
	if err != nil || len(l.Executions) != 6 {
		t.Fatalf("children = %+v, %v", l, err)
	}
	h, err := c.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: start.ExecutionArn})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range h.Events {
		if e.Type == types.HistoryEventTypeMapRunStarted {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d MapRunStarted events in the parent's history", n)
	}
}
