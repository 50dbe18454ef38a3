package engine

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/stepwise/stepwise/asl/value"
)

// Checkpoint is where a running execution stands, at the top level, in a form that
// survives a process (MarshalJSON/UnmarshalJSON keep JSON member order and int vs float:
// use asl/value's Encode/Decode for the values).
//
// Options.OnCheckpoint receives one before each top-level state is entered
// (Entered false) and one right after its entered event is recorded
// (Entered true; for a Wait state, once its deadline is known). States
// inside Parallel branches and Map iterations have none: they belong to
// their top-level state. The child executions of a Distributed Map's map
// run have their own, of the states at their top level, handed to
// Options.MapRuns (MapRunObserver.ChildCheckpoint) and given back for a
// resume or redrive in PriorChild (see distmap_childcp.go).
//
// Options.Resume continues from one. From an Entered checkpoint the state's
// body runs again without its entered event being recorded again: a Task is
// invoked again (at least once, as on AWS) with its retry counts starting
// over, a Wait sleeps only until WaitUntil (not at all when that has passed;
// a zero WaitUntil computes the wait anew), and a Map or Parallel state runs
// all its iterations or branches again, from the start: what they had done
// before the process ended is not kept (but a Distributed Map with
// Options.PriorMapRuns takes up its map run, its interrupted children going
// on from their checkpoints: see distmap_resume.go).
//
// Not part of a checkpoint: the runtime's random source (task tokens,
// States.UUID, States.MathRandom and retry jitter after a resume differ from
// an uninterrupted run's) and, for an EXPRESS execution, the UUID of its ARN
// (drawn anew; AWS never resumes or redrives EXPRESS executions).
//
// Input and the Variables' values are shared with the execution: treat them
// as read-only. The Variables map is the checkpoint's own.
type Checkpoint struct {
	State       string         // the top-level state
	Entered     bool           // false: State is about to be entered with Input; true: its StateEntered event is recorded and the state is running
	Input       any            // the state's raw input (value.Value)
	EnteredTime time.Time      // when Entered: the entered time (for $$.State.EnteredTime)
	WaitUntil   time.Time      // a Wait state that is waiting: when it ends (resume sleeps only until then, without re-recording the entered event)
	Variables   map[string]any // top-level workflow variables (Assign)
	EventCount  int64          // events recorded so far
	LastEventID int64          // the previousEventId for the next top-level event
}

// checkpointJSON is the JSON form of a Checkpoint. Values are JSON text
// written and read by asl/value, which keeps member order and tells
// integers from floats.
type checkpointJSON struct {
	State       string                     `json:"state"`
	Entered     bool                       `json:"entered"`
	Input       json.RawMessage            `json:"input"`
	EnteredTime *time.Time                 `json:"enteredTime,omitempty"`
	WaitUntil   *time.Time                 `json:"waitUntil,omitempty"`
	Variables   map[string]json.RawMessage `json:"variables,omitempty"`
	EventCount  int64                      `json:"eventCount"`
	LastEventID int64                      `json:"lastEventId"`
}

// MarshalJSON writes the checkpoint as a JSON object (times in RFC 3339
// with nanoseconds; variables by name, in name order).
func (cp *Checkpoint) MarshalJSON() ([]byte, error) {
	j := checkpointJSON{
		State:       cp.State,
		Entered:     cp.Entered,
		Input:       value.Encode(cp.Input),
		EventCount:  cp.EventCount,
		LastEventID: cp.LastEventID,
	}
	if !cp.EnteredTime.IsZero() {
		t := cp.EnteredTime
		j.EnteredTime = &t
	}
	if !cp.WaitUntil.IsZero() {
		t := cp.WaitUntil
		j.WaitUntil = &t
	}
	if len(cp.Variables) > 0 {
		j.Variables = make(map[string]json.RawMessage, len(cp.Variables))
		for _, k := range slices.Sorted(maps.Keys(cp.Variables)) {
			j.Variables[k] = value.Encode(cp.Variables[k])
		}
	}
	return json.Marshal(j)
}

// UnmarshalJSON reads a checkpoint written by MarshalJSON.
func (cp *Checkpoint) UnmarshalJSON(data []byte) error {
	var j checkpointJSON
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&j); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	if j.State == "" {
		return errors.New("checkpoint: no state")
	}
	c := Checkpoint{State: j.State, Entered: j.Entered, EventCount: j.EventCount, LastEventID: j.LastEventID}
	if len(j.Input) > 0 {
		v, err := value.Decode(j.Input)
		if err != nil {
			return fmt.Errorf("checkpoint: input: %w", err)
		}
		c.Input = v
	}
	if j.EnteredTime != nil {
		c.EnteredTime = *j.EnteredTime
	}
	if j.WaitUntil != nil {
		c.WaitUntil = *j.WaitUntil
	}
	if len(j.Variables) > 0 {
		c.Variables = make(map[string]any, len(j.Variables))
		for k, raw := range j.Variables {
			v, err := value.Decode(raw)
			if err != nil {
				return fmt.Errorf("checkpoint: variable %s: %w", k, err)
			}
			c.Variables[k] = v
		}
	}
	*cp = c
	return nil
}
