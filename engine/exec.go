package engine

import (
	"context"
	"errors"
	"maps"
	"strconv"
	"time"

	"github.com/stepwise/stepwise/asl"
	"github.com/stepwise/stepwise/asl/fault"
	"github.com/stepwise/stepwise/asl/jsonata"
	"github.com/stepwise/stepwise/asl/value"
	"github.com/stepwise/stepwise/engine/history"
	"github.com/stepwise/stepwise/engine/runtime/local"
	"github.com/stepwise/stepwise/integrations"
)

// defaultPayloadLimit is AWS's limit on inputs, outputs and results.
const defaultPayloadLimit = 256 * 1024

// timeLayout is how the context object writes times (ISO 8601, UTC, ms).
const timeLayout = "2006-01-02T15:04:05.000Z"

// execution is one run of a state machine.
type execution struct {
	rt    Runtime
	jrt   jsonata.Runtime // rt for JSONata's $now, $random, $uuid
	opts  Options
	prog  *Program
	input any
	limit int
	// maxEvents is the history limit (0: none); overLimit is set once the
	// execution reached it: it is being stopped, and records nothing more
	// until its ExecutionFailed.
	maxEvents int64
	overLimit bool
	closing   bool               // the execution's closing event is being recorded
	takeUp    *takeUp            // the map run the first state may take up (distmap_resume.go)
	root      context.Context    // the execution's root context: done once it is stopped
	stop      context.CancelFunc // stops the execution's root context

	// The history: full chunks, then the chunk being filled. Chunks are
	// joined once at the end, rather than a growing slice copying the
	// history over and over.
	chunks  [][]history.Event
	events  []history.Event
	nEvents int64
	base    int64 // events recorded before this run (a resumed execution)

	// waitUntil is the deadline of a Wait state resumed at the top level,
	// until the state takes it.
	waitUntil time.Time

	// Slabs for the details of the most frequent events, so that each
	// does not cost an allocation of its own.
	enteredSlab slab[history.StateEnteredEventDetails]
	exitedSlab  slab[history.StateExitedEventDetails]
	iterSlab    slab[history.MapIterationEventDetails]

	traceSeq int        // the Seq of the last traced step
	test     *testState // set when running one state for TestState

	// The last entered time formatted for the context object.
	timeMs         int64
	timeStr        any // a string
	execArn, smArn string
	start          time.Time
	ctxExecution   *value.Object // $$.Execution
	ctxMachine     *value.Object // $$.StateMachine
	taskExec       integrations.Execution

	result *Result
}

// thread is one line of history: the top level, a Parallel branch or a Map
// iteration. It knows the last event it recorded (for previousEventId), its
// variable scope and, in a Map iteration, the item behind the $$.Map object
// (built when a state first reads it).
type thread struct {
	last   int64
	vars   *frame
	frame  frame // the storage of vars
	mapIt  *mapItem
	item   mapItem // the storage of mapIt, for iterations run in line
	depth  int
	silent bool // events are not recorded (distributed Map children)
	// log, in a silent thread, records its events in a child execution's
	// own history instead (Options.MapRuns); nil: they are dropped.
	log *childLog
	// jcache keeps what JSONata converted between the thread's
	// evaluations (a state's output read as the next state's input); made
	// by the first JSONata evaluation, so that a JSONPath thread stays
	// small (threads are reset per Map iteration).
	jcache *jsonata.Cache
	jenv   *jsonata.Env // the storage of each JSONata evaluation's Env
	// jstates is the storage of $states (stateRun.states), refilled for
	// each stage, and kept across resets.
	jstates *value.Object
	lookup  func(string) (any, bool) // vars.Lookup, made once for JSONata

	// Where the thread's steps sit in a trace (see Step.Parent, Step.Path).
	traceParent int
	tracePath   []PathElem

	// sc is the running state: a thread runs one state at a time, and
	// nothing keeps a stateRun once its state has ended.
	sc stateRun
}

// mapItem is the item of a Map iteration, for $$.Map.
type mapItem struct {
	index int
	value any
	obj   *value.Object // $$.Map, once built
}

// object returns $$.Map: {"Item": {"Index": i, "Value": v}}.
func (m *mapItem) object() *value.Object {
	if m.obj == nil {
		mi := value.NewObject(2)
		mi.Append("Index", int64(m.index))
		mi.Append("Value", m.value)
		o := value.NewObject(1)
		o.Append("Item", mi)
		m.obj = o
	}
	return m.obj
}

// child returns a thread for a branch or, with it non-nil, a Map iteration.
func (t *thread) child(it *mapItem) *thread {
	c := &thread{}
	c.init(t, it)
	return c
}

// init makes t a new child of parent (see child).
func (t *thread) init(parent *thread, it *mapItem) {
	*t = thread{last: parent.last, mapIt: it, depth: parent.depth + 1, silent: parent.silent, log: parent.log,
		traceParent: parent.traceParent, tracePath: parent.tracePath}
	t.frame.parent = parent.vars
	t.vars = &t.frame
	if it == nil {
		t.mapIt = parent.mapIt
	}
}

// reset makes t, a thread run in line again and again (a Map's
// iterations), a fresh child of parent, as init does, without clearing the
// storage of the running state (sc), which each state visit overwrites:
// clearing all of t on every iteration cost a tenth of a small Map's time.
func (t *thread) reset(parent *thread, it *mapItem) {
	t.last, t.depth, t.silent, t.log = parent.last, parent.depth+1, parent.silent, parent.log
	t.frame = frame{parent: parent.vars}
	t.vars = &t.frame
	t.mapIt = it
	if it == nil {
		t.mapIt = parent.mapIt
	}
	t.jcache, t.jenv, t.lookup = nil, nil, nil
	t.traceParent, t.tracePath = parent.traceParent, parent.tracePath
}

// slab hands out pointers to zeroed values of T allocated in batches.
type slab[T any] struct {
	buf  []T
	size int
}

func (s *slab[T]) get() *T {
	if len(s.buf) == 0 {
		switch {
		case s.size == 0:
			s.size = 4
		case s.size < 1024:
			s.size *= 2
		}
		s.buf = make([]T, s.size)
	}
	p := &s.buf[0]
	s.buf = s.buf[1:]
	return p
}

func newExecution(p *Program, input any, opts Options) (*execution, error) {
	if opts.Runtime == nil {
		opts.Runtime = local.New(local.Options{})
	}
	express := false
	switch opts.Type {
	case "", TypeStandard:
	case TypeExpress:
		express = true
	default:
		return nil, errors.New("unknown execution type " + strconv.Quote(opts.Type) + " (want STANDARD or EXPRESS)")
	}
	if opts.Resume != nil && opts.Resume.State == "" {
		return nil, errors.New("resume: the checkpoint names no state")
	}
	if opts.Region == "" {
		opts.Region = DefaultRegion
	}
	if opts.AccountID == "" {
		opts.AccountID = DefaultAccountID
	}
	if opts.StateMachineName == "" {
		opts.StateMachineName = "StateMachine"
	}
	if opts.ExecutionName == "" {
		opts.ExecutionName = opts.Runtime.UUID()
	}
	if opts.StartTime.IsZero() {
		opts.StartTime = opts.Runtime.Now()
	}
	limit := opts.PayloadLimit
	switch {
	case limit == 0:
		limit = defaultPayloadLimit
	case limit < 0:
		limit = -1 // no limit
	}
	ex := &execution{rt: opts.Runtime, jrt: jsonataRuntime{opts.Runtime}, opts: opts, prog: p, input: input, limit: limit}
	switch {
	case express || opts.MaxHistoryEvents < 0:
	case opts.MaxHistoryEvents == 0:
		ex.maxEvents = DefaultMaxHistoryEvents
	default:
		ex.maxEvents = opts.MaxHistoryEvents
	}
	ex.smArn = "arn:aws:states:" + opts.Region + ":" + opts.AccountID + ":stateMachine:" + opts.StateMachineName
	switch {
	case opts.ExecutionArn != "":
		ex.execArn = opts.ExecutionArn
	case express:
		ex.execArn = "arn:aws:states:" + opts.Region + ":" + opts.AccountID + ":express:" + opts.StateMachineName + ":" + opts.ExecutionName + ":" + opts.Runtime.UUID()
	default:
		ex.execArn = "arn:aws:states:" + opts.Region + ":" + opts.AccountID + ":execution:" + opts.StateMachineName + ":" + opts.ExecutionName
	}
	ex.start = opts.StartTime.UTC()

	e := value.NewObject(6)
	e.Append("Id", ex.execArn)
	e.Append("Input", input)
	if express {
		// An EXPRESS execution has no RedriveCount, and AWS writes its
		// members in this order.
		e.Append("Name", opts.ExecutionName)
		e.Append("RoleArn", opts.RoleArn)
		e.Append("StartTime", ex.start.Format(timeLayout))
	} else {
		e.Append("StartTime", ex.start.Format(timeLayout))
		e.Append("Name", opts.ExecutionName)
		e.Append("RoleArn", opts.RoleArn)
		e.Append("RedriveCount", int64(opts.RedriveCount))
	}
	ex.ctxExecution = e
	m := value.NewObject(2)
	m.Append("Id", ex.smArn)
	m.Append("Name", opts.StateMachineName)
	ex.ctxMachine = m
	ex.taskExec = integrations.Execution{
		ExecutionArn:     ex.execArn,
		ExecutionName:    opts.ExecutionName,
		StateMachineArn:  ex.smArn,
		StateMachineName: opts.StateMachineName,
		Region:           opts.Region,
		AccountID:        opts.AccountID,
	}
	return ex, nil
}

// recording reports whether events of th are kept or passed to OnEvent
// (so worth detailing).
func (ex *execution) recording(th *thread) bool {
	return (!th.silent || th.log.observed()) && ex.keepsEvents()
}

// keepsEvents reports whether events are kept or passed to OnEvent.
func (ex *execution) keepsEvents() bool {
	return !ex.opts.DiscardEvents || ex.opts.OnEvent != nil
}

// emit records an event on a thread and returns its id.
func (ex *execution) emit(th *thread, typ string, details any) int64 {
	if th.silent && !th.log.observed() {
		if th.log != nil {
			// A child execution no one observes: its events are counted
			// for its history limit, not recorded.
			return th.log.emit(th, typ, nil, time.Time{})
		}
		return th.last
	}
	return ex.emitAt(th, typ, details, ex.eventTime())
}

// eventTime is the time of an event about to be emitted: the zero time
// when events are neither kept nor passed on, which saves a clock read
// per event (the clock is slow on some virtual machines).
func (ex *execution) eventTime() time.Time {
	if !ex.keepsEvents() {
		return time.Time{}
	}
	return ex.rt.Now()
}

// emitAt is emit with the event's time.
func (ex *execution) emitAt(th *thread, typ string, details any, now time.Time) int64 {
	if th.silent {
		if th.log != nil {
			return th.log.emit(th, typ, details, now)
		}
		return th.last
	}
	if !ex.closing && ex.maxEvents > 0 {
		if ex.overLimit {
			return th.last
		}
		if ex.nEvents+1 >= ex.maxEvents {
			// This event would be the last one AWS records: the execution
			// fails with that id instead, and stops.
			ex.overLimit = true
			if ex.stop != nil {
				ex.stop()
			}
			return th.last
		}
	}
	if ex.opts.DiscardEvents {
		ex.nEvents++
		if ex.opts.OnEvent != nil {
			ex.opts.OnEvent(history.Event{ID: ex.nEvents, PreviousEventID: th.last, Timestamp: now, Type: typ, Details: details})
		}
		th.last = ex.nEvents
		return th.last
	}
	if len(ex.events) == cap(ex.events) {
		size := 16
		if c := cap(ex.events); c > 0 {
			ex.chunks = append(ex.chunks, ex.events)
			size = min(4096, 2*c)
		}
		ex.events = make([]history.Event, 0, size)
	}
	ex.nEvents++
	id := ex.nEvents
	ex.events = append(ex.events, history.Event{
		ID:              id,
		PreviousEventID: th.last,
		Timestamp:       now,
		Type:            typ,
		Details:         details,
	})
	if ex.opts.OnEvent != nil {
		ex.opts.OnEvent(ex.events[len(ex.events)-1])
	}
	th.last = id
	return id
}

// history returns the events recorded, in one slice.
func (ex *execution) history() []history.Event {
	if len(ex.chunks) == 0 {
		return ex.events
	}
	all := make([]history.Event, 0, ex.nEvents-ex.base)
	for _, c := range ex.chunks {
		all = append(all, c...)
	}
	all = append(all, ex.events...)
	ex.chunks, ex.events = nil, nil
	return all
}

// run is the root goroutine of the execution.
func (ex *execution) run(ctx context.Context) {
	ctx, ex.stop = ex.rt.WithCancel(ctx)
	ex.root = ctx
	defer ex.stop()
	top := &thread{}
	top.vars = &top.frame
	cp := ex.opts.Resume
	if cp == nil {
		ex.emit(top, "ExecutionStarted", &history.ExecutionStartedEventDetails{
			Input:   history.Payload{Value: ex.input},
			RoleArn: ex.opts.RoleArn,
		})
		// AWS records the first state's entered event with previous id 0.
		top.last = 0
	} else {
		ex.nEvents, ex.base = cp.EventCount, cp.EventCount
		top.last = cp.LastEventID
		if len(cp.Variables) > 0 {
			top.frame.vars = maps.Clone(cp.Variables)
		}
		if ex.opts.Redrive {
			ex.emit(top, "ExecutionRedriven", &history.ExecutionRedrivenEventDetails{RedriveCount: ex.opts.RedriveCount})
		}
		ex.takeUp = takeUpFrom(cp, ex.opts.Redrive)
	}

	var (
		out      any
		err      error
		timedOut bool
	)
	if cp == nil && tooLarge(ex.input, ex.limit) {
		err = &stateError{name: fault.DataLimitExceeded, cause: "The input to the execution exceeds the maximum number of bytes service limit."}
	} else if ts := ex.prog.sm.TimeoutSeconds; ts != nil && *ts > 0 {
		d := secondsDuration(*ts)
		if cp != nil && !ex.opts.Redrive {
			// The timeout counts from the original start.
			d = ex.start.Add(d).Sub(ex.rt.Now())
		}
		if d > 0 {
			out, err, timedOut = ex.runWithTimeout(ctx, top, d)
		} else {
			err, timedOut = context.DeadlineExceeded, true
		}
	} else {
		out, err = ex.runTop(ctx, top)
	}
	if err == nil && tooLarge(out, ex.limit) {
		err = &stateError{name: fault.DataLimitExceeded, cause: "The state/task output exceeds the maximum number of bytes service limit."}
	}

	res := &Result{ExecutionArn: ex.execArn, StateMachineArn: ex.smArn, StartTime: ex.start}
	ex.closing = true
	var se *stateError
	switch {
	case ex.overLimit:
		res.Status, res.Error, res.Cause = StatusFailed, fault.Runtime, HistoryLimitCause
		top.last = ex.nEvents
		ex.emit(top, "ExecutionFailed", &history.ErrorDetails{Error: fault.Runtime, Cause: HistoryLimitCause})
	case err == nil:
		res.Status = StatusSucceeded
		res.Output = out
		ex.emit(top, "ExecutionSucceeded", &history.ExecutionSucceededEventDetails{Output: history.Payload{Value: out}})
	case errors.As(err, &se):
		res.Status = StatusFailed
		res.Error, res.Cause = se.name, se.cause
		ex.emit(top, "ExecutionFailed", &history.ErrorDetails{Error: se.name, Cause: se.cause})
	case timedOut:
		res.Status = StatusTimedOut
		res.Error = fault.Timeout
		ex.emit(top, "ExecutionTimedOut", &history.ErrorDetails{Error: fault.Timeout})
	default:
		res.Status = StatusAborted
		// As AWS records a stopped execution: the abort follows no event.
		top.last = 0
		ex.emit(top, "ExecutionAborted", &history.ErrorDetails{})
	}
	res.StopTime = ex.rt.Now()
	res.Events = ex.history()
	ex.result = res
}

// runWithTimeout runs the top level with the execution's TimeoutSeconds.
func (ex *execution) runWithTimeout(ctx context.Context, top *thread, d time.Duration) (out any, err error, timedOut bool) {
	rt := ex.rt
	mctx, cancelMain := rt.WithCancel(ctx)
	tctx, cancelTimer := rt.WithCancel(ctx)
	mainDone, timerDone := false, false
	rt.Go(mctx, func(c context.Context) {
		out, err = ex.runTop(c, top)
		mainDone = true
		cancelTimer()
	})
	rt.Go(tctx, func(c context.Context) {
		if rt.Sleep(c, d) == nil && !mainDone {
			timedOut = true
			cancelMain()
		}
		timerDone = true
	})
	_ = rt.Await(context.WithoutCancel(ctx), func() bool { return mainDone && timerDone })
	cancelMain()
	cancelTimer()
	if timedOut {
		var se *stateError
		if !errors.As(err, &se) {
			return nil, context.DeadlineExceeded, true
		}
	}
	return out, err, false
}

// runTop runs the top-level states, from the start or from Options.Resume,
// handing Options.OnCheckpoint a checkpoint before each state is entered.
func (ex *execution) runTop(ctx context.Context, th *thread) (any, error) {
	gp := ex.prog.top
	if ex.opts.Resume == nil && ex.opts.OnCheckpoint == nil {
		return ex.runGraph(ctx, th, gp, ex.input)
	}
	return ex.runFrom(ctx, th, gp, ex.input, ex.opts.Resume)
}

// runFrom runs the states of gp on th, the top-level thread of the
// execution or of a map run's child execution (distmap_childcp.go): from
// the graph's StartAt on input, or from cp. When th takes checkpoints
// (checkpoints), it hands one over before each state is entered.
func (ex *execution) runFrom(ctx context.Context, th *thread, gp *graphPlan, input any, cp *Checkpoint) (any, error) {
	name := gp.graph.StartAt
	if cp != nil {
		name, input = cp.State, cp.Input
		if !cp.Entered {
			cp = nil
		}
	}
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		n := gp.nodes[name]
		if n == nil {
			return nil, missingState(name)
		}
		var (
			out  any
			next string
			err  error
		)
		if cp != nil {
			out, next, err = ex.resumeState(ctx, th, n, cp)
			cp = nil
		} else {
			if ex.checkpoints(th) {
				ex.checkpoint(th, name, input, false, time.Time{}, time.Time{})
			}
			out, next, err = ex.runState(ctx, th, n, input)
		}
		if th.log == nil && th.depth == 0 {
			// Only the state resumed or redriven, and the Parallel
			// branches in it, take up map runs.
			ex.takeUp = nil
		}
		if err != nil {
			return nil, err
		}
		if next == "" {
			return out, nil
		}
		name, input = next, out
	}
}

// missingState is the error of a transition to a state that does not
// exist (a checkpoint from another definition).
func missingState(name string) error {
	return &stateError{name: fault.Runtime, cause: "The state '" + name + "' does not exist.", terminal: true}
}

// checkpoints reports whether th hands over checkpoints: the top level
// with Options.OnCheckpoint, or the top-level thread of an observed child
// execution of a map run (distmap_childcp.go).
func (ex *execution) checkpoints(th *thread) bool {
	if th.depth == 0 {
		return ex.opts.OnCheckpoint != nil
	}
	return th.log != nil && th.log.top == th
}

// checkpoint hands Options.OnCheckpoint (or, for a child execution, the
// map run's observer) the position of the top-level thread th: before
// state is entered with input or, entered, since at (and a Wait state
// until until).
func (ex *execution) checkpoint(th *thread, state string, input any, entered bool, at, until time.Time) {
	cp := &Checkpoint{State: state, Entered: entered, Input: input, EventCount: ex.nEvents, LastEventID: th.last}
	if entered {
		cp.EnteredTime, cp.WaitUntil = at, until
	}
	if len(th.frame.vars) > 0 {
		cp.Variables = maps.Clone(th.frame.vars)
	}
	if l := th.log; l != nil {
		cp.EventCount = l.n
		ex.opts.MapRuns.ChildCheckpoint(l.run.info, l.child, cp)
		return
	}
	ex.opts.OnCheckpoint(cp)
}

// runGraph runs states from the graph's StartAt until one ends the graph.
func (ex *execution) runGraph(ctx context.Context, th *thread, gp *graphPlan, input any) (any, error) {
	name := gp.graph.StartAt
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		n := gp.nodes[name]
		if n == nil {
			return nil, missingState(name)
		}
		out, next, err := ex.runState(ctx, th, n, input)
		if err != nil {
			return nil, err
		}
		if next == "" {
			return out, nil
		}
		name, input = next, out
	}
}

// runState runs one state: it records the entered event and runs the
// state's data flow (see runEnvelope). next is "" when the state ends its
// graph.
func (ex *execution) runState(ctx context.Context, th *thread, n *node, input any) (out any, next string, err error) {
	c := n.c
	// The entered time is needed for the event, a checkpoint, or
	// $$.State.EnteredTime.
	var now time.Time
	if n.readsContext || ex.opts.OnCheckpoint != nil || ex.checkpoints(th) {
		now = ex.rt.Now()
	} else {
		now = ex.eventTime()
	}
	var id int64
	if ex.recording(th) {
		d := ex.enteredSlab.get()
		d.Name, d.Input.Value = c.Name, input
		id = ex.emitAt(th, n.entered, d, now)
	} else {
		id = ex.emitAt(th, n.entered, nil, now)
	}
	if ex.checkpoints(th) {
		// A Wait state's checkpoint comes once its deadline is known.
		if _, wait := n.state.(*asl.Wait); !wait {
			ex.checkpoint(th, c.Name, input, true, now, time.Time{})
		}
	}
	sc := &th.sc
	*sc = stateRun{ex: ex, th: th, n: n, c: c, enteredID: id, entered: now, raw: input}
	return ex.runBody(ctx, sc)
}

// resumeState runs a top-level state from a checkpoint taken after its
// entered event: the state's body again, without the entered event.
func (ex *execution) resumeState(ctx context.Context, th *thread, n *node, cp *Checkpoint) (any, string, error) {
	sc := &th.sc
	*sc = stateRun{ex: ex, th: th, n: n, c: n.c, enteredID: cp.LastEventID, entered: cp.EnteredTime, raw: cp.Input}
	if _, wait := n.state.(*asl.Wait); wait {
		if th.log != nil {
			th.log.waitUntil = cp.WaitUntil
		} else {
			ex.waitUntil = cp.WaitUntil
		}
	}
	return ex.runBody(ctx, sc)
}

// runBody runs an entered state, traced when the execution is.
func (ex *execution) runBody(ctx context.Context, sc *stateRun) (out any, next string, err error) {
	if ex.opts.Tracer == nil {
		return ex.runEnvelope(ctx, sc)
	}
	step := ex.traceStart(sc.th, sc.c.Name, sc.c.Type, sc.raw)
	step.QueryLanguage = sc.c.QueryLanguage
	sc.tr = step
	out, next, err = ex.runEnvelope(ctx, sc)
	ex.traceEnd(ctx, step, out, next, err)
	return out, next, err
}

// stopping reports whether the execution itself is being stopped
// (StopExecution, or the history limit), rather than a state being aborted
// by a failing sibling branch or iteration or by the execution's timeout.
func (ex *execution) stopping() bool {
	return ex.root != nil && ex.root.Err() != nil
}

// isAbort reports whether err means the execution (or the enclosing
// branch) is being stopped rather than a state failing.
func isAbort(err error) bool {
	var se *stateError
	return err != nil && !errors.As(err, &se)
}

// isFault reports whether err is a named error (a state's or a task's).
func isFault(err error) bool {
	var se *stateError
	var fe *fault.Error
	return errors.As(err, &se) || errors.As(err, &fe)
}
