package jsonpath

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// segKind is the kind of one step of a compiled path, after Jayway's path
// tokens.
type segKind uint8

const (
	segName     segKind = iota // .a or ['a']
	segNames                   // ['a','b']
	segIndex                   // [0]
	segIndexes                 // [0,1]
	segSlice                   // [1:3], [1:], [:3]
	segWildcard                // .* or [*]
	segScan                    // .. (deep scan; the next segment is what it looks for)
	segFilter                  // [?(...)]
	segFunc                    // .length() and the other Jayway functions, always last
)

// sliceKind says which bounds a slice has, as Jayway's ArraySliceOperation.
type sliceKind uint8

const (
	sliceFrom    sliceKind = iota // [from:]
	sliceTo                       // [:to]
	sliceBetween                  // [from:to]
)

// segment is one step of a compiled path.
type segment struct {
	kind    segKind
	name    string   // segName; function name for segFunc
	names   []string // segNames
	index   int      // segIndex
	indexes []int    // segIndexes
	slice   sliceKind
	from    int
	to      int
	filter  filterNode // segFilter
}

// maxNesting bounds the nesting of filters and brackets so that hostile text
// cannot exhaust the stack.
const maxNesting = 64

// maxVarName is the longest variable name AWS accepts.
const maxVarName = 80

// SyntaxError reports a path that does not compile.
type SyntaxError struct {
	Path string // the path as written
	Pos  int    // byte offset of the problem
	Msg  string // what is wrong
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("invalid JSONPath %q at position %d: %s", e.Path, e.Pos, e.Msg)
}

// parser reads the steps of a path. Positions in errors are offsets in the
// text as written (off is where the parsed part starts in it).
type parser struct {
	text   string // whole path as written, for errors
	src    string
	pos    int
	off    int
	depth  int
	filter bool // parsing a path inside a filter: names also end at operators
}

func (p *parser) errorf(format string, args ...any) error {
	return &SyntaxError{Path: p.text, Pos: p.off + p.pos, Msg: fmt.Sprintf(format, args...)}
}

func (p *parser) more() bool { return p.pos < len(p.src) }

func (p *parser) peek() byte {
	if p.pos < len(p.src) {
		return p.src[p.pos]
	}
	return 0
}

func (p *parser) skipBlanks() {
	for p.pos < len(p.src) && p.src[p.pos] == ' ' {
		p.pos++
	}
}

// segments reads steps until the end of the text or, inside a filter, until
// a character that cannot continue a path. segs is where to put them
// (usually empty, with room for the steps expected).
func (p *parser) segments(segs []segment) ([]segment, error) {
	for p.more() {
		if p.filter && !p.continuesPath() {
			break
		}
		if len(segs) > 0 && segs[len(segs)-1].kind == segFunc {
			return nil, p.errorf("a function must end the path")
		}
		var err error
		segs, err = p.next(segs)
		if err != nil {
			return nil, err
		}
	}
	return segs, nil
}

// continuesPath reports whether, inside a filter, the current character goes
// on with the path (Jayway ends a filter path at a blank, a relational
// operator character or a closing parenthesis).
func (p *parser) continuesPath() bool {
	switch p.peek() {
	case ' ', '<', '>', '=', '~', '!', ')':
		return false
	}
	return true
}

// next reads one token, as Jayway's PathCompiler.readNextToken.
func (p *parser) next(segs []segment) ([]segment, error) {
	switch p.peek() {
	case '[':
		return p.bracket(segs)
	case '.':
		return p.dot(segs)
	case '*':
		p.pos++
		return append(segs, segment{kind: segWildcard}), nil
	default:
		return p.nameOrFunc(segs)
	}
}

func (p *parser) dot(segs []segment) ([]segment, error) {
	if strings.HasPrefix(p.src[p.pos:], "..") {
		segs = append(segs, segment{kind: segScan})
		p.pos += 2
	} else {
		p.pos++
	}
	if !p.more() || (p.filter && !p.continuesPath()) {
		return nil, p.errorf("path must not end with a '.' or '..'")
	}
	if p.peek() == '.' {
		return nil, p.errorf("character '.' is not valid here")
	}
	return p.next(segs)
}

// nameOrFunc reads a dotted property name, or a function call name().
func (p *parser) nameOrFunc(segs []segment) ([]segment, error) {
	start := p.pos
	for p.more() {
		c := p.peek()
		if c == '.' || c == '[' || c == '(' {
			break
		}
		if p.filter && !p.continuesPath() {
			break
		}
		if c == ' ' {
			return nil, p.errorf("use bracket notation ['my prop'] if a property contains blank characters")
		}
		p.pos++
	}
	name := p.src[start:p.pos]
	if name == "" {
		return nil, p.errorf("expected a property name")
	}
	if p.peek() != '(' {
		return append(segs, segment{kind: segName, name: name}), nil
	}
	if !knownFunc(name) {
		return nil, p.errorf("function %s() does not exist", name)
	}
	if len(segs) > 0 && segs[len(segs)-1].kind == segScan {
		// A deep scan needs a step to look for; a function is not one.
		return nil, p.errorf("function %s() cannot follow '..'", name)
	}
	p.pos++
	p.skipBlanks()
	if p.peek() != ')' {
		return nil, p.errorf("function %s() takes no arguments here", name)
	}
	p.pos++
	return append(segs, segment{kind: segFunc, name: name}), nil
}

func (p *parser) bracket(segs []segment) ([]segment, error) {
	open := p.pos
	p.pos++ // [
	p.skipBlanks()
	switch c := p.peek(); {
	case c == '\'' || c == '"':
		return p.bracketNames(segs)
	case c == '*':
		p.pos++
		p.skipBlanks()
		if p.peek() != ']' {
			return nil, p.errorf("expected ']' after '[*'")
		}
		p.pos++
		return append(segs, segment{kind: segWildcard}), nil
	case c == '?':
		return p.bracketFilter(segs)
	case c == '-' || c == ':' || (c >= '0' && c <= '9'):
		end := strings.IndexByte(p.src[p.pos:], ']')
		if end < 0 {
			return nil, p.errorf("missing ']'")
		}
		expr := strings.TrimSpace(p.src[p.pos : p.pos+end])
		p.pos += end + 1
		if strings.Contains(expr, ":") {
			s, err := p.parseSlice(expr, open)
			if err != nil {
				return nil, err
			}
			return append(segs, s), nil
		}
		s, err := p.parseIndexes(expr, open)
		if err != nil {
			return nil, err
		}
		return append(segs, s), nil
	}
	return nil, p.errorf("could not parse the token starting at '['; expected ?, ', \", 0-9 or *")
}

// bracketNames reads ['a'] or ['a', "b", ...].
func (p *parser) bracketNames(segs []segment) ([]segment, error) {
	var names []string
	for {
		p.skipBlanks()
		q := p.peek()
		if q != '\'' && q != '"' {
			return nil, p.errorf("expected a quoted property name")
		}
		s, err := p.quotedName(q)
		if err != nil {
			return nil, err
		}
		names = append(names, s)
		p.skipBlanks()
		switch p.peek() {
		case ',':
			p.pos++
			continue
		case ']':
			p.pos++
			if len(names) == 1 {
				return append(segs, segment{kind: segName, name: names[0]}), nil
			}
			return append(segs, segment{kind: segNames, names: names}), nil
		}
		return nil, p.errorf("expected ',' or ']' after a property name")
	}
}

// quoted reads a string in quotes q, with Jayway's backslash escapes, and
// returns its unescaped content.
func (p *parser) quoted(q byte) (string, error) {
	start := p.pos
	p.pos++
	escaped := false
	for p.more() {
		c := p.src[p.pos]
		p.pos++
		switch {
		case escaped:
			escaped = false
		case c == '\\':
			escaped = true
		case c == q:
			s, ok := unescape(p.src[start+1 : p.pos-1])
			if !ok {
				return "", &SyntaxError{Path: p.text, Pos: p.off + start, Msg: "bad escape sequence in a quoted string"}
			}
			return s, nil
		}
	}
	return "", &SyntaxError{Path: p.text, Pos: p.off + start, Msg: "unterminated quoted string"}
}

// quotedName reads a property name in quotes q inside brackets. AWS's Jayway
// takes the name as written except that a backslash before the quote or
// before another backslash stands for that character: AWS resolves
// $['Test\\""Name"'] to the key Test\\""Name" (a backslash before any other
// character, '"' included, stays).
func (p *parser) quotedName(q byte) (string, error) {
	start := p.pos
	p.pos++
	var b strings.Builder
	for p.more() {
		c := p.src[p.pos]
		p.pos++
		switch {
		case c == '\\' && p.more() && (p.src[p.pos] == q || p.src[p.pos] == '\\'):
			b.WriteByte(p.src[p.pos])
			p.pos++
		case c == q:
			return b.String(), nil
		default:
			b.WriteByte(c)
		}
	}
	return "", &SyntaxError{Path: p.text, Pos: p.off + start, Msg: "unterminated quoted string"}
}

// unescape resolves the escapes Jayway's Utils.unescape knows: \\ \' \" \/
// \b \f \n \r \t and \uXXXX. An unknown escape keeps the escaped character.
func unescape(s string) (string, bool) {
	if !strings.Contains(s, `\`) {
		return s, true
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' {
			b.WriteByte(c)
			continue
		}
		i++
		if i >= len(s) {
			return "", false
		}
		switch s[i] {
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
			r, ok := hex4(s, i+1)
			if !ok {
				return "", false
			}
			i += 4
			if utf16.IsSurrogate(r) && i+2 < len(s) && s[i+1] == '\\' && s[i+2] == 'u' {
				if r2, ok := hex4(s, i+3); ok {
					if d := utf16.DecodeRune(r, r2); d != utf8.RuneError {
						b.WriteRune(d)
						i += 6
						continue
					}
				}
			}
			b.WriteRune(r)
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String(), true
}

func hex4(s string, at int) (rune, bool) {
	if at+4 > len(s) {
		return 0, false
	}
	n, err := strconv.ParseUint(s[at:at+4], 16, 32)
	if err != nil {
		return 0, false
	}
	return rune(n), true
}

// parseIndexes reads "0" or "0, 1, -1".
func (p *parser) parseIndexes(expr string, open int) (segment, error) {
	parts := strings.Split(expr, ",")
	idx := make([]int, 0, len(parts))
	for _, part := range parts {
		n, err := strconv.ParseInt(strings.TrimSpace(part), 10, 32)
		if err != nil {
			return segment{}, &SyntaxError{Path: p.text, Pos: p.off + open, Msg: "failed to parse array index operation: " + expr}
		}
		idx = append(idx, int(n))
	}
	if len(idx) == 1 {
		return segment{kind: segIndex, index: idx[0]}, nil
	}
	return segment{kind: segIndexes, indexes: idx}, nil
}

// parseSlice reads "from:to", "from:" or ":to"; like Jayway it ignores a
// third part (a step).
func (p *parser) parseSlice(expr string, open int) (segment, error) {
	bad := &SyntaxError{Path: p.text, Pos: p.off + open, Msg: "failed to parse slice operation: " + expr}
	for i := 0; i < len(expr); i++ {
		if c := expr[i]; (c < '0' || c > '9') && c != '-' && c != ':' {
			return segment{}, bad
		}
	}
	parts := strings.Split(expr, ":")
	read := func(i int) (int, bool, error) {
		if i >= len(parts) || parts[i] == "" {
			return 0, false, nil
		}
		n, err := strconv.ParseInt(parts[i], 10, 32)
		if err != nil {
			return 0, false, bad
		}
		return int(n), true, nil
	}
	from, hasFrom, err := read(0)
	if err != nil {
		return segment{}, err
	}
	to, hasTo, err := read(1)
	if err != nil {
		return segment{}, err
	}
	switch {
	case hasFrom && !hasTo:
		return segment{kind: segSlice, slice: sliceFrom, from: from}, nil
	case hasFrom:
		return segment{kind: segSlice, slice: sliceBetween, from: from, to: to}, nil
	case hasTo:
		return segment{kind: segSlice, slice: sliceTo, to: to}, nil
	}
	return segment{}, bad
}

// bracketFilter reads [?( expression )].
func (p *parser) bracketFilter(segs []segment) ([]segment, error) {
	p.pos++ // ?
	p.skipBlanks()
	if p.peek() != '(' {
		return nil, p.errorf("expected '(' after '[?'")
	}
	p.pos++
	if p.depth++; p.depth > maxNesting {
		return nil, p.errorf("filters nested too deeply")
	}
	fp := filterParser{p: p}
	node, err := fp.or()
	p.depth--
	if err != nil {
		return nil, err
	}
	p.skipBlanks()
	if p.peek() != ')' {
		return nil, p.errorf("expected ')' to close the filter")
	}
	p.pos++
	p.skipBlanks()
	if p.peek() != ']' {
		return nil, p.errorf("expected ']' to close the filter")
	}
	p.pos++
	return append(segs, segment{kind: segFilter, filter: node}), nil
}

// ValidVariableName reports whether name can name a workflow variable: a
// Unicode identifier (ID_Start then ID_Continue characters) of at most 80
// characters.
func ValidVariableName(name string) bool {
	if name == "" || utf8.RuneCountInString(name) > maxVarName {
		return false
	}
	for i, r := range name {
		if r == utf8.RuneError {
			return false
		}
		if i == 0 {
			if !isIDStart(r) {
				return false
			}
		} else if !isIDContinue(r) {
			return false
		}
	}
	return true
}

func isIDStart(r rune) bool {
	return unicode.IsLetter(r) || unicode.Is(unicode.Nl, r) || unicode.Is(unicode.Other_ID_Start, r)
}

func isIDContinue(r rune) bool {
	return isIDStart(r) || unicode.In(r, unicode.Mn, unicode.Mc, unicode.Nd, unicode.Pc, unicode.Other_ID_Continue)
}
