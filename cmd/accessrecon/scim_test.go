package main

import (
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/accessrecon/accessrecon/connectors/scim/scimtest"
)

// TestPlanAndApplyThroughASCIMService: a SaaS application read by SCIM
// beside the demo's sources: the leaver's user is planned for
// deactivation, approved, deactivated by PATCH on the SCIM server, and the
// next plan finds nothing left to do there.
func TestPlanAndApplyThroughASCIMService(t *testing.T) {
	p := scimtest.Start(t)
	sato := p.User("sato", "E1001", true)
	p.User("ogawa", "E1030", true) // left on 2026-10-31
	p.Group("admins", sato)
	dir := demoDir(t)
	cfg := filepath.Join(dir, "accessrecon.yaml")
	replaceIn(t, cfg, "emergencies: emergencies.yaml", fmt.Sprintf("  - {name: kintone, type: scim, base_url: %q, token_env: TEST_SCIM_TOKEN, system: kintone, apply: true}\nemergencies: emergencies.yaml", p.URL))
	t.Setenv("TEST_SCIM_TOKEN", scimtest.Token)
	plan := filepath.Join(dir, "p.json")
	if _, stderr, code := runCLI(t, "plan", "--config", cfg, "--as-of", "2026-11-24", "--out", plan, "--by", "E1001"); code != 0 {
		t.Fatal(stderr)
	}
	var got []string
	for _, a := range actionsOf(t, readPlan(t, plan)) {
		if a["system"] == "kintone" {
			got = append(got, fmt.Sprintf("%s %s %v", a["op"], a["account"], a["rules"]))
		}
	}
	if strings.Join(got, "; ") != "disable_account ogawa [lifecycle.leaver]" {
		t.Fatalf("kintone's actions: %v", got)
	}
	runCLI(t, "approve", plan, "--by", "E1002", "--config", cfg)
	if stdout, stderr, code := runApply(t, cfg, plan); code != 0 || !strings.Contains(stdout, "0 failed") {
		t.Fatalf("apply: exit %d\n%s%s", code, stdout, stderr)
	}
	if n := p.Users.Patches.Load(); n != 1 {
		t.Errorf("%d PATCHes of users, want 1", n)
	}
	again := filepath.Join(dir, "p2.json")
	if _, stderr, code := runCLI(t, "plan", "--config", cfg, "--as-of", "2026-11-24", "--out", again, "--by", "E1001"); code != 0 {
		t.Fatal(stderr)
	}
	for _, a := range actionsOf(t, readPlan(t, again)) {
		if a["system"] == "kintone" {
			t.Errorf("still planned on kintone after apply: %v", a)
		}
	}
}

// TestTheHRFeedFromAnHRServicesSCIM: the demo's people served by an HR
// service's SCIM endpoint (the enterprise extension's department as the
// unit) and read as hr.source with hr.history: a transfer registered there
// from 託送契約窓口 to 小売営業部 is found at the next plan and forbidden.
func TestTheHRFeedFromAnHRServicesSCIM(t *testing.T) {
	p := scimtest.Start(t)
	dir := demoDir(t)
	cfg := filepath.Join(dir, "accessrecon.yaml")
	data, _ := os.ReadFile(filepath.Join(dir, "people.csv"))
	rows, err := csv.NewReader(strings.NewReader(string(data))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]string{}
	for _, r := range rows[1:] { // employee_id,name,company,unit,employment,start_date,end_date,mail
		ids[r[0]] = p.Person(strings.ToLower(r[0]), r[0], r[3], "", r[6] == "")
	}
	replaceIn(t, cfg, "  people: people.csv\n  transfers: transfers.csv\n", fmt.Sprintf("  source: {type: scim, base_url: %q, token_env: TEST_HR_SCIM_TOKEN}\n  history: hr-history.json\n", p.URL))
	t.Setenv("TEST_HR_SCIM_TOKEN", scimtest.Token)
	if _, stderr, code := runCLI(t, "plan", "--config", cfg, "--as-of", "2026-11-24", "--out", filepath.Join(dir, "p1.json"), "--by", "E1001"); code != 0 {
		t.Fatal(stderr)
	}
	p.Move(ids["E1010"], "HD-RETAIL")
	plan := filepath.Join(dir, "p2.json")
	if _, stderr, code := runCLI(t, "plan", "--config", cfg, "--as-of", "2026-11-25", "--out", plan, "--by", "E1001"); code != 0 {
		t.Fatal(stderr)
	}
	if !bannedTransfer(t, plan, "E1010") {
		t.Error("the transfer registered in the HR service was not found to be a banned direct transfer")
	}
}
