package service_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/stepwise/stepwise/asl/fault"
	"github.com/stepwise/stepwise/asl/value"
	"github.com/stepwise/stepwise/engine"
	"github.com/stepwise/stepwise/engine/service"
	"github.com/stepwise/stepwise/engine/service/store"
	"github.com/stepwise/stepwise/integrations"
	"github.com/stepwise/stepwise/integrations/items"
)

// itemsRoot returns a directory standing in for S3 with s3://bkt/items.json
// holding body.
func itemsRoot(t *testing.T, body string) string {
	t.Helper()
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "bkt"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "bkt", "items.json"), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return root
}

// mapRunMachine is a Distributed Map over s3://bkt/items.json whose
// children fail on items with "fail": true, or wait "wait" seconds.
func mapRunMachine(settings string) string {
	return `{"StartAt":"Work","States":{"Work":{"Type":"Map",` + settings + `
	"ItemReader":{"Resource":"arn:aws:states:::s3:getObject","ReaderConfig":{"InputType":"JSON"},"Parameters":{"Bucket":"bkt","Key":"items.json"}},
	"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"Check","States":{
		"Check":{"Type":"Choice","Choices":[{"And":[{"Variable":"$.fail","IsPresent":true},{"Variable":"$.fail","BooleanEquals":true}],"Next":"Boom"}],"Default":"Nap"},
		"Nap":{"Type":"Wait","SecondsPath":"$.wait","Next":"Done"},
		"Done":{"Type":"Pass","End":true},
		"Boom":{"Type":"Fail","Error":"Item.Bad","Cause":"a bad item"}}},"End":true}}}`
}

// taskMapRunMachine is a Distributed Map over s3://bkt/items.json whose
// children run two Tasks, First then Second, with a Wait of the item's
// "wait" seconds between them; taskCounter answers them.
const taskMapRunMachine = `{"StartAt":"Work","States":{"Work":{"Type":"Map",
	"ItemReader":{"Resource":"arn:aws:states:::s3:getObject","ReaderConfig":{"InputType":"JSON"},"Parameters":{"Bucket":"bkt","Key":"items.json"}},
	"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"First","States":{
		"First":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:first","ResultPath":null,"Next":"Nap"},
		"Nap":{"Type":"Wait","SecondsPath":"$.wait","Next":"Second"},
		"Second":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:second","ResultPath":null,"End":true}}},"End":true}}}`

// taskCounter is an Invoker that counts the calls of each Task state by
// item ("First a": First on the item whose id is a); Second fails on an
// item with "fail" while failing is set.
type taskCounter struct {
	mu      sync.Mutex
	calls   map[string]int
	failing atomic.Bool
}

func (tc *taskCounter) Invoke(_ context.Context, tk *integrations.Task) (any, error) {
	in := tk.Input.(*value.Object)
	id, _ := in.Get("id")
	_, fail := in.Get("fail")
	tc.mu.Lock()
	if tc.calls == nil {
		tc.calls = map[string]int{}
	}
	tc.calls[fmt.Sprint(tk.StateName, " ", id)]++
	tc.mu.Unlock()
	if tk.StateName == "Second" && fail && tc.failing.Load() {
		return nil, fault.New("Item.Bad", "a bad item")
	}
	return value.NewObject(0), nil
}

// count returns the calls of a Task state on an item.
func (tc *taskCounter) count(key string) int {
	tc.mu.Lock()
	defer tc.mu.Unlock()
	return tc.calls[key]
}

// enteredStates lists the states entered in a history, in order.
func enteredStates(evs []types.HistoryEvent) []string {
	var names []string
	for _, e := range evs {
		if d := e.StateEnteredEventDetails; d != nil {
			names = append(names, aws.ToString(d.Name))
		}
	}
	return names
}

// consecutive reports whether a history's event ids are 1, 2, 3...
func consecutive(evs []types.HistoryEvent) bool {
	for i, e := range evs {
		if e.Id != int64(i+1) {
			return false
		}
	}
	return true
}

// firstMapRun waits up to 10 s for the execution's first map run and
// returns its ARN.
func firstMapRun(t *testing.T, c *sfn.Client, execArn *string) *string {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		l, err := c.ListMapRuns(ctx, &sfn.ListMapRunsInput{ExecutionArn: execArn})
		if err != nil {
			t.Fatal(err)
		}
		if len(l.MapRuns) > 0 {
			return l.MapRuns[0].MapRunArn
		}
		if time.Now().After(deadline) {
			t.Fatal("no map run")
		}
	}
}

// onlyMapRun returns the one map run of an execution.
func onlyMapRun(t *testing.T, c *sfn.Client, execArn string) types.MapRunListItem {
	t.Helper()
	l, err := c.ListMapRuns(ctx, &sfn.ListMapRunsInput{ExecutionArn: aws.String(execArn)})
	if err != nil {
		t.Fatal(err)
	}
	if len(l.MapRuns) != 1 {
		t.Fatalf("ListMapRuns = %+v", l.MapRuns)
	}
	return l.MapRuns[0]
}

// A map run with failing children, tolerated: its counts, its children
// through ListExecutions, and a child's own description and history.
func TestMapRunRecorded(t *testing.T) {
	root := itemsRoot(t, `[{"id":1,"wait":0},{"id":2,"fail":true,"wait":0},{"id":3,"wait":0},{"id":4,"fail":true,"wait":0},{"id":5,"wait":0}]`)
	srv := startServer(t, service.Options{Objects: items.Dir{Root: root}}, true)
	c := srv.client
	sm := createMachine(t, c, "runs", mapRunMachine(`"MaxConcurrency":2,"ToleratedFailureCount":2,`), "")
	start, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(sm)})
	if err != nil {
		t.Fatal(err)
	}
	execArn := *start.ExecutionArn
	if d := waitDone(t, c, execArn); d.Status != types.ExecutionStatusSucceeded {
		t.Fatalf("parent: %s %s %s", d.Status, aws.ToString(d.Error), aws.ToString(d.Cause))
	}

	mr := onlyMapRun(t, c, execArn)
	prefix := "arn:aws:states:us-east-1:123456789012:mapRun:runs/Work:"
	if !strings.HasPrefix(*mr.MapRunArn, prefix) || *mr.ExecutionArn != execArn ||
		*mr.StateMachineArn != "arn:aws:states:us-east-1:123456789012:stateMachine:runs/Work" || mr.StartDate == nil || mr.StopDate == nil {
		t.Errorf("map run item = %s %s %s %v %v", *mr.MapRunArn, *mr.ExecutionArn, *mr.StateMachineArn, mr.StartDate, mr.StopDate)
	}
	// The history's MapRunStarted names the same map run.
	h, err := c.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: aws.String(execArn)})
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range h.Events {
		if ev.Type == types.HistoryEventTypeMapRunStarted && *ev.MapRunStartedEventDetails.MapRunArn != *mr.MapRunArn {
			t.Errorf("MapRunStarted names %s", *ev.MapRunStartedEventDetails.MapRunArn)
		}
	}

	d, err := c.DescribeMapRun(ctx, &sfn.DescribeMapRunInput{MapRunArn: mr.MapRunArn})
	if err != nil {
		t.Fatal(err)
	}
	ic := d.ItemCounts
	counts := fmt.Sprint(ic.Total, ic.Succeeded, ic.Failed, ic.ResultsWritten, ic.Running, ic.Pending, ic.Aborted, ic.TimedOut,
		aws.ToInt64(ic.FailuresNotRedrivable), aws.ToInt64(ic.PendingRedrive), ic.FailuresNotRedrivable != nil && ic.PendingRedrive != nil)
	if d.Status != types.MapRunStatusSucceeded || *d.ExecutionArn != execArn || d.MaxConcurrency != 2 ||
		d.ToleratedFailureCount != 2 || d.ToleratedFailurePercentage != 0 || d.StartDate == nil || d.StopDate == nil ||
		counts != "5 3 2 3 0 0 0 0 0 0 true" {
		t.Errorf("DescribeMapRun = %s %d %d %v %+v", d.Status, d.MaxConcurrency, d.ToleratedFailureCount, d.ToleratedFailurePercentage, *d.ItemCounts)
	}
	if e := d.ExecutionCounts; e.Total != 5 || e.Succeeded != 3 || e.Failed != 2 || e.Running != 0 || e.Pending != 0 || e.Aborted != 0 {
		t.Errorf("executionCounts = %+v", *e)
	}
	// On the wire: every member of AWS's reference, and no other.
	code, raw := rawCall(t, srv.http.URL, "AWSStepFunctions.DescribeMapRun", fmt.Sprintf(`{"mapRunArn":%q}`, *mr.MapRunArn))
	var keys []string
	for k := range raw {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if code != 200 || strings.Join(keys, " ") != "executionArn executionCounts itemCounts mapRunArn maxConcurrency redriveCount startDate status stopDate toleratedFailureCount toleratedFailurePercentage" {
		t.Errorf("DescribeMapRun answers %d %s", code, keys)
	}
	if ic, _ := raw["itemCounts"].(map[string]any); len(ic) != 10 {
		t.Errorf("itemCounts = %v", raw["itemCounts"])
	}

	// ListExecutions of the map run: its five children, newest first, in pages.
	var children []types.ExecutionListItem
	var token *string
	for pages := 0; ; pages++ {
		l, err := c.ListExecutions(ctx, &sfn.ListExecutionsInput{MapRunArn: mr.MapRunArn, MaxResults: 2, NextToken: token})
		if err != nil {
			t.Fatal(err)
		}
		children = append(children, l.Executions...)
		if token = l.NextToken; token == nil {
			if pages != 2 {
				t.Errorf("%d pages of children", pages+1)
			}
			break
		}
	}
	childPrefix := "arn:aws:states:us-east-1:123456789012:execution:runs/Work:"
	failed := 0
	for _, ch := range children {
		if !strings.HasPrefix(*ch.ExecutionArn, childPrefix) || *ch.ExecutionArn != childPrefix+*ch.Name ||
			aws.ToString(ch.MapRunArn) != *mr.MapRunArn || aws.ToInt32(ch.ItemCount) != 1 || *ch.StateMachineArn != *mr.StateMachineArn {
			t.Errorf("child = %s %s %s %v %s", *ch.ExecutionArn, *ch.Name, aws.ToString(ch.MapRunArn), ch.ItemCount, *ch.StateMachineArn)
		}
		if ch.Status == types.ExecutionStatusFailed {
			failed++
		}
	}
	if len(children) != 5 || failed != 2 {
		t.Fatalf("%d children, %d failed", len(children), failed)
	}
	l, err := c.ListExecutions(ctx, &sfn.ListExecutionsInput{MapRunArn: mr.MapRunArn, StatusFilter: types.ExecutionStatusFailed})
	if err != nil || len(l.Executions) != 2 {
		t.Fatalf("failed children = %v, %v", l, err)
	}

	// A failed child: its description and its own history.
	child := l.Executions[0].ExecutionArn
	de, err := c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: child})
	if err != nil {
		t.Fatal(err)
	}
	if de.Status != types.ExecutionStatusFailed || aws.ToString(de.Error) != "Item.Bad" || aws.ToString(de.Cause) != "a bad item" ||
		aws.ToString(de.MapRunArn) != *mr.MapRunArn || !strings.Contains(aws.ToString(de.Input), `"fail":true`) {
		t.Errorf("child = %s %s %s %s %s", de.Status, aws.ToString(de.Error), aws.ToString(de.Cause), aws.ToString(de.MapRunArn), aws.ToString(de.Input))
	}
	ch, err := c.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: child})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, ev := range ch.Events {
		got = append(got, fmt.Sprintf("%d:%d:%s", ev.Id, ev.PreviousEventId, ev.Type))
	}
	if g := strings.Join(got, " "); g != "1:0:ExecutionStarted 2:0:ChoiceStateEntered 3:2:ChoiceStateExited 4:3:FailStateEntered 5:4:ExecutionFailed" {
		t.Errorf("child history = %s", g)
	}
	if in := aws.ToString(ch.Events[0].ExecutionStartedEventDetails.Input); !strings.Contains(in, `"fail":true`) {
		t.Errorf("ExecutionStarted input = %s", in)
	}
	if f := ch.Events[4].ExecutionFailedEventDetails; aws.ToString(f.Error) != "Item.Bad" {
		t.Errorf("ExecutionFailed = %+v", f)
	}
	// The state machine of a child is its parent's, named with the Map's label.
	fe, err := c.DescribeStateMachineForExecution(ctx, &sfn.DescribeStateMachineForExecutionInput{ExecutionArn: child})
	if err != nil {
		t.Fatal(err)
	}
	if *fe.StateMachineArn != *mr.StateMachineArn || aws.ToString(fe.MapRunArn) != *mr.MapRunArn || aws.ToString(fe.Label) != "Work" ||
		*fe.Name != "runs" || !strings.Contains(*fe.Definition, `"Boom"`) {
		t.Errorf("DescribeStateMachineForExecution of a child = %s %s %s %s", *fe.StateMachineArn, aws.ToString(fe.MapRunArn), aws.ToString(fe.Label), *fe.Name)
	}

	// A closed map run cannot be updated; an unknown one is not found.
	_, err = c.UpdateMapRun(ctx, &sfn.UpdateMapRunInput{MapRunArn: mr.MapRunArn, MaxConcurrency: aws.Int32(3)})
	wantCode(t, err, "ValidationException")
	_, err = c.DescribeMapRun(ctx, &sfn.DescribeMapRunInput{MapRunArn: aws.String(*mr.MapRunArn + "x")})
	wantCode(t, err, "ResourceNotFound")
	_, err = c.ListExecutions(ctx, &sfn.ListExecutionsInput{MapRunArn: aws.String(*mr.MapRunArn + "x")})
	wantCode(t, err, "ResourceNotFound")
	_, err = c.ListExecutions(ctx, &sfn.ListExecutionsInput{MapRunArn: mr.MapRunArn, StatusFilter: "NOPE"})
	wantCode(t, err, "ValidationException")
	// The parent's own list does not show the children.
	pl, err := c.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: aws.String(sm)})
	if err != nil || len(pl.Executions) != 1 {
		t.Errorf("parent's executions = %v, %v", pl, err)
	}
}

// describeRunning polls a map run until cond holds.
func describeUntil(t *testing.T, c *sfn.Client, arn *string, within time.Duration, cond func(*sfn.DescribeMapRunOutput) bool) *sfn.DescribeMapRunOutput {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		d, err := c.DescribeMapRun(ctx, &sfn.DescribeMapRunInput{MapRunArn: arn})
		if err != nil {
			t.Fatal(err)
		}
		if cond(d) {
			return d
		}
		if time.Now().After(deadline) {
			t.Fatalf("map run: %s running %d of %d, max %d", d.Status, d.ExecutionCounts.Running, d.ExecutionCounts.Total, d.MaxConcurrency)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// UpdateMapRun raises the concurrency of a running map run: the waiting
// items start at once, beside the child still running.
func TestUpdateMapRunConcurrency(t *testing.T) {
	root := itemsRoot(t, `[{"wait":3},{"wait":3},{"wait":3},{"wait":3}]`)
	c := startServer(t, service.Options{Objects: items.Dir{Root: root}}, true).client
	sm := createMachine(t, c, "slow", mapRunMachine(`"MaxConcurrency":1,`), "")
	start, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(sm)})
	if err != nil {
		t.Fatal(err)
	}
	mr := firstMapRun(t, c, start.ExecutionArn)
	d := describeUntil(t, c, mr, 5*time.Second, func(d *sfn.DescribeMapRunOutput) bool { return d.ExecutionCounts.Running == 1 })
	if d.Status != types.MapRunStatusRunning || d.StopDate != nil || d.MaxConcurrency != 1 {
		t.Fatalf("running map run = %s %v %d", d.Status, d.StopDate, d.MaxConcurrency)
	}

	for _, bad := range []*sfn.UpdateMapRunInput{
		{MapRunArn: mr, MaxConcurrency: aws.Int32(-1)},
		{MapRunArn: mr, ToleratedFailurePercentage: aws.Float32(100.5)},
		{MapRunArn: mr, ToleratedFailureCount: aws.Int64(-2)},
	} {
		_, err := c.UpdateMapRun(ctx, bad)
		wantCode(t, err, "ValidationException")
	}
	if _, err := c.UpdateMapRun(ctx, &sfn.UpdateMapRunInput{MapRunArn: mr, MaxConcurrency: aws.Int32(4), ToleratedFailurePercentage: aws.Float32(50)}); err != nil {
		t.Fatal(err)
	}
	// The first child waits 3 s: the others run beside it well before.
	d = describeUntil(t, c, mr, 2*time.Second, func(d *sfn.DescribeMapRunOutput) bool { return d.ExecutionCounts.Running == 4 })
	if d.MaxConcurrency != 4 || d.ToleratedFailurePercentage != 50 {
		t.Errorf("updated map run: max %d, tolerated %v%%", d.MaxConcurrency, d.ToleratedFailurePercentage)
	}

	// StopExecution of a child aborts it alone; the run goes on.
	l, err := c.ListExecutions(ctx, &sfn.ListExecutionsInput{MapRunArn: mr})
	if err != nil || len(l.Executions) != 4 {
		t.Fatalf("children = %+v, %v", l, err)
	}
	child := l.Executions[0].ExecutionArn
	if _, err := c.StopExecution(ctx, &sfn.StopExecutionInput{ExecutionArn: child, Error: aws.String("Enough"), Cause: aws.String("stopped by the test")}); err != nil {
		t.Fatal(err)
	}
	de, err := c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: child})
	if err != nil || de.Status != types.ExecutionStatusAborted || aws.ToString(de.Error) != "Enough" || aws.ToString(de.Cause) != "stopped by the test" || de.StopDate == nil {
		t.Fatalf("stopped child = %+v, %v", de, err)
	}

	if e := waitDone(t, c, *start.ExecutionArn); e.Status != types.ExecutionStatusSucceeded || strings.Count(aws.ToString(e.Output), "null") != 1 {
		t.Fatalf("parent: %s %s", e.Status, aws.ToString(e.Output))
	}
	d = describeUntil(t, c, mr, time.Second, func(d *sfn.DescribeMapRunOutput) bool { return d.Status == types.MapRunStatusSucceeded })
	if d.ItemCounts.Succeeded != 3 || d.ItemCounts.Aborted != 1 || d.ExecutionCounts.Aborted != 1 || d.MaxConcurrency != 4 {
		t.Errorf("ended map run = %+v, max %d", *d.ItemCounts, d.MaxConcurrency)
	}
	h, err := c.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: child, ReverseOrder: true, MaxResults: 1})
	if err != nil || h.Events[0].Type != types.HistoryEventTypeExecutionAborted || aws.ToString(h.Events[0].ExecutionAbortedEventDetails.Error) != "Enough" {
		t.Errorf("stopped child's last event = %+v, %v", h.Events, err)
	}
}

// A restart in the middle of a map run takes it up: the parent, resumed,
// goes on with the same map run; the child that had ended keeps its end
// and does not run again; those that were running go on under their ARNs
// from their checkpoints: their first Task, done before the restart, is
// not invoked again, and their histories go on.
func TestMapRunAcrossRestart(t *testing.T) {
	root := itemsRoot(t, `[{"id":"a","wait":0},{"id":"b","wait":2},{"id":"c","wait":2}]`)
	tasks := &taskCounter{}
	open := reopener(t, root, tasks)
	c, closeFn := open()
	sm := createMachine(t, c, "again", taskMapRunMachine, "")
	start, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(sm)})
	if err != nil {
		t.Fatal(err)
	}
	first := firstMapRun(t, c, start.ExecutionArn)
	describeUntil(t, c, first, 5*time.Second, func(d *sfn.DescribeMapRunOutput) bool {
		return d.ExecutionCounts.Running == 2 && d.ExecutionCounts.Succeeded == 1
	})
	closeFn()
	restarted := time.Now()

	c, closeFn = open()
	defer closeFn()
	if e := waitDone(t, c, *start.ExecutionArn); e.Status != types.ExecutionStatusSucceeded {
		t.Fatalf("parent: %s %s %s", e.Status, aws.ToString(e.Error), aws.ToString(e.Cause))
	}
	l, err := c.ListMapRuns(ctx, &sfn.ListMapRunsInput{ExecutionArn: start.ExecutionArn})
	if err != nil || len(l.MapRuns) != 1 || *l.MapRuns[0].MapRunArn != *first {
		t.Fatalf("map runs = %+v, %v", l, err)
	}
	d, err := c.DescribeMapRun(ctx, &sfn.DescribeMapRunInput{MapRunArn: first})
	if err != nil || d.Status != types.MapRunStatusSucceeded || d.ItemCounts.Succeeded != 3 || d.ItemCounts.Total != 3 {
		t.Fatalf("map run taken up = %+v, %v", d, err)
	}
	if e := d.ExecutionCounts; e.Succeeded != 3 || e.Total != 3 || e.Running != 0 || e.Aborted != 0 {
		t.Errorf("map run's executions: %+v", *e)
	}
	exs, err := c.ListExecutions(ctx, &sfn.ListExecutionsInput{MapRunArn: first})
	if err != nil || len(exs.Executions) != 3 {
		t.Fatalf("children = %+v, %v", exs, err)
	}
	for _, ex := range exs.Executions {
		h, err := c.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: ex.ExecutionArn})
		if err != nil {
			t.Fatal(err)
		}
		if ex.Status != types.ExecutionStatusSucceeded || h.Events[0].Type != types.HistoryEventTypeExecutionStarted ||
			h.Events[len(h.Events)-1].Type != types.HistoryEventTypeExecutionSucceeded || countEvents(h.Events, types.HistoryEventTypeExecutionStarted) != 1 {
			t.Errorf("child %s: %s, %d events", aws.ToString(ex.Name), ex.Status, len(h.Events))
		}
		// Each state entered once (Nap, entered before the restart, goes
		// on without being entered again), the ids one after another.
		if got := strings.Join(enteredStates(h.Events), " "); got != "First Nap Second" || !consecutive(h.Events) {
			t.Errorf("child %s: states entered %s, %d events", aws.ToString(ex.Name), got, len(h.Events))
		}
	}
	for _, id := range []string{"a", "b", "c"} {
		if n := tasks.count("First " + id); n != 1 {
			t.Errorf("First ran %d times on item %s", n, id)
		}
		if n := tasks.count("Second " + id); n != 1 {
			t.Errorf("Second ran %d times on item %s", n, id)
		}
	}
	// The oldest child had ended before the restart: it did not run again.
	if oldest := exs.Executions[2]; !oldest.StopDate.Before(restarted) {
		t.Errorf("the child that had ended stopped at %v, after the restart at %v", oldest.StopDate, restarted)
	}
	for _, ex := range exs.Executions[:2] {
		if !ex.StopDate.After(restarted) {
			t.Errorf("an interrupted child stopped at %v, before the restart", ex.StopDate)
		}
	}
	h, err := c.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: start.ExecutionArn})
	if err != nil || countEvents(h.Events, types.HistoryEventTypeMapRunStarted) != 1 {
		t.Fatalf("parent history has %d MapRunStarted, %v", countEvents(h.Events, types.HistoryEventTypeMapRunStarted), err)
	}
}

// reopener returns a function that opens the service on one SQLite
// store (the same each time) and the objects of root, and returns a client
// and what shuts the service down.
func reopener(t *testing.T, root string, inv integrations.Invoker) func() (*sfn.Client, func()) {
	path := filepath.Join(t.TempDir(), "stepwise.db")
	return func() (*sfn.Client, func()) {
		st, err := store.Open(ctx, path, store.Options{OnError: func(err error) { t.Errorf("store: %v", err) }})
		if err != nil {
			t.Fatal(err)
		}
		svc, err := service.New(service.Options{Store: st, Objects: items.Dir{Root: root}, Invoker: inv})
		if err != nil {
			t.Fatal(err)
		}
		if err := svc.Start(ctx); err != nil {
			t.Fatal(err)
		}
		hs := httptest.NewServer(svc)
		return newClient(hs.URL), func() {
			hs.Close()
			if err := svc.Shutdown(ctx); err != nil {
				t.Error(err)
			}
			if err := st.Close(); err != nil {
				t.Error(err)
			}
		}
	}
}

// What UpdateMapRun changed outlives a restart: the map run taken up goes
// on with the updated MaxConcurrency and tolerated failures, not the
// definition's, and DescribeMapRun says so. (They were lost: the run went
// on one child at a time.)
func TestUpdateMapRunAcrossRestart(t *testing.T) {
	root := itemsRoot(t, `[{"wait":2},{"wait":2},{"wait":2},{"wait":2},{"wait":2},{"wait":2},{"wait":2},{"wait":2}]`)
	open := reopener(t, root, nil)
	c, closeFn := open()
	sm := createMachine(t, c, "updated", mapRunMachine(`"MaxConcurrency":1,"ToleratedFailureCount":0,`), "")
	start, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(sm)})
	if err != nil {
		t.Fatal(err)
	}
	mr := firstMapRun(t, c, start.ExecutionArn)
	describeUntil(t, c, mr, 5*time.Second, func(d *sfn.DescribeMapRunOutput) bool { return d.ExecutionCounts.Running == 1 })
	if _, err := c.UpdateMapRun(ctx, &sfn.UpdateMapRunInput{MapRunArn: mr, MaxConcurrency: aws.Int32(3), ToleratedFailureCount: aws.Int64(5)}); err != nil {
		t.Fatal(err)
	}
	describeUntil(t, c, mr, 2*time.Second, func(d *sfn.DescribeMapRunOutput) bool { return d.ExecutionCounts.Running == 3 })
	closeFn()

	c, closeFn = open()
	defer closeFn()
	// Taken up: the three interrupted children go on, three at a time.
	d := describeUntil(t, c, mr, 5*time.Second, func(d *sfn.DescribeMapRunOutput) bool {
		return d.Status == types.MapRunStatusRunning && d.ExecutionCounts.Running == 3
	})
	if d.MaxConcurrency != 3 || d.ToleratedFailureCount != 5 || d.ToleratedFailurePercentage != 0 {
		t.Errorf("taken up: max %d, tolerated %d and %v%%; want 3, 5 and 0%%", d.MaxConcurrency, d.ToleratedFailureCount, d.ToleratedFailurePercentage)
	}
	if e := waitDone(t, c, *start.ExecutionArn); e.Status != types.ExecutionStatusSucceeded {
		t.Fatalf("parent: %s %s %s", e.Status, aws.ToString(e.Error), aws.ToString(e.Cause))
	}
	d, err = c.DescribeMapRun(ctx, &sfn.DescribeMapRunInput{MapRunArn: mr})
	if err != nil || d.Status != types.MapRunStatusSucceeded || d.ItemCounts.Succeeded != 8 || d.MaxConcurrency != 3 {
		t.Fatalf("ended: %+v, %v", d, err)
	}
}

// inParallel returns def's state Work in the first branch of a Parallel,
// after a Pass; the second branch is a Pass. The Parallel's output is
// [Work's output, {}] for the input {}.
func inParallel(t *testing.T, def string) string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(def), &m); err != nil {
		t.Fatal(err)
	}
	work := m["States"].(map[string]any)["Work"]
	branch := map[string]any{"StartAt": "Before", "States": map[string]any{"Before": map[string]any{"Type": "Pass", "Next": "Work"}, "Work": work}}
	nested, err := json.Marshal(map[string]any{"StartAt": "Both", "States": map[string]any{"Both": map[string]any{"Type": "Parallel", "End": true,
		"Branches": []any{branch, map[string]any{"StartAt": "Other", "States": map[string]any{"Other": map[string]any{"Type": "Pass", "End": true}}}}}}})
	if err != nil {
		t.Fatal(err)
	}
	return string(nested)
}

// A Distributed Map in a Parallel branch is taken up by a restart as a
// top-level one is: the branch runs again up to it, and the map run goes
// on under its ARN, its children each running their Tasks once. (It ran a
// new map run, and its children's Tasks again.)
func TestNestedMapRunAcrossRestart(t *testing.T) {
	root := itemsRoot(t, `[{"id":"a","wait":0},{"id":"b","wait":2},{"id":"c","wait":2}]`)
	tasks := &taskCounter{}
	open := reopener(t, root, tasks)
	c, closeFn := open()
	sm := createMachine(t, c, "nested-again", inParallel(t, taskMapRunMachine), "")
	start, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(sm)})
	if err != nil {
		t.Fatal(err)
	}
	first := firstMapRun(t, c, start.ExecutionArn)
	describeUntil(t, c, first, 5*time.Second, func(d *sfn.DescribeMapRunOutput) bool {
		return d.ExecutionCounts.Running == 2 && d.ExecutionCounts.Succeeded == 1
	})
	closeFn()

	c, closeFn = open()
	defer closeFn()
	if e := waitDone(t, c, *start.ExecutionArn); e.Status != types.ExecutionStatusSucceeded {
		t.Fatalf("parent: %s %s %s", e.Status, aws.ToString(e.Error), aws.ToString(e.Cause))
	}
	l, err := c.ListMapRuns(ctx, &sfn.ListMapRunsInput{ExecutionArn: start.ExecutionArn})
	if err != nil || len(l.MapRuns) != 1 || *l.MapRuns[0].MapRunArn != *first {
		t.Fatalf("map runs = %+v, %v; want the one of before the restart", l, err)
	}
	d, err := c.DescribeMapRun(ctx, &sfn.DescribeMapRunInput{MapRunArn: first})
	if err != nil || d.Status != types.MapRunStatusSucceeded || d.ExecutionCounts.Succeeded != 3 || d.ExecutionCounts.Total != 3 {
		t.Fatalf("map run taken up = %+v, %v", d, err)
	}
	for _, id := range []string{"a", "b", "c"} {
		if n, m := tasks.count("First "+id), tasks.count("Second "+id); n != 1 || m != 1 {
			t.Errorf("item %s: First ran %d times, Second %d", id, n, m)
		}
	}
	h, err := c.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: start.ExecutionArn})
	if err != nil || countEvents(h.Events, types.HistoryEventTypeMapRunStarted) != 1 {
		t.Fatalf("parent history has %d MapRunStarted, %v", countEvents(h.Events, types.HistoryEventTypeMapRunStarted), err)
	}
}

// countEvents counts the events of a type.
func countEvents(evs []types.HistoryEvent, typ types.HistoryEventType) int {
	n := 0
	for _, e := range evs {
		if e.Type == typ {
			n++
		}
	}
	return n
}

// A Distributed Map over the state input's items (no ItemReader) has its
// map run recorded too.
func TestMapRunOfInputItems(t *testing.T) {
	c := startServer(t, service.Options{}, true).client
	sm := createMachine(t, c, "inline", `{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.xs","Label":"Each",
		"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}}}`, "")
	start, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(sm), Input: aws.String(`{"xs":[1,2,3]}`)})
	if err != nil {
		t.Fatal(err)
	}
	if d := waitDone(t, c, *start.ExecutionArn); d.Status != types.ExecutionStatusSucceeded || aws.ToString(d.Output) != "[1,2,3]" {
		t.Fatalf("parent: %s %s", d.Status, aws.ToString(d.Output))
	}
	mr := onlyMapRun(t, c, *start.ExecutionArn)
	if !strings.HasPrefix(*mr.MapRunArn, "arn:aws:states:us-east-1:123456789012:mapRun:inline/Each:") {
		t.Errorf("map run %s", *mr.MapRunArn)
	}
	d, err := c.DescribeMapRun(ctx, &sfn.DescribeMapRunInput{MapRunArn: mr.MapRunArn})
	if err != nil || d.ItemCounts.Succeeded != 3 || d.ItemCounts.Total != 3 || d.ItemCounts.Pending != 0 || d.ExecutionCounts.Total != 3 {
		t.Fatalf("DescribeMapRun = %+v, %v", d, err)
	}
	l, err := c.ListExecutions(ctx, &sfn.ListExecutionsInput{MapRunArn: mr.MapRunArn})
	if err != nil || len(l.Executions) != 3 {
		t.Fatalf("children = %+v, %v", l, err)
	}
	de, err := c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: l.Executions[0].ExecutionArn})
	if err != nil || aws.ToString(de.Input) != "3" || aws.ToString(de.Output) != "3" {
		t.Fatalf("newest child = %+v, %v", de, err)
	}
}

// otherBackend runs executions without recording map runs (as the
// Temporal backend does).
type otherBackend struct{ local *service.Local }

func (b otherBackend) Run(ctx context.Context, r *service.Run) (*engine.Result, error) {
	return b.local.Run(ctx, r)
}

func (b otherBackend) CompleteTask(key, token string, output any, err error) error {
	return b.local.CompleteTask(key, token, output, err)
}

func (b otherBackend) Heartbeat(key, token string) error { return b.local.Heartbeat(key, token) }

// On a backend other than the local one, the Map Run API says that it
// does not record map runs rather than answer as if there were none.
func TestMapRunsOnAnotherBackend(t *testing.T) {
	s := startServer(t, service.Options{Backend: otherBackend{service.NewLocal()}}, true)
	c := s.client
	sm := createMachine(t, c, "other", passMachine, "")
	ex, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(sm), Input: aws.String(`{}`)})
	if err != nil {
		t.Fatal(err)
	}
	mr := "arn:aws:states:us-east-1:123456789012:mapRun:other/M:0f3a3d6e-4d0b-4a3e-9a3f-6a1b2c3d4e5f"
	msg := "Map runs are recorded only by the local (SQLite) and temporal backends of stepwise serve, not by this one"
	for _, call := range []struct{ op, body string }{
		{"DescribeMapRun", fmt.Sprintf(`{"mapRunArn":%q}`, mr)},
		{"UpdateMapRun", fmt.Sprintf(`{"mapRunArn":%q,"maxConcurrency":2}`, mr)},
		{"ListMapRuns", fmt.Sprintf(`{"executionArn":%q}`, *ex.ExecutionArn)},
		{"ListExecutions", fmt.Sprintf(`{"mapRunArn":%q}`, mr)},
	} {
		wantRaw(t, s.http.URL, call.op, call.body, 400, "ValidationException", msg)
	}
	// A malformed ARN is still InvalidArn.
	wantRaw(t, s.http.URL, "DescribeMapRun", `{"mapRunArn":"nope"}`, 400, "InvalidArn", "Invalid Arn: 'Invalid ARN prefix: nope'")
}

// A Distributed Map inside a child execution has its own map run, of that
// child.
func TestNestedMapRun(t *testing.T) {
	c := startServer(t, service.Options{}, true).client
	sm := createMachine(t, c, "nest", `{"StartAt":"Outer","States":{"Outer":{"Type":"Map","ItemsPath":"$.xs",
		"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"Inner","States":{"Inner":{"Type":"Map","ItemsPath":"$.ys",
			"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}}},"End":true}}}`, "")
	start, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(sm), Input: aws.String(`{"xs":[{"ys":[1,2]}]}`)})
	if err != nil {
		t.Fatal(err)
	}
	if d := waitDone(t, c, *start.ExecutionArn); d.Status != types.ExecutionStatusSucceeded || aws.ToString(d.Output) != "[[1,2]]" {
		t.Fatalf("parent: %s %s", d.Status, aws.ToString(d.Output))
	}
	outer := onlyMapRun(t, c, *start.ExecutionArn)
	l, err := c.ListExecutions(ctx, &sfn.ListExecutionsInput{MapRunArn: outer.MapRunArn})
	if err != nil || len(l.Executions) != 1 {
		t.Fatalf("outer children = %+v, %v", l, err)
	}
	inner := onlyMapRun(t, c, *l.Executions[0].ExecutionArn)
	if !strings.Contains(*inner.MapRunArn, ":mapRun:nest/Inner:") {
		t.Errorf("inner map run %s", *inner.MapRunArn)
	}
	d, err := c.DescribeMapRun(ctx, &sfn.DescribeMapRunInput{MapRunArn: inner.MapRunArn})
	if err != nil || d.ItemCounts.Succeeded != 2 || *d.ExecutionArn != *l.Executions[0].ExecutionArn {
		t.Fatalf("inner map run = %+v, %v", d, err)
	}
	h, err := c.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: l.Executions[0].ExecutionArn})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, ev := range h.Events {
		found = found || (ev.Type == types.HistoryEventTypeMapRunStarted && *ev.MapRunStartedEventDetails.MapRunArn == *inner.MapRunArn)
	}
	if !found {
		t.Errorf("the outer child's history has no MapRunStarted of %s", *inner.MapRunArn)
	}
}

// StopExecution of the parent aborts its map run and the running children.
func TestMapRunAbortedWithItsParent(t *testing.T) {
	root := itemsRoot(t, `[{"wait":30},{"wait":30},{"wait":30}]`)
	c := startServer(t, service.Options{Objects: items.Dir{Root: root}}, true).client
	sm := createMachine(t, c, "stopped", mapRunMachine(`"MaxConcurrency":2,`), "")
	start, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(sm)})
	if err != nil {
		t.Fatal(err)
	}
	mr := firstMapRun(t, c, start.ExecutionArn)
	describeUntil(t, c, mr, 5*time.Second, func(d *sfn.DescribeMapRunOutput) bool { return d.ExecutionCounts.Running == 2 })
	if _, err := c.StopExecution(ctx, &sfn.StopExecutionInput{ExecutionArn: start.ExecutionArn}); err != nil {
		t.Fatal(err)
	}
	if e := waitDone(t, c, *start.ExecutionArn); e.Status != types.ExecutionStatusAborted {
		t.Fatalf("parent: %s", e.Status)
	}
	d := describeUntil(t, c, mr, 5*time.Second, func(d *sfn.DescribeMapRunOutput) bool { return d.Status != types.MapRunStatusRunning })
	if d.Status != types.MapRunStatusAborted || d.StopDate == nil || d.ExecutionCounts.Aborted != 2 || d.ExecutionCounts.Running != 0 || d.ItemCounts.Total != 2 {
		t.Fatalf("map run of a stopped parent = %s %+v %+v", d.Status, *d.ExecutionCounts, *d.ItemCounts)
	}
	l, err := c.ListExecutions(ctx, &sfn.ListExecutionsInput{MapRunArn: mr, StatusFilter: types.ExecutionStatusAborted})
	if err != nil || len(l.Executions) != 2 {
		t.Fatalf("aborted children = %+v, %v", l, err)
	}
}

// A redrive of a parent that failed in its Map redrives its map run: the
// failed child goes on under its ARN from the state it failed in (its
// first Task, which had succeeded, is not invoked again), the succeeded
// one does not run again, and the map run counts the redrive.
func TestMapRunOfARedrive(t *testing.T) {
	const items = `[{"id":"a","wait":0},{"id":"b","fail":true,"wait":0}]`
	t.Run("top-level", func(t *testing.T) { testMapRunOfARedrive(t, taskMapRunMachine, items) })
	// In a Parallel branch, the redrive runs the branch again up to the
	// Map, which redrives its map run.
	t.Run("in-a-parallel", func(t *testing.T) { testMapRunOfARedrive(t, inParallel(t, taskMapRunMachine), "["+items+",{}]") })
}

func testMapRunOfARedrive(t *testing.T, def, wantOutput string) {
	root := itemsRoot(t, `[{"id":"a","wait":0},{"id":"b","fail":true,"wait":0}]`)
	tasks := &taskCounter{}
	tasks.failing.Store(true)
	c := startServer(t, service.Options{Objects: items.Dir{Root: root}, Invoker: tasks}, true).client
	sm := createMachine(t, c, "redo", def, "")
	start, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(sm)})
	if err != nil {
		t.Fatal(err)
	}
	if e := waitDone(t, c, *start.ExecutionArn); e.Status != types.ExecutionStatusFailed || aws.ToString(e.Error) != "States.ExceedToleratedFailureThreshold" {
		t.Fatalf("parent: %s %s", e.Status, aws.ToString(e.Error))
	}
	first := onlyMapRun(t, c, *start.ExecutionArn)
	if d, err := c.DescribeMapRun(ctx, &sfn.DescribeMapRunInput{MapRunArn: first.MapRunArn}); err != nil || d.Status != types.MapRunStatusFailed || d.ItemCounts.Failed != 1 {
		t.Fatalf("failed map run = %+v, %v", d, err)
	}
	before, err := c.ListExecutions(ctx, &sfn.ListExecutionsInput{MapRunArn: first.MapRunArn})
	if err != nil || len(before.Executions) != 2 {
		t.Fatalf("children = %+v, %v", before, err)
	}
	if de, _ := c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: before.Executions[0].ExecutionArn}); de.RedriveStatus != types.ExecutionRedriveStatusRedrivableByMapRun {
		t.Errorf("failed child's redrive status %s", de.RedriveStatus)
	}
	// A child is redriven with its map run, not on its own.
	_, err = c.RedriveExecution(ctx, &sfn.RedriveExecutionInput{ExecutionArn: before.Executions[0].ExecutionArn})
	wantCode(t, err, "ExecutionNotRedrivable")
	tasks.failing.Store(false)
	if _, err := c.RedriveExecution(ctx, &sfn.RedriveExecutionInput{ExecutionArn: start.ExecutionArn}); err != nil {
		t.Fatal(err)
	}
	if e := waitDone(t, c, *start.ExecutionArn); e.Status != types.ExecutionStatusSucceeded || aws.ToString(e.Output) != wantOutput {
		t.Fatalf("redriven parent: %s %s %s", e.Status, aws.ToString(e.Error), aws.ToString(e.Output))
	}
	if tasks.count("First a") != 1 || tasks.count("First b") != 1 || tasks.count("Second a") != 1 || tasks.count("Second b") != 2 {
		t.Errorf("task calls %v: want First once on each item, Second twice on b", tasks.calls)
	}
	l, err := c.ListMapRuns(ctx, &sfn.ListMapRunsInput{ExecutionArn: start.ExecutionArn})
	if err != nil || len(l.MapRuns) != 1 || *l.MapRuns[0].MapRunArn != *first.MapRunArn {
		t.Fatalf("map runs after the redrive = %+v, %v", l, err)
	}
	d, err := c.DescribeMapRun(ctx, &sfn.DescribeMapRunInput{MapRunArn: first.MapRunArn})
	if err != nil || d.Status != types.MapRunStatusSucceeded || d.RedriveCount == nil || *d.RedriveCount != 1 || d.RedriveDate == nil ||
		d.ItemCounts.Succeeded != 2 || d.ExecutionCounts.Total != 2 || d.ExecutionCounts.Failed != 0 {
		t.Fatalf("redriven map run = %+v, %v", d, err)
	}
	after, err := c.ListExecutions(ctx, &sfn.ListExecutionsInput{MapRunArn: first.MapRunArn})
	if err != nil || len(after.Executions) != 2 {
		t.Fatalf("children after the redrive = %+v, %v", after, err)
	}
	redriven, kept := after.Executions[0], after.Executions[1]
	if *redriven.ExecutionArn != *before.Executions[0].ExecutionArn || redriven.Status != types.ExecutionStatusSucceeded ||
		redriven.RedriveCount == nil || *redriven.RedriveCount != 1 {
		t.Errorf("redriven child %+v", redriven)
	}
	if kept.RedriveCount != nil && *kept.RedriveCount != 0 || !kept.StopDate.Equal(*before.Executions[1].StopDate) {
		t.Errorf("succeeded child ran again: %+v", kept)
	}
	h, err := c.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: start.ExecutionArn})
	if err != nil {
		t.Fatal(err)
	}
	if countEvents(h.Events, types.HistoryEventTypeMapRunStarted) != 1 || countEvents(h.Events, types.HistoryEventTypeMapRunRedriven) != 1 {
		t.Errorf("parent history: %d MapRunStarted, %d MapRunRedriven", countEvents(h.Events, types.HistoryEventTypeMapRunStarted),
			countEvents(h.Events, types.HistoryEventTypeMapRunRedriven))
	}
	for _, e := range h.Events {
		if e.Type == types.HistoryEventTypeMapRunRedriven {
			if dd := e.MapRunRedrivenEventDetails; aws.ToString(dd.MapRunArn) != *first.MapRunArn || aws.ToInt32(dd.RedriveCount) != 1 {
				t.Errorf("MapRunRedriven %+v", dd)
			}
		}
	}
	ch, err := c.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: redriven.ExecutionArn})
	if err != nil || countEvents(ch.Events, types.HistoryEventTypeExecutionFailed) != 1 || countEvents(ch.Events, types.HistoryEventTypeExecutionRedriven) != 1 ||
		ch.Events[len(ch.Events)-1].Type != types.HistoryEventTypeExecutionSucceeded {
		t.Fatalf("redriven child's history: %d events, %v", len(ch.Events), err)
	}
	// Its events stay; after ExecutionRedriven, the state it failed in is
	// entered again.
	if got := strings.Join(enteredStates(ch.Events), " "); got != "First Nap Second Second" || !consecutive(ch.Events) {
		t.Errorf("redriven child: states entered %s", got)
	}
	for i, e := range ch.Events {
		if e.Type == types.HistoryEventTypeExecutionRedriven {
			if next := ch.Events[i+1]; next.StateEnteredEventDetails == nil || aws.ToString(next.StateEnteredEventDetails.Name) != "Second" ||
				next.PreviousEventId != e.Id || aws.ToInt32(e.ExecutionRedrivenEventDetails.RedriveCount) != 1 {
				t.Errorf("after ExecutionRedriven (%d): %s %d (previous %d)", e.Id, next.Type, next.Id, next.PreviousEventId)
			}
		}
	}
}

// Items of the state input are known at the start: they wait as pending
// until their child runs.
func TestMapRunPendingItems(t *testing.T) {
	c := startServer(t, service.Options{}, true).client
	sm := createMachine(t, c, "pend", `{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.xs","MaxConcurrency":1,
		"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":30,"End":true}}},"End":true}}}`, "")
	start, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(sm), Input: aws.String(`{"xs":[1,2,3]}`)})
	if err != nil {
		t.Fatal(err)
	}
	mr := firstMapRun(t, c, start.ExecutionArn)
	d := describeUntil(t, c, mr, 5*time.Second, func(d *sfn.DescribeMapRunOutput) bool { return d.ItemCounts.Running == 1 })
	if d.ItemCounts.Total != 3 || d.ItemCounts.Pending != 2 || d.ExecutionCounts.Total != 1 {
		t.Errorf("running map run: items %+v, executions %+v", *d.ItemCounts, *d.ExecutionCounts)
	}
	if _, err := c.StopExecution(ctx, &sfn.StopExecutionInput{ExecutionArn: start.ExecutionArn}); err != nil {
		t.Fatal(err)
	}
	d = describeUntil(t, c, mr, 5*time.Second, func(d *sfn.DescribeMapRunOutput) bool { return d.Status != types.MapRunStatusRunning })
	if d.Status != types.MapRunStatusAborted || d.ItemCounts.Aborted != 3 || d.ItemCounts.Pending != 0 || d.ItemCounts.Running != 0 {
		t.Errorf("stopped map run: %s items %+v", d.Status, *d.ItemCounts)
	}
}
