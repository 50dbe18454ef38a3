package value

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
	"unsafe"
)

// SyntaxError reports malformed JSON text.
type SyntaxError struct {
	Offset int    // byte offset of the problem
	Line   int    // its line, from 1
	Column int    // its column, from 1, in characters
	Msg    string // what is wrong
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("invalid JSON at line %d, column %d: %s", e.Line, e.Column, e.Msg)
}

// position returns the 1-based line and column (in characters) of byte
// offset off of data.
func position(data []byte, off int) (line, col int) {
	off = min(max(off, 0), len(data))
	line, start := 1, 0
	for i, c := range data[:off] {
		if c == '\n' {
			line, start = line+1, i+1
		}
	}
	return line, utf8.RuneCount(data[start:off]) + 1
}

// maxDepth bounds nesting so hostile input cannot exhaust the stack.
const maxDepth = 10000

// Decode parses one JSON text into a value, keeping key order and integers
// apart from floats. When an object repeats a key the last one wins, in the
// place of the first (as Jackson does).
func Decode(data []byte) (any, error) {
	d := decoder{data: data}
	return d.run()
}

// DecodeString is Decode for a string.
func DecodeString(s string) (any, error) { return Decode([]byte(s)) }

// DecodeShared is DecodeString for a document that is decoded once and kept
// whole, such as a state machine definition: the strings of the result share
// memory with s, and the storage of its objects and arrays is carved from a
// few large blocks. Any part of the result therefore keeps all of s and of
// the rest of the document alive; use Decode for data of which only parts
// are kept.
func DecodeShared(s string) (any, error) {
	d := decoder{data: unsafe.Slice(unsafe.StringData(s), len(s)), text: s, shared: true}
	return d.run()
}

func (d *decoder) run() (any, error) {
	d.skipSpace()
	v, err := d.value(0)
	if err != nil {
		return nil, err
	}
	d.skipSpace()
	if d.pos != len(d.data) {
		return nil, d.errorf("unexpected data after the top-level value")
	}
	return v, nil
}

type decoder struct {
	data []byte
	pos  int

	// text is data as a string when shared: strings are cut from it.
	text   string
	shared bool

	// keys and vals are the members of the objects and arrays being read,
	// innermost last; each container copies its own out once complete, at
	// its exact size.
	keys []string
	vals []any

	// Blocks the storage of containers is carved from, when shared.
	keyBlock []string
	valBlock []any
	objBlock []Object
	// boxed holds the string values read so far as interfaces, when
	// shared: a definition repeats many (types, paths, targets), and each
	// boxing would allocate.
	boxed map[string]any
}

// maxBoxed is the longest string value kept in decoder.boxed.
const maxBoxed = 64

// blockSize is the number of elements of a shared block.
const blockSize = 256

func (d *decoder) newObject() *Object {
	if !d.shared {
		return &Object{}
	}
	if len(d.objBlock) == 0 {
		d.objBlock = make([]Object, blockSize/4)
	}
	o := &d.objBlock[0]
	d.objBlock = d.objBlock[1:]
	return o
}

// keySlice returns a slice of n strings (len and cap n).
func (d *decoder) keySlice(n int) []string {
	if n > blockSize/4 {
		return make([]string, n)
	}
	if len(d.keyBlock) < n {
		d.keyBlock = make([]string, blockSize)
	}
	s := d.keyBlock[:n:n]
	d.keyBlock = d.keyBlock[n:]
	return s
}

// valSlice returns a slice of n values (len and cap n).
func (d *decoder) valSlice(n int) []any {
	if !d.shared || n > blockSize/4 {
		return make([]any, n)
	}
	if len(d.valBlock) < n {
		d.valBlock = make([]any, blockSize)
	}
	s := d.valBlock[:n:n]
	d.valBlock = d.valBlock[n:]
	return s
}

func (d *decoder) errorf(format string, args ...any) error {
	line, col := position(d.data, d.pos)
	return &SyntaxError{Offset: d.pos, Line: line, Column: col, Msg: fmt.Sprintf(format, args...)}
}

func (d *decoder) skipSpace() {
	for d.pos < len(d.data) {
		switch d.data[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return
		}
	}
}

func (d *decoder) value(depth int) (any, error) {
	if depth > maxDepth {
		return nil, d.errorf("nesting too deep")
	}
	if d.pos >= len(d.data) {
		return nil, d.errorf("unexpected end of input")
	}
	switch c := d.data[d.pos]; {
	case c == '{':
		return d.object(depth)
	case c == '[':
		return d.array(depth)
	case c == '"':
		s, err := d.str()
		if err != nil {
			return nil, err
		}
		if !d.shared || len(s) > maxBoxed {
			return s, nil
		}
		if v, ok := d.boxed[s]; ok {
			return v, nil
		}
		if d.boxed == nil {
			d.boxed = make(map[string]any)
		}
		var v any = s
		d.boxed[s] = v
		return v, nil
	case c == 't':
		return d.literal("true", true)
	case c == 'f':
		return d.literal("false", false)
	case c == 'n':
		return d.literal("null", nil)
	case c == '-' || (c >= '0' && c <= '9'):
		return d.number()
	default:
		return nil, d.errorf("unexpected character %q", c)
	}
}

func (d *decoder) literal(word string, v any) (any, error) {
	if len(d.data)-d.pos < len(word) || string(d.data[d.pos:d.pos+len(word)]) != word {
		return nil, d.errorf("invalid literal")
	}
	d.pos += len(word)
	return v, nil
}

func (d *decoder) object(depth int) (any, error) {
	d.pos++ // {
	d.skipSpace()
	if d.pos < len(d.data) && d.data[d.pos] == '}' {
		d.pos++
		return d.newObject(), nil
	}
	kbase, vbase := len(d.keys), len(d.vals)
	// The members read stay in the stacks beyond their length until
	// overwritten: the decoder is short-lived.
	defer func() {
		d.keys = d.keys[:kbase]
		d.vals = d.vals[:vbase]
	}()
	// index finds the members read so far once there are many of them.
	var index map[string]int
	for {
		d.skipSpace()
		if d.pos >= len(d.data) || d.data[d.pos] != '"' {
			return nil, d.errorf("expected a string key")
		}
		k, err := d.str()
		if err != nil {
			return nil, err
		}
		d.skipSpace()
		if d.pos >= len(d.data) || d.data[d.pos] != ':' {
			return nil, d.errorf("expected ':' after key")
		}
		d.pos++
		d.skipSpace()
		v, err := d.value(depth + 1)
		if err != nil {
			return nil, err
		}
		// A repeated key replaces the value in the place of the first.
		dup := -1
		if index != nil {
			if i, ok := index[k]; ok {
				dup = i
			}
		} else {
			for i, x := range d.keys[kbase:] {
				if x == k {
					dup = i
					break
				}
			}
		}
		if dup >= 0 {
			d.vals[vbase+dup] = v
		} else {
			d.keys = append(d.keys, k)
			d.vals = append(d.vals, v)
			if n := len(d.keys) - kbase; index != nil {
				index[k] = n - 1
			} else if n >= indexThreshold {
				index = make(map[string]int, 2*n)
				for i, x := range d.keys[kbase:] {
					index[x] = i
				}
			}
		}
		d.skipSpace()
		if d.pos >= len(d.data) {
			return nil, d.errorf("unexpected end of input in object")
		}
		switch d.data[d.pos] {
		case ',':
			d.pos++
		case '}':
			d.pos++
			n := len(d.keys) - kbase
			var o *Object
			if d.shared {
				o = d.newObject()
				o.keys, o.vals = d.keySlice(n), d.valSlice(n)
			} else {
				o = newObject(n)
			}
			copy(o.keys, d.keys[kbase:])
			copy(o.vals, d.vals[vbase:])
			o.index = index
			return o, nil
		default:
			return nil, d.errorf("expected ',' or '}' in object")
		}
	}
}

func (d *decoder) array(depth int) (any, error) {
	d.pos++ // [
	d.skipSpace()
	if d.pos < len(d.data) && d.data[d.pos] == ']' {
		d.pos++
		return []any{}, nil
	}
	base := len(d.vals)
	defer func() { d.vals = d.vals[:base] }()
	for {
		d.skipSpace()
		v, err := d.value(depth + 1)
		if err != nil {
			return nil, err
		}
		d.vals = append(d.vals, v)
		d.skipSpace()
		if d.pos >= len(d.data) {
			return nil, d.errorf("unexpected end of input in array")
		}
		switch d.data[d.pos] {
		case ',':
			d.pos++
		case ']':
			d.pos++
			a := d.valSlice(len(d.vals) - base)
			copy(a, d.vals[base:])
			return a, nil
		default:
			return nil, d.errorf("expected ',' or ']' in array")
		}
	}
}

func (d *decoder) number() (any, error) {
	start := d.pos
	isFloat := false
	if d.data[d.pos] == '-' {
		d.pos++
	}
	digits := func() int {
		n := 0
		for d.pos < len(d.data) && d.data[d.pos] >= '0' && d.data[d.pos] <= '9' {
			d.pos++
			n++
		}
		return n
	}
	intStart := d.pos
	nd := digits()
	if nd == 0 {
		return nil, d.errorf("invalid number")
	}
	if d.data[intStart] == '0' && d.pos-intStart > 1 {
		return nil, d.errorf("invalid number: leading zero")
	}
	if d.pos < len(d.data) && d.data[d.pos] == '.' {
		isFloat = true
		d.pos++
		if digits() == 0 {
			return nil, d.errorf("invalid number: no digits after '.'")
		}
	}
	if d.pos < len(d.data) && (d.data[d.pos] == 'e' || d.data[d.pos] == 'E') {
		isFloat = true
		d.pos++
		if d.pos < len(d.data) && (d.data[d.pos] == '+' || d.data[d.pos] == '-') {
			d.pos++
		}
		if digits() == 0 {
			return nil, d.errorf("invalid number: no digits in exponent")
		}
	}
	if !isFloat && nd <= 18 {
		// Fits int64 whatever the digits.
		var n int64
		for _, c := range d.data[intStart:d.pos] {
			n = n*10 + int64(c-'0')
		}
		if intStart > start {
			n = -n
		}
		return n, nil
	}
	var text string
	if d.shared {
		text = d.text[start:d.pos]
	} else {
		text = string(d.data[start:d.pos])
	}
	if !isFloat {
		if n, err := strconv.ParseInt(text, 10, 64); err == nil {
			return n, nil
		}
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil || math.IsInf(f, 0) {
		// Underflow to zero is fine; overflow has no JSON form to write back.
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange && !math.IsInf(f, 0) {
			return f, nil
		}
		return nil, d.errorf("number %q out of range", text)
	}
	return f, nil
}

func (d *decoder) str() (string, error) {
	d.pos++ // opening quote
	start := d.pos
	// Fast path: no escapes.
	for d.pos < len(d.data) {
		c := d.data[d.pos]
		if c == '"' {
			var s string
			if d.shared {
				s = d.text[start:d.pos]
			} else {
				s = string(d.data[start:d.pos])
			}
			d.pos++
			if !utf8.ValidString(s) {
				s = strings.ToValidUTF8(s, "\uFFFD")
			}
			return s, nil
		}
		if c == '\\' {
			break
		}
		if c < 0x20 {
			return "", d.errorf("control character in string")
		}
		d.pos++
	}
	var b strings.Builder
	b.Write(d.data[start:d.pos])
	for d.pos < len(d.data) {
		c := d.data[d.pos]
		switch {
		case c == '"':
			d.pos++
			s := b.String()
			if !utf8.ValidString(s) {
				s = strings.ToValidUTF8(s, "\uFFFD")
			}
			return s, nil
		case c < 0x20:
			return "", d.errorf("control character in string")
		case c == '\\':
			d.pos++
			if d.pos >= len(d.data) {
				return "", d.errorf("unexpected end of input in string")
			}
			e := d.data[d.pos]
			d.pos++
			switch e {
			case '"', '\\', '/':
				b.WriteByte(e)
			case 'b':
				b.WriteByte('\b')
			case 'f':
				b.WriteByte('\f')
			case 'n':
				b.WriteByte('\n')
			case 'r':
				b.WriteByte('\r')
			case 't':
				b.WriteByte('\t')
			case 'u':
				r, ok := d.hex4()
				if !ok {
					return "", d.errorf("invalid \\u escape")
				}
				if utf16.IsSurrogate(r) {
					if d.pos+1 < len(d.data) && d.data[d.pos] == '\\' && d.data[d.pos+1] == 'u' {
						save := d.pos
						d.pos += 2
						r2, ok := d.hex4()
						if ok {
							if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
								b.WriteRune(dec)
								continue
							}
						}
						d.pos = save
					}
					r = utf8.RuneError
				}
				b.WriteRune(r)
			default:
				return "", d.errorf("invalid escape '\\%c'", e)
			}
		default:
			b.WriteByte(c)
			d.pos++
		}
	}
	return "", d.errorf("unexpected end of input in string")
}

func (d *decoder) hex4() (rune, bool) {
	if len(d.data)-d.pos < 4 {
		return 0, false
	}
	var r rune
	for i := 0; i < 4; i++ {
		c := d.data[d.pos+i]
		switch {
		case c >= '0' && c <= '9':
			r = r*16 + rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r*16 + rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r*16 + rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	d.pos += 4
	return r, true
}

// Encode returns the compact JSON text of v, as AWS writes it: no spaces,
// keys in order, non-ASCII characters and '/' left as they are.
func Encode(v any) []byte { return Append(nil, v) }

// EncodeString is Encode returning a string.
func EncodeString(v any) string { return string(Append(nil, v)) }

// Append appends the compact JSON text of v to dst.
func Append(dst []byte, v any) []byte {
	switch x := v.(type) {
	case nil:
		return append(dst, "null"...)
	case bool:
		if x {
			return append(dst, "true"...)
		}
		return append(dst, "false"...)
	case string:
		return AppendString(dst, x)
	case int64:
		return strconv.AppendInt(dst, x, 10)
	case float64:
		return AppendFloat(dst, x)
	case *Object:
		dst = append(dst, '{')
		for i := range x.keys {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = AppendString(dst, x.keys[i])
			dst = append(dst, ':')
			dst = Append(dst, x.vals[i])
		}
		return append(dst, '}')
	case []any:
		dst = append(dst, '[')
		for i, e := range x {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = Append(dst, e)
		}
		return append(dst, ']')
	case int:
		return strconv.AppendInt(dst, int64(x), 10)
	}
	// Not a value of this package: encode its printed form as a string so
	// that output stays valid JSON.
	return AppendString(dst, fmt.Sprint(v))
}

const hexDigits = "0123456789abcdef"

// AppendString appends s as a JSON string literal.
func AppendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		dst = append(dst, s[start:i]...)
		switch c {
		case '"':
			dst = append(dst, '\\', '"')
		case '\\':
			dst = append(dst, '\\', '\\')
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		case '\b':
			dst = append(dst, '\\', 'b')
		case '\f':
			dst = append(dst, '\\', 'f')
		default:
			dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
		}
		start = i + 1
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// AppendFloat appends a float as Java's Double.toString writes it, which is
// what AWS's output shows: 1.0, 0.5, 1.0E7, 1.234E-5. NaN and infinities have
// no JSON form and are written as null.
func AppendFloat(dst []byte, f float64) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(dst, "null"...)
	}
	if f == 0 {
		if math.Signbit(f) {
			return append(dst, "-0.0"...)
		}
		return append(dst, "0.0"...)
	}
	abs := math.Abs(f)
	if abs >= 1e-3 && abs < 1e7 {
		start := len(dst)
		dst = strconv.AppendFloat(dst, f, 'f', -1, 64)
		for _, c := range dst[start:] {
			if c == '.' {
				return dst
			}
		}
		return append(dst, '.', '0')
	}
	// Scientific: mantissa with at least one fractional digit, "E", exponent
	// without '+' or leading zeros.
	s := strconv.FormatFloat(f, 'E', -1, 64) // e.g. 1.234E+07, 1E-05
	mant, exp, _ := strings.Cut(s, "E")
	dst = append(dst, mant...)
	if !strings.Contains(mant, ".") {
		dst = append(dst, '.', '0')
	}
	dst = append(dst, 'E')
	if exp[0] == '-' {
		dst = append(dst, '-')
	}
	exp = strings.TrimLeft(exp[1:], "0")
	if exp == "" {
		exp = "0"
	}
	return append(dst, exp...)
}
