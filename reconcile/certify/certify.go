// Package certify is the use case of certification campaigns (quarterly, or
// the layered monthly review), whatever the door a person uses — the CLI,
// returned Excel worksheets, the reviewer pages, serve. The rules of who may
// decide what live here and nowhere else; each door translates its input
// into one call:
//
//   - Open builds a campaign as of a day (every right, flagged where the
//     policy already calls for removal, with each account's last use) and
//     Register puts it into the review store, its one home; items only their
//     holder could review are routed to the template's escalation or the
//     holder's manager.
//   - Decide (a reviewer's decision on items or on a filter), Delegate,
//     Import (returned worksheets, as the decisions of the reviewers they
//     name) and EndStages each run as one transaction of the store with its
//     audit event: never an unknown person or a leaver, never one's own
//     right, never a system confidential to another company, only an item
//     open at a stage the reviewer reviews.
//   - Close closes a campaign once, in one transaction (refused while a
//     stage runs unless forced with a reason), and plans the revocations;
//     Report and Preview are its evidence.
package certify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/accessrecon/accessrecon/connectors/accesslog"
	"github.com/accessrecon/accessrecon/connectors/csvfile"
	"github.com/accessrecon/accessrecon/graph"
	"github.com/accessrecon/accessrecon/i18n"
	"github.com/accessrecon/accessrecon/policy"
	"github.com/accessrecon/accessrecon/reconcile"
	"github.com/accessrecon/accessrecon/reconcile/atomicfile"
	"github.com/accessrecon/accessrecon/reconcile/calendar"
	"github.com/accessrecon/accessrecon/reconcile/inputs"
	"github.com/accessrecon/accessrecon/reconcile/report"
	"github.com/accessrecon/accessrecon/reconcile/reviewdb"
	"github.com/accessrecon/accessrecon/reconcile/risk"
	"github.com/accessrecon/accessrecon/reconcile/worksheet"
)

// Files of a campaign folder.
const (
	CampaignFile  = "campaign.json"
	DecisionsFile = "decisions.json"
)

// Campaign is the manifest of a quarterly certification campaign
// (campaign.json): what was put before which reviewer, as of when, from
// which inputs.
type Campaign struct {
	FormatVersion int    `json:"format_version"`
	ID            string `json:"campaign"`
	AsOf          string `json:"as_of"`
	// Due is the day the worksheets are due back ("" for none).
	Due       string `json:"due,omitempty"`
	CreatedAt string `json:"created_at"`
	// Template is the campaign template it was opened from ("" for the
	// quarterly campaign of every system).
	Template     string            `json:"template,omitempty"`
	Inputs       map[string]string `json:"inputs"`
	PolicyDigest string            `json:"policy_digest"`
	// MinScore is the template's min_score; Skipped the rights left out
	// for scoring under it.
	MinScore   int             `json:"min_score,omitempty"`
	Skipped    int             `json:"skipped,omitempty"`
	Worksheets []CampaignSheet `json:"worksheets"`
	// Since is the campaign whose decisions carry over (a template with
	// changed_only); Carried the rights it kept, unchanged since.
	Since   string    `json:"since,omitempty"`
	Carried []Carried `json:"carried,omitempty"`
}

// CampaignSheet is one reviewer unit's worksheet.
type CampaignSheet struct {
	ReviewerUnit string         `json:"reviewer_unit"`
	Files        []string       `json:"files"`
	Items        []CampaignItem `json:"items"`
}

// CampaignItem is one right under review.
type CampaignItem struct {
	ItemID      string   `json:"item_id"`
	System      string   `json:"system"`
	Account     string   `json:"account"`
	Entitlement string   `json:"entitlement"`
	Person      string   `json:"person"`
	Origin      string   `json:"origin"`
	PolicyFlag  []string `json:"policy_flag"`
	// Changed is why it is reviewed again, in a campaign of what changed
	// since the previous one (ChangedNew, …).
	Changed string `json:"changed,omitempty"`
	// Score is the item's risk score (docs/reviewers.md); Reasons its
	// factors, and the holder's unit's people with the right and in all.
	Score      int           `json:"score"`
	Reasons    []risk.Reason `json:"-"`
	PeersWith  int           `json:"-"`
	PeersTotal int           `json:"-"`
}

// Scope is which rights a campaign reviews: those of the systems (all
// when empty) whose risk score is at least MinScore and, with Since, only
// those that changed since that campaign (the others are carried with
// their decision).
type Scope struct {
	Systems  []string
	MinScore int
	Since    *Previous
	// Events, when set, takes only the rights an event since a day calls
	// to review (a small review: see EventWindow).
	Events *EventWindow
}

// EventWindow is a review triggered by what happened after Since up to
// the day: a mover's rights that few of their new unit hold, a right that
// became unused, a new right on a system confidential to a company.
// Rights already open in another campaign (Busy) are left to it.
type EventWindow struct {
	Since graph.Date
	Busy  map[string]bool
}

// The events that call a right to review (also ChangedMoved, ChangedUnused).
const EventNewConfidential = "new_confidential"

// Previous is what the last closed campaign of a template decided.
type Previous struct {
	ID    string
	AsOf  graph.Date
	Items map[string]PreviousItem
}

// PreviousItem is one item's outcome in the previous campaign.
type PreviousItem struct {
	Status   string // kept or revoked (open: nobody decided it)
	Reviewer string
	At       string
	Unused   bool // it was unused then
}

// Carried is a right unchanged since the previous campaign, which kept
// it: not put before the reviewers again, and listed with that decision.
type Carried struct {
	ItemID   string `json:"item_id"`
	Person   string `json:"person"`
	Campaign string `json:"campaign"`
	Reviewer string `json:"reviewer"`
	At       string `json:"at"`
}

// The changes that put a right before the reviewers again.
const (
	ChangedNew     = "new"     // not in the previous campaign
	ChangedMoved   = "moved"   // the holder moved units since
	ChangedUnused  = "unused"  // it became unused since
	ChangedRevoked = "revoked" // revoked then, held still
	ChangedOpen    = "open"    // nobody decided it then
)

// LastClosed is the last closed campaign of a template in the store (nil
// when there is none).
func LastClosed(ctx context.Context, st *reviewdb.Store, template string) (*Previous, error) {
	cs, err := st.Campaigns(ctx)
	if err != nil {
		return nil, err
	}
	var last *reviewdb.Campaign
	for i := range cs {
		c := &cs[i]
		if c.Template == template && c.ClosedAt != "" && (last == nil || c.ClosedAt > last.ClosedAt) {
			last = c
		}
	}
	if last == nil {
		return nil, nil
	}
	asOf, err := graph.ParseDate(last.AsOf)
	if err != nil {
		return nil, err
	}
	p := &Previous{ID: last.ID, AsOf: asOf, Items: map[string]PreviousItem{}}
	finals, err := st.Finals(ctx, last.ID)
	if err != nil {
		return nil, err
	}
	items, err := st.Items(ctx, last.ID)
	if err != nil {
		return nil, err
	}
	unused := map[string]bool{}
	for _, it := range items {
		for _, r := range it.RiskReasons() {
			if r.Factor == risk.Unused {
				unused[it.ItemID] = true
			}
		}
	}
	for _, f := range finals {
		p.Items[f.ItemID] = PreviousItem{Status: f.Status, Reviewer: f.Reviewer, At: f.At, Unused: unused[f.ItemID]}
	}
	return p, nil
}

// Columns are the columns of a certification worksheet.
var Columns = append(slices.Clone(worksheet.ItemColumns), []worksheet.Column{
	{ID: "expires_at", TitleJA: "有効期限"},
	{ID: "policy_flag", TitleJA: "ポリシー上の取消対象", Width: 36},
	{ID: "last_used", TitleJA: "最終利用日時（JST）", Width: 17},
	{ID: "risk_score", TitleJA: "リスク点数", Width: 8},
	{ID: "risk_reasons", TitleJA: "リスクの理由", Width: 40},
}...)

// LastUse is when each account (SYSTEM/ACCOUNT) was last used by the access
// logs; nil when no logs are configured.
type LastUse map[string]int64

// ReadLastUse scans access logs for the last access through each account.
func ReadLastUse(ctx context.Context, files fs.FS, names []string) (LastUse, accesslog.Stats, error) {
	last := LastUse{}
	st, err := accesslog.Scan(ctx, files, names, func(a *accesslog.Access) {
		key := string(a.System) + "/" + string(a.Account)
		if a.At > last[key] {
			last[key] = a.At
		}
	})
	return last, st, err
}

func (l LastUse) of(accountKey string) string {
	if l == nil {
		return ""
	}
	at, ok := l[accountKey]
	if !ok {
		return "記録なし (never)"
	}
	return time.Unix(0, at).In(graph.Tokyo).Format("2006-01-02 15:04") // JST, as a reviewer reads it
}

// Open builds a campaign as of a day: every right held by an active account
// on the scope's systems, grouped by system owner unit, with a flag where
// the policy already calls for removing it, when lastUse is not nil when
// the account was last used ("never" if the logs do not show it), and its
// risk score with the reasons (only the items scoring at least
// scope.MinScore are put before the reviewers; Skipped counts the others).
// The worksheets (one per owner unit) are built by the function it
// returns, so that a caller can build them while the campaign is
// registered.
func Open(ctx context.Context, in *inputs.Inputs, pol *reconcile.Policy, id string, asOf graph.Date, lastUse LastUse, scope Scope) (*Campaign, func() []*worksheet.Sheet, error) {
	snap := in.Graph.Snapshot()
	settings, err := risk.SettingsOf(in.Config.Review.Risk)
	if err != nil {
		return nil, nil, err
	}
	cal, err := reconcile.CalendarOf(in.Config)
	if err != nil {
		return nil, nil, err
	}
	forbidden, err := pol.RemovalsAt(ctx, snap, asOf)
	if err != nil {
		return nil, nil, err
	}
	items := worksheet.ActiveGrants(snap, func(s *graph.System) bool { return len(scope.Systems) == 0 || slices.Contains(scope.Systems, s.ID) })
	c := &Campaign{FormatVersion: reconcile.FormatVersion, ID: id, AsOf: asOf.String(), Inputs: in.Digests, PolicyDigest: pol.Compiled.Digest(), MinScore: scope.MinScore}
	if scope.Since != nil {
		c.Since = scope.Since.ID
	}
	sc := newScorer(snap, cal, asOf, settings, lastUse, items)
	career, unused := sc.career, sc.unused
	interned := reasonSets{}
	flags := make([][]string, len(items))
	type scoredItem struct {
		score   int
		reasons []risk.Reason
	}
	scored := make([]scoredItem, 0, len(items))
	titles := report.Renderer{Lang: report.LangJA, Rules: pol.Compiled.Rules()}
	byUnit := map[string]*CampaignSheet{}
	kept := items[:0:0]
	var keptFlags [][]string
	scores := sc.scoreAll(items, func(i int, it worksheet.Item) []string {
		flags[i] = nonNil(ruleIDs(forbidden.OfKeys(it.Key, it.Grant.AccountKey())))
		return flags[i]
	})
	for i, it := range items {
		pid, _ := it.Holder()
		ci := CampaignItem{
			ItemID: it.Key, System: it.Grant.System, Account: it.Grant.Account, Entitlement: it.Grant.Entitlement,
			Person: pid, Origin: it.Grant.Origin, PolicyFlag: flags[i],
			Score: scores[i].score, Reasons: scores[i].reasons, PeersWith: scores[i].with, PeersTotal: scores[i].total,
		}
		scores[i].reasons = nil
		if ev := scope.Events; ev != nil {
			f := sc.facts(i, it, flags[i])
			var moved bool
			if it.Person != nil {
				moved = career(it.Person).On(ev.Since).Unit != career(it.Person).On(asOf).Unit
			}
			why := eventOf(ev, ci, f, it.Grant.GrantedAt, asOf, moved, unused(ev.Since), settings)
			if why == "" {
				continue
			}
			ci.Reasons = append(ci.Reasons, risk.Reason{Factor: risk.Changed, Evidence: ev.Since.String() + "/" + why})
		}
		if ci.Score < scope.MinScore {
			c.Skipped++
			continue
		}
		if prev := scope.Since; prev != nil {
			var unit, then string
			if it.Person != nil {
				unit, then = career(it.Person).On(asOf).Unit, career(it.Person).On(prev.AsOf).Unit
			}
			if ci.Changed = changedSince(prev, ci, unit, then); ci.Changed == "" {
				was := prev.Items[ci.ItemID]
				c.Carried = append(c.Carried, Carried{ItemID: ci.ItemID, Person: ci.Person, Campaign: prev.ID, Reviewer: was.Reviewer, At: was.At})
				continue
			}
			ci.Reasons = append(ci.Reasons, risk.Reason{Factor: risk.Changed, Evidence: prev.ID + "/" + ci.Changed})
		}
		ci.Reasons = interned.of(ci.Reasons)
		scored = append(scored, scoredItem{ci.Score, ci.Reasons})
		kept = append(kept, it)
		keptFlags = append(keptFlags, flags[i])
		unit := worksheet.ReviewerUnit(it.System)
		cs := byUnit[unit]
		if cs == nil {
			base := "certify-" + atomicfile.SafeFileName(unit)
			cs = &CampaignSheet{ReviewerUnit: unit, Files: []string{base + ".xlsx", base + ".csv"}}
			byUnit[unit] = cs
		}
		cs.Items = append(cs.Items, ci)
	}
	items, flags = kept, keptFlags
	for _, u := range slices.Sorted(maps.Keys(byUnit)) {
		c.Worksheets = append(c.Worksheets, *byUnit[u])
	}
	sheets := func() []*worksheet.Sheet {
		n := 0
		sheets := worksheet.ByReviewer(items, Columns, func(it worksheet.Item) []string {
			flag, ci := flags[n], scored[n]
			n++
			pid, name := it.Holder()
			var a graph.Assignment
			if it.Person != nil {
				a = career(it.Person).On(asOf)
			}
			return []string{it.Key, it.Grant.System, it.System.Name, it.Grant.Account, it.Grant.Entitlement, pid, name,
				a.Unit, worksheet.UnitName(snap, a.Unit), a.Company, it.Grant.Origin, it.Grant.GrantedAt.String(), it.Grant.ExpiresAt.String(), flagText(titles, flag),
				lastUse.of(it.Grant.AccountKey()), strconv.Itoa(ci.score), interned.text(ci.reasons)}
		})
		for _, sh := range sheets {
			sh.Title = fmt.Sprintf("権限棚卸し %s　%s %s", id, sh.Name, worksheet.UnitName(snap, sh.Name))
		}
		return sheets
	}
	return c, sheets, nil
}

// scorer is what scoring a campaign's rights reads once: each person's
// career and assignment on the day (a person holds some ten rights), their
// units' peers, each holder's set of rights, each right's number, the
// business days since each day of last use.
type scorer struct {
	snap     *graph.Snapshot
	asOf     graph.Date
	settings risk.Settings
	lastUse  LastUse
	careers  map[*graph.Person]*graph.Career
	assigned map[*graph.Person]personOn
	peers    *peerCounts
	rightOf  []int32 // by item index
	holders  map[*graph.Person]*heldRights
	unused   func(graph.Date) int
}

// personOn is a person's assignment on the day, with its unit's number
// (-1: a unit no active person is in).
type personOn struct {
	graph.Assignment
	unit int32
}

type heldRights struct{ rights, outliers int }

func newScorer(snap *graph.Snapshot, cal *calendar.Calendar, asOf graph.Date, settings risk.Settings, lastUse LastUse, items []worksheet.Item) *scorer {
	memo := businessDaysSince(cal, asOf)
	var mu sync.Mutex
	sc := &scorer{snap: snap, asOf: asOf, settings: settings, lastUse: lastUse, careers: map[*graph.Person]*graph.Career{},
		assigned: map[*graph.Person]personOn{}, holders: map[*graph.Person]*heldRights{}, unused: func(d graph.Date) int {
			mu.Lock()
			defer mu.Unlock()
			return memo(d)
		}}
	sc.peers = countPeers(snap, asOf, items, sc.on)
	sc.rightOf = sc.peers.rightOf
	// The units were numbered while the assignments were read: number them
	// now.
	for p, a := range sc.assigned {
		if u, ok := sc.peers.unitIdx[a.Unit]; ok {
			a.unit = u
			sc.assigned[p] = a
		}
	}
	// Each holder's rights under review, and how many of them few of their
	// unit hold (the holder's set against their unit).
	for i, it := range items {
		if it.Person == nil {
			continue
		}
		h := sc.holders[it.Person]
		if h == nil {
			h = &heldRights{}
			sc.holders[it.Person] = h
		}
		h.rights++
		if settings.Outlier(sc.peers.count(sc.on(it.Person).unit, sc.rightOf[i])) {
			h.outliers++
		}
	}
	// Scoring reads the careers on all cores: each one's units read now.
	for _, c := range sc.careers {
		c.Warm()
	}
	return sc
}

func (sc *scorer) career(p *graph.Person) *graph.Career {
	c, ok := sc.careers[p]
	if !ok {
		c = sc.snap.Career(p)
		sc.careers[p] = c
	}
	return c
}

// on is a person's assignment on the day, read once.
func (sc *scorer) on(p *graph.Person) personOn {
	a, ok := sc.assigned[p]
	if !ok {
		a.Assignment = sc.career(p).On(sc.asOf)
		a.unit = -1
		if sc.peers != nil {
			if u, ok := sc.peers.unitIdx[a.Unit]; ok {
				a.unit = u
			}
		}
		sc.assigned[p] = a
	}
	return a
}

// itemScore is one right's score, its reasons and its unit's peers.
type itemScore struct {
	score, with, total int
	reasons            []risk.Reason
}

// scoreAll scores every right on all the cores: the caches newScorer
// filled are only read here (the business days' memo has a lock). rules
// gives the i-th right's rules calling for its removal, on the core that
// scores it.
func (sc *scorer) scoreAll(items []worksheet.Item, rules func(int, worksheet.Item) []string) []itemScore {
	out := make([]itemScore, len(items))
	workers := runtime.GOMAXPROCS(0)
	chunk := (len(items) + workers - 1) / max(workers, 1)
	var wg sync.WaitGroup
	for start := 0; start < len(items); start += chunk {
		end := min(start+chunk, len(items))
		wg.Go(func() {
			for i := start; i < end; i++ {
				f := sc.facts(i, items[i], rules(i, items[i]))
				x := &out[i]
				x.score, x.reasons = risk.Score(f, sc.settings)
				x.with, x.total = f.PeersWith, f.PeersTotal
			}
		})
	}
	wg.Wait()
	return out
}

// facts are what is known of the i-th right for its score; rules are
// those calling for its removal.
func (sc *scorer) facts(i int, it worksheet.Item, rules []string) risk.Facts {
	f := risk.Facts{ConfidentialTo: it.System.ConfidentialTo, Logs: sc.lastUse != nil, Rules: rules, Origin: it.Grant.Origin}
	if it.Person != nil {
		a := sc.on(it.Person)
		f.HolderCompany = a.Company
		f.PeersWith, f.PeersTotal = sc.peers.count(a.unit, sc.rightOf[i])
		h := sc.holders[it.Person]
		f.HolderRights, f.HolderOutliers = h.rights, h.outliers
		if cr := sc.career(it.Person); cr.Moved() && it.Grant.GrantedAt != 0 && it.Grant.GrantedAt < sc.asOf {
			if then := cr.On(it.Grant.GrantedAt); then.Unit != "" && then.Unit != a.Unit {
				f.MovedFrom, f.MovedTo = then.Unit, a.Unit
			}
		}
	}
	if sc.lastUse != nil {
		if at, ok := sc.lastUse[it.Grant.AccountKey()]; ok {
			day := graph.DateOf(time.Unix(0, at))
			f.LastUsed, f.UnusedDays = day.String(), sc.unused(day)
		}
	}
	return f
}

// eventOf is the event since ev.Since that calls a right to review, ""
// for none: the holder moved and few of the new unit hold it, the right
// crossed unused_days without use in the window (sinceDays: the business
// days of the window), or it was granted in the window on a confidential
// system.
func eventOf(ev *EventWindow, ci CampaignItem, f risk.Facts, granted, asOf graph.Date, moved bool, sinceDays int, s risk.Settings) string {
	has := func(factor string) bool {
		return slices.ContainsFunc(ci.Reasons, func(r risk.Reason) bool { return r.Factor == factor })
	}
	switch {
	case ev.Busy[ci.ItemID]:
		return ""
	case moved && has(risk.PeerOutlier):
		return ChangedMoved
	case granted > ev.Since && granted <= asOf && len(f.ConfidentialTo) > 0:
		return EventNewConfidential
	case has(risk.Unused) && f.LastUsed != "" && f.UnusedDays-sinceDays < s.UnusedDays:
		return ChangedUnused
	}
	return ""
}

// changedSince is why a right is reviewed again since the previous
// campaign, "" when it is unchanged and was kept then: unit is the
// holder's unit as of the day and then their unit on the previous
// campaign's day ("" for a holder not in the HR feed).
func changedSince(prev *Previous, ci CampaignItem, unit, then string) string {
	was, ok := prev.Items[ci.ItemID]
	switch {
	case !ok:
		return ChangedNew
	case was.Status == reviewdb.StatusRevoked:
		return ChangedRevoked
	case was.Status != reviewdb.StatusKept:
		return ChangedOpen
	case unit != "" && then != unit:
		return ChangedMoved
	case !was.Unused && slices.ContainsFunc(ci.Reasons, func(r risk.Reason) bool { return r.Factor == risk.Unused }):
		return ChangedUnused
	}
	return ""
}

// reasonSets keep each distinct list of reasons once (a million items
// have a few hundred), with its Japanese text.
type reasonSets map[string]*reasonSet

type reasonSet struct {
	reasons []risk.Reason
	text    string
}

// of is the kept list equal to rs.
func (m reasonSets) of(rs []risk.Reason) []risk.Reason {
	if len(rs) == 0 {
		return nil
	}
	k := risk.Key(rs)
	if x, ok := m[k]; ok {
		return x.reasons
	}
	m[k] = &reasonSet{reasons: rs, text: risk.Texts(i18n.JA, rs)}
	return rs
}

// text is the Japanese of a kept list.
func (m reasonSets) text(rs []risk.Reason) string {
	if len(rs) == 0 {
		return ""
	}
	return m[risk.Key(rs)].text
}

// peerCounts are, per unit, how many of its active people there are and
// how many hold each right (a person holding it through two accounts
// counts once). Units and rights are numbered, and the counts kept in one
// table: a million people's ten million rights are counted without hashing
// three strings each.
type peerCounts struct {
	unitIdx map[string]int32
	size    []int32
	nRights int32
	holders []int32 // [unit*nRights + right]
	rightOf []int32 // each item's right
}

// count is how many of a unit's people hold a right, and how many it has
// (0, 0 for a unit no active person is in).
func (p *peerCounts) count(unit, right int32) (with, total int) {
	if unit < 0 {
		return 0, 0
	}
	return int(p.holders[int(unit)*int(p.nRights)+int(right)]), int(p.size[unit])
}

func countPeers(snap *graph.Snapshot, asOf graph.Date, items []worksheet.Item, on func(*graph.Person) personOn) *peerCounts {
	p := &peerCounts{unitIdx: map[string]int32{}, rightOf: make([]int32, len(items))}
	var active []*graph.Person
	for _, person := range snap.People() {
		if person.HasLeft(asOf) || person.StartDate > asOf {
			continue
		}
		u := on(person).Unit
		i, ok := p.unitIdx[u]
		if !ok {
			i = int32(len(p.size))
			p.unitIdx[u] = i
			p.size = append(p.size, 0)
		}
		p.size[i]++
		active = append(active, person)
	}
	rights := map[string]map[string]int32{} // system → entitlement → number
	for i, it := range items {
		es := rights[it.Grant.System]
		if es == nil {
			es = map[string]int32{}
			rights[it.Grant.System] = es
		}
		r, ok := es[it.Grant.Entitlement]
		if !ok {
			r = p.nRights
			es[it.Grant.Entitlement] = r
			p.nRights++
		}
		p.rightOf[i] = r
	}
	p.holders = make([]int32, len(p.size)*int(p.nRights))
	// Each active person numbered, with their unit's number.
	type activeOn struct{ n, unit int32 }
	isActive := make(map[*graph.Person]activeOn, len(active))
	for n, person := range active {
		isActive[person] = activeOn{int32(n), p.unitIdx[on(person).Unit]}
	}
	// A person holding a right through two accounts counts once: the
	// (person, right) pairs are kept as numbers.
	seen := make(map[uint64]struct{}, len(items))
	for i, it := range items {
		a, ok := isActive[it.Person]
		if !ok {
			continue
		}
		k := uint64(a.n)<<32 | uint64(p.rightOf[i])
		if _, dup := seen[k]; !dup {
			seen[k] = struct{}{}
			p.holders[int(a.unit)*int(p.nRights)+int(p.rightOf[i])]++
		}
	}
	return p
}

// businessDaysSince counts the business days after a day up to asOf, each
// day once however many items ask.
func businessDaysSince(cal *calendar.Calendar, asOf graph.Date) func(graph.Date) int {
	memo := map[graph.Date]int{}
	return func(d graph.Date) int {
		if n, ok := memo[d]; ok {
			return n
		}
		n := 0
		for x := d.AddDays(1); x <= asOf; x = x.AddDays(1) {
			if cal.IsBusinessDay(x) {
				n++
			}
		}
		memo[d] = n
		return n
	}
}

// flagText is the rules that call for removing an item, each by id with
// its Japanese title (the worksheet is read, and printed, in Japan).
func flagText(titles report.Renderer, rules []string) string {
	parts := make([]string, len(rules))
	for i, r := range rules {
		if t := titles.Title(r); t != r {
			parts[i] = r + "（" + t + "）"
		} else {
			parts[i] = r
		}
	}
	return strings.Join(parts, "\n")
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// Write writes a new campaign folder: the worksheets and then the
// manifest. It refuses to overwrite an existing campaign. progress, if set,
// is told of each worksheet written.
func Write(dir string, c *Campaign, sheets []*worksheet.Sheet, now time.Time, progress func(done, total int)) error {
	if _, err := os.Stat(filepath.Join(dir, CampaignFile)); err == nil {
		return i18n.Errorf("%s: a campaign already exists there; choose another --out", filepath.Join(dir, CampaignFile))
	}
	if _, err := worksheet.Write(dir, "certify", sheets, progress); err != nil {
		return err
	}
	if c.CreatedAt == "" {
		c.CreatedAt = now.In(graph.Tokyo).Format(time.RFC3339)
	}
	if c.Since != "" {
		// The rights carried with their last decision, for people to read
		// (Excel, formulas defused): not hidden because not reviewed.
		var buf bytes.Buffer
		buf.WriteString("\ufeff")
		w := csvfile.NewExcelWriter(&buf)
		w.Write([]string{"item_id 項目ID", "person 社員番号", "campaign 前回の棚卸し", "decision 前回の判定", "reviewer 前回の確認者", "decided_at 前回の判定日時"})
		for _, x := range c.Carried {
			w.Write([]string{x.ItemID, x.Person, x.Campaign, "keep 維持", x.Reviewer, x.At})
		}
		w.Flush()
		if err := w.Error(); err != nil {
			return err
		}
		if err := atomicfile.WriteFileIn(dir, CarriedFile, buf.Bytes()); err != nil {
			return err
		}
	}
	return atomicfile.WriteJSONIn(dir, CampaignFile, c)
}

// CarriedFile lists, in a campaign of what changed, the rights carried
// with the previous campaign's decision.
const CarriedFile = "carried.csv"

// Read reads DIR/campaign.json.
func Read(dir string) (*Campaign, error) {
	path := filepath.Join(dir, CampaignFile)
	data, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, i18n.Errorf("%s: not a campaign folder (no %s; create one with `certify open`)", dir, CampaignFile)
		}
		return nil, i18n.Errorf("%s: %w", path, err)
	}
	var c Campaign
	if err := json.Unmarshal(data, &c); err != nil {
		return nil, i18n.Errorf("%s: not a campaign manifest: %w", path, err)
	}
	if c.FormatVersion != reconcile.FormatVersion {
		return nil, i18n.Errorf("%s: field format_version: expected %d, got %d", path, reconcile.FormatVersion, c.FormatVersion)
	}
	return &c, nil
}

// Items is every item of the campaign by item id, with its reviewer unit.
func (c *Campaign) Items() map[string]CampaignItem {
	out := map[string]CampaignItem{}
	for _, s := range c.Worksheets {
		for _, it := range s.Items {
			out[it.ItemID] = it
		}
	}
	return out
}

// ReportMarkdown renders the report for auditors: how the campaign was
// closed (by whom, when, what its unreviewed items became, and why when it
// was closed before its last stage ended) and the counts per reviewer unit.
// In Japanese when ja; the table's headers are in both languages.
func ReportMarkdown(c *reviewdb.Campaign, stats []ReviewerStats, ja bool) []byte {
	var b strings.Builder
	unreviewed := map[bool]map[string]string{false: {"revoke": "revoked", "keep": "kept"}, true: {"revoke": "取消", "keep": "継続"}}[ja][c.CloseUnreviewed]
	switch {
	case ja && c.ClosedAt == "":
		fmt.Fprintf(&b, "# 権限棚卸し %s（基準日 %s）\n\n未締切（集計時点の見込み）。\n\n", c.ID, c.AsOf)
	case ja:
		fmt.Fprintf(&b, "# 権限棚卸し %s（基準日 %s）\n\n%s に %s が締切。未確認の項目: %s。\n\n", c.ID, c.AsOf, c.ClosedAt, c.ClosedBy, unreviewed)
	case c.ClosedAt == "":
		fmt.Fprintf(&b, "# Certification campaign %s (as of %s)\n\nNot closed yet (what it would close with now).\n\n", c.ID, c.AsOf)
	default:
		fmt.Fprintf(&b, "# Certification campaign %s (as of %s)\n\nClosed %s by %s, unreviewed items: %s.\n\n", c.ID, c.AsOf, c.ClosedAt, c.ClosedBy, unreviewed)
	}
	if c.CloseForced != "" {
		if ja {
			fmt.Fprintf(&b, "**最終段階の終了前に締切**: %s\n\n", report.MarkdownCell(c.CloseForced))
		} else {
			fmt.Fprintf(&b, "**Closed before its last stage ended**: %s\n\n", report.MarkdownCell(c.CloseForced))
		}
	}
	b.WriteString("| reviewer unit 確認部署 | reviewers 確認者 | items 件数 | kept 継続 | revoked 取消 | unreviewed 未確認 | first 最初 | last 最後 |\n|---|---|---:|---:|---:|---:|---|---|\n")
	var total ReviewerStats
	for _, s := range stats {
		fmt.Fprintf(&b, "| %s | %s | %d | %d | %d | %d | %s | %s |\n", report.MarkdownCell(s.ReviewerUnit), report.MarkdownCell(strings.Join(s.Reviewers, ", ")),
			s.Items, s.Kept, s.Revoked, s.Unreviewed, report.MarkdownCell(s.First), report.MarkdownCell(s.Last))
		total.Items += s.Items
		total.Kept += s.Kept
		total.Revoked += s.Revoked
		total.Unreviewed += s.Unreviewed
	}
	fmt.Fprintf(&b, "| **total** | | %d | %d | %d | %d | | |\n", total.Items, total.Kept, total.Revoked, total.Unreviewed)
	return []byte(b.String())
}

// ReportCSV is the report as CSV with a BOM, for Excel.
func ReportCSV(stats []ReviewerStats) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString("\ufeff")
	w := csvfile.NewExcelWriter(&buf)
	w.Write([]string{"reviewer_unit", "reviewers", "items", "kept", "revoked", "unreviewed", "first_decided_at", "last_decided_at"})
	for _, s := range stats {
		w.Write([]string{s.ReviewerUnit, strings.Join(s.Reviewers, " "), fmt.Sprint(s.Items), fmt.Sprint(s.Kept), fmt.Sprint(s.Revoked), fmt.Sprint(s.Unreviewed), s.First, s.Last})
	}
	w.Flush()
	return buf.Bytes(), w.Error()
}

func ruleIDs(fs []policy.Finding) []string {
	var out []string
	for _, f := range fs {
		if !slices.Contains(out, f.Rule) {
			out = append(out, f.Rule)
		}
	}
	sort.Strings(out)
	return out
}
