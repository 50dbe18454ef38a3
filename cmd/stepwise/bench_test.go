package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// BenchmarkRunCommand runs `stepwise run` in process on each workload of
// ../shared/bench: reading and parsing the definition, decoding the input,
// running, and encoding the output, which is everything a whole process does
// after its start. Compare with scripts/bench-peer.sh (whole processes) to
// see what process start and package initialisation add.
func BenchmarkRunCommand(b *testing.B) {
	dir := os.Getenv("BENCH_DIR")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "shared", "bench")
	}
	for _, w := range []struct{ name, want string }{
		{"pass-chain-1000", `"msg":"step 998"`},
		{"loop-5000", `"n":5000`},
		{"map-10k", `{"count":10000}`},
	} {
		def := filepath.Join(dir, "workloads", w.name+".asl.json")
		if _, err := os.Stat(def); err != nil {
			b.Skipf("!!! SKIPPED: workload %s not found (%v); set BENCH_DIR to the shared bench directory", w.name, err)
		}
		args := []string{"run", def, "--input", "@" + filepath.Join(dir, "workloads", w.name+".input.json"), "--payload-limit", "0", "--max-history-events", "0"}
		b.Run(w.name, func(b *testing.B) {
			var out bytes.Buffer
			if code := mainWithArgs(context.Background(), args, &out, io.Discard); code != 0 || !strings.Contains(out.String(), w.want) {
				b.Fatalf("stepwise run %s: exit %d, output %.200s", w.name, code, out.String())
			}
			b.ReportAllocs()
			for b.Loop() {
				out.Reset()
				mainWithArgs(context.Background(), args, &out, io.Discard)
			}
		})
	}
}
