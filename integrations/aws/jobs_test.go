package aws

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stepwise/stepwise/asl/fault"
	"github.com/stepwise/stepwise/asl/value"
)

// virtualClock stands in for the engine's clock in .sync polling: Sleep
// advances it at once and records each wait.
type virtualClock struct {
	mu    sync.Mutex
	now   time.Duration
	waits []time.Duration
}

func (c *virtualClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now += d
	c.waits = append(c.waits, d)
	return ctx.Err()
}

func syncInvoker(endpoints map[string]string, clock *virtualClock) *Invoker {
	base := testInvoker(nil)
	return New(Options{LoadOptions: base.opts.LoadOptions, Endpoints: endpoints, Sleep: clock.Sleep,
		PollInterval: time.Second, MaxPollInterval: 4 * time.Second})
}

// scripted answers each X-Amz-Target with the next of its bodies (the last
// one repeats).
func scripted(t *testing.T, bodies map[string][]string) *wireServer {
	var mu sync.Mutex
	n := map[string]int{}
	return newWireServer(t, func(w http.ResponseWriter, r *http.Request) {
		target := r.Header.Get("X-Amz-Target")
		mu.Lock()
		list := bodies[target]
		i := min(n[target], len(list)-1)
		n[target]++
		mu.Unlock()
		w.Header().Set("Content-Type", json11)
		w.Header().Set("x-amzn-RequestId", "req-job")
		if len(list) == 0 {
			w.WriteHeader(400)
			io.WriteString(w, `{"__type":"UnknownOperationException"}`)
			return
		}
		io.WriteString(w, list[i])
	})
}

func targets(s *wireServer) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, r := range s.reqs {
		out = append(out, strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "AWSGlue."))
	}
	return strings.Join(out, ",")
}

func TestGlueStartJobRunSync(t *testing.T) {
	srv := scripted(t, map[string][]string{
		"AWSGlue.StartJobRun": {`{"JobRunId":"jr_1"}`},
		"AWSGlue.GetJobRun": {
			`{"JobRun":{"Id":"jr_1","JobName":"etl","JobRunState":"STARTING"}}`,
			`{"JobRun":{"Id":"jr_1","JobName":"etl","JobRunState":"RUNNING"}}`,
			`{"JobRun":{"Id":"jr_1","JobName":"etl","JobRunState":"RUNNING"}}`,
			`{"JobRun":{"Id":"jr_1","JobName":"etl","JobRunState":"RUNNING"}}`,
			`{"JobRun":{"Id":"jr_1","JobName":"etl","JobRunState":"SUCCEEDED","ExecutionTime":42,"CompletedOn":1.7E9}}`,
		},
	})
	clock := &virtualClock{}
	inv := syncInvoker(map[string]string{"glue": srv.URL}, clock)
	out, err := inv.Invoke(ctx(t), task("arn:aws:states:::glue:startJobRun.sync", `{"JobName":"etl"}`))
	if err != nil {
		t.Fatal(err)
	}
	if got := value.EncodeString(out); got != `{"CompletedOn":"2023-11-14T22:13:20Z","ExecutionTime":42,"Id":"jr_1","JobName":"etl","JobRunState":"SUCCEEDED"}` {
		t.Fatalf("startJobRun.sync = %s", got)
	}
	if got := targets(srv); got != "StartJobRun,GetJobRun,GetJobRun,GetJobRun,GetJobRun,GetJobRun" {
		t.Fatalf("requests = %s", got)
	}
	wantRequest(t, srv.last(t), "POST", "/", "", nil, `{"JobName":"etl","RunId":"jr_1"}`)
	// Polls back off 1s, 2s, 4s and stay at the 4s ceiling: 11s of virtual time.
	if clock.now != 11*time.Second || len(clock.waits) != 4 || clock.waits[3] != 4*time.Second {
		t.Fatalf("waits = %v (%v)", clock.waits, clock.now)
	}

	// Request-response adds the JobName to the result.
	srv2 := scripted(t, map[string][]string{"AWSGlue.StartJobRun": {`{"JobRunId":"jr_2"}`}})
	inv = syncInvoker(map[string]string{"glue": srv2.URL}, clock)
	out, err = inv.Invoke(ctx(t), task("arn:aws:states:::glue:startJobRun", `{"JobName":"etl"}`))
	if err != nil || lookupString(out, "JobName") != "etl" || lookupString(out, "JobRunId") != "jr_2" || member(out, "SdkHttpMetadata") == nil {
		t.Fatalf("startJobRun = %s, %v", value.EncodeString(out), err)
	}

	// A failed run fails the task with the run as the cause.
	failed := scripted(t, map[string][]string{
		"AWSGlue.StartJobRun": {`{"JobRunId":"jr_3"}`},
		"AWSGlue.GetJobRun":   {`{"JobRun":{"Id":"jr_3","JobRunState":"FAILED","ErrorMessage":"boom"}}`},
	})
	inv = syncInvoker(map[string]string{"glue": failed.URL}, clock)
	_, err = inv.Invoke(ctx(t), task("arn:aws:states:::glue:startJobRun.sync", `{"JobName":"etl"}`))
	wantFault(t, err, fault.TaskFailed, `{"ErrorMessage":"boom","Id":"jr_3","JobRunState":"FAILED"}`)
}

func TestBatchSubmitJobSync(t *testing.T) {
	srv := newWireServer(t, func() http.HandlerFunc {
		polls := 0
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			switch r.URL.Path {
			case "/v1/submitjob":
				io.WriteString(w, `{"jobArn":"arn:aws:batch:us-east-1:111111111111:job/j1","jobId":"j1","jobName":"n"}`)
			case "/v1/describejobs":
				polls++
				status := "RUNNING"
				if polls >= 3 {
					status = "SUCCEEDED"
				}
				io.WriteString(w, `{"jobs":[{"jobId":"j1","jobName":"n","jobQueue":"q","status":"`+status+`","startedAt":1700000000000}]}`)
			default:
				w.WriteHeader(404)
			}
		}
	}())
	clock := &virtualClock{}
	inv := syncInvoker(map[string]string{"batch": srv.URL}, clock)
	out, err := inv.Invoke(ctx(t), task("arn:aws:states:::batch:submitJob.sync", `{"JobName":"n","JobQueue":"q","JobDefinition":"d"}`))
	if err != nil {
		t.Fatal(err)
	}
	if got := value.EncodeString(out); got != `{"JobId":"j1","JobName":"n","JobQueue":"q","StartedAt":1700000000000,"Status":"SUCCEEDED"}` {
		t.Fatalf("submitJob.sync = %s", got)
	}
	wantRequest(t, srv.last(t), "POST", "/v1/describejobs", "", map[string]string{"Content-Type": "application/json"}, `{"jobs":["j1"]}`)
	if len(clock.waits) != 2 {
		t.Fatalf("waits = %v", clock.waits)
	}
}

func TestECSRunTaskSync(t *testing.T) {
	srv := scripted(t, map[string][]string{
		"AmazonEC2ContainerServiceV20141113.RunTask": {`{"tasks":[{"taskArn":"arn:t/1","lastStatus":"PROVISIONING"}],"failures":[]}`},
		"AmazonEC2ContainerServiceV20141113.DescribeTasks": {
			`{"tasks":[{"taskArn":"arn:t/1","lastStatus":"RUNNING"}],"failures":[]}`,
			`{"tasks":[{"taskArn":"arn:t/1","lastStatus":"STOPPED","stopCode":"EssentialContainerExited","containers":[{"name":"app","exitCode":0}]}],"failures":[]}`,
		},
	})
	clock := &virtualClock{}
	inv := syncInvoker(map[string]string{"ecs": srv.URL}, clock)
	out, err := inv.Invoke(ctx(t), task("arn:aws:states:::ecs:runTask.sync", `{"Cluster":"c","TaskDefinition":"td"}`))
	if err != nil {
		t.Fatal(err)
	}
	if got := value.EncodeString(out); got != `{"Failures":[],"Tasks":[{"Containers":[{"ExitCode":0,"Name":"app"}],"LastStatus":"STOPPED","StopCode":"EssentialContainerExited","TaskArn":"arn:t/1"}]}` {
		t.Fatalf("runTask.sync = %s", got)
	}
	wantRequest(t, srv.last(t), "POST", "/", "", nil, `{"cluster":"c","tasks":["arn:t/1"]}`)

	bad := scripted(t, map[string][]string{
		"AmazonEC2ContainerServiceV20141113.RunTask":       {`{"tasks":[{"taskArn":"arn:t/2"}],"failures":[]}`},
		"AmazonEC2ContainerServiceV20141113.DescribeTasks": {`{"tasks":[{"taskArn":"arn:t/2","lastStatus":"STOPPED","containers":[{"name":"app","exitCode":1}]}]}`},
	})
	inv = syncInvoker(map[string]string{"ecs": bad.URL}, clock)
	_, err = inv.Invoke(ctx(t), task("arn:aws:states:::ecs:runTask.sync", `{"Cluster":"c","TaskDefinition":"td"}`))
	wantFault(t, err, fault.TaskFailed, `{"Tasks":[{"Containers":[{"ExitCode":1,"Name":"app"}]`)
}

func TestLambdaFunctionARN(t *testing.T) {
	srv := newWireServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("x-amzn-RequestId", "req-fn")
		if strings.Contains(r.URL.Path, "boom") {
			w.Header().Set("X-Amz-Function-Error", "Unhandled")
			io.WriteString(w, `{"errorMessage":"bad","errorType":"ValueError"}`)
			return
		}
		b, _ := io.ReadAll(r.Body)
		io.WriteString(w, `{"echo":`+string(b)+`}`)
	})
	inv := testInvoker(map[string]string{"lambda": srv.URL})
	arn := "arn:aws:lambda:eu-west-1:111111111111:function:orders:live"
	if !inv.Handles(task(arn, `{}`)) || inv.Handles(task("arn:aws:states:::lambda:function", `{}`)) {
		t.Fatal("Handles")
	}
	out, err := inv.Invoke(ctx(t), task(arn, `{"id":1}`))
	if err != nil {
		t.Fatal(err)
	}
	if got := value.EncodeString(out); got != `{"echo":{"id":1}}` {
		t.Fatalf("result = %s (the payload alone)", got)
	}
	req := srv.last(t)
	wantRequest(t, req, "POST", "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aeu-west-1%3A111111111111%3Afunction%3Aorders%3Alive/invocations", "", nil, `{"id":1}`)
	if req.SignedFor != "eu-west-1/lambda" {
		t.Fatalf("signed for %s, want the ARN's region", req.SignedFor)
	}
	_, err = inv.Invoke(ctx(t), task("arn:aws:lambda:us-east-1:111111111111:function:boom", `{}`))
	wantFault(t, err, "ValueError", `{"errorMessage":"bad","errorType":"ValueError"}`)
}

func TestS3OptimizedAndBedrock(t *testing.T) {
	s3 := s3Fake(t)
	inv := testInvoker(map[string]string{"s3": s3.URL})
	if _, err := inv.Invoke(ctx(t), task("arn:aws:states:::aws-sdk:s3:createBucket", `{"Bucket":"items"}`)); err != nil {
		t.Fatal(err)
	}
	if _, err := inv.Invoke(ctx(t), task("arn:aws:states:::s3:putObject", `{"Bucket":"items","Key":"a.csv","Body":"x,y\n1,2\n"}`)); err != nil {
		t.Fatal(err)
	}
	out, err := inv.Invoke(ctx(t), task("arn:aws:states:::s3:getObject", `{"Bucket":"items","Key":"a.csv"}`))
	if err != nil || lookupString(out, "Body") != "x,y\n1,2\n" {
		t.Fatalf("s3:getObject = %s, %v", value.EncodeString(out), err)
	}

	bedrock := newWireServer(t, jsonReply(200, "application/json", `{"completion":"hi","stop_reason":"end_turn"}`))
	inv = testInvoker(map[string]string{"bedrockruntime": bedrock.URL})
	out, err = inv.Invoke(ctx(t), task("arn:aws:states:::bedrock:invokeModel", `{"ModelId":"anthropic.claude-v2","Body":{"prompt":"Hello","max_tokens_to_sample":10}}`))
	if err != nil {
		t.Fatal(err)
	}
	if got := value.EncodeString(out); got != `{"Body":{"completion":"hi","stop_reason":"end_turn"},"ContentType":"application/json"}` {
		t.Fatalf("invokeModel = %s", got)
	}
	req := bedrock.last(t)
	wantRequest(t, req, "POST", "/model/anthropic.claude-v2/invoke", "", map[string]string{"Content-Type": "application/json"}, `{"prompt":"Hello","max_tokens_to_sample":10}`)
	if req.SignedFor != "us-east-1/bedrock" {
		t.Fatalf("signed for %s", req.SignedFor)
	}
	_, err = inv.Invoke(ctx(t), task("arn:aws:states:::bedrock:invokeModel", `{"ModelId":"m","Input":{"S3Uri":"s3://b/k"}}`))
	wantFault(t, err, fault.Runtime, `bedrock:invokeModel in state "S": the field Input`)
}

func TestRetries(t *testing.T) {
	var calls atomic.Int32
	srv := newWireServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", json11)
		switch calls.Add(1) {
		case 1:
			w.WriteHeader(503)
			io.WriteString(w, `{"__type":"ServiceUnavailableException","message":"try later"}`)
		case 2:
			w.WriteHeader(400)
			io.WriteString(w, `{"__type":"ThrottlingException","message":"Rate exceeded"}`)
		case 3:
			io.WriteString(w, `{"JobRunId":"jr_9"}`)
		default:
			w.WriteHeader(400)
			io.WriteString(w, `{"__type":"InvalidInputException","message":"bad"}`)
		}
	})
	clock := &virtualClock{}
	base := testInvoker(nil)
	inv := New(Options{LoadOptions: base.opts.LoadOptions, Endpoints: map[string]string{"glue": srv.URL}, Sleep: clock.Sleep})
	out, err := inv.Invoke(ctx(t), task("arn:aws:states:::aws-sdk:glue:startJobRun", `{"JobName":"etl"}`))
	if err != nil || lookupString(out, "JobRunId") != "jr_9" || calls.Load() != 3 {
		t.Fatalf("got %s, %v after %d calls", value.EncodeString(out), err, calls.Load())
	}
	if len(clock.waits) != 2 || clock.waits[0] > 2*time.Second || clock.waits[1] > 4*time.Second {
		t.Fatalf("back-off waits = %v", clock.waits)
	}
	// A client error other than throttling is not retried.
	_, err = inv.Invoke(ctx(t), task("arn:aws:states:::aws-sdk:glue:startJobRun", `{"JobName":"etl"}`))
	wantFault(t, err, "Glue.InvalidInputException", "bad")
	if calls.Load() != 4 {
		t.Fatalf("%d calls, want 4", calls.Load())
	}
}

func TestMediaConvertCreateJobSync(t *testing.T) {
	var polls atomic.Int32
	srv := newWireServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.Method == "POST" && r.URL.Path == "/2017-08-29/jobs":
			w.WriteHeader(201)
			io.WriteString(w, `{"job":{"id":"1700-abc","status":"SUBMITTED","role":"arn:aws:iam::111111111111:role/mc"}}`)
		case r.Method == "GET" && r.URL.Path == "/2017-08-29/jobs/1700-abc":
			status := "PROGRESSING"
			if polls.Add(1) >= 2 {
				status = "COMPLETE"
			}
			io.WriteString(w, `{"job":{"id":"1700-abc","status":"`+status+`","jobPercentComplete":100}}`)
		default:
			w.WriteHeader(404)
		}
	})
	clock := &virtualClock{}
	inv := syncInvoker(map[string]string{"mediaconvert": srv.URL}, clock)
	out, err := inv.Invoke(ctx(t), task("arn:aws:states:::mediaconvert:createJob.sync", `{"Role":"arn:aws:iam::111111111111:role/mc","Settings":{"Inputs":[{"FileInput":"s3://b/in.mp4"}]}}`))
	if err != nil {
		t.Fatal(err)
	}
	if got := value.EncodeString(out); got != `{"Job":{"Id":"1700-abc","JobPercentComplete":100,"Status":"COMPLETE"}}` {
		t.Fatalf("createJob.sync = %s", got)
	}
	if len(clock.waits) != 1 {
		t.Fatalf("waits = %v", clock.waits)
	}
	srv.mu.Lock()
	first := srv.reqs[0]
	srv.mu.Unlock()
	if first.Method != "POST" || first.Path != "/2017-08-29/jobs" || !first.SignatureOK {
		t.Fatalf("createJob request = %+v", first)
	}
	if !strings.Contains(first.Body, `"settings":{"inputs":[{"fileInput":"s3://b/in.mp4"}]}`) || !strings.Contains(first.Body, `"clientRequestToken":"`) {
		t.Fatalf("createJob body = %s (camelCase members, an idempotency token)", first.Body)
	}
}
