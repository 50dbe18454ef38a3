package jsonata

import (
	"strings"

	"github.com/stepwise/stepwise/asl/value"
)

// refs are the $names an expression's text mentions. Only those are bound
// per evaluation, so an expression does not pay for converting variables
// and $states members it never reads. The scan is over the raw text (names
// inside string literals count too): binding a name that is not read is
// harmless, missing one is not, and a variable can only be reached by its
// written name ($eval, which could build one, is removed).
type refs struct {
	names []string // variable names, without $, each once, "states" excluded
	// states: the expression reads $states; statesAll: in a way other than
	// $states.<member> (so every member is bound); members: the members read.
	states    bool
	statesAll bool
	members   []string
}

// scanRefs finds the $names of expr, cutting a name where gnata's lexer
// does (at whitespace and operator characters).
func scanRefs(expr string) refs {
	var r refs
	for i := 0; i < len(expr); i++ {
		if expr[i] != '$' {
			continue
		}
		j := i + 1
		for j < len(expr) && !isStopChar(expr[j]) {
			j++
		}
		name := expr[i+1 : j]
		if name == "" || name == "$" || name[0] == '$' {
			i = j - 1
			continue
		}
		if name == "states" {
			r.states = true
			if m, ok := stateMember(expr, j); ok {
				r.members = appendOnce(r.members, m)
			} else {
				r.statesAll = true
			}
		} else {
			r.names = appendOnce(r.names, name)
		}
		i = j - 1
	}
	return r
}

// stateMember reads ".member" after $states at expr[j:], allowing spaces
// around the dot as the lexer does. It reports false for anything else
// ($states alone, $states.*, $states[0], a quoted name, ...).
func stateMember(expr string, j int) (string, bool) {
	j = skipSpace(expr, j)
	if j >= len(expr) || expr[j] != '.' {
		return "", false
	}
	j = skipSpace(expr, j+1)
	k := j
	for k < len(expr) && !isStopChar(expr[k]) {
		k++
	}
	m := expr[j:k]
	if m == "" || m[0] == '`' || m[0] == '"' || m[0] == '\'' || m[0] == '$' {
		return "", false
	}
	return m, true
}

func skipSpace(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r' || s[i] == '\v') {
		i++
	}
	return i
}

// isStopChar is the set of characters at which gnata's lexer ends a name.
func isStopChar(ch byte) bool {
	switch ch {
	case ' ', '\t', '\n', '\r', '\v',
		'.', '[', ']', '{', '}', '(', ')', ',', '@', '#', ';', ':', '?',
		'+', '-', '*', '/', '%', '|', '=', '<', '>', '^', '&', '!', '~':
		return true
	}
	return false
}

func appendOnce(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

// signedBuiltin returns the one builtin with a signature checked by gnata
// itself ($uppercase, $lowercase) that the expression mentions, or "".
func (r refs) signedBuiltin() string {
	found := ""
	for _, n := range r.names {
		if n == "uppercase" || n == "lowercase" {
			if found != "" {
				return ""
			}
			found = n
		}
	}
	return found
}

// maxNesting bounds the bracket nesting of an expression. jsonata-js (and
// so AWS) overflows its stack well before; gnata's parser and evaluator
// recurse per level and grow slow past a few thousand, so deeper input is
// refused at Compile rather than left to tie up a worker.
const maxNesting = 500

// nesting returns the deepest nesting of (), [] and {} in expr, outside
// string literals, quoted names and comments.
func nesting(expr string) int {
	depth, deepest := 0, 0
	for i := 0; i < len(expr); i++ {
		if end, ok := skipOpaque(expr, i); ok {
			i = end
			continue
		}
		switch c := expr[i]; c {
		case '(', '[', '{':
			depth++
			deepest = max(deepest, depth)
		case ')', ']', '}':
			depth--
		}
	}
	return deepest
}

// newerOperator finds the first "?:", "??" or infix "**" of expr outside
// string literals, quoted names, comments and regular expressions: the
// default, coalescing and power operators gnata parses but jsonata-js
// 2.0.6 (AWS's) does not. It returns jsonata-js's error code and the
// token it stumbles on (S0211 ":" or "?", S0201 "**"), or "".
func newerOperator(expr string) (code, token string) {
	prev := byte(0) // the last character outside spaces, comments and literals
	for i := 0; i < len(expr); i++ {
		c := expr[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v':
			continue
		case c == '"' || c == '\'' || c == '`':
			for i++; i < len(expr) && expr[i] != c; i++ {
				if expr[i] == '\\' && c != '`' {
					i++
				}
			}
		case c == '/' && i+1 < len(expr) && expr[i+1] == '*':
			end := strings.Index(expr[i+2:], "*/")
			if end < 0 {
				return "", ""
			}
			i += end + 3
			continue
		case c == '*' && i+1 < len(expr) && expr[i+1] == '*' && endsOperand(prev):
			// ** after an operand is the power operator; elsewhere it is
			// the descendant wildcard (a.**.b), which jsonata-js has too.
			return "S0201", "**"
		case c == '/' && !endsOperand(prev):
			// A regular expression, where "?:" and "??" are regex syntax.
			for i++; i < len(expr) && expr[i] != '/'; i++ {
				if expr[i] == '\\' {
					i++
				}
			}
		case c == '<' && prev == ')':
			// A lambda's signature, as in function($a)<s?:s>{...}.
			if end := signatureEnd(expr, i); end > 0 {
				i = end
			}
		case c == '?' && i+1 < len(expr) && (expr[i+1] == ':' || expr[i+1] == '?'):
			return "S0211", string(expr[i+1])
		}
		prev = c
	}
	return "", ""
}

// endsOperand reports whether c, the last character before a '/', ends an
// operand (so the '/' divides) rather than an operator (so it starts a
// regular expression).
func endsOperand(c byte) bool {
	switch {
	case c == 0:
		return false
	case c == ')' || c == ']' || c == '}' || c == '"' || c == '\'' || c == '`':
		return true
	case c >= '0' && c <= '9', c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '_', c == '$', c >= 0x80:
		return true
	}
	return false
}

// signatureEnd returns the position of the '>' closing the function
// signature that starts at expr[i] == '<', when it is one (signature
// characters only, then a '{' for the body); else 0.
func signatureEnd(expr string, i int) int {
	depth := 0
	for j := i; j < len(expr); j++ {
		switch c := expr[j]; {
		case c == '<':
			depth++
		case c == '>':
			depth--
			if depth == 0 {
				k := skipSpace(expr, j+1)
				if k < len(expr) && expr[k] == '{' {
					return j
				}
				return 0
			}
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', strings.IndexByte("?+-:()|", c) >= 0:
		default:
			return 0
		}
	}
	return 0
}

// ReadsStatesMember reports whether an expression string anywhere in v (a
// value) may read the member of $states named member: by name, or by
// reading $states in any other way. A string that is not an expression
// reads nothing.
func ReadsStatesMember(v any, member string) bool {
	switch x := v.(type) {
	case string:
		text, ok := Expression(x)
		if !ok {
			return false
		}
		r := scanRefs(text)
		return r.statesAll || contains(r.members, member)
	case *value.Object:
		for i := 0; i < x.Len(); i++ {
			if _, e := x.At(i); ReadsStatesMember(e, member) {
				return true
			}
		}
	case []any:
		for _, e := range x {
			if ReadsStatesMember(e, member) {
				return true
			}
		}
	}
	return false
}

// skipOpaque reports whether expr[i] opens a string literal, a quoted
// name or a comment, whose brackets are not the expression's, and returns
// the index of its last byte (past the end when it does not close).
func skipOpaque(expr string, i int) (int, bool) {
	switch c := expr[i]; c {
	case '"', '\'', '`':
		for i++; i < len(expr) && expr[i] != c; i++ {
			if expr[i] == '\\' && c != '`' {
				i++
			}
		}
		return i, true
	case '/':
		if i+1 < len(expr) && expr[i+1] == '*' {
			end := strings.Index(expr[i+2:], "*/")
			if end < 0 {
				return len(expr), true
			}
			return i + end + 3, true
		}
	}
	return i, false
}
