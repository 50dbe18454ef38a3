package asl

import (
	"strings"
	"testing"

	"github.com/stepwise/stepwise/asl/diag"
	"github.com/stepwise/stepwise/asl/value"
)

const richJSON = `{
  "Comment": "rich",
  "Version": "1.0",
  "TimeoutSeconds": 300,
  "StartAt": "P",
  "States": {
    "P": {"Type": "Pass", "InputPath": null, "ResultPath": null, "Result": {"a": 1}, "Next": "T"},
    "T": {
      "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
      "Parameters": {"FunctionName": "f", "Payload.$": "$"},
      "ResultSelector": {"p.$": "$.Payload"},
      "ResultPath": "$.r", "OutputPath": "$.r",
      "TimeoutSeconds": 10, "HeartbeatSecondsPath": "$.hb",
      "Retry": [{"ErrorEquals": ["States.Timeout"]}, {"ErrorEquals": ["States.ALL"], "IntervalSeconds": 3, "MaxAttempts": 0, "BackoffRate": 1.5, "MaxDelaySeconds": 10, "JitterStrategy": "FULL"}],
      "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.err", "Next": "F"}],
      "Next": "C"
    },
    "C": {"Type": "Choice", "Choices": [{"Variable": "$.x", "IsPresent": true, "Next": "W"}], "Default": "Par"},
    "W": {"Type": "Wait", "Timestamp": "2016-03-14T01:59:00Z", "Next": "Par"},
    "Par": {
      "Type": "Parallel", "Next": "M",
      "Branches": [
        {"StartAt": "B1", "States": {"B1": {"Type": "Pass", "End": true}}},
        {"StartAt": "B2", "States": {"B2": {"Type": "Succeed"}}}
      ]
    },
    "M": {
      "Type": "Map", "ItemsPath": "$.items", "Parameters": {"v.$": "$$.Map.Item.Value"},
      "MaxConcurrency": 2, "ToleratedFailurePercentage": 5,
      "Iterator": {"StartAt": "I", "States": {"I": {"Type": "Pass", "End": true}}},
      "Next": "JA"
    },
    "JA": {
      "Type": "Pass", "QueryLanguage": "JSONata",
      "Output": "{% $states.input %}", "Assign": {"x": "{% 1 %}"},
      "Next": "S"
    },
    "S": {"Type": "Succeed", "OutputPath": null},
    "F": {"Type": "Fail", "Error": "E", "CausePath": "$.err.Cause"}
  }
}`

func TestParseRichDefinition(t *testing.T) {
	sm, err := Parse([]byte(richJSON))
	if err != nil {
		t.Fatal(err)
	}
	if sm.Comment != "rich" || sm.Version != "1.0" || sm.TimeoutSeconds == nil || *sm.TimeoutSeconds != 300 {
		t.Errorf("top level: %+v", sm)
	}
	if sm.QueryLanguage != JSONPath || sm.StartAt != "P" {
		t.Errorf("QueryLanguage=%q StartAt=%q", sm.QueryLanguage, sm.StartAt)
	}
	wantOrder := []string{"P", "T", "C", "W", "Par", "M", "JA", "S", "F"}
	if strings.Join(sm.Order, ",") != strings.Join(wantOrder, ",") {
		t.Errorf("Order = %v", sm.Order)
	}
	if _, ok := sm.Raw.(*value.Object); !ok {
		t.Errorf("Raw is %T", sm.Raw)
	}

	p := sm.States["P"].(*Pass)
	if p.InputPath == nil || !p.InputPath.Null || p.ResultPath == nil || !p.ResultPath.Null || p.OutputPath != nil {
		t.Errorf("null vs absent paths: in=%v res=%v out=%v", p.InputPath, p.ResultPath, p.OutputPath)
	}
	if !p.HasResult || p.Next != "T" || p.End || p.Location != "/States/P" {
		t.Errorf("pass: %+v", p)
	}

	task := sm.States["T"].(*Task)
	if task.Parameters == nil || task.ResultSelector == nil || task.ResultPath == nil || task.ResultPath.Text != "$.r" {
		t.Errorf("task templates/paths not compiled: %+v", task)
	}
	if task.TimeoutSeconds == nil || *task.TimeoutSeconds != 10 || task.HeartbeatSecondsPath == nil {
		t.Errorf("task timeouts: %+v", task)
	}
	if len(task.Retry) != 2 {
		t.Fatalf("retry: %+v", task.Retry)
	}
	if r := task.Retry[0]; r.IntervalSeconds != 1 || r.MaxAttempts != 3 || r.BackoffRate != 2.0 || r.MaxDelaySeconds != nil || r.JitterStrategy != "" {
		t.Errorf("retry defaults: %+v", r)
	}
	if r := task.Retry[1]; r.IntervalSeconds != 3 || r.MaxAttempts != 0 || r.BackoffRate != 1.5 || *r.MaxDelaySeconds != 10 || r.JitterStrategy != "FULL" {
		t.Errorf("retry values: %+v", r)
	}
	if len(task.Catch) != 1 || task.Catch[0].Next != "F" || task.Catch[0].ResultPath.Text != "$.err" {
		t.Errorf("catch: %+v", task.Catch)
	}

	ch := sm.States["C"].(*Choice)
	if len(ch.Choices) != 1 || ch.Choices[0].Next != "W" || ch.Choices[0].Rule == nil || ch.Default != "Par" {
		t.Errorf("choice: %+v", ch)
	}
	w := sm.States["W"].(*Wait)
	if w.Timestamp != "2016-03-14T01:59:00Z" || w.TimestampTime.Year() != 2016 {
		t.Errorf("wait: %+v", w)
	}
	par := sm.States["Par"].(*Parallel)
	if len(par.Branches) != 2 || par.Branches[0].StartAt != "B1" || par.Branches[1].Location != "/States/Par/Branches/1" {
		t.Errorf("parallel: %+v", par)
	}
	m := sm.States["M"].(*Map)
	if m.ItemProcessor == nil || m.ItemProcessor.StartAt != "I" || m.ItemSelector == nil || m.ProcessorMode != "INLINE" {
		t.Errorf("map legacy Iterator/Parameters: %+v", m)
	}
	if m.MaxConcurrency != 2 || m.ToleratedFailurePercentage == nil || *m.ToleratedFailurePercentage != 5 || m.ItemsPath.Text != "$.items" {
		t.Errorf("map: %+v", m)
	}
	ja := sm.States["JA"].(*Pass)
	if ja.QueryLanguage != JSONata || !ja.HasOutput || ja.Output != "{% $states.input %}" || !ja.HasAssign || ja.AssignTemplate != nil {
		t.Errorf("jsonata pass: %+v", ja)
	}
	if p.QueryLanguage != JSONPath {
		t.Errorf("inherited QueryLanguage = %q", p.QueryLanguage)
	}
	s := sm.States["S"].(*Succeed)
	if s.OutputPath == nil || !s.OutputPath.Null {
		t.Errorf("succeed OutputPath null: %+v", s.OutputPath)
	}
	f := sm.States["F"].(*Fail)
	if f.Error != "E" || f.CausePath == nil || f.CausePath.Text != "$.err.Cause" || f.CauseExpr == nil {
		t.Errorf("fail: %+v", f)
	}
}

func TestParseJSONataMachine(t *testing.T) {
	def := `{
	  "QueryLanguage": "JSONata",
	  "StartAt": "T",
	  "States": {
	    "T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
	          "Arguments": {"FunctionName": "f", "Payload": "{% $states.input %}"},
	          "TimeoutSeconds": "{% $t %}", "HeartbeatSeconds": 5,
	          "Catch": [{"ErrorEquals": ["States.ALL"], "Output": "{% $states.errorOutput %}", "Next": "C"}],
	          "Next": "C"},
	    "C": {"Type": "Choice", "Choices": [{"Condition": "{% $states.input.ok %}", "Next": "M", "Assign": {"a": 1}}], "Default": "W"},
	    "W": {"Type": "Wait", "Seconds": "{% 1 %}", "Next": "M"},
	    "M": {"Type": "Map", "Items": "{% [1,2] %}", "MaxConcurrency": "{% 2 %}",
	          "ItemProcessor": {"StartAt": "I", "States": {"I": {"Type": "Pass", "End": true}}},
	          "Next": "F"},
	    "F": {"Type": "Fail", "Error": "{% 'E' %}", "Cause": "c"}
	  }
	}`
	sm, err := Parse([]byte(def))
	if err != nil {
		t.Fatal(err)
	}
	task := sm.States["T"].(*Task)
	if !task.HasArgs || task.TimeoutSecondsExpr != "{% $t %}" || *task.HeartbeatSeconds != 5 || task.QueryLanguage != JSONata {
		t.Errorf("task: %+v", task)
	}
	if !task.Catch[0].HasOutput {
		t.Errorf("catch output not kept")
	}
	ch := sm.States["C"].(*Choice)
	if ch.Choices[0].Condition != "{% $states.input.ok %}" || !ch.Choices[0].HasAssign {
		t.Errorf("choice: %+v", ch.Choices[0])
	}
	if w := sm.States["W"].(*Wait); w.SecondsExpr != "{% 1 %}" {
		t.Errorf("wait: %+v", w)
	}
	m := sm.States["M"].(*Map)
	if !m.HasItems || m.MaxConcurrencyExpr != "{% 2 %}" || m.ItemProcessor.QueryLanguage != JSONata {
		t.Errorf("map: %+v", m)
	}
	if i := m.ItemProcessor.States["I"]; i.Base().QueryLanguage != JSONata {
		t.Errorf("nested state language = %q", i.Base().QueryLanguage)
	}
}

func TestParseYAMLKeepsOrder(t *testing.T) {
	def := `
Comment: yaml
StartAt: Z
States:
  Z:
    Type: Pass
    Result:
      b: 1
      a: [true, null, 1.5, "x"]
    Next: A
  A:
    Type: Succeed
`
	sm, err := Parse([]byte(def))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(sm.Order, ",") != "Z,A" {
		t.Errorf("Order = %v", sm.Order)
	}
	res := sm.States["Z"].(*Pass).Result
	if got := value.EncodeString(res); got != `{"b":1,"a":[true,null,1.5,"x"]}` {
		t.Errorf("Result = %s", got)
	}
	if _, ok := res.(*value.Object).Get("b"); !ok {
		t.Error("no b")
	}
	if v, _ := res.(*value.Object).Get("b"); v != int64(1) {
		t.Errorf("b = %T %v, want int64", v, v)
	}
}

func TestYAMLAliasesAndMerge(t *testing.T) {
	def := `
StartAt: A
States:
  A: &pass
    Type: Pass
    End: true
  B:
    <<: *pass
    Comment: merged
`
	ds := Validate([]byte(def))
	// B is a copy of A, reachable from nowhere.
	if len(ds) != 1 || ds[0].Code != diag.MissingTransitionTarget || ds[0].Location != "/States/B" {
		t.Errorf("diagnostics: %v", ds)
	}
}

func TestYAMLBillionLaughs(t *testing.T) {
	def := "a: &a [x,x,x,x,x,x,x,x,x,x]\n"
	prev := "a"
	for _, n := range []string{"b", "c", "d", "e", "f", "g", "h", "i"} {
		def += n + ": &" + n + " [*" + prev + ",*" + prev + ",*" + prev + ",*" + prev + ",*" + prev + ",*" + prev + ",*" + prev + ",*" + prev + ",*" + prev + ",*" + prev + "]\n"
		prev = n
	}
	ds := Validate([]byte(def))
	if !ds.HasErrors() {
		t.Fatal("expected an error")
	}
}

func TestWarnings(t *testing.T) {
	def := `{"StartAt": "A", "States": {"A": {"Type": "Pass", "Result": "$.x", "Parameters": {"a": "$.b"}, "End": true}}}`
	ds := Validate([]byte(def))
	codes := map[string]string{}
	for _, d := range ds {
		if d.Severity != diag.SeverityWarning {
			t.Errorf("unexpected %v", d)
		}
		codes[d.Code] = d.Location
	}
	if codes[diag.NoDollar] != "/States/A/Parameters" || codes[diag.PassResultIsStatic] != "/States/A/Result" {
		t.Errorf("warnings: %v", ds)
	}
	sm, err := Parse([]byte(def))
	if err != nil || len(sm.Warnings) != 2 {
		t.Errorf("Parse: %v %v", err, sm)
	}
}

func TestParseErrorListsEveryError(t *testing.T) {
	def := `{"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "X", "Bogus": 1}, "B": {"Type": "Wait", "End": true}}}`
	_, err := Parse([]byte(def))
	l, ok := err.(diag.List)
	if !ok {
		t.Fatalf("error %T", err)
	}
	if len(l) != 4 {
		t.Errorf("want 4 errors (bogus field, wait, missing target, unreachable), got:\n%v", l)
	}
}

func TestFormatOption(t *testing.T) {
	def := []byte(`{"StartAt": "A", "States": {"A": {"Type": "Succeed"}}}`)
	if _, err := ParseWithOptions(def, Options{Format: FormatYAML}); err != nil {
		t.Errorf("JSON read as YAML: %v", err)
	}
	if _, err := ParseWithOptions([]byte("StartAt: A\n"), Options{Format: FormatJSON}); err == nil {
		t.Error("YAML accepted as JSON")
	}
}

func TestNestedLanguageIsMachineLanguage(t *testing.T) {
	// AWS validates the states of a Map or Parallel with the machine's
	// language, not the language the Map or Parallel state sets.
	def := `{"StartAt": "M", "States": {"M": {"Type": "Map", "QueryLanguage": "JSONata", "End": true,
	  "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "Output": 1, "End": true}}}}}}`
	ds := Validate([]byte(def))
	if !hasDiag(ds, expectedDiag{diag.SchemaValidationFailed, "/States/M/ItemProcessor/States/P"}) {
		t.Errorf("diagnostics: %v", ds)
	}
}

func TestLocationsEscapeStateNames(t *testing.T) {
	def := `{"StartAt": "a/b", "States": {"a/b": {"Type": "Pass", "Next": "x~y"}, "c": {"Type": "Succeed"}}}`
	ds := Validate([]byte(def))
	for _, w := range []expectedDiag{
		{diag.MissingTransitionTarget, "/States/a~1b/Next"},
		{diag.MissingTransitionTarget, "/States/c"},
	} {
		if !hasDiag(ds, w) {
			t.Errorf("missing %v in %v", w, ds)
		}
	}
}

// TestFilterWithBareWordIsValid: AWS accepts a filter comparing with an
// unquoted word, as deployed AWS samples do (issue #18).
func TestFilterWithBareWordIsValid(t *testing.T) {
	def := `{"StartAt":"P","States":{"P":{"Type":"Pass",
		"Parameters":{"receipt.$":"$.Labels[?(@.Name==Receipt)]"},
		"OutputPath":"$.receipt","End":true}}}`
	if ds := Validate([]byte(def)); ds.HasErrors() {
		t.Fatalf("rejected: %v", ds)
	}
}
