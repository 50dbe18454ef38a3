package items

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stepwise/stepwise/asl/fault"
	"github.com/stepwise/stepwise/asl/value"
)

// memObject is an Objects of one object held in memory.
type memObject []byte

func (m memObject) Open(ctx context.Context, bucket, key, versionID string) (io.ReadCloser, error) {
	return io.NopCloser(bytes.NewReader(m)), nil
}
func (m memObject) List(ctx context.Context, bucket, prefix, token string) (ListPage, error) {
	return ListPage{}, nil
}
func (m memObject) Put(ctx context.Context, bucket, key string, body []byte) error { return nil }

// FuzzReaders feeds arbitrary bytes to the CSV, JSON and JSONL readers:
// none may panic, each ends with io.EOF or a States.ItemReaderFailed, and
// every item is a value the engine can encode and decode again.
func FuzzReaders(f *testing.F) {
	for _, seed := range []string{
		"", "[]", `[1,{"a":[2]},"x"]`, `{"a":1}`, "[1,", "a,b\n1,2\n", "\"a\"\"b\",c\\,d\n\"x\ny\",z\r\n",
		"{\"a\":1}\n\n[2]\n", `{"a":[[1,2]]}`, `{"b":{"c":[]},"a":[{"x":[1]}]}`, "\\", "\"", "a\n\"", string([]byte{0x1f, 0x8b, 0, 0}), "\xff\xfe", "a\tb|c;d e\n1\t2|3;4 5",
	} {
		for kind := range byte(7) {
			f.Add(kind, []byte(seed))
		}
	}
	f.Fuzz(func(t *testing.T, kind byte, data []byte) {
		cfg := ReaderConfig{Resource: ResourceGetObject, Bucket: "b", Key: "k"}
		switch kind % 7 {
		case 0:
			cfg.InputType = "JSON"
		case 1:
			cfg.InputType = "JSONL"
		case 2:
			cfg.InputType = "CSV"
		case 3:
			cfg.InputType, cfg.CSVHeaderLocation, cfg.CSVHeaders = "CSV", "GIVEN", []string{"a", "b", ""}
		case 4:
			cfg.InputType, cfg.CSVDelimiter = "CSV", "TAB"
		case 5:
			cfg.InputType, cfg.CSVDelimiter = "CSV", "PIPE"
		case 6:
			cfg.InputType, cfg.ItemsPointer = "JSON", "/a/0"
		}
		ctx := context.Background()
		if kind%7 == 2 {
			checkPlainCSV(t, data)
		}
		r, err := NewReader(ctx, memObject(data), cfg)
		if err != nil {
			checkFault(t, err)
			return
		}
		defer r.Close()
		for i := 0; ; i++ {
			v, err := r.Next(ctx)
			if err == io.EOF {
				return
			}
			if err != nil {
				checkFault(t, err)
				if _, again := r.Next(ctx); again == nil || again == io.EOF {
					t.Fatalf("Next after the error %v went on: %v", err, again)
				}
				return
			}
			if i > len(data) {
				t.Fatalf("more items (%d) than bytes (%d)", i, len(data))
			}
			enc := value.Encode(v)
			back, derr := value.Decode(enc)
			if derr != nil || !value.EqualStrict(back, v) {
				t.Fatalf("item %s does not survive encoding: %v", enc, derr)
			}
		}
	})
}

func checkFault(t *testing.T, err error) {
	t.Helper()
	var fe *fault.Error
	if !errors.As(err, &fe) || fe.Name != fault.ItemReaderFailed {
		t.Fatalf("error %v (%T), want States.ItemReaderFailed", err, err)
	}
}

// checkPlainCSV compares the CSV reader with a plain split of data by lines
// and commas, for data without quotes, backslashes, carriage returns or
// bytes that are not UTF-8 (where the two must agree).
func checkPlainCSV(t *testing.T, data []byte) {
	if bytes.ContainsAny(data, "\"\\\r") || !utf8.Valid(data) || len(data) > 4096 {
		return
	}
	var rows [][]string
	for _, line := range strings.Split(string(data), "\n") {
		if line != "" {
			rows = append(rows, strings.Split(line, ","))
		}
	}
	want := []any{}
	if len(rows) > 0 {
		headers := rows[0]
		if checkHeaders(headers) != nil {
			return
		}
		for _, row := range rows[1:] {
			o := value.NewObject(len(headers))
			for _, i := range hashMapOrder(headers) {
				f := ""
				if i < len(row) {
					f = row[i]
				}
				o.Append(headers[i], f)
			}
			want = append(want, o)
		}
	}
	got, err := readAll(t, memObject(data), ReaderConfig{Resource: ResourceGetObject, Bucket: "b", Key: "k", InputType: "CSV"})
	if err != nil {
		t.Fatalf("plain CSV %q: %v", data, err)
	}
	if w := value.EncodeString(want); got != w {
		t.Fatalf("plain CSV %q:\n got %s\nwant %s", data, got, w)
	}
}
