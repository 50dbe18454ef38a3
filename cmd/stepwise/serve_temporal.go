package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"

	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"

	"github.com/stepwise/stepwise/engine/runtime/temporal"
	"github.com/stepwise/stepwise/engine/service"
)

// serveTemporalUsage documents serve's backend flags.
const serveTemporalUsage = `
backends:
  --backend local|temporal  local (default): executions run in this process; temporal:
                            each execution runs as the workflow stepwise.Execution on a
                            Temporal server (workflow ID = the execution ARN), while state
                            machines, activities and execution records stay in --db. After a
                            restart, serve re-attaches to the workflows of RUNNING executions.
                            StopExecution cancels the workflow; SendTask* signal it;
                            RedriveExecution runs the workflow again under its ID from the
                            failed state. Task states on activities need the in-process worker
                            (it queues their tasks for GetActivityTask). Not supported there:
                            Task states on states:startExecution or sfn:sendTask*, and on
                            activities with --temporal-worker=false (StartExecution fails with
                            ValidationException).
  --temporal-address HOST:PORT
                            (temporal) the frontend (default $TEMPORAL_ADDRESS, else localhost:7233)
  --temporal-namespace NAME (temporal) the namespace (default $TEMPORAL_NAMESPACE, else default)
  --task-queue NAME         (temporal) the task queue (default stepwise)
  --temporal-worker         (temporal) also run a worker in this process (default true), which
                            answers tasks as the local backend does (--mocks, AWS, activities);
                            with --temporal-worker=false, stepwise worker processes run the
                            executions (mocked responses travel in each workflow's input:
                            the workers need no mocks file)
`

// serveTemporalFlags are serve's flags for the Temporal backend.
type serveTemporalFlags struct {
	backend   string
	address   string
	namespace string
	taskQueue string
	worker    bool
}

// addServeTemporalFlags registers serve's backend flags on fs.
func addServeTemporalFlags(fs *flag.FlagSet, f *serveTemporalFlags) {
	fs.StringVar(&f.backend, "backend", "local", "")
	fs.StringVar(&f.address, "temporal-address", envOr("TEMPORAL_ADDRESS", client.DefaultHostPort), "")
	fs.StringVar(&f.namespace, "temporal-namespace", envOr("TEMPORAL_NAMESPACE", client.DefaultNamespace), "")
	fs.StringVar(&f.taskQueue, "task-queue", defaultTaskQueue, "")
	fs.BoolVar(&f.worker, "temporal-worker", true, "")
}

// check validates the flags.
func (f *serveTemporalFlags) check() error {
	switch f.backend {
	case "local", "temporal":
		return nil
	}
	return fmt.Errorf("--backend: %q is neither local nor temporal", f.backend)
}

// startTemporalBackend connects to the Temporal server and sets
// opts.Backend to the Temporal backend. With --temporal-worker, startWorker
// starts a worker in process whose tasks go to opts.Invoker and
// opts.Mocks: call it after service.New (which binds the service to the
// backend) and before Service.Start (which resumes executions whose tasks
// the worker runs). stop stops the worker and closes the connection.
func startTemporalBackend(ctx context.Context, f *serveTemporalFlags, opts *service.Options, log *slog.Logger) (startWorker func() error, stop func(), err error) {
	c, err := client.DialContext(ctx, client.Options{
		HostPort:  f.address,
		Namespace: f.namespace,
		Logger:    tlog.NewStructuredLogger(slog.New(log.Handler()).With("component", "temporal")),
	})
	if err != nil {
		return nil, nil, fmt.Errorf("connecting to Temporal at %s: %w", f.address, err)
	}
	be := &service.Temporal{Client: c, TaskQueue: f.taskQueue, Logger: log, InProcessWorker: f.worker}
	opts.Backend = be
	if !f.worker {
		log.Info("running executions on Temporal", "address", f.address, "namespace", f.namespace, "taskQueue", f.taskQueue)
		return func() error { return nil }, c.Close, nil
	}
	w := worker.New(c, f.taskQueue, temporal.WorkerOptions())
	// The worker queues activity tasks on the service (be.WorkerInvoker).
	temporal.Register(w, &temporal.Tasks{Invoker: be.WorkerInvoker(opts.Invoker), Mocks: opts.Mocks, Objects: opts.Objects})
	started := false
	startWorker = func() error {
		if err := w.Start(); err != nil {
			return fmt.Errorf("starting the Temporal worker: %w", err)
		}
		started = true
		log.Info("running executions on Temporal, with a worker in process", "address", f.address, "namespace", f.namespace, "taskQueue", f.taskQueue)
		return nil
	}
	return startWorker, func() {
		if started {
			w.Stop()
		}
		c.Close()
	}, nil
}
