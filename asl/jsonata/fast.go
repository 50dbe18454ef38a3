package jsonata

import (
	"errors"

	"github.com/stepwise/stepwise/asl/value"
)

// The fast path evaluates the expressions most state machines are made of
// directly over the engine's values (package value), without gnata's
// environments and without converting $states or variables:
//
//   - paths of field names from $states, a variable, $ or a field name
//     ($states.input.n, $v.a.b, order.total);
//   - number, string, true, false and null literals;
//   - arithmetic (+ - * / % and unary -), comparison (< <= > >=),
//     equality (= !=), and, or, string concatenation (&), the conditional
//     c ? a : b (with or without the else part), parentheses;
//   - array and object constructors of these (objects with string keys);
//   - $merge(x).
//
// Compile recognises these (parseFast); Eval then runs the fast node, with
// jsonata-js 2.0.6's semantics: undefined propagation, numbers as doubles
// printed as jsonata-js prints them, jsonata-js's truthiness, deep equality
// for =. Whatever would raise an error, and the few cases where gnata and
// jsonata-js part ways or that need sequences (a path through an array, a
// comparison of strings outside the Basic Multilingual Plane's order
// agreement, a number concatenated with a fraction), is not decided here:
// the node answers errFallback and gnata evaluates the expression as
// before, so errors keep exactly the codes and messages they had.

// errFallback is a fast node's answer when gnata must decide.
var errFallback = errors.New("jsonata: fast path declined")

// fastNode is a node of a fast expression. eval returns the value (a value
// of package value, numbers as numValue makes them) and whether it is
// defined, or errFallback.
type fastNode interface {
	eval(c *fastCtx) (any, bool, error)
}

// fastCtx is what a fast evaluation reads.
type fastCtx struct {
	env     *Env
	data    any // the context value $, when hasData
	hasData bool
}

// evalFast runs the fast node of e: the result as a value, or the error
// Eval returns; errFallback when gnata must evaluate instead.
func (e *Expr) evalFast(env *Env, data any, hasData bool) (any, error) {
	if hasData {
		if _, isArray := data.([]any); isArray {
			// jsonata-js maps a path and groups an object constructor over
			// an array context: gnata's.
			return nil, errFallback
		}
	}
	env.fast = fastCtx{env: env, data: data, hasData: hasData}
	v, ok, err := e.fast.eval(&env.fast)
	env.fast = fastCtx{}
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, &Error{Kind: KindUndefined, Expr: e.src}
	}
	return normValue(v), nil
}

// fastConst is a literal.
type fastConst struct{ v any }

func (n *fastConst) eval(*fastCtx) (any, bool, error) { return n.v, true, nil }

// fastContext is $, the context value (undefined on AWS).
type fastContext struct{}

func (n *fastContext) eval(c *fastCtx) (any, bool, error) {
	return c.data, c.hasData, nil
}

// fastStates is $states as a value: a copy of Env.States, which a result
// must not hold (see Env.States). A path reads it in place (fastPath).
type fastStates struct{}

func (n *fastStates) eval(c *fastCtx) (any, bool, error) {
	if c.env.States == nil {
		return nil, false, nil
	}
	return c.env.States.ShallowCopy(), true, nil
}

// fastVar is a variable other than $states and $.
type fastVar struct{ name string }

func (n *fastVar) eval(c *fastCtx) (any, bool, error) {
	if c.env.Variables != nil {
		if v, ok := c.env.Variables(n.name); ok {
			return v, true, nil
		}
	}
	if isFunctionName(c.env, n.name) {
		return nil, false, errFallback
	}
	return nil, false, nil
}

// isFunctionName reports whether $name is bound to a function (or to what
// the adapter binds in place of one) when no variable has the name.
func isFunctionName(env *Env, name string) bool {
	if _, ok := env.function(name); ok {
		return true
	}
	_, ok := lib.root.Lookup(name)
	return ok
}

// fastPath is a path of field names from a head ($states, a variable, $).
type fastPath struct {
	head  fastNode
	steps []string
}

func (n *fastPath) eval(c *fastCtx) (any, bool, error) {
	var (
		v   any
		ok  bool
		err error
	)
	if _, isStates := n.head.(*fastStates); isStates {
		v, ok = c.env.States, c.env.States != nil
	} else {
		v, ok, err = n.head.eval(c)
	}
	if err != nil || !ok {
		return nil, false, err
	}
	for _, step := range n.steps {
		switch x := v.(type) {
		case *value.Object:
			if v, ok = x.Get(step); !ok {
				return nil, false, nil
			}
		case []any:
			// A path through an array maps over it, into sequences.
			return nil, false, errFallback
		default:
			return nil, false, nil
		}
	}
	return v, true, nil
}

// fastBlock is a parenthesised expression.
type fastBlock struct{ x fastNode }

func (n *fastBlock) eval(c *fastCtx) (any, bool, error) { return n.x.eval(c) }

// fastCond is c ? then : els (els nil when absent).
type fastCond struct{ cond, then, els fastNode }

func (n *fastCond) eval(c *fastCtx) (any, bool, error) {
	v, ok, err := n.cond.eval(c)
	if err != nil {
		return nil, false, err
	}
	if ok && truthy(v) {
		return n.then.eval(c)
	}
	if n.els == nil {
		return nil, false, nil
	}
	return n.els.eval(c)
}

// fastLogic is l and r, l or r: short-circuit, always a boolean.
type fastLogic struct {
	or   bool
	l, r fastNode
}

func (n *fastLogic) eval(c *fastCtx) (any, bool, error) {
	v, ok, err := n.l.eval(c)
	if err != nil {
		return nil, false, err
	}
	if lb := ok && truthy(v); lb == n.or {
		return lb, true, nil
	}
	v, ok, err = n.r.eval(c)
	if err != nil {
		return nil, false, err
	}
	return ok && truthy(v), true, nil
}

// fastArray is an array constructor.
type fastArray struct{ items []fastNode }

func (n *fastArray) eval(c *fastCtx) (any, bool, error) {
	out := make([]any, 0, len(n.items))
	for _, item := range n.items {
		v, ok, err := item.eval(c)
		if err != nil {
			return nil, false, err
		}
		if !ok {
			continue
		}
		if arr, isArray := v.([]any); isArray {
			if _, nested := item.(*fastArray); !nested {
				// jsonata-js appends an array's values, unless the item is
				// itself an array constructor.
				out = append(out, arr...)
				continue
			}
		}
		out = append(out, v)
	}
	return out, true, nil
}

// fastObject is an object constructor with string keys, each once.
type fastObject struct {
	keys []string
	vals []fastNode
}

func (n *fastObject) eval(c *fastCtx) (any, bool, error) {
	o := value.NewObject(len(n.keys))
	for i, k := range n.keys {
		v, ok, err := n.vals[i].eval(c)
		if err != nil {
			return nil, false, err
		}
		if ok {
			o.Append(k, v)
		}
	}
	return o, true, nil
}

// fastMerge is $merge(arg): the members of an array of objects, later ones
// replacing earlier ones in place.
type fastMerge struct{ arg fastNode }

// mergeSource is one object of a merge: an object value, or the members of
// an object constructor evaluated in place (their values are vals[lo:] of
// the merge, undefinedMember when undefined), which the merge then need
// not build.
type mergeSource struct {
	obj  *value.Object
	keys []string
	lo   int
}

// undefinedMember marks a constructor's member whose value is undefined.
var undefinedMember = new(int)

func (n *fastMerge) eval(c *fastCtx) (any, bool, error) {
	if c.env.Variables != nil {
		if _, shadowed := c.env.Variables("merge"); shadowed {
			return nil, false, errFallback
		}
	}
	var srcBuf [4]mergeSource
	var valBuf [8]any
	srcs, vals := srcBuf[:0], valBuf[:0]
	add := func(v any) bool {
		o, isObject := v.(*value.Object)
		if isObject {
			srcs = append(srcs, mergeSource{obj: o})
		}
		return isObject
	}
	arr, isArray := n.arg.(*fastArray)
	if !isArray {
		v, ok, err := n.arg.eval(c)
		if err != nil || !ok {
			return nil, false, errFallback
		}
		switch x := v.(type) {
		case *value.Object:
			add(x)
		case []any:
			for _, e := range x {
				if !add(e) {
					return nil, false, errFallback
				}
			}
		default:
			return nil, false, errFallback
		}
		return mergeSources(srcs, nil), true, nil
	}
	// The argument is an array constructor: its items are merged as they
	// are evaluated, without building the array, nor the objects that
	// constructors inside it would build.
	for _, item := range arr.items {
		if obj, isObj := item.(*fastObject); isObj {
			start := len(vals)
			for _, m := range obj.vals {
				v, ok, err := m.eval(c)
				if err != nil {
					return nil, false, err
				}
				if !ok {
					v = undefinedMember
				}
				vals = append(vals, v)
			}
			srcs = append(srcs, mergeSource{keys: obj.keys, lo: start})
			continue
		}
		v, ok, err := item.eval(c)
		if err != nil {
			return nil, false, err
		}
		if !ok {
			continue
		}
		if x, isArr := v.([]any); isArr {
			if _, nested := item.(*fastArray); nested {
				return nil, false, errFallback
			}
			for _, e := range x {
				if !add(e) {
					return nil, false, errFallback
				}
			}
			continue
		}
		if !add(v) {
			return nil, false, errFallback
		}
	}
	return mergeSources(srcs, vals), true, nil
}

// mergeSources merges the sources in order into a new object; vals holds
// the values of the constructors' members.
func mergeSources(srcs []mergeSource, vals []any) *value.Object {
	size := 0
	for _, s := range srcs {
		if s.obj != nil {
			size += s.obj.Len()
		} else {
			size += len(s.keys)
		}
	}
	out := value.NewObject(size)
	for _, s := range srcs {
		if s.obj != nil {
			for i := 0; i < s.obj.Len(); i++ {
				if out.Len() == 0 && i == 0 {
					// The first object's keys are distinct.
					for ; i < s.obj.Len(); i++ {
						out.Append(s.obj.At(i))
					}
					break
				}
				out.Set(s.obj.At(i))
			}
			continue
		}
		for i, k := range s.keys {
			if v := vals[s.lo+i]; v != undefinedMember {
				out.Set(k, v)
			}
		}
	}
	return out
}
