package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/accessrecon/accessrecon/reconcile/certify"
	"github.com/accessrecon/accessrecon/reconcile/reviewdb"
	"github.com/accessrecon/accessrecon/reconcile/risk"
	"github.com/xuri/excelize/v2"
)

func actionsOf(t *testing.T, plan map[string]any) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, a := range plan["actions"].([]any) {
		out = append(out, a.(map[string]any))
	}
	return out
}

func TestResetPlanLeapAndNonLeapYears(t *testing.T) {
	dir := demoDir(t)
	for _, tt := range []struct{ year, lastDay string }{{"2027", "2027-02-28"}, {"2028", "2028-02-29"}} {
		out := filepath.Join(dir, "reset-"+tt.year+".json")
		_, stderr, code := runCLI(t, "reset", "plan", "--config", filepath.Join(dir, "accessrecon.yaml"), "--year", tt.year, "--out", out)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		plan := readPlan(t, out)
		if plan["kind"] != "february-reset" || plan["as_of"] != tt.lastDay {
			t.Errorf("%s: kind %v as_of %v", tt.year, plan["kind"], plan["as_of"])
		}
		systems := map[string]int{}
		for _, a := range actionsOf(t, plan) {
			if a["op"] != "revoke" || a["effective"] != tt.lastDay || a["phase"] != float64(1) {
				t.Errorf("%s: without confirmations every action is a phase-1 revoke on %s: %v", tt.year, tt.lastDay, a)
			}
			systems[a["system"].(string)]++
		}
		// Every right on both reset systems, NW staff's and disabled accounts'
		// included; none on the others.
		if systems["takuso"] != 23 || systems["saiene-kaitori"] != 6 || systems["portal"] != 0 || systems["saiene-ctl"] != 0 {
			t.Errorf("%s: revokes per system %v", tt.year, systems)
		}
	}
}

// TestResetGrantsBackOnlyConfirmedAndAllowed: a confirmed right comes back on
// March 1; a confirmed right of someone who moves to HD on March 1 does not,
// and the finding names the rule; an unconfirmed right stays revoked.
func TestResetGrantsBackOnlyConfirmedAndAllowed(t *testing.T) {
	dir := demoDir(t)
	appendTo(t, filepath.Join(dir, "transfers.csv"), "T2027-0004,E1004,NW-CUSTOMER,HD-GENERAL,2027-03-01,2027-02-15\n")
	conf := filepath.Join(dir, "confirm.csv")
	os.WriteFile(conf, []byte("item_id,decision,reviewer,decided_at,comment\n"+
		"takuso/u1001/viewer,keep,E1042,2027-02-20,\n"+
		"takuso/u1004/viewer,keep,E1042,2027-02-20,moves to HD\n"+
		"takuso/u1006/viewer,revoke,E1042,2027-02-20,\n"), 0o644)
	out := filepath.Join(dir, "reset.json")
	_, stderr, code := runCLI(t, "reset", "plan", "--config", filepath.Join(dir, "accessrecon.yaml"), "--year", "2027", "--confirmations", conf, "--out", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	plan := readPlan(t, out)
	var grants []string
	for _, a := range actionsOf(t, plan) {
		if a["op"] == "grant" {
			if a["phase"] != float64(2) || a["effective"] != "2027-03-01" {
				t.Errorf("grant back not in phase 2 on March 1: %v", a)
			}
			grants = append(grants, fmt.Sprintf("%s/%s/%s", a["system"], a["account"], a["entitlement"]))
		}
	}
	if strings.Join(grants, ",") != "takuso/u1001/viewer" {
		t.Errorf("granted back %v, want only takuso/u1001/viewer", grants)
	}
	rules := map[string]bool{}
	for _, f := range plan["findings"].([]any) {
		m := f.(map[string]any)
		if m["account"] == "u1004" {
			rules[m["rule"].(string)] = true
		}
	}
	if !rules["lifecycle.unjustified_grant"] || !rules["separation.confidential_system_access"] {
		t.Errorf("the March 1 transferee's confirmed right should be findings naming the rules, got %v", rules)
	}

	ws := filepath.Join(dir, "ws")
	if _, stderr, code := runCLI(t, "reset", "worksheet", "--config", filepath.Join(dir, "accessrecon.yaml"), "--year", "2027", "--out", ws, "--as-of", "2026-11-24"); code != 0 {
		t.Fatalf("worksheet: exit %d: %s", code, stderr)
	}
	data, err := os.ReadFile(filepath.Join(ws, "reset-2027-NW-CUSTOMER.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), "takuso/u1004/viewer,takuso,託送お客さま管理システム,u1004,viewer,E1004,田中 陽子,NW-CUSTOMER,お客さまセンター,NW,role,2024-04-01,HD-GENERAL,HD,") {
		t.Errorf("the worksheet does not show E1004's unit on March 1:\n%s", data)
	}
}

func TestResetConfirmationErrors(t *testing.T) {
	dir := demoDir(t)
	for _, tt := range []struct{ name, csv, want string }{
		{"an item that is not a reset right", "item_id,decision,reviewer\nportal/p1001/user,keep,E1042\n", "confirm.csv:2: item_id \"portal/p1001/user\" is not a right held on a february_reset system"},
		{"one's own right", "item_id,decision,reviewer\ntakuso/u1001/viewer,keep,E1042\ntakuso/u1042/viewer,keep,E1042\n", "confirm.csv:3: takuso/u1042/viewer, confirmed by E1042 (NW-CUSTOMER): a confirmation of one's own right"},
		{"nobody named", "item_id,decision\ntakuso/u1001/viewer,keep\n", "confirm.csv:2: takuso/u1001/viewer, confirmed by \"\": no reviewer named"},
		{"an unknown person", "item_id,decision,reviewer\ntakuso/u1001/viewer,keep,E9999\n", "confirm.csv:2: takuso/u1001/viewer, confirmed by \"E9999\": \"E9999\": not an active person of the HR feed"},
		{"a leaver", "item_id,decision,reviewer\ntakuso/u1001/viewer,keep,E1030\n", "confirm.csv:2: takuso/u1001/viewer, confirmed by \"E1030\": E1030 (小川 千尋): not an active person of the HR feed"},
		{"another unit", "item_id,decision,reviewer\ntakuso/u1001/viewer,keep,E1002\n", "confirm.csv:2: takuso/u1001/viewer, confirmed by E1002 (NW-RENEW): the confirmer is not of the system's owner unit"},
		{"HD staff on an NW-confidential system", "item_id,decision,reviewer\ntakuso/u1001/viewer,keep,E1020\n", "the system is confidential to another company than the confirmer's"},
		{"a decision other than keep or revoke", "item_id,decision,reviewer\ntakuso/u1001/viewer,maybe,E1042\n", "confirm.csv:2: column decision (2): expected keep (維持, 継続) or revoke (取消, 削除), got \"maybe\""},
		{"one item decided both ways", "item_id,decision\ntakuso/u1001/viewer,keep\ntakuso/u1001/viewer,revoke\n", "confirm.csv:3: item takuso/u1001/viewer is decided \"revoke\" here and \"keep\" at "},
	} {
		t.Run(tt.name, func(t *testing.T) {
			conf := filepath.Join(dir, "confirm.csv")
			os.WriteFile(conf, []byte(tt.csv), 0o644)
			out := filepath.Join(dir, "never.json")
			_, stderr, code := runCLI(t, "reset", "plan", "--config", filepath.Join(dir, "accessrecon.yaml"), "--year", "2027", "--confirmations", conf, "--out", out)
			if code != 1 || !strings.Contains(stderr, tt.want) {
				t.Fatalf("exit %d, stderr %q, want %q", code, stderr, tt.want)
			}
			if _, err := os.Stat(out); err == nil {
				t.Error("a failed reset plan wrote its output file")
			}
		})
	}
}

// TestCertificationXLSXRoundTrip: open a campaign, fill the XLSX worksheet as
// a reviewer would, close the campaign from it.
func TestCertificationXLSXRoundTrip(t *testing.T) {
	atDay(t, "2026-12-15")
	dir := demoDir(t)
	cfg := filepath.Join(dir, "accessrecon.yaml")
	camp := filepath.Join(dir, "2026Q4")
	stdout, stderr, code := runCLI(t, "certify", "open", "--config", cfg, "--campaign", "2026Q4", "--out", camp, "--as-of", "2026-11-24")
	if code != 0 {
		t.Fatalf("open: exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "NW-CUSTOMER: 22 items") {
		t.Errorf("open summary:\n%s", stdout)
	}
	book := filepath.Join(camp, "certify-NW-CUSTOMER.xlsx")
	f, err := excelize.OpenFile(book)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := f.GetRows("NW-CUSTOMER")
	if err != nil {
		t.Fatal(err)
	}
	if rows[0][0] != "item_id\n項目ID" || rows[0][2] != "system_name\nシステム名" || !strings.HasPrefix(rows[0][17], "decision\n判定") || rows[0][14] != "last_used\n最終利用日時（JST）" || rows[0][15] != "risk_score\nリスク点数" || rows[0][16] != "risk_reasons\nリスクの理由" {
		t.Fatalf("header %q", rows[0])
	}
	if dvs, _ := f.GetDataValidations("NW-CUSTOMER"); len(dvs) != 1 || !strings.Contains(dvs[0].Formula1, "keep,revoke") {
		t.Errorf("no keep/revoke drop-down: %+v", dvs)
	}
	// The policy flag warns the reviewer about E1020's right.
	flagged := false
	decided := 0
	for i, r := range rows[1:] {
		line := i + 2
		switch {
		case r[0] == "takuso/u1020/viewer":
			flagged = strings.Contains(r[13], "separation.confidential_system_access")
			if r[14] != "2026-11-24 08:30" {
				t.Errorf("last use of u1020: %q, want the demo log's last access", r[14])
			}
			// HD's person on NW's confidential system, a rule already calling
			// for its removal: 50 + 40 + 10, each line a factor.
			if r[15] != "100" || r[16] != "+50 ルールが取消を求めている: separation.confidential_system_access\n+40 NW の機密システムを HD の人が持っている\n+10 NW の機密システム" {
				t.Errorf("risk of u1020's right: %q %q", r[15], r[16])
			}
			f.SetCellValue("NW-CUSTOMER", fmt.Sprintf("R%d", line), "revoke")
			f.SetCellValue("NW-CUSTOMER", fmt.Sprintf("S%d", line), "E1001")
			f.SetCellValue("NW-CUSTOMER", fmt.Sprintf("T%d", line), "2026-12-10")
			decided++
		case r[5] != "E1020" && r[5] != "E1001" && strings.HasPrefix(r[0], "takuso/"):
			f.SetCellValue("NW-CUSTOMER", fmt.Sprintf("R%d", line), "keep")
			f.SetCellValue("NW-CUSTOMER", fmt.Sprintf("S%d", line), "E1001")
			f.SetCellValue("NW-CUSTOMER", fmt.Sprintf("T%d", line), "2026-12-11")
			decided++
		}
	}
	if !flagged {
		t.Error("E1020's right is not flagged for the reviewer")
	}
	if err := f.SaveAs(book); err != nil {
		t.Fatal(err)
	}
	f.Close()

	// E1001's own rights are not theirs to decide: a worksheet that does is
	// refused whole, naming the row, and nothing is taken.
	own := filepath.Join(dir, "own.csv")
	os.WriteFile(own, []byte("item_id,decision,reviewer\ntakuso/u1004/viewer,revoke,E1001\ntakuso/u1001/viewer,keep,E1001\ntakuso/u1005/viewer,keep,E1020\ntakuso/u1006/viewer,keep,E9999\ntakuso/u1007/viewer,keep,E1002\n"), 0o644)
	out := filepath.Join(dir, "cert.json")
	_, stderr, code = runCLI(t, "certify", "close", "--config", cfg, "--campaign", camp, "--decisions", own, "--out", out, "--as-of", "2026-12-15")
	for _, want := range []string{"own.csv:3: takuso/u1001/viewer, decided keep by E1001: it is your own right", "own.csv:4: takuso/u1005/viewer, decided keep by E1020: the system is confidential to another company",
		"own.csv:6: takuso/u1007/viewer, decided keep by E1002: not on your worklist",
		"own.csv:5: takuso/u1006/viewer, decided keep by E9999: \"E9999\""} {
		if code != 1 || !strings.Contains(stderr, want) {
			t.Errorf("a worksheet with a self-review, an HD reviewer, an unknown person and a reviewer of another unit: exit %d, want %q in\n%s", code, want, stderr)
		}
	}
	if _, err := os.Stat(out); err == nil {
		t.Fatal("a refused close wrote its plan")
	}
	_, stderr, code = runCLI(t, "certify", "close", "--config", cfg, "--campaign", camp, "--decisions", book, "--out", out, "--as-of", "2026-12-15")
	if code != 0 {
		t.Fatalf("close: exit %d: %s", code, stderr)
	}
	plan := readPlan(t, out)
	if plan["kind"] != "certification" {
		t.Errorf("kind %v", plan["kind"])
	}
	revoked, unreviewed := 0, 0
	for _, a := range actionsOf(t, plan) {
		rule := a["rules"].([]any)[0]
		switch {
		case a["account"] == "u1020" && rule == "certification.revoked":
			revoked++
		case rule == "certification.unreviewed":
			unreviewed++
			if a["system"] == "takuso" && a["person"] != "E1001" {
				t.Errorf("a reviewed takuso right is revoked as unreviewed: %v", a)
			}
		default:
			t.Errorf("unexpected action %v", a)
		}
	}
	// Everything on the other owners' worksheets, and E1001's own two
	// rights their colleagues did not decide; nothing kept on takuso.
	if revoked != 1 || unreviewed != 55+13+2 {
		t.Errorf("revoked %d (want 1), unreviewed %d (want 70, default deny)", revoked, unreviewed)
	}

	// A campaign closes once: a second close, whatever it says, is refused
	// naming the first, and the first plan stays the campaign's.
	first, _ := os.ReadFile(out)
	_, stderr, code = runCLI(t, "certify", "close", "--config", cfg, "--campaign", camp, "--decisions", book, "--out", filepath.Join(dir, "again.json"), "--as-of", "2026-12-15", "--unreviewed", "keep")
	if code != 1 || !strings.Contains(stderr, "a campaign is closed once") || !strings.Contains(stderr, plan["digest"].(string)) {
		t.Errorf("a second close: exit %d, %s", code, stderr)
	}
	if after, _ := os.ReadFile(out); !bytes.Equal(first, after) {
		t.Error("the second close changed the first plan")
	}
	stdout, stderr, code = runCLI(t, "certify", "report", "--config", cfg, "--campaign", camp)
	if code != 0 {
		t.Fatalf("report: exit %d: %s", code, stderr)
	}
	want := fmt.Sprintf("| NW-CUSTOMER | E1001 | 22 | %d | 1 | %d | 2026-12-15T10:00:00+09:00 | 2026-12-15T10:00:00+09:00 |", decided-1, 22-decided)
	if !strings.Contains(stdout, want) {
		t.Errorf("report lacks %q:\n%s", want, stdout)
	}
	if _, err := os.Stat(filepath.Join(camp, "report.csv")); err != nil {
		t.Error("no report.csv")
	}
	// A closed campaign's report comes from what it was closed with, not
	// from worksheets given afterwards.
	closedReport, _ := os.ReadFile(filepath.Join(camp, "report.md"))
	if _, stderr, code := runCLI(t, "certify", "report", "--config", cfg, "--campaign", camp, "--decisions", book); code != 1 || !strings.Contains(stderr, "is closed") {
		t.Errorf("report with other decisions after close: exit %d %s", code, stderr)
	}
	if after, _ := os.ReadFile(filepath.Join(camp, "report.md")); !bytes.Equal(after, closedReport) {
		t.Error("the closed campaign's report was overwritten")
	}
	log, _ := os.ReadFile(filepath.Join(filepath.Dir(cfg), "audit.jsonl"))
	for _, event := range []string{`"event":"campaign_opened"`, `"event":"campaign_closed"`, `"kind":"certification"`} {
		if !strings.Contains(string(log), event) {
			t.Errorf("the audit log lacks %s", event)
		}
	}
}

func TestCertificationRejectsForeignItemsAndReopening(t *testing.T) {
	dir := demoDir(t)
	cfg := filepath.Join(dir, "accessrecon.yaml")
	camp := filepath.Join(dir, "c")
	if _, stderr, code := runCLI(t, "certify", "open", "--config", cfg, "--campaign", "Q", "--out", camp); code != 0 {
		t.Fatalf("open: %s", stderr)
	}
	if _, stderr, code := runCLI(t, "certify", "open", "--config", cfg, "--campaign", "Q", "--out", camp); code != 1 || !strings.Contains(stderr, "already exists") {
		t.Errorf("reopening over a campaign: exit %d, %s", code, stderr)
	}
	dec := filepath.Join(dir, "d.csv")
	os.WriteFile(dec, []byte("item_id,decision,reviewer\ntakuso/u1001/viewer,keep,E1042\ntakuso/nobody/viewer,revoke,E1042\ntakuso/u1004/viewer,revoke,\n"), 0o644)
	_, stderr, code := runCLI(t, "certify", "close", "--config", cfg, "--campaign", camp, "--decisions", dec)
	if code != 1 || !strings.Contains(stderr, "d.csv:3: takuso/nobody/viewer, decided revoke by E1042: not an item of this campaign") ||
		!strings.Contains(stderr, "d.csv:4: takuso/u1004/viewer, decided revoke by -: no reviewer named") {
		t.Errorf("foreign item and a decision by nobody: exit %d, %s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(camp, "decisions.json")); err == nil {
		t.Error("a failed close recorded decisions")
	}
	var manifest map[string]any
	data, _ := os.ReadFile(filepath.Join(camp, "campaign.json"))
	if json.Unmarshal(data, &manifest) != nil || manifest["as_of"] == "" || len(manifest["inputs"].(map[string]any)) != 12 {
		t.Errorf("manifest lacks as_of or input digests: %v", manifest)
	}
}

// TestMonthlyLayeredCampaignThroughTheStore: certify open --template
// monthly puts the two manually administered systems' rights in the review
// store with two stages and their due days; a decision taken in the browser
// (the store) is what certify close plans, without any worksheet.
func TestMonthlyLayeredCampaignThroughTheStore(t *testing.T) {
	ctx := context.Background()
	dir := demoDir(t)
	cfg := filepath.Join(dir, "accessrecon.yaml")
	camp := filepath.Join(dir, "m")
	stdout, stderr, code := runCLI(t, "certify", "open", "--config", cfg, "--campaign", "M-2026-11", "--template", "monthly", "--out", camp, "--as-of", "2026-11-24", "--lang", "en")
	if code != 0 {
		t.Fatalf("open: %s", stderr)
	}
	if strings.Contains(stdout, "HD-IT") || !strings.Contains(stdout, "NW-CUSTOMER") || !strings.Contains(stdout, "NW-RENEW") {
		t.Errorf("the monthly campaign is not limited to takuso and saiene-kaitori:\n%s", stdout)
	}
	store, err := reviewdb.Open(ctx, filepath.Join(dir, reviewdb.DefaultFile))
	if err != nil {
		t.Fatal(err)
	}
	c, err := store.Campaign(ctx, "M-2026-11")
	if err != nil {
		t.Fatal(err)
	}
	// Five and ten business days after 2026-11-24 (a Tuesday).
	if len(c.Stages) != 2 || c.Stages[0].Reviewers != "owner_unit" || c.Stages[0].Due != "2026-12-01" || c.Stages[1].Reviewers != "manager" || c.Stages[1].Due != "2026-12-08" {
		t.Errorf("stages %+v", c.Stages)
	}
	if c.Template != "monthly" {
		t.Errorf("template %q", c.Template)
	}
	res, err := store.Decide(ctx, "M-2026-11", reviewdb.Reviewer{EmployeeID: "E1001", Unit: "NW-CUSTOMER", Issuer: "https://idp.example", Subject: "s-1001"}, []string{"takuso/u1004/viewer"}, "revoke", "不要", nil)
	if err != nil || res.Decided != 1 {
		t.Fatalf("decide: %+v %v", res, err)
	}
	store.Close()
	out := filepath.Join(dir, "close.json")
	if _, stderr, code := runCLI(t, "certify", "close", "--config", cfg, "--dir", camp, "--out", out, "--as-of", "2026-12-15"); code != 0 && code != 2 {
		t.Fatalf("close from the store: exit %d, %s", code, stderr)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), "decided revoke by E1001") || !strings.Contains(string(data), "不要") {
		t.Errorf("the browser's decision is not in the closing plan:\n%.2000s", data)
	}
	store, err = reviewdb.Open(ctx, filepath.Join(dir, reviewdb.DefaultFile))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	if c, _ := store.Campaign(ctx, "M-2026-11"); c.ClosedAt == "" {
		t.Error("the campaign is not closed in the store")
	}
	if _, stderr, code := runCLI(t, "certify", "open", "--config", cfg, "--campaign", "M-2026-11", "--template", "monthly", "--out", filepath.Join(dir, "m2"), "--as-of", "2026-11-24", "--lang", "en"); code != 1 || !strings.Contains(stderr, "already in the review store") {
		t.Errorf("a campaign id used twice: exit %d, %s", code, stderr)
	}
	if _, stderr, code := runCLI(t, "certify", "open", "--config", cfg, "--campaign", "X", "--template", "weekly", "--out", filepath.Join(dir, "x"), "--lang", "ja"); code != 1 || !strings.Contains(stderr, "ひな形") {
		t.Errorf("an unknown template: exit %d, %s", code, stderr)
	}
}

// TestMonthlyCloseWaitsForTheManagerStage: an item kept at stage 1 of the
// monthly campaign goes to the holder's manager; closing while that stage
// runs is refused (before, close ended the campaign after stage 1 and the
// 上長 stage never ran), and a forced close records its reason in the audit
// log, the plan and the report.
func TestMonthlyCloseWaitsForTheManagerStage(t *testing.T) {
	atDay(t, "2026-11-30")
	dir := demoDir(t)
	cfg := filepath.Join(dir, "accessrecon.yaml")
	camp := filepath.Join(dir, "m")
	if _, stderr, code := runCLI(t, "certify", "open", "--config", cfg, "--campaign", "M-2026-11", "--template", "monthly", "--out", camp, "--as-of", "2026-11-24"); code != 0 {
		t.Fatalf("open: %s", stderr)
	}
	// The owner unit returns its worksheet during stage 1: u1004's right,
	// kept, goes on to its manager.
	ws := filepath.Join(dir, "ws.csv")
	os.WriteFile(ws, []byte("item_id,decision,reviewer\ntakuso/u1004/viewer,keep,E1001\n"), 0o644)
	if stdout, stderr, code := runCLI(t, "certify", "import", "--config", cfg, "--dir", camp, "--decisions", ws, "--lang", "ja"); code != 0 || !strings.Contains(stdout, "確認表の判定 1 件を取り込みました") {
		t.Fatalf("import: exit %d, %s%s", code, stdout, stderr)
	}
	out := filepath.Join(dir, "close.json")
	// Stage 1 has ended, stage 2 (the manager) runs until 2026-12-08.
	atDay(t, "2026-12-03")
	_, stderr, code := runCLI(t, "certify", "close", "--config", cfg, "--dir", camp, "--out", out, "--as-of", "2026-12-15", "--lang", "ja")
	if code != 1 || !strings.Contains(stderr, "段階がまだ終わっていません") || !strings.Contains(stderr, "段階 2（上長 manager、期限 2026-12-08）に未判定 1 件") {
		t.Fatalf("closing while the manager stage runs: exit %d, %s", code, stderr)
	}
	if _, err := os.Stat(out); err == nil {
		t.Fatal("a refused close wrote a plan")
	}
	store, err := reviewdb.Open(context.Background(), filepath.Join(dir, reviewdb.DefaultFile))
	if err != nil {
		t.Fatal(err)
	}
	it, _ := store.Item(context.Background(), "M-2026-11", "takuso/u1004/viewer")
	c, _ := store.Campaign(context.Background(), "M-2026-11")
	store.Close()
	if it.Stage != 2 || it.Status != "open" || c.ClosedAt != "" {
		t.Fatalf("a refused close changed the store: %+v %+v", it, c)
	}
	_, stderr, code = runCLI(t, "certify", "close", "--config", cfg, "--dir", camp, "--out", out, "--as-of", "2026-12-15", "--force", "監査対応のため前倒し", "--lang", "ja")
	if code != 0 || !strings.Contains(stderr, "最終段階の終了前に締め切りました（未判定 1 件") {
		t.Fatalf("a forced close: exit %d, %s", code, stderr)
	}
	if p := readPlan(t, out); p["campaign"].(map[string]any)["forced"] != "監査対応のため前倒し" {
		t.Errorf("the plan does not say the close was forced: %v", p["campaign"])
	}
	report, stderr, code := runCLI(t, "certify", "report", "--config", cfg, "--dir", camp, "--lang", "ja")
	if code != 0 || !strings.Contains(report, "**最終段階の終了前に締切**: 監査対応のため前倒し") {
		t.Errorf("the report does not show the forced close: exit %d %s\n%s", code, stderr, report)
	}
	if log, _ := os.ReadFile(filepath.Join(dir, "audit.jsonl")); !strings.Contains(string(log), `"forced":"監査対応のため前倒し"`) {
		t.Error("the audit log does not record the forced close's reason")
	}
}

// TestTwoClosesAtOnce: two operators close the same campaign at the same
// moment from two processes with different worksheets: one closes it, the
// other is refused naming the first, and the audit log records one close.
func TestTwoClosesAtOnce(t *testing.T) {
	bin := buildCLI(t)
	dir := demoDir(t)
	cfg := filepath.Join(dir, "accessrecon.yaml")
	camp := filepath.Join(dir, "c")
	if _, stderr, code := runCLI(t, "certify", "open", "--config", cfg, "--campaign", "Q", "--out", camp, "--as-of", "2026-11-24"); code != 0 {
		t.Fatalf("open: %s", stderr)
	}
	var cmds []*exec.Cmd
	var outs []*bytes.Buffer
	for i, decision := range []string{"keep", "revoke"} {
		ws := filepath.Join(dir, fmt.Sprintf("ws%d.csv", i))
		os.WriteFile(ws, []byte("item_id,decision,reviewer\ntakuso/u1004/viewer,"+decision+",E1001\n"), 0o644)
		cmd := exec.Command(bin, "certify", "close", "--config", cfg, "--dir", camp, "--decisions", ws, "--out", filepath.Join(dir, fmt.Sprintf("plan%d.json", i)), "--as-of", "2026-12-15", "--lang", "en")
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		cmds, outs = append(cmds, cmd), append(outs, &out)
	}
	for _, c := range cmds {
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
	}
	closed, refused := 0, 0
	for i, c := range cmds {
		err := c.Wait()
		switch {
		case err == nil || c.ProcessState.ExitCode() == 2:
			closed++
		case strings.Contains(outs[i].String(), "a campaign is closed once"):
			refused++
		default:
			t.Errorf("close %d: %v\n%s", i, err, outs[i])
		}
	}
	if closed != 1 || refused != 1 {
		t.Fatalf("two closes at once: %d closed, %d refused", closed, refused)
	}
	log, _ := os.ReadFile(filepath.Join(dir, "audit.jsonl"))
	if n := strings.Count(string(log), `"event":"campaign_closed"`); n != 1 {
		t.Errorf("%d campaign_closed events, want 1", n)
	}
}

// TestACampaignOfTheRiskyRightsOnly: a template with min_score 50 puts
// before the reviewers exactly the rights of the whole campaign that score
// 50 or more, every one flagged by a rule among them, and says how many it
// left out.
func TestACampaignOfTheRiskyRightsOnly(t *testing.T) {
	dir := demoDir(t)
	cfg := filepath.Join(dir, "accessrecon.yaml")
	appendTo(t, cfg, "review:\n  templates:\n    risky: {title: 高リスクのみ, min_score: 50, stages: [{name: 所管部署, reviewers: owner_unit, days: 5}]}\n")
	if _, stderr, code := runCLI(t, "certify", "open", "--config", cfg, "--campaign", "ALL", "--out", filepath.Join(dir, "all"), "--as-of", "2026-11-24"); code != 0 {
		t.Fatal(stderr)
	}
	out, stderr, code := runCLI(t, "certify", "open", "--config", cfg, "--campaign", "RISKY", "--template", "risky", "--out", filepath.Join(dir, "risky"), "--as-of", "2026-11-24", "--lang", "ja")
	if code != 0 {
		t.Fatal(stderr)
	}
	read := func(name string) *certify.Campaign {
		c, err := certify.Read(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	all, risky := read("all"), read("risky")
	want := map[string]bool{}
	total := 0
	for _, it := range all.Items() {
		total++
		if it.Score >= 50 {
			want[it.ItemID] = true
		}
		if len(it.PolicyFlag) > 0 && it.Score < 50 {
			t.Errorf("%s is flagged by %v but scores %d", it.ItemID, it.PolicyFlag, it.Score)
		}
	}
	got := risky.Items()
	if len(got) != len(want) || len(want) == 0 || len(want) == total {
		t.Fatalf("%d risky items, want %d of %d", len(got), len(want), total)
	}
	for id := range got {
		if !want[id] {
			t.Errorf("%s is in the risky campaign", id)
		}
	}
	if risky.Skipped != total-len(want) || !strings.Contains(out, fmt.Sprintf("リスク点数 50 未満の %d 件はこの棚卸しの対象外です", total-len(want))) {
		t.Errorf("skipped %d, want %d; said:\n%s", risky.Skipped, total-len(want), out)
	}
}

// TestACampaignOfWhatChangedSinceTheLast: a template with changed_only.
// Its first campaign reviews everything and keeps it all; then E1006 gets
// a new right (editor on takuso) and E1007 moves to another unit. The next
// campaign puts before the reviewers exactly E1006's new right and E1007's
// rights; every other right it carries with the decision that kept it,
// listed in carried.csv, not hidden.
func TestACampaignOfWhatChangedSinceTheLast(t *testing.T) {
	dir := demoDir(t)
	cfg := filepath.Join(dir, "accessrecon.yaml")
	appendTo(t, cfg, "review:\n  templates:\n    delta: {title: 変更分のみ, changed_only: true, stages: [{name: 所管部署, reviewers: owner_unit, days: 5}]}\n")
	atDay(t, "2026-09-30")
	if _, stderr, code := runCLI(t, "certify", "open", "--config", cfg, "--campaign", "Q3", "--template", "delta", "--out", filepath.Join(dir, "q3"), "--as-of", "2026-09-30"); code != 0 {
		t.Fatal(stderr)
	}
	// Every item kept by a reviewer of its unit (a default is no decision:
	// an item nobody decided is reviewed again).
	q3, err := certify.Read(filepath.Join(dir, "q3"))
	if err != nil {
		t.Fatal(err)
	}
	store, err := reviewdb.Open(context.Background(), filepath.Join(dir, reviewdb.DefaultFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range q3.Worksheets {
		if _, err := store.DecideFilter(context.Background(), "Q3", reviewdb.Reviewer{EmployeeID: "R-" + w.ReviewerUnit, Unit: w.ReviewerUnit}, reviewdb.Filter{}, reviewdb.Keep, "確認済み", nil); err != nil {
			t.Fatal(err)
		}
	}
	store.Close()
	if _, stderr, code := runCLI(t, "certify", "close", "--config", cfg, "--dir", filepath.Join(dir, "q3"), "--force", "テスト",
		"--out", filepath.Join(dir, "q3.json"), "--as-of", "2026-09-30"); code != 0 && code != 4 {
		t.Fatal(stderr)
	}
	appendTo(t, filepath.Join(dir, "takuso-grants.csv"), "takuso,u1006,editor,request,2026-10-15,\n")
	appendTo(t, filepath.Join(dir, "transfers.csv"), "T2026-0099,E1007,NW-CUSTOMER,NW-OPS,2026-11-01,\n")
	atDay(t, "2026-11-24")
	out, stderr, code := runCLI(t, "certify", "open", "--config", cfg, "--campaign", "Q4", "--template", "delta", "--out", filepath.Join(dir, "q4"), "--as-of", "2026-11-24", "--lang", "ja")
	if code != 0 {
		t.Fatal(stderr)
	}
	q4, err := certify.Read(filepath.Join(dir, "q4"))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for id, it := range q4.Items() {
		got[id] = it.Changed
	}
	// The movers between the two days: E1007 (above), and the demo's
	// E1005 (10-01), E1011 (10-01) and E1012 (11-01); E1010 moves on 12-01.
	want := map[string]string{"takuso/u1006/editor": certify.ChangedNew}
	for id, it := range q3.Items() {
		if slices.Contains([]string{"E1005", "E1007", "E1011", "E1012"}, it.Person) {
			want[id] = certify.ChangedMoved
		}
	}
	if len(want) < 2 || !maps.Equal(got, want) {
		t.Fatalf("reviewed again %v, want %v", got, want)
	}
	if q4.Since != "Q3" || len(q4.Carried)+len(got)-1 != len(q3.Items()) {
		t.Errorf("since %q, %d carried of %d", q4.Since, len(q4.Carried), len(q3.Items()))
	}
	carried, _ := os.ReadFile(filepath.Join(dir, "q4", certify.CarriedFile))
	if n := strings.Count(string(carried), "\n"); n != len(q4.Carried)+1 || !strings.Contains(string(carried), "keep 維持") {
		t.Errorf("carried.csv has %d lines for %d carried", n, len(q4.Carried))
	}
	if !strings.Contains(out, fmt.Sprintf("前回の棚卸し Q3 で維持され、その後変わっていない %d 件は、その判定を引き継ぎます", len(q4.Carried))) {
		t.Errorf("certify open said:\n%s", out)
	}
}

// TestASmallReviewTriggeredByEvents: after 2026-11-20, E1042 moves to
// NW-OPS, where nobody else holds takuso editor, and E1006 gets editor on
// takuso (confidential to NW). The events campaign of 11-24 reviews exactly
// those: E1042's editor right and E1006's new one, each saying why; E1042's
// viewer right, common in NW-OPS, is not called. A second run the next day
// finds nothing new (the rights are open in the first) and opens nothing.
func TestASmallReviewTriggeredByEvents(t *testing.T) {
	dir := demoDir(t)
	cfg := filepath.Join(dir, "accessrecon.yaml")
	appendTo(t, cfg, "review:\n  risk: {peer_share: 0.3}\n")
	appendTo(t, filepath.Join(dir, "takuso-grants.csv"), "takuso,u1006,editor,request,2026-11-21,\n")
	appendTo(t, filepath.Join(dir, "transfers.csv"), "T2026-0098,E1042,NW-CUSTOMER,NW-OPS,2026-11-22,\n")
	atDay(t, "2026-11-24")
	out, stderr, code := runCLI(t, "certify", "open", "--config", cfg, "--template", "events", "--campaign", "EV-2026-11-24", "--since", "2026-11-20",
		"--out", filepath.Join(dir, "ev1"), "--as-of", "2026-11-24", "--lang", "ja")
	if code != 0 {
		t.Fatal(stderr)
	}
	ev, err := certify.Read(filepath.Join(dir, "ev1"))
	if err != nil {
		t.Fatal(err)
	}
	got := slices.Sorted(maps.Keys(ev.Items()))
	if want := []string{"takuso/u1006/editor", "takuso/u1042/editor"}; !slices.Equal(got, want) {
		t.Fatalf("the events review has %v, want %v\n%s", got, want, out)
	}
	store, err := reviewdb.Open(context.Background(), filepath.Join(dir, reviewdb.DefaultFile))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	for id, why := range map[string]string{"takuso/u1006/editor": "2026-11-20 以降の変更: 機密システムの新しい権限", "takuso/u1042/editor": "2026-11-20 以降の変更: 保有者が異動"} {
		it, err := store.Item(context.Background(), "EV-2026-11-24", id)
		if err != nil {
			t.Fatal(err)
		}
		if texts := risk.Texts("ja", it.RiskReasons()); !strings.Contains(texts, why) {
			t.Errorf("%s: reasons %q, want %q", id, texts, why)
		}
	}
	atDay(t, "2026-11-25")
	out, stderr, code = runCLI(t, "certify", "open", "--config", cfg, "--template", "events", "--campaign", "EV-2026-11-25",
		"--out", filepath.Join(dir, "ev2"), "--as-of", "2026-11-25", "--lang", "en")
	if code != 0 || !strings.Contains(out, "nothing happened after 2026-11-24 that calls a right to review") {
		t.Fatalf("the next day: %d %s %s", code, out, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "ev2")); err == nil {
		t.Error("an empty events campaign was written")
	}
}
