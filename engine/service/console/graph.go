package console

import (
	"strconv"

	"github.com/stepwise/stepwise/asl"
	"github.com/stepwise/stepwise/asl/diagram"
)

// Graph is a state machine drawn as the console draws it: nodes (states,
// and the start, end and join points), edges between them, and the groups
// that hold a Parallel's branches and a Map's item processor. The browser
// lays it out (with dagre) once per definition.
type Graph struct {
	Nodes  []Node  `json:"nodes"`
	Edges  []Edge  `json:"edges"`
	Groups []Group `json:"groups"`
}

// Node kinds.
const (
	NodeState = "state"
	NodeStart = "start"
	NodeEnd   = "end"
	NodeJoin  = "join" // where a Parallel's branches or a Map's items meet again
)

// Node is one box or point of the graph.
type Node struct {
	ID    string `json:"id"`
	Kind  string `json:"kind"`
	Name  string `json:"name,omitempty"` // the state's name (a state node)
	Type  string `json:"type,omitempty"` // the state's type
	Label string `json:"label,omitempty"`
	Group string `json:"group,omitempty"` // the id of the group holding the node
}

// Edge kinds.
const (
	EdgeNext    = "next"
	EdgeChoice  = "choice"
	EdgeDefault = "default"
	EdgeCatch   = "catch"
	EdgeFork    = "fork" // a Parallel or Map state to its branch's or items' first state
	EdgeJoin    = "join" // the end of a branch to the join point
	EdgeEnd     = "end"
)

// Edge is a transition the definition allows.
type Edge struct {
	From  string `json:"from"`
	To    string `json:"to"`
	Kind  string `json:"kind"`
	Label string `json:"label,omitempty"`
}

// Group is a box around a Parallel (holding a group per branch) or a Map's
// item processor.
type Group struct {
	ID     string `json:"id"`
	Label  string `json:"label"`
	Parent string `json:"parent,omitempty"`
	State  string `json:"state"` // the Parallel or Map state
}

// BuildGraph draws a state machine.
func BuildGraph(sm *asl.StateMachine) *Graph {
	b := &graphBuilder{g: &Graph{Nodes: []Node{}, Edges: []Edge{}, Groups: []Group{}}}
	start := b.node(Node{Kind: NodeStart, Label: "Start"})
	end := ""
	first := b.level(&sm.Graph, "", func() string {
		if end == "" {
			end = b.node(Node{Kind: NodeEnd, Label: "End"})
		}
		return end
	})
	if first != "" {
		b.edge(start, first, EdgeNext, "")
	}
	return b.g
}

type graphBuilder struct {
	g   *Graph
	seq int
}

func (b *graphBuilder) id(prefix string) string {
	b.seq++
	return prefix + strconv.Itoa(b.seq)
}

func (b *graphBuilder) node(n Node) string {
	n.ID = b.id("n")
	b.g.Nodes = append(b.g.Nodes, n)
	return n.ID
}

func (b *graphBuilder) edge(from, to, kind, label string) {
	b.g.Edges = append(b.g.Edges, Edge{From: from, To: to, Kind: kind, Label: label})
}

// level adds the states of one graph inside group and returns the id of
// its StartAt state ("" when it has none). end returns the node that
// successful ends of the level go to.
func (b *graphBuilder) level(g *asl.Graph, group string, end func() string) string {
	ids := map[string]string{}
	var states []asl.State
	for _, name := range g.Order {
		st := g.States[name]
		if st == nil || ids[name] != "" {
			continue
		}
		ids[name] = b.node(Node{Kind: NodeState, Name: name, Type: st.Base().Type, Label: subtitle(st), Group: group})
		states = append(states, st)
	}
	to := func(from, next, kind, label string) {
		if id := ids[next]; id != "" {
			b.edge(from, id, kind, label)
		}
	}
	for _, st := range states {
		c := st.Base()
		id := ids[c.Name]
		var catch []asl.Catcher
		from := id // where the state's own transitions leave from
		switch s := st.(type) {
		case *asl.Choice:
			for i, r := range s.Choices {
				to(id, r.Next, EdgeChoice, "rule "+strconv.Itoa(i+1))
			}
			if s.Default != "" {
				to(id, s.Default, EdgeDefault, "Default")
			}
		case *asl.Task:
			catch = s.Catch
		case *asl.Parallel:
			catch = s.Catch
			outer := b.group(c.Name+" (Parallel)", group, c.Name)
			b.g.Nodes[b.index(id)].Group = outer
			join := b.node(Node{Kind: NodeJoin, Group: outer, Name: c.Name})
			for i, br := range s.Branches {
				if br == nil {
					continue
				}
				inner := b.group("Branch "+strconv.Itoa(i+1), outer, c.Name)
				if first := b.level(br, inner, func() string { return join }); first != "" {
					b.edge(id, first, EdgeFork, "branch "+strconv.Itoa(i+1))
				}
			}
			from = join
		case *asl.Map:
			catch = s.Catch
			if s.ItemProcessor != nil {
				outer := b.group(c.Name+" (Map)", group, c.Name)
				b.g.Nodes[b.index(id)].Group = outer
				join := b.node(Node{Kind: NodeJoin, Group: outer, Name: c.Name})
				inner := b.group("each item", outer, c.Name)
				if first := b.level(s.ItemProcessor, inner, func() string { return join }); first != "" {
					b.edge(id, first, EdgeFork, "each item")
				}
				from = join
			}
		}
		if c.Next != "" {
			to(from, c.Next, EdgeNext, "")
		}
		for _, ct := range catch {
			label := ""
			for i, e := range ct.ErrorEquals {
				if i > 0 {
					label += ", "
				}
				label += e
			}
			to(id, ct.Next, EdgeCatch, label)
		}
		if c.End || c.Type == asl.TypeSucceed {
			b.edge(from, end(), EdgeEnd, "")
		}
	}
	return ids[g.StartAt]
}

func (b *graphBuilder) group(label, parent, state string) string {
	id := b.id("g")
	b.g.Groups = append(b.g.Groups, Group{ID: id, Label: label, Parent: parent, State: state})
	return id
}

// index finds a node by id; nodes are appended in id order, so it searches
// from the end, where the node just added is.
func (b *graphBuilder) index(id string) int {
	for i := len(b.g.Nodes) - 1; i >= 0; i-- {
		if b.g.Nodes[i].ID == id {
			return i
		}
	}
	return -1
}

// subtitle is a node's second line: a Task's short resource, else the
// state's type.
func subtitle(st asl.State) string {
	if t, ok := st.(*asl.Task); ok {
		if r := diagram.ShortResource(t.Resource); r != "" {
			return r
		}
	}
	return st.Base().Type
}
