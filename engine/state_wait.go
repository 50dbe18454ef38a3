package engine

import (
	"context"
	"errors"
	"time"

	"github.com/stepwise/stepwise/asl"
)

// runWait waits as long as Seconds, SecondsPath, Timestamp or TimestampPath
// (or, in JSONata, the Seconds or Timestamp expression) says.
func (ex *execution) runWait(ctx context.Context, sc *stateRun, s *asl.Wait, in any) (outcome, error) {
	var d time.Duration
	jp := sc.n.jp
	switch {
	case jp != nil && jp.seconds != nil:
		v, err := sc.evalJSONata(ctx, jp.seconds, "Seconds", sc.states(in, nil, false, nil))
		if err != nil {
			return outcome{}, err
		}
		n, ok := intValue(v)
		if _, isStr := v.(string); isStr || !ok || n < 0 {
			return outcome{}, sc.typeErr(jp.seconds, "Seconds", "integer", v)
		}
		d = secondsDuration(n)
	case jp != nil && jp.timestamp != nil:
		v, err := sc.evalJSONata(ctx, jp.timestamp, "Timestamp", sc.states(in, nil, false, nil))
		if err != nil {
			return outcome{}, err
		}
		str, _ := v.(string)
		t, perr := parseTimestamp(str)
		if perr != nil {
			return outcome{}, sc.queryFailure("Timestamp", "The Timestamp field cannot be parsed as an ISO-8601 extended offset date-time format string: "+describe(v))
		}
		d = t.Sub(ex.rt.Now())
	case s.Seconds != nil:
		d = secondsDuration(int64(*s.Seconds))
	case s.SecondsPath != nil:
		p := s.SecondsPath.String()
		v, err := s.SecondsPath.Eval(sc.scopeRef(in))
		if err != nil {
			return outcome{}, sc.runtimeErr("The SecondsPath parameter does not reference an input value: " + p)
		}
		n, ok := v.(int64)
		if !ok {
			return outcome{}, sc.runtimeErr("The SecondsPath parameter cannot be parsed as a long value: " + p + " == " + describe(v))
		}
		if n < 0 {
			return outcome{}, sc.runtimeErr("The SecondsPath parameter references a negative value: " + p + " == " + describe(v))
		}
		d = secondsDuration(n)
	case s.Timestamp != "":
		// Parsed once, when the definition was built.
		d = s.TimestampTime.Sub(ex.rt.Now())
	case s.TimestampPath != nil:
		p := s.TimestampPath.String()
		v, err := s.TimestampPath.Eval(sc.scopeRef(in))
		if err != nil {
			return outcome{}, sc.runtimeErr("The TimestampPath parameter does not reference an input value: " + p)
		}
		str, _ := v.(string)
		t, perr := parseTimestamp(str)
		if perr != nil {
			return outcome{}, sc.runtimeErr("The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time format string: " + p + " == " + describe(v))
		}
		d = t.Sub(ex.rt.Now())
	}
	switch until := ex.resumedWait(sc.th); {
	case !until.IsZero():
		// Resumed: the deadline was set when the state was entered.
		d = max(0, until.Sub(ex.rt.Now()))
	case ex.checkpoints(sc.th):
		ex.checkpoint(sc.th, sc.c.Name, sc.raw, true, sc.entered, ex.rt.Now().Add(d))
	}
	if err := ex.rt.Sleep(ctx, d); err != nil {
		// A stopped execution records no WaitStateAborted, as AWS's
		// history of a StopExecution during a Wait shows.
		if !ex.stopping() {
			ex.emit(sc.th, "WaitStateAborted", nil)
		}
		return outcome{}, err
	}
	return outcome{result: in}, nil
}

// parseTimestamp parses an ISO-8601 extended offset date-time.
func parseTimestamp(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, errors.New("invalid timestamp")
	}
	return t, nil
}

// resumedWait returns, and clears, the deadline of the Wait state th
// resumes (a top-level one, or a child execution's): zero when none.
func (ex *execution) resumedWait(th *thread) time.Time {
	var t *time.Time
	switch {
	case th.depth == 0:
		t = &ex.waitUntil
	case th.log != nil && th.log.top == th:
		t = &th.log.waitUntil
	default:
		return time.Time{}
	}
	until := *t
	*t = time.Time{}
	return until
}
