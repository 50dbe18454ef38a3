// Package template compiles and evaluates payload templates: Parameters,
// ResultSelector, ItemSelector and JSONPath-mode Assign, whose "key.$" members
// take their value from a path, a context path, a variable or an intrinsic
// call.
//
// A template is compiled once: every dynamic value is parsed into a path or
// an intrinsic call, and every subtree without dynamic members is kept as a
// literal that Eval returns without copying. Eval never re-parses.
package template

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/stepwise/stepwise/asl/intrinsic"
	"github.com/stepwise/stepwise/asl/jsonpath"
	"github.com/stepwise/stepwise/asl/value"
)

// Expr is a compiled expression that computes one value from the
// environment: a path or an intrinsic call.
type Expr interface {
	Eval(env *intrinsic.Env) (any, error)
	String() string
}

// Error reports a template that cannot be compiled. Location is a JSON
// pointer to the offending member, relative to the template root (e.g.
// "/parts/first.$"); Field is that member's key.
type Error struct {
	Location string
	Field    string
	Err      error
}

// Error returns the location and the underlying problem.
func (e *Error) Error() string {
	return fmt.Sprintf("template member %s: %v", e.Location, e.Err)
}

// Unwrap returns the underlying error (a path or intrinsic syntax error).
func (e *Error) Unwrap() error { return e.Err }

// Template is a compiled payload template. It is immutable and safe for
// concurrent use.
type Template struct {
	root any // a node, or the literal value itself
}

// Compile compiles a payload template given as a value (usually an
// *value.Object). Errors are *Error values locating the bad member.
func Compile(v any) (*Template, error) { return (*Compiler)(nil).Compile(v) }

// A Compiler compiles templates and expressions like Compile and
// CompileExprField, but compiles an expression met more than once (the same
// text for the same field) only once and shares the result: compiled
// expressions are immutable, so sharing them changes nothing but the work.
// The zero value is ready to use; a nil *Compiler compiles without sharing.
// A Compiler is not safe for concurrent use.
type Compiler struct {
	exprs map[exprKey]Expr
}

type exprKey struct{ text, field string }

// Compile is the package's Compile.
func (c *Compiler) Compile(v any) (*Template, error) {
	if x, ok := v.(*value.Object); ok {
		// The template and its root node in one allocation.
		h := &struct {
			t  Template
			on objectNode
		}{}
		n, err := c.compileObject(x, 0, &h.on)
		if err != nil {
			return nil, err.build()
		}
		h.t.root = n
		return &h.t, nil
	}
	n, err := c.compile(v, 0)
	if err != nil {
		return nil, err.build()
	}
	return &Template{root: n}, nil
}

// Eval builds the payload. A template without dynamic members returns its
// literal value itself (values are immutable and shared). Errors are
// *fault.Error values named States.Runtime.
func (t *Template) Eval(env *intrinsic.Env) (any, error) {
	if env == nil {
		env = &intrinsic.Env{}
	}
	return evalNode(t.root, env)
}

// IsStatic reports whether the template has no dynamic members, so that Eval
// always returns the same value.
func (t *Template) IsStatic() bool {
	_, dynamic := t.root.(node)
	return !dynamic
}

// CompileExpr compiles a single string that is a path ($.x, $$.x, $var) or an
// intrinsic call, such as the value of a Fail state's CausePath.
func CompileExpr(s string) (Expr, error) { return CompileExprField(s, "") }

// CompileExprField is CompileExpr for the value of a named field ("value.$",
// "ErrorPath"); the name appears in the cause of a run-time error for a path
// that matches nothing, as AWS reports it.
func CompileExprField(s, field string) (Expr, error) { return compileExprField(s, field) }

// CompileExprField is the package's CompileExprField.
func (c *Compiler) CompileExprField(s, field string) (Expr, error) {
	if c == nil {
		return compileExprField(s, field)
	}
	k := exprKey{s, field}
	if e, ok := c.exprs[k]; ok {
		return e, nil
	}
	e, err := compileExprField(s, field)
	if err != nil {
		return nil, err
	}
	if c.exprs == nil {
		c.exprs = make(map[exprKey]Expr)
	}
	c.exprs[k] = e
	return e, nil
}

func compileExprField(s, field string) (Expr, error) {
	if intrinsic.IsCall(s) {
		c, err := intrinsic.ParseField(strings.TrimSpace(s), field)
		if err != nil {
			return nil, err
		}
		// A literal of the wrong type fails on every input: reject the
		// definition, as AWS's validator does (asl-validator's invalid set:
		// States.MathAdd(1,'-1')).
		if err := c.CheckLiterals(); err != nil {
			return nil, err
		}
		return c, nil
	}
	if !strings.HasPrefix(s, "$") {
		return nil, fmt.Errorf("%q is neither a JSONPath nor an intrinsic function call", s)
	}
	p, err := jsonpath.Compile(s)
	if err != nil {
		return nil, err
	}
	return &pathExpr{p: p, field: field}, nil
}

// pathExpr is a compiled path used as an expression.
type pathExpr struct {
	p     *jsonpath.Path
	field string
}

// Eval evaluates the path; a path that matches nothing is a States.Runtime
// error naming the field.
func (e *pathExpr) Eval(env *intrinsic.Env) (any, error) {
	if env == nil {
		env = &intrinsic.Env{}
	}
	return intrinsic.EvalPath(e.p, env, e.field)
}

// String returns the path as written.
func (e *pathExpr) String() string { return e.p.String() }

// Path returns the compiled path of e when it is a path expression.
func Path(e Expr) (*jsonpath.Path, bool) {
	pe, ok := e.(*pathExpr)
	if !ok {
		return nil, false
	}
	return pe.p, true
}

// --- compiled tree ---

// A compiled subtree is either a node (it has dynamic members) or, when it
// has none, the literal value itself: no value of package value has an Eval
// method, so the two cannot be confused, and literals need no wrapping.
type node interface {
	Eval(env *intrinsic.Env) (any, error)
}

// evalNode evaluates a compiled subtree.
func evalNode(n any, env *intrinsic.Env) (any, error) {
	if d, ok := n.(node); ok {
		return d.Eval(env)
	}
	return n, nil
}

type member struct {
	key string // ".$" stripped
	val any    // compiled subtree
}

type objectNode struct {
	members []member
	// dups says whether keys repeat once ".$" is stripped.
	dups bool
	// buf holds the members of a small object, saving an allocation.
	buf [4]member
}

// init makes room for n members.
func (on *objectNode) init(n int) {
	if n <= len(on.buf) {
		on.members = on.buf[:n:n]
	} else {
		on.members = make([]member, n)
	}
}

func (n *objectNode) Eval(env *intrinsic.Env) (any, error) {
	o := value.NewObject(len(n.members))
	for i := range n.members {
		m := &n.members[i]
		v, err := evalNode(m.val, env)
		if err != nil {
			return nil, err
		}
		// Keys may repeat once ".$" is stripped; the last one wins, in the
		// place of the first, as when a JSON object repeats a key.
		if n.dups {
			o.Set(m.key, v)
		} else {
			o.Append(m.key, v)
		}
	}
	return o, nil
}

type arrayNode struct{ elems []any }

func (n *arrayNode) Eval(env *intrinsic.Env) (any, error) {
	out := make([]any, len(n.elems))
	for i, e := range n.elems {
		v, err := evalNode(e, env)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

// maxDepth bounds template nesting so hostile input cannot exhaust the stack.
const maxDepth = 10000

// pointerEscape escapes a key for a JSON pointer (RFC 6901).
func pointerEscape(k string) string {
	if !strings.ContainsAny(k, "~/") {
		return k
	}
	return strings.ReplaceAll(strings.ReplaceAll(k, "~", "~0"), "/", "~1")
}

// compileError is an *Error under construction: the location is only
// built when an error is returned, from the steps collected on the way
// out (innermost first).
type compileError struct {
	steps []string
	field string
	err   error
}

func (e *compileError) build() *Error {
	var b strings.Builder
	for i := len(e.steps) - 1; i >= 0; i-- {
		b.WriteByte('/')
		b.WriteString(e.steps[i])
	}
	return &Error{Location: b.String(), Field: e.field, Err: e.err}
}

func (c *Compiler) compile(v any, depth int) (any, *compileError) {
	if depth > maxDepth {
		return nil, &compileError{err: fmt.Errorf("template nested too deeply")}
	}
	switch x := v.(type) {
	case *value.Object:
		return c.compileObject(x, depth, nil)
	case []any:
		var an *arrayNode
		for i, e := range x {
			cv, err := c.compile(e, depth+1)
			if err != nil {
				err.steps = append(err.steps, strconv.Itoa(i))
				return nil, err
			}
			if _, dynamic := cv.(node); dynamic && an == nil {
				an = &arrayNode{elems: make([]any, len(x))}
				copy(an.elems, x[:i])
			}
			if an != nil {
				an.elems[i] = cv
			}
		}
		if an == nil {
			return v, nil
		}
		return an, nil
	}
	return v, nil
}

// compileObject compiles an object template; into, if not nil, is where to
// put its node when it has dynamic members.
func (c *Compiler) compileObject(x *value.Object, depth int, into *objectNode) (any, *compileError) {
	var on *objectNode
	for i := 0; i < x.Len(); i++ {
		k, e := x.At(i)
		var cv any
		key := k
		if strings.HasSuffix(k, ".$") {
			s, ok := e.(string)
			if !ok {
				return nil, &compileError{steps: []string{pointerEscape(k)}, field: k,
					err: fmt.Errorf("the value for the field '%s' must be a STRING that contains a JSONPath or an intrinsic function call, not %s", k, value.TypeName(e))}
			}
			ex, err := c.CompileExprField(s, k)
			if err != nil {
				return nil, &compileError{steps: []string{pointerEscape(k)}, field: k,
					err: fmt.Errorf("the value for the field '%s' must be a valid JSONPath or a valid intrinsic function call: %w", k, err)}
			}
			key, cv = k[:len(k)-2], ex
		} else {
			var err *compileError
			cv, err = c.compile(e, depth+1)
			if err != nil {
				err.steps = append(err.steps, pointerEscape(k))
				return nil, err
			}
			if _, dynamic := cv.(node); !dynamic {
				if on != nil {
					on.members[i] = member{key, cv}
				}
				continue
			}
		}
		if on == nil {
			// The first dynamic member: the members before it were
			// literals, kept as they are.
			on = into
			if on == nil {
				on = &objectNode{}
			}
			on.init(x.Len())
			for j := 0; j < i; j++ {
				on.members[j].key, on.members[j].val = x.At(j)
			}
		}
		on.members[i] = member{key, cv}
	}
	if on == nil {
		return x, nil
	}
	on.dups = hasDuplicateKeys(on.members)
	return on, nil
}

// hasDuplicateKeys reports whether two members have the same key.
func hasDuplicateKeys(ms []member) bool {
	if len(ms) > 16 {
		seen := make(map[string]struct{}, len(ms))
		for i := range ms {
			if _, ok := seen[ms[i].key]; ok {
				return true
			}
			seen[ms[i].key] = struct{}{}
		}
		return false
	}
	for i := range ms {
		for j := i + 1; j < len(ms); j++ {
			if ms[i].key == ms[j].key {
				return true
			}
		}
	}
	return false
}
