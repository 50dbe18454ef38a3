package service

import (
	"strings"

	"github.com/stepwise/stepwise/asl/value"
	"github.com/stepwise/stepwise/integrations/aws/model"
	"github.com/stepwise/stepwise/integrations/aws/wire"
)

// TestState checks a mocked Task result against the response shape of the
// integration (mock.fieldValidationMode): STRICT checks the type of every
// member the shape knows and that its required members are there;
// PRESENT checks the members present only; NONE checks nothing. Members
// the shape does not know are allowed in every mode, as on AWS.
//
// The shapes are the operations' outputs in the generated AWS models of
// integrations/aws/model (every service the aws-sdk integration reaches),
// with the members named as Step Functions names them (wire.PublicName).
// The models carry no enum values, so a string is not checked against its
// enum (AWS's "is not an expected value"); linking aws-sdk-go-v2's service
// clients for that would cost every start of stepwise their package
// initialisation.

// modelServices maps the service names of optimized integrations
// (arn:aws:states:::NAME:action) that differ from their model's name.
var modelServices = map[string]string{"events": "eventbridge", "states": "sfn", "bedrock": "bedrockruntime"}

// requiredMembers are the members AWS's models mark required in the
// responses of optimized integrations, by "service:action".
var requiredMembers = map[string][]string{
	"states:startExecution": {"ExecutionArn", "StartDate"},
	"sfn:startExecution":    {"ExecutionArn", "StartDate"},
}

// anyMembers are members whose optimized integration returns JSON where
// the model has bytes (lambda:invoke's Payload).
var anyMembers = map[string]bool{"lambda:invoke.Payload": true}

// responseShape returns the service model and output shape of a Task
// Resource's integration, and its "service:action" key.
func responseShape(models *model.Catalog, resource string) (*model.Service, *model.Shape, string, bool) {
	rest, ok := strings.CutPrefix(resource, "arn:aws:states:::")
	if !ok || models == nil {
		return nil, nil, "", false
	}
	rest = strings.TrimPrefix(rest, "aws-sdk:")
	svc, action, ok := strings.Cut(rest, ":")
	if !ok || action == "" {
		return nil, nil, "", false
	}
	if i := strings.IndexByte(action, '.'); i >= 0 {
		if action[i+1:] != "waitForTaskToken" {
			return nil, nil, "", false // .sync returns another shape
		}
		action = action[:i]
	}
	name := svc
	if n, ok := modelServices[svc]; ok {
		name = n
	}
	m, ok, err := models.Service(name)
	if err != nil || !ok {
		return nil, nil, "", false
	}
	op, ok := m.Operation(strings.ToUpper(action[:1]) + action[1:])
	if !ok || op.Output == "" {
		return nil, nil, "", false
	}
	sh := m.Shape(op.Output)
	if sh == nil || sh.Type != "structure" {
		return nil, nil, "", false
	}
	return m, sh, svc + ":" + action, true
}

// checkMockShape checks a mocked result against its integration's shape.
func checkMockShape(models *model.Catalog, resource, mode string, result any) error {
	if mode == "NONE" {
		return nil
	}
	svc, sh, key, ok := responseShape(models, resource)
	if !ok {
		return nil
	}
	o, ok := result.(*value.Object)
	if !ok {
		return apiErr(errValidation, "Mocked result must be a JSON object.")
	}
	if msg := checkShape(svc, sh, o, key); msg != "" {
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

// checkShape checks the members of o that structure sh knows; it returns
// AWS's message for the first that does not fit ("" when all do).
func checkShape(svc *model.Service, sh *model.Shape, o *value.Object, key string) string {
	for i := 0; i < o.Len(); i++ {
		name, v := o.At(i)
		m := memberNamed(sh, name)
		if m == nil || anyMembers[key+"."+name] {
			continue
		}
		if msg := checkValue(svc, m.Target, name, v, key, 0); msg != "" {
			return msg
		}
	}
	return ""
}

// memberNamed returns the member of sh that Step Functions names name.
func memberNamed(sh *model.Shape, name string) *model.Member {
	for i := range sh.Members {
		if wire.PublicName(sh.Members[i].Name) == name {
			return &sh.Members[i]
		}
	}
	return nil
}

// maxShapeDepth bounds the check of recursive shapes.
const maxShapeDepth = 64

// checkValue checks one value against the shape target.
func checkValue(svc *model.Service, target, name string, v any, key string, depth int) string {
	if v == nil || depth > maxShapeDepth {
		return ""
	}
	sh := svc.Shape(target)
	if sh == nil {
		return ""
	}
	switch sh.Type {
	case "string", "timestamp", "blob":
		if _, ok := v.(string); !ok {
			return "Field '" + name + "' must be a string"
		}
	case "byte", "short", "integer", "long", "float", "double", "bigInteger", "bigDecimal":
		if !isNumber(v) {
			return "Field '" + name + "' must be a number"
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			return "Field '" + name + "' must be a boolean"
		}
	case "list":
		arr, ok := v.([]any)
		if !ok {
			return "Field '" + name + "' must be an array"
		}
		if sh.Member != nil {
			for _, e := range arr {
				if msg := checkValue(svc, sh.Member.Target, name, e, key, depth+1); msg != "" {
					return msg
				}
			}
		}
	case "map":
		m, ok := v.(*value.Object)
		if !ok {
			return "Field '" + name + "' must be an object"
		}
		if sh.Value != nil {
			for i := 0; i < m.Len(); i++ {
				k, e := m.At(i)
				if msg := checkValue(svc, sh.Value.Target, k, e, key, depth+1); msg != "" {
					return msg
				}
			}
		}
	case "structure":
		m, ok := v.(*value.Object)
		if !ok {
			return "Field '" + name + "' must be an object"
		}
		for i := 0; i < m.Len(); i++ {
			k, e := m.At(i)
			mem := memberNamed(sh, k)
			if mem == nil {
				continue
			}
			if msg := checkValue(svc, mem.Target, k, e, key, depth+1); msg != "" {
				return msg
			}
		}
	}
	// Unions and documents take any value.
	return ""
}

// isNumber reports whether a decoded JSON value is a number.
func isNumber(v any) bool {
	switch v.(type) {
	case string, bool, []any, *value.Object, nil:
		return false
	}
	return true
}
