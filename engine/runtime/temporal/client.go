package temporal

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/stepwise/stepwise/asl/fault"
	"github.com/stepwise/stepwise/asl/value"
)

// Registry is where Register registers the workflows and the activity: a
// worker.Worker, or a testsuite.TestWorkflowEnvironment.
type Registry interface {
	RegisterWorkflowWithOptions(w any, options workflow.RegisterOptions)
	RegisterActivityWithOptions(a any, options activity.RegisterOptions)
}

// Register registers ExecutionWorkflow, BatchWorkflow and the activities
// of tasks under their names (WorkflowName, BatchWorkflowName,
// ActivityName, CheckActivityName, ReadItemsActivityName,
// WriteResultsActivityName, StageResultsActivityName).
func Register(r Registry, tasks *Tasks) {
	r.RegisterWorkflowWithOptions(ExecutionWorkflow, workflow.RegisterOptions{Name: WorkflowName})
	r.RegisterWorkflowWithOptions(BatchWorkflow, workflow.RegisterOptions{Name: BatchWorkflowName})
	r.RegisterWorkflowWithOptions(ChildShardWorkflow, workflow.RegisterOptions{Name: ChildShardWorkflowName})
	r.RegisterActivityWithOptions(tasks.Run, activity.RegisterOptions{Name: ActivityName})
	r.RegisterActivityWithOptions(tasks.CheckResource, activity.RegisterOptions{Name: CheckActivityName})
	r.RegisterActivityWithOptions(tasks.ReadItems, activity.RegisterOptions{Name: ReadItemsActivityName})
	r.RegisterActivityWithOptions(tasks.WriteResults, activity.RegisterOptions{Name: WriteResultsActivityName})
	r.RegisterActivityWithOptions(tasks.StageResults, activity.RegisterOptions{Name: StageResultsActivityName})
}

// DeadlockDetectionTimeout is how long a workflow task of a worker made
// with WorkerOptions may run before the SDK calls it a deadlock: the
// workflow task timeout's default, 10 s, where the SDK's default is 1 s.
// A workflow task may interpret much at once (the iterations of a large
// Map, a page of a Distributed Map's items), which on a loaded machine
// takes over a second; past the SDK's default, the task fails and is
// retried, and so is each retry.
const DeadlockDetectionTimeout = 10 * time.Second

// WorkerOptions returns the options of a worker that runs ExecutionWorkflow
// and BatchWorkflow (DeadlockDetectionTimeout).
func WorkerOptions() worker.Options {
	return worker.Options{DeadlockDetectionTimeout: DeadlockDetectionTimeout}
}

// Start starts an execution as the workflow WorkflowName.
func Start(ctx context.Context, c client.Client, opts client.StartWorkflowOptions, in ExecutionInput) (client.WorkflowRun, error) {
	return c.ExecuteWorkflow(ctx, opts, WorkflowName, in)
}

// Result waits for the execution of run to end and returns how it ended.
// A failed, timed-out or aborted execution (a failed or cancelled
// workflow) is a result too; the error is for a workflow that failed
// otherwise or could not be reached.
func Result(ctx context.Context, run client.WorkflowRun) (*ExecutionResult, error) {
	var res ExecutionResult
	err := run.Get(ctx, &res)
	if err == nil {
		return &res, nil
	}
	if r, ok := ResultFromError(err); ok {
		return r, nil
	}
	return nil, err
}

// History returns the Step Functions history of an execution (all its
// runs), as a JSON array of events in GetExecutionHistory's form. runID
// "" means the latest run. It queries the history in pages of
// historyPageSize events, so that a long history does not exceed the
// size limits of one query.
func History(ctx context.Context, c client.Client, workflowID, runID string) (json.RawMessage, error) {
	var all []json.RawMessage
	for from := 0; from >= 0; {
		v, err := c.QueryWorkflow(ctx, workflowID, runID, QueryHistoryPage, HistoryPageRequest{From: from, Limit: historyPageSize})
		if err != nil {
			return nil, err
		}
		var p HistoryPage
		if err := v.Get(&p); err != nil {
			return nil, err
		}
		var events []json.RawMessage
		if err := json.Unmarshal(p.Events, &events); err != nil {
			return nil, err
		}
		all = append(all, events...)
		from = p.Next
	}
	if all == nil {
		all = []json.RawMessage{}
	}
	return json.Marshal(all)
}

// historyPageSize is the number of events History asks for at a time.
const historyPageSize = 2000

// CompleteTask delivers the outcome of a task token to the execution of
// workflowID (its latest run), as SendTaskSuccess (err nil; output is a
// value of asl/value) or SendTaskFailure (err, usually a *fault.Error,
// gives the error name and cause; other errors are States.TaskFailed)
// do.
func CompleteTask(ctx context.Context, c client.Client, workflowID, token string, output any, err error) error {
	s := TaskSignal{Token: token}
	if err != nil {
		s.Failed = true
		var fe *fault.Error
		if errors.As(err, &fe) {
			s.Error, s.Cause = fe.Name, fe.Cause
		} else {
			s.Error, s.Cause = fault.TaskFailed, err.Error()
		}
	} else {
		s.Output = value.Encode(output)
	}
	return c.SignalWorkflow(ctx, workflowID, "", SignalName, s)
}

// Heartbeat records a heartbeat for a task token, as SendTaskHeartbeat
// does.
func Heartbeat(ctx context.Context, c client.Client, workflowID, token string) error {
	return c.SignalWorkflow(ctx, workflowID, "", SignalName, TaskSignal{Token: token, Heartbeat: true})
}

// RedriveFrom asks an execution's workflow (QueryRedrive; it may be
// closed) where a redrive of it starts again.
func RedriveFrom(ctx context.Context, c client.Client, workflowID, runID string) (*RedrivePoint, error) {
	v, err := c.QueryWorkflow(ctx, workflowID, runID, QueryRedrive)
	if err != nil {
		return nil, fmt.Errorf("temporal: querying where %s can be redriven: %w", workflowID, err)
	}
	var p RedrivePoint
	if err := v.Get(&p); err != nil {
		return nil, fmt.Errorf("temporal: reading where %s can be redriven: %w", workflowID, err)
	}
	return &p, nil
}
