package engine

import (
	"context"
	"errors"
	"time"

	"github.com/stepwise/stepwise/asl"
	"github.com/stepwise/stepwise/asl/fault"
	"github.com/stepwise/stepwise/asl/value"
	"github.com/stepwise/stepwise/engine/history"
	"github.com/stepwise/stepwise/integrations"
)

// defaultPayloadLimit is AWS's limit on inputs, outputs and results.
const defaultPayloadLimit = 256 * 1024

// timeLayout is how the context object writes times (ISO 8601, UTC, ms).
const timeLayout = "2006-01-02T15:04:05.000Z"

// execution is one run of a state machine.
type execution struct {
	rt    Runtime
	opts  Options
	sm    *asl.StateMachine
	input any
	limit int

	events []history.Event

	execArn, smArn string
	start          time.Time
	ctxExecution   *value.Object // $$.Execution
	ctxMachine     *value.Object // $$.StateMachine
	taskExec       integrations.Execution

	result *Result
}

// thread is one line of history: the top level, a Parallel branch or a Map
// iteration. It knows the last event it recorded (for previousEventId), its
// variable scope and, in a Map iteration, the $$.Map object.
type thread struct {
	last   int64
	vars   *frame
	mapCtx *value.Object
	depth  int
	silent bool // events are not recorded (distributed Map children)
}

func (t *thread) child(mapCtx *value.Object) *thread {
	c := &thread{last: t.last, vars: newFrame(t.vars), mapCtx: mapCtx, depth: t.depth + 1, silent: t.silent}
	if mapCtx == nil {
		c.mapCtx = t.mapCtx
	}
	return c
}

func newExecution(sm *asl.StateMachine, input any, opts Options) (*execution, error) {
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
	if limit <= 0 {
		limit = defaultPayloadLimit
	}
	ex := &execution{rt: opts.Runtime, opts: opts, sm: sm, input: input, limit: limit}
	ex.smArn = "arn:aws:states:" + opts.Region + ":" + opts.AccountID + ":stateMachine:" + opts.StateMachineName
	ex.execArn = "arn:aws:states:" + opts.Region + ":" + opts.AccountID + ":execution:" + opts.StateMachineName + ":" + opts.ExecutionName
	ex.start = opts.StartTime.UTC()

	e := value.NewObject(6)
	e.Append("Id", ex.execArn)
	e.Append("Input", input)
	e.Append("StartTime", ex.start.Format(timeLayout))
	e.Append("Name", opts.ExecutionName)
	e.Append("RoleArn", opts.RoleArn)
	e.Append("RedriveCount", int64(0))
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

// emit records an event on a thread and returns its id.
func (ex *execution) emit(th *thread, typ string, details any) int64 {
	if th.silent {
		return th.last
	}
	id := int64(len(ex.events) + 1)
	ex.events = append(ex.events, history.Event{
		ID:              id,
		PreviousEventID: th.last,
		Timestamp:       ex.rt.Now(),
		Type:            typ,
		Details:         details,
	})
	th.last = id
	return id
}

// run is the root goroutine of the execution.
func (ex *execution) run(ctx context.Context) {
	top := &thread{vars: newFrame(nil)}
	ex.emit(top, "ExecutionStarted", &history.ExecutionStartedEventDetails{
		Input:   history.Payload{Value: ex.input},
		RoleArn: ex.opts.RoleArn,
	})

	var (
		out      any
		err      error
		timedOut bool
	)
	if tooLarge(ex.input, ex.limit) {
		err = &stateError{name: fault.DataLimitExceeded, cause: "The input to the execution exceeds the maximum number of bytes service limit."}
	} else if ts := ex.sm.TimeoutSeconds; ts != nil && *ts > 0 {
		out, err, timedOut = ex.runWithTimeout(ctx, top, time.Duration(*ts)*time.Second)
	} else {
		out, err = ex.runGraph(ctx, top, &ex.sm.Graph, ex.input)
	}
	if err == nil && tooLarge(out, ex.limit) {
		err = &stateError{name: fault.DataLimitExceeded, cause: "The state/task output exceeds the maximum number of bytes service limit."}
	}

	res := &Result{ExecutionArn: ex.execArn, StateMachineArn: ex.smArn, StartTime: ex.start}
	var se *stateError
	switch {
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
		ex.emit(top, "ExecutionAborted", &history.ErrorDetails{})
	}
	res.StopTime = ex.rt.Now()
	res.Events = ex.events
	ex.result = res
}

// runWithTimeout runs the top level with the execution's TimeoutSeconds.
func (ex *execution) runWithTimeout(ctx context.Context, top *thread, d time.Duration) (out any, err error, timedOut bool) {
	rt := ex.rt
	mctx, cancelMain := rt.WithCancel(ctx)
	tctx, cancelTimer := rt.WithCancel(ctx)
	mainDone, timerDone := false, false
	rt.Go(mctx, func(c context.Context) {
		out, err = ex.runGraph(c, top, &ex.sm.Graph, ex.input)
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

// runGraph runs states from g.StartAt until one ends the graph.
func (ex *execution) runGraph(ctx context.Context, th *thread, g *asl.Graph, input any) (any, error) {
	name := g.StartAt
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		st, ok := g.States[name]
		if !ok || st == nil {
			return nil, &stateError{name: fault.Runtime, cause: "The state '" + name + "' does not exist.", terminal: true}
		}
		out, next, err := ex.runState(ctx, th, st, input)
		if err != nil {
			return nil, err
		}
		if next == "" {
			return out, nil
		}
		name, input = next, out
	}
}

// runState runs one state: it records the entered event and dispatches on
// the state type. next is "" when the state ends its graph.
func (ex *execution) runState(ctx context.Context, th *thread, st asl.State, input any) (out any, next string, err error) {
	c := st.Base()
	id := ex.emit(th, c.Type+"StateEntered", &history.StateEnteredEventDetails{Name: c.Name, Input: history.Payload{Value: input}})
	sc := &stateRun{ex: ex, th: th, c: c, enteredID: id, entered: ex.rt.Now(), raw: input}
	switch s := st.(type) {
	case *asl.Pass:
		return ex.runPass(sc, s)
	case *asl.Task:
		return ex.runTask(ctx, sc, s)
	case *asl.Choice:
		return ex.runChoice(sc, s)
	case *asl.Wait:
		return ex.runWait(ctx, sc, s)
	case *asl.Succeed:
		return ex.runSucceed(sc)
	case *asl.Fail:
		return nil, "", ex.runFail(sc, s)
	case *asl.Parallel:
		return ex.runParallel(ctx, sc, s)
	case *asl.Map:
		return ex.runMap(ctx, sc, s)
	}
	return nil, "", sc.runtimeErr("Unsupported state type " + c.Type)
}

// next returns the transition of a state that completed normally.
func next(c *asl.Common) string {
	if c.End {
		return ""
	}
	return c.Next
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
