package main

import (
	"net/http"
	"path/filepath"
	"testing"

	"github.com/stepwise/stepwise/asl/value"
	"github.com/stepwise/stepwise/integrations/aws/model"
	"github.com/stepwise/stepwise/integrations/aws/wire"
)

// TestBotocoreEC2 converts an excerpt of botocore's EC2 model (which has
// no Smithy counterpart here) and speaks ec2Query with it: names on the
// wire are the capitalised locationName (botocore keeps a queryName only
// where Smithy's ec2QueryName differs from that), lists are numbered
// from 1 without a member segment, and responses are read by the
// lower-case locationName.
func TestBotocoreEC2(t *testing.T) {
	svc, err := convertBotocoreFile(filepath.Join("testdata", "botocore", "ec2.json"))
	if err != nil || svc == nil {
		t.Fatalf("convert: %v, %v", svc, err)
	}
	if svc.Name != "ec2" || svc.Prefix != "Ec2" || svc.Protocol != model.EC2Query || svc.Version != "2016-11-15" ||
		svc.SigningName != "ec2" || svc.EndpointPrefix != "ec2" || svc.TargetPrefix != "" || len(svc.Operations) != 2 {
		t.Fatalf("service = %+v", svc)
	}
	in, _ := value.DecodeString(`{"InstanceIds":["i-1","i-2"],"DryRun":true}`)
	req, err := wire.Build(svc, "TerminateInstances", in)
	if err != nil {
		t.Fatal(err)
	}
	if want := "Action=TerminateInstances&Version=2016-11-15&InstanceId.1=i-1&InstanceId.2=i-2&DryRun=true"; string(req.Body) != want {
		t.Fatalf("body %s\nwant %s", req.Body, want)
	}
	in, _ = value.DecodeString(`{"ZoneNames":["eu-west-1a"],"Filters":[{"Name":"state","Values":["available","impaired"]}],"AllAvailabilityZones":false}`)
	if req, err = wire.Build(svc, "DescribeAvailabilityZones", in); err != nil {
		t.Fatal(err)
	}
	if want := "Action=DescribeAvailabilityZones&Version=2016-11-15&ZoneName.1=eu-west-1a&Filter.1.Name=state&Filter.1.Value.1=available&Filter.1.Value.2=impaired&AllAvailabilityZones=false"; string(req.Body) != want {
		t.Fatalf("body %s\nwant %s", req.Body, want)
	}
	out, err := wire.Decode(svc, "TerminateInstances", &wire.Response{Status: 200, Header: http.Header{}, Body: []byte(`<TerminateInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
  <requestId>59dbff89-35bd-4eac-99ed-be587EXAMPLE</requestId>
  <instancesSet>
    <item>
      <instanceId>i-1</instanceId>
      <currentState><code>32</code><name>shutting-down</name></currentState>
      <previousState><code>16</code><name>running</name></previousState>
    </item>
  </instancesSet>
</TerminateInstancesResponse>`)})
	want := `{"TerminatingInstances":[{"CurrentState":{"Code":32,"Name":"shutting-down"},"InstanceId":"i-1","PreviousState":{"Code":16,"Name":"running"}}]}`
	if err != nil || out.String() != want {
		t.Fatalf("decode = %v, %v\nwant %s", out, err, want)
	}
}
