// Package webtest starts a real OpenID provider for tests (package
// trialop: zitadel/oidc's op with its example storage) on a free loopback
// port. Users sign in with their lower-case employee id and the password
// Password gives; their subject is the employee id.
package webtest

import (
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/accessrecon/accessrecon/web/trialop"
)

// Client is an application registered at the provider.
type Client = trialop.Client

// Password is a test user's password.
func Password(id string) string { return trialop.Password(id) }

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
	srv := &http.Server{Handler: trialop.Handler(issuer, users, clients...), ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return issuer
}
