package temporal

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/stepwise/stepwise/engine/runtime/temporal/temporaltest"
)

// registerReplayer registers the workflows on a replayer.
func registerReplayer(r worker.WorkflowReplayer) {
	r.RegisterWorkflowWithOptions(ExecutionWorkflow, workflow.RegisterOptions{Name: WorkflowName})
	r.RegisterWorkflowWithOptions(BatchWorkflow, workflow.RegisterOptions{Name: BatchWorkflowName})
	r.RegisterWorkflowWithOptions(ChildShardWorkflow, workflow.RegisterOptions{Name: ChildShardWorkflowName})
}

// replayHistory replays h on r under the workflow ID it ran with, which
// the IDs of its child executions' workflows (ID/NAME) and shards
// (ID/shard/NAME) start with; a history with none replays under the
// replayer's own ID.
func replayHistory(r worker.WorkflowReplayer, h *historypb.History) error {
	var opts worker.ReplayWorkflowHistoryOptions
	for _, e := range h.GetEvents() {
		a := e.GetStartChildWorkflowExecutionInitiatedEventAttributes()
		if a == nil || a.GetWorkflowType().GetName() == BatchWorkflowName {
			continue
		}
		id := a.GetWorkflowId()
		if i := strings.Index(id, "/shard/"); i > 0 {
			opts.OriginalExecution.ID = id[:i]
		} else if i := strings.LastIndexByte(id, '/'); i > 0 {
			opts.OriginalExecution.ID = id[:i]
		}
		break
	}
	return r.ReplayWorkflowHistoryWithOptions(temporaltest.QuietLogger(), h, opts)
}

// TestReplayRecordedHistories replays the workflow histories recorded from
// a dev server in testdata (STEPWISE_RECORD_HISTORIES=1 go test -run
// TestDevServer ./engine/temporal rewrites them): a change that makes the
// workflow code take other steps on the same history fails here.
func TestReplayRecordedHistories(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no recorded histories in testdata")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			r := worker.NewWorkflowReplayer()
			registerReplayer(r)
			data, err := os.Open(f)
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = data.Close() }()
			h, err := client.HistoryFromJSON(data, client.HistoryJSONOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if err := replayHistory(r, h); err != nil {
				t.Fatalf("replay: %v", err)
			}
		})
	}
}
