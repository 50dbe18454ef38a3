package engine_test

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/stepwise/stepwise/asl"
	"github.com/stepwise/stepwise/asl/value"
	"github.com/stepwise/stepwise/engine"
	"github.com/stepwise/stepwise/engine/runtime/local"
	"github.com/stepwise/stepwise/integrations/items"
)

// BenchmarkDistributedCSV runs a Distributed Map over a 1,000,000-row CSV
// on items.Dir (generated once, in the benchmark's temporary directory),
// batched by 1,000, each batch a child of one Pass state, 10 children at a
// time. It reports items/s, items per CPU second (steadier on a shared
// machine) and the process's peak resident memory (VmHWM, MB), which stays
// far below the CSV's size when the items stream.
//
//	go test -run '^$' -bench DistributedCSV -benchtime 3x ./engine
func BenchmarkDistributedCSV(b *testing.B) {
	const rows = 1_000_000
	root := b.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "bkt"), 0o755); err != nil {
		b.Fatal(err)
	}
	f, err := os.Create(filepath.Join(root, "bkt", "orders.csv"))
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriter(f)
	w.WriteString("order_id,customer,total\n")
	for i := range rows {
		w.WriteString("o-" + strconv.Itoa(i) + ",customer-" + strconv.Itoa(i%977) + "," + strconv.Itoa(i%10000) + ".99\n")
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	sm, err := asl.Parse([]byte(`{"StartAt":"M","States":{"M":{"Type":"Map",
		"ItemReader":{"Resource":"arn:aws:states:::s3:getObject","ReaderConfig":{"InputType":"CSV","CSVHeaderLocation":"FIRST_ROW"},"Parameters":{"Bucket":"bkt","Key":"orders.csv"}},
		"ItemBatcher":{"MaxItemsPerBatch":1000},"MaxConcurrency":10,
		"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"EXPRESS"},"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"n.$":"States.ArrayLength($.Items)"},"End":true}}},
		"ResultSelector":{"batches.$":"States.ArrayLength($)"},"End":true}}}`))
	if err != nil {
		b.Fatal(err)
	}
	prog := engine.MustCompile(sm)
	objs := items.Dir{Root: root}
	cpu0 := cpuSeconds(b)
	for b.Loop() {
		res, err := prog.Run(context.Background(), value.NewObject(0), engine.Options{Runtime: local.New(local.Options{}), Objects: objs, DiscardEvents: true})
		if err != nil {
			b.Fatal(err)
		}
		if res.Status != engine.StatusSucceeded {
			b.Fatalf("%s %s %s", res.Status, res.Error, res.Cause)
		}
		if got := value.EncodeString(res.Output); got != `{"batches":1000}` {
			b.Fatalf("output %s", got)
		}
	}
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "items/s")
	// On a shared machine the wall clock varies with the load; the
	// process's CPU time per item varies far less.
	b.ReportMetric(float64(rows)*float64(b.N)/(cpuSeconds(b)-cpu0), "items/cpu-s")
	b.ReportMetric(peakRSSMB(b), "peak-RSS-MB")
}

// peakRSSMB reads the process's peak resident set size (VmHWM) in MB.
func peakRSSMB(b *testing.B) float64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		b.Skipf("no /proc/self/status: %v", err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 64)
			if err != nil {
				b.Fatal(err)
			}
			return kb / 1024
		}
	}
	b.Fatal("no VmHWM in /proc/self/status")
	return 0
}

// cpuSeconds is the CPU time (user and system) the process has used.
func cpuSeconds(b *testing.B) float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	tv := func(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }
	return tv(ru.Utime) + tv(ru.Stime)
}
