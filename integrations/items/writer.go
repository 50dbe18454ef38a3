package items

import (
	"bytes"
	"context"
	"errors"
	"fmt"
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
// Failures are States.ResultWriterFailed.
func WriteResults(ctx context.Context, objs Objects, cfg WriterConfig, mapRunArn string, results []ChildResult) (any, error) {
	out, err := writeResults(ctx, objs, cfg, mapRunArn, results)
	if err != nil {
		var fe *fault.Error
		if errors.As(err, &fe) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return nil, err
		}
		return nil, fault.New(fault.ResultWriterFailed, causeOf(err))
	}
	return out, nil
}

func writerFailed(format string, args ...any) *fault.Error {
	return fault.New(fault.ResultWriterFailed, fmt.Sprintf(format, args...))
}

func writeResults(ctx context.Context, objs Objects, cfg WriterConfig, mapRunArn string, results []ChildResult) (any, error) {
	if cfg.Bucket == "" {
		return nil, writerFailed("the ResultWriter's Parameters have no Bucket")
	}
	jsonl := false
	switch strings.ToUpper(cfg.OutputType) {
	case "", "JSON":
	case "JSONL":
		jsonl = true
	default:
		return nil, writerFailed("unknown WriterConfig.OutputType %q: expected JSON or JSONL", cfg.OutputType)
	}
	transform := strings.ToUpper(cfg.Transformation)
	switch transform {
	case "", "NONE", "COMPACT", "FLATTEN":
	default:
		return nil, writerFailed("unknown WriterConfig.Transformation %q: expected NONE, COMPACT or FLATTEN", cfg.Transformation)
	}
	i := strings.LastIndexByte(mapRunArn, ':')
	if i < 0 || i == len(mapRunArn)-1 {
		return nil, writerFailed("the map run ARN %q has no ID", mapRunArn)
	}
	runID := mapRunArn[i+1:]
	dir := runID + "/"
	if p := strings.TrimSuffix(cfg.Prefix, "/"); p != "" {
		dir = p + "/" + runID + "/"
	}
	smArn := childStateMachineArn(mapRunArn)
	limit := cfg.MaxFileBytes
	if limit <= 0 {
		limit = MaxResultFileBytes
	}

	groups := map[string][]any{}
	for _, r := range results {
		cat, rec, err := resultRecord(r, smArn, transform)
		if err != nil {
			return nil, err
		}
		if cat == statusSucceeded && transform == "FLATTEN" {
			if arr, ok := rec.([]any); ok {
				groups[cat] = append(groups[cat], arr...)
				continue
			}
		}
		groups[cat] = append(groups[cat], rec)
	}

	files := value.NewObject(3)
	for _, cat := range []string{statusFailed, statusPending, statusSucceeded} {
		list := []any{}
		for n, body := range splitFiles(groups[cat], jsonl, limit) {
			key := fmt.Sprintf("%s%s_%d.json", dir, cat, n)
			if err := objs.Put(ctx, cfg.Bucket, key, body); err != nil {
				return nil, fmt.Errorf("writing s3://%s/%s: %w", cfg.Bucket, key, err)
			}
			entry := value.NewObject(2)
			entry.Append("Key", key)
			entry.Append("Size", int64(len(body)))
			list = append(list, entry)
		}
		files.Append(cat, list)
	}
	manifest := value.NewObject(3)
	manifest.Append("DestinationBucket", cfg.Bucket)
	manifest.Append("MapRunArn", mapRunArn)
	manifest.Append("ResultFiles", files)
	key := dir + "manifest.json"
	if err := objs.Put(ctx, cfg.Bucket, key, value.Encode(manifest)); err != nil {
		return nil, fmt.Errorf("writing s3://%s/%s: %w", cfg.Bucket, key, err)
	}
	details := value.NewObject(2)
	details.Append("Bucket", cfg.Bucket)
	details.Append("Key", key)
	out := value.NewObject(2)
	out.Append("MapRunArn", mapRunArn)
	out.Append("ResultWriterDetails", details)
	return out, nil
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

// splitFiles encodes records as the bodies of the result files of one
// category: a JSON array (or JSON Lines) each, a new file started before a
// record that would take the current one over limit. No records, no file.
func splitFiles(records []any, jsonl bool, limit int64) [][]byte {
	var files [][]byte
	var cur bytes.Buffer
	count := 0
	flush := func() {
		if count == 0 {
			return
		}
		if !jsonl {
			cur.WriteByte(']')
		}
		files = append(files, bytes.Clone(cur.Bytes()))
		cur.Reset()
		count = 0
	}
	for _, rec := range records {
		enc := value.Encode(rec)
		extra := int64(len(enc)) + 1 // a comma, a bracket or a newline
		if count > 0 && int64(cur.Len())+extra+1 > limit {
			flush()
		}
		switch {
		case jsonl:
			cur.Write(enc)
			cur.WriteByte('\n')
		case count == 0:
			cur.WriteByte('[')
			cur.Write(enc)
		default:
			cur.WriteByte(',')
			cur.Write(enc)
		}
		count++
	}
	flush()
	return files
}
