package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/accessrecon/accessrecon/reconcile/audit"
)

// auditLines are the lines of an audit log.
func auditLines(t *testing.T, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.SplitAfter(strings.TrimSuffix(string(data), "\n"), "\n")
}

// rechain writes events again as a new, internally consistent log: what an
// attacker who can write the file, but not the checkpoint, can do.
func rechain(t *testing.T, path string, lines []string, edit func(*audit.Event)) {
	t.Helper()
	os.Remove(path)
	for i, l := range lines {
		var e audit.Event
		if err := json.Unmarshal([]byte(l), &e); err != nil {
			t.Fatal(err)
		}
		if i == 1 {
			edit(&e)
		}
		if err := audit.Append(path, e, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
}

// TestAuditLogIsAnchored: cutting the last lines of the audit log, or
// rewriting a line and recomputing the chain after it, passes the chain
// check but not the checkpoint; plans record the head they were made at.
func TestAuditLogIsAnchored(t *testing.T) {
	dir, cfg, plan := planned(t)
	if _, stderr, code := runCLI(t, "approve", plan, "--by", "E1002", "--config", cfg); code != 0 {
		t.Fatal(stderr)
	}
	if _, stderr, code := runApply(t, cfg, plan); code != 0 {
		t.Fatal(stderr)
	}
	log := filepath.Join(dir, "audit.jsonl")
	stdout, stderr, code := runCLI(t, "audit", "verify", "--config", cfg)
	if code != 0 || !strings.Contains(stdout, "chain intact; matches the checkpoint") {
		t.Fatalf("an intact log: exit %d %s%s", code, stdout, stderr)
	}
	// The second plan's audit event records where the log ended; the plan
	// file is the first's byte for byte but for generated_at (equal inputs,
	// equal plan and digest).
	second := filepath.Join(dir, "p2.json")
	runCLI(t, "plan", "--config", cfg, "--as-of", "2026-11-24", "--out", second, "--by", "E1001")
	lines := auditLines(t, log)
	var ev struct {
		Data struct {
			AuditHead struct{ Lines int } `json:"audit_head"`
		}
	}
	json.Unmarshal([]byte(lines[len(lines)-1]), &ev)
	if ev.Data.AuditHead.Lines != len(lines)-1 {
		t.Errorf("the plan event's audit_head %+v, want %d lines", ev.Data.AuditHead, len(lines)-1)
	}
	third := filepath.Join(dir, "p3.json")
	runCLI(t, "plan", "--config", cfg, "--as-of", "2026-11-24", "--out", third, "--by", "E1001")
	strip := func(name string) string {
		data, _ := os.ReadFile(name)
		return regexp.MustCompile(`"generated_at": "[^"]*"`).ReplaceAllString(string(data), "")
	}
	if a, b := strip(second), strip(third); a != b || !strings.Contains(a, `"digest"`) {
		t.Errorf("two plans of the same inputs differ beyond generated_at:\n%.600s\n---\n%.600s", a, b)
	}
	lines = auditLines(t, log)

	// However the log is named — the config's, its absolute path, a ../
	// path, a symbolic link — it is checked against its checkpoint.
	link := filepath.Join(t.TempDir(), "log-link.jsonl")
	if err := os.Symlink(log, link); err != nil {
		t.Fatal(err)
	}
	names := [][]string{{"--config", cfg}, {log}, {filepath.Join(dir, "..", filepath.Base(dir), "audit.jsonl")}, {link}, {"--config", cfg, link}}
	os.WriteFile(log, []byte(strings.Join(lines[:len(lines)-2], "")), 0o644)
	for _, args := range names {
		if _, stderr, code := runCLI(t, append([]string{"audit", "verify"}, args...)...); code != 1 || !strings.Contains(stderr, "2 lines are missing") {
			t.Errorf("a log cut by 2 lines, verified as %v: exit %d %s", args, code, stderr)
		}
	}

	rechain(t, log, lines, func(e *audit.Event) { e.By = "E1002" })
	for _, args := range names {
		if _, stderr, code := runCLI(t, append([]string{"audit", "verify"}, args...)...); code != 1 || !strings.Contains(stderr, "was rewritten and the chain recomputed") {
			t.Errorf("a rewritten, rechained log, verified as %v: exit %d %s", args, code, stderr)
		}
	}
	// A copy elsewhere, without its checkpoint, is only a chain.
	copied := filepath.Join(t.TempDir(), "audit.jsonl")
	data, _ := os.ReadFile(log)
	os.WriteFile(copied, data, 0o644)
	if stdout, stderr, code := runCLI(t, "audit", "verify", copied); code != 0 || !strings.Contains(stdout, "chain intact") {
		t.Errorf("a copy of the rechained log: exit %d %s%s", code, stdout, stderr)
	}
}

// TestSignedCheckpoints: with audit_key, every checkpoint is signed, and a
// checkpoint rewritten to match a rewritten log no longer verifies.
func TestSignedCheckpoints(t *testing.T) {
	dir, cfg, _ := planned(t)
	_, line := sshKey(t, dir, "audit-bot")
	os.WriteFile(filepath.Join(dir, "allowed_signers"), []byte(line+"\n"), 0o644)
	appendTo(t, cfg, "audit_key: audit-bot.key\naudit_signer: audit-bot\naudit_anchor: anchor/audit-head.json\napply:\n  allowed_signers: allowed_signers\n")
	os.Mkdir(filepath.Join(dir, "anchor"), 0o755)
	runCLI(t, "plan", "--config", cfg, "--as-of", "2026-11-24", "--out", filepath.Join(dir, "p2.json"), "--by", "E1001")
	stdout, stderr, code := runCLI(t, "audit", "verify", "--config", cfg)
	if code != 0 || strings.Count(stdout, ", signed") != 2 || !strings.Contains(stdout, "anchor/audit-head.json") {
		t.Fatalf("signed checkpoints: exit %d %s%s", code, stdout, stderr)
	}
	// Cut the last line and move the checkpoint back to the line before.
	log := filepath.Join(dir, "audit.jsonl")
	lines := auditLines(t, log)
	var last audit.Event
	json.Unmarshal([]byte(lines[len(lines)-1]), &last)
	cp := filepath.Join(dir, ".accessrecon-audit.json")
	data, _ := os.ReadFile(cp)
	var c map[string]any
	json.Unmarshal(data, &c)
	c["lines"], c["hash"] = c["lines"].(float64)-1, last.Prev
	data, _ = json.Marshal(c)
	os.WriteFile(cp, data, 0o644)
	os.WriteFile(log, []byte(strings.Join(lines[:len(lines)-1], "")), 0o644)
	os.RemoveAll(filepath.Join(dir, "anchor"))
	if _, stderr, code := runCLI(t, "audit", "verify", "--config", cfg); code != 1 || !strings.Contains(stderr, "signature does not verify") {
		t.Errorf("a checkpoint edited to match a cut log: exit %d %s", code, stderr)
	}
}
