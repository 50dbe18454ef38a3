package aws

import (
	"errors"
	"strings"
	"testing"

	"github.com/stepwise/stepwise/asl/fault"
	"github.com/stepwise/stepwise/asl/value"
)

// TestEventStreamOperationsAreRefused checks that an operation whose
// output is an event stream fails with States.Runtime saying so, before
// any request is sent, instead of returning a result without its stream;
// an operation of the same service without one is sent.
func TestEventStreamOperationsAreRefused(t *testing.T) {
	f := newFakeService(t, "application/json", func(string, *value.Object) (int, string) {
		return 200, `{"modelId":"m"}`
	})
	inv := testInvoker(map[string]string{"bedrockruntime": f.URL})
	tk := task("arn:aws:states:::aws-sdk:bedrockruntime:invokeModelWithResponseStream", `{"ModelId":"m","Body":"{}"}`)
	_, err := inv.Invoke(ctx(t), tk)
	var fe *fault.Error
	if !errors.As(err, &fe) || fe.Name != fault.Runtime || !strings.Contains(fe.Cause, "streams events (its Body member)") {
		t.Fatalf("event stream: %v", err)
	}
	if n := len(f.requests()); n != 0 {
		t.Fatalf("%d requests sent for an event-stream operation", n)
	}
	if _, err := inv.Invoke(ctx(t), task("arn:aws:states:::aws-sdk:bedrockruntime:invokeModel", `{"ModelId":"m","Body":"{}"}`)); err != nil {
		t.Fatalf("invokeModel: %v", err)
	}
	if n := len(f.requests()); n != 1 {
		t.Fatalf("invokeModel sent %d requests", n)
	}
}
