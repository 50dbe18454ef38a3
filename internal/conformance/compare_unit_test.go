package conformance

import (
	"strings"
	"testing"

	"github.com/stepwise/stepwise/asl/value"
	"github.com/stepwise/stepwise/engine"
	"github.com/stepwise/stepwise/engine/history"
)

func mustExpect(t *testing.T, doc string) *expectation {
	t.Helper()
	v, err := value.DecodeString(doc)
	if err != nil {
		t.Fatal(err)
	}
	e, err := parseExpectation(v)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func mustValue(t *testing.T, s string) any {
	t.Helper()
	v, err := value.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestCanonicalPath(t *testing.T) {
	for in, want := range map[string]string{
		"$":                  "$",
		"$.output.a.b":       "$.output.a.b",
		"$.output['a'].b":    "$.output.a.b",
		"$.output['x y'][2]": "$.output['x y'][2]",
		"$.cause":            "$.cause",
	} {
		got, err := canonicalPath(in)
		if err != nil || got != want {
			t.Errorf("canonicalPath(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"output", "$..a", "$[x]", "$['a"} {
		if _, err := canonicalPath(bad); err == nil {
			t.Errorf("canonicalPath(%q) accepted", bad)
		}
	}
}

func TestValueDiff(t *testing.T) {
	e := mustExpect(t, `{"status":"SUCCEEDED",
	  "ignore_paths":["$.output.Date","$.output.Id","$.cause"],
	  "match_patterns":{"$.output.Id":"^arn:aws:states:"},
	  "json_text_paths":["$.cause"]}`)
	c := &comparer{e: e, strictOrder: true}
	cases := []struct {
		exp, act, want string // want: "" or a substring of the difference
	}{
		{`{"a":1,"b":[1,2]}`, `{"a":1,"b":[1,2]}`, ""},
		{`{"a":1}`, `{"a":1.0}`, "written 1"},
		{`{"a":1.5}`, `{"a":1.5}`, ""},
		{`{"a":1,"b":2}`, `{"b":2,"a":1}`, "member order"},
		{`{"a":1}`, `{}`, `missing member "a"`},
		{`{}`, `{"x":null}`, `unexpected member "x"`},
		{`[1,2]`, `[1]`, "expected 2 elements"},
		{`{"a":"x"}`, `{"a":["x"]}`, `$.output.a: expected "x", got ["x"]`},
		{`{"Date":"Mon"}`, `{"Date":"Tue"}`, ""},
		{`{"Date":"Mon"}`, `{}`, `missing member "Date"`},
		{`{"Id":"arn:aws:states:x"}`, `{"Id":"arn:aws:states:y"}`, ""},
		{`{"Id":"arn:aws:states:x"}`, `{"Id":"nope"}`, "does not match"},
		{`null`, `false`, "expected null, got false"},
	}
	for _, tc := range cases {
		d := c.diff("$.output", mustValue(t, tc.exp), mustValue(t, tc.act))
		if (tc.want == "") != (d == "") || !strings.Contains(d, tc.want) {
			t.Errorf("diff(%s, %s) = %q, want %q", tc.exp, tc.act, d, tc.want)
		}
	}
}

func TestMemberOrderIsNotedNotFailed(t *testing.T) {
	c := &comparer{e: mustExpect(t, `{"status":"SUCCEEDED"}`)}
	if d := c.diff("$.output", mustValue(t, `{"a":1,"b":{"x":1,"y":2}}`), mustValue(t, `{"a":1,"b":{"y":2,"x":1}}`)); d != "" {
		t.Fatalf("order only: %q", d)
	}
	if len(c.orderNotes) != 1 || !strings.Contains(c.orderNotes[0], "$.output.b: member order differs") {
		t.Fatalf("notes = %q", c.orderNotes)
	}
	if d := c.diff("$.output", mustValue(t, `{"a":1}`), mustValue(t, `{"a":1.0}`)); d == "" {
		t.Fatal("an integer must not equal a float")
	}
}

func TestJSONTextPath(t *testing.T) {
	e := mustExpect(t, `{"status":"FAILED","json_text_paths":["$.cause"]}`)
	c := &comparer{e: e}
	if d := c.diff("$.cause", `{"a":1, "b":"x"}`, `{"b":"x","a":1}`); d != "" {
		t.Errorf("same JSON text: %s", d)
	}
	if d := c.diff("$.cause", `{"a":1}`, `{"a":2}`); !strings.Contains(d, "as JSON") {
		t.Errorf("different JSON text: %q", d)
	}
	if d := c.diff("$.error", `{"a":1}`, `{"a":1 }`); d == "" {
		t.Error("a path not listed must compare as bytes")
	}
}

func TestSegments(t *testing.T) {
	ev := strings.Split("ExecutionStarted,MapStateEntered,MapStateStarted,MapIterationStarted,ParallelStateStarted,X,ParallelStateSucceeded,MapIterationSucceeded,MapStateSucceeded,MapStateExited,ExecutionSucceeded", ",")
	segs := segments(ev)
	if len(segs) != 5 || !segs[2].Block || len(segs[2].Events) != 7 || segs[3].Events[0] != "MapStateExited" {
		t.Fatalf("segments = %+v", segs)
	}
	// A closer with no opener is an ordinary event; an unclosed block runs
	// to the end.
	segs = segments(strings.Split("MapStateEntered,MapStateFailed,MapStateStarted,A,ExecutionFailed", ","))
	if len(segs) != 3 || segs[1].Block || !segs[2].Block || len(segs[2].Events) != 3 {
		t.Fatalf("segments = %+v", segs)
	}
}

func TestDiffEvents(t *testing.T) {
	split := func(s string) []string { return strings.Split(s, ",") }
	exp := split("ExecutionStarted,MapStateEntered,MapStateStarted,MapIterationStarted,MapIterationStarted,PassStateEntered,PassStateEntered,PassStateExited,PassStateExited,MapIterationSucceeded,MapIterationSucceeded,MapStateSucceeded,MapStateExited,ExecutionSucceeded")
	cases := []struct{ act, want string }{
		// Another interleaving of the iterations is as good.
		{"ExecutionStarted,MapStateEntered,MapStateStarted,MapIterationStarted,PassStateEntered,PassStateExited,MapIterationSucceeded,MapIterationStarted,PassStateEntered,PassStateExited,MapIterationSucceeded,MapStateSucceeded,MapStateExited,ExecutionSucceeded", ""},
		{"ExecutionStarted,MapStateEntered,MapStateStarted,MapIterationStarted,PassStateEntered,PassStateExited,MapIterationSucceeded,MapStateSucceeded,MapStateExited,ExecutionSucceeded", "missing 1×MapIterationStarted"},
		{"ExecutionStarted,MapStateEntered,MapStateStarted,MapIterationStarted,MapIterationStarted,PassStateEntered,PassStateEntered,PassStateExited,PassStateExited,MapIterationSucceeded,MapIterationSucceeded,MapStateSucceeded,ExecutionSucceeded", "expected MapStateExited, got ExecutionSucceeded"},
		{"ExecutionStarted,MapStateEntered,MapStateStarted,MapIterationStarted,MapIterationStarted,PassStateEntered,PassStateEntered,PassStateExited,PassStateExited,MapIterationSucceeded,MapIterationSucceeded,MapStateSucceeded,MapStateExited", "missing from events[13]: ExecutionSucceeded"},
		{"ExecutionStarted,MapStateEntered,MapStateStarted,MapIterationStarted,MapIterationStarted,PassStateEntered,PassStateEntered,PassStateExited,PassStateExited,MapIterationSucceeded,MapIterationSucceeded,MapStateSucceeded,MapStateExited,ExecutionSucceeded,Extra", "extra from events[14]: Extra"},
		// Top-level order matters.
		{"MapStateEntered,ExecutionStarted,MapStateStarted,MapIterationStarted,MapIterationStarted,PassStateEntered,PassStateEntered,PassStateExited,PassStateExited,MapIterationSucceeded,MapIterationSucceeded,MapStateSucceeded,MapStateExited,ExecutionSucceeded", "events[0]: expected ExecutionStarted, got MapStateEntered"},
	}
	for _, tc := range cases {
		d := diffEvents(exp, split(tc.act))
		if (tc.want == "") != (d == "") || !strings.Contains(d, tc.want) {
			t.Errorf("diffEvents(%s) = %q, want %q", tc.act, d, tc.want)
		}
	}
}

func TestCompareResult(t *testing.T) {
	exp := mustExpect(t, `{"status":"FAILED","error":"States.Timeout","events":["ExecutionStarted","ExecutionFailed"]}`)
	res := &engine.Result{Status: engine.StatusFailed, Error: "States.Timeout",
		Events: []history.Event{{Type: "ExecutionStarted"}, {Type: "ExecutionFailed"}}}
	c := &comparer{e: exp}
	if d := c.compare(res, false); d != "" {
		t.Fatalf("equal result: %s", d)
	}
	res.Cause = "extra cause"
	if d := c.compare(res, false); !strings.Contains(d, "$.cause") {
		t.Fatalf("a cause AWS did not give must differ: %q", d)
	}
	// choice_operators cases compare only status and output.
	if d := c.compare(res, true); d != "" {
		t.Fatalf("status-and-output-only: %s", d)
	}
	res.Status = engine.StatusSucceeded
	if d := c.compare(res, true); !strings.Contains(d, "status: expected FAILED, got SUCCEEDED") {
		t.Fatalf("status: %q", d)
	}
}

func TestFloorNote(t *testing.T) {
	results := []outcome{
		{Name: "base__a", JSONPathOnly: true, Passed: true},
		{Name: "base__b", Passed: false},
		{Name: "base__c", Passed: false},
		{Name: "assign__d", JSONPathOnly: true, Passed: false},
	}
	want := "floor: at least 1 case must pass (internal/conformance/floor.txt); the run fails only below it, so no case that passes may start failing. " +
		"Failing: 3, known gaps rather than regressions: 2 JSONata cases still differ from AWS; 1 JSONPath case still differs from AWS " +
		"(CONFORMANCE_VERBOSE=1 make conformance shows each difference).\n"
	if got := floorNote(results, 1, "floor.txt"); got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	if got := floorNote(results[:1], 1, "floor.txt"); !strings.HasSuffix(got, "start failing.\n") {
		t.Errorf("no failures: %q", got)
	}
}

func TestSummary(t *testing.T) {
	out, passed := summarize([]outcome{
		{Name: "base__a", Area: "base", JSONPathOnly: true, Passed: true},
		{Name: "base__b", Area: "base", Passed: false, Diff: "status: x"},
		{Name: "assign__c", Area: "assign", JSONPathOnly: true, Passed: false, Diff: "y"},
	}, false)
	if passed != 1 {
		t.Fatalf("passed = %d", passed)
	}
	for _, want := range []string{
		"FAIL base__b: status: x\n",
		"assign: 0 passed, 1 failed (JSONPath-only: 0 passed, 1 failed)\n",
		"base: 1 passed, 1 failed (JSONPath-only: 1 passed, 0 failed)\n",
		"JSONPath-only: 1 passed, 1 failed\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
	if !strings.HasSuffix(out, "\n1 passed, 2 failed\n") {
		t.Errorf("summary must end with the total:\n%s", out)
	}
}
