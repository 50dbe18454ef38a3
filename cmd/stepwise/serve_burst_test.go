package main

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

// callbackQueue stands for SQS behind a .waitForTaskToken task: it
// accepts each SendMessage and answers the message's task token from
// another goroutine, on whichever server is up, until the token is taken
// or refused (a token issued before a kill may be replaced after it).
func callbackQueue(ctx context.Context, t *testing.T, url *atomic.Value) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var req struct{ MessageBody string }
		var msg struct {
			N     int    `json:"n"`
			Token string `json:"token"`
		}
		if json.Unmarshal(b, &req) != nil || json.Unmarshal([]byte(req.MessageBody), &msg) != nil || msg.Token == "" {
			http.Error(w, "bad message", http.StatusBadRequest)
			return
		}
		go func() {
			for ctx.Err() == nil {
				c := burstClient(url.Load().(string))
				_, err := c.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: aws.String(msg.Token), Output: aws.String(fmt.Sprintf(`{"called":%d}`, 3*msg.N))})
				var invalid *types.InvalidToken
				var timedOut *types.TaskTimedOut
				var gone *types.TaskDoesNotExist
				if err == nil || errors.As(err, &invalid) || errors.As(err, &timedOut) || errors.As(err, &gone) {
					if err != nil {
						t.Logf("the callback of execution %d was refused: %v", msg.N, err)
					}
					return
				}
				time.Sleep(100 * time.Millisecond)
			}
		}()
		sum := md5.Sum([]byte(req.MessageBody))
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		io.WriteString(w, `{"MD5OfMessageBody":"`+hex.EncodeToString(sum[:])+`","MessageId":"m"}`)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// burstClient is a Step Functions client that never retries: a start
// counts as acknowledged only when its own request was answered 200.
func burstClient(url string) *sfn.Client {
	return sfn.NewFromConfig(aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", ""), RetryMaxAttempts: 1},
		func(o *sfn.Options) { o.BaseEndpoint = aws.String(url) })
}

// TestServeKillDuringBurst SIGKILLs serve in the middle of a burst of
// 2,000 StartExecutions of five machines (a Pass, a Wait, a Map of Waits,
// an activity Task answered by a worker and a .waitForTaskToken Task whose
// token comes back through SendTaskSuccess), starts it again on the same
// database and checks that every execution whose start was answered 200
// exists, finishes exactly once (one ExecutionStarted, one end, event ids
// in sequence) with the right output, and that no name was run twice.
func TestServeKillDuringBurst(t *testing.T) {
	if testing.Short() {
		t.Skip("starts server processes")
	}
	args := []string{"--listen", "127.0.0.1:0", "--db", t.TempDir() + "/stepwise.db", "--activity-poll", "1s"}
	killDuringBurst(t, args, 2000, 1000)
}

// TestServeTemporalKillDuringBurst is the same on the Temporal backend,
// with the worker in the serve process: the kill takes both down.
func TestServeTemporalKillDuringBurst(t *testing.T) {
	if testing.Short() {
		t.Skip("starts server processes")
	}
	addr, _ := startTemporalDevServer(t)
	args := []string{"--listen", "127.0.0.1:0", "--db", t.TempDir() + "/stepwise.db", "--activity-poll", "1s",
		"--backend", "temporal", "--temporal-address", addr, "--task-queue", "stepwise-burst"}
	killDuringBurst(t, args, 400, 200)
}

// killDuringBurst runs the burst of total starts against serve started with
// args, kills it once killAfter starts were acknowledged, restarts it with
// the same args and checks every execution.
func killDuringBurst(t *testing.T, args []string, total, killAfter int) {
	const clients = 16
	ctx := context.Background()
	var url atomic.Value
	workerCtx, stopWorker := context.WithCancel(ctx)
	defer stopWorker()
	t.Setenv("AWS_ENDPOINT_URL_SQS", callbackQueue(workerCtx, t, &url))
	t.Setenv("AWS_ACCESS_KEY_ID", "AKID")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "SECRET")
	t.Setenv("AWS_REGION", "us-east-1")
	srv := startServeChild(t, args...)
	setup := srv.client
	mk := func(name, def string) string {
		out, err := setup.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String(name), Definition: aws.String(def), RoleArn: aws.String("arn:aws:iam::123456789012:role/r")})
		if err != nil {
			t.Fatal(err)
		}
		return *out.StateMachineArn
	}
	act, err := setup.CreateActivity(ctx, &sfn.CreateActivityInput{Name: aws.String("double")})
	if err != nil {
		t.Fatal(err)
	}
	machines := []string{
		mk("pass", `{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"r.$":"States.MathAdd($.n, 1)"},"End":true}}}`),
		mk("wait", `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":1,"Next":"P"},"P":{"Type":"Pass","Parameters":{"r.$":"States.MathAdd($.n, 2)"},"End":true}}}`),
		mk("map", `{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items","ItemProcessor":{"StartAt":"W","States":{
			"W":{"Type":"Wait","Seconds":1,"Next":"P"},"P":{"Type":"Pass","Parameters":{"v.$":"States.MathAdd($, 1)"},"End":true}}},"End":true}}}`),
		mk("task", fmt.Sprintf(`{"StartAt":"T","States":{"T":{"Type":"Task","Resource":%q,"End":true}}}`, *act.ActivityArn)),
		mk("callback", `{"StartAt":"C","States":{"C":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage.waitForTaskToken",
			"Parameters":{"QueueUrl":"https://sqs.us-east-1.amazonaws.com/123456789012/q","MessageBody":{"n.$":"$.n","token.$":"$$.Task.Token"}},"End":true}}}`),
	}
	input := func(i int) string {
		return fmt.Sprintf(`{"n":%d,"items":[%d,%d]}`, i, i, i+1)
	}
	want := func(i int) string {
		switch i % len(machines) {
		case 0:
			return fmt.Sprintf(`{"r":%d}`, i+1)
		case 1:
			return fmt.Sprintf(`{"r":%d}`, i+2)
		case 2:
			return fmt.Sprintf(`[{"v":%d},{"v":%d}]`, i+1, i+2)
		case 4:
			return fmt.Sprintf(`{"called":%d}`, 3*i)
		}
		return fmt.Sprintf(`{"doubled":%d}`, 2*i)
	}

	// The activity worker answers every task it is given, on whichever
	// server is up.
	url.Store(srv.url)
	var workers sync.WaitGroup
	for range 4 {
		workers.Add(1)
		go func() {
			defer workers.Done()
			for workerCtx.Err() == nil {
				c := burstClient(url.Load().(string))
				task, err := c.GetActivityTask(workerCtx, &sfn.GetActivityTaskInput{ActivityArn: act.ActivityArn})
				if err != nil || task.TaskToken == nil {
					time.Sleep(50 * time.Millisecond)
					continue
				}
				var n int
				fmt.Sscanf(aws.ToString(task.Input), `{"n":%d`, &n)
				_, _ = c.SendTaskSuccess(workerCtx, &sfn.SendTaskSuccessInput{TaskToken: task.TaskToken, Output: aws.String(fmt.Sprintf(`{"doubled":%d}`, 2*n))})
			}
		}()
	}

	// The burst: each client starts its share; the server is killed once
	// killAfter starts were acknowledged, and the rest fail until it is up.
	var (
		mu    sync.Mutex
		acked = map[int]string{} // i → execution ARN
		next  atomic.Int64
		wg    sync.WaitGroup
	)
	killed := make(chan struct{})
	var killOnce sync.Once
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := burstClient(srv.url)
			for {
				i := int(next.Add(1)) - 1
				if i >= total {
					return
				}
				out, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(machines[i%len(machines)]),
					Name: aws.String(fmt.Sprintf("e%04d", i)), Input: aws.String(input(i))})
				if err != nil {
					continue
				}
				mu.Lock()
				acked[i] = *out.ExecutionArn
				n := len(acked)
				mu.Unlock()
				if n >= killAfter {
					killOnce.Do(func() { close(killed) })
				}
			}
		}()
	}
	<-killed
	srv.kill(t)
	wg.Wait()
	ackedAtKill := len(acked)

	srv = startServeChild(t, args...)
	url.Store(srv.url)
	c := srv.client

	// No name was started twice, and every acknowledged start is there.
	seen := map[string]int{}
	for _, sm := range machines {
		p := sfn.NewListExecutionsPaginator(c, &sfn.ListExecutionsInput{StateMachineArn: aws.String(sm), MaxResults: 1000})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range page.Executions {
				seen[*e.Name]++
			}
		}
	}
	var lost, duplicated, wrong, finished int
	for name, n := range seen {
		if n > 1 {
			duplicated++
			t.Errorf("%s listed %d times", name, n)
		}
	}
	deadline := time.Now().Add(3 * time.Minute)
	for i := range total {
		name := fmt.Sprintf("e%04d", i)
		arn, ok := acked[i]
		if !ok {
			if seen[name] == 0 {
				continue
			}
			// Started, though its answer was lost with the server: it
			// must finish all the same.
			arn = strings.Replace(machines[i%len(machines)], ":stateMachine:", ":execution:", 1) + ":" + name
		}
		if seen[name] == 0 {
			lost++
			t.Errorf("execution %d was acknowledged but is gone", i)
			continue
		}
		var d *sfn.DescribeExecutionOutput
		for {
			d, err = c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(arn)})
			if err != nil {
				t.Fatal(err)
			}
			if d.Status != types.ExecutionStatusRunning || time.Now().After(deadline) {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		if d.Status != types.ExecutionStatusSucceeded || aws.ToString(d.Output) != want(i) {
			wrong++
			t.Errorf("execution %d: %s %s %s %s", i, d.Status, aws.ToString(d.Output), aws.ToString(d.Error), aws.ToString(d.Cause))
			continue
		}
		finished++
		h, err := c.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: aws.String(arn), MaxResults: 1000})
		if err != nil {
			t.Fatal(err)
		}
		var types_ []string
		for k, e := range h.Events {
			types_ = append(types_, string(e.Type))
			if e.Id != int64(k+1) {
				t.Errorf("execution %d: event %d has id %d", i, k+1, e.Id)
				break
			}
		}
		seq := strings.Join(types_, ",")
		if strings.Count(seq, "ExecutionStarted") != 1 || strings.Count(seq, "ExecutionSucceeded") != 1 || !strings.HasSuffix(seq, "ExecutionSucceeded") {
			duplicated++
			t.Errorf("execution %d: history %s", i, seq)
		}
	}
	stopWorker()
	workers.Wait()
	t.Logf("burst of %d starts, serve killed after %d acknowledged: %d acknowledged in all, %d listed after the restart, %d finished right (acknowledged or not), %d lost, %d duplicated, %d wrong",
		total, ackedAtKill, len(acked), len(seen), finished, lost, duplicated, wrong)
	if len(acked) < killAfter {
		t.Fatalf("only %d starts acknowledged", len(acked))
	}
}
