package aws

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"

	"github.com/stepwise/stepwise/asl/fault"
	"github.com/stepwise/stepwise/asl/value"
	"github.com/stepwise/stepwise/integrations"
	"github.com/stepwise/stepwise/integrations/aws/sdk"
)

// invokeSDK runs an arn:aws:states:::aws-sdk:SERVICE:ACTION task.
func invokeSDK(ctx context.Context, inv *Invoker, t *integrations.Task, r resource) (any, error) {
	svc := services[r.service]
	out, err := inv.call(ctx, t, r, t.Input)
	if err != nil {
		return nil, sdkError(svc, err)
	}
	if r.pattern == "waitForTaskToken" {
		return integrations.Pending{}, nil
	}
	return svc.codec.EncodeOrEmpty(out), nil
}

// call sends the API operation of r with the given parameters and returns
// the SDK output (a pointer to the operation's output struct). Parameter
// errors are returned as *fault.Error already.
func (inv *Invoker) call(ctx context.Context, t *integrations.Task, r resource, params any) (any, error) {
	svc := services[r.service]
	op, ok := operationName(r.action)
	if !ok {
		return nil, fault.New(fault.TaskFailed, fmt.Sprintf("%q is not an action name", r.action))
	}
	c, err := inv.client(ctx, t, r)
	if err != nil {
		return nil, err
	}
	m, ok := apiMethod(c, op)
	if !ok {
		return nil, fault.New(fault.TaskFailed, fmt.Sprintf("%s has no action %q", r.service, r.action))
	}
	if params == nil {
		params = value.NewObject(0)
	}
	in, err := svc.codec.Decode(params, m.Type().In(1))
	if err != nil {
		return nil, paramError(svc, err)
	}
	res := m.Call([]reflect.Value{reflect.ValueOf(ctx), in})
	if e := res[1].Interface(); e != nil {
		return nil, e.(error)
	}
	return res[0].Interface(), nil
}

// paramError reports parameters that do not fit the action's input. AWS
// rejects such a definition when it is created; here the task fails with
// States.Runtime, which no Retry or Catch hides.
func paramError(svc *service, err error) error {
	var pe *sdk.ParamError
	if errors.As(err, &pe) {
		return fault.New(fault.Runtime, fmt.Sprintf("invalid parameters for %s: %s", svc.name, pe.Error()))
	}
	return fault.New(fault.Runtime, err.Error())
}

// apiFailure is what an SDK error says.
type apiFailure struct {
	code      string // the service's error code: ConditionalCheckFailedException
	message   string
	status    int
	requestID string
	modeled   bool   // the SDK has a type for the error
	typeName  string // the SDK's type of a modeled error: QueueDoesNotExist
}

func failureOf(err error) (apiFailure, bool) {
	var api smithy.APIError
	if !errors.As(err, &api) {
		return apiFailure{}, false
	}
	f := apiFailure{code: api.ErrorCode(), message: api.ErrorMessage(), modeled: true}
	var generic *smithy.GenericAPIError
	if errors.As(err, &generic) {
		f.modeled = false
	} else if t := reflect.TypeOf(api); t.Kind() == reflect.Pointer {
		f.typeName = t.Elem().Name()
	}
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		f.status = re.HTTPStatusCode()
		f.requestID = re.ServiceRequestID()
	}
	return f, true
}

// exceptionName is the exception class the AWS SDK for Java has for a
// modeled error: the SDK's error type (SQS's QueueDoesNotExist, whose code
// is AWS.SimpleQueueService.NonExistentQueue, is QueueDoesNotExistException),
// else the error code, with the Exception suffix.
func (f apiFailure) exceptionName() string {
	if f.typeName != "" {
		return withException(f.typeName)
	}
	return withException(f.code)
}

// withException adds the Exception suffix Step Functions puts on every
// service error name (S3's NoSuchKey is S3.NoSuchKeyException).
func withException(code string) string {
	if i := strings.LastIndexByte(code, '#'); i >= 0 { // awsJson "ns#Code"
		code = code[i+1:]
	}
	if i := strings.IndexByte(code, ':'); i >= 0 {
		code = code[:i]
	}
	if strings.HasSuffix(code, "Exception") {
		return code
	}
	return code + "Exception"
}

// sdkError names an error of an aws-sdk task as Step Functions does:
// <Service>.<Exception> for errors the service models, <Service>.<Service>Exception
// otherwise, with the AWS SDK for Java 2.x cause format.
func sdkError(svc *service, err error) error {
	var fe *fault.Error
	if errors.As(err, &fe) {
		return fe
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return err
	}
	f, ok := failureOf(err)
	if !ok {
		return fault.New(svc.prefix+".SdkClientException", "Unable to execute HTTP request: "+err.Error())
	}
	name := svc.prefix + "." + svc.prefix + "Exception"
	if f.modeled {
		name = svc.prefix + "." + f.exceptionName()
	}
	return fault.New(name, fmt.Sprintf("%s (Service: %s, Status Code: %d, Request ID: %s)", f.message, svc.prefix, f.status, f.requestID))
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
	f, ok := failureOf(err)
	if !ok {
		return fault.New(prefix+".SdkClientException", "Unable to execute HTTP request: "+err.Error())
	}
	name := prefix + "." + generic
	if f.modeled {
		name = prefix + "." + f.exceptionName()
	}
	return fault.New(name, fmt.Sprintf("%s (Service: %s; Status Code: %d; Error Code: %s; Request ID: %s; Proxy: null)",
		f.message, serviceName, f.status, f.code, f.requestID))
}
