package engine

import (
	"context"
	"errors"
	"time"

	"github.com/stepwise/stepwise/asl"
	"github.com/stepwise/stepwise/asl/fault"
	"github.com/stepwise/stepwise/asl/jsonata"
	"github.com/stepwise/stepwise/asl/jsonpath"
	"github.com/stepwise/stepwise/asl/template"
	"github.com/stepwise/stepwise/asl/value"
	"github.com/stepwise/stepwise/engine/history"
)

// This file is the data-flow pipeline of every state, in AWS's order.
//
// JSONPath: InputPath → Parameters → body → ResultSelector → ResultPath →
// OutputPath, with Assign evaluated on the (selected) result before
// ResultPath and applied when the state exits, so that every expression of
// the state sees the variables as they were on entry.
//
// JSONata: Arguments → body → Assign → Output, each evaluated against
// $states (input, context, and result or errorOutput where the stage has
// them) and the variables as they were on entry. A JSONata state has none
// of the JSONPath fields (validation rejects them), so the JSONPath stages
// pass its data through unchanged: the body gets the state input (or the
// Arguments) and the output is the body's result (or the Output). The
// expressions are compiled once, in Compile (jsonata.go); what Compile
// cannot run is marked on the node (node.unsupported) and the state fails
// on entry (refuse) instead of running without it.
//
// Each state type's body is in a file of its own (state_*.go); Retry and
// Catch, shared by Task, Parallel and Map, are in recovery.go.

// outcome is what a state's body produced.
type outcome struct {
	// result is the body's result: a task's, a Map's or Parallel's
	// results, a Pass's Result or Parameters, or the state input for the
	// states that have no result (Choice, Wait, Succeed).
	result any
	// next is the transition the body chose (a Choice rule, a catcher);
	// "" takes the state's Next, or ends the graph.
	next string
	// caught: a catcher handled the body's error; result is the state's
	// output already (the catcher's ResultPath applied), and assign the
	// catcher's assignment.
	caught bool
	// assigned: the body evaluated the state's assignment (a Choice rule's
	// or a catcher's Assign) into assign.
	assigned bool
	assign   assignment
	// hasOutput: the body evaluated the state's output (a JSONata Choice
	// rule's Output) into output.
	hasOutput bool
	output    any
}

// runEnvelope runs an entered state: the refusal of what the engine cannot
// run, the input stage, the state's body and the result stages, then the
// exited event.
func (ex *execution) runEnvelope(ctx context.Context, sc *stateRun) (any, string, error) {
	n := sc.n
	if n.unsupported != nil {
		return nil, "", sc.refuse(n.unsupported)
	}
	if n.kind == kindFail {
		// A Fail state has no data flow: it ends its graph with an error.
		return nil, "", ex.runFail(ctx, sc, n.state.(*asl.Fail))
	}
	in, err := sc.inputPath()
	if err != nil {
		return nil, "", err
	}
	var o outcome
	switch n.kind {
	case kindPass:
		o, err = ex.runPass(sc, n.state.(*asl.Pass), in)
	case kindTask:
		o, err = ex.runTask(ctx, sc, n.state.(*asl.Task), in)
	case kindChoice:
		o, err = ex.runChoice(ctx, sc, n.state.(*asl.Choice), in)
	case kindWait:
		o, err = ex.runWait(ctx, sc, n.state.(*asl.Wait), in)
	case kindSucceed:
		o = ex.runSucceed(in)
	case kindParallel:
		o, err = ex.runParallel(ctx, sc, n.state.(*asl.Parallel), in)
	case kindMap:
		o, err = ex.runMap(ctx, sc, n.state.(*asl.Map), in)
	default:
		err = sc.runtimeErr("Unsupported state type " + sc.c.Type)
	}
	if err != nil {
		return nil, "", err
	}
	next := o.next
	if next == "" && !n.c.End && n.kind != kindSucceed {
		next = n.c.Next
	}
	if o.caught {
		sc.exit(o.result, o.assign)
		return o.result, next, nil
	}
	var (
		out any
		a   assignment
	)
	if n.jp != nil {
		out, a, err = sc.jsonataResultStages(ctx, &o, in)
	} else {
		out, a, err = sc.resultStages(&o, in)
	}
	if err != nil {
		return nil, "", err
	}
	sc.exit(out, a)
	return out, next, nil
}

// refuse is the error of a state that uses a field the engine cannot run
// yet: a terminal States.Runtime error that names the field, rather than a
// run that ignores it.
func (sc *stateRun) refuse(u *unsupportedField) *stateError {
	return sc.runtimeErr("The field '" + u.field + "' (" + u.reason + ") is not supported by this engine yet; the state was not run.")
}

// resultStages takes a body's result to the state's output: ResultSelector
// (Task, Parallel, Map), Assign, ResultPath (Pass, Task, Parallel, Map) and
// OutputPath. States without a result (Choice, Wait, Succeed) pass the
// input on to OutputPath.
func (sc *stateRun) resultStages(o *outcome, in any) (any, assignment, error) {
	n := sc.n
	result := o.result
	var err error
	if n.selects {
		if sc.tr != nil {
			sc.tr.Result = &Data{result}
		}
		if n.selector != nil {
			if result, err = sc.template(n.selector, result); err != nil {
				return nil, assignment{}, err
			}
		}
		if sc.tr != nil {
			sc.tr.AfterResultSelector = &Data{result}
		}
	}
	a := o.assign
	if !o.assigned {
		if a, err = sc.evalAssign(n.assign, result); err != nil {
			return nil, assignment{}, err
		}
	}
	out := in
	if n.places {
		if out, err = sc.resultPath(n.resultPath, result); err != nil {
			return nil, assignment{}, err
		}
		if sc.tr != nil {
			sc.tr.AfterResultPath = &Data{out}
		}
	}
	if out, err = sc.outputPath(out); err != nil {
		return nil, assignment{}, err
	}
	return out, a, nil
}

// parameters evaluates Parameters (nil: the input itself) for the body.
func (sc *stateRun) parameters(t *template.Template, in any) (any, error) {
	v := in
	if t != nil {
		var err error
		if v, err = sc.template(t, in); err != nil {
			return nil, err
		}
	}
	if sc.tr != nil {
		sc.tr.AfterParameters = &Data{v}
	}
	return v, nil
}

// inputPath applies InputPath to the raw input.
func (sc *stateRun) inputPath() (any, error) {
	v, err := sc.applyInputPath()
	if sc.tr != nil && err == nil && sc.n.jp == nil {
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

// apply writes the assignment to the thread's variables and, when record
// is set, returns the assigned variables for the exit event.
func (a assignment) apply(th *thread, record bool) map[string]history.Payload {
	if a.vals == nil || a.vals.Len() == 0 {
		return nil
	}
	var m map[string]history.Payload
	if record {
		m = make(map[string]history.Payload, a.vals.Len())
	}
	for i := 0; i < a.vals.Len(); i++ {
		k, v := a.vals.At(i)
		th.vars.set(k, v)
		if record {
			m[k] = history.Payload{Value: v}
		}
	}
	return m
}

// exit records the state's exited event, applying an assignment.
func (sc *stateRun) exit(out any, a assignment) {
	if sc.tr != nil && a.vals != nil && a.vals.Len() > 0 {
		sc.tr.Variables = a.vals
	}
	if !sc.ex.recording(sc.th) {
		a.apply(sc.th, false)
		sc.ex.emit(sc.th, sc.n.exited, nil)
		return
	}
	vars := a.apply(sc.th, true)
	d := sc.ex.exitedSlab.get()
	d.Name, d.Output.Value = sc.c.Name, out
	if vars != nil {
		d.AssignedVariables = vars
		d.AssignedVariablesDetails = &history.AssignedVariablesDetails{}
	}
	sc.ex.emit(sc.th, sc.n.exited, d)
}

// The JSONata stages.

// arguments is the body's input: Parameters applied to the input in
// JSONPath (nil: the input), Arguments evaluated against $states in
// JSONata (not set: the input).
func (sc *stateRun) arguments(ctx context.Context, t *template.Template, in any) (any, error) {
	jp := sc.n.jp
	if jp == nil {
		return sc.parameters(t, in)
	}
	v := in
	if jp.arguments != nil {
		var err error
		if v, err = sc.evalJSONata(ctx, jp.arguments, "Arguments", sc.states(in, nil, false, nil)); err != nil {
			return nil, err
		}
	}
	if sc.tr != nil {
		sc.tr.AfterArguments = &Data{v}
	}
	return v, nil
}

// jsonataResultStages takes a JSONata state's body result to its output:
// Assign and Output, both evaluated against $states (input, context and,
// for Task, Parallel and Map, the result) and the variables as they were
// on entry. Output not set is the result, or the input for the states
// without one.
func (sc *stateRun) jsonataResultStages(ctx context.Context, o *outcome, in any) (any, assignment, error) {
	n, jp := sc.n, sc.n.jp
	if n.selects && sc.tr != nil {
		sc.tr.Result = &Data{o.result}
	}
	var states *value.Object
	statesOnce := func() *value.Object {
		if states == nil {
			states = sc.states(in, o.result, n.selects, nil)
		}
		return states
	}
	a := o.assign
	if !o.assigned && jp.assign != nil {
		var err error
		if a, err = sc.jsonataAssign(ctx, jp.assign, statesOnce()); err != nil {
			return nil, assignment{}, err
		}
	}
	var out any
	switch {
	case o.hasOutput:
		out = o.output
	case jp.output != nil:
		v, err := sc.evalJSONata(ctx, jp.output, "Output", statesOnce())
		if err != nil {
			return nil, assignment{}, err
		}
		out = v
	case n.selects:
		out = o.result
	default:
		out = in
	}
	return out, a, nil
}

// jsonataAssign evaluates a JSONata Assign (an object: validation says so).
func (sc *stateRun) jsonataAssign(ctx context.Context, t *jsonata.Template, states *value.Object) (assignment, error) {
	v, err := sc.evalJSONata(ctx, t, "Assign", states)
	if err != nil {
		return assignment{}, err
	}
	o, _ := v.(*value.Object)
	return assignment{vals: o}, nil
}

// states builds $states: the state's input and context object and, when
// the stage has them, the result and the error output. The object is the
// thread's, filled afresh by each call: it is read by the evaluations of
// one stage, which never return it (jsonata.Env.States), and no one else
// holds it.
func (sc *stateRun) states(input, result any, hasResult bool, errorOutput any) *value.Object {
	c := sc.context()
	o := sc.th.jstates
	if o == nil {
		o = value.NewObject(4)
		sc.th.jstates = o
	} else {
		o.Reset()
	}
	o.Append("input", input)
	if c != nil {
		o.Append("context", c)
	}
	if hasResult {
		o.Append("result", result)
	}
	if errorOutput != nil {
		o.Append("errorOutput", errorOutput)
	}
	return o
}

// evalJSONata evaluates a template of the named field against $states and
// the variables in scope.
func (sc *stateRun) evalJSONata(ctx context.Context, t *jsonata.Template, field string, states *value.Object) (any, error) {
	th := sc.th
	if th.lookup == nil {
		th.lookup = func(name string) (any, bool) { return th.vars.Lookup(name) }
	}
	if th.jcache == nil {
		th.jcache = &jsonata.Cache{}
		th.jenv = &jsonata.Env{Variables: th.lookup, Runtime: sc.ex.jrt, Cache: th.jcache}
	}
	// The thread's Env, reset for this evaluation: the last one no longer
	// needs it.
	env := th.jenv
	env.Reset()
	env.States = states
	v, err := t.Eval(ctx, env)
	if err != nil {
		return nil, sc.queryErr(field, err)
	}
	return v, nil
}

// queryErr is the failure of a JSONata expression of the named field:
// States.QueryEvaluationError, which no retrier or catcher handles, after
// an EvaluationFailed event, as AWS records it.
func (sc *stateRun) queryErr(field string, err error) *stateError {
	var je *jsonata.Error
	if errors.As(err, &je) {
		return sc.queryFailure(je.Field(field), je.Cause(field))
	}
	return sc.queryFailure(field, err.Error())
}

// queryFailure is queryErr with the cause's text given.
func (sc *stateRun) queryFailure(location, cause string) *stateError {
	se := &stateError{name: fault.QueryEvaluationError, cause: sc.prefix() + cause, terminal: true}
	if sc.ex.recording(sc.th) {
		sc.ex.emit(sc.th, "EvaluationFailed", &history.EvaluationFailedEventDetails{Error: se.name, Cause: se.cause, Location: location, State: sc.c.Name})
	} else {
		sc.ex.emit(sc.th, "EvaluationFailed", nil)
	}
	return se
}

// typeErr is the failure of an expression whose result is not of the type
// its field needs (AWS's names: "array", "boolean", "integer", ...).
func (sc *stateRun) typeErr(t *jsonata.Template, field, expected string, v any) *stateError {
	text := ""
	if e := t.Expr(); e != nil {
		text = e.String()
	}
	return sc.queryErr(field, jsonata.NewTypeError(text, "", expected, v))
}

// jsonataRuntime gives JSONata's $now, $millis, $random and $uuid the
// execution's clock and randomness (so that a replay sees the same values).
type jsonataRuntime struct{ rt Runtime }

func (r jsonataRuntime) Now() time.Time  { return r.rt.Now() }
func (r jsonataRuntime) Random() float64 { return float64(r.rt.Int63()>>10) / (1 << 53) }
func (r jsonataRuntime) UUID() string    { return r.rt.UUID() }

// isQueryError reports whether err is a JSONata expression's failure.
func isQueryError(err error) bool {
	se, ok := err.(*stateError)
	return ok && se.name == fault.QueryEvaluationError
}
