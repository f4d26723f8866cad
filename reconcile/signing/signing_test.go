package signing

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// sshKeygen is the real ssh-keygen; with CI=true its absence fails the test.
func sshKeygen(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("ssh-keygen")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("ssh-keygen is missing (apt-get install openssh-client)")
		}
		t.Skip("ssh-keygen is missing")
	}
	return p
}

func run(t *testing.T, stdin string, name string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// TestInteroperatesWithSSHKeygen: what Sign writes, `ssh-keygen -Y verify`
// accepts for the principal of the allowed_signers file; what `ssh-keygen
// -Y sign` writes, Verify accepts; and neither accepts another principal,
// namespace or message.
func TestInteroperatesWithSSHKeygen(t *testing.T) {
	keygen := sshKeygen(t)
	dir := t.TempDir()
	key := filepath.Join(dir, "id_ed25519")
	if out, err := run(t, "", keygen, "-q", "-t", "ed25519", "-N", "", "-C", "E1002", "-f", key); err != nil {
		t.Fatal(out, err)
	}
	pub, _ := os.ReadFile(key + ".pub")
	allowed := filepath.Join(dir, "allowed_signers")
	os.WriteFile(allowed, []byte("# approvers\nE1002 namespaces=\"accessrecon\" "+string(pub)+"E1003,E1004 "+string(pub)), 0o644)
	digest := "sha256:85b9f392aa0c3b4c8a8b0e0a6c1b8e1c2d3f4a5b6c7d8e9f00112233445566778"

	signer, err := LoadSigner(key)
	if err != nil {
		t.Fatal(err)
	}
	sig, err := Sign([]byte(digest), signer)
	if err != nil {
		t.Fatal(err)
	}
	sigFile := filepath.Join(dir, "approval.sig")
	os.WriteFile(sigFile, []byte(sig), 0o644)
	if out, err := run(t, digest, keygen, "-Y", "verify", "-f", allowed, "-I", "E1002", "-n", Namespace, "-s", sigFile); err != nil {
		t.Errorf("ssh-keygen does not verify our signature: %v\n%s", err, out)
	}
	if _, err := run(t, digest, keygen, "-Y", "verify", "-f", allowed, "-I", "E9999", "-n", Namespace, "-s", sigFile); err == nil {
		t.Error("ssh-keygen verifies our signature for a principal the file does not name")
	}

	msg := filepath.Join(dir, "digest")
	os.WriteFile(msg, []byte(digest), 0o644)
	if out, err := run(t, "", keygen, "-Y", "sign", "-f", key, "-n", Namespace, msg); err != nil {
		t.Fatal(out, err)
	}
	theirs, _ := os.ReadFile(msg + ".sig")
	as, err := ReadAllowedSigners(allowed)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	if err := as.Verify([]byte(digest), string(theirs), "E1002", now); err != nil {
		t.Errorf("ssh-keygen's signature: %v", err)
	}
	if err := as.Verify([]byte(digest), sig, "E1004", now); err != nil {
		t.Errorf("a second principal of the same key: %v", err)
	}
	for name, check := range map[string]func() error{
		"another principal": func() error { return as.Verify([]byte(digest), sig, "E1001", now) },
		"another message":   func() error { return as.Verify([]byte(digest+"0"), sig, "E1002", now) },
		"not a signature":   func() error { return as.Verify([]byte(digest), "E1002 approved", "E1002", now) },
	} {
		if err := check(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	os.Remove(msg + ".sig")
	if out, err := run(t, "", keygen, "-Y", "sign", "-f", key, "-n", "git", msg); err != nil {
		t.Fatal(out, err)
	}
	gitSig, _ := os.ReadFile(msg + ".sig")
	if err := as.Verify([]byte(digest), string(gitSig), "E1002", now); err == nil || !strings.Contains(err.Error(), `"git"`) {
		t.Errorf("a signature for namespace git: %v", err)
	}
}

func TestAllowedSignersErrorsNameTheLine(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "allowed_signers")
	os.WriteFile(f, []byte("# ok\n\nE1002 ssh-ed25519 notbase64\n"), 0o644)
	if _, err := ReadAllowedSigners(f); err == nil || !strings.Contains(err.Error(), "allowed_signers:3:") {
		t.Errorf("%v", err)
	}
}
