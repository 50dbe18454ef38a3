// Package diag holds the diagnostics that validation reports, shaped like the
// entries of AWS's ValidateStateMachineDefinition response.
package diag

import (
	"fmt"
	"strings"
)

// Severity of a diagnostic.
const (
	SeverityError   = "ERROR"
	SeverityWarning = "WARNING"
)

// The diagnostic codes AWS's ValidateStateMachineDefinition uses.
const (
	SchemaValidationFailed  = "SCHEMA_VALIDATION_FAILED"
	MissingTransitionTarget = "MISSING_TRANSITION_TARGET"
	InvalidJSONDescription  = "INVALID_JSON_DESCRIPTION"
	MissingDescription      = "MISSING_DESCRIPTION"
	MissingEndState         = "MISSING_END_STATE"
	InvalidResource         = "INVALID_RESOURCE"
	InvalidStateName        = "INVALID_STATE_NAME"
	InvalidLabelName        = "INVALID_LABEL_NAME"
	DuplicateStateName      = "DUPLICATE_STATE_NAME"
	TooDeeplyNested         = "TOO_DEEPLY_NESTED"
	NoDollar                = "NO_DOLLAR"
	PassResultIsStatic      = "PASS_RESULT_IS_STATIC"
	// InvalidJSONataExpression: a "{% %}" string that does not parse, or
	// whose delimiters are malformed.
	InvalidJSONataExpression = "INVALID_JSONATA_EXPRESSION"
)

// Diagnostic is one problem found in a definition.
type Diagnostic struct {
	Severity string `json:"severity"`
	Code     string `json:"code"`
	Message  string `json:"message"`
	Location string `json:"location,omitempty"` // JSON pointer, e.g. /States/Check/Next
}

func (d Diagnostic) String() string {
	if d.Location == "" {
		return fmt.Sprintf("%s %s: %s", d.Severity, d.Code, d.Message)
	}
	return fmt.Sprintf("%s %s at %s: %s", d.Severity, d.Code, d.Location, d.Message)
}

// List is the set of diagnostics of one definition; as an error it is the
// definition's rejection.
type List []Diagnostic

// HasErrors reports whether any diagnostic is an error.
func (l List) HasErrors() bool {
	for _, d := range l {
		if d.Severity == SeverityError {
			return true
		}
	}
	return false
}

func (l List) Error() string {
	var b strings.Builder
	for i, d := range l {
		if i > 0 {
			b.WriteString("\n")
		}
		b.WriteString(d.String())
	}
	return b.String()
}

// Pointer joins segments into a JSON pointer, escaping '~' and '/' as RFC 6901 says.
func Pointer(base string, segments ...any) string {
	var b strings.Builder
	b.WriteString(base)
	for _, s := range segments {
		b.WriteByte('/')
		str := fmt.Sprint(s)
		str = strings.ReplaceAll(str, "~", "~0")
		str = strings.ReplaceAll(str, "/", "~1")
		b.WriteString(str)
	}
	return b.String()
}
