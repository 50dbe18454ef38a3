package service_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"

	awsint "github.com/stepwise/stepwise/integrations/aws"

	"github.com/stepwise/stepwise/engine/service"
)

// TestTestStateTraceHTTP: TestState at TRACE shows an HTTP Task's request
// and response; what the connection adds (its API key header and query
// parameter) only with revealSecrets. DEBUG shows neither.
func TestTestStateTraceHTTP(t *testing.T) {
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Seen-Key", r.Header.Get("x-api-key"))
		w.WriteHeader(201)
		io.WriteString(w, `{"got":`+string(b)+`}`)
	}))
	defer api.Close()
	file := filepath.Join(t.TempDir(), "connections.json")
	conn := "arn:aws:events:us-east-1:111111111111:connection/key/1"
	if err := os.WriteFile(file, []byte(`{"`+conn+`": {"AuthorizationType": "API_KEY",
	  "AuthParameters": {"ApiKeyAuthParameters": {"ApiKeyName": "x-api-key", "ApiKeyValue": "k3y"},
	  "InvocationHttpParameters": {"QueryStringParameters": [{"Key": "tenant", "Value": "t1"}]}}}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	s := startServer(t, service.Options{Invoker: awsint.New(awsint.Options{ConnectionsFile: file})}, true)
	def := `{"Type":"Task","Resource":"arn:aws:states:::http:invoke","Parameters":{"ApiEndpoint":"` + api.URL + `/orders","Method":"POST",
	  "Authentication":{"ConnectionArn":"` + conn + `"},"QueryParameters":{"page":"2"},"Headers":{"x-trace":"abc"},"RequestBody":{"item":"book"}},
	  "ResultSelector":{"code.$":"$.StatusCode"},"End":true}`
	call := func(level types.InspectionLevel, reveal bool) *sfn.TestStateOutput {
		t.Helper()
		out, err := s.client.TestState(context.Background(), &sfn.TestStateInput{Definition: aws.String(def), RoleArn: aws.String(role),
			InspectionLevel: level, RevealSecrets: reveal})
		if err != nil {
			t.Fatal(err)
		}
		if out.Status != types.TestExecutionStatusSucceeded || aws.ToString(out.Output) != `{"code":"201"}` {
			t.Fatalf("TestState: %s %s %s %s", out.Status, aws.ToString(out.Output), aws.ToString(out.Error), aws.ToString(out.Cause))
		}
		return out
	}

	out := call(types.InspectionLevelTrace, false)
	req, resp := out.InspectionData.Request, out.InspectionData.Response
	if req == nil || resp == nil {
		t.Fatalf("TRACE gave no request or response: %+v", out.InspectionData)
	}
	if aws.ToString(req.Protocol) != "http" || aws.ToString(req.Method) != "POST" || aws.ToString(req.Url) != api.URL+"/orders?page=2" ||
		aws.ToString(req.Body) != `{"item":"book"}` {
		t.Errorf("request = %s %s %s %s", aws.ToString(req.Protocol), aws.ToString(req.Method), aws.ToString(req.Url), aws.ToString(req.Body))
	}
	if h := aws.ToString(req.Headers); !strings.Contains(h, "X-Trace: abc") || strings.Contains(h, "k3y") {
		t.Errorf("request headers without secrets = %q", h)
	}
	if aws.ToString(resp.StatusCode) != "201" || aws.ToString(resp.StatusMessage) != "Created" || aws.ToString(resp.Body) != `{"got":{"item":"book"}}` ||
		!strings.Contains(aws.ToString(resp.Headers), "Content-Type: application/json") {
		t.Errorf("response = %s %s %s %q", aws.ToString(resp.StatusCode), aws.ToString(resp.StatusMessage), aws.ToString(resp.Body), aws.ToString(resp.Headers))
	}
	// The response is shown as it came, secrets included (AWS omits
	// nothing of the response).
	if !strings.Contains(aws.ToString(resp.Headers), "X-Seen-Key: k3y") {
		t.Errorf("response headers = %q", aws.ToString(resp.Headers))
	}

	out = call(types.InspectionLevelTrace, true)
	req = out.InspectionData.Request
	if aws.ToString(req.Url) != api.URL+"/orders?page=2&tenant=t1" || !strings.Contains(aws.ToString(req.Headers), "X-Api-Key: k3y") {
		t.Errorf("request with revealSecrets = %s %q", aws.ToString(req.Url), aws.ToString(req.Headers))
	}

	out = call(types.InspectionLevelDebug, false)
	if out.InspectionData.Request != nil || out.InspectionData.Response != nil {
		t.Errorf("DEBUG showed the HTTP exchange")
	}
}
