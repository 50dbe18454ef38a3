package aws

import (
	"testing"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
)

func TestDefaultEndpoints(t *testing.T) {
	inv := New(Options{Endpoints: map[string]string{"events": "http://127.0.0.1:9"}})
	base := sdkaws.Config{}
	for _, c := range []struct{ service, arnName, region, want string }{
		{"secretsmanager", "secretsmanager", "eu-west-1", "https://secretsmanager.eu-west-1.amazonaws.com"},
		{"dynamodb", "dynamodb", "cn-north-1", "https://dynamodb.cn-north-1.amazonaws.com.cn"},
		{"iam", "iam", "eu-west-1", "https://iam.amazonaws.com"},
		{"eventbridge", "eventbridge", "us-east-1", "http://127.0.0.1:9"}, // by endpoint prefix
		{"sfn", "states", "us-east-1", "https://states.us-east-1.amazonaws.com"},
	} {
		svc, err := inv.service(c.service)
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := inv.endpoint(ctx(t), base, svc, c.arnName, c.region); got != c.want {
			t.Errorf("%s in %s = %s, want %s", c.service, c.region, got, c.want)
		}
	}
	svc, _ := inv.service("iam")
	if signingRegion(svc, "eu-west-1") != "us-east-1" {
		t.Error("global services sign for us-east-1")
	}
	for b, want := range map[string]bool{"my-bucket": true, "My_Bucket": false, "a.b": false, "ab": false} {
		if dnsCompatible(b) != want {
			t.Errorf("dnsCompatible(%s) != %v", b, want)
		}
	}
}
