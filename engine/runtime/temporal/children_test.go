package temporal

import (
	"context"
	"encoding/json"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"

	"github.com/stepwise/stepwise/asl/fault"
	"github.com/stepwise/stepwise/engine"
)

// childWorkflowIDs lists the workflows a workflow's history starts as
// child workflows of the given type.
func childWorkflowIDs(h *historypb.History, workflowType string) []string {
	var ids []string
	for _, e := range h.GetEvents() {
		if a := e.GetStartChildWorkflowExecutionInitiatedEventAttributes(); a != nil && a.GetWorkflowType().GetName() == workflowType {
			ids = append(ids, a.GetWorkflowId())
		}
	}
	return ids
}

// describe returns a workflow's status and its parent's workflow ID.
func describe(t *testing.T, c client.Client, id string) (enumspb.WorkflowExecutionStatus, string) {
	t.Helper()
	d, err := c.DescribeWorkflowExecution(context.Background(), id, "")
	if err != nil {
		t.Fatalf("describe %s: %v", id, err)
	}
	info := d.GetWorkflowExecutionInfo()
	return info.GetStatus(), info.GetParentExecution().GetWorkflowId()
}

// A Distributed Map's children are child workflows of the execution: each
// an ExecutionWorkflow with the ID PARENT/NAME, whose own Temporal history
// and Step Functions history hold the child's states, one of which is a
// Task mocked through RuntimeOptions.Mocks and one a Task the worker's
// invoker runs as an activity of the child.
func TestDevServerChildWorkflows(t *testing.T) {
	c := devServer(t)
	const tq, id = "stepwise-child-workflows", "child-workflows"
	var calls atomic.Int32
	startWorker(t, c, tq, realInvoker(&calls))
	tc := mockedTestCase(t, `{"StateMachines": {"m": {"TestCases": {"t": {"Mocked": "R"}}}},
		"MockedResponses": {"R": {"0": {"Return": {"StatusCode": 200, "Payload": {"mocked": true}}}}}}`)
	def := `{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items",
		"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"Mocked","States":{
			"Mocked":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"x.$":"$"},"ResultSelector":{"m.$":"$.Payload.mocked"},"ResultPath":"$.mocked","Next":"Real"},
			"Real":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:real","ResultPath":"$.real","Next":"Ctx"},
			"Ctx":{"Type":"Pass","Parameters":{"item.$":"$.i","mocked.$":"$.mocked.m","real.$":"$.real.doubled","id.$":"$$.Execution.Id","name.$":"$$.Execution.Name","machine.$":"$$.StateMachine.Name"},"End":true}}},
		"End":true}}}`
	got, _ := execute(t, c, tq, id, ExecutionInput{Definition: def, Input: json.RawMessage(`{"items":[{"i":1},{"i":2},{"i":3}]}`),
		StateMachineName: "orders", Runtime: RuntimeOptions{Mocks: NewMocks(tc)}})
	if got.Status != engine.StatusSucceeded {
		t.Fatalf("got %s %s %s", got.Status, got.Error, got.Cause)
	}
	var out []struct {
		Item              int
		Mocked            bool
		Real              int
		ID, Name, Machine string
	}
	if err := json.Unmarshal(got.Output, &out); err != nil || len(out) != 3 {
		t.Fatalf("output %s (%v)", got.Output, err)
	}
	if n := calls.Load(); n != 3 {
		t.Fatalf("the worker's invoker got %d calls, want 3 (one per child)", n)
	}
	ids := childWorkflowIDs(temporalHistory(t, c, id, ""), WorkflowName)
	if len(ids) != 3 {
		t.Fatalf("child workflows %v, want 3", ids)
	}
	for i, o := range out {
		if o.Item != i+1 || !o.Mocked || o.Real != 42 || o.Machine != "orders/M" ||
			!strings.HasSuffix(o.ID, ":execution:orders/M:"+o.Name) {
			t.Errorf("child %d: %+v", i, o)
		}
		wid := id + "/" + o.Name
		found := false
		for _, x := range ids {
			found = found || x == wid
		}
		if !found {
			t.Errorf("child %d's workflow %s is not among the parent's children %v", i, wid, ids)
			continue
		}
		status, parent := describe(t, c, wid)
		if status != enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED || parent != id {
			t.Errorf("child workflow %s: %s, parent %q", wid, status, parent)
		}
		// Its own Temporal history ran the real Task as an activity.
		acts := 0
		for _, e := range temporalHistory(t, c, wid, "").GetEvents() {
			if a := e.GetActivityTaskScheduledEventAttributes(); a != nil && a.GetActivityType().GetName() == ActivityName {
				acts++
			}
		}
		if acts != 1 {
			t.Errorf("child workflow %s scheduled %d task activities, want 1", wid, acts)
		}
		// Its Step Functions history holds the child's states.
		v, err := c.QueryWorkflow(context.Background(), wid, "", QueryHistory)
		if err != nil {
			t.Fatalf("query %s: %v", wid, err)
		}
		var events json.RawMessage
		if err := v.Get(&events); err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{`"TaskStateEntered"`, `"name":"Mocked"`, `"name":"Real"`, `"name":"Ctx"`, `"ExecutionSucceeded"`} {
			if !strings.Contains(string(events), want) {
				t.Errorf("child %s's history lacks %s: %s", wid, want, events)
			}
		}
	}
	replayAndRecord(t, c, id, "", "distributed-child-workflows")
}

// A map run that fails past its tolerated failures cancels its running
// children's workflows, which end ABORTED (cancelled), whether they are
// the execution's child workflows or a shard's.
func TestDevServerChildWorkflowsCancelled(t *testing.T) {
	c := devServer(t)
	const tq = "stepwise-child-cancel"
	startItemsWorker(t, c, tq, nil)
	def := `{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items",
		"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"C","States":{
			"C":{"Type":"Choice","Choices":[{"Variable":"$.fail","BooleanEquals":true,"Next":"F"}],"Default":"W"},
			"F":{"Type":"Fail","Error":"Bad","Cause":"bad item"},
			"W":{"Type":"Wait","Seconds":300,"End":true}}},
		"End":true}}}`
	input := json.RawMessage(`{"items":[{"fail":false},{"fail":true},{"fail":false},{"fail":false}]}`)
	for _, tc := range []struct {
		name      string
		threshold int
		shards    int
	}{
		{name: "direct", threshold: -1},
		{name: "shard", threshold: 2, shards: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			id := "child-cancel-" + tc.name
			start := time.Now()
			got, _ := execute(t, c, tq, id, ExecutionInput{Definition: def, Input: input, Runtime: RuntimeOptions{ChildShardThreshold: tc.threshold}})
			if got.Status != engine.StatusFailed || got.Error != fault.ExceedToleratedFailureThreshold {
				t.Fatalf("got %s %s %s", got.Status, got.Error, got.Cause)
			}
			if d := time.Since(start); d > time.Minute {
				t.Fatalf("the run took %s: its waiting children were not cancelled", d)
			}
			h := temporalHistory(t, c, id, "")
			shards := childWorkflowIDs(h, ChildShardWorkflowName)
			if len(shards) != tc.shards {
				t.Fatalf("shards %v, want %d", shards, tc.shards)
			}
			ids := childWorkflowIDs(h, WorkflowName)
			parentOf := id
			for _, s := range shards {
				ids = append(ids, childWorkflowIDs(temporalHistory(t, c, s, ""), WorkflowName)...)
				parentOf = s
			}
			if len(ids) != 4 {
				t.Fatalf("child workflows %v, want 4", ids)
			}
			var failed, aborted int
			for _, wid := range ids {
				status, parent := describe(t, c, wid)
				if parent != parentOf || !strings.HasPrefix(wid, id+"/") {
					t.Errorf("child workflow %s: parent %q, want %q", wid, parent, parentOf)
				}
				res, err := Result(context.Background(), c.GetWorkflow(context.Background(), wid, ""))
				if err != nil {
					t.Fatalf("result of %s: %v", wid, err)
				}
				switch {
				case status == enumspb.WORKFLOW_EXECUTION_STATUS_FAILED && res.Status == engine.StatusFailed && res.Error == "Bad":
					failed++
				case status == enumspb.WORKFLOW_EXECUTION_STATUS_CANCELED && res.Status == engine.StatusAborted:
					aborted++
				default:
					t.Errorf("child workflow %s: %s, %s %s", wid, status, res.Status, res.Error)
				}
			}
			if failed != 1 || aborted != 3 {
				t.Fatalf("%d failed and %d aborted children, want 1 and 3", failed, aborted)
			}
			replayAndRecord(t, c, id, "", "distributed-child-cancel-"+tc.name)
		})
	}
}

// Stopping the execution (cancelling its workflow) cancels its running
// child workflows, which end ABORTED, and the execution ends ABORTED.
func TestDevServerChildWorkflowsStopped(t *testing.T) {
	c := devServer(t)
	const tq, id = "stepwise-child-stop", "child-stop"
	startItemsWorker(t, c, tq, nil)
	def := `{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items",
		"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"W","States":{
			"W":{"Type":"Wait","Seconds":300,"End":true}}},
		"End":true}}}`
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	run, err := Start(ctx, c, client.StartWorkflowOptions{ID: id, TaskQueue: tq},
		ExecutionInput{Definition: def, Input: json.RawMessage(`{"items":[1,2,3]}`)})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for len(ids) < 3 {
		if ctx.Err() != nil {
			t.Fatalf("the children did not start: %v", ids)
		}
		time.Sleep(100 * time.Millisecond)
		ids = nil
		for _, e := range temporalHistory(t, c, id, "").GetEvents() {
			if a := e.GetChildWorkflowExecutionStartedEventAttributes(); a != nil {
				ids = append(ids, a.GetWorkflowExecution().GetWorkflowId())
			}
		}
	}
	if err := c.CancelWorkflow(ctx, id, ""); err != nil {
		t.Fatal(err)
	}
	res, err := Result(ctx, run)
	if err != nil || res.Status != engine.StatusAborted {
		t.Fatalf("got %+v, %v", res, err)
	}
	for _, wid := range ids {
		status, parent := describe(t, c, wid)
		cres, err := Result(ctx, c.GetWorkflow(ctx, wid, ""))
		if err != nil || status != enumspb.WORKFLOW_EXECUTION_STATUS_CANCELED || parent != id || cres.Status != engine.StatusAborted {
			t.Errorf("child workflow %s: %s, parent %q, %+v %v", wid, status, parent, cres, err)
		}
	}
}

// A shard that holds the children of two map runs (two Distributed Maps in
// a Parallel, started together) cancels, by signal, only the children of
// the run that fails past its tolerance; the other run's child completes.
func TestDevServerShardCancelsSomeChildren(t *testing.T) {
	c := devServer(t)
	const tq, id = "stepwise-shard-some", "shard-some"
	startItemsWorker(t, c, tq, nil)
	def := `{"StartAt":"P","States":{"P":{"Type":"Parallel","End":true,"Branches":[
		{"StartAt":"A","States":{"A":{"Type":"Map","ItemsPath":"$.a",
			"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"C","States":{
				"C":{"Type":"Choice","Choices":[{"Variable":"$.fail","BooleanEquals":true,"Next":"F"}],"Default":"W"},
				"F":{"Type":"Fail","Error":"Bad"},
				"W":{"Type":"Wait","Seconds":300,"End":true}}},
			"Catch":[{"ErrorEquals":["States.ALL"],"Next":"Caught"}],"End":true},
			"Caught":{"Type":"Pass","Result":"caught","End":true}}},
		{"StartAt":"B","States":{"B":{"Type":"Map","ItemsPath":"$.b",
			"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"W3","States":{
				"W3":{"Type":"Wait","Seconds":3,"End":true}}},"End":true}}}]}}}`
	start := time.Now()
	got, _ := execute(t, c, tq, id, ExecutionInput{Definition: def, Input: json.RawMessage(`{"a":[{"fail":true},{"fail":false}],"b":[7]}`),
		Runtime: RuntimeOptions{ChildShardThreshold: 2}})
	if got.Status != engine.StatusSucceeded || string(got.Output) != `["caught",[7]]` {
		t.Fatalf("got %s %s %s %s", got.Status, got.Error, got.Cause, got.Output)
	}
	if d := time.Since(start); d > time.Minute {
		t.Fatalf("the run took %s: the failed run's waiting child was not cancelled", d)
	}
	h := temporalHistory(t, c, id, "")
	shards := childWorkflowIDs(h, ChildShardWorkflowName)
	if len(shards) != 1 || len(childWorkflowIDs(h, WorkflowName)) != 0 {
		t.Fatalf("shards %v, direct children %v", shards, childWorkflowIDs(h, WorkflowName))
	}
	count := map[string]int{}
	for _, wid := range childWorkflowIDs(temporalHistory(t, c, shards[0], ""), WorkflowName) {
		status, _ := describe(t, c, wid)
		count[status.String()]++
	}
	if count["Failed"] != 1 || count["Canceled"] != 1 || count["Completed"] != 1 {
		t.Fatalf("children's statuses %v, want one failed, one cancelled, one completed", count)
	}
	replayAndRecord(t, c, id, "", "distributed-shard-cancels-some")
}
