package aws

import (
	"context"
	"strings"

	"github.com/stepwise/stepwise/asl/fault"
	"github.com/stepwise/stepwise/asl/value"
	"github.com/stepwise/stepwise/integrations"
)

// parseFunctionARN recognises the classic Lambda Resource,
// arn:PARTITION:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER].
func parseFunctionARN(arn string) (resource, bool) {
	parts := strings.Split(arn, ":")
	if len(parts) < 7 || len(parts) > 8 || parts[0] != "arn" || !strings.HasPrefix(parts[1], "aws") ||
		parts[2] != "lambda" || parts[5] != "function" || parts[6] == "" {
		return resource{}, false
	}
	return resource{region: parts[3], service: "lambda", action: "invoke", function: true}, true
}

// invokeFunction runs a Task whose Resource is a Lambda function ARN: the
// effective input is the payload, and the result is the function's result
// alone (no StatusCode or metadata), as Step Functions returns it. A
// function error fails the task with the errorType (Lambda.Unknown when
// there is none) and the payload as the cause.
func invokeFunction(ctx context.Context, inv *Invoker, t *integrations.Task, r resource) (any, error) {
	params := value.NewObject(2)
	params.Append("FunctionName", t.Resource)
	input := t.Input
	if input == nil {
		input = value.NewObject(0)
	}
	params.Append("Payload", encodeBase64(value.Encode(input)))
	_, res, err := inv.callOptimized(ctx, t, r, "invoke", params)
	if err != nil {
		return nil, v1Error("Lambda", "AWSLambdaException", "AWSLambda", err)
	}
	text, _ := member(res.out, "Payload").(string)
	if fe := member(res.out, "FunctionError"); fe != nil {
		return nil, functionError(text)
	}
	if text == "" {
		return nil, nil
	}
	return payloadValue(text), nil
}

// invokeS3 runs arn:aws:states:::s3:getObject and s3:putObject, the
// resources of Distributed Map's ItemReader and ResultWriter, as the
// aws-sdk integration does (Body as text).
func invokeS3(ctx context.Context, inv *Invoker, t *integrations.Task, r resource) (any, error) {
	svc, res, err := inv.callOptimized(ctx, t, r, r.action, t.Input)
	if err != nil {
		if svc == nil {
			return nil, err
		}
		return nil, sdkError(svc, err)
	}
	return res.out, nil
}

// invokeBedrock runs arn:aws:states:::bedrock:invokeModel. Body may be a
// JSON value (sent as its text); the result's Body is the model's JSON
// response (or its text when it is not JSON), next to its ContentType.
// Input and Output (S3 locations of the body) are not supported yet and
// fail the task with States.Runtime naming them.
func invokeBedrock(ctx context.Context, inv *Invoker, t *integrations.Task, r resource) (any, error) {
	in, ok := t.Input.(*value.Object)
	if !ok {
		return nil, fault.New(fault.Runtime, "the parameters of bedrock:invokeModel must be an object")
	}
	for _, f := range []string{"Input", "Output"} {
		if in.Has(f) {
			return nil, fault.New(fault.Runtime, "bedrock:invokeModel in state "+quote(t.StateName)+": the field "+f+" (an S3 location of the body) is not supported by Stepwise yet; pass the Body inline")
		}
	}
	params := in.ShallowCopy()
	if b, ok := params.Get("Body"); ok {
		text, isString := b.(string)
		if !isString {
			text = value.EncodeString(b)
		}
		params.Set("Body", encodeBase64([]byte(text)))
	}
	if !params.Has("ContentType") {
		params.Set("ContentType", "application/json")
	}
	_, res, err := inv.callOptimized(ctx, t, r, "invokeModel", params)
	if err != nil {
		return nil, v1Error("Bedrock", "AmazonBedrockRuntimeException", "AmazonBedrockRuntime", err)
	}
	out := value.NewObject(2)
	text, _ := member(res.out, "Body").(string)
	out.Append("Body", payloadValue(text))
	if ct := member(res.out, "ContentType"); ct != nil {
		out.Append("ContentType", ct)
	}
	return out, nil
}

func quote(s string) string { return `"` + s + `"` }
