package store_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stepwise/stepwise/engine/service/store"
)

// smallDisk mounts a tmpfs of size on a temporary directory, or skips the
// test saying why it cannot.
func smallDisk(t *testing.T, size string) string {
	t.Helper()
	dir := t.TempDir()
	if os.Geteuid() != 0 {
		t.Skip("SKIPPED: the disk-full test mounts a small tmpfs, which needs root")
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("SKIPPED: cannot mount a tmpfs for the disk-full test: %v: %s", err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v: %s", dir, err, out)
		}
	})
	return dir
}

// fillDisk writes a file until the disk is full and returns its path.
func fillDisk(t *testing.T, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "filler")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	chunk := make([]byte, 4096)
	for {
		if _, err := f.Write(chunk); err != nil {
			if !strings.Contains(err.Error(), "no space") {
				t.Fatalf("filling the disk: %v", err)
			}
			return path
		}
	}
}

// A write that fails because the disk is full is kept and committed once
// space returns, in the running process: history events and the end of an
// execution are not dropped; writes that a caller waits for fail at once.
func TestDiskFullKeepsWrites(t *testing.T) {
	dir := smallDisk(t, "4m")
	path := filepath.Join(dir, "s.db")
	var failed, recovered atomic.Int32
	s, err := store.Open(ctx, path, store.Options{
		OnError:       func(err error) { failed.Add(1); t.Logf("store: %v", err) },
		OnRecover:     func() { recovered.Add(1) },
		RetryInterval: 100 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ex := &store.Execution{Arn: "arn:ex:1", StateMachineArn: "arn:sm:a", Name: "1", RevisionID: "r1", Status: "RUNNING", Input: `{}`, StartDate: time.Now()}
	if err := s.CreateExecution(ctx, ex); err != nil {
		t.Fatal(err)
	}
	filler := fillDisk(t, dir)

	body := []byte(`{"pad":"` + strings.Repeat("x", 20000) + `"}`)
	const events = 60 // 1.2 MB: more than the WAL has room for
	for i := int64(1); i <= events; i++ {
		s.AppendEvent(ex.ID, store.Event{ID: i, Type: "PassStateEntered", JSON: body})
	}
	s.SaveCheckpoint(ex.ID, []byte(`{"n":60}`))
	finished := make(chan error, 1)
	go func() {
		finished <- s.FinishExecution(context.Background(), ex.ID, store.Finish{Status: "SUCCEEDED", Output: `{}`, StopDate: time.Now()})
	}()
	deadline := time.Now().Add(10 * time.Second)
	for failed.Load() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the full disk was never reported")
		}
		time.Sleep(10 * time.Millisecond)
	}
	// A write a caller waits for fails at once, saying why.
	cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	err = s.CreateExecution(cctx, &store.Execution{Arn: "arn:ex:2", StateMachineArn: "arn:sm:a", Name: "2", RevisionID: "r1", Status: "RUNNING", Input: `{}`, StartDate: time.Now()})
	if !errors.Is(err, store.ErrUnavailable) || !strings.Contains(err.Error(), "full") {
		t.Fatalf("CreateExecution on a full disk: %v, want ErrUnavailable saying the disk is full", err)
	}
	select {
	case err := <-finished:
		t.Fatalf("FinishExecution returned on a full disk: %v", err)
	case <-time.After(300 * time.Millisecond):
	}

	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-finished:
		if err != nil {
			t.Fatalf("FinishExecution after space returned: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("FinishExecution did not complete after space returned")
	}
	for deadline := time.Now().Add(5 * time.Second); recovered.Load() == 0; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("OnRecover was not called")
		}
	}
	got, err := s.GetExecution(ctx, ex.Arn)
	if err != nil || got.Status != "SUCCEEDED" || string(got.Checkpoint) != `{"n":60}` {
		t.Fatalf("execution after recovery: %+v %v", got, err)
	}
	evs, err := s.History(ctx, store.HistoryQuery{ExecutionID: ex.ID})
	if err != nil || len(evs) != events {
		t.Fatalf("history after recovery: %d events, %v; want %d", len(evs), err, events)
	}
	// Writes work again.
	if err := s.CreateExecution(ctx, &store.Execution{Arn: "arn:ex:3", StateMachineArn: "arn:sm:a", Name: "3", RevisionID: "r1", Status: "RUNNING", Input: `{}`, StartDate: time.Now()}); err != nil {
		t.Fatalf("CreateExecution after recovery: %v", err)
	}
}

// Close returns while the disk is full, even with writers blocked on a full
// queue; what could not be written is reported, not waited for.
func TestDiskFullCloseDoesNotHang(t *testing.T) {
	dir := smallDisk(t, "2m")
	var failed atomic.Int64
	s, err := store.Open(ctx, filepath.Join(dir, "s.db"), store.Options{MaxBatch: 8, RetryInterval: 50 * time.Millisecond,
		OnError: func(error) { failed.Add(1) }})
	if err != nil {
		t.Fatal(err)
	}
	ex := &store.Execution{Arn: "arn:ex:1", StateMachineArn: "arn:sm:a", Name: "1", RevisionID: "r1", Status: "RUNNING", Input: `{}`, StartDate: time.Now()}
	if err := s.CreateExecution(ctx, ex); err != nil {
		t.Fatal(err)
	}
	fillDisk(t, dir)
	body := []byte(`{"pad":"` + strings.Repeat("x", 8000) + `"}`)
	produced := make(chan struct{})
	go func() {
		defer close(produced)
		for i := int64(1); i <= 20000; i++ { // more than the queue holds
			s.AppendEvent(ex.ID, store.Event{ID: i, Type: "T", JSON: body})
		}
	}()
	time.Sleep(500 * time.Millisecond)
	closed := make(chan error, 1)
	go func() { closed <- s.Close() }()
	select {
	case <-closed:
	case <-time.After(20 * time.Second):
		t.Fatal("Close hung on a full disk")
	}
	select {
	case <-produced:
	case <-time.After(10 * time.Second):
		t.Fatal("AppendEvent stayed blocked after Close")
	}
	if failed.Load() == 0 {
		t.Error("the writes that could not be made were not reported")
	}
}
