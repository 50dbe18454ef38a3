package service_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/stepwise/stepwise/engine/service"
	"github.com/stepwise/stepwise/integrations/items"
	"github.com/stepwise/stepwise/integrations/mock"
)

// readerMachine reads the JSON array s3://bkt/items.json.
const readerMachine = `{"StartAt":"Read","States":{"Read":{"Type":"Map",
	"ItemReader":{"Resource":"arn:aws:states:::s3:getObject","ReaderConfig":{"InputType":"JSON"},"Parameters":{"Bucket":"bkt","Key":"items.json"}},
	"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}}}`

// The service's executions read items from its Objects, or from a mock of
// the Map state with a test case.
func TestDistributedMapExecution(t *testing.T) {
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "bkt"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "bkt", "items.json"), []byte(`[{"id":1},{"id":2}]`), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := mock.Parse([]byte(`{"StateMachines":{"reader":{"TestCases":{"Mocked":{"Read":"TwoItems"}}}},
		"MockedResponses":{"TwoItems":{"0":{"Return":["a","b"]}}}}`))
	if err != nil {
		t.Fatal(err)
	}
	c := startServer(t, service.Options{Objects: items.Dir{Root: root}, Mocks: cfg}, true).client
	sm := createMachine(t, c, "reader", readerMachine, "")
	for _, run := range []struct{ arn, output string }{{sm, `[{"id":1},{"id":2}]`}, {sm + "#Mocked", `["a","b"]`}} {
		out, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(run.arn)})
		if err != nil {
			t.Fatal(err)
		}
		if d := waitDone(t, c, *out.ExecutionArn); d.Status != types.ExecutionStatusSucceeded || aws.ToString(d.Output) != run.output {
			t.Errorf("%s: %s %s %s %s", run.arn, d.Status, aws.ToString(d.Output), aws.ToString(d.Error), aws.ToString(d.Cause))
		}
	}
}
