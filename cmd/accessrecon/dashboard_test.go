package main

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/accessrecon/accessrecon/web/webtest"
	"github.com/chromedp/chromedp"
)

// TestDashboardOfAPeriodInChromium: two plans of the demo a month and a
// half apart, the people of HD and SB holding 託送 rights gone by the
// second; a transfer plan carried out by a work order three days after
// the transfer; a log check. The dashboard of the period, opened in
// headless Chromium: the inventory of takuso shows HD and SB down to zero
// and NW kept, each plan's findings by severity, the mover's days, the log
// check; no script on the page.
func TestDashboardOfAPeriodInChromium(t *testing.T) {
	ctx := webtest.Browser(t)
	dir := demoDir(t)
	cfg := filepath.Join(dir, "accessrecon.yaml")
	atDay(t, "2026-10-01")
	if _, stderr, code := runCLI(t, "plan", "--config", cfg, "--as-of", "2026-10-01", "--out", filepath.Join(dir, "p1.json"), "--by", "E1001"); code != 0 && code != 2 {
		t.Fatal(stderr)
	}
	atDay(t, "2026-11-03")
	transfer := filepath.Join(dir, "t.json")
	if _, stderr, code := runCLI(t, "transfer", "plan", "--config", cfg, "--event", "T2026-0012", "--out", transfer, "--by", "E1001"); code != 0 && code != 2 {
		t.Fatal(stderr)
	}
	runCLI(t, "approve", transfer, "--by", "E1002", "--config", cfg)
	if _, stderr, code := runApply(t, cfg, transfer); code != 0 {
		t.Fatal(stderr)
	}
	orders, _ := filepath.Glob(filepath.Join(dir, "t.workorders", "*.csv"))
	if len(orders) == 0 {
		t.Fatal("no work orders for the transfer")
	}
	data, _ := os.ReadFile(orders[0])
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(data), "\ufeff"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows[1:] {
		r[10], r[11] = "E1042", "2026/11/04 15:00" // done_by, done_at: three days after the transfer
	}
	var buf strings.Builder
	csv.NewWriter(&buf).WriteAll(rows)
	os.WriteFile(filepath.Join(dir, "done.csv"), []byte(buf.String()), 0o644)
	atDay(t, "2026-11-05")
	if stdout, stderr, code := runApply(t, cfg, transfer, "--confirm-manual", filepath.Join(dir, "done.csv")); code != 0 {
		t.Fatalf("confirm: %s%s", stdout, stderr)
	}
	// The next export: the accounts of HD and SB people on takuso disabled.
	for _, a := range []string{"u1012,E1012", "u1020,E1020", "u1021,E1021", "u1040,E1040"} {
		replaceIn(t, filepath.Join(dir, "takuso-accounts.csv"), "takuso,"+a+",personal,active", "takuso,"+a+",personal,disabled")
	}
	atDay(t, "2026-11-24")
	if _, stderr, code := runCLI(t, "plan", "--config", cfg, "--as-of", "2026-11-24", "--out", filepath.Join(dir, "p2.json"), "--by", "E1001"); code != 0 && code != 2 {
		t.Fatal(stderr)
	}
	runCLI(t, "logs", "check", "--config", cfg, "--date", "2026-11-24", "--out", filepath.Join(dir, "logs.json"))
	page := filepath.Join(dir, "dashboard.html")
	stdout, stderr, code := runCLI(t, "dashboard", "--config", cfg, "--from", "2026-09-01", "--to", "2026-11-30", "--out", page, "--lang", "ja")
	if code != 0 || !strings.Contains(stdout, "計画 3 件") {
		t.Fatalf("dashboard: exit %d %s%s", code, stdout, stderr)
	}
	html, _ := os.ReadFile(page)
	if strings.Contains(string(html), "<script") {
		t.Error("the dashboard carries a script")
	}
	var charts int
	var hd, sb, nw, mover, logs, title string
	var shot []byte
	if err := chromedp.Run(ctx,
		chromedp.Navigate("file://"+page),
		chromedp.WaitVisible(`section[data-system="takuso"] svg`, chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelectorAll("svg.chart").length`, &charts),
		chromedp.AttributeValue(`section[data-system="takuso"] polyline[data-company="HD"]`, "data-last", &hd, nil, chromedp.ByQuery),
		chromedp.AttributeValue(`section[data-system="takuso"] polyline[data-company="SB"]`, "data-last", &sb, nil, chromedp.ByQuery),
		chromedp.AttributeValue(`section[data-system="takuso"] polyline[data-company="NW"]`, "data-last", &nw, nil, chromedp.ByQuery),
		chromedp.Text(`#movers + p.note + p`, &mover, chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelectorAll('svg[aria-label="logs"] rect.bar').length + ""`, &logs),
		chromedp.Title(&title),
		chromedp.FullScreenshot(&shot, 100),
	); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "dashboard.png"), shot, 0o644)
	if os.Getenv("ACCESSRECON_SHOTS") != "" {
		os.WriteFile(filepath.Join(os.Getenv("ACCESSRECON_SHOTS"), "dashboard.png"), shot, 0o644)
	}
	if title != "アクセス権管理ダッシュボード" || charts < 5 {
		t.Errorf("title %q, %d charts", title, charts)
	}
	if hd != "0" || sb != "0" || nw == "0" || nw == "" {
		t.Errorf("takuso's holders on the last plan: HD %q SB %q NW %q; want HD and SB at zero, NW kept", hd, sb, nw)
	}
	if !strings.Contains(mover, "中央値 3 日") {
		t.Errorf("the mover's days: %q", mover)
	}
	if logs != "1" {
		t.Errorf("log check bars: %q", logs)
	}
}
