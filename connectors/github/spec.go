package github

import (
	"context"
	"time"

	"github.com/accessrecon/accessrecon/connectors"
	"github.com/accessrecon/accessrecon/graph"
	"github.com/accessrecon/accessrecon/i18n"
	"github.com/accessrecon/accessrecon/input"
)

// Type is the `github` source type.
var Type = connectors.Type{Name: "github", NewSpec: func() connectors.Spec { return &Spec{} }}

// Spec is a github source's entry in the config (see Config for an
// example).
type Spec struct {
	// Org is the organisation.
	Org string `yaml:"org"`
	// BaseURL is the API of a GitHub Enterprise Server, e.g.
	// https://github.example.co.jp/api/v3/ (default github.com).
	BaseURL string `yaml:"base_url"`
	// System is the system id (default github:<org>).
	System string `yaml:"system"`
	// TokenEnv names the environment variable holding the token (default
	// GITHUB_TOKEN); TokenFile is a file holding it instead. Never inline.
	TokenEnv  string     `yaml:"token_env"`
	TokenFile input.Path `yaml:"token_file"`
	// AppID, InstallationID and PrivateKeyFile authenticate as a GitHub App
	// installation instead of with a token.
	AppID          int64      `yaml:"app_id"`
	InstallationID int64      `yaml:"installation_id"`
	PrivateKeyFile input.Path `yaml:"private_key_file"`
	// OwnersFrom maps logins to employees through an attribute of an ldap
	// source listed before this one.
	OwnersFrom OwnersFromSource `yaml:"owners_from"`
	// Owners is a CSV mapping logins to employees: login,employee_id.
	Owners input.Path `yaml:"owners"`
	// ServiceAccounts are machine users' logins (kind service).
	ServiceAccounts []string `yaml:"service_accounts"`
	// MaxRateWait is how long to wait at most for a primary rate limit to
	// reset, e.g. 5m (default 5m).
	MaxRateWait string `yaml:"max_rate_wait"`
	// TeamRights is how apply revokes a repository right a GitHub team
	// gives: remove_from_team (default) or by_hand (a work order: the team
	// stays as it is for its other members).
	TeamRights string `yaml:"team_rights"`
}

// OwnersFromSource names a source listed before (ldap) and the account
// attribute that holds each person's GitHub login.
type OwnersFromSource struct {
	Source    string `yaml:"source"`
	Attribute string `yaml:"attribute"`
}

// LoginsFrom is the source and attribute owners come from
// (connectors.OwnersFrom).
func (s *Spec) LoginsFrom() (source, attribute string) {
	return s.OwnersFrom.Source, s.OwnersFrom.Attribute
}

// Check checks the fields and that owners_from names a directory listed
// before.
func (s *Spec) Check(env connectors.CheckEnv) error {
	if s.Org == "" {
		return input.FieldErrorf("org", "a github source needs the organisation")
	}
	if (s.OwnersFrom.Source == "") != (s.OwnersFrom.Attribute == "") {
		return input.FieldErrorf("owners_from", "expected both source and attribute")
	}
	if from := s.OwnersFrom.Source; from != "" {
		other, ok := env.Earlier(from)
		if li, isIndex := other.(connectors.LoginSpec); !ok || !isIndex || !li.IndexesLogins() {
			return input.FieldErrorf("owners_from.source", "expected an ldap source listed before %s, got %q", env.Name, from)
		}
	}
	if (s.AppID != 0 || s.InstallationID != 0 || !s.PrivateKeyFile.IsZero()) && (s.AppID == 0 || s.InstallationID == 0 || s.PrivateKeyFile.IsZero()) {
		return input.FieldErrorf("app_id", "a GitHub App needs app_id, installation_id and private_key_file")
	}
	if s.MaxRateWait != "" {
		if _, err := time.ParseDuration(s.MaxRateWait); err != nil {
			return input.FieldErrorf("max_rate_wait", "expected a duration such as 5m, got %q", s.MaxRateWait)
		}
	}
	if s.TeamRights != "" && s.TeamRights != "remove_from_team" && s.TeamRights != "by_hand" {
		return input.FieldErrorf("team_rights", "expected remove_from_team or by_hand, got %q", s.TeamRights)
	}
	return nil
}

// Open reads the owners file and the credential; it makes no request.
func (s *Spec) Open(_ context.Context, env connectors.Env) (connectors.Source, error) {
	gc := Config{Org: s.Org, BaseURL: s.BaseURL, System: s.System, ServiceAccounts: s.ServiceAccounts, TeamRightsByHand: s.TeamRights == "by_hand"}
	var err error
	if s.AppID != 0 {
		if gc.HTTPClient, err = AppClient(s.AppID, s.InstallationID, s.PrivateKeyFile.Resolved(), s.BaseURL); err != nil {
			return nil, err
		}
	} else if gc.Token, err = input.Secret(env.Files, s.TokenEnv, "GITHUB_TOKEN", s.TokenFile); err != nil {
		return nil, err
	}
	if s.MaxRateWait != "" {
		if gc.MaxRateWait, err = time.ParseDuration(s.MaxRateWait); err != nil {
			return nil, i18n.Errorf("max_rate_wait: %w", err)
		}
	}
	src := &withOwners{}
	if !s.Owners.IsZero() {
		if gc.Owners, src.ownersDigest, err = ReadOwners(env.Files, s.Owners.Resolved()); err != nil {
			return nil, err
		}
	}
	if src.Source, err = New(env.Name, gc, env.Log); err != nil {
		return nil, err
	}
	return src, nil
}

// withOwners adds the owners file's digest to the organisation's.
type withOwners struct {
	*Source
	ownersDigest string
}

func (g *withOwners) Pull(ctx context.Context, w *graph.Writer) (string, error) {
	d, err := g.Source.Pull(ctx, w)
	if err != nil {
		return "", err
	}
	return connectors.CombineDigests(d, g.ownersDigest), nil
}
