package jsonata_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/stepwise/stepwise/asl/jsonata"
	"github.com/stepwise/stepwise/asl/value"
)

type clock struct{}

func (clock) Now() time.Time  { return time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC) }
func (clock) Random() float64 { return 0.5 }
func (clock) UUID() string    { return "7a3e2f9c-1b4d-4e8a-9c2f-5d6e7f8a9b0c" }

// A state's Output field, parsed once with the definition and evaluated
// per visit.
func ExampleTemplate() {
	field, _ := value.DecodeString(`{"total": "{% $states.input.price * $quantity %}", "id": "{% $uuid() %}", "note": " {% literal %} "}`)
	tmpl, err := jsonata.ParseTemplate(field)
	if err != nil {
		panic(err)
	}
	input, _ := value.DecodeString(`{"price": 2.50}`)
	states := value.NewObject(2)
	states.Append("input", input)
	states.Append("context", value.NewObject(0))
	env := &jsonata.Env{
		States:    states,
		Variables: func(name string) (any, bool) { return int64(4), name == "quantity" },
		Runtime:   clock{},
	}
	out, err := tmpl.Eval(context.Background(), env)
	fmt.Println(value.EncodeString(out), err)

	// A failure renders AWS's cause for the field.
	field, _ = value.DecodeString(`{"result": "{% $doesNotExist %}"}`)
	tmpl, _ = jsonata.ParseTemplate(field)
	_, err = tmpl.Eval(context.Background(), env)
	var je *jsonata.Error
	if errors.As(err, &je) {
		fmt.Println(je.Cause("Output"))
	}
	// Output:
	// {"total":10,"id":"7a3e2f9c-1b4d-4e8a-9c2f-5d6e7f8a9b0c","note":" {% literal %} "} <nil>
	// The JSONata expression '$doesNotExist' specified for the field 'Output/result' returned nothing (undefined).
}
