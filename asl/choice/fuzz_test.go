package choice

import (
	"testing"

	"github.com/stepwise/stepwise/asl/jsonpath"
	"github.com/stepwise/stepwise/asl/value"
)

// FuzzCompile compiles random JSON as a choice rule and, when it compiles,
// evaluates it against a fixed input and against the rule itself: neither
// may panic, a compiled rule has no error diagnostics, and a rejected one
// has some.
func FuzzCompile(f *testing.F) {
	for _, s := range []string{
		`{"Variable":"$.v","NumericEquals":1,"Next":"X"}`,
		`{"Variable":"$.v","StringMatches":"a*\\*b\\\\","Next":"X"}`,
		`{"Variable":"$.v","TimestampEqualsPath":"$.w"}`,
		`{"And":[{"Variable":"$.v","IsPresent":true},{"Not":{"Variable":"$.v","IsNull":true}}]}`,
		`{"Or":[{"Variable":"$$.Execution.Name","StringEquals":"x"},{"Variable":"$var.a","BooleanEquals":true}]}`,
		`{"Variable":"$.v","TimestampLessThan":"2016-03-14T01:59:00.123+05:30"}`,
		`{"Not":{"Not":{"Not":{}}}}`,
		`{"And":[]}`, `{}`, `[]`, `null`, `{"Foo":1}`,
	} {
		f.Add(s)
	}
	input, err := value.DecodeString(`{"v":1,"w":"2016-03-14T01:59:00Z","a":[1,"x",null,true,{"b":2.5}]}`)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, text string) {
		v, err := value.DecodeString(text)
		if err != nil {
			return
		}
		o, _ := v.(*value.Object)
		r, diags := Compile(o, "/R")
		if r == nil {
			if !diags.HasErrors() {
				t.Fatalf("nil rule without errors for %s", text)
			}
			return
		}
		if diags.HasErrors() {
			t.Fatalf("rule with errors for %s: %v", text, diags)
		}
		_, _ = r.Eval(&jsonpath.Scope{Input: input, Context: input})
		_, _ = r.Eval(&jsonpath.Scope{Input: v})
		_, _ = r.Eval(nil)
	})
}
