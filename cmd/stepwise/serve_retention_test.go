package main

import (
	"testing"
	"time"
)

// --retention: AWS's 90 days by default, a duration, 0 for ever; never
// negative.
func TestServeRetentionFlag(t *testing.T) {
	for _, c := range []struct {
		args []string
		want time.Duration
	}{
		{nil, 90 * 24 * time.Hour},
		{[]string{"--retention", "90m"}, 90 * time.Minute},
		{[]string{"--retention", "0"}, 0},
	} {
		f, err := parseServeFlags(c.args)
		if err != nil || f.retention != c.want {
			t.Errorf("%v: %v, %v; want %v", c.args, f, err, c.want)
		}
	}
	for _, bad := range [][]string{{"--retention", "-1h"}, {"--retention", "soon"}} {
		if _, err := parseServeFlags(bad); err == nil {
			t.Errorf("%v: accepted", bad)
		}
	}
}
