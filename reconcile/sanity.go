package reconcile

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"time"

	"github.com/accessrecon/accessrecon/config"
	"github.com/accessrecon/accessrecon/graph"
	"github.com/accessrecon/accessrecon/i18n"
	"github.com/accessrecon/accessrecon/policy"
	"github.com/accessrecon/accessrecon/reconcile/atomicfile"
)

// RuleSourceSanity names the finding about a source whose pull looks wrong.
const RuleSourceSanity = "source.sanity"

// HRFeed is the name the HR feed goes by among the sources in the sanity
// check (the state file, --allow-source-shrink); no source may take it.
const HRFeed = "hr"

// SourceState is what the last successful plan saw of each source
// (.accessrecon-state.json beside the config).
type SourceState struct {
	Sources map[string]SourceCount `json:"sources"`
}

// SourceCount is how many accounts a source returned, and when.
type SourceCount struct {
	Accounts int    `json:"accounts"`
	At       string `json:"at"`
}

// ReadSourceState reads the state file; a missing file is an empty state.
func ReadSourceState(path string) (*SourceState, error) {
	st := &SourceState{Sources: map[string]SourceCount{}}
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return st, nil
	}
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(data, st); err != nil {
		return nil, i18n.Errorf("%s: %w", path, err)
	}
	if st.Sources == nil {
		st.Sources = map[string]SourceCount{}
	}
	return st, nil
}

// CountAccounts counts the accounts each source returned.
func CountAccounts(snap *graph.Snapshot) map[string]int {
	counts := map[string]int{}
	for _, sys := range snap.Systems() {
		for _, a := range snap.AccountsOf(sys.ID) {
			counts[a.Source]++
		}
	}
	return counts
}

// UnsafeSources are the sources that fail closed: one that returned no
// accounts, or fewer than (1-shrink) of what the last plan saw, unless
// allowed; why, in English and in Japanese, by source name.
func UnsafeSources(sources []string, counts map[string]int, last *SourceState, shrink float64, allowed []string) (unsafe, ja map[string]string) {
	unsafe, ja = map[string]string{}, map[string]string{}
	for _, name := range sources {
		if slices.Contains(allowed, name) {
			continue
		}
		n := counts[name]
		prev, seen := last.Sources[name]
		switch {
		case name == HRFeed && n == 0:
			unsafe[name] = "the HR feed has no people"
			ja[name] = "人事データに人がいません"
		case name == HRFeed && seen && float64(n) < (1-shrink)*float64(prev.Accounts):
			unsafe[name] = fmt.Sprintf("the HR feed has %d people, %d at the last plan (%s): it shrank by more than %.0f%%", n, prev.Accounts, prev.At, shrink*100)
			ja[name] = fmt.Sprintf("人事データは %d 人で、前回の計画時（%s）の %d 人から %.0f%% を超えて減りました", n, prev.At, prev.Accounts, shrink*100)
		case n == 0:
			unsafe[name] = fmt.Sprintf("source %s returned no accounts", name)
			ja[name] = fmt.Sprintf("取得元 %s のアカウントが 0 件でした", name)
		case seen && float64(n) < (1-shrink)*float64(prev.Accounts):
			unsafe[name] = fmt.Sprintf("source %s returned %d accounts, %d at the last plan (%s): it shrank by more than %.0f%%", name, n, prev.Accounts, prev.At, shrink*100)
			ja[name] = fmt.Sprintf("取得元 %s のアカウントは %d 件で、前回の計画時（%s）の %d 件から %.0f%% を超えて減りました", name, n, prev.At, prev.Accounts, shrink*100)
		}
	}
	return unsafe, ja
}

// FailClosed drops the plan's removals on accounts of unsafe sources (every
// removal, when the HR feed is unsafe: who has left or moved is then not
// known) and says why in a finding per source.
func (p *Plan) FailClosed(snap *graph.Snapshot, unsafe, ja map[string]string) {
	if len(unsafe) == 0 {
		return
	}
	kept := p.Actions[:0]
	for _, a := range p.Actions {
		acct := snap.Account(graph.AccountKey(a.System, a.Account))
		if a.Op != "grant" && (unsafe[HRFeed] != "" || acct != nil && unsafe[acct.Source] != "") {
			continue
		}
		kept = append(kept, a)
	}
	p.Actions = kept
	SortActions(p.Actions)
	for _, name := range slices.Sorted(maps.Keys(unsafe)) {
		what, whatJA := "none of its rights are planned for revocation", "その権限は取消の対象にしていません"
		if name == HRFeed {
			what, whatJA = "no right or account is planned for removal", "権限もアカウントも削除の対象にしていません"
		}
		p.Findings = append(p.Findings, Finding{
			Rule: RuleSourceSanity, Severity: "high", Source: name,
			Message:   unsafe[name] + "; " + what + " (plan --allow-source-shrink " + name + " if this is real)",
			MessageJA: ja[name] + "。" + whatJA + "（事実なら plan --allow-source-shrink " + name + "）",
		})
	}
	sortFindings(p.Findings)
}

// Remember records the counts of the sources that were safe, after a plan.
func (st *SourceState) Remember(counts map[string]int, unsafe map[string]string, now time.Time) {
	for name, n := range counts {
		if unsafe[name] == "" {
			st.Sources[name] = SourceCount{Accounts: n, At: now.In(graph.Tokyo).Format(time.RFC3339)}
		}
	}
}

// Write saves the state atomically.
func (st *SourceState) Write(path string) error {
	return atomicfile.WriteJSONFile(path, st)
}

// MassRevocation is how many rights or accounts a plan removes, and the
// most apply carries out without --allow-mass-revocation:
// max(min, fraction × all grants).
func MassRevocation(p *Plan, snap *graph.Snapshot, mass config.MassRevocation) (removals, limit int) {
	for _, a := range p.Actions {
		if a.Op == policy.OpRevoke || a.Op == policy.OpDisable {
			removals++
		}
	}
	return removals, max(mass.Min, int(mass.Fraction*float64(snap.GrantCount())))
}
