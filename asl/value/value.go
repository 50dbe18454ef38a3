// Package value is the JSON value representation shared by the whole engine.
//
// A value is one of: nil (JSON null), bool, string, int64 (a number written
// without fraction or exponent that fits 64 bits), float64 (any other number),
// *Object (a JSON object that keeps its keys in the order written) or []any
// (a JSON array of values).
//
// AWS Step Functions keeps both object key order and the difference between
// integers and floats, so outputs and States.JsonToString match AWS byte for
// byte only when the engine does the same.
//
// Values are treated as immutable once built and shared: code that needs a
// changed value builds a new one (copying only along the changed path), so a
// value can be handed to several states, branches and history events without
// defensive copies.
package value

import (
	"fmt"
	"math"
	"sort"
)

// Object is a JSON object whose members keep the order in which they were
// written. The zero value is an empty object ready to use.
type Object struct {
	keys  []string
	vals  []any
	index map[string]int // built lazily once the object is large
}

// indexThreshold is the size from which lookups use a map instead of a scan.
const indexThreshold = 12

// NewObject returns an empty object with room for n members.
func NewObject(n int) *Object {
	o := newObject(n)
	o.keys, o.vals = o.keys[:0], o.vals[:0]
	return o
}

// newObject returns an object with n zero members (len and cap n). A small
// object and its members take one allocation.
func newObject(n int) *Object {
	switch {
	case n <= 0:
		return &Object{}
	case n == 1:
		h := &struct {
			o Object
			k [1]string
			v [1]any
		}{}
		h.o.keys, h.o.vals = h.k[:], h.v[:]
		return &h.o
	case n == 2:
		h := &struct {
			o Object
			k [2]string
			v [2]any
		}{}
		h.o.keys, h.o.vals = h.k[:], h.v[:]
		return &h.o
	case n == 3:
		h := &struct {
			o Object
			k [3]string
			v [3]any
		}{}
		h.o.keys, h.o.vals = h.k[:], h.v[:]
		return &h.o
	case n == 4:
		h := &struct {
			o Object
			k [4]string
			v [4]any
		}{}
		h.o.keys, h.o.vals = h.k[:n:n], h.v[:n:n]
		return &h.o
	case n <= 8:
		h := &struct {
			o Object
			k [8]string
			v [8]any
		}{}
		h.o.keys, h.o.vals = h.k[:n:n], h.v[:n:n]
		return &h.o
	}
	return &Object{keys: make([]string, n), vals: make([]any, n)}
}

// Len returns the number of members.
func (o *Object) Len() int {
	if o == nil {
		return 0
	}
	return len(o.keys)
}

// At returns the i-th member in order.
func (o *Object) At(i int) (string, any) { return o.keys[i], o.vals[i] }

// Keys returns the member names in order. The slice must not be modified.
func (o *Object) Keys() []string {
	if o == nil {
		return nil
	}
	return o.keys
}

// find returns the position of key, or -1. It only reads, so values shared
// between goroutines can be read concurrently: the index of a large object
// is kept up to date by the writers (Set, Append, Delete).
func (o *Object) find(key string) int {
	if o == nil {
		return -1
	}
	if o.index != nil {
		if i, ok := o.index[key]; ok {
			return i
		}
		return -1
	}
	for i, k := range o.keys {
		if k == key {
			return i
		}
	}
	return -1
}

// grow records a member appended at position i in the index, building the
// index once the object reaches indexThreshold members.
func (o *Object) grow(key string, i int) {
	if o.index != nil {
		if _, dup := o.index[key]; !dup {
			o.index[key] = i
		}
		return
	}
	if len(o.keys) >= indexThreshold {
		o.reindex()
	}
}

func (o *Object) reindex() {
	o.index = make(map[string]int, len(o.keys))
	for i, k := range o.keys {
		if _, dup := o.index[k]; !dup {
			o.index[k] = i
		}
	}
}

// Get returns the member named key.
func (o *Object) Get(key string) (any, bool) {
	i := o.find(key)
	if i < 0 {
		return nil, false
	}
	return o.vals[i], true
}

// Index returns the position of the member named key (as given to At), or
// -1 when there is none.
func (o *Object) Index(key string) int { return o.find(key) }

// Has reports whether the object has a member named key.
func (o *Object) Has(key string) bool { return o.find(key) >= 0 }

// Set replaces the member named key in place, or appends it. Use it only on
// an object that is not shared yet (see the package comment).
func (o *Object) Set(key string, v any) {
	if i := o.find(key); i >= 0 {
		o.vals[i] = v
		return
	}
	o.keys = append(o.keys, key)
	o.vals = append(o.vals, v)
	o.grow(key, len(o.keys)-1)
}

// Append adds a member without checking for an existing one of the same name.
// It is for builders that know the keys are distinct.
func (o *Object) Append(key string, v any) {
	o.keys = append(o.keys, key)
	o.vals = append(o.vals, v)
	o.grow(key, len(o.keys)-1)
}

// Delete removes the member named key, keeping the order of the others.
func (o *Object) Delete(key string) {
	i := o.find(key)
	if i < 0 {
		return
	}
	o.keys = append(o.keys[:i], o.keys[i+1:]...)
	o.vals = append(o.vals[:i], o.vals[i+1:]...)
	o.index = nil
	if len(o.keys) >= indexThreshold {
		o.reindex()
	}
}

// Reset empties the object, keeping its storage, for a scratch object that
// its builder alone holds and fills again (a shared object never changes:
// see the package comment).
func (o *Object) Reset() {
	clear(o.keys)
	clear(o.vals)
	o.keys, o.vals, o.index = o.keys[:0], o.vals[:0], nil
}

// ShallowCopy returns a new object with the same members.
func (o *Object) ShallowCopy() *Object {
	// Room for one more member, as callers often add one.
	c := newObject(len(o.keys) + 1)
	c.keys, c.vals = c.keys[:len(o.keys)], c.vals[:len(o.vals)]
	copy(c.keys, o.keys)
	copy(c.vals, o.vals)
	if o.index != nil {
		c.index = make(map[string]int, len(o.index)+1)
		for k, i := range o.index {
			c.index[k] = i
		}
	}
	return c
}

// ValueForKey implements ojg's jp.Keyed.
func (o *Object) ValueForKey(key string) (any, bool) { return o.Get(key) }

// SetValueForKey implements ojg's jp.Keyed.
func (o *Object) SetValueForKey(key string, v any) { o.Set(key, v) }

// RemoveValueForKey implements ojg's jp.Keyed.
func (o *Object) RemoveValueForKey(key string) { o.Delete(key) }

// String returns the compact JSON text of the object.
func (o *Object) String() string { return string(Encode(o)) }

// Kind names the JSON type of a value.
type Kind int

// The JSON kinds.
const (
	Invalid Kind = iota
	Null
	Bool
	String
	Number
	ObjectKind
	Array
)

// KindOf returns the JSON kind of v.
func KindOf(v any) Kind {
	switch v.(type) {
	case nil:
		return Null
	case bool:
		return Bool
	case string:
		return String
	case int64, float64:
		return Number
	case *Object:
		return ObjectKind
	case []any:
		return Array
	}
	return Invalid
}

// IsNumber reports whether v is a JSON number.
func IsNumber(v any) bool {
	switch v.(type) {
	case int64, float64:
		return true
	}
	return false
}

// ToFloat returns a number as float64.
func ToFloat(v any) (float64, bool) {
	switch n := v.(type) {
	case int64:
		return float64(n), true
	case float64:
		return n, true
	}
	return 0, false
}

// Equal reports whether a and b are the same JSON value. Numbers compare by
// numeric value (1 equals 1.0); objects compare regardless of member order.
func Equal(a, b any) bool { return equal(a, b, false) }

// EqualStrict is Equal as Jackson's JsonNode equality sees values: an
// integer is never equal to a float (1 differs from 1.0). AWS's
// States.ArrayContains and States.ArrayUnique compare this way.
func EqualStrict(a, b any) bool { return equal(a, b, true) }

func equal(a, b any, strictNumbers bool) bool {
	switch x := a.(type) {
	case nil:
		return b == nil
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	case string:
		y, ok := b.(string)
		return ok && x == y
	case int64:
		switch y := b.(type) {
		case int64:
			return x == y
		case float64:
			return !strictNumbers && float64(x) == y
		}
		return false
	case float64:
		switch y := b.(type) {
		case int64:
			return !strictNumbers && x == float64(y)
		case float64:
			return x == y
		}
		return false
	case *Object:
		y, ok := b.(*Object)
		if !ok || x.Len() != y.Len() {
			return false
		}
		for i, k := range x.keys {
			w, ok := y.Get(k)
			if !ok || !equal(x.vals[i], w, strictNumbers) {
				return false
			}
		}
		return true
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !equal(x[i], y[i], strictNumbers) {
				return false
			}
		}
		return true
	}
	return false
}

// Clone returns a deep copy of v.
func Clone(v any) any {
	switch x := v.(type) {
	case *Object:
		c := NewObject(x.Len())
		for i, k := range x.keys {
			c.Append(k, Clone(x.vals[i]))
		}
		return c
	case []any:
		c := make([]any, len(x))
		for i, e := range x {
			c[i] = Clone(e)
		}
		return c
	}
	return v
}

// FromGo converts a Go value built by encoding/json or by hand (maps, slices,
// numbers of any Go type) into a value. Map keys are sorted, since a Go map
// has no order of its own.
func FromGo(v any) (any, error) {
	switch x := v.(type) {
	case nil, bool, string, int64, float64, *Object:
		return x, nil
	case int:
		return int64(x), nil
	case int32:
		return int64(x), nil
	case uint32:
		return int64(x), nil
	case float32:
		return float64(x), nil
	case uint64:
		if x > math.MaxInt64 {
			return float64(x), nil
		}
		return int64(x), nil
	case interface{ Int64() (int64, error) }: // json.Number
		if n, err := x.Int64(); err == nil {
			return n, nil
		}
		f, err := x.(interface{ Float64() (float64, error) }).Float64()
		if err != nil {
			return nil, fmt.Errorf("value: bad number %v: %w", x, err)
		}
		return f, nil
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		o := NewObject(len(keys))
		for _, k := range keys {
			e, err := FromGo(x[k])
			if err != nil {
				return nil, err
			}
			o.Append(k, e)
		}
		return o, nil
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			c, err := FromGo(e)
			if err != nil {
				return nil, err
			}
			out[i] = c
		}
		return out, nil
	case []string:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = e
		}
		return out, nil
	}
	return nil, fmt.Errorf("value: cannot convert Go type %T", v)
}

// ToGo converts a value to plain Go values (map[string]any, []any, float64
// and int64 numbers), losing key order. It is for callers outside the engine.
func ToGo(v any) any {
	switch x := v.(type) {
	case *Object:
		m := make(map[string]any, x.Len())
		for i, k := range x.keys {
			m[k] = ToGo(x.vals[i])
		}
		return m
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = ToGo(e)
		}
		return out
	}
	return v
}

// TypeName returns the name AWS uses in messages for the JSON type of v.
func TypeName(v any) string {
	switch KindOf(v) {
	case Null:
		return "null"
	case Bool:
		return "boolean"
	case String:
		return "string"
	case Number:
		return "number"
	case ObjectKind:
		return "object"
	case Array:
		return "array"
	}
	return fmt.Sprintf("%T", v)
}
