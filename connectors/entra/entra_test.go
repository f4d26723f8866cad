package entra

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"log/slog"
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/accessrecon/accessrecon/config"
	"github.com/accessrecon/accessrecon/connectors"
	"github.com/accessrecon/accessrecon/connectors/entra/graphfake"
	"github.com/accessrecon/accessrecon/graph"
	"github.com/accessrecon/accessrecon/input"
)

func start(t *testing.T) *graphfake.Server {
	t.Helper()
	f := graphfake.New(graphfake.TenantID, graphfake.ClientID, graphfake.Secret)
	t.Cleanup(f.Close)
	f.LoadDemo()
	return f
}

func spec(f *graphfake.Server, dir string) *Spec {
	os.WriteFile(filepath.Join(dir, "owners.csv"), []byte("user,employee_id\nvendor_partner.example#EXT#@example.co.jp,E1009\n"), 0o644)
	return &Spec{TenantID: graphfake.TenantID, ClientID: graphfake.ClientID, ClientSecretEnv: "TEST_ENTRA_SECRET",
		Authority: f.Authority(), GraphURL: f.GraphURL(), System: "m365", Owners: input.NewPath("owners.csv", dir),
		Apps: []App{{App: graphfake.PortalApp, System: "takuso-portal"}}, OnPremisesSystem: "ad"}
}

func open(t *testing.T, s *Spec) connectors.Source { return openTB(t, s) }

func openTB(t testing.TB, s *Spec) connectors.Source {
	t.Helper()
	t.Setenv("TEST_ENTRA_SECRET", graphfake.Secret)
	if err := s.Check(connectors.CheckEnv{}); err != nil {
		t.Fatal(err)
	}
	src, err := s.Open(context.Background(), connectors.Env{Name: "entra", Files: config.OSFiles{}})
	if err != nil {
		t.Fatal(err)
	}
	self(src).sleep = func(context.Context, time.Duration) error { return nil }
	return src
}

func self(src connectors.Source) *Source {
	switch s := src.(type) {
	case *Source:
		return s
	case *Changer:
		return s.Source
	}
	panic("not an entra source")
}

func pull(t *testing.T, src connectors.Source) (*graph.Snapshot, string, error) {
	return pullTB(t, src)
}

func pullTB(t testing.TB, src connectors.Source) (*graph.Snapshot, string, error) {
	t.Helper()
	g := graph.New()
	w := g.Writer()
	w.AddCompany(&graph.Company{ID: "NW", Name: "送配電"})
	if err := w.AddSystem(&graph.System{ID: "takuso-portal", Name: "託送ポータル", ConfidentialTo: []string{"NW"},
		Entitlements: []graph.Entitlement{{ID: "reader"}, {ID: "admin"}}}); err != nil {
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

func grantsOf(snap *graph.Snapshot, system, account string) []string {
	a := snap.Account(graph.AccountKey(system, account))
	if a == nil {
		return nil
	}
	var out []string
	for _, g := range a.Grants {
		s := g.Entitlement
		if g.Via != "" {
			s += " via " + g.Via
		}
		out = append(out, s)
	}
	return out
}

// TestPullReadsTheTenant: users with their owners, kinds, status, password
// age, last sign-in, MFA and on-premises origin; group rights through
// nested groups with the path; an NW-confidential app's role on its own
// system through a nested Microsoft 365 group; an unmapped app's role and
// directory roles (active, eligible) on the tenant's system. Every page is
// two objects and every fifth request is throttled: everything is still
// read, with no request the fake refuses.
func TestPullReadsTheTenant(t *testing.T) {
	f := start(t)
	f.MaxPage, f.ThrottleEvery = 2, 5
	src := open(t, spec(f, t.TempDir()))
	snap, digest, err := pull(t, src)
	if err != nil {
		t.Fatal(err)
	}
	if v := f.Violations(); len(v) > 0 {
		t.Fatalf("requests the fake refused: %v", v)
	}
	hd := snap.Account(graph.AccountKey("takuso-portal", "takahashi@example.co.jp"))
	if hd == nil || hd.Owner != "E1003" || hd.Grant("reader") == nil || hd.Grant("reader").Via != "NW-託送ポータル利用者 ← HD-IT プロジェクト" {
		t.Fatalf("E1003's reader role on the portal through the nested group: %+v %v", hd, grantsOf(snap, "takuso-portal", "takahashi@example.co.jp"))
	}
	if got := grantsOf(snap, "takuso-portal", "sato@example.co.jp"); !slices.Equal(got, []string{"reader via NW-託送ポータル利用者"}) {
		t.Errorf("E1001's portal rights: %v", got)
	}
	want := map[string][]string{
		"takahashi@example.co.jp": {"group:HD-IT プロジェクト", "group:NW-託送ポータル利用者 via HD-IT プロジェクト", "group:全社員"},
		"suzuki@example.co.jp":    {"app:Slack/default", "eligible:User Administrator", "group:全社員"},
		"kobayashi@example.co.jp": {"group:HD-IT プロジェクト", "group:NW-託送ポータル利用者 via HD-IT プロジェクト", "group:全社員", "role:Global Administrator"},
	}
	for upn, w := range want {
		if got := grantsOf(snap, "m365", upn); !slices.Equal(got, w) {
			t.Errorf("%s on the tenant: %v, want %v", upn, got, w)
		}
	}
	acct := func(upn string) *graph.Account { return snap.Account(graph.AccountKey("m365", upn)) }
	if a := acct("tanaka@example.co.jp"); a.SyncedFrom != "ad/u1004" {
		t.Errorf("a synced user names its AD account: %q", a.SyncedFrom)
	}
	if a := acct("ito@example.co.jp"); a.Status != "disabled" {
		t.Errorf("a disabled user: %s", a.Status)
	}
	if a := acct("watanabe@example.co.jp"); a.LastSignIn != graph.NeverSignedIn || a.CreatedAt.String() != "2025-01-06" {
		t.Errorf("a user who never signed in: %v %v", a.LastSignIn, a.CreatedAt)
	}
	if a := acct("yamamoto@example.co.jp"); a.PasswordSetAt.String() != "2017-05-01" || a.LastSignIn.String() != "2026-11-20" || a.MFA != graph.MFAOn {
		t.Errorf("password age, sign-in and MFA: %v %v %q", a.PasswordSetAt, a.LastSignIn, a.MFA)
	}
	if a := acct("vendor_partner.example#EXT#@example.co.jp"); a.Kind != "outside" || a.Owner != "E1009" || a.MFA != graph.MFAOff {
		t.Errorf("a guest is an outside collaborator owned by their sponsor: %+v", a)
	}
	if g := acct("takahashi@example.co.jp").Grant("eligible:User Administrator"); g != nil {
		t.Error("eligibility given to the wrong user")
	}
	if g := acct("suzuki@example.co.jp").Grant("eligible:User Administrator"); g.Origin != "emergency" {
		t.Errorf("an eligible role is held only when activated: origin %q", g.Origin)
	}
	// The same tenant read again gives the same digest.
	if _, d2, err := pull(t, src); err != nil || d2 != digest {
		t.Errorf("digest changed without a change: %v", err)
	}
}

// TestAPullThatFailsPlansNothing: a refused token and a page Graph fails
// fail the source; nothing is written.
func TestAPullThatFailsPlansNothing(t *testing.T) {
	f := start(t)
	s := spec(f, t.TempDir())
	src := open(t, s)
	f.Secret = "rotated"
	if _, _, err := pull(t, src); err == nil || !strings.Contains(err.Error(), "AADSTS7000215") || strings.Contains(err.Error(), graphfake.Secret) {
		t.Errorf("a refused secret: %v", err)
	}
	f.Secret = graphfake.Secret
	f.ThrottleEvery, f.RetryAfter = 1, 600
	if _, _, err := pull(t, open(t, s)); err == nil || !strings.Contains(err.Error(), "max_rate_wait") {
		t.Errorf("throttled beyond max_rate_wait: %v", err)
	}
}

// TestCertificateCredentials: a client assertion signed with the
// registered certificate's key gets tokens; a key of another certificate
// does not.
func TestCertificateCredentials(t *testing.T) {
	f := start(t)
	dir := t.TempDir()
	certPEM := func(name string) (*x509.Certificate, string) {
		key, _ := rsa.GenerateKey(rand.Reader, 2048)
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "accessrecon"}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
		der, _ := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
		cert, _ := x509.ParseCertificate(der)
		k, _ := x509.MarshalPKCS8PrivateKey(key)
		path := filepath.Join(dir, name)
		os.WriteFile(path, append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: k})...), 0o600)
		return cert, path
	}
	registered, good := certPEM("app.pem")
	_, other := certPEM("other.pem")
	f.Certificate = registered
	s := spec(f, dir)
	s.ClientSecretEnv, s.CertificateFile = "", input.NewPath(good, dir)
	if _, _, err := pull(t, open(t, s)); err != nil {
		t.Fatalf("with the registered certificate: %v", err)
	}
	s.CertificateFile = input.NewPath(other, dir)
	if _, _, err := pull(t, open(t, s)); err == nil || !strings.Contains(err.Error(), "AADSTS700027") {
		t.Errorf("with another certificate: %v", err)
	}
}

// TestTokensAreRenewedBeforeTheyExpire: tokens of one second, a pull of
// several: new tokens are asked for in time, and Graph never sees an
// expired one.
func TestTokensAreRenewedBeforeTheyExpire(t *testing.T) {
	f := start(t)
	f.TokenTTL, f.Delay, f.MaxPage = time.Second, 100*time.Millisecond, 2
	if _, _, err := pull(t, open(t, spec(f, t.TempDir()))); err != nil {
		t.Fatal(err)
	}
	if f.Tokens.Load() < 2 || f.Unauthorized.Load() != 0 {
		t.Errorf("tokens %d, refused for their token %d", f.Tokens.Load(), f.Unauthorized.Load())
	}
}

// TestGroupsThroughTheDeltaLink: with a delta file, the second run reads
// only what changed (a member added, a member removed, a group deleted);
// a delta link Graph refuses, and full_every, read the groups whole.
func TestGroupsThroughTheDeltaLink(t *testing.T) {
	f := start(t)
	dir := t.TempDir()
	s := spec(f, dir)
	s.DeltaFile = input.NewPath("entra-state.json", dir)
	src := open(t, s)
	if _, _, err := pull(t, src); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "entra-state.json")); err != nil {
		t.Fatal("no delta file after a full read")
	}
	f.AddMember("g-portal", "u-e1007")
	f.AddMember("g-hdit", "u-e1006")
	f.DeleteGroup("g-all")
	before := f.Requests.Load()
	snap, _, err := pull(t, src)
	if err != nil {
		t.Fatal(err)
	}
	if got := grantsOf(snap, "takuso-portal", "yamamoto@example.co.jp"); !slices.Equal(got, []string{"reader via NW-託送ポータル利用者"}) {
		t.Errorf("a member added since: %v", got)
	}
	if got := grantsOf(snap, "m365", "watanabe@example.co.jp"); !slices.Equal(got, []string{"group:HD-IT プロジェクト", "group:NW-託送ポータル利用者 via HD-IT プロジェクト"}) {
		t.Errorf("a member added to a nested group, and a group deleted: %v", got)
	}
	delta := f.Requests.Load() - before
	// Remove one through the API: the next delta reads it as @removed.
	ch := &Changer{self(src)}
	if err := ch.Apply(context.Background(), connectors.Change{Op: "revoke", System: "m365", Account: "watanabe@example.co.jp", Entitlement: "group:HD-IT プロジェクト"}); err != nil {
		t.Fatal(err)
	}
	snap, _, err = pull(t, src)
	if err != nil {
		t.Fatal(err)
	}
	if got := grantsOf(snap, "m365", "watanabe@example.co.jp"); len(got) != 0 {
		t.Errorf("a member removed since: %v", got)
	}
	// A delta link Graph no longer knows: read whole, the same result.
	f.DeltaOldest = f.Version() + 1
	before = f.Requests.Load()
	snap2, _, err := pull(t, src)
	if err != nil {
		t.Fatal(err)
	}
	full := f.Requests.Load() - before
	if full <= delta {
		t.Errorf("a full read took %d requests, a delta read %d", full, delta)
	}
	if got := grantsOf(snap2, "takuso-portal", "yamamoto@example.co.jp"); !slices.Equal(got, []string{"reader via NW-託送ポータル利用者"}) {
		t.Errorf("after a full read: %v", got)
	}
	// full_every: an old full read is not trusted.
	self(src).now = func() time.Time { return time.Now().Add(8 * 24 * time.Hour) }
	before = f.Requests.Load()
	if _, _, err := pull(t, src); err != nil {
		t.Fatal(err)
	}
	if n := f.Requests.Load() - before; n != full-1 {
		t.Errorf("full_every: %d requests; a full read after a refused delta link is %d", n, full)
	}
}

// TestApply: the HD employee's portal role through the nested Microsoft
// 365 group: only their membership of that group goes; a cloud user is
// disabled, a synced one is a work order for AD; directory roles and an
// eligible assignment are removed; Slack's role assigned to the user
// goes; a dynamic group and what is already done.
func TestApply(t *testing.T) {
	f := start(t)
	s := spec(f, t.TempDir())
	s.Apply = true
	src := open(t, s)
	snap, _, err := pull(t, src)
	if err != nil {
		t.Fatal(err)
	}
	ch := src.(connectors.Revoker)
	via := snap.Account(graph.AccountKey("takuso-portal", "takahashi@example.co.jp")).Grant("reader").Via
	steps := []struct {
		change connectors.Change
		write  string // "" when nothing is written; "by hand" for a work order
	}{
		{connectors.Change{Op: "revoke", System: "takuso-portal", Account: "takahashi@example.co.jp", Entitlement: "reader", Via: via}, "DELETE /groups/g-hdit/members/u-e1003"},
		{connectors.Change{Op: "revoke", System: "takuso-portal", Account: "takahashi@example.co.jp", Entitlement: "reader", Via: via}, ""},
		{connectors.Change{Op: "disable_account", System: "m365", Account: "watanabe@example.co.jp"}, "PATCH /users/u-e1006 accountEnabled=false"},
		{connectors.Change{Op: "disable_account", System: "m365", Account: "tanaka@example.co.jp"}, "by hand"},
		{connectors.Change{Op: "revoke", System: "m365", Account: "kobayashi@example.co.jp", Entitlement: "role:Global Administrator"}, "DELETE /roleManagement/directory/roleAssignments/ra-1"},
		{connectors.Change{Op: "revoke", System: "m365", Account: "suzuki@example.co.jp", Entitlement: "eligible:User Administrator"}, "POST roleEligibilityScheduleRequests adminRemove u-e1002 fe930be7-5e62-47db-91af-98c3a49a38b1"},
		{connectors.Change{Op: "revoke", System: "m365", Account: "suzuki@example.co.jp", Entitlement: "eligible:User Administrator"}, ""},
		{connectors.Change{Op: "revoke", System: "m365", Account: "suzuki@example.co.jp", Entitlement: "app:Slack/default"}, "DELETE /servicePrincipals/sp-slack/appRoleAssignedTo/as-slack-1"},
		{connectors.Change{Op: "revoke", System: "m365", Account: "suzuki@example.co.jp", Entitlement: "group:全社員"}, "by hand"},
		{connectors.Change{Op: "revoke", System: "m365", Account: "sato@example.co.jp", Entitlement: "group:NW-託送ポータル利用者", Via: "A; B"}, "by hand"},
		// A path that no longer holds (佐藤 is in the portal's group directly, not through HD-IT):
		// not guessed at.
		{connectors.Change{Op: "revoke", System: "takuso-portal", Account: "sato@example.co.jp", Entitlement: "reader", Via: via}, "by hand"},
		{connectors.Change{Op: "disable_account", System: "m365", Account: "gone@example.co.jp"}, ""},
	}
	for _, st := range steps {
		before := len(f.Writes())
		err := ch.Apply(context.Background(), st.change)
		writes := f.Writes()[before:]
		switch {
		case st.write == "by hand":
			if !errors.Is(err, connectors.ErrByHand) || len(writes) != 0 {
				t.Errorf("%+v: want a work order, got %v %v", st.change, err, writes)
			}
		case err != nil:
			t.Errorf("%+v: %v", st.change, err)
		case st.write == "" && len(writes) != 0, st.write != "" && !slices.Equal(writes, []string{st.write}):
			t.Errorf("%+v: wrote %v, want %q", st.change, writes, st.write)
		}
	}
	// Nothing else changed: E1009 is still in the Microsoft 365 group, the
	// portal's assignment to its group stands.
	snap, _, err = pull(t, src)
	if err != nil {
		t.Fatal(err)
	}
	if got := grantsOf(snap, "takuso-portal", "kobayashi@example.co.jp"); len(got) != 1 {
		t.Errorf("another member of the group lost the role: %v", got)
	}
	if got := grantsOf(snap, "takuso-portal", "takahashi@example.co.jp"); len(got) != 0 {
		t.Errorf("the HD employee still holds: %v", got)
	}
	if v := f.Violations(); len(v) > 0 {
		t.Errorf("requests the fake refused: %v", v)
	}
}

// TestWhatGivesNoRightIsCountedNotDropped: a device in a group and an app
// role assigned to a service principal give no right to a person; the read
// says how many of each kind it skipped and names the first.
func TestWhatGivesNoRightIsCountedNotDropped(t *testing.T) {
	f := start(t)
	f.AddMember("g-portal", "d-laptop01")
	var log bytes.Buffer
	s := spec(f, t.TempDir())
	t.Setenv("TEST_ENTRA_SECRET", graphfake.Secret)
	src, err := s.Open(context.Background(), connectors.Env{Name: "entra", Files: config.OSFiles{}, Log: slog.New(slog.NewTextHandler(&log, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := pull(t, src); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(log.String(), "by_kind=map[device:1]") || !strings.Contains(log.String(), "device NW-託送ポータル利用者: d-laptop01") {
		t.Errorf("the skipped device is not reported:\n%s", log.String())
	}
}
