package engine

import (
	"context"
	"time"

	"github.com/stepwise/stepwise/engine/runtime/local"
	"github.com/stepwise/stepwise/integrations"
	"github.com/stepwise/stepwise/integrations/items"
)

// Runtime is the seam between the interpreter and the world. The
// interpreter never starts goroutines, uses channels or locks, reads the
// clock, draws random numbers or calls a task itself: it asks the runtime.
// Everything the interpreter needs is in this interface; it reaches for
// nothing else by type assertion but one optional capability, ChildRunner
// (distmap_remote.go: a runtime that runs a Distributed Map's child
// executions elsewhere, as Temporal child workflows).
//
// Interpreter code runs one goroutine at a time (as Temporal runs workflow
// coroutines): a goroutine started with Go runs only while the others are
// blocked in a runtime call. Implementations: engine/local (in process) and
// engine/temporal (a Temporal workflow).
type Runtime interface {
	// Exec runs fn as the root goroutine of an execution and returns when
	// fn returns.
	Exec(ctx context.Context, fn func(ctx context.Context))
	// Go starts fn concurrently with the caller.
	Go(ctx context.Context, fn func(ctx context.Context))
	// Await blocks until cond returns true (it is evaluated whenever other
	// goroutines may have changed what it reads) or ctx ends.
	Await(ctx context.Context, cond func() bool) error
	// Idle reports whether no goroutine but the caller's is ready to run.
	// A Map whose iterations can never block then runs a batch of them in
	// line, in the order separate goroutines would have run them. A
	// runtime may always answer false.
	Idle() bool
	// WithCancel returns a child context and a function that cancels it.
	WithCancel(ctx context.Context) (context.Context, context.CancelFunc)
	// Now returns the current time.
	Now() time.Time
	// Sleep blocks for d or until ctx ends (then it returns ctx's error).
	Sleep(ctx context.Context, d time.Duration) error

	// CheckTask reports whether t's resource may be invoked: nil, or the
	// reason it does not exist (an activity never created), which fails
	// the state before its task is scheduled, as AWS does. It is the one
	// resource check of an execution. inv is Options.Invoker.
	CheckTask(ctx context.Context, inv integrations.Invoker, t *integrations.Task) error
	// Invoke runs a task to its outcome; t.TimeoutSeconds, when set,
	// bounds it with a States.Timeout error. inv is Options.Invoker: a
	// runtime that runs tasks in process calls it; one that runs them
	// elsewhere (a Temporal workflow, whose activities call the worker's
	// invoker) requires it to be nil and fails the task otherwise, rather
	// than ignore it.
	Invoke(ctx context.Context, inv integrations.Invoker, t *integrations.Task) (any, error)
	// AwaitTask waits for the outcome of a callback task's token, for at
	// most timeout and with at most heartbeat between heartbeats (0: no
	// limit), failing with States.Timeout or States.HeartbeatTimeout.
	AwaitTask(ctx context.Context, token string, timeout, heartbeat time.Duration) (any, error)

	// ReadItems opens the items of a Distributed Map's ItemReader; the
	// reader's Next blocks the calling goroutine like any runtime call.
	// objs is Options.Objects: a runtime that reads in process reads it;
	// one that reads elsewhere (Temporal: activities on the workers' object
	// store, a page at a time) is given its own stand-in there. Errors are
	// *fault.Error (States.ItemReaderFailed) or the context's.
	ReadItems(ctx context.Context, objs items.Objects, cfg items.ReaderConfig) (items.Reader, error)
	// ResultSink returns what collects a map run's child results as they
	// end and then writes its ResultWriter's files and manifest: the local
	// runtime spools them to temporary files (items.ResultSpool) and
	// writes them in process; the Temporal runtime writes them in an
	// activity. Its Write's objs is as for ReadItems.
	ResultSink(cfg items.WriterConfig, mapRunArn string) (items.ResultSink, error)

	// UUID and Int63 are the randomness behind task tokens, States.UUID,
	// States.MathRandom and retry jitter (intrinsic.Random).
	UUID() string
	Int63() int64
}

var _ Runtime = (*local.Runtime)(nil)
