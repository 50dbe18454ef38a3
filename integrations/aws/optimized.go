package aws

import (
	"context"
	"sort"

	"github.com/stepwise/stepwise/asl/fault"
	"github.com/stepwise/stepwise/asl/value"
	"github.com/stepwise/stepwise/integrations"
	"github.com/stepwise/stepwise/integrations/aws/model"
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
	withAll         = map[string]bool{"": true, "sync": true, "waitForTaskToken": true}
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
	"glue:startJobRun":           {withAll, invokeGlue},
	"batch:submitJob":            {withAll, invokeBatch},
	"ecs:runTask":                {withAll, invokeECS},
	"mediaconvert:createJob":     {withAll, invokeMediaConvert},
	"s3:getObject":               {requestResponse, invokeS3},
	"s3:putObject":               {requestResponse, invokeS3},
	"bedrock:invokeModel":        {requestResponse, invokeBedrock},
	"apigateway:invoke":          {withCallback, invokeAPIGateway},
	"http:invoke":                {requestResponse, invokeHTTP},
}

// modelName maps the service of an optimized integration's ARN to its
// model.
var modelName = map[string]string{"events": "eventbridge", "states": "sfn", "bedrock": "bedrockruntime"}

// callOptimized sends an optimized integration's operation.
func (inv *Invoker) callOptimized(ctx context.Context, t *integrations.Task, r resource, action string, params any) (*model.Service, callResult, error) {
	name := r.service
	if n, ok := modelName[name]; ok {
		name = n
	}
	svc, err := inv.service(name)
	if err != nil {
		return nil, callResult{}, err
	}
	op, ok := operationName(action)
	if !ok {
		return nil, callResult{}, unknownResource(t)
	}
	res, err := inv.call(ctx, t, r, svc, op, params)
	return svc, res, err
}

// withMetadata returns a result as Step Functions returns the result of an
// optimized integration: members sorted by name at every level (the
// service's own map keys too, as AWS returns them), the extra members
// (kept as they are), and the SdkHttpMetadata and SdkResponseMetadata
// members.
func withMetadata(res callResult, extra ...extraMember) *value.Object {
	o, ok := sortDeep(res.out).(*value.Object)
	if !ok || o == nil {
		o = value.NewObject(len(extra) + 2)
	}
	for _, m := range extra {
		o.Set(m.name, m.value)
	}
	httpMeta, respMeta := responseMetadata(res.resp)
	if httpMeta != nil {
		o.Set("SdkHttpMetadata", httpMeta)
	}
	o.Set("SdkResponseMetadata", respMeta)
	return sortTop(o)
}

type extraMember struct {
	name  string
	value any
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

func sortStrings(s []string) { sort.Strings(s) }

// invokeDynamoDB runs arn:aws:states:::dynamodb:ACTION. Results carry the
// SDK metadata members; errors are named DynamoDB.<Exception>.
func invokeDynamoDB(ctx context.Context, inv *Invoker, t *integrations.Task, r resource) (any, error) {
	_, res, err := inv.callOptimized(ctx, t, r, r.action, t.Input)
	if err != nil {
		return nil, v1Error("DynamoDB", "AmazonDynamoDBException", "AmazonDynamoDBv2", err)
	}
	return withMetadata(res), nil
}

func athenaError(err error) error {
	return v1Error("Athena", "AmazonAthenaException", "AmazonAthena", err)
}

// invokeAthena runs arn:aws:states:::athena:ACTION. startQueryExecution.sync
// polls GetQueryExecution until the query ends and returns that result;
// FAILED and CANCELLED queries fail the task with States.TaskFailed and the
// GetQueryExecution result as the cause, as Step Functions does.
func invokeAthena(ctx context.Context, inv *Invoker, t *integrations.Task, r resource) (any, error) {
	_, res, err := inv.callOptimized(ctx, t, r, r.action, t.Input)
	if err != nil {
		return nil, athenaError(err)
	}
	if r.pattern != "sync" {
		return withMetadata(res), nil
	}
	id, ok := res.out.Get("QueryExecutionId")
	if !ok {
		return nil, fault.New(fault.TaskFailed, "Athena StartQueryExecution returned no QueryExecutionId")
	}
	get := value.NewObject(1)
	get.Append("QueryExecutionId", id)
	return inv.poll(ctx, func(ctx context.Context) (any, bool, error) {
		_, got, err := inv.callOptimized(ctx, t, r, "getQueryExecution", get)
		if err != nil {
			return nil, false, athenaError(err)
		}
		switch lookupString(got.out, "QueryExecution", "Status", "State") {
		case "SUCCEEDED":
			return withMetadata(got), true, nil
		case "FAILED", "CANCELLED":
			return nil, true, fault.New(fault.TaskFailed, value.EncodeString(sortDeep(got.out)))
		}
		return nil, false, nil
	})
}

// poll calls check until it reports done, waiting PollInterval at first
// and twice as long each time, up to MaxPollInterval.
func (inv *Invoker) poll(ctx context.Context, check func(context.Context) (any, bool, error)) (any, error) {
	delay := inv.opts.PollInterval
	for {
		out, done, err := check(ctx)
		if err != nil || done {
			return out, err
		}
		if err := inv.opts.Sleep(ctx, delay); err != nil {
			return nil, err
		}
		delay = min(delay*2, inv.opts.MaxPollInterval)
	}
}

// lookupString follows a path of object members to a string.
func lookupString(v any, path ...string) string {
	for _, p := range path {
		o, ok := v.(*value.Object)
		if !ok {
			return ""
		}
		v, _ = o.Get(p)
	}
	s, _ := v.(string)
	return s
}

// invokeLambda runs arn:aws:states:::lambda:invoke. The Payload parameter
// is sent as JSON; the result's Payload is the function's JSON result (or
// its text when it is not JSON). A function error fails the task with the
// function's errorType as the name ("Lambda.Unknown" when it has none) and
// the payload as the cause.
func invokeLambda(ctx context.Context, inv *Invoker, t *integrations.Task, r resource) (any, error) {
	params, ok := t.Input.(*value.Object)
	if !ok {
		return nil, fault.New(fault.Runtime, "the parameters of lambda:invoke must be an object")
	}
	params = params.ShallowCopy()
	if p, ok := params.Get("Payload"); ok {
		params.Set("Payload", encodeBase64(value.Encode(p)))
	}
	_, res, err := inv.callOptimized(ctx, t, r, "invoke", params)
	if err != nil {
		return nil, v1Error("Lambda", "AWSLambdaException", "AWSLambda", err)
	}
	payload, _ := res.out.Get("Payload")
	text, _ := payload.(string)
	if fe, ok := res.out.Get("FunctionError"); ok && fe != nil {
		return nil, functionError(text)
	}
	if r.pattern == "waitForTaskToken" {
		return integrations.Pending{}, nil
	}
	res.out.Delete("Payload")
	return withMetadata(res, extraMember{"Payload", payloadValue(text)}), nil
}

// functionError is the error of a function that failed: its errorType,
// else Lambda.Unknown, with the payload as the cause.
func functionError(payload string) error {
	name := "Lambda.Unknown"
	if o, err := value.DecodeString(payload); err == nil {
		if obj, ok := o.(*value.Object); ok {
			if et, ok := obj.Get("errorType"); ok {
				if s, ok := et.(string); ok && s != "" {
					name = s
				}
			}
		}
	}
	return fault.New(name, payload)
}

// payloadValue is a function's result: its JSON value, else its text.
func payloadValue(text string) any {
	if text == "" {
		return ""
	}
	if v, err := value.DecodeString(text); err == nil {
		return v
	}
	return text
}
