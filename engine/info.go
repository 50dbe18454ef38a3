package engine

import (
	"runtime"
	"strings"
	"sync"
	"weak"

	"github.com/stepwise/stepwise/asl"
	"github.com/stepwise/stepwise/asl/value"
)

// stateInfo is what an execution works out once about a state, the first
// time it runs it.
type stateInfo struct {
	entered, exited string // event types, e.g. PassStateEntered
	// readsContext is false when nothing in the state's definition can
	// read the context object ($$), which then is not built.
	readsContext bool
}

// graphInfo is what an execution works out once about a graph.
type graphInfo struct {
	// nonBlocking: every state is a Pass, Choice, Succeed or Fail, so
	// running the graph never waits on the runtime.
	nonBlocking bool
}

// analysis is what the engine works out once about a state machine: facts
// about its immutable definition only, so sharing them between executions
// (and replays) changes nothing.
type analysis struct {
	states map[*asl.Common]*stateInfo
	graphs map[*asl.Graph]*graphInfo
}

// analyses caches the analysis of each state machine while it is alive:
// weak.Pointer[asl.StateMachine] → *analysis. A pure memo, shared by
// concurrent executions, hence the sync.Map.
var analyses sync.Map

// analysisOf returns the analysis of sm, made on first use.
func analysisOf(sm *asl.StateMachine) *analysis {
	key := weak.Make(sm)
	if a, ok := analyses.Load(key); ok {
		return a.(*analysis)
	}
	a := analyze(sm)
	if prev, loaded := analyses.LoadOrStore(key, a); loaded {
		return prev.(*analysis)
	}
	runtime.AddCleanup(sm, func(k weak.Pointer[asl.StateMachine]) { analyses.Delete(k) }, key)
	return a
}

func analyze(sm *asl.StateMachine) *analysis {
	// The top-level states are most of them: sizing for those saves the
	// map's growth on a large machine.
	a := &analysis{states: make(map[*asl.Common]*stateInfo, len(sm.Graph.States)), graphs: map[*asl.Graph]*graphInfo{}}
	var walk func(g *asl.Graph)
	walk = func(g *asl.Graph) {
		if g == nil || a.graphs[g] != nil {
			return
		}
		gi := &graphInfo{nonBlocking: true}
		a.graphs[g] = gi
		raw := rawStates(sm.Raw, g.Location)
		for name, st := range g.States {
			if st == nil {
				continue
			}
			c := st.Base()
			in := &stateInfo{entered: c.Type + "StateEntered", exited: c.Type + "StateExited", readsContext: true}
			if r, ok := raw[name]; ok && c.QueryLanguage != asl.JSONata {
				in.readsContext = mentions(r, "$$")
			}
			a.states[c] = in
			switch s := st.(type) {
			case *asl.Pass, *asl.Choice, *asl.Succeed, *asl.Fail:
			case *asl.Map:
				gi.nonBlocking = false
				walk(s.ItemProcessor)
			case *asl.Parallel:
				gi.nonBlocking = false
				for _, b := range s.Branches {
					walk(b)
				}
			default:
				gi.nonBlocking = false
			}
		}
	}
	walk(&sm.Graph)
	return a
}

// stateInfo returns the facts about a state.
func (ex *execution) stateInfo(c *asl.Common) *stateInfo {
	if in := ex.an.states[c]; in != nil {
		return in
	}
	// A state the analysis did not reach: assume the worst.
	return &stateInfo{entered: c.Type + "StateEntered", exited: c.Type + "StateExited", readsContext: true}
}

// graphInfo returns the facts about a graph.
func (ex *execution) graphInfo(g *asl.Graph) *graphInfo {
	if gi := ex.an.graphs[g]; gi != nil {
		return gi
	}
	return &graphInfo{}
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
