package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/stepwise/stepwise/asl/value"
	"github.com/stepwise/stepwise/engine"
)

const inspectUsage = `usage: stepwise inspect FILE --state NAME [flags]

Runs ONE state of the state machine in FILE alone, as AWS's TestState API
does, and prints what it did as JSON on stdout:

  {"status": "SUCCEEDED" | "FAILED" | "RETRIABLE" | "CAUGHT_ERROR",
   "output", "error", "cause", "nextState",
   "inspectionData": {"input", "afterInputPath", "afterParameters", "result",
                      "afterResultSelector", "afterResultPath", "variables",
                      "afterArguments" (JSONata states instead of the After*Path ones),
                      a Map's "afterItemsPath", "afterItemsPointer", "afterItemSelector",
                      "afterItemBatcher", "maxConcurrency", "toleratedFailureCount",
                      "toleratedFailurePercentage",
                      "errorDetails": {"retryIndex", "retryBackoffIntervalSeconds",
                                       "catchIndex"}}}

Fields that do not apply are left out; values are JSON values (AWS sends
them as JSON text in strings). A Task state runs no real service: its
invocation is answered by --mock-result or --mock-error. An error that a
Retry would retry stops at once with status RETRIABLE (with the retrier's
index and back-off); an error that a Catch handles gives CAUGHT_ERROR, with
nextState the catcher's Next and output the catcher's ResultPath applied.
A Choice reports the chosen branch as nextState; a Wait does not wait. A
Map or Parallel runs its iterations or branches, unless mocked (the mock
result must then be an array: the iterations' or branches' results).

Exit status: 0 when the state ran, whatever its status; 2 for a usage error,
an invalid definition, an unknown state or a Task without a mock.

flags:
  --state NAME              the state to run (required; nested states are found too)
  --input JSON|@FILE        the state's input (default {})
  --mock-result JSON|@FILE  the result of the state's invocation
  --mock-error ERROR        the invocation fails with this error ...
  --mock-cause CAUSE        ... and this cause
  --variables JSON|@FILE    the workflow variables in scope, as an object
  --context JSON|@FILE      the context object ($$) the state reads, as an object
  --retrier-retry-count N   retries the matching retrier has made already (default 0)
  --reveal-secrets          accepted for compatibility with TestState: Stepwise's
                            inspection data holds no connection secrets to hide
`

// inspectFlags are the parsed arguments of stepwise inspect.
type inspectFlags struct {
	file       string
	state      string
	input      string
	mockResult string
	mockError  string
	mockCause  string
	variables  string
	context    string
	retryCount int
	reveal     bool
	mocked     bool // --mock-result given
}

// parseInspectFlags accepts flags before and after the file name.
func parseInspectFlags(args []string) (*inspectFlags, error) {
	f := &inspectFlags{}
	fs := flag.NewFlagSet("inspect", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&f.state, "state", "", "")
	fs.StringVar(&f.input, "input", "{}", "")
	fs.StringVar(&f.mockResult, "mock-result", "", "")
	fs.StringVar(&f.mockError, "mock-error", "", "")
	fs.StringVar(&f.mockCause, "mock-cause", "", "")
	fs.StringVar(&f.variables, "variables", "", "")
	fs.StringVar(&f.context, "context", "", "")
	fs.IntVar(&f.retryCount, "retrier-retry-count", 0, "")
	fs.BoolVar(&f.reveal, "reveal-secrets", false, "")
	file, err := parseFileAndFlags(fs, args)
	if err != nil {
		return nil, err
	}
	f.file = file
	fs.Visit(func(fl *flag.Flag) {
		if fl.Name == "mock-result" {
			f.mocked = true
		}
	})

	switch {
	case f.state == "":
		return nil, errors.New("--state is required")
	case f.mocked && f.mockError != "":
		return nil, errors.New("give --mock-result or --mock-error, not both")
	case f.mockCause != "" && f.mockError == "":
		return nil, errors.New("--mock-cause needs --mock-error")
	case f.retryCount < 0:
		return nil, errors.New("--retrier-retry-count must not be negative")
	}
	return f, nil
}

func cmdInspect(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if wantsHelp(args) {
		fmt.Fprint(stdout, inspectUsage)
		return 0
	}
	f, err := parseInspectFlags(args)
	if err != nil {
		fmt.Fprintf(stderr, "stepwise inspect: %v\n\n%s", err, inspectUsage)
		return 2
	}
	sm, ok := loadMachine("inspect", f.file, stderr)
	if !ok {
		return 2
	}
	input, err := readInput(f.input)
	if err != nil {
		fmt.Fprintf(stderr, "stepwise inspect: invalid --input: %v\n", err)
		return 2
	}
	var opts engine.TestStateOptions
	opts.RetrierRetryCount = f.retryCount
	switch {
	case f.mocked:
		v, err := readInput(f.mockResult)
		if err != nil {
			fmt.Fprintf(stderr, "stepwise inspect: invalid --mock-result: %v\n", err)
			return 2
		}
		opts.Mock = &engine.Mock{Result: v}
	case f.mockError != "":
		opts.Mock = &engine.Mock{Error: f.mockError, Cause: f.mockCause}
	}
	if opts.Variables, err = readObject(f.variables); err != nil {
		fmt.Fprintf(stderr, "stepwise inspect: invalid --variables: %v\n", err)
		return 2
	}
	if opts.Context, err = readObject(f.context); err != nil {
		fmt.Fprintf(stderr, "stepwise inspect: invalid --context: %v\n", err)
		return 2
	}
	res, err := engine.TestState(ctx, sm, f.state, input, opts)
	if err != nil {
		msg := strings.TrimPrefix(err.Error(), "engine: ")
		if errors.Is(err, engine.ErrNoMock) {
			msg += " (stepwise inspect calls no real service: give --mock-result JSON or --mock-error ERROR)"
		}
		fmt.Fprintf(stderr, "stepwise inspect: %s\n", msg)
		return 2
	}
	stdout.Write(append(value.Encode(testStateJSON(res)), '\n'))
	return 0
}

// readObject reads an optional JSON object given as text or @FILE.
func readObject(s string) (*value.Object, error) {
	if s == "" {
		return nil, nil
	}
	v, err := readInput(s)
	if err != nil {
		return nil, err
	}
	o, ok := v.(*value.Object)
	if !ok {
		return nil, errors.New("want a JSON object")
	}
	return o, nil
}

// testStateJSON renders a TestState result in the shape of AWS's
// TestStateOutput, with values as JSON values.
func testStateJSON(res *engine.TestStateResult) *value.Object {
	o := value.NewObject(6)
	o.Append("status", res.Status)
	if res.Output != nil {
		o.Append("output", res.Output.Value)
	}
	if res.Error != "" || res.Cause != "" {
		o.Append("error", res.Error)
		o.Append("cause", res.Cause)
	}
	if res.NextState != "" {
		o.Append("nextState", res.NextState)
	}
	in := res.Inspection
	d := value.NewObject(8)
	d.Append("input", in.Input)
	for _, st := range []stage{
		{"afterInputPath", in.AfterInputPath},
		{"afterParameters", in.AfterParameters},
		{"afterArguments", in.AfterArguments},
		{"result", in.Result},
		{"afterResultSelector", in.AfterResultSelector},
		{"afterResultPath", in.AfterResultPath},
	} {
		if st.data != nil {
			d.Append(st.name, st.data.Value)
		}
	}
	if in.Variables.Len() > 0 {
		d.Append("variables", in.Variables)
	}
	if m := in.Map; m != nil {
		appendMapInspection(d, m)
	}
	if ed := in.ErrorDetails; ed != nil {
		e := value.NewObject(3)
		if ed.CatchIndex != nil {
			e.Append("catchIndex", int64(*ed.CatchIndex))
		}
		if ed.RetryIndex != nil {
			e.Append("retryIndex", int64(*ed.RetryIndex))
		}
		if ed.RetryBackoffIntervalSeconds != nil {
			e.Append("retryBackoffIntervalSeconds", *ed.RetryBackoffIntervalSeconds)
		}
		d.Append("errorDetails", e)
	}
	o.Append("inspectionData", d)
	return o
}

// appendMapInspection adds a Map's items stages and evaluated settings to
// the inspection data d, as TestState's inspectionData has them.
func appendMapInspection(d *value.Object, m *engine.MapInspection) {
	for _, st := range []stage{
		{"afterItemsPath", m.AfterItemsPath},
		{"afterItemsPointer", m.AfterItemsPointer},
		{"afterItemSelector", m.AfterItemSelector},
		{"afterItemBatcher", m.AfterItemBatcher},
	} {
		if st.data != nil {
			d.Append(st.name, st.data.Value)
		}
	}
	d.Append("maxConcurrency", m.MaxConcurrency)
	if m.ToleratedFailureCount != nil {
		d.Append("toleratedFailureCount", *m.ToleratedFailureCount)
	}
	if m.ToleratedFailurePercentage != nil {
		d.Append("toleratedFailurePercentage", *m.ToleratedFailurePercentage)
	}
}
