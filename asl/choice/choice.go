// Package choice compiles and evaluates the JSONPath-mode rules of Choice
// states: comparison operators and their ...Path variants, the Is... type
// tests, StringMatches, timestamps, and And/Or/Not at any depth.
//
// Evaluation follows AWS Step Functions: a comparison whose value has the
// wrong type is simply false, numbers compare by value whatever their
// representation, strings compare by UTF-16 code units (as Java does), and
// a Variable or ...Path operand that names nothing fails the execution with
// States.Runtime (except under IsPresent, which is false then).
package choice

import (
	"fmt"
	"strings"
	"time"

	"github.com/stepwise/stepwise/asl/diag"
	"github.com/stepwise/stepwise/asl/fault"
	"github.com/stepwise/stepwise/asl/jsonpath"
	"github.com/stepwise/stepwise/asl/value"
)

// kind is the shape of a rule node.
type kind uint8

const (
	kindCompare kind = iota + 1
	kindAnd
	kindOr
	kindNot
)

// Rule is a compiled Boolean expression of a Choice state. It is immutable
// and safe for concurrent use.
type Rule struct {
	kind     kind
	children []*Rule // And, Or (one or more), Not (exactly one)

	// comparison
	variable *jsonpath.Path
	op       opInfo
	operand  any            // literal operand: string, int64/float64 or bool
	ts       time.Time      // literal Timestamp... operand, parsed
	pat      pattern        // StringMatches operand, compiled
	path     *jsonpath.Path // ...Path operand
}

// Compile compiles the Boolean part of a choice rule (ignoring Next, Assign,
// Output and Comment, which the caller handles). loc is the JSON pointer of
// the rule, for diagnostics. Any other field that is not part of a rule is
// an error, as are a rule with no operator or more than one, a comparison
// without Variable, an operand of the wrong type and an invalid path. Nested
// rules (inside And, Or and Not) may not have Next, Assign or Output. On
// errors the rule is nil.
func Compile(rule *value.Object, loc string) (*Rule, diag.List) {
	var c compiler
	r := c.rule(rule, loc, true)
	if c.diags.HasErrors() {
		return nil, c.diags
	}
	return r, c.diags
}

type compiler struct {
	diags diag.List
}

func (c *compiler) errorf(code, loc, format string, args ...any) {
	c.diags = append(c.diags, diag.Diagnostic{
		Severity: diag.SeverityError,
		Code:     code,
		Message:  fmt.Sprintf(format, args...),
		Location: loc,
	})
}

// rule compiles one rule object. top says whether it is an entry of Choices
// (where Next, Assign and Output belong to the caller).
func (c *compiler) rule(obj *value.Object, loc string, top bool) *Rule {
	if obj == nil {
		c.errorf(diag.SchemaValidationFailed, loc, "A choice rule must be an object")
		return nil
	}
	r := &Rule{}
	var opName string // the first operator field seen
	var variable any
	hasVariable := false
	for i := 0; i < obj.Len(); i++ {
		key, v := obj.At(i)
		kloc := diag.Pointer(loc, key)
		switch key {
		case "Next", "Assign", "Output":
			if !top {
				c.errorf(diag.SchemaValidationFailed, kloc, "Field '%s' is not supported in a nested choice rule", key)
			}
			continue
		case "Comment":
			if _, ok := v.(string); !ok && !top {
				c.errorf(diag.SchemaValidationFailed, kloc, "The value for the field 'Comment' must be a STRING")
			}
			continue
		case "Variable":
			variable, hasVariable = v, true
			continue
		}
		var k kind
		var info opInfo
		switch key {
		case "And":
			k = kindAnd
		case "Or":
			k = kindOr
		case "Not":
			k = kindNot
		default:
			var ok bool
			if info, ok = lookupOp(key); !ok {
				c.errorf(diag.SchemaValidationFailed, kloc, "Field '%s' is not supported", key)
				continue
			}
			k = kindCompare
		}
		if opName != "" {
			c.errorf(diag.SchemaValidationFailed, kloc,
				"A choice rule must have exactly one operator, but it has both '%s' and '%s'", opName, key)
			continue
		}
		opName = key
		r.kind = k
		switch k {
		case kindAnd, kindOr:
			r.children = c.list(key, v, kloc)
		case kindNot:
			o, ok := v.(*value.Object)
			if !ok {
				c.errorf(diag.SchemaValidationFailed, kloc, "The value for the field 'Not' must be an OBJECT")
				continue
			}
			if child := c.rule(o, kloc, false); child != nil {
				r.children = []*Rule{child}
			}
		case kindCompare:
			r.op = info
			c.operand(r, key, v, kloc)
		}
	}
	switch {
	case opName == "":
		c.errorf(diag.SchemaValidationFailed, loc,
			"A choice rule must have one comparison operator, or And, Or or Not")
	case r.kind == kindCompare:
		if !hasVariable {
			c.errorf(diag.SchemaValidationFailed, loc, "These fields are required: [Variable]")
		} else {
			r.variable = c.path("Variable", variable, diag.Pointer(loc, "Variable"))
		}
	case hasVariable:
		c.errorf(diag.SchemaValidationFailed, diag.Pointer(loc, "Variable"),
			"Field 'Variable' is not supported with the operator '%s'", opName)
	}
	return r
}

// list compiles the operands of And or Or: a non-empty array of rules.
func (c *compiler) list(name string, v any, loc string) []*Rule {
	arr, ok := v.([]any)
	if !ok {
		c.errorf(diag.SchemaValidationFailed, loc, "The value for the field '%s' must be an ARRAY", name)
		return nil
	}
	if len(arr) == 0 {
		c.errorf(diag.SchemaValidationFailed, loc, "The field '%s' must have at least one choice rule", name)
		return nil
	}
	out := make([]*Rule, 0, len(arr))
	for i, e := range arr {
		eloc := diag.Pointer(loc, i)
		o, ok := e.(*value.Object)
		if !ok {
			c.errorf(diag.SchemaValidationFailed, eloc, "A choice rule must be an object")
			continue
		}
		if child := c.rule(o, eloc, false); child != nil {
			out = append(out, child)
		}
	}
	return out
}

// operand checks and stores the operand of a comparison operator.
func (c *compiler) operand(r *Rule, name string, v any, loc string) {
	if r.op.path {
		r.path = c.path(name, v, loc)
		return
	}
	switch r.op.fam {
	case famString, famMatches:
		s, ok := v.(string)
		if !ok {
			c.errorf(diag.SchemaValidationFailed, loc, "The value for the field '%s' must be a STRING", name)
			return
		}
		r.operand = s
		if r.op.fam == famMatches {
			r.pat = compilePattern(s)
		}
	case famNumeric:
		if !value.IsNumber(v) {
			c.errorf(diag.SchemaValidationFailed, loc, "The value for the field '%s' must be a NUMBER", name)
			return
		}
		r.operand = v
	case famBoolean, famIs:
		b, ok := v.(bool)
		if !ok {
			c.errorf(diag.SchemaValidationFailed, loc, "The value for the field '%s' must be a BOOLEAN", name)
			return
		}
		r.operand = b
	case famTimestamp:
		s, ok := v.(string)
		if !ok {
			c.errorf(diag.SchemaValidationFailed, loc, "The value for the field '%s' must be a STRING", name)
			return
		}
		t, ok := ParseTimestamp(s)
		if !ok {
			c.errorf(diag.SchemaValidationFailed, loc,
				"The value for the field '%s' must be a valid ISO-8601 extended offset date-time format string", name)
			return
		}
		r.operand, r.ts = s, t
	}
}

// path compiles the path in a Variable or ...Path field.
func (c *compiler) path(name string, v any, loc string) *jsonpath.Path {
	s, ok := v.(string)
	if !ok {
		c.errorf(diag.SchemaValidationFailed, loc, "The value for the field '%s' must be a STRING", name)
		return nil
	}
	p, err := jsonpath.Compile(s)
	if err != nil || !strings.HasPrefix(s, "$") {
		c.errorf(diag.SchemaValidationFailed, loc, "The value for the field '%s' must be a valid JSONPath", name)
		return nil
	}
	return p
}

// Eval evaluates the rule against the scope. And and Or stop at the first
// operand that decides them. A Variable or ...Path operand that names
// nothing is a *fault.Error named States.Runtime whose cause is AWS's
// "Invalid path '<path>': The choice state's condition path references an
// invalid value." (the engine prefixes the state's name and event id, as for
// every runtime failure); under IsPresent a missing Variable is just false.
func (r *Rule) Eval(s *jsonpath.Scope) (bool, error) {
	if r == nil {
		return false, fmt.Errorf("choice: evaluating a nil rule")
	}
	if s == nil {
		s = &jsonpath.Scope{}
	}
	switch r.kind {
	case kindAnd:
		for _, c := range r.children {
			ok, err := c.Eval(s)
			if err != nil || !ok {
				return false, err
			}
		}
		return true, nil
	case kindOr:
		for _, c := range r.children {
			ok, err := c.Eval(s)
			if err != nil || ok {
				return ok, err
			}
		}
		return false, nil
	case kindNot:
		if len(r.children) != 1 {
			return false, fmt.Errorf("choice: malformed Not rule")
		}
		ok, err := r.children[0].Eval(s)
		return !ok && err == nil, err
	case kindCompare:
		return r.compare(s)
	}
	return false, fmt.Errorf("choice: malformed rule")
}

// InvalidPathCause is the cause AWS gives when a choice rule's Variable or
// ...Path operand names nothing.
func InvalidPathCause(path string) string {
	return "Invalid path '" + path + "': The choice state's condition path references an invalid value."
}

// lookup evaluates a path, reporting whether it found a value.
func lookup(p *jsonpath.Path, s *jsonpath.Scope) (any, bool) {
	if p.Root() == jsonpath.RootVariable && s.Vars == nil {
		return nil, false
	}
	v, err := p.Eval(s)
	if err != nil {
		return nil, false
	}
	return v, true
}

func (r *Rule) compare(s *jsonpath.Scope) (bool, error) {
	if r.variable == nil {
		return false, fmt.Errorf("choice: malformed comparison rule")
	}
	v, found := lookup(r.variable, s)
	if r.op.fam == famIs && r.op.cmp == isPresent {
		want, _ := r.operand.(bool)
		return found == want, nil
	}
	if !found {
		return false, fault.New(fault.Runtime, InvalidPathCause(r.variable.String()))
	}
	if r.op.fam == famIs {
		want, _ := r.operand.(bool)
		return typeTest(r.op.cmp, v) == want, nil
	}
	operand := r.operand
	if r.op.path {
		if r.path == nil {
			return false, fmt.Errorf("choice: malformed comparison rule")
		}
		var ok bool
		if operand, ok = lookup(r.path, s); !ok {
			return false, fault.New(fault.Runtime, InvalidPathCause(r.path.String()))
		}
	}
	switch r.op.fam {
	case famString:
		a, ok1 := v.(string)
		b, ok2 := operand.(string)
		if !ok1 || !ok2 {
			return false, nil
		}
		if r.op.cmp == cmpEq {
			return a == b, nil
		}
		return r.op.cmp.holds(compareStrings(a, b)), nil
	case famNumeric:
		c, ok := compareNumbers(v, operand)
		return ok && r.op.cmp.holds(c), nil
	case famBoolean:
		a, ok1 := v.(bool)
		b, ok2 := operand.(bool)
		return ok1 && ok2 && a == b, nil
	case famMatches:
		a, ok := v.(string)
		return ok && r.pat.match(a), nil
	case famTimestamp:
		a, ok := v.(string)
		if !ok {
			return false, nil
		}
		ta, ok := ParseTimestamp(a)
		if !ok {
			return false, nil
		}
		tb := r.ts
		if r.op.path {
			b, ok := operand.(string)
			if !ok {
				return false, nil
			}
			if tb, ok = ParseTimestamp(b); !ok {
				return false, nil
			}
		}
		return r.op.cmp.holds(ta.Compare(tb)), nil
	}
	return false, fmt.Errorf("choice: malformed comparison rule")
}

// typeTest applies an Is... operator (other than IsPresent) to a value.
func typeTest(c cmp, v any) bool {
	switch c {
	case isNull:
		return v == nil
	case isNumeric:
		return value.IsNumber(v)
	case isString:
		_, ok := v.(string)
		return ok
	case isBoolean:
		_, ok := v.(bool)
		return ok
	case isTimestamp:
		s, ok := v.(string)
		if !ok {
			return false
		}
		_, ok = ParseTimestamp(s)
		return ok
	}
	return false
}
