package reconcile

import (
	"context"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/accessrecon/accessrecon/config"
	"github.com/accessrecon/accessrecon/connectors"
	"github.com/accessrecon/accessrecon/connectors/export"
	"github.com/accessrecon/accessrecon/connectors/github"
	"github.com/accessrecon/accessrecon/connectors/ldap"
	"github.com/accessrecon/accessrecon/graph"
	"github.com/accessrecon/accessrecon/i18n"
)

// Reach is how apply carries out the actions on a source's accounts.
type Reach int

const (
	// ByWorkOrder: the administrators of the system do it by hand, from a
	// work order, and confirm it (apply --confirm-manual).
	ByWorkOrder Reach = iota
	// ByConnector: the source's connector (a connectors.Revoker) does it.
	ByConnector
	// Unreachable: no one can (the source is a copy, such as an LDIF dump):
	// the action fails and says so.
	Unreachable
)

// SourceType is everything accessrecon knows of one type of source: the
// checks of its config fields, how its connector is made, and how apply
// reaches it. Adding a type of source is adding one entry to sourceTypes
// (and its fields to config.Source).
type SourceType struct {
	Name  string
	Check func(c *config.Config, i int) error
	New   func(cfg *config.Config, sc config.Source, log *slog.Logger) (connectors.Source, error)
	Reach Reach
}

var sourceTypes = []SourceType{
	{Name: "file", Check: checkFile, New: newFile, Reach: ByWorkOrder},
	{Name: "github", Check: checkGitHub, New: newGitHub, Reach: ByConnector},
	{Name: "ldap", Check: checkLDAP, New: newLDAP, Reach: ByConnector},
	{Name: "ldif", Check: checkLDAP, New: newLDAP, Reach: Unreachable},
}

// The connectors that apply reaches carry out changes.
var (
	_ connectors.Revoker = (*github.Source)(nil)
	_ connectors.Revoker = (*ldap.Source)(nil)
)

func init() {
	for _, t := range sourceTypes {
		config.RegisterSourceType(config.SourceType{Name: t.Name, Check: t.Check})
	}
}

func sourceType(name string) (SourceType, bool) {
	for _, t := range sourceTypes {
		if t.Name == name {
			return t, true
		}
	}
	return SourceType{}, false
}

// NewSource makes the connector of a configured source.
func NewSource(cfg *config.Config, sc config.Source, log *slog.Logger) (connectors.Source, error) {
	t, ok := sourceType(sc.Type)
	if !ok {
		return nil, i18n.Errorf("source %s: type %q is not supported; expected one of %v", sc.Name, sc.Type, config.SourceTypes())
	}
	return t.New(cfg, sc, log)
}

// Reaches are how apply reaches each configured source, by name, and the
// connectors of those it reaches through them.
func Reaches(cfg *config.Config, log *slog.Logger) (map[string]Reach, map[string]connectors.Revoker, error) {
	reach := map[string]Reach{}
	revokers := map[string]connectors.Revoker{}
	for _, sc := range cfg.Sources {
		t, ok := sourceType(sc.Type)
		if !ok {
			return nil, nil, i18n.Errorf("source %s: type %q is not supported; expected one of %v", sc.Name, sc.Type, config.SourceTypes())
		}
		reach[sc.Name] = t.Reach
		if t.Reach != ByConnector {
			continue
		}
		src, err := t.New(cfg, sc, log)
		if err != nil {
			return nil, nil, err
		}
		r, ok := src.(connectors.Revoker)
		if !ok {
			return nil, nil, i18n.Errorf("source %s: the %s connector cannot carry out changes", sc.Name, sc.Type)
		}
		revokers[sc.Name] = r
	}
	return reach, revokers, nil
}

func checkFile(c *config.Config, i int) error {
	if s := c.Sources[i]; s.Accounts == "" || s.Grants == "" {
		return c.SourceErrorf(i, "accounts", "a file source needs both accounts and grants paths")
	}
	return nil
}

func newFile(cfg *config.Config, sc config.Source, _ *slog.Logger) (connectors.Source, error) {
	return &export.Source{
		SourceName: sc.Name, Files: cfg.Files,
		Accounts: cfg.Resolve(sc.Accounts), Grants: cfg.Resolve(sc.Grants),
		Encoding: cfg.SourceEncoding(sc), Columns: sc.Columns, Values: sc.Values,
	}, nil
}

func checkLDAP(c *config.Config, i int) error {
	s := c.Sources[i]
	if s.Type == "ldap" && s.URL == "" {
		return c.SourceErrorf(i, "url", "an ldap source needs url (ldap:// or ldaps://)")
	}
	if s.Type == "ldif" && s.File == "" {
		return c.SourceErrorf(i, "file", "an ldif source needs the file")
	}
	if s.AccountQuery.BaseDN == "" || s.GroupQuery.BaseDN == "" && !s.GroupQuery.MemberOf {
		return c.SourceErrorf(i, "account_search", "expected account_search.base_dn and group_search.base_dn")
	}
	for _, hp := range s.FollowReferrals {
		if _, port, err := net.SplitHostPort(hp); err != nil || port == "" {
			return c.SourceErrorf(i, "follow_referrals", "expected host:port of a directory server, got %q", hp)
		}
	}
	return nil
}

func checkGitHub(c *config.Config, i int) error {
	s := c.Sources[i]
	if s.Org == "" {
		return c.SourceErrorf(i, "org", "a github source needs the organisation")
	}
	if (s.OwnersFrom.Source == "") != (s.OwnersFrom.Attribute == "") {
		return c.SourceErrorf(i, "owners_from", "expected both source and attribute")
	}
	if s.OwnersFrom.Source != "" && !slices.ContainsFunc(c.Sources[:i], func(o config.Source) bool { return o.Name == s.OwnersFrom.Source && o.Type == "ldap" }) {
		return c.SourceErrorf(i, "owners_from.source", "expected an ldap source listed before %s, got %q", s.Name, s.OwnersFrom.Source)
	}
	if (s.AppID != 0 || s.InstallationID != 0 || s.PrivateKeyFile != "") && (s.AppID == 0 || s.InstallationID == 0 || s.PrivateKeyFile == "") {
		return c.SourceErrorf(i, "app_id", "a GitHub App needs app_id, installation_id and private_key_file")
	}
	if s.MaxRateWait != "" {
		if _, err := time.ParseDuration(s.MaxRateWait); err != nil {
			return c.SourceErrorf(i, "max_rate_wait", "expected a duration such as 5m, got %q", s.MaxRateWait)
		}
	}
	if s.TeamRights != "" && s.TeamRights != "remove_from_team" && s.TeamRights != "by_hand" {
		return c.SourceErrorf(i, "team_rights", "expected remove_from_team or by_hand, got %q", s.TeamRights)
	}
	return nil
}

// githubSource adds the owner mapping's digest to the organisation's.
type githubSource struct {
	*github.Source
	ownersDigest string
}

func (g githubSource) Pull(ctx context.Context, w *graph.Writer) (string, error) {
	d, err := g.Source.Pull(ctx, w)
	if err != nil {
		return "", err
	}
	return connectors.CombineDigests(d, g.ownersDigest), nil
}

func newGitHub(cfg *config.Config, sc config.Source, log *slog.Logger) (connectors.Source, error) {
	gc := github.Config{Org: sc.Org, BaseURL: sc.BaseURL, System: sc.System, ServiceAccounts: sc.ServiceAccounts, TeamRightsByHand: sc.TeamRights == "by_hand"}
	var err error
	if sc.AppID != 0 {
		if gc.HTTPClient, err = github.AppClient(sc.AppID, sc.InstallationID, cfg.Resolve(sc.PrivateKeyFile), sc.BaseURL); err != nil {
			return nil, i18n.Errorf("source %s: %w", sc.Name, err)
		}
	} else if gc.Token, err = secret(cfg, sc.TokenEnv, "GITHUB_TOKEN", sc.TokenFile); err != nil {
		return nil, i18n.Errorf("source %s: %w", sc.Name, err)
	}
	if sc.MaxRateWait != "" {
		gc.MaxRateWait, _ = time.ParseDuration(sc.MaxRateWait) // checked by config.Load
	}
	src := githubSource{}
	if sc.Owners != "" {
		if gc.Owners, src.ownersDigest, err = github.ReadOwners(cfg.Files, cfg.Resolve(sc.Owners)); err != nil {
			return nil, i18n.Errorf("source %s: %w", sc.Name, err)
		}
	}
	if src.Source, err = github.New(sc.Name, gc, log); err != nil {
		return nil, i18n.Errorf("source %s: %w", sc.Name, err)
	}
	return src, nil
}

func newLDAP(cfg *config.Config, sc config.Source, log *slog.Logger) (connectors.Source, error) {
	lc := ldap.Config{
		URL: sc.URL, StartTLS: sc.StartTLS, CAFile: cfg.Resolve(sc.CAFile), BindDN: sc.BindDN, System: sc.System, PageSize: sc.PageSize,
		AccountBase: sc.AccountQuery.BaseDN, AccountFilter: sc.AccountQuery.Filter, IDAttr: sc.AccountQuery.ID,
		OwnerAttr: sc.AccountQuery.Owner, KindAttr: sc.AccountQuery.Kind, DisabledAttr: sc.AccountQuery.Disabled.Attribute,
		DisabledBit: sc.AccountQuery.Disabled.Bit, MFAAttr: sc.AccountQuery.MFA, Directory: sc.Directory,
		GroupBase: sc.GroupQuery.BaseDN, GroupFilter: sc.GroupQuery.Filter, MemberOf: sc.GroupQuery.MemberOf, VerifyNested: sc.GroupQuery.VerifyNested,
		DerefAliases:  sc.AccountQuery.DerefAliases || sc.GroupQuery.DerefAliases,
		DisableMethod: sc.Disable.Method, DisabledOU: sc.Disable.OU, EmptyGroupMember: sc.EmptyGroupMember,
		FollowReferrals: sc.FollowReferrals,
	}
	for _, other := range cfg.Sources {
		if other.OwnersFrom.Source == sc.Name {
			lc.LoginAttr = other.OwnersFrom.Attribute
		}
	}
	for _, m := range sc.Mappings {
		lc.Mappings = append(lc.Mappings, ldap.Mapping{DN: m.DN, Pattern: m.Pattern, System: m.System, Entitlement: m.Entitlement})
	}
	if sc.Type == "ldif" {
		src, err := ldap.NewLDIF(sc.Name, lc, cfg.Files, cfg.Resolve(sc.File), log)
		if err != nil {
			return nil, i18n.Errorf("source %s: %w", sc.Name, err)
		}
		return src, nil
	}
	if sc.BindDN != "" {
		var err error
		if lc.Password, err = secret(cfg, sc.PasswordEnv, "LDAP_PASSWORD", sc.PasswordFile); err != nil {
			return nil, i18n.Errorf("source %s: %w", sc.Name, err)
		}
	}
	src, err := ldap.New(sc.Name, lc, log)
	if err != nil {
		return nil, i18n.Errorf("source %s: %w", sc.Name, err)
	}
	return src, nil
}

// secret reads a credential from the environment variable env (def when
// empty) or from a file. Its value never appears in errors or logs.
func secret(cfg *config.Config, env, def, file string) (string, error) {
	if file != "" {
		data, err := fs.ReadFile(cfg.Files, cfg.Resolve(file))
		if err != nil {
			return "", i18n.Errorf("token_file %s: %w", file, err)
		}
		return strings.TrimSpace(string(data)), nil
	}
	if env == "" {
		env = def
	}
	v := strings.TrimSpace(os.Getenv(env))
	if v == "" {
		return "", i18n.Errorf("the environment variable %s is empty (set it, or give a file)", env)
	}
	return v, nil
}

// Secret reads a credential the config names: from the file, else from the
// environment variable env (def when env is empty). It never appears in
// errors or logs.
func Secret(cfg *config.Config, env, def, file string) (string, error) {
	return secret(cfg, env, def, file)
}
