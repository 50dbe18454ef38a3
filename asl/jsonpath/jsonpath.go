// Package jsonpath compiles and evaluates the JSONPath expressions of the
// Amazon States Language with the semantics AWS uses (Jayway JsonPath): paths
// and reference paths, the roots $ (state input), $$ (context object) and
// $name (a variable), and ResultPath assignment.
//
// A definite path (only names and single indexes, as $.a.b[0]) evaluates to
// one value, or fails with a *NotFoundError carrying Jayway's message. An
// indefinite path (wildcards, slices, index and name unions, deep scans,
// filters) evaluates to a list, empty when nothing matches; it never fails.
//
// The paths are parsed and evaluated here rather than with ojg/jp, whose
// results differ from Jayway's where AWS's behaviour is observable: ojg does
// not read $.[?(...)], applies a filter to an object's members where Jayway
// tests the object itself, evaluates $ inside a filter against the filtered
// item when matching, orders deep scans differently, lacks Jayway's filter
// operators (nin, subsetof, anyof, noneof, size, contains, Jayway's
// number/string equality), and gives no position for Jayway's error messages.
package jsonpath

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/stepwise/stepwise/asl/fault"
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
	segs     []segment
	// invert is Jayway's rewrite of $..x.fn() into fn($..x): the function
	// runs once on the list the scan finds. arg is the path whose results
	// it reads.
	invert bool
	arg    []segment
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

// IsRoot reports whether the path is its root alone ($, $$ or $name).
func (p *Path) IsRoot() bool { return len(p.segs) == 0 }

// IsReference reports whether the path is a reference path: only names and
// single indexes after the root.
func (p *Path) IsReference() bool {
	for i := range p.segs {
		if k := p.segs[i].kind; k != segName && k != segIndex {
			return false
		}
	}
	return true
}

// Normalized returns the path in Jayway's normalized form, as its messages
// show it: the root as $ and every step in brackets, $['a']['b'][0]. The
// root of a context or variable path is written $ too, since Jayway
// evaluates the rest of the path on that document.
func (p *Path) Normalized() string { return normalize(p.segs) }

// NotFoundError reports a path that could not be evaluated: a definite path
// that matched nothing, or an undefined variable. Msg is Jayway's message,
// e.g. "No results for path: $['a']" or "Missing property in path $['a']";
// AWS's cause for InputPath/OutputPath and the *Path fields reads
// "Invalid path '<Path>' : <Msg>".
type NotFoundError struct {
	Path string // the path as written
	Msg  string // Jayway's message
	Var  string // the variable's name when it is not defined, else ""
}

func (e *NotFoundError) Error() string { return e.Msg }

// InvalidPath returns the cause AWS gives when InputPath, OutputPath or a
// *Path field (TimeoutSecondsPath, ItemsPath, ...) matches nothing, without
// the "An error occurred while executing the state ..." prefix:
// "Invalid path '$.x' : No results for path: $['x']".
func (e *NotFoundError) InvalidPath() string { return "Invalid path '" + e.Path + "' : " + e.Msg }

// Compile compiles a Path (InputPath, OutputPath, ItemsPath, "key.$" values,
// Choice Variable): it may be indefinite and may start at $, $$ or $name.
func Compile(text string) (*Path, error) {
	// Every step starts with '.' or '[' (a deep scan's two dots make two
	// steps): allocate the path and room for that many steps at once.
	var p *Path
	var buf []segment
	switch n := strings.Count(text, ".") + strings.Count(text, "["); {
	case n == 0:
		p = &Path{}
	case n <= 2:
		h := &struct {
			Path
			segs [2]segment
		}{}
		p, buf = &h.Path, h.segs[:0:n]
	case n <= 4:
		h := &struct {
			Path
			segs [4]segment
		}{}
		p, buf = &h.Path, h.segs[:0:n]
	default:
		p, buf = &Path{}, make([]segment, 0, n)
	}
	p.text = text
	rest, off := "", 0
	switch {
	case strings.HasPrefix(text, "$$"):
		p.root, rest, off = RootContext, text[2:], 2
	case strings.HasPrefix(text, "$"):
		end := strings.IndexAny(text, ".[")
		if end < 0 {
			end = len(text)
		}
		if end > 1 {
			p.root, p.varName = RootVariable, text[1:end]
			if !ValidVariableName(p.varName) {
				return nil, &SyntaxError{Path: text, Pos: 1, Msg: fmt.Sprintf("invalid variable name %q", p.varName)}
			}
		}
		rest, off = text[end:], end
	default:
		return nil, &SyntaxError{Path: text, Msg: "a path must start with '$'"}
	}
	if rest != "" && rest[0] != '.' && rest[0] != '[' {
		return nil, &SyntaxError{Path: text, Pos: off, Msg: "expected '.' or '[' after the root"}
	}
	ps := parser{text: text, src: rest, off: off}
	segs, err := ps.segments(buf)
	if err != nil {
		return nil, err
	}
	if n := len(segs); n > 0 && segs[n-1].kind == segFunc && segs[0].kind == segScan {
		if n < 3 {
			return nil, &SyntaxError{Path: text, Pos: off, Msg: "a deep scan needs a step before the function"}
		}
		p.invert = true
		p.arg = segs[: n-1 : n-1]
		if segs[n-1].name == "length" || segs[n-1].name == "size" {
			// Jayway counts the members of what the scan finds.
			p.arg = append(p.arg, segment{kind: segWildcard})
		}
	}
	p.segs = segs
	p.definite = p.invert || definite(segs)
	return p, nil
}

// definite is Jayway's Path.isDefinite: every step names one node; a name
// union is definite as the last step, where Jayway merges its members.
func definite(segs []segment) bool {
	for i := range segs {
		switch segs[i].kind {
		case segName, segIndex, segFunc:
		case segNames:
			if i != len(segs)-1 {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// CompileReference compiles a reference path (ResultPath, the *Path fields
// of Task, Wait, Map and Fail states, Choice Variable): only names and
// single indexes after the root.
func CompileReference(text string) (*Path, error) {
	p, err := Compile(text)
	if err != nil {
		return nil, err
	}
	if !p.IsReference() {
		return nil, &SyntaxError{Path: text, Msg: "a reference path may only use names and single indexes ($.a.b, $['a'], $.a[0])"}
	}
	return p, nil
}

// Eval evaluates the path against the root it names in the scope.
func (p *Path) Eval(s *Scope) (any, error) {
	if s == nil {
		s = &Scope{}
	}
	switch p.root {
	case RootContext:
		return p.Get(s.Context)
	case RootVariable:
		var v any
		ok := false
		if s.Vars != nil {
			v, ok = s.Vars.Lookup(p.varName)
		}
		if !ok {
			return nil, &NotFoundError{Path: p.text, Var: p.varName, Msg: "Undefined variable: $" + p.varName}
		}
		return p.Get(v)
	}
	return p.Get(s.Input)
}

// Get evaluates the path against doc, whatever its root. A definite path
// gives its value or a *NotFoundError; an indefinite one gives a []any.
func (p *Path) Get(doc any) (any, error) {
	if p.invert {
		c := newEvalCtx(doc)
		c.walk(p.arg, 0, doc, true)
		if c.exhausted() {
			return nil, &NotFoundError{Path: p.text, Msg: TooComplexMsg}
		}
		fn := p.segs[len(p.segs)-1].name
		var v any
		var msg string
		switch fn {
		case "length", "size":
			v = int64(len(c.out))
		case "sum", "min", "max", "avg", "stddev":
			v, msg = aggregate(fn, c.out)
		default:
			v, msg = applyFunc(fn, doc)
		}
		if msg != "" {
			return nil, &NotFoundError{Path: p.text, Msg: msg}
		}
		return v, nil
	}
	if p.definite {
		if v, ok := lookup(p.segs, doc); ok {
			return v, nil
		}
		return nil, &NotFoundError{Path: p.text, Msg: explain(p.segs, doc)}
	}
	c := newEvalCtx(doc)
	c.walk(p.segs, 0, doc, true)
	if c.exhausted() {
		return nil, &NotFoundError{Path: p.text, Msg: TooComplexMsg}
	}
	if c.out == nil {
		return []any{}, nil
	}
	return c.out, nil
}

// Set returns doc with the node named by the reference path ref replaced by
// v, as ResultPath does; doc is not changed. "$" gives v. Otherwise the
// objects and arrays along the path are copied (nothing else is), and
// missing members on the way are created as empty objects. When the path
// cannot be applied (a step meets something that is not an object, or an
// index that is not in the array), the error is a *fault.Error
// States.ResultPathMatchFailure with AWS's cause, "Unable to apply
// ReferencePath <ref> to input <doc as JSON>".
func Set(doc any, ref *Path, v any) (any, error) {
	if ref == nil {
		return nil, errors.New("jsonpath: Set: nil reference path")
	}
	if !ref.IsReference() {
		return nil, fmt.Errorf("jsonpath: Set: %q is not a reference path", ref.text)
	}
	if len(ref.segs) == 0 {
		return v, nil
	}
	out, ok := set(doc, true, ref.segs, v)
	if !ok {
		return nil, fault.New(fault.ResultPathMatchFailure,
			"Unable to apply ReferencePath "+ref.text+" to input "+value.EncodeString(doc))
	}
	return out, nil
}

// set returns node with segs replaced by v. present says whether node
// exists (a missing member becomes an object when a name follows).
func set(node any, present bool, segs []segment, v any) (any, bool) {
	if len(segs) == 0 {
		return v, true
	}
	s := &segs[0]
	switch s.kind {
	case segName:
		var obj *value.Object
		if present {
			o, ok := node.(*value.Object)
			switch {
			case !ok:
				return nil, false
			case o == nil:
				obj = value.NewObject(1)
			default:
				obj = o.ShallowCopy()
			}
		} else {
			obj = value.NewObject(1)
		}
		child, has := obj.Get(s.name)
		nv, ok := set(child, has, segs[1:], v)
		if !ok {
			return nil, false
		}
		obj.Set(s.name, nv)
		return obj, true
	case segIndex:
		arr, ok := node.([]any)
		if !present || !ok {
			return nil, false
		}
		j := s.index
		if j < 0 {
			j += len(arr)
		}
		if j < 0 || j >= len(arr) {
			return nil, false
		}
		nv, ok := set(arr[j], true, segs[1:], v)
		if !ok {
			return nil, false
		}
		c := make([]any, len(arr))
		copy(c, arr)
		c[j] = nv
		return c, true
	}
	return nil, false
}

// --- Jayway's renderings, for messages ---

// jsonProviderClass is the JSON provider AWS's Jayway messages name.
// Unverified against AWS: it is the Jackson provider, whose values are
// plain Java maps, lists, strings and numbers.
const jsonProviderClass = "com.jayway.jsonpath.spi.json.JacksonJsonProvider"

// normalize is Jayway's Path.toString: $ followed by each step's fragment.
func normalize(segs []segment) string {
	return "$" + normalizeTail(segs)
}

// normalizeTail is Jayway's PathToken.toString of the first step: the
// fragments of segs.
func normalizeTail(segs []segment) string {
	var b strings.Builder
	for i := range segs {
		b.WriteString(fragment(&segs[i]))
	}
	return b.String()
}

// fragment is Jayway's getPathFragment. Names are not escaped, as in Jayway.
func fragment(s *segment) string {
	switch s.kind {
	case segName:
		return "['" + s.name + "']"
	case segNames:
		return "['" + strings.Join(s.names, "','") + "']"
	case segIndex:
		return "[" + strconv.Itoa(s.index) + "]"
	case segIndexes:
		parts := make([]string, len(s.indexes))
		for i, n := range s.indexes {
			parts[i] = strconv.Itoa(n)
		}
		return "[" + strings.Join(parts, ",") + "]"
	case segSlice:
		switch s.slice {
		case sliceFrom:
			return "[" + strconv.Itoa(s.from) + ":]"
		case sliceTo:
			return "[:" + strconv.Itoa(s.to) + "]"
		}
		return "[" + strconv.Itoa(s.from) + ":" + strconv.Itoa(s.to) + "]"
	case segWildcard:
		return "[*]"
	case segScan:
		return ".."
	case segFilter:
		return "[?]"
	case segFunc:
		return "." + s.name + "()"
	}
	return ""
}

// javaClass names the Java class the Jackson provider uses for v.
func javaClass(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case bool:
		return "java.lang.Boolean"
	case string:
		return "java.lang.String"
	case int64:
		if x >= -1<<31 && x < 1<<31 {
			return "java.lang.Integer"
		}
		return "java.lang.Long"
	case float64:
		return "java.lang.Double"
	case *value.Object:
		return "java.util.LinkedHashMap"
	case []any:
		return "java.util.ArrayList"
	}
	return fmt.Sprintf("%T", v)
}

// javaString is Java's toString of v as the Jackson provider holds it:
// {a=1, b=[x, y]}.
func javaString(v any) string {
	return string(appendJava(nil, v, 0))
}

func appendJava(b []byte, v any, depth int) []byte {
	if depth > maxNesting {
		return append(b, "..."...)
	}
	switch x := v.(type) {
	case nil:
		return append(b, "null"...)
	case bool:
		return strconv.AppendBool(b, x)
	case string:
		return append(b, x...)
	case int64:
		return strconv.AppendInt(b, x, 10)
	case float64:
		return value.AppendFloat(b, x)
	case *value.Object:
		b = append(b, '{')
		for i := 0; i < x.Len(); i++ {
			if i > 0 {
				b = append(b, ", "...)
			}
			k, e := x.At(i)
			b = append(b, k...)
			b = append(b, '=')
			b = appendJava(b, e, depth+1)
		}
		return append(b, '}')
	case []any:
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ", "...)
			}
			b = appendJava(b, e, depth+1)
		}
		return append(b, ']')
	}
	return fmt.Appendf(b, "%v", v)
}
