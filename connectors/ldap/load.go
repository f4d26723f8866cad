package ldap

import (
	"bufio"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/accessrecon/accessrecon/graph"
	"github.com/accessrecon/accessrecon/i18n"
	goldap "github.com/go-ldap/ldap/v3"
)

// directory is what a pull found, loaded into the graph as it arrives: an
// account with its rights once the groups are known (the accounts read
// before that wait for them).
type directory struct {
	s        *Source
	w        *graph.Writer
	members  *memberships              // nil until the groups are read
	accounts map[string]*graph.Account // by id
	order    []*graph.Account          // as read (servers tend to give them sorted)
	grants   map[string][]grant        // by system, as loaded
	pending  []entry                   // accounts read before the groups
	// dns and primary are kept for verify_nested: each account's
	// normalised DN, and primaryGroupID (a RID) → the DNs of the accounts
	// whose primary group it is.
	dns     map[*graph.Account]string
	primary map[string][]string
	// valued counts the accounts on which each configured attribute
	// (owner, kind, mfa, login: see valuedAttrs) had a value: one that
	// never had is most likely misspelt.
	valued [4]int
	// skipped counts the entries of the account search without an id
	// (aliases, other objects); duplicates those with the id of an entry
	// before them (the first is loaded).
	skipped, duplicates int
	err                 error // the first error loading
}

// entry is an account entry as read: the account, its DN, and the groups
// it names itself (memberOf, primaryGroupID).
type entry struct {
	a          *graph.Account
	dn         string
	memberOf   []string
	primaryRID string
}

// grant is a right an account holds through groups: the entitlement, and
// the paths of nested groups it comes through ("" for a direct member).
type grant struct {
	account  *graph.Account
	ent, via string
}

// newDirectory declares the directory's own system.
func (s *Source) newDirectory(w *graph.Writer) (*directory, error) {
	d := &directory{s: s, w: w, accounts: map[string]*graph.Account{}, grants: map[string][]grant{}}
	if s.cfg.VerifyNested {
		d.dns, d.primary = map[*graph.Account]string{}, map[string][]string{}
	}
	if err := w.DeclareEntitlements(s.cfg.System, "directory "+s.SourceName, nil); err != nil {
		return nil, i18n.Errorf("ldap: %w", err)
	}
	return d, nil
}

// add takes an account entry: loaded now when the groups are known, or
// when they are.
func (d *directory) add(e entry) {
	d.accounts[e.a.ID] = e.a
	d.order = append(d.order, e.a)
	if d.dns != nil {
		d.dns[e.a] = normDN(e.dn)
		if e.primaryRID != "" {
			d.primary[e.primaryRID] = append(d.primary[e.primaryRID], e.dn)
		}
	}
	if d.members == nil {
		d.pending = append(d.pending, e)
		return
	}
	d.load(e)
}

// setMembers takes the groups, declares the rights they give, and loads
// the accounts that were waiting for them.
func (d *directory) setMembers(m *memberships) {
	d.members = m
	// Room in the writer for what the groups suggest: an account for each
	// member, and one on each other system for each of its members.
	d.w.ReserveAccounts(m.size(d.s.cfg.System))
	if err := declare(d.w, m.groups); err != nil && d.err == nil {
		d.err = i18n.Errorf("ldap: %w", err)
	}
	for _, e := range d.pending {
		d.load(e)
	}
	d.pending = nil
}

// load writes an account, an account on each other system it holds a
// right on (unless another source wrote it), and its rights.
func (d *directory) load(e entry) {
	if d.err != nil {
		return
	}
	if err := d.w.AddAccount(e.a); err != nil {
		d.err = i18n.Errorf("ldap: %w", err)
		return
	}
	rights := d.members.rightsOf(e.dn, e.a.ID, e.memberOf, e.primaryRID)
	if made := d.members.made(); len(made) > 0 {
		if err := declare(d.w, made); err != nil {
			d.err = i18n.Errorf("ldap: %w", err)
			return
		}
	}
	last := ""
	for _, r := range rights { // by system
		if r.system != d.s.cfg.System && r.system != last {
			last = r.system
			a := *e.a
			a.System, a.Grants = r.system, nil
			// One another source wrote is the one the grant goes to.
			if err := d.w.AddAccount(&a); err != nil && !errors.Is(err, graph.ErrDuplicate) {
				d.err = i18n.Errorf("ldap: %w", err)
				return
			}
		}
		origin := "request"
		if r.mapped {
			origin = "role"
		}
		if err := d.w.AddGrant(&graph.Grant{System: r.system, Account: e.a.ID, Entitlement: r.entitlement, Origin: origin, Source: d.s.SourceName, Via: r.via}); err != nil {
			d.err = i18n.Errorf("ldap: %w", err)
			return
		}
		d.grants[r.system] = append(d.grants[r.system], grant{account: e.a, ent: r.entitlement, via: r.via})
	}
}

// finish reports what is likely misconfigured and returns the digest of a
// listing of what was loaded: the accounts by id, then each system's
// grants. An attribute the config names that no account has is reported:
// a misspelt owner attribute would make every account ownerless.
func (d *directory) finish() (string, error) {
	if d.err != nil {
		return "", d.err
	}
	s := d.s
	if len(d.accounts) > 0 {
		for i, attr := range s.valuedAttrs() {
			if attr != "" && d.valued[i] == 0 {
				s.log.Warn("ldap: no account has a value of the attribute the config names; is it spelt as the directory spells it?",
					"source", s.SourceName, "setting", [4]string{"owner", "kind", "mfa", "owners_from attribute"}[i], "attribute", attr, "accounts", len(d.accounts))
			}
		}
	}
	h := sha256.New()
	b := bufio.NewWriterSize(h, 64<<10)
	line := func(parts ...string) {
		for k, p := range parts {
			if k > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(p)
		}
		b.WriteByte('\n')
	}
	// The two sorts at once; both are quick on what is sorted already.
	var wg sync.WaitGroup
	wg.Go(func() {
		slices.SortFunc(d.order, func(a, b *graph.Account) int { return strings.Compare(a.ID, b.ID) })
	})
	systems := slices.Sorted(maps.Keys(d.grants))
	for _, sys := range systems {
		slices.SortFunc(d.grants[sys], func(a, b grant) int {
			return cmp.Or(strings.Compare(a.account.ID, b.account.ID), strings.Compare(a.ent, b.ent), strings.Compare(a.via, b.via))
		})
	}
	wg.Wait()
	for _, a := range d.order {
		line(a.ID, a.Owner, a.Kind, a.Status)
	}
	for _, sys := range systems {
		for _, g := range d.grants[sys] {
			if g.via == "" {
				line(sys, g.account.ID, g.ent)
			} else {
				line(sys, g.account.ID, g.ent, "via", g.via)
			}
		}
	}
	b.Flush()
	return "sha256:" + hex.EncodeToString(h.Sum(nil)), nil
}

// Pull reads accounts and groups, each on its own connection at the same
// time, and loads each account with its rights as it arrives (those that
// come before the groups are read wait for them). A connection, bind or
// search error fails the whole source.
func (s *Source) Pull(ctx context.Context, w *graph.Writer) (string, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var first error
	var once sync.Once
	fail := func(err error) {
		once.Do(func() { first = err; cancel() }) // the other search stops too
	}
	d, err := s.newDirectory(w)
	if err != nil {
		return "", err
	}
	s.referrals.Store(0)
	attrs := []string{s.cfg.IDAttr, s.cfg.OwnerAttr, s.cfg.DisabledAttr}
	for _, a := range []string{s.cfg.KindAttr, s.cfg.LoginAttr, s.cfg.MFAAttr, s.cfg.PasswordSetAttr, s.cfg.LastSignInAttr, s.cfg.CreatedAttr} {
		if a != "" {
			attrs = append(attrs, a)
		}
	}
	if s.cfg.MemberOf {
		attrs = append(attrs, "memberOf")
	}
	if s.cfg.Directory == DirectoryAD {
		attrs = append(attrs, "primaryGroupID", "accountExpires")
	}
	type read struct {
		m   *memberships
		err error
	}
	groups := make(chan read, 1)
	go func() {
		m, err := s.readGroups(ctx)
		if err != nil {
			fail(err)
		}
		groups <- read{m, err}
	}()
	// The loader takes the entries in batches, so that loading runs beside
	// the reading; it owns d (and the writer) until it has taken the last.
	batches := make(chan []*goldap.Entry, 16)
	loaded := make(chan struct{})
	received := false
	take := func(r read) {
		received = true
		if r.err == nil {
			d.setMembers(r.m)
		}
	}
	go func() {
		defer close(loaded)
		for batch := range batches {
			if !received {
				select {
				case r := <-groups:
					take(r)
				default:
				}
			}
			for _, e := range batch {
				if d.err != nil {
					break // draining: the search stops
				}
				// Attribute names are case-insensitive (RFC 4512).
				if a := s.accountOf(d, e.GetEqualFoldAttributeValue); a != nil {
					d.add(entry{a: a, dn: e.DN, memberOf: e.GetEqualFoldAttributeValues("memberOf"), primaryRID: e.GetEqualFoldAttributeValue("primaryGroupID")})
				}
			}
			if d.err != nil {
				fail(d.err)
			}
		}
	}()
	var batch []*goldap.Entry
	err = s.searchOn(ctx, s.cfg.AccountBase, s.cfg.AccountFilter, attrs, func(e *goldap.Entry) {
		batch = append(batch, e)
		if len(batch) == 256 {
			batches <- batch
			batch = nil
		}
	})
	if err != nil {
		fail(err)
	} else if len(batch) > 0 {
		batches <- batch
	}
	close(batches)
	<-loaded
	if !received {
		take(<-groups)
	}
	if d.err != nil {
		fail(d.err)
	}
	if first != nil {
		return "", first
	}
	if d.skipped > 0 || d.duplicates > 0 || s.referrals.Load() > 0 {
		s.log.Warn("ldap: entries not read as accounts, and references not followed", "source", s.SourceName,
			"without_id", d.skipped, "id_attribute", s.cfg.IDAttr, "same_id_as_an_entry_before", d.duplicates, "referrals_not_followed", s.referrals.Load())
	}
	if s.cfg.VerifyNested {
		if err := s.verifyNested(ctx, d); err != nil {
			return "", err
		}
	}
	return d.finish()
}

// readGroups reads the group entries, the rest of the member ranges of
// those the server gave in part, and indexes them.
func (s *Source) readGroups(ctx context.Context) (*memberships, error) {
	if s.cfg.GroupBase == "" && s.cfg.MemberOf {
		return s.newMemberships(nil), nil // memberships from memberOf alone
	}
	memberAttr := "member"
	if s.cfg.Directory == DirectoryAD {
		// Windows gives at most 1,500 values of a large member attribute
		// and a range to ask for the rest; Samba gives all unless asked
		// for a range. Asking for the first 1,500 works the same with both.
		memberAttr = "member;range=0-1499"
	}
	attrs := []string{"cn", memberAttr, "uniqueMember", "memberUid"}
	if s.cfg.Directory == DirectoryAD {
		attrs = append(attrs, "objectSid")
	}
	var groups []group
	search := func() error {
		groups = groups[:0]
		return s.searchOn(ctx, s.cfg.GroupBase, s.cfg.GroupFilter, attrs, func(e *goldap.Entry) {
			members, more := rangedValues(e, "member")
			groups = append(groups, group{dn: e.DN, cn: e.GetEqualFoldAttributeValue("cn"), member: members,
				unique: e.GetEqualFoldAttributeValues("uniqueMember"), memberUID: e.GetEqualFoldAttributeValues("memberUid"), next: max(more, 0),
				rid: rid([]byte(e.GetEqualFoldAttributeValue("objectSid")))})
		})
	}
	if err := search(); err != nil {
		return nil, err
	}
	if memberAttr != "member" && len(groups) > 0 && !slices.ContainsFunc(groups, func(g group) bool { return len(g.member) > 0 }) {
		// Not one group with a member: a server that does not know
		// Active Directory's ranges answers member;range=... with nothing.
		// Ask for the attribute itself.
		s.log.Warn("ldap: the server gave no group members for member;range=0-1499; asking for member", "url", s.cfg.URL)
		attrs[1] = "member"
		if err := search(); err != nil {
			return nil, err
		}
	}
	var ranged []*group // groups with members still to fetch
	for i := range groups {
		if groups[i].next > 0 {
			ranged = append(ranged, &groups[i])
		}
	}
	if len(ranged) > 0 {
		if err := s.fetchRanges(ctx, ranged); err != nil {
			return nil, err
		}
	}
	return s.newMemberships(groups), nil
}

// inChain is Active Directory's LDAP_MATCHING_RULE_IN_CHAIN.
const inChain = "1.2.840.113556.1.4.1941"

// verifyNested compares, for each mapped group that holds groups, the
// accounts the server finds in chain with those the closure gave the right
// to, and warns of the differences (by count, and the first few).
func (s *Source) verifyNested(ctx context.Context, d *directory) error {
	conn, release, err := s.open(ctx, s.cfg.URL)
	if err != nil {
		return err
	}
	defer release()
	for _, g := range d.members.groups {
		if !g.mapped || !slices.ContainsFunc(g.member, func(m string) bool { return d.members.byDN[normDN(m)] != nil }) {
			continue
		}
		ours := map[string]bool{}
		for _, gr := range d.grants[g.system] {
			if gr.ent == g.entitlement {
				ours[d.dns[gr.account]] = true
			}
		}
		if g.rid != "" {
			for _, dn := range d.primary[g.rid] {
				delete(ours, normDN(dn)) // the rule leaves primary groups out
			}
		}
		theirs := map[string]bool{}
		filter := fmt.Sprintf("(&%s(memberOf:%s:=%s))", s.cfg.AccountFilter, inChain, goldap.EscapeFilter(g.dn))
		if err := s.search(ctx, conn, s.cfg.AccountBase, filter, []string{"1.1"}, func(e *goldap.Entry) { theirs[normDN(e.DN)] = true }); err != nil {
			return err
		}
		// Accounts whose primary group is another group we read: their
		// right may come through it, which the in-chain rule does not
		// count (Active Directory keeps primary groups out of memberOf).
		byPrimary := map[string]bool{}
		for rid, dns := range d.primary {
			if rid == g.rid || d.members.byRID[rid] == nil {
				continue
			}
			for _, dn := range dns {
				byPrimary[normDN(dn)] = true
			}
		}
		var onlyOurs, onlyTheirs []string
		primaryOnly := 0
		for dn := range ours {
			switch {
			case theirs[dn]:
			case byPrimary[dn]:
				primaryOnly++
			default:
				onlyOurs = append(onlyOurs, dn)
			}
		}
		if primaryOnly > 0 {
			s.log.Info("ldap: nested members through a primary group, which the server's in-chain answer leaves out", "source", s.SourceName, "group", g.dn, "members", primaryOnly)
		}
		for dn := range theirs {
			if !ours[dn] {
				onlyTheirs = append(onlyTheirs, dn)
			}
		}
		if len(onlyOurs)+len(onlyTheirs) > 0 {
			slices.Sort(onlyOurs)
			slices.Sort(onlyTheirs)
			s.log.Warn("ldap: the nested members of a group differ from the server's in-chain answer", "source", s.SourceName, "group", g.dn,
				"only_here", len(onlyOurs), "only_on_server", len(onlyTheirs), "first_here", onlyOurs[:min(3, len(onlyOurs))], "first_on_server", onlyTheirs[:min(3, len(onlyTheirs))])
		} else {
			s.log.Info("ldap: nested members agree with the server's in-chain answer", "source", s.SourceName, "group", g.dn, "members", len(ours))
		}
	}
	return nil
}
