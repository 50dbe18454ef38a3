package service_test

import (
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/stepwise/stepwise/engine/service"
)

// TestState of a mocked Map at DEBUG: the items at each stage before the
// iterations (afterItemsPath, afterItemSelector, afterItemBatcher,
// afterItemsPointer: strings holding JSON arrays), the settings as
// evaluated, and no result (AWS shows none for a Map).

// testMap calls TestState through the SDK and fails the test on an error.
func testMap(t *testing.T, c *sfn.Client, in *sfn.TestStateInput) *sfn.TestStateOutput {
	t.Helper()
	if in.InspectionLevel == "" {
		in.InspectionLevel = types.InspectionLevelDebug
	}
	out, err := c.TestState(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// wantString compares an optional string member.
func wantString(t *testing.T, name string, got *string, want string) {
	t.Helper()
	if want == "" && got != nil {
		t.Errorf("%s = %q, want none", name, *got)
	} else if want != "" && aws.ToString(got) != want {
		t.Errorf("%s = %q, want %q", name, aws.ToString(got), want)
	}
}

// The ItemsPath of the context object, as LocalStack's AWS recording
// test_state_map_context_object[EXECUTION_INPUT_VALUES] does it (TRACE):
// afterItemsPath, afterResultSelector and afterResultPath, maxConcurrency,
// no result; and a path to no array fails with no maxConcurrency and
// AWS's cause (test_state_map_context_object[EXECUTION_INPUT] and [ALL]).
func TestTestStateMapContextItemsPath(t *testing.T) {
	s := startServer(t, service.Options{}, true)
	def := func(path string) *string {
		return aws.String(`{"Type":"Map","ItemsPath":"` + path + `","MaxConcurrency":1,
			"ItemProcessor":{"StartAt":"HandleItem","States":{"HandleItem":{"Type":"Pass","End":true}}},"End":true}`)
	}
	context := aws.String(`{"Execution":{"Id":"arn:aws:states:::execution:MyStateMachine:execution-name-12345",
		"Input":{"input-value":0,"message":"test data","values":["charizard","pikachu","bulbasaur"]},"Name":"execution-name-12345"}}`)
	in := aws.String(`["fire","electricity","grass"]`)
	mock := &types.MockInput{Result: aws.String(`["CHARIZARD","PIKACHU","BULBASAUR"]`)}
	out := testMap(t, s.client, &sfn.TestStateInput{Definition: def("$$.Execution.Input.values"), Input: in, Context: context,
		InspectionLevel: types.InspectionLevelTrace, Mock: mock})
	id := out.InspectionData
	if out.Status != types.TestExecutionStatusSucceeded || aws.ToString(out.Output) != `["CHARIZARD","PIKACHU","BULBASAUR"]` || id == nil {
		t.Fatalf("out = %+v", out)
	}
	wantString(t, "afterItemsPath", id.AfterItemsPath, `["charizard","pikachu","bulbasaur"]`)
	wantString(t, "afterResultSelector", id.AfterResultSelector, `["CHARIZARD","PIKACHU","BULBASAUR"]`)
	wantString(t, "afterResultPath", id.AfterResultPath, `["CHARIZARD","PIKACHU","BULBASAUR"]`)
	wantString(t, "result", id.Result, "")
	wantString(t, "afterItemSelector", id.AfterItemSelector, "")
	if aws.ToInt32(id.MaxConcurrency) != 1 {
		t.Errorf("maxConcurrency = %v", id.MaxConcurrency)
	}
	bad := testMap(t, s.client, &sfn.TestStateInput{Definition: def("$$.Execution.Input"), Input: in, Context: context,
		InspectionLevel: types.InspectionLevelTrace, Mock: mock})
	if bad.Status != types.TestExecutionStatusFailed || aws.ToString(bad.Error) != "States.Runtime" || bad.InspectionData.MaxConcurrency != nil ||
		aws.ToString(bad.InspectionData.AfterInputPath) != `["fire","electricity","grass"]` ||
		aws.ToString(bad.Cause) != `Reference path "$.Execution.Input" must point to array.` {
		t.Errorf("bad = %+v %+v", bad, bad.InspectionData)
	}
	// test_state_map_context_object[ALL]: the whole context object.
	all := testMap(t, s.client, &sfn.TestStateInput{Definition: def("$$"), Input: in, Context: context,
		InspectionLevel: types.InspectionLevelTrace, Mock: mock})
	if all.Status != types.TestExecutionStatusFailed || aws.ToString(all.Cause) != `Reference path "$" must point to array.` {
		t.Errorf("all = %+v", all)
	}
}

// An inline JSONPath Map's ItemSelector runs on each item (with
// $$.Map.Item), and its result is afterItemSelector; INFO shows none.
func TestTestStateMapItemSelector(t *testing.T) {
	s := startServer(t, service.Options{}, true)
	def := aws.String(`{"Type":"Map","ItemsPath":"$.items","ItemSelector":{"value.$":"$$.Map.Item.Value","index.$":"$$.Map.Item.Index","tag.$":"$.tag"},
		"ToleratedFailurePercentage":50,"ItemProcessor":{"ProcessorConfig":{"Mode":"INLINE"},"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},
		"ResultPath":"$.out","End":true}`)
	in := aws.String(`{"items":[1,2,3],"tag":"t"}`)
	mock := &types.MockInput{Result: aws.String(`[10,20,30]`)}
	out := testMap(t, s.client, &sfn.TestStateInput{Definition: def, Input: in, Mock: mock})
	id := out.InspectionData
	if out.Status != types.TestExecutionStatusSucceeded || aws.ToString(out.Output) != `{"items":[1,2,3],"tag":"t","out":[10,20,30]}` {
		t.Fatalf("out = %+v", out)
	}
	wantString(t, "afterItemsPath", id.AfterItemsPath, `[1,2,3]`)
	wantString(t, "afterItemSelector", id.AfterItemSelector,
		`[{"value":1,"index":0,"tag":"t"},{"value":2,"index":1,"tag":"t"},{"value":3,"index":2,"tag":"t"}]`)
	wantString(t, "afterItemBatcher", id.AfterItemBatcher, "")
	if aws.ToFloat32(id.ToleratedFailurePercentage) != 50 || id.ToleratedFailureCount != nil {
		t.Errorf("tolerated = %v %v", id.ToleratedFailurePercentage, id.ToleratedFailureCount)
	}
	info := testMap(t, s.client, &sfn.TestStateInput{Definition: def, Input: in, Mock: mock, InspectionLevel: types.InspectionLevelInfo})
	if info.InspectionData != nil {
		t.Errorf("INFO inspectionData = %+v", info.InspectionData)
	}
	// An ItemSelector that fails fails the Map, as in a run.
	failing := aws.String(`{"Type":"Map","ItemSelector":{"v.$":"$.missing"},"ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}`)
	f := testMap(t, s.client, &sfn.TestStateInput{Definition: failing, Input: aws.String(`[1]`), Mock: mock})
	if f.Status != types.TestExecutionStatusFailed || aws.ToString(f.Error) != "States.Runtime" {
		t.Errorf("failing ItemSelector = %+v", f)
	}
}

// A JSONata Distributed Map reading CSV from mapItemReaderData (the data
// as found in its source) selects and batches the items; a JSONata Map has
// no afterItemsPath.
func TestTestStateMapReaderDataBatches(t *testing.T) {
	s := startServer(t, service.Options{}, true)
	def := aws.String(`{"Type":"Map","QueryLanguage":"JSONata","MaxConcurrency":"{% $states.input.mc %}",
		"ItemReader":{"Resource":"arn:aws:states:::s3:getObject","ReaderConfig":{"InputType":"CSV","CSVHeaderLocation":"FIRST_ROW"},
			"Arguments":{"Bucket":"b","Key":"orders.csv"}},
		"ItemSelector":{"id":"{% $states.context.Map.Item.Value.id %}","n":"{% $states.context.Map.Item.Index %}"},
		"ItemBatcher":{"MaxItemsPerBatch":2,"BatchInput":{"run":"{% $states.input.run %}"}},
		"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"EXPRESS"},"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},
		"End":true}`)
	out := testMap(t, s.client, &sfn.TestStateInput{Definition: def, Input: aws.String(`{"mc":3,"run":"r1"}`),
		Mock:               &types.MockInput{Result: aws.String(`[{"ok":1},{"ok":2}]`)},
		StateConfiguration: &types.TestStateConfiguration{MapItemReaderData: aws.String("id,qty\na,1\nb,2\nc,3\n")}})
	id := out.InspectionData
	if out.Status != types.TestExecutionStatusSucceeded || aws.ToString(out.Output) != `[{"ok":1},{"ok":2}]` {
		t.Fatalf("out = %+v %s %s", out, aws.ToString(out.Error), aws.ToString(out.Cause))
	}
	wantString(t, "afterItemsPath", id.AfterItemsPath, "")
	wantString(t, "afterItemsPointer", id.AfterItemsPointer, "")
	wantString(t, "afterItemSelector", id.AfterItemSelector, `[{"id":"a","n":0},{"id":"b","n":1},{"id":"c","n":2}]`)
	wantString(t, "afterItemBatcher", id.AfterItemBatcher,
		`[{"BatchInput":{"run":"r1"},"Items":[{"id":"a","n":0},{"id":"b","n":1}]},{"BatchInput":{"run":"r1"},"Items":[{"id":"c","n":2}]}]`)
	wantString(t, "result", id.Result, "")
	if aws.ToInt32(id.MaxConcurrency) != 3 {
		t.Errorf("maxConcurrency = %v", id.MaxConcurrency)
	}
	// Without mapItemReaderData there are no items to show.
	none := testMap(t, s.client, &sfn.TestStateInput{Definition: def, Input: aws.String(`{"mc":3,"run":"r1"}`),
		Mock: &types.MockInput{Result: aws.String(`[]`)}})
	if none.Status != types.TestExecutionStatusSucceeded || none.InspectionData.AfterItemSelector != nil || none.InspectionData.AfterItemBatcher != nil {
		t.Errorf("no reader data = %+v %+v", none, none.InspectionData)
	}
}

// An ItemReader's ItemsPointer picks the array in a JSON mapItemReaderData
// (afterItemsPointer); MaxItems stops reading; bad data fails the state
// with States.ItemReaderFailed.
func TestTestStateMapItemsPointer(t *testing.T) {
	s := startServer(t, service.Options{}, true)
	def := func(config string) *string {
		return aws.String(`{"Type":"Map","ItemReader":{"Resource":"arn:aws:states:::s3:getObject","ReaderConfig":` + config + `,
			"Parameters":{"Bucket":"b","Key":"export.json"}},
			"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}`)
	}
	data := aws.String(`{"meta":{"n":3},"data":{"orders":[{"id":"o-1"},{"id":"o-2"},{"id":"o-3"}]}}`)
	out := testMap(t, s.client, &sfn.TestStateInput{Definition: def(`{"InputType":"JSON","ItemsPointer":"/data/orders","MaxItems":2}`), Input: aws.String(`{}`),
		Mock: &types.MockInput{Result: aws.String(`[1,2]`)}, StateConfiguration: &types.TestStateConfiguration{MapItemReaderData: data}})
	if out.Status != types.TestExecutionStatusSucceeded {
		t.Fatalf("out = %+v %s %s", out, aws.ToString(out.Error), aws.ToString(out.Cause))
	}
	wantString(t, "afterItemsPointer", out.InspectionData.AfterItemsPointer, `[{"id":"o-1"},{"id":"o-2"}]`)
	wantString(t, "afterItemsPath", out.InspectionData.AfterItemsPath, "")
	bad := testMap(t, s.client, &sfn.TestStateInput{Definition: def(`{"InputType":"JSON"}`), Input: aws.String(`{}`),
		Mock: &types.MockInput{Result: aws.String(`[1]`)}, StateConfiguration: &types.TestStateConfiguration{MapItemReaderData: aws.String(`{"not":"an array"`)}})
	if bad.Status != types.TestExecutionStatusFailed || aws.ToString(bad.Error) != "States.ItemReaderFailed" {
		t.Errorf("bad data = %+v", bad)
	}
}

// A Distributed Map with a ResultWriter: the mock is what the writer
// returns (an object, test_mock_result_is_not_object_on_map_state_with_result_writer
// refuses an array), and the Map's ResultSelector and ResultPath apply to it.
func TestTestStateMapResultWriter(t *testing.T) {
	s := startServer(t, service.Options{}, true)
	def := `{"Type":"Map","ItemsPath":"$.Values","ItemSelector":{"v.$":"$$.Map.Item.Value"},
		"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"TestState",
			"States":{"TestState":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"foo","Payload":"bar"},"End":true}}},
		"ResultWriter":{"Resource":"arn:aws:states:::s3:putObject","Parameters":{"Bucket":"result-bucket","Prefix":"mapJobs"}},
		"ResultSelector":{"key.$":"$.ResultWriterDetails.Key"},"ResultPath":"$.written","Label":"TestMap","End":true}`
	written := `{"MapRunArn":"arn:aws:states:us-east-1:123456789012:mapRun:m/TestMap:1","ResultWriterDetails":{"Bucket":"result-bucket","Key":"mapJobs/1/manifest.json"}}`
	out := testMap(t, s.client, &sfn.TestStateInput{Definition: aws.String(def), Input: aws.String(`{"Values":["a","b"]}`),
		Mock: &types.MockInput{Result: aws.String(written)}})
	id := out.InspectionData
	if out.Status != types.TestExecutionStatusSucceeded || aws.ToString(out.Output) != `{"Values":["a","b"],"written":{"key":"mapJobs/1/manifest.json"}}` {
		t.Fatalf("out = %+v %s %s", out, aws.ToString(out.Error), aws.ToString(out.Cause))
	}
	wantString(t, "afterItemsPath", id.AfterItemsPath, `["a","b"]`)
	wantString(t, "afterItemSelector", id.AfterItemSelector, `[{"v":"a"},{"v":"b"}]`)
	wantString(t, "afterResultSelector", id.AfterResultSelector, `{"key":"mapJobs/1/manifest.json"}`)
	url := s.http.URL
	call := func(mock string) string {
		return fmt.Sprintf(`{"definition":%q,"input":"{\"Values\":[1]}","mock":{"result":%q}}`, def, mock)
	}
	wantRaw(t, url, "TestState", call(`["object is expected but array is provided instead"]`), 400, "ValidationException", "Mocked result must be a JSON object.")
	// A mocked error works as for any Map; errorCausedByState names the
	// state inside it, although it has the name TestState
	// (test_map_state_error_caused_by_state).
	caught, err := s.client.TestState(ctx, &sfn.TestStateInput{Definition: aws.String(def), Input: aws.String(`{"Values":["a","b"]}`),
		Mock:               &types.MockInput{ErrorOutput: &types.MockErrorOutput{Error: aws.String("MockException"), Cause: aws.String("c")}},
		StateConfiguration: &types.TestStateConfiguration{ErrorCausedByState: aws.String("TestState")}})
	if err != nil || caught.Status != types.TestExecutionStatusFailed || aws.ToString(caught.Error) != "MockException" {
		t.Errorf("mocked error = %+v, %v", caught, err)
	}
}

// The wire: the items stages are strings holding JSON text, as AWS's
// model declares them (SensitiveData strings).
func TestTestStateMapInspectionWire(t *testing.T) {
	s := startServer(t, service.Options{}, true)
	def := `{"Type":"Map","ItemSelector":{"x.$":"$$.Map.Item.Value"},"ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}`
	code, out := rawCall(t, s.http.URL, "AWSStepFunctions.TestState",
		fmt.Sprintf(`{"definition":%q,"input":"[1,2]","inspectionLevel":"DEBUG","mock":{"result":"[3,4]"}}`, def))
	id, _ := out["inspectionData"].(map[string]any)
	if code != 200 || id == nil {
		t.Fatalf("%d %v", code, out)
	}
	for member, want := range map[string]any{"afterItemsPath": `[1,2]`, "afterItemSelector": `[{"x":1},{"x":2}]`, "maxConcurrency": float64(0)} {
		if id[member] != want {
			t.Errorf("%s = %#v, want %#v", member, id[member], want)
		}
	}
	for _, member := range []string{"result", "afterItemBatcher", "afterItemsPointer", "toleratedFailureCount"} {
		if v, ok := id[member]; ok {
			t.Errorf("%s = %#v, want none", member, v)
		}
	}
}

// A JSONata Map shows its input and maxConcurrency alone, as recorded in
// test_map_state_failure_count[DEBUG-BASE_MAP_STATE] (Items, no
// ItemSelector, no tolerated failures).
func TestTestStateMapJSONataInspection(t *testing.T) {
	s := startServer(t, service.Options{}, true)
	def := `{"Type":"Map","QueryLanguage":"JSONata","Items":"{% $states.input.Values %}",
		"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"TestState",
			"States":{"TestState":{"Type":"Task","QueryLanguage":"JSONata","Resource":"arn:aws:states:::lambda:invoke","Arguments":{"FunctionName":"foo","Payload":"bar"},"End":true}}},
		"Output":"{% $states.result %}","End":true}`
	code, out := rawCall(t, s.http.URL, "AWSStepFunctions.TestState", fmt.Sprintf(`{"definition":%q,"roleArn":%q,"input":"{\"Values\":[\"first\",\"second\",\"third\"]}",
		"inspectionLevel":"DEBUG","stateConfiguration":{"mapIterationFailureCount":0},"mock":{"result":"[1,1,1]"}}`, def, role))
	id, _ := out["inspectionData"].(map[string]any)
	if code != 200 || out["status"] != "SUCCEEDED" || out["output"] != `[1,1,1]` || len(id) != 2 ||
		id["input"] != `{"Values":["first","second","third"]}` || id["maxConcurrency"] != float64(0) {
		t.Errorf("%d %v", code, out)
	}
}
