package service_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/stepwise/stepwise/engine/service"
)

// records decodes the JSON log records (lockedBuffer: logging_test.go).
func (s *lockedBuffer) records(t *testing.T) []map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(s.b.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		out = append(out, m)
	}
	return out
}

// find returns the records with message msg whose attributes include want.
func find(recs []map[string]any, msg string, want map[string]any) []map[string]any {
	var out []map[string]any
next:
	for _, r := range recs {
		if r["msg"] != msg {
			continue
		}
		for k, v := range want {
			if r[k] != v {
				continue next
			}
		}
		out = append(out, r)
	}
	return out
}

// Executions log their start and their end (failures at WARN with error
// and cause), and API errors log their type and message.
func TestServiceLogsExecutionsAndAPIErrors(t *testing.T) {
	var logs lockedBuffer
	s := startServer(t, service.Options{Logger: slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo}))}, true)
	ctx := context.Background()
	ok := createMachine(t, s.client, "ok", `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`, types.StateMachineTypeStandard)
	bad := createMachine(t, s.client, "bad", `{"StartAt":"F","States":{"F":{"Type":"Fail","Error":"Boom","Cause":"it broke"}}}`, types.StateMachineTypeStandard)
	var arns []string
	for _, sm := range []string{ok, bad} {
		out, err := s.client.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(sm)})
		if err != nil {
			t.Fatal(err)
		}
		arns = append(arns, *out.ExecutionArn)
		waitDone(t, s.client, *out.ExecutionArn)
	}
	_, err := s.client.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(strings.Replace(arns[0], ":ok:", ":nope:", 1))})
	wantCode(t, err, "ExecutionDoesNotExist")

	recs := logs.records(t)
	for i, arn := range arns {
		if got := find(recs, "execution started", map[string]any{"level": "INFO", "execution": arn}); len(got) != 1 {
			t.Errorf("execution %d: %d start records:\n%v", i, len(got), recs)
		}
	}
	if got := find(recs, "execution ended", map[string]any{"level": "INFO", "execution": arns[0], "status": "SUCCEEDED"}); len(got) != 1 {
		t.Errorf("no end record of the succeeded execution:\n%v", recs)
	}
	if got := find(recs, "execution ended", map[string]any{"level": "WARN", "execution": arns[1], "status": "FAILED", "error": "Boom", "cause": "it broke"}); len(got) != 1 {
		t.Errorf("no WARN end record with the error and cause of the failed execution:\n%v", recs)
	}
	if got := find(recs, "api error", map[string]any{"level": "INFO", "operation": "DescribeExecution", "error": "ExecutionDoesNotExist", "status": float64(400)}); len(got) != 1 || !strings.Contains(got[0]["message"].(string), ":nope:") {
		t.Errorf("no record of the API error:\n%v", recs)
	}
	if got := find(recs, "api call", nil); len(got) != 0 {
		t.Errorf("successful calls are logged at DEBUG only, got %d at INFO", len(got))
	}
}
