package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// mapRunSchema holds the tables of map runs and of the link from a child
// execution (a row of executions) to its map run. They are created when
// missing, so that a database of an earlier release gains them.
const mapRunSchema = `
CREATE TABLE IF NOT EXISTS map_runs(
	id INTEGER PRIMARY KEY, arn TEXT NOT NULL UNIQUE, exec_arn TEXT NOT NULL, sm_arn TEXT NOT NULL,
	state TEXT NOT NULL, status TEXT NOT NULL, start INTEGER NOT NULL, stop INTEGER NOT NULL,
	max_concurrency INTEGER NOT NULL, tolerated_count INTEGER NOT NULL, tolerated_pct REAL NOT NULL,
	counts TEXT NOT NULL, redrive_count INTEGER NOT NULL DEFAULT 0, redrive_date INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS map_runs_by_execution ON map_runs(exec_arn, id);
CREATE TABLE IF NOT EXISTS map_run_children(
	exec_id INTEGER PRIMARY KEY, map_run TEXT NOT NULL, items INTEGER NOT NULL, idx INTEGER NOT NULL DEFAULT -1);
CREATE INDEX IF NOT EXISTS map_run_children_by_run ON map_run_children(map_run, exec_id);
`

// PutMapRun queues the write of a map run.
func (s *SQLite) PutMapRun(run *MapRun) {
	if run.ID == 0 {
		run.ID = s.nextMapRunID.Add(1)
	}
	r := *run
	_ = s.enqueue(context.Background(), &op{kind: opFunc, retry: true, fn: func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO map_runs(id, arn, exec_arn, sm_arn, state, status, start, stop,
			max_concurrency, tolerated_count, tolerated_pct, counts, redrive_count, redrive_date) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			r.ID, r.Arn, r.ExecutionArn, r.StateMachineArn, r.StateName, r.Status, nanos(r.Start), nanos(r.Stop),
			r.MaxConcurrency, r.ToleratedFailureCount, r.ToleratedFailurePercentage, r.Counts, r.RedriveCount, nanos(r.RedriveDate))
		if err != nil {
			return fmt.Errorf("store: writing map run %s: %w", r.Arn, err)
		}
		return nil
	}}, false)
}

const mapRunColumns = `id, arn, exec_arn, sm_arn, state, status, start, stop, max_concurrency, tolerated_count, tolerated_pct, counts,
	redrive_count, redrive_date`

func scanMapRun(row interface{ Scan(...any) error }) (*MapRun, error) {
	r := &MapRun{}
	var start, stop, redrive int64
	if err := row.Scan(&r.ID, &r.Arn, &r.ExecutionArn, &r.StateMachineArn, &r.StateName, &r.Status, &start, &stop,
		&r.MaxConcurrency, &r.ToleratedFailureCount, &r.ToleratedFailurePercentage, &r.Counts, &r.RedriveCount, &redrive); err != nil {
		return nil, err
	}
	r.Start, r.Stop, r.RedriveDate = fromNanos(start), fromNanos(stop), fromNanos(redrive)
	return r, nil
}

// GetMapRun returns a map run by ARN.
func (s *SQLite) GetMapRun(ctx context.Context, arn string) (*MapRun, error) {
	r, err := scanMapRun(s.r.QueryRowContext(ctx, `SELECT `+mapRunColumns+` FROM map_runs WHERE arn = ?`, arn))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("map run %s: %w", arn, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("store: reading map run %s: %w", arn, err)
	}
	return r, nil
}

// ListMapRuns returns the map runs of an execution, oldest first.
func (s *SQLite) ListMapRuns(ctx context.Context, executionArn string, after int64, limit int) ([]*MapRun, error) {
	if limit <= 0 {
		limit = -1
	}
	rows, err := s.r.QueryContext(ctx, `SELECT `+mapRunColumns+` FROM map_runs WHERE exec_arn = ? AND id > ? ORDER BY id LIMIT ?`,
		executionArn, after, limit)
	if err != nil {
		return nil, fmt.Errorf("store: listing map runs: %w", err)
	}
	defer rows.Close()
	var out []*MapRun
	for rows.Next() {
		r, err := scanMapRun(rows)
		if err != nil {
			return nil, fmt.Errorf("store: listing map runs: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: listing map runs: %w", err)
	}
	return out, nil
}

// QueueChildExecution queues a new child execution of a map run.
func (s *SQLite) QueueChildExecution(ex *Execution, mapRunArn string, index, items int) {
	ex.ID = s.nextID.Add(1)
	_ = s.enqueue(context.Background(), &op{kind: opCreateExecution, ex: ex, retry: true}, false)
	id := ex.ID
	_ = s.enqueue(context.Background(), &op{kind: opFunc, retry: true, fn: func(ctx context.Context, tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO map_run_children(exec_id, map_run, items, idx) VALUES(?, ?, ?, ?)`,
			id, mapRunArn, items, index); err != nil {
			return fmt.Errorf("store: linking execution %d to map run %s: %w", id, mapRunArn, err)
		}
		return nil
	}}, false)
}

// QueueFinish queues the end of an execution.
func (s *SQLite) QueueFinish(executionID int64, f Finish) {
	_ = s.enqueue(context.Background(), &op{kind: opFinish, id: executionID, fin: f, retry: true}, false)
}

// MapRunExecutions returns children of a map run, newest first.
func (s *SQLite) MapRunExecutions(ctx context.Context, q MapRunQuery) ([]MapRunExecution, error) {
	limit := q.Limit
	if limit <= 0 {
		limit = 100
	}
	where := []string{"c.map_run = ?"}
	args := []any{q.MapRunArn}
	if q.Status != "" {
		where = append(where, "e.status = ?")
		args = append(args, q.Status)
	}
	if q.BeforeID > 0 {
		where = append(where, "e.id < ?")
		args = append(args, q.BeforeID)
	}
	cols := "e." + strings.ReplaceAll(strings.Join(strings.Fields(exColumns), " "), ", ", ", e.")
	query := `SELECT ` + cols + `, c.items FROM map_run_children c JOIN executions e ON e.id = c.exec_id WHERE ` +
		strings.Join(where, " AND ") + ` ORDER BY e.id DESC LIMIT ?`
	args = append(args, limit)
	rows, err := s.r.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("store: listing the executions of map run %s: %w", q.MapRunArn, err)
	}
	defer rows.Close()
	var out []MapRunExecution
	for rows.Next() {
		var items int
		e, err := scanExecution(scanWith{rows, &items})
		if err != nil {
			return nil, fmt.Errorf("store: listing the executions of map run %s: %w", q.MapRunArn, err)
		}
		out = append(out, MapRunExecution{Execution: e, Items: items})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: listing the executions of map run %s: %w", q.MapRunArn, err)
	}
	return out, nil
}

// scanWith scans a row into the destinations given, then extra.
type scanWith struct {
	row   interface{ Scan(...any) error }
	extra any
}

func (s scanWith) Scan(dest ...any) error { return s.row.Scan(append(dest, s.extra)...) }

// MapRunOf returns the ARN of the map run that started an execution.
func (s *SQLite) MapRunOf(ctx context.Context, executionID int64) (string, error) {
	var arn string
	err := s.r.QueryRowContext(ctx, `SELECT map_run FROM map_run_children WHERE exec_id = ?`, executionID).Scan(&arn)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("store: reading the map run of execution %d: %w", executionID, err)
	}
	return arn, nil
}

// AbortMapRuns marks the RUNNING map runs and their RUNNING children
// ABORTED, but for those of the executions in keep.
func (s *SQLite) AbortMapRuns(ctx context.Context, stop time.Time, keep []string) (int, error) {
	var n int64
	err := s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		kept, err := json.Marshal(append([]string{}, keep...))
		if err != nil {
			return fmt.Errorf("store: aborting interrupted map runs: %w", err)
		}
		const aborted = `m.status = 'RUNNING' AND m.exec_arn NOT IN (SELECT value FROM json_each(?))`
		if _, err := tx.ExecContext(ctx, `UPDATE executions SET status = 'ABORTED', stop = ? WHERE status = 'RUNNING'
			AND id IN (SELECT c.exec_id FROM map_run_children c JOIN map_runs m ON m.arn = c.map_run WHERE `+aborted+`)`,
			nanos(stop), string(kept)); err != nil {
			return fmt.Errorf("store: aborting the children of interrupted map runs: %w", err)
		}
		res, err := tx.ExecContext(ctx, `UPDATE map_runs AS m SET status = 'ABORTED', stop = ? WHERE `+aborted, nanos(stop), string(kept))
		if err != nil {
			return fmt.Errorf("store: aborting interrupted map runs: %w", err)
		}
		n, _ = res.RowsAffected()
		return nil
	})
	return int(n), err
}
