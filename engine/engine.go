// Package engine interprets state machines: AWS's data flow for every state
// type, Retry and Catch, variables, the context object, and the execution
// history in Step Functions' event format. All waiting, concurrency, time and
// randomness go through a Runtime, so the same interpreter runs in process
// and as a Temporal workflow.
package engine

import (
	"time"

	"github.com/stepwise/stepwise/engine/history"
	"github.com/stepwise/stepwise/integrations"
	"github.com/stepwise/stepwise/integrations/items"
)

// Execution statuses, as Step Functions names them.
const (
	StatusRunning   = "RUNNING"
	StatusSucceeded = "SUCCEEDED"
	StatusFailed    = "FAILED"
	StatusTimedOut  = "TIMED_OUT"
	StatusAborted   = "ABORTED"
)

// Defaults for the names of an execution.
const (
	DefaultRegion    = "us-east-1"
	DefaultAccountID = "123456789012"
)

// Options configure one execution.
type Options struct {
	Runtime Runtime              // nil: a local runtime with the real clock
	Invoker integrations.Invoker // what Task states call

	// Objects is the object store of Distributed Maps: what an ItemReader
	// reads and a ResultWriter writes (S3, or items.Dir standing in for
	// it). nil: such a Map fails with States.Runtime saying so, unless
	// its ItemReader is mocked (see Invoker).
	Objects items.Objects
	// NoObjects, when set, is why this runtime cannot read or write items
	// at all (a Map with an ItemReader or ResultWriter then fails with
	// States.Runtime naming the field, the state and this reason, even
	// with Objects set).
	NoObjects string

	// Names of the execution, for the context object and ARNs.
	ExecutionName    string // "" : a UUID from the runtime
	StateMachineName string // "" : "StateMachine"
	Region           string // "" : DefaultRegion
	AccountID        string // "" : DefaultAccountID
	RoleArn          string
	StartTime        time.Time // zero: the runtime's now

	// PayloadLimit is the largest state input, output or task result in
	// bytes (0: AWS's 256 KiB; negative: no limit).
	PayloadLimit int

	// DiscardEvents keeps no history (Result.Events is nil), for callers
	// that want only the outcome: a long execution then runs in far less
	// memory. Events are still numbered, so causes citing an event id are
	// the same.
	DiscardEvents bool

	// Tracer, when set, receives every state visit with its data flow
	// (see Step). nil: no tracing, at the cost of a nil check.
	Tracer Tracer

	// OnEvent, when set, receives every history event as it is recorded, in order,
	// synchronously on the interpreter goroutine (it must not block long). It is called
	// even with DiscardEvents.
	OnEvent func(history.Event)
	// MapRuns, when set, is told about each map run of a Distributed Map
	// and its child executions, with their histories and checkpoints (see
	// MapRunObserver), or only when they start and end, changing nothing
	// of how the children run (a MapRunSummaryObserver). nil: children
	// record nothing.
	MapRuns MapRunObserver
	// PriorMapRuns, when set, lets a resumed or redriven execution take
	// up the map run its Distributed Map state had begun (see
	// PriorMapRun) rather than run it again as a new one; its children go
	// on from their checkpoints (PriorChild.Resume, PriorChild.Redrive).
	PriorMapRuns PriorMapRuns
	// OnCheckpoint, when set, receives the execution's durable position (see Checkpoint)
	// each time it changes at the top level.
	OnCheckpoint func(*Checkpoint)
	// Resume, when set, continues an execution from a checkpoint instead of starting it:
	// no ExecutionStarted event, event ids continue after cp.EventCount.
	//
	// The input given to Run must be the execution's original input (it is
	// $$.Execution.Input), and StartTime its original start time (the
	// execution's TimeoutSeconds counts from it). Result.Events holds only
	// the events recorded by this run. See Checkpoint for what a resumed
	// state does again.
	Resume *Checkpoint
	// Type is "STANDARD" (default) or "EXPRESS" (ARNs "arn:aws:states:R:A:express:SM:NAME:UUID", no RedriveCount in $$.Execution).
	Type string
	// ExecutionArn, when set, is the execution's ARN ($$.Execution.Id,
	// Result.ExecutionArn), as the caller issued it; "" builds it from the
	// names (an EXPRESS ARN then ends in a UUID from the runtime).
	ExecutionArn string
	// MaxHistoryEvents bounds a STANDARD execution's history, as AWS does:
	// the event that would be number MaxHistoryEvents is replaced by
	// ExecutionFailed (States.Runtime, HistoryLimitCause), and the
	// execution stops. 0: AWS's limit, DefaultMaxHistoryEvents; negative:
	// no limit. EXPRESS executions have no history limit.
	MaxHistoryEvents int64
	// RedriveCount is $$.Execution.RedriveCount (an execution redriven N times).
	RedriveCount int
	// Redrive, with Resume, records an ExecutionRedriven event (with
	// RedriveCount) as the first event of this run, as AWS does when an
	// execution is redriven. To redrive a FAILED execution, resume from the
	// last Entered=false checkpoint of the state that failed, with
	// EventCount and LastEventID set to the id of the failed run's last
	// event (its ExecutionFailed), RedriveCount one more than before and
	// StartTime still the original start. As AWS resets the execution
	// timeout on a redrive, TimeoutSeconds then counts from the redrive
	// (the runtime's now when Run begins), not from StartTime.
	Redrive bool
}

// Execution types (Options.Type).
const (
	TypeStandard = "STANDARD"
	TypeExpress  = "EXPRESS"
)

// Result is how an execution ended.
type Result struct {
	Status string
	Output any    // a value.Value, when Status is SUCCEEDED
	Error  string // when FAILED / TIMED_OUT / ABORTED
	Cause  string
	Events []history.Event

	ExecutionArn    string
	StateMachineArn string
	StartTime       time.Time
	StopTime        time.Time
}

// DefaultMaxHistoryEvents is AWS's limit on a STANDARD execution's
// history (Options.MaxHistoryEvents).
const DefaultMaxHistoryEvents = 25000

// HistoryLimitCause is the cause of the States.Runtime failure of an
// execution that reached the history limit, in AWS's words.
const HistoryLimitCause = "The execution reached the maximum number of history events (25000)."
