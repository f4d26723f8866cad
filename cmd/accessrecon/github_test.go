package main

import (
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/accessrecon/accessrecon/connectors/github/githubfake"
)

// TestPlanAndApplyThroughTheFakeGitHub: a github source next to the demo's
// file sources; the plan disables a leaver's and an ownerless login; apply
// removes them through the API, and a re-run after a failure does every
// action exactly once.
func TestPlanAndApplyThroughTheFakeGitHub(t *testing.T) {
	f, srv := githubfake.New(t, "/api/v3")
	f.Org(10, 2, 3, 0, 1)
	dir := demoDir(t)
	cfg := filepath.Join(dir, "accessrecon.yaml")
	owners := "login,employee_id\n"
	for i := range 10 {
		switch i {
		case 1:
			owners += "user0001,E1030\n" // left on 2026-10-31
		case 2: // no owner
		default:
			owners += fmt.Sprintf("user%04d,E%d\n", i, 1001+i)
		}
	}
	os.WriteFile(filepath.Join(dir, "github-owners.csv"), []byte(owners), 0o644)
	replaceIn(t, cfg, "emergencies: emergencies.yaml", fmt.Sprintf(
		"  - {name: gh, type: github, org: seto, base_url: %q, owners: github-owners.csv}\nemergencies: emergencies.yaml", srv.URL+"/api/v3/"))
	t.Setenv("GITHUB_TOKEN", "ghp_secret_for_tests")

	plan := filepath.Join(dir, "p.json")
	if _, stderr, code := runCLI(t, "plan", "--config", cfg, "--as-of", "2026-11-24", "--out", plan, "--by", "E1001"); code != 0 {
		t.Fatal(stderr)
	}
	if gh := actionsOn(t, plan, "github:seto"); gh != "disable_account user0001 [lifecycle.leaver]; disable_account user0002 [identity.shared_account]" {
		t.Fatalf("github actions: %v", gh)
	}
	data, _ := os.ReadFile(plan)
	if strings.Contains(string(data), "ghp_secret") {
		t.Fatal("the token is in the plan")
	}
	runCLI(t, "approve", plan, "--by", "E1002", "--config", cfg)

	f.Fail["DELETE /orgs/seto/members/user0002"] = 1 // the first try fails
	stdout, stderr, code := runApply(t, cfg, plan)
	if code != 1 || !strings.Contains(stdout, "1 done") || !strings.Contains(stdout, "1 failed") || !strings.Contains(stderr, "run apply again") {
		t.Fatalf("first apply: exit %d\n%s%s", code, stdout, stderr)
	}
	stdout, stderr, code = runApply(t, cfg, plan)
	if code != 0 || !strings.Contains(stdout, "2 done") {
		t.Fatalf("second apply: exit %d\n%s%s", code, stdout, stderr)
	}
	if _, ok := f.Members["user0001"]; ok {
		t.Error("the leaver is still a member")
	}
	if _, ok := f.Members["user0002"]; ok {
		t.Error("the ownerless login is still a member")
	}
	deletes := map[string]int{}
	for _, r := range f.Log() {
		if strings.HasPrefix(r, "DELETE") {
			deletes[strings.TrimSuffix(r, "?")]++
		}
	}
	if deletes["DELETE /orgs/seto/members/user0001"] != 1 || deletes["DELETE /orgs/seto/members/user0002"] != 2 {
		t.Errorf("deletes %v: want user0001 once, user0002 twice (failed, then done)", deletes)
	}
	if _, stderr, code := runApply(t, cfg, plan); code != 0 {
		t.Errorf("third apply: exit %d %s", code, stderr)
	}
	if len(f.Log()) != countGets(f.Log())+3 {
		t.Errorf("a third apply wrote again: %v", f.Log())
	}
	if audit, _ := os.ReadFile(filepath.Join(dir, "audit.jsonl")); strings.Contains(string(audit), "ghp_secret") {
		t.Error("the token is in the audit log")
	}
}

func countGets(log []string) int {
	n := 0
	for _, r := range log {
		if strings.HasPrefix(r, "GET") {
			n++
		}
	}
	return n
}

// actionsOn lists a plan file's actions on one system as "op account [rules]",
// joined by "; ".
func actionsOn(t *testing.T, plan, system string) string {
	t.Helper()
	var out []string
	for _, a := range actionsOf(t, readPlan(t, plan)) {
		if a["system"] == system {
			out = append(out, fmt.Sprintf("%s %s %v", a["op"], a["account"], a["rules"]))
		}
	}
	return strings.Join(out, "; ")
}

// TestARepositoryRightThroughATeamIsPlannedAndRevokedThroughIt: on a GitHub
// organisation confidential to NW, an HD employee's repository right comes
// through a team: the plan names the path, and apply removes them from the
// team (the team keeps the repository for its other members).
func TestARepositoryRightThroughATeamIsPlannedAndRevokedThroughIt(t *testing.T) {
	f, srv := githubfake.New(t, "/api/v3")
	f.Org(4, 1, 3, 0, 1)
	f.Members["user0001"] = "member"
	f.TeamRepos["team-000"] = map[string]string{"repo-000": "write"}
	dir := demoDir(t)
	cfg := filepath.Join(dir, "accessrecon.yaml")
	os.WriteFile(filepath.Join(dir, "github-owners.csv"), []byte("login,employee_id\nuser0000,E1001\nuser0001,E1020\nuser0002,E1004\nuser0003,E1006\n"), 0o644)
	replaceIn(t, cfg, "emergencies: emergencies.yaml", fmt.Sprintf(
		"  - {name: gh, type: github, org: seto, base_url: %q, owners: github-owners.csv}\nemergencies: emergencies.yaml", srv.URL+"/api/v3/"))
	appendTo(t, filepath.Join(dir, "systems.yaml"), "  - {id: \"github:seto\", name: GitHub 託送開発, owner: NW-CUSTOMER, confidential_to: [NW], february_reset: false, entitlements: []}\n")
	t.Setenv("GITHUB_TOKEN", "ghp_secret_for_tests")
	plan := filepath.Join(dir, "p.json")
	stdout, stderr, code := runCLI(t, "plan", "--config", cfg, "--as-of", "2026-11-24", "--out", plan, "--by", "E1001", "--lang", "en")
	if code != 0 {
		t.Fatal(stderr)
	}
	if !strings.Contains(stdout, "github:seto/user0001/repo:repo-000:write") || !strings.Contains(stdout, "held through (revoking changes it): team:team-000") {
		t.Fatalf("the plan does not name the team the right comes through:\n%s", stdout)
	}
	runCLI(t, "approve", plan, "--by", "E1002", "--config", cfg)
	if stdout, stderr, code := runApply(t, cfg, plan); code != 0 {
		t.Fatalf("apply: exit %d\n%s%s", code, stdout, stderr)
	}
	if _, ok := f.Teams["team-000"]["user0001"]; ok {
		t.Error("user0001 is still in team-000, which gives repo-000")
	}
	if _, ok := f.Teams["team-000"]["user0002"]; !ok {
		t.Error("the team lost its other members")
	}
	if f.TeamRepos["team-000"]["repo-000"] != "write" {
		t.Error("the team lost the repository")
	}
}

// TestAnExceptionMayNameASourcesOwnSystem: exceptions.yaml names the GitHub
// organisation's own system (github:seto), which systems.yaml does not
// list: accepted, and the ownerless account it covers is not disabled.
func TestAnExceptionMayNameASourcesOwnSystem(t *testing.T) {
	f, srv := githubfake.New(t, "/api/v3")
	f.Org(10, 2, 3, 0, 1)
	dir, cfg := githubDemo(t, srv, "user0000,E1001\nuser0001,E1002\n")
	appendTo(t, filepath.Join(dir, "exceptions.yaml"), "  - {id: EX-GH-1, rule: identity.shared_account, system: \"github:seto\", account: user0002, justification: 組織の管理用アカウント, approved_by: E1002, expires: 2027-03-31}\n")
	if stdout, stderr, code := runCLI(t, "validate", "--config", cfg); code != 0 {
		t.Fatalf("validate: exit %d %s%s", code, stdout, stderr)
	}
	plan := filepath.Join(dir, "p.json")
	if _, stderr, code := runCLI(t, "plan", "--config", cfg, "--as-of", "2026-11-24", "--out", plan); code != 0 {
		t.Fatalf("plan: %s", stderr)
	}
	if gh := actionsOn(t, plan, "github:seto"); strings.Contains(gh, "user0002") {
		t.Errorf("the excepted account is planned: %s", gh)
	}
}

// TestAPendingRepositoryInvitationIsJudgedAsItWillBe: someone nobody
// sponsors, invited to a repository and not yet accepted, gets the finding
// an outside collaborator gets (identity.external_collaborator), not a
// disable under identity.shared_account: one rule for both states.
func TestAPendingRepositoryInvitationIsJudgedAsItWillBe(t *testing.T) {
	f, srv := githubfake.New(t, "/api/v3")
	f.Org(4, 0, 1, 0, 1)
	f.RepoInvitations["repo-000"] = []githubfake.RepoInvitation{{ID: 501, Login: "contractor-x", Permission: "write"}}
	dir, cfg := githubDemo(t, srv, "user0000,E1001\nuser0001,E1004\nuser0002,E1005\nuser0003,E1006\n")
	plan := filepath.Join(dir, "p.json")
	if _, stderr, code := runCLI(t, "plan", "--config", cfg, "--as-of", "2026-11-24", "--out", plan); code != 0 {
		t.Fatalf("plan: %s", stderr)
	}
	if gh := actionsOn(t, plan, "github:seto"); strings.Contains(gh, "contractor-x") {
		t.Errorf("the invitee is planned for removal: %s", gh)
	}
	found := false
	for _, x := range readPlan(t, plan)["findings"].([]any) {
		m := x.(map[string]any)
		if m["account"] == "contractor-x" {
			found = m["rule"] == "identity.external_collaborator"
		}
	}
	if !found {
		t.Error("no identity.external_collaborator finding for the pending invitee")
	}
}

// githubDemo is the demo with the fake GitHub organisation seto as source gh
// (owners: the owners mapping's rows).
func githubDemo(t *testing.T, srv *httptest.Server, owners string) (dir, cfg string) {
	t.Helper()
	dir = demoDir(t)
	cfg = filepath.Join(dir, "accessrecon.yaml")
	os.WriteFile(filepath.Join(dir, "github-owners.csv"), []byte("login,employee_id\n"+owners), 0o644)
	replaceIn(t, cfg, "emergencies: emergencies.yaml", fmt.Sprintf(
		"  - {name: gh, type: github, org: seto, base_url: %q, owners: github-owners.csv}\nemergencies: emergencies.yaml", srv.URL+"/api/v3/"))
	t.Setenv("GITHUB_TOKEN", "ghp_secret_for_tests")
	return dir, cfg
}
