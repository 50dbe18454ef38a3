package temporal

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/stepwise/stepwise/asl/fault"
	"github.com/stepwise/stepwise/asl/value"
	"github.com/stepwise/stepwise/integrations/items"
)

// This file is the workflow's side of a Distributed Map's ItemReader and
// ResultWriter: the workflow does no I/O, so it reads items a page at a
// time through the activity ReadItemsActivityName and writes results
// through WriteResultsActivityName, both run by a worker with its object
// store (Tasks.Objects). Pages are recorded in the history like any
// activity result, so a replay reads the same items.

// Names of the object-store activities.
const (
	ReadItemsActivityName    = "stepwise.readItems"    // Tasks.ReadItems
	WriteResultsActivityName = "stepwise.writeResults" // Tasks.WriteResults
	StageResultsActivityName = "stepwise.stageResults" // Tasks.StageResults
)

// Bounds of a page of items: Temporal refuses an activity result over 2
// MB (the dev server's default), and the page's JSON travels as a string,
// whose escaping can double its size.
const (
	// DefaultPageItems is the most items of one page.
	DefaultPageItems = 5000
	// DefaultPageBytes is the size of a page's JSON from which no more
	// items are added (a page holds at least one item).
	DefaultPageBytes = 384 << 10
	// maxWriteBytes bounds the results given to one WriteResults activity.
	maxWriteBytes = 1536 << 10
	// stageBytes is about the most results the workflow holds before it
	// stages them in the object store (StageResultsActivityName).
	stageBytes = 1 << 20
)

// stagedResultsVersion marks the workflows that stage a ResultWriter's
// results in the object store as they pass stageBytes; those started
// before hold them all, up to maxWriteBytes.
const stagedResultsVersion = "stepwise-staged-results"

// ReadItemsRequest asks for the next page of a reader's items. The cursor
// is the number of items read before the page: a worker that holds the
// reader open at that position (it read the previous page) goes on from
// there; any other opens the object again and skips that many items.
type ReadItemsRequest struct {
	Reader ReaderConfig
	// Stream names the reader across its pages (the workflow run and the
	// reader's number in it).
	Stream string
	Cursor int64
	// MaxItems and MaxBytes bound the page (0: the defaults).
	MaxItems int `json:",omitempty"`
	MaxBytes int `json:",omitempty"`
}

// ReaderConfig is items.ReaderConfig as it travels: Raw (Parameters the
// reader passes on) as JSON text.
type ReaderConfig struct {
	items.ReaderConfig
	Raw rawText `json:",omitempty"`
}

// ItemsPage is a page of items: a JSON array, the cursor of the next page,
// and whether the reader has no more items.
type ItemsPage struct {
	Items rawText
	Next  int64
	EOF   bool `json:",omitempty"`
}

// wireReader returns cfg as it travels.
func wireReader(cfg items.ReaderConfig) ReaderConfig {
	w := ReaderConfig{ReaderConfig: cfg}
	w.ReaderConfig.Raw = nil
	if len(cfg.Raw) > 0 {
		keys := make([]string, 0, len(cfg.Raw))
		for k := range cfg.Raw {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		o := value.NewObject(len(keys))
		for _, k := range keys {
			o.Append(k, cfg.Raw[k])
		}
		w.Raw = value.Encode(o)
	}
	return w
}

// config returns the items.ReaderConfig of w.
func (w *ReaderConfig) config() (items.ReaderConfig, error) {
	cfg := w.ReaderConfig
	if len(w.Raw) == 0 {
		return cfg, nil
	}
	v, err := value.Decode(w.Raw)
	if err != nil {
		return cfg, fmt.Errorf("the reader's parameters: %w", err)
	}
	o, ok := v.(*value.Object)
	if !ok {
		return cfg, fmt.Errorf("the reader's parameters are %s, not an object", value.TypeName(v))
	}
	cfg.Raw = make(map[string]any, o.Len())
	for i := 0; i < o.Len(); i++ {
		k, v := o.At(i)
		cfg.Raw[k] = v
	}
	return cfg, nil
}

// workerObjects stands for the workers' object store in the workflow's
// engine.Options.Objects: the interpreter sees a store, and the Runtime
// reads and writes through activities. Its methods are never called.
type workerObjects struct{}

var errWorkerObjects = errors.New("temporal: the object store is the workers': the workflow reads and writes it through activities")

func (workerObjects) Open(context.Context, string, string, string) (io.ReadCloser, error) {
	return nil, errWorkerObjects
}

func (workerObjects) List(context.Context, string, string, string) (items.ListPage, error) {
	return items.ListPage{}, errWorkerObjects
}

func (workerObjects) Put(context.Context, string, string, []byte) error { return errWorkerObjects }

// checkObjects refuses an object store given to the workflow's engine: the
// workers' is the one used.
func checkObjects(objs items.Objects) error {
	if _, ok := objs.(workerObjects); ok || objs == nil {
		return nil
	}
	return fault.New(fault.Runtime, "the Temporal backend reads and writes the workers' object store: engine.Options.Objects must not be set")
}

// ReadItems returns a reader whose pages come from the activity
// ReadItemsActivityName, one page at a time as the interpreter asks.
func (r *Runtime) ReadItems(ctx context.Context, objs items.Objects, cfg items.ReaderConfig) (items.Reader, error) {
	if err := checkObjects(objs); err != nil {
		return nil, err
	}
	r.readers++
	info := workflow.GetInfo(r.root)
	stream := fmt.Sprintf("%s/%s/%d", info.WorkflowExecution.ID, info.WorkflowExecution.RunID, r.readers)
	return &pagedReader{rt: r, req: ReadItemsRequest{Reader: wireReader(cfg), Stream: stream, MaxItems: r.opts.PageItems}}, nil
}

// pagedReader is the workflow's items.Reader over pages of items. The
// next page is asked for as soon as a page arrives, so that reading it
// overlaps the children of this one.
type pagedReader struct {
	rt    *Runtime
	req   ReadItemsRequest
	page  []any
	next  int
	eof   bool
	err   error           // sticky: the reader failed
	ahead workflow.Future // the activity reading the page at req.Cursor
	stop  workflow.CancelFunc
}

// Next returns the next item, reading the next page when the current one
// is used up.
func (p *pagedReader) Next(ctx context.Context) (any, error) {
	for p.next >= len(p.page) {
		if p.err != nil {
			return nil, p.err
		}
		if p.eof {
			return nil, io.EOF
		}
		if err := p.fetch(ctx); err != nil {
			return nil, err
		}
	}
	v := p.page[p.next]
	p.page[p.next] = nil
	p.next++
	return v, nil
}

// request starts the activity reading the page at the cursor.
func (p *pagedReader) request() {
	r := p.rt
	actx, cancel := workflow.WithCancel(r.base)
	actx = workflow.WithActivityOptions(actx, workflow.ActivityOptions{
		TaskQueue:           r.opts.TaskQueue,
		StartToCloseTimeout: 5 * time.Minute,
		RetryPolicy:         &temporal.RetryPolicy{MaximumAttempts: 5},
		Summary:             fmt.Sprintf("read items from %d", p.req.Cursor),
	})
	p.ahead, p.stop = workflow.ExecuteActivity(actx, ReadItemsActivityName, p.req), cancel
}

// fetch waits for the page at the cursor, and asks for the next one.
func (p *pagedReader) fetch(ctx context.Context) error {
	r := p.rt
	if p.ahead == nil {
		p.request()
	}
	f := p.ahead
	r.wait(func() bool { return f.IsReady() || ctx.Err() != nil })
	if !f.IsReady() {
		return ctx.Err() // the activity goes on: a later Next waits for it
	}
	p.ahead = nil
	var page ItemsPage
	if err := f.Get(r.base, &page); err != nil {
		p.err = activityFault(err, fault.ItemReaderFailed)
		return p.err
	}
	v, err := value.Decode(page.Items)
	if err != nil {
		p.err = fault.New(fault.ItemReaderFailed, "a page of items: "+err.Error())
		return p.err
	}
	arr, ok := v.([]any)
	if !ok {
		p.err = fault.New(fault.ItemReaderFailed, "a page of items is "+value.TypeName(v)+", not an array")
		return p.err
	}
	p.page, p.next = arr, 0
	p.req.Cursor, p.eof = page.Next, page.EOF
	if !p.eof {
		p.request()
	}
	return nil
}

// Close cancels the reading of a page nobody will read; the worker closes
// its reader at the end of the items, or when it has been idle a while.
func (p *pagedReader) Close() error {
	if p.ahead != nil {
		p.stop()
		p.ahead = nil
	}
	return nil
}

// activityFault is the fault of an object-store activity's error: an
// application error's type and message are the error and cause; anything
// else (a timeout, a lost worker) is name with the error as cause.
func activityFault(err error, name string) *fault.Error {
	var ae *temporal.ApplicationError
	if errors.As(err, &ae) && ae.Type() != "" {
		return fault.New(ae.Type(), ae.Message())
	}
	return fault.New(name, err.Error())
}

// WriteResultsRequest asks a worker to write a map run's results: those
// staged in the objects Parts (StageResultsActivityName), then Results.
type WriteResultsRequest struct {
	Config    items.WriterConfig
	MapRunArn string
	Results   []ChildResult
	// Indexes are the children's indexes of Results, in the map run (none:
	// Results are in the children's order, with no gaps).
	Indexes []int `json:",omitempty"`
	// Parts are the keys, in Config.Bucket, of the results staged before.
	Parts []string `json:",omitempty"`
}

// StageResultsRequest asks a worker to keep some of a map run's results in
// the object store until WriteResultsRequest's Parts reads them: the
// object's key is items.ResultDir's, "stepwise-staged/part-" and Part.
type StageResultsRequest struct {
	Config    items.WriterConfig
	MapRunArn string
	Part      int
	Results   []ChildResult
	Indexes   []int
}

// ChildResult is items.ChildResult as it travels: input and output as
// JSON text.
type ChildResult struct {
	items.ChildResult
	Input  rawText `json:",omitempty"`
	Output rawText `json:",omitempty"`
}

// ResultSink returns the list of a map run's results that its Write
// gives to the activity WriteResultsActivityName (the workflow does no
// I/O). Past stageBytes, the results it holds go to the object store
// (the activity StageResultsActivityName) and are read from there when
// the files are written, so that no activity's input passes Temporal's
// limit of a payload and the workflow does not hold them all. (A workflow
// started before staging holds them all: more than maxWriteBytes fail
// with States.Runtime.)
func (r *Runtime) ResultSink(cfg items.WriterConfig, mapRunArn string) (items.ResultSink, error) {
	return &resultList{rt: r, req: WriteResultsRequest{Config: cfg, MapRunArn: mapRunArn}}, nil
}

// resultList is the Temporal runtime's items.ResultSink: the results as
// they travel, with their indexes, until they pass stageBytes (then they
// are staged) or, without staging, maxWriteBytes (then only their size is
// counted).
type resultList struct {
	rt      *Runtime
	req     WriteResultsRequest
	indexes []int
	size    int // of all the results (without staging)
	held    int // of the results held
	staging int // 0: not asked yet; 1: no; 2: yes (stagedResultsVersion)
	// staging runs in one coroutine at a time (children end in coroutines
	// of their own), one activity at a time, so that a workflow task
	// schedules no more than one part: Temporal refuses a workflow task's
	// commands past 4 MB.
	inflight bool
	stageErr error // the first staging that failed
}

// Add keeps the result of the child at index as it travels, and stages
// the results held once they pass stageBytes.
func (l *resultList) Add(index int, c items.ChildResult) error {
	w := ChildResult{ChildResult: c}
	w.ChildResult.Input, w.ChildResult.Output = nil, nil
	w.Input = value.Encode(c.Input)
	if c.Status == "SUCCEEDED" {
		w.Output = value.Encode(c.Output)
	}
	n := resultBytes(&w)
	l.size += n
	if l.size > maxWriteBytes && !l.stages() {
		l.req.Results, l.indexes = nil, nil
		return nil
	}
	l.req.Results = append(l.req.Results, w)
	l.indexes = append(l.indexes, index)
	if l.held += n; l.held > stageBytes && l.stages() && !l.inflight {
		return l.stage()
	}
	return nil
}

// resultBytes is about the size of a result as it travels.
func resultBytes(w *ChildResult) int {
	return len(w.Input) + len(w.Output) + len(w.Cause) + 256
}

// stages reports whether the workflow stages results (asked once, the
// first time the results pass a bound).
func (l *resultList) stages() bool {
	if l.staging == 0 {
		l.staging = 1
		if workflow.GetVersion(l.rt.current, stagedResultsVersion, workflow.DefaultVersion, 1) != workflow.DefaultVersion {
			l.staging = 2
		}
	}
	return l.staging == 2
}

// stage hands the results held to the activity StageResultsActivityName,
// about stageBytes at a time, until less is held, and keeps the keys of
// the objects it wrote in order.
func (l *resultList) stage() error {
	r := l.rt
	l.inflight = true
	defer func() { l.inflight = false }()
	for l.held > stageBytes && l.stageErr == nil {
		n, size := fitting(len(l.req.Results), stageBytes, func(i int) int { return resultBytes(&l.req.Results[i]) })
		req := StageResultsRequest{Config: l.req.Config, MapRunArn: l.req.MapRunArn, Part: len(l.req.Parts),
			Results: l.req.Results[:n:n], Indexes: l.indexes[:n:n]}
		l.req.Results, l.indexes, l.held = l.req.Results[n:], l.indexes[n:], l.held-size
		actx := r.writerActivity(r.current, fmt.Sprintf("stage the results of %d children", n))
		f := workflow.ExecuteActivity(actx, StageResultsActivityName, req)
		r.wait(f.IsReady)
		var key string
		if err := f.Get(actx, &key); err != nil {
			l.stageErr = activityFault(err, fault.ResultWriterFailed)
			return l.stageErr
		}
		l.req.Parts = append(l.req.Parts, key)
	}
	return l.stageErr
}

// writerActivity is ctx with the options of the ResultWriter's activities
// (staging and writing), summarized as summary.
func (r *Runtime) writerActivity(ctx workflow.Context, summary string) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		TaskQueue:           r.opts.TaskQueue,
		StartToCloseTimeout: 10 * time.Minute,
		RetryPolicy:         &temporal.RetryPolicy{MaximumAttempts: 5},
		Summary:             summary,
	})
}

// Close drops the results.
func (l *resultList) Close() error {
	l.req.Results, l.indexes = nil, nil
	return nil
}

// Len, Less and Swap order the results by index (sort.Interface).
func (l *resultList) Len() int           { return len(l.indexes) }
func (l *resultList) Less(i, j int) bool { return l.indexes[i] < l.indexes[j] }
func (l *resultList) Swap(i, j int) {
	l.indexes[i], l.indexes[j] = l.indexes[j], l.indexes[i]
	l.req.Results[i], l.req.Results[j] = l.req.Results[j], l.req.Results[i]
}

// Write writes the results, in the children's order, in the activity
// WriteResultsActivityName and returns its output (the Map's).
func (l *resultList) Write(ctx context.Context, objs items.Objects) (any, error) {
	r := l.rt
	if err := checkObjects(objs); err != nil {
		return nil, err
	}
	if l.size > maxWriteBytes && l.staging != 2 {
		return nil, fault.New(fault.Runtime, fmt.Sprintf("The field 'ResultWriter' cannot run here: the results of the map run (about %d bytes) exceed what the Temporal backend passes to one activity (%d bytes)", l.size, maxWriteBytes))
	}
	r.wait(func() bool { return !l.inflight })
	if l.stageErr != nil {
		return nil, l.stageErr
	}
	sort.Stable(l)
	req, results := l.req, l.req.Results
	if len(req.Parts) > 0 {
		req.Indexes = l.indexes
	}
	actx, cancel := workflow.WithCancel(r.current)
	actx = r.writerActivity(actx, fmt.Sprintf("write the results of %d children", len(results)))
	f := workflow.ExecuteActivity(actx, WriteResultsActivityName, req)
	r.wait(func() bool { return f.IsReady() || ctx.Err() != nil })
	if !f.IsReady() {
		cancel()
		return nil, ctx.Err()
	}
	var out rawText
	if err := f.Get(actx, &out); err != nil {
		return nil, activityFault(err, fault.ResultWriterFailed)
	}
	v, err := value.Decode(out)
	if err != nil {
		return nil, fault.New(fault.ResultWriterFailed, "the writer's output: "+err.Error())
	}
	return v, nil
}
