// Package adtest runs a real Active Directory domain controller (Samba AD)
// for tests, in a network namespace of its own: Samba's LDAP ports cannot
// be moved, so the test binary re-executes itself in a new namespace (Run,
// from TestMain) where 389 on loopback is the DC's alone.
package adtest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	goldap "github.com/go-ldap/ldap/v3"
)

// Domain is the test domain.
const (
	Realm    = "CORP.EXAMPLE.JP"
	Base     = "DC=corp,DC=example,DC=jp"
	Admin    = "Administrator@corp.example.jp"
	Password = "Acc3ss-Recon!"
	URL      = "ldap://127.0.0.1"
)

const inNetns = "ACCESSRECON_ADTEST_NETNS"

// atExit are the cleanups of a DC shared by the package's tests (Shared),
// run by Run when the tests end: the DC is stopped, its folder removed.
var atExit []func()

// Shared is a testing.TB whose TempDir and Cleanup last until Run ends, for
// a DC started once and used by every test of the package.
type Shared struct{ testing.TB }

// TempDir is a folder removed when the tests end.
func (s Shared) TempDir() string {
	dir, err := os.MkdirTemp("", "adtest-")
	if err != nil {
		s.TB.Fatal(err)
	}
	atExit = append(atExit, func() { os.RemoveAll(dir) })
	return dir
}

// Cleanup runs f when the tests end.
func (s Shared) Cleanup(f func()) { atExit = append(atExit, f) }

// Run is TestMain's: outside the namespace it re-executes the test binary
// in a new network namespace (unshare -n, loopback up) and exits with its
// status; inside, it runs the tests. Without unshare, or without the right
// to make a namespace, the tests skip (with CI=true they fail).
func Run(m *testing.M) int {
	if os.Getenv(inNetns) != "" {
		code := m.Run()
		for i := len(atExit) - 1; i >= 0; i-- {
			atExit[i]()
		}
		return code
	}
	why := missing()
	if why == "" {
		cmd := exec.Command("unshare", "-n", "--", "sh", "-c", `ip link set lo up && exec "$0" "$@"`)
		cmd.Args = append(cmd.Args, os.Args...)
		cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
		cmd.Env = append(os.Environ(), inNetns+"=1")
		err := cmd.Run()
		if exit, ok := err.(*exec.ExitError); ok {
			return exit.ExitCode()
		}
		if err == nil {
			return 0
		}
		why = "unshare -n: " + err.Error()
	}
	if os.Getenv("CI") == "true" {
		fmt.Fprintf(os.Stderr, "FAIL: the Active Directory tests need a Samba AD DC: %s\n", why)
		return 1
	}
	fmt.Fprintf(os.Stderr, "SKIP: the Active Directory tests need a Samba AD DC: %s\n", why)
	return 0
}

// missing says what the tests need and this machine lacks ("" for nothing).
func missing() string {
	for _, c := range []string{"samba", "samba-tool", "ldbadd", "unshare", "ip"} {
		if _, err := exec.LookPath(c); err != nil {
			return c + " is not installed (apt-get install samba-ad-dc samba-ad-provision ldb-tools iproute2)"
		}
	}
	if os.Geteuid() != 0 {
		return "making a network namespace needs root"
	}
	if _, err := os.Stat("/usr/share/samba/setup"); err != nil {
		return "samba-ad-provision is not installed"
	}
	return ""
}

// Start provisions a domain in a temporary folder, seeds it offline with
// seed (LDIF, DNs below Base), and starts the DC; it stops when tb ends.
// modify, if given, is an LDIF of changes applied after the seed (ldbmodify),
// e.g. to close a cycle of groups that cannot be added at once.
func Start(tb testing.TB, seed string, modify ...string) {
	tb.Helper()
	dir := tb.TempDir()
	opt := func(kv string) string { return "--option=" + kv }
	run(tb, "samba-tool", "domain", "provision", "--realm="+Realm, "--domain=CORP", "--server-role=dc", "--dns-backend=NONE",
		"--use-rfc2307", "--adminpass="+Password, "--targetdir="+dir,
		opt("interfaces=lo"), opt("bind interfaces only=yes"), opt("server services = ldap"),
		opt("log file = "+filepath.Join(dir, "log")), opt("pid directory = "+filepath.Join(dir, "pid")),
		opt("ncalrpc dir = "+filepath.Join(dir, "ncalrpc")), opt("winbindd socket directory = "+filepath.Join(dir, "winbindd")),
		opt("ntp signd socket directory = "+filepath.Join(dir, "ntp")))
	conf := filepath.Join(dir, "etc", "smb.conf")
	data, err := os.ReadFile(conf)
	if err != nil {
		tb.Fatal(err)
	}
	// A simple bind over plain LDAP on loopback (only this way persists).
	os.WriteFile(conf, []byte(strings.Replace(string(data), "[global]", "[global]\n\tldap server require strong auth = no", 1)), 0o644)
	ldif := filepath.Join(dir, "seed.ldif")
	os.WriteFile(ldif, []byte(seed), 0o600)
	run(tb, "ldbadd", "-H", filepath.Join(dir, "private", "sam.ldb"), ldif)
	if len(modify) > 0 {
		changes := filepath.Join(dir, "changes.ldif")
		os.WriteFile(changes, []byte(strings.Join(modify, "\n")), 0o600)
		run(tb, "ldbmodify", "-H", filepath.Join(dir, "private", "sam.ldb"), changes)
	}
	cmd := exec.Command("samba", "-i", "-M", "single", "-s", conf)
	out, _ := os.Create(filepath.Join(dir, "samba.out"))
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		out.Close()
	})
	for deadline := time.Now().Add(30 * time.Second); ; {
		conn, err := goldap.DialURL(URL)
		if err == nil {
			err = conn.Bind(Admin, Password)
			conn.Close()
			if err == nil {
				return
			}
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(dir, "samba.out"))
			tb.Fatalf("the Samba DC did not answer within 30 s: %v\n%s", err, log)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// AdminConn is a connection to the DC bound as its administrator, closed
// when tb ends.
func AdminConn(tb testing.TB) *goldap.Conn {
	tb.Helper()
	conn, err := goldap.DialURL(URL)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { conn.Close() })
	if err := conn.Bind(Admin, Password); err != nil {
		tb.Fatal(err)
	}
	return conn
}

func run(tb testing.TB, name string, args ...string) {
	tb.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		tb.Fatalf("%s: %v\n%s", name, err, out)
	}
}
