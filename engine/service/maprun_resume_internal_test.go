package service

import (
	"testing"

	"github.com/stepwise/stepwise/engine"
	"github.com/stepwise/stepwise/engine/service/store"
)

// childRecord is a recorded child with its history's size and its
// checkpoints (resume, redrive: JSON, "" for none).
func childRecord(status string, events, lastRedriven int64, resume, redrive string) store.MapRunChildRecord {
	d := durable{}
	if resume != "" {
		d.Resume = []byte(resume)
	}
	if redrive != "" {
		d.Redrive = []byte(redrive)
	}
	ex := &store.Execution{ID: 7, Arn: "arn:child", Status: status, Output: `1`, Checkpoint: d.encode()}
	return store.MapRunChildRecord{MapRunExecution: store.MapRunExecution{Execution: ex, Items: 1}, Events: events, LastRedriven: lastRedriven}
}

// A recorded child is taken up with its checkpoints: an interrupted one
// goes on from its last (its later events dropped) or, when that was
// recorded before its last redrive (the process ended between the
// redrive's ExecutionRedriven and its next checkpoint), where that redrive
// entered again; with none, it starts over after its last redrive.
func TestPriorChildCheckpoints(t *testing.T) {
	const (
		entered = `{"state":"B","entered":true,"input":1,"eventCount":7,"lastEventId":7}`
		beforeB = `{"state":"B","entered":false,"input":1,"eventCount":6,"lastEventId":6}`
	)
	for _, tc := range []struct {
		name                  string
		rec                   store.MapRunChildRecord
		events                int64
		resumeState           string
		resumeEntered         bool
		resumeCount, redriveN int64
	}{
		{"interrupted", childRecord(engine.StatusRunning, 9, 0, entered, beforeB), 7, "B", true, 7, 6},
		{"no checkpoint", childRecord(engine.StatusRunning, 9, 0, "", ""), 0, "", false, 0, 0},
		{"no checkpoint, redriven", childRecord(engine.StatusRunning, 12, 10, "", ""), 10, "", false, 0, 0},
		{"checkpoint from before its redrive", childRecord(engine.StatusRunning, 10, 10, entered, beforeB), 10, "B", false, 10, 6},
		{"checkpoint past its events", childRecord(engine.StatusRunning, 5, 0, entered, beforeB), 0, "", false, 0, 6},
		{"failed", childRecord(engine.StatusFailed, 12, 0, entered, beforeB), 12, "B", true, 7, 6},
	} {
		c, err := priorChild(tc.rec)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if c.Events != tc.events {
			t.Errorf("%s: keeps %d events, want %d", tc.name, c.Events, tc.events)
		}
		switch {
		case tc.resumeState == "" && c.Resume != nil:
			t.Errorf("%s: resumes from %+v, want none", tc.name, *c.Resume)
		case tc.resumeState != "" && (c.Resume == nil || c.Resume.State != tc.resumeState || c.Resume.Entered != tc.resumeEntered ||
			c.Resume.EventCount != tc.resumeCount || c.Resume.LastEventID != tc.resumeCount):
			t.Errorf("%s: resumes from %+v, want %s entered=%v at %d", tc.name, c.Resume, tc.resumeState, tc.resumeEntered, tc.resumeCount)
		}
		if got := c.Redrive; tc.redriveN == 0 && got != nil || tc.redriveN != 0 && (got == nil || got.State != "B" || got.Entered || got.EventCount != tc.redriveN) {
			t.Errorf("%s: redrive checkpoint %+v", tc.name, got)
		}
	}
}
