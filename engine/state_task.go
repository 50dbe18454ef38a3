package engine

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/stepwise/stepwise/asl"
	"github.com/stepwise/stepwise/asl/fault"
	"github.com/stepwise/stepwise/asl/jsonpath"
	"github.com/stepwise/stepwise/asl/value"
	"github.com/stepwise/stepwise/engine/history"
	"github.com/stepwise/stepwise/integrations"
)

// Resource kinds, which decide the task events.
const (
	kindService  = iota // arn:aws:states:::SERVICE:ACTION[.sync|.waitForTaskToken], aws-sdk
	kindLambda          // arn:aws:lambda:...:function:NAME
	kindActivity        // arn:aws:states:...:activity:NAME
)

// resource is a classified Task resource.
type resource struct {
	kind         int
	resourceType string // for service tasks, e.g. "lambda", "aws-sdk:s3"
	name         string // for service tasks, e.g. "invoke", "sendMessage.waitForTaskToken"
	submit       bool   // .sync and .waitForTaskToken record TaskSubmitted
	callback     bool   // .waitForTaskToken: the task needs a token
}

func classify(arn string) resource {
	switch {
	case strings.HasPrefix(arn, "arn:aws:lambda:"):
		return resource{kind: kindLambda}
	case strings.HasPrefix(arn, "arn:aws:states:") && strings.Contains(arn, ":activity:"):
		return resource{kind: kindActivity, callback: true}
	}
	r := resource{kind: kindService}
	rest := strings.TrimPrefix(arn, "arn:aws:states:::")
	if i := strings.LastIndexByte(rest, ':'); i >= 0 {
		r.resourceType, r.name = rest[:i], rest[i+1:]
	} else {
		r.name = rest
	}
	switch {
	case strings.HasSuffix(arn, ".waitForTaskToken"):
		r.submit, r.callback = true, true
	case strings.HasSuffix(arn, ".sync"), strings.HasSuffix(arn, ".sync:2"):
		r.submit = true
		if i := strings.LastIndexByte(rest, ':'); i >= 0 && strings.HasSuffix(rest, ".sync:2") {
			// "states:startExecution.sync:2": the version is part of the name.
			j := strings.LastIndexByte(rest[:i], ':')
			r.resourceType, r.name = rest[:j], rest[j+1:]
		}
	}
	return r
}

// dataLimitName is how the data limit error names a task.
func (r resource) dataLimitName(arn string) string {
	if r.kind == kindService {
		return r.resourceType
	}
	return arn
}

// runTask invokes the task, with Retry and Catch around each attempt: the
// task's body between Parameters and ResultSelector.
func (ex *execution) runTask(ctx context.Context, sc *stateRun, s *asl.Task, in any) (outcome, error) {
	res := sc.n.res
	sc.hasRetry = true
	var rs retryState
	for {
		sc.ctxObj = nil
		sc.token = ""
		if res.callback || res.submit {
			sc.token = ex.rt.UUID()
		}
		params, err := sc.arguments(ctx, s.Parameters, in)
		if err != nil {
			return outcome{}, err
		}
		timeout, err := sc.seconds(ctx, "TimeoutSeconds", s.TimeoutSeconds, s.TimeoutSecondsPath, in)
		if err != nil {
			return outcome{}, err
		}
		heartbeat, err := sc.seconds(ctx, "HeartbeatSeconds", s.HeartbeatSeconds, s.HeartbeatSecondsPath, in)
		if err != nil {
			return outcome{}, err
		}
		creds, err := sc.credentials(ctx, s, in)
		if err != nil {
			return outcome{}, err
		}
		result, err := ex.invoke(ctx, sc, s, res, params, timeout, heartbeat, creds)
		if err == nil && ctx.Err() != nil {
			err = ctx.Err()
		}
		if isAbort(err) {
			ex.emit(sc.th, "TaskStateAborted", nil)
			return outcome{}, err
		}
		if err == nil {
			return outcome{result: result}, nil
		}
		retry, o, err := sc.recover(ctx, &sc.n.recovery, &rs, err.(*stateError))
		if retry {
			continue
		}
		return o, err
	}
}

// seconds evaluates TimeoutSeconds/HeartbeatSeconds (field): the literal,
// the JSONPath ...Path, or the JSONata expression.
func (sc *stateRun) seconds(ctx context.Context, field string, lit *int64, p *jsonpath.Path, in any) (int64, error) {
	if lit != nil {
		return *lit, nil
	}
	if jp := sc.n.jp; jp != nil {
		t := jp.timeout
		if field == "HeartbeatSeconds" {
			t = jp.heartbeat
		}
		if t == nil {
			return 0, nil
		}
		v, err := sc.evalJSONata(ctx, t, field, sc.states(in, nil, false, nil))
		if err != nil {
			return 0, err
		}
		n, ok := intValue(v)
		if _, isStr := v.(string); isStr || !ok || n <= 0 {
			return 0, sc.typeErr(t, field, "integer", v)
		}
		return n, nil
	}
	if p == nil {
		return 0, nil
	}
	v, err := sc.evalPath(p, in)
	if err != nil {
		return 0, err
	}
	n, ok := intValue(v)
	if !ok || n <= 0 {
		return 0, sc.runtimeErr("The value of the field '" + p.String() + "' must be a positive integer: " + describe(v))
	}
	return n, nil
}

// credentials evaluates the Task's Credentials (nil when not set).
func (sc *stateRun) credentials(ctx context.Context, s *asl.Task, in any) (any, error) {
	switch {
	case sc.n.jp != nil && sc.n.jp.credentials != nil:
		return sc.evalJSONata(ctx, sc.n.jp.credentials, "Credentials", sc.states(in, nil, false, nil))
	case s.CredentialsTemplate != nil:
		return sc.template(s.CredentialsTemplate, in)
	}
	return s.Credentials, nil
}

// invoke records the scheduled and started events, runs the task through
// the runtime and records its outcome. Errors are *stateError, or an abort.
func (ex *execution) invoke(ctx context.Context, sc *stateRun, s *asl.Task, res resource, params any, timeout, heartbeat int64, creds any) (any, error) {
	th := sc.th
	var credDetails *history.TaskCredentials
	if o, ok := creds.(*value.Object); ok {
		if r, ok := o.Get("RoleArn"); ok {
			credDetails = &history.TaskCredentials{RoleArn: describe(r)}
		}
	}
	t := &integrations.Task{
		StateName:        s.Name,
		Resource:         s.Resource,
		Input:            params,
		TaskToken:        sc.token,
		TimeoutSeconds:   timeout,
		HeartbeatSeconds: heartbeat,
		Credentials:      creds,
		Attempt:          sc.retryCount,
		Execution:        sc.taskExecution(),
	}
	if err := ex.rt.CheckTask(ctx, ex.opts.Invoker, t); err != nil {
		return nil, sc.runtimeErr(err.Error())
	}
	switch res.kind {
	case kindLambda:
		ex.emit(th, "LambdaFunctionScheduled", &history.LambdaFunctionScheduledEventDetails{
			Resource: s.Resource, Input: history.Payload{Value: params}, TimeoutInSeconds: timeout, TaskCredentials: credDetails,
		})
		ex.emit(th, "LambdaFunctionStarted", nil)
	case kindActivity:
		ex.emit(th, "ActivityScheduled", &history.ActivityScheduledEventDetails{
			Resource: s.Resource, Input: history.Payload{Value: params}, TimeoutInSeconds: timeout, HeartbeatInSeconds: heartbeat,
		})
		ex.emit(th, "ActivityStarted", &history.ActivityStartedEventDetails{})
	default:
		ex.emit(th, "TaskScheduled", &history.TaskScheduledEventDetails{
			ResourceType: res.resourceType, Resource: res.name, Region: ex.opts.Region,
			Parameters: history.Payload{Value: params}, TimeoutInSeconds: timeout, HeartbeatInSeconds: heartbeat,
			TaskCredentials: credDetails,
		})
		ex.emit(th, "TaskStarted", &history.TaskStartedEventDetails{ResourceType: res.resourceType, Resource: res.name})
	}
	started := ex.rt.Now()
	out, err := ex.rt.Invoke(ctx, ex.opts.Invoker, t)
	pending := false
	switch out.(type) {
	case integrations.Pending, *integrations.Pending:
		pending = err == nil
	}
	aborted := err != nil && !isFault(err) && ctx.Err() != nil
	if res.submit && !aborted {
		ex.emit(th, "TaskSubmitted", &history.TaskSubmittedEventDetails{
			ResourceType: res.resourceType, Resource: res.name, Output: history.Payload{Value: value.NewObject(0)},
		})
	}
	if pending {
		var left time.Duration
		if timeout > 0 {
			left = started.Add(secondsDuration(timeout)).Sub(ex.rt.Now())
			if left <= 0 {
				left = time.Nanosecond
			}
		}
		out, err = ex.rt.AwaitTask(ctx, sc.token, left, secondsDuration(heartbeat))
	}
	if err != nil && !isFault(err) && ctx.Err() != nil {
		return nil, err
	}
	var se *stateError
	if err != nil {
		se = taskError(err)
	} else if tooLarge(out, ex.limit) {
		se = dataLimit(res.dataLimitName(s.Resource))
	}
	if se != nil {
		timedOut := se.name == fault.Timeout || se.name == fault.HeartbeatTimeout
		switch res.kind {
		case kindLambda:
			typ := "LambdaFunctionFailed"
			if timedOut {
				typ = "LambdaFunctionTimedOut"
			}
			ex.emit(th, typ, &history.ErrorDetails{Error: se.name, Cause: se.cause})
		case kindActivity:
			typ := "ActivityFailed"
			if timedOut {
				typ = "ActivityTimedOut"
			}
			ex.emit(th, typ, &history.ErrorDetails{Error: se.name, Cause: se.cause})
		default:
			typ := "TaskFailed"
			if timedOut {
				typ = "TaskTimedOut"
			}
			ex.emit(th, typ, &history.TaskErrorEventDetails{ResourceType: res.resourceType, Resource: res.name, Error: se.name, Cause: se.cause})
		}
		return nil, se
	}
	switch res.kind {
	case kindLambda:
		ex.emit(th, "LambdaFunctionSucceeded", &history.OutputEventDetails{Output: history.Payload{Value: out}})
	case kindActivity:
		ex.emit(th, "ActivitySucceeded", &history.OutputEventDetails{Output: history.Payload{Value: out}})
	default:
		ex.emit(th, "TaskSucceeded", &history.TaskSucceededEventDetails{ResourceType: res.resourceType, Resource: res.name, Output: history.Payload{Value: out}})
	}
	return out, nil
}

// taskError converts an invoker's error: a *fault.Error keeps its name,
// anything else is States.TaskFailed.
func taskError(err error) *stateError {
	var fe *fault.Error
	if errors.As(err, &fe) {
		return &stateError{name: fe.Name, cause: fe.Cause}
	}
	var se *stateError
	if errors.As(err, &se) {
		return se
	}
	return &stateError{name: fault.TaskFailed, cause: err.Error()}
}
