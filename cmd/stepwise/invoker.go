package main

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/stepwise/stepwise/asl"
	"github.com/stepwise/stepwise/engine"
	"github.com/stepwise/stepwise/engine/children"
	"github.com/stepwise/stepwise/engine/runtime/local"
	"github.com/stepwise/stepwise/integrations"
	"github.com/stepwise/stepwise/integrations/aws"
	"github.com/stepwise/stepwise/integrations/gofunc"
	"github.com/stepwise/stepwise/integrations/nested"
)

// Task states in stepwise run and stepwise test are hybrid, as with Step
// Functions Local: states the mock test case mocks get their mocked
// responses, states.startExecution tasks run the --machine state machines
// in process, and every other Task state calls AWS (credentials, region
// and endpoints from the SDK's usual configuration: AWS_PROFILE,
// AWS_REGION, AWS_ENDPOINT_URL_<SERVICE>, ...). The AWS configuration is
// loaded only when a task actually calls AWS.

// machineFlags is the repeatable --machine NAME=FILE flag: state machines
// that nested executions (arn:aws:states:::states:startExecution) may run,
// by the name in their ARN.
type machineFlags []string

func (m *machineFlags) String() string { return strings.Join(*m, ",") }

// Set records one NAME=FILE.
func (m *machineFlags) Set(s string) error {
	name, file, ok := strings.Cut(s, "=")
	if !ok || name == "" || file == "" {
		return errors.New("--machine wants NAME=FILE")
	}
	*m = append(*m, s)
	return nil
}

// load parses the state machines, by name.
func (m machineFlags) load() (map[string]*asl.StateMachine, error) {
	out := map[string]*asl.StateMachine{}
	for _, s := range m {
		name, file, _ := strings.Cut(s, "=")
		data, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("--machine %s: %w", name, err)
		}
		sm, err := asl.Parse(data)
		if err != nil {
			return nil, fmt.Errorf("--machine %s: %s: %w", name, file, err)
		}
		out[name] = sm
	}
	return out, nil
}

// integrationsFallback returns the invoker for the Task states that mocks
// do not answer: nested executions of the machines, then AWS. tokens, when
// not nil, is the runtime the parent runs on: children then share it (it
// must use the real clock) and can complete the parent's task tokens with
// aws-sdk:sfn:sendTaskSuccess/sendTaskFailure/sendTaskHeartbeat.
func integrationsFallback(machines map[string]*asl.StateMachine, shared *local.Runtime) integrations.Invoker {
	// The configuration is loaded on first use; http:invoke's connections
	// come from the file STEPWISE_CONNECTIONS names.
	awsInv := aws.New(aws.Options{ConnectionsFile: os.Getenv("STEPWISE_CONNECTIONS")})
	if len(machines) == 0 {
		return awsInv
	}
	l := &children.Local{Machines: machines}
	n := &nested.Invoker{Starter: l}
	if shared != nil {
		l.Runtime = shared
		n.Tokens = shared
	}
	inv := gofunc.Chain(n, awsInv)
	l.Invoker = inv // children nest further and call AWS the same way
	return inv
}

// setupTasks completes the engine options of stepwise run: mocked states
// keep opts.Invoker, the rest go to integrationsFallback. Without a
// virtual clock the execution gets a local runtime its children share.
func setupTasks(opts *engine.Options, machineArgs machineFlags, virtualClock bool) error {
	machines, err := machineArgs.load()
	if err != nil {
		return err
	}
	var shared *local.Runtime
	if !virtualClock && opts.Runtime == nil && len(machines) > 0 {
		shared = local.New(local.Options{})
		opts.Runtime = shared
	}
	opts.Invoker = gofunc.Chain(opts.Invoker, integrationsFallback(machines, shared))
	return nil
}

// testFallback is the invoker of stepwise test for the Task states the
// test case does not mock. The cases run under a virtual clock, so
// children get runtimes of their own (and cannot complete the parent's
// task tokens).
func testFallback(machineArgs machineFlags) (integrations.Invoker, error) {
	machines, err := machineArgs.load()
	if err != nil {
		return nil, err
	}
	return integrationsFallback(machines, nil), nil
}
