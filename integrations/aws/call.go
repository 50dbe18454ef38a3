package aws

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/stepwise/stepwise/asl/fault"
	"github.com/stepwise/stepwise/asl/value"
	"github.com/stepwise/stepwise/integrations"
	"github.com/stepwise/stepwise/integrations/aws/model"
	"github.com/stepwise/stepwise/integrations/aws/wire"
)

// invokeSDK runs an arn:aws:states:::aws-sdk:SERVICE:ACTION task.
func invokeSDK(ctx context.Context, inv *Invoker, t *integrations.Task, r resource) (any, error) {
	svc, err := inv.service(r.service)
	if err != nil {
		return nil, err
	}
	op, _ := operationName(r.action)
	if m := eventStream(svc, op); m != "" {
		return nil, fault.New(fault.Runtime, fmt.Sprintf("%s streams events (its %s member), which Step Functions' AWS SDK integration does not support; mock the task or call the service from a Lambda function", t.Resource, m))
	}
	res, err := inv.call(ctx, t, r, svc, op, t.Input)
	if err != nil {
		return nil, sdkError(svc, err)
	}
	if r.pattern == "waitForTaskToken" {
		return integrations.Pending{}, nil
	}
	return res.out, nil
}

// eventStream returns the input or output member of operation op that is
// an event stream (a streaming union, such as Bedrock's
// InvokeModelWithResponseStream body), or "". Step Functions does not
// offer such operations; sending the request and dropping the stream
// would be a silent wrong result.
func eventStream(svc *model.Service, op string) string {
	o, ok := svc.Operation(op)
	if !ok {
		return ""
	}
	for _, target := range []string{o.Input, o.Output} {
		sh := svc.Shape(target)
		if sh == nil {
			continue
		}
		for _, m := range sh.Members {
			if ms := svc.Shape(m.Target); ms != nil && ms.Streaming && ms.Type == "union" {
				return wire.PublicName(m.Name)
			}
		}
	}
	return ""
}

// operationName maps an ARN action (camelCase) to the API operation
// (PascalCase). It reports false for a name that is not camelCase.
func operationName(action string) (string, bool) {
	if action == "" || action[0] < 'a' || action[0] > 'z' || strings.ContainsAny(action, ".:/ ") {
		return "", false
	}
	return strings.ToUpper(action[:1]) + action[1:], true
}

// paramError reports parameters that do not fit the action's input. AWS
// rejects such a definition when it is created; here the task fails with
// States.Runtime, which no Retry or Catch hides.
func paramError(svc *model.Service, err error) error {
	var pe *wire.ParamError
	if errors.As(err, &pe) {
		return fault.New(fault.Runtime, fmt.Sprintf("invalid parameters for %s: %s", svc.Name, pe.Error()))
	}
	return fault.New(fault.Runtime, err.Error())
}

// exceptionName is the exception class the AWS SDK for Java has for a
// modeled error: the model's error shape (SQS's QueueDoesNotExist, whose
// awsQuery code is AWS.SimpleQueueService.NonExistentQueue, is
// QueueDoesNotExistException), with the Exception suffix.
func exceptionName(e *wire.APIError) string {
	if e.Shape != "" {
		return withException(e.Shape)
	}
	return withException(e.Code)
}

// withException adds the Exception suffix Step Functions puts on every
// service error name (S3's NoSuchKey is S3.NoSuchKeyException).
func withException(code string) string {
	if strings.HasSuffix(code, "Exception") {
		return code
	}
	return code + "Exception"
}

// sdkError names an error of an aws-sdk task as Step Functions does:
// <Service>.<Exception> for errors the service models, <Service>.<Service>Exception
// otherwise, with the AWS SDK for Java 2.x cause format.
func sdkError(svc *model.Service, err error) error {
	var fe *fault.Error
	if errors.As(err, &fe) {
		return fe
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return err
	}
	var ae *wire.APIError
	if !errors.As(err, &ae) {
		return fault.New(svc.Prefix+".SdkClientException", "Unable to execute HTTP request: "+err.Error())
	}
	name := svc.Prefix + "." + svc.Prefix + "Exception"
	if ae.Shape != "" {
		name = svc.Prefix + "." + exceptionName(ae)
	}
	return fault.New(name, fmt.Sprintf("%s (Service: %s, Status Code: %d, Request ID: %s)", ae.Message, svc.Prefix, ae.Status, ae.RequestID))
}

// v1Error names an error of an optimized integration as Step Functions
// does: <Prefix>.<Exception> for errors the service models,
// <Prefix>.<generic> otherwise, with the AWS SDK for Java 1.x cause format.
func v1Error(prefix, generic, serviceName string, err error) error {
	var fe *fault.Error
	if errors.As(err, &fe) {
		return fe
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return err
	}
	var ae *wire.APIError
	if !errors.As(err, &ae) {
		return fault.New(prefix+".SdkClientException", "Unable to execute HTTP request: "+err.Error())
	}
	name := prefix + "." + generic
	if ae.Shape != "" {
		name = prefix + "." + exceptionName(ae)
	}
	return fault.New(name, fmt.Sprintf("%s (Service: %s; Status Code: %d; Error Code: %s; Request ID: %s; Proxy: null)",
		ae.Message, serviceName, ae.Status, ae.Code, ae.RequestID))
}

// unknownResource is the error of a Resource no integration serves. It is
// States.Runtime, which no Retry or Catch (States.ALL included) takes: the
// definition is wrong for this engine, not the call.
func unknownResource(t *integrations.Task) error {
	return fault.New(fault.Runtime, fmt.Sprintf(
		"the resource %q of state %q is not an integration Stepwise can call: no AWS service or action of that name in the models, and no mock or Go function covers the state. "+
			"Mock it (a MockConfigFile test case with --mocks and --test-case, or stepwisetest's mocks), register a Go function for it, or correct the Resource",
		t.Resource, t.StateName))
}

// Services returns the services offered through the aws-sdk integration,
// by the name the Resource ARN uses.
func (inv *Invoker) Services() []string { return inv.models.Names() }

// Actions returns the actions of an aws-sdk integration service as the
// Resource ARN names them (camelCase, e.g. "putItem"), sorted; nil for an
// unknown service.
func (inv *Invoker) Actions(service string) []string {
	svc, ok, _ := inv.models.Service(service)
	if !ok {
		return nil
	}
	out := make([]string, 0, len(svc.Operations))
	for name := range svc.Operations {
		out = append(out, strings.ToLower(name[:1])+name[1:])
	}
	sortStrings(out)
	return out
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
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = sortDeep(e)
		}
		return out
	}
	return v
}
