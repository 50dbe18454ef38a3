package items

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
)

// NewS3 returns the Objects of an S3 client. Errors S3 answers are
// *S3Error (wrapped).
func NewS3(client *s3.Client) Objects { return s3Objects{client: client} }

type s3Objects struct{ client *s3.Client }

// Open implements Objects with GetObject.
func (o s3Objects) Open(ctx context.Context, bucket, key, versionID string) (io.ReadCloser, error) {
	in := &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)}
	if versionID != "" {
		in.VersionId = aws.String(versionID)
	}
	out, err := o.client.GetObject(ctx, in)
	if err != nil {
		return nil, s3Err("GetObject", err)
	}
	return out.Body, nil
}

// List implements Objects with ListObjectsV2.
func (o s3Objects) List(ctx context.Context, bucket, prefix, continuationToken string) (ListPage, error) {
	in := &s3.ListObjectsV2Input{Bucket: aws.String(bucket)}
	if prefix != "" {
		in.Prefix = aws.String(prefix)
	}
	if continuationToken != "" {
		in.ContinuationToken = aws.String(continuationToken)
	}
	out, err := o.client.ListObjectsV2(ctx, in)
	if err != nil {
		return ListPage{}, s3Err("ListObjectsV2", err)
	}
	page := ListPage{Objects: make([]ObjectInfo, 0, len(out.Contents))}
	for _, c := range out.Contents {
		page.Objects = append(page.Objects, ObjectInfo{
			Key:          aws.ToString(c.Key),
			Size:         aws.ToInt64(c.Size),
			ETag:         aws.ToString(c.ETag),
			LastModified: aws.ToTime(c.LastModified),
			StorageClass: string(c.StorageClass),
		})
	}
	if aws.ToBool(out.IsTruncated) {
		page.NextContinuationToken = aws.ToString(out.NextContinuationToken)
	}
	return page, nil
}

// Delete implements Deleter with DeleteObject.
func (o s3Objects) Delete(ctx context.Context, bucket, key string) error {
	if _, err := o.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)}); err != nil {
		return s3Err("DeleteObject", err)
	}
	return nil
}

// Put implements Objects with PutObject.
func (o s3Objects) Put(ctx context.Context, bucket, key string, body []byte) error {
	_, err := o.client.PutObject(ctx, &s3.PutObjectInput{
		Bucket:        aws.String(bucket),
		Key:           aws.String(key),
		Body:          bytes.NewReader(body),
		ContentLength: aws.Int64(int64(len(body))),
	})
	if err != nil {
		return s3Err("PutObject", err)
	}
	return nil
}

// PutReader implements ReaderPutter with PutObject.
func (o s3Objects) PutReader(ctx context.Context, bucket, key string, body io.ReadSeeker, size int64) error {
	_, err := o.client.PutObject(ctx, &s3.PutObjectInput{
		Bucket:        aws.String(bucket),
		Key:           aws.String(key),
		Body:          body,
		ContentLength: aws.Int64(size),
	})
	if err != nil {
		return s3Err("PutObject", err)
	}
	return nil
}

// s3Err turns an error of the S3 client into an *S3Error when S3 answered
// one, keeping the call's name.
func s3Err(op string, err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	var api smithy.APIError
	if !errors.As(err, &api) {
		return fmt.Errorf("S3 %s: %w", op, err)
	}
	se := &S3Error{Code: api.ErrorCode(), Message: api.ErrorMessage()}
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		se.StatusCode = re.HTTPStatusCode()
		se.RequestID = re.ServiceRequestID()
	}
	if se.Message == "" {
		// Some S3 answers (a GetObject of a missing key in some servers)
		// carry no message; S3's own is the one Step Functions shows.
		switch se.Code {
		case "NoSuchKey":
			se.Message = msgNoSuchKey
		case "NoSuchBucket":
			se.Message = msgNoSuchBucket
		case "NoSuchVersion":
			se.Message = msgNoSuchVersion
		}
	}
	return fmt.Errorf("S3 %s: %w", op, se)
}
