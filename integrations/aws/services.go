package aws

import (
	"context"
	"reflect"
	"sort"
	"strings"
	"unicode"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/athena"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/rekognition"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/transcribe"
	trtypes "github.com/aws/aws-sdk-go-v2/service/transcribe/types"

	"github.com/stepwise/stepwise/integrations/aws/sdk"
)

// service describes one AWS service the integrations call.
type service struct {
	// name is the service as the Resource ARN names it (aws-sdk:NAME:action).
	name string
	// prefix is the error-name prefix of the aws-sdk integration, the AWS SDK
	// for Java 2.x service name: DynamoDb.ConditionalCheckFailedException.
	prefix string
	// newClient builds the service's client from a config; endpoint, when
	// not empty, overrides the base endpoint.
	newClient func(cfg sdkaws.Config, endpoint string) any
	// clientType is the client's type (*dynamodb.Client).
	clientType reflect.Type
	codec      *sdk.Codec
}

// hasOperation reports whether the service's client has the API operation.
func (s *service) hasOperation(op string) bool {
	_, ok := apiMethod(reflect.Zero(s.clientType).Interface(), op)
	return ok
}

// services lists the services of the aws-sdk integration, by ARN name.
var services = map[string]*service{
	"dynamodb": {
		clientType: reflect.TypeOf((*dynamodb.Client)(nil)),
		name:       "dynamodb", prefix: "DynamoDb",
		newClient: func(cfg sdkaws.Config, endpoint string) any {
			return dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) { setEndpoint(&o.BaseEndpoint, endpoint) })
		},
		codec: sdk.NewCodec(
			&ddbtypes.AttributeValueMemberB{}, &ddbtypes.AttributeValueMemberBOOL{}, &ddbtypes.AttributeValueMemberBS{},
			&ddbtypes.AttributeValueMemberL{}, &ddbtypes.AttributeValueMemberM{}, &ddbtypes.AttributeValueMemberN{},
			&ddbtypes.AttributeValueMemberNS{}, &ddbtypes.AttributeValueMemberNULL{}, &ddbtypes.AttributeValueMemberS{},
			&ddbtypes.AttributeValueMemberSS{},
		),
	},
	"rekognition": {
		clientType: reflect.TypeOf((*rekognition.Client)(nil)),
		name:       "rekognition", prefix: "Rekognition",
		newClient: func(cfg sdkaws.Config, endpoint string) any {
			return rekognition.NewFromConfig(cfg, func(o *rekognition.Options) { setEndpoint(&o.BaseEndpoint, endpoint) })
		},
		codec: sdk.NewCodec(),
	},
	"transcribe": {
		clientType: reflect.TypeOf((*transcribe.Client)(nil)),
		name:       "transcribe", prefix: "Transcribe",
		newClient: func(cfg sdkaws.Config, endpoint string) any {
			return transcribe.NewFromConfig(cfg, func(o *transcribe.Options) { setEndpoint(&o.BaseEndpoint, endpoint) })
		},
		codec: sdk.NewCodec(
			&trtypes.RuleMemberInterruptionFilter{}, &trtypes.RuleMemberNonTalkTimeFilter{},
			&trtypes.RuleMemberSentimentFilter{}, &trtypes.RuleMemberTranscriptFilter{},
		),
	},
	"athena": {
		clientType: reflect.TypeOf((*athena.Client)(nil)),
		name:       "athena", prefix: "Athena",
		newClient: func(cfg sdkaws.Config, endpoint string) any {
			return athena.NewFromConfig(cfg, func(o *athena.Options) { setEndpoint(&o.BaseEndpoint, endpoint) })
		},
		codec: sdk.NewCodec(),
	},
	"lambda": {
		clientType: reflect.TypeOf((*lambda.Client)(nil)),
		name:       "lambda", prefix: "Lambda",
		newClient: func(cfg sdkaws.Config, endpoint string) any {
			return lambda.NewFromConfig(cfg, func(o *lambda.Options) { setEndpoint(&o.BaseEndpoint, endpoint) })
		},
		codec: sdk.NewCodec(),
	},
	"sns": {
		clientType: reflect.TypeOf((*sns.Client)(nil)),
		name:       "sns", prefix: "Sns",
		newClient: func(cfg sdkaws.Config, endpoint string) any {
			return sns.NewFromConfig(cfg, func(o *sns.Options) { setEndpoint(&o.BaseEndpoint, endpoint) })
		},
		codec: sdk.NewCodec(),
	},
	"sqs": {
		clientType: reflect.TypeOf((*sqs.Client)(nil)),
		name:       "sqs", prefix: "Sqs",
		newClient: func(cfg sdkaws.Config, endpoint string) any {
			return sqs.NewFromConfig(cfg, func(o *sqs.Options) { setEndpoint(&o.BaseEndpoint, endpoint) })
		},
		codec: sdk.NewCodec(),
	},
	// events is EventBridge, as the optimized integration's ARN names it
	// (arn:aws:states:::events:putEvents).
	"events": {
		clientType: reflect.TypeOf((*eventbridge.Client)(nil)),
		name:       "events", prefix: "EventBridge",
		newClient: func(cfg sdkaws.Config, endpoint string) any {
			return eventbridge.NewFromConfig(cfg, func(o *eventbridge.Options) { setEndpoint(&o.BaseEndpoint, endpoint) })
		},
		codec: sdk.NewCodec(),
	},
}

// sdkServices are the services offered through arn:aws:states:::aws-sdk:.
// lambda, sns, sqs and events are used by the optimized integrations only.
var sdkServices = []string{"athena", "dynamodb", "rekognition", "transcribe"}

func setEndpoint(dst **string, endpoint string) {
	if endpoint != "" {
		*dst = sdkaws.String(endpoint)
	}
}

var (
	ctxType = reflect.TypeOf((*context.Context)(nil)).Elem()
	errType = reflect.TypeOf((*error)(nil)).Elem()
)

// apiMethod returns the client method of an API operation: func(ctx,
// *XInput, ...func(*Options)) (*XOutput, error).
func apiMethod(client any, op string) (reflect.Value, bool) {
	m := reflect.ValueOf(client).MethodByName(op)
	if !m.IsValid() || !isAPIMethod(m.Type()) {
		return reflect.Value{}, false
	}
	return m, true
}

func isAPIMethod(t reflect.Type) bool {
	return t.NumIn() == 3 && t.IsVariadic() && t.In(0) == ctxType &&
		t.In(1).Kind() == reflect.Pointer && t.In(1).Elem().Kind() == reflect.Struct &&
		t.NumOut() == 2 && t.Out(0).Kind() == reflect.Pointer && t.Out(1) == errType
}

// Actions returns the actions of an aws-sdk integration service as the
// Resource ARN names them (camelCase, e.g. "putItem"), sorted; nil for a
// service this package does not offer.
func Actions(serviceName string) []string {
	s, ok := services[serviceName]
	if !ok || !offered(serviceName) {
		return nil
	}
	var out []string
	for i := 0; i < s.clientType.NumMethod(); i++ {
		if name := s.clientType.Method(i).Name; s.hasOperation(name) {
			out = append(out, lowerFirst(name))
		}
	}
	sort.Strings(out)
	return out
}

// Services returns the services offered through the aws-sdk integration.
func Services() []string { return append([]string(nil), sdkServices...) }

func offered(name string) bool {
	for _, s := range sdkServices {
		if s == name {
			return true
		}
	}
	return false
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	r := []rune(s)
	r[0] = unicode.ToLower(r[0])
	return string(r)
}

// operationName maps an ARN action (camelCase) to the SDK operation
// (PascalCase). It reports false for a name that is not camelCase.
func operationName(action string) (string, bool) {
	if action == "" || !unicode.IsLower(rune(action[0])) || strings.ContainsAny(action, ".:/ ") {
		return "", false
	}
	return strings.ToUpper(action[:1]) + action[1:], true
}
