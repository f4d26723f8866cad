package main

import (
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/accessrecon/accessrecon/connectors/smarthr/smarthrfake"
)

// smarthrDemo is the demo with its HR feed in SmartHR: the people of
// people.csv as crews (their unit's id as the department code), read as
// hr.source with hr.history deriving transfers and leavers.
func smarthrDemo(t *testing.T) (f *smarthrfake.Fake, dir, cfg string) {
	t.Helper()
	f = smarthrfake.Start(t)
	dir = demoDir(t)
	cfg = filepath.Join(dir, "accessrecon.yaml")
	data, err := os.ReadFile(filepath.Join(dir, "people.csv"))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(strings.NewReader(string(data))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	types := map[string]*smarthrfake.EmploymentType{"employee": {ID: "t1", Name: "正社員"}, "contractor": {ID: "t2", Name: "業務委託"}}
	depts := map[string]bool{}
	for i, r := range rows[1:] { // employee_id,name,company,unit,employment,start_date,end_date,mail
		last, first, _ := strings.Cut(r[1], " ")
		c := &smarthrfake.Crew{ID: fmt.Sprintf("crew-%03d", i), EmpCode: r[0], LastName: last, FirstName: first, BusinessEmail: r[7],
			Departments: []smarthrfake.Department{{ID: "d-" + r[3], Code: r[3], Name: r[3]}}, EmploymentType: types[r[4]], EnteredAt: r[5], EmpStatus: "employed"}
		if r[6] != "" {
			end := r[6]
			c.ResignedAt, c.EmpStatus = &end, "retired"
		}
		f.Crews = append(f.Crews, c)
		if !depts[r[3]] {
			depts[r[3]] = true
			f.Depts = append(f.Depts, smarthrfake.Department{ID: "d-" + r[3], Code: r[3], Name: r[3]})
		}
	}
	f.Types = []smarthrfake.EmploymentType{*types["employee"], *types["contractor"]}
	replaceIn(t, cfg, "  people: people.csv\n  transfers: transfers.csv\n", fmt.Sprintf("  source: {type: smarthr, base_url: %q, token_env: TEST_SMARTHR_TOKEN, per_page: 20}\n  history: hr-history.json\n", f.URL))
	t.Setenv("TEST_SMARTHR_TOKEN", smarthrfake.Token)
	return f, dir, cfg
}

// TestTheHRFeedFromSmartHR: the people read from SmartHR plan as the demo's
// file does; a transfer registered in SmartHR from 託送契約窓口 to 小売営業部
// is found at the next plan (hr.history) and is a direct transfer the ban
// forbids; a wrong token plans nothing.
func TestTheHRFeedFromSmartHR(t *testing.T) {
	f, dir, cfg := smarthrDemo(t)
	f.Throttle.Store(1)
	stdout, stderr, code := runCLI(t, "validate", "--config", cfg)
	if code != 0 || !strings.Contains(stdout, "hr.source") || !strings.Contains(stdout, "50 people") {
		t.Fatalf("validate: exit %d\n%s%s", code, stdout, stderr)
	}
	plan := filepath.Join(dir, "p1.json")
	if _, stderr, code := runCLI(t, "plan", "--config", cfg, "--as-of", "2026-11-24", "--out", plan, "--by", "E1001"); code != 0 {
		t.Fatal(stderr)
	}
	p := readPlan(t, plan)
	if _, ok := p["inputs"].(map[string]any)["hr.source"]; !ok {
		t.Errorf("the plan's inputs lack hr.source: %v", p["inputs"])
	}
	for _, fd := range p["findings"].([]any) {
		if fd.(map[string]any)["rule"] == "separation.direct_transfer_ban" {
			t.Errorf("a transfer before SmartHR recorded one: %v", fd)
		}
	}
	f.Move("E1010", smarthrfake.Department{ID: "d-HD-RETAIL", Code: "HD-RETAIL", Name: "HD-RETAIL"})
	plan = filepath.Join(dir, "p2.json")
	if _, stderr, code := runCLI(t, "plan", "--config", cfg, "--as-of", "2026-11-25", "--out", plan, "--by", "E1001"); code != 0 {
		t.Fatal(stderr)
	}
	banned := false
	for _, fd := range readPlan(t, plan)["findings"].([]any) {
		m := fd.(map[string]any)
		banned = banned || m["rule"] == "separation.direct_transfer_ban" && m["person"] == "E1010"
	}
	if !banned {
		t.Error("the transfer registered in SmartHR was not found to be a banned direct transfer")
	}
	t.Setenv("TEST_SMARTHR_TOKEN", "wrong")
	out := filepath.Join(dir, "p3.json")
	if _, stderr, code := runCLI(t, "plan", "--config", cfg, "--as-of", "2026-11-25", "--out", out, "--by", "E1001"); code == 0 || !strings.Contains(stderr, "401") || exists(out) {
		t.Errorf("a wrong token: exit %d, %s", code, stderr)
	}
}
