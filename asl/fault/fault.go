// Package fault holds the errors a state machine raises: a name, as Retry and
// Catch match it (States.Runtime, States.TaskFailed, a service's error name,
// a custom name thrown by a task), and a cause.
package fault

import "strings"

// The predefined error names of the Amazon States Language.
const (
	ALL                             = "States.ALL"
	HeartbeatTimeout                = "States.HeartbeatTimeout"
	Timeout                         = "States.Timeout"
	TaskFailed                      = "States.TaskFailed"
	Permissions                     = "States.Permissions"
	ResultPathMatchFailure          = "States.ResultPathMatchFailure"
	ParameterPathFailure            = "States.ParameterPathFailure"
	QueryEvaluationError            = "States.QueryEvaluationError"
	BranchFailed                    = "States.BranchFailed"
	NoChoiceMatched                 = "States.NoChoiceMatched"
	IntrinsicFailure                = "States.IntrinsicFailure"
	ExceedToleratedFailureThreshold = "States.ExceedToleratedFailureThreshold"
	ItemReaderFailed                = "States.ItemReaderFailed"
	ResultWriterFailed              = "States.ResultWriterFailed"
	Runtime                         = "States.Runtime"
	DataLimitExceeded               = "States.DataLimitExceeded"
	HTTPSocket                      = "States.Http.Socket"
)

// Error is a named error with a cause, the way Step Functions reports one.
type Error struct {
	Name  string // the error name matched by ErrorEquals
	Cause string // free text, often JSON
}

// New returns an error with the given name and cause.
func New(name, cause string) *Error { return &Error{Name: name, Cause: cause} }

// Error returns "name: cause", or the name alone when there is no cause.
func (e *Error) Error() string {
	if e.Cause == "" {
		return e.Name
	}
	return e.Name + ": " + e.Cause
}

// IsPredefined reports whether name is in the reserved States. namespace.
func IsPredefined(name string) bool { return strings.HasPrefix(name, "States.") }

// KnownNames lists the predefined error names a definition may use in
// ErrorEquals. Treat it as read-only; IsKnown answers the same question
// without touching it.
var KnownNames = []string{
	ALL, HeartbeatTimeout, Timeout, TaskFailed, Permissions, ResultPathMatchFailure,
	ParameterPathFailure, QueryEvaluationError, BranchFailed, NoChoiceMatched, IntrinsicFailure,
	ExceedToleratedFailureThreshold, ItemReaderFailed, ResultWriterFailed, Runtime,
	DataLimitExceeded, HTTPSocket,
}

// IsKnown reports whether name is one of the predefined error names.
func IsKnown(name string) bool {
	switch name {
	case ALL, HeartbeatTimeout, Timeout, TaskFailed, Permissions, ResultPathMatchFailure,
		ParameterPathFailure, QueryEvaluationError, BranchFailed, NoChoiceMatched, IntrinsicFailure,
		ExceedToleratedFailureThreshold, ItemReaderFailed, ResultWriterFailed, Runtime,
		DataLimitExceeded, HTTPSocket:
		return true
	}
	return false
}

// Matches reports whether an ErrorEquals list (of a Retrier or a Catcher)
// matches the error name. The rules are AWS's, as documented ("Handling
// errors in Step Functions workflows") and as recorded on AWS where the two
// differ:
//
//   - States.Runtime is never matched, not even by an explicit
//     "States.Runtime": the docs say it "isn't retriable, and will always
//     cause the execution to fail", and AWS ignores a Catch on
//     ["States.Runtime"] (conformance case catch_states_runtime).
//   - States.ALL matches every other name, including an empty one (a task
//     failure without an error name) and States.DataLimitExceeded: AWS
//     catches a Lambda result over the size quota with ["States.ALL"]
//     (case task_lambda_catch_state_all_data_limit_exceeded...), although
//     the docs call that error terminal. A data limit that fails the
//     execution itself (state input or output over quota) must bypass
//     Retry and Catch in the engine, not here.
//   - States.TaskFailed "acts as a wildcard that matches any known error
//     name except for States.Timeout" (and so not States.HeartbeatTimeout,
//     a kind of timeout); it also matches names a task throws, such as
//     Lambda.Unknown or a custom error.
//   - States.Timeout matches States.Timeout and States.HeartbeatTimeout: a
//     Task state "either ran longer than the TimeoutSeconds value, or failed
//     to send a heartbeat for a period longer than the HeartbeatSeconds
//     value". AWS reports a heartbeat timeout as States.Timeout (cases
//     timeouts__heartbeats__*), which States.HeartbeatTimeout, matching only
//     its own name, does not match.
//   - Any other name matches only itself, case-sensitively ("State.ALL" is
//     no wildcard).
func Matches(errorEquals []string, name string) bool {
	if name == Runtime {
		return false
	}
	for _, p := range errorEquals {
		switch p {
		case name, ALL:
			return true
		case TaskFailed:
			if name != Timeout && name != HeartbeatTimeout {
				return true
			}
		case Timeout:
			if name == HeartbeatTimeout {
				return true
			}
		}
	}
	return false
}
