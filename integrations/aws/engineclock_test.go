package aws

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/stepwise/stepwise/asl"
	"github.com/stepwise/stepwise/engine"
	"github.com/stepwise/stepwise/engine/runtime/local"
)

// TestSyncPollsOnTheEngineClock runs a glue:startJobRun.sync Task in an
// execution under the engine's virtual clock, with an invoker given no
// Sleep of its own: its polls wait on the execution's clock, so the
// task's events are 1+2+4+4 s of virtual time apart (with the real clock
// the virtual timestamps would not move), and a Wait after it starts
// where the polls left the clock.
func TestSyncPollsOnTheEngineClock(t *testing.T) {
	srv := scripted(t, map[string][]string{
		"AWSGlue.StartJobRun": {`{"JobRunId":"jr_1"}`},
		"AWSGlue.GetJobRun": {
			`{"JobRun":{"Id":"jr_1","JobName":"etl","JobRunState":"STARTING"}}`,
			`{"JobRun":{"Id":"jr_1","JobName":"etl","JobRunState":"RUNNING"}}`,
			`{"JobRun":{"Id":"jr_1","JobName":"etl","JobRunState":"RUNNING"}}`,
			`{"JobRun":{"Id":"jr_1","JobName":"etl","JobRunState":"RUNNING"}}`,
			`{"JobRun":{"Id":"jr_1","JobName":"etl","JobRunState":"SUCCEEDED"}}`,
		},
	})
	inv := New(Options{
		LoadOptions: []func(*config.LoadOptions) error{
			config.WithRegion("us-east-1"),
			config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", "")),
		},
		Endpoints:       map[string]string{"glue": srv.URL},
		PollInterval:    time.Second,
		MaxPollInterval: 4 * time.Second,
	})
	sm, err := asl.Parse([]byte(`{"StartAt":"Job","States":{
		"Job":{"Type":"Task","Resource":"arn:aws:states:::glue:startJobRun.sync","Parameters":{"JobName":"etl"},"ResultSelector":{"State.$":"$.JobRunState"},"Next":"Pause"},
		"Pause":{"Type":"Wait","Seconds":30,"End":true}}}`))
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	rt := local.New(local.Options{VirtualClock: true, Start: start})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	res, err := engine.Run(ctx, sm, nil, engine.Options{Runtime: rt, Invoker: inv})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != engine.StatusSucceeded {
		t.Fatalf("status %s: %s %s", res.Status, res.Error, res.Cause)
	}
	at := map[string]time.Time{}
	for _, e := range res.Events {
		at[e.Type] = e.Timestamp
	}
	if d := at["TaskSucceeded"].Sub(at["TaskStarted"]); d != 11*time.Second {
		t.Errorf("the job took %v of virtual time, want 11s (polls after 1, 2, 4 and 4 s)", d)
	}
	if d := at["ExecutionSucceeded"].Sub(start); d != 41*time.Second {
		t.Errorf("the execution took %v of virtual time, want 41s", d)
	}
	if got := targets(srv); got != "StartJobRun,GetJobRun,GetJobRun,GetJobRun,GetJobRun,GetJobRun" {
		t.Errorf("requests = %s", got)
	}
}
