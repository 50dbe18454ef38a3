package service

import (
	"encoding/json"
	"testing"

	"github.com/stepwise/stepwise/engine"
	"github.com/stepwise/stepwise/engine/runtime/temporal"
)

// A map run recorded from its MapRunStarted event alone names its
// children's state machine from its ARN.
func TestMapRunMachineArn(t *testing.T) {
	for arn, want := range map[string]string{
		"arn:aws:states:us-east-1:123456789012:mapRun:sm/lbl:0f3a3d6e": "arn:aws:states:us-east-1:123456789012:stateMachine:sm/lbl",
		"arn:aws:states:eu-west-1:000000000000:mapRun:a-b/Map 1:x":     "arn:aws:states:eu-west-1:000000000000:stateMachine:a-b/Map 1",
		"arn:aws:states:us-east-1:123456789012:execution:sm:e":         "",
	} {
		if got := mapRunMachineArn(arn); got != want {
			t.Errorf("mapRunMachineArn(%q) = %q, want %q", arn, got, want)
		}
	}
}

// The workflow's counts become DescribeMapRun's itemCounts and
// executionCounts member for member.
func TestMapRunTallyOf(t *testing.T) {
	c := engine.MapRunCounts{Aborted: 1, Failed: 2, Pending: 3, ResultsWritten: 4, Running: 5, Succeeded: 6, TimedOut: 7, Total: 8,
		FailuresNotRedrivable: 9, PendingRedrive: 10}
	tally := mapRunTallyOf(&temporal.MapRunState{Items: c, Executions: c})
	got, err := json.Marshal(tally.Items)
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"aborted":1,"failed":2,"pending":3,"resultsWritten":4,"running":5,"succeeded":6,"timedOut":7,"total":8,"failuresNotRedrivable":9,"pendingRedrive":10}`
	if string(got) != want || tally.Executions != tally.Items {
		t.Fatalf("items %s, executions %+v", got, tally.Executions)
	}
}
