// Package jsonata evaluates JSONata expressions as AWS Step Functions runs
// them, over the engine's JSON values (package value). It is pure: no I/O;
// time, randomness and UUIDs come from a Runtime the caller passes in.
//
// The language itself is github.com/recolabs/gnata; this package adapts it
// to AWS's dialect:
//
//   - $states and the state machine's variables are bound per call (Env);
//   - $eval is removed, as AWS removes it;
//   - AWS's own functions $partition, $range, $hash, $random([seed]),
//     $uuid and $parse are added, and $now/$millis read the Runtime's clock
//     once per evaluation, with millisecond precision, as jsonata-js does;
//   - numbers come back as jsonata-js prints them (a float with no fraction
//     is an integer: 1.0 -> 1);
//   - errors carry jsonata-js's code and message text (Error), and render
//     AWS's States.QueryEvaluationError causes (Error.Cause).
//
// The engine compiles each "{% ... %}" string once (Compile, or
// ParseTemplate for a whole field) and evaluates it per state visit. The
// shapes most state machines use (paths from $states and variables,
// literals, operators, conditionals, constructors, $merge) are recognised
// at Compile and evaluated by the package's own fast path directly over
// the values, with jsonata-js's semantics; it hands anything that would
// fail, or that needs sequences, to gnata, as it does every other
// expression (fast.go).
package jsonata

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/recolabs/gnata"

	"github.com/stepwise/stepwise/asl/value"
)

// Runtime is the source of the values an expression may not compute by
// itself, so that a replayed execution (Temporal) sees the same ones.
type Runtime interface {
	// Now is the current time; $now() and $millis() read it once per Env
	// (jsonata-js fixes it once per evaluation), truncated to milliseconds.
	Now() time.Time
	// Random returns a number in [0, 1), for $random() without a seed.
	Random() float64
	// UUID returns a version 4 UUID in its canonical text form, for $uuid().
	UUID() string
}

// Env is what one evaluation sees. The engine builds one per state visit
// (or per stage) and may evaluate several expressions against it: values
// converted for the evaluator are kept in it, so a second expression reading
// the same input does not convert it again. An Env is for one goroutine at a
// time, and must not be copied once used.
type Env struct {
	// States is the value of $states: its members input, context, and when
	// the stage has them, result and errorOutput, in the order AWS shows
	// them. Nil binds no $states. A result never holds this object itself
	// (its members, yes), so a caller may reuse it for later evaluations.
	States *value.Object
	// Variables looks up a state machine variable by name (without the $).
	// Nil means there are none. Its answers must not change while the Env
	// is in use: a variable is converted once per Env.
	Variables func(name string) (any, bool)
	// Runtime supplies time, randomness and UUIDs. Nil makes $now, $millis,
	// $random() and $uuid fail with an evaluation error.
	Runtime Runtime
	// Cache, when set, keeps converted values between evaluations (of
	// this Env and of later ones): see Cache. Nil converts per Env.
	Cache *Cache

	states  statesCache
	vars    map[string]any // converted variables, by name
	nowSeen bool           // now holds the evaluation timestamp
	now     time.Time
	fast    fastCtx // what the fast path reads, kept here to spare an allocation
}

// Reset readies env for another evaluation, whose States (and Variables,
// Runtime, Cache) may then be set anew: it forgets the values it
// converted and the evaluation time. A caller evaluating again and again
// may so keep one Env instead of allocating one per evaluation.
func (env *Env) Reset() {
	if env.states.members != nil || env.states.all != nil || env.states.partial != nil {
		env.states = statesCache{}
	}
	clear(env.vars)
	env.nowSeen = false
}

// Cache keeps the evaluator's form of the last object read as a member of
// $states, so that a run of states reading the same object (a state's
// output is the next one's input) converts it once, and the map of
// bindings handed to the evaluator, reused from one evaluation to the next.
// The objects given to an Env must not change once read, as the engine's
// values do not. A Cache is for one goroutine at a time; its zero value is
// ready to use.
type Cache struct {
	// objs are the last two objects converted, or produced by an
	// expression (whose evaluator form is then known without converting),
	// with their converted forms; next is the entry to replace.
	objs [2]cachedObject
	next int
	vars map[string]any
	// inputOnly is $states holding only input (the form an expression
	// reading only $states.input is given), for the input inputOf.
	inputOf   *value.Object
	inputOnly any
}

// statesOfInput returns $states as {"input": in} in the evaluator's form,
// built once for each input.
func (c *Cache) statesOfInput(in *value.Object) any {
	if c.inputOf != in {
		o := lib.newObject()
		o.(objectSetter).Set("input", c.converted(in))
		c.inputOf, c.inputOnly = in, o
	}
	return c.inputOnly
}

// canonical reports whether an evaluator result is in the form toGnata
// gives a value: ordered objects, plain arrays, float64 numbers, strings,
// booleans and the null sentinel, and no sequence, function or other Go
// type, so that it may stand for the value it converts to.
func canonical(res any) bool {
	switch x := res.(type) {
	case bool, string, float64:
		return true
	case []any:
		for _, e := range x {
			if !canonical(e) {
				return false
			}
		}
		return true
	case objectReader:
		if _, isSetter := res.(objectSetter); !isSetter {
			return false
		}
		for _, k := range x.Keys() {
			if e, _ := x.Get(k); !canonical(e) {
				return false
			}
		}
		return true
	}
	return res == lib.null
}

// cachedObject is an object and its evaluator form.
type cachedObject struct {
	obj  *value.Object
	conv any
}

// converted returns the evaluator's form of v, from the cache when v is
// one of the objects it holds.
func (c *Cache) converted(v any) any {
	o, ok := v.(*value.Object)
	if c == nil || !ok {
		return toGnata(v)
	}
	for i := range c.objs {
		if c.objs[i].obj == o {
			return c.objs[i].conv
		}
	}
	conv := toGnata(o)
	c.remember(o, conv)
	return conv
}

// remember keeps o's evaluator form conv, replacing the older entry.
func (c *Cache) remember(o *value.Object, conv any) {
	c.objs[c.next] = cachedObject{o, conv}
	c.next = 1 - c.next
}

// Expr is a compiled JSONata expression. It is safe for concurrent use.
type Expr struct {
	src  string // the expression text, as given to Compile
	prog *gnata.Expression
	refs refs
	// fast evaluates the expression without gnata when it is of the
	// shapes the fast path knows (fast.go); nil otherwise.
	fast fastNode
}

// Compile parses a JSONata expression: the text between "{%" and "%}". A
// syntax error is returned as an *Error of kind KindSyntax carrying
// jsonata-js's code (S0xxx) and message.
func Compile(expr string) (*Expr, error) {
	if strings.TrimSpace(expr) == "" {
		// jsonata-js: an empty expression has nothing to parse.
		return nil, &Error{Kind: KindSyntax, Expr: expr, Code: "S0207", Message: renderMessage("S0207", nil)}
	}
	if depth := nesting(expr); depth > maxNesting {
		return nil, &Error{Kind: KindSyntax, Expr: expr, Position: -1,
			Message: fmt.Sprintf("The expression nests brackets %d deep; at most %d levels are supported", depth, maxNesting)}
	}
	if code, sym := newerOperator(expr); code != "" {
		return nil, &Error{Kind: KindSyntax, Expr: expr, Position: -1, Code: code, Token: sym,
			Message: renderMessage(code, map[string]any{"token": sym})}
	}
	prog, err := compileGnata(expr)
	if err != nil {
		return nil, syntaxError(expr, err)
	}
	x := &Expr{src: expr, prog: prog, refs: scanRefs(expr)}
	if n, ok := parseFast(expr); ok {
		x.fast = n
	}
	return x, nil
}

// compileGnata is gnata.Compile, turning a panic of the parser (a gnata bug;
// no input may panic the engine) into an error.
func compileGnata(expr string) (prog *gnata.Expression, err error) {
	defer func() {
		if r := recover(); r != nil {
			prog, err = nil, fmt.Errorf("JSONata error S0201: parser failure: %v", r)
		}
	}()
	return gnata.Compile(expr)
}

// String returns the expression text as given to Compile.
func (e *Expr) String() string { return e.src }

// Eval evaluates the expression against env. The result is a value of
// package value (nil is JSON null). An undefined result, a function result
// and an evaluation failure are *Error values of kinds KindUndefined,
// KindUnsupported and KindEvaluation; Error.Cause renders AWS's text.
func (e *Expr) Eval(ctx context.Context, env *Env) (any, error) {
	return e.evalData(ctx, env, nil, false)
}

// evalData is Eval with data (a value) as the context value $ when
// hasData; AWS evaluates with no context value.
func (e *Expr) evalData(ctx context.Context, env *Env, data any, hasData bool) (any, error) {
	if env == nil {
		env = &Env{}
	}
	if e.fast != nil && ctx.Err() == nil {
		// (A context already done is gnata's to report, as before.)
		if v, err := e.evalFast(env, data, hasData); err != errFallback {
			return v, err
		}
	}
	return e.evalGnata(ctx, env, data, hasData)
}

// evalGnata is evalData through gnata.
func (e *Expr) evalGnata(ctx context.Context, env *Env, data any, hasData bool) (any, error) {
	vars := env.bindings(e.refs)
	var in any
	if hasData {
		in = toGnata(data)
	}
	res, err := e.run(ctx, in, vars)
	if err != nil {
		return nil, err
	}
	v, err := e.result(res)
	if o, ok := v.(*value.Object); ok && err == nil && env.Cache != nil && canonical(res) {
		// The object is likely read next (an Output is the next state's
		// input): res is its evaluator form, as converting it back would
		// build it, and evaluation does not change it.
		env.Cache.remember(o, res)
	}
	return v, err
}

// run evaluates the program with data as the context value ($) and vars
// bound, recovering a panic of the evaluator as an evaluation error.
func (e *Expr) run(ctx context.Context, data any, vars map[string]any) (res any, err error) {
	defer func() {
		if r := recover(); r != nil {
			res, err = nil, &Error{Kind: KindEvaluation, Expr: e.src, Code: "U1001", Message: fmt.Sprintf("internal evaluator failure: %v", r)}
		}
	}()
	res, err = e.prog.EvalWithVars(ctx, data, vars)
	if err != nil {
		return nil, e.evalError(err)
	}
	return res, nil
}

// result converts an evaluator result to a value, or the error AWS gives
// for it.
func (e *Expr) result(res any) (any, error) {
	if res == nil {
		return nil, &Error{Kind: KindUndefined, Expr: e.src}
	}
	v, err := fromGnata(res)
	if err != nil {
		if k, ok := err.(resultKind); ok {
			return nil, &Error{Kind: ErrorKind(k), Expr: e.src}
		}
		return nil, e.evalError(err)
	}
	return v, nil
}

func (e *Expr) evalError(err error) *Error {
	x := evaluationError(err)
	x.Expr = e.src
	if (x.Code == "T0410" || x.Code == "T0412") && strings.Contains(x.Message, "function undefined") {
		// gnata's signature check does not name the function: of the
		// builtins it checks that way, the one the expression calls.
		if name := e.refs.signedBuiltin(); name != "" {
			x.Message = strings.Replace(x.Message, "function undefined", "function \""+name+"\"", 1)
			x.Token = name
		}
	}
	return x
}
