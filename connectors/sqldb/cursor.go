package sqldb

import (
	"context"
	"database/sql"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// snapshot runs queries in one read-only transaction on one snapshot.
type snapshot interface {
	Query(ctx context.Context, query string) (cursor, error)
}

// cursor is a query's rows, a row at a time, as text.
type cursor interface {
	Columns() []string
	Next() bool
	// Values puts the current row's values as text into out, and whether
	// each is NULL into null.
	Values(out []string, null []bool) error
	Err() error
	Close()
}

// sqlSnapshot is a database/sql transaction.
type sqlSnapshot struct{ tx *sql.Tx }

func (s sqlSnapshot) Query(ctx context.Context, query string) (cursor, error) {
	rows, err := s.tx.QueryContext(ctx, query)
	if err != nil {
		return nil, err
	}
	cols, err := rows.Columns()
	if err != nil {
		rows.Close()
		return nil, err
	}
	c := &sqlCursor{rows: rows, cols: cols, vals: make([]any, len(cols)), ptrs: make([]any, len(cols))}
	for i := range c.vals {
		c.ptrs[i] = &c.vals[i]
	}
	return c, nil
}

type sqlCursor struct {
	rows       *sql.Rows
	cols       []string
	vals, ptrs []any
}

func (c *sqlCursor) Columns() []string { return c.cols }
func (c *sqlCursor) Next() bool        { return c.rows.Next() }
func (c *sqlCursor) Err() error        { return c.rows.Err() }
func (c *sqlCursor) Close()            { c.rows.Close() }

func (c *sqlCursor) Values(out []string, null []bool) error {
	if err := c.rows.Scan(c.ptrs...); err != nil {
		return err
	}
	for i, v := range c.vals {
		out[i], null[i] = text(v), v == nil
	}
	return nil
}

// pgxSnapshot reads PostgreSQL through pgx itself, its rows in the text
// format the server writes (as psql gets them): no value is decoded into a
// Go type to be written as text again, which halves the reading's cost.
func pgxSnapshot(ctx context.Context, conn *sql.Conn, read func(snapshot) error) error {
	return conn.Raw(func(dc any) error {
		pc := dc.(*stdlib.Conn).Conn()
		tx, err := pc.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
		if err != nil {
			return err
		}
		defer tx.Rollback(context.WithoutCancel(ctx))
		if err := read(pgxTx{tx}); err != nil {
			return err
		}
		return tx.Commit(ctx)
	})
}

type pgxTx struct{ tx pgx.Tx }

func (t pgxTx) Query(ctx context.Context, query string) (cursor, error) {
	rows, err := t.tx.Query(ctx, query, pgx.QueryResultFormats{pgx.TextFormatCode})
	if err != nil {
		return nil, err
	}
	fields := rows.FieldDescriptions()
	if len(fields) == 0 {
		// The query failed before its first row (pgx says so on Close).
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	c := &pgxCursor{rows: rows, cols: make([]string, len(fields)), oids: make([]uint32, len(fields))}
	for i, f := range fields {
		c.cols[i], c.oids[i] = f.Name, f.DataTypeOID
	}
	return c, nil
}

type pgxCursor struct {
	rows pgx.Rows
	cols []string
	oids []uint32
}

// PostgreSQL's type oids whose text is not as a file writes it.
const (
	oidBool        = 16
	oidTimestamp   = 1114
	oidTimestampTZ = 1184
)

func (c *pgxCursor) Columns() []string { return c.cols }
func (c *pgxCursor) Next() bool        { return c.rows.Next() }
func (c *pgxCursor) Err() error        { return c.rows.Err() }
func (c *pgxCursor) Close()            { c.rows.Close() }

func (c *pgxCursor) Values(out []string, null []bool) error {
	for i, b := range c.rows.RawValues() {
		null[i] = b == nil
		switch {
		case b == nil:
			out[i] = ""
		case c.oids[i] == oidBool && len(b) == 1:
			out[i] = map[byte]string{'t': "true", 'f': "false"}[b[0]]
		case (c.oids[i] == oidTimestampTZ || c.oids[i] == oidTimestamp) && len(b) > 10 && b[4] == '-' && b[7] == '-' && b[10] == ' ':
			// 2026-04-01 09:30:00+09: its day, in the session's time zone
			// (Asia/Tokyo, set before the read).
			out[i] = string(b[:10])
		default:
			out[i] = string(b)
		}
	}
	return nil
}
