package console

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/stepwise/stepwise/asl"
	"github.com/stepwise/stepwise/asl/value"
	"github.com/stepwise/stepwise/engine"
	"github.com/stepwise/stepwise/integrations/gofunc"
	"github.com/stepwise/stepwise/integrations/mock"
	"github.com/stepwise/stepwise/internal/browsertest"
)

const example = "../../../examples/circuit-breaker/"

// runExample runs the circuit breaker with a mock test case, traced and
// with its history, as stepwise run --html does.
func runExample(t *testing.T, testCase string) Page {
	t.Helper()
	def, err := os.ReadFile(example + "statemachine.asl.json")
	if err != nil {
		t.Fatal(err)
	}
	sm, err := asl.Parse(def)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := mock.Load(example + "mocks.json")
	if err != nil {
		t.Fatal(err)
	}
	tc, err := cfg.TestCase("statemachine", testCase)
	if err != nil {
		t.Fatal(err)
	}
	in, err := os.ReadFile(example + "input.json")
	if err != nil {
		t.Fatal(err)
	}
	input, err := value.Decode(in)
	if err != nil {
		t.Fatal(err)
	}
	var steps []*engine.Step
	res, err := engine.Run(context.Background(), sm, input, engine.Options{
		Invoker: gofunc.Chain(tc.Invoker(nil)), StateMachineName: "statemachine", ExecutionName: "page-test",
		Tracer: engine.TracerFunc(func(_ context.Context, s *engine.Step) { steps = append(steps, s) }),
	})
	if err != nil {
		t.Fatal(err)
	}
	return Page{Machine: sm, StateMachineName: "statemachine", ExecutionName: "page-test", Input: input, Result: res, Steps: steps}
}

func writePage(t *testing.T, p Page) string {
	t.Helper()
	var b bytes.Buffer
	if err := WritePage(&b, p); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "run.html")
	if err := os.WriteFile(file, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return file
}

// TestBrowserStaticPage opens a run --html page from a file, with no
// server: the graph shows the path taken, a state's data is a click away,
// and the page's hash-based CSP lets its own inline blocks run (nothing is
// refused).
func TestBrowserStaticPage(t *testing.T) {
	file := writePage(t, runExample(t, "HappyPath"))
	b := browsertest.New(t)
	b.Do(t, chromedp.Navigate("file://"+file))
	b.WaitFor(t, `document.querySelector('#execution-status') && document.querySelectorAll('svg.graph .node.state').length > 0`)
	if got := b.Text(t, "#execution-status"); got != "SUCCEEDED" {
		t.Errorf("status = %q, want SUCCEEDED", got)
	}
	status := func(state string) string {
		return browsertest.Eval[string](t, b, `(function(){var n=[...document.querySelectorAll('svg.graph .node.state')].find(function(e){return e.dataset.state===`+jsString(state)+`});return n?n.getAttribute('class'):'missing'})()`)
	}
	for state, want := range map[string]string{"Get Circuit Status": "succeeded", "Execute Lambda": "succeeded", "Circuit Open": "unreached", "Update Circuit Status": "unreached"} {
		if got := status(state); !strings.Contains(got, want) {
			t.Errorf("%s: class %q, want %s", state, got, want)
		}
	}
	b.Do(t, chromedp.Click(chromedp.CSS(`svg.graph .node.state[data-state="Execute Lambda"]`)))
	b.WaitFor(t, `document.querySelector('#state-output') !== null`)
	if got := b.Text(t, "#state-output"); !strings.Contains(got, `"status": "PAID"`) {
		t.Errorf("Execute Lambda's output = %q", got)
	}
	if got := b.Text(t, `pre[data-stage="afterResultSelector"]`); !strings.Contains(got, `"Payload"`) {
		t.Errorf("after ResultSelector = %q", got)
	}
	if n := browsertest.Eval[int](t, b, `document.querySelectorAll('#history-table tbody tr').length`); n != len(runExample(t, "HappyPath").Result.Events) {
		t.Errorf("history rows = %d", n)
	}
	b.Screenshot(t, "run-html.png")
	for _, m := range b.Messages() {
		if strings.Contains(m.Text, "Content Security Policy") || m.IsException() {
			t.Errorf("browser console: %s", m)
		}
	}
}

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// TestBrowserScale: a 1,000-state machine is laid out and drawn, and an
// execution of 25,000 events shows its history a page at a time.
func TestBrowserScale(t *testing.T) {
	b := browsertest.New(t)
	tc := startConsole(t, consoleSetup{})
	arn := tc.createMachine(t, "big", bigMachine(1000))
	b.Do(t, chromedp.Navigate(tc.http.URL+"/#/machine/"+q(arn)))
	b.WaitFor(t, `document.querySelectorAll('svg.graph .node.state').length === 1020`)
	// Every node got a place.
	if n := browsertest.Eval[int](t, b, `[...document.querySelectorAll('svg.graph .node.state rect')].filter(function(r){return isNaN(parseFloat(r.getAttribute('x')))}).length`); n != 0 {
		t.Errorf("%d nodes without a position", n)
	}

	loop := `{"StartAt":"Spin","States":{"Spin":{"Type":"Pass","Next":"Check"},"Check":{"Type":"Choice","Choices":[{"Variable":"$.stop","IsPresent":true,"Next":"Done"}],"Default":"Spin"},"Done":{"Type":"Succeed"}}}`
	larn := tc.createMachine(t, "loop", loop)
	out := tc.call(t, "StartExecution", map[string]string{"stateMachineArn": larn, "name": "runaway"})
	exArn := out["executionArn"].(string)
	tc.waitStatus(t, exArn, "FAILED")
	b.Do(t, chromedp.Navigate(tc.http.URL+"/#/execution/"+q(exArn)))
	b.WaitFor(t, `(document.querySelector('#execution-status') || {}).textContent === 'FAILED' && document.querySelectorAll('#history-table tbody tr').length === 100`)
	if got := b.Text(t, "#execution-error"); got != "States.Runtime" {
		t.Errorf("error = %q", got)
	}
	b.Do(t, chromedp.Click(chromedp.CSS("#history-next")))
	b.WaitFor(t, `document.querySelector('#history-table tbody tr td') && document.querySelector('#history-table tbody tr td').textContent === '101'`)
	b.Do(t, chromedp.Click(chromedp.CSS(`svg.graph .node.state[data-state="Spin"]`)))
	b.WaitFor(t, `document.querySelector('#visit-select') !== null`)
	if n := browsertest.Eval[int](t, b, `document.querySelectorAll('#visit-select option').length`); n != visitPage {
		t.Errorf("%d visits on the first page", n)
	}
}

// TestBrowserLive: the execution view follows a running execution without
// a reload, and its Stop and Redrive buttons act on it.
func TestBrowserLive(t *testing.T) {
	b := browsertest.New(t)
	tc := startConsole(t, consoleSetup{})
	arn := tc.createMachine(t, "waiter", waitMachine)
	b.Do(t, chromedp.Navigate(tc.http.URL+"/#/machine/"+q(arn)))
	b.WaitFor(t, `document.querySelector('#start-execution') !== null`)
	b.Do(t, chromedp.SetValue(chromedp.CSS(`#start-execution input[name=name]`), "live"),
		chromedp.Click(chromedp.CSS(`#start-execution button[type=submit]`)))
	b.WaitFor(t, `(document.querySelector('#execution-status') || {}).textContent === 'RUNNING' && document.querySelector('svg.graph .node.state[data-state="Hold"].running') !== null`)
	// Stopped elsewhere (through the API): the page sees it by itself.
	exArn := arn[:strings.Index(arn, ":stateMachine:")] + ":execution:waiter:live"
	tc.call(t, "StopExecution", map[string]string{"executionArn": exArn, "error": "Elsewhere"})
	b.WaitFor(t, `(document.querySelector('#execution-status') || {}).textContent === 'ABORTED' && document.querySelector('svg.graph .node.state[data-state="Hold"].aborted') !== null`)
	if got := b.Text(t, "#execution-error"); got != "Elsewhere" {
		t.Errorf("error = %q", got)
	}
	// Redrive from the page: running again; then stop it from the page.
	b.Do(t, chromedp.Click(chromedp.CSS("#redrive")))
	b.WaitFor(t, `(document.querySelector('#execution-status') || {}).textContent === 'RUNNING' && document.querySelector('#stop') !== null`)
	b.Do(t, chromedp.Click(chromedp.CSS("#stop")))
	b.WaitFor(t, `(document.querySelector('#execution-status') || {}).textContent === 'ABORTED'`)
	v := tc.waitStatus(t, exArn, "ABORTED")
	if v.Execution.RedriveCount != 1 {
		t.Errorf("redriveCount = %d", v.Execution.RedriveCount)
	}
}

// TestBrowserAlias: the machine page lists versions and aliases and starts
// an execution on the alias picked.
func TestBrowserAlias(t *testing.T) {
	b := browsertest.New(t)
	tc := startConsole(t, consoleSetup{})
	arn := tc.createMachine(t, "aliased", `{"StartAt":"A","States":{"A":{"Type":"Succeed"}}}`)
	version := tc.call(t, "PublishStateMachineVersion", map[string]string{"stateMachineArn": arn})["stateMachineVersionArn"].(string)
	alias := tc.call(t, "CreateStateMachineAlias", map[string]any{"name": "live",
		"routingConfiguration": []map[string]any{{"stateMachineVersionArn": version, "weight": 100}}})["stateMachineAliasArn"].(string)
	b.Do(t, chromedp.Navigate(tc.http.URL+"/#/machine/"+q(arn)))
	b.WaitFor(t, `document.querySelectorAll('#qualifiers tbody tr').length === 2 && document.querySelector('#start-execution select[name=target]') !== null`)
	b.Do(t,
		chromedp.SetValue(chromedp.CSS(`#start-execution select[name=target]`), alias),
		chromedp.Click(chromedp.CSS(`#start-execution button[type=submit]`)))
	b.WaitFor(t, `(document.querySelector('#execution-status') || {}).textContent === 'SUCCEEDED'`)
	if got := b.Text(t, "#execution-header"); !strings.Contains(got, alias) || !strings.Contains(got, version) {
		t.Errorf("execution header = %q", got)
	}
}
