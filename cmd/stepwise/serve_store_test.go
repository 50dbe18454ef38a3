package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/stepwise/stepwise/engine/service/store"
)

// runServe runs `stepwise serve` in process and returns its exit code and
// stderr, failing the test if it has not returned within 20 seconds.
func runServe(t *testing.T, args ...string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stderr bytes.Buffer
	code := make(chan int, 1)
	go func() { code <- cmdServe(ctx, args, &bytes.Buffer{}, &stderr) }()
	select {
	case c := <-code:
		return c, stderr.String()
	case <-time.After(20 * time.Second):
		cancel()
		select {
		case <-code:
			t.Fatalf("serve %v ran on instead of refusing to start", args)
		case <-time.After(5 * time.Second):
			t.Fatalf("serve %v hung, and ignored the end of its context", args)
		}
		return 0, ""
	}
}

// D1: serve on a database whose executions table is damaged used to hang
// (never listening, ignoring SIGTERM); it exits 1 saying what is wrong.
func TestServeRefusesDamagedDatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "stepwise.db")
	st, err := store.Open(context.Background(), path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	var root, pageSize int64
	err = db.QueryRow(`SELECT rootpage FROM sqlite_master WHERE name = 'executions'`).Scan(&root)
	if err == nil {
		err = db.QueryRow(`PRAGMA page_size`).Scan(&pageSize)
	}
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.WriteAt(bytes.Repeat([]byte{0xa5}, int(pageSize)), (root-1)*pageSize)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	code, stderr := runServe(t, "--db", path, "--listen", "127.0.0.1:0")
	if code != 1 || !strings.Contains(stderr, "damaged") || !strings.Contains(stderr, path) {
		t.Fatalf("exit %d, stderr %q; want 1 and the damage named", code, stderr)
	}
}

// D3: a second server on the same database file refuses to start, naming
// the process that has it.
func TestServeRefusesSecondServer(t *testing.T) {
	path := filepath.Join(t.TempDir(), "stepwise.db")
	first := startServeChild(t, "--db", path, "--listen", "127.0.0.1:0")
	code, stderr := runServe(t, "--db", path, "--listen", "127.0.0.1:0")
	if want := fmt.Sprintf("pid %d", first.cmd.Process.Pid); code != 1 || !strings.Contains(stderr, want) {
		t.Fatalf("exit %d, stderr %q; want 1 and %q", code, stderr, want)
	}
	first.kill(t)
	// Once the first server is gone (even killed), the database opens.
	second := startServeChild(t, "--db", path, "--listen", "127.0.0.1:0")
	second.kill(t)
}

// D5: under --auth, GET /metrics needs a signature like the API;
// --metrics-listen serves it unauthenticated on an address of its own.
func TestServeMetricsUnderAuth(t *testing.T) {
	free, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	metricsAddr := free.Addr().String()
	free.Close()
	c := startServeChild(t, "--db", store.Memory, "--listen", "127.0.0.1:0", "--auth", "--auth-credentials", "AKID:SECRET",
		"--metrics-listen", metricsAddr)
	defer c.kill(t)

	resp, err := http.Get(c.url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode == http.StatusOK || !strings.Contains(string(body), "MissingAuthenticationToken") {
		t.Fatalf("unsigned GET /metrics under --auth: %d %s", resp.StatusCode, body)
	}

	req, _ := http.NewRequest(http.MethodGet, c.url+"/metrics", nil)
	sum := sha256.Sum256(nil)
	if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: "AKID", SecretAccessKey: "SECRET"},
		req, hex.EncodeToString(sum[:]), "states", "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("signed GET /metrics: %d %.200s", resp.StatusCode, body)
	}

	resp, err = http.Get("http://" + metricsAddr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics on --metrics-listen: %d %.200s", resp.StatusCode, body)
	}
}
