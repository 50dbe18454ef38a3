package engine

import (
	"context"
	"errors"
	"fmt"

	"github.com/stepwise/stepwise/asl"
	"github.com/stepwise/stepwise/asl/fault"
	"github.com/stepwise/stepwise/asl/value"
	"github.com/stepwise/stepwise/engine/runtime/local"
	"github.com/stepwise/stepwise/integrations"
	"github.com/stepwise/stepwise/integrations/items"
)

// TestState statuses, as AWS's TestState API names them.
const (
	TestSucceeded   = "SUCCEEDED"
	TestFailed      = "FAILED"
	TestRetriable   = "RETRIABLE"    // the error matched a retrier with attempts left
	TestCaughtError = "CAUGHT_ERROR" // the error matched a catcher
)

// Errors of TestState that keep the state from running at all.
var (
	// ErrUnknownState: no state of the definition has the name asked for.
	ErrUnknownState = errors.New("no such state")
	// ErrNoMock: a Task state needs a mocked result or error (TestState
	// calls no real service unless TestStateOptions.Invoker is set).
	ErrNoMock = errors.New("a Task state needs a mocked result or error")
	// ErrBadMock: the mocked result of a Map or Parallel is not an array
	// (for a Map with a ResultWriter: not an object).
	ErrBadMock = errors.New("the mocked result of a Map or Parallel state must be an array (an object for a Map with a ResultWriter)")
)

// errRetriable stops a TestState run at the first retry.
var errRetriable = errors.New("retriable")

// Mock is what the tested state's invocation returns instead of running:
// the task's result or, with Error set, a failure. For a Map or Parallel
// it replaces the iterations or branches (Result must be an array); for a
// Map with a ResultWriter it is what the writer would return (an object,
// such as {"MapRunArn":...,"ResultWriterDetails":{"Bucket":...,"Key":...}}).
type Mock struct {
	Result any // a value.Value
	Error  string
	Cause  string
}

// TestStateOptions configure TestState.
type TestStateOptions struct {
	Mock *Mock // nil: Task states call Invoker
	// Invoker answers Task states when there is no Mock (nil: a Task state
	// without Mock is ErrNoMock, and Tasks inside a Map or Parallel fail).
	Invoker integrations.Invoker
	// Variables are the workflow variables in scope when the state runs.
	Variables *value.Object
	// Context, when set, is the whole context object ($$) the state reads.
	Context *value.Object
	// RetrierRetryCount is how many retries the matching retrier has made
	// already (AWS's stateConfiguration.retrierRetryCount).
	RetrierRetryCount int
	// Runtime: nil, a local runtime with a virtual clock (a Wait state
	// takes no time).
	Runtime      Runtime
	PayloadLimit int // as in Options
	// MapItemReaderData, when set, is the object a Distributed Map's
	// ItemReader reads, as found in its source (AWS's
	// stateConfiguration.mapItemReaderData): JSON, JSON Lines or CSV text
	// read as the reader's ReaderConfig says.
	MapItemReaderData *string
}

// TestStateResult is the outcome of TestState, shaped like AWS's
// TestStateOutput.
type TestStateResult struct {
	Status     string // TestSucceeded, TestFailed, TestRetriable, TestCaughtError
	Output     *Data  // when SUCCEEDED or CAUGHT_ERROR
	Error      string // when FAILED, RETRIABLE or CAUGHT_ERROR
	Cause      string
	NextState  string // the transition ("" when the state ends the graph or fails)
	Inspection InspectionData
}

// InspectionData is the state's data flow, as TestState's DEBUG inspection
// level reports it. A JSONPath state has the After* stages of JSONPath; a
// JSONata state has AfterArguments (a Task's; AWS leaves it out for a
// Parallel), Result and Variables.
type InspectionData struct {
	Input               any
	AfterInputPath      *Data
	AfterParameters     *Data
	AfterArguments      *Data
	Result              *Data
	AfterResultSelector *Data
	AfterResultPath     *Data
	// Variables are the variables after the state: those given, with the
	// state's assignments applied (nil when there are none).
	Variables    *value.Object
	ErrorDetails *InspectionErrorDetails
	// Map is a Map state's items and settings (nil for other states, and
	// for a Map that failed before its items were known).
	Map *MapInspection
}

// MapInspection is what TestState shows of a mocked Map: its settings as
// evaluated, and its items at each stage before the iterations (which the
// mock stands for). A stage the Map does not have is nil.
type MapInspection struct {
	MaxConcurrency             int64
	ToleratedFailureCount      *int64
	ToleratedFailurePercentage *float64
	// AfterItemsPath is the array of items a JSONPath Map takes from its
	// input (its ItemsPath applied); nil for JSONata and with an ItemReader.
	AfterItemsPath *Data
	// AfterItemsPointer is the array an ItemReader's ReaderConfig.ItemsPointer
	// selects in MapItemReaderData.
	AfterItemsPointer *Data
	// AfterItemSelector is the array of the items after the ItemSelector
	// (or Parameters), one per item.
	AfterItemSelector *Data
	// AfterItemBatcher is the array of the batches the ItemBatcher makes:
	// each a child's input, {"BatchInput":...,"Items":[...]}.
	AfterItemBatcher *Data
}

// InspectionErrorDetails says which retrier or catcher handled the error.
type InspectionErrorDetails struct {
	CatchIndex                  *int
	RetryIndex                  *int
	RetryBackoffIntervalSeconds *int64
}

// testState is the execution's TestState configuration.
type testState struct {
	mocked     bool
	mock       Mock
	context    *value.Object
	retryCount int
	mapIns     *MapInspection // the tested Map's, once its items are known
}

// invoke answers a task with the mock.
func (ts *testState) invoke(_ context.Context, _ *integrations.Task) (any, error) {
	if ts.mock.Error != "" {
		return nil, fault.New(ts.mock.Error, ts.mock.Cause)
	}
	return ts.mock.Result, nil
}

// mockResults stands for a Map's iterations or a Parallel's branches.
func (ts *testState) mockResults() ([]any, error) {
	if ts.mock.Error != "" {
		return nil, &stateError{name: ts.mock.Error, cause: ts.mock.Cause}
	}
	arr, _ := ts.mock.Result.([]any)
	return arr, nil
}

// mockResult stands for a Distributed Map's run: the array of the
// children's outputs or, with a ResultWriter, the writer's object.
func (ts *testState) mockResult() (any, error) {
	if ts.mock.Error != "" {
		return nil, &stateError{name: ts.mock.Error, cause: ts.mock.Cause}
	}
	return ts.mock.Result, nil
}

// TestState runs one state of sm alone on input, as AWS's TestState API
// does: nothing before or after it runs, a Task's invocation is answered
// by the mock, and a failure that a retrier would retry stops at once with
// status RETRIABLE. The error is for problems that keep the state from
// running (ErrUnknownState, ErrNoMock, ErrBadMock, a cancelled ctx); how
// the state ended is in the result.
func TestState(ctx context.Context, sm *asl.StateMachine, stateName string, input any, opts TestStateOptions) (*TestStateResult, error) {
	if sm == nil {
		return nil, errors.New("engine: nil state machine")
	}
	prog, err := Compile(sm)
	if err != nil {
		return nil, err
	}
	n := prog.top.findNode(stateName)
	if n == nil {
		return nil, fmt.Errorf("engine: %w: %q", ErrUnknownState, stateName)
	}
	ts := &testState{context: opts.Context, retryCount: opts.RetrierRetryCount}
	inv := opts.Invoker
	switch s := n.state.(type) {
	case *asl.Task:
		if opts.Mock == nil && inv == nil {
			return nil, fmt.Errorf("engine: state %q: %w", stateName, ErrNoMock)
		}
	case *asl.Map, *asl.Parallel:
		if opts.Mock != nil && opts.Mock.Error == "" && !mockFits(s, opts.Mock.Result) {
			return nil, fmt.Errorf("engine: state %q (%s): %w", stateName, s.Base().Type, ErrBadMock)
		}
	}
	if opts.Mock != nil {
		ts.mocked, ts.mock = true, *opts.Mock
		inv = integrations.InvokerFunc(ts.invoke)
	}
	var objs items.Objects
	if d := opts.MapItemReaderData; d != nil {
		objs = readerData(*d)
	}
	rt := opts.Runtime
	if rt == nil {
		rt = local.New(local.Options{VirtualClock: true, Seed: 1})
	}
	var step *Step
	tracer := TracerFunc(func(_ context.Context, s *Step) {
		if s.Seq == 1 {
			step = s
		}
	})
	ex, err := newExecution(prog, input, Options{Runtime: rt, Invoker: inv, Tracer: tracer, DiscardEvents: true, PayloadLimit: opts.PayloadLimit, Objects: objs})
	if err != nil {
		return nil, fmt.Errorf("engine: %w", err)
	}
	ex.test = ts
	var (
		out  any
		next string
		rerr error
		th   = &thread{}
	)
	th.vars = &th.frame
	if v := opts.Variables; v != nil {
		for i := 0; i < v.Len(); i++ {
			k, x := v.At(i)
			th.vars.set(k, x)
		}
	}
	rt.Exec(ctx, func(ctx context.Context) {
		out, next, rerr = ex.runState(ctx, th, n, input)
	})
	if step == nil || (isAbort(rerr) && !errors.Is(rerr, errRetriable)) {
		if rerr == nil {
			rerr = ctx.Err()
		}
		if rerr == nil {
			rerr = errors.New("the state did not run")
		}
		return nil, fmt.Errorf("engine: %w", rerr)
	}

	res := &TestStateResult{Inspection: InspectionData{
		Input:               step.Input,
		AfterInputPath:      step.AfterInputPath,
		AfterParameters:     step.AfterParameters,
		AfterArguments:      step.AfterArguments,
		Result:              step.Result,
		AfterResultSelector: step.AfterResultSelector,
		AfterResultPath:     step.AfterResultPath,
		Variables:           variablesAfter(opts.Variables, step.Variables),
		Map:                 ts.mapIns,
	}}
	if _, ok := n.state.(*asl.Parallel); ok {
		res.Inspection.AfterArguments = nil
	}
	switch {
	case errors.Is(rerr, errRetriable):
		r := step.Retries[len(step.Retries)-1]
		res.Status, res.Error, res.Cause = TestRetriable, r.Error, r.Cause
		idx, secs := r.Retrier, int64(r.Delay.Seconds())
		res.Inspection.ErrorDetails = &InspectionErrorDetails{RetryIndex: &idx, RetryBackoffIntervalSeconds: &secs}
	case step.Catch != nil:
		res.Status, res.Error, res.Cause = TestCaughtError, step.Catch.Error, step.Catch.Cause
		res.Output, res.NextState = &Data{out}, next
		idx := step.Catch.Catcher
		res.Inspection.ErrorDetails = &InspectionErrorDetails{CatchIndex: &idx}
	case rerr != nil:
		res.Status, res.Error, res.Cause = TestFailed, step.Error, step.Cause
	default:
		res.Status, res.Output, res.NextState = TestSucceeded, &Data{out}, next
	}
	return res, nil
}

// mockFits reports whether a mocked result has the shape the Map or
// Parallel st returns: an array, or an object for a Map with a
// ResultWriter.
func mockFits(st asl.State, result any) bool {
	if m, ok := st.(*asl.Map); ok && m.ResultWriter != nil {
		_, isObject := result.(*value.Object)
		return isObject
	}
	_, isArray := result.([]any)
	return isArray
}

// variablesAfter is the variables given with the assigned ones applied.
func variablesAfter(given, assigned *value.Object) *value.Object {
	if given.Len() == 0 && assigned.Len() == 0 {
		return nil
	}
	var all *value.Object
	if given != nil {
		all = given.ShallowCopy()
	} else {
		all = value.NewObject(assigned.Len())
	}
	for i := 0; i < assigned.Len(); i++ {
		k, v := assigned.At(i)
		all.Set(k, v)
	}
	return all
}
