package temporal

import (
	"encoding/json"
	"strings"
	"testing"

	"go.temporal.io/sdk/converter"
)

// The values travel as strings of their exact text: the member order and
// the empty arrays that a nested JSON value loses in Temporal's UI and CLI.
func TestPayloadsCarryJSONText(t *testing.T) {
	const out = `{"z":[],"a":{"y":1,"b":[]},"n":1.0}`
	dc := converter.GetDefaultDataConverter()
	p, err := dc.ToPayload(&ExecutionResult{Status: "SUCCEEDED", Output: json.RawMessage(out)})
	if err != nil {
		t.Fatal(err)
	}
	if want := `"Output":"{\"z\":[],\"a\":{\"y\":1,\"b\":[]},\"n\":1.0}"`; !strings.Contains(string(p.Data), want) {
		t.Fatalf("payload %s lacks %s", p.Data, want)
	}
	var back ExecutionResult
	if err := dc.FromPayload(p, &back); err != nil || string(back.Output) != out || back.Status != "SUCCEEDED" {
		t.Fatalf("round trip: %+v %v", back, err)
	}

	req := TaskRequest{StateName: "S", Input: json.RawMessage(`{"b":[],"a":2}`), Credentials: json.RawMessage(`{"RoleArn":"r"}`)}
	data, err := json.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	var req2 TaskRequest
	if err := json.Unmarshal(data, &req2); err != nil || string(req2.Input) != string(req.Input) || string(req2.Credentials) != string(req.Credentials) || req2.StateName != "S" {
		t.Fatalf("task request %s: %+v %v", data, req2, err)
	}
	for _, v := range []any{&TaskResult{Output: json.RawMessage(`[]`)}, &TaskOutcome{Output: json.RawMessage(`[]`), Failed: true}, &TaskSignal{Token: "t", Output: json.RawMessage(`[]`)},
		&ExecutionInput{Definition: "d", Input: json.RawMessage(`[]`)}} {
		data, err := json.Marshal(v)
		if err != nil || !strings.Contains(string(data), `"[]"`) {
			t.Errorf("%T: %s %v", v, data, err)
		}
	}
}

// Payloads written before, with the values nested, are read as they were.
func TestPayloadsOfBeforeAreRead(t *testing.T) {
	var r ExecutionResult
	if err := json.Unmarshal([]byte(`{"Status":"SUCCEEDED","Output":{"z":[],"a":1}}`), &r); err != nil || string(r.Output) != `{"z":[],"a":1}` {
		t.Fatalf("%+v %v", r, err)
	}
	// A nested JSON string stays one.
	if err := json.Unmarshal([]byte(`{"Status":"SUCCEEDED","Output":"just text"}`), &r); err != nil || string(r.Output) != `"just text"` {
		t.Fatalf("%+v %v", r, err)
	}
	var in ExecutionInput
	if err := json.Unmarshal([]byte(`{"Definition":"d","Input":{"k":[]}}`), &in); err != nil || string(in.Input) != `{"k":[]}` || in.Definition != "d" {
		t.Fatalf("%+v %v", in, err)
	}
}
