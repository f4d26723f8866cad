package certify

import (
	"container/heap"
	"context"
	"iter"
	"strings"

	"github.com/accessrecon/accessrecon/config"
	"github.com/accessrecon/accessrecon/graph"
	"github.com/accessrecon/accessrecon/i18n"
	"github.com/accessrecon/accessrecon/reconcile/calendar"
	"github.com/accessrecon/accessrecon/reconcile/inputs"
	"github.com/accessrecon/accessrecon/reconcile/reviewdb"
)

// Monthly is the built-in template of the monthly layered check of the
// manually administered systems (those with february_reset): the system
// owner unit first, then the holder's manager.
const Monthly = "monthly"

// Events is the built-in template of small reviews triggered by events
// (movers, rights become unused, new rights on confidential systems): one
// stage, the system owner units, 5 business days. A review.templates entry
// of that name replaces it.
const Events = "events"

// Template is what kind of campaign to open: which systems, which stages.
type Template struct {
	Name       string
	Title      string
	Systems    []string
	Stages     []config.TemplateStage
	Unreviewed string
	// Escalation reviews the items whose holder is the only reviewer a
	// stage names and who have no manager (unit:CODE or person:ID).
	Escalation string
	// MinScore: only the rights scoring at least it are reviewed.
	MinScore int
	// ChangedOnly: only the rights changed since the last closed campaign
	// of the template.
	ChangedOnly bool
}

// Scope is the rights the template's campaign reviews.
func (t Template) Scope() Scope { return Scope{Systems: t.Systems, MinScore: t.MinScore} }

// TemplateOf finds a template by name in the config (review.templates),
// else the built-in monthly one; "" is the quarterly campaign of every
// system with one stage, the system owner units, due on the due day.
func TemplateOf(cfg *config.Config, snap *graph.Snapshot, name string) (Template, error) {
	t := Template{Name: name, Unreviewed: reviewdb.Revoke}
	ct, ok := cfg.Review.Templates[name]
	switch {
	case name == "":
		t.Stages = []config.TemplateStage{{Name: "owner", Reviewers: reviewdb.ByOwnerUnit}}
		return t, nil
	case ok:
		t.Title, t.Systems, t.Stages, t.Escalation, t.MinScore, t.ChangedOnly = ct.Title, ct.Systems, ct.Stages, ct.Escalation, ct.MinScore, ct.ChangedOnly
		if ct.Unreviewed != "" {
			t.Unreviewed = ct.Unreviewed
		}
	case name == Events:
		t.Title = "イベントによる確認 event-triggered review"
		t.Stages = []config.TemplateStage{{Name: "所管部署 owner unit", Reviewers: reviewdb.ByOwnerUnit, Days: 5}}
	case name == Monthly:
		t.Title = "月次重層点検 monthly layered check"
		t.Stages = []config.TemplateStage{
			{Name: "所管部署 owner unit", Reviewers: reviewdb.ByOwnerUnit, Days: 5},
			{Name: "上長 manager", Reviewers: reviewdb.ByManager, Days: 10},
		}
	default:
		return t, i18n.Errorf("--template %q: no such template (review.templates of the config, or monthly)", name)
	}
	if len(t.Systems) == 0 && name == Monthly {
		for _, s := range snap.Systems() {
			if s.FebruaryReset {
				t.Systems = append(t.Systems, s.ID)
			}
		}
	}
	for _, id := range t.Systems {
		if snap.System(id) == nil {
			return t, i18n.Errorf("template %s: system %q is not in systems.yaml", name, id)
		}
	}
	return t, nil
}

// StagesFrom are the template's stages with their due days: each stage's days
// counted in business days from the opening day; due, when given, is the
// last stage's.
func (t Template) StagesFrom(cfg *config.Config, opened graph.Date, due string) ([]reviewdb.Stage, error) {
	cal, err := calendar.New(cfg.Calendar.CompanyHolidays)
	if err != nil {
		return nil, err
	}
	var out []reviewdb.Stage
	for i, st := range t.Stages {
		s := reviewdb.Stage{N: i + 1, Name: st.Name, Reviewers: st.Reviewers}
		if st.Days > 0 {
			s.Due = cal.AddBusinessDays(opened, st.Days).String()
		}
		out = append(out, s)
	}
	if due != "" {
		out[len(out)-1].Due = due
	}
	return out, nil
}

// Register puts an opened campaign into the review store, for the
// reviewers in the browser: each item with its holder, their manager, and
// the evidence a reviewer decides on (last use, the rules calling for
// removal, how many of the holder's unit colleagues hold the same right).
// An item whose holder is the only reviewer every stage names goes to the
// template's escalation, else to the holder's manager; the campaign it
// returns lists those routed and those nobody can decide.
func Register(ctx context.Context, st *reviewdb.Store, in *inputs.Inputs, c *Campaign, t Template, stages []reviewdb.Stage, lastUse LastUse, by, dir string) (*reviewdb.Campaign, error) {
	snap := in.Graph.Snapshot()
	asOf, err := graph.ParseDate(c.AsOf)
	if err != nil {
		return nil, err
	}
	// Each active person once: their unit as of the day, and unit sizes.
	type holder struct {
		name, unit, company, manager string
	}
	people := map[string]holder{}
	size := map[string]int{}
	member := map[string]string{} // unit → one of its people
	for _, p := range snap.People() {
		if p.HasLeft(asOf) || p.StartDate > asOf {
			continue
		}
		a := snap.AssignmentAsOf(p, asOf)
		people[p.EmployeeID] = holder{p.Name, a.Unit, a.Company, p.Manager}
		size[a.Unit]++
		member[a.Unit] = p.EmployeeID
	}
	// A reviewer unit of one person: that person's own rights go to the
	// next stage instead of waiting for the default.
	sole := map[string]string{}
	for u, n := range size {
		if n == 1 {
			sole[u] = member[u]
		}
	}
	systems := map[string]string{}
	for _, sys := range snap.Systems() {
		systems[sys.ID] = sys.Name
	}
	// The items are made in item-id order (the store takes them fastest so:
	// each worksheet's are in that order already, so they are merged) while
	// the store writes them.
	made := make(chan []reviewdb.Item, 4)
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		defer close(made)
		const batch = 4096
		buf := make([]reviewdb.Item, 0, batch)
		for ws, i := range mergeSheets(c.Worksheets) {
			it := ws.Items[i]
			x := reviewdb.Item{ItemID: it.ItemID, System: it.System, SystemName: systems[it.System], Account: it.Account, Entitlement: it.Entitlement,
				Person: it.Person, ReviewerUnit: ws.ReviewerUnit, PolicyFlag: strings.Join(it.PolicyFlag, " "),
				LastUsed: lastUse.of(it.System + "/" + it.Account), PeersWith: it.PeersWith, PeersTotal: it.PeersTotal,
				Score: it.Score, Reasons: it.Reasons}
			// People of the feed who are not active as of the day (and ids
			// it does not know) hold rights too.
			if h, ok := people[it.Person]; ok {
				x.PersonName, x.Unit, x.Company, x.Manager = h.name, h.unit, h.company, h.manager
			} else if p := snap.Person(it.Person); p != nil {
				a := snap.AssignmentAsOf(p, asOf)
				x.PersonName, x.Unit, x.Company, x.Manager = p.Name, a.Unit, a.Company, p.Manager
			}
			if buf = append(buf, x); len(buf) == batch {
				select {
				case made <- buf:
				case <-stop:
					return
				}
				buf = make([]reviewdb.Item, 0, batch)
			}
		}
		select {
		case made <- buf:
		case <-stop:
		}
	}()
	items := func(yield func(reviewdb.Item) bool) {
		for b := range made {
			for _, x := range b {
				if !yield(x) {
					return
				}
			}
		}
	}
	rc := &reviewdb.Campaign{ID: c.ID, Title: t.Title, Template: t.Name, AsOf: c.AsOf, CreatedAt: c.CreatedAt, CreatedBy: by,
		Dir: dir, Unreviewed: t.Unreviewed, Escalation: t.Escalation, Stages: stages, Sole: sole}
	return rc, st.CreateCampaignFrom(ctx, rc, items)
}

// mergeSheets yields the items of the worksheets (each in item-id order) in
// item-id order: the worksheet and the item's index in it.
func mergeSheets(sheets []CampaignSheet) iter.Seq2[*CampaignSheet, int] {
	return func(yield func(*CampaignSheet, int) bool) {
		h := &heads{}
		for i := range sheets {
			if len(sheets[i].Items) > 0 {
				h.s = append(h.s, head{&sheets[i], 0})
			}
		}
		heap.Init(h)
		for h.Len() > 0 {
			top := &h.s[0]
			if !yield(top.sheet, top.i) {
				return
			}
			if top.i++; top.i < len(top.sheet.Items) {
				heap.Fix(h, 0)
			} else {
				heap.Pop(h)
			}
		}
	}
}

type head struct {
	sheet *CampaignSheet
	i     int
}

// heads is a heap of the worksheets' next items, least item id first.
type heads struct{ s []head }

func (h *heads) Len() int { return len(h.s) }
func (h *heads) Less(i, j int) bool {
	return h.s[i].sheet.Items[h.s[i].i].ItemID < h.s[j].sheet.Items[h.s[j].i].ItemID
}
func (h *heads) Swap(i, j int) { h.s[i], h.s[j] = h.s[j], h.s[i] }
func (h *heads) Push(x any)    { h.s = append(h.s, x.(head)) }
func (h *heads) Pop() any {
	x := h.s[len(h.s)-1]
	h.s = h.s[:len(h.s)-1]
	return x
}
