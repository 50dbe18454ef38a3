package items

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"io"
	"math"
	"testing"
	"time"

	"github.com/stepwise/stepwise/asl/fault"
	"github.com/stepwise/stepwise/asl/value"
)

func TestListObjectsV2(t *testing.T) {
	files := map[string]string{
		"a.txt":      "0HelloWorld!",
		"a/b":        "b",
		"a/c/d.json": `[1]`,
		"a-z":        "",
		"b":          "bb",
		"é":          "accent",
	}
	for _, st := range stores(t) {
		t.Run(st.name, func(t *testing.T) {
			st.mkBucket(t, "data")
			st.mkBucket(t, "empty")
			for k, v := range files {
				st.putObject(t, "data", k, []byte(v))
			}
			list := func(t *testing.T, cfg ReaderConfig) []*value.Object {
				t.Helper()
				cfg.Resource = ResourceListObjectsV2
				if cfg.Bucket == "" {
					cfg.Bucket = "data"
				}
				got, err := readAll(t, st.objs, cfg)
				if err != nil {
					t.Fatal(err)
				}
				v, _ := value.DecodeString(got)
				var out []*value.Object
				for _, it := range v.([]any) {
					out = append(out, it.(*value.Object))
				}
				return out
			}
			keys := func(items []*value.Object) string {
				var ks []any
				for _, it := range items {
					k, _ := it.Get("Key")
					ks = append(ks, k)
				}
				return value.EncodeString(ks)
			}
			all := list(t, ReaderConfig{})
			// S3's order: by UTF-8 bytes ('-' < '.' < '/').
			if got, want := keys(all), `["a-z","a.txt","a/b","a/c/d.json","b","é"]`; got != want {
				t.Errorf("keys %s, want %s", got, want)
			}
			// Each item: Etag (quoted MD5), Key, LastModified (seconds, a
			// double), Size, StorageClass, in that order.
			it := all[1]
			if got := fmt.Sprint(it.Keys()); got != "[Etag Key LastModified Size StorageClass]" {
				t.Errorf("members %s", got)
			}
			sum := md5.Sum([]byte("0HelloWorld!"))
			if etag, _ := it.Get("Etag"); etag != `"`+hex.EncodeToString(sum[:])+`"` {
				t.Errorf("Etag %v", etag)
			}
			if size, _ := it.Get("Size"); size != int64(12) {
				t.Errorf("Size %#v", size)
			}
			if sc, _ := it.Get("StorageClass"); sc != "STANDARD" {
				t.Errorf("StorageClass %v", sc)
			}
			lm, _ := it.Get("LastModified")
			f, ok := lm.(float64)
			if !ok || f != math.Trunc(f) || math.Abs(f-float64(time.Now().Unix())) > 120 {
				t.Errorf("LastModified %#v, want the seconds of now as a double", lm)
			}
			if got, want := keys(list(t, ReaderConfig{Prefix: "a/"})), `["a/b","a/c/d.json"]`; got != want {
				t.Errorf("prefix a/: %s, want %s", got, want)
			}
			if got, want := keys(list(t, ReaderConfig{Prefix: "a"})), `["a-z","a.txt","a/b","a/c/d.json"]`; got != want {
				t.Errorf("prefix a: %s, want %s", got, want)
			}
			if got, want := keys(list(t, ReaderConfig{Prefix: "a/c/d"})), `["a/c/d.json"]`; got != want {
				t.Errorf("prefix a/c/d: %s, want %s", got, want)
			}
			if got := keys(list(t, ReaderConfig{Prefix: "zz/"})); got != `[]` {
				t.Errorf("prefix zz/: %s", got)
			}
			if got := keys(list(t, ReaderConfig{Bucket: "empty"})); got != `[]` {
				t.Errorf("empty bucket: %s", got)
			}
			if got, want := keys(list(t, ReaderConfig{Raw: map[string]any{"StartAfter": "a/b"}})), `["a/c/d.json","b","é"]`; got != want {
				t.Errorf("StartAfter a/b: %s, want %s", got, want)
			}
			if got, want := keys(list(t, ReaderConfig{MaxItems: 2})), `["a-z","a.txt"]`; got != want {
				t.Errorf("MaxItems 2: %s, want %s", got, want)
			}
			_, err := readAll(t, st.objs, ReaderConfig{Resource: ResourceListObjectsV2, Bucket: "nobucket"})
			wantFault(t, err, fault.ItemReaderFailed, "The specified bucket does not exist (Service: S3, Status Code: 404...")

			// LOAD_AND_FLATTEN: the items of each listed object.
			flat, err := readAll(t, st.objs, ReaderConfig{Resource: ResourceListObjectsV2, Bucket: "data", Prefix: "a/c/", InputType: "JSON", Transformation: "LOAD_AND_FLATTEN"})
			if err != nil || flat != `[1]` {
				t.Errorf("LOAD_AND_FLATTEN = %s, %v", flat, err)
			}
			_, err = readAll(t, st.objs, ReaderConfig{Resource: ResourceListObjectsV2, Bucket: "data", Prefix: "a/", InputType: "JSON", Transformation: "LOAD_AND_FLATTEN"})
			wantFault(t, err, fault.ItemReaderFailed, "invalid JSON...") // a/b is not JSON
		})
	}
}

// A listing longer than a page goes on through the continuation tokens.
func TestListObjectsV2Pages(t *testing.T) {
	const n = 2345
	for _, st := range stores(t) {
		t.Run(st.name, func(t *testing.T) {
			st.mkBucket(t, "many")
			for i := range n {
				st.putObject(t, "many", fmt.Sprintf("k/%05d", i), nil)
			}
			page, err := st.objs.List(context.Background(), "many", "k/", "")
			if err != nil || len(page.Objects) != 1000 || page.NextContinuationToken == "" {
				t.Fatalf("first page: %d objects, token %q, %v", len(page.Objects), page.NextContinuationToken, err)
			}
			r, err := NewReader(context.Background(), st.objs, ReaderConfig{Resource: ResourceListObjectsV2, Bucket: "many", Prefix: "k/"})
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			for i := 0; ; i++ {
				v, err := r.Next(context.Background())
				if err == io.EOF {
					if i != n {
						t.Fatalf("%d items, want %d", i, n)
					}
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				if k, _ := v.(*value.Object).Get("Key"); k != fmt.Sprintf("k/%05d", i) {
					t.Fatalf("item %d is %v", i, k)
				}
			}
		})
	}
}
