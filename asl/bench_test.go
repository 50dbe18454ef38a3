package asl

import (
	"os"
	"path/filepath"
	"testing"
)

func benchDefinition(b *testing.B, name string) []byte {
	dir := filepath.Join(filepath.Dir(conformanceDir(b)), "..", "bench", "workloads")
	if d := os.Getenv("BENCH_WORKLOADS_DIR"); d != "" {
		dir = d
	}
	data, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		b.Skipf("workload not found: %v", err)
	}
	return data
}

// BenchmarkParsePassChain1000 parses and validates a chain of 1000 Pass
// states with Parameters, ResultPath and an intrinsic call each.
func BenchmarkParsePassChain1000(b *testing.B) {
	data := benchDefinition(b, "pass-chain-1000.asl.json")
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(data); err != nil {
			// The intrinsic parser may still be a stub: measure anyway, but
			// say so once.
			b.Logf("parse error (first lines): %.300v", err)
			b.FailNow()
		}
	}
}

// BenchmarkValidatePassChain1000 is BenchmarkParsePassChain1000 through
// Validate.
func BenchmarkValidatePassChain1000(b *testing.B) {
	data := benchDefinition(b, "pass-chain-1000.asl.json")
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		Validate(data)
	}
}

// BenchmarkParseYAMLPassChain1000 measures the YAML path on the same
// definition (JSON is YAML).
func BenchmarkParseYAMLPassChain1000(b *testing.B) {
	data := benchDefinition(b, "pass-chain-1000.asl.json")
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		ValidateWithOptions(data, Options{Format: FormatYAML})
	}
}
