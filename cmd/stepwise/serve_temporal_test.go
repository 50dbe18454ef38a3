package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/worker"

	"github.com/stepwise/stepwise/asl/fault"
	"github.com/stepwise/stepwise/engine/runtime/temporal"
	"github.com/stepwise/stepwise/engine/runtime/temporal/temporaltest"
	"github.com/stepwise/stepwise/integrations"
	"github.com/stepwise/stepwise/integrations/mock"
)

// startTemporalDevServer starts a Temporal dev server for the test and
// returns its address and a client. Without the CLI the test fails, except
// with -short.
func startTemporalDevServer(t *testing.T) (string, client.Client) {
	t.Helper()
	path := temporaltest.CLI(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	quiet := temporaltest.QuietLogger()
	srv, err := testsuite.StartDevServer(ctx, testsuite.DevServerOptions{
		ExistingPath:  path,
		ClientOptions: &client.Options{Logger: quiet},
		LogLevel:      "error",
		Stdout:        io.Discard,
		Stderr:        io.Discard,
	})
	if err != nil {
		t.Fatalf("starting the dev server: %v", err)
	}
	t.Cleanup(func() {
		if err := srv.Stop(); err != nil {
			t.Logf("stopping the dev server: %v", err)
		}
	})
	return srv.FrontendHostPort(), srv.Client()
}

const temporalMocks = `{
  "StateMachines": {
    "everything": {"TestCases": {"Happy": {"Work": "Worked"}}},
    "flaky": {"TestCases": {"SecondFails": {"First": "Worked", "Second": "FailsOnce"}}}
  },
  "MockedResponses": {
    "Worked": {"0": {"Return": {"Payload": {"done": true}}}},
    "FailsOnce": {"0": {"Throw": {"Error": "Flaky.Error", "Cause": "first call fails"}}, "1": {"Return": {"second": "ok"}}}
  }
}`

// flakyDef fails at its second Task with the test case SecondFails, until
// it is redriven.
const flakyDef = `{"StartAt":"Prep","States":{
  "Prep":{"Type":"Pass","Result":1,"ResultPath":"$.prep","Next":"First"},
  "First":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"f"},"ResultSelector":{"done.$":"$.Payload.done"},"ResultPath":"$.first","Next":"Second"},
  "Second":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"g"},"ResultPath":"$.second","End":true}}}`

// everythingDef uses most state types: a mocked Task, a Choice, a Wait, a
// Parallel and a Map.
const everythingDef = `{"StartAt":"Prep","States":{
  "Prep":{"Type":"Pass","Result":{"n":2},"ResultPath":"$.prep","Next":"Work"},
  "Work":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"f","Payload.$":"$"},"ResultSelector":{"done.$":"$.Payload.done"},"ResultPath":"$.work","Next":"Pick"},
  "Pick":{"Type":"Choice","Choices":[{"Variable":"$.work.done","BooleanEquals":true,"Next":"Nap"}],"Default":"Fail"},
  "Fail":{"Type":"Fail","Error":"Nope"},
  "Nap":{"Type":"Wait","Seconds":1,"Next":"Both"},
  "Both":{"Type":"Parallel","Branches":[
     {"StartAt":"L","States":{"L":{"Type":"Pass","Result":"l","End":true}}},
     {"StartAt":"R","States":{"R":{"Type":"Pass","Result":"r","End":true}}}],"ResultPath":"$.both","Next":"Each"},
  "Each":{"Type":"Map","ItemsPath":"$.items","ItemProcessor":{"StartAt":"Double","States":{
     "Double":{"Type":"Pass","Parameters":{"v.$":"States.MathAdd($, $)"},"End":true}}},"ResultPath":"$.each","End":true}}}`

const everythingOutput = `{"items":[1,2],"prep":{"n":2},"work":{"done":true},"both":["l","r"],"each":[{"v":2},{"v":4}]}`

// TestServeTemporal runs `stepwise serve --backend temporal` (a child
// process, with --temporal-worker=false) against a dev server, with a
// worker in the test process, and checks the API end to end: an
// execution with mocked tasks and the same history as the local backend,
// a .waitForTaskToken task completed with SendTaskSuccess, StopExecution,
// activity tasks and RedriveExecution (with the in-process worker), an
// activity task queued when the server is killed (SIGKILL) and handed out
// after its restart, an activity refused without it, and a restart of the
// server while an execution is in a Wait.
func TestServeTemporal(t *testing.T) {
	addr, tc := startTemporalDevServer(t)
	const queue = "stepwise-serve-test"
	dir := t.TempDir()
	mocksFile := filepath.Join(dir, "mocks.json")
	if err := os.WriteFile(mocksFile, []byte(temporalMocks), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := mock.Load(mocksFile)
	if err != nil {
		t.Fatal(err)
	}
	tokens := make(chan string, 4)
	inv := integrations.InvokerFunc(func(ctx context.Context, task *integrations.Task) (any, error) {
		if strings.HasSuffix(task.Resource, ".waitForTaskToken") {
			tokens <- task.TaskToken
			return integrations.Pending{}, nil
		}
		return nil, fault.New(fault.TaskFailed, "unexpected resource "+task.Resource)
	})
	w := worker.New(tc, queue, temporal.WorkerOptions())
	temporal.Register(w, &temporal.Tasks{Invoker: inv, Mocks: cfg})
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Stop)

	db := filepath.Join(dir, "stepwise.db")
	args := []string{"--listen", "127.0.0.1:0", "--db", db, "--mocks", mocksFile, "--backend", "temporal",
		"--temporal-address", addr, "--task-queue", queue, "--temporal-worker=false"}
	srv := startServeChild(t, args...)
	c := srv.client
	ctx := context.Background()
	mk := func(t *testing.T, c *sfn.Client, name, def string) string {
		t.Helper()
		out, err := c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String(name), Definition: aws.String(def), RoleArn: aws.String("arn:aws:iam::123456789012:role/r")})
		if err != nil {
			t.Fatal(err)
		}
		return *out.StateMachineArn
	}
	start := func(t *testing.T, c *sfn.Client, sm, name, input string) string {
		t.Helper()
		out, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(sm), Name: aws.String(name), Input: aws.String(input)})
		if err != nil {
			t.Fatal(err)
		}
		return *out.ExecutionArn
	}
	types_ := func(t *testing.T, c *sfn.Client, arn string) []string {
		t.Helper()
		h, err := c.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: aws.String(arn), MaxResults: 1000})
		if err != nil {
			t.Fatal(err)
		}
		var seq []string
		for i, e := range h.Events {
			seq = append(seq, string(e.Type))
			if e.Id != int64(i+1) {
				t.Errorf("%s: event %d has id %d", arn, i+1, e.Id)
			}
		}
		return seq
	}

	t.Run("mocked execution matches local", func(t *testing.T) {
		sm := mk(t, c, "everything", everythingDef)
		arn := start(t, c, sm+"#Happy", "everything-1", `{"items":[1,2]}`)
		d := waitClosed(t, c, arn)
		if d.Status != types.ExecutionStatusSucceeded || aws.ToString(d.Output) != everythingOutput {
			t.Fatalf("%s %s %s %s", d.Status, aws.ToString(d.Output), aws.ToString(d.Error), aws.ToString(d.Cause))
		}
		got := types_(t, c, arn)
		// The workflow's ID is the execution ARN.
		wf, err := tc.DescribeWorkflowExecution(ctx, arn, "")
		if err != nil || wf.GetWorkflowExecutionInfo().GetStatus() != enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED {
			t.Fatalf("workflow %s: %v %v", arn, wf.GetWorkflowExecutionInfo().GetStatus(), err)
		}

		local := startServeChild(t, "--listen", "127.0.0.1:0", "--db", filepath.Join(dir, "local.db"), "--mocks", mocksFile)
		lsm := mk(t, local.client, "everything", everythingDef)
		larn := start(t, local.client, lsm+"#Happy", "everything-1", `{"items":[1,2]}`)
		ld := waitClosed(t, local.client, larn)
		if ld.Status != types.ExecutionStatusSucceeded || aws.ToString(ld.Output) != everythingOutput {
			t.Fatalf("local: %s %s", ld.Status, aws.ToString(ld.Output))
		}
		want := types_(t, local.client, larn)
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Fatalf("event types:\n got %v\nwant %v", got, want)
		}
	})

	t.Run("in-process worker", func(t *testing.T) {
		// Without --temporal-worker=false, serve runs the workflows itself
		// (on a task queue no other worker polls).
		own := startServeChild(t, "--listen", "127.0.0.1:0", "--db", filepath.Join(dir, "own.db"), "--mocks", mocksFile,
			"--backend", "temporal", "--temporal-address", addr, "--task-queue", "stepwise-serve-own")
		sm := mk(t, own.client, "everything", everythingDef)
		arn := start(t, own.client, sm+"#Happy", "own-1", `{"items":[1,2]}`)
		d := waitClosed(t, own.client, arn)
		if d.Status != types.ExecutionStatusSucceeded || aws.ToString(d.Output) != everythingOutput {
			t.Fatalf("%s %s %s %s", d.Status, aws.ToString(d.Output), aws.ToString(d.Error), aws.ToString(d.Cause))
		}
	})

	// With the in-process worker, activity tasks are queued on serve for
	// GetActivityTask, and executions can be redriven.
	ipArgs := []string{"--listen", "127.0.0.1:0", "--db", filepath.Join(dir, "ip.db"), "--mocks", mocksFile,
		"--backend", "temporal", "--temporal-address", addr, "--task-queue", "stepwise-serve-ip"}
	ip := startServeChild(t, ipArgs...)
	parent := t
	getTask := func(t *testing.T, activityArn *string) *sfn.GetActivityTaskOutput {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for {
			if time.Now().After(deadline) {
				t.Fatal("GetActivityTask handed out no task")
			}
			pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			task, err := ip.client.GetActivityTask(pctx, &sfn.GetActivityTaskInput{ActivityArn: activityArn, WorkerName: aws.String("w")})
			cancel()
			if err != nil && pctx.Err() == nil {
				t.Fatalf("GetActivityTask: %v", err)
			}
			if err == nil && aws.ToString(task.TaskToken) != "" {
				return task
			}
		}
	}

	t.Run("activity task", func(t *testing.T) {
		act, err := ip.client.CreateActivity(ctx, &sfn.CreateActivityInput{Name: aws.String("approve")})
		if err != nil {
			t.Fatal(err)
		}
		sm := mk(t, ip.client, "approver", `{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"`+*act.ActivityArn+`",
			"HeartbeatSeconds":60,"ResultPath":"$.answer","End":true}}}`)
		arn := start(t, ip.client, sm, "approver-1", `{"ask":1}`)
		task := getTask(t, act.ActivityArn)
		if aws.ToString(task.Input) != `{"ask":1}` {
			t.Errorf("task input %s", aws.ToString(task.Input))
		}
		if _, err := ip.client.SendTaskHeartbeat(ctx, &sfn.SendTaskHeartbeatInput{TaskToken: task.TaskToken}); err != nil {
			t.Fatalf("SendTaskHeartbeat: %v", err)
		}
		if _, err := ip.client.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: task.TaskToken, Output: aws.String(`{"ok":true}`)}); err != nil {
			t.Fatalf("SendTaskSuccess: %v", err)
		}
		d := waitClosed(t, ip.client, arn)
		if d.Status != types.ExecutionStatusSucceeded || aws.ToString(d.Output) != `{"ask":1,"answer":{"ok":true}}` {
			t.Fatalf("%s %s %s %s", d.Status, aws.ToString(d.Output), aws.ToString(d.Error), aws.ToString(d.Cause))
		}
		want := []string{"ExecutionStarted", "TaskStateEntered", "ActivityScheduled", "ActivityStarted", "ActivitySucceeded", "TaskStateExited", "ExecutionSucceeded"}
		if seq := types_(t, ip.client, arn); !slices.Equal(seq, want) {
			t.Fatalf("history %v, want %v", seq, want)
		}
	})

	t.Run("restart with an activity task queued", func(t *testing.T) {
		// The workflow waits for the token of a task nobody took yet; the
		// restarted server queues the task again from its store.
		act, err := ip.client.CreateActivity(ctx, &sfn.CreateActivityInput{Name: aws.String("later")})
		if err != nil {
			t.Fatal(err)
		}
		sm := mk(t, ip.client, "later", `{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"`+*act.ActivityArn+`",
			"ResultPath":"$.answer","End":true}}}`)
		arn := start(t, ip.client, sm, "later-1", `{"ask":2}`)
		historyHas(t, ip.client, arn, types.HistoryEventTypeActivityScheduled, 1)
		// Kill once the task is queued: the workflow's task activity has
		// returned (it stores and queues the task, then the workflow waits
		// for the token).
		for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
			wf, err := tc.DescribeWorkflowExecution(ctx, arn, "")
			if err != nil {
				t.Fatal(err)
			}
			if len(wf.GetPendingActivities()) == 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the task activity is still pending: %v", wf.GetPendingActivities())
			}
		}
		ip.kill(t)
		ip = startServeChild(parent, ipArgs...) // for the subtests after this one too
		task := getTask(t, act.ActivityArn)
		if aws.ToString(task.Input) != `{"ask":2}` {
			t.Errorf("task input %s", aws.ToString(task.Input))
		}
		if _, err := ip.client.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: task.TaskToken, Output: aws.String(`"yes"`)}); err != nil {
			t.Fatalf("SendTaskSuccess: %v", err)
		}
		d := waitClosed(t, ip.client, arn)
		if d.Status != types.ExecutionStatusSucceeded || aws.ToString(d.Output) != `{"ask":2,"answer":"yes"}` {
			t.Fatalf("%s %s %s %s", d.Status, aws.ToString(d.Output), aws.ToString(d.Error), aws.ToString(d.Cause))
		}
	})

	t.Run("missing activity", func(t *testing.T) {
		missing := "arn:aws:states:us-east-1:123456789012:activity:nobody"
		sm := mk(t, ip.client, "orphan", `{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"`+missing+`","End":true}}}`)
		arn := start(t, ip.client, sm, "orphan-1", `{}`)
		d := waitClosed(t, ip.client, arn)
		if d.Status != types.ExecutionStatusFailed || aws.ToString(d.Error) != fault.Runtime ||
			!strings.Contains(aws.ToString(d.Cause), "The activity "+missing+" does not exist.") {
			t.Fatalf("%s %s %s", d.Status, aws.ToString(d.Error), aws.ToString(d.Cause))
		}
		if seq := types_(t, ip.client, arn); slices.Contains(seq, "ActivityScheduled") {
			t.Fatalf("the task was scheduled: %v", seq)
		}
	})

	t.Run("redrive", func(t *testing.T) {
		sm := mk(t, ip.client, "flaky", flakyDef)
		arn := start(t, ip.client, sm+"#SecondFails", "flaky-1", `{}`)
		d := waitClosed(t, ip.client, arn)
		if d.Status != types.ExecutionStatusFailed || aws.ToString(d.Error) != "Flaky.Error" || d.RedriveStatus != types.ExecutionRedriveStatusRedrivable {
			t.Fatalf("first run: %s %s %s %s %s", d.Status, aws.ToString(d.Error), aws.ToString(d.Cause), d.RedriveStatus, aws.ToString(d.RedriveStatusReason))
		}
		failed := len(types_(t, ip.client, arn))
		rd, err := ip.client.RedriveExecution(ctx, &sfn.RedriveExecutionInput{ExecutionArn: aws.String(arn)})
		if err != nil {
			t.Fatal(err)
		}
		if rd.RedriveDate == nil {
			t.Error("no redriveDate")
		}
		d = waitClosed(t, ip.client, arn)
		if d.Status != types.ExecutionStatusSucceeded || aws.ToString(d.Output) != `{"prep":1,"first":{"done":true},"second":{"second":"ok"}}` ||
			aws.ToInt32(d.RedriveCount) != 1 || d.RedriveDate == nil {
			t.Fatalf("after redrive: %s %s %s %s redriveCount %d", d.Status, aws.ToString(d.Output), aws.ToString(d.Error), aws.ToString(d.Cause), aws.ToInt32(d.RedriveCount))
		}
		seq := types_(t, ip.client, arn) // checks that ids follow each other
		joined := strings.Join(seq, ",")
		if seq[failed-1] != "ExecutionFailed" || seq[failed] != "ExecutionRedriven" || strings.Count(joined, "ExecutionRedriven") != 1 ||
			!strings.Contains(joined, "ExecutionFailed,ExecutionRedriven,TaskStateEntered") || seq[len(seq)-1] != "ExecutionSucceeded" ||
			strings.Count(joined, "PassStateEntered") != 1 {
			t.Fatalf("history after redrive: %s", joined)
		}
		_, err = ip.client.RedriveExecution(ctx, &sfn.RedriveExecutionInput{ExecutionArn: aws.String(arn)})
		var nr *types.ExecutionNotRedrivable
		if !errors.As(err, &nr) {
			t.Fatalf("second redrive of a SUCCEEDED execution: %v", err)
		}
		// The redrive ran the workflow again under the execution ARN.
		wf, err := tc.DescribeWorkflowExecution(ctx, arn, "")
		if err != nil || wf.GetWorkflowExecutionInfo().GetStatus() != enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED {
			t.Fatalf("workflow %s: %v %v", arn, wf.GetWorkflowExecutionInfo().GetStatus(), err)
		}
	})

	t.Run("waitForTaskToken", func(t *testing.T) {
		sm := mk(t, c, "callback", `{"StartAt":"Ask","States":{"Ask":{"Type":"Task",
			"Resource":"arn:aws:states:::sqs:sendMessage.waitForTaskToken",
			"Parameters":{"QueueUrl":"https://sqs.us-east-1.amazonaws.com/123456789012/q","MessageBody":{"token.$":"$$.Task.Token"}},
			"HeartbeatSeconds":60,"ResultPath":"$.answer","End":true}}}`)
		arn := start(t, c, sm, "callback-1", `{"q":1}`)
		var token string
		select {
		case token = <-tokens:
		case <-time.After(30 * time.Second):
			t.Fatal("the task was not invoked")
		}
		_, err := c.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: aws.String("not-a-token"), Output: aws.String(`{}`)})
		var it *types.InvalidToken
		if !errors.As(err, &it) {
			t.Fatalf("SendTaskSuccess with an unknown token: %v", err)
		}
		if _, err := c.SendTaskHeartbeat(ctx, &sfn.SendTaskHeartbeatInput{TaskToken: aws.String(token)}); err != nil {
			t.Fatalf("SendTaskHeartbeat: %v", err)
		}
		if _, err := c.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: aws.String(token), Output: aws.String(`{"ok":true}`)}); err != nil {
			t.Fatalf("SendTaskSuccess: %v", err)
		}
		d := waitClosed(t, c, arn)
		if d.Status != types.ExecutionStatusSucceeded || aws.ToString(d.Output) != `{"q":1,"answer":{"ok":true}}` {
			t.Fatalf("%s %s %s %s", d.Status, aws.ToString(d.Output), aws.ToString(d.Error), aws.ToString(d.Cause))
		}
		if seq := types_(t, c, arn); !slices.Contains(seq, "TaskSubmitted") || !slices.Contains(seq, "TaskSucceeded") {
			t.Fatalf("history %v", seq)
		}
	})

	t.Run("StopExecution", func(t *testing.T) {
		sm := mk(t, c, "sleeper", `{"StartAt":"Nap","States":{"Nap":{"Type":"Wait","Seconds":300,"End":true}}}`)
		arn := start(t, c, sm, "sleeper-1", `{}`)
		historyHas(t, c, arn, types.HistoryEventTypeWaitStateEntered, 1)
		if _, err := c.StopExecution(ctx, &sfn.StopExecutionInput{ExecutionArn: aws.String(arn), Error: aws.String("Enough"), Cause: aws.String("test")}); err != nil {
			t.Fatal(err)
		}
		d := describeExecution(t, c, arn)
		if d.Status != types.ExecutionStatusAborted || aws.ToString(d.Error) != "Enough" || aws.ToString(d.Cause) != "test" {
			t.Fatalf("%s %s %s", d.Status, aws.ToString(d.Error), aws.ToString(d.Cause))
		}
		h, err := c.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: aws.String(arn), ReverseOrder: true, MaxResults: 1})
		if err != nil || len(h.Events) != 1 || h.Events[0].Type != types.HistoryEventTypeExecutionAborted ||
			aws.ToString(h.Events[0].ExecutionAbortedEventDetails.Error) != "Enough" {
			t.Fatalf("last event: %+v %v", h, err)
		}
		wf, err := tc.DescribeWorkflowExecution(ctx, arn, "")
		if err != nil || wf.GetWorkflowExecutionInfo().GetStatus() != enumspb.WORKFLOW_EXECUTION_STATUS_CANCELED {
			t.Fatalf("workflow %s: %v %v", arn, wf.GetWorkflowExecutionInfo().GetStatus(), err)
		}
	})

	// A stop right after the start (before the workflow's start returned)
	// aborts the execution as any stop does: its workflow starts and is
	// cancelled, and its history ends with ExecutionAborted (the start was
	// cut short: no history, an ERROR "execution could not run" in the log).
	t.Run("StopExecution right after the start", func(t *testing.T) {
		sm := mk(t, c, "sleeper-quick", `{"StartAt":"Nap","States":{"Nap":{"Type":"Wait","Seconds":300,"End":true}}}`)
		for i := range 4 {
			arn := start(t, c, sm, fmt.Sprintf("quick-%d", i), `{}`)
			if _, err := c.StopExecution(ctx, &sfn.StopExecutionInput{ExecutionArn: aws.String(arn)}); err != nil {
				t.Fatal(err)
			}
			if d := waitClosed(t, c, arn); d.Status != types.ExecutionStatusAborted {
				t.Fatalf("%s: %s", arn, d.Status)
			}
			got := types_(t, c, arn)
			if len(got) < 2 || got[0] != "ExecutionStarted" || got[len(got)-1] != "ExecutionAborted" {
				t.Fatalf("%s: history %v", arn, got)
			}
			wf, err := tc.DescribeWorkflowExecution(ctx, arn, "")
			if err != nil || wf.GetWorkflowExecutionInfo().GetStatus() != enumspb.WORKFLOW_EXECUTION_STATUS_CANCELED {
				t.Fatalf("workflow %s: %v %v", arn, wf.GetWorkflowExecutionInfo().GetStatus(), err)
			}
		}
	})

	t.Run("activities need the in-process worker", func(t *testing.T) {
		act, err := c.CreateActivity(ctx, &sfn.CreateActivityInput{Name: aws.String("approve")})
		if err != nil {
			t.Fatal(err)
		}
		sm := mk(t, c, "approver", `{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"`+*act.ActivityArn+`","End":true}}}`)
		_, err = c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(sm)})
		var ve *types.ValidationException
		if !errors.As(err, &ve) || !strings.Contains(err.Error(), "temporal backend") || !strings.Contains(err.Error(), "--temporal-worker=false") {
			t.Fatalf("StartExecution: %v", err)
		}
	})

	t.Run("restart during a Wait", func(t *testing.T) {
		sm := mk(t, c, "waiter", `{"StartAt":"Before","States":{
			"Before":{"Type":"Pass","Result":"b","ResultPath":"$.before","Next":"Wait"},
			"Wait":{"Type":"Wait","Seconds":4,"Next":"After"},
			"After":{"Type":"Pass","Result":"a","ResultPath":"$.after","End":true}}}`)
		arn := start(t, c, sm, "waiting", `{"w":1}`)
		historyHas(t, c, arn, types.HistoryEventTypeWaitStateEntered, 1)
		killedAt := time.Now()
		srv.kill(t)
		srv = startServeChild(t, args...)
		c = srv.client
		d := waitClosed(t, c, arn)
		if d.Status != types.ExecutionStatusSucceeded || aws.ToString(d.Output) != `{"w":1,"before":"b","after":"a"}` {
			t.Fatalf("%s %s %s %s", d.Status, aws.ToString(d.Output), aws.ToString(d.Error), aws.ToString(d.Cause))
		}
		seq := types_(t, c, arn)
		if n := strings.Count(strings.Join(seq, ","), "ExecutionStarted"); n != 1 || !slices.Contains(seq, "WaitStateExited") || seq[len(seq)-1] != "ExecutionSucceeded" {
			t.Fatalf("history %v", seq)
		}
		// The workflow started before the kill ran it to its end: the
		// restarted server attached to it.
		wf, err := tc.DescribeWorkflowExecution(ctx, arn, "")
		if err != nil || wf.GetWorkflowExecutionInfo().GetStatus() != enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED ||
			!wf.GetWorkflowExecutionInfo().GetStartTime().AsTime().Before(killedAt) {
			t.Fatalf("workflow %s: %v %v", arn, wf.GetWorkflowExecutionInfo(), err)
		}
	})
}
