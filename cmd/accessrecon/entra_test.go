package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/accessrecon/accessrecon/connectors/entra/graphfake"
)

// TestPlanAndApplyThroughEntraID: the demo with a Microsoft Entra ID
// tenant (the Graph fake): 高橋 (HD) holds the reader role of 託送ポータル,
// an enterprise app confidential to NW, through the Microsoft 365 group
// HD-IT プロジェクト nested in the group the role is assigned to. The plan
// revokes it naming the path; the leaver synced from on-premises AD is
// disabled through AD (a work order naming the AD account, as no AD source
// is configured); apply takes 高橋 out of the Microsoft 365 group and
// touches neither the app's assignment nor the group's other member.
func TestPlanAndApplyThroughEntraID(t *testing.T) {
	f := graphfake.New(graphfake.TenantID, graphfake.ClientID, graphfake.Secret)
	t.Cleanup(f.Close)
	f.LoadDemo()
	dir := demoDir(t)
	cfg := filepath.Join(dir, "accessrecon.yaml")
	appendTo(t, filepath.Join(dir, "systems.yaml"), `  - id: takuso-portal
    name: 託送ポータル
    owner: NW-CUSTOMER
    confidential_to: [NW]
    entitlements:
      - {id: reader, allowed_units: [NW-CUSTOMER, NW-WHEEL-CONTACT, NW-OPS]}
`)
	replaceIn(t, cfg, "emergencies: emergencies.yaml", fmt.Sprintf(`  - name: entra
    type: entra
    tenant_id: %s
    client_id: %s
    client_secret_env: TEST_ENTRA_SECRET
    authority: %s
    graph_url: %s
    system: m365
    on_premises_system: ad
    apps: [{app: %s, system: takuso-portal}]
    apply: true
emergencies: emergencies.yaml`, graphfake.TenantID, graphfake.ClientID, f.Authority(), f.GraphURL(), graphfake.PortalApp))
	t.Setenv("TEST_ENTRA_SECRET", graphfake.Secret)
	plan := filepath.Join(dir, "p.json")
	if _, stderr, code := runCLI(t, "plan", "--config", cfg, "--as-of", "2026-11-24", "--out", plan, "--by", "E1001"); code != 0 {
		t.Fatal(stderr)
	}
	var got []string
	for _, a := range actionsOf(t, readPlan(t, plan)) {
		if a["system"] == "takuso-portal" || a["system"] == "m365" {
			got = append(got, fmt.Sprintf("%s %s/%s/%s via=%v through=%v %v", a["op"], a["system"], a["account"], a["entitlement"], a["via"], a["through"], a["rules"]))
		}
	}
	for _, want := range []string{
		"revoke takuso-portal/takahashi@example.co.jp/reader via=NW-託送ポータル利用者 ← HD-IT プロジェクト through=<nil> [separation.confidential_system_access]",
		"disable_account m365/ogawa@example.co.jp/ via=<nil> through=ad/u1030 [lifecycle.leaver]",
		"disable_account m365/watanabe@example.co.jp/ via=<nil> through=<nil> [usage.inactive_account]",
	} {
		if !slices.Contains(got, want) {
			t.Errorf("not planned: %s\nplanned: %s", want, strings.Join(got, "\n"))
		}
	}
	stdout, _, _ := runCLI(t, "show", plan, "--config", cfg, "--lang", "ja")
	if !strings.Contains(stdout, "付与経路（取消はこれを変更）: NW-託送ポータル利用者 ← HD-IT プロジェクト") || !strings.Contains(stdout, "同期元（こちらで無効化）: ad/u1030") {
		t.Errorf("show does not say the path and the AD account:\n%s", stdout)
	}
	runCLI(t, "approve", plan, "--by", "E1002", "--config", cfg)
	stdout, stderr, code := runApply(t, cfg, plan)
	if code != 0 && code != 2 {
		t.Fatalf("apply: exit %d\n%s%s", code, stdout, stderr)
	}
	writes := f.Writes()
	if !slices.Contains(writes, "DELETE /groups/g-hdit/members/u-e1003") {
		t.Errorf("高橋 not taken out of the Microsoft 365 group: %v", writes)
	}
	for _, w := range writes {
		if strings.Contains(w, "sp-portal") || strings.Contains(w, "g-portal") || strings.Contains(w, "u-e1009") || strings.Contains(w, "u-e1030") {
			t.Errorf("apply changed more than it should: %s", w)
		}
	}
	order, _ := os.ReadFile(filepath.Join(dir, "p.workorders", "m365.md"))
	if !strings.Contains(string(order), "ogawa@example.co.jp") || !strings.Contains(string(order), "同期元で無効化: ad/u1030") {
		t.Errorf("the synced leaver's work order does not name the AD account:\n%s", order)
	}
	if v := f.Violations(); len(v) > 0 {
		t.Errorf("requests the fake refused: %v", v)
	}
}
