// Package engine interprets state machines: AWS's data flow for every state
// type, Retry and Catch, variables, the context object, and the execution
// history in Step Functions' event format. All waiting, concurrency, time and
// randomness go through a Runtime, so the same interpreter runs in process
// and as a Temporal workflow.
package engine

import (
	"context"
	"fmt"
	"time"

	"github.com/stepwise/stepwise/asl"
	"github.com/stepwise/stepwise/engine/history"
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

// Options configure one execution.
type Options struct {
	Runtime Runtime              // nil: a local runtime with the real clock
	Invoker integrations.Invoker // what Task states call

	// Names of the execution, for the context object and ARNs.
	ExecutionName    string
	StateMachineName string
	Region           string
	AccountID        string
	RoleArn          string
	StartTime        time.Time // zero: the runtime's now
}

// Result is how an execution ended.
type Result struct {
	Status string
	Output any    // a value.Value, when Status is SUCCEEDED
	Error  string // when FAILED / TIMED_OUT / ABORTED
	Cause  string
	Events []history.Event
}

// Runtime is the seam between the interpreter and the world; see the local
// and temporal implementations.
type Runtime interface{}

// Run executes sm on input until it ends.
func Run(ctx context.Context, sm *asl.StateMachine, input any, opts Options) (*Result, error) {
	return nil, fmt.Errorf("engine: not implemented yet")
}
