package diagram

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stepwise/stepwise/asl"
)

// machine has a Choice, a Wait, a Parallel whose first branch holds a Map,
// a Catch, Succeed and Fail, and names that need escaping.
const machine = `{
  "Comment": "Orders \"v2\" \\ test",
  "StartAt": "Check \"order\"",
  "States": {
    "Check \"order\"": {
      "Type": "Choice",
      "Choices": [
        {"Variable": "$.kind", "StringEquals": "bulk", "Next": "Fan out"},
        {"And": [{"Variable": "$.n", "NumericGreaterThan": 3},
                 {"Not": {"Variable": "$.x", "IsPresent": true}}], "Next": "Wait <a|b>"}
      ],
      "Default": "Fan out"
    },
    "Wait <a|b>": {"Type": "Wait", "Seconds": 1, "Next": "Fan out"},
    "Fan out": {
      "Type": "Parallel",
      "Branches": [
        {"StartAt": "Items", "States": {
          "Items": {"Type": "Map", "ItemsPath": "$.items", "ItemProcessor": {
            "StartAt": "Work #1", "States": {
              "Work #1": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                          "Parameters": {"FunctionName": "f", "Payload.$": "$"}, "End": true}
            }}, "End": true}
        }},
        {"StartAt": "Side", "States": {"Side": {"Type": "Pass", "End": true}}}
      ],
      "Catch": [{"ErrorEquals": ["States.TaskFailed", "Custom.Error"], "Next": "Handle"}],
      "Next": "Done"
    },
    "Handle": {"Type": "Fail", "Error": "Failed", "Cause": "x"},
    "Done": {"Type": "Succeed"}
  }
}`

func parse(t *testing.T, def string) *asl.StateMachine {
	t.Helper()
	sm, err := asl.Parse([]byte(def))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return sm
}

func render(t *testing.T, sm *asl.StateMachine, opts Options) string {
	t.Helper()
	out, err := Render(sm, opts)
	if err != nil {
		t.Fatalf("render: %v", err)
	}
	return out
}

// dotIDs maps each state's label to its dot node id.
func dotIDs(t *testing.T, out string) map[string]string {
	t.Helper()
	ids := map[string]string{}
	re := regexp.MustCompile(`(?m)^\s*(\w+) \[.*label="((?:[^"\\]|\\.)*)"\];$`)
	for _, m := range re.FindAllStringSubmatch(out, -1) {
		name, _, _ := strings.Cut(m[2], `\n`)
		ids[name] = m[1]
	}
	return ids
}

// dotEdge returns the attribute list of the edge from a to b (by label).
func dotEdges(out, from, to string) []string {
	var attrs []string
	prefix := "  " + from + " -> " + to
	for _, line := range strings.Split(out, "\n") {
		if line == prefix+";" {
			attrs = append(attrs, "")
		} else if rest, ok := strings.CutPrefix(line, prefix+" ["); ok {
			attrs = append(attrs, strings.TrimSuffix(rest, "];"))
		}
	}
	return attrs
}

func TestDotStructure(t *testing.T) {
	out := render(t, parse(t, machine), Options{})
	if !strings.HasPrefix(out, "digraph stepwise {\n") || !strings.HasSuffix(out, "}\n") {
		t.Fatalf("not a digraph:\n%s", out)
	}
	ids := dotIDs(t, out)
	for _, name := range []string{`Check \"order\"`, "Wait <a|b>", "Fan out", "Items", "Work #1", "Side", "Handle", "Done", "Start", "End"} {
		if ids[name] == "" {
			t.Errorf("no node labelled %q:\n%s", name, out)
		}
	}
	for _, want := range []string{
		`label="Orders \"v2\" \\ test"`,                    // comment escaped
		`[shape=diamond, label="Check \"order\"\nChoice"]`, // Choice diamond, quotes escaped
		`[shape=box, label="Work #1\nlambda:invoke"]`,      // Task with short resource
		`[shape=box3d, label="Fan out\nParallel"]`,
		`[shape=component, label="Items\nMap"]`,
		`shape=octagon, peripheries=2`, // Fail terminal style
		`label="Done\nSucceed"`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %s", want)
		}
	}

	check := func(from, to string, want ...string) {
		t.Helper()
		es := dotEdges(out, ids[from], ids[to])
		if len(es) == 0 {
			t.Errorf("no edge %s -> %s", from, to)
			return
		}
		for _, w := range want {
			if !slices.ContainsFunc(es, func(a string) bool { return strings.Contains(a, w) }) {
				t.Errorf("edge %s -> %s: no %q in %q", from, to, w, es)
			}
		}
	}
	check(`Check \"order\"`, "Fan out", `label="1: $.kind == \"bulk\""`, `label="Default"`)
	check(`Check \"order\"`, "Wait <a|b>", `label="2: $.n > 3 && !($.x is present)"`)
	check("Wait <a|b>", "Fan out", "")
	check("Fan out", "Done", "")
	check("Fan out", "Handle", `style="dashed"`, `label="States.TaskFailed, Custom.Error"`)
	if es := dotEdges(out, ids["Fan out"], ids["Done"]); strings.Contains(es[0], "dashed") {
		t.Errorf("Next edge is dashed: %q", es)
	}

	// Clusters: Parallel > Branch 1 > Map items, each nested graph with its
	// own start and end.
	iPar := strings.Index(out, `label="Fan out (Parallel)"`)
	iB1 := strings.Index(out, `label="Branch 1"`)
	iMap := strings.Index(out, `label="Items (Map items)"`)
	iB2 := strings.Index(out, `label="Branch 2"`)
	if iPar < 0 || iB1 < iPar || iMap < iB1 || iB2 < iMap {
		t.Fatalf("clusters missing or out of order:\n%s", out)
	}
	depth := 0
	depthOf := map[string]int{}
	for _, line := range strings.Split(out, "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "subgraph cluster") {
			depth++
		} else if line == "}" {
			depth--
		} else if m := regexp.MustCompile(`label="([^"\\]*)`).FindStringSubmatch(line); m != nil && strings.HasPrefix(line, "state") {
			depthOf[strings.Split(m[1], `\n`)[0]] = depth
		}
	}
	for name, want := range map[string]int{"Fan out": 0, "Items": 2, "Work #1": 3, "Side": 2, "Done": 0} {
		if depthOf[name] != want {
			t.Errorf("%s at cluster depth %d, want %d", name, depthOf[name], want)
		}
	}
	if n := strings.Count(out, `label="Start"`); n != 4 {
		t.Errorf("%d start nodes, want 4 (top, 2 branches, item processor)", n)
	}
	check("Fan out", "Start") // fork edges exist (to some start node)
	if !strings.Contains(out, `[style="dotted", arrowhead=empty, label="branch 2"]`) ||
		!strings.Contains(out, `label="each item"]`) {
		t.Errorf("fork edges missing:\n%s", out)
	}
	// Node ids are unique.
	seen := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^\s*(\w+) \[`).FindAllStringSubmatch(out, -1) {
		if seen[m[1]] && m[1] != "graph" && m[1] != "node" && m[1] != "edge" {
			t.Errorf("node id %s declared twice", m[1])
		}
		seen[m[1]] = true
	}
}

func TestDeterministic(t *testing.T) {
	sm := parse(t, machine)
	first := render(t, sm, Options{Format: Mermaid})
	for range 20 {
		if got := render(t, parse(t, machine), Options{Format: Mermaid}); got != first {
			t.Fatal("output differs between runs")
		}
	}
}

func TestMermaid(t *testing.T) {
	out := render(t, parse(t, machine), Options{Format: Mermaid})
	if !strings.HasPrefix(out, "flowchart TD\n") {
		t.Fatalf("not a flowchart:\n%s", out)
	}
	for _, want := range []string{
		`{"Check #quot;order#quot;<br/>Choice"}`, // diamond, quotes as entities
		`{{"Wait #lt;a#124;b#gt;<br/>Wait"}}`,    // < | > escaped
		`["Work #35;1<br/>lambda:invoke"]`,       // # escaped
		`[["Fan out<br/>Parallel"]]`,
		`(["Done<br/>Succeed"])`,
		`subgraph cluster`,
		`-->|"1: $.kind == #quot;bulk#quot;"|`,
		`-->|"2: $.n #gt; 3 #amp;#amp; !($.x is present)"|`,
		`-->|"Default"|`,
		`-.->|"States.TaskFailed, Custom.Error"|`,
		`---|"branch 1"|`,
		`---|"each item"|`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %s\n%s", want, out)
		}
	}
	// Subgraphs nest: Parallel > Branch 1 > Map items, each closed by end.
	var stack []string
	parentOf := map[string]string{}
	for _, line := range strings.Split(out, "\n") {
		line = strings.TrimSpace(line)
		if rest, ok := strings.CutPrefix(line, "subgraph "); ok {
			label := rest[strings.Index(rest, `"`)+1 : strings.LastIndex(rest, `"`)]
			if len(stack) > 0 {
				parentOf[label] = stack[len(stack)-1]
			}
			stack = append(stack, label)
		} else if line == "end" {
			if len(stack) == 0 {
				t.Fatal("unbalanced end")
			}
			stack = stack[:len(stack)-1]
		}
	}
	if len(stack) != 0 {
		t.Errorf("unclosed subgraphs %v", stack)
	}
	if parentOf["Items (Map items)"] != "Branch 1" || parentOf["Branch 1"] != "Fan out (Parallel)" || parentOf["Branch 2"] != "Fan out (Parallel)" {
		t.Errorf("subgraph nesting %v", parentOf)
	}
	// No raw quote inside a label, no node id named end.
	for _, line := range strings.Split(out, "\n") {
		if strings.Count(line, `"`)%2 != 0 {
			t.Errorf("unbalanced quotes: %s", line)
		}
		if regexp.MustCompile(`(^|\s)end\w`).MatchString(line) {
			t.Errorf("identifier starting with end: %s", line)
		}
	}
}

// failedTrace is the history of machine with {"kind":"bulk","items":[1,2]}
// when the Task fails: the Map fails, the Parallel catches the error and
// goes to the Fail state.
const failedTrace = `{"status":"FAILED","events":[
 {"id":1,"previousEventId":0,"type":"ExecutionStarted","details":{"input":"{}"}},
 {"id":2,"previousEventId":1,"type":"ChoiceStateEntered","details":{"name":"Check \"order\""}},
 {"id":3,"previousEventId":2,"type":"ChoiceStateExited","details":{"name":"Check \"order\""}},
 {"id":4,"previousEventId":3,"type":"ParallelStateEntered","details":{"name":"Fan out"}},
 {"id":5,"previousEventId":4,"type":"ParallelStateStarted"},
 {"id":6,"previousEventId":5,"type":"MapStateEntered","details":{"name":"Items"}},
 {"id":7,"previousEventId":6,"type":"MapStateStarted","details":{"length":2}},
 {"id":8,"previousEventId":7,"type":"MapIterationStarted","details":{"name":"Items","index":0}},
 {"id":9,"previousEventId":7,"type":"MapIterationStarted","details":{"name":"Items","index":1}},
 {"id":10,"previousEventId":5,"type":"PassStateEntered","details":{"name":"Side"}},
 {"id":11,"previousEventId":10,"type":"PassStateExited","details":{"name":"Side"}},
 {"id":12,"previousEventId":8,"type":"TaskStateEntered","details":{"name":"Work #1"}},
 {"id":13,"previousEventId":12,"type":"TaskScheduled"},
 {"id":14,"previousEventId":13,"type":"TaskStarted"},
 {"id":15,"previousEventId":9,"type":"TaskStateEntered","details":{"name":"Work #1"}},
 {"id":16,"previousEventId":15,"type":"TaskScheduled"},
 {"id":17,"previousEventId":16,"type":"TaskStarted"},
 {"id":18,"previousEventId":17,"type":"TaskFailed","details":{"error":"E"}},
 {"id":19,"previousEventId":18,"type":"TaskStateAborted"},
 {"id":20,"previousEventId":19,"type":"MapIterationFailed","details":{"name":"Items","index":1}},
 {"id":21,"previousEventId":14,"type":"TaskStateAborted"},
 {"id":22,"previousEventId":21,"type":"MapIterationAborted","details":{"name":"Items","index":0}},
 {"id":23,"previousEventId":7,"type":"MapStateFailed"},
 {"id":24,"previousEventId":5,"type":"ParallelStateFailed"},
 {"id":25,"previousEventId":24,"type":"ParallelStateExited","details":{"name":"Fan out"}},
 {"id":26,"previousEventId":25,"type":"FailStateEntered","details":{"name":"Handle"}},
 {"id":27,"previousEventId":26,"type":"ExecutionFailed","details":{"error":"Failed"}}
]}`

func TestAnalyzeFailedExecution(t *testing.T) {
	sm := parse(t, machine)
	tr, err := ParseTrace([]byte(failedTrace))
	if err != nil {
		t.Fatal(err)
	}
	if !tr.Failed() {
		t.Error("trace not failed")
	}
	h := Analyze(sm, tr)
	if want := []string{`Check "order"`, "Fan out", "Handle", "Items", "Work #1", "Side"}; !slices.Equal(h.Entered, want) {
		t.Errorf("entered %q, want %q", h.Entered, want)
	}
	// The Task and the Map failed uncaught at their level; Handle is the
	// Fail state the execution ended in. The Parallel caught its error.
	if want := []string{"Handle", "Items", "Work #1"}; !slices.Equal(h.Failed, want) {
		t.Errorf("failed %q, want %q", h.Failed, want)
	}
	if want := []Transition{{`Check "order"`, "Fan out"}, {"Fan out", "Handle"}}; !slices.Equal(h.Taken, want) {
		t.Errorf("taken %v, want %v", h.Taken, want)
	}
	if h.Unknown != nil {
		t.Errorf("unknown %q", h.Unknown)
	}

	out := render(t, sm, Options{Trace: tr})
	ids := dotIDs(t, out)
	nodeLine := func(name string) string {
		for _, l := range strings.Split(out, "\n") {
			if strings.HasPrefix(strings.TrimSpace(l), ids[name]+" [") {
				return l
			}
		}
		return ""
	}
	for _, name := range []string{`Check \"order\"`, "Fan out", "Side"} {
		if l := nodeLine(name); !strings.Contains(l, `fillcolor="#c8f7c5"`) {
			t.Errorf("%s not green: %s", name, l)
		}
	}
	for _, name := range []string{"Handle", "Items", "Work #1"} {
		if l := nodeLine(name); !strings.Contains(l, `fillcolor="#f8c4c4"`) || !strings.Contains(l, `color="#c62828"`) {
			t.Errorf("%s not red: %s", name, l)
		}
	}
	if l := nodeLine("Done"); strings.Contains(l, "fillcolor") || strings.Contains(l, "filled") {
		t.Errorf("Done highlighted: %s", l)
	}
	// The catch edge was taken (bold, still dashed); Next to Done was not.
	if es := dotEdges(out, ids["Fan out"], ids["Handle"]); len(es) != 1 || !strings.Contains(es[0], `style="dashed,bold"`) {
		t.Errorf("catch edge %q", es)
	}
	if es := dotEdges(out, ids["Fan out"], ids["Done"]); len(es) != 1 || strings.Contains(es[0], "bold") {
		t.Errorf("Next edge %q", es)
	}
	if es := dotEdges(out, ids["Side"], ids["Handle"]); len(es) != 0 {
		t.Errorf("edge across levels %q", es)
	}

	mm := render(t, sm, Options{Format: Mermaid, Trace: tr})
	for _, want := range []string{"classDef entered fill:#c8f7c5", "classDef failed fill:#f8c4c4", "linkStyle "} {
		if !strings.Contains(mm, want) {
			t.Errorf("mermaid lacks %s", want)
		}
	}
	// The taken edges named by linkStyle are the right ones.
	var edges []string
	for _, l := range strings.Split(mm, "\n") {
		if strings.Contains(l, "-->") || strings.Contains(l, "-.->") || strings.Contains(l, "---|") {
			edges = append(edges, strings.TrimSpace(l))
		}
	}
	m := regexp.MustCompile(`linkStyle ([\d,]+) `).FindStringSubmatch(mm)
	var catchTaken bool
	for _, s := range strings.Split(m[1], ",") {
		i, err := strconv.Atoi(s)
		if err != nil || i >= len(edges) {
			t.Fatalf("linkStyle index %q of %d edges", s, len(edges))
		}
		if strings.Contains(edges[i], `-.->|"States.TaskFailed, Custom.Error"|`) {
			catchTaken = true
		}
		if strings.Contains(edges[i], "Done") {
			t.Errorf("edge not taken in linkStyle: %s", edges[i])
		}
	}
	if !catchTaken {
		t.Errorf("catch edge not in linkStyle %s:\n%s", m[1], strings.Join(edges, "\n"))
	}
}

func TestAnalyzeAWSHistoryShape(t *testing.T) {
	// GetExecutionHistory: details under ...EventDetails keys, ids as
	// numbers, a caught Task error followed by the handler.
	sm := parse(t, `{"StartAt":"T","States":{
	  "T":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:Fn","Catch":[{"ErrorEquals":["States.ALL"],"Next":"H"}],"Next":"H"},
	  "H":{"Type":"Pass","Next":"F"},
	  "F":{"Type":"Fail","Error":"X"}}}`)
	tr, err := ParseTrace([]byte(`{"events":[
	 {"timestamp":1.0,"type":"ExecutionStarted","id":1,"previousEventId":0,"executionStartedEventDetails":{"input":"{}"}},
	 {"timestamp":1.0,"type":"TaskStateEntered","id":2,"previousEventId":1,"stateEnteredEventDetails":{"name":"T","input":"{}"}},
	 {"timestamp":1.0,"type":"LambdaFunctionScheduled","id":3,"previousEventId":2},
	 {"timestamp":1.0,"type":"LambdaFunctionFailed","id":4,"previousEventId":3,"lambdaFunctionFailedEventDetails":{"error":"E"}},
	 {"timestamp":1.0,"type":"TaskStateExited","id":5,"previousEventId":4,"stateExitedEventDetails":{"name":"T"}},
	 {"timestamp":1.0,"type":"PassStateEntered","id":6,"previousEventId":5,"stateEnteredEventDetails":{"name":"H"}},
	 {"timestamp":1.0,"type":"PassStateExited","id":7,"previousEventId":6,"stateExitedEventDetails":{"name":"H"}},
	 {"timestamp":1.0,"type":"FailStateEntered","id":8,"previousEventId":7,"stateEnteredEventDetails":{"name":"F"}},
	 {"timestamp":1.0,"type":"ExecutionFailed","id":9,"previousEventId":8,"executionFailedEventDetails":{"error":"X"}}]}`))
	if err != nil {
		t.Fatal(err)
	}
	h := Analyze(sm, tr)
	if !slices.Equal(h.Entered, []string{"T", "H", "F"}) || !slices.Equal(h.Failed, []string{"F"}) {
		t.Errorf("entered %q failed %q", h.Entered, h.Failed)
	}
	out := render(t, sm, Options{Trace: tr})
	ids := dotIDs(t, out)
	es := dotEdges(out, ids["T"], ids["H"])
	if len(es) != 2 || strings.Contains(es[0], "bold") || !strings.Contains(es[1], `style="dashed,bold"`) {
		t.Errorf("T -> H edges (Next, Catch) %q: only the Catch was taken", es)
	}
	if !strings.Contains(out, `label="T\nlambda:Fn"`) {
		t.Errorf("lambda ARN not shortened:\n%s", out)
	}
}

func TestAnalyzeUncaughtTaskFailure(t *testing.T) {
	sm := parse(t, `{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"},"B":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage","End":true}}}`)
	// No previousEventId at all: the order of the list is used.
	tr, err := ParseTrace([]byte(`[
	 {"type":"ExecutionStarted"},
	 {"type":"PassStateEntered","details":{"name":"A"}},
	 {"type":"PassStateExited","details":{"name":"A"}},
	 {"type":"TaskStateEntered","details":{"name":"B"}},
	 {"type":"TaskScheduled"},
	 {"type":"TaskFailed"},
	 {"type":"ExecutionFailed"}]`))
	if err != nil {
		t.Fatal(err)
	}
	h := Analyze(sm, tr)
	if !slices.Equal(h.Failed, []string{"B"}) || !slices.Equal(h.Taken, []Transition{{"A", "B"}}) {
		t.Errorf("failed %q taken %v", h.Failed, h.Taken)
	}
	// The same states in a successful execution: nothing red, End edge bold.
	tr.Events = append(tr.Events[:4], Event{Type: "TaskStateExited", Name: "B"}, Event{Type: "ExecutionSucceeded"})
	h = Analyze(sm, tr)
	if h.Failed != nil || !slices.Equal(h.Entered, []string{"A", "B"}) {
		t.Errorf("failed %q entered %q", h.Failed, h.Entered)
	}
	out := render(t, sm, Options{Trace: tr})
	if !strings.Contains(out, "state2 -> stop3 [style=\"bold\"") {
		t.Errorf("end edge not bold:\n%s", out)
	}
}

// A Task with End: true that catches an error leaves through its Catch
// edge: its End edge is not taken (the circuit breaker's Execute Lambda).
func TestCaughtErrorDoesNotTakeEndEdge(t *testing.T) {
	sm := parse(t, `{"StartAt":"T","States":{
	  "T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"f"},
	       "Catch":[{"ErrorEquals":["States.ALL"],"Next":"H"}],"End":true},
	  "H":{"Type":"Fail","Error":"E"}}}`)
	tr, err := ParseTrace([]byte(`[
	 {"id":1,"type":"ExecutionStarted"},
	 {"id":2,"previousEventId":1,"type":"TaskStateEntered","details":{"name":"T"}},
	 {"id":3,"previousEventId":2,"type":"TaskScheduled"},
	 {"id":4,"previousEventId":3,"type":"TaskFailed"},
	 {"id":5,"previousEventId":4,"type":"TaskStateExited","details":{"name":"T"}},
	 {"id":6,"previousEventId":5,"type":"FailStateEntered","details":{"name":"H"}},
	 {"id":7,"previousEventId":6,"type":"ExecutionFailed"}]`))
	if err != nil {
		t.Fatal(err)
	}
	dot := render(t, sm, Options{Trace: tr})
	if !strings.Contains(dot, "  state1 -> stop3;\n") {
		t.Errorf("T -> End drawn as taken:\n%s", dot)
	}
	if !strings.Contains(dot, "state1 -> state2 [style=\"dashed,bold\"") || !strings.Contains(dot, "state2 -> stop3 [style=\"bold\"") {
		t.Errorf("the Catch edge and the Fail state's end not drawn as taken:\n%s", dot)
	}
	mm := render(t, sm, Options{Trace: tr, Format: Mermaid})
	// Edges in order: start->T (0), T->H (1), T->End (2), H->End (3).
	if !strings.Contains(mm, "  state1 --> stop3\n") || !strings.Contains(mm, "linkStyle 0,1,3 ") {
		t.Errorf("Mermaid: T -> End styled as taken:\n%s", mm)
	}
}

func TestAnalyzeFailureWithoutEvent(t *testing.T) {
	// The Map's ItemsPath fails (States.Runtime, not caught): the Map has
	// no failure event of its own, but is left open when the execution
	// fails. The other branch's Pass was aborted, not failed.
	sm := parse(t, machine)
	tr, err := ParseTrace([]byte(`{"events":[
	 {"id":1,"previousEventId":0,"type":"ExecutionStarted"},
	 {"id":2,"previousEventId":1,"type":"ChoiceStateEntered","details":{"name":"Check \"order\""}},
	 {"id":3,"previousEventId":2,"type":"ChoiceStateExited","details":{"name":"Check \"order\""}},
	 {"id":4,"previousEventId":3,"type":"ParallelStateEntered","details":{"name":"Fan out"}},
	 {"id":5,"previousEventId":4,"type":"ParallelStateStarted"},
	 {"id":6,"previousEventId":5,"type":"MapStateEntered","details":{"name":"Items"}},
	 {"id":7,"previousEventId":5,"type":"PassStateEntered","details":{"name":"Side"}},
	 {"id":8,"previousEventId":7,"type":"PassStateAborted"},
	 {"id":9,"previousEventId":5,"type":"ParallelStateFailed"},
	 {"id":10,"previousEventId":9,"type":"ExecutionFailed"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	h := Analyze(sm, tr)
	if want := []string{"Fan out", "Items"}; !slices.Equal(h.Failed, want) {
		t.Errorf("failed %q, want %q", h.Failed, want)
	}
	if want := []Transition{{`Check "order"`, "Fan out"}}; !slices.Equal(h.Taken, want) {
		t.Errorf("taken %v, want %v", h.Taken, want)
	}
}

func TestAnalyzeUnknownStates(t *testing.T) {
	sm := parse(t, `{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}`)
	tr, err := ParseTrace([]byte(`{"events":[{"type":"PassStateEntered","details":{"name":"Z"}},{"type":"PassStateEntered","details":{"name":"A"}},{"type":"PassStateEntered","details":{"name":"Z"}}]}`))
	if err != nil {
		t.Fatal(err)
	}
	h := Analyze(sm, tr)
	if !slices.Equal(h.Unknown, []string{"Z"}) || !slices.Equal(h.Entered, []string{"A"}) {
		t.Errorf("unknown %q entered %q", h.Unknown, h.Entered)
	}
}

func TestParseTraceErrors(t *testing.T) {
	for _, bad := range []string{``, `null`, `"x"`, `{`, `{"status":"FAILED"}`, `{"events":{}}`, `[1]`, `[{"id":1}]`, `{"events":[null]}`} {
		if _, err := ParseTrace([]byte(bad)); err == nil {
			t.Errorf("ParseTrace(%q) succeeded", bad)
		}
	}
	// Odd but harmless: cycles and forward references in previousEventId,
	// string ids, duplicate ids.
	sm := parse(t, `{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"},"B":{"Type":"Succeed"}}}`)
	tr, err := ParseTrace([]byte(`[{"id":"1","previousEventId":3,"type":"PassStateEntered","details":{"name":"A"}},
	  {"id":2,"previousEventId":2,"type":"PassStateExited","details":{"name":"A"}},
	  {"id":2,"previousEventId":1,"type":"SucceedStateEntered","details":{"name":"B"}},
	  {"id":3,"previousEventId":9,"type":"ExecutionFailed"}]`))
	if err != nil {
		t.Fatal(err)
	}
	h := Analyze(sm, tr)
	if !slices.Equal(h.Entered, []string{"A", "B"}) {
		t.Errorf("entered %q", h.Entered)
	}
}

func TestRenderErrors(t *testing.T) {
	if _, err := Render(nil, Options{}); err == nil {
		t.Error("nil machine rendered")
	}
	if _, err := Render(parse(t, machine), Options{Format: "svg"}); err == nil {
		t.Error("unknown format accepted")
	}
	for _, name := range []string{"dot", "DOT", "gv", "mermaid", "mmd"} {
		if _, err := ParseFormat(name); err != nil {
			t.Errorf("ParseFormat(%q): %v", name, err)
		}
	}
	if _, err := ParseFormat("png"); err == nil {
		t.Error("ParseFormat(png) succeeded")
	}
}

func TestShortResource(t *testing.T) {
	for in, want := range map[string]string{
		"arn:aws:states:::lambda:invoke":                               "lambda:invoke",
		"arn:aws:states:::aws-sdk:s3:getObject":                        "s3:getObject",
		"arn:aws:states:::ecs:runTask.sync":                            "ecs:runTask.sync",
		"arn:aws-cn:states:::sns:publish":                              "sns:publish",
		"arn:aws:lambda:us-east-1:123456789012:function:Fn:prod":       "lambda:Fn:prod",
		"arn:aws:states:us-east-1:123456789012:activity:Approve":       "activity:Approve",
		"arn:aws:sqs:us-east-1:123456789012:q":                         "arn:aws:sqs:us-east-1:123456789012:q",
		"gofunc:double":                                                "gofunc:double",
		"":                                                             "",
		"arn:aws:states:us-east-1:123456789012:stateMachine:Something": "arn:aws:states:us-east-1:123456789012:stateMachine:Something",
	} {
		if got := ShortResource(in); got != want {
			t.Errorf("ShortResource(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestChoiceSummaries(t *testing.T) {
	sm := parse(t, `{"QueryLanguage":"JSONata","StartAt":"C","States":{
	  "C":{"Type":"Choice","Choices":[
	    {"Condition":"{% $states.input.n > 10 %}","Next":"A"},
	    {"Condition":"{% $states.input.name = 'a very long name that goes on and on and on' %}","Next":"A"}],
	   "Default":"A"},
	  "A":{"Type":"Succeed"}}}`)
	out := render(t, sm, Options{})
	if !strings.Contains(out, `label="1: $states.input.n > 10"`) {
		t.Errorf("JSONata condition not summarised:\n%s", out)
	}
	// A long condition is shown whole, wrapped.
	if !strings.Contains(out, `label="2: $states.input.name = 'a very long\nname that goes on and on and on'"`) {
		t.Errorf("long condition not wrapped whole:\n%s", out)
	}
	if mm := render(t, sm, Options{Format: Mermaid}); !strings.Contains(mm, `"2: $states.input.name = 'a very long<br/>name that goes on and on and on'"`) {
		t.Errorf("long condition not wrapped whole in Mermaid:\n%s", mm)
	}
	sm = parse(t, `{"StartAt":"C","States":{
	  "C":{"Type":"Choice","Choices":[
	    {"Or":[{"Variable":"$.a","NumericLessThanEqualsPath":"$.b"},{"Variable":"$.s","StringMatches":"x*"}],"Next":"A"},
	    {"Variable":"$.z","IsNull":false,"Next":"A"}]},
	  "A":{"Type":"Succeed"}}}`)
	out = render(t, sm, Options{})
	for _, want := range []string{`label="1: $.a <= $.b || $.s matches \"x*\""`, `label="2: $.z is not null"`} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %s:\n%s", want, out)
		}
	}
}

// FuzzTrace checks that no trace makes Analyze or Render panic.
func FuzzTrace(f *testing.F) {
	f.Add([]byte(failedTrace))
	f.Add([]byte(`[{"id":2,"previousEventId":2,"type":"PassStateExited","details":{"name":"Side"}},{"type":"ExecutionFailed"}]`))
	f.Add([]byte(`{"status":"FAILED","events":[{"id":1,"previousEventId":1,"type":"TaskFailed"}]}`))
	sm, err := asl.Parse([]byte(machine))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		tr, err := ParseTrace(data)
		if err != nil {
			return
		}
		Analyze(sm, tr)
		if _, err := Render(sm, Options{Format: Mermaid, Trace: tr}); err != nil {
			t.Fatal(err)
		}
	})
}

// FuzzRender checks that every definition that parses renders.
func FuzzRender(f *testing.F) {
	f.Add([]byte(machine))
	f.Add([]byte(`{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		sm, err := asl.Parse(data)
		if err != nil {
			return
		}
		for _, format := range []Format{Dot, Mermaid} {
			if _, err := Render(sm, Options{Format: format}); err != nil {
				t.Fatal(err)
			}
		}
	})
}
