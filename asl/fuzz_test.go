package asl

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stepwise/stepwise/asl/diag"
)

// FuzzParse feeds arbitrary bytes to Parse and Validate: they must never
// panic, and must agree on whether the definition is valid.
func FuzzParse(f *testing.F) {
	if files, err := filepath.Glob(filepath.Join(conformanceDir(f), "*", "definition.asl.json")); err == nil {
		for _, file := range files {
			if data, err := os.ReadFile(file); err == nil {
				f.Add(data)
			}
		}
	}
	invalid, _ := filepath.Glob(filepath.Join("testdata", "invalid", "*.asl.*"))
	for _, file := range invalid {
		if data, err := os.ReadFile(file); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte(richJSON))
	f.Add([]byte("StartAt: A\nStates:\n  A: {Type: Pass, End: true}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		sm, err := Parse(data)
		ds := Validate(data)
		if (err == nil) == ds.HasErrors() {
			t.Fatalf("Parse error %v but Validate HasErrors=%v", err, ds.HasErrors())
		}
		if err == nil {
			if sm == nil || len(sm.Order) != len(sm.States) {
				t.Fatalf("inconsistent machine %+v", sm)
			}
			return
		}
		if _, ok := err.(diag.List); !ok {
			t.Fatalf("error %T", err)
		}
	})
}
