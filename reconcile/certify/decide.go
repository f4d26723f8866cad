package certify

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/accessrecon/accessrecon/config"
	"github.com/accessrecon/accessrecon/graph"
	"github.com/accessrecon/accessrecon/i18n"
	"github.com/accessrecon/accessrecon/policy"
	"github.com/accessrecon/accessrecon/reconcile"
	"github.com/accessrecon/accessrecon/reconcile/audit"
	"github.com/accessrecon/accessrecon/reconcile/inputs"
	"github.com/accessrecon/accessrecon/reconcile/reviewdb"
	"github.com/accessrecon/accessrecon/reconcile/worksheet"
)

// Desk is what every door (the reviewer pages, the worksheets read back by
// certify close, the CLI) decides a campaign with: the review store, the HR
// feed and systems reviewers are checked against, the clock, and the audit
// log. A decision is taken only with its audit event written.
type Desk struct {
	Store *reviewdb.Store
	Snap  *graph.Snapshot
	Now   time.Time
	// Record appends to the audit log; an error undoes the decision.
	Record func(context.Context, audit.Event) error
}

func (d Desk) today() graph.Date { return graph.DateOf(d.Now) }

// Identity is who decides, as the door verified them: the OpenID issuer
// and subject in the browser, the reviewer a worksheet names.
type Identity struct {
	EmployeeID, Issuer, Subject string
	// Source is the door: web or worksheet.
	Source string
}

// ReviewerOf is who may decide as of today (reconcile.DeciderOf: never
// nobody, an unknown person or a leaver), with their unit and the systems
// confidential to a company other than theirs, whose items they neither see
// nor decide (the information firewall).
func ReviewerOf(snap *graph.Snapshot, id Identity, today graph.Date) (reviewdb.Reviewer, error) {
	d, err := reconcile.DeciderOf(snap, id.EmployeeID, today)
	if err != nil {
		return reviewdb.Reviewer{}, err
	}
	return reviewdb.Reviewer{EmployeeID: d.Person.EmployeeID, Unit: d.Unit, Issuer: id.Issuer, Subject: id.Subject, Source: id.Source, Hidden: d.Hidden}, nil
}

// Selection is what a decision is about: the items named, or every item of
// the reviewer's worklist a filter selects (a bulk decision).
type Selection struct {
	Items  []string
	Filter *reviewdb.Filter
}

// Decide records a reviewer's decision (keep or revoke, with a reason) on
// the selected items of a campaign, in one transaction with its audit
// event: never on the reviewer's own right, never by an unknown person or a
// leaver, never on a system confidential to another company, only on items
// open at a stage the reviewer reviews. What is refused is counted in the
// result with why.
func Decide(ctx context.Context, d Desk, campaignID string, who Identity, sel Selection, decision, reason string) (reviewdb.Result, error) {
	r, err := ReviewerOf(d.Snap, who, d.today())
	if err != nil {
		return reviewdb.Result{}, err
	}
	data := map[string]any{"campaign": campaignID, "decision": decision, "reason": reason, "issuer": who.Issuer, "subject": who.Subject}
	hook := func(ctx context.Context, res reviewdb.Result) error {
		data["decided"], data["refused"] = res.Decided, len(res.Refused)
		return d.Record(ctx, audit.Event{Event: audit.ReviewDecision, By: r.EmployeeID, Data: data})
	}
	if sel.Filter != nil {
		// Plain values only: the log reads its data back as JSON maps.
		f := sel.Filter
		data["filter"] = map[string]any{"system": f.System, "rule": f.Rule, "person": f.Person, "flagged": f.Flagged}
		return d.Store.DecideFilter(ctx, campaignID, r, *sel.Filter, decision, reason, hook)
	}
	data["items"] = sel.Items
	return d.Store.Decide(ctx, campaignID, r, sel.Items, decision, reason, hook)
}

// Delegate hands a reviewer's part of an open campaign to another active
// person of the same company (both can then decide it), with its audit
// event. It returns the person delegated to.
func Delegate(ctx context.Context, d Desk, campaignID string, who Identity, to string) (*graph.Person, error) {
	r, err := ReviewerOf(d.Snap, who, d.today())
	if err != nil {
		return nil, err
	}
	p, err := reconcile.ActivePerson(d.Snap, to, d.today())
	if err != nil {
		return nil, err
	}
	mine := d.Snap.AssignmentAsOf(d.Snap.Person(r.EmployeeID), d.today()).Company
	if company := d.Snap.AssignmentAsOf(p, d.today()).Company; company != mine {
		return nil, i18n.Errorf("%s works for %s, not %s: delegate within your company", p.EmployeeID, company, mine)
	}
	return p, d.Store.Delegate(ctx, campaignID, r, p.EmployeeID, func(ctx context.Context) error {
		return d.Record(ctx, audit.Event{Event: audit.ReviewDelegation, By: r.EmployeeID, Data: map[string]any{"campaign": campaignID, "to": p.EmployeeID, "issuer": who.Issuer, "subject": who.Subject}})
	})
}

// IsOwner says whether a person follows the campaigns' progress: the people
// review.web.owners names, else those apply.approvers allows.
func IsOwner(snap *graph.Snapshot, cfg *config.Config, p *graph.Person, day graph.Date) bool {
	o := cfg.Review.Web.Owners
	if len(o.Units) == 0 && len(o.Tags) == 0 && len(o.IDs) == 0 {
		o = cfg.Apply.Approvers
	}
	return reconcile.MayApprove(snap, o, p, day) == ""
}

// EndStages ends the stages of every open campaign whose due day has passed:
// their open items follow the campaign's default, with an audit event per
// campaign. It returns how many items were decided.
func EndStages(ctx context.Context, d Desk) (int, error) {
	cs, err := d.Store.Campaigns(ctx)
	if err != nil {
		return 0, err
	}
	total := 0
	var errs []error
	for _, c := range cs {
		if c.ClosedAt != "" {
			continue
		}
		n, err := d.Store.EndStages(ctx, c.ID, d.today().String(), func(ctx context.Context, n int) error {
			return d.Record(ctx, audit.Event{Event: audit.ReviewStageEnded, By: "accessrecon", Data: map[string]any{"campaign": c.ID, "items": n}})
		})
		if err != nil {
			errs = append(errs, i18n.Errorf("campaign %s: %w", c.ID, err))
		}
		total += n
	}
	return total, errors.Join(errs...)
}

// CloseOptions are how a campaign is closed.
type CloseOptions struct {
	// AsOf is the plan's day.
	AsOf graph.Date
	By   string
	// Unreviewed is what items nobody decided become: revoke or keep (""
	// for the campaign's own).
	Unreviewed string
	// Force is the reason for closing before the last stage has ended,
	// recorded and shown in the report ("" refuses such a close).
	Force string
	// Worksheets are the decisions of returned worksheets, each taken as a
	// decision of the reviewer it names.
	Worksheets []worksheet.Decision
	// Publish writes the plan (the command's --out); it runs inside the
	// close, so a plan that cannot be written leaves the campaign open.
	Publish func(*reconcile.Plan) error
}

// Closed is what a close did.
type Closed struct {
	Plan    *reconcile.Plan
	Closing *reviewdb.Closing
}

// Close closes a campaign once, in one transaction: the worksheets'
// decisions are taken into the store (each checked as in the browser; any
// row refused refuses the close, naming file and row), the stages due
// before today end, the decisions are read and the revocations planned (the
// items decided revoke, and the unreviewed unless they are kept), the plan
// is published, the audit event written and the campaign marked closed. A
// second close is refused naming the first; a close before the last stage
// ended is refused unless forced with a reason.
func Close(ctx context.Context, d Desk, in *inputs.Inputs, pol *reconcile.Policy, campaignID string, o CloseOptions) (*Closed, error) {
	imps, refused := imports(d, o.Worksheets)
	out := &Closed{}
	cl, err := d.Store.CloseCampaign(ctx, campaignID, reviewdb.CloseOptions{
		By: o.By, Today: d.today().String(), Unreviewed: o.Unreviewed, Force: o.Force, Imports: imps, Refused: refused,
		Publish: func(ctx context.Context, cl *reviewdb.Closing) (string, error) {
			out.Plan = closingPlan(in, pol, cl, o.AsOf)
			if o.Publish != nil {
				if err := o.Publish(out.Plan); err != nil {
					return "", err
				}
			}
			c := cl.Campaign
			data := map[string]any{"campaign": c.ID, "unreviewed": c.CloseUnreviewed, "decisions": decided(cl), "imported": cl.Imported,
				"superseded": len(cl.Superseded), "defaulted": cl.Defaulted, "plan": out.Plan.Digest}
			if c.CloseForced != "" {
				data["forced"], data["open"] = c.CloseForced, cl.Open
			}
			if err := d.Record(ctx, audit.Event{Event: audit.CampaignClosed, By: o.By, Plan: out.Plan.Digest, Data: data}); err != nil {
				return "", err
			}
			return out.Plan.Digest, nil
		},
	})
	if err != nil {
		return nil, err
	}
	out.Closing = cl
	return out, nil
}

// imports are the worksheets' decisions with their reviewers, and the rows
// refused because their reviewer is nobody, unknown or a leaver.
func imports(d Desk, ws []worksheet.Decision) ([]reviewdb.Import, []reviewdb.ImportRefusal) {
	var out []reviewdb.Import
	var refused []reviewdb.ImportRefusal
	reviewers := map[string]reviewdb.Reviewer{}
	for i, w := range ws {
		// The decision is recorded when it is taken; the day the worksheet
		// claims stays with its comment.
		reason := w.Comment
		if w.DecidedAt != "" {
			reason = strings.TrimSpace("[" + w.DecidedAt + "] " + reason)
		}
		imp := reviewdb.Import{ItemID: w.ItemID, Decision: w.Decision, Reason: reason, Pos: w.Pos, N: i}
		imp.Reviewer.EmployeeID = w.Reviewer
		r, ok := reviewers[w.Reviewer]
		if !ok {
			var err error
			if r, err = ReviewerOf(d.Snap, Identity{EmployeeID: w.Reviewer, Source: "worksheet"}, d.today()); err != nil {
				refused = append(refused, reviewdb.ImportRefusal{Import: imp, Why: err})
				continue
			}
			reviewers[w.Reviewer] = r
		}
		imp.Reviewer = r
		out = append(out, imp)
	}
	return out, refused
}

// Imported is what an import took.
type Imported struct {
	Imported   int
	Superseded []reviewdb.ImportRefusal
}

// Import takes the decisions of returned worksheets into an open campaign,
// all or none, each as a decision of the reviewer it names, checked as in
// the browser and recorded in the audit log: the items kept at a stage go
// on to the next one while the campaign runs.
func Import(ctx context.Context, d Desk, campaignID, by string, ws []worksheet.Decision) (Imported, error) {
	imps, refused := imports(d, ws)
	n, superseded, err := d.Store.ImportDecisions(ctx, campaignID, d.today().String(), imps, refused, func(ctx context.Context, n int) error {
		files := map[string]bool{}
		for _, w := range ws {
			files[strings.SplitN(w.Pos, ":", 2)[0]] = true
		}
		return d.Record(ctx, audit.Event{Event: audit.ReviewDecision, By: by, Data: map[string]any{"campaign": campaignID, "source": "worksheet",
			"worksheets": slices.Sorted(maps.Keys(files)), "decided": n, "superseded": len(ws) - n}})
	})
	return Imported{n, superseded}, err
}

// decided counts the items a reviewer decided (not a stage's default).
func decided(cl *reviewdb.Closing) int {
	n := 0
	for _, f := range cl.Finals {
		if f.Status != reviewdb.StatusOpen && f.Source != "default" {
			n++
		}
	}
	return n
}

// closingPlan plans the revocations of a closing campaign: the items a
// reviewer decided revoke, and the items nobody decided (open, or decided by
// a stage's default) unless the unreviewed are kept. Rights already gone
// from the current inputs need no action.
func closingPlan(in *inputs.Inputs, pol *reconcile.Policy, cl *reviewdb.Closing, asOf graph.Date) *reconcile.Plan {
	snap := in.Graph.Snapshot()
	current := map[string]bool{}
	for _, g := range snap.Grants() {
		current[g.Key()] = true
	}
	c := cl.Campaign
	p := reconcile.NewPlan(reconcile.KindCertification, asOf, in.Digests, pol.Compiled.Digest(), nil)
	p.Campaign = &reconcile.CampaignRef{ID: c.ID, AsOf: c.AsOf, Unreviewed: c.CloseUnreviewed, Forced: c.CloseForced}
	for i, it := range cl.Items {
		f := cl.Finals[i]
		var rule, reason, ja string
		switch {
		case f.Source != "default" && f.Status == reviewdb.StatusRevoked:
			rule, reason = reconcile.RuleCertRevoked, fmt.Sprintf("decided revoke by %s on %s in campaign %s", f.Reviewer, f.At, c.ID)
			ja = fmt.Sprintf("棚卸し %s で %s が %s に取消と判定", c.ID, f.Reviewer, f.At)
			if f.Reason != "" {
				reason += ": " + f.Reason
				ja += ": " + f.Reason
			}
		case f.Source != "default" && f.Status == reviewdb.StatusKept:
			continue
		case c.CloseUnreviewed == reviewdb.Revoke:
			rule, reason = reconcile.RuleCertUnreviewed, fmt.Sprintf("not reviewed by %s in campaign %s (default deny)", it.Assignee, c.ID)
			ja = fmt.Sprintf("棚卸し %s で %s が未確認（既定で取消）", c.ID, it.Assignee)
		default:
			continue
		}
		if !current[it.ItemID] {
			continue
		}
		p.Actions = append(p.Actions, reconcile.Action{
			Op: policy.OpRevoke, System: it.System, Account: it.Account, Entitlement: it.Entitlement,
			Person: it.Person, Effective: asOf.String(), Phase: 1, Rules: []string{rule}, Severity: "medium", Reason: reason, ReasonJA: ja,
		})
	}
	reconcile.SortActions(p.Actions)
	return p
}

// Export is decisions.json: what a campaign was closed with, written from
// the store for those who read files (never read back).
func Export(cl *reviewdb.Closing) Closing {
	c := cl.Campaign
	out := Closing{Campaign: c.ID, ClosedAt: c.ClosedAt, ClosedBy: c.ClosedBy, Unreviewed: c.CloseUnreviewed, Forced: c.CloseForced, Plan: c.ClosePlan}
	for i, f := range cl.Finals {
		if f.Status == reviewdb.StatusOpen {
			continue
		}
		out.Decisions = append(out.Decisions, ExportedDecision{ItemID: cl.Items[i].ItemID, Status: f.Status, Stage: f.Stage,
			Reviewer: f.Reviewer, At: f.At, Reason: f.Reason, Source: f.Source})
	}
	return out
}

// Closing is decisions.json.
type Closing struct {
	Campaign   string             `json:"campaign"`
	ClosedAt   string             `json:"closed_at"`
	ClosedBy   string             `json:"closed_by"`
	Unreviewed string             `json:"unreviewed"` // revoke (default deny) or keep
	Forced     string             `json:"forced,omitempty"`
	Plan       string             `json:"plan"`
	Decisions  []ExportedDecision `json:"decisions"`
}

// ExportedDecision is an item's last decision.
type ExportedDecision struct {
	ItemID   string `json:"item_id"`
	Status   string `json:"status"` // kept or revoked
	Stage    int    `json:"stage"`
	Reviewer string `json:"reviewer"`
	At       string `json:"at"`
	Reason   string `json:"reason,omitempty"`
	Source   string `json:"source"` // web, worksheet or default
}

// ReviewerStats is the evidence of one reviewer unit's items.
type ReviewerStats struct {
	ReviewerUnit string
	Reviewers    []string
	Items        int
	Kept         int
	Revoked      int
	Unreviewed   int
	First, Last  string
}

// Report counts, per reviewer unit, what was reviewed, kept, revoked and
// left unreviewed (open, or decided by a stage's default), and when, from
// the store.
func Report(cl *reviewdb.Closing) []ReviewerStats {
	by := map[string]*ReviewerStats{}
	for i, it := range cl.Items {
		f := cl.Finals[i]
		st := by[it.ReviewerUnit]
		if st == nil {
			st = &ReviewerStats{ReviewerUnit: it.ReviewerUnit}
			by[it.ReviewerUnit] = st
		}
		st.Items++
		switch {
		case f.Status == reviewdb.StatusOpen || f.Source == "default":
			st.Unreviewed++
			continue
		case f.Status == reviewdb.StatusKept:
			st.Kept++
		default:
			st.Revoked++
		}
		if !slices.Contains(st.Reviewers, f.Reviewer) {
			st.Reviewers = append(st.Reviewers, f.Reviewer)
		}
		if st.First == "" || f.At < st.First {
			st.First = f.At
		}
		if f.At > st.Last {
			st.Last = f.At
		}
	}
	var out []ReviewerStats
	for _, u := range slices.Sorted(maps.Keys(by)) {
		slices.Sort(by[u].Reviewers)
		out = append(out, *by[u])
	}
	return out
}

// errPreview rolls back a close made only to report on it.
var errPreview = errors.New("preview")

// Preview is what the campaign would close with now, with the worksheets'
// decisions taken, without changing anything (certify report before close).
func Preview(ctx context.Context, d Desk, campaignID string, ws []worksheet.Decision) (*reviewdb.Closing, error) {
	imps, refused := imports(d, ws)
	var got *reviewdb.Closing
	_, err := d.Store.CloseCampaign(ctx, campaignID, reviewdb.CloseOptions{Today: d.today().String(), Force: "preview", Imports: imps, Refused: refused,
		Publish: func(_ context.Context, cl *reviewdb.Closing) (string, error) { got = cl; return "", errPreview }})
	if errors.Is(err, errPreview) {
		return got, nil
	}
	return nil, err
}

// Closed reads what a closed campaign was closed with.
func ClosedWith(ctx context.Context, st *reviewdb.Store, campaignID string) (*reviewdb.Closing, error) {
	c, err := st.Campaign(ctx, campaignID)
	if err != nil {
		return nil, err
	}
	if c.ClosedAt == "" {
		return nil, i18n.Errorf("campaign %s is not closed yet: give the worksheets to count with --decisions, or close it with certify close", campaignID)
	}
	cl := &reviewdb.Closing{Campaign: c}
	if cl.Items, err = st.Items(ctx, campaignID); err != nil {
		return nil, err
	}
	fs, err := st.Finals(ctx, campaignID)
	if err != nil {
		return nil, err
	}
	cl.Finals = fs
	return cl, nil
}
