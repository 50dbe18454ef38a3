package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/stepwise/stepwise/asl/fault"
	"github.com/stepwise/stepwise/integrations/items"
)

// objectsUsage documents --s3-root in the usages of run and test;
// objectsServeUsage in serve's, whose descriptions start two columns
// further.
const (
	objectsUsage = `  --s3-root DIR           a directory standing in for S3, for Distributed Maps'
                          ItemReader and ResultWriter: the object BUCKET/KEY is
                          the file DIR/BUCKET/KEY. Without it they use S3 itself,
                          with the AWS SDK's configuration (AWS_PROFILE,
                          AWS_REGION, AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL, ...),
                          when credentials are found
`
	objectsServeUsage = `  --s3-root DIR             a directory standing in for S3, for Distributed Maps'
                            ItemReader and ResultWriter: the object BUCKET/KEY is
                            the file DIR/BUCKET/KEY. Without it they use S3 itself,
                            with the AWS SDK's configuration (AWS_PROFILE,
                            AWS_REGION, AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL, ...),
                            when credentials are found
`
)

// objectsFlag is the --s3-root flag of run, test and serve.
type objectsFlag struct{ root string }

// addObjectsFlag defines --s3-root on fs.
func addObjectsFlag(fs *flag.FlagSet) *objectsFlag {
	f := &objectsFlag{}
	fs.StringVar(&f.root, "s3-root", "", "")
	return f
}

// objects returns the object store the flag names: items.Dir over
// --s3-root (which must be a directory), else S3 with the SDK's
// configuration, loaded when a Map first needs it.
func (f *objectsFlag) objects() (items.Objects, error) {
	if f.root == "" {
		return &sdkS3{}, nil
	}
	abs, err := filepath.Abs(f.root)
	if err != nil {
		return nil, fmt.Errorf("--s3-root: %w", err)
	}
	st, err := os.Stat(abs)
	if err != nil {
		return nil, fmt.Errorf("--s3-root: %w", err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("--s3-root: %s is not a directory", f.root)
	}
	return items.Dir{Root: abs}, nil
}

// sdkS3 is S3 through aws-sdk-go-v2, configured on first use (so that a
// run without a Distributed Map never loads the AWS configuration), and
// only when credentials are found: otherwise every use fails with
// States.Runtime saying to give --s3-root.
type sdkS3 struct {
	once sync.Once
	objs items.Objects
	err  error
}

func (s *sdkS3) load(ctx context.Context) (items.Objects, error) {
	s.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		cfg, err := config.LoadDefaultConfig(ctx)
		if err == nil {
			_, err = cfg.Credentials.Retrieve(ctx)
		}
		if err != nil {
			s.err = fault.New(fault.Runtime, "no object store for the Distributed Map: give a directory standing in for S3 with --s3-root DIR, "+
				"or AWS credentials for S3 itself (none were found: "+err.Error()+")")
			return
		}
		// An endpoint of one's own (LocalStack, MinIO) wants path-style
		// addresses.
		custom := os.Getenv("AWS_ENDPOINT_URL_S3") != "" || os.Getenv("AWS_ENDPOINT_URL") != ""
		s.objs = items.NewS3(s3.NewFromConfig(cfg, func(o *s3.Options) {
			o.UsePathStyle = custom
			// Validate response checksums only when a request asks for
			// them, so that a store that sends none (MinIO, LocalStack,
			// gofakes3) prints no SDK warning on stderr.
			o.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenRequired
		}))
	})
	return s.objs, s.err
}

// Delete implements items.Deleter.
func (s *sdkS3) Delete(ctx context.Context, bucket, key string) error {
	objs, err := s.load(ctx)
	if err != nil {
		return err
	}
	d, ok := objs.(items.Deleter)
	if !ok {
		return nil
	}
	return d.Delete(ctx, bucket, key)
}

// Open implements items.Objects.
func (s *sdkS3) Open(ctx context.Context, bucket, key, versionID string) (io.ReadCloser, error) {
	objs, err := s.load(ctx)
	if err != nil {
		return nil, err
	}
	return objs.Open(ctx, bucket, key, versionID)
}

// List implements items.Objects.
func (s *sdkS3) List(ctx context.Context, bucket, prefix, continuationToken string) (items.ListPage, error) {
	objs, err := s.load(ctx)
	if err != nil {
		return items.ListPage{}, err
	}
	return objs.List(ctx, bucket, prefix, continuationToken)
}

// Put implements items.Objects.
func (s *sdkS3) Put(ctx context.Context, bucket, key string, body []byte) error {
	objs, err := s.load(ctx)
	if err != nil {
		return err
	}
	return objs.Put(ctx, bucket, key, body)
}
