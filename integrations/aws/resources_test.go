package aws

import (
	"strings"
	"testing"

	"github.com/stepwise/stepwise/asl"
)

func TestResourceWarnings(t *testing.T) {
	sm, err := asl.Parse([]byte(`{"StartAt":"A","States":{
		"A":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:s3:getObject","Next":"B"},
		"B":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:nosuch:thing","Next":"P"},
		"P":{"Type":"Parallel","Next":"M","Branches":[{"StartAt":"C","States":{
			"C":{"Type":"Task","Resource":"arn:aws:states:::emr:createCluster.sync","End":true}}}]},
		"M":{"Type":"Map","Next":"E","ItemProcessor":{"StartAt":"D","States":{
			"D":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:111111111111:function:f","End":true}}}},
		"E":{"Type":"Task","Resource":"arn:aws:states:us-east-1:111111111111:activity:work","Next":"F"},
		"F":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution.sync:2","End":true}}}`))
	if err != nil {
		t.Fatal(err)
	}
	ws := testInvoker(nil).ResourceWarnings(sm)
	if len(ws) != 2 || ws[0].Location != "/States/B/Resource" || ws[1].Location != "/States/P/Branches/0/States/C/Resource" ||
		!strings.HasPrefix(ws[0].Message, "The resource provided arn:aws:states:::aws-sdk:nosuch:thing is not recognized.") {
		t.Fatalf("warnings = %v", ws)
	}
}
