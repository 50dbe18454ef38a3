package service_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/stepwise/stepwise/engine/service"
)

// BenchmarkServeStartDescribe is the load of many clients each starting an
// execution and describing it at once: b.N StartExecution + DescribeExecution
// pairs of a 5-state Pass machine from 4, 16 and 64 concurrent sfn clients,
// against an in-process server on a SQLite file. It reports pairs per
// second (execs/s), the latency quantiles of a pair, and the process's peak
// resident memory (VmHWM, reset before each run where Linux allows).
func BenchmarkServeStartDescribe(b *testing.B) {
	for _, clients := range []int{4, 16, 64} {
		b.Run(fmt.Sprintf("clients=%d", clients), func(b *testing.B) { benchStartDescribe(b, clients) })
	}
}

func benchStartDescribe(b *testing.B, clients int) {
	resetPeakRSS()
	s := startServer(b, service.Options{}, false)
	c := benchClient(s.http.URL, clients)
	sm := createMachine(b, c, "bench", fivePass, "")
	ctx := context.Background()

	lat := make([]time.Duration, b.N)
	var next atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1) - 1
				if i >= int64(b.N) {
					return
				}
				t0 := time.Now()
				out, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(sm), Input: aws.String(`{"i":1}`)})
				if err != nil {
					b.Errorf("StartExecution: %v", err)
					return
				}
				d, err := c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: out.ExecutionArn})
				lat[i] = time.Since(t0)
				if err != nil || aws.ToString(d.ExecutionArn) != aws.ToString(out.ExecutionArn) {
					b.Errorf("DescribeExecution: %v", err)
					return
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	slices.Sort(lat)
	q := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000 }
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "execs/s")
	b.ReportMetric(q(0.50), "p50-ms")
	b.ReportMetric(q(0.99), "p99-ms")
	if kb := peakRSSKiB(); kb > 0 {
		b.ReportMetric(float64(kb)/1024, "peak-RSS-MiB")
	}
}

// resetPeakRSS resets the process's VmHWM to its current RSS (Linux: 5 to
// /proc/self/clear_refs); elsewhere it does nothing.
func resetPeakRSS() { _ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

// peakRSSKiB is the process's peak resident set (VmHWM) in KiB, 0 where
// /proc/self/status does not say.
func peakRSSKiB() int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return n
		}
	}
	return 0
}
