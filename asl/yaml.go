package asl

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/stepwise/stepwise/asl/value"
)

// yamlMaxNodes bounds the number of nodes a YAML definition may expand to
// (aliases can make a small text expand exponentially).
const yamlMaxNodes = 1 << 20

// yamlMaxDepth bounds nesting, as the JSON decoder does.
const yamlMaxDepth = 512

// decodeYAML parses a YAML document into a value, keeping mapping key order.
func decodeYAML(data []byte) (v any, err error) {
	defer func() {
		// yaml.v3 has panicked on some malformed inputs in the past; a
		// definition must never crash the caller.
		if r := recover(); r != nil {
			v, err = nil, fmt.Errorf("malformed YAML: %v", r)
		}
	}()
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, err
	}
	if doc.Kind == 0 {
		return nil, errors.New("empty document")
	}
	c := yamlConverter{}
	return c.node(&doc, 0)
}

type yamlConverter struct {
	nodes int
}

func (c *yamlConverter) node(n *yaml.Node, depth int) (any, error) {
	c.nodes++
	if c.nodes > yamlMaxNodes {
		return nil, errors.New("document too large (too many nodes after alias expansion)")
	}
	if depth > yamlMaxDepth {
		return nil, errors.New("document nested too deeply")
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, errors.New("empty document")
		}
		return c.node(n.Content[0], depth+1)
	case yaml.AliasNode:
		if n.Alias == nil {
			return nil, fmt.Errorf("line %d: unknown alias", n.Line)
		}
		return c.node(n.Alias, depth+1)
	case yaml.SequenceNode:
		out := make([]any, 0, len(n.Content))
		for _, e := range n.Content {
			v, err := c.node(e, depth+1)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case yaml.MappingNode:
		o := value.NewObject(len(n.Content) / 2)
		if err := c.mapping(o, n, depth); err != nil {
			return nil, err
		}
		return o, nil
	case yaml.ScalarNode:
		return scalar(n)
	}
	return nil, fmt.Errorf("line %d: unsupported YAML node", n.Line)
}

func (c *yamlConverter) mapping(o *value.Object, n *yaml.Node, depth int) error {
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, vn := n.Content[i], n.Content[i+1]
		if k.Kind == yaml.ScalarNode && k.Tag == "!!merge" {
			if err := c.merge(o, vn, depth); err != nil {
				return err
			}
			continue
		}
		if k.Kind != yaml.ScalarNode {
			return fmt.Errorf("line %d: mapping keys must be strings", k.Line)
		}
		v, err := c.node(vn, depth+1)
		if err != nil {
			return err
		}
		o.Set(k.Value, v)
	}
	return nil
}

// merge applies a "<<" merge key: members not already set are copied.
func (c *yamlConverter) merge(o *value.Object, n *yaml.Node, depth int) error {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	var sources []*yaml.Node
	switch n.Kind {
	case yaml.MappingNode:
		sources = []*yaml.Node{n}
	case yaml.SequenceNode:
		for _, s := range n.Content {
			for s.Kind == yaml.AliasNode && s.Alias != nil {
				s = s.Alias
			}
			if s.Kind != yaml.MappingNode {
				return fmt.Errorf("line %d: merge value must be a mapping", s.Line)
			}
			sources = append(sources, s)
		}
	default:
		return fmt.Errorf("line %d: merge value must be a mapping", n.Line)
	}
	for _, s := range sources {
		tmp := value.NewObject(len(s.Content) / 2)
		if err := c.mapping(tmp, s, depth+1); err != nil {
			return err
		}
		for i := 0; i < tmp.Len(); i++ {
			k, v := tmp.At(i)
			if !o.Has(k) {
				o.Set(k, v)
			}
		}
	}
	return nil
}

func scalar(n *yaml.Node) (any, error) {
	switch n.ShortTag() {
	case "!!null":
		return nil, nil
	case "!!bool":
		var b bool
		if err := n.Decode(&b); err != nil {
			return nil, err
		}
		return b, nil
	case "!!int":
		s := strings.ReplaceAll(n.Value, "_", "")
		if i, err := strconv.ParseInt(s, 0, 64); err == nil {
			return i, nil
		}
		var f float64
		if err := n.Decode(&f); err == nil && !math.IsInf(f, 0) {
			return f, nil
		}
		return nil, fmt.Errorf("line %d: integer %q out of range", n.Line, n.Value)
	case "!!float":
		var f float64
		if err := n.Decode(&f); err != nil {
			return nil, err
		}
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, fmt.Errorf("line %d: %q has no JSON representation", n.Line, n.Value)
		}
		return f, nil
	case "!!str", "!!binary", "!!timestamp":
		return n.Value, nil
	}
	// Unknown or custom tags (for example CloudFormation's !Sub): keep the
	// text, as a string.
	return n.Value, nil
}
