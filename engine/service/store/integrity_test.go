package store_test

import (
	"bufio"
	"database/sql"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stepwise/stepwise/engine/service/store"
)

// fill stores n executions of one state machine, each with a few events.
func fill(t *testing.T, s *store.SQLite, n int) {
	t.Helper()
	for i := range n {
		ex := &store.Execution{Arn: fmt.Sprintf("arn:ex:%d", i), StateMachineArn: "arn:sm:a", Name: strconv.Itoa(i), RevisionID: "r1",
			Status: "RUNNING", Input: `{"pad":"` + strings.Repeat("x", 200) + `"}`, StartDate: time.Now()}
		if err := s.CreateExecution(ctx, ex); err != nil {
			t.Fatal(err)
		}
		for j := int64(1); j <= 3; j++ {
			s.AppendEvent(ex.ID, store.Event{ID: j, Type: "T", JSON: []byte(`{}`)})
		}
	}
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
}

// openWithin opens a store, failing the test if Open does not return in
// time (it used to hang on a damaged file).
func openWithin(t *testing.T, path string) (*store.SQLite, error) {
	t.Helper()
	type result struct {
		s   *store.SQLite
		err error
	}
	c := make(chan result, 1)
	go func() {
		s, err := store.Open(ctx, path, store.Options{})
		c <- result{s, err}
	}()
	select {
	case r := <-c:
		return r.s, r.err
	case <-time.After(20 * time.Second):
		t.Fatal("Open did not return within 20s")
		return nil, nil
	}
}

func TestOpenRefusesDamagedDatabase(t *testing.T) {
	for _, tc := range []struct {
		name   string
		damage func(t *testing.T, path string)
		want   string
	}{
		{"executions table overwritten", func(t *testing.T, path string) {
			// Keep the schema (page 1), ruin the executions table's root
			// page: creating the schema succeeds, reading fails (Open
			// used to hang there, in Close).
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
			defer f.Close()
			if _, err := f.WriteAt([]byte(strings.Repeat("\xa5", int(pageSize))), (root-1)*pageSize); err != nil {
				t.Fatal(err)
			}
		}, "damaged"},
		{"header overwritten", func(t *testing.T, path string) {
			if err := os.WriteFile(path, []byte(strings.Repeat("not a database ", 2000)), 0o644); err != nil {
				t.Fatal(err)
			}
		}, "not a SQLite database"},
		{"truncated to 0 bytes", func(t *testing.T, path string) {
			if err := os.Truncate(path, 0); err != nil {
				t.Fatal(err)
			}
		}, "empty (0 bytes)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "s.db")
			s := open(t, path)
			fill(t, s, 300)
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			tc.damage(t, path)
			s, err := openWithin(t, path)
			if err == nil {
				defer s.Close()
				n, _ := s.ListExecutions(ctx, store.ExecutionQuery{Limit: 1000})
				t.Fatalf("Open accepted the damaged database (%d executions)", len(n))
			}
			if !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), path) {
				t.Fatalf("error = %v, want it to name %s and say %q", err, path, tc.want)
			}
			// The refusal released the lock: a sound file opens.
			if err := os.Remove(path); err != nil {
				t.Fatal(err)
			}
			_ = os.Remove(path + "-wal")
			s2, err := store.Open(ctx, path, store.Options{})
			if err != nil {
				t.Fatalf("after removing the damaged file: %v", err)
			}
			s2.Close()
		})
	}
}

// walFrames returns, for each whole frame of a WAL file, its offset and
// whether it commits a transaction of the log's current generation.
func walFrames(t *testing.T, path string) (offsets []int64, commits []bool) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) < 32 {
		return nil, nil
	}
	be := binary.BigEndian
	page := int64(be.Uint32(b[8:]))
	salt := b[16:24]
	for off := int64(32); off+24+page <= int64(len(b)); off += 24 + page {
		if string(b[off+8:off+16]) != string(salt) {
			break
		}
		offsets = append(offsets, off)
		commits = append(commits, be.Uint32(b[off+4:]) != 0)
	}
	return offsets, commits
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// A WAL with a flipped byte in a frame before later commits used to open
// with the executions of those commits missing.
func TestOpenRefusesDamagedWAL(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "s.db")
	s := open(t, path)
	defer s.Close()
	fill(t, s, 300)
	// The files as a kill -9 would leave them (the WAL first: the
	// checkpointer only ever copies from it into the database).
	crash := filepath.Join(dir, "crash.db")
	copyFile(t, path+"-wal", crash+"-wal")
	copyFile(t, path, crash)
	offsets, commits := walFrames(t, crash+"-wal")
	victim := -1
	for i := range offsets {
		for j := i + 1; j < len(offsets); j++ {
			if commits[j] {
				victim = i
				break
			}
		}
		if victim >= 0 {
			break
		}
	}
	if victim < 0 {
		t.Fatalf("the WAL has no frame followed by a commit (%d frames)", len(offsets))
	}
	f, err := os.OpenFile(crash+"-wal", os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	var one [1]byte
	at := offsets[victim] + 24 + 100
	if _, err := f.ReadAt(one[:], at); err != nil {
		t.Fatal(err)
	}
	one[0] ^= 0xff
	if _, err := f.WriteAt(one[:], at); err != nil {
		t.Fatal(err)
	}
	f.Close()

	c, err := openWithin(t, crash)
	if err == nil {
		defer c.Close()
		exs, _ := c.ListExecutions(ctx, store.ExecutionQuery{Limit: 1000})
		t.Fatalf("Open accepted the damaged WAL and shows %d of 300 executions", len(exs))
	}
	if !strings.Contains(err.Error(), "write-ahead log") || !strings.Contains(err.Error(), "damaged") {
		t.Fatalf("error = %v, want it to say the write-ahead log is damaged", err)
	}

	// An undamaged copy opens with every execution.
	sound := filepath.Join(dir, "sound.db")
	copyFile(t, path+"-wal", sound+"-wal")
	copyFile(t, path, sound)
	c, err = openWithin(t, sound)
	if err != nil {
		t.Fatalf("undamaged copy: %v", err)
	}
	defer c.Close()
	if exs, err := c.ListExecutions(ctx, store.ExecutionQuery{Limit: 1000}); err != nil || len(exs) != 300 {
		t.Fatalf("undamaged copy: %d executions, %v", len(exs), err)
	}
}

func TestOpenLocksTheDatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.db")
	s := open(t, path)
	_, err := store.Open(ctx, path, store.Options{})
	if err == nil {
		t.Fatal("a second Open of the same file succeeded")
	}
	if want := fmt.Sprintf("pid %d", os.Getpid()); !strings.Contains(err.Error(), want) {
		t.Fatalf("error = %v, want it to name the holder (%s)", err, want)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = open(t, path) // closing released the lock
	s.Close()
}

// lockHelperEnv names the database a child process of TestOpenLockAcrossProcesses holds.
const lockHelperEnv = "STEPWISE_STORE_LOCK_HELPER"

// TestLockHelper is the child process: it opens the store, says so, and
// holds it until its stdin closes.
func TestLockHelper(t *testing.T) {
	path := os.Getenv(lockHelperEnv)
	if path == "" {
		t.Skip("run by TestOpenLockAcrossProcesses")
	}
	s, err := store.Open(ctx, path, store.Options{})
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	fmt.Println("open")
	_, _ = io.Copy(io.Discard, os.Stdin)
	s.Close()
}

func TestOpenLockAcrossProcesses(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestLockHelper$")
	cmd.Env = append(os.Environ(), lockHelperEnv+"="+path)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { stdin.Close(); _ = cmd.Wait() }()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || line != "open\n" {
		t.Fatalf("child: %q %v", line, err)
	}
	_, err = store.Open(ctx, path, store.Options{})
	if err == nil {
		t.Fatal("Open succeeded while another process has the database open")
	}
	if want := fmt.Sprintf("pid %d", cmd.Process.Pid); !strings.Contains(err.Error(), want) {
		t.Fatalf("error = %v, want it to name the holder (%s)", err, want)
	}
	stdin.Close()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("child: %v", err)
	}
	s, err := store.Open(ctx, path, store.Options{})
	if err != nil {
		t.Fatalf("after the other process ended: %v", err)
	}
	s.Close()
}
