// Package evidence is the use case of the evidence an auditor or the
// regulator asks for: a pack of everything accessrecon recorded in a period
// (plans with their approvals, journals and work orders, campaigns,
// resets, log checks, mail), the audit log and its checkpoints, an index
// mapping each item to the controls it evidences, in Japanese and English,
// and a manifest of SHA-256s signed with the audit key; and its offline
// verification.
package evidence

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"html"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/accessrecon/accessrecon/config"
	"github.com/accessrecon/accessrecon/graph"
	"github.com/accessrecon/accessrecon/i18n"
	"github.com/accessrecon/accessrecon/reconcile/atomicfile"
	"github.com/accessrecon/accessrecon/reconcile/audit"
	"github.com/accessrecon/accessrecon/reconcile/signing"
)

// The files of a pack besides the evidence itself.
const (
	Manifest  = "manifest.txt"     // "SHA256  path" lines, as sha256sum writes them
	Signature = "manifest.txt.sig" // an SSHSIG of the manifest (namespace accessrecon) by the audit key
	IndexMD   = "index.md"
	IndexHTML = "index.html"
)

// Control is what an item evidences, in Japanese and English.
type Control struct{ JA, EN string }

var (
	transfers  = Control{"人事異動の際の管理", "controls at personnel transfers"}
	identities = Control{"ID・パスワードの管理", "management of IDs and passwords"}
	logs       = Control{"アクセスログの解析", "analysis of access logs"}
	reviews    = Control{"定期的な権限棚卸", "periodic review of access rights"}
	jsox       = Control{"J-SOX アクセス管理", "J-SOX IT general controls: access"}
	iso515     = Control{"ISO 27001 A.5.15 アクセス制御", "ISO 27001 A.5.15 access control"}
	iso516     = Control{"ISO 27001 A.5.16 識別情報の管理", "ISO 27001 A.5.16 identity management"}
	iso517     = Control{"ISO 27001 A.5.17 認証情報", "ISO 27001 A.5.17 authentication information"}
	iso518     = Control{"ISO 27001 A.5.18 アクセス権", "ISO 27001 A.5.18 access rights"}
	trail      = Control{"監査証跡", "audit trail"}
	notices    = Control{"関係者への通知", "notice to the people concerned"}
)

// ControlsOf are the controls an audit event evidences.
func ControlsOf(e audit.Event) []Control {
	switch e.Event {
	case audit.Plan:
		switch e.Data["kind"] {
		case "transfer":
			return []Control{transfers, iso518}
		case "february_reset", "certification":
			return []Control{reviews, iso518, jsox}
		}
		return []Control{identities, jsox, iso516, iso518}
	case audit.Approval, audit.Rejection, audit.Refusal, audit.MassRevocationAllowed:
		return []Control{jsox, iso515}
	case audit.Action, audit.Apply, audit.Interrupted:
		return []Control{jsox, iso518}
	case audit.LogsCheck:
		return []Control{logs, iso515}
	case audit.TransferForbidden:
		return []Control{transfers, iso515}
	case audit.ResetWorksheets, audit.CampaignOpened, audit.CampaignClosed, audit.ReviewDecision, audit.ReviewDelegation, audit.ReviewStageEnded:
		return []Control{reviews, iso518}
	case audit.SignIn, audit.SignInRefused:
		return []Control{identities, iso517}
	case audit.MailSent, audit.MailRefused:
		return []Control{notices}
	}
	return []Control{trail}
}

// Item is one audit event of the period with the files it names.
type Item struct {
	Seq      int
	At       string // in Japan time
	Event    string
	By       string
	Controls []Control
	Files    []string // in the pack
	Missing  []string // named by the event, not found
}

// Pack is what was packed.
type Pack struct {
	Dir    string
	Items  []Item
	Files  int
	Signed bool
}

// Build writes the pack of the audit events from one day to another (in
// Japan time, both included) into out, which must not exist: the files are
// written into a folder beside it and moved there at the end, so a failed
// pack leaves nothing. A period whose audit log does not verify is refused.
func Build(cfg *config.Config, from, to graph.Date, out string, now time.Time) (*Pack, error) {
	if !audit.Keeps(cfg) {
		return nil, i18n.Errorf("evidence: the config keeps no audit log on disk")
	}
	ctx := context.Background()
	if _, err := audit.VerifyConfig(ctx, cfg, "en"); err != nil {
		return nil, i18n.Errorf("evidence: the audit log does not verify, so no pack is made: %w", err)
	}
	if _, err := os.Lstat(out); err == nil {
		return nil, i18n.Errorf("evidence: %s exists already; choose a new --out", out)
	}
	zipped := strings.EqualFold(filepath.Ext(out), ".zip")
	tmp, err := os.MkdirTemp(filepath.Dir(filepath.Clean(out)), ".evidence-*")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp) // after the rename, nothing is left to remove
	p := &Pack{Dir: out}
	f, path, err := audit.Open(ctx, cfg)
	if err != nil {
		return nil, err
	}
	var events []audit.Event
	_, err = audit.Each(f, path, func(e audit.Event) {
		at, err := time.Parse(time.RFC3339Nano, e.At)
		if err != nil {
			return
		}
		if d := graph.DateOf(at); d >= from && d <= to {
			events = append(events, e)
		}
	})
	f.Close()
	if err != nil {
		return nil, err
	}
	planFiles := map[string]string{} // plan digest → its file, from the plan event
	for _, e := range events {
		item := Item{Seq: e.Seq, Event: e.Event, By: e.By, Controls: ControlsOf(e), At: e.At}
		if at, err := time.Parse(time.RFC3339Nano, e.At); err == nil {
			item.At = at.In(graph.Tokyo).Format("2006-01-02 15:04:05")
		}
		var names []string
		for _, k := range []string{"out", "path", "dir"} {
			if v, ok := e.Data[k].(string); ok && v != "" {
				names = append(names, v)
			}
		}
		if e.Event == audit.Plan && e.Plan != "" && len(names) > 0 {
			planFiles[e.Plan] = names[0]
		}
		if e.Plan != "" && e.Event != audit.Plan {
			if pf := planFiles[e.Plan]; pf != "" && !slices.Contains(names, pf) {
				names = append(names, pf)
			}
		}
		copied := map[string]bool{}
		for _, name := range names {
			for _, src := range withSidecars(name) {
				found := locate(cfg, src)
				if found == "" {
					if src == name {
						item.Missing = append(item.Missing, name)
					}
					continue
				}
				if abs, _ := filepath.Abs(found); copied[abs] {
					continue // named twice (out and path)
				} else {
					copied[abs] = true
				}
				rel := filepath.ToSlash(filepath.Join("files", strconv.Itoa(e.Seq), atomicfile.SafeFileName(filepath.Base(found))))
				if err := copyTree(found, filepath.Join(tmp, rel)); err != nil {
					return nil, err
				}
				item.Files = append(item.Files, rel)
			}
		}
		p.Items = append(p.Items, item)
	}
	// The whole log and its checkpoints: the chain verifies from its first
	// line, and the checkpoints say where it ended.
	if cfg.Store.Postgres() {
		// The log of PostgreSQL as the file log's lines, and its checkpoint.
		if err := exportLog(ctx, cfg, filepath.Join(tmp, "audit")); err != nil {
			return nil, err
		}
	} else if err := copyTree(path, filepath.Join(tmp, "audit", "audit.jsonl")); err != nil {
		return nil, err
	}
	for i, cp := range audit.CheckpointPaths(cfg) {
		if _, err := os.Stat(cp); err == nil {
			if err := copyTree(cp, filepath.Join(tmp, "audit", fmt.Sprintf("checkpoint-%d.json", i+1))); err != nil {
				return nil, err
			}
		}
	}
	if err := writeIndex(tmp, p, from, to, now); err != nil {
		return nil, err
	}
	manifest, n, err := manifestOf(tmp)
	if err != nil {
		return nil, err
	}
	p.Files = n
	if err := os.WriteFile(filepath.Join(tmp, Manifest), manifest, 0o644); err != nil {
		return nil, err
	}
	if cfg.AuditKey != "" {
		signer, err := signing.LoadSigner(cfg.Resolve(cfg.AuditKey))
		if err != nil {
			return nil, i18n.Errorf("evidence: audit_key: %w", err)
		}
		sig, err := signing.Sign(manifest, signer)
		if err != nil {
			return nil, err
		}
		if err := os.WriteFile(filepath.Join(tmp, Signature), []byte(sig), 0o644); err != nil {
			return nil, err
		}
		p.Signed = true
	}
	if zipped {
		if err := atomicfile.WriteFileAtomicWith(out, func(w io.Writer) error { return zipDir(w, tmp) }); err != nil {
			return nil, err
		}
		return p, nil
	}
	if err := os.Rename(tmp, out); err != nil {
		return nil, err
	}
	return p, nil
}

// exportLog writes the config's audit log from PostgreSQL into dir as
// audit.jsonl, and its checkpoint as checkpoint-1.json.
func exportLog(ctx context.Context, cfg *config.Config, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := os.Create(filepath.Join(dir, "audit.jsonl"))
	if err != nil {
		return err
	}
	_, cp, err := audit.Export(ctx, cfg, f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if cp != nil {
		return atomicfile.WriteJSONFile(filepath.Join(dir, "checkpoint-1.json"), cp)
	}
	return nil
}

// zipDir writes the folder's files into a zip archive, by their paths in it.
func zipDir(w io.Writer, dir string) error {
	zw := zip.NewWriter(w)
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		f, err := zw.Create(filepath.ToSlash(rel))
		if err != nil {
			return err
		}
		in, err := os.Open(p)
		if err != nil {
			return err
		}
		defer in.Close()
		_, err = io.Copy(f, in)
		return err
	})
	if err != nil {
		return err
	}
	return zw.Close()
}

// The most a pack's zip archive may unpack to, and hold, when verified: an
// archive that explodes is refused before it fills the disk.
const (
	maxUnzipped = 4 << 30
	maxEntries  = 1_000_000
)

// unzip unpacks a pack's archive into a new temporary folder, refusing
// paths that leave it, links, and more than maxUnzipped bytes.
func unzip(name string) (string, error) {
	zr, err := zip.OpenReader(name)
	if err != nil {
		return "", i18n.Errorf("evidence: %s: %w", name, err)
	}
	defer zr.Close()
	if len(zr.File) > maxEntries {
		return "", i18n.Errorf("evidence: %s holds %d files, more than a pack may", name, len(zr.File))
	}
	dir, err := os.MkdirTemp("", "evidence-verify-*")
	if err != nil {
		return "", err
	}
	var total int64
	for _, f := range zr.File {
		clean := filepath.FromSlash(f.Name)
		if !filepath.IsLocal(clean) || !f.Mode().IsRegular() {
			os.RemoveAll(dir)
			return "", i18n.Errorf("evidence: %s: %q is not a file inside the pack", name, f.Name)
		}
		rc, err := f.Open()
		if err != nil {
			os.RemoveAll(dir)
			return "", err
		}
		target := filepath.Join(dir, clean)
		os.MkdirAll(filepath.Dir(target), 0o755)
		out, err := os.OpenFile(target, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if err != nil {
			rc.Close()
			os.RemoveAll(dir)
			return "", err
		}
		n, err := io.Copy(out, io.LimitReader(rc, maxUnzipped-total+1))
		rc.Close()
		out.Close()
		total += n
		if err == nil && total > maxUnzipped {
			err = i18n.Errorf("evidence: %s unpacks to more than %d GiB, more than a pack may", name, maxUnzipped>>30)
		}
		if err != nil {
			os.RemoveAll(dir)
			return "", err
		}
	}
	return dir, nil
}

// withSidecars is a plan file and the files apply keeps beside it.
func withSidecars(name string) []string {
	if !strings.HasSuffix(name, ".json") {
		return []string{name}
	}
	base := strings.TrimSuffix(name, ".json")
	return []string{name, base + ".approvals.json", base + ".journal.jsonl", base + ".workorders"}
}

// locate is a file an event names: as written (from where the command
// ran), or beside the config; "" when neither exists.
func locate(cfg *config.Config, name string) string {
	for _, p := range []string{name, cfg.Resolve(name)} {
		if fi, err := os.Lstat(p); err == nil && (fi.Mode().IsRegular() || fi.IsDir()) {
			return p
		}
	}
	return ""
}

// copyTree copies a regular file, or a folder's regular files, to dst.
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		if !d.Type().IsRegular() {
			return nil // links and devices are not evidence
		}
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			return err
		}
		in, err := os.Open(p)
		if err != nil {
			return err
		}
		defer in.Close()
		outf, err := os.OpenFile(target, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if err != nil {
			return err
		}
		if _, err := io.Copy(outf, in); err != nil {
			outf.Close()
			return err
		}
		return outf.Close()
	})
}

// manifestOf is the SHA-256 of every file of the pack, sorted by path, as
// sha256sum writes them, and how many there are.
func manifestOf(dir string) ([]byte, int, error) {
	var lines []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		if rel == Manifest || rel == Signature {
			return nil
		}
		sum, err := fileSum(p)
		if err != nil {
			return err
		}
		lines = append(lines, sum+"  "+rel)
		return nil
	})
	slices.SortFunc(lines, func(a, b string) int { return strings.Compare(a[66:], b[66:]) })
	return []byte(strings.Join(lines, "\n") + "\n"), len(lines), err
}

func fileSum(p string) (string, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// writeIndex writes the index, in Markdown and HTML, Japanese then English.
func writeIndex(dir string, p *Pack, from, to graph.Date, now time.Time) error {
	var md, h bytes.Buffer
	fmt.Fprintf(&md, "# 証跡パック / Evidence pack %s – %s\n\n作成 / made: %s (JST)\n\n", from, to, now.In(graph.Tokyo).Format("2006-01-02 15:04"))
	md.WriteString("検証: `sha256sum -c manifest.txt`、署名は `ssh-keygen -Y verify -f allowed_signers -I <audit_signer> -n accessrecon -s manifest.txt.sig < manifest.txt`。\nTo check: the same two commands.\n\n")
	md.WriteString("| # | 日時 (JST) / at | 事象 / event | 実施者 / by | 統制 / controls | ファイル / files |\n|---|---|---|---|---|---|\n")
	fmt.Fprintf(&h, "<!doctype html><html lang=\"ja\"><meta charset=\"utf-8\"><title>証跡パック %s – %s</title>\n<h1>証跡パック / Evidence pack %s – %s</h1>\n<table border=\"1\" cellpadding=\"4\"><tr><th>#</th><th>日時 (JST)</th><th>事象</th><th>実施者</th><th>統制 / controls</th><th>ファイル / files</th></tr>\n", from, to, from, to)
	for _, it := range p.Items {
		var cs, csH []string
		for _, c := range it.Controls {
			cs = append(cs, c.JA+" / "+c.EN)
			csH = append(csH, html.EscapeString(c.JA+" / "+c.EN))
		}
		files := append([]string{}, it.Files...)
		for _, m := range it.Missing {
			files = append(files, "（見つかりません / not found: "+m+"）")
		}
		esc := func(s string) string { return strings.NewReplacer("|", "\\|", "\n", " ").Replace(s) }
		fmt.Fprintf(&md, "| %d | %s | %s | %s | %s | %s |\n", it.Seq, it.At, esc(it.Event), esc(it.By), esc(strings.Join(cs, "; ")), esc(strings.Join(files, ", ")))
		var links []string
		for _, f := range it.Files {
			links = append(links, fmt.Sprintf("<a href=\"%s\">%s</a>", html.EscapeString(f), html.EscapeString(f)))
		}
		for _, m := range it.Missing {
			links = append(links, html.EscapeString("（見つかりません / not found: "+m+"）"))
		}
		fmt.Fprintf(&h, "<tr><td>%d</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>\n", it.Seq, html.EscapeString(it.At), html.EscapeString(it.Event), html.EscapeString(it.By), strings.Join(csH, "<br>"), strings.Join(links, "<br>"))
	}
	h.WriteString("</table></html>\n")
	if err := os.WriteFile(filepath.Join(dir, IndexMD), md.Bytes(), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, IndexHTML), h.Bytes(), 0o644)
}

// Report is what verifying a pack found.
type Report struct {
	Files    int
	Signed   bool // a signature was checked and is good
	Unsigned bool // the pack has no signature
}

// Verify checks a pack offline: every file the manifest lists has its
// SHA-256, no file is missing or added, and, when signers is given, the
// manifest's signature is the principal's.
func Verify(dir string, signers *signing.AllowedSigners, principal string) (Report, error) {
	var r Report
	if strings.EqualFold(filepath.Ext(dir), ".zip") {
		tmp, err := unzip(dir)
		if err != nil {
			return r, err
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	}
	manifest, err := os.ReadFile(filepath.Join(dir, Manifest))
	if err != nil {
		return r, i18n.Errorf("evidence: %s: %w", Manifest, err)
	}
	listed := map[string]bool{}
	var problems []error
	for i, line := range strings.Split(strings.TrimRight(string(manifest), "\n"), "\n") {
		sum, rel, ok := strings.Cut(line, "  ")
		if !ok || len(sum) != 64 || rel == "" || strings.Contains(rel, "..") || filepath.IsAbs(rel) {
			return r, i18n.Errorf("evidence: %s:%d: not a line of sha256sum", Manifest, i+1)
		}
		listed[rel] = true
		got, err := fileSum(filepath.Join(dir, filepath.FromSlash(rel)))
		switch {
		case errors.Is(err, fs.ErrNotExist):
			problems = append(problems, i18n.Errorf("%s: missing", rel))
		case err != nil:
			problems = append(problems, err)
		case got != sum:
			problems = append(problems, i18n.Errorf("%s: its SHA-256 is not the manifest's: changed", rel))
		}
		r.Files++
	}
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		if rel != Manifest && rel != Signature && !listed[rel] {
			problems = append(problems, i18n.Errorf("%s: not in the manifest: added", rel))
		}
		return nil
	})
	sig, err := os.ReadFile(filepath.Join(dir, Signature))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		r.Unsigned = true
	case err != nil:
		problems = append(problems, err)
	case signers != nil:
		if err := signers.Verify(manifest, string(sig), principal, time.Now()); err != nil {
			problems = append(problems, i18n.Errorf("%s: %w", Signature, err))
		} else {
			r.Signed = true
		}
	}
	return r, errors.Join(problems...)
}
