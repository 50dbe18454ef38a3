package jsonata

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"sort"
	"strconv"

	"github.com/recolabs/gnata"

	"github.com/stepwise/stepwise/asl/value"
)

// gnata keeps its value types (ordered objects, the null sentinel, function
// values) in an internal package. The adapter reaches them through what the
// public API hands out: a fresh empty object comes from the $merge builtin,
// the null sentinel from decoding "null", and Go functions become gnata
// builtins by conversion to the builtin type found in the root environment.
// bridge holds these, built once; it is never modified afterwards.
type bridge struct {
	builtinType reflect.Type                  // gnata's BuiltinFunction type
	merge       func([]any, any) (any, error) // $merge: makes empty objects
	fromMillis  func([]any, any) (any, error) // $fromMillis, for $now
	// gnata's own functions that the adapter checks arguments for first.
	sqrt, power, formatBase, str, number, distinct, toMillis func([]any, any) (any, error)
	null                                                     any // gnata's null
	root                                                     interface{ Lookup(string) (any, bool) }
}

var lib = newBridge()

// mergeNoArgs is the argument list that makes $merge return a new object.
var mergeNoArgs = []any{[]any{}}

func newBridge() *bridge {
	root := gnata.NewCustomEnv(nil)
	str, ok := root.Lookup("string")
	if !ok {
		panic("jsonata: gnata has no $string builtin")
	}
	b := &bridge{builtinType: reflect.TypeOf(str), root: root}
	b.merge = b.callable(root, "merge")
	b.fromMillis = b.callable(root, "fromMillis")
	b.sqrt = b.callable(root, "sqrt")
	b.power = b.callable(root, "power")
	b.formatBase = b.callable(root, "formatBase")
	b.str = b.callable(root, "string")
	b.number = b.callable(root, "number")
	b.distinct = b.callable(root, "distinct")
	b.toMillis = b.callable(root, "toMillis")
	null, err := gnata.DecodeJSON([]byte("null"))
	if err != nil {
		panic(fmt.Sprintf("jsonata: decode null: %v", err))
	}
	b.null = null
	if _, ok := b.newObject().(objectSetter); !ok {
		panic("jsonata: gnata's $merge([]) is not an ordered object")
	}
	return b
}

// callable returns the gnata builtin named name as a Go function.
func (b *bridge) callable(root interface {
	Lookup(string) (any, bool)
}, name string) func([]any, any) (any, error) {
	v, ok := root.Lookup(name)
	if !ok {
		panic("jsonata: gnata has no $" + name + " builtin")
	}
	var f func([]any, any) (any, error)
	return reflect.ValueOf(v).Convert(reflect.TypeOf(f)).Interface().(func([]any, any) (any, error))
}

// builtin makes f a gnata builtin function value.
func (b *bridge) builtin(f func(args []any, focus any) (any, error)) any {
	return reflect.ValueOf(f).Convert(b.builtinType).Interface()
}

// withSignature returns gnata's builtin name, which checks its arguments
// against a signature before calling its function, with f as that
// function: the signature check stays gnata's.
func (b *bridge) withSignature(name string, f func(args []any, focus any) (any, error)) any {
	v, ok := b.root.Lookup(name)
	if !ok {
		panic("jsonata: gnata has no $" + name + " builtin")
	}
	orig := reflect.ValueOf(v)
	if orig.Kind() != reflect.Pointer || orig.Elem().Kind() != reflect.Struct {
		panic("jsonata: gnata's $" + name + " has no signature")
	}
	cp := reflect.New(orig.Elem().Type())
	cp.Elem().Set(orig.Elem())
	fn := cp.Elem().FieldByName("Fn")
	fn.Set(reflect.ValueOf(f).Convert(fn.Type()))
	return cp.Interface()
}

// mapResult returns gnata's builtin name with post applied to each of its
// results, whatever the builtin's Go type (it may take gnata's evaluation
// environment, which only reflection can pass through).
func (b *bridge) mapResult(name string, post func(any) any) any {
	v, ok := b.root.Lookup(name)
	if !ok {
		panic("jsonata: gnata has no $" + name + " builtin")
	}
	orig := reflect.ValueOf(v)
	if orig.Kind() != reflect.Func {
		panic("jsonata: gnata's $" + name + " is not a plain function")
	}
	return reflect.MakeFunc(orig.Type(), func(in []reflect.Value) []reflect.Value {
		out := orig.Call(in)
		if out[1].IsNil() && !out[0].IsNil() {
			res := post(out[0].Interface())
			out[0] = reflect.ValueOf(&res).Elem()
		}
		return out
	}).Interface()
}

// newObject returns a new, empty gnata ordered object.
func (b *bridge) newObject() any {
	o, err := b.merge(mergeNoArgs, nil)
	if err != nil {
		panic(fmt.Sprintf("jsonata: $merge([]): %v", err))
	}
	return o
}

// objectSetter and objectReader are the methods of gnata's ordered object.
type objectSetter interface {
	Set(key string, v any)
}

type objectReader interface {
	Keys() []string
	Get(key string) (any, bool)
}

// toGnata converts a value to gnata's representation: objects become
// ordered objects, null the null sentinel, and every number a float64, as
// jsonata-js sees numbers.
func toGnata(v any) any {
	switch x := v.(type) {
	case nil:
		return lib.null
	case bool, string, float64:
		return x
	case int64:
		if x >= 0 && x < int64(len(smallNumbers)) {
			return smallNumbers[x]
		}
		return float64(x)
	case *value.Object:
		o := lib.newObject()
		s := o.(objectSetter)
		for i := 0; i < x.Len(); i++ {
			k, e := x.At(i)
			s.Set(k, toGnata(e))
		}
		return o
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = toGnata(e)
		}
		return out
	case int:
		return float64(x)
	}
	// Not a value of package value: go through its Go form.
	if g, err := value.FromGo(v); err == nil {
		return toGnata(g)
	}
	return v
}

// smallNumbers are the integers 0..255 as gnata numbers, boxed once: most
// numbers in state data are small, and boxing a float64 allocates.
var smallNumbers = func() (t [256]any) {
	for i := range t {
		t[i] = float64(i)
	}
	return t
}()

// resultKind is the error fromGnata returns for a result AWS refuses.
type resultKind ErrorKind

func (k resultKind) Error() string { return ErrorKind(k).String() }

// maxSafe is 2^53: from there a float64 integer prints differently in
// JavaScript (shortest digits, then zeros) than as a Go int64.
const maxSafe = 1 << 53

// fromGnata converts an evaluator result to a value. A nested undefined is
// resultKind(KindUndefined), a function resultKind(KindUnsupported).
func fromGnata(v any) (any, error) {
	switch x := v.(type) {
	case nil:
		return nil, resultKind(KindUndefined)
	case bool, string:
		return x, nil
	case float64:
		return fromFloat(x)
	case json.Number:
		f, err := x.Float64()
		if err != nil {
			return nil, fmt.Errorf("bad number %q: %w", string(x), err)
		}
		return fromFloat(f)
	case int64:
		return x, nil
	case int:
		return int64(x), nil
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			c, err := fromGnata(e)
			if err != nil {
				return nil, err
			}
			out[i] = c
		}
		return out, nil
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		o := value.NewObject(len(keys))
		for _, k := range keys {
			c, err := fromGnata(x[k])
			if err != nil {
				return nil, err
			}
			o.Append(k, c)
		}
		return o, nil
	case objectReader:
		keys := x.Keys()
		o := value.NewObject(len(keys))
		for _, k := range keys {
			e, _ := x.Get(k)
			if e == nil {
				// jsonata-js drops a member whose value is undefined.
				continue
			}
			c, err := fromGnata(e)
			if err != nil {
				return nil, err
			}
			o.Append(k, c)
		}
		return o, nil
	}
	if gnata.IsNull(v) {
		return nil, nil
	}
	return fromOther(v)
}

// fromOther handles gnata's remaining internal types: functions (which AWS
// refuses as results) and sequences (flattened as gnata flattens them).
func fromOther(v any) (any, error) {
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Func {
		return nil, resultKind(KindUnsupported)
	}
	if rv.Kind() == reflect.Pointer && !rv.IsNil() && rv.Elem().Kind() == reflect.Struct {
		st := rv.Elem()
		switch st.Type().Name() {
		case "Lambda", "SignedBuiltin":
			return nil, resultKind(KindUnsupported)
		case "Sequence":
			return fromGnata(gnata.NormalizeValue(sequenceValues(st)))
		}
	}
	return nil, fmt.Errorf("unsupported evaluator value of type %T", v)
}

// sequenceSlice returns the values of a gnata sequence (sharing its
// storage), or false when v is not one.
func sequenceSlice(v any) ([]any, bool) {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() || rv.Elem().Kind() != reflect.Struct || rv.Elem().Type().Name() != "Sequence" {
		return nil, false
	}
	vals, ok := rv.Elem().FieldByName("Values").Interface().([]any)
	return vals, ok
}

// sequenceValues reads a gnata sequence as gnata collapses one: no values
// is undefined, one is itself unless kept as an array.
func sequenceValues(st reflect.Value) any {
	vals, _ := st.FieldByName("Values").Interface().([]any)
	keep := st.FieldByName("KeepSingleton")
	switch {
	case len(vals) == 0:
		return nil
	case len(vals) == 1 && !(keep.IsValid() && keep.Bool()):
		return vals[0]
	}
	return vals
}

// fromFloat returns a number as jsonata-js prints it: an integral value is
// an integer (-0 is 0), written with JavaScript's digits from 2^53 on.
func fromFloat(f float64) (any, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil, &Error{Kind: KindEvaluation, Code: "D1001", Message: renderMessage("D1001", map[string]any{"value": f})}
	}
	if f != math.Trunc(f) || math.Abs(f) >= math.MaxInt64 {
		return f, nil
	}
	if math.Abs(f) < maxSafe {
		return int64(f), nil
	}
	n, err := strconv.ParseInt(strconv.FormatFloat(f, 'f', -1, 64), 10, 64)
	if err != nil {
		return f, nil
	}
	return n, nil
}
