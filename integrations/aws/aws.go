// Package aws runs Task states that call AWS services, as Step Functions
// does, through one generic client driven by AWS's service models
// (package model) and the five wire protocols of package wire:
//
//   - arn:aws:states:::aws-sdk:SERVICE:ACTION (and .waitForTaskToken) for
//     every action of every service in the models;
//   - the optimized integrations arn:aws:states:::dynamodb:getItem|putItem|
//     updateItem|deleteItem, athena:startQueryExecution (.sync),
//     getQueryExecution, getQueryResults, stopQueryExecution,
//     lambda:invoke, sns:publish, sqs:sendMessage and events:putEvents
//     (each also .waitForTaskToken).
//
// Requests are signed with aws-sdk-go-v2's SigV4 signer. Credentials come
// from the SDK's default chain (or Options.LoadOptions); a task's
// Credentials.RoleArn is assumed through STS. The region is the one the
// Resource ARN names, else the execution's, else the config's. Endpoints
// follow the SDK's AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_<SERVICE>
// variables (and the shared config's services sections), and
// Options.Endpoints overrides them. No per-service client is linked.
//
// Service errors keep the names Step Functions gives them:
// DynamoDb.ConditionalCheckFailedException for aws-sdk tasks,
// DynamoDB.ConditionalCheckFailedException for optimized ones (SNS.NotFoundException,
// SQS.QueueDoesNotExistException, SQS.AmazonSQSException for an error the
// model does not define, EventBridge.FailedEntry; <Prefix>.SdkClientException
// when the service cannot be reached).
package aws

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/stepwise/stepwise/asl/fault"
	"github.com/stepwise/stepwise/asl/value"
	"github.com/stepwise/stepwise/integrations"
	"github.com/stepwise/stepwise/integrations/aws/model"
)

// Options configure an Invoker. The zero value uses the SDK's default
// configuration chain.
type Options struct {
	// LoadOptions are passed to config.LoadDefaultConfig, for example
	// config.WithRegion or config.WithCredentialsProvider.
	LoadOptions []func(*config.LoadOptions) error
	// Endpoints overrides service endpoints, by the service's name in the
	// Resource ARN ("dynamodb", "events", "secretsmanager", "sts", ...) or
	// its endpoint prefix, for local servers. They win over
	// AWS_ENDPOINT_URL_*.
	Endpoints map[string]string
	// HTTPClient, when set, sends the requests.
	HTTPClient *http.Client
	// PollInterval is the first interval between status polls of .sync
	// tasks (default 1s); it doubles up to MaxPollInterval (default 30s).
	PollInterval    time.Duration
	MaxPollInterval time.Duration
	// MaxAttempts bounds the attempts of one call: connection errors,
	// 500/502/503/504 and throttling are retried with the SDKs' jittered
	// exponential back-off (default 3 attempts, as the SDKs make).
	MaxAttempts int
	// Sleep waits between polls and retries; nil: integrations.Sleep, the
	// clock of the execution the task runs in (virtual under a virtual
	// clock), or the real clock.
	// Tests and virtual clocks replace it.
	Sleep func(ctx context.Context, d time.Duration) error
	// Catalog is the service models; nil uses the embedded ones.
	Catalog *model.Catalog
	// Connections are the EventBridge connections http:invoke tasks use, by
	// ARN; when nil they are read from ConnectionsFile on first use.
	Connections     map[string]Connection
	ConnectionsFile string
}

// Invoker runs AWS service tasks. It is safe for concurrent use.
type Invoker struct {
	opts   Options
	models *model.Catalog
	signer *v4.Signer

	mu    sync.Mutex
	base  *sdkaws.Config
	roles map[string]sdkaws.CredentialsProvider

	connOnce sync.Once
	conns    map[string]Connection
	connErr  error
	oauth    tokens
}

// New returns an Invoker. Configuration is loaded on first use.
func New(opts Options) *Invoker {
	if opts.PollInterval <= 0 {
		opts.PollInterval = time.Second
	}
	if opts.MaxPollInterval <= 0 {
		opts.MaxPollInterval = 30 * time.Second
	}
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = 3
	}
	if opts.Sleep == nil {
		opts.Sleep = integrations.Sleep
	}
	models := opts.Catalog
	if models == nil {
		models = model.Embedded()
	}
	return &Invoker{opts: opts, models: models, signer: v4.NewSigner(), roles: map[string]sdkaws.CredentialsProvider{}}
}

// resource is a parsed integration Resource ARN.
type resource struct {
	region  string // from the ARN, may be empty
	sdk     bool   // aws-sdk:SERVICE:ACTION
	service string // dynamodb, athena, ...
	action  string // as written: putItem
	pattern string // "", "sync", "sync:2", "waitForTaskToken"
	// function marks a Lambda function ARN used as the Resource.
	function bool
}

// parseResource parses arn:PARTITION:states:REGION:ACCOUNT:aws-sdk:S:A.P or
// arn:PARTITION:states:REGION:ACCOUNT:S:A.P.
func parseResource(arn string) (resource, bool) {
	if r, ok := parseFunctionARN(arn); ok {
		return r, true
	}
	parts := strings.Split(arn, ":")
	if len(parts) < 7 || parts[0] != "arn" || !strings.HasPrefix(parts[1], "aws") || parts[2] != "states" {
		return resource{}, false
	}
	r := resource{region: parts[3]}
	rest := parts[5:]
	if rest[0] == "aws-sdk" {
		r.sdk = true
		rest = rest[1:]
	}
	if len(rest) == 3 && rest[2] == "2" && strings.HasSuffix(rest[1], ".sync") { // .sync:2
		rest = []string{rest[0], rest[1] + ":2"}
	}
	if len(rest) != 2 || rest[0] == "" {
		return resource{}, false
	}
	r.service = rest[0]
	r.action = rest[1]
	if i := strings.IndexByte(r.action, '.'); i >= 0 {
		r.action, r.pattern = r.action[:i], r.action[i+1:]
		switch r.pattern {
		case "sync", "sync:2", "waitForTaskToken":
		default:
			return resource{}, false
		}
	}
	return r, r.action != ""
}

// handler runs one kind of task.
type handler func(ctx context.Context, inv *Invoker, t *integrations.Task, r resource) (any, error)

// lookup finds the handler of a resource.
func (inv *Invoker) lookup(r resource) (handler, bool) {
	if r.sdk {
		if r.pattern == "sync" || r.pattern == "sync:2" {
			return nil, false
		}
		svc, ok, _ := inv.models.Service(r.service)
		if !ok {
			return nil, false
		}
		op, ok := operationName(r.action)
		if !ok {
			return nil, false
		}
		if _, ok := svc.Operation(op); !ok {
			return nil, false
		}
		return invokeSDK, true
	}
	if r.function {
		return invokeFunction, true
	}
	h, ok := optimized[r.service+":"+r.action]
	if !ok || !h.patterns[r.pattern] {
		return nil, false
	}
	return h.run, true
}

// Handles reports whether the task's Resource is an AWS integration this
// invoker runs.
func (inv *Invoker) Handles(t *integrations.Task) bool {
	r, ok := parseResource(t.Resource)
	if !ok {
		return false
	}
	_, ok = inv.lookup(r)
	return ok
}

// Invoke runs the task. TimeoutSeconds bounds the call: when it expires the
// task fails with States.Timeout.
func (inv *Invoker) Invoke(ctx context.Context, t *integrations.Task) (any, error) {
	r, ok := parseResource(t.Resource)
	var h handler
	if ok {
		h, ok = inv.lookup(r)
	}
	if !ok {
		return nil, unknownResource(t)
	}
	if t.TimeoutSeconds > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, time.Duration(t.TimeoutSeconds)*time.Second)
		defer cancel()
	}
	out, err := h(ctx, inv, t, r)
	if err != nil && ctx.Err() == context.DeadlineExceeded {
		var fe *fault.Error
		if !errors.As(err, &fe) || fe.Name != fault.Timeout {
			return nil, fault.New(fault.Timeout, "")
		}
	}
	return out, err
}

// region is the region a task calls.
func (inv *Invoker) region(base sdkaws.Config, t *integrations.Task, r resource) string {
	switch {
	case r.region != "":
		return r.region
	case t.Execution.Region != "":
		return t.Execution.Region
	}
	return base.Region
}

// credentials returns the credentials of a task: the assumed role of its
// Credentials.RoleArn, else the configuration's.
func (inv *Invoker) credentials(ctx context.Context, t *integrations.Task, base sdkaws.Config, region string) (sdkaws.CredentialsProvider, error) {
	role, err := roleArn(t.Credentials)
	if err != nil {
		return nil, err
	}
	if role == "" {
		return base.Credentials, nil
	}
	inv.mu.Lock()
	defer inv.mu.Unlock()
	p, ok := inv.roles[role+"\x00"+region]
	if !ok {
		stsCfg := base.Copy()
		stsCfg.Region = region
		stsClient := sts.NewFromConfig(stsCfg, func(o *sts.Options) {
			if ep := inv.opts.Endpoints["sts"]; ep != "" {
				o.BaseEndpoint = sdkaws.String(ep)
			}
		})
		p = sdkaws.NewCredentialsCache(stscreds.NewAssumeRoleProvider(stsClient, role, func(o *stscreds.AssumeRoleOptions) {
			o.RoleSessionName = "stepwise-" + sessionSuffix(t)
		}))
		inv.roles[role+"\x00"+region] = p
	}
	return p, nil
}

// sessionSuffix names the assumed-role session after the execution, within
// STS's limit of 64 characters of [\w+=,.@-].
func sessionSuffix(t *integrations.Task) string {
	s := t.Execution.ExecutionName
	if s == "" {
		s = "task"
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s) && len(b) < 55; i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("_+=,.@-", c) >= 0 {
			b = append(b, c)
		}
	}
	return string(b)
}

// config loads the base configuration once.
func (inv *Invoker) config(ctx context.Context) (sdkaws.Config, error) {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	if inv.base != nil {
		return *inv.base, nil
	}
	opts := []func(*config.LoadOptions) error{}
	if _, set := os.LookupEnv("AWS_EC2_METADATA_DISABLED"); !set {
		// A local simulator has no instance role: without credentials a
		// task fails at once instead of waiting on 169.254.169.254. The
		// user turns the metadata service on with
		// AWS_EC2_METADATA_DISABLED=false.
		opts = append(opts, config.WithEC2IMDSClientEnableState(imds.ClientDisabled))
	}
	opts = append(opts, inv.opts.LoadOptions...)
	if inv.opts.HTTPClient != nil {
		opts = append(opts, config.WithHTTPClient(inv.opts.HTTPClient))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return sdkaws.Config{}, fault.New(fault.TaskFailed, "loading the AWS configuration: "+err.Error())
	}
	inv.base = &cfg
	return cfg, nil
}

// roleArn reads Credentials.RoleArn from a task's evaluated Credentials.
func roleArn(c any) (string, error) {
	if c == nil {
		return "", nil
	}
	o, ok := c.(*value.Object)
	if !ok {
		return "", fault.New(fault.Runtime, "the Credentials field must be an object with a RoleArn")
	}
	v, ok := o.Get("RoleArn")
	if !ok {
		return "", nil
	}
	s, ok := v.(string)
	if !ok || !strings.HasPrefix(s, "arn:") {
		return "", fault.New(fault.Runtime, fmt.Sprintf("Credentials.RoleArn must be a role ARN, got %s", value.EncodeString(v)))
	}
	return s, nil
}
