package jsonata

import (
	"context"
	"errors"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/stepwise/stepwise/asl/value"
)

// sameOutcome compares the fast path's answer with gnata's: the same value
// (as JSON text, so key order and integer/float form count), or errors of
// the same kind, code and message. It returns "" when they agree.
func sameOutcome(fv any, ferr error, gv any, gerr error) string {
	if ferr != nil || gerr != nil {
		var fe, ge *Error
		if !errors.As(ferr, &fe) || !errors.As(gerr, &ge) {
			return "fast " + describe(fv, ferr) + ", gnata " + describe(gv, gerr)
		}
		if fe.Kind != ge.Kind || fe.Code != ge.Code || fe.Message != ge.Message || fe.Expr != ge.Expr {
			return "fast error " + fe.Error() + ", gnata error " + ge.Error()
		}
		return ""
	}
	if a, b := value.EncodeString(fv), value.EncodeString(gv); a != b {
		return "fast " + a + ", gnata " + b
	}
	return ""
}

// compareFast evaluates x by the fast path and by gnata, each with a fresh
// Env made by newEnv. It reports whether the fast path decided, and what
// differs.
func compareFast(x *Expr, newEnv func() *Env, data any, hasData bool) (bool, string) {
	fv, ferr := x.evalFast(newEnv(), data, hasData)
	if ferr == errFallback {
		return false, ""
	}
	gv, gerr := x.evalGnata(context.Background(), newEnv(), data, hasData)
	return true, sameOutcome(fv, ferr, gv, gerr)
}

// TestFastPathSuite runs every expression of jsonata-js's suite that the
// fast path accepts both ways (fast and gnata, with the case's data and
// bindings) and requires the same result or the same error.
func TestFastPathSuite(t *testing.T) {
	datasets := map[string]any{}
	files, _ := filepath.Glob(filepath.Join(suiteDir, "datasets", "*.json"))
	for _, f := range files {
		datasets[strings.TrimSuffix(filepath.Base(f), ".json")] = mustDecodeFile(t, f)
	}
	groups, err := filepath.Glob(filepath.Join(suiteDir, "groups", "*", "*.json"))
	if err != nil || len(groups) == 0 {
		t.Fatalf("no cases in %s: %v", suiteDir, err)
	}
	sort.Strings(groups)
	var total, accepted, decided int
	for _, f := range groups {
		for i, c := range readCases(t, f) {
			total++
			name := strings.TrimPrefix(f, suiteDir+"/groups/") + "#" + strconv.Itoa(i)
			expr := c.expr(t, filepath.Dir(f))
			x, err := Compile(expr)
			if err != nil || x.fast == nil {
				continue
			}
			accepted++
			data, hasData, err := c.input(datasets)
			if err != nil {
				t.Fatal(err)
			}
			var bindings *value.Object
			if len(c.Bindings) > 0 {
				b, err := value.Decode(c.Bindings)
				if err != nil {
					t.Fatal(err)
				}
				bindings, _ = b.(*value.Object)
			}
			newEnv := func() *Env {
				env := &Env{Runtime: suiteRuntime{}}
				if bindings != nil {
					env.Variables = bindings.Get
				}
				return env
			}
			ok, diff := compareFast(x, newEnv, data, hasData)
			if ok {
				decided++
			}
			if diff != "" {
				t.Errorf("%s: %s: %s", name, expr, diff)
			}
		}
	}
	t.Logf("fast path: %d of %d suite expressions accepted at Compile; %d decided by it with the case's data (the rest fell back to gnata at evaluation)", accepted, total, decided)
	if accepted < 190 {
		t.Errorf("only %d suite expressions take the fast path", accepted)
	}
}
