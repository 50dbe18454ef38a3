package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"

	"github.com/stepwise/stepwise/engine/runtime/temporal"
	"github.com/stepwise/stepwise/integrations/mock"
)

const workerUsage = `usage: stepwise worker [flags]

Runs a Temporal worker for Stepwise executions: the workflow
stepwise.Execution (the interpreter), its batch child workflow, the
activity stepwise.task (the Task states) and the activities that read
Distributed Maps' items and write their results (stepwise.readItems,
stepwise.writeResults, over --s3-root or S3). It runs until interrupted
(SIGINT or SIGTERM). Start executions with stepwise run --backend temporal,
or with stepwise serve --backend temporal --temporal-worker=false.

Task states call AWS as stepwise run does, with the SDK's usual
configuration (AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL_<SERVICE>, ...),
loaded when a task first calls AWS.

Mocked responses travel with each execution: stepwise run --mocks FILE
--test-case NAME and serve's StartExecution on "<arn>#<TestCase>" put the
test case's responses in the workflow's input, and the workflow answers the
mocked states itself. A worker needs no mocks file for them.

flags:
  --address HOST:PORT   the Temporal frontend (default $TEMPORAL_ADDRESS, else localhost:7233)
  --namespace NAME      the namespace (default $TEMPORAL_NAMESPACE, else default)
  --task-queue NAME     the task queue (default stepwise)
  --mocks FILE          a Step Functions Local MockConfigFile for executions started
                        through the Go API (engine/temporal) that name a test case
                        (RuntimeOptions.MockTestCase) without carrying its responses
  --verbose             log the SDK's messages (warnings and errors only otherwise)
` + objectsServeUsage

// temporalConn are the flags that reach a Temporal server.
type temporalConn struct {
	address   string
	namespace string
	taskQueue string
}

// defaultTaskQueue is the task queue of stepwise worker and run --backend
// temporal.
const defaultTaskQueue = "stepwise"

// addConnFlags registers --address, --namespace and --task-queue.
func addConnFlags(fs *flag.FlagSet) *temporalConn {
	c := &temporalConn{}
	fs.StringVar(&c.address, "address", envOr("TEMPORAL_ADDRESS", client.DefaultHostPort), "")
	fs.StringVar(&c.namespace, "namespace", envOr("TEMPORAL_NAMESPACE", client.DefaultNamespace), "")
	fs.StringVar(&c.taskQueue, "task-queue", defaultTaskQueue, "")
	return c
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// dial connects to the server.
func (c *temporalConn) dial(ctx context.Context, stderr io.Writer, verbose bool) (client.Client, error) {
	level := slog.LevelWarn
	if verbose {
		level = slog.LevelInfo
	}
	logger := tlog.NewStructuredLogger(slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level})))
	return client.DialContext(ctx, client.Options{HostPort: c.address, Namespace: c.namespace, Logger: logger})
}

func cmdWorker(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if wantsHelp(args) {
		fmt.Fprint(stdout, workerUsage)
		return 0
	}
	fs := flag.NewFlagSet("worker", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	conn := addConnFlags(fs)
	mocks := fs.String("mocks", "", "")
	objects := addObjectsFlag(fs)
	verbose := fs.Bool("verbose", false, "")
	if err := fs.Parse(args); err != nil {
		fmt.Fprintf(stderr, "stepwise worker: %v\n\n%s", err, workerUsage)
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "stepwise worker: unexpected argument %q\n\n%s", fs.Arg(0), workerUsage)
		return 2
	}
	// The same integrations as stepwise run: AWS (and no in-process
	// nested machines: states:startExecution tasks call Step Functions).
	tasks := &temporal.Tasks{Invoker: integrationsFallback(nil, nil)}
	objs, err := objects.objects()
	if err != nil {
		fmt.Fprintf(stderr, "stepwise worker: %v\n", err)
		return 2
	}
	tasks.Objects = objs
	if *mocks != "" {
		cfg, err := mock.Load(*mocks)
		if err != nil {
			fmt.Fprintf(stderr, "stepwise worker: %v\n", err)
			return 2
		}
		tasks.Mocks = cfg
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	c, err := conn.dial(ctx, stderr, *verbose)
	if err != nil {
		fmt.Fprintf(stderr, "stepwise worker: connecting to %s: %v\n", conn.address, err)
		return 1
	}
	defer c.Close()
	w := worker.New(c, conn.taskQueue, temporal.WorkerOptions())
	temporal.Register(w, tasks)
	if err := w.Start(); err != nil {
		fmt.Fprintf(stderr, "stepwise worker: %v\n", err)
		return 1
	}
	fmt.Fprintf(stderr, "stepwise worker: polling task queue %q of namespace %q at %s\n", conn.taskQueue, conn.namespace, conn.address)
	<-ctx.Done()
	w.Stop()
	if err := context.Cause(ctx); err != nil && !errors.Is(err, context.Canceled) {
		fmt.Fprintf(stderr, "stepwise worker: %v\n", err)
	}
	fmt.Fprintln(stderr, "stepwise worker: stopped")
	return 0
}
