package engine

import (
	"context"
	"time"

	"github.com/stepwise/stepwise/asl/value"
)

// Tracer observes an execution state by state, as AWS's data flow
// simulator and TestState show it. Options.Tracer is nil by default, and
// then tracing costs the interpreter a nil check per stage.
//
// Step is called once per state visit, when the visit ends (so the steps
// of a Map's iterations or a Parallel's branches come before the step of
// their Map or Parallel), in a deterministic order: the interpreter runs
// one goroutine at a time, so a Tracer needs no locking of its own. The
// Step is the tracer's to keep; the interpreter does not touch it again.
type Tracer interface {
	Step(ctx context.Context, s *Step)
}

// TracerFunc adapts a function to Tracer.
type TracerFunc func(ctx context.Context, s *Step)

// Step calls f.
func (f TracerFunc) Step(ctx context.Context, s *Step) { f(ctx, s) }

// Data is a JSON value (a value.Value) seen at one stage of a state's data
// flow. A nil *Data means the state did not reach that stage or has none.
type Data struct {
	Value any
}

// PathElem is one level of nesting: the Map iteration or Parallel branch
// of the named state that a step ran in.
type PathElem struct {
	State string // the Map or Parallel state
	Kind  string // PathIteration or PathBranch
	Index int    // the iteration's item index or the branch's index
}

// Kinds of PathElem.
const (
	PathIteration = "iteration"
	PathBranch    = "branch"
)

// Retry is a failed attempt that a retrier sent back to run again.
type Retry struct {
	Retrier int           // index in the state's Retry
	Attempt int           // the retrier's retry count after this one (1, 2, ...)
	Error   string        // the attempt's error
	Cause   string        // and cause
	Delay   time.Duration // the back-off chosen (jitter applied)
}

// Catch is an error that a catcher handled.
type Catch struct {
	Catcher     int    // index in the state's Catch
	Error       string // the error caught
	Cause       string
	ErrorOutput any    // {"Error","Cause"}: what ResultPath placed
	ResultPath  string // the catcher's ResultPath text ("" when not set)
	Next        string // the catcher's Next
}

// Step is one state visit: the value after each stage of the data flow
// (JSONPath: InputPath → Parameters → task → ResultSelector → ResultPath →
// OutputPath; JSONata: Arguments → task → Assign → Output), the variables
// assigned, the transition, and the failures. A JSONata state has none of
// the JSONPath stages, so their fields stay nil, and the reverse.
type Step struct {
	// Seq numbers the visits in the order the states were entered, from 1;
	// Parent is the Seq of the Map or Parallel visit the step ran under (0
	// at the top level), and Path says which iteration or branch.
	Seq    int
	Parent int
	Path   []PathElem

	State string // the state's name
	Type  string // Pass, Task, Choice, ...
	// QueryLanguage is the state's: asl.JSONPath or asl.JSONata.
	QueryLanguage string

	Input           any // the raw input
	AfterInputPath  *Data
	AfterParameters *Data // the effective parameters (the input when not set)
	// AfterArguments is a JSONata Task's or Parallel's evaluated Arguments
	// (the input when not set): what the task or the branches get.
	AfterArguments      *Data
	Result              *Data // a Task's result, a Map's or Parallel's results, a Pass's Result
	AfterResultSelector *Data
	AfterResultPath     *Data
	Output              *Data // after OutputPath (or a catcher's ResultPath)

	// Variables are the variables the state assigned, in Assign's order.
	Variables *value.Object

	Next string // the next state; "" when the visit ended its graph or failed
	End  bool   // the visit ended its graph successfully

	// Error and Cause are the error the state ended with or, when a
	// catcher handled it, the error caught. Aborted: the visit was stopped
	// (the execution ended, or a sibling branch failed), not failed.
	Error, Cause string
	Aborted      bool
	Retries      []Retry
	Catch        *Catch

	// Entered and Exited are when the visit began and ended, on the
	// execution's clock (virtual under a virtual clock).
	Entered, Exited time.Time
}

// traceStart begins the step of a state visit, or returns nil when the
// execution is not traced.
func (ex *execution) traceStart(th *thread, name, typ string, input any) *Step {
	if ex.opts.Tracer == nil {
		return nil
	}
	ex.traceSeq++
	return &Step{Seq: ex.traceSeq, Parent: th.traceParent, Path: th.tracePath, State: name, Type: typ, Input: input, Entered: ex.rt.Now()}
}

// traceEnd completes a step with how the visit ended and hands it to the
// tracer.
func (ex *execution) traceEnd(ctx context.Context, s *Step, out any, next string, err error) {
	switch {
	case err == nil:
		s.Output = &Data{out}
		s.Next, s.End = next, next == ""
	case isAbort(err):
		s.Aborted = true
	default:
		if se, ok := err.(*stateError); ok {
			s.Error, s.Cause = se.name, se.cause
		}
	}
	if s.Catch != nil {
		s.Error, s.Cause = s.Catch.Error, s.Catch.Cause
	}
	s.Exited = ex.rt.Now()
	ex.opts.Tracer.Step(ctx, s)
}

// traceChild places a Map iteration's or Parallel branch's thread under the
// traced visit of sc.
func (sc *stateRun) traceChild(th *thread, kind string, index int) {
	if sc.tr == nil {
		return
	}
	parent := sc.th.tracePath
	th.tracePath = append(parent[:len(parent):len(parent)], PathElem{State: sc.c.Name, Kind: kind, Index: index})
	th.traceParent = sc.tr.Seq
}
