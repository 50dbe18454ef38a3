package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// retentionSchema indexes what DeleteClosedExecutions looks for: closed
// executions by the time they closed, and task tokens by execution.
const retentionSchema = `
CREATE INDEX IF NOT EXISTS executions_closed ON executions(stop) WHERE status != 'RUNNING';
CREATE INDEX IF NOT EXISTS task_tokens_by_execution ON task_tokens(exec_id);
`

// DeleteClosedExecutions deletes at most limit executions that closed
// (succeeded, failed, timed out or were aborted) before before, oldest
// first, with their history, task tokens, queued activity tasks and
// version or alias origin, in one transaction. It returns how many it
// deleted; fewer than limit means none is left.
func (s *SQLite) DeleteClosedExecutions(ctx context.Context, before time.Time, limit int) (int, error) {
	deleted := 0
	err := s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		deleted = 0
		rows, err := tx.QueryContext(ctx, `SELECT id, arn FROM executions WHERE status != 'RUNNING' AND stop > 0 AND stop < ? ORDER BY stop LIMIT ?`,
			nanos(before), limit)
		if err != nil {
			return fmt.Errorf("store: listing closed executions: %w", err)
		}
		type victim struct {
			id  int64
			arn string
		}
		var victims []victim
		for rows.Next() {
			var v victim
			if err := rows.Scan(&v.id, &v.arn); err != nil {
				rows.Close()
				return fmt.Errorf("store: listing closed executions: %w", err)
			}
			victims = append(victims, v)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("store: listing closed executions: %w", err)
		}
		for _, v := range victims {
			for _, q := range []struct {
				sql string
				arg any
			}{
				{`DELETE FROM events WHERE exec_id = ?`, v.id},
				{`DELETE FROM task_tokens WHERE exec_id = ?`, v.id},
				{`DELETE FROM activity_tasks WHERE exec_arn = ?`, v.arn},
				{`DELETE FROM execution_origins WHERE exec_arn = ?`, v.arn},
				{`DELETE FROM executions WHERE id = ?`, v.id},
			} {
				if _, err := tx.ExecContext(ctx, q.sql, q.arg); err != nil {
					return fmt.Errorf("store: deleting execution %s: %w", v.arn, err)
				}
			}
		}
		deleted = len(victims)
		return nil
	})
	if err != nil {
		return 0, err
	}
	return deleted, nil
}
