package children

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stepwise/stepwise/asl"
	"github.com/stepwise/stepwise/asl/fault"
	"github.com/stepwise/stepwise/asl/value"
	"github.com/stepwise/stepwise/engine"
	"github.com/stepwise/stepwise/engine/runtime/local"
	"github.com/stepwise/stepwise/integrations"
	"github.com/stepwise/stepwise/integrations/gofunc"
	"github.com/stepwise/stepwise/integrations/nested"
)

func parse(t *testing.T, def string) *asl.StateMachine {
	t.Helper()
	sm, err := asl.Parse([]byte(def))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return sm
}

func startTask(resource, extra string) string {
	return `{"StartAt":"Start","States":{"Start":{"Type":"Task","Resource":"` + resource + `",` + extra + `"End":true}}}`
}

const (
	childOK   = `{"StartAt":"P","States":{"P":{"Type":"Pass","Result":{"Arg1":"argument1"},"End":true}}}`
	childFail = `{"StartAt":"F","States":{"F":{"Type":"Fail","Error":"SomeFailure","Cause":"This state machines raises a 'SomeFailure' failure."}}}`
	childEcho = `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`
	childWait = `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":30,"End":true}}}`
	// childCallback completes its parent's task token, as a worker would.
	childCallback = `{"StartAt":"Send","States":{"Send":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:sfn:sendTaskSuccess",
		"Parameters":{"TaskToken.$":"$.token","Output.$":"States.JsonToString($.payload)"},"End":true}}}`
)

// setup returns an invoker and runtime shared by a parent and its
// children, and the Local behind them.
func setup(t *testing.T) (integrations.Invoker, *local.Runtime, *Local) {
	rt := local.New(local.Options{})
	l := &Local{Machines: map[string]*asl.StateMachine{
		"ok": parse(t, childOK), "fail": parse(t, childFail), "echo": parse(t, childEcho),
		"wait": parse(t, childWait), "callback": parse(t, childCallback),
	}, Runtime: rt}
	inv := gofunc.Chain(&nested.Invoker{Starter: l, Tokens: rt})
	l.Invoker = inv
	return inv, rt, l
}

func run(t *testing.T, inv integrations.Invoker, rt engine.Runtime, def, input string) *engine.Result {
	t.Helper()
	in, err := value.DecodeString(input)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	res, err := engine.Run(ctx, parse(t, def), in, engine.Options{
		Runtime: rt, Invoker: inv, StateMachineName: "parent", ExecutionName: "p1", Region: "us-east-1", AccountID: "111111111111",
	})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

const smArn = "arn:aws:states:us-east-1:111111111111:stateMachine:"

// withoutDates drops StartDate and StopDate after checking they are epoch
// milliseconds.
func withoutDates(t *testing.T, v any) string {
	t.Helper()
	o, ok := v.(*value.Object)
	if !ok {
		t.Fatalf("not an object: %s", value.EncodeString(v))
	}
	o = o.ShallowCopy()
	for _, k := range []string{"StartDate", "StopDate"} {
		d, ok := o.Get(k)
		if ms, isInt := d.(int64); ok && (!isInt || ms < 1.6e12) {
			t.Fatalf("%s = %v, want epoch milliseconds", k, d)
		}
		o.Delete(k)
	}
	return value.EncodeString(o)
}

func TestSync(t *testing.T) {
	inv, rt, _ := setup(t)
	res := run(t, inv, rt, startTask("arn:aws:states:::states:startExecution.sync",
		`"Parameters":{"StateMachineArn.$":"$.arn","Input.$":"$.in","Name":"TestStartTarget"},`),
		`{"arn":"`+smArn+`ok","in":null}`)
	if res.Status != engine.StatusSucceeded {
		t.Fatalf("%s %s %s", res.Status, res.Error, res.Cause)
	}
	want := `{"ExecutionArn":"arn:aws:states:us-east-1:111111111111:execution:ok:TestStartTarget","Input":"{}","InputDetails":{"Included":true},"Name":"TestStartTarget","Output":"{\"Arg1\":\"argument1\"}","OutputDetails":{"Included":true},"StateMachineArn":"arn:aws:states:us-east-1:111111111111:stateMachine:ok","Status":"SUCCEEDED"}`
	if got := withoutDates(t, res.Output); got != want {
		t.Fatalf(".sync output\n%s\nwant\n%s", got, want)
	}
	keys := strings.Join(res.Output.(*value.Object).Keys(), ",")
	if keys != "ExecutionArn,Input,InputDetails,Name,Output,OutputDetails,StartDate,StateMachineArn,Status,StopDate" {
		t.Fatalf("keys = %s", keys)
	}
}

func TestSync2AndStartedBy(t *testing.T) {
	inv, rt, _ := setup(t)
	res := run(t, inv, rt, startTask("arn:aws:states:::states:startExecution.sync:2",
		`"Parameters":{"StateMachineArn":"`+smArn+`echo","Input":{"a":[1,2],"AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$":"$$.Execution.Id"}},`), `{}`)
	if res.Status != engine.StatusSucceeded {
		t.Fatalf("%s %s %s", res.Status, res.Error, res.Cause)
	}
	o := res.Output.(*value.Object)
	out, _ := o.Get("Output")
	in, _ := o.Get("Input")
	want := `{"a":[1,2],"AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID":"arn:aws:states:us-east-1:111111111111:execution:parent:p1"}`
	if value.EncodeString(out) != want || value.EncodeString(in) != want {
		t.Fatalf(".sync:2 Input %s Output %s\nwant both %s", value.EncodeString(in), value.EncodeString(out), want)
	}
	if name, _ := o.Get("Name"); len(name.(string)) != 36 {
		t.Fatalf("generated name %v, want a UUID", name)
	}
}

func TestSyncChildFails(t *testing.T) {
	inv, rt, _ := setup(t)
	res := run(t, inv, rt, startTask("arn:aws:states:::states:startExecution.sync",
		`"Parameters":{"StateMachineArn":"`+smArn+`fail","Name":"TestStartTarget"},`), `{}`)
	if res.Status != engine.StatusFailed || res.Error != fault.TaskFailed {
		t.Fatalf("%s %s %s", res.Status, res.Error, res.Cause)
	}
	cause, err := value.DecodeString(res.Cause)
	if err != nil {
		t.Fatalf("cause is not JSON: %s", res.Cause)
	}
	// callback__callback__start_execution_sync_delegate_failure.
	want := `{"Cause":"This state machines raises a 'SomeFailure' failure.","Error":"SomeFailure","ExecutionArn":"arn:aws:states:us-east-1:111111111111:execution:fail:TestStartTarget","Input":"{}","InputDetails":{"Included":true},"Name":"TestStartTarget","StateMachineArn":"arn:aws:states:us-east-1:111111111111:stateMachine:fail","Status":"FAILED"}`
	if got := withoutDates(t, cause); got != want {
		t.Fatalf("cause\n%s\nwant\n%s", got, want)
	}
}

func TestRequestResponseAndErrors(t *testing.T) {
	inv, rt, l := setup(t)
	res := run(t, inv, rt, startTask("arn:aws:states:::states:startExecution",
		`"Parameters":{"StateMachineArn":"`+smArn+`ok","Input":"{\"x\":1}","Name":"n1"},`), `{}`)
	if res.Status != engine.StatusSucceeded {
		t.Fatalf("%s %s %s", res.Status, res.Error, res.Cause)
	}
	if got := withoutDates(t, res.Output); got != `{"ExecutionArn":"arn:aws:states:us-east-1:111111111111:execution:ok:n1"}` {
		t.Fatalf("output %s", got)
	}
	d, err := l.Wait(context.Background(), "arn:aws:states:us-east-1:111111111111:execution:ok:n1")
	if err != nil || d.Status != "SUCCEEDED" || d.Input != `{"x":1}` {
		t.Fatalf("child %+v %v", d, err)
	}

	// error_handling__task_service_sfn__start_execution_no_such_arn.
	res = run(t, inv, rt, startTask("arn:aws:states:::states:startExecution",
		`"Parameters":{"StateMachineArn":"`+smArn+`nope"},`), `{}`)
	if res.Error != "StepFunctions.StateMachineDoesNotExistException" ||
		!strings.HasPrefix(res.Cause, "State Machine Does Not Exist: '"+smArn+"nope' (Service: AWSStepFunctions; Status Code: 400; Error Code: StateMachineDoesNotExist; Request ID: ") {
		t.Fatalf("%s %s", res.Error, res.Cause)
	}

	// The same name with another input.
	res = run(t, inv, rt, startTask("arn:aws:states:::states:startExecution",
		`"Parameters":{"StateMachineArn":"`+smArn+`ok","Input":{"x":2},"Name":"n1"},`), `{}`)
	if res.Error != "StepFunctions.ExecutionAlreadyExistsException" {
		t.Fatalf("%s %s", res.Error, res.Cause)
	}
}

func TestWaitForTaskToken(t *testing.T) {
	inv, rt, _ := setup(t)
	res := run(t, inv, rt, startTask("arn:aws:states:::states:startExecution.waitForTaskToken",
		`"Parameters":{"StateMachineArn":"`+smArn+`callback","Input":{"token.$":"$$.Task.Token","payload":{"done":true}}},"TimeoutSeconds":10,`), `{}`)
	if res.Status != engine.StatusSucceeded || value.EncodeString(res.Output) != `{"done":true}` {
		t.Fatalf("%s %s %s output %s", res.Status, res.Error, res.Cause, value.EncodeString(res.Output))
	}
}

func TestSyncTimeoutStopsChild(t *testing.T) {
	inv, rt, l := setup(t)
	res := run(t, inv, rt, startTask("arn:aws:states:::states:startExecution.sync",
		`"Parameters":{"StateMachineArn":"`+smArn+`wait","Name":"slow"},"TimeoutSeconds":1,`), `{}`)
	if res.Status != engine.StatusFailed || res.Error != fault.Timeout {
		t.Fatalf("%s %s %s", res.Status, res.Error, res.Cause)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	d, err := l.Wait(ctx, "arn:aws:states:us-east-1:111111111111:execution:wait:slow")
	if err != nil || d.Status == engine.StatusSucceeded {
		t.Fatalf("child %+v %v, want it stopped", d, err)
	}
}

func TestSendTaskErrors(t *testing.T) {
	inv := &nested.Invoker{Tokens: local.New(local.Options{})}
	in, _ := value.DecodeString(`{"TaskToken":"","Output":"{}"}`)
	_, err := inv.Invoke(context.Background(), &integrations.Task{Resource: "arn:aws:states:::aws-sdk:sfn:sendTaskSuccess", Input: in})
	var fe *fault.Error
	if !errors.As(err, &fe) || fe.Name != "Sfn.InvalidTokenException" {
		t.Fatalf("err = %v", err)
	}
	in, _ = value.DecodeString(`{"TaskToken":"t1","Output":"not json"}`)
	_, err = inv.Invoke(context.Background(), &integrations.Task{Resource: "arn:aws:states:::aws-sdk:sfn:sendTaskSuccess", Input: in})
	if !errors.As(err, &fe) || fe.Name != "Sfn.InvalidOutputException" {
		t.Fatalf("err = %v", err)
	}
	if inv.Handles(&integrations.Task{Resource: "arn:aws:states:::states:startExecution.sync"}) {
		t.Fatal("handles startExecution without a Starter")
	}
	if !inv.Handles(&integrations.Task{Resource: "arn:aws:states:::aws-sdk:sfn:sendTaskHeartbeat"}) {
		t.Fatal("does not handle sendTaskHeartbeat")
	}
}
