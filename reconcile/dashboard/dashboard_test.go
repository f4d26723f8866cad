package dashboard_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/accessrecon/accessrecon/config"
	"github.com/accessrecon/accessrecon/connectors/catalog"
	"github.com/accessrecon/accessrecon/graph"
	"github.com/accessrecon/accessrecon/policy"
	"github.com/accessrecon/accessrecon/reconcile/audit"
	"github.com/accessrecon/accessrecon/reconcile/dashboard"
	"github.com/accessrecon/accessrecon/reconcile/reconciletest"
)

// TestTheDashboardFromTheLogAlone: plan events that carry their summary,
// reviewers' decisions, a closed campaign and log checks: drawn without a
// plan file; the reviewers' share kept and time per item, by person and by
// unit; an event outside the period is left out; a log that does not
// verify draws nothing.
func TestTheDashboardFromTheLogAlone(t *testing.T) {
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS("../../fixtures/demo")); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(config.OSFiles{}, filepath.Join(dir, "accessrecon.yaml"), catalog.Types)
	if err != nil {
		t.Fatal(err)
	}
	in, _ := reconciletest.Load(t, cfg, policy.Bundled())
	at := func(s string) time.Time {
		tm, _ := time.ParseInLocation("2006-01-02 15:04:05", s, graph.Tokyo)
		return tm
	}
	for _, e := range []struct {
		at string
		ev audit.Event
	}{
		{"2026-10-01 09:00:00", audit.Event{Event: audit.Plan, By: "E1001", Plan: "sha256:a", Data: map[string]any{"kind": "reconcile", "as_of": "2026-10-01", "out": "gone.json",
			"by_severity": map[string]any{"critical": 3, "high": 2}, "by_rule": map[string]any{"separation.confidential_system_access": 3, "lifecycle.leaver": 2},
			"inventory": []any{map[string]any{"system": "takuso", "company": "HD", "people": 3}, map[string]any{"system": "takuso", "company": "NW", "people": 15}}}}},
		{"2026-11-02 09:00:00", audit.Event{Event: audit.Plan, By: "E1001", Plan: "sha256:b", Data: map[string]any{"kind": "reconcile", "as_of": "2026-11-02", "out": "gone2.json",
			"by_severity": map[string]any{"high": 1}, "by_rule": map[string]any{"lifecycle.leaver": 1},
			"inventory": []any{map[string]any{"system": "takuso", "company": "NW", "people": 15}}}}},
		{"2026-11-10 10:00:00", audit.Event{Event: audit.ReviewDecision, By: "E1042", Data: map[string]any{"campaign": "Q4", "decision": "keep", "decided": 30}}},
		{"2026-11-10 10:01:00", audit.Event{Event: audit.ReviewDecision, By: "E1042", Data: map[string]any{"campaign": "Q4", "decision": "keep", "decided": 30}}},
		{"2026-11-10 11:00:00", audit.Event{Event: audit.ReviewDecision, By: "E1014", Data: map[string]any{"campaign": "Q4", "decision": "revoke", "decided": 2}}},
		{"2026-11-20 17:00:00", audit.Event{Event: audit.CampaignClosed, By: "E1003", Data: map[string]any{"campaign": "Q4", "decisions": 62, "defaulted": 5}}},
		{"2026-11-24 08:00:00", audit.Event{Event: audit.LogsCheck, By: "E1003", Data: map[string]any{"date": "2026-11-24", "findings": 4}}},
		{"2027-05-01 08:00:00", audit.Event{Event: audit.LogsCheck, By: "E1003", Data: map[string]any{"date": "2027-05-01", "findings": 9}}},
	} {
		if err := audit.Record(cfg, e.ev, at(e.at)); err != nil {
			t.Fatal(err)
		}
	}
	d, err := dashboard.Build(cfg, in.Graph.Snapshot(), 20260401, 20270331, at("2027-03-31 12:00:00"))
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Runs) != 2 || len(d.Skipped) != 0 || len(d.LogDays) != 1 || len(d.Campaigns) != 1 || d.Campaigns[0].Decided != 62 {
		t.Fatalf("runs %d skipped %v log days %d campaigns %+v", len(d.Runs), d.Skipped, len(d.LogDays), d.Campaigns)
	}
	if inv := d.Inventory; len(inv) != 1 || inv[0].System != "takuso" || inv[0].Series[0].Name != "HD" || inv[0].Series[0].Values[1] != 0 || !inv[0].Series[0].Other {
		t.Errorf("takuso's inventory: %+v", inv)
	}
	var kobayashi *dashboard.Reviewer
	for i := range d.Reviewers {
		if d.Reviewers[i].ID == "E1042" {
			kobayashi = &d.Reviewers[i]
		}
	}
	if kobayashi == nil || kobayashi.Decided != 60 || kobayashi.Kept != 60 || kobayashi.SecondsEach != 1 || kobayashi.Unit == "" {
		t.Errorf("E1042: %+v (60 kept in a minute: 1 s an item)", kobayashi)
	}
	var page bytes.Buffer
	if err := dashboard.Write(&page, d, "ja"); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"確認者の部署ごとの判定", "100%", "E1014", "0%", "<td>Q4</td>"} {
		if !strings.Contains(page.String(), want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	// A log cut short of its checkpoint (every Record writes one) draws
	// nothing.
	log := audit.LogPath(cfg)
	data, _ := os.ReadFile(log)
	os.WriteFile(log, data[:bytes.LastIndexByte(data[:len(data)-1], '\n')+1], 0o600)
	if _, err := dashboard.Build(cfg, in.Graph.Snapshot(), 20260401, 20270331, at("2027-03-31 12:00:00")); err == nil {
		t.Error("a log cut short of its checkpoint was drawn")
	}
}
