// Package ldap is the `type: ldap` source (and `type: ldif`, the same
// mapping over an LDIF export): the accounts of a directory, and the rights
// its groups give on the systems mapped to them; and a revoker that removes
// group members and disables accounts.
package ldap

import (
	"bufio"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"math"
	"net/url"
	"os"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/accessrecon/accessrecon/connectors"
	"github.com/accessrecon/accessrecon/graph"
	"github.com/accessrecon/accessrecon/i18n"
	ber "github.com/go-asn1-ber/asn1-ber"
	goldap "github.com/go-ldap/ldap/v3"
)

// Config is an ldap source. A complete example:
//
//	sources:
//	  - name: corp
//	    type: ldap
//	    url: ldap://ldap.example.co.jp:389      # or ldaps://...:636
//	    start_tls: true
//	    ca_file: corp-ca.pem
//	    bind_dn: cn=accessrecon,ou=system,dc=example,dc=co,dc=jp
//	    password_env: LDAP_PASSWORD             # or password_file: /run/secrets/ldap (never inline)
//	    system: ldap:corp                       # the directory's own system (default ldap:<name>)
//	    accounts: {base_dn: "ou=people,dc=example,dc=co,dc=jp", filter: "(objectClass=inetOrgPerson)",
//	               id: uid, owner: employeeNumber, kind: employeeType, disabled: pwdAccountLockedTime}
//	    groups: {base_dn: "ou=groups,dc=example,dc=co,dc=jp"}
//	    mappings:
//	      - {pattern: "app-{system}-{entitlement}"}                 # on the group's cn
//	      - {dn: "cn=legacy-admins,ou=groups,dc=example,dc=co,dc=jp", system: portal, entitlement: admin}
//	    disable: {method: ppolicy}                # or {method: move, ou: "ou=disabled,dc=example,dc=co,dc=jp"}
type Config struct {
	URL      string
	StartTLS bool
	CAFile   string
	BindDN   string
	Password string // read from password_env or password_file by the caller; never logged
	System   string
	PageSize uint32

	AccountBase, AccountFilter                string
	IDAttr, OwnerAttr, KindAttr, DisabledAttr string
	// VerifyNested (Active Directory): for each group with nested groups
	// that gives a mapped right, ask the server for its members in chain
	// (LDAP_MATCHING_RULE_IN_CHAIN) and warn where they differ from the
	// closure computed here (primary groups aside, which the rule does not
	// count). About a second and a half a group on Samba.
	VerifyNested bool
	// DerefAliases: dereference alias entries while searching (the
	// searches then see the entries aliases point to, as ldapsearch -a
	// always does); by default aliases are not followed, and counted with
	// the entries without an id.
	DerefAliases bool
	// MemberOf: memberships are also read from the accounts' memberOf
	// attribute (for a bind DN that may read users but not groups), and
	// the group search may be left out (GroupBase "").
	MemberOf bool
	// DisabledBit, if not 0, is the flag bit of DisabledAttr's number that
	// means disabled (Active Directory's userAccountControl: 2); else the
	// attribute's presence does.
	DisabledBit int64
	// Directory is openldap (default) or active_directory: the defaults of
	// the names above, group entries of class group, ranged retrieval of
	// member, and how an account is disabled (uac).
	Directory string
	// MFAAttr, if set, says whether an account has a second factor.
	MFAAttr                string
	GroupBase, GroupFilter string
	Mappings               []Mapping

	DisableMethod string // ppolicy (default) or move
	DisabledOU    string
	// EmptyGroupMember is the placeholder DN put into a groupOfNames or
	// groupOfUniqueNames as its last member leaves (their schema forbids
	// an empty group); without one, such a revoke is left to people.
	EmptyGroupMember string

	// LoginAttr, if set, is an account attribute holding a login on another
	// system (e.g. a GitHub login): OwnersByLogin maps its values to owners.
	LoginAttr string

	// FollowReferrals are the servers (host:port) whose search references
	// are followed, with the same bind DN, password and TLS settings: the
	// credentials never go to a server not listed. References to other
	// servers are counted and reported.
	FollowReferrals []string
}

// maxReferralHops bounds a chain of referrals (a loop is also cut by the
// set of servers and bases already searched).
const maxReferralHops = 5

// Mapping says which groups give which right: a group by DN, or every group
// whose cn matches a pattern with {system} and {entitlement} captures.
type Mapping struct {
	DN          string
	Pattern     string
	System      string
	Entitlement string
	re          *regexp.Regexp
}

// Defaults fills what the config left empty and checks what is required.
func (c *Config) Defaults(name string) error {
	missing := func(f string) error { return i18n.Errorf("ldap: missing required field %q", f) }
	switch {
	case c.URL == "":
		return missing("url")
	case c.AccountBase == "":
		return missing("accounts.base_dn")
	case c.GroupBase == "" && !c.MemberOf:
		return missing("groups.base_dn")
	}
	if !strings.HasPrefix(c.URL, "ldap://") && !strings.HasPrefix(c.URL, "ldaps://") {
		return i18n.Errorf("ldap: url %q: expected ldap:// or ldaps://", c.URL)
	}
	def := func(p *string, v string) {
		if *p == "" {
			*p = v
		}
	}
	def(&c.System, "ldap:"+name)
	switch c.Directory {
	case "", DirectoryOpenLDAP:
	case DirectoryAD:
		def(&c.AccountFilter, "(&(objectCategory=person)(objectClass=user))")
		def(&c.IDAttr, "sAMAccountName")
		def(&c.OwnerAttr, "employeeID")
		if c.DisabledAttr == "" {
			c.DisabledAttr, c.DisabledBit = "userAccountControl", ACCOUNTDISABLE
		}
		def(&c.GroupFilter, "(objectClass=group)")
		def(&c.DisableMethod, "uac")
	default:
		return i18n.Errorf("ldap: directory %q: expected openldap or active_directory", c.Directory)
	}
	def(&c.AccountFilter, "(objectClass=inetOrgPerson)")
	def(&c.IDAttr, "uid")
	def(&c.OwnerAttr, "employeeNumber")
	def(&c.DisabledAttr, "pwdAccountLockedTime")
	def(&c.GroupFilter, "(|(objectClass=groupOfNames)(objectClass=groupOfUniqueNames)(objectClass=posixGroup))")
	def(&c.DisableMethod, "ppolicy")
	if c.PageSize == 0 {
		c.PageSize = 500
	}
	if c.DisableMethod != "ppolicy" && c.DisableMethod != "move" && c.DisableMethod != "uac" {
		return i18n.Errorf("ldap: disable.method %q: expected ppolicy, uac or move", c.DisableMethod)
	}
	if c.DisableMethod == "uac" && c.DisabledBit == 0 {
		c.DisabledAttr, c.DisabledBit = "userAccountControl", ACCOUNTDISABLE
	}
	if c.DisableMethod == "move" && c.DisabledOU == "" {
		return missing("disable.ou")
	}
	for i := range c.Mappings {
		m := &c.Mappings[i]
		switch {
		case m.DN != "" && (m.System == "" || m.Entitlement == ""):
			return i18n.Errorf("ldap: mappings[%d]: a mapping by dn needs system and entitlement", i)
		case m.Pattern != "":
			if !strings.Contains(m.Pattern, "{system}") && m.System == "" || !strings.Contains(m.Pattern, "{entitlement}") && m.Entitlement == "" {
				return i18n.Errorf("ldap: mappings[%d]: pattern %q needs {system} and {entitlement}, or system and entitlement fields", i, m.Pattern)
			}
			expr := "^" + regexp.QuoteMeta(m.Pattern) + "$"
			expr = strings.Replace(expr, regexp.QuoteMeta("{system}"), "(?P<system>.+?)", 1)
			expr = strings.Replace(expr, regexp.QuoteMeta("{entitlement}"), "(?P<entitlement>.+)", 1)
			re, err := regexp.Compile("(?i)" + expr)
			if err != nil {
				return i18n.Errorf("ldap: mappings[%d]: %w", i, err)
			}
			m.re = re
		case m.DN == "":
			return i18n.Errorf("ldap: mappings[%d]: expected dn or pattern", i)
		}
	}
	return nil
}

// mapGroup says which right a group gives: a mapped system and entitlement,
// or else group:<cn> on the directory's own system.
func (c *Config) mapGroup(dn, cn string) (system, entitlement string, mapped bool) {
	for _, m := range c.Mappings {
		if m.DN != "" && strings.EqualFold(normDN(m.DN), normDN(dn)) {
			return m.System, m.Entitlement, true
		}
		if m.re != nil {
			if sub := m.re.FindStringSubmatch(cn); sub != nil {
				system, entitlement = m.System, m.Entitlement
				if i := m.re.SubexpIndex("system"); i > 0 {
					system = sub[i]
				}
				if i := m.re.SubexpIndex("entitlement"); i > 0 {
					entitlement = sub[i]
				}
				return system, entitlement, true
			}
		}
	}
	return c.System, "group:" + cn, false
}

// groupFor is the cn of the group that gives a right, for the revoker.
func (c *Config) groupFor(system, entitlement string) (dn, cn string, ok bool) {
	if cn, found := strings.CutPrefix(entitlement, "group:"); found && system == c.System {
		return "", cn, true
	}
	// A group named by its DN is the more specific mapping: it wins over a
	// pattern listed before it (else a revoke would look for a pattern's
	// group that does not exist and take the right for gone).
	for _, m := range c.Mappings {
		if m.DN != "" && m.System == system && m.Entitlement == entitlement {
			return m.DN, "", true
		}
	}
	for _, m := range c.Mappings {
		if m.Pattern != "" && (m.System == "" || m.System == system) && (m.Entitlement == "" || m.Entitlement == entitlement) {
			cn := strings.Replace(strings.Replace(m.Pattern, "{system}", system, 1), "{entitlement}", entitlement, 1)
			return "", cn, true
		}
	}
	return "", "", false
}

// normDN is a DN in a comparable form.
func normDN(dn string) string {
	if !strings.ContainsAny(dn, `\+"#;<> `) {
		return strings.ToLower(dn) // the common case: nothing to unescape or reorder
	}
	if p, err := goldap.ParseDN(dn); err == nil {
		parts := make([]string, len(p.RDNs))
		for i, r := range p.RDNs {
			var avs []string
			for _, a := range r.Attributes {
				avs = append(avs, strings.ToLower(a.Type)+"="+strings.ToLower(a.Value))
			}
			sort.Strings(avs)
			parts[i] = strings.Join(avs, "+")
		}
		return strings.Join(parts, ",")
	}
	return strings.ToLower(dn)
}

// Directories.
const (
	DirectoryOpenLDAP = "openldap"
	DirectoryAD       = "active_directory"
)

// ACCOUNTDISABLE is userAccountControl's flag of a disabled account.
const ACCOUNTDISABLE = 2

// Source pulls a directory.
type Source struct {
	SourceName string
	cfg        Config
	log        *slog.Logger
	afterPage  func() // test hook: called after each page
	// owners maps values of Config.LoginAttr to the owners of the entries
	// that carry them, after a pull (see OwnersByLogin).
	owners map[string]string
	// referrals counts the search references of a pull (not followed).
	referrals atomic.Int64
	// lastAccounts is how many accounts the last pull found.
	lastAccounts atomic.Int64
}

// New makes a source; it does not connect.
func New(name string, cfg Config, log *slog.Logger) (*Source, error) {
	if err := cfg.Defaults(name); err != nil {
		return nil, err
	}
	return &Source{SourceName: name, cfg: cfg, log: log}, nil
}

// Name is the configured source name.
func (s *Source) Name() string { return s.SourceName }

// connect dials, secures and binds. Errors name the server and the bind DN,
// never the password.
// connect opens a connection that ctx ending closes; release closes it and
// forgets ctx (no goroutine is left waiting for it).
func (s *Source) connect(ctx context.Context) (conn *goldap.Conn, release func(), err error) {
	return s.connectTo(ctx, s.cfg.URL)
}

// connectTo connects to a server (the configured one, or one a referral
// names and FollowReferrals allows).
func (s *Source) connectTo(ctx context.Context, serverURL string) (conn *goldap.Conn, release func(), err error) {
	tlsConfig := &tls.Config{MinVersion: tls.VersionTLS12}
	if u, err := url.Parse(serverURL); err == nil {
		tlsConfig.ServerName = u.Hostname()
	}
	if s.cfg.CAFile != "" {
		pem, err := os.ReadFile(s.cfg.CAFile)
		if err != nil {
			return nil, nil, i18n.Errorf("ldap: ca_file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, nil, i18n.Errorf("ldap: ca_file %s: no PEM certificate in it", s.cfg.CAFile)
		}
		tlsConfig.RootCAs = pool
	}
	conn, err = goldap.DialURL(serverURL, goldap.DialWithTLSConfig(tlsConfig))
	if err != nil {
		return nil, nil, i18n.Errorf("ldap %s: %w: %v", serverURL, connectors.ErrSourceFailed, err)
	}
	if s.cfg.StartTLS {
		if err := conn.StartTLS(tlsConfig); err != nil {
			conn.Close()
			return nil, nil, i18n.Errorf("ldap %s: StartTLS: %w: %v", serverURL, connectors.ErrSourceFailed, err)
		}
	}
	if s.cfg.BindDN != "" {
		if err := conn.Bind(s.cfg.BindDN, s.cfg.Password); err != nil {
			conn.Close()
			return nil, nil, i18n.Errorf("ldap %s: bind as %s: %w: %v", serverURL, s.cfg.BindDN, connectors.ErrSourceFailed, errorText(err))
		}
	}
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	return conn, func() { stop(); conn.Close() }, nil
}

// errorText is an LDAP error without anything the server echoed back.
func errorText(err error) string {
	var le *goldap.Error
	if errors.As(err, &le) {
		return goldap.LDAPResultCodeMap[le.ResultCode]
	}
	return err.Error()
}

// search streams a subtree search page by page (memory: one page), calling
// fn for each entry, and honours ctx between pages.
func (s *Source) search(ctx context.Context, conn *goldap.Conn, base, filter string, attrs []string, fn func(*goldap.Entry)) error {
	return s.searchFollowing(ctx, conn, s.cfg.URL, base, filter, attrs, fn, map[string]bool{s.cfg.URL + " " + normDN(base): true}, 0)
}

func (s *Source) searchFollowing(ctx context.Context, conn *goldap.Conn, server, base, filter string, attrs []string, fn func(*goldap.Entry), seen map[string]bool, hops int) error {
	paging := goldap.NewControlPaging(s.cfg.PageSize)
	n := 0
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		deref := goldap.NeverDerefAliases
		if s.cfg.DerefAliases {
			deref = goldap.DerefAlways
		}
		req := goldap.NewSearchRequest(base, goldap.ScopeWholeSubtree, deref, 0, 0, false, filter, attrs, []goldap.Control{paging})
		res, err := conn.Search(req)
		if err != nil {
			if goldap.IsErrorWithCode(err, goldap.LDAPResultSizeLimitExceeded) {
				return i18n.Errorf("ldap %s: %w: the server's size limit stopped the search of %s after %d entries; raise the limit for %s "+
					"(slapd.conf: limits dn.exact=\"%s\" size=unlimited size.prtotal=unlimited; cn=config: olcLimits)",
					server, connectors.ErrSourceFailed, base, n+len(resultEntries(res)), s.cfg.BindDN, s.cfg.BindDN)
			}
			if refs := referralsOf(err); len(refs) > 0 {
				// The base itself lives elsewhere (a referral object).
				for _, ref := range refs {
					if err := s.follow(ctx, ref, base, filter, attrs, fn, seen, hops); err != nil {
						return err
					}
				}
				return nil
			}
			return i18n.Errorf("ldap %s: search %s: %w: %v", server, base, connectors.ErrSourceFailed, errorText(err))
		}
		for _, e := range res.Entries {
			fn(e)
		}
		for _, ref := range res.Referrals {
			if err := s.follow(ctx, ref, base, filter, attrs, fn, seen, hops); err != nil {
				return err
			}
		}
		n += len(res.Entries)
		if s.afterPage != nil {
			s.afterPage()
		}
		ctrl, _ := goldap.FindControl(res.Controls, goldap.ControlTypePaging).(*goldap.ControlPaging)
		if ctrl == nil || len(ctrl.Cookie) == 0 {
			return nil
		}
		paging.SetCookie(ctrl.Cookie)
	}
}

func resultEntries(res *goldap.SearchResult) []*goldap.Entry {
	if res == nil {
		return nil
	}
	return res.Entries
}

// directory is what a pull found.
type directory struct {
	accounts map[string]*graph.Account // by id
	byDN     map[string]string         // normalised DN → id
	grants   map[string][]string       // system → "id\x00entitlement"
	mapped   map[string]bool           // system → mapped (role) rights
	// valued counts the accounts on which each configured attribute
	// (owner, kind, mfa, login: see valuedAttrs) had a value: one that
	// never had is most likely misspelt.
	valued [4]int
	// memberOf: group DN → the DNs of the accounts that name it in memberOf.
	memberOf map[string][]string
	// primary: primaryGroupID (a RID) → the DNs of the accounts whose
	// primary group it is (Active Directory lists those in no member).
	primary map[string][]string
	// skipped counts the entries of the account search without an id
	// (aliases, other objects).
	skipped int
}

func newDirectory() *directory {
	return &directory{accounts: map[string]*graph.Account{}, byDN: map[string]string{}, grants: map[string][]string{}, mapped: map[string]bool{},
		memberOf: map[string][]string{}, primary: map[string][]string{}}
}

// valuedAttrs are the configured attributes whose values are counted.
func (s *Source) valuedAttrs() [4]string {
	return [4]string{s.cfg.OwnerAttr, s.cfg.KindAttr, s.cfg.MFAAttr, s.cfg.LoginAttr}
}

// addAccount records one account entry.
func (s *Source) addAccount(d *directory, dn string, get func(string) string) {
	id := get(s.cfg.IDAttr)
	if id == "" {
		d.skipped++
		return
	}
	for i, a := range s.valuedAttrs() {
		if a != "" && get(a) != "" {
			d.valued[i]++
		}
	}
	kind := "personal"
	if s.cfg.KindAttr != "" {
		switch k := strings.ToLower(get(s.cfg.KindAttr)); k {
		case "shared", "service":
			kind = k
		}
	}
	status := "active"
	if expired(get("accountExpires"), time.Now()) {
		status = "disabled" // Active Directory refuses a sign-in past accountExpires
	}
	if v := get(s.cfg.DisabledAttr); v != "" {
		if s.cfg.DisabledBit == 0 {
			status = "disabled"
		} else if n, err := strconv.ParseInt(v, 10, 64); err != nil || n&s.cfg.DisabledBit != 0 {
			status = "disabled" // a flag value that is not a number: not known to be enabled
		}
	}
	if s.cfg.LoginAttr != "" {
		if login, owner := get(s.cfg.LoginAttr), get(s.cfg.OwnerAttr); login != "" && owner != "" {
			if s.owners == nil {
				s.owners = map[string]string{}
			}
			s.owners[strings.ToLower(login)] = owner
		}
	}
	a := &graph.Account{System: s.cfg.System, ID: id, Owner: get(s.cfg.OwnerAttr), Kind: kind, Status: status, Source: s.SourceName}
	if s.cfg.MFAAttr != "" {
		a.MFA = graph.MFAOff
		switch strings.ToLower(get(s.cfg.MFAAttr)) {
		case "true", "yes", "on", "enabled", "1":
			a.MFA = graph.MFAOn
		}
	}
	d.accounts[id] = a
	d.byDN[normDN(dn)] = id
}

// group is a group entry as read: its members by DN (member,
// uniqueMember) and by uid (memberUid).
type group struct {
	dn, cn                    string
	member, unique, memberUID []string
	next                      int    // where the next range of member starts (0: no more)
	rid                       string // the relative id of an Active Directory group's objectSid
}

// addGroups records the rights the groups give. Membership is transitive: a
// group that is a member of a group gives its own members that group's
// right too, through any depth; such a right records the path it comes
// through (its Via: "app-takuso-viewer ← 営業部-全員", the group that gives the
// right first), and several paths are listed. A cycle of groups is followed
// once and reported once.
func (s *Source) addGroups(d *directory, groups []group) {
	byDN := make(map[string]*group, len(groups))
	for i := range groups {
		byDN[normDN(groups[i].dn)] = &groups[i]
	}
	reported := map[string]bool{}
	for i := range groups {
		g := &groups[i]
		system, entitlement, mapped := s.cfg.mapGroup(g.dn, g.cn)
		paths := map[string][]string{} // account id → the paths it is a member through
		var walk func(x *group, path []string, seen map[*group]bool)
		walk = func(x *group, path []string, seen map[*group]bool) {
			via := ""
			if len(path) > 1 {
				via = strings.Join(path, " ← ")
			}
			for _, m := range append(x.member, x.unique...) {
				key := normDN(m)
				if id, ok := d.byDN[key]; ok {
					paths[id] = append(paths[id], via)
					continue
				}
				sub := byDN[key]
				if sub == nil {
					continue // an entry outside the searched bases
				}
				if seen[sub] {
					// The groups of the cycle, whichever of them it was
					// entered from: reported once.
					cycle := append(slices.Clone(path[slices.Index(path, sub.cn):]), sub.cn)
					members := slices.Sorted(slices.Values(cycle[1:]))
					if key := strings.Join(members, "\x00"); !reported[key] {
						reported[key] = true
						s.log.Warn("ldap: a cycle of nested groups, followed once", "source", s.SourceName, "cycle", strings.Join(cycle, " → "))
					}
					continue
				}
				seen[sub] = true
				walk(sub, append(slices.Clone(path), sub.cn), seen)
				delete(seen, sub)
			}
			for _, uid := range x.memberUID {
				if _, ok := d.accounts[uid]; ok {
					paths[uid] = append(paths[uid], via)
				}
			}
		}
		walk(g, []string{g.cn}, map[*group]bool{g: true})
		for id, vias := range paths {
			slices.Sort(vias)
			vias = slices.Compact(vias)
			via := strings.Join(vias, "; ")
			if vias[0] == "" { // a direct member: the right is held directly too
				via = strings.TrimPrefix(via, "; ")
				if len(vias) > 1 {
					via = "direct; " + via
				}
			}
			d.grants[system] = append(d.grants[system], id+"\x00"+entitlement+"\x00"+via)
		}
		d.mapped[system] = d.mapped[system] || mapped
	}
}

// OwnersByLogin maps the values of Config.LoginAttr (lower-cased) to the
// owners of the entries that carry them, as of the last pull.
func (s *Source) OwnersByLogin() map[string]string { return s.owners }

// Pull reads accounts and groups, each on its own connection at the same
// time, then resolves group members. A connection, bind or search error
// fails the whole source.
func (s *Source) Pull(ctx context.Context, w *graph.Writer) (string, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	d := newDirectory()
	if n := int(s.lastAccounts.Load()); n > 0 {
		// The size of the last pull: the maps do not grow step by step.
		d.accounts, d.byDN = make(map[string]*graph.Account, n), make(map[string]string, n)
	}
	s.referrals.Store(0)
	var groups []group
	attrs := []string{s.cfg.IDAttr, s.cfg.OwnerAttr, s.cfg.DisabledAttr}
	for _, a := range []string{s.cfg.KindAttr, s.cfg.LoginAttr, s.cfg.MFAAttr} {
		if a != "" {
			attrs = append(attrs, a)
		}
	}
	errs := make(chan error, 2)
	if s.cfg.MemberOf {
		attrs = append(attrs, "memberOf")
	}
	if s.cfg.Directory == DirectoryAD {
		attrs = append(attrs, "primaryGroupID", "accountExpires")
	}
	go func() {
		errs <- s.searchOn(ctx, s.cfg.AccountBase, s.cfg.AccountFilter, attrs, func(e *goldap.Entry) {
			// Attribute names are case-insensitive (RFC 4512).
			s.addAccount(d, e.DN, e.GetEqualFoldAttributeValue)
			for _, g := range e.GetEqualFoldAttributeValues("memberOf") {
				d.memberOf[normDN(g)] = append(d.memberOf[normDN(g)], e.DN)
			}
			if rid := e.GetEqualFoldAttributeValue("primaryGroupID"); rid != "" {
				d.primary[rid] = append(d.primary[rid], e.DN)
			}
		})
	}()
	memberAttr := "member"
	if s.cfg.Directory == DirectoryAD {
		// Windows gives at most 1,500 values of a large member attribute
		// and a range to ask for the rest; Samba gives all unless asked
		// for a range. Asking for the first 1,500 works the same with both.
		memberAttr = "member;range=0-1499"
	}
	var ranged []*group // groups with members still to fetch
	groupAttrs := []string{"cn", memberAttr, "uniqueMember", "memberUid"}
	if s.cfg.Directory == DirectoryAD {
		groupAttrs = append(groupAttrs, "objectSid")
	}
	go func() {
		if s.cfg.GroupBase == "" && s.cfg.MemberOf {
			errs <- nil // memberships from memberOf alone
			return
		}
		errs <- s.searchOn(ctx, s.cfg.GroupBase, s.cfg.GroupFilter, groupAttrs, func(e *goldap.Entry) {
			members, more := rangedValues(e, "member")
			groups = append(groups, group{dn: e.DN, cn: e.GetEqualFoldAttributeValue("cn"), member: members,
				unique: e.GetEqualFoldAttributeValues("uniqueMember"), memberUID: e.GetEqualFoldAttributeValues("memberUid"), next: max(more, 0),
				rid: rid(e.GetEqualFoldRawAttributeValue("objectSid"))})
		})
	}()
	var first error
	for range 2 {
		if err := <-errs; err != nil && first == nil {
			first = err
			cancel() // the other search stops too
		}
	}
	if first != nil {
		return "", first
	}
	for i := range groups {
		if groups[i].next > 0 {
			ranged = append(ranged, &groups[i])
		}
	}
	if len(ranged) > 0 {
		if err := s.fetchRanges(ctx, ranged); err != nil {
			return "", err
		}
	}
	if d.skipped > 0 || s.referrals.Load() > 0 {
		s.log.Warn("ldap: entries not read as accounts, and references not followed", "source", s.SourceName,
			"without_id", d.skipped, "id_attribute", s.cfg.IDAttr, "referrals_not_followed", s.referrals.Load())
	}
	s.lastAccounts.Store(int64(len(d.accounts)))
	groups = d.implicitMembers(groups)
	s.addGroups(d, groups)
	if s.cfg.VerifyNested {
		if err := s.verifyNested(ctx, d, groups); err != nil {
			return "", err
		}
	}
	return s.load(w, d)
}

// inChain is Active Directory's LDAP_MATCHING_RULE_IN_CHAIN.
const inChain = "1.2.840.113556.1.4.1941"

// verifyNested compares, for each mapped group that holds groups, the
// accounts the server finds in chain with those the closure gave the right
// to, and warns of the differences (by count, and the first few).
func (s *Source) verifyNested(ctx context.Context, d *directory, groups []group) error {
	conn, release, err := s.connect(ctx)
	if err != nil {
		return err
	}
	defer release()
	dnOf := map[string]string{} // account id → DN
	for dn, id := range d.byDN {
		dnOf[id] = dn
	}
	for _, g := range groups {
		system, entitlement, mapped := s.cfg.mapGroup(g.dn, g.cn)
		if !mapped || !slices.ContainsFunc(g.member, func(m string) bool { _, isAccount := d.byDN[normDN(m)]; return !isAccount }) {
			continue
		}
		ours := map[string]bool{}
		for _, p := range d.grants[system] {
			if parts := strings.Split(p, "\x00"); parts[1] == entitlement {
				ours[normDN(dnOf[parts[0]])] = true
			}
		}
		for _, dn := range g.member {
			if slices.Contains(d.primary[g.rid], dn) {
				delete(ours, normDN(dn)) // the rule leaves primary groups out
			}
		}
		theirs := map[string]bool{}
		filter := fmt.Sprintf("(&%s(memberOf:%s:=%s))", s.cfg.AccountFilter, inChain, goldap.EscapeFilter(g.dn))
		if err := s.search(ctx, conn, s.cfg.AccountBase, filter, []string{"1.1"}, func(e *goldap.Entry) { theirs[normDN(e.DN)] = true }); err != nil {
			return err
		}
		var onlyOurs, onlyTheirs []string
		for dn := range ours {
			if !theirs[dn] {
				onlyOurs = append(onlyOurs, dn)
			}
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

// implicitMembers adds to the groups the members a group entry does not
// list: accounts naming a group in memberOf (a group the group search did
// not return is made from its DN), and accounts whose primary group it is.
func (d *directory) implicitMembers(groups []group) []group {
	byDN := map[string]int{}
	for i, g := range groups {
		byDN[normDN(g.dn)] = i
		if g.rid != "" {
			groups[i].member = append(groups[i].member, d.primary[g.rid]...)
		}
	}
	for _, dn := range slices.Sorted(maps.Keys(d.memberOf)) {
		members := d.memberOf[dn]
		i, ok := byDN[dn]
		if !ok {
			cn := dn
			if p, err := goldap.ParseDN(dn); err == nil && len(p.RDNs) > 0 && len(p.RDNs[0].Attributes) > 0 {
				cn = p.RDNs[0].Attributes[0].Value
			}
			groups = append(groups, group{dn: dn, cn: cn})
			i = len(groups) - 1
			byDN[dn] = i
		}
		groups[i].member = append(groups[i].member, members...)
	}
	for i := range groups {
		slices.Sort(groups[i].member)
		groups[i].member = slices.Compact(groups[i].member)
	}
	return groups
}

// expired reports whether an Active Directory accountExpires value (100 ns
// intervals since 1601, 0 or the largest int64 for never) is before now.
func expired(v string, now time.Time) bool {
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 || n == math.MaxInt64 {
		return false
	}
	const epochDiff = 116444736000000000 // 1601-01-01 to 1970-01-01 in 100 ns
	return time.Unix(0, (n-epochDiff)*100).Before(now)
}

// rid is the relative id of a binary Windows SID (its last sub-authority),
// as primaryGroupID names a group; "" for anything else.
func rid(sid []byte) string {
	if len(sid) < 8 || len(sid) != 8+4*int(sid[1]) || sid[1] == 0 {
		return ""
	}
	last := sid[len(sid)-4:]
	return strconv.FormatUint(uint64(last[0])|uint64(last[1])<<8|uint64(last[2])<<16|uint64(last[3])<<24, 10)
}

// rangedValues are the values of attr in e, however the server gave them:
// whole, or as a range (attr;range=0-1499); more is where the next range
// starts, or -1 when there is none.
func rangedValues(e *goldap.Entry, attr string) (values []string, more int) {
	more = -1
	for _, a := range e.Attributes {
		name := strings.ToLower(a.Name)
		switch {
		case name == attr:
			values = append(values, a.Values...)
		case strings.HasPrefix(name, attr+";range="):
			values = append(values, a.Values...)
			bounds := strings.TrimPrefix(name, attr+";range=")
			if _, hi, ok := strings.Cut(bounds, "-"); ok && hi != "*" {
				if n, err := strconv.Atoi(hi); err == nil {
					more = n + 1
				}
			}
		}
	}
	return values, more
}

// fetchRanges asks for the rest of each group's member ranges, range after
// range, until the server says the last one (hi = *).
func (s *Source) fetchRanges(ctx context.Context, groups []*group) error {
	conn, release, err := s.connect(ctx)
	if err != nil {
		return err
	}
	defer release()
	for _, g := range groups {
		for g.next > 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
			attr := fmt.Sprintf("member;range=%d-*", g.next)
			res, err := conn.Search(goldap.NewSearchRequest(g.dn, goldap.ScopeBaseObject, goldap.NeverDerefAliases, 1, 0, false, "(objectClass=*)", []string{attr}, nil))
			if err != nil {
				return i18n.Errorf("ldap %s: search %s: %w: %v", s.cfg.URL, g.dn, connectors.ErrSourceFailed, errorText(err))
			}
			if len(res.Entries) == 0 {
				break
			}
			values, more := rangedValues(res.Entries[0], "member")
			g.member = append(g.member, values...)
			if more <= g.next && more >= 0 {
				return i18n.Errorf("ldap %s: %s: %w: the member ranges do not advance", s.cfg.URL, g.dn, connectors.ErrSourceFailed)
			}
			g.next = more
		}
	}
	return nil
}

// referralsOf are the URIs of a referral result (code 10): the search's
// base is on another server. (go-ldap keeps them in the result packet.)
func referralsOf(err error) []string {
	var le *goldap.Error
	if !errors.As(err, &le) || le.ResultCode != goldap.LDAPResultReferral || le.Packet == nil || len(le.Packet.Children) < 2 {
		return nil
	}
	var out []string
	for _, child := range le.Packet.Children[1].Children {
		// referral [3] SEQUENCE OF URI, in the LDAPResult.
		if child == nil || child.ClassType != ber.ClassContext || child.TagType != ber.TypeConstructed || child.Tag != 3 {
			continue
		}
		for _, uri := range child.Children {
			if v, ok := uri.Value.(string); ok && v != "" {
				out = append(out, v)
			}
		}
	}
	return out
}

// follow searches what a referral points to when FollowReferrals allows
// its server; otherwise it is counted (and reported after the pull).
func (s *Source) follow(ctx context.Context, ref, base, filter string, attrs []string, fn func(*goldap.Entry), seen map[string]bool, hops int) error {
	u, err := url.Parse(ref)
	if err != nil || (u.Scheme != "ldap" && u.Scheme != "ldaps") || u.Host == "" || !slices.Contains(s.cfg.FollowReferrals, u.Host) {
		s.referrals.Add(1)
		return nil
	}
	if hops >= maxReferralHops {
		return i18n.Errorf("ldap %s: %w: more than %d referrals in a chain (last %s)", s.cfg.URL, connectors.ErrSourceFailed, maxReferralHops, ref)
	}
	dn := strings.TrimPrefix(u.Path, "/")
	if dn == "" {
		dn = base
	}
	server := u.Scheme + "://" + u.Host
	key := server + " " + normDN(dn)
	if seen[key] {
		return nil // a loop, or a base reached twice
	}
	seen[key] = true
	conn, release, err := s.connectTo(ctx, server)
	if err != nil {
		return i18n.Errorf("following the referral %s: %w", ref, err)
	}
	defer release()
	s.log.Debug("following a referral", "source", s.SourceName, "referral", ref)
	return s.searchFollowing(ctx, conn, server, dn, filter, attrs, fn, seen, hops+1)
}

// searchOn runs one paged search on a connection of its own.
func (s *Source) searchOn(ctx context.Context, base, filter string, attrs []string, fn func(*goldap.Entry)) error {
	conn, release, err := s.connect(ctx)
	if err != nil {
		return err
	}
	defer release()
	return s.search(ctx, conn, base, filter, attrs, fn)
}

// load writes the directory's accounts, an account on each mapped system
// for each holder, and the grants. An attribute the config names that no
// account has is reported: a misspelt owner attribute would make every
// account ownerless.
func (s *Source) load(w *graph.Writer, d *directory) (string, error) {
	if len(d.accounts) > 0 {
		for i, attr := range s.valuedAttrs() {
			if attr != "" && d.valued[i] == 0 {
				s.log.Warn("ldap: no account has a value of the attribute the config names; is it spelt as the directory spells it?",
					"source", s.SourceName, "setting", [4]string{"owner", "kind", "mfa", "owners_from attribute"}[i], "attribute", attr, "accounts", len(d.accounts))
			}
		}
	}
	// The digest is of a listing of what was loaded, hashed as it is
	// written.
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
	ids := slices.Sorted(maps.Keys(d.accounts))
	if err := w.DeclareEntitlements(s.cfg.System, "directory "+s.SourceName, nil); err != nil {
		return "", i18n.Errorf("ldap: %w", err)
	}
	for _, id := range ids {
		a := d.accounts[id]
		line(a.ID, a.Owner, a.Kind, a.Status)
		if err := w.AddAccount(a); err != nil {
			return "", i18n.Errorf("ldap: %w", err)
		}
	}
	systems := slices.Sorted(maps.Keys(d.grants))
	for _, sys := range systems {
		pairs := d.grants[sys]
		sort.Strings(pairs)
		pairs = slices.Compact(pairs)
		var ents []string
		seen := map[string]bool{}
		for _, p := range pairs {
			_, rest, _ := strings.Cut(p, "\x00")
			ent, _, _ := strings.Cut(rest, "\x00")
			if !seen[ent] {
				seen[ent] = true
				ents = append(ents, ent)
			}
		}
		if err := w.DeclareEntitlements(sys, sys, ents); err != nil {
			return "", i18n.Errorf("ldap: %w", err)
		}
		origin := "request"
		if d.mapped[sys] {
			origin = "role"
		}
		made := map[string]bool{} // the accounts made on sys so far
		for _, p := range pairs {
			id, rest, _ := strings.Cut(p, "\x00")
			ent, via, _ := strings.Cut(rest, "\x00")
			if sys != s.cfg.System && !made[id] {
				made[id] = true
				if !w.Exists(graph.TableAccounts, graph.AccountKey(sys, id)) {
					a := *d.accounts[id]
					a.System, a.Grants = sys, nil
					if err := w.AddAccount(&a); err != nil {
						return "", i18n.Errorf("ldap: %w", err)
					}
				}
			}
			if via == "" {
				line(sys, id, ent)
			} else {
				line(sys, id, ent, "via", via)
			}
			if err := w.AddGrant(&graph.Grant{System: sys, Account: id, Entitlement: ent, Origin: origin, Source: s.SourceName, Via: via}); err != nil {
				return "", i18n.Errorf("ldap: %w", err)
			}
		}
	}
	b.Flush()
	return "sha256:" + hex.EncodeToString(h.Sum(nil)), nil
}
