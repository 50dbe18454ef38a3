// Package diagram draws a parsed state machine as a graph, in Graphviz dot
// or Mermaid flowchart syntax, optionally with an execution drawn over it
// (the states entered, the transitions taken and the state that failed).
//
// Every state is a node; Next, Choice rules, Default, Catch and End are
// edges; a Parallel state's branches and a Map state's item processor are
// clusters (nested to any depth) beside the state's own node, which links
// to the start of each nested graph. Node and cluster identifiers are
// generated (state0, start1, cluster2, ...), so state names of any content
// appear only in escaped labels. Output is deterministic: it follows the
// definition order of states (Graph.Order), never map iteration order.
//
// The package is pure: it does no I/O.
package diagram

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/stepwise/stepwise/asl"
)

// Format is an output syntax.
type Format string

// The output formats.
const (
	Dot     Format = "dot"     // Graphviz dot
	Mermaid Format = "mermaid" // Mermaid flowchart
)

// ParseFormat returns the format a name denotes: "dot" (also "gv",
// "graphviz") or "mermaid" (also "mmd").
func ParseFormat(name string) (Format, error) {
	switch strings.ToLower(name) {
	case "dot", "gv", "graphviz":
		return Dot, nil
	case "mermaid", "mmd":
		return Mermaid, nil
	}
	return "", fmt.Errorf("unknown format %q (want dot or mermaid)", name)
}

// Options tune Render.
type Options struct {
	// Format of the output; empty means Dot.
	Format Format
	// Trace, when not nil, is an execution drawn over the graph.
	Trace *Trace
}

// Render draws a state machine in the format opts ask for.
func Render(sm *asl.StateMachine, opts Options) (string, error) {
	if sm == nil {
		return "", errors.New("diagram: no state machine")
	}
	f := opts.Format
	if f == "" {
		f = Dot
	}
	if f != Dot && f != Mermaid {
		return "", fmt.Errorf("diagram: unknown format %q", f)
	}
	d := build(sm)
	if opts.Trace != nil {
		d.apply(opts.Trace)
	}
	if f == Mermaid {
		return d.mermaid(), nil
	}
	return d.dot(), nil
}

// nodeKind says what a node stands for.
type nodeKind int

const (
	nodeState nodeKind = iota
	nodeStart
	nodeEnd
)

// node is one vertex of the diagram.
type node struct {
	id    string
	kind  nodeKind
	name  string // state name (nodeState)
	typ   string // state type (nodeState)
	label []string
	level *level // the graph the node belongs to

	entered, failed bool
}

// edgeKind says which field of a state an edge comes from.
type edgeKind int

const (
	edgeNext    edgeKind = iota
	edgeChoice           // a Choice rule
	edgeDefault          // a Choice Default
	edgeCatch            // a Catcher
	edgeStart            // start node to StartAt
	edgeEnd              // End, Succeed or Fail to the end node
	edgeFork             // Parallel/Map state to the start of a nested graph
)

// edge is one arrow of the diagram.
type edge struct {
	from, to *node
	kind     edgeKind
	label    string
	taken    bool
}

// cluster is a box of nodes: a Parallel state's branches, one branch, or a
// Map state's item processor. The root cluster (the top level) is not
// drawn as a box.
type cluster struct {
	id       string
	label    string
	nodes    []*node
	children []*cluster
}

// level is one asl.Graph: the top level, a branch or an item processor.
type level struct {
	graph  *asl.Graph
	parent *node // the Parallel or Map state, nil at the top level
	start  *node
	end    *node // nil until a state ends
	byName map[string]*node
}

// diagram is a state machine laid out for rendering.
type diagram struct {
	sm     *asl.StateMachine
	root   *cluster
	edges  []*edge
	byName map[string]*node // state name to node, first occurrence
	// between indexes the edges by their ends.
	between map[[2]*node][]*edge
	seq     int
}

func (d *diagram) nextID(prefix string) string {
	id := prefix + strconv.Itoa(d.seq)
	d.seq++
	return id
}

// build lays out a state machine.
func build(sm *asl.StateMachine) *diagram {
	d := &diagram{sm: sm, root: &cluster{}, byName: map[string]*node{}, between: map[[2]*node][]*edge{}}
	d.level(&sm.Graph, d.root, nil)
	return d
}

// level adds a graph's nodes to c and its edges to d, recursively.
func (d *diagram) level(g *asl.Graph, c *cluster, parent *node) *level {
	lv := &level{graph: g, parent: parent, byName: map[string]*node{}}
	lv.start = &node{id: d.nextID("start"), kind: nodeStart, label: []string{"Start"}, level: lv}
	c.nodes = append(c.nodes, lv.start)
	var states []*node
	for _, name := range g.Order {
		st := g.States[name]
		if st == nil || lv.byName[name] != nil {
			continue
		}
		n := &node{id: d.nextID("state"), kind: nodeState, name: name, typ: st.Base().Type, level: lv}
		n.label = []string{name, subtitle(st)}
		c.nodes = append(c.nodes, n)
		lv.byName[name] = n
		if d.byName[name] == nil {
			d.byName[name] = n
		}
		states = append(states, n)
	}
	if s := lv.byName[g.StartAt]; s != nil {
		d.addEdge(lv.start, s, edgeStart, "")
	}
	for _, n := range states {
		d.stateEdges(lv, n, g.States[n.name], c)
	}
	return lv
}

// endNode returns the end node of a level, adding it to c the first time.
func (d *diagram) endNode(lv *level, c *cluster) *node {
	if lv.end == nil {
		lv.end = &node{id: d.nextID("stop"), kind: nodeEnd, label: []string{"End"}, level: lv}
		c.nodes = append(c.nodes, lv.end)
	}
	return lv.end
}

func (d *diagram) addEdge(from, to *node, k edgeKind, label string) {
	e := &edge{from: from, to: to, kind: k, label: label}
	d.edges = append(d.edges, e)
	d.between[[2]*node{from, to}] = append(d.between[[2]*node{from, to}], e)
}

// target adds an edge to the state named next, if the level has it.
func (d *diagram) target(lv *level, from *node, next string, k edgeKind, label string) {
	if to := lv.byName[next]; to != nil {
		d.addEdge(from, to, k, label)
	}
}

// stateEdges adds the edges out of one state, and its nested graphs.
func (d *diagram) stateEdges(lv *level, n *node, st asl.State, c *cluster) {
	b := st.Base()
	var catch []asl.Catcher
	switch s := st.(type) {
	case *asl.Choice:
		for i, r := range s.Choices {
			label := strconv.Itoa(i + 1)
			if sum := ruleSummary(d.sm, b.Location, i, r); sum != "" {
				label += ": " + sum
			}
			d.target(lv, n, r.Next, edgeChoice, label)
		}
		if s.Default != "" {
			d.target(lv, n, s.Default, edgeDefault, "Default")
		}
	case *asl.Task:
		catch = s.Catch
	case *asl.Parallel:
		catch = s.Catch
		if len(s.Branches) > 0 {
			outer := &cluster{id: d.nextID("cluster"), label: b.Name + " (Parallel)"}
			c.children = append(c.children, outer)
			for i, br := range s.Branches {
				if br == nil {
					continue
				}
				inner := &cluster{id: d.nextID("cluster"), label: "Branch " + strconv.Itoa(i+1)}
				outer.children = append(outer.children, inner)
				sub := d.level(br, inner, n)
				d.addEdge(n, sub.start, edgeFork, "branch "+strconv.Itoa(i+1))
			}
		}
	case *asl.Map:
		catch = s.Catch
		if s.ItemProcessor != nil {
			inner := &cluster{id: d.nextID("cluster"), label: b.Name + " (Map items)"}
			c.children = append(c.children, inner)
			sub := d.level(s.ItemProcessor, inner, n)
			d.addEdge(n, sub.start, edgeFork, "each item")
		}
	}
	if b.Next != "" {
		d.target(lv, n, b.Next, edgeNext, "")
	}
	for _, ct := range catch {
		d.target(lv, n, ct.Next, edgeCatch, strings.Join(ct.ErrorEquals, ", "))
	}
	if b.End || b.Type == asl.TypeSucceed || b.Type == asl.TypeFail {
		d.addEdge(n, d.endNode(lv, c), edgeEnd, "")
	}
}

// subtitle is the second line of a state's label: the short resource of a
// Task, the type of any other state.
func subtitle(st asl.State) string {
	if t, ok := st.(*asl.Task); ok {
		if r := ShortResource(t.Resource); r != "" {
			return r
		}
	}
	return st.Base().Type
}
