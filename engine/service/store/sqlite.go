package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Memory is the path that opens a store held in memory only.
const Memory = ":memory:"

// Options configure Open.
type Options struct {
	// OnError receives the errors of queued writes (events, checkpoints,
	// task tokens), which have no caller to return them to. nil: dropped.
	OnError func(error)
	// OnRecover is called when writes succeed again after a failure that
	// OnError reported (the disk had been full). nil: nothing is called.
	OnRecover func()
	// MaxBatch is the most writes grouped into one transaction (0: 512).
	MaxBatch int
	// RetryInterval is the longest wait between two attempts to commit
	// writes that failed for want of space or an I/O error (0: 2s).
	RetryInterval time.Duration
}

// SQLite is the Store on an embedded SQLite database.
type SQLite struct {
	w      *sql.DB // the writer's connection (and the reader of an in-memory store)
	r      *sql.DB // readers
	cp     *sql.DB // the WAL checkpointer (nil in memory)
	opts   Options
	nextID atomic.Int64
	// nextMapRunID numbers map runs (PutMapRun).
	nextMapRunID atomic.Int64

	ops      chan *op
	stopping chan struct{} // closed when Close begins: queueing gives up
	closing  chan struct{} // closed once nothing more is queued
	done     chan struct{}
	mu       sync.RWMutex // held for reading while queueing, for writing to close
	closed   bool
	stopOnce sync.Once
	// failing is the error of the last failed commit while queued writes
	// wait to be retried (nil: writes succeed).
	failing atomic.Pointer[error]
	lock    *fileLock // the lock on the database file (nil in memory)

	stmts  map[opKind]*sql.Stmt
	cpDone chan struct{} // closed when the checkpointer has returned
}

var _ Store = (*SQLite)(nil)

const schema = `
CREATE TABLE IF NOT EXISTS state_machines(
	arn TEXT PRIMARY KEY, name TEXT NOT NULL, type TEXT NOT NULL, status TEXT NOT NULL,
	definition TEXT NOT NULL, role_arn TEXT NOT NULL, description TEXT NOT NULL,
	logging TEXT NOT NULL, tracing TEXT NOT NULL, revision TEXT NOT NULL,
	created INTEGER NOT NULL, updated INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS revisions(
	arn TEXT NOT NULL, revision TEXT NOT NULL, name TEXT NOT NULL, type TEXT NOT NULL,
	definition TEXT NOT NULL, role_arn TEXT NOT NULL, description TEXT NOT NULL,
	logging TEXT NOT NULL, tracing TEXT NOT NULL, created INTEGER NOT NULL,
	PRIMARY KEY(arn, revision)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS executions(
	id INTEGER PRIMARY KEY, arn TEXT NOT NULL UNIQUE, sm_arn TEXT NOT NULL, name TEXT NOT NULL,
	revision TEXT NOT NULL, status TEXT NOT NULL, input TEXT NOT NULL, output TEXT NOT NULL,
	error TEXT NOT NULL, cause TEXT NOT NULL, start INTEGER NOT NULL, stop INTEGER NOT NULL,
	redrive_count INTEGER NOT NULL, redrive_date INTEGER NOT NULL, trace_header TEXT NOT NULL,
	test_case TEXT NOT NULL, checkpoint BLOB);
CREATE INDEX IF NOT EXISTS executions_by_machine ON executions(sm_arn, id);
CREATE INDEX IF NOT EXISTS executions_running ON executions(id) WHERE status = 'RUNNING';
CREATE TABLE IF NOT EXISTS events(
	exec_id INTEGER NOT NULL, id INTEGER NOT NULL, type TEXT NOT NULL, body BLOB NOT NULL,
	PRIMARY KEY(exec_id, id)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS task_tokens(
	token TEXT PRIMARY KEY, exec_id INTEGER NOT NULL, exec_arn TEXT NOT NULL, state TEXT NOT NULL,
	activity_arn TEXT NOT NULL, created INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS activities(arn TEXT PRIMARY KEY, name TEXT NOT NULL, created INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS activity_tasks(
	token TEXT PRIMARY KEY, exec_arn TEXT NOT NULL, state TEXT NOT NULL, activity_arn TEXT NOT NULL,
	input TEXT NOT NULL, created INTEGER NOT NULL) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS activity_tasks_by_execution ON activity_tasks(exec_arn);
CREATE TABLE IF NOT EXISTS tags(arn TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,
	PRIMARY KEY(arn, key)) WITHOUT ROWID;
`

// opKind names the writes with a prepared statement of their own.
type opKind int

const (
	opFunc opKind = iota // a one-off write (fn)
	opCreateExecution
	opEvent
	opCheckpoint
	opFinish
	opToken
	opFlush
)

var statements = map[opKind]string{
	opCreateExecution: `INSERT INTO executions(id, arn, sm_arn, name, revision, status, input, output, error, cause,
		start, stop, redrive_count, redrive_date, trace_header, test_case, checkpoint)
		VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
	opEvent:      `INSERT OR REPLACE INTO events(exec_id, id, type, body) VALUES(?, ?, ?, ?)`,
	opCheckpoint: `UPDATE executions SET checkpoint = ? WHERE id = ?`,
	opFinish:     `UPDATE executions SET status = ?, output = ?, error = ?, cause = ?, stop = ? WHERE id = ?`,
	opToken:      `INSERT OR REPLACE INTO task_tokens(token, exec_id, exec_arn, state, activity_arn, created) VALUES(?, ?, ?, ?, ?, ?)`,
}

// op is one queued write.
type op struct {
	kind opKind
	id   int64
	ex   *Execution
	ev   Event
	data []byte
	fin  Finish
	tok  TaskToken
	fn   func(ctx context.Context, tx *sql.Tx) error
	done chan error // nil: nobody waits
	// retry: when the transaction fails for want of space or an I/O
	// error, the write is kept and committed once writes succeed again
	// (history events, checkpoints, task tokens, the end of an
	// execution). Other writes fail at once, so that their callers (API
	// requests) get the error instead of waiting.
	retry bool
}

// Open opens (creating it if needed) the SQLite store at path, or an
// in-memory store for Memory. The file is used in WAL mode with
// synchronous=NORMAL: a committed write survives the process being killed;
// a power loss may lose the last commits.
//
// One process at a time may open a database file: Open takes an exclusive
// lock on PATH.lock beside it (flock) and fails, naming the process that
// holds it, when another has it. It also refuses a file that is not sound:
// an empty (0-byte) file, a write-ahead log whose recovery would drop
// committed transactions (a frame that fails its checksum before later
// commits), or a database that fails SQLite's PRAGMA quick_check.
func Open(ctx context.Context, path string, opts Options) (*SQLite, error) {
	if opts.MaxBatch <= 0 {
		opts.MaxBatch = 512
	}
	if opts.RetryInterval <= 0 {
		opts.RetryInterval = 2 * time.Second
	}
	s := &SQLite{opts: opts, ops: make(chan *op, 16384), stopping: make(chan struct{}), closing: make(chan struct{}),
		done: make(chan struct{}), stmts: map[opKind]*sql.Stmt{}}
	params := "_pragma=busy_timeout(10000)&_pragma=foreign_keys(0)"
	var err error
	if path == Memory {
		s.w, err = sql.Open("sqlite", ":memory:?"+params)
		if err != nil {
			return nil, fmt.Errorf("store: open: %w", err)
		}
		s.w.SetMaxOpenConns(1)
		s.w.SetConnMaxLifetime(0)
		s.w.SetConnMaxIdleTime(0)
		s.r = s.w
	} else {
		if strings.ContainsAny(path, "?#") {
			return nil, fmt.Errorf("store: open %s: the path may not contain '?' or '#'", path)
		}
		if s.lock, err = lockFile(path + ".lock"); err != nil {
			return nil, fmt.Errorf("store: open %s: %w", path, err)
		}
		if err := checkFiles(path); err != nil {
			s.lock.release()
			return nil, fmt.Errorf("store: open %s: %w", path, err)
		}
		// The writer never checkpoints the WAL itself (a checkpoint inside
		// a commit would hold up every waiting caller): a goroutine does,
		// on a connection of its own, beside the writes.
		s.w, err = sql.Open("sqlite", path+"?"+params+"&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=wal_autocheckpoint(0)&_txlock=immediate")
		if err != nil {
			s.lock.release()
			return nil, fmt.Errorf("store: open %s: %w", path, err)
		}
		s.w.SetMaxOpenConns(1)
		s.w.SetConnMaxIdleTime(0)
		s.w.SetConnMaxLifetime(0)
		if err := quickCheck(ctx, s.w); err != nil {
			s.closeDBs()
			return nil, fmt.Errorf("store: open %s: %w", path, err)
		}
	}
	if _, err := s.w.ExecContext(ctx, schema+versionSchema+secretsSchema+retentionSchema+mapRunSchema); err != nil {
		s.closeDBs()
		return nil, fmt.Errorf("store: open %s: creating the schema: %w", path, err)
	}
	if err := migrateMapRuns(ctx, s.w); err != nil {
		s.closeDBs()
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	if s.r == nil {
		s.r, err = sql.Open("sqlite", path+"?"+params+"&_pragma=query_only(1)")
		if err != nil {
			s.closeDBs()
			return nil, fmt.Errorf("store: open %s: %w", path, err)
		}
		s.r.SetMaxOpenConns(4)
		s.r.SetMaxIdleConns(4)
		s.r.SetConnMaxIdleTime(0)
		s.cp, err = sql.Open("sqlite", path+"?"+params)
		if err != nil {
			s.closeDBs()
			return nil, fmt.Errorf("store: open %s: %w", path, err)
		}
		s.cp.SetMaxOpenConns(1)
	}
	var maxID sql.NullInt64
	if err := s.w.QueryRowContext(ctx, `SELECT MAX(id) FROM executions`).Scan(&maxID); err != nil {
		// Not Close: the writer has not started, and Close would wait
		// for it forever.
		s.closeDBs()
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	s.nextID.Store(maxID.Int64)
	if err := s.w.QueryRowContext(ctx, `SELECT MAX(id) FROM map_runs`).Scan(&maxID); err != nil {
		s.closeDBs()
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	s.nextMapRunID.Store(maxID.Int64)
	for k, q := range statements {
		st, err := s.w.PrepareContext(ctx, q)
		if err != nil {
			s.closeDBs()
			return nil, fmt.Errorf("store: open %s: preparing statements: %w", path, err)
		}
		s.stmts[k] = st
	}
	go s.writer()
	if s.cp != nil {
		s.cpDone = make(chan struct{})
		go s.checkpointer()
	}
	return s, nil
}

// checkpointer copies the WAL into the database file every 200 ms without
// blocking the writer (PASSIVE), and resets it when it has grown large.
func (s *SQLite) checkpointer() {
	defer close(s.cpDone)
	t := time.NewTicker(200 * time.Millisecond)
	defer t.Stop()
	lastErr := ""
	for {
		select {
		case <-s.closing:
			return
		case <-t.C:
		}
		var busy, logPages, done int
		if err := s.cp.QueryRow(`PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &logPages, &done); err != nil {
			// Reported once, not every 200 ms while the disk stays full.
			if msg := err.Error(); msg != lastErr {
				if s.opts.OnError != nil {
					s.opts.OnError(fmt.Errorf("store: checkpointing the WAL: %w", err))
				}
				lastErr = msg
			}
			continue
		}
		lastErr = ""
		if logPages > 64*1024 && done == logPages {
			// Everything is in the database file: start the WAL over
			// (this waits for the writer briefly).
			_, _ = s.cp.Exec(`PRAGMA wal_checkpoint(RESTART)`)
		}
	}
}

// closeDBs closes the statements, the databases and the lock, those that
// are open.
func (s *SQLite) closeDBs() {
	for _, st := range s.stmts {
		st.Close()
	}
	if s.r != nil && s.r != s.w {
		s.r.Close()
	}
	if s.cp != nil {
		s.cp.Close()
	}
	if s.w != nil {
		s.w.Close()
	}
	s.lock.release()
}

// Close commits the queued writes and closes the database.
func (s *SQLite) Close() error {
	s.stopOnce.Do(func() { close(s.stopping) }) // writers blocked on a full queue give up
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.mu.Unlock()
	close(s.closing)
	<-s.done
	if s.cpDone != nil {
		<-s.cpDone
		_, _ = s.cp.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`)
	}
	s.closeDBs()
	return nil
}

// enqueue queues a write; with wait it returns the write's error once its
// transaction has committed.
func (s *SQLite) enqueue(ctx context.Context, o *op, wait bool) error {
	if wait {
		o.done = make(chan error, 1)
	}
	if wait && !o.retry {
		if ferr := s.failing.Load(); ferr != nil {
			return fmt.Errorf("%w: the database cannot be written (%w)", ErrUnavailable, *ferr)
		}
	}
	s.mu.RLock()
	if s.closed {
		s.mu.RUnlock()
		return ErrClosed
	}
	select {
	case s.ops <- o:
	default:
		// The queue is full (the disk may be): wait for room, unless
		// the store closes.
		select {
		case s.ops <- o:
		case <-s.stopping:
			s.mu.RUnlock()
			return ErrClosed
		case <-ctx.Done():
			s.mu.RUnlock()
			return ctx.Err()
		}
	}
	s.mu.RUnlock()
	if !wait {
		return nil
	}
	select {
	case err := <-o.done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// writer commits queued writes, as many as are queued (up to MaxBatch) in
// each transaction. When a transaction fails for want of space or an I/O
// error, the writes that must not be lost (retry) are kept, in order, and
// committed again, with the writes queued since, until a commit succeeds;
// the other writes of the batch fail with the error.
func (s *SQLite) writer() {
	defer close(s.done)
	batch := make([]*op, 0, s.opts.MaxBatch)
	wait := 50 * time.Millisecond
	for {
		if len(batch) == 0 {
			select {
			case o := <-s.ops:
				batch = append(batch, o)
			case <-s.closing:
				s.final(nil)
				return
			}
		}
	fill:
		for len(batch) < s.opts.MaxBatch {
			select {
			case o := <-s.ops:
				batch = append(batch, o)
			default:
				break fill
			}
		}
		err := s.commit(batch)
		if err == nil {
			if s.failing.Swap(nil) != nil && s.opts.OnRecover != nil {
				s.opts.OnRecover()
			}
			clear(batch)
			batch = batch[:0]
			wait = 50 * time.Millisecond
			continue
		}
		if s.failing.Swap(&err) == nil && s.opts.OnError != nil {
			s.opts.OnError(fmt.Errorf("%w; history events, checkpoints and execution ends are kept and retried until a write succeeds, other writes fail", err))
		}
		batch = s.keepRetries(batch, err)
		select {
		case <-time.After(wait):
		case <-s.closing:
			s.final(batch)
			return
		}
		wait = min(2*wait, s.opts.RetryInterval)
	}
}

// keepRetries answers the writes of a failed batch that are not retried
// and returns those that are, in order.
func (s *SQLite) keepRetries(batch []*op, err error) []*op {
	kept := batch[:0]
	for _, o := range batch {
		if o.retry {
			kept = append(kept, o)
			continue
		}
		s.reply(o, fmt.Errorf("%w: %w", ErrUnavailable, err))
	}
	clear(batch[len(kept):])
	return kept
}

// final commits what is left when the store closes: batch and every write
// still queued. Writes that cannot be committed now are reported.
func (s *SQLite) final(batch []*op) {
	// Writers check closed under the lock before queueing, so once
	// closing is closed nothing more arrives.
	for {
		select {
		case o := <-s.ops:
			batch = append(batch, o)
			continue
		default:
		}
		break
	}
	for len(batch) > 0 {
		n := min(len(batch), s.opts.MaxBatch)
		if err := s.commit(batch[:n]); err != nil {
			for _, o := range batch[:n] {
				s.reply(o, fmt.Errorf("store: closing: %w", err))
			}
		}
		batch = batch[n:]
	}
}

// reply gives a write's outcome to its caller, or to OnError when nobody
// waits for it.
func (s *SQLite) reply(o *op, err error) {
	if o.done != nil {
		o.done <- err
	} else if err != nil && s.opts.OnError != nil {
		s.opts.OnError(err)
	}
}

// commit runs a batch of writes in one transaction and reports to those
// waiting. When the transaction fails for want of space, an I/O error or
// the like (transient), it is rolled back, nobody is answered, and commit
// returns the error.
func (s *SQLite) commit(batch []*op) error {
	ctx := context.Background()
	errs := make([]error, len(batch))
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		err = fmt.Errorf("store: begin: %w", err)
		if transient(err) {
			return err
		}
		for _, o := range batch {
			s.reply(o, err)
		}
		return nil
	}
	stmts := map[opKind]*sql.Stmt{}
	stmt := func(k opKind) *sql.Stmt {
		st := stmts[k]
		if st == nil {
			st = tx.StmtContext(ctx, s.stmts[k])
			stmts[k] = st
		}
		return st
	}
	// The latest checkpoint of each execution is all that counts:
	// write it once, after the batch's other writes.
	var checkpoints map[int64][]byte
	var order []int64
	for i, o := range batch {
		switch o.kind {
		case opFunc:
			errs[i] = o.fn(ctx, tx)
		case opCreateExecution:
			e := o.ex
			_, errs[i] = stmt(o.kind).ExecContext(ctx, e.ID, e.Arn, e.StateMachineArn, e.Name, e.RevisionID, e.Status,
				e.Input, e.Output, e.Error, e.Cause, nanos(e.StartDate), nanos(e.StopDate), e.RedriveCount,
				nanos(e.RedriveDate), e.TraceHeader, e.TestCase, e.Checkpoint)
			if isConstraint(errs[i]) {
				errs[i] = fmt.Errorf("execution %s: %w", e.Arn, ErrExists)
			}
		case opEvent:
			_, errs[i] = stmt(o.kind).ExecContext(ctx, o.id, o.ev.ID, o.ev.Type, o.ev.JSON)
		case opCheckpoint:
			if checkpoints == nil {
				checkpoints = map[int64][]byte{}
			}
			if _, ok := checkpoints[o.id]; !ok {
				order = append(order, o.id)
			}
			checkpoints[o.id] = o.data
		case opFinish:
			if cp, ok := checkpoints[o.id]; ok {
				// Keep the order: the checkpoint before the finish.
				if _, err := stmt(opCheckpoint).ExecContext(ctx, cp, o.id); err != nil {
					errs[i] = err
				}
				delete(checkpoints, o.id)
			}
			f := o.fin
			if errs[i] == nil {
				_, errs[i] = stmt(o.kind).ExecContext(ctx, f.Status, f.Output, f.Error, f.Cause, nanos(f.StopDate), o.id)
			}
		case opToken:
			t := o.tok
			_, errs[i] = stmt(o.kind).ExecContext(ctx, t.Token, t.ExecutionID, t.ExecutionArn, t.StateName, t.ActivityArn, nanos(t.Created))
		case opFlush:
		}
		if errs[i] != nil && transient(errs[i]) {
			_ = tx.Rollback()
			return fmt.Errorf("store: write: %w", errs[i])
		}
	}
	var cpErr error
	for _, id := range order {
		cp, ok := checkpoints[id]
		if !ok {
			continue
		}
		if _, err := stmt(opCheckpoint).ExecContext(ctx, cp, id); err != nil {
			if transient(err) {
				_ = tx.Rollback()
				return fmt.Errorf("store: saving a checkpoint: %w", err)
			}
			if cpErr == nil {
				cpErr = fmt.Errorf("store: saving a checkpoint: %w", err)
			}
		}
	}
	if err := tx.Commit(); err != nil {
		err = fmt.Errorf("store: commit: %w", err)
		if transient(err) {
			// A COMMIT that fails may leave the transaction open on the
			// connection (SQLite rolls back on some errors, not all).
			_, _ = s.w.ExecContext(ctx, "ROLLBACK")
			return err
		}
		for _, o := range batch {
			s.reply(o, err)
		}
		return nil
	}
	if cpErr != nil && s.opts.OnError != nil {
		s.opts.OnError(cpErr)
	}
	for i, o := range batch {
		s.reply(o, errs[i])
	}
	return nil
}

// transient reports whether a write failed for a reason that may pass (the
// disk is full, an I/O error, the database is locked or read-only for now)
// rather than because of the write itself.
func transient(err error) bool {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return false
	}
	switch se.Code() & 0xff {
	case sqlite3.SQLITE_FULL, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED,
		sqlite3.SQLITE_NOMEM, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_READONLY, sqlite3.SQLITE_PROTOCOL:
		return true
	}
	return false
}

func isConstraint(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code()&0xff == sqlite3.SQLITE_CONSTRAINT
	}
	return false
}

func nanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func fromNanos(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

// write runs fn in the writer's next transaction and waits for the commit.
func (s *SQLite) write(ctx context.Context, fn func(ctx context.Context, tx *sql.Tx) error) error {
	return s.enqueue(ctx, &op{kind: opFunc, fn: fn}, true)
}

// CreateStateMachine stores a new state machine and its first revision.
func (s *SQLite) CreateStateMachine(ctx context.Context, sm *StateMachine) error {
	return s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO state_machines(arn, name, type, status, definition, role_arn, description,
			logging, tracing, revision, created, updated) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			sm.Arn, sm.Name, sm.Type, sm.Status, sm.Definition, sm.RoleArn, sm.Description, sm.LoggingConfiguration,
			sm.TracingConfiguration, sm.RevisionID, nanos(sm.Created), nanos(sm.Updated))
		if isConstraint(err) {
			return fmt.Errorf("state machine %s: %w", sm.Arn, ErrExists)
		}
		if err != nil {
			return fmt.Errorf("store: creating state machine %s: %w", sm.Arn, err)
		}
		return putRevision(ctx, tx, sm)
	})
}

func putRevision(ctx context.Context, tx *sql.Tx, sm *StateMachine) error {
	_, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO revisions(arn, revision, name, type, definition, role_arn,
		description, logging, tracing, created) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		sm.Arn, sm.RevisionID, sm.Name, sm.Type, sm.Definition, sm.RoleArn, sm.Description, sm.LoggingConfiguration,
		sm.TracingConfiguration, nanos(sm.Updated))
	if err != nil {
		return fmt.Errorf("store: saving revision %s of %s: %w", sm.RevisionID, sm.Arn, err)
	}
	return nil
}

// UpdateStateMachine stores a new revision of a state machine.
func (s *SQLite) UpdateStateMachine(ctx context.Context, sm *StateMachine) error {
	return s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE state_machines SET definition = ?, role_arn = ?, description = ?,
			logging = ?, tracing = ?, revision = ?, updated = ?, status = ? WHERE arn = ?`,
			sm.Definition, sm.RoleArn, sm.Description, sm.LoggingConfiguration, sm.TracingConfiguration,
			sm.RevisionID, nanos(sm.Updated), sm.Status, sm.Arn)
		if err != nil {
			return fmt.Errorf("store: updating state machine %s: %w", sm.Arn, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("state machine %s: %w", sm.Arn, ErrNotFound)
		}
		return putRevision(ctx, tx, sm)
	})
}

// DeleteStateMachine removes a state machine and its tags.
func (s *SQLite) DeleteStateMachine(ctx context.Context, arn string) error {
	return s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM state_machines WHERE arn = ?`, arn); err != nil {
			return fmt.Errorf("store: deleting state machine %s: %w", arn, err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM tags WHERE arn = ?`, arn); err != nil {
			return fmt.Errorf("store: deleting the tags of %s: %w", arn, err)
		}
		return nil
	})
}

const smColumns = `arn, name, type, status, definition, role_arn, description, logging, tracing, revision, created, updated`

func scanStateMachine(row interface{ Scan(...any) error }) (*StateMachine, error) {
	sm := &StateMachine{}
	var created, updated int64
	err := row.Scan(&sm.Arn, &sm.Name, &sm.Type, &sm.Status, &sm.Definition, &sm.RoleArn, &sm.Description,
		&sm.LoggingConfiguration, &sm.TracingConfiguration, &sm.RevisionID, &created, &updated)
	if err != nil {
		return nil, err
	}
	sm.Created, sm.Updated = fromNanos(created), fromNanos(updated)
	return sm, nil
}

// GetStateMachine returns a state machine.
func (s *SQLite) GetStateMachine(ctx context.Context, arn string) (*StateMachine, error) {
	sm, err := scanStateMachine(s.r.QueryRowContext(ctx, `SELECT `+smColumns+` FROM state_machines WHERE arn = ?`, arn))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("state machine %s: %w", arn, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("store: reading state machine %s: %w", arn, err)
	}
	return sm, nil
}

// GetRevision returns a state machine as it was at a revision.
func (s *SQLite) GetRevision(ctx context.Context, arn, revisionID string) (*StateMachine, error) {
	sm := &StateMachine{Arn: arn, RevisionID: revisionID, Status: "ACTIVE"}
	var created int64
	err := s.r.QueryRowContext(ctx, `SELECT name, type, definition, role_arn, description, logging, tracing, created
		FROM revisions WHERE arn = ? AND revision = ?`, arn, revisionID).Scan(&sm.Name, &sm.Type, &sm.Definition,
		&sm.RoleArn, &sm.Description, &sm.LoggingConfiguration, &sm.TracingConfiguration, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("revision %s of state machine %s: %w", revisionID, arn, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("store: reading revision %s of %s: %w", revisionID, arn, err)
	}
	sm.Created, sm.Updated = fromNanos(created), fromNanos(created)
	return sm, nil
}

// ListStateMachines returns state machines ordered by ARN.
func (s *SQLite) ListStateMachines(ctx context.Context, after string, limit int) ([]*StateMachine, error) {
	if limit <= 0 {
		limit = -1
	}
	rows, err := s.r.QueryContext(ctx, `SELECT `+smColumns+` FROM state_machines WHERE arn > ? ORDER BY arn LIMIT ?`, after, limit)
	if err != nil {
		return nil, fmt.Errorf("store: listing state machines: %w", err)
	}
	defer rows.Close()
	var out []*StateMachine
	for rows.Next() {
		sm, err := scanStateMachine(rows)
		if err != nil {
			return nil, fmt.Errorf("store: listing state machines: %w", err)
		}
		out = append(out, sm)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: listing state machines: %w", err)
	}
	return out, nil
}

// CreateExecution stores a new execution and waits for the commit.
func (s *SQLite) CreateExecution(ctx context.Context, ex *Execution) error {
	ex.ID = s.nextID.Add(1)
	return s.enqueue(ctx, &op{kind: opCreateExecution, ex: ex}, true)
}

const exColumns = `id, arn, sm_arn, name, revision, status, input, output, error, cause, start, stop,
	redrive_count, redrive_date, trace_header, test_case, checkpoint`

func scanExecution(row interface{ Scan(...any) error }) (*Execution, error) {
	e := &Execution{}
	var start, stop, redrive int64
	err := row.Scan(&e.ID, &e.Arn, &e.StateMachineArn, &e.Name, &e.RevisionID, &e.Status, &e.Input, &e.Output,
		&e.Error, &e.Cause, &start, &stop, &e.RedriveCount, &redrive, &e.TraceHeader, &e.TestCase, &e.Checkpoint)
	if err != nil {
		return nil, err
	}
	e.StartDate, e.StopDate, e.RedriveDate = fromNanos(start), fromNanos(stop), fromNanos(redrive)
	return e, nil
}

// GetExecution returns an execution by ARN.
func (s *SQLite) GetExecution(ctx context.Context, arn string) (*Execution, error) {
	e, err := scanExecution(s.r.QueryRowContext(ctx, `SELECT `+exColumns+` FROM executions WHERE arn = ?`, arn))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("execution %s: %w", arn, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("store: reading execution %s: %w", arn, err)
	}
	return e, nil
}

func (s *SQLite) queryExecutions(ctx context.Context, q string, args ...any) ([]*Execution, error) {
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: listing executions: %w", err)
	}
	defer rows.Close()
	var out []*Execution
	for rows.Next() {
		e, err := scanExecution(rows)
		if err != nil {
			return nil, fmt.Errorf("store: listing executions: %w", err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: listing executions: %w", err)
	}
	return out, nil
}

// ListExecutions returns executions newest first.
func (s *SQLite) ListExecutions(ctx context.Context, q ExecutionQuery) ([]*Execution, error) {
	limit := q.Limit
	if limit <= 0 {
		limit = 100
	}
	var where []string
	var args []any
	if q.StateMachineArn != "" {
		where = append(where, "sm_arn = ?")
		args = append(args, q.StateMachineArn)
	}
	if q.Status != "" {
		where = append(where, "status = ?")
		args = append(args, q.Status)
	}
	if q.BeforeID > 0 {
		where = append(where, "id < ?")
		args = append(args, q.BeforeID)
	}
	query := `SELECT ` + exColumns + ` FROM executions`
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	query += " ORDER BY id DESC LIMIT ?"
	args = append(args, limit)
	return s.queryExecutions(ctx, query, args...)
}

// RunningExecutions returns every RUNNING execution, oldest first.
func (s *SQLite) RunningExecutions(ctx context.Context) ([]*Execution, error) {
	return s.queryExecutions(ctx, `SELECT `+exColumns+` FROM executions WHERE status = 'RUNNING' ORDER BY id`)
}

// AppendEvent queues a history event.
func (s *SQLite) AppendEvent(executionID int64, ev Event) {
	_ = s.enqueue(context.Background(), &op{kind: opEvent, id: executionID, ev: ev, retry: true}, false)
}

// SaveCheckpoint queues the latest checkpoint of an execution.
func (s *SQLite) SaveCheckpoint(executionID int64, checkpoint []byte) {
	_ = s.enqueue(context.Background(), &op{kind: opCheckpoint, id: executionID, data: checkpoint, retry: true}, false)
}

// TruncateHistory drops the events after last.
func (s *SQLite) TruncateHistory(ctx context.Context, executionID, last int64) error {
	return s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM events WHERE exec_id = ? AND id > ?`, executionID, last); err != nil {
			return fmt.Errorf("store: truncating a history: %w", err)
		}
		return nil
	})
}

// FinishExecution records the end of an execution and waits for the commit.
func (s *SQLite) FinishExecution(ctx context.Context, executionID int64, f Finish) error {
	return s.enqueue(ctx, &op{kind: opFinish, id: executionID, fin: f, retry: true}, true)
}

// RedriveExecution marks an execution RUNNING again.
func (s *SQLite) RedriveExecution(ctx context.Context, executionID int64, at time.Time) error {
	return s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE executions SET status = 'RUNNING', output = '', error = '', cause = '',
			stop = 0, redrive_count = redrive_count + 1, redrive_date = ? WHERE id = ? AND status != 'RUNNING'`, nanos(at), executionID)
		if err != nil {
			return fmt.Errorf("store: redriving execution %d: %w", executionID, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("closed execution %d: %w", executionID, ErrNotFound)
		}
		return nil
	})
}

// History returns history events of an execution.
func (s *SQLite) History(ctx context.Context, q HistoryQuery) ([]Event, error) {
	query := `SELECT id, type, body FROM events WHERE exec_id = ?`
	args := []any{q.ExecutionID}
	if q.After > 0 {
		if q.Reverse {
			query += " AND id < ?"
		} else {
			query += " AND id > ?"
		}
		args = append(args, q.After)
	}
	if q.Reverse {
		query += " ORDER BY id DESC"
	} else {
		query += " ORDER BY id"
	}
	limit := q.Limit
	if limit <= 0 {
		limit = -1
	}
	query += " LIMIT ?"
	args = append(args, limit)
	rows, err := s.r.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("store: reading a history: %w", err)
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var ev Event
		if err := rows.Scan(&ev.ID, &ev.Type, &ev.JSON); err != nil {
			return nil, fmt.Errorf("store: reading a history: %w", err)
		}
		out = append(out, ev)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: reading a history: %w", err)
	}
	return out, nil
}

// PutTaskToken queues a task token.
func (s *SQLite) PutTaskToken(t TaskToken) {
	_ = s.enqueue(context.Background(), &op{kind: opToken, tok: t, retry: true}, false)
}

// GetTaskToken returns a task token.
func (s *SQLite) GetTaskToken(ctx context.Context, token string) (*TaskToken, error) {
	t := &TaskToken{Token: token}
	var created int64
	err := s.r.QueryRowContext(ctx, `SELECT exec_id, exec_arn, state, activity_arn, created FROM task_tokens WHERE token = ?`, token).
		Scan(&t.ExecutionID, &t.ExecutionArn, &t.StateName, &t.ActivityArn, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("task token: %w", ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("store: reading a task token: %w", err)
	}
	t.Created = fromNanos(created)
	return t, nil
}

// PutActivityTask stores a queued activity task and returns once it is
// durable.
func (s *SQLite) PutActivityTask(ctx context.Context, t *ActivityTask) error {
	return s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO activity_tasks(token, exec_arn, state, activity_arn, input, created) VALUES(?, ?, ?, ?, ?, ?)`,
			t.Token, t.ExecutionArn, t.StateName, t.ActivityArn, t.Input, nanos(t.Created))
		if err != nil {
			return fmt.Errorf("store: storing an activity task of %s: %w", t.ExecutionArn, err)
		}
		return nil
	})
}

// DeleteActivityTask queues the removal of a queued activity task (none:
// no error).
func (s *SQLite) DeleteActivityTask(token string) {
	_ = s.enqueue(context.Background(), &op{kind: opFunc, fn: func(ctx context.Context, tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM activity_tasks WHERE token = ?`, token); err != nil {
			return fmt.Errorf("store: deleting an activity task: %w", err)
		}
		return nil
	}, retry: true}, false)
}

// ActivityTasks returns the queued activity tasks of an execution, oldest
// first.
func (s *SQLite) ActivityTasks(ctx context.Context, executionArn string) ([]*ActivityTask, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT token, state, activity_arn, input, created FROM activity_tasks WHERE exec_arn = ? ORDER BY created, token`, executionArn)
	if err != nil {
		return nil, fmt.Errorf("store: listing the activity tasks of %s: %w", executionArn, err)
	}
	defer rows.Close()
	var out []*ActivityTask
	for rows.Next() {
		t := &ActivityTask{ExecutionArn: executionArn}
		var created int64
		if err := rows.Scan(&t.Token, &t.StateName, &t.ActivityArn, &t.Input, &created); err != nil {
			return nil, fmt.Errorf("store: reading the activity tasks of %s: %w", executionArn, err)
		}
		t.Created = fromNanos(created)
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: reading the activity tasks of %s: %w", executionArn, err)
	}
	return out, nil
}

// CreateActivity stores an activity, or returns the existing one.
func (s *SQLite) CreateActivity(ctx context.Context, a *Activity) (*Activity, error) {
	err := s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO activities(arn, name, created) VALUES(?, ?, ?)`, a.Arn, a.Name, nanos(a.Created))
		if err != nil {
			return fmt.Errorf("store: creating activity %s: %w", a.Arn, err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.GetActivity(ctx, a.Arn)
}

// GetActivity returns an activity.
func (s *SQLite) GetActivity(ctx context.Context, arn string) (*Activity, error) {
	a := &Activity{Arn: arn}
	var created int64
	err := s.r.QueryRowContext(ctx, `SELECT name, created FROM activities WHERE arn = ?`, arn).Scan(&a.Name, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("activity %s: %w", arn, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("store: reading activity %s: %w", arn, err)
	}
	a.Created = fromNanos(created)
	return a, nil
}

// DeleteActivity removes an activity and its tags.
func (s *SQLite) DeleteActivity(ctx context.Context, arn string) error {
	return s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM activities WHERE arn = ?`, arn); err != nil {
			return fmt.Errorf("store: deleting activity %s: %w", arn, err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM tags WHERE arn = ?`, arn); err != nil {
			return fmt.Errorf("store: deleting the tags of %s: %w", arn, err)
		}
		return nil
	})
}

// ListActivities returns activities ordered by ARN.
func (s *SQLite) ListActivities(ctx context.Context, after string, limit int) ([]*Activity, error) {
	if limit <= 0 {
		limit = -1
	}
	rows, err := s.r.QueryContext(ctx, `SELECT arn, name, created FROM activities WHERE arn > ? ORDER BY arn LIMIT ?`, after, limit)
	if err != nil {
		return nil, fmt.Errorf("store: listing activities: %w", err)
	}
	defer rows.Close()
	var out []*Activity
	for rows.Next() {
		a := &Activity{}
		var created int64
		if err := rows.Scan(&a.Arn, &a.Name, &created); err != nil {
			return nil, fmt.Errorf("store: listing activities: %w", err)
		}
		a.Created = fromNanos(created)
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: listing activities: %w", err)
	}
	return out, nil
}

// TagResource adds or replaces tags.
func (s *SQLite) TagResource(ctx context.Context, arn string, tags []Tag) error {
	return s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		for _, t := range tags {
			if _, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO tags(arn, key, value) VALUES(?, ?, ?)`, arn, t.Key, t.Value); err != nil {
				return fmt.Errorf("store: tagging %s: %w", arn, err)
			}
		}
		return nil
	})
}

// UntagResource removes tags.
func (s *SQLite) UntagResource(ctx context.Context, arn string, keys []string) error {
	return s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		for _, k := range keys {
			if _, err := tx.ExecContext(ctx, `DELETE FROM tags WHERE arn = ? AND key = ?`, arn, k); err != nil {
				return fmt.Errorf("store: untagging %s: %w", arn, err)
			}
		}
		return nil
	})
}

// Tags returns the tags of a resource.
func (s *SQLite) Tags(ctx context.Context, arn string) ([]Tag, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT key, value FROM tags WHERE arn = ? ORDER BY key`, arn)
	if err != nil {
		return nil, fmt.Errorf("store: reading the tags of %s: %w", arn, err)
	}
	defer rows.Close()
	var out []Tag
	for rows.Next() {
		var t Tag
		if err := rows.Scan(&t.Key, &t.Value); err != nil {
			return nil, fmt.Errorf("store: reading the tags of %s: %w", arn, err)
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: reading the tags of %s: %w", arn, err)
	}
	return out, nil
}

// Flush waits until every write queued before it has committed.
func (s *SQLite) Flush(ctx context.Context) error {
	return s.enqueue(ctx, &op{kind: opFlush}, true)
}
