package auth

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// FuzzVerify feeds arbitrary request parts to Verify: it must never panic,
// every rejection must be a well-formed 400 with a known type, and a request
// can only pass when it names the configured access key.
func FuzzVerify(f *testing.F) {
	good := signedRequest(f, startBody, signOpts{url: "http://localhost:8083/p/a%20th?x=1&y=%7E"})
	f.Add("POST", good.URL.Path, good.URL.RawQuery, good.Host, good.Header.Get("Authorization"),
		good.Header.Get("X-Amz-Date"), "", "application/x-amz-json-1.0", good.Header.Get("X-Amz-Target"), startBody)
	f.Add("POST", "/", "", "localhost", "", "", "", "", "", "")
	f.Add("GET", "", "a=%zz;b", "", "AWS4-HMAC-SHA256", "x", "UNSIGNED-PAYLOAD", "", "", "")
	f.Add("POST", "/", "", "h", "AWS4-HMAC-SHA256 Credential=/////, SignedHeaders=;;, Signature=", "20260314T150926Z", "", "", "", "")
	f.Add("POST", "/", "", "h", "AWS4-HMAC-SHA256 Credential=AKIDSTEPWISE/20260314/us-east-1/states/aws4_request,SignedHeaders=host;x-amz-date,Signature=00",
		"20260314T150926Z", "", "", "", "{}")
	f.Add("POST", "/", "", "h", "AWS4-HMAC-SHA256 ,,, = ==,Credential==", "99999999T999999Z", "", "", "", "")
	f.Add("POST", "/%", "%", "\x00", "AWS4-HMAC-SHA256 Credential=a/b/c/d/e\tSignedHeaders=HOST;X-AMZ-DATE;content-length Signature=zz",
		"20260314T150926Z", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "", "", "")

	v := testVerifier()
	f.Fuzz(func(t *testing.T, method, path, rawQuery, host, authz, amzDate, contentSHA, contentType, target, body string) {
		r := fuzzRequest(method, path, rawQuery, host, authz, amzDate, contentSHA, contentType, target, body)
		err := v.Verify(r, []byte(body))
		if err == nil {
			if !strings.Contains(authz, "Credential="+testKey+"/") {
				t.Fatalf("accepted a request without the known access key: %q", authz)
			}
			return
		}
		if err.Status != http.StatusBadRequest || err.Message == "" {
			t.Fatalf("malformed rejection: %+v", err)
		}
		switch err.Type {
		case TypeMissingAuthenticationToken, TypeIncompleteSignature, TypeInvalidSignature, TypeUnrecognizedClient:
		default:
			t.Fatalf("unknown error type %q", err.Type)
		}
	})
}

// fuzzRequest assembles a server-side request from the fuzzed parts.
func fuzzRequest(method, path, rawQuery, host, authz, amzDate, contentSHA, contentType, target, body string) *http.Request {
	r := &http.Request{
		Method:        method,
		URL:           &url.URL{Path: path, RawQuery: rawQuery},
		Host:          host,
		Header:        http.Header{},
		ContentLength: int64(len(body)),
	}
	set := func(k, val string) {
		if val != "" {
			r.Header.Set(k, val)
		}
	}
	set("Authorization", authz)
	set("X-Amz-Content-Sha256", contentSHA)
	set("Content-Type", contentType)
	set("X-Amz-Target", target)
	if d, ok := strings.CutPrefix(amzDate, "D"); ok {
		set("Date", d) // exercise the Date-header path
	} else {
		set("X-Amz-Date", amzDate)
	}
	return r
}

// TestFuzzSeedSignedRequestPasses guards the fuzz corpus: its first seed must
// be a request Verify accepts, so the fuzzer starts from the accepting path.
func TestFuzzSeedSignedRequestPasses(t *testing.T) {
	good := signedRequest(t, startBody, signOpts{url: "http://localhost:8083/p/a%20th?x=1&y=%7E"})
	r := fuzzRequest("POST", good.URL.Path, good.URL.RawQuery, good.Host, good.Header.Get("Authorization"),
		good.Header.Get("X-Amz-Date"), "", "application/x-amz-json-1.0", good.Header.Get("X-Amz-Target"), startBody)
	if err := testVerifier().Verify(r, []byte(startBody)); err != nil {
		t.Fatalf("seed rejected: %v", err)
	}
}
