package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stepwise/stepwise/asl/value"
	"github.com/stepwise/stepwise/engine"
)

// runCLI runs "stepwise run ARGS..." and returns the exit code and output.
func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	code := mainWithArgs(ctx, append([]string{"run"}, args...), &out, &errb)
	return code, out.String(), errb.String()
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

const passDef = `{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"greeting.$":"States.Format('hello {}', $.name)","b":1},"End":true}}}`

const failDef = `{"StartAt":"F","States":{"F":{"Type":"Fail","Error":"Custom.Error","Cause":"it broke"}}}`

const taskDef = `{"StartAt":"Call","States":{
  "Call":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"x.$":"$.x"},
    "Retry":[{"ErrorEquals":["Lambda.TooManyRequestsException"],"IntervalSeconds":3600,"MaxAttempts":2}],
    "ResultSelector":{"v.$":"$.Payload.v"},"End":true}}}`

const taskMocks = `{"StateMachines":{"Flow":{"TestCases":{
    "Happy":{"Call":"Ok"},
    "Retry":{"Call":"BusyThenOk"},
    "Sad":{"Call":"Broken"}}}},
  "MockedResponses":{
    "Ok":{"0":{"Return":{"Payload":{"v":42}}}},
    "BusyThenOk":{"0-1":{"Throw":{"Error":"Lambda.TooManyRequestsException","Cause":"busy"}},"2":{"Return":{"Payload":{"v":7}}}},
    "Broken":{"0":{"Throw":{"Error":"Lambda.Unknown","Cause":"boom"}}}}}`

func TestRunPrintsOutput(t *testing.T) {
	def := writeFile(t, "greet.asl.json", passDef)
	code, out, errs := runCLI(t, def, "--input", `{"name":"Ada"}`)
	if code != 0 || out != "{\"greeting\":\"hello Ada\",\"b\":1}\n" {
		t.Fatalf("code %d, stdout %q, stderr %q", code, out, errs)
	}
}

func TestRunInputFromFileAndFlagsAnywhere(t *testing.T) {
	def := writeFile(t, "greet.asl.json", passDef)
	in := writeFile(t, "in.json", `{"name":"Bo"}`)
	code, out, errs := runCLI(t, "--json", def, "--input=@"+in)
	if code != 0 || out != "{\"status\":\"SUCCEEDED\",\"output\":{\"greeting\":\"hello Bo\",\"b\":1}}\n" {
		t.Fatalf("code %d, stdout %q, stderr %q", code, out, errs)
	}
}

func TestRunFailure(t *testing.T) {
	def := writeFile(t, "fail.asl.json", failDef)
	code, out, errs := runCLI(t, def)
	if code != 1 || out != "" || !strings.Contains(errs, "error: Custom.Error") || !strings.Contains(errs, "cause: it broke") {
		t.Fatalf("code %d, stdout %q, stderr %q", code, out, errs)
	}
	code, out, _ = runCLI(t, def, "--json")
	if code != 1 || out != "{\"status\":\"FAILED\",\"error\":\"Custom.Error\",\"cause\":\"it broke\"}\n" {
		t.Fatalf("--json: code %d, stdout %q", code, out)
	}
}

func TestRunInvalidDefinition(t *testing.T) {
	def := writeFile(t, "bad.asl.json", `{"StartAt":"Nowhere","States":{"A":{"Type":"Pass","End":true}}}`)
	code, out, errs := runCLI(t, def)
	if code != 2 || out != "" || !strings.Contains(errs, "invalid definition") || !strings.Contains(errs, "Nowhere") {
		t.Fatalf("code %d, stdout %q, stderr %q", code, out, errs)
	}
}

func TestRunInvalidInputAndUsage(t *testing.T) {
	def := writeFile(t, "greet.asl.json", passDef)
	for _, args := range [][]string{
		{def, "--input", `{"name":`},
		{def, "--input", "@/no/such/file.json"},
		{},
		{def, "extra"},
		{def, "--history"},
		{def, "--test-case", "X"},
		{def, "--no-such-flag"},
		{"/no/such/definition.json"},
	} {
		code, out, errs := runCLI(t, args...)
		if code != 2 || out != "" || errs == "" {
			t.Errorf("%q: code %d, stdout %q, stderr %q", args, code, out, errs)
		}
	}
}

func TestRunWithMocks(t *testing.T) {
	def := writeFile(t, "flow.asl.json", taskDef)
	mocks := writeFile(t, "mocks.json", taskMocks)
	code, out, errs := runCLI(t, def, "--mocks", mocks, "--test-case", "Happy", "--input", `{"x":1}`)
	if code != 0 || out != "{\"v\":42}\n" {
		t.Fatalf("Happy: code %d, stdout %q, stderr %q", code, out, errs)
	}
	// Two retries of an hour each: the virtual clock makes them instant.
	begin := time.Now()
	code, out, errs = runCLI(t, def, "--mocks", mocks, "--test-case", "Retry", "--virtual-clock", "--input", `{"x":1}`)
	if code != 0 || out != "{\"v\":7}\n" {
		t.Fatalf("Retry: code %d, stdout %q, stderr %q", code, out, errs)
	}
	if d := time.Since(begin); d > 10*time.Second {
		t.Fatalf("Retry with a virtual clock took %v", d)
	}
	code, out, errs = runCLI(t, def, "--mocks", mocks, "--test-case", "Sad", "--state-machine", "Flow", "--json", "--input", `{"x":1}`)
	if code != 1 || out != "{\"status\":\"FAILED\",\"error\":\"Lambda.Unknown\",\"cause\":\"boom\"}\n" {
		t.Fatalf("Sad: code %d, stdout %q, stderr %q", code, out, errs)
	}
	code, _, errs = runCLI(t, def, "--mocks", mocks)
	if code != 2 || !strings.Contains(errs, "Happy, Retry, Sad") {
		t.Fatalf("no test case: code %d, stderr %q", code, errs)
	}
	code, _, errs = runCLI(t, def, "--mocks", mocks, "--test-case", "Nope")
	if code != 2 || !strings.Contains(errs, `no test case "Nope"`) {
		t.Fatalf("unknown test case: code %d, stderr %q", code, errs)
	}
	bad := writeFile(t, "bad.json", `{"StateMachines":{},"MockedResponses":{"R":{"zero":{"Return":1}}}}`)
	code, _, errs = runCLI(t, def, "--mocks", bad)
	if code != 2 || !strings.Contains(errs, `call key "zero"`) {
		t.Fatalf("malformed mocks: code %d, stderr %q", code, errs)
	}
}

func TestRunTaskWithoutProvider(t *testing.T) {
	// Without --mocks Task states call AWS (invoker_test.go); a resource no
	// integration supports fails saying so, with States.Runtime.
	def := writeFile(t, "flow.asl.json", strings.Replace(taskDef, "arn:aws:states:::lambda:invoke", "arn:aws:states:::nosuchservice:startJobRun", 1))
	code, out, errs := runCLI(t, def, "--json", "--input", `{"x":1}`)
	if code != 1 {
		t.Fatalf("code %d, stdout %q, stderr %q", code, out, errs)
	}
	v, err := value.DecodeString(out)
	if err != nil {
		t.Fatalf("stdout is not JSON: %q", out)
	}
	o := v.(*value.Object)
	e, _ := o.Get("error")
	c, _ := o.Get("cause")
	if e != "States.Runtime" || !strings.Contains(c.(string), `no integration is configured for resource "arn:aws:states:::nosuchservice:startJobRun"`) {
		t.Fatalf("got %s", out)
	}
}

func TestRunHistory(t *testing.T) {
	def := writeFile(t, "greet.asl.json", passDef)
	code, out, errs := runCLI(t, def, "--json", "--history", "--virtual-clock", "--input", `{"name":"Cy"}`)
	if code != 0 {
		t.Fatalf("code %d, stderr %q", code, errs)
	}
	v, err := value.DecodeString(out)
	if err != nil {
		t.Fatalf("stdout is not JSON: %q", out)
	}
	evs, _ := v.(*value.Object).Get("events")
	list, _ := evs.([]any)
	var types []string
	for _, e := range list {
		ty, _ := e.(*value.Object).Get("type")
		s, _ := ty.(string)
		types = append(types, s)
	}
	if got := strings.Join(types, ","); got != "ExecutionStarted,PassStateEntered,PassStateExited,ExecutionSucceeded" {
		t.Fatalf("event types %s", got)
	}
}

func TestRunWaitWithVirtualClock(t *testing.T) {
	def := writeFile(t, "wait.asl.json", `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":86400,"End":true}}}`)
	begin := time.Now()
	code, out, errs := runCLI(t, def, "--virtual-clock", "--input", `{"a":[1,2.5]}`)
	if code != 0 || out != "{\"a\":[1,2.5]}\n" {
		t.Fatalf("code %d, stdout %q, stderr %q", code, out, errs)
	}
	if d := time.Since(begin); d > 10*time.Second {
		t.Fatalf("a day's Wait took %v", d)
	}
}

func TestBaseName(t *testing.T) {
	for in, want := range map[string]string{"dir/flow.asl.json": "flow", "x.yaml": "x", "plain": "plain"} {
		if got := baseName(in); got != want {
			t.Errorf("baseName(%q) = %q, want %q", in, got, want)
		}
	}
}

const traceDef = `{"StartAt":"Call","States":{
  "Call":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","InputPath":"$.order",
    "Parameters":{"id.$":"$.id"},"ResultSelector":{"v.$":"$.Payload.v","items.$":"$.Payload.items"},"ResultPath":"$.r",
    "OutputPath":"$.r","Assign":{"got.$":"$.v"},
    "Retry":[{"ErrorEquals":["Lambda.TooManyRequestsException"],"IntervalSeconds":2,"MaxAttempts":2}],
    "Next":"Each"},
  "Each":{"Type":"Map","ItemsPath":"$.items","ItemProcessor":{"StartAt":"Double","States":{
    "Double":{"Type":"Pass","Parameters":{"d.$":"States.MathAdd($, $)"},"End":true}}},
    "ResultPath":"$.doubled","Next":"Boom"},
  "Boom":{"Type":"Fail","Error":"Custom","Cause":"stop"}}}`

const traceMocks = `{"StateMachines":{"Flow":{"TestCases":{"T":{"Call":"BusyThenOk"}}}},
  "MockedResponses":{"BusyThenOk":{"0":{"Throw":{"Error":"Lambda.TooManyRequestsException","Cause":"busy"}},
    "1":{"Return":{"Payload":{"v":7,"items":[1,2]}}}}}}`

func TestRunTraceJSON(t *testing.T) {
	def := writeFile(t, "flow.asl.json", traceDef)
	mocks := writeFile(t, "mocks.json", traceMocks)
	code, out, errs := runCLI(t, def, "--mocks", mocks, "--virtual-clock", "--trace", "--json", "--input", `{"order":{"id":"o1"}}`)
	if code != 1 {
		t.Fatalf("code %d, stderr %s", code, errs)
	}
	if errs != "" {
		t.Errorf("stderr %q, want nothing (the trace is in the JSON document)", errs)
	}
	doc := decodeOut(t, out)
	wantFields(t, doc, map[string]string{"status": `"FAILED"`, "error": `"Custom"`, "cause": `"stop"`})
	steps, ok := field(t, doc, "trace").([]any)
	if !ok || len(steps) != 5 {
		t.Fatalf("trace %s", value.EncodeString(field(t, doc, "trace")))
	}
	wantFields(t, steps[0], map[string]string{
		"state":               `"Call"`,
		"type":                `"Task"`,
		"path":                `[]`,
		"input":               `{"order":{"id":"o1"}}`,
		"afterInputPath":      `{"id":"o1"}`,
		"afterParameters":     `{"id":"o1"}`,
		"result":              `{"Payload":{"v":7,"items":[1,2]}}`,
		"afterResultSelector": `{"v":7,"items":[1,2]}`,
		"afterResultPath":     `{"order":{"id":"o1"},"r":{"v":7,"items":[1,2]}}`,
		"output":              `{"v":7,"items":[1,2]}`,
		"variables":           `{"got":7}`,
		"next":                `"Each"`,
		"end":                 "",
		"error":               "",
		"cause":               "",
		"catch":               "",
		"retries":             `[{"retrier":0,"attempt":1,"error":"Lambda.TooManyRequestsException","cause":"busy","delaySeconds":2}]`,
		"durationSeconds":     `2`, // the retry's back-off, in virtual time
	})
	wantFields(t, steps[1], map[string]string{
		"state":           `"Each"`,
		"type":            `"Map"`,
		"path":            `[]`,
		"afterParameters": "",
		"result":          `[{"d":2},{"d":4}]`,
		"afterResultPath": `{"v":7,"items":[1,2],"doubled":[{"d":2},{"d":4}]}`,
		"next":            `"Boom"`,
	})
	for i, s := range steps[2:4] {
		wantFields(t, s, map[string]string{
			"state":           `"Double"`,
			"path":            `[{"state":"Each","iteration":` + string(rune('0'+i)) + `}]`,
			"input":           string(rune('1' + i)),
			"afterParameters": `{"d":` + string(rune('2'+2*i)) + `}`,
			"output":          `{"d":` + string(rune('2'+2*i)) + `}`,
			"end":             `true`,
			"next":            "",
		})
	}
	wantFields(t, steps[4], map[string]string{
		"state": `"Boom"`, "type": `"Fail"`, "error": `"Custom"`, "cause": `"stop"`, "output": "", "next": "", "end": "",
	})
}

func TestRunTraceText(t *testing.T) {
	def := writeFile(t, "flow.asl.json", traceDef)
	mocks := writeFile(t, "mocks.json", strings.Replace(traceMocks, `"items":[1,2]`, `"items":[1,2],"note":"`+strings.Repeat("x", 200)+`"`, 1))
	code, out, errs := runCLI(t, def, "--mocks", mocks, "--virtual-clock", "--trace", "--trace-width", "60", "--input", `{"order":{"id":"o1"}}`)
	if code != 1 || out != "" {
		t.Fatalf("code %d, stdout %q, stderr %s", code, out, errs)
	}
	if strings.Contains(errs, "\x1b[") {
		t.Errorf("colour codes written to a non-terminal:\n%s", errs)
	}
	want := []string{
		"Call (Task)  → Each  ",
		"  afterParameters     {\"id\":\"o1\"}\n",
		"  retry               Retry[0] attempt 1 after Lambda.TooMa…\n",
		"  variables           {\"got\":7}\n",
		"Each (Map)  → Boom  0s\n",
		"  iteration 0\n",
		"    Double (Pass)  ✓ end  0s\n",
		"      afterParameters     {\"d\":2}\n",
		"  iteration 1\n",
		"      output              {\"d\":4}\n",
		"Boom (Fail)  ✗ Custom  0s\n",
		"  error               Custom: stop\n",
		"execution FAILED\n",
	}
	last := -1
	for _, w := range want {
		i := strings.Index(errs, w)
		if i < 0 || i < last {
			t.Fatalf("stderr lacks %q (in order):\n%s", w, errs)
		}
		last = i
	}
	for _, l := range strings.Split(errs, "\n") {
		if n := utf8.RuneCountInString(l); n > 60 {
			t.Errorf("line of %d runes, want at most 60: %q", n, l)
		}
	}
	if !strings.Contains(errs, "…") {
		t.Errorf("no long value folded:\n%s", errs)
	}
	// The retry's back-off is the Task's duration (virtual time).
	if !regexp.MustCompile(`Call \(Task\)  → Each  [1-9][0-9.]*m?s\n`).MatchString(errs) {
		t.Errorf("the Task's duration is not its retry's back-off:\n%s", errs)
	}

	// --trace-width 0 shows whole values.
	code, _, errs = runCLI(t, def, "--mocks", mocks, "--virtual-clock", "--trace", "--trace-width", "0", "--input", `{"order":{"id":"o1"}}`)
	if code != 1 || strings.Contains(errs, "…") || !strings.Contains(errs, `"note":"`+strings.Repeat("x", 200)+`"`) {
		t.Errorf("--trace-width 0: code %d, a value folded:\n%s", code, errs)
	}
}

func TestRunPayloadLimit(t *testing.T) {
	def := writeFile(t, "pass.asl.json", `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`)
	big := writeFile(t, "big.json", `{"s":"`+strings.Repeat("x", 300*1024)+`"}`)
	if code, _, errs := runCLI(t, def, "--input", "@"+big); code != 1 || !strings.Contains(errs, "States.DataLimitExceeded") {
		t.Errorf("default limit: code %d, stderr %q", code, errs)
	}
	if code, out, errs := runCLI(t, def, "--input", "@"+big, "--payload-limit", "0"); code != 0 || len(out) < 300*1024 {
		t.Errorf("no limit: code %d, stderr %q", code, errs)
	}
	if code, _, _ := runCLI(t, def, "--input", "@"+big, "--payload-limit", "400000"); code != 0 {
		t.Errorf("raised limit: code %d", code)
	}
	if code, _, errs := runCLI(t, def, "--payload-limit", "-1"); code != 2 || !strings.Contains(errs, "--payload-limit") {
		t.Errorf("negative limit: code %d, stderr %q", code, errs)
	}
}

// endlessLoop is a Pass/Choice loop that never ends.
const endlessLoop = `{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"C"},
  "C":{"Type":"Choice","Choices":[{"Variable":"$.stop","IsPresent":true,"Next":"Done"}],"Default":"A"},"Done":{"Type":"Succeed"}}}`

func TestRunStopsAtTheHistoryLimit(t *testing.T) {
	def := writeFile(t, "loop.asl.json", endlessLoop)
	code, out, errs := runCLI(t, def, "--json", "--history")
	if code != 1 {
		t.Fatalf("code %d, stderr %q", code, errs)
	}
	var doc struct {
		Status, Error, Cause string
		Events               []struct {
			ID              int64  `json:"id"`
			PreviousEventID int64  `json:"previousEventId"`
			Type            string `json:"type"`
		}
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("%v: %.300s", err, out)
	}
	if doc.Status != "FAILED" || doc.Error != "States.Runtime" || doc.Cause != engine.HistoryLimitCause {
		t.Fatalf("got %s %s %q", doc.Status, doc.Error, doc.Cause)
	}
	last := doc.Events[len(doc.Events)-1]
	if len(doc.Events) != 25000 || last.ID != 25000 || last.PreviousEventID != 24999 || last.Type != "ExecutionFailed" {
		t.Fatalf("%d events, last %+v", len(doc.Events), last)
	}
	// Lowered, and lifted (a loop that does end, past 25,000 events).
	code, _, errs = runCLI(t, def, "--max-history-events", "100")
	if code != 1 || !strings.Contains(errs, "maximum number of history events") {
		t.Fatalf("--max-history-events 100: code %d, stderr %q", code, errs)
	}
	counting := writeFile(t, "count.asl.json", `{"StartAt":"Inc","States":{
	"Inc":{"Type":"Pass","Parameters":{"n.$":"States.MathAdd($.n, 1)"},"Next":"Check"},
	"Check":{"Type":"Choice","Choices":[{"Variable":"$.n","NumericGreaterThanEquals":8000,"Next":"Done"}],"Default":"Inc"},
	"Done":{"Type":"Succeed"}}}`)
	if code, out, errs := runCLI(t, counting, "--input", `{"n":0}`); code != 1 || out != "" {
		t.Fatalf("8,000 rounds under the limit: code %d, stdout %q, stderr %q", code, out, errs)
	}
	if code, out, errs := runCLI(t, counting, "--input", `{"n":0}`, "--max-history-events", "0"); code != 0 || out != "{\"n\":8000}\n" {
		t.Fatalf("8,000 rounds without a limit: code %d, stdout %q, stderr %q", code, out, errs)
	}
}

func TestRunRefusesWhatItCannotRun(t *testing.T) {
	for _, c := range []struct{ name, def, field string }{
		{"a Resource as a JSONata expression", `{"QueryLanguage":"JSONata","StartAt":"T","States":{"T":{"Type":"Task","Resource":"{% 'arn:aws:states:::lambda:invoke' %}","End":true}}}`, "Resource"},
		{"a ResultWriter without Resource", `{"StartAt":"M","States":{"M":{"Type":"Map","ResultWriter":{"WriterConfig":{"Transformation":"FLATTEN"}},
			"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}}}`, "ResultWriter/Resource"},
		{"an unknown ReaderConfig member", `{"StartAt":"M","States":{"M":{"Type":"Map","ItemReader":{"Resource":"arn:aws:states:::s3:getObject","ReaderConfig":{"InputType":"JSON","Compression":"GZIP"},"Parameters":{"Bucket":"b","Key":"k"}},
			"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}}}`, "ItemReader/ReaderConfig/Compression"},
	} {
		t.Run(c.name, func(t *testing.T) {
			def := writeFile(t, "m.asl.json", c.def)
			code, out, errs := runCLI(t, def, "--input", `{"x":1}`)
			if code != 1 || out != "" || !strings.Contains(errs, "States.Runtime") || !strings.Contains(errs, "'"+c.field+"'") {
				t.Fatalf("run: code %d, stdout %q, stderr %q", code, out, errs)
			}
			var vout, verr bytes.Buffer
			code = mainWithArgs(context.Background(), []string{"validate", def}, &vout, &verr)
			if code != 0 || !strings.Contains(vout.String()+verr.String(), "WARNING") || !strings.Contains(vout.String()+verr.String(), c.field) {
				t.Fatalf("validate: code %d, stdout %q, stderr %q", code, vout.String(), verr.String())
			}
		})
	}
}

// The fields issue #12 found ignored now run: JSONata's Output and Choice
// Condition.
func TestRunJSONata(t *testing.T) {
	pass := writeFile(t, "pass.asl.json", `{"QueryLanguage":"JSONata","StartAt":"P","States":{"P":{"Type":"Pass","Output":"{% $states.input.x + 1 %}","End":true}}}`)
	if code, out, errs := runCLI(t, pass, "--input", `{"x":1}`); code != 0 || out != "2\n" {
		t.Fatalf("Output: code %d, stdout %q, stderr %q", code, out, errs)
	}
	choice := writeFile(t, "choice.asl.json", `{"QueryLanguage":"JSONata","StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Condition":"{% $states.input.x > 1 %}","Next":"Big"}],"Default":"Small"},
		"Big":{"Type":"Pass","Output":"big","End":true},"Small":{"Type":"Pass","Output":"small","End":true}}}`)
	for in, want := range map[string]string{`{"x":1}`: "\"small\"\n", `{"x":5}`: "\"big\"\n"} {
		if code, out, errs := runCLI(t, choice, "--input", in); code != 0 || out != want {
			t.Fatalf("Choice on %s: code %d, stdout %q, stderr %q", in, code, out, errs)
		}
	}
}

// TestRunTraceJSONata checks that the trace of a JSONata state shows its
// own stages (afterArguments, result, output, variables) and none of
// JSONPath's, in the JSON document and in the text.
func TestRunTraceJSONata(t *testing.T) {
	def := writeFile(t, "flow.asl.json", `{"QueryLanguage":"JSONata","StartAt":"Call","States":{
  "Call":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
    "Arguments":{"FunctionName":"f","Payload":"{% $states.input.n + 1 %}"},
    "Assign":{"got":"{% $states.result.Payload %}"},
    "Output":"{% $states.result.Payload * 10 %}","End":true}}}`)
	mocks := writeFile(t, "mocks.json", `{"StateMachines":{"Flow":{"TestCases":{"T":{"Call":"Ok"}}}},
  "MockedResponses":{"Ok":{"0":{"Return":{"Payload":4}}}}}`)
	code, out, errs := runCLI(t, def, "--mocks", mocks, "--virtual-clock", "--trace", "--json", "--input", `{"n":1}`)
	if code != 0 {
		t.Fatalf("code %d, stderr %s", code, errs)
	}
	steps, ok := field(t, decodeOut(t, out), "trace").([]any)
	if !ok || len(steps) != 1 {
		t.Fatalf("trace %s", out)
	}
	wantFields(t, steps[0], map[string]string{
		"input":           `{"n":1}`,
		"afterArguments":  `{"FunctionName":"f","Payload":2}`,
		"result":          `{"Payload":4}`,
		"output":          `40`,
		"variables":       `{"got":4}`,
		"afterInputPath":  "",
		"afterParameters": "",
	})

	code, _, errs = runCLI(t, def, "--mocks", mocks, "--virtual-clock", "--trace", "--input", `{"n":1}`)
	if code != 0 {
		t.Fatalf("code %d, stderr %s", code, errs)
	}
	last := -1
	for _, w := range []string{"  afterArguments      {\"FunctionName\":\"f\",\"Payload\":2}\n", "  result              {\"Payload\":4}\n",
		"  output              40\n", "  variables           {\"got\":4}\n"} {
		i := strings.Index(errs, w)
		if i < 0 || i < last {
			t.Fatalf("stderr lacks %q (in order):\n%s", w, errs)
		}
		last = i
	}
	if strings.Contains(errs, "afterInputPath") || strings.Contains(errs, "afterParameters") {
		t.Errorf("JSONPath stages in a JSONata trace:\n%s", errs)
	}
}
