package web

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/accessrecon/accessrecon/connectors/catalog"

	"github.com/accessrecon/accessrecon/config"
	"github.com/accessrecon/accessrecon/graph"
	"github.com/accessrecon/accessrecon/policy"
	"github.com/accessrecon/accessrecon/reconcile"
	"github.com/accessrecon/accessrecon/reconcile/apply"
	"github.com/accessrecon/accessrecon/reconcile/certify"
	"github.com/accessrecon/accessrecon/reconcile/inputs"
	"github.com/accessrecon/accessrecon/reconcile/reconciletest"
	"github.com/accessrecon/accessrecon/reconcile/reviewdb"
	"github.com/accessrecon/accessrecon/web/webtest"
	"golang.org/x/crypto/ssh"
)

// env is a deployment for the tests: the demo data (with managers) in a
// folder, a real OpenID provider on loopback (zitadel/oidc's op package
// with its example storage: real discovery, JWKS, RS256-signed ID tokens,
// PKCE), and serve's reviewer pages on loopback.
type env struct {
	t      *testing.T
	dir    string
	cfg    *config.Config
	in     *inputs.Inputs
	pol    *reconcile.Policy
	store  *reviewdb.Store
	srv    *Server
	base   string // the reviewer pages
	op     string // the OpenID provider (issuer)
	outbox string

	mu  sync.Mutex
	now time.Time

	campaigns map[string]*certify.Campaign
}

// Users of the OpenID provider: their subject is their employee id.
var opUsers = []string{"E1001", "E1003", "E1004", "E1005", "E1006", "E1009", "E1015", "E1030", "E9999"}

func password(id string) string { return webtest.Password(id) }

func (e *env) clock() time.Time {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.now
}

func (e *env) setClock(t time.Time) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.now = t
}

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	e := &env{t: t, dir: t.TempDir(), now: time.Now()}
	if err := os.CopyFS(e.dir, os.DirFS("../fixtures/demo")); err != nil {
		t.Fatal(err)
	}
	reconciletest.AddManagers(t, filepath.Join(e.dir, "people.csv"), map[string]string{"NW-CUSTOMER": "E1009"}, nil) // NW-CUSTOMER reports to E1009 (NW-OPS)
	e.outbox = filepath.Join(e.dir, "outbox")
	os.MkdirAll(e.outbox, 0o755)

	// serve's signing key, allowed for any approver.
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	signer, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(e.dir, "allowed_signers"), []byte(`* namespaces="accessrecon" `+string(ssh.MarshalAuthorizedKey(signer.PublicKey()))), 0o644)

	web := webtest.Listen(t)
	e.base = "http://" + web.Addr().String()
	e.op = webtest.Provider(t, opUsers,
		webtest.Client{ID: "accessrecon", Secret: "s3cret-client", RedirectURI: e.base + "/auth/callback"},
		webtest.Client{ID: "other-app", Secret: "other-secret", RedirectURI: "http://127.0.0.1:9/cb"})

	// The deployment's config: the demo's, with the reviewer pages.
	t.Setenv("TEST_OIDC_SECRET", "s3cret-client")
	f, _ := os.OpenFile(filepath.Join(e.dir, "accessrecon.yaml"), os.O_APPEND|os.O_WRONLY, 0)
	fmt.Fprintf(f, `apply:
  allowed_signers: allowed_signers
review:
  web:
    public_url: %s
    oidc: {issuer: %s, client_id: accessrecon, client_secret_env: TEST_OIDC_SECRET}
    owners: {ids: [E1003]}
`, e.base, e.op)
	f.Close()
	e.cfg, err = config.Load(config.OSFiles{}, filepath.Join(e.dir, "accessrecon.yaml"), catalog.Types)
	if err != nil {
		t.Fatal(err)
	}
	e.in, e.pol = reconciletest.Load(t, e.cfg, policy.Bundled())
	e.store, err = reviewdb.Open(ctx, e.cfg.Resolve(e.cfg.Review.Store))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.store.Close() })
	e.srv, err = New(ctx, Options{Config: e.cfg, Store: e.store, Current: func() *inputs.Inputs { return e.in }, Policy: func() *reconcile.Policy { return e.pol }, PlanDirs: []string{e.outbox},
		Signer: signer, Log: reconciletest.Quiet(), Now: e.clock})
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: e.srv.Handler(), ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(web)
	t.Cleanup(func() { srv.Close() })
	return e
}

// openMonthly opens the monthly layered campaign of the demo (takuso and
// saiene-kaitori; the owner unit, then the manager) in the store.
func (e *env) openMonthly(id string) {
	t := e.t
	ctx := context.Background()
	day := reconciletest.DemoDay(t)
	tmpl, err := certify.TemplateOf(e.cfg, e.in.Graph.Snapshot(), certify.Monthly)
	if err != nil {
		t.Fatal(err)
	}
	c, _, err := certify.Open(ctx, e.in, e.pol, id, day, certify.LastUse{"takuso/u1004": time.Date(2026, 11, 20, 9, 0, 0, 0, graph.Tokyo).UnixNano()}, tmpl.Scope())
	if err != nil {
		t.Fatal(err)
	}
	stages, err := tmpl.StagesFrom(e.cfg, day, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := certify.Register(ctx, e.store, e.in, c, tmpl, stages, certify.LastUse{}, "E1003", e.dir); err != nil {
		t.Fatal(err)
	}
	if e.campaigns == nil {
		e.campaigns = map[string]*certify.Campaign{}
	}
	e.campaigns[id] = c
}

// writePlan writes a plan of the demo made by author into the outbox.
func (e *env) writePlan(name, author string) string {
	t := e.t
	p, err := reconcile.Reconcile(context.Background(), e.in, e.pol, reconciletest.DemoDay(t))
	if err != nil {
		t.Fatal(err)
	}
	p.CreatedBy = author
	path := filepath.Join(e.outbox, name)
	if err := os.WriteFile(path, reconciletest.Encode(t, e.in, p, reconciletest.FixedNow), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// client is a browser without script: a cookie jar that follows redirects.
func (e *env) client() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, Timeout: 20 * time.Second}
}

// signIn goes through the whole authorization code flow as a browser does:
// our /auth/login, the provider's login form, the provider's redirect to
// our callback. It returns the last answer.
func (e *env) signIn(c *http.Client, user, pw string) (*http.Response, string) {
	t := e.t
	resp, err := c.Get(e.base + "/auth/login")
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	id := resp.Request.URL.Query().Get("authRequestID")
	if id == "" {
		t.Fatalf("not at the provider's login form: %s", resp.Request.URL)
	}
	resp, err = c.PostForm(e.op+"/login/username", url.Values{"id": {id}, "username": {user}, "password": {pw}})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(body)
}

// idToken runs the code flow for a client of the provider by hand and
// returns the raw ID token it issues.
func (e *env) idToken(clientID, secret, redirect, user, nonce string) string {
	t := e.t
	jar, _ := cookiejar.New(nil)
	var code string
	c := &http.Client{Jar: jar, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if strings.HasPrefix(req.URL.String(), redirect) {
			code = req.URL.Query().Get("code")
			return http.ErrUseLastResponse
		}
		return nil
	}}
	q := url.Values{"client_id": {clientID}, "redirect_uri": {redirect}, "response_type": {"code"}, "scope": {"openid"}, "nonce": {nonce}, "state": {"x"}}
	resp, err := c.Get(e.op + "/auth?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	id := resp.Request.URL.Query().Get("authRequestID")
	resp, err = c.PostForm(e.op+"/login/username", url.Values{"id": {id}, "username": {user}, "password": {password(strings.ToUpper(user))}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if code == "" {
		t.Fatalf("no code from the provider for %s", clientID)
	}
	req, _ := http.NewRequest("POST", e.op+"/oauth/token", strings.NewReader(url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirect}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(clientID, secret)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tok struct {
		IDToken string `json:"id_token"`
	}
	json.NewDecoder(resp.Body).Decode(&tok)
	if tok.IDToken == "" {
		t.Fatalf("no ID token for %s (%d)", clientID, resp.StatusCode)
	}
	return tok.IDToken
}

func readPlan(t *testing.T, path string) *reconcile.Plan {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	p, err := reconcile.ReadPlan(path, data)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func (e *env) ruleSet() (apply.ApprovalRules, error) { return apply.Rules(e.cfg, e.srv.today()) }

func applyCheck(path string, e *env, rules apply.ApprovalRules) error {
	return apply.CheckApprovals(path, readPlan(e.t, path), e.in, rules)
}
