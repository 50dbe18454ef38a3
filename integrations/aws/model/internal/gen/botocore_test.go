package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/stepwise/stepwise/integrations/aws/model"
)

// The testdata are excerpts of the same services' models from both inputs
// (a few operations and every shape they reach, documentation left out):
// smithy/NAME.json from api-models-aws at 56c8953, botocore/NAME.json
// from botocore 1.43.11. One service or more per protocol, and operations
// that exercise what the conversion has to undo (see data/README.md).
var excerpts = []struct {
	name, protocol string
	operations     int
	// differences the two inputs cannot avoid, as diffServices lists
	// them: what botocore's format does not carry.
	known []string
	// newer lists what only one model has: the botocore models are newer.
	newer []string
}{
	{name: "sns", protocol: model.AWSQuery, operations: 2},
	{name: "dynamodb", protocol: model.AWSJSON10, operations: 2, newer: []string{
		"DescribeBackup error InvalidEndpointException only in the first",
		"ListTables error InvalidEndpointException only in the first",
	}, known: []string{
		// botocore keeps a service xmlNamespace only for the XML protocols
		`service: {"n":"dynamodb","p":"DynamoDb","id":"DynamoDB","pr":"awsJson1_0","sn":"dynamodb","ep":"dynamodb","tp":"DynamoDB_20120810","v":"2012-08-10","xn":"http://dynamodb.amazonaws.com/doc/2012-08-10/","o":null}, {"n":"dynamodb","p":"DynamoDb","id":"DynamoDB","pr":"awsJson1_0","sn":"dynamodb","ep":"dynamodb","tp":"DynamoDB_20120810","v":"2012-08-10","o":null}`,
	}},
	{name: "secretsmanager", protocol: model.AWSJSON11, operations: 1},
	{name: "lambda", protocol: model.RESTJSON1, operations: 2, newer: []string{
		"Invoke input.DurableExecutionName only in the second",
		"Invoke input.TenantId only in the second",
		"Invoke output.DurableExecutionArn only in the second",
	}},
	{name: "supplychain", protocol: model.RESTJSON1, operations: 1, newer: []string{
		"SendDataIntegrationEvent input.datasetTarget only in the second",
	}},
	{name: "s3", protocol: model.RESTXML, operations: 3, known: []string{
		// botocore drops the xmlName of an output structure (the document's
		// root element, which the decoder does not check)
		`GetBucketAcl output: {"t":"structure","x":"AccessControlPolicy"}, {"t":"structure"}`,
		`ListObjectsV2 output: {"t":"structure","x":"ListBucketResult"}, {"t":"structure"}`,
	}},
	{name: "lexruntimeservice", protocol: model.RESTJSON1, operations: 1}, // jsonvalue headers
	{name: "route53", protocol: model.RESTXML, operations: 3, newer: []string{
		"CreateHostedZone output.HostedZone.Features only in the second",
	}},
}

// TestBotocoreMatchesSmithy converts each excerpt from both inputs and
// requires the same table, but for the known differences.
func TestBotocoreMatchesSmithy(t *testing.T) {
	for _, e := range excerpts {
		t.Run(e.name, func(t *testing.T) {
			a, err := convertFile(filepath.Join("testdata", "smithy", e.name+".json"))
			if err != nil || a == nil {
				t.Fatalf("smithy: %v, %v", a, err)
			}
			b, err := convertBotocoreFile(filepath.Join("testdata", "botocore", e.name+".json"))
			if err != nil || b == nil {
				t.Fatalf("botocore: %v, %v", b, err)
			}
			if b.Name != e.name || b.Protocol != e.protocol || len(b.Operations) != e.operations || len(a.Operations) != e.operations {
				t.Fatalf("botocore table %s %s with %d operations (smithy %d), want %s %s with %d", b.Name, b.Protocol, len(b.Operations), len(a.Operations), e.name, e.protocol, e.operations)
			}
			out, missing := diffServices(a, b)
			if strings.Join(missing, "\n") != strings.Join(e.newer, "\n") {
				t.Errorf("in only one table:\n%s\nwant:\n%s", strings.Join(missing, "\n"), strings.Join(e.newer, "\n"))
			}
			if strings.Join(out, "\n") != strings.Join(e.known, "\n") {
				t.Errorf("differences:\n%s\nwant:\n%s", strings.Join(out, "\n"), strings.Join(e.known, "\n"))
			}
		})
	}
}

// TestMerge: named services replace or add botocore's; without names only
// the services the Smithy models lack are added.
func TestMerge(t *testing.T) {
	smithy := func() map[string]*model.Service {
		return map[string]*model.Service{"s3": {SDKID: "smithy"}, "sns": {SDKID: "smithy"}}
	}
	boto := map[string]*model.Service{"s3": {SDKID: "boto"}, "ec2": {SDKID: "boto"}, "sns": {SDKID: "boto"}}
	got := smithy()
	if err := merge(got, boto, ""); err != nil || len(got) != 3 || got["s3"].SDKID != "smithy" || got["ec2"].SDKID != "boto" {
		t.Fatalf("merge all missing: %v %v", got, err)
	}
	got = smithy()
	if err := merge(got, boto, "ec2, s3"); err != nil || len(got) != 3 || got["s3"].SDKID != "boto" || got["sns"].SDKID != "smithy" || got["ec2"] == nil {
		t.Fatalf("merge named: %v %v", got, err)
	}
	if err := merge(smithy(), boto, "nosuch"); err == nil {
		t.Fatal("merge of an unknown service succeeded")
	}
}
