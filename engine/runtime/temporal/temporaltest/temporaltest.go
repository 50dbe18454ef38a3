// Package temporaltest holds what the tests that run a real Temporal dev
// server share: where the Temporal CLI is, a logger that keeps the SDK
// quiet, and a buffer for a subprocess's output.
package temporaltest

import (
	"bytes"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"

	tlog "go.temporal.io/sdk/log"
)

// CLI returns the Temporal CLI whose dev server the tests start:
// $STEPWISE_TEMPORAL_CLI, else ~/.cache/stepwise-temporal/temporal (where
// scripts/temporal-cli.sh builds it). A missing CLI fails the test, except
// in -short mode, where it skips it.
func CLI(tb testing.TB) string {
	tb.Helper()
	p := os.Getenv("STEPWISE_TEMPORAL_CLI")
	if p == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			tb.Fatalf("no STEPWISE_TEMPORAL_CLI and no home directory: %v", err)
		}
		p = filepath.Join(home, ".cache", "stepwise-temporal", "temporal")
	}
	if _, err := os.Stat(p); err != nil {
		if testing.Short() {
			tb.Skipf("no Temporal CLI (%v); build it with scripts/temporal-cli.sh", err)
		}
		tb.Fatalf("no Temporal CLI (%v): build it with scripts/temporal-cli.sh or set STEPWISE_TEMPORAL_CLI", err)
	}
	return p
}

// QuietLogger drops the SDK's logs.
func QuietLogger() tlog.Logger {
	return tlog.NewStructuredLogger(slog.New(slog.NewTextHandler(io.Discard, nil)))
}

// LockedBuffer collects a process's output, written from several goroutines.
type LockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write appends p.
func (l *LockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// String returns what was written.
func (l *LockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
