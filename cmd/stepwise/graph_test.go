package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stepwise/stepwise/asl"
	"github.com/stepwise/stepwise/asl/fault"
	"github.com/stepwise/stepwise/asl/value"
	"github.com/stepwise/stepwise/engine"
	"github.com/stepwise/stepwise/integrations"
	"github.com/stepwise/stepwise/integrations/gofunc"
)

// graphDef has a Parallel holding a Map, a Catch and names to escape. Its
// Task has no provider under `stepwise run`, so it fails and the Parallel
// catches the error.
const graphDef = `{
  "StartAt": "Start \"here\"",
  "States": {
    "Start \"here\"": {"Type": "Pass", "Next": "Fan out"},
    "Fan out": {
      "Type": "Parallel",
      "Branches": [
        {"StartAt": "Items", "States": {
          "Items": {"Type": "Map", "ItemsPath": "$.items", "ItemProcessor": {
            "StartAt": "Work", "States": {
              "Work": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Parameters": {"FunctionName": "f"}, "End": true}
            }}, "End": true}
        }},
        {"StartAt": "Side", "States": {"Side": {"Type": "Pass", "End": true}}}
      ],
      "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Handle"}],
      "Next": "Done"
    },
    "Handle": {"Type": "Fail", "Error": "Failed"},
    "Done": {"Type": "Succeed"}
  }
}`

func runGraph(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := mainWithArgs(context.Background(), append([]string{"graph"}, args...), &out, &errOut)
	return code, out.String(), errOut.String()
}

// labelID finds the dot node id of the state labelled name.
func labelID(t *testing.T, dot, name string) string {
	t.Helper()
	m := regexp.MustCompile(`(?m)^\s*(\w+) \[.*label="` + regexp.QuoteMeta(name) + `\\n`).FindStringSubmatch(dot)
	if m == nil {
		t.Fatalf("no node %q in\n%s", name, dot)
	}
	return m[1]
}

func nodeAttrs(dot, id string) string {
	for _, l := range strings.Split(dot, "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), id+" [") {
			return l
		}
	}
	return ""
}

func TestGraphDotAndMermaid(t *testing.T) {
	def := writeValidateFile(t, "m.asl.json", graphDef)
	code, out, errOut := runGraph(t, def)
	if code != 0 || errOut != "" {
		t.Fatalf("code %d, stderr %s", code, errOut)
	}
	fan, handle := labelID(t, out, "Fan out"), labelID(t, out, "Handle")
	if !strings.Contains(out, fan+" -> "+handle+` [style="dashed"`) || !strings.Contains(out, `label="States.ALL"`) {
		t.Errorf("catch edge missing:\n%s", out)
	}
	if !strings.Contains(out, `label="Start \"here\"\nPass"`) {
		t.Errorf("quote not escaped:\n%s", out)
	}
	if n := strings.Count(out, "subgraph cluster"); n != 4 {
		t.Errorf("%d clusters, want 4 (Parallel, its 2 branches, Map):\n%s", n, out)
	}

	code, mm, _ := runGraph(t, "--format", "mermaid", def)
	if code != 0 || !strings.HasPrefix(mm, "flowchart TD\n") || !strings.Contains(mm, `"Start #quot;here#quot;<br/>Pass"`) {
		t.Errorf("code %d mermaid:\n%s", code, mm)
	}

	// --output with text formats, the format following the extension.
	dir := t.TempDir()
	for file, prefix := range map[string]string{"g.dot": "digraph", "g.mmd": "flowchart TD", "g.txt": "digraph"} {
		p := filepath.Join(dir, file)
		if code, out, errOut := runGraph(t, def, "--output", p); code != 0 || out != "" {
			t.Errorf("%s: code %d stdout %q stderr %s", file, code, out, errOut)
		}
		data, err := os.ReadFile(p)
		if err != nil || !strings.HasPrefix(string(data), prefix) {
			t.Errorf("%s: %v %.40q", file, err, data)
		}
	}
}

func TestGraphExecutionOverlayFromRun(t *testing.T) {
	def := writeValidateFile(t, "m.asl.json", graphDef)
	var out, errOut bytes.Buffer
	code := mainWithArgs(context.Background(), []string{"run", def, "--input", `{"items":[1]}`, "--json", "--history"}, &out, &errOut)
	if code != 1 {
		t.Fatalf("run: code %d (want a failed execution) %s %s", code, out.String(), errOut.String())
	}
	trace := writeValidateFile(t, "trace.json", out.String())

	code, dot, stderr := runGraph(t, def, "--execution", trace)
	if code != 0 || stderr != "" {
		t.Fatalf("code %d stderr %s", code, stderr)
	}
	green, red := `fillcolor="#c8f7c5"`, `fillcolor="#f8c4c4"`
	for name, want := range map[string]string{`Start \"here\"`: green, "Fan out": green, "Side": green, "Items": red, "Work": red, "Handle": red} {
		if a := nodeAttrs(dot, labelID(t, dot, name)); !strings.Contains(a, want) {
			t.Errorf("%s: want %s in %s", name, want, a)
		}
	}
	if a := nodeAttrs(dot, labelID(t, dot, "Done")); strings.Contains(a, "fillcolor") {
		t.Errorf("Done highlighted: %s", a)
	}
	start, fan, handle, done := labelID(t, dot, `Start \"here\"`), labelID(t, dot, "Fan out"), labelID(t, dot, "Handle"), labelID(t, dot, "Done")
	for _, want := range []string{
		start + " -> " + fan + ` [style="bold"`,
		fan + " -> " + handle + ` [style="dashed,bold"`,
		fan + " -> " + done + ";",
	} {
		if !strings.Contains(dot, want) {
			t.Errorf("lacks %s:\n%s", want, dot)
		}
	}

	code, mm, _ := runGraph(t, def, "--execution", trace, "--format", "mermaid")
	if code != 0 || !regexp.MustCompile(`class \S+ entered`).MatchString(mm) || !regexp.MustCompile(`class \S+ failed`).MatchString(mm) || !strings.Contains(mm, "linkStyle ") {
		t.Errorf("mermaid overlay:\n%s", mm)
	}
}

func TestGraphExecutionOverlayFromHistory(t *testing.T) {
	// A GetExecutionHistory-shaped document, from the engine's events.
	sm, err := asl.Parse([]byte(graphDef))
	if err != nil {
		t.Fatal(err)
	}
	input, err := value.DecodeString(`{"items":[1]}`)
	if err != nil {
		t.Fatal(err)
	}
	failing := integrations.InvokerFunc(func(context.Context, *integrations.Task) (any, error) {
		return nil, fault.New(fault.TaskFailed, "boom")
	})
	res, err := engine.Run(context.Background(), sm, input, engine.Options{Invoker: gofunc.Chain(failing)})
	if err != nil {
		t.Fatal(err)
	}
	data, err := json.Marshal(map[string]any{"events": res.Events})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(data, []byte(`"stateEnteredEventDetails"`)) {
		t.Fatalf("not AWS-shaped: %s", data)
	}
	// The Task fails; the Parallel catches the error.
	def := writeValidateFile(t, "m.asl.json", graphDef)
	trace := writeValidateFile(t, "history.json", string(data))
	code, dot, stderr := runGraph(t, def, "--execution", trace)
	if code != 0 || stderr != "" {
		t.Fatalf("code %d stderr %s", code, stderr)
	}
	if a := nodeAttrs(dot, labelID(t, dot, "Handle")); !strings.Contains(a, `fillcolor="#f8c4c4"`) {
		t.Errorf("Handle not red: %s", a)
	}
	if a := nodeAttrs(dot, labelID(t, dot, "Fan out")); !strings.Contains(a, `fillcolor="#c8f7c5"`) {
		t.Errorf("Fan out not green: %s", a)
	}
	if a := nodeAttrs(dot, labelID(t, dot, "Work")); !strings.Contains(a, `fillcolor="#f8c4c4"`) {
		t.Errorf("Work not red: %s", a)
	}
	fan, handle := labelID(t, dot, "Fan out"), labelID(t, dot, "Handle")
	if !strings.Contains(dot, fan+" -> "+handle+` [style="dashed,bold"`) {
		t.Errorf("catch edge not bold:\n%s", dot)
	}
}

func TestGraphErrors(t *testing.T) {
	def := writeValidateFile(t, "m.asl.json", graphDef)
	bad := writeValidateFile(t, "bad.asl.json", `{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"Nope"}}}`)
	other := writeValidateFile(t, "other.json", `{"events":[{"type":"PassStateEntered","details":{"name":"Elsewhere"}}]}`)
	notTrace := writeValidateFile(t, "nottrace.json", `{"status":"SUCCEEDED"}`)
	missing := filepath.Join(t.TempDir(), "missing.json")
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no file", nil, "no definition file given"},
		{"two files", []string{def, def}, "one definition file expected"},
		{"unknown flag", []string{def, "--colour"}, "flag provided but not defined"},
		{"bad format", []string{def, "--format", "png"}, `unknown format "png"`},
		{"unreadable", []string{missing}, "no such file"},
		{"invalid definition", []string{bad}, "invalid definition"},
		{"unreadable trace", []string{def, "--execution", missing}, "no such file"},
		{"not a trace", []string{def, "--execution", notTrace}, `no "events" array`},
		{"not JSON trace", []string{def, "--execution", bad + "x"}, "no such file"},
		{"mermaid to png", []string{def, "--format", "mermaid", "--output", filepath.Join(t.TempDir(), "g.png")}, "needs --format dot"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runGraph(t, tc.args...)
			if code != 2 || out != "" || !strings.Contains(errOut, tc.want) {
				t.Errorf("code %d, stdout %q, stderr %q (want %q)", code, out, errOut, tc.want)
			}
		})
	}

	// A trace of another machine still draws, with a warning.
	code, out, errOut := runGraph(t, def, "--execution", other)
	if code != 0 || !strings.HasPrefix(out, "digraph") || !strings.Contains(errOut, "Elsewhere") {
		t.Errorf("code %d stderr %q", code, errOut)
	}
	if code, out, _ := runGraph(t, "--help"); code != 0 || !strings.Contains(out, "usage: stepwise graph") {
		t.Errorf("help: code %d", code)
	}
}

func TestGraphImageOutput(t *testing.T) {
	def := writeValidateFile(t, "m.asl.json", graphDef)

	t.Run("without graphviz", func(t *testing.T) {
		t.Setenv("PATH", t.TempDir())
		p := filepath.Join(t.TempDir(), "g.png")
		code, out, errOut := runGraph(t, def, "--output", p)
		// Exit 1, as the help says ("1 Graphviz is missing or failed").
		if code != 1 || !strings.Contains(graphUsage, "1 Graphviz is missing") || out != "" || !strings.Contains(errOut, "apt-get install graphviz") || !strings.Contains(errOut, "--format dot") {
			t.Errorf("code %d stderr %q", code, errOut)
		}
		if _, err := os.Stat(p); err == nil {
			t.Error("image written")
		}
	})

	for _, ext := range []string{"png", "svg"} {
		t.Run(ext, func(t *testing.T) {
			if _, err := exec.LookPath("dot"); err != nil {
				t.Skip("Graphviz's dot is not on PATH (apt-get install graphviz to run this test)")
			}
			p := filepath.Join(t.TempDir(), "g."+ext)
			code, out, errOut := runGraph(t, def, "--output", p)
			if code != 0 || out != "" || errOut != "" {
				t.Fatalf("code %d stdout %q stderr %q", code, out, errOut)
			}
			data, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			switch ext {
			case "png":
				if !bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")) || len(data) < 1000 {
					t.Errorf("not a PNG image (%d bytes)", len(data))
				}
			case "svg":
				if !bytes.Contains(data, []byte("<svg")) || !bytes.Contains(data, []byte("Fan out")) {
					t.Errorf("not an SVG of the machine: %.200s", data)
				}
			}
		})
	}
}
