package items

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stepwise/stepwise/asl/value"
)

// spoolResults returns n children's results: most succeeded (their output
// an array of i%3 items, for FLATTEN), every seventh failed, every
// eleventh pending.
func spoolResults(n int) []ChildResult {
	results := make([]ChildResult, n)
	for i := range results {
		r := ChildResult{ExecutionArn: fmt.Sprint("arn:e:", i), Name: fmt.Sprint(i), Status: "SUCCEEDED",
			Input: int64(i), StartDate: epoch, StopDate: epoch.Add(time.Duration(i) * time.Millisecond)}
		out := []any{}
		for j := range i % 3 {
			out = append(out, fmt.Sprint(i, ".", j))
		}
		r.Output = out
		switch {
		case i%11 == 0:
			r = ChildResult{Status: "PENDING", Input: int64(i)}
		case i%7 == 0:
			r.Status, r.Output, r.Error, r.Cause = "FAILED", nil, "E", fmt.Sprint("cause ", i)
		}
		results[i] = r
	}
	return results
}

// readResults returns the bodies of a map run's result files by key, and
// its manifest's text.
func readResults(t *testing.T, st store, prefix string) (map[string]string, string) {
	t.Helper()
	dir := prefix + "ad9b5f27-090b-3ac6-9beb-243cd77144a7/"
	manifest := getObject(t, st.objs, "out", dir+"manifest.json")
	bodies := map[string]string{}
	files, _ := mustJSON(t, manifest).(*value.Object).Get("ResultFiles")
	for i := 0; i < files.(*value.Object).Len(); i++ {
		_, list := files.(*value.Object).At(i)
		for _, e := range list.([]any) {
			key, _ := e.(*value.Object).Get("Key")
			bodies[key.(string)] = getObject(t, st.objs, "out", key.(string))
		}
	}
	return bodies, manifest
}

// Children added to a spool in any order, as they end, come out in the
// order of their indexes, as WriteResults writes them from a slice: the
// on-disk sort (here with tiny runs and several merge passes) keeps the
// files byte for byte the same, for each transformation and output type,
// over a directory and S3. The spool's temporary files are gone after.
func TestResultSpoolOrdersChildren(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	results := spoolResults(600)
	order := rand.New(rand.NewPCG(1, 2)).Perm(len(results))
	for _, st := range stores(t) {
		st.mkBucket(t, "out")
		for _, cfg := range []WriterConfig{
			{Bucket: "out", Prefix: "none/", MaxFileBytes: 4000},
			{Bucket: "out", Prefix: "flat/", Transformation: "FLATTEN", OutputType: "JSONL", MaxFileBytes: 1000},
			{Bucket: "out", Prefix: "compact/", Transformation: "COMPACT"},
		} {
			t.Run(st.name+"/"+cfg.Prefix, func(t *testing.T) {
				ctx := context.Background()
				if _, err := WriteResults(ctx, st.objs, cfg, testMapRun, results); err != nil {
					t.Fatal(err)
				}
				want, wantManifest := readResults(t, st, cfg.Prefix)

				s, err := NewResultSpool(cfg, testMapRun)
				if err != nil {
					t.Fatal(err)
				}
				s.sortChunk, s.sortFanIn = 2000, 3
				for _, i := range order {
					if err := s.Add(i, results[i]); err != nil {
						t.Fatal(err)
					}
				}
				if _, err := WriteSpooled(ctx, st.objs, s); err != nil {
					t.Fatal(err)
				}
				if err := s.Close(); err != nil {
					t.Fatal(err)
				}
				got, gotManifest := readResults(t, st, cfg.Prefix)
				if gotManifest != wantManifest || len(got) != len(want) || len(want) < 2 {
					t.Fatalf("manifest\n got %s\nwant %s", gotManifest, wantManifest)
				}
				for key, body := range want {
					if got[key] != body {
						t.Errorf("%s differs:\n got %.300s\nwant %.300s", key, got[key], body)
					}
				}
				if left, _ := os.ReadDir(tmp); len(left) != 0 {
					t.Errorf("temporary files left: %v", left)
				}
			})
		}
	}
	// The records really are in the children's order.
	st := stores(t)[0]
	st.mkBucket(t, "out")
	if _, err := WriteResults(context.Background(), st.objs, WriterConfig{Bucket: "out", Prefix: "check/"}, testMapRun, results); err != nil {
		t.Fatal(err)
	}
	bodies, _ := readResults(t, st, "check/")
	var names []string
	for _, rec := range mustJSON(t, bodies["check/ad9b5f27-090b-3ac6-9beb-243cd77144a7/FAILED_0.json"]).([]any) {
		name, _ := rec.(*value.Object).Get("Name")
		names = append(names, name.(string))
	}
	if got := strings.Join(names[:4], " "); got != "7 14 21 28" {
		t.Errorf("FAILED_0.json begins with %s", got)
	}
}
