package items

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/stepwise/stepwise/asl/value"
)

// generated is an Objects whose one object is made on the fly as it is
// read: rows of a CSV, JSON array or JSON Lines data set that never exist
// whole in memory.
type generated struct {
	format string // CSV, JSON or JSONL
	rows   int
}

func (g generated) Open(ctx context.Context, bucket, key, versionID string) (io.ReadCloser, error) {
	return io.NopCloser(&rowStream{g: g}), nil
}

func (g generated) List(ctx context.Context, bucket, prefix, token string) (ListPage, error) {
	return ListPage{}, nil
}

func (g generated) Put(ctx context.Context, bucket, key string, body []byte) error { return nil }

// filler makes rows some 200 bytes long.
var filler = strings.Repeat("abcdefghij", 16)

type rowStream struct {
	g    generated
	i    int // rows made
	buf  []byte
	done bool
}

func (s *rowStream) Read(p []byte) (int, error) {
	for len(s.buf) == 0 {
		if s.done {
			return 0, io.EOF
		}
		s.buf = s.row(s.buf[:0])
	}
	n := copy(p, s.buf)
	s.buf = s.buf[n:]
	return n, nil
}

// row appends the next piece of the object.
func (s *rowStream) row(b []byte) []byte {
	i := s.i
	s.i++
	switch s.g.format {
	case "CSV":
		if i == 0 {
			return append(b, "id,name,payload\n"...)
		}
		if i > s.g.rows {
			s.done = true
			return b
		}
		// (appended piece by piece: the generator's cost stays small
		// beside the reader's, which the benchmark measures)
		b = strconv.AppendInt(b, int64(i), 10)
		b = append(b, `,"row, `...)
		b = strconv.AppendInt(b, int64(i), 10)
		b = append(b, `",`...)
		b = append(b, filler...)
		return append(b, '\n')
	case "JSON":
		switch {
		case i == 0:
			return append(b, '[')
		case i > s.g.rows:
			s.done = true
			return append(b, ']')
		case i > 1:
			b = append(b, ',')
		}
		return jsonRow(b, i)
	default: // JSONL
		if i >= s.g.rows {
			s.done = true
			return b
		}
		return append(jsonRow(b, i+1), '\n')
	}
}

// jsonRow appends the object of row i.
func jsonRow(b []byte, i int) []byte {
	b = append(b, `{"id":`...)
	b = strconv.AppendInt(b, int64(i), 10)
	b = append(b, `,"name":"row `...)
	b = strconv.AppendInt(b, int64(i), 10)
	b = append(b, `","payload":"`...)
	b = append(b, filler...)
	return append(b, `"}`...)
}

// Reading 200,000 rows (some 40 MB) keeps the live heap within a few
// hundred KB: the reader holds one record at a time, never the object.
func TestReadersStream(t *testing.T) {
	if testing.Short() {
		t.Skip("reads 3 × 40 MB")
	}
	const rows = 200_000
	for _, format := range []string{"CSV", "JSON", "JSONL"} {
		t.Run(format, func(t *testing.T) {
			ctx := context.Background()
			r, err := NewReader(ctx, generated{format: format, rows: rows}, ReaderConfig{Resource: ResourceGetObject, Bucket: "b", Key: "k", InputType: format})
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			var ms runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&ms)
			base := ms.HeapAlloc
			var peak uint64
			n := 0
			for {
				v, err := r.Next(ctx)
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				n++
				o := v.(*value.Object)
				id, _ := o.Get("id")
				if want := any(int64(n)); format == "CSV" {
					want = fmt.Sprint(n)
					if id != want {
						t.Fatalf("item %d has id %#v", n, id)
					}
				} else if id != want {
					t.Fatalf("item %d has id %#v", n, id)
				}
				if n%40_000 == 0 {
					// What the reader keeps alive (after a collection): a
					// reader holding the object, or its items, would show.
					runtime.GC()
					runtime.ReadMemStats(&ms)
					peak = max(peak, ms.HeapAlloc)
				}
			}
			if n != rows {
				t.Fatalf("%d items, want %d", n, rows)
			}
			growth := int64(peak) - int64(base)
			t.Logf("%s: %d items, live heap grew by at most %d KiB while reading some %d MB", format, n, growth>>10, rows*200>>20)
			// Generous: the object is 40 MB; a reader that kept it, or
			// its items, would grow far past this.
			if growth > 8<<20 {
				t.Errorf("live heap grew by %d MB reading a %d MB object", growth>>20, rows*200>>20)
			}
		})
	}
}

// BenchmarkCSVReader reads a generated CSV of 200-byte rows.
func BenchmarkCSVReader(b *testing.B) { benchReader(b, "CSV") }

// BenchmarkJSONReader reads a generated JSON array of 200-byte objects.
func BenchmarkJSONReader(b *testing.B) { benchReader(b, "JSON") }

// BenchmarkJSONLReader reads generated JSON Lines of 200-byte objects.
func BenchmarkJSONLReader(b *testing.B) { benchReader(b, "JSONL") }

func benchReader(b *testing.B, format string) {
	ctx := context.Background()
	const rows = 100_000
	b.ReportAllocs()
	total := 0
	for b.Loop() {
		r, err := NewReader(ctx, generated{format: format, rows: rows}, ReaderConfig{Resource: ResourceGetObject, Bucket: "b", Key: "k", InputType: format})
		if err != nil {
			b.Fatal(err)
		}
		for {
			_, err := r.Next(ctx)
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			total++
		}
		r.Close()
	}
	b.ReportMetric(float64(total)/b.Elapsed().Seconds(), "items/s")
}
