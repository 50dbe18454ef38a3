package main

import (
	"strings"

	"github.com/stepwise/stepwise/integrations/aws/model"
)

// What convertBotocore undoes after the conversion, where botocore writes
// a trait elsewhere than Smithy does.

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
