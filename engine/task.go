package engine

import (
	"context"
	"errors"
	"math"
	"strings"
	"time"

	"github.com/stepwise/stepwise/asl"
	"github.com/stepwise/stepwise/asl/fault"
	"github.com/stepwise/stepwise/asl/jsonpath"
	"github.com/stepwise/stepwise/asl/template"
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

// runTask: InputPath → Parameters → invoke → ResultSelector → ResultPath →
// OutputPath, with Retry and Catch around the invocation.
func (ex *execution) runTask(ctx context.Context, sc *stateRun, s *asl.Task) (any, string, error) {
	in, err := sc.inputPath()
	if err != nil {
		return nil, "", err
	}
	res := classify(s.Resource)
	sc.hasRetry = true
	var rs retryState
	for {
		sc.ctxObj = nil
		sc.token = ""
		if res.callback || res.submit {
			sc.token = ex.rt.UUID()
		}
		params := in
		if s.Parameters != nil {
			if params, err = sc.template(s.Parameters, in); err != nil {
				return nil, "", err
			}
		}
		if sc.tr != nil {
			sc.tr.AfterParameters = &Data{params}
		}
		timeout, err := sc.seconds(s.TimeoutSeconds, s.TimeoutSecondsPath, in)
		if err != nil {
			return nil, "", err
		}
		heartbeat, err := sc.seconds(s.HeartbeatSeconds, s.HeartbeatSecondsPath, in)
		if err != nil {
			return nil, "", err
		}
		var creds any
		if s.CredentialsTemplate != nil {
			if creds, err = sc.template(s.CredentialsTemplate, in); err != nil {
				return nil, "", err
			}
		} else if s.Credentials != nil {
			creds = s.Credentials
		}
		result, err := ex.invoke(ctx, sc, s, res, params, timeout, heartbeat, creds)
		if err == nil && ctx.Err() != nil {
			err = ctx.Err()
		}
		if isAbort(err) {
			ex.emit(sc.th, "TaskStateAborted", nil)
			return nil, "", err
		}
		if err == nil {
			out, a, err := sc.afterResult(s.ResultSelector, s.ResultPath, s.AssignTemplate, result)
			if err != nil {
				return nil, "", err
			}
			sc.exit(out, a)
			return out, next(&s.Common), nil
		}
		se := err.(*stateError)
		retry, err := ex.handleRetry(ctx, sc, s.Retry, &rs, se)
		if err != nil {
			if isAbort(err) {
				ex.emit(sc.th, "TaskStateAborted", nil)
			}
			return nil, "", err
		}
		if retry {
			continue
		}
		if out, target, ok, err := sc.handleCatch(s.Catch, se); ok || err != nil {
			return out, target, err
		}
		if sc.th.depth > 0 {
			ex.emit(sc.th, "TaskStateAborted", nil)
		}
		return nil, "", se
	}
}

// afterResult applies ResultSelector, ResultPath, OutputPath and evaluates
// Assign (against the selected result).
func (sc *stateRun) afterResult(sel *template.Template, rp *asl.Path, assign *template.Template, result any) (any, assignment, error) {
	if sc.tr != nil {
		sc.tr.Result = &Data{result}
	}
	var err error
	if sel != nil {
		if result, err = sc.template(sel, result); err != nil {
			return nil, assignment{}, err
		}
	}
	if sc.tr != nil {
		sc.tr.AfterResultSelector = &Data{result}
	}
	a, err := sc.evalAssign(assign, result)
	if err != nil {
		return nil, assignment{}, err
	}
	out, err := sc.resultPath(rp, result)
	if err != nil {
		return nil, assignment{}, err
	}
	if sc.tr != nil {
		sc.tr.AfterResultPath = &Data{out}
	}
	if out, err = sc.outputPath(out); err != nil {
		return nil, assignment{}, err
	}
	return out, a, nil
}

// seconds evaluates TimeoutSeconds/HeartbeatSeconds or their Path.
func (sc *stateRun) seconds(lit *int64, p *jsonpath.Path, in any) (int64, error) {
	if lit != nil {
		return *lit, nil
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
		Execution:        ex.taskExec,
	}
	if rc, ok := ex.opts.Invoker.(integrations.ResourceChecker); ok {
		if err := rc.CheckResource(ctx, t); err != nil {
			return nil, sc.runtimeErr(err.Error())
		}
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
			left = started.Add(time.Duration(timeout) * time.Second).Sub(ex.rt.Now())
			if left <= 0 {
				left = time.Nanosecond
			}
		}
		out, err = ex.rt.AwaitTask(ctx, sc.token, left, time.Duration(heartbeat)*time.Second)
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

// matches reports whether an ErrorEquals list matches an error name.
// Beyond fault.Matches, AWS lets States.ALL catch States.DataLimitExceeded
// raised by a task result (error_handling__states_errors__
// task_lambda_catch_state_all_data_limit_exceeded_on_large_utf8_response).
func matches(errorEquals []string, name string) bool {
	if fault.Matches(errorEquals, name) {
		return true
	}
	if name == fault.DataLimitExceeded {
		for _, e := range errorEquals {
			if e == fault.ALL {
				return true
			}
		}
	}
	return false
}

// retryState counts the attempts of each retrier of a state.
type retryState struct {
	counts []int64
}

// handleRetry decides whether the failed attempt is retried and, if so,
// waits for the back-off. AWS uses the first retrier whose ErrorEquals
// matches; when its MaxAttempts are used up the error goes to Catch.
func (ex *execution) handleRetry(ctx context.Context, sc *stateRun, retriers []asl.Retrier, rs *retryState, se *stateError) (bool, error) {
	if se.terminal {
		return false, nil
	}
	for i := range retriers {
		r := &retriers[i]
		if !matches(r.ErrorEquals, se.name) {
			continue
		}
		if rs.counts == nil {
			rs.counts = make([]int64, len(retriers))
			if ex.test != nil {
				for j := range rs.counts {
					rs.counts[j] = int64(ex.test.retryCount)
				}
			}
		}
		if rs.counts[i] >= r.MaxAttempts {
			return false, nil
		}
		rs.counts[i]++
		delay := float64(r.IntervalSeconds) * math.Pow(r.BackoffRate, float64(rs.counts[i]-1))
		if r.MaxDelaySeconds != nil && delay > float64(*r.MaxDelaySeconds) {
			delay = float64(*r.MaxDelaySeconds)
		}
		if r.JitterStrategy == "FULL" {
			delay *= float64(ex.rt.Int63()%1000000) / 1000000
		}
		d := time.Duration(delay * float64(time.Second))
		if sc.tr != nil {
			sc.tr.Retries = append(sc.tr.Retries, Retry{Retrier: i, Attempt: int(rs.counts[i]), Error: se.name, Cause: se.cause, Delay: d})
		}
		if ex.test != nil {
			return false, errRetriable
		}
		if err := ex.rt.Sleep(ctx, d); err != nil {
			return false, err
		}
		sc.retryCount++
		return true, nil
	}
	return false, nil
}

// handleCatch routes an error to the first matching catcher: the output is
// the raw input with the error output placed by the catcher's ResultPath.
func (sc *stateRun) handleCatch(catchers []asl.Catcher, se *stateError) (any, string, bool, error) {
	if se.terminal {
		return nil, "", false, nil
	}
	for i := range catchers {
		c := &catchers[i]
		if !matches(c.ErrorEquals, se.name) {
			continue
		}
		errOut := value.NewObject(2)
		// A failure without an error name reports both as null; a named
		// error without a cause (a timeout) reports an empty cause.
		if se.name == "" && se.cause == "" {
			errOut.Append("Error", nil)
			errOut.Append("Cause", nil)
		} else {
			errOut.Append("Error", se.name)
			errOut.Append("Cause", se.cause)
		}
		a, err := sc.evalAssign(c.AssignTemplate, errOut)
		if err != nil {
			return nil, "", true, err
		}
		out, err := sc.resultPath(c.ResultPath, errOut)
		if err != nil {
			return nil, "", true, err
		}
		if sc.tr != nil {
			rp := ""
			if c.ResultPath != nil {
				rp = c.ResultPath.Text
			}
			sc.tr.Catch = &Catch{Catcher: i, Error: se.name, Cause: se.cause, ErrorOutput: errOut, ResultPath: rp, Next: c.Next}
			sc.tr.AfterResultPath = &Data{out}
		}
		sc.exit(out, a)
		return out, c.Next, true, nil
	}
	return nil, "", false, nil
}
