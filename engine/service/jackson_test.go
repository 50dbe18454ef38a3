package service

import (
	"encoding/json"
	"testing"
	"unicode/utf8"
)

func TestJSONSyntaxMessages(t *testing.T) {
	for _, c := range []struct {
		in, msg   string
		line, col int
	}{
		// Recorded on AWS (LocalStack's test_invalid_start_execution_input,
		// test_validate_state_machine_definition_not_a_definition).
		{"not some json", "Unrecognized token 'not': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')", 1, 4},
		{"{'not': 'json'", "Unexpected character (''' (code 39)): was expecting double-quote to start field name", 1, 3},
		{"not a definition", "Unrecognized token 'not': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')", 1, 4},
		// Jackson's wording for other errors.
		{`{"a":1,}`, "Unexpected character ('}' (code 125)): was expecting double-quote to start field name", 1, 9},
		{`{"a" 1}`, "Unexpected character ('1' (code 49)): was expecting a colon to separate field name and value", 1, 7},
		{`[1 2]`, "Unexpected character ('2' (code 50)): was expecting comma to separate Array entries", 1, 5},
		{"{\n\"a\":tru}", "Unrecognized token 'tru': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')", 2, 8},
		{`{"a":1} x`, "Unexpected character ('x' (code 120)): Expected END_OF_INPUT, but found trailing token", 1, 10},
		{`[1,`, "Unexpected end-of-input: expected a value", 1, 4},
	} {
		e := jsonSyntax(c.in)
		if e == nil || e.Message != c.msg || e.Line != c.line || e.Column != c.col {
			t.Errorf("jsonSyntax(%q) = %+v, want %q at %d:%d", c.in, e, c.msg, c.line, c.col)
		}
	}
	e := jsonSyntax("not a definition")
	if loc := e.location("not a definition"); loc != `[Source: (String)"not a definition"; line: 1, column: 4]` {
		t.Errorf("location = %s", loc)
	}
	for _, ok := range []string{`{}`, ` [1, -2.5e3, "x\u00e9\n", true, false, null, {"a":{}}] `, `"s"`, `0`} {
		if e := jsonSyntax(ok); e != nil {
			t.Errorf("jsonSyntax(%q) = %+v", ok, e)
		}
	}
}

// FuzzJSONSyntax: jsonSyntax accepts exactly the texts encoding/json does,
// and never panics.
func FuzzJSONSyntax(f *testing.F) {
	for _, s := range []string{`{}`, `{"a":[1,2,{"b":null}]}`, `not json`, `{'a':1}`, `[1,]`, `-0.5e-3`, `"\u12"`, `01`, "\"\x01\"", `nul`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			return
		}
		e := jsonSyntax(s)
		if (e == nil) != json.Valid([]byte(s)) {
			t.Fatalf("jsonSyntax(%q) = %+v, json.Valid = %v", s, e, json.Valid([]byte(s)))
		}
		if e != nil {
			_ = e.location(s)
		}
	})
}
