package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/stepwise/stepwise/integrations/aws/model"
)

// smithy is the JSON AST of a Smithy model.
type smithy struct {
	Shapes map[string]*ast `json:"shapes"`
}

type ast struct {
	Type       string                     `json:"type"`
	Version    string                     `json:"version"`
	Members    map[string]*ref            `json:"members"`
	Member     *ref                       `json:"member"`
	Key        *ref                       `json:"key"`
	Value      *ref                       `json:"value"`
	Input      *ref                       `json:"input"`
	Output     *ref                       `json:"output"`
	Errors     []*ref                     `json:"errors"`
	Operations []*ref                     `json:"operations"`
	Resources  []*ref                     `json:"resources"`
	Create     *ref                       `json:"create"`
	Put        *ref                       `json:"put"`
	Read       *ref                       `json:"read"`
	Update     *ref                       `json:"update"`
	Delete     *ref                       `json:"delete"`
	List       *ref                       `json:"list"`
	Traits     map[string]json.RawMessage `json:"traits"`
	order      []string                   // member names in model order
}

type ref struct {
	Target string                     `json:"target"`
	Traits map[string]json.RawMessage `json:"traits"`
}

var protocols = []string{model.AWSJSON10, model.AWSJSON11, model.RESTJSON1, model.RESTXML, model.AWSQuery, model.EC2Query}

func convertFile(path string) (*model.Service, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var m smithy
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, err
	}
	if err := memberOrder(raw, m.Shapes); err != nil {
		return nil, err
	}
	for id, sh := range m.Shapes {
		if sh.Type == "service" {
			return convert(m.Shapes, id, sh)
		}
	}
	return nil, errors.New("no service shape")
}

// memberOrder records the members of each structure in the order the
// model lists them (encoding/json maps lose it).
func memberOrder(raw []byte, shapes map[string]*ast) error {
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
		dec := json.NewDecoder(strings.NewReader(string(s.Members)))
		if _, err := dec.Token(); err != nil {
			return err
		}
		for dec.More() {
			k, err := dec.Token()
			if err != nil {
				return err
			}
			shapes[id].order = append(shapes[id].order, k.(string))
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return err
			}
		}
	}
	return nil
}

func trait(traits map[string]json.RawMessage, name string, v any) bool {
	raw, ok := traits[name]
	if !ok {
		return false
	}
	if v != nil {
		_ = json.Unmarshal(raw, v)
	}
	return true
}

func convert(shapes map[string]*ast, id string, svc *ast) (*model.Service, error) {
	var info struct {
		SDKID          string `json:"sdkId"`
		EndpointPrefix string `json:"endpointPrefix"`
	}
	if !trait(svc.Traits, "aws.api#service", &info) {
		return nil, errors.New("no aws.api#service trait")
	}
	s := &model.Service{
		SDKID: info.SDKID, EndpointPrefix: info.EndpointPrefix, Version: svc.Version,
		Operations: map[string]*model.Operation{}, Shapes: map[string]*model.Shape{},
	}
	for _, p := range protocols {
		if trait(svc.Traits, "aws.protocols#"+p, nil) {
			s.Protocol = p
			break
		}
	}
	if s.Protocol == "" {
		return nil, nil
	}
	s.QueryCompatible = trait(svc.Traits, "aws.protocols#awsQueryCompatible", nil)
	var sig struct {
		Name string `json:"name"`
	}
	trait(svc.Traits, "aws.auth#sigv4", &sig)
	s.SigningName = sig.Name
	if s.SigningName == "" {
		s.SigningName = s.EndpointPrefix
	}
	if s.EndpointPrefix == "" { // newer models leave it to the endpoint rules
		s.EndpointPrefix = s.SigningName
	}
	var ns struct {
		URI string `json:"uri"`
	}
	if trait(svc.Traits, "smithy.api#xmlNamespace", &ns) {
		s.XMLNamespace = ns.URI
	}
	if strings.HasPrefix(s.Protocol, "awsJson") {
		s.TargetPrefix = local(id)
	}
	s.Prefix = javaClientName(info.SDKID)
	s.Name = strings.ToLower(s.Prefix)

	c := &converter{shapes: shapes, svc: s}
	seen := map[string]bool{}
	var walk func(r *ast)
	addOp := func(r *ref) error {
		if r == nil || seen[r.Target] {
			return nil
		}
		seen[r.Target] = true
		return c.operation(r.Target)
	}
	var err error
	walk = func(r *ast) {
		for _, o := range append(append([]*ref{}, r.Operations...), r.Create, r.Put, r.Read, r.Update, r.Delete, r.List) {
			if e := addOp(o); e != nil && err == nil {
				err = e
			}
		}
		for _, res := range r.Resources {
			if sh, ok := shapes[res.Target]; ok {
				walk(sh)
			}
		}
	}
	walk(svc)
	if err != nil {
		return nil, err
	}
	return s, nil
}

type converter struct {
	shapes map[string]*ast
	svc    *model.Service
}

func local(id string) string {
	if i := strings.LastIndexByte(id, '#'); i >= 0 {
		return id[i+1:]
	}
	return id
}

func (c *converter) operation(id string) error {
	sh, ok := c.shapes[id]
	if !ok {
		return fmt.Errorf("operation %s not in the model", id)
	}
	op := &model.Operation{}
	var http struct {
		Method string `json:"method"`
		URI    string `json:"uri"`
		Code   int    `json:"code"`
	}
	if trait(sh.Traits, "smithy.api#http", &http) {
		op.Method, op.URI = http.Method, http.URI
		if http.Code != 200 {
			op.Code = http.Code
		}
	}
	var sum struct {
		Required bool `json:"requestChecksumRequired"`
	}
	trait(sh.Traits, "aws.protocols#httpChecksum", &sum)
	op.ChecksumRequired = sum.Required || trait(sh.Traits, "smithy.api#httpChecksumRequired", nil)
	var ep struct {
		HostPrefix string `json:"hostPrefix"`
	}
	if trait(sh.Traits, "smithy.api#endpoint", &ep) {
		op.HostPrefix = ep.HostPrefix
	}
	var err error
	if sh.Input != nil && sh.Input.Target != "smithy.api#Unit" {
		op.Input, err = c.shape(sh.Input.Target)
		if err != nil {
			return err
		}
	}
	if sh.Output != nil && sh.Output.Target != "smithy.api#Unit" {
		op.Output, err = c.shape(sh.Output.Target)
		if err != nil {
			return err
		}
	}
	for _, e := range sh.Errors {
		name, err := c.shape(e.Target)
		if err != nil {
			return err
		}
		op.Errors = append(op.Errors, name)
	}
	c.svc.Operations[local(id)] = op
	return nil
}

// simpleTypes are the Smithy simple types a member may name directly.
var simpleTypes = map[string]bool{"string": true, "enum": true, "blob": true, "boolean": true, "byte": true, "short": true,
	"integer": true, "intEnum": true, "long": true, "float": true, "double": true, "bigInteger": true, "bigDecimal": true,
	"timestamp": true, "document": true}

// shape adds the shape with the given id and returns the target name a
// member uses for it.
func (c *converter) shape(id string) (string, error) {
	if strings.HasPrefix(id, "smithy.api#") {
		t := strings.ToLower(local(id)[:1]) + local(id)[1:]
		if t == "primitiveBoolean" || t == "primitiveInteger" || t == "primitiveLong" || t == "primitiveFloat" || t == "primitiveDouble" || t == "primitiveShort" || t == "primitiveByte" {
			t = strings.ToLower(strings.TrimPrefix(t, "primitive")[:1]) + strings.TrimPrefix(t, "primitive")[1:]
		}
		if simpleTypes[t] {
			return "." + t, nil
		}
		return "", fmt.Errorf("unknown prelude shape %s", id)
	}
	sh, ok := c.shapes[id]
	if !ok {
		return "", fmt.Errorf("shape %s not in the model", id)
	}
	name := local(id)
	if _, done := c.svc.Shapes[name]; done {
		return name, nil
	}
	out := &model.Shape{Type: sh.Type}
	switch sh.Type {
	case "enum":
		out.Type = "string"
	case "intEnum":
		out.Type = "integer"
	}
	trait(sh.Traits, "smithy.api#timestampFormat", &out.TimestampFormat)
	out.Streaming = trait(sh.Traits, "smithy.api#streaming", nil)
	trait(sh.Traits, "smithy.api#mediaType", &out.MediaType)
	if simpleTypes[sh.Type] {
		if out.TimestampFormat == "" && !out.Streaming && out.MediaType == "" {
			return "." + out.Type, nil
		}
		c.svc.Shapes[name] = out
		return name, nil
	}
	trait(sh.Traits, "smithy.api#xmlName", &out.XMLName)
	var ns struct {
		URI string `json:"uri"`
	}
	if trait(sh.Traits, "smithy.api#xmlNamespace", &ns) {
		out.XMLNamespace = ns.URI
	}
	trait(sh.Traits, "smithy.api#error", &out.Error)
	trait(sh.Traits, "smithy.api#httpError", &out.HTTPError)
	var qe struct {
		Code string `json:"code"`
	}
	if trait(sh.Traits, "aws.protocols#awsQueryError", &qe) && qe.Code != name {
		out.QueryErrorCode = qe.Code
	}
	out.Sparse = trait(sh.Traits, "smithy.api#sparse", nil)
	c.svc.Shapes[name] = out // before the members: shapes may be recursive
	var err error
	switch sh.Type {
	case "structure", "union":
		for _, mn := range sh.order {
			m, e := c.member(mn, sh.Members[mn])
			if e != nil {
				return "", e
			}
			out.Members = append(out.Members, *m)
		}
	case "list", "set":
		out.Type = "list"
		out.Member, err = c.member("", sh.Member)
	case "map":
		if out.Key, err = c.member("", sh.Key); err == nil {
			out.Value, err = c.member("", sh.Value)
		}
	case "service", "operation", "resource":
		return "", fmt.Errorf("shape %s is a %s", id, sh.Type)
	}
	if err != nil {
		return "", err
	}
	return name, nil
}

func (c *converter) member(name string, r *ref) (*model.Member, error) {
	if r == nil {
		return nil, fmt.Errorf("member %s has no target", name)
	}
	t, err := c.shape(r.Target)
	if err != nil {
		return nil, err
	}
	m := &model.Member{Name: name, Target: t}
	tr := r.Traits
	switch {
	case trait(tr, "smithy.api#httpLabel", nil):
		m.Location, m.LocationName = model.InLabel, name
	case trait(tr, "smithy.api#httpQuery", &m.LocationName):
		m.Location = model.InQuery
	case trait(tr, "smithy.api#httpQueryParams", nil):
		m.Location = model.InQueryMap
	case trait(tr, "smithy.api#httpHeader", &m.LocationName):
		m.Location = model.InHeader
	case trait(tr, "smithy.api#httpPrefixHeaders", &m.LocationName):
		m.Location = model.InPrefix
	case trait(tr, "smithy.api#httpPayload", nil):
		m.Location = model.InPayload
	case trait(tr, "smithy.api#httpResponseCode", nil):
		m.Location = model.InStatus
	}
	trait(tr, "smithy.api#jsonName", &m.JSONName)
	trait(tr, "smithy.api#xmlName", &m.XMLName)
	trait(tr, "aws.protocols#ec2QueryName", &m.QueryName)
	m.Flattened = trait(tr, "smithy.api#xmlFlattened", nil)
	m.Attribute = trait(tr, "smithy.api#xmlAttribute", nil)
	var ns struct {
		URI    string `json:"uri"`
		Prefix string `json:"prefix"`
	}
	if trait(tr, "smithy.api#xmlNamespace", &ns) {
		m.XMLNamespace = ns.URI
		if ns.Prefix != "" {
			m.XMLNamespace = ns.Prefix + "=" + ns.URI
		}
	}
	trait(tr, "smithy.api#timestampFormat", &m.TimestampFormat)
	m.IdempotencyToken = trait(tr, "smithy.api#idempotencyToken", nil)
	m.HostLabel = trait(tr, "smithy.api#hostLabel", nil)
	return m, nil
}
