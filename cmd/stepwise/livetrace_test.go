package main

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stepwise/stepwise/asl"
	"github.com/stepwise/stepwise/asl/value"
	"github.com/stepwise/stepwise/engine"
	"github.com/stepwise/stepwise/engine/history"
	"github.com/stepwise/stepwise/integrations"
)

// lockedBuffer is a bytes.Buffer for concurrent writers.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// The trace of a state is written when the state ends, not when the
// execution does: when the Task after a Pass and a Map runs, both are in
// the trace already, the Map with its iterations.
func TestLiveTraceStreamsStatesAsTheyEnd(t *testing.T) {
	sm, err := asl.Parse([]byte(`{"StartAt":"P","States":{
	  "P":{"Type":"Pass","Result":[1,2],"Next":"M"},
	  "M":{"Type":"Map","ItemProcessor":{"StartAt":"I","States":{"I":{"Type":"Pass","End":true}}},"Next":"T"},
	  "T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","End":true}}}`))
	if err != nil {
		t.Fatal(err)
	}
	var out lockedBuffer
	live := newLiveTrace(&out, textStyle{width: 80}, nil)
	var seenAtTask string
	inv := integrations.InvokerFunc(func(ctx context.Context, task *integrations.Task) (any, error) {
		seenAtTask = out.String()
		return value.NewObject(0), nil
	})
	res, err := engine.Run(context.Background(), sm, value.NewObject(0), engine.Options{Invoker: inv, Tracer: live, DiscardEvents: true})
	if err != nil || res.Status != engine.StatusSucceeded {
		t.Fatalf("%v %v", res, err)
	}
	live.flush()
	for _, want := range []string{"P (Pass)  → M", "M (Map)  → T", "  iteration 1\n", "    I (Pass)  ✓ end"} {
		if !strings.Contains(seenAtTask, want) {
			t.Errorf("when T ran, the trace lacked %q:\n%s", want, seenAtTask)
		}
	}
	if strings.Contains(seenAtTask, "T (Task)") || !strings.Contains(out.String(), "T (Task)  ✓ end") {
		t.Errorf("T traced before it ended, or not at all:\n%s", out.String())
	}
}

// Steps under a visit that never ended (a stopped execution) are written
// by flush.
func TestLiveTraceFlushesOrphans(t *testing.T) {
	var out bytes.Buffer
	live := newLiveTrace(&out, textStyle{width: 80}, nil)
	live.Step(context.Background(), &engine.Step{Seq: 2, Parent: 1, Path: []engine.PathElem{{State: "M", Kind: engine.PathIteration, Index: 0}}, State: "I", Type: "Pass", Aborted: true})
	if out.Len() != 0 {
		t.Fatalf("a nested step written before its parent: %q", out.String())
	}
	live.flush()
	if !strings.Contains(out.String(), "I (Pass)  aborted") {
		t.Errorf("flush: %q", out.String())
	}
}

// On a terminal the status line says which state runs, for how long, and
// how many iterations of a running Map are done; it is erased before a
// trace line is written and drawn again after.
func TestStatusLine(t *testing.T) {
	var out bytes.Buffer
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l := newStatusLine(&out)
	l.now = func() time.Time { return now }
	l.onEvent(history.Event{Type: "MapStateEntered", Details: &history.StateEnteredEventDetails{Name: "Each"}})
	l.onEvent(history.Event{Type: "MapStateStarted", Details: &history.MapStateStartedEventDetails{Length: 10000}})
	for i := range 3412 {
		l.onEvent(history.Event{Type: "MapIterationSucceeded", Details: &history.MapIterationEventDetails{Name: "Each", Index: i}})
	}
	l.onEvent(history.Event{Type: "PassStateEntered", Details: &history.StateEnteredEventDetails{Name: "Double"}})
	now = now.Add(12 * time.Second)
	l.redraw()
	if got, want := out.String(), "\r\x1b[K… Double (Pass) 12s · Each 3412/10000"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	out.Reset()
	l.around(func() { out.WriteString("Double (Pass)  ✓ end\n") })
	if got := out.String(); !strings.HasPrefix(got, "\r\x1b[KDouble (Pass)  ✓ end\n\r\x1b[K… Double") {
		t.Errorf("around: %q", got)
	}
	l.onEvent(history.Event{Type: "MapStateSucceeded"})
	out.Reset()
	l.redraw()
	if strings.Contains(out.String(), "Each") {
		t.Errorf("a finished Map still shown: %q", out.String())
	}
	// A Distributed Map's iterations report nothing: no count is shown.
	l.onEvent(history.Event{Type: "MapStateEntered", Details: &history.StateEnteredEventDetails{Name: "Big"}})
	l.onEvent(history.Event{Type: "MapStateStarted", Details: &history.MapStateStartedEventDetails{Length: 500}})
	l.onEvent(history.Event{Type: "MapRunStarted", Details: &history.MapRunStartedEventDetails{MapRunArn: "arn"}})
	out.Reset()
	l.redraw()
	if got := out.String(); !strings.HasSuffix(got, "… Big (Map) 0s · Big: a map run of 500 items") {
		t.Errorf("map run: %q", got)
	}

	var nilLine *statusLine // not a terminal: nothing at all
	nilLine.onEvent(history.Event{Type: "PassStateEntered"})
	nilLine.redraw()
	nilLine.around(func() {})
	nilLine.start(time.Millisecond)()
}
