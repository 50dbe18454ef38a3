package temporal

import (
	"path/filepath"
	"testing"

	"github.com/stepwise/stepwise/engine/runtime/temporal/temporaltest"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

// registerReplayer registers the workflows on a replayer.
func registerReplayer(r worker.WorkflowReplayer) {
	r.RegisterWorkflowWithOptions(ExecutionWorkflow, workflow.RegisterOptions{Name: WorkflowName})
	r.RegisterWorkflowWithOptions(BatchWorkflow, workflow.RegisterOptions{Name: BatchWorkflowName})
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
			if err := r.ReplayWorkflowHistoryFromJSONFile(temporaltest.QuietLogger(), f); err != nil {
				t.Fatalf("replay: %v", err)
			}
		})
	}
}
