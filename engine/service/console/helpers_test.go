package console

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stepwise/stepwise/engine/service"
	"github.com/stepwise/stepwise/engine/service/store"
	"github.com/stepwise/stepwise/integrations/mock"
)

// testConsole is a real service (SQLite in memory, the circuit breaker's
// mocks) with the console in front of it, on a loopback port.
type testConsole struct {
	svc     *service.Service
	console *Console
	traces  *Traces
	http    *httptest.Server
	client  *http.Client
}

type consoleSetup struct {
	noTraces    bool
	watchWindow time.Duration
	credentials map[string]string
}

func startConsole(t testing.TB, setup consoleSetup) *testConsole {
	t.Helper()
	st, err := store.Open(context.Background(), store.Memory, store.Options{OnError: func(err error) { t.Errorf("store: %v", err) }})
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := mock.Load(example + "mocks.json")
	if err != nil {
		t.Fatal(err)
	}
	tc := &testConsole{}
	opts := service.Options{Store: st, Mocks: cfg}
	if !setup.noTraces {
		tc.traces = NewTraces(TraceOptions{WatchWindow: setup.watchWindow})
		opts.Tracer = tc.traces.Tracer
	}
	svc, err := service.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	c, err := New(Options{API: svc, Traces: tc.traces, Mocks: cfg, Credentials: setup.credentials})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/", svc)
	c.Mount(mux)
	tc.svc, tc.console, tc.http = svc, c, httptest.NewServer(mux)
	tc.client = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	t.Cleanup(func() {
		tc.http.Close()
		if err := svc.Shutdown(context.Background()); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		_ = st.Close()
	})
	return tc
}

// call runs an API operation directly on the service.
func (tc *testConsole) call(t testing.TB, op string, in any) map[string]any {
	t.Helper()
	body, _ := json.Marshal(in)
	out, err := tc.svc.Call(context.Background(), op, body)
	if err != nil {
		t.Fatalf("%s: %v", op, err)
	}
	var m map[string]any
	if err := json.Unmarshal(out, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// createMachine creates a STANDARD state machine and returns its ARN.
func (tc *testConsole) createMachine(t testing.TB, name, definition string) string {
	t.Helper()
	out := tc.call(t, "CreateStateMachine", map[string]string{"name": name, "definition": definition, "roleArn": "arn:aws:iam::123456789012:role/r"})
	return out["stateMachineArn"].(string)
}

// get sends a console GET and returns the status and body.
func (tc *testConsole) get(t testing.TB, path string, header ...string) (int, []byte, http.Header) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, tc.http.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		if header[i] == "Host" {
			req.Host = header[i+1]
			continue
		}
		req.Header.Set(header[i], header[i+1])
	}
	return tc.do(t, req)
}

// post sends a console JSON call, as the page does.
func (tc *testConsole) post(t testing.TB, path string, in any, header ...string) (int, []byte, http.Header) {
	t.Helper()
	body, _ := json.Marshal(in)
	req, err := http.NewRequest(http.MethodPost, tc.http.URL+path, strings.NewReader(string(body)))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Stepwise-Console", "1")
	req.Header.Set("Origin", tc.http.URL)
	for i := 0; i+1 < len(header); i += 2 {
		if header[i+1] == "" {
			req.Header.Del(header[i])
		} else {
			req.Header.Set(header[i], header[i+1])
		}
	}
	return tc.do(t, req)
}

func (tc *testConsole) do(t testing.TB, req *http.Request) (int, []byte, http.Header) {
	t.Helper()
	res, err := tc.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, data, res.Header
}

// getJSON sends a GET that must succeed and decodes its answer.
func (tc *testConsole) getJSON(t testing.TB, path string, out any) {
	t.Helper()
	code, body, _ := tc.get(t, path)
	if code != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, code, body)
	}
	if err := json.Unmarshal(body, out); err != nil {
		t.Fatalf("GET %s: %v: %s", path, err, body)
	}
}

// waitStatus polls the console's execution view until the execution's
// status is want.
func (tc *testConsole) waitStatus(t testing.TB, arn, want string) *execViewJSON {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		var v execViewJSON
		tc.getJSON(t, "/console/api/execution?arn="+url.QueryEscape(arn), &v)
		if v.Execution.Status == want {
			return &v
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: status %s, want %s", arn, v.Execution.Status, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

type execViewJSON struct {
	Execution struct {
		Status       string `json:"status"`
		Output       string `json:"output"`
		RedriveCount int    `json:"redriveCount"`
	} `json:"execution"`
	GraphKey string   `json:"graphKey"`
	Graph    *Graph   `json:"graph"`
	Summary  *Summary `json:"summary"`
	Traced   bool     `json:"traced"`
}

func q(s string) string { return url.QueryEscape(s) }
