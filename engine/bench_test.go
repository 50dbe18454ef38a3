package engine_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stepwise/stepwise/asl"
	"github.com/stepwise/stepwise/asl/value"
	"github.com/stepwise/stepwise/engine"
	"github.com/stepwise/stepwise/engine/runtime/local"
)

// The workloads of ../shared/bench (see its README): run in process on the
// local runtime, parsed once, each result checked so that a benchmark
// cannot pass on a wrong answer. ns/transition is the time per state
// entered (Map iterations count their states).

// benchDir finds the shared workloads: $BENCH_DIR, or ../shared/bench beside
// the repository root (the directory holding go.mod).
func benchDir(b *testing.B) string {
	b.Helper()
	if d := os.Getenv("BENCH_DIR"); d != "" {
		return filepath.Join(d, "workloads")
	}
	dir, err := os.Getwd()
	if err != nil {
		b.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, "..", "shared", "bench", "workloads")
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// benchPayloadLimit lifts the payload limit: map-10k's input is 368 KB of
// compact JSON, over AWS's 256 KiB (StartExecution would refuse it).
const benchPayloadLimit = 1 << 20

type workload struct {
	sm    *asl.StateMachine
	input any
}

// loadWorkload reads a workload from testdata (the engine's own, such as
// the JSONata twin of loop-5000) or else from the shared workloads.
func loadWorkload(b *testing.B, name string) workload {
	b.Helper()
	dir := benchDir(b)
	if _, err := os.Stat(filepath.Join("testdata", name+".asl.json")); err == nil {
		dir = "testdata"
	}
	def, err := os.ReadFile(filepath.Join(dir, name+".asl.json"))
	if err != nil {
		b.Skipf("!!! SKIPPED: workload %s not found (%v); set BENCH_DIR to the shared bench directory", name, err)
	}
	in, err := os.ReadFile(filepath.Join(dir, name+".input.json"))
	if err != nil {
		b.Skipf("!!! SKIPPED: workload input %s not found (%v)", name, err)
	}
	sm, err := asl.Parse(def)
	if err != nil {
		b.Fatalf("parse %s: %v", name, err)
	}
	input, err := value.Decode(in)
	if err != nil {
		b.Fatalf("decode %s input: %v", name, err)
	}
	return workload{sm, input}
}

// transitions counts the states entered in a history.
func transitions(res *engine.Result) int {
	n := 0
	for _, e := range res.Events {
		if len(e.Type) > 12 && e.Type[len(e.Type)-12:] == "StateEntered" {
			n++
		}
	}
	return n
}

func get(v any, keys ...string) any {
	for _, k := range keys {
		o, ok := v.(*value.Object)
		if !ok {
			return nil
		}
		v, _ = o.Get(k)
	}
	return v
}

// benchWorkload runs a workload under the virtual or the real clock; with
// discard, without keeping the history, as stepwise run does.
func benchWorkload(b *testing.B, name string, virtual, discard bool, check func(out any) bool) {
	w := loadWorkload(b, name)
	ctx := context.Background()
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	prog := engine.MustCompile(w.sm) // once, as a caller running a machine often does
	runOnce := func(discard bool) *engine.Result {
		rt := local.New(local.Options{VirtualClock: virtual, Start: start, Seed: 1})
		res, err := prog.Run(ctx, w.input, engine.Options{Runtime: rt, ExecutionName: "bench", PayloadLimit: benchPayloadLimit, DiscardEvents: discard,
			// loop-5000 (30,000 events) and map-10k (60,000) are past
			// AWS's 25,000-event limit: lifted, as the peer has none.
			MaxHistoryEvents: -1})
		if err != nil {
			b.Fatal(err)
		}
		if res.Status != engine.StatusSucceeded {
			b.Fatalf("%s: status %s %s: %s", name, res.Status, res.Error, res.Cause)
		}
		if !check(res.Output) {
			b.Fatalf("%s: wrong output %s", name, value.EncodeString(res.Output))
		}
		return res
	}
	n := transitions(runOnce(false))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		runOnce(discard)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/transition")
}

// BenchmarkWorkload runs each shared workload under the virtual and the
// real clock, keeping the history, and as stepwise run does (real clock,
// history discarded): BenchmarkWorkload/loop-5000/virtual and so on.
func BenchmarkWorkload(b *testing.B) {
	workloads := []struct {
		name  string
		check func(out any) bool
	}{
		{"pass-chain-1000", func(out any) bool {
			return value.Equal(get(out, "acc", "i"), int64(999)) && value.Equal(get(out, "acc", "msg"), "step 998")
		}},
		{"loop-5000", func(out any) bool {
			return value.Equal(get(out, "n"), int64(5000))
		}},
		// The same loop in JSONata (testdata): the bound is twice
		// loop-5000's cost per transition.
		{"loop-5000-jsonata", func(out any) bool {
			return value.Equal(get(out, "n"), int64(5000)) && value.Equal(get(out, "tmp", "v"), int64(5000))
		}},
		{"map-10k", func(out any) bool {
			o, ok := out.(*value.Object)
			return ok && o.Len() == 1 && value.Equal(get(out, "count"), int64(10000))
		}},
	}
	for _, w := range workloads {
		b.Run(w.name, func(b *testing.B) {
			b.Run("virtual", func(b *testing.B) { benchWorkload(b, w.name, true, false, w.check) })
			b.Run("real", func(b *testing.B) { benchWorkload(b, w.name, false, false, w.check) })
			// What stepwise run does: the real clock, no history kept.
			b.Run("run", func(b *testing.B) { benchWorkload(b, w.name, false, true, w.check) })
		})
	}
}
