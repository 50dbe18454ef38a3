package choice

import (
	"testing"

	"github.com/stepwise/stepwise/asl/jsonpath"
	"github.com/stepwise/stepwise/asl/value"
)

func benchEval(b *testing.B, rule, input string) {
	r := mustCompile(b, rule)
	in, err := value.DecodeString(input)
	if err != nil {
		b.Fatal(err)
	}
	s := &jsonpath.Scope{Input: in}
	if _, err := r.Eval(s); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := r.Eval(s); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEvalNumeric is one NumericLessThanEquals comparison of an int64
// variable with a float64 literal.
func BenchmarkEvalNumeric(b *testing.B) {
	benchEval(b, `{"Variable":"$.order.total","NumericLessThanEquals":99.5,"Next":"X"}`,
		`{"order":{"id":"o-1","total":42,"items":[1,2,3]}}`)
}

// BenchmarkEvalAndNested is the AWS docs' example rule shape, nested: an And
// of an Or, a Not and range checks, all of which are evaluated.
func BenchmarkEvalAndNested(b *testing.B) {
	benchEval(b, `{"And":[
		{"Variable":"$.value","NumericGreaterThanEquals":20},
		{"Variable":"$.value","NumericLessThan":30},
		{"Or":[
			{"Variable":"$.type","StringEquals":"Public"},
			{"Not":{"Variable":"$.type","StringMatches":"Priv*"}}
		]},
		{"Variable":"$.when","TimestampLessThan":"2030-01-01T00:00:00Z"},
		{"Variable":"$.flag","IsPresent":true}
	]}`, `{"type":"Internal","value":22,"when":"2024-05-01T12:00:00.5+02:00","flag":false}`)
}

// BenchmarkParseTimestamp parses a timestamp with fraction and offset.
func BenchmarkParseTimestamp(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := ParseTimestamp("2016-03-05T21:29:29.243167252+01:00"); !ok {
			b.Fatal("parse failed")
		}
	}
}
