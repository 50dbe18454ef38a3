package jsonpath

import (
	"errors"
	"testing"

	"github.com/stepwise/stepwise/asl/fault"
	"github.com/stepwise/stepwise/asl/value"
)

func benchPath(b *testing.B, text string) *Path {
	b.Helper()
	p, err := Compile(text)
	if err != nil {
		b.Fatal(err)
	}
	return p
}

func BenchmarkGetSimple(b *testing.B) {
	doc := mustDecode(b, `{"a":{"x":1,"y":2,"b":[{"c":true},2,3]},"z":"zz"}`)
	p := benchPath(b, "$.a.b[0]")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.Get(doc); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEvalContext(b *testing.B) {
	s := &Scope{Context: mustDecode(b, `{"Execution":{"Id":"x"},"Map":{"Item":{"Index":0,"Value":{"k":1}}}}`)}
	p := benchPath(b, "$$.Map.Item.Value")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.Eval(s); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGetFilter(b *testing.B) {
	doc := mustDecode(b, storeDoc)
	p := benchPath(b, "$.store.book[?(@.price < 10 && @.category == 'fiction')].title")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.Get(doc); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGetDeepScan(b *testing.B) {
	doc := mustDecode(b, storeDoc)
	p := benchPath(b, "$..price")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.Get(doc); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSet(b *testing.B) {
	doc := mustDecode(b, `{"comment":"This is a test","details":"Default example","who":"Step Functions","nested":{"a":1,"b":2}}`)
	ref, err := CompileReference("$.nested.result")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Set(doc, ref, "Hello, Step Functions!"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCompile(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Compile("$.store.book[?(@.price < 10)].title"); err != nil {
			b.Fatal(err)
		}
	}
}

func TestSimpleGetDoesNotAllocate(t *testing.T) {
	doc := mustDecode(t, `{"a":{"b":[{"c":true}]},"Map":{"Item":{"Value":1}}}`)
	s := &Scope{Input: doc, Context: doc}
	p1, _ := Compile("$.a.b[0]")
	p2, _ := Compile("$$.Map.Item.Value")
	if n := testing.AllocsPerRun(100, func() {
		_, _ = p1.Get(doc)
		_, _ = p2.Eval(s)
	}); n != 0 {
		t.Errorf("a simple definite path allocates %v times", n)
	}
}

// fuzzDoc is the document fuzzed paths are evaluated on: every kind of value,
// nesting, and names that filters and scans find.
const fuzzDoc = `{"a":{"b":[1,2.5,"x",null,true,{"c":[]}],"c":{"d":"e"}},"n":null,"s":"str",
	"arr":[[1,2],[3,[4,{"a":5}]],{"price":8,"tags":["x"]},{"price":12.5}],"e":{},"l":[]}`

type fuzzVars struct{ v any }

func (f fuzzVars) Lookup(name string) (any, bool) {
	if name == "x" || name == "a" {
		return f.v, true
	}
	return nil, false
}

func FuzzCompileEval(f *testing.F) {
	for _, seed := range []string{
		"$", "$.a.b[0]", "$$.Map.Item.Value", "$x.a[1:]", "$..a", "$..[0].a", "$.arr[?(@.price < 10)]",
		"$.[?(@.price)]", "$['a','n']", "$.arr[-1:]", "$.arr[0,1][*]", "$..price.sum()", "$.a.b.length()",
		"$[?(@.a =~ /x.*/i)]", "$.arr[?(@.tags contains 'x' || !@.price)]", "$.arr[?(@.price in [8, '12.5'])]",
		"$.arr[?(@..a == $.s)]", "$['a b']", `$["\u0041"]`, "$.a.c.d", "$.s.x", "$.n[0]", "$.a[0]",
		"$.arr[?(@ size 2)]", "$.arr[?(@.tags empty false)]", "$.arr[?(@.tags subsetof ['x'])]",
	} {
		f.Add(seed)
	}
	doc := mustDecode(f, fuzzDoc)
	f.Fuzz(func(t *testing.T, text string) {
		p, err := Compile(text)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Compile(%q) error is not a *SyntaxError: %v", text, err)
			}
			return
		}
		if p.String() != text {
			t.Fatalf("String() = %q, want %q", p.String(), text)
		}
		_ = p.Normalized()
		s := &Scope{Input: doc, Context: doc, Vars: fuzzVars{doc}}
		v, err := p.Eval(s)
		if err != nil {
			var nf *NotFoundError
			if !errors.As(err, &nf) || !p.IsDefinite() && p.root != RootVariable {
				t.Fatalf("Eval(%q) = %v", text, err)
			}
		} else if !p.IsDefinite() {
			if _, ok := v.([]any); !ok {
				t.Fatalf("indefinite %q gave %T", text, v)
			}
		}
		if v != nil {
			_ = value.Encode(v)
		}
		if p.IsReference() {
			out, err := Set(doc, p, "R")
			if err != nil {
				var fe *fault.Error
				if !errors.As(err, &fe) || fe.Name != fault.ResultPathMatchFailure {
					t.Fatalf("Set(%q) = %v", text, err)
				}
				return
			}
			if got, err := p.Get(out); p.root == RootInput && (err != nil || got != "R") {
				t.Fatalf("after Set(%q), Get = %v, %v", text, got, err)
			}
		}
	})
}
