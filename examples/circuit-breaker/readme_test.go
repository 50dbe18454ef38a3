package circuitbreaker

import (
	"testing"

	"github.com/stepwise/stepwise/stepwisetest"
)

// TestCircuitBreakerRecovers is the test shown in the README.
func TestCircuitBreakerRecovers(t *testing.T) {
	m := stepwisetest.MustLoad(t, "statemachine.asl.json")
	ex := m.Run(t, `{"TargetLambda":"orders","RequestedAt":1763856000,"Payload":{}}`,
		stepwisetest.MockCase("mocks.json", "RecoversAfterRetry"))
	ex.AssertSucceeded(t)
	ex.AssertOutputJSON(t, `{"orderId":"o-1001","status":"PAID"}`)
	ex.AssertStatesVisited(t, "Get Circuit Status", "Is Circuit Closed", "Execute Lambda")
}
