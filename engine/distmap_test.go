package engine_test

import (
	"context"
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/stepwise/stepwise/asl/fault"
	"github.com/stepwise/stepwise/asl/value"
	"github.com/stepwise/stepwise/engine"
	"github.com/stepwise/stepwise/engine/history"
	"github.com/stepwise/stepwise/engine/runtime/local"
	"github.com/stepwise/stepwise/integrations"
	"github.com/stepwise/stepwise/integrations/items"
	"github.com/stepwise/stepwise/integrations/mock"
)

// objectDir returns an items.Dir in a temporary directory holding files,
// by "bucket/key".
func objectDir(t *testing.T, files map[string]string) items.Dir {
	t.Helper()
	root := t.TempDir()
	for name, body := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return items.Dir{Root: root}
}

// runDist runs def on input with opts completed by a virtual clock and
// fixed names.
func runDist(t *testing.T, def, input string, opts engine.Options) *engine.Result {
	t.Helper()
	opts.Runtime = local.New(local.Options{VirtualClock: true, Start: t0, Seed: 7})
	opts.StateMachineName, opts.ExecutionName = "sm", "ex"
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	res, err := engine.Run(ctx, mustParse(t, def), mustValue(t, input), opts)
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	return res
}

// distMap is a state machine whose one state is a Distributed Map with the
// given members, running the processor states (a Pass by default).
func distMap(members, states string) string {
	if states == "" {
		states = `"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}`
	}
	return `{"StartAt":"M","States":{"M":{"Type":"Map",` + members + `,
		"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},` + states + `},"End":true}}}`
}

func wantSucceeded(t *testing.T, res *engine.Result, output string) {
	t.Helper()
	if res.Status != engine.StatusSucceeded {
		t.Fatalf("status %s: %s: %s", res.Status, res.Error, res.Cause)
	}
	if got := value.EncodeString(res.Output); got != output {
		t.Fatalf("output\n got %s\nwant %s", got, output)
	}
}

func wantFailed(t *testing.T, res *engine.Result, errName, causePart string) {
	t.Helper()
	if res.Status != engine.StatusFailed || res.Error != errName || !strings.Contains(res.Cause, causePart) {
		t.Fatalf("got %s %s %q, want FAILED %s with %q", res.Status, res.Error, res.Cause, errName, causePart)
	}
}

const statements = `[{"verdict":"true","n":1},{"verdict":"false","n":2},{"verdict":"mostly-true","n":3}]`

func TestDistributedMapReadsAJSONArray(t *testing.T) {
	objs := objectDir(t, map[string]string{"bkt/in/file.json": statements})
	def := distMap(`"ItemReader":{"Resource":"arn:aws:states:::s3:getObject","ReaderConfig":{"InputType":"JSON"},
		"Parameters":{"Bucket.$":"$.bucket","Key.$":"States.Format('in/{}', $.name)"}}`, "")
	res := runDist(t, def, `{"bucket":"bkt","name":"file.json"}`, engine.Options{Objects: objs})
	wantSucceeded(t, res, statements)
	// As AWS records it: no iteration events, and a length of 0 (the
	// items are not known when the Map starts).
	want := "ExecutionStarted MapStateEntered MapStateStarted MapRunStarted MapRunSucceeded MapStateSucceeded MapStateExited ExecutionSucceeded"
	if got := types(res); got != want {
		t.Fatalf("events\n got %s\nwant %s", got, want)
	}
	for _, e := range res.Events {
		switch d := e.Details.(type) {
		case *history.MapStateStartedEventDetails:
			if d.Length != 0 {
				t.Errorf("MapStateStarted length %d", d.Length)
			}
		case *history.MapRunStartedEventDetails:
			if !strings.HasPrefix(d.MapRunArn, "arn:aws:states:us-east-1:123456789012:mapRun:sm/M:") {
				t.Errorf("map run ARN %s", d.MapRunArn)
			}
		}
	}
}

func TestDistributedMapReadsCSVWithItemSelector(t *testing.T) {
	objs := objectDir(t, map[string]string{"bkt/orders.csv": "id,qty\no-1,2\no-2,5\n"})
	def := distMap(`"ItemReader":{"Resource":"arn:aws:states:::s3:getObject","ReaderConfig":{"InputType":"CSV","CSVHeaderLocation":"FIRST_ROW"},
		"Parameters":{"Bucket":"bkt","Key":"orders.csv"}},
		"ItemSelector":{"index.$":"$$.Map.Item.Index","id.$":"$$.Map.Item.Value.id","tag.$":"$.tag"}`, "")
	res := runDist(t, def, `{"tag":"t"}`, engine.Options{Objects: objs})
	wantSucceeded(t, res, `[{"index":0,"id":"o-1","tag":"t"},{"index":1,"id":"o-2","tag":"t"}]`)
}

func TestDistributedMapReadsCSVWithGivenHeaders(t *testing.T) {
	objs := objectDir(t, map[string]string{"bkt/rows.csv": "a;1\nb;2\n"})
	def := distMap(`"ItemReader":{"Resource":"arn:aws:states:::s3:getObject","ReaderConfig":{"InputType":"CSV","CSVHeaderLocation":"GIVEN","CSVHeaders":["name"],"CSVDelimiter":"SEMICOLON"},
		"Parameters":{"Bucket":"bkt","Key":"rows.csv"}},"ItemSelector":{"name.$":"$$.Map.Item.Value.name"}`, "")
	res := runDist(t, def, `{}`, engine.Options{Objects: objs})
	wantSucceeded(t, res, `[{"name":"a"},{"name":"b"}]`)
}

func TestDistributedMapReadsJSONLines(t *testing.T) {
	objs := objectDir(t, map[string]string{"bkt/events.jsonl": "{\"e\":1}\n{\"e\":2}\n{\"e\":3}\n"})
	def := distMap(`"ItemReader":{"Resource":"arn:aws:states:::s3:getObject","ReaderConfig":{"InputType":"JSONL","MaxItems":2},
		"Parameters":{"Bucket":"bkt","Key":"events.jsonl"}}`, "")
	res := runDist(t, def, `{}`, engine.Options{Objects: objs})
	wantSucceeded(t, res, `[{"e":1},{"e":2}]`)
}

func TestDistributedMapListsObjects(t *testing.T) {
	objs := objectDir(t, map[string]string{"bkt/logs/a.txt": "hello", "bkt/logs/b.txt": "hi", "bkt/other/c.txt": "x"})
	def := distMap(`"ItemReader":{"Resource":"arn:aws:states:::s3:listObjectsV2","Parameters":{"Bucket":"bkt","Prefix":"logs/"}},
		"ItemSelector":{"key.$":"$$.Map.Item.Value.Key","size.$":"$$.Map.Item.Value.Size"}`, "")
	res := runDist(t, def, `{}`, engine.Options{Objects: objs})
	wantSucceeded(t, res, `[{"key":"logs/a.txt","size":5},{"key":"logs/b.txt","size":2}]`)
}

func TestDistributedMapMaxItemsPath(t *testing.T) {
	objs := objectDir(t, map[string]string{"bkt/f.json": statements})
	def := distMap(`"ItemReader":{"Resource":"arn:aws:states:::s3:getObject","ReaderConfig":{"InputType":"JSON","MaxItemsPath":"$.max"},
		"Parameters":{"Bucket":"bkt","Key":"f.json"}},"ItemSelector":{"n.$":"$$.Map.Item.Value.n"}`, "")
	wantSucceeded(t, runDist(t, def, `{"max":2}`, engine.Options{Objects: objs}), `[{"n":1},{"n":2}]`)
	wantSucceeded(t, runDist(t, def, `{"max":0}`, engine.Options{Objects: objs}), `[{"n":1},{"n":2},{"n":3}]`)

	// AWS: a negative MaxItems fails the map run; a non-integer fails the
	// state before the map run starts.
	res := runDist(t, def, `{"max":-1}`, engine.Options{Objects: objs})
	wantFailed(t, res, fault.ItemReaderFailed, "field MaxItems must be positive")
	if got, want := types(res), "ExecutionStarted MapStateEntered MapStateStarted MapRunStarted MapRunFailed MapStateFailed ExecutionFailed"; got != want {
		t.Fatalf("events %s", got)
	}
	res = runDist(t, def, `{"max":1.5}`, engine.Options{Objects: objs})
	wantFailed(t, res, fault.Runtime, `The MaxItemsPath field refers to value "1.5" which is not a valid integer: $.max`)
	if got, want := types(res), "ExecutionStarted MapStateEntered MapStateStarted ExecutionFailed"; got != want {
		t.Fatalf("events %s", got)
	}
}

func TestDistributedMapBatches(t *testing.T) {
	objs := objectDir(t, map[string]string{"bkt/f.json": `[1,2,3,4,5]`})
	def := distMap(`"ItemReader":{"Resource":"arn:aws:states:::s3:getObject","ReaderConfig":{"InputType":"JSON"},"Parameters":{"Bucket":"bkt","Key":"f.json"}},
		"ItemBatcher":{"MaxItemsPerBatchPath":"$.per","BatchInput":{"run.$":"$.run"}}`, "")
	res := runDist(t, def, `{"per":2,"run":"r1"}`, engine.Options{Objects: objs})
	wantSucceeded(t, res, `[{"BatchInput":{"run":"r1"},"Items":[1,2]},{"BatchInput":{"run":"r1"},"Items":[3,4]},{"BatchInput":{"run":"r1"},"Items":[5]}]`)

	// By size: {"Items":[10,20]} is 17 bytes, {"Items":[10,20,30]} 20.
	byBytes := distMap(`"ItemsPath":"$.items","ItemBatcher":{"MaxInputBytesPerBatch":17}`, "")
	wantSucceeded(t, runDist(t, byBytes, `{"items":[10,20,30,40]}`, engine.Options{}), `[{"Items":[10,20]},{"Items":[30,40]}]`)
}

func TestDistributedMapJSONata(t *testing.T) {
	objs := objectDir(t, map[string]string{"bkt/f.json": statements})
	def := `{"QueryLanguage":"JSONata","StartAt":"M","States":{"M":{"Type":"Map",
		"ItemReader":{"Resource":"arn:aws:states:::s3:getObject","ReaderConfig":{"InputType":"JSON","MaxItems":"{% $states.input.max %}"},
			"Arguments":{"Bucket":"{% $states.input.bucket %}","Key":"f.json"}},
		"ItemSelector":"{% $states.context.Map.Item.Value.n %}",
		"ItemBatcher":{"MaxItemsPerBatch":"{% $states.input.per %}","BatchInput":{"b":"{% $states.input.bucket %}"}},
		"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"EXPRESS"},"StartAt":"P","States":{"P":{"Type":"Pass","Output":"{% $sum($states.input.Items) %}","End":true}}},"End":true}}}`
	res := runDist(t, def, `{"bucket":"bkt","max":3,"per":2}`, engine.Options{Objects: objs})
	wantSucceeded(t, res, `[3,3]`)
}

// failingChildren fails the children whose input's n is odd.
const failingChildren = `"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Variable":"$.odd","BooleanEquals":true,"Next":"F"}],"Default":"P"},
	"F":{"Type":"Fail","Error":"Odd","Cause":"odd item"},"P":{"Type":"Pass","End":true}}`

func TestDistributedMapToleratedFailures(t *testing.T) {
	objs := objectDir(t, map[string]string{"bkt/f.json": `[{"odd":true},{"odd":false},{"odd":true},{"odd":false}]`})
	reader := `"ItemReader":{"Resource":"arn:aws:states:::s3:getObject","ReaderConfig":{"InputType":"JSON"},"Parameters":{"Bucket":"bkt","Key":"f.json"}},"MaxConcurrency":1`

	res := runDist(t, distMap(reader+`,"ToleratedFailureCount":2`, failingChildren), `{}`, engine.Options{Objects: objs})
	wantSucceeded(t, res, `[null,{"odd":false},null,{"odd":false}]`)

	res = runDist(t, distMap(reader+`,"ToleratedFailureCount":1`, failingChildren), `{}`, engine.Options{Objects: objs})
	wantFailed(t, res, fault.ExceedToleratedFailureThreshold, "The specified tolerated failure threshold was exceeded")
	if got, want := types(res), "ExecutionStarted MapStateEntered MapStateStarted MapRunStarted MapRunFailed MapStateFailed ExecutionFailed"; got != want {
		t.Fatalf("events %s", got)
	}

	// 50% of the 4 items is tolerated, 49% is not.
	wantSucceeded(t, runDist(t, distMap(reader+`,"ToleratedFailurePercentage":50`, failingChildren), `{}`, engine.Options{Objects: objs}),
		`[null,{"odd":false},null,{"odd":false}]`)
	wantFailed(t, runDist(t, distMap(reader+`,"ToleratedFailurePercentage":49`, failingChildren), `{}`, engine.Options{Objects: objs}),
		fault.ExceedToleratedFailureThreshold, "")

	// With batches, a failed child fails all of its items: 2 batches of 2,
	// each with an odd item, are 4 failed items.
	batched := distMap(reader+`,"ItemBatcher":{"MaxItemsPerBatch":2},"ToleratedFailureCount":3`,
		`"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Variable":"$.Items[0].odd","BooleanEquals":true,"Next":"F"}],"Default":"P"},
		"F":{"Type":"Fail","Error":"Odd"},"P":{"Type":"Pass","End":true}}`)
	wantFailed(t, runDist(t, batched, `{}`, engine.Options{Objects: objs}), fault.ExceedToleratedFailureThreshold, "")
}

func TestDistributedMapResultWriter(t *testing.T) {
	objs := objectDir(t, map[string]string{"bkt/f.json": `[{"n":1},{"n":2}]`, "out/README": "the bucket of results"})
	def := distMap(`"ItemReader":{"Resource":"arn:aws:states:::s3:getObject","ReaderConfig":{"InputType":"JSON"},"Parameters":{"Bucket":"bkt","Key":"f.json"}},
		"ResultWriter":{"Resource":"arn:aws:states:::s3:putObject","Parameters":{"Bucket":"out","Prefix.$":"$.prefix"}},"Label":"Orders"`,
		`"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"double.$":"States.MathAdd($.n, $.n)"},"End":true}}`)
	res := runDist(t, def, `{"prefix":"runs"}`, engine.Options{Objects: objs})
	if res.Status != engine.StatusSucceeded {
		t.Fatalf("%s %s %s", res.Status, res.Error, res.Cause)
	}
	out := res.Output.(*value.Object)
	arn, _ := out.Get("MapRunArn")
	details, _ := out.Get("ResultWriterDetails")
	id := arn.(string)[strings.LastIndex(arn.(string), ":")+1:]
	if !strings.HasPrefix(arn.(string), "arn:aws:states:us-east-1:123456789012:mapRun:sm/Orders:") ||
		value.EncodeString(details) != `{"Bucket":"out","Key":"runs/`+id+`/manifest.json"}` {
		t.Fatalf("output %s", value.EncodeString(res.Output))
	}
	manifest := readObject(t, objs, "out", "runs/"+id+"/manifest.json")
	if !strings.Contains(manifest, `"MapRunArn":"`+arn.(string)+`"`) || !strings.Contains(manifest, `"DestinationBucket":"out"`) {
		t.Fatalf("manifest %s", manifest)
	}
	succeeded := readObject(t, objs, "out", "runs/"+id+"/SUCCEEDED_0.json")
	for _, want := range []string{`"Output":"{\"double\":2}"`, `"Output":"{\"double\":4}"`, `"Status":"SUCCEEDED"`, `"Input":"{\"n\":1}"`} {
		if !strings.Contains(succeeded, want) {
			t.Fatalf("SUCCEEDED_0.json lacks %s: %s", want, succeeded)
		}
	}
}

func readObject(t *testing.T, objs items.Objects, bucket, key string) string {
	t.Helper()
	rc, err := objs.Open(context.Background(), bucket, key, "")
	if err != nil {
		t.Fatalf("open %s/%s: %v", bucket, key, err)
	}
	defer rc.Close()
	var b strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := rc.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return b.String()
}

func TestDistributedMapCatchesAMissingObject(t *testing.T) {
	objs := objectDir(t, map[string]string{"bkt/other.json": `[]`})
	def := `{"StartAt":"M","States":{"M":{"Type":"Map",
		"ItemReader":{"Resource":"arn:aws:states:::s3:getObject","ReaderConfig":{"InputType":"JSON"},"Parameters":{"Bucket":"bkt","Key":"missing.json"}},
		"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},
		"Catch":[{"ErrorEquals":["States.ItemReaderFailed"],"ResultPath":"$.error","Next":"Caught"}],"End":true},
		"Caught":{"Type":"Pass","End":true}}}`
	res := runDist(t, def, `{}`, engine.Options{Objects: objs})
	if res.Status != engine.StatusSucceeded {
		t.Fatalf("%s %s %s", res.Status, res.Error, res.Cause)
	}
	e, _ := res.Output.(*value.Object).Get("error")
	if name, _ := e.(*value.Object).Get("Error"); name != fault.ItemReaderFailed {
		t.Fatalf("output %s", value.EncodeString(res.Output))
	}
	if got, want := types(res), "ExecutionStarted MapStateEntered MapStateStarted MapRunStarted MapRunFailed MapStateFailed MapStateExited PassStateEntered PassStateExited ExecutionSucceeded"; got != want {
		t.Fatalf("events %s", got)
	}
}

func TestDistributedMapWithoutObjectStore(t *testing.T) {
	def := distMap(`"ItemReader":{"Resource":"arn:aws:states:::s3:getObject","ReaderConfig":{"InputType":"JSON"},"Parameters":{"Bucket":"bkt","Key":"f.json"}}`, "")
	res := runDist(t, def, `{}`, engine.Options{})
	wantFailed(t, res, fault.Runtime, "--s3-root DIR")
	if !strings.Contains(res.Cause, "'ItemReader'") || !strings.Contains(res.Cause, "'M'") {
		t.Fatalf("cause %q", res.Cause)
	}
	// A runtime that cannot read items says why, naming field and state.
	res = runDist(t, def, `{}`, engine.Options{Objects: objectDir(t, nil), NoObjects: "not here"})
	wantFailed(t, res, fault.Runtime, "The field 'ItemReader' of state 'M' cannot run here: not here")

	writer := distMap(`"ResultWriter":{"Resource":"arn:aws:states:::s3:putObject","Parameters":{"Bucket":"out"}}`, "")
	wantFailed(t, runDist(t, writer, `[1]`, engine.Options{}), fault.Runtime, "The field 'ResultWriter' of state 'M' needs an object store")
}

func TestDistributedMapMockedItemReader(t *testing.T) {
	cfg, err := mock.Parse([]byte(`{"StateMachines":{"sm":{"TestCases":{"c":{"M":"Items"}}}},
		"MockedResponses":{"Items":{"0":{"Return":[{"n":1},{"n":2}]}}}}`))
	if err != nil {
		t.Fatal(err)
	}
	tc, err := cfg.TestCase("sm", "c")
	if err != nil {
		t.Fatal(err)
	}
	def := distMap(`"ItemReader":{"Resource":"arn:aws:states:::s3:getObject","ReaderConfig":{"InputType":"CSV"},"Parameters":{"Bucket":"bkt","Key":"f.csv"}}`, "")
	// No object store: the mock gives the items.
	wantSucceeded(t, runDist(t, def, `{}`, engine.Options{Invoker: tc.Invoker(nil)}), `[{"n":1},{"n":2}]`)

	thrown, _ := mock.Parse([]byte(`{"StateMachines":{"sm":{"TestCases":{"c":{"M":"Fails"}}}},
		"MockedResponses":{"Fails":{"0":{"Throw":{"Error":"States.ItemReaderFailed","Cause":"no such key"}}}}}`))
	tc, _ = thrown.TestCase("sm", "c")
	wantFailed(t, runDist(t, def, `{}`, engine.Options{Invoker: tc.Invoker(nil)}), fault.ItemReaderFailed, "no such key")
}

// A Distributed Map over S3 itself: gofakes3 in process, through
// items.NewS3 and aws-sdk-go-v2's S3 client.
func TestDistributedMapOverS3(t *testing.T) {
	srv := httptest.NewServer(gofakes3.New(s3mem.New()).Server())
	defer srv.Close()
	client := s3.NewFromConfig(aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
		BaseEndpoint: aws.String(srv.URL),
	}, func(o *s3.Options) { o.UsePathStyle = true })
	ctx := context.Background()
	for _, b := range []string{"input", "output"} {
		if _, err := client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(b)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("input"), Key: aws.String("orders.csv"),
		Body: strings.NewReader("id,total\no-1,10\no-2,20\no-3,30\n")}); err != nil {
		t.Fatal(err)
	}
	objs := items.NewS3(client)
	def := distMap(`"ItemReader":{"Resource":"arn:aws:states:::s3:getObject","ReaderConfig":{"InputType":"CSV","CSVHeaderLocation":"FIRST_ROW"},"Parameters":{"Bucket":"input","Key":"orders.csv"}},
		"ItemBatcher":{"MaxItemsPerBatch":2},
		"ResultWriter":{"Resource":"arn:aws:states:::s3:putObject","Parameters":{"Bucket":"output","Prefix":"results"}}`,
		`"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"count.$":"States.ArrayLength($.Items)"},"End":true}}`)
	res := runDist(t, def, `{}`, engine.Options{Objects: objs})
	if res.Status != engine.StatusSucceeded {
		t.Fatalf("%s %s %s", res.Status, res.Error, res.Cause)
	}
	details, _ := res.Output.(*value.Object).Get("ResultWriterDetails")
	key, _ := details.(*value.Object).Get("Key")
	manifest := readObject(t, objs, "output", key.(string))
	if !strings.Contains(manifest, `"SUCCEEDED"`) {
		t.Fatalf("manifest %s", manifest)
	}
	dir := strings.TrimSuffix(key.(string), "manifest.json")
	succeeded := readObject(t, objs, "output", dir+"SUCCEEDED_0.json")
	if !strings.Contains(succeeded, `"Output":"{\"count\":2}"`) || !strings.Contains(succeeded, `"Output":"{\"count\":1}"`) {
		t.Fatalf("SUCCEEDED_0.json %s", succeeded)
	}
}

// The Map's children run as the items stream in: when the first child
// runs, the reader has read a small part of the object, not all of it, and
// at most MaxConcurrency children run at a time.
func TestDistributedMapStreamsItems(t *testing.T) {
	var rows strings.Builder
	rows.WriteString("n,pad\n")
	pad := strings.Repeat("x", 100)
	for i := 0; i < 20000; i++ {
		rows.WriteString("1," + pad + "\n")
	}
	size := int64(rows.Len())
	objs := &countingObjects{Objects: objectDir(t, map[string]string{"bkt/f.csv": rows.String()})}
	var firstRead int64 = -1
	inflight, most, calls := 0, 0, 0
	inv := integrations.InvokerFunc(func(ctx context.Context, task *integrations.Task) (any, error) {
		if firstRead < 0 {
			firstRead = objs.read
		}
		calls++
		inflight++
		most = max(most, inflight)
		defer func() { inflight-- }()
		return int64(1), integrations.Sleep(ctx, time.Second)
	})
	def := distMap(`"ItemReader":{"Resource":"arn:aws:states:::s3:getObject","ReaderConfig":{"InputType":"CSV"},"Parameters":{"Bucket":"bkt","Key":"f.csv"}},
		"ItemBatcher":{"MaxItemsPerBatch":50},"MaxConcurrency":3,"ResultSelector":{"n.$":"States.ArrayLength($)"}`,
		`"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:f","End":true}}`)
	res := runDist(t, def, `{}`, engine.Options{Objects: objs, Invoker: inv, PayloadLimit: -1})
	wantSucceeded(t, res, `{"n":400}`)
	if calls != 400 || most != 3 {
		t.Fatalf("%d calls, %d at once; want 400 calls, 3 at once (MaxConcurrency)", calls, most)
	}
	if firstRead <= 0 || firstRead > size/4 {
		t.Fatalf("when the first child ran, %d bytes of %d were read: the items are not streamed", firstRead, size)
	}
}

// countingObjects is an object store that counts the bytes read.
type countingObjects struct {
	items.Objects
	read int64
}

func (c *countingObjects) Open(ctx context.Context, bucket, key, versionID string) (io.ReadCloser, error) {
	rc, err := c.Objects.Open(ctx, bucket, key, versionID)
	if err != nil {
		return nil, err
	}
	return &countingReader{rc, c}, nil
}

type countingReader struct {
	io.ReadCloser
	c *countingObjects
}

func (r *countingReader) Read(p []byte) (int, error) {
	n, err := r.ReadCloser.Read(p)
	r.c.read += int64(n)
	return n, err
}

// A retried Distributed Map runs its input's items again, and the state's
// input is left as it was (ResultPath merges into it).
func TestDistributedMapRetryKeepsTheItems(t *testing.T) {
	calls := 0
	inv := integrations.InvokerFunc(func(ctx context.Context, task *integrations.Task) (any, error) {
		calls++
		if calls == 1 {
			return nil, fault.New("Flaky", "first call fails")
		}
		return task.Input, nil
	})
	def := distMap(`"ItemsPath":"$.items","ItemBatcher":{"MaxItemsPerBatch":2},"ResultPath":"$.done",
		"Retry":[{"ErrorEquals":["States.ExceedToleratedFailureThreshold"],"MaxAttempts":1,"IntervalSeconds":1}]`,
		`"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:f","End":true}}`)
	res := runDist(t, def, `{"items":[1,2,3]}`, engine.Options{Invoker: inv})
	wantSucceeded(t, res, `{"items":[1,2,3],"done":[{"Items":[1,2]},{"Items":[3]}]}`)
	want := "ExecutionStarted MapStateEntered MapStateStarted MapRunStarted MapRunFailed MapStateStarted MapRunStarted MapRunSucceeded MapStateSucceeded MapStateExited ExecutionSucceeded"
	if got := types(res); got != want {
		t.Fatalf("events\n got %s\nwant %s", got, want)
	}
	for _, e := range res.Events {
		if d, ok := e.Details.(*history.MapStateStartedEventDetails); ok && d.Length != 3 {
			t.Errorf("MapStateStarted length %d, want 3", d.Length)
		}
	}
}

// A Distributed Map whose execution stops (here, times out) records its
// map run aborted, then the state.
func TestDistributedMapAborted(t *testing.T) {
	for _, members := range []string{`"ItemsPath":"$.items"`, `"ItemsPath":"$.items","ItemBatcher":{"MaxItemsPerBatch":2}`} {
		def := `{"TimeoutSeconds":10,"StartAt":"M","States":{"M":{"Type":"Map",` + members + `,
			"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":60,"End":true}}},"End":true}}}`
		res := runDist(t, def, `{"items":[1,2,3]}`, engine.Options{})
		want := "ExecutionStarted MapStateEntered MapStateStarted MapRunStarted MapRunAborted MapStateAborted ExecutionTimedOut"
		if got := types(res); res.Status != engine.StatusTimedOut || got != want {
			t.Fatalf("%s: %s\n got %s\nwant %s", members, res.Status, got, want)
		}
	}
}

// As AWS recorded it (LocalStack's test_map_item_reader_base_json_with_items_path):
// with an ItemReader, ItemsPath is not read, whether it names the state
// input, the reader's items or nothing.
func TestDistributedMapItemReaderIgnoresItemsPath(t *testing.T) {
	objs := objectDir(t, map[string]string{"bkt/file.json": `[["from-bucket-item-0"]]`})
	for _, p := range []string{"$.from_previous", "$[0]", "$.no_such_path_in_bucket_result"} {
		def := distMap(`"MaxConcurrency":1,"ItemsPath":"`+p+`","ItemReader":{"Resource":"arn:aws:states:::s3:getObject","Parameters":{"Bucket.$":"$.Bucket","Key.$":"$.Key"},"ReaderConfig":{"InputType":"JSON"}}`, "")
		res := runDist(t, def, `{"Bucket":"bkt","Key":"file.json","from_previous":["from-previous-item-0"]}`, engine.Options{Objects: objs})
		wantSucceeded(t, res, `[["from-bucket-item-0"]]`)
	}
}

// As AWS recorded it (LocalStack's test_map_item_batching_base_json_max_per_batch_jsonata):
// JSONata batcher settings, MaxItems 2, and the batch's BatchInput before
// its Items.
func TestDistributedMapJSONataBatchAsAWS(t *testing.T) {
	objs := objectDir(t, map[string]string{"bkt/file.json": `[{"verdict":"true","statement_date":"6/11/2008","statement_source":"speech"},
		{"verdict":"false","statement_date":"6/7/2022","statement_source":"television"},{"verdict":"mostly-true","statement_date":"5/18/2016","statement_source":"news"}]`})
	def := `{"QueryLanguage":"JSONata","StartAt":"BatchMapState","States":{"BatchMapState":{"Type":"Map",
		"ItemReader":{"ReaderConfig":{"InputType":"JSON","MaxItems":2},"Resource":"arn:aws:states:::s3:getObject","Arguments":{"Bucket":"{% $states.input.Bucket %}","Key":"{% $states.input.Key %}"}},
		"ItemBatcher":{"MaxItemsPerBatch":"{% $states.input.MaxItemsPerBatch %}","MaxInputBytesPerBatch":"{% $states.input.MaxInputBytesPerBatch %}","BatchInput":{"BatchTimestamp":"{% $states.context.State.EnteredTime %}"}},
		"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"ProcessBatch","States":{"ProcessBatch":{"Type":"Pass","End":true}}},"End":true}}}`
	res := runDist(t, def, `{"Bucket":"bkt","Key":"file.json","MaxItemsPerBatch":2,"MaxInputBytesPerBatch":150000}`, engine.Options{Objects: objs})
	wantSucceeded(t, res, `[{"BatchInput":{"BatchTimestamp":"2024-01-01T00:00:00.000Z"},"Items":[{"verdict":"true","statement_date":"6/11/2008","statement_source":"speech"},{"verdict":"false","statement_date":"6/7/2022","statement_source":"television"}]}]`)
}

func TestDistributedMapItemsPointer(t *testing.T) {
	objs := objectDir(t, map[string]string{"bkt/export.json": `{"meta":{"n":2},"data":{"orders":[{"id":"o-1"},{"id":"o-2"}]}}`})
	def := distMap(`"ItemReader":{"Resource":"arn:aws:states:::s3:getObject","ReaderConfig":{"InputType":"JSON","ItemsPointer":"/data/orders"},"Parameters":{"Bucket":"bkt","Key":"export.json"}}`, "")
	wantSucceeded(t, runDist(t, def, `{}`, engine.Options{Objects: objs}), `[{"id":"o-1"},{"id":"o-2"}]`)
}

// TestState of a Distributed Map with a mocked result reads no items: it
// needs no object store.
func TestDistributedMapTestStateMocked(t *testing.T) {
	def := distMap(`"ItemReader":{"Resource":"arn:aws:states:::s3:getObject","ReaderConfig":{"InputType":"JSON"},"Parameters":{"Bucket":"bkt","Key":"f.json"}},"ResultPath":"$.r"`, "")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	res, err := engine.TestState(ctx, mustParse(t, def), "M", mustValue(t, `{}`), engine.TestStateOptions{Mock: &engine.Mock{Result: mustValue(t, `[1,2]`)}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != engine.TestSucceeded || value.EncodeString(res.Output.Value) != `{"r":[1,2]}` {
		t.Fatalf("%+v %s %s", res, res.Error, res.Cause)
	}
}

// Fields the engine would otherwise drop are refused: a path in a JSONata
// state, a setting of the wrong type.
func TestDistributedMapRefusesWhatItCannotRun(t *testing.T) {
	jsonataMap := func(members string) string {
		return `{"QueryLanguage":"JSONata","StartAt":"M","States":{"M":{"Type":"Map",` + members + `,
			"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}}}`
	}
	for _, c := range []struct{ def, cause string }{
		{jsonataMap(`"ItemReader":{"Resource":"arn:aws:states:::s3:getObject","ReaderConfig":{"InputType":"JSON","MaxItemsPath":"$.n"},"Arguments":{"Bucket":"b","Key":"k"}}`), "'ItemReader/ReaderConfig/MaxItemsPath'"},
		{jsonataMap(`"ItemBatcher":{"MaxItemsPerBatchPath":"$.n"}`), "'ItemBatcher/MaxItemsPerBatchPath'"},
		{distMap(`"ItemReader":{"Resource":"arn:aws:states:::s3:getObject","ReaderConfig":{"InputType":"JSON"},"Parameters":{"Bucket":"b","Key":"k"},"Extra":1}`, ""), "'ItemReader/Extra'"},
		{distMap(`"ItemReader":{"Resource":"arn:aws:states:::s3:getObject","ReaderConfig":{"InputType":5},"Parameters":{"Bucket":"b","Key":"k"}}`, ""), "'ItemReader.ReaderConfig.InputType' must be a string"},
		{distMap(`"ItemReader":{"Resource":"arn:aws:states:::dynamodb:scan","Parameters":{"TableName":"t"}}`, ""), "'ItemReader/Resource'"},
		{distMap(`"ResultWriter":{"Resource":"arn:aws:states:::s3:putObject","Parameters":{"Bucket":"b","Tags":"x"}}`, ""), "The ResultWriter's parameter 'Tags' is not one of Bucket, Prefix."},
	} {
		res := runDist(t, c.def, `[1]`, engine.Options{Objects: objectDir(t, nil)})
		wantFailed(t, res, fault.Runtime, c.cause)
	}
}
