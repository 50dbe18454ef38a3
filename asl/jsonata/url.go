package jsonata

import (
	"strings"
	"unicode/utf8"
)

// gnata's $decodeUrl and $decodeUrlComponent accept malformed escapes that
// JavaScript's decodeURI and decodeURIComponent reject, and decode the
// reserved characters decodeURI keeps. These are jsonata-js's versions.
var (
	awsDecodeURL          = lib.builtin(func(args []any, _ any) (any, error) { return decodeURLArg("decodeUrl", args, true) })
	awsDecodeURLComponent = lib.builtin(func(args []any, _ any) (any, error) { return decodeURLArg("decodeUrlComponent", args, false) })
)

func decodeURLArg(name string, args []any, keepReserved bool) (any, error) {
	if len(args) == 0 || args[0] == nil {
		return nil, nil
	}
	if len(args) > 1 {
		return nil, signatureError(name, 2)
	}
	s, ok := args[0].(string)
	if !ok {
		return nil, signatureError(name, 1)
	}
	out, ok := decodeURI(s, keepReserved)
	if !ok {
		return nil, funcError("D3140", "", map[string]any{"functionName": name, "value": s})
	}
	return out, nil
}

// uriReserved are the characters decodeURI leaves escaped.
const uriReserved = ";/?:@&=+$,#"

// decodeURI decodes percent escapes as JavaScript does; false for a
// malformed escape or escapes that are not UTF-8.
func decodeURI(s string, keepReserved bool) (string, bool) {
	if !strings.Contains(s, "%") {
		return s, true
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		if s[i] != '%' {
			b.WriteByte(s[i])
			i++
			continue
		}
		start := i
		c, ok := hexByte(s, i)
		if !ok {
			return "", false
		}
		i += 3
		if c < 0x80 {
			if keepReserved && strings.IndexByte(uriReserved, c) >= 0 {
				b.WriteString(s[start:i])
			} else {
				b.WriteByte(c)
			}
			continue
		}
		// A multi-byte UTF-8 sequence: all its bytes must be escapes.
		n := utf8Len(c)
		if n == 0 {
			return "", false
		}
		buf := []byte{c}
		for k := 1; k < n; k++ {
			c2, ok := hexByte(s, i)
			if !ok {
				return "", false
			}
			buf = append(buf, c2)
			i += 3
		}
		r, size := utf8.DecodeRune(buf)
		if r == utf8.RuneError || size != n {
			return "", false
		}
		b.Write(buf)
	}
	return b.String(), true
}

func hexByte(s string, i int) (byte, bool) {
	if i+2 >= len(s) || s[i] != '%' {
		return 0, false
	}
	h, ok1 := unhex(s[i+1])
	l, ok2 := unhex(s[i+2])
	return h<<4 | l, ok1 && ok2
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// utf8Len is the length of the UTF-8 sequence led by c, 0 if c cannot lead.
func utf8Len(c byte) int {
	switch {
	case c&0xE0 == 0xC0:
		return 2
	case c&0xF0 == 0xE0:
		return 3
	case c&0xF8 == 0xF0:
		return 4
	}
	return 0
}
