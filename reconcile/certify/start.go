package certify

import (
	"context"
	"os"
	"path/filepath"
	"time"

	"github.com/accessrecon/accessrecon/graph"
	"github.com/accessrecon/accessrecon/i18n"
	"github.com/accessrecon/accessrecon/reconcile"
	"github.com/accessrecon/accessrecon/reconcile/audit"
	"github.com/accessrecon/accessrecon/reconcile/inputs"
	"github.com/accessrecon/accessrecon/reconcile/reviewdb"
	"golang.org/x/sync/errgroup"
)

// Opening is a campaign a door asks to open.
type Opening struct {
	ID       string
	AsOf     graph.Date
	Template Template
	Due      string // the day the last stage is due ("" for the template's days)
	Out      string // the campaign's new folder
	By       string
	LastUse  LastUse
	// Since is, for an events campaign, the day after which events count
	// (0: the last events campaign's day, else the day before).
	Since graph.Date
	Link  string // where reviewers decide it in the browser ("" for none)
	Now   time.Time
	// Progress is told of the worksheets written (may be nil); Built is
	// called once the worksheets' rows are made (may be nil).
	Progress func(done, total int)
	Built    func()
	// Record appends to the audit log.
	Record func(context.Context, audit.Event) error
}

// Started is what Start opened: nil campaigns when an events campaign found
// nothing to review (NothingSince says after which day).
type Started struct {
	Campaign     *Campaign
	Store        *reviewdb.Campaign
	NothingSince graph.Date
}

// Start opens a campaign, whatever the door (certify open, serve's daily
// events): the template's scope (what changed since its last closed
// campaign; for events, the window and the rights open elsewhere), the
// campaign registered in the store while its worksheets are built, the
// worksheets and campaign.json written into o.Out, and campaign_opened
// recorded with the digest of campaign.json.
func Start(ctx context.Context, in *inputs.Inputs, pol *reconcile.Policy, st *reviewdb.Store, o Opening) (*Started, error) {
	t := o.Template
	scope := t.Scope()
	var err error
	if t.ChangedOnly {
		if scope.Since, err = LastClosed(ctx, st, t.Name); err != nil {
			return nil, err
		}
	}
	if t.Name == Events {
		if scope.Events, err = EventWindowOf(ctx, st, o.AsOf, o.Since); err != nil {
			return nil, err
		}
	}
	if _, err := os.Stat(filepath.Join(o.Out, CampaignFile)); err == nil {
		return nil, i18n.Errorf("%s: a campaign already exists there; choose another --out", filepath.Join(o.Out, CampaignFile))
	}
	if _, err := st.Campaign(ctx, o.ID); err == nil {
		return nil, i18n.Errorf("campaign %s is already in the review store %s: choose another --campaign", o.ID, st.Path)
	}
	campaign, sheets, err := Open(ctx, in, pol, o.ID, o.AsOf, o.LastUse, scope)
	if err != nil {
		return nil, err
	}
	if scope.Events != nil && len(campaign.Worksheets) == 0 {
		return &Started{NothingSince: scope.Events.Since}, nil
	}
	if o.Due != "" {
		d, err := graph.ParseDate(o.Due)
		if err != nil {
			return nil, i18n.Errorf("--due: %w", err)
		}
		campaign.Due = d.String()
	}
	campaign.Template = t.Name
	stages, err := t.StagesFrom(in.Config, o.AsOf, campaign.Due)
	if err != nil {
		return nil, err
	}
	// The worksheets go to the first stage's reviewers: they are due back
	// when it ends.
	campaign.Due = stages[0].Due
	// The campaign goes into the store while its worksheets are built; they
	// are written once it is there.
	campaign.CreatedAt = o.Now.In(graph.Tokyo).Format(time.RFC3339)
	dir, _ := filepath.Abs(o.Out)
	var rc *reviewdb.Campaign
	var g errgroup.Group
	g.Go(func() (err error) {
		rc, err = Register(ctx, st, in, campaign, t, stages, o.LastUse, o.By, dir)
		return err
	})
	built := sheets()
	if o.Built != nil {
		o.Built()
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	if err := Write(o.Out, campaign, built, o.Now, o.Progress); err != nil {
		return nil, err
	}
	units := map[string]any{}
	for _, w := range campaign.Worksheets {
		units[w.ReviewerUnit] = len(w.Items)
	}
	files, err := audit.FileDigests(o.Out, []string{CampaignFile})
	if err != nil {
		return nil, err
	}
	data := map[string]any{"campaign": campaign.ID, "as_of": campaign.AsOf, "due": campaign.Due, "units": units, "path": dir, "link": o.Link,
		"escalated": len(rc.Escalated), "unreviewable": len(rc.Unreviewable), "min_score": campaign.MinScore, "skipped": campaign.Skipped,
		"since": campaign.Since, "carried": len(campaign.Carried),
		"dir": o.Out, "files": files}
	if scope.Events != nil {
		data["events_since"] = scope.Events.Since.String()
	}
	if err := o.Record(ctx, audit.Event{Event: audit.CampaignOpened, By: o.By, Data: data}); err != nil {
		return nil, err
	}
	return &Started{Campaign: campaign, Store: rc}, nil
}

// EventWindowOf is the window of an events campaign as of day: after since
// when given, else after the last events campaign's day, else the day
// before; the rights open in other campaigns are left to them.
func EventWindowOf(ctx context.Context, st *reviewdb.Store, day, since graph.Date) (*EventWindow, error) {
	w := &EventWindow{Since: since}
	if since == 0 {
		w.Since = day.AddDays(-1)
		cs, err := st.Campaigns(ctx)
		if err != nil {
			return nil, err
		}
		found := false
		for _, x := range cs {
			if d, err := graph.ParseDate(x.AsOf); err == nil && x.Template == Events && d < day && (!found || d > w.Since) {
				w.Since, found = d, true
			}
		}
	}
	if w.Since >= day {
		return nil, i18n.Errorf("--since %s: expected a day before --as-of %s", w.Since, day)
	}
	var err error
	w.Busy, err = st.OpenItems(ctx)
	return w, err
}
