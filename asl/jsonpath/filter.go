package jsonpath

import (
	"math"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/stepwise/stepwise/asl/value"
)

// This file holds the filter expressions of Jayway JsonPath, [?(...)]: their
// grammar (Jayway's FilterCompiler) and their evaluation (Jayway's
// ValueNode and EvaluatorFactory), including its quirks, such as a number
// being equal to a string that spells it.

// filterNode is a compiled filter expression.
type filterNode interface {
	match(item any, c *evalCtx) bool
}

type orNode struct{ l, r filterNode }

func (n *orNode) match(item any, c *evalCtx) bool { return n.l.match(item, c) || n.r.match(item, c) }

type andNode struct{ l, r filterNode }

func (n *andNode) match(item any, c *evalCtx) bool { return n.l.match(item, c) && n.r.match(item, c) }

type notNode struct{ x filterNode }

func (n *notNode) match(item any, c *evalCtx) bool { return !n.x.match(item, c) }

// existsNode is a path alone, [?(@.isbn)], or negated, [?(!@.isbn)].
type existsNode struct {
	path *operandPath
	want bool
}

func (n *existsNode) match(item any, c *evalCtx) bool { return c.exists(n.path, item) == n.want }

// relOp is a relational operator of a filter.
type relOp uint8

const (
	opEQ relOp = iota
	opNE
	opTSEQ
	opTSNE
	opLT
	opLTE
	opGT
	opGTE
	opRegex
	opIn
	opNin
	opContains
	opSubsetOf
	opAnyOf
	opNoneOf
	opSize
	opEmpty
)

var relOps = map[string]relOp{
	"==": opEQ, "!=": opNE, "===": opTSEQ, "!==": opTSNE,
	"<": opLT, "<=": opLTE, ">": opGT, ">=": opGTE, "=~": opRegex,
	"in": opIn, "nin": opNin, "contains": opContains, "subsetof": opSubsetOf,
	"anyof": opAnyOf, "noneof": opNoneOf, "size": opSize, "empty": opEmpty,
}

type relNode struct {
	op   relOp
	l, r operand
}

func (n *relNode) match(item any, c *evalCtx) bool {
	return compare(n.op, c.operandValue(&n.l, item), c.operandValue(&n.r, item))
}

// operandPath is a path inside a filter: relative to the item (@) or to the
// document ($).
type operandPath struct {
	abs      bool
	segs     []segment
	definite bool
}

// operand is one side of a relation: a path or a literal.
type operand struct {
	path *operandPath
	lit  fval
}

// fkind is the kind of a filter value, after Jayway's ValueNode classes.
type fkind uint8

const (
	fUndef  fkind = iota // a path that matched nothing
	fNull                // null
	fBool                // true, false
	fString              // a string
	fNumber              // int64 or float64
	fJSON                // an object or array, or the list an indefinite path gives
	fRegex               // /pattern/flags
)

// fval is a filter value.
type fval struct {
	k  fkind
	v  any
	re *regexp.Regexp
}

func classify(v any) fval {
	switch v.(type) {
	case nil:
		return fval{k: fNull}
	case bool:
		return fval{k: fBool, v: v}
	case string:
		return fval{k: fString, v: v}
	case int64, float64:
		return fval{k: fNumber, v: v}
	case *value.Object, []any:
		return fval{k: fJSON, v: v}
	}
	return fval{k: fUndef}
}

// --- parsing ---

type filterParser struct{ p *parser }

func (f *filterParser) or() (filterNode, error) {
	l, err := f.and()
	if err != nil {
		return nil, err
	}
	for {
		f.p.skipBlanks()
		if !strings.HasPrefix(f.p.src[f.p.pos:], "||") {
			return l, nil
		}
		f.p.pos += 2
		r, err := f.and()
		if err != nil {
			return nil, err
		}
		l = &orNode{l, r}
	}
}

func (f *filterParser) and() (filterNode, error) {
	l, err := f.unary()
	if err != nil {
		return nil, err
	}
	for {
		f.p.skipBlanks()
		if !strings.HasPrefix(f.p.src[f.p.pos:], "&&") {
			return l, nil
		}
		f.p.pos += 2
		r, err := f.unary()
		if err != nil {
			return nil, err
		}
		l = &andNode{l, r}
	}
}

func (f *filterParser) unary() (filterNode, error) {
	p := f.p
	if p.depth++; p.depth > maxNesting {
		return nil, p.errorf("filter nested too deeply")
	}
	defer func() { p.depth-- }()
	p.skipBlanks()
	switch p.peek() {
	case '!':
		p.pos++
		p.skipBlanks()
		if c := p.peek(); c == '@' || c == '$' {
			return f.relation(true)
		}
		x, err := f.unary()
		if err != nil {
			return nil, err
		}
		return &notNode{x}, nil
	case '(':
		p.pos++
		x, err := f.or()
		if err != nil {
			return nil, err
		}
		p.skipBlanks()
		if p.peek() != ')' {
			return nil, p.errorf("expected ')' in filter")
		}
		p.pos++
		return x, nil
	}
	return f.relation(false)
}

// relation reads "operand [operator operand]"; an operand alone must be a
// path and tests that the path exists (negated when it followed a '!').
func (f *filterParser) relation(negated bool) (filterNode, error) {
	l, err := f.operand(false)
	if err != nil {
		return nil, err
	}
	p := f.p
	p.skipBlanks()
	op, ok, err := f.operator()
	if err != nil {
		return nil, err
	}
	if !ok {
		if l.path == nil {
			return nil, p.errorf("a literal alone is not a filter condition")
		}
		return &existsNode{path: l.path, want: !negated}, nil
	}
	r, err := f.operand(true)
	if err != nil {
		return nil, err
	}
	return &relNode{op: op, l: l, r: r}, nil
}

func isOpChar(c byte) bool { return c == '<' || c == '>' || c == '=' || c == '~' || c == '!' }

// operator reads a relational operator if one comes next.
func (f *filterParser) operator() (relOp, bool, error) {
	p := f.p
	start := p.pos
	switch c := p.peek(); {
	case isOpChar(c):
		for p.more() && isOpChar(p.peek()) {
			p.pos++
		}
	case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
		for p.more() && (p.peek() >= 'a' && p.peek() <= 'z' || p.peek() >= 'A' && p.peek() <= 'Z') {
			p.pos++
		}
	default:
		return 0, false, nil
	}
	word := p.src[start:p.pos]
	op, ok := relOps[strings.ToLower(word)]
	if !ok {
		p.pos = start
		return 0, false, p.errorf("unknown filter operator %q", word)
	}
	return op, true, nil
}

// operand reads one side of a relation. right is set for the side after
// the operator, where an unquoted word such as Receipt in
// [?(@.Name==Receipt)] stands for the string it spells (see bareWord).
func (f *filterParser) operand(right bool) (operand, error) {
	p := f.p
	p.skipBlanks()
	c := p.peek()
	switch {
	case c == '@' || c == '$':
		start := p.pos
		p.pos++
		if p.more() {
			if n := p.peek(); n != '.' && n != '[' && p.continuesPath() && n != '&' && n != '|' {
				return operand{}, p.errorf("expected '.' or '[' after %q", string(c))
			}
		}
		saved := p.filter
		p.filter = true
		segs, err := p.segments(nil)
		p.filter = saved
		if err != nil {
			return operand{}, err
		}
		_ = start
		return operand{path: &operandPath{abs: c == '$', segs: segs, definite: definite(segs)}}, nil
	case c == '\'' || c == '"':
		s, err := p.quoted(c)
		if err != nil {
			return operand{}, err
		}
		return operand{lit: fval{k: fString, v: s}}, nil
	case c == '[' || c == '{':
		v, err := f.jsonLiteral(0)
		if err != nil {
			return operand{}, err
		}
		return operand{lit: fval{k: fJSON, v: v}}, nil
	case c == '/':
		return f.regex()
	case c == 't' || c == 'f' || c == 'n':
		for _, w := range [...]struct {
			word string
			v    fval
		}{{"true", fval{k: fBool, v: true}}, {"false", fval{k: fBool, v: false}}, {"null", fval{k: fNull}}} {
			if strings.HasPrefix(p.src[p.pos:], w.word) && !(right && isBareWordByte(p.src, p.pos+len(w.word))) {
				p.pos += len(w.word)
				return operand{lit: w.v}, nil
			}
		}
		if right {
			return operand{lit: fval{k: fString, v: f.bareWord()}}, nil
		}
	case c == '-' || c == '+' || c == '.' || c >= '0' && c <= '9':
		n, err := f.number()
		if err != nil {
			return operand{}, err
		}
		return operand{lit: fval{k: fNumber, v: n}}, nil
	}
	if right && (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c >= 0x80) {
		return operand{lit: fval{k: fString, v: f.bareWord()}}, nil
	}
	return operand{}, p.errorf("expected a path or a value in filter")
}

// bareWord reads an unquoted word on the right of an operator and returns
// it as a string: [?(@.Name==Receipt)] is [?(@.Name=='Receipt')].
//
// AWS accepts such filters (deployed AWS samples use them). Jayway JsonPath
// 2.0.0, whose Criteria.parse split "left op right" and kept a right side
// that is neither a path ($, @), a quoted string nor a /pattern/ as its raw
// text, compares it as that string; Jayway 2.1.0 and later read it as a
// number (FilterCompiler.readLiteral falls through to readNumberLiteral) and
// fail on the empty number, so the word-as-string reading is the one under
// which those samples work. The word ends at a blank, a bracket, a quote, a
// comma, '&', '|' or an operator character.
func (f *filterParser) bareWord() string {
	p := f.p
	start := p.pos
	for isBareWordByte(p.src, p.pos) {
		p.pos++
	}
	return p.src[start:p.pos]
}

// isBareWordByte reports whether src[i] can continue an unquoted word.
func isBareWordByte(src string, i int) bool {
	if i >= len(src) {
		return false
	}
	switch c := src[i]; c {
	case ' ', '\t', '\n', '\r', '(', ')', '[', ']', '{', '}', ',', '\'', '"', '&', '|':
		return false
	default:
		return !isOpChar(c)
	}
}

// number reads a number literal as Jayway does (the characters of a
// BigDecimal), as int64 when it is an integer that fits, float64 otherwise.
func (f *filterParser) number() (any, error) {
	p := f.p
	start := p.pos
	for p.more() {
		c := p.peek()
		if !(c >= '0' && c <= '9' || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E') {
			break
		}
		p.pos++
	}
	text := p.src[start:p.pos]
	if n, ok := parseDecimal(text); ok {
		return n, nil
	}
	p.pos = start
	return nil, p.errorf("invalid number %q in filter", text)
}

// parseDecimal parses the text of a Java BigDecimal.
func parseDecimal(s string) (any, bool) {
	if s == "" || strings.ContainsAny(s, "xXpP_") || strings.EqualFold(strings.TrimLeft(s, "+-"), "inf") ||
		strings.EqualFold(strings.TrimLeft(s, "+-"), "infinity") || strings.EqualFold(strings.TrimLeft(s, "+-"), "nan") {
		return nil, false
	}
	if !strings.ContainsAny(s, ".eE") {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return n, true
		}
	}
	x, err := strconv.ParseFloat(s, 64)
	if err != nil && !isRangeErr(err) {
		return nil, false
	}
	return x, true
}

func isRangeErr(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

func (f *filterParser) regex() (operand, error) {
	p := f.p
	start := p.pos
	p.pos++
	escaped := false
	for p.more() {
		c := p.peek()
		p.pos++
		if escaped {
			escaped = false
			continue
		}
		if c == '\\' {
			escaped = true
			continue
		}
		if c == '/' {
			src := p.src[start+1 : p.pos-1]
			flags := ""
			for p.more() && strings.IndexByte("dimsuxU", p.peek()) >= 0 {
				flags += string(p.peek())
				p.pos++
			}
			var goFlags string
			for _, fl := range flags {
				switch fl {
				case 'i', 'm', 's':
					goFlags += string(fl)
				case 'x':
					return operand{}, p.errorf("regular expression flag 'x' is not supported")
				}
			}
			expr := "^(?:" + src + ")$"
			if goFlags != "" {
				expr = "(?" + goFlags + ")" + expr
			}
			re, err := regexp.Compile(expr)
			if err != nil {
				return operand{}, &SyntaxError{Path: p.text, Pos: p.off + start, Msg: "invalid regular expression: " + err.Error()}
			}
			return operand{lit: fval{k: fRegex, v: src, re: re}}, nil
		}
	}
	return operand{}, &SyntaxError{Path: p.text, Pos: p.off + start, Msg: "unterminated regular expression"}
}

// jsonLiteral reads an array or object literal; like Jayway's lenient JSON
// reader it accepts strings in single quotes.
func (f *filterParser) jsonLiteral(depth int) (any, error) {
	p := f.p
	if depth > maxNesting {
		return nil, p.errorf("literal nested too deeply")
	}
	p.skipBlanks()
	switch c := p.peek(); {
	case c == '[':
		p.pos++
		arr := []any{}
		p.skipBlanks()
		if p.peek() == ']' {
			p.pos++
			return arr, nil
		}
		for {
			v, err := f.jsonLiteral(depth + 1)
			if err != nil {
				return nil, err
			}
			arr = append(arr, v)
			p.skipBlanks()
			switch p.peek() {
			case ',':
				p.pos++
				continue
			case ']':
				p.pos++
				return arr, nil
			}
			return nil, p.errorf("expected ',' or ']' in array literal")
		}
	case c == '{':
		p.pos++
		obj := value.NewObject(0)
		p.skipBlanks()
		if p.peek() == '}' {
			p.pos++
			return obj, nil
		}
		for {
			p.skipBlanks()
			q := p.peek()
			if q != '\'' && q != '"' {
				return nil, p.errorf("expected a quoted key in object literal")
			}
			k, err := p.quoted(q)
			if err != nil {
				return nil, err
			}
			p.skipBlanks()
			if p.peek() != ':' {
				return nil, p.errorf("expected ':' in object literal")
			}
			p.pos++
			v, err := f.jsonLiteral(depth + 1)
			if err != nil {
				return nil, err
			}
			obj.Set(k, v)
			p.skipBlanks()
			switch p.peek() {
			case ',':
				p.pos++
				continue
			case '}':
				p.pos++
				return obj, nil
			}
			return nil, p.errorf("expected ',' or '}' in object literal")
		}
	case c == '\'' || c == '"':
		return p.quoted(c)
	case c == 't' && strings.HasPrefix(p.src[p.pos:], "true"):
		p.pos += 4
		return true, nil
	case c == 'f' && strings.HasPrefix(p.src[p.pos:], "false"):
		p.pos += 5
		return false, nil
	case c == 'n' && strings.HasPrefix(p.src[p.pos:], "null"):
		p.pos += 4
		return nil, nil
	case c == '-' || c >= '0' && c <= '9':
		return f.number()
	}
	return nil, p.errorf("invalid value in literal")
}

// --- evaluation ---

func (c *evalCtx) operandValue(o *operand, item any) fval {
	if o.path == nil {
		return o.lit
	}
	doc := item
	if o.path.abs {
		doc = c.root
	}
	if o.path.definite {
		v, ok := lookup(o.path.segs, doc)
		if !ok {
			return fval{k: fUndef}
		}
		return classify(v)
	}
	sub := evalCtx{root: c.root, depth: c.depth + 1, left: c.left}
	if sub.depth > maxNesting {
		return fval{k: fUndef}
	}
	sub.walk(o.path.segs, 0, doc, true)
	if sub.out == nil {
		sub.out = []any{}
	}
	return fval{k: fJSON, v: sub.out}
}

// exists reports whether a path names something in item, as Jayway's
// existence check does (it evaluates with REQUIRE_PROPERTIES: a property
// missing anywhere along the path fails the check).
func (c *evalCtx) exists(p *operandPath, item any) bool {
	doc := item
	if p.abs {
		doc = c.root
	}
	if p.definite {
		_, ok := lookup(p.segs, doc)
		return ok
	}
	sub := evalCtx{root: c.root, require: true, depth: c.depth + 1, left: c.left}
	if sub.depth > maxNesting {
		return false
	}
	sub.walk(p.segs, 0, doc, true)
	return !sub.failed
}

func compare(op relOp, l, r fval) bool {
	switch op {
	case opEQ:
		return equals(l, r)
	case opNE:
		return !equals(l, r)
	case opTSEQ:
		return l.k == r.k && equals(l, r)
	case opTSNE:
		return !(l.k == r.k && equals(l, r))
	case opLT, opLTE, opGT, opGTE:
		var c int
		switch {
		case l.k == fNumber && r.k == fNumber:
			c = compareNumbers(l.v, r.v)
		case l.k == fString && r.k == fString:
			c = javaCompare(l.v.(string), r.v.(string))
		default:
			return false
		}
		switch op {
		case opLT:
			return c < 0
		case opLTE:
			return c <= 0
		case opGT:
			return c > 0
		}
		return c >= 0
	case opRegex:
		if (l.k == fRegex) == (r.k == fRegex) {
			return false
		}
		if l.k == fRegex {
			return l.re.MatchString(regexInput(r))
		}
		return r.re.MatchString(regexInput(l))
	case opIn:
		return in(l, r)
	case opNin:
		return !in(l, r)
	case opContains:
		if l.k == fString && r.k == fString {
			return strings.Contains(l.v.(string), r.v.(string))
		}
		list, ok := asList(l)
		if !ok {
			return false
		}
		for _, e := range list {
			if equals(r, classify(e)) {
				return true
			}
		}
		return false
	case opSubsetOf, opAnyOf, opNoneOf:
		ll, ok1 := asList(l)
		rl, ok2 := asList(r)
		if !ok1 || !ok2 {
			return false
		}
		for _, e := range ll {
			found := listContains(rl, classify(e))
			switch {
			case op == opSubsetOf && !found:
				return false
			case op == opAnyOf && found:
				return true
			case op == opNoneOf && found:
				return false
			}
		}
		return op != opAnyOf
	case opSize:
		if r.k != fNumber {
			return false
		}
		want := javaIntValue(r.v)
		switch l.k {
		case fString:
			return utf16Len(l.v.(string)) == want
		case fJSON:
			if a, ok := l.v.([]any); ok {
				return len(a) == want
			}
			return want == -1
		}
		return false
	case opEmpty:
		if r.k != fBool {
			return false
		}
		want := r.v.(bool)
		switch l.k {
		case fString:
			return (l.v.(string) == "") == want
		case fJSON:
			switch x := l.v.(type) {
			case []any:
				return (len(x) == 0) == want
			case *value.Object:
				return (x.Len() == 0) == want
			}
		}
		return false
	}
	return false
}

// equals is Jayway's EqualsEvaluator: JSON values compare by structure; a
// string equals a number when it spells the number's decimal form; a number
// equals a string that parses as an equal number.
func equals(l, r fval) bool {
	if l.k == fJSON && r.k == fJSON {
		return value.Equal(l.v, r.v)
	}
	switch l.k {
	case fString:
		switch r.k {
		case fString:
			return l.v.(string) == r.v.(string)
		case fNumber:
			return l.v.(string) == bigDecimalString(r.v)
		}
	case fNumber:
		switch r.k {
		case fNumber:
			return compareNumbers(l.v, r.v) == 0
		case fString:
			n, ok := parseDecimal(r.v.(string))
			return ok && compareNumbers(l.v, n) == 0
		}
	case fBool:
		return r.k == fBool && l.v.(bool) == r.v.(bool)
	case fNull:
		return r.k == fNull
	case fRegex:
		return r.k == fRegex && l.v.(string) == r.v.(string)
	}
	return false
}

func in(l, r fval) bool {
	list, ok := asList(r)
	return ok && listContains(list, l)
}

// listContains is Java's List.contains(x): x.equals(element) for some element.
func listContains(list []any, x fval) bool {
	for _, e := range list {
		if equals(x, classify(e)) {
			return true
		}
	}
	return false
}

func asList(v fval) ([]any, bool) {
	if v.k != fJSON {
		return nil, false
	}
	a, ok := v.v.([]any)
	return a, ok
}

func regexInput(v fval) string {
	switch v.k {
	case fString:
		return v.v.(string)
	case fNumber:
		return bigDecimalString(v.v)
	case fBool:
		return strconv.FormatBool(v.v.(bool))
	}
	return ""
}

// compareNumbers compares two numbers (int64 or float64).
func compareNumbers(a, b any) int {
	if x, ok := a.(int64); ok {
		if y, ok := b.(int64); ok {
			switch {
			case x < y:
				return -1
			case x > y:
				return 1
			}
			return 0
		}
	}
	x, _ := value.ToFloat(a)
	y, _ := value.ToFloat(b)
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

// javaIntValue is BigDecimal.intValue: the integer part, in 32 bits.
func javaIntValue(v any) int {
	switch n := v.(type) {
	case int64:
		return int(int32(n))
	case float64:
		if math.IsNaN(n) || math.IsInf(n, 0) || math.Abs(n) > 1<<62 {
			return 0
		}
		return int(int32(int64(n)))
	}
	return 0
}

// javaCompare is Java's String.compareTo: order by UTF-16 code units.
func javaCompare(a, b string) int {
	for a != "" && b != "" {
		ra, na := utf8.DecodeRuneInString(a)
		rb, nb := utf8.DecodeRuneInString(b)
		if ra != rb {
			ka, kb := utf16Key(ra), utf16Key(rb)
			if ka == kb { // same high surrogate: the low ones decide, as the runes do
				ka, kb = ra, rb
			}
			if ka < kb {
				return -1
			}
			return 1
		}
		a, b = a[na:], b[nb:]
	}
	switch {
	case a == "" && b == "":
		return 0
	case a == "":
		return -1
	}
	return 1
}

func utf16Key(r rune) rune {
	if r >= 0x10000 {
		return 0xD800 + ((r - 0x10000) >> 10)
	}
	return r
}

func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
	}
	return n
}

// bigDecimalString is what Jayway's NumberNode prints for a number: Java's
// BigDecimal.toString of the number's Java text.
func bigDecimalString(v any) string {
	switch n := v.(type) {
	case int64:
		return strconv.FormatInt(n, 10)
	case float64:
		s := string(value.AppendFloat(nil, n))
		if math.IsNaN(n) || math.IsInf(n, 0) {
			return s
		}
		return decimalToString(s)
	}
	return ""
}

// decimalToString renders the Java number text s ("1.5", "1.0E20",
// "1.0E-5") as BigDecimal.toString does.
func decimalToString(s string) string {
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	mant, expText, _ := strings.Cut(s, "E")
	exp := 0
	if expText != "" {
		e, err := strconv.Atoi(expText)
		if err != nil {
			return s
		}
		exp = e
	}
	intPart, frac, _ := strings.Cut(mant, ".")
	digits := strings.TrimLeft(intPart+frac, "0")
	if digits == "" {
		digits = "0"
	}
	scale := len(frac) - exp
	adjusted := len(digits) - 1 - scale
	var b strings.Builder
	if neg && digits != "0" {
		b.WriteByte('-')
	}
	switch {
	case scale == 0:
		b.WriteString(digits)
	case scale > 0 && adjusted >= -6:
		if len(digits) > scale {
			b.WriteString(digits[:len(digits)-scale])
			b.WriteByte('.')
			b.WriteString(digits[len(digits)-scale:])
		} else {
			b.WriteString("0.")
			b.WriteString(strings.Repeat("0", scale-len(digits)))
			b.WriteString(digits)
		}
	default:
		b.WriteString(digits[:1])
		if len(digits) > 1 {
			b.WriteByte('.')
			b.WriteString(digits[1:])
		}
		b.WriteByte('E')
		if adjusted >= 0 {
			b.WriteByte('+')
		}
		b.WriteString(strconv.Itoa(adjusted))
	}
	return b.String()
}
