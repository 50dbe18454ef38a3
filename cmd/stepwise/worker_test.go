package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stepwise/stepwise/engine/runtime/temporal/temporaltest"
	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/testsuite"
)

// TestWorkerAndRunOnTemporal runs the circuit breaker's mocked test cases
// with stepwise worker and stepwise run --backend temporal against a dev
// server, and compares with stepwise run in process. The worker has no
// mocks file (the mocks travel in the workflow input), and calls AWS for
// the states the test case does not mock, as stepwise run does.
func TestWorkerAndRunOnTemporal(t *testing.T) {
	cli := temporaltest.CLI(t)
	sqs, sqsURL := newSQS(t)
	t.Setenv("AWS_ENDPOINT_URL_SQS", sqsURL)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	srv, err := testsuite.StartDevServer(ctx, testsuite.DevServerOptions{
		ExistingPath:  cli,
		LogLevel:      "error",
		Stdout:        io.Discard,
		Stderr:        io.Discard,
		ClientOptions: &client.Options{Logger: tlog.NewStructuredLogger(slog.New(slog.NewTextHandler(io.Discard, nil)))},
	})
	if err != nil {
		t.Fatalf("dev server: %v", err)
	}
	defer func() { _ = srv.Stop() }()
	addr := srv.FrontendHostPort()

	dir := filepath.Join("..", "..", "examples", "circuit-breaker")
	mocks := filepath.Join(dir, "mocks.json")
	wctx, stopWorker := context.WithCancel(ctx)
	var werr bytes.Buffer
	done := make(chan int, 1)
	go func() {
		done <- mainWithArgs(wctx, []string{"worker", "--address", addr, "--task-queue", "cli-test"}, io.Discard, &werr)
	}()
	defer func() {
		stopWorker()
		if code := <-done; code != 0 {
			t.Errorf("worker exited %d: %s", code, werr.String())
		}
	}()

	for _, tc := range []string{"HappyPath", "CircuitOpen"} {
		t.Run(tc, func(t *testing.T) {
			args := []string{"run", filepath.Join(dir, "statemachine.asl.json"), "--input", "@" + filepath.Join(dir, "input.json"),
				"--mocks", mocks, "--test-case", tc, "--json"}
			var lout, lerr bytes.Buffer
			lcode := mainWithArgs(ctx, args, &lout, &lerr)
			var tout, terr bytes.Buffer
			tcode := mainWithArgs(ctx, append(args, "--backend", "temporal", "--address", addr, "--task-queue", "cli-test", "--workflow-id", "cli-"+tc), &tout, &terr)
			if tcode != lcode || tout.String() != lout.String() {
				t.Fatalf("temporal: exit %d %s(stderr %s)\nlocal: exit %d %s(stderr %s)", tcode, tout.String(), terr.String(), lcode, lout.String(), lerr.String())
			}
		})
	}

	// A mocked Lambda, then a real SQS call (to the loopback SQS).
	t.Run("hybrid", func(t *testing.T) {
		def := writeFile(t, "flow.asl.json", hybridDef[:strings.Index(hybridDef, `"Next":"Nested"`)]+`"End":true}}}`)
		hm := writeFile(t, "mocks.json", hybridMocks)
		var tout, terr bytes.Buffer
		code := mainWithArgs(ctx, []string{"run", def, "--mocks", hm, "--test-case", "T", "--backend", "temporal", "--address", addr,
			"--task-queue", "cli-test", "--workflow-id", "cli-hybrid"}, &tout, &terr)
		if code != 0 || tout.String() != `{"v":42,"sent":{"id":"m-1"}}`+"\n" {
			t.Fatalf("exit %d, stdout %q, stderr %s", code, tout.String(), terr.String())
		}
		if len(sqs.bodies) != 1 || !strings.Contains(sqs.bodies[0], `"MessageBody":"{\"v\":42}"`) {
			t.Fatalf("SQS requests %v", sqs.bodies)
		}
	})

	t.Run("history", func(t *testing.T) {
		args := []string{"run", filepath.Join(dir, "statemachine.asl.json"), "--input", "@" + filepath.Join(dir, "input.json"),
			"--mocks", mocks, "--test-case", "HappyPath", "--json", "--history"}
		types := func(out []byte) string {
			var doc struct {
				Events []struct {
					Type    string         `json:"type"`
					Details map[string]any `json:"details"`
				} `json:"events"`
			}
			if err := json.Unmarshal(out, &doc); err != nil {
				t.Fatalf("%v: %s", err, out)
			}
			var b strings.Builder
			for _, e := range doc.Events {
				fmt.Fprintf(&b, "%s(%d) ", e.Type, len(e.Details))
			}
			return b.String()
		}
		var lout, tout bytes.Buffer
		mainWithArgs(ctx, args, &lout, io.Discard)
		mainWithArgs(ctx, append(args, "--backend", "temporal", "--address", addr, "--task-queue", "cli-test", "--workflow-id", "cli-history"), &tout, io.Discard)
		if l, tt := types(lout.Bytes()), types(tout.Bytes()); l != tt || l == "" {
			t.Fatalf("events:\ntemporal %s\nlocal    %s", tt, l)
		}
	})
}
