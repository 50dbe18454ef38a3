package temporal

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/stepwise/stepwise/asl"
	"github.com/stepwise/stepwise/asl/value"
	"github.com/stepwise/stepwise/engine"
	"github.com/stepwise/stepwise/engine/history"
)

// Names under which the workflows, the activity, the signal and the
// queries are registered.
const (
	WorkflowName      = "stepwise.Execution"     // ExecutionWorkflow
	BatchWorkflowName = "stepwise.TaskBatch"     // BatchWorkflow
	ActivityName      = "stepwise.task"          // Tasks.Run
	CheckActivityName = "stepwise.checkResource" // Tasks.CheckResource
	SignalName        = "stepwise.taskToken"     // TaskSignal: a task token's outcome or heartbeat
	QueryHistory      = "history"                // the Step Functions history (JSON array of events)
	QueryStatus       = "status"                 // Status
	QueryHistoryPage  = "historyPage"            // HistoryPageRequest: a HistoryPage
	QueryRedrive      = "redrive"                // RedrivePoint
)

// ExecutionInput starts an execution (ExecutionWorkflow's input).
type ExecutionInput struct {
	// Definition is the state machine, JSON or YAML.
	Definition string
	// Input is the execution input as JSON ("": {}).
	Input json.RawMessage `json:",omitempty"`

	// Names of the execution ("": the workflow ID for the execution name,
	// the engine's defaults for the others).
	ExecutionName    string `json:",omitempty"`
	StateMachineName string `json:",omitempty"`
	Region           string `json:",omitempty"`
	AccountID        string `json:",omitempty"`
	RoleArn          string `json:",omitempty"`
	// Type is "STANDARD" ("") or "EXPRESS".
	Type string `json:",omitempty"`
	// ExecutionArn is engine.Options.ExecutionArn ("": built from the names).
	ExecutionArn string `json:",omitempty"`
	// StartTime is the execution's start time (zero: the workflow's time
	// when it starts).
	StartTime time.Time
	// PayloadLimit is engine.Options.PayloadLimit.
	PayloadLimit int `json:",omitempty"`
	// MaxHistoryEvents is engine.Options.MaxHistoryEvents (0: AWS's
	// 25,000; negative: no limit).
	MaxHistoryEvents int64 `json:",omitempty"`

	// Runtime configures task batching, mocks and randomness.
	Runtime RuntimeOptions
	// ContinueAsNewAfter, when positive, continues the workflow as new at
	// the first top-level checkpoint after a run has recorded this many
	// events, besides when Temporal suggests it (for tests).
	ContinueAsNewAfter int `json:",omitempty"`

	// Continuation is set by a continue-as-new: where the previous run
	// stopped. A redrive also sets it (with Redrive), from the
	// RedrivePoint of the failed workflow.
	Continuation *Continuation `json:",omitempty"`
	// Redrive, with Continuation, records an ExecutionRedriven event
	// first (engine.Options.Redrive); a continue-as-new clears it.
	Redrive bool `json:",omitempty"`
	// RedriveCount is engine.Options.RedriveCount.
	RedriveCount int `json:",omitempty"`
}

// RedrivePoint is the answer to QueryRedrive: where a redrive of the
// execution starts again. Checkpoint is the execution's latest top-level
// engine.Checkpoint (JSON) taken before a state was entered (Entered
// false; nil: none yet), Calls the per-state task call counters so far
// (mocked calls continue their numbering after a redrive).
type RedrivePoint struct {
	Checkpoint json.RawMessage `json:",omitempty"`
	Calls      map[string]int  `json:",omitempty"`
}

// Continuation carries an execution over a continue-as-new.
type Continuation struct {
	// Checkpoint is the engine.Checkpoint (JSON) to resume from.
	Checkpoint json.RawMessage
	// Events are the events recorded by the earlier runs: a JSON array in
	// GetExecutionHistory's form, gzip-compressed.
	Events []byte
	// Calls are the per-state task call counters.
	Calls map[string]int `json:",omitempty"`
	// Runs is the number of runs before this one.
	Runs int
	// MapRuns are the map runs that ended in the earlier runs.
	MapRuns []MapRunState `json:",omitempty"`
}

// ExecutionResult is how an execution ended (ExecutionWorkflow's result;
// for an aborted execution, the details of the workflow's CanceledError).
type ExecutionResult struct {
	Status          string          // SUCCEEDED, FAILED, TIMED_OUT or ABORTED
	Output          json.RawMessage `json:",omitempty"` // when SUCCEEDED
	Error           string          `json:",omitempty"`
	Cause           string          `json:",omitempty"`
	ExecutionArn    string
	StateMachineArn string
	StartTime       time.Time
	StopTime        time.Time
}

// Status is the answer to QueryStatus.
type Status struct {
	Status string // RUNNING, or how the execution ended
	State  string `json:",omitempty"` // the top-level state running or about to run
	Events int64  // events recorded so far
	Runs   int    // continue-as-new runs before this one
}

// HistoryPageRequest asks QueryHistoryPage for at most Limit events from
// index From (0-based). A page also ends past historyPageBytes (it holds
// at least one event), so that it stays below Temporal's 2 MB limit of a
// query's result whatever the size of the events.
type HistoryPageRequest struct {
	From  int
	Limit int
}

// HistoryPage is a part of the history: Events is a JSON array, Next the
// index of the following event (-1: none).
type HistoryPage struct {
	Events json.RawMessage
	Next   int
}

// execState is what the queries read.
type execState struct {
	prev   []json.RawMessage // events of earlier runs
	events []history.Event   // events of this run
	status Status
	can    []byte // the checkpoint to continue from, once decided
	// redrive is the latest top-level checkpoint with Entered false.
	redrive json.RawMessage
	// mapRuns keeps the map runs (maprun.go).
	mapRuns *mapRunBook
}

// historyPageBytes is about the most bytes of events a page holds.
const historyPageBytes = 1 << 20

// historyJSON is the whole history (QueryHistory): Temporal refuses it
// past 2 MB, where QueryHistoryPage (History) answers.
func (s *execState) historyJSON() (json.RawMessage, error) {
	p, err := s.page(HistoryPageRequest{})
	if err != nil {
		return nil, err
	}
	return p.Events, nil
}

// page returns events From.. (Limit <= 0: all).
func (s *execState) page(req HistoryPageRequest) (HistoryPage, error) {
	n := len(s.prev) + len(s.events)
	from := max(0, min(req.From, n))
	to := n
	if req.Limit > 0 {
		to = min(n, from+req.Limit)
	}
	list := make([]json.RawMessage, 0, to-from)
	size := 0
	for i := from; i < to; i++ {
		b := json.RawMessage(nil)
		if i < len(s.prev) {
			b = s.prev[i]
		} else {
			var err error
			if b, err = s.events[i-len(s.prev)].MarshalJSON(); err != nil {
				return HistoryPage{}, err
			}
		}
		if req.Limit > 0 && len(list) > 0 && size+len(b) > historyPageBytes {
			to = i
			break
		}
		size += len(b) + 1
		list = append(list, b)
	}
	data, err := json.Marshal(list)
	if err != nil {
		return HistoryPage{}, err
	}
	next := to
	if to >= n {
		next = -1
	}
	return HistoryPage{Events: data, Next: next}, nil
}

// ExecutionWorkflow interprets a state machine: it is the workflow
// WorkflowName. Tasks run as activities, Wait states on durable timers,
// Parallel branches and Map iterations as coroutines. It answers the
// queries QueryHistory, QueryHistoryPage and QueryStatus, and continues
// as new at a top-level checkpoint when Temporal suggests it.
//
// An execution that ends SUCCEEDED completes the workflow with its
// ExecutionResult. One that ends FAILED or TIMED_OUT fails the workflow
// with a non-retryable application error whose type is the ASL error and
// whose message is the cause (what Temporal's UI and CLI show), and whose
// details are the ExecutionResult. A cancelled workflow ends its execution
// ABORTED and the workflow cancelled (temporal.CanceledError with the
// ExecutionResult as details). An invalid definition or input fails the
// workflow with a non-retryable application error. Result reads all three.
func ExecutionWorkflow(ctx workflow.Context, in ExecutionInput) (*ExecutionResult, error) {
	sm, err := asl.Parse([]byte(in.Definition))
	if err != nil {
		return nil, temporal.NewNonRetryableApplicationError(err.Error(), "InvalidDefinition", nil)
	}
	var input any = value.NewObject(0)
	if len(in.Input) > 0 {
		if input, err = value.Decode(in.Input); err != nil {
			return nil, temporal.NewNonRetryableApplicationError(err.Error(), "InvalidExecutionInput", nil)
		}
	}
	info := workflow.GetInfo(ctx)
	st := &execState{status: Status{Status: engine.StatusRunning}}
	var resume *engine.Checkpoint
	if c := in.Continuation; c != nil {
		resume = &engine.Checkpoint{}
		if err := resume.UnmarshalJSON(c.Checkpoint); err != nil {
			return nil, temporal.NewNonRetryableApplicationError(err.Error(), "InvalidContinuation", nil)
		}
		if st.prev, err = unpackEvents(c.Events); err != nil {
			return nil, temporal.NewNonRetryableApplicationError(err.Error(), "InvalidContinuation", nil)
		}
		st.status.State = resume.State
		st.status.Events = resume.EventCount
		st.status.Runs = c.Runs
		in.Runtime.Calls = c.Calls
		st.redrive = c.Checkpoint
	}
	if err := workflow.SetQueryHandler(ctx, QueryHistory, st.historyJSON); err != nil {
		return nil, err
	}
	if err := workflow.SetQueryHandler(ctx, QueryHistoryPage, st.page); err != nil {
		return nil, err
	}
	if err := workflow.SetQueryHandler(ctx, QueryStatus, func() (Status, error) { return st.status, nil }); err != nil {
		return nil, err
	}
	if in.Runtime.TaskQueue == "" {
		in.Runtime.TaskQueue = info.TaskQueueName
	}
	if in.StartTime.IsZero() {
		in.StartTime = workflow.Now(ctx).UTC().Truncate(time.Millisecond)
	}
	if in.ExecutionName == "" {
		in.ExecutionName = info.WorkflowExecution.ID
	}
	rt := NewRuntime(ctx, in.Runtime)
	rt.stateLabel = func() string { return st.status.State }
	showDetails(ctx, &in, st, rt)
	tokens := trackTokens(rt)
	if err := workflow.SetQueryHandler(ctx, QueryTokens, tokens.tokens); err != nil {
		return nil, err
	}
	if err := workflow.SetQueryHandler(ctx, QueryRedrive, func() (RedrivePoint, error) {
		return RedrivePoint{Checkpoint: st.redrive, Calls: rt.Calls()}, nil
	}); err != nil {
		return nil, err
	}
	var earlier []MapRunState
	if in.Continuation != nil {
		earlier = in.Continuation.MapRuns
	}
	if st.mapRuns, err = watchMapRuns(ctx, rt, earlier); err != nil {
		return nil, err
	}
	resumedAt := st.status.Events
	opts := engine.Options{
		Runtime:          tokens,
		ExecutionName:    in.ExecutionName,
		StateMachineName: in.StateMachineName,
		Region:           in.Region,
		AccountID:        in.AccountID,
		RoleArn:          in.RoleArn,
		StartTime:        in.StartTime,
		PayloadLimit:     in.PayloadLimit,
		MaxHistoryEvents: in.MaxHistoryEvents,
		ExecutionArn:     in.ExecutionArn,
		Type:             in.Type,
		Resume:           resume,
		Redrive:          in.Redrive && resume != nil,
		RedriveCount:     in.RedriveCount,
		MapRuns:          st.mapRuns,
		// A workflow cannot read objects itself (it would not replay): the
		// Runtime reads and writes them through the workers' activities.
		Objects: workerObjects{},
		OnEvent: func(e history.Event) {
			st.events = append(st.events, e)
			st.status.Events = e.ID
		},
		OnCheckpoint: func(cp *engine.Checkpoint) {
			if st.status.State != cp.State {
				st.status.State = cp.State
				showDetails(ctx, &in, st, rt)
			}
			if !cp.Entered {
				// Queries only read it: replays are not affected.
				if b, err := cp.MarshalJSON(); err == nil {
					st.redrive = b
				}
			}
			if cp.Entered || cp.EventCount <= resumedAt {
				return
			}
			suggested := workflow.GetInfo(ctx).GetContinueAsNewSuggested()
			if !suggested && (in.ContinueAsNewAfter <= 0 || len(st.events) < in.ContinueAsNewAfter) {
				return
			}
			b, err := cp.MarshalJSON()
			if err != nil {
				return // keep running in this run
			}
			st.can = b
			rt.wait(func() bool { return false }) // parked until the run ends
		},
	}
	var (
		res    *engine.Result
		runErr error
		done   bool
	)
	workflow.Go(ctx, func(c workflow.Context) {
		res, runErr = engine.Run(Context(c), sm, input, opts)
		done = true
	})
	dctx, _ := workflow.NewDisconnectedContext(ctx)
	_ = workflow.Await(dctx, func() bool { return done || st.can != nil })
	if !done {
		return nil, continueAsNew(ctx, in, st, rt)
	}
	if runErr != nil {
		return nil, temporal.NewNonRetryableApplicationError(runErr.Error(), "EngineError", nil)
	}
	st.status.Status = res.Status
	showDetails(ctx, &in, st, rt)
	out := &ExecutionResult{
		Status:          res.Status,
		Error:           res.Error,
		Cause:           res.Cause,
		ExecutionArn:    res.ExecutionArn,
		StateMachineArn: res.StateMachineArn,
		StartTime:       res.StartTime,
		StopTime:        res.StopTime,
	}
	if res.Status == engine.StatusSucceeded {
		out.Output = value.Encode(res.Output)
	}
	switch {
	case res.Status == engine.StatusAborted && ctx.Err() != nil:
		return nil, temporal.NewCanceledError(out)
	case res.Status == engine.StatusFailed || res.Status == engine.StatusTimedOut:
		return nil, failure(out)
	}
	return out, nil
}

// failure is the workflow's error for an execution that failed or timed
// out: the ASL error as the type, the cause as the message (the error's
// name when there is no cause), the ExecutionResult as details.
func failure(out *ExecutionResult) error {
	msg := out.Cause
	if msg == "" {
		msg = out.Error
	}
	return temporal.NewNonRetryableApplicationError(msg, out.Error, nil, out)
}

// ResultFromError returns the ExecutionResult that the error of a
// workflow run (client.WorkflowRun.Get, or a test environment's
// GetWorkflowError) carries: the details of a failed or timed-out
// execution's application error, or of a cancelled workflow's
// CanceledError. It reports false for any other error.
func ResultFromError(err error) (*ExecutionResult, bool) {
	// Details are read into a pointer: from a payload (a client) as from
	// the *ExecutionResult itself (the test environment).
	var res *ExecutionResult
	var ae *temporal.ApplicationError
	if errors.As(err, &ae) && ae.HasDetails() && ae.Details(&res) == nil && res != nil &&
		(res.Status == engine.StatusFailed || res.Status == engine.StatusTimedOut) {
		return res, true
	}
	var ce *temporal.CanceledError
	if errors.As(err, &ce) {
		res = nil
		if ce.HasDetails() && ce.Details(&res) == nil && res != nil && res.Status != "" {
			return res, true
		}
		return &ExecutionResult{Status: engine.StatusAborted}, true
	}
	return nil, false
}

// continueAsNew returns the error that continues the execution in a new
// run, from st's checkpoint.
func continueAsNew(ctx workflow.Context, in ExecutionInput, st *execState, rt *Runtime) error {
	rt.drainSignals()
	all, err := st.historyJSON()
	if err != nil {
		return err
	}
	packed, err := packEvents(all)
	if err != nil {
		return err
	}
	runs := st.status.Runs + 1
	next := in
	next.Runtime.Calls = nil
	next.Redrive = false // recorded once, by the first run of the redrive
	next.Continuation = &Continuation{Checkpoint: st.can, Events: packed, Calls: rt.Calls(), Runs: runs, MapRuns: st.mapRuns.ended()}
	return workflow.NewContinueAsNewError(ctx, WorkflowName, next)
}

// packEvents gzips a JSON array of events.
func packEvents(all []byte) ([]byte, error) {
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	if _, err := zw.Write(all); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// unpackEvents reads what packEvents wrote, as one raw JSON text per event.
func unpackEvents(packed []byte) ([]json.RawMessage, error) {
	if len(packed) == 0 {
		return nil, nil
	}
	zr, err := gzip.NewReader(bytes.NewReader(packed))
	if err != nil {
		return nil, fmt.Errorf("events: %w", err)
	}
	data, err := io.ReadAll(zr)
	if err != nil {
		return nil, fmt.Errorf("events: %w", err)
	}
	var events []json.RawMessage
	if err := json.Unmarshal(data, &events); err != nil {
		return nil, fmt.Errorf("events: %w", err)
	}
	return events, nil
}
