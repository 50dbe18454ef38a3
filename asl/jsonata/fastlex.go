package jsonata

import (
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The fast path's lexer: the tokens of the expressions it accepts (see
// fast.go). It is stricter than jsonata-js's: whatever it does not know
// (regular expressions, unusual names or escapes, operators outside the
// fast grammar) makes it give up, and the expression stays with gnata.

// fastTokKind is the kind of a token of the fast grammar.
type fastTokKind int

const (
	tokEnd    fastTokKind = iota
	tokNumber             // num
	tokString             // text, unescaped
	tokName               // text: a field name (plain or backquoted)
	tokVar                // text: a variable name without the $ ("" for $)
	tokOp                 // text: an operator or punctuation
)

type fastTok struct {
	kind   fastTokKind
	text   string
	num    float64
	quoted bool // a backquoted name: never a keyword
}

// isWord reports whether t is the unquoted name w (a keyword).
func (t fastTok) isWord(w string) bool {
	return t.kind == tokName && !t.quoted && t.text == w
}

// fastLex splits expr into tokens, or reports false.
func fastLex(expr string) ([]fastTok, bool) {
	if !utf8.ValidString(expr) {
		return nil, false
	}
	var toks []fastTok
	i := 0
	for i < len(expr) {
		c := expr[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v':
			i++
			continue
		case c == '/' && i+1 < len(expr) && expr[i+1] == '*':
			end := strings.Index(expr[i+2:], "*/")
			if end < 0 {
				return nil, false
			}
			i += end + 4
			continue
		case c >= '0' && c <= '9':
			n, f, ok := lexNumber(expr[i:])
			if !ok {
				return nil, false
			}
			toks = append(toks, fastTok{kind: tokNumber, num: f})
			i += n
		case c == '"' || c == '\'':
			n, s, ok := lexString(expr[i:])
			if !ok {
				return nil, false
			}
			toks = append(toks, fastTok{kind: tokString, text: s})
			i += n
		case c == '`':
			end := strings.IndexByte(expr[i+1:], '`')
			if end < 0 {
				return nil, false
			}
			toks = append(toks, fastTok{kind: tokName, text: expr[i+1 : i+1+end], quoted: true})
			i += end + 2
		case c == '$':
			j := i + 1
			for j < len(expr) && isNameByte(expr[j]) {
				j++
			}
			if j < len(expr) && !isFastStop(expr[j]) {
				return nil, false
			}
			toks = append(toks, fastTok{kind: tokVar, text: expr[i+1 : j]})
			i = j
		case isNameByte(c):
			j := i
			for j < len(expr) && isNameByte(expr[j]) {
				j++
			}
			if j < len(expr) && !isFastStop(expr[j]) {
				return nil, false
			}
			toks = append(toks, fastTok{kind: tokName, text: expr[i:j]})
			i = j
		default:
			op, ok := lexOperator(expr[i:])
			if !ok {
				return nil, false
			}
			toks = append(toks, fastTok{kind: tokOp, text: op})
			i += len(op)
		}
	}
	return append(toks, fastTok{kind: tokEnd}), true
}

// isNameByte is a character of the plain names the fast path accepts.
func isNameByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// isFastStop is a character that may follow a name: one at which
// jsonata-js's lexer ends it too.
func isFastStop(c byte) bool {
	return isStopChar(c) || c == '"' || c == '\'' || c == '`'
}

// lexOperator reads one of the fast grammar's operators.
func lexOperator(s string) (string, bool) {
	if len(s) >= 2 {
		switch s[:2] {
		case "!=", "<=", ">=":
			return s[:2], true
		case "..", ":=", "~>", "**", "?:", "??":
			return "", false
		}
	}
	switch s[0] {
	case '.', '+', '-', '*', '/', '%', '&', '=', '<', '>', '?', ':', ',', '(', ')', '[', ']', '{', '}':
		return s[:1], true
	}
	return "", false
}

// lexNumber reads a number as jsonata-js does:
// 0|[1-9][0-9]* (.[0-9]+)? ([Ee][-+]?[0-9]+)?.
func lexNumber(s string) (int, float64, bool) {
	i := 0
	digits := func() int {
		n := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
			n++
		}
		return n
	}
	if s[0] == '0' {
		i = 1
	} else {
		digits()
	}
	if i+1 < len(s) && s[i] == '.' && s[i+1] >= '0' && s[i+1] <= '9' {
		i++
		digits()
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		j := i
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if digits() == 0 {
			i = j
		}
	}
	if i < len(s) && (isNameByte(s[i]) || s[i] == '.' && i+1 < len(s) && s[i+1] != '.') {
		// 1a, 0.5.x, 1.e3: leave the odd cases to gnata.
		return 0, 0, false
	}
	f, err := strconv.ParseFloat(s[:i], 64)
	if err != nil || math.IsInf(f, 0) {
		return 0, 0, false
	}
	return i, f, true
}

// lexString reads a quoted string with jsonata-js's escapes, refusing
// the \u escapes of surrogates (a Go string cannot hold a lone one).
func lexString(s string) (int, string, bool) {
	q := s[0]
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		c := s[i]
		switch {
		case c == q:
			return i + 1, b.String(), true
		case c != '\\':
			b.WriteByte(c)
			continue
		}
		i++
		if i >= len(s) {
			return 0, "", false
		}
		switch s[i] {
		case '"', '\\', '/':
			b.WriteByte(s[i])
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
			if i+4 >= len(s) {
				return 0, "", false
			}
			r, err := strconv.ParseUint(s[i+1:i+5], 16, 32)
			if err != nil || r >= 0xD800 && r <= 0xDFFF {
				return 0, "", false
			}
			b.WriteRune(rune(r))
			i += 4
		default:
			return 0, "", false
		}
	}
	return 0, "", false
}
