package main

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/stepwise/stepwise/engine/service"
)

// startServeInProcess runs serve on a free loopback port with an in-memory
// database until the test ends, and returns its endpoint URL.
func startServeInProcess(t *testing.T, logs io.Writer, extra ...string) string {
	t.Helper()
	f, err := parseServeFlags(append([]string{"--listen", "127.0.0.1:0", "--db", ":memory:"}, extra...))
	if err != nil {
		t.Fatal(err)
	}
	log, err := serveLogger(logs, f.logLevel)
	if err != nil {
		t.Fatal(err)
	}
	verifier, err := f.verifier()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	addr := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- serve(ctx, f, service.Options{Region: f.region, AccountID: f.account, Logger: log, Auth: verifier, Retention: f.retention}, log, func(a string) { addr <- a })
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	select {
	case a := <-addr:
		return "http://" + a
	case err := <-done:
		t.Fatalf("serve: %v", err)
	}
	return ""
}

// The SDKs send StartSyncExecution and TestState to the host "sync-" +
// the endpoint's host; with http://127.0.0.1:PORT that name does not
// resolve. These are the ways around it that the README gives for Go.
func TestSyncHostPrefixWithTheGoSDK(t *testing.T) {
	endpoint := startServeInProcess(t, io.Discard)
	ctx := context.Background()
	creds := credentials.NewStaticCredentialsProvider("test", "test", "")
	newClient := func(optFns ...func(*sfn.Options)) *sfn.Client {
		return sfn.NewFromConfig(aws.Config{Region: "us-east-1", Credentials: creds},
			append([]func(*sfn.Options){func(o *sfn.Options) { o.BaseEndpoint = aws.String(endpoint); o.RetryMaxAttempts = 1 }}, optFns...)...)
	}
	plain := newClient()
	sm, err := plain.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{
		Name: aws.String("sync"), Type: types.StateMachineTypeExpress, RoleArn: aws.String("arn:aws:iam::123456789012:role/r"),
		Definition: aws.String(`{"StartAt":"P","States":{"P":{"Type":"Pass","Result":{"b":[],"a":1},"End":true}}}`),
	})
	if err != nil {
		t.Fatal(err)
	}
	start := &sfn.StartSyncExecutionInput{StateMachineArn: sm.StateMachineArn, Input: aws.String(`{}`)}

	// With the defaults the client calls sync-127.0.0.1, which does not
	// resolve.
	if _, err := plain.StartSyncExecution(ctx, start); err == nil || !strings.Contains(err.Error(), "sync-127.0.0.1") {
		t.Fatalf("a default client reached the server, or failed otherwise: %v", err)
	}

	// 1. Turn host prefixes off for the client (an API option that puts
	// smithyhttp.DisableEndpointHostPrefix in each call's context).
	noPrefix := newClient(func(o *sfn.Options) {
		o.APIOptions = append(o.APIOptions, func(s *middleware.Stack) error {
			return s.Initialize.Add(middleware.InitializeMiddlewareFunc("DisableHostPrefix",
				func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
					return next.HandleInitialize(smithyhttp.DisableEndpointHostPrefix(ctx, true), in)
				}), middleware.Before)
		})
	})
	// 2. Use the server as the HTTP proxy (what HTTP_PROXY does for the
	// clients that honour it): the request for http://sync-127.0.0.1:PORT/
	// goes to the proxy, which is stepwise serve itself.
	proxyURL, _ := url.Parse(endpoint)
	viaProxy := newClient(func(o *sfn.Options) {
		o.HTTPClient = &http.Client{Transport: &http.Transport{Proxy: http.ProxyURL(proxyURL)}}
	})
	for name, c := range map[string]*sfn.Client{"DisableEndpointHostPrefix": noPrefix, "proxy": viaProxy} {
		out, err := c.StartSyncExecution(ctx, start)
		if err != nil {
			t.Fatalf("%s: StartSyncExecution: %v", name, err)
		}
		if out.Status != types.SyncExecutionStatusSucceeded || aws.ToString(out.Output) != `{"b":[],"a":1}` {
			t.Errorf("%s: %s %s", name, out.Status, aws.ToString(out.Output))
		}
		ts, err := c.TestState(ctx, &sfn.TestStateInput{Definition: aws.String(`{"Type":"Pass","End":true}`), Input: aws.String(`{"x":[]}`),
			RoleArn: aws.String("arn:aws:iam::123456789012:role/r")})
		if err != nil {
			t.Fatalf("%s: TestState: %v", name, err)
		}
		if ts.Status != types.TestExecutionStatusSucceeded || aws.ToString(ts.Output) != `{"x":[]}` {
			t.Errorf("%s: TestState %s %s", name, ts.Status, aws.ToString(ts.Output))
		}
	}
}
