// Package signing signs and verifies with SSH keys in the SSHSIG format that
// `ssh-keygen -Y sign` writes and `ssh-keygen -Y verify` reads, against an
// OpenSSH allowed_signers file whose principals are employee ids. Approvals
// of plans and checkpoints of the audit log are signed with it.
package signing

import (
	"bufio"
	"bytes"
	"errors"
	"os"
	"path"
	"strings"
	"time"

	"github.com/accessrecon/accessrecon/i18n"
	"github.com/hiddeco/sshsig"
	"golang.org/x/crypto/ssh"
)

// Namespace is the SSHSIG namespace of every accessrecon signature: a
// signature made for another purpose (git commits, files) never counts.
const Namespace = "accessrecon"

// PassphraseEnv names the environment variable that holds the passphrase of
// an encrypted private key.
const PassphraseEnv = "ACCESSRECON_KEY_PASSPHRASE"

// LoadSigner reads an OpenSSH private key file (encrypted keys take their
// passphrase from ACCESSRECON_KEY_PASSPHRASE). Nothing of the key appears in
// errors.
func LoadSigner(keyFile string) (ssh.Signer, error) {
	data, err := os.ReadFile(keyFile)
	if err != nil {
		return nil, i18n.Errorf("--key %s: %w", keyFile, errors.Unwrap(err))
	}
	signer, err := ssh.ParsePrivateKey(data)
	var missing *ssh.PassphraseMissingError
	if errors.As(err, &missing) {
		pass := os.Getenv(PassphraseEnv)
		if pass == "" {
			return nil, i18n.Errorf("--key %s: the key is encrypted: set %s to its passphrase", keyFile, PassphraseEnv)
		}
		signer, err = ssh.ParsePrivateKeyWithPassphrase(data, []byte(pass))
	}
	if err != nil {
		return nil, i18n.Errorf("--key %s: not an OpenSSH private key the signer can use: %v", keyFile, err)
	}
	return signer, nil
}

// Sign signs message and returns the armored signature (-----BEGIN SSH
// SIGNATURE-----), as `ssh-keygen -Y sign -n accessrecon` does.
func Sign(message []byte, signer ssh.Signer) (string, error) {
	sig, err := sshsig.Sign(bytes.NewReader(message), signer, sshsig.HashSHA512, Namespace)
	if err != nil {
		return "", i18n.Errorf("sign: %w", err)
	}
	return string(sshsig.Armor(sig)), nil
}

// Signer is one line of an allowed_signers file.
type Signer struct {
	Principals []string // patterns, as OpenSSH matches them (* and ?)
	Key        ssh.PublicKey
	Namespaces []string // empty: any
	After      time.Time
	Before     time.Time
	Line       int
}

// AllowedSigners is an OpenSSH allowed_signers file.
type AllowedSigners struct {
	Path    string
	Signers []Signer
}

// ReadAllowedSigners reads an allowed_signers file: per line, principals
// (comma-separated), options (namespaces="...", valid-after=,
// valid-before=) and a public key. cert-authority is refused: approvals are
// made with plain keys.
func ReadAllowedSigners(file string) (*AllowedSigners, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, i18n.Errorf("allowed signers %s: %w", file, errors.Unwrap(err))
	}
	defer f.Close()
	as := &AllowedSigners{Path: file}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		principals, rest, ok := strings.Cut(line, " ")
		if !ok {
			return nil, i18n.Errorf("%s:%d: expected principals and a public key", file, n)
		}
		key, _, options, _, err := ssh.ParseAuthorizedKey([]byte(strings.TrimSpace(rest)))
		if err != nil {
			return nil, i18n.Errorf("%s:%d: expected a public key after the principals: %v", file, n, err)
		}
		s := Signer{Principals: strings.Split(principals, ","), Key: key, Line: n}
		for _, o := range options {
			name, value, _ := strings.Cut(o, "=")
			value = strings.Trim(value, `"`)
			switch strings.ToLower(name) {
			case "namespaces":
				s.Namespaces = strings.Split(value, ",")
			case "valid-after":
				if s.After, err = parseValidity(value); err != nil {
					return nil, i18n.Errorf("%s:%d: valid-after: %v", file, n, err)
				}
			case "valid-before":
				if s.Before, err = parseValidity(value); err != nil {
					return nil, i18n.Errorf("%s:%d: valid-before: %v", file, n, err)
				}
			case "cert-authority":
				return nil, i18n.Errorf("%s:%d: cert-authority is not supported: list each approver's own key", file, n)
			default:
				return nil, i18n.Errorf("%s:%d: unknown option %q", file, n, name)
			}
		}
		as.Signers = append(as.Signers, s)
	}
	if err := sc.Err(); err != nil {
		return nil, i18n.Errorf("%s: %w", file, err)
	}
	return as, nil
}

// parseValidity reads OpenSSH's YYYYMMDD[HHMM[SS]][Z] times.
func parseValidity(v string) (time.Time, error) {
	loc := time.Local
	if strings.HasSuffix(v, "Z") {
		v, loc = strings.TrimSuffix(v, "Z"), time.UTC
	}
	for _, layout := range []string{"20060102150405", "200601021504", "20060102"} {
		if len(v) == len(layout) {
			return time.ParseInLocation(layout, v, loc)
		}
	}
	return time.Time{}, i18n.Errorf("expected YYYYMMDD[HHMM[SS]][Z], got %q", v)
}

func (s Signer) matches(principal string, at time.Time) bool {
	if !s.After.IsZero() && at.Before(s.After) || !s.Before.IsZero() && !at.Before(s.Before) {
		return false
	}
	if len(s.Namespaces) > 0 && !matchAny(s.Namespaces, Namespace) {
		return false
	}
	return matchAny(s.Principals, principal)
}

func matchAny(patterns []string, s string) bool {
	for _, p := range patterns {
		if neg, ok := strings.CutPrefix(p, "!"); ok {
			if m, _ := path.Match(neg, s); m {
				return false
			}
			continue
		}
		if m, _ := path.Match(p, s); m {
			return true
		}
	}
	return false
}

// Verify checks that armored is an accessrecon signature of message by a key
// the file allows for principal at time at, as `ssh-keygen -Y verify -I
// principal -n accessrecon` would.
func (as *AllowedSigners) Verify(message []byte, armored, principal string, at time.Time) error {
	sig, err := sshsig.Unarmor([]byte(armored))
	if err != nil {
		return i18n.Errorf("not an SSH signature: %v", err)
	}
	if sig.Namespace != Namespace {
		return i18n.Errorf("signed for %q, not %q", sig.Namespace, Namespace)
	}
	keyOK := false
	for _, s := range as.Signers {
		if s.matches(principal, at) && bytes.Equal(s.Key.Marshal(), sig.PublicKey.Marshal()) {
			keyOK = true
			break
		}
	}
	if !keyOK {
		return i18n.Errorf("the key %s is not allowed for %s in %s", ssh.FingerprintSHA256(sig.PublicKey), principal, as.Path)
	}
	if err := sshsig.Verify(bytes.NewReader(message), sig, sig.PublicKey, sig.HashAlgorithm, Namespace); err != nil {
		return i18n.Errorf("the signature does not verify: %v", err)
	}
	return nil
}
