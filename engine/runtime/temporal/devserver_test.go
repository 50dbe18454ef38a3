package temporal

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/temporalproto"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/worker"

	"github.com/stepwise/stepwise/asl/value"
	"github.com/stepwise/stepwise/engine"
	"github.com/stepwise/stepwise/engine/runtime/temporal/temporaltest"
	"github.com/stepwise/stepwise/integrations"
)

// devServer starts a Temporal dev server (with extra CLI arguments) and
// returns a client. Without the CLI the test fails, except with -short.
func devServer(t testing.TB, extraArgs ...string) client.Client {
	t.Helper()
	path := temporaltest.CLI(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	srv, err := testsuite.StartDevServer(ctx, testsuite.DevServerOptions{
		ExistingPath:  path,
		ClientOptions: &client.Options{Logger: temporaltest.QuietLogger()},
		LogLevel:      "error",
		ExtraArgs:     extraArgs,
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
	return srv.Client()
}

// startWorker runs a worker on taskQueue for the test's duration.
func startWorker(t *testing.T, c client.Client, taskQueue string, inv integrations.Invoker) {
	t.Helper()
	w := worker.New(c, taskQueue, WorkerOptions())
	Register(w, &Tasks{Invoker: inv})
	if err := w.Start(); err != nil {
		t.Fatalf("worker: %v", err)
	}
	t.Cleanup(w.Stop)
}

// execute starts an execution and waits for its result and history.
func execute(t *testing.T, c client.Client, taskQueue, id string, in ExecutionInput) (*ExecutionResult, []map[string]any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	run, err := Start(ctx, c, client.StartWorkflowOptions{ID: id, TaskQueue: taskQueue}, in)
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	res, err := Result(ctx, run)
	if err != nil {
		t.Fatalf("result: %v", err)
	}
	raw, err := History(ctx, c, id, "")
	if err != nil {
		t.Fatalf("history: %v", err)
	}
	var events []map[string]any
	if err := json.Unmarshal(raw, &events); err != nil {
		t.Fatalf("history: %v", err)
	}
	return res, events
}

// temporalHistory fetches the Temporal history of one run.
func temporalHistory(t testing.TB, c client.Client, id, runID string) *historypb.History {
	t.Helper()
	it := c.GetWorkflowHistory(context.Background(), id, runID, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	h := &historypb.History{}
	for it.HasNext() {
		e, err := it.Next()
		if err != nil {
			t.Fatalf("history of %s: %v", id, err)
		}
		h.Events = append(h.Events, e)
	}
	return h
}

// replayAndRecord replays the Temporal history of a run, to check that the
// workflow code is deterministic, and with STEPWISE_RECORD_HISTORIES=1
// writes it to testdata/NAME.json for TestReplayRecordedHistories.
func replayAndRecord(t *testing.T, c client.Client, id, runID, name string) {
	t.Helper()
	h := temporalHistory(t, c, id, runID)
	r := worker.NewWorkflowReplayer()
	registerReplayer(r)
	if err := replayHistory(r, h); err != nil {
		t.Fatalf("replaying %s: %v", id, err)
	}
	if os.Getenv("STEPWISE_RECORD_HISTORIES") != "1" {
		return
	}
	data, err := temporalproto.CustomJSONMarshalOptions{Indent: " "}.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join("testdata", name+".json"), data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// sortedTypes returns the event types of a history, sorted.
func sortedTypes(events []map[string]any) []string {
	out := make([]string, len(events))
	for i, e := range events {
		out[i], _ = e["type"].(string)
	}
	sort.Strings(out)
	return out
}

func TestDevServer(t *testing.T) {
	c := devServer(t)
	const tq = "stepwise-test"

	t.Run("everything matches local", func(t *testing.T) {
		startWorker(t, c, tq+"-everything", everythingInvoker())
		want := runLocal(t, everythingInvoker(), everythingMachine, everythingInput)
		res, events := execute(t, c, tq+"-everything", "everything", ExecutionInput{
			Definition: everythingMachine, Input: json.RawMessage(everythingInput), ExecutionName: "exec",
		})
		if res.Status != want.Status || string(res.Output) != string(value.Encode(want.Output)) {
			t.Fatalf("got %s %s, want %s %s", res.Status, res.Output, want.Status, value.Encode(want.Output))
		}
		var wantTypes []string
		for _, e := range want.Events {
			wantTypes = append(wantTypes, e.Type)
		}
		sort.Strings(wantTypes)
		if g, w := strings.Join(sortedTypes(events), " "), strings.Join(wantTypes, " "); g != w {
			t.Fatalf("event types:\n got %s\nwant %s", g, w)
		}
		// Timers carry the state they wait in (the Wait, and the Task's
		// retry back-off).
		var timers []string
		for _, e := range temporalHistory(t, c, "everything", "").Events {
			if e.GetTimerStartedEventAttributes() != nil {
				var s string
				if err := converter.GetDefaultDataConverter().FromPayload(e.GetUserMetadata().GetSummary(), &s); err != nil {
					t.Fatalf("timer summary: %v", err)
				}
				timers = append(timers, s)
			}
		}
		if all := strings.Join(timers, "|"); !strings.Contains(all, `wait 3s in state "Pause"`) || !strings.Contains(all, `wait 1s in state "`) {
			t.Errorf("timer summaries %q", timers)
		}
		replayAndRecord(t, c, "everything", "", "everything")
	})

	// A failed execution fails its workflow (Temporal's UI shows it red,
	// with the ASL error and cause), and Result still reads it.
	t.Run("failed execution", func(t *testing.T) {
		startWorker(t, c, tq+"-failed", incInvoker())
		res, _ := execute(t, c, tq+"-failed", "failed", ExecutionInput{
			Definition: `{"StartAt":"F","States":{"F":{"Type":"Fail","Error":"Boom","Cause":"it broke"}}}`,
		})
		if res.Status != engine.StatusFailed || res.Error != "Boom" || res.Cause != "it broke" {
			t.Fatalf("result %+v", res)
		}
		d, err := c.DescribeWorkflowExecution(context.Background(), "failed", "")
		if err != nil {
			t.Fatal(err)
		}
		if st := d.GetWorkflowExecutionInfo().GetStatus(); st != enumspb.WORKFLOW_EXECUTION_STATUS_FAILED {
			t.Fatalf("workflow status %s, want failed", st)
		}
		h := temporalHistory(t, c, "failed", "").Events
		f := h[len(h)-1].GetWorkflowExecutionFailedEventAttributes().GetFailure()
		if f.GetMessage() != "it broke" || f.GetApplicationFailureInfo().GetType() != "Boom" {
			t.Fatalf("failure %v", f)
		}
	})

	t.Run("small batches", func(t *testing.T) {
		startWorker(t, c, tq+"-batches", incInvoker())
		res, _ := execute(t, c, tq+"-batches", "batches", ExecutionInput{
			Definition: bigMapMachine, Input: json.RawMessage(bigMapInput(7)),
			Runtime: RuntimeOptions{BatchThreshold: 2, BatchSize: 3, MaxBatches: 2, BatchConcurrency: 2},
		})
		if res.Status != engine.StatusSucceeded || string(res.Output) != `{"n":7,"last":[7]}` {
			t.Fatalf("got %+v", res)
		}
		var child string
		children := 0
		for _, e := range temporalHistory(t, c, "batches", "").Events {
			if a := e.GetStartChildWorkflowExecutionInitiatedEventAttributes(); a != nil {
				children++
				child = a.GetWorkflowId()
			}
		}
		if children != 3 {
			t.Fatalf("%d batch child workflows, want 3", children)
		}
		replayAndRecord(t, c, "batches", "", "batches")
		replayAndRecord(t, c, child, "", "batch-child")
	})

	t.Run("callback completed by signal", func(t *testing.T) {
		tokens := make(chan string, 1)
		startWorker(t, c, tq+"-callback", callbackInvoker(tokens))
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		run, err := Start(ctx, c, client.StartWorkflowOptions{ID: "callback", TaskQueue: tq + "-callback"}, ExecutionInput{Definition: callbackMachine})
		if err != nil {
			t.Fatal(err)
		}
		var tok string
		select {
		case tok = <-tokens:
		case <-ctx.Done():
			t.Fatal("no callback request")
		}
		if err := Heartbeat(ctx, c, "callback", tok); err != nil {
			t.Fatal(err)
		}
		out := value.NewObject(1)
		out.Append("approved", true)
		if err := CompleteTask(ctx, c, "callback", tok, out, nil); err != nil {
			t.Fatal(err)
		}
		res, err := Result(ctx, run)
		if err != nil {
			t.Fatal(err)
		}
		if res.Status != engine.StatusSucceeded || string(res.Output) != `{"approved":true}` {
			t.Fatalf("got %+v", res)
		}
		replayAndRecord(t, c, "callback", "", "callback")
	})

	t.Run("cancel aborts", func(t *testing.T) {
		startWorker(t, c, tq+"-cancel", everythingInvoker())
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		run, err := Start(ctx, c, client.StartWorkflowOptions{ID: "cancel", TaskQueue: tq + "-cancel"},
			ExecutionInput{Definition: `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":3600,"End":true}}}`})
		if err != nil {
			t.Fatal(err)
		}
		for {
			v, err := c.QueryWorkflow(ctx, "cancel", "", QueryStatus)
			if err == nil {
				var s Status
				if v.Get(&s) == nil && s.State == "W" {
					break
				}
			}
			time.Sleep(100 * time.Millisecond)
		}
		if err := c.CancelWorkflow(ctx, "cancel", ""); err != nil {
			t.Fatal(err)
		}
		res, err := Result(ctx, run)
		if err != nil {
			t.Fatal(err)
		}
		if res.Status != engine.StatusAborted {
			t.Fatalf("got %+v", res)
		}
		replayAndRecord(t, c, "cancel", "", "cancelled")
	})
}

func TestDevServerContinueAsNew(t *testing.T) {
	c := devServer(t, "--dynamic-config-value", "limit.historyCount.suggestContinueAsNew=50")
	const tq = "stepwise-can"
	startWorker(t, c, tq, incInvoker())
	const input = `{"n":30}`
	want := runLocal(t, incInvoker(), loopMachine, input)
	res, events := execute(t, c, tq, "loop", ExecutionInput{Definition: loopMachine, Input: json.RawMessage(input), ExecutionName: "exec"})
	if res.Status != want.Status || string(res.Output) != string(value.Encode(want.Output)) {
		t.Fatalf("got %s %s, want %s %s", res.Status, res.Output, want.Status, value.Encode(want.Output))
	}
	if len(events) != len(want.Events) {
		t.Fatalf("%d events, want %d", len(events), len(want.Events))
	}
	for i, e := range events {
		if e["type"] != want.Events[i].Type || e["id"] != float64(i+1) {
			t.Fatalf("event %d: %v %v, want %s", i, e["id"], e["type"], want.Events[i].Type)
		}
	}
	v, err := c.QueryWorkflow(context.Background(), "loop", "", QueryStatus)
	if err != nil {
		t.Fatal(err)
	}
	var s Status
	if err := v.Get(&s); err != nil {
		t.Fatal(err)
	}
	if s.Runs < 3 {
		t.Fatalf("%d continue-as-new runs, want at least 3", s.Runs)
	}
	t.Logf("%d events in %d runs", len(events), s.Runs+1)
	replayAndRecord(t, c, "loop", "", "continued")
}

func TestDevServerBigMap(t *testing.T) {
	if testing.Short() {
		t.Skip("the 10,000-item Map takes a while")
	}
	c := devServer(t)
	const tq = "stepwise-bigmap"
	startWorker(t, c, tq, incInvoker())
	n := 10000
	if s := os.Getenv("BIGMAP_N"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	start := time.Now()
	run, err := Start(ctx, c, client.StartWorkflowOptions{ID: "bigmap", TaskQueue: tq}, ExecutionInput{
		Definition: bigMapMachine, Input: json.RawMessage(bigMapInput(n)),
		// AWS's history limit would stop a 10,000-item inline Map (a
		// Distributed Map's job): lifted, to test the batching.
		MaxHistoryEvents: -1,
	})
	if err != nil {
		t.Fatal(err)
	}
	firstRun := run.GetRunID()
	res, err := Result(ctx, run)
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf(`{"n":%d,"last":[%d]}`, n, n); res.Status != engine.StatusSucceeded || string(res.Output) != want {
		t.Fatalf("got %s %s %s %s, want %s", res.Status, res.Error, res.Cause, res.Output, want)
	}
	// The Map runs in the first run (which may then continue as new,
	// its history grown by the batches' inputs and results).
	h := temporalHistory(t, c, "bigmap", firstRun)
	children := 0
	for _, e := range h.Events {
		if e.GetEventType() == enumspb.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED {
			children++
		}
	}
	t.Logf("%d items in %v: %d Temporal events in the execution's history, %d batch child workflows", n, time.Since(start).Round(time.Millisecond), len(h.Events), children)
	if len(h.Events) > 1000 || children != n/DefaultBatchSize {
		for _, e := range h.Events {
			t.Logf("%d %s", e.GetEventId(), e.GetEventType())
		}
		t.Fatalf("%d events and %d children: the Map did not run in batches", len(h.Events), children)
	}
}
