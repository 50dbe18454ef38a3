package mock

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/stepwise/stepwise/asl/fault"
	"github.com/stepwise/stepwise/asl/value"
	"github.com/stepwise/stepwise/integrations"
)

const sample = `{
  "StateMachines": {
    "LambdaSQSIntegration": {
      "TestCases": {
        "HappyPath": {"LambdaState": "MockedLambdaSuccess", "SQSState": "MockedSQSSuccess"},
        "RetryPath": {"LambdaState": "MockedLambdaRetry", "SQSState": "MockedSQSSuccess"},
        "HybridPath": {"LambdaState": "MockedLambdaSuccess"}
      }
    }
  },
  "MockedResponses": {
    "MockedLambdaSuccess": {"0": {"Return": {"StatusCode": 200, "Payload": {"z": 1, "a": 2.0}}}},
    "MockedSQSSuccess": {"0": {"Return": {"MessageId": "m-1"}}},
    "MockedLambdaRetry": {
      "0": {"Throw": {"Error": "Lambda.ResourceNotReadyException", "Cause": "Lambda resource is not ready."}},
      "1-2": {"Throw": {"Error": "Lambda.TimeoutException", "Cause": "Lambda timed out."}},
      "3": {"Return": {"StatusCode": 200}}
    }
  }
}`

func mustTestCase(t *testing.T, sm, tc string) *TestCase {
	t.Helper()
	c, err := Parse([]byte(sample))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	x, err := c.TestCase(sm, tc)
	if err != nil {
		t.Fatalf("TestCase: %v", err)
	}
	return x
}

func call(inv integrations.Invoker, state string) (any, error) {
	return inv.Invoke(context.Background(), &integrations.Task{StateName: state, Resource: "arn:aws:states:::lambda:invoke"})
}

func TestReturnKeepsOrderAndNumbers(t *testing.T) {
	inv := mustTestCase(t, "LambdaSQSIntegration", "HappyPath").Invoker(nil)
	got, err := call(inv, "LambdaState")
	if err != nil {
		t.Fatal(err)
	}
	if s := value.EncodeString(got); s != `{"StatusCode":200,"Payload":{"z":1,"a":2.0}}` {
		t.Fatalf("got %s", s)
	}
}

func TestNumberedAndRangedCalls(t *testing.T) {
	inv := mustTestCase(t, "LambdaSQSIntegration", "RetryPath").Invoker(nil)
	wantErr := []string{"Lambda.ResourceNotReadyException", "Lambda.TimeoutException", "Lambda.TimeoutException"}
	for i, name := range wantErr {
		_, err := call(inv, "LambdaState")
		var f *fault.Error
		if !errors.As(err, &f) || f.Name != name {
			t.Fatalf("call %d: got %v, want %s", i, err, name)
		}
	}
	got, err := call(inv, "LambdaState")
	if err != nil || value.EncodeString(got) != `{"StatusCode":200}` {
		t.Fatalf("call 3: got %v, %v", got, err)
	}
	// Other states count on their own.
	if _, err := call(inv, "SQSState"); err != nil {
		t.Fatalf("SQSState call 0: %v", err)
	}
	// More calls than responses: the execution fails with States.Runtime.
	_, err = call(inv, "LambdaState")
	var f *fault.Error
	if !errors.As(err, &f) || f.Name != fault.Runtime || !strings.Contains(f.Cause, "call 4") || !strings.Contains(f.Cause, "0, 1-2, 3") {
		t.Fatalf("call 4: got %v", err)
	}
	if n := inv.Calls("LambdaState"); n != 5 {
		t.Fatalf("Calls = %d, want 5", n)
	}
}

func TestFreshInvokerRestartsCounting(t *testing.T) {
	tc := mustTestCase(t, "LambdaSQSIntegration", "HappyPath")
	for i := 0; i < 2; i++ {
		if _, err := call(tc.Invoker(nil), "LambdaState"); err != nil {
			t.Fatalf("execution %d: %v", i, err)
		}
	}
}

func TestHybridFallback(t *testing.T) {
	tc := mustTestCase(t, "LambdaSQSIntegration", "HybridPath")
	_, err := call(tc.Invoker(nil), "SQSState")
	var f *fault.Error
	if !errors.As(err, &f) || f.Name != fault.Runtime || !strings.Contains(f.Cause, "no integration is configured") {
		t.Fatalf("no fallback: got %v", err)
	}
	fb := integrations.InvokerFunc(func(ctx context.Context, t *integrations.Task) (any, error) {
		return "from fallback " + t.StateName, nil
	})
	inv := tc.Invoker(fb)
	got, err := call(inv, "SQSState")
	if err != nil || got != "from fallback SQSState" {
		t.Fatalf("fallback: got %v, %v", got, err)
	}
	if inv.Handles(&integrations.Task{StateName: "SQSState"}) || !inv.Handles(&integrations.Task{StateName: "LambdaState"}) {
		t.Fatal("Handles is wrong")
	}
}

func TestConcurrentCallsEachGetOneResponse(t *testing.T) {
	c, err := Parse([]byte(`{"StateMachines":{"M":{"TestCases":{"T":{"S":"R"}}}},
	  "MockedResponses":{"R":{"0-49":{"Return":"ok"},"50-99":{"Throw":{"Error":"E","Cause":"c"}}}}}`))
	if err != nil {
		t.Fatal(err)
	}
	tc, err := c.TestCase("M", "T")
	if err != nil {
		t.Fatal(err)
	}
	inv := tc.Invoker(nil)
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok, thrown := 0, 0
	for i := 0; i < 100; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := call(inv, "S")
			mu.Lock()
			defer mu.Unlock()
			if err == nil {
				ok++
			} else {
				thrown++
			}
		}()
	}
	wg.Wait()
	if ok != 50 || thrown != 50 {
		t.Fatalf("ok=%d thrown=%d, want 50/50", ok, thrown)
	}
}

func TestThrowWithoutCause(t *testing.T) {
	c, err := Parse([]byte(`{"StateMachines":{"M":{"TestCases":{"T":{"S":"R"}}}},
	  "MockedResponses":{"R":{"0":{"Throw":{"Error":"States.Timeout"}}}}}`))
	if err != nil {
		t.Fatal(err)
	}
	tc, _ := c.TestCase("M", "T")
	_, err = call(tc.Invoker(nil), "S")
	var f *fault.Error
	if !errors.As(err, &f) || f.Name != fault.Timeout || f.Cause != "" {
		t.Fatalf("got %#v", err)
	}
}

func TestThrowWithNeitherErrorNorCause(t *testing.T) {
	c, err := Parse([]byte(`{"StateMachines":{"M":{"TestCases":{"T":{"S":"R","S2":"R2"}}}},
	  "MockedResponses":{"R":{"0":{"Throw":{}}},"R2":{"0":{"Throw":{"Error":null,"Cause":"only a cause"}}}}}`))
	if err != nil {
		t.Fatal(err)
	}
	tc, _ := c.TestCase("M", "T")
	inv := tc.Invoker(nil)
	_, err = call(inv, "S")
	var f *fault.Error
	if !errors.As(err, &f) || f.Name != "" || f.Cause != "" {
		t.Fatalf("S: got %#v", err)
	}
	_, err = call(inv, "S2")
	if !errors.As(err, &f) || f.Name != "" || f.Cause != "only a cause" {
		t.Fatalf("S2: got %#v", err)
	}
}

func TestSelectErrors(t *testing.T) {
	c, err := Parse([]byte(sample))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.TestCase("Nope", "HappyPath"); err == nil || !strings.Contains(err.Error(), `"LambdaSQSIntegration"`) {
		t.Fatalf("unknown machine: %v", err)
	}
	if _, err := c.TestCase("LambdaSQSIntegration", "Nope"); err == nil || !strings.Contains(err.Error(), `"HappyPath", "RetryPath", "HybridPath"`) {
		t.Fatalf("unknown test case: %v", err)
	}
	if got := strings.Join(c.TestCases("LambdaSQSIntegration"), ","); got != "HappyPath,RetryPath,HybridPath" {
		t.Fatalf("TestCases = %s", got)
	}
	if got := strings.Join(c.Responses(), ","); got != "MockedLambdaSuccess,MockedSQSSuccess,MockedLambdaRetry" {
		t.Fatalf("Responses = %s", got)
	}
	if r, ok := c.Response("MockedLambdaRetry"); !ok || len(r.Entries) != 3 || r.Entries[1].From != 1 || r.Entries[1].To != 2 {
		t.Fatalf("Response = %+v", r)
	}
}

func TestMalformed(t *testing.T) {
	cases := []struct{ name, doc, want string }{
		{"not json", `{`, "invalid JSON"},
		{"not object", `[]`, "must hold a JSON object"},
		{"missing parts", `{}`, "missing field MockedResponses"},
		{"unknown top field", `{"StateMachines":{},"MockedResponses":{},"X":1}`, `/X: unknown field "X"`},
		{"undefined response", `{"StateMachines":{"M":{"TestCases":{"T":{"S":"R"}}}},"MockedResponses":{}}`, `/StateMachines/M/TestCases/T/S: mocked response "R" is not defined`},
		{"bad key", `{"StateMachines":{},"MockedResponses":{"R":{"first":{"Return":1}}}}`, `/MockedResponses/R/first: call key "first"`},
		{"negative", `{"StateMachines":{},"MockedResponses":{"R":{"-1":{"Return":1}}}}`, `call key "-1"`},
		{"backwards range", `{"StateMachines":{},"MockedResponses":{"R":{"3-1":{"Return":1}}}}`, "ends before it starts"},
		{"overlap", `{"StateMachines":{},"MockedResponses":{"R":{"0-2":{"Return":1},"2":{"Return":2}}}}`, "overlap"},
		{"both", `{"StateMachines":{},"MockedResponses":{"R":{"0":{"Return":1,"Throw":{"Error":"E"}}}}}`, "exactly one field"},
		{"neither", `{"StateMachines":{},"MockedResponses":{"R":{"0":{"Result":1}}}}`, `unknown field "Result"`},
		{"throw unknown field", `{"StateMachines":{},"MockedResponses":{"R":{"0":{"Throw":{"Error":"E","Message":"m"}}}}}`, `/Throw/Message: unknown field "Message"`},
		{"throw bad type", `{"StateMachines":{},"MockedResponses":{"R":{"0":{"Throw":{"Error":5}}}}}`, "/Throw/Error: must be a string"},
		{"test case not object", `{"StateMachines":{"M":{"TestCases":{"T":"R"}}},"MockedResponses":{}}`, "must map state names"},
		{"empty response", `{"StateMachines":{},"MockedResponses":{"R":{}}}`, "at least one call"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.doc))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

func TestParseReportsEveryProblem(t *testing.T) {
	_, err := Parse([]byte(`{"StateMachines":{"M":{"TestCases":{"T":{"S":"Missing"}}}},
	  "MockedResponses":{"R":{"x":{"Return":1}}}}`))
	var list ConfigErrors
	if !errors.As(err, &list) || len(list) != 2 {
		t.Fatalf("got %v", err)
	}
}

func TestContextCancelled(t *testing.T) {
	inv := mustTestCase(t, "LambdaSQSIntegration", "HappyPath").Invoker(nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := inv.Invoke(ctx, &integrations.Task{StateName: "LambdaState"}); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v", err)
	}
}
