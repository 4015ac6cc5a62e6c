// Package store opens the security service's embedded SQLite database and
// brings its schema up to date. It uses modernc.org/sqlite, a pure-Go
// SQLite, so sphere-emu builds without cgo.
//
// The schema is a numbered list of migrations (Migrations); Open applies
// the ones a database lacks, each in its own transaction together with the
// update of the schema_version table, so a crash leaves the database at a
// whole version.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// FileName is the database file Open creates in a data directory.
const FileName = "service.db"

// Open opens (creating if needed) the database in dir, or a private
// in-memory database when dir is "", and applies the pending migrations.
//
// A file database uses WAL journaling with synchronous=NORMAL (a crash may
// lose the last commits but never corrupts), a 10 s busy timeout, foreign
// keys, and BEGIN IMMEDIATE transactions so that concurrent writers queue
// instead of failing. An in-memory database lives in one connection, which
// serialises every statement.
func Open(ctx context.Context, dir string) (*sql.DB, error) {
	var dsn string
	if dir == "" {
		dsn = "file::memory:?" + pragmas(false)
	} else {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("store: data directory: %w", err)
		}
		path := filepath.Join(dir, FileName)
		// Create the file ourselves so that it is private: it holds the CA keys.
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
		if err != nil {
			return nil, fmt.Errorf("store: %w", err)
		}
		if err := f.Close(); err != nil {
			return nil, fmt.Errorf("store: %w", err)
		}
		dsn = "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + pragmas(true)
	}
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("store: open: %w", err)
	}
	if dir == "" {
		// Each connection to ":memory:" is its own database: keep exactly one.
		db.SetMaxOpenConns(1)
		db.SetMaxIdleConns(1)
		db.SetConnMaxLifetime(0)
		db.SetConnMaxIdleTime(0)
	} else {
		db.SetMaxOpenConns(8)
		db.SetMaxIdleConns(8)
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: open %s: %w", dsnName(dir), err)
	}
	if err := Migrate(ctx, db); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

func dsnName(dir string) string {
	if dir == "" {
		return "in-memory database"
	}
	return filepath.Join(dir, FileName)
}

// pragmas returns the DSN query that sets each connection up.
func pragmas(file bool) string {
	q := url.Values{}
	p := []string{"foreign_keys(1)", "busy_timeout(10000)"}
	if file {
		p = append(p, "journal_mode(WAL)", "synchronous(NORMAL)")
	}
	q["_pragma"] = p
	q.Set("_txlock", "immediate")
	return q.Encode()
}

// Version returns the schema version a database is at (0 for a new one).
func Version(ctx context.Context, db *sql.DB) (int, error) {
	var v int
	err := db.QueryRowContext(ctx, `SELECT version FROM schema_version`).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("store: schema version: %w", err)
	}
	return v, nil
}

// Migrate applies the migrations db lacks, in order, each in a
// transaction. A database newer than this binary is an error.
func Migrate(ctx context.Context, db *sql.DB) error {
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)`); err != nil {
		return fmt.Errorf("store: create schema_version: %w", err)
	}
	cur, err := Version(ctx, db)
	if err != nil {
		return err
	}
	if cur > len(Migrations) {
		return fmt.Errorf("store: database schema version %d is newer than this sphere-emu (%d)", cur, len(Migrations))
	}
	for v := cur + 1; v <= len(Migrations); v++ {
		if err := apply(ctx, db, v); err != nil {
			return err
		}
	}
	return nil
}

// apply runs migration v and records it, atomically.
func apply(ctx context.Context, db *sql.DB, v int) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: migration %d: %w", v, err)
	}
	defer tx.Rollback()
	// Re-read inside the write transaction: another process may have migrated.
	var cur int
	switch err := tx.QueryRowContext(ctx, `SELECT version FROM schema_version`).Scan(&cur); {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return fmt.Errorf("store: migration %d: %w", v, err)
	}
	if cur >= v {
		return nil
	}
	for i, stmt := range Migrations[v-1] {
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("store: migration %d, statement %d: %w", v, i+1, err)
		}
	}
	if cur == 0 {
		_, err = tx.ExecContext(ctx, `INSERT INTO schema_version (version) VALUES (?)`, v)
	} else {
		_, err = tx.ExecContext(ctx, `UPDATE schema_version SET version = ?`, v)
	}
	if err != nil {
		return fmt.Errorf("store: migration %d: record version: %w", v, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: migration %d: commit: %w", v, err)
	}
	return nil
}
