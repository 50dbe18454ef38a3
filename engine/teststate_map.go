package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/stepwise/stepwise/asl"
	"github.com/stepwise/stepwise/asl/value"
	"github.com/stepwise/stepwise/integrations/items"
)

// This file is what TestState shows of a mocked Map: the mock stands for
// the iterations (or the map run), but what comes before them runs as it
// would: the items (ItemsPath, Items, or the ItemReader on
// MapItemReaderData), the ItemSelector on each item and the ItemBatcher's
// batches, each kept for InspectionData.Map.

// noteMap records a Map's settings once they are evaluated, and its items
// when a JSONPath Map took them from its input.
func (ts *testState) noteMap(sc *stateRun, cfg *mapConfig, fromInput bool) {
	mi := &MapInspection{MaxConcurrency: int64(cfg.limit)}
	if cfg.hasN {
		n := cfg.toleratedN
		mi.ToleratedFailureCount = &n
	}
	if cfg.hasP {
		p := cfg.toleratedP
		mi.ToleratedFailurePercentage = &p
	}
	if fromInput && sc.n.jp == nil {
		mi.AfterItemsPath = &Data{cfg.items}
	}
	ts.mapIns = mi
}

// mockMap stands for an inline Map's iterations: the ItemSelector runs on
// each item (its failure is the Map's, as in a run), then the mock answers.
func (ts *testState) mockMap(ctx context.Context, sc *stateRun, s *asl.Map, cfg *mapConfig, in any) ([]any, error) {
	if err := ts.selectItems(ctx, sc, s, cfg.items, in); err != nil {
		return nil, err
	}
	return ts.mockResults()
}

// mockRun stands for a Distributed Map's run: the items are read (from
// MapItemReaderData when the Map has an ItemReader), selected and batched
// as the run would, then the mock answers.
func (ts *testState) mockRun(ctx context.Context, r *mapRun) (any, error) {
	if err := ts.previewRun(ctx, r); err != nil {
		return nil, err
	}
	return ts.mockResult()
}

// previewRun reads, selects and batches the items of r without starting a
// child. A Map with an ItemReader and no MapItemReaderData has no items to
// show.
func (ts *testState) previewRun(ctx context.Context, r *mapRun) error {
	if r.sc.plan().reader != nil && r.ex.opts.Objects == nil {
		return nil
	}
	src, err := r.openReader(ctx)
	if err != nil {
		return err
	}
	defer func() { _ = src.Close() }()
	all, err := readAllItems(ctx, src)
	if err != nil {
		return err
	}
	if ts.mapIns != nil && r.sc.plan().reader != nil && hasItemsPointer(r.s) {
		ts.mapIns.AfterItemsPointer = &Data{all}
	}
	if err := ts.selectItems(ctx, r.sc, r.s, all, r.in); err != nil {
		return err
	}
	if !r.batching {
		return nil
	}
	selected := all
	if mi := ts.mapIns; mi != nil && mi.AfterItemSelector != nil {
		selected = mi.AfterItemSelector.Value.([]any)
	}
	batches, err := r.batchAll(ctx, selected)
	if err != nil {
		return err
	}
	if ts.mapIns != nil {
		ts.mapIns.AfterItemBatcher = &Data{batches}
	}
	return nil
}

// readAllItems reads every item of src (a reader's errors are the state's,
// as in a run).
func readAllItems(ctx context.Context, src itemSource) ([]any, error) {
	all := []any{}
	for {
		v, err := src.Next(ctx)
		if err == io.EOF {
			return all, nil
		}
		if err != nil {
			return nil, readerError(err)
		}
		all = append(all, v)
	}
}

// batchAll groups items as the run's ItemBatcher would, each batch as the
// child's input.
func (r *mapRun) batchAll(ctx context.Context, items []any) ([]any, error) {
	r.src, r.selects, r.cancel = &sliceSource{items: items}, false, func() {}
	batches := []any{}
	for {
		batch, ok := r.nextBatch(ctx)
		if !ok {
			break
		}
		batches = append(batches, r.batchObject(batch))
	}
	if r.failure != nil {
		return nil, r.failure
	}
	return batches, nil
}

// selectItems applies the Map's ItemSelector to each item, as its
// iterations would (with $$.Map.Item), and records the selected items.
func (ts *testState) selectItems(ctx context.Context, sc *stateRun, s *asl.Map, all []any, in any) error {
	if s.ItemSelector == nil && (sc.n.jp == nil || sc.n.jp.itemSelector == nil) {
		return nil
	}
	base := sc.context()
	selected := make([]any, len(all))
	for i, v := range all {
		sel, err := sc.itemSelector(ctx, s, base, &mapItem{index: i, value: v}, in)
		if err != nil {
			return err
		}
		selected[i] = sel
	}
	if ts.mapIns != nil {
		ts.mapIns.AfterItemSelector = &Data{selected}
	}
	return nil
}

// hasItemsPointer reports whether the Map's ItemReader names an
// ItemsPointer in its ReaderConfig.
func hasItemsPointer(s *asl.Map) bool {
	reader, ok := s.ItemReader.(*value.Object)
	if !ok {
		return false
	}
	rc, _ := reader.Get("ReaderConfig")
	conf, ok := rc.(*value.Object)
	return ok && conf.Has("ItemsPointer")
}

// readerData is the object store of a TestState given MapItemReaderData:
// every object read is that data. It lists and writes nothing.
type readerData string

// errReaderDataOnly: TestState's MapItemReaderData stands for one object.
var errReaderDataOnly = errors.New("TestState's mapItemReaderData stands for the one object an ItemReader reads with s3:getObject")

// Open returns the data, whatever the bucket and key.
func (d readerData) Open(context.Context, string, string, string) (io.ReadCloser, error) {
	return io.NopCloser(strings.NewReader(string(d))), nil
}

// List is refused: the data is one object's, not a listing.
func (d readerData) List(_ context.Context, bucket, prefix, _ string) (items.ListPage, error) {
	return items.ListPage{}, fmt.Errorf("list s3://%s/%s: %w", bucket, prefix, errReaderDataOnly)
}

// Put is refused: TestState writes no results.
func (d readerData) Put(_ context.Context, bucket, key string, _ []byte) error {
	return fmt.Errorf("put s3://%s/%s: %w", bucket, key, errReaderDataOnly)
}
