package notify

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/accessrecon/accessrecon/graph"
	"github.com/accessrecon/accessrecon/i18n"
	"github.com/accessrecon/accessrecon/reconcile/audit"
	"github.com/accessrecon/accessrecon/reconcile/reviewdb"
)

// stageEvent is the event of a stage's mail: made here from the review
// store, never written to the audit log (config's campaign_opened,
// campaign_reminder and campaign_overdue name who is told).
const stageEvent = "campaign_stage"

// stageMail is the mail of the later stages of the campaigns in the review
// store (the first stage's reviewers are told by campaign_opened): when
// items reach a stage, each of its reviewers (the unit's people, or the
// manager, and whoever they delegated to) is told their count, the due day
// and the link to their worklist (campaign_opened's recipients with
// reviewers: true); they are reminded from remind_before business days
// before the stage's due day (campaign_reminder); on the due day, with
// items still open, their managers are told (campaign_overdue with
// managers: true), before the stage's default decides them. A reviewer
// never gets mail about a system confidential to another company. Each
// message's id holds the campaign, the stage, the person and the kind, so
// each is sent once.
func (b *batch) stageMail(ctx context.Context) error {
	cfg, snap, day := b.cfg, b.snap, b.day
	path := cfg.Resolve(cfg.Review.Store)
	if !cfg.OnDisk() || (!cfg.Store.Postgres() && !exists(path)) {
		return nil
	}
	opened, openOK := cfg.Notify.Events["campaign_opened"]
	remind, remindOK := cfg.Notify.Events["campaign_reminder"]
	overdue, overdueOK := cfg.Notify.Events["campaign_overdue"]
	if !(openOK && opened.Reviewers) && !(remindOK && remind.Reviewers) && !(overdueOK && overdue.Managers) {
		return nil
	}
	st, err := reviewdb.OpenConfig(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	cs, err := st.Campaigns(ctx)
	if err != nil {
		return err
	}
	for _, c := range cs {
		if c.ClosedAt != "" {
			continue
		}
		full, err := st.Campaign(ctx, c.ID)
		if err != nil {
			return err
		}
		loads, err := st.OpenLoads(ctx, c.ID)
		if err != nil {
			return err
		}
		delegations, err := st.Delegations(ctx, c.ID)
		if err != nil {
			return err
		}
		// Per stage and person: how many items, on which systems.
		type load struct {
			items   int
			systems []string
		}
		per := map[int]map[*graph.Person]*load{}
		for _, l := range loads {
			if l.Stage < 2 {
				continue
			}
			if per[l.Stage] == nil {
				per[l.Stage] = map[*graph.Person]*load{}
			}
			for _, p := range people(snap, l.Assignee, delegations, day) {
				x := per[l.Stage][p]
				if x == nil {
					x = &load{}
					per[l.Stage][p] = x
				}
				x.items += l.Items
				if !slices.Contains(x.systems, l.System) {
					x.systems = append(x.systems, l.System)
				}
			}
		}
		for _, stage := range full.Stages {
			if per[stage.N] == nil {
				continue
			}
			due, _ := graph.ParseDate(stage.Due)
			from := b.remindFrom(due)
			link := ""
			if u := strings.TrimSuffix(cfg.Review.Web.PublicURL, "/"); u != "" {
				link = u + "/campaigns/" + c.ID
			}
			ps := make([]*graph.Person, 0, len(per[stage.N]))
			for p := range per[stage.N] {
				ps = append(ps, p)
			}
			sort.Slice(ps, func(i, j int) bool { return ps[i].EmployeeID < ps[j].EmployeeID })
			for _, p := range ps {
				x := per[stage.N][p]
				e := audit.Event{Event: stageEvent, Digest: "review:" + c.ID + ":" + fmt.Sprint(stage.N),
					Data: map[string]any{"campaign": c.ID, "stage": stage.N, "stage_name": stage.Name, "due": stage.Due, "items": x.items, "link": link}}
				if why := confidential(snap, x.systems, p); why.Format != "" {
					b.refuse(e, p, "", why)
					continue
				}
				if openOK && opened.Reviewers {
					b.add(e, p, "", "")
				}
				if remindOK && remind.Reviewers && !due.IsZero() && day >= from && day <= due && b.cal.IsBusinessDay(day) {
					b.add(e, p, "reminder", "")
				}
				if overdueOK && overdue.Managers && !due.IsZero() && day >= due {
					if m := snap.Person(p.Manager); m != nil && !m.HasLeft(day) {
						if why := confidential(snap, x.systems, m); why.Format != "" {
							b.refuse(e, m, "overdue", why)
							continue
						}
						e.Data["reviewer"] = p.EmployeeID + " " + p.Name
						b.add(e, m, "overdue", "")
					}
				}
			}
		}
	}
	return nil
}

// people are the active people a reviewer key stands for, and those they
// delegated to.
func people(snap *graph.Snapshot, assignee string, delegations []reviewdb.Delegation, day graph.Date) []*graph.Person {
	var out []*graph.Person
	addID := func(id string) {
		if p := snap.Person(id); p != nil && !p.HasLeft(day) && p.StartDate <= day && !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	if id, ok := strings.CutPrefix(assignee, "person:"); ok {
		addID(id)
	} else if unit, ok := strings.CutPrefix(assignee, reviewdb.UnitPrefix); ok {
		for _, p := range snap.People() {
			if !p.HasLeft(day) && p.StartDate <= day && snap.AssignmentAsOf(p, day).Unit == unit {
				addID(p.EmployeeID)
			}
		}
	}
	for _, d := range delegations {
		if slices.ContainsFunc(out, func(p *graph.Person) bool { return p.EmployeeID == d.From }) {
			addID(d.To)
		}
	}
	return out
}

// confidential says why p must not be told of items on these systems.
func confidential(snap *graph.Snapshot, systems []string, p *graph.Person) i18n.Message {
	for _, id := range systems {
		if s := snap.System(id); s != nil && len(s.ConfidentialTo) > 0 && !slices.Contains(s.ConfidentialTo, p.Company) {
			return i18n.M("it concerns %s, confidential to %s: not for company %s", id, strings.Join(s.ConfidentialTo, ", "), p.Company)
		}
	}
	return i18n.Message{}
}
