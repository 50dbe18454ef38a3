package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

// serveChildEnv carries the arguments of `stepwise serve` to a copy of the
// test binary that runs TestServeChild as the server.
const serveChildEnv = "STEPWISE_SERVE_CHILD_ARGS"

// TestServeChild is the server process of the restart tests: it runs only
// in a child started by startServeChild, and serves until it is killed or
// signalled.
func TestServeChild(t *testing.T) {
	raw := os.Getenv(serveChildEnv)
	if raw == "" {
		t.Skip("runs only as the child process of the serve tests")
	}
	var args []string
	if err := json.Unmarshal([]byte(raw), &args); err != nil {
		t.Fatal(err)
	}
	if code := cmdServe(context.Background(), args, os.Stdout, os.Stderr); code != 0 {
		t.Fatalf("serve exited with %d", code)
	}
}

// serveChild is a `stepwise serve` process.
type serveChild struct {
	cmd    *exec.Cmd
	url    string
	client *sfn.Client
	done   chan error
}

var addrRE = regexp.MustCompile(`addr=(127\.0\.0\.1:\d+)`)

// startServeChild starts `stepwise serve` with args in a child process and
// waits until it listens.
func startServeChild(t *testing.T, args ...string) *serveChild {
	t.Helper()
	data, _ := json.Marshal(args)
	cmd := exec.Command(os.Args[0], "-test.run=^TestServeChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), serveChildEnv+"="+string(data))
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &serveChild{cmd: cmd, done: make(chan error, 1)}
	addr := make(chan string, 1)
	var logLines []string
	logs := make(chan []string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		found := false
		for sc.Scan() {
			line := sc.Text()
			logLines = append(logLines, line)
			if m := addrRE.FindStringSubmatch(line); m != nil && !found && strings.Contains(line, "serving") {
				found = true
				addr <- m[1]
			}
		}
		logs <- logLines
	}()
	go func() { c.done <- cmd.Wait() }()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			<-c.done
		}
	})
	select {
	case a := <-addr:
		c.url = "http://" + a
		c.client = sfnClient(c.url)
	case err := <-c.done:
		t.Fatalf("serve exited before listening: %v\n%s", err, strings.Join(<-logs, "\n"))
	case <-time.After(60 * time.Second):
		t.Fatal("serve did not start listening")
	}
	return c
}

// sfnClient is a Step Functions client of a serve child. It retries only
// what the SDK's standard retryer calls a connection error (a reset read,
// "use of closed network connection": aws-sdk-go-v2 #2737), which loopback
// runs under load show now and then; API errors still reach the test on the
// first answer.
func sfnClient(url string) *sfn.Client {
	return sfn.NewFromConfig(aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", "")},
		func(o *sfn.Options) {
			o.BaseEndpoint = aws.String(url)
			o.Retryer = retry.NewStandard(func(so *retry.StandardOptions) {
				so.MaxAttempts = 3
				so.Retryables = []retry.IsErrorRetryable{retry.RetryableConnectionError{}}
			})
		})
}

// kill stops the server abruptly.
func (c *serveChild) kill(t *testing.T) {
	t.Helper()
	if err := c.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-c.done
}

// historyHas polls an execution's history until it holds an event of the
// type (the history shows what has been committed to the store).
func historyHas(t *testing.T, c *sfn.Client, execArn string, typ types.HistoryEventType, count int) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		h, err := c.GetExecutionHistory(context.Background(), &sfn.GetExecutionHistoryInput{ExecutionArn: aws.String(execArn), MaxResults: 1000})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, e := range h.Events {
			if e.Type == typ {
				n++
			}
		}
		if n >= count {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: no %d %s events", execArn, count, typ)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func describeExecution(t *testing.T, c *sfn.Client, execArn string) *sfn.DescribeExecutionOutput {
	t.Helper()
	d, err := c.DescribeExecution(context.Background(), &sfn.DescribeExecutionInput{ExecutionArn: aws.String(execArn)})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func waitClosed(t *testing.T, c *sfn.Client, execArn string) *sfn.DescribeExecutionOutput {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		d := describeExecution(t, c, execArn)
		if d.Status != types.ExecutionStatusRunning {
			return d
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s still RUNNING", execArn)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestServeSurvivesKill starts executions inside a Wait, an activity Task
// and a Map, SIGKILLs the server, starts it again on the same database and
// checks that every execution is still there and the running ones finish
// with the right output.
func TestServeSurvivesKill(t *testing.T) {
	if testing.Short() {
		t.Skip("starts server processes")
	}
	db := filepath.Join(t.TempDir(), "stepwise.db")
	ctx := context.Background()
	srv := startServeChild(t, "--listen", "127.0.0.1:0", "--db", db, "--activity-poll", "2s")
	c := srv.client

	mk := func(name, def string) string {
		out, err := c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String(name), Definition: aws.String(def), RoleArn: aws.String("arn:aws:iam::123456789012:role/r")})
		if err != nil {
			t.Fatal(err)
		}
		return *out.StateMachineArn
	}
	start := func(sm, name, input string) string {
		out, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(sm), Name: aws.String(name), Input: aws.String(input)})
		if err != nil {
			t.Fatal(err)
		}
		return *out.ExecutionArn
	}
	act, err := c.CreateActivity(ctx, &sfn.CreateActivityInput{Name: aws.String("approve")})
	if err != nil {
		t.Fatal(err)
	}
	waitSM := mk("waiter", `{"StartAt":"Before","States":{
		"Before":{"Type":"Pass","Result":"b","ResultPath":"$.before","Next":"Wait"},
		"Wait":{"Type":"Wait","Seconds":3,"Next":"After"},
		"After":{"Type":"Pass","Result":"a","ResultPath":"$.after","End":true}}}`)
	taskSM := mk("approver", fmt.Sprintf(`{"StartAt":"Prep","States":{
		"Prep":{"Type":"Pass","Result":1,"ResultPath":"$.prep","Next":"Approve"},
		"Approve":{"Type":"Task","Resource":%q,"ResultPath":"$.approval","End":true}}}`, *act.ActivityArn))
	mapSM := mk("mapper", `{"StartAt":"Each","States":{"Each":{"Type":"Map","ItemsPath":"$.items",
		"ItemProcessor":{"StartAt":"Nap","States":{
			"Nap":{"Type":"Wait","Seconds":2,"Next":"Double"},
			"Double":{"Type":"Pass","Parameters":{"v.$":"States.MathAdd($, $)"},"End":true}}},
		"ResultPath":"$.out","End":true}}}`)
	passSM := mk("quick", `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`)

	done := start(passSM, "done", `{"q":1}`)
	waitClosed(t, c, done)
	waiting := start(waitSM, "waiting", `{"w":1}`)
	tasked := start(taskSM, "tasked", `{"t":1}`)
	mapped := start(mapSM, "mapped", `{"items":[1,2,3]}`)

	historyHas(t, c, waiting, types.HistoryEventTypeWaitStateEntered, 1)
	historyHas(t, c, mapped, types.HistoryEventTypeMapIterationStarted, 3)
	task, err := c.GetActivityTask(ctx, &sfn.GetActivityTaskInput{ActivityArn: act.ActivityArn})
	if err != nil || task.TaskToken == nil {
		t.Fatalf("GetActivityTask = %+v %v", task, err)
	}
	oldToken := *task.TaskToken
	historyHas(t, c, tasked, types.HistoryEventTypeActivityStarted, 1)
	killedAt := time.Now()

	srv.kill(t)
	srv = startServeChild(t, "--listen", "127.0.0.1:0", "--db", db, "--activity-poll", "2s")
	c = srv.client

	l, err := c.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: aws.String(passSM)})
	if err != nil || len(l.Executions) != 1 || l.Executions[0].Status != types.ExecutionStatusSucceeded {
		t.Fatalf("finished execution after restart: %+v %v", l, err)
	}
	for _, sm := range []string{waitSM, taskSM, mapSM} {
		l, err := c.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: aws.String(sm)})
		if err != nil || len(l.Executions) != 1 {
			t.Fatalf("executions of %s after restart: %+v %v", sm, l, err)
		}
	}

	// The activity task was dispatched again; the token handed out before
	// the kill still completes it.
	again, err := c.GetActivityTask(ctx, &sfn.GetActivityTaskInput{ActivityArn: act.ActivityArn})
	if err != nil || again.TaskToken == nil || aws.ToString(again.Input) != `{"t":1,"prep":1}` {
		t.Fatalf("activity task after restart = %+v %v", again, err)
	}
	if _, err := c.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: aws.String(oldToken), Output: aws.String(`{"ok":true}`)}); err != nil {
		t.Fatalf("SendTaskSuccess with the token from before the restart: %v", err)
	}

	for _, tc := range []struct{ arn, output string }{
		{waiting, `{"w":1,"before":"b","after":"a"}`},
		{tasked, `{"t":1,"prep":1,"approval":{"ok":true}}`},
		{mapped, `{"items":[1,2,3],"out":[{"v":2},{"v":4},{"v":6}]}`},
	} {
		d := waitClosed(t, c, tc.arn)
		if d.Status != types.ExecutionStatusSucceeded || aws.ToString(d.Output) != tc.output {
			t.Errorf("%s: %s %s %s %s", tc.arn, d.Status, aws.ToString(d.Output), aws.ToString(d.Error), aws.ToString(d.Cause))
		}
		h, err := c.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: aws.String(tc.arn), MaxResults: 1000})
		if err != nil {
			t.Fatal(err)
		}
		var seq []string
		for i, e := range h.Events {
			seq = append(seq, string(e.Type))
			if e.Id != int64(i+1) {
				t.Errorf("%s: event %d has id %d", tc.arn, i+1, e.Id)
			}
		}
		if n := strings.Count(strings.Join(seq, ","), "ExecutionStarted"); n != 1 || seq[len(seq)-1] != "ExecutionSucceeded" {
			t.Errorf("%s: history %v", tc.arn, seq)
		}
		if tc.arn == waiting {
			// The Wait resumed to its stored deadline, not a new 3 s.
			if d.StopDate.Sub(*d.StartDate) > 3*time.Second+time.Since(killedAt) || !slices.Contains(seq, "WaitStateExited") {
				t.Errorf("wait: started %v stopped %v", d.StartDate, d.StopDate)
			}
		}
	}

	// Prometheus metrics are served beside the API.
	resp, err := http.Get(srv.url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), `stepwise_executions_finished_total{state_machine="waiter",status="SUCCEEDED"} 1`) {
		t.Errorf("/metrics: %d\n%s", resp.StatusCode, body)
	}

	// A graceful stop (SIGTERM) exits 0.
	if err := srv.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-srv.done:
		if err != nil {
			t.Errorf("serve after SIGTERM: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Error("serve did not stop on SIGTERM")
	}
}
