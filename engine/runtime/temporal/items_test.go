package temporal

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"

	"github.com/stepwise/stepwise/asl"
	"github.com/stepwise/stepwise/asl/value"
	"github.com/stepwise/stepwise/engine"
	"github.com/stepwise/stepwise/engine/runtime/local"
	"github.com/stepwise/stepwise/integrations/items"
)

// writeCSV writes rows of orders to DIR/bkt/orders.csv, and makes the
// bucket out.
func writeCSV(t testing.TB, dir string, rows int) {
	t.Helper()
	for _, bucket := range []string{"bkt", "out"} {
		if err := os.MkdirAll(filepath.Join(dir, bucket), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	var b strings.Builder
	b.WriteString("order_id,customer,total\n")
	for i := range rows {
		fmt.Fprintf(&b, "o-%d,customer-%d,%d.99\n", i, i%977, i%10000)
	}
	if err := os.WriteFile(filepath.Join(dir, "bkt", "orders.csv"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// startItemsWorker runs a worker whose object store is objs.
func startItemsWorker(t testing.TB, c client.Client, taskQueue string, objs items.Objects) {
	t.Helper()
	w := worker.New(c, taskQueue, WorkerOptions())
	Register(w, &Tasks{Objects: objs})
	if err := w.Start(); err != nil {
		t.Fatalf("worker: %v", err)
	}
	t.Cleanup(w.Stop)
}

// csvMachine reads orders.csv in batches of batch items, each batch a
// child of one Pass state (failing the batches whose first order is in
// fail), and writes the results under out/res with transformation.
func csvMachine(batch int, fail []string, tolerated int, transformation string) string {
	cond := `{"Variable":"$.Items[0].order_id","StringEquals":"none"}`
	if len(fail) > 0 {
		var ors []string
		for _, f := range fail {
			ors = append(ors, `{"Variable":"$.Items[0].order_id","StringEquals":"`+f+`"}`)
		}
		cond = `{"Or":[` + strings.Join(ors, ",") + `]}`
	}
	return `{"StartAt":"M","States":{"M":{"Type":"Map",
		"ItemReader":{"Resource":"arn:aws:states:::s3:getObject","ReaderConfig":{"InputType":"CSV","CSVHeaderLocation":"FIRST_ROW"},"Parameters":{"Bucket":"bkt","Key":"orders.csv"}},
		"ItemBatcher":{"MaxItemsPerBatch":` + fmt.Sprint(batch) + `,"BatchInput":{"shop":"s-1"}},"MaxConcurrency":4,"ToleratedFailureCount":` + fmt.Sprint(tolerated) + `,
		"ResultWriter":{"Resource":"arn:aws:states:::s3:putObject","Parameters":{"Bucket":"out","Prefix":"res"},"WriterConfig":{"Transformation":"` + transformation + `"}},
		"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"C","States":{
			"C":{"Type":"Choice","Choices":[` + strings.Replace(cond, "{", `{"Next":"F",`, 1) + `],"Default":"P"},
			"F":{"Type":"Fail","Error":"Bad","Cause":"a bad batch"},
			"P":{"Type":"Pass","Parameters":{"shop.$":"$.BatchInput.shop","n.$":"States.ArrayLength($.Items)","first.$":"$.Items[0].order_id"},"End":true}}},
		"End":true}}}`
}

// resultFiles returns the result files of the one map run under
// DIR/out/res, by category, and the manifest's ResultFiles.
func resultFiles(t *testing.T, dir string) (map[string]string, string) {
	t.Helper()
	runs, err := os.ReadDir(filepath.Join(dir, "out", "res"))
	if err != nil || len(runs) != 1 {
		t.Fatalf("map runs under out/res: %v %v", runs, err)
	}
	base := filepath.Join(dir, "out", "res", runs[0].Name())
	files := map[string]string{}
	for _, cat := range []string{"SUCCEEDED", "FAILED", "PENDING"} {
		data, err := os.ReadFile(filepath.Join(base, cat+"_0.json"))
		if err == nil {
			files[cat] = string(data)
		}
	}
	m, err := os.ReadFile(filepath.Join(base, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var man struct{ ResultFiles json.RawMessage }
	if err := json.Unmarshal(m, &man); err != nil {
		t.Fatal(err)
	}
	return files, strings.ReplaceAll(string(man.ResultFiles), runs[0].Name(), "ID")
}

// runCSVLocally runs def in process over the CSV of dir.
func runCSVLocally(t *testing.T, dir, def string) *engine.Result {
	t.Helper()
	sm, err := asl.Parse([]byte(def))
	if err != nil {
		t.Fatal(err)
	}
	res, err := engine.Run(context.Background(), sm, value.NewObject(0), engine.Options{Runtime: local.New(local.Options{}), Objects: items.Dir{Root: dir}})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// outputShape is a Map's output with its map run's ID replaced.
func outputShape(out string) string {
	var v struct {
		MapRunArn           string
		ResultWriterDetails struct{ Bucket, Key string }
	}
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		return out
	}
	id := v.MapRunArn[strings.LastIndexByte(v.MapRunArn, ':')+1:]
	return strings.ReplaceAll(out, id, "ID")
}

// A Distributed Map reading a CSV in batches, on the dev server, with its
// items read in pages (70 items, so pages and batches do not line up) by
// activities and its results written by one: the output and the result
// files are the local runtime's, and the workflow replays.
func TestDevServerDistributedCSV(t *testing.T) {
	c := devServer(t)
	for _, tc := range []struct {
		name      string
		fail      []string
		tolerated int
		transform string
		status    string
	}{
		{name: "compact", transform: "COMPACT", status: engine.StatusSucceeded},
		{name: "tolerated", fail: []string{"o-0", "o-500"}, tolerated: 200, transform: "NONE", status: engine.StatusSucceeded},
		{name: "exceeded", fail: []string{"o-0", "o-500"}, tolerated: 150, transform: "COMPACT", status: engine.StatusFailed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			def := csvMachine(100, tc.fail, tc.tolerated, tc.transform)
			localDir, tempDir := t.TempDir(), t.TempDir()
			writeCSV(t, localDir, 1050)
			writeCSV(t, tempDir, 1050)
			want := runCSVLocally(t, localDir, def)
			tq := "stepwise-csv-" + tc.name
			startItemsWorker(t, c, tq, items.Dir{Root: tempDir})
			id := "csv-" + tc.name
			got, _ := execute(t, c, tq, id, ExecutionInput{Definition: def, Runtime: RuntimeOptions{PageItems: 70}})
			if got.Status != want.Status || got.Status != tc.status || got.Error != want.Error || got.Cause != want.Cause {
				t.Fatalf("got %s %s %s, want %s %s %s", got.Status, got.Error, got.Cause, want.Status, want.Error, want.Cause)
			}
			if got.Status == engine.StatusSucceeded {
				if g, w := outputShape(string(got.Output)), outputShape(value.EncodeString(want.Output)); g != w {
					t.Fatalf("output %s, want %s", g, w)
				}
			}
			if got.Status != engine.StatusSucceeded {
				replayAndRecord(t, c, id, "", "distributed-csv-"+tc.name)
				return
			}
			gotFiles, gotManifest := resultFiles(t, tempDir)
			wantFiles, wantManifest := resultFiles(t, localDir)
			if gotManifest != wantManifest {
				t.Fatalf("manifest's files %s, want %s", gotManifest, wantManifest)
			}
			if tc.transform == "COMPACT" {
				for cat, w := range wantFiles {
					if cat == "SUCCEEDED" && gotFiles[cat] != w {
						t.Fatalf("%s_0.json:\n%s\nwant\n%s", cat, gotFiles[cat], w)
					}
				}
			}
			if tc.fail != nil && tc.status == engine.StatusSucceeded {
				var failed []map[string]any
				if err := json.Unmarshal([]byte(gotFiles["FAILED"]), &failed); err != nil || len(failed) != 2 || failed[0]["Error"] != "Bad" {
					t.Fatalf("FAILED_0.json: %s (%v)", gotFiles["FAILED"], err)
				}
			}
			h := temporalHistory(t, c, id, "")
			reads := 0
			for _, e := range h.Events {
				if a := e.GetActivityTaskScheduledEventAttributes(); a != nil && a.GetActivityType().GetName() == ReadItemsActivityName {
					reads++
				}
			}
			if reads != 1050/70+1 {
				t.Fatalf("%d pages read, want %d", reads, 1050/70+1)
			}
			replayAndRecord(t, c, id, "", "distributed-csv-"+tc.name)
		})
	}
}

// A worker without an object store fails the Map with States.Runtime
// saying so.
func TestDevServerItemsWithoutObjects(t *testing.T) {
	c := devServer(t)
	const tq = "stepwise-noobjects"
	startItemsWorker(t, c, tq, nil)
	got, _ := execute(t, c, tq, "noobjects", ExecutionInput{Definition: csvMachine(10, nil, 0, "COMPACT")})
	if got.Status != engine.StatusFailed || got.Error != "States.Runtime" || !strings.Contains(got.Cause, "worker has no object store") {
		t.Fatalf("got %s %s %s", got.Status, got.Error, got.Cause)
	}
}

// A map run of many unbatched children (3,000 rows, one child each, pages
// of 1,000 items) keeps every workflow's Temporal history short: the
// children are child workflows, but the 1,000 started together with each
// page go into shard workflows of DefaultChildShardSize, so the parent's
// history grows by the pages and the shards (a few events each), a
// shard's by its children (three events each, plus the workflow tasks
// their starts and ends cause: at most nine each), and each child's is
// its own.
func TestDevServerManyChildrenBoundedHistory(t *testing.T) {
	c := devServer(t)
	const rows, tq, id = 3000, "stepwise-many-children", "many-children"
	dir := t.TempDir()
	writeCSV(t, dir, rows)
	startItemsWorker(t, c, tq, items.Dir{Root: dir})
	def := `{"StartAt":"M","States":{"M":{"Type":"Map",
		"ItemReader":{"Resource":"arn:aws:states:::s3:getObject","ReaderConfig":{"InputType":"CSV","CSVHeaderLocation":"FIRST_ROW"},"Parameters":{"Bucket":"bkt","Key":"orders.csv"}},
		"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"EXPRESS"},"StartAt":"P","States":{"P":{"Type":"Pass","OutputPath":"$.customer","End":true}}},
		"ResultSelector":{"n.$":"States.ArrayLength($)","last.$":"$[2999]"},"End":true}}}`
	got, _ := execute(t, c, tq, id, ExecutionInput{Definition: def, Runtime: RuntimeOptions{PageItems: 1000}})
	if got.Status != engine.StatusSucceeded || string(got.Output) != `{"n":3000,"last":"customer-68"}` {
		t.Fatalf("got %s %s %s %s", got.Status, got.Error, got.Cause, got.Output)
	}
	h := temporalHistory(t, c, id, "")
	if n := len(h.Events); n > 100 {
		for _, e := range h.Events {
			t.Logf("%d %s", e.GetEventId(), e.GetEventType())
		}
		t.Fatalf("%d Temporal events for %d children", n, rows)
	}
	if direct := childWorkflowIDs(h, WorkflowName); len(direct) != 0 {
		t.Fatalf("%d children started by the parent, want all in shards", len(direct))
	}
	shards := childWorkflowIDs(h, ChildShardWorkflowName)
	if want := rows / DefaultChildShardSize; len(shards) != want {
		t.Fatalf("%d shards, want %d", len(shards), want)
	}
	children, longest := 0, 0
	for _, s := range shards {
		sh := temporalHistory(t, c, s, "")
		ids := childWorkflowIDs(sh, WorkflowName)
		children += len(ids)
		longest = max(longest, len(sh.Events))
		// A child's three events, and at worst a workflow task (three
		// events) for its start and one for its end: 4,500 for 500, below
		// Temporal's warning at 10,240.
		if n := len(sh.Events); n > 9*len(ids)+100 || n > 10240 {
			t.Fatalf("shard %s: %d Temporal events for %d children", s, n, len(ids))
		}
		if status, parent := describe(t, c, s); status != enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED || parent != id {
			t.Fatalf("shard %s: %s, parent %q", s, status, parent)
		}
		if n := len(temporalHistory(t, c, ids[0], "").Events); n > 20 {
			t.Fatalf("child %s: %d Temporal events", ids[0], n)
		}
	}
	if children != rows {
		t.Fatalf("%d child workflows in the shards, want %d", children, rows)
	}
	t.Logf("%d children: %d Temporal events in the parent, %d shards of at most %d events", rows, len(h.Events), len(shards), longest)
}

// The children of a Distributed Map on Temporal are executions of their
// own, as they are in process: $$.Execution is the child's (its own ARN
// under the map run's state machine MACHINE/LABEL, its input, redrive
// count 0), not the parent's, and there is no $$.Map.
func TestDevServerDistributedChildContext(t *testing.T) {
	c := devServer(t)
	const tq = "stepwise-child-context"
	startItemsWorker(t, c, tq, nil)
	def := `{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items",
		"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"P","States":{"P":{"Type":"Pass",
			"Parameters":{"id.$":"$$.Execution.Id","input.$":"$$.Execution.Input","machine.$":"$$.StateMachine.Name","redrives.$":"$$.Execution.RedriveCount","map.$":"States.JsonToString($$)"},"End":true}}},
		"ResultSelector":{"children.$":"$","parent.$":"$$.Execution.Id"},"End":true}}}`
	got, _ := execute(t, c, tq, "child-context", ExecutionInput{Definition: def, Input: json.RawMessage(`{"items":["a","b"]}`), StateMachineName: "orders"})
	if got.Status != engine.StatusSucceeded {
		t.Fatalf("got %s %s %s", got.Status, got.Error, got.Cause)
	}
	var out struct {
		Parent   string
		Children []struct {
			ID, Input, Machine, Map string
			Redrives                int
		}
	}
	if err := json.Unmarshal(got.Output, &out); err != nil {
		t.Fatal(err)
	}
	if len(out.Children) != 2 {
		t.Fatalf("output %s", got.Output)
	}
	for i, ch := range out.Children {
		if ch.ID == out.Parent || !strings.Contains(ch.ID, ":execution:orders/M:") || ch.Machine != "orders/M" ||
			ch.Input != []string{"a", "b"}[i] || ch.Redrives != 0 || strings.Contains(ch.Map, `"Map"`) {
			t.Errorf("child %d: %+v (parent %s)", i, ch, out.Parent)
		}
	}
	if out.Children[0].ID == out.Children[1].ID {
		t.Errorf("children share an ARN: %s", out.Children[0].ID)
	}
}
