package items

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/stepwise/stepwise/asl/fault"
)

// An item over 8 MB fails the reader, in every format, before the reader
// holds much more than that.
func TestItemTooLarge(t *testing.T) {
	big := strings.Repeat("x", MaxItemBytes+10)
	for _, tc := range []struct {
		format, body string
	}{
		{"JSON", `[1,"` + big + `",2]`},
		{"JSONL", "1\n\"" + big + "\"\n2\n"},
		{"CSV", "a\n1\n" + big + "\n2\n"},
	} {
		t.Run(tc.format, func(t *testing.T) {
			got, err := readAll(t, memObject(tc.body), ReaderConfig{Resource: ResourceGetObject, Bucket: "b", Key: "k", InputType: tc.format})
			wantFault(t, err, fault.ItemReaderFailed, "an item of ...")
			if !strings.HasSuffix(err.(*fault.Error).Cause, "bytes is larger than the 8 MB Step Functions reads") {
				t.Errorf("cause %q", err.(*fault.Error).Cause)
			}
			// The items before it were read.
			if want := map[string]string{"JSON": `[1]`, "JSONL": `[1]`, "CSV": `[{"a":"1"}]`}[tc.format]; got != want {
				t.Errorf("items before the error %s, want %s", got, want)
			}
		})
	}
	// Just under the limit is fine.
	ok := strings.Repeat("y", MaxItemBytes-100)
	got, err := readAll(t, memObject(`["`+ok+`"]`), ReaderConfig{Resource: ResourceGetObject, Bucket: "b", Key: "k", InputType: "JSON"})
	if err != nil || len(got) != len(ok)+4 {
		t.Errorf("an item of 8 MB less 100 bytes: %d bytes, %v", len(got), err)
	}
}

// A cancelled context stops a reader with the context's error, which is not
// a failure of the reader a Catch could take.
func TestReaderCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	r, err := NewReader(ctx, memObject("[1,2,3]"), ReaderConfig{Resource: ResourceGetObject, Bucket: "b", Key: "k", InputType: "JSON"})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if v, err := r.Next(ctx); err != nil || v != int64(1) {
		t.Fatalf("first item %v, %v", v, err)
	}
	cancel()
	_, err = r.Next(ctx)
	var fe *fault.Error
	if !errors.Is(err, context.Canceled) || errors.As(err, &fe) {
		t.Fatalf("after cancel: %v", err)
	}
	// The listing too.
	st := stores(t)[0]
	st.mkBucket(t, "b")
	st.putObject(t, "b", "k", nil)
	l, err := NewReader(ctx, st.objs, ReaderConfig{Resource: ResourceListObjectsV2, Bucket: "b"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Next(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("listing after cancel: %v", err)
	}
}

// failingList is an Objects whose listings fail after a first page.
type failingList struct{ memObject }

func (failingList) List(ctx context.Context, bucket, prefix, token string) (ListPage, error) {
	if token == "" {
		return ListPage{Objects: []ObjectInfo{{Key: "a", ETag: `"x"`}}, NextContinuationToken: "next"}, nil
	}
	return ListPage{}, &S3Error{Code: "AccessDenied", Message: "Access Denied", StatusCode: 403, RequestID: "R1"}
}

// A listing that fails on its second page yields the first page's items,
// then fails, and stays failed.
func TestListingFailureSticks(t *testing.T) {
	ctx := context.Background()
	r, err := NewReader(ctx, failingList{}, ReaderConfig{Resource: ResourceListObjectsV2, Bucket: "b"})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, err := r.Next(ctx); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		_, err := r.Next(ctx)
		wantFault(t, err, fault.ItemReaderFailed, "Access Denied (Service: S3, Status Code: 403, Request ID: R1)")
	}
}
