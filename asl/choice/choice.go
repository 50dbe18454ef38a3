// Package choice compiles and evaluates the JSONPath-mode rules of Choice
// states: comparison operators and their ...Path variants, the Is... type
// tests, StringMatches, timestamps, and And/Or/Not at any depth.
package choice

import (
	"fmt"

	"github.com/stepwise/stepwise/asl/diag"
	"github.com/stepwise/stepwise/asl/jsonpath"
	"github.com/stepwise/stepwise/asl/value"
)

// Rule is a compiled Boolean expression of a Choice state. It is immutable
// and safe for concurrent use.
type Rule struct{}

// Compile compiles the Boolean part of a choice rule (ignoring Next, Assign,
// Output and Comment, which the caller handles). loc is the JSON pointer of
// the rule, for diagnostics.
func Compile(rule *value.Object, loc string) (*Rule, diag.List) {
	return &Rule{}, nil
}

// Eval evaluates the rule. A missing Variable is an error of the
// States.Runtime kind (except under IsPresent).
func (r *Rule) Eval(s *jsonpath.Scope) (bool, error) {
	return false, fmt.Errorf("choice: not implemented yet")
}
