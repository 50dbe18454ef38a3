package service_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/stepwise/stepwise/engine/service"
	"github.com/stepwise/stepwise/engine/service/auth"
	"github.com/stepwise/stepwise/engine/service/store"
)

// fuzzAuthNow is the fuzzed server's clock, so that a signed seed stays
// fresh.
var fuzzAuthNow = time.Date(2026, 12, 5, 6, 0, 0, 0, time.UTC)

// FuzzServeHTTPWithAuth sends arbitrary requests (method, path, headers,
// body) to the service under SigV4: it must never fail internally, and a
// request the fuzzer did not sign with the key (signed is false) never
// gets past authentication, whatever Authorization header it makes up.
// A request signed by the SDK's signer always does.
func FuzzServeHTTPWithAuth(f *testing.F) {
	st, err := store.Open(context.Background(), store.Memory, store.Options{})
	if err != nil {
		f.Fatal(err)
	}
	defer st.Close()
	v := &auth.Verifier{Credentials: map[string]string{"AKIDFUZZ": "fuzz-secret"}, Region: "us-east-1", Now: func() time.Time { return fuzzAuthNow }}
	svc, err := service.New(service.Options{Store: st, Auth: v, ActivityPollTimeout: time.Millisecond})
	if err != nil {
		f.Fatal(err)
	}
	defer func() { _ = svc.Shutdown(context.Background()) }()

	// The headers of a request signed with another secret, as seeds for
	// forgeries: well formed, fresh, of the right key, but no mutation can
	// make their HMAC right.
	seed, _ := http.NewRequest("POST", "http://localhost/", strings.NewReader(`{}`))
	seed.Header.Set("X-Amz-Target", "AWSStepFunctions.ListStateMachines")
	seed.Header.Set("Content-Type", "application/x-amz-json-1.0")
	fuzzSignWith(f, seed, `{}`, "not-the-secret")
	var signedHeaders strings.Builder
	for k, vs := range seed.Header {
		signedHeaders.WriteString(k + ": " + vs[0] + "\n")
	}
	f.Add("POST", "/", signedHeaders.String(), `{}`, false)
	f.Add("POST", "/", signedHeaders.String(), `{"x":1}`, false)
	f.Add("POST", "/", "X-Amz-Target: AWSStepFunctions.ListStateMachines\n", `{}`, true)
	f.Add("GET", "/metrics", "Authorization: AWS4-HMAC-SHA256 Credential=AKIDFUZZ/20261205/us-east-1/states/aws4_request, SignedHeaders=host;x-amz-date, Signature=00\nX-Amz-Date: 20261205T060000Z\n", "", false)
	f.Add("DELETE", "/a/../b?X-Amz-Signature=1&X-Amz-Credential=AKIDFUZZ", "Date: Sat, 05 Dec 2026 06:00:00 GMT\n", "x", false)
	f.Add("POST", "/%2e%2e/", "Authorization: \nAuthorization: AWS4-HMAC-SHA256\n", "", true)

	f.Fuzz(func(t *testing.T, method, path, headers, body string, signed bool) {
		r, err := http.NewRequest(method, "http://localhost"+path, bytes.NewReader([]byte(body)))
		if err != nil || !strings.HasPrefix(path, "/") {
			return
		}
		for _, line := range strings.Split(headers, "\n") {
			k, val, ok := strings.Cut(line, ":")
			if ok && validHeaderName(k) {
				r.Header.Add(k, strings.TrimSpace(val))
			}
		}
		if signed {
			r.Header.Del("Authorization")
			fuzzSign(t, r, body)
		}
		rec := httptest.NewRecorder()
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		svc.ServeHTTP(rec, r.WithContext(ctx))
		if rec.Code >= 500 {
			t.Fatalf("status %d: %s", rec.Code, rec.Body.String())
		}
		typ := rec.Header().Get("X-Amzn-Errortype")
		authError := typ == auth.TypeMissingAuthenticationToken || typ == auth.TypeIncompleteSignature ||
			typ == auth.TypeInvalidSignature || typ == auth.TypeUnrecognizedClient
		var e struct {
			Type string `json:"__type"`
		}
		_ = json.Unmarshal(rec.Body.Bytes(), &e)
		switch {
		case !signed && !authError:
			t.Fatalf("an unsigned %s %s got in: %d %s %s", method, path, rec.Code, typ, rec.Body.String())
		case signed && authError && len(body) <= service.MaxRequestBytes:
			t.Fatalf("a signed %s %s was refused: %s", method, path, rec.Body.String())
		case rec.Code != http.StatusOK && e.Type != typ:
			t.Fatalf("__type %q but X-Amzn-ErrorType %q", e.Type, typ)
		}
	})
}

// fuzzSign signs r with the fuzzed server's key at its clock's time.
func fuzzSign(t testing.TB, r *http.Request, body string) { fuzzSignWith(t, r, body, "fuzz-secret") }

// fuzzSignWith signs r with the fuzzed server's access key id and secret.
func fuzzSignWith(t testing.TB, r *http.Request, body, secret string) {
	sum := sha256.Sum256([]byte(body))
	err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: "AKIDFUZZ", SecretAccessKey: secret},
		r, hex.EncodeToString(sum[:]), "states", "us-east-1", fuzzAuthNow)
	if err != nil {
		t.Fatal(err)
	}
}

// validHeaderName reports whether name is an HTTP token (RFC 9110), as a
// client can send it.
func validHeaderName(name string) bool {
	if name == "" {
		return false
	}
	for _, c := range name {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("!#$%&'*+-.^_`|~", c)) {
			return false
		}
	}
	return true
}
