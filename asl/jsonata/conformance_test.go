package jsonata

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stepwise/stepwise/asl/value"
)

// casesDir finds the shared conformance cases, recorded on real AWS, by
// walking up from the package directory.
func casesDir(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		for _, rel := range []string{"shared/conformance/cases", "../shared/conformance/cases"} {
			c := filepath.Join(dir, rel)
			if st, err := os.Stat(c); err == nil && st.IsDir() {
				return c
			}
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Skip("conformance cases not found")
		}
		dir = parent
	}
}

// TestConformanceOutputs replays the AWS-recorded cases whose machine is
// one JSONata Pass state with an Output: the Output template evaluated
// with the case's input as $states.input must give AWS's output, or AWS's
// cause after the state prefix.
func TestConformanceOutputs(t *testing.T) {
	dirs, err := filepath.Glob(filepath.Join(casesDir(t), "*"))
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, dir := range dirs {
		def, err := os.ReadFile(filepath.Join(dir, "definition.asl.json"))
		if err != nil {
			continue
		}
		root, err := value.Decode(def)
		if err != nil {
			continue
		}
		name, output, ok := singleJSONataPass(root)
		if !ok {
			continue
		}
		input := readValue(t, filepath.Join(dir, "input.json"))
		expected, _ := readValue(t, filepath.Join(dir, "expected.json")).(*value.Object)
		status, _ := expected.Get("status")
		checked++
		tmpl, err := ParseTemplate(output)
		if err != nil {
			t.Errorf("%s: %v", filepath.Base(dir), err)
			continue
		}
		st := value.NewObject(2)
		st.Append("input", input)
		st.Append("context", value.NewObject(0))
		got, err := tmpl.Eval(context.Background(), &Env{States: st, Runtime: newRuntime()})
		switch status {
		case "SUCCEEDED":
			want, _ := expected.Get("output")
			if err != nil || !value.Equal(got, want) {
				t.Errorf("%s: got %s (%v), want %s", filepath.Base(dir), value.Encode(got), err, value.Encode(want))
			}
		case "FAILED":
			cause, _ := expected.Get("cause")
			prefix := "An error occurred while executing the state '" + name + "' (entered at the event id #2). "
			var je *Error
			if !errors.As(err, &je) {
				t.Errorf("%s: want cause %v, got %s", filepath.Base(dir), cause, value.Encode(got))
				continue
			}
			if c := prefix + je.Cause("Output"); c != cause {
				t.Errorf("%s:\n got %s\nwant %s", filepath.Base(dir), c, cause)
			}
		}
	}
	if checked < 20 {
		t.Errorf("only %d conformance cases checked", checked)
	}
	t.Logf("%d AWS-recorded single-Pass JSONata cases checked", checked)
}

// singleJSONataPass returns the state name and Output of a machine of
// one Pass state in JSONata.
func singleJSONataPass(root any) (string, any, bool) {
	o, ok := root.(*value.Object)
	if !ok {
		return "", nil, false
	}
	states, _ := o.Get("States")
	so, ok := states.(*value.Object)
	if !ok || so.Len() != 1 {
		return "", nil, false
	}
	name, s := so.At(0)
	state, ok := s.(*value.Object)
	if !ok {
		return "", nil, false
	}
	ql, _ := o.Get("QueryLanguage")
	if q, ok := state.Get("QueryLanguage"); ok {
		ql = q
	}
	typ, _ := state.Get("Type")
	output, hasOutput := state.Get("Output")
	if ql != "JSONata" || typ != "Pass" || !hasOutput || state.Has("Assign") || !HasExpression(output) {
		return "", nil, false
	}
	if str, ok := output.(string); ok && strings.Contains(str, "$$") {
		return "", nil, false
	}
	return name, output, true
}

func readValue(t *testing.T, path string) any {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	v, err := value.Decode(b)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return v
}
