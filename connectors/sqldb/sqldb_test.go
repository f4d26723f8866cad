package sqldb

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/accessrecon/accessrecon/connectors"
	"github.com/accessrecon/accessrecon/connectors/sqldb/sqltest"
	"github.com/accessrecon/accessrecon/graph"
	"github.com/accessrecon/accessrecon/input"

	_ "modernc.org/sqlite"
)

// engine is a database the tests run on: how to reach it, and how its
// statements write a parameter.
type engine struct {
	driver string
	dsn    string
	exec   func(t *testing.T, statements ...string)
	param  func(i int) string
	kill   func()
}

func question(int) string { return "?" }

func sqliteEngine(t *testing.T) engine {
	path := filepath.Join(t.TempDir(), "db.sqlite")
	dsn := "file:" + path
	return engine{driver: "sqlite", dsn: dsn, param: question, exec: func(t *testing.T, statements ...string) {
		t.Helper()
		execOn(t, "sqlite", dsn, statements...)
	}}
}

func serverEngine(s *sqltest.Server) engine {
	e := engine{driver: s.Driver, dsn: s.DSN, param: question, kill: s.Kill, exec: func(t *testing.T, statements ...string) {
		t.Helper()
		s.Exec(t, statements...)
	}}
	if s.Driver == "postgres" {
		e.param = func(i int) string { return "$" + string(rune('0'+i)) }
	}
	return e
}

// engines are SQLite, PostgreSQL and MariaDB, the servers started for the
// test (skipped without them, failed with CI=true).
func engines(t *testing.T) map[string]func(t *testing.T) engine {
	return map[string]func(t *testing.T) engine{
		"sqlite":   sqliteEngine,
		"postgres": func(t *testing.T) engine { return serverEngine(sqltest.Postgres(t)) },
		"mariadb":  func(t *testing.T) engine { return serverEngine(sqltest.MariaDB(t)) },
	}
}

func execOn(t *testing.T, driver, dsn string, statements ...string) {
	t.Helper()
	db, err := sqlOpen(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, st := range statements {
		if _, err := db.Exec(st); err != nil {
			t.Fatalf("%s: %v", st, err)
		}
	}
}

// evil is an account name that is SQL, should anything splice it.
const evil = "x'); DROP TABLE users; --"

var schema = []string{
	"CREATE TABLE users (login VARCHAR(100) PRIMARY KEY, emp_no VARCHAR(20), user_kind VARCHAR(20), disabled BOOLEAN, created_on DATE, mfa VARCHAR(10))",
	"CREATE TABLE user_roles (login VARCHAR(100), role_code VARCHAR(50), granted_on DATE, valid_until DATE, PRIMARY KEY (login, role_code))",
	"INSERT INTO users VALUES ('u1', 'E1001', '個人', false, '2020-04-01', '有効'), ('共用01', NULL, '共用', false, NULL, NULL), ('x''); DROP TABLE users; --', 'E1003', '個人', true, '2021-10-01', 'なし')",
	"INSERT INTO user_roles VALUES ('u1', '閲覧', '2020-04-01', NULL), ('u1', '編集', '2024-04-01', '2027-03-31'), ('共用01', '閲覧', NULL, NULL), ('x''); DROP TABLE users; --', '閲覧', '2021-10-01', NULL)",
}

func spec(e engine) *Spec {
	return &Spec{
		Driver: e.driver, DSNEnv: "TEST_SQL_DSN", System: "takuso",
		Accounts: Query{"SELECT login, emp_no, user_kind, disabled, created_on, mfa FROM users ORDER BY login"},
		Grants:   Query{"SELECT login, role_code, 'role' AS origin, granted_on, valid_until FROM user_roles ORDER BY login, role_code"},
		Columns: map[string]string{"login": "account_id", "emp_no": "owner", "user_kind": "kind", "created_on": "created_at",
			"role_code": "entitlement", "granted_on": "granted_at", "valid_until": "expires_at"},
		Values: map[string]map[string]string{"kind": {"個人": "personal", "共用": "shared"}},
	}
}

func open(t *testing.T, e engine, s *Spec) connectors.Source {
	t.Helper()
	t.Setenv("TEST_SQL_DSN", e.dsn)
	if err := s.Check(connectors.CheckEnv{}); err != nil {
		t.Fatal(err)
	}
	src, err := s.Open(context.Background(), connectors.Env{Name: "takuso-db", Files: os.DirFS("/")})
	if err != nil {
		t.Fatal(err)
	}
	return src
}

// pull reads the source into a graph with the system takuso.
func pull(t *testing.T, src connectors.Source) (*graph.Snapshot, string, error) {
	t.Helper()
	g := graph.New()
	w := g.Writer()
	if err := w.DeclareEntitlements("takuso", "託送", []string{"閲覧", "編集"}); err != nil {
		t.Fatal(err)
	}
	d, err := src.Pull(context.Background(), w)
	if err != nil {
		w.Abort()
		return nil, "", err
	}
	w.Commit()
	return g.Snapshot(), d, nil
}

// TestReadsAccountsAndRights: on each database, the columns mapped as a
// file's, NULL as an empty cell, Japanese text and values mapped, dates
// and booleans read whatever type the database gives them; the digest does
// not depend on the order of the rows, and does change with them.
func TestReadsAccountsAndRights(t *testing.T) {
	for name, start := range engines(t) {
		t.Run(name, func(t *testing.T) {
			e := start(t)
			e.exec(t, schema...)
			snap, digest, err := pull(t, open(t, e, spec(e)))
			if err != nil {
				t.Fatal(err)
			}
			u1 := snap.Account(graph.AccountKey("takuso", "u1"))
			if u1 == nil || u1.Owner != "E1001" || u1.Kind != "personal" || u1.Status != "active" || u1.MFA != graph.MFAOn || u1.CreatedAt.String() != "2020-04-01" || u1.Source != "takuso-db" {
				t.Fatalf("u1: %+v", u1)
			}
			if g := u1.Grant("編集"); g == nil || g.ExpiresAt.String() != "2027-03-31" || g.GrantedAt.String() != "2024-04-01" || len(u1.Grants) != 2 {
				t.Errorf("u1's grants: %+v", u1.Grants)
			}
			shared := snap.Account(graph.AccountKey("takuso", "共用01"))
			if shared == nil || shared.Owner != "" || shared.Kind != "shared" || shared.MFA != "" || shared.CreatedAt != 0 || shared.Grant("閲覧") == nil {
				t.Errorf("共用01: %+v", shared)
			}
			x := snap.Account(graph.AccountKey("takuso", evil))
			if x == nil || x.Status != "disabled" || x.MFA != graph.MFAOff {
				t.Errorf("%s: %+v", evil, x)
			}
			if n := len(snap.AccountsOf("takuso")); n != 3 {
				t.Errorf("%d accounts, want 3", n)
			}

			reversed := spec(e)
			reversed.Accounts.Query = strings.Replace(reversed.Accounts.Query, "ORDER BY login", "ORDER BY login DESC", 1)
			reversed.Grants.Query = strings.Replace(reversed.Grants.Query, "ORDER BY login, role_code", "ORDER BY role_code DESC, login DESC", 1)
			if _, d, err := pull(t, open(t, e, reversed)); err != nil || d != digest {
				t.Errorf("the same rows in another order: digest %s, %v; want %s", d, err, digest)
			}
			e.exec(t, "UPDATE user_roles SET valid_until = '2027-09-30' WHERE login = 'u1' AND role_code = '編集'")
			if _, d, err := pull(t, open(t, e, spec(e))); err != nil || d == digest {
				t.Errorf("a row changed: digest %s, %v; want another than %s", d, err, digest)
			}
		})
	}
}

// TestChangesBindValuesAndTouchOneRow: apply's statements get the account
// and right as bound values (an account name that is SQL is only a name),
// and commit only when they changed exactly one row.
func TestChangesBindValuesAndTouchOneRow(t *testing.T) {
	for name, start := range engines(t) {
		t.Run(name, func(t *testing.T) {
			e := start(t)
			e.exec(t, schema...)
			s := spec(e)
			s.Changes = map[string]Statement{
				"revoke":          {Statement: "DELETE FROM user_roles WHERE login = " + e.param(1) + " AND role_code = " + e.param(2), Args: []string{"account", "entitlement"}},
				"disable_account": {Statement: "DELETE FROM user_roles WHERE login = " + e.param(1), Args: []string{"account"}},
			}
			src := open(t, e, s)
			r, ok := src.(connectors.Revoker)
			if !ok {
				t.Fatal("a sql source with changes is not a revoker")
			}
			ctx := context.Background()
			if err := r.Apply(ctx, connectors.Change{Op: "revoke", System: "takuso", Account: evil, Entitlement: "閲覧"}); err != nil {
				t.Fatal(err)
			}
			snap, _, err := pull(t, src)
			if err != nil {
				t.Fatalf("after revoking %q: %v (the users table must still be there)", evil, err)
			}
			if x := snap.Account(graph.AccountKey("takuso", evil)); x == nil || len(x.Grants) != 0 {
				t.Errorf("%q after its revoke: %+v", evil, x)
			}
			if n := len(snap.AccountsOf("takuso")); n != 3 {
				t.Errorf("%d accounts after a revoke, want 3", n)
			}
			// The row is gone since it was read: nothing to change, said.
			err = r.Apply(ctx, connectors.Change{Op: "revoke", System: "takuso", Account: evil, Entitlement: "閲覧"})
			if err == nil || !strings.Contains(err.Error(), "changed 0 rows, expected exactly 1") {
				t.Errorf("a revoke of a row gone: %v", err)
			}
			// A statement wider than one right: rolled back.
			err = r.Apply(ctx, connectors.Change{Op: "disable_account", System: "takuso", Account: "u1"})
			if err == nil || !strings.Contains(err.Error(), "changed 2 rows") {
				t.Errorf("a statement that matches two rows: %v", err)
			}
			if snap, _, _ := pull(t, src); snap == nil || len(snap.Account(graph.AccountKey("takuso", "u1")).Grants) != 2 {
				t.Error("the two rows were deleted: the statement was not rolled back")
			}
			if err := r.Apply(ctx, connectors.Change{Op: "grant", System: "takuso", Account: "u1", Entitlement: "閲覧"}); !errors.Is(err, connectors.ErrByHand) {
				t.Errorf("an action without a statement: %v, want a work order", err)
			}
		})
	}
}

// TestWithoutChangesApplyWritesWorkOrders: a sql source without changes is
// read-only: its connector carries out nothing.
func TestWithoutChangesApplyWritesWorkOrders(t *testing.T) {
	e := sqliteEngine(t)
	if _, ok := open(t, e, spec(e)).(connectors.Revoker); ok {
		t.Error("a sql source without changes can carry out actions")
	}
}

// TestABadRowIsRefusedWithItsRowAndColumn: a row is read by the rules of a
// file's, and an error names the query, the row and the column.
func TestABadRowIsRefusedWithItsRowAndColumn(t *testing.T) {
	for _, c := range []struct {
		name    string
		fix     []string
		change  func(*Spec)
		want    string
		wantErr error
	}{
		{"a disabled that is neither", []string{"UPDATE users SET disabled = 'maybe' WHERE login = 'u1'"}, nil, "takuso-db accounts:1: column disabled (4): expected true or false", input.ErrInput},
		{"a kind not known", []string{"UPDATE users SET user_kind = '臨時' WHERE login = 'u1'"}, nil, `takuso-db accounts:1: column user_kind = kind (3): expected one of personal, shared, service, outside, got "臨時"`, input.ErrInput},
		{"a right of no account", []string{"INSERT INTO user_roles VALUES ('ghost', '閲覧', NULL, NULL)"}, nil, `takuso-db grants:1: column login = account_id (1): no account "ghost" on system "takuso"`, input.ErrInput},
		{"a right the system lacks", []string{"INSERT INTO user_roles VALUES ('u1', '削除', NULL, NULL)"}, nil, `column role_code = entitlement (2)`, nil},
		{"a mapped column the queries lack", nil, func(s *Spec) { s.Columns["emp_code"] = "owner" }, `"emp_code" is not a column of the accounts query or of the grants query`, input.ErrInput},
		{"a required column missing", nil, func(s *Spec) { s.Accounts.Query = "SELECT login FROM users" }, `takuso-db accounts:1: missing column "owner"`, input.ErrInput},
		{"a query that fails", nil, func(s *Spec) { s.Grants.Query = "SELECT login, role FROM user_rolez" }, `takuso-db grants query:`, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := sqliteEngine(t)
			e.exec(t, schema...)
			e.exec(t, c.fix...)
			s := spec(e)
			if c.change != nil {
				c.change(s)
			}
			_, _, err := pull(t, open(t, e, s))
			if err == nil || !strings.Contains(err.Error(), c.want) || c.wantErr != nil && !errors.Is(err, c.wantErr) {
				t.Errorf("got %v, want %s", err, c.want)
			}
		})
	}
}

// TestTheDataSourceNameIsNeverShown: whatever fails, the password of the
// data source name appears in no error.
func TestTheDataSourceNameIsNeverShown(t *testing.T) {
	const pw = "s3cret-Pa55"
	for _, c := range []struct{ driver, dsn string }{
		{"postgres", "postgres://reader:" + pw + "@127.0.0.1:1/takuso?sslmode=disable&connect_timeout=2"},
		{"postgres", "host=127.0.0.1 port=1 user=reader password=" + pw + " dbname=takuso connect_timeout=2"},
		{"postgres", "postgres://reader:" + pw + "@127.0.0.1:notaport/takuso"},
		{"mysql", "reader:" + pw + "@tcp(127.0.0.1:1)/takuso?timeout=2s"},
		{"mysql", "reader:" + pw + "@tcp(127.0.0.1:1/takuso"},
	} {
		e := engine{driver: c.driver, dsn: c.dsn}
		_, _, err := pull(t, open(t, e, spec(e)))
		if err == nil {
			t.Fatalf("%s: no error", c.dsn)
		}
		if strings.Contains(err.Error(), pw) {
			t.Errorf("the password is in the error: %v", err)
		}
	}
}

// TestAServerKilledMidReadFailsTheSource: PostgreSQL dies while the rows
// stream in: the source fails, and nothing read from it is kept.
func TestAServerKilledMidReadFailsTheSource(t *testing.T) {
	srv := sqltest.Postgres(t)
	e := serverEngine(srv)
	e.exec(t, schema...)
	e.exec(t, "INSERT INTO users SELECT 'bulk' || i, 'E' || i, '個人', false, NULL, NULL FROM generate_series(1, 300000) i")
	s := spec(e)
	s.Accounts.Query = "SELECT login, emp_no, user_kind, disabled, created_on, mfa FROM users"
	src := open(t, e, s)
	go func() {
		time.Sleep(150 * time.Millisecond)
		srv.Kill()
	}()
	_, _, err := pull(t, src)
	if err == nil {
		t.Fatal("the read went on after the server died")
	}
	t.Log(err)
}

// TestTheTimeoutEndsALongQuery: a query longer than timeout is stopped by
// the server and fails the source, saying so.
func TestTheTimeoutEndsALongQuery(t *testing.T) {
	e := serverEngine(sqltest.Postgres(t))
	e.exec(t, schema...)
	s := spec(e)
	s.Timeout = "500ms"
	s.Grants.Query = "SELECT login, role_code, 'role' AS origin, granted_on, valid_until FROM user_roles, pg_sleep(3)"
	start := time.Now()
	_, _, err := pull(t, open(t, e, s))
	if err == nil || time.Since(start) > 2500*time.Millisecond || !strings.Contains(err.Error(), "longer than timeout 500ms") {
		t.Errorf("after %v: %v", time.Since(start), err)
	}
}

// TestTheDigestSortsAnyNumberOfRows: the order-free digest is the same for
// any order of the same rows, many or few.
func TestTheDigestSortsAnyNumberOfRows(t *testing.T) {
	for _, n := range []int{0, 3, 5000, 70000} {
		a := make([][2]uint64, n)
		for i := range a {
			a[i] = [2]uint64{uint64(i*7919) % 1000 << 50, uint64(i)}
		}
		b := slices.Clone(a)
		slices.Reverse(b)
		if digestOf(a) != digestOf(b) {
			t.Errorf("%d rows: the digest depends on their order", n)
		}
		if n > 0 {
			c := slices.Clone(a)
			c[0][1]++
			if digestOf(c) == digestOf(slices.Clone(a)) {
				t.Errorf("%d rows: a changed row has the same digest", n)
			}
		}
	}
}
