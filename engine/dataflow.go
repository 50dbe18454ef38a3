package engine

import (
	"errors"
	"strconv"
	"time"

	"github.com/stepwise/stepwise/asl"
	"github.com/stepwise/stepwise/asl/fault"
	"github.com/stepwise/stepwise/asl/intrinsic"
	"github.com/stepwise/stepwise/asl/jsonpath"
	"github.com/stepwise/stepwise/asl/template"
	"github.com/stepwise/stepwise/asl/value"
	"github.com/stepwise/stepwise/engine/history"
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
	c         *asl.Common
	info      *stateInfo
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
	if sc.ctxObj != nil || !sc.info.readsContext {
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
	o := value.NewObject(5)
	o.Append("Execution", ex.ctxExecution)
	o.Append("StateMachine", ex.ctxMachine)
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

// inputPath applies InputPath to the raw input.
func (sc *stateRun) inputPath() (any, error) {
	v, err := sc.applyInputPath()
	if sc.tr != nil && err == nil {
		sc.tr.AfterInputPath = &Data{v}
	}
	return v, err
}

func (sc *stateRun) applyInputPath() (any, error) {
	p := sc.c.InputPath
	switch {
	case p == nil:
		return sc.raw, nil
	case p.Null || p.Path == nil:
		return value.NewObject(0), nil
	}
	return sc.evalPath(p.Path, sc.raw)
}

// outputPath applies OutputPath to v.
func (sc *stateRun) outputPath(v any) (any, error) {
	p := sc.c.OutputPath
	switch {
	case p == nil:
		return v, nil
	case p.Null || p.Path == nil:
		return value.NewObject(0), nil
	}
	return sc.evalPath(p.Path, v)
}

// resultPath combines the raw input and a result as ResultPath says.
func (sc *stateRun) resultPath(p *asl.Path, result any) (any, error) {
	switch {
	case p == nil:
		return result, nil
	case p.Null || p.Path == nil:
		return sc.raw, nil
	}
	if p.Path.Root() != jsonpath.RootInput {
		return nil, sc.runtimeErr("Invalid path '" + p.Text + "': ResultPath must start with $")
	}
	out, err := jsonpath.Set(sc.raw, p.Path, result)
	if err != nil {
		var nf *jsonpath.NotFoundError
		if errors.As(err, &nf) {
			return nil, sc.evalErr(err)
		}
		return nil, &stateError{name: fault.ResultPathMatchFailure, cause: sc.prefix() + err.Error()}
	}
	return out, nil
}

// template evaluates a payload template with input as $.
func (sc *stateRun) template(t *template.Template, input any) (any, error) {
	v, err := t.Eval(sc.env(input))
	if err != nil {
		return nil, sc.evalErr(err)
	}
	return v, nil
}

// assignment is the outcome of evaluating Assign: applied once the state
// has its output, so every expression of the state sees the variables as
// they were on entry.
type assignment struct {
	vals *value.Object
}

// evalAssign evaluates an Assign template with input as $.
func (sc *stateRun) evalAssign(t *template.Template, input any) (assignment, error) {
	if t == nil {
		return assignment{}, nil
	}
	v, err := sc.template(t, input)
	if err != nil {
		return assignment{}, err
	}
	o, _ := v.(*value.Object)
	return assignment{vals: o}, nil
}

// apply writes the assignment to the thread's variables and returns the
// assigned variables for the exit event.
func (a assignment) apply(th *thread) map[string]history.Payload {
	if a.vals == nil || a.vals.Len() == 0 {
		return nil
	}
	m := make(map[string]history.Payload, a.vals.Len())
	for i := 0; i < a.vals.Len(); i++ {
		k, v := a.vals.At(i)
		th.vars.set(k, v)
		m[k] = history.Payload{Value: v}
	}
	return m
}

// exit records the state's exited event, applying an assignment.
func (sc *stateRun) exit(out any, a assignment) {
	if sc.tr != nil && a.vals != nil && a.vals.Len() > 0 {
		sc.tr.Variables = a.vals
	}
	vars := a.apply(sc.th)
	if !sc.ex.recording(sc.th) {
		sc.ex.emit(sc.th, sc.info.exited, nil)
		return
	}
	d := sc.ex.exitedSlab.get()
	d.Name, d.Output.Value = sc.c.Name, out
	if vars != nil {
		d.AssignedVariables = vars
		d.AssignedVariablesDetails = &history.AssignedVariablesDetails{}
	}
	sc.ex.emit(sc.th, sc.info.exited, d)
}

// dataLimit is the error of a result over the payload limit.
func dataLimit(what string) *stateError {
	return &stateError{
		name:  fault.DataLimitExceeded,
		cause: "The state/task '" + what + "' returned a result with a size exceeding the maximum number of bytes service limit.",
	}
}

// tooLarge reports whether the JSON text of v is longer than limit bytes,
// walking no further than needed.
func tooLarge(v any, limit int) bool {
	if limit < 0 {
		return false
	}
	n := 0
	// The walk estimates the size cheaply; past half the limit, where
	// escapes could make the estimate wrong, the value is encoded.
	if !sizeOver(v, &n, limit/2) {
		return false
	}
	return len(value.Encode(v)) > limit
}

func sizeOver(v any, n *int, limit int) bool {
	switch x := v.(type) {
	case nil:
		*n += 4
	case bool:
		*n += 5
	case string:
		*n += len(x) + 2
	case int64, float64:
		*n += 8
	case *value.Object:
		*n += 2
		for i := 0; i < x.Len(); i++ {
			k, e := x.At(i)
			*n += len(k) + 4
			if *n > limit || sizeOver(e, n, limit) {
				return true
			}
		}
	case []any:
		*n += 2
		for _, e := range x {
			*n++
			if *n > limit || sizeOver(e, n, limit) {
				return true
			}
		}
	}
	return *n > limit
}

// intField reads a whole number given as an integer (or a float without a
// fraction).
func intValue(v any) (int64, bool) {
	switch n := v.(type) {
	case int64:
		return n, true
	case float64:
		if n == float64(int64(n)) {
			return int64(n), true
		}
	case string: // AWS parses numeric strings in ...Path fields
		if i, err := strconv.ParseInt(n, 10, 64); err == nil {
			return i, true
		}
	}
	return 0, false
}

// floatValue reads a number given as a number or a numeric string.
func floatValue(v any) (float64, bool) {
	if s, ok := v.(string); ok {
		f, err := strconv.ParseFloat(s, 64)
		return f, err == nil
	}
	return value.ToFloat(v)
}

// describe renders a value for a cause text: strings as they are, other
// values as JSON.
func describe(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return value.EncodeString(v)
}
