package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/testsuite"

	"github.com/stepwise/stepwise/engine/runtime/temporal/temporaltest"
)

// readmeSection returns the lines of the ```sh blocks of README.md's
// section that starts with heading (up to the next "## " heading).
func readmeSection(t *testing.T, heading string) []string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	in, inBlock := false, false
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "## "):
			in = line == heading
		case !in:
		case line == "```sh":
			inBlock = true
		case line == "```":
			inBlock = false
		case inBlock:
			lines = append(lines, line)
		}
	}
	if len(lines) == 0 {
		t.Fatalf("README.md has no sh block under %q", heading)
	}
	return lines
}

// TestReadmeServiceWithTheAWSCLI runs the AWS CLI commands of the README's
// service section, as written, against serve on a free port: the dummy
// credentials, list/create/start, and StartSyncExecution both ways the
// README gives for Debian's CLI (HTTP_PROXY, and /etc/hosts naming
// sync-localhost, in a private mount namespace when unshare(1) can make
// one).
func TestReadmeServiceWithTheAWSCLI(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the AWS CLI")
	}
	cli := os.Getenv("STEPWISE_AWS_CLI")
	if cli == "" {
		cli = awscliDefault
	}
	if _, err := os.Stat(cli); err != nil {
		t.Fatalf("the AWS CLI is required: %v (apt-get install awscli, as .ci/run does, or set STEPWISE_AWS_CLI)", err)
	}
	var logs bytes.Buffer
	endpoint := startServeInProcess(t, &logs)
	port := endpoint[strings.LastIndex(endpoint, ":")+1:]

	var script []string
	var hostsLine string
	for _, l := range readmeSection(t, "## The service, with the AWS CLI and the SDKs") {
		switch {
		case strings.HasPrefix(l, "go run ./cmd/stepwise serve"):
			// the test's own server stands in for it
		case strings.HasPrefix(l, "echo '127.0.0.1 sync-localhost'"):
			hostsLine = "127.0.0.1 sync-localhost"
		default:
			l = strings.ReplaceAll(l, "127.0.0.1:8083", "127.0.0.1:"+port)
			l = strings.ReplaceAll(l, "localhost:8083", "localhost:"+port)
			script = append(script, l)
		}
	}
	if hostsLine == "" {
		t.Fatal("the README no longer adds sync-localhost to /etc/hosts")
	}

	// The localhost lines need the hosts line: in a mount namespace of
	// their own, /etc/hosts is a copy with it.
	dir := t.TempDir()
	hosts, err := os.ReadFile("/etc/hosts")
	if err != nil {
		t.Fatal(err)
	}
	hostsCopy := filepath.Join(dir, "hosts")
	if err := os.WriteFile(hostsCopy, append(append(hosts, '\n'), hostsLine+"\n"...), 0o644); err != nil {
		t.Fatal(err)
	}
	withHosts := exec.Command("unshare", "-m", "sh", "-c", "mount --bind "+hostsCopy+" /etc/hosts && getent hosts sync-localhost")
	namespace := withHosts.Run() == nil
	if !namespace {
		var kept []string
		for _, l := range script {
			if !strings.Contains(l, "localhost:"+port) {
				kept = append(kept, l)
			}
		}
		t.Logf("unshare -m cannot bind a private /etc/hosts here: the README's sync-localhost command is not run")
		script = kept
	}

	body := "set -euo pipefail\n" +
		"unset AWS_PROFILE AWS_REGION AWS_ENDPOINT_URL AWS_ENDPOINT_URL_SFN NO_PROXY no_proxy\n" +
		"export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_PAGER= AWS_EC2_METADATA_DISABLED=true AWS_MAX_ATTEMPTS=1\n" +
		"aws() { \"$STEPWISE_AWS_CLI\" --cli-connect-timeout 5 --cli-read-timeout 30 --output json \"$@\"; }\n" +
		strings.Join(script, "\n") + "\n"
	scriptFile := filepath.Join(dir, "readme.sh")
	if err := os.WriteFile(scriptFile, []byte(body), 0o755); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var cmd *exec.Cmd
	if namespace {
		cmd = exec.CommandContext(ctx, "unshare", "-m", "bash", "-c", "mount --bind "+hostsCopy+" /etc/hosts && exec bash "+scriptFile)
	} else {
		cmd = exec.CommandContext(ctx, "bash", scriptFile)
	}
	cmd.Env = append(os.Environ(), "STEPWISE_AWS_CLI="+cli)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the README's commands failed: %v\n%s\n--- script ---\n%s--- serve ---\n%s", err, out, body, logs.String())
	}
	// Every start-sync-execution line ran the machine to its output,
	// [] kept as [].
	want := 0
	for _, l := range script {
		if strings.Contains(l, "start-sync-execution") {
			want++
		}
	}
	if want == 0 || strings.Count(string(out), `"output": "{\"items\":[]}"`) != want || strings.Count(string(out), `"status": "SUCCEEDED"`) != want {
		t.Errorf("want %d synchronous executions to succeed with {\"items\":[]}:\n%s", want, out)
	}
	if !strings.Contains(string(out), `"stateMachines": [`) || !strings.Contains(string(out), `"executionArn": "arn:aws:states:us-east-1:123456789012:express:hello:`) {
		t.Errorf("list-state-machines or start-execution printed something else:\n%s", out)
	}
}

// TestReadmeTemporal runs the README's Temporal lines: the dev server of
// the CLI that scripts/temporal-cli.sh builds (on free ports rather than
// the defaults, which the lines rely on), stepwise worker, and the circuit
// breaker's run on it, which prints what the README says.
func TestReadmeTemporal(t *testing.T) {
	cli := temporaltest.CLI(t)
	lines := readmeSection(t, "## Temporal")
	want := []string{"temporal=$(scripts/temporal-cli.sh)", "$temporal server start-dev &", "go run ./cmd/stepwise worker &"}
	if len(lines) != 4 || !slices.Equal(lines[:3], want) || !strings.HasPrefix(lines[3], "go run ./cmd/stepwise run ") {
		t.Fatalf("the README's Temporal lines changed: %q", lines)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	srv, err := testsuite.StartDevServer(ctx, testsuite.DevServerOptions{
		ExistingPath: cli, LogLevel: "error", Stdout: io.Discard, Stderr: io.Discard,
		ClientOptions: &client.Options{Logger: temporaltest.QuietLogger()},
	})
	if err != nil {
		t.Fatalf("dev server: %v", err)
	}
	defer func() { _ = srv.Stop() }()
	addr := srv.FrontendHostPort()

	bin := awscliBuildStepwise(t)
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	var workerLog temporaltest.LockedBuffer
	worker := exec.Command(bin, "worker", "--address", addr)
	worker.Dir, worker.Stdout, worker.Stderr = root, &workerLog, &workerLog
	if err := worker.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = worker.Process.Signal(os.Interrupt)
		_ = worker.Wait()
	}()
	args := append(strings.Fields(strings.TrimPrefix(lines[3], "go run ./cmd/stepwise ")), "--address", addr)
	run := exec.CommandContext(ctx, bin, args...)
	run.Dir = root
	var stderr bytes.Buffer
	run.Stderr = &stderr
	out, err := run.Output()
	if err != nil || string(out) != `{"orderId":"o-1001","status":"PAID"}`+"\n" {
		t.Fatalf("%v: stdout %q\nstderr %s\nworker %s", err, out, stderr.String(), workerLog.String())
	}
}
