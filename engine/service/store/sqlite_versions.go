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

var _ VersionStore = (*SQLite)(nil)

// versionSchema holds the tables of versions, aliases and execution
// origins. Every statement is CREATE ... IF NOT EXISTS, so that opening a
// database written before these tables existed adds them.
const versionSchema = `
CREATE TABLE IF NOT EXISTS versions(
	sm_arn TEXT NOT NULL, number INTEGER NOT NULL, revision TEXT NOT NULL, description TEXT NOT NULL,
	revised INTEGER NOT NULL, created INTEGER NOT NULL, PRIMARY KEY(sm_arn, number)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS version_counters(sm_arn TEXT PRIMARY KEY, last INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS aliases(
	arn TEXT PRIMARY KEY, sm_arn TEXT NOT NULL, name TEXT NOT NULL, description TEXT NOT NULL,
	routing TEXT NOT NULL, created INTEGER NOT NULL, updated INTEGER NOT NULL) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS aliases_by_machine ON aliases(sm_arn, arn);
CREATE TABLE IF NOT EXISTS execution_origins(
	exec_arn TEXT PRIMARY KEY, version_arn TEXT NOT NULL, alias_arn TEXT NOT NULL) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS execution_origins_by_version ON execution_origins(version_arn);
CREATE INDEX IF NOT EXISTS execution_origins_by_alias ON execution_origins(alias_arn);
`

// PublishVersion publishes the current revision of a state machine.
func (s *SQLite) PublishVersion(ctx context.Context, machineArn, expectRevision, description string, at time.Time) (*Version, bool, error) {
	var v *Version
	var created bool
	err := s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var revision string
		var smCreated, smUpdated int64
		err := tx.QueryRowContext(ctx, `SELECT revision, created, updated FROM state_machines WHERE arn = ?`, machineArn).
			Scan(&revision, &smCreated, &smUpdated)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("state machine %s: %w", machineArn, ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("store: publishing a version of %s: %w", machineArn, err)
		}
		if expectRevision != "" && expectRevision != revision {
			return fmt.Errorf("publishing revision %s of %s (current %s): %w", expectRevision, machineArn, revision, ErrRevisionChanged)
		}
		newest, err := scanVersion(tx.QueryRowContext(ctx, `SELECT `+versionColumns+` FROM versions WHERE sm_arn = ? ORDER BY number DESC LIMIT 1`, machineArn))
		if err == nil && newest.RevisionID == revision {
			v = newest
			return nil
		}
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("store: publishing a version of %s: %w", machineArn, err)
		}
		var last int64
		err = tx.QueryRowContext(ctx, `SELECT last FROM version_counters WHERE sm_arn = ?`, machineArn).Scan(&last)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("store: publishing a version of %s: %w", machineArn, err)
		}
		v = &Version{MachineArn: machineArn, Number: last + 1, RevisionID: revision, Description: description,
			Revised: smCreated != smUpdated, Created: at}
		if _, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO version_counters(sm_arn, last) VALUES(?, ?)`, machineArn, v.Number); err != nil {
			return fmt.Errorf("store: publishing a version of %s: %w", machineArn, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO versions(sm_arn, number, revision, description, revised, created) VALUES(?, ?, ?, ?, ?, ?)`,
			machineArn, v.Number, v.RevisionID, v.Description, v.Revised, nanos(v.Created)); err != nil {
			return fmt.Errorf("store: publishing a version of %s: %w", machineArn, err)
		}
		created = true
		return nil
	})
	if err != nil {
		return nil, false, err
	}
	return v, created, nil
}

const versionColumns = `sm_arn, number, revision, description, revised, created`

func scanVersion(row interface{ Scan(...any) error }) (*Version, error) {
	v := &Version{}
	var created int64
	if err := row.Scan(&v.MachineArn, &v.Number, &v.RevisionID, &v.Description, &v.Revised, &created); err != nil {
		return nil, err
	}
	v.Created = fromNanos(created)
	return v, nil
}

// GetVersion returns a version.
func (s *SQLite) GetVersion(ctx context.Context, machineArn string, number int64) (*Version, error) {
	v, err := scanVersion(s.r.QueryRowContext(ctx, `SELECT `+versionColumns+` FROM versions WHERE sm_arn = ? AND number = ?`, machineArn, number))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("version %d of %s: %w", number, machineArn, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("store: reading version %d of %s: %w", number, machineArn, err)
	}
	return v, nil
}

// ListVersions returns versions newest first.
func (s *SQLite) ListVersions(ctx context.Context, machineArn string, before int64, limit int) ([]*Version, error) {
	if limit <= 0 {
		limit = -1
	}
	if before <= 0 {
		before = 1<<63 - 1
	}
	rows, err := s.r.QueryContext(ctx, `SELECT `+versionColumns+` FROM versions WHERE sm_arn = ? AND number < ? ORDER BY number DESC LIMIT ?`,
		machineArn, before, limit)
	if err != nil {
		return nil, fmt.Errorf("store: listing the versions of %s: %w", machineArn, err)
	}
	defer rows.Close()
	var out []*Version
	for rows.Next() {
		v, err := scanVersion(rows)
		if err != nil {
			return nil, fmt.Errorf("store: listing the versions of %s: %w", machineArn, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: listing the versions of %s: %w", machineArn, err)
	}
	return out, nil
}

// DeleteVersion removes a version.
func (s *SQLite) DeleteVersion(ctx context.Context, machineArn string, number int64) error {
	return s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM versions WHERE sm_arn = ? AND number = ?`, machineArn, number); err != nil {
			return fmt.Errorf("store: deleting version %d of %s: %w", number, machineArn, err)
		}
		return nil
	})
}

// CreateAlias stores an alias.
func (s *SQLite) CreateAlias(ctx context.Context, a *Alias) error {
	routing, err := json.Marshal(a.Routing)
	if err != nil {
		return fmt.Errorf("store: creating alias %s: %w", a.Arn, err)
	}
	return s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO aliases(arn, sm_arn, name, description, routing, created, updated) VALUES(?, ?, ?, ?, ?, ?, ?)`,
			a.Arn, a.MachineArn, a.Name, a.Description, string(routing), nanos(a.Created), nanos(a.Updated))
		if isConstraint(err) {
			return fmt.Errorf("alias %s: %w", a.Arn, ErrExists)
		}
		if err != nil {
			return fmt.Errorf("store: creating alias %s: %w", a.Arn, err)
		}
		return nil
	})
}

const aliasColumns = `arn, sm_arn, name, description, routing, created, updated`

func scanAlias(row interface{ Scan(...any) error }) (*Alias, error) {
	a := &Alias{}
	var routing string
	var created, updated int64
	if err := row.Scan(&a.Arn, &a.MachineArn, &a.Name, &a.Description, &routing, &created, &updated); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(routing), &a.Routing); err != nil {
		return nil, fmt.Errorf("the routing of alias %s: %w", a.Arn, err)
	}
	a.Created, a.Updated = fromNanos(created), fromNanos(updated)
	return a, nil
}

// GetAlias returns an alias.
func (s *SQLite) GetAlias(ctx context.Context, arn string) (*Alias, error) {
	a, err := scanAlias(s.r.QueryRowContext(ctx, `SELECT `+aliasColumns+` FROM aliases WHERE arn = ?`, arn))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("alias %s: %w", arn, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("store: reading alias %s: %w", arn, err)
	}
	return a, nil
}

// UpdateAlias replaces an alias's description and routing.
func (s *SQLite) UpdateAlias(ctx context.Context, a *Alias) error {
	routing, err := json.Marshal(a.Routing)
	if err != nil {
		return fmt.Errorf("store: updating alias %s: %w", a.Arn, err)
	}
	return s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE aliases SET description = ?, routing = ?, updated = ? WHERE arn = ?`,
			a.Description, string(routing), nanos(a.Updated), a.Arn)
		if err != nil {
			return fmt.Errorf("store: updating alias %s: %w", a.Arn, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("alias %s: %w", a.Arn, ErrNotFound)
		}
		return nil
	})
}

// DeleteAlias removes an alias.
func (s *SQLite) DeleteAlias(ctx context.Context, arn string) error {
	return s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM aliases WHERE arn = ?`, arn); err != nil {
			return fmt.Errorf("store: deleting alias %s: %w", arn, err)
		}
		return nil
	})
}

// ListAliases returns the aliases of a state machine ordered by ARN.
func (s *SQLite) ListAliases(ctx context.Context, machineArn, after string, limit int) ([]*Alias, error) {
	if limit <= 0 {
		limit = -1
	}
	rows, err := s.r.QueryContext(ctx, `SELECT `+aliasColumns+` FROM aliases WHERE sm_arn = ? AND arn > ? ORDER BY arn LIMIT ?`, machineArn, after, limit)
	if err != nil {
		return nil, fmt.Errorf("store: listing the aliases of %s: %w", machineArn, err)
	}
	defer rows.Close()
	var out []*Alias
	for rows.Next() {
		a, err := scanAlias(rows)
		if err != nil {
			return nil, fmt.Errorf("store: listing the aliases of %s: %w", machineArn, err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: listing the aliases of %s: %w", machineArn, err)
	}
	return out, nil
}

// DeleteMachineVersions removes the versions, aliases and version counter
// of a state machine.
func (s *SQLite) DeleteMachineVersions(ctx context.Context, machineArn string) error {
	return s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		for _, q := range []string{
			`DELETE FROM versions WHERE sm_arn = ?`,
			`DELETE FROM version_counters WHERE sm_arn = ?`,
			`DELETE FROM aliases WHERE sm_arn = ?`,
		} {
			if _, err := tx.ExecContext(ctx, q, machineArn); err != nil {
				return fmt.Errorf("store: deleting the versions and aliases of %s: %w", machineArn, err)
			}
		}
		return nil
	})
}

// SetOrigin records how an execution was started.
func (s *SQLite) SetOrigin(ctx context.Context, executionArn string, o Origin) error {
	return s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO execution_origins(exec_arn, version_arn, alias_arn) VALUES(?, ?, ?)`,
			executionArn, o.VersionArn, o.AliasArn)
		if err != nil {
			return fmt.Errorf("store: recording the origin of %s: %w", executionArn, err)
		}
		return nil
	})
}

// Origins returns the origins of executions.
func (s *SQLite) Origins(ctx context.Context, executionArns []string) (map[string]Origin, error) {
	out := map[string]Origin{}
	for len(executionArns) > 0 {
		chunk := executionArns[:min(len(executionArns), 500)]
		executionArns = executionArns[len(chunk):]
		args := make([]any, len(chunk))
		for i, a := range chunk {
			args[i] = a
		}
		rows, err := s.r.QueryContext(ctx, `SELECT exec_arn, version_arn, alias_arn FROM execution_origins WHERE exec_arn IN (?`+
			strings.Repeat(", ?", len(chunk)-1)+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("store: reading execution origins: %w", err)
		}
		for rows.Next() {
			var arn string
			var o Origin
			if err := rows.Scan(&arn, &o.VersionArn, &o.AliasArn); err != nil {
				rows.Close()
				return nil, fmt.Errorf("store: reading execution origins: %w", err)
			}
			out[arn] = o
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("store: reading execution origins: %w", err)
		}
	}
	return out, nil
}

// ListExecutionsFrom returns the executions started through a version or
// an alias, newest first.
func (s *SQLite) ListExecutionsFrom(ctx context.Context, qualifier string, q ExecutionQuery) ([]*Execution, error) {
	limit := q.Limit
	if limit <= 0 {
		limit = 100
	}
	query := `SELECT ` + exColumns + ` FROM executions WHERE arn IN
		(SELECT exec_arn FROM execution_origins WHERE version_arn = ? UNION SELECT exec_arn FROM execution_origins WHERE alias_arn = ?)`
	args := []any{qualifier, qualifier}
	if q.Status != "" {
		query += " AND status = ?"
		args = append(args, q.Status)
	}
	if q.BeforeID > 0 {
		query += " AND id < ?"
		args = append(args, q.BeforeID)
	}
	query += " ORDER BY id DESC LIMIT ?"
	args = append(args, limit)
	return s.queryExecutions(ctx, query, args...)
}
