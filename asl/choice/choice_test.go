package choice

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stepwise/stepwise/asl/diag"
	"github.com/stepwise/stepwise/asl/fault"
	"github.com/stepwise/stepwise/asl/jsonpath"
	"github.com/stepwise/stepwise/asl/value"
)

func mustObj(t testing.TB, s string) *value.Object {
	t.Helper()
	v, err := value.DecodeString(s)
	if err != nil {
		t.Fatalf("decode %s: %v", s, err)
	}
	o, ok := v.(*value.Object)
	if !ok {
		t.Fatalf("not an object: %s", s)
	}
	return o
}

func mustCompile(t testing.TB, rule string) *Rule {
	t.Helper()
	r, diags := Compile(mustObj(t, rule), "/States/C/Choices/0")
	if len(diags) > 0 {
		t.Fatalf("compile %s: %v", rule, diags)
	}
	return r
}

func eval(t *testing.T, rule, input string) (bool, error) {
	t.Helper()
	in, err := value.DecodeString(input)
	if err != nil {
		t.Fatal(err)
	}
	return mustCompile(t, rule).Eval(&jsonpath.Scope{Input: in})
}

func TestEvalTable(t *testing.T) {
	tests := []struct {
		rule, input string
		want        bool
	}{
		// Strings.
		{`{"Variable":"$.v","StringEquals":"a"}`, `{"v":"a"}`, true},
		{`{"Variable":"$.v","StringEquals":"a"}`, `{"v":["a"]}`, false},
		{`{"Variable":"$.v","StringLessThan":"b"}`, `{"v":"a"}`, true},
		{`{"Variable":"$.v","StringGreaterThanEquals":"b"}`, `{"v":"b"}`, true},
		{`{"Variable":"$.v","StringLessThanEquals":"a"}`, `{"v":"b"}`, false},
		{`{"Variable":"$.v","StringEqualsPath":"$.w"}`, `{"v":"x","w":"x"}`, true},
		{`{"Variable":"$.v","StringEqualsPath":"$.w"}`, `{"v":"x","w":1}`, false},
		// Java orders strings by UTF-16 code units: U+1F600 (surrogates
		// D83D DE00) sorts before U+FF5E, unlike in UTF-8 byte order.
		{`{"Variable":"$.v","StringLessThan":"\uff5e"}`, `{"v":"\ud83d\ude00"}`, true},
		{`{"Variable":"$.v","StringGreaterThan":"\ud83d\ude00"}`, `{"v":"\uff5e"}`, true},
		{`{"Variable":"$.v","StringLessThan":"\ud83d\ude01"}`, `{"v":"\ud83d\ude00"}`, true},
		// Numbers: int64 and float64 by value.
		{`{"Variable":"$.v","NumericEquals":1}`, `{"v":1.0}`, true},
		{`{"Variable":"$.v","NumericEquals":1.5}`, `{"v":1}`, false},
		{`{"Variable":"$.v","NumericLessThan":1.5}`, `{"v":1}`, true},
		{`{"Variable":"$.v","NumericGreaterThan":-1.5}`, `{"v":-1}`, true},
		{`{"Variable":"$.v","NumericLessThan":-1.5}`, `{"v":-2}`, true},
		{`{"Variable":"$.v","NumericEquals":9223372036854775807}`, `{"v":9.223372036854775807e18}`, false},
		{`{"Variable":"$.v","NumericLessThan":9223372036854775807}`, `{"v":9.223372036854775807e18}`, false},
		{`{"Variable":"$.v","NumericGreaterThan":9223372036854775807}`, `{"v":1e300}`, true},
		{`{"Variable":"$.v","NumericGreaterThanEqualsPath":"$.w"}`, `{"v":3,"w":2.999}`, true},
		{`{"Variable":"$.v","NumericLessThanEqualsPath":"$.w"}`, `{"v":3,"w":"4"}`, false},
		{`{"Variable":"$.v","NumericEquals":0}`, `{"v":"0"}`, false},
		{`{"Variable":"$.v","NumericEquals":1}`, `{"v":true}`, false},
		// Booleans.
		{`{"Variable":"$.v","BooleanEquals":false}`, `{"v":false}`, true},
		{`{"Variable":"$.v","BooleanEquals":false}`, `{"v":0}`, false},
		{`{"Variable":"$.v","BooleanEqualsPath":"$.w"}`, `{"v":true,"w":true}`, true},
		// Timestamps compare instants, whatever the offset.
		{`{"Variable":"$.v","TimestampEquals":"2012-10-09T19:00:55Z"}`, `{"v":"2012-10-09T20:00:55+01:00"}`, true},
		{`{"Variable":"$.v","TimestampLessThan":"2012-10-09T19:00:55Z"}`, `{"v":"2012-10-09T19:00:54.999Z"}`, true},
		{`{"Variable":"$.v","TimestampGreaterThan":"2012-10-09T19:00:55Z"}`, `{"v":"2012-10-09T19:00:55.000000001Z"}`, true},
		{`{"Variable":"$.v","TimestampEquals":"2012-10-09T19:00:55Z"}`, `{"v":"2012-10-09 19:00:55Z"}`, false},
		{`{"Variable":"$.v","TimestampGreaterThanEqualsPath":"$.w"}`, `{"v":"2012-10-09T19:00:55Z","w":"2012-10-09T19:00:55Z"}`, true},
		{`{"Variable":"$.v","TimestampLessThanEqualsPath":"$.w"}`, `{"v":"2012-10-09T19:00:55Z","w":"not a time"}`, false},
		// StringMatches: only * is a wildcard; \* and \\ are literals.
		{`{"Variable":"$.v","StringMatches":"log-*.txt"}`, `{"v":"log-2024.txt"}`, true},
		{`{"Variable":"$.v","StringMatches":"log-*.txt"}`, `{"v":"log-.txt"}`, true},
		{`{"Variable":"$.v","StringMatches":"log-*.txt"}`, `{"v":"log-2024.txt.bak"}`, false},
		{`{"Variable":"$.v","StringMatches":"*"}`, `{"v":""}`, true},
		{`{"Variable":"$.v","StringMatches":"a*b*c"}`, `{"v":"abc"}`, true},
		{`{"Variable":"$.v","StringMatches":"a*b*c"}`, `{"v":"acb"}`, false},
		{`{"Variable":"$.v","StringMatches":"a*aa"}`, `{"v":"aa"}`, false},
		{`{"Variable":"$.v","StringMatches":"a?c"}`, `{"v":"abc"}`, false},
		{`{"Variable":"$.v","StringMatches":"a?c"}`, `{"v":"a?c"}`, true},
		{`{"Variable":"$.v","StringMatches":"100\\*"}`, `{"v":"100*"}`, true},
		{`{"Variable":"$.v","StringMatches":"100\\*"}`, `{"v":"1000"}`, false},
		{`{"Variable":"$.v","StringMatches":"C:\\\\*"}`, `{"v":"C:\\dir"}`, true},
		{`{"Variable":"$.v","StringMatches":"*"}`, `{"v":1}`, false},
		// Type tests.
		{`{"Variable":"$.v","IsNull":true}`, `{"v":null}`, true},
		{`{"Variable":"$.v","IsNull":false}`, `{"v":null}`, false},
		{`{"Variable":"$.v","IsNumeric":true}`, `{"v":1.5}`, true},
		{`{"Variable":"$.v","IsString":true}`, `{"v":"x"}`, true},
		{`{"Variable":"$.v","IsBoolean":false}`, `{"v":"true"}`, true},
		{`{"Variable":"$.v","IsTimestamp":true}`, `{"v":"2016-03-14T01:59:00Z"}`, true},
		{`{"Variable":"$.v","IsTimestamp":true}`, `{"v":"2016-03-14T01:59:00"}`, false},
		{`{"Variable":"$.v","IsTimestamp":false}`, `{"v":20160314}`, true},
		{`{"Variable":"$.v","IsPresent":true}`, `{"v":null}`, true},
		{`{"Variable":"$.v","IsPresent":true}`, `{}`, false},
		{`{"Variable":"$.v","IsPresent":false}`, `{}`, true},
		{`{"Variable":"$.a.b.c","IsPresent":false}`, `{"a":1}`, true},
		// Composites, nested.
		{`{"And":[{"Variable":"$.v","NumericGreaterThanEquals":20},{"Variable":"$.v","NumericLessThan":30}]}`, `{"v":22}`, true},
		{`{"And":[{"Variable":"$.v","NumericGreaterThanEquals":20},{"Variable":"$.v","NumericLessThan":30}]}`, `{"v":30}`, false},
		{`{"Or":[{"Variable":"$.v","StringEquals":"a"},{"Variable":"$.v","StringEquals":"b"}]}`, `{"v":"b"}`, true},
		{`{"Not":{"Variable":"$.type","StringEquals":"Private"}}`, `{"type":"Public"}`, true},
		{`{"Not":{"Not":{"Or":[{"And":[{"Variable":"$.x","IsPresent":true},{"Variable":"$.x","BooleanEquals":true}]}]}}}`, `{"x":true}`, true},
		// Short-circuit: the missing path in the second operand is never read.
		{`{"And":[{"Variable":"$.v","IsPresent":true},{"Variable":"$.v","NumericEquals":1}]}`, `{}`, false},
		{`{"Or":[{"Variable":"$.v","IsPresent":false},{"Variable":"$.v","NumericEquals":1}]}`, `{}`, true},
		// Next, Comment and the like are ignored at the top level.
		{`{"Variable":"$.v","StringEquals":"a","Next":"N","Comment":"c","Assign":{"x":1},"Output":{}}`, `{"v":"a"}`, true},
	}
	for _, tc := range tests {
		got, err := eval(t, tc.rule, tc.input)
		if err != nil {
			t.Errorf("%s on %s: error %v", tc.rule, tc.input, err)
			continue
		}
		if got != tc.want {
			t.Errorf("%s on %s = %v, want %v", tc.rule, tc.input, got, tc.want)
		}
	}
}

func TestEvalMissingPath(t *testing.T) {
	tests := []struct {
		rule, input, path string
	}{
		{`{"Variable":"$.missing","NumericEquals":1}`, `{}`, "$.missing"},
		{`{"Variable":"$.v","IsNull":true}`, `{}`, "$.v"},
		{`{"Variable":"$.left","TimestampLessThanPath":"$.right"}`, `{"left":"2012-10-09T19:00:55Z"}`, "$.right"},
		{`{"Variable":"$.left","StringEqualsPath":"$.right"}`, `{"right":"x"}`, "$.left"},
		{`{"Not":{"Variable":"$.a.b","BooleanEquals":true}}`, `{"a":{}}`, "$.a.b"},
		{`{"Or":[{"Variable":"$.v","StringEquals":"x"},{"Variable":"$.w","StringEquals":"y"}]}`, `{"v":"z"}`, "$.w"},
	}
	for _, tc := range tests {
		got, err := eval(t, tc.rule, tc.input)
		var f *fault.Error
		if !errors.As(err, &f) {
			t.Errorf("%s on %s = %v, %v; want a States.Runtime error", tc.rule, tc.input, got, err)
			continue
		}
		want := "Invalid path '" + tc.path + "': The choice state's condition path references an invalid value."
		if f.Name != fault.Runtime || f.Cause != want {
			t.Errorf("%s: got %s / %q, want States.Runtime / %q", tc.rule, f.Name, f.Cause, want)
		}
	}
}

func TestEvalScopes(t *testing.T) {
	ctx := mustObj(t, `{"Execution":{"Name":"run-1"}}`)
	r := mustCompile(t, `{"Variable":"$$.Execution.Name","StringMatches":"run-*"}`)
	ok, err := r.Eval(&jsonpath.Scope{Input: map[string]any{}, Context: ctx})
	if err != nil || !ok {
		t.Errorf("context path: %v, %v", ok, err)
	}
	// A variable with no variables in scope is a missing path, not a panic.
	r = mustCompile(t, `{"Variable":"$count","NumericGreaterThan":1}`)
	if _, err := r.Eval(&jsonpath.Scope{}); err == nil {
		t.Error("missing variable: no error")
	}
	r = mustCompile(t, `{"Variable":"$count","IsPresent":true}`)
	if ok, err := r.Eval(nil); err != nil || ok {
		t.Errorf("IsPresent on nil scope: %v, %v", ok, err)
	}
	var nilRule *Rule
	if _, err := nilRule.Eval(&jsonpath.Scope{}); err == nil {
		t.Error("nil rule: no error")
	}
	if _, err := (&Rule{}).Eval(&jsonpath.Scope{}); err == nil {
		t.Error("zero rule: no error")
	}
}

func TestCompileErrors(t *testing.T) {
	const loc = "/States/C/Choices/0"
	tests := []struct {
		rule string
		locs []string // locations of the expected diagnostics, in order
	}{
		{`{"Next":"X"}`, []string{loc}},
		{`{"Variable":"$.v","Next":"X"}`, []string{loc}},
		{`{"StringEquals":"a","Next":"X"}`, []string{loc}},
		{`{"Variable":"$.v","StringEquals":"a","Foo":1}`, []string{loc + "/Foo"}},
		{`{"Variable":"$.v","StringEquals":"a","NumericEquals":1}`, []string{loc + "/NumericEquals"}},
		{`{"Variable":"$.v","StringEquals":"a","And":[]}`, []string{loc + "/And"}},
		{`{"Variable":"$.v","StringEquals":1}`, []string{loc + "/StringEquals"}},
		{`{"Variable":"$.v","StringMatches":null}`, []string{loc + "/StringMatches"}},
		{`{"Variable":"$.v","NumericEquals":"1"}`, []string{loc + "/NumericEquals"}},
		{`{"Variable":"$.v","BooleanEquals":"true"}`, []string{loc + "/BooleanEquals"}},
		{`{"Variable":"$.v","IsNull":1}`, []string{loc + "/IsNull"}},
		{`{"Variable":"$.v","TimestampEquals":"2016-13-05T21:29:29Z"}`, []string{loc + "/TimestampEquals"}},
		{`{"Variable":"$.v","TimestampEquals":1}`, []string{loc + "/TimestampEquals"}},
		{`{"Variable":"$.v","NumericEqualsPath":1}`, []string{loc + "/NumericEqualsPath"}},
		{`{"Variable":"$.v","NumericEqualsPath":"nope"}`, []string{loc + "/NumericEqualsPath"}},
		{`{"Variable":"nope","NumericEquals":1}`, []string{loc + "/Variable"}},
		{`{"Variable":5,"NumericEquals":1}`, []string{loc + "/Variable"}},
		{`{"Variable":"$.v","StringMatchesPath":"$.p"}`, []string{loc + "/StringMatchesPath", loc}},
		{`{"Variable":"$.v","BooleanLessThan":true}`, []string{loc + "/BooleanLessThan", loc}},
		{`{"Variable":"$.v","IsNullPath":"$.x"}`, []string{loc + "/IsNullPath", loc}},
		{`{"And":[]}`, []string{loc + "/And"}},
		{`{"Or":{}}`, []string{loc + "/Or"}},
		{`{"Not":[]}`, []string{loc + "/Not"}},
		{`{"And":[1]}`, []string{loc + "/And/0"}},
		{`{"Variable":"$.v","And":[{"Variable":"$.v","IsNull":true}]}`, []string{loc + "/Variable"}},
		{`{"And":[{"Variable":"$.v","StringEquals":1}]}`, []string{loc + "/And/0/StringEquals"}},
		{`{"And":[{"Variable":"$.v","IsNull":true,"Next":"X"}]}`, []string{loc + "/And/0/Next"}},
		{`{"Not":{"Variable":"$.v","IsNull":true,"Bad":1}}`, []string{loc + "/Not/Bad"}},
		{`{"Or":[{"Variable":"$.v","IsNull":true},{"Not":{"And":[{"Variable":"$.v"}]}}]}`, []string{loc + "/Or/1/Not/And/0"}},
		{`{"Not":{"Variable":"$.v","IsNull":true,"Comment":5}}`, []string{loc + "/Not/Comment"}},
		{`{"Variable":"$.v","IsNull":true,"a/b":1}`, []string{loc + "/a~1b"}},
	}
	for _, tc := range tests {
		r, diags := Compile(mustObj(t, tc.rule), loc)
		if r != nil {
			t.Errorf("%s: got a rule despite errors", tc.rule)
		}
		var got []string
		for _, d := range diags {
			got = append(got, d.Location)
			if d.Severity != diag.SeverityError || d.Message == "" {
				t.Errorf("%s: bad diagnostic %+v", tc.rule, d)
			}
			if !strings.HasSuffix(d.Location, "Path") && !strings.HasSuffix(d.Location, "/Variable") && d.Code != diag.SchemaValidationFailed {
				t.Errorf("%s: code %s, want %s", tc.rule, d.Code, diag.SchemaValidationFailed)
			}
		}
		if strings.Join(got, " ") != strings.Join(tc.locs, " ") {
			t.Errorf("%s: diagnostics at %v, want %v\n%v", tc.rule, got, tc.locs, diags)
		}
	}
	if r, diags := Compile(nil, loc); r != nil || !diags.HasErrors() {
		t.Error("nil rule compiled")
	}
}

func TestCompileUnknownKeyCode(t *testing.T) {
	_, diags := Compile(mustObj(t, `{"And":[{"Variable":"$.v","IsNull":true,"StringEquals":"x"}]}`), "/R")
	if len(diags) != 1 || diags[0].Code != diag.SchemaValidationFailed || diags[0].Location != "/R/And/0/StringEquals" {
		t.Fatalf("got %v", diags)
	}
	_, diags = Compile(mustObj(t, `{"Variable":"$.v","NumericEqualsPath":"$.a["}`), "/R")
	if len(diags) != 1 || diags[0].Code != diag.SchemaValidationFailed {
		t.Fatalf("got %v", diags)
	}
}

func TestParseTimestamp(t *testing.T) {
	good := []struct {
		in   string
		want string // RFC 3339 in UTC
	}{
		{"2016-03-14T01:59:00Z", "2016-03-14T01:59:00Z"},
		{"2016-03-14t01:59:00z", "2016-03-14T01:59:00Z"},
		{"2016-03-14T01:59Z", "2016-03-14T01:59:00Z"},
		{"2016-03-05T21:29:29.243167252Z", "2016-03-05T21:29:29.243167252Z"},
		{"2016-03-05T21:29:29.5Z", "2016-03-05T21:29:29.5Z"},
		{"2012-10-09T19:00:55+01:00", "2012-10-09T18:00:55Z"},
		{"2012-10-09T19:00:55-05:30", "2012-10-10T00:30:55Z"},
		{"2012-10-09T19:00:55+01:00:30", "2012-10-09T18:00:25Z"},
		{"2012-10-09T19:00:55+18:00", "2012-10-09T01:00:55Z"},
		{"2016-02-29T00:00:00Z", "2016-02-29T00:00:00Z"},
		{"2000-02-29T00:00:00Z", "2000-02-29T00:00:00Z"},
		{"+10000-01-01T00:00:00Z", "10000-01-01T00:00:00Z"},
	}
	for _, tc := range good {
		got, ok := ParseTimestamp(tc.in)
		if !ok {
			t.Errorf("ParseTimestamp(%q) failed", tc.in)
			continue
		}
		want, err := time.Parse(time.RFC3339Nano, tc.want)
		if tc.in == "+10000-01-01T00:00:00Z" {
			want, err = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), nil
		}
		if err != nil {
			t.Fatal(err)
		}
		if !got.Equal(want) || got.Location() != time.UTC {
			t.Errorf("ParseTimestamp(%q) = %v, want %v", tc.in, got, want)
		}
	}
	bad := []string{
		"", "2016-13-05T21:29:29Z", "05-12-2016T21:29:29Z", "2016-12-05T25:29:29Z",
		"2016-12-05 21:29:29Z", "2016-12-05T21:29:29", "2023-02-24", "2023-02-24 12:15:56.832957",
		"2015-02-29T00:00:00Z", "1900-02-29T00:00:00Z", "2016-04-31T00:00:00Z", "2016-00-10T00:00:00Z",
		"2016-01-00T00:00:00Z", "2016-01-01T24:00:00Z", "2016-01-01T00:60:00Z", "2016-01-01T00:00:60Z",
		"2016-01-01T00:00:00.1234567890Z", "2016-01-01T00:00:00+01", "2016-01-01T00:00:00+0100",
		"2016-01-01T00:00:00+19:00", "2016-01-01T00:00:00+18:00:01", "2016-01-01T00:00:00Z ",
		" 2016-01-01T00:00:00Z", "16-01-01T00:00:00Z", "20160-01-01T00:00:00Z", "+2016-01-01T00:00:00Z",
		"2016-1-01T00:00:00Z", "2016-01-01T0:00:00Z", "2016-01-01T00:00:00UTC", "2016/01/01T00:00:00Z",
		"2016-01-01T00Z",
	}
	for _, s := range bad {
		if got, ok := ParseTimestamp(s); ok {
			t.Errorf("ParseTimestamp(%q) = %v, want failure", s, got)
		}
	}
}

// TestDaysFromCivil checks the date arithmetic of ParseTimestamp against the
// time package over many centuries, both signs of year included.
func TestDaysFromCivil(t *testing.T) {
	from := time.Date(-1201, 1, 1, 0, 0, 0, 0, time.UTC).Unix() / 86400
	to := time.Date(2801, 1, 1, 0, 0, 0, 0, time.UTC).Unix() / 86400
	for day := from; day < to; day++ {
		d := time.Unix(day*86400, 0).UTC()
		if got := daysFromCivil(int64(d.Year()), int64(d.Month()), int64(d.Day())); got != day {
			t.Fatalf("%v: got %d, want %d", d, got, day)
		}
	}
	for _, y := range []int{-999999999, -400, -1, 0, 1, 999999999} {
		for _, md := range [][2]int{{1, 1}, {2, 28}, {3, 1}, {12, 31}} {
			d := time.Date(y, time.Month(md[0]), md[1], 0, 0, 0, 0, time.UTC)
			if got := daysFromCivil(int64(y), int64(md[0]), int64(md[1])); got != d.Unix()/86400 {
				t.Errorf("%d-%02d-%02d: got %d, want %d", y, md[0], md[1], got, d.Unix()/86400)
			}
		}
	}
}

func TestPatternMatch(t *testing.T) {
	tests := []struct {
		pat, s string
		want   bool
	}{
		{"", "", true},
		{"", "a", false},
		{"abc", "abc", true},
		{"*", "anything", true},
		{"**", "", true},
		{"a*", "a", true},
		{"*a", "ba", true},
		{"*a", "ab", false},
		{"*.txt", "notes.txt", true},
		{"*.txt", "notes.txt.gz", false},
		{"ab*ab", "ab", false},
		{"ab*ab", "abab", true},
		{"a*b*a", "aXbYa", true},
		{"a*b*a", "aXbY", false},
		{`\*`, "*", true},
		{`\*`, "x", false},
		{`\\*`, `\abc`, true},
		{`\\\*`, `\*`, true},
		{`a\b`, `a\b`, true},
		{`end\`, `end\`, true},
		{"日本*語", "日本の語", true},
	}
	for _, tc := range tests {
		p := compilePattern(tc.pat)
		if got := p.match(tc.s); got != tc.want {
			t.Errorf("match(%q, %q) = %v, want %v", tc.pat, tc.s, got, tc.want)
		}
	}
}

func TestCompareStrings(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"a", "", 1},
		{"a", "b", -1},
		{"ab", "abc", -1},
		{"é", "z", 1},
		{"\U0001F600", "\uFF5E", -1}, // surrogate D83D < FF5E
		{"\uFF5E", "\U0001F600", 1},
		{"\U0001F600", "\U0001F601", -1},
		{"x\U00010000", "x\uE000", -1}, // high surrogate D800 < E000
	}
	for _, tc := range tests {
		if got := compareStrings(tc.a, tc.b); got != tc.want {
			t.Errorf("compareStrings(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}
