package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stepwise/stepwise/asl/value"
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
	def := writeFile(t, "flow.asl.json", taskDef)
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
	if e != "States.TaskFailed" || !strings.Contains(c.(string), `no integration is configured for resource "arn:aws:states:::lambda:invoke"`) {
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
