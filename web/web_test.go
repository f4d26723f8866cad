package web

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/accessrecon/accessrecon/config"
	"github.com/accessrecon/accessrecon/reconcile"
	"github.com/accessrecon/accessrecon/reconcile/apply"
	"github.com/accessrecon/accessrecon/reconcile/audit"
	"github.com/accessrecon/accessrecon/reconcile/reviewdb"
)

func TestSignInThroughTheOpenIDProvider(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	resp, body := e.signIn(c, "e1001", password("E1001"))
	if resp.StatusCode != 200 || !strings.Contains(body, "佐藤 翔太 (E1001, NW-CUSTOMER)") {
		t.Fatalf("sign-in of an active reviewer: %d at %s\n%s", resp.StatusCode, resp.Request.URL, body)
	}
	// Japanese by default, English for a browser that prefers it.
	if !strings.Contains(body, "棚卸し") || !strings.Contains(body, `lang="ja"`) {
		t.Errorf("the home page is not in Japanese:\n%s", body)
	}
	req, _ := http.NewRequest("GET", e.base+"/", nil)
	req.Header.Set("Accept-Language", "en-US,en;q=0.9,ja;q=0.5")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	en, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(en), "Campaigns") {
		t.Errorf("an English browser gets no English page:\n%s", en)
	}
	// Security headers and the session cookie's attributes.
	csp := resp.Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "frame-ancestors 'none'") || strings.Contains(csp, "unsafe-inline") || !strings.Contains(csp, "script-src") && !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("CSP %q", csp)
	}
	u, _ := url.Parse(e.base)
	var session *http.Cookie
	for _, ck := range c.Jar.Cookies(u) {
		if ck.Name == "accessrecon_session" {
			session = ck
		}
	}
	if session == nil {
		t.Fatal("no session cookie")
	}
	// The audit log has the sign-in with the verified identity.
	if ev := lastEvent(t, e, "signin"); ev.By != "E1001" || ev.Data["issuer"] != e.op || ev.Data["subject"] != "E1001" {
		t.Errorf("audit signin: %+v", ev)
	}
	// Sign-out ends the session on the server: the old cookie no longer works.
	resp, err = c.PostForm(e.base+"/auth/logout", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	stolen := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	req, _ = http.NewRequest("GET", e.base+"/", nil)
	req.AddCookie(&http.Cookie{Name: "accessrecon_session", Value: session.Value})
	resp, err = stolen.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/auth/login") {
		t.Errorf("a signed-out session still lets in: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
}

func TestSignInRefusals(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct{ user, want string }{
		{"e9999", "人事データ"}, // not in the HR feed
		{"e1030", "人事データ"}, // left on 2026-10-31
	} {
		resp, body := e.signIn(e.client(), tc.user, password(strings.ToUpper(tc.user)))
		if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, tc.want) {
			t.Errorf("%s: %d\n%s", tc.user, resp.StatusCode, body)
		}
	}
	if ev := lastEvent(t, e, "signin_refused"); ev.Data["subject"] != "E1030" {
		t.Errorf("the refusal is not in the audit log: %+v", ev)
	}
	ctx := context.Background()
	// A token the provider issued to another application.
	other := e.idToken("other-app", "other-secret", "http://127.0.0.1:9/cb", "e1001", "n1")
	if _, err := e.srv.Verify(ctx, other, "n1"); err == nil || !strings.Contains(err.Error(), "audience") {
		t.Errorf("a token for another client: %v", err)
	}
	// A token for us, checked after it expired (the provider's tokens live an hour).
	ours := e.idToken("accessrecon", "s3cret-client", e.base+"/auth/callback", "e1001", "n2")
	if _, err := e.srv.Verify(ctx, ours, "n2"); err != nil {
		t.Fatalf("a good token: %v", err)
	}
	if _, err := e.srv.Verify(ctx, ours, "another-flow"); err == nil {
		t.Error("a token of another sign-in (nonce) is accepted")
	}
	e.setClock(time.Now().Add(2 * time.Hour))
	if _, err := e.srv.Verify(ctx, ours, "n2"); err == nil || !strings.Contains(err.Error(), "expired") {
		t.Errorf("an expired token: %v", err)
	}
	// A token whose signature is broken.
	e.setClock(time.Now())
	parts := strings.Split(ours, ".")
	parts[1] = strings.TrimRight(parts[1], "A") + "B"
	if _, err := e.srv.Verify(ctx, strings.Join(parts, "."), "n2"); err == nil {
		t.Error("a tampered token is accepted")
	}
	// A callback nobody started in this browser.
	resp, err := e.client().Get(e.base + "/auth/callback?state=forged&code=x")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("a forged callback: %d", resp.StatusCode)
	}
}

func TestCrossOriginPostsAreRefused(t *testing.T) {
	e := newEnv(t)
	e.openMonthly("M1")
	c := e.client()
	e.signIn(c, "e1004", password("E1004"))
	req, _ := http.NewRequest("POST", e.base+"/campaigns/M1/bulk", strings.NewReader("decision=revoke"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "https://evil.example")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("a cross-site POST: %d", resp.StatusCode)
	}
	finals, _ := e.store.Finals(context.Background(), "M1")
	for _, f := range finals {
		if f.Status != reviewdb.StatusOpen {
			t.Fatalf("a cross-site POST decided %s", f.ItemID)
		}
	}
}

func TestWebApprovalIsAcceptedByApply(t *testing.T) {
	e := newEnv(t)
	path := e.writePlan("plan.json", "E1004")
	author := e.client()
	e.signIn(author, "e1004", password("E1004"))
	resp, err := author.PostForm(e.base+"/plans/plan.json/approve", nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(string(body), "作成者") {
		t.Fatalf("self-approval: %d\n%s", resp.StatusCode, body)
	}
	approver := e.client()
	e.signIn(approver, "e1006", password("E1006"))
	// First what the approval will let apply do, then the approval.
	resp, err = approver.PostForm(e.base+"/plans/plan.json/approve", nil)
	if err != nil {
		t.Fatal(err)
	}
	summary, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(summary), "承認がそろうと apply が次を実施します: アカウント無効化") {
		t.Fatalf("the approval's confirmation: %d\n%s", resp.StatusCode, summary)
	}
	if a, _ := apply.ReadApprovals(path); len(a.Approvals) != 0 {
		t.Fatal("an approval was recorded before it was confirmed")
	}
	resp, err = approver.PostForm(e.base+"/plans/plan.json/approve", url.Values{"confirmed": {"1"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("approval: %d", resp.StatusCode)
	}
	// The list: the author's name beside the id, the findings counted.
	resp, _ = approver.Get(e.base + "/plans")
	list, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(list), "E1004 田中 陽子") || !strings.Contains(string(list), "指摘事項") {
		t.Errorf("the plan list lacks the author's name or the findings:\n%s", list)
	}
	// An HD person may not even see a plan that touches NW's confidential
	// takuso (the information firewall), let alone approve it.
	hd := e.client()
	e.signIn(hd, "e1003", password("E1003"))
	for _, u := range []string{"/plans/plan.json"} {
		resp, _ := hd.Get(e.base + u)
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden || !strings.Contains(string(body), "機密") {
			t.Errorf("an HD person opens the plan: %d", resp.StatusCode)
		}
	}
	resp, _ = hd.Get(e.base + "/plans")
	list, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if strings.Contains(string(list), "plan.json") {
		t.Error("an HD person sees the plan in the list")
	}
	resp, _ = hd.PostForm(e.base+"/plans/plan.json/approve", nil)
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("an HD person approves the plan: %d", resp.StatusCode)
	}
	// apply checks it as it checks a signed CLI approval.
	p := readPlan(t, path)
	rules, err := apply.Rules(e.cfg, e.srv.today())
	if err != nil {
		t.Fatal(err)
	}
	if rules.Signers == nil {
		t.Fatal("the test's config requires signatures")
	}
	if err := apply.CheckApprovals(path, p, e.in, rules); err != nil {
		t.Fatalf("apply refuses the web approval: %v", err)
	}
	a, _ := apply.ReadApprovals(path)
	if x := a.Approvals[0]; x.By != "E1006" || x.Issuer != e.op || x.Subject != "E1006" || x.Signature == "" {
		t.Errorf("the approval does not carry the verified identity: %+v", x)
	}
	// A rejection by someone allowed to approve stops apply.
	e.writePlan("plan2.json", "E1004")
	resp, _ = approver.PostForm(e.base+"/plans/plan2.json/reject", url.Values{"comment": {"対象者の確認が必要"}})
	resp.Body.Close()
	path2 := filepath.Join(e.outbox, "plan2.json")
	if err := apply.CheckApprovals(path2, readPlan(t, path2), e.in, rules); err == nil || !strings.Contains(err.Error(), "rejected") {
		t.Errorf("apply after a rejection: %v", err)
	}
	// A plan name is never a path.
	resp, _ = approver.Get(e.base + "/plans/..%2faccessrecon.yaml")
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("a path as a plan name: %d", resp.StatusCode)
	}
}

func lastEvent(t *testing.T, e *env, name string) audit.Event {
	t.Helper()
	f, err := os.Open(filepath.Join(e.dir, "audit.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var last audit.Event
	if _, err := audit.Each(bufio.NewReader(f), "audit.jsonl", func(ev audit.Event) {
		if ev.Event == name {
			last = ev
		}
	}); err != nil {
		t.Fatal(err)
	}
	return last
}

// auditEvents calls fn with the data of each event of that name.
func auditEvents(t *testing.T, cfg *config.Config, name string, fn func(map[string]any)) {
	t.Helper()
	f, err := os.Open(audit.LogPath(cfg))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := audit.Each(bufio.NewReader(f), "audit", func(ev audit.Event) {
		if ev.Event == name {
			fn(ev.Data)
		}
	}); err != nil {
		t.Fatal(err)
	}
}

// TestTheDashboardIsForTheOwners: the campaign owners see the dashboard of
// the audit log and the plans it names (the page `accessrecon dashboard`
// writes, its style from the site under the pages' content security
// policy); anyone else is refused.
func TestTheDashboardIsForTheOwners(t *testing.T) {
	e := newEnv(t)
	path := e.writePlan("p.json", "E1001")
	data, _ := os.ReadFile(path)
	p, err := reconcile.ReadPlan(path, data)
	if err != nil {
		t.Fatal(err)
	}
	if err := audit.Record(e.cfg, audit.Event{Event: audit.Plan, By: "E1001", Plan: p.Digest, Data: map[string]any{"kind": p.Kind, "out": path}}, e.clock()); err != nil {
		t.Fatal(err)
	}
	get := func(user, url string) (int, string, http.Header) {
		c := e.client()
		e.signIn(c, strings.ToLower(user), password(user))
		resp, err := c.Get(e.base + url)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b), resp.Header
	}
	code, body, h := get("E1003", "/dashboard")
	if code != http.StatusOK || !strings.Contains(body, `data-system="takuso"`) || !strings.Contains(body, "託送お客さま管理システム") ||
		!strings.Contains(body, `href="/dashboard.css"`) || strings.Contains(body, "<style>") {
		t.Errorf("the owner's dashboard: %d\n%.600s", code, body)
	}
	if !strings.Contains(h.Get("Content-Security-Policy"), "style-src 'self'") {
		t.Errorf("the dashboard's CSP: %q", h.Get("Content-Security-Policy"))
	}
	if code, body, _ := get("E1003", "/dashboard.css"); code != http.StatusOK || !strings.Contains(body, "svg") {
		t.Errorf("the dashboard's style: %d", code)
	}
	if code, _, _ := get("E1001", "/dashboard"); code != http.StatusForbidden {
		t.Errorf("a reviewer who is no owner: %d", code)
	}
	if code, _, _ := get("E1003", "/dashboard?from=2026-12-01&to=2026-01-01"); code != http.StatusBadRequest {
		t.Errorf("a reversed period: %d", code)
	}
}
