package entra

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/accessrecon/accessrecon/connectors"
	"github.com/accessrecon/accessrecon/i18n"
)

// Changer is an entra source that apply reaches (apply: true). It
// disables cloud users, takes users out of the groups they are direct
// members of, removes app role assignments and directory role
// assignments, and asks Privileged Identity Management to remove eligible
// assignments. What is already done counts as done; what Graph cannot or
// should not do (a user synced from on premises, a dynamic group, a right
// through several paths) is a work order that says why.
type Changer struct{ *Source }

// Apply carries out one action.
func (c *Changer) Apply(ctx context.Context, ch connectors.Change) error {
	u, err := c.userOf(ctx, ch.Account)
	if err != nil || u == nil {
		return err // a user that is gone has neither account nor rights
	}
	switch ch.Op {
	case "disable_account":
		if ch.System != c.system {
			return i18n.Errorf("%w: take %s's app roles on %s away in the enterprise application, or disable the user", connectors.ErrByHand, ch.Account, ch.System)
		}
		if deref(u.OnPremisesSyncEnabled) {
			return i18n.Errorf("%w: %s is synced from on-premises Active Directory (sAMAccountName %s): disable it there; Entra ID follows at the next synchronisation", connectors.ErrByHand, ch.Account, deref(u.OnPremisesSamAccountName))
		}
		if u.AccountEnabled != nil && !*u.AccountEnabled {
			return nil
		}
		return c.expect(ctx, http.MethodPatch, "/users/"+url.PathEscape(u.ID), map[string]any{"accountEnabled": false}, http.StatusNoContent, http.StatusOK)
	case "revoke":
		if ch.Via != "" && ch.Via != "direct" {
			return c.leaveGroup(ctx, u, ch)
		}
		switch kind, name, _ := strings.Cut(ch.Entitlement, ":"); {
		case ch.System != c.system:
			return c.removeAppRole(ctx, u, ch.System, "", ch.Entitlement)
		case kind == "group":
			g, err := c.groupNamed(ctx, name)
			if err != nil {
				return err
			}
			return c.removeMember(ctx, g, u, ch)
		case kind == "app":
			app, role, ok := strings.Cut(name, "/")
			if !ok {
				return i18n.Errorf("%w: %s is not app:<app>/<role>", connectors.ErrByHand, ch.Entitlement)
			}
			return c.removeAppRole(ctx, u, "", app, role)
		case kind == "role":
			return c.removeRole(ctx, u, name)
		case kind == "eligible":
			return c.removeEligible(ctx, u, name)
		}
	}
	return i18n.Errorf("%w: %s %s on %s", connectors.ErrByHand, ch.Op, ch.Entitlement, ch.System)
}

// expect sends a change and accepts the statuses given; 404 (already
// gone) counts as done.
func (c *Changer) expect(ctx context.Context, method, path string, body any, ok ...int) error {
	r, err := c.do(ctx, method, path, body, nil)
	if err != nil {
		return err
	}
	if slices.Contains(ok, r.Status) || r.Status == http.StatusNotFound {
		return nil
	}
	return graphError(method, path, r)
}

// userOf is the user of a userPrincipalName, nil when there is none.
func (c *Changer) userOf(ctx context.Context, upn string) (*user, error) {
	path := "/users/" + url.PathEscape(upn) + "?$select=id,userPrincipalName,accountEnabled,onPremisesSyncEnabled,onPremisesSamAccountName"
	r, err := c.do(ctx, http.MethodGet, path, nil, nil)
	if err != nil {
		return nil, err
	}
	if r.Status == http.StatusNotFound {
		return nil, nil
	}
	if r.Status != http.StatusOK {
		return nil, graphError(http.MethodGet, path, r)
	}
	var u user
	if err := json.Unmarshal(r.Body, &u); err != nil || u.ID == "" {
		return nil, i18n.Errorf("GET %s: not a user", short(path))
	}
	return &u, nil
}

// odataString quotes a string for an OData filter.
func odataString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// groupNamed is the one group a name (as plans write it: a display name,
// or "name (id)" when two groups share it) is.
func (c *Changer) groupNamed(ctx context.Context, name string) (*group, error) {
	var filter string
	if i := strings.LastIndex(name, " ("); i > 0 && strings.HasSuffix(name, ")") && guid(name[i+2:len(name)-1]) {
		filter = "id eq " + odataString(name[i+2:len(name)-1])
	} else {
		filter = "displayName eq " + odataString(name)
	}
	gs, err := list[group](ctx, c.client, "/groups?$filter="+url.QueryEscape(filter)+"&$select="+groupSelect, nil)
	if err != nil {
		return nil, err
	}
	if len(gs) != 1 {
		return nil, i18n.Errorf("%w: %d groups are named %q; take the user out of the right one by hand", connectors.ErrByHand, len(gs), name)
	}
	return &gs[0], nil
}

// leaveGroup revokes a right held through a group: the user leaves the
// group they are a direct member of on the path, the right's only path.
func (c *Changer) leaveGroup(ctx context.Context, u *user, ch connectors.Change) error {
	if strings.Contains(ch.Via, "; ") {
		return i18n.Errorf("%w: %s holds %s through several groups (%s): leaving one would not take it; decide which by hand", connectors.ErrByHand, ch.Account, ch.Entitlement, ch.Via)
	}
	if c.spec.GroupRights == "by_hand" {
		return i18n.Errorf("%w: %s holds %s through %s (group_rights: by_hand)", connectors.ErrByHand, ch.Account, ch.Entitlement, ch.Via)
	}
	path := strings.Split(ch.Via, pathSep)
	g, err := c.groupNamed(ctx, path[len(path)-1])
	if err != nil {
		return err
	}
	return c.removeMember(ctx, g, u, ch)
}

// removeMember takes a user out of a group whose members are assigned.
func (c *Changer) removeMember(ctx context.Context, g *group, u *user, ch connectors.Change) error {
	if slices.Contains(g.GroupTypes, "DynamicMembership") {
		return i18n.Errorf("%w: %s is in %s by its membership rule (%s): change the rule or the user's properties (right %s, path %s)",
			connectors.ErrByHand, ch.Account, g.DisplayName, deref(g.MembershipRule), ch.Entitlement, cmp.Or(ch.Via, "direct"))
	}
	if deref(g.OnPremisesSyncEnabled) {
		return i18n.Errorf("%w: %s is synced from on-premises Active Directory: take %s out of it there (right %s, path %s)",
			connectors.ErrByHand, g.DisplayName, ch.Account, ch.Entitlement, cmp.Or(ch.Via, "direct"))
	}
	// The user must be a direct member of the group the plan names: a
	// path that no longer holds (or a group name that is itself a path)
	// is not guessed at.
	path := "/groups/" + url.PathEscape(g.ID) + "/members?$filter=" + url.QueryEscape("id eq "+odataString(u.ID)) + "&$count=true&$select=id"
	ms, err := list[member](ctx, c.client, path, http.Header{"Consistencylevel": {"eventual"}})
	if err != nil {
		return err
	}
	if !slices.ContainsFunc(ms, func(m member) bool { return m.ID == u.ID }) {
		if ch.Via == "" || ch.Via == "direct" {
			return nil // already out of the group
		}
		// Out of the last group: done when the right is gone (a resumed
		// apply), a work order when it still comes by another way.
		top := strings.Split(ch.Via, pathSep)[0]
		if name, ok := strings.CutPrefix(ch.Entitlement, "group:"); ok && ch.System == c.system {
			top = name
		}
		reaches, err := c.reaches(ctx, u, top)
		if err != nil || !reaches {
			return err
		}
		return i18n.Errorf("%w: %s is not a direct member of %s, the last group of the path %s: the path no longer holds; decide by hand", connectors.ErrByHand, ch.Account, g.DisplayName, ch.Via)
	}
	return c.expect(ctx, http.MethodDelete, "/groups/"+url.PathEscape(g.ID)+"/members/"+url.PathEscape(u.ID)+"/$ref", nil, http.StatusNoContent)
}

// reaches reports whether the user is a member of the named group,
// directly or through nested groups (checkMemberGroups).
func (c *Changer) reaches(ctx context.Context, u *user, name string) (bool, error) {
	g, err := c.groupNamed(ctx, name)
	if err != nil {
		return false, err
	}
	path := "/users/" + url.PathEscape(u.ID) + "/checkMemberGroups"
	r, err := c.do(ctx, http.MethodPost, path, map[string]any{"groupIds": []string{g.ID}}, nil)
	if err != nil {
		return false, err
	}
	if r.Status != http.StatusOK {
		return false, graphError(http.MethodPost, path, r)
	}
	var ids page[string]
	if err := json.Unmarshal(r.Body, &ids); err != nil {
		return false, i18n.Errorf("POST %s: not a list of ids: %w", path, err)
	}
	return slices.Contains(ids.Value, g.ID), nil
}

// removeAppRole removes a user's own assignment of an app role: the app
// is the one mapped to system, or the one named app.
func (c *Changer) removeAppRole(ctx context.Context, u *user, system, app, role string) error {
	var filter string
	if system != "" {
		i := slices.IndexFunc(c.spec.Apps, func(a App) bool { return a.System == system })
		if i < 0 {
			return i18n.Errorf("%w: no app of this source is mapped to system %s", connectors.ErrByHand, system)
		}
		app = c.spec.Apps[i].App
	}
	if guid(app) {
		filter = "appId eq " + odataString(app)
	} else {
		filter = "displayName eq " + odataString(app)
	}
	sps, err := list[servicePrincipal](ctx, c.client, "/servicePrincipals?$filter="+url.QueryEscape(filter)+"&$select=id,appId,displayName,appRoles", nil)
	if err != nil {
		return err
	}
	if len(sps) != 1 {
		return i18n.Errorf("%w: %d enterprise applications are %q", connectors.ErrByHand, len(sps), app)
	}
	sp := sps[0]
	roleID := ""
	if role == "default" {
		roleID = defaultRole
	}
	for _, r := range sp.AppRoles {
		if cmp.Or(r.Value, r.Name) == role {
			roleID = r.ID
		}
	}
	path := "/users/" + url.PathEscape(u.ID) + "/appRoleAssignments?$filter=" + url.QueryEscape("resourceId eq "+sp.ID) + "&$select=id,appRoleId,principalId,principalType"
	as, err := list[appRoleAssignment](ctx, c.client, path, nil)
	if err != nil {
		return err
	}
	for _, a := range as {
		if a.AppRoleID == roleID && a.PrincipalID == u.ID {
			return c.expect(ctx, http.MethodDelete, "/servicePrincipals/"+url.PathEscape(sp.ID)+"/appRoleAssignedTo/"+url.PathEscape(a.ID), nil, http.StatusNoContent)
		}
	}
	return nil // no such assignment: already removed
}

// roleDefinitionNamed is a directory role's definition id by its name.
func (c *Changer) roleDefinitionNamed(ctx context.Context, name string) (string, error) {
	if i := strings.Index(name, " @"); i >= 0 {
		return "", i18n.Errorf("%w: role %s is scoped to an administrative unit or object; remove it by hand", connectors.ErrByHand, name)
	}
	path := "/roleManagement/directory/roleDefinitions?$filter=" + url.QueryEscape("displayName eq "+odataString(name)) + "&$select=id,displayName"
	defs, err := list[roleDefinition](ctx, c.client, path, nil)
	if err != nil {
		return "", err
	}
	if len(defs) != 1 {
		return "", i18n.Errorf("%w: %d directory roles are named %q", connectors.ErrByHand, len(defs), name)
	}
	return defs[0].ID, nil
}

// removeRole removes a user's active directory role assignment.
func (c *Changer) removeRole(ctx context.Context, u *user, name string) error {
	def, err := c.roleDefinitionNamed(ctx, name)
	if err != nil {
		return err
	}
	filter := "principalId eq " + odataString(u.ID) + " and roleDefinitionId eq " + odataString(def)
	as, err := list[roleAssignment](ctx, c.client, "/roleManagement/directory/roleAssignments?$filter="+url.QueryEscape(filter)+"&$select=id,principalId,roleDefinitionId,directoryScopeId", nil)
	if err != nil {
		return err
	}
	for _, a := range as {
		if err := c.expect(ctx, http.MethodDelete, "/roleManagement/directory/roleAssignments/"+url.PathEscape(a.ID), nil, http.StatusNoContent); err != nil {
			return err
		}
	}
	return nil
}

// removeEligible asks PIM to remove a user's eligible assignment (a
// schedule request with action adminRemove).
func (c *Changer) removeEligible(ctx context.Context, u *user, name string) error {
	def, err := c.roleDefinitionNamed(ctx, name)
	if err != nil {
		return err
	}
	r, err := c.do(ctx, http.MethodPost, "/roleManagement/directory/roleEligibilityScheduleRequests", map[string]any{
		"action": "adminRemove", "principalId": u.ID, "roleDefinitionId": def, "directoryScopeId": "/",
		"justification": fmt.Sprintf("accessrecon: plan action on %s", u.UserPrincipalName),
	}, nil)
	if err != nil {
		return err
	}
	switch {
	case r.Status == http.StatusCreated || r.Status == http.StatusOK:
		return nil
	case r.Status == http.StatusNotFound || strings.Contains(string(r.Body), "RoleAssignmentDoesNotExist"):
		return nil // no such eligibility left
	}
	return graphError(http.MethodPost, "/roleManagement/directory/roleEligibilityScheduleRequests", r)
}
