package engine_test

import (
	"strings"
	"testing"

	"github.com/stepwise/stepwise/asl/fault"
	"github.com/stepwise/stepwise/asl/value"
	"github.com/stepwise/stepwise/engine"
)

// member returns the member at path (dot-separated) of v, and whether
// it is there.
func member(v any, path string) (any, bool) {
	for _, k := range strings.Split(path, ".") {
		o, ok := v.(*value.Object)
		if !ok {
			return nil, false
		}
		if v, ok = o.Get(k); !ok {
			return nil, false
		}
	}
	return v, true
}

// A child execution's context object is its own: $$.Execution is the
// child (ARN, name, its input, its start), $$.StateMachine the map run's
// MACHINE/LABEL, and there is no $$.Map. So for JSONPath and JSONata,
// with the items given by the input or by a reader.
func TestDistributedMapChildContext(t *testing.T) {
	objs := objectDir(t, map[string]string{"bkt/items.json": `[{"n":1},{"n":2}]`})
	jsonPath := `"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"ctx.$":"$$"},"End":true}}`
	jsonata := `"StartAt":"P","States":{"P":{"Type":"Pass","QueryLanguage":"JSONata","Output":{"ctx":"{% $states.context %}"},"End":true}}`
	reader := `"ItemReader":{"Resource":"arn:aws:states:::s3:getObject","ReaderConfig":{"InputType":"JSON"},"Parameters":{"Bucket":"bkt","Key":"items.json"}}`
	for name, def := range map[string]string{
		"input items, JSONPath":  distMap(`"Label":"Lbl","ItemsPath":"$.items"`, jsonPath),
		"input items, JSONata":   distMap(`"Label":"Lbl","ItemsPath":"$.items"`, jsonata),
		"reader, JSONPath":       distMap(`"Label":"Lbl",`+reader, jsonPath),
		"reader, observed":       distMap(`"Label":"Lbl",`+reader, jsonPath),
		"batches of 1, JSONPath": distMap(`"Label":"Lbl",`+reader+`,"ItemBatcher":{"MaxItemsPerBatch":1}`, jsonPath),
	} {
		t.Run(name, func(t *testing.T) {
			opts := engine.Options{Objects: objs, RoleArn: "arn:aws:iam::123456789012:role/r"}
			o := &observer{}
			if strings.Contains(name, "observed") {
				opts.MapRuns = o
			}
			res := runDist(t, def, `{"items":[{"n":1},{"n":2}]}`, opts)
			if res.Status != engine.StatusSucceeded {
				t.Fatalf("%s %s %s", res.Status, res.Error, res.Cause)
			}
			outs := res.Output.([]any)
			if len(outs) != 2 {
				t.Fatalf("output %s", value.EncodeString(res.Output))
			}
			ids := map[string]bool{}
			for i, out := range outs {
				ctx, _ := member(out, "ctx")
				e, _ := member(ctx, "Execution")
				id, _ := member(e, "Id")
				execName, _ := member(e, "Name")
				input, _ := member(e, "Input")
				start, _ := member(e, "StartTime")
				idStr, _ := id.(string)
				if !strings.HasPrefix(idStr, "arn:aws:states:us-east-1:123456789012:execution:sm/Lbl:") || !strings.HasSuffix(idStr, ":"+execName.(string)) || idStr == res.ExecutionArn {
					t.Errorf("child %d: $$.Execution.Id %v, Name %v", i, id, execName)
				}
				ids[idStr] = true
				wantInput := `{"n":` + string(rune('1'+i)) + `}`
				if strings.Contains(name, "batches") {
					wantInput = `{"Items":[` + wantInput + `]}`
				}
				if value.EncodeString(input) != wantInput || !strings.HasPrefix(start.(string), "2024-01-01T00:00:") {
					t.Errorf("child %d: $$.Execution %s", i, value.EncodeString(e))
				}
				if role, _ := member(e, "RoleArn"); role != opts.RoleArn {
					t.Errorf("child %d: RoleArn %v", i, role)
				}
				if got := value.EncodeString(mustGet(t, ctx, "StateMachine")); got != `{"Id":"arn:aws:states:us-east-1:123456789012:stateMachine:sm/Lbl","Name":"sm/Lbl"}` {
					t.Errorf("child %d: $$.StateMachine %s", i, got)
				}
				if _, ok := member(ctx, "Map"); ok {
					t.Errorf("child %d: $$.Map in %s", i, value.EncodeString(ctx))
				}
				if state, _ := member(ctx, "State.Name"); state != "P" {
					t.Errorf("child %d: $$.State %s", i, value.EncodeString(ctx))
				}
				if opts.MapRuns != nil && o.started[i].Arn != idStr {
					t.Errorf("child %d: observed as %s, context says %s", i, o.started[i].Arn, idStr)
				}
			}
			if len(ids) != 2 {
				t.Errorf("the children share an id: %v", ids)
			}
		})
	}
}

func mustGet(t *testing.T, v any, path string) any {
	t.Helper()
	m, ok := member(v, path)
	if !ok {
		t.Fatalf("no %s in %s", path, value.EncodeString(v))
	}
	return m
}

// loopingChildren count $.n up to $.max: each turn is four events of the
// child's history.
const loopingChildren = `"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Variable":"$.n","NumericLessThanPath":"$.max","Next":"L"}],"Default":"P"},
	"L":{"Type":"Pass","Parameters":{"n.$":"States.MathAdd($.n, 1)","max.$":"$.max"},"Next":"C"},"P":{"Type":"Pass","End":true}}`

// A STANDARD child whose own history reaches AWS's 25,000 events fails
// with States.Runtime, and counts toward the tolerated failures.
func TestDistributedMapChildHistoryLimit(t *testing.T) {
	// The second child's 10,000 turns are 40,000 events.
	items := `{"items":[{"n":0,"max":1},{"n":0,"max":10000},{"n":0,"max":2}]}`
	def := distMap(`"ItemsPath":"$.items","MaxConcurrency":1`, loopingChildren)
	wantFailed(t, runDist(t, def, items, engine.Options{}), fault.ExceedToleratedFailureThreshold, "")

	const succeeded = `[{"n":1,"max":1},null,{"n":2,"max":2}]`
	tolerant := distMap(`"ItemsPath":"$.items","MaxConcurrency":1,"ToleratedFailureCount":1`, loopingChildren)
	wantSucceeded(t, runDist(t, tolerant, items, engine.Options{}), succeeded)

	// Observed, the long child's history ends at event 25,000, its
	// ExecutionFailed, with AWS's error and cause.
	o := &observer{}
	wantSucceeded(t, runDist(t, tolerant, items, engine.Options{MapRuns: o}), succeeded)
	if got := strings.Join(o.ended, " "); got != "SUCCEEDED FAILED SUCCEEDED run:SUCCEEDED:" {
		t.Fatalf("ended %s", got)
	}
	long := o.started[1]
	evs := o.events[long]
	if len(evs) != engine.DefaultMaxHistoryEvents || evs[len(evs)-1] != "25000:24999:ExecutionFailed" {
		t.Fatalf("%d events, the last %s", len(evs), evs[len(evs)-1])
	}
	if long.Error != fault.Runtime || long.Cause != engine.HistoryLimitCause {
		t.Fatalf("the long child ended %s %s", long.Error, long.Cause)
	}

	// Options.MaxHistoryEvents is the children's limit too, and EXPRESS
	// children have none.
	o = &observer{}
	wantSucceeded(t, runDist(t, tolerant, items, engine.Options{MapRuns: o, MaxHistoryEvents: 50}), succeeded)
	if n := len(o.events[o.started[1]]); n != 50 {
		t.Fatalf("with a limit of 50: %d events", n)
	}
	express := strings.Replace(tolerant, `"ExecutionType":"STANDARD"`, `"ExecutionType":"EXPRESS"`, 1)
	wantSucceeded(t, runDist(t, express, items, engine.Options{MaxHistoryEvents: 50}), `[{"n":1,"max":1},{"n":10000,"max":10000},{"n":2,"max":2}]`)
}
