package asl

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/stepwise/stepwise/asl/diag"
)

type expectedDiag struct {
	Code     string `json:"code"`
	Location string `json:"location"`
}

// TestInvalidDefinitions checks each definition in testdata/invalid against
// the code and location its sidecar entry in expected.json names.
func TestInvalidDefinitions(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "invalid", "expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	var table map[string][]expectedDiag
	if err := json.Unmarshal(raw, &table); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join("testdata", "invalid", "*.asl.*"))
	if len(files) != len(table) {
		t.Errorf("%d definitions but %d entries in expected.json", len(files), len(table))
	}
	names := make([]string, 0, len(table))
	for n := range table {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		want := table[name]
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", "invalid", name))
			if err != nil {
				t.Fatal(err)
			}
			ds := Validate(data)
			if !ds.HasErrors() {
				t.Fatalf("no error reported; diagnostics: %v", ds)
			}
			for _, w := range want {
				if !hasDiag(ds, w) {
					t.Errorf("missing %s at %q; got:\n%v", w.Code, w.Location, ds)
				}
			}
			sm, err := Parse(data)
			if err == nil || sm != nil {
				t.Fatalf("Parse accepted an invalid definition")
			}
			if l, ok := err.(diag.List); !ok || !l.HasErrors() {
				t.Fatalf("Parse error is %T, want diag.List with errors", err)
			}
		})
	}
}

func hasDiag(ds diag.List, w expectedDiag) bool {
	for _, d := range ds {
		if d.Severity == diag.SeverityError && d.Code == w.Code && d.Location == w.Location {
			return true
		}
	}
	return false
}
