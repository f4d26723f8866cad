package entra

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/accessrecon/accessrecon/i18n"
)

// The delta state: the groups as last read, the delta link that reads
// what changed since, and when the groups were last read whole.
type deltaState struct {
	Version   int     `json:"version"`
	FullAt    string  `json:"full_at"`
	DeltaLink string  `json:"delta_link"`
	Groups    []group `json:"groups"`
}

const stateVersion = 1

func deltaPath() string {
	return fmt.Sprintf("/groups/delta?$select=%s,members", groupSelect)
}

// latestDeltaLink is a delta link for the groups as they are now, without
// reading them ($deltatoken=latest).
func (s *Source) latestDeltaLink(ctx context.Context) (string, error) {
	path := deltaPath() + "&$deltatoken=latest"
	r, err := s.do(ctx, http.MethodGet, path, nil, nil)
	if err != nil {
		return "", err
	}
	if r.Status != http.StatusOK {
		return "", graphError(http.MethodGet, path, r)
	}
	var p page[json.RawMessage]
	if err := json.Unmarshal(r.Body, &p); err != nil || p.DeltaLink == "" {
		return "", i18n.Errorf("GET /groups/delta: no delta link in the answer")
	}
	return p.DeltaLink, nil
}

// readGroupsDelta reads the groups from the state kept and what changed
// since, when the state is there, readable and its full read recent; ok
// is false when the groups must be read whole (the state is missing or
// old, or Graph refuses its delta link).
func (s *Source) readGroupsDelta(ctx context.Context, t *tenant) (ok bool, err error) {
	data, err := os.ReadFile(s.state)
	if os.IsNotExist(err) {
		return false, nil
	}
	if err != nil {
		return false, i18n.Errorf("delta_file %s: %w", s.state, err)
	}
	var st deltaState
	if err := json.Unmarshal(data, &st); err != nil || st.Version != stateVersion || st.DeltaLink == "" {
		s.log.Warn("entra: the delta file is not readable; reading the groups whole", "source", s.client.name, "file", s.state)
		return false, nil
	}
	fullAt, err := time.Parse(time.RFC3339, st.FullAt)
	if err != nil || s.clock().Sub(fullAt) >= s.fullEvery {
		s.log.Info("entra: reading the groups whole (full_every)", "source", s.client.name, "last_full", st.FullAt)
		return false, nil
	}
	byID := make(map[string]*group, len(st.Groups))
	for i := range st.Groups {
		byID[st.Groups[i].ID] = &st.Groups[i]
	}
	changed := 0
	next, link := st.DeltaLink, ""
	for next != "" {
		r, err := s.do(ctx, http.MethodGet, next, nil, nil)
		if err != nil {
			return false, err
		}
		if r.Status != http.StatusOK {
			// An expired or unknown delta token (400/404/410:
			// syncStateNotFound, resyncRequired): read whole.
			if r.Status == http.StatusGone || r.Status == http.StatusBadRequest || r.Status == http.StatusNotFound {
				s.log.Warn("entra: Graph refuses the delta link; reading the groups whole", "source", s.client.name, "status", r.Status)
				return false, nil
			}
			return false, graphError(http.MethodGet, next, r)
		}
		var p page[map[string]json.RawMessage]
		if err := json.Unmarshal(r.Body, &p); err != nil {
			return false, i18n.Errorf("GET /groups/delta: not a Graph collection: %w", err)
		}
		for _, obj := range p.Value {
			changed++
			if err := applyGroupDelta(byID, obj, t); err != nil {
				return false, err
			}
		}
		next, link = p.NextLink, p.DeltaLink
	}
	if link == "" {
		return false, i18n.Errorf("GET /groups/delta: the last page has no delta link")
	}
	t.groups = make([]group, 0, len(byID))
	for _, id := range slices.Sorted(maps.Keys(byID)) {
		t.groups = append(t.groups, *byID[id])
	}
	t.groupsRead = "delta"
	s.log.Info("entra: groups read through the delta link", "source", s.client.name, "changed", changed)
	return true, s.saveState(t.groups, link, fullAt)
}

// applyGroupDelta applies one group of a delta page: removed, new, or
// changed (only the properties given change; members@delta adds and
// removes members).
func applyGroupDelta(byID map[string]*group, obj map[string]json.RawMessage, t *tenant) error {
	var id string
	if err := json.Unmarshal(obj["id"], &id); err != nil || id == "" {
		return i18n.Errorf("GET /groups/delta: a group without an id")
	}
	if _, removed := obj["@removed"]; removed {
		delete(byID, id)
		return nil
	}
	g := byID[id]
	if g == nil {
		g = &group{ID: id}
		byID[id] = g
	}
	for k, v := range obj {
		var err error
		switch k {
		case "displayName":
			err = json.Unmarshal(v, &g.DisplayName)
		case "groupTypes":
			err = json.Unmarshal(v, &g.GroupTypes)
		case "onPremisesSyncEnabled":
			err = json.Unmarshal(v, &g.OnPremisesSyncEnabled)
		case "membershipRule":
			err = json.Unmarshal(v, &g.MembershipRule)
		case "members@delta":
			var ms []struct {
				member
				Removed *json.RawMessage `json:"@removed"`
			}
			if err = json.Unmarshal(v, &ms); err != nil {
				break
			}
			for _, m := range ms {
				list := &g.Members
				switch m.Type {
				case "#microsoft.graph.user":
				case "#microsoft.graph.group":
					list = &g.GroupMembers
				default:
					t.skip(strings.TrimPrefix(m.Type, "#microsoft.graph."), g.DisplayName+": "+m.ID)
					continue
				}
				*list = slices.DeleteFunc(*list, func(x string) bool { return x == m.ID })
				if m.Removed == nil {
					*list = append(*list, m.ID)
				}
			}
		}
		if err != nil {
			return i18n.Errorf("GET /groups/delta: group %s: %s: %w", id, k, err)
		}
	}
	return nil
}

// saveState writes the delta state whole or not at all (a file beside
// it, renamed over it), readable by its owner only.
func (s *Source) saveState(groups []group, link string, fullAt time.Time) error {
	data, err := json.Marshal(deltaState{Version: stateVersion, FullAt: fullAt.UTC().Format(time.RFC3339), DeltaLink: link, Groups: groups})
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(s.state), "."+filepath.Base(s.state)+".*")
	if err != nil {
		return i18n.Errorf("delta_file %s: %w", s.state, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return i18n.Errorf("delta_file %s: %w", s.state, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return i18n.Errorf("delta_file %s: %w", s.state, err)
	}
	if err := tmp.Close(); err != nil {
		return i18n.Errorf("delta_file %s: %w", s.state, err)
	}
	if err := os.Rename(tmp.Name(), s.state); err != nil {
		return i18n.Errorf("delta_file %s: %w", s.state, err)
	}
	return nil
}
