package temporal

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	enumspb "go.temporal.io/api/enums/v1"

	"github.com/stepwise/stepwise/asl/fault"
	"github.com/stepwise/stepwise/asl/value"
	"github.com/stepwise/stepwise/integrations"
	"github.com/stepwise/stepwise/integrations/items"
	"github.com/stepwise/stepwise/integrations/mock"
)

// TaskRequest is one Task state invocation as it crosses to a worker.
// Values are JSON text written by asl/value, which keeps member order and
// integers apart from floats.
type TaskRequest struct {
	StateName        string
	Resource         string
	Input            json.RawMessage
	TaskToken        string          `json:",omitempty"`
	TimeoutSeconds   int64           `json:",omitempty"`
	HeartbeatSeconds int64           `json:",omitempty"`
	Credentials      json.RawMessage `json:",omitempty"`
	Attempt          int             `json:",omitempty"`
	Execution        integrations.Execution
	// MockTestCase names the MockConfigFile test case that answers the
	// task (see WorkerOptions.Mocks), and Call is the task's call number
	// for it: calls of each state are numbered in the workflow, in the
	// order the interpreter makes them, so that concurrent calls get the
	// same mocked responses as in process.
	MockTestCase     string `json:",omitempty"`
	MockStateMachine string `json:",omitempty"` // "": Execution.StateMachineName
	Call             int    `json:",omitempty"`
}

// task returns the integrations.Task of r.
func (r *TaskRequest) task() (*integrations.Task, error) {
	in, err := value.Decode(r.Input)
	if err != nil {
		return nil, fmt.Errorf("task input: %w", err)
	}
	t := &integrations.Task{
		StateName:        r.StateName,
		Resource:         r.Resource,
		Input:            in,
		TaskToken:        r.TaskToken,
		TimeoutSeconds:   r.TimeoutSeconds,
		HeartbeatSeconds: r.HeartbeatSeconds,
		Attempt:          r.Attempt,
		Execution:        r.Execution,
	}
	if len(r.Credentials) > 0 {
		if t.Credentials, err = value.Decode(r.Credentials); err != nil {
			return nil, fmt.Errorf("task credentials: %w", err)
		}
	}
	return t, nil
}

// TaskResult is what the task activity returns: the task's output, or
// Pending for a callback task whose outcome comes through its token.
type TaskResult struct {
	Output  json.RawMessage `json:",omitempty"`
	Pending bool            `json:",omitempty"`
}

// TaskOutcome is how one task ended, as the batch child workflow reports
// it.
type TaskOutcome struct {
	Output   json.RawMessage `json:",omitempty"`
	Pending  bool            `json:",omitempty"`
	Failed   bool            `json:",omitempty"`
	Canceled bool            `json:",omitempty"`
	Error    string          `json:",omitempty"`
	Cause    string          `json:",omitempty"`
}

// result returns the outcome as the runtime's Invoke returns it.
func (o *TaskOutcome) result() (any, error) {
	if o.Failed {
		return nil, fault.New(o.Error, o.Cause)
	}
	if o.Pending {
		return integrations.Pending{}, nil
	}
	v, err := value.Decode(o.Output)
	if err != nil {
		return nil, fault.New(fault.TaskFailed, "invalid task output: "+err.Error())
	}
	return v, nil
}

// Mocks are the mocked responses of one MockConfigFile test case as they
// travel in the workflow input (RuntimeOptions.Mocks), so that the
// workflow answers mocked tasks itself, deterministically on replay.
type Mocks struct {
	StateMachine string
	TestCase     string
	// States are the mocked responses by state name.
	States map[string]*MockResponse
}

// MockResponse is one mocked response: what each call of a state gives.
type MockResponse struct {
	Name    string
	Entries []MockEntry // sorted by From; ranges do not overlap
}

// MockEntry is what the calls From..To (inclusive, counted from 0) of a
// mocked state give: Return (JSON text written by asl/value), or Throw
// when it is set.
type MockEntry struct {
	From, To int
	Return   json.RawMessage `json:",omitempty"`
	Throw    *MockThrow      `json:",omitempty"`
}

// MockThrow is the error a MockEntry throws.
type MockThrow struct {
	Error string `json:",omitempty"`
	Cause string `json:",omitempty"`
}

// NewMocks returns the mocked responses of a test case, for
// RuntimeOptions.Mocks.
func NewMocks(tc *mock.TestCase) *Mocks {
	m := &Mocks{StateMachine: tc.StateMachine, TestCase: tc.Name, States: map[string]*MockResponse{}}
	for _, state := range tc.States() {
		r, ok := tc.Response(state)
		if !ok || r == nil {
			continue
		}
		mr := &MockResponse{Name: r.Name, Entries: make([]MockEntry, len(r.Entries))}
		for i, e := range r.Entries {
			me := MockEntry{From: e.From, To: e.To}
			if e.Throw != nil {
				me.Throw = &MockThrow{Error: e.Throw.Name, Cause: e.Throw.Cause}
			} else {
				me.Return = value.Encode(e.Return)
			}
			mr.Entries[i] = me
		}
		m.States[state] = mr
	}
	return m
}

// outcome returns what call req.Call of req's state gives, as the mock
// package's Invoker does: a missing entry fails with States.Runtime.
func (m *Mocks) outcome(r *MockResponse, req *TaskRequest) TaskOutcome {
	i := sort.Search(len(r.Entries), func(i int) bool { return r.Entries[i].To >= req.Call })
	if i == len(r.Entries) || r.Entries[i].From > req.Call {
		calls := make([]string, len(r.Entries))
		for i, e := range r.Entries {
			calls[i] = strconv.Itoa(e.From)
			if e.To != e.From {
				calls[i] += "-" + strconv.Itoa(e.To)
			}
		}
		return TaskOutcome{Failed: true, Error: fault.Runtime, Cause: fmt.Sprintf(
			"no mocked response for call %d of state %q: mocked response %q of test case %q defines calls %s",
			req.Call, req.StateName, r.Name, m.TestCase, strings.Join(calls, ", "))}
	}
	e := r.Entries[i]
	if e.Throw != nil {
		return TaskOutcome{Failed: true, Error: e.Throw.Error, Cause: e.Throw.Cause}
	}
	out := e.Return
	if len(out) == 0 {
		out = json.RawMessage("null")
	}
	return TaskOutcome{Output: out}
}

// TaskSignal is the payload of SignalName: the outcome of a task token
// (SendTaskSuccess, SendTaskFailure) or a heartbeat (SendTaskHeartbeat).
type TaskSignal struct {
	Token     string
	Output    json.RawMessage `json:",omitempty"`
	Failed    bool            `json:",omitempty"`
	Error     string          `json:",omitempty"`
	Cause     string          `json:",omitempty"`
	Heartbeat bool            `json:",omitempty"`
}

// BatchInput is the input of the batch child workflow.
type BatchInput struct {
	// Execution is the Execution of every task (each TaskRequest's is
	// left empty, to keep the input small).
	Execution   integrations.Execution
	Tasks       []TaskRequest
	Liveness    time.Duration
	Concurrency int // tasks running at once (0: all)
}

// startTask schedules req as an activity on taskQueue; cancel cancels it.
func startTask(ctx workflow.Context, taskQueue string, liveness time.Duration, req *TaskRequest) (workflow.Future, workflow.CancelFunc) {
	timeout := defaultTaskTimeout
	if req.TimeoutSeconds > 0 {
		timeout = time.Duration(req.TimeoutSeconds) * time.Second
	}
	hb := liveness
	if req.HeartbeatSeconds > 0 {
		hb = time.Duration(req.HeartbeatSeconds) * time.Second
	}
	actx, cancel := workflow.WithCancel(ctx)
	actx = workflow.WithActivityOptions(actx, workflow.ActivityOptions{
		TaskQueue:           taskQueue,
		StartToCloseTimeout: timeout,
		HeartbeatTimeout:    hb,
		RetryPolicy:         &temporal.RetryPolicy{MaximumAttempts: 1},
		Summary:             taskSummary(req),
	})
	return workflow.ExecuteActivity(actx, ActivityName, req), cancel
}

// taskOutcome reads the ready future of a task activity. again reports a
// lost worker (its liveness heartbeats stopped): the task is to run again.
func taskOutcome(ctx workflow.Context, f workflow.Future, req *TaskRequest, lost int) (o TaskOutcome, again bool) {
	var res TaskResult
	err := f.Get(ctx, &res)
	if err == nil {
		return TaskOutcome{Output: res.Output, Pending: res.Pending}, false
	}
	var te *temporal.TimeoutError
	if errors.As(err, &te) {
		if te.TimeoutType() != enumspb.TIMEOUT_TYPE_HEARTBEAT {
			return TaskOutcome{Failed: true, Error: fault.Timeout}, false
		}
		if req.HeartbeatSeconds > 0 {
			return TaskOutcome{Failed: true, Error: fault.HeartbeatTimeout}, false
		}
		if lost < maxWorkerLosses {
			return TaskOutcome{}, true
		}
		return TaskOutcome{Failed: true, Error: fault.TaskFailed, Cause: fmt.Sprintf("the task's worker was lost %d times", lost+1)}, false
	}
	var ae *temporal.ApplicationError
	if errors.As(err, &ae) {
		return TaskOutcome{Failed: true, Error: ae.Type(), Cause: ae.Message()}, false
	}
	var ce *temporal.CanceledError
	if errors.As(err, &ce) {
		return TaskOutcome{Canceled: true}, false
	}
	return TaskOutcome{Failed: true, Error: fault.TaskFailed, Cause: err.Error()}, false
}

// BatchWorkflow runs the tasks of a batch concurrently, each as an
// activity, and returns their outcomes in order. It is registered as
// BatchWorkflowName.
func BatchWorkflow(ctx workflow.Context, in BatchInput) ([]TaskOutcome, error) {
	out := make([]TaskOutcome, len(in.Tasks))
	left := len(in.Tasks)
	for i := range in.Tasks {
		if in.Tasks[i].Execution == (integrations.Execution{}) {
			in.Tasks[i].Execution = in.Execution
		}
	}
	taskQueue := workflow.GetInfo(ctx).TaskQueueName
	sel := workflow.NewSelector(ctx)
	var start func(i, lost int)
	start = func(i, lost int) {
		f, _ := startTask(ctx, taskQueue, in.Liveness, &in.Tasks[i])
		sel.AddFuture(f, func(f workflow.Future) {
			o, again := taskOutcome(ctx, f, &in.Tasks[i], lost)
			if again {
				start(i, lost+1)
				return
			}
			out[i] = o
			left--
		})
	}
	limit := in.Concurrency
	if limit <= 0 || limit > len(in.Tasks) {
		limit = len(in.Tasks)
	}
	next := 0
	for ; next < limit; next++ {
		start(next, 0)
	}
	for left > 0 {
		before := left
		sel.Select(ctx)
		for ; before > left && next < len(in.Tasks); before-- {
			start(next, 0)
			next++
		}
	}
	return out, nil
}

// Tasks runs task activities with an invoker: it is the activity
// ActivityName that workers register (see Register).
type Tasks struct {
	// Invoker answers tasks (Go functions, AWS services, ...).
	Invoker integrations.Invoker
	// Mocks, when set, answers the tasks of executions started with a
	// MockTestCase from that test case (of the execution's state machine
	// name); states the test case does not mock go to Invoker.
	Mocks *mock.Config
	// Objects is the object store of Distributed Maps' ItemReaders and
	// ResultWriters (ReadItems, WriteResults activities); nil: they fail with
	// States.Runtime.
	Objects items.Objects

	streams streams // readers kept open between pages
}

// Run runs one task. Errors are *temporal.ApplicationError whose type is
// the error name (States.TaskFailed for errors that are not a
// *fault.Error) and whose message is the cause; they are not retried
// (Retry is the interpreter's). It heartbeats while the task runs, so a
// lost worker is noticed.
func (a *Tasks) Run(ctx context.Context, req TaskRequest) (*TaskResult, error) {
	t, err := req.task()
	if err != nil {
		return nil, temporal.NewNonRetryableApplicationError(err.Error(), fault.TaskFailed, nil)
	}
	stop := startHeartbeats(ctx)
	defer stop()
	out, err := a.invoke(ctx, &req, t)
	if err != nil {
		var fe *fault.Error
		if errors.As(err, &fe) {
			return nil, temporal.NewNonRetryableApplicationError(fe.Cause, fe.Name, nil)
		}
		if ctx.Err() != nil {
			return nil, err
		}
		return nil, temporal.NewNonRetryableApplicationError(err.Error(), fault.TaskFailed, nil)
	}
	switch out.(type) {
	case integrations.Pending, *integrations.Pending:
		return &TaskResult{Pending: true}, nil
	}
	return &TaskResult{Output: value.Encode(out)}, nil
}

// CheckResource is the activity CheckActivityName: it returns "" when the
// task's resource exists (its state is mocked, or Invoker, as an
// integrations.ResourceChecker, finds it), else why not, in AWS's words.
func (a *Tasks) CheckResource(ctx context.Context, req TaskRequest) (string, error) {
	t, err := req.task()
	if err != nil {
		return "", temporal.NewNonRetryableApplicationError(err.Error(), fault.TaskFailed, nil)
	}
	if tc := a.testCase(&req, t); tc != nil {
		if _, ok := tc.Response(t.StateName); ok {
			return "", nil
		}
	}
	if rc, ok := a.Invoker.(integrations.ResourceChecker); ok {
		if err := rc.CheckResource(ctx, t); err != nil {
			return err.Error(), nil
		}
	}
	return "", nil
}

// testCase returns the mock test case of a request, or nil.
func (a *Tasks) testCase(req *TaskRequest, t *integrations.Task) *mock.TestCase {
	if req.MockTestCase == "" || a.Mocks == nil {
		return nil
	}
	smName := req.MockStateMachine
	if smName == "" {
		smName = t.Execution.StateMachineName
	}
	tc, err := a.Mocks.TestCase(smName, req.MockTestCase)
	if err != nil {
		return nil
	}
	return tc
}

func (a *Tasks) invoke(ctx context.Context, req *TaskRequest, t *integrations.Task) (any, error) {
	if req.MockTestCase != "" && a.Mocks != nil {
		smName := req.MockStateMachine
		if smName == "" {
			smName = t.Execution.StateMachineName
		}
		tc, err := a.Mocks.TestCase(smName, req.MockTestCase)
		if err != nil {
			return nil, fault.New(fault.TaskFailed, err.Error())
		}
		if r, ok := tc.Response(t.StateName); ok {
			e, ok := r.Lookup(req.Call)
			if !ok {
				return nil, fault.New(fault.Runtime, fmt.Sprintf(
					"no mocked response for call %d of state %q: mocked response %q of test case %q has no entry for it",
					req.Call, t.StateName, r.Name, tc.Name))
			}
			if e.Throw != nil {
				return nil, &fault.Error{Name: e.Throw.Name, Cause: e.Throw.Cause}
			}
			return value.Clone(e.Return), nil
		}
	}
	if a.Invoker == nil {
		return nil, fault.New(fault.TaskFailed, "no invoker is configured for resource "+t.Resource)
	}
	return a.Invoker.Invoke(ctx, t)
}

// startHeartbeats heartbeats the activity of ctx until stop is called,
// at a third of its heartbeat timeout.
func startHeartbeats(ctx context.Context) (stop func()) {
	if !activity.IsActivity(ctx) {
		return func() {}
	}
	hb := activity.GetInfo(ctx).HeartbeatTimeout
	if hb <= 0 {
		return func() {}
	}
	every := max(hb/3, 10*time.Millisecond)
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-t.C:
				activity.RecordHeartbeat(ctx)
			}
		}
	}()
	return func() { close(done) }
}
