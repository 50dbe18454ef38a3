package asl

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/stepwise/stepwise/asl/diag"
	"github.com/stepwise/stepwise/asl/value"
)

// FuzzParseYAML feeds arbitrary text to Parse as YAML: it must never panic
// or take long (aliases expand, nesting deepens), and a YAML definition
// must mean what its JSON form means: the same validity, the same states
// in the same order.
func FuzzParseYAML(f *testing.F) {
	if files, err := filepath.Glob(filepath.Join("testdata", "*", "*.asl.yaml")); err == nil {
		for _, file := range files {
			if data, err := os.ReadFile(file); err == nil {
				f.Add(data)
			}
		}
	}
	f.Add([]byte("StartAt: A\nStates:\n  A: {Type: Pass, End: true}\n"))
	f.Add([]byte("StartAt: A\nStates:\n  A:\n    Type: Wait\n    Seconds: 0x10\n    Next: B\n  B: &b {Type: Succeed}\n  C: *b\n"))
	f.Add([]byte("StartAt: A\nStates:\n  A: {Type: Pass, Result: {<<: {x: 1}, y: .inf}, End: true}\n"))
	f.Add([]byte("a: &a [x,x,x,x]\nb: &b [*a,*a,*a,*a]\nc: [*b,*b,*b,*b]\n"))
	f.Add([]byte("StartAt: \"A\"\nStates: {A: {Type: Choice, Choices: [{Variable: $.x, NumericEquals: 1e400, Next: A}], Default: A}}\n"))
	f.Add([]byte("%YAML 1.2\n---\n!!map {StartAt: A}\n...\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		start := time.Now()
		sm, err := ParseWithOptions(data, Options{Format: FormatYAML})
		if took := time.Since(start); took > 10*time.Second {
			t.Fatalf("parsing %d bytes took %v", len(data), took)
		}
		if err != nil {
			if _, ok := err.(diag.List); !ok {
				t.Fatalf("error %T, want a diag.List", err)
			}
		} else if sm == nil || len(sm.Order) != len(sm.States) {
			t.Fatalf("inconsistent machine %+v", sm)
		}
		v, derr := decodeYAML(data)
		if derr != nil {
			if err == nil {
				t.Fatalf("the YAML does not decode (%v) but parses", derr)
			}
			return
		}
		js := value.Encode(v)
		jsm, jerr := ParseWithOptions(js, Options{Format: FormatJSON})
		if (err == nil) != (jerr == nil) {
			t.Fatalf("YAML: %v; its JSON %s: %v", err, js, jerr)
		}
		if err == nil && !slices.Equal(sm.Order, jsm.Order) {
			t.Fatalf("YAML states %v, its JSON's %v", sm.Order, jsm.Order)
		}
	})
}
