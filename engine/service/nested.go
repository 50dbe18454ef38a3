package service

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/stepwise/stepwise/asl/fault"
	"github.com/stepwise/stepwise/asl/value"
	"github.com/stepwise/stepwise/engine"
	"github.com/stepwise/stepwise/engine/service/store"
	"github.com/stepwise/stepwise/integrations/nested"
)

// expressRetention is how long the outcome of an EXPRESS child (which the
// store does not keep) stays available to Wait once it ended.
const expressRetention = time.Minute

// expressChild is an EXPRESS execution started by a Task.
type expressChild struct {
	r    *run
	desc nested.Description // what is known at the start
}

// Nested runs nested executions on a Service: it is the service's
// nested.Starter, nested.Stopper and nested.TaskCompleter (the Service
// itself cannot be one: its Start resumes executions). A Task state on
// arn:aws:states:::states:startExecution (request-response, .sync, .sync:2,
// .waitForTaskToken) starts an execution of this service, and one on
// arn:aws:states:::aws-sdk:sfn:sendTaskSuccess, sendTaskFailure or
// sendTaskHeartbeat completes a task token of this service: a run's
// invoker hands them to an integrations/nested Invoker over Nested after
// mocks and activities, before Options.Invoker.
//
// A child is an ordinary execution: StartExecution's path starts it (so it
// is stored, listed, described, and idempotent by name), its ARN is
// arn:aws:states:REGION:ACCOUNT:execution:MACHINE:NAME.
//
// After a restart the parent's interrupted Task is invoked again and asks
// for its child again:
//   - with a Name, StartExecution's idempotency (same name, same input,
//     the child still RUNNING) answers with the child started before the
//     restart, and the parent waits for it. A child that already closed
//     (it was resumed before its parent and ended, or ended as the server
//     stopped) is taken as the parent's own when the parent is a resumed
//     run and the child has the same state machine, input and test case
//     and started between the parent's start and its resumption; the API
//     (and AWS) would answer ExecutionAlreadyExists. (A .waitForTaskToken
//     parent given such a child waits for a token the child already
//     answered before the restart: bound it with TimeoutSeconds.)
//   - without a Name, the name is a new UUID, as on AWS: the parent starts
//     a second child and waits for it; the first one runs on unwatched (its
//     outcome is ignored, and a .waitForTaskToken parent takes whichever
//     child answers first). Give children a Name (for instance derived
//     from $$.Execution.Name) to make them survive restarts.
//     Inputs computed afresh on each invocation (States.UUID()) defeat the
//     idempotency in the same way.
type Nested struct{ s *Service }

// Nested returns the service's starter of nested executions.
func (s *Service) Nested() *Nested { return &Nested{s: s} }

var (
	_ nested.Starter       = (*Nested)(nil)
	_ nested.Stopper       = (*Nested)(nil)
	_ nested.TaskCompleter = (*Nested)(nil)
)

// notifyLocked wakes the nested Waits on executions that were not running
// in this process: a run was launched or a stop was recorded. s.mu is held.
func (s *Service) notifyLocked() {
	if s.changed != nil {
		close(s.changed)
		s.changed = nil
	}
}

// changedLocked returns the channel notifyLocked closes next. s.mu is held.
func (s *Service) changedLocked() <-chan struct{} {
	if s.changed == nil {
		s.changed = make(chan struct{})
	}
	return s.changed
}

// Start starts an execution as the StartExecution API does. Its errors are
// named as the optimized integration names them
// (StepFunctions.StateMachineDoesNotExistException, ...).
func (n *Nested) Start(ctx context.Context, req nested.StartRequest) (nested.StartResult, error) {
	s := n.s
	input := "{}"
	if req.Input != nil {
		input = value.EncodeString(req.Input)
	}
	// A parent cancelled meanwhile does not interrupt the start half-way
	// (its Wait ends at once and the invoker stops the child).
	out, r, err := s.start(context.WithoutCancel(ctx), &startExecutionIn{StateMachineArn: req.StateMachineArn, Name: req.Name, Input: &input})
	if err != nil {
		var ae *APIError
		if errors.As(err, &ae) && ae.Type == errExecutionAlreadyExists {
			if res, ok := n.resumedChild(ctx, req, input); ok {
				return res, nil
			}
		}
		return nested.StartResult{}, startError(err)
	}
	res := nested.StartResult{ExecutionArn: out.ExecutionArn, StartDate: time.Time(*out.StartDate)}
	if r != nil && r.ex == nil {
		n.trackExpress(r, req, input, res)
	}
	return res, nil
}

// trackExpress keeps an EXPRESS child for Wait: until Wait collects its
// outcome, or expressRetention after it ended.
func (n *Nested) trackExpress(r *run, req nested.StartRequest, input string, res nested.StartResult) {
	s := n.s
	smArn, _, _ := strings.Cut(req.StateMachineArn, "#")
	name := req.Name
	if a, ok := parseARN(res.ExecutionArn, arnExpress); ok {
		name = a.execution
	}
	c := &expressChild{r: r, desc: nested.Description{
		ExecutionArn: res.ExecutionArn, StateMachineArn: smArn, Name: name, Input: input, StartDate: res.StartDate,
	}}
	s.mu.Lock()
	s.express[res.ExecutionArn] = c
	s.mu.Unlock()
	go func() {
		<-r.done // closed however the run ends, shutdown included
		time.AfterFunc(expressRetention, func() {
			s.mu.Lock()
			if s.express[res.ExecutionArn] == c {
				delete(s.express, res.ExecutionArn)
			}
			s.mu.Unlock()
		})
	}()
}

// resumedChild returns the closed execution a resumed parent's Task asks
// for again: the child it started before the restart (see Nested).
func (n *Nested) resumedChild(ctx context.Context, req nested.StartRequest, input string) (nested.StartResult, bool) {
	s := n.s
	s.mu.Lock()
	parent := s.runs[req.Parent.ExecutionArn]
	s.mu.Unlock()
	if parent == nil || !parent.resumed || parent.ex == nil || req.Name == "" {
		return nested.StartResult{}, false
	}
	smArn, testCase, _ := strings.Cut(req.StateMachineArn, "#")
	rec, err := s.getMachine(ctx, smArn)
	if err != nil {
		return nested.StartResult{}, false
	}
	old, err := s.store.GetExecution(ctx, s.executionARN(rec.Name, req.Name))
	if err != nil || old.Status == engine.StatusRunning || old.StateMachineArn != rec.Arn || old.Input != input ||
		old.TestCase != testCase || old.StartDate.Before(parent.ex.StartDate) || !old.StartDate.Before(parent.started) {
		return nested.StartResult{}, false
	}
	return nested.StartResult{ExecutionArn: old.Arn, StartDate: old.StartDate}, true
}

// Wait blocks until the execution is closed and returns its description.
// It waits on the run in this process; an execution not running here is
// read from the store, and while the store has it RUNNING (it is about to
// be launched or resumed) Wait sleeps until a run is launched or a stop is
// recorded, then looks again. It ends with ctx or when the service shuts
// down.
func (n *Nested) Wait(ctx context.Context, executionArn string) (nested.Description, error) {
	s := n.s
	if _, ok := parseARN(executionArn, arnExpress); ok {
		return n.waitExpress(ctx, executionArn)
	}
	if _, ok := parseARN(executionArn, arnExecution); !ok {
		return nested.Description{}, startError(invalidArn(executionArn, arnExecution))
	}
	for {
		s.mu.Lock()
		r := s.runs[executionArn]
		changed := s.changedLocked()
		s.mu.Unlock()
		if r != nil {
			select {
			case <-r.done:
			case <-ctx.Done():
				return nested.Description{}, fmt.Errorf("service: waiting for %s: %w", executionArn, ctx.Err())
			}
			if r.result == nil {
				return nested.Description{}, fmt.Errorf("service: waiting for %s: %w", executionArn, errShuttingDown)
			}
			return runDescription(r.ex.Arn, r.ex.StateMachineArn, r.ex.Name, r.ex.Input, r.ex.StartDate, r.result), nil
		}
		ex, err := s.store.GetExecution(ctx, executionArn)
		if errors.Is(err, store.ErrNotFound) {
			return nested.Description{}, startError(apiErr(errExecutionDoesNotExist, "Execution Does Not Exist: '%s'", executionArn))
		}
		if err != nil {
			return nested.Description{}, fmt.Errorf("service: waiting for %s: %w", executionArn, err)
		}
		if ex.Status != engine.StatusRunning {
			return storedDescription(ex), nil
		}
		select {
		case <-changed:
		case <-s.shutdown:
			return nested.Description{}, fmt.Errorf("service: waiting for %s: %w", executionArn, errShuttingDown)
		case <-ctx.Done():
			return nested.Description{}, fmt.Errorf("service: waiting for %s: %w", executionArn, ctx.Err())
		}
	}
}

// waitExpress waits for an EXPRESS child.
func (n *Nested) waitExpress(ctx context.Context, executionArn string) (nested.Description, error) {
	s := n.s
	s.mu.Lock()
	c := s.express[executionArn]
	s.mu.Unlock()
	if c == nil {
		return nested.Description{}, startError(apiErr(errExecutionDoesNotExist, "Execution Does Not Exist: '%s'", executionArn))
	}
	select {
	case <-c.r.done:
	case <-ctx.Done():
		return nested.Description{}, fmt.Errorf("service: waiting for %s: %w", executionArn, ctx.Err())
	}
	s.mu.Lock()
	if s.express[executionArn] == c {
		delete(s.express, executionArn)
	}
	s.mu.Unlock()
	if c.r.result == nil {
		return nested.Description{}, fmt.Errorf("service: waiting for %s: %w", executionArn, errShuttingDown)
	}
	d := c.desc
	return runDescription(d.ExecutionArn, d.StateMachineArn, d.Name, d.Input, d.StartDate, c.r.result), nil
}

// runDescription describes an execution from how its run ended.
func runDescription(arn, smArn, name, input string, start time.Time, res *engine.Result) nested.Description {
	d := nested.Description{
		ExecutionArn: arn, StateMachineArn: smArn, Name: name, Status: res.Status, Input: input,
		StartDate: start, StopDate: res.StopTime,
	}
	if res.Status == engine.StatusSucceeded {
		d.Output = value.EncodeString(res.Output)
	} else {
		d.Error, d.Cause = res.Error, res.Cause
	}
	return d
}

// storedDescription describes a stored execution.
func storedDescription(ex *store.Execution) nested.Description {
	return nested.Description{
		ExecutionArn: ex.Arn, StateMachineArn: ex.StateMachineArn, Name: ex.Name, Status: ex.Status,
		Input: ex.Input, Output: ex.Output, Error: ex.Error, Cause: ex.Cause,
		StartDate: ex.StartDate, StopDate: ex.StopDate,
	}
}

// Stop stops a child as StopExecution does (the invoker stops the child of
// a .sync task whose wait ended early). While the service shuts down it
// does nothing: the child stays RUNNING with its parent, and both resume
// on the next start.
func (n *Nested) Stop(ctx context.Context, executionArn, errorName, cause string) error {
	s := n.s
	s.mu.Lock()
	closing := s.closing
	r := s.runs[executionArn]
	s.mu.Unlock()
	if closing {
		return nil
	}
	if _, ok := parseARN(executionArn, arnExpress); ok {
		if r == nil {
			return nil // it ended
		}
		if _, err := r.stop(ctx, errorName, cause); err != nil {
			return fmt.Errorf("service: stopping %s: %w", executionArn, err)
		}
		return nil
	}
	if _, err := s.stopExecution(ctx, &stopExecutionIn{ExecutionArn: executionArn, Error: errorName, Cause: cause}); err != nil {
		return fmt.Errorf("service: stopping %s: %w", executionArn, startError(err))
	}
	return nil
}

// CompleteTask delivers a task token's outcome as SendTaskSuccess (err
// nil) or SendTaskFailure does; errors are named as the aws-sdk:sfn
// integration names them (Sfn.InvalidTokenException,
// Sfn.TaskTimedOutException).
func (n *Nested) CompleteTask(token string, output any, err error) error {
	return sdkError(n.s.completeTask(n.s.ctx, token, output, err, false))
}

// Heartbeat records a heartbeat as SendTaskHeartbeat does.
func (n *Nested) Heartbeat(token string) error {
	return sdkError(n.s.completeTask(n.s.ctx, token, nil, nil, true))
}

// startError names an API error as the optimized integration
// (states:startExecution) does: StepFunctions.<Type>Exception with the AWS
// SDK for Java 1.x cause.
func startError(err error) error {
	var ae *APIError
	if !errors.As(err, &ae) || ae.Status >= 500 {
		return err
	}
	exc := ae.Type
	if !strings.HasSuffix(exc, "Exception") {
		exc += "Exception"
	}
	return nested.StepFunctionsError(exc, ae.Message, ae.Type)
}

// sdkError names an API error as the aws-sdk:sfn integration does:
// Sfn.<Type>Exception with the AWS SDK for Java 2.x cause (the format of
// integrations/nested, which does not export it).
func sdkError(err error) error {
	var ae *APIError
	if err == nil || !errors.As(err, &ae) || ae.Status >= 500 {
		return err
	}
	exc := ae.Type
	if !strings.HasSuffix(exc, "Exception") {
		exc += "Exception"
	}
	return fault.New("Sfn."+exc, ae.Message+" (Service: Sfn, Status Code: 400, Request ID: 00000000-0000-0000-0000-000000000000)")
}
