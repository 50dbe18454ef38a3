package jsonpath

import (
	"errors"
	"strings"
	"testing"

	"github.com/stepwise/stepwise/asl/fault"
	"github.com/stepwise/stepwise/asl/value"
)

func mustDecode(t testing.TB, s string) any {
	t.Helper()
	v, err := value.DecodeString(s)
	if err != nil {
		t.Fatalf("decode %s: %v", s, err)
	}
	return v
}

// storeDoc is the example document of Jayway's README (also used by AWS's
// "Paths" page for JsonPath syntax).
const storeDoc = `{
  "store": {
    "book": [
      {"category": "reference", "author": "Nigel Rees", "title": "Sayings of the Century", "price": 8.95},
      {"category": "fiction", "author": "Evelyn Waugh", "title": "Sword of Honour", "price": 12.99},
      {"category": "fiction", "author": "Herman Melville", "title": "Moby Dick", "isbn": "0-553-21311-3", "price": 8.99},
      {"category": "fiction", "author": "J. R. R. Tolkien", "title": "The Lord of the Rings", "isbn": "0-395-19395-8", "price": 22.99}
    ],
    "bicycle": {"color": "red", "price": 19.95}
  },
  "expensive": 10
}`

type getCase struct {
	path     string
	doc      string
	want     string // JSON of the result
	definite bool
}

func runGet(t *testing.T, cases []getCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.path, func(t *testing.T) {
			p, err := Compile(tc.path)
			if err != nil {
				t.Fatalf("Compile(%q): %v", tc.path, err)
			}
			if p.IsDefinite() != tc.definite {
				t.Errorf("IsDefinite() = %v, want %v", p.IsDefinite(), tc.definite)
			}
			got, err := p.Get(mustDecode(t, tc.doc))
			if err != nil {
				t.Fatalf("Get: %v", err)
			}
			want := mustDecode(t, tc.want)
			if !value.Equal(got, want) || value.EncodeString(got) != value.EncodeString(want) {
				t.Errorf("Get(%s)\n got %s\nwant %s", tc.path, value.EncodeString(got), value.EncodeString(want))
			}
		})
	}
}

func TestGetAWSDocs(t *testing.T) {
	// Examples of the AWS Step Functions developer guide: "Paths" (reference
	// paths), "InputPath", and the Map/ItemsPath and Parameters pages.
	refDoc := `{"foo": 123, "bar": ["a", "b", "c"], "car": {"cdr": true}}`
	inputDoc := `{"comment": "Example for InputPath.",
		"dataset1": {"val1": 1, "val2": 2, "val3": 3},
		"dataset2": {"val1": "a", "val2": "b", "val3": "c"}}`
	paramDoc := `{"flagged": 7, "vals": [0, 10, 20, 30, 40, 50]}`
	runGet(t, []getCase{
		{"$.foo", refDoc, `123`, true},
		{"$.bar", refDoc, `["a","b","c"]`, true},
		{"$.car.cdr", refDoc, `true`, true},
		{"$", refDoc, refDoc, true},
		{"$.dataset2", inputDoc, `{"val1": "a", "val2": "b", "val3": "c"}`, true},
		{"$.dataset1.val2", inputDoc, `2`, true},
		{"$.vals[0]", paramDoc, `0`, true},
		{"$.vals[3:]", paramDoc, `[30, 40, 50]`, false},
		{"$['car']['cdr']", refDoc, `true`, true},
		{`$["car"]["cdr"]`, refDoc, `true`, true},
		{"$.[0]", `[{"domain":"x"}]`, `{"domain":"x"}`, true},
	})
}

func TestGetJaywayReadme(t *testing.T) {
	runGet(t, []getCase{
		{"$.store.book[*].author", storeDoc, `["Nigel Rees","Evelyn Waugh","Herman Melville","J. R. R. Tolkien"]`, false},
		{"$..author", storeDoc, `["Nigel Rees","Evelyn Waugh","Herman Melville","J. R. R. Tolkien"]`, false},
		{"$.store..price", storeDoc, `[8.95, 12.99, 8.99, 22.99, 19.95]`, false},
		{"$..book[2].title", storeDoc, `["Moby Dick"]`, false},
		{"$..book[2]", storeDoc, `[{"category": "fiction", "author": "Herman Melville", "title": "Moby Dick", "isbn": "0-553-21311-3", "price": 8.99}]`, false},
		{"$..book[-2].title", storeDoc, `["Moby Dick"]`, false},
		{"$.store.book[0,1].title", storeDoc, `["Sayings of the Century","Sword of Honour"]`, false},
		{"$.store.book[:2].title", storeDoc, `["Sayings of the Century","Sword of Honour"]`, false},
		{"$.store.book[1:2].title", storeDoc, `["Sword of Honour"]`, false},
		{"$.store.book[-2:].title", storeDoc, `["Moby Dick","The Lord of the Rings"]`, false},
		{"$.store.book[2:].title", storeDoc, `["Moby Dick","The Lord of the Rings"]`, false},
		{"$..book[?(@.isbn)].title", storeDoc, `["Moby Dick","The Lord of the Rings"]`, false},
		{"$.store.book[?(@.price < 10)].title", storeDoc, `["Sayings of the Century","Moby Dick"]`, false},
		{"$..book[?(@.price <= $['expensive'])].title", storeDoc, `["Sayings of the Century","Moby Dick"]`, false},
		{"$..book[?(@.author =~ /.*REES/i)].title", storeDoc, `["Sayings of the Century"]`, false},
		{"$.store.*", storeDoc, `[` + mustJSON(t, storeDoc, "$.store.book") + `, {"color": "red", "price": 19.95}]`, false},
		{"$..book.length()", storeDoc, `4`, true},
		{"$.store.book.length()", storeDoc, `4`, true},
		{"$..price.max()", storeDoc, `22.99`, true},
		{"$.expensive", storeDoc, `10`, true},
	})
}

func mustJSON(t *testing.T, doc, path string) string {
	t.Helper()
	p, err := Compile(path)
	if err != nil {
		t.Fatal(err)
	}
	v, err := p.Get(mustDecode(t, doc))
	if err != nil {
		t.Fatal(err)
	}
	return value.EncodeString(v)
}

// TestGetNoInput mirrors the conformance cases
// base__base__json_path_array_wildcard_or_slice_with_no_input__*: an
// indefinite path that matches nothing gives an empty list, never an error.
func TestGetNoInput(t *testing.T) {
	for _, path := range []string{
		"$.item.items[1:5].itemValue", "$.item.items[1:5]", "$.item.items[1:]", "$.item.items[*]",
		"$.items[*].itemValue", "$.items[1:].itemValue", "$.items[:1].itemValue", "$.items[1:]",
		"$.items[:1]", "$[*]", "$..nothing", "$.a[?(@.b)]", "$.a[0,1]", "$['a','b'].c",
	} {
		runGet(t, []getCase{{path, `{}`, `[]`, false}})
	}
	// ... and on a scalar input.
	runGet(t, []getCase{{"$[*]", `"text"`, `[]`, false}, {"$..a", `12`, `[]`, false}})
}

func TestGetConformanceCases(t *testing.T) {
	items := `{"items":[{"item_key":0},{"item_key":1},{"item_key":2}]}`
	users := `{"users":[{"year":1997,"status":0},{"year":1998,"status":1}]}`
	runGet(t, []getCase{
		{"$.items[0]", items, `{"item_key":0}`, true},
		{"$.users[?(@.status == 0)]", users, `[{"year":1997,"status":0}]`, false},
	})
}

func TestGetJaywayBehaviour(t *testing.T) {
	doc := `{"a": 1, "b": 2, "s": "1", "sf": "1.0", "o": {"price": 1},
		"arr": [[1, 2], [3]], "n": null,
		"items": [
			{"id": 1, "v": 1, "tags": ["x", "y"], "s": "abc"},
			{"id": 2, "v": 2.5, "tags": [], "s": ""},
			{"id": 3, "v": "1", "tags": ["y"]},
			{"id": 4}
		]}`
	runGet(t, []getCase{
		// A name union as the last step merges the members that exist.
		{"$['a','b']", doc, `{"a":1,"b":2}`, true},
		{"$['a','zz','b']", doc, `{"a":1,"b":2}`, true},
		{"$['zz']['a','b']", `{"zz":{"a":1}}`, `{"a":1}`, true},
		// A filter on an object tests the object itself.
		{"$.o[?(@.price)]", doc, `[{"price":1}]`, false},
		{"$.o[?(@.price > 5)]", doc, `[]`, false},
		// Filters.
		{"$.items[?(@.v == 1)].id", doc, `[1, 3]`, false},   // "1" equals 1
		{"$.items[?(@.v == '1')].id", doc, `[1, 3]`, false}, // 1 equals '1'
		{"$.items[?(@.v === 1)].id", doc, `[1]`, false},     // strict
		{"$.items[?(@.v != 1)].id", doc, `[2, 4]`, false},   // missing is not equal
		{"$.items[?(!@.v)].id", doc, `[4]`, false},          // does not exist
		{"$.items[?(@.v > 1)].id", doc, `[2]`, false},       // numbers only
		{"$.items[?(@.v in [1, 2.5])].id", doc, `[1, 2, 3]`, false},
		{"$.items[?(@.v nin [1, 2.5])].id", doc, `[4]`, false},
		{"$.items[?(@.id in ['2', 3])].id", doc, `[2, 3]`, false},
		{"$.items[?(@.tags contains 'y')].id", doc, `[1, 3]`, false},
		{"$.items[?(@.s contains 'b')].id", doc, `[1]`, false},
		{"$.items[?(@.tags subsetof ['x','y'])].id", doc, `[1, 2, 3]`, false},
		{"$.items[?(@.tags anyof ['x'])].id", doc, `[1]`, false},
		{"$.items[?(@.tags noneof ['x'])].id", doc, `[2, 3]`, false},
		{"$.items[?(@.tags size 2)].id", doc, `[1]`, false},
		{"$.items[?(@.s size 3)].id", doc, `[1]`, false},
		{"$.items[?(@.tags empty true)].id", doc, `[2]`, false},
		{"$.items[?(@.s empty false)].id", doc, `[1]`, false},
		{"$.items[?(@.id > 1 && @.id < 4)].id", doc, `[2, 3]`, false},
		{"$.items[?(@.id == 1 || @.id == 4)].id", doc, `[1, 4]`, false},
		{"$.items[?(!(@.id == 1))].id", doc, `[2, 3, 4]`, false},
		{"$.items[?(@.s =~ /a.*/)].id", doc, `[1]`, false},
		{"$.items[?(@.s =~ /b/)].id", doc, `[]`, false}, // whole-string match
		{"$.items[?(@.id == $.b)].id", doc, `[2]`, false},
		{"$.items[?(@.tags[*] == 'y')].id", doc, `[]`, false},
		{"$.items[?(@.tags.length() > 0)].id", doc, `[1, 3]`, false},
		{"$.items[?(@['id']>=3)].id", doc, `[3, 4]`, false},
		{"$.[?(@.id)].id", `[{"id":7},{"x":1}]`, `[7]`, false},
		{"$[?(@ > 1)]", `[1, 2, 3]`, `[2, 3]`, false},
		{"$[?(@ == null)]", `[1, null]`, `[null]`, false},
		{"$[?(@.a == {'b': 1})]", `[{"a":{"b":1}},{"a":{"b":2}}]`, `[{"a":{"b":1}}]`, false},
		// Wildcards.
		{"$.o.*", doc, `[1]`, false},
		{"$.arr[*][*]", doc, `[1, 2, 3]`, false},
		// Slices, with Jayway's edge rules.
		{"$.arr[0][-1:]", doc, `[2]`, false},
		{"$.arr[0][-5:]", doc, `[1, 2]`, false},
		{"$.arr[0][:-1]", doc, `[1]`, false},
		{"$.arr[0][0:9]", doc, `[1, 2]`, false},
		// Jayway walks -2, -1, 0 and reads each as an index.
		{"$.arr[0][-2:1]", doc, `[1, 2, 1]`, false},
		{"$.arr[0][1:0]", doc, `[]`, false},
		{"$.arr[0][0:2:5]", doc, `[1, 2]`, false}, // a step is ignored
		{"$.arr[0][0, 5, -1]", doc, `[1, 2]`, false},
		// Deep scan: each container before its members; $..[0] applied to
		// the arrays, and Jayway's walkArray quirk for a step after it.
		{"$.arr..[0]", doc, `[[1, 2], 1, 3]`, false},
		{"$..[0].x", `{"a":[{"x":1},{"x":2}]}`, `[1, 2]`, false},
		{"$..*", `{"a":{"b":1},"c":[2]}`, `[{"b":1},[2],1,2]`, false},
		{"$..['a','b']", `{"a":1,"b":2,"c":{"a":3,"b":4}}`, `[{"a":1,"b":2},{"a":3,"b":4}]`, false},
		// Functions.
		{"$.arr.length()", doc, `2`, true},
		{"$.o.size()", doc, `1`, true},
		{"$.o.keys()", doc, `["price"]`, true},
		{"$.arr[0].sum()", doc, `3.0`, true},
		{"$.arr[0].avg()", doc, `1.5`, true},
		{"$.arr[0].min()", doc, `1.0`, true},
		{"$.arr[0].stddev()", doc, `0.5`, true},
		{"$.arr[0].first()", doc, `1`, true},
		{"$.arr[0].last()", doc, `2`, true},
		{"$.a.length()", doc, `null`, true},
		{"$..v.sum()", doc, `3.5`, true},
		{"$.items[*].tags.length()", doc, `[2, 0, 1]`, false},
		// Negative index, quoted names with escapes and odd characters.
		{"$.arr[-1]", doc, `[3]`, true},
		{`$['it\'s']`, `{"it's": 1}`, `1`, true},
		{`$["a\"b"]`, `{"a\"b": 1}`, `1`, true},
		// AWS keeps backslashes other than before the quote or a backslash
		// (scenarios__base_scenarios__escape_sequence_parsing__ESCAPE_SEQUENCES_JSONPATH).
		{`$['\u00e9']`, `{"\\u00e9": 1}`, `1`, true},
		{`$['Test\""Name"']`, `{"Test\\\"\"Name\"": 2}`, `2`, true},
		{`$['a\\b']`, `{"a\\b": 3}`, `3`, true},
		{"$['a b'].c", `{"a b": {"c": 2}}`, `2`, true},
		{"$.a-b$c", `{"a-b$c": 3}`, `3`, true},
		{"$.n", doc, `null`, true},
		{"$.*a", `{"x":{"a":1},"y":{"a":2}}`, `[1, 2]`, false}, // Jayway reads it as $.*.a
	})
}

func TestNotFound(t *testing.T) {
	cases := []struct {
		path, doc, msg string
	}{
		// Conformance: scenarios__base_scenarios__invalid_jsonpath__*.
		{"$.NoSuchOutputPath", `{"int-literal":0}`, "No results for path: $['NoSuchOutputPath']"},
		{"$.NoSuchTimeoutSecondsPath", `{"int-literal":0}`, "No results for path: $['NoSuchTimeoutSecondsPath']"},
		// Conformance: scenarios__base_scenarios__catch_states_runtime.
		{"$.no.such.result.path", `{}`, "Missing property in path $['no']"},
		{"$.a.b.c", `{"a":{}}`, "Missing property in path $['a']['b']"},
		{"$.a[5]", `{"a":[1]}`, "No results for path: $['a'][5]"},
		{"$.a[-2]", `{"a":[1]}`, "No results for path: $['a'][-2]"},
		{"$.a[0].b", `{"a":[]}`, "No results for path: $['a'][0]['b']"},
		{"$.a[0]", `{"a":null}`, "The path $['a'] is null"},
		{"$.a[0].b", `{"a":{"x":1}}`, "Filter: [0]['b'] can only be applied to arrays. Current context is: {x=1}"},
		{"$.a.b", `{"a":"str"}`, "Expected to find an object with property ['b'] in path $['a'] but found 'java.lang.String'. " +
			"This is not a json object according to the JsonProvider: 'com.jayway.jsonpath.spi.json.JacksonJsonProvider'."},
		{"$.a.b", `{"a":[1]}`, "Expected to find an object with property ['b'] in path $['a'] but found 'java.util.ArrayList'. " +
			"This is not a json object according to the JsonProvider: 'com.jayway.jsonpath.spi.json.JacksonJsonProvider'."},
		{"$.a", `null`, "Expected to find an object with property ['a'] in path $ but found 'null'. " +
			"This is not a json object according to the JsonProvider: 'com.jayway.jsonpath.spi.json.JacksonJsonProvider'."},
		{"$.missing.length()", `{}`, "Missing property in path $['missing']"},
		{"$.a.sum()", `{"a":["x"]}`, "Aggregation function attempted to calculate value using empty array"},
		{"$..a.sum()", `{}`, "Aggregation function attempted to calculate value using empty array"},
	}
	for _, tc := range cases {
		t.Run(tc.path, func(t *testing.T) {
			p, err := Compile(tc.path)
			if err != nil {
				t.Fatal(err)
			}
			_, err = p.Get(mustDecode(t, tc.doc))
			var nf *NotFoundError
			if !errors.As(err, &nf) {
				t.Fatalf("Get(%s) error = %v, want *NotFoundError", tc.path, err)
			}
			if want := "Invalid path '" + tc.path + "' : " + tc.msg; nf.InvalidPath() != want {
				t.Errorf("InvalidPath() = %q, want %q", nf.InvalidPath(), want)
			}
			if nf.Msg != tc.msg || nf.Path != tc.path {
				t.Errorf("got {%q, %q}\nwant {%q, %q}", nf.Path, nf.Msg, tc.path, tc.msg)
			}
		})
	}
}

type vars map[string]any

func (v vars) Lookup(name string) (any, bool) { x, ok := v[name]; return x, ok }

func TestEvalRoots(t *testing.T) {
	ctx := mustDecode(t, `{"Execution":{"Id":"arn:x","Input":{"k":1}},"Map":{"Item":{"Index":2,"Value":{"v":"x"}}}}`)
	s := &Scope{
		Input:   mustDecode(t, `{"a":1}`),
		Context: ctx,
		Vars:    vars{"x": mustDecode(t, `{"y":[10,20]}`), "état": int64(3), "n": nil},
	}
	cases := []struct {
		path    string
		root    Root
		varName string
		want    string
	}{
		{"$", RootInput, "", `{"a":1}`},
		{"$.a", RootInput, "", `1`},
		{"$$", RootContext, "", value.EncodeString(ctx)},
		{"$$.Execution.Id", RootContext, "", `"arn:x"`},
		{"$$.Map.Item.Value", RootContext, "", `{"v":"x"}`},
		{"$$.Map.Item.Index", RootContext, "", `2`},
		{"$$['Execution']['Input'].k", RootContext, "", `1`},
		{"$x", RootVariable, "x", `{"y":[10,20]}`},
		{"$x.y[1]", RootVariable, "x", `20`},
		{"$x.y[*]", RootVariable, "x", `[10,20]`},
		{"$x['y'][0]", RootVariable, "x", `10`},
		{"$état", RootVariable, "état", `3`},
		{"$n", RootVariable, "n", `null`},
	}
	for _, tc := range cases {
		p, err := Compile(tc.path)
		if err != nil {
			t.Fatalf("Compile(%q): %v", tc.path, err)
		}
		if p.Root() != tc.root || p.VarName() != tc.varName || p.String() != tc.path {
			t.Errorf("%s: Root=%v VarName=%q String=%q", tc.path, p.Root(), p.VarName(), p.String())
		}
		got, err := p.Eval(s)
		if err != nil {
			t.Fatalf("Eval(%s): %v", tc.path, err)
		}
		if g := value.EncodeString(got); g != tc.want {
			t.Errorf("Eval(%s) = %s, want %s", tc.path, g, tc.want)
		}
	}

	p, _ := Compile("$$.Execution.Input.no_such_jsonpath")
	_, err := p.Eval(s)
	var nf *NotFoundError
	if !errors.As(err, &nf) || nf.Msg != "No results for path: $['Execution']['Input']['no_such_jsonpath']" {
		t.Errorf("context miss: %v", err)
	}

	for _, sc := range []*Scope{s, {}, nil} {
		p, _ := Compile("$undefinedVar.a")
		_, err := p.Eval(sc)
		var nf *NotFoundError
		if !errors.As(err, &nf) || nf.Var != "undefinedVar" || nf.Path != "$undefinedVar.a" {
			t.Errorf("undefined variable: %v", err)
		}
	}
}

func TestCompileErrors(t *testing.T) {
	for _, text := range []string{
		"", "a", "$.", "$..", "$.a.", "$a.", "$[", "$['a'", "$['a',]", "$[a]", "$[?(@.a ==)]",
		"$[?(@.a)", "$[?(@.a)", "$[?@.a]", "$.a b", "$1", "$ .a", "$$$", "$$.", "$[:]", "$[1:x]",
		"$[9999999999]", "$.a.length(1)", "$.a.foo()", "$.a.length().b", "$..length()", "$...a",
		"$[?(@.a =! 1)]", "$[?(@.a === )]", "$[?(1)]", "$[?(@.a =~ /(?<=x)y/)]", "$[?(@.a =~ /x)]",
		"$[?(@.a in [1,)]", "$x-y", "$-x", strings.Repeat("$[?(@", 100) + strings.Repeat(")]", 100),
		"$.a[?(@.b < 1e)]", "$[?(@ == 'x)]",
	} {
		if p, err := Compile(text); err == nil {
			t.Errorf("Compile(%q) = %v, want an error", text, p.segs)
		} else {
			var se *SyntaxError
			if !errors.As(err, &se) || se.Path != text {
				t.Errorf("Compile(%q) error %v is not a *SyntaxError for the path", text, err)
			}
		}
	}
}

func TestNormalized(t *testing.T) {
	for in, want := range map[string]string{
		"$":                   "$",
		"$.a.b[0]":            "$['a']['b'][0]",
		"$['a b'][-1]":        "$['a b'][-1]",
		"$$.Map.Item.Value":   "$['Map']['Item']['Value']",
		"$x.y":                "$['y']",
		"$..a[*][1:2][0,1]":   "$..['a'][*][1:2][0,1]",
		"$['a','b']":          "$['a','b']",
		"$.a.length()":        "$['a'].length()",
		"$.a[?(@.b)][:3][2:]": "$['a'][?][:3][2:]",
	} {
		p, err := Compile(in)
		if err != nil {
			t.Fatal(err)
		}
		if got := p.Normalized(); got != want {
			t.Errorf("Normalized(%s) = %s, want %s", in, got, want)
		}
	}
}

func TestCompileReference(t *testing.T) {
	for _, ok := range []string{"$", "$.a", "$.a.b[0]", "$['a b'][-1]", "$$.Execution.Input", "$x.y"} {
		p, err := CompileReference(ok)
		if err != nil {
			t.Errorf("CompileReference(%q): %v", ok, err)
			continue
		}
		if !p.IsReference() || !p.IsDefinite() {
			t.Errorf("%q: IsReference=%v IsDefinite=%v", ok, p.IsReference(), p.IsDefinite())
		}
	}
	for _, bad := range []string{"$.a[*]", "$..a", "$.a[0:1]", "$['a','b']", "$.a.length()", "$.a[0,1]", "$.a[?(@.b)]", "$.*", "nope"} {
		if _, err := CompileReference(bad); err == nil {
			t.Errorf("CompileReference(%q) succeeded", bad)
		}
	}
	if p, _ := Compile("$"); !p.IsRoot() {
		t.Error("$ is the root")
	}
}

func TestValidVariableName(t *testing.T) {
	for _, ok := range []string{"x", "myVar", "a_b1", "état", "名前", strings.Repeat("a", 80)} {
		if !ValidVariableName(ok) {
			t.Errorf("ValidVariableName(%q) = false", ok)
		}
	}
	for _, bad := range []string{"", "1a", "_a", "a-b", "a b", "a.b", strings.Repeat("a", 81), "\xff"} {
		if ValidVariableName(bad) {
			t.Errorf("ValidVariableName(%q) = true", bad)
		}
	}
}

func TestSet(t *testing.T) {
	docInput := `{"comment": "This is a test", "details": "Default example", "who": "Step Functions"}`
	cases := []struct {
		ref, doc, v, want string
	}{
		// AWS docs, "Specifying state output using ResultPath".
		{"$", docInput, `"Hello, Step Functions!"`, `"Hello, Step Functions!"`},
		{"$.taskresult", docInput, `"Hello, Step Functions!"`,
			`{"comment": "This is a test", "details": "Default example", "who": "Step Functions", "taskresult": "Hello, Step Functions!"}`},
		{"$.strings.lowercase", `{"strings":{"uppercase":"X"}}`, `"x"`, `{"strings":{"uppercase":"X","lowercase":"x"}}`},
		// An existing member keeps its place.
		{"$.details", docInput, `1`, `{"comment": "This is a test", "details": 1, "who": "Step Functions"}`},
		// Missing members on the way become objects.
		{"$.a.b.c", `{}`, `true`, `{"a":{"b":{"c":true}}}`},
		{"$['x y'].z", `{"k":1}`, `null`, `{"k":1,"x y":{"z":null}}`},
		// Indexes replace array elements.
		{"$.list[1]", `{"list":[1,2,3]}`, `"b"`, `{"list":[1,"b",3]}`},
		{"$.list[-1].v", `{"list":[{"v":1},{"v":2}]}`, `9`, `{"list":[{"v":1},{"v":9}]}`},
		{"$[0]", `[1]`, `2`, `[2]`},
	}
	for _, tc := range cases {
		ref, err := CompileReference(tc.ref)
		if err != nil {
			t.Fatal(err)
		}
		doc := mustDecode(t, tc.doc)
		before := value.EncodeString(doc)
		got, err := Set(doc, ref, mustDecode(t, tc.v))
		if err != nil {
			t.Fatalf("Set(%s): %v", tc.ref, err)
		}
		if g, w := value.EncodeString(got), value.EncodeString(mustDecode(t, tc.want)); g != w {
			t.Errorf("Set(%s)\n got %s\nwant %s", tc.ref, g, w)
		}
		if value.EncodeString(doc) != before {
			t.Errorf("Set(%s) changed its input: %s", tc.ref, value.EncodeString(doc))
		}
	}
}

func TestSetSharesUntouchedValues(t *testing.T) {
	doc := mustDecode(t, `{"a":{"b":1},"big":{"x":[1,2,3]}}`).(*value.Object)
	ref, _ := CompileReference("$.a.c")
	out, err := Set(doc, ref, int64(2))
	if err != nil {
		t.Fatal(err)
	}
	o := out.(*value.Object)
	big1, _ := doc.Get("big")
	big2, _ := o.Get("big")
	if big1.(*value.Object) != big2.(*value.Object) {
		t.Error("a member off the path was copied")
	}
	a1, _ := doc.Get("a")
	a2, _ := o.Get("a")
	if a1.(*value.Object) == a2.(*value.Object) || o == doc {
		t.Error("an object on the path was not copied")
	}
}

func TestSetFailure(t *testing.T) {
	cases := []struct{ ref, doc, cause string }{
		// The cause AWS gives (seen in aws/aws-cdk#29473).
		{"$.partitioned", `"{\"min_size\":10000}"`, `Unable to apply ReferencePath $.partitioned to input "{\"min_size\":10000}"`},
		{"$.a.b", `{"a":"text"}`, `Unable to apply ReferencePath $.a.b to input {"a":"text"}`},
		{"$.a.b", `{"a":null}`, `Unable to apply ReferencePath $.a.b to input {"a":null}`},
		{"$.a", `[1]`, `Unable to apply ReferencePath $.a to input [1]`},
		{"$.list[3]", `{"list":[1]}`, `Unable to apply ReferencePath $.list[3] to input {"list":[1]}`},
		{"$.list[0]", `{}`, `Unable to apply ReferencePath $.list[0] to input {}`},
		{"$[0]", `{"a":1}`, `Unable to apply ReferencePath $[0] to input {"a":1}`},
	}
	for _, tc := range cases {
		ref, err := CompileReference(tc.ref)
		if err != nil {
			t.Fatal(err)
		}
		_, err = Set(mustDecode(t, tc.doc), ref, int64(1))
		var fe *fault.Error
		if !errors.As(err, &fe) || fe.Name != fault.ResultPathMatchFailure || fe.Cause != tc.cause {
			t.Errorf("Set(%s on %s) = %v, want %s: %s", tc.ref, tc.doc, err, fault.ResultPathMatchFailure, tc.cause)
		}
	}
	var nilObj *value.Object
	ref, _ := CompileReference("$.a.b")
	if got, err := Set(nilObj, ref, "v"); err != nil || value.EncodeString(got) != `{"a":{"b":"v"}}` {
		t.Errorf("Set on a nil object = %v, %v", got, err)
	}
	if _, err := Set(nil, nil, 1); err == nil {
		t.Error("Set with a nil path succeeded")
	}
	p, _ := Compile("$.a[*]")
	if _, err := Set(nil, p, 1); err == nil {
		t.Error("Set with an indefinite path succeeded")
	}
}

func TestDecimalToString(t *testing.T) {
	for in, want := range map[float64]string{
		1.5: "1.5", 10: "10.0", 1e20: "1.0E+20", 1e-5: "0.000010", 1.25e-7: "1.25E-7", -3.5e7: "-3.5E+7", 0.001: "0.001",
	} {
		if got := bigDecimalString(in); got != want {
			t.Errorf("bigDecimalString(%v) = %s, want %s", in, got, want)
		}
	}
	if got := bigDecimalString(int64(-12)); got != "-12" {
		t.Errorf("bigDecimalString(-12) = %s", got)
	}
}

func TestJavaCompare(t *testing.T) {
	// U+FF61 sorts after U+1F600 in UTF-8 but before it in UTF-16.
	if javaCompare("\U0001F600", "\uFF61") >= 0 || javaCompare("a", "ab") >= 0 || javaCompare("b", "a") <= 0 || javaCompare("x", "x") != 0 {
		t.Error("javaCompare does not order as Java's String.compareTo")
	}
}

// TestFilterBareWord checks an unquoted word on the right of a filter
// operator, as in $.Labels[?(@.Name==Receipt)]: AWS accepts it, and it is
// read as the string it spells (Jayway 2.0.0's Criteria.parse keeps such a
// right side as raw text; see bareWord).
func TestFilterBareWord(t *testing.T) {
	const labels = `{"Labels":[{"Name":"Receipt","Confidence":99},{"Name":"Paper","Confidence":90},{"Name":"nullable"},{"Name":null},{"Name":"Receipt2"}]}`
	runGet(t, []getCase{
		{path: `$.Labels[?(@.Name==Receipt)]`, doc: labels, want: `[{"Name":"Receipt","Confidence":99}]`},
		{path: `$.Labels[?(@.Name == Receipt)].Confidence`, doc: labels, want: `[99]`},
		{path: `$.Labels[?(@.Name==Receipt && @.Confidence > 95)].Name`, doc: labels, want: `["Receipt"]`},
		{path: `$.Labels[?(@.Name==Paper||@.Name==Receipt2)].Name`, doc: labels, want: `["Paper","Receipt2"]`},
		{path: `$.Labels[?(@.Name!=Receipt)].Name`, doc: labels, want: `["Paper","nullable",null,"Receipt2"]`},
		{path: `$.Labels[?(@.Name==nullable)].Name`, doc: labels, want: `["nullable"]`},
		{path: `$.Labels[?(@.Name==null)].Name`, doc: labels, want: `[null]`},
		{path: `$.Labels[?(@.Name==Nothing)]`, doc: labels, want: `[]`},
	})
	// A word is no path: alone, or on the left, it is still an error.
	for _, text := range []string{`$.Labels[?(Receipt)]`, `$.Labels[?(Receipt==@.Name)]`} {
		if _, err := Compile(text); err == nil {
			t.Errorf("Compile(%q) accepted a bare word outside the right of an operator", text)
		}
	}
}
