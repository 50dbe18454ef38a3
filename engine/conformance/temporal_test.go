package conformance

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	tlog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/testsuite"

	"github.com/stepwise/stepwise/asl/value"
	"github.com/stepwise/stepwise/engine"
	"github.com/stepwise/stepwise/engine/history"
	"github.com/stepwise/stepwise/engine/temporal"
	"github.com/stepwise/stepwise/integrations"
	"github.com/stepwise/stepwise/integrations/gofunc"
	"github.com/stepwise/stepwise/integrations/mock"
)

// TestConformanceTemporal runs the JSONPath-only cases (no "QueryLanguage":
// "JSONata") on the Temporal backend, each in the SDK's test workflow
// environment (time skips over timers as the virtual clock does), and
// compares them as TestConformance does (CONFORMANCE_DIR, CONFORMANCE_RUN,
// CONFORMANCE_VERBOSE and CONFORMANCE_TIMEOUT apply). The number passing
// must not fall below floor_temporal.txt. CONFORMANCE_BACKEND=local skips
// it.
func TestConformanceTemporal(t *testing.T) {
	if os.Getenv("CONFORMANCE_BACKEND") == "local" {
		t.Skip("CONFORMANCE_BACKEND=local")
	}
	runSuite(t, suite{label: "Temporal backend", timeout: 60 * time.Second, jsonPathOnly: true,
		floorFile: "floor_temporal.txt", run: runTemporalCase})
}

// runTemporalCase runs one case on the Temporal backend with a time limit.
func runTemporalCase(dir string, timeout time.Duration) outcome {
	name := filepath.Base(dir)
	area, _, _ := strings.Cut(name, "__")
	out := outcome{Name: name, Area: area, JSONPathOnly: true}
	done := make(chan outcome, 1)
	go func() {
		o := out
		defer func() {
			if p := recover(); p != nil {
				o.Passed = false
				o.Diff = fmt.Sprintf("panic: %v", p)
				o.Detail = string(debug.Stack())
				done <- o
			}
		}()
		checkTemporal(dir, name, timeout, &o)
		done <- o
	}()
	select {
	case o := <-done:
		return o
	case <-time.After(timeout + 5*time.Second):
		out.Diff = fmt.Sprintf("hung: no result after %v", timeout+5*time.Second)
		return out
	}
}

// checkTemporal runs one case as the workflow stepwise.Execution in a test
// environment, compares it with expected.json and records the verdict.
func checkTemporal(dir, name string, timeout time.Duration, o *outcome) {
	fail := func(diff, detail string) { o.Passed, o.Diff, o.Detail = false, diff, detail }
	def, err := os.ReadFile(filepath.Join(dir, "definition.asl.json"))
	if err != nil {
		fail("case: "+err.Error(), "")
		return
	}
	expData, err := os.ReadFile(filepath.Join(dir, "expected.json"))
	if err != nil {
		fail("case: "+err.Error(), "")
		return
	}
	expDoc, err := value.Decode(expData)
	if err != nil {
		fail("case: expected.json: "+err.Error(), "")
		return
	}
	exp, err := parseExpectation(expDoc)
	if err != nil {
		fail("case: "+err.Error(), "")
		return
	}
	input, err := os.ReadFile(filepath.Join(dir, "input.json"))
	if err != nil {
		fail("case: "+err.Error(), "")
		return
	}
	// As in TestConformance, the activities that exist are those the mocks
	// answer (the workflow finds those itself).
	tasks := &temporal.Tasks{Invoker: integrations.CheckedInvoker{Invoker: gofunc.Chain(), Check: func(_ context.Context, t *integrations.Task) error {
		if strings.Contains(t.Resource, ":activity:") {
			return errors.New("The activity " + t.Resource + " does not exist.")
		}
		return nil
	}}}
	ctxNames := exp.Context
	typ := machineType(dir)
	if typ == engine.TypeExpress {
		// As TestConformance: AWS ran the express case with the suite's
		// role and a placeholder state machine name.
		if ctxNames["RoleArn"] == "" {
			ctxNames["RoleArn"] = "arn:aws:iam::" + orDefault(ctxNames["AccountId"], "111111111111") + ":role/sfn-conformance-role"
		}
		if ctxNames["StateMachineName"] == "" {
			ctxNames["StateMachineName"] = "<ArnPart_0idx>"
		}
	}
	in := temporal.ExecutionInput{
		Definition:       string(def),
		Input:            json.RawMessage(value.Encode(mustDecode(input))),
		ExecutionName:    orDefault(ctxNames["ExecutionName"], "conformance-execution"),
		StateMachineName: orDefault(ctxNames["StateMachineName"], name),
		Region:           orDefault(ctxNames["Region"], "us-east-1"),
		AccountID:        orDefault(ctxNames["AccountId"], "111111111111"),
		RoleArn:          ctxNames["RoleArn"],
		StartTime:        startTime,
		Type:             typ,
		Runtime:          temporal.RuntimeOptions{Seed: 1},
	}
	if _, err := os.Stat(filepath.Join(dir, "mocks.json")); err == nil {
		cfg, err := mock.Load(filepath.Join(dir, "mocks.json"))
		if err != nil {
			fail("case: "+err.Error(), "")
			return
		}
		tc, err := cfg.TestCase(name, testCaseName)
		if err != nil {
			fail("case: "+err.Error(), "")
			return
		}
		// The mocked responses travel in the workflow input, which answers
		// them itself: mocked tasks invoked together end together, as in
		// process (with the worker answering them as activities, each
		// outcome would come in a workflow task of its own).
		in.Runtime.Mocks = temporal.NewMocks(tc)
	}

	var suite testsuite.WorkflowTestSuite
	suite.SetLogger(tlog.NewStructuredLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	env := suite.NewTestWorkflowEnvironment()
	env.SetStartTime(startTime)
	env.SetTestTimeout(timeout)
	temporal.Register(env, tasks)
	env.ExecuteWorkflow(temporal.WorkflowName, in)
	if !env.IsWorkflowCompleted() {
		fail("the workflow did not complete", "")
		return
	}
	res := &engine.Result{}
	var er temporal.ExecutionResult
	if err := env.GetWorkflowError(); err != nil {
		fail("workflow error: "+err.Error(), "")
		return
	}
	if err := env.GetWorkflowResult(&er); err != nil {
		fail("workflow result: "+err.Error(), "")
		return
	}
	res.Status, res.Error, res.Cause = er.Status, er.Error, er.Cause
	if len(er.Output) > 0 {
		if res.Output, err = value.Decode(er.Output); err != nil {
			fail("output: "+err.Error(), "")
			return
		}
	}
	v, err := env.QueryWorkflow(temporal.QueryHistory)
	if err != nil {
		fail("history query: "+err.Error(), "")
		return
	}
	var raw json.RawMessage
	if err := v.Get(&raw); err != nil {
		fail("history query: "+err.Error(), "")
		return
	}
	var events []struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal(raw, &events); err != nil {
		fail("history: "+err.Error(), "")
		return
	}
	for _, e := range events {
		res.Events = append(res.Events, history.Event{Type: e.Type})
	}
	detail := describe(res)
	c := &comparer{e: exp}
	if d := c.compare(res, strings.HasPrefix(name, "choice_operators__")); d != "" {
		fail(d, detail)
		return
	}
	o.Passed = true
	if len(c.orderNotes) > 0 {
		o.OrderNote = c.orderNotes[0]
	}
}

// mustDecode decodes JSON text (invalid text decodes as null, which the
// case then fails on).
func mustDecode(data []byte) any {
	v, err := value.Decode(data)
	if err != nil {
		return nil
	}
	return v
}
