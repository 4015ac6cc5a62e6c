package service

import (
	"context"
	"database/sql"
	"fmt"
)

// The attestation path's statements, prepared once at start: parsing SQL
// costs as much as running these small statements.
const (
	sqlDeleteOldNonces = `DELETE FROM nonces WHERE expires < ?`
	sqlInsertNonce     = `INSERT INTO nonces (nonce, device_id, expires) VALUES (?, ?, ?)`
	sqlSelectNonce     = `SELECT device_id, expires, used FROM nonces WHERE nonce = ?`
	sqlUseNonce        = `UPDATE nonces SET used = 1 WHERE nonce = ?`
	sqlDeviceTenant    = `SELECT tenant_id FROM devices WHERE id = ?`
	sqlTenantImage     = `SELECT id, component_id, name, svn FROM images WHERE tenant_id = ? AND (digest = ? OR uploaded_digest = ?)`
	sqlDeviceSVN       = `SELECT svn FROM device_svns WHERE device_id = ? AND component = ?`
	sqlRaiseSVN        = `INSERT INTO device_svns (device_id, component, svn, updated) VALUES (?, ?, ?, ?)
		ON CONFLICT (device_id, component) DO UPDATE SET svn = max(svn, excluded.svn), updated = excluded.updated`
	sqlInsertCert = `INSERT INTO certificates (serial, device_id, kind, issuer, not_before, not_after, der)
		VALUES (?, ?, ?, ?, ?, ?, ?)`
	sqlLogAttempt = `INSERT INTO attestations (device_id, time, ok, reason, detail) VALUES (?, ?, ?, ?, ?)`
)

var hotStatements = []string{
	sqlDeleteOldNonces, sqlInsertNonce, sqlSelectNonce, sqlUseNonce, sqlDeviceTenant,
	sqlTenantImage, sqlDeviceSVN, sqlRaiseSVN, sqlInsertCert, sqlLogAttempt,
}

// prepareAll prepares the hot statements.
func (s *Service) prepareAll() error {
	s.stmts = make(map[string]*sql.Stmt, len(hotStatements))
	for _, q := range hotStatements {
		st, err := s.db.PrepareContext(s.ctx, q)
		if err != nil {
			return fmt.Errorf("service: prepare %q: %w", q, err)
		}
		s.stmts[q] = st
	}
	return nil
}

// pq wraps a querier so that the prepared statements are used for the
// queries that have one. It never prepares anything itself: preparing
// needs a connection, and the in-memory database's only one may be held
// by the caller's transaction.
func (s *Service) pq(q querier) querier { return prepQuerier{s, q} }

type prepQuerier struct {
	s *Service
	q querier
}

func (p prepQuerier) stmt(ctx context.Context, query string) *sql.Stmt {
	st := p.s.stmts[query]
	if st == nil {
		return nil
	}
	if tx, ok := p.q.(*sql.Tx); ok {
		return tx.StmtContext(ctx, st)
	}
	return st
}

func (p prepQuerier) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st := p.stmt(ctx, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return p.q.ExecContext(ctx, query, args...)
}

func (p prepQuerier) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := p.stmt(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return p.q.QueryContext(ctx, query, args...)
}

func (p prepQuerier) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st := p.stmt(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return p.q.QueryRowContext(ctx, query, args...)
}
