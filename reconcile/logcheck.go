package reconcile

import (
	"context"
	"fmt"
	"io/fs"
	"sort"
	"time"

	"github.com/accessrecon/accessrecon/connectors/accesslog"
	"github.com/accessrecon/accessrecon/graph"
	"github.com/accessrecon/accessrecon/policy"
	"github.com/accessrecon/accessrecon/reconcile/calendar"
	"github.com/open-policy-agent/opa/v1/ast"
)

// LogReport is the access-log report of SPEC (`logs check --out`).
type LogReport struct {
	FormatVersion   int            `json:"format_version"`
	Date            string         `json:"date"`
	Window          LogWindow      `json:"window"`
	AccessesChecked int            `json:"accesses_checked"`
	Malformed       MalformedLines `json:"malformed"`
	Findings        []LogFinding   `json:"findings"`
}

// LogWindow is the period a business day reviews.
type LogWindow struct {
	From string `json:"from"`
	To   string `json:"to"`
}

// MalformedLines counts the log lines that could not be read and describes
// the first of them.
type MalformedLines struct {
	Count int                   `json:"count"`
	First []accesslog.Malformed `json:"first"`
}

// LogFinding is one logged access that a usage rule flags.
type LogFinding struct {
	Rule      string `json:"rule"`
	Severity  string `json:"severity"`
	Timestamp string `json:"timestamp"`
	System    string `json:"system"`
	Account   string `json:"account"`
	Person    string `json:"person"`
	Action    string `json:"action"`
	Object    string `json:"object"`
	Message   string `json:"message"`
}

// ErrNotBusinessDay is returned for a --date that is not a business day.
var ErrNotBusinessDay = fmt.Errorf("not a business day")

// usageGroup is everything logged for one account in the window, reduced to
// the segments in which it was used. The state the rules look at (grants,
// employment, company, emergency windows) changes only at segment
// boundaries, so one access per segment stands for all of them.
type usageGroup struct {
	system, account string
	first           []int64 // per segment: the first access, 0 if none
	flagged         [][]policy.UsageFinding
}

// logWindow is the review window of a business day and its segments.
type logWindow struct {
	from, to   int64
	boundaries []int64 // segment i is [boundaries[i], boundaries[i+1])
}

func (w *logWindow) segment(at int64) int {
	return sort.Search(len(w.boundaries), func(i int) bool { return w.boundaries[i] > at }) - 1
}

func newLogWindow(snap *graph.Snapshot, from, to graph.Date) *logWindow {
	w := &logWindow{from: from.Start().UnixNano(), to: to.Start().UnixNano()}
	set := map[int64]bool{w.from: true}
	for d := from.AddDays(1); d < to; d = d.AddDays(1) {
		set[d.Start().UnixNano()] = true
	}
	for _, e := range snap.Emergencies() {
		for _, b := range []int64{e.Start.UnixNano(), e.End.UnixNano() + 1} { // end is inclusive
			if b > w.from && b < w.to {
				set[b] = true
			}
		}
	}
	for b := range set {
		w.boundaries = append(w.boundaries, b)
	}
	sort.Slice(w.boundaries, func(i, j int) bool { return w.boundaries[i] < w.boundaries[j] })
	return w
}

// CheckLogs checks the access logs of the period that business day D
// reviews: from the start of the previous business day to the start of D.
func (pl *Planner) CheckLogs(ctx context.Context, cal *calendar.Calendar, day graph.Date, files fs.FS, names []string) (*LogReport, error) {
	if why := cal.Why(day); why != "" {
		return nil, fmt.Errorf("--date %s: %w: it is %s", day, ErrNotBusinessDay, why)
	}
	snap := pl.Inputs.Graph.Snapshot()
	prev := cal.PreviousBusinessDay(day)
	w := newLogWindow(snap, prev, day)
	rep := &LogReport{
		FormatVersion: FormatVersion, Date: day.String(),
		Window:   LogWindow{From: prev.Start().Format(time.RFC3339), To: day.Start().Format(time.RFC3339)},
		Findings: []LogFinding{},
	}

	// Pass 1: which accounts were used in which segments.
	groups := map[string]map[string]*usageGroup{} // system → account → group
	lookup := func(a *accesslog.Access, create bool) *usageGroup {
		accounts := groups[string(a.System)]
		if accounts == nil {
			if !create {
				return nil
			}
			accounts = map[string]*usageGroup{}
			groups[string(a.System)] = accounts
		}
		g := accounts[string(a.Account)]
		if g == nil && create {
			g = &usageGroup{system: string(a.System), account: string(a.Account), first: make([]int64, len(w.boundaries))}
			accounts[g.account] = g
		}
		return g
	}
	stats, err := accesslog.Scan(ctx, files, names, func(a *accesslog.Access) {
		if a.At < w.from || a.At >= w.to {
			return
		}
		rep.AccessesChecked++
		g := lookup(a, true)
		if s := w.segment(a.At); g.first[s] == 0 || a.At < g.first[s] {
			g.first[s] = a.At
		}
	})
	if err != nil {
		return nil, err
	}
	rep.Malformed = MalformedLines{Count: stats.Malformed, First: stats.First}
	if rep.Malformed.First == nil {
		rep.Malformed.First = []accesslog.Malformed{}
	}

	// The usage rules, once per account.
	var list []*usageGroup
	for _, accounts := range groups {
		for _, g := range accounts {
			list = append(list, g)
		}
	}
	eng, err := pl.Compiled.NewUsageEngine(ctx, policy.Model(snap, day, pl.Rules))
	if err != nil {
		return nil, err
	}
	flagged, err := evalGroups(ctx, eng, snap, list)
	if err != nil {
		return nil, err
	}
	if flagged == 0 {
		return rep, nil
	}

	// Pass 2: every access in a flagged segment is a finding.
	_, err = accesslog.Scan(ctx, files, names, func(a *accesslog.Access) {
		if a.At < w.from || a.At >= w.to {
			return
		}
		g := lookup(a, false)
		if g == nil || g.flagged == nil {
			return
		}
		for _, f := range g.flagged[w.segment(a.At)] {
			rep.Findings = append(rep.Findings, LogFinding{
				Rule: f.Rule, Severity: f.Severity, Timestamp: time.Unix(0, a.At).In(graph.Tokyo).Format(time.RFC3339Nano),
				System: g.system, Account: g.account, Person: f.Person, Action: string(a.Action), Object: string(a.Object), Message: f.Message,
			})
		}
	})
	if err != nil {
		return nil, err
	}
	sort.SliceStable(rep.Findings, func(i, j int) bool {
		a, b := rep.Findings[i], rep.Findings[j]
		for _, p := range [][2]string{{a.Timestamp, b.Timestamp}, {a.System, b.System}, {a.Account, b.Account}, {a.Rule, b.Rule}, {a.Action, b.Action}, {a.Object, b.Object}} {
			if p[0] != p[1] {
				return p[0] < p[1]
			}
		}
		return false
	})
	return rep, nil
}

// usageBatch is how many accounts one evaluation of the usage rules covers:
// batching spreads the fixed cost of an evaluation.
const usageBatch = 128

// evalGroups runs the usage rules for every group on all cores and records
// the findings per segment; it returns how many groups have findings.
func evalGroups(ctx context.Context, eng *policy.Engine, snap *graph.Snapshot, groups []*usageGroup) (int, error) {
	err := policy.Parallel(ctx, len(groups), usageBatch, func(ctx context.Context, lo, hi int) error {
		batch := groups[lo:hi]
		items := make([]*ast.Term, len(batch))
		segments := make([][]int, len(batch))
		for k, g := range batch {
			items[k], segments[k] = usageItem(snap, g)
		}
		fs, err := eng.EvalUsage(ctx, policy.UsageInput(items))
		if err != nil {
			return err
		}
		for _, f := range fs {
			if f.Usage < 0 || f.Usage >= len(batch) || f.Access < 0 || f.Access >= len(segments[f.Usage]) {
				return fmt.Errorf("%w: usage rule %s: usage %d access %d out of range", policy.ErrPolicy, f.Rule, f.Usage, f.Access)
			}
			g := batch[f.Usage]
			if g.flagged == nil {
				g.flagged = make([][]policy.UsageFinding, len(g.first))
			}
			s := segments[f.Usage][f.Access]
			g.flagged[s] = append(g.flagged[s], f)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	flagged := 0
	for _, g := range groups {
		if g.flagged != nil {
			flagged++
		}
	}
	return flagged, nil
}

// usageItem is the usage rules' input for one account (see policy/input.go):
// the account with its grants, its owner, and one access per segment with
// the owner's company and unit at that moment. It also returns the segment
// of each input access.
func usageItem(snap *graph.Snapshot, g *usageGroup) (*ast.Term, []int) {
	acct := snap.Account(graph.AccountKey(g.system, g.account))
	var person *graph.Person
	if acct != nil && acct.Owner != "" {
		person = snap.Person(acct.Owner)
	}
	var accesses []policy.UsageAccess
	var segments []int
	var career *graph.Career
	if person != nil {
		career = snap.Career(person)
	}
	for s, at := range g.first {
		if at == 0 {
			continue
		}
		t := time.Unix(0, at).In(graph.Tokyo)
		x := policy.UsageAccess{At: t, Day: graph.DateOf(t)}
		if career != nil {
			a := career.On(x.Day)
			x.Company, x.Unit = a.Company, a.Unit
		}
		accesses = append(accesses, x)
		segments = append(segments, s)
	}
	return policy.UsageItem(g.system, g.account, acct, person, accesses), segments
}
