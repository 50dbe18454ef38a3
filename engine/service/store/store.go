// Package store keeps what `stepwise serve` must not lose: state machines
// and their revisions, executions with their status, output, checkpoint and
// history, task tokens, activities and tags.
//
// Store is the interface the service uses; Open returns the embedded SQLite
// implementation (the pure-Go driver modernc.org/sqlite, no cgo). Writes go
// through one writer goroutine that groups the writes of many executions
// into one transaction (group commit): a call that must be durable before
// it returns (creating an execution, finishing one) waits for the commit of
// its group, while history events and checkpoints are queued and committed
// with the next group, in order.
package store

import (
	"context"
	"errors"
	"time"
)

// Errors of the store. They are wrapped with what was looked for.
var (
	// ErrNotFound: no such state machine, execution, activity or token.
	ErrNotFound = errors.New("not found")
	// ErrExists: a record with the same key exists already.
	ErrExists = errors.New("already exists")
	// ErrClosed: the store is closed.
	ErrClosed = errors.New("store closed")
	// ErrUnavailable: the database cannot be written now (the disk is
	// full, an I/O error): the write was not made. Writes that must not be
	// lost (history events, checkpoints, task tokens, the end of an
	// execution) are not refused but kept and retried.
	ErrUnavailable = errors.New("store unavailable")
)

// StateMachine is a state machine at its latest revision.
type StateMachine struct {
	Arn         string
	Name        string
	Type        string // STANDARD or EXPRESS
	Status      string // ACTIVE or DELETING
	Definition  string
	RoleArn     string
	Description string
	// LoggingConfiguration and TracingConfiguration are the JSON objects
	// given at creation or update ("" when none).
	LoggingConfiguration string
	TracingConfiguration string
	RevisionID           string
	Created              time.Time
	Updated              time.Time
}

// Execution is one execution of a STANDARD state machine.
type Execution struct {
	// ID is the store's key for the execution, assigned by
	// CreateExecution; larger ids are newer executions.
	ID              int64
	Arn             string
	StateMachineArn string
	Name            string
	RevisionID      string // the state machine revision it runs
	Status          string
	Input           string // JSON text
	Output          string // JSON text, when SUCCEEDED
	Error           string
	Cause           string
	StartDate       time.Time
	StopDate        time.Time // zero while running
	RedriveCount    int
	RedriveDate     time.Time
	TraceHeader     string
	// TestCase is the mock test case the execution runs with (Step
	// Functions Local's stateMachineArn#TestCase), or "".
	TestCase string
	// Checkpoint is the engine's latest checkpoint (JSON), from which a
	// restarted server resumes the execution and a redrive restarts it.
	Checkpoint []byte
}

// Finish is how an execution ended (or, with Status RUNNING, that it was
// redriven).
type Finish struct {
	Status   string
	Output   string
	Error    string
	Cause    string
	StopDate time.Time
}

// ExecutionQuery selects executions for ListExecutions, newest first.
type ExecutionQuery struct {
	StateMachineArn string // "" : every state machine
	Status          string // "" : every status
	BeforeID        int64  // > 0: only executions with a smaller ID (the page after)
	Limit           int    // ≤ 0: 100
}

// Event is one history event as stored: its id, type and the JSON that
// GetExecutionHistory returns for it.
type Event struct {
	ID   int64
	Type string
	JSON []byte
}

// HistoryQuery selects history events of one execution.
type HistoryQuery struct {
	ExecutionID int64
	Reverse     bool  // newest first
	After       int64 // > 0: ids after it (before it, when Reverse)
	Limit       int   // ≤ 0: every event
}

// TaskToken is a task token handed to a worker: a .waitForTaskToken task or
// an activity task.
type TaskToken struct {
	Token        string
	ExecutionID  int64
	ExecutionArn string
	StateName    string
	ActivityArn  string // for activity tasks
	Created      time.Time
}

// Activity is an activity that workers poll with GetActivityTask.
type Activity struct {
	Arn     string
	Name    string
	Created time.Time
}

// ActivityTask is an activity task waiting for GetActivityTask in a
// backend whose executions do not run the Task state again when the
// service restarts (the temporal backend): stored from when it is queued
// until it is handed out, so that a restart queues it again.
type ActivityTask struct {
	Token        string
	ExecutionArn string
	StateName    string
	ActivityArn  string
	Input        string // JSON
	Created      time.Time
}

// Tag is one resource tag.
type Tag struct {
	Key   string
	Value string
}

// Store is the durable state of the service. Methods are safe for
// concurrent use. Methods that take a context honour it while waiting for
// their write to commit; a write whose caller gave up may still commit.
type Store interface {
	// CreateStateMachine stores a new state machine (ErrExists when its ARN
	// is taken) and its first revision.
	CreateStateMachine(ctx context.Context, sm *StateMachine) error
	// UpdateStateMachine replaces the definition and settings of a state
	// machine and records the new revision (sm.RevisionID).
	UpdateStateMachine(ctx context.Context, sm *StateMachine) error
	// DeleteStateMachine removes a state machine, its tags and its
	// revisions not referenced by an execution.
	DeleteStateMachine(ctx context.Context, arn string) error
	// GetStateMachine returns a state machine at its latest revision.
	GetStateMachine(ctx context.Context, arn string) (*StateMachine, error)
	// GetRevision returns a state machine as it was at a revision.
	GetRevision(ctx context.Context, arn, revisionID string) (*StateMachine, error)
	// ListStateMachines returns state machines ordered by ARN, those after
	// the ARN after, at most limit (≤ 0: all).
	ListStateMachines(ctx context.Context, after string, limit int) ([]*StateMachine, error)

	// CreateExecution stores a new execution, setting its ID; it returns
	// once the execution is durable (ErrExists when its ARN is taken).
	CreateExecution(ctx context.Context, ex *Execution) error
	// GetExecution returns an execution by ARN.
	GetExecution(ctx context.Context, arn string) (*Execution, error)
	// ListExecutions returns executions newest first.
	ListExecutions(ctx context.Context, q ExecutionQuery) ([]*Execution, error)
	// RunningExecutions returns every execution with status RUNNING.
	RunningExecutions(ctx context.Context) ([]*Execution, error)
	// AppendEvent queues a history event of an execution; it is committed
	// in order with the writes queued after it.
	AppendEvent(executionID int64, ev Event)
	// SaveCheckpoint queues the latest checkpoint of an execution.
	SaveCheckpoint(executionID int64, checkpoint []byte)
	// TruncateHistory drops the events of an execution after event id
	// last (those a resumed execution will record again).
	TruncateHistory(ctx context.Context, executionID, last int64) error
	// FinishExecution records how an execution ended and returns once
	// that, and every write queued before it, is durable.
	FinishExecution(ctx context.Context, executionID int64, f Finish) error
	// RedriveExecution marks a closed execution RUNNING again, with its
	// redrive count incremented and its redrive date set.
	RedriveExecution(ctx context.Context, executionID int64, at time.Time) error
	// History returns history events of an execution.
	History(ctx context.Context, q HistoryQuery) ([]Event, error)

	// PutTaskToken queues a task token.
	PutTaskToken(t TaskToken)
	// GetTaskToken returns a task token (ErrNotFound when unknown).
	GetTaskToken(ctx context.Context, token string) (*TaskToken, error)

	// PutActivityTask stores a queued activity task; it returns once the
	// task is durable.
	PutActivityTask(ctx context.Context, t *ActivityTask) error
	// DeleteActivityTask queues the removal of a stored activity task.
	DeleteActivityTask(token string)
	// ActivityTasks returns the stored activity tasks of an execution,
	// oldest first.
	ActivityTasks(ctx context.Context, executionArn string) ([]*ActivityTask, error)

	// CreateActivity stores an activity; an existing activity of the same
	// ARN is left as it is and returned.
	CreateActivity(ctx context.Context, a *Activity) (*Activity, error)
	// GetActivity returns an activity.
	GetActivity(ctx context.Context, arn string) (*Activity, error)
	// DeleteActivity removes an activity (no error when there is none).
	DeleteActivity(ctx context.Context, arn string) error
	// ListActivities returns activities ordered by ARN, as ListStateMachines.
	ListActivities(ctx context.Context, after string, limit int) ([]*Activity, error)

	// TagResource adds or replaces tags of a resource.
	TagResource(ctx context.Context, arn string, tags []Tag) error
	// UntagResource removes tags of a resource.
	UntagResource(ctx context.Context, arn string, keys []string) error
	// Tags returns the tags of a resource, ordered by key.
	Tags(ctx context.Context, arn string) ([]Tag, error)

	// VersionStore keeps versions, aliases and execution origins.
	VersionStore
	// MapRunStore keeps map runs and their child executions.
	MapRunStore

	// DeleteClosedExecutions deletes at most limit executions closed
	// before before, oldest first, with everything recorded for them, and
	// returns how many it deleted.
	DeleteClosedExecutions(ctx context.Context, before time.Time, limit int) (int, error)

	// Secret returns the secret named name: size random bytes, made and
	// stored the first time it is asked for, the same ever after.
	Secret(ctx context.Context, name string, size int) ([]byte, error)

	// Flush returns once every write queued before it is durable.
	Flush(ctx context.Context) error
	// Close commits queued writes and closes the store.
	Close() error
}
