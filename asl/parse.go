// Package asl is the Amazon States Language: it parses JSON and YAML state
// machine definitions into typed, compiled states and validates them with
// AWS-style diagnostics. It is pure: no I/O, no goroutines.
package asl

import "fmt"

// Parse parses and validates a definition (JSON or YAML). On failure the
// error is a diag.List with every problem found.
func Parse(data []byte) (*StateMachine, error) {
	return nil, fmt.Errorf("asl: not implemented yet")
}
