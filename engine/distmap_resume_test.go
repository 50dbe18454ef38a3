package engine_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stepwise/stepwise/asl/value"
	"github.com/stepwise/stepwise/engine"
	"github.com/stepwise/stepwise/engine/history"
	"github.com/stepwise/stepwise/integrations/items"
)

// priorRuns is a fake store of a map run recorded before a resume or
// redrive.
type priorRuns struct {
	run   *engine.PriorMapRun
	asked []string
}

func (p *priorRuns) PriorMapRun(_ context.Context, executionArn, stateName string) (*engine.PriorMapRun, error) {
	p.asked = append(p.asked, executionArn+"|"+stateName)
	return p.run, nil
}

const priorArn = "arn:aws:states:us-east-1:123456789012:mapRun:sm/M:prior"

// priorChild is child i of the prior run, ended with status.
func priorChild(i int, status string) *engine.PriorChild {
	c := &engine.PriorChild{Key: int64(100 + i), Name: fmt.Sprintf("child%d", i), Items: 1, Status: status,
		Start: t0.Add(time.Second), Events: 4}
	c.Arn = "arn:aws:states:us-east-1:123456789012:execution:sm/M:" + c.Name
	switch status {
	case engine.StatusSucceeded:
		c.Output = mustValueNoT(fmt.Sprintf(`{"v":%d,"run":"old"}`, i+1))
	case engine.StatusFailed:
		c.Error, c.Cause = "Bad", "it failed"
	case engine.StatusRunning:
		c.Events = 0
	}
	return c
}

func mustValueNoT(s string) any {
	v, err := value.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return v
}

// readSucceededFile returns the text of an object of the directory store.
func readSucceededFile(t *testing.T, objs items.Dir, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(objs.Root, filepath.FromSlash(name)))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// resumeDef is a Distributed Map over the input's items whose children
// mark their output as run anew.
var resumeDef = distMap(`"ItemsPath":"$","ToleratedFailureCount":1,"MaxConcurrency":2`,
	`"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"v.$":"$","run":"new"},"End":true}}`)

// startedIndexes are the indexes of the children the observer saw start,
// by their names.
func startedNames(o *observer) string {
	var names []string
	for _, c := range o.started {
		names = append(names, c.Name)
	}
	return strings.Join(names, " ")
}

// A resume in the Map takes up its map run: the ended children keep their
// ends (a failed one too), the interrupted one runs again under its ARN,
// the items not started start, and the result is in item order.
func TestDistributedMapResumeTakesUpMapRun(t *testing.T) {
	prior := &priorRuns{run: &engine.PriorMapRun{Arn: priorArn, Status: engine.StatusRunning, Start: t0.Add(time.Second),
		Children: []*engine.PriorChild{priorChild(0, engine.StatusSucceeded), priorChild(1, engine.StatusFailed),
			priorChild(2, engine.StatusRunning), priorChild(3, engine.StatusAborted)}}}
	o := &observer{}
	cp := &engine.Checkpoint{State: "M", Entered: true, Input: mustValue(t, `[1,2,3,4,5,6]`), EnteredTime: t0, EventCount: 2, LastEventID: 2}
	res := runDist(t, resumeDef, `[1,2,3,4,5,6]`, engine.Options{MapRuns: o, PriorMapRuns: prior, Resume: cp})
	wantSucceeded(t, res, `[{"v":1,"run":"old"},null,{"v":3,"run":"new"},null,{"v":5,"run":"new"},{"v":6,"run":"new"}]`)
	if got := types(res); got != "MapStateStarted MapRunStarted MapRunSucceeded MapStateSucceeded MapStateExited ExecutionSucceeded" {
		t.Errorf("parent history %s", got)
	}
	if d := res.Events[1].Details.(*history.MapRunStartedEventDetails); d.MapRunArn != priorArn {
		t.Errorf("MapRunStarted of %s, want the prior run %s", d.MapRunArn, priorArn)
	}
	if len(prior.asked) != 1 || prior.asked[0] != res.ExecutionArn+"|M" {
		t.Errorf("asked %v", prior.asked)
	}
	if len(o.runs) != 1 || o.runs[0].Arn != priorArn || o.runs[0].Prior != prior.run || o.runs[0].Redrive {
		t.Fatalf("observed runs %+v", o.runs)
	}
	if len(o.started) != 3 || o.started[0].Name != "child2" || o.started[0].Arn != prior.run.Children[2].Arn ||
		o.started[0].Prior != prior.run.Children[2] || o.started[1].Prior != nil || o.started[2].Prior != nil {
		t.Fatalf("children started: %s", startedNames(o))
	}
	if got := strings.Join(o.events[o.started[0]], " "); !strings.HasPrefix(got, "1:0:ExecutionStarted 2:0:PassStateEntered") {
		t.Errorf("rerun child's history %s", got)
	}
}

// Failures recorded before the restart count against the tolerance: a
// second failure among the children run after it fails the map run.
func TestDistributedMapResumeCountsRecordedFailures(t *testing.T) {
	def := distMap(`"ItemsPath":"$","ToleratedFailureCount":1`,
		`"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Variable":"$","NumericEquals":3,"Next":"F"}],"Default":"P"},"P":{"Type":"Pass","End":true},"F":{"Type":"Fail","Error":"Bad"}}`)
	prior := &priorRuns{run: &engine.PriorMapRun{Arn: priorArn, Status: engine.StatusRunning, Start: t0,
		Children: []*engine.PriorChild{priorChild(0, engine.StatusFailed)}}}
	cp := &engine.Checkpoint{State: "M", Entered: true, Input: mustValue(t, `[1,2,3]`), EnteredTime: t0, EventCount: 2, LastEventID: 2}
	res := runDist(t, def, `[1,2,3]`, engine.Options{MapRuns: &observer{}, PriorMapRuns: prior, Resume: cp})
	wantFailed(t, res, "States.ExceedToleratedFailureThreshold", "")
}

// A map run that began before the state was entered is another visit's:
// the resumed state runs a new map run.
func TestDistributedMapResumeIgnoresOlderMapRun(t *testing.T) {
	prior := &priorRuns{run: &engine.PriorMapRun{Arn: priorArn, Status: engine.StatusSucceeded, Start: t0.Add(-time.Minute),
		Children: []*engine.PriorChild{priorChild(0, engine.StatusSucceeded)}}}
	o := &observer{}
	cp := &engine.Checkpoint{State: "M", Entered: true, Input: mustValue(t, `[1,2]`), EnteredTime: t0, EventCount: 2, LastEventID: 2}
	res := runDist(t, resumeDef, `[1,2]`, engine.Options{MapRuns: o, PriorMapRuns: prior, Resume: cp})
	wantSucceeded(t, res, `[{"v":1,"run":"new"},{"v":2,"run":"new"}]`)
	if o.runs[0].Arn == priorArn || o.runs[0].Prior != nil || len(o.started) != 2 {
		t.Errorf("map run %s, prior %v, %d children", o.runs[0].Arn, o.runs[0].Prior, len(o.started))
	}
}

// A redrive in the Map redrives its map run: MapRunRedriven with the run's
// redrive count, succeeded children kept, failed and aborted ones
// redriven under their ARNs (ExecutionRedriven after their events), the
// items never started started.
func TestDistributedMapRedriveRerunsUnsuccessfulChildren(t *testing.T) {
	prior := &priorRuns{run: &engine.PriorMapRun{Arn: priorArn, Status: engine.StatusFailed, Start: t0.Add(time.Second),
		Children: []*engine.PriorChild{priorChild(0, engine.StatusSucceeded), priorChild(1, engine.StatusFailed),
			priorChild(2, engine.StatusSucceeded), priorChild(3, engine.StatusAborted)}}}
	o := &observer{}
	cp := &engine.Checkpoint{State: "M", Input: mustValue(t, `[1,2,3,4,5]`), EventCount: 9, LastEventID: 9}
	res := runDist(t, resumeDef, `[1,2,3,4,5]`, engine.Options{MapRuns: o, PriorMapRuns: prior, Resume: cp, Redrive: true, RedriveCount: 1})
	wantSucceeded(t, res, `[{"v":1,"run":"old"},{"v":2,"run":"new"},{"v":3,"run":"old"},{"v":4,"run":"new"},{"v":5,"run":"new"}]`)
	if got := types(res); got != "ExecutionRedriven MapStateEntered MapStateStarted MapRunRedriven MapRunSucceeded MapStateSucceeded MapStateExited ExecutionSucceeded" {
		t.Errorf("parent history %s", got)
	}
	if d := res.Events[3].Details.(*history.MapRunRedrivenEventDetails); d.MapRunArn != priorArn || d.RedriveCount != 1 {
		t.Errorf("MapRunRedriven %+v", *d)
	}
	if len(o.runs) != 1 || !o.runs[0].Redrive || o.runs[0].RedriveCount != 1 || o.runs[0].Arn != priorArn {
		t.Fatalf("observed runs %+v", o.runs)
	}
	if got := startedNames(o); !strings.HasPrefix(got, "child1 child3 ") || len(o.started) != 3 {
		t.Fatalf("children started: %s", got)
	}
	redriven := o.started[0]
	if redriven.RedriveCount != 1 || redriven.Arn != prior.run.Children[1].Arn {
		t.Errorf("redriven child %+v", *redriven)
	}
	if got := strings.Join(o.events[redriven], " "); !strings.HasPrefix(got, "5:4:ExecutionRedriven 6:5:PassStateEntered") ||
		!strings.HasSuffix(got, ":ExecutionSucceeded") {
		t.Errorf("redriven child's history %s", got)
	}
}

// A succeeded map run is not redriven: the state failed after it, and a
// redrive runs a new map run.
func TestDistributedMapRedriveOfSucceededMapRunRunsNewOne(t *testing.T) {
	prior := &priorRuns{run: &engine.PriorMapRun{Arn: priorArn, Status: engine.StatusSucceeded, Start: t0,
		Children: []*engine.PriorChild{priorChild(0, engine.StatusSucceeded)}}}
	o := &observer{}
	cp := &engine.Checkpoint{State: "M", Input: mustValue(t, `[1]`), EventCount: 9, LastEventID: 9}
	res := runDist(t, resumeDef, `[1]`, engine.Options{MapRuns: o, PriorMapRuns: prior, Resume: cp, Redrive: true, RedriveCount: 1})
	wantSucceeded(t, res, `[{"v":1,"run":"new"}]`)
	if !strings.Contains(types(res), "MapRunStarted") || o.runs[0].Arn == priorArn {
		t.Errorf("history %s, map run %s", types(res), o.runs[0].Arn)
	}
}

// With a ResultWriter, the kept children are written with the new ones,
// in order.
func TestDistributedMapResumeWritesKeptChildren(t *testing.T) {
	objs := objectDir(t, map[string]string{"bkt/items.json": `[1,2,3]`})
	def := distMap(`"ItemReader":{"Resource":"arn:aws:states:::s3:getObject","ReaderConfig":{"InputType":"JSON"},"Parameters":{"Bucket":"bkt","Key":"items.json"}},
		"ResultWriter":{"Resource":"arn:aws:states:::s3:putObject","Parameters":{"Bucket":"bkt","Prefix":"out"}}`,
		`"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"v.$":"$","run":"new"},"End":true}}`)
	prior := &priorRuns{run: &engine.PriorMapRun{Arn: priorArn, Status: engine.StatusRunning, Start: t0,
		Children: []*engine.PriorChild{priorChild(0, engine.StatusSucceeded), priorChild(1, engine.StatusRunning)}}}
	cp := &engine.Checkpoint{State: "M", Entered: true, Input: mustValue(t, `{}`), EnteredTime: t0, EventCount: 2, LastEventID: 2}
	res := runDist(t, def, `{}`, engine.Options{Objects: objs, MapRuns: &observer{}, PriorMapRuns: prior, Resume: cp})
	if res.Status != engine.StatusSucceeded {
		t.Fatalf("%s %s %s", res.Status, res.Error, res.Cause)
	}
	body := readSucceededFile(t, objs, "bkt/out/prior/SUCCEEDED_0.json")
	for _, want := range []string{`\"run\":\"old\"`, `child0`, `child1`} {
		if !strings.Contains(body, want) {
			t.Errorf("results file lacks %s: %s", want, body)
		}
	}
	if strings.Count(body, `\"run\":\"new\"`) != 2 {
		t.Errorf("results file: %s", body)
	}
}

// A child a redrive runs again is the earlier child in its context object:
// its name, and its redrive count one more; a child never started before is
// new, with a redrive count of 0.
func TestDistributedMapRedrivenChildContext(t *testing.T) {
	def := distMap(`"ItemsPath":"$","MaxConcurrency":1`,
		`"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"name.$":"$$.Execution.Name","redrives.$":"$$.Execution.RedriveCount"},"End":true}}`)
	prior := &priorRuns{run: &engine.PriorMapRun{Arn: priorArn, Status: engine.StatusFailed, Start: t0.Add(time.Second),
		Children: []*engine.PriorChild{priorChild(0, engine.StatusFailed)}}}
	cp := &engine.Checkpoint{State: "M", Input: mustValue(t, `[1,2]`), EventCount: 9, LastEventID: 9}
	res := runDist(t, def, `[1,2]`, engine.Options{MapRuns: &observer{}, PriorMapRuns: prior, Resume: cp, Redrive: true, RedriveCount: 1})
	if res.Status != engine.StatusSucceeded {
		t.Fatalf("status %s: %s %s", res.Status, res.Error, res.Cause)
	}
	out := value.EncodeString(res.Output)
	if !strings.HasPrefix(out, `[{"name":"child0","redrives":1},{"name":"`) || !strings.HasSuffix(out, `","redrives":0}]`) ||
		strings.Count(out, "child0") != 1 {
		t.Errorf("children's context: %s", out)
	}
}
