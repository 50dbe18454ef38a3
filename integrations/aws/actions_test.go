package aws

import (
	"reflect"
	"testing"
	"time"

	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	trtypes "github.com/aws/aws-sdk-go-v2/service/transcribe/types"

	"github.com/stepwise/stepwise/asl/value"
)

// fill sets every member of v (recursively, to a bounded depth) to a
// sample value, choosing the first known variant for unions.
func fill(t *testing.T, svc *service, v reflect.Value, depth int) {
	if depth > 6 {
		return
	}
	switch v.Kind() {
	case reflect.Pointer:
		p := reflect.New(v.Type().Elem())
		fill(t, svc, p.Elem(), depth+1)
		v.Set(p)
	case reflect.Struct:
		if v.Type() == reflect.TypeOf(time.Time{}) {
			v.Set(reflect.ValueOf(time.Date(2024, 1, 2, 3, 4, 5, 6_000_000, time.UTC)))
			return
		}
		for i := 0; i < v.NumField(); i++ {
			if f := v.Type().Field(i); f.IsExported() && f.Name != "ResultMetadata" {
				fill(t, svc, v.Field(i), depth+1)
			}
		}
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			v.SetBytes([]byte{1, 2, 3})
			return
		}
		s := reflect.MakeSlice(v.Type(), 1, 1)
		fill(t, svc, s.Index(0), depth+1)
		v.Set(s)
	case reflect.Map:
		m := reflect.MakeMap(v.Type())
		e := reflect.New(v.Type().Elem()).Elem()
		fill(t, svc, e, depth+1)
		m.SetMapIndex(reflect.ValueOf("k").Convert(v.Type().Key()), e)
		v.Set(m)
	case reflect.Interface:
		for _, sample := range unionSamples(svc) {
			if reflect.TypeOf(sample).Implements(v.Type()) {
				p := reflect.New(reflect.TypeOf(sample).Elem())
				fill(t, svc, p.Elem(), depth+1)
				v.Set(p)
				return
			}
		}
	case reflect.String:
		v.SetString("s")
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(7)
	case reflect.Float32, reflect.Float64:
		v.SetFloat(1.5)
	}
}

func unionSamples(svc *service) []any {
	switch svc.name {
	case "dynamodb":
		return []any{&ddbS{}}
	case "transcribe":
		return []any{&trRule{}}
	}
	return nil
}

// TestEveryActionRoundTrips converts every action's input and output of
// the four aws-sdk services to JSON and back: the conversion loses nothing
// and panics on nothing.
func TestEveryActionRoundTrips(t *testing.T) {
	total := 0
	for _, name := range Services() {
		svc := services[name]
		actions := Actions(name)
		if len(actions) < 10 {
			t.Fatalf("%s: only %d actions found", name, len(actions))
		}
		for _, action := range actions {
			op, ok := operationName(action)
			if !ok || !svc.hasOperation(op) {
				t.Fatalf("%s:%s is not callable", name, action)
			}
			m, _ := svc.clientType.MethodByName(op)
			for _, typ := range []reflect.Type{m.Type.In(2), m.Type.Out(0)} {
				orig := reflect.New(typ.Elem())
				fill(t, svc, orig.Elem(), 0)
				enc := svc.codec.Encode(orig.Interface())
				back, err := svc.codec.Decode(enc, typ)
				if err != nil {
					t.Fatalf("%s:%s %s: %v\n%s", name, action, typ, err, value.EncodeString(enc))
				}
				if !reflect.DeepEqual(normalize(orig), normalize(back)) {
					t.Fatalf("%s:%s %s does not round-trip:\n%s\n%s", name, action, typ, value.EncodeString(enc), value.EncodeString(svc.codec.Encode(back.Interface())))
				}
				total++
			}
		}
	}
	t.Logf("%d input/output shapes round-trip", total)
}

// normalize drops ResultMetadata, which the conversion leaves out.
func normalize(v reflect.Value) any {
	c := reflect.New(v.Type().Elem())
	c.Elem().Set(v.Elem())
	if f := c.Elem().FieldByName("ResultMetadata"); f.IsValid() {
		f.SetZero()
	}
	return c.Interface()
}

type (
	ddbS   = ddbtypes.AttributeValueMemberS
	trRule = trtypes.RuleMemberTranscriptFilter
)
