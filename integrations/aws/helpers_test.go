package aws

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/stepwise/stepwise/asl/value"
	"github.com/stepwise/stepwise/integrations"
)

// dynaliteServer is the dynalite process the tests share, started on first
// use by startDynalite and stopped by TestMain.
type dynaliteServer struct {
	once sync.Once
	url  string
	skip string // why dynalite is unavailable
	cmd  *exec.Cmd
}

var dyn dynaliteServer

func TestMain(m *testing.M) {
	code := m.Run()
	if dyn.cmd != nil && dyn.cmd.Process != nil {
		_ = dyn.cmd.Process.Kill()
		_ = dyn.cmd.Wait()
	}
	os.Exit(code)
}

// startDynalite returns the URL of a dynalite server, installing it with
// scripts/dynalite.sh when needed. Without node/npm it skips loudly, and
// fails when CI=true.
func startDynalite(t *testing.T) string {
	t.Helper()
	dyn.once.Do(func() { dyn.url, dyn.skip = launchDynalite() })
	if dyn.url == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("dynalite is required in CI: %s", dyn.skip)
		}
		t.Skipf("SKIPPING DynamoDB tests against dynalite: %s (install node and npm, or run scripts/dynalite.sh)", dyn.skip)
	}
	return dyn.url
}

func launchDynalite() (url, skip string) {
	if _, err := exec.LookPath("node"); err != nil {
		return "", "node is not installed"
	}
	script, err := filepath.Abs("../../scripts/dynalite.sh")
	if err != nil {
		return "", err.Error()
	}
	out, err := exec.Command("bash", script).Output()
	if err != nil {
		return "", fmt.Sprintf("scripts/dynalite.sh failed: %v", err)
	}
	cli := strings.TrimSpace(string(out))
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err.Error()
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	cmd := exec.Command("node", cli, "--host", "127.0.0.1", "--port", fmt.Sprint(port), "--createTableMs", "0", "--deleteTableMs", "0")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return "", err.Error()
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return "", err.Error()
	}
	dyn.cmd = cmd
	ready := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if strings.Contains(sc.Text(), "listening") {
				ready <- true
			}
		}
		ready <- false
	}()
	select {
	case ok := <-ready:
		if !ok {
			return "", "dynalite exited before listening"
		}
	case <-time.After(20 * time.Second):
		return "", "dynalite did not start within 20s"
	}
	go io.Copy(io.Discard, stdout)
	return fmt.Sprintf("http://127.0.0.1:%d", port), ""
}

// testInvoker returns an invoker with static credentials, region us-east-1,
// the given endpoints and no retries.
func testInvoker(endpoints map[string]string) *Invoker {
	return New(Options{
		LoadOptions: []func(*config.LoadOptions) error{
			config.WithRegion("us-east-1"),
			config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", "")),
		},
		Endpoints:       endpoints,
		PollInterval:    5 * time.Millisecond,
		MaxPollInterval: 20 * time.Millisecond,
		MaxAttempts:     1, // retries are tested on their own (TestRetries)
	})
}

func task(resource, params string) *integrations.Task {
	in, err := value.DecodeString(params)
	if err != nil {
		panic(err)
	}
	return &integrations.Task{StateName: "S", Resource: resource, Input: in,
		Execution: integrations.Execution{Region: "us-east-1", AccountID: "111111111111", ExecutionName: "exec-1"}}
}

// request is one request a fake service received.
type request struct {
	Target string
	Body   string
	Auth   string
	Host   string
}

// fakeService is a loopback server speaking the AWS JSON protocol. reply
// answers a target and body with a status and a JSON body.
type fakeService struct {
	*httptest.Server
	mu    sync.Mutex
	reqs  []request
	reply func(target string, body *value.Object) (int, string)
	ctype string
}

func newFakeService(t *testing.T, contentType string, reply func(target string, body *value.Object) (int, string)) *fakeService {
	f := &fakeService{reply: reply, ctype: contentType}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeService) serve(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	target := r.Header.Get("X-Amz-Target")
	f.mu.Lock()
	f.reqs = append(f.reqs, request{Target: target, Body: string(b), Auth: r.Header.Get("Authorization"), Host: r.Host})
	f.mu.Unlock()
	body, _ := value.Decode(b)
	o, _ := body.(*value.Object)
	status, resp := f.reply(target, o)
	w.Header().Set("Content-Type", f.ctype)
	w.Header().Set("x-amzn-RequestId", "req-1234")
	w.WriteHeader(status)
	io.WriteString(w, resp)
}

func (f *fakeService) requests() []request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]request(nil), f.reqs...)
}

// sameJSON compares two JSON texts by value, ignoring member order.
func sameJSON(t *testing.T, got, want string) bool {
	t.Helper()
	g, err := value.DecodeString(got)
	if err != nil {
		t.Fatalf("bad JSON %q: %v", got, err)
	}
	w, err := value.DecodeString(want)
	if err != nil {
		t.Fatalf("bad JSON %q: %v", want, err)
	}
	return value.Equal(g, w)
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

func sha256Sum(b []byte) [32]byte { return sha256.Sum256(b) }

func hexString(b []byte) string { return hex.EncodeToString(b) }
