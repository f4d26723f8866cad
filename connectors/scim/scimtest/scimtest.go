// Package scimtest runs a SCIM 2.0 service provider for tests: the server
// of github.com/elimity-com/scim with Users (the enterprise extension) and
// Groups kept in memory, behind a bearer token (Token), under /scim/v2.
package scimtest

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	goscim "github.com/elimity-com/scim"
	scimerrors "github.com/elimity-com/scim/errors"
	"github.com/elimity-com/scim/optional"
	"github.com/elimity-com/scim/schema"
)

// Token is the bearer token the provider takes.
const Token = "scim-test-token"

// Memory is a resource type's resources for the SCIM server of the tests
// (elimity-com/scim's server, with this handler behind it): kept in
// memory, listed by startIndex and count, filtered by the server's
// validator, patched (active; a member removed by its value), versioned
// (W/"n"), and checked against If-Match.
type Memory struct {
	mu      sync.Mutex
	prefix  string
	res     map[string]goscim.ResourceAttributes
	ids     []string
	version map[string]int
	Patches atomic.Int32
}

func newMemory(prefix string) *Memory {
	return &Memory{prefix: prefix, res: map[string]goscim.ResourceAttributes{}, version: map[string]int{}}
}

func (m *Memory) add(attrs goscim.ResourceAttributes) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	id := fmt.Sprintf("%s%04d", m.prefix, len(m.ids)+1)
	m.res[id], m.version[id] = attrs, 1
	m.ids = append(m.ids, id)
	return id
}

func (m *Memory) resource(id string) goscim.Resource {
	created := time.Date(2024, 4, 1, 9, 0, 0, 0, time.UTC)
	attrs := goscim.ResourceAttributes{}
	for k, v := range m.res[id] {
		attrs[k] = v
	}
	return goscim.Resource{ID: id, Attributes: attrs, Meta: goscim.Meta{Created: &created, Version: fmt.Sprintf(`W/"%d"`, m.version[id])}}
}

func (m *Memory) Create(r *http.Request, attrs goscim.ResourceAttributes) (goscim.Resource, error) {
	id := m.add(attrs)
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.resource(id), nil
}

func (m *Memory) Get(r *http.Request, id string) (goscim.Resource, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.res[id]; !ok {
		return goscim.Resource{}, scimerrors.ScimErrorResourceNotFound(id)
	}
	return m.resource(id), nil
}

func (m *Memory) GetAll(r *http.Request, params goscim.ListRequestParams) (goscim.Page, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	matched := m.ids
	if params.FilterValidator != nil {
		matched = nil
		for _, id := range m.ids {
			attrs := m.resource(id).Attributes
			attrs["id"] = id
			if params.FilterValidator.PassesFilter(attrs) == nil {
				matched = append(matched, id)
			}
		}
	}
	page := goscim.Page{TotalResults: len(matched)}
	for i := params.StartIndex - 1; i >= 0 && i < len(matched) && len(page.Resources) < params.Count; i++ {
		page.Resources = append(page.Resources, m.resource(matched[i]))
	}
	return page, nil
}

func (m *Memory) Replace(r *http.Request, id string, attrs goscim.ResourceAttributes) (goscim.Resource, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.res[id] = attrs
	m.version[id]++
	return m.resource(id), nil
}

func (m *Memory) Delete(r *http.Request, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.res, id)
	m.ids = slices.DeleteFunc(m.ids, func(x string) bool { return x == id })
	return nil
}

var memberValue = regexp.MustCompile(`^members\[value eq "([^"]*)"\]$`)

func (m *Memory) Patch(r *http.Request, id string, ops []goscim.PatchOperation) (goscim.Resource, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	attrs, ok := m.res[id]
	if !ok {
		return goscim.Resource{}, scimerrors.ScimErrorResourceNotFound(id)
	}
	if v := r.Header.Get("If-Match"); v != "" && v != fmt.Sprintf(`W/"%d"`, m.version[id]) {
		return goscim.Resource{}, scimerrors.ScimError{Status: http.StatusPreconditionFailed, Detail: "version mismatch"}
	}
	m.Patches.Add(1)
	for _, op := range ops {
		path := ""
		if op.Path != nil {
			path = op.Path.String()
		}
		switch {
		case op.Op == "replace" && path == "active":
			attrs["active"] = op.Value
		case op.Op == "remove" && memberValue.MatchString(path):
			value := memberValue.FindStringSubmatch(path)[1]
			members, _ := attrs["members"].([]any)
			attrs["members"] = slices.DeleteFunc(slices.Clone(members), func(x any) bool { return x.(map[string]any)["value"] == value })
		default:
			return goscim.Resource{}, scimerrors.ScimErrorInvalidPath
		}
	}
	m.version[id]++
	return m.resource(id), nil
}

// Provider is a SCIM service provider for a test: the library's server with
// Users (the enterprise extension) and Groups in memory, behind a bearer
// token, under /scim/v2.
type Provider struct {
	Users, Groups *Memory
	URL           string
	Requests      atomic.Int32
	Throttle      atomic.Int32 // answer 429 to this many requests first
	// Cursor offers cursor-based pagination (RFC 9865) besides the
	// library's index-based one: ServiceProviderConfig says so, and a
	// list asked for with cursor= is served a page after the cursor (the
	// last id of the page before), in id order, with nextCursor. Set it
	// before the first request.
	Cursor bool
	// AfterPage, if set, runs after each page of a list is answered
	// (to change the resources while a client pages through them).
	AfterPage func(page int)
	pages     atomic.Int32

	oauthMu                    sync.Mutex
	oauthClient, oauthSecret   string
	oauthTTL                   time.Duration
	issued                     map[string]time.Time // token → expiry
	TokensIssued, Unauthorized atomic.Int32
}

// EnableOAuth makes the provider take, besides Token, the bearer tokens
// its token endpoint issues by the client credentials grant (RFC 6749
// §4.4) to one client, each valid for ttl; it returns the endpoint's URL.
func (p *Provider) EnableOAuth(clientID, secret string, ttl time.Duration) string {
	p.oauthMu.Lock()
	defer p.oauthMu.Unlock()
	p.oauthClient, p.oauthSecret, p.oauthTTL, p.issued = clientID, secret, ttl, map[string]time.Time{}
	return strings.TrimSuffix(p.URL, "/scim/v2") + "/oauth/token"
}

// token is the token endpoint: client authentication by HTTP Basic or
// form parameters, as RFC 6749 §2.3.1 allows.
func (p *Provider) token(w http.ResponseWriter, r *http.Request) {
	fail := func(code string) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		json.NewEncoder(w).Encode(map[string]string{"error": code})
	}
	if r.Method != http.MethodPost || r.ParseForm() != nil || r.PostForm.Get("grant_type") != "client_credentials" {
		fail("unsupported_grant_type")
		return
	}
	id, secret, ok := r.BasicAuth()
	if ok {
		id, _ = url.QueryUnescape(id)
		secret, _ = url.QueryUnescape(secret)
	} else {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	p.oauthMu.Lock()
	defer p.oauthMu.Unlock()
	if p.issued == nil || id != p.oauthClient || secret != p.oauthSecret {
		fail("invalid_client")
		return
	}
	b := make([]byte, 16)
	rand.Read(b)
	tok := hex.EncodeToString(b)
	p.issued[tok] = time.Now().Add(p.oauthTTL)
	p.TokensIssued.Add(1)
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"access_token": tok, "token_type": "Bearer", "expires_in": int(p.oauthTTL.Seconds())})
}

// authorized reports whether a request carries Token or a live issued token.
func (p *Provider) authorized(r *http.Request) bool {
	bearer, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		return false
	}
	if bearer == Token {
		return true
	}
	p.oauthMu.Lock()
	defer p.oauthMu.Unlock()
	exp, ok := p.issued[bearer]
	return ok && time.Now().Before(exp)
}

// Start starts a provider; it stops when the test ends.
func Start(t testing.TB) *Provider {
	t.Helper()
	p := &Provider{Users: newMemory("u"), Groups: newMemory("g")}
	srv, err := goscim.NewServer(&goscim.ServerArgs{
		ServiceProviderConfig: &goscim.ServiceProviderConfig{SupportPatch: true, SupportFiltering: true, MaxResults: 50},
		ResourceTypes: []goscim.ResourceType{
			{ID: optional.NewString("User"), Name: "User", Endpoint: "/Users", Schema: schema.CoreUserSchema(),
				SchemaExtensions: []goscim.SchemaExtension{{Schema: schema.ExtensionEnterpriseUser()}}, Handler: p.Users},
			{ID: optional.NewString("Group"), Name: "Group", Endpoint: "/Groups", Schema: schema.CoreGroupSchema(), Handler: p.Groups},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	h := http.StripPrefix("/scim", srv)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/oauth/token" {
			p.token(w, r)
			return
		}
		p.Requests.Add(1)
		if !p.authorized(r) {
			p.Unauthorized.Add(1)
			http.Error(w, `{"detail":"bad token"}`, http.StatusUnauthorized)
			return
		}
		if p.Throttle.Load() > 0 {
			p.Throttle.Add(-1)
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		if p.Cursor && r.Method == http.MethodGet {
			switch r.URL.Path {
			case "/scim/v2/ServiceProviderConfig":
				p.serviceProviderConfig(w, r, h)
				return
			case "/scim/v2/Users", "/scim/v2/Groups":
				if r.URL.Query().Has("cursor") {
					p.cursorPage(w, r, h)
					return
				}
			}
		}
		h.ServeHTTP(w, r)
		if r.Method == http.MethodGet && (r.URL.Path == "/scim/v2/Users" || r.URL.Path == "/scim/v2/Groups") && p.AfterPage != nil {
			p.AfterPage(int(p.pages.Add(1)))
		}
	}))
	t.Cleanup(ts.Close)
	p.URL = ts.URL + "/scim/v2"
	return p
}

// serviceProviderConfig is the library's, with RFC 9865's pagination.
func (p *Provider) serviceProviderConfig(w http.ResponseWriter, r *http.Request, h http.Handler) {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	var spc map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &spc); err != nil {
		http.Error(w, err.Error(), 500)
		return
	}
	spc["pagination"] = map[string]any{"cursor": true, "index": true, "defaultPaginationMethod": "cursor",
		"defaultPageSize": 50, "maxPageSize": 50, "cursorTimeout": 3600}
	w.Header().Set("Content-Type", "application/scim+json")
	json.NewEncoder(w).Encode(spc)
}

// cursorPage answers a list by cursor: the resources whose id sorts after
// the cursor, each as the library serves it alone, and the next cursor.
func (p *Provider) cursorPage(w http.ResponseWriter, r *http.Request, h http.Handler) {
	m := p.Users
	if r.URL.Path == "/scim/v2/Groups" {
		m = p.Groups
	}
	q := r.URL.Query()
	count := 50
	if c, err := strconv.Atoi(q.Get("count")); err == nil && c > 0 {
		count = min(c, 50)
	}
	after := q.Get("cursor")
	m.mu.Lock()
	ids := slices.Sorted(slices.Values(m.ids))
	m.mu.Unlock()
	if after != "" && !slices.Contains(ids, after) && !m.wasID(after) {
		w.Header().Set("Content-Type", "application/scim+json")
		w.WriteHeader(http.StatusBadRequest)
		json.NewEncoder(w).Encode(map[string]any{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:Error"},
			"scimType": "invalidCursor", "detail": "unknown cursor", "status": "400"})
		return
	}
	var page []json.RawMessage
	next := ""
	for _, id := range ids {
		if id <= after {
			continue
		}
		if len(page) == count {
			break
		}
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodGet, r.URL.Path+"/"+id, nil)
		h.ServeHTTP(rec, req.WithContext(r.Context()))
		if rec.Code != http.StatusOK {
			continue // deleted meanwhile
		}
		page = append(page, rec.Body.Bytes())
		next = id
	}
	if len(page) < count {
		next = "" // the last page
	}
	body := map[string]any{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:ListResponse"},
		"itemsPerPage": len(page), "Resources": page}
	if next != "" {
		body["nextCursor"] = next
	}
	w.Header().Set("Content-Type", "application/scim+json")
	json.NewEncoder(w).Encode(body)
	if p.AfterPage != nil {
		p.AfterPage(int(p.pages.Add(1)))
	}
}

// wasID reports whether id is of the form this memory gives (a resource
// deleted since is still a cursor past which to go on).
func (m *Memory) wasID(id string) bool {
	n, err := strconv.Atoi(strings.TrimPrefix(id, m.prefix))
	return strings.HasPrefix(id, m.prefix) && err == nil && n > 0
}

// User adds a user, owned by an employee id, and returns its id.
func (p *Provider) User(name, employee string, active bool) string {
	return p.Users.add(goscim.ResourceAttributes{"userName": name, "active": active,
		"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": map[string]any{"employeeNumber": employee}})
}

// Person adds a user as an HR service gives it: the enterprise
// extension's employee number, department and manager (a user id, or "").
func (p *Provider) Person(name, employee, department, manager string, active bool) string {
	ext := map[string]any{"employeeNumber": employee, "department": department}
	if manager != "" {
		ext["manager"] = map[string]any{"value": manager}
	}
	return p.Users.add(goscim.ResourceAttributes{"userName": name, "active": active, "displayName": name,
		"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": ext})
}

// Move sets a user's department (a transfer registered in the HR service).
func (p *Provider) Move(id, department string) {
	p.Users.mu.Lock()
	defer p.Users.mu.Unlock()
	ext, _ := p.Users.res[id]["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"].(map[string]any)
	if ext != nil {
		ext["department"] = department
		p.Users.version[id]++
	}
}

// Group adds a group of these members (user or group ids) and returns its id.
func (p *Provider) Group(name string, members ...string) string {
	var ms []any
	for _, m := range members {
		ms = append(ms, map[string]any{"value": m})
	}
	return p.Groups.add(goscim.ResourceAttributes{"displayName": name, "members": ms})
}
