package items

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/stepwise/stepwise/asl/fault"
	"github.com/stepwise/stepwise/asl/value"
)

// WriterConfig is a ResultWriter after its Parameters (or Arguments) were
// evaluated: the Bucket and Prefix of arn:aws:states:::s3:putObject, and
// WriterConfig's OutputType (JSON, the default, or JSONL) and
// Transformation (NONE, the default when exporting, COMPACT or FLATTEN).
type WriterConfig struct {
	Bucket, Prefix             string
	OutputType, Transformation string

	// MaxFileBytes is the size from which a result file is split into the
	// next (SUCCEEDED_1.json after SUCCEEDED_0.json); 0 is AWS's 5 GB.
	MaxFileBytes int64
}

// ResourcePutObject is the resource of a ResultWriter.
const ResourcePutObject = "arn:aws:states:::s3:putObject"

// MaxResultFileBytes is the largest result file AWS writes: "Step Functions
// supports individual result files of up to 5 GB".
const MaxResultFileBytes = 5 << 30

// ChildResult is one child workflow execution of a map run, as the
// ResultWriter reports it. Status is SUCCEEDED, FAILED, TIMED_OUT, ABORTED
// (these three go to the FAILED files) or PENDING (an item whose execution
// never started because the map run failed or was aborted).
type ChildResult struct {
	ExecutionArn, Name, Status string
	Input, Output              any // engine values
	Error, Cause               string
	StartDate, StopDate        time.Time

	// StateMachineArn is the child's state machine; empty means the map
	// run's (arn:...:stateMachine:<machine>/<label>, derived from the map
	// run ARN as AWS names it).
	StateMachineArn string
	// RedriveCount is the number of times the child was redriven.
	RedriveCount int64
}

// The result-file categories, as manifest.json names them.
const (
	statusSucceeded = "SUCCEEDED"
	statusFailed    = "FAILED"
	statusPending   = "PENDING"
)

// WriteResults writes AWS's layout under Prefix/<mapRunID>/: the result
// files SUCCEEDED_n.json, FAILED_n.json and PENDING_n.json (only those with
// results, each split at MaxFileBytes), then manifest.json listing them. It
// returns what the Map state outputs:
//
//	{"MapRunArn": ..., "ResultWriterDetails": {"Bucket": ..., "Key": ".../manifest.json"}}
//
// Failures are States.ResultWriterFailed. It spools results (ResultSpool)
// and writes them with WriteSpooled; a map run spools its children's as
// they end instead.
func WriteResults(ctx context.Context, objs Objects, cfg WriterConfig, mapRunArn string, results []ChildResult) (any, error) {
	s, err := NewResultSpool(cfg, mapRunArn)
	if err != nil {
		return nil, err
	}
	defer func() { _ = s.Close() }()
	for i, r := range results {
		if err := s.Add(i, r); err != nil {
			return nil, WriterError(err)
		}
	}
	return WriteSpooled(ctx, objs, s)
}

// WriteSpooled writes the result files of the results in s, as
// WriteResults does, streaming them from the spool: a result file is
// built in a temporary file and put from there when objs is a
// ReaderPutter, so that no more than a record is in memory at a time.
func WriteSpooled(ctx context.Context, objs Objects, s *ResultSpool) (any, error) {
	return s.Write(ctx, objs)
}

// Write writes the result files of the results in the spool
// (WriteSpooled); it makes *ResultSpool a ResultSink.
func (s *ResultSpool) Write(ctx context.Context, objs Objects) (any, error) {
	out, err := s.write(ctx, objs)
	if err != nil {
		return nil, WriterError(err)
	}
	return out, nil
}

// WriterError makes err States.ResultWriterFailed, unless it is another
// fault or the context's: what WriteResults and WriteSpooled fail with.
func WriterError(err error) error {
	var fe *fault.Error
	if errors.As(err, &fe) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return fault.New(fault.ResultWriterFailed, causeOf(err))
}

// ReaderPutter is implemented by Objects that write an object from a
// reader of known size (Dir and NewS3's), which spares WriteSpooled a
// result file's copy in memory.
type ReaderPutter interface {
	PutReader(ctx context.Context, bucket, key string, body io.ReadSeeker, size int64) error
}

func writerFailed(format string, args ...any) *fault.Error {
	return fault.New(fault.ResultWriterFailed, fmt.Sprintf(format, args...))
}

// write writes the result files and the manifest.
func (s *ResultSpool) write(ctx context.Context, objs Objects) (any, error) {
	limit := s.cfg.MaxFileBytes
	if limit <= 0 {
		limit = MaxResultFileBytes
	}
	tmp, err := os.CreateTemp("", "stepwise-result-file-*")
	if err != nil {
		return nil, fmt.Errorf("writing results: %w", err)
	}
	defer func() { _ = removeTemp(tmp) }()
	files := value.NewObject(3)
	for _, cat := range []string{statusFailed, statusPending, statusSucceeded} {
		list := []any{}
		if sf := s.files[cat]; sf != nil {
			rf := &resultFiles{ctx: ctx, objs: objs, bucket: s.cfg.Bucket, prefix: s.runDir + cat, jsonl: s.jsonl, limit: limit, tmp: tmp}
			if err := sf.each(s.sortChunk, s.sortFanIn, rf.add); err != nil {
				return nil, err
			}
			if err := rf.flush(); err != nil {
				return nil, err
			}
			list = rf.written
		}
		files.Append(cat, list)
	}
	manifest := value.NewObject(3)
	manifest.Append("DestinationBucket", s.cfg.Bucket)
	manifest.Append("MapRunArn", s.mapRunArn)
	manifest.Append("ResultFiles", files)
	key := s.runDir + "manifest.json"
	if err := objs.Put(ctx, s.cfg.Bucket, key, value.Encode(manifest)); err != nil {
		return nil, fmt.Errorf("writing s3://%s/%s: %w", s.cfg.Bucket, key, err)
	}
	details := value.NewObject(2)
	details.Append("Bucket", s.cfg.Bucket)
	details.Append("Key", key)
	out := value.NewObject(2)
	out.Append("MapRunArn", s.mapRunArn)
	out.Append("ResultWriterDetails", details)
	return out, nil
}

// resultFiles writes the result files of one category: a JSON array (or
// JSON Lines) each, a new file started before a record that would take
// the current one over limit. No records, no file. The file being built
// is tmp's content.
type resultFiles struct {
	ctx            context.Context
	objs           Objects
	bucket, prefix string // prefix: .../<map run id>/<category>
	jsonl          bool
	limit          int64
	tmp            *os.File
	w              *bufio.Writer
	size           int64
	count          int
	written        []any // the manifest's entries
}

// add adds a record (its JSON text) to the files.
func (rf *resultFiles) add(rec []byte) error {
	extra := int64(len(rec)) + 1 // a comma, a bracket or a newline
	if rf.count > 0 && rf.size+extra+1 > rf.limit {
		if err := rf.flush(); err != nil {
			return err
		}
	}
	if rf.w == nil {
		rf.w = bufio.NewWriterSize(rf.tmp, 64<<10)
	}
	switch {
	case rf.jsonl:
		_, _ = rf.w.Write(rec)
		_ = rf.w.WriteByte('\n')
	case rf.count == 0:
		_ = rf.w.WriteByte('[')
		_, _ = rf.w.Write(rec)
	default:
		_ = rf.w.WriteByte(',')
		_, _ = rf.w.Write(rec)
	}
	rf.size += extra
	rf.count++
	return nil
}

// flush puts the file being built, if it has records, and starts the
// next.
func (rf *resultFiles) flush() error {
	if rf.count == 0 {
		return nil
	}
	if !rf.jsonl {
		_ = rf.w.WriteByte(']')
	}
	if err := rf.w.Flush(); err != nil {
		return fmt.Errorf("writing results: %w", err)
	}
	key := fmt.Sprintf("%s_%d.json", rf.prefix, len(rf.written))
	size, err := rf.tmp.Seek(0, io.SeekCurrent)
	if err != nil {
		return fmt.Errorf("writing results: %w", err)
	}
	if err := putFile(rf.ctx, rf.objs, rf.bucket, key, rf.tmp, size); err != nil {
		return fmt.Errorf("writing s3://%s/%s: %w", rf.bucket, key, err)
	}
	entry := value.NewObject(2)
	entry.Append("Key", key)
	entry.Append("Size", size)
	rf.written = append(rf.written, entry)
	if err := rf.tmp.Truncate(0); err != nil {
		return fmt.Errorf("writing results: %w", err)
	}
	if _, err := rf.tmp.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("writing results: %w", err)
	}
	rf.w.Reset(rf.tmp)
	rf.size, rf.count = 0, 0
	return nil
}

// putFile puts the first size bytes of f as bucket/key: streamed with a
// ReaderPutter, else read into memory for Put.
func putFile(ctx context.Context, objs Objects, bucket, key string, f *os.File, size int64) error {
	if rp, ok := objs.(ReaderPutter); ok {
		return rp.PutReader(ctx, bucket, key, io.NewSectionReader(f, 0, size), size)
	}
	body := make([]byte, size)
	if _, err := f.ReadAt(body, 0); err != nil && err != io.EOF {
		return err
	}
	return objs.Put(ctx, bucket, key, body)
}

// childStateMachineArn is the state machine ARN of a map run's children:
// arn:...:mapRun:<machine>/<label>:<id> gives arn:...:stateMachine:<machine>/<label>.
func childStateMachineArn(mapRunArn string) string {
	s := mapRunArn
	if i := strings.LastIndexByte(s, ':'); i >= 0 {
		s = s[:i]
	}
	return strings.Replace(s, ":mapRun:", ":stateMachine:", 1)
}

// resultRecord returns the file category of a child and what its file
// holds for it: with Transformation NONE the execution's record (members in
// AWS's alphabetical order, input and output as JSON text); with COMPACT or
// FLATTEN a succeeded child's output alone (failed ones keep their record,
// as AWS documents).
func resultRecord(r ChildResult, smArn, transform string) (string, any, error) {
	cat := statusFailed
	switch r.Status {
	case statusSucceeded:
		cat = statusSucceeded
		if transform == "COMPACT" || transform == "FLATTEN" {
			return cat, r.Output, nil
		}
	case statusPending:
		rec := value.NewObject(3)
		rec.Append("Input", value.EncodeString(r.Input))
		rec.Append("InputDetails", included())
		rec.Append("Status", statusPending)
		return statusPending, rec, nil
	case "FAILED", "TIMED_OUT", "ABORTED":
	default:
		return "", nil, writerFailed("child execution %q has status %q: expected SUCCEEDED, FAILED, TIMED_OUT, ABORTED or PENDING", r.ExecutionArn, r.Status)
	}
	if r.StateMachineArn != "" {
		smArn = r.StateMachineArn
	}
	rec := value.NewObject(16)
	if cat == statusFailed {
		if r.Cause != "" {
			rec.Append("Cause", r.Cause)
		}
		if r.Error != "" {
			rec.Append("Error", r.Error)
		}
	}
	rec.Append("ExecutionArn", r.ExecutionArn)
	rec.Append("Input", value.EncodeString(r.Input))
	rec.Append("InputDetails", included())
	rec.Append("Name", r.Name)
	if cat == statusSucceeded {
		rec.Append("Output", value.EncodeString(r.Output))
		rec.Append("OutputDetails", included())
	}
	rec.Append("RedriveCount", r.RedriveCount)
	if cat == statusSucceeded {
		rec.Append("RedriveStatus", "NOT_REDRIVABLE")
		rec.Append("RedriveStatusReason", "Execution is SUCCEEDED and cannot be redriven")
	} else {
		rec.Append("RedriveStatus", "REDRIVABLE_BY_MAP_RUN")
	}
	rec.Append("StartDate", isoMillis(r.StartDate))
	rec.Append("StateMachineArn", smArn)
	rec.Append("Status", r.Status)
	rec.Append("StopDate", isoMillis(r.StopDate))
	return cat, rec, nil
}

func included() *value.Object {
	o := value.NewObject(1)
	o.Append("Included", true)
	return o
}

// isoMillis writes a time as the result files do: 2025-02-04T01:49:50.099Z.
func isoMillis(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}
