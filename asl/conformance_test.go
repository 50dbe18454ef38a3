package asl

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stepwise/stepwise/asl/diag"
	"github.com/stepwise/stepwise/internal/testcases"
)

// conformanceDir returns the directory of the shared conformance cases
// (see internal/testcases: missing cases fail under CI).
func conformanceDir(t testing.TB) string {
	t.Helper()
	return testcases.Dir(t)
}

func conformanceDefinitions(t testing.TB) []string {
	files, err := filepath.Glob(filepath.Join(conformanceDir(t), "*", "definition.asl.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		testcases.Missing(t, "no definition.asl.json in "+conformanceDir(t))
	}
	sort.Strings(files)
	return files
}

// TestConformanceDefinitionsValidate checks that every definition that ran
// on AWS validates with no error.
func TestConformanceDefinitionsValidate(t *testing.T) {
	files := conformanceDefinitions(t)
	failed, warned := 0, 0
	byMessage := map[string]int{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		ds := Validate(data)
		if len(ds) > 0 && !ds.HasErrors() {
			warned++
		}
		if !ds.HasErrors() {
			if _, err := Parse(data); err != nil {
				t.Errorf("%s: Validate found no error but Parse failed: %v", f, err)
			}
			continue
		}
		failed++
		for _, d := range ds {
			if d.Severity == diag.SeverityError {
				byMessage[d.Code+": "+d.Message]++
			}
		}
		if failed <= 20 {
			t.Errorf("%s:\n%v", filepath.Base(filepath.Dir(f)), errorsOnly(ds))
		}
	}
	if failed > 0 {
		var lines []string
		for m, n := range byMessage {
			lines = append(lines, strings.Repeat(" ", 2)+m+" ×"+itoa(n))
		}
		sort.Strings(lines)
		t.Errorf("%d of %d definitions have errors; by message:\n%s", failed, len(files), strings.Join(lines, "\n"))
	}
	t.Logf("%d conformance definitions validated: %d without error (%d with warnings only), %d with errors",
		len(files), len(files)-failed, warned, failed)
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}
