// Package auth verifies AWS Signature Version 4 on requests made to the
// Stepwise Step Functions endpoint (the AWS JSON 1.0 protocol, service name
// "states").
//
// Verification follows the published SigV4 algorithm: the server rebuilds the
// canonical request and the string to sign from the request it received,
// derives the signing key from the secret it holds for the access key in the
// credential scope, and compares the result with the signature the client sent
// in constant time. Rejections carry the __type, message and HTTP status that
// the AWS JSON services return for the same fault, so SDK clients surface the
// error codes they would get from AWS (see Error).
//
// Only header-based authentication (the Authorization header) is supported;
// query-string (presigned URL) authentication is not, and such requests are
// rejected as missing authentication.
package auth

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Algorithm is the only signing algorithm Verify accepts.
const Algorithm = "AWS4-HMAC-SHA256"

// MaxSkew is how far the request time may be from the server clock, in
// either direction, before the signature is refused (as AWS does).
const MaxSkew = 5 * time.Minute

const (
	amzDateFormat   = "20060102T150405Z"
	scopeDateFormat = "20060102"
	scopeTerminator = "aws4_request"
	defaultService  = "states"
)

// AWS error types returned by Verify.
const (
	// TypeMissingAuthenticationToken: no Authorization header at all.
	TypeMissingAuthenticationToken = "MissingAuthenticationTokenException"
	// TypeIncompleteSignature: the Authorization header is malformed or lacks
	// a required part.
	TypeIncompleteSignature = "IncompleteSignatureException"
	// TypeInvalidSignature: the signature is well formed but wrong, expired,
	// or scoped to another service, region or date.
	TypeInvalidSignature = "InvalidSignatureException"
	// TypeUnrecognizedClient: the access key id is not known.
	TypeUnrecognizedClient = "UnrecognizedClientException"
)

// Verifier checks AWS Signature Version 4 on requests to the Step Functions endpoint.
//
// A Verifier is safe for concurrent use as long as its fields are not
// modified while Verify runs.
type Verifier struct {
	Credentials map[string]string // access key id → secret access key
	Region      string            // "" : accept the region in the credential scope
	Service     string            // "" : "states"
	Now         func() time.Time  // nil: time.Now
}

// Error is an AWS-shaped rejection: Type is the __type the service returns (e.g.
// "UnrecognizedClientException", "InvalidSignatureException",
// "MissingAuthenticationTokenException", "IncompleteSignatureException"), Status the HTTP status.
//
// The AWS JSON 1.0 services (Step Functions among them) answer every
// authentication failure with HTTP 400 and a body of the form
// {"__type": Type, "message": Message}; Write produces that response.
type Error struct {
	Type, Message string
	Status        int
}

// Error implements the error interface.
func (e *Error) Error() string {
	return e.Type + ": " + e.Message
}

// Write writes e as an AWS JSON 1.0 error response: the status, the
// x-amzn-ErrorType header and the {"__type", "message"} body.
func (e *Error) Write(w http.ResponseWriter) {
	body, err := json.Marshal(struct {
		Type    string `json:"__type"`
		Message string `json:"message"`
	}{e.Type, e.Message})
	if err != nil { // cannot happen for two strings; keep the response well formed anyway
		body = []byte(`{"__type":"InternalFailure"}`)
	}
	h := w.Header()
	h.Set("Content-Type", "application/x-amz-json-1.0")
	h.Set("X-Amzn-Errortype", e.Type)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(e.Status)
	_, _ = w.Write(body) // the client may have gone; nothing useful to do
}

func newError(typ, format string, args ...any) *Error {
	return &Error{Type: typ, Message: fmt.Sprintf(format, args...), Status: http.StatusBadRequest}
}

// mustSign are the headers that, when a request has them, must be among
// its signed headers.
var mustSign = []string{"X-Amz-Target", "Content-Type"}

// authorization is the parsed Authorization header.
type authorization struct {
	raw           string
	accessKey     string
	scopeDate     string
	scopeRegion   string
	scopeService  string
	scope         string // date/region/service/aws4_request
	signedHeaders string // as sent, e.g. "content-type;host;x-amz-date"
	signature     string
}

// Verify checks r, whose body has been read into body. It returns nil or an *Error.
//
// Checks run in this order, each with the AWS error it yields:
//   - no Authorization header: MissingAuthenticationTokenException;
//   - malformed header, missing Credential/SignedHeaders/Signature or date
//     header, malformed credential or date, host, x-amz-date, x-amz-target
//     or content-type (when present) not signed:
//     IncompleteSignatureException;
//   - credential scope with the wrong terminator, date, region or service, or
//     a request time more than MaxSkew away from now: InvalidSignatureException;
//   - unknown access key id: UnrecognizedClientException;
//   - X-Amz-Content-Sha256 not matching body, or a wrong signature:
//     InvalidSignatureException.
//
// A nil Verifier knows no credentials: it rejects every request.
func (v *Verifier) Verify(r *http.Request, body []byte) *Error {
	a, dateHeader, secret, aerr := v.verifyHeaders(r)
	if aerr != nil {
		return aerr
	}
	return verifyBody(r, body, a, dateHeader, secret)
}

// VerifyHeaders runs every check of Verify that does not need the body
// (all but the payload hash and the signature itself): for a request whose
// body is too large to read, so that an unauthenticated one still gets
// the authentication error first.
func (v *Verifier) VerifyHeaders(r *http.Request) *Error {
	_, _, _, aerr := v.verifyHeaders(r)
	return aerr
}

// verifyHeaders checks the Authorization header, the date and the
// credential scope, and returns the parsed header, the date string signed
// and the access key's secret.
func (v *Verifier) verifyHeaders(r *http.Request) (*authorization, string, string, *Error) {
	if v == nil {
		v = &Verifier{}
	}
	raw := r.Header.Get("Authorization")
	if raw == "" {
		return nil, "", "", newError(TypeMissingAuthenticationToken, "Request is missing Authentication Token")
	}
	a, aerr := parseAuthorization(raw, hasDateHeader(r))
	if aerr != nil {
		return nil, "", "", aerr
	}
	// The operation and the body's type must be signed (as the SigV4
	// rules ask of Content-Type and of x-amz-* headers): otherwise a
	// captured request could be replayed as another operation.
	for _, h := range mustSign {
		if r.Header.Get(h) != "" && !signs(a.signedHeaders, h) {
			return nil, "", "", newError(TypeIncompleteSignature, "'%s' must be a 'SignedHeader' in the AWS Authorization.", h)
		}
	}
	reqTime, dateHeader, aerr := requestTime(r, a)
	if aerr != nil {
		return nil, "", "", aerr
	}
	if aerr := v.checkScope(a, reqTime); aerr != nil {
		return nil, "", "", aerr
	}
	if aerr := v.checkSkew(reqTime); aerr != nil {
		return nil, "", "", aerr
	}
	secret, ok := v.Credentials[a.accessKey]
	if !ok {
		return nil, "", "", newError(TypeUnrecognizedClient, "The security token included in the request is invalid.")
	}
	return a, dateHeader, secret, nil
}

// verifyBody checks the payload hash and the signature of a request whose
// headers verifyHeaders accepted.
func verifyBody(r *http.Request, body []byte, a *authorization, dateHeader, secret string) *Error {
	payloadHash := hashHex(body)
	if h := r.Header.Get("X-Amz-Content-Sha256"); h != "" && h != payloadHash {
		return newError(TypeInvalidSignature, "The provided 'x-amz-content-sha256' header does not match what was computed.")
	}

	canonical := canonicalRequest(r, a.signedHeaders, payloadHash)
	stringToSign := Algorithm + "\n" + dateHeader + "\n" + a.scope + "\n" + hashHex([]byte(canonical))
	key := signingKey(secret, a.scopeDate, a.scopeRegion, a.scopeService)
	want := hex.EncodeToString(hmacSHA256(key, []byte(stringToSign)))
	if !hmac.Equal([]byte(want), []byte(a.signature)) {
		// Like AWS, show the client the strings we signed so it can compare;
		// they hold nothing the client did not send.
		return newError(TypeInvalidSignature,
			"The request signature we calculated does not match the signature you provided. "+
				"Check your AWS Secret Access Key and signing method. Consult the service documentation for details.\n\n"+
				"The Canonical String for this request should have been\n'%s'\n\n"+
				"The String-to-Sign should have been\n'%s'\n", canonical, stringToSign)
	}
	return nil
}

func hasDateHeader(r *http.Request) bool {
	return r.Header.Get("X-Amz-Date") != "" || r.Header.Get("Date") != ""
}

// parseAuthorization parses "AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...".
func parseAuthorization(raw string, haveDate bool) (*authorization, *Error) {
	alg, rest, _ := strings.Cut(strings.TrimSpace(raw), " ")
	if alg != Algorithm {
		return nil, newError(TypeIncompleteSignature,
			"Unsupported AWS 'algorithm': '%s'. Authorization=%s", alg, raw)
	}
	a := &authorization{raw: raw}
	var credential string
	var haveCred, haveSigned, haveSig bool
	// Parameters are separated by commas and/or whitespace, as AWS parses them.
	for _, part := range strings.FieldsFunc(rest, func(c rune) bool { return c == ',' || c == ' ' || c == '\t' }) {
		k, val, ok := strings.Cut(part, "=")
		if !ok {
			return nil, newError(TypeIncompleteSignature,
				"'%s' not a valid key=value pair (missing equal-sign) in Authorization header: '%s'.", part, raw)
		}
		switch k {
		case "Credential":
			credential, haveCred = val, val != ""
		case "SignedHeaders":
			a.signedHeaders, haveSigned = val, val != ""
		case "Signature":
			a.signature, haveSig = val, val != ""
		}
	}
	var missing []string
	if !haveCred {
		missing = append(missing, "Authorization header requires 'Credential' parameter.")
	}
	if !haveSig {
		missing = append(missing, "Authorization header requires 'Signature' parameter.")
	}
	if !haveSigned {
		missing = append(missing, "Authorization header requires 'SignedHeaders' parameter.")
	}
	if !haveDate {
		missing = append(missing, "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.")
	}
	if len(missing) > 0 {
		return nil, newError(TypeIncompleteSignature, "%s Authorization=%s", strings.Join(missing, " "), raw)
	}

	parts := strings.Split(credential, "/")
	if len(parts) != 5 {
		return nil, newError(TypeIncompleteSignature,
			"Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '%s'", credential)
	}
	a.accessKey, a.scopeDate, a.scopeRegion, a.scopeService = parts[0], parts[1], parts[2], parts[3]
	if parts[4] != scopeTerminator {
		return nil, newError(TypeInvalidSignature,
			"Credential should be scoped with a valid terminator: '%s', not '%s'.", scopeTerminator, parts[4])
	}
	a.scope = strings.Join(parts[1:], "/")

	if !signs(a.signedHeaders, "host") && !signs(a.signedHeaders, ":authority") {
		return nil, newError(TypeIncompleteSignature, "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.")
	}
	// Whether the date header is signed is checked by requestTime.
	return a, nil
}

// requestTime returns the request time and the date string that enters the
// string to sign: X-Amz-Date when present, else the Date header.
func requestTime(r *http.Request, a *authorization) (time.Time, string, *Error) {
	if d := r.Header.Get("X-Amz-Date"); d != "" {
		if !signs(a.signedHeaders, "x-amz-date") {
			return time.Time{}, "", newError(TypeIncompleteSignature,
				"'X-Amz-Date' must be a 'SignedHeader' in the AWS Authorization.")
		}
		t, err := time.Parse(amzDateFormat, d)
		if err != nil {
			return time.Time{}, "", newError(TypeIncompleteSignature,
				"Date must be in ISO-8601 'basic format'. Got '%s'. See http://en.wikipedia.org/wiki/ISO_8601", d)
		}
		return t, d, nil
	}
	d := r.Header.Get("Date")
	if !signs(a.signedHeaders, "date") {
		return time.Time{}, "", newError(TypeIncompleteSignature,
			"'Date' must be a 'SignedHeader' in the AWS Authorization.")
	}
	t, err := http.ParseTime(d)
	if err != nil {
		return time.Time{}, "", newError(TypeIncompleteSignature,
			"Date must be in RFC 1123 format when X-Amz-Date is absent. Got '%s'.", d)
	}
	t = t.UTC()
	return t, t.Format(amzDateFormat), nil
}

func signs(signedHeaders, name string) bool {
	for _, h := range strings.Split(signedHeaders, ";") {
		if strings.EqualFold(h, name) {
			return true
		}
	}
	return false
}

func (v *Verifier) checkScope(a *authorization, reqTime time.Time) *Error {
	if want := reqTime.Format(scopeDateFormat); a.scopeDate != want {
		return newError(TypeInvalidSignature,
			"Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '%s' != '%s', from '%s'.",
			a.scopeDate, want, reqTime.Format(amzDateFormat))
	}
	if a.scopeRegion == "" || (v.Region != "" && a.scopeRegion != v.Region) {
		return newError(TypeInvalidSignature, "Credential should be scoped to a valid region, not '%s'.", a.scopeRegion)
	}
	service := v.Service
	if service == "" {
		service = defaultService
	}
	if a.scopeService != service {
		return newError(TypeInvalidSignature, "Credential should be scoped to correct service: '%s'.", service)
	}
	return nil
}

func (v *Verifier) checkSkew(reqTime time.Time) *Error {
	now := time.Now
	if v.Now != nil {
		now = v.Now
	}
	n := now().UTC()
	switch {
	case reqTime.Before(n.Add(-MaxSkew)):
		return newError(TypeInvalidSignature, "Signature expired: %s is now earlier than %s (%s - 5 min.)",
			reqTime.Format(amzDateFormat), n.Add(-MaxSkew).Format(amzDateFormat), n.Format(amzDateFormat))
	case reqTime.After(n.Add(MaxSkew)):
		return newError(TypeInvalidSignature, "Signature not yet current: %s is still later than %s (%s + 5 min.)",
			reqTime.Format(amzDateFormat), n.Add(MaxSkew).Format(amzDateFormat), n.Format(amzDateFormat))
	}
	return nil
}

// canonicalRequest builds the SigV4 canonical request for r.
func canonicalRequest(r *http.Request, signedHeaders, payloadHash string) string {
	var b strings.Builder
	b.Grow(256)
	b.WriteString(r.Method)
	b.WriteByte('\n')
	b.WriteString(canonicalURI(r.URL))
	b.WriteByte('\n')
	b.WriteString(canonicalQuery(r.URL))
	b.WriteByte('\n')
	for _, name := range strings.Split(signedHeaders, ";") {
		b.WriteString(name)
		b.WriteByte(':')
		b.WriteString(headerValue(r, name))
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	b.WriteString(signedHeaders)
	b.WriteByte('\n')
	b.WriteString(payloadHash)
	return b.String()
}

// canonicalURI is the URI-encoded path; services other than S3 encode the
// already-escaped path once more, as the AWS SDKs do.
func canonicalURI(u *url.URL) string {
	if u == nil {
		return "/"
	}
	p := u.EscapedPath()
	if p == "" {
		return "/"
	}
	return uriEncode(p, false)
}

// canonicalQuery sorts the query parameters by name, then value, each
// URI-encoded.
func canonicalQuery(u *url.URL) string {
	if u == nil || u.RawQuery == "" {
		return ""
	}
	vals, _ := url.ParseQuery(u.RawQuery) // keeps the well-formed pairs; a bad one only fails the signature
	pairs := make([]string, 0, len(vals))
	for k, vs := range vals {
		ek := uriEncode(k, true)
		for _, v := range vs {
			pairs = append(pairs, ek+"="+uriEncode(v, true))
		}
	}
	sort.Strings(pairs)
	return strings.Join(pairs, "&")
}

// headerValue is the canonical value of the signed header name: values
// trimmed, inner runs of spaces collapsed, joined with commas.
func headerValue(r *http.Request, name string) string {
	lname := strings.ToLower(name)
	switch lname {
	case "host", ":authority":
		if r.Host != "" {
			return r.Host
		}
		if r.URL != nil {
			return r.URL.Host
		}
		return ""
	case "content-length":
		if v := r.Header.Get("Content-Length"); v != "" {
			return strings.TrimSpace(v)
		}
		if r.ContentLength >= 0 {
			return strconv.FormatInt(r.ContentLength, 10)
		}
		return ""
	}
	vs := r.Header.Values(name)
	if len(vs) == 1 {
		return trimAll(vs[0])
	}
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = trimAll(v)
	}
	return strings.Join(out, ",")
}

// trimAll trims s and collapses inner runs of spaces to one.
func trimAll(s string) string {
	s = strings.TrimSpace(s)
	if !strings.Contains(s, "  ") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == ' ' {
			if space {
				continue
			}
			space = true
		} else {
			space = false
		}
		b.WriteByte(c)
	}
	return b.String()
}

// uriEncode percent-encodes every byte but the unreserved characters
// (A-Z a-z 0-9 - _ . ~), and '/' too when encodeSlash is set.
func uriEncode(s string, encodeSlash bool) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if isUnreserved(c) || (c == '/' && !encodeSlash) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&0xF])
	}
	return b.String()
}

func isUnreserved(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
		c == '-' || c == '_' || c == '.' || c == '~'
}

func signingKey(secret, date, region, service string) []byte {
	k := hmacSHA256([]byte("AWS4"+secret), []byte(date))
	k = hmacSHA256(k, []byte(region))
	k = hmacSHA256(k, []byte(service))
	return hmacSHA256(k, []byte(scopeTerminator))
}

func hmacSHA256(key, data []byte) []byte {
	h := hmac.New(sha256.New, key)
	h.Write(data)
	return h.Sum(nil)
}

func hashHex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// Require wraps h so that it answers only requests that v verifies (a
// body, if any, is read and handed on); others get v's error. It guards
// endpoints beside the API, such as GET /metrics under --auth.
func (v *Verifier) Require(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			http.Error(w, "reading the request body: "+err.Error(), http.StatusBadRequest)
			return
		}
		if aerr := v.Verify(r, body); aerr != nil {
			aerr.Write(w)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		h.ServeHTTP(w, r)
	})
}
