package wire

import (
	"fmt"
	"strings"

	"github.com/stepwise/stepwise/asl/value"
	"github.com/stepwise/stepwise/integrations/aws/model"
)

// Decode converts the response of operation opName into Step Functions'
// result: an object whose members are the output's, in PascalCase, sorted
// by name. A response with an error status returns an *APIError.
func Decode(svc *model.Service, opName string, resp *Response) (*value.Object, error) {
	if err := svc.Load(); err != nil {
		return nil, err
	}
	op, ok := svc.Operation(opName)
	if !ok {
		return nil, fmt.Errorf("%s has no operation %s", svc.Name, opName)
	}
	if resp.Status < 200 || resp.Status >= 300 {
		return nil, DecodeError(svc, op, resp)
	}
	out := value.NewObject(0)
	if op.Output == "" {
		return out, nil
	}
	shape := svc.Shape(op.Output)
	if shape == nil {
		return out, nil
	}
	switch svc.Protocol {
	case model.AWSJSON10, model.AWSJSON11:
		return jsonOutput(svc, op.Output, resp.Body)
	case model.AWSQuery, model.EC2Query:
		if len(strings.TrimSpace(string(resp.Body))) == 0 {
			return out, nil
		}
		root, err := parseXML(resp.Body)
		if err != nil {
			return nil, err
		}
		n := root
		if svc.Protocol == model.AWSQuery {
			n = root.child(opName + "Result")
		}
		if n == nil {
			return out, nil
		}
		v, _ := fromXML(svc, op.Output, n, 0)
		o, _ := v.(*value.Object)
		if o == nil {
			o = out
		}
		return o, nil
	}
	// rest protocols
	bodyDone, streamed, err := restOutput(svc, shape, resp, out)
	if err != nil {
		return nil, err
	}
	if !bodyDone && len(strings.TrimSpace(string(resp.Body))) > 0 {
		var doc *value.Object
		if svc.Protocol == model.RESTJSON1 {
			doc, err = jsonOutput(svc, op.Output, resp.Body)
		} else {
			var root *node
			if root, err = parseXML(resp.Body); err == nil {
				v, _ := fromXML(svc, op.Output, root, 0)
				doc, _ = v.(*value.Object)
			}
		}
		if err != nil {
			return nil, err
		}
		if doc != nil {
			for i := 0; i < doc.Len(); i++ {
				k, v := doc.At(i)
				out.Set(k, v)
			}
		}
	}
	sorted := sortObject(out)
	if streamed != "" {
		// Step Functions lists a streaming payload (S3's Body) last.
		body, _ := sorted.Get(streamed)
		sorted.Delete(streamed)
		sorted.Append(streamed, body)
	}
	return sorted, nil
}

func jsonOutput(svc *model.Service, target string, body []byte) (*value.Object, error) {
	if len(strings.TrimSpace(string(body))) == 0 {
		return value.NewObject(0), nil
	}
	doc, err := value.Decode(body)
	if err != nil {
		return nil, fmt.Errorf("decoding the response: %w", err)
	}
	v, _ := fromJSON(svc, target, doc, 0)
	o, ok := v.(*value.Object)
	if !ok {
		return value.NewObject(0), nil
	}
	return o, nil
}

// DecodeError reads an error response. The code is matched to the
// operation's and the service's modeled errors (by shape name, or by the
// awsQuery code the shape declares).
func DecodeError(svc *model.Service, op *model.Operation, resp *Response) *APIError {
	e := &APIError{Status: resp.Status, RequestID: RequestID(resp)}
	body := strings.TrimSpace(string(resp.Body))
	switch svc.Protocol {
	case model.AWSJSON10, model.AWSJSON11, model.RESTJSON1:
		e.Code = resp.Header.Get("X-Amzn-Errortype")
		if doc, err := value.Decode([]byte(body)); err == nil {
			if o, ok := doc.(*value.Object); ok {
				if e.Code == "" {
					e.Code = stringMember(o, "__type", "code", "Code")
				}
				e.Message = stringMember(o, "message", "Message", "errorMessage")
			}
		}
		e.Code = sanitizeCode(e.Code)
		if svc.QueryCompatible {
			// x-amzn-query-error: Code;Sender names the awsQuery code.
			if q := resp.Header.Get("X-Amzn-Query-Error"); q != "" {
				code, _, _ := strings.Cut(q, ";")
				if shape := errorShape(svc, op, e.Code); shape != "" {
					e.Shape = shape
				}
				e.Code = code
			}
		}
	default: // XML protocols
		if root, err := parseXML([]byte(body)); err == nil {
			n := root
			if c := root.child("Error"); c != nil {
				n = c
			} else if es := root.child("Errors"); es != nil && es.child("Error") != nil {
				n = es.child("Error")
			}
			if c := n.child("Code"); c != nil {
				e.Code = strings.TrimSpace(c.text)
			}
			if c := n.child("Message"); c != nil {
				e.Message = c.text
			}
			if e.RequestID == "" {
				for _, p := range []*node{n, root} {
					if c := p.child("RequestId"); c != nil {
						e.RequestID = c.text
						break
					}
					if c := p.child("RequestID"); c != nil {
						e.RequestID = c.text
						break
					}
				}
			}
		}
	}
	if e.Code == "" {
		e.Code = defaultCode(resp.Status)
	}
	if e.Shape == "" {
		e.Shape = errorShape(svc, op, e.Code)
	}
	return e
}

// defaultCode names an error whose response has no code, as the SDKs do
// for S3's HEAD requests.
func defaultCode(status int) string {
	switch status {
	case 304:
		return "NotModified"
	case 400:
		return "BadRequest"
	case 403:
		return "Forbidden"
	case 404:
		return "NotFound"
	}
	return fmt.Sprintf("HTTP%d", status)
}

func stringMember(o *value.Object, names ...string) string {
	for _, n := range names {
		if v, ok := o.Get(n); ok {
			if s, ok := v.(string); ok {
				return s
			}
		}
	}
	return ""
}

// sanitizeCode keeps the code of "aws.protocoltests#Code:http://..." forms.
func sanitizeCode(code string) string {
	if i := strings.IndexByte(code, ':'); i >= 0 {
		code = code[:i]
	}
	if i := strings.LastIndexByte(code, '#'); i >= 0 {
		code = code[i+1:]
	}
	return strings.TrimSpace(code)
}

// errorShape finds the modeled error with the given code.
func errorShape(svc *model.Service, op *model.Operation, code string) string {
	match := func(name string) bool {
		sh := svc.AllShapes()[name]
		return sh != nil && sh.Error != "" && (name == code || sh.QueryErrorCode == code)
	}
	for _, name := range op.Errors {
		if match(name) {
			return name
		}
	}
	if match(code) {
		return code
	}
	for name, sh := range svc.AllShapes() {
		if sh.Error != "" && sh.QueryErrorCode == code {
			return name
		}
	}
	return ""
}

// RequestID is the request ID a response carries in its headers.
func RequestID(resp *Response) string {
	for _, h := range []string{"X-Amzn-Requestid", "X-Amz-Request-Id", "X-Amzn-Request-Id"} {
		if v := resp.Header.Get(h); v != "" {
			return v
		}
	}
	if strings.HasPrefix(strings.TrimSpace(string(resp.Body)), "<") {
		if root, err := parseXML(resp.Body); err == nil {
			if md := root.child("ResponseMetadata"); md != nil {
				if c := md.child("RequestId"); c != nil {
					return c.text
				}
			}
			if c := root.child("RequestId"); c != nil {
				return c.text
			}
		}
	}
	return ""
}
