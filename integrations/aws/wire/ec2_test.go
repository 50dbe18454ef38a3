package wire

import (
	"net/http"
	"testing"

	"github.com/stepwise/stepwise/asl/value"
	"github.com/stepwise/stepwise/integrations/aws/model"
)

// ec2Service is a small hand-written ec2Query model: DescribeInstances
// with a list of ids and a list of filters. The generated EC2 table is
// tested in internal/gen and in package aws.
func ec2Service() *model.Service {
	return &model.Service{
		Name: "ec2", Prefix: "Ec2", Protocol: model.EC2Query, Version: "2016-11-15", SigningName: "ec2", EndpointPrefix: "ec2",
		Operations: map[string]*model.Operation{"DescribeInstances": {Input: "DescribeInstancesRequest", Output: "DescribeInstancesResult"}},
		Shapes: map[string]*model.Shape{
			"DescribeInstancesRequest": {Type: "structure", Members: []model.Member{
				{Name: "InstanceIds", Target: "InstanceIdList", XMLName: "InstanceId", QueryName: "InstanceId"},
				{Name: "Filters", Target: "FilterList", XMLName: "Filter", QueryName: "Filter"},
				{Name: "DryRun", Target: ".boolean", XMLName: "dryRun"},
			}},
			"InstanceIdList": {Type: "list", Member: &model.Member{Target: ".string", XMLName: "InstanceId"}},
			"FilterList":     {Type: "list", Member: &model.Member{Target: "Filter", XMLName: "Filter"}},
			"Filter": {Type: "structure", Members: []model.Member{
				{Name: "Name", Target: ".string"},
				{Name: "Values", Target: "ValueStringList", XMLName: "Value", QueryName: "Value"},
			}},
			"ValueStringList": {Type: "list", Member: &model.Member{Target: ".string", XMLName: "item"}},
			"DescribeInstancesResult": {Type: "structure", Members: []model.Member{
				{Name: "Reservations", Target: "ReservationList", XMLName: "reservationSet"},
			}},
			"ReservationList": {Type: "list", Member: &model.Member{Target: "Reservation", XMLName: "item"}},
			"Reservation": {Type: "structure", Members: []model.Member{
				{Name: "ReservationId", Target: ".string", XMLName: "reservationId"},
			}},
		},
	}
}

func TestEC2Query(t *testing.T) {
	svc := ec2Service()
	in, _ := value.DecodeString(`{"InstanceIds":["i-1","i-2"],"Filters":[{"Name":"tag:env","Values":["prod"]}],"DryRun":false}`)
	req, err := Build(svc, "DescribeInstances", in)
	if err != nil {
		t.Fatal(err)
	}
	// ec2Query lists are always flattened, named by ec2QueryName, else the
	// capitalised xmlName.
	want := "Action=DescribeInstances&Version=2016-11-15&InstanceId.1=i-1&InstanceId.2=i-2&Filter.1.Name=tag%3Aenv&Filter.1.Value.1=prod&DryRun=false"
	if string(req.Body) != want || req.Method != "POST" || req.Path != "/" {
		t.Fatalf("request = %s %s %s\nwant %s", req.Method, req.Path, req.Body, want)
	}
	// The response has no Result wrapper.
	out, err := Decode(svc, "DescribeInstances", &Response{Status: 200, Header: http.Header{},
		Body: []byte(`<DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r-1</requestId><reservationSet><item><reservationId>r-0a</reservationId></item></reservationSet></DescribeInstancesResponse>`)})
	if err != nil || out.String() != `{"Reservations":[{"ReservationId":"r-0a"}]}` {
		t.Fatalf("decode = %v, %v", out, err)
	}
	// ec2 errors: <Response><Errors><Error><Code>...
	_, err = Decode(svc, "DescribeInstances", &Response{Status: 400, Header: http.Header{},
		Body: []byte(`<Response><Errors><Error><Code>InvalidInstanceID.NotFound</Code><Message>The instance ID 'i-1' does not exist</Message></Error></Errors><RequestID>r-2</RequestID></Response>`)})
	ae, ok := err.(*APIError)
	if !ok || ae.Code != "InvalidInstanceID.NotFound" || ae.Message != "The instance ID 'i-1' does not exist" || ae.RequestID != "r-2" || ae.Shape != "" {
		t.Fatalf("error = %#v", err)
	}
}
