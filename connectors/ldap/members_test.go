package ldap

import (
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// closureByWalking is the closure as first written: from each group down
// through its members, every simple path, a member DN taken as an account
// when it is one and followed when it is a group (both, for an entry that
// is both); the same right from several groups is one, listing every path.
func closureByWalking(s *Source, groups []group, accountDNs map[string]string) map[string][]right {
	byDN := map[string]*group{}
	for i := range groups {
		byDN[normDN(groups[i].dn)] = &groups[i]
	}
	type key struct{ account, system, ent string }
	vias := map[key][]string{}
	mapped := map[key]bool{}
	for i := range groups {
		root := &groups[i]
		system, ent, isMapped := s.cfg.mapGroup(root.dn, root.cn)
		var walk func(x *group, path []*group)
		walk = func(x *group, path []*group) {
			via := ""
			if len(path) > 1 {
				var names []string
				for _, g := range path {
					names = append(names, g.cn)
				}
				via = strings.Join(names, " ← ")
			}
			add := func(id string) {
				k := key{id, system, ent}
				vias[k] = append(vias[k], via)
				mapped[k] = mapped[k] || isMapped
			}
			for _, m := range append(x.member, x.unique...) {
				if id, ok := accountDNs[normDN(m)]; ok {
					add(id)
				}
				if sub := byDN[normDN(m)]; sub != nil && !slices.Contains(path, sub) {
					walk(sub, append(slices.Clone(path), sub))
				}
			}
			for _, uid := range x.memberUID {
				add(uid)
			}
		}
		walk(root, []*group{root})
	}
	out := map[string][]right{}
	for k, vs := range vias {
		slices.Sort(vs)
		vs = slices.Compact(vs)
		via := strings.Join(vs, "; ")
		if vs[0] == "" {
			via = strings.TrimPrefix(via, "; ")
			if len(vs) > 1 {
				via = "direct; " + via
			}
		}
		out[k.account] = append(out[k.account], right{system: k.system, entitlement: k.ent, via: via, mapped: mapped[k]})
	}
	for _, rs := range out {
		slices.SortFunc(rs, func(a, b right) int {
			return strings.Compare(a.system+"\x00"+a.entitlement, b.system+"\x00"+b.entitlement)
		})
	}
	return out
}

// TestMembershipsAgreeWithWalkingTheGroups: on random directories — groups
// in groups at any depth, cycles, groups giving the same right, members by
// DN, uniqueMember and memberUid, DNs spelt in other cases, an entry that
// is an account and a group — the rights resolved account by account equal
// those found by walking down from every group.
func TestMembershipsAgreeWithWalkingTheGroups(t *testing.T) {
	s, err := New("corp", testConfig("ldap://127.0.0.1:1"), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	names := []string{"app-takuso-viewer", "app-takuso-admin", "app-saiene-viewer", "app-portal-admin", "legacy-admins", "eigyo-all", "eigyo-tokyo", "ops", "dev", "audit"}
	for seed := range uint64(300) {
		r := rand.New(rand.NewPCG(seed, 17))
		nGroups, nAccounts := 2+r.IntN(12), 1+r.IntN(20)
		groupDN := func(i int) string {
			if i == nGroups-1 && seed%3 == 0 {
				return fmt.Sprintf("uid=u%d,ou=people,dc=example,dc=jp", 0) // an account that is a group too
			}
			return fmt.Sprintf("cn=%s-%d,ou=groups,dc=example,dc=jp", names[i%len(names)], i/len(names))
		}
		accountDN := func(i int) string { return fmt.Sprintf("uid=u%d,ou=people,dc=example,dc=jp", i) }
		spell := func(dn string) string {
			if r.IntN(4) == 0 {
				return strings.ToUpper(dn[:3]) + dn[3:]
			}
			return dn
		}
		groups := make([]group, nGroups)
		for i := range groups {
			g := group{dn: groupDN(i), cn: strings.TrimSuffix(names[i%len(names)], "")}
			if i >= len(names) {
				g.cn = fmt.Sprintf("%s-%d", names[i%len(names)], i/len(names))
			}
			if i == 4 {
				g.dn = "cn=legacy-admins,ou=groups,dc=example,dc=jp" // the DN mapping
			}
			for range r.IntN(6) {
				g.member = append(g.member, spell(accountDN(r.IntN(nAccounts))))
			}
			for range r.IntN(3) {
				g.member = append(g.member, spell(groupDN(r.IntN(nGroups))))
			}
			if r.IntN(3) == 0 {
				g.unique = append(g.unique, accountDN(r.IntN(nAccounts)))
			}
			if r.IntN(3) == 0 {
				g.memberUID = append(g.memberUID, fmt.Sprintf("u%d", r.IntN(nAccounts)))
			}
			groups[i] = g
		}
		accountDNs := map[string]string{}
		for i := range nAccounts {
			accountDNs[normDN(accountDN(i))] = fmt.Sprintf("u%d", i)
		}
		want := closureByWalking(s, slices.Clone(groups), accountDNs)
		m := s.newMemberships(groups)
		for i := range nAccounts {
			id := fmt.Sprintf("u%d", i)
			got := m.rightsOf(accountDN(i), id, nil, "")
			if !slices.Equal(got, want[id]) {
				t.Fatalf("seed %d, %s:\n got %+v\nwant %+v", seed, id, got, want[id])
			}
		}
	}
}

// TestNestingWithTooManyPathsKeepsEveryRight: groups nested in 20 layers of
// 3, each group holding the whole layer below (3^19 paths down to the
// bottom): the member of a bottom group holds the right of every group
// above it, each through one shortest path, and the pull says the paths
// were cut short — it does not walk them all.
func TestNestingWithTooManyPathsKeepsEveryRight(t *testing.T) {
	var logs strings.Builder
	s, err := New("corp", testConfig("ldap://127.0.0.1:1"), slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	const layers, width = 20, 3
	dn := func(l, i int) string { return fmt.Sprintf("cn=app-s%d-e%d,ou=groups,dc=example,dc=jp", l, i) }
	var groups []group
	for l := range layers {
		for i := range width {
			g := group{dn: dn(l, i), cn: fmt.Sprintf("app-s%d-e%d", l, i)}
			for j := range width {
				if l+1 < layers {
					g.member = append(g.member, dn(l+1, j))
				}
			}
			if l == layers-1 && i == 0 {
				g.member = append(g.member, "uid=alice,ou=people,dc=example,dc=jp")
			}
			groups = append(groups, g)
		}
	}
	rights := s.newMemberships(groups).rightsOf("uid=alice,ou=people,dc=example,dc=jp", "alice", nil, "")
	if len(rights) != (layers-1)*width+1 {
		t.Fatalf("%d rights, want %d", len(rights), (layers-1)*width+1)
	}
	for _, r := range rights {
		if r.system == "s0" && strings.Count(r.via, " ← ") != layers-1 {
			t.Errorf("%s/%s via %q: not a shortest path", r.system, r.entitlement, r.via)
		}
	}
	if !strings.Contains(logs.String(), "too many paths of nested groups") {
		t.Errorf("the cut is not reported:\n%s", logs.String())
	}
}
