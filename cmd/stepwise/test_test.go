package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stepwise/stepwise/asl/value"
)

// testCLI runs "stepwise test ARGS..." and returns the exit code, stdout
// and stderr.
func testCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	code := mainWithArgs(ctx, append([]string{"test"}, args...), &out, &errb)
	return code, out.String(), errb.String()
}

// tempFiles writes files into a new temporary directory and returns it.
func tempFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644))
	}
	return dir
}

// A task with a one-hour retry, and three test cases.
const payDef = `{"StartAt":"Pay","States":{
  "Pay":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
    "Retry":[{"ErrorEquals":["Lambda.TooManyRequestsException"],"IntervalSeconds":3600,"MaxAttempts":2}],
    "ResultSelector":{"paid.$":"$.Payload.paid","amount.$":"$.Payload.amount"},"End":true}}}`

const payMocks = `{"StateMachines":{"pay":{"TestCases":{
    "Happy":{"Pay":"Ok"},
    "Busy":{"Pay":"BusyThenOk"},
    "Sad":{"Pay":"Broken"}}}},
  "MockedResponses":{
    "Ok":{"0":{"Return":{"Payload":{"paid":true,"amount":10}}}},
    "BusyThenOk":{"0-1":{"Throw":{"Error":"Lambda.TooManyRequestsException","Cause":"busy"}},"2":{"Return":{"Payload":{"paid":true,"amount":20}}}},
    "Broken":{"0":{"Throw":{"Error":"Lambda.Unknown","Cause":"boom"}}}}}`

const payExpect = `{
  "Happy": {"status": "SUCCEEDED", "output": {"amount": 10, "paid": true}},
  "Busy": {"input": {"amount": 20}, "status": "SUCCEEDED", "output": {"paid": true, "amount": 20.0}},
  "Sad": {"status": "FAILED", "error": "Lambda.Unknown", "cause": "boom"}
}`

func payDir(t *testing.T, expect string) string {
	t.Helper()
	files := map[string]string{"pay.asl.json": payDef, "mocks.json": payMocks}
	if expect != "" {
		files["expect.json"] = expect
	}
	return tempFiles(t, files)
}

func TestTestPassesWhenExpectationsHold(t *testing.T) {
	dir := payDir(t, payExpect)
	code, out, errs := testCLI(t, filepath.Join(dir, "pay.asl.json"), "--mocks", filepath.Join(dir, "mocks.json"),
		"--expect", filepath.Join(dir, "expect.json"))
	require.Equal(t, 0, code, "stdout:\n%s\nstderr:\n%s", out, errs)
	assert.Equal(t, "PASS  Happy  SUCCEEDED  0s\n"+
		"PASS  Busy   SUCCEEDED  3h0m0s\n"+ // retries after 1h and 2h, on the virtual clock
		"PASS  Sad    FAILED     0s\n"+
		"3 passed, 0 failed\n", out)
	assert.Empty(t, errs)
}

func TestTestFailsOnMismatchAndSaysWhy(t *testing.T) {
	dir := payDir(t, `{
	  "Happy": {"status": "SUCCEEDED", "output": {"amount": 11, "paid": true}},
	  "Busy": {"status": "FAILED", "error": "Lambda.TooManyRequestsException"},
	  "Sad": {"status": "FAILED", "error": "Lambda.Other", "cause": "bang"}
	}`)
	code, out, _ := testCLI(t, filepath.Join(dir, "pay.asl.json"), "--mocks", filepath.Join(dir, "mocks.json"),
		"--expect", filepath.Join(dir, "expect.json"))
	assert.Equal(t, 1, code)
	assert.Equal(t, `FAIL  Happy  SUCCEEDED  0s
      output differs at $.amount
        want: {"amount":11,"paid":true}
         got: {"paid":true,"amount":10}
FAIL  Busy   SUCCEEDED  3h0m0s
      status: want FAILED, got SUCCEEDED (output {"paid":true,"amount":20})
      error: want "Lambda.TooManyRequestsException", got ""
FAIL  Sad    FAILED     0s
      error: want "Lambda.Other", got "Lambda.Unknown"
      cause: want "bang", got "boom"
0 passed, 3 failed
`, out)
}

func TestTestWithoutExpectationsReportsOutcomes(t *testing.T) {
	dir := payDir(t, "")
	code, out, _ := testCLI(t, filepath.Join(dir, "pay.asl.json"), "--mocks", filepath.Join(dir, "mocks.json"),
		"--input", `{"amount":5}`)
	// A failed execution without an expectation fails the run.
	assert.Equal(t, 1, code)
	assert.Contains(t, out, "?     Happy  SUCCEEDED  0s\n      output {\"paid\":true,\"amount\":10}\n")
	assert.Contains(t, out, "FAIL  Sad    FAILED     0s\n      error \"Lambda.Unknown\", cause \"boom\"\n")
	assert.Contains(t, out, "0 passed, 1 failed, 2 without expectation\n")

	// Only succeeding cases: exit 0, each shown unchecked.
	code, out, _ = testCLI(t, filepath.Join(dir, "pay.asl.json"), "--mocks", filepath.Join(dir, "mocks.json"),
		"--input", `{"amount":5}`, "--case", "Happy")
	assert.Equal(t, 0, code)
	assert.Contains(t, out, "0 passed, 0 failed, 1 without expectation\n")
}

// Without --expect, the cases have no input: the command says so (exit 2)
// rather than run every case on {}.
func TestTestWithoutExpectOrInputRefuses(t *testing.T) {
	dir := payDir(t, "")
	code, out, errOut := testCLI(t, filepath.Join(dir, "pay.asl.json"), "--mocks", filepath.Join(dir, "mocks.json"))
	assert.Equal(t, 2, code)
	assert.Empty(t, out)
	assert.Contains(t, errOut, "stepwise test: no input for the test cases")
	assert.Contains(t, errOut, "--expect EXPECT.json --update")
}

func TestTestUpdateWritesExpectationsThatThenPass(t *testing.T) {
	dir := payDir(t, "")
	def, mocks, expect := filepath.Join(dir, "pay.asl.json"), filepath.Join(dir, "mocks.json"), filepath.Join(dir, "expect.json")

	code, _, errs := testCLI(t, def, "--mocks", mocks, "--expect", expect, "--update")
	require.Equal(t, 0, code, errs)
	assert.Contains(t, errs, "wrote "+expect+" (3 test cases)")
	data, err := os.ReadFile(expect)
	require.NoError(t, err)
	assert.Equal(t, `{
  "Happy": {
    "status": "SUCCEEDED",
    "output": {
      "paid": true,
      "amount": 10
    }
  },
  "Busy": {
    "status": "SUCCEEDED",
    "output": {
      "paid": true,
      "amount": 20
    }
  },
  "Sad": {
    "status": "FAILED",
    "error": "Lambda.Unknown",
    "cause": "boom"
  }
}
`, string(data))

	code, out, _ := testCLI(t, def, "--mocks", mocks, "--expect", expect)
	assert.Equal(t, 0, code, out)
	assert.Contains(t, out, "3 passed, 0 failed")
}

func TestTestUpdateOfOneCaseKeepsTheOthersAndTheInput(t *testing.T) {
	dir := payDir(t, `{
	  "Sad": {"status": "SUCCEEDED"},
	  "Busy": {"input": {"amount": 20}, "status": "FAILED", "error": "stale"}
	}`)
	def, mocks, expect := filepath.Join(dir, "pay.asl.json"), filepath.Join(dir, "mocks.json"), filepath.Join(dir, "expect.json")

	code, out, errs := testCLI(t, def, "--mocks", mocks, "--expect", expect, "--update", "--case", "Busy")
	require.Equal(t, 0, code, errs)
	assert.Contains(t, out, "FAIL  Busy  SUCCEEDED  3h0m0s\n", "the old expectation is still compared and shown")
	data, err := os.ReadFile(expect)
	require.NoError(t, err)
	got, err := value.Decode(data)
	require.NoError(t, err)
	want, err := value.DecodeString(`{
	  "Busy": {"input": {"amount": 20}, "status": "SUCCEEDED", "output": {"paid": true, "amount": 20}},
	  "Sad": {"status": "SUCCEEDED"}
	}`)
	require.NoError(t, err)
	assert.True(t, value.Equal(want, got), "%s", data)
	assert.Equal(t, []string{"Busy", "Sad"}, got.(*value.Object).Keys(), "mock file order")
}

func TestTestInputComesFromFlagElseExpectationElseEmpty(t *testing.T) {
	echo := `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`
	mocks := `{"StateMachines":{"echo":{"TestCases":{"A":{},"B":{}}}},"MockedResponses":{}}`
	dir := tempFiles(t, map[string]string{"echo.asl.json": echo, "mocks.json": mocks, "in.json": `{"from":"file"}`,
		"expect.json": `{"A":{"input":{"from":"expect"},"output":{"from":"expect"}},"B":{"output":{}}}`})
	def, mf, expect := filepath.Join(dir, "echo.asl.json"), filepath.Join(dir, "mocks.json"), filepath.Join(dir, "expect.json")

	code, out, _ := testCLI(t, def, "--mocks", mf, "--expect", expect)
	assert.Equal(t, 0, code, out)

	code, out, _ = testCLI(t, def, "--mocks", mf, "--expect", expect, "--input", "@"+filepath.Join(dir, "in.json"))
	assert.Equal(t, 1, code)
	assert.Contains(t, out, "FAIL  A  SUCCEEDED  0s\n      output differs at $.from\n")
	assert.Contains(t, out, "FAIL  B  SUCCEEDED  0s\n      output differs at $.from\n")
}

func TestTestCaseFlagRunsOneCase(t *testing.T) {
	dir := payDir(t, payExpect)
	code, out, _ := testCLI(t, filepath.Join(dir, "pay.asl.json"), "--mocks", filepath.Join(dir, "mocks.json"),
		"--expect", filepath.Join(dir, "expect.json"), "--case", "Sad")
	assert.Equal(t, 0, code)
	assert.Equal(t, "PASS  Sad  FAILED     0s\n1 passed, 0 failed\n", out)
}

func TestTestStateMachineChoice(t *testing.T) {
	two := `{"StateMachines":{"other":{"TestCases":{"X":{"Pay":"Broken"}}},"pay":{"TestCases":{"Y":{"Pay":"Ok"}}}},
	  "MockedResponses":{"Ok":{"0":{"Return":{"Payload":{"paid":true,"amount":1}}}},"Broken":{"0":{"Throw":{"Error":"E","Cause":"c"}}}}}`
	dir := tempFiles(t, map[string]string{"pay.asl.json": payDef, "flow.json": payDef, "mocks.json": two})
	mocks := filepath.Join(dir, "mocks.json")

	code, out, _ := testCLI(t, filepath.Join(dir, "pay.asl.json"), "--mocks", mocks, "--input", "{}")
	assert.Equal(t, 0, code)
	assert.Contains(t, out, "?     Y  SUCCEEDED", "named after the definition file")

	code, out, _ = testCLI(t, filepath.Join(dir, "flow.json"), "--mocks", mocks, "--state-machine", "other", "--input", "{}")
	assert.Equal(t, 1, code)
	assert.Contains(t, out, "FAIL  X  FAILED")

	code, _, errs := testCLI(t, filepath.Join(dir, "flow.json"), "--mocks", mocks, "--input", "{}")
	assert.Equal(t, 2, code)
	assert.Contains(t, errs, "choose a state machine with --state-machine (have: other, pay)")
}

func TestTestUsageAndInvalidFilesExit2(t *testing.T) {
	dir := payDir(t, payExpect)
	def, mocks := filepath.Join(dir, "pay.asl.json"), filepath.Join(dir, "mocks.json")
	bad := tempFiles(t, map[string]string{
		"bad.asl.json":      `{"StartAt":"Nowhere","States":{}}`,
		"badmocks.json":     `{"StateMachines":{"pay":{"TestCases":{"A":{"Pay":"Missing"}}}},"MockedResponses":{}}`,
		"notobject.json":    `[1]`,
		"badmember.json":    `{"Happy":{"status":"SUCCEEDED","outptu":{}}}`,
		"badstatus.json":    `{"Happy":{"status":1}}`,
		"unknowncase.json":  `{"Nope":{"status":"SUCCEEDED"}}`,
		"notjson.json":      `{"Happy":`,
		"caseNotAnObj.json": `{"Happy":"SUCCEEDED"}`,
	})
	b := func(name string) string { return filepath.Join(bad, name) }
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"no file", []string{"--mocks", mocks}, "no definition file given"},
		{"two files", []string{def, def, "--mocks", mocks}, "one definition file expected"},
		{"no mocks", []string{def}, "--mocks is required"},
		{"update without expect", []string{def, "--mocks", mocks, "--update"}, "--update needs --expect"},
		{"unknown flag", []string{def, "--mocks", mocks, "--nope"}, "flag provided but not defined"},
		{"missing definition", []string{b("none.json"), "--mocks", mocks, "--input", "{}"}, "none.json"},
		{"invalid definition", []string{b("bad.asl.json"), "--mocks", mocks, "--input", "{}"}, "invalid definition"},
		{"invalid mocks", []string{def, "--mocks", b("badmocks.json"), "--input", "{}"}, "Missing"},
		{"unknown case", []string{def, "--mocks", mocks, "--case", "Nope", "--input", "{}"}, `has no test case "Nope" (have: Happy, Busy, Sad)`},
		{"unknown state machine", []string{def, "--mocks", mocks, "--state-machine", "x", "--input", "{}"}, `no state machine "x" (have: pay)`},
		{"bad input", []string{def, "--mocks", mocks, "--input", "{"}, "invalid --input"},
		{"missing expect", []string{def, "--mocks", mocks, "--expect", b("none.json")}, "none.json"},
		{"expect not object", []string{def, "--mocks", mocks, "--expect", b("notobject.json")}, "want an object mapping test case names"},
		{"expect bad member", []string{def, "--mocks", mocks, "--expect", b("badmember.json")}, `unknown member "outptu"`},
		{"expect bad status", []string{def, "--mocks", mocks, "--expect", b("badstatus.json")}, "/Happy/status: want a string"},
		{"expect unknown case", []string{def, "--mocks", mocks, "--expect", b("unknowncase.json")}, `"Nope" is not a test case`},
		{"expect not JSON", []string{def, "--mocks", mocks, "--expect", b("notjson.json")}, "notjson.json"},
		{"expect case not object", []string{def, "--mocks", mocks, "--expect", b("caseNotAnObj.json")}, "/Happy: want an object"},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, out, errs := testCLI(t, c.args...)
			assert.Equal(t, 2, code)
			assert.Empty(t, out)
			assert.Contains(t, errs, c.want)
		})
	}

	code, out, _ := testCLI(t, "--help")
	assert.Equal(t, 0, code)
	assert.Contains(t, out, "usage: stepwise test FILE --mocks")
}

func TestTestShowsProgressOnStderrForLongRuns(t *testing.T) {
	dir := payDir(t, payExpect)
	var out, errb bytes.Buffer
	tr := tester{progressAfter: 0, progressEvery: time.Hour}
	code := tr.run(context.Background(), []string{filepath.Join(dir, "pay.asl.json"), "--mocks", filepath.Join(dir, "mocks.json"),
		"--expect", filepath.Join(dir, "expect.json")}, &out, &errb)
	assert.Equal(t, 0, code)
	assert.Equal(t, "stepwise test: running Happy...\nstepwise test: running Busy...\nstepwise test: running Sad...\n", errb.String())

	// With the default thresholds quick cases print nothing on stderr.
	_, _, errs := testCLI(t, filepath.Join(dir, "pay.asl.json"), "--mocks", filepath.Join(dir, "mocks.json"), "--expect", filepath.Join(dir, "expect.json"))
	assert.Empty(t, errs)
}

// The example's golden file holds: the command passes on it as checked in.
func TestTestCircuitBreakerExample(t *testing.T) {
	ex := filepath.Join("..", "..", "examples", "circuit-breaker")
	code, out, errs := testCLI(t, filepath.Join(ex, "statemachine.asl.json"), "--mocks", filepath.Join(ex, "mocks.json"),
		"--expect", filepath.Join(ex, "expect.json"))
	require.Equal(t, 0, code, "stdout:\n%s\nstderr:\n%s", out, errs)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 5)
	for i, name := range []string{"HappyPath", "CircuitOpen", "ServiceTimesOut", "RecoversAfterRetry"} {
		assert.Regexp(t, regexp.MustCompile(`^PASS  `+name+` +(SUCCEEDED|FAILED) +\S+$`), lines[i])
	}
	assert.Equal(t, "4 passed, 0 failed", lines[4])
}
