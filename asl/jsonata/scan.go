package jsonata

import "github.com/stepwise/stepwise/asl/value"

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
