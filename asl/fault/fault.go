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

func (e *Error) Error() string {
	if e.Cause == "" {
		return e.Name
	}
	return e.Name + ": " + e.Cause
}

// IsPredefined reports whether name is in the reserved States. namespace.
func IsPredefined(name string) bool { return strings.HasPrefix(name, "States.") }

// KnownNames lists the predefined error names a definition may use in
// ErrorEquals.
var KnownNames = []string{
	ALL, HeartbeatTimeout, Timeout, TaskFailed, Permissions, ResultPathMatchFailure,
	ParameterPathFailure, QueryEvaluationError, BranchFailed, NoChoiceMatched, IntrinsicFailure,
	ExceedToleratedFailureThreshold, ItemReaderFailed, ResultWriterFailed, Runtime,
	DataLimitExceeded, "States.Http.Socket",
}

// Matches reports whether an ErrorEquals list matches the error name.
// States.ALL matches every error except States.Runtime and
// States.DataLimitExceeded, which only an explicit name catches.
// States.TaskFailed matches every error except States.Timeout, and like
// States.ALL not the two terminal ones.
func Matches(errorEquals []string, name string) bool {
	for _, p := range errorEquals {
		switch {
		case p == name:
			return true
		case p == ALL:
			if name != Runtime && name != DataLimitExceeded {
				return true
			}
		case p == TaskFailed:
			if name != Timeout && name != Runtime && name != DataLimitExceeded && name != HeartbeatTimeout {
				return true
			}
		}
	}
	return false
}
