package main

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

// --log-level chooses what serve logs: debug adds each API call, warn
// leaves out the executions that went well.
func TestServeLogLevel(t *testing.T) {
	for _, c := range []struct {
		level      string
		want, lack []string
	}{
		{"debug", []string{`msg="api call" operation=CreateStateMachine`, `msg="execution started"`, `msg="execution ended"`}, nil},
		{"info", []string{`msg="execution started"`, `level=INFO msg="api error" operation=DescribeExecution error=InvalidArn`}, []string{`msg="api call"`}},
		{"warn", nil, []string{`msg="execution started"`, `msg="api error"`}},
	} {
		t.Run(c.level, func(t *testing.T) {
			var logs lockedBuffer
			endpoint := startServeInProcess(t, &logs, "--log-level", c.level)
			client := sfn.NewFromConfig(aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")},
				func(o *sfn.Options) { o.BaseEndpoint = aws.String(endpoint); o.RetryMaxAttempts = 1 })
			ctx := context.Background()
			sm, err := client.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("p"), RoleArn: aws.String("arn:aws:iam::123456789012:role/r"),
				Definition: aws.String(`{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`)})
			if err != nil {
				t.Fatal(err)
			}
			ex, err := client.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: sm.StateMachineArn})
			if err != nil {
				t.Fatal(err)
			}
			for {
				d, err := client.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: ex.ExecutionArn})
				if err != nil {
					t.Fatal(err)
				}
				if d.Status != types.ExecutionStatusRunning {
					break
				}
			}
			_, _ = client.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String("not-an-arn")})
			// The end is logged just after it is stored, so a Describe
			// can see it first: wait (boundedly) for the wanted lines.
			deadline := time.Now().Add(5 * time.Second)
			got := logs.String()
			for _, w := range c.want {
				for !strings.Contains(got, w) && time.Now().Before(deadline) {
					time.Sleep(10 * time.Millisecond)
					got = logs.String()
				}
				if !strings.Contains(got, w) {
					t.Errorf("no %s in\n%s", w, got)
				}
			}
			for _, w := range c.lack {
				if strings.Contains(got, w) {
					t.Errorf("%s in\n%s", w, got)
				}
			}
		})
	}
	if _, err := serveLogger(io.Discard, "loud"); err == nil {
		t.Error("--log-level loud accepted")
	}
}
