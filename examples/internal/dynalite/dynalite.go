// Package dynalite starts dynalite, a local DynamoDB, for the examples'
// tests that write to DynamoDB through the real integrations/aws invoker.
package dynalite

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Start starts dynalite on a free loopback port for the test and returns
// its URL. scripts/dynalite.sh installs it (once, into a cache directory)
// and prints the path of its CLI, as for the integrations/aws tests; the
// caller is a test of a folder examples/NAME, so the script is at
// ../../scripts. Without node the test is skipped, loudly, except in CI
// (CI=true), where it fails.
func Start(t *testing.T) string {
	t.Helper()
	unavailable := func(why string) {
		t.Helper()
		if os.Getenv("CI") == "true" {
			t.Fatalf("dynalite is required in CI: %s", why)
		}
		t.Skipf("SKIPPING the DynamoDB test against dynalite: %s (install node and npm, or run scripts/dynalite.sh)", why)
	}
	if _, err := exec.LookPath("node"); err != nil {
		unavailable("node is not installed")
	}
	script, err := filepath.Abs("../../scripts/dynalite.sh")
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("bash", script).Output()
	if err != nil {
		unavailable(fmt.Sprintf("scripts/dynalite.sh failed: %v", err))
	}
	cli := strings.TrimSpace(string(out))

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	port := l.Addr().(*net.TCPAddr).Port
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("node", cli, "--host", "127.0.0.1", "--port", fmt.Sprint(port), "--createTableMs", "0", "--deleteTableMs", "0")
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	deadline := time.Now().Add(20 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return "http://" + addr
		}
		if time.Now().After(deadline) {
			t.Fatalf("dynalite did not listen on %s within 20s: %v", addr, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
