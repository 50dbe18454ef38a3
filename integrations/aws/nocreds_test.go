package aws_test

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stepwise/stepwise/asl/fault"
	"github.com/stepwise/stepwise/asl/value"
	"github.com/stepwise/stepwise/integrations"
	"github.com/stepwise/stepwise/integrations/aws"
)

// countingListener counts the connections made to a loopback port.
func countingListener(t *testing.T) (addr string, conns *atomic.Int64) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	conns = &atomic.Int64{}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns.Add(1)
			c.Close()
		}
	}()
	return "http://" + ln.Addr().String(), conns
}

// unsetenv unsets an environment variable for the test.
func unsetenv(t *testing.T, name string) {
	t.Helper()
	if old, ok := os.LookupEnv(name); ok {
		t.Cleanup(func() { os.Setenv(name, old) })
	}
	os.Unsetenv(name)
}

// A task that is not mocked, on a machine with no AWS credentials, fails at
// once with a States.Runtime that says what to do, and connects nowhere: not
// to the service, and not to the EC2 instance metadata service, which stays
// off unless AWS_EC2_METADATA_DISABLED=false (issue #18).
func TestNoCredentialsFailsAtOnceWithoutConnecting(t *testing.T) {
	imdsURL, imdsConns := countingListener(t)
	serviceURL, serviceConns := countingListener(t)
	dir := t.TempDir()
	for _, name := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_DEFAULT_PROFILE",
		"AWS_EC2_METADATA_DISABLED", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
		"AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN"} {
		unsetenv(t, name)
	}
	t.Setenv("HOME", dir)
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", imdsURL)
	t.Setenv("AWS_ENDPOINT_URL", serviceURL)

	inv := aws.New(aws.Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	start := time.Now()
	_, err := inv.Invoke(ctx, &integrations.Task{StateName: "Send", Resource: "arn:aws:states:::aws-sdk:sqs:listQueues", Input: value.NewObject(0)})
	took := time.Since(start)
	var fe *fault.Error
	if !errors.As(err, &fe) || fe.Name != fault.Runtime || !strings.Contains(fe.Cause, `state "Send"`) ||
		!strings.Contains(fe.Cause, "mock the state") || !strings.Contains(fe.Cause, "AWS_EC2_METADATA_DISABLED=false") {
		t.Fatalf("error %v, want States.Runtime naming the state and saying how to mock it or give credentials", err)
	}
	if n := imdsConns.Load() + serviceConns.Load(); n != 0 {
		t.Fatalf("%d connections (metadata service %d, service %d), want none", n, imdsConns.Load(), serviceConns.Load())
	}
	// Generous: the point is that nothing waits on a network timeout.
	if took > 5*time.Second {
		t.Fatalf("took %v", took)
	}
}
