package engine

import (
	"context"

	"github.com/stepwise/stepwise/asl"
	"github.com/stepwise/stepwise/asl/fault"
)

// noChoiceCause is the cause of States.NoChoiceMatched.
const noChoiceCause = "No Matches!"

// runChoice is a Choice state's body: the rules are evaluated in order and
// the first that matches decides the next state (and, when it has them,
// the assignment and, in JSONata, the output); none matching takes
// Default, or fails with States.NoChoiceMatched.
func (ex *execution) runChoice(ctx context.Context, sc *stateRun, s *asl.Choice, in any) (outcome, error) {
	o := outcome{result: in}
	if jp := sc.n.jp; jp != nil {
		states := sc.states(in, nil, false, nil)
		for i := range jp.rules {
			r := &jp.rules[i]
			v, err := sc.evalJSONata(ctx, r.condition, "Condition", states)
			if err != nil {
				return outcome{}, err
			}
			ok, isBool := v.(bool)
			if !isBool {
				return outcome{}, sc.typeErr(r.condition, "Condition", "boolean", v)
			}
			if !ok {
				continue
			}
			o.next = s.Choices[i].Next
			if r.assign != nil {
				if o.assign, err = sc.jsonataAssign(ctx, r.assign, states); err != nil {
					return outcome{}, err
				}
				o.assigned = true
			}
			if r.output != nil {
				if o.output, err = sc.evalJSONata(ctx, r.output, "Output", states); err != nil {
					return outcome{}, err
				}
				o.hasOutput = true
			}
			return o, nil
		}
		return ex.choiceDefault(s, o)
	}
	for i := range s.Choices {
		r := &s.Choices[i]
		ok, err := r.Rule.Eval(sc.scopeRef(in))
		if err != nil {
			return outcome{}, sc.evalErr(err)
		}
		if !ok {
			continue
		}
		o.next = r.Next
		if r.AssignTemplate != nil {
			if o.assign, err = sc.evalAssign(r.AssignTemplate, in); err != nil {
				return outcome{}, err
			}
			o.assigned = true
		}
		return o, nil
	}
	return ex.choiceDefault(s, o)
}

// choiceDefault takes Default when no rule matched.
func (ex *execution) choiceDefault(s *asl.Choice, o outcome) (outcome, error) {
	if s.Default == "" {
		return outcome{}, &stateError{name: fault.NoChoiceMatched, cause: noChoiceCause}
	}
	o.next = s.Default
	return o, nil
}
