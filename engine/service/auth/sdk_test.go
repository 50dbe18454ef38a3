package auth

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/smithy-go"
)

// sfnServer runs Verify in front of a minimal Step Functions JSON 1.0 stub.
type sfnServer struct {
	*httptest.Server
	v *Verifier

	mu      sync.Mutex
	lastErr *Error
}

func newSFNServer(t *testing.T, v *Verifier) *sfnServer {
	s := &sfnServer{v: v}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, "read body: "+err.Error(), http.StatusInternalServerError)
			return
		}
		verr := s.v.Verify(r, body)
		s.mu.Lock()
		s.lastErr = verr
		s.mu.Unlock()
		if verr != nil {
			verr.Write(w)
			return
		}
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		switch r.Header.Get("X-Amz-Target") {
		case "AWSStepFunctions.StartExecution":
			_, _ = io.WriteString(w, `{"executionArn":"arn:aws:states:us-east-1:123456789012:execution:hello:run-1","startDate":1.7731e9}`)
		case "AWSStepFunctions.ListStateMachines":
			_, _ = io.WriteString(w, `{"stateMachines":[]}`)
		default:
			w.Header().Set("X-Amzn-Errortype", "UnknownOperationException")
			w.WriteHeader(http.StatusBadRequest)
			_, _ = io.WriteString(w, `{"__type":"UnknownOperationException"}`)
		}
	}))
	t.Cleanup(s.Close)
	return s
}

// tamperTransport rewrites the request body after the SDK has signed it.
type tamperTransport struct{ next http.RoundTripper }

func (tt tamperTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			return nil, err
		}
		b = bytes.Replace(b, []byte(`"hello"`), []byte(`"HELLO"`), 1)
		r = r.Clone(r.Context())
		r.Body = io.NopCloser(bytes.NewReader(b))
		r.ContentLength = int64(len(b))
	}
	return tt.next.RoundTrip(r)
}

func newSFNClient(url, key, secret string, transport http.RoundTripper) *sfn.Client {
	hc := &http.Client{Timeout: 10 * time.Second}
	if transport != nil {
		hc.Transport = transport
	}
	return sfn.New(sfn.Options{
		Region:       testRegion,
		BaseEndpoint: aws.String(url),
		Credentials:  credentials.NewStaticCredentialsProvider(key, secret, ""),
		Retryer:      aws.NopRetryer{},
		HTTPClient:   hc,
	})
}

func TestSFNClientAgainstVerifier(t *testing.T) {
	cases := []struct {
		name        string
		key, secret string
		now         time.Duration // server clock offset from real time
		tamper      bool
		wantCode    string // "" means success
		wantMessage string // prefix
	}{
		{name: "right credentials", key: testKey, secret: testSecret},
		{name: "wrong secret", key: testKey, secret: "WRONG", wantCode: TypeInvalidSignature,
			wantMessage: "The request signature we calculated does not match"},
		{name: "unknown key", key: "AKIDUNKNOWN", secret: testSecret, wantCode: TypeUnrecognizedClient,
			wantMessage: "The security token included in the request is invalid."},
		{name: "expired", key: testKey, secret: testSecret, now: 10 * time.Minute, wantCode: TypeInvalidSignature,
			wantMessage: "Signature expired: "},
		{name: "not yet current", key: testKey, secret: testSecret, now: -10 * time.Minute, wantCode: TypeInvalidSignature,
			wantMessage: "Signature not yet current: "},
		{name: "tampered body", key: testKey, secret: testSecret, tamper: true, wantCode: TypeInvalidSignature,
			wantMessage: "The request signature we calculated does not match"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := &Verifier{
				Credentials: map[string]string{testKey: testSecret},
				Region:      testRegion,
				Now:         func() time.Time { return time.Now().Add(c.now) },
			}
			srv := newSFNServer(t, v)
			var tr http.RoundTripper
			if c.tamper {
				tr = tamperTransport{next: http.DefaultTransport}
			}
			client := newSFNClient(srv.URL, c.key, c.secret, tr)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()

			out, err := client.StartExecution(ctx, &sfn.StartExecutionInput{
				StateMachineArn: aws.String("arn:aws:states:us-east-1:123456789012:stateMachine:hello"),
				Input:           aws.String(`{"who":"world"}`),
				Name:            aws.String("hello"),
			})
			if c.wantCode == "" {
				if err != nil {
					t.Fatalf("StartExecution: %v", err)
				}
				if got := aws.ToString(out.ExecutionArn); !strings.HasSuffix(got, ":run-1") {
					t.Errorf("ExecutionArn = %q", got)
				}
				// A second, body-less-ish operation through the same client.
				if _, err := client.ListStateMachines(ctx, &sfn.ListStateMachinesInput{}); err != nil {
					t.Fatalf("ListStateMachines: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("StartExecution succeeded; want %s", c.wantCode)
			}
			var apiErr smithy.APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("error %v (%T) is not a smithy.APIError", err, err)
			}
			if apiErr.ErrorCode() != c.wantCode {
				t.Errorf("ErrorCode() = %q, want %q (err %v)", apiErr.ErrorCode(), c.wantCode, err)
			}
			if !strings.HasPrefix(apiErr.ErrorMessage(), c.wantMessage) {
				t.Errorf("ErrorMessage() = %q, want prefix %q", apiErr.ErrorMessage(), c.wantMessage)
			}
			var re interface{ HTTPStatusCode() int }
			if errors.As(err, &re) && re.HTTPStatusCode() != http.StatusBadRequest {
				t.Errorf("HTTP status = %d, want 400", re.HTTPStatusCode())
			}
			srv.mu.Lock()
			last := srv.lastErr
			srv.mu.Unlock()
			if last == nil || last.Type != c.wantCode {
				t.Errorf("server-side Verify result = %v, want %s", last, c.wantCode)
			}
		})
	}
}
