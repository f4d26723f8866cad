// Package apply carries out approved plans: approvals bound to a plan's
// digest, the journal that lets an interrupted apply resume, the checks that
// refuse a stale, unapproved or mass-revoking plan, the changes made through
// the sources' connectors, and the work orders (and their confirmation) for
// systems administered by hand.
package apply

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/accessrecon/accessrecon/config"
	"github.com/accessrecon/accessrecon/connectors"
	"github.com/accessrecon/accessrecon/connectors/csvfile"
	"github.com/accessrecon/accessrecon/graph"
	"github.com/accessrecon/accessrecon/i18n"
	"github.com/accessrecon/accessrecon/policy"
	"github.com/accessrecon/accessrecon/reconcile"
	"github.com/accessrecon/accessrecon/reconcile/atomicfile"
	"github.com/accessrecon/accessrecon/reconcile/audit"
	"github.com/accessrecon/accessrecon/reconcile/inputs"
	"github.com/accessrecon/accessrecon/reconcile/report"
)

// Refusal is why apply will not carry out a plan (exit status 5).
type Refusal struct {
	// Reason is why, in English (the audit log's words).
	Reason string
	// Why is the reason in any language; nil means Reason.
	Why i18n.Localizer
}

func (r *Refusal) Error() string { return "refused: " + r.Reason }

// Text is the reason in lang.
func (r *Refusal) Text(lang string) string {
	if r.Why == nil {
		return r.Reason
	}
	return r.Why.Localize(lang)
}

// NewRefusal is a refusal for the reason format gives.
func NewRefusal(format string, args ...any) *Refusal {
	m := i18n.M(format, args...)
	return &Refusal{Reason: m.String(), Why: m}
}

func refuse(format string, args ...any) error { return NewRefusal(format, args...) }

// Journal states of an action.
const (
	StateStarted  = "started"
	StateManual   = "awaiting_confirmation" // a work order waits for the system's administrators
	StateDone     = "done"
	StateFailed   = "failed"
	StateSkipped  = "skipped"
	StateWaiting  = "waiting" // effective in the future
	StateRefused  = "refused"
	StatePending  = "pending" // not started: apply was stopped first (never journalled)
	stateNotFound = ""
)

// JournalEntry is one line of a plan's journal.
type JournalEntry struct {
	Action   string `json:"action"`
	State    string `json:"state"`
	At       string `json:"at"`
	Detail   string `json:"detail,omitempty"`
	DetailJA string `json:"detail_ja,omitempty"`
}

// Detail is what happened to an action, in English and in Japanese (a
// directory's own error has no Japanese: it is shown as it is).
type Detail struct{ EN, JA string }

// In is the detail in a language ("ja", else English).
func (d Detail) In(lang string) string {
	if lang == "ja" && d.JA != "" {
		return d.JA
	}
	return d.EN
}

// JournalPath is where apply records the progress of a plan.
func JournalPath(planPath string) string { return sidecar(planPath, "journal.jsonl") }

// journal is the append-only, fsynced record of each action's state.
type journal struct {
	path  string
	state map[string]JournalEntry
	dry   bool
}

// ReadJournal is the last state of each action of the plan at planPath, by
// action id (none when apply never ran).
func ReadJournal(planPath string) (map[string]JournalEntry, error) {
	j, err := openJournal(planPath, true)
	if err != nil {
		return nil, err
	}
	return j.state, nil
}

func openJournal(planPath string, dry bool) (*journal, error) {
	j := &journal{path: JournalPath(planPath), state: map[string]JournalEntry{}, dry: dry}
	f, err := os.Open(j.path)
	if errors.Is(err, os.ErrNotExist) {
		return j, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := bufio.NewReader(f)
	for n := 1; ; n++ {
		line, err := r.ReadBytes('\n')
		if len(bytes.TrimSpace(line)) > 0 {
			var e JournalEntry
			if jerr := json.Unmarshal(line, &e); jerr != nil {
				if err == io.EOF {
					break // a line cut short by a crash: the action is retried
				}
				return nil, i18n.Errorf("%s:%d: %w", j.path, n, jerr)
			}
			j.state[e.Action] = e
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	return j, nil
}

func (j *journal) record(action, state string, d Detail, now time.Time) error {
	e := JournalEntry{Action: action, State: state, At: now.In(graph.Tokyo).Format(time.RFC3339Nano), Detail: d.EN, DetailJA: d.JA}
	j.state[action] = e
	if j.dry {
		return nil
	}
	line, err := json.Marshal(e)
	if err != nil {
		return err
	}
	f, err := os.OpenFile(j.path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return i18n.Errorf("journal: %w", err)
	}
	if _, err := f.Write(append(line, '\n')); err != nil {
		f.Close()
		return i18n.Errorf("journal: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return i18n.Errorf("journal: %w", err)
	}
	return f.Close()
}

// Options are the switches of `apply`.
type Options struct {
	PlanPath   string
	Today      graph.Date
	By         string
	DryRun     bool
	AllowDrift bool
	AllowMass  bool
	Reason     string
	// Approval is what makes the plan's approvals valid.
	Approval ApprovalRules
	Mass     config.MassRevocation
	// Reach is how each source (by name) is reached; a source it does not
	// name gets work orders.
	Reach map[string]inputs.Reach
	// Revokers carry out actions on the sources reached by connector, by name.
	Revokers map[string]connectors.Revoker
	// Progress, if set, is told how many actions of how many are through.
	Progress func(done, total int)
	// Record, if set, appends every event to the audit log: an error stops
	// the run there (the action it is about is in the journal already).
	Record func(event string, data map[string]any) error
}

// Outcome is what apply did with one action.
type Outcome struct {
	Action reconcile.Action
	State  string
	Detail Detail
}

// Result is what one run of apply did.
type Result struct {
	Outcomes   []Outcome
	WorkOrders []string
	// Interrupted is true when apply was asked to stop (its context ended):
	// it finished the action under way and left the rest pending.
	Interrupted bool
}

// Run carries out an approved plan: it refuses a stale plan (inputs
// changed) unless AllowDrift, in which case each action's precondition is
// checked again; it refuses a plan over the mass-revocation threshold unless
// AllowMass with a Reason; it leaves actions whose effective date is in the
// future; and it records every step in the plan's journal so that a re-run
// resumes where the last one stopped.
func Run(ctx context.Context, in *inputs.Inputs, pol *reconcile.Policy, p *reconcile.Plan, o Options) (*Result, error) {
	record := o.Record
	if record == nil || o.DryRun {
		record = func(string, map[string]any) error { return nil }
	}
	if err := CheckApprovals(o.PlanPath, p, in, o.Approval); err != nil {
		return nil, err
	}
	snap := in.Graph.Snapshot()
	var drifted []string
	for k, d := range p.Inputs {
		if in.Digests[k] != d {
			drifted = append(drifted, k)
		}
	}
	for k := range in.Digests {
		if _, ok := p.Inputs[k]; !ok {
			drifted = append(drifted, k)
		}
	}
	sort.Strings(drifted)
	j, err := openJournal(o.PlanPath, o.DryRun)
	if err != nil {
		return nil, err
	}
	// A plan already under way changed its own sources: resuming it re-checks
	// each remaining action, as --allow-drift does.
	resuming := len(j.state) > 0
	if len(drifted) > 0 && !o.AllowDrift && !resuming {
		return nil, refuse("the plan is stale: %s changed since it was planned (plan again, or apply --allow-drift to re-check each action)", strings.Join(drifted, ", "))
	}
	removals, limit := reconcile.MassRevocation(p, snap, o.Mass)
	if removals > limit && !(o.AllowMass && strings.TrimSpace(o.Reason) != "") {
		return nil, refuse("the plan removes %d rights or accounts, over the mass-revocation threshold of %d (apply --allow-mass-revocation --reason \"...\" if this is intended)", removals, limit)
	}
	if removals > limit {
		if err := record(audit.MassRevocationAllowed, map[string]any{"removals": removals, "limit": limit, "reason": o.Reason}); err != nil {
			return nil, i18n.Errorf("audit log: %w", err)
		}
	}
	var current reconcile.Removals
	if len(drifted) > 0 {
		if current, err = pol.RemovalsAt(ctx, snap, o.Today); err != nil {
			return nil, err
		}
	}
	res := &Result{}
	manual := map[string][]reconcile.Action{}
	for i, a := range p.Actions {
		if o.Progress != nil {
			o.Progress(i, len(p.Actions))
		}
		if ctx.Err() != nil || res.Interrupted {
			// Asked to stop: the rest stays as it is in the journal, so
			// that a re-run carries on from here.
			res.Interrupted = true
			res.Outcomes = append(res.Outcomes, Outcome{a, StatePending, Detail{"not started: apply was stopped", "未開始（apply を中断）"}})
			continue
		}
		now := time.Now()
		prev := j.state[a.ID].State
		switch {
		case prev == StateDone || prev == StateSkipped:
			res.Outcomes = append(res.Outcomes, Outcome{a, prev, Detail{j.state[a.ID].Detail, j.state[a.ID].DetailJA}})
			continue
		case prev == StateManual:
			manual[a.System] = append(manual[a.System], a)
			res.Outcomes = append(res.Outcomes, Outcome{a, prev, Detail{"waiting for the administrators' confirmation", "管理者の確認待ち"}})
			continue
		}
		eff, err := graph.ParseDate(a.Effective)
		if err != nil {
			return nil, i18n.Errorf("plan: action %s: effective: %w", a.ID, err)
		}
		if eff > o.Today {
			res.Outcomes = append(res.Outcomes, Outcome{a, StateWaiting, Detail{"effective on " + a.Effective, "実施日 " + a.Effective}})
			continue
		}
		if len(drifted) > 0 {
			if why := precondition(snap, current, a); why.EN != "" {
				if err := j.record(a.ID, StateSkipped, why, now); err != nil {
					return nil, err
				}
				if err := record(audit.Action, map[string]any{"action": a.ID, "item": a.ItemID(), "op": a.Op, "state": StateSkipped, "detail": why.EN}); err != nil {
					return nil, i18n.Errorf("audit log: %w (action %s is %s in the journal)", err, a.ID, StateSkipped)
				}
				res.Outcomes = append(res.Outcomes, Outcome{a, StateSkipped, why})
				continue
			}
		}
		if err := j.record(a.ID, StateStarted, Detail{}, now); err != nil {
			return nil, err
		}
		// The action under way is finished even when apply is asked to stop
		// meanwhile: a change cut off half-way is worse than one more.
		state, detail := execute(context.WithoutCancel(ctx), snap, a, o)
		if state == StateManual {
			manual[a.System] = append(manual[a.System], a)
		}
		if err := j.record(a.ID, state, detail, time.Now()); err != nil {
			return nil, err
		}
		if err := record(audit.Action, map[string]any{"action": a.ID, "item": a.ItemID(), "op": a.Op, "state": state, "detail": detail.EN}); err != nil {
			return nil, i18n.Errorf("audit log: %w (action %s is %s in the journal)", err, a.ID, state)
		}
		res.Outcomes = append(res.Outcomes, Outcome{a, state, detail})
	}
	if o.Progress != nil {
		o.Progress(len(p.Actions), len(p.Actions))
	}
	if !o.DryRun {
		for _, system := range slices.Sorted(maps.Keys(manual)) {
			files, err := writeWorkOrders(o.PlanPath, p, system, manual[system])
			if err != nil {
				return nil, err
			}
			res.WorkOrders = append(res.WorkOrders, files...)
		}
	}
	return res, nil
}

// execute carries out one action through its source's connector. Systems
// administered by hand get a line of a work order instead, done once the
// administrators confirm it.
func execute(ctx context.Context, snap *graph.Snapshot, a reconcile.Action, o Options) (string, Detail) {
	if a.Op == policy.OpDisable && a.Through != "" {
		return executeSynced(ctx, snap, a, o)
	}
	source := ""
	acct := snap.Account(graph.AccountKey(a.System, a.Account))
	if acct != nil {
		source = acct.Source
	}
	if acct != nil && a.Op == policy.OpRevoke {
		if g := acct.Grant(a.Entitlement); g != nil && len(g.Sources()) > 1 {
			// Two sources report the right: it is revoked through each, and
			// done when both are.
			state, details := StateDone, Detail{}
			for _, src := range g.Sources() {
				st, d := executeThrough(ctx, src, a, o)
				details.EN = strings.TrimPrefix(details.EN+"; "+d.EN, "; ")
				details.JA = strings.TrimPrefix(details.JA+"；"+d.JA, "；")
				switch {
				case st == StateFailed || state == StateFailed:
					state = StateFailed
				case st == StateManual:
					state = StateManual
				}
			}
			return state, details
		}
	}
	return executeThrough(ctx, source, a, o)
}

// executeSynced disables an account that is a synchronised copy of
// another (a.Through) by disabling the other, through its own source; a
// work order when that account was not read.
func executeSynced(ctx context.Context, snap *graph.Snapshot, a reconcile.Action, o Options) (string, Detail) {
	master := snap.Account(a.Through)
	if master == nil {
		return StateManual, Detail{
			fmt.Sprintf("%s is synchronised from %s, which no source reads: disable it there", a.ItemID(), a.Through),
			fmt.Sprintf("%s は %s から同期されています。%s は取得元にないため、そちらで無効化してください", a.ItemID(), a.Through, a.Through)}
	}
	if master.Status != "active" {
		return StateDone, Detail{a.Through + " is already disabled; " + a.System + " follows at its next synchronisation",
			a.Through + " はすでに無効です。" + a.System + " は次の同期で反映されます"}
	}
	on := a
	on.System, on.Account, on.Entitlement, on.Via = master.System, master.ID, "", ""
	state, d := executeThrough(ctx, master.Source, on, o)
	d.EN = "on " + a.Through + ": " + d.EN
	d.JA = a.Through + " で: " + d.JA
	return state, d
}

// executeThrough carries out one action through one source.
func executeThrough(ctx context.Context, source string, a reconcile.Action, o Options) (string, Detail) {
	switch o.Reach[source] {
	case inputs.ByConnector:
		r := o.Revokers[source]
		if r == nil {
			return StateFailed, noConnector(source)
		}
		if o.DryRun {
			return StateDone, Detail{"would be carried out through source " + source, "取得元 " + source + " を通じて実施予定"}
		}
		err := r.Apply(ctx, connectors.Change{Op: a.Op, System: a.System, Account: a.Account, Entitlement: a.Entitlement, Via: a.Via})
		if errors.Is(err, connectors.ErrByHand) {
			return StateManual, Detail{EN: err.Error()}
		}
		if err != nil {
			return StateFailed, Detail{EN: err.Error()}
		}
		return StateDone, Detail{"carried out through source " + source, "取得元 " + source + " を通じて実施済み"}
	case inputs.ByWorkOrder:
		return StateManual, Detail{"work order for the administrators of " + a.System, a.System + " の管理者への作業指示書"}
	default:
		return StateFailed, noConnector(source)
	}
}

func noConnector(source string) Detail {
	return Detail{fmt.Sprintf("no connector can carry out actions on source %q", source), fmt.Sprintf("取得元 %q の変更を実施できるコネクタがありません", source)}
}

// precondition says why an action no longer holds (nothing when it does):
// the right or account must still exist, and an action a policy rule called
// for must still be called for by the policy today.
func precondition(snap *graph.Snapshot, current reconcile.Removals, a reconcile.Action) Detail {
	acct := snap.Account(graph.AccountKey(a.System, a.Account))
	switch {
	case acct == nil:
		return Detail{"the account no longer exists", "アカウントがもうありません"}
	case a.Op == policy.OpDisable && acct.Status != "active":
		return Detail{"the account is already disabled", "アカウントはすでに無効です"}
	case a.Op == policy.OpRevoke && acct.Grant(a.Entitlement) == nil:
		return Detail{"the right is already gone", "権限はすでにありません"}
	}
	var policyRules []string
	for _, r := range a.Rules {
		if !slices.Contains(reconcile.ReviewRules, r) {
			policyRules = append(policyRules, r)
		}
	}
	if len(policyRules) == 0 {
		return Detail{}
	}
	var now []policy.Finding
	if a.Op == policy.OpDisable {
		now = current[acct.Key]
	} else {
		now = current[graph.GrantKey(a.System, a.Account, a.Entitlement)]
		now = append(now, current[acct.Key]...)
	}
	for _, f := range now {
		if slices.Contains(policyRules, f.Rule) {
			return Detail{}
		}
	}
	rules := strings.Join(policyRules, ", ")
	return Detail{"the policy no longer calls for it (" + rules + ")", "ポリシーはもう求めていません（" + rules + "）"}
}

var workOrderHeader = []string{"action_id\n措置ID", "op\n措置", "system\nシステム", "account\nアカウント", "entitlement\n権限", "person\n社員番号", "name\n氏名", "effective\n実施日", "reason\n理由", "via\n経路", "done_by\n実施者", "done_at\n実施日時", "comment\nコメント"}

// writeWorkOrders writes the work order of one manually administered
// system, CSV and Markdown, beside the plan.
func writeWorkOrders(planPath string, p *reconcile.Plan, system string, actions []reconcile.Action) ([]string, error) {
	dir := sidecar(planPath, "workorders")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	sort.Slice(actions, func(i, j int) bool { return actions[i].ID < actions[j].ID })
	var csvBuf bytes.Buffer
	csvBuf.WriteString("\ufeff")
	w := csvfile.NewExcelWriter(&csvBuf)
	header := make([]string, len(workOrderHeader))
	for i, h := range workOrderHeader {
		header[i] = strings.ReplaceAll(h, "\n", " ")
	}
	w.Write(header)
	var md strings.Builder
	fmt.Fprintf(&md, "# 作業指示書 / Work order: %s\n\n", report.MarkdownCell(system))
	fmt.Fprintf(&md, "計画 / Plan: `%s` (%s, digest `%s`)\n\n", filepath.Base(planPath), p.Kind, p.Digest)
	md.WriteString("以下の措置を実施し、CSV の done_by・done_at 列に記入して返送してください。返送された CSV は `accessrecon apply PLAN --confirm-manual FILE` で記録されます。\n\n")
	md.WriteString("Carry out the actions below, fill in done_by and done_at in the CSV and return it; it is recorded with `accessrecon apply PLAN --confirm-manual FILE`.\n\n")
	md.WriteString("| 措置ID | 措置 | アカウント | 権限 | 経路 | 社員番号 | 氏名 | 実施日 | 理由 |\n|---|---|---|---|---|---|---|---|---|\n")
	for _, a := range actions {
		// The path a right comes through (nested groups, a team): what the
		// administrator changes to take it away.
		via := a.Via
		if a.Through != "" {
			via = "disable in / 同期元で無効化: " + a.Through
		}
		w.Write([]string{a.ID, a.Op, a.System, a.Account, a.Entitlement, a.Person, a.PersonName, a.Effective, a.Reason, via, "", "", ""})
		cells := []string{a.ID, a.Op, a.Account, a.Entitlement, via, a.Person, a.PersonName, a.Effective, a.Reason}
		for i, c := range cells {
			cells[i] = report.MarkdownCell(c)
		}
		fmt.Fprintf(&md, "| %s |\n", strings.Join(cells, " | "))
	}
	w.Flush()
	base := atomicfile.SafeFileName(system)
	if err := atomicfile.WriteFileIn(dir, base+".csv", csvBuf.Bytes()); err != nil {
		return nil, err
	}
	if err := atomicfile.WriteFileIn(dir, base+".md", []byte(md.String())); err != nil {
		return nil, err
	}
	return []string{filepath.Join(dir, base+".csv"), filepath.Join(dir, base+".md")}, nil
}

// ConfirmManual records the administrators' confirmation of work-order
// actions: the work order's CSV returned with done_by and done_at (and
// comment). A row counts only for the action it describes (its op, system
// and account, and entitlement where the action has one, as the work order
// wrote them), done by an active person of the HR feed on that day, not
// before the plan was made nor after now; any other row refuses the file,
// naming its line and column, and nothing is recorded. Each confirmation is
// written to the audit log (record); one that cannot be stops there. It
// returns the actions newly marked done.
func ConfirmManual(ctx context.Context, planPath string, p *reconcile.Plan, file string, snap *graph.Snapshot, now time.Time, record func(string, map[string]any) error) ([]string, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, i18n.Errorf("%s: %w", file, err)
	}
	defer f.Close()
	j, err := openJournal(planPath, false)
	if err != nil {
		return nil, err
	}
	actions := map[string]reconcile.Action{}
	for _, a := range p.Actions {
		actions[a.ID] = a
	}
	made := graph.Date(0)
	if t, err := time.Parse(time.RFC3339, p.GeneratedAt); err == nil {
		made = graph.DateOf(t)
	}
	today := graph.DateOf(now)
	type confirmation struct {
		id, by, at string
		day        graph.Date
		comment    string
	}
	var confirmed []confirmation
	err = csvfile.Each(ctx, file, f, csvfile.Auto, []string{"action_id", "op", "system", "account", "done_by", "done_at"}, func(cr *csvfile.Reader) error {
		get := func(col string) string { return csvfile.Restore(cr.Get(col)) }
		id := get("action_id")
		if get("done_by") == "" && get("done_at") == "" {
			return nil // not done yet
		}
		a, ok := actions[id]
		switch {
		case !ok:
			return cr.Errorf("action_id", "%q is not an action of %s", id, planPath)
		case get("op") != a.Op:
			return cr.Errorf("op", "%s is %s in the plan, not %q: a row confirms only the action it describes", id, a.Op, get("op"))
		case get("system") != a.System:
			return cr.Errorf("system", "%s is on %s in the plan, not %q: a row confirms only the action it describes", id, a.System, get("system"))
		case get("account") != a.Account:
			return cr.Errorf("account", "%s is about account %s in the plan, not %q: a row confirms only the action it describes", id, a.Account, get("account"))
		case a.Entitlement != "" && cr.Has("entitlement") && get("entitlement") != a.Entitlement:
			return cr.Errorf("entitlement", "%s is about %s in the plan, not %q: a row confirms only the action it describes", id, a.Entitlement, get("entitlement"))
		case get("done_by") == "":
			return cr.Errorf("done_by", "expected who carried out %s", id)
		case j.state[id].State != StateManual && j.state[id].State != StateDone:
			return cr.Errorf("action_id", "%s is not waiting for a confirmation (state %q)", id, j.state[id].State)
		}
		day, err := csvfile.ParseDay(get("done_at"))
		if err != nil {
			return cr.Errorf("done_at", "%v", err)
		}
		if day < made || day > today {
			return cr.Errorf("done_at", "%s is outside the time the action could be done (from the plan's %s to today %s)", day, made, today)
		}
		who, err := reconcile.ActivePerson(snap, get("done_by"), day)
		if err != nil {
			return cr.Errorf("done_by", "%v", err)
		}
		confirmed = append(confirmed, confirmation{id, who.EmployeeID, get("done_at"), day, get("comment")})
		return nil
	})
	if err != nil {
		return nil, err
	}
	var done []string
	for _, c := range confirmed {
		if j.state[c.id].State == StateDone {
			continue
		}
		detail := Detail{fmt.Sprintf("confirmed by %s on %s", c.by, c.at), fmt.Sprintf("%s が %s に実施を確認", c.by, c.at)}
		if err := j.record(c.id, StateDone, detail, now); err != nil {
			return nil, err
		}
		if record != nil {
			if err := record(audit.Action, map[string]any{"action": c.id, "state": StateDone, "detail": detail.EN, "done_by": c.by, "done_on": c.day.String(), "comment": c.comment}); err != nil {
				return done, i18n.Errorf("audit log: %w (action %s is %s in the journal)", err, c.id, StateDone)
			}
		}
		done = append(done, c.id)
	}
	return done, nil
}
