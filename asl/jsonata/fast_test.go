package jsonata

import (
	"context"
	"errors"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/stepwise/stepwise/asl/value"
)

// sameOutcome compares the fast path's answer with gnata's: the same value
// (as JSON text, so key order and integer/float form count), or errors of
// the same kind, code and message. It returns "" when they agree.
func sameOutcome(fv any, ferr error, gv any, gerr error) string {
	if ferr != nil || gerr != nil {
		var fe, ge *Error
		if !errors.As(ferr, &fe) || !errors.As(gerr, &ge) {
			return "fast " + describe(fv, ferr) + ", gnata " + describe(gv, gerr)
		}
		if fe.Kind != ge.Kind || fe.Code != ge.Code || fe.Message != ge.Message || fe.Expr != ge.Expr {
			return "fast error " + fe.Error() + ", gnata error " + ge.Error()
		}
		return ""
	}
	if a, b := value.EncodeString(fv), value.EncodeString(gv); a != b {
		return "fast " + a + ", gnata " + b
	}
	return ""
}

// compareFast evaluates x by the fast path and by gnata, each with a fresh
// Env made by newEnv. It reports whether the fast path decided, and what
// differs.
func compareFast(x *Expr, newEnv func() *Env, data any, hasData bool) (bool, string) {
	fv, ferr := x.evalFast(newEnv(), data, hasData)
	if ferr == errFallback {
		return false, ""
	}
	gv, gerr := x.evalGnata(context.Background(), newEnv(), data, hasData)
	return true, sameOutcome(fv, ferr, gv, gerr)
}

// TestFastPathSuite runs every expression of jsonata-js's suite that the
// fast path accepts both ways (fast and gnata, with the case's data and
// bindings) and requires the same result or the same error.
func TestFastPathSuite(t *testing.T) {
	datasets := map[string]any{}
	files, _ := filepath.Glob(filepath.Join(suiteDir, "datasets", "*.json"))
	for _, f := range files {
		datasets[strings.TrimSuffix(filepath.Base(f), ".json")] = mustDecodeFile(t, f)
	}
	groups, err := filepath.Glob(filepath.Join(suiteDir, "groups", "*", "*.json"))
	if err != nil || len(groups) == 0 {
		t.Fatalf("no cases in %s: %v", suiteDir, err)
	}
	sort.Strings(groups)
	var total, accepted, decided int
	for _, f := range groups {
		for i, c := range readCases(t, f) {
			total++
			name := strings.TrimPrefix(f, suiteDir+"/groups/") + "#" + strconv.Itoa(i)
			expr := c.expr(t, filepath.Dir(f))
			x, err := Compile(expr)
			if err != nil || x.fast == nil {
				continue
			}
			accepted++
			data, hasData, err := c.input(datasets)
			if err != nil {
				t.Fatal(err)
			}
			var bindings *value.Object
			if len(c.Bindings) > 0 {
				b, err := value.Decode(c.Bindings)
				if err != nil {
					t.Fatal(err)
				}
				bindings, _ = b.(*value.Object)
			}
			newEnv := func() *Env {
				env := &Env{Runtime: suiteRuntime{}}
				if bindings != nil {
					env.Variables = bindings.Get
				}
				return env
			}
			ok, diff := compareFast(x, newEnv, data, hasData)
			if ok {
				decided++
			}
			if diff != "" {
				t.Errorf("%s: %s: %s", name, expr, diff)
			}
		}
	}
	t.Logf("fast path: %d of %d suite expressions accepted at Compile; %d decided by it with the case's data (the rest fell back to gnata at evaluation)", accepted, total, decided)
	if accepted < 190 {
		t.Errorf("only %d suite expressions take the fast path", accepted)
	}
}

// TestFastPathShapes checks which expressions the fast path takes at
// Compile: the shapes of state machines, and not the rest.
func TestFastPathShapes(t *testing.T) {
	for _, expr := range []string{
		"$states.input.n", "$states.input.n >= 5000", "$count", "$states.result.`a b`.c",
		"$states.context.Execution.Id", "-$v.x * (2 + 3) % 4", "'a' & \"b\" & 1",
		"$a = $b and $c != 1 or not", "$x ? 'yes' : 'no'", "$x ? 1",
		"[1, 'a', true, false, null, [$v]]", "{'a': 1, \"b\": {'c': $v.c}}",
		"$merge([$states.input, {'n': $v, 'tmp': {'v': $v}}])", "/* note */ 1.5e3 <= 2",
		"$", "$.a", "order.total",
	} {
		x, err := Compile(expr)
		if err != nil {
			t.Fatalf("%s: %v", expr, err)
		}
		if x.fast == nil {
			t.Errorf("%s: not taken by the fast path", expr)
		}
	}
	for _, expr := range []string{
		"$sum($states.input.l)", "$states.input.l[0]", "$states.input.*", "$states.input.**.a",
		"$x := 1", "($a; $b)", "a in b", "1..3", "$states.input.l.(a + 1)", "{$k: 1}",
		"{'a': 1, 'a': 2}", "function($x){$x}", "$f(1)", "a ~> $f", "/re/", "$merge([1], 2)",
		"'\\uD83D\\uDE00'", "$states.input.a{'k': 1}", "$$.a", "a#$i", "a@$o", "%.a", "`a`(1)",
	} {
		x, err := Compile(expr)
		if err != nil {
			continue
		}
		if x.fast != nil {
			t.Errorf("%s: taken by the fast path", expr)
		}
	}
}

// TestFastPathValues checks results the fast path decides by itself
// (jsonata-js 2.0.6's answers), and that it hands errors to gnata.
func TestFastPathValues(t *testing.T) {
	env := statesEnv(t, `{"n": 4999, "f": 1.0, "s": "ab", "o": {"a": 1, "b": [2]}, "e": {}, "l": [], "z": null, "big": 9007199254740993}`)
	env.Variables = func(name string) (any, bool) {
		switch name {
		case "v":
			return int64(7), true
		case "sum":
			return "shadowed", true
		}
		return nil, false
	}
	for _, c := range []struct{ expr, want string }{
		{"$states.input.n + 1", "5000"},
		{"$states.input.n >= 5000", "false"},
		{"$states.input.f", "1"},                  // 1.0 prints as 1
		{"$states.input.big", "9007199254740992"}, // a double, as in JavaScript
		{"$states.input.n / 2", "2499.5"},
		{"-7 % 3", "-1"},
		{"$states.input.s & 1 & true & $nothing", `"ab1true"`},
		{"$states.input.s < 'b'", "true"},
		{"$states.input.o = {'b': [2], 'a': 1.0}", "true"},
		{"$states.input.o != {'a': 1}", "true"},
		{"$nothing = $nothing", "false"},
		{"$states.input.e ? 1 : $states.input.l ? 2 : $states.input.z ? 3 : 4", "4"},
		{"$states.input.o and $states.input.s", "true"},
		{"$nothing or 0", "false"},
		{"[$states.input.o.b, [$states.input.o.b], $nothing, 1]", "[2,[2],1]"},
		{"{'a': $nothing, 'b': $v}", `{"b":7}`},
		{"$merge([$states.input.o, {'a': $v, 'c': $nothing}, {'d': 0}])", `{"a":7,"b":[2],"d":0}`},
		{"$sum", `"shadowed"`},
		// A backquoted name is a field, even when it spells a keyword.
		{"[`true`, `and`, 1]", "[1]"},
	} {
		x, err := Compile(c.expr)
		if err != nil || x.fast == nil {
			t.Fatalf("%s: not on the fast path (%v)", c.expr, err)
		}
		v, err := x.evalFast(env, nil, false)
		if err != nil {
			t.Errorf("%s: %v", c.expr, err)
			continue
		}
		if got := value.EncodeString(v); got != c.want {
			t.Errorf("%s = %s, want %s", c.expr, got, c.want)
		}
	}
	for _, expr := range []string{
		"$states.input.s + 1", "1 - $states.input.o", "$states.input.s < 1", "$states.input.o > 1",
		"-$states.input.s", "1 / 0", "5 % 0", "$states.input.o.b.x", "$merge([1])", "$count",
		"$states.input.n & 0.5",
	} {
		x, err := Compile(expr)
		if err != nil || x.fast == nil {
			t.Fatalf("%s: not on the fast path (%v)", expr, err)
		}
		if _, err := x.evalFast(env, nil, false); err != errFallback {
			t.Errorf("%s: the fast path decided (%v), want gnata to", expr, err)
		}
	}
	// Through Eval, an error the fast path leaves to gnata has gnata's
	// code and message.
	if e := evalErr(t, "$states.input.s + 1", env); e.Code != "T2001" || e.Message != `The left side of the "+" operator must evaluate to a number` {
		t.Errorf("error %s: %s", e.Code, e.Message)
	}
	if e := evalErr(t, "$nothing", env); e.Kind != KindUndefined {
		t.Errorf("undefined: %v", e)
	}
}
