package engine

import (
	"github.com/stepwise/stepwise/asl"
	"github.com/stepwise/stepwise/asl/fault"
)

// noChoiceCause is the cause of States.NoChoiceMatched.
const noChoiceCause = "No Matches!"

// runChoice is a Choice state's body: the rules are evaluated in order and
// the first that matches decides the next state (and, when it has one, the
// assignment); none matching takes Default, or fails with
// States.NoChoiceMatched.
func (ex *execution) runChoice(sc *stateRun, s *asl.Choice, in any) (outcome, error) {
	o := outcome{result: in}
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
	if s.Default == "" {
		return outcome{}, &stateError{name: fault.NoChoiceMatched, cause: noChoiceCause}
	}
	o.next = s.Default
	return o, nil
}
