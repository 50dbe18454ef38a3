package layers

import (
	"os/exec"
	"strings"
	"testing"
)

// linkedSDKClients are the aws-sdk-go-v2 service clients the stepwise
// binary may link: those aws-sdk-go-v2's config needs for credentials
// (sts, sso, ssooidc, signin) and S3, the object store of Distributed Maps.
// Every other service is reached through the generated models
// (integrations/aws/model); linking a client costs each start of stepwise
// its package initialisation.
var linkedSDKClients = map[string]bool{"sts": true, "sso": true, "ssooidc": true, "signin": true, "s3": true}

// TestNoOtherSDKClientIsLinked lists the packages cmd/stepwise depends on
// and fails on an aws-sdk-go-v2 service client outside linkedSDKClients.
func TestNoOtherSDKClientIsLinked(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", module+"cmd/stepwise").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	const prefix = "github.com/aws/aws-sdk-go-v2/service/"
	seen := 0
	for _, p := range strings.Fields(string(out)) {
		rest, ok := strings.CutPrefix(p, prefix)
		if !ok {
			continue
		}
		seen++
		svc, _, _ := strings.Cut(rest, "/")
		if svc != "internal" && !linkedSDKClients[svc] {
			t.Errorf("cmd/stepwise links %s: reach the service through integrations/aws/model instead", p)
		}
	}
	if seen == 0 {
		t.Fatal("no aws-sdk-go-v2 service package at all: the listing is not what this test expects")
	}
}
