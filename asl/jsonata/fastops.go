package jsonata

import (
	"math"
	"strconv"

	"github.com/stepwise/stepwise/asl/value"
)

// The fast path's operators, with jsonata-js 2.0.6's semantics on the
// operands it decides; errFallback for the rest (see fast.go).

// fastNeg is unary minus.
type fastNeg struct{ x fastNode }

func (n *fastNeg) eval(c *fastCtx) (any, bool, error) {
	v, ok, err := n.x.eval(c)
	if err != nil || !ok {
		return nil, false, err
	}
	f, isNum := value.ToFloat(v)
	if !isNum {
		return nil, false, errFallback // D1002
	}
	return numValue(-f), true, nil
}

// fastArith is + - * / %.
type fastArith struct {
	op   byte
	l, r fastNode
}

func (n *fastArith) eval(c *fastCtx) (any, bool, error) {
	lv, lok, err := n.l.eval(c)
	if err != nil {
		return nil, false, err
	}
	rv, rok, err := n.r.eval(c)
	if err != nil {
		return nil, false, err
	}
	l, lnum := value.ToFloat(lv)
	r, rnum := value.ToFloat(rv)
	if lok && !lnum || rok && !rnum {
		return nil, false, errFallback // T2001, T2002
	}
	if !lok || !rok {
		return nil, false, nil
	}
	var res float64
	switch n.op {
	case '+':
		res = l + r
	case '-':
		res = l - r
	case '*':
		res = l * r
	case '/':
		res = l / r
	case '%':
		if r == 0 {
			return nil, false, errFallback
		}
		res = math.Mod(l, r)
	}
	if math.IsInf(res, 0) || math.IsNaN(res) {
		return nil, false, errFallback // D1001, or gnata's Infinity
	}
	return numValue(res), true, nil
}

// fastConcat is &: both sides as strings, undefined as "".
type fastConcat struct{ l, r fastNode }

func (n *fastConcat) eval(c *fastCtx) (any, bool, error) {
	lv, lok, err := n.l.eval(c)
	if err != nil {
		return nil, false, err
	}
	rv, rok, err := n.r.eval(c)
	if err != nil {
		return nil, false, err
	}
	ls, ok := concatText(lv, lok)
	if !ok {
		return nil, false, errFallback
	}
	rs, ok := concatText(rv, rok)
	if !ok {
		return nil, false, errFallback
	}
	return ls + rs, true, nil
}

// concatText is an operand of & as text, for the operands whose text
// jsonata-js and gnata agree on: strings, booleans and integers below
// 10^15 (beyond, jsonata-js rounds to 15 digits).
func concatText(v any, defined bool) (string, bool) {
	if !defined {
		return "", true
	}
	switch x := v.(type) {
	case string:
		return x, true
	case bool:
		return strconv.FormatBool(x), true
	case int64, float64:
		f, _ := value.ToFloat(x)
		if i, isInt := numValue(f).(int64); isInt && i < 1e15 && i > -1e15 {
			return strconv.FormatInt(i, 10), true
		}
	}
	return "", false
}

// fastEqual is = and !=: deep equality; false when a side is undefined.
type fastEqual struct {
	negate bool
	l, r   fastNode
}

func (n *fastEqual) eval(c *fastCtx) (any, bool, error) {
	lv, lok, err := n.l.eval(c)
	if err != nil {
		return nil, false, err
	}
	rv, rok, err := n.r.eval(c)
	if err != nil {
		return nil, false, err
	}
	if !lok || !rok {
		return false, true, nil
	}
	return deepEqual(lv, rv) != n.negate, true, nil
}

// deepEqual is jsonata-js's isDeepEqual over values: numbers by value,
// objects by their members whatever the order, arrays item by item.
func deepEqual(a, b any) bool {
	if x, ok := value.ToFloat(a); ok {
		y, ok := value.ToFloat(b)
		return ok && x == y
	}
	switch x := a.(type) {
	case nil:
		return b == nil
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	case string:
		y, ok := b.(string)
		return ok && x == y
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !deepEqual(x[i], y[i]) {
				return false
			}
		}
		return true
	case *value.Object:
		y, ok := b.(*value.Object)
		if !ok || x.Len() != y.Len() {
			return false
		}
		for i := 0; i < x.Len(); i++ {
			k, e := x.At(i)
			f, ok := y.Get(k)
			if !ok || !deepEqual(e, f) {
				return false
			}
		}
		return true
	}
	return false
}

// fastCompare is < <= > >= on two numbers or two strings; undefined when a
// side is undefined.
type fastCompare struct {
	op   string
	l, r fastNode
}

func (n *fastCompare) eval(c *fastCtx) (any, bool, error) {
	lv, lok, err := n.l.eval(c)
	if err != nil {
		return nil, false, err
	}
	rv, rok, err := n.r.eval(c)
	if err != nil {
		return nil, false, err
	}
	if lok && !orderable(lv) || rok && !orderable(rv) {
		return nil, false, errFallback // T2010
	}
	if !lok || !rok {
		return nil, false, nil
	}
	var cmp int
	if l, ok := value.ToFloat(lv); ok {
		r, ok := value.ToFloat(rv)
		if !ok {
			return nil, false, errFallback // T2009
		}
		switch {
		case l < r:
			cmp = -1
		case l > r:
			cmp = 1
		}
	} else {
		l, r := lv.(string), rv
		rs, ok := r.(string)
		if !ok || !utf16Ordered(l) || !utf16Ordered(rs) {
			return nil, false, errFallback
		}
		switch {
		case l < rs:
			cmp = -1
		case l > rs:
			cmp = 1
		}
	}
	switch n.op {
	case "<":
		return cmp < 0, true, nil
	case "<=":
		return cmp <= 0, true, nil
	case ">":
		return cmp > 0, true, nil
	}
	return cmp >= 0, true, nil
}

// orderable reports whether v may be an operand of < and the like.
func orderable(v any) bool {
	switch v.(type) {
	case string, int64, float64:
		return true
	}
	return false
}

// utf16Ordered reports whether s has no character from U+E000 up, so that
// its byte order (Go's) is its UTF-16 order (JavaScript's).
func utf16Ordered(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0xEE {
			return false
		}
	}
	return true
}

// truthy is jsonata-js's $boolean of a defined value.
func truthy(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case bool:
		return x
	case string:
		return x != ""
	case int64:
		return x != 0
	case float64:
		return x != 0
	case *value.Object:
		return x.Len() > 0
	case []any:
		if len(x) == 1 {
			return truthy(x[0])
		}
		for _, e := range x {
			if truthy(e) {
				return true
			}
		}
	}
	return false
}

// numValue is a finite double computed by the fast path: normNumber's
// form, except that -0 stays a float64, as gnata writes it "-0" where &
// reads it (evalFast's normValue makes it 0 in a result).
func numValue(f float64) any {
	if f == 0 && math.Signbit(f) {
		return f
	}
	return normNumber(f)
}

// normNumber is a finite double as the adapter returns numbers (fromFloat):
// an integral one as an int64.
func normNumber(f float64) any {
	if f != math.Trunc(f) || math.Abs(f) >= math.MaxInt64 {
		return f
	}
	if math.Abs(f) < maxSafe {
		return int64(f)
	}
	n, err := strconv.ParseInt(strconv.FormatFloat(f, 'f', -1, 64), 10, 64)
	if err != nil {
		return f
	}
	return n
}

// normValue returns v with its numbers as gnata's results have them (a
// value read from the input may hold 1.0, or an integer past 2^53), copying
// only the objects and arrays that change.
func normValue(v any) any {
	switch x := v.(type) {
	case float64:
		if x != math.Trunc(x) || math.Abs(x) >= math.MaxInt64 {
			return v
		}
		return normNumber(x)
	case int64:
		if x >= maxSafe || x <= -maxSafe {
			return normNumber(float64(x))
		}
	case *value.Object:
		for i := 0; i < x.Len(); i++ {
			k, e := x.At(i)
			if n := normValue(e); !sameValue(n, e) {
				c := value.NewObject(x.Len())
				for j := 0; j < i; j++ {
					c.Append(x.At(j))
				}
				c.Append(k, n)
				for j := i + 1; j < x.Len(); j++ {
					k, e := x.At(j)
					c.Append(k, normValue(e))
				}
				return c
			}
		}
	case []any:
		for i, e := range x {
			if n := normValue(e); !sameValue(n, e) {
				c := make([]any, len(x))
				copy(c, x[:i])
				c[i] = n
				for j := i + 1; j < len(x); j++ {
					c[j] = normValue(x[j])
				}
				return c
			}
		}
	}
	return v
}

// sameValue reports whether normValue left v as it was: the same number
// representation, or the same object or array.
func sameValue(n, v any) bool {
	switch x := v.(type) {
	case float64:
		y, ok := n.(float64)
		return ok && x == y
	case int64:
		y, ok := n.(int64)
		return ok && x == y
	case *value.Object:
		y, ok := n.(*value.Object)
		return ok && x == y
	case []any:
		y, ok := n.([]any)
		return ok && len(x) == len(y) && (len(x) == 0 || &x[0] == &y[0])
	}
	return true
}
