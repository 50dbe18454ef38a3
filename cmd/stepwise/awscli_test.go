package main

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// awscliDefault is Debian's AWS CLI v2 (the awscli package, which .ci/run
// installs); not "aws" on PATH, which may be a pyenv shim of a pip v1.
const awscliDefault = "/usr/bin/aws"

// TestAWSCLI builds stepwise, serves the Step Functions API on a free
// loopback port with a fresh database, and runs scripts/awscli-smoke.sh,
// which drives the real AWS CLI through create-activity,
// create-state-machine, start-execution, describe-execution,
// get-activity-task, send-task-success, get-execution-history,
// list-executions and two error answers; then, with the Step Functions
// model in testdata/sfn-model loaded into the CLI, versions, aliases,
// start-execution on an alias, test-state with a mock,
// validate-state-machine-definition and update-map-run. It fails if the
// script skips those steps.
func TestAWSCLI(t *testing.T) {
	if testing.Short() {
		t.Skip("builds cmd/stepwise and runs the AWS CLI some twenty times")
	}
	cli := os.Getenv("STEPWISE_AWS_CLI")
	if cli == "" {
		cli = awscliDefault
	}
	if _, err := os.Stat(cli); err != nil {
		t.Fatalf("the AWS CLI is required: %v (apt-get install awscli, as .ci/run does, or set STEPWISE_AWS_CLI)", err)
	}
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Fatalf("bash is required: %v", err)
	}
	script, err := filepath.Abs(filepath.Join("..", "..", "scripts", "awscli-smoke.sh"))
	if err != nil {
		t.Fatal(err)
	}

	bin := awscliBuildStepwise(t)
	endpoint, serverLog := awscliStartServe(t, bin)

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bash, script, endpoint)
	model, err := filepath.Abs(filepath.Join("testdata", "sfn-model", "service-2.json"))
	if err != nil {
		t.Fatal(err)
	}
	// The model is given whatever botocore the machine has: Debian's CLI
	// 2.9.19 predates versions, TestState mocks and
	// ValidateStateMachineDefinition, and without a model the script would
	// leave those steps out.
	cmd.Env = append(os.Environ(), "STEPWISE_AWS_CLI="+cli, "STEPWISE_SFN_MODEL="+model)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("scripts/awscli-smoke.sh %s: %v\n%s\n--- stepwise serve log ---\n%s", endpoint, err, out, serverLog())
	}
	if strings.Contains(string(out), "awscli-smoke: SKIP") {
		t.Fatalf("scripts/awscli-smoke.sh skipped steps:\n%s", out)
	}
	t.Logf("scripts/awscli-smoke.sh %s:\n%s", endpoint, out)
}

// awscliBuildStepwise builds cmd/stepwise into a temporary directory.
func awscliBuildStepwise(t *testing.T) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is not on PATH: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "stepwise")
	cmd := exec.Command(goTool, "build", "-o", bin, ".")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go build ./cmd/stepwise: %v\n%s", err, out)
	}
	return bin
}

// awscliStartServe starts `stepwise serve` on a free loopback port with a
// database in a temporary directory, waits until it accepts connections,
// and kills it when the test ends. It returns the endpoint URL and a
// function that reads the server's log.
func awscliStartServe(t *testing.T, bin string) (endpoint string, serverLog func() string) {
	t.Helper()
	dir := t.TempDir()
	logPath := filepath.Join(dir, "serve.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { logFile.Close() })
	serverLog = func() string {
		data, err := os.ReadFile(logPath)
		if err != nil {
			return err.Error()
		}
		return string(data)
	}

	addr := awscliFreeAddr(t)
	cmd := exec.Command(bin, "serve", "--listen", addr, "--db", filepath.Join(dir, "db", "stepwise.db"), "--log-level", "debug")
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting stepwise serve: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			t.Errorf("stepwise serve (pid %d) did not exit after SIGKILL", cmd.Process.Pid)
		}
	})

	// Wait, within a bound, until it accepts connections (or exits).
	deadline := time.Now().Add(30 * time.Second)
	for {
		conn, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			conn.Close()
			break
		}
		select {
		case werr := <-exited:
			exited <- werr // for the cleanup
			t.Fatalf("stepwise serve exited before accepting connections (%v):\n%s", werr, serverLog())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("stepwise serve did not accept connections on %s within 30s (%v):\n%s", addr, err, serverLog())
		}
	}
	return "http://" + addr, serverLog
}

// awscliFreeAddr returns 127.0.0.1:PORT for a port free right now.
func awscliFreeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}
