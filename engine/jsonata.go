package engine

import (
	"fmt"

	"github.com/stepwise/stepwise/asl"
	"github.com/stepwise/stepwise/asl/jsonata"
)

// jsonataPlan is a JSONata state's expressions, compiled once. A nil
// template is a field that is not set; a template without expressions
// evaluates to its literal value.
type jsonataPlan struct {
	arguments, output, assign *jsonata.Template
	credentials               *jsonata.Template // Task
	timeout, heartbeat        *jsonata.Template // Task: TimeoutSeconds, HeartbeatSeconds given as expressions
	items, itemSelector       *jsonata.Template // Map
	maxConcurrency            *jsonata.Template // Map, as expressions
	toleratedN, toleratedP    *jsonata.Template
	seconds, timestamp        *jsonata.Template // Wait, as expressions
	errorText, causeText      *jsonata.Template // Fail, as expressions
	rules                     []jsonataRule     // Choice
	catchers                  []jsonataCatcher  // Task, Parallel, Map
}

// jsonataRule is a Choice rule's compiled fields.
type jsonataRule struct {
	condition, output, assign *jsonata.Template
}

// jsonataCatcher is a catcher's compiled fields.
type jsonataCatcher struct {
	output, assign *jsonata.Template
}

// compileJSONata compiles the expressions of a JSONata state. What it
// cannot run (a Resource given as an expression) or cannot compile (a
// syntax error that validation let through) is returned as unsupported:
// the state then fails on entry instead of running without the field.
func compileJSONata(st asl.State) (*jsonataPlan, *unsupportedField) {
	jp := &jsonataPlan{}
	var bad *unsupportedField
	compile := func(name string, v any, set bool) *jsonata.Template {
		if !set || bad != nil {
			return nil
		}
		t, err := jsonata.ParseTemplate(v)
		if err != nil {
			bad = &unsupportedField{name, "a JSONata expression that does not compile: " + err.Error()}
			return nil
		}
		return t
	}
	// expr compiles a field that is an expression string only when it is
	// one (its literal form is read by asl into the JSONPath field).
	expr := func(name string, v any) *jsonata.Template {
		s, ok := v.(string)
		if !ok {
			return nil
		}
		if _, isExpr := jsonata.Expression(s); !isExpr {
			return nil
		}
		return compile(name, s, true)
	}
	c := st.Base()
	jp.output = compile("Output", c.Output, c.HasOutput)
	jp.assign = compile("Assign", c.Assign, c.HasAssign)
	catchers := func(cs []asl.Catcher) {
		for i := range cs {
			jp.catchers = append(jp.catchers, jsonataCatcher{
				output: compile(fmt.Sprintf("Catch/%d/Output", i), cs[i].Output, cs[i].HasOutput),
				assign: compile(fmt.Sprintf("Catch/%d/Assign", i), cs[i].Assign, cs[i].HasAssign),
			})
		}
	}
	switch s := st.(type) {
	case *asl.Task:
		if _, isExpr := jsonata.Expression(s.Resource); isExpr {
			return jp, &unsupportedField{"Resource", "a JSONata expression"}
		}
		jp.arguments = compile("Arguments", s.Arguments, s.HasArgs)
		jp.credentials = compile("Credentials", s.Credentials, s.Credentials != nil)
		jp.timeout = expr("TimeoutSeconds", s.TimeoutSecondsExpr)
		jp.heartbeat = expr("HeartbeatSeconds", s.HeartbeatSecondsExpr)
		catchers(s.Catch)
	case *asl.Parallel:
		jp.arguments = compile("Arguments", s.Arguments, s.HasArgs)
		catchers(s.Catch)
	case *asl.Map:
		jp.items = compile("Items", s.Items, s.HasItems)
		jp.itemSelector = compile("ItemSelector", s.ItemSelectorRaw, s.ItemSelectorRaw != nil)
		jp.maxConcurrency = expr("MaxConcurrency", s.MaxConcurrencyExpr)
		jp.toleratedN = expr("ToleratedFailureCount", s.ToleratedFailureCountExpr)
		jp.toleratedP = expr("ToleratedFailurePercentage", s.ToleratedFailurePercentageExpr)
		catchers(s.Catch)
	case *asl.Choice:
		for i := range s.Choices {
			r := &s.Choices[i]
			jp.rules = append(jp.rules, jsonataRule{
				condition: compile(fmt.Sprintf("Choices/%d/Condition", i), r.Condition, true),
				output:    compile(fmt.Sprintf("Choices/%d/Output", i), r.Output, r.HasOutput),
				assign:    compile(fmt.Sprintf("Choices/%d/Assign", i), r.Assign, r.HasAssign),
			})
		}
	case *asl.Wait:
		jp.seconds = expr("Seconds", s.SecondsExpr)
		jp.timestamp = expr("Timestamp", s.TimestampExpr)
	case *asl.Fail:
		jp.errorText = expr("Error", s.Error)
		jp.causeText = expr("Cause", s.Cause)
	}
	return jp, bad
}
