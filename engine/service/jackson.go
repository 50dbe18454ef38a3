package service

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// AWS parses JSON text (execution input, task output, definitions) with
// Jackson and reports Jackson's error message. jsonSyntax checks JSON text
// and describes its first error in Jackson's words.

// jsonError is the first syntax error of a JSON text.
type jsonError struct {
	Message      string // Jackson's message, without the location
	Line, Column int    // 1-based, where Jackson stopped reading
}

// location writes the error's location as Jackson does.
func (e *jsonError) location(text string) string {
	src := text
	if n := utf8.RuneCountInString(src); n > 500 {
		cut := 0
		for i := range src {
			if cut == 500 {
				src = src[:i] + `"[truncated ` + fmt.Sprint(n-500) + " chars]"
				break
			}
			cut++
		}
		return fmt.Sprintf(`[Source: (String)"%s; line: %d, column: %d]`, src, e.Line, e.Column)
	}
	return fmt.Sprintf(`[Source: (String)"%s"; line: %d, column: %d]`, src, e.Line, e.Column)
}

const expectingValue = "was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')"

type jsonScanner struct {
	s   string
	i   int
	err *jsonError
}

// jsonSyntax returns the first syntax error of text, or nil when it is one
// JSON value.
func jsonSyntax(text string) *jsonError {
	sc := &jsonScanner{s: text}
	sc.ws()
	if sc.i == len(sc.s) {
		sc.fail(sc.i, "No content to map due to end-of-input")
		return sc.err
	}
	if !sc.value() {
		return sc.err
	}
	sc.ws()
	if sc.i < len(sc.s) {
		// Jackson reads one value; ObjectMapper.readTree then rejects
		// what follows it.
		r, _ := utf8.DecodeRuneInString(sc.s[sc.i:])
		sc.fail(sc.i+1, "Unexpected character (%s): Expected END_OF_INPUT, but found trailing token", charDesc(r))
		return sc.err
	}
	return nil
}

// fail records an error with Jackson's position: the column after the
// last character read (at is the byte offset reading stopped at).
func (sc *jsonScanner) fail(at int, format string, args ...any) bool {
	if at > len(sc.s) {
		at = len(sc.s)
	}
	line, col := 1, 1
	for _, r := range sc.s[:at] {
		if r == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	sc.err = &jsonError{Message: fmt.Sprintf(format, args...), Line: line, Column: col}
	return false
}

func charDesc(r rune) string {
	if r < 0x20 {
		return fmt.Sprintf("CTRL-CHAR, code %d", r)
	}
	return fmt.Sprintf("'%c' (code %d)", r, r)
}

func (sc *jsonScanner) ws() {
	for sc.i < len(sc.s) {
		switch sc.s[sc.i] {
		case ' ', '\t', '\n', '\r':
			sc.i++
		default:
			return
		}
	}
}

func (sc *jsonScanner) eof(what string) bool {
	return sc.fail(len(sc.s), "Unexpected end-of-input: %s", what)
}

// token reads an unquoted word as Jackson does for an unrecognized token.
func (sc *jsonScanner) badToken() bool {
	start := sc.i
	for sc.i < len(sc.s) {
		r, n := utf8.DecodeRuneInString(sc.s[sc.i:])
		if r == ' ' || r == '\t' || r == '\n' || r == '\r' || strings.ContainsRune("{}[]:,\"", r) {
			break
		}
		sc.i += n
	}
	return sc.fail(sc.i, "Unrecognized token '%s': %s", sc.s[start:sc.i], expectingValue)
}

func (sc *jsonScanner) value() bool {
	if sc.i >= len(sc.s) {
		return sc.eof("expected a value")
	}
	switch c := sc.s[sc.i]; {
	case c == '{':
		return sc.object()
	case c == '[':
		return sc.array()
	case c == '"':
		return sc.str()
	case c == '-' || (c >= '0' && c <= '9'):
		return sc.number()
	case strings.HasPrefix(sc.s[sc.i:], "true"), strings.HasPrefix(sc.s[sc.i:], "null"):
		return sc.literal(4)
	case strings.HasPrefix(sc.s[sc.i:], "false"):
		return sc.literal(5)
	case c == ']' || c == '}' || c == ',' || c == ':' || c == '\'':
		r, _ := utf8.DecodeRuneInString(sc.s[sc.i:])
		return sc.fail(sc.i+1, "Unexpected character (%s): expected a value", charDesc(r))
	default:
		return sc.badToken()
	}
}

func (sc *jsonScanner) literal(n int) bool {
	end := sc.i + n
	if end < len(sc.s) {
		r, _ := utf8.DecodeRuneInString(sc.s[end:])
		if r != ' ' && r != '\t' && r != '\n' && r != '\r' && !strings.ContainsRune("{}[]:,\"", r) {
			return sc.badToken()
		}
	}
	sc.i = end
	return true
}

func (sc *jsonScanner) number() bool {
	start := sc.i
	if sc.s[sc.i] == '-' {
		sc.i++
	}
	digits := func() int {
		n := 0
		for sc.i < len(sc.s) && sc.s[sc.i] >= '0' && sc.s[sc.i] <= '9' {
			sc.i++
			n++
		}
		return n
	}
	if sc.i < len(sc.s) && sc.s[sc.i] == '0' && sc.i+1 < len(sc.s) && sc.s[sc.i+1] >= '0' && sc.s[sc.i+1] <= '9' {
		return sc.fail(sc.i+2, "Invalid numeric value: Leading zeroes not allowed")
	}
	if digits() == 0 {
		if sc.i >= len(sc.s) {
			return sc.eof("expected digit (0-9) to follow minus sign, for valid numeric value")
		}
		r, _ := utf8.DecodeRuneInString(sc.s[sc.i:])
		return sc.fail(sc.i+1, "Unexpected character (%s) in numeric value: expected digit (0-9) to follow minus sign, for valid numeric value", charDesc(r))
	}
	if sc.i < len(sc.s) && sc.s[sc.i] == '.' {
		sc.i++
		if digits() == 0 {
			if sc.i >= len(sc.s) {
				return sc.eof("Decimal point not followed by a digit")
			}
			r, _ := utf8.DecodeRuneInString(sc.s[sc.i:])
			return sc.fail(sc.i+1, "Unexpected character (%s) in numeric value: Decimal point not followed by a digit", charDesc(r))
		}
	}
	if sc.i < len(sc.s) && (sc.s[sc.i] == 'e' || sc.s[sc.i] == 'E') {
		sc.i++
		if sc.i < len(sc.s) && (sc.s[sc.i] == '+' || sc.s[sc.i] == '-') {
			sc.i++
		}
		if digits() == 0 {
			if sc.i >= len(sc.s) {
				return sc.eof("Exponent indicator not followed by a digit")
			}
			r, _ := utf8.DecodeRuneInString(sc.s[sc.i:])
			return sc.fail(sc.i+1, "Unexpected character (%s) in numeric value: Exponent indicator not followed by a digit", charDesc(r))
		}
	}
	_ = start
	return true
}

func (sc *jsonScanner) str() bool {
	sc.i++ // the opening quote
	for sc.i < len(sc.s) {
		r, n := utf8.DecodeRuneInString(sc.s[sc.i:])
		switch {
		case r == '"':
			sc.i++
			return true
		case r == '\\':
			if sc.i+1 >= len(sc.s) {
				return sc.eof("was expecting closing quote for a string value")
			}
			e := sc.s[sc.i+1]
			switch e {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				sc.i += 2
			case 'u':
				if sc.i+6 > len(sc.s) {
					return sc.eof("was expecting closing quote for a string value")
				}
				for k := 2; k < 6; k++ {
					h := sc.s[sc.i+k]
					if !(h >= '0' && h <= '9' || h >= 'a' && h <= 'f' || h >= 'A' && h <= 'F') {
						return sc.fail(sc.i+k+1, "Unexpected character (%s): expected a hex-digit for character escape sequence", charDesc(rune(h)))
					}
				}
				sc.i += 6
			default:
				er, _ := utf8.DecodeRuneInString(sc.s[sc.i+1:])
				return sc.fail(sc.i+2, "Unrecognized character escape %s", charDesc(er))
			}
		case r < 0x20:
			return sc.fail(sc.i+1, "Illegal unquoted character ((CTRL-CHAR, code %d)): has to be escaped using backslash to be included in string value", r)
		default:
			sc.i += n
		}
	}
	return sc.eof("was expecting closing quote for a string value")
}

func (sc *jsonScanner) object() bool {
	sc.i++
	sc.ws()
	if sc.i < len(sc.s) && sc.s[sc.i] == '}' {
		sc.i++
		return true
	}
	for {
		sc.ws()
		if sc.i >= len(sc.s) {
			return sc.eof("expected close marker for Object")
		}
		if sc.s[sc.i] != '"' {
			r, _ := utf8.DecodeRuneInString(sc.s[sc.i:])
			return sc.fail(sc.i+1, "Unexpected character (%s): was expecting double-quote to start field name", charDesc(r))
		}
		if !sc.str() {
			return false
		}
		sc.ws()
		if sc.i >= len(sc.s) {
			return sc.eof("expected close marker for Object")
		}
		if sc.s[sc.i] != ':' {
			r, _ := utf8.DecodeRuneInString(sc.s[sc.i:])
			return sc.fail(sc.i+1, "Unexpected character (%s): was expecting a colon to separate field name and value", charDesc(r))
		}
		sc.i++
		sc.ws()
		if !sc.value() {
			return false
		}
		sc.ws()
		if sc.i >= len(sc.s) {
			return sc.eof("expected close marker for Object")
		}
		switch sc.s[sc.i] {
		case ',':
			sc.i++
		case '}':
			sc.i++
			return true
		default:
			r, _ := utf8.DecodeRuneInString(sc.s[sc.i:])
			return sc.fail(sc.i+1, "Unexpected character (%s): was expecting comma to separate Object entries", charDesc(r))
		}
	}
}

func (sc *jsonScanner) array() bool {
	sc.i++
	sc.ws()
	if sc.i < len(sc.s) && sc.s[sc.i] == ']' {
		sc.i++
		return true
	}
	for {
		sc.ws()
		if !sc.value() {
			return false
		}
		sc.ws()
		if sc.i >= len(sc.s) {
			return sc.eof("expected close marker for Array")
		}
		switch sc.s[sc.i] {
		case ',':
			sc.i++
		case ']':
			sc.i++
			return true
		default:
			r, _ := utf8.DecodeRuneInString(sc.s[sc.i:])
			return sc.fail(sc.i+1, "Unexpected character (%s): was expecting comma to separate Array entries", charDesc(r))
		}
	}
}
