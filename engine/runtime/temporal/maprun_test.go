package temporal

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/stepwise/stepwise/engine"
)

// mapRunWaitMachine is a Distributed Map over $.items whose children wait
// 10 s each, MaxConcurrency at a time, and fail on items with fail set
// (ToleratedFailureCount tolerated).
func mapRunWaitMachine(maxConcurrency, tolerated int) string {
	return `{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items","MaxConcurrency":` + itoa(maxConcurrency) +
		`,"ToleratedFailureCount":` + itoa(tolerated) + `,"Label":"lbl",
		"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"W","States":{
			"W":{"Type":"Wait","Seconds":10,"Next":"C"},
			"C":{"Type":"Choice","Choices":[{"Variable":"$.fail","BooleanEquals":true,"Next":"F"}],"Default":"P"},
			"F":{"Type":"Fail","Error":"Bad","Cause":"bad item"},"P":{"Type":"Pass","End":true}}},"End":true}}}`
}

func itoa(n int) string { return strconv.Itoa(n) }

// queryMapRuns asks the workflow of env for its map runs (req: the first
// page, or what it asks).
func queryMapRuns(t *testing.T, env *testsuite.TestWorkflowEnvironment, req ...MapRunsRequest) []MapRunState {
	t.Helper()
	r := MapRunsRequest{}
	if len(req) > 0 {
		r = req[0]
	}
	v, err := env.QueryWorkflow(QueryMapRuns, r)
	if err != nil {
		t.Fatalf("query %s: %v", QueryMapRuns, err)
	}
	var runs []MapRunState
	if err := v.Get(&runs); err != nil {
		t.Fatal(err)
	}
	return runs
}

// queryChildren asks the workflow of env for children of a map run.
func queryChildren(t *testing.T, env *testsuite.TestWorkflowEnvironment, req MapRunChildrenRequest) []MapRunChildState {
	t.Helper()
	v, err := env.QueryWorkflow(QueryMapRunChildren, req)
	if err != nil {
		t.Fatalf("query %s: %v", QueryMapRunChildren, err)
	}
	var out []MapRunChildState
	if err := v.Get(&out); err != nil {
		t.Fatal(err)
	}
	return out
}

// The workflow keeps its map runs for the Map Run API: while the run goes
// on, QueryMapRuns counts the children its shard runs (MaxConcurrency at
// a time) as running and the rest as pending; UpdateMapRunSignal raises
// MaxConcurrency, which the running shard follows, so the run ends
// sooner than it would two at a time, and raises the tolerated failures
// so that a run of three failures succeeds (the workflow update
// UpdateMapRunName does the same, and refuses a map run the workflow does
// not run); QueryMapRunChildren pages the children newest first.
func TestMapRunQueriesAndUpdate(t *testing.T) {
	for _, how := range []string{"without update", "signal", "update"} {
		update := how != "without update"
		t.Run(how, func(t *testing.T) {
			const n = 20
			env := newEnv(t, nil)
			var (
				during             []MapRunState
				accepted, rejected int
				rejection          error
			)
			var (
				refined      MapRunState
				listed, kids []MapRunChildState
			)
			env.RegisterDelayedCallback(func() {
				during = queryMapRuns(t, env)
				if len(during) != 1 {
					return
				}
				progress := func(id string) (ShardProgress, error) {
					v, err := env.QueryWorkflowByID(id, QueryShardProgress)
					var p ShardProgress
					if err == nil {
						err = v.Get(&p)
					}
					return p, err
				}
				refined = during[0]
				if err := refined.refine(progress); err != nil {
					t.Errorf("refine: %v", err)
				}
				listed = queryChildren(t, env, MapRunChildrenRequest{MapRunArn: during[0].Arn, Before: -1, Limit: 100})
				var err error
				if kids, err = refineChildren(listed, progress); err != nil {
					t.Errorf("refine children: %v", err)
				}
				if !update {
					return
				}
				c, k := 5, int64(3)
				u := MapRunUpdate{MapRunArn: during[0].Arn, MaxConcurrency: &c, ToleratedFailureCount: &k}
				if how == "signal" {
					env.SignalWorkflow(UpdateMapRunSignal, u)
					return
				}
				env.UpdateWorkflow(UpdateMapRunName, "u1", &testsuite.TestUpdateCallback{
					OnAccept: func() { accepted++ },
					OnReject: func(err error) { t.Errorf("update rejected: %v", err) },
				}, u)
				env.UpdateWorkflow(UpdateMapRunName, "u2", &testsuite.TestUpdateCallback{
					OnAccept: func() { t.Error("the update of an unknown map run was accepted") },
					OnReject: func(err error) { rejected, rejection = rejected+1, err },
				}, MapRunUpdate{MapRunArn: during[0].Arn + "x", MaxConcurrency: &c})
			}, 15*time.Second)
			in := ExecutionInput{Definition: mapRunWaitMachine(2, 1), Input: itemsWithFailures(n, 3, 7, 12),
				ExecutionName: "exec", StateMachineName: "sm", Region: "us-east-1", AccountID: "123456789012", StartTime: testStart}
			env.ExecuteWorkflow(WorkflowName, in)
			if !env.IsWorkflowCompleted() {
				t.Fatal("the workflow did not complete")
			}
			if len(during) != 1 {
				t.Fatalf("%d map runs during the run, want 1", len(during))
			}
			d := during[0]
			// At 15 s: two children run, the others wait in the shard
			// (the two that succeeded at 10 s are reported when the shard
			// ends: until then they count as waiting).
			if d.Status != engine.StatusRunning || d.Executions.Running != 2 || d.Executions.Succeeded != 0 ||
				d.Executions.Pending != n-2 || d.Items.Total != n || d.Items.Pending != n-2 || d.Items.Running != 2 || !d.Stop.IsZero() {
				t.Fatalf("during the run: %+v", d)
			}
			// The shard says that the first two succeeded: two run, 16 wait.
			r0 := refined
			if len(d.Shards) != 1 || len(d.Shards[0].Children) != n || r0.Shards != nil ||
				r0.Executions.Succeeded != 2 || r0.Executions.Running != 2 || r0.Executions.Pending != n-4 || r0.Executions.Total != n ||
				r0.Items.Succeeded != 2 || r0.Items.Running != 2 || r0.Items.Pending != n-4 || r0.Items.Total != n {
				t.Fatalf("refined by the shard's progress: %+v (shards %+v)", r0, d.Shards)
			}
			// Listed: the shard's children, the first two taken as
			// running; as the shard has them, 3 and 2 run, 1 and 0
			// succeeded at 10 s, the others have not started.
			if len(listed) != n || listed[n-1].Waiting || listed[n-2].Waiting || !listed[n-3].Waiting || listed[0].Shard == "" {
				t.Fatalf("%d children listed during the run; the oldest three: %+v", len(listed), listed[max(0, len(listed)-3):])
			}
			var got []string
			for _, k := range kids {
				stop := "-"
				if !k.Stop.IsZero() {
					stop = k.Stop.Sub(testStart).String()
				}
				got = append(got, fmt.Sprintf("%d:%s:%s", k.Index, k.Status, stop))
			}
			if fmt.Sprint(got) != "[3:RUNNING:- 2:RUNNING:- 1:SUCCEEDED:10s 0:SUCCEEDED:10s]" {
				t.Fatalf("children as the shard has them: %v", got)
			}
			if !strings.HasPrefix(d.Arn, "arn:aws:states:us-east-1:123456789012:mapRun:sm/lbl:") ||
				d.StateMachineArn != "arn:aws:states:us-east-1:123456789012:stateMachine:sm/lbl" ||
				d.ExecutionArn != "arn:aws:states:us-east-1:123456789012:execution:sm:exec" || d.MaxConcurrency != 2 || d.ToleratedFailureCount != 1 {
				t.Fatalf("during the run: %+v", d)
			}
			runs := queryMapRuns(t, env)
			if len(runs) != 1 {
				t.Fatalf("%d map runs, want 1", len(runs))
			}
			r := runs[0]
			var res ExecutionResult
			err := env.GetWorkflowResult(&res)
			if !update {
				// Two at a time, the third failure (item 12) exceeds the
				// tolerance of one.
				if got, ok := ResultFromError(err); !ok || got.Status != engine.StatusFailed || r.Status != engine.StatusFailed {
					t.Fatalf("without update: %v, map run %s", err, r.Status)
				}
				if r.Executions.Failed != 2 || r.Executions.Succeeded+r.Executions.Failed+r.Executions.Aborted != r.Executions.Total ||
					r.Items.Aborted < n-r.Executions.Total || r.MaxConcurrency != 2 {
					t.Fatalf("without update: %+v", r)
				}
				return
			}
			if err != nil {
				t.Fatalf("with update: %v", err)
			}
			var ae *temporal.ApplicationError
			if how == "update" && (accepted != 1 || rejected != 1 || !errors.As(rejection, &ae) || ae.Type() != MapRunNotRunningType) {
				t.Fatalf("updates: %d accepted, %d rejected (%v)", accepted, rejected, rejection)
			}
			took := res.StopTime.Sub(res.StartTime)
			// Two at a time until 15 s, five after: about 60 s, where two
			// at a time take 100 s.
			if took >= 80*time.Second {
				t.Fatalf("the run took %v: the shard did not follow MaxConcurrency 5", took)
			}
			if r.Status != engine.StatusSucceeded || r.MaxConcurrency != 5 || r.ToleratedFailureCount != 3 ||
				r.Executions.Total != n || r.Executions.Succeeded != n-3 || r.Executions.Failed != 3 || r.Executions.Running != 0 ||
				r.Items.Total != n || r.Items.Succeeded != n-3 || r.Items.Failed != 3 || r.Items.ResultsWritten != n-3 || r.Stop.IsZero() {
				t.Fatalf("with update: %+v", r)
			}
			if one := queryMapRuns(t, env, MapRunsRequest{Arn: r.Arn}); len(one) != 1 || one[0].Arn != r.Arn {
				t.Fatalf("map run by ARN: %+v", one)
			}
			if none := queryMapRuns(t, env, MapRunsRequest{From: 1}); len(none) != 0 {
				t.Fatalf("map runs from 1: %+v", none)
			}
			// Newest first, in pages.
			first := queryChildren(t, env, MapRunChildrenRequest{MapRunArn: r.Arn, Before: -1, Limit: 15})
			if len(first) != 15 || first[0].Index != n-1 || first[14].Index != n-15 {
				t.Fatalf("first page: %+v", first)
			}
			rest := queryChildren(t, env, MapRunChildrenRequest{MapRunArn: r.Arn, Before: first[14].Index, Limit: 15})
			if len(rest) != n-15 || rest[len(rest)-1].Index != 0 {
				t.Fatalf("second page: %+v", rest)
			}
			c := rest[len(rest)-1]
			if c.Status != engine.StatusSucceeded || c.Items != 1 || c.Name == "" || c.Stop.Before(c.Start) ||
				c.Arn != "arn:aws:states:us-east-1:123456789012:execution:sm/lbl:"+c.Name {
				t.Fatalf("child 0: %+v", c)
			}
			failed := queryChildren(t, env, MapRunChildrenRequest{MapRunArn: r.Arn, Before: -1, Status: engine.StatusFailed})
			if len(failed) != 3 || failed[0].Index != 12 || failed[2].Index != 3 {
				t.Fatalf("failed children: %+v", failed)
			}
		})
	}
}

// itemsWithFailures is {"items":[...]} with n items, those of fail marked
// to fail.
func itemsWithFailures(n int, fail ...int) []byte {
	var b strings.Builder
	b.WriteString(`{"items":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		f := false
		for _, k := range fail {
			f = f || k == i
		}
		b.WriteString(`{"n":` + itoa(i) + `,"fail":`)
		if f {
			b.WriteString("true}")
		} else {
			b.WriteString("false}")
		}
	}
	b.WriteString(`]}`)
	return []byte(b.String())
}

// A page of children (QueryMapRunChildren) or of map runs (QueryMapRuns)
// stays far below Temporal's 2 MB limit of a query's result, however many
// the run has: 100,000 children are listed 2,000 at a time, each page
// under 1 MB, and the pages cover every child once, newest first.
func TestMapRunPagesStaySmall(t *testing.T) {
	const n = 100000
	b := &mapRunBook{rt: &Runtime{}, byArn: map[string]*bookRun{}}
	info := &engine.MapRunInfo{Arn: "arn:aws:states:us-east-1:123456789012:mapRun:sm/lbl:0f3a3d6e-4d0b-4a3e-9a3f-6a1b2c3d4e5f",
		ExecutionArn: "arn:aws:states:us-east-1:123456789012:execution:sm:exec", StateMachineArn: "arn:aws:states:us-east-1:123456789012:stateMachine:sm/lbl",
		Start: testStart, Items: n, MaxConcurrency: 10}
	b.MapRunStarted(info)
	for i := range n {
		c := &engine.MapRunChild{Index: i, Items: 1, Start: testStart, Name: fmt.Sprintf("%08d-4d0b-4a3e-9a3f-6a1b2c3d4e5f", i)}
		b.ChildStarted(info, c)
		if i < n-10 {
			c.Status, c.Stop = engine.StatusSucceeded, testStart.Add(time.Second)
			b.ChildEnded(info, c)
		}
	}
	seen := map[int]bool{}
	pages, before, most := 0, -1, 0
	for {
		page, err := b.childStates(MapRunChildrenRequest{MapRunArn: info.Arn, Before: before, Limit: 5000})
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		data, err := json.Marshal(page)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) > maxChildrenPage || len(data) > 1<<20 {
			t.Fatalf("a page of %d children takes %d bytes", len(page), len(data))
		}
		most = max(most, len(data))
		for _, c := range page {
			if seen[c.Index] || (before >= 0 && c.Index >= before) {
				t.Fatalf("child %d listed again, or out of order", c.Index)
			}
			seen[c.Index] = true
		}
		before = page[len(page)-1].Index
		pages++
	}
	if len(seen) != n || pages != n/maxChildrenPage {
		t.Fatalf("%d children in %d pages", len(seen), pages)
	}
	t.Logf("%d children in %d pages of at most %d bytes", n, pages, most)
	runs, err := b.states(MapRunsRequest{})
	if err != nil || len(runs) != 1 || runs[0].Executions.Running != 10 || runs[0].Executions.Succeeded != n-10 || runs[0].Items.Total != n {
		t.Fatalf("map runs: %+v %v", runs, err)
	}
}
