// Package items is the object-store side of a Distributed Map: the items an
// ItemReader reads (a JSON, JSON Lines, CSV or S3 inventory object, or the
// listing of a bucket) and the objects a ResultWriter writes, over S3 or a
// local directory standing in for it.
package items

import (
	"context"
	"errors"
	"io"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// Objects is the object store: S3, or a local directory standing in for it.
type Objects interface {
	// Open streams an object's body. versionID may be empty.
	Open(ctx context.Context, bucket, key, versionID string) (io.ReadCloser, error)
	// List returns one page of the keys under prefix after
	// continuationToken (empty for the first page), in S3's order.
	List(ctx context.Context, bucket, prefix, continuationToken string) (ListPage, error)
	// Put writes an object.
	Put(ctx context.Context, bucket, key string, body []byte) error
}

// ListPage is one page of a listing.
type ListPage struct {
	Objects []ObjectInfo
	// NextContinuationToken is empty on the last page.
	NextContinuationToken string
}

// ObjectInfo describes one object of a listing.
type ObjectInfo struct {
	Key          string
	Size         int64
	ETag         string // as S3 sends it, with its quotes
	LastModified time.Time
	StorageClass string
}

// Dir is a local stand-in for S3: the object bucket/key is the file
// Root/<bucket>/<key>. It implements Objects.
type Dir struct{ Root string }

var errTODO = errors.New("items: not implemented yet")

// Open implements Objects.
func (d Dir) Open(ctx context.Context, bucket, key, versionID string) (io.ReadCloser, error) {
	return nil, errTODO
}

// List implements Objects.
func (d Dir) List(ctx context.Context, bucket, prefix, continuationToken string) (ListPage, error) {
	return ListPage{}, errTODO
}

// Put implements Objects.
func (d Dir) Put(ctx context.Context, bucket, key string, body []byte) error {
	return errTODO
}

// NewS3 returns the Objects of an S3 client.
func NewS3(client *s3.Client) Objects { return s3Objects{client: client} }

type s3Objects struct{ client *s3.Client }

func (o s3Objects) Open(ctx context.Context, bucket, key, versionID string) (io.ReadCloser, error) {
	return nil, errTODO
}

func (o s3Objects) List(ctx context.Context, bucket, prefix, continuationToken string) (ListPage, error) {
	return ListPage{}, errTODO
}

func (o s3Objects) Put(ctx context.Context, bucket, key string, body []byte) error {
	return errTODO
}

// ReaderConfig is an ItemReader after its Parameters (or Arguments) were
// evaluated.
type ReaderConfig struct {
	// Resource is arn:aws:states:::s3:getObject or
	// arn:aws:states:::s3:listObjectsV2.
	Resource                       string
	Bucket, Key, Prefix, VersionID string
	// InputType is ReaderConfig.InputType: "" (listObjectsV2), JSON, JSONL,
	// CSV or MANIFEST. PARQUET is refused with a clear error.
	InputType string
	// CSVHeaderLocation is FIRST_ROW or GIVEN (with CSVHeaders).
	CSVHeaderLocation string
	CSVHeaders        []string
	// CSVDelimiter is COMMA (the default), PIPE, SEMICOLON, SPACE or TAB.
	CSVDelimiter string
	// MaxItems stops reading after that many items; 0 is no limit.
	MaxItems int64
	// Raw is anything else of Parameters, passed on where AWS passes it.
	Raw map[string]any
}

// Reader yields items one at a time, streaming: its memory does not grow
// with the size of the object it reads.
type Reader interface {
	// Next returns the next item as an engine value (asl/value), or io.EOF
	// at the end. Other errors are *fault.Error.
	Next(ctx context.Context) (any, error)
	// Close releases the object being read.
	Close() error
}

// NewReader starts reading the items cfg names from objs.
func NewReader(ctx context.Context, objs Objects, cfg ReaderConfig) (Reader, error) {
	return nil, errTODO
}

// WriterConfig is a ResultWriter after its Parameters (or Arguments) were
// evaluated: the Bucket and Prefix of arn:aws:states:::s3:putObject, and
// WriterConfig's OutputType and Transformation.
type WriterConfig struct {
	Bucket, Prefix             string
	OutputType, Transformation string
}

// ChildResult is one child workflow execution of a map run, as the
// ResultWriter reports it.
type ChildResult struct {
	ExecutionArn, Name, Status string
	Input, Output              any
	Error, Cause               string
	StartDate, StopDate        time.Time
}

// WriteResults writes AWS's layout under Prefix/<mapRunID>/: manifest.json
// and SUCCEEDED_n.json, FAILED_n.json, PENDING_n.json (split as AWS splits
// them), and returns what the Map state outputs: ResultWriterDetails with
// the Bucket and Key of the manifest, as AWS returns it.
func WriteResults(ctx context.Context, objs Objects, cfg WriterConfig, mapRunArn string, results []ChildResult) (any, error) {
	return nil, errTODO
}
