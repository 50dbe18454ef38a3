// Package crashtest kills Temporal workers running Stepwise executions
// (engine/temporal) with SIGKILL, in the middle of a Wait state and in the
// middle of a Task, and checks that a new worker finishes each execution
// with the right output and that no task that completed runs again.
//
// The tests start a Temporal dev server (the Temporal CLI at
// $STEPWISE_TEMPORAL_CLI, else $HOME/.cache/stepwise-temporal/temporal, built
// by scripts/temporal-cli.sh) and run each worker in a child process: a copy
// of the test binary running TestHelperWorker.
package crashtest

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/testsuite"

	"github.com/stepwise/stepwise/engine/runtime/temporal"
	"github.com/stepwise/stepwise/engine/runtime/temporal/temporaltest"
)

var unsafeName = regexp.MustCompile(`[^a-z0-9]+`)

// uniqueName is a name made of the test's name and a random suffix.
func uniqueName(t testing.TB, prefix string) string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	name := strings.Trim(unsafeName.ReplaceAllString(strings.ToLower(t.Name()), "-"), "-")
	return prefix + "-" + name + "-" + hex.EncodeToString(b[:])
}

// env is a dev server with a namespace and a task queue of the test's own,
// and a directory where the workers record the tasks they run.
type env struct {
	hostPort  string
	namespace string
	taskQueue string
	dir       string
	client    client.Client
}

// startEnv starts a dev server on a free port, with a namespace of the
// test's own; it is stopped when the test ends.
func startEnv(t *testing.T) *env {
	t.Helper()
	cli := temporaltest.CLI(t)
	e := &env{
		namespace: uniqueName(t, "ns"),
		taskQueue: uniqueName(t, "tq"),
		dir:       t.TempDir(),
	}
	logs := &temporaltest.LockedBuffer{}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	srv, err := testsuite.StartDevServer(ctx, testsuite.DevServerOptions{
		ExistingPath:  cli,
		ClientOptions: &client.Options{Namespace: e.namespace, Logger: temporaltest.QuietLogger()},
		LogLevel:      "error",
		Stdout:        logs,
		Stderr:        logs,
	})
	if err != nil {
		t.Fatalf("dev server: %v\n%s", err, logs.String())
	}
	t.Cleanup(func() {
		srv.Client().Close()
		if err := srv.Stop(); err != nil {
			t.Logf("dev server stop: %v", err)
		}
		if t.Failed() {
			t.Logf("dev server output:\n%s", logs.String())
		}
	})
	e.hostPort = srv.FrontendHostPort()
	e.client = srv.Client()
	return e
}

// workerEnv carries a workerConfig (JSON) to the child process that runs
// TestHelperWorker.
const workerEnv = "STEPWISE_CRASHTEST_WORKER"

// readyLine is what a worker process prints once it polls.
const readyLine = "crashtest worker ready"

// workerConfig configures a worker process.
type workerConfig struct {
	HostPort  string
	Namespace string
	TaskQueue string
	Identity  string // the worker's identity, also written in the logs
	Dir       string // where started.log, completed.log and release are
	ParentPID int    // the worker exits when its parent is gone
}

// workerProc is a worker running in a child process.
type workerProc struct {
	identity string
	cmd      *exec.Cmd
	done     chan struct{}
	output   *temporaltest.LockedBuffer
}

// startWorker starts a worker process with the identity and waits until it
// polls. It is killed when the test ends, if it still runs.
func (e *env) startWorker(t *testing.T, identity string) *workerProc {
	t.Helper()
	cfg, err := json.Marshal(workerConfig{
		HostPort: e.hostPort, Namespace: e.namespace, TaskQueue: e.taskQueue,
		Identity: identity, Dir: e.dir, ParentPID: os.Getpid(),
	})
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperWorker$", "-test.count=1", "-test.timeout=10m")
	cmd.Env = append(os.Environ(), workerEnv+"="+string(cfg))
	out := &temporaltest.LockedBuffer{}
	cmd.Stderr = out
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w := &workerProc{identity: identity, cmd: cmd, done: make(chan struct{}), output: out}
	ready := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stdout)
		signalled := false
		for sc.Scan() {
			line := sc.Text()
			fmt.Fprintln(out, line)
			if line == readyLine && !signalled {
				signalled = true
				close(ready)
			}
		}
		_ = cmd.Wait()
		close(w.done)
	}()
	t.Cleanup(func() {
		select {
		case <-w.done:
		default:
			_ = cmd.Process.Kill()
			<-w.done
		}
		if t.Failed() {
			t.Logf("%s output:\n%s", identity, out.String())
		}
	})
	select {
	case <-ready:
	case <-w.done:
		t.Fatalf("%s exited before polling: %v\n%s", identity, cmd.ProcessState, out.String())
	case <-time.After(time.Minute):
		t.Fatalf("%s did not start polling within a minute\n%s", identity, out.String())
	}
	return w
}

// kill SIGKILLs the worker process and waits until it is gone.
func (w *workerProc) kill(t *testing.T) {
	t.Helper()
	if err := w.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatalf("kill %s: %v", w.identity, err)
	}
	select {
	case <-w.done:
	case <-time.After(30 * time.Second):
		t.Fatalf("%s still runs after SIGKILL", w.identity)
	}
	if ws, ok := w.cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("%s ended with %v, not by SIGKILL", w.identity, w.cmd.ProcessState)
	}
}

// start starts an execution of def with input.
func (e *env) start(t *testing.T, def, input string, rt temporal.RuntimeOptions) client.WorkflowRun {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	run, err := temporal.Start(ctx, e.client, client.StartWorkflowOptions{
		ID:        uniqueName(t, "exec"),
		TaskQueue: e.taskQueue,
	}, temporal.ExecutionInput{Definition: def, Input: json.RawMessage(input), Runtime: rt})
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	return run
}

// result waits for the execution to end.
func (e *env) result(t *testing.T, run client.WorkflowRun) *temporal.ExecutionResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	res, err := temporal.Result(ctx, run)
	if err != nil {
		t.Fatalf("result: %v", err)
	}
	return res
}

// aslEvent is an event of the Step Functions history.
type aslEvent struct {
	Type      string  `json:"type"`
	Timestamp float64 `json:"timestamp"`
}

// aslHistory returns the Step Functions history of the execution (a worker
// must be running to answer the query).
func (e *env) aslHistory(t *testing.T, run client.WorkflowRun) ([]aslEvent, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	raw, err := temporal.History(ctx, e.client, run.GetID(), "")
	if err != nil {
		return nil, err
	}
	var events []aslEvent
	if err := json.Unmarshal(raw, &events); err != nil {
		t.Fatalf("history: %v", err)
	}
	return events, nil
}

// temporalHistory returns the Temporal history of the execution's run.
func (e *env) temporalHistory(t *testing.T, run client.WorkflowRun) []*historypb.HistoryEvent {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	it := e.client.GetWorkflowHistory(ctx, run.GetID(), run.GetRunID(), false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	var events []*historypb.HistoryEvent
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			t.Fatalf("history: %v", err)
		}
		events = append(events, ev)
	}
	return events
}

// has reports whether events hold one of the type.
func has(events []*historypb.HistoryEvent, typ enumspb.EventType) bool {
	for _, ev := range events {
		if ev.GetEventType() == typ {
			return true
		}
	}
	return false
}

// activity is one task activity of a Temporal history.
type activity struct {
	state     string // the Task state it ran
	startedBy string // the identity of the worker that started it
	outcome   enumspb.EventType
	timeout   enumspb.TimeoutType
}

// activities returns the task activities of a Temporal history, in the
// order they were scheduled.
func activities(t *testing.T, events []*historypb.HistoryEvent) []*activity {
	t.Helper()
	var out []*activity
	byID := map[int64]*activity{}
	for _, ev := range events {
		switch ev.GetEventType() {
		case enumspb.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
			var req temporal.TaskRequest
			attr := ev.GetActivityTaskScheduledEventAttributes()
			if err := converter.GetDefaultDataConverter().FromPayloads(attr.GetInput(), &req); err != nil {
				t.Fatalf("activity input: %v", err)
			}
			a := &activity{state: req.StateName}
			byID[ev.GetEventId()] = a
			out = append(out, a)
		case enumspb.EVENT_TYPE_ACTIVITY_TASK_STARTED:
			attr := ev.GetActivityTaskStartedEventAttributes()
			if a := byID[attr.GetScheduledEventId()]; a != nil {
				a.startedBy = attr.GetIdentity()
			}
		case enumspb.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
			if a := byID[ev.GetActivityTaskCompletedEventAttributes().GetScheduledEventId()]; a != nil {
				a.outcome = ev.GetEventType()
			}
		case enumspb.EVENT_TYPE_ACTIVITY_TASK_FAILED:
			if a := byID[ev.GetActivityTaskFailedEventAttributes().GetScheduledEventId()]; a != nil {
				a.outcome = ev.GetEventType()
			}
		case enumspb.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT:
			attr := ev.GetActivityTaskTimedOutEventAttributes()
			if a := byID[attr.GetScheduledEventId()]; a != nil {
				a.outcome = ev.GetEventType()
				a.timeout = attr.GetFailure().GetTimeoutFailureInfo().GetTimeoutType()
			}
		}
	}
	return out
}

// poll calls cond until it reports true, failing the test after timeout.
func poll(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// record is a line of started.log or completed.log.
type record struct {
	State   string
	Attempt int
	Worker  string
}

// readRecords reads a log the workers write (none for a missing file).
func readRecords(t *testing.T, path string) []record {
	t.Helper()
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	var out []record
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		if line == "" {
			continue
		}
		var r record
		if _, err := fmt.Sscanf(line, "%s %d %s", &r.State, &r.Attempt, &r.Worker); err != nil {
			t.Fatalf("%s: bad line %q: %v", path, line, err)
		}
		out = append(out, r)
	}
	return out
}
