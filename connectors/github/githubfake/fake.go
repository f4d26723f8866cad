// Package githubfake is a stateful fake of GitHub's REST API on httptest,
// for tests: Link-header pagination, rate-limit headers, secondary limits
// with Retry-After, 404 on what is already gone. Its responses are shaped
// like GitHub's documented ones (fixtures/github).
package githubfake

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/accessrecon/accessrecon/fixtures"
)

// fakeGitHub is a stateful GitHub REST API on httptest: Link-header
// pagination, rate-limit headers, secondary limits with Retry-After, 404 on
// what is already gone. It records every request.
type Server struct {
	mu          sync.Mutex
	Prefix      string                       // "" or "/api/v3" (GitHub Enterprise Server)
	Members     map[string]string            // login → admin|member
	Teams       map[string]map[string]string // slug → login → maintainer|member
	Repos       []string
	Collabs     map[string]map[string]string // repo → login → permission
	Outside     map[string]bool
	Invitations []Invitation
	Requests    []string // "METHOD path?query"
	Writes      []time.Time
	Secondary   map[string]int // path → how many 403 secondary-limit answers to give
	TooMany     map[string]int // path → how many 429 answers to give
	Fail        map[string]int // "METHOD path" → how many 500 answers to give
	Auth        []string       // the Authorization header of each request
	AppToken    string         // the installation token POST /app/installations/{id}/access_tokens hands out
	Remaining   int            // primary limit left; -1: unlimited
	Reset       time.Time
	// TeamRepos are the repositories each team gives its members: slug →
	// repo → role (read, triage, write, maintain, admin).
	TeamRepos map[string]map[string]string
	// RepoInvitations are the pending invitations to each repository.
	RepoInvitations map[string][]RepoInvitation
	// TwoFADisabled and TwoFAInsecure are the logins the 2fa_disabled and
	// 2fa_insecure filters list; NotOwner makes both filters 403 (the token
	// is not an owner's), NoInsecureFilter makes 2fa_insecure 422.
	TwoFADisabled, TwoFAInsecure map[string]bool
	NotOwner, NoInsecureFilter   bool
	// BareForbidden: path?page → how many 403s with Retry-After and no
	// JSON body to give (a proxy's, or an unusual secondary limit).
	BareForbidden map[string]int
	// AppTokenTTL is how long an installation token lives (default an
	// hour); requests with an expired or unknown token get 401.
	AppTokenTTL  time.Duration
	tokens       map[string]time.Time
	TokensIssued int
}

// RepoInvitation is a pending invitation to a repository.
type RepoInvitation struct {
	ID         int64
	Login      string
	Permission string // read, write, admin, triage, maintain
}

// Invitation is a pending invitation.
type Invitation struct {
	ID    int64
	Login string
	Email string
}

// New starts a fake GitHub whose API is under prefix ("" for github.com,
// "/api/v3" for GitHub Enterprise Server); it stops when the test ends.
func New(t testing.TB, prefix string) (*Server, *httptest.Server) {
	f := &Server{Prefix: prefix, Members: map[string]string{}, Teams: map[string]map[string]string{}, Collabs: map[string]map[string]string{},
		Outside: map[string]bool{}, Secondary: map[string]int{}, TooMany: map[string]int{}, Fail: map[string]int{}, Remaining: -1, Reset: time.Now().Add(time.Hour),
		TeamRepos: map[string]map[string]string{}, RepoInvitations: map[string][]RepoInvitation{}, TwoFADisabled: map[string]bool{}, TwoFAInsecure: map[string]bool{},
		BareForbidden: map[string]int{}, tokens: map[string]time.Time{}}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv
}

var userTemplate = func() map[string]any {
	data, err := fixtures.GitHub.ReadFile("github/simple-user.json")
	if err != nil {
		panic(err)
	}
	var m map[string]any
	json.Unmarshal(data, &m)
	return m
}()

func user(login string, extra map[string]any) map[string]any {
	u := map[string]any{}
	for k, v := range userTemplate {
		u[k] = v
	}
	u["login"], u["url"], u["html_url"] = login, "https://api.github.com/users/"+login, "https://github.com/"+login
	for k, v := range extra {
		u[k] = v
	}
	return u
}

func (f *Server) body(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func (f *Server) fixture(w http.ResponseWriter, status int, name string) {
	data, _ := fixtures.GitHub.ReadFile("github/" + name)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	w.Write(data)
}

// page answers one page of items with GitHub's Link header.
func (f *Server) page(w http.ResponseWriter, r *http.Request, items []any) {
	q := r.URL.Query()
	per, _ := strconv.Atoi(q.Get("per_page"))
	if per <= 0 {
		per = 30
	}
	per = min(per, 100)
	pageNo, _ := strconv.Atoi(q.Get("page"))
	pageNo = max(pageNo, 1)
	last := max(1, (len(items)+per-1)/per)
	var links []string
	link := func(n int, rel string) {
		u := *r.URL
		u.Scheme, u.Host = "http", r.Host
		qq := u.Query()
		qq.Set("page", strconv.Itoa(n))
		qq.Set("per_page", strconv.Itoa(per))
		u.RawQuery = qq.Encode()
		links = append(links, fmt.Sprintf("<%s>; rel=%q", u.String(), rel))
	}
	if pageNo < last {
		link(pageNo+1, "next")
		link(last, "last")
	}
	if pageNo > 1 {
		link(1, "first")
		link(pageNo-1, "prev")
	}
	if len(links) > 0 {
		w.Header().Set("Link", strings.Join(links, ", "))
	}
	lo, hi := min((pageNo-1)*per, len(items)), min(pageNo*per, len(items))
	f.body(w, http.StatusOK, items[lo:hi])
}

func sortedKeys[V any](m map[string]V) []string {
	ks := slices.Sorted(maps.Keys(m))
	return ks
}

// Log is the requests received so far, "METHOD path?query".
func (f *Server) Log() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.Requests...)
}

// ServeHTTP answers one request.
func (f *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	path, ok := strings.CutPrefix(r.URL.Path, f.Prefix)
	if !ok {
		f.fixture(w, http.StatusNotFound, "not-found.json")
		return
	}
	f.Requests = append(f.Requests, r.Method+" "+path+"?"+r.URL.RawQuery)
	f.Auth = append(f.Auth, r.Header.Get("Authorization"))
	if r.Method != http.MethodGet {
		f.Writes = append(f.Writes, time.Now())
	}
	remaining := 4999
	if f.Remaining >= 0 {
		remaining = f.Remaining
		f.Remaining = max(f.Remaining-1, 0)
	}
	w.Header().Set("X-RateLimit-Limit", "5000")
	w.Header().Set("X-RateLimit-Remaining", strconv.Itoa(remaining))
	w.Header().Set("X-RateLimit-Reset", strconv.FormatInt(f.Reset.Unix(), 10))
	w.Header().Set("X-RateLimit-Resource", "core")
	if remaining == 0 {
		f.body(w, http.StatusForbidden, map[string]string{"message": "API rate limit exceeded for installation.", "documentation_url": "https://docs.github.com/rest/overview/resources-in-the-rest-api#rate-limiting"})
		return
	}
	if f.Fail[r.Method+" "+path] > 0 {
		f.Fail[r.Method+" "+path]--
		f.body(w, http.StatusInternalServerError, map[string]string{"message": "Server Error"})
		return
	}
	key := path + "?" + r.URL.Query().Get("page")
	if f.Secondary[key] > 0 {
		f.Secondary[key]--
		w.Header().Set("Retry-After", "1")
		f.fixture(w, http.StatusForbidden, "secondary-rate-limit.json")
		return
	}
	if f.BareForbidden[key] > 0 {
		f.BareForbidden[key]--
		w.Header().Set("Retry-After", "1")
		w.WriteHeader(http.StatusForbidden)
		return
	}
	if f.TooMany[key] > 0 {
		f.TooMany[key]--
		w.Header().Set("Retry-After", "2")
		f.fixture(w, http.StatusTooManyRequests, "secondary-rate-limit.json")
		return
	}
	seg := strings.Split(strings.Trim(path, "/"), "/")
	switch {
	case r.Method == "POST" && len(seg) == 4 && seg[0] == "app" && seg[3] == "access_tokens":
		if !strings.HasPrefix(r.Header.Get("Authorization"), "Bearer ") || f.AppToken == "" {
			f.fixture(w, http.StatusUnauthorized, "not-found.json")
			return
		}
		ttl := f.AppTokenTTL
		if ttl == 0 {
			ttl = time.Hour
		}
		f.TokensIssued++
		token := fmt.Sprintf("%s-%d", f.AppToken, f.TokensIssued)
		f.tokens[token] = time.Now().Add(ttl)
		f.body(w, http.StatusCreated, map[string]any{"token": token, "expires_at": f.tokens[token].UTC().Format(time.RFC3339)})
		return
	case f.AppToken != "" && !f.validToken(r.Header.Get("Authorization")):
		f.body(w, http.StatusUnauthorized, map[string]string{"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest"})
	case r.Method == "GET" && len(seg) == 3 && (seg[2] == "members" || seg[2] == "outside_collaborators") && r.URL.Query().Get("filter") != "" && r.URL.Query().Get("filter") != "all":
		filter := r.URL.Query().Get("filter")
		switch {
		case f.NotOwner:
			f.body(w, http.StatusForbidden, map[string]string{"message": "Only owners can use this filter.", "documentation_url": "https://docs.github.com/rest/orgs/members#list-organization-members"})
			return
		case filter == "2fa_insecure" && f.NoInsecureFilter, filter != "2fa_disabled" && filter != "2fa_insecure":
			f.body(w, http.StatusUnprocessableEntity, map[string]any{"message": "Validation Failed", "errors": []map[string]string{{"resource": "Organization", "field": "filter", "code": "invalid"}}})
			return
		}
		set := f.TwoFADisabled
		if filter == "2fa_insecure" {
			set = f.TwoFAInsecure
		}
		var items []any
		for _, l := range sortedKeys(set) {
			_, member := f.Members[l]
			if set[l] && (seg[2] == "members" && member || seg[2] == "outside_collaborators" && f.Outside[l]) {
				items = append(items, user(l, nil))
			}
		}
		f.page(w, r, items)
	case r.Method == "GET" && len(seg) == 3 && seg[2] == "members":
		role := r.URL.Query().Get("role")
		var items []any
		for _, l := range sortedKeys(f.Members) {
			if role == "" || role == "all" || f.Members[l] == role {
				items = append(items, user(l, nil))
			}
		}
		f.page(w, r, items)
	case r.Method == "GET" && len(seg) == 5 && seg[2] == "teams" && seg[4] == "repos":
		if _, ok := f.Teams[seg[3]]; !ok {
			f.fixture(w, http.StatusNotFound, "not-found.json")
			return
		}
		var items []any
		for _, name := range sortedKeys(f.TeamRepos[seg[3]]) {
			items = append(items, repository(seg[1], name, f.TeamRepos[seg[3]][name]))
		}
		f.page(w, r, items)
	case r.Method == "GET" && len(seg) == 4 && seg[0] == "repos" && seg[3] == "invitations":
		var items []any
		for _, inv := range f.RepoInvitations[seg[2]] {
			items = append(items, map[string]any{"id": inv.ID, "node_id": "MDIwOlJlcG9zaXRvcnlJbnZpdGF0aW9u", "repository": repository(seg[1], seg[2], ""),
				"invitee": user(inv.Login, nil), "inviter": user("octocat", nil), "permissions": inv.Permission, "created_at": "2026-11-01T09:00:00Z",
				"expired": false, "url": "https://api.github.com/user/repository_invitations/" + strconv.FormatInt(inv.ID, 10), "html_url": "https://github.com/" + seg[1] + "/" + seg[2] + "/invitations"})
		}
		f.page(w, r, items)
	case r.Method == "DELETE" && len(seg) == 5 && seg[0] == "repos" && seg[3] == "invitations":
		id, _ := strconv.ParseInt(seg[4], 10, 64)
		for i, inv := range f.RepoInvitations[seg[2]] {
			if inv.ID == id {
				f.RepoInvitations[seg[2]] = append(f.RepoInvitations[seg[2]][:i], f.RepoInvitations[seg[2]][i+1:]...)
				w.WriteHeader(http.StatusNoContent)
				return
			}
		}
		f.fixture(w, http.StatusNotFound, "not-found.json")
	case r.Method == "GET" && len(seg) == 3 && seg[2] == "teams":
		var items []any
		for i, slug := range sortedKeys(f.Teams) {
			items = append(items, map[string]any{"id": i + 1, "slug": slug, "name": slug, "privacy": "closed"})
		}
		f.page(w, r, items)
	case r.Method == "GET" && len(seg) == 5 && seg[2] == "teams" && seg[4] == "members":
		team, ok := f.Teams[seg[3]]
		if !ok {
			f.fixture(w, http.StatusNotFound, "not-found.json")
			return
		}
		role := r.URL.Query().Get("role")
		var items []any
		for _, l := range sortedKeys(team) {
			if role == "" || role == "all" || team[l] == role {
				items = append(items, user(l, nil))
			}
		}
		f.page(w, r, items)
	case r.Method == "GET" && len(seg) == 3 && seg[2] == "outside_collaborators":
		var items []any
		for _, l := range sortedKeys(f.Outside) {
			items = append(items, user(l, nil))
		}
		f.page(w, r, items)
	case r.Method == "GET" && len(seg) == 3 && seg[2] == "repos":
		var items []any
		for i, name := range f.Repos {
			items = append(items, map[string]any{"id": i + 1, "name": name, "full_name": seg[1] + "/" + name, "private": true})
		}
		f.page(w, r, items)
	case r.Method == "GET" && len(seg) == 4 && seg[0] == "repos" && seg[3] == "collaborators":
		var items []any
		c := f.Collabs[seg[2]]
		for _, l := range sortedKeys(c) {
			if r.URL.Query().Get("affiliation") == "outside" && !f.Outside[l] {
				continue
			}
			perms := map[string]bool{"pull": true, "triage": c[l] != "pull", "push": c[l] == "push" || c[l] == "admin", "maintain": c[l] == "admin", "admin": c[l] == "admin"}
			items = append(items, user(l, map[string]any{"permissions": perms, "role_name": map[string]string{"pull": "read", "push": "write", "admin": "admin"}[c[l]]}))
		}
		f.page(w, r, items)
	case r.Method == "GET" && len(seg) == 3 && seg[2] == "invitations":
		var items []any
		for _, inv := range f.Invitations {
			items = append(items, map[string]any{"id": inv.ID, "login": nilIfEmpty(inv.Login), "email": nilIfEmpty(inv.Email), "role": "direct_member"})
		}
		f.page(w, r, items)
	case r.Method == "DELETE" && len(seg) == 4 && seg[2] == "members":
		if _, ok := f.Members[seg[3]]; !ok {
			f.fixture(w, http.StatusNotFound, "not-found.json")
			return
		}
		delete(f.Members, seg[3])
		for _, t := range f.Teams {
			delete(t, seg[3])
		}
		w.WriteHeader(http.StatusNoContent)
	case r.Method == "DELETE" && len(seg) == 4 && seg[2] == "outside_collaborators":
		if !f.Outside[seg[3]] {
			f.fixture(w, http.StatusNotFound, "not-found.json")
			return
		}
		delete(f.Outside, seg[3])
		for _, c := range f.Collabs {
			delete(c, seg[3])
		}
		w.WriteHeader(http.StatusNoContent)
	case r.Method == "DELETE" && len(seg) == 5 && seg[0] == "repos" && seg[3] == "collaborators":
		c := f.Collabs[seg[2]]
		if _, ok := c[seg[4]]; !ok {
			f.fixture(w, http.StatusNotFound, "not-found.json")
			return
		}
		delete(c, seg[4])
		w.WriteHeader(http.StatusNoContent)
	case r.Method == "DELETE" && len(seg) == 6 && seg[2] == "teams" && seg[4] == "memberships":
		team := f.Teams[seg[3]]
		if _, ok := team[seg[5]]; !ok {
			f.fixture(w, http.StatusNotFound, "not-found.json")
			return
		}
		delete(team, seg[5])
		w.WriteHeader(http.StatusNoContent)
	case r.Method == "DELETE" && len(seg) == 4 && seg[2] == "invitations":
		id, _ := strconv.ParseInt(seg[3], 10, 64)
		for i, inv := range f.Invitations {
			if inv.ID == id {
				f.Invitations = append(f.Invitations[:i], f.Invitations[i+1:]...)
				w.WriteHeader(http.StatusNoContent)
				return
			}
		}
		f.fixture(w, http.StatusNotFound, "not-found.json")
	default:
		f.fixture(w, http.StatusNotFound, "not-found.json")
	}
}

// validToken reports whether an Authorization header carries an
// installation token this fake issued and that has not expired.
func (f *Server) validToken(h string) bool {
	token, ok := strings.CutPrefix(h, "token ")
	if !ok {
		token, ok = strings.CutPrefix(h, "Bearer ")
	}
	exp, issued := f.tokens[token]
	return ok && issued && time.Now().Before(exp)
}

// repository is a minimal repository as GitHub lists it, with the caller's
// (or the team's) role when role is not "".
func repository(org, name, role string) map[string]any {
	r := map[string]any{"id": len(name), "node_id": "MDEwOlJlcG9zaXRvcnk=", "name": name, "full_name": org + "/" + name, "private": true,
		"owner": user(org, map[string]any{"type": "Organization"}), "html_url": "https://github.com/" + org + "/" + name}
	if role != "" {
		r["role_name"] = role
		r["permissions"] = map[string]bool{"pull": true, "triage": role != "read", "push": role == "write" || role == "maintain" || role == "admin",
			"maintain": role == "maintain" || role == "admin", "admin": role == "admin"}
	}
	return r
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// Org fills the fake with an organisation: members (one admin in 50), teams
// of perTeam members (the first a maintainer), repositories, and outside
// collaborators with read, write or admin on one repository each.
func (f *Server) Org(members, teams, perTeam, outside, repos int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := range members {
		role := "member"
		if i%50 == 0 {
			role = "admin"
		}
		f.Members[fmt.Sprintf("user%04d", i)] = role
	}
	for t := range teams {
		m := map[string]string{}
		for j := range perTeam {
			role := "member"
			if j == 0 {
				role = "maintainer"
			}
			m[fmt.Sprintf("user%04d", (t*7+j)%members)] = role
		}
		f.Teams[fmt.Sprintf("team-%03d", t)] = m
	}
	for r := range repos {
		f.Repos = append(f.Repos, fmt.Sprintf("repo-%03d", r))
		f.Collabs[fmt.Sprintf("repo-%03d", r)] = map[string]string{}
	}
	for o := range outside {
		login := fmt.Sprintf("vendor%03d", o)
		f.Outside[login] = true
		f.Collabs[f.Repos[o%repos]][login] = []string{"pull", "push", "admin"}[o%3]
	}
}
