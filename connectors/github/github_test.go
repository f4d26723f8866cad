package github

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log/slog"
	neturl "net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/accessrecon/accessrecon/connectors"
	"github.com/accessrecon/accessrecon/connectors/github/githubfake"
	"github.com/accessrecon/accessrecon/graph"
)

type sleeps struct{ d []time.Duration }

// realTime makes the source really wait (go-github itself refuses calls
// until a secondary limit's Retry-After has passed), still recording waits.
func (sl *sleeps) realTime(s *Source) {
	s.sleep = func(ctx context.Context, d time.Duration) error {
		sl.d = append(sl.d, d)
		return connectors.Sleep(ctx, d)
	}
}

func source(t testing.TB, f *githubfake.Server, url string, cfg Config) (*Source, *sleeps) {
	t.Helper()
	cfg.Org, cfg.Token = "seto", "ghp_test_token_never_logged"
	if cfg.BaseURL == "" {
		cfg.BaseURL = url + f.Prefix + "/"
	}
	s, err := New("gh", cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if f.Prefix == "" {
		// github.com's API has no /api/v3 prefix (WithEnterpriseURLs adds one).
		s.client.BaseURL, _ = neturl.Parse(url + "/")
	}
	sl := &sleeps{}
	s.sleep = func(ctx context.Context, d time.Duration) error { sl.d = append(sl.d, d); return ctx.Err() }
	return s, sl
}

func pull(t *testing.T, s *Source) (*graph.Graph, error) {
	t.Helper()
	g := graph.New()
	w := g.Writer()
	_, err := s.Pull(context.Background(), w)
	if err != nil {
		w.Abort()
		return g, err
	}
	w.Commit()
	return g, nil
}

// minimum is the fewest requests GitHub's REST API allows for a full pull
// of the fake's organisation, every list at 100 a page: members by role
// (admins, members); the teams, and each team's maintainers, members and
// repositories; the outside collaborators; the repositories, and each one's
// direct collaborators and pending invitations; the organisation's pending
// invitations; members and outside collaborators with two-factor
// authentication disabled, and with only insecure methods.
func minimum(f *githubfake.Server) int {
	pagesOf := func(n int) int { return max(1, (n+99)/100) }
	count := func(m map[string]string, v string) (n int) {
		for _, x := range m {
			if x == v {
				n++
			}
		}
		return n
	}
	n := pagesOf(count(f.Members, "admin")) + pagesOf(count(f.Members, "member")) + pagesOf(len(f.Teams))
	for slug, t := range f.Teams {
		n += pagesOf(count(t, "maintainer")) + pagesOf(count(t, "member")) + pagesOf(len(f.TeamRepos[slug]))
	}
	n += pagesOf(len(f.Outside)) + pagesOf(len(f.Repos))
	for _, r := range f.Repos {
		n += pagesOf(len(f.Collabs[r])) + pagesOf(len(f.RepoInvitations[r]))
	}
	n += pagesOf(len(f.Invitations))
	for _, set := range []map[string]bool{f.TwoFADisabled, f.TwoFAInsecure} {
		members, outside := 0, 0
		for l := range set {
			if f.Outside[l] {
				outside++
			} else {
				members++
			}
		}
		n += pagesOf(members) + pagesOf(outside)
	}
	return n
}

func TestPullMapsTheOrganisation(t *testing.T) {
	f, srv := githubfake.New(t, "")
	f.Org(250, 3, 4, 2, 2)
	f.Invitations = []githubfake.Invitation{{ID: 77, Login: "newbie"}, {ID: 78, Email: "someone@example.jp"}}
	s, _ := source(t, f, srv.URL, Config{Owners: map[string]string{"user0000": "E1001", "user0001": "E1002"}, ServiceAccounts: []string{"user0002"}})
	g, err := pull(t, s)
	if err != nil {
		t.Fatal(err)
	}
	snap := g.Snapshot()
	a := snap.Account("github:seto/user0000")
	if a == nil || a.Owner != "E1001" || a.Kind != "personal" {
		t.Fatalf("user0000: %+v", a)
	}
	if a := snap.Account("github:seto/user0002"); a == nil || a.Kind != "service" || a.Owner != "" {
		t.Errorf("service account: %+v", a)
	}
	if a := snap.Account("github:seto/user0005"); a == nil || a.Owner != "" {
		t.Errorf("an unmapped member must be ownerless: %+v", a)
	}
	if a := snap.Account("github:seto/someone@example.jp"); a == nil || a.Kind != "invitation" {
		t.Errorf("invitation by e-mail: %+v", a)
	}
	var ents []string
	for _, gr := range snap.GrantsOf("github:seto/user0000") {
		ents = append(ents, gr.Entitlement)
	}
	if strings.Join(ents, " ") != "org:admin team:team-000:maintainer" {
		t.Errorf("user0000's grants: %v", ents)
	}
	var vendor []string
	for _, gr := range snap.GrantsOf("github:seto/vendor001") {
		vendor = append(vendor, gr.Entitlement)
	}
	if strings.Join(vendor, " ") != "repo:repo-001:write" {
		t.Errorf("outside collaborator's grants: %v", vendor)
	}
	if a := snap.Account("github:seto/vendor001"); a == nil || a.Kind != KindOutside || a.MFA != graph.MFAOn {
		t.Errorf("outside collaborator: %+v", a)
	}
	if n := len(snap.AccountsOf("github:seto")); n != 250+2+2 {
		t.Errorf("%d accounts, want 254", n)
	}
	// The requests: 100 a page, following Link headers, no more than the minimum.
	if want := minimum(f); len(f.Requests) != want {
		t.Errorf("%d requests, the minimum is %d:\n%s", len(f.Requests), want, strings.Join(f.Requests, "\n"))
	}
	for _, r := range f.Requests {
		if !strings.Contains(r, "per_page=100") {
			t.Errorf("a request without per_page=100: %s", r)
		}
	}
	if f.Requests[0] != "GET /orgs/seto/members?per_page=100&role=admin" || f.Requests[2] != "GET /orgs/seto/members?page=2&per_page=100&role=member" {
		t.Errorf("member pages: %v", f.Requests[:4])
	}
}

func TestRateLimits(t *testing.T) {
	t.Run("secondary limit 403 with Retry-After is waited out", func(t *testing.T) {
		f, srv := githubfake.New(t, "")
		f.Org(150, 1, 2, 0, 1)
		f.Secondary["/orgs/seto/members?2"] = 1
		s, sl := source(t, f, srv.URL, Config{})
		sl.realTime(s)
		if _, err := pull(t, s); err != nil {
			t.Fatal(err)
		}
		if len(sl.d) != 1 || sl.d[0] != time.Second {
			t.Errorf("waits %v, want one of 1s", sl.d)
		}
	})
	t.Run("429 with Retry-After is waited out", func(t *testing.T) {
		f, srv := githubfake.New(t, "")
		f.Org(10, 1, 2, 0, 1)
		f.TooMany["/orgs/seto/teams?"] = 1
		s, sl := source(t, f, srv.URL, Config{})
		if _, err := pull(t, s); err != nil {
			t.Fatal(err)
		}
		if len(sl.d) != 1 || sl.d[0] != 2*time.Second {
			t.Errorf("waits %v, want one of 2s", sl.d)
		}
	})
	t.Run("a secondary limit that does not lift fails the source", func(t *testing.T) {
		f, srv := githubfake.New(t, "")
		f.Org(10, 1, 2, 0, 1)
		f.Secondary["/orgs/seto/teams?"] = 99
		s, sl := source(t, f, srv.URL, Config{})
		sl.realTime(s)
		_, err := pull(t, s)
		if err == nil || !strings.Contains(err.Error(), "still rate limited after 5 attempts") || len(sl.d) != 4 {
			t.Errorf("%v, waits %v", err, sl.d)
		}
	})
	t.Run("a primary limit resetting later than max_rate_wait fails the source", func(t *testing.T) {
		f, srv := githubfake.New(t, "")
		f.Org(250, 1, 2, 0, 1)
		f.Remaining = 2
		s, _ := source(t, f, srv.URL, Config{MaxRateWait: time.Minute})
		g, err := pull(t, s)
		if err == nil || !strings.Contains(err.Error(), "primary rate limit resets at") || !strings.Contains(err.Error(), "max_rate_wait") {
			t.Fatalf("%v", err)
		}
		if strings.Contains(err.Error(), "ghp_test_token") {
			t.Error("the token appears in an error")
		}
		if n := len(g.Snapshot().AccountsOf("github:seto")); n != 0 {
			t.Errorf("a failed source left %d accounts", n)
		}
	})
}

func TestEnterpriseBaseURL(t *testing.T) {
	f, srv := githubfake.New(t, "/api/v3")
	f.Org(3, 1, 2, 0, 1)
	s, _ := source(t, f, srv.URL, Config{})
	if _, err := pull(t, s); err != nil {
		t.Fatal(err)
	}
	if len(f.Requests) == 0 {
		t.Fatal("no request reached /api/v3")
	}
}

func TestRevokeChangesTheFakeAndIsIdempotent(t *testing.T) {
	f, srv := githubfake.New(t, "")
	f.Org(10, 2, 3, 2, 2)
	f.Invitations = []githubfake.Invitation{{ID: 77, Login: "newbie"}}
	s, sl := source(t, f, srv.URL, Config{WritePause: 500 * time.Millisecond})
	ctx := context.Background()
	changes := []connectors.Change{
		{Op: "revoke", System: "github:seto", Account: "user0000", Entitlement: "team:team-000:maintainer"},
		{Op: "revoke", System: "github:seto", Account: "user0000", Entitlement: "team:team-000:maintainer"}, // already gone: 404
		{Op: "revoke", System: "github:seto", Account: "vendor000", Entitlement: "repo:repo-000:read"},
		{Op: "disable_account", System: "github:seto", Account: "user0003"},
		{Op: "disable_account", System: "github:seto", Account: "vendor001"},
		{Op: "disable_account", System: "github:seto", Account: "newbie"},
		{Op: "disable_account", System: "github:seto", Account: "user0003"}, // already gone
	}
	for _, c := range changes {
		if err := s.Apply(ctx, c); err != nil {
			t.Fatalf("%+v: %v", c, err)
		}
	}
	if _, ok := f.Teams["team-000"]["user0000"]; ok {
		t.Error("user0000 is still in team-000")
	}
	if _, ok := f.Collabs["repo-000"]["vendor000"]; ok {
		t.Error("vendor000 is still a collaborator of repo-000")
	}
	if _, ok := f.Members["user0003"]; ok || f.Outside["vendor001"] || len(f.Invitations) != 0 {
		t.Errorf("members %v outside %v invitations %v", f.Members["user0003"], f.Outside, f.Invitations)
	}
	var writes []string
	for _, r := range f.Requests {
		if !strings.HasPrefix(r, "GET") {
			writes = append(writes, strings.TrimSuffix(r, "?"))
		}
	}
	want := []string{
		"DELETE /orgs/seto/teams/team-000/memberships/user0000",
		"DELETE /orgs/seto/teams/team-000/memberships/user0000",
		"DELETE /repos/seto/repo-000/collaborators/vendor000",
		"DELETE /orgs/seto/members/user0003",
		"DELETE /orgs/seto/members/vendor001",
		"DELETE /orgs/seto/outside_collaborators/vendor001",
		"DELETE /orgs/seto/members/newbie",
		"DELETE /orgs/seto/outside_collaborators/newbie",
		"DELETE /orgs/seto/invitations/77",
		"DELETE /orgs/seto/members/user0003",
		"DELETE /orgs/seto/outside_collaborators/user0003",
	}
	if strings.Join(writes, "\n") != strings.Join(want, "\n") {
		t.Errorf("writes, in order:\n%s\nwant:\n%s", strings.Join(writes, "\n"), strings.Join(want, "\n"))
	}
	pauses := 0
	for _, d := range sl.d {
		if d == 500*time.Millisecond {
			pauses++
		}
	}
	if pauses != 6 {
		t.Errorf("%d pauses after writes that changed something or found it gone, want 6: %v", pauses, sl.d)
	}
}

// BenchmarkPullLargeOrg pulls an organisation of 5,000 members, 300 teams of
// 20 (each giving 5 repositories), 2,000 repositories with 100 outside
// collaborators and 50 pending repository invitations, and reports the
// requests made against the minimum the API allows, and how long the pull
// takes at GitHub's documented secondary-limit pacing for REST reads (at
// most 900 points a minute, a GET costing one).
//
//	go test -run '^$' -bench PullLargeOrg -benchtime 3x ./connectors/github/
func BenchmarkPullLargeOrg(b *testing.B) {
	f, srv := githubfake.New(b, "")
	f.Org(5000, 300, 20, 100, 2000)
	for t := range 300 {
		repos := map[string]string{}
		for r := range 5 {
			repos[f.Repos[(t*5+r)%len(f.Repos)]] = []string{"read", "write", "maintain"}[r%3]
		}
		f.TeamRepos[fmt.Sprintf("team-%03d", t)] = repos
	}
	for i := range 50 {
		repo := f.Repos[i*37%len(f.Repos)]
		f.RepoInvitations[repo] = append(f.RepoInvitations[repo], githubfake.RepoInvitation{ID: int64(1000 + i), Login: fmt.Sprintf("guest%03d", i), Permission: "write"})
	}
	for i := range 40 {
		f.TwoFADisabled[fmt.Sprintf("user%04d", i*97)] = true
	}
	s, _ := source(b, f, srv.URL, Config{})
	want := minimum(f)
	var requests int
	for b.Loop() {
		before := len(f.Log())
		g := graph.New()
		w := g.Writer()
		if _, err := s.Pull(context.Background(), w); err != nil {
			b.Fatal(err)
		}
		w.Commit()
		requests = len(f.Log()) - before
	}
	b.ReportMetric(float64(requests), "requests")
	b.ReportMetric(float64(want), "minimum")
	b.ReportMetric(float64(requests)/float64(want), "ratio")
	b.ReportMetric(float64(requests)/900, "paced-minutes")
}

// appSource is a source of org seto at baseURL signing in as GitHub App 42,
// installation 4242, with a key made for the test.
func appSource(t *testing.T, baseURL string) *Source {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(t.TempDir(), "app.pem")
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}), 0o600)
	client, err := AppClient(42, 4242, keyFile, baseURL)
	if err != nil {
		t.Fatal(err)
	}
	s, err := New("gh", Config{Org: "seto", BaseURL: baseURL, HTTPClient: client}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestGitHubAppAuthentication: a GitHub App source exchanges its signed JWT
// for an installation token first, and every request after carries it.
func TestGitHubAppAuthentication(t *testing.T) {
	f, srv := githubfake.New(t, "/api/v3")
	f.Org(3, 1, 2, 0, 1)
	f.AppToken = "ghs_installation_token"
	s := appSource(t, srv.URL+"/api/v3/")
	g := graph.New()
	w := g.Writer()
	if _, err := s.Pull(context.Background(), w); err != nil {
		t.Fatal(err)
	}
	log := f.Log()
	if log[0] != "POST /app/installations/4242/access_tokens?" {
		t.Fatalf("first request %q, want the installation token exchange", log[0])
	}
	for i, a := range f.Auth[1:] {
		if !strings.Contains(a, "ghs_installation_token") {
			t.Errorf("request %d (%s) authenticated with %q", i+1, log[i+1], a)
		}
	}
}

// TestAppTokensAreRenewedDuringALongPull: installation tokens that expire
// during a pull (here within seconds; GitHub's live an hour) are renewed
// before they expire, and no request goes out with an expired one (the
// fake answers those 401).
func TestAppTokensAreRenewedDuringALongPull(t *testing.T) {
	f, srv := githubfake.New(t, "/api/v3")
	f.Org(30, 3, 4, 2, 3)
	f.AppToken = "ghs_short"
	f.AppTokenTTL = 50 * time.Second // renewed a minute before expiry: every request
	s := appSource(t, srv.URL+"/api/v3/")
	if _, err := pull(t, s); err != nil {
		t.Fatal(err)
	}
	if err := s.Apply(context.Background(), connectors.Change{Op: "revoke", System: "github:seto", Account: "user0001", Entitlement: "org:member"}); err != nil {
		t.Fatal(err)
	}
	if f.TokensIssued < 2 {
		t.Errorf("%d installation tokens issued over a pull and an apply with tokens that expire: not renewed", f.TokensIssued)
	}
}

// TestEveryWayARightIsHeld: a repository right through a team (for each of
// its members, via the team), a member's direct right, both at once, a
// pending repository invitation of someone not yet in the organisation,
// and who has two-factor authentication off.
func TestEveryWayARightIsHeld(t *testing.T) {
	f, srv := githubfake.New(t, "")
	f.Org(6, 1, 3, 1, 2) // team-000: user0000 (maintainer), user0001, user0002; vendor000 on repo-000
	f.TeamRepos["team-000"] = map[string]string{"repo-001": "write"}
	f.Collabs["repo-001"]["user0001"] = "push" // also directly
	f.Collabs["repo-000"]["user0004"] = "admin"
	f.RepoInvitations["repo-000"] = []githubfake.RepoInvitation{{ID: 501, Login: "contractor-x", Permission: "write"}}
	f.TwoFADisabled["user0002"] = true
	f.TwoFADisabled["vendor000"] = true
	f.TwoFAInsecure["user0004"] = true
	s, _ := source(t, f, srv.URL, Config{})
	g, err := pull(t, s)
	if err != nil {
		t.Fatal(err)
	}
	snap := g.Snapshot()
	grant := func(login, ent string) *graph.Grant {
		if a := snap.Account("github:seto/" + login); a != nil {
			return a.Grant(ent)
		}
		return nil
	}
	for _, tt := range []struct{ login, ent, via string }{
		{"user0000", "repo:repo-001:write", "team:team-000"},
		{"user0002", "repo:repo-001:write", "team:team-000"},
		{"user0001", "repo:repo-001:write", "direct, team:team-000"},
		{"user0004", "repo:repo-000:admin", ""},
		{"vendor000", "repo:repo-000:read", ""},
		{"contractor-x", "repo:repo-000:write", "invitation"},
	} {
		if g := grant(tt.login, tt.ent); g == nil || g.Via != tt.via {
			t.Errorf("%s %s: %+v, want via %q", tt.login, tt.ent, g, tt.via)
		}
	}
	// Invited, not yet accepted: an outside collaborator to be (judged as
	// one), two-factor status not known.
	if a := snap.Account("github:seto/contractor-x"); a == nil || a.Kind != KindOutside || a.MFA != "" {
		t.Errorf("invited to a repository: %+v", a)
	}
	for login, want := range map[string]string{"user0000": graph.MFAOn, "user0002": graph.MFAOff, "user0004": graph.MFAOff, "vendor000": graph.MFAOff} {
		if a := snap.Account("github:seto/" + login); a == nil || a.MFA != want {
			t.Errorf("%s: MFA %+v, want %s", login, a, want)
		}
	}
	if want := minimum(f); len(f.Requests) != want {
		t.Errorf("%d requests, the minimum is %d:\n%s", len(f.Requests), want, strings.Join(f.Requests, "\n"))
	}
}

// TestTwoFactorUnknownWithoutAnOwnersToken: a token that may not list 2FA
// status pulls everything else, with MFA not known.
func TestTwoFactorUnknownWithoutAnOwnersToken(t *testing.T) {
	f, srv := githubfake.New(t, "")
	f.Org(4, 1, 2, 0, 1)
	f.NotOwner = true
	s, _ := source(t, f, srv.URL, Config{})
	g, err := pull(t, s)
	if err != nil {
		t.Fatal(err)
	}
	if a := g.Snapshot().Account("github:seto/user0001"); a == nil || a.MFA != "" {
		t.Errorf("MFA without an owner's token: %+v", a)
	}
	f2, srv2 := githubfake.New(t, "/api/v3")
	f2.Org(4, 1, 2, 0, 1)
	f2.NoInsecureFilter = true // an older GitHub Enterprise Server
	f2.TwoFADisabled["user0001"] = true
	s2, _ := source(t, f2, srv2.URL, Config{})
	g2, err := pull(t, s2)
	if err != nil {
		t.Fatal(err)
	}
	if a := g2.Snapshot().Account("github:seto/user0001"); a == nil || a.MFA != graph.MFAOff {
		t.Errorf("2fa_disabled still read where 2fa_insecure is not known: %+v", a)
	}
}

// TestRevokeARepositoryRightThroughItsPaths: a right held through a team
// is revoked by removing the person from the team, or is a work order with
// team_rights: by_hand; through an invitation, by cancelling it; direct and
// through a team, both.
func TestRevokeARepositoryRightThroughItsPaths(t *testing.T) {
	f, srv := githubfake.New(t, "")
	f.Org(6, 1, 3, 0, 2)
	f.TeamRepos["team-000"] = map[string]string{"repo-001": "write"}
	f.Collabs["repo-001"]["user0001"] = "push"
	f.RepoInvitations["repo-000"] = []githubfake.RepoInvitation{{ID: 501, Login: "contractor-x", Permission: "write"}}
	s, _ := source(t, f, srv.URL, Config{})
	ctx := context.Background()
	for _, c := range []connectors.Change{
		{Op: "revoke", System: "github:seto", Account: "user0002", Entitlement: "repo:repo-001:write", Via: "team:team-000"},
		{Op: "revoke", System: "github:seto", Account: "user0001", Entitlement: "repo:repo-001:write", Via: "direct, team:team-000"},
		{Op: "revoke", System: "github:seto", Account: "contractor-x", Entitlement: "repo:repo-000:write", Via: "invitation"},
	} {
		if err := s.Apply(ctx, c); err != nil {
			t.Fatalf("%+v: %v", c, err)
		}
	}
	if _, ok := f.Teams["team-000"]["user0002"]; ok {
		t.Error("user0002 is still in team-000")
	}
	if _, ok := f.Teams["team-000"]["user0001"]; ok {
		t.Error("user0001 is still in team-000")
	}
	if _, ok := f.Collabs["repo-001"]["user0001"]; ok {
		t.Error("user0001 is still a direct collaborator of repo-001")
	}
	if len(f.RepoInvitations["repo-000"]) != 0 {
		t.Error("the invitation to repo-000 is still pending")
	}
	byHand, _ := source(t, f, srv.URL, Config{TeamRightsByHand: true})
	err := byHand.Apply(ctx, connectors.Change{Op: "revoke", System: "github:seto", Account: "user0000", Entitlement: "repo:repo-001:write", Via: "team:team-000"})
	if !errors.Is(err, connectors.ErrByHand) || !strings.Contains(err.Error(), "team team-000") {
		t.Errorf("team_rights: by_hand: %v", err)
	}
	if _, ok := f.Teams["team-000"]["user0000"]; !ok {
		t.Error("by_hand removed user0000 from the team")
	}
}

// TestABare403WithRetryAfterIsWaitedOut: a 403 with Retry-After and no
// GitHub error body (a proxy's) is a secondary limit; and an error names
// what failed once.
func TestABare403WithRetryAfterIsWaitedOut(t *testing.T) {
	f, srv := githubfake.New(t, "")
	f.Org(10, 1, 2, 0, 1)
	f.BareForbidden["/orgs/seto/teams?"] = 1
	s, sl := source(t, f, srv.URL, Config{})
	sl.realTime(s)
	if _, err := pull(t, s); err != nil {
		t.Fatal(err)
	}
	if len(sl.d) != 1 || sl.d[0] != time.Second {
		t.Errorf("waits %v, want one of 1s", sl.d)
	}
	f.Secondary["/orgs/seto/teams?"] = 99
	_, err := pull(t, s)
	if err == nil || strings.Count(err.Error(), "github teams") != 1 {
		t.Errorf("the error names the call %d times: %v", strings.Count(fmt.Sprint(err), "github teams"), err)
	}
}
