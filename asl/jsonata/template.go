package jsonata

import (
	"context"
	"strconv"
	"strings"

	"github.com/stepwise/stepwise/asl/value"
)

// Expression returns the expression text of s when s is a JSONata
// expression: the whole string starts with "{%" and ends with "%}". The text
// is what lies between, without the spaces around it. A string with
// anything outside the delimiters (even a space) is literal text.
func Expression(s string) (string, bool) {
	if len(s) < 4 || !strings.HasPrefix(s, "{%") || !strings.HasSuffix(s, "%}") {
		return "", false
	}
	return strings.TrimSpace(s[2 : len(s)-2]), true
}

// HasExpression reports whether v (a value) holds a JSONata expression
// string anywhere.
func HasExpression(v any) bool {
	switch x := v.(type) {
	case string:
		_, ok := Expression(x)
		return ok
	case *value.Object:
		for i := 0; i < x.Len(); i++ {
			if _, e := x.At(i); HasExpression(e) {
				return true
			}
		}
	case []any:
		for _, e := range x {
			if HasExpression(e) {
				return true
			}
		}
	}
	return false
}

// Template is a field's JSON value in which strings that are whole
// "{% ... %}" expressions are evaluated, at any depth of objects and
// arrays; everything else is kept as written. It is safe for concurrent
// use.
type Template struct {
	root node
}

// node is one part of a template: a constant (expr nil, no children), an
// expression, an object (keys) or an array.
type node struct {
	konst    any // the value, when the subtree holds no expression
	expr     *Expr
	path     string
	isObject bool
	keys     []string
	children []node
}

// ParseTemplate compiles every expression of v (a value). A syntax error is
// an *Error of kind KindSyntax whose Path says where it is in v.
func ParseTemplate(v any) (*Template, error) {
	n, err := parseNode(v, "")
	if err != nil {
		return nil, err
	}
	return &Template{root: n}, nil
}

func parseNode(v any, path string) (node, error) {
	if !HasExpression(v) {
		return node{konst: v}, nil
	}
	switch x := v.(type) {
	case string:
		text, _ := Expression(x)
		e, err := Compile(text)
		if err != nil {
			if je, ok := err.(*Error); ok {
				je.Path = path
				je.Expr = text
			}
			return node{}, err
		}
		return node{expr: e, path: path}, nil
	case *value.Object:
		n := node{isObject: true, keys: x.Keys(), children: make([]node, x.Len())}
		for i := range n.children {
			k, e := x.At(i)
			c, err := parseNode(e, joinPath(path, k))
			if err != nil {
				return node{}, err
			}
			n.children[i] = c
		}
		return n, nil
	case []any:
		n := node{children: make([]node, len(x))}
		for i, e := range x {
			c, err := parseNode(e, path+"["+strconv.Itoa(i)+"]")
			if err != nil {
				return node{}, err
			}
			n.children[i] = c
		}
		return n, nil
	}
	return node{konst: v}, nil
}

func joinPath(path, step string) string {
	if path == "" {
		return step
	}
	return path + "/" + step
}

// IsConstant reports whether the template holds no expression; Eval then
// returns the value it was parsed from.
func (t *Template) IsConstant() bool {
	return t.root.expr == nil && t.root.children == nil
}

// Expr returns the expression when the whole template is one expression,
// else nil.
func (t *Template) Expr() *Expr { return t.root.expr }

// Eval evaluates the template's expressions against env and returns the
// value with each replaced by its result. An undefined result anywhere is
// an *Error of kind KindUndefined with the expression's Path.
func (t *Template) Eval(ctx context.Context, env *Env) (any, error) {
	return t.root.eval(ctx, env)
}

func (n *node) eval(ctx context.Context, env *Env) (any, error) {
	switch {
	case n.expr != nil:
		v, err := n.expr.Eval(ctx, env)
		if err != nil {
			if je, ok := err.(*Error); ok {
				je.Path = n.path
			}
			return nil, err
		}
		return v, nil
	case n.children == nil:
		return n.konst, nil
	case n.isObject:
		o := value.NewObject(len(n.keys))
		for i := range n.children {
			v, err := n.children[i].eval(ctx, env)
			if err != nil {
				return nil, err
			}
			o.Append(n.keys[i], v)
		}
		return o, nil
	}
	out := make([]any, len(n.children))
	for i := range n.children {
		v, err := n.children[i].eval(ctx, env)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}
