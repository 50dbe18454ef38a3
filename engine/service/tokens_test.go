package service_test

import (
	"context"
	"fmt"
	"regexp"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/stepwise/stepwise/engine"
	"github.com/stepwise/stepwise/engine/runtime/local"
	"github.com/stepwise/stepwise/engine/service"
)

// seedSpy is the local backend, remembering the seed of each run.
type seedSpy struct {
	*service.Local
	mu    sync.Mutex
	seeds []int64
}

func (s *seedSpy) Run(ctx context.Context, run *service.Run) (*engine.Result, error) {
	s.mu.Lock()
	s.seeds = append(s.seeds, run.Seed)
	s.mu.Unlock()
	return s.Local.Run(ctx, run)
}

var uuidV4 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// D11: a task token must not follow from the run's seeded math/rand
// source (about 2^31 sequences: one token seen is enough to find the
// sequence and forge the others); it comes from crypto/rand.
func TestTaskTokensAreNotFromTheSeededSource(t *testing.T) {
	spy := &seedSpy{Local: service.NewLocal()}
	c := startServer(t, service.Options{Backend: spy}, true).client
	a, err := c.CreateActivity(ctx, &sfn.CreateActivityInput{Name: aws.String("work")})
	if err != nil {
		t.Fatal(err)
	}
	sm := createMachine(t, c, "act", fmt.Sprintf(activityMachine, *a.ActivityArn), "")
	if _, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(sm), Name: aws.String("one")}); err != nil {
		t.Fatal(err)
	}
	task := pollTask(t, c, *a.ActivityArn)
	token := aws.ToString(task.TaskToken)
	if !uuidV4.MatchString(token) {
		t.Fatalf("token %q is not a version-4 UUID", token)
	}
	spy.mu.Lock()
	seed := spy.seeds[0]
	spy.mu.Unlock()
	rt := local.New(local.Options{Seed: seed})
	for i := range 20 {
		if u := rt.UUID(); u == token {
			t.Fatalf("the task token is UUID %d of the run's seeded source", i+1)
		}
	}
	if _, err := c.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: task.TaskToken, Output: aws.String(`{}`)}); err != nil {
		t.Fatal(err)
	}
}
