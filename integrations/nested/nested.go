// Package nested runs Task states that start executions of other state
// machines, as Step Functions' optimized integration does:
//
//   - arn:aws:states:::states:startExecution starts the execution and
//     returns its ExecutionArn and StartDate;
//   - .sync waits for it to end and returns its description, with Input and
//     Output as JSON text; .sync:2 returns them as JSON values;
//   - .waitForTaskToken starts it and leaves the outcome to the task token
//     (the child sends it back, e.g. with aws-sdk:sfn:sendTaskSuccess).
//
// A child that does not succeed fails a .sync task with States.TaskFailed
// and the child's description as the cause (conformance case
// callback__callback__start_execution_sync_delegate_failure).
//
// The executions themselves come from a Starter: Local runs them in
// process; the service (stepwise serve) provides its own.
//
// The Invoker also runs arn:aws:states:::aws-sdk:sfn:sendTaskSuccess,
// sendTaskFailure and sendTaskHeartbeat against a TaskCompleter, so that
// in-process children can complete their parent's task token.
package nested

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/stepwise/stepwise/asl/fault"
	"github.com/stepwise/stepwise/asl/value"
	"github.com/stepwise/stepwise/integrations"
)

// StartedByMember is the input member with which a parent associates a
// nested execution with itself ("AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$":
// "$$.Execution.Id"). Step Functions does not add it: the definition passes
// it, and it stays in the child's input.
const StartedByMember = "AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID"

// StartRequest asks for an execution.
type StartRequest struct {
	StateMachineArn string
	Input           any    // a value.Value; never nil ({} when the task gave none)
	Name            string // "": generated
	// Parent is the execution whose task starts this one.
	Parent integrations.Execution
}

// StartResult is a started execution.
type StartResult struct {
	ExecutionArn string
	StartDate    time.Time
}

// Description is how an execution ended (or stands), as
// DescribeExecution reports it.
type Description struct {
	ExecutionArn    string
	StateMachineArn string
	Name            string
	Status          string // RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED
	Input           string // JSON text
	Output          string // JSON text, when SUCCEEDED
	Error, Cause    string // when it did not succeed
	StartDate       time.Time
	StopDate        time.Time
}

// Starter provides executions.
type Starter interface {
	// Start starts an execution of the state machine ARN with input (a
	// value.Value) and name ("" = generated); returns its ARN and start time.
	Start(ctx context.Context, req StartRequest) (StartResult, error)
	// Wait blocks until the execution ends and returns its description
	// (status, output JSON, error, cause, dates).
	Wait(ctx context.Context, executionArn string) (Description, error)
}

// Stopper is implemented by a Starter that can stop an execution; the
// Invoker stops the child of a .sync task whose wait ends early (the task
// timed out or the parent was stopped), as Step Functions does.
type Stopper interface {
	Stop(ctx context.Context, executionArn, errorName, cause string) error
}

// TaskCompleter delivers the outcome of task tokens; *local.Runtime is one.
type TaskCompleter interface {
	CompleteTask(token string, output any, err error) error
	Heartbeat(token string) error
}

// Invoker runs the states:startExecution tasks through a Starter and, when
// Tokens is set, the aws-sdk:sfn send-task tasks through it.
type Invoker struct {
	Starter Starter
	Tokens  TaskCompleter
}

const (
	startPrefix = "arn:aws:states:::states:startExecution"
	sfnPrefix   = "arn:aws:states:::aws-sdk:sfn:"
)

// pattern returns the integration pattern of a startExecution resource:
// "", "sync", "sync:2" or "waitForTaskToken".
func pattern(resource string) (string, bool) {
	rest, ok := strings.CutPrefix(resource, startPrefix)
	if !ok {
		return "", false
	}
	switch rest {
	case "":
		return "", true
	case ".sync", ".sync:2", ".waitForTaskToken":
		return rest[1:], true
	}
	return "", false
}

func sendTaskAction(resource string) (string, bool) {
	a, ok := strings.CutPrefix(resource, sfnPrefix)
	if !ok {
		return "", false
	}
	switch a {
	case "sendTaskSuccess", "sendTaskFailure", "sendTaskHeartbeat":
		return a, true
	}
	return "", false
}

// Handles reports whether the invoker runs the task.
func (inv *Invoker) Handles(t *integrations.Task) bool {
	if _, ok := pattern(t.Resource); ok {
		return inv.Starter != nil
	}
	if _, ok := sendTaskAction(t.Resource); ok {
		return inv.Tokens != nil
	}
	return false
}

// Invoke runs the task.
func (inv *Invoker) Invoke(ctx context.Context, t *integrations.Task) (any, error) {
	if a, ok := sendTaskAction(t.Resource); ok && inv.Tokens != nil {
		return inv.sendTask(t, a)
	}
	p, ok := pattern(t.Resource)
	if !ok || inv.Starter == nil {
		return nil, fault.New(fault.TaskFailed, fmt.Sprintf("the resource %q (state %q) is not a nested execution this invoker runs", t.Resource, t.StateName))
	}
	req, err := startRequest(t)
	if err != nil {
		return nil, err
	}
	started, err := inv.Starter.Start(ctx, req)
	if err != nil {
		return nil, err
	}
	switch p {
	case "":
		o := value.NewObject(2)
		o.Append("ExecutionArn", started.ExecutionArn)
		o.Append("StartDate", millis(started.StartDate))
		return o, nil
	case "waitForTaskToken":
		return integrations.Pending{}, nil
	}
	d, err := inv.Starter.Wait(ctx, started.ExecutionArn)
	if err != nil {
		if s, ok := inv.Starter.(Stopper); ok && ctx.Err() != nil {
			// The parent no longer waits: stop the child, without the
			// parent's (ended) context.
			_ = s.Stop(context.WithoutCancel(ctx), started.ExecutionArn, "States.Aborted", "the parent task ended")
		}
		return nil, err
	}
	v2 := p == "sync:2"
	desc := describe(d, v2)
	if d.Status != "SUCCEEDED" {
		return nil, fault.New(fault.TaskFailed, value.EncodeString(desc))
	}
	return desc, nil
}

// startRequest reads the task's parameters: StateMachineArn, Input (a
// JSON value, or JSON text), Name.
func startRequest(t *integrations.Task) (StartRequest, error) {
	params, ok := t.Input.(*value.Object)
	if !ok {
		return StartRequest{}, fault.New(fault.Runtime, "the parameters of states:startExecution must be an object")
	}
	req := StartRequest{Parent: t.Execution}
	for i := 0; i < params.Len(); i++ {
		k, v := params.At(i)
		switch k {
		case "StateMachineArn":
			s, ok := v.(string)
			if !ok {
				return req, fault.New(fault.Runtime, "StateMachineArn must be a string, got "+value.EncodeString(v))
			}
			req.StateMachineArn = s
		case "Name":
			if v == nil {
				continue
			}
			s, ok := v.(string)
			if !ok {
				return req, fault.New(fault.Runtime, "Name must be a string, got "+value.EncodeString(v))
			}
			req.Name = s
		case "Input":
			req.Input = v
		case "TraceHeader":
		default:
			return req, fault.New(fault.Runtime, fmt.Sprintf("the field %q is not supported by Step Functions for states:startExecution", k))
		}
	}
	if req.StateMachineArn == "" {
		return req, stepFunctionsError("ValidationException", "1 validation error detected: Value null at 'stateMachineArn' failed to satisfy constraint: Member must not be null", "ValidationException")
	}
	switch in := req.Input.(type) {
	case nil:
		req.Input = value.NewObject(0)
	case string:
		v, err := value.DecodeString(in)
		if err != nil {
			return req, stepFunctionsError("InvalidExecutionInputException", "Invalid State Machine Execution Input: '"+err.Error()+"'", "InvalidExecutionInput")
		}
		req.Input = v
	}
	return req, nil
}

// StepFunctionsError is a Step Functions API error as the optimized
// integration names it: StepFunctions.<exception>, with the AWS SDK for
// Java 1.x cause format. Starters use it for their errors
// (StateMachineDoesNotExistException, ExecutionAlreadyExistsException, ...).
func StepFunctionsError(exception, message, code string) error {
	return stepFunctionsError(exception, message, code)
}

func stepFunctionsError(exception, message, code string) error {
	return fault.New("StepFunctions."+exception,
		fmt.Sprintf("%s (Service: AWSStepFunctions; Status Code: 400; Error Code: %s; Request ID: %s; Proxy: null)", message, code, requestID()))
}

// requestID is a fixed-format stand-in for the service's request id.
func requestID() string { return "00000000-0000-0000-0000-000000000000" }

// millis is a date as the optimized integration returns it: epoch
// milliseconds (Java's Date serialised by Jackson).
func millis(t time.Time) int64 { return t.UnixMilli() }

// describe returns the .sync result of a description: the members
// DescribeExecution returns, sorted by name, Input and Output as JSON text
// (v2: as JSON values).
func describe(d Description, v2 bool) *value.Object {
	o := value.NewObject(12)
	text := func(name, s string) {
		if !v2 {
			o.Set(name, s)
			return
		}
		v, err := value.DecodeString(s)
		if err != nil {
			o.Set(name, s)
			return
		}
		o.Set(name, v)
	}
	o.Set("ExecutionArn", d.ExecutionArn)
	text("Input", d.Input)
	o.Set("InputDetails", included())
	o.Set("Name", d.Name)
	if d.Status == "SUCCEEDED" {
		text("Output", d.Output)
		o.Set("OutputDetails", included())
	}
	if d.Status != "SUCCEEDED" && d.Status != "RUNNING" {
		if d.Error != "" {
			o.Set("Error", d.Error)
		}
		if d.Cause != "" {
			o.Set("Cause", d.Cause)
		}
	}
	o.Set("StartDate", millis(d.StartDate))
	o.Set("StateMachineArn", d.StateMachineArn)
	o.Set("Status", d.Status)
	if !d.StopDate.IsZero() {
		o.Set("StopDate", millis(d.StopDate))
	}
	keys := append([]string(nil), o.Keys()...)
	sort.Strings(keys)
	out := value.NewObject(len(keys))
	for _, k := range keys {
		v, _ := o.Get(k)
		out.Append(k, v)
	}
	return out
}

func included() *value.Object {
	o := value.NewObject(1)
	o.Append("Included", true)
	return o
}

// sendTask runs aws-sdk:sfn:sendTaskSuccess, sendTaskFailure or
// sendTaskHeartbeat. Its result is {} as the API's; errors are named as the
// aws-sdk integration names them (Sfn.InvalidTokenException, with the AWS
// SDK for Java 2.x cause format, conformance case
// services__aws_sdk_task_service__sfn_send_task_outcome_with_no_such_token).
func (inv *Invoker) sendTask(t *integrations.Task, action string) (any, error) {
	params, ok := t.Input.(*value.Object)
	if !ok {
		return nil, fault.New(fault.Runtime, "the parameters of sfn:"+action+" must be an object")
	}
	str := func(name string) string {
		v, _ := params.Get(name)
		s, _ := v.(string)
		return s
	}
	token := str("TaskToken")
	if token == "" {
		return nil, sfnError("InvalidTokenException", "Invalid Token: 'Invalid token'")
	}
	var err error
	switch action {
	case "sendTaskSuccess":
		var out any
		switch o, _ := params.Get("Output"); o := o.(type) {
		case string:
			v, derr := value.DecodeString(o)
			if derr != nil {
				return nil, sfnError("InvalidOutputException", "Invalid Output: '"+derr.Error()+"'")
			}
			out = v
		default:
			out = o
		}
		err = inv.Tokens.CompleteTask(token, out, nil)
	case "sendTaskFailure":
		err = inv.Tokens.CompleteTask(token, nil, fault.New(str("Error"), str("Cause")))
	case "sendTaskHeartbeat":
		err = inv.Tokens.Heartbeat(token)
	}
	if err != nil {
		var fe *fault.Error
		if errors.As(err, &fe) {
			return nil, fe
		}
		return nil, sfnError("TaskTimedOutException", "Task Timed Out: '"+err.Error()+"'")
	}
	return value.NewObject(0), nil
}

func sfnError(exception, message string) error {
	return fault.New("Sfn."+exception, fmt.Sprintf("%s (Service: Sfn, Status Code: 400, Request ID: %s)", message, requestID()))
}

// ParseStateMachineArn splits arn:PARTITION:states:REGION:ACCOUNT:stateMachine:NAME[:VERSION].
func ParseStateMachineArn(arn string) (region, account, name string, ok bool) {
	p := strings.Split(arn, ":")
	if len(p) < 7 || p[0] != "arn" || p[2] != "states" || p[5] != "stateMachine" || p[6] == "" {
		return "", "", "", false
	}
	return p[3], p[4], p[6], true
}
