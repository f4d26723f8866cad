// Package ldap is the `type: ldap` source (and `type: ldif`, the same
// mapping over an LDIF export): the accounts of a directory, and the rights
// its groups give on the systems mapped to them; and a revoker that removes
// group members and disables accounts.
package ldap

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
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
	"github.com/accessrecon/accessrecon/connectors/ldap/wire"
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
	MFAAttr string
	// PasswordSetAttr, LastSignInAttr and CreatedAttr, if set, hold when
	// an account's password was last set, when it last signed in (an
	// account without a value never did) and when it was made: Active
	// Directory's 100 ns counts since 1601 (pwdLastSet,
	// lastLogonTimestamp) or generalized times (whenCreated,
	// pwdChangedTime). Active Directory's by default.
	PasswordSetAttr, LastSignInAttr, CreatedAttr string
	GroupBase, GroupFilter                       string
	Mappings                                     []Mapping

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
	case c.GroupBase == "" && c.MemberOf:
		// memberOf lists an account's direct groups only: rights through
		// nested groups, and Active Directory's primary group, would be
		// lost without a word.
		return i18n.Errorf("ldap: member_of without groups.base_dn: memberOf names only an account's direct groups, so rights through nested groups and the primary group would be lost; give groups.base_dn (a bind DN that can read the groups)")
	case c.GroupBase == "":
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
		def(&c.PasswordSetAttr, "pwdLastSet")
		def(&c.LastSignInAttr, "lastLogonTimestamp")
		def(&c.CreatedAttr, "whenCreated")
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

// dnSpecial are the bytes after which a DN needs parsing to be compared.
var dnSpecial = [256]bool{'\\': true, '+': true, '"': true, '#': true, ';': true, '<': true, '>': true, ' ': true}

// normDN is a DN in a comparable form.
func normDN(dn string) string {
	special, upper := false, false
	for i := 0; i < len(dn) && !special; i++ {
		c := dn[i]
		special = dnSpecial[c]
		upper = upper || 'A' <= c && c <= 'Z' || c >= 0x80
	}
	if !special { // the common case: nothing to unescape or reorder
		if upper {
			return strings.ToLower(dn)
		}
		return dn
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

// OwnSystem is the system the source's accounts belong to (exceptions may
// name it before the source is read).
func (s *Source) OwnSystem() string { return s.cfg.System }

// connect opens a go-ldap connection (for changes) to the configured
// server, dialled, secured and bound (see session).
func (s *Source) connect(ctx context.Context) (conn *goldap.Conn, release func(), err error) {
	tlsConfig, err := s.tlsConfig(s.cfg.URL)
	if err != nil {
		return nil, nil, err
	}
	conn, err = goldap.DialURL(s.cfg.URL, goldap.DialWithTLSConfig(tlsConfig))
	if err != nil {
		return nil, nil, i18n.Errorf("ldap %s: %w: %v", s.cfg.URL, connectors.ErrSourceFailed, err)
	}
	release, err = s.session(ctx, s.cfg.URL, func() error { return conn.StartTLS(tlsConfig) }, conn.Bind, func() { conn.Close() })
	if err != nil {
		return nil, nil, err
	}
	return conn, release, nil
}

// open opens a connection for reading (package wire: entries decoded as
// they arrive) to the configured server or one a referral names and
// FollowReferrals allows, dialled, secured and bound (see session).
func (s *Source) open(ctx context.Context, serverURL string) (conn *wire.Conn, release func(), err error) {
	tlsConfig, err := s.tlsConfig(serverURL)
	if err != nil {
		return nil, nil, err
	}
	conn, err = wire.Dial(ctx, serverURL, tlsConfig)
	if err != nil {
		return nil, nil, i18n.Errorf("ldap %s: %w: %v", serverURL, connectors.ErrSourceFailed, err)
	}
	release, err = s.session(ctx, serverURL, func() error { return conn.StartTLS(ctx, tlsConfig) }, conn.Bind, func() { conn.Close() })
	if err != nil {
		return nil, nil, err
	}
	return conn, release, nil
}

// session secures a dialled connection (StartTLS when configured) and binds
// it; ctx ending then closes it, and release closes it and forgets ctx (no
// goroutine is left waiting for it). On an error the connection is closed.
// Errors name the server and the bind DN, never the password.
func (s *Source) session(ctx context.Context, serverURL string, startTLS func() error, bind func(dn, password string) error, closeConn func()) (release func(), err error) {
	if s.cfg.StartTLS {
		if err := startTLS(); err != nil {
			closeConn()
			return nil, i18n.Errorf("ldap %s: StartTLS: %w: %v", serverURL, connectors.ErrSourceFailed, err)
		}
	}
	if s.cfg.BindDN != "" {
		if err := bind(s.cfg.BindDN, s.cfg.Password); err != nil {
			closeConn()
			return nil, i18n.Errorf("ldap %s: bind as %s: %w: %v", serverURL, s.cfg.BindDN, connectors.ErrSourceFailed, errorText(err))
		}
	}
	stop := context.AfterFunc(ctx, closeConn)
	return func() { stop(); closeConn() }, nil
}

// tlsConfig is the TLS of a connection to serverURL: TLS 1.2 or later, the
// server's name checked, against ca_file's certificates when set.
func (s *Source) tlsConfig(serverURL string) (*tls.Config, error) {
	tlsConfig := &tls.Config{MinVersion: tls.VersionTLS12}
	if u, err := url.Parse(serverURL); err == nil {
		tlsConfig.ServerName = u.Hostname()
	}
	if s.cfg.CAFile != "" {
		pem, err := os.ReadFile(s.cfg.CAFile)
		if err != nil {
			return nil, i18n.Errorf("ldap: ca_file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, i18n.Errorf("ldap: ca_file %s: no PEM certificate in it", s.cfg.CAFile)
		}
		tlsConfig.RootCAs = pool
	}
	return tlsConfig, nil
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
func (s *Source) search(ctx context.Context, conn *wire.Conn, base, filter string, attrs []string, fn func(*goldap.Entry)) error {
	return s.searchFollowing(ctx, conn, s.cfg.URL, base, filter, attrs, fn, map[string]bool{s.cfg.URL + " " + normDN(base): true}, 0)
}

func (s *Source) searchFollowing(ctx context.Context, conn *wire.Conn, server, base, filter string, attrs []string, fn func(*goldap.Entry), seen map[string]bool, hops int) error {
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
		res, err := conn.Search(req, fn)
		if res != nil {
			n += res.Entries
		}
		if err != nil {
			if goldap.IsErrorWithCode(err, goldap.LDAPResultSizeLimitExceeded) {
				return i18n.Errorf("ldap %s: %w: the server's size limit stopped the search of %s after %d entries; raise the limit for %s "+
					"(slapd.conf: limits dn.exact=\"%s\" size=unlimited size.prtotal=unlimited; cn=config: olcLimits)",
					server, connectors.ErrSourceFailed, base, n, s.cfg.BindDN, s.cfg.BindDN)
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
		for _, ref := range res.Referrals {
			if err := s.follow(ctx, ref, base, filter, attrs, fn, seen, hops); err != nil {
				return err
			}
		}
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

// valuedAttrs are the configured attributes whose values are counted.
func (s *Source) valuedAttrs() [4]string {
	return [4]string{s.cfg.OwnerAttr, s.cfg.KindAttr, s.cfg.MFAAttr, s.cfg.LoginAttr}
}

// accountOf makes the account of an entry: nil for an entry without an id,
// or with the id of an entry read before (counted, for the warning after
// the pull).
func (s *Source) accountOf(d *directory, get func(string) string) *graph.Account {
	id := get(s.cfg.IDAttr)
	if id == "" {
		d.skipped++
		return nil
	}
	if d.accounts[id] != nil {
		d.duplicates++
		return nil
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
	if s.cfg.PasswordSetAttr != "" {
		a.PasswordSetAt = directoryDay(get(s.cfg.PasswordSetAttr))
	}
	if s.cfg.CreatedAttr != "" {
		a.CreatedAt = directoryDay(get(s.cfg.CreatedAttr))
	}
	if s.cfg.LastSignInAttr != "" {
		if a.LastSignIn = directoryDay(get(s.cfg.LastSignInAttr)); a.LastSignIn.IsZero() {
			a.LastSignIn = graph.NeverSignedIn
		}
	}
	return a
}

// directoryDay is the day of a directory's time value: Active Directory's
// count of 100 ns intervals since 1601 (0 and the largest int64 are no
// time), or a generalized time (20261207093000Z, 20261207093000.0Z); the
// zero Date for anything else.
func directoryDay(v string) graph.Date {
	if v == "" {
		return 0
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n <= 0 || n == math.MaxInt64 {
			return 0
		}
		const epochDiff = 116444736000000000 // 1601-01-01 to 1970-01-01 in 100 ns
		return graph.DateOf(time.Unix(0, 0).Add(time.Duration(n-epochDiff) * 100))
	}
	if t, err := ber.ParseGeneralizedTime([]byte(v)); err == nil {
		return graph.DateOf(t)
	}
	return 0
}

// OwnersByLogin maps the values of Config.LoginAttr (lower-cased) to the
// owners of the entries that carry them, as of the last pull.
func (s *Source) OwnersByLogin() map[string]string { return s.owners }

// expired reports whether an Active Directory accountExpires value (100 ns
// intervals since 1601, 0 or the largest int64 for never) is before now.
func expired(v string, now time.Time) bool {
	if v == "" {
		return false
	}
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
	conn, release, err := s.open(ctx, s.cfg.URL)
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
			var entry *goldap.Entry
			_, err := conn.Search(goldap.NewSearchRequest(g.dn, goldap.ScopeBaseObject, goldap.NeverDerefAliases, 1, 0, false, "(objectClass=*)", []string{attr}, nil),
				func(e *goldap.Entry) { entry = e })
			if err != nil {
				return i18n.Errorf("ldap %s: search %s: %w: %v", s.cfg.URL, g.dn, connectors.ErrSourceFailed, errorText(err))
			}
			if entry == nil {
				break
			}
			values, more := rangedValues(entry, "member")
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
	conn, release, err := s.open(ctx, server)
	if err != nil {
		return i18n.Errorf("following the referral %s: %w", ref, err)
	}
	defer release()
	s.log.Debug("following a referral", "source", s.SourceName, "referral", ref)
	return s.searchFollowing(ctx, conn, server, dn, filter, attrs, fn, seen, hops+1)
}

// searchOn runs one paged search on a connection of its own.
func (s *Source) searchOn(ctx context.Context, base, filter string, attrs []string, fn func(*goldap.Entry)) error {
	conn, release, err := s.open(ctx, s.cfg.URL)
	if err != nil {
		return err
	}
	defer release()
	return s.search(ctx, conn, base, filter, attrs, fn)
}
