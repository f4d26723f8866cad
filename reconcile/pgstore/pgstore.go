// Package pgstore is what the PostgreSQL store's parts share (the review
// store, the audit log, the mail outbox, serve's leadership): one connection
// pool per database, versioned migrations applied under an advisory lock so
// that two replicas starting at once do not race, and where a connection
// string points told without its password.
package pgstore

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"time"

	"github.com/accessrecon/accessrecon/i18n"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// Advisory lock keys of accessrecon (one namespace, bigint keys).
const (
	MigrateLock int64 = 0x61726d6967726174 // migrations, transaction-level
	AuditLock   int64 = 0x6172617564697421 // the audit log's appends, transaction-level
	LeaderLock  int64 = 0x61726c6561646572 // serve's timers, session-level
)

// Where is the server and database a connection string names, for
// messages: never its password.
func Where(dsn string) string {
	c, err := pgx.ParseConfig(dsn)
	if err != nil {
		return "PostgreSQL"
	}
	return fmt.Sprintf("postgres://%s:%d/%s", c.Host, c.Port, c.Database)
}

var (
	poolsMu sync.Mutex
	pools   = map[string]*shared{}
)

type shared struct {
	db   *sql.DB
	refs int
}

// Open is a pool to the database of dsn, shared by the callers of one
// process (the review store and the audit log of serve use one pool);
// release gives it back, closing it after the last caller.
func Open(ctx context.Context, dsn string) (db *sql.DB, release func() error, err error) {
	cc, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, nil, i18n.Errorf("store: the PostgreSQL connection string: %w", err) // pgx redacts the password
	}
	// Plans for the values at hand: a reviewer's worklist of one unit and
	// of another differ by orders of magnitude, and a generic plan cached
	// for the first is wrong for the second (a first page at 40 ms instead
	// of 3).
	if _, set := cc.RuntimeParams["plan_cache_mode"]; !set {
		cc.RuntimeParams["plan_cache_mode"] = "force_custom_plan"
	}
	poolsMu.Lock()
	defer poolsMu.Unlock()
	sh := pools[dsn]
	if sh == nil {
		d := stdlib.OpenDB(*cc)
		d.SetMaxOpenConns(16)
		d.SetMaxIdleConns(4)
		d.SetConnMaxIdleTime(time.Minute)
		if err := d.PingContext(ctx); err != nil {
			d.Close()
			return nil, nil, i18n.Errorf("store %s: %w", Where(dsn), err)
		}
		sh = &shared{db: d}
		pools[dsn] = sh
	}
	sh.refs++
	var once sync.Once
	return sh.db, func() error {
		var err error
		once.Do(func() {
			poolsMu.Lock()
			defer poolsMu.Unlock()
			if sh.refs--; sh.refs == 0 {
				delete(pools, dsn)
				err = sh.db.Close()
			}
		})
		return err
	}, nil
}

// Migrate brings a component's tables up to date: migrations are applied
// in order in one transaction, under an advisory lock (a second replica
// starting at once waits, then finds them done); a database whose schema is
// newer than this accessrecon knows is refused.
func Migrate(ctx context.Context, db *sql.DB, component string, migrations []string) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock($1)", MigrateLock); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_versions (component TEXT PRIMARY KEY, version INTEGER NOT NULL)`); err != nil {
		return err
	}
	var version int
	err = tx.QueryRowContext(ctx, "SELECT version FROM schema_versions WHERE component = $1", component).Scan(&version)
	if err != nil && err != sql.ErrNoRows {
		return err
	}
	if version > len(migrations) {
		return i18n.Errorf("the store's schema is version %d, newer than this accessrecon knows (%d): use a newer accessrecon", version, len(migrations))
	}
	if version == len(migrations) {
		return tx.Commit()
	}
	for i := version; i < len(migrations); i++ {
		if _, err := tx.ExecContext(ctx, migrations[i]); err != nil {
			return fmt.Errorf("%s migration %d: %w", component, i+1, err)
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_versions (component, version) VALUES ($1, $2)
		ON CONFLICT (component) DO UPDATE SET version = excluded.version`, component, len(migrations)); err != nil {
		return err
	}
	return tx.Commit()
}

var (
	preparedMu sync.Mutex
	prepared   = map[[2]string]*sql.DB{}
)

// Prepared is the process's pool to the database of dsn with a
// component's tables made (Migrate), once a process: kept for the life of
// the process, as the audit log's and the mail queue's are.
func Prepared(ctx context.Context, dsn, component string, migrations []string) (*sql.DB, error) {
	preparedMu.Lock()
	defer preparedMu.Unlock()
	key := [2]string{dsn, component}
	if db := prepared[key]; db != nil {
		return db, nil
	}
	db, _, err := Open(ctx, dsn)
	if err != nil {
		return nil, err
	}
	if err := Migrate(ctx, db, component, migrations); err != nil {
		return nil, i18n.Errorf("store %s: %w", Where(dsn), err)
	}
	prepared[key] = db
	return db, nil
}
