package aws

import (
	"context"
	"fmt"
	"reflect"
	"sort"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/athena"
	athenatypes "github.com/aws/aws-sdk-go-v2/service/athena/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/smithy-go/middleware"

	"github.com/stepwise/stepwise/asl/fault"
	"github.com/stepwise/stepwise/asl/value"
	"github.com/stepwise/stepwise/integrations"
)

// optimizedIntegration is one optimized integration and the integration
// patterns it supports ("" is request-response).
type optimizedIntegration struct {
	patterns map[string]bool
	run      handler
}

var (
	requestResponse = map[string]bool{"": true}
	withSync        = map[string]bool{"": true, "sync": true}
	withCallback    = map[string]bool{"": true, "waitForTaskToken": true}
)

// optimized lists the optimized integrations by "service:action".
var optimized = map[string]optimizedIntegration{
	"dynamodb:getItem":           {requestResponse, invokeDynamoDB},
	"dynamodb:putItem":           {requestResponse, invokeDynamoDB},
	"dynamodb:updateItem":        {requestResponse, invokeDynamoDB},
	"dynamodb:deleteItem":        {requestResponse, invokeDynamoDB},
	"athena:startQueryExecution": {withSync, invokeAthena},
	"athena:getQueryExecution":   {requestResponse, invokeAthena},
	"athena:getQueryResults":     {requestResponse, invokeAthena},
	"athena:stopQueryExecution":  {requestResponse, invokeAthena},
	"lambda:invoke":              {withCallback, invokeLambda},
	"sns:publish":                {withCallback, invokeSNS},
	"sqs:sendMessage":            {withCallback, invokeSQS},
	"events:putEvents":           {withCallback, invokeEvents},
}

// withMetadata encodes an SDK output as Step Functions returns the result
// of an optimized integration: members sorted by name at every level (the
// service's own map keys too, as AWS returns them), the extra members
// (kept as they are), and the SdkHttpMetadata and SdkResponseMetadata
// members.
func withMetadata(svc *service, out any, extra ...member) *value.Object {
	o, ok := sortDeep(svc.codec.Encode(out)).(*value.Object)
	if !ok {
		o = value.NewObject(len(extra) + 2)
	}
	for _, m := range extra {
		o.Set(m.name, m.value)
	}
	if md, ok := resultMetadata(out); ok {
		httpMeta, respMeta := responseMetadata(md)
		if httpMeta != nil {
			o.Set("SdkHttpMetadata", httpMeta)
		}
		o.Set("SdkResponseMetadata", respMeta)
	}
	return sortTop(o)
}

type member struct {
	name  string
	value any
}

// sortDeep returns v with the members of every object sorted by name.
func sortDeep(v any) any {
	switch x := v.(type) {
	case *value.Object:
		o := sortTop(x)
		for i := 0; i < o.Len(); i++ {
			k, mv := o.At(i)
			o.Set(k, sortDeep(mv))
		}
		return o
	case []any:
		for i, e := range x {
			x[i] = sortDeep(e)
		}
		return x
	}
	return v
}

// sortTop returns a copy of o with its members sorted by name.
func sortTop(o *value.Object) *value.Object {
	keys := append([]string(nil), o.Keys()...)
	sort.Strings(keys)
	out := value.NewObject(len(keys))
	for _, k := range keys {
		v, _ := o.Get(k)
		out.Append(k, v)
	}
	return out
}

func resultMetadata(out any) (middleware.Metadata, bool) {
	v := reflect.ValueOf(out)
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		return middleware.Metadata{}, false
	}
	f := v.Elem().FieldByName("ResultMetadata")
	if !f.IsValid() {
		return middleware.Metadata{}, false
	}
	md, ok := f.Interface().(middleware.Metadata)
	return md, ok
}

// invokeDynamoDB runs arn:aws:states:::dynamodb:ACTION. Results carry the
// SDK metadata members; errors are named DynamoDB.<Exception>.
func invokeDynamoDB(ctx context.Context, inv *Invoker, t *integrations.Task, r resource) (any, error) {
	svc := services["dynamodb"]
	out, err := inv.call(ctx, t, r, t.Input)
	if err != nil {
		return nil, v1Error("DynamoDB", "AmazonDynamoDBException", "AmazonDynamoDBv2", err)
	}
	return withMetadata(svc, out), nil
}

func athenaError(err error) error {
	return v1Error("Athena", "AmazonAthenaException", "AmazonAthena", err)
}

// invokeAthena runs arn:aws:states:::athena:ACTION. startQueryExecution.sync
// polls GetQueryExecution until the query ends and returns that result;
// FAILED and CANCELLED queries fail the task with States.TaskFailed and the
// GetQueryExecution result as the cause, as Step Functions does.
func invokeAthena(ctx context.Context, inv *Invoker, t *integrations.Task, r resource) (any, error) {
	svc := services["athena"]
	out, err := inv.call(ctx, t, r, t.Input)
	if err != nil {
		return nil, athenaError(err)
	}
	if r.pattern != "sync" {
		return withMetadata(svc, out), nil
	}
	start, ok := out.(*athena.StartQueryExecutionOutput)
	if !ok || start.QueryExecutionId == nil {
		return nil, fault.New(fault.TaskFailed, "Athena StartQueryExecution returned no QueryExecutionId")
	}
	c, err := inv.client(ctx, t, r)
	if err != nil {
		return nil, err
	}
	client := c.(*athena.Client)
	delay := inv.opts.PollInterval
	for {
		got, err := client.GetQueryExecution(ctx, &athena.GetQueryExecutionInput{QueryExecutionId: start.QueryExecutionId})
		if err != nil {
			return nil, athenaError(err)
		}
		var state athenatypes.QueryExecutionState
		if got.QueryExecution != nil && got.QueryExecution.Status != nil {
			state = got.QueryExecution.Status.State
		}
		switch state {
		case athenatypes.QueryExecutionStateSucceeded:
			return withMetadata(svc, got), nil
		case athenatypes.QueryExecutionStateFailed, athenatypes.QueryExecutionStateCancelled:
			return nil, fault.New(fault.TaskFailed, value.EncodeString(svc.codec.Encode(got)))
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(delay):
		}
		delay = min(delay*2, inv.opts.MaxPollInterval)
	}
}

// invokeLambda runs arn:aws:states:::lambda:invoke. The Payload parameter
// is sent as JSON; the result's Payload is the function's JSON result (or
// its text when it is not JSON). A function error fails the task with the
// function's errorType as the name ("Lambda.Unknown" when it has none) and
// the payload as the cause.
func invokeLambda(ctx context.Context, inv *Invoker, t *integrations.Task, r resource) (any, error) {
	svc := services["lambda"]
	params, ok := t.Input.(*value.Object)
	if !ok {
		return nil, fault.New(fault.Runtime, "the parameters of lambda:invoke must be an object")
	}
	params = params.ShallowCopy()
	if p, ok := params.Get("Payload"); ok {
		params.Set("Payload", valueBase64(p))
	}
	out, err := inv.call(ctx, t, r, params)
	if err != nil {
		return nil, v1Error("Lambda", "AWSLambdaException", "AWSLambda", err)
	}
	res, ok := out.(*lambda.InvokeOutput)
	if !ok {
		return nil, fault.New(fault.TaskFailed, fmt.Sprintf("unexpected lambda output %T", out))
	}
	if res.FunctionError != nil {
		name := "Lambda.Unknown"
		if o, err := value.Decode(res.Payload); err == nil {
			if obj, ok := o.(*value.Object); ok {
				if et, ok := obj.Get("errorType"); ok {
					if s, ok := et.(string); ok && s != "" {
						name = s
					}
				}
			}
		}
		return nil, fault.New(name, string(res.Payload))
	}
	if r.pattern == "waitForTaskToken" {
		return integrations.Pending{}, nil
	}
	payload := res.Payload
	res.Payload = nil
	var pv any = ""
	if len(payload) > 0 {
		if v, err := value.Decode(payload); err == nil {
			pv = v
		} else {
			pv = string(payload)
		}
	}
	return withMetadata(svc, res, member{"Payload", pv}), nil
}

// valueBase64 turns a Payload parameter into the base64 blob the codec
// expects: the JSON text of the value.
func valueBase64(p any) string {
	return encodeBase64(value.Encode(p))
}
