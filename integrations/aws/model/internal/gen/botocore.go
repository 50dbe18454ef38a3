package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/stepwise/stepwise/integrations/aws/model"
)

// A botocore model (botocore/data/SERVICE/VERSION/service-2.json) is the
// same API as the Smithy model it was generated from, in the older AWS SDK
// JSON form. convertBotocore turns one into the compact table the Smithy
// path writes: the traits the compact table keeps are all in it, under
// other names (locationName for xmlName, jsonName and HTTP binding names,
// error.code for awsQueryError, ...).

// botocore is a service-2.json document.
type botocore struct {
	Metadata struct {
		APIVersion         string          `json:"apiVersion"`
		EndpointPrefix     string          `json:"endpointPrefix"`
		Protocol           string          `json:"protocol"`
		Protocols          []string        `json:"protocols"`
		JSONVersion        string          `json:"jsonVersion"`
		ServiceID          string          `json:"serviceId"`
		SigningName        string          `json:"signingName"`
		TargetPrefix       string          `json:"targetPrefix"`
		XMLNamespace       json.RawMessage `json:"xmlNamespace"`
		AWSQueryCompatible json.RawMessage `json:"awsQueryCompatible"`
	} `json:"metadata"`
	Operations map[string]*boOperation `json:"operations"`
	Shapes     map[string]*boShape     `json:"shapes"`
}

type boOperation struct {
	HTTP struct {
		Method       string `json:"method"`
		RequestURI   string `json:"requestUri"`
		ResponseCode int    `json:"responseCode"`
	} `json:"http"`
	Input    *boRef   `json:"input"`
	Output   *boRef   `json:"output"`
	Errors   []*boRef `json:"errors"`
	Endpoint *struct {
		HostPrefix string `json:"hostPrefix"`
	} `json:"endpoint"`
	ChecksumRequired bool `json:"httpChecksumRequired"`
	Checksum         *struct {
		Required bool `json:"requestChecksumRequired"`
	} `json:"httpChecksum"`
}

type boShape struct {
	Type            string            `json:"type"`
	Members         map[string]*boRef `json:"members"`
	Member          *boRef            `json:"member"`
	Key             *boRef            `json:"key"`
	Value           *boRef            `json:"value"`
	Payload         string            `json:"payload"`
	Union           bool              `json:"union"`
	Document        bool              `json:"document"`
	Exception       bool              `json:"exception"`
	Fault           bool              `json:"fault"`
	EventStream     bool              `json:"eventstream"`
	Streaming       bool              `json:"streaming"`
	Sparse          bool              `json:"sparse"`
	Flattened       bool              `json:"flattened"`
	TimestampFormat string            `json:"timestampFormat"`
	LocationName    string            `json:"locationName"`
	XMLNamespace    *boNamespace      `json:"xmlNamespace"`
	Error           *struct {
		Code           string `json:"code"`
		HTTPStatusCode int    `json:"httpStatusCode"`
		SenderFault    bool   `json:"senderFault"`
	} `json:"error"`
	order []string // member names in model order
}

type boRef struct {
	Shape            string       `json:"shape"`
	Location         string       `json:"location"`
	LocationName     string       `json:"locationName"`
	QueryName        string       `json:"queryName"`
	Flattened        bool         `json:"flattened"`
	XMLAttribute     bool         `json:"xmlAttribute"`
	XMLNamespace     *boNamespace `json:"xmlNamespace"`
	TimestampFormat  string       `json:"timestampFormat"`
	IdempotencyToken bool         `json:"idempotencyToken"`
	HostLabel        bool         `json:"hostLabel"`
	JSONValue        bool         `json:"jsonvalue"`
}

type boNamespace struct {
	Prefix string `json:"prefix"`
	URI    string `json:"uri"`
}

// botocoreProtocols maps botocore's protocol names to the Smithy ones; the
// json protocol's version is in jsonVersion.
var botocoreProtocols = map[string]string{
	"rest-json": model.RESTJSON1, "rest-xml": model.RESTXML, "query": model.AWSQuery, "ec2": model.EC2Query,
}

// botocoreFile finds the newest service-2.json (or .json.gz) of a botocore
// service directory (SERVICE/VERSION/service-2.json); "" when it has none.
func botocoreFile(dir string) (string, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*", "service-2.json*"))
	if err != nil {
		return "", err
	}
	var keep []string
	for _, f := range files {
		if strings.HasSuffix(f, "service-2.json") || strings.HasSuffix(f, "service-2.json.gz") {
			keep = append(keep, f)
		}
	}
	if len(keep) == 0 {
		return "", nil
	}
	sort.Strings(keep) // VERSION is a date: the last is the newest
	return keep[len(keep)-1], nil
}

// readMaybeGzip reads a file, decompressing it when its name ends in .gz.
func readMaybeGzip(path string) ([]byte, error) {
	raw, err := os.ReadFile(path)
	if err != nil || !strings.HasSuffix(path, ".gz") {
		return raw, err
	}
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		return nil, err
	}
	return io.ReadAll(zr)
}

// convertBotocoreFile converts one botocore model file; nil when the
// service speaks none of the protocols of the table.
func convertBotocoreFile(path string) (*model.Service, error) {
	raw, err := readMaybeGzip(path)
	if err != nil {
		return nil, err
	}
	return convertBotocore(raw)
}

// convertBotocore converts a service-2.json document.
func convertBotocore(raw []byte) (*model.Service, error) {
	var m botocore
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, err
	}
	if err := botocoreMemberOrder(raw, m.Shapes); err != nil {
		return nil, err
	}
	md := m.Metadata
	if md.ServiceID == "" {
		return nil, errors.New("no metadata.serviceId")
	}
	s := &model.Service{
		SDKID: md.ServiceID, EndpointPrefix: md.EndpointPrefix, Version: md.APIVersion,
		SigningName: md.SigningName, TargetPrefix: md.TargetPrefix,
		Operations: map[string]*model.Operation{}, Shapes: map[string]*model.Shape{},
	}
	s.Protocol = botocoreProtocol(md.Protocol, md.Protocols, md.JSONVersion)
	if s.Protocol == "" {
		return nil, nil
	}
	if s.SigningName == "" {
		s.SigningName = s.EndpointPrefix
	}
	if s.EndpointPrefix == "" {
		s.EndpointPrefix = s.SigningName
	}
	s.QueryCompatible = len(md.AWSQueryCompatible) > 0 && string(md.AWSQueryCompatible) != "null"
	s.XMLNamespace = namespaceURI(md.XMLNamespace)
	if !strings.HasPrefix(s.Protocol, "awsJson") {
		s.TargetPrefix = ""
	}
	s.Prefix = javaClientName(md.ServiceID)
	s.Name = strings.ToLower(s.Prefix)

	c := &boConverter{shapes: m.Shapes, svc: s, json: s.Protocol == model.AWSJSON10 || s.Protocol == model.AWSJSON11 || s.Protocol == model.RESTJSON1}
	names := make([]string, 0, len(m.Operations))
	for name := range m.Operations {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if err := c.operation(name, m.Operations[name]); err != nil {
			return nil, fmt.Errorf("operation %s: %w", name, err)
		}
	}
	if s.Protocol == model.RESTXML && s.XMLNamespace == "" {
		// botocore writes the service's namespace on each request
		// document: on the operation's input (route53) or on its payload
		// member (s3).
		for _, name := range names {
			if in := m.Operations[name].Input; in != nil && in.XMLNamespace != nil && in.XMLNamespace.Prefix == "" {
				s.XMLNamespace = in.XMLNamespace.URI
				break
			}
		}
		payloadNamespace(s)
	}
	labelsByMemberName(s)
	return s, nil
}

// labelsByMemberName names every URI label after its member, as Smithy
// does (botocore may name it differently: route53's HostedZoneId member
// is the label {Id}).
func labelsByMemberName(s *model.Service) {
	for _, op := range s.Operations {
		in := s.Shapes[op.Input]
		if in == nil {
			continue
		}
		for _, m := range in.Members {
			if m.Location == model.InLabel && m.LocationName != m.Name {
				op.URI = strings.Replace(op.URI, "{"+m.LocationName+"}", "{"+m.Name+"}", 1)
				op.URI = strings.Replace(op.URI, "{"+m.LocationName+"+}", "{"+m.Name+"+}", 1)
			}
		}
	}
	for _, sh := range s.Shapes {
		for i := range sh.Members {
			if sh.Members[i].Location == model.InLabel {
				sh.Members[i].LocationName = sh.Members[i].Name
			}
		}
	}
}

// payloadNamespace moves the namespace of a restXml service's payload
// members to the service (unless it has one), as the Smithy model has it.
func payloadNamespace(s *model.Service) {
	var payloads []*model.Member
	for _, op := range s.Operations {
		in := s.Shapes[op.Input]
		if in == nil {
			continue
		}
		for i := range in.Members {
			if m := &in.Members[i]; m.Location == model.InPayload && m.XMLNamespace != "" && !strings.Contains(m.XMLNamespace, "=") {
				payloads = append(payloads, m)
				if s.XMLNamespace == "" {
					s.XMLNamespace = m.XMLNamespace
				}
			}
		}
	}
	for _, m := range payloads {
		if m.XMLNamespace == s.XMLNamespace {
			m.XMLNamespace = ""
		}
	}
}

// botocoreProtocol picks the protocol the Smithy path would: the first of
// protocols (in that order of preference) the model speaks.
func botocoreProtocol(protocol string, list []string, jsonVersion string) string {
	if len(list) == 0 {
		list = []string{protocol}
	}
	has := map[string]bool{}
	for _, p := range list {
		if p == "json" {
			switch jsonVersion {
			case "1.0":
				has[model.AWSJSON10] = true
			case "1.1":
				has[model.AWSJSON11] = true
			}
			continue
		}
		has[botocoreProtocols[p]] = true
	}
	for _, p := range protocols {
		if has[p] {
			return p
		}
	}
	return ""
}

// namespaceURI reads metadata.xmlNamespace, a string or {"uri": ...}.
func namespaceURI(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var ns boNamespace
	_ = json.Unmarshal(raw, &ns)
	return ns.URI
}

// botocoreMemberOrder records the members of each structure in the order
// the model lists them.
func botocoreMemberOrder(raw []byte, shapes map[string]*boShape) error {
	var doc struct {
		Shapes map[string]struct {
			Members json.RawMessage `json:"members"`
		} `json:"shapes"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		return err
	}
	for id, s := range doc.Shapes {
		if len(s.Members) == 0 {
			continue
		}
		keys, err := objectKeys(s.Members)
		if err != nil {
			return fmt.Errorf("shape %s: %w", id, err)
		}
		shapes[id].order = keys
	}
	return nil
}

// objectKeys lists the keys of a JSON object in document order.
func objectKeys(raw json.RawMessage) ([]string, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if _, err := dec.Token(); err != nil {
		return nil, err
	}
	var keys []string
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			return nil, err
		}
		keys = append(keys, k.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return nil, err
		}
	}
	return keys, nil
}

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
