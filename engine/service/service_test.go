package service_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/stepwise/stepwise/asl/fault"
	"github.com/stepwise/stepwise/asl/value"
	"github.com/stepwise/stepwise/engine"
	"github.com/stepwise/stepwise/engine/service"
	"github.com/stepwise/stepwise/engine/service/auth"
	"github.com/stepwise/stepwise/integrations"
	"github.com/stepwise/stepwise/integrations/mock"
)

const passMachine = `{"StartAt":"A","States":{
	"A":{"Type":"Pass","Result":{"x":1},"ResultPath":"$.a","Next":"B"},
	"B":{"Type":"Pass","Parameters":{"sum.$":"States.MathAdd($.a.x, $.n)"},"ResultPath":"$.b","End":true}}}`

const waitMachine = `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":3600,"Next":"Done"},"Done":{"Type":"Succeed"}}}`

var ctx = context.Background()

func TestStateMachineOperations(t *testing.T) {
	s := startServer(t, service.Options{}, true)
	c := s.client

	arn := createMachine(t, c, "orders", passMachine, "")
	if arn != "arn:aws:states:us-east-1:123456789012:stateMachine:orders" {
		t.Fatalf("arn = %s", arn)
	}
	// The same request again is idempotent; another definition is not.
	if got := createMachine(t, c, "orders", passMachine, ""); got != arn {
		t.Fatalf("idempotent create: %s", got)
	}
	_, err := c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("orders"), Definition: aws.String(waitMachine), RoleArn: aws.String(role)})
	wantCode(t, err, "StateMachineAlreadyExists")
	_, err = c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("bad name"), Definition: aws.String(passMachine), RoleArn: aws.String(role)})
	wantCode(t, err, "InvalidName")
	_, err = c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("broken"), Definition: aws.String(`{"StartAt":"X","States":{}}`), RoleArn: aws.String(role)})
	wantCode(t, err, "InvalidDefinition")
	if !strings.Contains(err.Error(), "MISSING_TRANSITION_TARGET") && !strings.Contains(err.Error(), "SCHEMA_VALIDATION_FAILED") {
		t.Errorf("InvalidDefinition without diagnostics: %v", err)
	}

	d, err := c.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: aws.String(arn)})
	if err != nil {
		t.Fatal(err)
	}
	if *d.Name != "orders" || *d.Definition != passMachine || d.Type != types.StateMachineTypeStandard || d.Status != types.StateMachineStatusActive ||
		*d.RoleArn != role || d.CreationDate == nil || time.Since(*d.CreationDate) > time.Minute || d.LoggingConfiguration == nil {
		t.Errorf("DescribeStateMachine = %+v", d)
	}
	_, err = c.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: aws.String(arn + "x")})
	wantCode(t, err, "StateMachineDoesNotExist")
	_, err = c.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: aws.String("not-an-arn")})
	wantCode(t, err, "InvalidArn")

	// Update: a new revision; executions keep theirs.
	ex, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(arn), Input: aws.String(`{"n":2}`)})
	if err != nil {
		t.Fatal(err)
	}
	waitDone(t, c, *ex.ExecutionArn)
	_, err = c.UpdateStateMachine(ctx, &sfn.UpdateStateMachineInput{StateMachineArn: aws.String(arn)})
	wantCode(t, err, "MissingRequiredParameter")
	_, err = c.UpdateStateMachine(ctx, &sfn.UpdateStateMachineInput{StateMachineArn: aws.String(arn), Definition: aws.String(`{"StartAt":"X"}`)})
	wantCode(t, err, "InvalidDefinition")
	up, err := c.UpdateStateMachine(ctx, &sfn.UpdateStateMachineInput{StateMachineArn: aws.String(arn), Definition: aws.String(waitMachine)})
	if err != nil {
		t.Fatal(err)
	}
	if up.RevisionId == nil || up.UpdateDate == nil {
		t.Errorf("UpdateStateMachine = %+v", up)
	}
	d, _ = c.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: aws.String(arn)})
	if *d.Definition != waitMachine || aws.ToString(d.RevisionId) != *up.RevisionId {
		t.Errorf("after update: %s %v", *d.Definition, d.RevisionId)
	}
	fe, err := c.DescribeStateMachineForExecution(ctx, &sfn.DescribeStateMachineForExecutionInput{ExecutionArn: ex.ExecutionArn})
	if err != nil {
		t.Fatal(err)
	}
	if *fe.Definition != passMachine || *fe.StateMachineArn != arn || *fe.Name != "orders" {
		t.Errorf("DescribeStateMachineForExecution = %+v", fe)
	}
	_, err = c.DescribeStateMachineForExecution(ctx, &sfn.DescribeStateMachineForExecutionInput{ExecutionArn: aws.String("arn:aws:states:us-east-1:123456789012:execution:orders:nope")})
	wantCode(t, err, "ExecutionDoesNotExist")

	// List with pagination.
	for i := range 4 {
		createMachine(t, c, fmt.Sprintf("m%d", i), passMachine, types.StateMachineTypeExpress)
	}
	var names []string
	var token *string
	pages := 0
	for {
		l, err := c.ListStateMachines(ctx, &sfn.ListStateMachinesInput{MaxResults: 2, NextToken: token})
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, m := range l.StateMachines {
			names = append(names, *m.Name)
		}
		if l.NextToken == nil {
			break
		}
		token = l.NextToken
	}
	if strings.Join(names, ",") != "m0,m1,m2,m3,orders" || pages != 3 {
		t.Errorf("ListStateMachines: %v in %d pages", names, pages)
	}
	_, err = c.ListStateMachines(ctx, &sfn.ListStateMachinesInput{NextToken: aws.String("garbage")})
	wantCode(t, err, "InvalidToken")

	// Delete is idempotent.
	for range 2 {
		if _, err := c.DeleteStateMachine(ctx, &sfn.DeleteStateMachineInput{StateMachineArn: aws.String(arn)}); err != nil {
			t.Fatal(err)
		}
	}
	_, err = c.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: aws.String(arn)})
	wantCode(t, err, "StateMachineDoesNotExist")
	_, err = c.DeleteStateMachine(ctx, &sfn.DeleteStateMachineInput{StateMachineArn: aws.String("arn:aws:sqs:x")})
	wantCode(t, err, "InvalidArn")
}

func TestValidateStateMachineDefinition(t *testing.T) {
	c := startServer(t, service.Options{}, true).client
	ok, err := c.ValidateStateMachineDefinition(ctx, &sfn.ValidateStateMachineDefinitionInput{Definition: aws.String(passMachine)})
	if err != nil {
		t.Fatal(err)
	}
	if ok.Result != types.ValidateStateMachineDefinitionResultCodeOk || len(ok.Diagnostics) != 0 {
		t.Errorf("valid: %+v", ok)
	}
	bad, err := c.ValidateStateMachineDefinition(ctx, &sfn.ValidateStateMachineDefinitionInput{
		Definition: aws.String(`{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"Nowhere"}}}`)})
	if err != nil {
		t.Fatal(err)
	}
	if bad.Result != types.ValidateStateMachineDefinitionResultCodeFail || len(bad.Diagnostics) == 0 {
		t.Fatalf("invalid: %+v", bad)
	}
	dg := bad.Diagnostics[0]
	if dg.Severity != types.ValidateStateMachineDefinitionSeverityError || *dg.Code != "MISSING_TRANSITION_TARGET" || aws.ToString(dg.Location) != "/States/A/Next" {
		t.Errorf("diagnostic = %+v code %s at %s", dg, *dg.Code, aws.ToString(dg.Location))
	}
	// A JSONata expression that does not parse: the code and message at the
	// field, from ValidateStateMachineDefinition and CreateStateMachine (no
	// AWS recording has this case: the code is the one AWS documents for
	// JSONata, the message jsonata-js's).
	badExpr := `{"QueryLanguage":"JSONata","StartAt":"E","States":{"E":{"Type":"Pass","Output":{"v":"{% a[1,2) %}"},"End":true}}}`
	jv, err := c.ValidateStateMachineDefinition(ctx, &sfn.ValidateStateMachineDefinitionInput{Definition: aws.String(badExpr)})
	if err != nil {
		t.Fatal(err)
	}
	if jv.Result != types.ValidateStateMachineDefinitionResultCodeFail || len(jv.Diagnostics) != 1 ||
		aws.ToString(jv.Diagnostics[0].Code) != "INVALID_JSONATA_EXPRESSION" || aws.ToString(jv.Diagnostics[0].Message) != `Expected "]", got ","` ||
		aws.ToString(jv.Diagnostics[0].Location) != "/States/E/Output/v" {
		t.Errorf("JSONata syntax error: %+v", jv)
	}
	_, err = c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("bad-jsonata"), Definition: aws.String(badExpr), RoleArn: aws.String(role)})
	wantCode(t, err, "InvalidDefinition")
	if err == nil || !strings.Contains(err.Error(), `Invalid State Machine Definition: 'INVALID_JSONATA_EXPRESSION: Expected "]", got "," at /States/E/Output/v'`) {
		t.Errorf("CreateStateMachine: %v", err)
	}

	_, err = c.ValidateStateMachineDefinition(ctx, &sfn.ValidateStateMachineDefinitionInput{Definition: aws.String(passMachine), Type: "BATCH"})
	wantCode(t, err, "ValidationException")

	// Valid ASL that the engine cannot run yet: OK, with a warning naming
	// the field; CreateStateMachine accepts it, and an execution fails.
	warned, err := c.ValidateStateMachineDefinition(ctx, &sfn.ValidateStateMachineDefinitionInput{Definition: aws.String(itemReaderMachine), Severity: types.ValidateStateMachineDefinitionSeverityWarning})
	if err != nil {
		t.Fatal(err)
	}
	if warned.Result != types.ValidateStateMachineDefinitionResultCodeOk || len(warned.Diagnostics) != 1 ||
		warned.Diagnostics[0].Severity != types.ValidateStateMachineDefinitionSeverityWarning || aws.ToString(warned.Diagnostics[0].Location) != "/States/M/ResultWriter/Resource" {
		t.Fatalf("unsupported field: %+v", warned)
	}
}

// itemReaderMachine is valid ASL that the engine cannot run yet (a
// Distributed Map whose ResultWriter, without Resource, only transforms
// its output).
const itemReaderMachine = `{"StartAt":"M","States":{"M":{"Type":"Map",
	"ResultWriter":{"WriterConfig":{"Transformation":"FLATTEN"}},
	"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}}}`

func TestUnsupportedFieldFailsTheExecution(t *testing.T) {
	c := startServer(t, service.Options{}, true).client
	sm := createMachine(t, c, "reader", itemReaderMachine, "")
	out, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(sm)})
	if err != nil {
		t.Fatal(err)
	}
	d := waitDone(t, c, *out.ExecutionArn)
	if d.Status != types.ExecutionStatusFailed || aws.ToString(d.Error) != "States.Runtime" || !strings.Contains(aws.ToString(d.Cause), "'ResultWriter/Resource'") {
		t.Fatalf("got %s %s %q", d.Status, aws.ToString(d.Error), aws.ToString(d.Cause))
	}
}

func TestExecutions(t *testing.T) {
	s := startServer(t, service.Options{}, false)
	c := s.client
	arn := createMachine(t, c, "adder", passMachine, "")

	out, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(arn), Name: aws.String("first"), Input: aws.String(`{"n":41}`)})
	if err != nil {
		t.Fatal(err)
	}
	if *out.ExecutionArn != "arn:aws:states:us-east-1:123456789012:execution:adder:first" || out.StartDate == nil {
		t.Fatalf("StartExecution = %+v", out)
	}
	d := waitDone(t, c, *out.ExecutionArn)
	if d.Status != types.ExecutionStatusSucceeded || *d.Output != `{"n":41,"a":{"x":1},"b":{"sum":42}}` || *d.Input != `{"n":41}` ||
		d.StopDate == nil || d.StopDate.Before(*d.StartDate) || *d.Name != "first" || *d.StateMachineArn != arn ||
		d.RedriveStatus != types.ExecutionRedriveStatusNotRedrivable {
		t.Errorf("DescribeExecution = %+v output %s", d, aws.ToString(d.Output))
	}
	// A closed execution's name cannot be reused.
	_, err = c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(arn), Name: aws.String("first"), Input: aws.String(`{"n":41}`)})
	wantCode(t, err, "ExecutionAlreadyExists")

	// Errors of StartExecution.
	_, err = c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(arn), Input: aws.String(`{"n":`)})
	wantCode(t, err, "InvalidExecutionInput")
	_, err = c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(arn), Input: aws.String(`"` + strings.Repeat("x", 256*1024) + `"`)})
	wantCode(t, err, "ValidationException")
	_, err = c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(arn), Name: aws.String("a:b")})
	wantCode(t, err, "InvalidName")
	_, err = c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(arn + "-none")})
	wantCode(t, err, "StateMachineDoesNotExist")
	_, err = c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String("arn:aws:states:us-east-1:123456789012:activity:x")})
	wantCode(t, err, "InvalidArn")
	_, err = c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(*out.ExecutionArn + "x")})
	wantCode(t, err, "ExecutionDoesNotExist")
	_, err = c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(arn)})
	wantCode(t, err, "InvalidArn")

	// Idempotent start of a running execution.
	warn := createMachine(t, c, "waiter", waitMachine, "")
	w1, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(warn), Name: aws.String("w"), Input: aws.String(`{"k":1}`)})
	if err != nil {
		t.Fatal(err)
	}
	w2, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(warn), Name: aws.String("w"), Input: aws.String(`{"k":1}`)})
	if err != nil {
		t.Fatal(err)
	}
	if *w1.ExecutionArn != *w2.ExecutionArn || !w1.StartDate.Equal(*w2.StartDate) {
		t.Errorf("idempotent start: %v %v", w1, w2)
	}
	_, err = c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(warn), Name: aws.String("w"), Input: aws.String(`{"k":2}`)})
	wantCode(t, err, "ExecutionAlreadyExists")

	// Stop, once the Wait is entered (stopped before any state is entered,
	// an execution cannot be redriven): ABORTED with the error and cause,
	// recorded in the history.
	waitEntered(t, c, *w1.ExecutionArn)
	st, err := c.StopExecution(ctx, &sfn.StopExecutionInput{ExecutionArn: w1.ExecutionArn, Error: aws.String("Halt"), Cause: aws.String("by test")})
	if err != nil {
		t.Fatal(err)
	}
	if st.StopDate == nil {
		t.Error("StopExecution: no stopDate")
	}
	d, _ = c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: w1.ExecutionArn})
	if d.Status != types.ExecutionStatusAborted || aws.ToString(d.Error) != "Halt" || aws.ToString(d.Cause) != "by test" ||
		d.RedriveStatus != types.ExecutionRedriveStatusRedrivable {
		t.Errorf("after stop: %+v", d)
	}
	h, err := c.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: w1.ExecutionArn, ReverseOrder: true, MaxResults: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(h.Events) != 1 || h.Events[0].Type != types.HistoryEventTypeExecutionAborted ||
		aws.ToString(h.Events[0].ExecutionAbortedEventDetails.Error) != "Halt" || h.NextToken == nil {
		t.Errorf("last event: %+v", h.Events)
	}
	if _, err := c.StopExecution(ctx, &sfn.StopExecutionInput{ExecutionArn: w1.ExecutionArn}); err != nil {
		t.Errorf("stopping a stopped execution: %v", err)
	}

	// ListExecutions: newest first, filtered, paged.
	for i := range 5 {
		if _, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(arn), Name: aws.String(fmt.Sprintf("e%d", i)), Input: aws.String(`{"n":1}`)}); err != nil {
			t.Fatal(err)
		}
	}
	var listed []string
	var token *string
	for {
		l, err := c.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: aws.String(arn), MaxResults: 4, NextToken: token})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range l.Executions {
			listed = append(listed, *e.Name)
		}
		if token = l.NextToken; token == nil {
			break
		}
	}
	if strings.Join(listed, ",") != "e4,e3,e2,e1,e0,first" {
		t.Errorf("ListExecutions = %v", listed)
	}
	l, err := c.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: aws.String(warn), StatusFilter: types.ExecutionStatusAborted})
	if err != nil || len(l.Executions) != 1 || *l.Executions[0].Name != "w" {
		t.Errorf("ListExecutions ABORTED = %+v, %v", l, err)
	}
	l, err = c.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: aws.String(warn), StatusFilter: types.ExecutionStatusRunning})
	if err != nil || len(l.Executions) != 0 {
		t.Errorf("ListExecutions RUNNING = %+v, %v", l, err)
	}
	_, err = c.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: aws.String(arn), NextToken: aws.String("bad")})
	wantCode(t, err, "InvalidToken")
	_, err = c.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: aws.String(arn + "zz")})
	wantCode(t, err, "StateMachineDoesNotExist")
}

func TestGetExecutionHistory(t *testing.T) {
	c := startServer(t, service.Options{}, false).client
	arn := createMachine(t, c, "adder", passMachine, "")
	out, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(arn), Input: aws.String(`{"n":1}`)})
	if err != nil {
		t.Fatal(err)
	}
	waitDone(t, c, *out.ExecutionArn)
	var all []types.HistoryEvent
	var token *string
	for {
		h, err := c.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: out.ExecutionArn, MaxResults: 2, NextToken: token})
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, h.Events...)
		if token = h.NextToken; token == nil {
			break
		}
	}
	var typesSeen []string
	for i, e := range all {
		typesSeen = append(typesSeen, string(e.Type))
		if e.Id != int64(i+1) || e.Timestamp == nil {
			t.Errorf("event %d: id %d ts %v", i, e.Id, e.Timestamp)
		}
	}
	want := "ExecutionStarted,PassStateEntered,PassStateExited,PassStateEntered,PassStateExited,ExecutionSucceeded"
	if strings.Join(typesSeen, ",") != want {
		t.Fatalf("history = %s", strings.Join(typesSeen, ","))
	}
	if got := aws.ToString(all[0].ExecutionStartedEventDetails.Input); got != `{"n":1}` {
		t.Errorf("started input = %s", got)
	}
	if got := aws.ToString(all[2].StateExitedEventDetails.Output); got != `{"n":1,"a":{"x":1}}` {
		t.Errorf("exited output = %s", got)
	}
	rev, err := c.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: out.ExecutionArn, ReverseOrder: true, IncludeExecutionData: aws.Bool(false)})
	if err != nil {
		t.Fatal(err)
	}
	if len(rev.Events) != 6 || rev.Events[0].Type != types.HistoryEventTypeExecutionSucceeded || rev.Events[5].Id != 1 {
		t.Fatalf("reverse = %+v", rev.Events)
	}
	if rev.Events[0].ExecutionSucceededEventDetails == nil || rev.Events[0].ExecutionSucceededEventDetails.Output != nil ||
		rev.Events[2].StateEnteredEventDetails == nil || *rev.Events[2].StateEnteredEventDetails.Name != "B" || rev.Events[2].StateEnteredEventDetails.Input != nil {
		t.Errorf("includeExecutionData=false kept data: %+v", rev.Events[0].ExecutionSucceededEventDetails)
	}
	_, err = c.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: out.ExecutionArn, NextToken: aws.String("nope")})
	wantCode(t, err, "InvalidToken")
	_, err = c.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: aws.String(*out.ExecutionArn + "0")})
	wantCode(t, err, "ExecutionDoesNotExist")
}

const activityMachine = `{"StartAt":"Work","States":{"Work":{"Type":"Task","Resource":"%s","HeartbeatSeconds":30,"End":true}}}`

func TestActivities(t *testing.T) {
	c := startServer(t, service.Options{}, true).client
	a, err := c.CreateActivity(ctx, &sfn.CreateActivityInput{Name: aws.String("worker")})
	if err != nil {
		t.Fatal(err)
	}
	actArn := *a.ActivityArn
	if actArn != "arn:aws:states:us-east-1:123456789012:activity:worker" {
		t.Fatalf("activity arn %s", actArn)
	}
	if again, err := c.CreateActivity(ctx, &sfn.CreateActivityInput{Name: aws.String("worker")}); err != nil || *again.ActivityArn != actArn {
		t.Fatalf("CreateActivity again: %v %v", again, err)
	}
	da, err := c.DescribeActivity(ctx, &sfn.DescribeActivityInput{ActivityArn: a.ActivityArn})
	if err != nil || *da.Name != "worker" || da.CreationDate == nil {
		t.Fatalf("DescribeActivity = %+v %v", da, err)
	}
	_, err = c.DescribeActivity(ctx, &sfn.DescribeActivityInput{ActivityArn: aws.String(actArn + "2")})
	wantCode(t, err, "ActivityDoesNotExist")
	_, err = c.CreateActivity(ctx, &sfn.CreateActivityInput{Name: aws.String("no/slash")})
	wantCode(t, err, "InvalidName")
	la, err := c.ListActivities(ctx, &sfn.ListActivitiesInput{})
	if err != nil || len(la.Activities) != 1 || *la.Activities[0].ActivityArn != actArn {
		t.Fatalf("ListActivities = %+v %v", la, err)
	}

	// No task: the poll returns empty.
	empty, err := c.GetActivityTask(ctx, &sfn.GetActivityTaskInput{ActivityArn: a.ActivityArn})
	if err != nil || empty.TaskToken != nil {
		t.Fatalf("GetActivityTask without task = %+v %v", empty, err)
	}

	sm := createMachine(t, c, "act", fmt.Sprintf(activityMachine, actArn), "")
	ok, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(sm), Input: aws.String(`{"job":1}`)})
	if err != nil {
		t.Fatal(err)
	}
	task := pollTask(t, c, actArn)
	if aws.ToString(task.Input) != `{"job":1}` {
		t.Errorf("task input %s", aws.ToString(task.Input))
	}
	if _, err := c.SendTaskHeartbeat(ctx, &sfn.SendTaskHeartbeatInput{TaskToken: task.TaskToken}); err != nil {
		t.Fatal(err)
	}
	_, err = c.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: task.TaskToken, Output: aws.String(`{"done":`)})
	wantCode(t, err, "InvalidOutput")
	if _, err := c.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: task.TaskToken, Output: aws.String(`{"done":true}`)}); err != nil {
		t.Fatal(err)
	}
	d := waitDone(t, c, *ok.ExecutionArn)
	if d.Status != types.ExecutionStatusSucceeded || *d.Output != `{"done":true}` {
		t.Errorf("after SendTaskSuccess: %s %s", d.Status, aws.ToString(d.Output))
	}
	_, err = c.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: task.TaskToken, Output: aws.String(`{}`)})
	wantCode(t, err, "TaskTimedOut")
	_, err = c.SendTaskHeartbeat(ctx, &sfn.SendTaskHeartbeatInput{TaskToken: task.TaskToken})
	wantCode(t, err, "TaskTimedOut")
	_, err = c.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: aws.String("no-such-token"), Output: aws.String(`{}`)})
	wantCode(t, err, "InvalidToken")
	_, err = c.SendTaskFailure(ctx, &sfn.SendTaskFailureInput{TaskToken: aws.String("no-such-token")})
	wantCode(t, err, "InvalidToken")

	// Failure.
	bad, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(sm)})
	if err != nil {
		t.Fatal(err)
	}
	task = pollTask(t, c, actArn)
	if _, err := c.SendTaskFailure(ctx, &sfn.SendTaskFailureInput{TaskToken: task.TaskToken, Error: aws.String("Worker.Broke"), Cause: aws.String("gears")}); err != nil {
		t.Fatal(err)
	}
	d = waitDone(t, c, *bad.ExecutionArn)
	if d.Status != types.ExecutionStatusFailed || aws.ToString(d.Error) != "Worker.Broke" || aws.ToString(d.Cause) != "gears" {
		t.Errorf("after SendTaskFailure: %+v", d)
	}

	// A Task on an activity that does not exist fails with States.Runtime.
	if _, err := c.DeleteActivity(ctx, &sfn.DeleteActivityInput{ActivityArn: a.ActivityArn}); err != nil {
		t.Fatal(err)
	}
	gone, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(sm)})
	if err != nil {
		t.Fatal(err)
	}
	d = waitDone(t, c, *gone.ExecutionArn)
	wantCause := "An error occurred while executing the state 'Work' (entered at the event id #2). The activity " + actArn + " does not exist."
	if d.Status != types.ExecutionStatusFailed || aws.ToString(d.Error) != "States.Runtime" || aws.ToString(d.Cause) != wantCause {
		t.Errorf("deleted activity: %s %s %s", d.Status, aws.ToString(d.Error), aws.ToString(d.Cause))
	}
	_, err = c.GetActivityTask(ctx, &sfn.GetActivityTaskInput{ActivityArn: a.ActivityArn})
	wantCode(t, err, "ActivityDoesNotExist")
	_, err = c.GetActivityTask(ctx, &sfn.GetActivityTaskInput{ActivityArn: aws.String("arn:aws:states:us-east-1:1:stateMachine:x")})
	wantCode(t, err, "InvalidArn")
}

// pollTask polls an activity until it hands out a task.
func pollTask(t testing.TB, c *sfn.Client, actArn string) *sfn.GetActivityTaskOutput {
	t.Helper()
	for range 10 {
		out, err := c.GetActivityTask(ctx, &sfn.GetActivityTaskInput{ActivityArn: aws.String(actArn), WorkerName: aws.String("w")})
		if err != nil {
			t.Fatal(err)
		}
		if out.TaskToken != nil {
			return out
		}
	}
	t.Fatal("no activity task")
	return nil
}

func TestWaitForTaskToken(t *testing.T) {
	tokens := make(chan string, 1)
	inv := integrations.InvokerFunc(func(_ context.Context, task *integrations.Task) (any, error) {
		tokens <- task.TaskToken
		return integrations.Pending{}, nil
	})
	c := startServer(t, service.Options{Invoker: inv}, true).client
	sm := createMachine(t, c, "cb", `{"StartAt":"Send","States":{"Send":{"Type":"Task",
		"Resource":"arn:aws:states:::sqs:sendMessage.waitForTaskToken",
		"Parameters":{"QueueUrl":"q","MessageBody":{"token.$":"$$.Task.Token"}},"ResultPath":"$.reply","End":true}}}`, "")
	out, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(sm), Input: aws.String(`{"id":7}`)})
	if err != nil {
		t.Fatal(err)
	}
	tok := <-tokens
	if _, err := c.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: aws.String(tok), Output: aws.String(`{"ok":1}`)}); err != nil {
		t.Fatal(err)
	}
	d := waitDone(t, c, *out.ExecutionArn)
	if d.Status != types.ExecutionStatusSucceeded || *d.Output != `{"id":7,"reply":{"ok":1}}` {
		t.Errorf("execution: %s %s", d.Status, aws.ToString(d.Output))
	}
}

func TestMockedExecution(t *testing.T) {
	cfg, err := mock.Parse([]byte(`{
		"StateMachines":{"billing":{"TestCases":{"Happy":{"Charge":"Charged"},"Broke":{"Charge":"Declined"}}}},
		"MockedResponses":{
			"Charged":{"0":{"Return":{"receipt":"r-1"}}},
			"Declined":{"0":{"Throw":{"Error":"Card.Declined","Cause":"insufficient funds"}}}}}`))
	if err != nil {
		t.Fatal(err)
	}
	c := startServer(t, service.Options{Mocks: cfg}, true).client
	sm := createMachine(t, c, "billing", `{"StartAt":"Charge","States":{"Charge":{"Type":"Task",
		"Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"charge"},"End":true}}}`, "")
	happy, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(sm + "#Happy")})
	if err != nil {
		t.Fatal(err)
	}
	if d := waitDone(t, c, *happy.ExecutionArn); d.Status != types.ExecutionStatusSucceeded || *d.Output != `{"receipt":"r-1"}` {
		t.Errorf("Happy: %s %s", d.Status, aws.ToString(d.Output))
	}
	broke, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(sm + "#Broke")})
	if err != nil {
		t.Fatal(err)
	}
	if d := waitDone(t, c, *broke.ExecutionArn); d.Status != types.ExecutionStatusFailed || aws.ToString(d.Error) != "Card.Declined" {
		t.Errorf("Broke: %s %s", d.Status, aws.ToString(d.Error))
	}
	_, err = c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(sm + "#Nope")})
	wantCode(t, err, "ValidationException")
}

func TestStartSyncExecution(t *testing.T) {
	c := startServer(t, service.Options{}, true).client
	express := createMachine(t, c, "quick", passMachine, types.StateMachineTypeExpress)
	out, err := c.StartSyncExecution(ctx, &sfn.StartSyncExecutionInput{StateMachineArn: aws.String(express), Name: aws.String("s1"), Input: aws.String(`{"n":1}`)})
	if err != nil {
		t.Fatal(err)
	}
	if out.Status != types.SyncExecutionStatusSucceeded || *out.Output != `{"n":1,"a":{"x":1},"b":{"sum":2}}` || out.BillingDetails == nil ||
		!strings.HasPrefix(*out.ExecutionArn, "arn:aws:states:us-east-1:123456789012:express:quick:s1:") || *out.StateMachineArn != express {
		t.Errorf("StartSyncExecution = %+v", out)
	}
	failing := createMachine(t, c, "failing", `{"StartAt":"F","States":{"F":{"Type":"Fail","Error":"E","Cause":"C"}}}`, types.StateMachineTypeExpress)
	out, err = c.StartSyncExecution(ctx, &sfn.StartSyncExecutionInput{StateMachineArn: aws.String(failing)})
	if err != nil {
		t.Fatal(err)
	}
	if out.Status != types.SyncExecutionStatusFailed || aws.ToString(out.Error) != "E" || aws.ToString(out.Cause) != "C" || out.Output != nil {
		t.Errorf("failing sync = %+v", out)
	}
	standard := createMachine(t, c, "std", passMachine, "")
	_, err = c.StartSyncExecution(ctx, &sfn.StartSyncExecutionInput{StateMachineArn: aws.String(standard)})
	wantCode(t, err, "StateMachineTypeNotSupported")
	// An asynchronous EXPRESS execution is not listed.
	st, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(express)})
	if err != nil || !strings.Contains(*st.ExecutionArn, ":express:quick:") {
		t.Fatalf("StartExecution EXPRESS = %+v %v", st, err)
	}
	_, err = c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: st.ExecutionArn})
	wantCode(t, err, "InvalidArn")
}

func TestTestState(t *testing.T) {
	c := startServer(t, service.Options{}, true).client
	out, err := c.TestState(ctx, &sfn.TestStateInput{
		Definition:      aws.String(`{"Type":"Pass","Parameters":{"v.$":"$.a"},"ResultPath":"$.r","Next":"After"}`),
		RoleArn:         aws.String(role),
		Input:           aws.String(`{"a":5}`),
		InspectionLevel: types.InspectionLevelDebug,
	})
	if err != nil {
		t.Fatal(err)
	}
	if out.Status != types.TestExecutionStatusSucceeded || *out.Output != `{"a":5,"r":{"v":5}}` || aws.ToString(out.NextState) != "After" ||
		out.InspectionData == nil || aws.ToString(out.InspectionData.AfterParameters) != `{"v":5}` {
		t.Errorf("TestState = %+v", out)
	}
	task, err := c.TestState(ctx, &sfn.TestStateInput{
		Definition: aws.String(`{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Retry":[{"ErrorEquals":["States.ALL"]}],"End":true}`),
		RoleArn:    aws.String(role),
		Mock:       &types.MockInput{ErrorOutput: &types.MockErrorOutput{Error: aws.String("Boom"), Cause: aws.String("c")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if task.Status != types.TestExecutionStatusRetriable || aws.ToString(task.Error) != "Boom" {
		t.Errorf("TestState retriable = %+v", task)
	}
	jsonata, err := c.TestState(ctx, &sfn.TestStateInput{
		Definition: aws.String(`{"QueryLanguage":"JSONata","Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
		  "Arguments":{"Payload":"{% $states.input.a + $k %}"},"Assign":{"got":"{% $states.result %}"},"End":true}`),
		RoleArn:         aws.String(role),
		Input:           aws.String(`{"a":5}`),
		Variables:       aws.String(`{"k":1}`),
		InspectionLevel: types.InspectionLevelDebug,
		Mock:            &types.MockInput{Result: aws.String(`{"ok":true}`)},
	})
	if err != nil {
		t.Fatal(err)
	}
	if id := jsonata.InspectionData; jsonata.Status != types.TestExecutionStatusSucceeded || id == nil ||
		aws.ToString(id.AfterArguments) != `{"Payload":6}` || aws.ToString(id.Variables) != `{"k":1,"got":{"ok":true}}` ||
		id.AfterInputPath != nil || id.AfterParameters != nil {
		t.Errorf("TestState JSONata = %+v, inspection %+v", jsonata, id)
	}
	named, err := c.TestState(ctx, &sfn.TestStateInput{Definition: aws.String(passMachine), RoleArn: aws.String(role), StateName: aws.String("A"), Input: aws.String(`{}`)})
	if err != nil {
		t.Fatal(err)
	}
	if named.Status != types.TestExecutionStatusSucceeded || aws.ToString(named.NextState) != "B" {
		t.Errorf("TestState stateName = %+v", named)
	}
	_, err = c.TestState(ctx, &sfn.TestStateInput{Definition: aws.String(`{"Type":"Nope"}`), RoleArn: aws.String(role)})
	wantCode(t, err, "InvalidDefinition")
	_, err = c.TestState(ctx, &sfn.TestStateInput{Definition: aws.String(`{"Type":"Pass","End":true}`), RoleArn: aws.String(role), Input: aws.String("{")})
	wantCode(t, err, "InvalidExecutionInput")
}

func TestRedriveExecution(t *testing.T) {
	var calls atomic.Int32
	inv := integrations.InvokerFunc(func(_ context.Context, task *integrations.Task) (any, error) {
		if calls.Add(1) == 1 {
			return nil, fault.New("Flaky.Error", "first call fails")
		}
		return value.DecodeString(`{"ok":true}`)
	})
	c := startServer(t, service.Options{Invoker: inv}, false).client
	sm := createMachine(t, c, "flaky", `{"StartAt":"Prep","States":{
		"Prep":{"Type":"Pass","Result":1,"ResultPath":"$.prep","Next":"Call"},
		"Call":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"f"},"ResultPath":"$.call","End":true}}}`, "")
	out, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(sm), Input: aws.String(`{}`)})
	if err != nil {
		t.Fatal(err)
	}
	d := waitDone(t, c, *out.ExecutionArn)
	if d.Status != types.ExecutionStatusFailed || d.RedriveStatus != types.ExecutionRedriveStatusRedrivable {
		t.Fatalf("first run: %+v", d)
	}
	rd, err := c.RedriveExecution(ctx, &sfn.RedriveExecutionInput{ExecutionArn: out.ExecutionArn})
	if err != nil {
		t.Fatal(err)
	}
	if rd.RedriveDate == nil {
		t.Error("no redriveDate")
	}
	d = waitDone(t, c, *out.ExecutionArn)
	if d.Status != types.ExecutionStatusSucceeded || *d.Output != `{"prep":1,"call":{"ok":true}}` || aws.ToInt32(d.RedriveCount) != 1 || d.RedriveDate == nil {
		t.Errorf("after redrive: %+v output %s", d, aws.ToString(d.Output))
	}
	h, err := c.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: out.ExecutionArn})
	if err != nil {
		t.Fatal(err)
	}
	var seq []string
	for i, e := range h.Events {
		seq = append(seq, string(e.Type))
		if e.Id != int64(i+1) {
			t.Errorf("event %d has id %d", i, e.Id)
		}
	}
	joined := strings.Join(seq, ",")
	if !strings.Contains(joined, "ExecutionFailed,ExecutionRedriven,TaskStateEntered") || !strings.HasSuffix(joined, "ExecutionSucceeded") {
		t.Errorf("history after redrive: %s", joined)
	}
	_, err = c.RedriveExecution(ctx, &sfn.RedriveExecutionInput{ExecutionArn: out.ExecutionArn})
	wantCode(t, err, "ExecutionNotRedrivable")
	_, err = c.RedriveExecution(ctx, &sfn.RedriveExecutionInput{ExecutionArn: aws.String(*out.ExecutionArn + "x")})
	wantCode(t, err, "ExecutionDoesNotExist")
}

func TestTags(t *testing.T) {
	c := startServer(t, service.Options{}, true).client
	sm := createMachine(t, c, "tagged", passMachine, "")
	if _, err := c.TagResource(ctx, &sfn.TagResourceInput{ResourceArn: aws.String(sm), Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("a")}, {Key: aws.String("env"), Value: aws.String("dev")}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UntagResource(ctx, &sfn.UntagResourceInput{ResourceArn: aws.String(sm), TagKeys: []string{"env"}}); err != nil {
		t.Fatal(err)
	}
	l, err := c.ListTagsForResource(ctx, &sfn.ListTagsForResourceInput{ResourceArn: aws.String(sm)})
	if err != nil || len(l.Tags) != 1 || *l.Tags[0].Key != "team" || *l.Tags[0].Value != "a" {
		t.Fatalf("tags = %+v %v", l, err)
	}
	_, err = c.TagResource(ctx, &sfn.TagResourceInput{ResourceArn: aws.String(sm + "nope"), Tags: []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}})
	wantCode(t, err, "ResourceNotFound")
	_, err = c.ListTagsForResource(ctx, &sfn.ListTagsForResourceInput{ResourceArn: aws.String("bogus")})
	wantCode(t, err, "InvalidArn")
	act, err := c.CreateActivity(ctx, &sfn.CreateActivityInput{Name: aws.String("a"), Tags: []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}})
	if err != nil {
		t.Fatal(err)
	}
	l, err = c.ListTagsForResource(ctx, &sfn.ListTagsForResourceInput{ResourceArn: act.ActivityArn})
	if err != nil || len(l.Tags) != 1 {
		t.Fatalf("activity tags = %+v %v", l, err)
	}
}

// rawCall posts a request without the SDK.
func rawCall(t *testing.T, url, target, body string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewBufferString(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	if target != "" {
		req.Header.Set("X-Amz-Target", target)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatalf("response is not JSON: %v", err)
	}
	return resp.StatusCode, out
}

func TestProtocolErrors(t *testing.T) {
	s := startServer(t, service.Options{}, true)
	url := s.http.URL
	code, out := rawCall(t, url, "AWSStepFunctions.Frobnicate", "{}")
	if code != 400 || out["__type"] != "UnknownOperationException" {
		t.Errorf("unknown operation: %d %v", code, out)
	}
	code, out = rawCall(t, url, "", "{}")
	if code != 400 || out["__type"] != "UnknownOperationException" {
		t.Errorf("no target: %d %v", code, out)
	}
	code, out = rawCall(t, url, "AWSStepFunctions.ListStateMachines", "{not json")
	if code != 400 || out["__type"] != "SerializationException" {
		t.Errorf("bad JSON: %d %v", code, out)
	}
	code, out = rawCall(t, url, "AWSStepFunctions.ListStateMachines", `{"maxResults":"ten"}`)
	if code != 400 || out["__type"] != "SerializationException" {
		t.Errorf("wrong type: %d %v", code, out)
	}
	code, out = rawCall(t, url, "AWSStepFunctions.ListStateMachines", `{"maxResults":5000}`)
	if code != 400 || out["__type"] != "ValidationException" {
		t.Errorf("maxResults: %d %v", code, out)
	}
	code, out = rawCall(t, url, "AWSStepFunctions.CreateStateMachine", `{"name":"big","definition":"`+strings.Repeat(" ", service.MaxRequestBytes)+`"}`)
	if code != 413 || out["__type"] != "ValidationException" {
		t.Errorf("too large: %d %v", code, out)
	}
	code, out = rawCall(t, url, "AWSStepFunctions.ListStateMachines", ``)
	if code != 200 || out["stateMachines"] == nil {
		t.Errorf("empty body: %d %v", code, out)
	}
}

func TestHistoryLimit(t *testing.T) {
	c := startServer(t, service.Options{}, true).client
	sm := createMachine(t, c, "loop", `{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"C"},
		"C":{"Type":"Choice","Choices":[{"Variable":"$.stop","IsPresent":true,"Next":"Done"}],"Default":"A"},"Done":{"Type":"Succeed"}}}`, "")
	out, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(sm)})
	if err != nil {
		t.Fatal(err)
	}
	d := waitDone(t, c, *out.ExecutionArn)
	if d.Status != types.ExecutionStatusFailed || aws.ToString(d.Error) != "States.Runtime" {
		t.Fatalf("runaway execution: %s %s %s", d.Status, aws.ToString(d.Error), aws.ToString(d.Cause))
	}
	if aws.ToString(d.Cause) != engine.HistoryLimitCause {
		t.Errorf("cause %q, want %q", aws.ToString(d.Cause), engine.HistoryLimitCause)
	}
	// Event 25000 is the ExecutionFailed, after the last event the machine
	// produced (24999), with no gap: Stepwise's reading of AWS's documented
	// limit of 25,000 events (no recording shows the last events).
	h, err := c.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: out.ExecutionArn, ReverseOrder: true, MaxResults: 2})
	if err != nil || len(h.Events) != 2 {
		t.Fatalf("last events: %+v %v", h.Events, err)
	}
	last, prev := h.Events[0], h.Events[1]
	if last.Type != types.HistoryEventTypeExecutionFailed || last.Id != engine.DefaultMaxHistoryEvents ||
		last.PreviousEventId != engine.DefaultMaxHistoryEvents-1 || prev.Id != engine.DefaultMaxHistoryEvents-1 {
		t.Fatalf("last events: %s #%d (previous %d), %s #%d", last.Type, last.Id, last.PreviousEventId, prev.Type, prev.Id)
	}
}

func TestAuth(t *testing.T) {
	s := startServer(t, service.Options{Auth: &auth.Verifier{Credentials: map[string]string{"AKIDTEST": "secret"}, Region: "us-east-1"}}, true)
	if _, err := s.client.ListStateMachines(ctx, &sfn.ListStateMachinesInput{}); err != nil {
		t.Fatalf("signed with known credentials: %v", err)
	}
	other := sfn.NewFromConfig(aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("AKIDOTHER", "x", "")},
		func(o *sfn.Options) { o.BaseEndpoint = aws.String(s.http.URL); o.RetryMaxAttempts = 1 })
	_, err := other.ListStateMachines(ctx, &sfn.ListStateMachinesInput{})
	wantCode(t, err, "UnrecognizedClientException")
	code, out := rawCall(t, s.http.URL, "AWSStepFunctions.ListStateMachines", "{}")
	if code != 400 || out["__type"] != "MissingAuthenticationTokenException" {
		t.Errorf("unsigned: %d %v", code, out)
	}
}

// waitEntered waits until an execution's history holds a WaitStateEntered.
func waitEntered(t *testing.T, c *sfn.Client, arn string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		h, err := c.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: aws.String(arn)})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range h.Events {
			if e.Type == types.HistoryEventTypeWaitStateEntered {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: no WaitStateEntered after 10s", arn)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
