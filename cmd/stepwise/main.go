// Command stepwise runs, validates and serves Amazon States Language state
// machines.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
)

// command is one subcommand: it gets its arguments (without its name) and
// returns the process exit code.
type command struct {
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) int
}

func commands() map[string]command {
	return map[string]command{
		"validate": {"check a definition and print AWS-style diagnostics", cmdValidate},
		"run":      {"run a state machine locally and print its output", cmdRun},
		"test":     {"run the mocked test cases of a state machine and compare with expectations", cmdTest},
		"graph":    {"draw a state machine as Graphviz dot or Mermaid", cmdGraph},
		"inspect":  {"run one state alone, like AWS's TestState, and show its data flow", cmdInspect},
		"worker":   {"run a Temporal worker for stepwise run --backend temporal", cmdWorker},
		"serve":    {"serve the Step Functions API, with executions kept in SQLite", cmdServe},
		"version":  {"print the version of this build (also: stepwise --version)", cmdVersion},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := mainWithArgs(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func mainWithArgs(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cmds := commands()
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr, cmds)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	if args[0] == "--version" || args[0] == "-version" {
		return cmdVersion(ctx, args[1:], stdout, stderr)
	}
	c, ok := cmds[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "stepwise: unknown command %q\n", args[0])
		usage(stderr, cmds)
		return 2
	}
	return c.run(ctx, args[1:], stdout, stderr)
}

func usage(w io.Writer, cmds map[string]command) {
	fmt.Fprintln(w, "usage: stepwise <command> [arguments]")
	fmt.Fprintln(w, "\ncommands:")
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, cmds[n].summary)
	}
}
