package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/accessrecon/accessrecon/graph"
	"github.com/accessrecon/accessrecon/reconcile/reconciletest"
	"golang.org/x/text/encoding/japanese"
)

// TestInitThenValidateThenPlan: the starter deployment, in either language,
// is valid and plans; init never writes over a deployment.
func TestInitThenValidateThenPlan(t *testing.T) {
	for _, l := range []string{"en", "ja"} {
		dir := filepath.Join(t.TempDir(), "deploy")
		if stdout, stderr, code := runCLI(t, "init", dir, "--lang", l); code != 0 || !strings.Contains(stdout, "validate") {
			t.Fatalf("init --lang %s: exit %d %s%s", l, code, stdout, stderr)
		}
		cfg := filepath.Join(dir, "accessrecon.yaml")
		data, _ := os.ReadFile(cfg)
		if l == "ja" && !strings.Contains(string(data), "人事データ") || l == "en" && !strings.Contains(string(data), "one row per person") {
			t.Errorf("init --lang %s: the config's comments are not in that language", l)
		}
		if stdout, stderr, code := runCLI(t, "validate", "--config", cfg); code != 0 || !strings.Contains(stdout, "source portal") {
			t.Errorf("validate of the starter: exit %d %s%s", code, stdout, stderr)
		}
		if _, stderr, code := runCLI(t, "plan", "--config", cfg, "--as-of", "2026-11-24", "--out", filepath.Join(dir, "plan.json")); code != 0 {
			t.Errorf("plan of the starter: %s", stderr)
		}
		if _, stderr, code := runCLI(t, "init", dir); code != 1 || !strings.Contains(stderr, "already exists") {
			t.Errorf("init over a deployment: exit %d %s", code, stderr)
		}
	}
}

// TestValidateReportsEveryProblem: two broken inputs are both reported,
// with file and line, and what depends on a broken one is not checked.
func TestValidateReportsEveryProblem(t *testing.T) {
	dir := demoDir(t)
	cfg := filepath.Join(dir, "accessrecon.yaml")
	stdout, stderr, code := runCLI(t, "validate", "--config", cfg)
	if code != 0 || !strings.Contains(stdout, "50 people, 7 transfers") || !strings.Contains(stdout, "source takuso") || !strings.Contains(stdout, "7 accounts, 7 grants of 1 entitlements") {
		t.Fatalf("the demo: exit %d\n%s%s", code, stdout, stderr)
	}
	// Without signed approvals nor a signed, separate checkpoint, the
	// deployment cannot prove its approvals beyond the log: it says so.
	if !strings.Contains(stderr, "warning: approvals are proven only by the audit log") {
		t.Errorf("validate does not warn of approvals it cannot prove:\n%s", stderr)
	}
	replaceIn(t, filepath.Join(dir, "people.csv"), "E1005,伊藤 健一,NW,NW-CUSTOMER,employee,2010-04-01", "E1005,伊藤 健一,NW,NW-CUSTOMER,employee,2010-13-01")
	appendTo(t, filepath.Join(dir, "takuso-grants.csv"), "takuso,u7777,viewer,role,2024-04-01,\n")
	// The sql source's queries run: a mapping of a column they do not return
	// is named, with the columns they do.
	replaceIn(t, cfg, "emp_no: owner", "empno: owner")
	stdout, stderr, code = runCLI(t, "validate", "--config", cfg)
	for _, want := range []string{"people.csv:6: column start_date (6)", "takuso-grants.csv:25: column account_id (2)",
		`saiene-ctl accounts:1: missing column "owner"`, "(found login,emp_no,user_kind,disabled,created_on,mfa", "3 of 11 inputs have problems"} {
		if code != 1 || !strings.Contains(stderr, want) {
			t.Errorf("exit %d, stderr lacks %q:\n%s", code, want, stderr)
		}
	}
	// In Japanese, the problems too.
	_, stderr, _ = runCLI(t, "validate", "--config", cfg, "--lang", "ja")
	for _, want := range []string{"11 件の入力のうち 3 件に問題があります", `saiene-ctl accounts:1: 列 "owner" がありません`} {
		if !strings.Contains(stderr, want) {
			t.Errorf("validate --lang ja: stderr lacks %q:\n%s", want, stderr)
		}
	}
	if !strings.Contains(stdout, "source saiene") || !strings.Contains(stdout, "ok:") {
		t.Errorf("the inputs that are fine are not listed:\n%s", stdout)
	}
	replaceIn(t, filepath.Join(dir, "org.yaml"), "companies:", "companies: [")
	_, stderr, _ = runCLI(t, "validate", "--config", cfg)
	if !strings.Contains(stderr, "not checked: it needs org.yaml, which failed") {
		t.Errorf("a broken org.yaml:\n%s", stderr)
	}
}

// TestPrintableEvidence: the HTML plan shows who made it, the approvals with
// what was checked of them, each action's state and the overall status, and
// prints on A4 with a page per system; the HTML log report lists the lines
// it could not read.
func TestPrintableEvidence(t *testing.T) {
	dir, cfg, plan := planned(t)
	runCLI(t, "approve", plan, "--by", "E1002", "--config", cfg)
	if _, stderr, code := runApply(t, cfg, plan); code != 0 {
		t.Fatal(stderr)
	}
	page, stderr, code := runCLI(t, "show", plan, "--format", "html", "--config", cfg, "--lang", "en")
	if code != 0 {
		t.Fatal(stderr)
	}
	for _, want := range []string{"<dt>Made by</dt><dd>E1001</dd>", "E1002 ", "verified: active in the HR feed", "approved, partly applied", "awaiting_confirmation",
		"@media print", "size:A4", "thead{display:table-header-group}", `<section class="system"><h3>portal`} {
		if !strings.Contains(page, want) {
			t.Errorf("the HTML plan lacks %q", want)
		}
	}
	// A hand-written approval in the name of a stranger is shown as not counting.
	os.WriteFile(filepath.Join(dir, "p.approvals.json"), []byte(`{"plan_digest": "`+digestOf(t, plan)+`", "approvals": [{"by": "E9999", "at": "2026-11-24T10:00:00+09:00"}]}`), 0o644)
	page, _, _ = runCLI(t, "show", plan, "--format", "html", "--config", cfg, "--lang", "ja")
	if !strings.Contains(page, "無効: ") || !strings.Contains(page, "未承認") {
		t.Errorf("a stranger's approval on the page:\n%s", between(page, "承認", 600))
	}
	logs, _, _ := runCLI(t, "logs", "check", "--config", cfg, "--date", "2026-11-24", "--format", "html", "--lang", "en")
	if !strings.Contains(logs, "<td>18</td><td>expected 5 fields, got 1</td>") {
		t.Errorf("the HTML log report does not list the malformed lines:\n%s", between(logs, "malformed", 400))
	}
}

// TestWhatExcelGivesBack: a returned worksheet saved by Japanese Excel
// (CP932, 取消/維持, a typed date-time) closes a campaign, and a work order
// returned the same way (a full-width done_by, done_at as 2026/12/08 10:15)
// is confirmed.
func TestWhatExcelGivesBack(t *testing.T) {
	dir, cfg, plan := planned(t)
	camp := filepath.Join(dir, "camp")
	if _, stderr, code := runCLI(t, "certify", "open", "--config", cfg, "--campaign", "Q4", "--out", camp, "--as-of", "2026-11-24"); code != 0 {
		t.Fatal(stderr)
	}
	sjis := func(s string) []byte {
		b, err := japanese.ShiftJIS.NewEncoder().String(s)
		if err != nil {
			t.Fatal(err)
		}
		return []byte(b)
	}
	returned := filepath.Join(dir, "returned.csv")
	os.WriteFile(returned, sjis("項目ID,判定,確認者,確認日,コメント\r\ntakuso/u1001/viewer,維持,E1042,2026/12/4 0:00,\r\ntakuso/u1004/viewer,取消,E1042,2026-12-04 0:00:00,異動済み\r\n"), 0o644)
	out := filepath.Join(dir, "cert.json")
	if _, stderr, code := runCLI(t, "certify", "close", "--config", cfg, "--dir", camp, "--decisions", returned, "--out", out, "--as-of", "2026-12-15", "--unreviewed", "keep"); code != 0 {
		t.Fatalf("certify close with a CP932 worksheet: %s", stderr)
	}
	acts := actionsOf(t, readPlan(t, out))
	if len(acts) != 1 || acts[0]["account"] != "u1004" || !strings.Contains(acts[0]["reason"].(string), "異動済み") {
		t.Errorf("actions %v, want the one revoke of u1004 with its comment", acts)
	}

	runCLI(t, "approve", plan, "--by", "E1002", "--config", cfg)
	if _, stderr, code := runApply(t, cfg, plan); code != 0 {
		t.Fatal(stderr)
	}
	orders, _ := filepath.Glob(filepath.Join(dir, "p.workorders", "takuso.csv"))
	data, _ := os.ReadFile(orders[0])
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(data), "\ufeff"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	rows[1][10], rows[1][11] = "Ｅ１０４２", time.Now().In(graph.Tokyo).Format("2006/01/02 15:04") // done_by, done_at
	var buf strings.Builder
	w := csv.NewWriter(&buf)
	w.UseCRLF = true
	w.WriteAll(rows[:2])
	os.WriteFile(filepath.Join(dir, "done.csv"), sjis(buf.String()), 0o644)
	if stdout, stderr, code := runApply(t, cfg, plan, "--confirm-manual", filepath.Join(dir, "done.csv")); code != 0 || !strings.Contains(stdout, "1 action(s) confirmed done") {
		t.Errorf("a CP932 work order with a full-width done_by and done_at in Excel's YYYY/MM/DD HH:MM: exit %d %s%s", code, stdout, stderr)
	}
}

// TestPlanWarnsOfAMassRevocation: plan says at once what apply would refuse.
func TestPlanWarnsOfAMassRevocation(t *testing.T) {
	dir := demoDir(t)
	cfg := filepath.Join(dir, "accessrecon.yaml")
	appendTo(t, cfg, "apply:\n  mass_revocation: {min: 5, fraction: 0.01}\n")
	_, stderr, code := runCLI(t, "plan", "--config", cfg, "--as-of", "2026-11-24", "--lang", "ja")
	if code != 0 || !strings.Contains(stderr, "警告: この計画は 11 件") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
	if _, stderr, _ := runCLI(t, "plan", "--config", filepath.Join(t.TempDir(), "x.yaml")); strings.Contains(stderr, "warning") {
		t.Errorf("a warning without a plan: %s", stderr)
	}
}

// englishSentence is four or more English words in a row: what a Japanese
// reader should not meet (ids, paths, codes and single words are fine).
var englishSentence = regexp.MustCompile(`[A-Za-z]+(?: [A-Za-z]+){3,}`)

// TestJapaneseOutputHoldsNoEnglishSentence runs the commands a reviewer or
// operator reads with --lang ja on the demo data, and fails on any English
// sentence in what they print: finding reasons, summaries, apply's listing,
// the log check, worksheets and reports.
func TestJapaneseOutputHoldsNoEnglishSentence(t *testing.T) {
	if english, _, _ := runCLI(t, "demo", "--lang", "en"); !englishSentence.MatchString(english) {
		t.Fatal("the detector finds no English sentence in the English demo: it could not fail")
	}
	dir, cfg, plan := planned(t)
	runCLI(t, "approve", plan, "--by", "E1002", "--config", cfg)
	camp := filepath.Join(dir, "camp")
	for _, args := range [][]string{
		{"demo", "--lang", "ja"},
		{"demo", "--lang", "ja", "--format", "markdown"},
		{"demo", "--lang", "ja", "--format", "html"},
		{"plan", "--config", cfg, "--as-of", "2026-11-24", "--lang", "ja"},
		{"show", plan, "--lang", "ja", "--format", "csv"},
		{"show", plan, "--lang", "ja", "--format", "html", "--config", cfg},
		{"apply", plan, "--config", cfg, "--as-of", "2026-11-24", "--dry-run", "--lang", "ja"},
		{"transfer", "check", "--config", cfg, "--employee", "E1010", "--to", "HD-RETAIL", "--effective", "2026-12-01", "--lang", "ja"},
		{"logs", "check", "--config", cfg, "--date", "2026-11-24", "--lang", "ja"},
		{"logs", "check", "--config", cfg, "--date", "2026-11-24", "--lang", "ja", "--format", "html"},
		{"certify", "open", "--config", cfg, "--campaign", "Q4", "--out", camp, "--as-of", "2026-11-24", "--lang", "ja"},
		{"certify", "report", "--config", cfg, "--dir", camp, "--lang", "ja", "--decisions", filepath.Join(camp, "certify-NW-CUSTOMER.csv")},
		{"reset", "worksheet", "--config", cfg, "--year", "2027", "--out", filepath.Join(dir, "rs"), "--lang", "ja"},
		{"validate", "--config", cfg, "--lang", "ja"},
		{"audit", "verify", "--config", cfg, "--lang", "ja"},
		{"policy", "test", "--lang", "ja"},
		{"notify", "run", "--config", cfg, "--dry-run", "--out", filepath.Join(dir, "mail"), "--lang", "ja"},
	} {
		stdout, stderr, code := runCLI(t, args...)
		if code != 0 && code != 2 && code != 4 {
			t.Errorf("%v: exit %d %s", args, code, stderr)
			continue
		}
		if m := englishSentence.FindAllString(stdout, 3); len(m) > 0 {
			t.Errorf("accessrecon %s prints English: %q", strings.Join(args, " "), m)
		}
	}
}

// TestHRExportMappedInTheConfig: an export whose headers and values no
// built-in name covers is read through hr.columns and hr.values, with no
// script, and plans as the demo does.
func TestHRExportMappedInTheConfig(t *testing.T) {
	dir := demoDir(t)
	cfg := filepath.Join(dir, "accessrecon.yaml")
	want, _, _ := runCLI(t, "plan", "--config", cfg, "--as-of", "2026-11-24", "--format", "json")
	people := filepath.Join(dir, "people.csv")
	replaceIn(t, people, "employee_id,name,company,unit,employment,start_date,end_date,mail", "従業員コード,氏名,会社,所属部署,勤務区分,入社日,退職日,メール")
	data, _ := os.ReadFile(people)
	os.WriteFile(people, []byte(strings.NewReplacer(",employee,", ",常勤,", ",contractor,", ",外注,").Replace(string(data))), 0o644)
	if _, stderr, code := runCLI(t, "plan", "--config", cfg, "--as-of", "2026-11-24"); code != 1 || !strings.Contains(stderr, `missing column "employee_id"`) {
		t.Fatalf("an unmapped export: exit %d %s", code, stderr)
	}
	replaceIn(t, cfg, "  encoding: utf-8\n", "  encoding: utf-8\n  columns: {従業員コード: employee_id, 所属部署: unit, 勤務区分: employment}\n  values: {employment: {常勤: employee, 外注: contractor}}\n")
	got, stderr, code := runCLI(t, "plan", "--config", cfg, "--as-of", "2026-11-24", "--format", "json")
	if code != 0 {
		t.Fatal(stderr)
	}
	actions := func(plan string) int { return strings.Count(plan, `"op": `) }
	if actions(got) != actions(want) || strings.Count(got, `"rule": `) != strings.Count(want, `"rule": `) {
		t.Errorf("the mapped export plans %d actions, the demo %d", actions(got), actions(want))
	}
}

// TestShiftJISHRExportWithEraDates: the demo's people as a Japanese HR
// system exports them (Japanese headers, 正社員/業務委託, 和暦 and slash
// dates, Shift_JIS with CRLF) plan exactly as the demo does, with no script.
func TestShiftJISHRExportWithEraDates(t *testing.T) {
	dir := demoDir(t)
	cfg := filepath.Join(dir, "accessrecon.yaml")
	want, _, _ := runCLI(t, "plan", "--config", cfg, "--as-of", "2026-11-24", "--format", "json")
	people := filepath.Join(dir, "people.csv")
	data, _ := os.ReadFile(people)
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	out := []string{"社員番号,氏名,会社,所属コード,雇用区分,入社日,退職日,メールアドレス"}
	era := func(d string) string { // 2026-10-31 -> R8.10.31, 2010-04-01 -> H22.4.1
		if d == "" {
			return ""
		}
		var y, m, day int
		fmt.Sscanf(d, "%d-%d-%d", &y, &m, &day)
		if y >= 2020 {
			return fmt.Sprintf("R%d.%d.%d", y-2018, m, day)
		}
		return fmt.Sprintf("平成%d年%d月%d日", y-1988, m, day)
	}
	for _, l := range lines[1:] {
		f := strings.Split(l, ",")
		f[4] = map[string]string{"employee": "正社員", "contractor": "業務委託"}[f[4]]
		f[5], f[6] = era(f[5]), era(f[6])
		out = append(out, strings.Join(f, ","))
	}
	enc, err := japanese.ShiftJIS.NewEncoder().String(strings.Join(out, "\r\n") + "\r\n")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(people, []byte(enc), 0o644)
	replaceIn(t, cfg, "  encoding: utf-8\n", "  encoding: shift_jis\n")
	for _, f := range []string{"transfers.csv", "takuso-accounts.csv", "takuso-grants.csv", "saiene-accounts.csv", "saiene-grants.csv", "portal-accounts.csv", "portal-grants.csv", "duties.csv"} {
		// The sources use the HR feed's encoding: the same files in Shift_JIS.
		b, _ := os.ReadFile(filepath.Join(dir, f))
		s, err := japanese.ShiftJIS.NewEncoder().String(string(b))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, f), []byte(s), 0o644)
	}
	got, stderr, code := runCLI(t, "plan", "--config", cfg, "--as-of", "2026-11-24", "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var a, b map[string]any
	if json.Unmarshal([]byte(got), &a) != nil || json.Unmarshal([]byte(want), &b) != nil {
		t.Fatal("not JSON")
	}
	// The inputs' digests differ; the findings and actions may not.
	for _, k := range []string{"findings", "actions"} {
		if !reflect.DeepEqual(a[k], b[k]) {
			t.Errorf("the Shift_JIS export with era dates plans other %s than the demo", k)
		}
	}
}

// TestValidateWarnsOfPeopleMailAndReviewsWouldMiss: an address outside the
// company's mail domains and a manager the HR feed does not know are
// warned of (validate still passes: they are not errors).
func TestValidateWarnsOfPeopleMailAndReviewsWouldMiss(t *testing.T) {
	dir := demoDir(t)
	cfg := filepath.Join(dir, "accessrecon.yaml")
	reconciletest.AddManagers(t, filepath.Join(dir, "people.csv"), map[string]string{"NW-CUSTOMER": "E7777"}, nil)
	replaceIn(t, filepath.Join(dir, "people.csv"), "e1002@nw.example.jp", "e1002@gmail.com")
	_, stderr, code := runCLI(t, "validate", "--config", cfg, "--lang", "ja")
	if code != 0 {
		t.Fatalf("validate: exit %d %s", code, stderr)
	}
	for _, want := range []string{"人のメールアドレスが所属会社のメールドメイン外", "人の上長が人事データにいません"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("validate does not warn %q:\n%s", want, stderr)
		}
	}
}
