package conformance

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/testsuite"

	"github.com/stepwise/stepwise/asl/value"
	"github.com/stepwise/stepwise/engine"
	"github.com/stepwise/stepwise/engine/history"
	"github.com/stepwise/stepwise/engine/runtime/temporal"
	"github.com/stepwise/stepwise/engine/runtime/temporal/temporaltest"
	"github.com/stepwise/stepwise/integrations"
	"github.com/stepwise/stepwise/integrations/gofunc"
)

// TestConformanceTemporal runs every case (JSONPath and JSONata) on the
// Temporal backend, each in the SDK's test workflow
// environment (time skips over timers as the virtual clock does), and
// compares them as TestConformance does (CONFORMANCE_DIR, CONFORMANCE_RUN,
// CONFORMANCE_VERBOSE and CONFORMANCE_TIMEOUT apply). The number passing
// must not fall below floor_temporal.txt. CONFORMANCE_BACKEND=local skips
// it.
func TestConformanceTemporal(t *testing.T) {
	if os.Getenv("CONFORMANCE_BACKEND") == "local" {
		t.Skip("CONFORMANCE_BACKEND=local")
	}
	runSuite(t, suite{label: "Temporal backend", timeout: 60 * time.Second,
		floorFile: "floor_temporal.txt", run: runTemporalCase})
}

// runTemporalCase runs one case on the Temporal backend with a time limit.
func runTemporalCase(dir string, timeout time.Duration) outcome {
	name := filepath.Base(dir)
	area, _, _ := strings.Cut(name, "__")
	out := outcome{Name: name, Area: area}
	if def, err := os.ReadFile(filepath.Join(dir, "definition.asl.json")); err == nil {
		out.JSONPathOnly = !jsonataRE.Match(def)
	}
	return guarded(out, timeout+5*time.Second, "", func(o *outcome) { checkTemporal(dir, name, timeout, o) })
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
	cs, err := loadCase(dir, name)
	if err != nil {
		fail("case: "+err.Error(), "")
		return
	}
	// The mocked states are answered in the workflow (below), so the
	// worker's check sees only states without mocks.
	tasks := &temporal.Tasks{Invoker: integrations.CheckedInvoker{Invoker: gofunc.Chain(), Check: activityCheck(nil)}}
	in := temporal.ExecutionInput{
		Definition:       string(def),
		Input:            json.RawMessage(value.Encode(cs.input)),
		ExecutionName:    cs.executionName,
		StateMachineName: cs.stateMachineName,
		Region:           cs.region,
		AccountID:        cs.accountID,
		RoleArn:          cs.roleArn,
		StartTime:        startTime,
		Type:             cs.typ,
		Runtime:          temporal.RuntimeOptions{Seed: 1},
	}
	if cs.tc != nil {
		// The mocked responses travel in the workflow input, which answers
		// them itself: mocked tasks invoked together end together, as in
		// process (with the worker answering them as activities, each
		// outcome would come in a workflow task of its own).
		in.Runtime.Mocks = temporal.NewMocks(cs.tc)
	}

	var suite testsuite.WorkflowTestSuite
	suite.SetLogger(temporaltest.QuietLogger())
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
		// A failed or timed-out execution fails its workflow.
		r, ok := temporal.ResultFromError(err)
		if !ok || r.Status == engine.StatusAborted {
			fail("workflow error: "+err.Error(), "")
			return
		}
		er = *r
	} else if err := env.GetWorkflowResult(&er); err != nil {
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
	judge(o, cs.exp, name, res, describe(res))
}
