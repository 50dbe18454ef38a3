package stepwisetest_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stepwise/stepwise/asl/value"
	"github.com/stepwise/stepwise/engine"
	"github.com/stepwise/stepwise/integrations"
	"github.com/stepwise/stepwise/stepwisetest"
)

// fakeT records what the helpers report. FailNow ends the goroutine, as
// testing.T's does.
type fakeT struct {
	msgs   []string
	failed bool
	halted bool
}

func (f *fakeT) Errorf(format string, args ...any) {
	f.failed = true
	f.msgs = append(f.msgs, fmt.Sprintf(format, args...))
}
func (f *fakeT) FailNow() { f.failed, f.halted = true, true; runtime.Goexit() }
func (f *fakeT) Helper()  {}
func (f *fakeT) text() string {
	return strings.Join(f.msgs, "\n")
}

// record runs fn with a fakeT in its own goroutine (so FailNow can stop
// it) and returns what it reported.
func record(fn func(t stepwisetest.TestingT)) *fakeT {
	f := &fakeT{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn(f)
	}()
	<-done
	return f
}

// *testing.T is a TestingT, and a TestingT works with testify.
var (
	_ stepwisetest.TestingT = (*testing.T)(nil)
	_ require.TestingT      = stepwisetest.TestingT(nil)
	_ assert.TestingT       = stepwisetest.TestingT(nil)
)

const orders = "testdata/orders.asl.json"
const mocks = "testdata/mocks.json"
const input = `{"orderId":"o-1","amount":42.5}`

func TestPassingAssertionsReportNothing(t *testing.T) {
	f := record(func(ft stepwisetest.TestingT) {
		ex := stepwisetest.MustLoad(ft, orders).Run(ft, input, stepwisetest.MockCase(mocks, "InStock"))
		assert.True(t, ex.AssertSucceeded(ft))
		assert.True(t, ex.AssertStatus(ft, "SUCCEEDED"))
		assert.True(t, ex.AssertOutputJSON(ft, `{"receipt":"r-1","charged":true}`))
		assert.True(t, ex.AssertOutput(ft, struct {
			Charged bool   `json:"charged"`
			Receipt string `json:"receipt"`
		}{true, "r-1"}))
		assert.True(t, ex.AssertStateInputJSON(ft, "Charge", 0, `{"orderId":"o-1","amount":42.5,"stock":{"reserved":true}}`))
		assert.True(t, ex.AssertStateOutputJSON(ft, "Wait For Warehouse", 0, `{"orderId":"o-1","amount":42.5,"stock":{"reserved":true}}`))
		assert.True(t, ex.AssertStatesVisited(ft, "Reserve", "In Stock?", "Wait For Warehouse", "Charge"))
		assert.True(t, ex.AssertEventTypes(ft, ex.EventTypes()...))
	})
	assert.False(t, f.failed, f.text())
}

func TestFailingAssertionsSayWhatDiffers(t *testing.T) {
	ex := stepwisetest.MustLoad(t, orders).Run(t, input, stepwisetest.MockCase(mocks, "SoldOut"))
	ok := stepwisetest.MustLoad(t, orders).Run(t, input, stepwisetest.MockCase(mocks, "InStock"))

	cases := []struct {
		name   string
		assert func(t stepwisetest.TestingT) bool
		want   []string
	}{
		{"succeeded", func(t stepwisetest.TestingT) bool { return ex.AssertSucceeded(t) },
			[]string{"execution FAILED, want SUCCEEDED", "error: OutOfStock", "cause: no stock left"}},
		{"failed with another error", func(t stepwisetest.TestingT) bool { return ex.AssertFailed(t, "Other") },
			[]string{`failed with error "OutOfStock", want "Other"`, "cause: no stock left"}},
		{"failed but succeeded", func(t stepwisetest.TestingT) bool { return ok.AssertFailed(t, "OutOfStock") },
			[]string{`execution SUCCEEDED, want FAILED with error "OutOfStock"`, `output: {"charged":true,"receipt":"r-1"}`}},
		{"cause", func(t stepwisetest.TestingT) bool { return ex.AssertCause(t, "other") },
			[]string{"cause differs", "want: other", "got: no stock left"}},
		{"output of a failed execution", func(t stepwisetest.TestingT) bool { return ex.AssertOutputJSON(t, `{"a":1}`) },
			[]string{`execution FAILED, want SUCCEEDED with output {"a":1}`, "error: OutOfStock"}},
		{"output", func(t stepwisetest.TestingT) bool { return ok.AssertOutputJSON(t, `{"charged":false,"receipt":"r-1"}`) },
			[]string{"output differs at $.charged", `want: {"charged":false,"receipt":"r-1"}`, `got: {"charged":true,"receipt":"r-1"}`}},
		{"output Go value", func(t stepwisetest.TestingT) bool { return ok.AssertOutput(t, map[string]any{"charged": true}) },
			[]string{"output differs at $.receipt"}},
		{"expected output not JSON", func(t stepwisetest.TestingT) bool { return ok.AssertOutputJSON(t, `{charged}`) },
			[]string{"the expected output is not JSON"}},
		{"states visited", func(t stepwisetest.TestingT) bool { return ex.AssertStatesVisited(t, "Reserve", "Charge") },
			[]string{"states visited differ from index 1", `want: ["Reserve","Charge"]`, `got: ["Reserve","In Stock?","Out Of Stock"]`}},
		{"state input", func(t stepwisetest.TestingT) bool {
			return ok.AssertStateInputJSON(t, "Charge", 0, `{"orderId":"o-1"}`)
		}, []string{`input #0 of state "Charge" differs at $.amount`}},
		{"state entered fewer times", func(t stepwisetest.TestingT) bool {
			return ok.AssertStateInputJSON(t, "Charge", 1, `{}`)
		}, []string{`no input #1 of state "Charge": the state was entered 1 times`}},
		{"state never exited", func(t stepwisetest.TestingT) bool {
			return ex.AssertStateOutputJSON(t, "Out Of Stock", 0, `{}`)
		}, []string{`no output #0 of state "Out Of Stock": the state was exited 0 times`}},
		{"event types", func(t stepwisetest.TestingT) bool {
			return ex.AssertEventTypes(t, "ExecutionStarted", "ExecutionFailed")
		},
			[]string{"history event types differ from index 1", `"TaskStateEntered"`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var held bool
			f := record(func(ft stepwisetest.TestingT) { held = c.assert(ft) })
			assert.False(t, held)
			assert.True(t, f.failed)
			assert.False(t, f.halted, "assertions do not stop the test")
			for _, w := range c.want {
				assert.Contains(t, f.text(), w)
			}
		})
	}
}

func TestRunStopsTheTestWhenTheExecutionCannotStart(t *testing.T) {
	dir := t.TempDir()
	two := filepath.Join(dir, "two.json")
	require.NoError(t, os.WriteFile(two, []byte(`{"StateMachines":{"a":{"TestCases":{"X":{}}},"b":{"TestCases":{"X":{}}}},"MockedResponses":{}}`), 0o644))
	cases := []struct {
		name string
		run  func(t stepwisetest.TestingT)
		want string
	}{
		{"invalid definition", func(t stepwisetest.TestingT) {
			stepwisetest.MustParse(t, []byte(`{"StartAt":"Nowhere","States":{}}`))
		}, "invalid definition"},
		{"missing file", func(t stepwisetest.TestingT) { stepwisetest.MustLoad(t, "testdata/nope.json") }, "nope.json"},
		{"missing mock file", func(t stepwisetest.TestingT) {
			stepwisetest.MustLoad(t, orders).Run(t, input, stepwisetest.MockCase("testdata/nope.json", "X"))
		}, "nope.json"},
		{"unknown test case", func(t stepwisetest.TestingT) {
			stepwisetest.MustLoad(t, orders).Run(t, input, stepwisetest.MockCase(mocks, "Nope"))
		}, `no test case "Nope" (have: "InStock", "SoldOut", "PaymentBusy")`},
		{"several state machines", func(t stepwisetest.TestingT) {
			stepwisetest.MustLoad(t, orders).Run(t, input, stepwisetest.MockCase(two, "X"))
		}, "choose one with StateMachineName (have: a, b)"},
		{"input not JSON", func(t stepwisetest.TestingT) {
			stepwisetest.MustLoad(t, orders).Run(t, `{"a":`)
		}, "input:"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := record(c.run)
			assert.True(t, f.halted)
			assert.Contains(t, f.text(), c.want)
		})
	}
}

func TestStateMachineNameChoosesAmongSeveral(t *testing.T) {
	dir := t.TempDir()
	cfg := `{"StateMachines":{"other":{"TestCases":{"T":{"Reserve":"No"}}},"orders":{"TestCases":{"T":{"Reserve":"Yes"}}}},
	 "MockedResponses":{"Yes":{"0":{"Return":{"Payload":{"reserved":true}}}},"No":{"0":{"Return":{"Payload":{"reserved":false}}}}}}`
	path := filepath.Join(dir, "mocks.json")
	require.NoError(t, os.WriteFile(path, []byte(cfg), 0o644))
	m := stepwisetest.MustLoad(t, orders)

	// Named after the definition file: orders.
	ex := m.Run(t, input, stepwisetest.MockCase(path, "T"), stepwisetest.ResourceFunc(
		"arn:aws:lambda:us-east-1:123456789012:function:charge",
		func(ctx context.Context, in any) (any, error) { return "paid", nil }))
	ex.AssertOutput(t, "paid")

	ex = m.Run(t, input, stepwisetest.MockCase(path, "T"), stepwisetest.StateMachineName("other"))
	ex.AssertFailed(t, "OutOfStock")

	// Parsed definitions have no file name to go by.
	data, err := os.ReadFile(orders)
	require.NoError(t, err)
	f := record(func(ft stepwisetest.TestingT) {
		stepwisetest.MustParse(ft, data).Run(ft, input, stepwisetest.MockCase(path, "T"))
	})
	assert.True(t, f.halted)
}

func TestTasksNobodyAnswersFailOrGoToTheFallback(t *testing.T) {
	m := stepwisetest.MustLoad(t, orders)
	ex := m.Run(t, input)
	ex.AssertFailed(t, "States.Runtime") // no Catch takes it
	assert.Contains(t, ex.Cause, "no integration is configured")

	var seen []string
	ex = m.Run(t, input, stepwisetest.Fallback(integrations.InvokerFunc(func(ctx context.Context, task *integrations.Task) (any, error) {
		seen = append(seen, task.StateName)
		return value.DecodeString(`{"Payload":{"reserved":true},"charged":true}`)
	})))
	ex.AssertSucceeded(t)
	assert.Equal(t, []string{"Reserve", "Charge"}, seen)

	// Mocks and functions come first.
	seen = nil
	ex = m.Run(t, input, stepwisetest.Fallback(integrations.InvokerFunc(func(ctx context.Context, task *integrations.Task) (any, error) {
		seen = append(seen, task.StateName)
		return nil, nil
	})), stepwisetest.MockCase(mocks, "InStock"))
	ex.AssertSucceeded(t)
	assert.Empty(t, seen)
}

func TestFunctionsConvertTheirResults(t *testing.T) {
	def := []byte(`{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:f","End":true}}}`)
	m := stepwisetest.MustParse(t, def)
	type out struct {
		Z     int      `json:"z"`
		A     []string `json:"a"`
		Inner struct {
			N float64 `json:"n"`
		} `json:"inner"`
	}
	ex := m.Run(t, nil, stepwisetest.Func("T", func(ctx context.Context, in any) (any, error) {
		o := out{Z: 1, A: []string{"x"}}
		o.Inner.N = 2.5
		return o, nil
	}))
	ex.AssertSucceeded(t)
	assert.Equal(t, `{"z":1,"a":["x"],"inner":{"n":2.5}}`, ex.OutputJSON(), "struct field order is kept")

	ex = m.Run(t, `[1,2]`, stepwisetest.Func("T", stepwisetest.Typed(func(ctx context.Context, in map[string]int) (int, error) {
		return len(in), nil
	})))
	ex.AssertFailed(t, "States.TaskFailed")
	assert.Contains(t, ex.Cause, "decoding the task input into map[string]int")

	ex = m.Run(t, nil, stepwisetest.Func("T", stepwisetest.JSON(func(ctx context.Context, in string) (string, error) {
		return "{not json", nil
	})))
	ex.AssertFailed(t, "States.TaskFailed")
	assert.Contains(t, ex.Cause, "invalid JSON")

	ex = m.Run(t, nil, stepwisetest.Func("T", func(ctx context.Context, in any) (any, error) {
		return make(chan int), nil
	}))
	ex.AssertFailed(t, "States.TaskFailed")
}

func TestInputForms(t *testing.T) {
	def := []byte(`{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`)
	m := stepwisetest.MustParse(t, def)
	for _, c := range []struct {
		in   any
		want string
	}{
		{nil, `{}`},
		{`{"b":1,"a":2.0}`, `{"b":1,"a":2.0}`},
		{[]byte(`[true]`), `[true]`},
		{map[string]any{"b": 1, "a": []any{"x"}}, `{"a":["x"],"b":1}`},
		{struct {
			B int `json:"b"`
			A int `json:"a"`
		}{1, 2}, `{"b":1,"a":2}`},
		{`"text"`, `"text"`},
	} {
		assert.Equal(t, c.want, m.Run(t, c.in).OutputJSON(), "%#v", c.in)
	}
}

func TestSeedMakesRandomnessRepeatable(t *testing.T) {
	def := []byte(`{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"id.$":"States.UUID()","n.$":"States.MathRandom(0, 1000000)"},"End":true}}}`)
	m := stepwisetest.MustParse(t, def)
	a := m.Run(t, nil).OutputJSON()
	assert.Equal(t, a, m.Run(t, nil).OutputJSON())
	assert.Equal(t, a, m.Run(t, nil, stepwisetest.Seed(stepwisetest.DefaultSeed)).OutputJSON())
	assert.NotEqual(t, a, m.Run(t, nil, stepwisetest.Seed(2)).OutputJSON())
}

func TestLoadFSAndRunContext(t *testing.T) {
	fsys := fstest.MapFS{"sm/flow.yaml": {Data: []byte("StartAt: W\nStates:\n  W:\n    Type: Wait\n    Seconds: 86400\n    End: true\n")}}
	m := stepwisetest.MustLoadFS(t, fsys, "sm/flow.yaml")
	ex := m.Run(t, `{"x":1}`)
	ex.AssertOutputJSON(t, `{"x":1}`)
	assert.Equal(t, "24h0m0s", ex.Duration().String())

	_, err := stepwisetest.LoadFS(fsys, "missing.yaml")
	assert.Error(t, err)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	ex, err = m.Execute(ctx, nil)
	require.NoError(t, err)
	assert.Equal(t, "ABORTED", ex.Status, "a cancelled context stops the execution")
}

func TestDiff(t *testing.T) {
	for _, c := range []struct{ want, got, path string }{
		{`{"a":1}`, `{"a":1.0}`, ``},
		{`{"a":1,"b":2}`, `{"b":2,"a":1}`, ``},
		{`{"a":1}`, `{"a":1,"b":2}`, `$.b`},
		{`{"a b":{"c":[1,2]}}`, `{"a b":{"c":[1]}}`, `$["a b"].c[1]`},
		{`[1]`, `{"0":1}`, `$`},
		{`{"x":null}`, `{}`, `$.x`},
	} {
		w, err := value.DecodeString(c.want)
		require.NoError(t, err)
		g, err := value.DecodeString(c.got)
		require.NoError(t, err)
		assert.Equal(t, c.path, stepwisetest.Diff(w, g), "%s vs %s", c.want, c.got)
	}
}

func TestAnEndlessLoopStopsAtTheHistoryLimit(t *testing.T) {
	m, err := stepwisetest.Parse([]byte(`{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"C"},
  "C":{"Type":"Choice","Choices":[{"Variable":"$.stop","IsPresent":true,"Next":"Done"}],"Default":"A"},"Done":{"Type":"Succeed"}}}`))
	if err != nil {
		t.Fatal(err)
	}
	ex := m.Run(t, `{}`)
	ex.AssertFailed(t, "States.Runtime")
	ex.AssertCause(t, engine.HistoryLimitCause)
	if n := len(ex.Result.Events); n != engine.DefaultMaxHistoryEvents {
		t.Errorf("%d events, want %d", n, engine.DefaultMaxHistoryEvents)
	}
	ex = m.Run(t, `{}`, stepwisetest.MaxHistoryEvents(40))
	ex.AssertFailed(t, "States.Runtime")
	if n := len(ex.Result.Events); n != 40 {
		t.Errorf("%d events with MaxHistoryEvents(40)", n)
	}
}
