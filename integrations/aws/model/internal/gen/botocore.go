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
