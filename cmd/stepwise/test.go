package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/stepwise/stepwise/asl/value"
	"github.com/stepwise/stepwise/engine"
	"github.com/stepwise/stepwise/integrations/mock"
	"github.com/stepwise/stepwise/stepwisetest"
)

const testUsage = `usage: stepwise test FILE --mocks MOCKS.json [flags]

Runs the test cases that the Step Functions Local MockConfigFile MOCKS.json
gives the state machine in FILE, each under a virtual clock (Wait states and
retry back-off take no real time; runs are deterministic), prints a line per
case and compares how each ended with the expectations in EXPECT.json:

  {"HappyPath": {"input": {...}, "status": "SUCCEEDED", "output": {...}},
   "Broken":    {"status": "FAILED", "error": "MyError", "cause": "..."}}

Only the members present are compared (output as a JSON value). A case's
input is --input, else its "input" in EXPECT.json, else {}; without
--expect, --input is required. A case without an expectation passes
unchecked ("?") when its execution succeeds, and fails otherwise.

Exit status: 0 when every expectation holds, 1 when one does not, 2 for a
bad flag or an invalid definition, mock or expectation file.

flags:
  --mocks FILE            the MockConfigFile (required)
  --state-machine NAME    the state machine in the mock file (default: the
                          only one, else the one named after FILE)
  --case NAME             run only this test case
  --expect FILE           the expectations to compare with
  --update                write the outcomes to the --expect file instead of
                          failing on differences (keeps inputs and other cases)
  --input JSON|@FILE      the input of every case run
  --machine NAME=FILE     a state machine that states:startExecution tasks may run
                          in process (repeatable)
` + objectsUsage + `
Task states the test case does not mock call AWS, with the SDK's usual
configuration, as with Step Functions Local.
`

// testFlags are the parsed arguments of stepwise test.
type testFlags struct {
	file         string
	mocks        string
	stateMachine string
	testCase     string
	expect       string
	input        string
	inputSet     bool
	update       bool
	machines     machineFlags
	objects      *objectsFlag
}

func parseTestFlags(args []string) (*testFlags, error) {
	f := &testFlags{}
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&f.mocks, "mocks", "", "")
	fs.StringVar(&f.stateMachine, "state-machine", "", "")
	fs.StringVar(&f.testCase, "case", "", "")
	fs.StringVar(&f.expect, "expect", "", "")
	fs.StringVar(&f.input, "input", "", "")
	fs.BoolVar(&f.update, "update", false, "")
	fs.Var(&f.machines, "machine", "")
	f.objects = addObjectsFlag(fs)
	file, err := parseFileAndFlags(fs, args)
	if err != nil {
		return nil, err
	}
	f.file = file
	fs.Visit(func(fl *flag.Flag) {
		if fl.Name == "input" {
			f.inputSet = true
		}
	})

	if f.mocks == "" {
		return nil, errors.New("--mocks is required")
	}
	if f.update && f.expect == "" {
		return nil, errors.New("--update needs --expect")
	}
	if f.expect == "" && !f.inputSet {
		return nil, errors.New("no input for the test cases (a MockConfigFile's test cases carry none): give --expect EXPECT.json, " +
			"whose cases hold their \"input\" (record them with --expect EXPECT.json --update), or --input JSON|@FILE for every case")
	}
	return f, nil
}

// tester runs stepwise test. Progress lines go to stderr when a case runs
// longer than progressAfter, then every progressEvery.
type tester struct {
	progressAfter time.Duration
	progressEvery time.Duration
}

func cmdTest(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	tr := tester{progressAfter: 2 * time.Second, progressEvery: 5 * time.Second}
	return tr.run(ctx, args, stdout, stderr)
}

func (tr tester) run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if wantsHelp(args) {
		fmt.Fprint(stdout, testUsage)
		return 0
	}
	f, err := parseTestFlags(args)
	if err != nil {
		fmt.Fprintf(stderr, "stepwise test: %v\n\n%s", err, testUsage)
		return 2
	}
	fail := func(format string, args ...any) int {
		fmt.Fprintf(stderr, "stepwise test: "+format+"\n", args...)
		return 2
	}

	m, err := stepwisetest.Load(f.file)
	if err != nil {
		return fail("%s: %v", f.file, err)
	}
	cfg, err := mock.Load(f.mocks)
	if err != nil {
		return fail("%v", err)
	}
	fallback, err := testFallback(f.machines)
	if err != nil {
		return fail("%v", err)
	}
	objs, err := f.objects.objects()
	if err != nil {
		return fail("%v", err)
	}
	smName := f.stateMachine
	if smName == "" {
		names := cfg.StateMachines()
		switch {
		case len(names) == 1:
			smName = names[0]
		case slices.Contains(names, baseName(f.file)):
			smName = baseName(f.file)
		default:
			return fail("%s: choose a state machine with --state-machine (have: %s)", f.mocks, strings.Join(names, ", "))
		}
	}
	cases := cfg.TestCases(smName)
	if cases == nil {
		return fail("%s: no state machine %q (have: %s)", f.mocks, smName, strings.Join(cfg.StateMachines(), ", "))
	}
	if f.testCase != "" {
		if !slices.Contains(cases, f.testCase) {
			return fail("%s: state machine %q has no test case %q (have: %s)", f.mocks, smName, f.testCase, strings.Join(cases, ", "))
		}
		cases = []string{f.testCase}
	}
	var flagInput any
	if f.inputSet {
		if flagInput, err = readInput(f.input); err != nil {
			return fail("invalid --input: %v", err)
		}
	}
	exp := &value.Object{}
	if f.expect != "" {
		if exp, err = readExpectations(f.expect, f.update); err != nil {
			return fail("%v", err)
		}
		all := cfg.TestCases(smName)
		for _, name := range exp.Keys() {
			if !slices.Contains(all, name) {
				return fail("%s: %q is not a test case of state machine %q in %s (have: %s)", f.expect, name, smName, f.mocks, strings.Join(all, ", "))
			}
		}
	}

	width := 0
	for _, c := range cases {
		width = max(width, len(c))
	}
	var passed, failed, unchecked int
	for _, name := range cases {
		want, _ := exp.Get(name)
		wantObj, _ := want.(*value.Object)
		input := flagInput
		if !f.inputSet {
			input = value.NewObject(0)
			if wantObj != nil {
				if in, ok := wantObj.Get("input"); ok {
					input = in
				}
			}
		}
		stop := tr.progress(stderr, name)
		ex, err := m.Execute(ctx, value.Encode(input),
			stepwisetest.MockConfig(cfg, name), stepwisetest.StateMachineName(smName), stepwisetest.Fallback(fallback), stepwisetest.Objects(objs))
		stop()
		if err != nil {
			return fail("test case %s: %v", name, err)
		}
		verdict := "PASS"
		var diffs []string
		switch {
		case wantObj == nil && ex.Status != engine.StatusSucceeded && !f.update:
			// Without an expectation, an execution that did not
			// succeed fails the run: an exit status of 0 must not hide it.
			verdict = "FAIL"
			failed++
		case wantObj == nil:
			verdict = "?   "
			unchecked++
		default:
			if diffs = compare(wantObj, ex); len(diffs) > 0 {
				verdict = "FAIL"
				failed++
			} else {
				passed++
			}
		}
		fmt.Fprintf(stdout, "%s  %-*s  %-9s  %s\n", verdict, width, name, ex.Status, ex.Duration().Round(time.Millisecond))
		for _, d := range diffs {
			fmt.Fprintf(stdout, "      %s\n", d)
		}
		if wantObj == nil && !f.update {
			fmt.Fprintf(stdout, "      %s\n", describe(ex))
		}
		if f.update {
			var in any
			if f.inputSet {
				in = flagInput
			} else if wantObj != nil {
				in, _ = wantObj.Get("input")
			}
			exp.Set(name, outcome(in, ex))
		}
	}
	summary := fmt.Sprintf("%d passed, %d failed", passed, failed)
	if unchecked > 0 {
		summary += fmt.Sprintf(", %d without expectation", unchecked)
	}
	fmt.Fprintln(stdout, summary)
	if f.update {
		if err := writeExpectations(f.expect, exp, cfg.TestCases(smName)); err != nil {
			return fail("%v", err)
		}
		fmt.Fprintf(stderr, "stepwise test: wrote %s (%d test cases)\n", f.expect, exp.Len())
		return 0
	}
	if failed > 0 {
		return 1
	}
	return 0
}

// progress reports on stderr that the case name is still running, once it
// has run progressAfter, then every progressEvery; the returned function
// stops it.
func (tr tester) progress(stderr io.Writer, name string) (stop func()) {
	start := time.Now()
	wait := tr.progressAfter
	if wait <= 0 {
		fmt.Fprintf(stderr, "stepwise test: running %s...\n", name)
		wait = tr.progressEvery
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			timer := time.NewTimer(max(wait, time.Millisecond))
			select {
			case <-done:
				timer.Stop()
				return
			case <-timer.C:
			}
			fmt.Fprintf(stderr, "stepwise test: still running %s (%s)\n", name, time.Since(start).Round(time.Second))
			wait = tr.progressEvery
		}
	})
	return func() {
		close(done)
		wg.Wait()
	}
}

// readExpectations reads an expectation file. A missing file is an empty
// one when it is to be written.
func readExpectations(path string, update bool) (*value.Object, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		if update && errors.Is(err, os.ErrNotExist) {
			return &value.Object{}, nil
		}
		return nil, err
	}
	v, err := value.Decode(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	o, ok := v.(*value.Object)
	if !ok {
		return nil, fmt.Errorf("%s: want an object mapping test case names to expectations", path)
	}
	for i := range o.Len() {
		name, e := o.At(i)
		eo, ok := e.(*value.Object)
		if !ok {
			return nil, fmt.Errorf("%s: /%s: want an object with status, output, error, cause or input", path, name)
		}
		for j := range eo.Len() {
			k, fv := eo.At(j)
			switch k {
			case "input", "output":
			case "status", "error", "cause":
				if _, ok := fv.(string); !ok {
					return nil, fmt.Errorf("%s: /%s/%s: want a string, got %s", path, name, k, value.TypeName(fv))
				}
			default:
				return nil, fmt.Errorf("%s: /%s: unknown member %q (want status, output, error, cause or input)", path, name, k)
			}
		}
	}
	return o, nil
}

// compare returns what differs between an expectation and an execution.
func compare(want *value.Object, ex *stepwisetest.Execution) []string {
	var diffs []string
	if s, ok := want.Get("status"); ok && s != ex.Status {
		diffs = append(diffs, fmt.Sprintf("status: want %s, got %s (%s)", s, ex.Status, describe(ex)))
	}
	if w, ok := want.Get("output"); ok {
		switch {
		case ex.Status != engine.StatusSucceeded:
			diffs = append(diffs, fmt.Sprintf("output: want %s, got none (%s)", value.EncodeString(w), describe(ex)))
		case !value.Equal(w, ex.Output):
			diffs = append(diffs, fmt.Sprintf("output differs at %s\n        want: %s\n         got: %s",
				stepwisetest.Diff(w, ex.Output), value.EncodeString(w), ex.OutputJSON()))
		}
	}
	if w, ok := want.Get("error"); ok && w != ex.Error {
		diffs = append(diffs, fmt.Sprintf("error: want %q, got %q", w, ex.Error))
	}
	if w, ok := want.Get("cause"); ok && w != ex.Cause {
		diffs = append(diffs, fmt.Sprintf("cause: want %q, got %q", w, ex.Cause))
	}
	return diffs
}

// describe says how an execution ended, in one line.
func describe(ex *stepwisetest.Execution) string {
	if ex.Status == engine.StatusSucceeded {
		return "output " + ex.OutputJSON()
	}
	return fmt.Sprintf("error %q, cause %q", ex.Error, ex.Cause)
}

// outcome is the expectation an execution meets.
func outcome(input any, ex *stepwisetest.Execution) *value.Object {
	o := value.NewObject(4)
	if input != nil {
		o.Append("input", input)
	}
	o.Append("status", ex.Status)
	if ex.Status == engine.StatusSucceeded {
		o.Append("output", ex.Output)
	} else {
		o.Append("error", ex.Error)
		o.Append("cause", ex.Cause)
	}
	return o
}

// writeExpectations writes the expectations, indented, in the order of the
// mock file's test cases.
func writeExpectations(path string, exp *value.Object, order []string) error {
	sorted := value.NewObject(exp.Len())
	for _, name := range order {
		if e, ok := exp.Get(name); ok {
			sorted.Append(name, e)
		}
	}
	var buf bytes.Buffer
	if err := json.Indent(&buf, value.Encode(sorted), "", "  "); err != nil {
		return err
	}
	buf.WriteByte('\n')
	return os.WriteFile(path, buf.Bytes(), 0o644)
}
