package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/accessrecon/accessrecon/graph"
	"github.com/accessrecon/accessrecon/policy"
	"github.com/accessrecon/accessrecon/reconcile/certify"
	"github.com/accessrecon/accessrecon/reconcile/inputs"
	"github.com/accessrecon/accessrecon/reconcile/reconciletest"
	"github.com/accessrecon/accessrecon/reconcile/reviewdb"
	"github.com/accessrecon/accessrecon/web/webtest"
)

// TestFiftyReviewersDecideAtOnceThroughThePages: 50 signed-in people of one
// reviewer unit post decisions on the same campaign at the same time, every
// item tried by several of them: each item is decided exactly once (never
// by its own holder), and the audit log counts the same.
func TestFiftyReviewersDecideAtOnceThroughThePages(t *testing.T) {
	ctx := context.Background()
	cfg, _ := reconciletest.Generated(t, 3000, 7, 0)
	in, pol := reconciletest.Load(t, cfg, policy.Bundled())
	day, _ := graph.ParseDate("2026-11-24")
	c, _, err := certify.Open(ctx, in, pol, "Q", day, nil, certify.Scope{})
	if err != nil {
		t.Fatal(err)
	}
	store, err := reviewdb.Open(ctx, cfg.Resolve(cfg.Review.Store))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	tmpl, _ := certify.TemplateOf(cfg, in.Graph.Snapshot(), "")
	stages, _ := tmpl.StagesFrom(cfg, day, "2026-12-15")
	if _, err := certify.Register(ctx, store, in, c, tmpl, stages, nil, "test", ""); err != nil {
		t.Fatal(err)
	}
	// The reviewer unit with the most people, and 50 of them.
	snap := in.Graph.Snapshot()
	today := graph.DateOf(time.Now())
	byUnit := map[string][]string{}
	for _, p := range snap.People() {
		if !p.HasLeft(today) && p.StartDate <= today {
			u := snap.AssignmentAsOf(p, today).Unit
			byUnit[u] = append(byUnit[u], p.EmployeeID)
		}
	}
	var unit string
	var items []string
	for _, w := range c.Worksheets {
		if len(byUnit[w.ReviewerUnit]) >= 50 && len(w.Items) >= 200 && (unit == "" || len(w.Items) > len(items)) {
			unit = w.ReviewerUnit
			items = items[:0]
			for _, it := range w.Items {
				items = append(items, it.ItemID)
			}
		}
	}
	if unit == "" {
		t.Fatal("no reviewer unit with 50 people and 200 items in the generated set")
	}
	items = items[:200]
	reviewers := byUnit[unit][:50]

	issuer := webtest.Provider(t, nil)
	ln := webtest.Listen(t)
	base := "http://" + ln.Addr().String()
	cfg.Review.Web.PublicURL, cfg.Review.Web.OIDC.Issuer, cfg.Review.Web.OIDC.ClientID = base, issuer, "accessrecon"
	srv, err := New(ctx, Options{Config: cfg, Store: store, Current: func() *inputs.Inputs { return in }, Log: reconciletest.Quiet()})
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 5 * time.Second}
	go hs.Serve(ln)
	defer hs.Close()

	// Sessions as a sign-in makes them (the sign-in itself is tested
	// against the provider elsewhere).
	cookies := make([]string, len(reviewers))
	for i, id := range reviewers {
		cookies[i] = randomString()
		if err := store.CreateSession(ctx, hash(cookies[i]), reviewdb.Session{EmployeeID: id, Issuer: issuer, Subject: id, Expires: time.Now().Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	var wg sync.WaitGroup
	errs := make(chan error, len(reviewers))
	for r := range reviewers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 20 {
				id := items[(r*4+i)%len(items)]
				form := url.Values{"item": {id}, "decision": {[]string{"keep", "revoke"}[(r+i)%2]}, "reason": {fmt.Sprintf("reviewer %d", r)}}
				req, _ := http.NewRequest("POST", base+"/campaigns/Q/decide", strings.NewReader(form.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.Header.Set("Sec-Fetch-Site", "same-origin")
				req.AddCookie(&http.Cookie{Name: "accessrecon_session", Value: cookies[r]})
				resp, err := client.Do(req)
				if err != nil {
					errs <- err
					return
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusSeeOther {
					errs <- fmt.Errorf("reviewer %d, %s: %d", r, id, resp.StatusCode)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	// Every item tried was decided once, by someone who is not its holder.
	tried := map[string]bool{}
	for r := range reviewers {
		for i := range 20 {
			tried[items[(r*4+i)%len(items)]] = true
		}
	}
	finals, err := store.Finals(ctx, "Q")
	if err != nil {
		t.Fatal(err)
	}
	holder := map[string]string{}
	for _, w := range c.Worksheets {
		for _, it := range w.Items {
			holder[it.ItemID] = it.Person
		}
	}
	decided := 0
	for _, f := range finals {
		if f.Status == reviewdb.StatusOpen {
			if tried[f.ItemID] && !slices.Contains(reviewers, holder[f.ItemID]) {
				t.Errorf("%s was tried but is not decided", f.ItemID)
			}
			continue
		}
		decided++
		if !tried[f.ItemID] {
			t.Errorf("%s decided but nobody tried it", f.ItemID)
		}
		if f.Reviewer == holder[f.ItemID] {
			t.Errorf("%s decided by its own holder", f.ItemID)
		}
	}
	var audited float64
	auditEvents(t, cfg, "review_decision", func(data map[string]any) { audited += data["decided"].(float64) })
	if decided == 0 || int(audited) != decided {
		t.Errorf("%d items decided in the store, %v in the audit log", decided, audited)
	}
}
