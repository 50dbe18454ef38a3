package gofunc

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/stepwise/stepwise/asl/fault"
	"github.com/stepwise/stepwise/asl/value"
	"github.com/stepwise/stepwise/integrations"
	"github.com/stepwise/stepwise/integrations/mock"
)

const lambdaARN = "arn:aws:lambda:us-east-1:111111111111:function:f"

func task(state, resource string, input any) *integrations.Task {
	return &integrations.Task{StateName: state, Resource: resource, Input: input}
}

func TestStateNameWinsOverResource(t *testing.T) {
	r := New()
	r.HandleResource(lambdaARN, func(ctx context.Context, in any) (any, error) { return "by resource", nil })
	r.HandleState("Special", func(ctx context.Context, in any) (any, error) { return "by state", nil })
	for _, c := range []struct{ state, want string }{{"Special", "by state"}, {"Other", "by resource"}} {
		got, err := r.Invoke(context.Background(), task(c.state, lambdaARN, nil))
		if err != nil || got != c.want {
			t.Fatalf("%s: got %v, %v; want %s", c.state, got, err, c.want)
		}
	}
	r.HandleState("Special", nil)
	if got, _ := r.Invoke(context.Background(), task("Special", lambdaARN, nil)); got != "by resource" {
		t.Fatalf("after removal: got %v", got)
	}
}

func TestInputPassedAndErrorsKept(t *testing.T) {
	r := New()
	r.HandleState("Double", func(ctx context.Context, in any) (any, error) {
		o := in.(*value.Object)
		n, _ := o.Get("n")
		return n.(int64) * 2, nil
	})
	r.HandleState("Fail", func(ctx context.Context, in any) (any, error) {
		return nil, fault.New("Custom.Error", "it broke")
	})
	in, _ := value.DecodeString(`{"n":21}`)
	if got, err := r.Invoke(context.Background(), task("Double", "x", in)); err != nil || got != int64(42) {
		t.Fatalf("Double: got %v, %v", got, err)
	}
	_, err := r.Invoke(context.Background(), task("Fail", "x", nil))
	var f *fault.Error
	if !errors.As(err, &f) || f.Name != "Custom.Error" || f.Cause != "it broke" {
		t.Fatalf("Fail: got %v", err)
	}
}

func TestPanicBecomesTaskFailed(t *testing.T) {
	r := New()
	r.HandleState("Boom", func(ctx context.Context, in any) (any, error) { panic("kaboom") })
	_, err := r.Invoke(context.Background(), task("Boom", "x", nil))
	var f *fault.Error
	if !errors.As(err, &f) || f.Name != fault.TaskFailed || !strings.Contains(f.Cause, "kaboom") {
		t.Fatalf("got %v", err)
	}
}

func TestNotConfigured(t *testing.T) {
	_, err := New().Invoke(context.Background(), task("S", lambdaARN, nil))
	var f *fault.Error
	if !errors.As(err, &f) || f.Name != fault.Runtime || !strings.Contains(f.Cause, "no integration is configured for resource \""+lambdaARN+"\"") || !strings.Contains(f.Cause, "mock the state") {
		t.Fatalf("got %v", err)
	}
}

func TestChainMocksThenGoFuncs(t *testing.T) {
	cfg, err := mock.Parse([]byte(`{"StateMachines":{"M":{"TestCases":{"T":{"Mocked":"R"}}}},
	  "MockedResponses":{"R":{"0":{"Return":"mocked"}}}}`))
	if err != nil {
		t.Fatal(err)
	}
	tc, err := cfg.TestCase("M", "T")
	if err != nil {
		t.Fatal(err)
	}
	r := New()
	r.HandleResource(lambdaARN, func(ctx context.Context, in any) (any, error) { return "go", nil })
	inv := Chain(tc.Invoker(nil), nil, r)
	for _, c := range []struct{ state, want string }{{"Mocked", "mocked"}, {"Plain", "go"}} {
		got, err := inv.Invoke(context.Background(), task(c.state, lambdaARN, nil))
		if err != nil || got != c.want {
			t.Fatalf("%s: got %v, %v", c.state, got, err)
		}
	}
	_, err = inv.Invoke(context.Background(), task("Plain", "arn:aws:states:::sqs:sendMessage", nil))
	var f *fault.Error
	if !errors.As(err, &f) || f.Name != fault.Runtime {
		t.Fatalf("unhandled: got %v", err)
	}
}

func TestChainNonHandlerEndsChain(t *testing.T) {
	catchAll := integrations.InvokerFunc(func(ctx context.Context, t *integrations.Task) (any, error) { return "all", nil })
	never := integrations.InvokerFunc(func(ctx context.Context, t *integrations.Task) (any, error) { return "never", nil })
	inv := Chain(New(), catchAll, never)
	if got, err := inv.Invoke(context.Background(), task("S", "r", nil)); err != nil || got != "all" {
		t.Fatalf("got %v, %v", got, err)
	}
	if h, ok := inv.(Handler); !ok || !h.Handles(task("S", "r", nil)) {
		t.Fatal("chain with a catch-all must handle everything")
	}
}
