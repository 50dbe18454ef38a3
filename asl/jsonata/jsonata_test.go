package jsonata

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stepwise/stepwise/asl/value"
)

// testRuntime is a Runtime with a fixed clock, a counter for random
// numbers and numbered UUIDs, so tests see what the adapter asked for.
type testRuntime struct {
	now     time.Time
	randoms atomic.Int64
	uuids   atomic.Int64
	clocks  atomic.Int64
}

func newRuntime() *testRuntime {
	return &testRuntime{now: time.Date(2024, 1, 2, 3, 4, 5, 678901234, time.UTC)}
}

func (r *testRuntime) Now() time.Time { r.clocks.Add(1); return r.now }
func (r *testRuntime) Random() float64 {
	n := r.randoms.Add(1)
	return float64(n) / 8
}
func (r *testRuntime) UUID() string {
	n := r.uuids.Add(1)
	return "00000000-0000-4000-8000-00000000000" + string(rune('0'+n%10))
}

func mustDecode(t testing.TB, s string) any {
	t.Helper()
	v, err := value.DecodeString(s)
	if err != nil {
		t.Fatalf("decode %s: %v", s, err)
	}
	return v
}

// statesEnv is an Env whose $states.input is the JSON text input.
func statesEnv(t testing.TB, input string) *Env {
	t.Helper()
	st := value.NewObject(2)
	st.Append("input", mustDecode(t, input))
	st.Append("context", mustDecode(t, `{"Execution":{"Id":"arn:x","Name":"n"},"State":{"Name":"S"}}`))
	return &Env{States: st, Runtime: newRuntime()}
}

func eval(t testing.TB, expr string, env *Env) (any, error) {
	t.Helper()
	e, err := Compile(expr)
	if err != nil {
		t.Fatalf("Compile(%q): %v", expr, err)
	}
	return e.Eval(context.Background(), env)
}

// evalJSON evaluates expr and returns the result's JSON text.
func evalJSON(t testing.TB, expr string, env *Env) string {
	t.Helper()
	v, err := eval(t, expr, env)
	if err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	return string(value.Encode(v))
}

func evalErr(t testing.TB, expr string, env *Env) *Error {
	t.Helper()
	v, err := eval(t, expr, env)
	var je *Error
	if !errors.As(err, &je) {
		t.Fatalf("%s: want an *Error, got %v (%v)", expr, v, err)
	}
	return je
}

func TestResults(t *testing.T) {
	env := statesEnv(t, `{"x": 1, "price": 2.50, "one": 1.0, "o": {"z": 1, "a": [true, null, "s"]}, "big": 1152921504606846976}`)
	for _, c := range []struct{ expr, want string }{
		{"$states.input.x + 1", "2"},
		// jsonata-js number printing: 2.50 is 2.5, 1.0 is 1.
		{"$states.input.price", "2.5"},
		{"$states.input.one", "1"},
		{"$states.input.price * 2", "5"},
		{"0.1 + 0.2", "0.30000000000000004"},
		{"-0", "0"},
		// From 2^53 on, integers have JavaScript's digits.
		{"$states.input.big", "1152921504606847000"},
		// Key order is kept both ways.
		{"$states.input.o", `{"z":1,"a":[true,null,"s"]}`},
		{"$keys($states.input.o)", `["z","a"]`},
		{"{'b': 1, 'a': 2}", `{"b":1,"a":2}`},
		{"$merge([{'b': 1}, {'a': 2}])", `{"b":1,"a":2}`},
		// An undefined member of a constructed object is left out.
		{"{'a': $nothing, 'b': 1}", `{"b":1}`},
		{"null", "null"},
		{"[]", "[]"},
		{"[1, 'two', 3]", `[1,"two",3]`},
		{"$states.context.State.Name", `"S"`},
		// AWS-recorded (evaluate_jsonata regular expressions, escape sequences).
		{`$contains("hello$world", /^hello\ /)`, "false"},
		{`$contains('hello$world', /^hello\$/)`, "true"},
		{`$number('2')`, "2"},
		// jsonata-js's full Unicode case mapping and -0 (recorded from
		// jsonata-js 2.0.6).
		{`$uppercase("straße")`, `"STRASSE"`},
		{`$uppercase("ﬁx")`, `"FIX"`},
		{`$lowercase("ΟΔΟΣ")`, `"οδος"`},
		{`$lowercase("İ")`, `"i̇"`},
		{`$string(0 * -1)`, `"0"`},
		{`$string(2.50)`, `"2.5"`},
		{`$string(1e21)`, `"1e+21"`},
		{`$string(1.5e-7)`, `"1.5e-7"`},
		{`$each({'a': 'x'}, $uppercase)`, `"X"`},
		// $string prints to 15 digits, $number takes only JSON-like numbers
		// and 0x/0o/0b literals (jsonata-js 2.0.6).
		{`$string(123456789012345678)`, `"123456789012346000"`},
		{`$string(1/3)`, `"0.333333333333333"`},
		{`$number("0x10")`, "16"},
		{`$number("1e3")`, "1000"},
		// $string of objects and arrays: JSON.stringify with numbers to 15
		// digits (recorded from jsonata-js 2.0.6).
		{`$string([123456789012345678, -0, 1/3])`, `"[123456789012346000,0,0.333333333333333]"`},
		{`$string({"a": 0.1 + 0.2, "b": "x\n\"y\"é", "c": null, "d": [true, {}], "e": []})`, `"{\"a\":0.3,\"b\":\"x\\n\\\"y\\\"é\",\"c\":null,\"d\":[true,{}],\"e\":[]}"`},
		{`$string({"a": [1, {"b": 2}], "c": {}}, true)`, `"{\n  \"a\": [\n    1,\n    {\n      \"b\": 2\n    }\n  ],\n  \"c\": {}\n}"`},
		{`$string({"f": function(){1}, "g": $uppercase})`, `"{\"f\":\"\",\"g\":\"\"}"`},
		// $distinct keeps an array an array; $match's objects are
		// {match, index, groups}.
		{`$distinct([1, 1])`, "[1]"},
		{`$distinct([[1], [1]])`, "[[1]]"},
		{`$distinct([{"a": 1}, {"a": 1}, 2])`, `[{"a":1},2]`},
		{`$match("abab", /a(b)/)`, `[{"match":"ab","index":0,"groups":["b"]},{"match":"ab","index":2,"groups":["b"]}]`},
		{`$match("ab", /b/).index`, "1"},
		{`$toMillis("2023-11")`, "1698796800000"},
		{`$toMillis("2023-11-14")`, "1699920000000"},
		{`$clone({"b": [1, {"c": 2}], "a": null})`, `{"b":[1,{"c":2}],"a":null}`},
	} {
		if got := evalJSON(t, c.expr, env); got != c.want {
			t.Errorf("%s = %s, want %s", c.expr, got, c.want)
		}
	}
}

func TestVariables(t *testing.T) {
	lookups := map[string]int{}
	vars := map[string]any{
		"var_constant_1": int64(1),
		"varname":        mustDecode(t, `{"varfield": "x", "n": 2.0}`),
		"range":          "shadowed",
	}
	env := statesEnv(t, `{"input_values": [1, 2, 3]}`)
	env.Variables = func(name string) (any, bool) {
		lookups[name]++
		v, ok := vars[name]
		return v, ok
	}
	for _, c := range []struct{ expr, want string }{
		{"$sum($states.input.input_values) + $var_constant_1", "7"},
		{"$varname.varfield", `"x"`},
		{"$varname", `{"varfield":"x","n":2}`},
		// A variable wins over a function of the same name, as bindings
		// shadow the environment in jsonata-js.
		{"$range", `"shadowed"`},
		// A local binding shadows a state machine variable.
		{"($varname := 5; $varname)", "5"},
	} {
		if got := evalJSON(t, c.expr, env); got != c.want {
			t.Errorf("%s = %s, want %s", c.expr, got, c.want)
		}
	}
	// gnata's path converts each variable once per Env, however many
	// expressions read it; the fast path reads it as it is, converting
	// nothing ($varname.varfield and $varname take it). Names never
	// written are never looked up.
	if lookups["varname"] != 3 {
		t.Errorf("varname looked up %d times, want 3 (twice by the fast path, once by gnata's)", lookups["varname"])
	}
	if _, ok := lookups["nothing"]; ok {
		t.Error("a name absent from every expression was looked up")
	}
	if e := evalErr(t, "$undefinedVar", env); e.Kind != KindUndefined {
		t.Errorf("undefined variable: kind %v", e.Kind)
	}
}

func TestStatesMembers(t *testing.T) {
	st := value.NewObject(4)
	st.Append("input", mustDecode(t, `{"a": 1}`))
	st.Append("context", mustDecode(t, `{"Execution": {"Id": "e"}}`))
	st.Append("result", mustDecode(t, `{"Payload": {"status": "completed"}}`))
	st.Append("errorOutput", mustDecode(t, `{"Error": "E", "Cause": "c"}`))
	env := &Env{States: st}
	for _, c := range []struct{ expr, want string }{
		{"$states.result.Payload.status", `"completed"`},
		{"$states.errorOutput", `{"Error":"E","Cause":"c"}`},
		{"$states . input . a", "1"},
		{"$keys($states)", `["input","context","result","errorOutput"]`},
		{"$states.`input`.a", "1"},
		{"($s := $states; $s.context.Execution.Id)", `"e"`},
		{"$states.input", `{"a":1}`},
	} {
		if got := evalJSON(t, c.expr, env); got != c.want {
			t.Errorf("%s = %s, want %s", c.expr, got, c.want)
		}
	}
	if e := evalErr(t, "$states", &Env{}); e.Kind != KindUndefined {
		t.Errorf("$states with no States: kind %v, want undefined", e.Kind)
	}
}

func TestAWSFunctions(t *testing.T) {
	env := statesEnv(t, `{}`)
	for _, c := range []struct{ expr, want string }{
		// $partition never unwraps (AWS-recorded: array_partition cases).
		{"$partition([0], 1)", "[[0]]"},
		{"$partition([0], 4)", "[[0]]"},
		{"$partition([0, 1, 2], 2)", "[[0,1],[2]]"},
		{"$partition([0, 1, 2, 3], 3)", "[[0,1,2],[3]]"},
		{"$partition([], 2)", "[]"},
		// $range includes the end; a single item unwraps (array_range cases).
		{"$range(0, 9, 3)", "[0,3,6,9]"},
		{"$range(0, 10, 3)", "[0,3,6,9]"},
		{"$range(1, 9, 9)", "1"},
		{"$range(1, 9, 2)", "[1,3,5,7,9]"},
		{"$range(10, 0, -5)", "[10,5,0]"},
		// $parse (json_manipulation parse cases).
		{`$parse("-0")`, "0"},
		{`$parse("1")`, "1"},
		{`$parse("1.1")`, "1.1"},
		{`$parse("true")`, "true"},
		{`$parse("[1, 2, \"HelloWorld\"]")`, `[1,2,"HelloWorld"]`},
		{`$parse("{\"Arg1\": 1, \"Arg2\": []}")`, `{"Arg1":1,"Arg2":[]}`},
		// $hash: the hex digest of each algorithm.
		{"$hash('abc', 'MD5')", `"900150983cd24fb0d6963f7d28e17f72"`},
		{"$hash('abc', 'SHA-1')", `"a9993e364706816aba3e25717850c26c9cd0d89d"`},
		{"$hash('abc', 'SHA-256')", `"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"`},
		{"$hash('abc', 'SHA-384')", `"cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7"`},
		{"$hash('abc', 'SHA-512')", `"ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"`},
		// $random and $uuid come from the Runtime.
		{"$random()", "0.125"},
		// Seeded, it is java.util.Random's nextDouble, as on AWS.
		{"$random(42)", "0.7275636800328681"},
		{"$random(0)", "0.730967787376657"},
		{"$hash('input', 'SHA-1')", `"140f86aae51ab9e1cda9b4254fe98a74eb54c1a1"`},
		{"$uuid()", `"00000000-0000-4000-8000-000000000001"`},
		// $now is the Runtime's time to the millisecond, one per evaluation.
		{"$now()", `"2024-01-02T03:04:05.678Z"`},
		{"$millis()", "1704164645678"},
		{"$now() = $now()", "true"},
		{"$now('[Y0001]-[M01]')", `"2024-01"`},
		{"$fromMillis($millis())", `"2024-01-02T03:04:05.678Z"`},
	} {
		if got := evalJSON(t, c.expr, env); got != c.want {
			t.Errorf("%s = %s, want %s", c.expr, got, c.want)
		}
	}

	// A seeded $random depends on the seed alone.
	a := evalJSON(t, "$random(42)", env)
	b := evalJSON(t, "$random(42)", statesEnv(t, `{}`))
	c := evalJSON(t, "$random(43)", env)
	if a != b || a == c {
		t.Errorf("$random(42) = %s and %s, $random(43) = %s: want the same per seed, different across", a, b, c)
	}
	if v, _ := value.ToFloat(mustDecode(t, a)); v < 0 || v >= 1 {
		t.Errorf("$random(42) = %s, not in [0, 1)", a)
	}
	// The clock is read once per Env.
	rt := env.Runtime.(*testRuntime)
	if n := rt.clocks.Load(); n != 1 {
		t.Errorf("clock read %d times, want 1", n)
	}

	for _, c := range []struct{ expr, code, msg string }{
		{"$hash('abc', 'SHA-3')", "D3137", "The hashing algorithm 'SHA-3' is not supported. Supported algorithms: MD5, SHA-1, SHA-256, SHA-384, SHA-512"},
		{"$hash(1, 'MD5')", "T0410", `Argument 1 of function "hash" does not match function signature`},
		{"$partition([1], 0)", "T0410", `Argument 2 of function "partition" does not match function signature`},
		{"$range(1, 2)", "T0410", `Argument 3 of function "range" does not match function signature`},
		{"$range(1, 2, 0)", "T0410", `Argument 3 of function "range" does not match function signature`},
		{"$parse('{')", "D3137", ""},
		{"$uuid(1)", "T0410", `Argument 1 of function "uuid" does not match function signature`},
	} {
		e := evalErr(t, c.expr, env)
		if e.Kind != KindEvaluation || e.Code != c.code || (c.msg != "" && e.Message != c.msg) {
			t.Errorf("%s: got %v %s: %s, want %s: %s", c.expr, e.Kind, e.Code, e.Message, c.code, c.msg)
		}
	}

	// Without a Runtime, the functions that need one fail instead of
	// inventing values.
	for _, expr := range []string{"$now()", "$millis()", "$random()", "$uuid()"} {
		if e := evalErr(t, expr, &Env{}); e.Kind != KindEvaluation {
			t.Errorf("%s without a Runtime: kind %v", expr, e.Kind)
		}
	}
}

func TestEvaluationErrors(t *testing.T) {
	env := statesEnv(t, `{"FunctionInput": {"fst": "fst"}}`)
	for _, c := range []struct{ expr, code, msg string }{
		// AWS removes $eval.
		{"$eval('1 + 1')", "T1006", "Attempted to invoke a non-function"},
		// AWS-recorded (math_random_seeded).
		{"$randomSeeded($states.input.FunctionInput.fst)", "T1006", "Attempted to invoke a non-function"},
		{"1 + 'a'", "T2002", `The right side of the "+" operator must evaluate to a number`},
		{"'a' * 1", "T2001", `The left side of the "*" operator must evaluate to a number`},
		{"null - 1", "T2001", `The left side of the "-" operator must evaluate to a number`},
		{"$decodeUrl('%E0%A4%A')", "D3140", `Malformed URL passed to $decodeUrl(): "%E0%A4%A"`},
		{"$decodeUrlComponent('%E0%A4%A')", "D3140", `Malformed URL passed to $decodeUrlComponent(): "%E0%A4%A"`},
		{"$substring(1)", "T0410", `Argument 2 of function "substring" does not match function signature`},
		{"$uppercase(1)", "T0410", `Argument 1 of function "uppercase" does not match function signature`},
		{"$uppercase('a', 'b')", "T0410", `Argument 2 of function "uppercase" does not match function signature`},
		{"$error()", "D3137", "$error() function evaluated"},
		{"$error('boom')", "D3137", "boom"},
		{"$assert(false)", "D3141", "$assert() statement failed"},
		{"$number('x')", "D3030", `Unable to cast value to a number: "x"`},
		{"$number(' 12 ')", "D3030", `Unable to cast value to a number: " 12 "`},
		{"$number('')", "D3030", `Unable to cast value to a number: ""`},
		{"{'a': 1, 'a': 2}", "D1009", `Multiple key definitions evaluate to same key: "a"`},
		{"[1..2000000000]", "D2014", ""},
		{"foo()", "T1006", "Attempted to invoke a non-function"},
		// gnata's own functions are not jsonata-js 2.0.6's.
		{"$values({'a': 1})", "T1006", "Attempted to invoke a non-function"},
		{"$flatten([[1]])", "T1006", "Attempted to invoke a non-function"},
	} {
		e := evalErr(t, c.expr, env)
		if e.Kind != KindEvaluation || e.Code != c.code || (c.msg != "" && e.Message != c.msg) {
			t.Errorf("%s: got %v %s: %s, want %s: %s", c.expr, e.Kind, e.Code, e.Message, c.code, c.msg)
		}
	}
	if got := evalJSON(t, "$decodeUrl('%3Fa%20b')", env); got != `"%3Fa b"` {
		t.Errorf("$decodeUrl keeps reserved escapes as decodeURI does: got %s", got)
	}
	if got := evalJSON(t, "$decodeUrlComponent('%3Fa%20b%E2%82%AC')", env); got != `"?a b€"` {
		t.Errorf("$decodeUrlComponent: got %s", got)
	}

	e := evalErr(t, "$fn := function($x){$x}", env)
	if e.Kind != KindUnsupported {
		t.Errorf("function result: kind %v, want unsupported", e.Kind)
	}
	if e := evalErr(t, "[1, $uppercase]", env); e.Kind != KindUnsupported {
		t.Errorf("function inside a result: kind %v, want unsupported", e.Kind)
	}

	// A cancelled context stops evaluation with an error, not a hang.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	x, err := Compile("$count([1..1000000].($ * 2))")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := x.Eval(ctx, env); err == nil {
		t.Error("evaluation under a cancelled context succeeded")
	}
}

// TestSyntaxErrors compares Compile's errors with jsonata-js 2.0.6's, as
// recorded from it (jsonata(expr) in node).
func TestSyntaxErrors(t *testing.T) {
	for _, c := range []struct{ expr, code, msg string }{
		{"", "S0207", "Unexpected end of expression"},
		{"$states.input.", "S0207", "Unexpected end of expression"},
		{"$x :=", "S0207", "Unexpected end of expression"},
		{"{'a': }", "S0211", `The symbol "}" cannot be used as a unary operator`},
		{"$foo(", "S0203", `Expected ")" before end of expression`},
		{"'a' 'b'", "S0201", `Syntax error: "b"`},
		{"$states.input[", "S0203", `Expected "]" before end of expression`},
		{"1 = = 2", "S0211", `The symbol "=" cannot be used as a unary operator`},
		{"(1; 2", "S0203", `Expected ")" before end of expression`},
		{"[1, 2", "S0203", `Expected "]" before end of expression`},
		{"{'a': 1", "S0203", `Expected "}" before end of expression`},
		{`"abc`, "S0101", "String literal must be terminated by a matching quote"},
		{"$states.input.`a", "S0105", "Quoted property name must be terminated with a backquote (`)"},
		{"1 +", "S0207", "Unexpected end of expression"},
		{"/* c", "S0106", "Comment has no closing tag"},
		{"a ? b :", "S0207", "Unexpected end of expression"},
		{"[1..]", "S0211", `The symbol "]" cannot be used as a unary operator`},
		{"$states.input.{", "S0203", `Expected ":" before end of expression`},
		{"%%", "S0207", "Unexpected end of expression"},
		{"1 ~> ", "S0207", "Unexpected end of expression"},
		{`'\q'`, "S0103", `Unsupported escape sequence: \"q"`},
		{"$sum(1,", "S0203", `Expected ")" before end of expression`},
		{"1 and", "S0207", "Unexpected end of expression"},
		{"@", "S0211", `The symbol "@" cannot be used as a unary operator`},
		{")", "S0211", `The symbol ")" cannot be used as a unary operator`},
		{"]", "S0211", `The symbol "]" cannot be used as a unary operator`},
		{"}", "S0211", `The symbol "}" cannot be used as a unary operator`},
		{"{'a' 1}", "S0202", `Expected ":", got 1`},
		{"(", "S0203", `Expected ")" before end of expression`},
		// JSONata 2.1's ?: and ?? are not jsonata-js 2.0.6's.
		{`false ?: "default"`, "S0211", `The symbol ":" cannot be used as a unary operator`},
		{`null ?? "d"`, "S0211", `The symbol "?" cannot be used as a unary operator`},
		{`$x?:1`, "S0211", `The symbol ":" cannot be used as a unary operator`},
		{"2 ** 3", "S0201", `Syntax error: "**"`},
		{"$x**2", "S0201", `Syntax error: "**"`},
		{"(1)**2", "S0201", `Syntax error: "**"`},
		{"{", "S0203", `Expected ":" before end of expression`},
		// Nesting beyond what the evaluator handles in reasonable time.
		{strings.Repeat("(", 501) + "1" + strings.Repeat(")", 501), "", "The expression nests brackets 501 deep; at most 500 levels are supported"},
	} {
		_, err := Compile(c.expr)
		var e *Error
		if !errors.As(err, &e) || e.Kind != KindSyntax || e.Code != c.code || e.Message != c.msg {
			t.Errorf("Compile(%q) = %v, want %s: %s", c.expr, err, c.code, c.msg)
		}
	}
	for _, s := range []string{
		strings.Repeat("[", 500) + "1" + strings.Repeat("]", 500),
		"'" + strings.Repeat("(", 600) + "'",
		"/* " + strings.Repeat("{", 600) + " */ 1",
		// ?: and ?? inside strings, comments and regular expressions.
		`$match("ab", /(?:a)b??/)`, `'a ?? b' & "?:"`, "/* ?? */ 1", "$x ? 1 : 2", "4 / 2 ? 1 : 0",
		"function($a, $b)<s?:s>{$a}", "λ($a) <a<s>s?:s> {$a}",
		"$states.input.**.b", "**.b", "2 * 3",
	} {
		if _, err := Compile(s); err != nil {
			t.Errorf("Compile of %d bytes: %v", len(s), err)
		}
	}
}

// TestCauses checks the rendered causes against AWS's recorded texts
// (../shared/conformance: assign, states_variables, map Items cases).
func TestCauses(t *testing.T) {
	env := statesEnv(t, `{}`)
	cause := func(expr, field string) string {
		t.Helper()
		return evalErr(t, expr, env).Cause(field)
	}
	for _, c := range []struct{ got, want string }{
		{cause("$doesNotExist", "Arguments"), "The JSONata expression '$doesNotExist' specified for the field 'Arguments' returned nothing (undefined)."},
		{cause("$fn := function($x){$x}", "Items"), "The JSONata expression '$fn := function($x){$x}' specified for the field 'Items' returned an unsupported result type."},
		{cause("$randomSeeded($states.input.FunctionInput.fst)", "Output/FunctionResult"), "The JSONata expression '$randomSeeded($states.input.FunctionInput.fst)' specified for the field 'Output/FunctionResult' threw an error during evaluation. T1006: Attempted to invoke a non-function"},
		{NewTypeError("{'foo': 'bar'}", "", "array", mustDecode(t, `{"foo":"bar"}`)).Cause("Items"), `The JSONata expression '{'foo': 'bar'}' specified for the field 'Items' returned an unexpected result type. Expected 'array', but was 'object' for value: {"foo":"bar"}`},
		{NewTypeError("$ItemsVar", "", "array", "string").Cause("Items"), `The JSONata expression '$ItemsVar' specified for the field 'Items' returned an unexpected result type. Expected 'array', but was 'string' for value: "string"`},
		{NewTypeError("null", "", "array", nil).Cause("Items"), `The JSONata expression 'null' specified for the field 'Items' returned an unexpected result type. Expected 'array', but was 'null' for value: null`},
	} {
		if c.got != c.want {
			t.Errorf("cause\n got %s\nwant %s", c.got, c.want)
		}
	}
}

func TestTemplate(t *testing.T) {
	if _, ok := Expression(" {% states.input %} "); ok {
		t.Error("spaces outside the braces must make the string literal")
	}
	for s, want := range map[string]string{"{% $x %}": "$x", "{%$x%}": "$x", "{%\n  1 + 1\n%}": "1 + 1"} {
		if got, ok := Expression(s); !ok || got != want {
			t.Errorf("Expression(%q) = %q, %v; want %q", s, got, ok, want)
		}
	}
	for _, s := range []string{"$states.input", "{% 10 %", "10 %}", "{%}", "", "text {% $x %}"} {
		if _, ok := Expression(s); ok {
			t.Errorf("Expression(%q): want literal text", s)
		}
	}

	tmpl := mustDecode(t, `{
		"constant_not_jsonata": " {% states.input %} ",
		"constant_varpath_states": "$states.input",
		"sum": "{% $states.input.a + 1 %}",
		"nested": {"list": [0, "{% $states.input.a %}", {"k": "{% 'v' %}"}], "null": null},
		"whole": "{% $states.input %}"
	}`)
	if !HasExpression(tmpl) || HasExpression(mustDecode(t, `{"a": [" {% x %}", "$x"]}`)) {
		t.Error("HasExpression")
	}
	tp, err := ParseTemplate(tmpl)
	if err != nil {
		t.Fatal(err)
	}
	got, err := tp.Eval(context.Background(), statesEnv(t, `{"a": 41}`))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"constant_not_jsonata":" {% states.input %} ","constant_varpath_states":"$states.input","sum":42,"nested":{"list":[0,41,{"k":"v"}],"null":null},"whole":{"a":41}}`
	if s := string(value.Encode(got)); s != want {
		t.Errorf("template:\n got %s\nwant %s", s, want)
	}

	// Undefined anywhere fails, naming the path within the field.
	tp, err = ParseTemplate(mustDecode(t, `{"a": {"list": [1, "{% $stateError %}"]}}`))
	if err != nil {
		t.Fatal(err)
	}
	_, err = tp.Eval(context.Background(), statesEnv(t, `{}`))
	var e *Error
	if !errors.As(err, &e) || e.Kind != KindUndefined || e.Path != "a/list[1]" {
		t.Fatalf("nested undefined: %v", err)
	}
	if c := e.Cause("Output"); c != "The JSONata expression '$stateError' specified for the field 'Output/a/list[1]' returned nothing (undefined)." {
		t.Errorf("cause %s", c)
	}
	tp, _ = ParseTemplate([]any{"x", "{% $nothing %}"})
	if _, err := tp.Eval(context.Background(), nil); !errors.As(err, &e) || e.Field("Output") != "Output[1]" {
		t.Errorf("undefined in a top-level array: %v", err)
	}

	// A syntax error names its path.
	_, err = ParseTemplate(mustDecode(t, `{"ok": "{% 1 %}", "bad": {"x": "{% 1 + %}"}}`))
	if !errors.As(err, &e) || e.Kind != KindSyntax || e.Path != "bad/x" || e.Expr != "1 +" || e.Code != "S0207" {
		t.Fatalf("syntax error in a template: %#v", err)
	}

	// A constant template returns its value.
	c := mustDecode(t, `{"a": [1, "x"]}`)
	tp, _ = ParseTemplate(c)
	if !tp.IsConstant() {
		t.Error("IsConstant")
	}
	if v, _ := tp.Eval(context.Background(), nil); v != c {
		t.Error("a constant template must return its value")
	}
	tp, _ = ParseTemplate("{% 1 %}")
	if tp.Expr() == nil || tp.Expr().String() != "1" {
		t.Error("Expr of a whole-expression template")
	}
}

func TestConcurrentEval(t *testing.T) {
	x, err := Compile("$states.input.n * 2")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan string, 8)
	for i := 0; i < 8; i++ {
		go func(i int) {
			env := statesEnv(t, `{"n": `+string(rune('0'+i))+`}`)
			v, err := x.Eval(context.Background(), env)
			if err != nil {
				done <- err.Error()
				return
			}
			if v != int64(2*i) {
				done <- "wrong result"
				return
			}
			done <- ""
		}(i)
	}
	for i := 0; i < 8; i++ {
		if msg := <-done; msg != "" {
			t.Error(msg)
		}
	}
}

func TestScanRefs(t *testing.T) {
	r := scanRefs("$states.input.a + $v1 + $states .context.x + $sum([$v1]) + '$lit' + $$ + $")
	if !r.states || r.statesAll || strings.Join(r.members, ",") != "input,context" {
		t.Errorf("states refs: %+v", r)
	}
	if strings.Join(r.names, ",") != "v1,sum,lit'" {
		t.Errorf("names: %q", r.names)
	}
	for _, s := range []string{"$states", "$states.*", "$states[0]", "$states.`input`", "$states.$x"} {
		if r := scanRefs(s); !r.statesAll {
			t.Errorf("%s: want all members", s)
		}
	}
}

// TestStatesCache evaluates several expressions against one Env, reading
// $states whole and by member in both orders.
func TestStatesCache(t *testing.T) {
	env := statesEnv(t, `{"a": 1}`)
	for _, c := range []struct{ expr, want string }{
		{"$states.context.State.Name", `"S"`},
		{"$keys($states)", `["input","context"]`},
		{"$states.input.a", "1"},
		{"$states.context.State.Name & $string($states.input.a)", `"S1"`},
		{"$states", `{"input":{"a":1},"context":{"Execution":{"Id":"arn:x","Name":"n"},"State":{"Name":"S"}}}`},
	} {
		if got := evalJSON(t, c.expr, env); got != c.want {
			t.Errorf("%s = %s, want %s", c.expr, got, c.want)
		}
	}
}
