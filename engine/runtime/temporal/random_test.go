package temporal

import (
	"fmt"
	"testing"

	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"
)

// TestTaskTokensComeFromACSPRNG: a new workflow's randomness (task tokens
// among it) is a ChaCha8 stream keyed by crypto/rand, not math/rand from a
// seed of at most 2^31 values (issue #20, D11); a given seed (tests) still
// gives the math/rand stream.
func TestTaskTokensComeFromACSPRNG(t *testing.T) {
	kind := func(seed int64) string {
		var s testsuite.WorkflowTestSuite
		env := s.NewTestWorkflowEnvironment()
		wf := func(ctx workflow.Context) (string, error) {
			return fmt.Sprintf("%T", newRandomSource(ctx, seed)), nil
		}
		env.RegisterWorkflow(wf)
		env.ExecuteWorkflow(wf)
		var got string
		if err := env.GetWorkflowResult(&got); err != nil {
			t.Fatal(err)
		}
		return got
	}
	if got := kind(0); got != "temporal.chachaSource" {
		t.Errorf("a new workflow's random source is %s, want the crypto/rand-keyed ChaCha8", got)
	}
	if got := kind(7); got != "*rand.Rand" {
		t.Errorf("with a seed: %s, want math/rand's", got)
	}
}
