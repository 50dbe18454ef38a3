package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/stepwise/stepwise/asl/fault"
	"github.com/stepwise/stepwise/asl/value"
)

// The hand-written workflow and its activities, one per Go function.
const (
	handWrittenName = "bench.ImageCatalog"
	actModeration   = "bench.detectModerationLabels"
	actLabels       = "bench.detectLabels"
	actText         = "bench.detectText"
	actUpdateItem   = "bench.updateItem"
	actPublish      = "bench.publish"
)

// activityNames maps the Task states' resources to the activities that
// call the same Go functions.
var activityNames = map[string]string{
	resModeration: actModeration,
	resLabels:     actLabels,
	resText:       actText,
	resUpdateItem: actUpdateItem,
	resPublish:    actPublish,
}

// registerHandWritten registers the hand-written workflow and its
// activities, which call funcs.
func registerHandWritten(r interface {
	RegisterWorkflowWithOptions(w any, options workflow.RegisterOptions)
	RegisterActivityWithOptions(a any, options activity.RegisterOptions)
}, funcs map[string]goFunc) {
	r.RegisterWorkflowWithOptions(ImageCatalog, workflow.RegisterOptions{Name: handWrittenName})
	for res, name := range activityNames {
		r.RegisterActivityWithOptions(activityOf(funcs[res]), activity.RegisterOptions{Name: name})
	}
}

// activityOf makes a Go function an activity. Values cross as JSON read
// and written by asl/value, as Stepwise's task activity does; a
// *fault.Error is an application error of its name.
func activityOf(f goFunc) func(ctx context.Context, in json.RawMessage) (json.RawMessage, error) {
	return func(ctx context.Context, in json.RawMessage) (json.RawMessage, error) {
		v, err := value.Decode(in)
		if err != nil {
			return nil, temporal.NewNonRetryableApplicationError(err.Error(), fault.TaskFailed, nil)
		}
		out, err := f(ctx, v)
		if err != nil {
			var fe *fault.Error
			if errors.As(err, &fe) {
				return nil, temporal.NewNonRetryableApplicationError(fe.Cause, fe.Name, nil)
			}
			return nil, temporal.NewNonRetryableApplicationError(err.Error(), fault.TaskFailed, nil)
		}
		return value.Encode(out), nil
	}
}

// CatalogInput is the image to catalog.
type CatalogInput struct {
	Bucket string `json:"bucket"`
	Key    string `json:"key"`
}

// CatalogOutput is what the state machine outputs: its input, the
// moderation result, and either the notification or the catalog.
type CatalogOutput struct {
	Bucket           string          `json:"bucket"`
	Key              string          `json:"key"`
	ModerationResult json.RawMessage `json:"moderationResult"`
	Notification     *Notification   `json:"notification,omitempty"`
	Catalog          *Catalog        `json:"catalog,omitempty"`
}

// Notification is the published message's ID.
type Notification struct {
	MessageID string `json:"MessageId"`
}

// Catalog is what the image contains.
type Catalog struct {
	Objects []string `json:"objects"`
	Text    []string `json:"text"`
}

type imageParams struct {
	Image struct {
		S3Object struct {
			Bucket string
			Name   string
		}
	}
}

type attributeValue struct{ S string }

type updateItemParams struct {
	TableName                 string
	Key                       map[string]attributeValue
	UpdateExpression          string
	ExpressionAttributeValues map[string]attributeValue
}

type publishParams struct {
	TopicArn string
	Subject  string
	Message  string
}

// ImageCatalog is the image catalog state machine written by hand as a
// Temporal workflow: the same activities (the same Go functions) in the
// same order, the Parallel's branches as coroutines, the data shaping in
// Go.
func ImageCatalog(ctx workflow.Context, in CatalogInput) (*CatalogOutput, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: time.Minute,
		RetryPolicy:         &temporal.RetryPolicy{MaximumAttempts: 1},
	})
	var img imageParams
	img.Image.S3Object.Bucket = in.Bucket
	img.Image.S3Object.Name = in.Key

	// Check for inappropriate content, retrying throttling as the Retry
	// of the state does (2s, backoff 2, 3 retries).
	var moderation json.RawMessage
	interval := 2 * time.Second
	for retries := 0; ; retries++ {
		err := workflow.ExecuteActivity(ctx, actModeration, img).Get(ctx, &moderation)
		if err == nil {
			break
		}
		var ae *temporal.ApplicationError
		if retries < 3 && errors.As(err, &ae) &&
			(ae.Type() == "Rekognition.ThrottlingException" || ae.Type() == "Rekognition.ProvisionedThroughputExceededException") {
			if err := workflow.Sleep(ctx, interval); err != nil {
				return nil, err
			}
			interval *= 2
			continue
		}
		return nil, err
	}
	out := &CatalogOutput{Bucket: in.Bucket, Key: in.Key, ModerationResult: moderation}
	var mod struct{ ModerationLabels []json.RawMessage }
	if err := json.Unmarshal(moderation, &mod); err != nil {
		return nil, err
	}

	// Inappropriate content detected? Notify the moderators.
	if len(mod.ModerationLabels) > 0 {
		labels, err := compact(mustMarshal(mod.ModerationLabels))
		if err != nil {
			return nil, err
		}
		var res Notification
		err = workflow.ExecuteActivity(ctx, actPublish, publishParams{
			TopicArn: "arn:aws:sns:us-east-1:123456789012:image-catalog-moderation",
			Subject:  "Image flagged for manual moderation",
			Message:  fmt.Sprintf("The image s3://%s/%s was flagged by Amazon Rekognition: %s", in.Bucket, in.Key, labels),
		}).Get(ctx, &res)
		if err != nil {
			return nil, err
		}
		out.Notification = &res
		return out, nil
	}

	// Process the image: objects and text in parallel; the first branch
	// that fails cancels the other.
	pctx, cancel := workflow.WithCancel(ctx)
	defer cancel()
	var (
		cat      Catalog
		firstErr error
		left     = 2
	)
	fail := func(err error) {
		if err != nil && firstErr == nil {
			firstErr = err
			cancel()
		}
	}
	workflow.Go(pctx, func(c workflow.Context) {
		defer func() { left-- }()
		var res struct{ Labels json.RawMessage }
		if err := workflow.ExecuteActivity(c, actLabels, img).Get(c, &res); err != nil {
			fail(err)
			return
		}
		if err := record(c, in.Key, "set detectedObjects=:o", ":o", res.Labels); err != nil {
			fail(err)
			return
		}
		var labels []struct{ Name string }
		if err := json.Unmarshal(res.Labels, &labels); err != nil {
			fail(err)
			return
		}
		cat.Objects = make([]string, 0, len(labels))
		for _, l := range labels {
			cat.Objects = append(cat.Objects, l.Name)
		}
	})
	workflow.Go(pctx, func(c workflow.Context) {
		defer func() { left-- }()
		var res struct{ TextDetections json.RawMessage }
		if err := workflow.ExecuteActivity(c, actText, img).Get(c, &res); err != nil {
			fail(err)
			return
		}
		if err := record(c, in.Key, "set detectedText=:t", ":t", res.TextDetections); err != nil {
			fail(err)
			return
		}
		var texts []struct{ DetectedText, Type string }
		if err := json.Unmarshal(res.TextDetections, &texts); err != nil {
			fail(err)
			return
		}
		cat.Text = []string{}
		for _, d := range texts {
			if d.Type == "LINE" {
				cat.Text = append(cat.Text, d.DetectedText)
			}
		}
	})
	if err := workflow.Await(ctx, func() bool { return left == 0 }); err != nil {
		return nil, err
	}
	if firstErr != nil {
		return nil, firstErr
	}
	out.Catalog = &cat
	return out, nil
}

// record writes a detection into the catalog table, as JSON text (as
// States.JsonToString does).
func record(ctx workflow.Context, key, expr, name string, detected json.RawMessage) error {
	text, err := compact(detected)
	if err != nil {
		return err
	}
	return workflow.ExecuteActivity(ctx, actUpdateItem, updateItemParams{
		TableName:                 "ImageCatalog",
		Key:                       map[string]attributeValue{"Id": {S: key}},
		UpdateExpression:          expr,
		ExpressionAttributeValues: map[string]attributeValue{name: {S: text}},
	}).Get(ctx, nil)
}

func compact(raw []byte) (string, error) {
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		return "", err
	}
	return b.String(), nil
}

func mustMarshal(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}
