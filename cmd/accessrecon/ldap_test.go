package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/accessrecon/accessrecon/connectors/github/githubfake"
	"github.com/accessrecon/accessrecon/connectors/ldap/slapdtest"
	goldap "github.com/go-ldap/ldap/v3"
)

const ldapSource = `  - name: corp
    type: %s
    %s
    bind_dn: cn=admin,dc=example,dc=jp
    password_env: TEST_LDAP_PASSWORD
    account_search: {base_dn: "ou=people,dc=example,dc=jp", kind: employeeType}
    group_search: {base_dn: "ou=groups,dc=example,dc=jp"}
    mappings:
      - {pattern: "app-{system}-{entitlement}"}
emergencies: emergencies.yaml`

// TestPlanAndApplyThroughARealSlapd: an ldap source beside the demo's files;
// the directory's rights meet the policy (bob's unit does not justify his
// takuso role, evil's company may not hold it); apply removes them from the
// groups, and a re-run after an interruption does each action once.
// ldapDemo is the demo data with the directory at url as source corp (its
// password in the environment); it returns the folder and its config.
func ldapDemo(t *testing.T, url string) (dir, cfg string) {
	t.Helper()
	dir = demoDir(t)
	cfg = filepath.Join(dir, "accessrecon.yaml")
	replaceIn(t, cfg, "emergencies: emergencies.yaml", fmt.Sprintf(ldapSource, "ldap", "url: "+url)+"\n")
	t.Setenv("TEST_LDAP_PASSWORD", "secret")
	return dir, cfg
}

func TestPlanAndApplyThroughARealSlapd(t *testing.T) {
	d := slapdtest.Start(t, "")
	dir, cfg := ldapDemo(t, d.URL)
	plan := filepath.Join(dir, "p.json")
	if _, stderr, code := runCLI(t, "plan", "--config", cfg, "--as-of", "2026-11-24", "--out", plan, "--by", "E1001"); code != 0 {
		t.Fatal(stderr)
	}
	var got []string
	for _, a := range actionsOf(t, readPlan(t, plan)) {
		if a["system"] == "takuso" && !strings.HasPrefix(a["account"].(string), "u") {
			got = append(got, fmt.Sprintf("%s %s/%s %v", a["op"], a["account"], a["entitlement"], a["rules"]))
		}
	}
	want := "revoke bob/viewer [lifecycle.unjustified_grant]; revoke evil*()\\/viewer [lifecycle.unjustified_grant separation.confidential_system_access]"
	if strings.Join(got, "; ") != want {
		t.Fatalf("directory actions:\n%s\nwant:\n%s", strings.Join(got, "; "), want)
	}
	data, _ := os.ReadFile(plan)
	if strings.Contains(string(data), "secret\"") {
		t.Fatal("the bind password is in the plan")
	}
	runCLI(t, "approve", plan, "--by", "E1002", "--config", cfg)
	// Interrupted: the journal says bob's revoke started and nothing more.
	var bobID string
	for _, a := range actionsOf(t, readPlan(t, plan)) {
		if a["account"] == "bob" {
			bobID = a["id"].(string)
		}
	}
	os.WriteFile(filepath.Join(dir, "p.journal.jsonl"), []byte(`{"action":"`+bobID+`","state":"started","at":"x"}`+"\n"), 0o644)
	stdout, stderr, code := runApply(t, cfg, plan)
	if code != 0 || !strings.Contains(stdout, "5 done") && strings.Contains(stdout, "0 failed") {
		t.Fatalf("apply: exit %d\n%s%s", code, stdout, stderr)
	}
	stdout, _, code = runApply(t, cfg, plan)
	if code != 0 || !strings.Contains(stdout, "5 done") && strings.Contains(stdout, "0 failed") {
		t.Fatalf("re-run: exit %d\n%s", code, stdout)
	}
	journal, _ := os.ReadFile(filepath.Join(dir, "p.journal.jsonl"))
	if n := strings.Count(string(journal), `"action":"`+bobID+`","state":"done"`); n != 1 {
		t.Errorf("bob's revoke done %d times in the journal, want 1", n)
	}
	conn, err := goldap.DialURL(d.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	res, err := conn.Search(goldap.NewSearchRequest("cn=app-takuso-viewer,ou=groups,dc=example,dc=jp", goldap.ScopeBaseObject, goldap.NeverDerefAliases, 0, 0, false, "(objectClass=*)", []string{"member"}, nil))
	if err != nil {
		t.Fatal(err)
	}
	if m := res.Entries[0].GetAttributeValues("member"); len(m) != 1 || !strings.HasPrefix(m[0], "uid=alice") {
		t.Errorf("app-takuso-viewer members after apply: %v", m)
	}
}

// TestLDIFSourcePlansOffline: the same directory as an LDIF export.
func TestLDIFSourcePlansOffline(t *testing.T) {
	dir := demoDir(t)
	cfg := filepath.Join(dir, "accessrecon.yaml")
	ldif, _ := os.ReadFile(filepath.Join("..", "..", "fixtures", "ldap", "directory.ldif"))
	os.WriteFile(filepath.Join(dir, "corp.ldif"), ldif, 0o644)
	replaceIn(t, cfg, "emergencies: emergencies.yaml", strings.NewReplacer("    password_env: TEST_LDAP_PASSWORD\n", "", "    bind_dn: cn=admin,dc=example,dc=jp\n", "").Replace(fmt.Sprintf(ldapSource, "ldif", "file: corp.ldif")))
	out := filepath.Join(dir, "p.json")
	if _, stderr, code := runCLI(t, "plan", "--config", cfg, "--as-of", "2026-11-24", "--out", out); code != 0 {
		t.Fatal(stderr)
	}
	n := 0
	for _, a := range actionsOf(t, readPlan(t, out)) {
		if a["account"] == "bob" || a["account"] == `evil*()\` {
			n++
		}
	}
	if n != 2 {
		t.Errorf("%d directory actions from the LDIF export, want 2", n)
	}
}

// TestGitHubOwnersFromTheDirectory: GitHub logins mapped to employees
// through a directory attribute of the ldap source listed before.
func TestGitHubOwnersFromTheDirectory(t *testing.T) {
	d := slapdtest.Start(t, "")
	f, srv := githubfake.New(t, "/api/v3")
	f.Members["octo-alice"] = "member"
	f.Members["stranger"] = "member"
	dir, cfg := ldapDemo(t, d.URL)
	replaceIn(t, cfg, "emergencies: emergencies.yaml\n", fmt.Sprintf(
		"  - {name: gh, type: github, org: seto, base_url: %q, owners_from: {source: corp, attribute: displayName}}\nemergencies: emergencies.yaml\n", srv.URL+"/api/v3/"))
	t.Setenv("GITHUB_TOKEN", "ghp_test")
	out := filepath.Join(dir, "p.json")
	if _, stderr, code := runCLI(t, "plan", "--config", cfg, "--as-of", "2026-11-24", "--out", out); code != 0 {
		t.Fatal(stderr)
	}
	// octo-alice belongs to E1001 through the directory; stranger to no one.
	if gh := actionsOn(t, out, "github:seto"); gh != "disable_account stranger [identity.shared_account]" {
		t.Errorf("github actions: %v", gh)
	}
}

// TestARightFromTwoSourcesIsRevokedThroughBoth: takuso's export and the
// directory's app-takuso-viewer group both report u1020's viewer right (an
// HD employee's, on an NW-confidential system): one grant, one action; apply
// takes the member out of the group and writes the export's system a work
// order, and the action waits for that confirmation.
func TestARightFromTwoSourcesIsRevokedThroughBoth(t *testing.T) {
	d := slapdtest.Start(t, `dn: uid=u1020,ou=people,dc=example,dc=jp
objectClass: inetOrgPerson
uid: u1020
cn: u1020
sn: u1020
employeeNumber: E1020
`)
	conn, err := goldap.DialURL(d.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := conn.Bind("cn=admin,dc=example,dc=jp", "secret"); err != nil {
		t.Fatal(err)
	}
	mod := goldap.NewModifyRequest("cn=app-takuso-viewer,ou=groups,dc=example,dc=jp", nil)
	mod.Add("member", []string{"uid=u1020,ou=people,dc=example,dc=jp"})
	if err := conn.Modify(mod); err != nil {
		t.Fatal(err)
	}
	dir, cfg := ldapDemo(t, d.URL)
	plan := filepath.Join(dir, "p.json")
	if _, stderr, code := runCLI(t, "plan", "--config", cfg, "--as-of", "2026-11-24", "--out", plan, "--by", "E1001"); code != 0 {
		t.Fatal(stderr)
	}
	n := 0
	for _, a := range actionsOf(t, readPlan(t, plan)) {
		if a["system"] == "takuso" && a["account"] == "u1020" {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d actions on takuso/u1020, want one", n)
	}
	runCLI(t, "approve", plan, "--by", "E1002", "--config", cfg)
	stdout, stderr, code := runApply(t, cfg, plan)
	if code != 0 {
		t.Fatalf("apply: exit %d\n%s%s", code, stdout, stderr)
	}
	res, err := conn.Search(goldap.NewSearchRequest("cn=app-takuso-viewer,ou=groups,dc=example,dc=jp", goldap.ScopeBaseObject, 0, 1, 0, false, "(objectClass=*)", []string{"member"}, nil))
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range res.Entries[0].GetAttributeValues("member") {
		if strings.HasPrefix(m, "uid=u1020,") {
			t.Error("u1020 is still in app-takuso-viewer")
		}
	}
	orders, _ := filepath.Glob(filepath.Join(dir, "*takuso*.csv"))
	found := false
	for _, o := range orders {
		data, _ := os.ReadFile(o)
		found = found || strings.Contains(string(data), "u1020")
	}
	if !found {
		t.Errorf("no work order for takuso names u1020 (%v)\n%s", orders, stdout)
	}
}
