package wire

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/stepwise/stepwise/asl/value"
	"github.com/stepwise/stepwise/integrations/aws/model"
)

// node is an element of an XML document.
type node struct {
	name     string // local name
	attrs    map[string]string
	children []*node
	text     string
}

func (n *node) child(name string) *node {
	for _, c := range n.children {
		if c.name == name {
			return c
		}
	}
	return nil
}

func (n *node) all(name string) []*node {
	var out []*node
	for _, c := range n.children {
		if c.name == name {
			out = append(out, c)
		}
	}
	return out
}

// parseXML reads an XML document into its root element.
func parseXML(b []byte) (*node, error) {
	dec := xml.NewDecoder(bytes.NewReader(b))
	var stack []*node
	var root *node
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("decoding the XML response: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if len(stack) > maxDepth {
				return nil, fmt.Errorf("decoding the XML response: nested too deeply")
			}
			n := &node{name: t.Name.Local}
			for _, a := range t.Attr {
				if n.attrs == nil {
					n.attrs = map[string]string{}
				}
				n.attrs[a.Name.Local] = a.Value
			}
			if len(stack) > 0 {
				p := stack[len(stack)-1]
				p.children = append(p.children, n)
			} else if root == nil {
				root = n
			}
			stack = append(stack, n)
		case xml.EndElement:
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].text += string(t)
			}
		}
	}
	if root == nil {
		return nil, fmt.Errorf("decoding the XML response: no root element")
	}
	return root, nil
}

// xmlMemberName is the element name of a structure member.
func xmlMemberName(m *model.Member) string { return firstNonEmpty(m.XMLName, m.Name) }

// fromXML converts the element n of a response into Step Functions' form.
func fromXML(svc *model.Service, target string, n *node, depth int) (any, bool) {
	if n == nil || depth > maxDepth {
		return nil, false
	}
	sh := svc.Shape(target)
	if sh == nil {
		return strings.TrimSpace(n.text), true
	}
	switch sh.Type {
	case "structure", "union":
		out := value.NewObject(len(sh.Members))
		for i := range sh.Members {
			m := &sh.Members[i]
			if m.Location != model.InBody {
				continue
			}
			name := xmlMemberName(m)
			if m.Attribute {
				if a, ok := n.attrs[name]; ok {
					if v, ok := textValue(svc.Shape(m.Target), a, "date-time"); ok {
						out.Set(PublicName(m.Name), v)
					}
				}
				continue
			}
			msh := svc.Shape(m.Target)
			if msh != nil && m.Flattened && (msh.Type == "list" || msh.Type == "map") {
				els := n.all(name)
				if len(els) == 0 {
					continue
				}
				if msh.Type == "list" {
					a := make([]any, 0, len(els))
					for _, e := range els {
						v, _ := fromXML(svc, msh.Member.Target, e, depth+1)
						a = append(a, v)
					}
					out.Set(PublicName(m.Name), a)
				} else {
					out.Set(PublicName(m.Name), xmlMapEntries(svc, msh, els, depth))
				}
				continue
			}
			c := n.child(name)
			if c == nil {
				continue
			}
			if v, ok := fromXML(svc, m.Target, c, depth+1); ok {
				out.Set(PublicName(m.Name), v)
			}
		}
		return sortObject(out), true
	case "list":
		name := firstNonEmpty(sh.Member.XMLName, "member")
		els := n.all(name)
		a := make([]any, 0, len(els))
		for _, e := range els {
			v, _ := fromXML(svc, sh.Member.Target, e, depth+1)
			a = append(a, v)
		}
		return a, true
	case "map":
		return xmlMapEntries(svc, sh, n.all("entry"), depth), true
	case "blob":
		return strings.TrimSpace(n.text), true
	}
	return textValue(sh, n.text, "date-time")
}

func xmlMapEntries(svc *model.Service, sh *model.Shape, entries []*node, depth int) *value.Object {
	kn, vn := firstNonEmpty(sh.Key.XMLName, "key"), firstNonEmpty(sh.Value.XMLName, "value")
	out := value.NewObject(len(entries))
	for _, e := range entries {
		k := e.child(kn)
		if k == nil {
			continue
		}
		v, _ := fromXML(svc, sh.Value.Target, e.child(vn), depth+1)
		out.Set(k.text, v)
	}
	return sortObject(out)
}

// xmlDocument writes a restXml request document with the given root.
func xmlDocument(svc *model.Service, root, target string, v any, path string) ([]byte, error) {
	var b bytes.Buffer
	ns := svc.XMLNamespace
	if sh := svc.Shape(target); sh != nil && sh.XMLNamespace != "" {
		ns = sh.XMLNamespace
	}
	if err := writeXML(&b, svc, root, ns, target, v, path, 0); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func writeXML(b *bytes.Buffer, svc *model.Service, name, ns, target string, v any, path string, depth int) error {
	if depth > maxDepth {
		return &ParamError{path, "the value is nested too deeply"}
	}
	sh := svc.Shape(target)
	if sh == nil {
		return fmt.Errorf("%s: the model has no shape %s", path, target)
	}
	open := func(attrs string) {
		b.WriteString("<" + name)
		if ns != "" {
			if p, uri, ok := strings.Cut(ns, "="); ok && !strings.Contains(p, ":") && !strings.Contains(p, "/") {
				b.WriteString(` xmlns:` + p + `="`)
				xml.EscapeText(b, []byte(uri))
			} else {
				b.WriteString(` xmlns="`)
				xml.EscapeText(b, []byte(ns))
			}
			b.WriteString(`"`)
		}
		b.WriteString(attrs + ">")
	}
	closeTag := func() { b.WriteString("</" + name + ">") }
	switch sh.Type {
	case "structure", "union":
		o, ok := v.(*value.Object)
		if !ok {
			return &ParamError{path, "expected an object, got " + kindName(v)}
		}
		members, err := bind(sh, o, path)
		if err != nil {
			return err
		}
		var attrs strings.Builder
		for _, m := range members {
			if m.m.Attribute {
				s, err := scalarString(m.v, svc.Shape(m.m.Target).Type, m.m.TimestampFormat, m.path)
				if err != nil {
					return err
				}
				attrs.WriteString(" " + xmlMemberName(m.m) + `="`)
				xml.EscapeText(&attrs, []byte(s))
				attrs.WriteString(`"`)
			}
		}
		open(attrs.String())
		for _, m := range members {
			if m.m.Attribute {
				continue
			}
			msh := svc.Shape(m.m.Target)
			if m.m.Flattened && msh != nil && msh.Type == "list" {
				a, ok := m.v.([]any)
				if !ok {
					return &ParamError{m.path, "expected an array, got " + kindName(m.v)}
				}
				for i, e := range a {
					if err := writeXML(b, svc, xmlMemberName(m.m), m.m.XMLNamespace, msh.Member.Target, e, m.path+"["+strconv.Itoa(i)+"]", depth+1); err != nil {
						return err
					}
				}
				continue
			}
			if err := writeXML(b, svc, xmlMemberName(m.m), m.m.XMLNamespace, m.m.Target, m.v, m.path, depth+1); err != nil {
				return err
			}
		}
		closeTag()
	case "list":
		a, ok := v.([]any)
		if !ok {
			return &ParamError{path, "expected an array, got " + kindName(v)}
		}
		open("")
		for i, e := range a {
			if err := writeXML(b, svc, firstNonEmpty(sh.Member.XMLName, "member"), sh.Member.XMLNamespace, sh.Member.Target, e, path+"["+strconv.Itoa(i)+"]", depth+1); err != nil {
				return err
			}
		}
		closeTag()
	case "map":
		o, ok := v.(*value.Object)
		if !ok {
			return &ParamError{path, "expected an object, got " + kindName(v)}
		}
		open("")
		for i := 0; i < o.Len(); i++ {
			k, e := o.At(i)
			b.WriteString("<entry>")
			if err := writeXML(b, svc, firstNonEmpty(sh.Key.XMLName, "key"), "", sh.Key.Target, k, path, depth+1); err != nil {
				return err
			}
			if err := writeXML(b, svc, firstNonEmpty(sh.Value.XMLName, "value"), "", sh.Value.Target, e, path+"."+k, depth+1); err != nil {
				return err
			}
			b.WriteString("</entry>")
		}
		closeTag()
	default:
		s, err := scalarString(v, sh.Type, firstNonEmpty(sh.TimestampFormat, "date-time"), path)
		if err != nil {
			return err
		}
		open("")
		xml.EscapeText(b, []byte(s))
		closeTag()
	}
	return nil
}
