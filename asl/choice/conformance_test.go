package choice

import (
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stepwise/stepwise/asl/diag"
	"github.com/stepwise/stepwise/asl/fault"
	"github.com/stepwise/stepwise/asl/jsonpath"
	"github.com/stepwise/stepwise/asl/value"
	"github.com/stepwise/stepwise/internal/testcases"
)

// casesDir finds the shared conformance cases, recorded on real AWS.
func casesDir(t testing.TB) string {
	t.Helper()
	return testcases.Dir(t)
}

func readJSON(t testing.TB, path string) any {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	v, err := value.Decode(data)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return v
}

func obj(v any, key string) *value.Object {
	o, _ := v.(*value.Object)
	x, _ := o.Get(key)
	r, _ := x.(*value.Object)
	return r
}

func str(v any, key string) string {
	o, _ := v.(*value.Object)
	x, _ := o.Get(key)
	s, _ := x.(string)
	return s
}

// runChoicePass runs a state machine made of Choice and Pass states only
// (the shape of every choice_operators case): Choice rules are compiled and
// evaluated by this package, a Pass state outputs its Result (or its input).
// It returns the output, or the States.Runtime error of a rule.
func runChoicePass(t *testing.T, def *value.Object, input any) (any, error) {
	t.Helper()
	states := obj(def, "States")
	name := str(def, "StartAt")
	cur := input
	for steps := 0; steps < 100; steps++ {
		st := obj(states, name)
		if st == nil {
			t.Fatalf("no state %q", name)
		}
		loc := diag.Pointer("/States", name)
		switch str(st, "Type") {
		case "Choice":
			choices, _ := st.Get("Choices")
			next := str(st, "Default")
			for i, c := range choices.([]any) {
				co := c.(*value.Object)
				r, diags := Compile(co, diag.Pointer(loc, "Choices", i))
				if diags.HasErrors() {
					t.Fatalf("compile %s: %v", name, diags)
				}
				ok, err := r.Eval(&jsonpath.Scope{Input: cur})
				if err != nil {
					return nil, err
				}
				if ok {
					next = str(co, "Next")
					break
				}
			}
			if next == "" {
				return nil, fault.New(fault.NoChoiceMatched, "no choice rule matched")
			}
			name = next
		case "Pass":
			if res, ok := st.Get("Result"); ok {
				cur = res
			}
			if end, _ := st.Get("End"); end == true {
				return cur, nil
			}
			name = str(st, "Next")
		default:
			t.Fatalf("state %q: type %q not handled by this harness", name, str(st, "Type"))
		}
	}
	t.Fatal("too many steps")
	return nil, nil
}

// TestConformanceChoiceOperators runs every JSONPath-mode choice_operators
// case recorded on AWS and checks status and output.
func TestConformanceChoiceOperators(t *testing.T) {
	dir := casesDir(t)
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), "choice_operators__") {
			continue
		}
		cdir := filepath.Join(dir, e.Name())
		def, _ := readJSON(t, filepath.Join(cdir, "definition.asl.json")).(*value.Object)
		if str(def, "QueryLanguage") == "JSONata" {
			continue
		}
		n++
		t.Run(e.Name(), func(t *testing.T) {
			input := readJSON(t, filepath.Join(cdir, "input.json"))
			want := readJSON(t, filepath.Join(cdir, "expected.json"))
			out, err := runChoicePass(t, def, input)
			switch str(want, "status") {
			case "SUCCEEDED":
				if err != nil {
					t.Fatalf("failed: %v", err)
				}
				wantOut, _ := want.(*value.Object).Get("output")
				if !value.Equal(out, wantOut) {
					t.Fatalf("output %s, want %s", value.Encode(out), value.Encode(wantOut))
				}
			case "FAILED":
				var f *fault.Error
				if !errors.As(err, &f) {
					t.Fatalf("succeeded with %s, want failure", value.Encode(out))
				}
				if f.Name != str(want, "error") || !strings.HasSuffix(str(want, "cause"), f.Cause) {
					t.Fatalf("error %s / %q, want %s / %q", f.Name, f.Cause, str(want, "error"), str(want, "cause"))
				}
			default:
				t.Fatalf("unexpected status %q", str(want, "status"))
			}
		})
	}
	if n == 0 {
		t.Fatal("no choice_operators cases found")
	}
	t.Logf("%d choice_operators cases", n)
}

// collectChoiceRules finds the rules of every Choice state in a definition,
// including those inside Map and Parallel, with their JSON pointers.
func collectChoiceRules(v any, loc string, out map[string]*value.Object) {
	switch x := v.(type) {
	case *value.Object:
		if str(x, "Type") == "Choice" {
			if cs, ok := x.Get("Choices"); ok {
				if arr, ok := cs.([]any); ok {
					for i, c := range arr {
						if co, ok := c.(*value.Object); ok {
							out[diag.Pointer(loc, "Choices", i)] = co
						}
					}
				}
			}
		}
		for i := 0; i < x.Len(); i++ {
			k, e := x.At(i)
			collectChoiceRules(e, diag.Pointer(loc, k), out)
		}
	case []any:
		for i, e := range x {
			collectChoiceRules(e, diag.Pointer(loc, i), out)
		}
	}
}

// TestConformanceCompileAll compiles every JSONPath-mode choice rule of every
// recorded case (all were accepted by AWS) and expects no diagnostics.
func TestConformanceCompileAll(t *testing.T) {
	dir := casesDir(t)
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, e := range entries {
		path := filepath.Join(dir, e.Name(), "definition.asl.json")
		if _, err := os.Stat(path); err != nil {
			continue
		}
		def := readJSON(t, path)
		if str(def, "QueryLanguage") == "JSONata" {
			continue
		}
		rules := map[string]*value.Object{}
		collectChoiceRules(def, "", rules)
		locs := make([]string, 0, len(rules))
		for l := range rules {
			locs = append(locs, l)
		}
		sort.Strings(locs)
		for _, l := range locs {
			r := rules[l]
			if r.Has("Condition") {
				continue // a JSONata rule inside a state that opts in
			}
			total++
			if _, diags := Compile(r, l); len(diags) > 0 {
				t.Errorf("%s %s: %v", e.Name(), l, diags)
			}
		}
	}
	t.Logf("%d rules compiled", total)
}
