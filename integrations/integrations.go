// Package integrations defines what a Task state calls: a Task request, and
// the Invoker interface through which the engine reaches AWS services,
// mocks, Go functions and activities. The engine knows integrations only
// through this package.
package integrations

import (
	"context"
	"time"
)

// Task is one invocation of a Task state.
type Task struct {
	StateName string // the Task state's name
	Resource  string // the Resource ARN as written
	Input     any    // the effective input: Parameters/Arguments applied (a value.Value)
	TaskToken string // set for .waitForTaskToken and activity tasks
	// Timeouts of this attempt in seconds; 0 means none.
	TimeoutSeconds   int64
	HeartbeatSeconds int64
	Credentials      any // the evaluated Credentials field, or nil
	Attempt          int // 0 for the first attempt, then the retry count
	Execution        Execution
}

// Execution names the execution a task belongs to.
type Execution struct {
	ExecutionArn     string
	ExecutionName    string
	StateMachineArn  string
	StateMachineName string
	Region           string
	AccountID        string
}

// Invoker runs tasks. Invoke returns the task's result (a value.Value) or an
// error; an error that is a *fault.Error keeps its name for Retry and Catch,
// any other error becomes States.TaskFailed.
//
// For a .waitForTaskToken resource an invoker that only sends the request
// returns Pending: the engine then waits for the token's outcome. An invoker
// that knows the outcome (a mock) returns it directly.
type Invoker interface {
	Invoke(ctx context.Context, t *Task) (any, error)
}

// InvokerFunc adapts a function to Invoker.
type InvokerFunc func(ctx context.Context, t *Task) (any, error)

// Invoke calls f.
func (f InvokerFunc) Invoke(ctx context.Context, t *Task) (any, error) { return f(ctx, t) }

// Pending is the result an invoker returns for a callback task whose outcome
// will arrive later through the task token.
type Pending struct{}

// ResourceChecker is implemented by invokers that can tell, before a task
// is scheduled, that its resource does not exist (an activity that was never
// created or was deleted). The engine then fails the state with
// States.Runtime and records no scheduled event, as AWS does.
type ResourceChecker interface {
	// CheckResource returns nil when t.Resource may be invoked, or an error
	// whose message says why not, as AWS words it (for example "The
	// activity ARN does not exist.").
	CheckResource(ctx context.Context, t *Task) error
}

// StateMocker is implemented by invokers that answer some states from
// mocks (a MockConfigFile test case). The engine asks it about states that
// are not Tasks: a Distributed Map whose state is mocked has its
// ItemReader mocked, the mocked result being the items, which it fetches
// with Invoke (Task.StateName the Map's name, Task.Resource the reader's).
type StateMocker interface {
	// MocksState reports whether the state named is mocked.
	MocksState(name string) bool
}

// CheckedInvoker is an Invoker with a resource check (see ResourceChecker).
type CheckedInvoker struct {
	Invoker
	Check func(ctx context.Context, t *Task) error // nil: every resource exists
	// Mocked, when set, tells which states are mocked (see StateMocker).
	Mocked func(state string) bool
}

// MocksState runs c.Mocked (nil: no state is mocked).
func (c CheckedInvoker) MocksState(name string) bool {
	return c.Mocked != nil && c.Mocked(name)
}

// CheckResource runs c.Check.
func (c CheckedInvoker) CheckResource(ctx context.Context, t *Task) error {
	if c.Check == nil {
		return nil
	}
	return c.Check(ctx, t)
}

// sleepKey is the context key of WithSleep.
type sleepKey struct{}

// WithSleep returns a context carrying the clock of the execution a task
// runs in. An invoker that waits while it runs a task (a .sync task
// polling its job, a retried call) waits through Sleep, so that under an
// engine's virtual clock those waits take virtual time, not real time.
func WithSleep(ctx context.Context, sleep func(ctx context.Context, d time.Duration) error) context.Context {
	return context.WithValue(ctx, sleepKey{}, sleep)
}

// Sleep waits d on the clock ctx carries (see WithSleep), or on the real
// clock when it carries none. It returns ctx's error if ctx ends first.
func Sleep(ctx context.Context, d time.Duration) error {
	if s, ok := ctx.Value(sleepKey{}).(func(context.Context, time.Duration) error); ok {
		return s(ctx, d)
	}
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
