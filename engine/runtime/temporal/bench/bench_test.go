// Package bench measures Stepwise on Temporal (engine/temporal) against a
// hand-written Temporal workflow: the image catalog example
// (examples/image-catalog) with Go-function tasks that return its
// HappyPath results, on a Temporal dev server with one in-process worker.
//
//	go test -run '^$' -bench . -count 5 ./engine/temporal/bench
//
// Each benchmark runs b.N executions one after the other (-concurrency N:
// N at a time) and reports, besides ns/op (one op is one execution), the
// CPU time of the test process (worker and client) and the Temporal history
// events per execution and per state the execution visits. The dev server runs from
// the Temporal CLI at $STEPWISE_TEMPORAL_CLI, else
// $HOME/.cache/stepwise-temporal/temporal (scripts/temporal-cli.sh).
package bench

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/worker"

	"github.com/stepwise/stepwise/engine"
	"github.com/stepwise/stepwise/engine/runtime/temporal"
	"github.com/stepwise/stepwise/engine/runtime/temporal/temporaltest"
)

func randomSuffix() string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// env is the dev server and the worker the tests and benchmarks share.
type env struct {
	srv        *testsuite.DevServer
	logs       *temporaltest.LockedBuffer
	client     client.Client
	worker     worker.Worker
	taskQueue  string
	definition string          // statemachine.asl.json
	input      json.RawMessage // input.json
	catalogIn  CatalogInput    // input.json
	want       json.RawMessage // expect.json's HappyPath output, compact
	visited    int             // states a HappyPath execution visits
}

var (
	setupOnce sync.Once
	shared    *env
	setupErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if shared != nil {
		shared.close()
	}
	os.Exit(code)
}

// getEnv starts the shared dev server and worker, once.
func getEnv(tb testing.TB) *env {
	tb.Helper()
	cli := temporaltest.CLI(tb)
	setupOnce.Do(func() { shared, setupErr = setup(cli) })
	if setupErr != nil {
		tb.Fatal(setupErr)
	}
	return shared
}

func setup(cli string) (*env, error) {
	e := &env{logs: &temporaltest.LockedBuffer{}, taskQueue: "bench-" + randomSuffix()}
	def, err := os.ReadFile(filepath.Join(exampleDir, "statemachine.asl.json"))
	if err != nil {
		return nil, err
	}
	e.definition = string(def)
	if e.input, err = os.ReadFile(filepath.Join(exampleDir, "input.json")); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(e.input, &e.catalogIn); err != nil {
		return nil, fmt.Errorf("input.json: %w", err)
	}
	expect, err := os.ReadFile(filepath.Join(exampleDir, "expect.json"))
	if err != nil {
		return nil, err
	}
	var cases map[string]struct{ Output json.RawMessage }
	if err := json.Unmarshal(expect, &cases); err != nil {
		return nil, fmt.Errorf("expect.json: %w", err)
	}
	var b bytes.Buffer
	if err := json.Compact(&b, cases["HappyPath"].Output); err != nil {
		return nil, fmt.Errorf("expect.json: HappyPath: %w", err)
	}
	e.want = b.Bytes()
	funcs, err := loadFuncs()
	if err != nil {
		return nil, err
	}

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	e.srv, err = testsuite.StartDevServer(ctx, testsuite.DevServerOptions{
		ExistingPath:  cli,
		ClientOptions: &client.Options{Namespace: "bench-" + randomSuffix(), Logger: temporaltest.QuietLogger()},
		LogLevel:      "error",
		Stdout:        e.logs,
		Stderr:        e.logs,
	})
	if err != nil {
		return nil, fmt.Errorf("dev server: %w\n%s", err, e.logs.String())
	}
	e.client = e.srv.Client()
	e.worker = worker.New(e.client, e.taskQueue, temporal.WorkerOptions())
	temporal.Register(e.worker, &temporal.Tasks{Invoker: registry(funcs)})
	registerHandWritten(e.worker, funcs)
	if err := e.worker.Start(); err != nil {
		e.close()
		return nil, err
	}

	// One execution of each (a warm-up), and the states Stepwise visits.
	sw, err := e.runStepwise(ctx, "warmup-stepwise-"+randomSuffix())
	if err == nil {
		_, err = e.runHandWritten(ctx, "warmup-handwritten-"+randomSuffix())
	}
	if err == nil {
		e.visited, err = e.statesVisited(ctx, sw.run)
	}
	if err != nil {
		e.close()
		return nil, err
	}
	return e, nil
}

func (e *env) close() {
	if e.worker != nil {
		e.worker.Stop()
	}
	if e.srv != nil {
		e.srv.Client().Close()
		_ = e.srv.Stop()
	}
}

// execution is a finished execution.
type execution struct {
	run    client.WorkflowRun
	output json.RawMessage
}

// runStepwise runs the image catalog state machine through Stepwise and
// returns its output.
func (e *env) runStepwise(ctx context.Context, id string) (*execution, error) {
	run, err := temporal.Start(ctx, e.client, client.StartWorkflowOptions{ID: id, TaskQueue: e.taskQueue}, temporal.ExecutionInput{
		Definition:       e.definition,
		Input:            e.input,
		StateMachineName: "statemachine",
	})
	if err != nil {
		return nil, err
	}
	res, err := temporal.Result(ctx, run)
	if err != nil {
		return nil, err
	}
	if res.Status != engine.StatusSucceeded {
		return nil, fmt.Errorf("stepwise %s: %s %s %s", id, res.Status, res.Error, res.Cause)
	}
	return &execution{run: run, output: res.Output}, nil
}

// runHandWritten runs the hand-written workflow and returns its output.
func (e *env) runHandWritten(ctx context.Context, id string) (*execution, error) {
	run, err := e.client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: e.taskQueue}, handWrittenName, e.catalogIn)
	if err != nil {
		return nil, err
	}
	var out json.RawMessage
	if err := run.Get(ctx, &out); err != nil {
		return nil, fmt.Errorf("hand-written %s: %w", id, err)
	}
	return &execution{run: run, output: out}, nil
}

// historyLength returns the number of events in the Temporal history of
// run, and fails for a run that started child workflows (their events
// would not be counted).
func (e *env) historyLength(ctx context.Context, run client.WorkflowRun) (int, error) {
	it := e.client.GetWorkflowHistory(ctx, run.GetID(), run.GetRunID(), false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	n := 0
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			return 0, err
		}
		if ev.GetEventType() == enumspb.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED {
			return 0, fmt.Errorf("%s started a child workflow", run.GetID())
		}
		n++
	}
	return n, nil
}

// statesVisited counts the states a Stepwise execution entered.
func (e *env) statesVisited(ctx context.Context, run client.WorkflowRun) (int, error) {
	raw, err := temporal.History(ctx, e.client, run.GetID(), run.GetRunID())
	if err != nil {
		return 0, err
	}
	var events []struct{ Type string }
	if err := json.Unmarshal(raw, &events); err != nil {
		return 0, err
	}
	n := 0
	for _, ev := range events {
		if strings.HasSuffix(ev.Type, "StateEntered") {
			n++
		}
	}
	return n, nil
}

// TestSameOutput runs the HappyPath through Stepwise and through the
// hand-written workflow: both give expect.json's output, and the history
// lengths are logged.
func TestSameOutput(t *testing.T) {
	e := getEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	sw, err := e.runStepwise(ctx, "same-stepwise-"+randomSuffix())
	if err != nil {
		t.Fatal(err)
	}
	hw, err := e.runHandWritten(ctx, "same-handwritten-"+randomSuffix())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(sw.output, e.want) {
		t.Errorf("Stepwise output:\n %s\nwant\n %s", sw.output, e.want)
	}
	if !bytes.Equal(hw.output, sw.output) {
		t.Errorf("hand-written output:\n %s\nStepwise's\n %s", hw.output, sw.output)
	}
	if e.visited != 7 {
		t.Errorf("Stepwise visited %d states, want 7", e.visited)
	}
	swEvents, err := e.historyLength(ctx, sw.run)
	if err != nil {
		t.Fatal(err)
	}
	hwEvents, err := e.historyLength(ctx, hw.run)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("Temporal history events: Stepwise %d, hand-written %d; %d states visited", swEvents, hwEvents, e.visited)
}

func BenchmarkStepwise(b *testing.B) {
	e := getEnv(b)
	benchmark(b, e, e.runStepwise)
}

func BenchmarkHandWritten(b *testing.B) {
	e := getEnv(b)
	benchmark(b, e, e.runHandWritten)
}

// concurrency is how many executions the benchmarks run at a time.
var concurrency = flag.Int("concurrency", 1, "executions the benchmarks run at a time")

// benchmark runs b.N executions, -concurrency at a time, checks each one's
// output, and reports the time, the CPU time of this process (the worker
// and the client, not the dev server) and the Temporal history events per
// execution and per state visited (the events are counted after the clock
// stops).
func benchmark(b *testing.B, e *env, run func(ctx context.Context, id string) (*execution, error)) {
	ctx := context.Background()
	prefix := strings.ToLower(strings.TrimPrefix(b.Name(), "Benchmark")) + "-" + randomSuffix()
	runs := make([]client.WorkflowRun, b.N)
	next := make(chan int)
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
	)
	b.ResetTimer()
	cpu0 := cpuTime(b)
	start := time.Now()
	for range max(*concurrency, 1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				ex, err := run(ctx, fmt.Sprintf("%s-%d", prefix, i))
				if err == nil && !bytes.Equal(ex.output, e.want) {
					err = fmt.Errorf("output %s, want %s", ex.output, e.want)
				}
				if err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
					continue
				}
				runs[i] = ex.run
			}
		}()
	}
	for i := range b.N {
		next <- i
	}
	close(next)
	wg.Wait()
	if firstErr != nil {
		b.Fatal(firstErr)
	}
	elapsed := time.Since(start)
	cpu := cpuTime(b) - cpu0
	b.StopTimer()
	events := 0
	for _, r := range runs {
		n, err := e.historyLength(ctx, r)
		if err != nil {
			b.Fatal(err)
		}
		events += n
	}
	perExec := float64(events) / float64(b.N)
	b.ReportMetric(float64(elapsed.Nanoseconds())/float64(b.N), "ns/execution")
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "worker-cpu-ns/execution")
	b.ReportMetric(perExec, "events/execution")
	b.ReportMetric(perExec/float64(e.visited), "events/state")
}

// cpuTime is the user and system CPU time this process has used.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
