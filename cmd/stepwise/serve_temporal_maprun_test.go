package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

// mapRunDef is a Distributed Map over $.items, two children at a time,
// no failure tolerated, whose children wait a second and fail on the
// items marked fail.
const mapRunDef = `{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items","MaxConcurrency":2,"Label":"lbl",
  "ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"W","States":{
    "W":{"Type":"Wait","Seconds":1,"Next":"C"},
    "C":{"Type":"Choice","Choices":[{"Variable":"$.fail","BooleanEquals":true,"Next":"F"}],"Default":"P"},
    "F":{"Type":"Fail","Error":"Bad","Cause":"bad item"},
    "P":{"Type":"Pass","End":true}}},"ResultSelector":{"n.$":"States.ArrayLength($)"},"End":true}}}`

// mapRunItems is {"items":[...]} with n items, the last three failing.
func mapRunItems(n int) string {
	var b strings.Builder
	b.WriteString(`{"items":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"n":%d,"fail":%t}`, i, i >= n-3)
	}
	b.WriteString(`]}`)
	return b.String()
}

// TestServeTemporalMapRun runs `stepwise serve --backend temporal` (with
// its in-process worker) against a dev server and checks the Map Run API
// end to end: a Distributed Map of 30 items, two at a time and no failure
// tolerated, is listed (ListMapRuns) and described (DescribeMapRun) while
// it runs; UpdateMapRun raises its MaxConcurrency to 6 and its tolerated
// failures to 3, which the running workflow applies (its last three items
// fail, and the execution succeeds); while it runs, the children its shard
// finished are counted and listed as such; once it ended, DescribeMapRun gives
// the final counts and settings, ListMapRuns its stop date, and
// ListExecutions of the map run pages through its 30 children. An update
// of the ended run is refused as by the local backend.
func TestServeTemporalMapRun(t *testing.T) {
	addr, _ := startTemporalDevServer(t)
	dir := t.TempDir()
	srv := startServeChild(t, "--listen", "127.0.0.1:0", "--db", filepath.Join(dir, "stepwise.db"),
		"--backend", "temporal", "--temporal-address", addr, "--task-queue", "stepwise-serve-maprun")
	c := srv.client
	ctx := context.Background()
	sm, err := c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("mr"), Definition: aws.String(mapRunDef),
		RoleArn: aws.String("arn:aws:iam::123456789012:role/r")})
	if err != nil {
		t.Fatal(err)
	}
	const n = 30
	st, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: sm.StateMachineArn, Name: aws.String("mr-1"), Input: aws.String(mapRunItems(n))})
	if err != nil {
		t.Fatal(err)
	}
	execArn := aws.ToString(st.ExecutionArn)
	machineArn := strings.Replace(aws.ToString(sm.StateMachineArn), ":stateMachine:mr", ":stateMachine:mr/lbl", 1)

	// The map run appears once its MapRunStarted event is copied.
	var run types.MapRunListItem
	deadline := time.Now().Add(time.Minute)
	for {
		l, err := c.ListMapRuns(ctx, &sfn.ListMapRunsInput{ExecutionArn: aws.String(execArn)})
		if err != nil {
			t.Fatalf("ListMapRuns: %v", err)
		}
		if len(l.MapRuns) == 1 {
			run = l.MapRuns[0]
			break
		}
		if len(l.MapRuns) > 1 || time.Now().After(deadline) {
			t.Fatalf("ListMapRuns: %d map runs", len(l.MapRuns))
		}
		time.Sleep(50 * time.Millisecond)
	}
	mrArn := aws.ToString(run.MapRunArn)
	if !strings.HasPrefix(mrArn, "arn:aws:states:us-east-1:123456789012:mapRun:mr/lbl:") || aws.ToString(run.ExecutionArn) != execArn ||
		aws.ToString(run.StateMachineArn) != machineArn || run.StartDate == nil || run.StopDate != nil {
		t.Fatalf("ListMapRuns while running: %+v", run)
	}

	d, err := c.DescribeMapRun(ctx, &sfn.DescribeMapRunInput{MapRunArn: aws.String(mrArn)})
	if err != nil {
		t.Fatalf("DescribeMapRun: %v", err)
	}
	if d.Status != types.MapRunStatusRunning || d.MaxConcurrency != 2 || d.ToleratedFailureCount != 0 || d.ItemCounts.Total != n ||
		d.ExecutionCounts.Running > 2 || d.ItemCounts.Running > 2 || d.ItemCounts.Failed != 0 || d.StopDate != nil ||
		aws.ToString(d.ExecutionArn) != execArn {
		t.Fatalf("DescribeMapRun while running: %s max %d tolerated %d items %+v executions %+v", d.Status, d.MaxConcurrency,
			d.ToleratedFailureCount, *d.ItemCounts, *d.ExecutionCounts)
	}

	if _, err := c.UpdateMapRun(ctx, &sfn.UpdateMapRunInput{MapRunArn: aws.String(mrArn), MaxConcurrency: aws.Int32(6),
		ToleratedFailureCount: aws.Int64(3)}); err != nil {
		t.Fatalf("UpdateMapRun: %v", err)
	}
	// The workflow applied it before UpdateMapRun returned.
	d, err = c.DescribeMapRun(ctx, &sfn.DescribeMapRunInput{MapRunArn: aws.String(mrArn)})
	if err != nil {
		t.Fatalf("DescribeMapRun: %v", err)
	}
	if d.MaxConcurrency != 6 || d.ToleratedFailureCount != 3 {
		t.Fatalf("DescribeMapRun after UpdateMapRun: %s max %d tolerated %d", d.Status, d.MaxConcurrency, d.ToleratedFailureCount)
	}

	// While it runs, the children its shard finished count, and are
	// listed, as they ended (the shard reports them to the parent only
	// when it ends).
	for deadline := time.Now().Add(time.Minute); ; {
		d, err = c.DescribeMapRun(ctx, &sfn.DescribeMapRunInput{MapRunArn: aws.String(mrArn)})
		if err != nil {
			t.Fatalf("DescribeMapRun: %v", err)
		}
		if d.Status != types.MapRunStatusRunning || time.Now().After(deadline) {
			t.Fatalf("the map run ended (%s) before any child was counted succeeded", d.Status)
		}
		if d.ExecutionCounts.Succeeded >= 4 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	ec := *d.ExecutionCounts
	if ec.Total != n || ec.Succeeded+ec.Failed+ec.Running+ec.Pending+ec.Aborted != n || ec.Running > 6 || d.ItemCounts.Succeeded != ec.Succeeded {
		t.Fatalf("DescribeMapRun while running: items %+v executions %+v", *d.ItemCounts, ec)
	}
	done, err := c.ListExecutions(ctx, &sfn.ListExecutionsInput{MapRunArn: aws.String(mrArn), StatusFilter: types.ExecutionStatusSucceeded})
	if err != nil || len(done.Executions) < int(ec.Succeeded) {
		t.Fatalf("succeeded children while running: %d listed, %d counted before (%v)", len(done.Executions), ec.Succeeded, err)
	}
	for _, e := range done.Executions {
		if e.Status != types.ExecutionStatusSucceeded || e.StopDate == nil {
			t.Fatalf("succeeded child while running: %+v", e)
		}
	}

	var ex *sfn.DescribeExecutionOutput
	for deadline := time.Now().Add(3 * time.Minute); ; {
		ex, err = c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(execArn)})
		if err != nil {
			t.Fatal(err)
		}
		if ex.Status != types.ExecutionStatusRunning {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the execution is still running")
		}
		time.Sleep(100 * time.Millisecond)
	}
	// Three failures, tolerated since the update.
	if ex.Status != types.ExecutionStatusSucceeded || aws.ToString(ex.Output) != `{"n":30}` {
		t.Fatalf("execution %s %s %s %s", ex.Status, aws.ToString(ex.Output), aws.ToString(ex.Error), aws.ToString(ex.Cause))
	}

	d, err = c.DescribeMapRun(ctx, &sfn.DescribeMapRunInput{MapRunArn: aws.String(mrArn)})
	if err != nil {
		t.Fatalf("DescribeMapRun: %v", err)
	}
	want := types.MapRunItemCounts{Total: n, Succeeded: n - 3, Failed: 3, ResultsWritten: n - 3}
	got := *d.ItemCounts
	ec = *d.ExecutionCounts
	if d.Status != types.MapRunStatusSucceeded || d.StopDate == nil || d.MaxConcurrency != 6 || d.ToleratedFailureCount != 3 ||
		got.Total != want.Total || got.Succeeded != want.Succeeded || got.Failed != want.Failed || got.ResultsWritten != want.ResultsWritten ||
		got.Running != 0 || got.Pending != 0 || got.Aborted != 0 ||
		ec.Total != n || ec.Succeeded != n-3 || ec.Failed != 3 || ec.Running != 0 || ec.Pending != 0 || ec.ResultsWritten != n-3 {
		t.Fatalf("DescribeMapRun after the end: %s stop %v max %d tolerated %d items %+v executions %+v", d.Status, d.StopDate,
			d.MaxConcurrency, d.ToleratedFailureCount, got, ec)
	}

	l, err := c.ListMapRuns(ctx, &sfn.ListMapRunsInput{ExecutionArn: aws.String(execArn)})
	if err != nil || len(l.MapRuns) != 1 || l.MapRuns[0].StopDate == nil || aws.ToString(l.MapRuns[0].MapRunArn) != mrArn {
		t.Fatalf("ListMapRuns after the end: %+v %v", l, err)
	}

	// The children, ten at a time, newest first.
	names := map[string]bool{}
	statuses := map[types.ExecutionStatus]int{}
	var token *string
	for pages := 0; ; pages++ {
		page, err := c.ListExecutions(ctx, &sfn.ListExecutionsInput{MapRunArn: aws.String(mrArn), MaxResults: 10, NextToken: token})
		if err != nil {
			t.Fatalf("ListExecutions: %v", err)
		}
		if pages > 3 || len(page.Executions) > 10 {
			t.Fatalf("page %d has %d executions", pages, len(page.Executions))
		}
		for _, e := range page.Executions {
			name := aws.ToString(e.Name)
			if names[name] || aws.ToString(e.ExecutionArn) != strings.Replace(machineArn, ":stateMachine:", ":execution:", 1)+":"+name ||
				aws.ToString(e.MapRunArn) != mrArn || aws.ToInt32(e.ItemCount) != 1 || e.StartDate == nil || e.StopDate == nil ||
				aws.ToString(e.StateMachineArn) != machineArn {
				t.Fatalf("child %+v", e)
			}
			names[name] = true
			statuses[e.Status]++
		}
		if token = page.NextToken; token == nil {
			break
		}
	}
	if len(names) != n || statuses[types.ExecutionStatusSucceeded] != n-3 || statuses[types.ExecutionStatusFailed] != 3 {
		t.Fatalf("%d children: %v", len(names), statuses)
	}
	failed, err := c.ListExecutions(ctx, &sfn.ListExecutionsInput{MapRunArn: aws.String(mrArn), StatusFilter: types.ExecutionStatusFailed})
	if err != nil || len(failed.Executions) != 3 {
		t.Fatalf("failed children: %+v %v", failed, err)
	}

	// An ended map run cannot be updated; an unknown one is not found.
	_, err = c.UpdateMapRun(ctx, &sfn.UpdateMapRunInput{MapRunArn: aws.String(mrArn), MaxConcurrency: aws.Int32(1)})
	var ve *types.ValidationException
	if !errors.As(err, &ve) || aws.ToString(ve.Message) != "Map Run "+mrArn+" is SUCCEEDED: only a running map run can be updated" {
		t.Fatalf("UpdateMapRun of an ended map run: %v", err)
	}
	_, err = c.DescribeMapRun(ctx, &sfn.DescribeMapRunInput{MapRunArn: aws.String(mrArn[:strings.LastIndexByte(mrArn, ':')] + ":unknown")})
	var nf *types.ResourceNotFound
	if !errors.As(err, &nf) {
		t.Fatalf("DescribeMapRun of an unknown map run: %v", err)
	}
}
