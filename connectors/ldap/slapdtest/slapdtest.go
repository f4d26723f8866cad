// Package slapdtest starts a real OpenLDAP slapd for tests, on a free
// loopback port, with an mdb database seeded from the LDIF fixtures and the
// ppolicy overlay. Without slapd a test skips loudly, or fails when CI=true.
package slapdtest

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/accessrecon/accessrecon/fixtures"
)

// Server is a real OpenLDAP server started by a test on a free loopback port,
// with an mdb database seeded from LDIF and the ppolicy overlay.
type Server struct {
	URL  string
	dir  string
	cmd  *exec.Cmd
	conf string
}

// Suffix is the directory's root.
const Suffix = "dc=example,dc=jp"

// findSlapd locates slapd. Without it the test skips loudly, or fails on CI
// (CI=true), where the test command installs it.
func findSlapd(t testing.TB) string {
	t.Helper()
	for _, p := range []string{"/usr/sbin/slapd", "/usr/local/libexec/slapd"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath("slapd"); err == nil {
		return p
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("slapd is not installed; the test command installs it with apt-get (slapd, ldap-utils)")
	}
	t.Skip("SKIPPING: slapd is not installed (apt-get install slapd ldap-utils); the LDAP tests need a real OpenLDAP")
	return ""
}

// startSlapd seeds a database from LDIF (fixtures plus extra) and serves it.
// tlsLines are extra slapd.conf lines (TLS).
// Start seeds a database from the fixtures plus extraLDIF and serves it;
// tlsLines are extra global slapd.conf lines. It stops when the test ends.
func Start(t testing.TB, extraLDIF string, tlsLines ...string) *Server {
	t.Helper()
	bin := findSlapd(t)
	dir := t.TempDir()
	os.Mkdir(filepath.Join(dir, "db"), 0o700)
	conf := filepath.Join(dir, "slapd.conf")
	modules := "/usr/lib/ldap"
	lines := []string{
		"include /etc/ldap/schema/core.schema",
		"include /etc/ldap/schema/cosine.schema",
		"include /etc/ldap/schema/inetorgperson.schema",
		"include /etc/ldap/schema/nis.schema",
		"pidfile " + filepath.Join(dir, "slapd.pid"),
		"modulepath " + modules,
		"moduleload back_mdb",
		"moduleload ppolicy",
	}
	lines = append(lines, tlsLines...)
	lines = append(lines,
		"sizelimit 50",
		"database mdb",
		"maxsize 1073741824",
		`Suffix "`+Suffix+`"`,
		`rootdn "cn=admin,`+Suffix+`"`,
		"rootpw secret",
		"directory "+filepath.Join(dir, "db"),
		`limits dn.exact="cn=reader,ou=system,`+Suffix+`" size=unlimited size.prtotal=unlimited`,
		"access to attrs=userPassword by anonymous auth by * none",
		"access to * by * read",
		"overlay ppolicy",
	)
	os.WriteFile(conf, []byte(strings.Join(lines, "\n")+"\n"), 0o644)
	seed, err := fixtures.LDAP.ReadFile("ldap/directory.ldif")
	if err != nil {
		t.Fatal(err)
	}
	ldif := filepath.Join(dir, "seed.ldif")
	os.WriteFile(ldif, append(seed, []byte("\n"+extraLDIF)...), 0o644)
	if out, err := exec.Command(filepath.Join(filepath.Dir(bin), "slapadd"), "-f", conf, "-l", ldif).CombinedOutput(); err != nil {
		if out2, err2 := exec.Command(bin, "-T", "add", "-f", conf, "-l", ldif).CombinedOutput(); err2 != nil {
			t.Fatalf("slapadd: %v\n%s\n%s", err, out, out2)
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	url := fmt.Sprintf("ldap://127.0.0.1:%d/", port)
	cmd := exec.Command(bin, "-f", conf, "-h", url, "-d", "0")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &Server{URL: strings.TrimSuffix(url, "/"), dir: dir, cmd: cmd, conf: conf}
	t.Cleanup(s.Stop)
	for i := 0; ; i++ {
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), 100*time.Millisecond)
		if err == nil {
			c.Close()
			break
		}
		if i == 100 {
			t.Fatalf("slapd did not start on %s", url)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return s
}

// Stop kills the server.
func (s *Server) Stop() {
	if s.cmd.Process != nil {
		s.cmd.Process.Kill()
		s.cmd.Wait()
	}
}
