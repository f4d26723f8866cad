package sqldb

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	// The drivers of the databases in drivers, each tested against a real
	// server (docs/configuration.md lists them).
	_ "github.com/go-sql-driver/mysql"
	_ "github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite"
)

// driver is how one kind of database is read: its database/sql driver,
// the isolation level that gives the read one snapshot, and what is set on
// the reading connection before the transaction (the server's statement
// timeout; read-only where the transaction cannot say it).
type driver struct {
	sqlName   string
	isolation sql.IsolationLevel
	session   func(ctx context.Context, conn *sql.Conn, timeout time.Duration) error
	// snapshot, when set, runs the read through the driver itself instead
	// of a database/sql transaction.
	snapshot func(ctx context.Context, conn *sql.Conn, read func(snapshot) error) error
}

// drivers are the databases a sql source reads, by the config's name.
// Adding one (Oracle, SQL Server) is its import above and one line here.
var drivers = map[string]driver{
	"postgres": {"pgx", sql.LevelRepeatableRead, execAll("SET statement_timeout = %[1]d", "SET TIME ZONE 'Asia/Tokyo'"), pgxSnapshot},
	"mysql":    {"mysql", sql.LevelRepeatableRead, firstOf("SET SESSION max_statement_time = %[2]d", "SET SESSION max_execution_time = %[1]d"), nil},
	"sqlite":   {"sqlite", sql.LevelDefault, execAll("PRAGMA query_only = ON"), nil},
}

// execAll runs each statement, formatted with the timeout in milliseconds
// (%[1]d) and seconds (%[2]d).
func execAll(statements ...string) func(context.Context, *sql.Conn, time.Duration) error {
	return func(ctx context.Context, conn *sql.Conn, d time.Duration) error {
		for _, st := range statements {
			if _, err := conn.ExecContext(ctx, withTimeout(st, d)); err != nil {
				return err
			}
		}
		return nil
	}
}

// firstOf runs the first statement the server takes (MariaDB and MySQL
// name the statement timeout differently).
func firstOf(statements ...string) func(context.Context, *sql.Conn, time.Duration) error {
	return func(ctx context.Context, conn *sql.Conn, d time.Duration) error {
		var err error
		for _, st := range statements {
			if _, err = conn.ExecContext(ctx, withTimeout(st, d)); err == nil {
				return nil
			}
		}
		return err
	}
}

// withTimeout is st with the timeout in milliseconds (%[1]d) and seconds
// (%[2]d), where it has them.
func withTimeout(st string, d time.Duration) string {
	if !strings.Contains(st, "%") {
		return st
	}
	return fmt.Sprintf(st, d.Milliseconds(), max(1, int64(d.Seconds())))
}

// sqlOpen opens a database by the config's driver name.
func sqlOpen(driver, dsn string) (*sql.DB, error) {
	return sql.Open(drivers[driver].sqlName, dsn)
}
