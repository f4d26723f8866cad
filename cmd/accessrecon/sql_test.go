package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/accessrecon/accessrecon/connectors/sqldb/sqltest"
)

// sqlDemo is the demo with saiene-ctl's tables in a real PostgreSQL (the
// demo's script loaded into it) instead of the SQLite file, apply allowed
// to carry out its revocations and disablings, and the data source name
// (with a password) in the environment.
func sqlDemo(t *testing.T) (srv *sqltest.Server, dir, cfg, dsn string) {
	t.Helper()
	srv = sqltest.Postgres(t)
	dir = demoDir(t)
	cfg = filepath.Join(dir, "accessrecon.yaml")
	script, err := os.ReadFile(filepath.Join(dir, "saiene-ctl.sql"))
	if err != nil {
		t.Fatal(err)
	}
	srv.Exec(t, string(script))
	replaceIn(t, cfg, "    driver: sqlite\n    file: saiene-ctl.db\n", "    driver: postgres\n    dsn_env: TEST_SAIENE_DSN\n")
	replaceIn(t, cfg, "      origin: {職務: role, 申請: request}\n", `      origin: {職務: role, 申請: request}
    changes:
      revoke: {statement: "DELETE FROM user_roles WHERE login = $1 AND role_code = $2", args: [account, entitlement]}
      disable_account: {statement: "UPDATE users SET disabled = 1 WHERE login = $1 AND disabled = 0", args: [account]}
`)
	// Trust authentication takes any password: this one must never show.
	dsn = strings.Replace(srv.DSN, "postgres://test@", "postgres://test:Pw-0f-the-reader@", 1)
	t.Setenv("TEST_SAIENE_DSN", dsn)
	return srv, dir, cfg, dsn
}

// TestPlanAndApplyOnARealPostgreSQL: the system's tables plan as its
// SQLite copy does; apply disables the shared login by the configured
// statement; a row changed after the plan makes the plan stale.
func TestPlanAndApplyOnARealPostgreSQL(t *testing.T) {
	srv, dir, cfg, _ := sqlDemo(t)
	plan := filepath.Join(dir, "p.json")
	if _, stderr, code := runCLI(t, "plan", "--config", cfg, "--as-of", "2026-11-24", "--out", plan, "--by", "E1001"); code != 0 {
		t.Fatal(stderr)
	}
	var got []string
	for _, a := range actionsOf(t, readPlan(t, plan)) {
		if a["system"] == "saiene-ctl" {
			got = append(got, a["op"].(string)+" "+a["account"].(string))
		}
	}
	if strings.Join(got, "; ") != "disable_account opsshared" {
		t.Fatalf("saiene-ctl's actions: %v", got)
	}
	runCLI(t, "approve", plan, "--by", "E1002", "--config", cfg)
	stdout, stderr, code := runApply(t, cfg, plan)
	if code != 0 || !strings.Contains(stdout, "0 failed") {
		t.Fatalf("apply: exit %d\n%s%s", code, stdout, stderr)
	}
	var disabled int
	if err := srv.DB(t).QueryRow("SELECT disabled FROM users WHERE login = 'opsshared'").Scan(&disabled); err != nil || disabled != 1 {
		t.Errorf("opsshared after apply: disabled %d, %v", disabled, err)
	}

	// Planned again, and a row changes before apply: stale, nothing done.
	plan = filepath.Join(dir, "p2.json")
	if _, stderr, code := runCLI(t, "plan", "--config", cfg, "--as-of", "2026-11-24", "--out", plan, "--by", "E1001"); code != 0 {
		t.Fatal(stderr)
	}
	runCLI(t, "approve", plan, "--by", "E1002", "--config", cfg)
	srv.Exec(t, "UPDATE user_roles SET valid_until = '2026-12-31' WHERE login = 'c1009'")
	if stdout, stderr, code := runApply(t, cfg, plan); code != 5 || !strings.Contains(stderr, "the plan is stale: saiene-ctl changed") {
		t.Errorf("a row changed since the plan: exit %d, %s%s", code, stdout, stderr)
	}
}

// TestAFailedDatabasePlansNothing: with the server down, plan fails, writes
// no plan, and says why without the data source name's password.
func TestAFailedDatabasePlansNothing(t *testing.T) {
	srv, dir, cfg, dsn := sqlDemo(t)
	srv.Kill()
	plan := filepath.Join(dir, "p.json")
	stdout, stderr, code := runCLI(t, "plan", "--config", cfg, "--as-of", "2026-11-24", "--out", plan, "--by", "E1001", "--verbose")
	if code == 0 || !strings.Contains(stderr, "source saiene-ctl failed, nothing is planned") {
		t.Errorf("plan with the database down: exit %d\n%s", code, stderr)
	}
	if exists(plan) {
		t.Error("a plan was written from a failed source")
	}
	for _, out := range []string{stdout, stderr} {
		if strings.Contains(out, "Pw-0f-the-reader") || strings.Contains(out, dsn) {
			t.Errorf("the data source name is shown:\n%s", out)
		}
	}
	stdout, stderr, _ = runCLI(t, "validate", "--config", cfg)
	if !strings.Contains(stderr+stdout, "source saiene-ctl") || strings.Contains(stdout+stderr, "Pw-0f-the-reader") {
		t.Errorf("validate with the database down:\n%s%s", stdout, stderr)
	}
}
