// Package model holds the AWS service models the aws-sdk integration is
// driven by: for every service its wire protocol, signing name, endpoint
// prefix and JSON target prefix, and for every operation its HTTP binding
// and input, output and error shapes. The tables are generated from AWS's
// Smithy JSON models (github.com/aws/api-models-aws), and for services
// missing there (EC2) from botocore's JSON models, by internal/gen and
// embedded compressed, one file per service; a service's table is decoded
// the first time it is asked for, so package initialisation costs nothing.
package model

//go:generate go run ./internal/gen -out data

import (
	"bytes"
	"compress/gzip"
	"embed"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"sort"
	"strings"
	"sync"
)

// Protocols, as the Smithy protocol traits name them.
const (
	AWSJSON10 = "awsJson1_0"
	AWSJSON11 = "awsJson1_1"
	RESTJSON1 = "restJson1"
	RESTXML   = "restXml"
	AWSQuery  = "awsQuery"
	EC2Query  = "ec2Query"
)

// Member locations in an HTTP request or response (restJson1, restXml).
const (
	InBody     = ""       // in the document body
	InLabel    = "label"  // a {label} of the URI
	InQuery    = "query"  // a query string parameter
	InQueryMap = "qmap"   // every entry of a map as query string parameters
	InHeader   = "header" // a header
	InPrefix   = "prefix" // headers with a prefix (a map)
	InPayload  = "payload"
	InStatus   = "status" // the HTTP status code (outputs)
)

// Service is one AWS service.
type Service struct {
	// Name is the service as the aws-sdk Resource names it
	// (arn:aws:states:::aws-sdk:NAME:action): the AWS SDK for Java 2.x
	// client name in lower case, "secretsmanager".
	Name string `json:"n"`
	// Prefix starts the service's error names: the AWS SDK for Java 2.x
	// client name, "SecretsManager" (SecretsManager.ResourceNotFoundException).
	Prefix string `json:"p"`
	// SDKID is the model's sdkId ("Secrets Manager"), which names the
	// AWS_ENDPOINT_URL_<SERVICE> variable.
	SDKID          string `json:"id"`
	Protocol       string `json:"pr"`
	SigningName    string `json:"sn"`
	EndpointPrefix string `json:"ep"`
	// TargetPrefix is the X-Amz-Target prefix of the awsJson protocols
	// (the service shape's name, "DynamoDB_20120810").
	TargetPrefix string `json:"tp,omitempty"`
	// Version is the API version, the Version parameter of awsQuery.
	Version string `json:"v"`
	// XMLNamespace is the namespace of restXml request documents.
	XMLNamespace string `json:"xn,omitempty"`
	// QueryCompatible marks an awsJson service that also answers the
	// awsQuery error codes (x-amzn-query-error).
	QueryCompatible bool `json:"qc,omitempty"`
	// Operations by name (PascalCase, "GetSecretValue").
	Operations map[string]*Operation `json:"o"`
	// Shapes by name (without namespace), for a Service built in memory. A
	// service from a Catalog loads its shapes on first use instead (read
	// them with Shape or AllShapes): checking that an action exists needs
	// only the operations.
	Shapes map[string]*Shape `json:"-"`

	lazy *lazyShapes
}

// lazyShapes loads a service's shapes once; copies of the Service share it.
type lazyShapes struct {
	once   sync.Once
	load   func() (map[string]*Shape, error)
	shapes map[string]*Shape
	err    error
}

// Load makes sure the service's shapes are loaded.
func (s *Service) Load() error {
	if s.lazy == nil {
		return nil
	}
	name := s.Name
	s.lazy.once.Do(func() {
		shapes, err := s.lazy.load()
		if err != nil {
			s.lazy.err = fmt.Errorf("shapes of %s: %w", name, err)
			return
		}
		s.lazy.shapes = shapes
	})
	return s.lazy.err
}

// AllShapes returns every shape of the service, loading them first (nil
// when they cannot be loaded).
func (s *Service) AllShapes() map[string]*Shape {
	if s.lazy == nil {
		return s.Shapes
	}
	if s.Load() != nil {
		return nil
	}
	return s.lazy.shapes
}

// Operation is one API operation.
type Operation struct {
	Method     string   `json:"m,omitempty"` // HTTP method of rest protocols
	URI        string   `json:"u,omitempty"` // URI template: /{Bucket}/{Key+}?x-id=GetObject
	Code       int      `json:"c,omitempty"` // success status, 0 for 200
	Input      string   `json:"i,omitempty"` // input shape, "" for none
	Output     string   `json:"o,omitempty"` // output shape, "" for none
	Errors     []string `json:"e,omitempty"` // error shapes
	HostPrefix string   `json:"h,omitempty"` // endpoint host prefix: "data-"
	// ChecksumRequired marks operations whose request needs a checksum
	// (Content-MD5).
	ChecksumRequired bool `json:"cr,omitempty"`
}

// Shape is a named shape: a structure, union, list or map, or a simple
// type with a trait that matters on the wire. A member whose target is a
// plain simple type names the type directly (see Member.Target).
type Shape struct {
	Type    string   `json:"t"`
	Members []Member `json:"m,omitempty"` // structure and union members, in model order
	Member  *Member  `json:"l,omitempty"` // list member
	Key     *Member  `json:"k,omitempty"` // map key
	Value   *Member  `json:"v,omitempty"` // map value
	// TimestampFormat of a timestamp shape: date-time, epoch-seconds,
	// http-date.
	TimestampFormat string `json:"tf,omitempty"`
	Streaming       bool   `json:"st,omitempty"` // a streaming blob, or an event stream union
	MediaType       string `json:"mt,omitempty"` // a string's media type (application/json: base64 in headers)
	XMLName         string `json:"x,omitempty"`
	XMLNamespace    string `json:"xn,omitempty"`
	// Error is "client" or "server" for error structures.
	Error string `json:"er,omitempty"`
	// HTTPError is the status code of an error.
	HTTPError int `json:"he,omitempty"`
	// QueryErrorCode is the awsQuery code of an error, when it differs from
	// the shape name ("AWS.SimpleQueueService.NonExistentQueue").
	QueryErrorCode string `json:"qe,omitempty"`
	Sparse         bool   `json:"sp,omitempty"`
}

// Member is a member of a structure or union, a list member, or a map key
// or value.
type Member struct {
	Name string `json:"n,omitempty"`
	// Target is a shape of Service.Shapes, or a simple type written with a
	// leading dot: .string, .blob, .boolean, .byte, .short, .integer,
	// .long, .float, .double, .bigInteger, .bigDecimal, .timestamp,
	// .document.
	Target          string `json:"t"`
	Location        string `json:"l,omitempty"`  // In* constants
	LocationName    string `json:"ln,omitempty"` // header, query parameter or label name
	JSONName        string `json:"j,omitempty"`
	XMLName         string `json:"x,omitempty"`
	QueryName       string `json:"q,omitempty"` // ec2Query name
	Flattened       bool   `json:"f,omitempty"`
	Attribute       bool   `json:"a,omitempty"`
	XMLNamespace    string `json:"xn,omitempty"`
	TimestampFormat string `json:"tf,omitempty"`
	// IdempotencyToken members are filled with a UUID when not given.
	IdempotencyToken bool `json:"it,omitempty"`
	HostLabel        bool `json:"hl,omitempty"`
}

// IsSimple reports whether the member's target is a simple type.
func (m *Member) IsSimple() bool { return strings.HasPrefix(m.Target, ".") }

// Shape returns the named shape, or a simple-type shape for a .type
// target; nil when the service has no such shape.
func (s *Service) Shape(target string) *Shape {
	if strings.HasPrefix(target, ".") {
		return simple(target[1:])
	}
	return s.AllShapes()[target]
}

// simple returns the shape of a simple type; nil for an unknown type.
func simple(t string) *Shape {
	switch t {
	case "string", "blob", "boolean", "byte", "short", "integer", "long", "float", "double", "bigInteger", "bigDecimal", "timestamp", "document":
		return &Shape{Type: t}
	}
	return nil
}

// Operation returns the operation with the given name (PascalCase).
func (s *Service) Operation(name string) (*Operation, bool) {
	op, ok := s.Operations[name]
	return op, ok
}

//go:embed data
var data embed.FS

// Catalog is the set of embedded service models. Services are decoded on
// first use and kept. The zero value is not usable; use Embedded.
type Catalog struct {
	fsys fs.FS
	mu   sync.Mutex
	got  map[string]*Service
}

// Embedded returns a catalog of the models embedded in this package.
func Embedded() *Catalog { return NewCatalog(mustSub(data, "data")) }

func mustSub(f fs.FS, dir string) fs.FS {
	sub, err := fs.Sub(f, dir)
	if err != nil {
		panic(err) // the directory is embedded: cannot happen
	}
	return sub
}

// NewCatalog returns a catalog over a directory of NAME.json.gz files, as
// internal/gen writes them.
func NewCatalog(fsys fs.FS) *Catalog { return &Catalog{fsys: fsys, got: map[string]*Service{}} }

// Names lists the services of the catalog, sorted.
func (c *Catalog) Names() []string {
	entries, err := fs.ReadDir(c.fsys, ".")
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range entries {
		if n, ok := strings.CutSuffix(e.Name(), ".json.gz"); ok && !strings.HasSuffix(n, ".shapes") {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

// Service returns the service named as the aws-sdk Resource names it; ok
// is false when the catalog has no such service.
func (c *Catalog) Service(name string) (*Service, bool, error) {
	if name == "" || strings.ContainsAny(name, "/\\.") {
		return nil, false, nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if s, ok := c.got[name]; ok {
		return s, s != nil, nil
	}
	b, err := fs.ReadFile(c.fsys, name+".json.gz")
	if err != nil {
		c.got[name] = nil
		return nil, false, nil
	}
	var s Service
	if err := gunzipJSON(b, &s); err != nil {
		return nil, false, fmt.Errorf("model of %s: %w", name, err)
	}
	fsys := c.fsys
	s.lazy = &lazyShapes{load: func() (map[string]*Shape, error) {
		b, err := fs.ReadFile(fsys, name+".shapes.json.gz")
		if err != nil {
			return nil, err
		}
		var shapes map[string]*Shape
		err = gunzipJSON(b, &shapes)
		return shapes, err
	}}
	c.got[name] = &s
	return &s, true, nil
}

func gunzipJSON(b []byte, v any) error {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return err
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		return err
	}
	return json.Unmarshal(raw, v)
}

// Encode writes one service model compressed, deterministically: the
// service with its operations (NAME.json.gz) and its shapes
// (NAME.shapes.json.gz), as a Catalog reads them.
func Encode(s *Service) (service, shapes []byte, err error) {
	if service, err = gzipJSON(s); err != nil {
		return nil, nil, err
	}
	shapes, err = gzipJSON(s.AllShapes())
	return service, shapes, err
}

func gzipJSON(v any) ([]byte, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	if _, err := zw.Write(raw); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
