// Package trialop is an OpenID provider for trying the reviewer pages
// (accessrecon demo --serve) and for the tests: zitadel/oidc's op package
// with its example storage (discovery, JWKS, RS256-signed ID tokens, PKCE,
// a login form). People sign in with their lower-case employee id and the
// password Password gives; their subject is the employee id. It is not an
// identity provider for real use: its token key is fixed and its
// passwords are known, so it is served on loopback only.
package trialop

import (
	"net/http"
	"strings"

	"github.com/zitadel/oidc/v3/example/server/exampleop"
	"github.com/zitadel/oidc/v3/example/server/storage"
	"golang.org/x/text/language"
)

// Client is an application registered at the provider.
type Client struct {
	ID, Secret, RedirectURI string
}

// Password is a person's password at the provider.
func Password(id string) string { return "pw-" + strings.ToLower(id) }

// Handler is the provider at issuer (its URL, where the handler is
// served) for these people and clients.
func Handler(issuer string, people []string, clients ...Client) http.Handler {
	us := users{}
	for _, id := range people {
		us[strings.ToLower(id)] = &storage.User{ID: id, Username: strings.ToLower(id), Password: Password(id), FirstName: id, LastName: "trial",
			Email: strings.ToLower(id) + "@example.jp", EmailVerified: true, PreferredLanguage: language.Japanese}
	}
	cs := map[string]*storage.Client{}
	for _, c := range clients {
		cs[c.ID] = storage.WebClient(c.ID, c.Secret, c.RedirectURI)
	}
	return exampleop.SetupServer(issuer, storage.NewStorageWithClients(us, cs), nil, false)
}

// users are the people who may sign in, by user name.
type users map[string]*storage.User

func (u users) GetUserByUsername(name string) *storage.User { return u[strings.ToLower(name)] }

func (u users) GetUserByID(id string) *storage.User {
	for _, p := range u {
		if p.ID == id {
			return p
		}
	}
	return nil
}

func (u users) ExampleClientID() string { return "" }
