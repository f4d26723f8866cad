// Package entra is the `type: entra` source: the users of a Microsoft Entra
// ID tenant as accounts, read through Microsoft Graph with the rights they
// hold (group memberships through nested groups, app roles of enterprise
// applications, directory roles active and eligible), their sign-ins,
// password age and MFA registration; and a revoker that disables cloud
// users, removes group members, app role assignments and directory role
// assignments.
package entra

import (
	"cmp"
	"context"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/accessrecon/accessrecon/connectors"
	"github.com/accessrecon/accessrecon/input"
)

// Type is the `entra` source type.
var Type = connectors.Type{Name: "entra", NewSpec: func() connectors.Spec { return &Spec{} }}

// Spec is an entra source's entry in the config:
//
//   - name: entra
//     type: entra
//     tenant_id: 00000000-0000-0000-0000-000000000000
//     client_id: 11111111-1111-1111-1111-111111111111
//     client_secret_env: ENTRA_CLIENT_SECRET     # or client_secret_file, or certificate_file
//     system: m365                               # default entra:<name>
//     apps:                                      # enterprise apps that are systems of systems.yaml
//   - {app: 2b1c…-appId or display name, system: takuso-portal}
//     on_premises_system: ad                     # the system of the AD accounts synced users come from
//     apply: true
type Spec struct {
	TenantID string `yaml:"tenant_id"`
	ClientID string `yaml:"client_id"`
	// ClientSecretEnv or ClientSecretFile hold the client secret;
	// CertificateFile is a PEM file with the certificate registered for
	// the app and its private key (a client assertion signed with it).
	ClientSecretEnv  string     `yaml:"client_secret_env"`
	ClientSecretFile input.Path `yaml:"client_secret_file"`
	CertificateFile  input.Path `yaml:"certificate_file"`
	// Authority is the sign-in service (default
	// https://login.microsoftonline.com; a national cloud's otherwise,
	// e.g. https://login.microsoftonline.us); GraphURL is Microsoft
	// Graph's (default https://graph.microsoft.com).
	Authority string `yaml:"authority"`
	GraphURL  string `yaml:"graph_url"`
	// System is the tenant's system id (default entra:<name>).
	System string `yaml:"system"`
	// Owner is the user property holding the employee id: employeeId
	// (the default) or onPremisesSamAccountName.
	Owner string `yaml:"owner"`
	// Owners is a CSV mapping users (userPrincipalName) to employees:
	// user,employee_id; guests are owned by the employee who sponsors
	// them through it.
	Owners input.Path `yaml:"owners"`
	// ServiceAccounts are users that are no person (kind service), by
	// userPrincipalName.
	ServiceAccounts []string `yaml:"service_accounts"`
	// Apps are enterprise applications whose app roles are rights on a
	// system of their own (listed in systems.yaml, which says who may
	// hold them); the roles of other apps are rights on the tenant's
	// system, app:<name>/<role>.
	Apps []App `yaml:"apps"`
	// OnPremisesSystem is the system of the Active Directory accounts
	// that users synced from on premises are copies of: such a user is
	// disabled there, not in Entra ID (Graph refuses it).
	OnPremisesSystem string `yaml:"on_premises_system"`
	// GroupRights is how apply revokes a right a group gives:
	// remove_membership (default: the user leaves the group they are a
	// direct member of on the path) or by_hand (a work order).
	GroupRights string `yaml:"group_rights"`
	// Apply: apply carries out the plan's actions through Graph; without
	// it every action is a work order.
	Apply bool `yaml:"apply"`
	// MaxRateWait is how long to wait at most when Graph throttles (429
	// or 503 with Retry-After), e.g. 2m (default 5m).
	MaxRateWait string `yaml:"max_rate_wait"`
	// DeltaFile, if set, keeps the groups read and Graph's delta link
	// between runs, so that a run reads only what changed; FullEvery is
	// how often the groups are read whole anyway (default 168h). Without
	// it every run reads every group's members.
	DeltaFile input.Path `yaml:"delta_file"`
	FullEvery string     `yaml:"full_every"`
}

// App maps an enterprise application (its appId or display name) to a
// system.
type App struct {
	App    string `yaml:"app"`
	System string `yaml:"system"`
}

// Check checks the fields.
func (s *Spec) Check(connectors.CheckEnv) error {
	if !guid(s.TenantID) && !domainName(s.TenantID) {
		return input.FieldErrorf("tenant_id", "expected the tenant's id (a GUID) or its domain, got %q", s.TenantID)
	}
	if !guid(s.ClientID) {
		return input.FieldErrorf("client_id", "expected the app registration's application (client) id, a GUID, got %q", s.ClientID)
	}
	creds := 0
	for _, set := range []bool{s.ClientSecretEnv != "", !s.ClientSecretFile.IsZero(), !s.CertificateFile.IsZero()} {
		if set {
			creds++
		}
	}
	if creds > 1 {
		return input.FieldErrorf("client_secret_env", "expected one of client_secret_env, client_secret_file and certificate_file")
	}
	for _, f := range []struct{ name, v string }{{"authority", s.Authority}, {"graph_url", s.GraphURL}} {
		if f.v == "" {
			continue
		}
		if !input.SecureURL(f.v) {
			return input.FieldErrorf(f.name, "expected an https URL (http only on this computer), got %q", f.v)
		}
	}
	if s.Owner != "" && s.Owner != "employeeId" && s.Owner != "onPremisesSamAccountName" {
		return input.FieldErrorf("owner", "expected employeeId or onPremisesSamAccountName, got %q", s.Owner)
	}
	for i, a := range s.Apps {
		if a.App == "" || a.System == "" {
			return input.FieldErrorf("apps", "entry %d: expected app (its appId or display name) and system", i+1)
		}
	}
	if s.GroupRights != "" && s.GroupRights != "remove_membership" && s.GroupRights != "by_hand" {
		return input.FieldErrorf("group_rights", "expected remove_membership or by_hand, got %q", s.GroupRights)
	}
	for _, f := range []struct{ name, v string }{{"max_rate_wait", s.MaxRateWait}, {"full_every", s.FullEvery}} {
		if f.v == "" {
			continue
		}
		if d, err := time.ParseDuration(f.v); err != nil || d < 0 {
			return input.FieldErrorf(f.name, "expected a duration such as 5m or 168h, got %q", f.v)
		}
	}
	return nil
}

func guid(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i, c := range s {
		switch {
		case i == 8 || i == 13 || i == 18 || i == 23:
			if c != '-' {
				return false
			}
		case !strings.ContainsRune("0123456789abcdefABCDEF", c):
			return false
		}
	}
	return true
}

func domainName(s string) bool {
	if !strings.Contains(s, ".") || len(s) > 253 {
		return false
	}
	for _, c := range s {
		if !(c == '.' || c == '-' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

// Open reads the credential and the owners file; it makes no request.
func (s *Spec) Open(ctx context.Context, env connectors.Env) (connectors.Source, error) {
	log := env.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	c := &client{
		name: env.Name, log: log, maxWait: 5 * time.Minute, sleep: connectors.Sleep,
		graph: strings.TrimRight(cmp.Or(s.GraphURL, "https://graph.microsoft.com"), "/") + "/v1.0",
	}
	if s.MaxRateWait != "" {
		c.maxWait, _ = time.ParseDuration(s.MaxRateWait) // checked by Check
	}
	tokenURL := strings.TrimRight(cmp.Or(s.Authority, "https://login.microsoftonline.com"), "/") + "/" + url.PathEscape(s.TenantID) + "/oauth2/v2.0/token"
	scope := strings.TrimRight(cmp.Or(s.GraphURL, "https://graph.microsoft.com"), "/") + "/.default"
	var err error
	if !s.CertificateFile.IsZero() {
		c.tokens, err = certificateTokens(ctx, env, s.CertificateFile, s.ClientID, tokenURL, scope)
	} else {
		var secret string
		if secret, err = input.Secret(env.Files, s.ClientSecretEnv, "ENTRA_CLIENT_SECRET", s.ClientSecretFile); err == nil {
			c.tokens = secretTokens(ctx, s.ClientID, secret, tokenURL, scope)
		}
	}
	if err != nil {
		return nil, err
	}
	src := &Source{client: c, spec: s, system: cmp.Or(s.System, "entra:"+env.Name)}
	if !s.Owners.IsZero() {
		if src.owners, src.ownersDigest, err = readOwners(env.Files, s.Owners.Resolved()); err != nil {
			return nil, err
		}
	}
	if !s.DeltaFile.IsZero() {
		src.state = s.DeltaFile.Resolved()
	}
	src.fullEvery = 7 * 24 * time.Hour
	if s.FullEvery != "" {
		src.fullEvery, _ = time.ParseDuration(s.FullEvery)
	}
	if s.Apply {
		return &Changer{src}, nil
	}
	return src, nil
}
