package metrics

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// scrape fetches the handler's text exposition.
func scrape(t *testing.T, g prometheus.Gatherer) string {
	t.Helper()
	srv := httptest.NewServer(Handler(g))
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatalf("scrape: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("scrape status %d", resp.StatusCode)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Errorf("Content-Type = %q, want text/plain", ct)
	}
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read scrape: %v", err)
	}
	return string(b)
}

// value returns the sample value on the line for series (name{labels}), or
// fails the test when the series is absent.
func value(t *testing.T, text, series string) string {
	t.Helper()
	for _, line := range strings.Split(text, "\n") {
		if rest, ok := strings.CutPrefix(line, series+" "); ok {
			return rest
		}
	}
	t.Fatalf("series %s not in scrape:\n%s", series, text)
	return ""
}

func expect(t *testing.T, text string, want map[string]string) {
	t.Helper()
	for series, v := range want {
		if got := value(t, text, series); got != v {
			t.Errorf("%s = %s, want %s", series, got, v)
		}
	}
}

func TestMetricsScrape(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := New(reg)

	for range 3 {
		m.ExecutionStarted("hello")
	}
	m.ExecutionStarted("other")
	for range 7 {
		m.StateTransition("hello")
	}
	m.ExecutionFinished("hello", "SUCCEEDED", 1500*time.Millisecond)
	m.ExecutionFinished("hello", "FAILED", 3*time.Second)
	m.TaskDone("arn:aws:lambda:us-east-1:123456789012:function:f", 20*time.Millisecond, false)
	m.TaskDone("arn:aws:lambda:us-east-1:123456789012:function:f", 2*time.Second, true)
	m.APICall("StartExecution", 300*time.Microsecond, "")
	m.APICall("StartExecution", 200*time.Microsecond, "StateMachineDoesNotExist")
	m.APICall("DescribeExecution", 2*time.Millisecond, "InvalidSignatureException")

	text := scrape(t, reg)
	const fn = `resource="arn:aws:lambda:us-east-1:123456789012:function:f"`
	expect(t, text, map[string]string{
		`stepwise_executions_started_total{state_machine="hello"}`:                                  "3",
		`stepwise_executions_started_total{state_machine="other"}`:                                  "1",
		`stepwise_executions_running{state_machine="hello"}`:                                        "1",
		`stepwise_executions_running{state_machine="other"}`:                                        "1",
		`stepwise_executions_finished_total{state_machine="hello",status="SUCCEEDED"}`:              "1",
		`stepwise_executions_finished_total{state_machine="hello",status="FAILED"}`:                 "1",
		`stepwise_execution_duration_seconds_count{state_machine="hello"}`:                          "2",
		`stepwise_execution_duration_seconds_sum{state_machine="hello"}`:                            "4.5",
		`stepwise_execution_duration_seconds_bucket{state_machine="hello",le="1"}`:                  "0",
		`stepwise_execution_duration_seconds_bucket{state_machine="hello",le="5"}`:                  "2",
		`stepwise_state_transitions_total{state_machine="hello"}`:                                   "7",
		`stepwise_task_duration_seconds_count{` + fn + `}`:                                          "2",
		`stepwise_task_duration_seconds_sum{` + fn + `}`:                                            "2.02",
		`stepwise_task_duration_seconds_bucket{` + fn + `,le="0.05"}`:                               "1",
		`stepwise_task_failures_total{` + fn + `}`:                                                  "1",
		`stepwise_api_request_duration_seconds_count{operation="StartExecution"}`:                   "2",
		`stepwise_api_request_duration_seconds_bucket{operation="StartExecution",le="0.00025"}`:     "1",
		`stepwise_api_request_duration_seconds_count{operation="DescribeExecution"}`:                "1",
		`stepwise_api_errors_total{operation="StartExecution",type="StateMachineDoesNotExist"}`:     "1",
		`stepwise_api_errors_total{operation="DescribeExecution",type="InvalidSignatureException"}`: "1",
	})
	if strings.Contains(text, `type=""`) {
		t.Errorf("a successful API call was counted as an error:\n%s", text)
	}
	if strings.Contains(text, "go_goroutines") {
		t.Errorf("New registered more than the stepwise metrics:\n%s", text)
	}
}

func TestNilMetricsIsNoOp(t *testing.T) {
	var m *Metrics
	m.ExecutionStarted("x")
	m.ExecutionFinished("x", "SUCCEEDED", time.Second)
	m.StateTransition("x")
	m.TaskDone("r", time.Second, true)
	m.APICall("op", time.Second, "E")
}

func TestNewTwiceOnOneRegistryShares(t *testing.T) {
	reg := prometheus.NewRegistry()
	a, b := New(reg), New(reg)
	a.ExecutionStarted("sm")
	b.ExecutionStarted("sm")
	expect(t, scrape(t, reg), map[string]string{`stepwise_executions_started_total{state_machine="sm"}`: "2"})
}

func TestNewPanicsOnConflictingCollector(t *testing.T) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(prometheus.NewGauge(prometheus.GaugeOpts{Name: "stepwise_executions_started_total", Help: "imposter"}))
	defer func() {
		r := recover()
		if r == nil {
			t.Fatal("New did not panic on a conflicting collector")
		}
		if !strings.Contains(fmt.Sprint(r), "metrics: registering") {
			t.Errorf("panic lacks context: %v", r)
		}
	}()
	New(reg)
}

func TestNewNilRegisterer(t *testing.T) {
	m := New(nil)
	m.ExecutionStarted("x") // collected, just not exported
	m.APICall("StartExecution", time.Millisecond, "")
}

func TestLabelCardinalityIsBounded(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := newMetrics(reg, limits{machines: 3, statuses: 2, resources: 2, operations: 2, errorTypes: 1})
	for i := range 10 {
		name := fmt.Sprintf("sm-%d", i)
		m.ExecutionStarted(name)
		m.StateTransition(name)
		m.ExecutionFinished(name, "SUCCEEDED", time.Second)
		m.TaskDone(fmt.Sprintf("arn:r%d", i), time.Millisecond, false)
		m.APICall(fmt.Sprintf("Op%d", i), time.Millisecond, fmt.Sprintf("E%d", i))
	}
	for _, s := range []string{"FAILED", "TIMED_OUT", "ABORTED"} {
		m.ExecutionFinished("sm-0", s, time.Second)
	}
	m.APICall("Op0", time.Millisecond, "Another")

	text := scrape(t, reg)
	expect(t, text, map[string]string{
		`stepwise_executions_started_total{state_machine="sm-0"}`:                          "1",
		`stepwise_executions_started_total{state_machine="sm-2"}`:                          "1",
		`stepwise_executions_started_total{state_machine="__other__"}`:                     "7",
		`stepwise_state_transitions_total{state_machine="__other__"}`:                      "7",
		`stepwise_executions_running{state_machine="__other__"}`:                           "0",
		`stepwise_executions_finished_total{state_machine="__other__",status="SUCCEEDED"}`: "7",
		`stepwise_executions_finished_total{state_machine="sm-0",status="SUCCEEDED"}`:      "1",
		`stepwise_executions_finished_total{state_machine="sm-0",status="FAILED"}`:         "1",
		`stepwise_executions_finished_total{state_machine="sm-0",status="__other__"}`:      "2",
		`stepwise_task_duration_seconds_count{resource="__other__"}`:                       "8",
		`stepwise_api_request_duration_seconds_count{operation="__other__"}`:               "8",
		`stepwise_api_errors_total{operation="Op0",type="E0"}`:                             "1",
		`stepwise_api_errors_total{operation="Op0",type="__other__"}`:                      "1",
		`stepwise_api_errors_total{operation="__other__",type="E2"}`:                       "1",
		`stepwise_api_errors_total{operation="__other__",type="__other__"}`:                "7",
	})
	if n := strings.Count(text, "stepwise_executions_started_total{"); n != 4 {
		t.Errorf("%d started series, want 4 (3 + overflow)", n)
	}
	if strings.Contains(text, `"sm-3"`) || strings.Contains(text, `"arn:r2"`) {
		t.Errorf("a label past its bound got its own series:\n%s", text)
	}
}

func TestConcurrentUse(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := newMetrics(reg, limits{machines: 5, statuses: 4, resources: 5, operations: 5, errorTypes: 4})
	var wg sync.WaitGroup
	const workers, per = 8, 500
	for w := range workers {
		wg.Go(func() {
			for i := range per {
				sm := fmt.Sprintf("sm-%d", (w+i)%9)
				m.ExecutionStarted(sm)
				m.StateTransition(sm)
				m.ExecutionFinished(sm, "SUCCEEDED", time.Millisecond)
				m.APICall("StartExecution", time.Microsecond, "")
			}
		})
	}
	wg.Wait()
	text := scrape(t, reg)
	var started, running float64
	for _, line := range strings.Split(text, "\n") {
		var v float64
		if strings.HasPrefix(line, "stepwise_executions_started_total{") {
			if _, err := fmt.Sscan(line[strings.LastIndexByte(line, ' ')+1:], &v); err != nil {
				t.Fatalf("parse %q: %v", line, err)
			}
			started += v
		}
		if strings.HasPrefix(line, "stepwise_executions_running{") {
			if _, err := fmt.Sscan(line[strings.LastIndexByte(line, ' ')+1:], &v); err != nil {
				t.Fatalf("parse %q: %v", line, err)
			}
			running += v
		}
	}
	if started != workers*per {
		t.Errorf("started total = %v, want %d", started, workers*per)
	}
	if running != 0 {
		t.Errorf("running total = %v, want 0", running)
	}
	expect(t, text, map[string]string{`stepwise_api_request_duration_seconds_count{operation="StartExecution"}`: fmt.Sprint(workers * per)})
}

func TestHandlerNilGatherer(t *testing.T) {
	rec := httptest.NewRecorder()
	Handler(nil).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusServiceUnavailable {
		t.Errorf("status = %d, want 503", rec.Code)
	}
}
