package service_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/stepwise/stepwise/engine/service"
)

// D10: a page token of one resource's listing is an InvalidToken on
// another resource (it used to page through the other one).
func TestPageTokensAreBoundToTheirRequest(t *testing.T) {
	srv := startServer(t, service.Options{}, true)
	c := srv.client
	def := `{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"},"B":{"Type":"Pass","End":true}}}`
	a := createMachine(t, c, "a", def, types.StateMachineTypeStandard)
	b := createMachine(t, c, "b", def, types.StateMachineTypeStandard)
	var execs []string
	for _, sm := range []string{a, a, b, b} {
		out, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(sm)})
		if err != nil {
			t.Fatal(err)
		}
		waitDone(t, c, *out.ExecutionArn)
		execs = append(execs, *out.ExecutionArn)
	}

	page, err := c.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: aws.String(a), MaxResults: 1})
	if err != nil || page.NextToken == nil {
		t.Fatalf("first page: %+v %v", page, err)
	}
	_, err = c.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: aws.String(b), MaxResults: 1, NextToken: page.NextToken})
	wantCode(t, err, "InvalidToken")
	next, err := c.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: aws.String(a), MaxResults: 1, NextToken: page.NextToken})
	if err != nil || len(next.Executions) != 1 || *next.Executions[0].ExecutionArn != execs[0] {
		t.Fatalf("second page of a: %+v %v", next, err)
	}

	h, err := c.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: aws.String(execs[0]), MaxResults: 2})
	if err != nil || h.NextToken == nil {
		t.Fatalf("first history page: %+v %v", h, err)
	}
	_, err = c.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: aws.String(execs[2]), MaxResults: 2, NextToken: h.NextToken})
	wantCode(t, err, "InvalidToken")
	_, err = c.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: aws.String(execs[0]), MaxResults: 2, NextToken: h.NextToken, ReverseOrder: true})
	wantCode(t, err, "InvalidToken")
	h2, err := c.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: aws.String(execs[0]), MaxResults: 2, NextToken: h.NextToken})
	if err != nil || len(h2.Events) != 2 || h2.Events[0].Id != 3 {
		t.Fatalf("second history page: %+v %v", h2, err)
	}
}
