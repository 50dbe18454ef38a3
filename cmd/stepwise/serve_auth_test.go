package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/stepwise/stepwise/engine/service"
)

const (
	authKey    = "AKIDMATRIX"
	authSecret = "matrix-secret"
)

// authPath is one path serve answers, and what it is.
type authPath struct {
	method, path, body string
	target             string // X-Amz-Target, for the API
	// kind: "aws" answers AWS's SigV4 rejections (the API, /metrics and
	// whatever else reaches the service); "console" answers the console's
	// login (a redirect to it, or 401/403), whatever the signature;
	// "open" is served to anyone.
	kind string
}

// authAttack prepares a request to path: signed, or not, or badly.
type authAttack struct {
	name string
	// sign signs r (whose body is body) and may tamper with it.
	sign func(t *testing.T, r *http.Request, body string)
	// wantType and wantMsg: AWS's rejection (__type, a message prefix);
	// "" : the request gets through authentication.
	wantType, wantMsg string
}

// sigv4 signs r as an SDK would, for key:secret at time at.
func sigv4(t *testing.T, r *http.Request, body, key, secret string, at time.Time) {
	t.Helper()
	sum := sha256.Sum256([]byte(body))
	err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: key, SecretAccessKey: secret},
		r, hex.EncodeToString(sum[:]), "states", "us-east-1", at)
	if err != nil {
		t.Fatal(err)
	}
}

// unsign drops header from the SignedHeaders of r's signature.
func unsign(r *http.Request, header string) {
	re := regexp.MustCompile(`SignedHeaders=([^,]*)`)
	a := re.ReplaceAllStringFunc(r.Header.Get("Authorization"), func(m string) string {
		var keep []string
		for _, h := range strings.Split(strings.TrimPrefix(m, "SignedHeaders="), ";") {
			if h != header {
				keep = append(keep, h)
			}
		}
		return "SignedHeaders=" + strings.Join(keep, ";")
	})
	r.Header.Set("Authorization", a)
}

var authAttacks = []authAttack{
	{"no credentials", func(*testing.T, *http.Request, string) {},
		"MissingAuthenticationTokenException", "Request is missing Authentication Token"},
	{"unknown access key", func(t *testing.T, r *http.Request, body string) {
		sigv4(t, r, body, "AKIDUNKNOWN", authSecret, time.Now())
	}, "UnrecognizedClientException", "The security token included in the request is invalid."},
	{"wrong secret", func(t *testing.T, r *http.Request, body string) {
		sigv4(t, r, body, authKey, "not-the-secret", time.Now())
	}, "InvalidSignatureException", "The request signature we calculated does not match the signature you provided."},
	{"X-Amz-Date 16 minutes old", func(t *testing.T, r *http.Request, body string) {
		sigv4(t, r, body, authKey, authSecret, time.Now().Add(-16*time.Minute))
	}, "InvalidSignatureException", "Signature expired: "},
	{"X-Amz-Date 6 minutes old", func(t *testing.T, r *http.Request, body string) {
		sigv4(t, r, body, authKey, authSecret, time.Now().Add(-6*time.Minute))
	}, "InvalidSignatureException", "Signature expired: "},
	{"X-Amz-Date 16 minutes ahead", func(t *testing.T, r *http.Request, body string) {
		sigv4(t, r, body, authKey, authSecret, time.Now().Add(16*time.Minute))
	}, "InvalidSignatureException", "Signature not yet current: "},
	{"signature over another body", func(t *testing.T, r *http.Request, body string) {
		sigv4(t, r, `{"other":true}`, authKey, authSecret, time.Now())
	}, "InvalidSignatureException", "The request signature we calculated does not match the signature you provided."},
	{"host not signed", func(t *testing.T, r *http.Request, body string) {
		sigv4(t, r, body, authKey, authSecret, time.Now())
		unsign(r, "host")
	}, "IncompleteSignatureException", "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."},
	{"x-amz-date not signed", func(t *testing.T, r *http.Request, body string) {
		sigv4(t, r, body, authKey, authSecret, time.Now())
		unsign(r, "x-amz-date")
	}, "IncompleteSignatureException", "'X-Amz-Date' must be a 'SignedHeader' in the AWS Authorization."},
	{"presigned query string", func(t *testing.T, r *http.Request, body string) {
		sum := sha256.Sum256([]byte(body))
		u, _, err := v4.NewSigner().PresignHTTP(context.Background(), aws.Credentials{AccessKeyID: authKey, SecretAccessKey: authSecret},
			r, hex.EncodeToString(sum[:]), "states", "us-east-1", time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if r.URL, err = url.Parse(u); err != nil {
			t.Fatal(err)
		}
	}, "MissingAuthenticationTokenException", "Request is missing Authentication Token"},
	{"correctly signed", func(t *testing.T, r *http.Request, body string) {
		sigv4(t, r, body, authKey, authSecret, time.Now())
	}, "", ""},
}

// TestServeAuthMatrix: under --auth, every path serve answers × every way
// of failing SigV4 gets AWS's rejection (status 400, __type, message) or,
// on the console, its login; nothing gets in unsigned; a correctly signed
// request gets through authentication. With the console on and off.
func TestServeAuthMatrix(t *testing.T) {
	listMachines := `{}`
	paths := []authPath{
		{"POST", "/", listMachines, "AWSStepFunctions.ListStateMachines", "aws"},
		{"POST", "/", `{"name":"x"}`, "AWSStepFunctions.CreateActivity", "aws"},
		{"GET", "/metrics", "", "", "aws"},
		{"POST", "/metrics", "", "", "aws"},
		{"GET", "/nope", "", "", "aws"},
		{"DELETE", "/", "", "", "aws"},
		{"OPTIONS", "/", "", "", "aws"},
		{"POST", "/healthz", "", "", "aws"},
		{"POST", "/", `{"name":"` + strings.Repeat("x", 2<<20) + `"}`, "AWSStepFunctions.CreateActivity", "aws"},
		{"GET", "/", "", "", "console"},
		{"HEAD", "/", "", "", "console"},
		{"GET", "/console/", "", "", "console"},
		{"GET", "/console/api/machines", "", "", "console"},
		{"POST", "/console/api/machines", `{}`, "", "console"},
		{"GET", "/console/logout", "", "", "console"},
		{"GET", "/console/login", "", "", "open"},
		{"GET", "/console/assets/console.js", "", "", "open"},
	}
	for _, consoleOn := range []bool{true, false} {
		name := "console on"
		if !consoleOn {
			name = "console off"
		}
		t.Run(name, func(t *testing.T) {
			endpoint := startServeInProcess(t, io.Discard, "--auth", "--auth-credentials", authKey+":"+authSecret,
				"--console="+map[bool]string{true: "true", false: "false"}[consoleOn])
			client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			for _, p := range paths {
				kind := p.kind
				if !consoleOn && kind != "aws" {
					kind = "aws" // without the console these reach the service
				}
				for _, a := range authAttacks {
					t.Run(fmt.Sprintf("%s %s %s %dB/%s", p.method, p.path, p.target, len(p.body), a.name), func(t *testing.T) {
						r, err := http.NewRequest(p.method, endpoint+p.path, strings.NewReader(p.body))
						if err != nil {
							t.Fatal(err)
						}
						if p.target != "" {
							r.Header.Set("X-Amz-Target", p.target)
							r.Header.Set("Content-Type", "application/x-amz-json-1.0")
						}
						a.sign(t, r, p.body)
						resp, err := client.Do(r)
						if err != nil {
							t.Fatal(err)
						}
						data, _ := io.ReadAll(resp.Body)
						resp.Body.Close()
						checkAuthAnswer(t, kind, p, a, resp, data)
					})
				}
			}
		})
	}
}

// checkAuthAnswer checks one answer of the matrix.
func checkAuthAnswer(t *testing.T, kind string, p authPath, a authAttack, resp *http.Response, data []byte) {
	t.Helper()
	switch kind {
	case "open":
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%s %s: status %d, want 200 (open to all)", p.method, p.path, resp.StatusCode)
		}
		return
	case "console":
		switch resp.StatusCode {
		case http.StatusSeeOther:
			if loc := resp.Header.Get("Location"); loc != "/console/login" {
				t.Errorf("redirected to %q, want the login", loc)
			}
		case http.StatusUnauthorized, http.StatusForbidden:
		default:
			t.Errorf("status %d (%.200s): the console let a request without a session in", resp.StatusCode, data)
		}
		return
	}
	var e struct {
		Type    string `json:"__type"`
		Message string `json:"message"`
	}
	_ = json.Unmarshal(data, &e)
	if p.method == http.MethodHead { // no body: the type is in the header
		e.Type = resp.Header.Get("X-Amzn-Errortype")
		e.Message = a.wantMsg
	}
	if a.wantType == "" {
		if isAuthError(e.Type) || resp.StatusCode >= 500 {
			t.Errorf("a correctly signed request: %d %s: %.300s", resp.StatusCode, e.Type, e.Message)
		}
		if p.target != "" && resp.StatusCode != http.StatusOK && len(p.body) <= service.MaxRequestBytes {
			t.Errorf("a correctly signed %s: %d %s: %s", p.target, resp.StatusCode, e.Type, e.Message)
		}
		if p.method == "GET" && p.path == "/metrics" && resp.StatusCode != http.StatusOK {
			t.Errorf("a correctly signed GET /metrics: %d", resp.StatusCode)
		}
		return
	}
	if len(p.body) > service.MaxRequestBytes && (a.name == "wrong secret" || a.name == "signature over another body") {
		// The headers are fine: only the body could tell, and it is too
		// large to read, so the request is refused for its size.
		if resp.StatusCode != http.StatusRequestEntityTooLarge || e.Type != "ValidationException" {
			t.Errorf("%d %s: %.300q, want 413 ValidationException", resp.StatusCode, e.Type, e.Message)
		}
		return
	}
	if resp.StatusCode != http.StatusBadRequest || e.Type != a.wantType || !strings.HasPrefix(e.Message, a.wantMsg) {
		t.Errorf("%d %s: %.300q, want 400 %s: %q...", resp.StatusCode, e.Type, e.Message, a.wantType, a.wantMsg)
	}
	if got := resp.Header.Get("X-Amzn-Errortype"); got != a.wantType {
		t.Errorf("X-Amzn-ErrorType %q, want %q", got, a.wantType)
	}
}

// isAuthError reports whether an error type is a SigV4 rejection.
func isAuthError(typ string) bool {
	switch typ {
	case "MissingAuthenticationTokenException", "UnrecognizedClientException", "InvalidSignatureException", "IncompleteSignatureException":
		return true
	}
	return false
}

// Under --auth, the console lets in a session from its login (the same
// keys), and nothing else.
func TestServeAuthConsoleLogin(t *testing.T) {
	endpoint := startServeInProcess(t, io.Discard, "--auth", "--auth-credentials", authKey+":"+authSecret)
	login := func(secret string) (int, string) {
		form := url.Values{"accessKeyId": {authKey}, "secretAccessKey": {secret}}
		r, _ := http.NewRequest("POST", endpoint+"/console/login", strings.NewReader(form.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.Header.Set("Accept", "application/json")
		resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(r)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out struct{ Token string }
		_ = json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, out.Token
	}
	if status, tok := login("wrong"); tok != "" || status == http.StatusOK {
		t.Fatalf("a wrong secret logged in: %d %q", status, tok)
	}
	status, tok := login(authSecret)
	if status != http.StatusOK || tok == "" {
		t.Fatalf("login: %d %q", status, tok)
	}
	for _, bearer := range []string{tok, "forged-" + tok} {
		r, _ := http.NewRequest("GET", endpoint+"/console/api/machines", nil)
		r.Header.Set("Authorization", "Bearer "+bearer)
		resp, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		want := http.StatusOK
		if bearer != tok {
			want = http.StatusUnauthorized
		}
		if resp.StatusCode != want {
			t.Errorf("Bearer %.12s...: %d, want %d", bearer, resp.StatusCode, want)
		}
	}
}
