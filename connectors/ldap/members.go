package ldap

import (
	"cmp"
	"maps"
	"slices"
	"strings"

	"github.com/accessrecon/accessrecon/graph"
	goldap "github.com/go-ldap/ldap/v3"
)

// group is a group entry as read: its members by DN (member,
// uniqueMember) and by uid (memberUid), and the right it gives.
type group struct {
	dn, cn                    string
	member, unique, memberUID []string
	next                      int    // where the next range of member starts (0: no more)
	rid                       string // the relative id of an Active Directory group's objectSid

	norm                string // normalised DN
	system, entitlement string // the right it gives its members
	mapped              bool   // by a mapping (a role), not the directory's own group
}

// memberships answers, for one account at a time, which rights it holds
// through which groups. Membership is transitive: a group that is a member
// of a group gives its own members that group's right too, through any
// depth, and such a right records the path it comes through (its Via:
// "app-takuso-viewer ← 営業部-全員", the group that gives the right first;
// several paths are listed). It is built from the groups alone, so that
// accounts are resolved, and loaded, as they arrive.
//
// A member DN is looked up among the groups whatever else it is: an entry
// that is both an account and a group (an Active Directory group the
// account filter matches) holds its own rights and passes them on to its
// members, as Active Directory's in-chain rule counts it.
type memberships struct {
	src     *Source
	groups  []*group            // those read, then those known only from memberOf
	byDN    map[string]*group   // normalised DN → group
	parents map[string][]*group // normalised member DN → the groups that list it (member, uniqueMember)
	byUID   map[string][]*group // memberUid value → the groups that list it
	byRID   map[string]*group   // the relative id of objectSid → group
	up      map[*group][]held   // memo of upward: the groups whose right a direct member of the key holds, and the path
	only    map[*group][]right  // memo of the rights of a member of the key alone (most accounts)
	fresh   []*group            // groups made from memberOf since the last call of made
}

// held is a group's right, held through a path of nested groups ("" when
// the member is in the group itself).
type held struct {
	g   *group
	via string
}

// newMemberships indexes the groups and reports each cycle of nested
// groups once (a cycle is followed once).
func (s *Source) newMemberships(groups []group) *memberships {
	m := &memberships{src: s, byDN: make(map[string]*group, len(groups)), parents: map[string][]*group{}, byUID: map[string][]*group{},
		byRID: map[string]*group{}, up: map[*group][]held{}, only: map[*group][]right{}}
	for i := range groups {
		g := &groups[i]
		m.add(g)
		for _, dn := range append(g.member, g.unique...) {
			key := normDN(dn)
			if ps := m.parents[key]; len(ps) == 0 || ps[len(ps)-1] != g { // listed twice: once
				m.parents[key] = append(ps, g)
			}
		}
		for _, uid := range g.memberUID {
			if ps := m.byUID[uid]; len(ps) == 0 || ps[len(ps)-1] != g {
				m.byUID[uid] = append(ps, g)
			}
		}
		if g.rid != "" {
			m.byRID[g.rid] = g
		}
	}
	m.reportCycles()
	return m
}

// add indexes a group and the right it gives.
func (m *memberships) add(g *group) {
	g.norm = normDN(g.dn)
	g.system, g.entitlement, g.mapped = m.src.cfg.mapGroup(g.dn, g.cn)
	m.groups = append(m.groups, g)
	m.byDN[g.norm] = g
}

// named is the group with that DN, made from the DN (its first RDN's value
// as its name) when no group entry was read: an account's memberOf may
// name a group outside the group search.
func (m *memberships) named(dn string) *group {
	key := normDN(dn)
	if g := m.byDN[key]; g != nil {
		return g
	}
	cn := dn
	if p, err := goldap.ParseDN(dn); err == nil && len(p.RDNs) > 0 && len(p.RDNs[0].Attributes) > 0 {
		cn = p.RDNs[0].Attributes[0].Value
	}
	g := &group{dn: dn, cn: cn}
	m.add(g)
	m.fresh = append(m.fresh, g)
	return g
}

// made returns the groups made from memberOf since it was last called.
func (m *memberships) made() []*group {
	f := m.fresh
	m.fresh = nil
	return f
}

// maxPaths bounds the paths of nested groups listed for a group: nesting
// can make their number grow exponentially with the depth.
const maxPaths = 256

// upward lists, for a direct member of d, every group whose right it holds
// and the path from that group down to d: d itself, and each simple path
// up through the groups that list it. Past maxPaths paths each group above
// d is listed once, through a shortest path (and a warning says so): every
// right is still there, not every way to it.
func (m *memberships) upward(d *group) []held {
	if h, ok := m.up[d]; ok {
		return h
	}
	out, complete := m.allPaths(d)
	if !complete {
		out = m.shortestPaths(d)
		m.src.log.Warn("ldap: too many paths of nested groups lead to a group; each group above it is listed through one", "source", m.src.SourceName,
			"group", d.dn, "paths_listed_at_most", maxPaths)
	}
	m.up[d] = out
	return out
}

// via is a path of groups as a grant shows it.
func via(path []*group) string {
	if len(path) < 2 {
		return ""
	}
	names := make([]string, len(path))
	for i, g := range path {
		names[i] = g.cn
	}
	return strings.Join(names, " ← ")
}

// allPaths is every simple path up from d, unless there are more than
// maxPaths.
func (m *memberships) allPaths(d *group) (out []held, complete bool) {
	var walk func(x *group, path []*group) bool
	walk = func(x *group, path []*group) bool { // path: from x down to d
		if len(out) == maxPaths {
			return false
		}
		out = append(out, held{x, via(path)})
		for _, p := range m.parents[x.norm] {
			if !slices.Contains(path, p) { // a cycle: followed once
				if !walk(p, append([]*group{p}, path...)) {
					return false
				}
			}
		}
		return true
	}
	return out, walk(d, []*group{d})
}

// shortestPaths is each group above d (and d) once, through a shortest path.
func (m *memberships) shortestPaths(d *group) []held {
	below := map[*group]*group{d: nil} // group → the next group down its path
	queue := []*group{d}
	var out []held
	for len(queue) > 0 {
		x := queue[0]
		queue = queue[1:]
		var path []*group
		for g := x; g != nil; g = below[g] {
			path = append(path, g)
		}
		out = append(out, held{x, via(path)})
		for _, p := range m.parents[x.norm] {
			if _, seen := below[p]; !seen {
				below[p] = x
				queue = append(queue, p)
			}
		}
	}
	return out
}

// reportCycles warns once of each cycle of nested groups a depth-first walk
// finds (at least one in each set of groups nested in one another), in
// time linear in the groups and their members.
func (m *memberships) reportCycles() {
	reported := map[string]bool{}
	state := map[*group]int{} // 1: on the path; 2: done
	var path []*group
	var visit func(x *group)
	visit = func(x *group) {
		state[x] = 1
		path = append(path, x)
		for _, dn := range append(x.member, x.unique...) {
			sub := m.byDN[normDN(dn)]
			switch {
			case sub == nil:
			case state[sub] == 0:
				visit(sub)
			case state[sub] == 1:
				var names []string
				for _, g := range path[slices.Index(path, sub):] {
					names = append(names, g.cn)
				}
				if key := strings.Join(slices.Sorted(slices.Values(names)), "\x00"); !reported[key] {
					reported[key] = true
					m.src.log.Warn("ldap: a cycle of nested groups, followed once", "source", m.src.SourceName, "cycle", strings.Join(append(names, sub.cn), " → "))
				}
			}
		}
		path = path[:len(path)-1]
		state[x] = 2
	}
	for _, g := range m.groups {
		if state[g] == 0 {
			visit(g)
		}
	}
}

// right is one right an account holds: on a system, an entitlement, the
// paths it comes through ("" direct; "direct; a ← b" both), and whether a
// mapping gives it (a role).
type right struct {
	system, entitlement, via string
	mapped                   bool
}

// rightsOf are the rights of an account entry: through the groups listing
// its DN or id, those its memberOf names, and its primary group (by
// relative id), by system and entitlement. The same right through several
// groups or paths is one right listing them. The slice is shared: read it
// only.
func (m *memberships) rightsOf(dn, id string, memberOf []string, primaryRID string) []right {
	var direct []*group
	direct = append(direct, m.parents[normDN(dn)]...)
	direct = append(direct, m.byUID[id]...)
	for _, g := range memberOf {
		direct = append(direct, m.named(g))
	}
	if g := m.byRID[primaryRID]; primaryRID != "" && g != nil {
		direct = append(direct, g)
	}
	switch len(direct) {
	case 0:
		return nil
	case 1:
		rs, ok := m.only[direct[0]]
		if !ok {
			rs = merge(slices.Clone(m.upward(direct[0])))
			m.only[direct[0]] = rs
		}
		return rs
	}
	var hs []held
	for _, d := range direct {
		hs = append(hs, m.upward(d)...)
	}
	return merge(hs)
}

// merge sorts the groups held (by system, entitlement and path) and makes
// each system's entitlement one right.
func merge(hs []held) []right {
	slices.SortFunc(hs, func(a, b held) int {
		return cmp.Or(strings.Compare(a.g.system, b.g.system), strings.Compare(a.g.entitlement, b.g.entitlement), strings.Compare(a.via, b.via))
	})
	var out []right
	for i := 0; i < len(hs); {
		j, vias, mapped := i, []string(nil), false
		for ; j < len(hs) && hs[j].g.system == hs[i].g.system && hs[j].g.entitlement == hs[i].g.entitlement; j++ {
			if len(vias) == 0 || vias[len(vias)-1] != hs[j].via {
				vias = append(vias, hs[j].via)
			}
			mapped = mapped || hs[j].g.mapped
		}
		via := strings.Join(vias, "; ")
		if vias[0] == "" { // a direct member: the right is held directly too
			via = strings.TrimPrefix(via, "; ")
			if len(vias) > 1 {
				via = "direct; " + via
			}
		}
		out = append(out, right{system: hs[i].g.system, entitlement: hs[i].g.entitlement, via: via, mapped: mapped})
		i = j
	}
	return out
}

// size estimates, from the groups, how many accounts a pull loads: the
// members listed (by DN and by uid), and the memberships of groups giving
// rights on other systems than the directory's.
func (m *memberships) size(own string) int {
	n := len(m.parents) + len(m.byUID)
	for _, g := range m.groups {
		if g.system != own {
			n += len(g.member) + len(g.unique) + len(g.memberUID)
		}
	}
	return n
}

// declare declares on the graph the rights of groups: all of them, or
// those made since the last call.
func declare(w *graph.Writer, groups []*group) error {
	ents := map[string][]string{}
	for _, g := range groups {
		if !slices.Contains(ents[g.system], g.entitlement) {
			ents[g.system] = append(ents[g.system], g.entitlement)
		}
	}
	for _, sys := range slices.Sorted(maps.Keys(ents)) {
		slices.Sort(ents[sys])
		if err := w.DeclareEntitlements(sys, sys, ents[sys]); err != nil {
			return err
		}
	}
	return nil
}
