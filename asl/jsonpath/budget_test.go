package jsonpath

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// Chained deep scans over a deep document would take billions of steps:
// the evaluation stops at MaxSteps with an error, soon; a path of the same
// shape over a small document still works.
func TestPathEvaluationIsBounded(t *testing.T) {
	p, err := Compile("$..a..b..c..d")
	if err != nil {
		t.Fatal(err)
	}
	deep := mustDecode(t, `{"x":`+strings.Repeat(`{"a":{"b":{"c":`, 300)+"1"+strings.Repeat("}}}", 300)+`}`)
	start := time.Now()
	_, err = p.Get(deep)
	var nf *NotFoundError
	if !errors.As(err, &nf) || nf.Msg != TooComplexMsg {
		t.Fatalf("Get = %v, want %q", err, TooComplexMsg)
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("took %v, want the bound to stop it within seconds", took)
	}
	small := mustDecode(t, `{"a":{"b":{"c":{"d":7}}}}`)
	got, err := p.Get(small)
	if err != nil {
		t.Fatal(err)
	}
	if arr, ok := got.([]any); !ok || len(arr) != 1 || arr[0] != int64(7) {
		t.Fatalf("Get = %v, want [7]", got)
	}
	// Filters within the path share the bound.
	f, err := Compile("$..a[?(@..b..c..d)]")
	if err != nil {
		t.Fatal(err)
	}
	wide := mustDecode(t, `{"a":[`+strings.TrimSuffix(strings.Repeat(`{"x":`+strings.Repeat(`{"b":{"c":`, 100)+"1"+strings.Repeat("}}", 100)+`},`, 300), ",")+`]}`)
	if _, err := f.Get(wide); !errors.As(err, &nf) || nf.Msg != TooComplexMsg {
		t.Fatalf("filter Get = %v, want %q", err, TooComplexMsg)
	}
}
