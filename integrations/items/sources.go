package items

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/stepwise/stepwise/asl/value"
)

// lister is the Reader of arn:aws:states:::s3:listObjectsV2: one item per
// object under the prefix, in S3's order, following continuation tokens.
type lister struct {
	objs       Objects
	bucket     string
	prefix     string
	startAfter string

	page    []ObjectInfo
	err     error // sticky: a failed listing
	token   string
	started bool
	done    bool
}

// nextInfo returns the next object of the listing, or io.EOF.
func (l *lister) nextInfo(ctx context.Context) (ObjectInfo, error) {
	for len(l.page) == 0 {
		if l.err != nil {
			return ObjectInfo{}, l.err
		}
		if l.done {
			return ObjectInfo{}, io.EOF
		}
		if err := ctx.Err(); err != nil {
			return ObjectInfo{}, err
		}
		if l.started && l.token == "" {
			l.done = true
			return ObjectInfo{}, io.EOF
		}
		page, err := l.objs.List(ctx, l.bucket, l.prefix, l.token)
		if err != nil {
			if ctx.Err() != nil {
				return ObjectInfo{}, ctx.Err()
			}
			l.err = fmt.Errorf("listing s3://%s/%s: %w", l.bucket, l.prefix, err)
			return ObjectInfo{}, l.err
		}
		l.started = true
		l.token = page.NextContinuationToken
		l.page = page.Objects
		if l.token == "" && len(l.page) == 0 {
			l.done = true
		}
		if l.startAfter != "" {
			// S3's StartAfter: keys after it, in S3's (byte) order.
			i := 0
			for i < len(l.page) && l.page[i].Key <= l.startAfter {
				i++
			}
			l.page = l.page[i:]
		}
	}
	o := l.page[0]
	l.page = l.page[1:]
	return o, nil
}

func (l *lister) Next(ctx context.Context) (any, error) {
	o, err := l.nextInfo(ctx)
	if err != nil {
		return nil, asReaderFault(err)
	}
	return objectItem(o), nil
}

func (l *lister) Close() error { return nil }

// objectItem is the item of one listed object, as AWS passes it to a child
// execution: Etag (with its quotes), Key, LastModified, Size and
// StorageClass, in that order. LastModified is in seconds since the epoch,
// a double as AWS's Java writes it (1.789180622E9, as checked on AWS for a
// JSONPath machine; the developer guide shows 1668699881).
func objectItem(o ObjectInfo) *value.Object {
	item := value.NewObject(5)
	item.Append("Etag", o.ETag)
	item.Append("Key", o.Key)
	item.Append("LastModified", float64(o.LastModified.Unix()))
	item.Append("Size", o.Size)
	sc := o.StorageClass
	if sc == "" {
		sc = "STANDARD"
	}
	item.Append("StorageClass", sc)
	return item
}

// chain reads several objects one after the other, each as cfg says.
type chain struct {
	objs Objects
	cfg  ReaderConfig
	// next returns the next object to read, or io.EOF.
	next func(ctx context.Context) (bucket, key string, err error)
	cur  Reader
	err  error
}

func (c *chain) Next(ctx context.Context) (any, error) {
	if c.err != nil {
		return nil, c.err
	}
	for {
		if c.cur == nil {
			bucket, key, err := c.next(ctx)
			if err != nil {
				c.err = asReaderFault(err)
				return nil, c.err
			}
			r, err := openObject(ctx, c.objs, c.cfg, bucket, key, "")
			if err != nil {
				c.err = asReaderFault(err)
				return nil, c.err
			}
			c.cur = r
		}
		v, err := c.cur.Next(ctx)
		if err == io.EOF {
			cerr := c.cur.Close()
			c.cur = nil
			if cerr != nil {
				c.err = asReaderFault(cerr)
				return nil, c.err
			}
			continue
		}
		if err != nil {
			c.err = err
			return nil, err
		}
		return v, nil
	}
}

func (c *chain) Close() error {
	if c.cur == nil {
		return nil
	}
	err := c.cur.Close()
	c.cur = nil
	return err
}

// maxManifestBytes bounds the manifest files read whole.
const maxManifestBytes = 16 << 20

// inventoryManifest is the manifest.json of an S3 inventory report.
type inventoryManifest struct {
	SourceBucket      string `json:"sourceBucket"`
	DestinationBucket string `json:"destinationBucket"`
	FileFormat        string `json:"fileFormat"`
	FileSchema        string `json:"fileSchema"`
	Files             []struct {
		Key string `json:"key"`
	} `json:"files"`
}

// newManifestReader reads an S3 inventory report: its manifest.json names
// the CSV data files (gzipped, in the manifest's destination bucket) and
// their columns (fileSchema); each row is an item of those columns, every
// value a string, in the order AWS writes them (see hashMapOrder).
func newManifestReader(ctx context.Context, objs Objects, cfg ReaderConfig) (Reader, error) {
	data, err := readSmall(ctx, objs, cfg.Bucket, cfg.Key, cfg.VersionID)
	if err != nil {
		return nil, err
	}
	var m inventoryManifest
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, readerFailed("the S3 inventory manifest s3://%s/%s is not valid JSON: %v", cfg.Bucket, cfg.Key, err)
	}
	if !strings.EqualFold(m.FileFormat, "CSV") {
		return nil, readerFailed("the S3 inventory report is in %q format: Step Functions reads S3 inventory reports in CSV format only", m.FileFormat)
	}
	if strings.TrimSpace(m.FileSchema) == "" {
		return nil, readerFailed("the S3 inventory manifest s3://%s/%s has no fileSchema", cfg.Bucket, cfg.Key)
	}
	var schema []string
	for _, name := range strings.Split(m.FileSchema, ",") {
		schema = append(schema, strings.TrimSpace(name))
	}
	bucket := m.DestinationBucket
	if i := strings.LastIndex(bucket, ":::"); i >= 0 {
		bucket = bucket[i+3:]
	}
	if bucket == "" {
		bucket = cfg.Bucket
	}
	files := m.Files
	dataCfg := ReaderConfig{InputType: "CSV", CSVHeaderLocation: "GIVEN", CSVHeaders: schema}
	return &chain{objs: objs, cfg: dataCfg, next: func(context.Context) (string, string, error) {
		if len(files) == 0 {
			return "", "", io.EOF
		}
		key := files[0].Key
		files = files[1:]
		return bucket, key, nil
	}}, nil
}

// newAthenaReader reads an Athena UNLOAD manifest (ManifestType
// ATHENA_DATA): a list of s3:// URIs, one a line, of data files that are
// all read as InputType.
func newAthenaReader(ctx context.Context, objs Objects, cfg ReaderConfig) (Reader, error) {
	data, err := readSmall(ctx, objs, cfg.Bucket, cfg.Key, cfg.VersionID)
	if err != nil {
		return nil, err
	}
	switch strings.ToUpper(cfg.InputType) {
	case "CSV", "JSONL", "PARQUET":
	default:
		return nil, readerFailed("ManifestType ATHENA_DATA needs InputType CSV, JSONL or PARQUET, not %q", cfg.InputType)
	}
	var uris []string
	sc := bufio.NewScanner(strings.NewReader(string(data)))
	for sc.Scan() {
		if line := strings.TrimSpace(sc.Text()); line != "" {
			uris = append(uris, line)
		}
	}
	return &chain{objs: objs, cfg: cfg, next: func(context.Context) (string, string, error) {
		if len(uris) == 0 {
			return "", "", io.EOF
		}
		uri := uris[0]
		uris = uris[1:]
		rest, ok := strings.CutPrefix(uri, "s3://")
		bucket, key, found := strings.Cut(rest, "/")
		if !ok || !found || bucket == "" || key == "" {
			return "", "", readerFailed("the Athena manifest s3://%s/%s lists %q, which is not an s3://bucket/key URI", cfg.Bucket, cfg.Key, uri)
		}
		return bucket, key, nil
	}}, nil
}

// readSmall reads a whole object of at most maxManifestBytes.
func readSmall(ctx context.Context, objs Objects, bucket, key, versionID string) ([]byte, error) {
	body, err := objs.Open(ctx, bucket, key, versionID)
	if err != nil {
		return nil, fmt.Errorf("reading s3://%s/%s: %w", bucket, key, err)
	}
	defer body.Close()
	plain, err := decompress(body)
	if err != nil {
		return nil, err
	}
	data, err := io.ReadAll(io.LimitReader(plain, maxManifestBytes+1))
	if err != nil {
		return nil, fmt.Errorf("reading s3://%s/%s: %w", bucket, key, err)
	}
	if len(data) > maxManifestBytes {
		return nil, readerFailed("the manifest s3://%s/%s is larger than %d bytes", bucket, key, maxManifestBytes)
	}
	return data, nil
}
