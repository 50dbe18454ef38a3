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

// ResultSink returns a spool that keeps a map run's results in temporary
// files and writes its result files in process (items.ResultSpool).
func (r *Runtime) ResultSink(cfg items.WriterConfig, mapRunArn string) (items.ResultSink, error) {
	return items.NewResultSpool(cfg, mapRunArn)
}
