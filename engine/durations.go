package engine

import (
	"math"
	"time"
)

// maxDuration is the longest time.Duration, about 292 years: waits,
// back-offs and timeouts longer than that saturate to it.
const maxDuration time.Duration = math.MaxInt64

// secondsDuration is n seconds as a Duration, saturated at maxDuration
// rather than overflowing into a negative or short wait.
func secondsDuration(n int64) time.Duration {
	if n > int64(maxDuration/time.Second) {
		return maxDuration
	}
	return time.Duration(n) * time.Second
}

// floatSecondsDuration is a back-off of secs seconds as a Duration,
// saturated at maxDuration: converting a float beyond int64 to a Duration
// gives an unspecified (on amd64, the most negative) value, so a huge
// BackoffRate would retry at once. NaN and negative values are 0.
func floatSecondsDuration(secs float64) time.Duration {
	switch {
	case math.IsNaN(secs) || secs <= 0:
		return 0
	case secs >= float64(maxDuration/time.Second):
		return maxDuration
	}
	return time.Duration(secs * float64(time.Second))
}
