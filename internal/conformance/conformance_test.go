package conformance

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stepwise/stepwise/asl"
	"github.com/stepwise/stepwise/asl/diag"
	"github.com/stepwise/stepwise/asl/value"
	"github.com/stepwise/stepwise/engine"
	"github.com/stepwise/stepwise/engine/runtime/local"
	"github.com/stepwise/stepwise/integrations"
	"github.com/stepwise/stepwise/integrations/gofunc"
	"github.com/stepwise/stepwise/integrations/mock"
	"github.com/stepwise/stepwise/internal/testcases"
)

// testCaseName is the mock test case every conformance case uses.
const testCaseName = "conformance"

// startTime is the virtual clock's start for every case.
var startTime = time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)

// outcome is the result of one case.
type outcome struct {
	Name         string
	Area         string
	JSONPathOnly bool // no "QueryLanguage": "JSONata" anywhere in the definition
	Passed       bool
	Diff         string // the first difference, when failed
	OrderNote    string // a member order difference, which does not fail a case
	Detail       string // more about the run, shown when verbose
}

var jsonataRE = regexp.MustCompile(`"QueryLanguage"\s*:\s*"JSONata"`)

func TestConformance(t *testing.T) {
	runSuite(t, suite{timeout: 20 * time.Second, floorFile: "floor.txt", run: runCase})
}

// suite is the conformance cases run on one backend.
type suite struct {
	label     string        // heads the report ("": the local runtime)
	timeout   time.Duration // per case, unless CONFORMANCE_TIMEOUT says otherwise
	floorFile string        // the least number of cases that must pass
	run       func(dir string, timeout time.Duration) outcome
}

// runSuite runs the cases of CONFORMANCE_DIR (those CONFORMANCE_RUN
// matches) in parallel, prints the report and checks the floor.
func runSuite(t *testing.T, s suite) {
	dir := testcases.Dir(t)
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatalf("reading %s: %v", dir, err)
	}
	var filter *regexp.Regexp
	if f := os.Getenv("CONFORMANCE_RUN"); f != "" {
		if filter, err = regexp.Compile(f); err != nil {
			t.Fatalf("CONFORMANCE_RUN: %v", err)
		}
	}
	timeout := s.timeout
	if v := os.Getenv("CONFORMANCE_TIMEOUT"); v != "" {
		if timeout, err = time.ParseDuration(v); err != nil {
			t.Fatalf("CONFORMANCE_TIMEOUT: %v", err)
		}
	}
	verbose := os.Getenv("CONFORMANCE_VERBOSE") == "1" || testing.Verbose() && os.Getenv("CONFORMANCE_VERBOSE") != "0"

	var names []string
	for _, e := range entries {
		if !e.IsDir() || strings.HasPrefix(e.Name(), ".") || (filter != nil && !filter.MatchString(e.Name())) {
			continue
		}
		names = append(names, e.Name())
	}
	sort.Strings(names)
	if len(names) == 0 {
		t.Fatalf("no conformance cases to run in %s", dir)
	}

	results := make([]outcome, len(names))
	jobs := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				results[i] = s.run(filepath.Join(dir, names[i]), timeout)
			}
		}()
	}
	for i := range names {
		jobs <- i
	}
	close(jobs)
	wg.Wait()

	report, passed := summarize(results, verbose)
	if s.label != "" {
		report = s.label + ":\n" + report
	}
	fmt.Print(report)
	if filter != nil {
		return
	}
	floor, err := readFloor(s.floorFile)
	if err != nil {
		t.Fatalf("floor: %v", err)
	}
	fmt.Print(floorNote(results, floor, s.floorFile))
	switch {
	case passed < floor:
		t.Errorf("conformance dropped: %d cases pass, below the floor of %d in internal/conformance/%s", passed, floor, s.floorFile)
	case passed > floor:
		fmt.Printf("%d cases pass, above the floor of %d: raise internal/conformance/%s to %d\n", passed, floor, s.floorFile, passed)
	}
}

// floorNote says what the floor is and what the failing cases are, so that
// a reader of "N passed, M failed" knows why the run still passes.
func floorNote(results []outcome, floor int, floorFile string) string {
	var failed, jsonata int
	for _, r := range results {
		if !r.Passed {
			failed++
			if !r.JSONPathOnly {
				jsonata++
			}
		}
	}
	note := fmt.Sprintf("floor: at least %s must pass (internal/conformance/%s); the run fails only below it, so no case that passes may start failing", plural(floor, "case", "cases"), floorFile)
	if failed == 0 {
		return note + ".\n"
	}
	var kinds []string
	if jsonata > 0 {
		kinds = append(kinds, fmt.Sprintf("%s from AWS", plural(jsonata, "JSONata case still differs", "JSONata cases still differ")))
	}
	if jp := failed - jsonata; jp > 0 {
		kinds = append(kinds, fmt.Sprintf("%s from AWS", plural(jp, "JSONPath case still differs", "JSONPath cases still differ")))
	}
	return fmt.Sprintf("%s. Failing: %d, known gaps rather than regressions: %s (CONFORMANCE_VERBOSE=1 make conformance shows each difference).\n",
		note, failed, strings.Join(kinds, "; "))
}

// plural is "n one" when n is 1, else "n many".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// summarize renders the per-case lines, the per-area lines and the final
// total, and returns the number passed.
func summarize(results []outcome, verbose bool) (string, int) {
	var b strings.Builder
	type tally struct{ passed, failed, jpPassed, jpFailed int }
	areas := map[string]*tally{}
	var areaNames []string
	total := tally{}
	ordered := 0 // passing cases whose output differs only in member order
	for _, r := range results {
		a := areas[r.Area]
		if a == nil {
			a = &tally{}
			areas[r.Area] = a
			areaNames = append(areaNames, r.Area)
		}
		for _, x := range []*tally{a, &total} {
			if r.Passed {
				x.passed++
				if r.JSONPathOnly {
					x.jpPassed++
				}
			} else {
				x.failed++
				if r.JSONPathOnly {
					x.jpFailed++
				}
			}
		}
		switch {
		case !r.Passed && verbose:
			fmt.Fprintf(&b, "FAIL %s\n    %s\n", r.Name, r.Diff)
			if r.Detail != "" {
				fmt.Fprintf(&b, "    %s\n", strings.ReplaceAll(r.Detail, "\n", "\n    "))
			}
		case !r.Passed:
			d := r.Diff
			if len(d) > 300 {
				d = d[:300] + "…"
			}
			fmt.Fprintf(&b, "FAIL %s: %s\n", r.Name, d)
		case verbose:
			fmt.Fprintf(&b, "ok   %s\n", r.Name)
		}
		if r.Passed && r.OrderNote != "" {
			ordered++
			if verbose {
				fmt.Fprintf(&b, "     (passes, but %s)\n", r.OrderNote)
			}
		}
	}
	sort.Strings(areaNames)
	for _, n := range areaNames {
		a := areas[n]
		fmt.Fprintf(&b, "%s: %d passed, %d failed (JSONPath-only: %d passed, %d failed)\n", n, a.passed, a.failed, a.jpPassed, a.jpFailed)
	}
	if ordered > 0 {
		fmt.Fprintf(&b, "member order: %d passing cases differ from AWS only in object member order (see CONFORMANCE_VERBOSE=1)\n", ordered)
	}
	fmt.Fprintf(&b, "JSONPath-only: %d passed, %d failed\n", total.jpPassed, total.jpFailed)
	fmt.Fprintf(&b, "%d passed, %d failed\n", total.passed, total.failed)
	return b.String(), total.passed
}

// readFloor reads a floor file (floor.txt, floor_temporal.txt): the first line that is not blank or a # comment
// holds the number of cases that must pass.
func readFloor(file string) (int, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		n, err := strconv.Atoi(line)
		if err != nil {
			return 0, fmt.Errorf("%s: %q is not a number", file, line)
		}
		return n, nil
	}
	return 0, fmt.Errorf("%s holds no number", file)
}

// runCase runs one case with a time limit. A case that does not end in
// time fails as hung (its goroutine is left behind).
func runCase(dir string, timeout time.Duration) outcome {
	name := filepath.Base(dir)
	area, _, _ := strings.Cut(name, "__")
	out := outcome{Name: name, Area: area}
	def, err := os.ReadFile(filepath.Join(dir, "definition.asl.json"))
	if err != nil {
		out.Diff = "reading the case: " + err.Error()
		return out
	}
	out.JSONPathOnly = !jsonataRE.Match(def)

	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	return guarded(out, timeout+5*time.Second, fmt.Sprintf(" (context cancelled at %v)", timeout), func(o *outcome) {
		check(ctx, dir, name, def, o)
	})
}

// guarded runs fn on a copy of out and returns it: a panic fails the case,
// and so does fn not returning within limit (a hung case; note follows the
// time limit in its diff).
func guarded(out outcome, limit time.Duration, note string, fn func(o *outcome)) outcome {
	done := make(chan outcome, 1)
	go func() {
		o := out
		defer func() {
			if p := recover(); p != nil {
				o.Passed = false
				o.Diff = fmt.Sprintf("panic: %v", p)
				o.Detail = string(debug.Stack())
				done <- o
			}
		}()
		fn(&o)
		done <- o
	}()
	select {
	case o := <-done:
		return o
	case <-time.After(limit):
		out.Diff = fmt.Sprintf("hung: no result after %v%s", limit, note)
		return out
	}
}

// caseSetup is what a case gives besides its definition: the expectation,
// the input, the mocked responses and the names AWS ran it with.
type caseSetup struct {
	exp   *expectation
	input any
	tc    *mock.TestCase // nil: the case has no mocks
	// The execution's names (expected.json's context) and the machine type.
	executionName, stateMachineName, region, accountID, roleArn, typ string
}

// loadCase reads the case in dir (named name).
func loadCase(dir, name string) (*caseSetup, error) {
	read := func(file string) (any, error) {
		data, err := os.ReadFile(filepath.Join(dir, file))
		if err != nil {
			return nil, err
		}
		v, err := value.Decode(data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		return v, nil
	}
	expDoc, err := read("expected.json")
	if err != nil {
		return nil, err
	}
	cs := &caseSetup{}
	if cs.exp, err = parseExpectation(expDoc); err != nil {
		return nil, err
	}
	if cs.input, err = read("input.json"); err != nil {
		return nil, err
	}
	if _, err := os.Stat(filepath.Join(dir, "mocks.json")); err == nil {
		cfg, err := mock.Load(filepath.Join(dir, "mocks.json"))
		if err != nil {
			return nil, err
		}
		if cs.tc, err = cfg.TestCase(name, testCaseName); err != nil {
			return nil, err
		}
	}

	names := cs.exp.Context
	cs.typ = machineType(dir)
	if cs.typ == engine.TypeExpress {
		// The express case records no context names, but AWS ran it with
		// the suite's role, and its snapshot names the state machine with
		// the placeholder every other case's context gives.
		if names["RoleArn"] == "" {
			names["RoleArn"] = "arn:aws:iam::" + orDefault(names["AccountId"], "111111111111") + ":role/sfn-conformance-role"
		}
		if names["StateMachineName"] == "" {
			names["StateMachineName"] = "<ArnPart_0idx>"
		}
	}
	cs.executionName = orDefault(names["ExecutionName"], "conformance-execution")
	cs.stateMachineName = orDefault(names["StateMachineName"], name)
	cs.region = orDefault(names["Region"], "us-east-1")
	cs.accountID = orDefault(names["AccountId"], "111111111111")
	cs.roleArn = names["RoleArn"]
	return cs, nil
}

// activityCheck is the resource check of a case: the activities that exist
// are those its mocks answer (mocks may be nil); the others were never
// created (or were deleted), and AWS fails the Task before scheduling it.
func activityCheck(mocks *mock.Invoker) func(context.Context, *integrations.Task) error {
	return func(_ context.Context, t *integrations.Task) error {
		if !strings.Contains(t.Resource, ":activity:") || (mocks != nil && mocks.Handles(t)) {
			return nil
		}
		return errors.New("The activity " + t.Resource + " does not exist.")
	}
}

// judge compares how an execution ended with the case's expectation and
// records the verdict in o.
func judge(o *outcome, exp *expectation, name string, res *engine.Result, detail string) {
	c := &comparer{e: exp}
	if d := c.compare(res, strings.HasPrefix(name, "choice_operators__")); d != "" {
		o.Passed, o.Diff, o.Detail = false, d, detail
		return
	}
	o.Passed = true
	if len(c.orderNotes) > 0 {
		o.OrderNote = c.orderNotes[0]
	}
}

// check runs one case, compares it with expected.json and records the
// verdict in o.
func check(ctx context.Context, dir, name string, def []byte, o *outcome) {
	fail := func(diff, detail string) { o.Passed, o.Diff, o.Detail = false, diff, detail }
	cs, err := loadCase(dir, name)
	if err != nil {
		fail("case: "+err.Error(), "")
		return
	}
	sm, err := asl.Parse(def)
	if err != nil {
		var dl diag.List
		if errors.As(err, &dl) && len(dl) > 0 {
			fail(fmt.Sprintf("parse: %s (%d diagnostics)", dl[0], len(dl)), err.Error())
			return
		}
		fail("parse: "+err.Error(), "")
		return
	}

	var invoker integrations.Invoker = gofunc.Chain() // no task is configured
	var mocks *mock.Invoker
	if cs.tc != nil {
		mocks = cs.tc.Invoker(nil)
		invoker = mocks
	}
	opts := engine.Options{
		Runtime:          local.New(local.Options{VirtualClock: true, Start: startTime, Seed: 1}),
		Invoker:          integrations.CheckedInvoker{Invoker: invoker, Check: activityCheck(mocks)},
		ExecutionName:    cs.executionName,
		StateMachineName: cs.stateMachineName,
		Region:           cs.region,
		AccountID:        cs.accountID,
		RoleArn:          cs.roleArn,
		StartTime:        startTime,
		Type:             cs.typ,
	}
	res, err := engine.Run(ctx, sm, cs.input, opts)
	if err != nil {
		fail("engine.Run: "+err.Error(), "")
		return
	}
	if res == nil {
		fail("engine.Run returned no result and no error", "")
		return
	}
	detail := describe(res)
	if ctx.Err() != nil {
		fail(fmt.Sprintf("timed out: the execution did not end before the case's time limit (status %s)", res.Status), detail)
		return
	}
	judge(o, cs.exp, name, res, detail)
}

// machineType returns the case's state machine type from meta.json
// ("state_machine_type"): "EXPRESS" or "" (STANDARD).
func machineType(dir string) string {
	data, err := os.ReadFile(filepath.Join(dir, "meta.json"))
	if err != nil {
		return ""
	}
	v, err := value.Decode(data)
	if err != nil {
		return ""
	}
	if o, ok := v.(*value.Object); ok {
		if t, _ := o.Get("state_machine_type"); t == engine.TypeExpress {
			return engine.TypeExpress
		}
	}
	return ""
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// compare returns the first difference between the expectation and the
// result, or "".
func (c *comparer) compare(res *engine.Result, statusAndOutputOnly bool) string {
	exp := c.e
	if res.Status != exp.Status {
		var b strings.Builder
		fmt.Fprintf(&b, "status: expected %s, got %s", exp.Status, res.Status)
		if res.Status != engine.StatusSucceeded {
			fmt.Fprintf(&b, " (error %s, cause %s)", shortStr(res.Error), shortStr(res.Cause))
		}
		if exp.Status != engine.StatusSucceeded {
			fmt.Fprintf(&b, " (expected error %s, cause %s)", shortStr(exp.Error), shortStr(exp.Cause))
		}
		return b.String()
	}
	if exp.HasOutput {
		if d := c.diff("$.output", exp.Output, res.Output); d != "" {
			return d
		}
	}
	if statusAndOutputOnly {
		return ""
	}
	if d := c.diff("$.error", exp.Error, res.Error); d != "" {
		return d
	}
	if d := c.diff("$.cause", exp.Cause, res.Cause); d != "" {
		return d
	}
	if exp.Events != nil {
		act := make([]string, len(res.Events))
		for i, e := range res.Events {
			act[i] = e.Type
		}
		if d := diffEvents(exp.Events, act); d != "" {
			return d
		}
	}
	return ""
}

// describe renders a result for verbose output.
func describe(res *engine.Result) string {
	var b bytes.Buffer
	fmt.Fprintf(&b, "got status %s", res.Status)
	if res.Status == engine.StatusSucceeded {
		fmt.Fprintf(&b, ", output %s", short(res.Output))
	} else {
		fmt.Fprintf(&b, ", error %q, cause %s", res.Error, shortStr(res.Cause))
	}
	types := make([]string, len(res.Events))
	for i, e := range res.Events {
		types[i] = e.Type
	}
	ev := strings.Join(types, ",")
	if len(ev) > 2000 {
		ev = ev[:2000] + fmt.Sprintf("…(%d events)", len(types))
	}
	fmt.Fprintf(&b, "\nevents: %s", ev)
	return b.String()
}
