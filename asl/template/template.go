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
	root node
}

// Compile compiles a payload template given as a value (usually an
// *value.Object). Errors are *Error values locating the bad member.
func Compile(v any) (*Template, error) {
	n, err := compile(v, "", 0)
	if err != nil {
		return nil, err
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
	return t.root.eval(env)
}

// IsStatic reports whether the template has no dynamic members, so that Eval
// always returns the same value.
func (t *Template) IsStatic() bool {
	_, ok := t.root.(literal)
	return ok
}

// CompileExpr compiles a single string that is a path ($.x, $$.x, $var) or an
// intrinsic call, such as the value of a Fail state's CausePath.
func CompileExpr(s string) (Expr, error) { return CompileExprField(s, "") }

// CompileExprField is CompileExpr for the value of a named field ("value.$",
// "ErrorPath"); the name appears in the cause of a run-time error for a path
// that matches nothing, as AWS reports it.
func CompileExprField(s, field string) (Expr, error) {
	if intrinsic.IsCall(s) {
		c, err := intrinsic.ParseField(strings.TrimSpace(s), field)
		if err != nil {
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

type node interface {
	eval(env *intrinsic.Env) (any, error)
}

// literal is a subtree without dynamic members.
type literal struct{ v any }

func (l literal) eval(*intrinsic.Env) (any, error) { return l.v, nil }

type exprNode struct{ e Expr }

func (n exprNode) eval(env *intrinsic.Env) (any, error) { return n.e.Eval(env) }

type objectNode struct {
	keys []string
	vals []node
}

func (n *objectNode) eval(env *intrinsic.Env) (any, error) {
	o := value.NewObject(len(n.keys))
	for i, k := range n.keys {
		v, err := n.vals[i].eval(env)
		if err != nil {
			return nil, err
		}
		// Keys may repeat once ".$" is stripped; the last one wins, in the
		// place of the first, as when a JSON object repeats a key.
		if o.Has(k) {
			o.Set(k, v)
		} else {
			o.Append(k, v)
		}
	}
	return o, nil
}

type arrayNode struct{ elems []node }

func (n *arrayNode) eval(env *intrinsic.Env) (any, error) {
	out := make([]any, len(n.elems))
	for i, e := range n.elems {
		v, err := e.eval(env)
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

func compile(v any, loc string, depth int) (node, error) {
	if depth > maxDepth {
		return nil, &Error{Location: loc, Err: fmt.Errorf("template nested too deeply")}
	}
	switch x := v.(type) {
	case *value.Object:
		on := &objectNode{keys: make([]string, x.Len()), vals: make([]node, x.Len())}
		dynamic := false
		for i := 0; i < x.Len(); i++ {
			k, e := x.At(i)
			at := loc + "/" + pointerEscape(k)
			if strings.HasSuffix(k, ".$") {
				s, ok := e.(string)
				if !ok {
					return nil, &Error{Location: at, Field: k,
						Err: fmt.Errorf("the value for the field '%s' must be a STRING that contains a JSONPath or an intrinsic function call, not %s", k, value.TypeName(e))}
				}
				ex, err := CompileExprField(s, k)
				if err != nil {
					return nil, &Error{Location: at, Field: k,
						Err: fmt.Errorf("the value for the field '%s' must be a valid JSONPath or a valid intrinsic function call: %w", k, err)}
				}
				on.keys[i] = strings.TrimSuffix(k, ".$")
				on.vals[i] = exprNode{ex}
				dynamic = true
				continue
			}
			c, err := compile(e, at, depth+1)
			if err != nil {
				return nil, err
			}
			if _, ok := c.(literal); !ok {
				dynamic = true
			}
			on.keys[i] = k
			on.vals[i] = c
		}
		if !dynamic {
			return literal{v}, nil
		}
		return on, nil
	case []any:
		an := &arrayNode{elems: make([]node, len(x))}
		dynamic := false
		for i, e := range x {
			c, err := compile(e, fmt.Sprintf("%s/%d", loc, i), depth+1)
			if err != nil {
				return nil, err
			}
			if _, ok := c.(literal); !ok {
				dynamic = true
			}
			an.elems[i] = c
		}
		if !dynamic {
			return literal{v}, nil
		}
		return an, nil
	}
	return literal{v}, nil
}
