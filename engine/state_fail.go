package engine

import (
	"context"

	"github.com/stepwise/stepwise/asl"
	"github.com/stepwise/stepwise/asl/jsonata"
	"github.com/stepwise/stepwise/asl/value"
)

// runFail is a Fail state: it fails with Error/ErrorPath and
// Cause/CausePath, read from the raw input (a Fail state has no data
// flow).
func (ex *execution) runFail(ctx context.Context, sc *stateRun, s *asl.Fail) error {
	if jp := sc.n.jp; jp != nil && (jp.errorText != nil || jp.causeText != nil) {
		name, err := sc.jsonataText(ctx, jp.errorText, "Error", s.Error)
		if err != nil {
			return err
		}
		cause, err := sc.jsonataText(ctx, jp.causeText, "Cause", s.Cause)
		if err != nil {
			return err
		}
		return &stateError{name: name, cause: cause}
	}
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

// jsonataText evaluates a JSONata Fail field (nil: the literal) to text:
// a string as it is, another value as JSON.
func (sc *stateRun) jsonataText(ctx context.Context, t *jsonata.Template, field, literal string) (string, error) {
	if t == nil {
		return literal, nil
	}
	v, err := sc.evalJSONata(ctx, t, field, sc.states(sc.raw, nil, false, nil))
	if err != nil {
		return "", err
	}
	if str, ok := v.(string); ok {
		return str, nil
	}
	return value.EncodeString(v), nil
}
