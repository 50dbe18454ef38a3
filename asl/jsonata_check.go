package asl

import (
	"errors"
	"strconv"
	"strings"

	"github.com/stepwise/stepwise/asl/diag"
	"github.com/stepwise/stepwise/asl/jsonata"
	"github.com/stepwise/stepwise/asl/value"
)

// jsonataStateFields are the fields of a JSONata state whose values may
// hold "{% %}" expressions, at any depth. Choice rules and catchers are
// checked where they are read.
var jsonataStateFields = []string{
	"Resource", "Arguments", "Output", "Assign",
	"TimeoutSeconds", "HeartbeatSeconds", "Credentials",
	"Items", "ItemSelector", "ItemReader", "ItemBatcher", "ResultWriter",
	"MaxConcurrency", "ToleratedFailureCount", "ToleratedFailurePercentage",
	"Seconds", "Timestamp", "Error", "Cause",
}

// jsonataFields checks the expressions of the named fields of o, a JSONata
// state or rule at loc.
func (b *builder) jsonataFields(o *value.Object, loc string, keys ...string) {
	for _, k := range keys {
		if v, ok := o.Get(k); ok {
			b.jsonataValue(v, ptr(loc, k))
		}
	}
}

// jsonataValue checks every string of v (a value) at loc that is, or looks
// meant to be, a "{% %}" expression: it must parse, as AWS parses each one
// when the definition is created, and its delimiters must be whole.
func (b *builder) jsonataValue(v any, loc string) {
	switch x := v.(type) {
	case string:
		b.jsonataString(x, loc)
	case *value.Object:
		for i := 0; i < x.Len(); i++ {
			k, e := x.At(i)
			if s, isStr := e.(string); isStr && !strings.Contains(s, "%") {
				continue // no delimiter: nothing to check, no location to build
			}
			b.jsonataValue(e, ptr(loc, k))
		}
	case []any:
		for i, e := range x {
			b.jsonataValue(e, ptr(loc, strconv.Itoa(i)))
		}
	}
}

// jsonataString checks one string. A string with neither delimiter is
// literal text. One with "{%" but not "%}" (or the reverse), or whose
// expression does not stand apart from its delimiters by whitespace, is
// malformed; one whose expression does not parse carries jsonata-js's
// message without its code, as AWS reports it.
func (b *builder) jsonataString(s, loc string) {
	open, closed := strings.HasPrefix(s, "{%"), strings.HasSuffix(s, "%}")
	if !open && !closed {
		return
	}
	if !open || !closed || len(s) < 4 {
		b.add(diag.SeverityError, diag.InvalidJSONataExpression, loc, "%s", msgDelimiters)
		return
	}
	inner := s[2 : len(s)-2]
	if inner == "" || !isSpaceByte(inner[0]) || !isSpaceByte(inner[len(inner)-1]) {
		b.add(diag.SeverityError, diag.InvalidJSONataExpression, loc, "%s", msgSpacing)
		return
	}
	if _, err := b.compileJSONata(strings.TrimSpace(inner)); err != nil {
		msg := err.Error()
		var je *jsonata.Error
		if errors.As(err, &je) && je.Message != "" {
			msg = je.Message
		}
		b.add(diag.SeverityError, diag.InvalidJSONataExpression, loc, "%s", msg)
	}
}

// compileJSONata is jsonata.Compile, compiling an expression written
// several times once.
func (b *builder) compileJSONata(expr string) (*jsonata.Expr, error) {
	if e, ok := b.exprs[expr]; ok {
		return e, nil
	}
	e, err := jsonata.Compile(expr)
	if err != nil {
		return nil, err
	}
	if b.exprs == nil {
		b.exprs = make(map[string]*jsonata.Expr)
	}
	b.exprs[expr] = e
	return e, nil
}

// The messages of malformed delimiters (AWS's own text is not recorded).
const (
	msgDelimiters = "A JSONata expression must start with '{%' and end with '%}'"
	msgSpacing    = "A JSONata expression must be separated from '{%' and '%}' by whitespace"
)

func isSpaceByte(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r'
}
