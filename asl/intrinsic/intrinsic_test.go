package intrinsic_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/stepwise/stepwise/asl/fault"
	"github.com/stepwise/stepwise/asl/intrinsic"
	"github.com/stepwise/stepwise/asl/value"
)

// fakeRandom is a deterministic source of randomness.
type fakeRandom struct{ n int64 }

func (r *fakeRandom) UUID() string { return "ca4c1140-dcc1-40cd-ad05-7b4aa23df4a8" }
func (r *fakeRandom) Int63() int64 { r.n += 7919; return r.n }

type vars map[string]any

func (v vars) Lookup(name string) (any, bool) { x, ok := v[name]; return x, ok }

func mustJSON(t testing.TB, s string) any {
	t.Helper()
	v, err := value.DecodeString(s)
	if err != nil {
		t.Fatalf("bad JSON %q: %v", s, err)
	}
	return v
}

func env(t testing.TB, input string) *intrinsic.Env {
	e := &intrinsic.Env{Random: &fakeRandom{}}
	e.Input = mustJSON(t, input)
	e.Context = mustJSON(t, `{"Execution":{"Name":"exec-1","Input":{"chunk":2}},"StateMachine":{"Id":"arn:aws:states:us-east-1:111111111111:stateMachine:a-b-c","Name":"a-b-c"}}`)
	e.Vars = vars{"greeting": "Hello {}!", "n": int64(3)}
	return e
}

func eval(t *testing.T, expr, input string) (any, error) {
	t.Helper()
	c, err := intrinsic.Parse(expr)
	if err != nil {
		t.Fatalf("Parse(%q): %v", expr, err)
	}
	return c.Eval(env(t, input))
}

// TestDocExamples runs the examples of AWS's "Intrinsic functions for
// JSONPath states" page, plus behaviour recorded on AWS.
func TestDocExamples(t *testing.T) {
	cases := []struct{ expr, input, want string }{
		// States.Format
		{`States.Format('Hello, my name is {}.', $.name)`, `{"name":"Arnav","template":"Hello, my name is {}."}`, `"Hello, my name is Arnav."`},
		{`States.Format($.template, $.name)`, `{"name":"Arnav","template":"Hello, my name is {}."}`, `"Hello, my name is Arnav."`},
		{`States.Format('Formatting arguments fst={} and snd={}.', $.a, $.b)`, `{"a":{"Arg1":1,"Arg2":[]},"b":null}`, `"Formatting arguments fst={Arg1=1, Arg2=[]} and snd=null."`},
		{`States.Format('{} {} {} {}', $.a, $.b, $.c, $.d)`, `{"a":1.1,"b":true,"c":[1,"x",2.0],"d":1e7}`, `"1.1 true [1, x, 2.0] 1.0E7"`},
		{`States.Format('\{\} \'{}\' \\', $.a)`, `{"a":"x"}`, `"{} 'x' \\"`},
		{`States.Format('no placeholders')`, `{}`, `"no placeholders"`},
		{`States.Format('a\{{}b\\{}c\x{}', $.a, $.a, $.a)`, `{"a":"x"}`, `"a{xb\\xc\\xx"`},
		{`States.Format($greeting, $n)`, `{}`, `"Hello 3!"`},
		// States.StringToJson / JsonToString
		{`States.StringToJson($.escapedJsonString)`, `{"escapedJsonString":"{\"foo\": \"bar\"}"}`, `{"foo":"bar"}`},
		{`States.JsonToString($.unescapedJson)`, `{"unescapedJson":{"foo":"bar"}}`, `"{\"foo\":\"bar\"}"`},
		{`States.JsonToString($.x)`, `{"x":{"b":1.0,"a":[1,2,"HelloWorld"],"c":null}}`, `"{\"b\":1.0,\"a\":[1,2,\"HelloWorld\"],\"c\":null}"`},
		{`States.StringToJson($.s)`, `{"s":"  "}`, `null`},
		{`States.StringToJson('{"a": [1, 2.5]}')`, `{}`, `{"a":[1,2.5]}`},
		// States.Array
		{`States.Array('Foo', 2020, $.someJson, null)`, `{"someJson":{"random":"abcdefg"}}`, `["Foo",2020,{"random":"abcdefg"},null]`},
		{`States.Array($.Id)`, `{"Id":123456}`, `[123456]`},
		{`States.Array()`, `{}`, `[]`},
		// States.ArrayPartition
		{`States.ArrayPartition($.inputArray,4)`, `{"inputArray":[1,2,3,4,5,6,7,8,9]}`, `[[1,2,3,4],[5,6,7,8],[9]]`},
		{`States.ArrayPartition($.a, 2.6)`, `{"a":[1,2,3,4,5]}`, `[[1,2],[3,4],[5]]`},
		{`States.ArrayPartition($.a, 2147483647)`, `{"a":[1,2,3]}`, `[[1,2,3]]`},
		{`States.ArrayPartition($.a, 9223372036854775807)`, `{"a":[1,2,3]}`, `[[1,2,3]]`},
		{`States.ArrayPartition($.a, 1e300)`, `{"a":[1,2,3]}`, `[[1,2,3]]`},
		{`States.ArrayPartition($.a, $$.Execution.Input.chunk)`, `{"a":[]}`, `[]`},
		// States.ArrayContains
		{`States.ArrayContains($.inputArray, $.lookingFor)`, `{"inputArray":[1,2,3,4,5,6,7,8,9],"lookingFor":5}`, `true`},
		{`States.ArrayContains($.a, $.b)`, `{"a":[{"1":2,"2":[]}],"b":{"2":[],"1":2}}`, `true`},
		{`States.ArrayContains($.a, $.b)`, `{"a":[{"1":2,"2":[]}],"b":[]}`, `false`},
		{`States.ArrayContains($.a, 1)`, `{"a":[1.0]}`, `false`},
		// States.ArrayRange
		{`States.ArrayRange(1, 9, 2)`, `{}`, `[1,3,5,7,9]`},
		{`States.ArrayRange(0, 10, 3)`, `{}`, `[0,3,6,9]`},
		{`States.ArrayRange(5, 1, -2)`, `{}`, `[5,3,1]`},
		{`States.ArrayRange(5, 1, 1)`, `{}`, `[]`},
		{`States.ArrayRange(3, 3, -1)`, `{}`, `[3]`},
		{`States.ArrayRange(1.4, 5.6, 2.2)`, `{}`, `[1,3,5]`},
		// States.ArrayGetItem / ArrayLength / ArrayUnique
		{`States.ArrayGetItem($.inputArray, $.index)`, `{"inputArray":[1,2,3,4,5,6,7,8,9],"index":5}`, `6`},
		{`States.ArrayLength($.inputArray)`, `{"inputArray":[1,2,3,4,5,6,7,8,9]}`, `9`},
		{`States.ArrayUnique($.inputArray)`, `{"inputArray":[1,2,3,3,3,3,3,3,4]}`, `[1,2,3,4]`},
		{`States.ArrayUnique($.a)`, `{"a":[null,null,true,1,1.0,1,{"a":1,"b":2},{"b":2,"a":1},[],[]]}`, `[null,true,1,1.0,{"a":1,"b":2},[]]`},
		// States.Base64Encode / Base64Decode
		{`States.Base64Encode($.input)`, `{"input":"Data to encode"}`, `"RGF0YSB0byBlbmNvZGU="`},
		{`States.Base64Decode($.base64)`, `{"base64":"RGF0YSB0byBlbmNvZGU="}`, `"Data to encode"`},
		{`States.Base64Decode('RGF0YSB0byBlbmNvZGU')`, `{}`, `"Data to encode"`},
		{`States.Base64Encode('')`, `{}`, `""`},
		// States.Hash
		{`States.Hash($.Data, $.Algorithm)`, `{"Data":"input data","Algorithm":"SHA-1"}`, `"aaff4a450a104cd177d28d18d74485e8cae074b7"`},
		{`States.Hash('input data', 'SHA-256')`, `{}`, `"b4a697a057313163aee33cd8d40c66e9f0f177e00cac2de32475ffff6169c3e3"`},
		{`States.Hash('hello', 'MD5')`, `{}`, `"5d41402abc4b2a76b9719d911017c592"`},
		{`States.Hash('hello', 'SHA-384')`, `{}`, `"59e1748777448c69de6b800d7a33bbfb9ff1b463e44354c3553bcdb9c666fa90125a3c79f90397bdf5f6a13de828684f"`},
		{`States.Hash('input data', 'SHA-512')`, `{}`, `"6ce4adb348546d4f449c4d25aad9a7c9cb711d9e91982d3f0b29ca2f3f47d4ce2deba23bf2954f0f1d593fc50283731a533d30d425402d4f91316d871303aac4"`},
		// States.JsonMerge
		{`States.JsonMerge($.json1, $.json2, false)`, `{"json1":{"a":{"a1":1,"a2":2},"b":2},"json2":{"a":{"a3":1,"a4":2},"c":3}}`, `{"a":{"a3":1,"a4":2},"b":2,"c":3}`},
		{`States.JsonMerge(States.StringToJson('{"constant_in_literal": "false"}'), $.f, false)`, `{"f":{"constant_input_field":"constant_value"}}`, `{"constant_input_field":"constant_value","constant_in_literal":"false"}`},
		// States.MathAdd
		{`States.MathAdd($.value1, $.step)`, `{"value1":111,"step":-1}`, `110`},
		{`States.MathAdd(-0.5, 0.5)`, `{}`, `1`},
		{`States.MathAdd(-1.51, 1.49)`, `{}`, `-1`},
		{`States.MathAdd(-3.5, 0)`, `{}`, `-3`},
		// States.StringSplit
		{`States.StringSplit($.inputString, $.splitter)`, `{"inputString":"1,2,3,4,5","splitter":","}`, `["1","2","3","4","5"]`},
		{`States.StringSplit($.inputString, $.splitter)`, `{"inputString":"This.is+a,test=string","splitter":".+,="}`, `["This","is","a","test","string"]`},
		{`States.StringSplit(', , ,', ',')`, `{}`, `[" "," "]`},
		{`States.StringSplit('', ',')`, `{}`, `[]`},
		// States.UUID
		{`States.UUID()`, `{}`, `"ca4c1140-dcc1-40cd-ad05-7b4aa23df4a8"`},
		// Nesting and paths
		{`States.ArrayGetItem(States.StringSplit($$.StateMachine.Name, '-'), States.MathAdd(States.ArrayLength(States.StringSplit($$.StateMachine.Name, '-')), -1))`, `{}`, `"c"`},
		{`States.Format('{}.{}.{}', States.ArrayGetItem(States.StringSplit(States.ArrayGetItem(States.StringSplit($.ImageRecipe.Arn, '/'), 2), '.'), 0), States.ArrayGetItem(States.StringSplit(States.ArrayGetItem(States.StringSplit($.ImageRecipe.Arn, '/'), 2), '.'), 1), States.ArrayGetItem(States.StringSplit(States.ArrayGetItem(States.StringSplit($.ImageRecipe.Arn, '/'), 2), '.'), 2))`,
			`{"ImageRecipe":{"Arn":"arn:aws:imagebuilder:us-east-1:123456789012:image-recipe/test-recipe/1.2.3"}}`, `"1.2.3"`},
		{`States.Array($.a[*].b)`, `{"a":[{"b":1},{"b":2}]}`, `[[1,2]]`},
		{` States.Array ( 1 , 'x' , true ) `, `{}`, `[1,"x",true]`},
		{`States.Array(-1.5e2, 0, 9223372036854775807)`, `{}`, `[-150.0,0,9223372036854775807]`},
	}
	for _, c := range cases {
		got, err := eval(t, c.expr, c.input)
		if err != nil {
			t.Errorf("%s: unexpected error %v", c.expr, err)
			continue
		}
		if g := value.EncodeString(got); g != value.EncodeString(mustJSON(t, c.want)) {
			t.Errorf("%s\n got %s\nwant %s", c.expr, g, c.want)
		}
	}
}

func TestMathRandom(t *testing.T) {
	for i := 0; i < 50; i++ {
		got, err := eval(t, `States.MathRandom($.start, $.end)`, `{"start":1,"end":999}`)
		if err != nil {
			t.Fatal(err)
		}
		n, ok := got.(int64)
		if !ok || n < 1 || n >= 999 {
			t.Fatalf("MathRandom(1, 999) = %v", got)
		}
	}
	a, err := eval(t, `States.MathRandom(1, 100, 42)`, `{}`)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := eval(t, `States.MathRandom(1, 100, 42)`, `{}`)
	if a != b {
		t.Errorf("seeded MathRandom differs: %v, %v", a, b)
	}
	// Seeded values follow java.util.Random: new Random(42).nextInt(99) is
	// 62 and new Random(7).nextInt(1000) is 236 (checked against a JVM).
	if a != int64(63) {
		t.Errorf("MathRandom(1, 100, 42) = %v, want 63 (java.util.Random)", a)
	}
	if v, _ := eval(t, `States.MathRandom(0, 1000, 7)`, `{}`); v != int64(236) {
		t.Errorf("MathRandom(0, 1000, 7) = %v, want 236 (java.util.Random)", v)
	}
	// The widest bounds accepted: Java's int range.
	if v, err := eval(t, `States.MathRandom(-2147483648, 2147483647, 3)`, `{}`); err != nil {
		t.Errorf("MathRandom over the int range: %v", err)
	} else if n := v.(int64); n < -2147483648 || n >= 2147483647 {
		t.Errorf("MathRandom over the int range = %d", n)
	}
	c, err := intrinsic.Parse(`States.MathRandom(1, 10)`)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Eval(&intrinsic.Env{}); err == nil {
		t.Error("MathRandom without a Random source: no error")
	}
}

func invalid(fn string) string { return "Invalid arguments in States." + fn }

func TestEvalErrors(t *testing.T) {
	cases := []struct{ expr, input, cause string }{
		{`States.Format('{} {}', $.a)`, `{"a":"x"}`, invalid("Format")},
		{`States.Format('{}', $.a, $.b)`, `{"a":"x","b":"y"}`, invalid("Format")},
		{`States.Format($.t, $.a)`, `{"t":123,"a":"x"}`, invalid("Format")},
		{`States.Format('Hello {', $.a)`, `{"a":"x"}`, invalid("Format")},
		{`States.Format('Hello {{}}', $.a)`, `{"a":"x"}`, invalid("Format")},
		{`States.Format('}')`, `{}`, invalid("Format")},
		{`States.Format()`, `{}`, invalid("Format")},
		{`States.StringToJson($.a)`, `{"a":"{not json"}`, invalid("StringToJson")},
		{`States.StringToJson($.a)`, `{"a":1}`, invalid("StringToJson")},
		{`States.JsonToString(1, 2)`, `{}`, invalid("JsonToString")},
		{`States.ArrayPartition($.a, 0.49)`, `{"a":[1]}`, invalid("ArrayPartition")},
		{`States.ArrayPartition($.a, -1)`, `{"a":[1]}`, invalid("ArrayPartition")},
		{`States.ArrayPartition('x', 2)`, `{}`, invalid("ArrayPartition")},
		{`States.ArrayPartition($.a, '2')`, `{"a":[1]}`, invalid("ArrayPartition")},
		{`States.ArrayPartition($.a, null)`, `{"a":[1]}`, invalid("ArrayPartition")},
		{`States.ArrayPartition($.a)`, `{"a":[1]}`, invalid("ArrayPartition")},
		{`States.ArrayContains('x', 1)`, `{}`, invalid("ArrayContains")},
		{`States.ArrayRange(1, 10, 0)`, `{}`, invalid("ArrayRange")},
		{`States.ArrayRange(1, 10, 0.49)`, `{}`, invalid("ArrayRange")},
		{`States.ArrayRange(1, 1001, 1)`, `{}`, invalid("ArrayRange")},
		{`States.ArrayRange(1001, 1, -1)`, `{}`, invalid("ArrayRange")},
		{`States.ArrayRange('a', 5, 1)`, `{}`, invalid("ArrayRange")},
		{`States.ArrayRange(1, 5)`, `{}`, invalid("ArrayRange")},
		{`States.ArrayGetItem($.a, 3)`, `{"a":[1,2,3]}`, invalid("ArrayGetItem")},
		{`States.ArrayGetItem($.a, -1)`, `{"a":[1,2,3]}`, invalid("ArrayGetItem")},
		{`States.ArrayLength($.a)`, `{"a":{}}`, invalid("ArrayLength")},
		{`States.ArrayUnique($.a)`, `{"a":"x"}`, invalid("ArrayUnique")},
		{`States.Base64Encode($.a)`, `{"a":1}`, invalid("Base64Encode")},
		{`States.Base64Encode($.a)`, `{"a":"` + strings.Repeat("a", 10001) + `"}`, invalid("Base64Encode")},
		{`States.Base64Decode($.a)`, `{"a":"` + strings.Repeat("QUFB", 2501) + `"}`, invalid("Base64Decode")},
		{`States.Base64Decode('!!!')`, `{}`, invalid("Base64Decode")},
		{`States.Hash('data', 'sha-256')`, `{}`, invalid("Hash")},
		{`States.Hash('data', 'SHA256')`, `{}`, invalid("Hash")},
		{`States.Hash('data', 123)`, `{}`, invalid("Hash")},
		{`States.Hash('hello')`, `{}`, invalid("Hash")},
		{`States.Hash($.a, 'MD5')`, `{"a":"` + strings.Repeat("a", 10001) + `"}`, invalid("Hash")},
		{`States.JsonMerge($.a, $.b, true)`, `{"a":{},"b":{}}`, invalid("JsonMerge")},
		{`States.JsonMerge($.a, $.b, false)`, `{"a":[],"b":{}}`, invalid("JsonMerge")},
		{`States.JsonMerge($.a, $.b)`, `{"a":{},"b":{}}`, invalid("JsonMerge")},
		{`States.MathAdd($.a, 1)`, `{"a":"1"}`, invalid("MathAdd")},
		{`States.MathAdd(9223372036854775807, 1)`, `{}`, invalid("MathAdd")},
		{`States.MathRandom(1, 1)`, `{}`, invalid("MathRandom")},
		{`States.MathRandom(10, 5)`, `{}`, invalid("MathRandom")},
		{`States.MathRandom(1.4, 1.6)`, `{}`, invalid("MathRandom")},
		{`States.MathRandom(1, 10, null)`, `{}`, invalid("MathRandom")},
		{`States.MathRandom(1, 10, 'seed')`, `{}`, invalid("MathRandom")},
		// Start and end are Java ints (as MathAdd's arguments, whose range
		// AWS documents): 1e300 is no bound.
		{`States.MathRandom($.a, $.b)`, `{"a":0,"b":1e300}`, invalid("MathRandom")},
		{`States.MathRandom(0, 2147483648)`, `{}`, invalid("MathRandom")},
		{`States.MathRandom(-2147483649, 0)`, `{}`, invalid("MathRandom")},
		{`States.MathRandom($.a, 0)`, `{"a":-1e300}`, invalid("MathRandom")},
		{`States.StringSplit($.a, ',')`, `{"a":1}`, invalid("StringSplit")},
		{`States.UUID(1)`, `{}`, invalid("UUID")},
		{`States.Hash($.missing, 'SHA-256')`, `{}`, "The JSONPath '$.missing' could not be found in the input '{}'"},
		{`States.Format('{}', $$.Execution.Nope)`, `{"a":1}`, `The JSONPath '$$.Execution.Nope' could not be found in the input '{"Execution":{"Name":"exec-1","Input":{"chunk":2}},"StateMachine":{"Id":"arn:aws:states:us-east-1:111111111111:stateMachine:a-b-c","Name":"a-b-c"}}'`},
	}
	for _, c := range cases {
		_, err := eval(t, c.expr, c.input)
		var fe *fault.Error
		if !errors.As(err, &fe) {
			t.Errorf("%s: error %v (%T), want a *fault.Error", c.expr, err, err)
			continue
		}
		if fe.Name != fault.Runtime || fe.Cause != c.cause {
			t.Errorf("%s:\n got %s: %s\nwant %s: %s", c.expr, fe.Name, fe.Cause, fault.Runtime, c.cause)
		}
	}
}

func TestParseField(t *testing.T) {
	c, err := intrinsic.ParseField(`States.Array($.no_such_jsonpath)`, "value.$")
	if err != nil {
		t.Fatal(err)
	}
	if c.Name() != "States.Array" || c.Field() != "value.$" || c.String() != `States.Array($.no_such_jsonpath)` {
		t.Errorf("accessors: %q %q %q", c.Name(), c.Field(), c.String())
	}
	_, err = c.Eval(env(t, `{"int-literal":0}`))
	want := `States.Runtime: The JSONPath '$.no_such_jsonpath' specified for the field 'value.$' could not be found in the input '{"int-literal":0}'`
	if err == nil || err.Error() != want {
		t.Errorf("got %v\nwant %s", err, want)
	}
}

func TestParseErrors(t *testing.T) {
	cases := []struct {
		text   string
		offset int
		msg    string
	}{
		{`States.Nope(1)`, 0, "unknown intrinsic function 'States.Nope'"},
		{`Format('x')`, 0, "expected an intrinsic function call starting with 'States.'"},
		{`States.`, 7, "missing function name after 'States.'"},
		{`States.Format`, 13, "expected '(' after 'States.Format'"},
		{`States.Format('x'`, 17, "missing ')' to close 'States.Format('"},
		{`States.Format('x)`, 14, "unterminated string literal"},
		{`States.Format('x',)`, 18, "missing argument"},
		{`States.Format(,)`, 14, "missing argument"},
		{`States.Format('x' 'y')`, 18, `expected ',' or ')' in the arguments of 'States.Format', found '\''`},
		{`States.Array(nul)`, 13, `unexpected word "nul": an argument must be a string in single quotes, a number, true, false, null, a path or an intrinsic function call`},
		{`States.Array(1.)`, 15, "invalid number: no digits after '.'"},
		{`States.Array(1e)`, 15, "invalid number: no digits in exponent"},
		{`States.Array(-)`, 13, "invalid number"},
		{`States.Array(12ab)`, 15, `invalid number "12a"`},
		{`States.Array(1) x`, 16, `unexpected "x" after the end of the call`},
		{`States.Array(#)`, 13, `unexpected character '#'`},
		{`States.Array(States.Nope())`, 13, "unknown intrinsic function 'States.Nope'"},
	}
	for _, c := range cases {
		_, err := intrinsic.Parse(c.text)
		var se *intrinsic.SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("Parse(%q): error %v, want a *SyntaxError", c.text, err)
			continue
		}
		if se.Offset != c.offset || se.Msg != c.msg || se.Text != c.text {
			t.Errorf("Parse(%q):\n got at %d: %s\nwant at %d: %s", c.text, se.Offset, se.Msg, c.offset, c.msg)
		}
	}
	deep := strings.Repeat("States.Array(", 100) + strings.Repeat(")", 100)
	if _, err := intrinsic.Parse(deep); err == nil {
		t.Error("100 nested calls: no error")
	}
}

func TestIsCall(t *testing.T) {
	for s, want := range map[string]bool{
		"States.Format('x')": true, "  States.UUID()": true, "$.a": false, "$$.Execution": false, "States": false,
	} {
		if got := intrinsic.IsCall(s); got != want {
			t.Errorf("IsCall(%q) = %v", s, got)
		}
	}
}

func TestNames(t *testing.T) {
	names := intrinsic.Names()
	if len(names) != 18 {
		t.Fatalf("%d functions, want 18", len(names))
	}
	for _, n := range names {
		if _, err := intrinsic.Parse(n + "()"); err != nil {
			t.Errorf("%s: %v", n, err)
		}
	}
}

func TestFormatValue(t *testing.T) {
	for in, want := range map[string]string{
		`"s"`: "s", `null`: "null", `1`: "1", `1.0`: "1.0", `1e-5`: "1.0E-5", `false`: "false",
		`{"a":{"b":[1,"x",null]},"c":{}}`: "{a={b=[1, x, null]}, c={}}",
	} {
		if got := intrinsic.FormatValue(mustJSON(t, in)); got != want {
			t.Errorf("FormatValue(%s) = %q, want %q", in, got, want)
		}
	}
}

func BenchmarkFormat(b *testing.B) {
	c, err := intrinsic.Parse(`States.Format('Hello {}, you are {} and like {}', $.name, $.age, $.likes)`)
	if err != nil {
		b.Fatal(err)
	}
	e := env(b, `{"name":"Ada","age":36,"likes":["maths","engines"]}`)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Eval(e); err != nil {
			b.Fatal(err)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		`States.Format('Hello {}', $.name)`,
		`States.Array(1, 'x', null, true, -2.5e3)`,
		`States.ArrayRange(1, 9, 2)`,
		`States.JsonMerge($.a, $.b, false)`,
		`States.MathRandom(1, 10, 3)`,
		`States.Hash($.name, 'SHA-256')`,
		`States.StringSplit(States.Base64Decode(States.Base64Encode($.name)), 'a')`,
		`States.ArrayGetItem($.list[*], States.MathAdd(0, 1))`,
		`States.Format('\{\}\\\'', $$.Execution.Name)`,
		`States.ArrayPartition($.list, 2)`,
		`States.ArrayPartition($.list, 9223372036854775807)`,
		`States.ArrayRange(-9223372036854775808, 9223372036854775807, -9223372036854775808)`,
		`States.ArrayUnique(States.Array($.a, $.a))`,
		`States.StringToJson(States.JsonToString($))`,
		`States.Format($greeting, $n)`,
		`States.UUID()`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := intrinsic.Parse(s)
		if err != nil {
			var se *intrinsic.SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Parse(%q): error of type %T", s, err)
			}
			return
		}
		e := env(t, `{"name":"Ada","a":{"x":1},"b":{"y":[1,2]},"list":[1,2,3,{"k":"v"}]}`)
		_, err = c.Eval(e)
		if err != nil {
			var fe *fault.Error
			if !errors.As(err, &fe) {
				t.Fatalf("Eval(%q): error of type %T: %v", s, err, err)
			}
		}
	})
}
