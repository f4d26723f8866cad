package reconcile

import (
	"errors"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"

	"github.com/accessrecon/accessrecon/config"
	"github.com/accessrecon/accessrecon/i18n"
	"github.com/accessrecon/accessrecon/reconcile/audit"
	"github.com/accessrecon/accessrecon/reconcile/inputs"
)

// CheckOutput refuses an output file (--out) that would replace what
// accessrecon reads or keeps: the config, an input the plan was made from,
// the audit log, a checkpoint, the review store, the HR history; or that is
// not a regular file (a FIFO, a device: written over, /dev/null would
// become a file). A file that does not exist yet is fine. A symbolic link
// is judged by what it points to.
func CheckOutput(cfg *config.Config, in *inputs.Inputs, out string) error {
	if out == "" {
		return nil
	}
	fi, err := os.Stat(out)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return i18n.Errorf("--out %s: %w", out, err)
	}
	if !fi.Mode().IsRegular() {
		what := i18n.M("a folder")
		switch {
		case fi.Mode()&fs.ModeNamedPipe != 0:
			what = i18n.M("a named pipe")
		case fi.Mode()&fs.ModeDevice != 0:
			what = i18n.M("a device")
		case fi.Mode()&fs.ModeSocket != 0:
			what = i18n.M("a socket")
		case !fi.IsDir():
			what = i18n.M("not a regular file")
		}
		return i18n.Errorf("--out %s is %s: accessrecon writes its output to a regular file; choose another", out, what)
	}
	for _, p := range protected(cfg, in) {
		if st, err := os.Stat(p.path); err == nil && os.SameFile(st, fi) {
			return i18n.Errorf("--out %s is %s (%s): it would be replaced; choose another file", out, i18n.M(p.what), p.path)
		}
	}
	return nil
}

type protectedFile struct{ path, what string }

// protected are the files an output may not replace.
func protected(cfg *config.Config, in *inputs.Inputs) []protectedFile {
	if cfg == nil || !cfg.OnDisk() {
		return nil
	}
	out := []protectedFile{{cfg.Path, "the config"}}
	if in != nil {
		for _, k := range slices.Sorted(maps.Keys(in.Digests)) {
			out = append(out, protectedFile{cfg.Resolve(k), "an input of the plan"})
		}
	}
	if p := audit.LogPath(cfg); p != "" {
		out = append(out, protectedFile{p, "the audit log"})
	}
	for _, p := range audit.CheckpointPaths(cfg) {
		out = append(out, protectedFile{p, "an audit checkpoint"})
	}
	if cfg.Review.Store != "" {
		st := cfg.Resolve(cfg.Review.Store)
		out = append(out, protectedFile{st, "the review store"}, protectedFile{st + "-wal", "the review store"}, protectedFile{st + "-shm", "the review store"})
	}
	if cfg.HR.History != "" {
		out = append(out, protectedFile{cfg.Resolve(cfg.HR.History), "the HR history"})
	}
	for _, pattern := range cfg.AccessLogs {
		names, _ := filepath.Glob(cfg.Resolve(pattern))
		for _, n := range names {
			out = append(out, protectedFile{n, "an access log"})
		}
	}
	return out
}
