package main

import (
	"context"
	"fmt"
	"io"
	"runtime/debug"
	"strings"
)

// versionString describes the build: the module version ("(devel)" for a
// build from a checkout), the commit and its time, whether the tree had
// changes, and the Go version.
func versionString(info *debug.BuildInfo, ok bool) string {
	if !ok || info == nil {
		return "stepwise (unknown build)"
	}
	parts := []string{"stepwise", info.Main.Version}
	if parts[1] == "" {
		parts[1] = "(devel)"
	}
	var rev, when, modified string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			when = s.Value
		case "vcs.modified":
			modified = s.Value
		}
	}
	if rev != "" {
		if len(rev) > 12 {
			rev = rev[:12]
		}
		c := "commit " + rev
		if when != "" {
			c += " (" + when + ")"
		}
		if modified == "true" {
			c += " with local changes"
		}
		parts = append(parts, c+",")
	}
	parts = append(parts, info.GoVersion)
	return strings.Join(parts, " ")
}

// cmdVersion prints the version: stepwise version, stepwise --version.
func cmdVersion(_ context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && !wantsHelp(args) {
		fmt.Fprintf(stderr, "stepwise version: unexpected argument %q\n", args[0])
		return 2
	}
	fmt.Fprintln(stdout, versionString(debug.ReadBuildInfo()))
	return 0
}
