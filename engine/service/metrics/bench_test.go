package metrics

import (
	"fmt"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// BenchmarkExecutionLifecycle is the per-execution metrics cost of a
// five-state machine with two tasks: start, 5 transitions, 2 tasks, finish,
// plus the StartExecution API call.
func BenchmarkExecutionLifecycle(b *testing.B) {
	m := New(prometheus.NewRegistry())
	names := make([]string, 50)
	for i := range names {
		names[i] = fmt.Sprintf("state-machine-%d", i)
	}
	const res = "arn:aws:lambda:us-east-1:123456789012:function:worker"
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		sm := names[i%len(names)]
		i++
		m.APICall("StartExecution", 150*time.Microsecond, "")
		m.ExecutionStarted(sm)
		for range 5 {
			m.StateTransition(sm)
		}
		m.TaskDone(res, 3*time.Millisecond, false)
		m.TaskDone(res, 4*time.Millisecond, false)
		m.ExecutionFinished(sm, "SUCCEEDED", 20*time.Millisecond)
	}
}

// BenchmarkExecutionLifecycleParallel is the same under contention from
// GOMAXPROCS goroutines.
func BenchmarkExecutionLifecycleParallel(b *testing.B) {
	m := New(prometheus.NewRegistry())
	const res = "arn:aws:lambda:us-east-1:123456789012:function:worker"
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			m.APICall("StartExecution", 150*time.Microsecond, "")
			m.ExecutionStarted("hello")
			for range 5 {
				m.StateTransition("hello")
			}
			m.TaskDone(res, 3*time.Millisecond, false)
			m.TaskDone(res, 4*time.Millisecond, false)
			m.ExecutionFinished("hello", "SUCCEEDED", 20*time.Millisecond)
		}
	})
}

// BenchmarkStateTransition is the cheapest hot call: one cached lookup and
// one atomic add.
func BenchmarkStateTransition(b *testing.B) {
	m := New(prometheus.NewRegistry())
	b.ReportAllocs()
	for b.Loop() {
		m.StateTransition("hello")
	}
}

// BenchmarkStateTransitionUncached is the same counter through
// CounterVec.WithLabelValues on every call, the baseline the child cache
// avoids.
func BenchmarkStateTransitionUncached(b *testing.B) {
	m := New(prometheus.NewRegistry())
	b.ReportAllocs()
	for b.Loop() {
		m.transitions.WithLabelValues("hello").Inc()
	}
}

// BenchmarkAPICallError covers the error path (two cached lookups).
func BenchmarkAPICallError(b *testing.B) {
	m := New(prometheus.NewRegistry())
	b.ReportAllocs()
	for b.Loop() {
		m.APICall("DescribeExecution", 100*time.Microsecond, "ExecutionDoesNotExist")
	}
}

// BenchmarkOverflow measures a label past its bound (the abuse path).
func BenchmarkOverflow(b *testing.B) {
	m := newMetrics(prometheus.NewRegistry(), limits{machines: 1, statuses: 1, resources: 1, operations: 1, errorTypes: 1})
	m.StateTransition("first")
	b.ReportAllocs()
	for b.Loop() {
		m.StateTransition("not-first")
	}
}

func BenchmarkNilMetrics(b *testing.B) {
	var m *Metrics
	for b.Loop() {
		m.StateTransition("hello")
	}
}
