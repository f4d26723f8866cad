package github

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
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
		return sleepCtx(ctx, d)
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

// minimum is the fewest requests GitHub's REST API allows for a full pull:
// members by role (admins, members), the teams, each team's maintainers and
// members, the outside collaborators, the repositories and each one's
// outside collaborators (permissions are per repository), the invitations;
// every list at 100 a page.
func minimum(admins, members, teams int, perTeamRoles [][2]int, outside, repos int, perRepo []int, invitations int) int {
	pagesOf := func(n int) int { return max(1, (n+99)/100) }
	n := pagesOf(admins) + pagesOf(members) + pagesOf(teams)
	for _, tr := range perTeamRoles {
		n += pagesOf(tr[0]) + pagesOf(tr[1])
	}
	n += pagesOf(outside)
	if outside > 0 {
		n += pagesOf(repos)
		for _, c := range perRepo {
			n += pagesOf(c)
		}
	}
	return n + pagesOf(invitations)
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
	if n := len(snap.AccountsOf("github:seto")); n != 250+2+2 {
		t.Errorf("%d accounts, want 254", n)
	}
	// The requests: 100 a page, following Link headers, no more than the minimum.
	teamRoles := [][2]int{{1, 3}, {1, 3}, {1, 3}}
	if want := minimum(5, 245, 3, teamRoles, 2, 2, []int{1, 1}, 2); len(f.Requests) != want {
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
// 20, 100 outside collaborators over 200 repositories from the fake, and
// reports the requests made against the minimum the API allows.
//
//	go test -run '^$' -bench PullLargeOrg -benchtime 5x ./connectors/github/
func BenchmarkPullLargeOrg(b *testing.B) {
	f, srv := githubfake.New(b, "")
	f.Org(5000, 300, 20, 100, 200)
	s, _ := source(b, f, srv.URL, Config{})
	admins := 0
	for _, r := range f.Members {
		if r == "admin" {
			admins++
		}
	}
	teamRoles := make([][2]int, 300)
	for i := range teamRoles {
		teamRoles[i] = [2]int{1, 19}
	}
	perRepo := make([]int, 200)
	for r := range perRepo {
		perRepo[r] = len(f.Collabs[f.Repos[r]])
	}
	want := minimum(admins, 5000-admins, 300, teamRoles, 100, 200, perRepo, 0)
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
}

func TestGitHubAppAuthentication(t *testing.T) {
	f, srv := githubfake.New(t, "/api/v3")
	f.Org(3, 1, 2, 0, 1)
	f.AppToken = "ghs_installation_token"
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(t.TempDir(), "app.pem")
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}), 0o600)
	client, err := AppClient(42, 4242, keyFile, srv.URL+"/api/v3/")
	if err != nil {
		t.Fatal(err)
	}
	s, err := New("gh", Config{Org: "seto", BaseURL: srv.URL + "/api/v3/", HTTPClient: client}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
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
		if !strings.HasSuffix(a, "ghs_installation_token") {
			t.Errorf("request %d (%s) authenticated with %q", i+1, log[i+1], a)
		}
	}
}
