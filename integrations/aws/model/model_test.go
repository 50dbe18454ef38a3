package model

import (
	"regexp"
	"strings"
	"testing"
)

var uriLabel = regexp.MustCompile(`\{([^}]+?)\+?\}`)

// TestEveryOperationHasACompleteBinding walks every operation of every
// embedded service: the protocol is one the invoker implements, the
// signing data is there, every shape an operation reaches exists, and for
// the REST protocols the URI's labels and the input's label members match
// one to one.
func TestEveryOperationHasACompleteBinding(t *testing.T) {
	c := Embedded()
	names := c.Names()
	if len(names) < 400 {
		t.Fatalf("only %d services embedded", len(names))
	}
	ops := 0
	for _, name := range names {
		s, ok, err := c.Service(name)
		if err != nil || !ok {
			t.Fatalf("%s: %v %v", name, ok, err)
		}
		if s.Name != name || s.Prefix == "" || s.SigningName == "" || s.EndpointPrefix == "" || s.SDKID == "" {
			t.Errorf("%s: incomplete service %q %q %q %q %q", name, s.Name, s.Prefix, s.SigningName, s.EndpointPrefix, s.SDKID)
		}
		switch s.Protocol {
		case AWSJSON10, AWSJSON11:
			if s.TargetPrefix == "" {
				t.Errorf("%s: awsJson without a target prefix", name)
			}
		case AWSQuery, EC2Query:
			if s.Version == "" {
				t.Errorf("%s: query protocol without a version", name)
			}
		case RESTJSON1, RESTXML:
		default:
			t.Errorf("%s: unknown protocol %q", name, s.Protocol)
		}
		if len(s.Operations) == 0 {
			t.Errorf("%s: no operations", name)
		}
		for opName, op := range s.Operations {
			ops++
			where := name + ":" + opName
			if !strings.HasPrefix(s.Protocol, "rest") {
				continue
			}
			if op.Method == "" || !strings.HasPrefix(op.URI, "/") {
				t.Errorf("%s: no HTTP binding: %+v", where, op)
				continue
			}
			labels := map[string]bool{}
			for _, m := range uriLabel.FindAllStringSubmatch(op.URI, -1) {
				labels[m[1]] = true
			}
			if op.Input == "" {
				if len(labels) > 0 {
					t.Errorf("%s: URI %s has labels but no input", where, op.URI)
				}
				continue
			}
			in := s.Shape(op.Input)
			if in == nil || in.Type != "structure" {
				t.Errorf("%s: input %s is not a structure", where, op.Input)
				continue
			}
			payloads := 0
			for _, m := range in.Members {
				switch m.Location {
				case InLabel:
					if !labels[m.LocationName] {
						t.Errorf("%s: label member %s not in URI %s", where, m.Name, op.URI)
					}
					delete(labels, m.LocationName)
				case InPayload:
					payloads++
				}
			}
			if len(labels) > 0 || payloads > 1 {
				t.Errorf("%s: URI labels %v without members, %d payload members", where, labels, payloads)
			}
		}
		checkShapes(t, name, s)
	}
	t.Logf("%d services, %d operations, every binding complete", len(names), ops)
}

// checkShapes checks that every shape and member target exists.
func checkShapes(t *testing.T, name string, s *Service) {
	t.Helper()
	check := func(where string, m *Member) {
		if m == nil || s.Shape(m.Target) == nil {
			t.Errorf("%s %s: missing target %+v", name, where, m)
		}
	}
	for opName, op := range s.Operations {
		for _, target := range append([]string{op.Input, op.Output}, op.Errors...) {
			if target != "" && s.Shape(target) == nil {
				t.Errorf("%s:%s: missing shape %s", name, opName, target)
			}
		}
	}
	for sn, sh := range s.AllShapes() {
		switch sh.Type {
		case "structure", "union":
			for i := range sh.Members {
				check(sn+"."+sh.Members[i].Name, &sh.Members[i])
			}
		case "list":
			check(sn+"[]", sh.Member)
		case "map":
			check(sn+" key", sh.Key)
			check(sn+" value", sh.Value)
		}
	}
}

func TestSeedServices(t *testing.T) {
	c := Embedded()
	for name, want := range map[string]string{
		"dynamodb":       "DynamoDb awsJson1_0 DynamoDB_20120810 dynamodb",
		"rekognition":    "Rekognition awsJson1_1 RekognitionService rekognition",
		"transcribe":     "Transcribe awsJson1_1 Transcribe transcribe",
		"athena":         "Athena awsJson1_1 AmazonAthena athena",
		"secretsmanager": "SecretsManager awsJson1_1 secretsmanager secretsmanager",
		"s3":             "S3 restXml  s3",
		"sns":            "Sns awsQuery  sns",
		"lambda":         "Lambda restJson1  lambda",
		"sfn":            "Sfn awsJson1_0 AWSStepFunctions states",
		"eventbridge":    "EventBridge awsJson1_1 AWSEvents events",
	} {
		s, ok, err := c.Service(name)
		if err != nil || !ok {
			t.Fatalf("%s: %v %v", name, ok, err)
		}
		if got := strings.Join([]string{s.Prefix, s.Protocol, s.TargetPrefix, s.SigningName}, " "); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	if _, ok, _ := c.Service("../x"); ok {
		t.Error("a path is a service")
	}
	if _, ok, _ := c.Service("nosuchservice"); ok {
		t.Error("nosuchservice exists")
	}
}
