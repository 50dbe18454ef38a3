package store

import (
	"context"
	"time"
)

// MapRun is a map run of a Distributed Map state: one run of its child
// executions, which are executions of their own (with a MapRunChild link).
type MapRun struct {
	// ID orders the map runs (larger is newer); set by PutMapRun on the
	// first write of a run.
	ID           int64
	Arn          string
	ExecutionArn string // the parent execution
	// StateMachineArn is the children's (…:stateMachine:MACHINE/LABEL).
	StateMachineArn            string
	StateName                  string
	Status                     string // RUNNING, SUCCEEDED, FAILED or ABORTED
	Start                      time.Time
	Stop                       time.Time // zero while running
	MaxConcurrency             int
	ToleratedFailureCount      int64
	ToleratedFailurePercentage float64
	// Counts is the JSON of the item and execution counts, as the service
	// keeps them.
	Counts string
	// RedriveCount is how many times a redrive of its execution took it
	// up again, RedriveDate the last time (zero: never).
	RedriveCount int
	RedriveDate  time.Time
}

// MapRunExecution is a child execution of a map run, with the number of
// items it ran on.
type MapRunExecution struct {
	*Execution
	Items int
}

// MapRunQuery selects the children of a map run, newest first.
type MapRunQuery struct {
	MapRunArn string
	Status    string // "" : every status
	BeforeID  int64  // > 0: only executions with a smaller ID
	Limit     int    // ≤ 0: 100
}

// MapRunStore keeps map runs and their child executions.
type MapRunStore interface {
	// PutMapRun queues the write of a map run as it is now (created on
	// its first write, replaced on the next ones; run.ID is set at once).
	PutMapRun(run *MapRun)
	// GetMapRun returns a map run by ARN (ErrNotFound when unknown).
	GetMapRun(ctx context.Context, arn string) (*MapRun, error)
	// ListMapRuns returns the map runs of an execution, oldest first,
	// those with an ID after after, at most limit (≤ 0: all).
	ListMapRuns(ctx context.Context, executionArn string, after int64, limit int) ([]*MapRun, error)
	// QueueChildExecution queues a new child execution of a map run
	// (setting ex.ID at once): its child number index, on items items.
	QueueChildExecution(ex *Execution, mapRunArn string, index, items int)
	// QueueFinish queues the end of an execution (FinishExecution without
	// waiting), in order with the writes queued before it.
	QueueFinish(executionID int64, f Finish)
	// MapRunExecutions returns children of a map run.
	MapRunExecutions(ctx context.Context, q MapRunQuery) ([]MapRunExecution, error)
	// MapRunOf returns the ARN of the map run that started an execution
	// ("" for an execution no map run started).
	MapRunOf(ctx context.Context, executionID int64) (string, error)
	// AbortMapRuns marks every RUNNING map run, and its RUNNING children,
	// ABORTED at stop (a restart interrupted them), but for the map runs
	// of the executions in keep (which resume, and take them up); it
	// returns how many map runs it aborted.
	AbortMapRuns(ctx context.Context, stop time.Time, keep []string) (int, error)
	// MapRunResumeStore reads and restarts map runs for a resume or redrive.
	MapRunResumeStore
}
