package jsonata

import (
	"strings"
	"testing"

	"github.com/stepwise/stepwise/asl/value"
)

// exprGen writes a random expression of the fast grammar, driven by the
// fuzzer's bytes.
type exprGen struct {
	src []byte
	b   strings.Builder
}

// pick returns the next byte modulo n (0 once the bytes run out).
func (g *exprGen) pick(n int) int {
	if len(g.src) == 0 {
		return 0
	}
	c := g.src[0]
	g.src = g.src[1:]
	return int(c) % n
}

var (
	genNumbers = []string{"0", "1", "2.5", "3", "1e3", "0.1", "5000", "1.0", "1e21", "255", "256", "9007199254740993", "0.5e-3", "1E2"}
	genStrings = []string{`''`, `'a'`, `"b"`, `'é'`, `"\u00e9"`, `'10'`, `"a\nb"`, `'\uE000'`, `'😀'`, `"\"q\""`, `'A'`, `'a b'`}
	genFields  = []string{"a", "b", "n", "s", "o", "arr", "x", "f", "`a b`", "nul", "t", "e", "`true`"}
	genVars    = []string{"$v", "$w", "$states.input", "$states", "$", "$u", "$sum", "$states.context"}
	genBinary  = []string{"+", "-", "*", "/", "%", "&", "=", "!=", "<", "<=", ">", ">=", "and", "or"}
)

func (g *exprGen) expr(depth int) {
	if depth > 5 {
		g.leaf()
		return
	}
	switch g.pick(12) {
	case 0, 1:
		g.leaf()
	case 2:
		g.b.WriteString("-")
		g.expr(depth + 1)
	case 3, 4, 5:
		g.expr(depth + 1)
		g.b.WriteString(" " + genBinary[g.pick(len(genBinary))] + " ")
		g.expr(depth + 1)
	case 6:
		g.expr(depth + 1)
		g.b.WriteString(" ? ")
		g.expr(depth + 1)
		if g.pick(3) > 0 {
			g.b.WriteString(" : ")
			g.expr(depth + 1)
		}
	case 7:
		g.b.WriteString("(")
		g.expr(depth + 1)
		g.b.WriteString(")")
	case 8:
		g.b.WriteString("[")
		for i, n := 0, g.pick(4); i < n; i++ {
			if i > 0 {
				g.b.WriteString(", ")
			}
			g.expr(depth + 1)
		}
		g.b.WriteString("]")
	case 9:
		g.object(depth)
	case 10:
		g.b.WriteString("$merge(")
		if g.pick(2) == 0 {
			g.expr(depth + 1)
		} else {
			g.b.WriteString("[")
			for i, n := 0, g.pick(4); i < n; i++ {
				if i > 0 {
					g.b.WriteString(", ")
				}
				if g.pick(2) == 0 {
					g.object(depth + 1)
				} else {
					g.expr(depth + 1)
				}
			}
			g.b.WriteString("]")
		}
		g.b.WriteString(")")
	default:
		g.path()
	}
}

func (g *exprGen) object(depth int) {
	g.b.WriteString("{")
	keys := []string{"'a'", "'b'", `"n"`, "'c d'"}
	for i, n := 0, g.pick(4); i < n; i++ {
		if i > 0 {
			g.b.WriteString(", ")
		}
		g.b.WriteString(keys[i] + ": ")
		g.expr(depth + 1)
	}
	g.b.WriteString("}")
}

func (g *exprGen) leaf() {
	switch g.pick(5) {
	case 0:
		g.b.WriteString(genNumbers[g.pick(len(genNumbers))])
	case 1:
		g.b.WriteString(genStrings[g.pick(len(genStrings))])
	case 2:
		g.b.WriteString([]string{"true", "false", "null"}[g.pick(3)])
	default:
		g.path()
	}
}

func (g *exprGen) path() {
	head := genVars[g.pick(len(genVars))]
	if g.pick(4) == 0 {
		head = genFields[g.pick(len(genFields))]
	}
	g.b.WriteString(head)
	for i, n := 0, g.pick(3); i < n; i++ {
		if head == "$" && i == 0 {
			g.b.WriteString(".")
		} else {
			g.b.WriteString(".")
		}
		g.b.WriteString(genFields[g.pick(len(genFields))])
	}
}

// fuzzInput is the input of FuzzFastPath's evaluations when the fuzzer's
// text is not JSON.
const fuzzInput = `{"a": 1, "b": 2.5, "n": 5000, "s": "x", "o": {"a": "y", "b": [1, 2], "n": 1.0},
	"arr": [1, 2, 3], "x": null, "f": false, "a b": "sp", "t": true, "e": {}, "nul": [], "big": 9007199254740993, "true": 0}`

// FuzzFastPath evaluates random expressions of the fast grammar both ways,
// fast and through gnata, over random input: the same value or the same
// error, and no panic. Every generated expression must take the fast path.
func FuzzFastPath(f *testing.F) {
	for _, s := range []struct {
		prog  string
		input string
	}{
		{"\x0b\x00\x02\x01", fuzzInput},
		{"\x03\x0b\x02\x00\x00\x00\x01\x05", fuzzInput},
		{"\x0a\x01\x03\x00\x02\x0b\x00", fuzzInput},
		{"\x09\x03\x00\x01\x06\x00\x0b\x03\x01", `{"a": [1], "o": {"a": 2}}`},
		{"\x06\x03\x0b\x00\x00\x00\x07\x01\x08\x00\x00", `[1, 2]`},
		{"\x03\x00\x01\x03\x08\x00\x01\x05", `{"a": "10", "s": "\uE000"}`},
		{"\x0a\x00\x0b\x03\x01\x01", fuzzInput},
	} {
		f.Add([]byte(s.prog), s.input)
	}
	fallback := mustDecodeText(fuzzInput)
	f.Fuzz(func(t *testing.T, prog []byte, input string) {
		in, err := value.DecodeString(input)
		if err != nil {
			in = fallback
		}
		g := &exprGen{src: prog}
		g.expr(0)
		expr := g.b.String()
		x, err := Compile(expr)
		if err != nil {
			t.Fatalf("%s: does not compile: %v", expr, err)
		}
		if x.fast == nil {
			t.Fatalf("%s: not taken by the fast path", expr)
		}
		ctxObj := value.NewObject(1)
		ctxObj.Append("Execution", in)
		newEnv := func() *Env {
			st := value.NewObject(2)
			st.Append("input", in)
			st.Append("context", ctxObj)
			return &Env{States: st, Runtime: newRuntime(), Variables: func(name string) (any, bool) {
				switch name {
				case "v":
					return in, true
				case "w":
					if o, ok := in.(*value.Object); ok {
						return o.Get("o")
					}
					return int64(7), true
				case "merge":
					return nil, len(prog) > 0 && prog[len(prog)-1] == 0xff
				}
				return nil, false
			}}
		}
		for _, hasData := range []bool{false, true} {
			if _, diff := compareFast(x, newEnv, in, hasData); diff != "" {
				t.Fatalf("%s over %s (context value: %v): %s", expr, value.EncodeString(in), hasData, diff)
			}
		}
	})
}

func mustDecodeText(s string) any {
	v, err := value.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return v
}
