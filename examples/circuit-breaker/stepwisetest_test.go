package circuitbreaker

import (
	"context"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stepwise/stepwise/asl/value"
	"github.com/stepwise/stepwise/stepwisetest"
)

// These tests run the same four mock cases as example_test.go, through the
// public test API.

func loadInput(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile("input.json")
	require.NoError(t, err)
	return string(data)
}

func TestStepwisetestHappyPath(t *testing.T) {
	m := stepwisetest.MustLoad(t, "statemachine.asl.json")
	ex := m.Run(t, loadInput(t), stepwisetest.MockCase("mocks.json", "HappyPath"))

	ex.AssertSucceeded(t)
	ex.AssertOutputJSON(t, `{"status":"PAID","orderId":"o-1001"}`) // member order does not matter
	ex.AssertOutput(t, map[string]any{"orderId": "o-1001", "status": "PAID"})
	ex.AssertStatesVisited(t, "Get Circuit Status", "Is Circuit Closed", "Execute Lambda")
	ex.AssertStateOutputJSON(t, "Get Circuit Status", 0,
		`{"TargetLambda":"circuit-breaker-HelloWorldFunction","RequestedAt":1763856000,"Payload":{"orderId":"o-1001","amount":42.5},"CircuitStatus":{}}`)
	ex.AssertEventTypes(t,
		"ExecutionStarted",
		"TaskStateEntered", "TaskScheduled", "TaskStarted", "TaskSucceeded", "TaskStateExited",
		"ChoiceStateEntered", "ChoiceStateExited",
		"TaskStateEntered", "TaskScheduled", "TaskStarted", "TaskSucceeded", "TaskStateExited",
		"ExecutionSucceeded")

	in, ok := ex.StateInput("Execute Lambda", 0)
	require.True(t, ok)
	assert.JSONEq(t, `{"TargetLambda":"circuit-breaker-HelloWorldFunction","RequestedAt":1763856000,"Payload":{"orderId":"o-1001","amount":42.5},"CircuitStatus":{}}`,
		value.EncodeString(in))
	_, ok = ex.StateInput("Execute Lambda", 1)
	assert.False(t, ok, "Execute Lambda is entered once")
}

func TestStepwisetestCircuitOpen(t *testing.T) {
	m := stepwisetest.MustLoad(t, "statemachine.asl.json")
	ex := m.Run(t, loadInput(t), stepwisetest.MockCase("mocks.json", "CircuitOpen"))

	ex.AssertFailed(t, "CircuitOpen")
	ex.AssertCause(t, "The circuit is open for this service: calls are skipped until its status item expires.")
	ex.AssertStatesVisited(t, "Get Circuit Status", "Is Circuit Closed", "Circuit Open")
	assert.Equal(t, 1, count(ex.EventTypes(), "TaskScheduled"), "only the circuit status is read")
}

func TestStepwisetestServiceTimesOut(t *testing.T) {
	m := stepwisetest.MustLoad(t, "statemachine.asl.json")
	ex := m.Run(t, loadInput(t), stepwisetest.MockCase("mocks.json", "ServiceTimesOut"))

	ex.AssertFailed(t, "States.Timeout")
	ex.AssertCause(t, "Task timed out after 10.00 seconds")
	ex.AssertStatesVisited(t, "Get Circuit Status", "Is Circuit Closed", "Execute Lambda", "Update Circuit Status", "Service Failed")
	assert.Equal(t, 4, count(ex.EventTypes(), "TaskTimedOut"), "one call and three retries")
	// The caught error goes to ResultPath $.Error, which the Task state's exit carries.
	out, ok := ex.StateOutput("Execute Lambda", 0)
	require.True(t, ok)
	errInfo, _ := out.(*value.Object).Get("Error")
	assert.Equal(t, `{"Error":"States.Timeout","Cause":"Task timed out after 10.00 seconds"}`, value.EncodeString(errInfo))
	ex.AssertStateInputJSON(t, "Update Circuit Status", 0, `{
		"TargetLambda":"circuit-breaker-HelloWorldFunction","RequestedAt":1763856000,
		"Payload":{"orderId":"o-1001","amount":42.5},"CircuitStatus":{},
		"Error":{"Error":"States.Timeout","Cause":"Task timed out after 10.00 seconds"}}`)
}

func TestStepwisetestRecoversAfterRetry(t *testing.T) {
	m := stepwisetest.MustLoad(t, "statemachine.asl.json")
	ex := m.Run(t, loadInput(t), stepwisetest.MockCase("mocks.json", "RecoversAfterRetry"))

	ex.AssertSucceeded(t)
	ex.AssertOutputJSON(t, `{"orderId":"o-1001","status":"PAID"}`)
	assert.Equal(t, 2, count(ex.EventTypes(), "TaskFailed"))
	assert.Positive(t, ex.Duration(), "the back-offs advance the virtual clock")
	assert.LessOrEqual(t, ex.Duration().Seconds(), 3.0, "full jitter: at most 1s + 2s")

	again := m.Run(t, loadInput(t), stepwisetest.MockCase("mocks.json", "RecoversAfterRetry"))
	assert.Equal(t, ex.Duration(), again.Duration(), "runs are deterministic")
}

// A Go function replaces the mocked Lambda call: a function for a state wins
// over the test case's mock.
func TestStepwisetestGoFunctionOverridesMock(t *testing.T) {
	type request struct {
		FunctionName string
		Payload      struct {
			OrderID string  `json:"orderId"`
			Amount  float64 `json:"amount"`
		}
	}
	type response struct {
		Payload struct {
			OrderID string `json:"orderId"`
			Charged bool   `json:"charged"`
		}
	}
	var calls int
	m := stepwisetest.MustLoad(t, "statemachine.asl.json")
	ex := m.Run(t, loadInput(t),
		stepwisetest.MockCase("mocks.json", "HappyPath"),
		stepwisetest.Func("Execute Lambda", stepwisetest.Typed(func(ctx context.Context, in request) (response, error) {
			calls++
			assert.Equal(t, "circuit-breaker-HelloWorldFunction", in.FunctionName)
			var out response
			out.Payload.OrderID = in.Payload.OrderID
			out.Payload.Charged = in.Payload.Amount > 0
			return out, nil
		})))
	ex.AssertSucceeded(t)
	ex.AssertOutputJSON(t, `{"orderId":"o-1001","charged":true}`)
	assert.Equal(t, 1, calls)
}

// A Go function's TaskError goes through Retry and Catch like a service
// error.
func TestStepwisetestGoFunctionError(t *testing.T) {
	m := stepwisetest.MustLoad(t, "statemachine.asl.json")
	ex := m.Run(t, loadInput(t),
		stepwisetest.MockCase("mocks.json", "ServiceTimesOut"),
		stepwisetest.Func("Execute Lambda", stepwisetest.JSON(func(ctx context.Context, in string) (string, error) {
			return "", stepwisetest.TaskError("Lambda.Unknown", "boom")
		})))
	ex.AssertFailed(t, "Lambda.Unknown")
	ex.AssertCause(t, "boom")
	assert.Equal(t, 1, count(ex.EventTypes(), "TaskFailed"), "Lambda.Unknown is not retried")
}

func count(l []string, s string) int {
	n := 0
	for _, e := range l {
		if e == s {
			n++
		}
	}
	return n
}
