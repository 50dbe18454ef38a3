package items

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/stepwise/stepwise/asl/value"
)

// MaxCSVHeaderBytes is the largest header row read: "Currently, Step
// Functions supports CSV headers of up to 10 KiB."
const MaxCSVHeaderBytes = 10 << 10

// causeDuplicateHeaders is AWS's cause for headers that repeat a name
// (recorded on AWS: test_map_item_reader_csv_headers_decl_duplicate_headers).
const causeDuplicateHeaders = "CSV headers cannot contain duplicates."

// csvDelimiter returns the byte of a ReaderConfig.CSVDelimiter.
func csvDelimiter(name string) (byte, error) {
	switch strings.ToUpper(name) {
	case "", "COMMA":
		return ',', nil
	case "PIPE":
		return '|', nil
	case "SEMICOLON":
		return ';', nil
	case "SPACE":
		return ' ', nil
	case "TAB":
		return '\t', nil
	}
	return 0, readerFailed("unknown ReaderConfig.CSVDelimiter %q: expected COMMA, PIPE, SEMICOLON, SPACE or TAB", name)
}

// givenHeaders returns the headers of a GIVEN configuration, nil for
// FIRST_ROW.
func givenHeaders(cfg ReaderConfig) ([]string, error) {
	switch strings.ToUpper(cfg.CSVHeaderLocation) {
	case "", "FIRST_ROW":
		return nil, nil
	case "GIVEN":
		if len(cfg.CSVHeaders) == 0 {
			return nil, readerFailed("ReaderConfig.CSVHeaderLocation is GIVEN but CSVHeaders is empty")
		}
		if err := checkHeaders(cfg.CSVHeaders); err != nil {
			return nil, err
		}
		return cfg.CSVHeaders, nil
	}
	return nil, readerFailed("unknown ReaderConfig.CSVHeaderLocation %q: expected FIRST_ROW or GIVEN", cfg.CSVHeaderLocation)
}

func checkHeaders(h []string) error {
	seen := make(map[string]bool, len(h))
	for _, name := range h {
		if seen[name] {
			return readerFailed(causeDuplicateHeaders)
		}
		seen[name] = true
	}
	return nil
}

// csvItems turns the rows of a text delimited object into items: objects
// from header name to field, every field a string. A row with fewer fields
// than headers gets empty strings for the missing ones; a row with more has
// the extra ones skipped (both as AWS documents and recorded).
type csvItems struct {
	p       *csvParser
	headers []string
	order   []int // the order of the members, as AWS writes them
}

func newCSVItems(r io.Reader, cfg ReaderConfig) (*csvItems, error) {
	delim, err := csvDelimiter(cfg.CSVDelimiter)
	if err != nil {
		return nil, err
	}
	headers, err := givenHeaders(cfg)
	if err != nil {
		return nil, err
	}
	c := &csvItems{p: newCSVParser(r, delim)}
	if headers == nil {
		c.p.limit = MaxCSVHeaderBytes
		row, err := c.p.record()
		if err == io.EOF {
			return c, nil // no header, no items
		}
		if err != nil {
			if _, ok := err.(*recordTooLarge); ok {
				return nil, readerFailed("the CSV header row is larger than the 10 KiB Step Functions reads")
			}
			return nil, err
		}
		c.p.limit = MaxItemBytes
		headers = append([]string(nil), row...)
		if err := checkHeaders(headers); err != nil {
			return nil, err
		}
	}
	c.headers = headers
	c.order = hashMapOrder(headers)
	return c, nil
}

func (c *csvItems) next() (any, error) {
	if c.headers == nil {
		return nil, io.EOF
	}
	row, err := c.p.record()
	if err != nil {
		if tl, ok := err.(*recordTooLarge); ok {
			return nil, itemTooLarge(tl.n)
		}
		return nil, err
	}
	return rowObject(c.headers, c.order, row), nil
}

// rowObject is the item of one row.
func rowObject(headers []string, order []int, row []string) *value.Object {
	o := value.NewObject(len(headers))
	for _, i := range order {
		f := ""
		if i < len(row) {
			f = row[i]
		}
		o.Append(headers[i], f)
	}
	return o
}

// hashMapOrder returns the positions of keys in the order a
// java.util.HashMap of default capacity, filled with them in order,
// iterates them: by bucket (the String hash code, spread, modulo the table
// size), then by insertion. AWS builds CSV and S3 inventory items in such a
// map: the recorded items ({"0","{}","True"} for the header row 0,True,{};
// {"","H1"} for H1,) and the documented ones ({"rating","movieId","userId",
// "timestamp"} for userId,movieId,rating,timestamp; LastModifiedDate,
// Bucket, Size, Key for an inventory) are all in this order. Bins of eight
// or more colliding keys, which Java turns into trees, are not modelled.
func hashMapOrder(keys []string) []int {
	size := 16
	for float64(len(keys)) > 0.75*float64(size) {
		size *= 2
	}
	buckets := make([][]int, size)
	for i, k := range keys {
		h := javaHash(k)
		h ^= h >> 16
		b := int(h & uint32(size-1))
		buckets[b] = append(buckets[b], i)
	}
	order := make([]int, 0, len(keys))
	for _, b := range buckets {
		order = append(order, b...)
	}
	return order
}

// javaHash is Java's String.hashCode over the UTF-16 code units of s.
func javaHash(s string) uint32 {
	var h uint32
	for _, r := range s {
		if r >= 0x10000 {
			r1, r2 := utf16.EncodeRune(r)
			h = 31*h + uint32(r1)
			h = 31*h + uint32(r2)
			continue
		}
		h = 31*h + uint32(r)
	}
	return h
}

// csvParser reads the records of a text delimited file the way Step
// Functions documents it ("How Step Functions parses input CSV files"):
//
//   - the delimiter separates fields, newlines (\n or \r\n) separate records;
//   - a field may be enclosed in double quotes, and then holds delimiters
//     and newlines; a doubled quote inside stands for one;
//   - a backslash escapes a backslash, a double quote or the delimiter, and
//     is dropped before any other character;
//   - empty lines are skipped.
//
// A quote that does not open a field is kept as it is.
type csvParser struct {
	br    *bufio.Reader
	delim byte
	limit int // the largest record, in bytes

	// The bytes that end a run of ordinary ones, outside and inside quotes.
	plain, inQuotes [256]bool

	buf    []byte // the current record's fields, back to back
	ends   []int  // the end of each field in buf
	fields []string
}

// recordTooLarge reports a record over the parser's limit.
type recordTooLarge struct{ n int }

func (e *recordTooLarge) Error() string {
	return fmt.Sprintf("a record of more than %d bytes", e.n)
}

func newCSVParser(r io.Reader, delim byte) *csvParser {
	br, ok := r.(*bufio.Reader)
	if !ok {
		br = bufio.NewReaderSize(r, 64<<10)
	}
	p := &csvParser{br: br, delim: delim, limit: MaxItemBytes}
	for _, c := range []byte{delim, '"', '\\', '\n', '\r'} {
		p.plain[c] = true
	}
	p.inQuotes['"'], p.inQuotes['\\'] = true, true
	return p
}

// record returns the fields of the next non-empty record, or io.EOF. The
// slice is reused by the next call; the strings are not.
func (p *csvParser) record() ([]string, error) {
	for {
		n, err := p.scan()
		if err != nil {
			return nil, err
		}
		if n == 0 {
			continue // an empty line
		}
		s := string(p.buf)
		p.fields = p.fields[:0]
		start := 0
		for _, end := range p.ends {
			// (A field's validity is its own: the record "\xd0,\x80" is
			// valid UTF-8 without its delimiter, its two fields are not.)
			p.fields = append(p.fields, replaceInvalid(s[start:end]))
			start = end
		}
		return p.fields, nil
	}
}

// replaceInvalid replaces each byte of s that is not part of a UTF-8
// character by U+FFFD, as a Java decoder reading the object as UTF-8 does.
func replaceInvalid(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for _, r := range s {
		b.WriteRune(r)
	}
	return b.String()
}

// scan reads one record into buf and ends. It returns the number of bytes
// the record took in the file, without its line end: 0 for an empty line.
func (p *csvParser) scan() (int, error) {
	p.buf, p.ends = p.buf[:0], p.ends[:0]
	n := 0          // bytes of the record so far
	atStart := true // at the start of a field
	quoted := false
	for {
		// Copy the run of ordinary bytes ahead in one go.
		if p.br.Buffered() == 0 {
			_, _ = p.br.Peek(1) // fills the buffer; errors come from ReadByte
		}
		special := &p.plain
		if quoted {
			special = &p.inQuotes
		}
		win, _ := p.br.Peek(p.br.Buffered())
		j := 0
		for j < len(win) && !special[win[j]] {
			j++
		}
		if j > 0 {
			n += j
			if n > p.limit {
				return 0, &recordTooLarge{n: n}
			}
			p.buf = append(p.buf, win[:j]...)
			_, _ = p.br.Discard(j)
			atStart = false
			continue
		}
		c, err := p.br.ReadByte()
		if err == io.EOF {
			if n == 0 {
				return 0, io.EOF
			}
			p.endField()
			return n, nil
		}
		if err != nil {
			return 0, fmt.Errorf("reading the object: %w", err)
		}
		if !quoted && (c == '\n' || c == '\r' && p.peek('\n')) {
			if c == '\r' {
				_, _ = p.br.ReadByte()
			}
			if n == 0 {
				return 0, nil
			}
			p.endField()
			return n, nil
		}
		n++
		if n > p.limit {
			return 0, &recordTooLarge{n: n}
		}
		switch {
		case quoted && c == '"':
			if p.peek('"') {
				_, _ = p.br.ReadByte()
				n++
				p.buf = append(p.buf, '"')
				continue
			}
			quoted = false
		case c == '\\':
			n += p.escape()
			atStart = false
		case quoted:
			p.buf = append(p.buf, c)
		case c == '"' && atStart:
			quoted = true
			atStart = false
		case c == p.delim:
			p.endField()
			atStart = true
		default:
			p.buf = append(p.buf, c)
			atStart = false
		}
	}
}

// peek reports whether the next byte is c, without reading it.
func (p *csvParser) peek(c byte) bool {
	b, err := p.br.Peek(1)
	return err == nil && b[0] == c
}

// escape handles what follows a backslash, and returns the bytes it read:
// an escaped backslash, quote or delimiter is kept, any other character is
// kept without the backslash (a line end is left to the caller).
func (p *csvParser) escape() int {
	c, err := p.br.ReadByte()
	if err != nil {
		return 0
	}
	switch c {
	case '\\', '"', p.delim:
		p.buf = append(p.buf, c)
		return 1
	}
	_ = p.br.UnreadByte()
	return 0
}

// endField closes the field being read.
func (p *csvParser) endField() { p.ends = append(p.ends, len(p.buf)) }
