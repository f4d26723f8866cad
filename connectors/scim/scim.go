package scim

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/accessrecon/accessrecon/connectors"
	"github.com/accessrecon/accessrecon/graph"
	"github.com/accessrecon/accessrecon/i18n"
	"golang.org/x/oauth2"
)

// The SCIM schemas and message ids read and written.
const (
	enterpriseUser = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	patchOp        = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
	maxBody        = 64 << 20 // the most a response may hold
)

// Source reads one SCIM service provider.
type Source struct {
	name, base, token, system string
	// tokens gives the bearer token when the spec has oauth.
	tokens   oauth2.TokenSource
	spec     *Spec
	log      *slog.Logger
	pageSize int
	maxWait  time.Duration
	// Client is the HTTP client (tests); http.DefaultClient's transport
	// with a timeout when nil.
	Client *http.Client
	sleep  func(ctx context.Context, d time.Duration) error
	// cursor: the provider offers cursor-based pagination (read from its
	// ServiceProviderConfig by Pull).
	cursor atomic.Bool
}

// Name is the configured source name.
func (s *Source) Name() string { return s.name }

// OwnSystem is the service's system, which systems.yaml need not list.
func (s *Source) OwnSystem() string { return s.system }

func (s *Source) client() *http.Client {
	if s.Client != nil {
		return s.Client
	}
	return &http.Client{Timeout: 2 * time.Minute}
}

// do sends a request to the service, waiting out a 429 whose Retry-After
// is within max_rate_wait (at most 5 tries), and returns the response with
// its body read.
func (s *Source) do(ctx context.Context, method, path string, body any, header http.Header) (*http.Response, []byte, error) {
	var data []byte
	if body != nil {
		var err error
		if data, err = json.Marshal(body); err != nil {
			return nil, nil, err
		}
	}
	for try := 1; ; try++ {
		req, err := http.NewRequestWithContext(ctx, method, s.base+path, bytes.NewReader(data))
		if err != nil {
			return nil, nil, err
		}
		bearer := s.token
		if s.tokens != nil {
			tok, err := s.tokens.Token()
			if err != nil {
				var re *oauth2.RetrieveError
				if errors.As(err, &re) {
					return nil, nil, i18n.Errorf("oauth token endpoint: %s %s", re.Response.Status, re.ErrorCode)
				}
				return nil, nil, i18n.Errorf("oauth token endpoint: %w", err)
			}
			bearer = tok.AccessToken
		}
		req.Header.Set("Authorization", "Bearer "+bearer)
		req.Header.Set("Accept", "application/scim+json, application/json")
		if body != nil {
			req.Header.Set("Content-Type", "application/scim+json")
		}
		for k, v := range header {
			req.Header[k] = v
		}
		resp, err := s.client().Do(req)
		if err != nil {
			return nil, nil, i18n.Errorf("%s %s: %w", method, path, err)
		}
		b, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
		resp.Body.Close()
		if err != nil {
			return nil, nil, i18n.Errorf("%s %s: %w", method, path, err)
		}
		if len(b) > maxBody {
			return nil, nil, i18n.Errorf("%s %s: the answer is larger than %d MiB", method, path, maxBody>>20)
		}
		if resp.StatusCode == http.StatusTooManyRequests && try < 5 {
			wait := connectors.RetryAfter(resp.Header.Get("Retry-After"), time.Second)
			if wait > s.maxWait {
				return nil, nil, i18n.Errorf("%s %s: the service asks to wait %s, more than max_rate_wait %s", method, path, wait, s.maxWait)
			}
			s.log.Warn("scim: the service asks to slow down", "source", s.name, "wait", wait)
			if err := s.sleep(ctx, wait); err != nil {
				return nil, nil, err
			}
			continue
		}
		return resp, b, nil
	}
}

// scimError is an answer that is not a success, with the service's detail.
func scimError(method, path string, resp *http.Response, body []byte) error {
	var e struct {
		Detail string `json:"detail"`
	}
	json.Unmarshal(body, &e)
	detail := e.Detail
	if len(detail) > 300 {
		detail = detail[:300]
	}
	return i18n.Errorf("%s %s: %s %s", method, path, resp.Status, strings.ToValidUTF8(detail, "?"))
}

// user is a SCIM User as read.
type user struct {
	ID         string `json:"id"`
	UserName   string `json:"userName"`
	ExternalID string `json:"externalId"`
	UserType   string `json:"userType"`
	Active     *bool  `json:"active"`
	Enterprise *struct {
		EmployeeNumber string `json:"employeeNumber"`
	} `json:"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"`
	Meta struct {
		Created string `json:"created"`
		Version string `json:"version"`
	} `json:"meta"`
}

// group is a SCIM Group as read.
type group struct {
	ID          string `json:"id"`
	DisplayName string `json:"displayName"`
	Members     []struct {
		Value string `json:"value"`
		Type  string `json:"type"`
		Ref   string `json:"$ref"`
	} `json:"members"`
	Meta struct {
		Version string `json:"version"`
	} `json:"meta"`
}

// list reads every resource of an endpoint, a page at a time: by cursor
// when the service provider offers it (RFC 9865: a page does not shift
// when resources are added or removed while the pages are read), else by
// startIndex and count (RFC 7644 §3.4.2.4).
func list[T any](ctx context.Context, s *Source, endpoint string, pageSize int) ([]T, error) {
	if s.cursor.Load() {
		return listByCursor[T](ctx, s, endpoint, pageSize)
	}
	// A list whose totalResults changes between pages changed while it was
	// read: its later pages shifted, and a resource may have been skipped
	// with the count still agreeing. It is read again from the start, up
	// to three times.
	for try := 1; ; try++ {
		all, changed, err := listByIndex[T](ctx, s, endpoint, pageSize)
		if err != nil || !changed {
			return all, err
		}
		if try == 3 {
			return nil, i18n.Errorf("GET /%s: the list changed while it was read, three times: nothing is planned from it", endpoint)
		}
		s.log.Warn("scim: the list changed while it was read; reading it again", "source", s.name, "endpoint", endpoint)
	}
}

// listByIndex reads a list by startIndex and count; changed is true when
// its totalResults differed between pages.
func listByIndex[T any](ctx context.Context, s *Source, endpoint string, pageSize int) (all []T, changed bool, err error) {
	total := -1
	for start := 1; ; {
		path := fmt.Sprintf("/%s?startIndex=%d&count=%d", endpoint, start, pageSize)
		resp, body, err := s.do(ctx, http.MethodGet, path, nil, nil)
		if err != nil {
			return nil, false, err
		}
		if resp.StatusCode != http.StatusOK {
			return nil, false, scimError(http.MethodGet, path, resp, body)
		}
		var page struct {
			TotalResults int `json:"totalResults"`
			StartIndex   int `json:"startIndex"`
			Resources    []T `json:"Resources"`
		}
		if err := json.Unmarshal(body, &page); err != nil {
			return nil, false, i18n.Errorf("GET %s: not a SCIM list response: %w", path, err)
		}
		if total >= 0 && page.TotalResults != total {
			return nil, true, nil
		}
		total = page.TotalResults
		all = append(all, page.Resources...)
		start += len(page.Resources)
		if len(page.Resources) == 0 || start > page.TotalResults {
			if len(all) < page.TotalResults {
				return nil, false, i18n.Errorf("GET /%s: the service says %d resources but gave %d: nothing is planned from a partial list", endpoint, page.TotalResults, len(all))
			}
			return all, false, nil
		}
	}
}

// listByCursor reads every resource of an endpoint by cursor (RFC 9865):
// the first page with an empty cursor, each next one with the page's
// nextCursor, to the page without one. A cursor the provider refuses
// (invalidCursor, expiredCursor) fails the read.
func listByCursor[T any](ctx context.Context, s *Source, endpoint string, pageSize int) ([]T, error) {
	var all []T
	seen := map[string]bool{}
	for cursor, pages := "", 0; ; pages++ {
		path := fmt.Sprintf("/%s?cursor=%s&count=%d", endpoint, url.QueryEscape(cursor), pageSize)
		resp, body, err := s.do(ctx, http.MethodGet, path, nil, nil)
		if err != nil {
			return nil, err
		}
		if resp.StatusCode != http.StatusOK {
			return nil, scimError(http.MethodGet, path, resp, body)
		}
		var page struct {
			Resources  []T    `json:"Resources"`
			NextCursor string `json:"nextCursor"`
		}
		if err := json.Unmarshal(body, &page); err != nil {
			return nil, i18n.Errorf("GET %s: not a SCIM list response: %w", path, err)
		}
		all = append(all, page.Resources...)
		if page.NextCursor == "" {
			return all, nil
		}
		if seen[page.NextCursor] || pages > 1_000_000 {
			return nil, i18n.Errorf("GET /%s: the service gave the cursor %q twice: nothing is planned from a list that does not end", endpoint, page.NextCursor)
		}
		seen[page.NextCursor], cursor = true, page.NextCursor
	}
}

// Pull reads the users, then the groups, and loads them: each user an
// account (owner from owner:, disabled when not active, kind from
// userType), each group membership a right "group:<displayName>",
// through nested groups with their path. Any error fails the source.
func (s *Source) Pull(ctx context.Context, w *graph.Writer) (string, error) {
	pageSize := s.pageSize
	resp, body, err := s.do(ctx, http.MethodGet, "/ServiceProviderConfig", nil, nil)
	if err != nil {
		return "", err
	}
	if resp.StatusCode == http.StatusOK {
		var spc struct {
			Filter struct {
				MaxResults int `json:"maxResults"`
			} `json:"filter"`
			Pagination struct {
				Cursor      bool `json:"cursor"`
				MaxPageSize int  `json:"maxPageSize"`
			} `json:"pagination"`
		}
		if json.Unmarshal(body, &spc) == nil {
			if spc.Filter.MaxResults > 0 {
				pageSize = min(pageSize, spc.Filter.MaxResults)
			}
			if spc.Pagination.MaxPageSize > 0 {
				pageSize = min(pageSize, spc.Pagination.MaxPageSize)
			}
			s.cursor.Store(spc.Pagination.Cursor && s.spec.Pagination != "index")
		}
	} else if resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden {
		return "", scimError(http.MethodGet, "/ServiceProviderConfig", resp, body)
	}
	users, err := list[user](ctx, s, "Users", pageSize)
	if err != nil {
		return "", err
	}
	groups, err := list[group](ctx, s, "Groups", pageSize)
	if err != nil {
		return "", err
	}
	return s.load(w, users, groups)
}

// load writes what was read and returns its digest.
func (s *Source) load(w *graph.Writer, users []user, groups []group) (string, error) {
	names := make([]string, len(groups))
	byID := map[string]*group{}
	for i := range groups {
		names[i] = "group:" + groups[i].DisplayName
		byID[groups[i].ID] = &groups[i]
	}
	slices.Sort(names)
	if err := w.DeclareEntitlements(s.system, s.system, slices.Compact(names)); err != nil {
		return "", err
	}
	h := sha256.New()
	login := map[string]string{}
	slices.SortFunc(users, func(a, b user) int { return strings.Compare(a.UserName, b.UserName) })
	for _, u := range users {
		if u.UserName == "" {
			return "", i18n.Errorf("user %q has no userName", u.ID)
		}
		a := &graph.Account{System: s.system, ID: u.UserName, Owner: s.ownerOf(u), Kind: "personal", Status: "active", Source: s.name}
		switch strings.ToLower(u.UserType) {
		case "service", "system", "bot":
			a.Kind = "service"
		case "shared":
			a.Kind = "shared"
		}
		if u.Active != nil && !*u.Active {
			a.Status = "disabled"
		}
		if t, err := time.Parse(time.RFC3339, u.Meta.Created); err == nil {
			a.CreatedAt = graph.DateOf(t)
		} else if d, err := graph.ParseDate(u.Meta.Created); err == nil {
			a.CreatedAt = d // a plain date, as some providers write it
		}
		if err := w.AddAccount(a); err != nil {
			return "", i18n.Errorf("user %s: %w", u.UserName, err)
		}
		login[u.ID] = u.UserName
		fmt.Fprintf(h, "u\t%s\t%s\t%s\t%s\n", a.ID, a.Owner, a.Kind, a.Status)
	}
	// Members through nested groups get the group's right too, with the
	// path: a group's users, then its member groups' users, cycle-safe.
	type grant struct{ account, entitlement, via string }
	var grants []grant
	nested, unknown := 0, 0
	var unknownFirst []string // group: member, the first few
	for _, g := range groups {
		seen := map[string]bool{g.ID: true}
		var walk func(cur *group, via []string)
		walk = func(cur *group, via []string) {
			for _, m := range cur.Members {
				if sub, ok := byID[m.Value]; ok && (m.Type == "Group" || login[m.Value] == "") {
					if !seen[sub.ID] {
						seen[sub.ID] = true
						nested++
						walk(sub, append(slices.Clone(via), sub.DisplayName))
					}
					continue
				}
				if name, ok := login[m.Value]; ok {
					v := "direct"
					if len(via) > 0 {
						parts := append([]string{g.DisplayName}, via...)
						v = strings.Join(parts, " ← ")
					}
					grants = append(grants, grant{name, "group:" + g.DisplayName, v})
				} else if unknown++; len(unknownFirst) < 5 {
					unknownFirst = append(unknownFirst, g.DisplayName+": "+m.Value)
				}
			}
		}
		walk(&g, nil)
	}
	slices.SortFunc(grants, func(a, b grant) int {
		return cmp.Or(strings.Compare(a.account, b.account), strings.Compare(a.entitlement, b.entitlement), strings.Compare(a.via, b.via))
	})
	for i := 0; i < len(grants); {
		// One right through several paths is one grant listing them all.
		gr, vias := grants[i], []string{grants[i].via}
		for i++; i < len(grants) && grants[i].account == gr.account && grants[i].entitlement == gr.entitlement; i++ {
			vias = append(vias, grants[i].via)
		}
		via := strings.Join(slices.Compact(vias), "; ")
		if err := w.AddGrant(&graph.Grant{System: s.system, Account: gr.account, Entitlement: gr.entitlement, Origin: "request", Source: s.name, Via: via}); err != nil {
			return "", i18n.Errorf("group %s, member %s: %w", gr.entitlement, gr.account, err)
		}
		fmt.Fprintf(h, "g\t%s\t%s\t%s\n", gr.account, gr.entitlement, via)
	}
	if nested > 0 {
		s.log.Info("scim: nested groups followed", "source", s.name, "nested", nested)
	}
	if unknown > 0 {
		s.log.Warn("scim: group members that are neither a user nor a group read, skipped", "source", s.name, "members", unknown, "first", unknownFirst)
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil)), nil
}

func (s *Source) ownerOf(u user) string {
	if s.spec.Owner == "externalId" {
		return u.ExternalID
	}
	if u.Enterprise != nil {
		return u.Enterprise.EmployeeNumber
	}
	return ""
}

// filterPath is an endpoint filtered by attr eq value, the value quoted as
// a SCIM string (RFC 7644 §3.4.2.2) and the whole escaped for a URL.
func filterPath(endpoint, attr, value string) string {
	q, _ := json.Marshal(value)
	return "/" + endpoint + "?filter=" + url.QueryEscape(attr+" eq "+string(q))
}

var _ connectors.OwnSystemer = (*Source)(nil)
