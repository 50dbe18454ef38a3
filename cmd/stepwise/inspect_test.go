package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stepwise/stepwise/asl/value"
)

// inspectCLI runs "stepwise inspect ARGS..." and returns the exit code and
// output.
func inspectCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	code := mainWithArgs(ctx, append([]string{"inspect"}, args...), &out, &errb)
	return code, out.String(), errb.String()
}

const inspectDef = `{"StartAt":"Call","States":{
  "Call":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
    "InputPath":"$.order",
    "Parameters":{"id.$":"$.id"},
    "ResultSelector":{"v.$":"$.Payload"},
    "ResultPath":"$.r",
    "Assign":{"last.$":"$.v"},
    "Retry":[{"ErrorEquals":["Busy"],"IntervalSeconds":4,"MaxAttempts":1}],
    "Catch":[{"ErrorEquals":["States.ALL"],"ResultPath":"$.err","Next":"Recover"}],
    "Next":"Pick"},
  "Pick":{"Type":"Choice","Choices":[{"Variable":"$.n","NumericGreaterThan":10,"Next":"Big"}],"Default":"Small"},
  "Big":{"Type":"Succeed"},
  "Small":{"Type":"Fail","Error":"Too.Small","CausePath":"$.why"},
  "Recover":{"Type":"Pass","End":true}}}`

// field returns a member of a JSON object by a path of keys.
func field(t *testing.T, v any, keys ...string) any {
	t.Helper()
	for _, k := range keys {
		o, ok := v.(*value.Object)
		if !ok {
			t.Fatalf("not an object at %q: %s", k, value.EncodeString(v))
		}
		if v, ok = o.Get(k); !ok {
			t.Fatalf("no %q in %s", k, value.EncodeString(o))
		}
	}
	return v
}

// wantFields checks members of an object, JSON text each; "" means absent.
func wantFields(t *testing.T, o any, want map[string]string) {
	t.Helper()
	obj, ok := o.(*value.Object)
	if !ok {
		t.Fatalf("not an object: %s", value.EncodeString(o))
	}
	for k, w := range want {
		got, has := obj.Get(k)
		switch {
		case w == "" && has:
			t.Errorf("%s = %s, want absent", k, value.EncodeString(got))
		case w != "" && !has:
			t.Errorf("%s absent, want %s", k, w)
		case w != "" && value.EncodeString(got) != w:
			t.Errorf("%s = %s, want %s", k, value.EncodeString(got), w)
		}
	}
}

func decodeOut(t *testing.T, out string) any {
	t.Helper()
	v, err := value.DecodeString(out)
	if err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, out)
	}
	return v
}

func TestInspectSucceeded(t *testing.T) {
	def := writeFile(t, "sm.asl.json", inspectDef)
	code, out, errs := inspectCLI(t, def, "--state", "Call", "--input", `{"order":{"id":"o1"},"n":3}`,
		"--mock-result", `{"Payload":9}`, "--variables", `{"before":1}`)
	if code != 0 {
		t.Fatalf("code %d, stderr %s", code, errs)
	}
	doc := decodeOut(t, out)
	wantFields(t, doc, map[string]string{
		"status":    `"SUCCEEDED"`,
		"output":    `{"order":{"id":"o1"},"n":3,"r":{"v":9}}`,
		"nextState": `"Pick"`,
		"error":     "",
		"cause":     "",
	})
	wantFields(t, field(t, doc, "inspectionData"), map[string]string{
		"input":               `{"order":{"id":"o1"},"n":3}`,
		"afterInputPath":      `{"id":"o1"}`,
		"afterParameters":     `{"id":"o1"}`,
		"result":              `{"Payload":9}`,
		"afterResultSelector": `{"v":9}`,
		"afterResultPath":     `{"order":{"id":"o1"},"n":3,"r":{"v":9}}`,
		"variables":           `{"before":1,"last":9}`,
		"errorDetails":        "",
	})
}

func TestInspectRetriable(t *testing.T) {
	def := writeFile(t, "sm.asl.json", inspectDef)
	code, out, errs := inspectCLI(t, def, "--state=Call", "--input", `{"order":{"id":"o1"}}`, "--mock-error", "Busy", "--mock-cause", "later")
	if code != 0 {
		t.Fatalf("code %d, stderr %s", code, errs)
	}
	doc := decodeOut(t, out)
	wantFields(t, doc, map[string]string{
		"status": `"RETRIABLE"`, "error": `"Busy"`, "cause": `"later"`, "output": "", "nextState": "",
	})
	wantFields(t, field(t, doc, "inspectionData"), map[string]string{
		"afterParameters": `{"id":"o1"}`, "result": "", "afterResultPath": "",
	})
	wantFields(t, field(t, doc, "inspectionData", "errorDetails"), map[string]string{
		"retryIndex": `0`, "retryBackoffIntervalSeconds": `4`, "catchIndex": "",
	})
}

func TestInspectCaughtError(t *testing.T) {
	def := writeFile(t, "sm.asl.json", inspectDef)
	// The retrier has used its one attempt: the error goes to the catcher.
	code, out, errs := inspectCLI(t, def, "--state", "Call", "--input", `{"order":{"id":"o1"}}`,
		"--mock-error", "Busy", "--mock-cause", "later", "--retrier-retry-count", "1")
	if code != 0 {
		t.Fatalf("code %d, stderr %s", code, errs)
	}
	doc := decodeOut(t, out)
	wantFields(t, doc, map[string]string{
		"status":    `"CAUGHT_ERROR"`,
		"error":     `"Busy"`,
		"cause":     `"later"`,
		"nextState": `"Recover"`,
		"output":    `{"order":{"id":"o1"},"err":{"Error":"Busy","Cause":"later"}}`,
	})
	wantFields(t, field(t, doc, "inspectionData", "errorDetails"), map[string]string{"catchIndex": `0`, "retryIndex": ""})
}

func TestInspectFailedAndChoice(t *testing.T) {
	def := writeFile(t, "sm.asl.json", inspectDef)
	code, out, errs := inspectCLI(t, def, "--state", "Small", "--input", `{"why":"n is 3"}`)
	if code != 0 {
		t.Fatalf("code %d, stderr %s", code, errs)
	}
	wantFields(t, decodeOut(t, out), map[string]string{
		"status": `"FAILED"`, "error": `"Too.Small"`, "cause": `"n is 3"`, "output": "", "nextState": "",
	})

	for input, next := range map[string]string{`{"n":11}`: `"Big"`, `{"n":1}`: `"Small"`} {
		code, out, errs = inspectCLI(t, def, "--state", "Pick", "--input", input)
		if code != 0 {
			t.Fatalf("code %d, stderr %s", code, errs)
		}
		doc := decodeOut(t, out)
		wantFields(t, doc, map[string]string{"status": `"SUCCEEDED"`, "nextState": next, "output": input})
		wantFields(t, field(t, doc, "inspectionData"), map[string]string{"input": input, "afterInputPath": input, "afterParameters": ""})
	}
}

func TestInspectUsageErrors(t *testing.T) {
	def := writeFile(t, "sm.asl.json", inspectDef)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{def}, "--state is required"},
		{[]string{def, "--state", "Nope"}, `no such state: "Nope"`},
		{[]string{def, "--state", "Call"}, "give --mock-result JSON or --mock-error ERROR"},
		{[]string{def, "--state", "Call", "--mock-result", "1", "--mock-error", "E"}, "not both"},
		{[]string{def, "--state", "Pick", "--variables", "[1]"}, "want a JSON object"},
		{[]string{writeFile(t, "bad.json", `{"StartAt":"X","States":{}}`), "--state", "X"}, "invalid definition"},
	} {
		code, out, errs := inspectCLI(t, tc.args...)
		if code != 2 || out != "" || !strings.Contains(errs, tc.want) {
			t.Errorf("%v: code %d, stdout %q, stderr %q; want 2 and %q", tc.args, code, out, errs, tc.want)
		}
	}
}

// TestInspectJSONata checks that a JSONata state's inspection data has
// afterArguments and the variables, and none of JSONPath's stages.
func TestInspectJSONata(t *testing.T) {
	def := writeFile(t, "sm.asl.json", `{"QueryLanguage":"JSONata","StartAt":"Call","States":{
  "Call":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
    "Arguments":{"FunctionName":"f","Payload":{"n":"{% $states.input.n * 2 %}"}},
    "Assign":{"seen":"{% $states.result.Payload %}"},
    "Output":{"r":"{% $states.result.Payload.v + $k %}"},
    "End":true}}}`)
	code, out, errs := inspectCLI(t, def, "--state", "Call", "--input", `{"n":2}`,
		"--mock-result", `{"Payload":{"v":5}}`, "--variables", `{"k":1}`)
	if code != 0 {
		t.Fatalf("code %d, stderr %s", code, errs)
	}
	doc := decodeOut(t, out)
	wantFields(t, doc, map[string]string{"status": `"SUCCEEDED"`, "output": `{"r":6}`})
	wantFields(t, field(t, doc, "inspectionData"), map[string]string{
		"input":               `{"n":2}`,
		"afterArguments":      `{"FunctionName":"f","Payload":{"n":4}}`,
		"result":              `{"Payload":{"v":5}}`,
		"variables":           `{"k":1,"seen":{"v":5}}`,
		"afterInputPath":      "",
		"afterParameters":     "",
		"afterResultSelector": "",
		"afterResultPath":     "",
	})
}

// A mocked Map shows its items stages and evaluated settings, as
// TestState's inspectionData does.
func TestInspectMap(t *testing.T) {
	def := writeFile(t, "sm.asl.json", `{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items",
		"ItemSelector":{"value.$":"$$.Map.Item.Value","tag.$":"$.tag"},"MaxConcurrencyPath":"$.width","ToleratedFailureCount":1,
		"ItemProcessor":{"ProcessorConfig":{"Mode":"INLINE"},"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},
		"ResultPath":"$.out","End":true}}}`)
	code, out, errs := inspectCLI(t, def, "--state", "M", "--input", `{"items":[1,2],"tag":"t","width":3}`, "--mock-result", `[10,20]`)
	if code != 0 {
		t.Fatalf("code %d, stderr %s", code, errs)
	}
	doc := decodeOut(t, out)
	wantFields(t, doc, map[string]string{"status": `"SUCCEEDED"`, "output": `{"items":[1,2],"tag":"t","width":3,"out":[10,20]}`})
	wantFields(t, field(t, doc, "inspectionData"), map[string]string{
		"afterItemsPath":             `[1,2]`,
		"afterItemSelector":          `[{"value":1,"tag":"t"},{"value":2,"tag":"t"}]`,
		"afterItemBatcher":           "",
		"afterItemsPointer":          "",
		"maxConcurrency":             `3`,
		"toleratedFailureCount":      `1`,
		"toleratedFailurePercentage": "",
	})
}
