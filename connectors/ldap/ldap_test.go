package ldap

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/accessrecon/accessrecon/connectors"
	"github.com/accessrecon/accessrecon/connectors/ldap/slapdtest"
	"github.com/accessrecon/accessrecon/fixtures"
	"github.com/accessrecon/accessrecon/graph"
	goldap "github.com/go-ldap/ldap/v3"
)

func testConfig(url string) Config {
	return Config{
		URL: url, BindDN: "cn=reader,ou=system," + slapdtest.Suffix, Password: "readerpw", PageSize: 2,
		AccountBase: "ou=people," + slapdtest.Suffix, GroupBase: "ou=groups," + slapdtest.Suffix, KindAttr: "employeeType",
		Mappings: []Mapping{
			{Pattern: "app-{system}-{entitlement}"},
			{DN: "cn=legacy-admins,ou=groups," + slapdtest.Suffix, System: "portal", Entitlement: "admin"},
		},
	}
}

// adminSource is a slapd seeded with the fixture and a source bound as its
// administrator, able to make changes.
func adminSource(t *testing.T) (*slapdtest.Server, Config, *Source) {
	t.Helper()
	d := slapdtest.Start(t, "")
	cfg := testConfig(d.URL)
	cfg.BindDN, cfg.Password = "cn=admin,"+slapdtest.Suffix, "secret"
	src, err := New("corp", cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	return d, cfg, src
}

func pullDir(t *testing.T, cfg Config) (*graph.Snapshot, error) {
	t.Helper()
	return pullWith(t, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
}

// pullLogged pulls (a failed pull fails the test) and returns what the
// source logged.
func pullLogged(t *testing.T, cfg Config) (*graph.Snapshot, string) {
	t.Helper()
	var logs strings.Builder
	snap, err := pullWith(t, cfg, slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	return snap, logs.String()
}

func pullWith(t *testing.T, cfg Config, log *slog.Logger) (*graph.Snapshot, error) {
	t.Helper()
	src, err := New("corp", cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	g := graph.New()
	w := g.Writer()
	if _, err := src.Pull(context.Background(), w); err != nil {
		w.Abort()
		return g.Snapshot(), err
	}
	w.Commit()
	return g.Snapshot(), nil
}

func grantsOf(s *graph.Snapshot, system, id string) string {
	var out []string
	for _, g := range s.GrantsOf(graph.AccountKey(system, id)) {
		out = append(out, g.Entitlement+"/"+g.Origin)
	}
	return strings.Join(out, " ")
}

func TestPullMapsAccountsAndAllThreeGroupKinds(t *testing.T) {
	d := slapdtest.Start(t, "")
	snap, err := pullDir(t, testConfig(d.URL))
	if err != nil {
		t.Fatal(err)
	}
	// Accounts, paged two at a time.
	for id, want := range map[string]string{"alice": "E1001 personal active", "carol": " personal active", "opsshared": " shared active", "dave": "E1004 personal disabled", `evil*()\`: "E1003 personal active"} {
		a := snap.Account(graph.AccountKey("ldap:corp", id))
		if a == nil || fmt.Sprintf("%s %s %s", a.Owner, a.Kind, a.Status) != want {
			t.Errorf("%s: %+v, want %s", id, a, want)
		}
	}
	for _, tt := range []struct{ system, id, want string }{
		{"takuso", "alice", "viewer/role"},          // groupOfNames, mapped by pattern
		{"takuso", `evil*()\`, "viewer/role"},       // a member DN with escaped characters
		{"portal", "bob", "user/role"},              // groupOfUniqueNames
		{"portal", "alice", "admin/role"},           // mapped by DN
		{"ldap:corp", "carol", "group:ops/request"}, // posixGroup, unmapped: a right on the directory itself
		{"ldap:corp", "opsshared", "group:ops/request"},
	} {
		if got := grantsOf(snap, tt.system, tt.id); got != tt.want {
			t.Errorf("%s on %s: %q, want %q", tt.id, tt.system, got, tt.want)
		}
	}
}

// TestMFAFromAnAttribute: with account_search.mfa set, an account whose
// attribute says TRUE has MFA on, one without it has MFA off; without the
// setting MFA is not known.
func TestMFAFromAnAttribute(t *testing.T) {
	d := slapdtest.Start(t, "")
	cfg := testConfig(d.URL)
	snap, err := pullDir(t, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if a := snap.Account(graph.AccountKey("ldap:corp", "alice")); a == nil || a.MFA != "" {
		t.Errorf("without the setting: %+v", a)
	}
	cfg.MFAAttr = "businessCategory"
	if snap, err = pullDir(t, cfg); err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string]string{"alice": graph.MFAOn, "bob": graph.MFAOff} {
		if a := snap.Account(graph.AccountKey("ldap:corp", id)); a == nil || a.MFA != want {
			t.Errorf("%s: %+v, want MFA %s", id, a, want)
		}
	}
}

func TestPullFailsClosed(t *testing.T) {
	d := slapdtest.Start(t, "")
	t.Run("wrong password", func(t *testing.T) {
		cfg := testConfig(d.URL)
		cfg.Password = "not-the-password"
		_, err := pullDir(t, cfg)
		if err == nil || !strings.Contains(err.Error(), "bind as cn=reader") || !strings.Contains(err.Error(), "Invalid Credentials") || strings.Contains(err.Error(), "not-the-password") {
			t.Fatalf("%v", err)
		}
	})
	t.Run("size limit exceeded", func(t *testing.T) {
		var extra strings.Builder
		for i := range 60 {
			fmt.Fprintf(&extra, "dn: uid=u%03d,ou=people,%s\nobjectClass: inetOrgPerson\nuid: u%03d\ncn: u\nsn: u\n\n", i, slapdtest.Suffix, i)
		}
		d2 := slapdtest.Start(t, extra.String())
		cfg := testConfig(d2.URL)
		cfg.BindDN, cfg.Password, cfg.PageSize = "cn=limited,ou=system,"+slapdtest.Suffix, "limitedpw", 20
		snap, err := pullDir(t, cfg)
		if err == nil || !strings.Contains(err.Error(), "size limit") || !strings.Contains(err.Error(), `limits dn.exact="cn=limited,ou=system,dc=example,dc=jp"`) {
			t.Fatalf("%v", err)
		}
		if n := len(snap.AccountsOf("ldap:corp")); n != 0 {
			t.Errorf("a failed pull left %d accounts", n)
		}
		// The reader, whose limit is raised, pages through all of them.
		cfg = testConfig(d2.URL)
		cfg.PageSize = 20
		snap, err = pullDir(t, cfg)
		if err != nil || len(snap.AccountsOf("ldap:corp")) != 66 {
			t.Fatalf("%v, %d accounts, want 66", err, len(snap.AccountsOf("ldap:corp")))
		}
	})
	t.Run("server down", func(t *testing.T) {
		d3 := slapdtest.Start(t, "")
		d3.Stop()
		_, err := pullDir(t, testConfig(d3.URL))
		if err == nil || !strings.Contains(err.Error(), "source failed") {
			t.Fatalf("%v", err)
		}
	})
}

func members(t *testing.T, url, group, attr string) []string {
	t.Helper()
	conn, err := goldap.DialURL(url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.Bind("cn=admin,"+slapdtest.Suffix, "secret")
	res, err := conn.Search(goldap.NewSearchRequest("cn="+group+",ou=groups,"+slapdtest.Suffix, goldap.ScopeBaseObject, goldap.NeverDerefAliases, 0, 0, false, "(objectClass=*)", []string{attr}, nil))
	if err != nil {
		t.Fatal(err)
	}
	return res.Entries[0].GetAttributeValues(attr)
}

func TestRevokeAndDisableAgainstSlapd(t *testing.T) {
	d, cfg, src := adminSource(t)
	ctx := context.Background()
	for _, c := range []connectors.Change{
		{Op: "revoke", System: "takuso", Account: `evil*()\`, Entitlement: "viewer"},
		{Op: "revoke", System: "takuso", Account: `evil*()\`, Entitlement: "viewer"}, // twice: already gone
		{Op: "revoke", System: "portal", Account: "carol", Entitlement: "user"},
		{Op: "revoke", System: "ldap:corp", Account: "opsshared", Entitlement: "group:ops"},
		{Op: "revoke", System: "portal", Account: "*", Entitlement: "user"}, // a wildcard id matches no one
		{Op: "disable_account", System: "ldap:corp", Account: "bob"},
		{Op: "disable_account", System: "ldap:corp", Account: "bob"},
	} {
		if err := src.Apply(ctx, c); err != nil {
			t.Fatalf("%+v: %v", c, err)
		}
	}
	if got := strings.Join(members(t, d.URL, "app-takuso-viewer", "member"), ";"); strings.Contains(got, "evil") || !strings.Contains(got, "uid=alice") || !strings.Contains(got, "uid=bob") {
		t.Errorf("app-takuso-viewer members: %s", got)
	}
	if got := members(t, d.URL, "app-portal-user", "uniqueMember"); len(got) != 1 {
		t.Errorf("app-portal-user: %v", got)
	}
	if got := strings.Join(members(t, d.URL, "ops", "memberUid"), ","); got != "carol,alice" {
		t.Errorf("ops: %s", got)
	}
	snap, err := pullDir(t, testConfig(d.URL))
	if err != nil {
		t.Fatal(err)
	}
	if a := snap.Account(graph.AccountKey("ldap:corp", "bob")); a == nil || a.Status != "disabled" {
		t.Errorf("bob after disable: %+v", a)
	}

	// The move method puts the entry in the disabled OU, once.
	cfg.DisableMethod, cfg.DisabledOU = "move", "ou=disabled,"+slapdtest.Suffix
	mover, _ := New("corp", cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	for range 2 {
		if err := mover.Apply(ctx, connectors.Change{Op: "disable_account", System: "ldap:corp", Account: "carol"}); err != nil {
			t.Fatal(err)
		}
	}
	snap, _ = pullDir(t, testConfig(d.URL))
	if snap.Account(graph.AccountKey("ldap:corp", "carol")) != nil {
		t.Error("carol is still under ou=people")
	}
}

// TestLDIFSourceReadsTheSameDirectory: the fixture the server was seeded
// with, read offline, gives the same rights.
func TestLDIFSourceReadsTheSameDirectory(t *testing.T) {
	src, err := NewLDIF("corp", Config{AccountBase: "ou=people," + slapdtest.Suffix, GroupBase: "ou=groups," + slapdtest.Suffix, KindAttr: "employeeType",
		Mappings: testConfig("").Mappings}, fixtures.LDAP, "ldap/directory.ldif", slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	g := graph.New()
	w := g.Writer()
	if _, err := src.Pull(context.Background(), w); err != nil {
		t.Fatal(err)
	}
	w.Commit()
	snap := g.Snapshot()
	for _, tt := range []struct{ system, id, want string }{
		{"takuso", `evil*()\`, "viewer/role"}, {"portal", "bob", "user/role"}, {"portal", "alice", "admin/role"}, {"ldap:corp", "carol", "group:ops/request"},
	} {
		if got := grantsOf(snap, tt.system, tt.id); got != tt.want {
			t.Errorf("%s on %s: %q, want %q", tt.id, tt.system, got, tt.want)
		}
	}
	if a := snap.Account(graph.AccountKey("ldap:corp", "dave")); a == nil || a.Status != "disabled" {
		t.Errorf("dave: %+v", a)
	}
}

// testCA writes a CA and a server certificate for 127.0.0.1 signed by it.
func testCA(t *testing.T) (caFile, certFile, keyFile string) {
	t.Helper()
	dir := t.TempDir()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "accessrecon test CA"}, NotBefore: time.Now().Add(-time.Hour),
		NotAfter: time.Now().Add(24 * time.Hour), IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	key, _ := rsa.GenerateKey(rand.Reader, 2048)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "127.0.0.1"}, NotBefore: time.Now().Add(-time.Hour),
		NotAfter: time.Now().Add(24 * time.Hour), IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caFile, certFile, keyFile = filepath.Join(dir, "ca.pem"), filepath.Join(dir, "server.pem"), filepath.Join(dir, "server.key")
	os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}), 0o644)
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}), 0o600)
	return caFile, certFile, keyFile
}

func TestStartTLSWithATestCA(t *testing.T) {
	caFile, certFile, keyFile := testCA(t)
	d := slapdtest.Start(t, "", "TLSCACertificateFile "+caFile, "TLSCertificateFile "+certFile, "TLSCertificateKeyFile "+keyFile)
	cfg := testConfig(d.URL)
	cfg.StartTLS, cfg.CAFile = true, caFile
	snap, err := pullDir(t, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if snap.Account(graph.AccountKey("ldap:corp", "alice")) == nil {
		t.Error("nothing pulled over StartTLS")
	}
	cfg.CAFile = ""
	if _, err := pullDir(t, cfg); err == nil || !strings.Contains(err.Error(), "StartTLS") || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("a server the system roots do not know: %v", err)
	}
}

func TestServerDownMidSearchFailsTheSource(t *testing.T) {
	var extra strings.Builder
	for i := range 30 {
		fmt.Fprintf(&extra, "dn: uid=m%03d,ou=people,%s\nobjectClass: inetOrgPerson\nuid: m%03d\ncn: m\nsn: m\n\n", i, slapdtest.Suffix, i)
	}
	d := slapdtest.Start(t, extra.String())
	src, err := New("corp", testConfig(d.URL), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	var pages atomic.Int32
	var once sync.Once
	src.afterPage = func() {
		if pages.Add(1) >= 2 {
			once.Do(d.Stop) // the server goes away after the second page
		}
	}
	g := graph.New()
	w := g.Writer()
	_, err = src.Pull(context.Background(), w)
	if err == nil || !strings.Contains(err.Error(), "source failed") {
		t.Fatalf("pull over a server that died: %v", err)
	}
	w.Abort()
	if n := len(g.Snapshot().AccountsOf("ldap:corp")); n != 0 {
		t.Errorf("%d accounts of a failed pull reached the graph", n)
	}
}

// TestApplyLeavesNoGoroutineBehind: each change opens and closes its own
// connection; a long apply (one context for hundreds of actions) must not
// keep a goroutine per action waiting for that context to end.
func TestApplyLeavesNoGoroutineBehind(t *testing.T) {
	_, _, src := adminSource(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	apply := func() {
		if err := src.Apply(ctx, connectors.Change{Op: "revoke", System: "takuso", Account: "nobody", Entitlement: "viewer"}); err != nil {
			t.Fatal(err)
		}
	}
	apply() // warm up what go-ldap starts once
	before := runtime.NumGoroutine()
	const n = 40
	for range n {
		apply()
	}
	// go-ldap's reader goroutines end shortly after Close.
	after := runtime.NumGoroutine()
	for deadline := time.Now().Add(5 * time.Second); after > before+5 && time.Now().Before(deadline); after = runtime.NumGoroutine() {
		time.Sleep(20 * time.Millisecond)
	}
	if after > before+5 {
		t.Errorf("%d goroutines before %d changes, %d after: a goroutine per change is left waiting", before, n, after)
	}
}

// TestRevokingTheLastMemberOfAGroup: groupOfNames may not be empty. Without
// a placeholder the revoke is left to people (connectors.ErrByHand, which
// apply turns into a work order); with one, the placeholder takes the last
// member's place in one change.
func TestRevokingTheLastMemberOfAGroup(t *testing.T) {
	d, cfg, src := adminSource(t)
	last := connectors.Change{Op: "revoke", System: "portal", Account: "alice", Entitlement: "admin"} // legacy-admins: alice alone
	err := src.Apply(context.Background(), last)
	if !errors.Is(err, connectors.ErrByHand) || !strings.Contains(err.Error(), "empty_group_member") {
		t.Fatalf("the last member without a placeholder: %v", err)
	}
	if got := members(t, d.URL, "legacy-admins", "member"); len(got) != 1 {
		t.Fatalf("legacy-admins changed: %v", got)
	}
	cfg.EmptyGroupMember = "cn=nobody," + slapdtest.Suffix
	src, _ = New("corp", cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	for range 2 { // the second time: already gone
		if err := src.Apply(context.Background(), last); err != nil {
			t.Fatal(err)
		}
	}
	if got := strings.Join(members(t, d.URL, "legacy-admins", "member"), ";"); got != "cn=nobody,"+slapdtest.Suffix {
		t.Errorf("legacy-admins: %s", got)
	}
}

// nestedLDIF adds groups in groups, with a cycle: app-saiene-viewer ←
// eigyo-all (dave) ← eigyo-tokyo (carol) ← eigyo-all again.
const nestedLDIF = `dn: cn=eigyo-all,ou=groups,dc=example,dc=jp
objectClass: groupOfNames
cn: eigyo-all
member: uid=dave,ou=people,dc=example,dc=jp
member: cn=eigyo-tokyo,ou=groups,dc=example,dc=jp

dn: cn=eigyo-tokyo,ou=groups,dc=example,dc=jp
objectClass: groupOfNames
cn: eigyo-tokyo
member: uid=carol,ou=people,dc=example,dc=jp
member: cn=eigyo-all,ou=groups,dc=example,dc=jp

dn: cn=app-saiene-viewer,ou=groups,dc=example,dc=jp
objectClass: groupOfNames
cn: app-saiene-viewer
member: cn=eigyo-all,ou=groups,dc=example,dc=jp
member: uid=carol,ou=people,dc=example,dc=jp
`

// TestNestedGroupsGiveTheirRightsWithThePath: a right reaches the members
// of a group that is a member of the group giving it, at any depth, each
// grant saying the path; a cycle is followed once and reported once; a
// revoke of a right held through nested groups removes the direct
// membership and leaves the rest to people, naming the path.
func TestNestedGroupsGiveTheirRightsWithThePath(t *testing.T) {
	d := slapdtest.Start(t, nestedLDIF)
	cfg := testConfig(d.URL)
	snap, logs := pullLogged(t, cfg)
	via := func(id string) string {
		if a := snap.AccountOf("saiene", id); a != nil {
			if gr := a.Grant("viewer"); gr != nil {
				return "held: " + gr.Via
			}
		}
		return "not held"
	}
	for id, want := range map[string]string{
		"dave":  "held: app-saiene-viewer ← eigyo-all",
		"carol": "held: direct; app-saiene-viewer ← eigyo-all ← eigyo-tokyo",
		"alice": "not held",
	} {
		if got := via(id); got != want {
			t.Errorf("%s: %s, want %s", id, got, want)
		}
	}
	if n := strings.Count(logs, "a cycle of nested groups"); n != 1 {
		t.Errorf("the cycle reported %d times:\n%s", n, logs)
	}
	// The revoke: carol's direct membership goes, the nested one is a work order.
	_, _, admin := adminSource(t)
	admin.cfg.URL = d.URL
	err := admin.Apply(context.Background(), connectors.Change{Op: "revoke", System: "saiene", Account: "carol", Entitlement: "viewer",
		Via: "direct; app-saiene-viewer ← eigyo-all ← eigyo-tokyo"})
	if !errors.Is(err, connectors.ErrByHand) || !strings.Contains(err.Error(), "eigyo-tokyo") {
		t.Fatalf("revoke through nested groups: %v", err)
	}
	snap2, err := pullDir(t, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if a := snap2.AccountOf("saiene", "carol"); a == nil || a.Grant("viewer") == nil || a.Grant("viewer").Via != "app-saiene-viewer ← eigyo-all ← eigyo-tokyo" {
		t.Errorf("after the revoke, carol's right: %+v", a)
	}
}

// TestLDIFSourceAppliesTheSearchFilters: the same filters give the same
// accounts and groups from the server and from the export it was seeded
// with.
func TestLDIFSourceAppliesTheSearchFilters(t *testing.T) {
	d := slapdtest.Start(t, "")
	ids := func(snap *graph.Snapshot) string {
		var out []string
		for _, a := range snap.AccountsOf("ldap:corp") {
			out = append(out, a.ID+":"+grantsOf(snap, "ldap:corp", a.ID))
		}
		slices.Sort(out)
		return strings.Join(out, " ")
	}
	for _, f := range []struct{ accounts, groups string }{
		{"(&(objectClass=inetOrgPerson)(uid=b*))", ""},
		{"(|(uid=*ol)(employeeNumber=E1001))", ""},
		{"(&(objectClass=inetOrgPerson)(!(employeeType=shared)))", "(objectClass=posixGroup)"},
		{"(uid=*a*e*)", "(&(objectClass=posixGroup)(cn=o*))"},
	} {
		cfg := testConfig(d.URL)
		cfg.AccountFilter, cfg.GroupFilter = f.accounts, f.groups
		online, err := pullDir(t, cfg)
		if err != nil {
			t.Fatal(err)
		}
		lcfg := cfg
		lcfg.URL, lcfg.BindDN, lcfg.Password = "", "", ""
		src, err := NewLDIF("corp", lcfg, fixtures.LDAP, "ldap/directory.ldif", slog.New(slog.NewTextHandler(io.Discard, nil)))
		if err != nil {
			t.Fatal(err)
		}
		g := graph.New()
		w := g.Writer()
		if _, err := src.Pull(context.Background(), w); err != nil {
			t.Fatal(err)
		}
		w.Commit()
		if a, b := ids(online), ids(g.Snapshot()); a != b || a == "" {
			t.Errorf("%+v:\nslapd: %s\nLDIF:  %s", f, a, b)
		}
	}
	if _, err := compileFilter("(member:1.2.840.113556.1.4.1941:=cn=x)"); err == nil || !strings.Contains(err.Error(), "not evaluated on an LDIF export") {
		t.Errorf("an in-chain filter on LDIF: %v", err)
	}
}

// TestAnAttributeNoAccountHasIsReported: a misspelt owner attribute makes
// every account ownerless; the pull says so.
func TestAnAttributeNoAccountHasIsReported(t *testing.T) {
	d := slapdtest.Start(t, "")
	cfg := testConfig(d.URL)
	cfg.OwnerAttr = "employeeNumbr"
	_, logs := pullLogged(t, cfg)
	if !strings.Contains(logs, "attribute=employeeNumbr") || !strings.Contains(logs, "setting=owner") {
		t.Errorf("no warning about the owner attribute:\n%s", logs)
	}
	cfg.OwnerAttr = "EMPLOYEENUMBER" // attribute names are case-insensitive
	snap, logs := pullLogged(t, cfg)
	if a := snap.AccountOf("ldap:corp", "alice"); a == nil || a.Owner != "E1001" || strings.Contains(logs, "setting=owner") {
		t.Errorf("owner attribute in capitals: %+v\n%s", a, logs)
	}
}

// TestAliasesAreFollowedWhenTheConfigSaysSo: an alias under the account
// base pointing to an entry elsewhere is an entry without an id (counted)
// unless deref_aliases is set, when the entry it points to is read.
func TestAliasesAreFollowedWhenTheConfigSaysSo(t *testing.T) {
	d := slapdtest.Start(t, `dn: ou=contractors,dc=example,dc=jp
objectClass: organizationalUnit
ou: contractors

dn: uid=zed,ou=contractors,dc=example,dc=jp
objectClass: inetOrgPerson
uid: zed
cn: zed
sn: zed
employeeNumber: E1090

dn: cn=zed-alias,ou=people,dc=example,dc=jp
objectClass: alias
objectClass: extensibleObject
cn: zed-alias
aliasedObjectName: uid=zed,ou=contractors,dc=example,dc=jp
`)
	cfg := testConfig(d.URL)
	cfg.AccountFilter = "(|(objectClass=inetOrgPerson)(objectClass=alias))"
	snap, err := pullDir(t, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if snap.AccountOf("ldap:corp", "zed") != nil {
		t.Error("an alias was followed without deref_aliases")
	}
	cfg.DerefAliases = true
	if snap, err = pullDir(t, cfg); err != nil {
		t.Fatal(err)
	}
	if a := snap.AccountOf("ldap:corp", "zed"); a == nil || a.Owner != "E1090" {
		t.Errorf("with deref_aliases: %+v", a)
	}
}

// TestReferralsAreFollowedOnlyToListedServers: a branch of the people is
// kept on another server, and the first one answers the search with a
// referral to it. Not listed in FollowReferrals, the referral is counted and
// the branch's account is missing (the credentials go nowhere else); listed,
// the branch is searched there with the same bind, and its account arrives.
func TestReferralsAreFollowedOnlyToListedServers(t *testing.T) {
	branch := slapdtest.Start(t, `dn: ou=branch,dc=example,dc=jp
objectClass: organizationalUnit
ou: branch

dn: uid=remote1,ou=branch,dc=example,dc=jp
objectClass: inetOrgPerson
uid: remote1
cn: remote1
sn: remote1
employeeNumber: E1091
`)
	u, err := url.Parse(branch.URL)
	if err != nil {
		t.Fatal(err)
	}
	main := slapdtest.Start(t, fmt.Sprintf(`dn: ou=branch,ou=people,dc=example,dc=jp
objectClass: referral
objectClass: extensibleObject
ou: branch
ref: ldap://%s/ou=branch,dc=example,dc=jp
`, u.Host))
	cfg := testConfig(main.URL)
	snap, logs := pullLogged(t, cfg)
	if snap.AccountOf("ldap:corp", "remote1") != nil {
		t.Fatal("a referral to a server not listed was followed")
	}
	if !strings.Contains(logs, "referrals_not_followed=1") {
		t.Errorf("the referral not followed is not reported:\n%s", logs)
	}
	cfg.FollowReferrals = []string{u.Host}
	snap, err = pullDir(t, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if a := snap.AccountOf("ldap:corp", "remote1"); a == nil || a.Owner != "E1091" {
		t.Errorf("the branch's account through the referral: %+v", a)
	}
	if snap.AccountOf("ldap:corp", "alice") == nil {
		t.Error("the main server's accounts are missing")
	}
	// A referral loop back to the first server ends.
	branch2 := slapdtest.Start(t, fmt.Sprintf(`dn: ou=branch,dc=example,dc=jp
objectClass: referral
objectClass: extensibleObject
ou: branch
ref: %s/ou=people,dc=example,dc=jp
`, main.URL))
	u2, _ := url.Parse(branch2.URL)
	main2 := slapdtest.Start(t, fmt.Sprintf(`dn: ou=branch,ou=people,dc=example,dc=jp
objectClass: referral
objectClass: extensibleObject
ou: branch
ref: ldap://%s/ou=branch,dc=example,dc=jp
`, u2.Host))
	mu, _ := url.Parse(main2.URL)
	cfg = testConfig(main2.URL)
	cfg.FollowReferrals = []string{u2.Host, mu.Host}
	if _, err := pullDir(t, cfg); err != nil {
		t.Errorf("a referral loop: %v", err)
	}
}

// TestTheSameRightThroughTwoGroupsIsOneGrant: two groups giving the same
// right (a DN mapping and a name pattern), one held directly and one through
// a nested group, are one grant listing both ways (not a failed pull).
func TestTheSameRightThroughTwoGroupsIsOneGrant(t *testing.T) {
	d := slapdtest.Start(t, `dn: cn=app-portal-admin,ou=groups,dc=example,dc=jp
objectClass: groupOfNames
cn: app-portal-admin
member: cn=portal-ops,ou=groups,dc=example,dc=jp

dn: cn=portal-ops,ou=groups,dc=example,dc=jp
objectClass: groupOfNames
cn: portal-ops
member: uid=alice,ou=people,dc=example,dc=jp
`)
	snap, err := pullDir(t, testConfig(d.URL))
	if err != nil {
		t.Fatal(err)
	}
	a := snap.AccountOf("portal", "alice")
	if a == nil || a.Grant("admin") == nil {
		t.Fatalf("alice holds no portal/admin: %+v", a)
	}
	if got, want := a.Grant("admin").Via, "direct; app-portal-admin ← portal-ops"; got != want {
		t.Errorf("via %q, want %q", got, want)
	}
}

// TestEntriesWithTheSameIDAreReported: two account entries with the same
// id (in two branches) load the first and say how many were left out.
func TestEntriesWithTheSameIDAreReported(t *testing.T) {
	d := slapdtest.Start(t, `dn: ou=moved,ou=people,dc=example,dc=jp
objectClass: organizationalUnit
ou: moved

dn: uid=bob,ou=moved,ou=people,dc=example,dc=jp
objectClass: inetOrgPerson
uid: bob
cn: bob again
sn: bob
employeeNumber: E9999
`)
	snap, logs := pullLogged(t, testConfig(d.URL))
	if a := snap.AccountOf("ldap:corp", "bob"); a == nil || a.Owner == "E9999" {
		t.Errorf("bob: %+v, want the first entry's", a)
	}
	if !strings.Contains(logs, "same_id_as_an_entry_before=1") {
		t.Errorf("the second bob is not reported:\n%s", logs)
	}
}

// TestAFailedSearchFailsThePull: either search failing (a base that does
// not exist) fails the whole pull with that search's error, however far
// the other one got; the caller then discards what was written.
func TestAFailedSearchFailsThePull(t *testing.T) {
	d := slapdtest.Start(t, "")
	for name, set := range map[string]func(*Config){
		"groups":   func(c *Config) { c.GroupBase = "ou=nowhere," + slapdtest.Suffix },
		"accounts": func(c *Config) { c.AccountBase = "ou=nowhere," + slapdtest.Suffix },
	} {
		t.Run(name, func(t *testing.T) {
			cfg := testConfig(d.URL)
			set(&cfg)
			_, err := pullDir(t, cfg)
			if !errors.Is(err, connectors.ErrSourceFailed) || !strings.Contains(err.Error(), "search ou=nowhere") || !strings.Contains(err.Error(), "No Such Object") {
				t.Fatalf("got %v", err)
			}
		})
	}
}

// TestTheADPresetOnAServerWithoutRanges: a directory configured as Active
// Directory that does not know AD's ranged attributes (here slapd, which
// answers member;range=0-1499 with nothing) still gives its groups'
// members: the source asks for member itself, and says so.
func TestTheADPresetOnAServerWithoutRanges(t *testing.T) {
	d := slapdtest.Start(t, "")
	cfg := testConfig(d.URL)
	cfg.Directory = DirectoryAD
	cfg.AccountFilter, cfg.IDAttr, cfg.OwnerAttr = "(objectClass=inetOrgPerson)", "uid", "employeeNumber"
	cfg.GroupFilter = "(|(objectClass=groupOfNames)(objectClass=groupOfUniqueNames)(objectClass=posixGroup))"
	cfg.DisabledAttr = "pwdAccountLockedTime"
	snap, logs := pullLogged(t, cfg)
	if got := grantsOf(snap, "portal", "alice"); got != "admin/role" {
		t.Errorf("alice on portal: %q, want admin/role through legacy-admins' member", got)
	}
	if !strings.Contains(logs, "asking for member") {
		t.Errorf("the fallback is not logged:\n%s", logs)
	}
}
