package temporal

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/stepwise/stepwise/asl/diagram"
)

// What Temporal's UI and CLI show of an execution besides its history:
// a summary on each task activity, timer and batch child workflow naming
// the state it serves, and the workflow's current details (markdown): the
// state running and the mocked states the workflow answers itself, which
// leave no activity behind.

// taskSummary labels a task activity: its state and resource.
func taskSummary(req *TaskRequest) string {
	return fmt.Sprintf("Task state %q: %s", req.StateName, diagram.ShortResource(req.Resource))
}

// batchSummary labels a batch child workflow: its number of tasks and
// their states.
func batchSummary(tasks []TaskRequest) string {
	var states []string
	for _, t := range tasks {
		if !slices.Contains(states, t.StateName) {
			states = append(states, t.StateName)
		}
	}
	if len(states) > 3 {
		states = append(states[:3], "…")
	}
	return fmt.Sprintf("%d tasks of %s", len(tasks), strings.Join(quoteAll(states), ", "))
}

func quoteAll(s []string) []string {
	out := make([]string, len(s))
	for i, x := range s {
		if x == "…" {
			out[i] = x
			continue
		}
		out[i] = fmt.Sprintf("%q", x)
	}
	return out
}

// timerSummary labels a Wait state's or a retry's timer with the top-level
// state running (the Map or Parallel state, for a timer in one).
func (r *Runtime) timerSummary(what string, d time.Duration) string {
	state := ""
	if r.stateLabel != nil {
		state = r.stateLabel()
	}
	if state == "" {
		return fmt.Sprintf("%s %s", what, d)
	}
	return fmt.Sprintf("%s %s in state %q", what, d, state)
}

// currentDetails is the workflow's current details: the execution, its
// status and state, and the mocked states' calls.
func currentDetails(in *ExecutionInput, st *execState, rt *Runtime) string {
	var b strings.Builder
	fmt.Fprintf(&b, "**Step Functions execution** `%s`", in.ExecutionName)
	if in.StateMachineName != "" {
		fmt.Fprintf(&b, " of state machine `%s`", in.StateMachineName)
	}
	fmt.Fprintf(&b, "\n\nStatus: %s", st.status.Status)
	if st.status.State != "" && st.status.Status == "RUNNING" {
		fmt.Fprintf(&b, ", in state `%s`", st.status.State)
	}
	m := rt.opts.Mocks
	if m == nil {
		return b.String()
	}
	fmt.Fprintf(&b, "\n\nMocked test case `%s`: the workflow answers these states itself (no activity):", m.TestCase)
	names := make([]string, 0, len(m.States))
	for name := range m.States {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		fmt.Fprintf(&b, "\n- `%s`: mocked response `%s`, %d calls so far", name, m.States[name].Name, rt.calls[name])
	}
	return b.String()
}

// showDetails sets the workflow's current details.
func showDetails(ctx workflow.Context, in *ExecutionInput, st *execState, rt *Runtime) {
	workflow.SetCurrentDetails(ctx, currentDetails(in, st, rt))
}
