package service

import (
	"context"
	"errors"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/stepwise/stepwise/asl"
	"github.com/stepwise/stepwise/asl/value"
	"github.com/stepwise/stepwise/engine"
	"github.com/stepwise/stepwise/integrations"
)

type testStateIn struct {
	Definition         string             `json:"definition"`
	RoleArn            string             `json:"roleArn"`
	Input              *string            `json:"input"`
	InspectionLevel    string             `json:"inspectionLevel"`
	RevealSecrets      bool               `json:"revealSecrets"`
	Variables          *string            `json:"variables"`
	StateName          string             `json:"stateName"`
	Context            *string            `json:"context"`
	Mock               *testMock          `json:"mock"`
	StateConfiguration *testStateConfigIn `json:"stateConfiguration"`
}

// testMock is TestState's mock: a result or an error, and how strictly
// the result is checked against the integration's response shape.
type testMock struct {
	Result      *string `json:"result"`
	ErrorOutput *struct {
		Error string `json:"error"`
		Cause string `json:"cause"`
	} `json:"errorOutput"`
	FieldValidationMode string `json:"fieldValidationMode"`
}

// testStateConfigIn is TestState's stateConfiguration.
type testStateConfigIn struct {
	RetrierRetryCount        *int    `json:"retrierRetryCount"`
	ErrorCausedByState       *string `json:"errorCausedByState"`
	MapIterationFailureCount *int    `json:"mapIterationFailureCount"`
	MapItemReaderData        *string `json:"mapItemReaderData"`
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
	// Map states.
	AfterItemsPath             *string  `json:"afterItemsPath,omitempty"`
	AfterItemSelector          *string  `json:"afterItemSelector,omitempty"`
	AfterItemBatcher           *string  `json:"afterItemBatcher,omitempty"`
	AfterItemsPointer          *string  `json:"afterItemsPointer,omitempty"`
	MaxConcurrency             *int64   `json:"maxConcurrency,omitempty"`
	ToleratedFailureCount      *int64   `json:"toleratedFailureCount,omitempty"`
	ToleratedFailurePercentage *float64 `json:"toleratedFailurePercentage,omitempty"`
	// TRACE: an HTTP Task's request and response.
	Request  *inspectionRequest  `json:"request,omitempty"`
	Response *inspectionResponse `json:"response,omitempty"`
}

// inspectionRequest is AWS's InspectionDataRequest.
type inspectionRequest struct {
	Protocol string `json:"protocol"`
	Method   string `json:"method"`
	URL      string `json:"url"`
	Headers  string `json:"headers"`
	Body     string `json:"body"`
}

// inspectionResponse is AWS's InspectionDataResponse.
type inspectionResponse struct {
	Protocol      string `json:"protocol"`
	StatusCode    string `json:"statusCode"`
	StatusMessage string `json:"statusMessage"`
	Headers       string `json:"headers"`
	Body          string `json:"body"`
}

type testStateOut struct {
	Status         string          `json:"status"`
	Output         *string         `json:"output,omitempty"`
	Error          string          `json:"error,omitempty"`
	Cause          string          `json:"cause,omitempty"`
	NextState      string          `json:"nextState,omitempty"`
	InspectionData *inspectionData `json:"inspectionData,omitempty"`
}

// testStateName names the state of a single-state TestState definition,
// unless a state nested in it has that name (AWS accepts a Map whose
// item processor has a state named TestState): see wrapperName.
const testStateName = "TestState"

// wrapperName is the name the single state of a TestState definition
// gets: testStateName, or with a number added when a nested state has it.
func wrapperName(st *value.Object) string {
	used := map[string]bool{}
	nestedStateNames(st, used)
	name := testStateName
	for i := 2; used[name]; i++ {
		name = testStateName + strconv.Itoa(i)
	}
	return name
}

// nestedStateNames collects the names of the states nested in v: the keys
// of every "States" object inside it.
func nestedStateNames(v any, used map[string]bool) {
	switch x := v.(type) {
	case *value.Object:
		for i := 0; i < x.Len(); i++ {
			k, sub := x.At(i)
			if states, ok := sub.(*value.Object); ok && k == "States" {
				for j := 0; j < states.Len(); j++ {
					name, _ := states.At(j)
					used[name] = true
				}
			}
			nestedStateNames(sub, used)
		}
	case []any:
		for _, e := range x {
			nestedStateNames(e, used)
		}
	}
}

// testMachine builds the state machine TestState runs: the definition
// itself when stateName is given, else a machine around the one state
// whose transitions lead to placeholder Succeed states.
func testMachine(def, stateName string) (*asl.StateMachine, string, error) {
	if stateName != "" {
		sm, err := parseDefinition(def, "")
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
	name := wrapperName(st)
	states := value.NewObject(4)
	states.Append(name, st)
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
		if t == name {
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
	top.Append("StartAt", name)
	top.Append("States", states)
	sm, err := parseDefinition(value.EncodeString(top), "")
	if err != nil {
		var ae *APIError
		if errors.As(err, &ae) {
			ae.Message = strings.ReplaceAll(ae.Message, "/States/"+name, "")
		}
		return nil, "", err
	}
	return sm, name, nil
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
	if in.Definition == "" {
		return nil, apiErr(errValidation, "1 validation error detected: Value null at 'definition' failed to satisfy constraint: Member must not be null")
	}
	mock, err := checkTestMock(in)
	if err != nil {
		return nil, err
	}
	if mock == nil && in.StateConfiguration != nil && in.StateConfiguration.MapIterationFailureCount != nil {
		return nil, apiErr(errValidation, "TestState does not support MapIterationFailureCount when a mock is not specified.")
	}
	sm, name, err := testMachine(in.Definition, in.StateName)
	if err != nil {
		return nil, err
	}
	st := findTestState(&sm.Graph, name)
	if st == nil {
		return nil, apiErr(errValidation, "State not found in definition")
	}
	if err := checkTestStateType(s.models, st, in, mock); err != nil {
		return nil, err
	}
	inputText := "{}"
	if in.Input != nil {
		inputText = *in.Input
	}
	if len(inputText) > MaxPayloadBytes {
		return nil, apiErr(errValidation, "1 validation error detected: Value at 'input' failed to satisfy constraint: Member must have length less than or equal to %d", MaxPayloadBytes)
	}
	if e := jsonSyntax(inputText); e != nil {
		return nil, apiErr(errInvalidExecutionInput, "Invalid State Machine Execution Input: '%s'", e.Message)
	}
	input, err := value.DecodeString(inputText)
	if err != nil {
		return nil, apiErr(errInvalidExecutionInput, "Invalid State Machine Execution Input: '%v'", err)
	}
	opts := engine.TestStateOptions{Invoker: s.opts.Invoker, Mock: mock}
	if in.Variables != nil {
		o, err := jsonObject("variables", *in.Variables)
		if err != nil {
			return nil, err
		}
		opts.Variables = o
	}
	if in.Context != nil {
		o, err := jsonObject("context", *in.Context)
		if err != nil {
			return nil, err
		}
		opts.Context = o
	}
	if err := applyStateConfiguration(st, in, &opts); err != nil {
		return nil, err
	}
	var exchange *integrations.HTTPExchange
	if in.InspectionLevel == "TRACE" {
		ctx = integrations.WithHTTPTrace(ctx, func(x integrations.HTTPExchange) { exchange = &x })
	}
	res, err := engine.TestState(ctx, sm, name, input, opts)
	if err != nil {
		switch {
		case errors.Is(err, engine.ErrUnknownState):
			return nil, apiErr(errValidation, "State not found in definition")
		case errors.Is(err, engine.ErrNoMock):
			return nil, apiErr(errValidation, "RoleArn must be specified when testing a Task state")
		case errors.Is(err, engine.ErrBadMock):
			return nil, apiErr(errValidation, "Mocked result must be an array.")
		}
		return nil, apiErr(errValidation, "%v", err)
	}
	out := &testStateOut{Status: res.Status, Output: encodeData(res.Output), Error: res.Error, Cause: res.Cause, NextState: res.NextState}
	if in.InspectionLevel == "DEBUG" || in.InspectionLevel == "TRACE" {
		out.InspectionData = inspection(st, res)
		if exchange != nil {
			out.InspectionData.Request, out.InspectionData.Response = traceHTTP(exchange, in.RevealSecrets)
		}
	}
	return out, nil
}

// traceHTTP is TRACE's view of an HTTP Task's exchange: without what its
// connection added (authorization, the connection's parameters) unless
// revealSecrets is set, as AWS shows it. Headers are written one
// "Name: value" line each, names sorted (AWS's record gives no format).
func traceHTTP(x *integrations.HTTPExchange, reveal bool) (*inspectionRequest, *inspectionResponse) {
	u, h, b := x.PublicURL, x.PublicHeader, x.PublicBody
	if reveal {
		u, h, b = x.URL, x.Header, x.Body
	}
	protocol := "https"
	if i := strings.Index(u, "://"); i > 0 {
		protocol = u[:i]
	}
	req := &inspectionRequest{Protocol: protocol, Method: x.Method, URL: u, Headers: headerLines(h), Body: string(b)}
	if x.StatusCode == 0 {
		return req, nil
	}
	return req, &inspectionResponse{Protocol: protocol, StatusCode: strconv.Itoa(x.StatusCode), StatusMessage: http.StatusText(x.StatusCode),
		Headers: headerLines(x.ResponseHeader), Body: string(x.ResponseBody)}
}

// headerLines writes headers as "Name: v1, v2" lines, names sorted.
func headerLines(h http.Header) string {
	names := make([]string, 0, len(h))
	for k := range h {
		names = append(names, k)
	}
	sort.Strings(names)
	var b strings.Builder
	for i, k := range names {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(k + ": " + strings.Join(h[k], ", "))
	}
	return b.String()
}

// inspection is TestState's inspectionData (DEBUG and TRACE).
func inspection(st asl.State, res *engine.TestStateResult) *inspectionData {
	ins := res.Inspection
	id := &inspectionData{
		AfterInputPath: encodeData(ins.AfterInputPath), AfterParameters: encodeData(ins.AfterParameters),
		Result: encodeData(ins.Result), AfterResultSelector: encodeData(ins.AfterResultSelector),
		AfterResultPath: encodeData(ins.AfterResultPath), AfterArguments: encodeData(ins.AfterArguments),
	}
	if ins.Input != nil {
		s := value.EncodeString(ins.Input)
		id.Input = &s
	}
	if v := ins.Variables; v != nil {
		s := value.EncodeString(v)
		id.Variables = &s
	}
	if e := ins.ErrorDetails; e != nil {
		id.ErrorDetails = &inspectionErrorDetails{CatchIndex: e.CatchIndex, RetryIndex: e.RetryIndex, RetryBackoffIntervalSeconds: e.RetryBackoffIntervalSeconds}
	}
	if _, ok := st.(*asl.Map); ok {
		// AWS shows no result for a Map (the mock), nor Arguments.
		id.Result, id.AfterArguments = nil, nil
		inspectMap(id, ins.Map)
	}
	return id
}

// inspectMap adds a Map's settings and items stages; none when the Map
// failed before its items were known (AWS then shows no maxConcurrency).
func inspectMap(id *inspectionData, m *engine.MapInspection) {
	if m == nil {
		return
	}
	mc := m.MaxConcurrency
	id.MaxConcurrency = &mc
	id.ToleratedFailureCount, id.ToleratedFailurePercentage = m.ToleratedFailureCount, m.ToleratedFailurePercentage
	id.AfterItemsPath = encodeData(m.AfterItemsPath)
	id.AfterItemsPointer = encodeData(m.AfterItemsPointer)
	id.AfterItemSelector = encodeData(m.AfterItemSelector)
	id.AfterItemBatcher = encodeData(m.AfterItemBatcher)
}
