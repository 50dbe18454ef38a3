package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
)

// soakEnv names the soak's length (a duration): TestSoak runs only when it
// is set (make soak sets it from SOAKTIME).
const soakEnv = "STEPWISE_SOAK"

// soakMachine passes, waits a second and passes: executions overlap.
const soakMachine = `{"StartAt":"A","States":{
	"A":{"Type":"Pass","Result":{"n":1},"ResultPath":"$.a","Next":"W"},
	"W":{"Type":"Wait","Seconds":1,"Next":"B"},
	"B":{"Type":"Pass","Parameters":{"in.$":"$","at.$":"$$.State.EnteredTime"},"End":true}}}`

// soakSample is one measurement of the server.
type soakSample struct {
	at       time.Duration
	rss, db  int64 // bytes: resident set, database file and its write-ahead log
	started  int64
	failures int64
}

// TestSoak runs `stepwise serve` on a database file with a short
// --retention for $STEPWISE_SOAK, starting executions at a steady rate
// ($STEPWISE_SOAK_RATE a second, default 40; a tenth are also described
// and their history read), and samples the server's resident memory and
// its database's size every 30 s ($STEPWISE_SOAK_SAMPLE). It fails on any
// API error, and when either measure keeps growing: the largest sample of
// the last third above the largest of the middle third by more than 10%
// (and 2 MiB).
func TestSoak(t *testing.T) {
	total, err := time.ParseDuration(os.Getenv(soakEnv))
	if err != nil {
		t.Skipf("set %s to a duration to run the soak (make soak)", soakEnv)
	}
	rate := envFloat("STEPWISE_SOAK_RATE", 40)
	every := 30 * time.Second
	if d, err := time.ParseDuration(os.Getenv("STEPWISE_SOAK_SAMPLE")); err == nil {
		every = d
	}
	retention := os.Getenv("STEPWISE_SOAK_RETENTION")
	if retention == "" {
		retention = "20s"
	}
	db := filepath.Join(t.TempDir(), "soak.db")
	srv := startServeChild(t, "--listen", "127.0.0.1:0", "--db", db, "--retention", retention, "--console=false")
	c := srv.client
	ctx := context.Background()
	out, err := c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("soak"), Definition: aws.String(soakMachine),
		RoleArn: aws.String("arn:aws:iam::123456789012:role/r")})
	if err != nil {
		t.Fatal(err)
	}
	sm := out.StateMachineArn

	var started, failures atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	sem := make(chan struct{}, 32)
	wg.Add(1)
	go func() { // a steady start rate
		defer wg.Done()
		tick := time.NewTicker(time.Duration(float64(time.Second) / rate))
		defer tick.Stop()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			sem <- struct{}{}
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				defer func() { <-sem }()
				ex, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: sm, Input: aws.String(fmt.Sprintf(`{"i":%d}`, i))})
				if err != nil {
					failures.Add(1)
					t.Logf("StartExecution: %v", err)
					return
				}
				started.Add(1)
				if i%10 != 0 {
					return
				}
				if _, err := c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: ex.ExecutionArn}); err != nil {
					failures.Add(1)
					t.Logf("DescribeExecution: %v", err)
				}
				if _, err := c.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: ex.ExecutionArn}); err != nil {
					failures.Add(1)
					t.Logf("GetExecutionHistory: %v", err)
				}
			}(i)
		}
	}()

	pid := srv.cmd.Process.Pid
	var samples []soakSample
	begin := time.Now()
	for next := every; next <= total; next += every {
		time.Sleep(time.Until(begin.Add(next)))
		s := soakSample{at: time.Since(begin).Round(time.Second), rss: procRSS(t, pid), db: fileSize(db) + fileSize(db+"-wal"),
			started: started.Load(), failures: failures.Load()}
		samples = append(samples, s)
		t.Logf("t=%-6v rss=%6.1f MiB  db+wal=%6.1f MiB  started=%d  errors=%d", s.at, mib(s.rss), mib(s.db), s.started, s.failures)
	}
	close(stop)
	wg.Wait()
	if n := failures.Load(); n > 0 {
		t.Errorf("%d API calls failed", n)
	}
	if len(samples) < 3 {
		t.Fatalf("%d samples: run the soak for at least 3 sample intervals", len(samples))
	}
	third := len(samples) / 3
	middle, last := samples[third:len(samples)-third], samples[len(samples)-third:]
	for _, m := range []struct {
		name string
		of   func(soakSample) int64
	}{{"resident memory", func(s soakSample) int64 { return s.rss }}, {"database size", func(s soakSample) int64 { return s.db }}} {
		mid, end := peak(middle, m.of), peak(last, m.of)
		if end > mid+mid/10 && end-mid > 2<<20 {
			t.Errorf("%s keeps growing: %.1f MiB at most in the middle third, %.1f MiB in the last", m.name, mib(mid), mib(end))
		}
	}
}

func peak(samples []soakSample, of func(soakSample) int64) int64 {
	var m int64
	for _, s := range samples {
		m = max(m, of(s))
	}
	return m
}

func mib(n int64) float64 { return float64(n) / (1 << 20) }

// procRSS is a process's resident set (VmRSS) in bytes.
func procRSS(t *testing.T, pid int) int64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatalf("reading the server's memory: %v", err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10
		}
	}
	t.Fatal("no VmRSS in /proc/PID/status")
	return 0
}

// fileSize is a file's size, 0 when it does not exist.
func fileSize(path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return fi.Size()
}

// envFloat reads a number from the environment, or def.
func envFloat(name string, def float64) float64 {
	if v, err := strconv.ParseFloat(os.Getenv(name), 64); err == nil && v > 0 {
		return v
	}
	return def
}
