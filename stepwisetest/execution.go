package stepwisetest

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/stepwise/stepwise/asl/value"
	"github.com/stepwise/stepwise/engine"
	"github.com/stepwise/stepwise/engine/history"
)

// Execution is one finished execution. Its embedded Result holds Status,
// Output, Error, Cause, the history Events and the start and stop times
// (virtual).
//
// The Assert methods report a mismatch with t.Errorf, saying what was
// expected and what happened (JSON in compact form), and return whether
// the assertion held, as testify's assert functions do.
type Execution struct {
	*engine.Result
}

// Duration returns how long the execution took on the virtual clock.
func (ex *Execution) Duration() time.Duration { return ex.StopTime.Sub(ex.StartTime) }

// OutputJSON returns the output as compact JSON text ("null" when the
// execution did not succeed).
func (ex *Execution) OutputJSON() string { return value.EncodeString(ex.Output) }

// StatesVisited returns the names of the states entered, in order, with
// repeats (a state in a loop or retried through a Catch appears each time it
// is entered). States inside Parallel branches and Map iterations are
// included in the order the execution entered them.
func (ex *Execution) StatesVisited() []string {
	var names []string
	for _, e := range ex.Events {
		if d, ok := e.Details.(*history.StateEnteredEventDetails); ok {
			names = append(names, d.Name)
		}
	}
	return names
}

// StateInput returns the input of the n-th time (counted from 0) the state
// named state was entered, as recorded by its StateEntered event, and false
// when it was entered fewer times.
func (ex *Execution) StateInput(state string, n int) (any, bool) {
	for _, e := range ex.Events {
		if d, ok := e.Details.(*history.StateEnteredEventDetails); ok && d.Name == state {
			if n == 0 {
				return d.Input.Value, true
			}
			n--
		}
	}
	return nil, false
}

// StateOutput returns the output of the n-th time (counted from 0) the
// state named state was exited, as recorded by its StateExited event, and
// false when it was exited fewer times. A Fail state, and a state whose
// error ends the execution, have no StateExited event; a state whose error
// is caught does (its output then is what Catch's ResultPath made).
func (ex *Execution) StateOutput(state string, n int) (any, bool) {
	for _, e := range ex.Events {
		if d, ok := e.Details.(*history.StateExitedEventDetails); ok && d.Name == state {
			if n == 0 {
				return d.Output.Value, true
			}
			n--
		}
	}
	return nil, false
}

// EventTypes returns the types of the history events in order, for example
// ExecutionStarted, TaskStateEntered, TaskScheduled.
func (ex *Execution) EventTypes() []string {
	types := make([]string, len(ex.Events))
	for i, e := range ex.Events {
		types[i] = e.Type
	}
	return types
}

// AssertStatus asserts the execution's status (SUCCEEDED, FAILED,
// TIMED_OUT, ABORTED).
func (ex *Execution) AssertStatus(t TestingT, want string) bool {
	t.Helper()
	if ex.Status == want {
		return true
	}
	t.Errorf("stepwisetest: execution %s, want %s%s", ex.Status, want, ex.ending())
	return false
}

// AssertSucceeded asserts that the execution succeeded.
func (ex *Execution) AssertSucceeded(t TestingT) bool {
	t.Helper()
	return ex.AssertStatus(t, engine.StatusSucceeded)
}

// AssertFailed asserts that the execution failed with the error named
// errorName. Check the cause with AssertCause.
func (ex *Execution) AssertFailed(t TestingT, errorName string) bool {
	t.Helper()
	if ex.Status == engine.StatusFailed && ex.Error == errorName {
		return true
	}
	if ex.Status == engine.StatusFailed {
		t.Errorf("stepwisetest: execution failed with error %q, want %q\n\tcause: %s", ex.Error, errorName, ex.Cause)
		return false
	}
	t.Errorf("stepwisetest: execution %s, want FAILED with error %q%s", ex.Status, errorName, ex.ending())
	return false
}

// AssertCause asserts the cause of a failed execution.
func (ex *Execution) AssertCause(t TestingT, want string) bool {
	t.Helper()
	if ex.Cause == want {
		return true
	}
	t.Errorf("stepwisetest: cause differs (execution %s, error %q)\n\twant: %s\n\t got: %s", ex.Status, ex.Error, want, ex.Cause)
	return false
}

// AssertOutputJSON asserts that the execution succeeded with the output
// want, JSON text compared as a value: object member order and the spelling
// of numbers (1 and 1.0) do not matter.
func (ex *Execution) AssertOutputJSON(t TestingT, want string) bool {
	t.Helper()
	w, err := value.DecodeString(want)
	if err != nil {
		t.Errorf("stepwisetest: AssertOutputJSON: the expected output is not JSON: %v", err)
		return false
	}
	return ex.assertOutput(t, w)
}

// AssertOutput asserts that the execution succeeded with the output want, a
// Go value compared as the JSON that encoding/json makes of it.
func (ex *Execution) AssertOutput(t TestingT, want any) bool {
	t.Helper()
	w, err := toValue(want)
	if err != nil {
		t.Errorf("stepwisetest: AssertOutput: the expected output has no JSON form: %v", err)
		return false
	}
	return ex.assertOutput(t, w)
}

func (ex *Execution) assertOutput(t TestingT, want any) bool {
	t.Helper()
	if ex.Status != engine.StatusSucceeded {
		t.Errorf("stepwisetest: execution %s, want SUCCEEDED with output %s%s", ex.Status, value.EncodeString(want), ex.ending())
		return false
	}
	return assertValue(t, "output", want, ex.Output)
}

// AssertStateInputJSON asserts the input of the n-th time (from 0) the state
// was entered, JSON text compared as a value.
func (ex *Execution) AssertStateInputJSON(t TestingT, state string, n int, want string) bool {
	t.Helper()
	got, ok := ex.StateInput(state, n)
	return assertState(t, "input", state, n, want, got, ok, ex.count(state, true))
}

// AssertStateOutputJSON asserts the output of the n-th time (from 0) the
// state was exited, JSON text compared as a value.
func (ex *Execution) AssertStateOutputJSON(t TestingT, state string, n int, want string) bool {
	t.Helper()
	got, ok := ex.StateOutput(state, n)
	return assertState(t, "output", state, n, want, got, ok, ex.count(state, false))
}

// AssertStatesVisited asserts the names of the states entered, in order
// (see StatesVisited).
func (ex *Execution) AssertStatesVisited(t TestingT, want ...string) bool {
	t.Helper()
	return assertList(t, "states visited", want, ex.StatesVisited())
}

// AssertEventTypes asserts the types of all history events, in order (see
// EventTypes).
func (ex *Execution) AssertEventTypes(t TestingT, want ...string) bool {
	t.Helper()
	return assertList(t, "history event types", want, ex.EventTypes())
}

// ending describes how a failed execution ended, for messages.
func (ex *Execution) ending() string {
	if ex.Status == engine.StatusSucceeded {
		return "\n\toutput: " + value.EncodeString(ex.Output)
	}
	return fmt.Sprintf("\n\terror: %s\n\tcause: %s", ex.Error, ex.Cause)
}

// count returns how many times a state was entered (or exited).
func (ex *Execution) count(state string, entered bool) int {
	n := 0
	for _, e := range ex.Events {
		switch d := e.Details.(type) {
		case *history.StateEnteredEventDetails:
			if entered && d.Name == state {
				n++
			}
		case *history.StateExitedEventDetails:
			if !entered && d.Name == state {
				n++
			}
		}
	}
	return n
}

func assertState(t TestingT, what, state string, n int, want string, got any, ok bool, times int) bool {
	t.Helper()
	w, err := value.DecodeString(want)
	if err != nil {
		t.Errorf("stepwisetest: the expected %s of state %q is not JSON: %v", what, state, err)
		return false
	}
	if !ok {
		verb := "entered"
		if what == "output" {
			verb = "exited"
		}
		t.Errorf("stepwisetest: no %s #%d of state %q: the state was %s %d times", what, n, state, verb, times)
		return false
	}
	return assertValue(t, fmt.Sprintf("%s #%d of state %q", what, n, state), w, got)
}

// assertValue compares two values and reports the difference.
func assertValue(t TestingT, what string, want, got any) bool {
	t.Helper()
	if value.Equal(want, got) {
		return true
	}
	t.Errorf("stepwisetest: %s differs at %s\n\twant: %s\n\t got: %s", what, Diff(want, got),
		value.EncodeString(want), value.EncodeString(got))
	return false
}

func assertList(t TestingT, what string, want, got []string) bool {
	t.Helper()
	if slices.Equal(want, got) {
		return true
	}
	i := 0
	for i < len(want) && i < len(got) && want[i] == got[i] {
		i++
	}
	t.Errorf("stepwisetest: %s differ from index %d\n\twant: %s\n\t got: %s", what, i, quoteList(want), quoteList(got))
	return false
}

func quoteList(l []string) string {
	q := make([]string, len(l))
	for i, s := range l {
		q[i] = strconv.Quote(s)
	}
	return "[" + strings.Join(q, ",") + "]"
}

// Diff returns the JSONPath of the first place where two values differ,
// such as $.items[2].price, or "" when they are equal. Object members are
// compared regardless of order.
func Diff(want, got any) string {
	if value.Equal(want, got) {
		return ""
	}
	return diffAt("$", want, got)
}

func diffAt(path string, want, got any) string {
	switch w := want.(type) {
	case *value.Object:
		g, ok := got.(*value.Object)
		if !ok {
			return path
		}
		for i := 0; i < w.Len(); i++ {
			k, wv := w.At(i)
			gv, ok := g.Get(k)
			if !ok || !value.Equal(wv, gv) {
				if !ok {
					return memberPath(path, k)
				}
				return diffAt(memberPath(path, k), wv, gv)
			}
		}
		for _, k := range g.Keys() {
			if !w.Has(k) {
				return memberPath(path, k)
			}
		}
	case []any:
		g, ok := got.([]any)
		if !ok {
			return path
		}
		for i := 0; i < len(w) && i < len(g); i++ {
			if !value.Equal(w[i], g[i]) {
				return diffAt(path+"["+strconv.Itoa(i)+"]", w[i], g[i])
			}
		}
		n := min(len(w), len(g))
		return path + "[" + strconv.Itoa(n) + "]"
	}
	return path
}

// memberPath appends a member name to a JSONPath, in bracket notation when
// the name is not a plain identifier.
func memberPath(path, key string) string {
	plain := key != ""
	for i, r := range key {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9') {
			plain = false
			break
		}
	}
	if plain {
		return path + "." + key
	}
	return path + "[" + strconv.Quote(key) + "]"
}
