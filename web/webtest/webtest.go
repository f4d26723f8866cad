// Package webtest starts a real OpenID provider for tests: zitadel/oidc's
// op package with its example storage (discovery, JWKS, RS256-signed ID
// tokens, PKCE, a login form) on a free loopback port. Users sign in with
// their lower-case employee id and the password Password gives; their
// subject is the employee id.
package webtest

import (
	"encoding/json"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zitadel/oidc/v3/example/server/exampleop"
	"github.com/zitadel/oidc/v3/example/server/storage"
)

// Client is an application registered at the provider.
type Client struct {
	ID, Secret, RedirectURI string
}

// Password is a test user's password.
func Password(id string) string { return "pw-" + strings.ToLower(id) }

// Listen reserves a loopback address (for a server whose URL must be known
// before it starts).
func Listen(t testing.TB) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln
}

// Provider starts the provider with these users and clients and returns
// its issuer URL. It stops when the test ends.
func Provider(t testing.TB, users []string, clients ...Client) string {
	t.Helper()
	ln := Listen(t)
	issuer := "http://" + ln.Addr().String()
	us := map[string]*storage.User{}
	for _, id := range users {
		us[id] = &storage.User{ID: id, Username: strings.ToLower(id), Password: Password(id), FirstName: id, LastName: "test",
			Email: strings.ToLower(id) + "@example.jp", EmailVerified: true}
	}
	data, _ := json.Marshal(us)
	file := filepath.Join(t.TempDir(), "users.json")
	if err := os.WriteFile(file, data, 0o600); err != nil {
		t.Fatal(err)
	}
	store, err := storage.StoreFromFile(file)
	if err != nil {
		t.Fatal(err)
	}
	cs := map[string]*storage.Client{}
	for _, c := range clients {
		cs[c.ID] = storage.WebClient(c.ID, c.Secret, c.RedirectURI)
	}
	srv := &http.Server{Handler: exampleop.SetupServer(issuer, storage.NewStorageWithClients(store, cs), nil, false), ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return issuer
}
