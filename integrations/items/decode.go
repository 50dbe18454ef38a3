package items

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/stepwise/stepwise/asl/fault"
	"github.com/stepwise/stepwise/asl/value"
)

// MaxItemBytes is the largest item read from an object: "Step Functions
// supports reading an item of up to 8 MB from a text delimited file, JSON,
// or JSON Lines file".
const MaxItemBytes = 8 << 20

// decompress returns the plain body of an object that may be compressed.
// AWS reads GZIP and ZSTD objects; it is told by the first bytes here (the
// gzip and zstd magic numbers), not by the name. ZSTD is refused clearly.
func decompress(r io.Reader) (io.Reader, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	head, _ := br.Peek(4)
	switch {
	case len(head) >= 2 && head[0] == 0x1f && head[1] == 0x8b:
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, readerFailed("the object is not valid GZIP: %v", err)
		}
		return zr, nil
	case bytes.Equal(head, []byte{0x28, 0xb5, 0x2f, 0xfd}):
		return nil, readerFailed("the object is ZSTD-compressed, which Stepwise does not read: store it uncompressed or as GZIP")
	}
	return br, nil
}

// jsonArray streams the elements of a JSON array, one value at a time.
type jsonArray struct {
	dec    *json.Decoder
	nested bool // the array is inside the document: what follows it is not read
	done   bool
}

// causeNotIterable is AWS's cause for a JSON object whose top-level value is
// not an array (recorded on AWS: test_map_item_reader_json_no_json_list_object).
const causeNotIterable = "Attempting to map over non-iterable node."

// causeNoPointerMatch is the cause for an ItemsPointer that names nothing
// in the document.
const causeNoPointerMatch = "The provided ReaderConfig.ItemsPointer does not match any valid path in the JSON structure."

// newJSONArray starts reading the array pointer names (the top-level value
// for an empty pointer).
func newJSONArray(r io.Reader, pointer []string) (*jsonArray, error) {
	c := &capped{r: r}
	dec := json.NewDecoder(c)
	c.dec = dec
	for _, seg := range pointer {
		if err := descend(dec, seg); err != nil {
			return nil, err
		}
	}
	tok, err := dec.Token()
	if err != nil {
		if err == io.EOF {
			return nil, readerFailed("the JSON object is empty: expected an array")
		}
		return nil, jsonFailed(err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return nil, readerFailed(causeNotIterable)
	}
	return &jsonArray{dec: dec, nested: len(pointer) > 0}, nil
}

// parsePointer splits a JSON Pointer into its unescaped reference tokens.
func parsePointer(p string) ([]string, error) {
	if p == "" {
		return nil, nil
	}
	if p[0] != '/' {
		return nil, readerFailed("ReaderConfig.ItemsPointer %q is not a JSON Pointer: it must start with a slash", p)
	}
	segs := strings.Split(p[1:], "/")
	for i, s := range segs {
		segs[i] = strings.ReplaceAll(strings.ReplaceAll(s, "~1", "/"), "~0", "~")
	}
	return segs, nil
}

// descend moves dec from before a value to before its member (or element)
// seg, reading and dropping what comes before it.
func descend(dec *json.Decoder, seg string) error {
	tok, err := dec.Token()
	if err != nil {
		return jsonFailed(err)
	}
	switch tok {
	case json.Delim('{'):
		for dec.More() {
			key, err := dec.Token()
			if err != nil {
				return jsonFailed(err)
			}
			if key == seg {
				return nil
			}
			if err := skipValue(dec); err != nil {
				return err
			}
		}
	case json.Delim('['):
		n, err := strconv.Atoi(seg)
		if err != nil || n < 0 || (len(seg) > 1 && seg[0] == '0') {
			return readerFailed(causeNoPointerMatch)
		}
		for ; dec.More(); n-- {
			if n == 0 {
				return nil
			}
			if err := skipValue(dec); err != nil {
				return err
			}
		}
	}
	return readerFailed(causeNoPointerMatch)
}

// skipValue reads and drops the next value, a token at a time.
func skipValue(dec *json.Decoder) error {
	depth := 0
	for {
		tok, err := dec.Token()
		if err != nil {
			return jsonFailed(err)
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			depth++
		case json.Delim('}'), json.Delim(']'):
			depth--
		}
		if depth == 0 {
			return nil
		}
	}
}

func (a *jsonArray) next() (any, error) {
	if a.done {
		return nil, io.EOF
	}
	if !a.dec.More() {
		if _, err := a.dec.Token(); err != nil { // the closing bracket
			return nil, jsonFailed(err)
		}
		if a.nested {
			a.done = true
			return nil, io.EOF
		}
		if _, err := a.dec.Token(); err != io.EOF {
			if err == nil {
				return nil, readerFailed("invalid JSON: data after the top-level array")
			}
			return nil, jsonFailed(err)
		}
		a.done = true
		return nil, io.EOF
	}
	var raw json.RawMessage
	if err := a.dec.Decode(&raw); err != nil {
		return nil, jsonFailed(err)
	}
	if len(raw) > MaxItemBytes {
		return nil, itemTooLarge(len(raw))
	}
	v, err := value.Decode(raw)
	if err != nil {
		return nil, readerFailed("invalid JSON: %v", err)
	}
	return v, nil
}

func jsonFailed(err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return readerFailed("invalid JSON at byte %d: %v", se.Offset, err)
	}
	if err == io.ErrUnexpectedEOF {
		return readerFailed("invalid JSON: unexpected end of the object")
	}
	var fe *fault.Error
	if errors.As(err, &fe) {
		return fe
	}
	return readerFailed("invalid JSON: %v", err)
}

func itemTooLarge(n int) error {
	return readerFailed("an item of %d bytes is larger than the 8 MB Step Functions reads", n)
}

// capped feeds a json.Decoder, but fails once the decoder holds more than
// MaxItemBytes (and a margin) it has not consumed: one huge element must
// not take unbounded memory.
type capped struct {
	r    io.Reader
	dec  *json.Decoder
	read int64
}

func (c *capped) Read(p []byte) (int, error) {
	if pending := c.read - c.dec.InputOffset(); pending > MaxItemBytes+64<<10 {
		return 0, itemTooLarge(int(pending))
	}
	n, err := c.r.Read(p)
	c.read += int64(n)
	return n, err
}

// jsonLines streams a JSON Lines object: one JSON value a line. Blank
// lines (nothing but spaces) are skipped.
type jsonLines struct {
	br   *bufio.Reader
	line int
	buf  []byte
}

func newJSONLines(r io.Reader) *jsonLines {
	br, ok := r.(*bufio.Reader)
	if !ok {
		br = bufio.NewReaderSize(r, 64<<10)
	}
	return &jsonLines{br: br}
}

func (j *jsonLines) next() (any, error) {
	for {
		line, err := readLine(j.br, &j.buf)
		if err != nil {
			return nil, err
		}
		j.line++
		t := bytes.TrimSpace(line)
		if len(t) == 0 {
			continue
		}
		v, derr := value.Decode(t)
		if derr != nil {
			return nil, readerFailed("invalid JSON on line %d of the JSONL object: %v", j.line, derr)
		}
		return v, nil
	}
}

// readLine returns the next line of br without its end (\n or \r\n), in
// *buf's storage; io.EOF when there is none. A line over MaxItemBytes fails.
func readLine(br *bufio.Reader, buf *[]byte) ([]byte, error) {
	b := (*buf)[:0]
	for {
		frag, err := br.ReadSlice('\n')
		b = append(b, frag...)
		if len(b) > MaxItemBytes+2 {
			*buf = nil
			return nil, itemTooLarge(len(b))
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if err == io.EOF {
			if len(b) == 0 {
				*buf = b
				return nil, io.EOF
			}
			break
		}
		if err != nil {
			return nil, fmt.Errorf("reading the object: %w", err)
		}
		break
	}
	*buf = b
	b = bytes.TrimSuffix(b, []byte("\n"))
	return bytes.TrimSuffix(b, []byte("\r")), nil
}
