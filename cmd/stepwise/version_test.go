package main

import (
	"bytes"
	"context"
	"runtime/debug"
	"strings"
	"testing"
)

func TestVersionString(t *testing.T) {
	info := &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "github.com/stepwise/stepwise", Version: "(devel)"},
		Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "e4192f9c0ffee0123456789abcdef0123456789a"},
			{Key: "vcs.time", Value: "2026-12-04T16:00:00Z"},
			{Key: "vcs.modified", Value: "true"},
		}}
	want := "stepwise (devel) commit e4192f9c0ffe (2026-12-04T16:00:00Z) with local changes, go1.26.8"
	if got := versionString(info, true); got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if got := versionString(&debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v0.3.0"}}, true); got != "stepwise v0.3.0 go1.26.8" {
		t.Errorf("a module build: %q", got)
	}
}

func TestVersionFlag(t *testing.T) {
	for _, args := range [][]string{{"--version"}, {"version"}} {
		var out, errOut bytes.Buffer
		code := mainWithArgs(context.Background(), args, &out, &errOut)
		if code != 0 || !strings.HasPrefix(out.String(), "stepwise ") || !strings.Contains(out.String(), "go1.") || errOut.Len() != 0 {
			t.Errorf("%v: code %d stdout %q stderr %q", args, code, out.String(), errOut.String())
		}
	}
}

func TestCountNoun(t *testing.T) {
	for n, want := range map[int]string{0: "0 problems", 1: "1 problem", 2: "2 problems"} {
		if got := countNoun(n, "problem"); got != want {
			t.Errorf("%d: %q", n, got)
		}
	}
}
