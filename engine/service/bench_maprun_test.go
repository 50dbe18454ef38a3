package service_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/stepwise/stepwise/engine/service"
)

// mapRunBench is a Distributed Map over its input's 2,000 items, each a
// STANDARD child of three Pass states, 100 at a time: what serve records
// per child (its execution row, its history, its checkpoints) dominates.
const mapRunBench = `{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items","MaxConcurrency":100,
	"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"A","States":{
		"A":{"Type":"Pass","ResultPath":"$.a","Next":"B"},
		"B":{"Type":"Pass","ResultPath":"$.b","Next":"C"},
		"C":{"Type":"Pass","End":true}}},
	"ResultSelector":{"n.$":"States.ArrayLength($)"},"End":true}}}`

// BenchmarkServeMapRun runs, b.N times, a map run of 2,000 recorded child
// executions on a SQLite file store, and reports children per second.
func BenchmarkServeMapRun(b *testing.B) {
	const children = 2000
	s := startServer(b, service.Options{}, false)
	c := benchClient(s.http.URL, 1)
	sm := createMachine(b, c, "maprun-bench", mapRunBench, "")
	var in strings.Builder
	in.WriteString(`{"items":[`)
	for i := range children {
		if i > 0 {
			in.WriteByte(',')
		}
		in.WriteString(`{"i":` + strconv.Itoa(i) + `}`)
	}
	in.WriteString(`]}`)
	input := in.String()
	for b.Loop() {
		st, err := c.StartExecution(context.Background(), &sfn.StartExecutionInput{StateMachineArn: aws.String(sm), Input: aws.String(input)})
		if err != nil {
			b.Fatal(err)
		}
		d := waitDone(b, c, aws.ToString(st.ExecutionArn))
		if d.Status != types.ExecutionStatusSucceeded || aws.ToString(d.Output) != `{"n":2000}` {
			b.Fatalf("%s %s %s", d.Status, aws.ToString(d.Error), aws.ToString(d.Output))
		}
	}
	b.ReportMetric(float64(children)*float64(b.N)/b.Elapsed().Seconds(), "children/s")
}
