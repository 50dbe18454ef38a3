package diagram

import (
	"strconv"
	"strings"
)

// Overlay colours.
const (
	enteredFill = "#c8f7c5"
	failedFill  = "#f8c4c4"
	failedLine  = "#c62828"
	takenLine   = "#2e7d32"
	catchLine   = "#b26a00"
)

// dotString quotes s as a dot string: backslashes and quotes escaped,
// line breaks as \n (a centred line).
func dotString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '\\':
			b.WriteString(`\\`)
		case '"':
			b.WriteString(`\"`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// dotLabel quotes label lines as one dot string.
func dotLabel(lines []string) string {
	return dotString(strings.Join(lines, "\n"))
}

// attrs is an ordered attribute list.
type attrs []string

func (a *attrs) add(k, v string) { *a = append(*a, k+"="+v) }

func (a attrs) String() string {
	if len(a) == 0 {
		return ""
	}
	return " [" + strings.Join(a, ", ") + "]"
}

// dot renders the diagram in Graphviz dot.
func (d *diagram) dot() string {
	var b strings.Builder
	b.WriteString("digraph stepwise {\n")
	b.WriteString("  graph [rankdir=TB, fontname=\"Helvetica\"")
	if d.sm.Comment != "" {
		b.WriteString(", labelloc=t, label=" + dotString(d.sm.Comment))
	}
	b.WriteString("];\n")
	b.WriteString("  node [fontname=\"Helvetica\", fontsize=11];\n")
	b.WriteString("  edge [fontname=\"Helvetica\", fontsize=9];\n")
	d.dotCluster(&b, d.root, "  ")
	for _, e := range d.edges {
		var a attrs
		var style []string
		switch e.kind {
		case edgeCatch:
			style = append(style, "dashed")
			if !e.taken {
				a.add("color", dotString(catchLine))
			}
			a.add("fontcolor", dotString(catchLine))
		case edgeFork:
			style = append(style, "dotted")
			a.add("arrowhead", "empty")
		}
		if e.label != "" {
			a.add("label", dotString(e.label))
		}
		if e.taken {
			style = append(style, "bold")
			a.add("penwidth", "2.5")
			a.add("color", dotString(takenLine))
		}
		if len(style) > 0 {
			a = append(attrs{"style=" + dotString(strings.Join(style, ","))}, a...)
		}
		b.WriteString("  " + e.from.id + " -> " + e.to.id + a.String() + ";\n")
	}
	b.WriteString("}\n")
	return b.String()
}

// dotCluster writes a cluster's nodes and its nested clusters.
func (d *diagram) dotCluster(b *strings.Builder, c *cluster, indent string) {
	if c != d.root {
		b.WriteString(indent + "subgraph " + c.id + " {\n")
		indent += "  "
		b.WriteString(indent + "label=" + dotString(c.label) + ";\n")
		b.WriteString(indent + "style=\"rounded,dashed\";\n")
		b.WriteString(indent + "color=\"#7f7f7f\";\n")
	}
	for _, n := range c.nodes {
		b.WriteString(indent + n.id + dotNodeAttrs(n).String() + ";\n")
	}
	for _, k := range c.children {
		d.dotCluster(b, k, indent)
	}
	if c != d.root {
		b.WriteString(indent[:len(indent)-2] + "}\n")
	}
}

// dotNodeAttrs are a node's shape, style and label.
func dotNodeAttrs(n *node) attrs {
	var a attrs
	var style []string
	fill := ""
	extra := attrs{}
	switch n.kind {
	case nodeStart, nodeEnd:
		shape := "circle"
		if n.kind == nodeEnd {
			shape = "doublecircle"
		}
		a.add("shape", shape)
		style = append(style, "filled")
		fill = "black"
		extra.add("fontcolor", "white")
		extra.add("fontsize", "9")
	default:
		switch n.typ {
		case "Task":
			a.add("shape", "box")
		case "Pass":
			a.add("shape", "box")
			style = append(style, "rounded")
		case "Choice":
			a.add("shape", "diamond")
		case "Wait":
			a.add("shape", "hexagon")
		case "Succeed":
			a.add("shape", "box")
			style = append(style, "rounded", "bold")
			a.add("peripheries", "2")
			extra.add("color", dotString(takenLine))
		case "Fail":
			a.add("shape", "octagon")
			style = append(style, "bold")
			a.add("peripheries", "2")
			extra.add("color", dotString(failedLine))
		case "Parallel":
			a.add("shape", "box3d")
		case "Map":
			a.add("shape", "component")
		default:
			a.add("shape", "box")
		}
	}
	switch {
	case n.failed:
		style = append(style, "filled")
		fill = failedFill
		extra = attrs{}
		extra.add("color", dotString(failedLine))
		extra.add("penwidth", "2")
	case n.entered:
		style = append(style, "filled")
		fill = enteredFill
	}
	if len(style) > 0 {
		a.add("style", dotString(strings.Join(style, ",")))
	}
	if fill != "" {
		a.add("fillcolor", dotString(fill))
	}
	a = append(a, extra...)
	a.add("label", dotLabel(n.label))
	return a
}

// mermaidText escapes s for a quoted Mermaid label, using Mermaid's entity
// codes for the characters its parser or HTML labels would interpret.
func mermaidText(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '#':
			b.WriteString("#35;")
		case '"':
			b.WriteString("#quot;")
		case '<':
			b.WriteString("#lt;")
		case '>':
			b.WriteString("#gt;")
		case '&':
			b.WriteString("#amp;")
		case '|':
			b.WriteString("#124;")
		case '`':
			b.WriteString("#96;")
		case '\n':
			b.WriteString("<br/>")
		case '\r':
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// mermaidLabel quotes label lines as one Mermaid label.
func mermaidLabel(lines []string) string {
	parts := make([]string, len(lines))
	for i, l := range lines {
		parts[i] = mermaidText(l)
	}
	return `"` + strings.Join(parts, "<br/>") + `"`
}

// mermaidShape wraps a quoted label in the brackets of a node's shape.
func mermaidShape(n *node) string {
	l := mermaidLabel(n.label)
	switch n.kind {
	case nodeStart:
		return "((" + l + "))"
	case nodeEnd:
		return "(((" + l + ")))"
	}
	switch n.typ {
	case "Pass":
		return "(" + l + ")"
	case "Choice":
		return "{" + l + "}"
	case "Wait":
		return "{{" + l + "}}"
	case "Succeed", "Fail":
		return "([" + l + "])"
	case "Parallel", "Map":
		return "[[" + l + "]]"
	}
	return "[" + l + "]"
}

// mermaid renders the diagram as a Mermaid flowchart.
func (d *diagram) mermaid() string {
	var b strings.Builder
	b.WriteString("flowchart TD\n")
	classes := map[string][]string{}
	var classOrder []string
	addClass := func(c, id string) {
		if classes[c] == nil {
			classOrder = append(classOrder, c)
		}
		classes[c] = append(classes[c], id)
	}
	var walk func(c *cluster, indent string)
	walk = func(c *cluster, indent string) {
		if c != d.root {
			b.WriteString(indent + "subgraph " + c.id + " [" + mermaidLabel([]string{c.label}) + "]\n")
			indent += "  "
			b.WriteString(indent + "direction TB\n")
		}
		for _, n := range c.nodes {
			b.WriteString(indent + n.id + mermaidShape(n) + "\n")
			switch {
			case n.kind != nodeState:
				addClass("terminal", n.id)
			case n.typ == "Succeed":
				addClass("succeed", n.id)
			case n.typ == "Fail":
				addClass("fail", n.id)
			}
		}
		for _, k := range c.children {
			walk(k, indent)
		}
		if c != d.root {
			b.WriteString(indent[:len(indent)-2] + "end\n")
		}
	}
	walk(d.root, "  ")
	// Overlay classes come last so that their styles win.
	var entered, failed []string
	var taken []string
	d.eachNode(func(n *node) {
		switch {
		case n.failed:
			failed = append(failed, n.id)
		case n.entered:
			entered = append(entered, n.id)
		}
	})
	for i, e := range d.edges {
		arrow := " --> "
		switch e.kind {
		case edgeCatch:
			arrow = " -.-> "
		case edgeFork:
			arrow = " --- "
		}
		if e.label != "" {
			arrow = arrow[:len(arrow)-1] + "|" + mermaidLabel([]string{e.label}) + "| "
		}
		b.WriteString("  " + e.from.id + arrow + e.to.id + "\n")
		if e.taken {
			taken = append(taken, strconv.Itoa(i))
		}
	}
	b.WriteString("  classDef terminal fill:#000,stroke:#000,color:#fff\n")
	b.WriteString("  classDef succeed stroke:" + takenLine + ",stroke-width:3px\n")
	b.WriteString("  classDef fail stroke:" + failedLine + ",stroke-width:3px\n")
	b.WriteString("  classDef entered fill:" + enteredFill + "\n")
	b.WriteString("  classDef failed fill:" + failedFill + ",stroke:" + failedLine + ",stroke-width:3px\n")
	for _, c := range classOrder {
		b.WriteString("  class " + strings.Join(classes[c], ",") + " " + c + "\n")
	}
	if len(entered) > 0 {
		b.WriteString("  class " + strings.Join(entered, ",") + " entered\n")
	}
	if len(failed) > 0 {
		b.WriteString("  class " + strings.Join(failed, ",") + " failed\n")
	}
	if len(taken) > 0 {
		b.WriteString("  linkStyle " + strings.Join(taken, ",") + " stroke:" + takenLine + ",stroke-width:3px\n")
	}
	return b.String()
}

// eachNode calls f for every node, clusters depth first.
func (d *diagram) eachNode(f func(*node)) {
	var walk func(c *cluster)
	walk = func(c *cluster) {
		for _, n := range c.nodes {
			f(n)
		}
		for _, k := range c.children {
			walk(k)
		}
	}
	walk(d.root)
}
