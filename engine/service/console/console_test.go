package console

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
)

func circuitBreaker(t testing.TB) string {
	t.Helper()
	def, err := os.ReadFile(example + "statemachine.asl.json")
	if err != nil {
		t.Fatal(err)
	}
	return string(def)
}

func exampleInput(t testing.TB) string {
	t.Helper()
	in, err := os.ReadFile(example + "input.json")
	if err != nil {
		t.Fatal(err)
	}
	return string(in)
}

func TestPageAndAssets(t *testing.T) {
	tc := startConsole(t, consoleSetup{})
	code, body, h := tc.get(t, "/")
	if code != http.StatusOK || !strings.Contains(string(body), `<script src="/console/assets/console.js" defer></script>`) {
		t.Fatalf("GET / = %d %.200s", code, body)
	}
	csp := h.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'none'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
		t.Errorf("CSP %q allows inline code", csp)
	}
	if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("X-Frame-Options") != "DENY" {
		t.Errorf("headers %v", h)
	}
	// The page has no inline script or style for the CSP to refuse.
	if strings.Contains(string(body), "<script>") || strings.Contains(string(body), "style=") || strings.Contains(string(body), "<style") {
		t.Errorf("index.html has inline code")
	}
	for path, ct := range map[string]string{
		"/console/assets/console.js":               "text/javascript",
		"/console/assets/console.css":              "text/css",
		"/console/assets/vendor/dagre.min.js":      "text/javascript",
		"/console/assets/vendor/dagre.LICENSE.txt": "text/plain",
	} {
		code, body, h := tc.get(t, path)
		if code != http.StatusOK || !strings.HasPrefix(h.Get("Content-Type"), ct) || len(body) == 0 {
			t.Errorf("GET %s = %d %s", path, code, h.Get("Content-Type"))
		}
	}
	for _, path := range []string{"/console/assets/", "/console/assets/nope.js", "/console/assets/index.html", "/console/nothing", "/console/assets/%2e%2e/console.go"} {
		if code, _, _ := tc.get(t, path); code != http.StatusNotFound {
			t.Errorf("GET %s = %d, want 404", path, code)
		}
	}
	// The mux cleans a path with .. (redirecting to it), never out of assets/.
	if code, body, _ := tc.get(t, "/console/assets/../console.go"); code == http.StatusOK || strings.Contains(string(body), "package console") {
		t.Errorf("GET /console/assets/../console.go = %d", code)
	}
	// The Step Functions API still answers POST /.
	req, _ := http.NewRequest(http.MethodPost, tc.http.URL+"/", strings.NewReader(`{}`))
	req.Header.Set("X-Amz-Target", "AWSStepFunctions.ListStateMachines")
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	code, body, _ = tc.do(t, req)
	if code != http.StatusOK || !strings.Contains(string(body), `"stateMachines"`) {
		t.Errorf("API POST / = %d %s", code, body)
	}
}

func TestMachineEndpoints(t *testing.T) {
	tc := startConsole(t, consoleSetup{})
	arn := tc.createMachine(t, "statemachine", circuitBreaker(t))
	var list struct {
		StateMachines []struct {
			Name string `json:"name"`
			Arn  string `json:"stateMachineArn"`
		} `json:"stateMachines"`
	}
	tc.getJSON(t, "/console/api/machines", &list)
	if len(list.StateMachines) != 1 || list.StateMachines[0].Arn != arn {
		t.Fatalf("machines = %+v", list)
	}
	var m struct {
		Machine   struct{ Name string }
		GraphKey  string   `json:"graphKey"`
		Graph     *Graph   `json:"graph"`
		TestCases []string `json:"testCases"`
	}
	tc.getJSON(t, "/console/api/machine?arn="+q(arn), &m)
	if m.Machine.Name != "statemachine" || m.Graph == nil || m.GraphKey == "" {
		t.Fatalf("machine = %+v", m)
	}
	if states := stateNodes(m.Graph); len(states) != 6 {
		t.Errorf("graph states = %v", states)
	}
	if got := strings.Join(m.TestCases, ","); got != "HappyPath,CircuitOpen,ServiceTimesOut,RecoversAfterRetry" {
		t.Errorf("test cases = %s", got)
	}
	// The page lays a definition out once: asking with its key leaves the graph out.
	var again struct {
		Graph *Graph `json:"graph"`
	}
	tc.getJSON(t, "/console/api/machine?have="+m.GraphKey+"&arn="+q(arn), &again)
	if again.Graph != nil {
		t.Error("the graph was sent again")
	}
	code, body, _ := tc.get(t, "/console/api/machine?arn="+q(arn+"x"))
	if code != http.StatusBadRequest || !strings.Contains(string(body), "StateMachineDoesNotExist") {
		t.Errorf("unknown machine: %d %s", code, body)
	}
	code, body, _ = tc.get(t, "/console/api/machine?arn=garbage")
	if code != http.StatusBadRequest || !strings.Contains(string(body), "InvalidArn") {
		t.Errorf("bad ARN: %d %s", code, body)
	}

	// create: a new machine, and an invalid definition refused as the API refuses it.
	code, body, _ = tc.post(t, "/console/api/create", map[string]string{"name": "second", "definition": `{"StartAt":"A","States":{"A":{"Type":"Succeed"}}}`})
	if code != http.StatusOK || !strings.Contains(string(body), "stateMachine:second") {
		t.Errorf("create = %d %s", code, body)
	}
	code, body, _ = tc.post(t, "/console/api/create", map[string]string{"name": "third", "definition": `{"StartAt":"Nope","States":{}}`})
	if code != http.StatusBadRequest || !strings.Contains(string(body), "InvalidDefinition") {
		t.Errorf("invalid create = %d %s", code, body)
	}
	code, body, _ = tc.post(t, "/console/api/create", "not an object")
	if code != http.StatusBadRequest {
		t.Errorf("malformed create = %d %s", code, body)
	}
}

func stateNodes(g *Graph) []string {
	var names []string
	for _, n := range g.Nodes {
		if n.Kind == NodeState {
			names = append(names, n.Name)
		}
	}
	return names
}

func TestExecutionEndpoints(t *testing.T) {
	tc := startConsole(t, consoleSetup{})
	arn := tc.createMachine(t, "statemachine", circuitBreaker(t))
	code, body, _ := tc.post(t, "/console/api/start", map[string]string{"stateMachineArn": arn, "name": "happy", "input": exampleInput(t), "testCase": "HappyPath"})
	if code != http.StatusOK {
		t.Fatalf("start = %d %s", code, body)
	}
	var started struct {
		ExecutionArn string `json:"executionArn"`
	}
	_ = json.Unmarshal(body, &started)
	v := tc.waitStatus(t, started.ExecutionArn, "SUCCEEDED")
	if v.Execution.Output != `{"orderId":"o-1001","status":"PAID"}` || !v.Traced || v.Graph == nil {
		t.Errorf("execution view = %+v", v)
	}
	want := map[string]string{"Get Circuit Status": StatusSucceeded, "Is Circuit Closed": StatusSucceeded, "Execute Lambda": StatusSucceeded}
	if len(v.Summary.States) != len(want) {
		t.Errorf("states = %v", v.Summary.States)
	}
	for name, st := range want {
		if got := v.Summary.States[name]; got == nil || got.Status != st || got.Visits != 1 {
			t.Errorf("%s: %+v, want %s", name, got, st)
		}
	}
	if got := fmt.Sprint(v.Summary.Transitions); got != "[[Get Circuit Status Is Circuit Closed] [Is Circuit Closed Execute Lambda]]" {
		t.Errorf("transitions = %s", got)
	}
	if v.Summary.Events != 14 {
		t.Errorf("events = %d", v.Summary.Events)
	}

	// The executions list, with its status filter.
	var list struct {
		Executions []struct {
			Name   string `json:"name"`
			Status string `json:"status"`
		} `json:"executions"`
	}
	tc.getJSON(t, "/console/api/executions?status=SUCCEEDED&arn="+q(arn), &list)
	if len(list.Executions) != 1 || list.Executions[0].Name != "happy" {
		t.Errorf("SUCCEEDED executions = %+v", list)
	}
	tc.getJSON(t, "/console/api/executions?status=FAILED&arn="+q(arn), &list)
	if len(list.Executions) != 0 {
		t.Errorf("FAILED executions = %+v", list)
	}
	if code, body, _ := tc.get(t, "/console/api/executions?status=BOGUS&arn="+q(arn)); code != http.StatusBadRequest {
		t.Errorf("bad status filter = %d %s", code, body)
	}

	// The history, a page at a time, either way.
	var h struct {
		Events []struct {
			ID   int64  `json:"id"`
			Type string `json:"type"`
		} `json:"events"`
		NextToken string `json:"nextToken"`
	}
	tc.getJSON(t, "/console/api/history?arn="+q(started.ExecutionArn), &h)
	if len(h.Events) != 14 || h.Events[0].Type != "ExecutionStarted" || h.NextToken != "" {
		t.Errorf("history = %+v", h)
	}
	tc.getJSON(t, "/console/api/history?reverse=1&arn="+q(started.ExecutionArn), &h)
	if h.Events[0].Type != "ExecutionSucceeded" {
		t.Errorf("reverse history starts with %s", h.Events[0].Type)
	}

	// One state's visits, with every data-flow stage from the trace.
	var sv struct {
		Source string  `json:"source"`
		Total  int     `json:"total"`
		Visits []Visit `json:"visits"`
	}
	tc.getJSON(t, "/console/api/state?name="+q("Execute Lambda")+"&arn="+q(started.ExecutionArn), &sv)
	if sv.Source != "trace" || sv.Total != 1 || len(sv.Visits) != 1 {
		t.Fatalf("state = %+v", sv)
	}
	vis := sv.Visits[0]
	if string(vis.Output) != `{"orderId":"o-1001","status":"PAID"}` {
		t.Errorf("output = %s", vis.Output)
	}
	var stages []string
	for _, s := range vis.Stages {
		stages = append(stages, s.Name+"="+string(s.Value))
	}
	if got := strings.Join(stages, "\n"); !strings.Contains(got, `result={"StatusCode":200,"Payload":{"orderId":"o-1001","status":"PAID"}}`) ||
		!strings.Contains(got, `afterResultSelector={"Payload":{"orderId":"o-1001","status":"PAID"}}`) {
		t.Errorf("stages:\n%s", got)
	}
	tc.getJSON(t, "/console/api/state?name=Nowhere&arn="+q(started.ExecutionArn), &sv)
	if sv.Total != 0 {
		t.Errorf("a state not reached has %d visits", sv.Total)
	}
	if code, _, _ := tc.get(t, "/console/api/state?arn="+q(started.ExecutionArn)); code != http.StatusBadRequest {
		t.Errorf("state without a name = %d", code)
	}
	if code, body, _ := tc.get(t, "/console/api/execution?arn="+q(started.ExecutionArn+"-not")); code != http.StatusBadRequest || !strings.Contains(string(body), "ExecutionDoesNotExist") {
		t.Errorf("unknown execution = %d %s", code, body)
	}

	// A test case the mocks lack is the API's error.
	code, body, _ = tc.post(t, "/console/api/start", map[string]string{"stateMachineArn": arn, "testCase": "NoSuchCase"})
	if code != http.StatusBadRequest || !strings.Contains(string(body), "NoSuchCase") {
		t.Errorf("unknown test case = %d %s", code, body)
	}
}

// waitMachine waits on a Wait state long enough to be stopped.
const waitMachine = `{"StartAt":"Hold","States":{"Hold":{"Type":"Wait","Seconds":600,"Next":"After"},"After":{"Type":"Succeed"}}}`

func TestStopAndRedrive(t *testing.T) {
	tc := startConsole(t, consoleSetup{})
	arn := tc.createMachine(t, "waiter", waitMachine)
	_, body, _ := tc.post(t, "/console/api/start", map[string]string{"stateMachineArn": arn, "name": "w1"})
	var started struct {
		ExecutionArn string `json:"executionArn"`
	}
	_ = json.Unmarshal(body, &started)
	v := tc.waitStatus(t, started.ExecutionArn, "RUNNING")
	for v.Summary.States["Hold"] == nil {
		v = tc.waitStatus(t, started.ExecutionArn, "RUNNING")
	}
	if st := v.Summary.States["Hold"]; st.Status != StatusRunning {
		t.Errorf("Hold while waiting: %+v", st)
	}
	code, body, _ := tc.post(t, "/console/api/stop", map[string]string{"executionArn": started.ExecutionArn, "error": "Stopped", "cause": "by the test"})
	if code != http.StatusOK || !strings.Contains(string(body), "stopDate") {
		t.Fatalf("stop = %d %s", code, body)
	}
	v = tc.waitStatus(t, started.ExecutionArn, "ABORTED")
	if st := v.Summary.States["Hold"]; st == nil || st.Status != StatusAborted {
		t.Errorf("Hold after the stop: %+v", st)
	}
	code, body, _ = tc.post(t, "/console/api/redrive", map[string]string{"executionArn": started.ExecutionArn})
	if code != http.StatusOK || !strings.Contains(string(body), "redriveDate") {
		t.Fatalf("redrive = %d %s", code, body)
	}
	v = tc.waitStatus(t, started.ExecutionArn, "RUNNING")
	if v.Execution.RedriveCount != 1 {
		t.Errorf("redriveCount = %d", v.Execution.RedriveCount)
	}
	tc.post(t, "/console/api/stop", map[string]string{"executionArn": started.ExecutionArn})
	tc.waitStatus(t, started.ExecutionArn, "ABORTED")
	code, body, _ = tc.post(t, "/console/api/redrive", map[string]string{"executionArn": arn + ":nope"})
	if code != http.StatusBadRequest {
		t.Errorf("redrive of nothing = %d %s", code, body)
	}
}

func TestRequestChecks(t *testing.T) {
	tc := startConsole(t, consoleSetup{})
	arn := tc.createMachine(t, "waiter", waitMachine)
	start := map[string]string{"stateMachineArn": arn}
	// A page of another origin cannot act: browsers send its Origin, and
	// it cannot add the console's header without a preflight.
	if code, _, _ := tc.post(t, "/console/api/start", start, "Origin", "http://evil.example"); code != http.StatusForbidden {
		t.Errorf("cross-origin POST = %d", code)
	}
	if code, _, _ := tc.post(t, "/console/api/start", start, "X-Stepwise-Console", ""); code != http.StatusForbidden {
		t.Errorf("POST without the console header = %d", code)
	}
	// DNS rebinding: without a login the console answers loopback names only.
	if code, _, _ := tc.get(t, "/console/api/machines", "Host", "attacker.example:80"); code != http.StatusMisdirectedRequest {
		t.Errorf("foreign Host = %d", code)
	}
	if code, _, _ := tc.get(t, "/console/api/machines", "Host", "localhost:1"); code != http.StatusOK {
		t.Errorf("localhost Host = %d", code)
	}
	if code, _, _ := tc.get(t, "/console/api/nope"); code != http.StatusNotFound {
		t.Errorf("unknown call = %d", code)
	}
	if code, _, _ := tc.get(t, "/console/api/start"); code != http.StatusMethodNotAllowed {
		t.Errorf("GET start = %d", code)
	}
	if code, _, _ := tc.post(t, "/console/api/machines", nil); code != http.StatusMethodNotAllowed {
		t.Errorf("POST machines = %d", code)
	}
	var s struct{ Auth bool }
	tc.getJSON(t, "/console/api/session", &s)
	if s.Auth {
		t.Error("session says auth without credentials")
	}
	// Nothing ran.
	var list struct{ Executions []any }
	tc.getJSON(t, "/console/api/executions?arn="+q(arn), &list)
	if len(list.Executions) != 0 {
		t.Errorf("refused calls started %d executions", len(list.Executions))
	}
}

func TestLogin(t *testing.T) {
	tc := startConsole(t, consoleSetup{credentials: map[string]string{"AKIDCONSOLE": "s3cret"}})
	arn := tc.createMachine(t, "waiter", waitMachine)
	code, _, h := tc.get(t, "/")
	if code != http.StatusSeeOther || h.Get("Location") != "/console/login" {
		t.Fatalf("GET / without a session = %d %s", code, h.Get("Location"))
	}
	if code, _, _ := tc.get(t, "/console/api/machines"); code != http.StatusUnauthorized {
		t.Errorf("API without a session = %d", code)
	}
	if code, _, _ := tc.post(t, "/console/api/start", map[string]string{"stateMachineArn": arn}); code != http.StatusUnauthorized {
		t.Errorf("start without a session = %d", code)
	}
	code, body, _ := tc.get(t, "/console/login")
	if code != http.StatusOK || !strings.Contains(string(body), `name="secretAccessKey"`) {
		t.Fatalf("login page = %d", code)
	}
	login := func(id, secret string, header ...string) (int, http.Header, []byte) {
		req, _ := http.NewRequest(http.MethodPost, tc.http.URL+"/console/login", strings.NewReader("accessKeyId="+q(id)+"&secretAccessKey="+q(secret)))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		code, body, h := tc.do(t, req)
		return code, h, body
	}
	for _, bad := range [][2]string{{"AKIDCONSOLE", "wrong"}, {"OTHER", "s3cret"}, {"AKIDCONSOLE", ""}} {
		code, h, _ := login(bad[0], bad[1])
		if code != http.StatusSeeOther || h.Get("Location") != "/console/login?failed=1" || h.Get("Set-Cookie") != "" {
			t.Errorf("login %v = %d %v", bad, code, h)
		}
	}
	if code, _, _ := login("AKIDCONSOLE", "s3cret", "Origin", "http://evil.example"); code != http.StatusForbidden {
		t.Errorf("cross-origin login = %d", code)
	}
	code, h, _ = login("AKIDCONSOLE", "s3cret")
	cookie := h.Get("Set-Cookie")
	if code != http.StatusSeeOther || !strings.Contains(cookie, "stepwise_console=") || !strings.Contains(cookie, "HttpOnly") || !strings.Contains(cookie, "SameSite=Strict") {
		t.Fatalf("login = %d %q", code, cookie)
	}
	session := strings.SplitN(cookie, ";", 2)[0]
	if code, body, _ := tc.get(t, "/console/api/machines", "Cookie", session); code != http.StatusOK || !strings.Contains(string(body), "waiter") {
		t.Errorf("API with the session = %d %s", code, body)
	}
	// With a login, a non-loopback Host is fine (serve --auth beyond loopback).
	if code, _, _ := tc.get(t, "/console/api/machines", "Cookie", session, "Host", "stepwise.internal:8083"); code != http.StatusOK {
		t.Errorf("API with the session on another host name = %d", code)
	}
	// A token for scripts: the session id as a bearer token.
	_, _, body = login("AKIDCONSOLE", "s3cret", "Accept", "application/json")
	var tok struct{ Token string }
	if err := json.Unmarshal(body, &tok); err != nil || tok.Token == "" {
		t.Fatalf("JSON login = %s", body)
	}
	if code, _, _ := tc.get(t, "/console/api/machines", "Authorization", "Bearer "+tok.Token); code != http.StatusOK {
		t.Errorf("API with the bearer token = %d", code)
	}
	var s struct{ Auth bool }
	code, body, _ = tc.get(t, "/console/api/session", "Cookie", session)
	if _ = json.Unmarshal(body, &s); code != http.StatusOK || !s.Auth {
		t.Errorf("session = %d %s", code, body)
	}
	// Log out: the session is gone.
	if code, _, _ := tc.post(t, "/console/logout", nil, "Cookie", session); code != http.StatusSeeOther {
		t.Errorf("logout = %d", code)
	}
	if code, _, _ := tc.get(t, "/console/api/machines", "Cookie", session); code != http.StatusUnauthorized {
		t.Errorf("API after logout = %d", code)
	}
}

// TestVersionsAndAliases: a machine's versions and aliases are listed,
// an execution started on an alias records it, and the execution view
// lists its Map Runs (none: no Distributed Map runs yet).
func TestVersionsAndAliases(t *testing.T) {
	tc := startConsole(t, consoleSetup{})
	arn := tc.createMachine(t, "waiter", `{"StartAt":"A","States":{"A":{"Type":"Succeed"}}}`)
	version := tc.call(t, "PublishStateMachineVersion", map[string]string{"stateMachineArn": arn})["stateMachineVersionArn"].(string)
	alias := tc.call(t, "CreateStateMachineAlias", map[string]any{"name": "live",
		"routingConfiguration": []map[string]any{{"stateMachineVersionArn": version, "weight": 100}}})["stateMachineAliasArn"].(string)
	var m struct {
		Versions struct {
			StateMachineVersions []struct{ StateMachineVersionArn string }
		}
		Aliases struct {
			StateMachineAliases []struct{ StateMachineAliasArn string }
		}
	}
	tc.getJSON(t, "/console/api/machine?arn="+q(arn), &m)
	if len(m.Versions.StateMachineVersions) != 1 || m.Versions.StateMachineVersions[0].StateMachineVersionArn != version ||
		len(m.Aliases.StateMachineAliases) != 1 || m.Aliases.StateMachineAliases[0].StateMachineAliasArn != alias {
		t.Fatalf("machine view = %+v", m)
	}
	code, body, _ := tc.post(t, "/console/api/start", map[string]string{"stateMachineArn": alias, "name": "via-alias"})
	if code != http.StatusOK {
		t.Fatalf("start on the alias = %d %s", code, body)
	}
	var started struct{ ExecutionArn string }
	_ = json.Unmarshal(body, &started)
	tc.waitStatus(t, started.ExecutionArn, "SUCCEEDED")
	var v struct {
		Execution struct {
			StateMachineAliasArn   string `json:"stateMachineAliasArn"`
			StateMachineVersionArn string `json:"stateMachineVersionArn"`
		}
		MapRuns struct {
			MapRuns []any `json:"mapRuns"`
		}
	}
	tc.getJSON(t, "/console/api/execution?arn="+q(started.ExecutionArn), &v)
	if v.Execution.StateMachineAliasArn != alias || v.Execution.StateMachineVersionArn != version || v.MapRuns.MapRuns == nil {
		t.Errorf("execution view = %+v", v)
	}
}
