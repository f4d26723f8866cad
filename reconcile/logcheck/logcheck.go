// Package logcheck is the daily business-day check of the access logs: it
// reads the accesses of the period a business day reviews, evaluates the
// usage rules once per account and segment, and reports every access a rule
// flags.
package logcheck

import (
	"context"
	"hash/maphash"
	"io/fs"
	"runtime"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/accessrecon/accessrecon/connectors/accesslog"
	"github.com/accessrecon/accessrecon/graph"
	"github.com/accessrecon/accessrecon/i18n"
	"github.com/accessrecon/accessrecon/policy"
	"github.com/accessrecon/accessrecon/reconcile"
	"github.com/accessrecon/accessrecon/reconcile/calendar"
	"github.com/accessrecon/accessrecon/reconcile/inputs"
	"github.com/open-policy-agent/opa/v1/ast"
)

// Report is the access-log report of SPEC (`logs check --out`).
type Report struct {
	FormatVersion   int            `json:"format_version"`
	Date            string         `json:"date"`
	Window          Window         `json:"window"`
	AccessesChecked int            `json:"accesses_checked"`
	Malformed       MalformedLines `json:"malformed"`
	Findings        []Finding      `json:"findings"`
}

// Window is the period a business day reviews.
type Window struct {
	From string `json:"from"`
	To   string `json:"to"`
}

// MalformedLines counts the log lines that could not be read and describes
// the first of them.
type MalformedLines struct {
	Count int                   `json:"count"`
	First []accesslog.Malformed `json:"first"`
}

// Finding is one logged access that a usage rule flags.
type Finding struct {
	Rule      string `json:"rule"`
	Severity  string `json:"severity"`
	Timestamp string `json:"timestamp"`
	System    string `json:"system"`
	Account   string `json:"account"`
	Person    string `json:"person"`
	Action    string `json:"action"`
	Object    string `json:"object"`
	Message   string `json:"message"`
	MessageJA string `json:"message_ja,omitempty"`
}

// ErrNotBusinessDay is returned for a --date that is not a business day.
var ErrNotBusinessDay = i18n.Errorf("not a business day")

// usageGroup is everything logged for one account in the window, reduced to
// the segments in which it was used. The state the rules look at (grants,
// employment, company, emergency windows) changes only at segment
// boundaries, so one access per segment stands for all of them.
type usageGroup struct {
	system, account string
	denied          bool    // attempts the system refused (an account's are a group of their own)
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

// Run checks the access logs of the period that business day D
// reviews: from the start of the previous business day to the start of D.
func Run(ctx context.Context, in *inputs.Inputs, pol *reconcile.Policy, cal *calendar.Calendar, day graph.Date, files fs.FS, names []string) (*Report, error) {
	if why, ok := cal.WhyNot(day); ok {
		return nil, i18n.Errorf("--date %s: %w: it is %s", day, ErrNotBusinessDay, why)
	}
	snap := in.Graph.Snapshot()
	prev := cal.PreviousBusinessDay(day)
	w := newLogWindow(snap, prev, day)
	rep := &Report{
		FormatVersion: reconcile.FormatVersion, Date: day.String(),
		Window:   Window{From: prev.Start().Format(time.RFC3339), To: day.Start().Format(time.RFC3339)},
		Findings: []Finding{},
	}

	// Pass 1: which accounts were used in which segments, on every core
	// (plain CSV files are read in one part per core) into one shared index.
	idx := newUsageIndex(len(w.boundaries))
	checked := make([]int, runtime.GOMAXPROCS(0))
	fns := make([]func(*accesslog.Access), len(checked))
	for i := range fns {
		var key []byte
		fns[i] = func(a *accesslog.Access) {
			if a.At < w.from || a.At >= w.to {
				return
			}
			checked[i]++
			key = groupKey(key, a)
			idx.note(key, a, w.segment(a.At))
		}
	}
	stats, err := accesslog.ScanParallel(ctx, files, names, fns)
	if err != nil {
		return nil, err
	}
	for _, n := range checked {
		rep.AccessesChecked += n
	}
	rep.Malformed = MalformedLines{Count: stats.Malformed, First: stats.First}
	if rep.Malformed.First == nil {
		rep.Malformed.First = []accesslog.Malformed{}
	}

	// The usage rules, once per account.
	list := idx.list()
	eng, err := pol.UsageEngine(ctx, snap, day)
	if err != nil {
		return nil, err
	}
	flagged, err := evalGroups(ctx, eng, snap, list, dutyUse(snap, list))
	if err != nil {
		return nil, err
	}
	if flagged == 0 {
		return rep, nil
	}

	// Pass 2: every access in a flagged segment is a finding. Only the
	// flagged accounts are looked up, in a small index every worker reads;
	// plain CSV files are read in one part per core, and the parts'
	// findings are joined in file order.
	flaggedGroups := idx.flagged(flagged)
	parts := make([][]Finding, len(fns))
	for i := range fns {
		var key []byte
		fns[i] = func(a *accesslog.Access) {
			if a.At < w.from || a.At >= w.to {
				return
			}
			key = groupKey(key, a)
			g := flaggedGroups[string(key)]
			if g == nil {
				return
			}
			for _, f := range g.flagged[w.segment(a.At)] {
				parts[i] = append(parts[i], Finding{
					Rule: f.Rule, Severity: f.Severity, Timestamp: time.Unix(0, a.At).In(graph.Tokyo).Format(time.RFC3339Nano),
					System: g.system, Account: g.account, Person: f.Person, Action: string(a.Action), Object: string(a.Object), Message: f.Message, MessageJA: f.MessageJA,
				})
			}
		}
	}
	if _, err := accesslog.ScanParallel(ctx, files, names, fns); err != nil {
		return nil, err
	}
	for _, fs := range parts {
		rep.Findings = append(rep.Findings, fs...)
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

// usageIndex is pass 1's index of the accounts used, keyed by groupKey and
// shared by the scanning workers: at hundreds of thousands of accounts each
// lookup is a cache miss or two, so every core does its share of them. The
// shards keep the workers from waiting for one another.
type usageIndex struct {
	seed     maphash.Seed
	segments int
	shards   [64]struct {
		sync.Mutex
		groups map[string]*usageGroup
	}
}

func newUsageIndex(segments int) *usageIndex {
	x := &usageIndex{seed: maphash.MakeSeed(), segments: segments}
	for i := range x.shards {
		x.shards[i].groups = map[string]*usageGroup{}
	}
	return x
}

// note records an access of segment seg.
func (x *usageIndex) note(key []byte, a *accesslog.Access, seg int) {
	sh := &x.shards[maphash.Bytes(x.seed, key)%uint64(len(x.shards))]
	sh.Lock()
	g := sh.groups[string(key)]
	if g == nil {
		g = &usageGroup{system: string(a.System), account: string(a.Account), denied: a.Denied, first: make([]int64, x.segments)}
		sh.groups[string(key)] = g
	}
	if g.first[seg] == 0 || a.At < g.first[seg] {
		g.first[seg] = a.At
	}
	sh.Unlock()
}

// list is every group.
func (x *usageIndex) list() []*usageGroup {
	var out []*usageGroup
	for i := range x.shards {
		for _, g := range x.shards[i].groups {
			out = append(out, g)
		}
	}
	return out
}

// flagged is the groups with findings, by key.
func (x *usageIndex) flagged(n int) map[string]*usageGroup {
	out := make(map[string]*usageGroup, n)
	for i := range x.shards {
		for k, g := range x.shards[i].groups {
			if g.flagged != nil {
				out[k] = g
			}
		}
	}
	return out
}

// groupKey is the index key of an access's system and account, and
// whether it was refused, built in buf.
func groupKey(buf []byte, a *accesslog.Access) []byte {
	buf = append(buf[:0], a.System...)
	buf = append(buf, 0)
	buf = append(buf, a.Account...)
	if a.Denied {
		buf = append(buf, 0, 'x')
	}
	return buf
}

// personUse is, for a person who used an account in the window, the
// systems they used (allowed accesses) and the rights they hold on active
// accounts (SYSTEM/ENTITLEMENT): what usage.duties_exercised needs to see
// a person use both rights of a separation-of-duties pair.
type personUse struct {
	systems, rights []string
}

// dutyUse is the persons' use, by employee id; nil without a
// separation-of-duties matrix (the rule has nothing to look at).
func dutyUse(snap *graph.Snapshot, groups []*usageGroup) map[string]*personUse {
	if len(snap.DutyConflicts()) == 0 {
		return nil
	}
	out := map[string]*personUse{}
	for _, g := range groups {
		if g.denied {
			continue
		}
		owner := ownerOf(snap.AccountOf(g.system, g.account))
		if owner == "" {
			continue
		}
		pu := out[owner]
		if pu == nil {
			pu = &personUse{}
			for _, a := range snap.AccountsOwnedBy(owner) {
				if a.Status != "active" {
					continue
				}
				for _, gr := range a.Grants {
					pu.rights = append(pu.rights, a.System+"/"+gr.Entitlement)
				}
			}
			out[owner] = pu
		}
		if !slices.Contains(pu.systems, g.system) {
			pu.systems = append(pu.systems, g.system)
		}
	}
	for _, pu := range out {
		slices.Sort(pu.systems)
		slices.Sort(pu.rights)
	}
	return out
}

func ownerOf(a *graph.Account) string {
	if a == nil {
		return ""
	}
	return a.Owner
}

// usageBatch is how many accounts one evaluation of the usage rules covers:
// batching spreads the fixed cost of an evaluation.
const usageBatch = 128

// evalGroups runs the usage rules for every group on all cores and records
// the findings per segment; it returns how many groups have findings.
func evalGroups(ctx context.Context, eng *policy.Engine, snap *graph.Snapshot, groups []*usageGroup, duty map[string]*personUse) (int, error) {
	err := policy.Parallel(ctx, len(groups), usageBatch, func(ctx context.Context, lo, hi int) error {
		batch := groups[lo:hi]
		items := make([]*ast.Term, len(batch))
		segments := make([][]int, len(batch))
		for k, g := range batch {
			items[k], segments[k] = usageItem(eng.Inputs(), snap, g, duty)
		}
		fs, err := eng.EvalUsage(ctx, eng.Inputs().Usage(items))
		if err != nil {
			return err
		}
		for _, f := range fs {
			if f.Usage < 0 || f.Usage >= len(batch) || f.Access < 0 || f.Access >= len(segments[f.Usage]) {
				return i18n.Errorf("%w: usage rule %s: usage %d access %d out of range", policy.ErrPolicy, f.Rule, f.Usage, f.Access)
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
func usageItem(in policy.Inputs, snap *graph.Snapshot, g *usageGroup, duty map[string]*personUse) (*ast.Term, []int) {
	acct := snap.AccountOf(g.system, g.account)
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
	var used, rights []string
	if pu := duty[ownerOf(acct)]; pu != nil && !g.denied {
		used, rights = pu.systems, pu.rights
	}
	return in.UsageItem(g.system, g.account, acct, person, accesses, g.denied, used, rights), segments
}
