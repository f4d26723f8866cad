package audit

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/accessrecon/accessrecon/config"
	"github.com/accessrecon/accessrecon/graph"
	"github.com/accessrecon/accessrecon/i18n"
	"github.com/accessrecon/accessrecon/reconcile/atomicfile"
	"github.com/accessrecon/accessrecon/reconcile/signing"
)

// CheckpointFile keeps, beside the config, the audit log's head as of its
// last append: a log cut short, or rewritten with its chain recomputed, no
// longer ends there.
const CheckpointFile = ".accessrecon-audit.json"

// Checkpoint is the head of an audit log at a moment, optionally signed.
type Checkpoint struct {
	Log   string `json:"log"`
	Lines int    `json:"lines"`
	Hash  string `json:"hash"`
	At    string `json:"at"`
	// Signature is an SSHSIG (namespace accessrecon) of Message() by the
	// config's audit_key.
	Signature string `json:"signature,omitempty"`
}

// Message is what a checkpoint's signature covers.
func (c Checkpoint) Message() []byte {
	return fmt.Appendf(nil, "accessrecon audit checkpoint %s %d %s %s", c.Log, c.Lines, c.Hash, c.At)
}

// CheckpointPaths are where the config keeps checkpoints: beside the config,
// and at audit_anchor when set.
func CheckpointPaths(cfg *config.Config) []string {
	if LogPath(cfg) == "" {
		return nil
	}
	paths := []string{cfg.Resolve(CheckpointFile)}
	if cfg.AuditAnchor != "" {
		paths = append(paths, cfg.Resolve(cfg.AuditAnchor))
	}
	return paths
}

// ReadCheckpoint reads a checkpoint file; a missing one is (nil, nil).
func ReadCheckpoint(path string) (*Checkpoint, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, i18n.Errorf("checkpoint %s: %w", path, err)
	}
	var c Checkpoint
	if err := json.Unmarshal(data, &c); err != nil {
		return nil, i18n.Errorf("checkpoint %s: %w", path, err)
	}
	return &c, nil
}

// writeCheckpoints keeps the new head in every checkpoint file, signed with
// audit_key when the config names one.
func writeCheckpoints(cfg *config.Config, h Head, now time.Time) error {
	c, err := newCheckpoint(cfg, filepath.Base(LogPath(cfg)), h, now)
	if err != nil {
		return err
	}
	for _, p := range CheckpointPaths(cfg) {
		if err := atomicfile.WriteJSONFile(p, c); err != nil {
			return i18n.Errorf("audit checkpoint: %w", err)
		}
	}
	return nil
}

// newCheckpoint is the checkpoint of the head h of the log named log, signed
// with audit_key when the config names one.
func newCheckpoint(cfg *config.Config, log string, h Head, now time.Time) (Checkpoint, error) {
	c := Checkpoint{Log: log, Lines: h.Lines, Hash: h.Hash, At: now.In(graph.Tokyo).Format(time.RFC3339Nano)}
	if cfg.AuditKey != "" {
		signer, err := signing.LoadSigner(cfg.Resolve(cfg.AuditKey))
		if err != nil {
			return c, i18n.Errorf("audit_key: %w", err)
		}
		if c.Signature, err = signing.Sign(c.Message(), signer); err != nil {
			return c, err
		}
	}
	return c, nil
}

// VerifyAudit checks the config's audit log (or the one at path): its chain,
// and that it still ends where every checkpoint says it ended, or goes on
// from there; a signed checkpoint must verify against apply.allowed_signers
// for audit_signer. It returns what it checked, for people to read.
func VerifyLog(cfg *config.Config, path, lang string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", i18n.Errorf("%s: %w", path, errors.Unwrap(err))
	}
	defer f.Close()
	var cps []*Checkpoint
	var cpPaths []string
	// The log is known by the file, not by how its name is spelt: the
	// config's log through an absolute path, ../ or a symbolic link is
	// checked against the config's checkpoints; a log with a checkpoint
	// beside it, against that one.
	var known []string
	fi, err := f.Stat()
	if err != nil {
		return "", i18n.Errorf("%s: %w", path, err)
	}
	if p := LogPath(cfg); p != "" {
		if st, err := os.Stat(p); err == nil && os.SameFile(st, fi) {
			known = append(known, CheckpointPaths(cfg)...)
		}
	}
	beside := filepath.Join(filepath.Dir(path), CheckpointFile)
	if real, err := filepath.EvalSymlinks(path); err == nil {
		beside = filepath.Join(filepath.Dir(real), CheckpointFile)
	}
	if !slices.ContainsFunc(known, func(k string) bool { return sameFile(k, beside) }) {
		known = append(known, beside)
	}
	for _, p := range known {
		c, err := ReadCheckpoint(p)
		if err != nil {
			return "", err
		}
		if c != nil {
			cps, cpPaths = append(cps, c), append(cpPaths, p)
		}
	}
	report, head, err := checkAgainst(cfg, f, path, cps, cpPaths, lang)
	if err != nil {
		return "", err
	}
	if len(cps) == 0 && LogPath(cfg) != "" && sameFile(path, LogPath(cfg)) && head.Lines > 0 {
		return "", i18n.Errorf("%s: no checkpoint (%s): the log cannot be told from a cut or rewritten one", path, cfg.Resolve(CheckpointFile))
	}
	return report, nil
}

// checkAgainst checks the chain of the log read from r, and that it ends
// where each checkpoint says or goes on from there.
func checkAgainst(cfg *config.Config, r io.Reader, path string, cps []*Checkpoint, cpPaths []string, lang string) (string, Head, error) {
	hashAt := map[int]string{} // line → its hash, for the checkpoints' lines
	for _, c := range cps {
		hashAt[c.Lines] = ""
	}
	head, err := Each(r, path, func(e Event) {
		if _, ok := hashAt[e.Seq-1]; ok {
			hashAt[e.Seq-1] = e.Prev
		}
	})
	if err != nil {
		return "", head, err
	}
	if _, ok := hashAt[head.Lines]; ok {
		hashAt[head.Lines] = head.Hash
	}
	report := i18n.Sprintf(lang, "%s: %d lines, chain intact", path, head.Lines)
	for i, c := range cps {
		switch {
		case head.Lines < c.Lines:
			return "", head, i18n.Errorf("%s: %d lines are missing: the checkpoint %s (%s) records %d lines, the log has %d", path, c.Lines-head.Lines, cpPaths[i], c.At, c.Lines, head.Lines)
		case hashAt[c.Lines] != c.Hash:
			return "", head, i18n.Errorf("%s:%d: does not match the checkpoint %s (%s): a line up to %d was rewritten and the chain recomputed", path, c.Lines, cpPaths[i], c.At, c.Lines)
		}
		if c.Signature != "" {
			if err := verifyCheckpoint(cfg, c); err != nil {
				return "", head, i18n.Errorf("checkpoint %s: %w", cpPaths[i], err)
			}
		}
		report += i18n.Sprintf(lang, "; matches the checkpoint %s of %s (%d lines)", cpPaths[i], c.At, c.Lines)
		if c.Signature != "" {
			report += i18n.T(lang, ", signed")
		}
	}
	if covered := minLines(cps); len(cps) > 0 && head.Lines > covered {
		report += i18n.Sprintf(lang, "; lines %d to %d are covered by no checkpoint: accessrecon stopped between a line and its checkpoint, or something else wrote them; accessrecon writes no more to the log until they are looked at and accepted (audit accept --reason)", covered+1, head.Lines)
	}
	return report, head, nil
}

func verifyCheckpoint(cfg *config.Config, c *Checkpoint) error {
	if cfg.Apply.AllowedSigners == "" || cfg.AuditSigner == "" {
		return errors.New("it is signed, but the config names no apply.allowed_signers and audit_signer to check it with")
	}
	as, err := signing.ReadAllowedSigners(cfg.Resolve(cfg.Apply.AllowedSigners))
	if err != nil {
		return err
	}
	at, err := time.Parse(time.RFC3339Nano, c.At)
	if err != nil {
		return i18n.Errorf("field at: %v", err)
	}
	return as.Verify(c.Message(), c.Signature, cfg.AuditSigner, at)
}

// sameFile says whether two paths name the same existing file.
func sameFile(a, b string) bool {
	sa, errA := os.Stat(a)
	sb, errB := os.Stat(b)
	return errA == nil && errB == nil && os.SameFile(sa, sb)
}

// minLines is the fewest lines a checkpoint records.
func minLines(cps []*Checkpoint) int {
	n := -1
	for _, c := range cps {
		if n < 0 || c.Lines < n {
			n = c.Lines
		}
	}
	return max(n, 0)
}
