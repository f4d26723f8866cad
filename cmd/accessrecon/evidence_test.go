package main

import (
	"archive/zip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestTheEvidencePack: a year's plans and a campaign packed with the audit
// log, an index of the controls in Japanese and English, and a manifest
// signed with the audit key; checked offline by evidence verify and by
// sha256sum and ssh-keygen alone; a changed, added or removed file is
// found; a pack of a log that does not verify is refused.
func TestTheEvidencePack(t *testing.T) {
	dir, cfg, _ := planned(t)
	_, line := sshKey(t, dir, "audit-bot")
	os.WriteFile(filepath.Join(dir, "allowed_signers"), []byte(line+"\n"), 0o644)
	appendTo(t, cfg, "audit_key: audit-bot.key\naudit_signer: audit-bot\napply:\n  allowed_signers: allowed_signers\n")
	runCLI(t, "plan", "--config", cfg, "--as-of", "2026-11-24", "--out", filepath.Join(dir, "p2.json"), "--by", "E1001")
	if _, stderr, code := runCLI(t, "certify", "open", "--config", cfg, "--campaign", "Q4", "--out", filepath.Join(dir, "Q4"), "--as-of", "2026-11-24"); code != 0 {
		t.Fatal(stderr)
	}
	pack := filepath.Join(dir, "pack")
	stdout, stderr, code := runCLI(t, "evidence", "pack", "--config", cfg, "--from", "2026-01-01", "--to", "2027-12-31", "--out", pack, "--lang", "ja")
	if code != 0 || !strings.Contains(stdout, "署名付き") {
		t.Fatalf("evidence pack: exit %d\n%s%s", code, stdout, stderr)
	}
	index, _ := os.ReadFile(filepath.Join(pack, "index.html"))
	for _, want := range []string{"ID・パスワードの管理", "定期的な権限棚卸", "ISO 27001 A.5.18", "p2.json", "/Q4\""} {
		if !strings.Contains(string(index), want) {
			t.Errorf("the index lacks %q:\n%.3000s", want, index)
		}
	}
	if stdout, stderr, code := runCLI(t, "evidence", "verify", pack, "--config", cfg); code != 0 || !strings.Contains(stdout, "signature checked") {
		t.Fatalf("evidence verify: exit %d\n%s%s", code, stdout, stderr)
	}
	// Without accessrecon: sha256sum and ssh-keygen, as docs/evidence.md says.
	sum := exec.Command("sha256sum", "--quiet", "-c", "manifest.txt")
	sum.Dir = pack
	if out, err := sum.CombinedOutput(); err != nil {
		t.Errorf("sha256sum -c manifest.txt: %v\n%s", err, out)
	}
	manifest, _ := os.Open(filepath.Join(pack, "manifest.txt"))
	defer manifest.Close()
	verify := exec.Command("ssh-keygen", "-Y", "verify", "-f", filepath.Join(dir, "allowed_signers"), "-I", "audit-bot", "-n", "accessrecon", "-s", filepath.Join(pack, "manifest.txt.sig"))
	verify.Stdin = manifest
	if out, err := verify.CombinedOutput(); err != nil {
		t.Errorf("ssh-keygen -Y verify: %v\n%s", err, out)
	}
	// As a zip archive too; one whose paths leave it is refused.
	zipped := filepath.Join(dir, "pack.zip")
	if _, stderr, code := runCLI(t, "evidence", "pack", "--config", cfg, "--from", "2026-01-01", "--to", "2027-12-31", "--out", zipped); code != 0 {
		t.Fatal(stderr)
	}
	if stdout, stderr, code := runCLI(t, "evidence", "verify", zipped, "--config", cfg); code != 0 || !strings.Contains(stdout, "signature checked") {
		t.Errorf("evidence verify of the zip: exit %d\n%s%s", code, stdout, stderr)
	}
	evil := filepath.Join(dir, "evil.zip")
	zf, _ := os.Create(evil)
	zw := zip.NewWriter(zf)
	w, _ := zw.Create("../outside.txt")
	w.Write([]byte("x"))
	zw.Close()
	zf.Close()
	if _, stderr, code := runCLI(t, "evidence", "verify", evil, "--config", cfg); code == 0 || !strings.Contains(stderr, "is not a file inside the pack") || exists(filepath.Join(filepath.Dir(os.TempDir()), "outside.txt")) {
		t.Errorf("a zip leaving its folder: exit %d, %s", code, stderr)
	}
	// Tampering, each found.
	plans, _ := filepath.Glob(filepath.Join(pack, "files", "*", "p2.json"))
	if len(plans) != 1 {
		t.Fatalf("the pack's copies of p2.json: %v", plans)
	}
	os.WriteFile(plans[0], []byte("{}"), 0o644)
	os.WriteFile(filepath.Join(pack, "files", "extra.txt"), []byte("x"), 0o644)
	os.Remove(filepath.Join(pack, "audit", "checkpoint-1.json"))
	_, stderr, code = runCLI(t, "evidence", "verify", pack, "--config", cfg)
	for _, want := range []string{"p2.json: its SHA-256 is not the manifest's: changed", "files/extra.txt: not in the manifest: added", "audit/checkpoint-1.json: missing"} {
		if code == 0 || !strings.Contains(stderr, want) {
			t.Errorf("verify after tampering: exit %d, stderr lacks %q:\n%s", code, want, stderr)
		}
	}
	// A log that does not verify makes no pack.
	replaceIn(t, filepath.Join(dir, "audit.jsonl"), `"by":"E1001"`, `"by":"E1002"`)
	if _, stderr, code := runCLI(t, "evidence", "pack", "--config", cfg, "--from", "2026-01-01", "--to", "2027-12-31", "--out", filepath.Join(dir, "pack2")); code == 0 || !strings.Contains(stderr, "does not verify") || exists(filepath.Join(dir, "pack2")) {
		t.Errorf("a pack of a broken log: exit %d, %s", code, stderr)
	}
}
