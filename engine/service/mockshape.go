package service

import (
	"reflect"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/athena"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/rekognition"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/transcribe"

	"github.com/stepwise/stepwise/asl/value"
)

// TestState checks a mocked Task result against the response shape of the
// integration (mock.fieldValidationMode): STRICT checks the type of every
// member the shape knows and that its required members are there;
// PRESENT checks the members present only; NONE checks nothing. Members
// the shape does not know are allowed in every mode, as on AWS.
//
// The shapes are the output types of aws-sdk-go-v2, for the services it
// is built with here; a Resource of another service is not checked.

// shapeClients are the SDK clients whose operations give the shapes, by
// the service name of Resource ARNs (arn:aws:states:::aws-sdk:NAME:action
// and the optimized arn:aws:states:::NAME:action).
var shapeClients = map[string]reflect.Type{
	"athena":      reflect.TypeOf((*athena.Client)(nil)),
	"dynamodb":    reflect.TypeOf((*dynamodb.Client)(nil)),
	"eventbridge": reflect.TypeOf((*eventbridge.Client)(nil)),
	"events":      reflect.TypeOf((*eventbridge.Client)(nil)),
	"lambda":      reflect.TypeOf((*lambda.Client)(nil)),
	"rekognition": reflect.TypeOf((*rekognition.Client)(nil)),
	"sfn":         reflect.TypeOf((*sfn.Client)(nil)),
	"states":      reflect.TypeOf((*sfn.Client)(nil)),
	"sns":         reflect.TypeOf((*sns.Client)(nil)),
	"sqs":         reflect.TypeOf((*sqs.Client)(nil)),
	"transcribe":  reflect.TypeOf((*transcribe.Client)(nil)),
}

// requiredMembers are the members AWS's models mark required in the
// responses of optimized integrations, by "service:action".
var requiredMembers = map[string][]string{
	"states:startExecution": {"ExecutionArn", "StartDate"},
	"sfn:startExecution":    {"ExecutionArn", "StartDate"},
}

// anyMembers are members whose optimized integration returns JSON where
// the SDK has bytes (lambda:invoke's Payload).
var anyMembers = map[string]bool{"lambda:invoke.Payload": true}

var (
	timeType  = reflect.TypeOf(time.Time{})
	bytesType = reflect.TypeOf([]byte(nil))
)

// responseShape returns the output type of a Task Resource's integration
// and its "service:action" key.
func responseShape(resource string) (reflect.Type, string, bool) {
	rest, ok := strings.CutPrefix(resource, "arn:aws:states:::")
	if !ok {
		return nil, "", false
	}
	rest = strings.TrimPrefix(rest, "aws-sdk:")
	svc, action, ok := strings.Cut(rest, ":")
	if !ok || action == "" {
		return nil, "", false
	}
	if i := strings.IndexByte(action, '.'); i >= 0 {
		if action[i+1:] != "waitForTaskToken" {
			return nil, "", false // .sync returns another shape
		}
		action = action[:i]
	}
	client, ok := shapeClients[svc]
	if !ok {
		return nil, "", false
	}
	m, ok := client.MethodByName(strings.ToUpper(action[:1]) + action[1:])
	if !ok || m.Type.NumOut() != 2 || m.Type.Out(0).Kind() != reflect.Pointer {
		return nil, "", false
	}
	return m.Type.Out(0).Elem(), svc + ":" + action, true
}

// checkMockShape checks a mocked result against its integration's shape.
func checkMockShape(resource, mode string, result any) error {
	if mode == "NONE" {
		return nil
	}
	t, key, ok := responseShape(resource)
	if !ok {
		return nil
	}
	o, ok := result.(*value.Object)
	if !ok {
		return apiErr(errValidation, "Mocked result must be a JSON object.")
	}
	if msg := checkShape(t, o, key); msg != "" {
		return apiErr(errValidation, "Mock result schema validation error: %s", msg)
	}
	if mode == "PRESENT" {
		return nil
	}
	for _, name := range requiredMembers[key] {
		if !o.Has(name) {
			return apiErr(errValidation, "Mock result schema validation error: Required field '%s' is missing", name)
		}
	}
	return nil
}

// checkShape checks the members of o that struct type t knows; it returns
// AWS's message for the first that does not fit ("" when all do).
func checkShape(t reflect.Type, o *value.Object, key string) string {
	for i := 0; i < o.Len(); i++ {
		name, v := o.At(i)
		f, ok := t.FieldByName(name)
		if !ok || !f.IsExported() || name == "ResultMetadata" {
			continue
		}
		if anyMembers[key+"."+name] {
			continue
		}
		if msg := checkValue(f.Type, name, v, key); msg != "" {
			return msg
		}
	}
	return ""
}

// checkValue checks one value against a member's Go type.
func checkValue(t reflect.Type, name string, v any, key string) string {
	if v == nil {
		return ""
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t == timeType, t == bytesType:
		if _, ok := v.(string); !ok {
			return "Field '" + name + "' must be a string"
		}
		return ""
	}
	switch t.Kind() {
	case reflect.String:
		s, ok := v.(string)
		if !ok {
			return "Field '" + name + "' must be a string"
		}
		if vals, ok := enumValues(t); ok && !contains(vals, s) {
			return "Field '" + name + "' is not an expected value"
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Float32, reflect.Float64:
		if !isNumber(v) {
			return "Field '" + name + "' must be a number"
		}
	case reflect.Bool:
		if _, ok := v.(bool); !ok {
			return "Field '" + name + "' must be a boolean"
		}
	case reflect.Slice:
		arr, ok := v.([]any)
		if !ok {
			return "Field '" + name + "' must be an array"
		}
		for _, e := range arr {
			if msg := checkValue(t.Elem(), name, e, key); msg != "" {
				return msg
			}
		}
	case reflect.Map:
		m, ok := v.(*value.Object)
		if !ok {
			return "Field '" + name + "' must be an object"
		}
		for i := 0; i < m.Len(); i++ {
			k, e := m.At(i)
			if msg := checkValue(t.Elem(), k, e, key); msg != "" {
				return msg
			}
		}
	case reflect.Struct:
		m, ok := v.(*value.Object)
		if !ok {
			return "Field '" + name + "' must be an object"
		}
		return checkShape(t, m, key)
	}
	// Interfaces (unions, documents) take any value.
	return ""
}

// enumValues returns the values of an SDK enum type (its Values method).
func enumValues(t reflect.Type) ([]string, bool) {
	m, ok := t.MethodByName("Values")
	if !ok || m.Type.NumIn() != 1 || m.Type.NumOut() != 1 {
		return nil, false
	}
	out := m.Func.Call([]reflect.Value{reflect.Zero(t)})[0]
	if out.Kind() != reflect.Slice {
		return nil, false
	}
	vals := make([]string, out.Len())
	for i := range vals {
		vals[i] = out.Index(i).String()
	}
	return vals, true
}

func contains(vals []string, s string) bool {
	for _, v := range vals {
		if v == s {
			return true
		}
	}
	return false
}

// isNumber reports whether a decoded JSON value is a number.
func isNumber(v any) bool {
	switch v.(type) {
	case string, bool, []any, *value.Object, nil:
		return false
	}
	return true
}
