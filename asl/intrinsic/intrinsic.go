// Package intrinsic parses and evaluates the intrinsic functions of the
// Amazon States Language (States.Format, States.JsonToString, States.MathAdd,
// ...), with AWS's argument rules, limits and errors.
package intrinsic

import (
	"fmt"
	"strings"

	"github.com/stepwise/stepwise/asl/jsonpath"
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
	text string
}

// String returns the call as written.
func (c *Call) String() string { return c.text }

// IsCall reports whether s has the form of an intrinsic call (it starts with
// "States."), as opposed to a path.
func IsCall(s string) bool { return strings.HasPrefix(strings.TrimSpace(s), "States.") }

// Parse compiles an intrinsic call such as "States.Format('{}', $.a)".
func Parse(text string) (*Call, error) {
	return nil, fmt.Errorf("intrinsic: not implemented yet")
}

// Eval runs the call. Errors are *fault.Error values named
// States.IntrinsicFailure or States.Runtime with AWS's cause text.
func (c *Call) Eval(env *Env) (any, error) {
	return nil, fmt.Errorf("intrinsic: not implemented yet")
}
