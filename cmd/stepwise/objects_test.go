package main

import (
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// orderBatches reads orders.csv from bucket "in" in batches of two and
// writes the results to bucket "out".
const orderBatches = `{"StartAt":"M","States":{"M":{"Type":"Map",
	"ItemReader":{"Resource":"arn:aws:states:::s3:getObject","ReaderConfig":{"InputType":"CSV","CSVHeaderLocation":"FIRST_ROW"},"Parameters":{"Bucket":"in","Key.$":"$.key"}},
	"ItemBatcher":{"MaxItemsPerBatch":2},
	"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"EXPRESS"},"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"n.$":"States.ArrayLength($.Items)"},"End":true}}},
	"End":true}}}`

func TestRunWithS3Root(t *testing.T) {
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "in"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "in", "orders.csv"), []byte("id,total\no-1,1\no-2,2\no-3,3\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	def := writeFile(t, "m.asl.json", orderBatches)
	code, out, errs := runCLI(t, def, "--input", `{"key":"orders.csv"}`, "--s3-root", root)
	if code != 0 || out != `[{"n":2},{"n":1}]`+"\n" {
		t.Fatalf("run: code %d, stdout %q, stderr %q", code, out, errs)
	}

	// A missing object is the Map's States.ItemReaderFailed.
	code, _, errs = runCLI(t, def, "--input", `{"key":"nope.csv"}`, "--s3-root", root)
	if code != 1 || !strings.Contains(errs, "States.ItemReaderFailed") {
		t.Fatalf("missing object: code %d, stderr %q", code, errs)
	}

	// --s3-root must be a directory.
	code, _, errs = runCLI(t, def, "--s3-root", filepath.Join(root, "in", "orders.csv"))
	if code != 2 || !strings.Contains(errs, "--s3-root") {
		t.Fatalf("file as --s3-root: code %d, stderr %q", code, errs)
	}
}

// Without --s3-root and without AWS credentials, the Map fails saying how
// to give an object store.
func TestRunWithoutObjectStore(t *testing.T) {
	noCredentials(t)
	def := writeFile(t, "m.asl.json", orderBatches)
	code, out, errs := runCLI(t, def, "--input", `{"key":"orders.csv"}`)
	if code != 1 || out != "" || !strings.Contains(errs, "--s3-root DIR") || !strings.Contains(errs, "States.Runtime") {
		t.Fatalf("run: code %d, stdout %q, stderr %q", code, out, errs)
	}
}

// noCredentials hides every source of AWS credentials from the SDK.
func noCredentials(t *testing.T) {
	t.Helper()
	for _, k := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI"} {
		t.Setenv(k, "")
	}
	missing := filepath.Join(t.TempDir(), "none")
	t.Setenv("AWS_CONFIG_FILE", missing)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", missing)
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("AWS_REGION", "us-east-1")
}

// On the Temporal backend the workers read items: --s3-root is refused
// where no worker runs in process, rather than ignored.
func TestS3RootNeedsTheLocalBackend(t *testing.T) {
	def := writeFile(t, "m.asl.json", orderBatches)
	root := t.TempDir()
	code, _, errs := runCLI(t, def, "--s3-root", root, "--backend", "temporal")
	if code != 2 || !strings.Contains(errs, "--s3-root needs the local backend") {
		t.Fatalf("run: code %d, stderr %q", code, errs)
	}
	if _, err := parseServeFlags([]string{"--s3-root", root, "--backend", "temporal"}); err != nil {
		t.Fatalf("serve with its worker: %v", err)
	}
	if _, err := parseServeFlags([]string{"--s3-root", root, "--backend", "temporal", "--temporal-worker=false"}); err == nil || !strings.Contains(err.Error(), "--s3-root needs the local backend") {
		t.Fatalf("serve: %v", err)
	}
}

// Without --s3-root, with credentials, the Map reads S3 itself through the
// SDK's configuration: here gofakes3 in process, named by AWS_ENDPOINT_URL.
func TestRunReadsS3WithTheSDKConfiguration(t *testing.T) {
	noCredentials(t)
	srv := httptest.NewServer(gofakes3.New(s3mem.New()).Server())
	defer srv.Close()
	t.Setenv("AWS_ENDPOINT_URL", srv.URL)
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	client := s3.NewFromConfig(aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("test", "test", ""), BaseEndpoint: aws.String(srv.URL)},
		func(o *s3.Options) { o.UsePathStyle = true })
	ctx := context.Background()
	if _, err := client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("orders")}); err != nil {
		t.Fatal(err)
	}
	if _, err := client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("orders"), Key: aws.String("day/orders.csv"),
		Body: strings.NewReader("id,total\no-1,1\no-2,2\no-3,3\n")}); err != nil {
		t.Fatal(err)
	}
	def := writeFile(t, "m.asl.json", strings.Replace(orderBatches, `"Bucket":"in"`, `"Bucket":"orders"`, 1))
	code, out, errs := runCLI(t, def, "--input", `{"key":"day/orders.csv"}`)
	if code != 0 || out != `[{"n":2},{"n":1}]`+"\n" {
		t.Fatalf("run: code %d, stdout %q, stderr %q", code, out, errs)
	}
}
