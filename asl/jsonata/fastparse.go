package jsonata

import "github.com/stepwise/stepwise/asl/value"

// The fast path's parser: a Pratt parser with jsonata-js 2.0.6's binding
// powers for the operators of the fast grammar (see fast.go). It runs only
// on text gnata has already compiled, and gives up (false) on anything
// outside the grammar, so that gnata evaluates it.

// fastBinding is the left binding power of the infix operators the fast
// grammar has, as in jsonata-js's parser.
var fastBinding = map[string]int{
	".": 75, "(": 80, "[": 80,
	"*": 60, "/": 60, "%": 60,
	"+": 50, "-": 50, "&": 50,
	"=": 40, "!=": 40, "<": 40, "<=": 40, ">": 40, ">=": 40,
	"and": 30, "or": 25, "?": 20,
}

// maxFastDepth bounds the parser's recursion (deeper text is gnata's).
const maxFastDepth = 200

type fastParser struct {
	toks  []fastTok
	pos   int
	depth int
}

// parseFast parses expr into a fast node, or reports false.
func parseFast(expr string) (fastNode, bool) {
	toks, ok := fastLex(expr)
	if !ok {
		return nil, false
	}
	p := &fastParser{toks: toks}
	n, ok := p.expression(0)
	if !ok || p.peek().kind != tokEnd {
		return nil, false
	}
	return n, true
}

func (p *fastParser) peek() fastTok { return p.toks[p.pos] }

func (p *fastParser) next() fastTok {
	t := p.toks[p.pos]
	if t.kind != tokEnd {
		p.pos++
	}
	return t
}

// isOp reports whether the next token is the operator op.
func (p *fastParser) isOp(op string) bool {
	t := p.peek()
	return t.kind == tokOp && t.text == op
}

// lbp is the next token's left binding power.
func (p *fastParser) lbp() int {
	t := p.peek()
	switch t.kind {
	case tokOp:
		return fastBinding[t.text]
	case tokName:
		if t.quoted {
			return 0
		}
		if t.text == "and" || t.text == "or" {
			return fastBinding[t.text]
		}
		if t.text == "in" {
			// An operator the fast grammar lacks: stop, so the parse fails.
			return 1000
		}
	}
	return 0
}

func (p *fastParser) expression(rbp int) (fastNode, bool) {
	p.depth++
	defer func() { p.depth-- }()
	if p.depth > maxFastDepth {
		return nil, false
	}
	left, ok := p.nud(p.next())
	if !ok {
		return nil, false
	}
	for rbp < p.lbp() {
		if left, ok = p.led(p.next(), left); !ok {
			return nil, false
		}
	}
	return left, true
}

// nud parses what starts with t.
func (p *fastParser) nud(t fastTok) (fastNode, bool) {
	switch t.kind {
	case tokNumber:
		return &fastConst{v: numValue(t.num)}, true
	case tokString:
		return &fastConst{v: t.text}, true
	case tokName:
		if t.quoted {
			return &fastPath{head: &fastContext{}, steps: []string{t.text}}, true
		}
		switch t.text {
		case "true":
			return &fastConst{v: true}, true
		case "false":
			return &fastConst{v: false}, true
		case "null":
			return &fastConst{v: nil}, true
		case "and", "or", "in", "function":
			return nil, false
		}
		return &fastPath{head: &fastContext{}, steps: []string{t.text}}, true
	case tokVar:
		switch t.text {
		case "":
			return &fastContext{}, true
		case "states":
			return &fastStates{}, true
		}
		return &fastVar{name: t.text}, true
	case tokOp:
		switch t.text {
		case "-":
			x, ok := p.expression(70)
			if !ok {
				return nil, false
			}
			if c, isConst := x.(*fastConst); isConst {
				// jsonata-js folds a negated number literal.
				if f, isNum := value.ToFloat(c.v); isNum {
					return &fastConst{v: numValue(-f)}, true
				}
			}
			return &fastNeg{x: x}, true
		case "(":
			x, ok := p.expression(0)
			if !ok || !p.isOp(")") {
				return nil, false
			}
			p.next()
			return &fastBlock{x: x}, true
		case "[":
			return p.array()
		case "{":
			return p.object()
		}
	}
	return nil, false
}

// led parses the infix operator t after left.
func (p *fastParser) led(t fastTok, left fastNode) (fastNode, bool) {
	op := t.text
	switch op {
	case ".":
		step := p.next()
		if step.kind != tokName || p.isOp("(") || p.isOp("[") || p.isOp("{") {
			return nil, false
		}
		switch {
		case step.isWord("and"), step.isWord("or"), step.isWord("in"), step.isWord("true"),
			step.isWord("false"), step.isWord("null"), step.isWord("function"):
			return nil, false
		}
		switch l := left.(type) {
		case *fastPath:
			l.steps = append(l.steps, step.text)
			return l, true
		case *fastVar, *fastStates, *fastContext:
			return &fastPath{head: l, steps: []string{step.text}}, true
		}
		return nil, false
	case "(":
		return p.call(left)
	case "?":
		then, ok := p.expression(0)
		if !ok {
			return nil, false
		}
		n := &fastCond{cond: left, then: then}
		if p.isOp(":") {
			p.next()
			if n.els, ok = p.expression(0); !ok {
				return nil, false
			}
		}
		return n, true
	case "and", "or":
		right, ok := p.expression(fastBinding[op])
		if !ok {
			return nil, false
		}
		return &fastLogic{or: op == "or", l: left, r: right}, true
	}
	bp, known := fastBinding[op]
	if !known || op == "[" {
		return nil, false
	}
	right, ok := p.expression(bp)
	if !ok {
		return nil, false
	}
	switch op {
	case "+", "-", "*", "/", "%":
		return &fastArith{op: op[0], l: left, r: right}, true
	case "&":
		return &fastConcat{l: left, r: right}, true
	case "=", "!=":
		return &fastEqual{negate: op == "!=", l: left, r: right}, true
	}
	return &fastCompare{op: op, l: left, r: right}, true
}

// call parses the arguments of a function call: only $merge(x).
func (p *fastParser) call(left fastNode) (fastNode, bool) {
	v, ok := left.(*fastVar)
	if !ok || v.name != "merge" || p.isOp(")") {
		return nil, false
	}
	arg, ok := p.expression(0)
	if !ok || !p.isOp(")") {
		return nil, false
	}
	p.next()
	return &fastMerge{arg: arg}, true
}

// array parses an array constructor after its "[".
func (p *fastParser) array() (fastNode, bool) {
	n := &fastArray{}
	if p.isOp("]") {
		p.next()
		return n, true
	}
	for {
		x, ok := p.expression(0)
		if !ok {
			return nil, false
		}
		n.items = append(n.items, x)
		if p.isOp(",") {
			p.next()
			continue
		}
		if !p.isOp("]") {
			return nil, false
		}
		p.next()
		return n, true
	}
}

// object parses an object constructor after its "{": string keys only,
// each once.
func (p *fastParser) object() (fastNode, bool) {
	n := &fastObject{}
	if p.isOp("}") {
		p.next()
		return n, true
	}
	for {
		k := p.next()
		if k.kind != tokString || !p.isOp(":") {
			return nil, false
		}
		for _, seen := range n.keys {
			if seen == k.text {
				return nil, false
			}
		}
		p.next()
		x, ok := p.expression(0)
		if !ok {
			return nil, false
		}
		n.keys = append(n.keys, k.text)
		n.vals = append(n.vals, x)
		if p.isOp(",") {
			p.next()
			continue
		}
		if !p.isOp("}") {
			return nil, false
		}
		p.next()
		return n, true
	}
}
