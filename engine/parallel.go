package engine

import (
	"context"

	"github.com/stepwise/stepwise/asl"
)

// runParallel runs every branch on the same input, concurrently through the
// runtime. The output is the array of branch outputs in branch order. The
// first branch to fail stops the others and its error (not a wrapper) is
// the state's error, subject to Retry and Catch.
func (ex *execution) runParallel(ctx context.Context, sc *stateRun, s *asl.Parallel) (any, string, error) {
	in, err := sc.inputPath()
	if err != nil {
		return nil, "", err
	}
	sc.hasRetry = true
	var rs retryState
	for {
		sc.ctxObj = nil
		bin := in
		if s.Parameters != nil {
			if bin, err = sc.template(s.Parameters, in); err != nil {
				return nil, "", err
			}
		}
		if sc.tr != nil {
			sc.tr.AfterParameters = &Data{bin}
		}
		ex.emit(sc.th, "ParallelStateStarted", nil)
		var (
			results []any
			ferr    error
		)
		if ex.test != nil && ex.test.mocked {
			results, ferr = ex.test.mockResults()
		} else {
			results, ferr = ex.runBranches(ctx, sc, s.Branches, bin)
		}
		if isAbort(ferr) || (ferr == nil && ctx.Err() != nil) {
			ex.emit(sc.th, "ParallelStateAborted", nil)
			if ferr == nil {
				ferr = ctx.Err()
			}
			return nil, "", ferr
		}
		if ferr == nil {
			ex.emit(sc.th, "ParallelStateSucceeded", nil)
			out, a, err := sc.afterResult(s.ResultSelector, s.ResultPath, s.AssignTemplate, results)
			if err != nil {
				return nil, "", err
			}
			sc.exit(out, a)
			return out, next(&s.Common), nil
		}
		se := ferr.(*stateError)
		again, out, target, err := sc.failComposite(ctx, "Parallel", s.Retry, s.Catch, &rs, se)
		if again {
			continue
		}
		return out, target, err
	}
}

// failComposite handles the failure se of a Map or Parallel state (kind
// "Map" or "Parallel"): a Retry that matches (again: run the state again),
// else the state's Failed event and its Catch, else se.
func (sc *stateRun) failComposite(ctx context.Context, kind string, retriers []asl.Retrier, catchers []asl.Catcher, rs *retryState, se *stateError) (again bool, out any, next string, err error) {
	ex := sc.ex
	retry, err := ex.handleRetry(ctx, sc, retriers, rs, se)
	if err != nil {
		ex.emit(sc.th, kind+"StateAborted", nil)
		return false, nil, "", err
	}
	if retry {
		return true, nil, "", nil
	}
	ex.emit(sc.th, kind+"StateFailed", nil)
	if out, target, ok, err := sc.handleCatch(catchers, se); ok || err != nil {
		return false, out, target, err
	}
	return false, nil, "", se
}

// runBranches runs the branches and joins them.
func (ex *execution) runBranches(ctx context.Context, sc *stateRun, branches []*asl.Graph, input any) ([]any, error) {
	rt := ex.rt
	results := make([]any, len(branches))
	bctx, cancel := rt.WithCancel(ctx)
	defer cancel()
	remaining := len(branches)
	var failure error
	for i, g := range branches {
		th := sc.th.child(nil)
		sc.traceChild(th, PathBranch, i)
		rt.Go(bctx, func(c context.Context) {
			defer func() { remaining-- }()
			out, err := ex.runGraph(c, th, g, input)
			switch {
			case err == nil:
				results[i] = out
			case !isAbort(err) && failure == nil:
				failure = err
				cancel()
			}
		})
	}
	_ = rt.Await(context.WithoutCancel(ctx), func() bool { return remaining == 0 })
	if failure != nil {
		return nil, failure
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return results, nil
}
