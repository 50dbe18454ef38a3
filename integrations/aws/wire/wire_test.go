package wire

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stepwise/stepwise/asl/value"
	"github.com/stepwise/stepwise/integrations/aws/model"
)

// sample returns a parameter value for a shape, every member set, to a
// bounded depth.
func sample(svc *model.Service, target string, depth int) any {
	sh := svc.Shape(target)
	if sh == nil || depth > 5 {
		return nil
	}
	switch sh.Type {
	case "structure":
		o := value.NewObject(len(sh.Members))
		for _, m := range sh.Members {
			if v := sample(svc, m.Target, depth+1); v != nil {
				o.Append(PublicName(m.Name), v)
			}
		}
		return o
	case "union":
		o := value.NewObject(1)
		for _, m := range sh.Members {
			if v := sample(svc, m.Target, depth+1); v != nil {
				o.Append(PublicName(m.Name), v)
				break
			}
		}
		if o.Len() == 0 {
			return nil
		}
		return o
	case "list":
		if v := sample(svc, sh.Member.Target, depth+1); v != nil {
			return []any{v}
		}
		return []any{}
	case "map":
		o := value.NewObject(1)
		if v := sample(svc, sh.Value.Target, depth+1); v != nil {
			o.Append("k", v)
		}
		return o
	case "blob":
		return "AQID"
	case "boolean":
		return true
	case "byte", "short", "integer", "long", "bigInteger":
		return int64(7)
	case "float", "double", "bigDecimal":
		return 1.5
	case "timestamp":
		return "2024-01-02T03:04:05.120Z"
	case "document":
		v, _ := value.DecodeString(`{"a":[1,"b"]}`)
		return v
	}
	return "s"
}

// TestEveryOperationBuildsAndDecodes builds a request with every input
// member set for every operation of every service, and for the JSON
// protocols decodes the output written back as the service would send it:
// nothing fails or panics, and the members come back.
func TestEveryOperationBuildsAndDecodes(t *testing.T) {
	c := model.Embedded()
	services, ops, roundTrips := 0, 0, 0
	for _, name := range c.Names() {
		svc, _, err := c.Service(name)
		if err != nil {
			t.Fatal(err)
		}
		services++
		for opName, op := range svc.Operations {
			ops++
			var in any
			if op.Input != "" {
				in = sample(svc, op.Input, 0)
			}
			req, err := Build(svc, opName, in)
			if err != nil {
				t.Errorf("%s:%s: %v", name, opName, err)
				continue
			}
			if req.Method == "" || !strings.HasPrefix(req.Path, "/") {
				t.Errorf("%s:%s: request line %q %q", name, opName, req.Method, req.Path)
			}
			if op.Output == "" || (svc.Protocol != model.AWSJSON10 && svc.Protocol != model.AWSJSON11) {
				continue
			}
			outSample, ok := sample(svc, op.Output, 0).(*value.Object)
			if !ok {
				continue
			}
			wireDoc, err := toJSON(svc, op.Output, "", outSample, "$", 0)
			if err != nil {
				t.Errorf("%s:%s output: %v", name, opName, err)
				continue
			}
			got, err := Decode(svc, opName, &Response{Status: 200, Header: http.Header{}, Body: value.Encode(wireDoc)})
			if err != nil {
				t.Errorf("%s:%s decode: %v", name, opName, err)
				continue
			}
			if got.Len() != outSample.Len() {
				t.Errorf("%s:%s: %d members back of %d: %s", name, opName, got.Len(), outSample.Len(), got)
			}
			roundTrips++
		}
	}
	t.Logf("%d services, %d operations build; %d JSON outputs round-trip", services, ops, roundTrips)
}

func TestHostileInputDoesNotPanic(t *testing.T) {
	svc, _, _ := model.Embedded().Service("dynamodb")
	deep := `{"S":"x"}`
	for i := 0; i < 300; i++ {
		deep = `{"M":{"a":` + deep + `}}`
	}
	for _, params := range []string{`[]`, `"x"`, `{"Item":{"a":` + deep + `}}`, `{"Item":[1]}`, `{"ReturnConsumedCapacity":{}}`} {
		v, _ := value.DecodeString(params)
		if _, err := Build(svc, "PutItem", v); err == nil {
			t.Errorf("Build(%.40s) succeeded", params)
		}
	}
	// Malformed responses are errors or empty results, never panics.
	for _, body := range []string{`[`, `{"Attributes":5}`, `<x>`, ``, `{"Attributes":{"a":{"M":[]}}}`} {
		out, err := Decode(svc, "PutItem", &Response{Status: 200, Header: http.Header{}, Body: []byte(body)})
		if err == nil && out == nil {
			t.Errorf("Decode(%s): nil result", body)
		}
	}
	s3, _, _ := model.Embedded().Service("s3")
	for _, body := range []string{`<a><b>`, `<ListBucketResult><Contents><Size>x</Size></Contents></ListBucketResult>`, `not xml`} {
		_, _ = Decode(s3, "ListObjectsV2", &Response{Status: 200, Header: http.Header{}, Body: []byte(body)})
		_, _ = Decode(s3, "ListObjectsV2", &Response{Status: 500, Header: http.Header{}, Body: []byte(body)})
	}
}
