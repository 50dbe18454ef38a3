package temporal

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/stepwise/stepwise/asl/fault"
	"github.com/stepwise/stepwise/asl/value"
	"github.com/stepwise/stepwise/integrations/items"
)

// This file is the workers' side of ItemReaders and ResultWriters: the
// activities ReadItemsActivityName, StageResultsActivityName and
// WriteResultsActivityName over
// Tasks.Objects.

// Bounds of the readers a worker keeps open between pages.
const (
	maxOpenStreams = 64
	streamIdle     = 10 * time.Minute
)

// streams are the readers a worker keeps open between the pages of their
// map runs, each at the cursor of its next page. The zero value is ready.
type streams struct {
	mu   sync.Mutex
	open map[string]*stream
}

// stream is one open reader.
type stream struct {
	rd   items.Reader
	pos  int64
	used time.Time
}

// take removes and returns the reader of name when it stands at cursor,
// after closing the readers idle for too long.
func (s *streams) take(name string, cursor int64, now time.Time) *stream {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, st := range s.open {
		if now.Sub(st.used) > streamIdle {
			_ = st.rd.Close()
			delete(s.open, k)
		}
	}
	st := s.open[name]
	delete(s.open, name)
	if st != nil && st.pos != cursor {
		_ = st.rd.Close()
		return nil
	}
	return st
}

// put keeps st for the next page of name, closing the least recently
// used reader beyond maxOpenStreams.
func (s *streams) put(name string, st *stream) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.open == nil {
		s.open = map[string]*stream{}
	}
	if len(s.open) >= maxOpenStreams {
		var oldest string
		for k, o := range s.open {
			if oldest == "" || o.used.Before(s.open[oldest].used) {
				oldest = k
			}
		}
		_ = s.open[oldest].rd.Close()
		delete(s.open, oldest)
	}
	s.open[name] = st
}

// errNoObjects is the failure of an object-store activity on a worker
// without one.
var errNoObjects = fault.New(fault.Runtime, "the Temporal worker has no object store to read items from or write results to: start it with --s3-root DIR, or with S3 credentials (Tasks.Objects)")

// ReadItems is the activity ReadItemsActivityName: the page of items at
// req.Cursor. Reader failures are non-retryable application errors named
// as the fault (States.ItemReaderFailed); other errors are retried.
func (a *Tasks) ReadItems(ctx context.Context, req ReadItemsRequest) (*ItemsPage, error) {
	if a.Objects == nil {
		return nil, faultError(errNoObjects)
	}
	cfg, err := req.Reader.config()
	if err != nil {
		return nil, faultError(fault.New(fault.ItemReaderFailed, err.Error()))
	}
	st, err := a.streamAt(ctx, req.Stream, cfg, req.Cursor)
	if err != nil {
		return nil, faultError(err)
	}
	page, err := readPage(ctx, st, req)
	if err != nil {
		_ = st.rd.Close()
		return nil, faultError(err)
	}
	if page.EOF {
		_ = st.rd.Close()
	} else {
		st.used = time.Now()
		a.streams.put(req.Stream, st)
	}
	return page, nil
}

// streamAt returns the reader of name standing at cursor: the one kept
// from the previous page, or a new one that has skipped cursor items.
func (a *Tasks) streamAt(ctx context.Context, name string, cfg items.ReaderConfig, cursor int64) (*stream, error) {
	if st := a.streams.take(name, cursor, time.Now()); st != nil {
		return st, nil
	}
	rd, err := items.NewReader(ctx, a.Objects, cfg)
	if err != nil {
		return nil, err
	}
	st := &stream{rd: rd}
	for st.pos < cursor {
		if _, err := rd.Next(ctx); err != nil {
			_ = rd.Close()
			if err == io.EOF {
				return nil, fault.New(fault.ItemReaderFailed, "the object has fewer items than were read from it before: it changed during the map run")
			}
			return nil, err
		}
		st.pos++
	}
	return st, nil
}

// readPage reads the page of req from st.
func readPage(ctx context.Context, st *stream, req ReadItemsRequest) (*ItemsPage, error) {
	maxItems, maxBytes := req.MaxItems, req.MaxBytes
	if maxItems <= 0 {
		maxItems = DefaultPageItems
	}
	if maxBytes <= 0 {
		maxBytes = DefaultPageBytes
	}
	buf := []byte{'['}
	page := &ItemsPage{}
	for n := 0; n < maxItems && len(buf) < maxBytes; n++ {
		v, err := st.rd.Next(ctx)
		if err == io.EOF {
			page.EOF = true
			break
		}
		if err != nil {
			return nil, err
		}
		if n > 0 {
			buf = append(buf, ',')
		}
		buf = value.Append(buf, v)
		st.pos++
	}
	page.Items = append(buf, ']')
	page.Next = st.pos
	return page, nil
}

// WriteResults is the activity WriteResultsActivityName: it writes a map
// run's result files and manifest, from the results staged in req.Parts
// and those of req.Results, and returns the Map's output (JSON). The
// staged objects are deleted once the files are written, when the object
// store can delete (items.Deleter).
func (a *Tasks) WriteResults(ctx context.Context, req WriteResultsRequest) (rawText, error) {
	if a.Objects == nil {
		return nil, faultError(errNoObjects)
	}
	spool, err := items.NewResultSpool(req.Config, req.MapRunArn)
	if err != nil {
		return nil, faultError(err)
	}
	defer func() { _ = spool.Close() }()
	for _, key := range req.Parts {
		if err := a.unstage(ctx, spool, req.Config.Bucket, key); err != nil {
			return nil, faultError(err)
		}
	}
	if err := spoolResults(spool, req.Results, req.Indexes); err != nil {
		return nil, faultError(err)
	}
	out, err := items.WriteSpooled(ctx, a.Objects, spool)
	if err != nil {
		return nil, faultError(err)
	}
	if d, ok := a.Objects.(items.Deleter); ok {
		for _, key := range req.Parts {
			_ = d.Delete(ctx, req.Config.Bucket, key) // what is left costs room, not results
		}
	}
	return value.Encode(out), nil
}

// StageResults is the activity StageResultsActivityName: it writes some of
// a map run's results to an object of their own, as JSON lines of
// {"Index": i, "Result": ChildResult}, and returns its key.
func (a *Tasks) StageResults(ctx context.Context, req StageResultsRequest) (string, error) {
	if a.Objects == nil {
		return "", faultError(errNoObjects)
	}
	if len(req.Indexes) != len(req.Results) {
		return "", faultError(fault.New(fault.ResultWriterFailed, fmt.Sprintf("%d results with %d indexes to stage", len(req.Results), len(req.Indexes))))
	}
	dir, err := items.ResultDir(req.Config.Prefix, req.MapRunArn)
	if err != nil {
		return "", faultError(err)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	for i, r := range req.Results {
		if err := enc.Encode(stagedResult{Index: req.Indexes[i], Result: r}); err != nil {
			return "", faultError(fault.New(fault.ResultWriterFailed, "staging a result: "+err.Error()))
		}
	}
	key := fmt.Sprintf("%sstepwise-staged/part-%06d.jsonl", dir, req.Part)
	if err := a.Objects.Put(ctx, req.Config.Bucket, key, buf.Bytes()); err != nil {
		return "", faultError(writerFault("staging results in s3://"+req.Config.Bucket+"/"+key, err))
	}
	return key, nil
}

// stagedResult is a line of a staged object.
type stagedResult struct {
	Index  int
	Result ChildResult
}

// unstage spools the results staged in the object key.
func (a *Tasks) unstage(ctx context.Context, spool *items.ResultSpool, bucket, key string) error {
	body, err := a.Objects.Open(ctx, bucket, key, "")
	if err != nil {
		return writerFault("reading staged results s3://"+bucket+"/"+key, err)
	}
	defer body.Close()
	dec := json.NewDecoder(bufio.NewReader(body))
	for {
		var line stagedResult
		err := dec.Decode(&line)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return writerFault("reading staged results s3://"+bucket+"/"+key, err)
		}
		c, err := line.Result.decode()
		if err != nil {
			return err
		}
		if err := spool.Add(line.Index, c); err != nil {
			return writerFault("spooling staged results", err)
		}
	}
}

// spoolResults spools results, at indexes (none: their positions).
func spoolResults(spool *items.ResultSpool, results []ChildResult, indexes []int) error {
	for i, w := range results {
		c, err := w.decode()
		if err != nil {
			return err
		}
		at := i
		if i < len(indexes) {
			at = indexes[i]
		}
		if err := spool.Add(at, c); err != nil {
			return items.WriterError(err) // as items.WriteResults
		}
	}
	return nil
}

// decode is the result with its input and output as engine values.
func (w *ChildResult) decode() (items.ChildResult, error) {
	c := w.ChildResult
	var err error
	if c.Input, err = decodeText(w.Input); err != nil {
		return c, fault.New(fault.ResultWriterFailed, "a child's input: "+err.Error())
	}
	if c.Output, err = decodeText(w.Output); err != nil {
		return c, fault.New(fault.ResultWriterFailed, "a child's output: "+err.Error())
	}
	return c, nil
}

// writerFault is err as States.ResultWriterFailed, unless it is a fault or
// the context's already (retried then).
func writerFault(what string, err error) error {
	var fe *fault.Error
	if errors.As(err, &fe) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return fault.New(fault.ResultWriterFailed, what+": "+err.Error())
}

// decodeText decodes JSON text; none is null.
func decodeText(t rawText) (any, error) {
	if len(t) == 0 {
		return nil, nil
	}
	return value.Decode(t)
}

// faultError is the activity error of err: a *fault.Error becomes a
// non-retryable application error whose type is its name and message its
// cause; other errors are returned as they are, to be retried.
func faultError(err error) error {
	var fe *fault.Error
	if errors.As(err, &fe) {
		return temporal.NewNonRetryableApplicationError(fe.Cause, fe.Name, nil)
	}
	return err
}
