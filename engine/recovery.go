package engine

import (
	"context"
	"math"

	"github.com/stepwise/stepwise/asl"
	"github.com/stepwise/stepwise/asl/fault"
	"github.com/stepwise/stepwise/asl/value"
)

// This file is Retry and Catch, written once for Task, Parallel and Map.

// recovery is a state's Retry and Catch, compiled with the state.
type recovery struct {
	kind     string // the event type prefix: Task, Parallel or Map
	retriers []asl.Retrier
	catchers []asl.Catcher
	// failedEvent: the state records <kind>StateFailed once its retriers
	// are done, before Catch (Parallel and Map do; a Task's failure is in
	// its TaskFailed event).
	failedEvent bool
}

// recover handles the failure se of one attempt of a state's body: a
// matching retrier with attempts left waits its back-off and asks for
// another attempt (retry); else a matching catcher gives the state's
// outcome; else the state fails with se. err is se, or an abort during
// the back-off.
func (sc *stateRun) recover(ctx context.Context, rec *recovery, rs *retryState, se *stateError) (retry bool, o outcome, err error) {
	ex := sc.ex
	retry, err = ex.handleRetry(ctx, sc, rec.retriers, rs, se)
	if err != nil {
		ex.emit(sc.th, rec.kind+"StateAborted", nil)
		return false, outcome{}, err
	}
	if retry {
		return true, outcome{}, nil
	}
	if rec.failedEvent {
		ex.emit(sc.th, rec.kind+"StateFailed", nil)
	}
	o, caught, err := sc.handleCatch(ctx, rec.catchers, se)
	if caught || err != nil {
		return false, o, err
	}
	if !rec.failedEvent && sc.th.depth > 0 {
		// AWS records an uncaught Task failure inside a branch or an
		// iteration as the state being aborted.
		ex.emit(sc.th, rec.kind+"StateAborted", nil)
	}
	return false, outcome{}, se
}

// matches reports whether an ErrorEquals list matches an error name.
// Beyond fault.Matches, AWS lets States.ALL catch States.DataLimitExceeded
// raised by a task result (error_handling__states_errors__
// task_lambda_catch_state_all_data_limit_exceeded_on_large_utf8_response).
func matches(errorEquals []string, name string) bool {
	if fault.Matches(errorEquals, name) {
		return true
	}
	if name == fault.DataLimitExceeded {
		for _, e := range errorEquals {
			if e == fault.ALL {
				return true
			}
		}
	}
	return false
}

// retryState counts the attempts of each retrier of a state.
type retryState struct {
	counts []int64
}

// handleRetry decides whether the failed attempt is retried and, if so,
// waits for the back-off. AWS uses the first retrier whose ErrorEquals
// matches; when its MaxAttempts are used up the error goes to Catch.
func (ex *execution) handleRetry(ctx context.Context, sc *stateRun, retriers []asl.Retrier, rs *retryState, se *stateError) (bool, error) {
	if se.terminal {
		return false, nil
	}
	for i := range retriers {
		r := &retriers[i]
		if !matches(r.ErrorEquals, se.name) {
			continue
		}
		if rs.counts == nil {
			rs.counts = make([]int64, len(retriers))
			if ex.test != nil {
				for j := range rs.counts {
					rs.counts[j] = int64(ex.test.retryCount)
				}
			}
		}
		if rs.counts[i] >= r.MaxAttempts {
			return false, nil
		}
		rs.counts[i]++
		delay := float64(r.IntervalSeconds) * math.Pow(r.BackoffRate, float64(rs.counts[i]-1))
		if r.MaxDelaySeconds != nil && delay > float64(*r.MaxDelaySeconds) {
			delay = float64(*r.MaxDelaySeconds)
		}
		if r.JitterStrategy == "FULL" {
			delay *= float64(ex.rt.Int63()%1000000) / 1000000
		}
		d := floatSecondsDuration(delay)
		if sc.tr != nil {
			sc.tr.Retries = append(sc.tr.Retries, Retry{Retrier: i, Attempt: int(rs.counts[i]), Error: se.name, Cause: se.cause, Delay: d})
		}
		if ex.test != nil {
			return false, errRetriable
		}
		if err := ex.rt.Sleep(ctx, d); err != nil {
			return false, err
		}
		sc.retryCount++
		return true, nil
	}
	return false, nil
}

// handleCatch routes an error to the first matching catcher: the output is
// the raw input with the error output placed by the catcher's ResultPath.
// ok is false when no catcher matches.
func (sc *stateRun) handleCatch(ctx context.Context, catchers []asl.Catcher, se *stateError) (o outcome, ok bool, err error) {
	if se.terminal {
		return outcome{}, false, nil
	}
	for i := range catchers {
		c := &catchers[i]
		if !matches(c.ErrorEquals, se.name) {
			continue
		}
		errOut := value.NewObject(2)
		// A failure without an error name reports both as null; a named
		// error without a cause (a timeout) reports an empty cause.
		if se.name == "" && se.cause == "" {
			errOut.Append("Error", nil)
			errOut.Append("Cause", nil)
		} else {
			errOut.Append("Error", se.name)
			errOut.Append("Cause", se.cause)
		}
		if jp := sc.n.jp; jp != nil {
			// JSONata: Assign and Output against $states.errorOutput; the
			// output is the error output unless Output says otherwise.
			jc := &jp.catchers[i]
			states := sc.states(sc.raw, nil, false, errOut)
			o := outcome{result: errOut, next: c.Next, caught: true, assigned: true}
			if jc.assign != nil {
				if o.assign, err = sc.jsonataAssign(ctx, jc.assign, states); err != nil {
					return outcome{}, true, err
				}
			}
			if jc.output != nil {
				if o.result, err = sc.evalJSONata(ctx, jc.output, "Output", states); err != nil {
					return outcome{}, true, err
				}
			}
			if sc.tr != nil {
				sc.tr.Catch = &Catch{Catcher: i, Error: se.name, Cause: se.cause, ErrorOutput: errOut, Next: c.Next}
			}
			return o, true, nil
		}
		a, err := sc.evalAssign(c.AssignTemplate, errOut)
		if err != nil {
			return outcome{}, true, err
		}
		out, err := sc.resultPath(c.ResultPath, errOut)
		if err != nil {
			return outcome{}, true, err
		}
		if sc.tr != nil {
			rp := ""
			if c.ResultPath != nil {
				rp = c.ResultPath.Text
			}
			sc.tr.Catch = &Catch{Catcher: i, Error: se.name, Cause: se.cause, ErrorOutput: errOut, ResultPath: rp, Next: c.Next}
			sc.tr.AfterResultPath = &Data{out}
		}
		return outcome{result: out, next: c.Next, caught: true, assigned: true, assign: a}, true, nil
	}
	return outcome{}, false, nil
}
