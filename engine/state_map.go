package engine

import (
	"context"
	"strings"

	"github.com/stepwise/stepwise/asl"
	"github.com/stepwise/stepwise/asl/fault"
	"github.com/stepwise/stepwise/asl/jsonata"
	"github.com/stepwise/stepwise/asl/jsonpath"
	"github.com/stepwise/stepwise/asl/value"
	"github.com/stepwise/stepwise/engine/history"
)

// mapConfig is a Map state's run-time settings.
type mapConfig struct {
	items       []any
	limit       int // concurrent iterations; 0: no limit
	toleratedN  int64
	toleratedP  float64
	hasN, hasP  bool
	distributed bool
}

// runMap is a Map state's body: the item processor runs once per item, at
// most MaxConcurrency at a time, and the result is the array of the
// iterations' outputs in item order.
func (ex *execution) runMap(ctx context.Context, sc *stateRun, s *asl.Map, in any) (outcome, error) {
	if sc.n.dist != nil || (s.ProcessorMode == "DISTRIBUTED" && (ex.opts.MapRuns != nil || ex.opts.NoObjects == "")) {
		// A Distributed Map runs its children as executions of their own
		// (their context object, their history limit) and, observed, tells
		// the observer about each. Only a runtime that can read no items
		// (NoObjects) runs them as iterations.
		return ex.runDistributed(ctx, sc, s, in)
	}
	sc.hasRetry = true
	cfg, err := sc.mapConfig(ctx, s, in)
	if err != nil {
		if isQueryError(err) {
			ex.emit(sc.th, "MapStateFailed", nil)
		}
		return outcome{}, err
	}
	var rs retryState
	for attempt := 0; ; attempt++ {
		sc.ctxObj = nil
		ex.emit(sc.th, "MapStateStarted", &history.MapStateStartedEventDetails{Length: len(cfg.items)})
		if attempt == 0 {
			// AWS reads the tolerated failure settings after MapStateStarted.
			if err := sc.tolerance(ctx, s, in, cfg); err != nil {
				return outcome{}, err
			}
			if ex.test != nil {
				ex.test.noteMap(sc, cfg, true)
			}
		}
		if cfg.distributed {
			arn, _ := ex.mapRunArn(s)
			ex.emit(sc.th, "MapRunStarted", &history.MapRunStartedEventDetails{MapRunArn: arn})
		}
		var (
			results []any
			ferr    error
		)
		if ex.test != nil && ex.test.mocked {
			results, ferr = ex.test.mockMap(ctx, sc, s, cfg, in)
		} else {
			results, ferr = ex.runIterations(ctx, sc, s, cfg, in)
		}
		if isAbort(ferr) || (ferr == nil && ctx.Err() != nil) {
			if cfg.distributed {
				ex.emit(sc.th, "MapRunAborted", nil)
			}
			ex.emit(sc.th, "MapStateAborted", nil)
			if ferr == nil {
				ferr = ctx.Err()
			}
			return outcome{}, ferr
		}
		if ferr == nil {
			if cfg.distributed {
				ex.emit(sc.th, "MapRunSucceeded", nil)
			}
			ex.emit(sc.th, "MapStateSucceeded", nil)
			return outcome{result: results}, nil
		}
		se := ferr.(*stateError)
		if cfg.distributed {
			ex.emit(sc.th, "MapRunFailed", &history.ErrorDetails{Error: se.name, Cause: se.cause})
		}
		retry, o, err := sc.recover(ctx, &sc.n.recovery, &rs, se)
		if retry {
			continue
		}
		return o, err
	}
}

// mapConfig evaluates ItemsPath, MaxConcurrency(Path) and the tolerated
// failure settings.
func (sc *stateRun) mapConfig(ctx context.Context, s *asl.Map, in any) (*mapConfig, error) {
	cfg := &mapConfig{distributed: s.ProcessorMode == "DISTRIBUTED", limit: int(s.MaxConcurrency)}
	if jp := sc.n.jp; jp != nil {
		return cfg, sc.jsonataMapConfig(ctx, jp, cfg, in)
	}
	items := in
	if s.ItemsPath != nil && !s.ItemsPath.Null && s.ItemsPath.Path != nil {
		v, err := sc.evalPath(s.ItemsPath.Path, in)
		if err != nil {
			return nil, err
		}
		items = v
	}
	arr, ok := items.([]any)
	if !ok {
		if p := s.ItemsPath; sc.ex.test != nil && p != nil && p.Path != nil && strings.HasPrefix(p.Path.String(), "$$") {
			// TestState's message for an ItemsPath into the context
			// object, which names the path inside it (AWS's record).
			return nil, &stateError{name: fault.Runtime, cause: "Reference path \"" + p.Path.String()[1:] + "\" must point to array."}
		}
		return nil, sc.runtimeErr("Map state input must be an array but was: " + value.EncodeString(items))
	}
	cfg.items = arr
	if p := s.MaxConcurrencyPath; p != nil {
		n, err := sc.maxConcurrencyPath(p, in)
		if err != nil {
			return nil, err
		}
		cfg.limit = n
	}
	return cfg, nil
}

// maxConcurrencyPath evaluates a Map's MaxConcurrencyPath on its input:
// a non-negative integer, else a States.Runtime error.
func (sc *stateRun) maxConcurrencyPath(p *jsonpath.Path, in any) (int, error) {
	v, err := sc.pathValue(p, in)
	if err != nil {
		return 0, err
	}
	n, ok := intValue(v)
	if !ok {
		return 0, sc.runtimeErr("The MaxConcurrencyPath field refers to value \"" + describe(v) + "\" which is not a valid integer: " + p.String())
	}
	if n < 0 {
		return 0, sc.runtimeErr("MaxConcurrency cannot be negative.")
	}
	return int(n), nil
}

// jsonataMapConfig evaluates a JSONata Map's Items (not set: the input)
// and MaxConcurrency.
func (sc *stateRun) jsonataMapConfig(ctx context.Context, jp *jsonataPlan, cfg *mapConfig, in any) error {
	states := sc.states(in, nil, false, nil)
	items := in
	if jp.items != nil {
		v, err := sc.evalJSONata(ctx, jp.items, "Items", states)
		if err != nil {
			return err
		}
		if _, ok := v.([]any); !ok {
			return sc.typeErr(jp.items, "Items", "array", v)
		}
		items = v
	}
	arr, ok := items.([]any)
	if !ok {
		return sc.queryFailure("Items", "Map state input must be an array but was: "+value.EncodeString(items))
	}
	cfg.items = arr
	if jp.maxConcurrency != nil {
		n, err := sc.jsonataCount(ctx, jp.maxConcurrency, "MaxConcurrency", states)
		if err != nil {
			return err
		}
		cfg.limit = int(n)
	}
	return nil
}

// jsonataCount evaluates a JSONata expression whose result must be a
// non-negative integer.
func (sc *stateRun) jsonataCount(ctx context.Context, t *jsonata.Template, field string, states *value.Object) (int64, error) {
	v, err := sc.evalJSONata(ctx, t, field, states)
	if err != nil {
		return 0, err
	}
	n, ok := intValue(v)
	if _, isStr := v.(string); isStr || !ok || n < 0 {
		return 0, sc.typeErr(t, field, "integer", v)
	}
	return n, nil
}

// tolerance evaluates ToleratedFailureCount(Path) and
// ToleratedFailurePercentage(Path), or their JSONata expressions.
func (sc *stateRun) tolerance(ctx context.Context, s *asl.Map, in any, cfg *mapConfig) error {
	if jp := sc.n.jp; jp != nil && (jp.toleratedN != nil || jp.toleratedP != nil) {
		states := sc.states(in, nil, false, nil)
		if jp.toleratedN != nil {
			n, err := sc.jsonataCount(ctx, jp.toleratedN, "ToleratedFailureCount", states)
			if err != nil {
				return err
			}
			cfg.toleratedN, cfg.hasN = n, true
		}
		if jp.toleratedP != nil {
			v, err := sc.evalJSONata(ctx, jp.toleratedP, "ToleratedFailurePercentage", states)
			if err != nil {
				return err
			}
			f, ok := value.ToFloat(v)
			if !ok || f < 0 || f > 100 {
				return sc.typeErr(jp.toleratedP, "ToleratedFailurePercentage", "number", v)
			}
			cfg.toleratedP, cfg.hasP = f, true
		}
	}
	switch {
	case s.ToleratedFailureCount != nil:
		cfg.toleratedN, cfg.hasN = *s.ToleratedFailureCount, true
	case s.ToleratedFailureCountPath != nil:
		p := s.ToleratedFailureCountPath
		v, err := sc.pathValue(p, in)
		if err != nil {
			return err
		}
		n, ok := intValue(v)
		if !ok {
			return sc.runtimeErr("The ToleratedFailureCountPath field refers to value \"" + describe(v) + "\" which is not a valid integer: " + p.String())
		}
		cfg.toleratedN, cfg.hasN = n, true
	}
	if cfg.hasN && cfg.toleratedN < 0 {
		return sc.runtimeErr("ToleratedFailureCount cannot be negative.")
	}
	switch {
	case s.ToleratedFailurePercentage != nil:
		cfg.toleratedP, cfg.hasP = *s.ToleratedFailurePercentage, true
	case s.ToleratedFailurePercentagePath != nil:
		p := s.ToleratedFailurePercentagePath
		v, err := sc.pathValue(p, in)
		if err != nil {
			return err
		}
		f, ok := floatValue(v)
		if !ok {
			return sc.runtimeErr("The ToleratedFailurePercentagePath field refers to value \"" + describe(v) + "\" which is not a valid float: " + p.String())
		}
		cfg.toleratedP, cfg.hasP = f, true
	}
	if cfg.hasP && (cfg.toleratedP < 0 || cfg.toleratedP > 100) {
		return sc.runtimeErr("ToleratedFailurePercentage must be between 0 and 100.")
	}
	return nil
}

func (sc *stateRun) pathValue(p *jsonpath.Path, in any) (any, error) {
	return sc.evalPath(p, in)
}

// exceeded reports whether failures out of n items exceed the tolerance.
func (cfg *mapConfig) exceeded(failures, n int) bool {
	if !cfg.hasN && !cfg.hasP {
		return failures > 0
	}
	if cfg.hasN && int64(failures) > cfg.toleratedN {
		return true
	}
	if cfg.hasP && n > 0 && float64(failures)*100/float64(n) > cfg.toleratedP {
		return true
	}
	return false
}

// iterations is the running of a Map's iterations (see runIterations).
type iterations struct {
	ex      *execution
	sc      *stateRun
	s       *asl.Map
	cfg     *mapConfig
	in      any           // the Map's input (ItemSelector's $)
	base    *value.Object // the state's context object, for ItemSelector
	results []any
	limit   int // iterations at a time
	cancel  context.CancelFunc

	next, running, failures int
	failure                 error
	stop                    bool

	// Iterations run in line share one thread, reset for each; batch holds
	// those started but not yet run.
	inlineTh thread
	batch    []pendingIteration
}

// pendingIteration is an iteration started in line, to run in a batch.
type pendingIteration struct {
	i      int
	itemIn any
	last   int64 // the iteration's MapIterationStarted
}

// runIterations launches the iterations, at most cfg.limit at a time, and
// joins them.
//
// When the item processor cannot block (Pass, Choice, Succeed and Fail
// states only) and no other goroutine is ready to run, a batch of
// iterations runs in the Map's own goroutine, one after the other: with a
// goroutine each, they would run in that same order, each to its end,
// before the Map goroutine runs again, so the history is the same.
func (ex *execution) runIterations(ctx context.Context, sc *stateRun, s *asl.Map, cfg *mapConfig, in any) ([]any, error) {
	rt := ex.rt
	n := len(cfg.items)
	it := &iterations{ex: ex, sc: sc, s: s, cfg: cfg, in: in, results: make([]any, n), limit: cfg.limit}
	if n == 0 {
		return it.results, nil
	}
	if it.limit <= 0 || it.limit > n {
		it.limit = n
	}
	ictx, cancel := rt.WithCancel(ctx)
	defer cancel()
	it.cancel = cancel
	if it.selects() {
		it.base = sc.context()
	}
	inlinable := sc.n.proc.nonBlocking
	for {
		inline := inlinable && rt.Idle()
		// The context is checked once per round: a stop that lands during
		// the round is seen by the iterations it starts.
		for live := ctx.Err() == nil; live && !it.stop && it.running < it.limit && it.next < n; {
			if !it.start(ctx, ictx, inline) {
				break
			}
		}
		it.runBatch(ictx)
		if it.running == 0 && (it.stop || it.next >= n || ctx.Err() != nil) {
			break
		}
		_ = rt.Await(context.WithoutCancel(ctx), func() bool {
			return it.running == 0 || (!it.stop && ctx.Err() == nil && it.running < it.limit && it.next < n)
		})
	}
	if it.failure != nil {
		return nil, it.failure
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return it.results, nil
}

// selects reports whether the Map has an ItemSelector.
func (it *iterations) selects() bool {
	return it.s.ItemSelector != nil || (it.sc.n.jp != nil && it.sc.n.jp.itemSelector != nil)
}

// start starts the next iteration: its ItemSelector, its
// MapIterationStarted event, then a goroutine or, inline, a place in the
// batch. It returns false when the ItemSelector failed (the Map then
// stops).
func (it *iterations) start(ctx, ictx context.Context, inline bool) bool {
	ex, sc := it.ex, it.sc
	i := it.next
	it.next++
	item := it.cfg.items[i]
	var mi *mapItem
	if inline {
		it.inlineTh.reset(sc.th, nil)
		it.inlineTh.item = mapItem{index: i, value: item}
		mi = &it.inlineTh.item
	} else {
		mi = &mapItem{index: i, value: item}
	}
	itemIn := item
	if it.selects() {
		v, err := sc.itemSelector(ctx, it.s, it.base, mi, it.in)
		if err != nil {
			it.failure, it.stop = err, true
			it.cancel()
			return false
		}
		itemIn = v
	}
	th := &it.inlineTh
	if !inline {
		th = sc.th.child(mi)
	}
	sc.traceChild(th, PathIteration, i)
	if it.cfg.distributed {
		th.silent = true
	}
	if ex.recording(th) {
		d := ex.iterSlab.get()
		d.Name, d.Index = it.s.Name, i
		ex.emit(th, "MapIterationStarted", d)
	} else {
		ex.emit(th, "MapIterationStarted", nil)
	}
	it.running++
	if inline {
		if it.batch == nil {
			it.batch = make([]pendingIteration, 0, min(it.limit, len(it.cfg.items)-i))
		}
		it.batch = append(it.batch, pendingIteration{i: i, itemIn: itemIn, last: th.last})
		return true
	}
	ex.rt.Go(ictx, func(c context.Context) {
		defer func() { it.running-- }()
		it.iterate(c, th, i, itemIn)
	})
	return true
}

// runBatch runs the iterations started in line, one after the other, on
// the shared thread.
func (it *iterations) runBatch(ictx context.Context) {
	for j := range it.batch {
		p := &it.batch[j]
		th := &it.inlineTh
		th.reset(it.sc.th, nil)
		th.item = mapItem{index: p.i, value: it.cfg.items[p.i]}
		th.mapIt = &th.item
		th.last = p.last
		it.sc.traceChild(th, PathIteration, p.i)
		if it.cfg.distributed {
			th.silent = true
		}
		it.iterate(ictx, th, p.i, p.itemIn)
		it.running--
		*p = pendingIteration{}
	}
	it.batch = it.batch[:0]
}

// iterate runs iteration i to its end and records how it ended; a failure
// past the tolerance stops the Map.
func (it *iterations) iterate(c context.Context, th *thread, i int, itemIn any) {
	ex := it.ex
	out, err := ex.runGraph(c, th, it.sc.n.proc, itemIn)
	var d *history.MapIterationEventDetails
	if ex.recording(th) {
		d = ex.iterSlab.get()
		d.Name, d.Index = it.s.Name, i
	}
	switch {
	case err == nil && c.Err() == nil:
		it.results[i] = out
		ex.emit(th, "MapIterationSucceeded", d)
	case err == nil || isAbort(err) || it.stop:
		ex.emit(th, "MapIterationAborted", d)
	default:
		ex.emit(th, "MapIterationFailed", d)
		it.failures++
		if it.cfg.exceeded(it.failures, len(it.cfg.items)) {
			it.failure = err
			if it.cfg.distributed {
				it.failure = &stateError{name: fault.ExceedToleratedFailureThreshold, cause: "The specified tolerated failure threshold was exceeded"}
			}
			it.stop = true
			it.cancel()
		}
	}
}

// itemSelector evaluates the ItemSelector of the iteration of item it: a
// JSONPath template with $ the Map's input, or a JSONata template against
// $states.input; both see the context object with $$.Map.Item (base is
// the state's context object, nil when the state cannot read it).
func (sc *stateRun) itemSelector(ctx context.Context, s *asl.Map, base *value.Object, it *mapItem, in any) (any, error) {
	var ictxObj *value.Object
	if base != nil {
		ictxObj = value.NewObject(base.Len() + 1)
		for k := 0; k < base.Len(); k++ {
			key, v := base.At(k)
			if key != "Map" {
				ictxObj.Append(key, v)
			}
		}
		ictxObj.Append("Map", it.object())
	}
	if jp := sc.n.jp; jp != nil {
		states := value.NewObject(2)
		states.Append("input", in)
		if ictxObj != nil {
			states.Append("context", ictxObj)
		}
		return sc.evalJSONata(ctx, jp.itemSelector, "ItemSelector", states)
	}
	env := sc.env(in)
	if ictxObj != nil {
		env.Context = ictxObj
	}
	v, err := s.ItemSelector.Eval(env)
	if err != nil {
		return nil, sc.evalErr(err)
	}
	return v, nil
}
