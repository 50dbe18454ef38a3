package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// This file reads a map run and its children back for a resume or a
// redrive of its execution that takes it up (engine.PriorMapRuns), and
// restarts a child that runs again under its ARN.

// MapRunChildRecord is a child execution of a map run as recorded, with
// its child number and the size of its history. Its Checkpoint is the
// child's, kept as an execution's is (SaveCheckpoint): where a resume
// goes on with it and a redrive enters again.
type MapRunChildRecord struct {
	MapRunExecution
	Index int // its number in the map run (-1: recorded before numbers were)
	// Events is the id of its last event, LastRedriven that of its last
	// ExecutionRedriven (0: none).
	Events, LastRedriven int64
}

// MapRunResumeStore reads map runs and restarts their children for a
// resume or a redrive that takes a map run up.
type MapRunResumeStore interface {
	// LatestMapRun returns the newest map run of a state of an execution
	// (ErrNotFound when it has none).
	LatestMapRun(ctx context.Context, executionArn, stateName string) (*MapRun, error)
	// MapRunChildren returns every child of a map run, by child number.
	MapRunChildren(ctx context.Context, mapRunArn string) ([]MapRunChildRecord, error)
	// QueueRestartChild queues the restart of a child execution that runs
	// again: RUNNING, its end cleared, its history cut after keepEvents
	// (those up to the checkpoint it goes on from), its checkpoint kept;
	// redriveCount and redriveDate when a redrive reruns it (zero date:
	// they stay).
	QueueRestartChild(executionID, keepEvents int64, redriveCount int, redriveDate time.Time)
	// QueueAbortChildren queues marking the RUNNING children of a map run
	// ABORTED at stop (those a taken-up run left unrun).
	QueueAbortChildren(mapRunArn string, stop time.Time)
	// AbortMapRunsOf marks the RUNNING map runs of an execution, and their
	// RUNNING children, ABORTED at stop (those its resume did not take up).
	AbortMapRunsOf(ctx context.Context, executionArn string, stop time.Time) error
}

// migrateMapRuns adds to a database of an earlier release the columns
// its tables lack: a map run's redrive count and date, a child's number.
func migrateMapRuns(ctx context.Context, db *sql.DB) error {
	for _, c := range []struct{ table, column, decl string }{
		{"map_runs", "redrive_count", "INTEGER NOT NULL DEFAULT 0"},
		{"map_runs", "redrive_date", "INTEGER NOT NULL DEFAULT 0"},
		{"map_run_children", "idx", "INTEGER NOT NULL DEFAULT -1"},
	} {
		var n int
		if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM pragma_table_info(?) WHERE name = ?`, c.table, c.column).Scan(&n); err != nil {
			return fmt.Errorf("migrating %s: %w", c.table, err)
		}
		if n > 0 {
			continue
		}
		if _, err := db.ExecContext(ctx, `ALTER TABLE `+c.table+` ADD COLUMN `+c.column+` `+c.decl); err != nil {
			return fmt.Errorf("migrating %s: adding %s: %w", c.table, c.column, err)
		}
	}
	return nil
}

// LatestMapRun returns the newest map run of a state of an execution.
func (s *SQLite) LatestMapRun(ctx context.Context, executionArn, stateName string) (*MapRun, error) {
	r, err := scanMapRun(s.r.QueryRowContext(ctx, `SELECT `+mapRunColumns+` FROM map_runs WHERE exec_arn = ? AND state = ?
		ORDER BY id DESC LIMIT 1`, executionArn, stateName))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("map run of %s in %s: %w", stateName, executionArn, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("store: reading the map run of %s in %s: %w", stateName, executionArn, err)
	}
	return r, nil
}

// MapRunChildren returns every child of a map run, by child number.
func (s *SQLite) MapRunChildren(ctx context.Context, mapRunArn string) ([]MapRunChildRecord, error) {
	cols := "e." + strings.ReplaceAll(strings.Join(strings.Fields(exColumns), " "), ", ", ", e.")
	rows, err := s.r.QueryContext(ctx, `SELECT `+cols+`, c.items, c.idx,
		COALESCE((SELECT MAX(v.id) FROM events v WHERE v.exec_id = e.id), 0),
		COALESCE((SELECT MAX(v.id) FROM events v WHERE v.exec_id = e.id AND v.type = 'ExecutionRedriven'), 0)
		FROM map_run_children c JOIN executions e ON e.id = c.exec_id WHERE c.map_run = ? ORDER BY c.idx, e.id`, mapRunArn)
	if err != nil {
		return nil, fmt.Errorf("store: reading the children of map run %s: %w", mapRunArn, err)
	}
	defer rows.Close()
	var out []MapRunChildRecord
	for rows.Next() {
		var c MapRunChildRecord
		e, err := scanExecution(scanExtra{rows, []any{&c.Items, &c.Index, &c.Events, &c.LastRedriven}})
		if err != nil {
			return nil, fmt.Errorf("store: reading the children of map run %s: %w", mapRunArn, err)
		}
		c.Execution = e
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: reading the children of map run %s: %w", mapRunArn, err)
	}
	return out, nil
}

// scanExtra scans a row into the destinations given, then extra.
type scanExtra struct {
	row   interface{ Scan(...any) error }
	extra []any
}

func (s scanExtra) Scan(dest ...any) error { return s.row.Scan(append(dest, s.extra...)...) }

// QueueRestartChild queues the restart of a child execution.
func (s *SQLite) QueueRestartChild(executionID, keepEvents int64, redriveCount int, redriveDate time.Time) {
	_ = s.enqueue(context.Background(), &op{kind: opFunc, retry: true, fn: func(ctx context.Context, tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM events WHERE exec_id = ? AND id > ?`, executionID, keepEvents); err != nil {
			return fmt.Errorf("store: restarting child execution %d: %w", executionID, err)
		}
		q := `UPDATE executions SET status = 'RUNNING', output = '', error = '', cause = '', stop = 0 WHERE id = ?`
		args := []any{executionID}
		if !redriveDate.IsZero() {
			q = `UPDATE executions SET status = 'RUNNING', output = '', error = '', cause = '', stop = 0,
				redrive_count = ?, redrive_date = ? WHERE id = ?`
			args = []any{redriveCount, nanos(redriveDate), executionID}
		}
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return fmt.Errorf("store: restarting child execution %d: %w", executionID, err)
		}
		return nil
	}}, false)
}

// QueueAbortChildren queues marking a map run's RUNNING children ABORTED.
func (s *SQLite) QueueAbortChildren(mapRunArn string, stop time.Time) {
	_ = s.enqueue(context.Background(), &op{kind: opFunc, retry: true, fn: func(ctx context.Context, tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE executions SET status = 'ABORTED', stop = ? WHERE status = 'RUNNING'
			AND id IN (SELECT exec_id FROM map_run_children WHERE map_run = ?)`, nanos(stop), mapRunArn); err != nil {
			return fmt.Errorf("store: aborting the unrun children of map run %s: %w", mapRunArn, err)
		}
		return nil
	}}, false)
}

// AbortMapRunsOf marks an execution's RUNNING map runs and their RUNNING
// children ABORTED.
func (s *SQLite) AbortMapRunsOf(ctx context.Context, executionArn string, stop time.Time) error {
	return s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE executions SET status = 'ABORTED', stop = ? WHERE status = 'RUNNING'
			AND id IN (SELECT c.exec_id FROM map_run_children c JOIN map_runs m ON m.arn = c.map_run
			WHERE m.exec_arn = ? AND m.status = 'RUNNING')`, nanos(stop), executionArn); err != nil {
			return fmt.Errorf("store: aborting the map runs of %s not taken up: %w", executionArn, err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE map_runs SET status = 'ABORTED', stop = ? WHERE exec_arn = ? AND status = 'RUNNING'`,
			nanos(stop), executionArn); err != nil {
			return fmt.Errorf("store: aborting the map runs of %s not taken up: %w", executionArn, err)
		}
		return nil
	})
}
