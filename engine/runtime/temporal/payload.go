package temporal

import (
	"bytes"
	"encoding/json"
)

// The JSON values of an execution (its input and output, each task's input,
// credentials and output, a task token's output) travel in Temporal
// payloads as JSON strings holding their text, as Step Functions' API
// carries them, not as nested JSON: Temporal's UI and CLI decode a nested
// JSON value into Go maps to show it, which sorts its members and shows []
// as null, so that what they showed was not what the execution saw. As a
// string the text reaches them, and the engine, untouched. Payloads
// written before, with the value nested, are still read.

// rawText is JSON text that marshals as a JSON string of itself.
type rawText []byte

// MarshalJSON writes the text as a JSON string.
func (r rawText) MarshalJSON() ([]byte, error) {
	return json.Marshal(string(r))
}

// UnmarshalJSON reads a JSON string holding JSON text or, from a payload of
// before, the JSON value itself. A string whose text is not JSON is a
// value of before that was a JSON string.
func (r *rawText) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		if json.Valid([]byte(s)) {
			*r = rawText(s)
			return nil
		}
	}
	*r = append(rawText(nil), bytes.TrimSpace(b)...)
	return nil
}

// MarshalJSON writes Input as a JSON string of its text.
func (in ExecutionInput) MarshalJSON() ([]byte, error) {
	type plain ExecutionInput
	return json.Marshal(struct {
		plain
		Input rawText `json:",omitempty"`
	}{plain(in), rawText(in.Input)})
}

// UnmarshalJSON reads what MarshalJSON writes (and Input nested).
func (in *ExecutionInput) UnmarshalJSON(b []byte) error {
	type plain ExecutionInput
	v := struct {
		*plain
		Input rawText `json:",omitempty"`
	}{plain: (*plain)(in)}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	in.Input = json.RawMessage(v.Input)
	return nil
}

// MarshalJSON writes Output as a JSON string of its text.
func (r ExecutionResult) MarshalJSON() ([]byte, error) {
	type plain ExecutionResult
	return json.Marshal(struct {
		plain
		Output rawText `json:",omitempty"`
	}{plain(r), rawText(r.Output)})
}

// UnmarshalJSON reads what MarshalJSON writes (and Output nested).
func (r *ExecutionResult) UnmarshalJSON(b []byte) error {
	type plain ExecutionResult
	v := struct {
		*plain
		Output rawText `json:",omitempty"`
	}{plain: (*plain)(r)}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	r.Output = json.RawMessage(v.Output)
	return nil
}

// MarshalJSON writes Input and Credentials as JSON strings of their text.
func (r TaskRequest) MarshalJSON() ([]byte, error) {
	type plain TaskRequest
	return json.Marshal(struct {
		plain
		Input       rawText
		Credentials rawText `json:",omitempty"`
	}{plain(r), rawText(r.Input), rawText(r.Credentials)})
}

// UnmarshalJSON reads what MarshalJSON writes (and the values nested).
func (r *TaskRequest) UnmarshalJSON(b []byte) error {
	type plain TaskRequest
	v := struct {
		*plain
		Input       rawText
		Credentials rawText `json:",omitempty"`
	}{plain: (*plain)(r)}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	r.Input, r.Credentials = json.RawMessage(v.Input), json.RawMessage(v.Credentials)
	return nil
}

// MarshalJSON writes Output as a JSON string of its text.
func (r TaskResult) MarshalJSON() ([]byte, error) {
	type plain TaskResult
	return json.Marshal(struct {
		plain
		Output rawText `json:",omitempty"`
	}{plain(r), rawText(r.Output)})
}

// UnmarshalJSON reads what MarshalJSON writes (and Output nested).
func (r *TaskResult) UnmarshalJSON(b []byte) error {
	type plain TaskResult
	v := struct {
		*plain
		Output rawText `json:",omitempty"`
	}{plain: (*plain)(r)}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	r.Output = json.RawMessage(v.Output)
	return nil
}

// MarshalJSON writes Output as a JSON string of its text.
func (o TaskOutcome) MarshalJSON() ([]byte, error) {
	type plain TaskOutcome
	return json.Marshal(struct {
		plain
		Output rawText `json:",omitempty"`
	}{plain(o), rawText(o.Output)})
}

// UnmarshalJSON reads what MarshalJSON writes (and Output nested).
func (o *TaskOutcome) UnmarshalJSON(b []byte) error {
	type plain TaskOutcome
	v := struct {
		*plain
		Output rawText `json:",omitempty"`
	}{plain: (*plain)(o)}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	o.Output = json.RawMessage(v.Output)
	return nil
}

// MarshalJSON writes Output as a JSON string of its text.
func (s TaskSignal) MarshalJSON() ([]byte, error) {
	type plain TaskSignal
	return json.Marshal(struct {
		plain
		Output rawText `json:",omitempty"`
	}{plain(s), rawText(s.Output)})
}

// UnmarshalJSON reads what MarshalJSON writes (and Output nested).
func (s *TaskSignal) UnmarshalJSON(b []byte) error {
	type plain TaskSignal
	v := struct {
		*plain
		Output rawText `json:",omitempty"`
	}{plain: (*plain)(s)}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	s.Output = json.RawMessage(v.Output)
	return nil
}
