package scim

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/accessrecon/accessrecon/connectors"
	"github.com/accessrecon/accessrecon/connectors/scim/scimtest"
	"github.com/accessrecon/accessrecon/graph"
)

func open(t *testing.T, p *scimtest.Provider, apply bool) connectors.Source {
	t.Helper()
	t.Setenv("TEST_SCIM_TOKEN", scimtest.Token)
	s := &Spec{BaseURL: p.URL, TokenEnv: "TEST_SCIM_TOKEN", System: "kintone", Apply: apply}
	if err := s.Check(connectors.CheckEnv{}); err != nil {
		t.Fatal(err)
	}
	src, err := s.Open(context.Background(), connectors.Env{Name: "kintone", Files: os.DirFS("/")})
	if err != nil {
		t.Fatal(err)
	}
	src.(interface{ self() *Source }).self().sleep = func(context.Context, time.Duration) error { return nil }
	return src
}

func (s *Source) self() *Source { return s }

func pull(t *testing.T, src connectors.Source) (*graph.Snapshot, string, error) {
	t.Helper()
	g := graph.New()
	w := g.Writer()
	d, err := src.Pull(context.Background(), w)
	if err != nil {
		w.Abort()
		return nil, "", err
	}
	w.Commit()
	return g.Snapshot(), d, nil
}

// TestReadsUsersAndGroups: a SCIM server built from elimity-com/scim:
// users by page (the provider's maxResults of 50 caps the page), owners
// from the enterprise extension's employeeNumber, inactive users disabled,
// group memberships as rights, through a nested group with its path; a
// 429 with Retry-After is waited out; the digest does not change when
// nothing does.
func TestReadsUsersAndGroups(t *testing.T) {
	p := scimtest.Start(t)
	var ids []string
	for i := range 120 {
		ids = append(ids, p.User(fmt.Sprintf("user%03d", i), fmt.Sprintf("E%04d", i), i != 7))
	}
	ops := p.Group("運用チーム", ids[0], ids[1])
	p.Group("admins", ids[2], ops)
	p.Throttle.Store(2)
	src := open(t, p, false)
	snap, digest, err := pull(t, src)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(snap.AccountsOf("kintone")); n != 120 {
		t.Fatalf("%d accounts, want 120", n)
	}
	a := snap.Account(graph.AccountKey("kintone", "user007"))
	if a == nil || a.Owner != "E0007" || a.Status != "disabled" || a.Kind != "personal" || a.CreatedAt.String() != "2024-04-01" {
		t.Errorf("user007: %+v", a)
	}
	u0 := snap.Account(graph.AccountKey("kintone", "user000"))
	if g := u0.Grant("group:admins"); g == nil || g.Via != "admins ← 運用チーム" || u0.Grant("group:運用チーム") == nil {
		t.Errorf("user000's grants: %+v", u0.Grants)
	}
	if g := snap.Account(graph.AccountKey("kintone", "user002")).Grant("group:admins"); g == nil || g.Via != "direct" {
		t.Errorf("user002's admins: %+v", g)
	}
	// ServiceProviderConfig, 3 pages of users (50 a page), a page of groups,
	// and the two 429s.
	if got := p.Requests.Load(); got != 1+3+1+2 {
		t.Errorf("%d requests, want 7", got)
	}
	if _, d, _ := pull(t, src); d != digest {
		t.Errorf("the same service read twice: digest %s, then %s", digest, d)
	}
	p.User("user999", "E0999", true)
	if _, d, _ := pull(t, src); d == digest {
		t.Error("a new user did not change the digest")
	}
}

// TestAFailingServiceFailsTheSource: a wrong token, a page that stops
// short, or a wait longer than max_rate_wait: the source fails; nothing is
// planned from part of it.
func TestAFailingServiceFailsTheSource(t *testing.T) {
	p := scimtest.Start(t)
	p.User("a", "E1", true)
	src := open(t, p, false)
	t.Setenv("TEST_SCIM_TOKEN", "wrong")
	s := &Spec{BaseURL: p.URL, TokenEnv: "TEST_SCIM_TOKEN"}
	bad, _ := s.Open(context.Background(), connectors.Env{Name: "kintone", Files: os.DirFS("/")})
	if _, _, err := pull(t, bad); err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("a wrong token: %v", err)
	}
	src.(interface{ self() *Source }).self().maxWait = 500 * time.Millisecond
	p.Throttle.Store(1)
	if _, _, err := pull(t, src); err == nil || !strings.Contains(err.Error(), "max_rate_wait") {
		t.Errorf("a 429 asking for longer than max_rate_wait: %v", err)
	}
}

// TestApplyDeactivatesAndRemovesByPATCH: disable_account PATCHes active to
// false and revoke removes the member from the group, each with If-Match;
// done again, nothing is sent; a right through a nested group is a work
// order; a user name that is a SCIM filter is only a name.
func TestApplyDeactivatesAndRemovesByPATCH(t *testing.T) {
	p := scimtest.Start(t)
	alice := p.User("alice", "E1", true)
	evil := p.User(`x" or userName pr or "`, "E2", true)
	bob := p.User("bob", "E3", true)
	ops := p.Group("ops", alice, evil)
	p.Group("admins", ops, bob)
	src := open(t, p, true)
	r, ok := src.(connectors.Revoker)
	if !ok {
		t.Fatal("a scim source with apply: true is not a revoker")
	}
	ctx := context.Background()
	if err := r.Apply(ctx, connectors.Change{Op: "disable_account", System: "kintone", Account: "alice"}); err != nil {
		t.Fatal(err)
	}
	if err := r.Apply(ctx, connectors.Change{Op: "revoke", System: "kintone", Account: `x" or userName pr or "`, Entitlement: "group:ops", Via: "direct"}); err != nil {
		t.Fatal(err)
	}
	snap, _, err := pull(t, src)
	if err != nil {
		t.Fatal(err)
	}
	if a := snap.Account(graph.AccountKey("kintone", "alice")); a.Status != "disabled" || a.Grant("group:ops") == nil {
		t.Errorf("alice: %+v", a)
	}
	if x := snap.Account(graph.AccountKey("kintone", `x" or userName pr or "`)); x.Grant("group:ops") != nil || x.Grant("group:admins") != nil {
		t.Errorf("the member removed from ops still holds: %+v", x.Grants)
	}
	if b := snap.Account(graph.AccountKey("kintone", "bob")); b.Status != "active" || b.Grant("group:admins") == nil {
		t.Errorf("bob was touched: %+v", b)
	}
	patches := p.Users.Patches.Load() + p.Groups.Patches.Load()
	if patches != 2 {
		t.Errorf("%d PATCHes, want 2", patches)
	}
	// Done already: nothing sent.
	r.Apply(ctx, connectors.Change{Op: "disable_account", System: "kintone", Account: "alice"})
	r.Apply(ctx, connectors.Change{Op: "revoke", System: "kintone", Account: `x" or userName pr or "`, Entitlement: "group:ops", Via: "direct"})
	if n := p.Users.Patches.Load() + p.Groups.Patches.Load(); n != patches {
		t.Errorf("done again: %d more PATCHes", n-patches)
	}
	if err := r.Apply(ctx, connectors.Change{Op: "revoke", System: "kintone", Account: "alice", Entitlement: "group:admins", Via: "admins ← ops"}); err != connectors.ErrByHand {
		t.Errorf("a right through a nested group: %v, want a work order", err)
	}
}

// TestAMemberNeitherUserNorGroupIsCounted: a group member whose id is no
// user and no group the read saw (deleted between pages, or of a resource
// type not read) gives no right; the read warns once how many were skipped,
// naming the first, instead of a line per member or nothing.
func TestAMemberNeitherUserNorGroupIsCounted(t *testing.T) {
	p := scimtest.Start(t)
	u := p.User("user000", "E0000", true)
	p.Group("運用チーム", u, "ghost-1", "ghost-2")
	t.Setenv("TEST_SCIM_TOKEN", scimtest.Token)
	s := &Spec{BaseURL: p.URL, TokenEnv: "TEST_SCIM_TOKEN", System: "kintone"}
	if err := s.Check(connectors.CheckEnv{}); err != nil {
		t.Fatal(err)
	}
	var logged strings.Builder
	src, err := s.Open(context.Background(), connectors.Env{Name: "kintone", Files: os.DirFS("/"), Log: slog.New(slog.NewTextHandler(&logged, nil))})
	if err != nil {
		t.Fatal(err)
	}
	snap, _, err := pull(t, src)
	if err != nil {
		t.Fatal(err)
	}
	if a := snap.Account(graph.AccountKey("kintone", "user000")); a == nil || a.Grant("group:運用チーム") == nil || len(a.Grants) != 1 {
		t.Errorf("user000: %+v", a)
	}
	if n := strings.Count(logged.String(), "neither a user nor a group"); n != 1 || !strings.Contains(logged.String(), "members=2") || !strings.Contains(logged.String(), "運用チーム: ghost-1") {
		t.Errorf("%d warnings, log:\n%s", n, logged.String())
	}
}

// TestAUserRemovedMeanwhileIsNotLost: a user removed while the pages are
// read shifts every later index: read by startIndex, the user after the
// first page would be skipped with the count still agreeing. Read by
// cursor (RFC 9865, where the provider offers it) nobody is; read by
// index, the changed totalResults makes the list read again from the
// start, and nobody is either.
func TestAUserRemovedMeanwhileIsNotLost(t *testing.T) {
	for _, mode := range []string{"auto", "index"} {
		p := scimtest.Start(t)
		p.Cursor = true
		for i := range 120 {
			p.User(fmt.Sprintf("user%03d", i), fmt.Sprintf("E%04d", i), true)
		}
		p.AfterPage = func(page int) {
			if page == 1 {
				p.Users.Delete(nil, "u0001")
			}
		}
		t.Setenv("TEST_SCIM_TOKEN", scimtest.Token)
		s := &Spec{BaseURL: p.URL, TokenEnv: "TEST_SCIM_TOKEN", System: "kintone", Pagination: mode}
		src, err := s.Open(context.Background(), connectors.Env{Name: "kintone", Files: os.DirFS("/")})
		if err != nil {
			t.Fatal(err)
		}
		snap, _, err := pull(t, src)
		if err != nil {
			t.Fatalf("%s: %v", mode, err)
		}
		if snap.AccountOf("kintone", "user050") == nil {
			t.Errorf("%s: user050 was lost when user000 was removed", mode)
		}
		// user001..user119, and user000 when it was read before it went.
		if n := len(snap.AccountsOf("kintone")); n < 119 {
			t.Errorf("%s: %d accounts", mode, n)
		}
	}
}

// TestOAuthClientCredentials: with oauth, the bearer token comes from the
// provider's token endpoint by the client credentials grant and is renewed
// as it expires during a long read; a wrong secret fails the source with
// the endpoint's error, never the secret.
func TestOAuthClientCredentials(t *testing.T) {
	p := scimtest.Start(t)
	for i := range 120 {
		p.User(fmt.Sprintf("user%03d", i), fmt.Sprintf("E%04d", i), true)
	}
	tokenURL := p.EnableOAuth("accessrecon", "client-secret-for-tests", 30*time.Second)
	t.Setenv("TEST_SCIM_CLIENT_SECRET", "client-secret-for-tests")
	s := &Spec{BaseURL: p.URL, System: "kintone", PageSize: 10,
		OAuth: &OAuth{TokenURL: tokenURL, ClientID: "accessrecon", ClientSecretEnv: "TEST_SCIM_CLIENT_SECRET"}}
	if err := s.Check(connectors.CheckEnv{}); err != nil {
		t.Fatal(err)
	}
	src, err := s.Open(context.Background(), connectors.Env{Name: "kintone", Files: os.DirFS("/")})
	if err != nil {
		t.Fatal(err)
	}
	snap, _, err := pull(t, src)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(snap.AccountsOf("kintone")); n != 120 || p.Unauthorized.Load() != 0 {
		t.Errorf("%d accounts, %d requests refused", n, p.Unauthorized.Load())
	}
	// A token is renewed a minute before it expires: tokens of 30 s are
	// renewed for every request, none is sent stale.
	if p.TokensIssued.Load() < 2 {
		t.Errorf("%d tokens issued", p.TokensIssued.Load())
	}
	t.Setenv("TEST_SCIM_CLIENT_SECRET", "guessed")
	src, _ = s.Open(context.Background(), connectors.Env{Name: "kintone", Files: os.DirFS("/")})
	if _, _, err := pull(t, src); err == nil || !strings.Contains(err.Error(), "invalid_client") || strings.Contains(err.Error(), "guessed") {
		t.Errorf("a wrong secret: %v", err)
	}
	if err := (&Spec{BaseURL: p.URL, TokenEnv: "X", OAuth: &OAuth{TokenURL: tokenURL, ClientID: "a"}}).Check(connectors.CheckEnv{}); err == nil {
		t.Error("oauth and token_env together were taken")
	}
}
