package aws

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stepwise/stepwise/asl/value"
)

const connectionsJSON = `{
  "arn:aws:events:us-east-1:111111111111:connection/key/1": {"AuthorizationType": "API_KEY",
    "AuthParameters": {"ApiKeyAuthParameters": {"ApiKeyName": "x-api-key", "ApiKeyValue": "k3y"},
      "InvocationHttpParameters": {"QueryStringParameters": [{"Key": "tenant", "Value": "t1"}]}}},
  "arn:aws:events:us-east-1:111111111111:connection/basic/2": {"AuthorizationType": "BASIC",
    "AuthParameters": {"BasicAuthParameters": {"Username": "u", "Password": "p"}}},
  "arn:aws:events:us-east-1:111111111111:connection/oauth/3": {"AuthorizationType": "OAUTH_CLIENT_CREDENTIALS",
    "AuthParameters": {"OAuthParameters": {"AuthorizationEndpoint": "TOKENURL/token", "HttpMethod": "POST",
      "ClientParameters": {"ClientID": "cid", "ClientSecret": "csecret"},
      "OAuthHttpParameters": {"BodyParameters": [{"Key": "scope", "Value": "read"}]}}}}
}`

func TestHTTPInvokeWithConnections(t *testing.T) {
	var tokenCalls atomic.Int32
	api := newWireServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/token" {
			tokenCalls.Add(1)
			b, _ := io.ReadAll(r.Body)
			if user, pass, _ := r.BasicAuth(); user != "cid" || pass != "csecret" || !strings.Contains(string(b), "grant_type=client_credentials") || !strings.Contains(string(b), "scope=read") {
				w.WriteHeader(401)
				return
			}
			io.WriteString(w, `{"access_token":"tok-1","expires_in":3600,"token_type":"Bearer"}`)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/missing" {
			w.WriteHeader(404)
			io.WriteString(w, `{"message":"not here"}`)
			return
		}
		io.WriteString(w, `{"ok":true}`)
	})
	dir := t.TempDir()
	file := filepath.Join(dir, "connections.json")
	if err := os.WriteFile(file, []byte(strings.ReplaceAll(connectionsJSON, "TOKENURL", api.URL)), 0o644); err != nil {
		t.Fatal(err)
	}
	inv := New(Options{ConnectionsFile: file})
	run := func(conn, params string) (any, error) {
		return inv.Invoke(ctx(t), task("arn:aws:states:::http:invoke", `{"ApiEndpoint":"`+api.URL+`/orders","Authentication":{"ConnectionArn":"arn:aws:events:us-east-1:111111111111:connection/`+conn+`"},`+params+`}`))
	}
	out, err := run("key/1", `"Method":"POST","Headers":{"x-trace":"abc"},"QueryParameters":{"page":"2"},"RequestBody":{"item":"book","qty":1}`)
	if err != nil {
		t.Fatal(err)
	}
	o := out.(*value.Object)
	if got := strings.Join(o.Keys(), ","); got != "Headers,ResponseBody,StatusCode,StatusText" {
		t.Fatalf("keys = %s", got)
	}
	if rb, _ := o.Get("ResponseBody"); value.EncodeString(rb) != `{"ok":true}` || lookupString(o, "StatusCode") != "200" || lookupString(o, "StatusText") != "OK" {
		t.Fatalf("result = %s", o)
	}
	req := api.last(t)
	if req.Method != "POST" || req.Path != "/orders" || req.RawQuery != "page=2&tenant=t1" || req.Header.Get("x-api-key") != "k3y" ||
		req.Header.Get("x-trace") != "abc" || req.Body != `{"item":"book","qty":1}` {
		t.Fatalf("request = %+v", req)
	}

	if _, err := run("basic/2", `"Method":"GET"`); err != nil {
		t.Fatal(err)
	}
	if got := api.last(t).Header.Get("Authorization"); got != "Basic dTpw" {
		t.Fatalf("basic Authorization = %q", got)
	}

	for i := 0; i < 2; i++ {
		if _, err := run("oauth/3", `"Method":"POST","RequestBody":{"a":[1,2]},"Transform":{"RequestBodyEncoding":"URL_ENCODED","RequestEncodingOptions":{"ArrayFormat":"BRACKETS"}}`); err != nil {
			t.Fatal(err)
		}
	}
	req = api.last(t)
	if req.Header.Get("Authorization") != "Bearer tok-1" || req.Body != "a%5B%5D=1&a%5B%5D=2" || tokenCalls.Load() != 1 {
		t.Fatalf("OAuth request = %+v (token requests %d, want 1: cached)", req, tokenCalls.Load())
	}

	_, err = inv.Invoke(ctx(t), task("arn:aws:states:::http:invoke", `{"ApiEndpoint":"`+api.URL+`/missing","Method":"GET","Authentication":{"ConnectionArn":"arn:aws:events:us-east-1:111111111111:connection/key/1"}}`))
	wantFault(t, err, "States.Http.StatusCode.404", `{"Headers":{`)
	_, err = run("nope/9", `"Method":"GET"`)
	wantFault(t, err, "States.Runtime", `http:invoke in state "S": the connection arn:aws:events:us-east-1:111111111111:connection/nope/9 is not in the connections file`)
}

func TestAPIGatewayInvoke(t *testing.T) {
	api := newWireServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if strings.HasSuffix(r.URL.Path, "/forbidden") {
			w.WriteHeader(403)
			io.WriteString(w, `{"message":"Forbidden"}`)
			return
		}
		io.WriteString(w, `{"id":7}`)
	})
	inv := testInvoker(nil)
	out, err := inv.Invoke(ctx(t), task("arn:aws:states:::apigateway:invoke", `{"ApiEndpoint":"`+api.URL+`","Method":"POST","Stage":"prod","Path":"/pets","QueryParameters":{"kind":["cat","dog"]},"Headers":{"x-h":["1"]},"RequestBody":{"name":"rex"},"AuthType":"IAM_ROLE"}`))
	if err != nil {
		t.Fatal(err)
	}
	if got := value.EncodeString(member(out, "ResponseBody")); got != `{"id":7}` || member(out, "StatusCode") != int64(200) {
		t.Fatalf("result = %s", value.EncodeString(out))
	}
	req := api.last(t)
	wantRequest(t, req, "POST", "/prod/pets", "kind=cat&kind=dog", map[string]string{"x-h": "1", "Content-Type": "application/json"}, `{"name":"rex"}`)
	if req.SignedFor != "us-east-1/execute-api" {
		t.Fatalf("signed for %q", req.SignedFor)
	}
	_, err = inv.Invoke(ctx(t), task("arn:aws:states:::apigateway:invoke", `{"ApiEndpoint":"`+api.URL+`","Method":"GET","Path":"forbidden"}`))
	wantFault(t, err, "ApiGateway.403", `{"message":"Forbidden"}`)
}
