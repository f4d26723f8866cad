// Package sqltest starts real database servers for tests, each in a
// temporary folder on a free loopback port, stopped by its own process
// when the test ends: PostgreSQL (initdb, postgres) and MariaDB
// (mariadb-install-db, mariadbd) from Debian's packages. Without them a test
// skips loudly, or fails when CI=true (the test command installs them).
package sqltest

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	_ "github.com/go-sql-driver/mysql"
	_ "github.com/jackc/pgx/v5/stdlib"
)

// Server is a database server a test started.
type Server struct {
	// Driver is the sql source's driver name: postgres or mysql.
	Driver string
	// DSN connects as the server's superuser to the database test.
	DSN string
	// Port is the server's loopback port.
	Port int
	cmd  *exec.Cmd
	log  string
}

// Kill stops the server at once (SIGKILL), as a crash would.
func (s *Server) Kill() {
	if s.cmd.Process != nil {
		s.cmd.Process.Kill()
		s.cmd.Wait()
	}
}

// DB is a connection pool to the server's test database.
func (s *Server) DB(t testing.TB) *sql.DB {
	t.Helper()
	name := map[string]string{"postgres": "pgx", "mysql": "mysql"}[s.Driver]
	db, err := sql.Open(name, s.DSN)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// Exec runs statements on the test database, failing the test on an error.
func (s *Server) Exec(t testing.TB, statements ...string) {
	t.Helper()
	db := s.DB(t)
	for _, st := range statements {
		if _, err := db.Exec(st); err != nil {
			t.Fatalf("%s: %v", st, err)
		}
	}
}

func find(t testing.TB, what, pkg string, candidates ...string) string {
	t.Helper()
	for _, c := range candidates {
		if matches, _ := filepath.Glob(c); len(matches) > 0 {
			return matches[len(matches)-1]
		}
		if p, err := exec.LookPath(c); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s is not installed; the test command installs it with apt-get (%s)", what, pkg)
	}
	t.Skipf("SKIPPING: %s is not installed (apt-get install %s); the sql source's tests need a real server", what, pkg)
	return ""
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// folder is a temporary folder the server's user owns: PostgreSQL will not
// run as root, so as root the server runs as the postgres user.
func folder(t testing.TB, owner *user.User) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "sqltest-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if owner != nil {
		uid, _ := strconv.Atoi(owner.Uid)
		gid, _ := strconv.Atoi(owner.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func as(cmd *exec.Cmd, owner *user.User) *exec.Cmd {
	if owner != nil {
		uid, _ := strconv.Atoi(owner.Uid)
		gid, _ := strconv.Atoi(owner.Gid)
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}}
	}
	return cmd
}

// Postgres starts a PostgreSQL server (UTF-8) with a database test.
func Postgres(t testing.TB) *Server {
	t.Helper()
	initdb := find(t, "PostgreSQL", "postgresql", "/usr/lib/postgresql/*/bin/initdb", "initdb")
	bin := filepath.Dir(initdb)
	var owner *user.User
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Fatalf("running as root, PostgreSQL needs the postgres user the package makes: %v", err)
		}
		owner = u
	}
	dir := folder(t, owner)
	data := filepath.Join(dir, "data")
	if out, err := as(exec.Command(initdb, "-D", data, "-A", "trust", "-U", "test", "-E", "UTF8", "--locale=C", "--no-sync"), owner).CombinedOutput(); err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	port := freePort(t)
	s := &Server{Driver: "postgres", Port: port, log: filepath.Join(dir, "log")}
	logf, _ := os.Create(s.log)
	s.cmd = as(exec.Command(filepath.Join(bin, "postgres"), "-D", data, "-p", strconv.Itoa(port), "-k", dir,
		"-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "full_page_writes=off"), owner)
	s.cmd.Stdout, s.cmd.Stderr = logf, logf
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if s.cmd.ProcessState == nil {
			s.cmd.Process.Signal(syscall.SIGINT) // fast shutdown
			s.cmd.Wait()
		}
		logf.Close()
	})
	admin := fmt.Sprintf("postgres://test@127.0.0.1:%d/postgres?sslmode=disable", port)
	s.wait(t, "pgx", admin)
	db, _ := sql.Open("pgx", admin)
	defer db.Close()
	if _, err := db.Exec("CREATE DATABASE test"); err != nil {
		t.Fatal(err)
	}
	s.DSN = fmt.Sprintf("postgres://test@127.0.0.1:%d/test?sslmode=disable", port)
	return s
}

// MariaDB starts a MariaDB server with a database test (utf8mb4).
func MariaDB(t testing.TB) *Server {
	t.Helper()
	install := find(t, "MariaDB", "mariadb-server", "mariadb-install-db")
	server := find(t, "MariaDB", "mariadb-server", "/usr/sbin/mariadbd", "mariadbd")
	me, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	dir := folder(t, nil)
	data := filepath.Join(dir, "data")
	if out, err := exec.Command(install, "--no-defaults", "--datadir="+data, "--user="+me.Username,
		"--auth-root-authentication-method=normal", "--skip-test-db").CombinedOutput(); err != nil {
		t.Fatalf("mariadb-install-db: %v\n%s", err, out)
	}
	port := freePort(t)
	s := &Server{Driver: "mysql", Port: port, log: filepath.Join(dir, "log")}
	logf, _ := os.Create(s.log)
	s.cmd = exec.Command(server, "--no-defaults", "--datadir="+data, "--user="+me.Username, "--port="+strconv.Itoa(port),
		"--bind-address=127.0.0.1", "--socket="+filepath.Join(dir, "sock"), "--pid-file="+filepath.Join(dir, "pid"),
		"--innodb-flush-log-at-trx-commit=0", "--skip-log-bin")
	s.cmd.Stdout, s.cmd.Stderr = logf, logf
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if s.cmd.ProcessState == nil {
			s.cmd.Process.Signal(syscall.SIGTERM)
			s.cmd.Wait()
		}
		logf.Close()
	})
	admin := fmt.Sprintf("root@tcp(127.0.0.1:%d)/", port)
	s.wait(t, "mysql", admin)
	db, _ := sql.Open("mysql", admin)
	defer db.Close()
	if _, err := db.Exec("CREATE DATABASE test CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"); err != nil {
		t.Fatal(err)
	}
	s.DSN = fmt.Sprintf("root@tcp(127.0.0.1:%d)/test", port)
	return s
}

// wait waits until the server answers, or fails with its log.
func (s *Server) wait(t testing.TB, driver, dsn string) {
	t.Helper()
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	deadline := time.Now().Add(30 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err = db.PingContext(ctx)
		cancel()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(s.log)
			t.Fatalf("the %s server did not answer in 30 s: %v\n%s", s.Driver, err, strings.TrimSpace(string(log)))
		}
		time.Sleep(50 * time.Millisecond)
	}
}
