package jsonata

import (
	"context"
	"testing"
	"time"

	"github.com/stepwise/stepwise/asl/value"
)

// FuzzEval compiles and evaluates arbitrary expressions against arbitrary
// input: nothing may panic, and any failure is an *Error.
func FuzzEval(f *testing.F) {
	for _, s := range []struct{ expr, input string }{
		{"$states.input.x + 1", `{"x": 1}`},
		{"$partition($states.input.a, 2)", `{"a": [1, 2, 3]}`},
		{"$range(1, 10, 2)", `{}`},
		{"$hash($states.input.s, 'SHA-256')", `{"s": "abc"}`},
		{"$parse($states.input.s)", `{"s": "{\"a\": [1, 2.5, null]}"}`},
		{"$random(1) + $random()", `{}`},
		{"$uuid() & $now() & $millis()", `{}`},
		{"$states.input.*[$ > 1]^(>$)", `{"a": 1, "b": 2, "c": 3}`},
		{"$decodeUrl($states.input.u)", `{"u": "%E0%A4%A"}`},
		{"{'a': $states.input.o.%}", `{"o": {"p": 1}}`},
		{"($f := function($n){$n < 2 ? $n : $f($n-1) + $f($n-2)}; $f(10))", `null`},
		{"$eval('1')", `[]`},
		{"$states.input ~> $map(function($v){$v * 2})", `[1, 2, 3]`},
		{"$string($states.input)", `{"b": 1e300, "a": -0.0}`},
		{"/* c */ $states.input.`a b`", `{"a b": "x"}`},
	} {
		f.Add(s.expr, s.input)
	}
	f.Fuzz(func(t *testing.T, expr, input string) {
		in, err := value.DecodeString(input)
		if err != nil {
			in = input
		}
		st := value.NewObject(2)
		st.Append("input", in)
		st.Append("context", value.NewObject(0))
		env := &Env{States: st, Runtime: newRuntime(), Variables: func(name string) (any, bool) {
			return in, name == "v"
		}}
		x, err := Compile(expr)
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("Compile(%q): error of type %T: %v", expr, err, err)
			}
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		v, err := x.Eval(ctx, env)
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("Eval(%q): error of type %T: %v", expr, err, err)
			}
			return
		}
		value.Encode(v)
		if tp, err := ParseTemplate(value.Clone(in)); err == nil {
			_, _ = tp.Eval(ctx, env)
		}
	})
}
