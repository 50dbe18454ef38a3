package temporal

import (
	"context"
	"errors"
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/stepwise/stepwise/engine"
)

// On a dev server, UpdateMapRun is a workflow update that returns once
// the workflow applied it: the map run's settings are new at once, the
// shard that runs its children two at a time runs five at a time, and
// three failures are tolerated; an update of the ended map run is
// refused (NotRunningError, SUCCEEDED). Its history replays, recorded as
// map-run-update for TestReplayRecordedHistories.
func TestDevServerMapRunUpdate(t *testing.T) {
	c := devServer(t)
	const tq, id, n = "stepwise-map-run-update", "map-run-update", 20
	startWorker(t, c, tq, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	def := `{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items","MaxConcurrency":2,"Label":"lbl",
		"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"W","States":{
			"W":{"Type":"Wait","Seconds":1,"Next":"C"},
			"C":{"Type":"Choice","Choices":[{"Variable":"$.fail","BooleanEquals":true,"Next":"F"}],"Default":"P"},
			"F":{"Type":"Fail","Error":"Bad","Cause":"bad item"},"P":{"Type":"Pass","End":true}}},"End":true}}}`
	run, err := Start(ctx, c, client.StartWorkflowOptions{ID: id, TaskQueue: tq}, ExecutionInput{Definition: def,
		Input: itemsWithFailures(n, 15, 17, 19), StateMachineName: "sm", ExecutionName: "exec"})
	if err != nil {
		t.Fatal(err)
	}
	var st MapRunState
	for {
		runs, err := MapRuns(ctx, c, id, MapRunsRequest{})
		if err != nil {
			t.Fatal(err)
		}
		if len(runs) == 1 {
			st = runs[0]
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	five, three := 5, int64(3)
	if err := UpdateMapRun(ctx, c, id, MapRunUpdate{MapRunArn: st.Arn, MaxConcurrency: &five, ToleratedFailureCount: &three}); err != nil {
		t.Fatalf("UpdateMapRun: %v", err)
	}
	runs, err := MapRuns(ctx, c, id, MapRunsRequest{Arn: st.Arn})
	if err != nil || len(runs) != 1 || runs[0].MaxConcurrency != 5 || runs[0].ToleratedFailureCount != 3 {
		t.Fatalf("after the update: %+v %v", runs, err)
	}
	res, err := Result(ctx, run)
	if err != nil || res.Status != engine.StatusSucceeded {
		t.Fatalf("result: %+v %v", res, err)
	}
	runs, err = MapRuns(ctx, c, id, MapRunsRequest{Arn: st.Arn})
	if err != nil || len(runs) != 1 || runs[0].Status != engine.StatusSucceeded || runs[0].Executions.Failed != 3 || runs[0].Executions.Succeeded != n-3 {
		t.Fatalf("at the end: %+v %v", runs, err)
	}
	err = UpdateMapRun(ctx, c, id, MapRunUpdate{MapRunArn: st.Arn, MaxConcurrency: &five})
	var nr *NotRunningError
	if !errors.As(err, &nr) || nr.Status != engine.StatusSucceeded || !errors.Is(err, ErrMapRunNotRunning) {
		t.Fatalf("update of the ended map run: %v", err)
	}
	h := temporalHistory(t, c, id, "")
	shards := childWorkflowIDs(h, ChildShardWorkflowName)
	if len(shards) != 1 {
		t.Fatalf("%d shards, want 1", len(shards))
	}
	if most := mostChildrenAtOnce(temporalHistory(t, c, shards[0], "")); most != 5 {
		t.Fatalf("the shard ran at most %d children at once, want 5 after the update", most)
	}
	replayAndRecord(t, c, id, "", "map-run-update")
}
