package temporal

import (
	"context"
	cryptorand "crypto/rand"
	"errors"
	"fmt"
	"math/rand"
	randv2 "math/rand/v2"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/stepwise/stepwise/asl/fault"
	"github.com/stepwise/stepwise/asl/value"
	"github.com/stepwise/stepwise/integrations"
)

// RuntimeOptions configure a Runtime.
type RuntimeOptions struct {
	// TaskQueue is where task activities and batch child workflows run
	// ("": the workflow's own task queue).
	TaskQueue string
	// MockTestCase, when set, names the MockConfigFile test case whose
	// mocked responses the worker gives (see WorkerOptions.Mocks).
	MockTestCase string
	// MockStateMachine is the state machine of MockTestCase in the mock
	// file ("": the execution's state machine name).
	MockStateMachine string
	// Mocks, when set, are the mocked responses of a test case (see
	// NewMocks), which the workflow gives itself, with no activity: like
	// the local runtime's mocked calls, the mocked tasks invoked together
	// all end together, once every interpreter coroutine waits, and
	// deterministically, as the responses travel in the workflow input.
	// Tasks of states they do not mock run as activities.
	Mocks *Mocks `json:",omitempty"`
	// BatchThreshold is how many task invocations pending at once make them
	// run in child workflows, BatchSize at most per child (0:
	// DefaultBatchThreshold; negative: never).
	BatchThreshold int
	// BatchSize is the number of tasks per batch child workflow (0:
	// DefaultBatchSize).
	BatchSize int
	// BatchConcurrency is how many tasks of a batch run at once (0:
	// DefaultBatchConcurrency), and MaxBatches how many batch child
	// workflows run at once (0: DefaultMaxBatches); later ones wait.
	BatchConcurrency int
	MaxBatches       int
	// HistoryBudget is the length of this run's Temporal history beyond
	// which every task invocation runs in batch child workflows, however
	// few are pending (0: DefaultHistoryBudget; negative: never).
	HistoryBudget int
	// Liveness is the heartbeat timeout of task activities whose Task
	// state sets no HeartbeatSeconds: a worker that dies during a task is
	// noticed after it, and the task is run again (0: DefaultLiveness).
	Liveness time.Duration
	// PageItems is the most items of a page an ItemReader reads in one
	// activity (0: DefaultPageItems; pages also stop at DefaultPageBytes).
	PageItems int `json:",omitempty"`
	// ChildShardThreshold is how many child executions of map runs
	// started together make them run in shard workflows, ChildShardSize
	// at most per shard (0: DefaultChildShardThreshold and
	// DefaultChildShardSize; a negative threshold: never, unless the
	// history is past HistoryBudget). Fewer are child workflows of the
	// execution itself.
	ChildShardThreshold int `json:",omitempty"`
	ChildShardSize      int `json:",omitempty"`
	// Seed seeds the random source behind UUIDs, task tokens, jitter and
	// States.MathRandom (0: drawn once through workflow.SideEffect).
	Seed int64
	// Calls are the per-state call counters carried over a
	// continue-as-new (see TaskRequest.Call).
	Calls map[string]int
}

// Defaults of RuntimeOptions.
const (
	DefaultBatchThreshold = 64
	DefaultBatchSize      = 500
	// DefaultBatchConcurrency and DefaultMaxBatches keep at most 800
	// tasks of batches running at once.
	DefaultBatchConcurrency = 100
	DefaultMaxBatches       = 8
	DefaultHistoryBudget    = 10000
	DefaultLiveness         = 30 * time.Second
	// defaultTaskTimeout bounds a task with no TimeoutSeconds, as AWS's
	// default of 99999999 seconds does.
	defaultTaskTimeout = 99999999 * time.Second
	// maxWorkerLosses is how many times a task is run again after its
	// worker was lost before the task fails.
	maxWorkerLosses = 10
)

// Runtime runs the interpreter inside a Temporal workflow (it implements
// engine.Runtime). Concurrency is workflow coroutines, time is workflow
// time, waiting is durable timers, tasks are activities ("stepwise.task")
// and randomness comes from a source seeded once through SideEffect, so an
// execution replays deterministically.
//
// The contexts the interpreter passes around carry the workflow.Context
// (see WorkflowContext); their Err reports the workflow's (or a branch's)
// cancellation. Their Done channel is nil: code that needs to notice
// cancellation checks Err, as the interpreter does.
type Runtime struct {
	root    workflow.Context // the workflow's context
	base    workflow.Context // disconnected from cancellation, for the runtime's own coroutines
	current workflow.Context // the running interpreter coroutine's (see enter)
	opts    RuntimeOptions
	rng     randomSource

	active   int // interpreter coroutines not blocked in a runtime call
	pending  []*call
	batches  [][]*call // batches waiting for a child workflow
	inflight int       // batch child workflows running
	dispatch bool      // the dispatcher coroutine runs
	calls    map[string]int
	tokens   map[string]*token
	readers  int // ItemReaders opened (ReadItems), which name their streams
	// Child executions of map runs (children.go): those waiting for the
	// child dispatcher, and whether it runs.
	childPending  []*childCall
	childDispatch bool
	shards        map[string][]*childCall // running shard workflows' children, by shard ID
	childVersion  int                     // 0: not asked yet; 1: children in process; 2: child workflows
	queueVersion  int                     // 0: not asked yet; 1: no queue; 2: ChildQueueDepth queues
	gates         map[string]*childGate   // map runs' gates, by map run ARN (ChildQueueDepth)
	// stateLabel names the top-level state running, for timer summaries.
	stateLabel func() string
}

// token is the state of one task token.
type token struct {
	done   bool
	output any
	err    error
	beats  int // heartbeats received
	last   time.Time
}

// call is one task invocation waiting for its outcome.
type call struct {
	req      TaskRequest
	mock     *MockResponse // answered by the workflow from RuntimeOptions.Mocks
	direct   bool          // run by the caller as an activity of its own
	done     bool
	outcome  TaskOutcome
	abandon  bool // the caller stopped waiting
	assigned bool
}

// NewRuntime returns a runtime for the workflow of ctx. It starts the
// coroutine that receives task token outcomes (SignalName).
func NewRuntime(ctx workflow.Context, opts RuntimeOptions) *Runtime {
	if opts.BatchThreshold == 0 {
		opts.BatchThreshold = DefaultBatchThreshold
	}
	if opts.BatchSize <= 0 {
		opts.BatchSize = DefaultBatchSize
	}
	if opts.BatchConcurrency <= 0 {
		opts.BatchConcurrency = DefaultBatchConcurrency
	}
	if opts.MaxBatches <= 0 {
		opts.MaxBatches = DefaultMaxBatches
	}
	if opts.HistoryBudget == 0 {
		opts.HistoryBudget = DefaultHistoryBudget
	}
	if opts.Liveness <= 0 {
		opts.Liveness = DefaultLiveness
	}
	rng := newRandomSource(ctx, opts.Seed)
	base, _ := workflow.NewDisconnectedContext(ctx)
	r := &Runtime{
		root:   ctx,
		base:   base,
		opts:   opts,
		rng:    rng,
		calls:  map[string]int{},
		tokens: map[string]*token{},
	}
	for k, v := range opts.Calls {
		r.calls[k] = v
	}
	workflow.Go(r.base, r.receiveSignals)
	return r
}

// randomSource is the randomness of an execution: task tokens, UUIDs,
// States.MathRandom, JSONata's $random and retry jitter.
type randomSource interface {
	Int63() int64
	Intn(n int) int
}

// rngVersion marks the workflows whose randomness is a ChaCha8 stream
// seeded with 32 bytes of crypto/rand (recorded once through SideEffect, so
// a replay draws the same values): task tokens grant actions and must not
// be predictable. Workflows started before it replay with the math/rand
// source of a 63-bit seed they began with.
const rngVersion = "stepwise-rng-chacha8"

// newRandomSource returns the workflow's random source; a non-zero seed
// (tests) gives a math/rand source of that seed.
func newRandomSource(ctx workflow.Context, seed int64) randomSource {
	if seed != 0 {
		return rand.New(rand.NewSource(seed))
	}
	if workflow.GetVersion(ctx, rngVersion, workflow.DefaultVersion, 1) == workflow.DefaultVersion {
		enc := workflow.SideEffect(ctx, func(workflow.Context) any { return rand.Int63() | 1 })
		if err := enc.Get(&seed); err != nil || seed == 0 {
			seed = 1
		}
		return rand.New(rand.NewSource(seed))
	}
	var key [32]byte
	enc := workflow.SideEffect(ctx, func(workflow.Context) any {
		var b [32]byte
		_, _ = cryptorand.Read(b[:])
		return b
	})
	_ = enc.Get(&key)
	return chachaSource{randv2.New(randv2.NewChaCha8(key))}
}

// chachaSource adapts math/rand/v2 to randomSource.
type chachaSource struct{ r *randv2.Rand }

func (c chachaSource) Int63() int64   { return c.r.Int64() }
func (c chachaSource) Intn(n int) int { return c.r.IntN(n) }

// ctxKey is the context key under which the workflow.Context is carried.
type ctxKey struct{}

// wfContext is a context.Context over a workflow.Context.
type wfContext struct{ w workflow.Context }

func (c wfContext) Deadline() (time.Time, bool) { return time.Time{}, false }
func (c wfContext) Done() <-chan struct{}       { return nil }
func (c wfContext) Err() error {
	if c.w.Err() != nil {
		return context.Canceled
	}
	return nil
}
func (c wfContext) Value(key any) any {
	if key == (ctxKey{}) {
		return c.w
	}
	return c.w.Value(key)
}

// Context returns the context.Context to give the interpreter in the
// workflow of ctx: it carries ctx, and its Err reports ctx's cancellation.
func Context(ctx workflow.Context) context.Context { return wfContext{ctx} }

// WorkflowContext returns the workflow.Context carried by ctx, or nil.
func WorkflowContext(ctx context.Context) workflow.Context {
	w, _ := ctx.Value(ctxKey{}).(workflow.Context)
	return w
}

// enter makes the coroutine of w the current one: runtime calls block
// it through a context disconnected from cancellation (waits end by their
// own conditions, which look at the interpreter's contexts).
func (r *Runtime) enter(w workflow.Context) {
	d, _ := workflow.NewDisconnectedContext(w)
	r.current = d
}

// wait blocks the calling interpreter coroutine until cond holds. cond is
// evaluated whenever coroutines may have changed what it reads.
func (r *Runtime) wait(cond func() bool) {
	if cond() {
		return
	}
	cur := r.current
	r.active--
	_ = workflow.Await(cur, cond)
	r.active++
	r.current = cur
}

// Exec runs fn in the calling coroutine, whose workflow.Context ctx
// carries (see Context).
func (r *Runtime) Exec(ctx context.Context, fn func(ctx context.Context)) {
	w := WorkflowContext(ctx)
	if w == nil {
		w = r.root
		ctx = Context(w)
	}
	r.active++
	defer func() { r.active-- }()
	r.enter(w)
	fn(ctx)
}

// Go starts fn in a new workflow coroutine (cancelled with ctx). It runs
// once the caller blocks.
func (r *Runtime) Go(ctx context.Context, fn func(ctx context.Context)) {
	w := WorkflowContext(ctx)
	if w == nil {
		w = r.root
	}
	r.active++
	workflow.Go(w, func(c workflow.Context) {
		defer func() { r.active-- }()
		r.enter(c)
		fn(wfContext{c})
	})
}

// Await blocks until cond returns true or ctx ends.
func (r *Runtime) Await(ctx context.Context, cond func() bool) error {
	var err error
	r.wait(func() bool {
		if cond() {
			return true
		}
		err = ctx.Err()
		return err != nil
	})
	if err != nil && cond() {
		return nil
	}
	return err
}

// WithCancel returns a child context cancelled by the returned function
// (workflow.WithCancel).
func (r *Runtime) WithCancel(ctx context.Context) (context.Context, context.CancelFunc) {
	w := WorkflowContext(ctx)
	if w == nil {
		return context.WithCancel(ctx)
	}
	c, cancel := workflow.WithCancel(w)
	return wfContext{c}, context.CancelFunc(cancel)
}

// Idle is always false: iterations of a Map run as coroutines of their own,
// which keeps the workflow's command order the same across versions.
func (r *Runtime) Idle() bool { return false }

// Now returns the workflow's time.
func (r *Runtime) Now() time.Time { return workflow.Now(r.root).UTC() }

// Sleep waits for d on a durable timer, or until ctx ends (then it returns
// ctx's error).
func (r *Runtime) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if d <= 0 {
		return nil
	}
	tctx, cancel := workflow.WithCancel(r.current)
	f := workflow.NewTimerWithOptions(tctx, d, workflow.TimerOptions{Summary: r.timerSummary("wait", d)})
	r.wait(func() bool { return f.IsReady() || ctx.Err() != nil })
	if err := ctx.Err(); err != nil {
		cancel()
		return err
	}
	return nil
}

// UUID returns a random version-4 UUID.
func (r *Runtime) UUID() string {
	var b [16]byte
	for i := range b {
		b[i] = byte(r.rng.Intn(256))
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// Int63 returns a non-negative pseudo-random 63-bit integer.
func (r *Runtime) Int63() int64 { return r.rng.Int63() }

// Calls returns the per-state call counters (for a continue-as-new).
func (r *Runtime) Calls() map[string]int {
	out := make(map[string]int, len(r.calls))
	for k, v := range r.calls {
		out[k] = v
	}
	return out
}

// request returns the TaskRequest of t.
func (r *Runtime) request(t *integrations.Task) TaskRequest {
	req := TaskRequest{
		StateName:        t.StateName,
		Resource:         t.Resource,
		Input:            value.Encode(t.Input),
		TaskToken:        t.TaskToken,
		TimeoutSeconds:   t.TimeoutSeconds,
		HeartbeatSeconds: t.HeartbeatSeconds,
		Attempt:          t.Attempt,
		Execution:        t.Execution,
		MockTestCase:     r.opts.MockTestCase,
		MockStateMachine: r.opts.MockStateMachine,
		Call:             r.calls[t.StateName],
	}
	if t.Credentials != nil {
		req.Credentials = value.Encode(t.Credentials)
	}
	return req
}

// CheckTask asks a worker (the activity CheckActivityName) whether the
// Step Functions activity a task names exists, as the engine does before
// scheduling it. Other resources are not checked, which would cost an
// activity per task. Tasks run on the workers, with their invokers: inv
// must be nil.
func (r *Runtime) CheckTask(ctx context.Context, inv integrations.Invoker, t *integrations.Task) error {
	if inv != nil {
		return errInvokerGiven
	}
	if !strings.Contains(t.Resource, ":activity:") || ctx.Err() != nil {
		return nil
	}
	if r.mocked(t.StateName) != nil {
		return nil // a mocked state's activity exists, as for Tasks.CheckResource
	}
	req := r.request(t)
	actx := workflow.WithActivityOptions(r.current, workflow.ActivityOptions{
		TaskQueue:           r.opts.TaskQueue,
		StartToCloseTimeout: time.Minute,
		RetryPolicy:         &temporal.RetryPolicy{MaximumAttempts: 5},
		Summary:             "check the activity of " + taskSummary(&req),
	})
	f := workflow.ExecuteActivity(actx, CheckActivityName, req)
	r.wait(func() bool { return f.IsReady() || ctx.Err() != nil })
	if !f.IsReady() {
		return nil // aborted: Invoke notices
	}
	var missing string
	if err := f.Get(actx, &missing); err != nil {
		return err
	}
	if missing != "" {
		return errors.New(missing)
	}
	return nil
}

// mocked returns the mocked response of a state in RuntimeOptions.Mocks,
// or nil.
func (r *Runtime) mocked(state string) *MockResponse {
	if r.opts.Mocks == nil {
		return nil
	}
	return r.opts.Mocks.States[state]
}

// errInvokerGiven: an engine invoker was given to a runtime whose tasks
// run on Temporal workers (their invokers answer them).
var errInvokerGiven = errors.New("temporal: tasks run as activities on the workers, with the workers' invokers: engine.Options.Invoker must be nil")

// Invoke runs the task as an activity ("stepwise.task") on a worker, whose
// invoker answers it; inv must be nil (the task fails otherwise). Tasks
// invoked together beyond a threshold run in batch child workflows. Tasks
// of the states RuntimeOptions.Mocks mocks are answered by the workflow.
func (r *Runtime) Invoke(ctx context.Context, inv integrations.Invoker, t *integrations.Task) (any, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if inv != nil {
		return nil, fault.New(fault.Runtime, errInvokerGiven.Error())
	}
	c := &call{req: r.request(t), mock: r.mocked(t.StateName)}
	r.calls[t.StateName]++
	r.pending = append(r.pending, c)
	if !r.dispatch {
		r.dispatch = true
		workflow.Go(r.base, r.dispatcher)
	}
	r.wait(func() bool { return c.assigned || ctx.Err() != nil })
	if !c.assigned {
		c.abandon = true
		return nil, ctx.Err()
	}
	if c.direct {
		c.outcome = r.runDirect(ctx, &c.req)
		c.done = true
	} else {
		r.wait(func() bool { return c.done || ctx.Err() != nil })
		if !c.done {
			c.abandon = true
			return nil, ctx.Err()
		}
	}
	if c.outcome.Canceled {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		return nil, context.Canceled
	}
	return c.outcome.result()
}

// dispatcher hands out pending invocations once every interpreter
// coroutine is blocked: mocked ones (RuntimeOptions.Mocks) get their
// outcome at once, all together; of the others, few at a time run as
// activities of their own, many (or all, once the history is long) in
// batch child workflows, of which at most MaxBatches run at once.
func (r *Runtime) dispatcher(ctx workflow.Context) {
	for {
		_ = workflow.Await(ctx, func() bool {
			return len(r.pending) > 0 && r.active == 0 || len(r.batches) > 0 && r.inflight < r.opts.MaxBatches
		})
		if len(r.pending) > 0 && r.active == 0 {
			live := r.pending[:0:0]
			for _, c := range r.pending {
				switch {
				case c.abandon:
				case c.mock != nil:
					c.outcome = r.opts.Mocks.outcome(c.mock, &c.req)
					c.assigned, c.done = true, true
				default:
					live = append(live, c)
				}
			}
			r.pending = nil
			if r.batching(len(live)) {
				for start := 0; start < len(live); start += r.opts.BatchSize {
					r.batches = append(r.batches, live[start:min(start+r.opts.BatchSize, len(live))])
				}
				for _, c := range live {
					c.assigned = true
				}
			} else {
				for _, c := range live {
					c.direct, c.assigned = true, true
				}
			}
		}
		for len(r.batches) > 0 && r.inflight < r.opts.MaxBatches {
			b := r.batches[0]
			r.batches[0] = nil
			r.batches = r.batches[1:]
			live := b[:0]
			for _, c := range b {
				if !c.abandon {
					live = append(live, c)
				}
			}
			if len(live) > 0 {
				r.startBatch(live)
			}
		}
	}
}

// batching reports whether n invocations pending together run in batch
// child workflows.
func (r *Runtime) batching(n int) bool {
	if r.opts.BatchThreshold > 0 && n >= r.opts.BatchThreshold {
		return true
	}
	return r.opts.HistoryBudget > 0 && workflow.GetInfo(r.root).GetCurrentHistoryLength() >= r.opts.HistoryBudget
}

// startBatch runs calls in one child workflow (BatchWorkflowName) and
// hands each its outcome when the child ends.
func (r *Runtime) startBatch(calls []*call) {
	in := BatchInput{Tasks: make([]TaskRequest, len(calls)), Liveness: r.opts.Liveness, Concurrency: r.opts.BatchConcurrency}
	in.Execution = calls[0].req.Execution
	for i, c := range calls {
		in.Tasks[i] = c.req
		if c.req.Execution == in.Execution {
			in.Tasks[i].Execution = integrations.Execution{}
		}
	}
	r.inflight++
	cctx := workflow.WithChildOptions(r.base, workflow.ChildWorkflowOptions{
		TaskQueue:         r.opts.TaskQueue,
		ParentClosePolicy: 0, // terminate with the parent
		StaticSummary:     batchSummary(in.Tasks),
	})
	f := workflow.ExecuteChildWorkflow(cctx, BatchWorkflowName, in)
	workflow.Go(r.base, func(ctx workflow.Context) {
		var out []TaskOutcome
		err := f.Get(ctx, &out)
		for i, c := range calls {
			switch {
			case err != nil:
				c.outcome = TaskOutcome{Failed: true, Error: fault.TaskFailed, Cause: "batch child workflow: " + err.Error()}
			case i < len(out):
				c.outcome = out[i]
			default:
				c.outcome = TaskOutcome{Failed: true, Error: fault.TaskFailed, Cause: "batch child workflow returned too few outcomes"}
			}
			c.done = true
		}
		r.inflight--
	})
}

// runDirect runs one task as an activity in the caller's coroutine,
// again when its worker is lost.
func (r *Runtime) runDirect(ctx context.Context, req *TaskRequest) TaskOutcome {
	for lost := 0; ; lost++ {
		f, cancel := startTask(r.current, r.opts.TaskQueue, r.opts.Liveness, req)
		r.wait(func() bool { return f.IsReady() || ctx.Err() != nil })
		if !f.IsReady() {
			cancel()
			return TaskOutcome{Canceled: true}
		}
		o, again := taskOutcome(r.current, f, req, lost)
		if !again {
			return o
		}
	}
}

// receiveSignals records task token outcomes and heartbeats as they come.
func (r *Runtime) receiveSignals(ctx workflow.Context) {
	ch := workflow.GetSignalChannel(ctx, SignalName)
	for {
		var s TaskSignal
		ch.Receive(ctx, &s)
		r.deliver(s)
	}
}

// drainSignals records the signals received but not yet handled (before
// a continue-as-new).
func (r *Runtime) drainSignals() {
	ch := workflow.GetSignalChannel(r.base, SignalName)
	for {
		var s TaskSignal
		if !ch.ReceiveAsync(&s) {
			return
		}
		r.deliver(s)
	}
}

func (r *Runtime) deliver(s TaskSignal) {
	tk := r.tokens[s.Token]
	if tk == nil {
		tk = &token{}
		r.tokens[s.Token] = tk
	}
	if tk.done {
		return
	}
	if s.Heartbeat {
		tk.beats++
		tk.last = r.Now()
		return
	}
	tk.done = true
	if s.Failed {
		tk.err = fault.New(s.Error, s.Cause)
		return
	}
	v, err := value.Decode(s.Output)
	if err != nil {
		tk.err = fault.New(fault.TaskFailed, "invalid task output: "+err.Error())
		return
	}
	tk.output = v
}

// AwaitTask waits for the outcome of a task token, sent with CompleteTask
// (a signal), for at most timeout and with at most heartbeat between
// heartbeats (0: no limit); they end it with States.Timeout and
// States.HeartbeatTimeout.
func (r *Runtime) AwaitTask(ctx context.Context, tok string, timeout, heartbeat time.Duration) (any, error) {
	tk := r.tokens[tok]
	if tk == nil {
		tk = &token{}
		r.tokens[tok] = tk
	}
	start := r.Now()
	if tk.last.Before(start) {
		tk.last = start
	}
	defer delete(r.tokens, tok)
	for {
		if tk.done {
			return tk.output, tk.err
		}
		now := r.Now()
		if timeout > 0 && !now.Before(start.Add(timeout)) {
			return nil, fault.New(fault.Timeout, "")
		}
		if heartbeat > 0 && !now.Before(tk.last.Add(heartbeat)) {
			return nil, fault.New(fault.HeartbeatTimeout, "")
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		var d time.Duration = -1
		if timeout > 0 {
			d = start.Add(timeout).Sub(now)
		}
		if heartbeat > 0 {
			if h := tk.last.Add(heartbeat).Sub(now); d < 0 || h < d {
				d = h
			}
		}
		var timer workflow.Future
		cancel := func() {}
		if d >= 0 {
			var tctx workflow.Context
			tctx, cancel = workflow.WithCancel(r.current)
			timer = workflow.NewTimerWithOptions(tctx, d, workflow.TimerOptions{Summary: r.timerSummary("task timeout", d)})
		}
		beats := tk.beats
		r.wait(func() bool {
			return tk.done || tk.beats != beats || ctx.Err() != nil || (timer != nil && timer.IsReady())
		})
		if timer != nil && !timer.IsReady() {
			cancel()
		}
	}
}
