// Package web is the reviewers' side of serve: people sign in through the
// organisation's OpenID provider and, in Japanese (or English, by their
// browser), approve or reject the plans waiting for them and decide the
// items of certification campaigns — their own worklist, stage by stage,
// with the evidence to decide on. Everything is server-rendered HTML with no
// script; every state-changing request is a POST checked by Go's
// cross-origin protection, and every decision, delegation, approval and
// sign-in goes to the audit log with the verified identity.
package web

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"html/template"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/accessrecon/accessrecon/config"
	"github.com/accessrecon/accessrecon/graph"
	"github.com/accessrecon/accessrecon/i18n"
	"github.com/accessrecon/accessrecon/reconcile"
	"github.com/accessrecon/accessrecon/reconcile/audit"
	"github.com/accessrecon/accessrecon/reconcile/certify"
	"github.com/accessrecon/accessrecon/reconcile/dashboard"
	"github.com/accessrecon/accessrecon/reconcile/inputs"
	"github.com/accessrecon/accessrecon/reconcile/reviewdb"
	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/crypto/ssh"
	"golang.org/x/oauth2"
)

//go:embed templates/*.html static/*
var assets embed.FS

// Options configure the reviewer pages.
type Options struct {
	Config *config.Config
	Store  *reviewdb.Store
	// Current is the graph serve holds (refreshed in the background).
	Current func() *inputs.Inputs
	// Policy, when set, gives the rules' titles the pages show beside
	// their ids.
	Policy func() *reconcile.Policy
	// PlanDirs are the folders whose plans are listed for approval.
	PlanDirs []string
	// Signer signs web approvals (review.web.signing_key); nil: unsigned.
	Signer ssh.Signer
	Log    *slog.Logger
	Now    func() time.Time
	// HTTPClient talks to the OpenID provider (nil: http.DefaultClient).
	HTTPClient *http.Client
}

// Server serves the reviewer pages.
type Server struct {
	o        Options
	oauth    oauth2.Config
	verifier *oidc.IDTokenVerifier
	issuer   string
	secure   bool
	pages    *template.Template

	mu    sync.Mutex
	flows map[string]flow // sign-ins under way, by state

	plans planCache
}

// flow is a sign-in under way: what the callback checks.
type flow struct {
	verifier, nonce, next string
	expires               time.Time
}

// ClientSecret reads the OpenID client secret from the environment
// variable or the file the config names ("" for a public client, which
// PKCE alone protects).
func ClientSecret(c config.OIDC) (string, error) {
	if c.ClientSecretEnv != "" {
		v := strings.TrimSpace(os.Getenv(c.ClientSecretEnv))
		if v == "" {
			return "", i18n.Errorf("review.web.oidc.client_secret_env: %s is empty or not set", c.ClientSecretEnv)
		}
		return v, nil
	}
	if !c.ClientSecretFile.IsZero() {
		data, err := os.ReadFile(c.ClientSecretFile.Resolved())
		if err != nil {
			return "", i18n.Errorf("review.web.oidc.client_secret_file: %w", err)
		}
		return strings.TrimSpace(string(data)), nil
	}
	return "", nil
}

// New discovers the OpenID provider and prepares the pages.
func New(ctx context.Context, o Options) (*Server, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.HTTPClient == nil {
		o.HTTPClient = http.DefaultClient
	}
	w := o.Config.Review.Web
	if w.OIDC.Issuer == "" || w.OIDC.ClientID == "" || w.PublicURL == "" {
		return nil, i18n.Errorf("review.web: give public_url, oidc.issuer and oidc.client_id")
	}
	pub, err := url.Parse(strings.TrimSuffix(w.PublicURL, "/"))
	if err != nil || (pub.Scheme != "https" && pub.Scheme != "http") || pub.Host == "" {
		return nil, i18n.Errorf("review.web.public_url %q: expected an http(s) address", w.PublicURL)
	}
	secret, err := ClientSecret(w.OIDC)
	if err != nil {
		return nil, err
	}
	octx := oidc.ClientContext(ctx, o.HTTPClient)
	provider, err := oidc.NewProvider(octx, w.OIDC.Issuer)
	if err != nil {
		return nil, i18n.Errorf("review.web.oidc.issuer %s: discovery failed: %w", w.OIDC.Issuer, err)
	}
	scopes := append([]string{oidc.ScopeOpenID}, w.OIDC.Scopes...)
	s := &Server{
		o: o,
		oauth: oauth2.Config{ClientID: w.OIDC.ClientID, ClientSecret: secret, Endpoint: provider.Endpoint(),
			RedirectURL: pub.String() + "/auth/callback", Scopes: scopes},
		verifier: provider.VerifierContext(octx, &oidc.Config{ClientID: w.OIDC.ClientID, Now: o.Now}),
		issuer:   w.OIDC.Issuer,
		// Cookies are Secure except on a loopback http address (a test, or
		// a reviewer's own machine).
		secure: pub.Scheme == "https" || !(pub.Hostname() == "127.0.0.1" || pub.Hostname() == "localhost" || pub.Hostname() == "::1"),
		flows:  map[string]flow{},
	}
	s.pages, err = template.New("").Funcs(funcs).ParseFS(assets, "templates/*.html")
	if err != nil {
		return nil, err
	}
	return s, nil
}

// Handler serves the pages. Every POST passes Go's cross-origin protection
// (Sec-Fetch-Site / Origin), and every answer carries a strict CSP.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	static, _ := fs.Sub(assets, "static")
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	mux.HandleFunc("GET /auth/login", s.login)
	mux.HandleFunc("GET /auth/callback", s.callback)
	mux.HandleFunc("POST /auth/logout", s.logout)
	mux.HandleFunc("GET /{$}", s.signedIn(s.home))
	mux.HandleFunc("GET /plans", s.signedIn(s.planList))
	mux.HandleFunc("GET /plans/{name}", s.signedIn(s.planPage))
	mux.HandleFunc("POST /plans/{name}/approve", s.signedIn(s.planApprove))
	mux.HandleFunc("POST /plans/{name}/reject", s.signedIn(s.planReject))
	mux.HandleFunc("GET /campaigns/{id}", s.signedIn(s.worklist))
	mux.HandleFunc("POST /campaigns/{id}/decide", s.signedIn(s.decide))
	mux.HandleFunc("POST /campaigns/{id}/bulk", s.signedIn(s.bulk))
	mux.HandleFunc("POST /campaigns/{id}/delegate", s.signedIn(s.delegate))
	mux.HandleFunc("GET /campaigns/{id}/progress", s.signedIn(s.progress))
	mux.HandleFunc("GET /dashboard", s.signedIn(s.dashboard))
	mux.HandleFunc("GET /dashboard.css", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/css; charset=utf-8")
		io.WriteString(w, dashboard.CSS)
	})
	cop := http.NewCrossOriginProtection()
	return headers(cop.Handler(mux))
}

// headers sets the security headers of every answer.
func headers(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Referrer-Policy", "same-origin")
		hd.Set("Cache-Control", "no-store")
		h.ServeHTTP(w, r)
	})
}

// Tick ends the campaign stages that are past their due day (their open
// items follow the campaign's default). serve calls it every minute.
func (s *Server) Tick(ctx context.Context) {
	if _, err := certify.EndStages(ctx, s.desk(s.o.Current())); err != nil {
		s.o.Log.Error("ending campaign stages", "err", err)
	}
}

// desk is where the pages decide campaigns: the same use case as every
// other door, against the graph serve holds now.
func (s *Server) desk(in *inputs.Inputs) certify.Desk {
	now, cfg := s.o.Now(), configOf(in, s.o.Config)
	return certify.Desk{Store: s.o.Store, Snap: in.Graph.Snapshot(), Now: now, Record: func(ctx context.Context, e audit.Event) error { return audit.RecordContext(ctx, cfg, e, now) }}
}

// config is the config of the graph serve holds now: the pages read the
// same generation of the config as the API, reloaded with the sources
// (the OpenID settings and the listen address are read once, at start).
func (s *Server) config() *config.Config { return configOf(s.o.Current(), s.o.Config) }

func configOf(in *inputs.Inputs, start *config.Config) *config.Config {
	if in != nil && in.Config != nil {
		return in.Config
	}
	return start
}

// record appends to the audit log; the caller fails the request when it
// cannot (a sign-in or an approval that is not in the log did not happen
// for an auditor).
func (s *Server) record(e audit.Event) error {
	if err := audit.Record(s.config(), e, s.o.Now()); err != nil {
		s.o.Log.Error("audit log", "event", e.Event, "err", err)
		return i18n.Errorf("audit log: %w", err)
	}
	return nil
}

func randomString() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func hash(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

func (s *Server) cookieName() string {
	if s.secure {
		return "__Host-accessrecon"
	}
	return "accessrecon_session"
}

// who is the signed-in reviewer of a request.
type who struct {
	Person  *graph.Person
	Unit    string
	Company string
	Issuer  string
	Subject string
	snap    *graph.Snapshot
	in      *inputs.Inputs
	cfg     *config.Config // of the same generation as snap
	today   graph.Date
	lang    string
	rev     reviewdb.Reviewer
}

// reviewer is who the worklist is shown to (certify.ReviewerOf: the rules of
// who sees what are the use case's), found once with the person in current.
func (w *who) reviewer() reviewdb.Reviewer { return w.rev }

func (w *who) identity() certify.Identity {
	return certify.Identity{EmployeeID: w.Person.EmployeeID, Issuer: w.Issuer, Subject: w.Subject, Source: "web"}
}

// errSignedOut sends the browser to sign in again.
var errSignedOut = errors.New("signed out")

// current finds the request's session and its person, still active today.
func (s *Server) current(r *http.Request) (*who, error) {
	c, err := r.Cookie(s.cookieName())
	if err != nil {
		return nil, errSignedOut
	}
	x, ok, err := s.o.Store.Session(r.Context(), hash(c.Value))
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, errSignedOut
	}
	in := s.o.Current()
	snap := in.Graph.Snapshot()
	today := graph.DateOf(s.o.Now())
	p, err := reconcile.ActivePerson(snap, x.EmployeeID, today)
	if err != nil { // left since signing in
		s.o.Store.DeleteSession(r.Context(), hash(c.Value))
		return nil, errSignedOut
	}
	a := snap.AssignmentAsOf(p, today)
	me := &who{Person: p, Unit: a.Unit, Company: a.Company, Issuer: x.Issuer, Subject: x.Subject, snap: snap, in: in, cfg: configOf(in, s.o.Config), today: today, lang: langOf(r)}
	// Who sees which systems is the use case's; a person it cannot place
	// sees nothing rather than everything.
	if me.rev, err = certify.ReviewerOf(snap, me.identity(), today); err != nil {
		s.o.Store.DeleteSession(r.Context(), hash(c.Value))
		return nil, errSignedOut
	}
	return me, nil
}

type handler func(w http.ResponseWriter, r *http.Request, me *who)

// signedIn runs h for a signed-in active person; a page asked without a
// session goes to sign-in, a POST without one is refused.
func (s *Server) signedIn(h handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		me, err := s.current(r)
		if errors.Is(err, errSignedOut) {
			if r.Method == http.MethodGet {
				http.Redirect(w, r, "/auth/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
			s.fail(w, r, http.StatusUnauthorized, errors.New("sign in first"))
			return
		}
		if err != nil {
			s.fail(w, r, http.StatusInternalServerError, err)
			return
		}
		h(w, r, me)
	}
}

func (s *Server) today() graph.Date { return graph.DateOf(s.o.Now()) }
