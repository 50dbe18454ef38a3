package engine_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stepwise/stepwise/engine"
	"github.com/stepwise/stepwise/engine/history"
)

// observer records what a map run tells Options.MapRuns.
type observer struct {
	runs    []*engine.MapRunInfo
	started []*engine.MapRunChild
	events  map[*engine.MapRunChild][]string
	// checkpoints are each child's (ChildCheckpoint).
	checkpoints map[*engine.MapRunChild][]*engine.Checkpoint
	ended       []string
	running     int
	most        int // the most children running at once
	onStart     func(run *engine.MapRunInfo, c *engine.MapRunChild)
}

func (o *observer) MapRunStarted(run *engine.MapRunInfo) { o.runs = append(o.runs, run) }

func (o *observer) ChildStarted(run *engine.MapRunInfo, c *engine.MapRunChild) {
	o.started = append(o.started, c)
	o.running++
	o.most = max(o.most, o.running)
	if o.onStart != nil {
		o.onStart(run, c)
	}
}

func (o *observer) ChildEvent(_ *engine.MapRunInfo, c *engine.MapRunChild, ev history.Event) {
	if o.events == nil {
		o.events = map[*engine.MapRunChild][]string{}
	}
	o.events[c] = append(o.events[c], fmt.Sprintf("%d:%d:%s", ev.ID, ev.PreviousEventID, ev.Type))
}

func (o *observer) ChildCheckpoint(_ *engine.MapRunInfo, c *engine.MapRunChild, cp *engine.Checkpoint) {
	if o.checkpoints == nil {
		o.checkpoints = map[*engine.MapRunChild][]*engine.Checkpoint{}
	}
	o.checkpoints[c] = append(o.checkpoints[c], cp)
}

func (o *observer) ChildEnded(_ *engine.MapRunInfo, c *engine.MapRunChild) {
	o.running--
	o.ended = append(o.ended, c.Status)
}

func (o *observer) MapRunEnded(run *engine.MapRunInfo, status, errorName, _ string, _ time.Time) {
	o.ended = append(o.ended, "run:"+status+":"+errorName)
}

// The observer learns of the map run, each child (a batch counts its
// items) and each child's own history; the parent's history is as without.
func TestMapRunObserved(t *testing.T) {
	objs := objectDir(t, map[string]string{"bkt/items.json": `[{"ok":true},{"ok":true},{"ok":false},{"ok":true},{"ok":true}]`})
	def := distMap(`"ItemReader":{"Resource":"arn:aws:states:::s3:getObject","ReaderConfig":{"InputType":"JSON"},"Parameters":{"Bucket":"bkt","Key":"items.json"}},
		"ItemBatcher":{"MaxItemsPerBatch":2},"ToleratedFailureCount":2,"MaxConcurrency":1`,
		`"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Variable":"$.Items[0].ok","BooleanEquals":false,"Next":"F"}],"Default":"P"},"P":{"Type":"Pass","End":true},"F":{"Type":"Fail","Error":"Bad"}}`)
	plain := runDist(t, def, `{}`, engine.Options{Objects: objs})
	o := &observer{}
	res := runDist(t, def, `{}`, engine.Options{Objects: objs, MapRuns: o})
	if res.Status != engine.StatusSucceeded || types(res) != types(plain) {
		t.Fatalf("parent: %s %s; events %s, without an observer %s", res.Status, res.Error, types(res), types(plain))
	}
	if len(o.runs) != 1 {
		t.Fatalf("%d map runs", len(o.runs))
	}
	run := o.runs[0]
	if run.ExecutionArn != res.ExecutionArn || run.StateMachineArn != res.StateMachineArn+"/M" || run.StateName != "M" ||
		run.MaxConcurrency != 1 || run.ToleratedFailureCount != 2 || run.Items != -1 || run.Control == nil {
		t.Errorf("map run %+v", *run)
	}
	var sizes []int
	for _, c := range o.started {
		sizes = append(sizes, c.Items)
		if !strings.HasPrefix(c.Arn, "arn:aws:states:us-east-1:123456789012:execution:sm/M:") || !strings.HasSuffix(c.Arn, ":"+c.Name) {
			t.Errorf("child ARN %s (name %s)", c.Arn, c.Name)
		}
	}
	if fmt.Sprint(sizes) != "[2 2 1]" || strings.Join(o.ended, " ") != "SUCCEEDED FAILED SUCCEEDED run:SUCCEEDED:" {
		t.Fatalf("children of %v items ended %v", sizes, o.ended)
	}
	failed := o.started[1]
	if got := strings.Join(o.events[failed], " "); got != "1:0:ExecutionStarted 2:0:ChoiceStateEntered 3:2:ChoiceStateExited 4:3:FailStateEntered 5:4:ExecutionFailed" {
		t.Errorf("failed child's history: %s", got)
	}
	if failed.Error != "Bad" || failed.Stop.IsZero() {
		t.Errorf("failed child %+v", *failed)
	}
}

// Control.Update raises the concurrency of a running map run.
func TestMapRunControl(t *testing.T) {
	def := distMap(`"ItemsPath":"$","MaxConcurrency":1`, `"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":10,"End":true}}`)
	o := &observer{}
	o.onStart = func(run *engine.MapRunInfo, c *engine.MapRunChild) {
		if len(o.started) == 1 {
			n := 3
			run.Control.Update(engine.MapRunUpdate{MaxConcurrency: &n})
		}
	}
	res := runDist(t, def, `[1,2,3,4]`, engine.Options{MapRuns: o})
	wantSucceeded(t, res, `[1,2,3,4]`)
	if o.most != 3 || o.runs[0].Items != 4 {
		t.Errorf("at most %d children at once, %d items", o.most, o.runs[0].Items)
	}
}
