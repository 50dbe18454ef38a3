package main

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/chromedp/chromedp"

	"github.com/stepwise/stepwise/internal/browsertest"
)

const xssState = `<img src=x onerror=alert(1)>`

// TestConsoleBrowser drives the web console of a real `stepwise serve`
// (with the circuit breaker's mocks) in headless Chromium: the machine
// list, starting the example with a mock test case, watching it finish,
// reading a state's output, and a state named like an HTML element that
// must show as text. With $STEPWISE_SCREENSHOTS set it writes the
// screenshots of docs/ there.
func TestConsoleBrowser(t *testing.T) {
	b := browsertest.New(t)
	srv := startServeChild(t, "--listen", "127.0.0.1:0", "--db", ":memory:", "--mocks", "../../examples/circuit-breaker/mocks.json")
	ctx := context.Background()
	def, err := os.ReadFile("../../examples/circuit-breaker/statemachine.asl.json")
	if err != nil {
		t.Fatal(err)
	}
	role := aws.String("arn:aws:iam::123456789012:role/stepwise")
	if _, err := srv.client.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("statemachine"), Definition: aws.String(string(def)), RoleArn: role}); err != nil {
		t.Fatal(err)
	}
	xss := `{"StartAt":` + jsonString(xssState) + `,"States":{` + jsonString(xssState) + `:{"Type":"Pass","Result":{"html":"<script>alert(2)</script>"},"Next":"Done"},"Done":{"Type":"Succeed"}}}`
	if _, err := srv.client.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("escaping"), Definition: aws.String(xss), RoleArn: role}); err != nil {
		t.Fatal(err)
	}

	// The machine list.
	b.Do(t, chromedp.Navigate(srv.url+"/"))
	b.WaitFor(t, `document.querySelectorAll('#machines tbody tr').length === 2`)
	if got := b.Text(t, "#machines tbody"); !strings.Contains(got, "statemachine") || !strings.Contains(got, "escaping") {
		t.Errorf("machine list = %q", got)
	}
	b.Screenshot(t, "console-machines.png")

	// Start the circuit breaker's HappyPath test case from its page.
	clickLink(t, b, "statemachine")
	b.WaitFor(t, `document.querySelector('#start-execution select[name=testCase]') !== null && document.querySelectorAll('svg.graph .node.state').length === 6`)
	input, err := os.ReadFile("../../examples/circuit-breaker/input.json")
	if err != nil {
		t.Fatal(err)
	}
	b.Do(t,
		chromedp.SetValue(chromedp.CSS(`#start-execution input[name=name]`), "from-the-console"),
		chromedp.SetValue(chromedp.CSS(`#start-execution textarea[name=input]`), string(input)),
		chromedp.SetValue(chromedp.CSS(`#start-execution select[name=testCase]`), "HappyPath"),
		chromedp.Click(chromedp.CSS(`#start-execution button[type=submit]`)),
	)
	// Watch it finish: the page polls while the execution runs.
	b.WaitFor(t, `(document.querySelector('#execution-status') || {}).textContent === 'SUCCEEDED'`)
	b.WaitFor(t, `document.querySelectorAll('#history-table tbody tr').length === 14`)
	for state, want := range map[string]string{"Get Circuit Status": "succeeded", "Is Circuit Closed": "succeeded", "Execute Lambda": "succeeded", "Circuit Open": "unreached", "Service Failed": "unreached"} {
		if got := nodeClass(t, b, state); !strings.Contains(got, want) {
			t.Errorf("%s: class %q, want %s", state, got, want)
		}
	}
	if got := b.Text(t, "#execution-output"); !strings.Contains(got, `"orderId": "o-1001"`) {
		t.Errorf("execution output = %q", got)
	}

	// Click a state to read its output and data-flow steps.
	b.Do(t, chromedp.Click(chromedp.CSS(`svg.graph .node.state[data-state="Execute Lambda"]`)))
	b.WaitFor(t, `document.querySelector('#state-name') && document.querySelector('#state-name').textContent === 'Execute Lambda' && document.querySelector('#state-output') !== null`)
	if got := b.Text(t, "#state-output"); !strings.Contains(got, `"status": "PAID"`) {
		t.Errorf("Execute Lambda's output = %q", got)
	}
	if got := b.Text(t, `pre[data-stage="result"]`); !strings.Contains(got, `"StatusCode": 200`) {
		t.Errorf("Execute Lambda's result = %q", got)
	}
	b.Screenshot(t, "console-state.png")

	// The timeout case: Execute Lambda retried, then caught, and the path
	// goes on to the circuit's update and the failure.
	b.Do(t, chromedp.Click(chromedp.CSS(`#crumbs a[href^="#/machine/"]`)))
	b.WaitFor(t, `document.querySelector('#start-execution select[name=testCase]') !== null`)
	b.Do(t,
		chromedp.SetValue(chromedp.CSS(`#start-execution input[name=name]`), "times-out"),
		chromedp.SetValue(chromedp.CSS(`#start-execution textarea[name=input]`), string(input)),
		chromedp.SetValue(chromedp.CSS(`#start-execution select[name=testCase]`), "ServiceTimesOut"),
		chromedp.Click(chromedp.CSS(`#start-execution button[type=submit]`)),
	)
	b.WaitFor(t, `(document.querySelector('#execution-status') || {}).textContent === 'FAILED'`)
	for state, want := range map[string]string{"Execute Lambda": "caught", "Update Circuit Status": "succeeded", "Service Failed": "failed", "Circuit Open": "unreached"} {
		if got := nodeClass(t, b, state); !strings.Contains(got, want) {
			t.Errorf("%s: class %q, want %s", state, got, want)
		}
	}
	// Taken: Start→Get Circuit Status→Is Circuit Closed→(Default)Execute
	// Lambda→(Catch)Update Circuit Status→Service Failed.
	if got := browsertest.Eval[string](t, b, `[...document.querySelectorAll('svg.graph path.edge.taken')].map(function(e){return e.getAttribute('class')}).sort().join(',')`); got != "edge catch taken,edge default taken,edge next taken,edge next taken,edge next taken" {
		t.Errorf("edges taken: %s", got)
	}
	b.Screenshot(t, "console-execution.png")

	// A state named like an element shows as text, and its data too.
	b.Do(t, chromedp.Navigate(srv.url+"/"))
	b.WaitFor(t, `document.querySelectorAll('#machines tbody tr').length === 2`)
	clickLink(t, b, "escaping")
	b.WaitFor(t, `document.querySelector('#start-execution') !== null && document.querySelectorAll('svg.graph .node.state').length === 2`)
	b.Do(t,
		chromedp.SetValue(chromedp.CSS(`#start-execution textarea[name=input]`), `{"note":"<b>bold</b>"}`),
		chromedp.Click(chromedp.CSS(`#start-execution button[type=submit]`)))
	b.WaitFor(t, `(document.querySelector('#execution-status') || {}).textContent === 'SUCCEEDED'`)
	find := `[...document.querySelectorAll('svg.graph .node.state')].find(function(e){return e.dataset.state===` + jsonString(xssState) + `})`
	b.WaitFor(t, find+` !== undefined`)
	if got := browsertest.Eval[string](t, b, find+`.querySelector('text').textContent`); got != xssState {
		t.Errorf("state label = %q, want the name as text", got)
	}
	browsertest.Eval[bool](t, b, find+`.dispatchEvent(new MouseEvent('click', {bubbles: true}))`)
	b.WaitFor(t, `document.querySelector('#state-output') !== null`)
	if got := b.Text(t, "#state-name"); got != xssState {
		t.Errorf("state panel title = %q", got)
	}
	if got := b.Text(t, "#state-output"); !strings.Contains(got, "<script>alert(2)</script>") {
		t.Errorf("state output = %q", got)
	}
	if n := browsertest.Eval[int](t, b, `document.querySelectorAll('img, script:not([src]), b').length`); n != 0 {
		t.Errorf("%d elements were made from execution data", n)
	}
	for _, m := range b.Messages() {
		if m.IsException() || strings.Contains(m.Text, "Content Security Policy") {
			t.Errorf("browser console: %s", m)
		}
	}
}

// clickLink clicks the link whose text is text.
func clickLink(t *testing.T, b *browsertest.Browser, text string) {
	t.Helper()
	if !browsertest.Eval[bool](t, b, `(function(){var a=[...document.querySelectorAll('a')].find(function(x){return x.textContent===`+jsonString(text)+`});if(!a)return false;a.click();return true})()`) {
		t.Fatalf("no link %q", text)
	}
}

// nodeClass is the class of a state's node in the graph.
func nodeClass(t *testing.T, b *browsertest.Browser, state string) string {
	t.Helper()
	return browsertest.Eval[string](t, b, `(function(){var n=[...document.querySelectorAll('svg.graph .node.state')].find(function(e){return e.dataset.state===`+jsonString(state)+`});return n?n.getAttribute('class'):'missing'})()`)
}

func jsonString(s string) string {
	data, _ := json.Marshal(s)
	return string(data)
}

// TestConsoleBrowserLogin: with --auth the console asks for the same
// credentials on its login form, refuses wrong ones, and logs out.
func TestConsoleBrowserLogin(t *testing.T) {
	b := browsertest.New(t)
	srv := startServeChild(t, "--listen", "127.0.0.1:0", "--db", ":memory:", "--auth", "--auth-credentials", "AKIDCONSOLE:s3cret")
	b.Do(t, chromedp.Navigate(srv.url+"/"))
	b.WaitFor(t, `location.pathname === '/console/login' && document.querySelector('input[name=accessKeyId]') !== null`)
	b.Do(t,
		chromedp.SetValue(chromedp.CSS(`input[name=accessKeyId]`), "AKIDCONSOLE"),
		chromedp.SetValue(chromedp.CSS(`input[name=secretAccessKey]`), "wrong"),
		chromedp.Click(chromedp.CSS(`button[type=submit]`)))
	b.WaitFor(t, `location.search === '?failed=1' && document.querySelector('#failed') && !document.querySelector('#failed').hidden`)
	b.Do(t,
		chromedp.SetValue(chromedp.CSS(`input[name=accessKeyId]`), "AKIDCONSOLE"),
		chromedp.SetValue(chromedp.CSS(`input[name=secretAccessKey]`), "s3cret"),
		chromedp.Click(chromedp.CSS(`button[type=submit]`)))
	b.WaitFor(t, `location.pathname === '/' && document.querySelector('#machines') !== null && document.querySelector('#logout') && !document.querySelector('#logout').hidden`)
	if got := b.Text(t, "#machines"); !strings.Contains(got, "No state machines yet") {
		t.Errorf("machine list = %q", got)
	}
	b.Do(t, chromedp.Click(chromedp.CSS(`#logout button`)))
	b.WaitFor(t, `location.pathname === '/console/login'`)
	b.Do(t, chromedp.Navigate(srv.url+"/"))
	b.WaitFor(t, `location.pathname === '/console/login'`)
	for _, m := range b.Messages() {
		if m.IsException() || strings.Contains(m.Text, "Content Security Policy") {
			t.Errorf("browser console: %s", m)
		}
	}
}
