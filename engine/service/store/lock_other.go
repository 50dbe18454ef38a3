//go:build !unix

package store

import "errors"

// fileLock would be the lock on the database file; this system has no
// flock.
type fileLock struct{}

func lockFile(path string) (*fileLock, error) {
	return nil, errors.New("locking the database file is not supported on this system: use a Unix system, or --db :memory:")
}

func (l *fileLock) release() {}
