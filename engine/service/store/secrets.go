package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"fmt"
)

// secretsSchema holds keys the service keeps beside its data (the key
// that signs page tokens), so that they outlive a restart.
const secretsSchema = `
CREATE TABLE IF NOT EXISTS secrets(name TEXT PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID;
`

// Secret returns the secret named name, size random bytes drawn from
// crypto/rand and stored the first time it is asked for.
func (s *SQLite) Secret(ctx context.Context, name string, size int) ([]byte, error) {
	fresh := make([]byte, size)
	_, _ = rand.Read(fresh) // crypto/rand.Read does not fail
	var value []byte
	err := s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO secrets(name, value) VALUES(?, ?)`, name, fresh); err != nil {
			return fmt.Errorf("store: creating secret %s: %w", name, err)
		}
		if err := tx.QueryRowContext(ctx, `SELECT value FROM secrets WHERE name = ?`, name).Scan(&value); err != nil {
			return fmt.Errorf("store: reading secret %s: %w", name, err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return value, nil
}
