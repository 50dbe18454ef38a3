package items

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/stepwise/stepwise/asl/fault"
)

// VersionId reads the object's version it names (S3 only: Dir has none).
func TestReaderVersionID(t *testing.T) {
	ctx := context.Background()
	client := fakeS3(t)
	if _, err := client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("versioned")}); err != nil {
		t.Fatal(err)
	}
	if _, err := client.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String("versioned"),
		VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusEnabled}}); err != nil {
		t.Fatal(err)
	}
	var versions []string
	for _, body := range []string{`["first"]`, `["second"]`} {
		out, err := client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("versioned"), Key: aws.String("f.json"), Body: strings.NewReader(body)})
		if err != nil {
			t.Fatal(err)
		}
		versions = append(versions, aws.ToString(out.VersionId))
	}
	if versions[0] == "" || versions[0] == versions[1] {
		t.Fatalf("versions %q", versions)
	}
	objs := NewS3(client)
	cfg := ReaderConfig{Resource: ResourceGetObject, Bucket: "versioned", Key: "f.json", InputType: "JSON"}
	for _, tc := range []struct{ version, want string }{{"", `["second"]`}, {versions[0], `["first"]`}, {versions[1], `["second"]`}} {
		cfg.VersionID = tc.version
		if got, err := readAll(t, objs, cfg); err != nil || got != tc.want {
			t.Errorf("version %q: %s, %v; want %s", tc.version, got, err, tc.want)
		}
	}
	cfg.VersionID = "3HL4kqtJlcpXroDTDmjVBH40Nrjfkd"
	_, err := readAll(t, objs, cfg)
	wantFault(t, err, fault.ItemReaderFailed, "...")
	if c := err.(*fault.Error).Cause; !strings.Contains(c, "(Service: S3, Status Code: 4") {
		t.Errorf("cause %q, want an answer of S3", c)
	}
}
