package service

import (
	"github.com/stepwise/stepwise/asl"
	"github.com/stepwise/stepwise/asl/value"
	"github.com/stepwise/stepwise/engine"
	"github.com/stepwise/stepwise/integrations/aws/model"
)

// The request checks of TestState, with AWS's messages.

// checkTestMock checks a TestState mock and returns it for the engine
// (nil when the request has none).
func checkTestMock(in *testStateIn) (*engine.Mock, error) {
	m := in.Mock
	if m == nil {
		return nil, nil
	}
	if in.RevealSecrets {
		return nil, apiErr(errValidation, "TestState does not support RevealSecrets when a mock is specified.")
	}
	if m.Result != nil && m.ErrorOutput != nil {
		return nil, apiErr(errValidation, "A test mock should have only one of the following fields: [result, errorOutput].")
	}
	switch m.FieldValidationMode {
	case "", "STRICT", "PRESENT", "NONE":
	default:
		return nil, apiErr(errValidation, "1 validation error detected: Value '%s' at 'mock.fieldValidationMode' failed to satisfy constraint: Member must satisfy enum value set: [STRICT, PRESENT, NONE]", m.FieldValidationMode)
	}
	switch {
	case m.ErrorOutput != nil:
		return &engine.Mock{Error: m.ErrorOutput.Error, Cause: m.ErrorOutput.Cause}, nil
	case m.Result != nil:
		if jsonSyntax(*m.Result) != nil {
			return nil, apiErr(errValidation, "Mocked result must be valid JSON")
		}
		v, err := value.DecodeString(*m.Result)
		if err != nil {
			return nil, apiErr(errValidation, "Mocked result must be valid JSON")
		}
		return &engine.Mock{Result: v}, nil
	}
	return nil, apiErr(errValidation, "A test mock should have one of the following fields: [result, errorOutput].")
}

// findTestState finds a state by name in a graph or the graphs nested in
// its Parallel and Map states.
func findTestState(g *asl.Graph, name string) asl.State {
	if st, ok := g.States[name]; ok {
		return st
	}
	for _, n := range g.Order {
		for _, sub := range subGraphs(g.States[n]) {
			if st := findTestState(sub, name); st != nil {
				return st
			}
		}
	}
	return nil
}

func subGraphs(st asl.State) []*asl.Graph {
	switch s := st.(type) {
	case *asl.Parallel:
		return s.Branches
	case *asl.Map:
		if s.ItemProcessor != nil {
			return []*asl.Graph{s.ItemProcessor}
		}
	}
	return nil
}

// checkTestStateType checks what a state of its type may be tested with.
func checkTestStateType(models *model.Catalog, st asl.State, in *testStateIn, mock *engine.Mock) error {
	typ := st.Base().Type
	switch s := st.(type) {
	case *asl.Task:
		if mock == nil && in.RoleArn == "" {
			return apiErr(errValidation, "RoleArn must be specified when testing a Task state")
		}
		if mock != nil && mock.Error == "" {
			return checkMockShape(models, s.Resource, in.Mock.FieldValidationMode, mock.Result)
		}
	case *asl.Map, *asl.Parallel:
		if mock == nil {
			return apiErr(errInvalidDefinition, "TestState API does not support Map or Parallel states. Supported state types include: [Task, Wait, Pass, Succeed, Fail, Choice]")
		}
		if mock.Error != "" {
			return nil
		}
		if m, ok := s.(*asl.Map); ok && m.ResultWriter != nil {
			// The mock is what the ResultWriter returns: an object.
			if _, ok := mock.Result.(*value.Object); !ok {
				return apiErr(errValidation, "Mocked result must be a JSON object.")
			}
			return nil
		}
		arr, ok := mock.Result.([]any)
		if !ok {
			return apiErr(errValidation, "Mocked result must be an array.")
		}
		if p, ok := s.(*asl.Parallel); ok && len(arr) != len(p.Branches) {
			return apiErr(errValidation, "Mocked result must contain the same number of items as number of Parallel branches.")
		}
	default:
		if mock != nil {
			return apiErr(errValidation, "State type '%s' is not supported when a mock is specified", typ)
		}
	}
	return nil
}

// jsonObject decodes a request member that must be a JSON object.
func jsonObject(member, text string) (*value.Object, error) {
	v, err := value.DecodeString(text)
	o, ok := v.(*value.Object)
	if err != nil || !ok {
		return nil, apiErr(errValidation, "The %s must be a JSON object", member)
	}
	return o, nil
}

// Map failures that a tolerated failure threshold does not allow end the
// Map with this error.
const (
	errToleratedFailure   = "States.ExceedToleratedFailureThreshold"
	causeToleratedFailure = "The specified tolerated failure threshold was exceeded"
)

// applyStateConfiguration checks TestState's stateConfiguration and puts
// it in opts.
func applyStateConfiguration(st asl.State, in *testStateIn, opts *engine.TestStateOptions) error {
	c := in.StateConfiguration
	if c == nil {
		return nil
	}
	if n := c.RetrierRetryCount; n != nil {
		if *n < 0 {
			return apiErr(errValidation, "1 validation error detected: Value '%d' at 'stateConfiguration.retrierRetryCount' failed to satisfy constraint: Member must have value greater than or equal to 0", *n)
		}
		opts.RetrierRetryCount = *n
	}
	m, isMap := st.(*asl.Map)
	iterations := -1
	if opts.Mock != nil && opts.Mock.Error == "" {
		if arr, ok := opts.Mock.Result.([]any); ok {
			iterations = len(arr)
		}
	}
	if d := c.MapItemReaderData; d != nil {
		if !isMap || m.ItemReader == nil {
			return apiErr(errValidation, "TestState supports MapItemReaderData only for a Map state with an ItemReader.")
		}
		// The data as found in its source: JSON, JSON Lines or CSV, which
		// the reader decodes as its ReaderConfig says (a JSON array counts
		// its iterations here).
		opts.MapItemReaderData = d
		if v, err := value.DecodeString(*d); err == nil && iterations < 0 {
			if arr, ok := v.([]any); ok {
				iterations = len(arr)
			}
		}
	}
	if e := c.ErrorCausedByState; e != nil {
		if opts.Mock == nil || opts.Mock.Error == "" {
			return apiErr(errValidation, "TestState supports ErrorCausedByState only with a mocked errorOutput.")
		}
		if *e != st.Base().Name && findStateIn(st, *e) == nil {
			return apiErr(errValidation, "State '%s' does not exist in the state tested", *e)
		}
	}
	if n := c.MapIterationFailureCount; n != nil {
		if opts.Mock == nil {
			return apiErr(errValidation, "TestState does not support MapIterationFailureCount when a mock is not specified.")
		}
		if !isMap {
			return apiErr(errValidation, "TestState supports MapIterationFailureCount only for a Map state.")
		}
		if *n < 0 {
			return apiErr(errValidation, "1 validation error detected: Value '%d' at 'stateConfiguration.mapIterationFailureCount' failed to satisfy constraint: Member must have value greater than or equal to 0", *n)
		}
		if opts.Mock.Error != "" {
			return nil // the mocked error ends the Map first
		}
		if iterations >= 0 && *n > iterations {
			return apiErr(errValidation, "Map iteration failure count must be less than or equal to the number of Map iterations")
		}
		if exceedsTolerance(m, *n, iterations) {
			opts.Mock = &engine.Mock{Error: errToleratedFailure, Cause: causeToleratedFailure}
		}
	}
	return nil
}

// exceedsTolerance reports whether failed iterations out of n exceed the
// Map's tolerated failure count or percentage. A Map without either
// tolerates them: AWS's TestState then succeeds with the mocked result.
func exceedsTolerance(m *asl.Map, failed, n int) bool {
	if m.ToleratedFailureCount == nil && m.ToleratedFailurePercentage == nil {
		return false
	}
	if c := m.ToleratedFailureCount; c != nil && int64(failed) > *c {
		return true
	}
	if p := m.ToleratedFailurePercentage; p != nil && n > 0 && float64(failed)*100/float64(n) > *p {
		return true
	}
	return false
}

// findStateIn finds a state by name in the graphs nested in st.
func findStateIn(st asl.State, name string) asl.State {
	for _, g := range subGraphs(st) {
		if s := findTestState(g, name); s != nil {
			return s
		}
	}
	return nil
}
