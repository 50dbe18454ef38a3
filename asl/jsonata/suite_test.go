package jsonata

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stepwise/stepwise/asl/value"
)

// suiteDir holds jsonata-js 2.0.6's test suite (test/test-suite of the
// jsonata-js repository, MIT licence in LICENSE there).
const suiteDir = "testdata/jsonata-js"

// suiteFloor is the share of the suite's cases the adapter must pass.
const suiteFloor = 0.995

// messageFloor is how many of the suite's errors must carry jsonata-js's
// exact message (testdata/messages.json, recorded from jsonata-js 2.0.6).
const messageFloor = 255

// suiteCase is one case of the suite (see testdata/jsonata-js/TESTSUITE.md).
type suiteCase struct {
	Expr            *string         `json:"expr"`
	ExprFile        string          `json:"expr-file"`
	Data            json.RawMessage `json:"data"`
	Dataset         *string         `json:"dataset"`
	Bindings        json.RawMessage `json:"bindings"`
	Result          json.RawMessage `json:"result"`
	UndefinedResult bool            `json:"undefinedResult"`
	Unordered       bool            `json:"unordered"`
	Code            string          `json:"code"`
	Error           *struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// TestJSONataJSSuite runs every case of jsonata-js's suite through the
// adapter (Compile, evaluation with the case's data as $ and its bindings
// as variables, conversion of the result to a value) and compares results
// with value.Equal, error codes, and error messages where the case gives
// one. Cases that call $eval, which AWS removes, are counted apart: they
// must fail with T1006 as on AWS.
func TestJSONataJSSuite(t *testing.T) {
	datasets := map[string]any{}
	files, err := filepath.Glob(filepath.Join(suiteDir, "datasets", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no datasets in %s: %v", suiteDir, err)
	}
	for _, f := range files {
		v := mustDecodeFile(t, f)
		datasets[strings.TrimSuffix(filepath.Base(f), ".json")] = v
	}
	groups, err := filepath.Glob(filepath.Join(suiteDir, "groups", "*", "*.json"))
	if err != nil || len(groups) == 0 {
		t.Fatalf("no cases in %s: %v", suiteDir, err)
	}
	sort.Strings(groups)
	jsMessages := readMessages(t)
	var passed, failed, evalCases, msgSame, msgDiff int
	var failures, msgDiffs []string
	for _, f := range groups {
		for i, c := range readCases(t, f) {
			name := strings.TrimPrefix(f, suiteDir+"/groups/") + "#" + strconv.Itoa(i)
			expr := c.expr(t, filepath.Dir(f))
			if strings.Contains(expr, "$eval") {
				evalCases++
				if msg := checkEvalRemoved(expr, c, datasets); msg != "" {
					t.Errorf("%s: $eval must fail as on AWS: %s", name, msg)
				}
				continue
			}
			if want, ok := jsMessages[name]; ok {
				if got := caseError(expr, c, datasets); got != nil && got.Code == want.Code {
					if got.Message == want.Message {
						msgSame++
					} else {
						msgDiff++
						msgDiffs = append(msgDiffs, name+": "+want.Code+": got "+strconv.Quote(got.Message)+", jsonata-js "+strconv.Quote(want.Message))
					}
				}
			}
			if msg := runCase(expr, c, datasets); msg != "" {
				failed++
				failures = append(failures, name+": "+msg)
				continue
			}
			passed++
		}
	}
	total := passed + failed
	t.Logf("jsonata-js 2.0.6 suite: %d of %d cases passed (%.2f%%); %d cases call $eval, which AWS removes (checked to fail with T1006)",
		passed, total, 100*float64(passed)/float64(total), evalCases)
	for _, f := range failures {
		t.Logf("failed: %s", f)
	}
	t.Logf("error texts: %d of %d errors with jsonata-js's code have jsonata-js's exact message", msgSame, msgSame+msgDiff)
	for _, d := range msgDiffs {
		t.Logf("message differs: %s", d)
	}
	if msgSame < messageFloor {
		t.Errorf("only %d error texts match jsonata-js's, want at least %d", msgSame, messageFloor)
	}
	if float64(passed) < suiteFloor*float64(total) {
		t.Errorf("suite pass rate %d/%d is below the floor %.1f%%", passed, total, suiteFloor*100)
	}
}

func readCases(t *testing.T, file string) []suiteCase {
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var one suiteCase
	if err := json.Unmarshal(b, &one); err == nil {
		return []suiteCase{one}
	}
	var many []suiteCase
	if err := json.Unmarshal(b, &many); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return many
}

func (c *suiteCase) expr(t *testing.T, dir string) string {
	if c.ExprFile != "" {
		b, err := os.ReadFile(filepath.Join(dir, c.ExprFile))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	if c.Expr == nil {
		t.Fatalf("case in %s has no expression", dir)
	}
	return *c.Expr
}

// input returns the case's $: its data, its dataset, or undefined.
func (c *suiteCase) input(datasets map[string]any) (any, bool, error) {
	if len(c.Data) > 0 {
		v, err := value.Decode(c.Data)
		return v, true, err
	}
	if c.Dataset == nil {
		return nil, false, nil
	}
	v, ok := datasets[*c.Dataset]
	return v, ok, nil
}

// suiteRuntime is a Runtime on the real clock with fixed random numbers
// and UUIDs (the suite checks only their shape).
type suiteRuntime struct{}

func (suiteRuntime) Now() time.Time  { return time.Now() }
func (suiteRuntime) Random() float64 { return 0.5 }
func (suiteRuntime) UUID() string    { return "00000000-0000-4000-8000-000000000000" }

// evalCase evaluates expr as the suite does: the case's data as the
// context value and its bindings as variables.
func evalCase(expr string, c suiteCase, datasets map[string]any) (any, error) {
	e, err := Compile(expr)
	if err != nil {
		return nil, err
	}
	data, hasData, err := c.input(datasets)
	if err != nil {
		return nil, err
	}
	var bindings *value.Object
	if len(c.Bindings) > 0 {
		b, err := value.Decode(c.Bindings)
		if err != nil {
			return nil, err
		}
		bindings, _ = b.(*value.Object)
	}
	env := &Env{Runtime: suiteRuntime{}}
	if bindings != nil {
		env.Variables = func(name string) (any, bool) { return bindings.Get(name) }
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return e.evalData(ctx, env, data, hasData)
}

// runCase returns "" when the case passes, else what differs.
func runCase(expr string, c suiteCase, datasets map[string]any) string {
	got, err := evalCase(expr, c, datasets)
	wantCode := c.Code
	wantMsg := ""
	if c.Error != nil {
		wantCode, wantMsg = c.Error.Code, c.Error.Message
	}
	var je *Error
	switch {
	case wantCode != "":
		if !errors.As(err, &je) {
			return "want error " + wantCode + ", got " + describe(got, err)
		}
		if je.Code != wantCode {
			return "want error " + wantCode + ", got " + je.Code + ": " + je.Message
		}
		if wantMsg != "" && je.Message != wantMsg {
			return "want message " + wantMsg + ", got " + je.Message
		}
		return ""
	case c.UndefinedResult:
		if errors.As(err, &je) && je.Kind == KindUndefined {
			return ""
		}
		return "want undefined, got " + describe(got, err)
	case len(c.Result) > 0:
		if err != nil {
			return "want a result, got " + describe(got, err)
		}
		want, derr := value.Decode(c.Result)
		if derr != nil {
			return "bad expected result: " + derr.Error()
		}
		if c.Unordered {
			if !sameMultiset(want, got) {
				return "want " + encodeValue(want) + " (any order), got " + encodeValue(got)
			}
			return ""
		}
		if !value.Equal(want, got) {
			return "want " + encodeValue(want) + ", got " + encodeValue(got)
		}
		return ""
	}
	return "case has nothing to check"
}

func describe(got any, err error) string {
	if err != nil {
		return "error " + err.Error()
	}
	return encodeValue(got)
}

func sameMultiset(a, b any) bool {
	x, ok1 := a.([]any)
	y, ok2 := b.([]any)
	if !ok1 || !ok2 || len(x) != len(y) {
		return value.Equal(a, b)
	}
	used := make([]bool, len(y))
	for _, e := range x {
		found := false
		for j, f := range y {
			if !used[j] && value.Equal(e, f) {
				used[j], found = true, true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// checkEvalRemoved checks that a case calling $eval fails with T1006.
func checkEvalRemoved(expr string, c suiteCase, datasets map[string]any) string {
	_, err := evalCase(expr, c, datasets)
	var je *Error
	if errors.As(err, &je) && (je.Code == "T1006" || je.Kind == KindSyntax) {
		return ""
	}
	if err != nil {
		return err.Error()
	}
	return "no error"
}

func mustDecodeFile(t *testing.T, f string) any {
	t.Helper()
	b, err := os.ReadFile(f)
	if err != nil {
		t.Fatal(err)
	}
	v, err := value.Decode(b)
	if err != nil {
		t.Fatalf("%s: %v", f, err)
	}
	return v
}

// jsMessage is jsonata-js's error for a suite case (testdata/messages.json,
// written by testdata/messages.js).
type jsMessage struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

func readMessages(t *testing.T) map[string]jsMessage {
	b, err := os.ReadFile("testdata/messages.json")
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]jsMessage{}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// caseError is the adapter's error for a case, nil when it has none.
func caseError(expr string, c suiteCase, datasets map[string]any) *Error {
	_, err := evalCase(expr, c, datasets)
	var je *Error
	if errors.As(err, &je) {
		return je
	}
	return nil
}
