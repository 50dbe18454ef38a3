package service

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/stepwise/stepwise/asl"
	"github.com/stepwise/stepwise/asl/fault"
	"github.com/stepwise/stepwise/asl/value"
	"github.com/stepwise/stepwise/engine"
	"github.com/stepwise/stepwise/engine/history"
	"github.com/stepwise/stepwise/engine/runtime/temporal"
	"github.com/stepwise/stepwise/engine/service/store"
	"github.com/stepwise/stepwise/integrations"
	"github.com/stepwise/stepwise/integrations/gofunc"
)

// Temporal is the Backend that runs each execution as the workflow
// temporal.WorkflowName ("stepwise.Execution") on a Temporal server, whose
// workers (stepwise worker, or one started in process with
// temporal.Register) interpret it and run its tasks. State machines,
// activities and execution records stay in the service's store.
//
//   - The workflow ID is the execution ARN (the express ARN of an EXPRESS
//     execution). Run starts the workflow, copies the execution's Step
//     Functions history from the workflow's historyPage query into the
//     store as it grows (every PollInterval, and once more at the end) and
//     returns how the workflow ended.
//
//   - After a restart of the service, a RUNNING execution is not resumed
//     here: Run attaches to its workflow, which kept running on Temporal
//     (it starts it again, from the stored checkpoint if any, only when
//     Temporal does not know it).
//
//   - StopExecution cancels the workflow; the execution ends ABORTED with
//     the error and cause given. A shutdown of the service leaves the
//     workflows running.
//
//   - SendTaskSuccess, SendTaskFailure and SendTaskHeartbeat signal the
//     token's workflow (temporal.CompleteTask, temporal.Heartbeat). The
//     service does not see the tokens handed out, since tasks run on the
//     workers: it finds a token's execution by asking the workflows it
//     runs for their live tokens (the query temporal.QueryTokens).
//
//   - Mock test cases ("<stateMachineArn>#<TestCase>") are passed to the
//     workflow: the workers answer the tasks from their own copy of the
//     MockConfigFile (stepwise worker --mocks).
//
//   - Task states on Step Functions activities run when the service's own
//     process runs the worker (InProcessWorker, set by WorkerInvoker): the
//     task activity queues the task for GetActivityTask, as the local
//     backend does, and the workflow waits for its token's signal. The
//     activity check (the worker's checkResource activity) reads the
//     service's store. Without it (workers in other processes cannot
//     reach the service's queue), StartExecution refuses such machines.
//     A queued task is kept in the store until GetActivityTask hands it
//     out: the workflow does not run the task again after a restart of the
//     service, so the service queues it again when it attaches to the
//     workflow (if the workflow still waits for its token). A task handed
//     out before the restart is not queued again; its worker completes it
//     with its token, or it ends by its timeouts, as on AWS.
//
//   - RedriveExecution of a FAILED (TIMED_OUT, ABORTED) execution starts a
//     new run of its workflow under the same workflow ID (the execution
//     ARN: Temporal allows it once the earlier run is closed), from the
//     checkpoint the earlier run reported before entering the state that
//     failed (the query temporal.QueryRedrive, stored by Run when the run
//     ends), with an ExecutionRedriven event whose id follows the stored
//     history. Mock call numbers continue from the earlier run (its
//     per-state call counters, read from the closed workflow when the
//     redrive starts), so a test case's call "1" answers the redriven
//     call of a state whose call "0" failed.
//
//   - The Map Run API (temporal_maprun.go): the workflow keeps its map
//     runs (temporal.QueryMapRuns, QueryMapRunChildren). A map run is
//     recorded in the store when the history copy sees its MapRunStarted
//     event, and again with the workflow's counts when the copy sees a map
//     run end and when the execution ends. DescribeMapRun of a running map
//     run asks the workflow; UpdateMapRun updates it (temporal.UpdateMapRun:
//     the workflow update temporal.UpdateMapRunName, or the signal
//     UpdateMapRunSignal where the server takes no updates); ListExecutions
//     of a map run's children
//     asks it for one page at a time. Children of a map run are not
//     executions of the store: DescribeExecution of one is not served.
//
// Not supported (StartExecution fails with a ValidationException): Task
// states on this service's own API (states:startExecution,
// aws-sdk:sfn:sendTask*), whose tasks the workers cannot reach, and on
// activities without InProcessWorker.
type Temporal struct {
	// Client reaches the Temporal server (required).
	Client client.Client
	// TaskQueue is where the workflows run ("": "stepwise").
	TaskQueue string
	// PollInterval is how often the history of a running execution is
	// copied to the store (0: 500ms).
	PollInterval time.Duration
	// Logger receives the backend's logs (nil: none).
	Logger *slog.Logger
	// InProcessWorker: the workers of TaskQueue run in the service's
	// process with WorkerInvoker, so Task states on activities can be
	// served (see WorkerInvoker). Set by WorkerInvoker.
	InProcessWorker bool

	svc     atomic.Pointer[Service] // the service using the backend (bind)
	mu      sync.Mutex
	running map[string]int // workflow IDs of the runs in progress
}

// DefaultTemporalTaskQueue is the task queue of Temporal when it sets none.
const DefaultTemporalTaskQueue = "stepwise"

// callTimeout bounds one call to the Temporal server made on behalf of an
// API request (a signal, a query).
const callTimeout = 30 * time.Second

// finishBudget is how long the end of a closed execution's history is
// asked for before the execution's end is recorded without it: a worker
// answers by replaying the closed workflow, which can take minutes when
// it is busy with a burst of executions.
const finishBudget = 5 * time.Minute

func (t *Temporal) taskQueue() string {
	if t.TaskQueue == "" {
		return DefaultTemporalTaskQueue
	}
	return t.TaskQueue
}

func (t *Temporal) log() *slog.Logger {
	if t.Logger == nil {
		return discardLogger()
	}
	return t.Logger
}

func (t *Temporal) track(key string) func() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.running == nil {
		t.running = map[string]int{}
	}
	t.running[key]++
	return func() {
		t.mu.Lock()
		defer t.mu.Unlock()
		if t.running[key]--; t.running[key] <= 0 {
			delete(t.running, key)
		}
	}
}

// outcome is how the workflow ended.
type outcome struct {
	res *temporal.ExecutionResult
	err error
}

// Run runs an execution as a workflow (or attaches to it, for a resumed
// run) and waits for its end, copying its history to run.Options.OnEvent.
// When ctx ends, the workflow is cancelled unless run.Detached reports a
// shutdown.
func (t *Temporal) Run(ctx context.Context, run *Run) (*engine.Result, error) {
	if t.Client == nil {
		return nil, errors.New("service: the temporal backend has no client")
	}
	// A stop right after the start does not cut the start short: the
	// workflow starts, then the stop below cancels it and it records the
	// abort (a start cut short left no history, and an error in the log).
	wr, err := t.start(ctx, run)
	if err != nil {
		return nil, fmt.Errorf("service: starting the workflow of %s: %w", run.Key, err)
	}
	defer t.track(run.Key)()
	rctx, rcancel := context.WithCancel(context.Background())
	defer rcancel()
	if run.Resumed && t.InProcessWorker {
		// Activity tasks queued before a restart of the service.
		go func() {
			live := func(ctx context.Context) ([]string, error) { return temporal.LiveTokens(ctx, t.Client, run.Key) }
			s := t.service(rctx)
			if s == nil {
				return
			}
			if err := s.requeueActivities(rctx, run.Key, live); err != nil && rctx.Err() == nil {
				t.log().Error("queueing the activity tasks of a resumed execution again", "execution", run.Key, "error", err)
			}
		}()
	}
	done := make(chan outcome, 1)
	go func() {
		res, err := temporal.Result(rctx, wr)
		done <- outcome{res, err}
	}()
	h := &historyCopy{c: t.Client, id: run.Key, onEvent: run.Options.OnEvent}
	mr := t.newMapRunCopy(run)
	if mr != nil {
		h.onEvent = mr.onEvent
	}
	every := t.PollInterval
	if every <= 0 {
		every = 500 * time.Millisecond
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case o := <-done:
			return t.finish(run, h, mr, o)
		case <-tick.C:
			qctx, cancel := context.WithTimeout(ctx, callTimeout)
			if err := h.pull(qctx); err != nil && ctx.Err() == nil {
				t.log().Debug("copying the history of an execution", "execution", run.Key, "error", err)
			}
			if err := mr.sync(qctx, false); err != nil && ctx.Err() == nil {
				t.log().Debug("recording the map runs of an execution", "execution", run.Key, "error", err)
			}
			cancel()
		case <-ctx.Done():
			if run.Detached != nil && run.Detached() {
				// Shutting down: the workflow keeps running on Temporal;
				// the next start attaches to it.
				return nil, fmt.Errorf("service: %s: %w", run.Key, ctx.Err())
			}
			cctx, cancel := context.WithTimeout(context.Background(), callTimeout)
			err := t.Client.CancelWorkflow(cctx, run.Key, "")
			cancel()
			if err != nil {
				var nf *serviceerror.NotFound
				if !errors.As(err, &nf) {
					return nil, fmt.Errorf("service: cancelling the workflow of %s: %w", run.Key, err)
				}
			}
			return t.finish(run, h, mr, <-done)
		}
	}
}

// startAttempts bounds how many times start asks Temporal to start an
// execution's workflow when it does not answer in time or is overloaded.
const startAttempts = 6

// start starts (or attaches to) the workflow of run. The execution's start
// was acknowledged already, so a Temporal that does not answer in time or
// sheds load is asked again, with growing pauses, rather than the
// execution failed; a start that went through although its answer was
// lost is attached to.
func (t *Temporal) start(ctx context.Context, run *Run) (client.WorkflowRun, error) {
	for attempt := 1; ; attempt++ {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), callTimeout)
		wr, err := t.startOrAttach(sctx, run)
		var started *serviceerror.WorkflowExecutionAlreadyStarted
		if attempt > 1 && errors.As(err, &started) {
			wr, err = t.Client.GetWorkflow(sctx, run.Key, ""), nil
		}
		cancel()
		if err == nil || !transientStartError(err) || attempt == startAttempts {
			return wr, err
		}
		t.log().Warn("starting the workflow of an execution: asking again", "execution", run.Key, "attempt", attempt, "error", err)
		time.Sleep(time.Duration(attempt) * time.Second)
	}
}

// transientStartError reports whether a failed start may succeed when
// asked again: Temporal did not answer in time, or was overloaded or
// unreachable for a moment.
func transientStartError(err error) bool {
	var (
		unavailable *serviceerror.Unavailable
		exhausted   *serviceerror.ResourceExhausted
		deadline    *serviceerror.DeadlineExceeded
	)
	return errors.Is(err, context.DeadlineExceeded) || errors.As(err, &unavailable) || errors.As(err, &exhausted) || errors.As(err, &deadline)
}

// finish copies the rest of the history and converts the workflow's
// result.
func (t *Temporal) finish(run *Run, h *historyCopy, mr *mapRunCopy, o outcome) (*engine.Result, error) {
	if o.err != nil {
		return nil, fmt.Errorf("service: the workflow of %s: %w", run.Key, o.err)
	}
	// The rest of the history comes from a query, which a worker answers
	// by replaying the closed workflow: under load it can time out, and the
	// execution's end must not be recorded with part of its history
	// missing, so it is asked again.
	var err error
	deadline := time.Now().Add(finishBudget)
	for attempt := 1; ; attempt++ {
		qctx, cancel := context.WithTimeout(context.Background(), callTimeout)
		err = h.pull(qctx)
		cancel()
		if err == nil || time.Now().After(deadline) {
			break
		}
		t.log().Warn("copying the end of an execution's history: asking again", "execution", run.Key, "attempt", attempt, "error", err)
		time.Sleep(min(time.Duration(attempt), 10) * time.Second)
	}
	if err != nil {
		t.log().Error("copying the history of an execution: its last events are missing", "execution", run.Key, "error", err)
	}
	qctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	if err := mr.sync(qctx, true); err != nil {
		t.log().Error("recording the map runs of an execution: their last counts are missing", "execution", run.Key, "error", err)
	}
	if o.res.Status != engine.StatusSucceeded && run.Options.OnCheckpoint != nil {
		// Where a redrive starts again: the checkpoint before the state
		// that failed.
		if p, err := temporal.RedriveFrom(qctx, t.Client, run.Key, ""); err != nil {
			t.log().Error("reading where an execution can be redriven", "execution", run.Key, "error", err)
		} else if len(p.Checkpoint) > 0 {
			cp := &engine.Checkpoint{}
			if err := cp.UnmarshalJSON(p.Checkpoint); err != nil {
				t.log().Error("reading where an execution can be redriven", "execution", run.Key, "error", err)
			} else {
				run.Options.OnCheckpoint(cp)
			}
		}
	}
	res := &engine.Result{Status: o.res.Status, Error: o.res.Error, Cause: o.res.Cause,
		ExecutionArn: o.res.ExecutionArn, StateMachineArn: o.res.StateMachineArn, StartTime: o.res.StartTime, StopTime: o.res.StopTime}
	if res.Status == engine.StatusSucceeded {
		v, err := value.Decode(o.res.Output)
		if err != nil {
			return nil, fmt.Errorf("service: the output of %s: %w", run.Key, err)
		}
		res.Output = v
	}
	return res, nil
}

// startOrAttach starts the execution's workflow, or returns the one that
// runs it already when the run resumes the execution after a restart.
func (t *Temporal) startOrAttach(ctx context.Context, run *Run) (client.WorkflowRun, error) {
	if run.Resumed {
		_, err := t.Client.DescribeWorkflowExecution(ctx, run.Key, "")
		if err == nil {
			t.log().Info("attached to the workflow of a running execution", "execution", run.Key)
			return t.Client.GetWorkflow(ctx, run.Key, ""), nil
		}
		var nf *serviceerror.NotFound
		if !errors.As(err, &nf) {
			return nil, err
		}
		t.log().Warn("the workflow of a running execution is unknown to Temporal: starting it again", "execution", run.Key)
	}
	o := run.Options
	in := temporal.ExecutionInput{
		Definition:       value.EncodeString(run.Machine.Raw),
		Input:            json.RawMessage(value.Encode(run.Input)),
		ExecutionName:    o.ExecutionName,
		StateMachineName: o.StateMachineName,
		Region:           o.Region,
		AccountID:        o.AccountID,
		RoleArn:          o.RoleArn,
		Type:             o.Type,
		StartTime:        o.StartTime,
		PayloadLimit:     o.PayloadLimit,
		MaxHistoryEvents: o.MaxHistoryEvents,
		ExecutionArn:     o.ExecutionArn,
		RedriveCount:     o.RedriveCount,
	}
	if run.MockCase != nil {
		// The mocked responses travel with the execution and the workflow
		// answers them itself: mocked tasks end together, as in process,
		// and workers need no mock file.
		in.Runtime.Mocks = temporal.NewMocks(run.MockCase)
	}
	if o.Resume != nil {
		cp, err := o.Resume.MarshalJSON()
		if err != nil {
			return nil, err
		}
		in.Continuation = &temporal.Continuation{Checkpoint: cp}
		if o.Redrive {
			// The redrive runs the workflow again under its ID (the
			// earlier run is closed); mocked calls go on numbering from
			// where the earlier run stopped.
			in.Redrive = true
			p, err := temporal.RedriveFrom(ctx, t.Client, run.Key, "")
			if err != nil {
				t.log().Warn("reading the task calls of a redriven execution: mock calls are numbered from 0", "execution", run.Key, "error", err)
			} else {
				in.Continuation.Calls = p.Calls
			}
		}
	}
	return temporal.Start(ctx, t.Client, client.StartWorkflowOptions{
		ID:                                       run.Key,
		TaskQueue:                                t.taskQueue(),
		WorkflowExecutionErrorWhenAlreadyStarted: true,
	}, in)
}

// CompleteTask signals a task token's outcome to the execution's workflow.
func (t *Temporal) CompleteTask(key, token string, output any, err error) error {
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	if serr := temporal.CompleteTask(ctx, t.Client, key, token, output, err); serr != nil {
		return fmt.Errorf("service: completing a task of %s: %w", key, serr)
	}
	return nil
}

// Heartbeat signals a heartbeat for a task token to the execution's
// workflow.
func (t *Temporal) Heartbeat(key, token string) error {
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	if err := temporal.Heartbeat(ctx, t.Client, key, token); err != nil {
		return fmt.Errorf("service: heartbeat for %s: %w", key, err)
	}
	return nil
}

// findToken returns the key of the execution whose workflow waits for
// token, or "": it asks the workflows of keys, or every workflow this
// backend runs when keys is nil, at most findConcurrency at a time.
func (t *Temporal) findToken(ctx context.Context, token string, keys []string) string {
	if keys == nil {
		t.mu.Lock()
		keys = make([]string, 0, len(t.running))
		for k := range t.running {
			keys = append(keys, k)
		}
		t.mu.Unlock()
	}
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	found := make(chan string, len(keys))
	sem := make(chan struct{}, findConcurrency)
	var wg sync.WaitGroup
	for _, k := range keys {
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				return
			}
			defer func() { <-sem }()
			toks, err := temporal.LiveTokens(ctx, t.Client, k)
			if err != nil {
				t.log().Debug("querying the task tokens of an execution", "execution", k, "error", err)
				return
			}
			for _, tok := range toks {
				if tok == token {
					found <- k
					cancel()
					return
				}
			}
		}()
	}
	wg.Wait()
	close(found)
	return <-found // "" when closed empty
}

// findConcurrency is how many workflows findToken queries at once.
const findConcurrency = 16

// checkMachine rejects state machines with tasks the workers cannot run.
func (t *Temporal) checkMachine(sm *asl.StateMachine) error {
	res := unsupportedResource(&sm.Graph, t.InProcessWorker)
	if res == "" {
		return nil
	}
	if isActivity(res) {
		return apiErr(errValidation, "the temporal backend does not support the Task resource %s here: activity tasks are queued for GetActivityTask by serve's in-process worker, which is off (--temporal-worker=false), and workers in other processes cannot reach this service's activity queue", res)
	}
	return apiErr(errValidation, "the temporal backend does not support the Task resource %s: this service's own API (states:startExecution, sfn:sendTask*) is only served by the local backend", res)
}

// unsupportedResource returns the first Task resource of g (and of its
// nested graphs) that the Temporal backend cannot run, or "" (activities
// are run when activities is set).
func unsupportedResource(g *asl.Graph, activities bool) string {
	if g == nil {
		return ""
	}
	for _, name := range g.Order {
		switch st := g.States[name].(type) {
		case *asl.Task:
			r := st.Resource
			if (isActivity(r) && !activities) || strings.HasPrefix(r, "arn:aws:states:::states:startExecution") ||
				strings.HasPrefix(r, "arn:aws:states:::aws-sdk:sfn:sendTask") {
				return r
			}
		case *asl.Parallel:
			for _, b := range st.Branches {
				if r := unsupportedResource(b, activities); r != "" {
					return r
				}
			}
		case *asl.Map:
			if r := unsupportedResource(st.ItemProcessor, activities); r != "" {
				return r
			}
		}
	}
	return ""
}

// tokenFinder is a Backend that finds the execution of a task token the
// service did not see handed out (its tasks run elsewhere).
type tokenFinder interface {
	findToken(ctx context.Context, token string, keys []string) string
}

// machineChecker is a Backend that cannot run every state machine.
type machineChecker interface {
	checkMachine(sm *asl.StateMachine) error
}

// backendToken returns the run a task token belongs to, as the backend
// knows it, or nil. A token the store holds (the in-process worker
// stored it when it ran the task) is asked of its own execution's
// workflow only, so it is found right after a restart, while the
// resumed workflows are still replaying; any other is searched for in
// every running workflow.
func (s *Service) backendToken(ctx context.Context, token string) *run {
	f, ok := s.backend.(tokenFinder)
	if !ok {
		return nil
	}
	var keys []string
	if rec, err := s.store.GetTaskToken(ctx, token); err == nil {
		keys = []string{rec.ExecutionArn}
	}
	key := f.findToken(ctx, token, keys)
	if key == "" {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.runs[key]
}

// backendAccepts checks that the backend can run a state machine.
func (s *Service) backendAccepts(sm *asl.StateMachine) error {
	if c, ok := s.backend.(machineChecker); ok {
		return c.checkMachine(sm)
	}
	return nil
}

// historyCopy copies an execution's Step Functions history from its
// workflow's historyPage query.
type historyCopy struct {
	c       client.Client
	id      string
	onEvent func(history.Event)
	mu      sync.Mutex
	next    int // index of the first event not copied yet
}

// historyPageSize is the number of events one query asks for.
const historyPageSize = 1000

// pull copies the events recorded since the last call.
func (h *historyCopy) pull(ctx context.Context) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	for {
		v, err := h.c.QueryWorkflow(ctx, h.id, "", temporal.QueryHistoryPage, temporal.HistoryPageRequest{From: h.next, Limit: historyPageSize})
		if err != nil {
			return fmt.Errorf("querying the history: %w", err)
		}
		var p temporal.HistoryPage
		if err := v.Get(&p); err != nil {
			return fmt.Errorf("reading the history: %w", err)
		}
		var events []json.RawMessage
		if err := json.Unmarshal(p.Events, &events); err != nil {
			return fmt.Errorf("reading the history: %w", err)
		}
		for _, raw := range events {
			ev, err := parseEvent(raw)
			if err != nil {
				return err
			}
			if h.onEvent != nil {
				h.onEvent(ev)
			}
			h.next++
		}
		if p.Next < 0 || len(events) == 0 {
			return nil
		}
	}
}

// parseEvent reads an event in GetExecutionHistory's form; its details
// stay JSON.
func parseEvent(raw json.RawMessage) (history.Event, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil {
		return history.Event{}, fmt.Errorf("service: reading a history event: %w", err)
	}
	var head struct {
		Timestamp       float64 `json:"timestamp"`
		Type            string  `json:"type"`
		ID              int64   `json:"id"`
		PreviousEventID int64   `json:"previousEventId"`
	}
	if err := json.Unmarshal(raw, &head); err != nil {
		return history.Event{}, fmt.Errorf("service: reading a history event: %w", err)
	}
	ev := history.Event{ID: head.ID, PreviousEventID: head.PreviousEventID, Type: head.Type,
		Timestamp: time.UnixMilli(int64(math.Round(head.Timestamp * 1000))).UTC()}
	if d, ok := fields[history.DetailsKey(head.Type)]; ok {
		ev.Details = d
	}
	return ev, nil
}

// WorkerInvoker returns the invoker for a worker that runs in the
// service's process (temporal.Tasks.Invoker): Task states on Step
// Functions activities are queued for GetActivityTask, as by the local
// backend, and left pending for their token; the others go to inner. Its
// resource check (the worker's checkResource activity) fails a Task on
// an activity missing from the service's store.
//
// Set InProcessWorker before New, and start the worker after New (which
// binds the service to the backend) and before Service.Start (which
// resumes the executions whose tasks the worker may run).
func (t *Temporal) WorkerInvoker(inner integrations.Invoker) integrations.Invoker {
	check := func(ctx context.Context, task *integrations.Task) error {
		if !isActivity(task.Resource) {
			if rc, ok := inner.(integrations.ResourceChecker); ok {
				return rc.CheckResource(ctx, task)
			}
			return nil
		}
		s := t.service(ctx)
		if s == nil {
			return nil // Invoke reports it
		}
		if _, err := s.store.GetActivity(ctx, task.Resource); errors.Is(err, store.ErrNotFound) {
			return errors.New("The activity " + task.Resource + " does not exist.") // AWS's words, quoted in the cause
		}
		return nil
	}
	return integrations.CheckedInvoker{Check: check, Invoker: integrations.InvokerFunc(func(ctx context.Context, task *integrations.Task) (any, error) {
		if !isActivity(task.Resource) {
			if inner == nil {
				return nil, gofunc.NotConfigured(task)
			}
			if task.TaskToken != "" {
				// A callback task: its token is stored before the
				// task goes out, so SendTask* find its execution even
				// after a restart of the service.
				if s := t.service(ctx); s != nil {
					if r := s.waitRun(ctx, task.Execution.ExecutionArn); r != nil {
						r.addToken(task)
					}
				}
			}
			return inner.Invoke(ctx, task)
		}
		s := t.service(ctx)
		if s == nil {
			return nil, fault.New(fault.TaskFailed, "the service is not running: activity tasks cannot be queued")
		}
		return s.queueBackendActivity(ctx, task)
	})}
}

// bind tells the backend the service that uses it (New).
func (t *Temporal) bind(s *Service) { t.svc.Store(s) }

// service returns the service using the backend: nil before New has bound
// it (a worker started too early; see WorkerInvoker).
func (t *Temporal) service(context.Context) *Service { return t.svc.Load() }

// launchWait is how long an in-process worker's activity task waits for
// its execution's run to be launched (see queueBackendActivity): after a
// restart, the worker may run a resumed workflow's task before
// Service.Start has launched the run.
const launchWait = 30 * time.Second

// queueBackendActivity queues the task of an activity that a backend's
// worker runs in this process, as dispatchActivity does: its token is the
// execution's (so GetActivityTask hands it out and SendTask* find the
// run) until the outcome is sent or the run ends.
func (s *Service) queueBackendActivity(ctx context.Context, t *integrations.Task) (any, error) {
	if _, err := s.store.GetActivity(ctx, t.Resource); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return nil, fault.New(fault.Runtime, "The activity "+t.Resource+" does not exist.")
		}
		return nil, err
	}
	if t.TaskToken == "" {
		return nil, fault.New(fault.TaskFailed, "the activity task has no task token")
	}
	r := s.waitRun(ctx, t.Execution.ExecutionArn)
	if r == nil {
		return nil, fault.New(fault.TaskFailed, "the execution "+t.Execution.ExecutionArn+" is not running in this service")
	}
	input := value.EncodeString(t.Input)
	// The workflow will not run the task again after a restart of the
	// service: the task is stored until handed out, and requeueActivities
	// queues it again.
	if err := s.store.PutActivityTask(ctx, &store.ActivityTask{Token: t.TaskToken, ExecutionArn: t.Execution.ExecutionArn,
		StateName: t.StateName, ActivityArn: t.Resource, Input: input, Created: time.Now().UTC()}); err != nil {
		return nil, fmt.Errorf("service: queueing the activity task of %s: %w", t.Execution.ExecutionArn, err)
	}
	r.addToken(t)
	s.acts.queue(t.Resource).push(&activityTask{token: t.TaskToken, input: input, stored: true})
	return integrations.Pending{}, nil
}

// requeueActivities queues again, after a restart of the service, the
// stored activity tasks of an execution whose workflow still waits for
// their tokens (live lists them); the others are deleted.
func (s *Service) requeueActivities(ctx context.Context, key string, live func(ctx context.Context) ([]string, error)) error {
	tasks, err := s.store.ActivityTasks(ctx, key)
	if err != nil || len(tasks) == 0 {
		return err
	}
	tokens, err := live(ctx)
	if err != nil {
		return err
	}
	r := s.waitRun(ctx, key)
	if r == nil {
		return fmt.Errorf("service: the execution %s is not running in this service", key)
	}
	for _, at := range tasks {
		if !slices.Contains(tokens, at.Token) {
			s.store.DeleteActivityTask(at.Token)
			continue
		}
		// The token is in the store already (addToken stored it).
		r.liveToken(at.Token, at.StateName)
		s.acts.queue(at.ActivityArn).push(&activityTask{token: at.Token, input: at.Input, stored: true})
	}
	return nil
}

// waitRun returns the run of key, waiting up to launchWait for it to be
// launched, or nil.
func (s *Service) waitRun(ctx context.Context, key string) *run {
	deadline := time.Now().Add(launchWait)
	for {
		s.mu.Lock()
		r := s.runs[key]
		s.mu.Unlock()
		if r != nil || time.Now().After(deadline) {
			return r
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// binder is a Backend that needs the service that uses it.
type binder interface {
	bind(s *Service)
}

var (
	_ binder         = (*Temporal)(nil)
	_ Backend        = (*Temporal)(nil)
	_ tokenFinder    = (*Temporal)(nil)
	_ machineChecker = (*Temporal)(nil)
)
