package store

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
)

// checkFiles refuses a database whose files show that data was lost before
// SQLite could notice: an existing database file of 0 bytes (SQLite would
// start it as a new, empty database), or a write-ahead log whose recovery
// would silently stop short of committed transactions.
func checkFiles(path string) error {
	fi, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil // a new database
	}
	if err != nil {
		return err
	}
	wal, err := os.Stat(path + "-wal")
	walFrames := err == nil && wal.Size() > walHeaderSize
	if fi.Size() == 0 && !walFrames {
		return errors.New("the database file is empty (0 bytes): it was truncated, or is not a stepwise database; " +
			"restore it from a backup, or remove it to start with an empty store")
	}
	return checkWAL(path + "-wal")
}

const (
	walHeaderSize      = 32
	walFrameHeaderSize = 24
)

// checkWAL reads a write-ahead log as SQLite's recovery does (see "The WAL
// file format" in SQLite's file format documentation): recovery keeps the
// frames up to the first one whose salts or checksum do not match and drops
// the rest. Dropping a torn tail (a transaction that was being written) is
// what recovery is for; but a frame that fails its checksum while later
// frames of the same log (same salts) commit transactions means the log was
// damaged, and committed transactions would be lost without a word.
func checkWAL(path string) error {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 1<<16)
	var hdr [walHeaderSize]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil // an empty or partly written header: no frame to lose
	}
	be := binary.BigEndian
	magic := be.Uint32(hdr[0:])
	if magic != 0x377f0682 && magic != 0x377f0683 {
		return walDamaged(path, "its header is not that of a write-ahead log")
	}
	var order binary.ByteOrder = binary.LittleEndian
	if magic&1 == 1 {
		order = binary.BigEndian
	}
	pageSize := int(be.Uint32(hdr[8:]))
	if pageSize == 1 {
		pageSize = 65536
	}
	if pageSize < 512 || pageSize > 65536 || pageSize&(pageSize-1) != 0 {
		return walDamaged(path, "its header gives an invalid page size")
	}
	salt1, salt2 := be.Uint32(hdr[16:]), be.Uint32(hdr[20:])
	s0, s1 := walChecksum(order, hdr[:24], 0, 0)
	headerOK := s0 == be.Uint32(hdr[24:]) && s1 == be.Uint32(hdr[28:])
	frame := make([]byte, walFrameHeaderSize+pageSize)
	bad := -1 // the first frame recovery stops at
	for i := 0; ; i++ {
		if _, err := io.ReadFull(r, frame); err != nil {
			return nil // the end, or a torn last frame
		}
		ourSalts := be.Uint32(frame[8:]) == salt1 && be.Uint32(frame[12:]) == salt2
		commit := be.Uint32(frame[4:]) != 0
		if !headerOK {
			if ourSalts && commit {
				return walDamaged(path, "its header fails its checksum, so the transactions it holds would be dropped")
			}
			continue
		}
		if bad < 0 {
			c0, c1 := walChecksum(order, frame[:8], s0, s1)
			c0, c1 = walChecksum(order, frame[walFrameHeaderSize:], c0, c1)
			if ourSalts && c0 == be.Uint32(frame[16:]) && c1 == be.Uint32(frame[20:]) {
				s0, s1 = c0, c1
				continue
			}
			bad = i
			continue
		}
		if ourSalts && commit {
			return walDamaged(path, fmt.Sprintf("frame %d fails its checksum, so the transactions committed after it (up to frame %d at least) would be dropped", bad+1, i+1))
		}
	}
}

func walDamaged(path, why string) error {
	return fmt.Errorf("the write-ahead log %s is damaged: %s; restore the database from a backup, "+
		"or move the log aside to open the database without its last transactions", path, why)
}

// walChecksum continues SQLite's WAL checksum (s0, s1) over b, a multiple
// of 8 bytes read as 32-bit words in order.
func walChecksum(order binary.ByteOrder, b []byte, s0, s1 uint32) (uint32, uint32) {
	for i := 0; i+8 <= len(b); i += 8 {
		s0 += order.Uint32(b[i:]) + s1
		s1 += order.Uint32(b[i+4:]) + s0
	}
	return s0, s1
}

// quickCheck runs PRAGMA quick_check and refuses a database that fails it
// (or that is not a database at all).
func quickCheck(ctx context.Context, db *sql.DB) error {
	rows, err := db.QueryContext(ctx, `PRAGMA quick_check`)
	if err != nil {
		return fmt.Errorf("the database is damaged or is not a SQLite database (%w); restore it from a backup or move it aside", err)
	}
	defer rows.Close()
	var problems []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return fmt.Errorf("checking the database: %w", err)
		}
		if line != "ok" {
			problems = append(problems, line)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("the database is damaged or is not a SQLite database (%w); restore it from a backup or move it aside", err)
	}
	if len(problems) > 0 {
		if len(problems) > 5 {
			problems = append(problems[:5], fmt.Sprintf("and %d more", len(problems)-5))
		}
		return fmt.Errorf("the database is damaged (PRAGMA quick_check: %s); restore it from a backup or move it aside", strings.Join(problems, "; "))
	}
	return nil
}
