package temporal

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	historypb "go.temporal.io/api/history/v1"

	"github.com/stepwise/stepwise/asl/fault"
	"github.com/stepwise/stepwise/engine"
	"github.com/stepwise/stepwise/integrations/items"
)

// mostChildrenAtOnce walks a workflow's history and returns the most of
// its child workflows of type ExecutionWorkflow that were running at
// once (started and not ended).
func mostChildrenAtOnce(h *historypb.History) int {
	kids := map[int64]bool{} // initiated event IDs of ExecutionWorkflow children
	running, most := 0, 0
	for _, e := range h.GetEvents() {
		if a := e.GetStartChildWorkflowExecutionInitiatedEventAttributes(); a != nil && a.GetWorkflowType().GetName() == WorkflowName {
			kids[e.GetEventId()] = true
			running++
			most = max(most, running)
		}
		var initiated int64 = -1
		switch {
		case e.GetChildWorkflowExecutionCompletedEventAttributes() != nil:
			initiated = e.GetChildWorkflowExecutionCompletedEventAttributes().GetInitiatedEventId()
		case e.GetChildWorkflowExecutionFailedEventAttributes() != nil:
			initiated = e.GetChildWorkflowExecutionFailedEventAttributes().GetInitiatedEventId()
		case e.GetChildWorkflowExecutionCanceledEventAttributes() != nil:
			initiated = e.GetChildWorkflowExecutionCanceledEventAttributes().GetInitiatedEventId()
		case e.GetChildWorkflowExecutionTerminatedEventAttributes() != nil:
			initiated = e.GetChildWorkflowExecutionTerminatedEventAttributes().GetInitiatedEventId()
		case e.GetChildWorkflowExecutionTimedOutEventAttributes() != nil:
			initiated = e.GetChildWorkflowExecutionTimedOutEventAttributes().GetInitiatedEventId()
		case e.GetStartChildWorkflowExecutionFailedEventAttributes() != nil:
			initiated = e.GetStartChildWorkflowExecutionFailedEventAttributes().GetInitiatedEventId()
		}
		if kids[initiated] {
			delete(kids, initiated)
			running--
		}
	}
	return most
}

// itemsInput is {"items":[{"n":0},...]} with n items, item fail (if any)
// marked {"n":...,"fail":true}.
func itemsInput(n, fail int) json.RawMessage {
	var b strings.Builder
	b.WriteString(`{"items":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"n":%d,"fail":%t}`, i, i == fail)
	}
	b.WriteString(`]}`)
	return json.RawMessage(b.String())
}

// A map run whose MaxConcurrency is below ChildShardThreshold hands its
// children over a shard at a time (ChildQueueDepth): each shard runs
// ChildShardSize of them, at most MaxConcurrency at once, and the last
// few, no more than may run at once, run as the parent's own child
// workflows. The parent's history grows by the shards, not by the children:
// before the queue, each child cost it about five events.
func TestDevServerChildQueue(t *testing.T) {
	c := devServer(t)
	const tq, id, n = "stepwise-child-queue", "child-queue", 122
	startItemsWorker(t, c, tq, nil)
	def := `{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items","MaxConcurrency":3,
		"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"P","States":{"P":{"Type":"Pass","OutputPath":"$.n","End":true}}},
		"ResultSelector":{"n.$":"States.ArrayLength($)","first.$":"$[0]","last.$":"$[121]"},"End":true}}}`
	got, _ := execute(t, c, tq, id, ExecutionInput{Definition: def, Input: itemsInput(n, -1), Runtime: RuntimeOptions{ChildShardSize: 40}})
	if got.Status != engine.StatusSucceeded || string(got.Output) != `{"n":122,"first":0,"last":121}` {
		t.Fatalf("got %s %s %s %s", got.Status, got.Error, got.Cause, got.Output)
	}
	h := temporalHistory(t, c, id, "")
	shards := childWorkflowIDs(h, ChildShardWorkflowName)
	direct := childWorkflowIDs(h, WorkflowName)
	if len(shards) != 3 || len(direct) != 2 {
		t.Fatalf("%d shards (want 3 of 40) and %d direct children (want the last 2)", len(shards), len(direct))
	}
	if most := mostChildrenAtOnce(h); most > 3 {
		t.Fatalf("the parent ran %d direct children at once, MaxConcurrency is 3", most)
	}
	children := len(direct)
	for _, s := range shards {
		sh := temporalHistory(t, c, s, "")
		children += len(childWorkflowIDs(sh, WorkflowName))
		if most := mostChildrenAtOnce(sh); most != 3 {
			t.Fatalf("shard %s ran at most %d children at once, want MaxConcurrency 3", s, most)
		}
	}
	if children != n {
		t.Fatalf("%d child workflows, want %d", children, n)
	}
	// Three shards, two direct children (about five events each) and the
	// workflow's own: far below the 610 that 122 direct children cost.
	if ev := len(h.Events); ev > 100 {
		t.Fatalf("%d Temporal events in the parent for %d children", ev, n)
	}
	t.Logf("%d children, MaxConcurrency 3: %d Temporal events in the parent", n, len(h.Events))
	replayAndRecord(t, c, id, "", "distributed-child-queue")
}

// When a queued run fails past its tolerated failures, the children its
// shard had not started are never started, and the ResultWriter lists
// them as PENDING, with the items the run had not read, as in process.
func TestDevServerChildQueueNotStarted(t *testing.T) {
	c := devServer(t)
	const tq, id, n = "stepwise-child-queue-fail", "child-queue-fail", 100
	dir := t.TempDir()
	writeCSV(t, dir, 0) // the buckets
	startItemsWorker(t, c, tq, items.Dir{Root: dir})
	def := `{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items","MaxConcurrency":2,
		"ResultWriter":{"Resource":"arn:aws:states:::s3:putObject","Parameters":{"Bucket":"out","Prefix":"res"}},
		"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"C","States":{
			"C":{"Type":"Choice","Choices":[{"Variable":"$.fail","BooleanEquals":true,"Next":"F"}],"Default":"P"},
			"F":{"Type":"Fail","Error":"Bad","Cause":"bad item"},"P":{"Type":"Pass","End":true}}},"End":true}}}`
	got, _ := execute(t, c, tq, id, ExecutionInput{Definition: def, Input: itemsInput(n, 5), Runtime: RuntimeOptions{ChildShardSize: 60}})
	if got.Status != engine.StatusFailed || got.Error != fault.ExceedToleratedFailureThreshold {
		t.Fatalf("got %s %s %s %s", got.Status, got.Error, got.Cause, got.Output)
	}
	h := temporalHistory(t, c, id, "")
	shards := childWorkflowIDs(h, ChildShardWorkflowName)
	if len(shards) != 1 {
		t.Fatalf("%d shards, want 1 (the failure ends the run in the first)", len(shards))
	}
	started := len(childWorkflowIDs(temporalHistory(t, c, shards[0], ""), WorkflowName))
	if started < 6 || started >= 60 {
		t.Fatalf("the shard started %d of its 60 children, want the first six and not all", started)
	}
	files, _ := resultFiles(t, dir)
	var failed, succeeded, pending []struct{ Input, Status string }
	for cat, dst := range map[string]*[]struct{ Input, Status string }{"FAILED": &failed, "SUCCEEDED": &succeeded, "PENDING": &pending} {
		if err := json.Unmarshal([]byte(files[cat]), dst); err != nil {
			t.Fatalf("%s_0.json: %v\n%s", cat, err, files[cat])
		}
	}
	// The failed item, and the children running when the run failed
	// (ABORTED, in the FAILED file); every other item is SUCCEEDED (it ran
	// first) or PENDING (never started).
	if len(succeeded)+len(failed) != started || len(pending) != n-started || failed[0].Status == "" {
		t.Fatalf("%d succeeded, %d failed, %d pending; %d started of %d", len(succeeded), len(failed), len(pending), started, n)
	}
	if pending[len(pending)-1].Input != `{"n":99,"fail":false}` {
		t.Fatalf("the last pending item %s", pending[len(pending)-1].Input)
	}
}
