package audit

import (
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/accessrecon/accessrecon/config"
	"github.com/accessrecon/accessrecon/i18n"
)

// auditMu serialises this process's appends to audit logs (serve plans
// transfers on many goroutines).
var auditMu sync.Mutex

// LogPath is the config's audit log file, or "" when it has none on disk
// (the demo, or a log kept in PostgreSQL).
func LogPath(cfg *config.Config) string {
	if cfg == nil || !cfg.OnDisk() || cfg.Store.Postgres() {
		return ""
	}
	return cfg.Resolve(cfg.AuditLog)
}

// Record appends an event to the config's audit log, if it has one.
func Record(cfg *config.Config, e Event, now time.Time) error {
	if cfg != nil && cfg.Store.Postgres() {
		_, err := pgAppend(cfg, e, now.In(time.Local), checkedHead(cfg))
		return err
	}
	path := LogPath(cfg)
	if path == "" {
		return nil
	}
	auditMu.Lock()
	defer auditMu.Unlock()
	return AppendChecked(path, e, now.In(time.Local), func(h Head) error {
		// Only accessrecon appends: the log must end where its checkpoint
		// says, or a line added by hand (a forged plan or approval,
		// rechained) would be covered by the next checkpoint.
		cps := CheckpointPaths(cfg)
		if len(cps) == 0 {
			return nil
		}
		c, err := ReadCheckpoint(cps[0])
		if err != nil || c == nil {
			return err
		}
		if c.Lines != h.Lines || c.Hash != h.Hash {
			return i18n.Errorf("audit log %s: it has %d lines where its checkpoint %s records %d: something other than accessrecon wrote it (run accessrecon audit verify); nothing is added to it", path, h.Lines, cps[0], c.Lines)
		}
		return nil
	}, func(h Head) error {
		return writeCheckpoints(cfg, h, now)
	})
}

// FileDigests are the SHA-256 of the named files of a folder, for an event
// that records what was written ("sha256:…" by name).
func FileDigests(dir string, names []string) (map[string]string, error) {
	files := map[string]string{}
	for _, n := range names {
		content, err := os.ReadFile(filepath.Join(dir, n))
		if err != nil {
			return nil, err
		}
		files[n] = sum(content)
	}
	return files, nil
}
