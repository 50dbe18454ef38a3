package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func TestConsoleFlag(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want bool
	}{
		{[]string{"--listen", "127.0.0.1:8083"}, true},
		{[]string{"--listen", "localhost:0"}, true},
		{[]string{"--listen", "[::1]:8083"}, true},
		{[]string{"--listen", "0.0.0.0:8083"}, false},
		{[]string{"--listen", ":8083"}, false},
		{[]string{"--listen", "192.0.2.7:8083"}, false},
		{[]string{"--listen", "0.0.0.0:8083", "--console"}, true},
		{[]string{"--listen", "127.0.0.1:8083", "--console=false"}, false},
	} {
		f, err := parseServeFlags(tc.args)
		if err != nil {
			t.Fatalf("%v: %v", tc.args, err)
		}
		if got := f.console.enabled(f.listen); got != tc.want {
			t.Errorf("%v: console %v, want %v", tc.args, got, tc.want)
		}
	}
	for _, bad := range [][]string{{"--console=maybe"}, {"--console-trace", "sometimes"}} {
		if _, err := parseServeFlags(bad); err == nil {
			t.Errorf("%v was accepted", bad)
		}
	}
	for _, mode := range []string{"watching", "always", "off"} {
		if _, err := parseServeFlags([]string{"--console-trace", mode}); err != nil {
			t.Errorf("--console-trace %s: %v", mode, err)
		}
	}
}

// TestRunHTML: run --html writes the execution view as one page, next to
// the usual output.
func TestRunHTML(t *testing.T) {
	file := filepath.Join(t.TempDir(), "run.html")
	code, out, stderr := runCLI(t, "../../examples/circuit-breaker/statemachine.asl.json", "--input", "@../../examples/circuit-breaker/input.json",
		"--mocks", "../../examples/circuit-breaker/mocks.json", "--test-case", "ServiceTimesOut", "--virtual-clock", "--html", file)
	if code != 1 || out != "" || !strings.Contains(stderr, "States.Timeout") {
		t.Fatalf("exit %d, out %q, err %q", code, out, stderr)
	}
	page, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(page), `<meta http-equiv="Content-Security-Policy"`) || strings.Contains(string(page), `src="`) {
		t.Error("the page is not self-contained under a CSP")
	}
	m := regexp.MustCompile(`(?s)<script type="application/json" id="stepwise-data">(.*?)</script>`).FindSubmatch(page)
	if m == nil {
		t.Fatal("no data in the page")
	}
	var d struct {
		View struct {
			Execution struct{ Status, Error string }
			Summary   struct {
				States map[string]struct{ Status string }
			}
		}
		Events []json.RawMessage
		Visits []struct{ State string }
	}
	if err := json.Unmarshal(m[1], &d); err != nil {
		t.Fatal(err)
	}
	if d.View.Execution.Status != "FAILED" || d.View.Execution.Error != "States.Timeout" || len(d.Events) != 29 || len(d.Visits) != 5 {
		t.Errorf("page data: %+v, %d events, %d visits", d.View.Execution, len(d.Events), len(d.Visits))
	}
	if st := d.View.Summary.States["Execute Lambda"].Status; st != "caught" {
		t.Errorf("Execute Lambda is %q", st)
	}
	// --html does not turn on the text trace.
	if strings.Contains(stderr, "afterInputPath") || strings.Contains(stderr, "Get Circuit Status") {
		t.Errorf("stderr has a trace: %q", stderr)
	}
}
