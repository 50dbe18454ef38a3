package aws

import (
	"context"

	"github.com/stepwise/stepwise/asl/fault"
	"github.com/stepwise/stepwise/asl/value"
	"github.com/stepwise/stepwise/integrations"
)

// The optimized messaging integrations: arn:aws:states:::sns:publish,
// sqs:sendMessage and events:putEvents, each also with .waitForTaskToken.
// Errors carry the AWS SDK for Java 1.x names Step Functions gives them
// (SNS.NotFoundException, SQS.AmazonSQSException, ...; see the conformance
// cases services__sns_task_service__publish_base_error_topic_arn and
// error_handling__task_service_sqs__send_message_empty_body).

// invokeSNS runs arn:aws:states:::sns:publish. A Message that is not a
// string is sent as its JSON text, as Step Functions does.
func invokeSNS(ctx context.Context, inv *Invoker, t *integrations.Task, r resource) (any, error) {
	params, err := stringifyMembers(t.Input, "sns:publish", "Message")
	if err != nil {
		return nil, err
	}
	_, res, err := inv.callOptimized(ctx, t, r, r.action, params)
	if err != nil {
		return nil, v1Error("SNS", "AmazonSNSException", "AmazonSNS", err)
	}
	if r.pattern == "waitForTaskToken" {
		return integrations.Pending{}, nil
	}
	return withMetadata(res), nil
}

// invokeSQS runs arn:aws:states:::sqs:sendMessage. A MessageBody that is
// not a string is sent as its JSON text, as Step Functions does.
func invokeSQS(ctx context.Context, inv *Invoker, t *integrations.Task, r resource) (any, error) {
	params, err := stringifyMembers(t.Input, "sqs:sendMessage", "MessageBody")
	if err != nil {
		return nil, err
	}
	_, res, err := inv.callOptimized(ctx, t, r, r.action, params)
	if err != nil {
		return nil, v1Error("SQS", "AmazonSQSException", "AmazonSQS", err)
	}
	if r.pattern == "waitForTaskToken" {
		return integrations.Pending{}, nil
	}
	return withMetadata(res), nil
}

// invokeEvents runs arn:aws:states:::events:putEvents. As Step Functions
// does, an entry's Detail that is a JSON object is sent as its JSON text,
// and the state machine and execution ARNs are appended to each entry's
// Resources. A response with a non-zero FailedEntryCount fails the task
// with EventBridge.FailedEntry and the response (Entries and
// FailedEntryCount) as the cause.
func invokeEvents(ctx context.Context, inv *Invoker, t *integrations.Task, r resource) (any, error) {
	params, err := eventsParams(t)
	if err != nil {
		return nil, err
	}
	_, res, err := inv.callOptimized(ctx, t, r, r.action, params)
	if err != nil {
		return nil, v1Error("EventBridge", "AmazonEventBridgeException", "AmazonEventBridge", err)
	}
	if n, _ := res.out.Get("FailedEntryCount"); n != nil && n != int64(0) {
		return nil, fault.New("EventBridge.FailedEntry", value.EncodeString(sortDeep(res.out)))
	}
	if r.pattern == "waitForTaskToken" {
		return integrations.Pending{}, nil
	}
	return withMetadata(res), nil
}

// eventsParams returns the putEvents parameters with each entry's object
// Detail as JSON text and the execution's ARNs in its Resources.
func eventsParams(t *integrations.Task) (any, error) {
	params, ok := t.Input.(*value.Object)
	if !ok {
		return nil, fault.New(fault.Runtime, "the parameters of events:putEvents must be an object")
	}
	entries, ok := params.Get("Entries")
	if !ok {
		return params, nil
	}
	list, ok := entries.([]any)
	if !ok {
		return params, nil // the codec reports the mismatch
	}
	params = params.ShallowCopy()
	out := make([]any, len(list))
	for i, e := range list {
		entry, ok := e.(*value.Object)
		if !ok {
			out[i] = e
			continue
		}
		entry = entry.ShallowCopy()
		if d, ok := entry.Get("Detail"); ok {
			if _, isObj := d.(*value.Object); isObj {
				entry.Set("Detail", value.EncodeString(d))
			}
		}
		var resources []any
		if rs, ok := entry.Get("Resources"); ok {
			if l, ok := rs.([]any); ok {
				resources = append(resources, l...)
			} else {
				resources = append(resources, rs)
			}
		}
		for _, arn := range []string{t.Execution.StateMachineArn, t.Execution.ExecutionArn} {
			if arn != "" {
				resources = append(resources, arn)
			}
		}
		if resources != nil {
			entry.Set("Resources", resources)
		}
		out[i] = entry
	}
	params.Set("Entries", out)
	return params, nil
}

// stringifyMembers returns params with the named members, when they are
// not strings, replaced by their JSON text.
func stringifyMembers(params any, integration string, names ...string) (any, error) {
	o, ok := params.(*value.Object)
	if !ok {
		return nil, fault.New(fault.Runtime, "the parameters of "+integration+" must be an object")
	}
	var cp *value.Object
	for _, n := range names {
		v, ok := o.Get(n)
		if !ok {
			continue
		}
		if _, isString := v.(string); isString {
			continue
		}
		if cp == nil {
			cp = o.ShallowCopy()
		}
		cp.Set(n, value.EncodeString(v))
	}
	if cp == nil {
		return o, nil
	}
	return cp, nil
}
