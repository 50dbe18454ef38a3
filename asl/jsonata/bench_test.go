package jsonata

import (
	"context"
	"testing"

	"github.com/stepwise/stepwise/asl/value"
)

const benchExpr = "$states.input.x + 1"

func BenchmarkCompile(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Compile(benchExpr); err != nil {
			b.Fatal(err)
		}
	}
}

// benchStates is a typical $states: a small input and the context object.
func benchStates(b *testing.B) *value.Object {
	st := value.NewObject(2)
	st.Append("input", mustDecode(b, `{"x": 41, "name": "order-1001", "items": [{"sku": "a", "qty": 2}, {"sku": "b", "qty": 1}], "paid": true}`))
	st.Append("context", mustDecode(b, `{"Execution": {"Id": "arn:aws:states:us-east-1:123456789012:execution:m:e", "Name": "e", "StartTime": "2024-01-01T00:00:00.000Z"}, "State": {"Name": "S", "EnteredTime": "2024-01-01T00:00:00.000Z", "RetryCount": 0}, "StateMachine": {"Id": "arn:aws:states:us-east-1:123456789012:stateMachine:m", "Name": "m"}}`))
	return st
}

// BenchmarkEval evaluates a compiled expression once per state visit: a
// new Env each time, as the engine builds one per visit.
func BenchmarkEval(b *testing.B) {
	x, err := Compile(benchExpr)
	if err != nil {
		b.Fatal(err)
	}
	st := benchStates(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		v, err := x.Eval(ctx, &Env{States: st})
		if err != nil || v != int64(42) {
			b.Fatalf("%v %v", v, err)
		}
	}
}

// BenchmarkTemplateEval evaluates an Arguments-like template of three
// expressions and constants against one Env.
func BenchmarkTemplateEval(b *testing.B) {
	tp, err := ParseTemplate(mustDecode(b, `{"FunctionName": "f", "Payload": {"x": "{% $states.input.x + 1 %}", "name": "{% $states.input.name %}", "count": "{% $count($states.input.items) %}"}}`))
	if err != nil {
		b.Fatal(err)
	}
	st := benchStates(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := tp.Eval(ctx, &Env{States: st}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEvalLoopCondition is the Choice condition of a JSONata twin of
// the shared loop-5000 workload: a one-member input, a fresh Env per visit.
func BenchmarkEvalLoopCondition(b *testing.B) {
	x, err := Compile("$states.input.n >= 5000")
	if err != nil {
		b.Fatal(err)
	}
	st := value.NewObject(2)
	st.Append("input", mustDecode(b, `{"n": 1}`))
	ctxv, _ := benchStates(b).Get("context")
	st.Append("context", ctxv)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		v, err := x.Eval(ctx, &Env{States: st})
		if err != nil || v != false {
			b.Fatalf("%v %v", v, err)
		}
	}
}

// BenchmarkEvalPaths evaluates the loop twin's three expressions by the
// fast path (Eval) and through gnata (evalGnata), a new Env per visit:
// BenchmarkEvalPaths/merge/fast against BenchmarkEvalPaths/merge/gnata.
func BenchmarkEvalPaths(b *testing.B) {
	st := value.NewObject(1)
	st.Append("input", mustDecode(b, `{"n": 4321, "tmp": {"v": 4321}}`))
	vars := func(name string) (any, bool) { return int64(4322), name == "v" }
	ctx := context.Background()
	for _, c := range []struct{ name, expr string }{
		{"condition", "$states.input.n >= 5000"},
		{"add", "$states.input.n + 1"},
		{"merge", "$merge([$states.input, {'n': $v, 'tmp': {'v': $v}}])"},
	} {
		x, err := Compile(c.expr)
		if err != nil || x.fast == nil {
			b.Fatalf("%s: %v", c.expr, err)
		}
		b.Run(c.name+"/fast", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := x.Eval(ctx, &Env{States: st, Variables: vars}); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(c.name+"/gnata", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := x.evalGnata(ctx, &Env{States: st, Variables: vars}, nil, false); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
