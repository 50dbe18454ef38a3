package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func runValidate(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := mainWithArgs(context.Background(), append([]string{"validate"}, args...), &out, &errOut)
	return code, out.String(), errOut.String()
}

func writeValidateFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

const validateOKDef = `{"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}}}`
const invalidateOKDef = `{"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "Nope"}, "B": {"Type": "Succeed"}}}`

func TestValidateValid(t *testing.T) {
	p := writeValidateFile(t, "ok.asl.json", validateOKDef)
	code, out, _ := runValidate(t, p)
	if code != 0 || !strings.Contains(out, "valid (0 warnings)") {
		t.Errorf("code %d, out %q", code, out)
	}
	code, out, _ = runValidate(t, "--json", p)
	if code != 0 {
		t.Errorf("code %d", code)
	}
	var resp struct {
		Result      string            `json:"result"`
		Diagnostics []json.RawMessage `json:"diagnostics"`
	}
	if err := json.Unmarshal([]byte(out), &resp); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if resp.Result != "OK" || resp.Diagnostics == nil || len(resp.Diagnostics) != 0 {
		t.Errorf("response %s", out)
	}
}

func TestValidateInvalid(t *testing.T) {
	p := writeValidateFile(t, "bad.asl.json", invalidateOKDef)
	code, out, _ := runValidate(t, p)
	if code != 1 {
		t.Errorf("code %d", code)
	}
	for _, want := range []string{
		"ERROR MISSING_TRANSITION_TARGET at /States/A/Next: Missing 'Next' target: Nope",
		"ERROR MISSING_TRANSITION_TARGET at /States/B: State \"B\" is not reachable.",
		"invalid (2 errors, 0 warnings)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}

	code, out, _ = runValidate(t, p, "--json")
	if code != 1 {
		t.Errorf("code %d", code)
	}
	var resp struct {
		Result      string `json:"result"`
		Diagnostics []struct {
			Severity, Code, Message, Location string
		} `json:"diagnostics"`
	}
	if err := json.Unmarshal([]byte(out), &resp); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if resp.Result != "FAIL" || len(resp.Diagnostics) != 2 {
		t.Fatalf("response %s", out)
	}
	d := resp.Diagnostics[0]
	if d.Severity != "ERROR" || d.Code != "MISSING_TRANSITION_TARGET" || d.Location != "/States/A/Next" || d.Message != "Missing 'Next' target: Nope" {
		t.Errorf("diagnostic %+v", d)
	}
}

func TestValidateYAMLAndSyntaxErrors(t *testing.T) {
	p := writeValidateFile(t, "ok.asl.yaml", "StartAt: A\nStates:\n  A:\n    Type: Succeed\n")
	if code, out, _ := runValidate(t, p); code != 0 {
		t.Errorf("yaml: code %d %s", code, out)
	}
	p = writeValidateFile(t, "broken.asl.json", `{"StartAt": `)
	code, out, _ := runValidate(t, "--json", p)
	if code != 1 || !strings.Contains(out, `"INVALID_JSON_DESCRIPTION"`) {
		t.Errorf("broken json: code %d %s", code, out)
	}
	// Where: a line and a column, not a byte offset.
	p = writeValidateFile(t, "comma.asl.json", "{\"StartAt\": \"A\",\n \"States\": {\"A\": {\"Type\": \"Succeed\"} \"B\": 1}}")
	if code, out, _ := runValidate(t, p); code != 1 || !strings.Contains(out, "invalid JSON at line 2, column 38: expected ',' or '}' in object") {
		t.Errorf("missing comma: code %d %s", code, out)
	}
	ok := writeValidateFile(t, "ok.asl.json", `{"StartAt":"A","States":{"A":{"Type":"Succeed"}}}`)
	if code, _, errs := runCLI(t, ok, "--input", "{\n  \"a\": 1,,\n}"); code != 2 || !strings.Contains(errs, "invalid input: invalid JSON at line 2, column 10") {
		t.Errorf("run --input: code %d %s", code, errs)
	}
}

func TestValidateUsageErrors(t *testing.T) {
	if code, _, errOut := runValidate(t); code != 2 || !strings.Contains(errOut, "usage") {
		t.Errorf("no file: code %d %q", code, errOut)
	}
	if code, _, _ := runValidate(t, "a.json", "b.json"); code != 2 {
		t.Errorf("two files: code %d", code)
	}
	if code, _, _ := runValidate(t, "--bogus", "a.json"); code != 2 {
		t.Errorf("bad flag: code %d", code)
	}
	missing := filepath.Join(t.TempDir(), "missing.json")
	if code, _, errOut := runValidate(t, missing); code != 2 || !strings.Contains(errOut, "missing.json") {
		t.Errorf("missing file: code %d %q", code, errOut)
	}
	if code, out, _ := runValidate(t, "--help"); code != 0 || !strings.Contains(out, "usage") {
		t.Errorf("help: code %d", code)
	}
}

func TestValidateWarnsAboutUnknownResources(t *testing.T) {
	p := writeValidateFile(t, "r.asl.json", `{"StartAt":"A","States":{
		"A":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:secretsmanager:getSecretValue","Next":"B"},
		"B":{"Type":"Task","Resource":"arn:aws:states:::nosuch:doThing","End":true}}}`)
	code, out, _ := runValidate(t, p)
	if code != 0 || strings.Count(out, "WARNING") != 1 ||
		!strings.Contains(out, "WARNING SCHEMA_VALIDATION_FAILED at /States/B/Resource: The resource provided arn:aws:states:::nosuch:doThing is not recognized.") ||
		!strings.Contains(out, "valid (1 warning)") {
		t.Errorf("code %d, out %q", code, out)
	}
}

// TestValidateJSONataSyntax checks that stepwise validate rejects an
// expression that does not parse and malformed delimiters, each at its
// field.
func TestValidateJSONataSyntax(t *testing.T) {
	p := writeValidateFile(t, "bad.asl.json", `{"QueryLanguage":"JSONata","StartAt":"P","States":{
  "P":{"Type":"Pass","Output":"{% $sum($states.input.n %}","Assign":{"x":"{% 10 %"},"End":true}}}`)
	code, out, _ := runValidate(t, p)
	if code != 1 {
		t.Fatalf("code %d, out %q", code, out)
	}
	for _, want := range []string{
		`ERROR INVALID_JSONATA_EXPRESSION at /States/P/Output: Expected ")" before end of expression`,
		`ERROR INVALID_JSONATA_EXPRESSION at /States/P/Assign/x: `,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}
