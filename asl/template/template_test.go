package template_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stepwise/stepwise/asl/fault"
	"github.com/stepwise/stepwise/asl/intrinsic"
	"github.com/stepwise/stepwise/asl/template"
	"github.com/stepwise/stepwise/asl/value"
	"github.com/stepwise/stepwise/internal/testcases"
)

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

func newEnv(t testing.TB, input string) *intrinsic.Env {
	e := &intrinsic.Env{Random: &fakeRandom{}}
	e.Input = mustJSON(t, input)
	e.Context = mustJSON(t, `{"Execution":{"Id":"arn:exec","Input":{"no":1}},"Map":{"Item":{"Index":2,"Value":"Pikachu"}}}`)
	e.Vars = vars{"AnswerTemplate": "It's {}!", "x": mustJSON(t, `{"y":[1,2]}`)}
	return e
}

func TestEval(t *testing.T) {
	cases := []struct{ tmpl, input, want string }{
		// The ASL specification's Parameters example.
		{`{"flagged":true,"parts":{"first.$":"$.vals[0]","last3.$":"$.vals[-3:]"},"weekday.$":"$$.DayOfWeek","formattedOutput.$":"States.Format('Today is {}', $$.DayOfWeek)"}`,
			`{"flagged":7,"vals":[0,10,20,30,40,50]}`, ``},
		{`{"a":1,"b.$":"$.x","c":{"d.$":"$$.Execution.Id","e":[1,{"f.$":"$x.y"}]},"g":"$.literal"}`,
			`{"x":"X"}`, `{"a":1,"b":"X","c":{"d":"arn:exec","e":[1,{"f":[1,2]}]},"g":"$.literal"}`},
		{`{"all.$":"$","ctx.$":"$$.Map.Item.Index","v.$":"$x"}`, `{"k":[true]}`, `{"all":{"k":[true]},"ctx":2,"v":{"y":[1,2]}}`},
		{`{"AnnouncePokemon.$":"States.Format($AnswerTemplate, $$.Map.Item.Value)"}`, `{}`, `{"AnnouncePokemon":"It's Pikachu!"}`},
		{`{"ids.$":"$.items[*].id","none.$":"$.items[?(@.id > 5)].id"}`, `{"items":[{"id":1},{"id":2}]}`, `{"ids":[1,2],"none":[]}`},
		{`[{"a.$":"$.a"},2,"x"]`, `{"a":null}`, `[{"a":null},2,"x"]`},
		{`"plain"`, `{}`, `"plain"`},
		{`{"k.$":"$.a","k":"later"}`, `{"a":1}`, `{"k":"later"}`},
		{`{"z":1,"a.$":"States.Array(1)","m":2}`, `{}`, `{"z":1,"a":[1],"m":2}`},
	}
	var shared template.Compiler
	for i, c := range cases {
		tp, err := template.Compile(mustJSON(t, c.tmpl))
		if err != nil {
			t.Errorf("%d: Compile: %v", i, err)
			continue
		}
		if c.want == "" {
			continue // compiles; needs a context this test does not have
		}
		got, err := tp.Eval(newEnv(t, c.input))
		if err != nil {
			t.Errorf("%d: Eval: %v", i, err)
			continue
		}
		if g := value.EncodeString(got); g != value.EncodeString(mustJSON(t, c.want)) {
			t.Errorf("%d:\n got %s\nwant %s", i, g, c.want)
		}
		// A Compiler shares the expressions it meets again: same results.
		for range 2 {
			tp, err := shared.Compile(mustJSON(t, c.tmpl))
			if err != nil {
				t.Fatalf("%d: Compiler.Compile: %v", i, err)
			}
			got, err := tp.Eval(newEnv(t, c.input))
			if err != nil {
				t.Fatalf("%d: Compiler: Eval: %v", i, err)
			}
			if g := value.EncodeString(got); g != value.EncodeString(mustJSON(t, c.want)) {
				t.Errorf("%d: Compiler:\n got %s\nwant %s", i, g, c.want)
			}
		}
	}
}

func TestStaticTemplateIsShared(t *testing.T) {
	lit := mustJSON(t, `{"a":[1,{"b":"$.c"}],"d.e":"x"}`)
	tp, err := template.Compile(lit)
	if err != nil {
		t.Fatal(err)
	}
	if !tp.IsStatic() {
		t.Error("IsStatic() = false for a template without dynamic members")
	}
	got, err := tp.Eval(nil)
	if err != nil {
		t.Fatal(err)
	}
	if got != lit {
		t.Error("a static template was copied")
	}
	// A dynamic template shares its static subtrees.
	lit2 := mustJSON(t, `{"static":{"x":[1]},"d.$":"$"}`)
	tp2, _ := template.Compile(lit2)
	if tp2.IsStatic() {
		t.Error("IsStatic() = true for a dynamic template")
	}
	out, err := tp2.Eval(newEnv(t, `{}`))
	if err != nil {
		t.Fatal(err)
	}
	s1, _ := lit2.(*value.Object).Get("static")
	s2, _ := out.(*value.Object).Get("static")
	if s1 != s2 {
		t.Error("a static subtree was copied")
	}
}

func TestEvalErrors(t *testing.T) {
	cases := []struct{ tmpl, input, cause string }{
		{`{"value.$":"$.no_such_jsonpath"}`, `{"int-literal":0}`,
			`The JSONPath '$.no_such_jsonpath' specified for the field 'value.$' could not be found in the input '{"int-literal":0}'`},
		{`{"value.$":"$$.Execution.Input.no_such_jsonpath"}`, `{"int-literal":0}`,
			`The JSONPath '$$.Execution.Input.no_such_jsonpath' specified for the field 'value.$' could not be found in the input '{"Execution":{"Id":"arn:exec","Input":{"no":1}},"Map":{"Item":{"Index":2,"Value":"Pikachu"}}}'`},
		{`{"a":{"b":[{"address.$":"$.application.address"}]}}`, `{"flagged":false}`,
			`The JSONPath '$.application.address' specified for the field 'address.$' could not be found in the input '{"flagged":false}'`},
		{`{"h.$":"States.Hash($.missing, 'SHA-256')"}`, `{}`,
			`The JSONPath '$.missing' specified for the field 'h.$' could not be found in the input '{}'`},
		{`{"g.$":"States.ArrayGetItem($.a, 9)"}`, `{"a":[]}`, `Invalid arguments in States.ArrayGetItem`},
	}
	for _, c := range cases {
		tp, err := template.Compile(mustJSON(t, c.tmpl))
		if err != nil {
			t.Fatalf("%s: %v", c.tmpl, err)
		}
		_, err = tp.Eval(newEnv(t, c.input))
		var fe *fault.Error
		if !errors.As(err, &fe) || fe.Name != fault.Runtime || fe.Cause != c.cause {
			t.Errorf("%s:\n got %v\nwant %s: %s", c.tmpl, err, fault.Runtime, c.cause)
		}
	}
	// An undefined variable.
	tp, err := template.Compile(mustJSON(t, `{"v.$":"$nope"}`))
	if err != nil {
		t.Fatal(err)
	}
	_, err = tp.Eval(newEnv(t, `{}`))
	var fe *fault.Error
	if !errors.As(err, &fe) || fe.Name != fault.Runtime || !strings.Contains(fe.Cause, "'$nope'") {
		t.Errorf("undefined variable: %v", err)
	}
}

func TestCompileErrors(t *testing.T) {
	cases := []struct{ tmpl, loc, field string }{
		{`{"a":{"b.$":"not a path"}}`, "/a/b.$", "b.$"},
		{`{"a":[0,{"x/y~.$":1}]}`, "/a/1/x~1y~0.$", "x/y~.$"},
		{`{"f.$":"States.Nope()"}`, "/f.$", "f.$"},
		{`{"f.$":"States.Format('x'"}`, "/f.$", "f.$"},
		{`{"f.$":"$.a[?(@.b =="}`, "/f.$", "f.$"},
	}
	for _, c := range cases {
		_, err := template.Compile(mustJSON(t, c.tmpl))
		var te *template.Error
		if !errors.As(err, &te) {
			t.Errorf("%s: error %v, want a *template.Error", c.tmpl, err)
			continue
		}
		if te.Location != c.loc || te.Field != c.field {
			t.Errorf("%s: at %q field %q, want %q %q", c.tmpl, te.Location, te.Field, c.loc, c.field)
		}
		if te.Unwrap() == nil || !strings.Contains(te.Error(), c.loc) {
			t.Errorf("%s: error text %q", c.tmpl, te.Error())
		}
	}
	var se *intrinsic.SyntaxError
	_, err := template.Compile(mustJSON(t, `{"f.$":"States.Nope()"}`))
	if !errors.As(err, &se) {
		t.Errorf("intrinsic syntax error not reachable through errors.As: %v", err)
	}
}

func TestCompileExpr(t *testing.T) {
	e, err := template.CompileExpr("States.Format('{}', $.Error)")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := e.Eval(newEnv(t, `{"Error":"error string"}`)); err != nil || got != "error string" {
		t.Errorf("got %v, %v", got, err)
	}
	if e.String() != "States.Format('{}', $.Error)" {
		t.Errorf("String() = %q", e.String())
	}
	e, err = template.CompileExprField("$.ErrorX", "ErrorPath")
	if err != nil {
		t.Fatal(err)
	}
	if p, ok := template.Path(e); !ok || p.String() != "$.ErrorX" {
		t.Errorf("Path() = %v, %v", p, ok)
	}
	_, err = e.Eval(newEnv(t, `{"Error":"error-value"}`))
	want := `States.Runtime: The JSONPath '$.ErrorX' specified for the field 'ErrorPath' could not be found in the input '{"Error":"error-value"}'`
	if err == nil || err.Error() != want {
		t.Errorf("got %v\nwant %s", err, want)
	}
	for _, bad := range []string{"", "x", "States.Nope()", "$.a["} {
		if _, err := template.CompileExpr(bad); err == nil {
			t.Errorf("CompileExpr(%q): no error", bad)
		}
	}
}

// TestConformanceIntrinsicCases runs the JSONPath-mode intrinsic_functions
// conformance cases, which are single Pass states with Parameters, recorded
// on AWS.
func TestConformanceIntrinsicCases(t *testing.T) {
	dirs := testcases.Glob(t, "intrinsic_functions__*")
	ran := 0
	for _, dir := range dirs {
		name := filepath.Base(dir)
		if strings.Contains(name, "jsonata") {
			continue
		}
		read := func(f string) any {
			b, err := os.ReadFile(filepath.Join(dir, f))
			if err != nil {
				t.Fatal(err)
			}
			v, err := value.Decode(b)
			if err != nil {
				t.Fatalf("%s/%s: %v", name, f, err)
			}
			return v
		}
		def := read("definition.asl.json").(*value.Object)
		input := read("input.json")
		exp := read("expected.json").(*value.Object)
		states, _ := def.Get("States")
		if states.(*value.Object).Len() != 1 {
			continue
		}
		_, st := states.(*value.Object).At(0)
		params, _ := st.(*value.Object).Get("Parameters")
		ctx, _ := exp.Get("context")
		c := ctx.(*value.Object)
		get := func(k string) string { v, _ := c.Get(k); return v.(string) }
		smArn := "arn:aws:states:" + get("Region") + ":" + get("AccountId") + ":stateMachine:" + get("StateMachineName")
		context := mustJSON(t, `{"Execution":{"Id":`+value.EncodeString("arn:aws:states:"+get("Region")+":"+get("AccountId")+":execution:"+get("StateMachineName")+":"+get("ExecutionName"))+
			`,"Input":`+value.EncodeString(input)+`,"Name":`+value.EncodeString(get("ExecutionName"))+`,"RoleArn":`+value.EncodeString(get("RoleArn"))+
			`},"StateMachine":{"Id":`+value.EncodeString(smArn)+`,"Name":`+value.EncodeString(get("StateMachineName"))+`}}`)

		tp, err := template.Compile(params)
		if err != nil {
			t.Errorf("%s: Compile: %v", name, err)
			continue
		}
		env := &intrinsic.Env{Random: &fakeRandom{}}
		env.Input, env.Context = input, context
		out, err := tp.Eval(env)
		if err != nil {
			t.Errorf("%s: Eval: %v", name, err)
			continue
		}
		// ResultPath/OutputPath of the one case that has them select the
		// merged object back out.
		if _, ok := st.(*value.Object).Get("OutputPath"); ok {
			out, _ = out.(*value.Object).Get("merged")
		}
		want, _ := exp.Get("output")
		if ig, ok := exp.Get("ignore_paths"); ok && len(ig.([]any)) > 0 {
			// Only generated values are ignored (MathRandom): check the type.
			r, _ := out.(*value.Object).Get("FunctionResult")
			if _, isInt := r.(int64); !isInt {
				t.Errorf("%s: FunctionResult = %v, want an integer", name, r)
			}
			ran++
			continue
		}
		if g, w := value.EncodeString(out), value.EncodeString(want); g != w {
			t.Errorf("%s:\n got %s\nwant %s", name, g, w)
		}
		ran++
	}
	t.Logf("%d conformance cases checked", ran)
	if ran < 100 {
		t.Errorf("only %d cases ran", ran)
	}
}

func BenchmarkTemplateEval(b *testing.B) {
	tp, err := template.Compile(mustJSON(b, `{"static":{"a":1,"b":[1,2,3]},"name.$":"$.name","greeting.$":"States.Format('Hello {}', $.name)","ctx.$":"$$.Execution.Id","list":[{"v.$":"$.n"},"x"]}`))
	if err != nil {
		b.Fatal(err)
	}
	env := newEnv(b, `{"name":"Ada","n":3}`)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := tp.Eval(env); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkTemplateEvalStatic(b *testing.B) {
	tp, err := template.Compile(mustJSON(b, `{"static":{"a":1,"b":[1,2,3]},"c":"d"}`))
	if err != nil {
		b.Fatal(err)
	}
	env := newEnv(b, `{}`)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := tp.Eval(env); err != nil {
			b.Fatal(err)
		}
	}
}

// FuzzTemplate compiles and evaluates arbitrary JSON templates: neither may
// panic, and errors must have the documented types.
func FuzzTemplate(f *testing.F) {
	for _, s := range []string{
		`{"a":1,"b.$":"$.x","c":{"d.$":"$$.Execution.Id","e":[1,{"f.$":"$x.y"}]}}`,
		`{"g.$":"States.Format('{} {}', $.x, States.ArrayLength($.l))"}`,
		`[{"a.$":"$.l[*]"},{"b.$":"$.l[?(@ > 1)]"}]`,
		`{"k.$":"$.missing"}`,
		`{"bad.$":1}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := value.DecodeString(s)
		if err != nil {
			return
		}
		tp, err := template.Compile(v)
		if err != nil {
			var te *template.Error
			if !errors.As(err, &te) {
				t.Fatalf("Compile(%s): error of type %T", s, err)
			}
			return
		}
		_, err = tp.Eval(newEnv(t, `{"x":"X","l":[1,2,3]}`))
		if err != nil {
			var fe *fault.Error
			if !errors.As(err, &fe) {
				t.Fatalf("Eval(%s): error of type %T: %v", s, err, err)
			}
		}
	})
}
