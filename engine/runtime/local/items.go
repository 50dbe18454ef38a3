package local

import (
	"context"

	"github.com/stepwise/stepwise/asl/fault"
	"github.com/stepwise/stepwise/integrations/items"
)

// ReadItems opens the items cfg names in objs, in process: the reader
// streams from the object store as the interpreter asks for items.
func (r *Runtime) ReadItems(ctx context.Context, objs items.Objects, cfg items.ReaderConfig) (items.Reader, error) {
	if objs == nil {
		return nil, fault.New(fault.Runtime, "no object store to read items from (engine.Options.Objects is nil)")
	}
	return items.NewReader(ctx, objs, cfg)
}

// WriteResults writes a map run's result files and manifest to objs, in
// process (items.WriteResults).
func (r *Runtime) WriteResults(ctx context.Context, objs items.Objects, cfg items.WriterConfig, mapRunArn string, results []items.ChildResult) (any, error) {
	if objs == nil {
		return nil, fault.New(fault.Runtime, "no object store to write results to (engine.Options.Objects is nil)")
	}
	return items.WriteResults(ctx, objs, cfg, mapRunArn, results)
}
