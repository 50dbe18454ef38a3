package engine

import (
	"context"

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
		}
		if cfg.distributed {
			label := s.Label
			if label == "" {
				label = s.Name
			}
			ex.emit(sc.th, "MapRunStarted", &history.MapRunStartedEventDetails{
				MapRunArn: "arn:aws:states:" + ex.opts.Region + ":" + ex.opts.AccountID + ":mapRun:" + ex.opts.StateMachineName + "/" + label + ":" + ex.rt.UUID(),
			})
		}
		var (
			results []any
			ferr    error
		)
		if ex.test != nil && ex.test.mocked {
			results, ferr = ex.test.mockResults()
		} else {
			results, ferr = ex.runIterations(ctx, sc, s, cfg, in)
		}
		if isAbort(ferr) || (ferr == nil && ctx.Err() != nil) {
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
		return nil, sc.runtimeErr("Map state input must be an array but was: " + value.EncodeString(items))
	}
	cfg.items = arr
	if p := s.MaxConcurrencyPath; p != nil {
		v, err := sc.pathValue(p, in)
		if err != nil {
			return nil, err
		}
		n, ok := intValue(v)
		if !ok {
			return nil, sc.runtimeErr("The MaxConcurrencyPath field refers to value \"" + describe(v) + "\" which is not a valid integer: " + p.String())
		}
		if n < 0 {
			return nil, sc.runtimeErr("MaxConcurrency cannot be negative.")
		}
		cfg.limit = int(n)
	}
	return cfg, nil
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
	results := make([]any, n)
	if n == 0 {
		return results, nil
	}
	limit := cfg.limit
	if limit <= 0 || limit > n {
		limit = n
	}
	ictx, cancel := rt.WithCancel(ctx)
	defer cancel()
	var (
		nextItem, running, failures int
		failure                     error
		stop                        bool
	)
	proc := sc.n.proc
	inlinable := proc.nonBlocking
	var base *value.Object
	if s.ItemSelector != nil || (sc.n.jp != nil && sc.n.jp.itemSelector != nil) {
		base = sc.context()
	}
	type pending struct {
		i      int
		itemIn any
		last   int64 // the iteration's MapIterationStarted
	}
	iterate := func(c context.Context, th *thread, i int, itemIn any) {
		out, err := ex.runGraph(c, th, proc, itemIn)
		var d *history.MapIterationEventDetails
		if ex.recording(th) {
			d = ex.iterSlab.get()
			d.Name, d.Index = s.Name, i
		}
		switch {
		case err == nil && c.Err() == nil:
			results[i] = out
			ex.emit(th, "MapIterationSucceeded", d)
		case err == nil || isAbort(err) || stop:
			ex.emit(th, "MapIterationAborted", d)
		default:
			ex.emit(th, "MapIterationFailed", d)
			failures++
			if cfg.exceeded(failures, n) {
				failure = err
				if cfg.distributed {
					failure = &stateError{name: fault.ExceedToleratedFailureThreshold, cause: "The specified tolerated failure threshold was exceeded"}
				}
				stop = true
				cancel()
			}
		}
	}
	// Iterations run in line share one thread, reset for each.
	var (
		inlineTh thread
		batch    []pending
	)
	for {
		inline := inlinable && rt.Idle()
		for !stop && running < limit && nextItem < n && ctx.Err() == nil {
			i := nextItem
			nextItem++
			item := cfg.items[i]
			var it *mapItem
			if inline {
				inlineTh.init(sc.th, nil)
				inlineTh.item = mapItem{index: i, value: item}
				it = &inlineTh.item
			} else {
				it = &mapItem{index: i, value: item}
			}
			itemIn := item
			if s.ItemSelector != nil || (sc.n.jp != nil && sc.n.jp.itemSelector != nil) {
				v, err := sc.itemSelector(ctx, s, base, it, in)
				if err != nil {
					failure, stop = err, true
					cancel()
					break
				}
				itemIn = v
			}
			th := &inlineTh
			if !inline {
				th = sc.th.child(it)
			}
			sc.traceChild(th, PathIteration, i)
			if cfg.distributed {
				th.silent = true
			}
			if ex.recording(th) {
				d := ex.iterSlab.get()
				d.Name, d.Index = s.Name, i
				ex.emit(th, "MapIterationStarted", d)
			} else {
				ex.emit(th, "MapIterationStarted", nil)
			}
			running++
			if inline {
				if batch == nil {
					batch = make([]pending, 0, min(limit, n-i))
				}
				batch = append(batch, pending{i: i, itemIn: itemIn, last: th.last})
				continue
			}
			rt.Go(ictx, func(c context.Context) {
				defer func() { running-- }()
				iterate(c, th, i, itemIn)
			})
		}
		for j := range batch {
			p := &batch[j]
			th := &inlineTh
			th.init(sc.th, nil)
			th.item = mapItem{index: p.i, value: cfg.items[p.i]}
			th.mapIt = &th.item
			th.last = p.last
			sc.traceChild(th, PathIteration, p.i)
			if cfg.distributed {
				th.silent = true
			}
			iterate(ictx, th, p.i, p.itemIn)
			running--
			*p = pending{}
		}
		batch = batch[:0]
		if running == 0 && (stop || nextItem >= n || ctx.Err() != nil) {
			break
		}
		_ = rt.Await(context.WithoutCancel(ctx), func() bool {
			return running == 0 || (!stop && ctx.Err() == nil && running < limit && nextItem < n)
		})
	}
	if failure != nil {
		return nil, failure
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return results, nil
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
