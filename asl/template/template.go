// Package template compiles and evaluates payload templates: Parameters,
// ResultSelector, ItemSelector and JSONPath-mode Assign, whose "key.$" members
// take their value from a path, a context path, a variable or an intrinsic
// call.
package template

import (
	"fmt"

	"github.com/stepwise/stepwise/asl/intrinsic"
)

// Expr is a compiled expression that computes one value from the
// environment: a path or an intrinsic call.
type Expr interface {
	Eval(env *intrinsic.Env) (any, error)
	String() string
}

// Template is a compiled payload template. It is immutable and safe for
// concurrent use.
type Template struct {
	raw any
}

// Compile compiles a payload template given as a value (usually an
// *value.Object).
func Compile(v any) (*Template, error) {
	return &Template{raw: v}, nil
}

// Eval builds the payload.
func (t *Template) Eval(env *intrinsic.Env) (any, error) {
	return nil, fmt.Errorf("template: not implemented yet")
}
