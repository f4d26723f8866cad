package main

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/accessrecon/accessrecon/graph"
	"github.com/accessrecon/accessrecon/reconcile/audit"
	"golang.org/x/crypto/ssh"
)

// planned writes a reconcile plan of the demo, authored by E1001.
func planned(t *testing.T) (dir, cfg, plan string) {
	t.Helper()
	dir = demoDir(t)
	cfg = filepath.Join(dir, "accessrecon.yaml")
	plan = filepath.Join(dir, "p.json")
	if _, stderr, code := runCLI(t, "plan", "--config", cfg, "--as-of", "2026-11-24", "--out", plan, "--by", "E1001"); code != 0 {
		t.Fatalf("plan: %s", stderr)
	}
	return dir, cfg, plan
}

func runApply(t *testing.T, cfg, plan string, args ...string) (string, string, int) {
	t.Helper()
	return runCLI(t, append([]string{"apply", plan, "--config", cfg, "--as-of", "2026-11-24", "--by", "E1099"}, args...)...)
}

func exists(path string) bool { _, err := os.Stat(path); return err == nil }

func TestApplyRefusesAndChangesNothing(t *testing.T) {
	tests := []struct {
		name    string
		prepare func(t *testing.T, dir, cfg, plan string)
		want    string
	}{
		{"unapproved", func(t *testing.T, dir, cfg, plan string) {}, "the plan is not approved: 0 of 1"},
		{"self-approved", func(t *testing.T, dir, cfg, plan string) {
			if _, stderr, code := runCLI(t, "approve", plan, "--by", "E1001", "--config", cfg); code != 1 || !strings.Contains(stderr, "the author of a plan cannot approve it") {
				t.Fatalf("self-approval: exit %d %s", code, stderr)
			}
			// An approvals file written by hand does not help either.
			os.WriteFile(filepath.Join(dir, "p.approvals.json"), []byte(`{"plan_digest": "`+digestOf(t, plan)+`", "approvals": [{"by": "e1001 "}]}`), 0o644)
		}, "the author of a plan cannot approve it: E1001 wrote it"},
		{"approved by hand in the name of a stranger", func(t *testing.T, dir, cfg, plan string) {
			os.WriteFile(filepath.Join(dir, "p.approvals.json"), []byte(`{"plan_digest": "`+digestOf(t, plan)+`", "approvals": [{"by": "E9999"}]}`), 0o644)
		}, `"E9999": not an active person of the HR feed`},
		{"forged plan with its digest recomputed", func(t *testing.T, dir, cfg, plan string) {
			p, err := readPlanFile(plan)
			if err != nil {
				t.Fatal(err)
			}
			p.Actions = p.Actions[:1]
			p.Actions[0].Account = "u1001"
			if err := p.Seal(time.Now()); err != nil {
				t.Fatal(err)
			}
			data, _ := p.Encode()
			os.WriteFile(plan, data, 0o644)
			if _, stderr, code := runCLI(t, "approve", plan, "--by", "E1002", "--config", cfg); code != 0 {
				t.Fatal(stderr)
			}
		}, "does not record the making of"},
		{"modified after approval", func(t *testing.T, dir, cfg, plan string) {
			runCLI(t, "approve", plan, "--by", "E1002", "--config", cfg)
			replaceIn(t, plan, `"account": "u1020"`, `"account": "u1001"`)
		}, "the plan was modified after it was written"},
		{"re-planned after approval", func(t *testing.T, dir, cfg, plan string) {
			runCLI(t, "approve", plan, "--by", "E1002", "--config", cfg)
			runCLI(t, "plan", "--config", cfg, "--as-of", "2026-11-25", "--out", plan, "--by", "E1001")
		}, "the plan was modified after it was approved"},
		{"stale", func(t *testing.T, dir, cfg, plan string) {
			runCLI(t, "approve", plan, "--by", "E1002", "--config", cfg)
			appendTo(t, filepath.Join(dir, "takuso-grants.csv"), "takuso,u1046,editor,request,2026-11-01,\n")
		}, "the plan is stale: takuso changed"},
		{"over the mass-revocation threshold", func(t *testing.T, dir, cfg, plan string) {
			runCLI(t, "approve", plan, "--by", "E1002", "--config", cfg)
			appendTo(t, cfg, "apply:\n  mass_revocation: {min: 5, fraction: 0.01}\n")
		}, "removes 11 rights or accounts, over the mass-revocation threshold of 5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir, cfg, plan := planned(t)
			tt.prepare(t, dir, cfg, plan)
			_, stderr, code := runApply(t, cfg, plan)
			if code != 5 || !strings.Contains(stderr, tt.want) || strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
				t.Fatalf("exit %d, stderr %q; want 5 and one line saying %q", code, stderr, tt.want)
			}
			if exists(filepath.Join(dir, "p.journal.jsonl")) || exists(filepath.Join(dir, "p.workorders")) {
				t.Error("a refused apply changed something")
			}
			if data, _ := os.ReadFile(filepath.Join(dir, "audit.jsonl")); !strings.Contains(string(data), `"event":"refusal"`) {
				t.Error("the refusal is not in the audit log")
			}
		})
	}
}

func digestOf(t *testing.T, plan string) string {
	t.Helper()
	p, err := readPlanFile(plan)
	if err != nil {
		t.Fatal(err)
	}
	return p.Digest
}

// TestApproveKnowsWhoIsWho: approve compares ids in one normal form, so the
// author cannot approve their own plan under another spelling of their id;
// approvers are active people of the HR feed whom apply.approvers names.
func TestApproveKnowsWhoIsWho(t *testing.T) {
	_, cfg, plan := planned(t)
	for by, want := range map[string]string{
		"e1001":       "the author of a plan cannot approve it",
		"E1001 ":      "the author of a plan cannot approve it",
		"Ｅ１００１":       "the author of a plan cannot approve it",
		"E1001\u200b": "control or format characters",
		"E1030":       "not an active person of the HR feed", // left on 2026-10-31
		"E9999":       "not an active person of the HR feed",
	} {
		if _, stderr, code := runCLI(t, "approve", plan, "--by", by, "--config", cfg); code != 1 || !strings.Contains(stderr, want) {
			t.Errorf("approve --by %q: exit %d %s; want %q", by, code, stderr, want)
		}
	}
	// A plan's author given with --by is a person of the HR feed, by the
	// one spelling of their id.
	other := filepath.Join(filepath.Dir(plan), "p2.json")
	if _, stderr, code := runCLI(t, "plan", "--config", cfg, "--as-of", "2026-11-24", "--out", other, "--by", "e1001 "); code != 0 || readPlan(t, other)["created_by"] != "E1001" {
		t.Errorf("plan --by 'e1001 ': exit %d %s, created_by %v", code, stderr, readPlan(t, other)["created_by"])
	}
	if _, stderr, code := runCLI(t, "plan", "--config", cfg, "--as-of", "2026-11-24", "--out", other, "--by", "E9999"); code != 1 || !strings.Contains(stderr, "--by: \"E9999\": not an active person") {
		t.Errorf("plan --by a stranger: exit %d %s", code, stderr)
	}
	appendTo(t, cfg, "apply:\n  approvers: {ids: [E1003]}\n")
	if _, stderr, code := runCLI(t, "approve", plan, "--by", "E1002", "--config", cfg); code != 1 || !strings.Contains(stderr, "not among apply.approvers") {
		t.Errorf("an approver the config does not name: exit %d %s", code, stderr)
	}
	if stdout, stderr, code := runCLI(t, "approve", plan, "--by", "e1003", "--config", cfg); code != 0 || !strings.Contains(stdout, "by E1003, unsigned") {
		t.Errorf("a named approver in lower case: exit %d %s%s", code, stdout, stderr)
	}
}

// TestApplyResumesAndDoesEachActionOnce: work orders for the manual systems,
// a re-run that repeats nothing, the administrators' confirmation, and an
// audit log whose chain holds.
func TestApplyResumesAndDoesEachActionOnce(t *testing.T) {
	dir, cfg, plan := planned(t)
	if _, stderr, code := runCLI(t, "approve", plan, "--by", "E1002", "--config", cfg); code != 0 {
		t.Fatal(stderr)
	}
	stdout, stderr, code := runApply(t, cfg, plan, "--dry-run")
	if code != 0 || !strings.Contains(stdout, "dry run, nothing changed: 11 actions") || exists(filepath.Join(dir, "p.journal.jsonl")) {
		t.Fatalf("dry run: exit %d %s %s", code, stdout, stderr)
	}
	stdout, stderr, code = runApply(t, cfg, plan)
	if code != 0 || !strings.Contains(stdout, "11 awaiting confirmation") {
		t.Fatalf("apply: exit %d %s %s", code, stdout, stderr)
	}
	journal := filepath.Join(dir, "p.journal.jsonl")
	before, _ := os.ReadFile(journal)
	if n := strings.Count(string(before), "\n"); n != 22 {
		t.Errorf("journal has %d lines, want 22 (started and awaiting, per action)", n)
	}
	// Interrupted right after starting an action: the re-run finishes it once.
	os.WriteFile(journal, append(before, []byte(`{"action":"A0001","state":"started","at":"x"}`+"\n")...), 0o644)
	if _, stderr, code := runApply(t, cfg, plan); code != 0 {
		t.Fatal(stderr)
	}
	after, _ := os.ReadFile(journal)
	if got := strings.Count(string(after), `"action":"A0001"`); got != 5 {
		t.Errorf("A0001 journal lines: %d, want 5 (started, awaiting, started; started, awaiting)", got)
	}
	if got := strings.Count(string(after), "\n"); got != 25 {
		t.Errorf("the re-run repeated actions: %d journal lines, want 25", got)
	}
	wo, err := os.ReadFile(filepath.Join(dir, "p.workorders", "takuso.csv"))
	if err != nil || !strings.Contains(string(wo), "A0009,revoke,takuso,u1020,viewer,E1020") {
		t.Fatalf("takuso work order: %v\n%s", err, wo)
	}
	done := filepath.Join(dir, "done.csv")
	today := graph.DateOf(time.Now()).String()
	// A row confirms only the action it describes, done by an active person
	// between the plan's making and today; anything else refuses the file.
	for _, tt := range []struct{ row, want string }{
		{"A0009,revoke,takuso,u1021,E1042," + today, "done.csv:2: column account (4): A0009 is about account u1020 in the plan, not \"u1021\""},
		{"A0009,disable_account,takuso,u1020,E1042," + today, "done.csv:2: column op (2): A0009 is revoke in the plan"},
		{"A0009,revoke,portal,u1020,E1042," + today, "done.csv:2: column system (3): A0009 is on takuso in the plan"},
		{"A0009,revoke,takuso,u1020,E1030," + today, "done.csv:2: column done_by (5): E1030 (小川 千尋): not an active person of the HR feed"},
		{"A0009,revoke,takuso,u1020,小川," + today, "done.csv:2: column done_by (5): \"小川\": not an active person of the HR feed"},
		{"A0009,revoke,takuso,u1020,E1042,2026-11-25", "done.csv:2: column done_at (6): 2026-11-25 is outside the time the action could be done"},
		{"A0009,revoke,takuso,u1020,E1042,2099-01-01", "done.csv:2: column done_at (6): 2099-01-01 is outside the time the action could be done"},
	} {
		os.WriteFile(done, []byte("action_id,op,system,account,done_by,done_at\n"+tt.row+"\n"), 0o644)
		if _, stderr, code := runApply(t, cfg, plan, "--confirm-manual", done); code != 1 || !strings.Contains(stderr, tt.want) {
			t.Errorf("confirming %s: exit %d, want %q in %s", tt.row, code, tt.want, stderr)
		}
	}
	os.WriteFile(done, []byte("action_id 措置ID,op 措置,system システム,account アカウント,done_by 実施者,done_at 実施日時\nA0009,revoke,takuso,u1020,E1042,"+today+"\nA0010,revoke,takuso,u1021,,\n"), 0o644)
	stdout, stderr, code = runApply(t, cfg, plan, "--confirm-manual", done)
	if code != 0 || !strings.Contains(stdout, "1 action(s) confirmed done: [A0009]") {
		t.Fatalf("confirm: exit %d %s %s", code, stdout, stderr)
	}
	stdout, _, _ = runApply(t, cfg, plan)
	if !strings.Contains(stdout, "11 actions: 1 done, 10 awaiting confirmation") {
		t.Errorf("after confirmation: %s", stdout)
	}
	wo, _ = os.ReadFile(filepath.Join(dir, "p.workorders", "takuso.csv"))
	if strings.Contains(string(wo), "A0009") {
		t.Error("a confirmed action is still on the work order")
	}
	os.WriteFile(done, []byte("action_id,op,system,account,done_by,done_at\nA9999,revoke,takuso,u1020,E1042,"+today+"\n"), 0o644)
	if _, stderr, code := runApply(t, cfg, plan, "--confirm-manual", done); code != 1 || !strings.Contains(stderr, "done.csv:2: column action_id (1): \"A9999\" is not an action") {
		t.Errorf("unknown action confirmed: exit %d %s", code, stderr)
	}

	audit := filepath.Join(dir, "audit.jsonl")
	if stdout, stderr, code := runCLI(t, "audit", "verify", audit); code != 0 || !strings.Contains(stdout, "chain intact") {
		t.Fatalf("audit verify: %s %s", stdout, stderr)
	}
	data, _ := os.ReadFile(audit)
	lines := strings.SplitAfter(string(data), "\n")
	lines[4] = strings.Replace(lines[4], `"E1099"`, `"E1098"`, 1)
	os.WriteFile(audit, []byte(strings.Join(lines, "")), 0o644)
	if _, stderr, code := runCLI(t, "audit", "verify", audit); code != 1 || !strings.Contains(stderr, "audit.jsonl:5: broken") {
		t.Errorf("a changed audit line: exit %d %s", code, stderr)
	}
}

func TestApplyWithDriftSkipsWhatNoLongerHolds(t *testing.T) {
	dir, cfg, plan := planned(t)
	runCLI(t, "approve", plan, "--by", "E1002", "--config", cfg)
	// u1020's right was removed by hand meanwhile.
	replaceIn(t, filepath.Join(dir, "takuso-grants.csv"), "takuso,u1020,viewer,request,2025-06-01,\n", "")
	stdout, stderr, code := runApply(t, cfg, plan, "--allow-drift", "--verbose")
	if code != 0 || !strings.Contains(stdout, "A0009 revoke           takuso/u1020/viewer              skipped the right is already gone") || !strings.Contains(stdout, "10 awaiting confirmation, 0 waiting for their date, 1 skipped") {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
}

func TestApplyLeavesFutureActionsWaiting(t *testing.T) {
	dir := demoDir(t)
	cfg := filepath.Join(dir, "accessrecon.yaml")
	plan := filepath.Join(dir, "reset.json")
	runCLI(t, "reset", "plan", "--config", cfg, "--year", "2027", "--out", plan, "--by", "E1001")
	runCLI(t, "approve", plan, "--by", "E1002", "--config", cfg)
	if _, stderr, code := runApply(t, cfg, plan); code != 5 || !strings.Contains(stderr, "over the mass-revocation threshold") {
		t.Fatalf("29 revocations: exit %d %s", code, stderr)
	}
	if _, stderr, code := runApply(t, cfg, plan, "--allow-mass-revocation"); code != 5 {
		t.Fatalf("--allow-mass-revocation without --reason: exit %d %s", code, stderr)
	}
	stdout, stderr, code := runApply(t, cfg, plan, "--allow-mass-revocation", "--reason", "February reset 2027")
	if code != 0 || !strings.Contains(stdout, "29 actions: 0 done, 0 awaiting confirmation, 29 waiting for their date") {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
}

func TestEmptySourceFailsClosed(t *testing.T) {
	dir := demoDir(t)
	cfg := filepath.Join(dir, "accessrecon.yaml")
	out := filepath.Join(dir, "p.json")
	if _, stderr, code := runCLI(t, "plan", "--config", cfg, "--as-of", "2026-11-24", "--out", out); code != 0 {
		t.Fatal(stderr)
	}
	os.WriteFile(filepath.Join(dir, "portal-accounts.csv"), []byte("system,account_id,owner,kind,status\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "portal-grants.csv"), []byte("system,account_id,entitlement,origin,granted_at,expires_at\n"), 0o644)
	// Shrink saiene by a third too.
	replaceIn(t, filepath.Join(dir, "saiene-accounts.csv"), "saiene-kaitori,r1002,E1002,personal,active,,,2018-04-02,\nsaiene-kaitori,r1013,E1013,personal,active,,,,\nsaiene-kaitori,r1014,E1014,personal,active,,,,\nsaiene-kaitori,r1036,E1036,personal,active,,2025-04-10,,\nsaiene-kaitori,r1034,E1034,personal,active,,,,\n", "")
	replaceIn(t, filepath.Join(dir, "saiene-grants.csv"), "saiene-kaitori,r1002,operator,role,2024-04-01,\nsaiene-kaitori,r1013,operator,role,2024-04-01,\nsaiene-kaitori,r1014,operator,role,2024-04-01,\nsaiene-kaitori,r1036,operator,role,2024-04-01,\nsaiene-kaitori,r1034,viewer,role,2024-04-01,\n", "")
	// And the database of saiene-ctl (a sql source) by three of its seven.
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "saiene-ctl.db"))
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range []string{"DELETE FROM user_roles WHERE login IN ('c1002', 'c1013', 'c1009')", "DELETE FROM users WHERE login IN ('c1002', 'c1013', 'c1009')"} {
		if _, err := db.Exec(st); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	if _, stderr, code := runCLI(t, "plan", "--config", cfg, "--as-of", "2026-11-24", "--out", out); code != 0 {
		t.Fatal(stderr)
	}
	p := readPlan(t, out)
	for _, a := range actionsOf(t, p) {
		if a["system"] == "portal" || strings.HasPrefix(a["system"].(string), "saiene") {
			t.Errorf("an action on a failed source: %v", a)
		}
	}
	msgs := ""
	for _, f := range p["findings"].([]any) {
		if m := f.(map[string]any); m["rule"] == "source.sanity" {
			msgs += m["message"].(string) + "\n"
		}
	}
	if !strings.Contains(msgs, "source portal returned no accounts") || !strings.Contains(msgs, "source saiene returned 1 accounts, 6 at the last plan") ||
		!strings.Contains(msgs, "source saiene-ctl returned 4 accounts, 7 at the last plan") {
		t.Errorf("source.sanity findings:\n%s", msgs)
	}
	// Shown with a title and what it is about, in Japanese too.
	shown, _, _ := runCLI(t, "show", out, "--lang", "ja")
	if !strings.Contains(shown, "取得元の件数異常（削除を保留）") || !strings.Contains(shown, "source portal") {
		t.Errorf("the source.sanity finding as shown:\n%s", shown)
	}
	if _, _, code := runCLI(t, "plan", "--config", cfg, "--as-of", "2026-11-24", "--out", out, "--allow-source-shrink", "saiene-ctl"); code != 0 {
		t.Fatal("plan with --allow-source-shrink failed")
	}
	found := false
	for _, a := range actionsOf(t, readPlan(t, out)) {
		found = found || a["system"] == "saiene-ctl"
	}
	if !found {
		t.Error("--allow-source-shrink saiene-ctl did not plan saiene-ctl's revocations")
	}
}

// sshKey writes an OpenSSH ed25519 key pair for an approver and returns the
// private key's path and the allowed_signers line.
func sshKey(t *testing.T, dir, id string) (string, string) {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	block, err := ssh.MarshalPrivateKey(priv, id)
	if err != nil {
		t.Fatal(err)
	}
	key := filepath.Join(dir, id+".key")
	if err := os.WriteFile(key, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	sp, _ := ssh.NewPublicKey(pub)
	return key, id + " " + strings.TrimSpace(string(ssh.MarshalAuthorizedKey(sp)))
}

// TestSignedApprovals: with apply.allowed_signers, an approval counts only
// with a signature of the plan's digest by a key allowed for its approver.
func TestSignedApprovals(t *testing.T) {
	dir, cfg, plan := planned(t)
	key2, line2 := sshKey(t, dir, "E1002")
	key3, _ := sshKey(t, dir, "E1003") // not in allowed_signers
	os.WriteFile(filepath.Join(dir, "allowed_signers"), []byte("# approvers of accessrecon plans\n"+line2+"\n"), 0o644)
	appendTo(t, cfg, "apply:\n  allowed_signers: allowed_signers\n")

	if _, stderr, code := runCLI(t, "approve", plan, "--by", "E1002", "--config", cfg); code != 1 || !strings.Contains(stderr, "is not signed") {
		t.Errorf("an unsigned approval: exit %d %s", code, stderr)
	}
	if _, stderr, code := runCLI(t, "approve", plan, "--by", "E1003", "--key", key3, "--config", cfg); code != 1 || !strings.Contains(stderr, "is not allowed for E1003") {
		t.Errorf("a key allowed_signers does not list: exit %d %s", code, stderr)
	}
	if _, stderr, code := runCLI(t, "approve", plan, "--by", "E1002", "--key", key3, "--config", cfg); code != 1 || !strings.Contains(stderr, "is not allowed for E1002") {
		t.Errorf("another person's key: exit %d %s", code, stderr)
	}
	if stdout, stderr, code := runCLI(t, "approve", plan, "--by", "E1002", "--key", key2, "--config", cfg); code != 0 || !strings.Contains(stdout, "signed") {
		t.Fatalf("a signed approval: exit %d %s%s", code, stdout, stderr)
	}
	approvals := filepath.Join(dir, "p.approvals.json")
	signed, _ := os.ReadFile(approvals)
	// The same signature under another name does not count.
	os.WriteFile(approvals, bytes.Replace(signed, []byte(`"by": "E1002"`), []byte(`"by": "E1003"`), 1), 0o644)
	if _, stderr, code := runApply(t, cfg, plan); code != 5 || !strings.Contains(stderr, "is not allowed for E1003") {
		t.Errorf("a signature moved to another approver: exit %d %s", code, stderr)
	}
	os.WriteFile(approvals, signed, 0o644)
	if stdout, stderr, code := runApply(t, cfg, plan); code != 0 {
		t.Errorf("apply of a plan with a signed approval: exit %d %s%s", code, stdout, stderr)
	}
}

// TestShrunkHRFeedFailsClosed: an HR export that lost a third of its rows
// makes everyone missing look like an orphan owner; the plan removes nothing
// and says why, until the shrink is confirmed.
func TestShrunkHRFeedFailsClosed(t *testing.T) {
	dir := demoDir(t)
	cfg := filepath.Join(dir, "accessrecon.yaml")
	out := filepath.Join(dir, "p.json")
	if _, stderr, code := runCLI(t, "plan", "--config", cfg, "--as-of", "2026-11-24", "--out", out); code != 0 {
		t.Fatal(stderr)
	}
	people := filepath.Join(dir, "people.csv")
	data, _ := os.ReadFile(people)
	lines := strings.SplitAfter(string(data), "\n")
	os.WriteFile(people, []byte(strings.Join(lines[:len(lines)*2/3], "")), 0o644)
	// Transfers of people no longer in the feed are not the point here.
	os.WriteFile(filepath.Join(dir, "transfers.csv"), []byte("event_id,employee_id,from_unit,to_unit,effective_date,pledge_date\n"), 0o644)
	if _, stderr, code := runCLI(t, "plan", "--config", cfg, "--as-of", "2026-11-24", "--out", out); code != 0 {
		t.Fatal(stderr)
	}
	p := readPlan(t, out)
	for _, a := range actionsOf(t, p) {
		if a["op"] != "grant" {
			t.Errorf("a removal planned from a shrunk HR feed: %v", a)
		}
	}
	msgs := ""
	for _, f := range p["findings"].([]any) {
		if m := f.(map[string]any); m["rule"] == "source.sanity" {
			msgs += m["message"].(string)
		}
	}
	if !strings.Contains(msgs, "the HR feed has 33 people, 50 at the last plan") || !strings.Contains(msgs, "--allow-source-shrink hr") {
		t.Errorf("source.sanity findings: %s", msgs)
	}
	if _, stderr, code := runCLI(t, "plan", "--config", cfg, "--as-of", "2026-11-24", "--out", out, "--allow-source-shrink", "hr"); code != 0 {
		t.Fatal(stderr)
	}
	if len(actionsOf(t, readPlan(t, out))) == 0 {
		t.Error("--allow-source-shrink hr did not plan the removals")
	}
}

// TestApprovalsAreProvenNotClaimed: without apply.allowed_signers, an
// approval counts only when accessrecon recorded it in the audit log. A
// hand-written approvals file naming a real approver, an approval whose time
// was moved back, and a hand-edited plan with a plan event and an approval
// appended to the log by hand (rechained, the checkpoint left as it was)
// are refused; accessrecon then adds nothing to the log it did not write.
func TestApprovalsAreProvenNotClaimed(t *testing.T) {
	dir, cfg, plan := planned(t)
	approvals := filepath.Join(dir, "p.approvals.json")
	os.WriteFile(approvals, []byte(`{"plan_digest": "`+digestOf(t, plan)+`", "approvals": [{"by": "E1002", "at": "`+time.Now().In(graph.Tokyo).Format(time.RFC3339)+`"}]}`), 0o644)
	if _, stderr, code := runApply(t, cfg, plan, "--dry-run"); code != 5 || !strings.Contains(stderr, "the approval by E1002 is not in the audit log") {
		t.Fatalf("a hand-written approval: exit %d %s", code, stderr)
	}
	os.Remove(approvals)
	if _, stderr, code := runCLI(t, "approve", plan, "--by", "E1002", "--config", cfg); code != 0 {
		t.Fatal(stderr)
	}
	if _, stderr, code := runApply(t, cfg, plan, "--dry-run"); code != 0 {
		t.Fatalf("an approval accessrecon recorded: exit %d %s", code, stderr)
	}
	// Backdated in the file.
	data, _ := os.ReadFile(approvals)
	var a map[string]any
	json.Unmarshal(data, &a)
	a["approvals"].([]any)[0].(map[string]any)["at"] = "2026-11-01T09:00:00+09:00"
	data, _ = json.Marshal(a)
	os.WriteFile(approvals, data, 0o644)
	if _, stderr, code := runApply(t, cfg, plan, "--dry-run"); code != 5 || !strings.Contains(stderr, "says 2026-11-01T09:00:00+09:00, but accessrecon recorded it at") {
		t.Errorf("a backdated approval: exit %d %s", code, stderr)
	}

	// A hand-edited plan (one action dropped), its plan event and an
	// approval appended to the log by hand.
	p, err := readPlanFile(plan)
	if err != nil {
		t.Fatal(err)
	}
	p.Actions = p.Actions[1:]
	if p.Digest, err = p.ComputeDigest(); err != nil {
		t.Fatal(err)
	}
	forged := filepath.Join(dir, "forged.json")
	out, _ := p.Encode()
	os.WriteFile(forged, out, 0o644)
	log := filepath.Join(dir, "audit.jsonl")
	now := time.Now()
	for _, e := range []audit.Event{{Event: audit.Plan, By: "E1001", Plan: p.Digest}, {Event: audit.Approval, By: "E1002", Plan: p.Digest}} {
		if err := audit.Append(log, e, now); err != nil {
			t.Fatal(err)
		}
	}
	os.WriteFile(filepath.Join(dir, "forged.approvals.json"), []byte(`{"plan_digest": "`+p.Digest+`", "approvals": [{"by": "E1002", "at": "`+now.In(graph.Tokyo).Format(time.RFC3339)+`"}]}`), 0o644)
	if _, stderr, code := runApply(t, cfg, forged, "--dry-run"); code != 5 || !strings.Contains(stderr, "does not record the making of") {
		t.Errorf("a forged plan event: exit %d %s", code, stderr)
	}
	if stdout, stderr, code := runCLI(t, "audit", "verify", "--config", cfg); code != 0 || !strings.Contains(stdout, "are covered by no checkpoint") {
		t.Errorf("audit verify with two lines appended by hand: exit %d %s%s", code, stdout, stderr)
	}
	// The next event accessrecon would write would cover the forged lines
	// with a new checkpoint: it refuses to write instead.
	before, _ := os.ReadFile(log)
	_, stderr, code := runCLI(t, "plan", "--config", cfg, "--as-of", "2026-11-24", "--out", filepath.Join(dir, "p2.json"), "--by", "E1001")
	if code != 1 || !strings.Contains(stderr, "something other than accessrecon wrote it") {
		t.Errorf("planning over a log with lines appended by hand: exit %d %s", code, stderr)
	}
	if after, _ := os.ReadFile(log); !bytes.Equal(before, after) {
		t.Error("accessrecon added to a log it did not write all of")
	}
	// Looked at and accepted with a reason: accessrecon writes again, and
	// the accepted lines still prove nothing.
	stdout, stderr, code := runCLI(t, "audit", "accept", "--config", cfg, "--by", "E1003", "--reason", "test: two lines written by hand")
	if code != 0 || !strings.Contains(stdout, "accepted") {
		t.Fatalf("audit accept: exit %d %s%s", code, stdout, stderr)
	}
	if _, stderr, code := runCLI(t, "plan", "--config", cfg, "--as-of", "2026-11-24", "--out", filepath.Join(dir, "p2.json"), "--by", "E1001"); code != 0 {
		t.Errorf("planning after the accept: exit %d %s", code, stderr)
	}
	if _, stderr, code := runApply(t, cfg, forged, "--dry-run"); code != 5 || !strings.Contains(stderr, "does not record the making of") {
		t.Errorf("the forged plan after the accept: exit %d %s", code, stderr)
	}
}
