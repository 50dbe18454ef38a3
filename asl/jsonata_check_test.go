package asl

import (
	"fmt"
	"testing"

	"github.com/stepwise/stepwise/asl/diag"
)

// TestJSONataSyntaxDiagnostics checks that an expression that does not parse
// is reported as AWS's ValidateStateMachineDefinition reports it: code
// INVALID_JSONATA_EXPRESSION, jsonata-js's message without its code, at the
// field (and the member inside it).
func TestJSONataSyntaxDiagnostics(t *testing.T) {
	cases := []struct{ expr, msg string }{
		{`a[1,2)`, `Expected "]", got ","`},
		{`"unterminated`, `String literal must be terminated by a matching quote`},
		{`1 +`, `Unexpected end of expression`},
		{`{"a":}`, `The symbol "}" cannot be used as a unary operator`},
		{`$x :=`, `Unexpected end of expression`},
		{`$match("a", /abc`, `No terminating / in regular expression`},
		{`(1`, `Expected ")" before end of expression`},
	}
	for _, c := range cases {
		t.Run(c.expr, func(t *testing.T) {
			def := fmt.Sprintf(`{"QueryLanguage":"JSONata","StartAt":"E","States":{"E":{"Type":"Pass","Output":{"v":%q},"End":true}}}`, "{% "+c.expr+" %}")
			ds := Validate([]byte(def))
			want := diag.Diagnostic{Severity: diag.SeverityError, Code: diag.InvalidJSONataExpression, Message: c.msg, Location: "/States/E/Output/v"}
			if len(ds) != 1 || ds[0] != want {
				t.Fatalf("diagnostics:\n%v\nwant %v", ds, want)
			}
		})
	}
}

// TestJSONataValidExpressionsAccepted checks that well-formed expressions,
// literal text with delimiters inside it, and JSONPath-mode strings are not
// reported.
func TestJSONataValidExpressionsAccepted(t *testing.T) {
	defs := []string{
		`{"QueryLanguage":"JSONata","StartAt":"E","States":{"E":{"Type":"Pass","Output":{"a":"{% $states.input.n + 1 %}","b":" {% not an expression %} ","c":"50% off","d":"{%\n  $states.input\n%}"},"Assign":{"x":"{% $states.input %}"},"End":true}}}`,
		`{"StartAt":"E","States":{"E":{"Type":"Pass","Result":{"a":"{% 1 + %}"},"End":true}}}`,
	}
	for _, d := range defs {
		if ds := Validate([]byte(d)); len(ds) != 0 {
			t.Errorf("%s:\n%v", d, ds)
		}
	}
}
