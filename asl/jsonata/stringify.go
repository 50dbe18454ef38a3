package jsonata

import (
	"encoding/json"
	"math"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// stringify is jsonata-js's $string of a non-string value:
// JSON.stringify with numbers to 15 significant digits and functions as
// "", indented by two spaces when pretty. gnata prints numbers in full
// (0.30000000000000004, -0).
func stringify(v any, pretty bool) (string, error) {
	var b strings.Builder
	if f, ok := firstNonFinite(v, 0); ok {
		// jsonata-js's replacer throws on a non-finite number.
		return "", funcError("D1001", "", map[string]any{"value": f})
	}
	writeJS(&b, v, pretty, 0)
	return b.String(), nil
}

// firstNonFinite finds a non-finite number in v.
func firstNonFinite(v any, depth int) (float64, bool) {
	if depth > 10000 {
		return 0, false
	}
	switch x := v.(type) {
	case float64:
		return x, math.IsNaN(x) || math.IsInf(x, 0)
	case []any:
		for _, e := range x {
			if f, ok := firstNonFinite(e, depth+1); ok {
				return f, true
			}
		}
	case objectReader:
		for _, k := range x.Keys() {
			e, _ := x.Get(k)
			if f, ok := firstNonFinite(e, depth+1); ok {
				return f, true
			}
		}
	case map[string]any:
		for _, e := range x {
			if f, ok := firstNonFinite(e, depth+1); ok {
				return f, true
			}
		}
	}
	return 0, false
}

func writeJS(b *strings.Builder, v any, pretty bool, depth int) {
	switch x := v.(type) {
	case nil:
		b.WriteString("null")
	case bool:
		b.WriteString(strconv.FormatBool(x))
	case string:
		writeJSString(b, x)
	case float64:
		b.WriteString(num15(x))
	case json.Number:
		f, err := x.Float64()
		if err != nil {
			b.WriteString("null")
			return
		}
		b.WriteString(num15(f))
	case []any:
		writeJSArray(b, x, pretty, depth)
	case objectReader:
		keys := x.Keys()
		vals := make([]any, len(keys))
		for i, k := range keys {
			vals[i], _ = x.Get(k)
		}
		writeJSObject(b, keys, vals, pretty, depth)
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		vals := make([]any, len(keys))
		for i, k := range keys {
			vals[i] = x[k]
		}
		writeJSObject(b, keys, vals, pretty, depth)
	default:
		if isFunctionValue(v) {
			writeJSString(b, "")
			return
		}
		if vals, ok := sequenceSlice(v); ok {
			writeJSArray(b, vals, pretty, depth)
			return
		}
		b.WriteString("null") // gnata's null, or anything JSON has no form for
	}
}

// num15 is Number(n.toPrecision(15)) as JSON.stringify writes it: null
// for a non-finite number.
func num15(f float64) string {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return "null"
	}
	p, err := strconv.ParseFloat(strconv.FormatFloat(f, 'g', 15, 64), 64)
	if err != nil {
		p = f
	}
	return jsNumber(p)
}

func newline(b *strings.Builder, pretty bool, depth int) {
	if pretty {
		b.WriteByte('\n')
		b.WriteString(strings.Repeat("  ", depth))
	}
}

func writeJSArray(b *strings.Builder, vals []any, pretty bool, depth int) {
	if len(vals) == 0 {
		b.WriteString("[]")
		return
	}
	b.WriteByte('[')
	for i, e := range vals {
		if i > 0 {
			b.WriteByte(',')
		}
		newline(b, pretty, depth+1)
		if e == nil {
			b.WriteString("null") // JSON.stringify: undefined in an array
			continue
		}
		writeJS(b, e, pretty, depth+1)
	}
	newline(b, pretty, depth)
	b.WriteByte(']')
}

func writeJSObject(b *strings.Builder, keys []string, vals []any, pretty bool, depth int) {
	b.WriteByte('{')
	n := 0
	for i, k := range keys {
		if vals[i] == nil {
			continue // JSON.stringify leaves out an undefined member
		}
		if n > 0 {
			b.WriteByte(',')
		}
		n++
		newline(b, pretty, depth+1)
		writeJSString(b, k)
		b.WriteByte(':')
		if pretty {
			b.WriteByte(' ')
		}
		writeJS(b, vals[i], pretty, depth+1)
	}
	if n > 0 {
		newline(b, pretty, depth)
	}
	b.WriteByte('}')
}

// writeJSString quotes s as JSON.stringify does: only ", \ and control
// characters escaped.
func writeJSString(b *strings.Builder, s string) {
	b.WriteByte('"')
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '"':
			b.WriteString(`\"`)
		case c == '\\':
			b.WriteString(`\\`)
		case c == '\b':
			b.WriteString(`\b`)
		case c == '\f':
			b.WriteString(`\f`)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\r':
			b.WriteString(`\r`)
		case c == '\t':
			b.WriteString(`\t`)
		case c < 0x20:
			b.WriteString(`\u00`)
			b.WriteByte("0123456789abcdef"[c>>4])
			b.WriteByte("0123456789abcdef"[c&0xf])
		case c < utf8.RuneSelf:
			b.WriteByte(c)
		default:
			_, size := utf8.DecodeRuneInString(s[i:])
			b.WriteString(s[i : i+size])
			i += size
			continue
		}
		i++
	}
	b.WriteByte('"')
}

// isFunctionValue reports whether v is one of gnata's function values.
func isFunctionValue(v any) bool {
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Func {
		return true
	}
	if rv.Kind() == reflect.Pointer && !rv.IsNil() && rv.Elem().Kind() == reflect.Struct {
		switch rv.Elem().Type().Name() {
		case "Lambda", "SignedBuiltin":
			return true
		}
	}
	return false
}
