package engine

import "github.com/stepwise/stepwise/asl"

// runPass is a Pass state's body: its result is Result, else Parameters
// applied to the input, else the input.
func (ex *execution) runPass(sc *stateRun, s *asl.Pass, in any) (outcome, error) {
	result := in
	switch {
	case s.HasResult:
		result = s.Result
		if sc.tr != nil {
			sc.tr.Result = &Data{result}
		}
	default:
		var err error
		if result, err = sc.parameters(s.Parameters, in); err != nil {
			return outcome{}, err
		}
	}
	if tooLarge(result, ex.limit) {
		e := dataLimit(s.Name)
		e.terminal = true
		return outcome{}, e
	}
	return outcome{result: result}, nil
}
