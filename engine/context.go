package engine

import (
	"errors"
	"strconv"
	"time"

	"github.com/stepwise/stepwise/asl"
	"github.com/stepwise/stepwise/asl/fault"
	"github.com/stepwise/stepwise/asl/intrinsic"
	"github.com/stepwise/stepwise/asl/jsonpath"
	"github.com/stepwise/stepwise/asl/value"
)

// stateError is a state failing with an error name and cause. A terminal
// error (States.Runtime raised by the data flow, or a state result over the
// payload limit) skips the Retry and Catch of the state that raised it.
type stateError struct {
	name, cause string
	terminal    bool
}

func (e *stateError) Error() string {
	if e.cause == "" {
		return e.name
	}
	return e.name + ": " + e.cause
}

// stateRun is the running of one state.
type stateRun struct {
	ex        *execution
	th        *thread
	n         *node
	c         *asl.Common
	enteredID int64
	entered   time.Time
	raw       any // the state's raw input

	retryCount int
	hasRetry   bool   // the context object shows State.RetryCount
	token      string // $$.Task.Token
	ctxObj     *value.Object

	envBuf intrinsic.Env // what env hands out, to spare an allocation per use

	tr *Step // the visit's trace; nil when the execution is not traced
}

func (sc *stateRun) prefix() string {
	return "An error occurred while executing the state '" + sc.c.Name + "' (entered at the event id #" + strconv.FormatInt(sc.enteredID, 10) + "). "
}

// runtimeErr is a terminal States.Runtime error with AWS's prefix.
func (sc *stateRun) runtimeErr(cause string) *stateError {
	return &stateError{name: fault.Runtime, cause: sc.prefix() + cause, terminal: true}
}

// evalErr turns an error from evaluating a path, template or intrinsic into
// the state's error.
func (sc *stateRun) evalErr(err error) error {
	var nf *jsonpath.NotFoundError
	var fe *fault.Error
	var se *stateError
	switch {
	case errors.As(err, &se):
		return se
	case errors.As(err, &nf):
		return sc.runtimeErr("Invalid path '" + nf.Path + "' : " + nf.Msg)
	case errors.As(err, &fe):
		return &stateError{name: fe.Name, cause: sc.prefix() + fe.Cause, terminal: fe.Name == fault.Runtime}
	}
	return sc.runtimeErr(err.Error())
}

// context returns the context object ($$) for the state, or nil when the
// state cannot read it.
func (sc *stateRun) context() *value.Object {
	if sc.ctxObj != nil || !sc.n.readsContext {
		return sc.ctxObj
	}
	ex := sc.ex
	if ex.test != nil && ex.test.context != nil {
		sc.ctxObj = ex.test.context
		return sc.ctxObj
	}
	st := value.NewObject(3)
	st.Append("Name", sc.c.Name)
	st.Append("EnteredTime", ex.formatTime(sc.entered))
	if sc.hasRetry {
		st.Append("RetryCount", int64(sc.retryCount))
	}
	e, m := sc.executionContext()
	o := value.NewObject(5)
	o.Append("Execution", e)
	o.Append("StateMachine", m)
	o.Append("State", st)
	if sc.token != "" {
		t := value.NewObject(1)
		t.Append("Token", sc.token)
		o.Append("Task", t)
	}
	if sc.th.mapIt != nil {
		o.Append("Map", sc.th.mapIt.object())
	}
	sc.ctxObj = o
	return o
}

// formatTime formats a time for the context object, reusing the last text
// while the millisecond is the same.
func (ex *execution) formatTime(t time.Time) any {
	ms := t.UnixMilli()
	if ex.timeStr == nil || ms != ex.timeMs {
		ex.timeMs, ex.timeStr = ms, t.UTC().Format(timeLayout)
	}
	return ex.timeStr
}

// scope returns what paths may read with input as $.
func (sc *stateRun) scope(input any) jsonpath.Scope {
	s := jsonpath.Scope{Input: input, Vars: sc.th.vars}
	if c := sc.context(); c != nil {
		s.Context = c
	}
	return s
}

// scopeRef is scope in storage of the stateRun's own (shared with env).
func (sc *stateRun) scopeRef(input any) *jsonpath.Scope {
	sc.envBuf.Scope = sc.scope(input)
	return &sc.envBuf.Scope
}

// env returns what templates and intrinsics may read with input as $. It
// is the stateRun's own: valid until the next call.
func (sc *stateRun) env(input any) *intrinsic.Env {
	sc.envBuf = intrinsic.Env{Scope: sc.scope(input), Random: sc.ex.rt}
	return &sc.envBuf
}

// evalPath evaluates a path against input.
func (sc *stateRun) evalPath(p *jsonpath.Path, input any) (any, error) {
	v, err := p.Eval(sc.scopeRef(input))
	if err != nil {
		return nil, sc.evalErr(err)
	}
	return v, nil
}
