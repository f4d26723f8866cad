// Package scim is the `type: scim` source: the users and groups of a SaaS
// application (or any service) that speaks SCIM 2.0 (RFC 7643, RFC 7644),
// as accounts and rights of one system, and a revoker that deactivates
// users and removes group members by PATCH.
package scim

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/accessrecon/accessrecon/connectors"
	"github.com/accessrecon/accessrecon/input"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// Type is the `scim` source type.
var Type = connectors.Type{Name: "scim", NewSpec: func() connectors.Spec { return &Spec{} },
	NewHRSpec: func() connectors.HRSpec { return &HRSpec{} }}

// Spec is a scim source's entry in the config:
//
//   - name: kintone
//     type: scim
//     base_url: https://example.cybozu.com/scim/v2   # the SCIM endpoint (https, or http on loopback)
//     token_env: KINTONE_SCIM_TOKEN                  # or token_file; the bearer token, never inline
//     system: kintone                                # default scim:<name>
//     owner: employeeNumber                          # or externalId: the user attribute holding the employee id
//     apply: true                                    # deactivate users and remove group members (default: work orders)
type Spec struct {
	BaseURL   string     `yaml:"base_url"`
	TokenEnv  string     `yaml:"token_env"`
	TokenFile input.Path `yaml:"token_file"`
	System    string     `yaml:"system"`
	// Owner is the user attribute that holds the employee id:
	// employeeNumber (the enterprise extension's, the default) or
	// externalId.
	Owner string `yaml:"owner"`
	// PageSize is the count asked for a page (default 100, at most what
	// the service provider says it returns).
	PageSize int `yaml:"page_size"`
	// Apply: apply deactivates users (active=false) and removes group
	// members by PATCH; without it every action is a work order.
	Apply bool `yaml:"apply"`
	// MaxRateWait is how long to wait at most when the service asks to
	// slow down (429 with Retry-After), e.g. 2m (default 5m).
	MaxRateWait string `yaml:"max_rate_wait"`
	// OAuth, if set, gets the bearer token from the provider's token
	// endpoint by the client credentials grant (RFC 6749 §4.4) instead of
	// token_env/token_file, renewed before it expires.
	OAuth *OAuth `yaml:"oauth"`
	// Pagination is how lists are paged: cursor where the provider offers
	// it (RFC 9865), else index (the default, auto); index forces
	// startIndex and count.
	Pagination string `yaml:"pagination"`
}

// OAuth is a client registration at the provider's token endpoint.
type OAuth struct {
	TokenURL         string     `yaml:"token_url"`
	ClientID         string     `yaml:"client_id"`
	ClientSecretEnv  string     `yaml:"client_secret_env"`
	ClientSecretFile input.Path `yaml:"client_secret_file"`
	Scopes           []string   `yaml:"scopes"`
}

// Check checks the fields.
func (s *Spec) Check(connectors.CheckEnv) error {
	if o := s.OAuth; o != nil {
		if !input.SecureURL(o.TokenURL) {
			return input.FieldErrorf("oauth.token_url", "expected the token endpoint's https URL, got %q", o.TokenURL)
		}
		if o.ClientID == "" {
			return input.FieldErrorf("oauth.client_id", "expected the client id registered at the provider")
		}
		if s.TokenEnv != "" || !s.TokenFile.IsZero() {
			return input.FieldErrorf("oauth", "expected either oauth or token_env/token_file, not both")
		}
	}
	u, err := url.Parse(s.BaseURL)
	if s.BaseURL == "" || err != nil || u.Host == "" {
		return input.FieldErrorf("base_url", "expected the SCIM endpoint's URL, e.g. https://example.com/scim/v2, got %q", s.BaseURL)
	}
	if !input.SecureURL(s.BaseURL) {
		return input.FieldErrorf("base_url", "expected https (http only on this computer: the bearer token would go in plain text), got %q", s.BaseURL)
	}
	if s.Owner != "" && s.Owner != "employeeNumber" && s.Owner != "externalId" {
		return input.FieldErrorf("owner", "expected employeeNumber or externalId, got %q", s.Owner)
	}
	if s.PageSize < 0 {
		return input.FieldErrorf("page_size", "expected a number of users a page, got %d", s.PageSize)
	}
	if s.Pagination != "" && s.Pagination != "auto" && s.Pagination != "index" {
		return input.FieldErrorf("pagination", "expected auto or index, got %q", s.Pagination)
	}
	if s.MaxRateWait != "" {
		if d, err := time.ParseDuration(s.MaxRateWait); err != nil || d < 0 {
			return input.FieldErrorf("max_rate_wait", "expected a duration such as 5m, got %q", s.MaxRateWait)
		}
	}
	return nil
}

// Open reads the token or the client secret; it makes no request.
func (s *Spec) Open(ctx context.Context, env connectors.Env) (connectors.Source, error) {
	var token string
	var tokens oauth2.TokenSource
	if o := s.OAuth; o != nil {
		secret, err := input.Secret(env.Files, o.ClientSecretEnv, "SCIM_CLIENT_SECRET", o.ClientSecretFile)
		if err != nil {
			return nil, err
		}
		cc := &clientcredentials.Config{ClientID: o.ClientID, ClientSecret: secret, TokenURL: o.TokenURL, Scopes: o.Scopes}
		tctx := context.WithValue(context.WithoutCancel(ctx), oauth2.HTTPClient, &http.Client{Timeout: time.Minute})
		tokens = oauth2.ReuseTokenSourceWithExpiry(nil, cc.TokenSource(tctx), time.Minute)
	} else {
		var err error
		if token, err = input.Secret(env.Files, s.TokenEnv, "SCIM_TOKEN", s.TokenFile); err != nil {
			return nil, err
		}
	}
	log := env.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	src := &Source{name: env.Name, spec: s, token: token, tokens: tokens, base: strings.TrimRight(s.BaseURL, "/"), system: s.System, log: log,
		pageSize: 100, maxWait: 5 * time.Minute, sleep: connectors.Sleep}
	if src.system == "" {
		src.system = "scim:" + env.Name
	}
	if s.PageSize > 0 {
		src.pageSize = s.PageSize
	}
	if s.MaxRateWait != "" {
		src.maxWait, _ = time.ParseDuration(s.MaxRateWait) // checked by Check
	}
	if s.Apply {
		return &Changer{src}, nil
	}
	return src, nil
}
