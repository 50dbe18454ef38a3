package engine

import (
	"context"
	"errors"
	"io"
	"strings"

	"github.com/stepwise/stepwise/asl"
	"github.com/stepwise/stepwise/asl/fault"
	"github.com/stepwise/stepwise/asl/jsonpath"
	"github.com/stepwise/stepwise/asl/value"
	"github.com/stepwise/stepwise/engine/history"
	"github.com/stepwise/stepwise/integrations"
	"github.com/stepwise/stepwise/integrations/items"
)

// This file runs a Distributed Map that has an ItemReader, an ItemBatcher
// or a ResultWriter (compiled by distmap_compile.go). Items stream from
// the reader: at most MaxConcurrency child executions run at a time, each
// on at most one batch, so the items held at once are bounded by
// MaxConcurrency × the batch size, never the whole data set. Child
// executions record no events in the parent's history, as AWS keeps them
// in executions of their own.
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
	dp := sc.n.dist
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
		}
		run, err := sc.prepareRun(ctx, s, cfg, in)
		if err != nil {
			if isQueryError(err) {
				ex.emit(sc.th, "MapStateFailed", nil)
			}
			return outcome{}, err
		}
		ex.emit(sc.th, "MapRunStarted", &history.MapRunStartedEventDetails{MapRunArn: run.arn})
		var (
			result any
			ferr   error
		)
		if ex.test != nil && ex.test.mocked {
			result, ferr = ex.test.mockResults()
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
			return outcome{}, ferr
		}
		if ferr == nil {
			ex.emit(sc.th, "MapRunSucceeded", nil)
			ex.emit(sc.th, "MapStateSucceeded", nil)
			return outcome{result: result}, nil
		}
		se := ferr.(*stateError)
		ex.emit(sc.th, "MapRunFailed", &history.ErrorDetails{Error: se.name, Cause: se.cause})
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
	limit   int

	results  []any               // the children's outputs, without a writer
	children []items.ChildResult // the children, with a writer

	held    any // an item read that did not fit the last batch
	hasHeld bool
	sizeBuf []byte // the JSON text of the item being batched by size

	read, failures, running int // items read, items failed, children running
	nChildren               int
	eof, stop               bool
	failure                 error
	cancel                  context.CancelFunc
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

// prepareRun evaluates what the run needs before MapRunStarted: the
// reader's and writer's Parameters (Arguments), MaxItems(Path) and the
// batcher's settings.
func (sc *stateRun) prepareRun(ctx context.Context, s *asl.Map, cfg *mapConfig, in any) (*mapRun, error) {
	ex, dp := sc.ex, sc.n.dist
	r := &mapRun{ex: ex, sc: sc, s: s, cfg: cfg, in: in, label: mapLabel(s), objs: ex.opts.Objects}
	r.arn, r.id = ex.mapRunArn(s)
	r.limit = cfg.limit
	if r.limit <= 0 {
		r.limit = defaultDistributedConcurrency
	}
	if dp.reader != nil {
		open, err := sc.prepareReader(ctx, s, dp.reader, in)
		if err != nil {
			return nil, err
		}
		r.openReader = open
	} else {
		items := cfg.items
		r.openReader = func(context.Context) (itemSource, error) { return &sliceSource{items: items}, nil }
	}
	if dp.batcher != nil {
		if err := sc.prepareBatcher(ctx, dp.batcher, r, in); err != nil {
			return nil, err
		}
	}
	if dp.writer != nil {
		w, err := sc.prepareWriter(ctx, dp.writer, in)
		if err != nil {
			return nil, err
		}
		r.writer = w
	}
	return r, nil
}

// noObjects is the error of a Map whose field needs an object store when
// the execution has none.
func (sc *stateRun) noObjects(field string) *stateError {
	if why := sc.ex.opts.NoObjects; why != "" {
		return sc.runtimeErr("The field '" + field + "' of state '" + sc.c.Name + "' cannot run here: " + why)
	}
	return sc.runtimeErr("The field '" + field + "' of state '" + sc.c.Name + "' needs an object store to read items from and write results to, and none was given: " +
		"run with --s3-root DIR (a directory standing in for S3: DIR/<bucket>/<key>) on stepwise run, test or serve, " +
		"set engine.Options.Objects or stepwisetest.Objects (items.Dir or items.NewS3), or mock the Map state in the test case (its ItemReader's items).")
}

// prepareReader evaluates the ItemReader and returns what opens it.
func (sc *stateRun) prepareReader(ctx context.Context, s *asl.Map, rp *readerPlan, in any) (func(context.Context) (itemSource, error), error) {
	ex := sc.ex
	var params any = value.NewObject(0)
	switch {
	case rp.params != nil:
		v, err := sc.template(rp.params, in)
		if err != nil {
			return nil, err
		}
		params = v
	case rp.args != nil:
		v, err := sc.evalJSONata(ctx, rp.args, "ItemReader.Arguments", sc.states(in, nil, false, nil))
		if err != nil {
			return nil, err
		}
		params = v
	}
	rcfg := items.ReaderConfig{Resource: rp.resource}
	conf := rp.config
	maxItems := rp.maxItems
	if rp.configJ != nil {
		v, err := sc.evalJSONata(ctx, rp.configJ, "ItemReader.ReaderConfig", sc.states(in, nil, false, nil))
		if err != nil {
			return nil, err
		}
		o, ok := v.(*value.Object)
		if !ok {
			return nil, sc.typeErr(rp.configJ, "ItemReader.ReaderConfig", "object", v)
		}
		conf = o
		if mv, ok := o.Get("MaxItems"); ok {
			n, isInt := intValue(mv)
			if _, isStr := mv.(string); isStr || !isInt {
				return nil, sc.typeErr(rp.configJ, "ItemReader.ReaderConfig.MaxItems", "integer", mv)
			}
			maxItems = n
		}
	}
	if p := rp.maxItemsPath; p != nil {
		v, err := sc.pathValue(p, in)
		if err != nil {
			return nil, err
		}
		n, ok := intValue(v)
		if !ok {
			return nil, sc.runtimeErr("The MaxItemsPath field refers to value \"" + describe(v) + "\" which is not a valid integer: " + p.String())
		}
		maxItems = n
	}
	rcfg.MaxItems = maxItems
	if conf != nil {
		for i := 0; i < conf.Len(); i++ {
			k, v := conf.At(i)
			switch k {
			case "InputType":
				rcfg.InputType, _ = v.(string)
			case "CSVHeaderLocation":
				rcfg.CSVHeaderLocation, _ = v.(string)
			case "CSVDelimiter":
				rcfg.CSVDelimiter, _ = v.(string)
			case "Transformation":
				rcfg.Transformation, _ = v.(string)
			case "ManifestType":
				rcfg.ManifestType, _ = v.(string)
			case "CSVHeaders":
				arr, ok := v.([]any)
				if !ok {
					return nil, sc.runtimeErr("The field 'ItemReader.ReaderConfig.CSVHeaders' must be an array of strings, not " + value.TypeName(v))
				}
				for _, h := range arr {
					hs, ok := h.(string)
					if !ok {
						return nil, sc.runtimeErr("The field 'ItemReader.ReaderConfig.CSVHeaders' must be an array of strings, not " + value.EncodeString(v))
					}
					rcfg.CSVHeaders = append(rcfg.CSVHeaders, hs)
				}
			}
		}
	}
	po, ok := params.(*value.Object)
	if !ok {
		return nil, sc.runtimeErr("The ItemReader's parameters must be an object, not " + value.TypeName(params))
	}
	for i := 0; i < po.Len(); i++ {
		k, v := po.At(i)
		var dst *string
		switch k {
		case "Bucket":
			dst = &rcfg.Bucket
		case "Key":
			dst = &rcfg.Key
		case "Prefix":
			dst = &rcfg.Prefix
		case "VersionId", "VersionID":
			dst = &rcfg.VersionID
		default:
			if rcfg.Raw == nil {
				rcfg.Raw = map[string]any{}
			}
			rcfg.Raw[k] = v
			continue
		}
		str, isStr := v.(string)
		if !isStr {
			return nil, sc.runtimeErr("The ItemReader's parameter '" + k + "' must be a string, not " + value.EncodeString(v))
		}
		*dst = str
	}
	// A mocked ItemReader: the mocked result is the items.
	if m, ok := ex.opts.Invoker.(integrations.StateMocker); ok && m.MocksState(sc.c.Name) {
		t := &integrations.Task{StateName: sc.c.Name, Resource: rp.resource, Input: params, Execution: ex.taskExec}
		return func(ctx context.Context) (itemSource, error) {
			v, err := ex.rt.Invoke(ctx, ex.opts.Invoker, t)
			if err != nil {
				return nil, readerError(err)
			}
			arr, ok := v.([]any)
			if !ok {
				return nil, &stateError{name: fault.ItemReaderFailed, cause: "The mocked result of the ItemReader of state '" + sc.c.Name + "' must be an array of items, not " + value.TypeName(v)}
			}
			return &sliceSource{items: arr}, nil
		}, nil
	}
	if ex.opts.NoObjects != "" || ex.opts.Objects == nil {
		return nil, sc.noObjects("ItemReader")
	}
	return func(ctx context.Context) (itemSource, error) {
		if rcfg.MaxItems < 0 {
			return nil, &stateError{name: fault.ItemReaderFailed, cause: "field MaxItems must be positive"}
		}
		rd, err := items.NewReader(ctx, ex.opts.Objects, rcfg)
		if err != nil {
			return nil, readerError(err)
		}
		return rd, nil
	}, nil
}

// readerError is a reader's error as the state's: a *fault.Error keeps
// its name, anything else is States.ItemReaderFailed.
func readerError(err error) error {
	return namedError(err, fault.ItemReaderFailed)
}

// namedError keeps a *fault.Error's name (and passes an abort on); any
// other error becomes the error name.
func namedError(err error, name string) error {
	var fe *fault.Error
	if errors.As(err, &fe) {
		return &stateError{name: fe.Name, cause: fe.Cause}
	}
	var se *stateError
	if errors.As(err, &se) {
		return se
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return &stateError{name: name, cause: err.Error()}
}

// prepareBatcher evaluates the ItemBatcher.
func (sc *stateRun) prepareBatcher(ctx context.Context, bp *batcherPlan, r *mapRun, in any) error {
	r.batching = true
	r.maxItems, r.maxBytes = bp.maxItems, bp.maxBytes
	if bp.all != nil {
		v, err := sc.evalJSONata(ctx, bp.all, "ItemBatcher", sc.states(in, nil, false, nil))
		if err != nil {
			return err
		}
		o, ok := v.(*value.Object)
		if !ok {
			return sc.typeErr(bp.all, "ItemBatcher", "object", v)
		}
		for _, f := range []struct {
			name string
			dst  *int64
		}{{"MaxItemsPerBatch", &r.maxItems}, {"MaxInputBytesPerBatch", &r.maxBytes}} {
			if fv, ok := o.Get(f.name); ok {
				n, isInt := intValue(fv)
				if _, isStr := fv.(string); isStr || !isInt || n < 0 {
					return sc.typeErr(bp.all, "ItemBatcher."+f.name, "integer", fv)
				}
				*f.dst = n
			}
		}
		if bi, ok := o.Get("BatchInput"); ok {
			r.batchInput = bi
		}
	} else {
		for _, f := range []struct {
			name string
			dst  *int64
			path *jsonpath.Path
		}{{"MaxItemsPerBatchPath", &r.maxItems, bp.maxItemsPath}, {"MaxInputBytesPerBatchPath", &r.maxBytes, bp.maxBytesPath}} {
			if f.path == nil {
				continue
			}
			v, err := sc.pathValue(f.path, in)
			if err != nil {
				return err
			}
			n, ok := intValue(v)
			if !ok || n < 0 {
				return sc.runtimeErr("The " + f.name + " field refers to value \"" + describe(v) + "\" which is not a valid integer: " + f.path.String())
			}
			*f.dst = n
		}
		if bp.batchInput != nil {
			v, err := sc.template(bp.batchInput, in)
			if err != nil {
				return err
			}
			r.batchInput = v
		}
	}
	if r.maxBytes == 0 || (sc.ex.limit > 0 && r.maxBytes > int64(sc.ex.limit)) {
		// A batch is a child's input: at most the payload limit.
		r.maxBytes = int64(sc.ex.limit)
		if sc.ex.limit < 0 {
			r.maxBytes = 0
		}
	}
	return nil
}

// prepareWriter evaluates the ResultWriter.
func (sc *stateRun) prepareWriter(ctx context.Context, wp *writerPlan, in any) (*items.WriterConfig, error) {
	var params any
	if wp.params != nil {
		v, err := sc.template(wp.params, in)
		if err != nil {
			return nil, err
		}
		params = v
	} else {
		v, err := sc.evalJSONata(ctx, wp.args, "ResultWriter.Arguments", sc.states(in, nil, false, nil))
		if err != nil {
			return nil, err
		}
		params = v
	}
	po, ok := params.(*value.Object)
	if !ok {
		return nil, sc.runtimeErr("The ResultWriter's parameters must be an object, not " + value.TypeName(params))
	}
	w := &items.WriterConfig{}
	for i := 0; i < po.Len(); i++ {
		k, v := po.At(i)
		var dst *string
		switch k {
		case "Bucket":
			dst = &w.Bucket
		case "Prefix":
			dst = &w.Prefix
		default:
			return nil, sc.runtimeErr("The ResultWriter's parameter '" + k + "' is not one of Bucket, Prefix.")
		}
		str, isStr := v.(string)
		if !isStr {
			return nil, sc.runtimeErr("The ResultWriter's parameter '" + k + "' must be a string, not " + value.EncodeString(v))
		}
		*dst = str
	}
	if w.Bucket == "" {
		return nil, sc.runtimeErr("The ResultWriter's parameters name no Bucket.")
	}
	if c := wp.config; c != nil {
		if v, ok := member(c, "OutputType").(string); ok {
			w.OutputType = v
		}
		if v, ok := member(c, "Transformation").(string); ok {
			w.Transformation = v
		}
	}
	if sc.ex.opts.NoObjects != "" || sc.ex.opts.Objects == nil {
		return nil, sc.noObjects("ResultWriter")
	}
	return w, nil
}

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
	ictx, cancel := rt.WithCancel(ctx)
	defer cancel()
	r.cancel = cancel
	r.selects = r.s.ItemSelector != nil || (sc.n.jp != nil && sc.n.jp.itemSelector != nil)
	if r.selects {
		r.base = sc.context()
	}
	for {
		for !r.stop && !r.eof && r.running < r.limit && ctx.Err() == nil {
			if !r.startNext(ctx, ictx) {
				break
			}
		}
		if r.running == 0 && (r.stop || r.eof || ctx.Err() != nil) {
			break
		}
		_ = rt.Await(context.WithoutCancel(ctx), func() bool {
			return r.running == 0 || (!r.stop && ctx.Err() == nil && r.running < r.limit && !r.eof)
		})
	}
	if r.failure == nil && r.over(true) {
		r.failure = exceeded()
	}
	if r.failure != nil {
		return nil, r.failure
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if r.writer == nil {
		return r.results, nil
	}
	out, err := items.WriteResults(ctx, r.objs, *r.writer, r.arn, r.children)
	if err != nil {
		return nil, namedError(err, fault.ResultWriterFailed)
	}
	if o, ok := out.(*value.Object); ok && !o.Has("MapRunArn") {
		// What the Map outputs: the map run's ARN, then where its results are.
		full := value.NewObject(o.Len() + 1)
		full.Append("MapRunArn", r.arn)
		for i := 0; i < o.Len(); i++ {
			k, v := o.At(i)
			full.Append(k, v)
		}
		out = full
	}
	return out, nil
}

// exceeded is the failure of a map run past its tolerated failures.
func exceeded() *stateError {
	return &stateError{name: fault.ExceedToleratedFailureThreshold, cause: "The specified tolerated failure threshold was exceeded"}
}

// over reports whether the failures so far exceed the tolerance. The
// percentage is of all items, known once the reader is exhausted (final:
// the run is over).
func (r *mapRun) over(final bool) bool {
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
	var (
		input any
		count int
	)
	if !r.batching {
		v, ok := r.next(ctx)
		if !ok {
			return false
		}
		input, count = v, 1
	} else {
		batch, ok := r.nextBatch(ctx)
		if !ok {
			return false
		}
		o := value.NewObject(2)
		if r.batchInput != nil {
			o.Append("BatchInput", r.batchInput)
		}
		o.Append("Items", batch)
		input, count = o, len(batch)
	}
	r.start(ictx, input, count)
	return true
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
	ex, sc := r.ex, r.sc
	i := r.nChildren
	r.nChildren++
	th := sc.th.child(&mapItem{index: i, value: input})
	th.silent = true
	sc.traceChild(th, PathIteration, i)
	if r.writer == nil {
		r.results = append(r.results, nil)
	} else {
		name := ex.rt.UUID()
		r.children = append(r.children, items.ChildResult{
			ExecutionArn: "arn:aws:states:" + ex.opts.Region + ":" + ex.opts.AccountID + ":execution:" + ex.opts.StateMachineName + "/" + r.label + ":" + name,
			Name:         name,
			Input:        input,
			StartDate:    ex.rt.Now(),
		})
	}
	r.running++
	ex.rt.Go(ictx, func(c context.Context) {
		defer func() { r.running-- }()
		out, err := ex.runGraph(c, th, sc.n.proc, input)
		var child *items.ChildResult
		if r.writer != nil {
			child = &r.children[i]
			child.StopDate = ex.rt.Now()
		}
		switch {
		case err == nil && c.Err() == nil:
			if child != nil {
				child.Status, child.Output = StatusSucceeded, out
			} else {
				r.results[i] = out
			}
		case err == nil || isAbort(err) || r.stop:
			if child != nil {
				child.Status = StatusAborted
			}
		default:
			if child != nil {
				child.Status = StatusFailed
				var se *stateError
				if errors.As(err, &se) {
					child.Error, child.Cause = se.name, se.cause
				} else {
					child.Error, child.Cause = fault.Runtime, err.Error()
				}
			}
			r.failures += count
			if r.over(false) {
				r.fail(exceeded())
			}
		}
	})
}
