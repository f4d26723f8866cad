package web

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/accessrecon/accessrecon/graph"
	"github.com/accessrecon/accessrecon/reconcile/certify"
	"github.com/accessrecon/accessrecon/reconcile/reconciletest"
	"github.com/accessrecon/accessrecon/reconcile/reviewdb"
	"github.com/accessrecon/accessrecon/web/webtest"
	"github.com/chromedp/chromedp"
)

// browser starts a headless Chromium in Japanese (webtest.Browser).
func browser(t *testing.T) context.Context { return webtest.Browser(t) }

// signInTasks fills the provider's login form; the browser ends signed in
// on the page it was going to.
func (e *env) signInTasks(user string) chromedp.Tasks {
	return chromedp.Tasks{
		chromedp.WaitVisible("#username", chromedp.ByID),
		chromedp.SendKeys("#username", strings.ToLower(user), chromedp.ByID),
		chromedp.SendKeys("#password", password(user), chromedp.ByID),
		chromedp.Click(`button[type="submit"]`, chromedp.ByQuery),
		chromedp.WaitVisible("#me", chromedp.ByID),
	}
}

func signOut() chromedp.Tasks {
	return chromedp.Tasks{
		chromedp.Click(`header form button`, chromedp.ByQuery),
		chromedp.WaitVisible("#signedout", chromedp.ByID),
	}
}

// through clicks and waits for wait (a CSS selector) on the page the click
// loads. The old page's wait is removed first: the old page answers a wait
// until the new one arrives, so without this a test reads the page before.
func through(click chromedp.Action, wait string) chromedp.Tasks {
	return chromedp.Tasks{
		chromedp.Evaluate(fmt.Sprintf(`document.querySelector(%q)?.remove()`, wait), nil),
		click,
		chromedp.WaitVisible(wait, chromedp.ByQuery),
	}
}

func run(t *testing.T, ctx context.Context, what string, tasks ...chromedp.Action) {
	t.Helper()
	if err := chromedp.Run(ctx, tasks...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// TestReviewersInTheBrowser: a plan is approved and self-approval refused,
// and a two-stage campaign is decided in Chromium: the owner unit's reviewer
// keeps one right and bulk-revokes another person's, never sees their own;
// the manager delegates; the delegate decides; the campaign closes with
// exactly those decisions.
func TestReviewersInTheBrowser(t *testing.T) {
	e := newEnv(t)
	ctx := browser(t)
	planPath := e.writePlan("plan.json", "E1004")
	e.openMonthly("M1")

	var me, text, summary string
	run(t, ctx, "sign in as the plan's author",
		chromedp.Navigate(e.base+"/plans/plan.json"), e.signInTasks("E1004"),
		chromedp.Text("#me", &me, chromedp.ByID),
		through(chromedp.Click("#approve-button", chromedp.ByID), "#error"),
		chromedp.Text("#error", &text, chromedp.ByID))
	if !strings.Contains(me, "E1004") || !strings.Contains(text, "作成者") {
		t.Fatalf("self-approval: signed in as %q, page says %q", me, text)
	}
	run(t, ctx, "approve as another person",
		chromedp.Navigate(e.base+"/"), signOut(),
		chromedp.Navigate(e.base+"/plans/plan.json"), e.signInTasks("E1006"),
		through(chromedp.Click("#approve-button", chromedp.ByID), "#confirm-button"),
		chromedp.Text("#summary", &summary, chromedp.ByID),
		through(chromedp.Click("#confirm-button", chromedp.ByID), "#msg"),
		chromedp.Text("#approvals", &text, chromedp.ByID))
	if !strings.Contains(text, "E1006") || !strings.Contains(summary, "承認がそろうと apply が次を実施します") {
		t.Fatalf("approvals after approving: %q (confirmation: %q)", text, summary)
	}
	// The plan in words a Japanese auditor reads: operations, severities,
	// rule titles and system names beside the ids, the approval's time in
	// Tokyo (no UTC beside it), and the severity filter taking 重大.
	var kind, actions, findings string
	run(t, ctx, "the plan page in Japanese",
		chromedp.Text("#kind", &kind, chromedp.ByID),
		chromedp.Text("#actions", &actions, chromedp.ByID),
		chromedp.Text("#findings", &findings, chromedp.ByID))
	for _, want := range []string{"権限取消", "アカウント無効化", "託送お客さま管理システム", "有効期限切れの権限"} {
		if !strings.Contains(actions+findings, want) {
			t.Errorf("the plan page lacks %q:\n%s\n%s", want, actions, findings)
		}
	}
	if kind != "定期照合" || strings.Contains(actions, "revoke ") || strings.Contains(text, "T") && strings.Contains(text, "Z") {
		t.Errorf("kind %q, approvals %q, actions:\n%s", kind, text, actions)
	}
	run(t, ctx, "filter by a Japanese severity",
		chromedp.Navigate(e.base+"/plans/plan.json?severity="+url.QueryEscape("重大")),
		chromedp.WaitVisible("#findings", chromedp.ByID),
		chromedp.Text("#findings", &findings, chromedp.ByID))
	rows := strings.Split(strings.TrimSpace(findings), "\n")[1:]
	if len(rows) == 0 {
		t.Errorf("the 重大 filter finds nothing:\n%s", findings)
	}
	for _, row := range rows {
		if !strings.Contains(row, "\t重大\t") {
			t.Errorf("the 重大 filter lets through %q", row)
		}
	}
	rules, _ := e.ruleSet()
	if err := applyCheck(planPath, e, rules); err != nil {
		t.Fatalf("apply refuses the approval given in the browser: %v", err)
	}

	// Stage 1: the owner unit (NW-CUSTOMER) — E1001.
	var items, total string
	run(t, ctx, "the owner unit's worklist",
		chromedp.Navigate(e.base+"/"), signOut(),
		chromedp.Navigate(e.base+"/campaigns/M1"), e.signInTasks("E1001"),
		chromedp.WaitVisible("#items", chromedp.ByID),
		chromedp.Text("#items", &items, chromedp.ByID),
		chromedp.Text("#total", &total, chromedp.ByID))
	if strings.Contains(items, "u1001") {
		t.Errorf("the reviewer is shown their own rights:\n%s", items)
	}
	if !strings.Contains(items, "takuso/u1004/viewer") || !strings.Contains(items, "維持") {
		t.Errorf("the worklist lacks takuso/u1004/viewer or is not in Japanese:\n%s", items)
	}
	if !strings.Contains(items, "リスク点数: ") {
		t.Errorf("the worklist shows no risk score:\n%s", items)
	}
	var groups string
	run(t, ctx, "the rights on the worklist",
		chromedp.Text("#groups", &groups, chromedp.ByID))
	if !strings.Contains(groups, "託送お客さま管理システム") || !strings.Contains(groups, "viewer") || !strings.Contains(groups, "この権限の一覧と一括判定") {
		t.Errorf("the worklist's rights:\n%s", groups)
	}
	var reasons string
	run(t, ctx, "the reasons of a score",
		chromedp.Click(`tr[data-item="takuso/u1004/viewer"] details.risk summary`, chromedp.ByQuery),
		chromedp.Text(`tr[data-item="takuso/u1004/viewer"] details.risk ul`, &reasons, chromedp.ByQuery))
	// E1004 is of NW, used the right four days ago, like many of the unit:
	// the confidential system alone counts.
	if strings.TrimSpace(reasons) != "+10 NW の機密システム" {
		t.Errorf("the reasons of takuso/u1004/viewer's score:\n%s", reasons)
	}
	if !strings.Contains(items, "所属に見合わない役割権限 lifecycle.unjustified_grant") {
		t.Errorf("the worklist shows policy flags without their titles:\n%s", items)
	}
	if dir := os.Getenv("ACCESSRECON_SCREENSHOTS"); dir != "" {
		var png []byte
		run(t, ctx, "screenshot", chromedp.FullScreenshot(&png, 100))
		os.WriteFile(dir+"/worklist.png", png, 0o644)
	}
	row := `tr[data-item="takuso/u1004/viewer"] `
	run(t, ctx, "keep one right with a reason",
		chromedp.SendKeys(row+`input[name="reason"]`, "窓口業務で毎日使用", chromedp.ByQuery),
		through(chromedp.Click(row+`button.keep`, chromedp.ByQuery), "#msg"),
		chromedp.Text("#msg", &text, chromedp.ByID))
	if !strings.Contains(text, "1 件を判定しました") {
		t.Fatalf("after keeping: %q", text)
	}
	run(t, ctx, "bulk-revoke one person's rights",
		chromedp.SendKeys(`#filter input[name="person"]`, "E1005", chromedp.ByQuery),
		through(chromedp.Click("#apply-filter", chromedp.ByID), "#bulk"),
		chromedp.Text("#total", &total, chromedp.ByID),
		chromedp.SendKeys(`#bulk input[name="reason"]`, "異動済み", chromedp.ByQuery),
		through(chromedp.Click("#bulk-revoke", chromedp.ByID), "#confirm-button"),
		chromedp.Text("#summary", &summary, chromedp.ByID),
		through(chromedp.Click("#confirm-button", chromedp.ByID), "#msg"),
		chromedp.Text("#msg", &text, chromedp.ByID))
	if total == "0" || !strings.Contains(text, total+" 件を判定しました") {
		t.Fatalf("bulk revoke over %s items: %q", total, text)
	}
	if !strings.Contains(summary, "社員番号・氏名 E1005") || !strings.Contains(summary, total+" 件を「取消」と判定します") {
		t.Errorf("the bulk decision's confirmation: %q", summary)
	}

	// Stage 2: the manager (E1009) delegates to E1015, who decides.
	run(t, ctx, "the manager delegates",
		chromedp.Navigate(e.base+"/"), signOut(),
		chromedp.Navigate(e.base+"/campaigns/M1"), e.signInTasks("E1009"),
		chromedp.WaitVisible("#items", chromedp.ByID),
		chromedp.Text("#items", &items, chromedp.ByID),
		chromedp.SendKeys("#delegate-to", "E1015", chromedp.ByID),
		through(chromedp.Submit("#delegate-to", chromedp.ByID), "#msg"),
		chromedp.Text("#msg", &text, chromedp.ByID))
	if !strings.Contains(items, "takuso/u1004/viewer") || !strings.Contains(text, "E1015") {
		t.Fatalf("the manager's stage: items %q, after delegating %q", items, text)
	}
	run(t, ctx, "the delegate decides",
		chromedp.Navigate(e.base+"/"), signOut(),
		chromedp.Navigate(e.base+"/campaigns/M1"), e.signInTasks("E1015"),
		chromedp.WaitVisible(row+"button.keep", chromedp.ByQuery),
		through(chromedp.Click(row+"button.keep", chromedp.ByQuery), "#msg"),
		chromedp.Text("#msg", &text, chromedp.ByID))
	if !strings.Contains(text, "1 件を判定しました") {
		t.Fatalf("the delegate's decision: %q", text)
	}
	// The owners' progress: names beside codes, stage names and due
	// days, totals, delegations by name.
	var progress, delegations string
	run(t, ctx, "the campaign owner's progress",
		chromedp.Navigate(e.base+"/"), signOut(),
		chromedp.Navigate(e.base+"/campaigns/M1/progress"), e.signInTasks("E1003"),
		chromedp.WaitVisible("#progress", chromedp.ByID),
		chromedp.Text("#progress", &progress, chromedp.ByID),
		chromedp.Text("#delegations", &delegations, chromedp.ByID))
	for _, want := range []string{"お客さまセンター (NW-CUSTOMER)", "佐藤 翔太 (E1001)", "1. 所管部署 owner unit（期限", "合計"} {
		if !strings.Contains(strings.ReplaceAll(progress, " (期限", "（期限"), want) {
			t.Errorf("the progress page lacks %q:\n%s", want, progress)
		}
	}
	// The rubber-stamp signal's columns, in Japanese, with what they mean.
	if !strings.Contains(progress, "高リスクを維持") || !strings.Contains(progress, "1 件あたり秒数") {
		t.Errorf("the progress page lacks the rubber-stamp signal:\n%s", progress)
	}
	if dir := os.Getenv("ACCESSRECON_SCREENSHOTS"); dir != "" {
		var png []byte
		run(t, ctx, "screenshot of the progress", chromedp.FullScreenshot(&png, 100))
		os.WriteFile(dir+"/progress.png", png, 0o644)
	}
	if strings.Contains(progress, "unit:") || strings.Contains(progress, "person:") || !strings.Contains(delegations, "E1015") {
		t.Errorf("the progress page shows raw keys:\n%s\n%s", progress, delegations)
	}

	// Close (forced: its stages are still running): the plan revokes
	// what was revoked and nothing kept.
	// On 2026-11-27 stage 1 (due 2026-12-01) still runs.
	e.setClock(time.Date(2026, 11, 27, 10, 0, 0, 0, graph.Tokyo))
	desk := e.srv.desk(e.in)
	if _, err := certify.Close(context.Background(), desk, e.in, e.pol, "M1", certify.CloseOptions{AsOf: reconciletest.DemoDay(t), By: "E1003"}); !errors.Is(err, reviewdb.ErrStagesOpen) {
		t.Fatalf("closing while stage 1 runs: %v", err)
	}
	closed, err := certify.Close(context.Background(), desk, e.in, e.pol, "M1", certify.CloseOptions{AsOf: reconciletest.DemoDay(t), By: "E1003", Unreviewed: "keep", Force: "監査日程のため"})
	if err != nil {
		t.Fatal(err)
	}
	for i, it := range closed.Closing.Items {
		if f := closed.Closing.Finals[i]; it.ItemID == "takuso/u1004/viewer" && (f.Status != "kept" || f.Reviewer != "E1015") {
			t.Errorf("takuso/u1004/viewer after two stages: %+v", f)
		}
	}
	p := closed.Plan
	if p.Campaign.Forced != "監査日程のため" {
		t.Errorf("the forced close's reason is not in the plan: %+v", p.Campaign)
	}
	revoked := 0
	for _, a := range p.Actions {
		if a.Person != "E1005" {
			t.Errorf("closing revokes %s/%s of %s, not decided revoke", a.System, a.Account, a.Person)
			continue
		}
		if !strings.Contains(a.Reason, "decided revoke by E1001") {
			t.Errorf("reason %q", a.Reason)
		}
		revoked++
	}
	if revoked == 0 {
		t.Error("the bulk revocation is not in the closing plan")
	}
	if _, err := e.store.Decide(context.Background(), "M1", reviewdb.Reviewer{EmployeeID: "E1004", Unit: "NW-CUSTOMER"}, []string{"takuso/u1006/viewer"}, "keep", "", nil); err == nil {
		t.Error("a decision after closing is taken")
	}
	var forms int
	run(t, ctx, "the closed campaign",
		chromedp.Navigate(e.base+"/campaigns/M1"),
		chromedp.WaitVisible("#closed", chromedp.ByID),
		chromedp.Evaluate(`document.querySelectorAll("form[method=post]:not(header form)").length`, &forms))
	if forms != 0 {
		t.Errorf("a closed campaign's page still offers %d forms", forms)
	}
}
