package jsonata

import (
	"encoding/hex"
	"math"
	"time"

	"github.com/stepwise/stepwise/asl/intrinsic"
	"github.com/stepwise/stepwise/asl/value"
)

// statesCache is $states as the evaluator sees it, built member by member
// as expressions ask for them.
type statesCache struct {
	members   []any  // converted member i of Env.States, nil until converted
	all       any    // the whole object, once built
	partial   any    // an object of the members read by name so far
	inPartial []bool // member i is in partial
	fixed     [4]any // storage of members and inPartial for up to 4
	fixedIn   [4]bool
}

// bindings returns the variables to bind for an expression that mentions
// r's names: $states (whole, or only the members read), the state
// machine's variables, and the functions that depend on the call (the
// Runtime's) or that AWS adds or removes.
func (env *Env) bindings(r refs) map[string]any {
	n := len(r.names)
	if r.states {
		n++
	}
	if n == 0 {
		return nil
	}
	var vars map[string]any
	if c := env.Cache; c != nil {
		if c.vars == nil {
			c.vars = make(map[string]any, n)
		}
		clear(c.vars)
		vars = c.vars
	} else {
		vars = make(map[string]any, n)
	}
	for _, name := range r.names {
		if f, ok := env.function(name); ok {
			vars[name] = f
		}
		if env.Variables == nil {
			continue
		}
		if v, ok := env.vars[name]; ok {
			vars[name] = v
			continue
		}
		v, ok := env.Variables(name)
		if !ok {
			continue
		}
		g := toGnata(v)
		if env.vars == nil {
			env.vars = make(map[string]any, len(r.names))
		}
		env.vars[name] = g
		vars[name] = g
	}
	if r.states && env.States != nil {
		vars["states"] = env.statesFor(r)
	}
	return vars
}

// statesFor is statesValue, taking $states from the Cache when the
// expression reads only $states.input and the input is an object: the
// common case of a Condition or an Output over the state input, which then
// costs no conversion when the states before read the same input.
func (env *Env) statesFor(r refs) any {
	if env.Cache != nil && !r.statesAll && len(r.members) == 1 && r.members[0] == "input" && env.states.members == nil && env.States.Len() > 0 {
		if k, v := env.States.At(0); k == "input" {
			if o, ok := v.(*value.Object); ok {
				return env.Cache.statesOfInput(o)
			}
		}
	}
	return env.statesValue(r)
}

// statesValue returns $states with at least the members r reads. When r
// reads $states whole, it is the object in AWS's member order; otherwise an
// object of the members read so far, kept in the Env and grown as later
// expressions read more (its order is not seen: members are read by name).
func (env *Env) statesValue(r refs) any {
	c := &env.states
	if c.members == nil {
		n := env.States.Len()
		if n <= len(c.fixed) {
			// $states has at most four members: no allocation for them.
			c.members, c.inPartial = c.fixed[:n:n], c.fixedIn[:n:n]
		} else {
			c.members, c.inPartial = make([]any, n), make([]bool, n)
		}
	}
	if r.statesAll {
		if c.all == nil {
			o := lib.newObject()
			s := o.(objectSetter)
			for i := range c.members {
				k, _ := env.States.At(i)
				s.Set(k, c.member(env, i))
			}
			c.all = o
		}
		return c.all
	}
	if c.partial == nil {
		c.partial = lib.newObject()
	}
	s := c.partial.(objectSetter)
	for i := range c.members {
		k, _ := env.States.At(i)
		if !c.inPartial[i] && contains(r.members, k) {
			s.Set(k, c.member(env, i))
			c.inPartial[i] = true
		}
	}
	return c.partial
}

// member returns member i of env.States converted, converting it once
// (or taking it from env.Cache).
func (c *statesCache) member(env *Env, i int) any {
	if c.members[i] == nil {
		_, v := env.States.At(i)
		c.members[i] = env.Cache.converted(v)
	}
	return c.members[i]
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// function returns the value to bind for a function name the adapter
// changes: AWS's own functions; $eval removed (bound to nothing, so a call
// is T1006 as on AWS) and gnata's extra functions likewise; jsonata-js's
// versions of functions where gnata differs; and the time, random and UUID
// functions of the Runtime.
func (env *Env) function(name string) (any, bool) {
	switch name {
	case "eval", "values", "flatten":
		// $eval is removed by AWS; $values and $flatten are gnata's own,
		// not jsonata-js 2.0.6's.
		return nil, true
	case "clone":
		return awsClone, true
	case "toMillis":
		return awsToMillis, true
	case "partition":
		return awsPartition, true
	case "range":
		return awsRange, true
	case "hash":
		return awsHash, true
	case "parse":
		return awsParse, true
	case "error":
		return awsError, true
	case "assert":
		return awsAssert, true
	case "sqrt":
		return awsSqrt, true
	case "string":
		return awsString, true
	case "number":
		return awsNumber, true
	case "distinct":
		return awsDistinct, true
	case "match":
		return awsMatch, true
	case "uppercase":
		return awsUppercase, true
	case "lowercase":
		return awsLowercase, true
	case "power":
		return awsPower, true
	case "formatBase":
		return awsFormatBase, true
	case "decodeUrl":
		return awsDecodeURL, true
	case "decodeUrlComponent":
		return awsDecodeURLComponent, true
	case "random":
		return lib.builtin(env.random), true
	case "uuid":
		return lib.builtin(env.uuid), true
	case "now":
		return lib.builtin(env.nowFn), true
	case "millis":
		return lib.builtin(env.millis), true
	}
	return nil, false
}

// timestamp is the evaluation time: read once from the Runtime, to the
// millisecond, as jsonata-js fixes it once per evaluate().
func (env *Env) timestamp() (time.Time, error) {
	if env.Runtime == nil {
		return time.Time{}, funcError("D3137", "", map[string]any{"message": "no clock: $now and $millis need a Runtime"})
	}
	if !env.nowSeen {
		env.now = env.Runtime.Now().UTC().Truncate(time.Millisecond)
		env.nowSeen = true
	}
	return env.now, nil
}

func (env *Env) nowFn(args []any, focus any) (any, error) {
	t, err := env.timestamp()
	if err != nil {
		return nil, err
	}
	if len(args) > 0 && args[0] != nil {
		full := append([]any{float64(t.UnixMilli())}, args...)
		return lib.fromMillis(full, focus)
	}
	return t.Format("2006-01-02T15:04:05.000Z"), nil
}

func (env *Env) millis(_ []any, _ any) (any, error) {
	t, err := env.timestamp()
	if err != nil {
		return nil, err
	}
	return float64(t.UnixMilli()), nil
}

// random is AWS's $random([seed]): without a seed, the Runtime's number;
// with one, java.util.Random's first nextDouble() for that seed, as AWS
// computes it ($random(42) is 0.7275636800328681).
func (env *Env) random(args []any, _ any) (any, error) {
	if len(args) > 1 {
		return nil, signatureError("random", 2)
	}
	if len(args) == 1 && args[0] != nil {
		seed, ok := args[0].(float64)
		if !ok {
			return nil, signatureError("random", 1)
		}
		return javaRandomDouble(javaLong(seed)), nil
	}
	if env.Runtime == nil {
		return nil, funcError("D3137", "", map[string]any{"message": "no random source: $random needs a Runtime"})
	}
	return env.Runtime.Random(), nil
}

// javaRandomDouble is new java.util.Random(seed).nextDouble(): the 48-bit
// linear congruential generator of the Java platform specification.
func javaRandomDouble(seed int64) float64 {
	const mult, mask = 0x5DEECE66D, 1<<48 - 1
	s := (uint64(seed) ^ mult) & mask
	next := func(bits uint) uint64 {
		s = (s*mult + 0xB) & mask
		return s >> (48 - bits)
	}
	hi := next(26)
	lo := next(27)
	return float64(hi<<27+lo) / (1 << 53)
}

// javaLong is Java's (long) cast of a double: toward zero, saturating,
// NaN to 0.
func javaLong(f float64) int64 {
	switch {
	case math.IsNaN(f):
		return 0
	case f >= math.MaxInt64:
		return math.MaxInt64
	case f <= math.MinInt64:
		return math.MinInt64
	}
	return int64(f)
}

func (env *Env) uuid(args []any, _ any) (any, error) {
	if len(args) > 0 {
		return nil, signatureError("uuid", 1)
	}
	if env.Runtime == nil {
		return nil, funcError("D3137", "", map[string]any{"message": "no UUID source: $uuid needs a Runtime"})
	}
	return env.Runtime.UUID(), nil
}

// The functions AWS adds that depend on their arguments alone, and
// jsonata-js's $error and $assert (gnata's default messages differ).
var (
	awsError     = lib.builtin(fnError)
	awsAssert    = lib.builtin(fnAssert)
	awsPartition = lib.builtin(fnPartition)
	awsRange     = lib.builtin(fnRange)
	awsHash      = lib.builtin(fnHash)
	awsParse     = lib.builtin(fnParse)
)

// fnPartition is $partition(array, size): the array in chunks of size; the
// result is always an array of arrays ([[0]] for [0]).
func fnPartition(args []any, _ any) (any, error) {
	if len(args) != 2 {
		return nil, signatureError("partition", min(len(args)+1, 3))
	}
	arr, ok := args[0].([]any)
	if !ok {
		if args[0] == nil {
			return nil, signatureError("partition", 1)
		}
		arr = []any{args[0]}
	}
	size, ok := integer(args[1])
	if !ok || size <= 0 {
		return nil, signatureError("partition", 2)
	}
	out := make([]any, 0, (len(arr)+size-1)/size)
	for i := 0; i < len(arr); i += size {
		end := min(i+size, len(arr))
		chunk := make([]any, end-i)
		copy(chunk, arr[i:end])
		out = append(out, chunk)
	}
	return out, nil
}

// maxRangeItems bounds $range as the range operator (..) is bounded.
const maxRangeItems = 1e6

// fnRange is $range(start, end, step): integers from start to end
// inclusive, step apart. A single item is returned alone ($range(1,9,9) is
// 1), as AWS does.
func fnRange(args []any, _ any) (any, error) {
	if len(args) != 3 {
		return nil, signatureError("range", min(len(args)+1, 4))
	}
	var n [3]int
	for i := range n {
		v, ok := integer(args[i])
		if !ok {
			return nil, signatureError("range", i+1)
		}
		n[i] = v
	}
	start, end, step := n[0], n[1], n[2]
	if step == 0 {
		return nil, signatureError("range", 3)
	}
	count := 0
	if (step > 0 && start <= end) || (step < 0 && start >= end) {
		count = (end-start)/step + 1
	}
	if count > maxRangeItems {
		return nil, funcError("D2014", "", map[string]any{"value": count})
	}
	out := make([]any, count)
	for i := range out {
		out[i] = float64(start + i*step)
	}
	switch len(out) {
	case 0:
		return nil, nil
	case 1:
		return out[0], nil
	}
	return out, nil
}

// fnHash is $hash(value, algorithm): the hex digest of the string value
// with MD5, SHA-1, SHA-256, SHA-384 or SHA-512.
func fnHash(args []any, _ any) (any, error) {
	if len(args) != 2 {
		return nil, signatureError("hash", min(len(args)+1, 3))
	}
	s, ok := args[0].(string)
	if !ok {
		return nil, signatureError("hash", 1)
	}
	alg, ok := args[1].(string)
	if !ok {
		return nil, signatureError("hash", 2)
	}
	h, ok := intrinsic.NewHash(alg)
	if !ok {
		return nil, funcError("D3137", "", map[string]any{"message": "The hashing algorithm '" + alg + "' is not supported. Supported algorithms: MD5, SHA-1, SHA-256, SHA-384, SHA-512"})
	}
	h.Write([]byte(s))
	return hex.EncodeToString(h.Sum(nil)), nil
}

// fnParse is $parse(text): the JSON value of text ("-0" is 0).
func fnParse(args []any, _ any) (any, error) {
	if len(args) != 1 {
		return nil, signatureError("parse", min(len(args)+1, 2))
	}
	s, ok := args[0].(string)
	if !ok {
		return nil, signatureError("parse", 1)
	}
	v, err := value.DecodeString(s)
	if err != nil {
		return nil, funcError("D3137", "", map[string]any{"message": "Unable to parse JSON: " + err.Error()})
	}
	if f, ok := v.(float64); ok && f == 0 {
		v = 0.0
	}
	return toGnata(v), nil
}

// integer reads an integral number argument.
func integer(v any) (int, bool) {
	f, ok := v.(float64)
	if !ok || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
		return 0, false
	}
	return int(f), true
}

// fnError is jsonata-js's $error([message]).
func fnError(args []any, _ any) (any, error) {
	if len(args) > 1 {
		return nil, signatureError("error", 2)
	}
	msg := "$error() function evaluated"
	if len(args) == 1 && args[0] != nil {
		s, ok := args[0].(string)
		if !ok {
			return nil, signatureError("error", 1)
		}
		msg = s
	}
	return nil, funcError("D3137", "", map[string]any{"message": msg})
}

// fnAssert is jsonata-js's $assert(condition[, message]).
func fnAssert(args []any, _ any) (any, error) {
	if len(args) == 0 || len(args) > 2 {
		return nil, signatureError("assert", min(len(args)+1, 3))
	}
	ok, isBool := args[0].(bool)
	if !isBool {
		return nil, signatureError("assert", 1)
	}
	if ok {
		return nil, nil
	}
	msg := "$assert() statement failed"
	if len(args) == 2 && args[1] != nil {
		s, isStr := args[1].(string)
		if !isStr {
			return nil, signatureError("assert", 2)
		}
		msg = s
	}
	return nil, funcError("D3141", "", map[string]any{"message": msg})
}
