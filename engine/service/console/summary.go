package console

import (
	"encoding/json"
	"strings"
)

// State statuses in an execution view; a state not reached has none.
const (
	StatusSucceeded = "succeeded"
	StatusFailed    = "failed"
	StatusCaught    = "caught" // it failed and a Catch handled the error
	StatusRunning   = "running"
	StatusAborted   = "aborted" // the execution was stopped while it ran
)

// StateSummary is what happened to one state in an execution.
type StateSummary struct {
	Status string `json:"status"`
	Visits int    `json:"visits"`
	// Retried: an attempt failed and a retrier ran it again.
	Retried bool `json:"retried,omitempty"`

	pendingFailure bool
}

// Summary is an execution's path, read from its history.
type Summary struct {
	States      map[string]*StateSummary `json:"states"`
	Transitions [][2]string              `json:"transitions"`
	Events      int64                    `json:"events"` // the events read

	owner     map[int64]string // event id → the state it belongs to
	seen      map[[2]string]bool
	exitedSet exitedSet
	// parent, in a clone, is the summary it was cloned from: the events
	// read before, whose owners the clone looks up there.
	parent *Summary
}

// clone returns a summary that goes on from s without changing it: the
// console keeps the summary of an execution's full history pages and
// reads only the last page again on each poll.
func (s *Summary) clone() *Summary {
	c := &Summary{States: make(map[string]*StateSummary, len(s.States)), Transitions: append([][2]string{}, s.Transitions...),
		Events: s.Events, owner: map[int64]string{}, seen: make(map[[2]string]bool, len(s.seen)), exitedSet: exitedSet{}, parent: s}
	for k, v := range s.States {
		st := *v
		c.States[k] = &st
	}
	for k, v := range s.seen {
		c.seen[k] = v
	}
	return c
}

// ownerOf is the state an event belongs to ("" : none known).
func (s *Summary) ownerOf(id int64) string {
	for ; s != nil; s = s.parent {
		if o, ok := s.owner[id]; ok {
			return o
		}
	}
	return ""
}

// NewSummary starts an empty summary; Add it the events in order.
func NewSummary() *Summary {
	return &Summary{States: map[string]*StateSummary{}, Transitions: [][2]string{},
		owner: map[int64]string{}, seen: map[[2]string]bool{}}
}

// historyEvent is the part of a history event (as GetExecutionHistory
// writes it) that a summary and the visits read.
type historyEvent struct {
	ID       int64  `json:"id"`
	Previous int64  `json:"previousEventId"`
	Type     string `json:"type"`
	Entered  *struct {
		Name  string `json:"name"`
		Input string `json:"input"`
	} `json:"stateEnteredEventDetails"`
	Exited *struct {
		Name   string `json:"name"`
		Output string `json:"output"`
	} `json:"stateExitedEventDetails"`
	Iteration *struct {
		Name  string `json:"name"`
		Index int    `json:"index"`
	} `json:"mapIterationStartedEventDetails"`
}

// Add reads one event (the JSON of a history event). An event that is not
// JSON is skipped.
func (s *Summary) Add(raw json.RawMessage) {
	var ev historyEvent
	if json.Unmarshal(raw, &ev) != nil {
		return
	}
	s.add(&ev)
}

func (s *Summary) state(name string) *StateSummary {
	st := s.States[name]
	if st == nil {
		st = &StateSummary{}
		s.States[name] = st
	}
	return st
}

func (s *Summary) add(ev *historyEvent) {
	s.Events++
	owner := s.ownerOf(ev.Previous)
	switch {
	case ev.Entered != nil && strings.HasSuffix(ev.Type, "StateEntered"):
		name := ev.Entered.Name
		st := s.state(name)
		st.Visits++
		st.Status, st.pendingFailure = StatusRunning, false
		if owner != "" && s.exited(ev.Previous) {
			t := [2]string{owner, name}
			if !s.seen[t] {
				s.seen[t] = true
				s.Transitions = append(s.Transitions, t)
			}
		}
		owner = name
	case ev.Exited != nil && strings.HasSuffix(ev.Type, "StateExited"):
		st := s.state(ev.Exited.Name)
		if st.pendingFailure {
			st.Status = StatusCaught
		} else {
			st.Status = StatusSucceeded
		}
		st.pendingFailure = false
		owner = ev.Exited.Name
		s.exitedIDs().add(ev.ID)
	case owner == "":
	case strings.HasPrefix(ev.Type, "Execution"):
		if st := s.States[owner]; st != nil && st.Status == StatusRunning {
			switch ev.Type {
			case "ExecutionFailed", "ExecutionTimedOut":
				st.Status = StatusFailed
			case "ExecutionAborted":
				st.Status = StatusAborted
			}
		}
	case ev.Type == "TaskScheduled" || ev.Type == "ActivityScheduled" || ev.Type == "LambdaFunctionScheduled":
		if st := s.States[owner]; st != nil && st.pendingFailure {
			st.pendingFailure, st.Status, st.Retried = false, StatusRunning, true
		}
	case isFailure(ev.Type):
		if st := s.States[owner]; st != nil {
			st.Status, st.pendingFailure = StatusFailed, true
		}
	}
	if owner != "" {
		s.owner[ev.ID] = owner
	}
}

// Finish marks the states still running when the execution has ended.
func (s *Summary) Finish(executionStatus string) {
	if executionStatus == "RUNNING" || executionStatus == "" {
		return
	}
	for _, st := range s.States {
		if st.Status != StatusRunning {
			continue
		}
		if st.pendingFailure || executionStatus == "FAILED" || executionStatus == "TIMED_OUT" {
			st.Status = StatusFailed
		} else {
			st.Status = StatusAborted
		}
	}
}

// isFailure reports whether an event type is a state's failure (a task's,
// a Map's or Parallel's, an iteration's).
func isFailure(typ string) bool {
	return strings.HasSuffix(typ, "Failed") || strings.HasSuffix(typ, "TimedOut") ||
		strings.HasSuffix(typ, "StartFailed") || strings.HasSuffix(typ, "SubmitFailed")
}

// exitedSet is the ids of ...StateExited events.
type exitedSet map[int64]struct{}

func (e exitedSet) add(id int64) { e[id] = struct{}{} }

func (s *Summary) exitedIDs() exitedSet {
	if s.exitedSet == nil {
		s.exitedSet = exitedSet{}
	}
	return s.exitedSet
}

func (s *Summary) exited(id int64) bool {
	for ; s != nil; s = s.parent {
		if _, ok := s.exitedSet[id]; ok {
			return true
		}
	}
	return false
}
