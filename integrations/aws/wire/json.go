package wire

import (
	"encoding/base64"
	"fmt"
	"strconv"

	"github.com/stepwise/stepwise/asl/value"
	"github.com/stepwise/stepwise/integrations/aws/model"
)

// jsonBody writes the body members of a structure as a JSON document.
// restJson1 names members by their jsonName.
func jsonBody(svc *model.Service, shape *model.Shape, members []bound, bodyOnly bool) ([]byte, error) {
	o := value.NewObject(len(members))
	for _, b := range members {
		if bodyOnly && b.m.Location != model.InBody {
			continue
		}
		v, err := toJSON(svc, b.m.Target, b.m.TimestampFormat, b.v, b.path, 0)
		if err != nil {
			return nil, err
		}
		o.Set(jsonKey(svc, b.m), v)
	}
	return value.Encode(o), nil
}

func jsonKey(svc *model.Service, m *model.Member) string {
	if svc.Protocol == model.RESTJSON1 && m.JSONName != "" {
		return m.JSONName
	}
	return m.Name
}

// toJSON converts a parameter value to the JSON the service reads.
func toJSON(svc *model.Service, target, tsFormat string, v any, path string, depth int) (any, error) {
	if depth > maxDepth {
		return nil, &ParamError{path, "the value is nested too deeply"}
	}
	sh := svc.Shape(target)
	if sh == nil {
		return nil, fmt.Errorf("%s: the model has no shape %s", path, target)
	}
	switch sh.Type {
	case "structure", "union":
		o, ok := v.(*value.Object)
		if !ok {
			return nil, &ParamError{path, "expected an object, got " + kindName(v)}
		}
		members, err := bind(sh, o, path)
		if err != nil {
			return nil, err
		}
		out := value.NewObject(len(members))
		for _, b := range members {
			mv, err := toJSON(svc, b.m.Target, b.m.TimestampFormat, b.v, b.path, depth+1)
			if err != nil {
				return nil, err
			}
			out.Set(jsonKey(svc, b.m), mv)
		}
		return out, nil
	case "list":
		a, ok := v.([]any)
		if !ok {
			return nil, &ParamError{path, "expected an array, got " + kindName(v)}
		}
		out := make([]any, len(a))
		for i, e := range a {
			if e == nil {
				continue
			}
			ev, err := toJSON(svc, sh.Member.Target, sh.Member.TimestampFormat, e, path+"["+strconv.Itoa(i)+"]", depth+1)
			if err != nil {
				return nil, err
			}
			out[i] = ev
		}
		return out, nil
	case "map":
		o, ok := v.(*value.Object)
		if !ok {
			return nil, &ParamError{path, "expected an object, got " + kindName(v)}
		}
		out := value.NewObject(o.Len())
		for i := 0; i < o.Len(); i++ {
			k, e := o.At(i)
			if e == nil {
				out.Append(k, nil)
				continue
			}
			ev, err := toJSON(svc, sh.Value.Target, sh.Value.TimestampFormat, e, path+"."+k, depth+1)
			if err != nil {
				return nil, err
			}
			out.Append(k, ev)
		}
		return out, nil
	case "document":
		return v, nil
	case "timestamp":
		t, err := parseTime(v, path)
		if err != nil {
			return nil, err
		}
		f := firstNonEmpty(tsFormat, sh.TimestampFormat, "epoch-seconds")
		return formatTime(t, f), nil
	case "blob":
		s, ok := v.(string)
		if !ok {
			return nil, &ParamError{path, "expected a base64 string, got " + kindName(v)}
		}
		if _, err := base64.StdEncoding.DecodeString(s); err != nil {
			return nil, &ParamError{path, "invalid base64: " + err.Error()}
		}
		return s, nil
	case "boolean":
		b, ok := v.(bool)
		if !ok {
			return nil, &ParamError{path, "expected a boolean, got " + kindName(v)}
		}
		return b, nil
	case "byte", "short", "integer", "long":
		return toInt(v, path)
	case "float", "double":
		if s, ok := v.(string); ok && (s == "NaN" || s == "Infinity" || s == "-Infinity") {
			return s, nil
		}
		if _, err := toFloat(v, path); err != nil {
			return nil, err
		}
		if s, ok := v.(string); ok {
			f, _ := strconv.ParseFloat(s, 64)
			return f, nil
		}
		return v, nil
	case "bigInteger", "bigDecimal":
		if _, err := toFloat(v, path); err != nil {
			return nil, err
		}
		return v, nil
	}
	// string
	return scalarString(v, "string", "", path)
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

// fromJSON converts a JSON value of a response into Step Functions' form.
// It reports false for a value to leave out.
func fromJSON(svc *model.Service, target string, v any, depth int) (any, bool) {
	if v == nil || depth > maxDepth {
		return nil, false
	}
	sh := svc.Shape(target)
	if sh == nil {
		return v, true
	}
	switch sh.Type {
	case "structure", "union":
		o, ok := v.(*value.Object)
		if !ok {
			return nil, false
		}
		out := value.NewObject(o.Len())
		for i := range sh.Members {
			m := &sh.Members[i]
			if m.Location != model.InBody {
				continue
			}
			mv, ok := o.Get(jsonKey(svc, m))
			if !ok {
				continue
			}
			if cv, ok := fromJSON(svc, m.Target, mv, depth+1); ok {
				out.Set(PublicName(m.Name), cv)
			}
		}
		return sortObject(out), true
	case "list":
		a, ok := v.([]any)
		if !ok {
			return nil, false
		}
		out := make([]any, len(a))
		for i, e := range a {
			out[i], _ = fromJSON(svc, sh.Member.Target, e, depth+1)
		}
		return out, true
	case "map":
		o, ok := v.(*value.Object)
		if !ok {
			return nil, false
		}
		keys := append([]string(nil), o.Keys()...)
		sortStrings(keys)
		out := value.NewObject(len(keys))
		for _, k := range keys {
			e, _ := o.Get(k)
			cv, _ := fromJSON(svc, sh.Value.Target, e, depth+1)
			out.Append(k, cv)
		}
		return out, true
	case "timestamp":
		if t, ok := wireTime(v); ok {
			return FormatInstant(t), true
		}
		return v, true
	case "float", "double":
		if n, ok := v.(int64); ok {
			return float64(n), true
		}
		return v, true
	case "byte", "short", "integer", "long":
		if f, ok := v.(float64); ok {
			return normalizeNumber(f), true
		}
		return v, true
	}
	return v, true
}
