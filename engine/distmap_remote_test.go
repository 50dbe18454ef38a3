package engine_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stepwise/stepwise/asl"
	"github.com/stepwise/stepwise/asl/fault"
	"github.com/stepwise/stepwise/asl/value"
	"github.com/stepwise/stepwise/engine"
	"github.com/stepwise/stepwise/engine/runtime/local"
)

// childRunner is a local runtime that runs each child execution as an
// execution of its own (engine.Run of its Definition), as the Temporal
// runtime runs it in a child workflow, and records what it was asked.
type childRunner struct {
	*local.Runtime
	t        *testing.T
	children []*engine.ChildExecution
}

func (r *childRunner) RunsChildren() bool { return true }

func (r *childRunner) RunChild(ctx context.Context, c *engine.ChildExecution) engine.ChildOutcome {
	r.children = append(r.children, c)
	sm, err := asl.Parse(c.Definition)
	if err != nil {
		r.t.Errorf("child definition %s: %v", c.Definition, err)
		return engine.ChildOutcome{Status: engine.StatusFailed, Error: fault.Runtime, Cause: err.Error()}
	}
	res, err := engine.Run(ctx, sm, c.Input, engine.Options{
		Runtime:          local.New(local.Options{VirtualClock: true, Start: c.StartTime, Seed: 1}),
		ExecutionName:    c.ExecutionName,
		ExecutionArn:     c.ExecutionArn,
		StateMachineName: c.StateMachineName,
		Region:           c.Region,
		AccountID:        c.AccountID,
		RoleArn:          c.RoleArn,
		Type:             c.Type,
		StartTime:        c.StartTime,
		RedriveCount:     c.RedriveCount,
	})
	if err != nil {
		r.t.Errorf("child run: %v", err)
		return engine.ChildOutcome{Status: engine.StatusFailed, Error: fault.Runtime, Cause: err.Error()}
	}
	return engine.ChildOutcome{Status: res.Status, Output: res.Output, Error: res.Error, Cause: res.Cause}
}

// runRemote runs def with its children run by a childRunner.
func runRemote(t *testing.T, def, input string, opts engine.Options) (*engine.Result, *childRunner) {
	t.Helper()
	cr := &childRunner{Runtime: local.New(local.Options{VirtualClock: true, Start: t0, Seed: 7}), t: t}
	opts.Runtime = cr
	opts.StateMachineName, opts.ExecutionName = "sm", "ex"
	res, err := engine.Run(context.Background(), mustParse(t, def), mustValue(t, input), opts)
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	return res, cr
}

// A runtime that runs children elsewhere (engine.ChildRunner) is given
// the ItemProcessor as a state machine of its own (with its QueryLanguage)
// and the names that make the child's context object the in-process
// child's: the same members in the same order, the child's ARN, name,
// input and MACHINE/LABEL.
func TestChildRunnerContext(t *testing.T) {
	for name, tc := range map[string]struct{ states, typ string }{
		"STANDARD, JSONPath": {`"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"ctx.$":"$$"},"End":true}}`, "STANDARD"},
		"EXPRESS, JSONata":   {`"QueryLanguage":"JSONata","StartAt":"P","States":{"P":{"Type":"Pass","Output":{"ctx":"{% $states.context %}"},"End":true}}`, "EXPRESS"},
	} {
		t.Run(name, func(t *testing.T) {
			states := strings.Replace(tc.states, `"QueryLanguage":"JSONata",`, "", 1)
			if states != tc.states {
				states = strings.Replace(states, `"Type":"Pass",`, `"Type":"Pass","QueryLanguage":"JSONata",`, 1)
			}
			def := strings.Replace(distMap(`"Label":"Lbl","ItemsPath":"$.items"`, states), `"STANDARD"`, `"`+tc.typ+`"`, 1)
			opts := engine.Options{RoleArn: "arn:aws:iam::123456789012:role/r"}
			want := runDist(t, def, `{"items":[{"n":1},{"n":2}]}`, opts)
			got, cr := runRemote(t, def, `{"items":[{"n":1},{"n":2}]}`, opts)
			if got.Status != engine.StatusSucceeded || want.Status != engine.StatusSucceeded {
				t.Fatalf("%s %s %s / in process %s", got.Status, got.Error, got.Cause, want.Status)
			}
			if len(cr.children) != 2 {
				t.Fatalf("%d children run by the runtime, want 2", len(cr.children))
			}
			if d := string(cr.children[0].Definition); !strings.HasPrefix(d, `{"QueryLanguage":"`) || !strings.Contains(d, `"StartAt":"P"`) {
				t.Fatalf("definition %s", d)
			}
			for i, out := range got.Output.([]any) {
				c := cr.children[i]
				ctx, _ := member(out, "ctx")
				wctx, _ := member(want.Output.([]any)[i], "ctx")
				e, _ := member(ctx, "Execution")
				we, _ := member(wctx, "Execution")
				if keys(e) != keys(we) {
					t.Errorf("child %d: $$.Execution members %s, in process %s", i, keys(e), keys(we))
				}
				id, _ := member(e, "Id")
				n, _ := member(e, "Name")
				in, _ := member(e, "Input")
				m, _ := member(ctx, "StateMachine.Name")
				if id != c.ExecutionArn || n != c.ExecutionName || !strings.HasSuffix(c.ExecutionArn, ":sm/Lbl:"+c.ExecutionName) ||
					value.EncodeString(in) != `{"n":`+string(rune('1'+i))+`}` || m != "sm/Lbl" || c.Type != tc.typ {
					t.Errorf("child %d: %s (asked %+v)", i, value.EncodeString(ctx), c)
				}
			}
		})
	}
}

// The map run counts failures of children run elsewhere against its
// tolerance, as in process.
func TestChildRunnerFailures(t *testing.T) {
	states := `"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Variable":"$.n","NumericEquals":2,"Next":"F"}],"Default":"P"},
		"F":{"Type":"Fail","Error":"Bad","Cause":"two"},"P":{"Type":"Pass","End":true}}`
	for _, tolerated := range []int{0, 1} {
		def := distMap(`"ItemsPath":"$.items","ToleratedFailureCount":`+string(rune('0'+tolerated)), states)
		got, cr := runRemote(t, def, `{"items":[{"n":1},{"n":2},{"n":3}]}`, engine.Options{})
		want := runDist(t, def, `{"items":[{"n":1},{"n":2},{"n":3}]}`, engine.Options{})
		if len(cr.children) == 0 || got.Status != want.Status || got.Error != want.Error {
			t.Fatalf("tolerated %d: %s %s, in process %s %s (%d children)", tolerated, got.Status, got.Error, want.Status, want.Error, len(cr.children))
		}
		if tolerated == 0 && got.Error != fault.ExceedToleratedFailureThreshold {
			t.Fatalf("tolerated 0: %s %s", got.Status, got.Error)
		}
		if tolerated == 1 && got.Status != engine.StatusSucceeded {
			t.Fatalf("tolerated 1: %s %s %s", got.Status, got.Error, got.Cause)
		}
	}
}

// A child of a JSONata state machine is a JSONata state machine of its
// own: the QueryLanguage the processor inherits is in its definition.
func TestChildRunnerQueryLanguage(t *testing.T) {
	def := `{"QueryLanguage":"JSONata","StartAt":"M","States":{"M":{"Type":"Map","Items":"{% $states.input.items %}",
		"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"P","States":{"P":{"Type":"Pass","Output":"{% $states.input.n * 10 %}","End":true}}},"End":true}}}`
	got, cr := runRemote(t, def, `{"items":[{"n":1},{"n":2}]}`, engine.Options{})
	if got.Status != engine.StatusSucceeded || value.EncodeString(got.Output) != `[10,20]` {
		t.Fatalf("%s %s %s %s", got.Status, got.Error, got.Cause, value.EncodeString(got.Output))
	}
	if len(cr.children) != 2 || !strings.HasPrefix(string(cr.children[0].Definition), `{"QueryLanguage":"JSONata","StartAt":"P","States":{"P":`) {
		t.Fatalf("children %d, definition %s", len(cr.children), cr.children[0].Definition)
	}
}

// keys lists an object's member names in order.
func keys(v any) string {
	o, ok := v.(*value.Object)
	if !ok {
		return "<not an object>"
	}
	var ks []string
	for i := 0; i < o.Len(); i++ {
		k, _ := o.At(i)
		ks = append(ks, k)
	}
	return strings.Join(ks, ",")
}
