package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/stepwise/stepwise/asl"
	"github.com/stepwise/stepwise/asl/diag"
	"github.com/stepwise/stepwise/asl/value"
	"github.com/stepwise/stepwise/engine"
	"github.com/stepwise/stepwise/engine/history"
	"github.com/stepwise/stepwise/engine/local"
	"github.com/stepwise/stepwise/integrations"
	"github.com/stepwise/stepwise/integrations/gofunc"
	"github.com/stepwise/stepwise/integrations/mock"
)

const runUsage = `usage: stepwise run FILE [flags]

Runs the state machine in FILE (JSON or YAML) once, in process, and prints
its output (exit 0) or its error and cause (exit 1). An invalid definition,
input or flag exits 2.

flags:
  --input JSON|@FILE      the execution input (default {})
  --mocks FILE            answer Task states from a Step Functions Local MockConfigFile
  --test-case NAME        the mock test case (may be left out when there is only one)
  --state-machine NAME    the state machine's name, for the mock file and $$ (default:
                          the mock file's only state machine, else FILE's base name)
  --execution-name NAME   the execution's name (default: a name from the start time)
  --virtual-clock         Wait states and retry back-off take no real time
  --json                  print {"status","output","error","cause"} as JSON
  --history               with --json, add the execution's history events
`

// runFlags are the parsed arguments of stepwise run.
type runFlags struct {
	file          string
	input         string
	mocks         string
	testCase      string
	stateMachine  string
	executionName string
	virtualClock  bool
	json          bool
	history       bool
}

// parseRunFlags accepts flags before and after the file name.
func parseRunFlags(args []string) (*runFlags, error) {
	f := &runFlags{}
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&f.input, "input", "{}", "")
	fs.StringVar(&f.mocks, "mocks", "", "")
	fs.StringVar(&f.testCase, "test-case", "", "")
	fs.StringVar(&f.stateMachine, "state-machine", "", "")
	fs.StringVar(&f.executionName, "execution-name", "", "")
	fs.BoolVar(&f.virtualClock, "virtual-clock", false, "")
	fs.BoolVar(&f.json, "json", false, "")
	fs.BoolVar(&f.history, "history", false, "")
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
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
		return nil, errors.New("no definition file given")
	case 1:
		f.file = positional[0]
	default:
		return nil, fmt.Errorf("one definition file expected, got %d arguments: %s", len(positional), strings.Join(positional, " "))
	}
	if f.testCase != "" && f.mocks == "" {
		return nil, errors.New("--test-case needs --mocks")
	}
	if f.history && !f.json {
		return nil, errors.New("--history needs --json")
	}
	return f, nil
}

func cmdRun(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	for _, a := range args {
		if a == "-h" || a == "-help" || a == "--help" {
			fmt.Fprint(stdout, runUsage)
			return 0
		}
	}
	f, err := parseRunFlags(args)
	if err != nil {
		fmt.Fprintf(stderr, "stepwise run: %v\n\n%s", err, runUsage)
		return 2
	}

	def, err := os.ReadFile(f.file)
	if err != nil {
		fmt.Fprintf(stderr, "stepwise run: %v\n", err)
		return 2
	}
	sm, err := asl.Parse(def)
	if err != nil {
		var dl diag.List
		if errors.As(err, &dl) {
			fmt.Fprintf(stderr, "stepwise run: %s: invalid definition (%d problems):\n", f.file, len(dl))
			for _, d := range dl {
				fmt.Fprintf(stderr, "  %s\n", d)
			}
		} else {
			fmt.Fprintf(stderr, "stepwise run: %s: invalid definition: %v\n", f.file, err)
		}
		return 2
	}
	input, err := readInput(f.input)
	if err != nil {
		fmt.Fprintf(stderr, "stepwise run: invalid input: %v\n", err)
		return 2
	}

	smName := f.stateMachine
	var invoker integrations.Invoker = gofunc.Chain() // no provider: a Task fails saying so
	if f.mocks != "" {
		cfg, err := mock.Load(f.mocks)
		if err != nil {
			fmt.Fprintf(stderr, "stepwise run: %v\n", err)
			return 2
		}
		if smName == "" {
			if names := cfg.StateMachines(); len(names) == 1 {
				smName = names[0]
			} else {
				smName = baseName(f.file)
			}
		}
		tcName := f.testCase
		if tcName == "" {
			names := cfg.TestCases(smName)
			if len(names) != 1 {
				fmt.Fprintf(stderr, "stepwise run: choose a test case of state machine %q with --test-case (have: %s)\n", smName, strings.Join(names, ", "))
				return 2
			}
			tcName = names[0]
		}
		tc, err := cfg.TestCase(smName, tcName)
		if err != nil {
			fmt.Fprintf(stderr, "stepwise run: %v\n", err)
			return 2
		}
		invoker = gofunc.Chain(tc.Invoker(nil))
	}
	if smName == "" {
		smName = baseName(f.file)
	}

	start := time.Now().UTC()
	opts := engine.Options{
		Invoker:          invoker,
		StateMachineName: smName,
		ExecutionName:    f.executionName,
		Region:           "us-east-1",
		AccountID:        "123456789012",
		RoleArn:          "arn:aws:iam::123456789012:role/stepwise",
		StartTime:        start,
	}
	if opts.ExecutionName == "" {
		opts.ExecutionName = "run-" + start.Format("20060102T150405.000000000Z")
	}
	if f.virtualClock {
		opts.Runtime = local.New(local.Options{VirtualClock: true, Start: start, Seed: start.UnixNano()})
	}
	res, err := engine.Run(ctx, sm, input, opts)
	if err != nil {
		fmt.Fprintf(stderr, "stepwise run: %v\n", err)
		return 1
	}

	code := 0
	if res.Status != engine.StatusSucceeded {
		code = 1
	}
	if f.json {
		stdout.Write(append(value.Encode(resultJSON(res, f.history)), '\n'))
		return code
	}
	if code == 0 {
		stdout.Write(append(value.Encode(res.Output), '\n'))
		return 0
	}
	fmt.Fprintf(stderr, "execution %s\nerror: %s\ncause: %s\n", res.Status, res.Error, res.Cause)
	return code
}

// readInput reads --input: JSON text, or @FILE.
func readInput(s string) (any, error) {
	data := []byte(s)
	if rest, ok := strings.CutPrefix(s, "@"); ok {
		var err error
		if data, err = os.ReadFile(rest); err != nil {
			return nil, err
		}
	}
	v, err := value.Decode(data)
	if err != nil {
		return nil, err
	}
	return v, nil
}

// baseName is a file's name without directory and extensions such as
// .asl.json or .yaml.
func baseName(path string) string {
	b := filepath.Base(path)
	for _, ext := range []string{".json", ".yaml", ".yml", ".asl"} {
		b = strings.TrimSuffix(b, ext)
	}
	if b == "" {
		return "state-machine"
	}
	return b
}

// resultJSON builds the --json document.
func resultJSON(res *engine.Result, withHistory bool) *value.Object {
	o := value.NewObject(5)
	o.Append("status", res.Status)
	if res.Status == engine.StatusSucceeded {
		o.Append("output", res.Output)
	} else {
		o.Append("error", res.Error)
		o.Append("cause", res.Cause)
	}
	if withHistory {
		events := make([]any, len(res.Events))
		for i, e := range res.Events {
			events[i] = eventJSON(e)
		}
		o.Append("events", events)
	}
	return o
}

func eventJSON(e history.Event) *value.Object {
	o := value.NewObject(5)
	o.Append("id", e.ID)
	o.Append("previousEventId", e.PreviousEventID)
	o.Append("timestamp", e.Timestamp.UTC().Format(time.RFC3339Nano))
	o.Append("type", e.Type)
	if e.Details != nil {
		if d, ok := detailsValue(e.Details); ok {
			o.Append("details", d)
		}
	}
	return o
}

// detailsValue converts event details to a JSON value: a value as it is,
// anything else through encoding/json.
func detailsValue(d any) (any, bool) {
	if value.KindOf(d) != value.Invalid {
		return d, true
	}
	data, err := json.Marshal(d)
	if err != nil {
		return nil, false
	}
	v, err := value.Decode(data)
	if err != nil {
		return nil, false
	}
	return v, true
}
