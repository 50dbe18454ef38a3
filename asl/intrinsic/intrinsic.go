// Package intrinsic parses and evaluates the intrinsic functions of the
// Amazon States Language (States.Format, States.JsonToString, States.MathAdd,
// ...), with AWS's argument rules, limits and errors.
//
// A call is parsed once (Parse) into a tree of literals, compiled paths and
// nested calls; evaluating it (Call.Eval) never re-parses. Errors raised at
// run time are *fault.Error values named States.Runtime, with the cause text
// AWS uses: "Invalid arguments in States.X" for a function given arguments it
// does not accept, and "The JSONPath '$.x' specified for the field 'k.$'
// could not be found in the input '{...}'" for a path argument that matches
// nothing.
package intrinsic

import (
	"errors"
	"fmt"
	"strings"

	"github.com/stepwise/stepwise/asl/fault"
	"github.com/stepwise/stepwise/asl/jsonpath"
	"github.com/stepwise/stepwise/asl/value"
)

// Random is the source of randomness behind States.UUID and
// States.MathRandom; the engine's runtime provides it so that executions can
// be replayed deterministically.
type Random interface {
	// UUID returns a new random version-4 UUID in canonical text form.
	UUID() string
	// Int63 returns a non-negative pseudo-random 63-bit integer.
	Int63() int64
}

// Env is what an intrinsic call may read: paths through the scope, and
// randomness.
type Env struct {
	jsonpath.Scope
	Random Random
}

// Call is a compiled intrinsic function call. It is immutable and safe for
// concurrent use.
type Call struct {
	text  string
	field string
	root  *callNode
	node  callNode // what root points to
}

// String returns the call as written.
func (c *Call) String() string { return c.text }

// Name returns the full name of the outermost function, e.g. "States.Format".
func (c *Call) Name() string { return "States." + c.root.name }

// Field returns the field name given to ParseField ("" for Parse).
func (c *Call) Field() string { return c.field }

// IsCall reports whether s has the form of an intrinsic call (it starts with
// "States."), as opposed to a path.
func IsCall(s string) bool { return strings.HasPrefix(strings.TrimSpace(s), "States.") }

// Parse compiles an intrinsic call such as "States.Format('{}', $.a)".
// Syntax errors are *SyntaxError values.
func Parse(text string) (*Call, error) { return ParseField(text, "") }

// ParseField is Parse for the value of a named field (such as "greeting.$"
// or "CausePath"); the name appears in the cause of a run-time error about a
// path argument that matches nothing, as AWS reports it.
func ParseField(text, field string) (*Call, error) {
	p := parser{src: text}
	p.skipSpace()
	c := &Call{text: text, field: field}
	if err := p.call(0, &c.node); err != nil {
		return nil, err
	}
	p.skipSpace()
	if p.pos < len(p.src) {
		return nil, p.errorf("unexpected %q after the end of the call", p.src[p.pos:])
	}
	c.root = &c.node
	return c, nil
}

// Eval runs the call. Errors are *fault.Error values named States.Runtime
// with AWS's cause text.
func (c *Call) Eval(env *Env) (any, error) {
	if env == nil {
		env = &Env{}
	}
	return c.root.eval(env, c.field)
}

// PathNotFound returns the States.Runtime error AWS raises when a path given
// for field matched nothing in doc. field may be empty when unknown.
func PathNotFound(path, field string, doc any) *fault.Error {
	if field == "" {
		return fault.New(fault.Runtime, fmt.Sprintf("The JSONPath '%s' could not be found in the input '%s'",
			path, value.EncodeString(doc)))
	}
	return fault.New(fault.Runtime, fmt.Sprintf("The JSONPath '%s' specified for the field '%s' could not be found in the input '%s'",
		path, field, value.EncodeString(doc)))
}

// EvalPath evaluates a compiled path in env as the value of field, turning
// a path that matches nothing into AWS's States.Runtime error (see
// PathNotFound). Indefinite paths give a list, possibly empty.
func EvalPath(p *jsonpath.Path, env *Env, field string) (any, error) {
	v, err := p.Eval(&env.Scope)
	if err == nil {
		return v, nil
	}
	var nf *jsonpath.NotFoundError
	if errors.As(err, &nf) {
		var doc any
		switch p.Root() {
		case jsonpath.RootContext:
			doc = env.Context
		default:
			doc = env.Input
		}
		return nil, PathNotFound(p.String(), field, doc)
	}
	var fe *fault.Error
	if errors.As(err, &fe) {
		return nil, fe
	}
	return nil, fault.New(fault.Runtime, fmt.Sprintf("Invalid path '%s' : %v", p.String(), err))
}

// invalidArgs is the error AWS raises for arguments a function rejects.
func invalidArgs(name string) *fault.Error {
	return fault.New(fault.Runtime, "Invalid arguments in States."+name)
}

// --- evaluation tree ---

// node is one argument: a literal, a path or a nested call.
type node interface {
	eval(env *Env, field string) (any, error)
}

type literal struct {
	v   any
	raw string // for string literals: the text between the quotes, escapes kept
	str bool
}

func (l *literal) eval(*Env, string) (any, error) { return l.v, nil }

type pathNode struct{ p *jsonpath.Path }

func (n *pathNode) eval(env *Env, field string) (any, error) { return EvalPath(n.p, env, field) }

type callNode struct {
	name   string // without the "States." prefix
	fn     function
	args   []node
	format *formatTemplate // States.Format with a literal template
	// argBuf holds the first arguments, saving an allocation.
	argBuf [2]node
	// formatBuf is what format points to.
	formatBuf formatTemplate
}

func (n *callNode) eval(env *Env, field string) (any, error) {
	args := make([]any, len(n.args))
	for i, a := range n.args {
		v, err := a.eval(env, field)
		if err != nil {
			return nil, err
		}
		args[i] = v
	}
	return n.fn(env, n, args)
}

// --- parser ---

// SyntaxError reports a malformed intrinsic call.
type SyntaxError struct {
	Text   string // the call as written
	Offset int    // byte offset of the problem in Text
	Msg    string // what is wrong
}

// Error returns the call, the offset and the problem.
func (e *SyntaxError) Error() string {
	return fmt.Sprintf("invalid intrinsic function call %q at offset %d: %s", e.Text, e.Offset, e.Msg)
}

// maxDepth bounds the nesting of calls. AWS documents up to 10 nested
// functions in a field; the bound here is only a guard against hostile
// input exhausting the stack.
const maxDepth = 64

type parser struct {
	src string
	pos int
}

func (p *parser) errorf(format string, args ...any) error {
	return &SyntaxError{Text: p.src, Offset: p.pos, Msg: fmt.Sprintf(format, args...)}
}

func (p *parser) skipSpace() {
	for p.pos < len(p.src) {
		switch p.src[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

func isIdent(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_'
}

// call reads a call into n.
func (p *parser) call(depth int, n *callNode) error {
	if depth >= maxDepth {
		return p.errorf("intrinsic function calls nested too deeply")
	}
	if !strings.HasPrefix(p.src[p.pos:], "States.") {
		return p.errorf("expected an intrinsic function call starting with 'States.'")
	}
	start := p.pos
	p.pos += len("States.")
	nameStart := p.pos
	for p.pos < len(p.src) && isIdent(p.src[p.pos]) {
		p.pos++
	}
	name := p.src[nameStart:p.pos]
	if name == "" {
		return p.errorf("missing function name after 'States.'")
	}
	fn := lookup(name)
	if fn == nil {
		p.pos = start
		return p.errorf("unknown intrinsic function 'States.%s'", name)
	}
	p.skipSpace()
	if p.pos >= len(p.src) || p.src[p.pos] != '(' {
		return p.errorf("expected '(' after 'States.%s'", name)
	}
	p.pos++
	n.name, n.fn = name, fn
	n.args = n.argBuf[:0]
	p.skipSpace()
	if p.pos < len(p.src) && p.src[p.pos] == ')' {
		p.pos++
		return nil
	}
	for {
		p.skipSpace()
		a, err := p.arg(depth)
		if err != nil {
			return err
		}
		n.args = append(n.args, a)
		p.skipSpace()
		if p.pos >= len(p.src) {
			return p.errorf("missing ')' to close 'States.%s('", name)
		}
		switch p.src[p.pos] {
		case ',':
			p.pos++
		case ')':
			p.pos++
			if l, ok := n.args[0].(*literal); ok && l.str && name == "Format" {
				n.formatBuf = parseFormat(l.raw)
				n.format = &n.formatBuf
			}
			return nil
		default:
			return p.errorf("expected ',' or ')' in the arguments of 'States.%s', found %q", name, p.src[p.pos])
		}
	}
}

func (p *parser) arg(depth int) (node, error) {
	if p.pos >= len(p.src) {
		return nil, p.errorf("missing argument")
	}
	c := p.src[p.pos]
	switch {
	case c == '\'':
		return p.stringLit()
	case c == '$':
		return p.path()
	case c == '-' || c >= '0' && c <= '9':
		return p.number()
	case strings.HasPrefix(p.src[p.pos:], "States."):
		n := &callNode{}
		if err := p.call(depth+1, n); err != nil {
			return nil, err
		}
		return n, nil
	case isIdent(c):
		start := p.pos
		for p.pos < len(p.src) && isIdent(p.src[p.pos]) {
			p.pos++
		}
		switch w := p.src[start:p.pos]; w {
		case "null":
			return &literal{v: nil}, nil
		case "true":
			return &literal{v: true}, nil
		case "false":
			return &literal{v: false}, nil
		default:
			p.pos = start
			return nil, p.errorf("unexpected word %q: an argument must be a string in single quotes, a number, true, false, null, a path or an intrinsic function call", w)
		}
	case c == ',' || c == ')':
		return nil, p.errorf("missing argument")
	}
	return nil, p.errorf("unexpected character %q", c)
}

// stringLit reads a single-quoted literal. The escapes \' \{ \} \\ stand for
// the character after the backslash; any other backslash is kept as is.
func (p *parser) stringLit() (node, error) {
	start := p.pos
	p.pos++ // opening quote
	rawStart := p.pos
	// Without escapes the value is the raw text itself.
	for p.pos < len(p.src) && p.src[p.pos] != '\\' {
		if p.src[p.pos] == '\'' {
			raw := p.src[rawStart:p.pos]
			p.pos++
			return &literal{v: raw, raw: raw, str: true}, nil
		}
		p.pos++
	}
	var b strings.Builder
	b.WriteString(p.src[rawStart:p.pos])
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		switch c {
		case '\'':
			raw := p.src[rawStart:p.pos]
			p.pos++
			return &literal{v: b.String(), raw: raw, str: true}, nil
		case '\\':
			if p.pos+1 < len(p.src) {
				switch e := p.src[p.pos+1]; e {
				case '\'', '{', '}', '\\':
					b.WriteByte(e)
					p.pos += 2
					continue
				}
			}
			b.WriteByte(c)
			p.pos++
		default:
			b.WriteByte(c)
			p.pos++
		}
	}
	p.pos = start
	return nil, p.errorf("unterminated string literal")
}

func (p *parser) number() (node, error) {
	start := p.pos
	if p.src[p.pos] == '-' {
		p.pos++
	}
	digits := func() int {
		n := 0
		for p.pos < len(p.src) && p.src[p.pos] >= '0' && p.src[p.pos] <= '9' {
			p.pos++
			n++
		}
		return n
	}
	if digits() == 0 {
		p.pos = start
		return nil, p.errorf("invalid number")
	}
	if p.pos < len(p.src) && p.src[p.pos] == '.' {
		p.pos++
		if digits() == 0 {
			return nil, p.errorf("invalid number: no digits after '.'")
		}
	}
	if p.pos < len(p.src) && (p.src[p.pos] == 'e' || p.src[p.pos] == 'E') {
		p.pos++
		if p.pos < len(p.src) && (p.src[p.pos] == '+' || p.src[p.pos] == '-') {
			p.pos++
		}
		if digits() == 0 {
			return nil, p.errorf("invalid number: no digits in exponent")
		}
	}
	if p.pos < len(p.src) && isIdent(p.src[p.pos]) {
		return nil, p.errorf("invalid number %q", p.src[start:p.pos+1])
	}
	v, err := value.DecodeString(p.src[start:p.pos])
	if err != nil {
		p.pos = start
		return nil, p.errorf("invalid number %q", p.src[start:p.pos])
	}
	return &literal{v: v}, nil
}

// path reads a path argument: it runs up to the next ',' or ')' (or blank)
// outside brackets, parentheses and quotes.
func (p *parser) path() (node, error) {
	start := p.pos
	depth := 0
	var quote byte
scan:
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		if quote != 0 {
			if c == '\\' {
				p.pos += 2
				continue
			}
			if c == quote {
				quote = 0
			}
			p.pos++
			continue
		}
		switch c {
		case '\'', '"':
			if depth > 0 {
				quote = c
			}
		case '[', '(':
			depth++
		case ']':
			if depth > 0 {
				depth--
			}
		case ')':
			if depth == 0 {
				break scan
			}
			depth--
		case ',', ' ', '\t', '\n', '\r':
			if depth == 0 {
				break scan
			}
		}
		p.pos++
	}
	if p.pos > len(p.src) {
		p.pos = len(p.src)
	}
	text := p.src[start:p.pos]
	cp, err := jsonpath.Compile(text)
	if err != nil {
		end := p.pos
		p.pos = start
		e := p.errorf("invalid path %q: %v", text, err)
		p.pos = end
		return nil, e
	}
	return &pathNode{p: cp}, nil
}
