// Package metrics exposes Prometheus metrics for the Stepwise service.
//
// All metrics are named stepwise_* and registered on the Registerer given to
// New; the package keeps no global state and never touches the default
// Prometheus registry.
//
// # Metrics
//
//	stepwise_executions_started_total{state_machine}          counter
//	stepwise_executions_finished_total{state_machine,status}  counter
//	stepwise_executions_running{state_machine}                gauge
//	stepwise_execution_duration_seconds{state_machine}        histogram
//	stepwise_state_transitions_total{state_machine}           counter
//	stepwise_task_duration_seconds{resource}                  histogram
//	stepwise_task_failures_total{resource}                    counter
//	stepwise_api_request_duration_seconds{operation}          histogram
//	stepwise_api_errors_total{operation,type}                 counter
//
// # Label cardinality
//
// Every label is bounded, so a misbehaving client cannot grow the series set
// without limit:
//
//   - state_machine is the state machine name (not its ARN, never an
//     execution name or id); at most MaxStateMachines distinct values;
//   - status is the execution status (SUCCEEDED, FAILED, TIMED_OUT, ABORTED,
//     …); at most MaxStatuses values per state machine;
//   - resource is the Task state's Resource ARN; at most MaxResources values;
//   - operation is the API action (StartExecution, …); at most MaxOperations;
//   - type is the error __type; at most MaxErrorTypes per operation.
//
// Once a label has reached its bound, further new values are counted under
// the value Overflow ("__other__"), so totals stay right while the number of
// series stays fixed. The worst case is thus about
// MaxStateMachines × (4 + MaxStatuses + buckets) series for the per-state
// machine metrics; callers should pass names, not unbounded identifiers.
//
// # Cost
//
// Each method resolves its labelled children through a copy-on-write map that
// is read without locks or allocations; only the first use of a label value
// takes a lock. A nil *Metrics is valid and every method on it is a no-op, so
// callers need no nil checks.
package metrics

import (
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Bounds on distinct label values; see the package documentation.
const (
	MaxStateMachines = 1000
	MaxStatuses      = 8
	MaxResources     = 1000
	MaxOperations    = 100
	MaxErrorTypes    = 32
	// Overflow is the label value that absorbs values past a bound.
	Overflow = "__other__"
)

// Histogram buckets, in seconds.
var (
	// Task and execution durations: from a millisecond Pass-like task to hours.
	durationBuckets = []float64{.001, .005, .01, .05, .1, .5, 1, 5, 15, 60, 300, 900, 3600}
	// API calls are served from memory: sub-millisecond to a few seconds.
	apiBuckets = []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, 1, 5}
)

// Metrics records Stepwise service metrics. Create it with New; the zero
// value is not usable, but a nil *Metrics is (all methods are no-ops).
type Metrics struct {
	started      *prometheus.CounterVec
	finished     *prometheus.CounterVec
	running      *prometheus.GaugeVec
	execDuration *prometheus.HistogramVec
	transitions  *prometheus.CounterVec
	taskDuration *prometheus.HistogramVec
	taskFailures *prometheus.CounterVec
	apiDuration  *prometheus.HistogramVec
	apiErrors    *prometheus.CounterVec

	machines   *bounded[*machine]
	resources  *bounded[*resource]
	operations *bounded[*operation]
}

// machine holds the children of one state_machine label value.
type machine struct {
	started     prometheus.Counter
	running     prometheus.Gauge
	duration    prometheus.Observer
	transitions prometheus.Counter
	finished    *bounded[prometheus.Counter] // by status
}

type resource struct {
	duration prometheus.Observer
	failures prometheus.Counter
}

type operation struct {
	duration prometheus.Observer
	errors   *bounded[prometheus.Counter] // by type
}

type limits struct {
	machines, statuses, resources, operations, errorTypes int
}

var defaultLimits = limits{MaxStateMachines, MaxStatuses, MaxResources, MaxOperations, MaxErrorTypes}

// New creates the metrics and registers them on reg (which may be nil to
// leave them unregistered, e.g. in tests). If reg already holds identical
// collectors, as when New runs twice on one registry, those are reused.
// New panics if reg holds a different collector under one of the names, as
// prometheus.MustRegister does.
func New(reg prometheus.Registerer) *Metrics {
	return newMetrics(reg, defaultLimits)
}

func newMetrics(reg prometheus.Registerer, lim limits) *Metrics {
	m := &Metrics{
		started: register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "stepwise_executions_started_total",
			Help: "Executions started, by state machine.",
		}, []string{"state_machine"})),
		finished: register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "stepwise_executions_finished_total",
			Help: "Executions that reached a terminal status, by state machine and status.",
		}, []string{"state_machine", "status"})),
		running: register(reg, prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "stepwise_executions_running",
			Help: "Executions started and not yet finished, by state machine.",
		}, []string{"state_machine"})),
		execDuration: register(reg, prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "stepwise_execution_duration_seconds",
			Help:    "Wall-clock duration of finished executions, by state machine.",
			Buckets: durationBuckets,
		}, []string{"state_machine"})),
		transitions: register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "stepwise_state_transitions_total",
			Help: "State transitions, by state machine.",
		}, []string{"state_machine"})),
		taskDuration: register(reg, prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "stepwise_task_duration_seconds",
			Help:    "Duration of Task state invocations, by resource.",
			Buckets: durationBuckets,
		}, []string{"resource"})),
		taskFailures: register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "stepwise_task_failures_total",
			Help: "Task state invocations that failed, by resource.",
		}, []string{"resource"})),
		apiDuration: register(reg, prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "stepwise_api_request_duration_seconds",
			Help:    "Duration of Step Functions API requests, by operation.",
			Buckets: apiBuckets,
		}, []string{"operation"})),
		apiErrors: register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "stepwise_api_errors_total",
			Help: "Step Functions API requests that failed, by operation and error type.",
		}, []string{"operation", "type"})),
	}
	m.machines = newBounded(lim.machines, func(name string) *machine {
		return &machine{
			started:     m.started.WithLabelValues(name),
			running:     m.running.WithLabelValues(name),
			duration:    m.execDuration.WithLabelValues(name),
			transitions: m.transitions.WithLabelValues(name),
			finished: newBounded(lim.statuses, func(status string) prometheus.Counter {
				return m.finished.WithLabelValues(name, status)
			}),
		}
	})
	m.resources = newBounded(lim.resources, func(name string) *resource {
		return &resource{
			duration: m.taskDuration.WithLabelValues(name),
			failures: m.taskFailures.WithLabelValues(name),
		}
	})
	m.operations = newBounded(lim.operations, func(op string) *operation {
		return &operation{
			duration: m.apiDuration.WithLabelValues(op),
			errors: newBounded(lim.errorTypes, func(typ string) prometheus.Counter {
				return m.apiErrors.WithLabelValues(op, typ)
			}),
		}
	})
	return m
}

// register registers c on reg, reusing an identical collector already there.
func register[C prometheus.Collector](reg prometheus.Registerer, c C) C {
	if reg == nil {
		return c
	}
	err := reg.Register(c)
	if err == nil {
		return c
	}
	var are prometheus.AlreadyRegisteredError
	if errors.As(err, &are) {
		if existing, ok := are.ExistingCollector.(C); ok {
			return existing
		}
	}
	panic(fmt.Errorf("metrics: registering stepwise collectors: %w", err))
}

// ExecutionStarted records the start of an execution of stateMachine.
func (m *Metrics) ExecutionStarted(stateMachine string) {
	if m == nil {
		return
	}
	sm := m.machines.get(stateMachine)
	sm.started.Inc()
	sm.running.Inc()
}

// ExecutionFinished records that an execution of stateMachine reached the
// terminal status (SUCCEEDED, FAILED, TIMED_OUT, ABORTED) after d.
func (m *Metrics) ExecutionFinished(stateMachine, status string, d time.Duration) {
	if m == nil {
		return
	}
	sm := m.machines.get(stateMachine)
	sm.finished.get(status).Inc()
	sm.running.Dec()
	sm.duration.Observe(d.Seconds())
}

// StateTransition records one state transition in an execution of stateMachine.
func (m *Metrics) StateTransition(stateMachine string) {
	if m == nil {
		return
	}
	m.machines.get(stateMachine).transitions.Inc()
}

// TaskDone records a Task state invocation of resource that took d; err
// reports whether it failed.
func (m *Metrics) TaskDone(resource string, d time.Duration, err bool) {
	if m == nil {
		return
	}
	r := m.resources.get(resource)
	r.duration.Observe(d.Seconds())
	if err {
		r.failures.Inc()
	}
}

// APICall records a Step Functions API request for operation that took d;
// errType is the error __type it returned, "" on success.
func (m *Metrics) APICall(operation string, d time.Duration, errType string) {
	if m == nil {
		return
	}
	op := m.operations.get(operation)
	op.duration.Observe(d.Seconds())
	if errType != "" {
		op.errors.get(errType).Inc()
	}
}

// Handler serves the metrics gathered from g in the Prometheus exposition
// formats (text, or OpenMetrics when the scraper asks for it).
func Handler(g prometheus.Gatherer) http.Handler {
	if g == nil {
		return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			http.Error(w, "metrics: no gatherer configured", http.StatusServiceUnavailable)
		})
	}
	return promhttp.HandlerFor(g, promhttp.HandlerOpts{})
}

// bounded maps label values to children, creating at most limit of them;
// later new values share the child made for Overflow. Reads go through an
// immutable map behind an atomic pointer: no lock, no allocation.
type bounded[T any] struct {
	snap    atomic.Pointer[map[string]T]
	limit   int
	newFunc func(label string) T

	mu       sync.Mutex // serialises additions
	overflow atomic.Pointer[T]
}

func newBounded[T any](limit int, newFunc func(string) T) *bounded[T] {
	b := &bounded[T]{limit: limit, newFunc: newFunc}
	empty := map[string]T{}
	b.snap.Store(&empty)
	return b
}

func (b *bounded[T]) get(label string) T {
	if v, ok := (*b.snap.Load())[label]; ok {
		return v
	}
	if o := b.overflow.Load(); o != nil {
		return *o
	}
	return b.add(label)
}

func (b *bounded[T]) add(label string) T {
	b.mu.Lock()
	defer b.mu.Unlock()
	old := *b.snap.Load()
	if v, ok := old[label]; ok {
		return v
	}
	if len(old) >= b.limit {
		if o := b.overflow.Load(); o != nil {
			return *o
		}
		v, ok := old[Overflow]
		if !ok {
			v = b.newFunc(Overflow)
		}
		b.overflow.Store(&v)
		return v
	}
	next := make(map[string]T, len(old)+1)
	for k, v := range old {
		next[k] = v
	}
	v := b.newFunc(label)
	next[label] = v
	b.snap.Store(&next)
	return v
}
