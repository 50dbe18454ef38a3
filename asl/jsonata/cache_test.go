package jsonata

import (
	"context"
	"testing"
	"time"

	"github.com/stepwise/stepwise/asl/value"
)

// TestCacheAcrossEnvs checks that a Cache shared by the Envs of several
// evaluations converts an input once and still gives each evaluation its
// own input, its own $states members and its own variables.
func TestCacheAcrossEnvs(t *testing.T) {
	var c Cache
	eval := func(expr string, states *value.Object, vars map[string]any) any {
		t.Helper()
		e, err := Compile(expr)
		if err != nil {
			t.Fatal(err)
		}
		env := &Env{States: states, Cache: &c, Variables: func(n string) (any, bool) { v, ok := vars[n]; return v, ok }}
		v, err := e.Eval(context.Background(), env)
		if err != nil {
			t.Fatalf("%s: %v", expr, err)
		}
		return v
	}
	statesOf := func(in any, extra ...any) *value.Object {
		o := value.NewObject(2)
		o.Append("input", in)
		for i := 0; i+1 < len(extra); i += 2 {
			o.Append(extra[i].(string), extra[i+1])
		}
		return o
	}
	in1 := mustDecode(t, `{"n":1,"tags":["a"]}`)
	// gnata's path (the fast path converts nothing: $sum keeps these on
	// gnata's).
	if v := eval(`$sum([$states.input.n, $k])`, statesOf(in1), map[string]any{"k": int64(1)}); !value.Equal(v, int64(2)) {
		t.Errorf("first: %v", v)
	}
	first := c.objs[0].conv
	if v := eval(`$sum([$states.input.n]) * 10`, statesOf(in1), nil); !value.Equal(v, int64(10)) {
		t.Errorf("same input: %v", v)
	}
	if c.objs[0].conv != first {
		t.Error("the same input was converted again")
	}
	// Another input, a result beside it, and a variable no longer bound.
	in2 := mustDecode(t, `{"n":5}`)
	if v := eval(`$states.input.n + $states.result.r`, statesOf(in2, "result", mustDecode(t, `{"r":3}`)), nil); !value.Equal(v, int64(8)) {
		t.Errorf("second input with result: %v", v)
	}
	if v := eval(`$exists($k)`, statesOf(in2), nil); !value.Equal(v, false) {
		t.Errorf("a variable of an earlier evaluation is still bound: %v", v)
	}
	if v := eval(`$states.input`, statesOf(in2), nil); value.EncodeString(v) != `{"n":5}` {
		t.Errorf("whole input: %s", value.EncodeString(v))
	}

	// An object an expression produced is kept in its evaluator form and
	// read as the next input without converting; one built from a path
	// of several values reads as the array it is.
	out := eval(`{'a': $states.input.n + 1, 'l': $append([1], 2.5)}`, statesOf(in2), nil)
	if _, ok := out.(*value.Object); !ok || c.objs[1-c.next].obj != out {
		t.Fatalf("result %s not remembered", value.EncodeString(out))
	}
	if v := eval(`$states.input.a * 2 + $sum($states.input.l)`, statesOf(out), nil); !value.Equal(v, 15.5) {
		t.Errorf("remembered output read as input: %v", v)
	}
	seqOut := eval(`{'s': $states.input.tags.name}`, statesOf(mustDecode(t, `{"tags":[{"name":"x"},{"name":"y"}]}`)), nil)
	if v := eval(`$count($states.input.s) & $states.input.s[0]`, statesOf(seqOut), nil); !value.Equal(v, "2x") {
		t.Errorf("sequence result read as input: %v", v)
	}
}

func TestReadsStatesMember(t *testing.T) {
	cases := []struct {
		v    string
		want bool
	}{
		{`"{% $states.context.Execution.Id %}"`, true},
		{`{"a":["x","{% $keys($states) %}"]}`, true},
		{`{"a":"{% $states.input.context %}"}`, false},
		{`"$states.context"`, false},
		{`{"a":"{% $states.input %}","b":1}`, false},
	}
	for _, c := range cases {
		if got := ReadsStatesMember(mustDecode(t, c.v), "context"); got != c.want {
			t.Errorf("%s: %v, want %v", c.v, got, c.want)
		}
	}
}

// TestEnvReset checks that an Env reset between evaluations forgets the
// variables and $states members gnata's path converted, and the
// evaluation time.
func TestEnvReset(t *testing.T) {
	n := int64(1)
	rt := newRuntime()
	env := &Env{Runtime: rt, Variables: func(name string) (any, bool) { return n, name == "v" }}
	statesOf := func(in string) *value.Object {
		o := value.NewObject(1)
		o.Append("input", mustDecode(t, in))
		return o
	}
	env.States = statesOf(`{"a": 1}`)
	for _, c := range []struct{ expr, want string }{
		{"$sum([$v])", "1"},
		{"$keys($states.input)", `"a"`},
		{"$millis()", "1704164645678"},
	} {
		if got := evalJSON(t, c.expr, env); got != c.want {
			t.Fatalf("%s = %s, want %s", c.expr, got, c.want)
		}
	}
	n = 2
	rt.now = rt.now.Add(time.Second)
	env.Reset()
	env.States = statesOf(`{"b": 1}`)
	for _, c := range []struct{ expr, want string }{
		{"$sum([$v])", "2"},
		{"$keys($states.input)", `"b"`},
		{"$millis()", "1704164646678"},
	} {
		if got := evalJSON(t, c.expr, env); got != c.want {
			t.Errorf("after Reset: %s = %s, want %s", c.expr, got, c.want)
		}
	}
}
