// Package graphfake is a stateful fake of Microsoft Graph (v1.0) and of the
// Microsoft identity platform's token endpoint, for tests: the parts the
// entra source reads and changes, in the shapes and status codes Microsoft
// documents (the Microsoft Graph OpenAPI description, msgraph-metadata;
// the REST reference pages of user, group, servicePrincipal,
// appRoleAssignment, unifiedRoleAssignment, unifiedRoleEligibilitySchedule
// (Request), userRegistrationDetails; "Use the $select query parameter",
// "Paging Microsoft Graph data", "Combine multiple HTTP requests using
// JSON batching", "Microsoft Graph throttling guidance", "Use delta query
// to track changes", "Advanced query capabilities on directory objects";
// and the identity platform's "client credentials flow" and "certificate
// credentials").
//
// It is strict where the source must be careful: a list request without
// $select, a $top over 999, a batch of more than 20, an advanced query
// without ConsistencyLevel: eventual, a token that expired or a client
// assertion that does not verify against the registered certificate are
// refused and recorded as violations. It answers only the properties
// selected, pages by @odata.nextLink, throttles on demand (429 with
// Retry-After, also inside a batch), and serves delta links for groups.
package graphfake

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// User is a user of the tenant.
type User struct {
	ID, UPN, EmployeeID string
	Guest               bool
	Disabled            bool
	Created             time.Time
	PasswordChanged     time.Time
	// LastSignIn is nil for a user who never signed in.
	LastSignIn *time.Time
	// Synced: synced from on-premises AD, as Sam.
	Synced bool
	Sam    string
	MFA    bool
}

// Group is a group; Members are ids of users and groups (and devices:
// ids starting with d-).
type Group struct {
	ID, Name string
	Types    []string // "Unified" (Microsoft 365), "DynamicMembership"
	Rule     string
	Synced   bool
	Members  []string
}

// App is an enterprise application (a service principal) with its roles
// and their assignments.
type App struct {
	ID, AppID, Name string
	Roles           map[string]string // role id → value
	Assignments     []Assignment
}

// Assignment is an app role or directory role assignment.
type Assignment struct {
	ID, Role, Principal string
}

// RoleDef is a directory role definition.
type RoleDef struct{ ID, Name string }

// Server is the fake. Set the tenant before serving; change it only
// through the methods (they record what delta queries report).
type Server struct {
	*httptest.Server
	TenantID, ClientID string
	// Secret is the client secret; Certificate, if set, is the
	// certificate whose key must sign client assertions instead.
	Secret      string
	Certificate *x509.Certificate
	// TokenTTL is the lifetime of the tokens issued (default 1h).
	TokenTTL time.Duration
	// ThrottleEvery, if not 0, answers every n-th Graph request (and every
	// n-th request inside a batch) with 429 and Retry-After:
	// RetryAfter seconds.
	ThrottleEvery int
	RetryAfter    int
	// Delay is added to every Graph answer (to let tokens expire).
	Delay time.Duration
	// MaxPage, if not 0, caps a page below the $top asked for (Graph may
	// answer fewer objects than asked).
	MaxPage int

	mu       sync.Mutex
	byID     map[string]any // users and groups by id
	users    []*User
	groups   []*Group
	apps     []*App
	roleDefs []RoleDef
	active   []Assignment
	eligible []Assignment
	tokens   map[string]time.Time
	jtis     map[string]bool
	// changes is the log delta queries read: group ids and member
	// changes, by version.
	changes []change
	// Changes made through the API, in order ("DELETE /groups/g1/members/u1").
	writes []string

	count, throttle atomic.Int64
	// Requests counts Graph requests (a batch is one); Tokens counts
	// tokens issued; Unauthorized counts requests refused for their token.
	Requests, Tokens, Unauthorized atomic.Int64
	violations                     []string
	// DeltaOldest is the oldest version a delta link may start from; an
	// older one is refused (410 Gone, syncStateNotFound).
	DeltaOldest int
}

type change struct {
	group, member string
	removed       bool // member removed, or group deleted (member "")
}

// New starts a fake for a tenant and app.
func New(tenantID, clientID, secret string) *Server {
	s := &Server{TenantID: tenantID, ClientID: clientID, Secret: secret, TokenTTL: time.Hour,
		tokens: map[string]time.Time{}, jtis: map[string]bool{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// Authority is the sign-in service's URL for the config; GraphURL is
// Graph's.
func (s *Server) Authority() string { return s.URL }
func (s *Server) GraphURL() string  { return s.URL }

// Load sets the tenant's objects.
func (s *Server) Load(users []*User, groups []*Group, apps []*App, roleDefs []RoleDef, active, eligible []Assignment) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users, s.groups, s.apps, s.roleDefs, s.active, s.eligible = users, groups, apps, roleDefs, active, eligible
	s.byID = map[string]any{}
	for _, u := range users {
		s.byID[u.ID] = u
		s.byID[strings.ToLower(u.UPN)] = u
	}
	for _, g := range groups {
		s.byID[g.ID] = g
	}
}

// Violations are the requests refused for breaking the rules the source
// must keep.
func (s *Server) Violations() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.violations)
}

// Writes are the changes made through the API, in order.
func (s *Server) Writes() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.writes)
}

// AddMember adds a member to a group, as an administrator would.
func (s *Server) AddMember(group, member string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if g := s.group(group); g != nil {
		g.Members = append(g.Members, member)
		s.changes = append(s.changes, change{group: group, member: member})
	}
}

// DeleteGroup deletes a group.
func (s *Server) DeleteGroup(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.groups = slices.DeleteFunc(s.groups, func(g *Group) bool { return g.ID == id })
	delete(s.byID, id)
	s.changes = append(s.changes, change{group: id, removed: true})
}

// Version is the delta log's current version.
func (s *Server) Version() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.changes)
}

func (s *Server) group(id string) *Group {
	g, _ := s.byID[id].(*Group)
	return g
}

func (s *Server) user(id string) *User {
	u, _ := s.byID[id].(*User)
	if u == nil {
		u, _ = s.byID[strings.ToLower(id)].(*User)
	}
	return u
}

func (s *Server) violate(w http.ResponseWriter, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	s.mu.Lock()
	s.violations = append(s.violations, msg)
	s.mu.Unlock()
	graphError(w, http.StatusBadRequest, "Request_BadRequest", msg)
}

func graphError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"code": code, "message": msg}})
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/"+s.TenantID+"/oauth2/v2.0/token" {
		s.token(w, r)
		return
	}
	if !strings.HasPrefix(r.URL.Path, "/v1.0/") {
		http.NotFound(w, r)
		return
	}
	s.Requests.Add(1)
	if s.Delay > 0 {
		time.Sleep(s.Delay)
	}
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	s.mu.Lock()
	exp, known := s.tokens[tok]
	s.mu.Unlock()
	if !ok || !known || time.Now().After(exp) {
		s.Unauthorized.Add(1)
		msg := "Access token validation failure. Invalid audience."
		if known {
			msg = "Lifetime validation failed, the token is expired."
		}
		graphError(w, http.StatusUnauthorized, "InvalidAuthenticationToken", msg)
		return
	}
	if n := s.ThrottleEvery; n > 0 && s.count.Add(1)%int64(n) == 0 {
		w.Header().Set("Retry-After", strconv.Itoa(s.RetryAfter))
		graphError(w, http.StatusTooManyRequests, "TooManyRequests", "Too many requests")
		return
	}
	s.route(w, r)
}

// token is the client credentials grant of the identity platform's v2.0
// token endpoint.
func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	fail := func(code, desc string) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		json.NewEncoder(w).Encode(map[string]any{"error": code, "error_description": desc})
	}
	if r.Method != http.MethodPost || r.ParseForm() != nil || r.PostForm.Get("grant_type") != "client_credentials" {
		fail("invalid_request", "AADSTS900144: The request body must contain the following parameter: 'grant_type'.")
		return
	}
	if r.PostForm.Get("client_id") != s.ClientID {
		fail("unauthorized_client", "AADSTS700016: Application not found in the directory.")
		return
	}
	if r.PostForm.Get("scope") != s.URL+"/.default" {
		fail("invalid_scope", "AADSTS1002012: The provided value for scope is not valid.")
		return
	}
	if s.Certificate != nil {
		if err := s.verifyAssertion(r); err != nil {
			fail("invalid_client", "AADSTS700027: Client assertion failed signature validation. "+err.Error())
			return
		}
	} else if r.PostForm.Get("client_secret") != s.Secret || s.Secret == "" {
		fail("invalid_client", "AADSTS7000215: Invalid client secret provided.")
		return
	}
	b := make([]byte, 24)
	rand.Read(b)
	tok := hex.EncodeToString(b)
	ttl := s.TokenTTL
	s.mu.Lock()
	s.tokens[tok] = time.Now().Add(ttl)
	s.mu.Unlock()
	s.Tokens.Add(1)
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"token_type": "Bearer", "expires_in": int(ttl.Seconds()), "ext_expires_in": int(ttl.Seconds()), "access_token": tok})
}

// verifyAssertion checks a client assertion as the identity platform
// documents it: a JWT signed with the registered certificate's key, with
// its thumbprint, for this token endpoint, issued by and about the app,
// not expired, not seen before.
func (s *Server) verifyAssertion(r *http.Request) error {
	if r.PostForm.Get("client_assertion_type") != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer" {
		return fmt.Errorf("client_assertion_type")
	}
	sum := sha256.Sum256(s.Certificate.Raw)
	claims := &jwt.RegisteredClaims{}
	_, err := jwt.ParseWithClaims(r.PostForm.Get("client_assertion"), claims, func(t *jwt.Token) (any, error) {
		if t.Header["x5t#S256"] != base64.RawURLEncoding.EncodeToString(sum[:]) {
			return nil, fmt.Errorf("the thumbprint is not the registered certificate's")
		}
		return s.Certificate.PublicKey.(*rsa.PublicKey), nil
	}, jwt.WithValidMethods([]string{"PS256", "RS256"}), jwt.WithAudience(s.URL+"/"+s.TenantID+"/oauth2/v2.0/token"),
		jwt.WithIssuer(s.ClientID), jwt.WithSubject(s.ClientID), jwt.WithExpirationRequired(), jwt.WithIssuedAt())
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if claims.ID == "" || s.jtis[claims.ID] {
		return fmt.Errorf("the assertion's jti is missing or was used before")
	}
	s.jtis[claims.ID] = true
	return nil
}

// obj is a directory object as Graph writes it: every property, of which
// the answer keeps those selected.
type obj map[string]any

func (s *Server) userObj(u *User) obj {
	o := obj{"@odata.type": "#microsoft.graph.user", "id": u.ID, "userPrincipalName": u.UPN, "accountEnabled": !u.Disabled,
		"employeeId": nilIfEmpty(u.EmployeeID), "userType": "Member", "createdDateTime": stamp(u.Created),
		"onPremisesSyncEnabled": nil, "onPremisesSamAccountName": nilIfEmpty(u.Sam), "lastPasswordChangeDateTime": stamp(u.PasswordChanged),
		"displayName": u.UPN, "mail": u.UPN}
	if u.Guest {
		o["userType"] = "Guest"
	}
	if u.Synced {
		o["onPremisesSyncEnabled"] = true
	}
	if u.LastSignIn != nil {
		o["signInActivity"] = obj{"lastSuccessfulSignInDateTime": stamp(*u.LastSignIn), "lastSignInDateTime": stamp(*u.LastSignIn)}
	} else {
		o["signInActivity"] = nil
	}
	return o
}

func (s *Server) groupObj(g *Group) obj {
	o := obj{"@odata.type": "#microsoft.graph.group", "id": g.ID, "displayName": g.Name, "groupTypes": append([]string{}, g.Types...),
		"securityEnabled": !slices.Contains(g.Types, "Unified"), "mailEnabled": slices.Contains(g.Types, "Unified"),
		"isAssignableToRole": false, "onPremisesSyncEnabled": nil, "membershipRule": nilIfEmpty(g.Rule), "description": "a group"}
	if g.Synced {
		o["onPremisesSyncEnabled"] = true
	}
	return o
}

func (s *Server) memberObj(id string) obj {
	if g := s.group(id); g != nil {
		return obj{"@odata.type": "#microsoft.graph.group", "id": id, "displayName": g.Name}
	}
	if strings.HasPrefix(id, "d-") { // a device: groups hold them too
		return obj{"@odata.type": "#microsoft.graph.device", "id": id, "displayName": id}
	}
	return obj{"@odata.type": "#microsoft.graph.user", "id": id, "displayName": id}
}

func stamp(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format(time.RFC3339)
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// selected keeps the properties $select names (id and @odata.type always).
func selected(o obj, sel []string) obj {
	out := obj{"id": o["id"]}
	if t, ok := o["@odata.type"]; ok {
		out["@odata.type"] = t
	}
	for _, k := range sel {
		if v, ok := o[k]; ok {
			out[k] = v
		}
	}
	return out
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// collection answers a list: $select required, $top at most 999 (100 by
// default), the next page by $skiptoken.
func (s *Server) collection(w http.ResponseWriter, r *http.Request, items []obj) {
	s.lazyCollection(w, r, len(items), func(i int) obj { return items[i] })
}

// lazyCollection is collection of n objects made only for the page
// answered.
func (s *Server) lazyCollection(w http.ResponseWriter, r *http.Request, n int, item func(i int) obj) {
	q := r.URL.Query()
	sel := q.Get("$select")
	if sel == "" {
		s.violate(w, "GET %s without $select", r.URL.Path)
		return
	}
	top := 100
	if v := q.Get("$top"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 999 {
			s.violate(w, "GET %s with $top=%s (1 to 999)", r.URL.Path, v)
			return
		}
		top = n
	}
	if s.MaxPage > 0 {
		top = min(top, s.MaxPage)
	}
	skip, _ := strconv.Atoi(q.Get("$skiptoken"))
	end := min(skip+top, n)
	fields := strings.Split(sel, ",")
	out := make([]obj, 0, max(0, end-skip))
	for i := min(skip, n); i < end; i++ {
		out = append(out, selected(item(i), fields))
	}
	body := map[string]any{"@odata.context": s.URL + "/v1.0/$metadata#" + r.URL.Path, "value": out}
	if end < n {
		q.Set("$skiptoken", strconv.Itoa(end))
		body["@odata.nextLink"] = s.URL + r.URL.Path + "?" + q.Encode()
	}
	writeJSON(w, http.StatusOK, body)
}

// filterEq reads "$filter=<prop> eq '<value>'" (and "... and ..."
// of such), the only filters the fake knows.
func filterEq(f string) (map[string]string, bool) {
	out := map[string]string{}
	for _, part := range strings.Split(f, " and ") {
		k, v, ok := strings.Cut(part, " eq ")
		if !ok {
			return nil, false
		}
		v = strings.TrimSpace(v)
		if strings.HasPrefix(v, "'") && strings.HasSuffix(v, "'") && len(v) >= 2 {
			v = strings.ReplaceAll(v[1:len(v)-1], "''", "'")
		}
		out[strings.TrimSpace(k)] = v
	}
	return out, true
}

func (s *Server) route(w http.ResponseWriter, r *http.Request) {
	path := strings.TrimPrefix(r.URL.Path, "/v1.0")
	parts := strings.Split(strings.Trim(path, "/"), "/")
	s.mu.Lock()
	locked := true
	defer func() {
		if locked {
			s.mu.Unlock()
		}
	}()
	q := r.URL.Query()
	get := r.Method == http.MethodGet
	switch {
	case path == "/$batch" && r.Method == http.MethodPost:
		s.mu.Unlock()
		locked = false
		s.batch(w, r)
	case path == "/users" && get:
		s.lazyCollection(w, r, len(s.users), func(i int) obj { return s.userObj(s.users[i]) })
	case len(parts) == 2 && parts[0] == "users" && get:
		u := s.user(parts[1])
		if u == nil {
			graphError(w, http.StatusNotFound, "Request_ResourceNotFound", "Resource '"+parts[1]+"' does not exist")
			return
		}
		sel := q.Get("$select")
		if sel == "" {
			s.violate(w, "GET /users/{id} without $select")
			return
		}
		writeJSON(w, http.StatusOK, selected(s.userObj(u), strings.Split(sel, ",")))
	case len(parts) == 2 && parts[0] == "users" && r.Method == http.MethodPatch:
		u := s.user(parts[1])
		if u == nil {
			graphError(w, http.StatusNotFound, "Request_ResourceNotFound", "Resource does not exist")
			return
		}
		var body map[string]any
		json.NewDecoder(r.Body).Decode(&body)
		if u.Synced {
			graphError(w, http.StatusBadRequest, "Request_BadRequest", "Unable to update the specified properties for on-premises mastered Directory Sync objects or objects currently undergoing migration.")
			return
		}
		if v, ok := body["accountEnabled"].(bool); ok {
			u.Disabled = !v
		}
		s.writes = append(s.writes, "PATCH /users/"+u.ID+" accountEnabled="+fmt.Sprint(body["accountEnabled"]))
		w.WriteHeader(http.StatusNoContent)
	case len(parts) == 3 && parts[0] == "users" && parts[2] == "checkMemberGroups" && r.Method == http.MethodPost:
		var body struct {
			GroupIDs []string `json:"groupIds"`
		}
		json.NewDecoder(r.Body).Decode(&body)
		out := []string{}
		for _, id := range body.GroupIDs {
			if s.reaches(id, parts[1], map[string]bool{}) {
				out = append(out, id)
			}
		}
		writeJSON(w, http.StatusOK, map[string]any{"value": out})
	case len(parts) == 3 && parts[0] == "users" && parts[2] == "appRoleAssignments" && get:
		u := s.user(parts[1])
		f, ok := filterEq(q.Get("$filter"))
		if u == nil || !ok || f["resourceId"] == "" {
			graphError(w, http.StatusBadRequest, "Request_UnsupportedQuery", "Unsupported query.")
			return
		}
		var items []obj
		for _, a := range s.apps {
			for _, as := range a.Assignments {
				if a.ID == f["resourceId"] && as.Principal == u.ID {
					items = append(items, obj{"id": as.ID, "appRoleId": as.Role, "principalId": as.Principal, "principalType": "User", "resourceId": a.ID})
				}
			}
		}
		s.collection(w, r, items)
	case path == "/groups" && get:
		f, _ := filterEq(q.Get("$filter"))
		var items []obj
		for _, g := range s.groups {
			if q.Get("$filter") != "" && !(f["displayName"] == g.Name || f["id"] == g.ID) {
				continue
			}
			items = append(items, s.groupObj(g))
		}
		s.collection(w, r, items)
	case path == "/groups/delta" && get:
		s.delta(w, r)
	case len(parts) == 3 && parts[0] == "groups" && parts[2] == "members" && get:
		g := s.group(parts[1])
		if g == nil {
			graphError(w, http.StatusNotFound, "Request_ResourceNotFound", "Resource '"+parts[1]+"' does not exist")
			return
		}
		s.lazyCollection(w, r, len(g.Members), func(i int) obj { return s.memberObj(g.Members[i]) })
	case len(parts) == 5 && parts[0] == "groups" && parts[2] == "members" && parts[4] == "$ref" && r.Method == http.MethodDelete:
		g := s.group(parts[1])
		if g == nil || !slices.Contains(g.Members, parts[3]) {
			graphError(w, http.StatusNotFound, "Request_ResourceNotFound", "One or more removed object references do not exist")
			return
		}
		if slices.Contains(g.Types, "DynamicMembership") || g.Synced {
			graphError(w, http.StatusBadRequest, "Request_BadRequest", "Insufficient privileges to complete the operation.")
			return
		}
		g.Members = slices.DeleteFunc(g.Members, func(m string) bool { return m == parts[3] })
		s.changes = append(s.changes, change{group: g.ID, member: parts[3], removed: true})
		s.writes = append(s.writes, "DELETE /groups/"+g.ID+"/members/"+parts[3])
		w.WriteHeader(http.StatusNoContent)
	case path == "/servicePrincipals" && get:
		flt := q.Get("$filter")
		if strings.Contains(flt, "/any(") && (r.Header.Get("ConsistencyLevel") != "eventual" || q.Get("$count") != "true") {
			s.violate(w, "an advanced query (%s) without ConsistencyLevel: eventual and $count=true", flt)
			return
		}
		f, _ := filterEq(flt)
		var items []obj
		for _, a := range s.apps {
			if flt != "" && !strings.Contains(flt, "/any(") && !(f["appId"] == a.AppID || f["displayName"] == a.Name) {
				continue
			}
			var roles []obj
			for id, v := range a.Roles {
				roles = append(roles, obj{"id": id, "value": v, "displayName": v, "allowedMemberTypes": []string{"User"}, "isEnabled": true})
			}
			slices.SortFunc(roles, func(a, b obj) int { return strings.Compare(a["id"].(string), b["id"].(string)) })
			items = append(items, obj{"id": a.ID, "appId": a.AppID, "displayName": a.Name, "appRoles": roles,
				"tags": []string{"WindowsAzureActiveDirectoryIntegratedApp"}})
		}
		s.collection(w, r, items)
	case len(parts) == 3 && parts[0] == "servicePrincipals" && parts[2] == "appRoleAssignedTo" && get:
		var items []obj
		for _, a := range s.apps {
			if a.ID != parts[1] {
				continue
			}
			for _, as := range a.Assignments {
				kind := "User"
				if s.group(as.Principal) != nil {
					kind = "Group"
				}
				items = append(items, obj{"id": as.ID, "appRoleId": as.Role, "principalId": as.Principal, "principalType": kind, "resourceId": a.ID})
			}
		}
		s.collection(w, r, items)
	case len(parts) == 4 && parts[0] == "servicePrincipals" && parts[2] == "appRoleAssignedTo" && r.Method == http.MethodDelete:
		for _, a := range s.apps {
			if a.ID == parts[1] {
				n := len(a.Assignments)
				a.Assignments = slices.DeleteFunc(a.Assignments, func(x Assignment) bool { return x.ID == parts[3] })
				if n != len(a.Assignments) {
					s.writes = append(s.writes, "DELETE /servicePrincipals/"+a.ID+"/appRoleAssignedTo/"+parts[3])
					w.WriteHeader(http.StatusNoContent)
					return
				}
			}
		}
		graphError(w, http.StatusNotFound, "Request_ResourceNotFound", "Resource does not exist")
	case path == "/roleManagement/directory/roleDefinitions" && get:
		f, _ := filterEq(q.Get("$filter"))
		var items []obj
		for _, d := range s.roleDefs {
			if q.Get("$filter") == "" || f["displayName"] == d.Name {
				items = append(items, obj{"id": d.ID, "displayName": d.Name})
			}
		}
		s.collection(w, r, items)
	case (path == "/roleManagement/directory/roleAssignments" || path == "/roleManagement/directory/roleEligibilitySchedules") && get:
		list := s.active
		if strings.HasSuffix(path, "Schedules") {
			list = s.eligible
		}
		f, _ := filterEq(q.Get("$filter"))
		var items []obj
		for _, a := range list {
			if (f["principalId"] == "" || f["principalId"] == a.Principal) && (f["roleDefinitionId"] == "" || f["roleDefinitionId"] == a.Role) {
				items = append(items, obj{"id": a.ID, "principalId": a.Principal, "roleDefinitionId": a.Role, "directoryScopeId": "/"})
			}
		}
		s.collection(w, r, items)
	case len(parts) == 4 && parts[1] == "directory" && parts[2] == "roleAssignments" && r.Method == http.MethodDelete:
		n := len(s.active)
		s.active = slices.DeleteFunc(s.active, func(a Assignment) bool { return a.ID == parts[3] })
		if n == len(s.active) {
			graphError(w, http.StatusNotFound, "Request_ResourceNotFound", "Resource does not exist")
			return
		}
		s.writes = append(s.writes, "DELETE /roleManagement/directory/roleAssignments/"+parts[3])
		w.WriteHeader(http.StatusNoContent)
	case path == "/roleManagement/directory/roleEligibilityScheduleRequests" && r.Method == http.MethodPost:
		var body struct {
			Action, PrincipalID, RoleDefinitionID, DirectoryScopeID, Justification string
		}
		json.NewDecoder(r.Body).Decode(&body)
		if body.Action != "adminRemove" || body.DirectoryScopeID == "" || body.Justification == "" {
			graphError(w, http.StatusBadRequest, "InvalidRequest", "action, directoryScopeId and justification are required")
			return
		}
		n := len(s.eligible)
		s.eligible = slices.DeleteFunc(s.eligible, func(a Assignment) bool { return a.Principal == body.PrincipalID && a.Role == body.RoleDefinitionID })
		if n == len(s.eligible) {
			graphError(w, http.StatusNotFound, "RoleAssignmentDoesNotExist", "The Role assignment does not exist.")
			return
		}
		s.writes = append(s.writes, "POST roleEligibilityScheduleRequests adminRemove "+body.PrincipalID+" "+body.RoleDefinitionID)
		writeJSON(w, http.StatusCreated, obj{"id": "req-" + body.PrincipalID, "action": "adminRemove", "status": "Revoked"})
	case path == "/reports/authenticationMethods/userRegistrationDetails" && get:
		s.lazyCollection(w, r, len(s.users), func(i int) obj {
			u := s.users[i]
			return obj{"id": u.ID, "userPrincipalName": u.UPN, "isMfaRegistered": u.MFA, "isAdmin": false}
		})
	default:
		graphError(w, http.StatusBadRequest, "BadRequest", "Resource not found for the segment '"+path+"'.")
	}
}

// reaches reports whether member is in group, directly or through
// nested groups.
func (s *Server) reaches(group, member string, seen map[string]bool) bool {
	g := s.group(group)
	if g == nil || seen[group] {
		return false
	}
	seen[group] = true
	for _, m := range g.Members {
		if m == member || s.reaches(m, member, seen) {
			return true
		}
	}
	return false
}

// delta serves /groups/delta: $deltatoken=latest gives a link at the
// current version; a version's link gives the groups changed since, with
// members@delta (added, and removed with @removed) and @removed for
// deleted groups.
func (s *Server) delta(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	tok := q.Get("$deltatoken")
	link := func(v int) string { return s.URL + "/v1.0/groups/delta?$deltatoken=" + strconv.Itoa(v) }
	if tok == "latest" {
		if q.Get("$select") == "" {
			s.violate(w, "GET /groups/delta without $select")
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"value": []obj{}, "@odata.deltaLink": link(len(s.changes))})
		return
	}
	v, err := strconv.Atoi(tok)
	if err != nil || v < s.DeltaOldest || v > len(s.changes) {
		graphError(w, http.StatusGone, "syncStateNotFound", "The sync state generation is not found.")
		return
	}
	byGroup := map[string]obj{}
	var order []string
	for _, c := range s.changes[v:] {
		o := byGroup[c.group]
		if o == nil {
			order = append(order, c.group)
			if g := s.group(c.group); g != nil {
				o = selected(s.groupObj(g), []string{"displayName", "groupTypes", "onPremisesSyncEnabled", "membershipRule"})
				o["members@delta"] = []obj{}
			} else {
				o = obj{"id": c.group, "@removed": obj{"reason": "deleted"}}
			}
			byGroup[c.group] = o
		}
		if c.member != "" && o["members@delta"] != nil {
			m := s.memberObj(c.member)
			delete(m, "displayName")
			if c.removed {
				m["@removed"] = obj{"reason": "deleted"}
			}
			o["members@delta"] = append(o["members@delta"].([]obj), m)
		}
	}
	out := []obj{}
	for _, id := range order {
		out = append(out, byGroup[id])
	}
	writeJSON(w, http.StatusOK, map[string]any{"value": out, "@odata.deltaLink": link(len(s.changes))})
}

// batch answers a JSON batch: at most 20 requests, each answered as if
// sent alone (and throttled alone).
func (s *Server) batch(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Requests []struct {
			ID      string            `json:"id"`
			Method  string            `json:"method"`
			URL     string            `json:"url"`
			Headers map[string]string `json:"headers"`
		} `json:"requests"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		graphError(w, http.StatusBadRequest, "BadRequest", "Invalid batch payload format.")
		return
	}
	if len(body.Requests) > 20 {
		s.violate(w, "a batch of %d requests (at most 20)", len(body.Requests))
		return
	}
	var answers []obj
	for _, sub := range body.Requests {
		if n := s.ThrottleEvery; n > 0 && s.throttle.Add(1)%int64(n) == 0 {
			answers = append(answers, obj{"id": sub.ID, "status": 429, "headers": obj{"Retry-After": strconv.Itoa(s.RetryAfter)},
				"body": obj{"error": obj{"code": "TooManyRequests", "message": "Too many requests"}}})
			continue
		}
		u, err := url.Parse(sub.URL)
		if err != nil || !strings.HasPrefix(sub.URL, "/") {
			answers = append(answers, obj{"id": sub.ID, "status": 400, "body": obj{"error": obj{"code": "BadRequest", "message": "Invalid request URL"}}})
			continue
		}
		req := httptest.NewRequest(sub.Method, "/v1.0"+u.Path+"?"+u.RawQuery, nil)
		for k, v := range sub.Headers {
			req.Header.Set(k, v)
		}
		rec := httptest.NewRecorder()
		s.route(rec, req)
		res := rec.Result()
		b, _ := io.ReadAll(res.Body)
		var raw json.RawMessage = b
		if len(b) == 0 {
			raw = json.RawMessage("null")
		}
		headers := obj{}
		for k := range res.Header {
			headers[k] = res.Header.Get(k)
		}
		answers = append(answers, obj{"id": sub.ID, "status": res.StatusCode, "headers": headers, "body": raw})
	}
	// Graph answers in any order.
	slices.Reverse(answers)
	writeJSON(w, http.StatusOK, map[string]any{"responses": answers})
}

// The demo tenant's ids.
const (
	TenantID = "8f2a6c1e-4b7d-4e21-9c3a-5d6e7f809a1b"
	ClientID = "0c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f"
	Secret   = "demo-client-secret"
	// PortalApp is the NW-confidential enterprise app's appId.
	PortalApp = "5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d"
)

func day(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s+"T09:00:00+09:00")
	if err != nil {
		panic(err)
	}
	return t
}

func ptr(t time.Time) *time.Time { return &t }

// LoadDemo loads a small tenant of the demo group (fixtures/demo's
// people): E1003 高橋 (HD) holds the reader role of 託送ポータル, an app
// confidential to NW, through the Microsoft 365 group HD-IT プロジェクト,
// a member of NW-託送ポータル利用者, the group the role is assigned to;
// E1001 (NW) holds it directly through that group. E1004 is synced from
// on-premises AD (sAMAccountName u1004), and so is E1030, who left on
// 2026-10-31 (u1030); E1006 never signed in; E1007's
// password dates from 2017; a guest is sponsored by E1009; E1009 is a
// Global Administrator, E1002 eligible for User Administrator; Slack's
// default role is assigned to E1002 directly.
func (s *Server) LoadDemo() {
	recent := ptr(day("2026-11-20"))
	users := []*User{
		{ID: "u-e1001", UPN: "sato@example.co.jp", EmployeeID: "E1001", Created: day("2015-04-01"), PasswordChanged: day("2026-10-01"), LastSignIn: recent, MFA: true},
		{ID: "u-e1002", UPN: "suzuki@example.co.jp", EmployeeID: "E1002", Created: day("2015-04-01"), PasswordChanged: day("2026-09-01"), LastSignIn: recent, MFA: true},
		{ID: "u-e1003", UPN: "takahashi@example.co.jp", EmployeeID: "E1003", Created: day("2015-04-01"), PasswordChanged: day("2026-08-01"), LastSignIn: recent, MFA: true},
		{ID: "u-e1004", UPN: "tanaka@example.co.jp", EmployeeID: "E1004", Created: day("2015-04-01"), PasswordChanged: day("2026-08-01"), LastSignIn: recent, Synced: true, Sam: "u1004", MFA: true},
		{ID: "u-e1005", UPN: "ito@example.co.jp", EmployeeID: "E1005", Created: day("2015-04-01"), Disabled: true},
		{ID: "u-e1006", UPN: "watanabe@example.co.jp", EmployeeID: "E1006", Created: day("2025-01-06"), PasswordChanged: day("2025-01-06"), MFA: true},
		{ID: "u-e1007", UPN: "yamamoto@example.co.jp", EmployeeID: "E1007", Created: day("2015-04-01"), PasswordChanged: day("2017-05-01"), LastSignIn: recent, MFA: true},
		{ID: "u-e1009", UPN: "kobayashi@example.co.jp", EmployeeID: "E1009", Created: day("2015-04-01"), PasswordChanged: day("2026-10-01"), LastSignIn: recent, MFA: true},
		{ID: "u-e1030", UPN: "ogawa@example.co.jp", EmployeeID: "E1030", Created: day("2015-04-01"), PasswordChanged: day("2026-04-01"), LastSignIn: ptr(day("2026-10-30")), Synced: true, Sam: "u1030", MFA: true},
		{ID: "u-guest", UPN: "vendor_partner.example#EXT#@example.co.jp", Guest: true, Created: day("2026-04-01"), LastSignIn: recent},
	}
	groups := []*Group{
		{ID: "g-portal", Name: "NW-託送ポータル利用者", Members: []string{"u-e1001", "g-hdit"}},
		{ID: "g-hdit", Name: "HD-IT プロジェクト", Types: []string{"Unified"}, Members: []string{"u-e1003", "u-e1009"}},
		{ID: "g-all", Name: "全社員", Types: []string{"DynamicMembership"}, Rule: `(user.userType -eq "Member")`,
			Members: []string{"u-e1001", "u-e1002", "u-e1003", "u-e1004", "u-e1006", "u-e1007", "u-e1009"}},
	}
	apps := []*App{
		{ID: "sp-portal", AppID: PortalApp, Name: "託送ポータル", Roles: map[string]string{"r-reader": "reader", "r-admin": "admin"},
			Assignments: []Assignment{{ID: "as-portal-1", Role: "r-reader", Principal: "g-portal"}}},
		{ID: "sp-slack", AppID: "6b7c8d9e-0f1a-4b2c-9d3e-4f5a6b7c8d9e", Name: "Slack", Roles: map[string]string{},
			Assignments: []Assignment{{ID: "as-slack-1", Role: "00000000-0000-0000-0000-000000000000", Principal: "u-e1002"}}},
	}
	defs := []RoleDef{{ID: "62e90394-69f5-4237-9190-012177145e10", Name: "Global Administrator"}, {ID: "fe930be7-5e62-47db-91af-98c3a49a38b1", Name: "User Administrator"}}
	s.Load(users, groups, apps, defs,
		[]Assignment{{ID: "ra-1", Role: defs[0].ID, Principal: "u-e1009"}},
		[]Assignment{{ID: "re-1", Role: defs[1].ID, Principal: "u-e1002"}})
}
