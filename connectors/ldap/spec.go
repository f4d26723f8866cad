package ldap

import (
	"context"
	"net"

	"github.com/accessrecon/accessrecon/connectors"
	"github.com/accessrecon/accessrecon/graph"
	"github.com/accessrecon/accessrecon/input"
	"gopkg.in/yaml.v3"
)

// Type is the `ldap` source type: a directory server (OpenLDAP, Active
// Directory) read and changed over LDAP.
var Type = connectors.Type{Name: "ldap", NewSpec: func() connectors.Spec { return &Spec{} }}

// LDIFType is the `ldif` source type: an LDIF export of a directory read
// with the same mapping, offline. Nothing can be changed through it.
var LDIFType = connectors.Type{Name: "ldif", NewSpec: func() connectors.Spec { return &LDIFSpec{} }}

// Mapping is how a directory's entries become accounts and rights: what
// an ldap and an ldif source share.
type MappingSpec struct {
	AccountQuery Query       `yaml:"account_search"`
	GroupQuery   Query       `yaml:"group_search"`
	Mappings     []GroupSpec `yaml:"mappings"`
	// Directory is the kind of directory: openldap (default) or
	// active_directory, which fills in Active Directory's usual names
	// (sAMAccountName, employeeID, group entries, userAccountControl's
	// ACCOUNTDISABLE bit).
	Directory string `yaml:"directory"`
	// System is the directory's own system id (default ldap:<name>).
	System string `yaml:"system"`
}

// Spec is an ldap source's entry in the config.
type Spec struct {
	MappingSpec `yaml:",inline"`
	URL         string     `yaml:"url"`
	StartTLS    bool       `yaml:"start_tls"`
	CAFile      input.Path `yaml:"ca_file"`
	BindDN      string     `yaml:"bind_dn"`
	// PasswordEnv names the environment variable holding the bind password
	// (default LDAP_PASSWORD); PasswordFile is a file holding it instead.
	PasswordEnv  string     `yaml:"password_env"`
	PasswordFile input.Path `yaml:"password_file"`
	PageSize     uint32     `yaml:"page_size"`
	Disable      Disable    `yaml:"disable"`
	// EmptyGroupMember is a placeholder DN that takes the place of the last
	// member of a groupOfNames when it is revoked.
	EmptyGroupMember string `yaml:"empty_group_member"`
	// FollowReferrals are the servers (host:port) whose referrals are
	// followed, binding to them as to url: the credentials go to no other
	// server. Other referrals are counted and reported.
	FollowReferrals []string `yaml:"follow_referrals"`
}

// LDIFSpec is an ldif source's entry: the export and the mapping.
type LDIFSpec struct {
	MappingSpec `yaml:",inline"`
	File        input.Path `yaml:"file"`
}

// Query is where and how a directory's accounts or groups are searched,
// and (accounts) which attributes carry what.
type Query struct {
	BaseDN string `yaml:"base_dn"`
	Filter string `yaml:"filter"`
	ID     string `yaml:"id"`    // default uid
	Owner  string `yaml:"owner"` // default employeeNumber
	Kind   string `yaml:"kind"`  // attribute whose value shared or service sets the kind
	// Disabled says which accounts are disabled: an attribute whose
	// presence means disabled (default pwdAccountLockedTime), or
	// {attribute: userAccountControl, bit: 2}, a flag bit of a number.
	Disabled DisabledTest `yaml:"disabled"`
	// MFA is the attribute that says an account has a second factor: on
	// when it holds TRUE, yes, on, enabled or 1, off otherwise (optional).
	MFA string `yaml:"mfa"`
	// PasswordSet, LastSignIn and Created are the attributes holding when
	// an account's password was last set, when it last signed in and when
	// it was made (Active Directory: pwdLastSet, lastLogonTimestamp and
	// whenCreated by default; OpenLDAP: e.g. pwdChangedTime,
	// createTimestamp).
	PasswordSet string `yaml:"password_set"`
	LastSignIn  string `yaml:"last_sign_in"`
	Created     string `yaml:"created"`
	// MemberOf (group_search): memberships are also read from the
	// accounts' memberOf attribute; base_dn may then be left out.
	MemberOf bool `yaml:"member_of"`
	// DerefAliases (account_search, group_search): follow alias entries.
	DerefAliases bool `yaml:"deref_aliases"`
	// VerifyNested (group_search, Active Directory): compare the nested
	// members found with the server's in-chain answer, and warn.
	VerifyNested bool `yaml:"verify_nested"`
}

// DisabledTest is an account's disabled test: Attribute present (Bit 0),
// or Attribute's number with the Bit flag set.
type DisabledTest struct {
	Attribute string `yaml:"attribute"`
	Bit       int64  `yaml:"bit"`
}

// UnmarshalYAML reads an attribute name, or {attribute, bit}.
func (d *DisabledTest) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		d.Attribute = n.Value
		return nil
	}
	type plain DisabledTest
	return n.Decode((*plain)(d))
}

// GroupSpec maps groups to rights: by dn, or by a cn pattern with {system}
// and {entitlement}.
type GroupSpec struct {
	DN          string `yaml:"dn"`
	Pattern     string `yaml:"pattern"`
	System      string `yaml:"system"`
	Entitlement string `yaml:"entitlement"`
}

// Disable is how apply disables an account.
type Disable struct {
	Method string `yaml:"method"` // ppolicy (default; uac with directory: active_directory) or move
	OU     string `yaml:"ou"`     // the OU accounts move to (method move)
}

func (m *MappingSpec) check() error {
	if m.AccountQuery.BaseDN == "" || m.GroupQuery.BaseDN == "" && !m.GroupQuery.MemberOf {
		return input.FieldErrorf("account_search", "expected account_search.base_dn and group_search.base_dn")
	}
	return nil
}

func (m *MappingSpec) config() Config {
	c := Config{
		System:      m.System,
		AccountBase: m.AccountQuery.BaseDN, AccountFilter: m.AccountQuery.Filter, IDAttr: m.AccountQuery.ID,
		OwnerAttr: m.AccountQuery.Owner, KindAttr: m.AccountQuery.Kind, DisabledAttr: m.AccountQuery.Disabled.Attribute,
		DisabledBit: m.AccountQuery.Disabled.Bit, MFAAttr: m.AccountQuery.MFA, Directory: m.Directory,
		PasswordSetAttr: m.AccountQuery.PasswordSet, LastSignInAttr: m.AccountQuery.LastSignIn, CreatedAttr: m.AccountQuery.Created,
		GroupBase: m.GroupQuery.BaseDN, GroupFilter: m.GroupQuery.Filter, MemberOf: m.GroupQuery.MemberOf, VerifyNested: m.GroupQuery.VerifyNested,
		DerefAliases: m.AccountQuery.DerefAliases || m.GroupQuery.DerefAliases,
	}
	for _, g := range m.Mappings {
		c.Mappings = append(c.Mappings, Mapping{DN: g.DN, Pattern: g.Pattern, System: g.System, Entitlement: g.Entitlement})
	}
	return c
}

// Check checks the fields.
func (s *Spec) Check(connectors.CheckEnv) error {
	if s.URL == "" {
		return input.FieldErrorf("url", "an ldap source needs url (ldap:// or ldaps://)")
	}
	if err := s.check(); err != nil {
		return err
	}
	for _, hp := range s.FollowReferrals {
		if _, port, err := net.SplitHostPort(hp); err != nil || port == "" {
			return input.FieldErrorf("follow_referrals", "expected host:port of a directory server, got %q", hp)
		}
	}
	return nil
}

// IndexesLogins: a github source may take its owners from a directory.
func (s *Spec) IndexesLogins() bool { return true }

// Open reads the bind password (when binding); it connects to nothing.
func (s *Spec) Open(_ context.Context, env connectors.Env) (connectors.Source, error) {
	c := s.config()
	c.URL, c.StartTLS, c.CAFile, c.BindDN, c.PageSize = s.URL, s.StartTLS, s.CAFile.Resolved(), s.BindDN, s.PageSize
	c.DisableMethod, c.DisabledOU, c.EmptyGroupMember, c.FollowReferrals = s.Disable.Method, s.Disable.OU, s.EmptyGroupMember, s.FollowReferrals
	if s.BindDN != "" {
		var err error
		if c.Password, err = input.Secret(env.Files, s.PasswordEnv, "LDAP_PASSWORD", s.PasswordFile); err != nil {
			return nil, err
		}
	}
	return New(env.Name, c, env.Log)
}

// IndexLogins asks Pull to map the values of attribute to the accounts'
// owners (connectors.LoginIndex).
func (s *Source) IndexLogins(attribute string) { s.cfg.LoginAttr = attribute }

// Check checks the fields.
func (s *LDIFSpec) Check(connectors.CheckEnv) error {
	if s.File.IsZero() {
		return input.FieldErrorf("file", "an ldif source needs the file")
	}
	return s.check()
}

// Open is the export's reader, a copy of the directory: apply can change
// nothing through it.
func (s *LDIFSpec) Open(_ context.Context, env connectors.Env) (connectors.Source, error) {
	l, err := NewLDIF(env.Name, s.config(), env.Files, s.File.Resolved(), env.Log)
	if err != nil {
		return nil, err
	}
	return ldifCopy{l}, nil
}

// ldifCopy is an LDIF source without the directory's revoker.
type ldifCopy struct{ l *LDIFSource }

func (c ldifCopy) Name() string      { return c.l.Name() }
func (c ldifCopy) OwnSystem() string { return c.l.OwnSystem() }
func (c ldifCopy) IsCopy() bool      { return true }
func (c ldifCopy) Pull(ctx context.Context, w *graph.Writer) (string, error) {
	return c.l.Pull(ctx, w)
}
