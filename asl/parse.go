// Package asl is the Amazon States Language: it parses JSON and YAML state
// machine definitions into typed, compiled states and validates them with
// AWS-style diagnostics. It is pure: no I/O, no goroutines.
package asl

import (
	"bytes"
	"fmt"
	"unicode/utf8"

	"github.com/stepwise/stepwise/asl/diag"
	"github.com/stepwise/stepwise/asl/value"
)

// Format says how a definition is written.
type Format int

// The definition formats.
const (
	FormatAuto Format = iota // JSON if the text starts with '{', YAML otherwise
	FormatJSON
	FormatYAML
)

// Options tune ParseWithOptions.
type Options struct {
	// Format of the input; FormatAuto guesses from the first character.
	Format Format
}

// Parse parses and validates a definition (JSON or YAML). On failure the
// error is a diag.List with every error found (warnings are kept in
// StateMachine.Warnings when parsing succeeds).
func Parse(data []byte) (*StateMachine, error) {
	return ParseWithOptions(data, Options{})
}

// ParseWithOptions is Parse with options.
func ParseWithOptions(data []byte, opts Options) (*StateMachine, error) {
	sm, diags := parse(data, opts)
	if diags.HasErrors() {
		return nil, errorsOnly(diags)
	}
	sm.Warnings = diags
	return sm, nil
}

// Validate checks a definition and returns every diagnostic, errors and
// warnings, in the order found. An empty list means the definition is valid
// and clean.
func Validate(data []byte) diag.List {
	_, diags := parse(data, Options{})
	return diags
}

// ValidateWithOptions is Validate with options.
func ValidateWithOptions(data []byte, opts Options) diag.List {
	_, diags := parse(data, opts)
	return diags
}

// FromValue builds and validates a state machine from a definition already
// decoded into a value (an *value.Object), as Parse does from text.
func FromValue(def any) (*StateMachine, error) {
	b := newBuilder()
	sm := b.machine(def)
	if b.diags.HasErrors() {
		return nil, errorsOnly(b.diags)
	}
	sm.Warnings = b.diags
	return sm, nil
}

func parse(data []byte, opts Options) (*StateMachine, diag.List) {
	def, d := decode(data, opts.Format)
	if d != nil {
		return nil, diag.List{*d}
	}
	b := newBuilder()
	sm := b.machine(def)
	return sm, b.diags
}

func errorsOnly(l diag.List) diag.List {
	out := make(diag.List, 0, len(l))
	for _, d := range l {
		if d.Severity == diag.SeverityError {
			out = append(out, d)
		}
	}
	return out
}

// decode turns definition text into a value.
func decode(data []byte, f Format) (any, *diag.Diagnostic) {
	trimmed := bytes.TrimLeft(data, " \t\r\n\ufeff")
	trimmed = bytes.TrimPrefix(trimmed, []byte("\xef\xbb\xbf"))
	trimmed = bytes.TrimLeft(trimmed, " \t\r\n")
	if len(bytes.TrimSpace(trimmed)) == 0 {
		return nil, &diag.Diagnostic{
			Severity: diag.SeverityError,
			Code:     diag.MissingDescription,
			Message:  "The definition is empty",
		}
	}
	if f == FormatAuto {
		f = FormatYAML
		if trimmed[0] == '{' || trimmed[0] == '[' {
			f = FormatJSON
		}
	}
	if f == FormatJSON {
		// AWS refuses a definition that is not UTF-8; the decoder would
		// read each bad byte as U+FFFD, changing names and values.
		if !utf8.Valid(trimmed) {
			return nil, &diag.Diagnostic{
				Severity: diag.SeverityError,
				Code:     diag.InvalidJSONDescription,
				Message:  fmt.Sprintf("Invalid JSON: invalid UTF-8 at byte %d", firstInvalidUTF8(trimmed)),
			}
		}
		// One copy of the text, which the decoded definition shares.
		v, err := value.DecodeShared(string(trimmed))
		if err != nil {
			return nil, &diag.Diagnostic{
				Severity: diag.SeverityError,
				Code:     diag.InvalidJSONDescription,
				Message:  "Invalid JSON: " + err.Error(),
			}
		}
		return v, nil
	}
	v, err := decodeYAML(trimmed)
	if err != nil {
		return nil, &diag.Diagnostic{
			Severity: diag.SeverityError,
			Code:     diag.InvalidJSONDescription,
			Message:  "Invalid YAML: " + err.Error(),
		}
	}
	return v, nil
}

// firstInvalidUTF8 is the offset of the first byte of data that is not
// UTF-8 (len(data) when it all is).
func firstInvalidUTF8(data []byte) int {
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && size == 1 {
			return i
		}
		i += size
	}
	return len(data)
}
