package console

import (
	"context"
	"encoding/json"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/stepwise/stepwise/asl/value"
	"github.com/stepwise/stepwise/engine"
)

// Default bounds of Traces.
const (
	DefaultTraceExecutions = 64
	DefaultTraceSteps      = 25000
)

// Traces keeps the data-flow trace (engine.Step values) of recent
// executions in memory, for the console's state view. Its Tracer is what
// service.Options.Tracer asks for: the interpreter hands it each state
// visit, which it appends under a per-execution mutex (no encoding: a
// step is encoded only when the console asks for it).
//
// Tracing costs the interpreter a Step and its stages per state visit
// (BenchmarkTrace), so with a WatchWindow it is done only while someone
// looks: an execution is traced when it starts (or is resumed or
// redriven) within WatchWindow of a console request, and otherwise runs
// with no tracer at all, as with the console off. Memory is bounded: the
// traces of at most MaxExecutions executions (the oldest started are
// dropped first) of at most MaxSteps steps each (later steps are counted,
// not kept). Traces are not persisted. Where there is no trace the
// console shows the input and output the history recorded.
type Traces struct {
	maxExecutions, maxSteps int
	window                  time.Duration
	watched                 atomic.Int64 // UnixNano of the last Watch

	mu    sync.Mutex
	byArn map[string]*execTrace
	order []string // ARNs, the oldest first
}

type execTrace struct {
	mu      sync.Mutex
	runs    int // runs traced (a start, then each resume or redrive)
	steps   []runStep
	dropped int
}

// runStep is a step of one run; each run numbers its steps from 1.
type runStep struct {
	run int
	*engine.Step
}

// TraceOptions bound Traces.
type TraceOptions struct {
	MaxExecutions int // 0: DefaultTraceExecutions
	MaxSteps      int // per execution; 0: DefaultTraceSteps
	// WatchWindow, when positive, traces only the runs that start within
	// this long of the last Watch (a console request); 0: every run.
	WatchWindow time.Duration
}

// DefaultWatchWindow is how long after a console request serve keeps
// tracing the executions that start.
const DefaultWatchWindow = 15 * time.Minute

// NewTraces returns an empty trace store.
func NewTraces(opts TraceOptions) *Traces {
	if opts.MaxExecutions <= 0 {
		opts.MaxExecutions = DefaultTraceExecutions
	}
	if opts.MaxSteps <= 0 {
		opts.MaxSteps = DefaultTraceSteps
	}
	return &Traces{maxExecutions: opts.MaxExecutions, maxSteps: opts.MaxSteps, window: opts.WatchWindow, byArn: map[string]*execTrace{}}
}

// Watch records that someone is looking (the console calls it on each
// request).
func (t *Traces) Watch() { t.watched.Store(time.Now().UnixNano()) }

// Tracer returns the tracer of one run of an execution, or nil (no
// tracing) when nobody has looked within the watch window.
func (t *Traces) Tracer(executionArn string) engine.Tracer {
	if t.window > 0 && time.Since(time.Unix(0, t.watched.Load())) > t.window {
		return nil
	}
	t.mu.Lock()
	et := t.byArn[executionArn]
	if et == nil {
		et = &execTrace{}
		t.byArn[executionArn] = et
		t.order = append(t.order, executionArn)
		for len(t.order) > t.maxExecutions {
			delete(t.byArn, t.order[0])
			t.order = t.order[1:]
		}
	}
	t.mu.Unlock()
	et.mu.Lock()
	et.runs++
	run := et.runs
	et.mu.Unlock()
	return engine.TracerFunc(func(_ context.Context, s *engine.Step) {
		et.mu.Lock()
		if len(et.steps) < t.maxSteps {
			et.steps = append(et.steps, runStep{run, s})
		} else {
			et.dropped++
		}
		et.mu.Unlock()
	})
}

// steps returns an execution's steps in the order their states were
// entered, and how many were not kept; ok is false when there is no trace
// or it has no step yet (a backend that runs executions elsewhere, such
// as Temporal, never calls the tracer: the console reads the history).
func (t *Traces) steps(executionArn string) (steps []runStep, dropped int, ok bool) {
	t.mu.Lock()
	et := t.byArn[executionArn]
	t.mu.Unlock()
	if et == nil {
		return nil, 0, false
	}
	et.mu.Lock()
	steps, dropped = slices.Clone(et.steps), et.dropped
	et.mu.Unlock()
	if len(steps) == 0 && dropped == 0 {
		return nil, 0, false
	}
	sortSteps(steps)
	return steps, dropped, true
}

func sortSteps(steps []runStep) {
	slices.SortStableFunc(steps, func(a, b runStep) int {
		if a.run != b.run {
			return a.run - b.run
		}
		return a.Seq - b.Seq
	})
}

// Visit is one state visit as the console shows it: the input, the value
// after each data-flow stage, and how the visit ended. From a trace it has
// every stage; from the history only the input and output.
type Visit struct {
	Seq       int             `json:"seq"`
	Run       int             `json:"run,omitempty"`
	State     string          `json:"state"`
	Type      string          `json:"type,omitempty"`
	Path      []PathElem      `json:"path"`
	Input     json.RawMessage `json:"input,omitempty"`
	Stages    []Stage         `json:"stages"`
	Output    json.RawMessage `json:"output,omitempty"`
	Variables json.RawMessage `json:"variables,omitempty"`
	Next      string          `json:"next,omitempty"`
	End       bool            `json:"end,omitempty"`
	Error     string          `json:"error,omitempty"`
	Cause     string          `json:"cause,omitempty"`
	Aborted   bool            `json:"aborted,omitempty"`
	Retries   []Retry         `json:"retries,omitempty"`
	Catch     *Catch          `json:"catch,omitempty"`
	// EnteredEventID is the visit's ...StateEntered event (a visit read
	// from the history).
	EnteredEventID int64 `json:"enteredEventId,omitempty"`
}

// PathElem is the Map iteration or Parallel branch a visit ran in.
type PathElem struct {
	State string `json:"state"`
	Kind  string `json:"kind"`
	Index int    `json:"index"`
}

// Stage is the value after one data-flow stage.
type Stage struct {
	Name  string          `json:"name"`
	Value json.RawMessage `json:"value"`
}

// Retry is a failed attempt that a retrier ran again.
type Retry struct {
	Retrier      int     `json:"retrier"`
	Attempt      int     `json:"attempt"`
	Error        string  `json:"error"`
	Cause        string  `json:"cause"`
	DelaySeconds float64 `json:"delaySeconds"`
}

// Catch is an error a catcher handled.
type Catch struct {
	Catcher     int             `json:"catcher"`
	Error       string          `json:"error"`
	Cause       string          `json:"cause"`
	ErrorOutput json.RawMessage `json:"errorOutput,omitempty"`
	ResultPath  string          `json:"resultPath,omitempty"`
	Next        string          `json:"next"`
}

func encodeValue(v any) json.RawMessage { return json.RawMessage(value.Encode(v)) }

// VisitOf renders a traced step.
func VisitOf(s *engine.Step, run int) Visit {
	v := Visit{Seq: s.Seq, Run: run, State: s.State, Type: s.Type, Path: []PathElem{}, Stages: []Stage{},
		Input: encodeValue(s.Input), Next: s.Next, End: s.End, Error: s.Error, Cause: s.Cause, Aborted: s.Aborted}
	for _, p := range s.Path {
		v.Path = append(v.Path, PathElem{State: p.State, Kind: p.Kind, Index: p.Index})
	}
	for _, st := range []struct {
		name string
		data *engine.Data
	}{
		{"afterInputPath", s.AfterInputPath},
		{"afterParameters", s.AfterParameters},
		{"result", s.Result},
		{"afterResultSelector", s.AfterResultSelector},
		{"afterResultPath", s.AfterResultPath},
	} {
		if st.data != nil {
			v.Stages = append(v.Stages, Stage{Name: st.name, Value: encodeValue(st.data.Value)})
		}
	}
	if s.Output != nil {
		v.Output = encodeValue(s.Output.Value)
	}
	if s.Variables.Len() > 0 {
		v.Variables = encodeValue(s.Variables)
	}
	for _, r := range s.Retries {
		v.Retries = append(v.Retries, Retry{Retrier: r.Retrier, Attempt: r.Attempt, Error: r.Error, Cause: r.Cause,
			DelaySeconds: float64(r.Delay) / float64(time.Second)})
	}
	if c := s.Catch; c != nil {
		v.Catch = &Catch{Catcher: c.Catcher, Error: c.Error, Cause: c.Cause, ErrorOutput: encodeValue(c.ErrorOutput),
			ResultPath: c.ResultPath, Next: c.Next}
	}
	return v
}
