package items

import (
	"context"
	"errors"
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/stepwise/stepwise/asl/fault"
	"github.com/stepwise/stepwise/asl/value"
)

// store is an object store under test, with a way to make buckets.
type store struct {
	name      string
	objs      Objects
	mkBucket  func(t *testing.T, bucket string)
	putObject func(t *testing.T, bucket, key string, body []byte) // bypassing Objects.Put
}

// stores returns the two implementations the package offers, each empty:
// a Dir over a temporary directory, and S3 (gofakes3 in process) through
// the SDK's client and NewS3.
func stores(t *testing.T) []store {
	t.Helper()
	root := t.TempDir()
	dir := store{
		name: "dir",
		objs: Dir{Root: root},
		mkBucket: func(t *testing.T, bucket string) {
			if err := os.MkdirAll(filepath.Join(root, bucket), 0o755); err != nil {
				t.Fatal(err)
			}
		},
		putObject: func(t *testing.T, bucket, key string, body []byte) {
			p := filepath.Join(root, bucket, filepath.FromSlash(key))
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, body, 0o644); err != nil {
				t.Fatal(err)
			}
		},
	}
	client := fakeS3(t)
	s3s := store{
		name: "s3",
		objs: NewS3(client),
		mkBucket: func(t *testing.T, bucket string) {
			if _, err := client.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
				t.Fatal(err)
			}
		},
		putObject: func(t *testing.T, bucket, key string, body []byte) {
			if _, err := client.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: strings.NewReader(string(body))}); err != nil {
				t.Fatal(err)
			}
		},
	}
	return []store{dir, s3s}
}

// fakeS3 serves S3 with gofakes3 in process and returns a client of it.
func fakeS3(t *testing.T) *s3.Client {
	t.Helper()
	srv := httptest.NewServer(gofakes3.New(s3mem.New()).Server())
	t.Cleanup(srv.Close)
	return s3.New(s3.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(srv.URL),
		UsePathStyle: true,
		Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
	})
}

// readAll reads every item of a reader, as one JSON array text.
func readAll(t *testing.T, objs Objects, cfg ReaderConfig) (string, error) {
	t.Helper()
	ctx := context.Background()
	r, err := NewReader(ctx, objs, cfg)
	if err != nil {
		return "", err
	}
	defer func() {
		if err := r.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	}()
	var items []any
	for {
		v, err := r.Next(ctx)
		if err == io.EOF {
			break
		}
		if err != nil {
			return value.EncodeString(items), err
		}
		items = append(items, v)
	}
	if items == nil {
		items = []any{}
	}
	return value.EncodeString(items), nil
}

// wantFault checks that err is the fault name with the cause (a cause
// ending in "..." is a prefix).
func wantFault(t *testing.T, err error, name, cause string) {
	t.Helper()
	var fe *fault.Error
	if !errors.As(err, &fe) {
		t.Fatalf("error %v (%T), want fault %s", err, err, name)
	}
	if fe.Name != name {
		t.Errorf("error name %q, want %q (cause %q)", fe.Name, name, fe.Cause)
	}
	if p, ok := strings.CutSuffix(cause, "..."); ok {
		if !strings.HasPrefix(fe.Cause, p) {
			t.Errorf("cause %q, want prefix %q", fe.Cause, p)
		}
	} else if fe.Cause != cause {
		t.Errorf("cause %q, want %q", fe.Cause, cause)
	}
}

var epoch = time.Date(2025, 2, 4, 1, 49, 50, 99e6, time.UTC)
