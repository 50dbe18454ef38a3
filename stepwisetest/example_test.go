package stepwisetest_test

import (
	"context"
	"embed"
	"fmt"
	"strings"
	"time"

	"github.com/stepwise/stepwise/asl/value"
	"github.com/stepwise/stepwise/integrations/mock"
	"github.com/stepwise/stepwise/stepwisetest"
)

//go:embed testdata/orders.asl.json testdata/mocks.json
var testdata embed.FS

// reporter stands in for the *testing.T of a test in these examples: it
// prints what a test would report.
type reporter struct{}

func (reporter) Errorf(format string, args ...any) { fmt.Printf(format+"\n", args...) }
func (reporter) FailNow()                          { fmt.Println("FailNow") }
func (reporter) Helper()                           {}

// A test runs a definition with a test case of its mock file and asserts
// on the outcome. In a real test, t is the test's *testing.T.
func Example() {
	t := reporter{}
	m := stepwisetest.MustLoad(t, "testdata/orders.asl.json")
	ex := m.Run(t, `{"orderId":"o-1","amount":42.5}`, stepwisetest.MockCase("testdata/mocks.json", "InStock"))

	ex.AssertSucceeded(t)
	ex.AssertOutputJSON(t, `{"charged":true,"receipt":"r-1"}`)
	ex.AssertStatesVisited(t, "Reserve", "In Stock?", "Wait For Warehouse", "Charge")
	ex.AssertStateOutputJSON(t, "Reserve", 0, `{"orderId":"o-1","amount":42.5,"stock":{"reserved":true}}`)
	fmt.Println(ex.Status, ex.OutputJSON())
	fmt.Println("virtual time:", ex.Duration())
	// Output:
	// SUCCEEDED {"charged":true,"receipt":"r-1"}
	// virtual time: 1h0m0s
}

// A failing assertion says what was expected and what happened.
func ExampleExecution_AssertOutputJSON() {
	t := reporter{}
	m := stepwisetest.MustLoad(t, "testdata/orders.asl.json")
	ex := m.Run(t, `{"orderId":"o-1","amount":42.5}`, stepwisetest.MockCase("testdata/mocks.json", "InStock"))

	ok := ex.AssertOutputJSON(t, `{"charged":true,"receipt":"r-9"}`)
	fmt.Println("passed:", ok)
	// Output:
	// stepwisetest: output differs at $.receipt
	// 	want: {"charged":true,"receipt":"r-9"}
	// 	 got: {"charged":true,"receipt":"r-1"}
	// passed: false
}

// A failed execution is asserted by its error name and cause.
func ExampleExecution_AssertFailed() {
	t := reporter{}
	m := stepwisetest.MustLoad(t, "testdata/orders.asl.json")
	ex := m.Run(t, `{"orderId":"o-2","amount":10}`, stepwisetest.MockCase("testdata/mocks.json", "SoldOut"))

	ex.AssertFailed(t, "OutOfStock")
	ex.AssertCause(t, "no stock left")
	ex.AssertSucceeded(t) // fails, and says how the execution ended
	// Output:
	// stepwisetest: execution FAILED, want SUCCEEDED
	// 	error: OutOfStock
	// 	cause: no stock left
}

// Definitions and mock files can come from an embed.FS.
func ExampleLoadFS() {
	m, err := stepwisetest.LoadFS(testdata, "testdata/orders.asl.json")
	if err != nil {
		panic(err)
	}
	data, err := testdata.ReadFile("testdata/mocks.json")
	if err != nil {
		panic(err)
	}
	cfg, err := mock.Parse(data)
	if err != nil {
		panic(err)
	}
	ex, err := m.Execute(context.Background(), `{"orderId":"o-3","amount":1}`,
		stepwisetest.MockConfig(cfg, "PaymentBusy"))
	if err != nil {
		panic(err)
	}
	fmt.Println(ex.Status, ex.OutputJSON())
	fmt.Println(strings.Join(ex.EventTypes()[len(ex.Events)-9:], " "))
	// Output:
	// SUCCEEDED {"charged":true,"receipt":"r-2"}
	// TaskStateEntered LambdaFunctionScheduled LambdaFunctionStarted LambdaFunctionFailed LambdaFunctionScheduled LambdaFunctionStarted LambdaFunctionSucceeded TaskStateExited ExecutionSucceeded
}

// A Go function answers a Task state; the test case's mocks answer the
// others.
func ExampleFunc() {
	t := reporter{}
	m := stepwisetest.MustLoad(t, "testdata/orders.asl.json")
	ex := m.Run(t, `{"orderId":"o-4","amount":42.5}`,
		stepwisetest.MockCase("testdata/mocks.json", "InStock"),
		stepwisetest.Func("Charge", func(ctx context.Context, input any) (any, error) {
			fmt.Println("charge called with", value.EncodeString(input))
			return map[string]any{"charged": true, "receipt": "go-1"}, nil
		}))
	fmt.Println(ex.OutputJSON())
	// Output:
	// charge called with {"orderId":"o-4","amount":42.5}
	// {"charged":true,"receipt":"go-1"}
}

// Typed functions take and return Go types; TaskError fails the task with
// an error name that Retry and Catch match.
func ExampleTyped() {
	type charge struct {
		OrderID string  `json:"orderId"`
		Amount  float64 `json:"amount"`
	}
	type receipt struct {
		Receipt string `json:"receipt"`
		Cents   int    `json:"cents"`
	}
	attempts := 0
	fn := stepwisetest.Typed(func(ctx context.Context, c charge) (receipt, error) {
		attempts++
		if attempts == 1 {
			return receipt{}, stepwisetest.TaskError("Payment.Busy", "try again")
		}
		return receipt{Receipt: "r-" + c.OrderID, Cents: int(c.Amount * 100)}, nil
	})

	t := reporter{}
	m := stepwisetest.MustLoad(t, "testdata/orders.asl.json")
	ex := m.Run(t, `{"orderId":"o-5","amount":42.5}`,
		stepwisetest.MockCase("testdata/mocks.json", "InStock"),
		stepwisetest.ResourceFunc("arn:aws:lambda:us-east-1:123456789012:function:charge", fn))
	fmt.Println(ex.OutputJSON(), "after", attempts, "attempts,", ex.Duration())
	// Output:
	// {"receipt":"r-o-5","cents":4250} after 2 attempts, 1h0m10s
}

// JSON functions take and return JSON text.
func ExampleJSON() {
	def := `{"StartAt":"Greet","States":{"Greet":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","OutputPath":"$.Payload","End":true}}}`
	t := reporter{}
	m := stepwisetest.MustParse(t, []byte(def))
	ex := m.Run(t, `{"name":"Ada"}`, stepwisetest.Func("Greet", stepwisetest.JSON(
		func(ctx context.Context, input string) (string, error) {
			return `{"StatusCode":200,"Payload":{"greeting":"hello","input":` + input + `}}`, nil
		})))
	fmt.Println(ex.OutputJSON())
	// Output:
	// {"greeting":"hello","input":{"name":"Ada"}}
}

// The virtual clock starts at a fixed time, which Start changes; it is the
// execution's $$.Execution.StartTime.
func ExampleStart() {
	def := `{"StartAt":"When","States":{"When":{"Type":"Pass","Parameters":{"start.$":"$$.Execution.StartTime","name.$":"$$.Execution.Name"},"End":true}}}`
	t := reporter{}
	m := stepwisetest.MustParse(t, []byte(def))
	fmt.Println(m.Run(t, nil).OutputJSON())
	fmt.Println(m.Run(t, nil,
		stepwisetest.Start(time.Date(2030, 6, 1, 12, 0, 0, 0, time.UTC)),
		stepwisetest.ExecutionName("nightly")).OutputJSON())
	// Output:
	// {"start":"2026-01-01T00:00:00.000Z","name":"test"}
	// {"start":"2030-06-01T12:00:00.000Z","name":"nightly"}
}

// StateInput and StateOutput return what a state received and passed on,
// by occurrence.
func ExampleExecution_StateOutput() {
	t := reporter{}
	m := stepwisetest.MustLoad(t, "testdata/orders.asl.json")
	ex := m.Run(t, map[string]any{"orderId": "o-6", "amount": 3}, stepwisetest.MockCase("testdata/mocks.json", "InStock"))
	out, _ := ex.StateOutput("Reserve", 0)
	fmt.Println(value.EncodeString(out))
	_, ok := ex.StateOutput("Reserve", 1)
	fmt.Println(ok)
	// Output:
	// {"amount":3,"orderId":"o-6","stock":{"reserved":true}}
	// false
}

// Diff locates the first difference between two JSON values.
func ExampleDiff() {
	want, _ := value.DecodeString(`{"items":[{"sku":"a","qty":1},{"sku":"b","qty":2}]}`)
	got, _ := value.DecodeString(`{"items":[{"qty":1,"sku":"a"},{"sku":"b","qty":3}]}`)
	fmt.Println(stepwisetest.Diff(want, got))
	// Output:
	// $.items[1].qty
}
