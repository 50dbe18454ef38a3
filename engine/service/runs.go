package service

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/stepwise/stepwise/asl"
	"github.com/stepwise/stepwise/asl/fault"
	"github.com/stepwise/stepwise/asl/value"
	"github.com/stepwise/stepwise/engine"
	"github.com/stepwise/stepwise/engine/history"
	"github.com/stepwise/stepwise/engine/service/store"
	"github.com/stepwise/stepwise/integrations"
	"github.com/stepwise/stepwise/integrations/gofunc"
	"github.com/stepwise/stepwise/integrations/mock"
)

// errShuttingDown: the service no longer starts executions.
var errShuttingDown = &APIError{Type: "ServiceUnavailable", Message: "the server is shutting down", Status: 503}

// run is an execution running in this process.
type run struct {
	s       *Service
	key     string           // the execution ARN
	ex      *store.Execution // nil for an EXPRESS execution (nothing is stored)
	smName  string
	started time.Time
	// resumed: the run continues an execution after a restart (its
	// interrupted Task is invoked again).
	resumed  bool
	testCase string         // the mock test case's name
	mockCase *mock.TestCase // and the test case itself

	ctx    context.Context
	cancel context.CancelFunc
	// detached: the service is shutting down; nothing more is recorded,
	// and the execution stays RUNNING in the store.
	detached atomic.Bool
	done     chan struct{}
	result   *engine.Result // how it ended, once done is closed
	// nestedCalls are the nested-execution tasks in progress; the run ends
	// after them (see run.run).
	nestedCalls sync.WaitGroup

	mu        sync.Mutex
	stopped   bool // StopExecution asked for it
	stopError string
	stopCause string
	entered   map[string]int64  // the last entered event id of each state
	tokens    map[string]string // live task tokens → their state
	redriveCP []byte            // the last checkpoint before a top-level state was entered

	logger *execLogger // writes its log events (nil: logging is off)
}

// durable is what the store keeps as an execution's checkpoint: where a
// restart resumes it and where a redrive restarts it.
type durable struct {
	Resume  json.RawMessage `json:"resume,omitempty"`
	Redrive json.RawMessage `json:"redrive,omitempty"`
}

// encode writes the JSON object by hand: the checkpoints are JSON already,
// and re-encoding them on every state would cost more than the rest.
func (d *durable) encode() []byte {
	b := make([]byte, 0, len(d.Resume)+len(d.Redrive)+24)
	b = append(b, '{')
	if len(d.Resume) > 0 {
		b = append(b, `"resume":`...)
		b = append(b, d.Resume...)
	}
	if len(d.Redrive) > 0 {
		if len(b) > 1 {
			b = append(b, ',')
		}
		b = append(b, `"redrive":`...)
		b = append(b, d.Redrive...)
	}
	return append(b, '}')
}

func decodeDurable(b []byte) (*durable, error) {
	d := &durable{}
	if len(b) == 0 {
		return d, nil
	}
	if err := json.Unmarshal(b, d); err != nil {
		return nil, fmt.Errorf("service: reading a checkpoint: %w", err)
	}
	return d, nil
}

func decodeCheckpoint(raw json.RawMessage) (*engine.Checkpoint, error) {
	if len(raw) == 0 {
		return nil, nil
	}
	cp := &engine.Checkpoint{}
	if err := json.Unmarshal(raw, cp); err != nil {
		return nil, fmt.Errorf("service: reading a checkpoint: %w", err)
	}
	return cp, nil
}

// newRun prepares a run of an execution.
func (s *Service) newRun(key string, ex *store.Execution, smName string) *run {
	r := &run{s: s, key: key, ex: ex, smName: smName, started: time.Now(), done: make(chan struct{}),
		entered: map[string]int64{}, tokens: map[string]string{}}
	r.ctx, r.cancel = context.WithCancel(s.ctx)
	return r
}

// launch starts a run on the backend. opts carries what is particular to
// this run (Resume, Redrive, RedriveCount, StartTime).
func (s *Service) launch(r *run, sm *asl.StateMachine, input any, testCase *mock.TestCase, opts engine.Options, seed int64) error {
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		r.cancel()
		return errShuttingDown
	}
	s.runs[r.key] = r
	s.notifyLocked() // a nested Wait may be waiting for the run to appear
	s.wg.Add(1)
	s.mu.Unlock()

	opts.Invoker = r.invoker(testCase)
	opts.Objects = s.opts.Objects
	if testCase != nil {
		r.testCase, r.mockCase = testCase.Name, testCase
	}
	opts.StateMachineName = r.smName
	opts.Region, opts.AccountID = s.region, s.account
	opts.DiscardEvents = true
	opts.OnEvent = r.onEvent
	if r.ex != nil {
		opts.OnCheckpoint = r.onCheckpoint
		if s.mapRunsRecorded() {
			opts.MapRuns = newMapRunRecorder(r)
			if opts.Resume != nil {
				opts.PriorMapRuns = priorMapRuns{s}
			}
		}
		opts.Type = engine.TypeStandard
		if s.opts.Tracer != nil {
			opts.Tracer = s.opts.Tracer(r.key)
		}
	} else {
		opts.Type = engine.TypeExpress
	}
	if s.opts.Metrics != nil && opts.Resume == nil {
		s.opts.Metrics.ExecutionStarted(r.smName)
	}
	s.logRunStart(r, &opts)
	go r.run(sm, input, opts, seed)
	return nil
}

func (r *run) run(sm *asl.StateMachine, input any, opts engine.Options, seed int64) {
	s := r.s
	defer s.wg.Done()
	defer r.cancel()
	res, err := s.backend.Run(r.ctx, &Run{Key: r.key, Machine: sm, Program: s.program(sm), Input: input, Options: opts, Seed: seed,
		TestCase: r.testCase, MockCase: r.mockCase, Resumed: r.resumed, Detached: r.detached.Load})
	// A cancelled run leaves its task calls behind: a .sync task's stops
	// its child, which is done before the run is (StopExecution of a
	// parent returns once its child is ABORTED too).
	r.nestedCalls.Wait()
	if r.detached.Load() {
		s.forget(r)
		close(r.done)
		return
	}
	s.closeUntakenMapRuns(r, &opts)
	if err != nil {
		s.log.Error("execution could not run", "execution", r.key, "error", err)
		res = &engine.Result{Status: engine.StatusFailed, Error: fault.Runtime, Cause: err.Error(), StartTime: opts.StartTime, StopTime: time.Now().UTC()}
	}
	r.mu.Lock()
	if r.stopped {
		res.Status, res.Error, res.Cause, res.Output = engine.StatusAborted, r.stopError, r.stopCause, nil
	}
	r.mu.Unlock()
	if res.StopTime.IsZero() {
		res.StopTime = time.Now().UTC()
	}
	if r.ex != nil {
		f := store.Finish{Status: res.Status, Error: res.Error, Cause: res.Cause, StopDate: res.StopTime}
		if res.Status == engine.StatusSucceeded {
			f.Output = value.EncodeString(res.Output)
		}
		if err := s.store.FinishExecution(context.Background(), r.ex.ID, f); err != nil {
			s.log.Error("recording the end of an execution", "execution", r.key, "error", err)
		}
	}
	if s.opts.Metrics != nil {
		s.opts.Metrics.ExecutionFinished(r.smName, res.Status, time.Since(r.started))
	}
	s.logRunEnd(r, res)
	r.result = res
	s.forget(r)
	close(r.done)
}

// forget removes a run and its tokens from the service.
func (s *Service) forget(r *run) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.runs[r.key] == r {
		delete(s.runs, r.key)
	}
	r.mu.Lock()
	for tok := range r.tokens {
		if s.tokens[tok] == r {
			delete(s.tokens, tok)
		}
	}
	r.mu.Unlock()
}

// onEvent records a history event (on the interpreter goroutine).
func (r *run) onEvent(ev history.Event) {
	if r.detached.Load() {
		return
	}
	if strings.HasSuffix(ev.Type, "StateEntered") {
		if d, ok := ev.Details.(*history.StateEnteredEventDetails); ok {
			r.mu.Lock()
			r.entered[d.Name] = ev.ID
			r.mu.Unlock()
		}
		if m := r.s.opts.Metrics; m != nil {
			m.StateTransition(r.smName)
		}
	}
	if ev.Type == "ExecutionAborted" {
		r.mu.Lock()
		if r.stopped {
			ev.Details = &history.ErrorDetails{Error: r.stopError, Cause: r.stopCause}
		}
		r.mu.Unlock()
	}
	if r.ex == nil && r.logger == nil {
		return
	}
	data, err := ev.MarshalJSON() // not json.Marshal, which would compact it again
	if err != nil {
		r.s.log.Error("encoding a history event", "execution", r.key, "event", ev.ID, "error", err)
		return
	}
	r.logger.log(ev, data)
	if r.ex == nil {
		return
	}
	r.s.store.AppendEvent(r.ex.ID, store.Event{ID: ev.ID, Type: ev.Type, JSON: data})
}

// onCheckpoint records the execution's position (on the interpreter
// goroutine).
func (r *run) onCheckpoint(cp *engine.Checkpoint) {
	if r.detached.Load() {
		return
	}
	data, err := cp.MarshalJSON()
	if err != nil {
		r.s.log.Error("encoding a checkpoint", "execution", r.key, "error", err)
		return
	}
	if !cp.Entered {
		r.redriveCP = data
	}
	d := durable{Resume: data, Redrive: r.redriveCP}
	r.s.store.SaveCheckpoint(r.ex.ID, d.encode())
}

// enteredID returns the id of the last entered event of a state.
func (r *run) enteredID(state string) int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.entered[state]
}

// invoker is what the run's Task states call: mocks first (with a test
// case), then activities, then nested executions (states:startExecution
// and aws-sdk:sfn:sendTask*, run by this service), then the service's
// Invoker. Task tokens are registered before the call, so that an answer
// that comes back at once finds them.
//
// Its resource check fails a Task on an activity that does not exist before
// the task is scheduled, as AWS does.
func (r *run) invoker(tc *mock.TestCase) integrations.Invoker {
	var base integrations.Invoker = integrations.InvokerFunc(r.invokeReal)
	var mocks *mock.Invoker
	if tc != nil {
		mocks = tc.Invoker(base)
		base = mocks
	}
	check := func(ctx context.Context, t *integrations.Task) error {
		if !isActivity(t.Resource) || (mocks != nil && mocks.Handles(t)) {
			return nil
		}
		if _, err := r.s.store.GetActivity(ctx, t.Resource); errors.Is(err, store.ErrNotFound) {
			return errors.New("The activity " + t.Resource + " does not exist.") // AWS's words, quoted in the cause
		}
		return nil // other store errors surface when the task is dispatched
	}
	var mocked func(string) bool
	if mocks != nil {
		mocked = mocks.MocksState
	}
	return integrations.CheckedInvoker{Check: check, Mocked: mocked, Invoker: integrations.InvokerFunc(func(ctx context.Context, t *integrations.Task) (any, error) {
		if t.TaskToken != "" {
			r.addToken(t)
		}
		start := time.Now()
		out, err := base.Invoke(ctx, t)
		pending := false
		switch out.(type) {
		case integrations.Pending, *integrations.Pending:
			pending = err == nil
		}
		if t.TaskToken != "" && !pending {
			r.dropToken(t.TaskToken)
		}
		if m := r.s.opts.Metrics; m != nil && !pending {
			m.TaskDone(t.Resource, time.Since(start), err != nil)
		}
		return out, err
	})}
}

// invokeReal runs a task that no mock answers.
func (r *run) invokeReal(ctx context.Context, t *integrations.Task) (any, error) {
	if isActivity(t.Resource) {
		return r.s.dispatchActivity(ctx, r, t)
	}
	if r.s.nested.Handles(t) {
		r.nestedCalls.Add(1)
		defer r.nestedCalls.Done()
		return r.s.nested.Invoke(ctx, t)
	}
	if r.s.opts.Invoker == nil {
		return nil, gofunc.NotConfigured(t)
	}
	return r.s.opts.Invoker.Invoke(ctx, t)
}

func isActivity(resource string) bool {
	return strings.HasPrefix(resource, "arn:aws:states:") && strings.Contains(resource, ":activity:")
}

func (r *run) addToken(t *integrations.Task) {
	r.liveToken(t.TaskToken, t.StateName)
	s := r.s
	if r.ex != nil {
		tok := store.TaskToken{Token: t.TaskToken, ExecutionID: r.ex.ID, ExecutionArn: r.key, StateName: t.StateName, Created: time.Now().UTC()}
		if isActivity(t.Resource) {
			tok.ActivityArn = t.Resource
		}
		s.store.PutTaskToken(tok)
	}
}

// liveToken records in memory that the token of a task of state waits
// for its outcome (addToken also stores it).
func (r *run) liveToken(token, state string) {
	s := r.s
	s.mu.Lock()
	s.tokens[token] = r
	r.mu.Lock()
	r.tokens[token] = state
	r.mu.Unlock()
	s.mu.Unlock()
}

func (r *run) dropToken(tok string) {
	s := r.s
	s.mu.Lock()
	if s.tokens[tok] == r {
		delete(s.tokens, tok)
	}
	r.mu.Lock()
	delete(r.tokens, tok)
	r.mu.Unlock()
	s.mu.Unlock()
}

// tokenLive reports whether a task token still waits for its outcome.
func (s *Service) tokenLive(tok string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tokens[tok] != nil
}

// completeTask delivers a task token's outcome (SendTaskSuccess: err nil;
// SendTaskFailure) or, with heartbeat, a heartbeat.
func (s *Service) completeTask(ctx context.Context, token string, output any, taskErr error, heartbeat bool) error {
	if token == "" || len(token) > 2048 {
		return apiErr(errInvalidToken, "Invalid Token: '%s'", token)
	}
	s.mu.Lock()
	r := s.tokens[token]
	s.mu.Unlock()
	if r == nil {
		r = s.backendToken(ctx, token)
	}
	if r == nil {
		rec, err := s.store.GetTaskToken(ctx, token)
		if errors.Is(err, store.ErrNotFound) {
			return apiErr(errInvalidToken, "Invalid Token: 'Invalid token'")
		}
		if err != nil {
			return err
		}
		// A token of an execution that was resumed after a restart: its
		// task was invoked again with a new token, which this one stands
		// for while it is the state's only one.
		s.mu.Lock()
		if cur := s.runs[rec.ExecutionArn]; cur != nil {
			cur.mu.Lock()
			n := 0
			for tok, st := range cur.tokens {
				if st == rec.StateName {
					token, r = tok, cur
					n++
				}
			}
			cur.mu.Unlock()
			if n != 1 {
				r = nil
			}
		}
		s.mu.Unlock()
		if r == nil {
			return apiErr(errTaskTimedOut, "Task Timed Out: 'Provided task does not exist anymore'")
		}
	}
	if heartbeat {
		if err := s.backend.Heartbeat(r.key, token); err != nil {
			return apiErr(errTaskTimedOut, "Task Timed Out: 'Provided task does not exist anymore'")
		}
		return nil
	}
	if err := s.backend.CompleteTask(r.key, token, output, taskErr); err != nil {
		return apiErr(errTaskTimedOut, "Task Timed Out: 'Provided task does not exist anymore'")
	}
	r.dropToken(token)
	return nil
}

// resume continues a RUNNING execution after a restart, from its last
// checkpoint (or from the start when it has none).
func (s *Service) resume(ctx context.Context, ex *store.Execution) error {
	sm, rec, err := s.machine(ctx, ex.StateMachineArn, ex.RevisionID)
	if err != nil {
		return err
	}
	input, err := value.DecodeString(ex.Input)
	if err != nil {
		return fmt.Errorf("service: the stored input of %s: %w", ex.Arn, err)
	}
	d, err := decodeDurable(ex.Checkpoint)
	if err != nil {
		return err
	}
	cp, err := decodeCheckpoint(d.Resume)
	if err != nil {
		return err
	}
	var last int64
	if cp != nil {
		last = cp.EventCount
	}
	if err := s.store.TruncateHistory(ctx, ex.ID, last); err != nil {
		return err
	}
	tc, err := s.testCase(rec.Name, ex.TestCase)
	if err != nil {
		return err
	}
	r := s.newRun(ex.Arn, ex, rec.Name)
	r.redriveCP = d.Redrive
	r.resumed = true
	r.logger = s.executionLogger(rec, ex.Arn, ex.StartDate, ex.RedriveCount)
	opts := engine.Options{ExecutionName: ex.Name, RoleArn: rec.RoleArn, StartTime: ex.StartDate, Resume: cp, RedriveCount: ex.RedriveCount}
	return s.launch(r, sm, input, tc, opts, newSeed())
}

// testCase returns the mock test case an execution runs with.
func (s *Service) testCase(machine, name string) (*mock.TestCase, error) {
	if name == "" {
		return nil, nil
	}
	if s.opts.Mocks == nil {
		return nil, apiErr(errValidation, "test case %q asked for, but no mock configuration is loaded (set SFN_MOCK_CONFIG)", name)
	}
	tc, err := s.opts.Mocks.TestCase(machine, name)
	if err != nil {
		return nil, apiErr(errValidation, "%v", err)
	}
	return tc, nil
}
