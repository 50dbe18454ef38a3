package service_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/stepwise/stepwise/engine/service"
)

// The expected messages below are AWS's, as recorded in LocalStack's
// AWS-validated snapshots (tests/aws/services/stepfunctions/v2), except
// where a comment says otherwise.

func TestInvalidArnMessages(t *testing.T) {
	s := startServer(t, service.Options{}, true)
	url := s.http.URL
	for _, c := range []struct{ op, member, value string }{
		{"DescribeStateMachine", "stateMachineArn", "not_a_valid_arn"},
		{"DescribeExecution", "executionArn", "invalid_state_machine_arn"},
		{"GetExecutionHistory", "executionArn", "invalid_state_machine_arn"},
		{"ListExecutions", "stateMachineArn", "invalid_state_machine_arn"},
		{"DescribeActivity", "activityArn", "no_an_activity_arn"},
		{"GetActivityTask", "activityArn", "no_an_activity_arn"},
	} {
		wantRaw(t, url, c.op, fmt.Sprintf(`{%q:%q}`, c.member, c.value), 400, "InvalidArn", "Invalid Arn: 'Invalid ARN prefix: "+c.value+"'")
	}
	express := "arn:aws:states:us-east-1:123456789012:express:m:e:0f3a3d6e"
	for _, op := range []string{"DescribeExecution", "StopExecution", "GetExecutionHistory"} {
		wantRaw(t, url, op, fmt.Sprintf(`{"executionArn":%q}`, express), 400, "InvalidArn", "Invalid Arn: 'Resource type not valid in this context: express'")
	}
	_, err := s.client.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: aws.String("not_a_valid_arn")})
	wantCode(t, err, "InvalidArn")
}

func TestListLimitsMessages(t *testing.T) {
	s := startServer(t, service.Options{}, true)
	url := s.http.URL
	sm := createMachine(t, s.client, "lim", passMachine, "")
	wantRaw(t, url, "ListStateMachines", `{"maxResults":1001}`, 400, "ValidationException",
		"1 validation error detected: Value '1001' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 1000")
	tok := strings.Repeat("x", 1025)
	wantRaw(t, url, "ListStateMachines", fmt.Sprintf(`{"nextToken":%q}`, tok), 400, "ValidationException",
		"1 validation error detected: Value '"+tok+"' at 'nextToken' failed to satisfy constraint: Member must have length less than or equal to 1024")
	tok = strings.Repeat("x", 3097)
	wantRaw(t, url, "ListExecutions", fmt.Sprintf(`{"stateMachineArn":%q,"nextToken":%q}`, sm, tok), 400, "ValidationException",
		"1 validation error detected: Value '"+tok+"' at 'nextToken' failed to satisfy constraint: Member must have length less than or equal to 3096")
	// A token of an allowed length that is not ours is still InvalidToken.
	_, err := s.client.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: aws.String(sm), NextToken: aws.String(strings.Repeat("x", 1500))})
	wantCode(t, err, "InvalidToken")
}

func TestExecutionInputErrors(t *testing.T) {
	s := startServer(t, service.Options{}, true)
	sm := createMachine(t, s.client, "inp", `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`, "")
	url := s.http.URL
	start := func(input string) string { return fmt.Sprintf(`{"stateMachineArn":%q,"input":%q}`, sm, input) }
	// Recorded: test_invalid_start_execution_input.
	wantRaw(t, url, "StartExecution", start("not some json"), 400, "InvalidExecutionInput",
		"Invalid State Machine Execution Input: 'Unrecognized token 'not': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')'")
	wantRaw(t, url, "StartExecution", start("{'not': 'json'"), 400, "InvalidExecutionInput",
		"Invalid State Machine Execution Input: 'Unexpected character (''' (code 39)): was expecting double-quote to start field name'")
	wantRaw(t, url, "StartExecution", start(""), 400, "InvalidExecutionInput", "Invalid State Machine Execution Input: 'Invalid execution input.'")
	// Any JSON value is an input.
	for _, in := range []string{"2", `"some text"`, "null"} {
		ex, err := s.client.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(sm), Input: aws.String(in)})
		if err != nil {
			t.Fatalf("input %s: %v", in, err)
		}
		if d := waitDone(t, s.client, *ex.ExecutionArn); aws.ToString(d.Output) != in {
			t.Errorf("input %s: output %s", in, aws.ToString(d.Output))
		}
	}
	// Not recorded: the trailing comma's message follows Jackson's
	// wording, as AWS's recorded messages do (jackson_test.go).
	_, err := s.client.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(sm), Input: aws.String(`{"a":1,}`)})
	wantCode(t, err, "InvalidExecutionInput")
	if !strings.Contains(err.Error(), "Unexpected character ('}' (code 125)): was expecting double-quote to start field name") {
		t.Errorf("trailing comma: %v", err)
	}
}

func TestValidateDefinitionAsAWS(t *testing.T) {
	s := startServer(t, service.Options{}, true)
	c := s.client
	validate := func(def string, typ types.StateMachineType) *sfn.ValidateStateMachineDefinitionOutput {
		t.Helper()
		out, err := c.ValidateStateMachineDefinition(ctx, &sfn.ValidateStateMachineDefinitionInput{Definition: aws.String(def), Type: typ})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	type d struct{ code, loc, msg string }
	check := func(def string, typ types.StateMachineType, result types.ValidateStateMachineDefinitionResultCode, want ...d) {
		t.Helper()
		out := validate(def, typ)
		if out.Result != result || len(out.Diagnostics) != len(want) {
			t.Fatalf("%q: %s %+v", def, out.Result, out.Diagnostics)
		}
		for i, w := range want {
			g := out.Diagnostics[i]
			if aws.ToString(g.Code) != w.code || aws.ToString(g.Location) != w.loc || *g.Message != w.msg || g.Severity != types.ValidateStateMachineDefinitionSeverityError {
				t.Errorf("%q diagnostic %d = %s %q %q", def, i, aws.ToString(g.Code), aws.ToString(g.Location), *g.Message)
			}
		}
	}
	// Recorded: test_validate_state_machine_definition_not_a_definition.
	check(" ", types.StateMachineTypeStandard, "FAIL", d{"SCHEMA_VALIDATION_FAILED", "", "Definition must be a valid JSON object"})
	src := `[Source: (String)"not a definition"; line: 1, column: 4]`
	check("not a definition", types.StateMachineTypeStandard, "FAIL", d{"INVALID_JSON_DESCRIPTION", src,
		"Unrecognized token 'not': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')\n at " + src})
	check("{}", types.StateMachineTypeStandard, "FAIL", d{"SCHEMA_VALIDATION_FAILED", "/", "These fields are required: [States, StartAt]"})
	check(`{"States":{"P":{"Type":"Pass","End":true}}}`, types.StateMachineTypeExpress, "FAIL", d{"SCHEMA_VALIDATION_FAILED", "/", "These fields are required: [StartAt]"})
	// Recorded: test_validate_state_machine_definition_type_express[ILLEGAL_WFTT]; STANDARD allows it.
	wftt := `{"StartAt":"SendMessageWithWait","States":{"SendMessageWithWait":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage.waitForTaskToken",
		"Parameters":{"QueueUrl":"q","MessageBody":{"TaskToken.$":"$$.Task.Token"}},"End":true}}}`
	check(wftt, types.StateMachineTypeExpress, "FAIL", d{"SCHEMA_VALIDATION_FAILED", "/States/SendMessageWithWait/Resource",
		"Express state machine does not support '.waitForTaskToken' service integration "})
	check(wftt, types.StateMachineTypeStandard, "OK")

	// CreateStateMachine of EXPRESS machines (recorded: test_illegal_callbacks, test_illegal_activity_task).
	url := s.http.URL
	create := func(name, def string) string {
		return fmt.Sprintf(`{"name":%q,"definition":%q,"roleArn":%q,"type":"EXPRESS"}`, name, def, role)
	}
	wantRaw(t, url, "CreateStateMachine", create("e1", strings.ReplaceAll(wftt, "SendMessageWithWait", "Publish")), 400, "InvalidDefinition",
		"Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: Express state machine does not support '.waitForTaskToken' service integration  at /States/Publish/Resource'")
	syncDef := `{"StartAt":"StartExecution","States":{"StartExecution":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution.sync","Parameters":{"StateMachineArn":"x"},"End":true}}}`
	wantRaw(t, url, "CreateStateMachine", create("e2", syncDef), 400, "InvalidDefinition",
		"Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: Express state machine does not support '.sync' service integration at /States/StartExecution/Resource'")
	actDef := `{"StartAt":"ActivityTask","States":{"ActivityTask":{"Type":"Task","Resource":"arn:aws:states:us-east-1:123456789012:activity:a","End":true}}}`
	wantRaw(t, url, "CreateStateMachine", create("e3", actDef), 400, "InvalidDefinition",
		"Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: Express state machine does not support Activity ARN at /States/ActivityTask/Resource'")
	// Inside a Parallel branch too (not recorded: the location extends
	// the recorded one).
	par := `{"StartAt":"P","States":{"P":{"Type":"Parallel","Branches":[` + actDef + `],"End":true}}}`
	wantRaw(t, url, "CreateStateMachine", create("e4", par), 400, "InvalidDefinition",
		"Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: Express state machine does not support Activity ARN at /States/P/Branches/0/States/ActivityTask/Resource'")
	// The API takes JSON only.
	_, err := c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("yaml"), RoleArn: aws.String(role),
		Definition: aws.String("StartAt: P\nStates:\n  P:\n    Type: Pass\n    End: true\n")})
	wantCode(t, err, "InvalidDefinition")
}

func TestRevisionIDs(t *testing.T) {
	s := startServer(t, service.Options{}, true)
	c := s.client
	sm := createMachine(t, c, "rev", passMachine, "")
	ex, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(sm), Input: aws.String(`{"n":1}`)})
	if err != nil {
		t.Fatal(err)
	}
	waitDone(t, c, *ex.ExecutionArn)
	// A machine never updated: no revisionId anywhere.
	dm, err := c.DescribeStateMachineForExecution(ctx, &sfn.DescribeStateMachineForExecutionInput{ExecutionArn: ex.ExecutionArn})
	if err != nil || dm.RevisionId != nil {
		t.Errorf("DescribeStateMachineForExecution = %+v, %v", dm, err)
	}
	up, err := c.UpdateStateMachine(ctx, &sfn.UpdateStateMachineInput{StateMachineArn: aws.String(sm), Definition: aws.String(passMachine)})
	if err != nil || up.RevisionId != nil {
		t.Errorf("identical update of a never-updated machine = %+v, %v", up, err)
	}
	up, err = c.UpdateStateMachine(ctx, &sfn.UpdateStateMachineInput{StateMachineArn: aws.String(sm), Definition: aws.String(waitMachine)})
	if err != nil || up.RevisionId == nil {
		t.Fatalf("update = %+v, %v", up, err)
	}
	again, err := c.UpdateStateMachine(ctx, &sfn.UpdateStateMachineInput{StateMachineArn: aws.String(sm), Definition: aws.String(waitMachine), RoleArn: aws.String(role)})
	if err != nil || aws.ToString(again.RevisionId) != *up.RevisionId {
		t.Errorf("identical update = %+v, %v (revision was %s)", again, err, *up.RevisionId)
	}
	d, _ := c.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: aws.String(sm)})
	if aws.ToString(d.RevisionId) != *up.RevisionId {
		t.Errorf("DescribeStateMachine revision = %v", aws.ToString(d.RevisionId))
	}
	// ListExecutions items carry redriveCount (recorded in test_base_lifecycle_create_invoke_describe_list).
	l, err := c.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: aws.String(sm)})
	if err != nil || len(l.Executions) != 1 || l.Executions[0].RedriveCount == nil || *l.Executions[0].RedriveCount != 0 {
		t.Errorf("ListExecutions = %+v, %v", l, err)
	}
}

func TestEncryptionAndTagLimits(t *testing.T) {
	s := startServer(t, service.Options{}, true)
	c := s.client
	act, err := c.CreateActivity(ctx, &sfn.CreateActivityInput{Name: aws.String("enc")})
	if err != nil {
		t.Fatal(err)
	}
	// Recorded: test_sfn_api_activities describe_activity_response.
	d, err := c.DescribeActivity(ctx, &sfn.DescribeActivityInput{ActivityArn: act.ActivityArn})
	if err != nil || d.EncryptionConfiguration == nil || d.EncryptionConfiguration.Type != types.EncryptionTypeAwsOwnedKey {
		t.Errorf("DescribeActivity = %+v, %v", d, err)
	}
	url := s.http.URL
	// Stepwise's own refusal: it keeps no customer-managed keys.
	wantRaw(t, url, "CreateActivity", `{"name":"kms","encryptionConfiguration":{"type":"CUSTOMER_MANAGED_KMS_KEY","kmsKeyId":"k"}}`, 400, "ValidationException",
		"encryptionConfiguration of activity 'kms': Stepwise does not support CUSTOMER_MANAGED_KMS_KEY (its data stays in the local store); use AWS_OWNED_KEY")
	code, _ := rawCall(t, url, "AWSStepFunctions.CreateActivity", `{"name":"owned","encryptionConfiguration":{"type":"AWS_OWNED_KEY"}}`)
	if code != 200 {
		t.Errorf("AWS_OWNED_KEY: %d", code)
	}
	wantRaw(t, url, "CreateStateMachine", fmt.Sprintf(`{"name":"kms","definition":%q,"roleArn":%q,"encryptionConfiguration":{"type":"CUSTOMER_MANAGED_KMS_KEY"}}`, passMachine, role),
		400, "ValidationException", "")
	// Not recorded (boto refused the empty key before sending it): the
	// message follows AWS's form for the API reference's constraint.
	wantRaw(t, url, "TagResource", fmt.Sprintf(`{"resourceArn":%q,"tags":[{"key":"","value":"v"}]}`, *act.ActivityArn), 400, "ValidationException",
		"1 validation error detected: Value '' at 'tags.1.member.key' failed to satisfy constraint: Member must have length between 1 and 128")
	var tags []types.Tag
	for i := range 50 {
		tags = append(tags, types.Tag{Key: aws.String(fmt.Sprintf("k%d", i)), Value: aws.String("v")})
	}
	if _, err := c.TagResource(ctx, &sfn.TagResourceInput{ResourceArn: act.ActivityArn, Tags: tags}); err != nil {
		t.Fatal(err)
	}
	_, err = c.TagResource(ctx, &sfn.TagResourceInput{ResourceArn: act.ActivityArn, Tags: []types.Tag{{Key: aws.String("one-more"), Value: aws.String("v")}}})
	wantCode(t, err, "TooManyTags")
}

// Recorded answers the other tests did not check: ListExecutions of an
// EXPRESS machine (test_sfn_api_express
// test_start_async_describe_history_execution), ListStateMachineAliases'
// maxResults (test_sfn_api_aliasing
// test_list_state_machine_aliases_pagination_max_results[0]), and the
// empty executionAbortedEventDetails of a stop without error or cause
// (test_sfn_api test_stop_execution: ExecutionStarted, WaitStateEntered,
// ExecutionAborted).
func TestRecordedListAndStopAnswers(t *testing.T) {
	s := startServer(t, service.Options{}, true)
	url := s.http.URL
	express := createMachine(t, s.client, "fast", passMachine, types.StateMachineTypeExpress)
	wantRaw(t, url, "ListExecutions", fmt.Sprintf(`{"stateMachineArn":%q}`, express), 400, "StateMachineTypeNotSupported",
		"This operation is not supported by this type of state machine")
	sm := createMachine(t, s.client, "slow", waitMachine, "")
	wantRaw(t, url, "ListStateMachineAliases", fmt.Sprintf(`{"stateMachineArn":%q,"maxResults":1001}`, sm), 400, "ValidationException",
		"1 validation error detected: Value '1001' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 1000")

	start, err := s.client.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(sm)})
	if err != nil {
		t.Fatal(err)
	}
	arn := aws.ToString(start.ExecutionArn)
	waitEntered(t, s.client, arn)
	if code, out := rawCall(t, url, "AWSStepFunctions.StopExecution", fmt.Sprintf(`{"executionArn":%q}`, arn)); code != 200 {
		t.Fatalf("StopExecution: %d %v", code, out)
	}
	waitDone(t, s.client, arn)
	code, out := rawCall(t, url, "AWSStepFunctions.GetExecutionHistory", fmt.Sprintf(`{"executionArn":%q}`, arn))
	events, _ := out["events"].([]any)
	if code != 200 || len(events) != 3 {
		t.Fatalf("history: %d %v", code, out)
	}
	var kinds []string
	for _, e := range events {
		kinds = append(kinds, fmt.Sprint(e.(map[string]any)["type"]))
	}
	if got := strings.Join(kinds, " "); got != "ExecutionStarted WaitStateEntered ExecutionAborted" {
		t.Errorf("events %s", got)
	}
	details, ok := events[2].(map[string]any)["executionAbortedEventDetails"].(map[string]any)
	if !ok || len(details) != 0 {
		t.Errorf("executionAbortedEventDetails = %v, want {}", events[2].(map[string]any)["executionAbortedEventDetails"])
	}
}

// A task token Stepwise never issued gets AWS's InvalidToken message, as
// AWS answered the unknown token NoSuchTaskToken (test_aws_sdk_task_service
// test_sfn_send_task_outcome_with_no_such_token, through aws-sdk:sfn).
func TestUnknownTaskTokenMessage(t *testing.T) {
	s := startServer(t, service.Options{}, true)
	url := s.http.URL
	for _, tok := range []string{"NoSuchTaskToken", "00000000-0000-4000-8000-000000000000"} {
		wantRaw(t, url, "SendTaskSuccess", fmt.Sprintf(`{"taskToken":%q,"output":"{}"}`, tok), 400, "InvalidToken", "Invalid Token: 'Invalid token'")
		wantRaw(t, url, "SendTaskFailure", fmt.Sprintf(`{"taskToken":%q,"error":"E"}`, tok), 400, "InvalidToken", "Invalid Token: 'Invalid token'")
		wantRaw(t, url, "SendTaskHeartbeat", fmt.Sprintf(`{"taskToken":%q}`, tok), 400, "InvalidToken", "Invalid Token: 'Invalid token'")
	}
}
