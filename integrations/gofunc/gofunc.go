// Package gofunc lets Task states call Go functions: register a function for
// a resource ARN or for a state name, and use the Registry as an
// integrations.Invoker. Chain combines several providers (for example mocks
// first, then Go functions) into one Invoker.
package gofunc

import (
	"context"
	"fmt"
	"sync"

	"github.com/stepwise/stepwise/asl/fault"
	"github.com/stepwise/stepwise/integrations"
)

// Func is a Go function a Task state calls. input is the task's effective
// input and the result is its raw result, both values of package
// asl/value. Returning a *fault.Error fails the task with that error name
// (for Retry and Catch); any other error fails it with States.TaskFailed.
type Func func(ctx context.Context, input any) (any, error)

// Registry maps resource ARNs and state names to Go functions. A function
// registered for a state name wins over one registered for the state's
// resource. It is safe for concurrent use.
type Registry struct {
	mu         sync.RWMutex
	byState    map[string]Func
	byResource map[string]Func
}

// New returns an empty registry.
func New() *Registry {
	return &Registry{byState: map[string]Func{}, byResource: map[string]Func{}}
}

// HandleResource registers f for Task states whose Resource is arn (as
// written in the definition, e.g.
// "arn:aws:lambda:us-east-1:123456789012:function:Check" or
// "arn:aws:states:::lambda:invoke"). A nil f removes the registration.
func (r *Registry) HandleResource(arn string, f Func) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if f == nil {
		delete(r.byResource, arn)
		return
	}
	r.byResource[arn] = f
}

// HandleState registers f for the Task state named state. A nil f removes
// the registration.
func (r *Registry) HandleState(state string, f Func) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if f == nil {
		delete(r.byState, state)
		return
	}
	r.byState[state] = f
}

func (r *Registry) lookup(t *integrations.Task) Func {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if f, ok := r.byState[t.StateName]; ok {
		return f
	}
	return r.byResource[t.Resource]
}

// Handles reports whether a function is registered for the task.
func (r *Registry) Handles(t *integrations.Task) bool { return r.lookup(t) != nil }

// Invoke calls the function registered for the task. A task with no
// function fails with NotConfigured's error. A panic in the function fails
// the task with States.TaskFailed instead of crashing the execution.
func (r *Registry) Invoke(ctx context.Context, t *integrations.Task) (out any, err error) {
	f := r.lookup(t)
	if f == nil {
		return nil, NotConfigured(t)
	}
	defer func() {
		if p := recover(); p != nil {
			out, err = nil, fault.New(fault.TaskFailed, fmt.Sprintf("the Go function for state %q panicked: %v", t.StateName, p))
		}
	}()
	return f(ctx, t.Input)
}

// NotConfigured is the error of a task that no provider handles:
// States.Runtime, which no Retry or Catch (States.ALL included) takes, with
// a cause naming the resource and the state and saying how to cover it.
func NotConfigured(t *integrations.Task) error {
	return fault.New(fault.Runtime, fmt.Sprintf("no integration is configured for resource %q (state %q): "+
		"mock the state (a MockConfigFile test case: stepwise run --mocks FILE --test-case NAME, or stepwisetest.MockCase), "+
		"register a Go function for it (stepwisetest.Func or ResourceFunc), or use a Resource Stepwise can call", t.Resource, t.StateName))
}

// Handler is implemented by providers that can tell whether they handle a
// task; Chain asks them before calling them.
type Handler interface {
	integrations.Invoker
	Handles(t *integrations.Task) bool
}

// Chain returns an Invoker that gives each task to the first provider that
// handles it. A provider that does not implement Handler is taken to
// handle every task, so it ends the chain (put such a provider last). A
// task no provider handles fails with NotConfigured's error. Nil providers
// are skipped.
func Chain(providers ...integrations.Invoker) integrations.Invoker {
	var ps []integrations.Invoker
	for _, p := range providers {
		if p != nil {
			ps = append(ps, p)
		}
	}
	return chain(ps)
}

type chain []integrations.Invoker

func (c chain) Handles(t *integrations.Task) bool {
	for _, p := range c {
		if h, ok := p.(Handler); !ok || h.Handles(t) {
			return true
		}
	}
	return false
}

// MocksState reports whether one of the chain's invokers mocks the state
// (see integrations.StateMocker).
func (c chain) MocksState(name string) bool {
	for _, p := range c {
		if m, ok := p.(integrations.StateMocker); ok && m.MocksState(name) {
			return true
		}
	}
	return false
}

func (c chain) Invoke(ctx context.Context, t *integrations.Task) (any, error) {
	for _, p := range c {
		if h, ok := p.(Handler); ok && !h.Handles(t) {
			continue
		}
		return p.Invoke(ctx, t)
	}
	return nil, NotConfigured(t)
}
