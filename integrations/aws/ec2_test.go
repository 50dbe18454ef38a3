package aws

import (
	"io"
	"net/http"
	"net/url"
	"regexp"
	"testing"

	"github.com/stepwise/stepwise/asl/value"
)

// ec2Reply answers with an EC2 XML document and EC2's content type.
func ec2Reply(status int, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/xml;charset=UTF-8")
		w.WriteHeader(status)
		io.WriteString(w, body)
	}
}

// wantForm checks a request to EC2: POST / with a signed form body
// holding exactly the given parameters.
func wantForm(t *testing.T, got wireRequest, want url.Values) {
	t.Helper()
	wantRequest(t, got, "POST", "/", "", map[string]string{"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}, got.Body)
	if got.SignedFor != "us-east-1/ec2" {
		t.Errorf("signed for %q, want us-east-1/ec2", got.SignedFor)
	}
	form, err := url.ParseQuery(got.Body)
	if err != nil {
		t.Fatal(err)
	}
	if form.Encode() != want.Encode() {
		t.Errorf("form = %s\nwant %s", form.Encode(), want.Encode())
	}
}

const describeInstancesResponse = `<?xml version="1.0" encoding="UTF-8"?>
<DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
    <requestId>8f7724cf-496f-496e-8fe3-example</requestId>
    <reservationSet>
        <item>
            <reservationId>r-1234567890abcdef0</reservationId>
            <ownerId>123456789012</ownerId>
            <groupSet/>
            <instancesSet>
                <item>
                    <instanceId>i-1234567890abcdef0</instanceId>
                    <imageId>ami-0abcdef1234567890</imageId>
                    <instanceState>
                        <code>16</code>
                        <name>running</name>
                    </instanceState>
                    <privateDnsName>ip-10-0-0-157.ec2.internal</privateDnsName>
                    <amiLaunchIndex>0</amiLaunchIndex>
                    <instanceType>t3.micro</instanceType>
                    <launchTime>2024-05-01T10:00:00.000Z</launchTime>
                    <placement>
                        <availabilityZone>us-east-1a</availabilityZone>
                        <tenancy>default</tenancy>
                    </placement>
                    <monitoring>
                        <state>disabled</state>
                    </monitoring>
                    <privateIpAddress>10.0.0.157</privateIpAddress>
                    <securityGroupIds/>
                    <groupSet>
                        <item>
                            <groupId>sg-0598c7d356eba48d7</groupId>
                            <groupName>web</groupName>
                        </item>
                    </groupSet>
                    <ebsOptimized>false</ebsOptimized>
                    <tagSet>
                        <item>
                            <key>Name</key>
                            <value>web-1</value>
                        </item>
                    </tagSet>
                </item>
            </instancesSet>
        </item>
    </reservationSet>
</DescribeInstancesResponse>`

// TestEC2DescribeInstances: the request is the ec2Query form (capitalised
// names, lists numbered from 1 without a member segment), and the result
// has the aws-sdk shape: members PascalCase, sorted, lists as arrays,
// numbers and booleans typed, timestamps as Instant.toString.
func TestEC2DescribeInstances(t *testing.T) {
	srv := newWireServer(t, ec2Reply(200, describeInstancesResponse))
	inv := testInvoker(map[string]string{"ec2": srv.URL})
	out, err := inv.Invoke(ctx(t), task("arn:aws:states:::aws-sdk:ec2:describeInstances",
		`{"InstanceIds":["i-1234567890abcdef0","i-0598c7d356eba48d7"],"Filters":[{"Name":"instance-state-name","Values":["running","stopped"]},{"Name":"tag:env","Values":["prod"]}],"MaxResults":5}`))
	if err != nil {
		t.Fatal(err)
	}
	wantForm(t, srv.last(t), url.Values{"Action": {"DescribeInstances"}, "Version": {"2016-11-15"},
		"InstanceId.1": {"i-1234567890abcdef0"}, "InstanceId.2": {"i-0598c7d356eba48d7"},
		"Filter.1.Name": {"instance-state-name"}, "Filter.1.Value.1": {"running"}, "Filter.1.Value.2": {"stopped"},
		"Filter.2.Name": {"tag:env"}, "Filter.2.Value.1": {"prod"}, "MaxResults": {"5"}})
	want := `{"Reservations":[{"Groups":[],"Instances":[{` +
		`"AmiLaunchIndex":0,"EbsOptimized":false,"ImageId":"ami-0abcdef1234567890","InstanceId":"i-1234567890abcdef0","InstanceType":"t3.micro",` +
		`"LaunchTime":"2024-05-01T10:00:00Z","Monitoring":{"State":"disabled"},"Placement":{"AvailabilityZone":"us-east-1a","Tenancy":"default"},` +
		`"PrivateDnsName":"ip-10-0-0-157.ec2.internal","PrivateIpAddress":"10.0.0.157","SecurityGroups":[{"GroupId":"sg-0598c7d356eba48d7","GroupName":"web"}],` +
		`"State":{"Code":16,"Name":"running"},"Tags":[{"Key":"Name","Value":"web-1"}]}],` +
		`"OwnerId":"123456789012","ReservationId":"r-1234567890abcdef0"}]}`
	if got := value.EncodeString(out); !sameJSON(t, got, want) {
		t.Fatalf("describeInstances = %s\nwant %s", got, want)
	}
}

// TestEC2RunInstances: nested structures and lists of structures in the
// form (BlockDeviceMapping.1.Ebs.VolumeSize, TagSpecification.1.Tag.1.Key),
// and RunInstances' Reservation result.
func TestEC2RunInstances(t *testing.T) {
	srv := newWireServer(t, ec2Reply(200, `<RunInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
  <requestId>e0f4b4ba-2a8e-4d0e-9c0d-example</requestId>
  <reservationId>r-0b1f4c0a7d5e3f2a1</reservationId>
  <ownerId>123456789012</ownerId>
  <instancesSet>
    <item>
      <instanceId>i-0a1b2c3d4e5f67890</instanceId>
      <imageId>ami-0abcdef1234567890</imageId>
      <instanceState><code>0</code><name>pending</name></instanceState>
      <instanceType>t3.micro</instanceType>
      <launchTime>2024-05-01T10:00:01.250Z</launchTime>
      <subnetId>subnet-0bb1c79de3EXAMPLE</subnetId>
      <tagSet><item><key>env</key><value>test</value></item></tagSet>
    </item>
  </instancesSet>
</RunInstancesResponse>`))
	inv := testInvoker(map[string]string{"ec2": srv.URL})
	out, err := inv.Invoke(ctx(t), task("arn:aws:states:::aws-sdk:ec2:runInstances", `{
		"ImageId":"ami-0abcdef1234567890","InstanceType":"t3.micro","MinCount":1,"MaxCount":1,
		"SecurityGroupIds":["sg-1","sg-2"],"SubnetId":"subnet-0bb1c79de3EXAMPLE",
		"BlockDeviceMappings":[{"DeviceName":"/dev/xvda","Ebs":{"VolumeSize":20,"VolumeType":"gp3","DeleteOnTermination":true}}],
		"TagSpecifications":[{"ResourceType":"instance","Tags":[{"Key":"env","Value":"test"}]}],
		"ClientToken":"token-1"}`))
	if err != nil {
		t.Fatal(err)
	}
	wantForm(t, srv.last(t), url.Values{"Action": {"RunInstances"}, "Version": {"2016-11-15"},
		"ImageId": {"ami-0abcdef1234567890"}, "InstanceType": {"t3.micro"}, "MinCount": {"1"}, "MaxCount": {"1"},
		"SecurityGroupId.1": {"sg-1"}, "SecurityGroupId.2": {"sg-2"}, "SubnetId": {"subnet-0bb1c79de3EXAMPLE"},
		"BlockDeviceMapping.1.DeviceName": {"/dev/xvda"}, "BlockDeviceMapping.1.Ebs.VolumeSize": {"20"},
		"BlockDeviceMapping.1.Ebs.VolumeType": {"gp3"}, "BlockDeviceMapping.1.Ebs.DeleteOnTermination": {"true"},
		"TagSpecification.1.ResourceType": {"instance"}, "TagSpecification.1.Tag.1.Key": {"env"}, "TagSpecification.1.Tag.1.Value": {"test"},
		"ClientToken": {"token-1"}})
	want := `{"Instances":[{"ImageId":"ami-0abcdef1234567890","InstanceId":"i-0a1b2c3d4e5f67890","InstanceType":"t3.micro",` +
		`"LaunchTime":"2024-05-01T10:00:01.250Z","State":{"Code":0,"Name":"pending"},"SubnetId":"subnet-0bb1c79de3EXAMPLE",` +
		`"Tags":[{"Key":"env","Value":"test"}]}],"OwnerId":"123456789012","ReservationId":"r-0b1f4c0a7d5e3f2a1"}`
	if got := value.EncodeString(out); !sameJSON(t, got, want) {
		t.Fatalf("runInstances = %s\nwant %s", got, want)
	}

	// ClientToken is RunInstances' idempotency token: left out, it is a
	// new UUID on each call.
	tokens := map[string]bool{}
	for i := 0; i < 2; i++ {
		if _, err := inv.Invoke(ctx(t), task("arn:aws:states:::aws-sdk:ec2:runInstances", `{"ImageId":"ami-0abcdef1234567890","MinCount":1,"MaxCount":1}`)); err != nil {
			t.Fatal(err)
		}
		form, _ := url.ParseQuery(srv.last(t).Body)
		tok := form.Get("ClientToken")
		if !uuidPattern.MatchString(tok) || tokens[tok] {
			t.Fatalf("ClientToken %q (seen %v), want a new UUID", tok, tokens)
		}
		tokens[tok] = true
	}
}

var uuidPattern = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// TestEC2Error: EC2 models no error shapes, so every EC2 error is the
// unmodeled one, Ec2.Ec2Exception (as the Java SDK v2's Ec2Exception),
// with the code's message and EC2's RequestID in the cause.
func TestEC2Error(t *testing.T) {
	srv := newWireServer(t, ec2Reply(400, `<?xml version="1.0" encoding="UTF-8"?>
<Response><Errors><Error><Code>InvalidInstanceID.NotFound</Code><Message>The instance ID 'i-0123456789abcdef0' does not exist</Message></Error></Errors><RequestID>ea966190-f9aa-478e-9ede-example</RequestID></Response>`))
	inv := testInvoker(map[string]string{"ec2": srv.URL})
	_, err := inv.Invoke(ctx(t), task("arn:aws:states:::aws-sdk:ec2:terminateInstances", `{"InstanceIds":["i-0123456789abcdef0"]}`))
	wantFault(t, err, "Ec2.Ec2Exception", "The instance ID 'i-0123456789abcdef0' does not exist (Service: Ec2, Status Code: 400, Request ID: ea966190-f9aa-478e-9ede-example)")
	wantForm(t, srv.last(t), url.Values{"Action": {"TerminateInstances"}, "Version": {"2016-11-15"}, "InstanceId.1": {"i-0123456789abcdef0"}})
}
