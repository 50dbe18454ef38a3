package service_test

import (
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/stepwise/stepwise/engine/service"
)

// Expected messages are AWS's, recorded in LocalStack's test_state
// snapshots (tests/aws/services/stepfunctions/v2/test_state).

const mapState = `{"Type":"Map","ItemsPath":"$.Values","ItemProcessor":{"ProcessorConfig":{"Mode":"INLINE"},"StartAt":"HandleItem",
	"States":{"HandleItem":{"Type":"Pass","End":true}}},"ResultPath":"$.result","End":true}`

func TestTestStateMockRules(t *testing.T) {
	s := startServer(t, service.Options{}, true)
	url := s.http.URL
	call := func(def, extra string) string {
		return fmt.Sprintf(`{"definition":%q,"roleArn":%q%s}`, def, role, extra)
	}
	mockResult := `,"mock":{"result":"{}"}`
	mockError := `,"mock":{"errorOutput":{"error":"E","cause":"C"}}`
	// test_state_type_does_not_accept_mock.
	for _, typ := range []string{"Pass", "Fail", "Succeed"} {
		def := `{"Type":"` + typ + `","End":true}`
		if typ != "Pass" {
			def = `{"Type":"` + typ + `"}`
		}
		for _, m := range []string{mockResult, mockError} {
			wantRaw(t, url, "TestState", call(def, m), 400, "ValidationException", "State type '"+typ+"' is not supported when a mock is specified")
		}
	}
	// test_state_type_requires_mock.
	parallel := `{"Type":"Parallel","Branches":[{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}},{"StartAt":"B","States":{"B":{"Type":"Pass","End":true}}}],"End":true}`
	for _, def := range []string{mapState, parallel} {
		wantRaw(t, url, "TestState", call(def, ""), 400, "InvalidDefinition",
			"TestState API does not support Map or Parallel states. Supported state types include: [Task, Wait, Pass, Succeed, Fail, Choice]")
	}
	task := `{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"f"},"End":true}`
	wantRaw(t, url, "TestState", call(task, `,"mock":{"result":"{}","errorOutput":{"error":"E"}}`), 400, "ValidationException",
		"A test mock should have only one of the following fields: [result, errorOutput].")
	wantRaw(t, url, "TestState", call(task, `,"revealSecrets":true`+mockResult), 400, "ValidationException",
		"TestState does not support RevealSecrets when a mock is specified.")
	wantRaw(t, url, "TestState", call(task, `,"mock":{"result":"not json"}`), 400, "ValidationException", "Mocked result must be valid JSON")
	wantRaw(t, url, "TestState", call(mapState, `,"mock":{"result":"{}"}`), 400, "ValidationException", "Mocked result must be an array.")
	wantRaw(t, url, "TestState", call(parallel, `,"mock":{"result":"{}"}`), 400, "ValidationException", "Mocked result must be an array.")
	wantRaw(t, url, "TestState", call(parallel, `,"mock":{"result":"[1]"}`), 400, "ValidationException",
		"Mocked result must contain the same number of items as number of Parallel branches.")
	wantRaw(t, url, "TestState", call(mapState, `,"stateConfiguration":{"mapIterationFailureCount":1}`), 400, "ValidationException",
		"TestState does not support MapIterationFailureCount when a mock is not specified.")
	wantRaw(t, url, "TestState", call(mapState, `,"mock":{"result":"[1,2]"},"stateConfiguration":{"mapIterationFailureCount":3}`), 400, "ValidationException",
		"Map iteration failure count must be less than or equal to the number of Map iterations")
	// test_base_lambda_service_task_state_no_role_arn_validation.
	wantRaw(t, url, "TestState", fmt.Sprintf(`{"definition":%q}`, task), 400, "ValidationException", "RoleArn must be specified when testing a Task state")
	// test_base_state_name_validation_failures[dne] and [invalid].
	machine := `{"StartAt":"State0","States":{"State0":{"Type":"Pass","End":true}}}`
	for _, name := range []string{"dne", `"invalid"`} {
		wantRaw(t, url, "TestState", fmt.Sprintf(`{"definition":%q,"stateName":%q,"input":"{}"}`, machine, name), 400, "ValidationException",
			"State not found in definition")
	}
	wantRaw(t, url, "TestState", call(task, `,"inspectionLevel":"LOUD"`), 400, "ValidationException", "")
	wantRaw(t, url, "TestState", call(task, `,"mock":{"result":"{}","fieldValidationMode":"LAX"}`), 400, "ValidationException", "")
}

func TestTestStateFieldValidation(t *testing.T) {
	s := startServer(t, service.Options{}, true)
	url := s.http.URL
	call := func(resource, result, mode string) string {
		def := fmt.Sprintf(`{"Type":"Task","Resource":%q,"End":true}`, resource)
		m := fmt.Sprintf(`{"result":%q}`, result)
		if mode != "" {
			m = fmt.Sprintf(`{"result":%q,"fieldValidationMode":%q}`, result, mode)
		}
		return fmt.Sprintf(`{"definition":%q,"roleArn":%q,"mock":%s}`, def, role, m)
	}
	// Recorded in test_field_validation_mode.
	for _, c := range []struct{ resource, result, msg string }{
		{"arn:aws:states:::events:putEvents", `{"Entries":{}}`, "Field 'Entries' must be an array"},
		{"arn:aws:states:::events:putEvents", `{"Entries":[{"EventId":1}]}`, "Field 'EventId' must be a string"},
		{"arn:aws:states:::events:putEvents", `{"Entries":[{"EventId":"a"},{"EventId":2}]}`, "Field 'EventId' must be a string"},
		{"arn:aws:states:::states:startExecution", `{}`, "Required field 'ExecutionArn' is missing"},
		{"arn:aws:states:::states:startExecution", `{"executionArn":"a","startDate":"b"}`, "Required field 'ExecutionArn' is missing"},
		{"arn:aws:states:::states:startExecution", `{"ExecutionArn":"a","StartDate":true}`, "Field 'StartDate' must be a string"},
		{"arn:aws:states:::states:startExecution", `{"ExecutionArn":"a","StartDate":1}`, "Field 'StartDate' must be a string"},
		{"arn:aws:states:::lambda:invoke", `{"StatusCode":"200"}`, "Field 'StatusCode' must be a number"},
		{"arn:aws:states:::dynamodb:getItem", `{"ConsumedCapacity":{"CapacityUnits":"1"}}`, "Field 'CapacityUnits' must be a number"},
		// Any service of the aws-sdk integration, from the generated models
		// (the SDK clients checked only ten); enum values are not checked.
		{"arn:aws:states:::aws-sdk:secretsmanager:getSecretValue", `{"VersionStages":"AWSCURRENT"}`, "Field 'VersionStages' must be an array"},
		{"arn:aws:states:::aws-sdk:lambda:getFunction", `{"Configuration":{"MemorySize":"128"}}`, "Field 'MemorySize' must be a number"},
	} {
		wantRaw(t, url, "TestState", call(c.resource, c.result, ""), 400, "ValidationException", "Mock result schema validation error: "+c.msg)
	}
	// Members outside the shape are allowed (test_strict_mode_mock_result_field_not_in_api_spec);
	// PRESENT does not ask for required members; NONE checks nothing.
	for _, c := range []struct{ resource, result, mode string }{
		{"arn:aws:states:::lambda:invoke", `{"random":"json"}`, ""},
		{"arn:aws:states:::lambda:invoke", `{}`, ""},
		{"arn:aws:states:::lambda:invoke", `{"StatusCode":200,"Payload":{"x":1}}`, "STRICT"},
		{"arn:aws:states:::states:startExecution", `{}`, "PRESENT"},
		{"arn:aws:states:::lambda:invoke", `{"StatusCode":"200"}`, "NONE"},
	} {
		code, out := rawCall(t, url, "AWSStepFunctions.TestState", call(c.resource, c.result, c.mode))
		if code != 200 || out["status"] != "SUCCEEDED" {
			t.Errorf("%s %s %s: %d %v", c.resource, c.result, c.mode, code, out)
		}
	}
	_, err := s.client.TestState(ctx, &sfn.TestStateInput{
		Definition: aws.String(`{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","End":true}`), RoleArn: aws.String(role),
		Mock: &types.MockInput{Result: aws.String(`{"StatusCode":"x"}`)},
	})
	wantCode(t, err, "ValidationException")
}

func TestTestStateConfigurationAndInspection(t *testing.T) {
	s := startServer(t, service.Options{}, true)
	c := s.client
	in := aws.String(`{"Values":["first","second","third"]}`)
	catchMap := `{"Type":"Map","ItemsPath":"$.Values","ToleratedFailureCount":1,"MaxConcurrency":2,
		"ItemProcessor":{"StartAt":"HandleItem","States":{"HandleItem":{"Type":"Pass","End":true}}},
		"Catch":[{"ErrorEquals":["MockException"],"Next":"HandleMockError"},{"ErrorEquals":["States.ExceedToleratedFailureThreshold"],"Next":"HandleThreshold"}],"End":true}`
	// test_map_state_failure_count[BASE_MAP_STATE_CATCH]: below and above the tolerated count.
	below, err := c.TestState(ctx, &sfn.TestStateInput{Definition: aws.String(catchMap), RoleArn: aws.String(role), Input: in,
		InspectionLevel: types.InspectionLevelDebug, Mock: &types.MockInput{Result: aws.String(`[1,1,1]`)},
		StateConfiguration: &types.TestStateConfiguration{MapIterationFailureCount: aws.Int32(0)}})
	if err != nil {
		t.Fatal(err)
	}
	if below.Status != types.TestExecutionStatusSucceeded || *below.Output != `[1,1,1]` ||
		aws.ToInt32(below.InspectionData.MaxConcurrency) != 2 || aws.ToInt32(below.InspectionData.ToleratedFailureCount) != 1 {
		t.Errorf("below = %+v %+v", below, below.InspectionData)
	}
	above, err := c.TestState(ctx, &sfn.TestStateInput{Definition: aws.String(catchMap), RoleArn: aws.String(role), Input: in,
		InspectionLevel: types.InspectionLevelDebug, Mock: &types.MockInput{Result: aws.String(`[0,0,1]`)},
		StateConfiguration: &types.TestStateConfiguration{MapIterationFailureCount: aws.Int32(2)}})
	if err != nil {
		t.Fatal(err)
	}
	if above.Status != types.TestExecutionStatusCaughtError || aws.ToString(above.Error) != "States.ExceedToleratedFailureThreshold" ||
		aws.ToString(above.Cause) != "The specified tolerated failure threshold was exceeded" || aws.ToString(above.NextState) != "HandleThreshold" ||
		above.InspectionData.ErrorDetails == nil || aws.ToInt32(above.InspectionData.ErrorDetails.CatchIndex) != 1 {
		t.Errorf("above = %+v", above)
	}
	// A Map without a tolerated failure threshold succeeds (test_map_state_failure_count[BASE_MAP_STATE]).
	base, err := c.TestState(ctx, &sfn.TestStateInput{Definition: aws.String(mapState), RoleArn: aws.String(role), Input: in,
		InspectionLevel: types.InspectionLevelDebug, Mock: &types.MockInput{Result: aws.String(`[0,0,1]`)},
		StateConfiguration: &types.TestStateConfiguration{MapIterationFailureCount: aws.Int32(2)}})
	// afterItemsPath as in LocalStack's test_state_machine_with_state_error
	// (in test_state_configuration.snapshot.json, not among its
	// AWS-validated entries).
	if err != nil || base.Status != types.TestExecutionStatusSucceeded || aws.ToInt32(base.InspectionData.MaxConcurrency) != 0 || base.InspectionData.ToleratedFailureCount != nil ||
		aws.ToString(base.InspectionData.AfterItemsPath) != `["first","second","third"]` {
		t.Errorf("base = %+v, %v", base, err)
	}
	// A mocked error wins over the failure count, and errorCausedByState
	// names a state inside the Map (as LocalStack's
	// test_state_configuration_map_iteration_failure_count_with_state_error
	// has it, an entry not among its AWS-validated ones).
	failed, err := c.TestState(ctx, &sfn.TestStateInput{Definition: aws.String(mapState), RoleArn: aws.String(role), Input: in,
		Mock:               &types.MockInput{ErrorOutput: &types.MockErrorOutput{Error: aws.String("MockException"), Cause: aws.String("Mock the error cause.")}},
		StateConfiguration: &types.TestStateConfiguration{MapIterationFailureCount: aws.Int32(2), ErrorCausedByState: aws.String("HandleItem")}})
	if err != nil || failed.Status != types.TestExecutionStatusFailed || aws.ToString(failed.Error) != "MockException" || failed.InspectionData != nil {
		t.Errorf("failed = %+v, %v", failed, err)
	}
	_, err = c.TestState(ctx, &sfn.TestStateInput{Definition: aws.String(mapState), RoleArn: aws.String(role), Input: in,
		Mock:               &types.MockInput{ErrorOutput: &types.MockErrorOutput{Error: aws.String("E")}},
		StateConfiguration: &types.TestStateConfiguration{ErrorCausedByState: aws.String("Nowhere")}})
	wantCode(t, err, "ValidationException")
	// retrierRetryCount: the backoff of the next retry, then no retry left
	// (test_state_configuration_retrier_retry_count).
	retry := `{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"foo","Payload":"bar"},
		"Retry":[{"ErrorEquals":["States.ALL"],"IntervalSeconds":2,"BackoffRate":2,"MaxAttempts":4}],"End":true}`
	mockErr := &types.MockInput{ErrorOutput: &types.MockErrorOutput{Error: aws.String("MockException"), Cause: aws.String("c")}}
	r1, err := c.TestState(ctx, &sfn.TestStateInput{Definition: aws.String(retry), RoleArn: aws.String(role), Input: in, Mock: mockErr,
		InspectionLevel: types.InspectionLevelDebug, StateConfiguration: &types.TestStateConfiguration{RetrierRetryCount: aws.Int32(3)}})
	if err != nil || r1.Status != types.TestExecutionStatusRetriable || aws.ToInt32(r1.InspectionData.ErrorDetails.RetryBackoffIntervalSeconds) != 16 {
		t.Errorf("retriable = %+v, %v", r1, err)
	}
	r2, err := c.TestState(ctx, &sfn.TestStateInput{Definition: aws.String(retry), RoleArn: aws.String(role), Input: in, Mock: mockErr,
		InspectionLevel: types.InspectionLevelDebug, StateConfiguration: &types.TestStateConfiguration{RetrierRetryCount: aws.Int32(4)}})
	if err != nil || r2.Status != types.TestExecutionStatusFailed {
		t.Errorf("exhausted = %+v, %v", r2, err)
	}
	// Variables and context in the request (test_state_with_variables).
	vars, err := c.TestState(ctx, &sfn.TestStateInput{RoleArn: aws.String(role), InspectionLevel: types.InspectionLevelTrace,
		Definition: aws.String(`{"Type":"Pass","Parameters":{"v.$":"$x","n.$":"$$.Execution.Name"},"Assign":{"y":2},"End":true}`),
		Variables:  aws.String(`{"x":"test_value"}`), Context: aws.String(`{"Execution":{"Name":"exec-1"}}`)})
	if err != nil || aws.ToString(vars.Output) != `{"v":"test_value","n":"exec-1"}` || aws.ToString(vars.InspectionData.Variables) != `{"x":"test_value","y":2}` {
		t.Errorf("variables = %+v, %v", vars, err)
	}
	// A Parallel under a mock.
	par, err := c.TestState(ctx, &sfn.TestStateInput{RoleArn: aws.String(role), Mock: &types.MockInput{Result: aws.String(`[1,2]`)},
		Definition: aws.String(`{"Type":"Parallel","Branches":[{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}},{"StartAt":"B","States":{"B":{"Type":"Pass","End":true}}}],"End":true}`)})
	if err != nil || par.Status != types.TestExecutionStatusSucceeded || aws.ToString(par.Output) != `[1,2]` {
		t.Errorf("Parallel = %+v, %v", par, err)
	}
	// A callback task under a mock.
	cb, err := c.TestState(ctx, &sfn.TestStateInput{RoleArn: aws.String(role), Mock: &types.MockInput{Result: aws.String(`{"MessageId":"m"}`)},
		Definition: aws.String(`{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage.waitForTaskToken","Parameters":{"QueueUrl":"q","MessageBody":{"t.$":"$$.Task.Token"}},"End":true}`)})
	if err != nil || cb.Status != types.TestExecutionStatusSucceeded || aws.ToString(cb.Output) != `{"MessageId":"m"}` {
		t.Errorf("callback = %+v, %v", cb, err)
	}
	// A whole machine with stateName.
	whole, err := c.TestState(ctx, &sfn.TestStateInput{RoleArn: aws.String(role), StateName: aws.String("M"), Input: in,
		Mock:       &types.MockInput{Result: aws.String(`["a"]`)},
		Definition: aws.String(`{"StartAt":"M","States":{"M":` + mapState[:len(mapState)-len(`"End":true}`)] + `"Next":"Done"},"Done":{"Type":"Succeed"}}}`)})
	if err != nil || whole.Status != types.TestExecutionStatusSucceeded || aws.ToString(whole.NextState) != "Done" {
		t.Errorf("stateName = %+v, %v", whole, err)
	}
}
