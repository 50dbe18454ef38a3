package items

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/stepwise/stepwise/asl/fault"
)

// Objects is the object store: S3, or a local directory standing in for it.
type Objects interface {
	// Open streams an object's body. versionID may be empty.
	Open(ctx context.Context, bucket, key, versionID string) (io.ReadCloser, error)
	// List returns one page of the keys under prefix after
	// continuationToken (empty for the first page), in S3's order: by the
	// bytes of their UTF-8 names.
	List(ctx context.Context, bucket, prefix, continuationToken string) (ListPage, error)
	// Put writes an object.
	Put(ctx context.Context, bucket, key string, body []byte) error
}

// Deleter is Objects that can delete an object (S3's DeleteObject); an
// object that does not exist is no error.
type Deleter interface {
	Delete(ctx context.Context, bucket, key string) error
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

// S3Error is an error answered by S3, or by Dir where S3 would answer one.
// Objects implementations return it (wrapped or not) so that callers can
// tell a missing key from a broken connection.
type S3Error struct {
	Code       string // S3's error code: NoSuchKey, NoSuchBucket, AccessDenied, ...
	Message    string // S3's message, e.g. "The specified key does not exist."
	StatusCode int    // the HTTP status, 404 for the two above
	RequestID  string // empty when unknown
}

func (e *S3Error) Error() string {
	return fmt.Sprintf("S3 %s: %s", e.Code, e.Message)
}

// The messages S3 sends with its most common errors.
const (
	msgNoSuchKey     = "The specified key does not exist."
	msgNoSuchBucket  = "The specified bucket does not exist"
	msgNoSuchVersion = "The specified version does not exist."
)

// IsNotFound reports whether err is S3's NoSuchKey, NoSuchBucket or
// NoSuchVersion.
func IsNotFound(err error) bool {
	var se *S3Error
	if !errors.As(err, &se) {
		return false
	}
	switch se.Code {
	case "NoSuchKey", "NoSuchBucket", "NoSuchVersion":
		return true
	}
	return false
}

// causeOf is the cause a Step Functions error carries for err: S3's message
// with the service, status and request ID the way the AWS SDK for Java 2.x
// writes them (as the aws-sdk S3 integration's recorded errors show), or the
// error's text.
func causeOf(err error) string {
	var fe *fault.Error
	if errors.As(err, &fe) {
		return fe.Cause
	}
	var se *S3Error
	if errors.As(err, &se) {
		msg := se.Message
		if msg == "" {
			msg = se.Code
		}
		if se.RequestID != "" {
			return fmt.Sprintf("%s (Service: S3, Status Code: %d, Request ID: %s)", msg, se.StatusCode, se.RequestID)
		}
		return fmt.Sprintf("%s (Service: S3, Status Code: %d)", msg, se.StatusCode)
	}
	return err.Error()
}

// readerFailed is States.ItemReaderFailed with cause.
func readerFailed(format string, args ...any) *fault.Error {
	return fault.New(fault.ItemReaderFailed, fmt.Sprintf(format, args...))
}

// asReaderFault turns an error met while reading items into the fault a
// Map state sees: a *fault.Error passes unchanged, a cancelled context
// stays what it is (the execution is stopping, not the reader failing), and
// anything else is States.ItemReaderFailed with the error as its cause.
func asReaderFault(err error) error {
	if err == nil || err == io.EOF {
		return err
	}
	var fe *fault.Error
	if errors.As(err, &fe) {
		return fe
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return fault.New(fault.ItemReaderFailed, causeOf(err))
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
	// CSVHeaderLocation is FIRST_ROW (the default) or GIVEN (with
	// CSVHeaders).
	CSVHeaderLocation string
	CSVHeaders        []string
	// CSVDelimiter is COMMA (the default), PIPE, SEMICOLON, SPACE or TAB.
	CSVDelimiter string
	// MaxItems stops reading after that many items; 0 is no limit. AWS
	// reads 100,000,000 items at most, and refuses a negative limit.
	MaxItems int64
	// Raw is anything else of Parameters, passed on where AWS passes it:
	// listObjectsV2's StartAfter.
	Raw map[string]any

	// ItemsPointer is ReaderConfig.ItemsPointer of a JSON object: a JSON
	// Pointer (RFC 6901, "/inventory/products/featured") to the array of
	// items inside the document; empty for the top-level value.
	ItemsPointer string

	// Transformation is ReaderConfig.Transformation of listObjectsV2: ""
	// or NONE (the objects' metadata are the items) or LOAD_AND_FLATTEN
	// (the items of every listed object, read as InputType).
	Transformation string
	// ManifestType is ReaderConfig.ManifestType of getObject: "" (as
	// InputType says), S3_INVENTORY (the same as InputType MANIFEST) or
	// ATHENA_DATA (an Athena UNLOAD manifest, one s3:// URI a line, whose
	// objects are read as InputType).
	ManifestType string
}

// The resources of an ItemReader.
const (
	ResourceGetObject     = "arn:aws:states:::s3:getObject"
	ResourceListObjectsV2 = "arn:aws:states:::s3:listObjectsV2"
)

// MaxItemsLimit is the most items a Distributed Map reads: "You can specify
// a limit of up to 100,000,000 after which the Distributed Map stops reading
// items".
const MaxItemsLimit = 100_000_000

// Reader yields items one at a time, streaming: its memory does not grow
// with the size of the object it reads. A Reader is for one goroutine at a
// time. After a failure (a *fault.Error), Next keeps returning it; after the
// context's error it may go on with another context.
type Reader interface {
	// Next returns the next item as an engine value (asl/value: *value.Object,
	// []any, string, int64, float64, bool or nil), or io.EOF at the end.
	// Other errors are *fault.Error, or the context's error.
	Next(ctx context.Context) (any, error)
	// Close releases the object being read.
	Close() error
}

// NewReader starts reading the items cfg names from objs. Errors are
// *fault.Error (States.ItemReaderFailed), or the context's error.
func NewReader(ctx context.Context, objs Objects, cfg ReaderConfig) (Reader, error) {
	if cfg.MaxItems < 0 {
		return nil, readerFailed("field MaxItems must be positive")
	}
	r, err := newReader(ctx, objs, cfg)
	if err != nil {
		return nil, asReaderFault(err)
	}
	limit := cfg.MaxItems
	if limit == 0 || limit > MaxItemsLimit {
		limit = MaxItemsLimit
	}
	return &limited{r: r, left: limit}, nil
}

func newReader(ctx context.Context, objs Objects, cfg ReaderConfig) (Reader, error) {
	switch cfg.Resource {
	case ResourceListObjectsV2:
		if cfg.Bucket == "" {
			return nil, readerFailed("the ItemReader's Parameters have no Bucket")
		}
		startAfter, _ := cfg.Raw["StartAfter"].(string)
		l := &lister{objs: objs, bucket: cfg.Bucket, prefix: cfg.Prefix, startAfter: startAfter}
		switch strings.ToUpper(cfg.Transformation) {
		case "", "NONE":
			return l, nil
		case "LOAD_AND_FLATTEN":
			if cfg.InputType == "" {
				return nil, readerFailed("ReaderConfig.InputType is required when Transformation is LOAD_AND_FLATTEN")
			}
			// The items of every listed object. Keys ending in a slash
			// (the folders the S3 console creates) hold no data.
			return &chain{objs: objs, cfg: cfg, next: func(ctx context.Context) (string, string, error) {
				for {
					o, err := l.nextInfo(ctx)
					if err != nil {
						return "", "", err
					}
					if !strings.HasSuffix(o.Key, "/") {
						return l.bucket, o.Key, nil
					}
				}
			}}, nil
		}
		return nil, readerFailed("unknown ReaderConfig.Transformation %q: expected NONE or LOAD_AND_FLATTEN", cfg.Transformation)
	case ResourceGetObject:
		if cfg.Bucket == "" || cfg.Key == "" {
			return nil, readerFailed("the ItemReader's Parameters need a Bucket and a Key")
		}
		switch strings.ToUpper(cfg.ManifestType) {
		case "":
		case "S3_INVENTORY":
			return newManifestReader(ctx, objs, cfg)
		case "ATHENA_DATA":
			return newAthenaReader(ctx, objs, cfg)
		default:
			return nil, readerFailed("unknown ReaderConfig.ManifestType %q: expected S3_INVENTORY or ATHENA_DATA", cfg.ManifestType)
		}
		if strings.ToUpper(cfg.InputType) == "MANIFEST" {
			return newManifestReader(ctx, objs, cfg)
		}
		return openObject(ctx, objs, cfg, cfg.Bucket, cfg.Key, cfg.VersionID)
	case "":
		return nil, readerFailed("the ItemReader has no Resource")
	}
	return nil, readerFailed("unsupported ItemReader Resource %q: expected %s or %s", cfg.Resource, ResourceGetObject, ResourceListObjectsV2)
}

// openObject opens one object and reads it as cfg.InputType.
func openObject(ctx context.Context, objs Objects, cfg ReaderConfig, bucket, key, versionID string) (Reader, error) {
	kind := strings.ToUpper(cfg.InputType)
	var parse func(io.Reader) (recordReader, error)
	switch kind {
	case "JSON":
		pointer, err := parsePointer(cfg.ItemsPointer)
		if err != nil {
			return nil, err
		}
		parse = func(r io.Reader) (recordReader, error) { return newJSONArray(r, pointer) }
	case "JSONL":
		parse = func(r io.Reader) (recordReader, error) { return newJSONLines(r), nil }
	case "CSV":
		parse = func(r io.Reader) (recordReader, error) { return newCSVItems(r, cfg) }
	case "PARQUET":
		return nil, readerFailed("ReaderConfig.InputType PARQUET is not supported by Stepwise: convert the data set to CSV, JSON or JSONL")
	case "MANIFEST":
		return nil, readerFailed("ReaderConfig.InputType MANIFEST reads an S3 inventory manifest.json, not the objects it lists")
	case "":
		return nil, readerFailed("the ItemReader's ReaderConfig has no InputType: expected CSV, JSON, JSONL or MANIFEST")
	default:
		return nil, readerFailed("unknown ReaderConfig.InputType %q: expected CSV, JSON, JSONL, MANIFEST or PARQUET", cfg.InputType)
	}
	if kind == "CSV" {
		// Check the configuration before touching the object.
		if _, err := csvDelimiter(cfg.CSVDelimiter); err != nil {
			return nil, err
		}
		if _, err := givenHeaders(cfg); err != nil {
			return nil, err
		}
	}
	body, err := objs.Open(ctx, bucket, key, versionID)
	if err != nil {
		return nil, fmt.Errorf("reading s3://%s/%s: %w", bucket, key, err)
	}
	plain, err := decompress(body)
	if err != nil {
		body.Close()
		return nil, err
	}
	rr, err := parse(plain)
	if err != nil {
		body.Close()
		return nil, err
	}
	return &objectReader{body: body, rec: rr}, nil
}

// recordReader yields the items of one object's body.
type recordReader interface {
	next() (any, error)
}

// objectReader is the Reader of one object.
type objectReader struct {
	body io.Closer
	rec  recordReader
	err  error // sticky
}

func (o *objectReader) Next(ctx context.Context) (any, error) {
	if o.err != nil {
		return nil, o.err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	v, err := o.rec.next()
	if err != nil {
		o.err = asReaderFault(err)
		return nil, o.err
	}
	return v, nil
}

func (o *objectReader) Close() error {
	if o.body == nil {
		return nil
	}
	err := o.body.Close()
	o.body = nil
	return err
}

// limited stops a Reader after a number of items.
type limited struct {
	r    Reader
	left int64
}

func (l *limited) Next(ctx context.Context) (any, error) {
	if l.left <= 0 {
		return nil, io.EOF
	}
	v, err := l.r.Next(ctx)
	if err != nil {
		return nil, asReaderFault(err)
	}
	l.left--
	return v, nil
}

func (l *limited) Close() error { return l.r.Close() }
