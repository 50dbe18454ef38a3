// Package circuitbreaker tests the circuit-breaker example workflow with the
// mocked test cases of its mocks.json.
package circuitbreaker

import (
	"context"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stepwise/stepwise/asl"
	"github.com/stepwise/stepwise/asl/value"
	"github.com/stepwise/stepwise/engine"
	"github.com/stepwise/stepwise/engine/runtime/local"
	"github.com/stepwise/stepwise/integrations"
	"github.com/stepwise/stepwise/integrations/mock"
)

// recorder keeps the input of every task call, per state.
type recorder struct {
	next   integrations.Invoker
	mu     sync.Mutex
	inputs map[string][]any
}

func (r *recorder) Invoke(ctx context.Context, t *integrations.Task) (any, error) {
	r.mu.Lock()
	r.inputs[t.StateName] = append(r.inputs[t.StateName], t.Input)
	r.mu.Unlock()
	return r.next.Invoke(ctx, t)
}

var start = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

func run(t *testing.T, testCase string) (*engine.Result, *recorder) {
	t.Helper()
	def, err := os.ReadFile("statemachine.asl.json")
	require.NoError(t, err)
	sm, err := asl.Parse(def)
	require.NoError(t, err)
	cfg, err := mock.Load("mocks.json")
	require.NoError(t, err)
	tc, err := cfg.TestCase("statemachine", testCase)
	require.NoError(t, err)
	raw, err := os.ReadFile("input.json")
	require.NoError(t, err)
	input, err := value.Decode(raw)
	require.NoError(t, err)

	rec := &recorder{next: tc.Invoker(nil), inputs: map[string][]any{}}
	res, err := engine.Run(context.Background(), sm, input, engine.Options{
		Runtime:          local.New(local.Options{VirtualClock: true, Start: start, Seed: 1}),
		Invoker:          rec,
		ExecutionName:    "test-" + testCase,
		StateMachineName: "statemachine",
		Region:           "us-east-1",
		AccountID:        "123456789012",
	})
	require.NoError(t, err)
	return res, rec
}

func TestHappyPathReturnsTheFunctionPayload(t *testing.T) {
	res, rec := run(t, "HappyPath")
	require.Equal(t, engine.StatusSucceeded, res.Status, "%s: %s", res.Error, res.Cause)
	assert.Equal(t, `{"orderId":"o-1001","status":"PAID"}`, value.EncodeString(res.Output))
	require.Len(t, rec.inputs["Execute Lambda"], 1)
	assert.Equal(t, `{"FunctionName":"circuit-breaker-HelloWorldFunction","Payload":{"orderId":"o-1001","amount":42.5}}`,
		value.EncodeString(rec.inputs["Execute Lambda"][0]))
	assert.Equal(t, `{"TableName":"CircuitStatus","Key":{"ServiceName":{"S":"circuit-breaker-HelloWorldFunction"}}}`,
		value.EncodeString(rec.inputs["Get Circuit Status"][0]))
}

func TestOpenCircuitFailsWithoutCallingTheFunction(t *testing.T) {
	res, rec := run(t, "CircuitOpen")
	assert.Equal(t, engine.StatusFailed, res.Status)
	assert.Equal(t, "CircuitOpen", res.Error)
	assert.Empty(t, rec.inputs["Execute Lambda"])
}

func TestTimeoutsOpenTheCircuitAfterRetries(t *testing.T) {
	res, rec := run(t, "ServiceTimesOut")
	assert.Equal(t, engine.StatusFailed, res.Status)
	assert.Equal(t, "States.Timeout", res.Error)
	assert.Equal(t, "Task timed out after 10.00 seconds", res.Cause)
	assert.Len(t, rec.inputs["Execute Lambda"], 4, "one call and three retries")
	require.Len(t, rec.inputs["Update Circuit Status"], 1)
	assert.Equal(t,
		`{"TableName":"CircuitStatus","Item":{"ServiceName":{"S":"circuit-breaker-HelloWorldFunction"},"CircuitStatus":{"S":"OPEN"},"ExpireTimeStamp":{"N":"1763856020"}}}`,
		value.EncodeString(rec.inputs["Update Circuit Status"][0]))
}

func TestRecoveryAfterRetriesTakesVirtualTime(t *testing.T) {
	res, rec := run(t, "RecoversAfterRetry")
	require.Equal(t, engine.StatusSucceeded, res.Status, "%s: %s", res.Error, res.Cause)
	assert.Len(t, rec.inputs["Execute Lambda"], 3)
	require.NotEmpty(t, res.Events)
	elapsed := res.Events[len(res.Events)-1].Timestamp.Sub(res.Events[0].Timestamp)
	// Two back-offs with full jitter: each at most 1s and 2s.
	assert.LessOrEqual(t, elapsed, 3*time.Second)
	var failures int
	for _, e := range res.Events {
		if e.Type == "TaskFailed" {
			failures++
		}
	}
	assert.Equal(t, 2, failures)
}
