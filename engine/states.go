package engine

import (
	"context"
	"errors"
	"time"

	"github.com/stepwise/stepwise/asl"
	"github.com/stepwise/stepwise/asl/fault"
	"github.com/stepwise/stepwise/asl/value"
)

// runPass: InputPath → Parameters | Result → ResultPath → OutputPath.
func (ex *execution) runPass(sc *stateRun, s *asl.Pass) (any, string, error) {
	in, err := sc.inputPath()
	if err != nil {
		return nil, "", err
	}
	result := in
	switch {
	case s.HasResult:
		result = s.Result
	case s.Parameters != nil:
		if result, err = sc.template(s.Parameters, in); err != nil {
			return nil, "", err
		}
	}
	if sc.tr != nil {
		if s.HasResult {
			sc.tr.Result = &Data{result}
		} else {
			sc.tr.AfterParameters = &Data{result}
		}
	}
	if tooLarge(result, ex.limit) {
		e := dataLimit(s.Name)
		e.terminal = true
		return nil, "", e
	}
	a, err := sc.evalAssign(s.AssignTemplate, result)
	if err != nil {
		return nil, "", err
	}
	out, err := sc.resultPath(s.ResultPath, result)
	if err != nil {
		return nil, "", err
	}
	if sc.tr != nil {
		sc.tr.AfterResultPath = &Data{out}
	}
	if out, err = sc.outputPath(out); err != nil {
		return nil, "", err
	}
	sc.exit(out, a)
	return out, next(&s.Common), nil
}

// noChoiceCause is the cause of States.NoChoiceMatched.
const noChoiceCause = "No Matches!"

// runChoice evaluates the rules in order; the first that matches decides.
func (ex *execution) runChoice(sc *stateRun, s *asl.Choice) (any, string, error) {
	in, err := sc.inputPath()
	if err != nil {
		return nil, "", err
	}
	target := ""
	var a assignment
	for i := range s.Choices {
		r := &s.Choices[i]
		if r.Rule == nil {
			continue
		}
		ok, err := r.Rule.Eval(sc.scopeRef(in))
		if err != nil {
			return nil, "", sc.evalErr(err)
		}
		if ok {
			target = r.Next
			if a, err = sc.evalAssign(r.AssignTemplate, in); err != nil {
				return nil, "", err
			}
			break
		}
	}
	if target == "" {
		if s.Default == "" {
			return nil, "", &stateError{name: fault.NoChoiceMatched, cause: noChoiceCause}
		}
		target = s.Default
	}
	if s.AssignTemplate != nil && a.vals == nil {
		if a, err = sc.evalAssign(s.AssignTemplate, in); err != nil {
			return nil, "", err
		}
	}
	out, err := sc.outputPath(in)
	if err != nil {
		return nil, "", err
	}
	sc.exit(out, a)
	return out, target, nil
}

// runWait waits as long as Seconds, SecondsPath, Timestamp or TimestampPath
// says.
func (ex *execution) runWait(ctx context.Context, sc *stateRun, s *asl.Wait) (any, string, error) {
	in, err := sc.inputPath()
	if err != nil {
		return nil, "", err
	}
	var d time.Duration
	switch {
	case s.Seconds != nil:
		d = time.Duration(*s.Seconds) * time.Second
	case s.SecondsPath != nil:
		p := s.SecondsPath.String()
		v, err := s.SecondsPath.Eval(sc.scopeRef(in))
		if err != nil {
			return nil, "", sc.runtimeErr("The SecondsPath parameter does not reference an input value: " + p)
		}
		n, ok := v.(int64)
		if !ok {
			return nil, "", sc.runtimeErr("The SecondsPath parameter cannot be parsed as a long value: " + p + " == " + describe(v))
		}
		if n < 0 {
			return nil, "", sc.runtimeErr("The SecondsPath parameter references a negative value: " + p + " == " + describe(v))
		}
		d = time.Duration(n) * time.Second
	case s.Timestamp != "":
		t, err := parseTimestamp(s.Timestamp)
		if err != nil {
			return nil, "", sc.runtimeErr("The Timestamp parameter does not reference a valid ISO-8601 extended offset date-time format string: " + s.Timestamp)
		}
		d = t.Sub(ex.rt.Now())
	case s.TimestampPath != nil:
		p := s.TimestampPath.String()
		v, err := s.TimestampPath.Eval(sc.scopeRef(in))
		if err != nil {
			return nil, "", sc.runtimeErr("The TimestampPath parameter does not reference an input value: " + p)
		}
		str, _ := v.(string)
		t, perr := parseTimestamp(str)
		if perr != nil {
			return nil, "", sc.runtimeErr("The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time format string: " + p + " == " + describe(v))
		}
		d = t.Sub(ex.rt.Now())
	}
	switch {
	case sc.th.depth == 0 && !ex.waitUntil.IsZero():
		// Resumed: the deadline was set when the state was entered.
		d = max(0, ex.waitUntil.Sub(ex.rt.Now()))
		ex.waitUntil = time.Time{}
	case sc.th.depth == 0 && ex.opts.OnCheckpoint != nil:
		ex.checkpoint(sc.th, sc.c.Name, sc.raw, true, sc.entered, ex.rt.Now().Add(d))
	}
	if err := ex.rt.Sleep(ctx, d); err != nil {
		ex.emit(sc.th, "WaitStateAborted", nil)
		return nil, "", err
	}
	out, err := sc.outputPath(in)
	if err != nil {
		return nil, "", err
	}
	sc.exit(out, assignment{})
	return out, next(&s.Common), nil
}

// parseTimestamp parses an ISO-8601 extended offset date-time.
func parseTimestamp(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, errors.New("invalid timestamp")
	}
	return t, nil
}

// runSucceed ends the graph with the (filtered) input.
func (ex *execution) runSucceed(sc *stateRun) (any, string, error) {
	in, err := sc.inputPath()
	if err != nil {
		return nil, "", err
	}
	out, err := sc.outputPath(in)
	if err != nil {
		return nil, "", err
	}
	sc.exit(out, assignment{})
	return out, "", nil
}

// runFail fails with Error/ErrorPath and Cause/CausePath.
func (ex *execution) runFail(sc *stateRun, s *asl.Fail) error {
	name, err := sc.failField("ErrorPath", s.Error, s.ErrorPath, s.ErrorExpr)
	if err != nil {
		return err
	}
	cause, err := sc.failField("CausePath", s.Cause, s.CausePath, s.CauseExpr)
	if err != nil {
		return err
	}
	return &stateError{name: name, cause: cause}
}

func (sc *stateRun) failField(field, literal string, p *asl.Path, expr asl.Evaluator) (string, error) {
	var v any
	switch {
	case expr != nil:
		r, err := expr.Eval(sc.env(sc.raw))
		if err != nil {
			return "", sc.evalErr(err)
		}
		v = r
	case p != nil && p.Path != nil:
		r, err := p.Path.Eval(sc.scopeRef(sc.raw))
		if err != nil {
			return "", sc.runtimeErr("The JSONPath '" + p.Text + "' specified for the field '" + field + "' could not be found in the input '" + value.EncodeString(sc.raw) + "'")
		}
		v = r
	default:
		return literal, nil
	}
	if str, ok := v.(string); ok {
		return str, nil
	}
	return value.EncodeString(v), nil
}
