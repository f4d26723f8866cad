package scim

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"

	"github.com/accessrecon/accessrecon/connectors"
	"github.com/accessrecon/accessrecon/i18n"
)

// Changer is a scim source that apply reaches (apply: true): it
// deactivates users and removes group members by PATCH (RFC 7644 §3.5.2),
// with If-Match where the service gives versions; what is already done
// counts as done.
type Changer struct{ *Source }

// Apply carries out one action.
func (c *Changer) Apply(ctx context.Context, ch connectors.Change) error {
	switch ch.Op {
	case "disable_account":
		return c.deactivate(ctx, ch.Account)
	case "revoke":
		name, ok := strings.CutPrefix(ch.Entitlement, "group:")
		if !ok {
			return connectors.ErrByHand
		}
		if ch.Via != "" && ch.Via != "direct" {
			// Through a nested group: taking the person out of it would
			// take its other rights too. A work order says the path.
			return connectors.ErrByHand
		}
		return c.removeMember(ctx, name, ch.Account)
	}
	return connectors.ErrByHand
}

// find is the one resource an attribute names, or nil when there is none.
// A value with a quote or a backslash, which some providers' filters do
// not unescape, is also looked for in the whole list when the filter finds
// nothing: "not found" must mean gone, never a filter that failed to match.
func find[T any](ctx context.Context, c *Changer, endpoint, attr, value string, key func(T) string) (*T, error) {
	path := filterPath(endpoint, attr, value)
	resp, body, err := c.do(ctx, http.MethodGet, path, nil, nil)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, scimError(http.MethodGet, path, resp, body)
	}
	var page struct {
		Resources []T `json:"Resources"`
	}
	if err := json.Unmarshal(body, &page); err != nil {
		return nil, i18n.Errorf("GET %s: not a SCIM list response: %w", path, err)
	}
	if len(page.Resources) == 0 && strings.ContainsAny(value, `"\`) {
		all, err := list[T](ctx, c.Source, endpoint, c.pageSize)
		if err != nil {
			return nil, err
		}
		page.Resources = slices.DeleteFunc(all, func(r T) bool { return key(r) != value })
	}
	switch len(page.Resources) {
	case 0:
		return nil, nil
	case 1:
		return &page.Resources[0], nil
	}
	return nil, i18n.Errorf("GET %s: %d resources have %s %q; expected one", path, len(page.Resources), attr, value)
}

// patch sends a PatchOp; a version that changed since it was read (412) is
// read again and tried once more by the caller.
func (c *Changer) patch(ctx context.Context, path, version string, ops ...map[string]any) (int, error) {
	h := http.Header{}
	if version != "" {
		h.Set("If-Match", version)
	}
	resp, body, err := c.do(ctx, http.MethodPatch, path, map[string]any{"schemas": []string{patchOp}, "Operations": ops}, h)
	if err != nil {
		return 0, err
	}
	switch resp.StatusCode {
	case http.StatusOK, http.StatusNoContent:
		return resp.StatusCode, nil
	case http.StatusNotFound, http.StatusPreconditionFailed:
		return resp.StatusCode, nil
	}
	return resp.StatusCode, scimError(http.MethodPatch, path, resp, body)
}

func (c *Changer) deactivate(ctx context.Context, login string) error {
	for try := 0; try < 2; try++ {
		u, err := find(ctx, c, "Users", "userName", login, func(u user) string { return u.UserName })
		if err != nil || u == nil || u.Active != nil && !*u.Active {
			return err // gone or inactive already: done
		}
		code, err := c.patch(ctx, "/Users/"+u.ID, u.Meta.Version, map[string]any{"op": "replace", "path": "active", "value": false})
		if err != nil || code != http.StatusPreconditionFailed {
			return err // done, or gone (404): done
		}
	}
	return i18n.Errorf("user %s changed while it was being deactivated, twice: nothing done", login)
}

func (c *Changer) removeMember(ctx context.Context, groupName, login string) error {
	u, err := find(ctx, c, "Users", "userName", login, func(u user) string { return u.UserName })
	if err != nil || u == nil {
		return err // the user is gone: no membership left
	}
	for try := 0; try < 2; try++ {
		g, err := find(ctx, c, "Groups", "displayName", groupName, func(g group) string { return g.DisplayName })
		if err != nil || g == nil {
			return err // the group is gone: done
		}
		member := false
		for _, m := range g.Members {
			member = member || m.Value == u.ID
		}
		if !member {
			return nil // done already
		}
		q, _ := json.Marshal(u.ID)
		code, err := c.patch(ctx, "/Groups/"+g.ID, g.Meta.Version, map[string]any{"op": "remove", "path": "members[value eq " + string(q) + "]"})
		if err != nil || code != http.StatusPreconditionFailed {
			return err
		}
	}
	return i18n.Errorf("group %s changed while %s was being removed, twice: nothing done", groupName, login)
}

var _ connectors.Revoker = (*Changer)(nil)
