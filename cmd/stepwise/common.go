package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/stepwise/stepwise/asl"
	"github.com/stepwise/stepwise/asl/diag"
)

// parseFileAndFlags parses fs's flags, which may stand before and after the
// one positional argument, the definition file, and returns that file.
func parseFileAndFlags(fs *flag.FlagSet, args []string) (string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return "", err
		}
		args = fs.Args()
		if len(args) == 0 {
			break
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
	switch len(positional) {
	case 0:
		return "", errors.New("no definition file given")
	case 1:
		return positional[0], nil
	default:
		return "", fmt.Errorf("one definition file expected, got %d arguments: %s", len(positional), strings.Join(positional, " "))
	}
}

// wantsHelp reports whether the arguments ask for a command's usage.
func wantsHelp(args []string) bool {
	for _, a := range args {
		if a == "-h" || a == "-help" || a == "--help" {
			return true
		}
	}
	return false
}

// loadMachine reads and parses a definition file. On failure it prints the
// problem (every diagnostic of an invalid definition) as command cmd and
// returns false; the caller exits with 2.
func loadMachine(cmd, file string, stderr io.Writer) (*asl.StateMachine, bool) {
	def, err := os.ReadFile(file)
	if err != nil {
		fmt.Fprintf(stderr, "stepwise %s: %v\n", cmd, err)
		return nil, false
	}
	sm, err := asl.Parse(def)
	if err != nil {
		var dl diag.List
		if errors.As(err, &dl) {
			fmt.Fprintf(stderr, "stepwise %s: %s: invalid definition (%s):\n", cmd, file, countNoun(len(dl), "problem"))
			for _, d := range dl {
				fmt.Fprintf(stderr, "  %s\n", d)
			}
		} else {
			fmt.Fprintf(stderr, "stepwise %s: %s: invalid definition: %v\n", cmd, file, err)
		}
		return nil, false
	}
	return sm, true
}

// countNoun spells n and noun in agreement: "1 problem", "2 problems".
func countNoun(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
