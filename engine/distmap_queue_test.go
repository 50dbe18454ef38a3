package engine_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stepwise/stepwise/asl/fault"
	"github.com/stepwise/stepwise/asl/value"
	"github.com/stepwise/stepwise/engine"
	"github.com/stepwise/stepwise/engine/runtime/local"
	"github.com/stepwise/stepwise/integrations/items"
)

// queueRunner is a childRunner that queues children (engine.ChildQueue):
// it takes depth children of a map run at once and runs at most their
// MaxConcurrency at a time, each waiting a virtual second before it runs;
// a child still queued when its context ends is not started.
type queueRunner struct {
	*childRunner
	depth int

	handed, maxHanded   int // RunChild calls in progress, and their most
	running, maxRunning int // children past the queue, and their most
	notStarted          int
	waiting             []*int // children queued, in the order handed
}

func (q *queueRunner) ChildQueueDepth(limit int) int { return q.depth }

func (q *queueRunner) RunChild(ctx context.Context, c *engine.ChildExecution) engine.ChildOutcome {
	q.handed++
	q.maxHanded = max(q.maxHanded, q.handed)
	defer func() { q.handed-- }()
	limit := c.MaxConcurrency
	if limit == 0 {
		limit = 1 << 30 // the engine hands no more than may run
	}
	// First in, first out.
	me := new(int)
	q.waiting = append(q.waiting, me)
	err := q.Await(ctx, func() bool { return q.running < limit && q.waiting[0] == me })
	for i, w := range q.waiting {
		if w == me {
			q.waiting = append(q.waiting[:i], q.waiting[i+1:]...)
			break
		}
	}
	if err != nil || ctx.Err() != nil {
		q.notStarted++
		return engine.ChildOutcome{Status: engine.ChildNotStarted}
	}
	q.running++
	q.maxRunning = max(q.maxRunning, q.running)
	defer func() { q.running-- }()
	if err := q.Sleep(ctx, time.Second); err != nil || ctx.Err() != nil {
		return engine.ChildOutcome{Status: engine.StatusAborted}
	}
	return q.childRunner.RunChild(ctx, c)
}

func runQueued(t *testing.T, def, input string, depth int, opts engine.Options) (*engine.Result, *queueRunner) {
	t.Helper()
	q := &queueRunner{childRunner: &childRunner{Runtime: local.New(local.Options{VirtualClock: true, Start: t0, Seed: 7}), t: t}, depth: depth}
	opts.Runtime = q
	opts.StateMachineName, opts.ExecutionName = "sm", "ex"
	res, err := engine.Run(context.Background(), mustParse(t, def), mustValue(t, input), opts)
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	return res, q
}

func numberedItems(n int, odd func(i int) bool) string {
	var b strings.Builder
	b.WriteString(`{"items":[`)
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"n":%d,"odd":%t}`, i, odd(i))
	}
	b.WriteString(`]}`)
	return b.String()
}

// With a runtime that queues children, a map run hands it more children
// than its MaxConcurrency at once, each with the run's ARN and limit, and
// the runtime runs no more than the limit at a time; the result is the
// in-process run's.
func TestChildQueueHandsMoreThanRun(t *testing.T) {
	def := distMap(`"ItemsPath":"$.items","MaxConcurrency":3`, "")
	input := numberedItems(20, func(int) bool { return false })
	got, q := runQueued(t, def, input, 8, engine.Options{})
	want := runDist(t, def, input, engine.Options{})
	if got.Status != engine.StatusSucceeded || value.EncodeString(got.Output) != value.EncodeString(want.Output) {
		t.Fatalf("%s %s %s: %s, in process %s", got.Status, got.Error, got.Cause, value.EncodeString(got.Output), value.EncodeString(want.Output))
	}
	if q.maxHanded != 8 || q.maxRunning != 3 || len(q.children) != 20 {
		t.Fatalf("handed at most %d at once (want 8), ran at most %d (want 3), ran %d children (want 20)", q.maxHanded, q.maxRunning, len(q.children))
	}
	for _, c := range q.children {
		if c.MaxConcurrency != 3 || !strings.HasPrefix(c.MapRunArn, "arn:aws:states:us-east-1:123456789012:mapRun:sm/M:") {
			t.Fatalf("child %s: MaxConcurrency %d, MapRunArn %q", c.ExecutionName, c.MaxConcurrency, c.MapRunArn)
		}
	}
}

// A runtime whose depth is no more than the limit is handed children as
// one without a queue: never more than the limit, with MaxConcurrency 0.
func TestChildQueueNotDeeperThanLimit(t *testing.T) {
	def := distMap(`"ItemsPath":"$.items","MaxConcurrency":4`, "")
	got, q := runQueued(t, def, numberedItems(10, func(int) bool { return false }), 4, engine.Options{})
	if got.Status != engine.StatusSucceeded || q.maxHanded > 4 {
		t.Fatalf("%s %s: handed %d at once", got.Status, got.Error, q.maxHanded)
	}
	for _, c := range q.children {
		if c.MaxConcurrency != 0 {
			t.Fatalf("child %s handed with MaxConcurrency %d", c.ExecutionName, c.MaxConcurrency)
		}
	}
}

// The children a runtime's queue never started, when the run fails past
// its tolerated failures, are PENDING in the ResultWriter's files with
// the items the run did not read yet, exactly as in process, where they
// were never read.
func TestChildQueueNotStartedArePending(t *testing.T) {
	def := distMap(`"ItemsPath":"$.items","MaxConcurrency":1,
		"ResultWriter":{"Resource":"arn:aws:states:::s3:putObject","Parameters":{"Bucket":"out","Prefix":"runs"}}`, failingChildren)
	input := numberedItems(10, func(i int) bool { return i == 2 })
	results := func(res *engine.Result, objs items.Objects) map[string][]string {
		wantFailed(t, res, fault.ExceedToleratedFailureThreshold, "The specified tolerated failure threshold was exceeded")
		got := map[string][]string{}
		for cat, recs := range resultFiles(t, objs, manifestKey(t, objs, "runs/")) {
			for _, rec := range recs {
				got[cat] = append(got[cat], field(t, rec, "Input"))
			}
		}
		return got
	}
	objs := objectDir(t, map[string]string{"out/README": ""})
	got, q := runQueued(t, def, input, 5, engine.Options{Objects: objs})
	gotFiles := results(got, objs)
	wantObjs := objectDir(t, map[string]string{"out/README": ""})
	wantFiles := results(runDist(t, def, input, engine.Options{Objects: wantObjs}), wantObjs)
	if q.notStarted == 0 || len(q.children) != 3 {
		t.Fatalf("%d children not started by the queue (want some), %d run (want 3)", q.notStarted, len(q.children))
	}
	if fmt.Sprint(gotFiles) != fmt.Sprint(wantFiles) || len(gotFiles["PENDING"]) != 7 {
		t.Fatalf("result files\n%v\nin process\n%v", gotFiles, wantFiles)
	}
}
