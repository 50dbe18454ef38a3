package diagram

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/stepwise/stepwise/asl"
)

// Trace is an execution's history, as `stepwise run --json --history`
// prints it ({"status", ..., "events": [...]}, details under "details") or
// as GetExecutionHistory returns it ({"events": [...]}, details under
// "stateEnteredEventDetails" and the like).
type Trace struct {
	// Status is the execution's status when the document gives it
	// (SUCCEEDED, FAILED, TIMED_OUT, ABORTED), else "".
	Status string
	Events []Event
}

// Event is the part of a history event the overlay uses.
type Event struct {
	ID              int64
	PreviousEventID int64
	Type            string // e.g. TaskStateEntered, TaskFailed
	Name            string // the state's name, for ...StateEntered and ...StateExited
}

// ParseTrace reads an execution trace: an object with an "events" array
// (and optionally "status"), or a bare array of events.
func ParseTrace(data []byte) (*Trace, error) {
	data = bytes.TrimSpace(data)
	var raws []json.RawMessage
	t := &Trace{}
	switch {
	case len(data) > 0 && data[0] == '[':
		if err := json.Unmarshal(data, &raws); err != nil {
			return nil, fmt.Errorf("trace: %w", err)
		}
	case len(data) > 0 && data[0] == '{':
		var doc struct {
			Status string            `json:"status"`
			Events []json.RawMessage `json:"events"`
		}
		if err := json.Unmarshal(data, &doc); err != nil {
			return nil, fmt.Errorf("trace: %w", err)
		}
		if doc.Events == nil {
			return nil, errors.New(`trace: no "events" array (run with --json --history, or use a GetExecutionHistory response)`)
		}
		t.Status, raws = doc.Status, doc.Events
	default:
		return nil, errors.New("trace: not a JSON object or array")
	}
	t.Events = make([]Event, 0, len(raws))
	for i, r := range raws {
		var fields map[string]json.RawMessage
		if err := json.Unmarshal(r, &fields); err != nil || fields == nil {
			return nil, fmt.Errorf("trace: event %d is not an object", i)
		}
		var e Event
		e.ID = jsonInt(fields["id"])
		e.PreviousEventID = jsonInt(fields["previousEventId"])
		_ = json.Unmarshal(fields["type"], &e.Type)
		if e.Type == "" {
			return nil, fmt.Errorf("trace: event %d has no type", i)
		}
		if isStateEvent(e.Type) {
			for k, v := range fields {
				if k != "details" && !strings.HasSuffix(k, "EventDetails") {
					continue
				}
				var d struct {
					Name string `json:"name"`
				}
				if json.Unmarshal(v, &d) == nil && d.Name != "" {
					e.Name = d.Name
					break
				}
			}
		}
		t.Events = append(t.Events, e)
	}
	return t, nil
}

// jsonInt reads an integer given as a JSON number or string; 0 otherwise.
func jsonInt(r json.RawMessage) int64 {
	s := strings.Trim(string(bytes.TrimSpace(r)), `"`)
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && f >= -9e18 && f <= 9e18 {
		return int64(f)
	}
	return 0
}

func isStateEvent(typ string) bool {
	return strings.HasSuffix(typ, "StateEntered") || strings.HasSuffix(typ, "StateExited")
}

// Failed reports whether the execution failed, timed out or was aborted.
func (t *Trace) Failed() bool {
	switch t.Status {
	case "FAILED", "TIMED_OUT", "ABORTED":
		return true
	}
	for _, e := range t.Events {
		switch e.Type {
		case "ExecutionFailed", "ExecutionTimedOut", "ExecutionAborted":
			return true
		}
	}
	return false
}

// Highlight is what an execution trace marks on a state machine.
type Highlight struct {
	// Entered are the states entered, in the diagram's order (definition
	// order, nested graphs after the state that holds them).
	Entered []string
	// Failed are the states that failed without their error being caught,
	// when the execution failed.
	Failed []string
	// Taken are the transitions between states the execution took.
	Taken []Transition
	// Unknown are state names in the trace that the definition lacks, in
	// trace order: the trace is probably of another state machine.
	Unknown []string
}

// Transition is an edge between two states.
type Transition struct {
	From, To string
}

// highlights lists what apply marked.
func (d *diagram) highlights() Highlight {
	var h Highlight
	d.eachNode(func(n *node) {
		if n.kind != nodeState {
			return
		}
		if n.entered {
			h.Entered = append(h.Entered, n.name)
		}
		if n.failed {
			h.Failed = append(h.Failed, n.name)
		}
	})
	seen := map[Transition]bool{}
	for _, e := range d.edges {
		if e.taken && e.from.kind == nodeState && e.to.kind == nodeState && e.kind != edgeFork {
			tr := Transition{e.from.name, e.to.name}
			if !seen[tr] {
				seen[tr] = true
				h.Taken = append(h.Taken, tr)
			}
		}
	}
	return h
}

// Analyze computes what Render marks for a trace, without rendering.
func Analyze(sm *asl.StateMachine, t *Trace) Highlight {
	if sm == nil || t == nil {
		return Highlight{}
	}
	d := build(sm)
	unknown := d.apply(t)
	h := d.highlights()
	h.Unknown = unknown
	return h
}

// apply marks the trace on the diagram and returns the unknown state names.
func (d *diagram) apply(t *Trace) []string {
	evs := t.Events
	n := len(evs)
	index := make(map[int64]int, n)
	for i, e := range evs {
		if e.ID != 0 {
			if _, dup := index[e.ID]; !dup {
				index[e.ID] = i
			}
		}
	}
	// prev is the event before i on its thread: by previousEventId when
	// it names an earlier event, else the event listed before.
	prev := func(i int) int {
		if p := evs[i].PreviousEventID; p != 0 {
			if j, ok := index[p]; ok && j < i {
				return j
			}
		}
		return i - 1
	}
	// near[i] is the latest state event at or before i on i's thread.
	near := make([]int, n)
	for i := range evs {
		switch {
		case isStateEvent(evs[i].Type):
			near[i] = i
		case i == 0:
			near[i] = -1
		default:
			if p := prev(i); p >= 0 {
				near[i] = near[p]
			} else {
				near[i] = -1
			}
		}
	}
	before := func(i int) int { // the state event before i on its thread
		if p := prev(i); p >= 0 {
			return near[p]
		}
		return -1
	}

	var unknown []string
	seenUnknown := map[string]bool{}
	nodeOf := func(i int) *node {
		if i < 0 || i >= n {
			return nil
		}
		nd := d.byName[evs[i].Name]
		if nd == nil && evs[i].Name != "" && !seenUnknown[evs[i].Name] {
			seenUnknown[evs[i].Name] = true
			unknown = append(unknown, evs[i].Name)
		}
		return nd
	}

	// followed[j] says that exit j led to another state: the state
	// entered next on its thread, at its level. An exit that did not
	// ended its level (End: true, a Succeed state, a branch's last state).
	followed := make([]bool, n)
	for i, e := range evs {
		if !strings.HasSuffix(e.Type, "StateEntered") {
			continue
		}
		if j := before(i); j >= 0 && strings.HasSuffix(evs[j].Type, "StateExited") {
			if a, b := d.byName[evs[j].Name], d.byName[e.Name]; a != nil && b != nil && a.level == b.level {
				followed[j] = true
			}
		}
	}

	for i, e := range evs {
		if !isStateEvent(e.Type) {
			continue
		}
		cur := nodeOf(i)
		if cur == nil {
			continue
		}
		if strings.HasSuffix(e.Type, "StateExited") {
			if cur.level.end != nil && !followed[i] {
				d.mark(cur, cur.level.end)
			}
			continue
		}
		cur.entered = true
		lv := cur.level
		if lv.graph.StartAt == cur.name {
			d.mark(lv.start, cur)
			if lv.parent != nil {
				d.mark(lv.parent, lv.start)
			}
		}
		if cur.typ == "Fail" && lv.end != nil {
			d.mark(cur, lv.end)
		}
		if j := before(i); j >= 0 && strings.HasSuffix(evs[j].Type, "StateExited") {
			if p := nodeOf(j); p != nil && p.level == lv {
				// A state that exits right after a failure event has
				// caught the error: it left through a Catch edge.
				k := prev(j)
				d.markExit(p, cur, k >= 0 && isFailure(evs[k].Type))
			}
		}
	}

	if !t.Failed() {
		return unknown
	}
	// exitNext[k] says, for event k, whether the next state event of the same
	// state after k is an exit: a failure followed by an exit was caught.
	exitNext := make([]bool, n)
	last := map[string]bool{} // state name -> next state event is an exit
	for k := n - 1; k >= 0; k-- {
		e := evs[k]
		if isStateEvent(e.Type) {
			last[e.Name] = strings.HasSuffix(e.Type, "StateExited")
			continue
		}
		if j := before(k); j >= 0 {
			exitNext[k] = last[evs[j].Name]
		}
	}
	// An entry is closed when its state exited or was aborted; an entry
	// left open when the execution failed is where it failed (a Map whose
	// ItemsPath fails, say, records no failure event of its own).
	closed := make([]bool, n)
	lastEntry := map[string]int{}
	for k, e := range evs {
		switch {
		case strings.HasSuffix(e.Type, "StateEntered"):
			lastEntry[e.Name] = k
		case strings.HasSuffix(e.Type, "StateExited"):
			if j, ok := lastEntry[e.Name]; ok {
				closed[j] = true
			}
		case strings.HasSuffix(e.Type, "StateAborted"):
			if j := before(k); j >= 0 {
				closed[j] = true
			}
		}
	}
	for k, e := range evs {
		if strings.HasSuffix(e.Type, "StateEntered") && !closed[k] {
			if nd := nodeOf(k); nd != nil {
				nd.failed = true
			}
		}
	}
	for k, e := range evs {
		switch {
		case e.Type == "ExecutionFailed" || e.Type == "ExecutionTimedOut" || e.Type == "ExecutionAborted":
			if nd := nodeOf(before(k)); nd != nil {
				nd.failed = true
			}
		case e.Type == "FailStateEntered":
			if nd := nodeOf(k); nd != nil {
				nd.failed = true
			}
		case isFailure(e.Type):
			j := before(k)
			if j < 0 || !strings.HasSuffix(evs[j].Type, "StateEntered") || exitNext[k] {
				continue
			}
			if nd := nodeOf(j); nd != nil {
				nd.failed = true
			}
		}
	}
	return unknown
}

// isFailure reports whether an event type is a state's failure: TaskFailed,
// LambdaFunctionTimedOut, ParallelStateFailed, MapStateFailed, ...
// (not the execution's, and not a Map iteration's).
func isFailure(typ string) bool {
	if strings.HasPrefix(typ, "Execution") || strings.HasPrefix(typ, "MapIteration") {
		return false
	}
	return strings.HasSuffix(typ, "Failed") || strings.HasSuffix(typ, "TimedOut")
}

// markExit marks the edges from a to b that an exit from a took: its
// Catch edges when it caught an error, its other edges otherwise (or all of
// them when it has none of that kind).
func (d *diagram) markExit(a, b *node, caught bool) {
	es := d.between[[2]*node{a, b}]
	found := false
	for _, e := range es {
		if (e.kind == edgeCatch) == caught {
			e.taken = true
			found = true
		}
	}
	if !found {
		d.mark(a, b)
	}
}

// mark sets every edge from a to b as taken.
func (d *diagram) mark(a, b *node) {
	for _, e := range d.between[[2]*node{a, b}] {
		e.taken = true
	}
}
