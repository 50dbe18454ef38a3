package auth

import (
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
)

const (
	testKey    = "AKIDSTEPWISE"
	testSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYSTEPWISEKEY"
	testRegion = "us-east-1"
)

var testNow = time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)

func testVerifier() *Verifier {
	return &Verifier{
		Credentials: map[string]string{testKey: testSecret},
		Now:         func() time.Time { return testNow },
	}
}

type signOpts struct {
	key, secret, service, region string
	at                           time.Time
	target                       string
	url                          string
	contentSHA                   string // set X-Amz-Content-Sha256 before signing
	extra                        http.Header
	unsigned                     []string // headers added after signing (not among the signed headers)
}

// signedRequest builds a Step Functions style POST and signs it with the
// aws-sdk-go-v2 SigV4 signer, as an SDK client would.
func signedRequest(t testing.TB, body string, o signOpts) *http.Request {
	t.Helper()
	if o.key == "" {
		o.key = testKey
	}
	if o.secret == "" {
		o.secret = testSecret
	}
	if o.service == "" {
		o.service = "states"
	}
	if o.region == "" {
		o.region = testRegion
	}
	if o.at.IsZero() {
		o.at = testNow
	}
	if o.target == "" {
		o.target = "AWSStepFunctions.StartExecution"
	}
	if o.url == "" {
		o.url = "http://localhost:8083/"
	}
	r, err := http.NewRequest(http.MethodPost, o.url, strings.NewReader(body))
	if err != nil {
		t.Fatalf("new request: %v", err)
	}
	r.Header.Set("Content-Type", "application/x-amz-json-1.0")
	r.Header.Set("X-Amz-Target", o.target)
	if o.contentSHA != "" {
		r.Header.Set("X-Amz-Content-Sha256", o.contentSHA)
	}
	for k, vs := range o.extra {
		for _, v := range vs {
			r.Header.Add(k, v)
		}
	}
	later := http.Header{}
	for _, h := range o.unsigned {
		later.Set(h, r.Header.Get(h))
		r.Header.Del(h)
	}
	sum := sha256.Sum256([]byte(body))
	creds := aws.Credentials{AccessKeyID: o.key, SecretAccessKey: o.secret}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, r, hex.EncodeToString(sum[:]), o.service, o.region, o.at); err != nil {
		t.Fatalf("sign: %v", err)
	}
	for h, vs := range later {
		r.Header[h] = vs
	}
	return r
}

const startBody = `{"stateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:hello","input":"{}"}`

func TestVerifyAcceptsSDKSignedRequests(t *testing.T) {
	v := testVerifier()
	cases := map[string]signOpts{
		"plain":               {},
		"query and odd path":  {url: "http://localhost:8083/a%20b/c~d?b=2&a=1&a=0&sp=x%20y&star=*"},
		"content sha header":  {contentSHA: hashHex([]byte(startBody))},
		"multi-value header":  {extra: http.Header{"X-Amz-Meta": {"a  b", " c "}}},
		"skew just under 5m":  {at: testNow.Add(-MaxSkew + time.Second)},
		"future under 5m":     {at: testNow.Add(MaxSkew - time.Second)},
		"other region":        {region: "eu-west-3"},
		"list state machines": {target: "AWSStepFunctions.ListStateMachines"},
	}
	for name, o := range cases {
		t.Run(name, func(t *testing.T) {
			r := signedRequest(t, startBody, o)
			if err := v.Verify(r, []byte(startBody)); err != nil {
				t.Fatalf("Verify rejected a correctly signed request: %v", err)
			}
		})
	}
}

func TestVerifyRejections(t *testing.T) {
	type tc struct {
		req     func(t *testing.T) (*http.Request, []byte)
		v       func(v *Verifier)
		typ     string
		message string // exact, or prefix when it ends in "..."
	}
	body := []byte(startBody)
	signed := func(o signOpts) func(t *testing.T) (*http.Request, []byte) {
		return func(t *testing.T) (*http.Request, []byte) { return signedRequest(t, startBody, o), body }
	}
	editAuth := func(o signOpts, f func(string) string) func(t *testing.T) (*http.Request, []byte) {
		return func(t *testing.T) (*http.Request, []byte) {
			r := signedRequest(t, startBody, o)
			r.Header.Set("Authorization", f(r.Header.Get("Authorization")))
			return r, body
		}
	}
	cases := map[string]tc{
		"missing authorization": {
			req: func(t *testing.T) (*http.Request, []byte) {
				r := signedRequest(t, startBody, signOpts{})
				r.Header.Del("Authorization")
				return r, body
			},
			typ: TypeMissingAuthenticationToken, message: "Request is missing Authentication Token",
		},
		"unknown access key": {
			req: signed(signOpts{key: "AKIDNOBODY"}),
			typ: TypeUnrecognizedClient, message: "The security token included in the request is invalid.",
		},
		"wrong secret": {
			req: signed(signOpts{secret: "not-the-secret"}),
			typ: TypeInvalidSignature, message: "The request signature we calculated does not match the signature you provided. ...",
		},
		"tampered body": {
			req: func(t *testing.T) (*http.Request, []byte) {
				return signedRequest(t, startBody, signOpts{}), []byte(strings.Replace(startBody, "hello", "evil", 1))
			},
			typ: TypeInvalidSignature, message: "The request signature we calculated does not match the signature you provided. ...",
		},
		"content sha mismatch": {
			req: func(t *testing.T) (*http.Request, []byte) {
				r := signedRequest(t, startBody, signOpts{contentSHA: hashHex(body)})
				return r, []byte(`{"stateMachineArn":"x"}`)
			},
			typ: TypeInvalidSignature, message: "The provided 'x-amz-content-sha256' header does not match what was computed.",
		},
		"tampered signed header": {
			req: func(t *testing.T) (*http.Request, []byte) {
				r := signedRequest(t, startBody, signOpts{})
				r.Header.Set("X-Amz-Target", "AWSStepFunctions.DeleteStateMachine")
				return r, body
			},
			typ: TypeInvalidSignature, message: "The request signature we calculated does not match the signature you provided. ...",
		},
		"tampered host": {
			req: func(t *testing.T) (*http.Request, []byte) {
				r := signedRequest(t, startBody, signOpts{})
				r.Host = "elsewhere:8083"
				return r, body
			},
			typ: TypeInvalidSignature, message: "The request signature we calculated does not match the signature you provided. ...",
		},
		"expired": {
			req:     signed(signOpts{at: testNow.Add(-MaxSkew - time.Second)}),
			typ:     TypeInvalidSignature,
			message: "Signature expired: 20260314T150425Z is now earlier than 20260314T150426Z (20260314T150926Z - 5 min.)",
		},
		"not yet current": {
			req:     signed(signOpts{at: testNow.Add(MaxSkew + time.Second)}),
			typ:     TypeInvalidSignature,
			message: "Signature not yet current: 20260314T151427Z is still later than 20260314T151426Z (20260314T150926Z + 5 min.)",
		},
		"wrong service": {
			req: signed(signOpts{service: "lambda"}),
			typ: TypeInvalidSignature, message: "Credential should be scoped to correct service: 'states'.",
		},
		"wrong region": {
			req: signed(signOpts{region: "eu-west-1"}),
			v:   func(v *Verifier) { v.Region = "us-east-1" },
			typ: TypeInvalidSignature, message: "Credential should be scoped to a valid region, not 'eu-west-1'.",
		},
		"custom service": {
			req: signed(signOpts{}),
			v:   func(v *Verifier) { v.Service = "stepwise" },
			typ: TypeInvalidSignature, message: "Credential should be scoped to correct service: 'stepwise'.",
		},
		"scope date differs from x-amz-date": {
			req:     editAuth(signOpts{}, func(a string) string { return strings.Replace(a, "/20260314/", "/20260313/", 1) }),
			typ:     TypeInvalidSignature,
			message: "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20260313' != '20260314', from '20260314T150926Z'.",
		},
		"bad terminator": {
			req: editAuth(signOpts{}, func(a string) string { return strings.Replace(a, "/aws4_request", "/aws5_request", 1) }),
			typ: TypeInvalidSignature, message: "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws5_request'.",
		},
		"host not signed": {
			req: editAuth(signOpts{}, func(a string) string { return strings.Replace(a, "host;", "", 1) }),
			typ: TypeIncompleteSignature, message: "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
		},
		"x-amz-date not signed": {
			req: editAuth(signOpts{}, func(a string) string { return strings.Replace(a, ";x-amz-date", "", 1) }),
			typ: TypeIncompleteSignature, message: "'X-Amz-Date' must be a 'SignedHeader' in the AWS Authorization.",
		},
		// A request whose signature does not cover its operation could be
		// replayed as another operation (a captured DescribeExecution
		// re-sent as StopExecution).
		"x-amz-target not signed": {
			req: signed(signOpts{target: "AWSStepFunctions.StopExecution", unsigned: []string{"X-Amz-Target"}}),
			typ: TypeIncompleteSignature, message: "'X-Amz-Target' must be a 'SignedHeader' in the AWS Authorization.",
		},
		"content-type not signed": {
			req: signed(signOpts{unsigned: []string{"Content-Type"}}),
			typ: TypeIncompleteSignature, message: "'Content-Type' must be a 'SignedHeader' in the AWS Authorization.",
		},
		"no date header": {
			req: func(t *testing.T) (*http.Request, []byte) {
				r := signedRequest(t, startBody, signOpts{})
				r.Header.Del("X-Amz-Date")
				return r, body
			},
			typ:     TypeIncompleteSignature,
			message: "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=...",
		},
		"bad date format": {
			req: func(t *testing.T) (*http.Request, []byte) {
				r := signedRequest(t, startBody, signOpts{})
				r.Header.Set("X-Amz-Date", "2026-03-14T15:09:26Z")
				return r, body
			},
			typ:     TypeIncompleteSignature,
			message: "Date must be in ISO-8601 'basic format'. Got '2026-03-14T15:09:26Z'. See http://en.wikipedia.org/wiki/ISO_8601",
		},
		"missing parameters": {
			req: func(t *testing.T) (*http.Request, []byte) {
				r := signedRequest(t, startBody, signOpts{})
				r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDSTEPWISE/20260314/us-east-1/states/aws4_request")
				return r, body
			},
			typ: TypeIncompleteSignature,
			message: "Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. " +
				"Authorization=AWS4-HMAC-SHA256 Credential=AKIDSTEPWISE/20260314/us-east-1/states/aws4_request",
		},
		"missing equal sign": {
			req: editAuth(signOpts{}, func(a string) string {
				return strings.Replace(a, "Credential=AKIDSTEPWISE", "Credential=AKIDSTEPWISE ", 1)
			}),
			typ: TypeIncompleteSignature, message: "'/20260314/us-east-1/states/aws4_request' not a valid key=value pair (missing equal-sign) in Authorization header: ...",
		},
		"credential with four elements": {
			req:     editAuth(signOpts{}, func(a string) string { return strings.Replace(a, "/us-east-1", "", 1) }),
			typ:     TypeIncompleteSignature,
			message: "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got 'AKIDSTEPWISE/20260314/states/aws4_request'",
		},
		"other algorithm": {
			req: editAuth(signOpts{}, func(a string) string { return strings.Replace(a, "AWS4-HMAC-SHA256", "AWS4-ECDSA-P256-SHA256", 1) }),
			typ: TypeIncompleteSignature, message: "Unsupported AWS 'algorithm': 'AWS4-ECDSA-P256-SHA256'. ...",
		},
		"empty credentials map": {
			req: signed(signOpts{}),
			v:   func(v *Verifier) { v.Credentials = nil },
			typ: TypeUnrecognizedClient, message: "The security token included in the request is invalid.",
		},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			v := testVerifier()
			if c.v != nil {
				c.v(v)
			}
			r, b := c.req(t)
			err := v.Verify(r, b)
			if err == nil {
				t.Fatalf("Verify accepted the request; want %s", c.typ)
			}
			if err.Type != c.typ {
				t.Errorf("Type = %q, want %q (message %q)", err.Type, c.typ, err.Message)
			}
			if err.Status != http.StatusBadRequest {
				t.Errorf("Status = %d, want 400", err.Status)
			}
			if p, ok := strings.CutSuffix(c.message, "..."); ok {
				if !strings.HasPrefix(err.Message, p) {
					t.Errorf("Message = %q, want prefix %q", err.Message, p)
				}
			} else if err.Message != c.message {
				t.Errorf("Message = %q\n            want %q", err.Message, c.message)
			}
		})
	}
}

// TestSignatureMismatchShowsCanonicalRequest checks the mismatch message
// carries the canonical request the server built, as AWS's does.
func TestSignatureMismatchShowsCanonicalRequest(t *testing.T) {
	r := signedRequest(t, startBody, signOpts{secret: "wrong"})
	err := testVerifier().Verify(r, []byte(startBody))
	if err == nil {
		t.Fatal("Verify accepted a request signed with the wrong secret")
	}
	want := "POST\n/\n\ncontent-length:" // the SDK signs content-length for a body
	if !strings.Contains(err.Message, "'"+want) {
		t.Errorf("message lacks the canonical request %q:\n%s", want, err.Message)
	}
	if !strings.Contains(err.Message, "AWS4-HMAC-SHA256\n20260314T150926Z\n20260314/us-east-1/states/aws4_request\n") {
		t.Errorf("message lacks the string to sign:\n%s", err.Message)
	}
}

// TestVerifyKnownAnswer checks the implementation against the "get-vanilla"
// case of AWS's published SigV4 test suite, independent of the SDK.
func TestVerifyKnownAnswer(t *testing.T) {
	r := httptest.NewRequest(http.MethodGet, "http://example.amazonaws.com/", nil)
	r.Header.Set("X-Amz-Date", "20150830T123600Z")
	r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "+
		"SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31")
	v := &Verifier{
		Credentials: map[string]string{"AKIDEXAMPLE": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"},
		Service:     "service",
		Now:         func() time.Time { return time.Date(2015, 8, 30, 12, 36, 0, 0, time.UTC) },
	}
	if err := v.Verify(r, nil); err != nil {
		t.Fatalf("get-vanilla rejected: %v", err)
	}
	r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "5fa00f", "5fa00e", 1))
	if err := v.Verify(r, nil); err == nil || err.Type != TypeInvalidSignature {
		t.Fatalf("one-nibble change accepted or wrong error: %v", err)
	}
}

func TestVerifyDateHeader(t *testing.T) {
	// Without X-Amz-Date the signed Date header (RFC 1123) dates the request.
	r := httptest.NewRequest(http.MethodGet, "http://example.amazonaws.com/", nil)
	r.Header.Set("Date", "Sun, 30 Aug 2015 12:36:00 GMT")
	canonical := "GET\n/\n\ndate:Sun, 30 Aug 2015 12:36:00 GMT\nhost:example.amazonaws.com\n\ndate;host\n" + hashHex(nil)
	sts := "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/states/aws4_request\n" + hashHex([]byte(canonical))
	sig := hex.EncodeToString(hmacSHA256(signingKey("s3cr3t", "20150830", "us-east-1", "states"), []byte(sts)))
	r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AK/20150830/us-east-1/states/aws4_request, SignedHeaders=date;host, Signature="+sig)
	v := &Verifier{Credentials: map[string]string{"AK": "s3cr3t"}, Now: func() time.Time { return time.Date(2015, 8, 30, 12, 37, 0, 0, time.UTC) }}
	if err := v.Verify(r, nil); err != nil {
		t.Fatalf("Date-header request rejected: %v", err)
	}
	r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "date;host", "host", 1))
	if err := v.Verify(r, nil); err == nil || err.Message != "'Date' must be a 'SignedHeader' in the AWS Authorization." {
		t.Fatalf("unsigned Date header: got %v", err)
	}
}

func TestNilVerifierRejects(t *testing.T) {
	var v *Verifier
	r := signedRequest(t, startBody, signOpts{at: time.Now()})
	if err := v.Verify(r, []byte(startBody)); err == nil || err.Type != TypeUnrecognizedClient {
		t.Fatalf("nil Verifier: got %v, want %s", err, TypeUnrecognizedClient)
	}
}

func TestErrorWrite(t *testing.T) {
	rec := httptest.NewRecorder()
	e := &Error{Type: TypeUnrecognizedClient, Message: `bad "token"`, Status: http.StatusBadRequest}
	e.Write(rec)
	if rec.Code != 400 {
		t.Errorf("status = %d", rec.Code)
	}
	if got := rec.Header().Get("X-Amzn-ErrorType"); got != TypeUnrecognizedClient {
		t.Errorf("x-amzn-ErrorType = %q", got)
	}
	if got := rec.Header().Get("Content-Type"); got != "application/x-amz-json-1.0" {
		t.Errorf("Content-Type = %q", got)
	}
	var body map[string]string
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatalf("body %q: %v", rec.Body, err)
	}
	if body["__type"] != TypeUnrecognizedClient || body["message"] != `bad "token"` {
		t.Errorf("body = %v", body)
	}
	if e.Error() != `UnrecognizedClientException: bad "token"` {
		t.Errorf("Error() = %q", e.Error())
	}
}

func TestTrimAllAndURIEncode(t *testing.T) {
	for in, want := range map[string]string{"  a   b  c ": "a b c", "x": "x", "": "", "a  ": "a"} {
		if got := trimAll(in); got != want {
			t.Errorf("trimAll(%q) = %q, want %q", in, got, want)
		}
	}
	if got := uriEncode("a b/c~d*é", true); got != "a%20b%2Fc~d%2A%C3%A9" {
		t.Errorf("uriEncode = %q", got)
	}
	if got := uriEncode("/a%20b/", false); got != "/a%2520b/" {
		t.Errorf("uriEncode path = %q", got)
	}
}

func BenchmarkVerify(b *testing.B) {
	v := testVerifier()
	r := signedRequest(b, startBody, signOpts{})
	body := []byte(startBody)
	b.ReportAllocs()
	for b.Loop() {
		if err := v.Verify(r, body); err != nil {
			b.Fatal(err)
		}
	}
}
