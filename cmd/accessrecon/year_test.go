package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/accessrecon/accessrecon/fixtures/generate"
	"github.com/accessrecon/accessrecon/graph"
)

// TestAYearInOnePackAndOneDashboard: on generated data, a reconcile plan,
// a quarterly campaign opened and closed, a month of daily log checks and
// the February reset's plan all appear in one evidence pack (which
// verifies) and in one dashboard of the period.
func TestAYearInOnePackAndOneDashboard(t *testing.T) {
	dir := t.TempDir()
	if err := generate.Write(dir, generate.Options{People: 300, Seed: 7}); err != nil {
		t.Fatal(err)
	}
	if err := generate.WriteAccessLog(filepath.Join(dir, "access.csv"), 300, 2000, 7); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "accessrecon.yaml")
	run := func(day string, ok []int, args ...string) string {
		t.Helper()
		atDay(t, day)
		stdout, stderr, code := runCLI(t, append(args, "--config", cfg)...)
		for _, c := range ok {
			if code == c {
				return stdout
			}
		}
		t.Fatalf("%s on %s: exit %d\n%s%s", strings.Join(args, " "), day, code, stdout, stderr)
		return ""
	}
	run("2026-11-02", []int{0, 2}, "plan", "--as-of", "2026-11-02", "--out", filepath.Join(dir, "plan-1102.json"), "--by", "E0000001")
	run("2026-11-02", []int{0}, "certify", "open", "--campaign", "Q4", "--out", filepath.Join(dir, "Q4"), "--as-of", "2026-11-02")
	checks := 0
	for d := graph.Date(20261102); d <= 20261130; d = d.AddDays(1) {
		if wd := d.Start().Weekday(); wd == 0 || wd == 6 || d == 20261103 || d == 20261123 {
			continue // weekends, 文化の日, 勤労感謝の日
		}
		run(d.String(), []int{0, 4}, "logs", "check", "--date", d.String(), "--out", filepath.Join(dir, "logs-"+d.String()+".json"))
		checks++
	}
	run("2026-12-15", []int{0, 2}, "certify", "close", "--dir", filepath.Join(dir, "Q4"), "--unreviewed", "keep", "--out", filepath.Join(dir, "certify-Q4.json"), "--as-of", "2026-12-15")
	run("2027-02-01", []int{0, 2}, "reset", "plan", "--year", "2027", "--out", filepath.Join(dir, "reset-2027.json"))

	pack := filepath.Join(dir, "pack")
	run("2027-03-31", []int{0}, "evidence", "pack", "--from", "2026-11-01", "--to", "2027-03-31", "--out", pack)
	if out := run("2027-03-31", []int{0}, "evidence", "verify", pack, "--lang", "en"); !strings.Contains(out, "files as listed") {
		t.Errorf("evidence verify: %s", out)
	}
	index, _ := os.ReadFile(filepath.Join(pack, "index.html"))
	for _, want := range []string{"plan-1102.json", "certify-Q4.json", "reset-2027.json", "logs-2026-11-30.json", "定期的な権限棚卸", "アクセスログの解析"} {
		if !strings.Contains(string(index), want) {
			t.Errorf("the pack's index lacks %q", want)
		}
	}
	page := filepath.Join(dir, "dashboard.html")
	out := run("2027-03-31", []int{0}, "dashboard", "--from", "2026-11-01", "--to", "2027-03-31", "--out", page, "--lang", "ja")
	for _, want := range []string{"計画 3 件", "ログチェック " + strconv.Itoa(checks) + " 回", "キャンペーン 1 件"} {
		if !strings.Contains(out, want) {
			t.Errorf("the dashboard: %q lacks %q", out, want)
		}
	}
	html, _ := os.ReadFile(page)
	if !strings.Contains(string(html), "<td>Q4</td>") || strings.Count(string(html), `class="system"`) == 0 {
		t.Errorf("the dashboard lacks the campaign or the inventory")
	}
}
