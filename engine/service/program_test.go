package service_test

import (
	"context"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/stepwise/stepwise/engine"
	"github.com/stepwise/stepwise/engine/service"
)

// programsSeen is the local backend, noting the Program of each run.
type programsSeen struct {
	*service.Local
	mu    sync.Mutex
	progs []*engine.Program
}

func (b *programsSeen) Run(ctx context.Context, run *service.Run) (*engine.Result, error) {
	b.mu.Lock()
	b.progs = append(b.progs, run.Program)
	b.mu.Unlock()
	return b.Local.Run(ctx, run)
}

// TestProgramCompiledOncePerRevision: the executions of one revision of a
// state machine share one compiled Program; a new revision gets its own.
func TestProgramCompiledOncePerRevision(t *testing.T) {
	b := &programsSeen{Local: service.NewLocal()}
	s := startServer(t, service.Options{Backend: b}, true)
	ctx := context.Background()
	arn := createMachine(t, s.client, "prog", `{"StartAt":"P","States":{"P":{"Type":"Pass","Result":1,"End":true}}}`, types.StateMachineTypeStandard)
	start := func() {
		t.Helper()
		out, err := s.client.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(arn)})
		if err != nil {
			t.Fatal(err)
		}
		if d := waitDone(t, s.client, *out.ExecutionArn); d.Status != types.ExecutionStatusSucceeded || aws.ToString(d.Output) != "1" {
			t.Fatalf("execution: %s %s", d.Status, aws.ToString(d.Output))
		}
	}
	start()
	start()
	if _, err := s.client.UpdateStateMachine(ctx, &sfn.UpdateStateMachineInput{StateMachineArn: aws.String(arn),
		Definition: aws.String(`{"StartAt":"P","States":{"P":{"Type":"Pass","Result":2,"End":true}}}`)}); err != nil {
		t.Fatal(err)
	}
	out, err := s.client.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(arn)})
	if err != nil {
		t.Fatal(err)
	}
	if d := waitDone(t, s.client, *out.ExecutionArn); aws.ToString(d.Output) != "2" {
		t.Fatalf("the new revision's execution gave %s", aws.ToString(d.Output))
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.progs) != 3 || b.progs[0] == nil {
		t.Fatalf("programs = %v, want 3 runs with a compiled program", b.progs)
	}
	if b.progs[0] != b.progs[1] {
		t.Error("two executions of one revision were compiled twice")
	}
	if b.progs[2] == b.progs[0] || b.progs[2] == nil {
		t.Error("the new revision's execution ran the old revision's program")
	}
}
