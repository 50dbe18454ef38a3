package engine

import (
	"context"

	"github.com/stepwise/stepwise/asl"
)

// runParallel is a Parallel state's body: every branch runs on the
// effective parameters, concurrently through the runtime, and the result
// is the array of branch outputs in branch order. The first branch to fail
// stops the others and its error (not a wrapper) is the state's error,
// subject to Retry and Catch.
func (ex *execution) runParallel(ctx context.Context, sc *stateRun, s *asl.Parallel, in any) (outcome, error) {
	sc.hasRetry = true
	var rs retryState
	for {
		sc.ctxObj = nil
		bin, err := sc.arguments(ctx, s.Parameters, in)
		if err != nil {
			return outcome{}, err
		}
		ex.emit(sc.th, "ParallelStateStarted", nil)
		var (
			results []any
			ferr    error
		)
		if ex.test != nil && ex.test.mocked {
			results, ferr = ex.test.mockResults()
		} else {
			results, ferr = ex.runBranches(ctx, sc, bin)
		}
		if isAbort(ferr) || (ferr == nil && ctx.Err() != nil) {
			ex.emit(sc.th, "ParallelStateAborted", nil)
			if ferr == nil {
				ferr = ctx.Err()
			}
			return outcome{}, ferr
		}
		if ferr == nil {
			ex.emit(sc.th, "ParallelStateSucceeded", nil)
			return outcome{result: results}, nil
		}
		retry, o, err := sc.recover(ctx, &sc.n.recovery, &rs, ferr.(*stateError))
		if retry {
			continue
		}
		return o, err
	}
}

// runBranches runs the branches and joins them.
func (ex *execution) runBranches(ctx context.Context, sc *stateRun, input any) ([]any, error) {
	rt := ex.rt
	branches := sc.n.branches
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
