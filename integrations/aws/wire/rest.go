package wire

import (
	"encoding/base64"
	"fmt"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/stepwise/stepwise/asl/value"
	"github.com/stepwise/stepwise/integrations/aws/model"
)

var labelRE = regexp.MustCompile(`\{[^}]+\}`)

func sortStrings(s []string) { sort.Strings(s) }

// restRequest fills the HTTP binding of a restJson1 or restXml request.
func restRequest(svc *model.Service, op *model.Operation, shape *model.Shape, members []bound, req *Request) error {
	req.Method = op.Method
	path, rawQuery, _ := strings.Cut(op.URI, "?")
	query := url.Values{}
	var queryOrder []string
	if rawQuery != "" {
		for _, kv := range strings.Split(rawQuery, "&") {
			k, v, _ := strings.Cut(kv, "=")
			query.Add(k, v)
			queryOrder = append(queryOrder, k)
		}
	}
	labels := map[string]string{}
	var payload *bound
	hasBody := false
	for i := range members {
		b := &members[i]
		m := b.m
		sh := svc.Shape(m.Target)
		switch m.Location {
		case model.InLabel:
			s, err := scalarString(b.v, sh.Type, firstNonEmpty(m.TimestampFormat, sh.TimestampFormat), b.path)
			if err != nil {
				return err
			}
			if s == "" {
				return &ParamError{b.path, "must not be empty"}
			}
			labels[m.LocationName] = s
			if m.LocationName == "Bucket" && svc.Name == "s3" {
				req.Bucket = s
			}
		case model.InQuery:
			if sh.Type == "list" {
				a, ok := b.v.([]any)
				if !ok {
					return &ParamError{b.path, "expected an array, got " + kindName(b.v)}
				}
				esh := svc.Shape(sh.Member.Target)
				for _, e := range a {
					s, err := scalarString(e, esh.Type, firstNonEmpty(sh.Member.TimestampFormat, esh.TimestampFormat), b.path)
					if err != nil {
						return err
					}
					query.Add(m.LocationName, s)
				}
			} else {
				s, err := scalarString(b.v, sh.Type, firstNonEmpty(m.TimestampFormat, sh.TimestampFormat), b.path)
				if err != nil {
					return err
				}
				query.Set(m.LocationName, s)
			}
			queryOrder = append(queryOrder, m.LocationName)
		case model.InQueryMap:
			o, ok := b.v.(*value.Object)
			if !ok {
				return &ParamError{b.path, "expected an object, got " + kindName(b.v)}
			}
			for i := 0; i < o.Len(); i++ {
				k, e := o.At(i)
				if _, set := query[k]; set {
					continue
				}
				vals, ok := e.([]any)
				if !ok {
					vals = []any{e}
				}
				for _, x := range vals {
					s, err := scalarString(x, "string", "", b.path+"."+k)
					if err != nil {
						return err
					}
					query.Add(k, s)
				}
				queryOrder = append(queryOrder, k)
			}
		case model.InHeader:
			s, err := headerValue(svc, m, sh, b)
			if err != nil {
				return err
			}
			req.Header.Set(m.LocationName, s)
		case model.InPrefix:
			o, ok := b.v.(*value.Object)
			if !ok {
				return &ParamError{b.path, "expected an object, got " + kindName(b.v)}
			}
			for i := 0; i < o.Len(); i++ {
				k, e := o.At(i)
				s, err := scalarString(e, "string", "", b.path+"."+k)
				if err != nil {
					return err
				}
				req.Header.Set(m.LocationName+k, s)
			}
		case model.InPayload:
			payload = b
		default:
			hasBody = true
		}
	}
	var err error
	path = labelRE.ReplaceAllStringFunc(path, func(l string) string {
		name := strings.Trim(l, "{}")
		greedy := strings.HasSuffix(name, "+")
		name = strings.TrimSuffix(name, "+")
		s, ok := labels[name]
		if !ok {
			if err == nil {
				err = &ParamError{"$", fmt.Sprintf("the field %q is required", PublicName(name))}
			}
			return ""
		}
		if greedy {
			parts := strings.Split(s, "/")
			for i, p := range parts {
				parts[i] = escapePath(p)
			}
			return strings.Join(parts, "/")
		}
		return escapePath(s)
	})
	if err != nil {
		return err
	}
	req.Path = path
	req.RawQuery = encodeQuery(query, queryOrder)

	switch {
	case payload != nil:
		sh := svc.Shape(payload.m.Target)
		switch sh.Type {
		case "blob":
			s, ok := payload.v.(string)
			if !ok && !sh.Streaming {
				return &ParamError{payload.path, "expected a string, got " + kindName(payload.v)}
			}
			// A streaming payload is its text (S3's Body), or the JSON text
			// of any other value; any other blob payload is base64.
			if sh.Streaming {
				if !ok {
					s = value.EncodeString(payload.v)
				}
				req.Body = []byte(s)
			} else if b, e := base64.StdEncoding.DecodeString(s); e == nil {
				req.Body = b
			} else {
				req.Body = []byte(s)
			}
			if req.Header.Get("Content-Type") == "" {
				req.Header.Set("Content-Type", "application/octet-stream")
			}
		case "string":
			s, err := scalarString(payload.v, "string", "", payload.path)
			if err != nil {
				return err
			}
			req.Body = []byte(s)
			if req.Header.Get("Content-Type") == "" {
				req.Header.Set("Content-Type", "text/plain")
			}
		case "document":
			req.Body = value.Encode(payload.v)
			req.Header.Set("Content-Type", "application/json")
		default: // structure or union
			if svc.Protocol == model.RESTJSON1 {
				v, err := toJSON(svc, payload.m.Target, "", payload.v, payload.path, 0)
				if err != nil {
					return err
				}
				req.Body = value.Encode(v)
				req.Header.Set("Content-Type", "application/json")
			} else {
				name := firstNonEmpty(payload.m.XMLName, sh.XMLName, payload.m.Target)
				body, err := xmlDocument(svc, name, payload.m.Target, payload.v, payload.path)
				if err != nil {
					return err
				}
				req.Body = body
				req.Header.Set("Content-Type", "application/xml")
			}
		}
	case hasBody:
		if svc.Protocol == model.RESTJSON1 {
			body, err := jsonBody(svc, shape, members, true)
			if err != nil {
				return err
			}
			req.Body = body
			req.Header.Set("Content-Type", "application/json")
		} else {
			o := value.NewObject(len(members))
			for _, b := range members {
				if b.m.Location == model.InBody {
					o.Set(b.m.Name, b.v)
				}
			}
			name := firstNonEmpty(shape.XMLName, op.Input)
			body, err := xmlDocument(svc, name, op.Input, o, "$")
			if err != nil {
				return err
			}
			req.Body = body
			req.Header.Set("Content-Type", "application/xml")
		}
	}
	return nil
}

func headerValue(svc *model.Service, m *model.Member, sh *model.Shape, b *bound) (string, error) {
	switch sh.Type {
	case "list":
		a, ok := b.v.([]any)
		if !ok {
			return "", &ParamError{b.path, "expected an array, got " + kindName(b.v)}
		}
		esh := svc.Shape(sh.Member.Target)
		parts := make([]string, 0, len(a))
		for _, e := range a {
			s, err := scalarString(e, esh.Type, firstNonEmpty(esh.TimestampFormat, "http-date"), b.path)
			if err != nil {
				return "", err
			}
			if strings.ContainsAny(s, ",\"") {
				s = strconv.Quote(s)
			}
			parts = append(parts, s)
		}
		return strings.Join(parts, ", "), nil
	case "string":
		if sh.MediaType != "" { // a JSON value in a header is base64
			var raw string
			if s, ok := b.v.(string); ok {
				raw = s
			} else {
				raw = value.EncodeString(b.v)
			}
			return base64.StdEncoding.EncodeToString([]byte(raw)), nil
		}
	}
	return scalarString(b.v, sh.Type, firstNonEmpty(m.TimestampFormat, sh.TimestampFormat, "http-date"), b.path)
}

// escapePath escapes a URI label as the SDKs do (RFC 3986 unreserved
// characters are kept).
func escapePath(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~' {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// encodeQuery writes the query string in the order parameters were set.
func encodeQuery(q url.Values, order []string) string {
	var parts []string
	seen := map[string]bool{}
	for _, k := range order {
		if seen[k] {
			continue
		}
		seen[k] = true
		for _, v := range q[k] {
			if v == "" && !strings.Contains(k, "=") {
				parts = append(parts, escapePath(k))
				continue
			}
			parts = append(parts, escapePath(k)+"="+escapePath(v))
		}
	}
	return strings.Join(parts, "&")
}

// restOutput reads the HTTP-bound members of a rest response (headers,
// status, payload) into o, and returns the body document's members.
func restOutput(svc *model.Service, shape *model.Shape, resp *Response, o *value.Object) (bodyDone bool, streamed string, err error) {
	for i := range shape.Members {
		m := &shape.Members[i]
		sh := svc.Shape(m.Target)
		if sh == nil {
			continue
		}
		switch m.Location {
		case model.InHeader:
			h := resp.Header.Values(m.LocationName)
			if len(h) == 0 {
				continue
			}
			if v, ok := headerOutput(svc, m, sh, h); ok {
				o.Set(PublicName(m.Name), v)
			}
		case model.InPrefix:
			mo := value.NewObject(0)
			prefix := strings.ToLower(m.LocationName)
			var keys []string
			for k := range resp.Header {
				if strings.HasPrefix(strings.ToLower(k), prefix) {
					keys = append(keys, k)
				}
			}
			sort.Strings(keys)
			for _, k := range keys {
				mo.Append(strings.ToLower(k[len(prefix):]), resp.Header.Get(k))
			}
			o.Set(PublicName(m.Name), mo) // an empty map too, as the SDK for Java 2.x has it
		case model.InStatus:
			o.Set(PublicName(m.Name), int64(resp.Status))
		case model.InPayload:
			bodyDone = true
			switch sh.Type {
			case "blob", "string":
				// Step Functions returns payloads as text (S3 GetObject's Body).
				o.Set(PublicName(m.Name), string(resp.Body))
				if sh.Streaming {
					streamed = PublicName(m.Name)
				}
			case "document":
				if len(resp.Body) == 0 {
					continue
				}
				v, err := value.Decode(resp.Body)
				if err != nil {
					return true, "", fmt.Errorf("decoding the %s payload: %w", m.Name, err)
				}
				o.Set(PublicName(m.Name), v)
			default:
				if len(strings.TrimSpace(string(resp.Body))) == 0 {
					continue
				}
				var v any
				var ok bool
				if svc.Protocol == model.RESTJSON1 {
					doc, err := value.Decode(resp.Body)
					if err != nil {
						return true, "", fmt.Errorf("decoding the response: %w", err)
					}
					v, ok = fromJSON(svc, m.Target, doc, 0)
				} else {
					root, err := parseXML(resp.Body)
					if err != nil {
						return true, "", err
					}
					v, ok = fromXML(svc, m.Target, root, 0)
				}
				if ok {
					o.Set(PublicName(m.Name), v)
				}
			}
		}
	}
	return bodyDone, streamed, nil
}

func headerOutput(svc *model.Service, m *model.Member, sh *model.Shape, h []string) (any, bool) {
	if sh.Type == "list" {
		esh := svc.Shape(sh.Member.Target)
		var out []any
		for _, line := range h {
			for _, p := range splitHeaderList(line, esh.Type == "timestamp") {
				if v, ok := textValue(esh, p, "http-date"); ok {
					out = append(out, v)
				}
			}
		}
		return out, true
	}
	if sh.Type == "string" && sh.MediaType != "" {
		if b, err := base64.StdEncoding.DecodeString(h[0]); err == nil {
			if v, err := value.Decode(b); err == nil {
				return v, true
			}
			return string(b), true
		}
	}
	return textValue(sh, h[0], "http-date")
}

func splitHeaderList(s string, dates bool) []string {
	if dates { // http-dates contain a comma: split after every second one
		parts := strings.Split(s, ",")
		var out []string
		for i := 0; i+1 < len(parts); i += 2 {
			out = append(out, strings.TrimSpace(parts[i]+","+parts[i+1]))
		}
		return out
	}
	var out []string
	for _, p := range strings.Split(s, ",") {
		p = strings.TrimSpace(p)
		if uq, err := strconv.Unquote(p); err == nil {
			p = uq
		}
		out = append(out, p)
	}
	return out
}

// textValue converts the text of a header, XML element or query value.
func textValue(sh *model.Shape, s, defaultTS string) (any, bool) {
	switch sh.Type {
	case "boolean":
		b, err := strconv.ParseBool(strings.TrimSpace(s))
		return b, err == nil
	case "byte", "short", "integer", "long":
		n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		return n, err == nil
	case "float", "double":
		f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil {
			return s, true
		}
		return f, true
	case "bigInteger", "bigDecimal":
		if v, err := value.DecodeString(strings.TrimSpace(s)); err == nil && value.IsNumber(v) {
			return v, true
		}
		return s, true
	case "timestamp":
		if t, ok := wireTime(s); ok {
			return FormatInstant(t), true
		}
		return s, true
	}
	return s, true
}
