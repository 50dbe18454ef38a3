// Package children runs nested (child) executions in process: Local is the
// integrations/nested Starter that stepwise run and the Go test API use for
// states:startExecution. It runs the interpreter, so it sits above it, in
// the engine's layer; integrations/nested itself knows no engine.
package children

import (
	"context"
	"crypto/rand"
	"fmt"
	"sync"

	"github.com/stepwise/stepwise/asl"
	"github.com/stepwise/stepwise/asl/value"
	"github.com/stepwise/stepwise/engine"
	"github.com/stepwise/stepwise/engine/runtime/local"
	"github.com/stepwise/stepwise/integrations"
	"github.com/stepwise/stepwise/integrations/nested"
)

// Local is a Starter that runs child executions in process with
// engine.Run. State machines are found by the name in their ARN
// (arn:aws:states:REGION:ACCOUNT:stateMachine:NAME), or by the whole ARN.
// It is safe for concurrent use; set its fields before the first Start.
type Local struct {
	// Machines are the state machines children may run, by name or ARN.
	Machines map[string]*asl.StateMachine
	// Invoker is what the children's Task states call (often the parent's
	// invoker, so that children can nest further and complete tokens).
	Invoker integrations.Invoker
	// Runtime, when set, runs the children (share the parent's to share
	// its clock and task tokens). It must use the real clock: with a
	// virtual clock the parent holds the runtime while a .sync task waits.
	// nil: each child gets a new local runtime with the real clock.
	Runtime engine.Runtime

	mu    sync.Mutex
	execs map[string]*localExec // by execution ARN
}

type localExec struct {
	done   chan struct{}
	cancel context.CancelFunc
	input  string
	desc   nested.Description // complete once done is closed
}

// NewLocal returns a Local for the given state machines.
func NewLocal(machines map[string]*asl.StateMachine, inv integrations.Invoker) *Local {
	return &Local{Machines: machines, Invoker: inv}
}

// Start starts a child execution. An unknown state machine fails with
// StepFunctions.StateMachineDoesNotExistException, a name already used
// with another input with StepFunctions.ExecutionAlreadyExistsException, as
// the API does (starting the same name with the same input returns the
// existing execution).
func (l *Local) Start(ctx context.Context, req nested.StartRequest) (nested.StartResult, error) {
	region, account, smName, ok := nested.ParseStateMachineArn(req.StateMachineArn)
	if !ok {
		return nested.StartResult{}, nested.StepFunctionsError("InvalidArnException", "Invalid Arn: 'Resource type not valid in this context: "+req.StateMachineArn+"'", "InvalidArn")
	}
	sm := l.Machines[req.StateMachineArn]
	if sm == nil {
		sm = l.Machines[smName]
	}
	if sm == nil {
		return nested.StartResult{}, nested.StepFunctionsError("StateMachineDoesNotExistException", "State Machine Does Not Exist: '"+req.StateMachineArn+"'", "StateMachineDoesNotExist")
	}
	if region == "" {
		region = req.Parent.Region
	}
	if account == "" {
		account = req.Parent.AccountID
	}
	name := req.Name
	if name == "" {
		name = newUUID()
	}
	input := req.Input
	if input == nil {
		input = value.NewObject(0)
	}
	inputText := value.EncodeString(input)
	arn := fmt.Sprintf("arn:aws:states:%s:%s:execution:%s:%s", region, account, smName, name)
	smArn := fmt.Sprintf("arn:aws:states:%s:%s:stateMachine:%s", region, account, smName)

	rt := l.Runtime
	if rt == nil {
		rt = local.New(local.Options{})
	}
	start := rt.Now().UTC()

	l.mu.Lock()
	if l.execs == nil {
		l.execs = map[string]*localExec{}
	}
	if ex, ok := l.execs[arn]; ok {
		l.mu.Unlock()
		if ex.input == inputText {
			return nested.StartResult{ExecutionArn: arn, StartDate: ex.desc.StartDate}, nil
		}
		return nested.StartResult{}, nested.StepFunctionsError("ExecutionAlreadyExistsException", "Execution Already Exists: '"+arn+"'", "ExecutionAlreadyExists")
	}
	cctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	ex := &localExec{done: make(chan struct{}), cancel: cancel, input: inputText, desc: nested.Description{
		ExecutionArn: arn, StateMachineArn: smArn, Name: name, Status: engine.StatusRunning, Input: inputText, StartDate: start,
	}}
	l.execs[arn] = ex
	l.mu.Unlock()

	go func() {
		defer cancel()
		res, err := engine.Run(cctx, sm, input, engine.Options{
			Runtime: rt, Invoker: l.Invoker,
			ExecutionName: name, StateMachineName: smName, Region: region, AccountID: account,
			RoleArn: "arn:aws:iam::" + account + ":role/stepwise", StartTime: start, DiscardEvents: true,
		})
		d := ex.desc
		switch {
		case err != nil:
			d.Status, d.Error, d.Cause = engine.StatusFailed, "States.Runtime", err.Error()
		case res.Status == engine.StatusSucceeded:
			d.Status, d.Output = res.Status, value.EncodeString(res.Output)
		default:
			d.Status, d.Error, d.Cause = res.Status, res.Error, res.Cause
		}
		d.StopDate = rt.Now().UTC()
		l.mu.Lock()
		ex.desc = d
		l.mu.Unlock()
		close(ex.done)
	}()
	return nested.StartResult{ExecutionArn: arn, StartDate: start}, nil
}

// Wait waits for a child to end.
func (l *Local) Wait(ctx context.Context, executionArn string) (nested.Description, error) {
	l.mu.Lock()
	ex := l.execs[executionArn]
	l.mu.Unlock()
	if ex == nil {
		return nested.Description{}, nested.StepFunctionsError("ExecutionDoesNotExistException", "Execution Does Not Exist: '"+executionArn+"'", "ExecutionDoesNotExist")
	}
	select {
	case <-ex.done:
	case <-ctx.Done():
		return nested.Description{}, ctx.Err()
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return ex.desc, nil
}

// Stop aborts a running child (its context is cancelled, so it ends
// ABORTED).
func (l *Local) Stop(_ context.Context, executionArn, _, _ string) error {
	l.mu.Lock()
	ex := l.execs[executionArn]
	l.mu.Unlock()
	if ex == nil {
		return nested.StepFunctionsError("ExecutionDoesNotExistException", "Execution Does Not Exist: '"+executionArn+"'", "ExecutionDoesNotExist")
	}
	ex.cancel()
	return nil
}

// Describe returns a child's description as it stands.
func (l *Local) Describe(executionArn string) (nested.Description, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	ex, ok := l.execs[executionArn]
	if !ok {
		return nested.Description{}, false
	}
	return ex.desc, true
}

func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

var _ nested.Stopper = (*Local)(nil)
