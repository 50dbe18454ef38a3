package crashtest

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"

	"github.com/stepwise/stepwise/engine/runtime/temporal"
)

const lambda = "arn:aws:lambda:us-east-1:123456789012:function:"

// waitMachine is Task A, a 3-second Wait, Task B.
const waitMachine = `{
  "StartAt": "A",
  "States": {
    "A": {"Type": "Task", "Resource": "` + lambda + `a", "Parameters": {"v.$": "$.n"}, "ResultPath": "$.a", "Next": "Pause"},
    "Pause": {"Type": "Wait", "Seconds": 3, "Next": "B"},
    "B": {"Type": "Task", "Resource": "` + lambda + `b", "Parameters": {"v.$": "$.a.v"}, "ResultPath": "$.b", "Next": "Done"},
    "Done": {"Type": "Succeed"}
  }
}`

// TestKillDuringWait SIGKILLs the worker while the execution waits in a
// Wait state; a new worker finishes it after the wait, without running A
// again.
func TestKillDuringWait(t *testing.T) {
	e := startEnv(t)
	w1 := e.startWorker(t, "worker-1")
	run := e.start(t, waitMachine, `{"n":1}`, temporal.RuntimeOptions{})

	// In the Wait: the Step Functions history has entered it and its
	// durable timer is started.
	poll(t, 30*time.Second, "WaitStateEntered and the timer", func() bool {
		events, err := e.aslHistory(t, run)
		if err != nil || !slices.ContainsFunc(events, func(ev aslEvent) bool { return ev.Type == "WaitStateEntered" }) {
			return false
		}
		return has(e.temporalHistory(t, run), enumspb.EVENT_TYPE_TIMER_STARTED)
	})
	w1.kill(t)
	if has(e.temporalHistory(t, run), enumspb.EVENT_TYPE_TIMER_FIRED) {
		t.Fatal("the Wait's timer fired before the worker was killed: the test did not kill it in the middle of the Wait")
	}
	if got := readRecords(t, filepath.Join(e.dir, completedLog)); !slices.Equal(got, []record{{"A", 0, "worker-1"}}) {
		t.Fatalf("completed before the kill: %v, want A by worker-1", got)
	}

	e.startWorker(t, "worker-2")
	res := e.result(t, run)
	if res.Status != "SUCCEEDED" {
		t.Fatalf("status %s %s %s", res.Status, res.Error, res.Cause)
	}
	if want := `{"n":1,"a":{"by":"A","v":2},"b":{"by":"B","v":3}}`; string(res.Output) != want {
		t.Fatalf("output %s, want %s", res.Output, want)
	}
	// Each task completed once: A by the first worker, B by the second.
	if got, want := readRecords(t, filepath.Join(e.dir, completedLog)), []record{{"A", 0, "worker-1"}, {"B", 0, "worker-2"}}; !slices.Equal(got, want) {
		t.Fatalf("completed tasks %v, want %v", got, want)
	}
	if got, want := readRecords(t, filepath.Join(e.dir, startedLog)), []record{{"A", 0, "worker-1"}, {"B", 0, "worker-2"}}; !slices.Equal(got, want) {
		t.Fatalf("started tasks %v, want %v", got, want)
	}
	// Temporal ran one activity per task, on those workers.
	checkActivities(t, activities(t, e.temporalHistory(t, run)), []activity{
		{state: "A", startedBy: "worker-1", outcome: enumspb.EVENT_TYPE_ACTIVITY_TASK_COMPLETED},
		{state: "B", startedBy: "worker-2", outcome: enumspb.EVENT_TYPE_ACTIVITY_TASK_COMPLETED},
	})
	// The Step Functions history waited the 3 seconds, once.
	events, err := e.aslHistory(t, run)
	if err != nil {
		t.Fatalf("history: %v", err)
	}
	var entered, exited []float64
	for _, ev := range events {
		switch ev.Type {
		case "WaitStateEntered":
			entered = append(entered, ev.Timestamp)
		case "WaitStateExited":
			exited = append(exited, ev.Timestamp)
		}
	}
	if len(entered) != 1 || len(exited) != 1 || exited[0]-entered[0] < 3 {
		t.Fatalf("Wait entered at %v and exited at %v, want once, 3s apart", entered, exited)
	}
}

// slowMachine is Task A, Task Slow (which blocks until the test releases
// it), Task C.
func slowMachine(slow string) string {
	return `{
  "StartAt": "A",
  "States": {
    "A": {"Type": "Task", "Resource": "` + lambda + `a", "Parameters": {"v.$": "$.n"}, "ResultPath": "$.a", "Next": "Slow"},
    "Slow": {"Type": "Task", "Resource": "` + lambda + `slow", "Parameters": {"v.$": "$.a.v"}, "ResultPath": "$.slow", ` + slow + `"Next": "C"},
    "C": {"Type": "Task", "Resource": "` + lambda + `c", "Parameters": {"v.$": "$.slow.v"}, "ResultPath": "$.c", "End": true}
  }
}`
}

// TestKillDuringTask SIGKILLs the worker while it runs Task Slow. Temporal
// notices the lost worker when the activity's heartbeats stop, and a new
// worker runs Slow again and finishes the execution, without running A
// again.
//
//   - "liveness": Slow sets no HeartbeatSeconds. Its activity's heartbeat
//     timeout is RuntimeOptions.Liveness (2s here), and a lost worker makes
//     the workflow run the task again, invisibly to the state machine:
//     attempt 0, no LambdaFunctionTimedOut event.
//   - "HeartbeatSeconds": Slow sets HeartbeatSeconds 2 and retries
//     States.HeartbeatTimeout: the lost worker is a heartbeat timeout of the
//     Task, which its Retry runs again as attempt 1.
func TestKillDuringTask(t *testing.T) {
	for _, tc := range []struct {
		name       string
		slow       string // more fields of Slow
		rt         temporal.RuntimeOptions
		attempt    int // the attempt of Slow that completes
		aslEvents  map[string]int
		timeoutTyp enumspb.TimeoutType
	}{
		{
			name:       "liveness",
			rt:         temporal.RuntimeOptions{Liveness: 2 * time.Second},
			attempt:    0,
			aslEvents:  map[string]int{"LambdaFunctionScheduled": 3, "LambdaFunctionSucceeded": 3, "LambdaFunctionTimedOut": 0, "LambdaFunctionFailed": 0},
			timeoutTyp: enumspb.TIMEOUT_TYPE_HEARTBEAT,
		},
		{
			name: "HeartbeatSeconds",
			slow: `"HeartbeatSeconds": 2, "TimeoutSeconds": 600, ` +
				`"Retry": [{"ErrorEquals": ["States.HeartbeatTimeout"], "IntervalSeconds": 1, "MaxAttempts": 2}], `,
			attempt:    1,
			aslEvents:  map[string]int{"LambdaFunctionScheduled": 4, "LambdaFunctionSucceeded": 3, "LambdaFunctionTimedOut": 1, "LambdaFunctionFailed": 0},
			timeoutTyp: enumspb.TIMEOUT_TYPE_HEARTBEAT,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := startEnv(t)
			w1 := e.startWorker(t, "worker-1")
			run := e.start(t, slowMachine(tc.slow), `{"n":1}`, tc.rt)

			// In the Task: the first worker started Slow, which cannot
			// complete before the release file exists.
			poll(t, 30*time.Second, "Slow to start", func() bool {
				return slices.Contains(readRecords(t, filepath.Join(e.dir, startedLog)), record{"Slow", 0, "worker-1"})
			})
			w1.kill(t)
			if got := readRecords(t, filepath.Join(e.dir, completedLog)); !slices.Equal(got, []record{{"A", 0, "worker-1"}}) {
				t.Fatalf("completed before the kill: %v, want A by worker-1", got)
			}
			if err := os.WriteFile(filepath.Join(e.dir, releaseFile), nil, 0o644); err != nil {
				t.Fatal(err)
			}

			e.startWorker(t, "worker-2")
			res := e.result(t, run)
			if res.Status != "SUCCEEDED" {
				t.Fatalf("status %s %s %s", res.Status, res.Error, res.Cause)
			}
			if want := `{"n":1,"a":{"by":"A","v":2},"slow":{"by":"Slow","v":3},"c":{"by":"C","v":4}}`; string(res.Output) != want {
				t.Fatalf("output %s, want %s", res.Output, want)
			}
			// Each task completed once; Slow started twice, its first
			// run never completed.
			wantDone := []record{{"A", 0, "worker-1"}, {"Slow", tc.attempt, "worker-2"}, {"C", 0, "worker-2"}}
			if got := readRecords(t, filepath.Join(e.dir, completedLog)); !slices.Equal(got, wantDone) {
				t.Fatalf("completed tasks %v, want %v", got, wantDone)
			}
			wantStarted := []record{{"A", 0, "worker-1"}, {"Slow", 0, "worker-1"}, {"Slow", tc.attempt, "worker-2"}, {"C", 0, "worker-2"}}
			if got := readRecords(t, filepath.Join(e.dir, startedLog)); !slices.Equal(got, wantStarted) {
				t.Fatalf("started tasks %v, want %v", got, wantStarted)
			}
			// Temporal: Slow's first activity timed out (its heartbeats
			// stopped with the worker), the second completed on the new
			// worker.
			checkActivities(t, activities(t, e.temporalHistory(t, run)), []activity{
				{state: "A", startedBy: "worker-1", outcome: enumspb.EVENT_TYPE_ACTIVITY_TASK_COMPLETED},
				{state: "Slow", startedBy: "worker-1", outcome: enumspb.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT, timeout: tc.timeoutTyp},
				{state: "Slow", startedBy: "worker-2", outcome: enumspb.EVENT_TYPE_ACTIVITY_TASK_COMPLETED},
				{state: "C", startedBy: "worker-2", outcome: enumspb.EVENT_TYPE_ACTIVITY_TASK_COMPLETED},
			})
			events, err := e.aslHistory(t, run)
			if err != nil {
				t.Fatalf("history: %v", err)
			}
			counts := map[string]int{}
			for _, ev := range events {
				counts[ev.Type]++
			}
			for typ, n := range tc.aslEvents {
				if counts[typ] != n {
					t.Errorf("%d %s events, want %d (history %v)", counts[typ], typ, n, counts)
				}
			}
		})
	}
}

// checkActivities compares the task activities of a Temporal history.
func checkActivities(t *testing.T, got []*activity, want []activity) {
	t.Helper()
	var g, w []string
	for _, a := range got {
		g = append(g, fmt.Sprintf("%+v", *a))
	}
	for _, a := range want {
		w = append(w, fmt.Sprintf("%+v", a))
	}
	if !slices.Equal(g, w) {
		t.Fatalf("activities:\n got %v\nwant %v", g, w)
	}
}
