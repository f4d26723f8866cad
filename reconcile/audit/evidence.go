package audit

import (
	"context"
	"errors"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/accessrecon/accessrecon/config"
	"github.com/accessrecon/accessrecon/i18n"
)

// PlanEvidence is what the audit log proves of a plan: lines accessrecon
// wrote itself, in a log whose chain holds and whose checkpoints match, and
// at or before the lines the checkpoints record (a line appended to the log
// by hand, rechained, is after them).
type PlanEvidence struct {
	// Made is whether accessrecon recorded the making of the plan.
	Made bool
	// Approved maps each approver (canonical id) to the time accessrecon
	// recorded their latest approval of the plan.
	Approved map[string]string
	// Covered is how many lines of the log the checkpoints cover.
	Covered int
}

// Evidence reads what the config's audit log proves of the plan with this
// digest; nil without an audit log on disk (the demo). The log must verify
// against its checkpoints.
func Evidence(cfg *config.Config, digest string) (*PlanEvidence, error) {
	if !Keeps(cfg) {
		return nil, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), pgTimeout)
	defer cancel()
	ev := &PlanEvidence{Approved: map[string]string{}}
	if !cfg.Store.Postgres() {
		if _, err := os.Stat(LogPath(cfg)); errors.Is(err, os.ErrNotExist) {
			return ev, nil
		}
	}
	if _, err := VerifyConfig(ctx, cfg, i18n.EN); err != nil {
		return nil, i18n.Errorf("audit log: %w", err)
	}
	cps, err := checkpointsOf(ctx, cfg)
	if err != nil {
		return nil, err
	}
	ev.Covered = -1
	for _, c := range cps {
		if ev.Covered < 0 || c.Lines < ev.Covered {
			ev.Covered = c.Lines
		}
	}
	f, path, err := Open(ctx, cfg)
	if err != nil {
		return nil, i18n.Errorf("audit log %s: %w", path, err)
	}
	defer f.Close()
	// Lines accepted uncovered (audit accept, later in the log) prove
	// nothing: they may be anyone's.
	var accepted [][2]int
	var found []Event
	_, err = Each(f, path, func(e Event) {
		if e.Event == AuditAccepted {
			from, _ := e.Data["from"].(float64)
			to, _ := e.Data["to"].(float64)
			accepted = append(accepted, [2]int{int(from), int(to)})
		}
		if e.Plan == digest && (ev.Covered < 0 || e.Seq <= ev.Covered) {
			found = append(found, e)
		}
	})
	for _, e := range found {
		if slices.ContainsFunc(accepted, func(r [2]int) bool { return e.Seq >= r[0] && e.Seq <= r[1] }) {
			continue
		}
		switch e.Event {
		case Plan:
			ev.Made = true
		case Approval:
			ev.Approved[e.By] = e.At
		}
	}
	return ev, err
}

// AcceptUncovered records, with who and why, that the lines of the audit
// log after its checkpoints (left by a crash between a line and its
// checkpoint, or written by something other than accessrecon) were looked
// at: the event names them and a new checkpoint covers them, so that
// accessrecon writes to the log again; plans and approvals in them prove
// nothing. It returns the lines accepted.
func AcceptUncovered(cfg *config.Config, by, reason string, now time.Time) (from, to int, err error) {
	if cfg.Store.Postgres() {
		if strings.TrimSpace(reason) == "" {
			return 0, 0, i18n.Errorf("audit accept: give the reason with --reason")
		}
		ctx, cancel := context.WithTimeout(context.Background(), pgTimeout)
		defer cancel()
		if _, err := VerifyConfig(ctx, cfg, i18n.EN); err != nil {
			return 0, 0, err
		}
		data := map[string]any{"reason": reason}
		_, err = pgAppend(cfg, Event{Event: AuditAccepted, By: by, Data: data}, now.In(time.Local), func(h Head, c *Checkpoint) error {
			covered := 0
			if c != nil {
				covered = c.Lines
			}
			if h.Lines <= covered {
				return i18n.Errorf("audit accept: every line of %s is covered by its checkpoint: nothing to accept", Name(cfg))
			}
			from, to = covered+1, h.Lines
			data["from"], data["to"] = from, to
			return nil
		})
		return from, to, err
	}
	path := LogPath(cfg)
	if path == "" {
		return 0, 0, i18n.Errorf("audit accept: the config has no audit log on disk")
	}
	if strings.TrimSpace(reason) == "" {
		return 0, 0, i18n.Errorf("audit accept: give the reason with --reason")
	}
	if _, err := VerifyLog(cfg, path, i18n.EN); err != nil {
		return 0, 0, err
	}
	cps := CheckpointPaths(cfg)
	if len(cps) == 0 {
		return 0, 0, i18n.Errorf("audit accept: the config has no audit log on disk")
	}
	c, err := ReadCheckpoint(cps[0])
	if err != nil {
		return 0, 0, err
	}
	covered := 0
	if c != nil {
		covered = c.Lines
	}
	auditMu.Lock()
	defer auditMu.Unlock()
	data := map[string]any{"reason": reason}
	err = AppendChecked(path, Event{Event: AuditAccepted, By: by, Data: data}, now.In(time.Local),
		func(h Head) error {
			if h.Lines <= covered {
				return i18n.Errorf("audit accept: every line of %s is covered by its checkpoint: nothing to accept", path)
			}
			from, to = covered+1, h.Lines
			data["from"], data["to"] = from, to
			return nil
		}, func(h Head) error { return writeCheckpoints(cfg, h, now) })
	return from, to, err
}
