package temporal

import (
	"context"
	"fmt"
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/stepwise/stepwise/engine"
	"github.com/stepwise/stepwise/integrations/items"
)

// BenchmarkDevServerDistributedCSV is BenchmarkDistributedCSV (engine) on
// the Temporal dev server: a 100,000-row CSV on items.Dir, read in pages
// by activities, batched by 1,000, each batch a child of one Pass state,
// 10 at a time, each batch a child workflow. It reports items/s, the
// Temporal events of the execution's workflow and those of its first
// child's.
//
//	go test -run '^$' -bench DevServerDistributedCSV -benchtime 3x ./engine/runtime/temporal
func BenchmarkDevServerDistributedCSV(b *testing.B) {
	const rows = 100_000
	dir := b.TempDir()
	writeCSV(b, dir, rows)
	c := devServer(b)
	const tq = "stepwise-bench-csv"
	startItemsWorker(b, c, tq, items.Dir{Root: dir})
	def := `{"StartAt":"M","States":{"M":{"Type":"Map",
		"ItemReader":{"Resource":"arn:aws:states:::s3:getObject","ReaderConfig":{"InputType":"CSV","CSVHeaderLocation":"FIRST_ROW"},"Parameters":{"Bucket":"bkt","Key":"orders.csv"}},
		"ItemBatcher":{"MaxItemsPerBatch":1000},"MaxConcurrency":10,
		"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"EXPRESS"},"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"n.$":"States.ArrayLength($.Items)"},"End":true}}},
		"ResultSelector":{"batches.$":"States.ArrayLength($)"},"End":true}}}`
	ctx := context.Background()
	events, childEvents := 0, 0
	i := 0
	for b.Loop() {
		i++
		id := fmt.Sprintf("bench-csv-%d-%d", time.Now().UnixNano(), i)
		run, err := Start(ctx, c, client.StartWorkflowOptions{ID: id, TaskQueue: tq}, ExecutionInput{Definition: def})
		if err != nil {
			b.Fatal(err)
		}
		res, err := Result(ctx, run)
		if err != nil {
			b.Fatal(err)
		}
		if res.Status != engine.StatusSucceeded || string(res.Output) != `{"batches":100}` {
			b.Fatalf("%s %s %s %s", res.Status, res.Error, res.Cause, res.Output)
		}
		b.StopTimer()
		h := temporalHistory(b, c, id, "")
		events = len(h.Events)
		children := childWorkflowIDs(h, WorkflowName)
		if len(children) != 100 {
			b.Fatalf("%d child workflows, want 100", len(children))
		}
		childEvents = len(temporalHistory(b, c, children[0], "").Events)
		b.StartTimer()
	}
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "items/s")
	b.ReportMetric(float64(events), "temporal-events")
	b.ReportMetric(float64(childEvents), "child-events")
}

// BenchmarkDevServerUnbatchedChildren runs 3,000 items unbatched, one
// child workflow each, 10 at a time, on the Temporal dev server: "queue"
// as a worker runs them (ChildQueueDepth: shards of DefaultChildShardSize,
// 10 children at once in each), "direct" with ChildShardThreshold -1, as
// before the queue (every child a child workflow of the execution). It
// reports items/s and the Temporal events of the execution's workflow per
// child: what bounds how many children one map run can have.
//
//	go test -run '^$' -bench DevServerUnbatchedChildren -benchtime 1x ./engine/runtime/temporal
func BenchmarkDevServerUnbatchedChildren(b *testing.B) {
	const n = 3000
	c := devServer(b)
	const tq = "stepwise-bench-unbatched"
	startItemsWorker(b, c, tq, nil)
	def := `{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items","MaxConcurrency":10,
		"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"P","States":{"P":{"Type":"Pass","OutputPath":"$.n","End":true}}},
		"ResultSelector":{"n.$":"States.ArrayLength($)"},"End":true}}}`
	input := itemsInput(n, -1)
	for _, mode := range []struct {
		name      string
		threshold int
	}{{"queue", 0}, {"direct", -1}} {
		b.Run(mode.name, func(b *testing.B) {
			ctx := context.Background()
			events := 0
			i := 0
			for b.Loop() {
				i++
				id := fmt.Sprintf("bench-unbatched-%s-%d-%d", mode.name, time.Now().UnixNano(), i)
				run, err := Start(ctx, c, client.StartWorkflowOptions{ID: id, TaskQueue: tq},
					ExecutionInput{Definition: def, Input: input, Runtime: RuntimeOptions{ChildShardThreshold: mode.threshold}})
				if err != nil {
					b.Fatal(err)
				}
				res, err := Result(ctx, run)
				if err != nil {
					b.Fatal(err)
				}
				if res.Status != engine.StatusSucceeded || string(res.Output) != fmt.Sprintf(`{"n":%d}`, n) {
					b.Fatalf("%s %s %s %s", res.Status, res.Error, res.Cause, res.Output)
				}
				b.StopTimer()
				events = len(temporalHistory(b, c, id, "").Events)
				b.StartTimer()
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "items/s")
			b.ReportMetric(float64(events)/n, "parent-events/child")
		})
	}
}
