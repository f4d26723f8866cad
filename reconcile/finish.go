package reconcile

import (
	"sync"
	"time"

	"github.com/accessrecon/accessrecon/config"
	"github.com/accessrecon/accessrecon/graph"
	"github.com/accessrecon/accessrecon/reconcile/atomicfile"
	"github.com/accessrecon/accessrecon/reconcile/audit"
	"github.com/accessrecon/accessrecon/reconcile/inputs"
)

// StateFile keeps, beside the config, what the last plan saw of each source.
const StateFile = ".accessrecon-state.json"

// FinishOptions say who made a plan, when, and where it goes.
type FinishOptions struct {
	By  string
	Now time.Time
	// Out is the file the plan is written to (for the audit log).
	Out string
	// AllowShrink names sources whose removals are planned even though
	// they came back empty or shrank (plan --allow-source-shrink).
	AllowShrink []string
}

// Finish makes a plan ready for anyone to see, whatever made it (plan,
// transfer plan, serve's transfers, the reset, certification): it adds the
// people's names and the author, drops the removals on sources that failed
// their sanity check (reconcile and transfer plans: a source that returned
// no accounts or shrank too much since the last plan, see UnsafeSources),
// seals the plan and records it in the audit log. Once the plan is written,
// call remember: it keeps the sources' counts for the next plan.
func Finish(in *inputs.Inputs, p *Plan, o FinishOptions) (remember func() error, err error) {
	snap := in.Graph.Snapshot()
	counted := make(chan map[string]int, 1) // accounts by source, and the inventory, meanwhile
	go func() {
		p.AddInventory(snap)
		counted <- CountAccounts(snap)
	}()
	p.AddNames(snap)
	p.CreatedBy = o.By
	counts := <-counted
	remember = func() error { return nil }
	cfg := in.Config
	if cfg != nil && (p.Kind == KindReconcile || p.Kind == KindTransfer) {
		last := &SourceState{Sources: map[string]SourceCount{}}
		path := cfg.Resolve(StateFile)
		if cfg.OnDisk() {
			if last, err = ReadSourceState(path); err != nil {
				return nil, err
			}
		}
		names := []string{HRFeed}
		for _, src := range cfg.Sources {
			names = append(names, src.Name)
		}
		counts[HRFeed] = snap.Count(graph.TablePeople)
		if in.HRHistory != nil {
			counts[HRFeed] -= len(in.HRHistory.Departed) // the export's people, not the leavers kept
		}
		unsafe, ja := UnsafeSources(names, counts, last, cfg.Apply.SourceShrink, o.AllowShrink)
		p.FailClosed(snap, unsafe, ja)
		if cfg.OnDisk() {
			remember = func() error {
				stateMu.Lock()
				defer stateMu.Unlock()
				last.Remember(counts, unsafe, time.Now())
				if err := last.Write(path); err != nil {
					return err
				}
				if _, failed := unsafe[HRFeed]; in.HRHistory != nil && !failed {
					// The next snapshot is compared with this one, only
					// once a plan made from it is recorded.
					data, err := in.HRHistory.Next.Encode()
					if err != nil {
						return err
					}
					return atomicfile.WriteFileAtomic(cfg.Resolve(cfg.HR.History), data)
				}
				return nil
			}
		}
	}
	// The plan is content only (equal inputs give an equal plan and digest,
	// apart from generated_at): where the audit log stood when it was made
	// goes with its audit event, not into the file.
	data := map[string]any{
		"kind": p.Kind, "as_of": p.AsOf, "out": o.Out, "actions": len(p.Actions), "findings": len(p.Findings),
		"systems": p.Systems(), // who may be told of it (notify)
	}
	// What the dashboard draws, so that it need not read a year of plans:
	// findings and actions by severity and by rule, and the inventory.
	bySeverity, byRule := map[string]any{}, map[string]any{}
	count := func(m map[string]any, k string) {
		n, _ := m[k].(int)
		m[k] = n + 1
	}
	for _, f := range p.Findings {
		count(bySeverity, f.Severity)
		count(byRule, f.Rule)
	}
	for _, a := range p.Actions {
		count(bySeverity, a.Severity)
		for _, r := range a.Rules {
			count(byRule, r)
		}
	}
	data["by_severity"], data["by_rule"] = bySeverity, byRule
	if len(p.Inventory) > 0 {
		inv := make([]any, len(p.Inventory))
		for i, r := range p.Inventory {
			inv[i] = map[string]any{"system": r.System, "company": r.Company, "people": r.People}
		}
		data["inventory"] = inv
	}
	if paths := audit.CheckpointPaths(cfg); len(paths) > 0 {
		c, err := audit.ReadCheckpoint(paths[0])
		if err != nil {
			return nil, err
		}
		if c != nil {
			data["audit_head"] = map[string]any{"lines": c.Lines, "hash": c.Hash} // a map, as the log reads it back
		}
	}
	if err := p.Seal(o.Now); err != nil {
		return nil, err
	}
	if err := audit.Record(cfg, audit.Event{Event: audit.Plan, By: p.CreatedBy, Plan: p.Digest, Data: data}, o.Now); err != nil {
		return nil, err
	}
	return remember, nil
}

// stateMu serialises this process's writes of the state file.
var stateMu sync.Mutex

// Recorded reports whether the config's audit log records the creation of
// the plan with this digest, in a line its checkpoints cover (a plan written
// by hand, whatever its digest, is not; nor a plan event appended to the
// log by hand and rechained); the log must verify. Without an audit log on
// disk (the demo) it reports true.
func Recorded(cfg *config.Config, digest string) (bool, error) {
	ev, err := audit.Evidence(cfg, digest)
	if err != nil || ev == nil {
		return err == nil, err
	}
	return ev.Made, nil
}
