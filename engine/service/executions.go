package service

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/stepwise/stepwise/asl/fault"
	"github.com/stepwise/stepwise/asl/value"
	"github.com/stepwise/stepwise/engine"
	"github.com/stepwise/stepwise/engine/service/store"
)

// redriveWindow is how long after its start an execution can be redriven.
const redriveWindow = 14 * 24 * time.Hour

type startExecutionIn struct {
	StateMachineArn string  `json:"stateMachineArn"`
	Name            string  `json:"name"`
	Input           *string `json:"input"`
	TraceHeader     string  `json:"traceHeader"`
}

type startExecutionOut struct {
	ExecutionArn string `json:"executionArn"`
	StartDate    *epoch `json:"startDate"`
}

// started is a validated start request.
type started struct {
	rec      *store.StateMachine
	name     string
	input    string
	value    any
	testCase string
	origin   store.Origin // the version or alias it was started through
}

// checkStart validates a StartExecution or StartSyncExecution request.
func (s *Service) checkStart(ctx context.Context, in *startExecutionIn) (*started, error) {
	smArn, testCase, _ := strings.Cut(in.StateMachineArn, "#")
	st := &started{name: in.Name, input: "{}", testCase: testCase}
	rec, origin, err := s.startTarget(ctx, smArn)
	if err != nil {
		return nil, err
	}
	st.rec, st.origin = rec, origin
	if st.name == "" {
		st.name = newUUID()
	} else if err := checkName(st.name); err != nil {
		return nil, err
	}
	if in.Input != nil {
		st.input = *in.Input
	}
	if len(st.input) > MaxPayloadBytes {
		return nil, apiErr(errValidation, "1 validation error detected: Value at 'input' failed to satisfy constraint: Member must have length less than or equal to %d", MaxPayloadBytes)
	}
	if len(in.TraceHeader) > 256 {
		return nil, apiErr(errValidation, "1 validation error detected: Value at 'traceHeader' failed to satisfy constraint: Member must have length less than or equal to 256")
	}
	if strings.TrimSpace(st.input) == "" {
		return nil, apiErr(errInvalidExecutionInput, "Invalid State Machine Execution Input: 'Invalid execution input.'")
	}
	if e := jsonSyntax(st.input); e != nil {
		return nil, apiErr(errInvalidExecutionInput, "Invalid State Machine Execution Input: '%s'", e.Message)
	}
	v, err := value.DecodeString(st.input)
	if err != nil {
		return nil, apiErr(errInvalidExecutionInput, "Invalid State Machine Execution Input: '%v'", err)
	}
	st.value = v
	if _, err := s.testCase(rec.Name, testCase); err != nil {
		return nil, err
	}
	return st, nil
}

func (s *Service) startExecution(ctx context.Context, in *startExecutionIn) (any, error) {
	out, _, err := s.start(ctx, in)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// start starts an execution as StartExecution does. It returns the run it
// launched, or nil when the request named a running execution with the
// same input (idempotent: the answer is that execution).
func (s *Service) start(ctx context.Context, in *startExecutionIn) (*startExecutionOut, *run, error) {
	st, err := s.checkStart(ctx, in)
	if err != nil {
		return nil, nil, err
	}
	sm, _, err := s.machine(ctx, st.rec.Arn, st.rec.RevisionID)
	if err != nil {
		return nil, nil, err
	}
	if err := s.backendAccepts(sm); err != nil {
		return nil, nil, err
	}
	tc, _ := s.testCase(st.rec.Name, st.testCase)
	if st.rec.Type == "EXPRESS" {
		key := s.expressARN(st.rec.Name, st.name)
		r := s.newRun(key, nil, st.rec.Name)
		now := time.Now().UTC()
		r.logger = s.executionLogger(st.rec, key, now, 0)
		opts := engine.Options{ExecutionArn: key, ExecutionName: st.name, RoleArn: st.rec.RoleArn, StartTime: now}
		if err := s.launch(r, sm, st.value, tc, opts, newSeed()); err != nil {
			return nil, nil, err
		}
		return &startExecutionOut{ExecutionArn: key, StartDate: ts(now)}, r, nil
	}
	ex := &store.Execution{
		Arn: s.executionARN(st.rec.Name, st.name), StateMachineArn: st.rec.Arn, Name: st.name,
		RevisionID: st.rec.RevisionID, Status: engine.StatusRunning, Input: st.input,
		StartDate: time.Now().UTC().Truncate(time.Millisecond), TraceHeader: in.TraceHeader, TestCase: st.testCase,
	}
	if old, err := s.store.GetExecution(ctx, ex.Arn); err == nil {
		out, err := s.sameStart(old, ex)
		return out, nil, err
	}
	if err := s.store.CreateExecution(ctx, ex); err != nil {
		if errors.Is(err, store.ErrExists) {
			old, gerr := s.store.GetExecution(ctx, ex.Arn)
			if gerr != nil {
				return nil, nil, gerr
			}
			out, err := s.sameStart(old, ex)
			return out, nil, err
		}
		return nil, nil, err
	}
	if st.origin != (store.Origin{}) {
		if err := s.store.SetOrigin(ctx, ex.Arn, st.origin); err != nil {
			return nil, nil, err
		}
	}
	r := s.newRun(ex.Arn, ex, st.rec.Name)
	r.logger = s.executionLogger(st.rec, ex.Arn, ex.StartDate, 0)
	opts := engine.Options{ExecutionName: ex.Name, RoleArn: st.rec.RoleArn, StartTime: ex.StartDate}
	if err := s.launch(r, sm, st.value, tc, opts, newSeed()); err != nil {
		return nil, nil, err
	}
	return &startExecutionOut{ExecutionArn: ex.Arn, StartDate: ts(ex.StartDate)}, r, nil
}

// sameStart answers a StartExecution whose name is taken: the same request
// on a running execution is idempotent.
func (s *Service) sameStart(old, ex *store.Execution) (*startExecutionOut, error) {
	if old.Status == engine.StatusRunning && old.Input == ex.Input && old.StateMachineArn == ex.StateMachineArn {
		return &startExecutionOut{ExecutionArn: old.Arn, StartDate: ts(old.StartDate)}, nil
	}
	return nil, apiErr(errExecutionAlreadyExists, "Execution Already Exists: '%s'", old.Arn)
}

type startSyncExecutionIn struct {
	startExecutionIn
	IncludedData string `json:"includedData"`
}

type billingDetails struct {
	BilledMemoryUsedInMB         int64 `json:"billedMemoryUsedInMB"`
	BilledDurationInMilliseconds int64 `json:"billedDurationInMilliseconds"`
}

type included struct {
	Included bool `json:"included"`
}

type startSyncExecutionOut struct {
	ExecutionArn    string          `json:"executionArn"`
	StateMachineArn string          `json:"stateMachineArn"`
	Name            string          `json:"name"`
	StartDate       *epoch          `json:"startDate"`
	StopDate        *epoch          `json:"stopDate"`
	Status          string          `json:"status"`
	Error           string          `json:"error,omitempty"`
	Cause           string          `json:"cause,omitempty"`
	Input           *string         `json:"input,omitempty"`
	InputDetails    *included       `json:"inputDetails,omitempty"`
	Output          *string         `json:"output,omitempty"`
	OutputDetails   *included       `json:"outputDetails,omitempty"`
	TraceHeader     string          `json:"traceHeader,omitempty"`
	BillingDetails  *billingDetails `json:"billingDetails"`
}

func (s *Service) startSyncExecution(ctx context.Context, in *startSyncExecutionIn) (any, error) {
	st, err := s.checkStart(ctx, &in.startExecutionIn)
	if err != nil {
		return nil, err
	}
	if st.rec.Type != "EXPRESS" {
		return nil, apiErr(errStateMachineTypeNotSupport, "This operation is not supported by this type of state machine")
	}
	switch in.IncludedData {
	case "", "ALL_DATA", "METADATA_ONLY":
	default:
		return nil, apiErr(errValidation, "1 validation error detected: Value '%s' at 'includedData' failed to satisfy constraint: Member must satisfy enum value set: [ALL_DATA, METADATA_ONLY]", in.IncludedData)
	}
	sm, _, err := s.machine(ctx, st.rec.Arn, st.rec.RevisionID)
	if err != nil {
		return nil, err
	}
	if err := s.backendAccepts(sm); err != nil {
		return nil, err
	}
	tc, _ := s.testCase(st.rec.Name, st.testCase)
	key := s.expressARN(st.rec.Name, st.name)
	r := s.newRun(key, nil, st.rec.Name)
	// The execution ends when the request does.
	stop := context.AfterFunc(ctx, r.cancel)
	defer stop()
	start := time.Now().UTC()
	r.logger = s.executionLogger(st.rec, key, start, 0)
	if err := s.launch(r, sm, st.value, tc, engine.Options{ExecutionArn: key, ExecutionName: st.name, RoleArn: st.rec.RoleArn, StartTime: start}, newSeed()); err != nil {
		return nil, err
	}
	<-r.done
	res := r.result
	if res == nil {
		return nil, errShuttingDown
	}
	out := &startSyncExecutionOut{
		ExecutionArn: key, StateMachineArn: st.rec.Arn, Name: st.name, StartDate: ts(start), StopDate: ts(res.StopTime),
		Status: res.Status, Error: res.Error, Cause: res.Cause, TraceHeader: in.TraceHeader,
		BillingDetails: &billingDetails{BilledMemoryUsedInMB: 64, BilledDurationInMilliseconds: max(100, (res.StopTime.Sub(start).Milliseconds()+99)/100*100)},
	}
	if in.IncludedData != "METADATA_ONLY" {
		input := st.input
		out.Input, out.InputDetails = &input, &included{true}
		if res.Status == engine.StatusSucceeded {
			o := value.EncodeString(res.Output)
			out.Output, out.OutputDetails = &o, &included{true}
		}
	}
	return out, nil
}

type executionArnIn struct {
	ExecutionArn string `json:"executionArn"`
	// IncludedData is DescribeExecution's and
	// DescribeStateMachineForExecution's (the data is always included):
	// read so that a value of the wrong type is refused as on AWS.
	IncludedData string `json:"includedData"`
}

// getExecution returns an execution with AWS's errors.
func (s *Service) getExecution(ctx context.Context, execArn string) (*store.Execution, error) {
	a, ok := parseARN(execArn, arnExecution)
	if !ok {
		if _, ok := parseARN(execArn, arnExpress); ok {
			return nil, apiErr(errInvalidArn, "Invalid Arn: 'Resource type not valid in this context: express'")
		}
		return nil, invalidArn(execArn, arnExecution)
	}
	ex, err := s.store.GetExecution(ctx, execArn)
	if errors.Is(err, store.ErrNotFound) && strings.Contains(a.name, "/") {
		// A map run's child (MACHINE/LABEL) is written behind its start:
		// look again once what is queued is written.
		if err := s.store.Flush(ctx); err != nil {
			return nil, err
		}
		ex, err = s.store.GetExecution(ctx, execArn)
	}
	if errors.Is(err, store.ErrNotFound) {
		return nil, apiErr(errExecutionDoesNotExist, "Execution Does Not Exist: '%s'", execArn)
	}
	return ex, err
}

type describeExecutionOut struct {
	ExecutionArn        string    `json:"executionArn"`
	StateMachineArn     string    `json:"stateMachineArn"`
	Name                string    `json:"name"`
	Status              string    `json:"status"`
	StartDate           *epoch    `json:"startDate"`
	StopDate            *epoch    `json:"stopDate,omitempty"`
	Input               *string   `json:"input,omitempty"`
	InputDetails        *included `json:"inputDetails,omitempty"`
	Output              *string   `json:"output,omitempty"`
	OutputDetails       *included `json:"outputDetails,omitempty"`
	Error               string    `json:"error,omitempty"`
	Cause               string    `json:"cause,omitempty"`
	TraceHeader         string    `json:"traceHeader,omitempty"`
	RedriveCount        int       `json:"redriveCount"`
	RedriveDate         *epoch    `json:"redriveDate,omitempty"`
	RedriveStatus       string    `json:"redriveStatus"`
	RedriveStatusReason string    `json:"redriveStatusReason,omitempty"`
	StateMachineVersion string    `json:"stateMachineVersionArn,omitempty"`
	StateMachineAlias   string    `json:"stateMachineAliasArn,omitempty"`
	MapRunArn           string    `json:"mapRunArn,omitempty"`
}

// redrivable says whether an execution can be redriven, and why not.
func redrivable(ex *store.Execution, d *durable) (bool, string) {
	switch ex.Status {
	case engine.StatusFailed, engine.StatusAborted, engine.StatusTimedOut:
	default:
		return false, "Execution is " + ex.Status + " and cannot be redriven"
	}
	if len(d.Redrive) == 0 {
		return false, "Execution failed before a state was entered and cannot be redriven"
	}
	if time.Since(ex.StartDate) > redriveWindow {
		return false, "Execution started more than 14 days ago and cannot be redriven"
	}
	return true, ""
}

func (s *Service) describeExecution(ctx context.Context, in *executionArnIn) (any, error) {
	ex, err := s.getExecution(ctx, in.ExecutionArn)
	if err != nil {
		return nil, err
	}
	input := ex.Input
	out := &describeExecutionOut{
		ExecutionArn: ex.Arn, StateMachineArn: ex.StateMachineArn, Name: ex.Name, Status: ex.Status,
		StartDate: ts(ex.StartDate), StopDate: ts(ex.StopDate), Input: &input, InputDetails: &included{true},
		Error: ex.Error, Cause: ex.Cause, TraceHeader: ex.TraceHeader, RedriveCount: ex.RedriveCount, RedriveDate: ts(ex.RedriveDate),
	}
	if ex.Status == engine.StatusSucceeded {
		o := ex.Output
		out.Output, out.OutputDetails = &o, &included{true}
	}
	origins, err := s.store.Origins(ctx, []string{ex.Arn})
	if err != nil {
		return nil, err
	}
	out.StateMachineVersion, out.StateMachineAlias = origins[ex.Arn].VersionArn, origins[ex.Arn].AliasArn
	d, err := decodeDurable(ex.Checkpoint)
	if err != nil {
		return nil, err
	}
	if ok, why := redrivable(ex, d); ok {
		out.RedriveStatus = "REDRIVABLE"
	} else {
		out.RedriveStatus, out.RedriveStatusReason = "NOT_REDRIVABLE", why
	}
	if out.MapRunArn, err = s.store.MapRunOf(ctx, ex.ID); err != nil {
		return nil, err
	}
	if out.MapRunArn != "" {
		childRedriveStatus(out, ex.Status)
	}
	return out, nil
}

type listExecutionsIn struct {
	StateMachineArn string `json:"stateMachineArn"`
	StatusFilter    string `json:"statusFilter"`
	MaxResults      int    `json:"maxResults"`
	NextToken       string `json:"nextToken"`
	MapRunArn       string `json:"mapRunArn"`
	RedriveFilter   string `json:"redriveFilter"`
}

type executionItem struct {
	ExecutionArn        string `json:"executionArn"`
	StateMachineArn     string `json:"stateMachineArn"`
	Name                string `json:"name"`
	Status              string `json:"status"`
	StartDate           *epoch `json:"startDate"`
	StopDate            *epoch `json:"stopDate,omitempty"`
	RedriveCount        int    `json:"redriveCount"`
	RedriveDate         *epoch `json:"redriveDate,omitempty"`
	StateMachineVersion string `json:"stateMachineVersionArn,omitempty"`
	StateMachineAlias   string `json:"stateMachineAliasArn,omitempty"`
	// With a mapRunArn: the map run, and the items the child ran on.
	MapRunArn string `json:"mapRunArn,omitempty"`
	ItemCount *int   `json:"itemCount,omitempty"`
}

// checkStatusFilter validates ListExecutions' statusFilter.
func checkStatusFilter(f string) error {
	switch f {
	case "", engine.StatusRunning, engine.StatusSucceeded, engine.StatusFailed, engine.StatusTimedOut, engine.StatusAborted, "PENDING_REDRIVE":
		return nil
	}
	return apiErr(errValidation, "1 validation error detected: Value '%s' at 'statusFilter' failed to satisfy constraint: Member must satisfy enum value set: [SUCCEEDED, TIMED_OUT, PENDING_REDRIVE, ABORTED, FAILED, RUNNING]", f)
}

type listExecutionsOut struct {
	Executions []executionItem `json:"executions"`
	NextToken  string          `json:"nextToken,omitempty"`
}

func (s *Service) listExecutions(ctx context.Context, in *listExecutionsIn) (any, error) {
	if in.MapRunArn != "" {
		return s.listMapRunExecutions(ctx, in)
	}
	if in.StateMachineArn == "" {
		return nil, apiErr(errValidation, "Must provide a StateMachine ARN or MapRun ARN")
	}
	// A version or alias ARN lists the executions started through it.
	qualifier := ""
	machineArn := in.StateMachineArn
	if ref, ok := parseMachineRef(in.StateMachineArn); ok && ref.qualified() {
		if ref.version > 0 {
			if _, _, err := s.getVersion(ctx, ref, in.StateMachineArn); err != nil {
				return nil, err
			}
		} else if _, err := s.getAlias(ctx, in.StateMachineArn); err != nil {
			return nil, err
		}
		qualifier, machineArn = in.StateMachineArn, ref.base
	}
	rec, err := s.getMachine(ctx, machineArn)
	if err != nil {
		return nil, err
	}
	if rec.Type == "EXPRESS" {
		return nil, apiErr(errStateMachineTypeNotSupport, "This operation is not supported by this type of state machine")
	}
	if err := checkStatusFilter(in.StatusFilter); err != nil {
		return nil, err
	}
	kind := boundKind("ex", rec.Arn)
	n, before, err := pageStart(s.pages, in.MaxResults, in.NextToken, kind, intPos)
	if err != nil {
		return nil, err
	}
	q := store.ExecutionQuery{StateMachineArn: rec.Arn, Status: in.StatusFilter, Limit: n + 1, BeforeID: before}
	var exs []*store.Execution
	if qualifier != "" {
		exs, err = s.store.ListExecutionsFrom(ctx, qualifier, q)
	} else {
		exs, err = s.store.ListExecutions(ctx, q)
	}
	if err != nil {
		return nil, err
	}
	out := &listExecutionsOut{Executions: []executionItem{}}
	exs, out.NextToken = pageEnd(s.pages, exs, n, kind, func(ex *store.Execution) string { return strconv.FormatInt(ex.ID, 10) })
	arns := make([]string, len(exs))
	for i, ex := range exs {
		arns[i] = ex.Arn
	}
	origins, err := s.store.Origins(ctx, arns)
	if err != nil {
		return nil, err
	}
	for _, ex := range exs {
		o := origins[ex.Arn]
		out.Executions = append(out.Executions, executionItem{ExecutionArn: ex.Arn, StateMachineArn: ex.StateMachineArn, Name: ex.Name,
			Status: ex.Status, StartDate: ts(ex.StartDate), StopDate: ts(ex.StopDate), RedriveCount: ex.RedriveCount,
			RedriveDate: ts(ex.RedriveDate), StateMachineVersion: o.VersionArn, StateMachineAlias: o.AliasArn})
	}
	return out, nil
}

type stopExecutionIn struct {
	ExecutionArn string `json:"executionArn"`
	Error        string `json:"error"`
	Cause        string `json:"cause"`
}

type stopExecutionOut struct {
	StopDate *epoch `json:"stopDate"`
}

func (s *Service) stopExecution(ctx context.Context, in *stopExecutionIn) (any, error) {
	if len(in.Error) > 256 || len(in.Cause) > 32768 {
		return nil, apiErr(errValidation, "1 validation error detected: the error is at most 256 characters and the cause at most 32768")
	}
	ex, err := s.getExecution(ctx, in.ExecutionArn)
	if err != nil {
		return nil, err
	}
	if ex.Status == engine.StatusRunning {
		// A child execution of a map run going on here.
		if stop, ok, err := s.stopChild(ctx, ex.Arn, in.Error, in.Cause); ok {
			if err != nil {
				return nil, err
			}
			return &stopExecutionOut{StopDate: ts(stop)}, nil
		}
	}
	s.mu.Lock()
	r := s.runs[ex.Arn]
	s.mu.Unlock()
	if ex.Status != engine.StatusRunning || r == nil {
		if ex.Status == engine.StatusRunning {
			// Running in the store but not here: the server is shutting
			// down or could not resume it. Record the stop directly.
			now := time.Now().UTC()
			if err := s.store.FinishExecution(ctx, ex.ID, store.Finish{Status: engine.StatusAborted, Error: in.Error, Cause: in.Cause, StopDate: now}); err != nil {
				return nil, err
			}
			s.mu.Lock()
			s.notifyLocked() // a nested Wait on it reads the store again
			s.mu.Unlock()
			return &stopExecutionOut{StopDate: ts(now)}, nil
		}
		// Already closed: stopping it again changes nothing.
		return &stopExecutionOut{StopDate: ts(ex.StopDate)}, nil
	}
	stop, err := r.stop(ctx, in.Error, in.Cause)
	if err != nil {
		return nil, err
	}
	return &stopExecutionOut{StopDate: ts(stop)}, nil
}

// stop aborts a running execution with an error and a cause and waits for
// it to end; it returns when it stopped.
func (r *run) stop(ctx context.Context, errorName, cause string) (time.Time, error) {
	r.mu.Lock()
	if !r.stopped {
		r.stopped, r.stopError, r.stopCause = true, errorName, cause
	}
	r.mu.Unlock()
	r.cancel()
	select {
	case <-r.done:
	case <-ctx.Done():
		return time.Time{}, ctx.Err()
	}
	stop := time.Now().UTC()
	if r.result != nil {
		stop = r.result.StopTime
	}
	return stop, nil
}

type getExecutionHistoryIn struct {
	ExecutionArn         string `json:"executionArn"`
	MaxResults           int    `json:"maxResults"`
	NextToken            string `json:"nextToken"`
	ReverseOrder         bool   `json:"reverseOrder"`
	IncludeExecutionData *bool  `json:"includeExecutionData"`
}

type getExecutionHistoryOut struct {
	Events    []json.RawMessage `json:"events"`
	NextToken string            `json:"nextToken,omitempty"`
}

func (s *Service) getExecutionHistory(ctx context.Context, in *getExecutionHistoryIn) (any, error) {
	ex, err := s.getExecution(ctx, in.ExecutionArn)
	if err != nil {
		return nil, err
	}
	kind := boundKind("ev", ex.Arn, strconv.FormatBool(in.ReverseOrder))
	n, after, err := pageStart(s.pages, in.MaxResults, in.NextToken, kind, intPos)
	if err != nil {
		return nil, err
	}
	q := store.HistoryQuery{ExecutionID: ex.ID, Reverse: in.ReverseOrder, Limit: n + 1, After: after}
	if ex.Status == engine.StatusRunning {
		// Events are written behind the execution: show those recorded.
		if err := s.store.Flush(ctx); err != nil {
			return nil, err
		}
	}
	evs, err := s.store.History(ctx, q)
	if err != nil {
		return nil, err
	}
	withData := in.IncludeExecutionData == nil || *in.IncludeExecutionData
	out := &getExecutionHistoryOut{Events: []json.RawMessage{}}
	evs, out.NextToken = pageEnd(s.pages, evs, n, kind, func(ev store.Event) string { return strconv.FormatInt(ev.ID, 10) })
	for _, ev := range evs {
		data := json.RawMessage(ev.JSON)
		if !withData {
			data = withoutData(data)
		}
		out.Events = append(out.Events, data)
	}
	return out, nil
}

// payloadKeys are the members of event details that carry execution data.
var payloadKeys = []string{"input", "output", "parameters", "assignedVariables"}

// withoutData drops the payloads from an event's details, as
// includeExecutionData=false asks.
func withoutData(ev json.RawMessage) json.RawMessage {
	var top map[string]json.RawMessage
	if json.Unmarshal(ev, &top) != nil {
		return ev
	}
	changed := false
	for k, v := range top {
		if !strings.HasSuffix(k, "EventDetails") {
			continue
		}
		var det map[string]json.RawMessage
		if json.Unmarshal(v, &det) != nil {
			continue
		}
		for _, p := range payloadKeys {
			if _, ok := det[p]; ok {
				delete(det, p)
				changed = true
			}
		}
		if b, err := json.Marshal(det); err == nil {
			top[k] = b
		}
	}
	if !changed {
		return ev
	}
	b, err := json.Marshal(top)
	if err != nil {
		return ev
	}
	return b
}

type describeStateMachineForExecutionOut struct {
	StateMachineArn      string          `json:"stateMachineArn"`
	Name                 string          `json:"name"`
	Definition           string          `json:"definition"`
	RoleArn              string          `json:"roleArn"`
	UpdateDate           *epoch          `json:"updateDate"`
	LoggingConfiguration json.RawMessage `json:"loggingConfiguration,omitempty"`
	TracingConfiguration json.RawMessage `json:"tracingConfiguration,omitempty"`
	RevisionID           string          `json:"revisionId,omitempty"`
	// For a child execution of a map run: the map run and the Map's label.
	MapRunArn string `json:"mapRunArn,omitempty"`
	Label     string `json:"label,omitempty"`
}

func (s *Service) describeStateMachineForExecution(ctx context.Context, in *executionArnIn) (any, error) {
	ex, err := s.getExecution(ctx, in.ExecutionArn)
	if err != nil {
		return nil, err
	}
	mapRun, err := s.store.MapRunOf(ctx, ex.ID)
	if err != nil {
		return nil, err
	}
	// A map run's child runs in the state machine of its parent, whose ARN
	// it names with the Map's label: MACHINE/LABEL.
	machineArn, label := ex.StateMachineArn, ""
	if mapRun != "" {
		if i := strings.LastIndexByte(machineArn, '/'); i > 0 {
			machineArn, label = machineArn[:i], machineArn[i+1:]
		}
	}
	rec, err := s.store.GetRevision(ctx, machineArn, ex.RevisionID)
	if err != nil {
		return nil, err
	}
	out := &describeStateMachineForExecutionOut{
		StateMachineArn: ex.StateMachineArn, Name: rec.Name, MapRunArn: mapRun, Label: label, Definition: rec.Definition, RoleArn: rec.RoleArn,
		UpdateDate: ts(rec.Updated), LoggingConfiguration: loggingOf(rec), TracingConfiguration: tracingOf(rec),
		RevisionID: rec.RevisionID,
	}
	// AWS shows no revisionId for the revision a state machine was created
	// with.
	if cur, err := s.store.GetStateMachine(ctx, machineArn); err == nil && rec.Created.Equal(cur.Created) {
		out.RevisionID = ""
	}
	return out, nil
}

type redriveExecutionIn struct {
	ExecutionArn string `json:"executionArn"`
	ClientToken  string `json:"clientToken"`
}

type redriveExecutionOut struct {
	RedriveDate *epoch `json:"redriveDate"`
}

func (s *Service) redriveExecution(ctx context.Context, in *redriveExecutionIn) (any, error) {
	ex, err := s.getExecution(ctx, in.ExecutionArn)
	if err != nil {
		return nil, err
	}
	d, err := decodeDurable(ex.Checkpoint)
	if err != nil {
		return nil, err
	}
	if ok, why := redrivable(ex, d); !ok {
		return nil, apiErr(errExecutionNotRedrivable, "%s", why)
	}
	if mr, err := s.store.MapRunOf(ctx, ex.ID); err != nil {
		return nil, err
	} else if mr != "" {
		// Its checkpoints are its map run's, which a redrive of its
		// parent takes up.
		return nil, apiErr(errExecutionNotRedrivable, "Execution is a child execution of a Map Run and cannot be redriven on its own")
	}
	cp, err := decodeCheckpoint(d.Redrive)
	if err != nil {
		return nil, err
	}
	last, err := s.store.History(ctx, store.HistoryQuery{ExecutionID: ex.ID, Reverse: true, Limit: 1})
	if err != nil {
		return nil, err
	}
	if len(last) == 1 {
		cp.EventCount, cp.LastEventID = last[0].ID, last[0].ID
	}
	sm, rec, err := s.machine(ctx, ex.StateMachineArn, ex.RevisionID)
	if err != nil {
		return nil, err
	}
	input, err := value.DecodeString(ex.Input)
	if err != nil {
		return nil, err
	}
	tc, err := s.testCase(rec.Name, ex.TestCase)
	if err != nil {
		return nil, err
	}
	now := time.Now().UTC()
	if err := s.store.RedriveExecution(ctx, ex.ID, now); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return nil, apiErr(errExecutionNotRedrivable, "Execution is RUNNING and cannot be redriven")
		}
		return nil, err
	}
	ex.RedriveCount++
	cpData, err := json.Marshal(cp)
	if err != nil {
		return nil, err
	}
	dd := durable{Resume: cpData, Redrive: cpData}
	s.store.SaveCheckpoint(ex.ID, dd.encode())
	r := s.newRun(ex.Arn, ex, rec.Name)
	r.redriveCP = cpData
	r.logger = s.executionLogger(rec, ex.Arn, ex.StartDate, ex.RedriveCount)
	opts := engine.Options{ExecutionName: ex.Name, RoleArn: rec.RoleArn, StartTime: ex.StartDate, Resume: cp,
		Redrive: true, RedriveCount: ex.RedriveCount}
	if err := s.launch(r, sm, input, tc, opts, newSeed()); err != nil {
		return nil, err
	}
	return &redriveExecutionOut{RedriveDate: ts(now)}, nil
}

// Task tokens.

type sendTaskIn struct {
	TaskToken string  `json:"taskToken"`
	Output    *string `json:"output"`
	Error     string  `json:"error"`
	Cause     string  `json:"cause"`
}

func (s *Service) sendTaskSuccess(ctx context.Context, in *sendTaskIn) (any, error) {
	if err := checkTokenSize(in.TaskToken); err != nil {
		return nil, err
	}
	if in.Output == nil {
		return nil, apiErr(errValidation, "1 validation error detected: Value null at 'output' failed to satisfy constraint: Member must not be null")
	}
	if len(*in.Output) > MaxPayloadBytes {
		return nil, apiErr(errValidation, "1 validation error detected: Value at 'output' failed to satisfy constraint: Member must have length less than or equal to %d", MaxPayloadBytes)
	}
	v, err := value.DecodeString(*in.Output)
	if err != nil {
		return nil, apiErr(errInvalidOutput, "Invalid Output: '%v'", err)
	}
	if err := s.completeTask(ctx, in.TaskToken, v, nil, false); err != nil {
		return nil, err
	}
	return struct{}{}, nil
}

func (s *Service) sendTaskFailure(ctx context.Context, in *sendTaskIn) (any, error) {
	if err := checkTokenSize(in.TaskToken); err != nil {
		return nil, err
	}
	if len(in.Error) > 256 || len(in.Cause) > 32768 {
		return nil, apiErr(errValidation, "1 validation error detected: the error is at most 256 characters and the cause at most 32768")
	}
	if err := s.completeTask(ctx, in.TaskToken, nil, &fault.Error{Name: in.Error, Cause: in.Cause}, false); err != nil {
		return nil, err
	}
	return struct{}{}, nil
}

func (s *Service) sendTaskHeartbeat(ctx context.Context, in *sendTaskIn) (any, error) {
	if err := checkTokenSize(in.TaskToken); err != nil {
		return nil, err
	}
	if err := s.completeTask(ctx, in.TaskToken, nil, nil, true); err != nil {
		return nil, err
	}
	return struct{}{}, nil
}

// checkTokenSize answers AWS's ValidationException for a taskToken longer
// than the API's 2048 characters (its length constraint, checked before
// the operation looks the token up).
func checkTokenSize(token string) error {
	if utf8.RuneCountInString(token) > 2048 {
		return apiErr(errValidation, "1 validation error detected: Value '%s' at 'taskToken' failed to satisfy constraint: Member must have length less than or equal to 2048", token)
	}
	return nil
}

// expressARN issues the ARN of a new EXPRESS execution: AWS's form, ending
// in a UUID of its own.
func (s *Service) expressARN(machine, name string) string {
	return "arn:aws:states:" + s.region + ":" + s.account + ":express:" + machine + ":" + name + ":" + newUUID()
}
