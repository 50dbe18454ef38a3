// Package jsonpath compiles and evaluates the JSONPath expressions of the
// Amazon States Language with the semantics AWS uses (Jayway JsonPath): paths
// and reference paths, the roots $ (state input), $$ (context object) and
// $name (a variable), and ResultPath assignment.
package jsonpath

import (
	"fmt"
	"strings"

	"github.com/ohler55/ojg/jp"
	"github.com/stepwise/stepwise/asl/value"
)

// Root says what a path starts from.
type Root int

// The roots of a path.
const (
	RootInput    Root = iota // $
	RootContext              // $$
	RootVariable             // $name
)

// Variables looks up workflow variables by name.
type Variables interface {
	Lookup(name string) (any, bool)
}

// Scope is what a path may read: the state input ($), the context object
// ($$) and the variables in scope ($name).
type Scope struct {
	Input   any
	Context any
	Vars    Variables
}

// Path is a compiled JSONPath. It is immutable and safe for concurrent use.
type Path struct {
	text     string
	root     Root
	varName  string
	definite bool
	// implementation fields are private to this package
	impl pathImpl
}

// String returns the path as written.
func (p *Path) String() string { return p.text }

// Root returns what the path starts from.
func (p *Path) Root() Root { return p.root }

// VarName returns the variable name of a $name path ("" otherwise).
func (p *Path) VarName() string { return p.varName }

// IsDefinite reports whether the path names at most one node (no wildcard,
// filter, slice, union or deep scan). A definite path evaluates to a value,
// an indefinite one to a list.
func (p *Path) IsDefinite() bool { return p.definite }

// --- provisional implementation (to be replaced by the full one) ---

type pathImpl struct{ expr jp.Expr }

// NotFoundError reports a path that matched nothing, with Jayway's message.
type NotFoundError struct {
	Path string // the path as written
	Msg  string // e.g. "No results for path: $['a']"
}

func (e *NotFoundError) Error() string { return e.Msg }

// Compile compiles a Path (InputPath, OutputPath, ItemsPath, "key.$" values,
// Choice Variable): it may be indefinite and may start at $, $$ or $name.
func Compile(text string) (*Path, error) {
	p := &Path{text: text, definite: true}
	src := text
	switch {
	case strings.HasPrefix(text, "$$"):
		p.root = RootContext
		src = text[1:]
	case len(text) > 1 && text[0] == '$' && text[1] != '.' && text[1] != '[':
		p.root = RootVariable
		end := strings.IndexAny(text, ".[")
		if end < 0 {
			end = len(text)
		}
		p.varName = text[1:end]
		src = "$" + text[end:]
	}
	x, err := jp.ParseString(src)
	if err != nil {
		return nil, fmt.Errorf("invalid JSONPath %q: %w", text, err)
	}
	p.impl.expr = x
	for _, f := range x {
		switch f.(type) {
		case jp.Root, jp.Child, jp.Nth, jp.Bracket:
		default:
			p.definite = false
		}
	}
	return p, nil
}

// CompileReference compiles a reference path (ResultPath): definite, only
// child names and indexes.
func CompileReference(text string) (*Path, error) {
	p, err := Compile(text)
	if err != nil {
		return nil, err
	}
	if !p.definite {
		return nil, fmt.Errorf("invalid reference path %q: it must identify a single node", text)
	}
	return p, nil
}

// Eval evaluates the path against the root it names in the scope.
func (p *Path) Eval(s *Scope) (any, error) {
	var doc any
	switch p.root {
	case RootInput:
		doc = s.Input
	case RootContext:
		doc = s.Context
	case RootVariable:
		v, ok := s.Vars.Lookup(p.varName)
		if !ok {
			return nil, &NotFoundError{Path: p.text, Msg: "Undefined variable: " + p.varName}
		}
		doc = v
	}
	return p.Get(doc)
}

// Get evaluates the path against doc, whatever its root.
func (p *Path) Get(doc any) (any, error) {
	res := p.impl.expr.Get(doc)
	if p.definite {
		if len(res) == 0 {
			return nil, &NotFoundError{Path: p.text, Msg: "No results for path: " + p.text}
		}
		return res[0], nil
	}
	if res == nil {
		res = []any{}
	}
	return res, nil
}

// Set returns doc with the node named by the reference path ref replaced by
// v, creating objects along the way, as ResultPath does. doc is not changed.
func Set(doc any, ref *Path, v any) (any, error) {
	if len(ref.impl.expr) <= 1 {
		return v, nil
	}
	c := value.Clone(doc)
	if err := ref.impl.expr.Set(c, v); err != nil {
		return nil, err
	}
	return c, nil
}
