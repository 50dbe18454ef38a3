package console

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/stepwise/stepwise/asl"
	"github.com/stepwise/stepwise/engine/service"
)

// historyPage is the number of events a page of the history table shows.
const historyPage = 100

// visitPage is the number of visits of a state one call returns.
const visitPage = 50

// serveAPI answers the console's JSON calls.
func (c *Console) serveAPI(w http.ResponseWriter, r *http.Request, name string) {
	type endpoint struct {
		method string
		fn     func(ctx context.Context, r *http.Request) (any, error)
	}
	endpoints := map[string]endpoint{
		"machines":   {http.MethodGet, c.listMachines},
		"machine":    {http.MethodGet, c.describeMachine},
		"executions": {http.MethodGet, c.listExecutions},
		"execution":  {http.MethodGet, c.describeExecution},
		"history":    {http.MethodGet, c.history},
		"state":      {http.MethodGet, c.stateVisits},
		"create":     {http.MethodPost, c.createMachine},
		"start":      {http.MethodPost, c.start},
		"stop":       {http.MethodPost, c.stop},
		"redrive":    {http.MethodPost, c.redrive},
		"session":    {http.MethodGet, c.session},
	}
	ep, ok := endpoints[name]
	if !ok {
		writeJSONError(w, http.StatusNotFound, "NotFound", "no such console call")
		return
	}
	if r.Method != ep.method {
		writeJSONError(w, http.StatusMethodNotAllowed, "MethodNotAllowed", "use "+ep.method)
		return
	}
	if ep.method == http.MethodPost {
		r.Body = http.MaxBytesReader(w, r.Body, service.MaxRequestBytes+64<<10)
	}
	out, err := ep.fn(r.Context(), r)
	if err != nil {
		var ae *service.APIError
		var be *badRequest
		switch {
		case errors.As(err, &ae):
			writeJSONError(w, ae.Status, ae.Type, ae.Message)
		case errors.As(err, &be):
			writeJSONError(w, http.StatusBadRequest, "ValidationException", be.msg)
		default:
			c.log.Error("console call failed", "call", name, "error", err)
			writeJSONError(w, http.StatusInternalServerError, "InternalFailure", "internal error")
		}
		return
	}
	writeJSON(w, http.StatusOK, out)
}

type badRequest struct{ msg string }

func (e *badRequest) Error() string { return e.msg }

// call runs an API operation with in as its request and decodes the
// answer into out.
func (c *Console) call(ctx context.Context, op string, in, out any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return err
	}
	res, err := c.opts.API.Call(ctx, op, body)
	if err != nil {
		return err
	}
	return json.Unmarshal(res, out)
}

func (c *Console) listMachines(ctx context.Context, r *http.Request) (any, error) {
	var out json.RawMessage
	in := map[string]any{"maxResults": 100}
	if t := r.URL.Query().Get("nextToken"); t != "" {
		in["nextToken"] = t
	}
	err := c.call(ctx, "ListStateMachines", in, &out)
	return out, err
}

// graphEntry is a definition's graph, parsed once.
type graphEntry struct {
	key   string
	graph *Graph
	err   string
}

// graphOf parses a definition and draws it, once per definition.
func (c *Console) graphOf(definition string) *graphEntry {
	key := hashOf(definition)
	c.mu.Lock()
	g, ok := c.graphs.get(key)
	c.mu.Unlock()
	if ok {
		return g
	}
	g = &graphEntry{key: key}
	sm, err := asl.Parse([]byte(definition))
	if err != nil {
		g.err = err.Error()
	} else {
		g.graph = BuildGraph(sm)
	}
	c.mu.Lock()
	c.graphs.put(key, g)
	c.mu.Unlock()
	return g
}

type machineView struct {
	Machine   json.RawMessage `json:"machine"`  // DescribeStateMachine
	Versions  json.RawMessage `json:"versions"` // ListStateMachineVersions
	Aliases   json.RawMessage `json:"aliases"`  // ListStateMachineAliases
	GraphKey  string          `json:"graphKey"`
	Graph     *Graph          `json:"graph,omitempty"`
	GraphErr  string          `json:"graphError,omitempty"`
	TestCases []string        `json:"testCases"`
}

func (c *Console) describeMachine(ctx context.Context, r *http.Request) (any, error) {
	arn := r.URL.Query().Get("arn")
	var raw json.RawMessage
	if err := c.call(ctx, "DescribeStateMachine", map[string]string{"stateMachineArn": arn}, &raw); err != nil {
		return nil, err
	}
	var d struct {
		Name       string `json:"name"`
		Definition string `json:"definition"`
	}
	if err := json.Unmarshal(raw, &d); err != nil {
		return nil, err
	}
	v := &machineView{Machine: raw, TestCases: []string{}}
	// Its versions and aliases, to start an execution on one (the most
	// recent 100 of each).
	if err := c.call(ctx, "ListStateMachineVersions", map[string]any{"stateMachineArn": arn, "maxResults": 100}, &v.Versions); err != nil {
		return nil, err
	}
	if err := c.call(ctx, "ListStateMachineAliases", map[string]any{"stateMachineArn": arn, "maxResults": 100}, &v.Aliases); err != nil {
		return nil, err
	}
	g := c.graphOf(d.Definition)
	v.GraphKey, v.GraphErr = g.key, g.err
	if r.URL.Query().Get("have") != g.key {
		v.Graph = g.graph
	}
	if c.opts.Mocks != nil {
		if tcs := c.opts.Mocks.TestCases(d.Name); tcs != nil {
			v.TestCases = tcs
		}
	}
	return v, nil
}

func (c *Console) listExecutions(ctx context.Context, r *http.Request) (any, error) {
	q := r.URL.Query()
	in := map[string]any{"stateMachineArn": q.Get("arn"), "maxResults": 100}
	if s := q.Get("status"); s != "" {
		in["statusFilter"] = s
	}
	if t := q.Get("nextToken"); t != "" {
		in["nextToken"] = t
	}
	var out json.RawMessage
	err := c.call(ctx, "ListExecutions", in, &out)
	return out, err
}

type executionView struct {
	Execution json.RawMessage `json:"execution"` // DescribeExecution
	MapRuns   json.RawMessage `json:"mapRuns"`   // ListMapRuns
	GraphKey  string          `json:"graphKey"`
	Graph     *Graph          `json:"graph,omitempty"`
	GraphErr  string          `json:"graphError,omitempty"`
	Summary   *Summary        `json:"summary"`
	Traced    bool            `json:"traced"`
}

func (c *Console) describeExecution(ctx context.Context, r *http.Request) (any, error) {
	arn := r.URL.Query().Get("arn")
	var raw json.RawMessage
	if err := c.call(ctx, "DescribeExecution", map[string]string{"executionArn": arn}, &raw); err != nil {
		return nil, err
	}
	var d struct {
		Status       string `json:"status"`
		RedriveCount int    `json:"redriveCount"`
	}
	if err := json.Unmarshal(raw, &d); err != nil {
		return nil, err
	}
	var sm struct {
		Definition string `json:"definition"`
	}
	if err := c.call(ctx, "DescribeStateMachineForExecution", map[string]string{"executionArn": arn}, &sm); err != nil {
		return nil, err
	}
	v := &executionView{Execution: raw}
	if err := c.call(ctx, "ListMapRuns", map[string]any{"executionArn": arn, "maxResults": 100}, &v.MapRuns); err != nil {
		return nil, err
	}
	g := c.graphOf(sm.Definition)
	v.GraphKey, v.GraphErr = g.key, g.err
	if r.URL.Query().Get("have") != g.key {
		v.Graph = g.graph
	}
	sum, err := c.summary(ctx, arn, d.RedriveCount, d.Status)
	if err != nil {
		return nil, err
	}
	v.Summary = sum
	if c.opts.Traces != nil {
		_, _, v.Traced = c.opts.Traces.steps(arn)
	}
	return v, nil
}

// summary reads an execution's history (without payloads) into a
// Summary. An ended execution's is kept whole; for a running one the
// console keeps the summary of the full pages read so far and the token
// after them, and each poll reads only the pages after it.
func (c *Console) summary(ctx context.Context, arn string, redrives int, status string) (*Summary, error) {
	ended := status != "RUNNING" && status != ""
	doneKey := arn + "#" + strconv.Itoa(redrives) // a redrive goes on with the history
	c.sumMu.Lock()
	defer c.sumMu.Unlock()
	if ended {
		c.mu.Lock()
		s, ok := c.done.get(doneKey)
		c.mu.Unlock()
		if ok {
			return s, nil
		}
	}
	c.mu.Lock()
	rs, ok := c.running.get(arn)
	c.mu.Unlock()
	if !ok {
		rs = &runningSummary{base: NewSummary()}
	}
	var s *Summary
	for s == nil {
		in := map[string]any{"executionArn": arn, "maxResults": 1000, "includeExecutionData": false}
		if rs.token != "" {
			in["nextToken"] = rs.token
		}
		var page struct {
			Events    []json.RawMessage `json:"events"`
			NextToken string            `json:"nextToken"`
		}
		if err := c.call(ctx, "GetExecutionHistory", in, &page); err != nil {
			return nil, err
		}
		if page.NextToken != "" && len(page.Events) > 0 {
			for _, ev := range page.Events { // a full page: it will not change
				rs.base.Add(ev)
			}
			rs.token = page.NextToken
			continue
		}
		s = rs.base.clone()
		for _, ev := range page.Events {
			s.Add(ev)
		}
	}
	s.Finish(status)
	c.mu.Lock()
	if ended {
		c.done.put(doneKey, s)
		c.running.remove(arn)
	} else {
		c.running.put(arn, rs)
	}
	c.mu.Unlock()
	return s, nil
}

// runningSummary is the summary of a running execution's full history
// pages, and the token of the page after them.
type runningSummary struct {
	base  *Summary
	token string
}

// eachEvent reads an execution's history, a thousand events a call.
func (c *Console) eachEvent(ctx context.Context, arn string, data bool, f func(json.RawMessage)) error {
	token := ""
	for {
		in := map[string]any{"executionArn": arn, "maxResults": 1000, "includeExecutionData": data}
		if token != "" {
			in["nextToken"] = token
		}
		var page struct {
			Events    []json.RawMessage `json:"events"`
			NextToken string            `json:"nextToken"`
		}
		if err := c.call(ctx, "GetExecutionHistory", in, &page); err != nil {
			return err
		}
		for _, ev := range page.Events {
			f(ev)
		}
		if page.NextToken == "" || len(page.Events) == 0 {
			return nil
		}
		token = page.NextToken
	}
}

func (c *Console) history(ctx context.Context, r *http.Request) (any, error) {
	q := r.URL.Query()
	in := map[string]any{"executionArn": q.Get("arn"), "maxResults": historyPage, "reverseOrder": q.Get("reverse") == "1"}
	if t := q.Get("nextToken"); t != "" {
		in["nextToken"] = t
	}
	var out json.RawMessage
	err := c.call(ctx, "GetExecutionHistory", in, &out)
	return out, err
}

type visitsView struct {
	State  string  `json:"state"`
	Source string  `json:"source"` // "trace" or "history"
	Total  int     `json:"total"`
	Offset int     `json:"offset"`
	Visits []Visit `json:"visits"`
	// Dropped counts steps the trace did not keep (past its bound).
	Dropped int `json:"dropped,omitempty"`
}

// stateVisits lists the visits of one state, a page at a time: from the
// trace when the console kept one, else the input and output the history
// recorded.
func (c *Console) stateVisits(ctx context.Context, r *http.Request) (any, error) {
	q := r.URL.Query()
	arn, name := q.Get("arn"), q.Get("name")
	if name == "" {
		return nil, &badRequest{"name: the state's name is required"}
	}
	offset, _ := strconv.Atoi(q.Get("offset"))
	if offset < 0 {
		offset = 0
	}
	// The execution must exist (and this checks the ARN).
	var d json.RawMessage
	if err := c.call(ctx, "DescribeExecution", map[string]string{"executionArn": arn}, &d); err != nil {
		return nil, err
	}
	v := &visitsView{State: name, Offset: offset, Visits: []Visit{}}
	if c.opts.Traces != nil {
		if steps, dropped, ok := c.opts.Traces.steps(arn); ok {
			v.Source, v.Dropped = "trace", dropped
			for _, s := range steps {
				if s.State != name {
					continue
				}
				if v.Total >= offset && len(v.Visits) < visitPage {
					v.Visits = append(v.Visits, VisitOf(s.Step, s.run))
				}
				v.Total++
			}
			return v, nil
		}
	}
	v.Source = "history"
	hv := newHistoryVisits(name)
	if err := c.eachEvent(ctx, arn, true, hv.add); err != nil {
		return nil, err
	}
	v.Total = len(hv.visits)
	if offset < len(hv.visits) {
		v.Visits = hv.visits[offset:min(len(hv.visits), offset+visitPage)]
	}
	return v, nil
}

// historyVisits gathers the visits of one state from history events.
type historyVisits struct {
	name   string
	visits []Visit
	open   map[int64]int        // event id → index of the visit it belongs to
	path   map[int64][]PathElem // event id → the Map iteration it ran in
}

func newHistoryVisits(name string) *historyVisits {
	return &historyVisits{name: name, visits: []Visit{}, open: map[int64]int{}, path: map[int64][]PathElem{}}
}

func (h *historyVisits) add(raw json.RawMessage) {
	var ev historyEvent
	if json.Unmarshal(raw, &ev) != nil {
		return
	}
	path := h.path[ev.Previous]
	if it := ev.Iteration; it != nil && ev.Type == "MapIterationStarted" {
		path = append(path[:len(path):len(path)], PathElem{State: it.Name, Kind: "iteration", Index: it.Index})
	}
	if strings.HasSuffix(ev.Type, "IterationSucceeded") || strings.HasSuffix(ev.Type, "IterationFailed") || strings.HasSuffix(ev.Type, "IterationAborted") {
		if len(path) > 0 {
			path = path[:len(path)-1]
		}
	}
	if path != nil {
		h.path[ev.ID] = path
	}
	idx, inVisit := h.open[ev.Previous]
	switch {
	case ev.Entered != nil && strings.HasSuffix(ev.Type, "StateEntered"):
		inVisit = false
		if ev.Entered.Name == h.name {
			h.visits = append(h.visits, Visit{Seq: len(h.visits) + 1, State: h.name, Type: strings.TrimSuffix(ev.Type, "StateEntered"),
				Path: append([]PathElem{}, path...), Stages: []Stage{}, Input: rawJSON(ev.Entered.Input), EnteredEventID: ev.ID})
			idx, inVisit = len(h.visits)-1, true
		}
	case ev.Exited != nil && strings.HasSuffix(ev.Type, "StateExited") && inVisit:
		h.visits[idx].Output = rawJSON(ev.Exited.Output)
		inVisit = false
	}
	if inVisit {
		h.open[ev.ID] = idx
	}
}

// rawJSON is a payload string of the history as JSON ("" : none).
func rawJSON(s string) json.RawMessage {
	if s == "" || !json.Valid([]byte(s)) {
		return nil
	}
	return json.RawMessage(s)
}

// decodeBody reads a JSON request body into in.
func decodeBody(r *http.Request, in any) error {
	if err := json.NewDecoder(r.Body).Decode(in); err != nil {
		return &badRequest{"the request body is not valid JSON: " + err.Error()}
	}
	return nil
}

func (c *Console) createMachine(ctx context.Context, r *http.Request) (any, error) {
	var in struct {
		Name       string `json:"name"`
		Definition string `json:"definition"`
		Type       string `json:"type"`
	}
	if err := decodeBody(r, &in); err != nil {
		return nil, err
	}
	req := map[string]any{"name": in.Name, "definition": in.Definition,
		"roleArn": "arn:aws:iam::123456789012:role/stepwise-console"}
	if in.Type != "" {
		req["type"] = in.Type
	}
	var out json.RawMessage
	err := c.call(ctx, "CreateStateMachine", req, &out)
	return out, err
}

func (c *Console) start(ctx context.Context, r *http.Request) (any, error) {
	var in struct {
		StateMachineArn string `json:"stateMachineArn"`
		Name            string `json:"name"`
		Input           string `json:"input"`
		TestCase        string `json:"testCase"`
	}
	if err := decodeBody(r, &in); err != nil {
		return nil, err
	}
	arn := in.StateMachineArn
	if in.TestCase != "" {
		if strings.Contains(in.TestCase, "#") {
			return nil, &badRequest{"testCase: a test case name has no '#'"}
		}
		arn += "#" + in.TestCase
	}
	req := map[string]any{"stateMachineArn": arn}
	if in.Name != "" {
		req["name"] = in.Name
	}
	if in.Input != "" {
		req["input"] = in.Input
	}
	var out json.RawMessage
	err := c.call(ctx, "StartExecution", req, &out)
	return out, err
}

func (c *Console) stop(ctx context.Context, r *http.Request) (any, error) {
	var in struct {
		ExecutionArn string `json:"executionArn"`
		Error        string `json:"error"`
		Cause        string `json:"cause"`
	}
	if err := decodeBody(r, &in); err != nil {
		return nil, err
	}
	var out json.RawMessage
	err := c.call(ctx, "StopExecution", in, &out)
	return out, err
}

func (c *Console) redrive(ctx context.Context, r *http.Request) (any, error) {
	var in struct {
		ExecutionArn string `json:"executionArn"`
	}
	if err := decodeBody(r, &in); err != nil {
		return nil, err
	}
	var out json.RawMessage
	err := c.call(ctx, "RedriveExecution", in, &out)
	return out, err
}

// session tells the page whether it runs behind a login (to offer "Log out").
func (c *Console) session(context.Context, *http.Request) (any, error) {
	return map[string]bool{"auth": c.sessions != nil}, nil
}
