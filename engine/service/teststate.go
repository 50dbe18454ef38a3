package service

import (
	"context"
	"errors"
	"strings"

	"github.com/stepwise/stepwise/asl"
	"github.com/stepwise/stepwise/asl/value"
	"github.com/stepwise/stepwise/engine"
)

type testStateIn struct {
	Definition      string  `json:"definition"`
	RoleArn         string  `json:"roleArn"`
	Input           *string `json:"input"`
	InspectionLevel string  `json:"inspectionLevel"`
	RevealSecrets   bool    `json:"revealSecrets"`
	Variables       *string `json:"variables"`
	StateName       string  `json:"stateName"`
	Context         *string `json:"context"`
	Mock            *struct {
		Result      *string `json:"result"`
		ErrorOutput *struct {
			Error string `json:"error"`
			Cause string `json:"cause"`
		} `json:"errorOutput"`
		FieldValidationMode string `json:"fieldValidationMode"`
	} `json:"mock"`
	StateConfiguration *struct {
		RetrierRetryCount *int `json:"retrierRetryCount"`
	} `json:"stateConfiguration"`
}

type inspectionErrorDetails struct {
	CatchIndex                  *int   `json:"catchIndex,omitempty"`
	RetryIndex                  *int   `json:"retryIndex,omitempty"`
	RetryBackoffIntervalSeconds *int64 `json:"retryBackoffIntervalSeconds,omitempty"`
}

type inspectionData struct {
	Input               *string                 `json:"input,omitempty"`
	AfterInputPath      *string                 `json:"afterInputPath,omitempty"`
	AfterParameters     *string                 `json:"afterParameters,omitempty"`
	AfterArguments      *string                 `json:"afterArguments,omitempty"`
	Result              *string                 `json:"result,omitempty"`
	AfterResultSelector *string                 `json:"afterResultSelector,omitempty"`
	AfterResultPath     *string                 `json:"afterResultPath,omitempty"`
	Variables           *string                 `json:"variables,omitempty"`
	ErrorDetails        *inspectionErrorDetails `json:"errorDetails,omitempty"`
}

type testStateOut struct {
	Status         string          `json:"status"`
	Output         *string         `json:"output,omitempty"`
	Error          string          `json:"error,omitempty"`
	Cause          string          `json:"cause,omitempty"`
	NextState      string          `json:"nextState,omitempty"`
	InspectionData *inspectionData `json:"inspectionData,omitempty"`
}

// testStateName names the state of a single-state TestState definition.
const testStateName = "TestState"

// testMachine builds the state machine TestState runs: the definition
// itself when stateName is given, else a machine around the one state
// whose transitions lead to placeholder Succeed states.
func testMachine(def, stateName string) (*asl.StateMachine, string, error) {
	if stateName != "" {
		sm, err := parseDefinition(def)
		return sm, stateName, err
	}
	v, err := value.DecodeString(def)
	if err != nil {
		return nil, "", apiErr(errInvalidDefinition, "Invalid State Machine Definition: 'INVALID_JSON_DESCRIPTION: %v'", err)
	}
	st, ok := v.(*value.Object)
	if !ok {
		return nil, "", apiErr(errInvalidDefinition, "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: the state definition must be a JSON object'")
	}
	states := value.NewObject(4)
	states.Append(testStateName, st)
	targets := map[string]bool{}
	collect := func(o *value.Object) {
		if n, ok := o.Get("Next"); ok {
			if s, ok := n.(string); ok {
				targets[s] = true
			}
		}
	}
	collect(st)
	if d, ok := st.Get("Default"); ok {
		if s, ok := d.(string); ok {
			targets[s] = true
		}
	}
	for _, key := range []string{"Choices", "Catch"} {
		if arr, ok := st.Get(key); ok {
			if list, ok := arr.([]any); ok {
				for _, e := range list {
					if o, ok := e.(*value.Object); ok {
						collect(o)
					}
				}
			}
		}
	}
	for t := range targets {
		if t == testStateName {
			continue
		}
		succeed := value.NewObject(1)
		succeed.Append("Type", "Succeed")
		states.Append(t, succeed)
	}
	top := value.NewObject(3)
	if ql, ok := st.Get("QueryLanguage"); ok {
		top.Append("QueryLanguage", ql)
	}
	top.Append("StartAt", testStateName)
	top.Append("States", states)
	sm, err := parseDefinition(value.EncodeString(top))
	if err != nil {
		var ae *APIError
		if errors.As(err, &ae) {
			ae.Message = strings.ReplaceAll(ae.Message, "/States/"+testStateName, "")
		}
		return nil, "", err
	}
	return sm, testStateName, nil
}

func encodeData(d *engine.Data) *string {
	if d == nil {
		return nil
	}
	s := value.EncodeString(d.Value)
	return &s
}

func (s *Service) testState(ctx context.Context, in *testStateIn) (any, error) {
	switch in.InspectionLevel {
	case "", "INFO", "DEBUG", "TRACE":
	default:
		return nil, apiErr(errValidation, "1 validation error detected: Value '%s' at 'inspectionLevel' failed to satisfy constraint: Member must satisfy enum value set: [INFO, DEBUG, TRACE]", in.InspectionLevel)
	}
	sm, name, err := testMachine(in.Definition, in.StateName)
	if err != nil {
		return nil, err
	}
	inputText := "{}"
	if in.Input != nil {
		inputText = *in.Input
	}
	if len(inputText) > MaxPayloadBytes {
		return nil, apiErr(errValidation, "1 validation error detected: Value at 'input' failed to satisfy constraint: Member must have length less than or equal to %d", MaxPayloadBytes)
	}
	input, err := value.DecodeString(inputText)
	if err != nil {
		return nil, apiErr(errInvalidExecutionInput, "Invalid State Machine Execution Input: '%v'", err)
	}
	opts := engine.TestStateOptions{Invoker: s.opts.Invoker}
	if in.Variables != nil {
		v, err := value.DecodeString(*in.Variables)
		o, ok := v.(*value.Object)
		if err != nil || !ok {
			return nil, apiErr(errValidation, "the variables must be a JSON object")
		}
		opts.Variables = o
	}
	if in.Context != nil {
		v, err := value.DecodeString(*in.Context)
		o, ok := v.(*value.Object)
		if err != nil || !ok {
			return nil, apiErr(errValidation, "the context must be a JSON object")
		}
		opts.Context = o
	}
	if m := in.Mock; m != nil {
		mk := &engine.Mock{}
		switch {
		case m.ErrorOutput != nil:
			mk.Error, mk.Cause = m.ErrorOutput.Error, m.ErrorOutput.Cause
		case m.Result != nil:
			v, err := value.DecodeString(*m.Result)
			if err != nil {
				return nil, apiErr(errValidation, "the mock result is not JSON: %v", err)
			}
			mk.Result = v
		default:
			return nil, apiErr(errValidation, "a mock needs a result or an errorOutput")
		}
		opts.Mock = mk
	}
	if c := in.StateConfiguration; c != nil && c.RetrierRetryCount != nil {
		opts.RetrierRetryCount = *c.RetrierRetryCount
	}
	res, err := engine.TestState(ctx, sm, name, input, opts)
	if err != nil {
		switch {
		case errors.Is(err, engine.ErrUnknownState):
			return nil, apiErr(errValidation, "State '%s' does not exist in the definition", name)
		case errors.Is(err, engine.ErrNoMock), errors.Is(err, engine.ErrBadMock):
			return nil, apiErr(errValidation, "%v", err)
		}
		return nil, apiErr(errValidation, "%v", err)
	}
	// With a single state, the placeholder targets bear the names of the
	// real next states.
	out := &testStateOut{Status: res.Status, Output: encodeData(res.Output), Error: res.Error, Cause: res.Cause, NextState: res.NextState}
	if in.InspectionLevel == "DEBUG" || in.InspectionLevel == "TRACE" {
		id := &inspectionData{
			AfterInputPath: encodeData(res.Inspection.AfterInputPath), AfterParameters: encodeData(res.Inspection.AfterParameters),
			Result: encodeData(res.Inspection.Result), AfterResultSelector: encodeData(res.Inspection.AfterResultSelector),
			AfterResultPath: encodeData(res.Inspection.AfterResultPath), AfterArguments: encodeData(res.Inspection.AfterArguments),
		}
		if res.Inspection.Input != nil {
			s := value.EncodeString(res.Inspection.Input)
			id.Input = &s
		}
		if v := res.Inspection.Variables; v != nil {
			s := value.EncodeString(v)
			id.Variables = &s
		}
		if e := res.Inspection.ErrorDetails; e != nil {
			id.ErrorDetails = &inspectionErrorDetails{CatchIndex: e.CatchIndex, RetryIndex: e.RetryIndex, RetryBackoffIntervalSeconds: e.RetryBackoffIntervalSeconds}
		}
		out.InspectionData = id
	}
	return out, nil
}
