// Package dashboard is the use case of the dashboard a regulator, an
// auditor and the governance team look at: from the audit log of a period
// and the plans it names, the shared-system inventory over time, findings
// by severity per plan, the days movers keep rights, campaigns and the
// reviewers' decisions, and the daily log checks, drawn as SVG charts in one
// static HTML page that needs no script and no other store.
package dashboard

import (
	"cmp"
	"context"
	"maps"
	"os"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/accessrecon/accessrecon/config"
	"github.com/accessrecon/accessrecon/graph"
	"github.com/accessrecon/accessrecon/i18n"
	"github.com/accessrecon/accessrecon/policy"
	"github.com/accessrecon/accessrecon/reconcile"
	"github.com/accessrecon/accessrecon/reconcile/audit"
)

// Data is what the dashboard shows.
type Data struct {
	From, To  graph.Date
	Generated time.Time
	// Names of systems and companies, for labels.
	Systems   map[string]string
	Companies map[string]string
	Units     map[string]string
	// Inventory is, per confidential system, the holders of each company
	// at each plan (reconcile and February-reset plans).
	Inventory []SystemInventory
	// Runs are the plans of the period, in order, with their findings and
	// actions by severity and by rule.
	Runs []Run
	// Movers are the removals of transfer plans carried out, with the
	// days from the transfer's effective date to the removal.
	Movers []Mover
	// LogDays are the daily log checks.
	LogDays []LogDay
	// Campaigns are the campaigns closed; Reviewers the decisions by
	// reviewer.
	Campaigns []Campaign
	Reviewers []Reviewer
	// Skipped counts what the log names but could not be read, by why
	// (plan_unread: a plan file gone or modified since).
	Skipped map[string]int
}

// SystemInventory is one confidential system's holders over time.
type SystemInventory struct {
	System, Name   string
	ConfidentialTo []string
	Days           []graph.Date
	// Series are the holders of each company, one value a day of Days.
	Series []Series
}

// Series is one line of a chart.
type Series struct {
	Name   string
	Values []int
	// Other: a company the system is not confidential to (its line must
	// reach zero).
	Other bool
}

// Run is one plan.
type Run struct {
	Day        graph.Date
	Kind       string
	Digest     string
	BySeverity map[string]int // findings and actions, by the most severe rule's severity
	ByRule     map[string]int
}

// Mover is one removal for a transfer, carried out.
type Mover struct {
	Item      string
	Effective graph.Date
	Done      graph.Date
	Days      int
}

// LogDay is one daily log check.
type LogDay struct {
	Day      graph.Date
	Findings int
	ByRule   map[string]int
}

// Campaign is one closed campaign.
type Campaign struct {
	ID                             string
	Closed                         graph.Date
	Decided, Defaulted, Unreviewed int
}

// Reviewer is one reviewer's decisions in the period.
type Reviewer struct {
	ID, Name    string
	Unit        string // their unit at the end of the period
	Decided     int
	Kept        int
	SecondsEach float64 // the span of their decision events over the items decided; 0 with one event
}

// Build reads the audit log, which must verify, and the plans it names, for
// the days from..to (Tokyo, both included).
func Build(cfg *config.Config, snap *graph.Snapshot, from, to graph.Date, now time.Time) (*Data, error) {
	if !audit.Keeps(cfg) {
		return nil, i18n.Errorf("dashboard: the config keeps no audit log on disk")
	}
	path := audit.LogPath(cfg)
	d := &Data{From: from, To: to, Generated: now, Systems: map[string]string{}, Companies: map[string]string{}, Units: map[string]string{}, Skipped: map[string]int{}}
	if _, err := os.Stat(path); path != "" && os.IsNotExist(err) && !anyExists(audit.CheckpointPaths(cfg)) {
		names(d, snap)
		return d, nil // nothing recorded yet, and no checkpoint says otherwise
	}
	ctx := context.Background()
	if _, err := audit.VerifyConfig(ctx, cfg, "en"); err != nil {
		return nil, i18n.Errorf("dashboard: the audit log does not verify, so nothing is drawn from it: %w", err)
	}
	f, path, err := audit.Open(ctx, cfg)
	if err != nil {
		return nil, err
	}
	var events []audit.Event
	_, err = audit.Each(f, path, func(e audit.Event) {
		if at, err := time.Parse(time.RFC3339Nano, e.At); err == nil {
			if d := graph.DateOf(at); d >= from && d <= to {
				events = append(events, e)
			}
		}
	})
	f.Close()
	if err != nil {
		return nil, err
	}
	names(d, snap)
	plans := map[string]*reconcile.Plan{}
	var inventories []dayInventory
	reviewers := map[string]*reviewerSpan{}
	for _, e := range events {
		at, _ := time.Parse(time.RFC3339Nano, e.At)
		day := graph.DateOf(at)
		switch e.Event {
		case audit.Plan:
			kind, _ := e.Data["kind"].(string)
			if run, inv, ok := summaryOf(e); ok && kind != reconcile.KindTransfer {
				// The event carries what is drawn: the plan file is not read.
				d.Runs = append(d.Runs, run)
				if len(inv) > 0 && (kind == reconcile.KindReconcile || kind == reconcile.KindFebruaryReset) {
					inventories = append(inventories, dayInventory{run.Day, inv})
				}
				continue
			}
			name, _ := e.Data["out"].(string)
			p := readPlan(cfg, name)
			if p == nil {
				d.Skipped["plan_unread"]++
				continue
			}
			plans[e.Plan] = p
			asOf, _ := graph.ParseDate(p.AsOf)
			d.Runs = append(d.Runs, runOf(p, asOf))
			if len(p.Inventory) > 0 && (p.Kind == reconcile.KindReconcile || p.Kind == reconcile.KindFebruaryReset) {
				inventories = append(inventories, dayInventory{asOf, p.Inventory})
			}
		case audit.Action:
			p := plans[e.Plan]
			state, _ := e.Data["state"].(string)
			id, _ := e.Data["action"].(string)
			if p == nil || p.Kind != reconcile.KindTransfer || state != "done" {
				continue
			}
			for _, a := range p.Actions {
				if a.ID != id {
					continue
				}
				eff, err := graph.ParseDate(a.Effective)
				if err != nil {
					continue
				}
				done := day // carried out by a connector then; a work order says when it was done
				if v, ok := e.Data["done_on"].(string); ok {
					if dd, err := graph.ParseDate(v); err == nil {
						done = dd
					}
				}
				d.Movers = append(d.Movers, Mover{Item: a.ItemID(), Effective: eff, Done: done, Days: max(0, daysBetween(eff, done))})
			}
		case audit.LogsCheck:
			ld := LogDay{Day: day, ByRule: map[string]int{}}
			if v, ok := e.Data["date"].(string); ok {
				if dd, err := graph.ParseDate(v); err == nil {
					ld.Day = dd
				}
			}
			ld.Findings = intOf(e.Data["findings"])
			if br, ok := e.Data["by_rule"].(map[string]any); ok {
				for k, v := range br {
					ld.ByRule[k] = intOf(v)
				}
			}
			d.LogDays = append(d.LogDays, ld)
		case audit.CampaignClosed:
			c := Campaign{Closed: day, Decided: intOf(e.Data["decisions"]), Defaulted: intOf(e.Data["defaulted"])}
			c.ID, _ = e.Data["campaign"].(string)
			if u, ok := e.Data["unreviewed"].(string); ok && u != "" && u != "keep" {
				c.Unreviewed = intOf(e.Data["open"])
			}
			d.Campaigns = append(d.Campaigns, c)
		case audit.ReviewDecision:
			if e.By == "" {
				continue
			}
			r := reviewers[e.By]
			if r == nil {
				r = &reviewerSpan{first: at}
				reviewers[e.By] = r
			}
			n := intOf(e.Data["decided"])
			r.decided += n
			if e.Data["decision"] == "keep" {
				r.kept += n
			}
			r.events++
			r.last = at
		}
	}
	d.Inventory = inventoryOf(inventories, snap)
	for id, r := range reviewers {
		rv := Reviewer{ID: id, Decided: r.decided, Kept: r.kept}
		if snap != nil {
			if p := snap.Person(id); p != nil {
				rv.Name, rv.Unit = p.Name, snap.AssignmentAsOf(p, to).Unit
			}
		}
		if r.events > 1 && r.decided > 0 {
			rv.SecondsEach = r.last.Sub(r.first).Seconds() / float64(r.decided)
		}
		d.Reviewers = append(d.Reviewers, rv)
	}
	slices.SortFunc(d.Reviewers, func(a, b Reviewer) int { return strings.Compare(a.ID, b.ID) })
	slices.SortStableFunc(d.LogDays, func(a, b LogDay) int { return cmp.Compare(a.Day, b.Day) })
	return d, nil
}

// names fills the names of systems and companies for labels.
func names(d *Data, snap *graph.Snapshot) {
	if snap == nil {
		return
	}
	for _, s := range snap.Systems() {
		d.Systems[s.ID] = s.Name
	}
	for _, c := range snap.Companies() {
		d.Companies[c.ID] = c.Name
	}
	for _, u := range snap.Units() {
		d.Units[u.ID] = u.Name
	}
}

func anyExists(paths []string) bool {
	for _, p := range paths {
		if _, err := os.Stat(p); err == nil {
			return true
		}
	}
	return false
}

// dayInventory is one plan's inventory.
type dayInventory struct {
	day  graph.Date
	rows []reconcile.InventoryRow
}

type reviewerSpan struct {
	first, last   time.Time
	decided, kept int
	events        int
}

func intOf(v any) int {
	switch n := v.(type) {
	case float64:
		return int(n)
	case int:
		return n
	}
	return 0
}

func daysBetween(a, b graph.Date) int {
	return int(b.Start().Sub(a.Start()).Hours() / 24)
}

// summaryOf is what a plan's audit event says of it (plans made since the
// events carry it): its day, findings and actions by severity and by rule,
// and its inventory.
func summaryOf(e audit.Event) (Run, []reconcile.InventoryRow, bool) {
	bySeverity, ok1 := e.Data["by_severity"].(map[string]any)
	byRule, ok2 := e.Data["by_rule"].(map[string]any)
	asOf, _ := e.Data["as_of"].(string)
	day, err := graph.ParseDate(asOf)
	if !ok1 || !ok2 || err != nil {
		return Run{}, nil, false
	}
	r := Run{Day: day, Digest: e.Plan, BySeverity: map[string]int{}, ByRule: map[string]int{}}
	r.Kind, _ = e.Data["kind"].(string)
	for k, v := range bySeverity {
		r.BySeverity[k] = intOf(v)
	}
	for k, v := range byRule {
		r.ByRule[k] = intOf(v)
	}
	var inv []reconcile.InventoryRow
	rows, _ := e.Data["inventory"].([]any)
	for _, x := range rows {
		m, _ := x.(map[string]any)
		system, _ := m["system"].(string)
		company, _ := m["company"].(string)
		inv = append(inv, reconcile.InventoryRow{System: system, Company: company, People: intOf(m["people"])})
	}
	return r, inv, true
}

// readPlan is the plan a plan event names, or nil when it is gone or was
// modified since.
func readPlan(cfg *config.Config, name string) *reconcile.Plan {
	if name == "" {
		return nil
	}
	for _, p := range []string{name, cfg.Resolve(name)} {
		data, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		if plan, err := reconcile.ReadPlan(p, data); err == nil {
			return plan
		}
	}
	return nil
}

func runOf(p *reconcile.Plan, day graph.Date) Run {
	r := Run{Day: day, Kind: p.Kind, Digest: p.Digest, BySeverity: map[string]int{}, ByRule: map[string]int{}}
	for _, f := range p.Findings {
		r.BySeverity[f.Severity]++
		r.ByRule[f.Rule]++
	}
	for _, a := range p.Actions {
		r.BySeverity[a.Severity]++
		for _, rule := range a.Rules {
			r.ByRule[rule]++
		}
	}
	return r
}

// inventoryOf turns the plans' inventories into one series per company
// for each system, over the plans' days (the last plan of a day counts).
func inventoryOf(invs []dayInventory, snap *graph.Snapshot) []SystemInventory {
	byDay := map[graph.Date][]reconcile.InventoryRow{}
	for _, in := range invs {
		byDay[in.day] = in.rows
	}
	days := make([]graph.Date, 0, len(byDay))
	for day := range byDay {
		days = append(days, day)
	}
	sort.Slice(days, func(i, j int) bool { return days[i] < days[j] })
	systems := map[string]map[string]bool{}
	for _, rows := range byDay {
		for _, r := range rows {
			if systems[r.System] == nil {
				systems[r.System] = map[string]bool{}
			}
			systems[r.System][r.Company] = true
		}
	}
	var out []SystemInventory
	for _, sys := range slices.Sorted(maps.Keys(systems)) {
		si := SystemInventory{System: sys, Name: sys, Days: days}
		if snap != nil {
			if s := snap.System(sys); s != nil {
				si.Name, si.ConfidentialTo = s.Name, s.ConfidentialTo
			}
		}
		for _, company := range slices.Sorted(maps.Keys(systems[sys])) {
			s := Series{Name: company, Values: make([]int, len(days)), Other: !slices.Contains(si.ConfidentialTo, company)}
			for i, day := range days {
				for _, r := range byDay[day] {
					if r.System == sys && r.Company == company {
						s.Values[i] = r.People
					}
				}
			}
			si.Series = append(si.Series, s)
		}
		out = append(out, si)
	}
	return out
}

// severities orders severities, most severe first.
var severities = policy.Severities
