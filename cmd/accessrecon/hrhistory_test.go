package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// planJSON runs plan and returns the plan file as a map, failing the test
// on any exit status but 0.
func planJSON(t *testing.T, dir, asOf string, extra ...string) map[string]any {
	t.Helper()
	out := filepath.Join(dir, "plan-"+asOf+".json")
	args := append([]string{"plan", "--config", filepath.Join(dir, "accessrecon.yaml"), "--as-of", asOf, "--out", out, "--lang", "en"}, extra...)
	if _, stderr, code := runCLI(t, args...); code != 0 {
		t.Fatalf("plan --as-of %s: exit %d: %s", asOf, code, stderr)
	}
	return readPlan(t, out)
}

// findingsOf lists "rule subject" of a plan's findings.
func findingsOf(p map[string]any) []string {
	var out []string
	fs, _ := p["findings"].([]any)
	for _, f := range fs {
		m := f.(map[string]any)
		out = append(out, m["rule"].(string)+" "+m["person"].(string)+" "+m["message"].(string))
	}
	return out
}

// actionLines lists "op system account" of a plan's actions.
func actionLines(t *testing.T, p map[string]any) []string {
	var out []string
	for _, m := range actionsOf(t, p) {
		out = append(out, m["op"].(string)+" "+m["system"].(string)+" "+m["account"].(string)+" "+m["reason"].(string))
	}
	return out
}

func containsLike(list []string, parts ...string) bool {
	for _, s := range list {
		all := true
		for _, p := range parts {
			all = all && strings.Contains(s, p)
		}
		if all {
			return true
		}
	}
	return false
}

// TestTransfersAndLeaversDerivedFromHRSnapshots: an HR system that exports
// only today's people. The first plan keeps the snapshot; in the next
// export E1007 has moved from the wheeling contact desk straight to retail
// (a forbidden direct transfer) and E1021 is gone (a leaver). The next plan
// finds both, with the transfer dated on the day it was first seen and a
// stable event id; a later plan from the same export sees the same; a plan
// refused by the HR sanity check does not move the history on.
func TestTransfersAndLeaversDerivedFromHRSnapshots(t *testing.T) {
	dir := demoDir(t)
	cfg := filepath.Join(dir, "accessrecon.yaml")
	replaceIn(t, cfg, "  transfers: transfers.csv\n", "  history: hr-history.json\n")
	history := filepath.Join(dir, "hr-history.json")

	first := planJSON(t, dir, "2026-11-20")
	if containsLike(findingsOf(first), "E1007") || containsLike(actionLines(t, first), "disable", "p1021") {
		t.Fatalf("the first snapshot derived something: %v", findingsOf(first))
	}
	if _, err := os.Stat(history); err != nil {
		t.Fatalf("the first plan kept no history: %v", err)
	}

	people := filepath.Join(dir, "people.csv")
	replaceIn(t, people, "E1007,山本 拓也,NW,NW-WHEEL-CONTACT,", "E1007,山本 拓也,HD,HD-RETAIL,")
	replaceIn(t, people, "E1021,", "#gone,")
	data, _ := os.ReadFile(people)
	var kept []string
	for _, l := range strings.Split(string(data), "\n") {
		if !strings.HasPrefix(l, "#gone,") {
			kept = append(kept, l)
		}
	}
	os.WriteFile(people, []byte(strings.Join(kept, "\n")), 0o644)

	second := planJSON(t, dir, "2026-11-24")
	f := findingsOf(second)
	if !containsLike(f, "separation.direct_transfer_ban", "E1007") {
		t.Errorf("no direct transfer ban for E1007: %v", f)
	}
	if !containsLike(actionLines(t, second), "disable", "portal", "p1021", "E1021 left on 2026-11-23") {
		t.Errorf("E1021 not planned as a leaver: %v", actionLines(t, second))
	}
	var h struct {
		Transfers []struct {
			EventID    string `json:"event_id"`
			EmployeeID string `json:"employee_id"`
			From, To   string
			Effective  string `json:"effective_date"`
		} `json:"transfers"`
		Departed []struct {
			EmployeeID string `json:"employee_id"`
			EndDate    string `json:"end_date"`
		} `json:"departed"`
	}
	data, _ = os.ReadFile(history)
	if err := json.Unmarshal(data, &h); err != nil {
		t.Fatal(err)
	}
	if len(h.Transfers) != 1 || h.Transfers[0].EmployeeID != "E1007" || h.Transfers[0].Effective != "2026-11-24" || !strings.HasPrefix(h.Transfers[0].EventID, "hr-") {
		t.Errorf("history transfers: %+v", h.Transfers)
	}
	if len(h.Departed) != 1 || h.Departed[0].EmployeeID != "E1021" || h.Departed[0].EndDate != "2026-11-23" {
		t.Errorf("history leavers: %+v", h.Departed)
	}

	// The plan that derived the transfer and the leaver can be applied: it
	// binds the snapshot it was made from, not the history file that moved
	// on when the plan was recorded.
	planFile := filepath.Join(dir, "plan-2026-11-24.json")
	if _, stderr, code := runCLI(t, "approve", planFile, "--by", "E1002", "--config", cfg); code != 0 {
		t.Fatalf("approve: %s", stderr)
	}
	if stdout, stderr, code := runApply(t, cfg, planFile, "--dry-run", "--lang", "ja"); code != 0 || strings.Contains(stderr, "計画が古くなっています") {
		t.Fatalf("the plan derived from the snapshots is refused: exit %d %s%s", code, stdout, stderr)
	}
	// Another export changes what is derived: then the plan is stale.
	saved, _ := os.ReadFile(history)
	var hh map[string]any
	json.Unmarshal(saved, &hh)
	hh["transfers"] = []any{}
	changed, _ := json.Marshal(hh)
	os.WriteFile(history, changed, 0o644)
	if _, stderr, code := runApply(t, cfg, planFile, "--dry-run", "--lang", "en"); code != 5 || !strings.Contains(stderr, "hr-history.json changed since it was planned") {
		t.Errorf("a history whose derived events changed: exit %d %s", code, stderr)
	}
	os.WriteFile(history, saved, 0o644)

	// The same export again, later: the same events, the same ids.
	third := planJSON(t, dir, "2026-11-25")
	if a, b := strings.Join(findingsOf(second), "\n"), strings.Join(findingsOf(third), "\n"); a != b {
		t.Errorf("the derived events changed between two plans of the same export:\n%s\n---\n%s", a, b)
	}

	// An export cut to a handful of people fails the HR sanity check: the
	// history is not moved on (the cut export would make everyone a leaver).
	before, _ := os.ReadFile(history)
	os.WriteFile(people, []byte(strings.Join(kept[:5], "\n")+"\n"), 0o644)
	planJSON(t, dir, "2026-11-26")
	after, _ := os.ReadFile(history)
	if string(before) != string(after) {
		t.Error("a plan from an export that failed the HR sanity check moved the history on")
	}
}
