package items

import (
	"bufio"
	"container/heap"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/stepwise/stepwise/asl/value"
)

// ResultSink collects the results of a map run's children as they end
// and writes its ResultWriter's files at the end of the run. ResultSpool
// is the one that writes in process; a runtime that writes elsewhere (the
// Temporal backend: an activity on a worker) has its own.
type ResultSink interface {
	// Add takes the result of the child at index (its place in the run,
	// from 0; children may end in any order).
	Add(index int, r ChildResult) error
	// Write writes the result files and manifest to objs and returns
	// what the Map outputs (ResultWriterDetails).
	Write(ctx context.Context, objs Objects) (any, error)
	// Close releases what the sink holds; it writes nothing.
	Close() error
}

// ResultSpool keeps the result records of a map run's children in
// temporary files, one per result category, as the children end, so that
// a run's results never sit in memory: WriteSpooled writes the result
// files from it. Records are kept in the order of the children's indexes
// (the order in which they started), whatever the order they ended in:
// each is framed with its index, and WriteSpooled sorts a spool whose
// records came out of order on disk, in bounded memory.
//
// A ResultSpool is not safe for concurrent use. Close removes its files.
type ResultSpool struct {
	cfg       WriterConfig
	mapRunArn string
	runDir    string // Prefix/<map run id>/
	smArn     string
	jsonl     bool
	transform string
	files     map[string]*spoolFile // by category
	enc       []byte                // the encoding of the record being added

	// The on-disk sort's sizes: spoolChunk and spoolFanIn (tests lower them).
	sortChunk int64
	sortFanIn int
}

// spoolFile is the temporary file of one category's records: each a
// 16-byte header (the child's index, the record's place among the
// child's records, the length) and the record's JSON text.
type spoolFile struct {
	f       *os.File
	w       *bufio.Writer
	size    int64
	count   int64
	last    spoolKey
	ordered bool // the records were added in key order
}

// spoolKey orders records: by child, then within a child (FLATTEN).
type spoolKey struct {
	index uint64
	seq   uint32
}

func (k spoolKey) less(o spoolKey) bool {
	return k.index < o.index || (k.index == o.index && k.seq < o.seq)
}

const spoolHeader = 16

// NewResultSpool returns an empty spool for the results of the map run
// mapRunArn, checking cfg (its errors are States.ResultWriterFailed).
func NewResultSpool(cfg WriterConfig, mapRunArn string) (*ResultSpool, error) {
	if cfg.Bucket == "" {
		return nil, writerFailed("the ResultWriter's Parameters have no Bucket")
	}
	s := &ResultSpool{cfg: cfg, mapRunArn: mapRunArn, files: map[string]*spoolFile{}, sortChunk: spoolChunk, sortFanIn: spoolFanIn}
	switch strings.ToUpper(cfg.OutputType) {
	case "", "JSON":
	case "JSONL":
		s.jsonl = true
	default:
		return nil, writerFailed("unknown WriterConfig.OutputType %q: expected JSON or JSONL", cfg.OutputType)
	}
	s.transform = strings.ToUpper(cfg.Transformation)
	switch s.transform {
	case "", "NONE", "COMPACT", "FLATTEN":
	default:
		return nil, writerFailed("unknown WriterConfig.Transformation %q: expected NONE, COMPACT or FLATTEN", cfg.Transformation)
	}
	dir, err := ResultDir(cfg.Prefix, mapRunArn)
	if err != nil {
		return nil, err
	}
	s.runDir = dir
	s.smArn = childStateMachineArn(mapRunArn)
	return s, nil
}

// ResultDir is where a ResultWriter with prefix writes the files of the
// map run mapRunArn: "PREFIX/<map run id>/" (no prefix: "<id>/").
func ResultDir(prefix, mapRunArn string) (string, error) {
	i := strings.LastIndexByte(mapRunArn, ':')
	if i < 0 || i == len(mapRunArn)-1 {
		return "", writerFailed("the map run ARN %q has no ID", mapRunArn)
	}
	runID := mapRunArn[i+1:]
	if p := strings.TrimSuffix(prefix, "/"); p != "" {
		return p + "/" + runID + "/", nil
	}
	return runID + "/", nil
}

// Add spools the result of the child at index (its place in the run, from
// 0). Errors are the temporary file's.
func (s *ResultSpool) Add(index int, r ChildResult) error {
	cat, rec, err := resultRecord(r, s.smArn, s.transform)
	if err != nil {
		return err
	}
	if arr, ok := rec.([]any); ok && cat == statusSucceeded && s.transform == "FLATTEN" {
		for seq, v := range arr {
			if err := s.append(cat, spoolKey{uint64(index), uint32(seq)}, v); err != nil {
				return err
			}
		}
		return nil
	}
	return s.append(cat, spoolKey{index: uint64(index)}, rec)
}

// append writes one record to its category's file.
func (s *ResultSpool) append(cat string, k spoolKey, rec any) error {
	sf, err := s.file(cat)
	if err != nil {
		return err
	}
	s.enc = value.Append(s.enc[:0], rec)
	var hdr [spoolHeader]byte
	binary.BigEndian.PutUint64(hdr[0:], k.index)
	binary.BigEndian.PutUint32(hdr[8:], k.seq)
	binary.BigEndian.PutUint32(hdr[12:], uint32(len(s.enc)))
	if _, err := sf.w.Write(hdr[:]); err != nil {
		return fmt.Errorf("spooling a result: %w", err)
	}
	if _, err := sf.w.Write(s.enc); err != nil {
		return fmt.Errorf("spooling a result: %w", err)
	}
	if sf.count > 0 && k.less(sf.last) {
		sf.ordered = false
	}
	sf.last = k
	sf.count++
	sf.size += spoolHeader + int64(len(s.enc))
	return nil
}

// file returns the spool file of a category, created when first needed.
func (s *ResultSpool) file(cat string) (*spoolFile, error) {
	if sf := s.files[cat]; sf != nil {
		return sf, nil
	}
	f, err := os.CreateTemp("", "stepwise-results-*")
	if err != nil {
		return nil, fmt.Errorf("spooling results: %w", err)
	}
	sf := &spoolFile{f: f, w: bufio.NewWriterSize(f, 64<<10), ordered: true}
	s.files[cat] = sf
	return sf, nil
}

// Close removes the spool's files.
func (s *ResultSpool) Close() error {
	var errs []error
	for cat, sf := range s.files {
		errs = append(errs, removeTemp(sf.f))
		delete(s.files, cat)
	}
	return errors.Join(errs...)
}

func removeTemp(f *os.File) error {
	err := f.Close()
	if rerr := os.Remove(f.Name()); rerr != nil && !errors.Is(rerr, os.ErrNotExist) {
		err = errors.Join(err, rerr)
	}
	return err
}

// each calls fn with the records of a category in key order; fn must not
// keep the slice. A spool whose records came out of order is sorted on
// disk: runs of chunk bytes sorted in memory, merged fanIn at a time.
func (sf *spoolFile) each(chunk int64, fanIn int, fn func(rec []byte) error) error {
	if err := sf.w.Flush(); err != nil {
		return fmt.Errorf("spooling results: %w", err)
	}
	runs := []section{{sf.f, 0, sf.size}}
	var temps []*os.File
	defer func() {
		for _, f := range temps {
			_ = removeTemp(f)
		}
	}()
	if !sf.ordered {
		f, sorted, err := sortChunks(sf.f, sf.size, chunk)
		if err != nil {
			return err
		}
		temps = append(temps, f)
		runs = sorted
		for len(runs) > fanIn {
			f, merged, err := mergePass(runs, fanIn)
			if err != nil {
				return err
			}
			temps = append(temps, f)
			runs = merged
		}
	}
	return mergeRuns(runs, func(_ spoolKey, rec []byte) error { return fn(rec) })
}

// Sizes of the on-disk sort: the bytes of records sorted in memory at a
// time, and how many sorted runs are merged at a time.
const (
	spoolChunk = 4 << 20
	spoolFanIn = 32
)

// section is a part of a file holding framed records in key order.
type section struct {
	f          *os.File
	off, count int64 // count: bytes
}

// spoolRecord is a framed record read back.
type spoolRecord struct {
	key spoolKey
	rec []byte
}

// spoolReader reads the framed records of a section.
type spoolReader struct {
	r   *bufio.Reader
	cur spoolRecord
	buf []byte
}

func newSpoolReader(s section) *spoolReader {
	return &spoolReader{r: bufio.NewReaderSize(io.NewSectionReader(s.f, s.off, s.count), 32<<10)}
}

// next reads the next record into cur (its bytes valid until the next
// call); io.EOF at the end.
func (rr *spoolReader) next() error {
	var hdr [spoolHeader]byte
	if _, err := io.ReadFull(rr.r, hdr[:]); err != nil {
		if err == io.EOF {
			return io.EOF
		}
		return fmt.Errorf("reading spooled results: %w", err)
	}
	n := int(binary.BigEndian.Uint32(hdr[12:]))
	if cap(rr.buf) < n {
		rr.buf = make([]byte, n)
	}
	rr.buf = rr.buf[:n]
	if _, err := io.ReadFull(rr.r, rr.buf); err != nil {
		return fmt.Errorf("reading spooled results: %w", err)
	}
	rr.cur = spoolRecord{key: spoolKey{binary.BigEndian.Uint64(hdr[0:]), binary.BigEndian.Uint32(hdr[8:])}, rec: rr.buf}
	return nil
}

// sortChunks writes the records of f (size bytes) to a new temporary
// file as sorted runs of about chunkBytes each.
func sortChunks(f *os.File, size, chunkBytes int64) (*os.File, []section, error) {
	out, err := os.CreateTemp("", "stepwise-results-sorted-*")
	if err != nil {
		return nil, nil, fmt.Errorf("sorting results: %w", err)
	}
	w := bufio.NewWriterSize(out, 64<<10)
	var (
		runs  []section
		chunk []spoolRecord
		held  int64 // the bytes of chunk
		off   int64
	)
	flush := func() error {
		slices.SortStableFunc(chunk, func(a, b spoolRecord) int {
			switch {
			case a.key.less(b.key):
				return -1
			case b.key.less(a.key):
				return 1
			}
			return 0
		})
		start := off
		for _, r := range chunk {
			if err := writeRecord(w, r.key, r.rec); err != nil {
				return err
			}
			off += spoolHeader + int64(len(r.rec))
		}
		runs = append(runs, section{out, start, off - start})
		chunk, held = chunk[:0], 0
		return nil
	}
	rr := newSpoolReader(section{f, 0, size})
	for {
		err := rr.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			_ = removeTemp(out)
			return nil, nil, err
		}
		chunk = append(chunk, spoolRecord{rr.cur.key, slices.Clone(rr.cur.rec)})
		held += spoolHeader + int64(len(rr.cur.rec))
		if held >= chunkBytes {
			if err := flush(); err != nil {
				_ = removeTemp(out)
				return nil, nil, err
			}
		}
	}
	if len(chunk) > 0 {
		if err := flush(); err != nil {
			_ = removeTemp(out)
			return nil, nil, err
		}
	}
	if err := w.Flush(); err != nil {
		_ = removeTemp(out)
		return nil, nil, fmt.Errorf("sorting results: %w", err)
	}
	return out, runs, nil
}

// mergePass merges runs fanIn at a time into a new temporary file.
func mergePass(runs []section, fanIn int) (*os.File, []section, error) {
	out, err := os.CreateTemp("", "stepwise-results-merged-*")
	if err != nil {
		return nil, nil, fmt.Errorf("sorting results: %w", err)
	}
	w := bufio.NewWriterSize(out, 64<<10)
	var merged []section
	var off int64
	for group := range slices.Chunk(runs, fanIn) {
		start := off
		err := mergeRuns(group, func(k spoolKey, rec []byte) error {
			off += spoolHeader + int64(len(rec))
			return writeRecord(w, k, rec)
		})
		if err != nil {
			_ = removeTemp(out)
			return nil, nil, err
		}
		merged = append(merged, section{out, start, off - start})
	}
	if err := w.Flush(); err != nil {
		_ = removeTemp(out)
		return nil, nil, fmt.Errorf("sorting results: %w", err)
	}
	return out, merged, nil
}

func writeRecord(w *bufio.Writer, k spoolKey, rec []byte) error {
	var hdr [spoolHeader]byte
	binary.BigEndian.PutUint64(hdr[0:], k.index)
	binary.BigEndian.PutUint32(hdr[8:], k.seq)
	binary.BigEndian.PutUint32(hdr[12:], uint32(len(rec)))
	if _, err := w.Write(hdr[:]); err != nil {
		return fmt.Errorf("sorting results: %w", err)
	}
	if _, err := w.Write(rec); err != nil {
		return fmt.Errorf("sorting results: %w", err)
	}
	return nil
}

// mergeRuns calls fn with the records of runs, each in key order, in key
// order (a run's records before an equal key's of a later run).
func mergeRuns(runs []section, fn func(k spoolKey, rec []byte) error) error {
	h := &runHeap{}
	for i, s := range runs {
		rr := newSpoolReader(s)
		err := rr.next()
		if err == io.EOF {
			continue
		}
		if err != nil {
			return err
		}
		h.items = append(h.items, runHead{rr, i})
	}
	heap.Init(h)
	for h.Len() > 0 {
		top := h.items[0]
		if err := fn(top.rr.cur.key, top.rr.cur.rec); err != nil {
			return err
		}
		err := top.rr.next()
		switch {
		case err == io.EOF:
			heap.Pop(h)
		case err != nil:
			return err
		default:
			heap.Fix(h, 0)
		}
	}
	return nil
}

// runHead is a run being merged, at its current record.
type runHead struct {
	rr  *spoolReader
	run int
}

// runHeap orders runs by their current records.
type runHeap struct{ items []runHead }

func (h *runHeap) Len() int { return len(h.items) }
func (h *runHeap) Less(i, j int) bool {
	a, b := h.items[i], h.items[j]
	if a.rr.cur.key != b.rr.cur.key {
		return a.rr.cur.key.less(b.rr.cur.key)
	}
	return a.run < b.run
}
func (h *runHeap) Swap(i, j int) { h.items[i], h.items[j] = h.items[j], h.items[i] }
func (h *runHeap) Push(x any)    { h.items = append(h.items, x.(runHead)) }
func (h *runHeap) Pop() any {
	x := h.items[len(h.items)-1]
	h.items = h.items[:len(h.items)-1]
	return x
}
