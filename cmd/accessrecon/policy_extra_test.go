package main

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

const contractorRule = `# METADATA
# title: Contractor with admin rights
# custom:
#   id: custom.contractor_admin
#   severity: high
#   action: revoke
#   title_ja: 委託先の管理者権限
package accessrecon.rules.custom.contractor_admin

import data.accessrecon.lib

findings contains f if {
	input.person.employment == "contractor"
	some a in input.accounts
	lib.active_account(a)
	some g in a.grants
	g.entitlement == "admin"
	f := lib.revoke("custom.contractor_admin", "high", a, g, "contractors hold no admin rights")
}
`

const contractorTest = `package accessrecon.rules.custom.contractor_admin_test

import data.accessrecon.rules.custom.contractor_admin

test_contractor_admin_is_revoked if {
	count(contractor_admin.findings) == 1 with input as {
		"person": {"id": "E1", "employment": "contractor"},
		"accounts": [{"system": "portal", "id": "p1", "owner": "E1", "status": "active", "grants": [{"entitlement": "admin"}]}],
	}
}
`

func withExtraPolicy(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := demoDir(t)
	os.Mkdir(filepath.Join(dir, "policies"), 0o755)
	for name, src := range files {
		if err := os.WriteFile(filepath.Join(dir, "policies", name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	appendTo(t, filepath.Join(dir, "accessrecon.yaml"), "policy:\n  extra: [policies]\n")
	appendTo(t, filepath.Join(dir, "portal-grants.csv"), "portal,p1049,admin,request,2026-01-01,\n")
	return dir
}

func TestExtraPolicyModulesAddRules(t *testing.T) {
	dir := withExtraPolicy(t, map[string]string{"contractor.rego": contractorRule, "contractor_test.rego": contractorTest})
	out := filepath.Join(dir, "plan.json")
	stdout, stderr, code := runCLI(t, "plan", "--config", filepath.Join(dir, "accessrecon.yaml"), "--as-of", "2026-11-24", "--out", out, "--lang", "ja")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "委託先の管理者権限") {
		t.Errorf("the user rule's title is not shown:\n%s", stdout)
	}
	plan := readPlan(t, out)
	found := false
	for _, a := range plan["actions"].([]any) {
		m := a.(map[string]any)
		if m["system"] == "portal" && m["account"] == "p1049" && m["entitlement"] == "admin" {
			found = strings.Contains(strings.Join(toStrings(m["rules"]), ","), "custom.contractor_admin")
		}
	}
	if !found {
		t.Error("the user rule did not plan the revoke of the contractor's admin right")
	}

	stdout, stderr, code = runCLI(t, "policy", "test", "--config", filepath.Join(dir, "accessrecon.yaml"))
	if code != 0 || !strings.Contains(stdout, " 0 failed") {
		t.Fatalf("policy test: exit %d\n%s%s", code, stdout, stderr)
	}
}

func TestPolicyTestFailsOnAFailingUserTest(t *testing.T) {
	broken := strings.Replace(contractorTest, "== 1", "== 2", 1)
	dir := withExtraPolicy(t, map[string]string{"contractor.rego": contractorRule, "contractor_test.rego": broken})
	stdout, _, code := runCLI(t, "policy", "test", "--config", filepath.Join(dir, "accessrecon.yaml"))
	if code != 1 || !strings.Contains(stdout, "FAIL data.accessrecon.rules.custom.contractor_admin_test.test_contractor_admin_is_revoked") {
		t.Fatalf("exit %d:\n%s", code, stdout)
	}
}

func TestUserFindingOfTheWrongShapeIsAnError(t *testing.T) {
	bad := strings.Replace(contractorRule, `lib.revoke("custom.contractor_admin", "high", a, g, "contractors hold no admin rights")`,
		`{"rule": "custom.contractor_admin", "severity": "severe", "op": "revoke", "system": a.system, "account": a.id, "entitlement": g.entitlement}`, 1)
	dir := withExtraPolicy(t, map[string]string{"contractor.rego": bad})
	_, stderr, code := runCLI(t, "plan", "--config", filepath.Join(dir, "accessrecon.yaml"), "--as-of", "2026-11-24")
	if code != 1 || !strings.Contains(stderr, "custom.contractor_admin") || !strings.Contains(stderr, "severity") {
		t.Fatalf("exit %d: %s", code, stderr)
	}
}

func TestPolicyTestRunsTheBundledSuite(t *testing.T) {
	t.Chdir(t.TempDir())
	stdout, stderr, code := runCLI(t, "policy", "test")
	if code != 0 || !strings.Contains(stdout, "passed, 0 failed") {
		t.Fatalf("exit %d: %s%s", code, stdout, stderr)
	}
}

func toStrings(v any) []string {
	var out []string
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return out
}

// TestEvaluatorSetting: policy.evaluator topdown plans the same actions as
// the default plan evaluator, --verbose says which one ran, and an
// unknown evaluator is an error naming the field.
func TestEvaluatorSetting(t *testing.T) {
	actions := map[string]any{}
	for _, ev := range []string{"plan", "topdown"} {
		dir := demoDir(t)
		cfg := filepath.Join(dir, "accessrecon.yaml")
		appendTo(t, cfg, "policy:\n  evaluator: "+ev+"\n")
		out := filepath.Join(dir, "plan.json")
		_, stderr, code := runCLI(t, "plan", "--verbose", "--config", cfg, "--as-of", "2026-11-24", "--out", out)
		if code != 0 && code != 2 {
			t.Fatalf("%s: exit %d: %s", ev, code, stderr)
		}
		if want := "evaluator=" + map[string]string{"plan": "plan", "topdown": `"topdown (configured)"`}[ev]; !strings.Contains(stderr, want) {
			t.Errorf("%s: the debug log does not say %q:\n%s", ev, want, stderr)
		}
		actions[ev] = readPlan(t, out)["actions"]
	}
	if len(actions["plan"].([]any)) == 0 || !reflect.DeepEqual(actions["plan"], actions["topdown"]) {
		t.Errorf("the evaluators plan different actions: %d and %d", len(actions["plan"].([]any)), len(actions["topdown"].([]any)))
	}

	dir := demoDir(t)
	appendTo(t, filepath.Join(dir, "accessrecon.yaml"), "policy:\n  evaluator: fast\n")
	_, stderr, code := runCLI(t, "plan", "--config", filepath.Join(dir, "accessrecon.yaml"), "--as-of", "2026-11-24")
	if code != 1 || !strings.Contains(stderr, "policy.evaluator") || !strings.Contains(stderr, `"fast"`) {
		t.Fatalf("exit %d: %s", code, stderr)
	}
}
