package engine

import (
	"context"
	"errors"
	"io"
	"strings"

	"github.com/stepwise/stepwise/asl"
	"github.com/stepwise/stepwise/asl/fault"
	"github.com/stepwise/stepwise/asl/value"
	"github.com/stepwise/stepwise/engine/history"
	"github.com/stepwise/stepwise/integrations/items"
)

// This file runs a Distributed Map that has an ItemReader, an ItemBatcher
// or a ResultWriter (compiled by distmap_compile.go). Items stream from
// the reader: at most MaxConcurrency child executions run at a time, each
// on at most one batch, so the items held at once are bounded by
// MaxConcurrency × the batch size, never the whole data set (what stays
// is each child's output, and with a ResultWriter its input, for the
// result files). Child executions record no events in the parent's
// history, as AWS keeps them in executions of their own.
//
// Reading items and writing results go through the Runtime (ReadItems,
// ResultSink): the local runtime reads Options.Objects in process, in
// the Map's goroutine, while the execution's other goroutines wait, and
// spools results to temporary files; the Temporal runtime reads pages of
// items and writes results in activities on its workers, so that the
// workflow, which replays, does no I/O.
//
// AWS's order of events: MapStateStarted (length 0 when the items come
// from a reader, as they are not known yet), then the evaluation of the
// reader's, batcher's and writer's settings (a bad MaxItemsPath fails the
// state with States.Runtime there), MapRunStarted, the child executions,
// the ResultWriter, and MapRunSucceeded or MapRunFailed.

// defaultDistributedConcurrency is how many child executions a Distributed
// Map runs at a time when MaxConcurrency is 0 (AWS's limit).
const defaultDistributedConcurrency = 10000

// runDistributed is the body of a Map with an ItemReader, ItemBatcher or
// ResultWriter; runMap's counterpart for those fields.
func (ex *execution) runDistributed(ctx context.Context, sc *stateRun, s *asl.Map, in any) (outcome, error) {
	sc.hasRetry = true
	dp := sc.plan()
	var cfg *mapConfig
	if dp.reader == nil {
		// The items are the state input's (ItemsPath or Items).
		c, err := sc.mapConfig(ctx, s, in)
		if err != nil {
			if isQueryError(err) {
				ex.emit(sc.th, "MapStateFailed", nil)
			}
			return outcome{}, err
		}
		cfg = c
	} else {
		// AWS does not read ItemsPath when an ItemReader gives the items.
		c, err := sc.concurrency(ctx, s, in)
		if err != nil {
			if isQueryError(err) {
				ex.emit(sc.th, "MapStateFailed", nil)
			}
			return outcome{}, err
		}
		cfg = c
	}
	var rs retryState
	for attempt := 0; ; attempt++ {
		sc.ctxObj = nil
		ex.emit(sc.th, "MapStateStarted", &history.MapStateStartedEventDetails{Length: len(cfg.items)})
		if attempt == 0 {
			if err := sc.tolerance(ctx, s, in, cfg); err != nil {
				return outcome{}, err
			}
			if ex.test != nil {
				ex.test.noteMap(sc, cfg, dp.reader == nil)
			}
		}
		run, err := sc.prepareRun(ctx, s, cfg, in)
		if err != nil {
			if isQueryError(err) {
				ex.emit(sc.th, "MapStateFailed", nil)
			}
			return outcome{}, err
		}
		if err := run.takePrior(ctx, attempt); err != nil {
			ex.emit(sc.th, "MapStateFailed", nil)
			return outcome{}, err
		}
		run.emitStart()
		run.observeStart()
		var (
			result any
			ferr   error
		)
		if ex.test != nil && ex.test.mocked {
			result, ferr = ex.test.mockRun(ctx, run)
		} else {
			result, ferr = run.execute(ctx)
			var se *stateError
			if errors.As(ferr, &se) && se.name == fault.Runtime && !strings.HasPrefix(se.cause, "An error occurred") {
				// The object store's own States.Runtime (none configured):
				// name the state, as the engine's do.
				ferr = &stateError{name: se.name, cause: sc.prefix() + se.cause}
			}
		}
		if isAbort(ferr) || (ferr == nil && ctx.Err() != nil) {
			// The execution is stopping (stopped, timed out, or a failing
			// sibling branch): the map run is aborted with it.
			ex.emit(sc.th, "MapRunAborted", nil)
			ex.emit(sc.th, "MapStateAborted", nil)
			if ferr == nil {
				ferr = ctx.Err()
			}
			run.observeEnd(StatusAborted, ferr)
			return outcome{}, ferr
		}
		if ferr == nil {
			ex.emit(sc.th, "MapRunSucceeded", nil)
			ex.emit(sc.th, "MapStateSucceeded", nil)
			run.observeEnd(StatusSucceeded, nil)
			return outcome{result: result}, nil
		}
		se := ferr.(*stateError)
		ex.emit(sc.th, "MapRunFailed", &history.ErrorDetails{Error: se.name, Cause: se.cause})
		run.observeEnd(StatusFailed, se)
		retry, o, err := sc.recover(ctx, &sc.n.recovery, &rs, se)
		if retry {
			continue
		}
		return o, err
	}
}

// mapRunArn returns the ARN of a new map run of s, and its id (the ARN's
// last part).
func (ex *execution) mapRunArn(s *asl.Map) (arn, id string) {
	id = ex.rt.UUID()
	return "arn:aws:states:" + ex.opts.Region + ":" + ex.opts.AccountID + ":mapRun:" + ex.opts.StateMachineName + "/" + mapLabel(s) + ":" + id, id
}

// mapLabel is the Map's Label, or its name.
func mapLabel(s *asl.Map) string {
	if s.Label != "" {
		return s.Label
	}
	return s.Name
}

// concurrency evaluates MaxConcurrency(Path) alone, for a Map whose
// items come from a reader.
func (sc *stateRun) concurrency(ctx context.Context, s *asl.Map, in any) (*mapConfig, error) {
	cfg := &mapConfig{distributed: true, limit: int(s.MaxConcurrency)}
	if jp := sc.n.jp; jp != nil {
		if jp.maxConcurrency != nil {
			n, err := sc.jsonataCount(ctx, jp.maxConcurrency, "MaxConcurrency", sc.states(in, nil, false, nil))
			if err != nil {
				return nil, err
			}
			cfg.limit = int(n)
		}
		return cfg, nil
	}
	if p := s.MaxConcurrencyPath; p != nil {
		n, err := sc.maxConcurrencyPath(p, in)
		if err != nil {
			return nil, err
		}
		cfg.limit = n
	}
	return cfg, nil
}

// mapRun is one run of a Distributed Map's child executions.
type mapRun struct {
	ex  *execution
	sc  *stateRun
	s   *asl.Map
	cfg *mapConfig
	in  any

	arn, id string
	label   string

	// What gives the items: a reader (openReader, once MapRunStarted is
	// recorded), or the input's items.
	openReader func(ctx context.Context) (itemSource, error)
	src        itemSource

	// Batching: maxItems and maxBytes per batch (0: no limit), and the
	// BatchInput; batching false: one item per child.
	batching           bool
	maxItems, maxBytes int64
	batchInput         any

	writer *items.WriterConfig // nil: the result is the array of outputs
	objs   items.Objects

	selects bool          // the Map has an ItemSelector
	base    *value.Object // the context object for ItemSelector
	limit   int           // MaxConcurrency
	// window is how many children run, or wait in the runtime's queue, at
	// once: limit, or more with a runtime that queues children
	// (ChildQueue), which then runs at most gate (the limit) at a time.
	window, gate int

	results []any            // the children's outputs, without a writer
	spool   items.ResultSink // the children's results, with a writer (distmap_results.go)

	held    any // an item read that did not fit the last batch
	hasHeld bool
	sizeBuf []byte // the JSON text of the item being batched by size

	read, failures, running int // items read, items failed, children running
	nChildren               int
	eof, stop               bool
	failure                 error
	cancel                  context.CancelFunc

	// With Options.MapRuns (distmap_observe.go): what the observer knows
	// of the run, and the settings UpdateMapRun changes.
	info       *MapRunInfo
	ctl        *MapRunControl
	ctlVersion int
	summary    bool // the observer wants a summary only (MapRunSummaryObserver)

	// With Options.PriorMapRuns (distmap_resume.go): the earlier run
	// this one takes up, whether a redrive took it up (redrive) or it is
	// recorded as redriven (redriven), and its redrive count.
	prior             *PriorMapRun
	redrive, redriven bool
	redriveCount      int
}

// itemSource yields items one at a time (io.EOF at the end).
type itemSource interface {
	Next(ctx context.Context) (any, error)
	Close() error
}

// sliceSource is an itemSource over items in memory (the state input's,
// which it leaves as they are: the input is still the state's).
type sliceSource struct {
	items []any
	i     int
}

func (s *sliceSource) Next(context.Context) (any, error) {
	if s.i >= len(s.items) {
		return nil, io.EOF
	}
	v := s.items[s.i]
	s.i++
	return v, nil
}

func (s *sliceSource) Close() error { return nil }

// execute runs the child executions and the ResultWriter, and returns the
// Map's result.
func (r *mapRun) execute(ctx context.Context) (any, error) {
	sc, rt := r.sc, r.ex.rt
	src, err := r.openReader(ctx)
	if err != nil {
		return nil, err
	}
	r.src = src
	defer func() { _ = src.Close() }()
	if err := r.openSpool(); err != nil {
		return nil, err
	}
	defer r.closeSpool()
	ictx, cancel := rt.WithCancel(ctx)
	defer cancel()
	r.cancel = cancel
	r.selects = r.s.ItemSelector != nil || (sc.n.jp != nil && sc.n.jp.itemSelector != nil)
	if r.selects {
		r.base = sc.context()
	}
	r.queueDepth()
	for {
		if r.applyControl(); r.gate == 0 {
			r.window = r.limit
		}
		for !r.stop && !r.eof && r.running < r.window && ctx.Err() == nil {
			if !r.startNext(ctx, ictx) {
				break
			}
		}
		if r.running == 0 && (r.stop || r.eof || ctx.Err() != nil) {
			break
		}
		wctx, done := r.waitContext(ctx)
		_ = rt.Await(wctx, func() bool {
			return r.running == 0 || (!r.stop && ctx.Err() == nil && r.running < r.window && !r.eof)
		})
		done()
	}
	if r.failure == nil && r.over(true) {
		r.failure = exceeded()
	}
	if r.failure != nil {
		return nil, r.failedResults(ctx)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if r.writer == nil {
		return r.results, nil
	}
	return r.writeResults(ctx)
}

// exceeded is the failure of a map run past its tolerated failures.
func exceeded() *stateError {
	return &stateError{name: fault.ExceedToleratedFailureThreshold, cause: "The specified tolerated failure threshold was exceeded"}
}

// over reports whether the failures so far exceed the tolerance. The
// percentage is of all items, known once the reader is exhausted (final:
// the run is over).
func (r *mapRun) over(final bool) bool {
	r.applyControl()
	cfg := r.cfg
	if !cfg.hasN && !cfg.hasP {
		return r.failures > 0
	}
	if cfg.hasN && int64(r.failures) > cfg.toleratedN {
		return true
	}
	return cfg.hasP && (r.eof || final) && r.read > 0 && float64(r.failures)*100/float64(r.read) > cfg.toleratedP
}

// next reads the next item and applies the ItemSelector; ok is false at
// the end of the items or on an error (recorded as the run's failure).
func (r *mapRun) next(ctx context.Context) (item any, ok bool) {
	if r.hasHeld {
		r.hasHeld = false
		v := r.held
		r.held = nil
		return v, true
	}
	v, err := r.src.Next(ctx)
	if err == io.EOF {
		r.eof = true
		return nil, false
	}
	if err != nil {
		r.fail(readerError(err))
		return nil, false
	}
	i := r.read
	r.read++
	if !r.selects {
		return v, true
	}
	sel, err := r.sc.itemSelector(ctx, r.s, r.base, &mapItem{index: i, value: v}, r.in)
	if err != nil {
		r.fail(err)
		return nil, false
	}
	return sel, true
}

// fail stops the run with err.
func (r *mapRun) fail(err error) {
	if r.failure == nil {
		r.failure = err
	}
	r.stop = true
	r.cancel()
}

// startNext reads the next child's input (an item, or a batch) and starts
// the child. It returns false when there was nothing to start.
func (r *mapRun) startNext(ctx, ictx context.Context) bool {
	input, count, ok := r.nextInput(ctx)
	if !ok {
		return false
	}
	r.start(ictx, input, count)
	return true
}

// nextInput reads the next child's input, an item or a batch of count
// items; ok is false when there is none.
func (r *mapRun) nextInput(ctx context.Context) (input any, count int, ok bool) {
	if !r.batching {
		v, ok := r.next(ctx)
		if !ok {
			return nil, 0, false
		}
		return v, 1, true
	}
	batch, ok := r.nextBatch(ctx)
	if !ok {
		return nil, 0, false
	}
	return r.batchObject(batch), len(batch), true
}

// batchObject is a child's input for a batch: its BatchInput, if any, and
// its Items.
func (r *mapRun) batchObject(batch []any) *value.Object {
	o := value.NewObject(2)
	if r.batchInput != nil {
		o.Append("BatchInput", r.batchInput)
	}
	o.Append("Items", batch)
	return o
}

// nextBatch reads the items of the next batch: up to maxItems, and as
// many as fit in maxBytes (a single item always makes a batch).
func (r *mapRun) nextBatch(ctx context.Context) ([]any, bool) {
	var (
		batch []any
		size  int64
	)
	if r.maxBytes > 0 {
		// {"BatchInput":...,"Items":[]}
		size = int64(len(`{"Items":[]}`))
		if r.batchInput != nil {
			size += int64(len(`"BatchInput":,`) + len(value.EncodeString(r.batchInput)))
		}
	}
	for r.maxItems == 0 || int64(len(batch)) < r.maxItems {
		v, ok := r.next(ctx)
		if !ok {
			break
		}
		if r.maxBytes > 0 {
			r.sizeBuf = value.Append(r.sizeBuf[:0], v)
			n := int64(len(r.sizeBuf))
			if len(batch) > 0 {
				n++ // the comma
			}
			if len(batch) > 0 && size+n > r.maxBytes {
				r.held, r.hasHeld = v, true
				break
			}
			size += n
		}
		batch = append(batch, v)
	}
	if r.stop || len(batch) == 0 {
		return nil, false
	}
	return batch, true
}

// start starts a child execution on input (count items).
func (r *mapRun) start(ictx context.Context, input any, count int) {
	if r.reuse(input, count) {
		return
	}
	ex, sc := r.ex, r.sc
	i := r.nChildren
	r.nChildren++
	th := sc.th.child(nil)
	th.silent = true
	l := r.newChildLog(th, input)
	sc.traceChild(th, PathIteration, i)
	r.takePriorChild(l, i)
	obs := r.observeChild(th, l, i, count)
	if r.writer == nil {
		r.results = append(r.results, nil)
	}
	r.running++
	ex.rt.Go(r.childContext(ictx, l), func(c context.Context) {
		defer func() { r.running-- }()
		out, err := r.runChild(c, th, l, input)
		if l.over {
			err = historyLimitError()
		}
		r.observeChildEnd(c, th, obs, out, err)
		switch {
		case err == errChildNotStarted:
			r.spoolNotStarted(i, input)
		case err == nil && (c.Err() == nil || l.succeeded):
			if r.writer == nil {
				r.results[i] = out
			}
			r.spoolChild(i, l, StatusSucceeded, out, nil)
		case err == nil || isAbort(err) || r.stop:
			r.spoolChild(i, l, StatusAborted, nil, nil)
		default:
			r.spoolChild(i, l, StatusFailed, nil, err)
			r.failures += count
			if r.over(false) {
				r.fail(exceeded())
			}
		}
	})
}
