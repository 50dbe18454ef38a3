package wire

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/stepwise/stepwise/asl/value"
	"github.com/stepwise/stepwise/integrations/aws/model"
)

// queryBody writes an awsQuery or ec2Query request body:
// Action=Op&Version=V&Name.member.1=...
func queryBody(svc *model.Service, opName string, shape *model.Shape, members []bound) ([]byte, error) {
	var parts []string
	add := func(k, v string) { parts = append(parts, url.QueryEscape(k)+"="+url.QueryEscape(v)) }
	add("Action", opName)
	add("Version", svc.Version)
	ec2 := svc.Protocol == model.EC2Query
	for _, b := range members {
		if err := queryValue(svc, ec2, queryName(b.m, ec2), b.m, b.v, b.path, add, 0); err != nil {
			return nil, err
		}
	}
	return []byte(strings.Join(parts, "&")), nil
}

func queryName(m *model.Member, ec2 bool) string {
	if ec2 {
		if m.QueryName != "" {
			return m.QueryName
		}
		return upperFirst(firstNonEmpty(m.XMLName, m.Name))
	}
	return firstNonEmpty(m.XMLName, m.Name)
}

func queryValue(svc *model.Service, ec2 bool, prefix string, m *model.Member, v any, path string, add func(k, v string), depth int) error {
	if depth > maxDepth {
		return &ParamError{path, "the value is nested too deeply"}
	}
	sh := svc.Shape(m.Target)
	if sh == nil {
		return &ParamError{path, "unknown shape " + m.Target}
	}
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
		for _, b := range members {
			if err := queryValue(svc, ec2, prefix+"."+queryName(b.m, ec2), b.m, b.v, b.path, add, depth+1); err != nil {
				return err
			}
		}
	case "list":
		a, ok := v.([]any)
		if !ok {
			return &ParamError{path, "expected an array, got " + kindName(v)}
		}
		if len(a) == 0 && !ec2 {
			add(prefix, "")
			return nil
		}
		base := prefix
		if !ec2 && !m.Flattened {
			base = prefix + "." + firstNonEmpty(sh.Member.XMLName, "member")
		}
		for i, e := range a {
			if err := queryValue(svc, ec2, base+"."+strconv.Itoa(i+1), sh.Member, e, path+"["+strconv.Itoa(i)+"]", add, depth+1); err != nil {
				return err
			}
		}
	case "map":
		o, ok := v.(*value.Object)
		if !ok {
			return &ParamError{path, "expected an object, got " + kindName(v)}
		}
		base := prefix
		if !m.Flattened {
			base = prefix + ".entry"
		}
		for i := 0; i < o.Len(); i++ {
			k, e := o.At(i)
			n := base + "." + strconv.Itoa(i+1)
			add(n+"."+firstNonEmpty(sh.Key.XMLName, "key"), k)
			if err := queryValue(svc, ec2, n+"."+firstNonEmpty(sh.Value.XMLName, "value"), sh.Value, e, path+"."+k, add, depth+1); err != nil {
				return err
			}
		}
	default:
		s, err := scalarString(v, sh.Type, firstNonEmpty(m.TimestampFormat, sh.TimestampFormat, "date-time"), path)
		if err != nil {
			return err
		}
		add(prefix, s)
	}
	return nil
}
