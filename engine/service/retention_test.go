package service_test

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/stepwise/stepwise/engine/service"
)

// With a retention, an execution closed longer ago is deleted with its
// history; one still running, and one closed more recently, are kept.
func TestRetentionDeletesClosedExecutions(t *testing.T) {
	s := startServer(t, service.Options{Retention: 4 * time.Second, RetentionInterval: 50 * time.Millisecond}, false)
	c := s.client
	pass := createMachine(t, c, "pass", passDef(`"Result":1`), types.StateMachineTypeStandard)
	wait := createMachine(t, c, "wait", `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":600,"End":true}}}`, types.StateMachineTypeStandard)
	old, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(pass)})
	if err != nil {
		t.Fatal(err)
	}
	waitDone(t, c, *old.ExecutionArn)
	running, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(wait)})
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * time.Second)
	recent, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(pass)})
	if err != nil {
		t.Fatal(err)
	}
	waitDone(t, c, *recent.ExecutionArn)
	// The first closed about 2 s before the second: wait until it is gone.
	deadline := time.Now().Add(20 * time.Second)
	for {
		_, err := c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: old.ExecutionArn})
		if apiErrorCode(err) == "ExecutionDoesNotExist" {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if time.Now().After(deadline) {
			t.Fatal("the execution outlived its retention")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if _, err := c.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: old.ExecutionArn}); apiErrorCode(err) != "ExecutionDoesNotExist" {
		t.Errorf("its history: %v, want ExecutionDoesNotExist", err)
	}
	if d, err := c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: recent.ExecutionArn}); err != nil || d.Status != types.ExecutionStatusSucceeded {
		t.Errorf("the recent execution: %v, %v; want it kept", d, err)
	}
	if d, err := c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: running.ExecutionArn}); err != nil || d.Status != types.ExecutionStatusRunning {
		t.Errorf("the running execution: %v, %v; want it kept", d, err)
	}
	l, err := c.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: aws.String(pass)})
	if err != nil || len(l.Executions) != 1 || aws.ToString(l.Executions[0].ExecutionArn) != *recent.ExecutionArn {
		t.Errorf("ListExecutions: %v, %v; want only the recent one", l, err)
	}
}
