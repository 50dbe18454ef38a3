package console

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stepwise/stepwise/asl"
	"github.com/stepwise/stepwise/asl/value"
	"github.com/stepwise/stepwise/engine"
	"github.com/stepwise/stepwise/engine/runtime/local"
	"github.com/stepwise/stepwise/integrations/gofunc"
	"github.com/stepwise/stepwise/integrations/mock"
)

// runCase runs the circuit breaker under a virtual clock (its retries take
// no real time) and returns the result with its history.
func runCase(t *testing.T, testCase string) (*asl.StateMachine, *engine.Result) {
	t.Helper()
	sm, err := asl.Parse([]byte(circuitBreaker(t)))
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
	input, _ := value.Decode([]byte(exampleInput(t)))
	res, err := engine.Run(context.Background(), sm, input, engine.Options{
		Invoker: gofunc.Chain(tc.Invoker(nil)), StateMachineName: "statemachine",
		Runtime: local.New(local.Options{VirtualClock: true, Seed: 1}),
	})
	if err != nil {
		t.Fatal(err)
	}
	return sm, res
}

func summarize(t *testing.T, res *engine.Result) *Summary {
	t.Helper()
	s := NewSummary()
	for _, e := range res.Events {
		data, err := e.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		s.Add(data)
	}
	s.Finish(res.Status)
	return s
}

func statuses(s *Summary) string {
	var b strings.Builder
	for _, name := range []string{"Get Circuit Status", "Is Circuit Closed", "Circuit Open", "Execute Lambda", "Update Circuit Status", "Service Failed"} {
		if st := s.States[name]; st != nil {
			fmt.Fprintf(&b, "%s=%s/%d", name, st.Status, st.Visits)
			if st.Retried {
				b.WriteString("/retried")
			}
			b.WriteString("; ")
		}
	}
	return b.String()
}

func TestSummaryOfTheExample(t *testing.T) {
	for _, tc := range []struct{ testCase, status, want string }{
		{"HappyPath", "SUCCEEDED", "Get Circuit Status=succeeded/1; Is Circuit Closed=succeeded/1; Execute Lambda=succeeded/1; "},
		{"CircuitOpen", "FAILED", "Get Circuit Status=succeeded/1; Is Circuit Closed=succeeded/1; Circuit Open=failed/1; "},
		// Three retries, then the Catch: caught, and the path goes on.
		{"ServiceTimesOut", "FAILED", "Get Circuit Status=succeeded/1; Is Circuit Closed=succeeded/1; Execute Lambda=caught/1/retried; Update Circuit Status=succeeded/1; Service Failed=failed/1; "},
		{"RecoversAfterRetry", "SUCCEEDED", "Get Circuit Status=succeeded/1; Is Circuit Closed=succeeded/1; Execute Lambda=succeeded/1/retried; "},
	} {
		t.Run(tc.testCase, func(t *testing.T) {
			_, res := runCase(t, tc.testCase)
			if res.Status != tc.status {
				t.Fatalf("status %s", res.Status)
			}
			s := summarize(t, res)
			if got := statuses(s); got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
	_, res := runCase(t, "ServiceTimesOut")
	if got := fmt.Sprint(summarize(t, res).Transitions); got != "[[Get Circuit Status Is Circuit Closed] [Is Circuit Closed Execute Lambda] [Execute Lambda Update Circuit Status] [Update Circuit Status Service Failed]]" {
		t.Errorf("transitions = %s", got)
	}
}

func TestSummaryIgnoresGarbage(t *testing.T) {
	s := NewSummary()
	for _, ev := range []string{`not json`, `{}`, `{"id":1,"type":"TaskStateEntered"}`, `{"id":2,"previousEventId":1,"type":"TaskFailed"}`,
		`{"id":3,"previousEventId":99,"type":"PassStateExited","stateExitedEventDetails":{"name":"Ghost"}}`} {
		s.Add(json.RawMessage(ev))
	}
	s.Finish("FAILED")
	if got := statuses(s); got != "" || s.States["Ghost"].Status != StatusSucceeded {
		t.Errorf("states = %v", s.States)
	}
}

const mapMachine = `{"StartAt":"Fan","States":{"Fan":{"Type":"Map","ItemsPath":"$.items","ItemProcessor":{"StartAt":"Double","States":{"Double":{"Type":"Pass","Parameters":{"v.$":"$"},"End":true}}},"End":true}}}`

// TestMapIterations: the visits of a state inside a Map say which item they
// ran for, from the trace and, without one, from the history.
func TestMapIterations(t *testing.T) {
	for _, traced := range []bool{true, false} {
		t.Run(fmt.Sprint("traced=", traced), func(t *testing.T) {
			tc := startConsole(t, consoleSetup{noTraces: !traced})
			arn := tc.createMachine(t, "fan", mapMachine)
			_, body, _ := tc.post(t, "/console/api/start", map[string]string{"stateMachineArn": arn, "input": `{"items":[10,20,30]}`})
			var started struct{ ExecutionArn string }
			_ = json.Unmarshal(body, &started)
			v := tc.waitStatus(t, started.ExecutionArn, "SUCCEEDED")
			if st := v.Summary.States["Double"]; st == nil || st.Visits != 3 || st.Status != StatusSucceeded || v.Traced != traced {
				t.Errorf("summary %+v traced=%v", v.Summary.States, v.Traced)
			}
			var sv struct {
				Source string  `json:"source"`
				Total  int     `json:"total"`
				Visits []Visit `json:"visits"`
			}
			tc.getJSON(t, "/console/api/state?name=Double&arn="+q(started.ExecutionArn), &sv)
			if want := map[bool]string{true: "trace", false: "history"}[traced]; sv.Source != want || sv.Total != 3 {
				t.Fatalf("visits = %+v", sv)
			}
			got := map[int]string{}
			for _, vis := range sv.Visits {
				if len(vis.Path) != 1 || vis.Path[0].State != "Fan" || vis.Path[0].Kind != "iteration" {
					t.Fatalf("path = %+v", vis.Path)
				}
				got[vis.Path[0].Index] = string(vis.Input) + "→" + string(vis.Output)
			}
			if want := map[int]string{0: `10→{"v":10}`, 1: `20→{"v":20}`, 2: `30→{"v":30}`}; fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("iterations = %v, want %v", got, want)
			}
		})
	}
}

func TestTracesBounded(t *testing.T) {
	tr := NewTraces(TraceOptions{MaxExecutions: 2, MaxSteps: 3})
	ctx := context.Background()
	for i, arn := range []string{"a", "b", "c"} {
		f := tr.Tracer(arn)
		for seq := 1; seq <= 2+i; seq++ {
			f.Step(ctx, &engine.Step{Seq: seq, State: fmt.Sprint("S", seq)})
		}
	}
	if _, _, ok := tr.steps("a"); ok {
		t.Error("the oldest trace was kept past the bound")
	}
	tr.Tracer("quiet")
	if _, _, ok := tr.steps("quiet"); ok {
		t.Error("a run that traced nothing counts as traced")
	}
	steps, dropped, ok := tr.steps("c")
	if !ok || len(steps) != 3 || dropped != 1 {
		t.Errorf("c: %d steps, %d dropped", len(steps), dropped)
	}
	// A second run of an execution (a redrive) follows the first.
	tr = NewTraces(TraceOptions{})
	f1 := tr.Tracer("b")
	f1.Step(ctx, &engine.Step{Seq: 2, State: "first"})
	f1.Step(ctx, &engine.Step{Seq: 1, State: "first"})
	f := tr.Tracer("b")
	f.Step(ctx, &engine.Step{Seq: 1, State: "again"})
	steps, _, _ = tr.steps("b")
	if len(steps) != 3 || steps[0].Seq != 1 || steps[2].State != "again" || steps[2].run != 2 {
		t.Errorf("b: %+v", steps)
	}
}

func TestGraph(t *testing.T) {
	def := `{"StartAt":"P","States":{
		"P":{"Type":"Parallel","Branches":[
			{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}},
			{"StartAt":"M","States":{"M":{"Type":"Map","ItemProcessor":{"StartAt":"I","States":{"I":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","End":true}}},"End":true}}}],
			"Catch":[{"ErrorEquals":["States.ALL"],"Next":"Oops"}],"Next":"C"},
		"C":{"Type":"Choice","Choices":[{"Variable":"$.x","IsPresent":true,"Next":"Done"}],"Default":"Oops"},
		"Oops":{"Type":"Fail","Error":"E"},
		"Done":{"Type":"Succeed"}}}`
	sm, err := asl.Parse([]byte(def))
	if err != nil {
		t.Fatal(err)
	}
	g := BuildGraph(sm)
	name := map[string]string{}
	group := map[string]string{}
	for _, n := range g.Nodes {
		name[n.ID] = n.Kind + ":" + n.Name
		group[n.Kind+":"+n.Name] = n.Group
	}
	var edges []string
	for _, e := range g.Edges {
		edges = append(edges, name[e.From]+">"+name[e.To]+"("+e.Kind+")")
	}
	want := []string{"start:>state:P(next)", "state:P>state:A(fork)", "state:A>join:P(end)", "state:P>state:M(fork)", "state:M>state:I(fork)",
		"state:I>join:M(end)", "join:M>join:P(end)", "join:P>state:C(next)", "state:P>state:Oops(catch)", "state:C>state:Done(choice)",
		"state:C>state:Oops(default)", "state:Done>end:(end)"}
	slices.Sort(edges)
	slices.Sort(want)
	if strings.Join(edges, " ") != strings.Join(want, " ") {
		t.Errorf("edges\n got %v\nwant %v", edges, want)
	}
	labels := map[string]string{}
	for _, gr := range g.Groups {
		labels[gr.ID] = gr.Label
	}
	for node, want := range map[string]string{"state:P": "P (Parallel)", "state:A": "Branch 1", "state:M": "M (Map)", "state:I": "each item", "join:M": "M (Map)", "state:C": ""} {
		if got := labels[group[node]]; got != want {
			t.Errorf("%s is in group %q, want %q", node, got, want)
		}
	}
}

// TestPage: the --html page carries its data and code inline, with a CSP
// whose hashes are those of its inline blocks, and names that look like
// HTML stay inside the JSON data block.
func TestPage(t *testing.T) {
	def := `{"StartAt":"<img src=x onerror=alert(1)>","States":{"<img src=x onerror=alert(1)>":{"Type":"Pass","Result":"</script><script>alert(2)</script>","End":true}}}`
	sm, err := asl.Parse([]byte(def))
	if err != nil {
		t.Fatal(err)
	}
	var steps []*engine.Step
	res, err := engine.Run(context.Background(), sm, map[string]any{}, engine.Options{StateMachineName: "x</title><b>", ExecutionName: "e",
		Tracer: engine.TracerFunc(func(_ context.Context, s *engine.Step) { steps = append(steps, s) })})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := WritePage(&b, Page{Machine: sm, StateMachineName: "x</title><b>", ExecutionName: "e", Input: map[string]any{}, Result: res, Steps: steps}); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	if strings.Contains(page, "<img") || strings.Contains(page, "<script>alert") || strings.Contains(page, "<b>") {
		t.Errorf("execution data reached the markup")
	}
	csp := regexp.MustCompile(`<meta http-equiv="Content-Security-Policy" content="([^"]+)">`).FindStringSubmatch(page)
	if csp == nil {
		t.Fatal("no CSP")
	}
	policy := strings.ReplaceAll(csp[1], "&#39;", "'")
	blocks := regexp.MustCompile(`(?s)<(script|style)>(.*?)</(?:script|style)>`).FindAllStringSubmatch(page, -1)
	if len(blocks) != 3 {
		t.Fatalf("%d inline blocks, want the style, dagre and the console", len(blocks))
	}
	for _, bl := range blocks {
		sum := sha256.Sum256([]byte(bl[2]))
		if h := "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"; !strings.Contains(policy, bl[1]+"-src "+h) && !strings.Contains(policy, " "+h) {
			t.Errorf("the CSP %q does not allow the %s block %s", policy, bl[1], h)
		}
	}
	for _, want := range []string{"default-src 'none'", "img-src data:"} {
		if !strings.Contains(policy, want) {
			t.Errorf("CSP %q lacks %q", policy, want)
		}
	}
	data := regexp.MustCompile(`(?s)<script type="application/json" id="stepwise-data">(.*?)</script>`).FindStringSubmatch(page)
	var d pageData
	if data == nil || json.Unmarshal([]byte(data[1]), &d) != nil {
		t.Fatal("no page data")
	}
	if d.View.Execution.Status != "SUCCEEDED" || len(d.Visits) != 1 || d.Visits[0].State != "<img src=x onerror=alert(1)>" || len(d.Events) != len(res.Events) {
		t.Errorf("page data = %+v", d.View.Execution)
	}
	if err := WritePage(&b, Page{}); err == nil {
		t.Error("a page without a machine was written")
	}
}

// TestScale: an execution of 25,000 events (a runaway loop stopped by
// the history limit) is read a page at a time, and a 1,000-state machine
// is drawn.
func TestScale(t *testing.T) {
	if testing.Short() {
		t.Skip("long")
	}
	tc := startConsole(t, consoleSetup{})
	loop := `{"StartAt":"Spin","States":{"Spin":{"Type":"Pass","Next":"Check"},"Check":{"Type":"Choice","Choices":[{"Variable":"$.stop","IsPresent":true,"Next":"Done"}],"Default":"Spin"},"Done":{"Type":"Succeed"}}}`
	arn := tc.createMachine(t, "loop", loop)
	_, body, _ := tc.post(t, "/console/api/start", map[string]string{"stateMachineArn": arn})
	var started struct{ ExecutionArn string }
	_ = json.Unmarshal(body, &started)
	v := tc.waitStatus(t, started.ExecutionArn, "FAILED")
	if v.Summary.Events < 24000 || v.Summary.States["Spin"].Visits < 6000 {
		t.Errorf("summary: %d events, %+v", v.Summary.Events, v.Summary.States["Spin"])
	}
	token, pages, events := "", 0, 0
	for range 3 {
		var h struct {
			Events    []json.RawMessage `json:"events"`
			NextToken string            `json:"nextToken"`
		}
		tc.getJSON(t, "/console/api/history?arn="+q(started.ExecutionArn)+"&nextToken="+q(token), &h)
		if len(h.Events) != historyPage || h.NextToken == "" {
			t.Fatalf("page %d: %d events", pages, len(h.Events))
		}
		pages, events, token = pages+1, events+len(h.Events), h.NextToken
	}
	var sv struct {
		Total  int     `json:"total"`
		Visits []Visit `json:"visits"`
	}
	tc.getJSON(t, "/console/api/state?name=Spin&offset=6000&arn="+q(started.ExecutionArn), &sv)
	if sv.Total < 6000 || len(sv.Visits) == 0 || len(sv.Visits) > visitPage {
		t.Errorf("visits: total %d, page %d", sv.Total, len(sv.Visits))
	}

	big := bigMachine(1000)
	marn := tc.createMachine(t, "big", big)
	var m struct {
		Graph *Graph `json:"graph"`
	}
	tc.getJSON(t, "/console/api/machine?arn="+q(marn), &m)
	if n := len(stateNodes(m.Graph)); n != 1000+20 { // and two branch states per Parallel
		t.Errorf("%d states drawn", n)
	}
	if code, _, _ := tc.get(t, "/console/api/machines"); code != http.StatusOK {
		t.Error(code)
	}
}

// bigMachine is a chain of n states: Choices every tenth state, a Parallel
// and a Map, so the layout has groups and branches.
func bigMachine(n int) string {
	var b strings.Builder
	b.WriteString(`{"StartAt":"S0","States":{`)
	for i := range n {
		if i > 0 {
			b.WriteString(",")
		}
		next := fmt.Sprintf("S%d", i+1)
		switch {
		case i == n-1:
			fmt.Fprintf(&b, `"S%d":{"Type":"Succeed"}`, i)
		case i%10 == 5:
			fmt.Fprintf(&b, `"S%d":{"Type":"Choice","Choices":[{"Variable":"$.skip","IsPresent":true,"Next":"%s"}],"Default":"%s"}`, i, fmt.Sprintf("S%d", min(i+2, n-1)), next)
		case i%100 == 50:
			fmt.Fprintf(&b, `"S%d":{"Type":"Parallel","Branches":[{"StartAt":"P%da","States":{"P%da":{"Type":"Pass","End":true}}},{"StartAt":"P%db","States":{"P%db":{"Type":"Pass","End":true}}}],"Next":"%s"}`, i, i, i, i, i, next)
		default:
			fmt.Fprintf(&b, `"S%d":{"Type":"Pass","Next":"%s"}`, i, next)
		}
	}
	b.WriteString("}}")
	return b.String()
}

// TestTraceOnlyWhileWatched: with a watch window, an execution started
// while nobody uses the console runs without a tracer (its state view
// reads the history), and one started after a console request is traced.
func TestTraceOnlyWhileWatched(t *testing.T) {
	tr := NewTraces(TraceOptions{WatchWindow: time.Hour})
	if tr.Tracer("a") != nil {
		t.Error("traced before anyone looked")
	}
	tr.Watch()
	if tr.Tracer("a") == nil {
		t.Error("not traced right after a look")
	}
	tr = NewTraces(TraceOptions{WatchWindow: time.Nanosecond})
	tr.Watch()
	time.Sleep(time.Millisecond)
	if tr.Tracer("a") != nil {
		t.Error("traced after the window")
	}

	tc := startConsole(t, consoleSetup{watchWindow: time.Hour})
	arn := tc.createMachine(t, "fan", mapMachine)
	unseen := tc.call(t, "StartExecution", map[string]string{"stateMachineArn": arn, "input": `{"items":[1]}`})["executionArn"].(string)
	if v := tc.waitStatus(t, unseen, "SUCCEEDED"); v.Traced { // waitStatus is a console request: the next start is watched
		t.Error("an execution started with nobody looking was traced")
	}
	seen := tc.call(t, "StartExecution", map[string]string{"stateMachineArn": arn, "input": `{"items":[1]}`})["executionArn"].(string)
	if v := tc.waitStatus(t, seen, "SUCCEEDED"); !v.Traced {
		t.Error("an execution started while the console was open was not traced")
	}
}

// TestRunningSummary: while an execution runs, the console reads only the
// history pages after those it has summarized, and the result is the
// summary of the whole history; after a redrive the path goes on.
func TestRunningSummary(t *testing.T) {
	tc := startConsole(t, consoleSetup{})
	def := `{"StartAt":"Inc","States":{
	"Inc":{"Type":"Pass","Parameters":{"n.$":"States.MathAdd($.n, 1)"},"Next":"Check"},
	"Check":{"Type":"Choice","Choices":[{"Variable":"$.n","NumericGreaterThanEquals":700,"Next":"Hold"}],"Default":"Inc"},
	"Hold":{"Type":"Wait","Seconds":600,"Next":"Done"},
	"Done":{"Type":"Succeed"}}}`
	arn := tc.createMachine(t, "counter", def)
	exArn := tc.call(t, "StartExecution", map[string]string{"stateMachineArn": arn, "input": `{"n":0}`})["executionArn"].(string)
	var v *execViewJSON
	for v == nil || v.Summary.States["Hold"] == nil {
		v = tc.waitStatus(t, exArn, "RUNNING")
	}
	v = tc.waitStatus(t, exArn, "RUNNING") // from the kept pages
	full := func() *Summary {
		s := NewSummary()
		if err := tc.console.eachEvent(context.Background(), exArn, false, func(ev json.RawMessage) { s.Add(ev) }); err != nil {
			t.Fatal(err)
		}
		return s
	}
	want := full()
	want.Finish("RUNNING")
	if got, w := statesText(v.Summary), statesText(want); got != w || v.Summary.Events != want.Events || v.Summary.Events < 2800 {
		t.Errorf("running summary\n got %s (%d events)\nwant %s (%d events)", got, v.Summary.Events, w, want.Events)
	}
	if st := v.Summary.States["Inc"]; st.Visits != 700 || v.Summary.States["Hold"].Status != StatusRunning {
		t.Errorf("states %s", statesText(v.Summary))
	}
	tc.call(t, "StopExecution", map[string]string{"executionArn": exArn})
	v = tc.waitStatus(t, exArn, "ABORTED")
	if st := v.Summary.States["Hold"]; st.Status != StatusAborted {
		t.Errorf("after the stop: %s", statesText(v.Summary))
	}
	tc.call(t, "RedriveExecution", map[string]string{"executionArn": exArn})
	for deadline := time.Now().Add(20 * time.Second); ; {
		v = tc.waitStatus(t, exArn, "RUNNING")
		if v.Summary.States["Hold"].Visits == 2 && v.Summary.States["Hold"].Status == StatusRunning {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the redrive did not enter Hold again: %s", statesText(v.Summary))
		}
		time.Sleep(10 * time.Millisecond)
	}
	tc.call(t, "StopExecution", map[string]string{"executionArn": exArn})
	v = tc.waitStatus(t, exArn, "ABORTED")
	want = full()
	want.Finish("ABORTED")
	if v.Summary.Events != want.Events || v.Summary.States["Hold"].Visits != 2 {
		t.Errorf("after the redrive: %d events (want %d), %s", v.Summary.Events, want.Events, statesText(v.Summary))
	}
}

func statesText(s *Summary) string {
	var names []string
	for n := range s.States {
		names = append(names, n)
	}
	slices.Sort(names)
	var b strings.Builder
	for _, n := range names {
		st := s.States[n]
		fmt.Fprintf(&b, "%s=%s/%d ", n, st.Status, st.Visits)
	}
	return b.String() + fmt.Sprint(s.Transitions)
}
