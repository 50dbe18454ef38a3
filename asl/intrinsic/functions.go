package intrinsic

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"hash"
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/stepwise/stepwise/asl/fault"
	"github.com/stepwise/stepwise/asl/value"
)

// function implements one intrinsic. args are the evaluated arguments; n is
// the call node, for functions that look at how an argument was written.
type function func(env *Env, n *callNode, args []any) (any, error)

// The AWS limits of the intrinsics.
const (
	maxRangeItems   = 1000  // States.ArrayRange
	maxEncodeLength = 10000 // States.Base64Encode, Base64Decode, Hash (characters)
)

// lookup returns the implementation of States.<name>, or nil.
func lookup(name string) function {
	switch name {
	case "Format":
		return fnFormat
	case "StringToJson":
		return fnStringToJSON
	case "JsonToString":
		return fnJSONToString
	case "Array":
		return fnArray
	case "ArrayPartition":
		return fnArrayPartition
	case "ArrayContains":
		return fnArrayContains
	case "ArrayRange":
		return fnArrayRange
	case "ArrayGetItem":
		return fnArrayGetItem
	case "ArrayLength":
		return fnArrayLength
	case "ArrayUnique":
		return fnArrayUnique
	case "Base64Encode":
		return fnBase64Encode
	case "Base64Decode":
		return fnBase64Decode
	case "Hash":
		return fnHash
	case "JsonMerge":
		return fnJSONMerge
	case "MathRandom":
		return fnMathRandom
	case "MathAdd":
		return fnMathAdd
	case "StringSplit":
		return fnStringSplit
	case "UUID":
		return fnUUID
	}
	return nil
}

// Names lists the intrinsic functions, with their "States." prefix.
func Names() []string {
	return []string{
		"States.Format", "States.StringToJson", "States.JsonToString", "States.Array",
		"States.ArrayPartition", "States.ArrayContains", "States.ArrayRange", "States.ArrayGetItem",
		"States.ArrayLength", "States.ArrayUnique", "States.Base64Encode", "States.Base64Decode",
		"States.Hash", "States.JsonMerge", "States.MathRandom", "States.MathAdd",
		"States.StringSplit", "States.UUID",
	}
}

// --- argument helpers ---

// toInt converts a number argument to an integer the way AWS does for
// counts, indexes and bounds: a fraction is dropped (2.6 gives 2).
func toInt(v any) (int64, bool) {
	switch n := v.(type) {
	case int64:
		return n, true
	case float64:
		if math.IsNaN(n) {
			return 0, false
		}
		if n >= math.MaxInt64 {
			return math.MaxInt64, true
		}
		if n <= math.MinInt64 {
			return math.MinInt64, true
		}
		return int64(n), true
	}
	return 0, false
}

// javaRound rounds half up, as Java's Math.round does (-0.5 gives 0, 0.5
// gives 1).
func javaRound(v any) (int64, bool) {
	switch n := v.(type) {
	case int64:
		return n, true
	case float64:
		if math.IsNaN(n) {
			return 0, true
		}
		f := math.Floor(n)
		if n-f >= 0.5 {
			f++
		}
		if f >= math.MaxInt64 {
			return math.MaxInt64, true
		}
		if f <= math.MinInt64 {
			return math.MinInt64, true
		}
		return int64(f), true
	}
	return 0, false
}

// utf16Len is the length of s in UTF-16 code units, as Java counts
// characters.
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

// --- States.Format ---

func fnFormat(_ *Env, n *callNode, args []any) (any, error) {
	if len(args) == 0 {
		return nil, invalidArgs(n.name)
	}
	// A literal template was split at parse time; it is read as written,
	// so that \{ and \} stand for braces rather than placeholders.
	ft := n.format
	if ft == nil {
		s, ok := args[0].(string)
		if !ok {
			return nil, invalidArgs(n.name)
		}
		f := parseFormat(s)
		ft = &f
	}
	vals := args[1:]
	if !ft.ok || len(ft.parts)-1 != len(vals) {
		return nil, invalidArgs(n.name)
	}
	size := 0
	for _, p := range ft.parts {
		size += len(p)
	}
	var b strings.Builder
	b.Grow(size + 16*len(vals))
	b.WriteString(ft.parts[0])
	for i, v := range vals {
		if s, ok := v.(string); ok {
			b.WriteString(s)
		} else {
			var tmp [64]byte
			b.Write(appendJava(tmp[:0], v))
		}
		b.WriteString(ft.parts[i+1])
	}
	return b.String(), nil
}

// formatTemplate is a States.Format template split at its placeholders:
// len(parts)-1 values go between the parts. ok is false for a malformed
// template (a brace that is neither escaped nor part of "{}").
type formatTemplate struct {
	parts []string
	ok    bool
}

func parseFormat(tmpl string) formatTemplate {
	ft := formatTemplate{ok: true, parts: make([]string, 0, strings.Count(tmpl, "{}")+1)}
	// A part without escapes is a piece of tmpl; b collects one with.
	start := 0
	escaped := false
	var b strings.Builder
	cut := func(end int) string {
		if !escaped {
			return tmpl[start:end]
		}
		s := b.String()
		b.Reset()
		escaped = false
		return s
	}
	for i := 0; i < len(tmpl); i++ {
		c := tmpl[i]
		switch c {
		case '\\':
			if i+1 < len(tmpl) {
				switch e := tmpl[i+1]; e {
				case '\'', '{', '}', '\\':
					if !escaped {
						escaped = true
						b.WriteString(tmpl[start:i])
					}
					b.WriteByte(e)
					i++
					continue
				}
			}
			if escaped {
				b.WriteByte(c)
			}
		case '{':
			if i+1 >= len(tmpl) || tmpl[i+1] != '}' {
				return formatTemplate{}
			}
			ft.parts = append(ft.parts, cut(i))
			i++
			start = i + 1
		case '}':
			return formatTemplate{}
		default:
			if escaped {
				b.WriteByte(c)
			}
		}
	}
	ft.parts = append(ft.parts, cut(len(tmpl)))
	return ft
}

// FormatValue renders a value as States.Format inserts it, which is how Java
// prints the value: strings without quotes, objects as {k=v, k2=v2}, arrays
// as [a, b], floats as Java's Double.toString.
func FormatValue(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return string(appendJava(nil, v))
}

func appendJava(dst []byte, v any) []byte {
	switch x := v.(type) {
	case nil:
		return append(dst, "null"...)
	case string:
		return append(dst, x...)
	case bool:
		return strconv.AppendBool(dst, x)
	case int64:
		return strconv.AppendInt(dst, x, 10)
	case float64:
		return value.AppendFloat(dst, x)
	case *value.Object:
		dst = append(dst, '{')
		for i := 0; i < x.Len(); i++ {
			if i > 0 {
				dst = append(dst, ',', ' ')
			}
			k, e := x.At(i)
			dst = append(dst, k...)
			dst = append(dst, '=')
			dst = appendJava(dst, e)
		}
		return append(dst, '}')
	case []any:
		dst = append(dst, '[')
		for i, e := range x {
			if i > 0 {
				dst = append(dst, ',', ' ')
			}
			dst = appendJava(dst, e)
		}
		return append(dst, ']')
	}
	return value.Append(dst, v)
}

// --- JSON ---

func fnStringToJSON(_ *Env, n *callNode, args []any) (any, error) {
	if len(args) != 1 {
		return nil, invalidArgs(n.name)
	}
	s, ok := args[0].(string)
	if !ok {
		return nil, invalidArgs(n.name)
	}
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	v, err := value.DecodeString(s)
	if err != nil {
		return nil, invalidArgs(n.name)
	}
	return v, nil
}

func fnJSONToString(_ *Env, n *callNode, args []any) (any, error) {
	if len(args) != 1 {
		return nil, invalidArgs(n.name)
	}
	return value.EncodeString(args[0]), nil
}

// fnJSONMerge merges two objects shallowly; the second one's members win.
// AWS builds the result in a java.util.HashMap, so the members come out in
// that map's iteration order, which mergedOrder reproduces.
func fnJSONMerge(_ *Env, n *callNode, args []any) (any, error) {
	if len(args) != 3 {
		return nil, invalidArgs(n.name)
	}
	a, ok1 := args[0].(*value.Object)
	b, ok2 := args[1].(*value.Object)
	deep, ok3 := args[2].(bool)
	if !ok1 || !ok2 || !ok3 || deep {
		return nil, invalidArgs(n.name)
	}
	m := newJavaHashMap(a.Len() + b.Len())
	for i := 0; i < a.Len(); i++ {
		k, v := a.At(i)
		m.put(k, v)
	}
	for i := 0; i < b.Len(); i++ {
		k, v := b.At(i)
		m.put(k, v)
	}
	return m.object(), nil
}

// javaHashMap records insertions the way java.util.HashMap (default
// capacity 16, load factor 0.75) would, to reproduce its iteration order.
type javaHashMap struct {
	keys []string
	vals []any
	idx  map[string]int
	cap  int
}

func newJavaHashMap(n int) *javaHashMap {
	return &javaHashMap{keys: make([]string, 0, n), vals: make([]any, 0, n), idx: make(map[string]int, n), cap: 16}
}

func (m *javaHashMap) put(k string, v any) {
	if i, ok := m.idx[k]; ok {
		m.vals[i] = v
		return
	}
	m.idx[k] = len(m.keys)
	m.keys = append(m.keys, k)
	m.vals = append(m.vals, v)
	if len(m.keys) > m.cap*3/4 {
		m.cap *= 2
	}
}

// javaHash is Java's String.hashCode spread as HashMap.hash does.
func javaHash(s string) uint32 {
	var h uint32
	for _, u := range utf16.Encode([]rune(s)) {
		h = 31*h + uint32(u)
	}
	return h ^ (h >> 16)
}

func (m *javaHashMap) object() *value.Object {
	order := make([]int, len(m.keys))
	buckets := make([]uint32, len(m.keys))
	for i, k := range m.keys {
		order[i] = i
		buckets[i] = javaHash(k) & uint32(m.cap-1)
	}
	// Within a bucket, entries keep insertion order (resizes split buckets
	// without reordering).
	sort.SliceStable(order, func(x, y int) bool { return buckets[order[x]] < buckets[order[y]] })
	o := value.NewObject(len(order))
	for _, i := range order {
		o.Append(m.keys[i], m.vals[i])
	}
	return o
}

// --- arrays ---

func fnArray(_ *Env, _ *callNode, args []any) (any, error) {
	out := make([]any, len(args))
	copy(out, args)
	return out, nil
}

func fnArrayPartition(_ *Env, n *callNode, args []any) (any, error) {
	if len(args) != 2 {
		return nil, invalidArgs(n.name)
	}
	arr, ok := args[0].([]any)
	size, ok2 := toInt(args[1])
	if !ok || !ok2 || size <= 0 {
		return nil, invalidArgs(n.name)
	}
	chunks := int64(len(arr)) / size
	if int64(len(arr))%size != 0 {
		chunks++
	}
	out := make([]any, 0, chunks)
	for i := 0; i < len(arr); {
		end := len(arr)
		if int64(end-i) > size {
			end = i + int(size)
		}
		chunk := make([]any, end-i)
		copy(chunk, arr[i:end])
		out = append(out, chunk)
		i = end
	}
	return out, nil
}

func fnArrayContains(_ *Env, n *callNode, args []any) (any, error) {
	if len(args) != 2 {
		return nil, invalidArgs(n.name)
	}
	arr, ok := args[0].([]any)
	if !ok {
		return nil, invalidArgs(n.name)
	}
	for _, e := range arr {
		if value.EqualStrict(e, args[1]) {
			return true, nil
		}
	}
	return false, nil
}

func fnArrayRange(_ *Env, n *callNode, args []any) (any, error) {
	if len(args) != 3 {
		return nil, invalidArgs(n.name)
	}
	start, ok1 := toInt(args[0])
	end, ok2 := toInt(args[1])
	step, ok3 := toInt(args[2])
	if !ok1 || !ok2 || !ok3 || step == 0 {
		return nil, invalidArgs(n.name)
	}
	var count uint64
	switch {
	case step > 0 && end >= start:
		count = (uint64(end)-uint64(start))/uint64(step) + 1
	case step < 0 && end <= start:
		count = (uint64(start)-uint64(end))/(uint64(-(step+1))+1) + 1
	}
	if count > maxRangeItems {
		return nil, invalidArgs(n.name)
	}
	out := make([]any, count)
	v := start
	for i := range out {
		out[i] = v
		v += step
	}
	return out, nil
}

func fnArrayGetItem(_ *Env, n *callNode, args []any) (any, error) {
	if len(args) != 2 {
		return nil, invalidArgs(n.name)
	}
	arr, ok := args[0].([]any)
	i, ok2 := toInt(args[1])
	if !ok || !ok2 || i < 0 || i >= int64(len(arr)) {
		return nil, invalidArgs(n.name)
	}
	return arr[i], nil
}

func fnArrayLength(_ *Env, n *callNode, args []any) (any, error) {
	if len(args) != 1 {
		return nil, invalidArgs(n.name)
	}
	arr, ok := args[0].([]any)
	if !ok {
		return nil, invalidArgs(n.name)
	}
	return int64(len(arr)), nil
}

func fnArrayUnique(_ *Env, n *callNode, args []any) (any, error) {
	if len(args) != 1 {
		return nil, invalidArgs(n.name)
	}
	arr, ok := args[0].([]any)
	if !ok {
		return nil, invalidArgs(n.name)
	}
	seen := make(map[string]struct{}, len(arr))
	out := make([]any, 0, len(arr))
	var buf []byte
	for _, e := range arr {
		buf = appendCanonical(buf[:0], e)
		if _, dup := seen[string(buf)]; dup {
			continue
		}
		seen[string(buf)] = struct{}{}
		out = append(out, e)
	}
	return out, nil
}

// appendCanonical writes a key for v under which values that sameJSON
// considers equal coincide: JSON with object members sorted by name.
func appendCanonical(dst []byte, v any) []byte {
	switch x := v.(type) {
	case *value.Object:
		keys := append([]string(nil), x.Keys()...)
		sort.Strings(keys)
		dst = append(dst, '{')
		for i, k := range keys {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = value.AppendString(dst, k)
			dst = append(dst, ':')
			e, _ := x.Get(k)
			dst = appendCanonical(dst, e)
		}
		return append(dst, '}')
	case []any:
		dst = append(dst, '[')
		for i, e := range x {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendCanonical(dst, e)
		}
		return append(dst, ']')
	case float64:
		// Keep floats apart from integers of the same value.
		return append(value.AppendFloat(append(dst, 'f'), x), 'f')
	}
	return value.Append(dst, v)
}

// --- encoding and hashing ---

func fnBase64Encode(_ *Env, n *callNode, args []any) (any, error) {
	if len(args) != 1 {
		return nil, invalidArgs(n.name)
	}
	s, ok := args[0].(string)
	if !ok || utf16Len(s) > maxEncodeLength {
		return nil, invalidArgs(n.name)
	}
	return base64.StdEncoding.EncodeToString([]byte(s)), nil
}

func fnBase64Decode(_ *Env, n *callNode, args []any) (any, error) {
	if len(args) != 1 {
		return nil, invalidArgs(n.name)
	}
	s, ok := args[0].(string)
	if !ok || utf16Len(s) > maxEncodeLength {
		return nil, invalidArgs(n.name)
	}
	// Like Java's basic decoder, padding is accepted but not required.
	data, err := base64.RawStdEncoding.DecodeString(strings.TrimRight(s, "="))
	if err != nil || strings.Count(s, "=") > 2 || (strings.Contains(s, "=") && len(s)%4 != 0) {
		return nil, invalidArgs(n.name)
	}
	out := string(data)
	if !utf8.ValidString(out) {
		out = strings.ToValidUTF8(out, "\uFFFD")
	}
	return out, nil
}

func fnHash(_ *Env, n *callNode, args []any) (any, error) {
	if len(args) != 2 {
		return nil, invalidArgs(n.name)
	}
	alg, ok := args[1].(string)
	if !ok {
		return nil, invalidArgs(n.name)
	}
	h, ok := NewHash(alg)
	if !ok {
		return nil, invalidArgs(n.name)
	}
	// AWS hashes a non-string by its text.
	data, ok := args[0].(string)
	if !ok {
		data = value.EncodeString(args[0])
	}
	if utf16Len(data) > maxEncodeLength {
		return nil, invalidArgs(n.name)
	}
	h.Write([]byte(data))
	return hex.EncodeToString(h.Sum(nil)), nil
}

// --- math ---

func fnMathAdd(_ *Env, n *callNode, args []any) (any, error) {
	if len(args) != 2 {
		return nil, invalidArgs(n.name)
	}
	a, ok1 := javaRound(args[0])
	b, ok2 := javaRound(args[1])
	if !ok1 || !ok2 {
		return nil, invalidArgs(n.name)
	}
	s := a + b
	if (a > 0 && b > 0 && s < 0) || (a < 0 && b < 0 && s >= 0) {
		return nil, invalidArgs(n.name)
	}
	return s, nil
}

// isInt32 reports whether n fits a Java int, the type of MathRandom's
// bounds (AWS documents MathAdd's arguments as -2147483648..2147483647; the
// seeded result is java.util.Random's nextInt(int bound)).
func isInt32(n int64) bool { return n >= math.MinInt32 && n <= math.MaxInt32 }

// fnMathRandom returns an integer in [start, end), both Java ints. With a seed the result is
// that of java.util.Random seeded with it, so equal seeds give equal
// numbers; without one it comes from env.Random.
func fnMathRandom(env *Env, n *callNode, args []any) (any, error) {
	if len(args) != 2 && len(args) != 3 {
		return nil, invalidArgs(n.name)
	}
	start, ok1 := toInt(args[0])
	end, ok2 := toInt(args[1])
	if !ok1 || !ok2 || start >= end || !isInt32(start) || !isInt32(end) {
		return nil, invalidArgs(n.name)
	}
	bound := uint64(end) - uint64(start)
	if len(args) == 3 {
		seed, ok := toInt(args[2])
		if !ok {
			return nil, invalidArgs(n.name)
		}
		r := newJavaRandom(seed)
		var off uint64
		if bound <= math.MaxInt32 {
			off = uint64(r.nextInt(int32(bound)))
		} else {
			off = uint64(r.nextLong()) % bound
		}
		return int64(uint64(start) + off), nil
	}
	if env.Random == nil {
		return nil, fault.New(fault.Runtime, "States.MathRandom: no source of randomness")
	}
	return int64(uint64(start) + uint64(env.Random.Int63())%bound), nil
}

// javaRandom is java.util.Random's linear congruential generator.
type javaRandom struct{ seed uint64 }

const (
	jrMultiplier = 0x5DEECE66D
	jrMask       = (1 << 48) - 1
)

func newJavaRandom(seed int64) *javaRandom {
	return &javaRandom{seed: (uint64(seed) ^ jrMultiplier) & jrMask}
}

func (r *javaRandom) next(bits uint) int32 {
	r.seed = (r.seed*jrMultiplier + 0xB) & jrMask
	return int32(int64(r.seed) >> (48 - bits))
}

func (r *javaRandom) nextInt(bound int32) int32 {
	x := r.next(31)
	m := bound - 1
	if bound&m == 0 {
		return int32((int64(bound) * int64(x)) >> 31)
	}
	u := x
	for {
		x = u % bound
		if u-x+m >= 0 {
			return x
		}
		u = r.next(31)
	}
}

func (r *javaRandom) nextLong() int64 {
	hi := int64(r.next(32))
	lo := int64(r.next(32))
	return hi<<32 + lo
}

// --- strings and ids ---

// fnStringSplit splits on every character of the delimiter string and drops
// empty pieces, as Java's StringTokenizer does.
func fnStringSplit(_ *Env, n *callNode, args []any) (any, error) {
	if len(args) != 2 {
		return nil, invalidArgs(n.name)
	}
	s, ok1 := args[0].(string)
	d, ok2 := args[1].(string)
	if !ok1 || !ok2 {
		return nil, invalidArgs(n.name)
	}
	parts := strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune(d, r) })
	out := make([]any, len(parts))
	for i, p := range parts {
		out[i] = p
	}
	return out, nil
}

func fnUUID(env *Env, n *callNode, args []any) (any, error) {
	if len(args) != 0 {
		return nil, invalidArgs(n.name)
	}
	if env.Random == nil {
		return nil, fault.New(fault.Runtime, "States.UUID: no source of randomness")
	}
	return env.Random.UUID(), nil
}

// NewHash returns a hash of one of the algorithms Step Functions names
// (States.Hash, and JSONata's $hash): MD5, SHA-1, SHA-256, SHA-384 or
// SHA-512; false for any other name.
func NewHash(alg string) (hash.Hash, bool) {
	switch alg {
	case "MD5":
		return md5.New(), true
	case "SHA-1":
		return sha1.New(), true
	case "SHA-256":
		return sha256.New(), true
	case "SHA-384":
		return sha512.New384(), true
	case "SHA-512":
		return sha512.New(), true
	}
	return nil, false
}
