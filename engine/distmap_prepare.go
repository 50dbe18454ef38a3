package engine

import (
	"context"
	"errors"

	"github.com/stepwise/stepwise/asl"
	"github.com/stepwise/stepwise/asl/fault"
	"github.com/stepwise/stepwise/asl/jsonpath"
	"github.com/stepwise/stepwise/asl/value"
	"github.com/stepwise/stepwise/integrations"
	"github.com/stepwise/stepwise/integrations/items"
)

// This file evaluates a Distributed Map's ItemReader, ItemBatcher and
// ResultWriter for one map run, before MapRunStarted (distmap_run.go runs
// it): their Parameters or Arguments, MaxItems(Path), the batch limits and
// BatchInput, and which object store (or mock) gives the items.
// prepareRun evaluates what the run needs before MapRunStarted: the
// reader's and writer's Parameters (Arguments), MaxItems(Path) and the
// batcher's settings.
func (sc *stateRun) prepareRun(ctx context.Context, s *asl.Map, cfg *mapConfig, in any) (*mapRun, error) {
	ex, dp := sc.ex, sc.plan()
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

// hasObjects reports whether the execution can read and write objects, or
// needs not (TestState with a mocked result reads no items).
func (sc *stateRun) hasObjects() bool {
	ex := sc.ex
	if ex.test != nil && ex.test.mocked {
		return true
	}
	return ex.opts.NoObjects == "" && ex.opts.Objects != nil
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
			var dst *string
			switch k {
			case "InputType":
				dst = &rcfg.InputType
			case "CSVHeaderLocation":
				dst = &rcfg.CSVHeaderLocation
			case "CSVDelimiter":
				dst = &rcfg.CSVDelimiter
			case "Transformation":
				dst = &rcfg.Transformation
			case "ManifestType":
				dst = &rcfg.ManifestType
			case "ItemsPointer":
				dst = &rcfg.ItemsPointer
			}
			if dst != nil {
				str, isStr := v.(string)
				if !isStr {
					return nil, sc.runtimeErr("The field 'ItemReader.ReaderConfig." + k + "' must be a string, not " + value.EncodeString(v))
				}
				*dst = str
				continue
			}
			switch k {
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
		t := &integrations.Task{StateName: sc.c.Name, Resource: rp.resource, Input: params, Execution: sc.taskExecution()}
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
	if !sc.hasObjects() {
		return nil, sc.noObjects("ItemReader")
	}
	return func(ctx context.Context) (itemSource, error) {
		if rcfg.MaxItems < 0 {
			return nil, &stateError{name: fault.ItemReaderFailed, cause: "field MaxItems must be positive"}
		}
		rd, err := ex.rt.ReadItems(ctx, ex.opts.Objects, rcfg)
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
	if !sc.hasObjects() {
		return nil, sc.noObjects("ResultWriter")
	}
	return w, nil
}
