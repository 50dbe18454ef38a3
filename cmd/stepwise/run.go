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
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/stepwise/stepwise/asl/value"
	"github.com/stepwise/stepwise/engine"
	"github.com/stepwise/stepwise/engine/history"
	"github.com/stepwise/stepwise/engine/runtime/local"
	"github.com/stepwise/stepwise/engine/service/console"
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
                          Task states the mocks leave out (all of them without
                          --mocks) call AWS, with the SDK's usual configuration
  --machine NAME=FILE     a state machine that states:startExecution tasks may run
                          in process (repeatable)
  --state-machine NAME    the state machine's name, for the mock file and $$ (default:
                          the mock file's only state machine, else FILE's base name)
  --execution-name NAME   the execution's name (default: a name from the start time)
  --virtual-clock         Wait states and retry back-off take no real time
  --json                  print {"status","output","error","cause"} as JSON
  --history               with --json, add the execution's history events
  --trace                 show each state's data flow, as AWS's data flow simulator
                          does: input, afterInputPath, afterParameters, result,
                          afterResultSelector, afterResultPath, output, variables
                          assigned (JSONata states: input, afterArguments, result,
                          output, variables assigned), the transition, retries and
                          catches, and how long the state took. Map iterations and
                          Parallel branches are nested under their state. The trace
                          goes to stderr as each top-level state ends (the output
                          stays on stdout), coloured when stderr is a terminal and
                          NO_COLOR is unset, with long values folded to
                          --trace-width.
                          With --json the trace is a "trace" array of step objects
                          in the JSON document instead (in the order states were
                          entered; absent stages left out; durationSeconds).
  --trace-width N         fold traced values to N columns (default 120; 0: show
                          whole values)
  --payload-limit BYTES   the largest state input, output or task result (default
                          262144, AWS's 256 KiB; 0: no limit)
  --max-history-events N  stop the execution as AWS does when its history reaches
                          N events: it fails with States.Runtime (default 25000,
                          AWS's limit; 0: no limit)
  --html FILE             also write the execution view (the graph with the path
                          taken, the history, each state's input, output and
                          data-flow steps) as one self-contained HTML page to
                          open in a browser, with no server
` + objectsUsage

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
	trace         bool
	traceWidth    int
	payloadLimit  int
	maxEvents     int64
	machines      machineFlags
	html          string
	objects       *objectsFlag

	backend  string            // --backend: local or temporal (see run_temporal.go)
	temporal *temporalRunFlags // --address, --namespace, --task-queue, --workflow-id
}

// mockCase loads --mocks and picks its test case: --test-case, or the
// state machine's only one (tc is nil without --mocks). smName is the state
// machine's name: --state-machine, else the mock file's only state machine,
// else the definition file's base name.
func (f *runFlags) mockCase() (tc *mock.TestCase, smName string, err error) {
	smName = f.stateMachine
	if f.mocks != "" {
		cfg, err := mock.Load(f.mocks)
		if err != nil {
			return nil, "", err
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
				return nil, "", fmt.Errorf("choose a test case of state machine %q with --test-case (have: %s)", smName, strings.Join(names, ", "))
			}
			tcName = names[0]
		}
		if tc, err = cfg.TestCase(smName, tcName); err != nil {
			return nil, "", err
		}
	}
	if smName == "" {
		smName = baseName(f.file)
	}
	return tc, smName, nil
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
	fs.BoolVar(&f.trace, "trace", false, "")
	fs.IntVar(&f.traceWidth, "trace-width", 120, "")
	fs.IntVar(&f.payloadLimit, "payload-limit", 256*1024, "")
	fs.Int64Var(&f.maxEvents, "max-history-events", engine.DefaultMaxHistoryEvents, "")
	fs.StringVar(&f.backend, "backend", "local", "")
	f.temporal = addTemporalRunFlags(fs)
	fs.Var(&f.machines, "machine", "")
	fs.StringVar(&f.html, "html", "", "")
	f.objects = addObjectsFlag(fs)
	file, err := parseFileAndFlags(fs, args)
	if err != nil {
		return nil, err
	}
	f.file = file

	if f.testCase != "" && f.mocks == "" {
		return nil, errors.New("--test-case needs --mocks")
	}
	if f.history && !f.json {
		return nil, errors.New("--history needs --json")
	}
	if f.payloadLimit < 0 {
		return nil, errors.New("--payload-limit must be 0 (no limit) or a number of bytes")
	}
	if f.maxEvents < 0 {
		return nil, errors.New("--max-history-events must be 0 (no limit) or a number of events")
	}
	if f.traceWidth != 0 && f.traceWidth < 20 {
		return nil, errors.New("--trace-width must be 0 (whole values) or at least 20")
	}
	if f.backend != "local" && f.backend != "temporal" {
		return nil, errors.New("--backend must be local or temporal")
	}
	if f.html != "" && f.backend != "local" {
		return nil, errors.New("--html needs the local backend")
	}
	if f.objects.root != "" && f.backend != "local" {
		return nil, errors.New("--s3-root needs the local backend: on the Temporal backend the workers read items and write results, so give --s3-root to stepwise worker")
	}
	return f, nil
}

func cmdRun(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if wantsHelp(args) {
		fmt.Fprint(stdout, runUsage+runTemporalUsage)
		return 0
	}
	f, err := parseRunFlags(args)
	if err != nil {
		fmt.Fprintf(stderr, "stepwise run: %v\n\n%s", err, runUsage)
		return 2
	}
	if f.backend == "temporal" {
		return runTemporal(ctx, f, stdout, stderr)
	}

	sm, ok := loadMachine("run", f.file, stderr)
	if !ok {
		return 2
	}
	input, err := readInput(f.input)
	if err != nil {
		fmt.Fprintf(stderr, "stepwise run: invalid input: %v\n", err)
		return 2
	}

	tc, smName, err := f.mockCase()
	if err != nil {
		fmt.Fprintf(stderr, "stepwise run: %v\n", err)
		return 2
	}
	var invoker integrations.Invoker = gofunc.Chain() // the mocks; setupTasks adds the integrations
	if tc != nil {
		invoker = gofunc.Chain(tc.Invoker(nil))
	}

	objs, err := f.objects.objects()
	if err != nil {
		fmt.Fprintf(stderr, "stepwise run: %v\n", err)
		return 2
	}

	start := time.Now().UTC()
	opts := engine.Options{
		Invoker:          invoker,
		Objects:          objs,
		StateMachineName: smName,
		ExecutionName:    f.executionName,
		Region:           "us-east-1",
		AccountID:        "123456789012",
		RoleArn:          "arn:aws:iam::123456789012:role/stepwise",
		StartTime:        start,
		PayloadLimit:     f.payloadLimit,
		DiscardEvents:    !f.history && f.html == "",
	}
	if f.payloadLimit == 0 {
		opts.PayloadLimit = -1 // the engine's "no limit"
	}
	opts.MaxHistoryEvents = f.maxEvents
	if f.maxEvents == 0 {
		opts.MaxHistoryEvents = -1
	}
	// On a terminal, a status line shows the state running and the
	// progress of Map states while the execution runs.
	var status *statusLine
	if isTerminal(stderr) {
		status = newStatusLine(stderr)
		opts.OnEvent = status.onEvent
	}
	var tr *traceRecorder
	var live *liveTrace
	switch {
	case f.trace && f.json:
		tr = &traceRecorder{}
		opts.Tracer = tr
	case f.trace:
		live = newLiveTrace(stderr, traceStyle(stderr, f.traceWidth), status)
		opts.Tracer = live
	}
	pageTrace := tr // --html's steps
	if f.html != "" && pageTrace == nil {
		pageTrace = &traceRecorder{}
		opts.Tracer = bothTracers(opts.Tracer, pageTrace)
	}
	if opts.ExecutionName == "" {
		opts.ExecutionName = "run-" + start.Format("20060102T150405.000000000Z")
	}
	if f.virtualClock {
		opts.Runtime = local.New(local.Options{VirtualClock: true, Start: start, Seed: start.UnixNano()})
	}
	if err := setupTasks(&opts, f.machines, f.virtualClock); err != nil {
		fmt.Fprintf(stderr, "stepwise run: %v\n", err)
		return 2
	}
	stopStatus := status.start(500 * time.Millisecond)
	res, err := engine.Run(ctx, sm, input, opts)
	stopStatus()
	if live != nil {
		live.flush()
	}
	if err != nil {
		fmt.Fprintf(stderr, "stepwise run: %v\n", err)
		return 1
	}

	code := 0
	if res.Status != engine.StatusSucceeded {
		code = 1
	}
	if f.html != "" {
		page := console.Page{Machine: sm, StateMachineName: opts.StateMachineName, ExecutionName: opts.ExecutionName,
			Region: opts.Region, AccountID: opts.AccountID, Input: input, Result: res, Steps: pageTrace.steps}
		if err := writeHTMLPage(f.html, page); err != nil {
			fmt.Fprintf(stderr, "stepwise run: --html: %v\n", err)
			return 1
		}
	}
	if f.json {
		doc := resultJSON(res, f.history)
		if tr != nil {
			doc.Append("trace", tr.json())
		}
		stdout.Write(append(value.Encode(doc), '\n'))
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

// traceRecorder is the engine.Tracer of run --trace: it keeps the steps and
// renders them once the execution has ended (a Map's or Parallel's step
// arrives after the steps nested under it).
type traceRecorder struct {
	steps []*engine.Step
}

// Step implements engine.Tracer.
func (r *traceRecorder) Step(_ context.Context, s *engine.Step) { r.steps = append(r.steps, s) }

// ordered returns the steps in the order their states were entered.
func (r *traceRecorder) ordered() []*engine.Step {
	steps := slices.Clone(r.steps)
	slices.SortFunc(steps, func(a, b *engine.Step) int { return a.Seq - b.Seq })
	return steps
}

// json renders the trace as an array of step objects.
func (r *traceRecorder) json() []any {
	steps := r.ordered()
	out := make([]any, len(steps))
	for i, s := range steps {
		out[i] = stepJSON(s)
	}
	return out
}

// stepJSON renders one step, leaving out the stages it did not reach.
func stepJSON(s *engine.Step) *value.Object {
	o := value.NewObject(16)
	o.Append("state", s.State)
	o.Append("type", s.Type)
	path := make([]any, len(s.Path))
	for i, p := range s.Path {
		e := value.NewObject(2)
		e.Append("state", p.State)
		e.Append(p.Kind, int64(p.Index))
		path[i] = e
	}
	o.Append("path", path)
	o.Append("input", s.Input)
	for _, st := range stages(s)[1:] {
		o.Append(st.name, st.data.Value)
	}
	if s.Variables.Len() > 0 {
		o.Append("variables", s.Variables)
	}
	if s.Next != "" {
		o.Append("next", s.Next)
	}
	if s.End {
		o.Append("end", true)
	}
	if s.Error != "" || s.Cause != "" {
		o.Append("error", s.Error)
		o.Append("cause", s.Cause)
	}
	if s.Aborted {
		o.Append("aborted", true)
	}
	if !s.Entered.IsZero() && !s.Exited.IsZero() {
		o.Append("durationSeconds", seconds(s.Exited.Sub(s.Entered)))
	}
	if len(s.Retries) > 0 {
		rs := make([]any, len(s.Retries))
		for i, r := range s.Retries {
			ro := value.NewObject(5)
			ro.Append("retrier", int64(r.Retrier))
			ro.Append("attempt", int64(r.Attempt))
			ro.Append("error", r.Error)
			ro.Append("cause", r.Cause)
			ro.Append("delaySeconds", seconds(r.Delay))
			rs[i] = ro
		}
		o.Append("retries", rs)
	}
	if c := s.Catch; c != nil {
		co := value.NewObject(6)
		co.Append("catcher", int64(c.Catcher))
		co.Append("error", c.Error)
		co.Append("cause", c.Cause)
		co.Append("errorOutput", c.ErrorOutput)
		if c.ResultPath != "" {
			co.Append("resultPath", c.ResultPath)
		}
		co.Append("next", c.Next)
		o.Append("catch", co)
	}
	return o
}

// seconds is a duration in seconds: an integer when whole.
func seconds(d time.Duration) any {
	if d%time.Second == 0 {
		return int64(d / time.Second)
	}
	return d.Seconds()
}

// stage is one named value of a step's data flow.
type stage struct {
	name string
	data *engine.Data
}

// stages lists the stages a step reached, input first, in data-flow order.
func stages(s *engine.Step) []stage {
	all := []stage{
		{"input", &engine.Data{Value: s.Input}},
		{"afterInputPath", s.AfterInputPath},
		{"afterParameters", s.AfterParameters},
		{"afterArguments", s.AfterArguments},
		{"result", s.Result},
		{"afterResultSelector", s.AfterResultSelector},
		{"afterResultPath", s.AfterResultPath},
		{"output", s.Output},
	}
	return slices.DeleteFunc(all, func(st stage) bool { return st.data == nil })
}

// textStyle is how the text trace looks.
type textStyle struct {
	color bool
	width int // fold values to this many columns
}

// traceStyle colours the trace only when w is a terminal and NO_COLOR is
// unset or empty.
func traceStyle(w io.Writer, width int) textStyle {
	st := textStyle{width: width}
	if f, ok := w.(*os.File); ok && os.Getenv("NO_COLOR") == "" {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			st.color = true
		}
	}
	return st
}

// ANSI SGR codes of the text trace.
const (
	sgrBold  = "1"
	sgrDim   = "2"
	sgrRed   = "31"
	sgrGreen = "32"
	sgrYel   = "33"
	sgrCyan  = "36"
)

func (st textStyle) paint(code, s string) string {
	if !st.color {
		return s
	}
	return "\x1b[" + code + "m" + s + "\x1b[0m"
}

// fold shortens s to at most n runes, ending it with "…" when cut; n 0
// keeps s whole.
func fold(s string, n int) string {
	if n == 0 || utf8.RuneCountInString(s) <= n {
		return s
	}
	if n < 1 {
		n = 1
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// writeStep writes one state visit.
func writeStep(w io.Writer, st textStyle, s *engine.Step, indent string) {
	var outcome string
	switch {
	case s.Catch != nil:
		outcome = st.paint(sgrYel, "caught "+s.Catch.Error) + " → " + st.paint(sgrGreen, s.Catch.Next)
	case s.Error != "" || s.Cause != "":
		outcome = st.paint(sgrRed, "✗ "+s.Error)
	case s.Aborted:
		outcome = st.paint(sgrYel, "aborted")
	case s.End:
		outcome = st.paint(sgrGreen, "✓ end")
	default:
		outcome = "→ " + st.paint(sgrGreen, s.Next)
	}
	took := ""
	if d := stepDuration(s); d != "" {
		took = "  " + st.paint(sgrDim, d)
	}
	fmt.Fprintf(w, "%s%s %s  %s%s\n", indent, st.paint(sgrBold, s.State), st.paint(sgrDim, "("+s.Type+")"), outcome, took)
	const labelWidth = 20
	room := st.width - len(indent) - 2 - labelWidth
	if st.width == 0 {
		room = 0 // whole values
	} else {
		room = max(room, 10)
	}
	line := func(label, text string) {
		fmt.Fprintf(w, "%s  %s%s\n", indent, st.paint(sgrDim, fmt.Sprintf("%-*s", labelWidth, label)), fold(text, room))
	}
	redLine := func(label, text string) {
		fmt.Fprintf(w, "%s  %s%s\n", indent, st.paint(sgrDim, fmt.Sprintf("%-*s", labelWidth, label)), st.paint(sgrRed, fold(text, room)))
	}
	// Retries come where they happened: after the parameters, before the
	// result of the attempt that succeeded.
	retries := func() {
		for _, r := range s.Retries {
			line("retry", fmt.Sprintf("Retry[%d] attempt %d after %s (%s), waiting %v", r.Retrier, r.Attempt, r.Error, r.Cause, r.Delay))
		}
	}
	done := false
	for _, sg := range stages(s) {
		switch sg.name {
		case "result", "afterResultSelector", "afterResultPath", "output":
			if !done {
				retries()
				done = true
			}
		}
		line(sg.name, value.EncodeString(sg.data.Value))
	}
	if !done {
		retries()
	}
	if s.Variables.Len() > 0 {
		line("variables", value.EncodeString(s.Variables))
	}
	if c := s.Catch; c != nil {
		rp := c.ResultPath
		if rp == "" {
			rp = "$"
		}
		line("catch", fmt.Sprintf("Catch[%d] caught %s (%s), ResultPath %s → %s", c.Catcher, c.Error, c.Cause, rp, c.Next))
	} else if s.Error != "" || s.Cause != "" {
		redLine("error", s.Error+": "+s.Cause)
	}
}

// bothTracers hands each step to a (when set) and then to b.
func bothTracers(a, b engine.Tracer) engine.Tracer {
	if a == nil {
		return b
	}
	return engine.TracerFunc(func(ctx context.Context, s *engine.Step) {
		a.Step(ctx, s)
		b.Step(ctx, s)
	})
}

// writeHTMLPage writes the execution view of --html.
func writeHTMLPage(path string, p console.Page) error {
	var b bytes.Buffer
	if err := console.WritePage(&b, p); err != nil {
		return err
	}
	return os.WriteFile(path, b.Bytes(), 0o644)
}
