// Package engine interprets state machines: AWS's data flow for every state
// type, Retry and Catch, variables, the context object, and the execution
// history in Step Functions' event format. All waiting, concurrency, time and
// randomness go through a Runtime, so the same interpreter runs in process
// and as a Temporal workflow.
package engine

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/stepwise/stepwise/asl"
	"github.com/stepwise/stepwise/engine/history"
	"github.com/stepwise/stepwise/engine/local"
	"github.com/stepwise/stepwise/integrations"
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

// Runtime is the seam between the interpreter and the world. The
// interpreter never starts goroutines, uses channels or locks, reads the
// clock or draws random numbers itself: it asks the runtime.
//
// Interpreter code runs one goroutine at a time (as Temporal runs workflow
// coroutines): a goroutine started with Go runs only while the others are
// blocked in a runtime call. Implementations: engine/local (in process) and
// a Temporal workflow.
type Runtime interface {
	// Exec runs fn as the root goroutine of an execution and returns when
	// fn returns.
	Exec(ctx context.Context, fn func(ctx context.Context))
	// Go starts fn concurrently with the caller.
	Go(ctx context.Context, fn func(ctx context.Context))
	// Await blocks until cond returns true (it is evaluated whenever other
	// goroutines may have changed what it reads) or ctx ends.
	Await(ctx context.Context, cond func() bool) error
	// WithCancel returns a child context and a function that cancels it.
	WithCancel(ctx context.Context) (context.Context, context.CancelFunc)
	// Now returns the current time.
	Now() time.Time
	// Sleep blocks for d or until ctx ends (then it returns ctx's error).
	Sleep(ctx context.Context, d time.Duration) error
	// Invoke runs a task through the invoker; t.TimeoutSeconds, when set,
	// bounds it with a States.Timeout error.
	Invoke(ctx context.Context, inv integrations.Invoker, t *integrations.Task) (any, error)
	// AwaitTask waits for the outcome of a callback task's token, for at
	// most timeout and with at most heartbeat between heartbeats (0: no
	// limit), failing with States.Timeout or States.HeartbeatTimeout.
	AwaitTask(ctx context.Context, token string, timeout, heartbeat time.Duration) (any, error)
	// UUID and Int63 are the randomness behind task tokens, States.UUID,
	// States.MathRandom and retry jitter (intrinsic.Random).
	UUID() string
	Int63() int64
}

var _ Runtime = (*local.Runtime)(nil)

// Run executes sm on input until it ends. The error is for problems that
// keep the execution from running at all (a nil state machine); how the
// execution ended, including failures, is in the Result.
func Run(ctx context.Context, sm *asl.StateMachine, input any, opts Options) (*Result, error) {
	if sm == nil {
		return nil, errors.New("engine: nil state machine")
	}
	if opts.Runtime == nil {
		opts.Runtime = local.New(local.Options{})
	}
	ex, err := newExecution(sm, input, opts)
	if err != nil {
		return nil, fmt.Errorf("engine: %w", err)
	}
	opts.Runtime.Exec(ctx, ex.run)
	return ex.result, nil
}
