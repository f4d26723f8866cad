// Package github is the `type: github` source: the members, teams, outside
// collaborators and pending invitations of a GitHub organisation, as
// accounts and grants of one system, and a revoker that removes them.
package github

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/accessrecon/accessrecon/connectors"
	"github.com/accessrecon/accessrecon/connectors/csvfile"
	"github.com/accessrecon/accessrecon/graph"
	"github.com/accessrecon/accessrecon/i18n"
	"github.com/bradleyfalzon/ghinstallation/v2"
	gh "github.com/google/go-github/v60/github"
)

// Config is a github source. Every field but Org is optional:
//
//	sources:
//	  - name: gh
//	    type: github
//	    org: setodenryoku
//	    base_url: https://github.example.co.jp/api/v3/   # GitHub Enterprise Server
//	    system: github:setodenryoku       # default github:<org>
//	    token_env: GITHUB_TOKEN           # default; or token_file: /run/secrets/github
//	    owners: github-owners.csv         # login,employee_id
//	    service_accounts: [deploy-bot]    # machine users: kind service
//	    max_rate_wait: 5m                 # wait at most this long for a primary rate limit
type Config struct {
	Org             string
	BaseURL         string
	System          string
	Token           string // read from token_env or token_file by the caller; never logged
	Owners          map[string]string
	ServiceAccounts []string
	MaxRateWait     time.Duration
	// WritePause is the pause between two writes (GitHub asks for one write
	// at a time with a pause in between). Default 1s.
	WritePause time.Duration
	// HTTPClient, if set, is used instead of http.DefaultClient (tests).
	HTTPClient *http.Client
	// TeamRightsByHand: a repository right a team gives is revoked by a
	// work order (connectors.ErrByHand) instead of removing the person
	// from the team.
	TeamRightsByHand bool
}

// AppClient is an HTTP client that authenticates as a GitHub App
// installation: it signs a JWT with the app's private key and exchanges it
// for installation tokens, renewed before they expire. apiURL is
// https://api.github.com, or a GitHub Enterprise Server's API URL.
func AppClient(appID, installationID int64, privateKeyFile, apiURL string) (*http.Client, error) {
	tr, err := ghinstallation.NewKeyFromFile(http.DefaultTransport, appID, installationID, privateKeyFile)
	if err != nil {
		return nil, i18n.Errorf("github app: %w", err)
	}
	if apiURL != "" {
		tr.BaseURL = strings.TrimRight(apiURL, "/")
	}
	return &http.Client{Transport: tr}, nil
}

// Source pulls an organisation.
type Source struct {
	SourceName string
	cfg        Config
	client     *gh.Client
	log        *slog.Logger
	sleep      func(ctx context.Context, d time.Duration) error
}

// New makes a source; it makes no request.
func New(name string, cfg Config, log *slog.Logger) (*Source, error) {
	if cfg.Org == "" {
		return nil, errors.New(`github: missing required field "org"`)
	}
	if cfg.Token == "" && cfg.HTTPClient == nil {
		return nil, errors.New("github: no token: set the environment variable named by token_env (default GITHUB_TOKEN), give token_file, or configure a GitHub App")
	}
	if cfg.System == "" {
		cfg.System = "github:" + cfg.Org
	}
	if cfg.MaxRateWait == 0 {
		cfg.MaxRateWait = 5 * time.Minute
	}
	if cfg.WritePause == 0 {
		cfg.WritePause = time.Second
	}
	client := gh.NewClient(cfg.HTTPClient)
	if cfg.Token != "" {
		client = client.WithAuthToken(cfg.Token)
	}
	if cfg.BaseURL != "" {
		var err error
		if client, err = client.WithEnterpriseURLs(cfg.BaseURL, cfg.BaseURL); err != nil {
			return nil, i18n.Errorf("github: base_url: %w", err)
		}
	}
	return &Source{SourceName: name, cfg: cfg, client: client, log: log, sleep: connectors.Sleep}, nil
}

// Name is the configured source name.
func (s *Source) Name() string { return s.SourceName }

// OwnSystem is the system the source's accounts belong to (exceptions may
// name it before the source is read).
func (s *Source) OwnSystem() string { return s.cfg.System }

// AddOwners adds login → employee_id pairs (logins lower-cased) from
// another source, such as a directory attribute; the owners file, if any,
// has the last word.
func (s *Source) AddOwners(owners map[string]string) {
	merged := map[string]string{}
	for k, v := range owners {
		merged[strings.ToLower(k)] = v
	}
	for k, v := range s.cfg.Owners {
		merged[k] = v
	}
	s.cfg.Owners = merged
}

// call runs one API call, waiting out rate limits: a primary limit until its
// reset if that is within MaxRateWait, a secondary limit (403 or 429 with
// Retry-After) with bounded, growing waits. Other errors are returned.
func (s *Source) call(ctx context.Context, what string, fn func() (*gh.Response, error)) (*gh.Response, error) {
	backoff := time.Minute
	for attempt := 1; ; attempt++ {
		resp, err := fn()
		if err == nil {
			return resp, nil
		}
		var primary *gh.RateLimitError
		var secondary *gh.AbuseRateLimitError
		var er *gh.ErrorResponse
		wait := time.Duration(0)
		switch {
		case errors.As(err, &primary):
			wait = time.Until(primary.Rate.Reset.Time) + time.Second
			if wait > s.cfg.MaxRateWait {
				return nil, i18n.Errorf("%w: the primary rate limit resets at %s, later than max_rate_wait %s allows",
					connectors.ErrSourceFailed, primary.Rate.Reset.Time.Format(time.RFC3339), s.cfg.MaxRateWait)
			}
		case errors.As(err, &secondary):
			wait = backoff
			if secondary.RetryAfter != nil {
				wait = *secondary.RetryAfter
			}
		case errors.As(err, &er) && er.Response != nil && (er.Response.StatusCode == http.StatusTooManyRequests ||
			er.Response.StatusCode == http.StatusForbidden && er.Response.Header.Get("Retry-After") != ""):
			// A 429, or a 403 with Retry-After whatever its body says (a
			// proxy's, or GitHub's without its usual message): a secondary
			// limit, waited out as GitHub asks.
			wait = backoff
			if secs, perr := strconv.Atoi(er.Response.Header.Get("Retry-After")); perr == nil {
				wait = time.Duration(secs) * time.Second
			}
		default:
			return resp, err
		}
		if attempt >= 5 {
			return nil, i18n.Errorf("%w: still rate limited after %d attempts", connectors.ErrSourceFailed, attempt)
		}
		s.log.Warn("github rate limit: waiting", "call", what, "wait", wait, "attempt", attempt)
		if err := s.sleep(ctx, max(wait, 0)); err != nil {
			return nil, err
		}
		backoff *= 2
	}
}

// pages calls list for every page, 100 at a time, following the Link header.
func pages[T any](ctx context.Context, s *Source, what string, list func(opt gh.ListOptions) ([]T, *gh.Response, error)) ([]T, error) {
	var all []T
	opt := gh.ListOptions{PerPage: 100}
	for {
		var items []T
		resp, err := s.call(ctx, what, func() (*gh.Response, error) {
			var r *gh.Response
			var err error
			items, r, err = list(opt)
			return r, err
		})
		if err != nil {
			return nil, i18n.Errorf("github %s: %w", what, err)
		}
		all = append(all, items...)
		if resp == nil || resp.NextPage == 0 {
			return all, nil
		}
		opt.Page = resp.NextPage
	}
}

type found struct {
	accounts map[string]*graph.Account // by login (or invitation key)
	grants   map[string]*graph.Grant   // by login and entitlement
	// pending are the outside collaborators whose repository invitation
	// is not accepted yet (their two-factor status is not known).
	pending map[string]bool
}

// grant records a right of login; via is the path it comes through ("" for
// a direct right). A right found through several paths is one grant whose
// via lists them all.
func (f *found) grant(s *Source, login, entitlement, via string) {
	key := login + "\x00" + entitlement
	g := f.grants[key]
	if g == nil {
		f.grants[key] = &graph.Grant{System: s.cfg.System, Account: login, Entitlement: entitlement, Origin: "request", Source: s.SourceName, Via: via}
		return
	}
	paths := strings.Split(g.Via, ", ")
	if g.Via == "" {
		paths = []string{"direct"}
	}
	if via == "" {
		via = "direct"
	}
	if !slices.Contains(paths, via) {
		paths = append(paths, via)
		slices.Sort(paths)
	}
	g.Via = strings.Join(paths, ", ")
	if g.Via == "direct" {
		g.Via = ""
	}
}

func (s *Source) account(f *found, login, kind string) *graph.Account {
	if a, ok := f.accounts[login]; ok {
		return a
	}
	owner := s.cfg.Owners[strings.ToLower(login)]
	if kind == "personal" && slices.Contains(s.cfg.ServiceAccounts, login) {
		kind = "service"
	}
	a := &graph.Account{System: s.cfg.System, ID: login, Owner: owner, Kind: kind, Status: "active", Source: s.SourceName}
	f.accounts[login] = a
	return a
}

// Account kinds of a GitHub source, besides personal and service.
const (
	KindOutside    = "outside"    // an outside collaborator: not a member, rights on repositories
	KindInvitation = "invitation" // a pending invitation to the organisation (a repository's invitee is an outside collaborator, pending)
)

// Pull lists the organisation and loads it into the graph: members and
// their roles, teams and their members, the repositories each team gives
// (as every member's repo:<name>:<role>, via the team), every repository's
// direct collaborators and pending invitations, outside collaborators,
// pending organisation invitations, and who has two-factor authentication
// off (when the token may ask). It asks for 100 items a page and nothing
// twice. Any error fails the whole source.
func (s *Source) Pull(ctx context.Context, w *graph.Writer) (string, error) {
	org := s.cfg.Org
	f := &found{accounts: map[string]*graph.Account{}, grants: map[string]*graph.Grant{}}
	for _, role := range []string{"admin", "member"} {
		users, err := pages(ctx, s, "members "+role, func(o gh.ListOptions) ([]*gh.User, *gh.Response, error) {
			return s.client.Organizations.ListMembers(ctx, org, &gh.ListMembersOptions{Role: role, ListOptions: o})
		})
		if err != nil {
			return "", err
		}
		for _, u := range users {
			s.account(f, u.GetLogin(), "personal")
			f.grant(s, u.GetLogin(), "org:"+role, "")
		}
	}
	teams, err := pages(ctx, s, "teams", func(o gh.ListOptions) ([]*gh.Team, *gh.Response, error) {
		return s.client.Teams.ListTeams(ctx, org, &o)
	})
	if err != nil {
		return "", err
	}
	for _, t := range teams {
		slug := t.GetSlug()
		var members []string
		for _, role := range []string{"maintainer", "member"} {
			users, err := pages(ctx, s, "team "+slug+" "+role, func(o gh.ListOptions) ([]*gh.User, *gh.Response, error) {
				return s.client.Teams.ListTeamMembersBySlug(ctx, org, slug, &gh.TeamListTeamMembersOptions{Role: role, ListOptions: o})
			})
			if err != nil {
				return "", err
			}
			for _, u := range users {
				s.account(f, u.GetLogin(), "personal")
				f.grant(s, u.GetLogin(), "team:"+slug+":"+role, "")
				members = append(members, u.GetLogin())
			}
		}
		repos, err := pages(ctx, s, "repositories of team "+slug, func(o gh.ListOptions) ([]*gh.Repository, *gh.Response, error) {
			return s.client.Teams.ListTeamReposBySlug(ctx, org, slug, &o)
		})
		if err != nil {
			return "", err
		}
		for _, r := range repos {
			for _, m := range members {
				f.grant(s, m, "repo:"+r.GetName()+":"+repoRole(r.GetRoleName(), r.GetPermissions()), "team:"+slug)
			}
		}
	}
	outside, err := pages(ctx, s, "outside collaborators", func(o gh.ListOptions) ([]*gh.User, *gh.Response, error) {
		return s.client.Organizations.ListOutsideCollaborators(ctx, org, &gh.ListOutsideCollaboratorsOptions{ListOptions: o})
	})
	if err != nil {
		return "", err
	}
	for _, u := range outside {
		s.account(f, u.GetLogin(), KindOutside)
	}
	repos, err := pages(ctx, s, "repositories", func(o gh.ListOptions) ([]*gh.Repository, *gh.Response, error) {
		return s.client.Repositories.ListByOrg(ctx, org, &gh.RepositoryListByOrgOptions{ListOptions: o})
	})
	if err != nil {
		return "", err
	}
	for _, r := range repos {
		name := r.GetName()
		users, err := pages(ctx, s, "collaborators of "+name, func(o gh.ListOptions) ([]*gh.User, *gh.Response, error) {
			return s.client.Repositories.ListCollaborators(ctx, org, name, &gh.ListCollaboratorsOptions{Affiliation: "direct", ListOptions: o})
		})
		if err != nil {
			return "", err
		}
		for _, u := range users {
			s.account(f, u.GetLogin(), "personal")
			f.grant(s, u.GetLogin(), "repo:"+name+":"+repoRole(u.GetRoleName(), u.GetPermissions()), "")
		}
		invited, err := pages(ctx, s, "invitations to "+name, func(o gh.ListOptions) ([]*gh.RepositoryInvitation, *gh.Response, error) {
			return s.client.Repositories.ListInvitations(ctx, org, name, &o)
		})
		if err != nil {
			return "", err
		}
		for _, inv := range invited {
			login := inv.GetInvitee().GetLogin()
			if login == "" {
				continue // an invitation whose invitee account is gone
			}
			// Invited to a repository and not a member: an outside
			// collaborator once they accept, and judged as one now (one rule
			// for both states: identity.external_collaborator when nobody
			// sponsors them).
			if _, known := f.accounts[login]; !known {
				if f.pending == nil {
					f.pending = map[string]bool{}
				}
				f.pending[login] = true
			}
			s.account(f, login, KindOutside)
			f.grant(s, login, "repo:"+name+":"+repoRole(inv.GetPermissions(), nil), "invitation")
		}
	}
	invitations, err := pages(ctx, s, "invitations", func(o gh.ListOptions) ([]*gh.Invitation, *gh.Response, error) {
		return s.client.Organizations.ListPendingOrgInvitations(ctx, org, &o)
	})
	if err != nil {
		return "", err
	}
	for _, inv := range invitations {
		s.account(f, invitationID(inv), KindInvitation)
	}
	if err := s.twoFactor(ctx, f); err != nil {
		return "", err
	}
	return s.load(w, f)
}

// twoFactor sets the MFA of members and outside collaborators: off for
// those GitHub lists with two-factor authentication disabled (or, where
// GitHub offers it, with only insecure methods such as SMS), on for the
// others. Only organisation owners may ask: without the right (403) or on a
// server without the filter (422), MFA stays unknown, and a warning says so.
func (s *Source) twoFactor(ctx context.Context, f *found) error {
	org := s.cfg.Org
	off := map[string]bool{}
	for _, filter := range []string{"2fa_disabled", "2fa_insecure"} {
		members, err := pages(ctx, s, "members "+filter, func(o gh.ListOptions) ([]*gh.User, *gh.Response, error) {
			return s.client.Organizations.ListMembers(ctx, org, &gh.ListMembersOptions{Filter: filter, ListOptions: o})
		})
		if err == nil {
			var outside []*gh.User
			outside, err = pages(ctx, s, "outside collaborators "+filter, func(o gh.ListOptions) ([]*gh.User, *gh.Response, error) {
				return s.client.Organizations.ListOutsideCollaborators(ctx, org, &gh.ListOutsideCollaboratorsOptions{Filter: filter, ListOptions: o})
			})
			members = append(members, outside...)
		}
		switch {
		case statusIs(err, http.StatusUnprocessableEntity) && filter == "2fa_insecure":
			continue // a server that does not know this filter: disabled is what it knows
		case statusIs(err, http.StatusForbidden), statusIs(err, http.StatusUnprocessableEntity):
			s.log.Warn("github: two-factor status not known (listing it needs an organisation owner's token)", "org", org, "error", err)
			return nil
		case err != nil:
			return err
		}
		for _, u := range members {
			off[u.GetLogin()] = true
		}
	}
	for login, a := range f.accounts {
		if a.Kind == KindInvitation || f.pending[login] {
			continue
		}
		a.MFA = graph.MFAOn
		if off[login] {
			a.MFA = graph.MFAOff
		}
	}
	return nil
}

func statusIs(err error, code int) bool {
	var er *gh.ErrorResponse
	return errors.As(err, &er) && er.Response != nil && er.Response.StatusCode == code
}

// invitationID names a pending invitation's account: its login, or its e-mail.
func invitationID(inv *gh.Invitation) string {
	if inv.GetLogin() != "" {
		return inv.GetLogin()
	}
	return inv.GetEmail()
}

// repoRole is a role on a repository as GitHub names roles (read, triage,
// write, maintain, admin, or a custom role's name): role_name when given,
// else the highest permission of the permissions object; the older names of
// invitations (pull, push) are the roles' names.
func repoRole(roleName string, perms map[string]bool) string {
	switch roleName {
	case "pull":
		return "read"
	case "push":
		return "write"
	case "":
	default:
		return roleName
	}
	for _, p := range []struct{ perm, role string }{{"admin", "admin"}, {"maintain", "maintain"}, {"push", "write"}, {"triage", "triage"}, {"pull", "read"}} {
		if perms[p.perm] {
			return p.role
		}
	}
	return "read"
}

// load writes the system (declaring the entitlements found), the accounts
// and the grants, and returns a digest of what was read.
func (s *Source) load(w *graph.Writer, f *found) (string, error) {
	grants := slices.Collect(maps.Values(f.grants))
	var ents []string
	for _, g := range grants {
		if !slices.Contains(ents, g.Entitlement) {
			ents = append(ents, g.Entitlement)
		}
	}
	sort.Strings(ents)
	if err := w.DeclareEntitlements(s.cfg.System, "GitHub "+s.cfg.Org, ents); err != nil {
		return "", i18n.Errorf("github: %w", err)
	}
	logins := slices.Sorted(maps.Keys(f.accounts))
	var b strings.Builder
	for _, l := range logins {
		a := f.accounts[l]
		fmt.Fprintf(&b, "%s %s %s %s %s\n", a.ID, a.Owner, a.Kind, a.Status, a.MFA)
		if err := w.AddAccount(a); err != nil {
			return "", i18n.Errorf("github: %w", err)
		}
	}
	sort.Slice(grants, func(i, j int) bool {
		return grants[i].Account+"\x00"+grants[i].Entitlement < grants[j].Account+"\x00"+grants[j].Entitlement
	})
	for _, g := range grants {
		fmt.Fprintf(&b, "%s %s %s\n", g.Account, g.Entitlement, g.Via)
		if err := w.AddGrant(g); err != nil {
			return "", i18n.Errorf("github: %w", err)
		}
	}
	h := connectors.NewDigestReader(strings.NewReader(b.String()))
	io.Copy(io.Discard, h)
	return h.Sum(), nil
}

// ReadOwners reads the login → employee_id mapping (CSV: login,employee_id).
func ReadOwners(files fs.FS, name string) (map[string]string, string, error) {
	return csvfile.ReadOwners(files, name, "login")
}

// Apply carries out one plan action, one write at a time with a pause after
// each. What is already gone (404) counts as done.
func (s *Source) Apply(ctx context.Context, c connectors.Change) error {
	if c.System != s.cfg.System {
		return i18n.Errorf("github: %s is not this source's system %s", c.System, s.cfg.System)
	}
	org, user := s.cfg.Org, c.Account
	write := func(what string, fn func() (*gh.Response, error)) error {
		_, err := s.call(ctx, what, fn) // a 404 means already gone
		if err != nil && !notFound(err) {
			return i18n.Errorf("github %s: %w", what, err)
		}
		return s.sleep(ctx, s.cfg.WritePause)
	}
	parts := strings.SplitN(c.Entitlement, ":", 3)
	switch {
	case c.Op == "disable_account":
		return s.removeAccount(ctx, user, write)
	case c.Op == "revoke" && c.Entitlement == "org:admin":
		return write("demote "+user, func() (*gh.Response, error) {
			_, r, err := s.client.Organizations.EditOrgMembership(ctx, user, org, &gh.Membership{Role: gh.String("member")})
			return r, err
		})
	case c.Op == "revoke" && c.Entitlement == "org:member":
		return write("remove member "+user, func() (*gh.Response, error) { return s.client.Organizations.RemoveMember(ctx, org, user) })
	case c.Op == "revoke" && len(parts) == 3 && parts[0] == "team":
		return write("remove "+user+" from team "+parts[1], func() (*gh.Response, error) {
			return s.client.Teams.RemoveTeamMembershipBySlug(ctx, org, parts[1], user)
		})
	case c.Op == "revoke" && len(parts) == 3 && parts[0] == "repo":
		return s.revokeRepo(ctx, user, parts[1], c.Via, write)
	case c.Op == "grant" && len(parts) == 3 && parts[0] == "team":
		return write("add "+user+" to team "+parts[1], func() (*gh.Response, error) {
			_, r, err := s.client.Teams.AddTeamMembershipBySlug(ctx, org, parts[1], user, &gh.TeamAddTeamMembershipOptions{Role: parts[2]})
			return r, err
		})
	}
	return i18n.Errorf("github: cannot %s %s", c.Op, c.Entitlement)
}

// revokeRepo takes a repository right away through every path it comes
// through (the plan action's via): a direct right by removing the
// collaborator, a team's by removing the person from the team (or, with
// TeamRightsByHand, by a work order), an invitation by cancelling it.
func (s *Source) revokeRepo(ctx context.Context, user, repo, via string, write func(string, func() (*gh.Response, error)) error) error {
	org := s.cfg.Org
	paths := strings.Split(via, ", ")
	if via == "" {
		paths = []string{"direct"}
	}
	var byHand []string
	for _, p := range paths {
		switch slug, isTeam := strings.CutPrefix(p, "team:"); {
		case p == "direct":
			if err := write("remove collaborator "+user+" from "+repo, func() (*gh.Response, error) {
				return s.client.Repositories.RemoveCollaborator(ctx, org, repo, user)
			}); err != nil {
				return err
			}
		case isTeam && s.cfg.TeamRightsByHand:
			byHand = append(byHand, slug)
		case isTeam:
			if err := write("remove "+user+" from team "+slug, func() (*gh.Response, error) {
				return s.client.Teams.RemoveTeamMembershipBySlug(ctx, org, slug, user)
			}); err != nil {
				return err
			}
		case p == "invitation":
			invited, err := pages(ctx, s, "invitations to "+repo, func(o gh.ListOptions) ([]*gh.RepositoryInvitation, *gh.Response, error) {
				return s.client.Repositories.ListInvitations(ctx, org, repo, &o)
			})
			if err != nil {
				return err
			}
			for _, inv := range invited {
				if strings.EqualFold(inv.GetInvitee().GetLogin(), user) {
					if err := write("cancel the invitation of "+user+" to "+repo, func() (*gh.Response, error) {
						return s.client.Repositories.DeleteInvitation(ctx, org, repo, inv.GetID())
					}); err != nil {
						return err
					}
				}
			}
		default:
			return i18n.Errorf("github: cannot revoke a right held through %s", p)
		}
	}
	if len(byHand) > 0 {
		return i18n.Errorf("%w: remove %s from team %s, or take %s from the team (team_rights: by_hand)", connectors.ErrByHand, user, strings.Join(byHand, ", "), repo)
	}
	return nil
}

// removeAccount removes a login from the organisation: as a member, else as
// an outside collaborator, else by cancelling its invitation.
func (s *Source) removeAccount(ctx context.Context, user string, write func(string, func() (*gh.Response, error)) error) error {
	org := s.cfg.Org
	_, err := s.call(ctx, "remove member "+user, func() (*gh.Response, error) { return s.client.Organizations.RemoveMember(ctx, org, user) })
	if err == nil {
		return s.sleep(ctx, s.cfg.WritePause)
	}
	if !notFound(err) {
		return i18n.Errorf("github remove member %s: %w", user, err)
	}
	_, err = s.call(ctx, "remove outside collaborator "+user, func() (*gh.Response, error) {
		return s.client.Organizations.RemoveOutsideCollaborator(ctx, org, user)
	})
	if err == nil {
		return s.sleep(ctx, s.cfg.WritePause)
	}
	if !notFound(err) {
		return i18n.Errorf("github remove outside collaborator %s: %w", user, err)
	}
	invitations, err := pages(ctx, s, "invitations", func(o gh.ListOptions) ([]*gh.Invitation, *gh.Response, error) {
		return s.client.Organizations.ListPendingOrgInvitations(ctx, org, &o)
	})
	if err != nil {
		return err
	}
	for _, inv := range invitations {
		if invitationID(inv) == user {
			return write("cancel invitation of "+user, func() (*gh.Response, error) {
				// DELETE /orgs/{org}/invitations/{invitation_id} (go-github v60 has no method for it).
				req, err := s.client.NewRequest(http.MethodDelete, fmt.Sprintf("orgs/%s/invitations/%d", org, inv.GetID()), nil)
				if err != nil {
					return nil, err
				}
				return s.client.Do(ctx, req, nil)
			})
		}
	}
	return nil // already gone
}

// notFound reports a 404: what was to be removed is already gone.
func notFound(err error) bool {
	var er *gh.ErrorResponse
	return errors.As(err, &er) && er.Response != nil && er.Response.StatusCode == http.StatusNotFound
}
