package service_test

import (
	"context"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/stepwise/stepwise/engine/service"
	"github.com/stepwise/stepwise/engine/service/store"
)

// D4: an execution acknowledged before the disk filled up finishes, in the
// live server, once space returns; while the disk is full, StartExecution
// fails loudly (ServiceUnavailable) instead of acknowledging what it
// cannot keep.
func TestDiskFullExecutionsFinishWhenSpaceReturns(t *testing.T) {
	dir := t.TempDir()
	if os.Geteuid() != 0 {
		t.Skip("SKIPPED: the disk-full test mounts a small tmpfs, which needs root")
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=6m", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("SKIPPED: cannot mount a tmpfs for the disk-full test: %v: %s", err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v: %s", dir, err, out)
		}
	})
	st, err := store.Open(ctx, filepath.Join(dir, "stepwise.db"), store.Options{RetryInterval: 100 * time.Millisecond,
		OnError: func(err error) { t.Logf("store: %v", err) }})
	if err != nil {
		t.Fatal(err)
	}
	svc, err := service.New(service.Options{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.Start(ctx); err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(svc)
	filler := filepath.Join(dir, "filler")
	defer func() {
		_ = os.Remove(filler)
		hs.Close()
		sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		if err := svc.Shutdown(sctx); err != nil {
			t.Error(err)
		}
		st.Close()
	}()
	c := newClient(hs.URL)

	// Wait, then carry a 30 KB input through Pass states: 600 KB of events.
	states := `"W":{"Type":"Wait","Seconds":1,"Next":"P0"}`
	for i := range 10 {
		next := `"Next":"P` + string(rune('0'+i+1)) + `"`
		if i == 9 {
			next = `"End":true`
		}
		states += `,"P` + string(rune('0'+i)) + `":{"Type":"Pass",` + next + `}`
	}
	sm := createMachine(t, c, "big", `{"StartAt":"W","States":{`+states+`}}`, types.StateMachineTypeStandard)
	input := `{"pad":"` + strings.Repeat("x", 30_000) + `"}`
	start, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(sm), Input: aws.String(input)})
	if err != nil {
		t.Fatal(err)
	}

	f, err := os.Create(filler)
	if err != nil {
		t.Fatal(err)
	}
	chunk := make([]byte, 4096)
	for {
		if _, err := f.Write(chunk); err != nil {
			break
		}
	}
	f.Close()

	// The execution leaves its Wait and cannot record its events.
	var startErr error
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		_, startErr = c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(sm), Input: aws.String(`{}`)})
		if startErr != nil || time.Now().After(deadline) {
			break
		}
	}
	wantCode(t, startErr, "ServiceUnavailable")
	if !strings.Contains(startErr.Error(), "full") {
		t.Errorf("StartExecution on a full disk: %v, want it to say the disk is full", startErr)
	}
	// A fresh client: the SDK closes its connections after a retryable
	// error (503) under requests still using them.
	c = newClient(hs.URL)
	d, err := c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: start.ExecutionArn})
	if err != nil {
		t.Fatalf("while the disk is full: DescribeExecution: %v", err)
	}
	if d.Status != types.ExecutionStatusRunning {
		t.Fatalf("while the disk is full: %v, want RUNNING", d.Status)
	}

	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	// Read what the server committed from its store.
	var got *store.Execution
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if got, err = st.GetExecution(ctx, *start.ExecutionArn); err != nil {
			t.Fatal(err)
		}
		if got.Status != "RUNNING" || time.Now().After(deadline) {
			break
		}
	}
	if got.Status != "SUCCEEDED" {
		t.Fatalf("after space returned: %s, want SUCCEEDED", got.Status)
	}
	evs, err := st.History(ctx, store.HistoryQuery{ExecutionID: got.ID})
	if err != nil {
		t.Fatal(err)
	}
	// Started, Wait entered/exited, 10 × Pass entered/exited, Succeeded.
	if len(evs) != 24 {
		t.Fatalf("history after space returned: %d events, want 24", len(evs))
	}
	for i, ev := range evs {
		if ev.ID != int64(i+1) {
			t.Fatalf("event %d has id %d: events were lost", i+1, ev.ID)
		}
	}
}
