package temporal

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stepwise/stepwise/asl"
	"github.com/stepwise/stepwise/asl/value"
	"github.com/stepwise/stepwise/engine"
	"github.com/stepwise/stepwise/engine/runtime/local"
	"github.com/stepwise/stepwise/integrations/items"
)

// bigOutputs is a Distributed Map of 70 children, all in one shard, each
// of whose outputs is about 56 KB (eight arrays of 1,000 six-digit
// numbers): about 3.9 MB in all, twice Temporal's limit of a payload.
const bigOutputs = `{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items","MaxConcurrency":100,
	"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{
		"n.$":"$.n",
		"a0.$":"States.ArrayRange(100001, 101000, 1)","a1.$":"States.ArrayRange(100001, 101000, 1)",
		"a2.$":"States.ArrayRange(100001, 101000, 1)","a3.$":"States.ArrayRange(100001, 101000, 1)",
		"a4.$":"States.ArrayRange(100001, 101000, 1)","a5.$":"States.ArrayRange(100001, 101000, 1)",
		"a6.$":"States.ArrayRange(100001, 101000, 1)","a7.$":"States.ArrayRange(100001, 101000, 1)"},"End":true}}},
	"ResultSelector":{"count.$":"States.ArrayLength($)","first.$":"$[0].n","last.$":"$[69].n","tail.$":"$[69].a7[999]"},"End":true}}}`

// A shard whose children's outputs pass Temporal's 2 MB limit of a
// payload keeps only the first shardResultBytes of them in its result and
// hands the parent the others by signal as they end: the run succeeds
// with every output in place. Before, the shard's result was refused and
// every child counted as failed (States.ExceedToleratedFailureThreshold).
func TestDevServerShardOutcomesPastPayloadLimit(t *testing.T) {
	c := devServer(t)
	const tq, id, n = "stepwise-shard-outcomes", "shard-outcomes", 70
	startItemsWorker(t, c, tq, nil)
	got, _ := execute(t, c, tq, id, ExecutionInput{Definition: bigOutputs, Input: itemsInput(n, -1)})
	if got.Status != engine.StatusSucceeded || string(got.Output) != `{"count":70,"first":0,"last":69,"tail":101000}` {
		t.Fatalf("got %s %s %s %s", got.Status, got.Error, got.Cause, got.Output)
	}
	h := temporalHistory(t, c, id, "")
	shards := childWorkflowIDs(h, ChildShardWorkflowName)
	if len(shards) != 1 {
		t.Fatalf("%d shards, want all 70 children in one", len(shards))
	}
	signals := 0
	for _, e := range h.GetEvents() {
		if a := e.GetWorkflowExecutionSignaledEventAttributes(); a != nil && a.GetSignalName() == childFailuresSignal {
			signals++
		}
	}
	// About 3.4 MB past the result's budget, at most 1 MB a signal.
	if signals < 3 {
		t.Fatalf("%d outcome signals reached the parent, want at least 3", signals)
	}
	for _, e := range h.GetEvents() {
		if a := e.GetWorkflowTaskFailedEventAttributes(); a != nil {
			t.Fatalf("a workflow task failed: %s", a.GetFailure().GetMessage())
		}
	}
	sh := temporalHistory(t, c, shards[0], "")
	last := sh.GetEvents()[len(sh.GetEvents())-1]
	done := last.GetWorkflowExecutionCompletedEventAttributes()
	if done == nil {
		t.Fatalf("the shard ended with %s", last.GetEventType())
	}
	size := 0
	for _, p := range done.GetResult().GetPayloads() {
		size += len(p.GetData())
	}
	if size > shardResultBytes+64<<10 {
		t.Fatalf("the shard's result is %d bytes, want no more than about %d", size, shardResultBytes)
	}
	t.Logf("%d children of about 56 KB output: %d signals, a shard result of %d bytes", n, signals, size)
	replayAndRecord(t, c, id, "", "distributed-shard-outcomes")
}

// The Step Functions history of an execution whose events pass 2 MB in
// all comes page by page, each page below Temporal's 2 MB limit of a
// query's result: eight Pass states of 175 KB of input and output.
func TestDevServerHistoryPastQueryLimit(t *testing.T) {
	c := devServer(t)
	const tq, id = "stepwise-big-history", "big-history"
	startWorker(t, c, tq, incInvoker())
	var states strings.Builder
	for i := range 8 {
		next := fmt.Sprintf(`"Next":"P%d"`, i+1)
		if i == 7 {
			next = `"End":true`
		}
		fmt.Fprintf(&states, `%s"P%d":{"Type":"Pass","ResultPath":"$.i","Result":%d,%s}`,
			map[bool]string{true: "", false: ","}[i == 0], i, i, next)
	}
	def := `{"StartAt":"P0","States":{` + states.String() + `}}`
	in := json.RawMessage(`{"s":"` + strings.Repeat("s", 175<<10) + `"}`)
	got, events := execute(t, c, tq, id, ExecutionInput{Definition: def, Input: in})
	if got.Status != engine.StatusSucceeded {
		t.Fatalf("got %s %s %s", got.Status, got.Error, got.Cause)
	}
	if len(events) != 18 {
		t.Fatalf("%d events, want 18", len(events))
	}
	raw, _ := json.Marshal(events)
	if len(raw) < 2<<20 {
		t.Fatalf("the history is %d bytes: the test wants more than 2 MB", len(raw))
	}
	if _, err := c.QueryWorkflow(context.Background(), id, "", QueryHistory); err == nil || !strings.Contains(err.Error(), "size") {
		t.Fatalf("the whole history in one query: %v, want refused for its size", err)
	}
}

// A ResultWriter whose results pass what one activity takes (about 2.8 MB
// here: 200 children of about 14 KB) stages them in the object store a
// megabyte at a time and writes the files from there: the files are the
// local runtime's, and nothing staged is left. Before, such a Map failed
// with States.Runtime (the Temporal backend passed the results to one
// activity).
func TestDevServerStagedResults(t *testing.T) {
	c := devServer(t)
	const tq, id, n = "stepwise-staged-results", "staged-results", 200
	def := `{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items",
		"ResultWriter":{"Resource":"arn:aws:states:::s3:putObject","Parameters":{"Bucket":"out","Prefix":"res"},"WriterConfig":{"Transformation":"COMPACT"}},
		"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{
			"n.$":"$.n","a0.$":"States.ArrayRange(100001, 101000, 1)","a1.$":"States.ArrayRange(100001, 101000, 1)"},"End":true}}},"End":true}}}`
	input := itemsInput(n, -1)
	localDir, tempDir := t.TempDir(), t.TempDir()
	writeCSV(t, localDir, 0)
	writeCSV(t, tempDir, 0)
	sm, err := asl.Parse([]byte(def))
	if err != nil {
		t.Fatal(err)
	}
	in, err := value.Decode(input)
	if err != nil {
		t.Fatal(err)
	}
	want, err := engine.Run(context.Background(), sm, in, engine.Options{Runtime: local.New(local.Options{}), Objects: items.Dir{Root: localDir}})
	if err != nil || want.Status != engine.StatusSucceeded {
		t.Fatalf("in process: %v %+v", err, want)
	}
	startItemsWorker(t, c, tq, items.Dir{Root: tempDir})
	// Three shards report outcomes at once.
	got, _ := execute(t, c, tq, id, ExecutionInput{Definition: def, Input: input, Runtime: RuntimeOptions{ChildShardSize: 70}})
	if got.Status != engine.StatusSucceeded {
		t.Fatalf("got %s %s %s", got.Status, got.Error, got.Cause)
	}
	if g, w := outputShape(string(got.Output)), outputShape(value.EncodeString(want.Output)); g != w {
		t.Fatalf("output %s, want %s", g, w)
	}
	gotFiles, gotManifest := resultFiles(t, tempDir)
	wantFiles, wantManifest := resultFiles(t, localDir)
	if gotManifest != wantManifest {
		t.Fatalf("manifest's files %s, want %s", gotManifest, wantManifest)
	}
	if gotFiles["SUCCEEDED"] != wantFiles["SUCCEEDED"] || len(gotFiles["SUCCEEDED"]) < 2<<20 {
		t.Fatalf("SUCCEEDED_0.json: %d bytes, want the local runtime's %d (more than 2 MB)", len(gotFiles["SUCCEEDED"]), len(wantFiles["SUCCEEDED"]))
	}
	runs, err := os.ReadDir(filepath.Join(tempDir, "out", "res"))
	if err != nil || len(runs) != 1 {
		t.Fatalf("map runs under out/res: %v %v", runs, err)
	}
	if _, err := os.Stat(filepath.Join(tempDir, "out", "res", runs[0].Name(), "stepwise-staged")); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("the staged results are left behind: %v", err)
	}
	stages := 0
	for _, e := range temporalHistory(t, c, id, "").GetEvents() {
		if a := e.GetActivityTaskScheduledEventAttributes(); a != nil && a.GetActivityType().GetName() == StageResultsActivityName {
			stages++
			if size := len(a.GetInput().GetPayloads()[0].GetData()); size > stageBytes+64<<10 {
				t.Fatalf("a staging of %d bytes", size)
			}
		}
		// A workflow task whose commands pass 4 MB fails, and again.
		if a := e.GetWorkflowTaskFailedEventAttributes(); a != nil {
			t.Fatalf("a workflow task failed: %s", a.GetFailure().GetMessage())
		}
	}
	if stages < 2 {
		t.Fatalf("%d stagings of results, want at least 2 of about 1 MB", stages)
	}
	t.Logf("%d bytes of results written from %d staged parts", len(gotFiles["SUCCEEDED"]), stages)
	replayAndRecord(t, c, id, "", "distributed-staged-results")
}
