package engine

import (
	"strconv"

	"github.com/stepwise/stepwise/asl/fault"
	"github.com/stepwise/stepwise/asl/value"
)

// dataLimit is the error of a result over the payload limit.
func dataLimit(what string) *stateError {
	return &stateError{
		name:  fault.DataLimitExceeded,
		cause: "The state/task '" + what + "' returned a result with a size exceeding the maximum number of bytes service limit.",
	}
}

// tooLarge reports whether the JSON text of v is longer than limit bytes,
// walking no further than needed.
func tooLarge(v any, limit int) bool {
	if limit < 0 {
		return false
	}
	n := 0
	// The walk estimates the size cheaply; past half the limit, where
	// escapes could make the estimate wrong, the value is encoded.
	if !sizeOver(v, &n, limit/2) {
		return false
	}
	return len(value.Encode(v)) > limit
}

func sizeOver(v any, n *int, limit int) bool {
	switch x := v.(type) {
	case nil:
		*n += 4
	case bool:
		*n += 5
	case string:
		*n += len(x) + 2
	case int64, float64:
		*n += 8
	case *value.Object:
		*n += 2
		for i := 0; i < x.Len(); i++ {
			k, e := x.At(i)
			*n += len(k) + 4
			if *n > limit || sizeOver(e, n, limit) {
				return true
			}
		}
	case []any:
		*n += 2
		for _, e := range x {
			*n++
			if *n > limit || sizeOver(e, n, limit) {
				return true
			}
		}
	}
	return *n > limit
}

// intField reads a whole number given as an integer (or a float without a
// fraction).
func intValue(v any) (int64, bool) {
	switch n := v.(type) {
	case int64:
		return n, true
	case float64:
		if n == float64(int64(n)) {
			return int64(n), true
		}
	case string: // AWS parses numeric strings in ...Path fields
		if i, err := strconv.ParseInt(n, 10, 64); err == nil {
			return i, true
		}
	}
	return 0, false
}

// floatValue reads a number given as a number or a numeric string.
func floatValue(v any) (float64, bool) {
	if s, ok := v.(string); ok {
		f, err := strconv.ParseFloat(s, 64)
		return f, err == nil
	}
	return value.ToFloat(v)
}

// describe renders a value for a cause text: strings as they are, other
// values as JSON.
func describe(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return value.EncodeString(v)
}
