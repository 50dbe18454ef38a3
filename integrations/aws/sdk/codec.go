// Package sdk converts between Step Functions JSON values (package
// asl/value) and the input and output structs of the aws-sdk-go-v2 service
// clients, by reflection, the way Step Functions' AWS SDK integrations
// marshal them:
//
//   - members are named in PascalCase, as the Go struct fields are;
//   - blobs ([]byte) are base64 strings;
//   - timestamps are ISO-8601 strings as Java's Instant.toString writes them
//     (2024-01-02T03:04:05Z, 2024-01-02T03:04:05.120Z);
//   - unions (DynamoDB's AttributeValue, ...) are objects with exactly one
//     member named after the variant: {"S": "x"}, {"M": {...}};
//   - enums are strings; nil members are omitted; ResultMetadata is dropped.
package sdk

import (
	"encoding/base64"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/smithy-go/middleware"

	"github.com/stepwise/stepwise/asl/value"
)

// Codec converts values to and from SDK structs. Unions are resolved through
// the member types given to NewCodec. A Codec is safe for concurrent use
// once built.
type Codec struct {
	// unions maps a union interface type to its members by variant name.
	unions map[reflect.Type]map[string]reflect.Type
	// members lists every registered member type with its variant name.
	members map[reflect.Type]string
	// fieldCache holds the sorted exported fields of struct types.
	fieldCache sync.Map
}

// NewCodec returns a codec that knows the union member types given as
// sample values, for example &types.AttributeValueMemberS{}. A member's
// variant name is the part of its type name after "Member"; the unions it
// belongs to are the interfaces its pointer type implements among those
// met while decoding.
func NewCodec(unionMembers ...any) *Codec {
	c := &Codec{unions: map[reflect.Type]map[string]reflect.Type{}, members: map[reflect.Type]string{}}
	for _, m := range unionMembers {
		t := reflect.TypeOf(m)
		if t == nil || t.Kind() != reflect.Pointer || t.Elem().Kind() != reflect.Struct {
			continue
		}
		name := t.Elem().Name()
		i := strings.LastIndex(name, "Member")
		if i < 0 {
			continue
		}
		c.members[t] = name[i+len("Member"):]
	}
	return c
}

// ParamError reports a parameter that does not fit the SDK input shape.
type ParamError struct {
	Path string // where, as a JSON path such as $.Item.id
	Msg  string
}

func (e *ParamError) Error() string { return e.Path + ": " + e.Msg }

var (
	timeType     = reflect.TypeOf(time.Time{})
	metadataType = reflect.TypeOf(middleware.Metadata{})
)

// maxDepth bounds nesting so hostile input cannot exhaust the stack.
const maxDepth = 200

// Decode converts v into a new value of type t (usually a pointer to an SDK
// input struct). A nil v gives t's zero value.
func (c *Codec) Decode(v any, t reflect.Type) (reflect.Value, error) {
	out := reflect.New(t).Elem()
	if err := c.decode(v, out, "$", 0); err != nil {
		return reflect.Value{}, err
	}
	return out, nil
}

func (c *Codec) decode(v any, dst reflect.Value, path string, depth int) error {
	if depth > maxDepth {
		return &ParamError{path, "the value is nested too deeply"}
	}
	t := dst.Type()
	if v == nil {
		dst.SetZero()
		return nil
	}
	switch t.Kind() {
	case reflect.Pointer:
		p := reflect.New(t.Elem())
		if err := c.decode(v, p.Elem(), path, depth+1); err != nil {
			return err
		}
		dst.Set(p)
		return nil
	case reflect.Interface:
		return c.decodeUnion(v, dst, path, depth)
	case reflect.Struct:
		if t == timeType {
			tm, err := parseTime(v)
			if err != nil {
				return &ParamError{path, err.Error()}
			}
			dst.Set(reflect.ValueOf(tm))
			return nil
		}
		o, ok := v.(*value.Object)
		if !ok {
			return &ParamError{path, "expected an object, got " + kindName(v)}
		}
		for i := 0; i < o.Len(); i++ {
			k, mv := o.At(i)
			f, ok := field(t, k)
			if !ok {
				return &ParamError{path, fmt.Sprintf("the field %q is not supported by Step Functions", k)}
			}
			if err := c.decode(mv, dst.FieldByIndex(f.Index), path+"."+k, depth+1); err != nil {
				return err
			}
		}
		return nil
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			s, ok := v.(string)
			if !ok {
				return &ParamError{path, "expected a base64 string, got " + kindName(v)}
			}
			b, err := base64.StdEncoding.DecodeString(s)
			if err != nil {
				return &ParamError{path, "invalid base64: " + err.Error()}
			}
			dst.SetBytes(b)
			return nil
		}
		a, ok := v.([]any)
		if !ok {
			return &ParamError{path, "expected an array, got " + kindName(v)}
		}
		s := reflect.MakeSlice(t, len(a), len(a))
		for i, e := range a {
			if err := c.decode(e, s.Index(i), path+"["+strconv.Itoa(i)+"]", depth+1); err != nil {
				return err
			}
		}
		dst.Set(s)
		return nil
	case reflect.Map:
		if t.Key().Kind() != reflect.String {
			return &ParamError{path, "unsupported map type " + t.String()}
		}
		o, ok := v.(*value.Object)
		if !ok {
			return &ParamError{path, "expected an object, got " + kindName(v)}
		}
		m := reflect.MakeMapWithSize(t, o.Len())
		for i := 0; i < o.Len(); i++ {
			k, mv := o.At(i)
			e := reflect.New(t.Elem()).Elem()
			if err := c.decode(mv, e, path+"."+k, depth+1); err != nil {
				return err
			}
			m.SetMapIndex(reflect.ValueOf(k).Convert(t.Key()), e)
		}
		dst.Set(m)
		return nil
	case reflect.String:
		switch x := v.(type) {
		case string:
			dst.SetString(x)
		case bool, int64, float64:
			dst.SetString(value.EncodeString(x))
		default:
			return &ParamError{path, "expected a string, got " + kindName(v)}
		}
		return nil
	case reflect.Bool:
		b, ok := v.(bool)
		if !ok {
			return &ParamError{path, "expected a boolean, got " + kindName(v)}
		}
		dst.SetBool(b)
		return nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, err := toInt(v)
		if err != nil {
			return &ParamError{path, err.Error()}
		}
		if dst.OverflowInt(n) {
			return &ParamError{path, fmt.Sprintf("%d is out of range", n)}
		}
		dst.SetInt(n)
		return nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		n, err := toInt(v)
		if err != nil || n < 0 || dst.OverflowUint(uint64(n)) {
			return &ParamError{path, "expected a non-negative integer in range, got " + value.EncodeString(v)}
		}
		dst.SetUint(uint64(n))
		return nil
	case reflect.Float32, reflect.Float64:
		f, ok := value.ToFloat(v)
		if !ok {
			if s, isStr := v.(string); isStr {
				var err error
				if f, err = strconv.ParseFloat(s, 64); err == nil {
					ok = true
				}
			}
		}
		if !ok {
			return &ParamError{path, "expected a number, got " + kindName(v)}
		}
		dst.SetFloat(f)
		return nil
	}
	return &ParamError{path, "unsupported type " + t.String()}
}

func (c *Codec) decodeUnion(v any, dst reflect.Value, path string, depth int) error {
	t := dst.Type()
	o, ok := v.(*value.Object)
	if !ok || o.Len() != 1 {
		return &ParamError{path, "expected an object with exactly one member naming the " + t.Name() + " variant"}
	}
	k, mv := o.At(0)
	for mt, name := range c.members {
		if name != k || !mt.Implements(t) {
			continue
		}
		p := reflect.New(mt.Elem())
		vf := p.Elem().FieldByName("Value")
		if !vf.IsValid() {
			return &ParamError{path, "unsupported union member " + mt.String()}
		}
		if err := c.decode(mv, vf, path+"."+k, depth+1); err != nil {
			return err
		}
		dst.Set(p)
		return nil
	}
	return &ParamError{path, fmt.Sprintf("%q is not a %s variant", k, t.Name())}
}

// field finds the exported field named name, exactly or else ignoring case.
func field(t reflect.Type, name string) (reflect.StructField, bool) {
	if f, ok := t.FieldByName(name); ok && f.IsExported() && f.Type != metadataType {
		return f, true
	}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if f.IsExported() && f.Type != metadataType && strings.EqualFold(f.Name, name) {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

func toInt(v any) (int64, error) {
	switch x := v.(type) {
	case int64:
		return x, nil
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1<<63 {
			return int64(x), nil
		}
		return 0, fmt.Errorf("expected an integer, got %v", x)
	case string:
		n, err := strconv.ParseInt(x, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("expected an integer, got %q", x)
		}
		return n, nil
	}
	return 0, fmt.Errorf("expected an integer, got %s", kindName(v))
}

// parseTime reads a timestamp written as ISO-8601 text or as epoch seconds.
func parseTime(v any) (time.Time, error) {
	switch x := v.(type) {
	case string:
		for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", time.RFC1123, "2006-01-02"} {
			if t, err := time.Parse(layout, x); err == nil {
				return t, nil
			}
		}
		return time.Time{}, fmt.Errorf("invalid timestamp %q", x)
	case int64:
		return time.Unix(x, 0).UTC(), nil
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) || math.Abs(x) > 1e15 {
			return time.Time{}, fmt.Errorf("invalid timestamp %v", x)
		}
		sec, frac := math.Modf(x)
		return time.Unix(int64(sec), int64(frac*1e9)).UTC(), nil
	}
	return time.Time{}, fmt.Errorf("expected a timestamp, got %s", kindName(v))
}

func kindName(v any) string {
	switch value.KindOf(v) {
	case value.Null:
		return "null"
	case value.Bool:
		return "a boolean"
	case value.String:
		return "a string"
	case value.Number:
		return "a number"
	case value.ObjectKind:
		return "an object"
	case value.Array:
		return "an array"
	}
	return fmt.Sprintf("%T", v)
}

// fields returns the exported members of a struct type sorted by name, the
// order in which Step Functions lists them.
func (c *Codec) fields(t reflect.Type) []reflect.StructField {
	if f, ok := c.fieldCache.Load(t); ok {
		return f.([]reflect.StructField)
	}
	var fields []reflect.StructField
	for i := 0; i < t.NumField(); i++ {
		if f := t.Field(i); f.IsExported() && f.Type != metadataType {
			fields = append(fields, f)
		}
	}
	slices.SortFunc(fields, func(a, b reflect.StructField) int { return strings.Compare(a.Name, b.Name) })
	c.fieldCache.Store(t, fields)
	return fields
}

// Encode converts an SDK value (usually a pointer to an output struct) into
// a JSON value. Nil pointers, slices, maps and interfaces become nil; use
// EncodeOrEmpty for a task result, which is never null.
func (c *Codec) Encode(v any) any {
	out, _ := c.encode(reflect.ValueOf(v), 0)
	return out
}

// EncodeOrEmpty is Encode returning an empty object instead of nil.
func (c *Codec) EncodeOrEmpty(v any) any {
	if out := c.Encode(v); out != nil {
		return out
	}
	return value.NewObject(0)
}

// encode returns the JSON value of v and whether it is present.
func (c *Codec) encode(v reflect.Value, depth int) (any, bool) {
	if !v.IsValid() || depth > maxDepth {
		return nil, false
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil, false
		}
		if v.Kind() == reflect.Pointer {
			if name, ok := c.members[v.Type()]; ok {
				return c.encodeMember(name, v.Elem(), depth)
			}
			if name, ok := memberName(v.Type()); ok {
				return c.encodeMember(name, v.Elem(), depth)
			}
		}
		return c.encode(v.Elem(), depth+1)
	case reflect.Struct:
		if v.Type() == timeType {
			return FormatInstant(v.Interface().(time.Time)), true
		}
		fields := c.fields(v.Type())
		o := value.NewObject(len(fields))
		for _, f := range fields {
			if fv, ok := c.encode(v.FieldByIndex(f.Index), depth+1); ok {
				o.Append(f.Name, fv)
			}
		}
		return o, true
	case reflect.Slice:
		if v.IsNil() {
			return nil, false
		}
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return base64.StdEncoding.EncodeToString(v.Bytes()), true
		}
		a := make([]any, 0, v.Len())
		for i := 0; i < v.Len(); i++ {
			e, ok := c.encode(v.Index(i), depth+1)
			if !ok {
				e = nil
			}
			a = append(a, e)
		}
		return a, true
	case reflect.Array:
		a := make([]any, 0, v.Len())
		for i := 0; i < v.Len(); i++ {
			e, _ := c.encode(v.Index(i), depth+1)
			a = append(a, e)
		}
		return a, true
	case reflect.Map:
		if v.IsNil() {
			return nil, false
		}
		keys := v.MapKeys()
		// Go maps have no order; sort the keys for deterministic output.
		slices.SortFunc(keys, func(a, b reflect.Value) int { return strings.Compare(a.String(), b.String()) })
		o := value.NewObject(len(keys))
		for _, k := range keys {
			e, ok := c.encode(v.MapIndex(k), depth+1)
			if !ok {
				e = nil
			}
			o.Append(k.String(), e)
		}
		return o, true
	case reflect.String:
		// Plain strings are pointers in the SDK; a string kind held by value
		// is an enum, and its zero value means the member is absent.
		if v.String() == "" && v.Type().PkgPath() != "" {
			return nil, false
		}
		return v.String(), true
	case reflect.Bool:
		return v.Bool(), true
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return v.Int(), true
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		u := v.Uint()
		if u > math.MaxInt64 {
			return float64(u), true
		}
		return int64(u), true
	case reflect.Float32:
		// Print a float32 with its own shortest digits (0.1, not 0.10000000149).
		f, _ := strconv.ParseFloat(strconv.FormatFloat(v.Float(), 'g', -1, 32), 64)
		return f, true
	case reflect.Float64:
		return v.Float(), true
	}
	return nil, false
}

func (c *Codec) encodeMember(name string, v reflect.Value, depth int) (any, bool) {
	f := v.FieldByName("Value")
	if !f.IsValid() {
		return nil, false
	}
	inner, ok := c.encode(f, depth+1)
	if !ok {
		inner = nil
	}
	o := value.NewObject(1)
	o.Append(name, inner)
	return o, true
}

// memberName recognises a union member type by its generated name
// (<Union>Member<Variant>, a struct with a Value field) when it was not
// registered.
func memberName(t reflect.Type) (string, bool) {
	e := t.Elem()
	if e.Kind() != reflect.Struct {
		return "", false
	}
	i := strings.LastIndex(e.Name(), "Member")
	if i <= 0 || i+len("Member") == len(e.Name()) {
		return "", false
	}
	if _, ok := e.FieldByName("Value"); !ok || e.NumField() > 2 {
		return "", false
	}
	return e.Name()[i+len("Member"):], true
}

// FormatInstant writes t in UTC the way Java's Instant.toString does: no
// fraction when it is zero, else 3, 6 or 9 fractional digits.
func FormatInstant(t time.Time) string {
	t = t.UTC()
	s := t.Format("2006-01-02T15:04:05")
	ns := t.Nanosecond()
	switch {
	case ns == 0:
	case ns%1_000_000 == 0:
		s += fmt.Sprintf(".%03d", ns/1_000_000)
	case ns%1_000 == 0:
		s += fmt.Sprintf(".%06d", ns/1_000)
	default:
		s += fmt.Sprintf(".%09d", ns)
	}
	return s + "Z"
}
