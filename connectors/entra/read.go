package entra

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/accessrecon/accessrecon/connectors"
	"github.com/accessrecon/accessrecon/connectors/csvfile"
	"github.com/accessrecon/accessrecon/graph"
	"github.com/accessrecon/accessrecon/i18n"
)

// What is read, by request: only the properties used.
const (
	userSelect  = "id,userPrincipalName,accountEnabled,employeeId,userType,createdDateTime,onPremisesSyncEnabled,onPremisesSamAccountName,signInActivity,lastPasswordChangeDateTime"
	groupSelect = "id,displayName,groupTypes,securityEnabled,mailEnabled,isAssignableToRole,onPremisesSyncEnabled,membershipRule"
	appFilter   = "tags/any(t:t eq 'WindowsAzureActiveDirectoryIntegratedApp')"
	// defaultRole is the app role id of an assignment without a role.
	defaultRole = "00000000-0000-0000-0000-000000000000"
)

// Source reads one Entra ID tenant.
type Source struct {
	*client
	spec         *Spec
	system       string
	owners       map[string]string
	ownersDigest string
	state        string
	fullEvery    time.Duration
	now          func() time.Time
}

// Name is the configured source name.
func (s *Source) Name() string { return s.client.name }

// OwnSystem is the tenant's system, which systems.yaml need not list.
func (s *Source) OwnSystem() string { return s.system }

// user is a user as read.
type user struct {
	ID                         string  `json:"id"`
	UserPrincipalName          string  `json:"userPrincipalName"`
	AccountEnabled             *bool   `json:"accountEnabled"`
	EmployeeID                 *string `json:"employeeId"`
	UserType                   *string `json:"userType"`
	CreatedDateTime            *string `json:"createdDateTime"`
	OnPremisesSyncEnabled      *bool   `json:"onPremisesSyncEnabled"`
	OnPremisesSamAccountName   *string `json:"onPremisesSamAccountName"`
	LastPasswordChangeDateTime *string `json:"lastPasswordChangeDateTime"`
	SignInActivity             *struct {
		LastSuccessfulSignInDateTime *string `json:"lastSuccessfulSignInDateTime"`
	} `json:"signInActivity"`
}

// group is a group as read.
type group struct {
	ID                    string   `json:"id"`
	DisplayName           string   `json:"displayName"`
	GroupTypes            []string `json:"groupTypes"`
	OnPremisesSyncEnabled *bool    `json:"onPremisesSyncEnabled"`
	MembershipRule        *string  `json:"membershipRule"`
	// Members are the direct members: users' and groups' ids (other
	// objects are not kept).
	Members      []string `json:"members,omitempty"`
	GroupMembers []string `json:"group_members,omitempty"`
}

// member is a group member or a principal as read.
type member struct {
	Type string `json:"@odata.type"`
	ID   string `json:"id"`
}

type servicePrincipal struct {
	ID          string `json:"id"`
	AppID       string `json:"appId"`
	DisplayName string `json:"displayName"`
	AppRoles    []struct {
		ID    string `json:"id"`
		Value string `json:"value"`
		Name  string `json:"displayName"`
	} `json:"appRoles"`
}

type appRoleAssignment struct {
	ID            string `json:"id"`
	AppRoleID     string `json:"appRoleId"`
	PrincipalID   string `json:"principalId"`
	PrincipalType string `json:"principalType"`
}

type roleDefinition struct {
	ID          string `json:"id"`
	DisplayName string `json:"displayName"`
}

type roleAssignment struct {
	ID               string `json:"id"`
	PrincipalID      string `json:"principalId"`
	RoleDefinitionID string `json:"roleDefinitionId"`
	DirectoryScopeID string `json:"directoryScopeId"`
}

type registration struct {
	ID              string `json:"id"`
	IsMfaRegistered bool   `json:"isMfaRegistered"`
}

// tenant is everything read from the tenant.
type tenant struct {
	users       []user
	groups      []group
	apps        []servicePrincipal
	assignments [][]appRoleAssignment // by app
	roles       []roleDefinition
	active      []roleAssignment
	eligible    []roleAssignment
	mfa         map[string]bool
	groupsRead  string // "full" or "delta"
	// skipped counts, by kind, the group members and the principals of
	// assignments that are not users or groups read (devices, service
	// principals, contacts): they give no right here; first names a few.
	skipped map[string]int
	first   []string
}

// Pull reads the tenant and loads it. Any error fails the source: nothing
// is planned from a partial read.
func (s *Source) Pull(ctx context.Context, w *graph.Writer) (string, error) {
	t, err := s.read(ctx)
	if err != nil {
		return "", err
	}
	d, err := s.load(w, t)
	if err != nil {
		return "", err
	}
	return connectors.CombineDigests(d, s.ownersDigest), nil
}

func (s *Source) read(ctx context.Context) (*tenant, error) {
	t := &tenant{mfa: map[string]bool{}, skipped: map[string]int{}}
	var err error
	if t.users, err = list[user](ctx, s.client, fmt.Sprintf("/users?$select=%s&$top=%d", userSelect, pageSize), nil); err != nil {
		return nil, err
	}
	if err := s.readGroups(ctx, t); err != nil {
		return nil, err
	}
	eventual := http.Header{"Consistencylevel": {"eventual"}}
	if t.apps, err = list[servicePrincipal](ctx, s.client, "/servicePrincipals?$filter="+url.QueryEscape(appFilter)+
		"&$count=true&$select=id,appId,displayName,appRoles&$top="+fmt.Sprint(pageSize), eventual); err != nil {
		return nil, err
	}
	paths := make([]string, len(t.apps))
	for i, a := range t.apps {
		paths[i] = fmt.Sprintf("/servicePrincipals/%s/appRoleAssignedTo?$select=id,appRoleId,principalId,principalType&$top=%d", url.PathEscape(a.ID), pageSize)
	}
	t.assignments = make([][]appRoleAssignment, len(t.apps))
	if err := batchLists(ctx, s.client, paths, func(i int, items []appRoleAssignment) { t.assignments[i] = append(t.assignments[i], items...) }); err != nil {
		return nil, err
	}
	if t.roles, err = list[roleDefinition](ctx, s.client, "/roleManagement/directory/roleDefinitions?$select=id,displayName", nil); err != nil {
		return nil, err
	}
	if t.active, err = list[roleAssignment](ctx, s.client, "/roleManagement/directory/roleAssignments?$select=id,principalId,roleDefinitionId,directoryScopeId", nil); err != nil {
		return nil, err
	}
	if t.eligible, err = list[roleAssignment](ctx, s.client, "/roleManagement/directory/roleEligibilitySchedules?$select=id,principalId,roleDefinitionId,directoryScopeId", nil); err != nil {
		return nil, err
	}
	regs, err := list[registration](ctx, s.client, fmt.Sprintf("/reports/authenticationMethods/userRegistrationDetails?$select=id,isMfaRegistered&$top=%d", pageSize), nil)
	if err != nil {
		return nil, err
	}
	for _, r := range regs {
		t.mfa[r.ID] = r.IsMfaRegistered
	}
	return t, nil
}

// readGroups reads the groups and their direct members: through the
// delta link kept from the last run when there is one (and the last full
// read is recent), else whole.
func (s *Source) readGroups(ctx context.Context, t *tenant) error {
	if s.state != "" {
		ok, err := s.readGroupsDelta(ctx, t)
		if err != nil || ok {
			return err
		}
	}
	t.groupsRead = "full"
	// A delta link taken before the read: what changes while the groups
	// are read is read again next time.
	var link string
	if s.state != "" {
		var err error
		if link, err = s.latestDeltaLink(ctx); err != nil {
			return err
		}
	}
	var err error
	if t.groups, err = list[group](ctx, s.client, fmt.Sprintf("/groups?$select=%s&$top=%d", groupSelect, pageSize), nil); err != nil {
		return err
	}
	paths := make([]string, len(t.groups))
	for i, g := range t.groups {
		paths[i] = fmt.Sprintf("/groups/%s/members?$select=id&$top=%d", url.PathEscape(g.ID), pageSize)
	}
	if err := batchLists(ctx, s.client, paths, func(i int, items []member) {
		g := &t.groups[i]
		for _, m := range items {
			switch m.Type {
			case "#microsoft.graph.user":
				g.Members = append(g.Members, m.ID)
			case "#microsoft.graph.group":
				g.GroupMembers = append(g.GroupMembers, m.ID)
			default:
				t.skip(strings.TrimPrefix(m.Type, "#microsoft.graph."), g.DisplayName+": "+m.ID)
			}
		}
	}); err != nil {
		return err
	}
	if s.state != "" {
		return s.saveState(t.groups, link, s.clock())
	}
	return nil
}

func (s *Source) clock() time.Time {
	if s.now != nil {
		return s.now()
	}
	return time.Now()
}

// Via strings: a group path from the group that gives the right down to
// the group the user is a direct member of.
const pathSep = " ← "

// load writes what was read and returns its digest.
func (s *Source) load(w *graph.Writer, t *tenant) (string, error) {
	h := sha256.New()
	apps := map[string]string{} // service principal id → system, for the apps mapped
	for _, a := range t.apps {
		for _, m := range s.spec.Apps {
			if m.App == a.AppID || m.App == a.DisplayName {
				apps[a.ID] = m.System
			}
		}
	}
	// The groups' names, unique: two groups with one name are told apart
	// by their id.
	groupName := map[string]string{}
	byName := map[string]int{}
	for _, g := range t.groups {
		byName[g.DisplayName]++
	}
	groups := map[string]*group{}
	for i := range t.groups {
		g := &t.groups[i]
		groups[g.ID] = g
		groupName[g.ID] = g.DisplayName
		if byName[g.DisplayName] > 1 {
			groupName[g.ID] = g.DisplayName + " (" + g.ID + ")"
		}
	}
	// Each user's account on the tenant's system.
	accounts := map[string]*graph.Account{}
	upn := map[string]string{}
	slices.SortFunc(t.users, func(a, b user) int { return strings.Compare(a.UserPrincipalName, b.UserPrincipalName) })
	service := map[string]bool{}
	for _, u := range s.spec.ServiceAccounts {
		service[strings.ToLower(u)] = true
	}
	for _, u := range t.users {
		if u.UserPrincipalName == "" {
			return "", i18n.Errorf("user %s has no userPrincipalName", u.ID)
		}
		a := &graph.Account{System: s.system, ID: u.UserPrincipalName, Kind: "personal", Status: "active", Source: s.client.name}
		if u.AccountEnabled != nil && !*u.AccountEnabled {
			a.Status = "disabled"
		}
		if deref(u.UserType) == "Guest" {
			a.Kind = "outside"
		}
		if service[strings.ToLower(u.UserPrincipalName)] {
			a.Kind = "service"
		}
		a.Owner = s.ownerOf(u)
		a.CreatedAt = day(deref(u.CreatedDateTime))
		a.PasswordSetAt = day(deref(u.LastPasswordChangeDateTime))
		if u.SignInActivity != nil {
			if a.LastSignIn = day(deref(u.SignInActivity.LastSuccessfulSignInDateTime)); a.LastSignIn.IsZero() {
				a.LastSignIn = graph.NeverSignedIn
			}
		} else {
			a.LastSignIn = graph.NeverSignedIn // signInActivity is null for a user who never signed in
		}
		if reg, ok := t.mfa[u.ID]; ok {
			a.MFA = graph.MFAOff
			if reg {
				a.MFA = graph.MFAOn
			}
		}
		if deref(u.OnPremisesSyncEnabled) && s.spec.OnPremisesSystem != "" && deref(u.OnPremisesSamAccountName) != "" {
			a.SyncedFrom = graph.AccountKey(s.spec.OnPremisesSystem, *u.OnPremisesSamAccountName)
		}
		accounts[u.ID] = a
		upn[u.ID] = u.UserPrincipalName
	}
	// The users reaching each group, with their paths (memoised; cycles
	// cut).
	reach := map[string][]held{}
	var reachOf func(id string, stack map[string]bool) []held
	reachOf = func(id string, stack map[string]bool) []held {
		if r, ok := reach[id]; ok {
			return r
		}
		g := groups[id]
		if g == nil {
			return nil
		}
		stack[id] = true
		var out []held
		for _, u := range g.Members {
			if _, ok := accounts[u]; ok {
				out = append(out, held{u, groupName[id]})
			}
		}
		for _, sub := range g.GroupMembers {
			if stack[sub] {
				continue
			}
			for _, x := range reachOf(sub, stack) {
				out = append(out, held{x.user, groupName[id] + pathSep + x.via})
			}
		}
		delete(stack, id)
		reach[id] = out
		return out
	}
	type grant struct{ system, user, entitlement, via string }
	var grants []grant
	for _, g := range t.groups {
		for _, x := range reachOf(g.ID, map[string]bool{}) {
			via := strings.TrimPrefix(strings.TrimPrefix(x.via, groupName[g.ID]), pathSep)
			if via == "" {
				via = "direct"
			}
			grants = append(grants, grant{s.system, x.user, "group:" + groupName[g.ID], via})
		}
	}
	// principals is who an assignment to a principal reaches: the user,
	// or a group's users through it.
	principals := func(id, kind string) []held {
		if kind == "Group" || groups[id] != nil {
			return reachOf(id, map[string]bool{})
		}
		if _, ok := accounts[id]; ok {
			return []held{{id, ""}}
		}
		t.skip("assignment to "+cmp.Or(kind, "a principal not read"), id)
		return nil
	}
	appAccounts := map[string]*graph.Account{} // system/user → account on a mapped app's system
	appRights := map[string][]string{}         // system → rights
	for i, app := range t.apps {
		roles := map[string]string{defaultRole: "default"}
		for _, r := range app.AppRoles {
			roles[r.ID] = cmp.Or(r.Value, r.Name)
		}
		system, mapped := apps[app.ID]
		for _, as := range t.assignments[i] {
			role := cmp.Or(roles[as.AppRoleID], as.AppRoleID)
			for _, x := range principals(as.PrincipalID, as.PrincipalType) {
				if !mapped {
					grants = append(grants, grant{s.system, x.user, "app:" + app.DisplayName + "/" + role, x.via})
					continue
				}
				key := system + "/" + x.user
				if appAccounts[key] == nil {
					c := *accounts[x.user]
					c.System, c.Grants, c.SyncedFrom = system, nil, ""
					appAccounts[key] = &c
				}
				appRights[system] = append(appRights[system], role)
				grants = append(grants, grant{system, x.user, role, x.via})
			}
		}
	}
	roleName := map[string]string{}
	for _, r := range t.roles {
		roleName[r.ID] = r.DisplayName
	}
	for _, set := range []struct {
		prefix string
		list   []roleAssignment
	}{{"role:", t.active}, {"eligible:", t.eligible}} {
		for _, ra := range set.list {
			name := cmp.Or(roleName[ra.RoleDefinitionID], ra.RoleDefinitionID)
			if ra.DirectoryScopeID != "" && ra.DirectoryScopeID != "/" {
				name += " @" + ra.DirectoryScopeID
			}
			for _, x := range principals(ra.PrincipalID, "") {
				grants = append(grants, grant{s.system, x.user, set.prefix + name, x.via})
			}
		}
	}
	// The rights, declared; then the accounts; then the grants, one per
	// right with every path it comes through.
	var tenantRights []string
	for _, g := range grants {
		if g.system == s.system {
			tenantRights = append(tenantRights, g.entitlement)
		}
	}
	slices.Sort(tenantRights)
	if err := w.DeclareEntitlements(s.system, s.system, slices.Compact(tenantRights)); err != nil {
		return "", err
	}
	for _, system := range slices.Sorted(maps.Keys(appRights)) {
		rights := appRights[system]
		slices.Sort(rights)
		if !w.Exists(graph.TableSystems, system) {
			return "", i18n.Errorf("apps: system %q is not in systems.yaml", system)
		}
		if err := w.DeclareEntitlements(system, system, slices.Compact(rights)); err != nil {
			return "", err
		}
	}
	all := make([]*graph.Account, 0, len(accounts)+len(appAccounts))
	for _, a := range accounts {
		all = append(all, a)
	}
	for _, a := range appAccounts {
		all = append(all, a)
	}
	slices.SortFunc(all, func(a, b *graph.Account) int {
		return cmp.Or(strings.Compare(a.System, b.System), strings.Compare(a.ID, b.ID))
	})
	for _, a := range all {
		if err := w.AddAccount(a); err != nil {
			return "", i18n.Errorf("user %s: %w", a.ID, err)
		}
		fmt.Fprintf(h, "u\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", a.System, a.ID, a.Owner, a.Kind, a.Status, a.MFA, a.PasswordSetAt, a.LastSignIn, a.SyncedFrom)
	}
	for i := range grants {
		grants[i].user = upn[grants[i].user]
	}
	slices.SortFunc(grants, func(a, b grant) int {
		return cmp.Or(strings.Compare(a.system, b.system), strings.Compare(a.user, b.user),
			strings.Compare(a.entitlement, b.entitlement), strings.Compare(a.via, b.via))
	})
	for i := 0; i < len(grants); {
		g, vias := grants[i], []string{grants[i].via}
		for i++; i < len(grants) && grants[i].system == g.system && grants[i].user == g.user && grants[i].entitlement == g.entitlement; i++ {
			vias = append(vias, grants[i].via)
		}
		via := strings.Join(slices.Compact(vias), "; ")
		if via == "" || via == "direct" {
			via = ""
		}
		origin := "request"
		if strings.HasPrefix(g.entitlement, "eligible:") {
			origin = "emergency" // held only when activated, within its window
		}
		if err := w.AddGrant(&graph.Grant{System: g.system, Account: g.user, Entitlement: g.entitlement, Origin: origin, Source: s.client.name, Via: via}); err != nil {
			return "", i18n.Errorf("%s, user %s: %w", g.entitlement, g.user, err)
		}
		fmt.Fprintf(h, "g\t%s\t%s\t%s\t%s\n", g.system, g.user, g.entitlement, via)
	}
	if len(t.skipped) > 0 {
		s.log.Warn("entra: group members and assignment principals that are neither a user nor a group read give no right here, skipped",
			"source", s.client.name, "by_kind", t.skipped, "first", t.first)
	}
	s.log.Info("entra: tenant read", "source", s.client.name, "users", len(t.users), "groups", len(t.groups), "groups_read", t.groupsRead,
		"apps", len(t.apps), "apps_mapped", len(apps), "role_assignments", len(t.active), "eligible", len(t.eligible), "requests", s.client.requests.Load())
	return "sha256:" + hex.EncodeToString(h.Sum(nil)), nil
}

// skip counts a member or principal that gives no right here, and keeps
// the first few for the warning.
func (t *tenant) skip(kind, what string) {
	t.skipped[kind]++
	if len(t.first) < 5 {
		t.first = append(t.first, kind+" "+what)
	}
}

// held is a user reaching a group, and the path of groups from it down to
// the user's own group.
type held struct{ user, via string }

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// day is the Tokyo day of a Graph date-time; zero when there is none.
func day(v string) graph.Date {
	if v == "" {
		return 0
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return 0
	}
	return graph.DateOf(t)
}

func (s *Source) ownerOf(u user) string {
	if o, ok := s.owners[strings.ToLower(u.UserPrincipalName)]; ok {
		return o
	}
	if s.spec.Owner == "onPremisesSamAccountName" {
		return deref(u.OnPremisesSamAccountName)
	}
	return deref(u.EmployeeID)
}

// readOwners reads the user → employee_id mapping (CSV: user,employee_id).
func readOwners(files fs.FS, name string) (map[string]string, string, error) {
	return csvfile.ReadOwners(files, name, "user")
}
