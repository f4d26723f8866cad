package reviewdb

import (
	"context"
	"database/sql"
	"regexp"
	"strconv"
	"strings"

	"github.com/accessrecon/accessrecon/reconcile/audit"
)

// The store speaks one SQL to SQLite and PostgreSQL: its statements are
// written with ? placeholders and functions both engines have; on
// PostgreSQL, pool, dbTx and dbConn number the placeholders ($1, $2, …) and
// every read-write transaction first takes the store's write lock, as
// SQLite's BEGIN IMMEDIATE does (one writer at a time: a decision checks an
// item is still open and writes it in one transaction, and two replicas
// deciding the same item cannot both win).

// writeLock is the key of the transaction-level advisory lock that
// serialises the store's writers on PostgreSQL ("accessrecon review" as a
// number; the leader's lock has another).
const writeLock = 0x61726576696577

// indexedBy is SQLite's index hint, which PostgreSQL's planner does without.
var indexedBy = regexp.MustCompile(` INDEXED BY \w+`)

// postgres is q in PostgreSQL's SQL: its placeholders numbered, without
// SQLite's index hints.
func postgres(q string) string {
	return rebind(indexedBy.ReplaceAllLiteralString(q, ""))
}

// rebind numbers the ? placeholders of q for PostgreSQL, leaving those in
// string literals alone.
func rebind(q string) string {
	if !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 16)
	n, quoted := 0, false
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case c == '\'':
			quoted = !quoted
		case c == '?' && !quoted:
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// pool is the store's *sql.DB, speaking its engine's SQL.
type pool struct {
	*sql.DB
	pg bool
}

func (p *pool) sql(q string) string {
	if p.pg {
		return postgres(q)
	}
	return q
}

func (p *pool) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return p.DB.QueryContext(ctx, p.sql(q), args...)
}

func (p *pool) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	return p.DB.QueryRowContext(ctx, p.sql(q), args...)
}

func (p *pool) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return p.DB.ExecContext(ctx, p.sql(q), args...)
}

// BeginTx begins a transaction; on PostgreSQL a read-write one waits for
// the store's write lock, held until it ends.
func (p *pool) BeginTx(ctx context.Context, opts *sql.TxOptions) (*dbTx, error) {
	tx, err := p.DB.BeginTx(ctx, opts)
	if err != nil {
		return nil, err
	}
	return begun(ctx, tx, p.pg, opts)
}

func begun(ctx context.Context, tx *sql.Tx, pg bool, opts *sql.TxOptions) (*dbTx, error) {
	if pg && (opts == nil || !opts.ReadOnly) {
		if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock($1)", writeLock); err != nil {
			tx.Rollback()
			return nil, err
		}
	}
	return &dbTx{Tx: tx, pg: pg}, nil
}

// Conn is one connection of the pool, kept until closed.
func (p *pool) Conn(ctx context.Context) (*dbConn, error) {
	c, err := p.DB.Conn(ctx)
	if err != nil {
		return nil, err
	}
	return &dbConn{Conn: c, pg: p.pg}, nil
}

// dbTx is a transaction of the store.
type dbTx struct {
	*sql.Tx
	pg bool
}

func (t *dbTx) sql(q string) string {
	if t.pg {
		return postgres(q)
	}
	return q
}

func (t *dbTx) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return t.Tx.QueryContext(ctx, t.sql(q), args...)
}

func (t *dbTx) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	return t.Tx.QueryRowContext(ctx, t.sql(q), args...)
}

func (t *dbTx) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return t.Tx.ExecContext(ctx, t.sql(q), args...)
}

func (t *dbTx) PrepareContext(ctx context.Context, q string) (*sql.Stmt, error) {
	return t.Tx.PrepareContext(ctx, t.sql(q))
}

// dbConn is one connection of the store.
type dbConn struct {
	*sql.Conn
	pg bool
}

// tune runs an SQLite PRAGMA; PostgreSQL has none to run.
func (c *dbConn) tune(ctx context.Context, pragma string) error {
	if c.pg {
		return nil
	}
	_, err := c.Conn.ExecContext(ctx, pragma)
	return err
}

func (c *dbConn) BeginTx(ctx context.Context, opts *sql.TxOptions) (*dbTx, error) {
	tx, err := c.Conn.BeginTx(ctx, opts)
	if err != nil {
		return nil, err
	}
	return begun(ctx, tx, c.pg, opts)
}

// audited is ctx carrying the transaction on PostgreSQL, so that the audit
// event a hook records goes into the same transaction as the change it
// records (the log and the store are one database): both commit, or
// neither. On SQLite the log is a file, appended before the commit.
func (t *dbTx) audited(ctx context.Context) context.Context {
	if !t.pg {
		return ctx
	}
	return audit.WithTx(ctx, t.Tx)
}
