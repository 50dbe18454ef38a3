package service_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/stepwise/stepwise/engine/service"
)

// lockedBuffer is an io.Writer safe for the service's goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// messages returns the log messages written for an execution.
func (l *lockedBuffer) messages(t *testing.T, execArn string) []map[string]any {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(l.b.String()), "\n") {
		if line == "" {
			continue
		}
		var ev struct {
			LogGroupName  string `json:"logGroupName"`
			LogStreamName string `json:"logStreamName"`
			Timestamp     int64  `json:"timestamp"`
			Message       string `json:"message"`
		}
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		if ev.LogGroupName != "sfn-logs" || !strings.HasPrefix(ev.LogStreamName, "states/") || ev.Timestamp == 0 {
			t.Errorf("log line %q", line)
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(ev.Message), &m); err != nil {
			t.Fatalf("message %q: %v", ev.Message, err)
		}
		if m["execution_arn"] == execArn {
			out = append(out, m)
		}
	}
	return out
}

const logGroupArn = "arn:aws:logs:us-east-1:123456789012:log-group:sfn-logs:*"

func logging(level string, data bool) *types.LoggingConfiguration {
	return &types.LoggingConfiguration{Level: types.LogLevel(level), IncludeExecutionData: data,
		Destinations: []types.LogDestination{{CloudWatchLogsLogGroup: &types.CloudWatchLogsLogGroup{LogGroupArn: aws.String(logGroupArn)}}}}
}

func TestLoggingConfiguration(t *testing.T) {
	s := startServer(t, service.Options{}, true)
	c := s.client
	def := `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`
	for _, level := range []string{"ALL", "ERROR", "FATAL", "OFF"} {
		cr, err := c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("log-" + level), Definition: aws.String(def), RoleArn: aws.String(role),
			LoggingConfiguration: logging(level, level == "ALL"), TracingConfiguration: &types.TracingConfiguration{Enabled: true}})
		if err != nil {
			t.Fatal(err)
		}
		d, err := c.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: cr.StateMachineArn})
		if err != nil {
			t.Fatal(err)
		}
		lc := d.LoggingConfiguration
		if string(lc.Level) != level || lc.IncludeExecutionData != (level == "ALL") || len(lc.Destinations) != 1 ||
			*lc.Destinations[0].CloudWatchLogsLogGroup.LogGroupArn != logGroupArn || d.TracingConfiguration == nil || !d.TracingConfiguration.Enabled {
			t.Errorf("%s: described %+v %+v", level, lc, d.TracingConfiguration)
		}
	}
	// Recorded: test_incomplete_logging_configuration.
	url := s.http.URL
	create := func(name, lc string) string {
		return fmt.Sprintf(`{"name":%q,"definition":%q,"roleArn":%q,"loggingConfiguration":%s}`, name, def, role, lc)
	}
	for name, lc := range map[string]string{"inc0": `{}`, "inc1": `{"destinations":[]}`} {
		if code, out := rawCall(t, url, "AWSStepFunctions.CreateStateMachine", create(name, lc)); code != 200 {
			t.Fatalf("%s: %d %v", lc, code, out)
		}
		_, out := rawCall(t, url, "AWSStepFunctions.DescribeStateMachine", `{"stateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:`+name+`"}`)
		got, _ := json.Marshal(out["loggingConfiguration"])
		want := `{"includeExecutionData":false,"level":"OFF"}`
		if name == "inc1" {
			want = `{"destinations":[],"includeExecutionData":false,"level":"OFF"}`
		}
		if string(got) != want {
			t.Errorf("%s: loggingConfiguration %s, want %s", lc, got, want)
		}
	}
	// Recorded: test_invalid_logging_configuration, test_multiple_destinations.
	dest := `{"cloudWatchLogsLogGroup":{"logGroupArn":"` + logGroupArn + `"}}`
	for _, lc := range []string{`{"level":"ALL"}`, `{"level":"FATAL"}`, `{"level":"ERROR"}`, `{"level":"ALL","destinations":[` + dest + `,` + dest + `]}`} {
		wantRaw(t, url, "CreateStateMachine", create("bad", lc), 400, "InvalidLoggingConfiguration", "Invalid Logging Configuration: Must specify exactly one Log Destination.")
	}
	wantRaw(t, url, "CreateStateMachine", create("bad", `{"level":"ALL","destinations":[{"cloudWatchLogsLogGroup":{"logGroupArn":"nope"}}]}`), 400, "InvalidLoggingConfiguration", "")
	wantRaw(t, url, "CreateStateMachine", create("bad", `{"level":"LOUD"}`), 400, "ValidationException", "")

	// Recorded: test_update_logging_configuration: a new level is a new
	// revision; the same configuration again is not; more destinations fail.
	sm := "arn:aws:states:us-east-1:123456789012:stateMachine:log-ALL"
	up, err := c.UpdateStateMachine(ctx, &sfn.UpdateStateMachineInput{StateMachineArn: aws.String(sm), LoggingConfiguration: logging("FATAL", true)})
	if err != nil || up.RevisionId == nil {
		t.Fatalf("update = %+v, %v", up, err)
	}
	again, err := c.UpdateStateMachine(ctx, &sfn.UpdateStateMachineInput{StateMachineArn: aws.String(sm), LoggingConfiguration: logging("FATAL", true)})
	if err != nil || aws.ToString(again.RevisionId) != *up.RevisionId {
		t.Errorf("no-change update = %+v, %v", again, err)
	}
	two := logging("FATAL", true)
	two.Destinations = append(two.Destinations, two.Destinations[0])
	_, err = c.UpdateStateMachine(ctx, &sfn.UpdateStateMachineInput{StateMachineArn: aws.String(sm), LoggingConfiguration: two})
	wantCode(t, err, "InvalidLoggingConfiguration")
}

func TestExecutionLogs(t *testing.T) {
	logs := &lockedBuffer{}
	s := startServer(t, service.Options{ExecutionLogs: logs}, true)
	c := s.client
	pass := `{"StartAt":"State_1","States":{"State_1":{"Type":"Pass","Result":{"Arg1":"argument1"},"End":true}}}`
	fail := `{"StartAt":"FailState","States":{"FailState":{"Type":"Fail","Error":"SomeFailure","Cause":"boom"}}}`
	run := func(name, def, level string, data bool, typ types.StateMachineType) []map[string]any {
		t.Helper()
		cr, err := c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String(name), Definition: aws.String(def), RoleArn: aws.String(role),
			LoggingConfiguration: logging(level, data), Type: typ})
		if err != nil {
			t.Fatal(err)
		}
		if typ == types.StateMachineTypeExpress {
			out, err := c.StartSyncExecution(ctx, &sfn.StartSyncExecutionInput{StateMachineArn: cr.StateMachineArn, Input: aws.String(`{}`)})
			if err != nil {
				t.Fatal(err)
			}
			return logs.messages(t, *out.ExecutionArn)
		}
		ex, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: cr.StateMachineArn, Input: aws.String(`{}`)})
		if err != nil {
			t.Fatal(err)
		}
		// Events are logged on the interpreter's goroutine, before the
		// execution is recorded as ended.
		waitDone(t, c, *ex.ExecutionArn)
		return logs.messages(t, *ex.ExecutionArn)
	}
	types_ := func(ms []map[string]any) string {
		var ts []string
		for _, m := range ms {
			ts = append(ts, m["type"].(string))
		}
		return strings.Join(ts, ",")
	}
	// Recorded: test_logs.py test_base[pass_result.json5_ALL_False].
	ms := run("pass-all", pass, "ALL", false, "")
	if got := types_(ms); got != "ExecutionStarted,PassStateEntered,PassStateExited,ExecutionSucceeded" {
		t.Fatalf("ALL: %s", got)
	}
	det := func(m map[string]any) string { b, _ := json.Marshal(m["details"]); return string(b) }
	if det(ms[0]) != `{"roleArn":"`+role+`"}` || det(ms[1]) != `{"name":"State_1"}` || det(ms[2]) != `{"name":"State_1"}` || det(ms[3]) != `{}` {
		t.Errorf("details without data: %s %s %s %s", det(ms[0]), det(ms[1]), det(ms[2]), det(ms[3]))
	}
	if ms[0]["id"] != "1" || ms[0]["previous_event_id"] != "0" || ms[3]["previous_event_id"] != "3" || ms[0]["redrive_count"] != "0" {
		t.Errorf("ids: %v %v", ms[0], ms[3])
	}
	if _, err := fmt.Sscan(ms[0]["event_timestamp"].(string), new(int64)); err != nil {
		t.Errorf("event_timestamp %v", ms[0]["event_timestamp"])
	}
	// With execution data (test_base[pass_result.json5_ALL_True]).
	ms = run("pass-all-data", pass, "ALL", true, "")
	if det(ms[3]) != `{"output":"{\"Arg1\":\"argument1\"}","outputDetails":{"truncated":false}}` {
		t.Errorf("ExecutionSucceeded with data: %s", det(ms[3]))
	}
	// Recorded: test_partial_log_levels.
	if got := types_(run("pass-error", pass, "ERROR", false, "")); got != "" {
		t.Errorf("ERROR on success: %s", got)
	}
	if got := types_(run("fail-error", fail, "ERROR", false, "")); got != "FailStateEntered,ExecutionFailed" {
		t.Errorf("ERROR: %s", got)
	}
	ms = run("fail-fatal", fail, "FATAL", false, "")
	if got := types_(ms); got != "ExecutionFailed" || det(ms[0]) != `{"cause":"boom","error":"SomeFailure"}` {
		t.Errorf("FATAL: %s %s", got, det(ms[0]))
	}
	if got := types_(run("fail-off", fail, "OFF", false, "")); got != "" {
		t.Errorf("OFF: %s", got)
	}
	// EXPRESS executions log with their express ARN.
	if got := types_(run("express-all", pass, "ALL", false, types.StateMachineTypeExpress)); got != "ExecutionStarted,PassStateEntered,PassStateExited,ExecutionSucceeded" {
		t.Errorf("EXPRESS: %s", got)
	}
}
