package service_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/stepwise/stepwise/engine/service"
	"github.com/stepwise/stepwise/engine/service/store"
)

const role = "arn:aws:iam::123456789012:role/stepwise"

// server is a service on a loopback port with an sfn client for it.
type server struct {
	svc    *service.Service
	store  *store.SQLite
	http   *httptest.Server
	client *sfn.Client
}

// startServer starts a service on a fresh SQLite file (or in memory).
func startServer(t testing.TB, opts service.Options, memory bool) *server {
	t.Helper()
	path := store.Memory
	if !memory {
		path = filepath.Join(t.TempDir(), "stepwise.db")
	}
	st, err := store.Open(context.Background(), path, store.Options{OnError: func(err error) { t.Errorf("store: %v", err) }})
	if err != nil {
		t.Fatal(err)
	}
	opts.Store = st
	if opts.ActivityPollTimeout == 0 {
		opts.ActivityPollTimeout = 2 * time.Second
	}
	svc, err := service.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(svc)
	s := &server{svc: svc, store: st, http: hs, client: newClient(hs.URL)}
	t.Cleanup(func() {
		hs.Close()
		if err := svc.Shutdown(context.Background()); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		st.Close()
	})
	return s
}

// newClient returns an sfn client for a local endpoint: no retries, and no
// "sync-" host prefix for StartSyncExecution and TestState.
func newClient(url string) *sfn.Client {
	cfg := aws.Config{
		Region:      "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", ""),
	}
	return sfn.NewFromConfig(cfg, func(o *sfn.Options) {
		o.BaseEndpoint = aws.String(url)
		// Only connection errors are retried (a reset read shows as "use
		// of closed network connection", aws-sdk-go-v2 #2737): API errors
		// reach the test on the first answer.
		o.Retryer = retry.NewStandard(func(so *retry.StandardOptions) {
			so.MaxAttempts = 3
			so.Retryables = []retry.IsErrorRetryable{retry.RetryableConnectionError{}}
		})
		o.APIOptions = append(o.APIOptions, func(st *middleware.Stack) error {
			return st.Initialize.Add(middleware.InitializeMiddlewareFunc("noHostPrefix",
				func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
					return next.HandleInitialize(smithyhttp.DisableEndpointHostPrefix(ctx, true), in)
				}), middleware.Before)
		})
	})
}

// apiErrorCode returns the error code of an API error ("" for none).
func apiErrorCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// wantCode fails unless err is the API error code.
func wantCode(t testing.TB, err error, code string) {
	t.Helper()
	if got := apiErrorCode(err); got != code {
		t.Fatalf("error = %v (code %q), want code %q", err, got, code)
	}
}

// createMachine creates a state machine and returns its ARN.
func createMachine(t testing.TB, c *sfn.Client, name, def string, typ types.StateMachineType) string {
	t.Helper()
	out, err := c.CreateStateMachine(context.Background(), &sfn.CreateStateMachineInput{
		Name: aws.String(name), Definition: aws.String(def), RoleArn: aws.String(role), Type: typ,
	})
	if err != nil {
		t.Fatalf("CreateStateMachine %s: %v", name, err)
	}
	return *out.StateMachineArn
}

// waitDone polls an execution until it is no longer RUNNING.
func waitDone(t testing.TB, c *sfn.Client, execArn string) *sfn.DescribeExecutionOutput {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		out, err := c.DescribeExecution(context.Background(), &sfn.DescribeExecutionInput{ExecutionArn: aws.String(execArn)})
		if err != nil {
			t.Fatalf("DescribeExecution: %v", err)
		}
		if out.Status != types.ExecutionStatusRunning {
			return out
		}
		if time.Now().After(deadline) {
			t.Fatalf("execution %s still RUNNING", execArn)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
