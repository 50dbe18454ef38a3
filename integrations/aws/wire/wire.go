// Package wire speaks the five AWS wire protocols (awsJson1_0, awsJson1_1,
// restJson1, restXml, awsQuery/ec2Query) from the generated service models
// of package model. It turns a Step Functions parameter object into an
// HTTP request, and an HTTP response into a Step Functions result or an
// APIError, following Step Functions' aws-sdk naming rules:
//
//   - members are written in PascalCase (the model's member name with its
//     first letter in upper case), in and out, and results list them
//     sorted by name;
//   - blobs are base64 strings, except streaming payloads (S3's Body),
//     which are the payload's text;
//   - timestamps are written as Java's Instant.toString does
//     (2024-01-02T03:04:05Z, 2024-01-02T03:04:05.120Z) and read as ISO-8601
//     text or epoch seconds.
//
// Signing and sending are left to the caller.
package wire

import (
	"crypto/rand"
	"fmt"
	"math"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/stepwise/stepwise/asl/value"
	"github.com/stepwise/stepwise/integrations/aws/model"
)

// maxDepth bounds nesting so hostile input cannot exhaust the stack.
const maxDepth = 200

// ParamError reports a parameter that does not fit the operation's input.
type ParamError struct {
	Path string // where, as a JSON path such as $.Item.id
	Msg  string
}

func (e *ParamError) Error() string { return e.Path + ": " + e.Msg }

// Request is an unsigned HTTP request for one operation.
type Request struct {
	Method string
	// Path is the escaped path, RawQuery the encoded query string.
	Path     string
	RawQuery string
	Header   http.Header
	Body     []byte
	// HostPrefix goes before the endpoint's host ("data-"), already
	// expanded with its labels.
	HostPrefix string
	// Bucket is S3's bucket label, for virtual-hosted addressing.
	Bucket string
	// ChecksumRequired asks for a Content-MD5 header (S3's DeleteObjects,
	// PutBucketLifecycleConfiguration, ...).
	ChecksumRequired bool
}

// Response is what came back for one operation.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// APIError is an error response of a service.
type APIError struct {
	Code      string // the service's error code: ConditionalCheckFailedException
	Message   string
	Status    int
	RequestID string
	// Shape is the modeled error shape the code names, "" when the
	// operation's service does not model it.
	Shape string
}

func (e *APIError) Error() string {
	return fmt.Sprintf("%s: %s (status %d, request %s)", e.Code, e.Message, e.Status, e.RequestID)
}

// Build returns the request of operation opName of svc with the given
// parameters (an object, or nil for none).
func Build(svc *model.Service, opName string, params any) (*Request, error) {
	if err := svc.Load(); err != nil {
		return nil, err
	}
	op, ok := svc.Operation(opName)
	if !ok {
		return nil, fmt.Errorf("%s has no operation %s", svc.Name, opName)
	}
	in := value.NewObject(0)
	if params != nil {
		o, ok := params.(*value.Object)
		if !ok {
			return nil, &ParamError{"$", "expected an object, got " + kindName(params)}
		}
		in = o
	}
	var shape *model.Shape
	if op.Input != "" {
		shape = svc.Shape(op.Input)
	}
	if shape == nil {
		if in.Len() > 0 {
			k, _ := in.At(0)
			return nil, &ParamError{"$", fmt.Sprintf("the field %q is not supported by Step Functions", k)}
		}
		shape = &model.Shape{Type: "structure"}
	}
	members, err := bind(shape, in, "$")
	if err != nil {
		return nil, err
	}
	members = fillTokens(shape, members)
	req := &Request{Method: "POST", Path: "/", Header: http.Header{}, ChecksumRequired: op.ChecksumRequired}
	switch svc.Protocol {
	case model.AWSJSON10, model.AWSJSON11:
		body, err := jsonBody(svc, shape, members, false)
		if err != nil {
			return nil, err
		}
		req.Body = body
		req.Header.Set("Content-Type", "application/x-amz-json-"+strings.TrimPrefix(strings.ReplaceAll(svc.Protocol, "_", "."), "awsJson"))
		req.Header.Set("X-Amz-Target", svc.TargetPrefix+"."+opName)
	case model.AWSQuery, model.EC2Query:
		body, err := queryBody(svc, opName, shape, members)
		if err != nil {
			return nil, err
		}
		req.Body = body
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	case model.RESTJSON1, model.RESTXML:
		if err := restRequest(svc, op, shape, members, req); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("%s: protocol %q is not supported", svc.Name, svc.Protocol)
	}
	if op.HostPrefix != "" {
		p, err := expandHostPrefix(op.HostPrefix, shape, members)
		if err != nil {
			return nil, err
		}
		req.HostPrefix = p
	}
	return req, nil
}

// bound is a parameter matched to its member.
type bound struct {
	m    *model.Member
	v    any
	path string
}

// bind matches the members of a parameter object to the shape's members:
// by their public name (PublicName), else by that name ignoring case
// (Step Functions writes restJson's camelCase members in PascalCase).
func bind(shape *model.Shape, o *value.Object, path string) ([]bound, error) {
	out := make([]bound, 0, o.Len())
	for i := 0; i < o.Len(); i++ {
		k, v := o.At(i)
		m := findMember(shape, k)
		if m == nil {
			return nil, &ParamError{path, fmt.Sprintf("the field %q is not supported by Step Functions", k)}
		}
		if v == nil {
			continue
		}
		out = append(out, bound{m, v, path + "." + k})
	}
	return out, nil
}

func findMember(shape *model.Shape, name string) *model.Member {
	for i := range shape.Members {
		if PublicName(shape.Members[i].Name) == name {
			return &shape.Members[i]
		}
	}
	for i := range shape.Members {
		if strings.EqualFold(PublicName(shape.Members[i].Name), name) {
			return &shape.Members[i]
		}
	}
	return nil
}

// fillTokens gives idempotency-token members that were not set a fresh
// UUID, as the SDKs do.
func fillTokens(shape *model.Shape, members []bound) []bound {
	for i := range shape.Members {
		m := &shape.Members[i]
		if !m.IdempotencyToken {
			continue
		}
		set := false
		for _, b := range members {
			if b.m == m {
				set = true
			}
		}
		if !set {
			members = append(members, bound{m, newUUID(), "$." + m.Name})
		}
	}
	return members
}

func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

func expandHostPrefix(p string, shape *model.Shape, members []bound) (string, error) {
	var err error
	out := labelRE.ReplaceAllStringFunc(p, func(l string) string {
		name := strings.Trim(l, "{}")
		for _, b := range members {
			if b.m.Name == name {
				s, e := scalarString(b.v, "string", "", b.path)
				if e != nil {
					err = e
				}
				return s
			}
		}
		err = &ParamError{"$", fmt.Sprintf("the field %q is required", name)}
		return ""
	})
	return out, err
}

// PublicName is a member's name in Step Functions' JSON: the model's name
// with its first letter in upper case, and a member named Equals is
// EqualsValue (Step Functions' documented rule: the SDK for Java 2.x
// renames it, as it would clash with Object.equals; CloudTrail's and
// GuardDuty's models have one).
func PublicName(name string) string {
	p := upperFirst(name)
	if p == "Equals" {
		return "EqualsValue"
	}
	return p
}

// upperFirst returns name with its first letter in upper case.
func upperFirst(name string) string {
	if name == "" || name[0] < 'a' || name[0] > 'z' {
		return name
	}
	return string(name[0]-'a'+'A') + name[1:]
}

// sortObject returns o with its members sorted by name.
func sortObject(o *value.Object) *value.Object {
	keys := append([]string(nil), o.Keys()...)
	sort.Strings(keys)
	out := value.NewObject(len(keys))
	for _, k := range keys {
		v, _ := o.Get(k)
		out.Append(k, v)
	}
	return out
}

// FormatInstant writes t in UTC the way Java's Instant.toString does: no
// fraction when it is zero, else 3, 6 or 9 fractional digits.
func FormatInstant(t time.Time) string {
	t = t.UTC()
	s := t.Format("2006-01-02T15:04:05")
	ns := t.Nanosecond()
	switch {
	case ns == 0:
	case ns%1_000_000 == 0:
		s += fmt.Sprintf(".%03d", ns/1_000_000)
	case ns%1_000 == 0:
		s += fmt.Sprintf(".%06d", ns/1_000)
	default:
		s += fmt.Sprintf(".%09d", ns)
	}
	return s + "Z"
}

// parseTime reads a timestamp parameter: ISO-8601 text or epoch seconds.
func parseTime(v any, path string) (time.Time, error) {
	switch x := v.(type) {
	case string:
		for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", time.RFC1123, "2006-01-02"} {
			if t, err := time.Parse(layout, x); err == nil {
				return t, nil
			}
		}
		if f, err := strconv.ParseFloat(x, 64); err == nil {
			return parseTime(f, path)
		}
		return time.Time{}, &ParamError{path, fmt.Sprintf("invalid timestamp %q", x)}
	case int64:
		return time.Unix(x, 0).UTC(), nil
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) || math.Abs(x) > 1e15 {
			return time.Time{}, &ParamError{path, fmt.Sprintf("invalid timestamp %v", x)}
		}
		return time.UnixMilli(int64(math.Round(x * 1000))).UTC(), nil
	}
	return time.Time{}, &ParamError{path, "expected a timestamp, got " + kindName(v)}
}

// wireTime reads a timestamp of a response: epoch seconds (a number or
// its text), ISO-8601 or HTTP date.
func wireTime(v any) (time.Time, bool) {
	switch x := v.(type) {
	case int64:
		return time.Unix(x, 0).UTC(), true
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) || math.Abs(x) > 1e15 {
			return time.Time{}, false
		}
		return time.UnixMilli(int64(math.Round(x * 1000))).UTC(), true
	case string:
		x = strings.TrimSpace(x)
		for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", http.TimeFormat, time.RFC1123, time.RFC1123Z, "2006-01-02"} {
			if t, err := time.Parse(layout, x); err == nil {
				return t.UTC(), true
			}
		}
		if f, err := strconv.ParseFloat(x, 64); err == nil {
			return wireTime(f)
		}
	}
	return time.Time{}, false
}

// formatTime writes a timestamp for the wire in the given format.
func formatTime(t time.Time, format string) any {
	t = t.UTC()
	switch format {
	case "epoch-seconds":
		if t.Nanosecond() == 0 {
			return t.Unix()
		}
		return float64(t.UnixMilli()) / 1000
	case "http-date":
		return t.Format(http.TimeFormat)
	}
	if t.Nanosecond() == 0 {
		return t.Format("2006-01-02T15:04:05Z")
	}
	return t.Format("2006-01-02T15:04:05.000Z")
}

func toInt(v any, path string) (int64, error) {
	switch x := v.(type) {
	case int64:
		return x, nil
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1<<63 {
			return int64(x), nil
		}
		return 0, &ParamError{path, fmt.Sprintf("expected an integer, got %v", x)}
	case string:
		n, err := strconv.ParseInt(x, 10, 64)
		if err != nil {
			return 0, &ParamError{path, fmt.Sprintf("expected an integer, got %q", x)}
		}
		return n, nil
	}
	return 0, &ParamError{path, "expected an integer, got " + kindName(v)}
}

func toFloat(v any, path string) (float64, error) {
	if f, ok := value.ToFloat(v); ok {
		return f, nil
	}
	if s, ok := v.(string); ok {
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			return f, nil
		}
	}
	return 0, &ParamError{path, "expected a number, got " + kindName(v)}
}

func kindName(v any) string {
	switch value.KindOf(v) {
	case value.Null:
		return "null"
	case value.Bool:
		return "a boolean"
	case value.String:
		return "a string"
	case value.Number:
		return "a number"
	case value.ObjectKind:
		return "an object"
	case value.Array:
		return "an array"
	}
	return fmt.Sprintf("%T", v)
}

// scalarString writes a simple value as text (headers, query strings,
// labels, awsQuery and XML).
func scalarString(v any, typ, tsFormat, path string) (string, error) {
	switch typ {
	case "timestamp":
		t, err := parseTime(v, path)
		if err != nil {
			return "", err
		}
		if tsFormat == "" {
			tsFormat = "date-time"
		}
		return fmt.Sprint(formatTime(t, tsFormat)), nil
	case "boolean":
		b, ok := v.(bool)
		if !ok {
			if s, isStr := v.(string); isStr && (s == "true" || s == "false") {
				return s, nil
			}
			return "", &ParamError{path, "expected a boolean, got " + kindName(v)}
		}
		return strconv.FormatBool(b), nil
	case "byte", "short", "integer", "long":
		n, err := toInt(v, path)
		if err != nil {
			return "", err
		}
		return strconv.FormatInt(n, 10), nil
	case "float", "double", "bigDecimal", "bigInteger":
		if s, ok := v.(string); ok {
			return s, nil
		}
		f, err := toFloat(v, path)
		if err != nil {
			return "", err
		}
		return string(value.Encode(normalizeNumber(f))), nil
	case "blob":
		s, ok := v.(string)
		if !ok {
			return "", &ParamError{path, "expected a base64 string, got " + kindName(v)}
		}
		return s, nil
	}
	switch x := v.(type) {
	case string:
		return x, nil
	case bool, int64, float64:
		return value.EncodeString(x), nil
	}
	return "", &ParamError{path, "expected a string, got " + kindName(v)}
}

func normalizeNumber(f float64) any {
	if f == math.Trunc(f) && math.Abs(f) < 1<<53 {
		return int64(f)
	}
	return f
}
