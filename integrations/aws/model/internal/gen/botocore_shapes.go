package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/stepwise/stepwise/integrations/aws/model"
)

// boConverter converts a botocore model's operations and the shapes they
// reach.
type boConverter struct {
	shapes map[string]*boShape
	svc    *model.Service
	json   bool // a JSON protocol: a body member's locationName is its jsonName
}

func (c *boConverter) operation(name string, o *boOperation) error {
	op := &model.Operation{}
	if strings.HasPrefix(c.svc.Protocol, "rest") { // the RPC protocols have no HTTP binding
		op.Method, op.URI = o.HTTP.Method, o.HTTP.RequestURI
		if o.HTTP.ResponseCode != 200 {
			op.Code = o.HTTP.ResponseCode
		}
	}
	op.ChecksumRequired = o.ChecksumRequired || o.Checksum != nil && o.Checksum.Required
	if o.Endpoint != nil {
		op.HostPrefix = o.Endpoint.HostPrefix
	}
	var err error
	if o.Input != nil {
		if op.Input, err = c.shape(o.Input.Shape); err != nil {
			return err
		}
	}
	if o.Output != nil {
		if op.Output, err = c.shape(o.Output.Shape); err != nil {
			return err
		}
	}
	for _, e := range o.Errors {
		n, err := c.shape(e.Shape)
		if err != nil {
			return err
		}
		op.Errors = append(op.Errors, n)
	}
	c.svc.Operations[name] = op
	return nil
}

// syntheticTimestamp starts the names of the timestamp shapes botocore
// makes up for a Smithy member with its own timestampFormat
// (SyntheticTimestamp_date_time): the format is the member's, the target
// a plain timestamp.
const syntheticTimestamp = "SyntheticTimestamp_"

// timestampFormat maps botocore's timestamp formats to Smithy's.
func timestampFormat(f string) string {
	switch f {
	case "iso8601":
		return "date-time"
	case "unixTimestamp":
		return "epoch-seconds"
	case "rfc822":
		return "http-date"
	}
	return f
}

// botocoreSimple maps botocore's simple types to the table's.
var botocoreSimple = map[string]string{"string": "string", "blob": "blob", "boolean": "boolean", "byte": "byte",
	"short": "short", "integer": "integer", "long": "long", "float": "float", "double": "double",
	"bigdecimal": "bigDecimal", "biginteger": "bigInteger", "timestamp": "timestamp"}

// shape adds the named shape and returns the target a member uses for it.
func (c *boConverter) shape(name string) (string, error) {
	sh, ok := c.shapes[name]
	if !ok {
		return "", fmt.Errorf("shape %s not in the model", name)
	}
	if _, done := c.svc.Shapes[name]; done {
		return name, nil
	}
	if t, ok := botocoreSimple[sh.Type]; ok {
		if sh.TimestampFormat == "" && !sh.Streaming || strings.HasPrefix(name, syntheticTimestamp) {
			return "." + t, nil
		}
		c.svc.Shapes[name] = &model.Shape{Type: t, TimestampFormat: timestampFormat(sh.TimestampFormat), Streaming: sh.Streaming}
		return name, nil
	}
	if sh.Document {
		return ".document", nil
	}
	out := &model.Shape{Type: sh.Type, XMLName: sh.LocationName, Sparse: sh.Sparse, Streaming: sh.EventStream}
	if sh.Union || sh.EventStream { // an event stream is a Smithy union
		out.Type = "union"
	}
	if sh.XMLNamespace != nil && sh.XMLNamespace.Prefix == "" { // a prefixed one is its members' (see member)
		out.XMLNamespace = sh.XMLNamespace.URI
	}
	if sh.Exception {
		// A server error is marked fault, or has a 5xx status that is not
		// the sender's fault (senderFault is missing from many client
		// errors, and botocore's JSON models often leave the whole error
		// object out).
		out.Error = "client"
		if sh.Fault || sh.Error != nil && !sh.Error.SenderFault && sh.Error.HTTPStatusCode >= 500 {
			out.Error = "server"
		}
		if sh.Error != nil {
			out.HTTPError = sh.Error.HTTPStatusCode
			if sh.Error.Code != "" && sh.Error.Code != name {
				out.QueryErrorCode = sh.Error.Code
			}
		}
	}
	c.svc.Shapes[name] = out // before the members: shapes may be recursive
	var err error
	switch sh.Type {
	case "structure":
		for _, mn := range sh.order {
			m, e := c.member(mn, sh.Members[mn], sh.Payload == mn)
			if e != nil {
				return "", e
			}
			out.Members = append(out.Members, *m)
		}
	case "list":
		out.Member, err = c.part(sh.Member)
	case "map":
		if out.Key, err = c.part(sh.Key); err == nil {
			out.Value, err = c.part(sh.Value)
		}
	default:
		return "", fmt.Errorf("shape %s has unknown type %q", name, sh.Type)
	}
	if err != nil {
		return "", err
	}
	return name, nil
}

// target returns the member target for a reference. A string member
// marked jsonvalue (Smithy's mediaType application/json on its shape)
// targets a shape of its own carrying the media type: botocore's shape
// may be a plain string other members share (lexruntime's String).
func (c *boConverter) target(r *boRef) (string, error) {
	t, err := c.shape(r.Shape)
	if err != nil || !r.JSONValue || t != ".string" {
		return t, err
	}
	name := syntheticJSONValue + r.Shape
	c.svc.Shapes[name] = &model.Shape{Type: "string", MediaType: "application/json"}
	return name, nil
}

// syntheticJSONValue starts the name of the shape a jsonvalue member
// targets.
const syntheticJSONValue = "SyntheticJsonValue_"

// part converts a list member or a map key or value: its locationName is
// its XML name.
func (c *boConverter) part(r *boRef) (*model.Member, error) {
	if r == nil {
		return nil, errors.New("list or map without a member")
	}
	t, err := c.target(r)
	if err != nil {
		return nil, err
	}
	return &model.Member{Target: t, XMLName: r.LocationName}, nil
}

// member converts a structure member.
func (c *boConverter) member(name string, r *boRef, payload bool) (*model.Member, error) {
	if r == nil {
		return nil, fmt.Errorf("member %s has no target", name)
	}
	t, err := c.target(r)
	if err != nil {
		return nil, err
	}
	m := &model.Member{Name: name, Target: t}
	switch r.Location {
	case "uri": // the URI's label, which botocore may name differently
		m.Location, m.LocationName = model.InLabel, name
		if r.LocationName != "" {
			m.LocationName = r.LocationName
		}
	case "querystring":
		if sh := c.shapes[r.Shape]; sh != nil && sh.Type == "map" {
			m.Location = model.InQueryMap
		} else {
			m.Location, m.LocationName = model.InQuery, r.LocationName
		}
	case "header":
		m.Location, m.LocationName = model.InHeader, r.LocationName
	case "headers":
		m.Location, m.LocationName = model.InPrefix, r.LocationName
	case "statusCode":
		m.Location = model.InStatus
	case "":
		if payload {
			m.Location = model.InPayload
		}
		// A body member's locationName is its name in the document.
		if c.json {
			m.JSONName = r.LocationName
		} else {
			m.XMLName = r.LocationName
		}
	default:
		return nil, fmt.Errorf("member %s has unknown location %q", name, r.Location)
	}
	if payload && m.Location != model.InPayload {
		return nil, fmt.Errorf("payload member %s is bound to %s", name, r.Location)
	}
	m.QueryName = r.QueryName
	m.Flattened = r.Flattened || c.shapes[r.Shape].Flattened
	m.Attribute = r.XMLAttribute
	ns := r.XMLNamespace
	if sh := c.shapes[r.Shape]; ns == nil && sh.XMLNamespace != nil && sh.XMLNamespace.Prefix != "" {
		// botocore writes S3 Grantee's xmlns:xsi on the shape, Smithy on
		// the members that target it.
		ns = sh.XMLNamespace
	}
	if ns != nil {
		m.XMLNamespace = ns.URI
		if ns.Prefix != "" {
			m.XMLNamespace = ns.Prefix + "=" + ns.URI
		}
	}
	m.TimestampFormat = timestampFormat(r.TimestampFormat)
	if strings.HasPrefix(r.Shape, syntheticTimestamp) {
		m.TimestampFormat = timestampFormat(c.shapes[r.Shape].TimestampFormat)
	}
	m.IdempotencyToken = r.IdempotencyToken
	m.HostLabel = r.HostLabel
	return m, nil
}
