package wire

import (
	"strings"
	"testing"

	"github.com/stepwise/stepwise/asl/value"
	"github.com/stepwise/stepwise/integrations/aws/model"
)

// TestEqualsIsEqualsValue checks Step Functions' documented rule for a
// member named Equals (GuardDuty's Condition has one): the state machine
// writes and reads it as EqualsValue, while the wire keeps the service's
// own name; Equals itself is not a field.
func TestEqualsIsEqualsValue(t *testing.T) {
	svc, ok, err := model.Embedded().Service("guardduty")
	if err != nil || !ok {
		t.Fatalf("guardduty model: %v %v", ok, err)
	}
	params, _ := value.DecodeString(`{"DetectorId":"d1","Name":"f","FindingCriteria":{"Criterion":{"severity":{"EqualsValue":["8"]}}}}`)
	req, err := Build(svc, "CreateFilter", params)
	if err != nil {
		t.Fatal(err)
	}
	if body := string(req.Body); !strings.Contains(body, `"equals":["8"]`) || strings.Contains(body, "EqualsValue") {
		t.Fatalf("wire body %s", body)
	}

	bad, _ := value.DecodeString(`{"DetectorId":"d1","Name":"f","FindingCriteria":{"Criterion":{"severity":{"Equals":["8"]}}}}`)
	if _, err := Build(svc, "CreateFilter", bad); err == nil || !strings.Contains(err.Error(), `"Equals"`) {
		t.Fatalf("Equals as a field: %v", err)
	}

	resp := &Response{Status: 200, Body: []byte(`{"name":"f","action":"NOOP","findingCriteria":{"criterion":{"severity":{"equals":["8"]}}}}`)}
	out, err := Decode(svc, "GetFilter", resp)
	if err != nil {
		t.Fatal(err)
	}
	if got := value.EncodeString(out); !strings.Contains(got, `"Criterion":{"severity":{"EqualsValue":["8"]}}`) {
		t.Fatalf("decoded %s", got)
	}
}
