package service_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/stepwise/stepwise/engine/service"
)

const fivePass = `{"StartAt":"S1","States":{
	"S1":{"Type":"Pass","Result":1,"ResultPath":"$.s1","Next":"S2"},
	"S2":{"Type":"Pass","Result":2,"ResultPath":"$.s2","Next":"S3"},
	"S3":{"Type":"Pass","Result":3,"ResultPath":"$.s3","Next":"S4"},
	"S4":{"Type":"Pass","Result":4,"ResultPath":"$.s4","Next":"S5"},
	"S5":{"Type":"Pass","Result":5,"ResultPath":"$.s5","End":true}}}`

// BenchmarkServeFivePass drives the API with concurrent sfn clients on
// loopback: b.N StartExecution calls of a 5-state Pass machine on a SQLite
// file store. It reports executions completed per second (from the first
// start to the last completion) and the StartExecution latency quantiles,
// and fails if any execution did not succeed.
func BenchmarkServeFivePass(b *testing.B) {
	for _, clients := range []int{4, 16, 64} {
		b.Run(fmt.Sprintf("clients=%d", clients), func(b *testing.B) { benchFivePass(b, clients) })
	}
}

// benchClient is an sfn client for url that keeps a connection per
// client goroutine and never retries.
func benchClient(url string, clients int) *sfn.Client {
	tr := &http.Transport{MaxIdleConns: clients, MaxIdleConnsPerHost: clients, IdleConnTimeout: time.Minute}
	return sfn.NewFromConfig(aws.Config{
		Region:      "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", ""),
		HTTPClient:  &http.Client{Transport: tr},
	}, func(o *sfn.Options) { o.BaseEndpoint = aws.String(url); o.RetryMaxAttempts = 1 })
}

func benchFivePass(b *testing.B, clients int) {
	s := startServer(b, service.Options{}, false)
	c := benchClient(s.http.URL, clients)
	sm := createMachine(b, c, "bench", fivePass, "")
	ctx := context.Background()

	lat := make([]time.Duration, b.N)
	var next atomic.Int64
	var failed atomic.Int64
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
				_, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(sm), Input: aws.String(`{"i":1}`)})
				lat[i] = time.Since(t0)
				if err != nil {
					failed.Add(1)
					b.Errorf("StartExecution: %v", err)
				}
			}
		}()
	}
	wg.Wait()
	// Wait for the last executions to finish.
	for {
		l, err := c.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: aws.String(sm), StatusFilter: types.ExecutionStatusRunning, MaxResults: 1})
		if err != nil {
			b.Fatal(err)
		}
		if len(l.Executions) == 0 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	elapsed := time.Since(start)
	b.StopTimer()

	// Every execution is there and succeeded.
	succeeded := 0
	var token *string
	for {
		l, err := c.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: aws.String(sm), StatusFilter: types.ExecutionStatusSucceeded, MaxResults: 1000, NextToken: token})
		if err != nil {
			b.Fatal(err)
		}
		succeeded += len(l.Executions)
		if token = l.NextToken; token == nil {
			break
		}
	}
	if want := b.N - int(failed.Load()); succeeded != want {
		b.Fatalf("%d executions succeeded, want %d", succeeded, want)
	}
	slices.Sort(lat)
	q := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000 }
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "execs/s")
	b.ReportMetric(q(0.50), "p50-ms")
	b.ReportMetric(q(0.99), "p99-ms")
}
