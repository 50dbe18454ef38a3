package service_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/stepwise/stepwise/engine/service"
)

// TestCall: operations run in process answer what the HTTP API answers.
func TestCall(t *testing.T) {
	s := startServer(t, service.Options{}, true)
	ctx := context.Background()
	out, err := s.svc.Call(ctx, "CreateStateMachine", []byte(`{"name":"m","roleArn":"`+role+`","definition":"{\"StartAt\":\"A\",\"States\":{\"A\":{\"Type\":\"Succeed\"}}}"}`))
	if err != nil || !strings.Contains(string(out), `"stateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:m"`) {
		t.Fatalf("CreateStateMachine = %s, %v", out, err)
	}
	out, err = s.svc.Call(ctx, "ListStateMachines", nil)
	if err != nil || !strings.Contains(string(out), `"name":"m"`) {
		t.Errorf("ListStateMachines = %s, %v", out, err)
	}
	for _, tc := range []struct {
		op, in, typ string
		status      int
	}{
		{"Nope", `{}`, "UnknownOperationException", 400},
		{"DescribeStateMachine", `{"stateMachineArn":"bad"}`, "InvalidArn", 400},
		{"DescribeStateMachine", `not json`, "SerializationException", 400},
		{"ListStateMachines", `{"maxResults":5000}`, "ValidationException", 400},
		{"ListStateMachines", `{"x":"` + strings.Repeat("a", service.MaxRequestBytes) + `"}`, "ValidationException", 413},
	} {
		_, err := s.svc.Call(ctx, tc.op, []byte(tc.in))
		var ae *service.APIError
		if !errors.As(err, &ae) || ae.Type != tc.typ || ae.Status != tc.status {
			t.Errorf("%s %.40s: %v, want %s (%d)", tc.op, tc.in, err, tc.typ, tc.status)
		}
	}
}
