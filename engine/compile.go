package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/stepwise/stepwise/asl"
	"github.com/stepwise/stepwise/asl/diag"
	"github.com/stepwise/stepwise/asl/jsonata"
	"github.com/stepwise/stepwise/asl/template"
	"github.com/stepwise/stepwise/asl/value"
)

// Program is a state machine compiled for running: every decision that
// depends on the definition alone (event types, resource kinds, which
// states read the context object, which graphs can never block, what the
// engine cannot run yet) is taken once, by Compile. Run only executes.
//
// A Program is immutable and safe for concurrent runs; hold one per
// definition and run it as often as needed.
type Program struct {
	sm          *asl.StateMachine
	top         *graphPlan
	unsupported diag.List
}

// graphPlan is a compiled graph: the top level, a Parallel branch or a
// Map's item processor.
type graphPlan struct {
	graph *asl.Graph
	nodes map[string]*node
	// nonBlocking: every state is a Pass, Choice, Succeed or Fail, so
	// running the graph never waits on the runtime.
	nonBlocking bool

	// A Distributed Map's item processor as a state machine of its own
	// (processorDefinition), for a runtime that runs its children
	// elsewhere (ChildRunner): made once, when first asked.
	asMachine    sync.Once
	machineJSON  []byte
	machineError error
}

// Kinds of state (node.kind), so that running a state switches on a small
// integer rather than on its type.
const (
	kindPass uint8 = iota + 1
	kindTask
	kindChoice
	kindWait
	kindSucceed
	kindFail
	kindParallel
	kindMap
)

// node is a compiled state.
type node struct {
	kind            uint8 // kindPass, kindTask, ...
	state           asl.State
	c               *asl.Common
	entered, exited string // event types, e.g. PassStateEntered
	// readsContext is false when nothing in the state's definition can
	// read the context object ($$), which then is not built.
	readsContext bool
	// unsupported is the first field of the state that the engine cannot
	// run yet, with why: entering the state fails (see refusal).
	unsupported *unsupportedField

	// The result stages (see resultStages): selects: the state has a
	// result for ResultSelector (Task, Parallel, Map); places: it has a
	// ResultPath (Pass too); assign is its Assign.
	selects, places bool
	selector        *template.Template
	resultPath      *asl.Path
	assign          *template.Template

	jp *jsonataPlan // a JSONata state's compiled expressions; nil in JSONPath

	res      resource     // Task: the classified Resource
	recovery recovery     // Task, Parallel, Map: Retry and Catch
	proc     *graphPlan   // Map: the item processor
	dist     *distPlan    // Map: its ItemReader, ItemBatcher and ResultWriter, if any
	branches []*graphPlan // Parallel: the branches
}

// unsupportedField is a field of a state that the engine cannot run yet.
type unsupportedField struct {
	field  string // e.g. "ItemReader", "Output"
	reason string // what it is, e.g. "a JSONata expression"
}

// Compile prepares sm for running. sm must be a definition that parsed
// (asl.Parse); it is shared, not copied, and must not change afterwards.
// Fields the engine cannot run yet do not make Compile fail: the
// definition is valid ASL. They are listed by Unsupported, and an
// execution that reaches such a state fails there with States.Runtime.
func Compile(sm *asl.StateMachine) (*Program, error) {
	if sm == nil {
		return nil, errors.New("engine: nil state machine")
	}
	p := &Program{sm: sm}
	p.top = p.compileGraph(&sm.Graph)
	return p, nil
}

// MustCompile is Compile for definitions known to be sound (tests,
// examples); it panics on error.
func MustCompile(sm *asl.StateMachine) *Program {
	p, err := Compile(sm)
	if err != nil {
		panic(err)
	}
	return p
}

// StateMachine returns the definition the program was compiled from.
func (p *Program) StateMachine() *asl.StateMachine { return p.sm }

// Unsupported returns a WARNING diagnostic (code UnsupportedCode) for each
// field of the definition that the engine cannot run yet. The definition
// is valid ASL: validate and CreateStateMachine report these as warnings,
// and an execution fails when it reaches one of the states.
func (p *Program) Unsupported() diag.List { return p.unsupported }

// UnsupportedCode is the diagnostic code of Program.Unsupported. It is
// Stepwise's own: AWS runs these fields.
const UnsupportedCode = "UNSUPPORTED_BY_ENGINE"

// Run executes the program on input until the execution ends. The error
// is for problems that keep the execution from running at all (bad
// options); how the execution ended, failures included, is in the Result.
func (p *Program) Run(ctx context.Context, input any, opts Options) (*Result, error) {
	ex, err := newExecution(p, input, opts)
	if err != nil {
		return nil, fmt.Errorf("engine: %w", err)
	}
	ex.rt.Exec(ctx, ex.run)
	return ex.result, nil
}

// Run compiles sm and runs it once: Compile, then Program.Run. Callers
// that run a definition more than once should compile it once instead.
func Run(ctx context.Context, sm *asl.StateMachine, input any, opts Options) (*Result, error) {
	p, err := Compile(sm)
	if err != nil {
		return nil, err
	}
	return p.Run(ctx, input, opts)
}

func (p *Program) compileGraph(g *asl.Graph) *graphPlan {
	gp := &graphPlan{graph: g, nodes: make(map[string]*node, len(g.States)), nonBlocking: true}
	raw := rawStates(p.sm.Raw, g.Location)
	// Definition order, so that the warnings come in a stable order.
	names := g.Order
	if len(names) != len(g.States) {
		names = make([]string, 0, len(g.States))
		for name := range g.States {
			names = append(names, name)
		}
	}
	for _, name := range names {
		st := g.States[name]
		if st == nil {
			continue
		}
		c := st.Base()
		n := &node{state: st, c: c, entered: c.Type + "StateEntered", exited: c.Type + "StateExited", readsContext: true}
		if r, ok := raw[name]; ok {
			if c.QueryLanguage == asl.JSONata {
				// JSONata reads the context object as $states.context.
				n.readsContext = jsonata.ReadsStatesMember(r, "context")
			} else {
				n.readsContext = mentions(r, "$$")
			}
		}
		n.assign = c.AssignTemplate
		// u is the first field of the state the engine cannot run, or
		// nil. Nothing is ignored: such a field makes the state fail
		// rather than run as if the field were absent.
		var u *unsupportedField
		switch s := st.(type) {
		case *asl.Choice:
			n.kind = kindChoice
		case *asl.Succeed:
			n.kind = kindSucceed
		case *asl.Fail:
			n.kind = kindFail
		case *asl.Pass:
			n.kind = kindPass
			n.places, n.resultPath = true, s.ResultPath
		case *asl.Wait:
			n.kind = kindWait
			gp.nonBlocking = false
		case *asl.Task:
			n.kind = kindTask
			gp.nonBlocking = false
			n.res = classify(s.Resource)
			n.selects, n.selector, n.places, n.resultPath = true, s.ResultSelector, true, s.ResultPath
			n.recovery = recovery{kind: "Task", retriers: s.Retry, catchers: s.Catch}
		case *asl.Map:
			n.kind = kindMap
			gp.nonBlocking = false
			n.proc = p.compileGraph(s.ItemProcessor)
			n.dist, u = compileDistributed(s)
			n.selects, n.selector, n.places, n.resultPath = true, s.ResultSelector, true, s.ResultPath
			n.recovery = recovery{kind: "Map", retriers: s.Retry, catchers: s.Catch, failedEvent: true}
		case *asl.Parallel:
			n.kind = kindParallel
			gp.nonBlocking = false
			for _, b := range s.Branches {
				n.branches = append(n.branches, p.compileGraph(b))
			}
			n.selects, n.selector, n.places, n.resultPath = true, s.ResultSelector, true, s.ResultPath
			n.recovery = recovery{kind: "Parallel", retriers: s.Retry, catchers: s.Catch, failedEvent: true}
		default:
			gp.nonBlocking = false
		}
		if c.QueryLanguage == asl.JSONata {
			jp, ju := compileJSONata(st)
			n.jp = jp
			if u == nil {
				u = ju
			}
		}
		if u != nil {
			n.unsupported = u
			p.unsupported = append(p.unsupported, diag.Diagnostic{
				Severity: diag.SeverityWarning,
				Code:     UnsupportedCode,
				Location: diag.Pointer(c.Location, fieldSegments(u.field)...),
				Message: fmt.Sprintf("Stepwise cannot run the field '%s' (%s) of state '%s' yet: an execution that reaches the state fails with States.Runtime",
					u.field, u.reason, c.Name),
			})
		}
		gp.nodes[name] = n
	}
	return gp
}

// findNode finds a compiled state by name: in gp first, then depth first
// in the graphs of its Map and Parallel states (by state name order).
func (gp *graphPlan) findNode(name string) *node {
	if gp == nil {
		return nil
	}
	if n := gp.nodes[name]; n != nil {
		return n
	}
	for _, sub := range gp.graph.Order {
		n := gp.nodes[sub]
		if n == nil {
			continue
		}
		subs := n.branches
		if n.proc != nil {
			subs = []*graphPlan{n.proc}
		}
		for _, g := range subs {
			if found := g.findNode(name); found != nil {
				return found
			}
		}
	}
	return nil
}

// rawStates returns the raw definitions of the states of the graph at loc
// (a JSON pointer into the definition def), by name, or nil.
func rawStates(def any, loc string) map[string]any {
	node := def
	if loc != "" {
		for _, seg := range strings.Split(loc[1:], "/") {
			node = member(node, unescapePointer(seg))
		}
	}
	states, ok := member(node, "States").(*value.Object)
	if !ok {
		return nil
	}
	m := make(map[string]any, states.Len())
	for i := 0; i < states.Len(); i++ {
		k, v := states.At(i)
		m[k] = v
	}
	return m
}

// member returns a member of an object or an element of an array. It scans
// rather than using Object.Get, which may build an index: the definition is
// shared by concurrent executions.
func member(node any, key string) any {
	switch x := node.(type) {
	case *value.Object:
		for i := 0; i < x.Len(); i++ {
			if k, v := x.At(i); k == key {
				return v
			}
		}
	case []any:
		n := 0
		for _, c := range key {
			if c < '0' || c > '9' {
				return nil
			}
			n = n*10 + int(c-'0')
			if n > len(x) {
				return nil
			}
		}
		if key != "" && n < len(x) {
			return x[n]
		}
	}
	return nil
}

// unescapePointer undoes a JSON pointer segment's escapes (~1 is /, ~0 is ~).
func unescapePointer(s string) string {
	if !strings.Contains(s, "~") {
		return s
	}
	return strings.ReplaceAll(strings.ReplaceAll(s, "~1", "/"), "~0", "~")
}

// mentions reports whether any string in v (member names included)
// contains sub.
func mentions(v any, sub string) bool {
	switch x := v.(type) {
	case string:
		return strings.Contains(x, sub)
	case *value.Object:
		for i := 0; i < x.Len(); i++ {
			k, e := x.At(i)
			if strings.Contains(k, sub) || mentions(e, sub) {
				return true
			}
		}
	case []any:
		for _, e := range x {
			if mentions(e, sub) {
				return true
			}
		}
	}
	return false
}

// fieldSegments splits an unsupported field's name ("ItemReader/Resource",
// "Catch/0/Output") into the segments of its JSON pointer.
func fieldSegments(field string) []any {
	parts := strings.Split(field, "/")
	segs := make([]any, len(parts))
	for i, p := range parts {
		segs[i] = p
	}
	return segs
}
