package items

import (
	"context"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/stepwise/stepwise/asl/fault"
	"github.com/stepwise/stepwise/asl/value"
)

const testMapRun = "arn:aws:states:us-east-1:123456789012:mapRun:orderProcessing/getOrders:ad9b5f27-090b-3ac6-9beb-243cd77144a7"

func mustJSON(t *testing.T, s string) any {
	t.Helper()
	v, err := value.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func getObject(t *testing.T, objs Objects, bucket, key string) string {
	t.Helper()
	rc, err := objs.Open(context.Background(), bucket, key, "")
	if err != nil {
		t.Fatalf("reading s3://%s/%s: %v", bucket, key, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func childResults(t *testing.T) []ChildResult {
	exec := func(id string) string {
		return "arn:aws:states:us-east-1:123456789012:execution:orderProcessing/getOrders:" + id
	}
	return []ChildResult{
		{ExecutionArn: exec("da4e9fc7"), Name: "da4e9fc7", Status: "SUCCEEDED",
			Input: mustJSON(t, `{"order":1}`), Output: mustJSON(t, `[{"customer_id":"145538","order_id":"100000"},{"customer_id":"898037","order_id":"100001"}]`),
			StartDate: epoch, StopDate: epoch.Add(64 * time.Millisecond)},
		{ExecutionArn: exec("0bad"), Name: "0bad", Status: "FAILED", Input: mustJSON(t, `{"order":2}`),
			Error: "Lambda.Unknown", Cause: "boom", StartDate: epoch, StopDate: epoch.Add(time.Second)},
		{ExecutionArn: exec("f43a56f7"), Name: "f43a56f7", Status: "SUCCEEDED",
			Input: mustJSON(t, `{"order":3}`), Output: mustJSON(t, `[{"customer_id":"169881","order_id":"100005"}]`),
			StartDate: epoch, StopDate: epoch.Add(128 * time.Millisecond)},
		{ExecutionArn: exec("late"), Name: "late", Status: "TIMED_OUT", Input: mustJSON(t, `"x"`), StartDate: epoch, StopDate: epoch.Add(time.Minute)},
		{Status: "PENDING", Input: mustJSON(t, `{"order":5}`)},
	}
}

func TestWriteResults(t *testing.T) {
	for _, st := range stores(t) {
		t.Run(st.name, func(t *testing.T) {
			st.mkBucket(t, "out")
			ctx := context.Background()
			got, err := WriteResults(ctx, st.objs, WriterConfig{Bucket: "out", Prefix: "csvProcessJobs"}, testMapRun, childResults(t))
			if err != nil {
				t.Fatal(err)
			}
			dir := "csvProcessJobs/ad9b5f27-090b-3ac6-9beb-243cd77144a7/"
			// The Map state's output, as recorded (test_map_state_result_writer).
			if want := `{"MapRunArn":"` + testMapRun + `","ResultWriterDetails":{"Bucket":"out","Key":"` + dir + `manifest.json"}}`; value.EncodeString(got) != want {
				t.Errorf("output\n got %s\nwant %s", value.EncodeString(got), want)
			}
			succeeded := getObject(t, st.objs, "out", dir+"SUCCEEDED_0.json")
			failed := getObject(t, st.objs, "out", dir+"FAILED_0.json")
			pending := getObject(t, st.objs, "out", dir+"PENDING_0.json")
			manifest := getObject(t, st.objs, "out", dir+"manifest.json")
			wantManifest := fmt.Sprintf(`{"DestinationBucket":"out","MapRunArn":"%s","ResultFiles":{"FAILED":[{"Key":"%sFAILED_0.json","Size":%d}],"PENDING":[{"Key":"%sPENDING_0.json","Size":%d}],"SUCCEEDED":[{"Key":"%sSUCCEEDED_0.json","Size":%d}]}}`,
				testMapRun, dir, len(failed), dir, len(pending), dir, len(succeeded))
			if manifest != wantManifest {
				t.Errorf("manifest\n got %s\nwant %s", manifest, wantManifest)
			}
			// The developer guide's record of a succeeded child, member for member.
			sm := "arn:aws:states:us-east-1:123456789012:stateMachine:orderProcessing/getOrders"
			wantSucceeded := `[{"ExecutionArn":"arn:aws:states:us-east-1:123456789012:execution:orderProcessing/getOrders:da4e9fc7","Input":"{\"order\":1}","InputDetails":{"Included":true},"Name":"da4e9fc7",` +
				`"Output":"[{\"customer_id\":\"145538\",\"order_id\":\"100000\"},{\"customer_id\":\"898037\",\"order_id\":\"100001\"}]","OutputDetails":{"Included":true},` +
				`"RedriveCount":0,"RedriveStatus":"NOT_REDRIVABLE","RedriveStatusReason":"Execution is SUCCEEDED and cannot be redriven","StartDate":"2025-02-04T01:49:50.099Z","StateMachineArn":"` + sm + `","Status":"SUCCEEDED","StopDate":"2025-02-04T01:49:50.163Z"},` +
				`{"ExecutionArn":"arn:aws:states:us-east-1:123456789012:execution:orderProcessing/getOrders:f43a56f7","Input":"{\"order\":3}","InputDetails":{"Included":true},"Name":"f43a56f7",` +
				`"Output":"[{\"customer_id\":\"169881\",\"order_id\":\"100005\"}]","OutputDetails":{"Included":true},` +
				`"RedriveCount":0,"RedriveStatus":"NOT_REDRIVABLE","RedriveStatusReason":"Execution is SUCCEEDED and cannot be redriven","StartDate":"2025-02-04T01:49:50.099Z","StateMachineArn":"` + sm + `","Status":"SUCCEEDED","StopDate":"2025-02-04T01:49:50.227Z"}]`
			if succeeded != wantSucceeded {
				t.Errorf("SUCCEEDED_0.json\n got %s\nwant %s", succeeded, wantSucceeded)
			}
			wantFailed := `[{"Cause":"boom","Error":"Lambda.Unknown","ExecutionArn":"arn:aws:states:us-east-1:123456789012:execution:orderProcessing/getOrders:0bad","Input":"{\"order\":2}","InputDetails":{"Included":true},"Name":"0bad",` +
				`"RedriveCount":0,"RedriveStatus":"REDRIVABLE_BY_MAP_RUN","StartDate":"2025-02-04T01:49:50.099Z","StateMachineArn":"` + sm + `","Status":"FAILED","StopDate":"2025-02-04T01:49:51.099Z"},` +
				`{"ExecutionArn":"arn:aws:states:us-east-1:123456789012:execution:orderProcessing/getOrders:late","Input":"\"x\"","InputDetails":{"Included":true},"Name":"late",` +
				`"RedriveCount":0,"RedriveStatus":"REDRIVABLE_BY_MAP_RUN","StartDate":"2025-02-04T01:49:50.099Z","StateMachineArn":"` + sm + `","Status":"TIMED_OUT","StopDate":"2025-02-04T01:50:50.099Z"}]`
			if failed != wantFailed {
				t.Errorf("FAILED_0.json\n got %s\nwant %s", failed, wantFailed)
			}
			if want := `[{"Input":"{\"order\":5}","InputDetails":{"Included":true},"Status":"PENDING"}]`; pending != want {
				t.Errorf("PENDING_0.json\n got %s\nwant %s", pending, want)
			}
		})
	}
}

func TestWriteResultsTransformations(t *testing.T) {
	for _, st := range stores(t) {
		t.Run(st.name, func(t *testing.T) {
			st.mkBucket(t, "out")
			ctx := context.Background()
			results := childResults(t)[:3]
			dir := "ad9b5f27-090b-3ac6-9beb-243cd77144a7/" // no prefix
			for _, tc := range []struct {
				cfg  WriterConfig
				want string
			}{
				{WriterConfig{Transformation: "COMPACT"}, `[[{"customer_id":"145538","order_id":"100000"},{"customer_id":"898037","order_id":"100001"}],[{"customer_id":"169881","order_id":"100005"}]]`},
				{WriterConfig{Transformation: "FLATTEN"}, `[{"customer_id":"145538","order_id":"100000"},{"customer_id":"898037","order_id":"100001"},{"customer_id":"169881","order_id":"100005"}]`},
				{WriterConfig{Transformation: "FLATTEN", OutputType: "JSONL"}, "{\"customer_id\":\"145538\",\"order_id\":\"100000\"}\n{\"customer_id\":\"898037\",\"order_id\":\"100001\"}\n{\"customer_id\":\"169881\",\"order_id\":\"100005\"}\n"},
			} {
				tc.cfg.Bucket = "out"
				if _, err := WriteResults(ctx, st.objs, tc.cfg, testMapRun, results); err != nil {
					t.Fatal(err)
				}
				if got := getObject(t, st.objs, "out", dir+"SUCCEEDED_0.json"); got != tc.want {
					t.Errorf("%+v: SUCCEEDED_0.json\n got %s\nwant %s", tc.cfg, got, tc.want)
				}
				// A failed child keeps its whole record whatever the transformation.
				if got := getObject(t, st.objs, "out", dir+"FAILED_0.json"); !strings.Contains(got, `"Error":"Lambda.Unknown"`) || !strings.Contains(got, `"RedriveStatus":"REDRIVABLE_BY_MAP_RUN"`) {
					t.Errorf("%+v: FAILED_0.json %s", tc.cfg, got)
				}
			}
		})
	}
}

// Files are split before they pass MaxFileBytes, each a whole JSON array,
// and the manifest lists them in order.
func TestWriteResultsSplits(t *testing.T) {
	st := stores(t)[0]
	st.mkBucket(t, "out")
	var results []ChildResult
	for i := range 25 {
		results = append(results, ChildResult{ExecutionArn: fmt.Sprint("e", i), Name: fmt.Sprint(i), Status: "SUCCEEDED",
			Input: int64(i), Output: strings.Repeat("x", 100), StartDate: epoch, StopDate: epoch})
	}
	_, err := WriteResults(context.Background(), st.objs, WriterConfig{Bucket: "out", Prefix: "p/", MaxFileBytes: 2000}, testMapRun, results)
	if err != nil {
		t.Fatal(err)
	}
	dir := "p/ad9b5f27-090b-3ac6-9beb-243cd77144a7/"
	manifest := mustJSON(t, getObject(t, st.objs, "out", dir+"manifest.json")).(*value.Object)
	files, _ := manifest.Get("ResultFiles")
	list, _ := files.(*value.Object).Get("SUCCEEDED")
	entries := list.([]any)
	if len(entries) < 3 {
		t.Fatalf("%d files for 25 records of ~450 bytes at 2000 bytes a file", len(entries))
	}
	seen := 0
	for n, e := range entries {
		key, _ := e.(*value.Object).Get("Key")
		size, _ := e.(*value.Object).Get("Size")
		if key != fmt.Sprintf("%sSUCCEEDED_%d.json", dir, n) {
			t.Errorf("file %d is %v", n, key)
		}
		body := getObject(t, st.objs, "out", key.(string))
		if int64(len(body)) != size || len(body) > 2000 {
			t.Errorf("%v: %d bytes, manifest says %v, limit 2000", key, len(body), size)
		}
		arr := mustJSON(t, body).([]any)
		for _, rec := range arr {
			if name, _ := rec.(*value.Object).Get("Name"); name != fmt.Sprint(seen) {
				t.Errorf("record %v where %d was expected", name, seen)
			}
			seen++
		}
	}
	if seen != 25 {
		t.Errorf("%d records written, want 25", seen)
	}
}

func TestWriteResultsFailures(t *testing.T) {
	for _, st := range stores(t) {
		t.Run(st.name, func(t *testing.T) {
			ctx := context.Background()
			_, err := WriteResults(ctx, st.objs, WriterConfig{Bucket: "nobucket", Prefix: "p"}, testMapRun, childResults(t))
			wantFault(t, err, fault.ResultWriterFailed, "The specified bucket does not exist (Service: S3, Status Code: 404...")
			_, err = WriteResults(ctx, st.objs, WriterConfig{Bucket: "nobucket", OutputType: "CSV"}, testMapRun, nil)
			wantFault(t, err, fault.ResultWriterFailed, `unknown WriterConfig.OutputType "CSV": expected JSON or JSONL`)
			_, err = WriteResults(ctx, st.objs, WriterConfig{Bucket: "b"}, testMapRun, []ChildResult{{Status: "RUNNING"}})
			wantFault(t, err, fault.ResultWriterFailed, `child execution "" has status "RUNNING"...`)
		})
	}
	// With no results at all, the manifest alone, with empty lists.
	st := stores(t)[0]
	st.mkBucket(t, "out")
	if _, err := WriteResults(context.Background(), st.objs, WriterConfig{Bucket: "out", Prefix: "mapJobs"}, testMapRun, nil); err != nil {
		t.Fatal(err)
	}
	got := getObject(t, st.objs, "out", "mapJobs/ad9b5f27-090b-3ac6-9beb-243cd77144a7/manifest.json")
	if want := `{"DestinationBucket":"out","MapRunArn":"` + testMapRun + `","ResultFiles":{"FAILED":[],"PENDING":[],"SUCCEEDED":[]}}`; got != want {
		t.Errorf("manifest %s", got)
	}
}
