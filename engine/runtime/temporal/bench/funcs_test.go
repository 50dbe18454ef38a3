package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/stepwise/stepwise/asl/fault"
	"github.com/stepwise/stepwise/asl/value"
	"github.com/stepwise/stepwise/integrations/gofunc"
)

// exampleDir is examples/image-catalog.
var exampleDir = filepath.Join("..", "..", "..", "..", "examples", "image-catalog")

// The resources of the image catalog's Task states.
const (
	resModeration = "arn:aws:states:::aws-sdk:rekognition:detectModerationLabels"
	resLabels     = "arn:aws:states:::aws-sdk:rekognition:detectLabels"
	resText       = "arn:aws:states:::aws-sdk:rekognition:detectText"
	resUpdateItem = "arn:aws:states:::dynamodb:updateItem"
	resPublish    = "arn:aws:states:::sns:publish"
)

// happyResponses names, for each resource, the mocked response of
// mocks.json that the Go functions return: the HappyPath test case's, and
// PublishOk for sns:publish (which HappyPath does not reach).
var happyResponses = map[string]string{
	resModeration: "NoModerationLabels",
	resLabels:     "HarbourCafeLabels",
	resText:       "HarbourCafeText",
	resUpdateItem: "UpdateItemOk",
	resPublish:    "PublishOk",
}

// goFunc is a Go function answering a Task state (gofunc.Func).
type goFunc = gofunc.Func

// loadFuncs returns the Go functions that answer the image catalog's Task
// states, by resource: each checks the parameters it needs and returns its
// HappyPath result from mocks.json.
func loadFuncs() (map[string]goFunc, error) {
	data, err := os.ReadFile(filepath.Join(exampleDir, "mocks.json"))
	if err != nil {
		return nil, err
	}
	var mocks struct {
		MockedResponses map[string]map[string]struct{ Return json.RawMessage }
	}
	if err := json.Unmarshal(data, &mocks); err != nil {
		return nil, fmt.Errorf("mocks.json: %w", err)
	}
	funcs := map[string]goFunc{}
	for res, name := range happyResponses {
		raw := mocks.MockedResponses[name]["0"].Return
		if raw == nil {
			return nil, fmt.Errorf("mocks.json: no response %q", name)
		}
		ret, err := value.Decode(raw)
		if err != nil {
			return nil, fmt.Errorf("mocks.json: %s: %w", name, err)
		}
		check := checkImage
		switch res {
		case resUpdateItem:
			check = checkUpdateItem
		case resPublish:
			check = checkPublish
		}
		funcs[res] = func(_ context.Context, in any) (any, error) {
			if err := check(in); err != nil {
				return nil, fault.New("Bench.InvalidParameters", err.Error())
			}
			return value.Clone(ret), nil
		}
	}
	return funcs, nil
}

// registry returns the Go functions as a gofunc registry (Stepwise's
// invoker).
func registry(funcs map[string]goFunc) *gofunc.Registry {
	reg := gofunc.New()
	for res, f := range funcs {
		reg.HandleResource(res, f)
	}
	return reg
}

// lookup follows keys through nested objects of v.
func lookup(v any, keys ...string) (any, error) {
	for _, k := range keys {
		o, ok := v.(*value.Object)
		if !ok {
			return nil, fmt.Errorf("%s: not in an object", k)
		}
		if v, ok = o.Get(k); !ok {
			return nil, fmt.Errorf("missing %s", k)
		}
	}
	return v, nil
}

func lookupString(v any, keys ...string) error {
	s, err := lookup(v, keys...)
	if err != nil {
		return err
	}
	if str, ok := s.(string); !ok || str == "" {
		return fmt.Errorf("%v: not a non-empty string", keys)
	}
	return nil
}

// checkImage checks Rekognition's Image.S3Object parameters.
func checkImage(in any) error {
	return errors.Join(lookupString(in, "Image", "S3Object", "Bucket"), lookupString(in, "Image", "S3Object", "Name"))
}

// checkUpdateItem checks DynamoDB updateItem's parameters, whose one
// attribute value must be JSON text.
func checkUpdateItem(in any) error {
	if err := errors.Join(lookupString(in, "TableName"), lookupString(in, "Key", "Id", "S"), lookupString(in, "UpdateExpression")); err != nil {
		return err
	}
	vals, err := lookup(in, "ExpressionAttributeValues")
	if err != nil {
		return err
	}
	o, ok := vals.(*value.Object)
	if !ok || o.Len() != 1 {
		return fmt.Errorf("ExpressionAttributeValues: want one value")
	}
	_, v := o.At(0)
	s, err := lookup(v, "S")
	if err != nil {
		return err
	}
	if str, ok := s.(string); !ok || !json.Valid([]byte(str)) {
		return fmt.Errorf("ExpressionAttributeValues: not JSON text")
	}
	return nil
}

// checkPublish checks SNS publish's parameters.
func checkPublish(in any) error {
	return errors.Join(lookupString(in, "TopicArn"), lookupString(in, "Message"))
}
