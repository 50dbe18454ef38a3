package engine

import (
	"math"
	"testing"
	"time"
)

// Long waits and back-offs saturate at the longest Duration instead of
// overflowing into a negative (immediate) one.
func TestDurationsSaturate(t *testing.T) {
	for _, c := range []struct {
		secs int64
		want time.Duration
	}{
		{0, 0},
		{99999999, 99999999 * time.Second},
		{9223372036, 9223372036 * time.Second},
		{9223372037, maxDuration},
		{1e18, maxDuration},
		{math.MaxInt64, maxDuration},
	} {
		if got := secondsDuration(c.secs); got != c.want {
			t.Errorf("secondsDuration(%d) = %v, want %v", c.secs, got, c.want)
		}
	}
	for _, c := range []struct {
		secs float64
		want time.Duration
	}{
		{0, 0},
		{-1, 0},
		{math.NaN(), 0},
		{1.5, 1500 * time.Millisecond},
		{1e10, maxDuration},
		{1e300, maxDuration},
		{math.Inf(1), maxDuration},
	} {
		if got := floatSecondsDuration(c.secs); got != c.want {
			t.Errorf("floatSecondsDuration(%v) = %v, want %v", c.secs, got, c.want)
		}
	}
}
