// Package service serves the AWS Step Functions API (the JSON 1.0 protocol
// the AWS SDKs and CLI speak: POST / with X-Amz-Target
// AWSStepFunctions.<Operation>) over a durable store, so that executions
// survive a restart of the server.
//
// The Service is an http.Handler. Executions run through a Backend (the
// local one interprets them in this process); what they record — history
// events, checkpoints, their outcome — goes to the store.Store. On Start,
// every execution the store lists as RUNNING resumes from its last
// checkpoint: a Wait sleeps until its stored deadline, an interrupted Task
// is invoked again, a Map or Parallel state runs again, but for a
// Distributed Map, whose map run is taken up: its children that ended keep
// their ends, those that were running go on from their own checkpoints.
//
// Task states on arn:aws:states:::states:startExecution (and its .sync,
// .sync:2 and .waitForTaskToken forms) start executions of this service,
// and those on arn:aws:states:::aws-sdk:sfn:sendTaskSuccess, sendTaskFailure
// and sendTaskHeartbeat complete its task tokens (see Nested).
package service

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/stepwise/stepwise/asl"
	"github.com/stepwise/stepwise/engine"
	"github.com/stepwise/stepwise/engine/runtime/local"
	"github.com/stepwise/stepwise/engine/service/auth"
	"github.com/stepwise/stepwise/engine/service/metrics"
	"github.com/stepwise/stepwise/engine/service/store"
	"github.com/stepwise/stepwise/integrations"
	"github.com/stepwise/stepwise/integrations/aws/model"
	"github.com/stepwise/stepwise/integrations/items"
	"github.com/stepwise/stepwise/integrations/mock"
	"github.com/stepwise/stepwise/integrations/nested"
)

// Options configure a Service.
type Options struct {
	Store store.Store // required

	// Region and AccountID name the resources (ARNs); "" : engine's
	// DefaultRegion and DefaultAccountID.
	Region    string
	AccountID string

	// Invoker runs Task states that are neither mocked, activities nor
	// nested executions (nil: such tasks fail with States.TaskFailed).
	Invoker integrations.Invoker
	// Objects is the object store of Distributed Maps' ItemReader and
	// ResultWriter (engine.Options.Objects; nil: such a Map fails with
	// States.Runtime, unless its ItemReader is mocked).
	Objects items.Objects
	// Mocks is a Step Functions Local MockConfigFile: StartExecution on
	// "<stateMachineArn>#<TestCase>" runs the execution with that test
	// case's mocked responses.
	Mocks *mock.Config
	// Backend runs executions (nil: Local).
	Backend Backend

	// Metrics, when set, records executions, transitions, tasks and API
	// calls.
	Metrics *metrics.Metrics
	// Auth, when set, requires AWS Signature Version 4 on every request.
	Auth *auth.Verifier
	// Logger receives the service's logs (nil: none).
	Logger *slog.Logger
	// ActivityPollTimeout is how long GetActivityTask waits for a task
	// (0: 60 seconds, as AWS).
	ActivityPollTimeout time.Duration
	// ExecutionLogs receives the log events of executions whose state
	// machine has logging on (its loggingConfiguration), one JSON line
	// each, shaped as CloudWatch Logs returns them (nil: not written).
	ExecutionLogs io.Writer
	// Retention, when positive, is how long a closed execution is kept:
	// executions that closed longer ago are deleted with their history,
	// every RetentionInterval (AWS keeps them 90 days). 0: kept for ever.
	Retention time.Duration
	// RetentionInterval is how often they are looked for (0: a tenth of
	// Retention, between a second and an hour).
	RetentionInterval time.Duration

	// Tracer, when set, gives each run of a STANDARD execution in process
	// (a start, a resume after a restart, a redrive) the engine.Tracer that
	// observes its state visits (the web console keeps them). nil: runs
	// are not traced, at the cost of a nil check per state.
	Tracer func(executionArn string) engine.Tracer
}

// Backend runs executions for the service. The local backend interprets
// them in this process; another backend may run them elsewhere (Temporal).
// The service persists what a run reports through opts.OnEvent and
// opts.OnCheckpoint and the Result.
type Backend interface {
	// Run runs one execution until it ends or ctx is cancelled (the
	// result is then ABORTED) and returns how it ended. run.Options carry
	// the names, the invoker, the hooks and, to continue an execution,
	// Resume.
	Run(ctx context.Context, run *Run) (*engine.Result, error)
	// CompleteTask delivers the outcome of a task token of a running
	// execution (SendTaskSuccess: err nil; SendTaskFailure: a
	// *fault.Error).
	CompleteTask(executionKey, token string, output any, err error) error
	// Heartbeat records a heartbeat for a task token.
	Heartbeat(executionKey, token string) error
}

// Run is one execution for a Backend to run.
type Run struct {
	// Key identifies the run for CompleteTask and Heartbeat (the
	// execution ARN, or a unique key for an EXPRESS execution).
	Key     string
	Machine *asl.StateMachine
	// Program is Machine compiled, shared by every execution of its
	// revision (nil: the backend compiles Machine for this run).
	Program *engine.Program
	Input   any // the execution's input (a value.Value)
	Options engine.Options
	// Seed seeds the run's randomness (task tokens, States.UUID, jitter).
	Seed int64
	// TestCase is the mock test case the execution runs with ("": none),
	// for a backend whose tasks run elsewhere (Options.Invoker answers
	// them in process).
	TestCase string
	// MockCase is that test case (nil: none), for a backend that carries
	// the mocked responses with the execution.
	MockCase *mock.TestCase
	// Resumed: the run continues an execution the store lists as RUNNING
	// after a restart.
	Resumed bool
	// Detached reports, once ctx is cancelled, whether the service is
	// shutting down (the execution stays RUNNING: a backend that runs it
	// elsewhere leaves it running) rather than stopping it.
	Detached func() bool
}

// Local is the in-process Backend: each execution runs on its own
// local.Runtime with the real clock.
type Local struct {
	mu   sync.Mutex
	runs map[string]*tokenRuntime
}

// tokenRuntime is a run's local.Runtime that remembers the task tokens the
// execution began to wait for.
type tokenRuntime struct {
	*local.Runtime
	mu      sync.Mutex
	awaited map[string]bool
}

// AwaitTask waits for a token's outcome.
func (t *tokenRuntime) AwaitTask(ctx context.Context, token string, timeout, heartbeat time.Duration) (any, error) {
	t.mu.Lock()
	t.awaited[token] = true
	t.mu.Unlock()
	return t.Runtime.AwaitTask(ctx, token, timeout, heartbeat)
}

// UUID returns a random version-4 UUID from crypto/rand. The interpreter
// takes its task tokens from here (and execution names, Map Run ARNs and
// States.UUID): a task token grants SendTaskSuccess, SendTaskFailure and
// SendTaskHeartbeat on its task, so it must not be predictable from the
// tokens a worker sees, as the seeded math/rand of local.Runtime is (about
// 2^31 sequences).
func (t *tokenRuntime) UUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read does not fail (it would crash the process)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

func (t *tokenRuntime) wasAwaited(token string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.awaited[token]
}

// NewLocal returns the in-process backend.
func NewLocal() *Local { return &Local{runs: map[string]*tokenRuntime{}} }

// Run runs an execution in process.
func (l *Local) Run(ctx context.Context, run *Run) (*engine.Result, error) {
	rt := &tokenRuntime{Runtime: local.New(local.Options{Seed: run.Seed}), awaited: map[string]bool{}}
	l.mu.Lock()
	l.runs[run.Key] = rt
	l.mu.Unlock()
	defer func() {
		l.mu.Lock()
		delete(l.runs, run.Key)
		l.mu.Unlock()
	}()
	opts := run.Options
	opts.Runtime = rt
	prog := run.Program
	if prog == nil {
		var err error
		if prog, err = engine.Compile(run.Machine); err != nil {
			return nil, fmt.Errorf("service: compiling %s: %w", run.Key, err)
		}
	}
	res, err := prog.Run(ctx, run.Input, opts)
	if err != nil {
		return nil, fmt.Errorf("service: running %s: %w", run.Key, err)
	}
	return res, nil
}

func (l *Local) runtime(key string) (*tokenRuntime, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	rt := l.runs[key]
	if rt == nil {
		return nil, fmt.Errorf("service: execution %s is not running", key)
	}
	return rt, nil
}

// CompleteTask delivers a task token's outcome to the execution's runtime.
func (l *Local) CompleteTask(key, token string, output any, err error) error {
	rt, rerr := l.runtime(key)
	if rerr != nil {
		return rerr
	}
	return rt.CompleteTask(token, output, err)
}

// Heartbeat records a heartbeat on the execution's runtime. The service
// calls it only for a token it handed out and that is still live: one
// whose wait has not begun yet (the task was just sent, and a nested child
// or a quick worker answers at once) takes it, since the wait begins with
// a fresh heartbeat.
func (l *Local) Heartbeat(key, token string) error {
	rt, err := l.runtime(key)
	if err != nil {
		return err
	}
	if err := rt.Heartbeat(token); err != nil {
		if !rt.wasAwaited(token) {
			return nil
		}
		return fmt.Errorf("service: heartbeat: %w", err)
	}
	return nil
}

// Service is the Step Functions API over a store. Create it with New,
// resume executions with Start, serve it as an http.Handler and stop it
// with Shutdown.
type Service struct {
	opts Options
	// models are the AWS service models TestState checks mocked results
	// against (their shapes load when first used).
	models   *model.Catalog
	store    store.Store
	backend  Backend
	log      *slog.Logger
	handlers map[string]handler
	region   string
	account  string

	ctx    context.Context // the parent of every run
	cancel context.CancelFunc

	mu       sync.Mutex
	runs     map[string]*run // running executions by key
	tokens   map[string]*run // live task tokens
	closing  bool
	wg       sync.WaitGroup
	smCache  sync.Map // "arn\x00revision" → *asl.StateMachine
	programs sync.Map // *asl.StateMachine of smCache → its *engine.Program
	acts     activities
	shutdown chan struct{}

	// Nested executions (nested.go).
	nested  *nested.Invoker
	changed chan struct{}            // closed when a run is launched or a stop is recorded; nil: no waiter
	express map[string]*expressChild // EXPRESS children started by a Task, by execution ARN

	logs *logSink // execution log events (nil: none)

	pages *pager // signs nextTokens

	mapRuns map[string]*liveMapRun // map runs going on, by ARN (maprun_record.go)
}

// New returns a service on opts.Store. It resumes nothing: call Start.
func New(opts Options) (*Service, error) {
	if opts.Store == nil {
		return nil, errors.New("service: no store")
	}
	s := &Service{
		models:   model.Embedded(),
		opts:     opts,
		store:    opts.Store,
		backend:  opts.Backend,
		log:      opts.Logger,
		region:   opts.Region,
		account:  opts.AccountID,
		runs:     map[string]*run{},
		tokens:   map[string]*run{},
		mapRuns:  map[string]*liveMapRun{},
		shutdown: make(chan struct{}),
	}
	key, err := opts.Store.Secret(context.Background(), pageKeySecret, 32)
	if err != nil {
		return nil, fmt.Errorf("service: the page token key: %w", err)
	}
	s.pages = &pager{key: key}
	if s.backend == nil {
		s.backend = NewLocal()
	}
	if b, ok := s.backend.(binder); ok {
		b.bind(s)
	}
	if s.log == nil {
		s.log = discardLogger()
	}
	if s.region == "" {
		s.region = engine.DefaultRegion
	}
	if s.account == "" {
		s.account = engine.DefaultAccountID
	}
	if s.opts.ActivityPollTimeout <= 0 {
		s.opts.ActivityPollTimeout = 60 * time.Second
	}
	if opts.ExecutionLogs != nil {
		s.logs = &logSink{w: opts.ExecutionLogs}
	}
	s.acts.queues = map[string]*activityQueue{}
	s.express = map[string]*expressChild{}
	n := s.Nested()
	s.nested = &nested.Invoker{Starter: n, Tokens: n}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.handlers = s.operations()
	return s, nil
}

// Start resumes every execution the store lists as RUNNING.
func (s *Service) Start(ctx context.Context) error {
	exs, err := s.resumable(ctx)
	if err != nil {
		return err
	}
	// A map run that a restart interrupted is taken up by its parent,
	// resumed (maprun_resume.go); one whose parent does not resume (a
	// child's) is ABORTED with its running children.
	keep := make([]string, len(exs))
	for i, ex := range exs {
		keep[i] = ex.Arn
	}
	if n, err := s.store.AbortMapRuns(ctx, time.Now().UTC(), keep); err != nil {
		s.log.Error("aborting the map runs a restart interrupted", "error", err)
	} else if n > 0 {
		s.log.Info("aborted map runs a restart interrupted", "count", n)
	}
	for _, ex := range exs {
		if err := s.resume(ctx, ex); err != nil {
			s.log.Error("resuming an execution", "execution", ex.Arn, "error", err)
		}
	}
	if len(exs) > 0 {
		s.log.Info("resumed running executions", "count", len(exs))
	}
	if s.opts.Retention > 0 {
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.keepRetention()
		}()
	}
	return nil
}

// Shutdown stops serving executions: running executions are left RUNNING
// in the store (a later Start resumes them), their goroutines end, and
// queued writes are committed. It does not close the store.
func (s *Service) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		return nil
	}
	s.closing = true
	for _, r := range s.runs {
		r.detached.Store(true)
	}
	s.mu.Unlock()
	close(s.shutdown)
	s.cancel()
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		return fmt.Errorf("service: shutdown: %w", ctx.Err())
	}
	if err := s.store.Flush(ctx); err != nil && !errors.Is(err, store.ErrClosed) {
		return fmt.Errorf("service: shutdown: %w", err)
	}
	return nil
}

// newSeed returns a random seed for a run.
func newSeed() int64 {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return int64(binary.LittleEndian.Uint64(b[:])&^(1<<63)) | 1 // never 0, which local.New reads as "from the clock"
}
