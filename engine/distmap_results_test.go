package engine_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/stepwise/stepwise/asl"
	"github.com/stepwise/stepwise/asl/fault"
	"github.com/stepwise/stepwise/asl/value"
	"github.com/stepwise/stepwise/engine"
	"github.com/stepwise/stepwise/engine/runtime/local"
	"github.com/stepwise/stepwise/integrations/items"
)

// fakeS3Objects serves S3 with gofakes3 in process, with the buckets
// made, and returns it as items.Objects.
func fakeS3Objects(t *testing.T, buckets ...string) items.Objects {
	t.Helper()
	srv := httptest.NewServer(gofakes3.New(s3mem.New()).Server())
	t.Cleanup(srv.Close)
	client := s3.NewFromConfig(aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
		BaseEndpoint: aws.String(srv.URL),
	}, func(o *s3.Options) { o.UsePathStyle = true })
	for _, b := range buckets {
		if _, err := client.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String(b)}); err != nil {
			t.Fatal(err)
		}
	}
	return items.NewS3(client)
}

// resultStores returns the two object stores, each with an empty bucket
// "out".
func resultStores(t *testing.T) map[string]items.Objects {
	return map[string]items.Objects{
		"dir": objectDir(t, map[string]string{"out/README": "the bucket of results"}),
		"s3":  fakeS3Objects(t, "out"),
	}
}

// resultFiles returns the records of a result file, as JSON texts, by
// the manifest's key for its category (none when the manifest lists no
// file of it).
func resultFiles(t *testing.T, objs items.Objects, manifestKey string) map[string][]string {
	t.Helper()
	manifest, err := value.DecodeString(readObject(t, objs, "out", manifestKey))
	if err != nil {
		t.Fatalf("manifest: %v", err)
	}
	files, _ := manifest.(*value.Object).Get("ResultFiles")
	got := map[string][]string{}
	fo := files.(*value.Object)
	for i := 0; i < fo.Len(); i++ {
		cat, list := fo.At(i)
		for _, e := range list.([]any) {
			key, _ := e.(*value.Object).Get("Key")
			arr, err := value.DecodeString(readObject(t, objs, "out", key.(string)))
			if err != nil {
				t.Fatalf("%s: %v", key, err)
			}
			for _, rec := range arr.([]any) {
				got[cat] = append(got[cat], value.EncodeString(rec))
			}
		}
	}
	return got
}

// field returns a member of a record's JSON text.
func field(t *testing.T, rec, name string) string {
	t.Helper()
	v, err := value.DecodeString(rec)
	if err != nil {
		t.Fatal(err)
	}
	m, _ := v.(*value.Object).Get(name)
	s, _ := m.(string)
	return s
}

// A map run that fails past its tolerated failures still writes its
// results, as AWS does: the children that succeeded, those that failed
// (with their error and cause), and as PENDING the items it did not
// start, in the items' order; then the Map fails as before.
func TestDistributedMapResultWriterOnFailure(t *testing.T) {
	for name, objs := range resultStores(t) {
		t.Run(name, func(t *testing.T) {
			def := distMap(`"ItemsPath":"$.items","MaxConcurrency":1,"ToleratedFailureCount":1,
				"ResultWriter":{"Resource":"arn:aws:states:::s3:putObject","Parameters":{"Bucket":"out","Prefix":"runs"}}`, failingChildren)
			// The second failure (item 3) exceeds the tolerance: items 4 and 5 are not started.
			res := runDist(t, def, `{"items":[{"odd":false},{"odd":true},{"odd":false},{"odd":true},{"odd":false},{"odd":true}]}`, engine.Options{Objects: objs})
			wantFailed(t, res, fault.ExceedToleratedFailureThreshold, "The specified tolerated failure threshold was exceeded")
			key := manifestKey(t, objs, "runs/")
			got := resultFiles(t, objs, key)
			if len(got["SUCCEEDED"]) != 2 || len(got["FAILED"]) != 2 || len(got["PENDING"]) != 2 {
				t.Fatalf("results %v", got)
			}
			for i, rec := range got["FAILED"] {
				if field(t, rec, "Error") != "Odd" || field(t, rec, "Status") != "FAILED" || field(t, rec, "Input") != `{"odd":true}` ||
					!strings.HasPrefix(field(t, rec, "ExecutionArn"), "arn:aws:states:us-east-1:123456789012:execution:sm/M:") {
					t.Errorf("failed child %d: %s", i, rec)
				}
			}
			if want := `{"Input":"{\"odd\":false}","InputDetails":{"Included":true},"Status":"PENDING"}`; got["PENDING"][0] != want ||
				field(t, got["PENDING"][1], "Input") != `{"odd":true}` {
				t.Errorf("pending %v", got["PENDING"])
			}
			if field(t, got["SUCCEEDED"][0], "Output") != `{"odd":false}` {
				t.Errorf("succeeded %v", got["SUCCEEDED"])
			}
		})
	}
}

// With batches, a pending child is a batch of the items not started.
func TestDistributedMapResultWriterPendingBatches(t *testing.T) {
	objs := objectDir(t, map[string]string{"out/README": "", "bkt/f.json": `[1,2,3,4,5,6,7]`})
	def := distMap(`"ItemReader":{"Resource":"arn:aws:states:::s3:getObject","ReaderConfig":{"InputType":"JSON"},"Parameters":{"Bucket":"bkt","Key":"f.json"}},
		"ItemBatcher":{"MaxItemsPerBatch":2},"MaxConcurrency":1,
		"ResultWriter":{"Resource":"arn:aws:states:::s3:putObject","Parameters":{"Bucket":"out"}}`,
		`"StartAt":"F","States":{"F":{"Type":"Fail","Error":"Always"}}`)
	res := runDist(t, def, `{}`, engine.Options{Objects: objs})
	wantFailed(t, res, fault.ExceedToleratedFailureThreshold, "")
	got := resultFiles(t, objs, manifestKey(t, objs, ""))
	var pending []string
	for _, rec := range got["PENDING"] {
		pending = append(pending, field(t, rec, "Input"))
	}
	if len(got["FAILED"]) != 1 || strings.Join(pending, " ") != `{"Items":[3,4]} {"Items":[5,6]} {"Items":[7]}` {
		t.Fatalf("failed %v, pending %v", got["FAILED"], pending)
	}
}

// A ResultWriter that cannot write fails the Map with
// States.ResultWriterFailed, whether the run succeeded or failed.
func TestDistributedMapResultWriterFails(t *testing.T) {
	objs := objectDir(t, map[string]string{"bkt/README": ""}) // no bucket "out"
	for _, tolerated := range []string{"1", "0"} {
		def := distMap(`"ItemsPath":"$.items","MaxConcurrency":1,"ToleratedFailureCount":`+tolerated+`,
			"ResultWriter":{"Resource":"arn:aws:states:::s3:putObject","Parameters":{"Bucket":"out"}}`, failingChildren)
		res := runDist(t, def, `{"items":[{"odd":false},{"odd":true}]}`, engine.Options{Objects: objs})
		wantFailed(t, res, fault.ResultWriterFailed, "")
	}
}

// manifestKey finds the key of the one manifest.json under prefix in the
// bucket "out".
func manifestKey(t *testing.T, objs items.Objects, prefix string) string {
	t.Helper()
	page, err := objs.List(context.Background(), "out", prefix, "")
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, o := range page.Objects {
		if strings.HasSuffix(o.Key, "/manifest.json") {
			keys = append(keys, o.Key)
		}
	}
	if len(keys) != 1 {
		t.Fatalf("manifests %v in %v", keys, page.Objects)
	}
	return keys[0]
}

// peakHeap runs a Distributed Map of n items, each child's output a
// 100-byte string, with a ResultWriter over a directory, and returns the
// most heap in use sampled while it ran, above the heap before. It fails
// the test when the run leaves temporary files.
func peakHeap(t testing.TB, n int) uint64 {
	root, tmp := t.TempDir(), t.TempDir()
	t.Setenv("TMPDIR", tmp)
	if err := os.MkdirAll(root+"/out", 0o755); err != nil {
		t.Fatal(err)
	}
	var body strings.Builder
	body.WriteString("id\n")
	for i := range n {
		fmt.Fprintf(&body, "item-%d\n", i)
	}
	if err := os.MkdirAll(root+"/in", 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(root+"/in/items.csv", []byte(body.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	body.Reset()
	def := `{"StartAt":"M","States":{"M":{"Type":"Map","MaxConcurrency":50,
		"ItemReader":{"Resource":"arn:aws:states:::s3:getObject","ReaderConfig":{"InputType":"CSV","CSVHeaderLocation":"FIRST_ROW"},"Parameters":{"Bucket":"in","Key":"items.csv"}},
		"ResultWriter":{"Resource":"arn:aws:states:::s3:putObject","Parameters":{"Bucket":"out"}},
		"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"EXPRESS"},"StartAt":"P","States":{"P":{"Type":"Pass",
		"Parameters":{"id.$":"$.id","pad":"` + strings.Repeat("x", 100) + `"},"End":true}}},"End":true}}}`
	sm, err := asl.Parse([]byte(def))
	if err != nil {
		t.Fatal(err)
	}
	prog, err := engine.Compile(sm)
	if err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapInuse
	var peak uint64
	done := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		var m runtime.MemStats
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				runtime.ReadMemStats(&m)
				peak = max(peak, m.HeapInuse)
			}
		}
	}()
	res, err := prog.Run(context.Background(), value.NewObject(0), engine.Options{
		Runtime: local.New(local.Options{}), Objects: items.Dir{Root: root}, DiscardEvents: true})
	close(done)
	<-sampled
	if err != nil || res.Status != engine.StatusSucceeded {
		t.Fatalf("run: %v %+v", err, res)
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Fatalf("temporary files left: %v", left)
	}
	if peak < base {
		return 0
	}
	return peak - base
}

// With a ResultWriter, the heap a run needs does not grow with its
// items: 200,000 items take about what 20,000 do (their results are
// spooled to disk as the children end), where holding each child's input
// and output would take ten times as much.
func TestDistributedMapResultWriterHeapIsFlat(t *testing.T) {
	if testing.Short() {
		t.Skip("runs 220,000 children")
	}
	small := peakHeap(t, 20000)
	large := peakHeap(t, 200000)
	t.Logf("peak heap above the start: %d KiB for 20,000 items, %d KiB for 200,000", small>>10, large>>10)
	// 200,000 results of ~400 bytes held in memory would be 80 MB.
	if large > 3*small+16<<20 {
		t.Fatalf("the heap grew with the items: %d KiB for 20,000, %d KiB for 200,000", small>>10, large>>10)
	}
}

// BenchmarkDistributedResultWriter runs 200,000 children with a
// ResultWriter and reports the peak heap above the start
// (peak-heap-KiB).
func BenchmarkDistributedResultWriter(b *testing.B) {
	var peak uint64
	for range b.N {
		peak = max(peak, peakHeap(b, 200000))
	}
	b.ReportMetric(float64(peak>>10), "peak-heap-KiB")
}
