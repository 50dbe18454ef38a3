// Package browsertest starts a headless Chromium for tests that drive a
// page with chromedp. Without Chromium a test is skipped, loudly; under CI
// (CI=true), where .ci/run installs Debian's chromium, it fails instead.
package browsertest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Browser is a headless Chromium tab.
type Browser struct {
	Ctx context.Context

	mu       sync.Mutex
	messages []chromedp.ConsoleMessage
}

// ExecPath finds Chromium: $STEPWISE_CHROMIUM, else chromium,
// chromium-browser or google-chrome on PATH ("" when none is).
func ExecPath() string {
	if p := os.Getenv("STEPWISE_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// New starts a browser for t, closed when t ends.
func New(t testing.TB) *Browser {
	t.Helper()
	path := ExecPath()
	if path == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("Chromium is not installed: CI must run browser tests (.ci/run installs Debian's chromium)")
		}
		t.Skip("SKIPPING browser test: Chromium is not installed (apt-get install chromium, or set STEPWISE_CHROMIUM)")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(filepath.Join(t.TempDir(), "chromium")),
		chromedp.WindowSize(1400, 1000),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting Chromium (%s): %v", path, err)
	}
	b := &Browser{Ctx: ctx}
	msgs := chromedp.Console(ctx)
	go func() {
		for m, err := range msgs {
			if err != nil {
				return
			}
			b.mu.Lock()
			b.messages = append(b.messages, m)
			b.mu.Unlock()
		}
	}()
	return b
}

// Do runs actions, each step given up to a minute.
func (b *Browser) Do(t testing.TB, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.Ctx, time.Minute)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("browser: %v\nconsole:\n%s", err, b.Console())
	}
}

// Text returns the text of the first node sel matches (CSS), waiting for it.
func (b *Browser) Text(t testing.TB, sel string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.Ctx, time.Minute)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("browser: text of %s: %v\nconsole:\n%s", sel, err, b.Console())
	}
	return s
}

// Eval evaluates a JavaScript expression.
func Eval[T any](t testing.TB, b *Browser, expr string) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.Ctx, time.Minute)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("browser: %s: %v\nconsole:\n%s", expr, err, b.Console())
	}
	return v
}

// WaitFor polls a JavaScript predicate until it is true (up to a minute),
// across page loads (a form submitted just before).
func (b *Browser) WaitFor(t testing.TB, predicate string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.Ctx, time.Minute)
	defer cancel()
	for {
		_, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](predicate, chromedp.WithPollingInterval(50*time.Millisecond)))
		if err == nil {
			return
		}
		if ctx.Err() == nil && (strings.Contains(err.Error(), "navigated or closed") || strings.Contains(err.Error(), "Cannot find context")) {
			time.Sleep(50 * time.Millisecond)
			continue
		}
		t.Fatalf("browser: waiting for %s: %v\nconsole:\n%s", predicate, err, b.Console())
	}
}

// Screenshot captures the whole page as a PNG; with $STEPWISE_SCREENSHOTS
// set to a directory, it also writes it there as name.
func (b *Browser) Screenshot(t testing.TB, name string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.Ctx, time.Minute)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("browser: screenshot: %v", err)
	}
	if dir := os.Getenv("STEPWISE_SCREENSHOTS"); dir != "" {
		if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
			t.Fatalf("writing the screenshot: %v", err)
		}
	}
	return png
}

// Console is what the page wrote to its console (and the browser logged),
// one message a line.
func (b *Browser) Console() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var s strings.Builder
	for _, m := range b.messages {
		s.WriteString(m.String())
		s.WriteByte('\n')
	}
	return s.String()
}

// Messages returns the console messages so far.
func (b *Browser) Messages() []chromedp.ConsoleMessage {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]chromedp.ConsoleMessage(nil), b.messages...)
}
