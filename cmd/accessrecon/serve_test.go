package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/accessrecon/accessrecon/connectors/catalog"

	"github.com/accessrecon/accessrecon/config"
	"github.com/accessrecon/accessrecon/policy"
	"github.com/accessrecon/accessrecon/reconcile"
	"github.com/accessrecon/accessrecon/reconcile/audit"
	"github.com/accessrecon/accessrecon/reconcile/certify"
	"github.com/accessrecon/accessrecon/reconcile/inputs"
	"github.com/accessrecon/accessrecon/reconcile/service"
	"github.com/accessrecon/accessrecon/web/webtest"
)

// TestServeShutsDownGracefully: a request under way when SIGTERM arrives
// (the context ends) is finished, then serve returns.
func TestServeShutsDownGracefully(t *testing.T) {
	dir := demoDir(t)
	var slow atomic.Bool
	inside := make(chan struct{}, 1)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	load := func(ctx context.Context) (*inputs.Inputs, *reconcile.Policy, error) {
		if slow.Load() {
			select {
			case inside <- struct{}{}:
			default:
			}
			time.Sleep(300 * time.Millisecond)
		}
		cfg, err := config.Load(config.OSFiles{}, filepath.Join(dir, "accessrecon.yaml"), catalog.Types)
		if err != nil {
			return nil, nil, err
		}
		return reconcile.LoadAll(ctx, cfg, policy.Bundled(), log, nil)
	}
	svc, err := service.New(context.Background(), service.Options{Load: load, Token: []byte("t0ken-t0ken-t0ken-t0ken-t0ken-t0ken"), Log: log})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- serve(ctx, ln, svc.Handler(), svc, 0, &readiness{svc: svc}, 0) }()
	slow.Store(true)
	answered := make(chan int, 1)
	go func() {
		req, _ := http.NewRequest("POST", "http://"+ln.Addr().String()+"/v1/refresh", nil)
		req.Header.Set("Authorization", "Bearer t0ken-t0ken-t0ken-t0ken-t0ken-t0ken")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			answered <- 0
			return
		}
		resp.Body.Close()
		answered <- resp.StatusCode
	}()
	select { // the request is under way
	case <-inside:
	case code := <-answered:
		t.Fatalf("the request was answered %d before it was slow", code)
	}
	cancel()
	if code := <-answered; code != 200 {
		t.Errorf("the request under way got %d, want 200", code)
	}
	select {
	case err := <-served:
		if err != nil {
			t.Errorf("serve: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("serve did not return after shutdown")
	}
}

func TestServeNeedsAToken(t *testing.T) {
	t.Setenv("ACCESSRECON_API_TOKEN", "")
	dir := demoDir(t)
	_, stderr, code := runCLI(t, "serve", "--config", filepath.Join(dir, "accessrecon.yaml"), "--listen", "127.0.0.1:0")
	if code != 1 || !strings.Contains(stderr, "no API token") {
		t.Fatalf("exit %d %s", code, stderr)
	}
}

// TestServeServesTheReviewerPages: with review.web in the config, serve
// answers the reviewers' pages beside the API on the same address: a page
// sends the browser to sign in, the sign-in goes to the OpenID provider
// with PKCE, a person of the HR feed gets in, and the API still wants its
// bearer token.
func TestServeServesTheReviewerPages(t *testing.T) {
	dir := demoDir(t)
	cfg := filepath.Join(dir, "accessrecon.yaml")
	l := webtest.Listen(t)
	addr := l.Addr().String()
	l.Close()
	base := "http://" + addr
	issuer := webtest.Provider(t, []string{"E1003"}, webtest.Client{ID: "accessrecon", Secret: "client-secret", RedirectURI: base + "/auth/callback"})
	appendTo(t, cfg, fmt.Sprintf(`review:
  web:
    public_url: %s
    oidc: {issuer: %s, client_id: accessrecon, client_secret_env: TEST_OIDC_SECRET}
`, base, issuer))
	t.Setenv("TEST_OIDC_SECRET", "client-secret")
	t.Setenv("ACCESSRECON_API_TOKEN", "serve-token-for-tests-0123456789abcdef")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	var stderr bytes.Buffer
	go func() {
		done <- run(ctx, []string{"accessrecon", "serve", "--config", cfg, "--listen", addr, "--notify-every", "0"}, io.Discard, &stderr)
	}()
	defer func() { cancel(); <-done }()
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	var resp *http.Response
	var err error
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if resp, err = noRedirect.Get(base + "/"); err == nil {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve did not answer: %v\n%s", err, stderr.String())
		}
	}
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/auth/login?next=%2F" || !strings.Contains(resp.Header.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
		t.Fatalf("a page without a session: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, err = noRedirect.Get(base + "/auth/login")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	if !strings.HasPrefix(loc, issuer+"/auth?") || !strings.Contains(loc, "code_challenge_method=S256") || !strings.Contains(loc, "client_id=accessrecon") {
		t.Fatalf("sign-in goes to %q", loc)
	}
	// Through the provider's form as a browser would.
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar}
	resp, err = browser.Get(base + "/auth/login")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	resp, err = browser.PostForm(issuer+"/login/username", url.Values{"id": {resp.Request.URL.Query().Get("authRequestID")}, "username": {"e1003"}, "password": {webtest.Password("E1003")}})
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(page), "E1003") {
		t.Fatalf("signed in: %d\n%s", resp.StatusCode, page)
	}
	// The API beside the pages keeps its bearer token.
	resp, err = http.Post(base+"/v1/transfers/check", "application/json", strings.NewReader(`{"employee_id":"E1007","to_unit":"HD-RETAIL","effective_date":"2026-12-01"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("the API without its token: %d", resp.StatusCode)
	}
}

// TestServeOpensTheEventsReviewOfTheDay: with review.events.at, serve (its
// leader: on one machine, itself) opens the day's small review once it is
// past that time on a business day: E1006's new editor right on takuso,
// granted today, in EV-2026-12-08, written to the outbox and recorded.
func TestServeOpensTheEventsReviewOfTheDay(t *testing.T) {
	dir := demoDir(t)
	cfg := filepath.Join(dir, "accessrecon.yaml")
	atDay(t, "2026-12-08") // a Tuesday, 10:00 in Tokyo
	appendTo(t, filepath.Join(dir, "takuso-grants.csv"), "takuso,u1006,editor,request,2026-12-08,\n")
	l := webtest.Listen(t)
	addr := l.Addr().String()
	l.Close()
	issuer := webtest.Provider(t, nil)
	appendTo(t, cfg, fmt.Sprintf(`review:
  events: {at: "07:00"}
  web:
    public_url: http://%s
    oidc: {issuer: %s, client_id: accessrecon, client_secret_env: TEST_OIDC_SECRET}
`, addr, issuer))
	t.Setenv("TEST_OIDC_SECRET", "client-secret")
	t.Setenv("ACCESSRECON_API_TOKEN", "serve-token-for-tests-0123456789abcdef")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	var stderr bytes.Buffer
	go func() {
		done <- run(ctx, []string{"accessrecon", "serve", "--config", cfg, "--listen", addr, "--notify-every", "0", "--drain", "0"}, io.Discard, &stderr)
	}()
	defer func() { cancel(); <-done }()
	camp := filepath.Join(dir, "outbox", "events", "EV-2026-12-08", certify.CampaignFile)
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if _, err := os.Stat(camp); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no events review:\n%s", stderr.String())
		}
	}
	ev, err := certify.Read(filepath.Dir(camp))
	if err != nil {
		t.Fatal(err)
	}
	if got := slices.Sorted(maps.Keys(ev.Items())); !slices.Equal(got, []string{"takuso/u1006/editor"}) {
		t.Errorf("the events review has %v", got)
	}
	opened := 0
	f, err := os.Open(filepath.Join(dir, "audit.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := audit.Each(f, "audit.jsonl", func(e audit.Event) {
		if e.Event == audit.CampaignOpened && e.Data["campaign"] == "EV-2026-12-08" && e.By == "serve" && e.Data["events_since"] == "2026-12-07" {
			opened++
		}
	}); err != nil {
		t.Fatal(err)
	}
	if opened != 1 {
		t.Errorf("%d campaign_opened events for EV-2026-12-08", opened)
	}
}
