package reconcile

import (
	"context"
	"slices"
	"sort"

	"github.com/accessrecon/accessrecon/graph"
	"github.com/accessrecon/accessrecon/policy"
	"github.com/accessrecon/accessrecon/reconcile/worksheet"
)

// Rule ids of actions that a review, not a policy rule, calls for.
const (
	RuleFebruaryReset  = "reset.february_full_reset"
	RuleResetConfirmed = "reset.confirmed"
	RuleCertRevoked    = "certification.revoked"
	RuleCertUnreviewed = "certification.unreviewed"
)

// reviewRules are the rule ids above: actions people decided, which the
// policy is not asked about again.
var reviewRules = []string{RuleFebruaryReset, RuleResetConfirmed, RuleCertRevoked, RuleCertUnreviewed}

// reviewItem is one grant put before a reviewer.
type reviewItem struct {
	grant   *graph.Grant
	account *graph.Account
	system  *graph.System
	person  *graph.Person // nil when the owner is not in the HR feed
}

// activeGrants lists the grants held by active accounts on the systems that
// pick selects, by item id.
func activeGrants(snap *graph.Snapshot, pick func(*graph.System) bool) []reviewItem {
	var items []reviewItem
	for _, sys := range snap.Systems() {
		if !pick(sys) {
			continue
		}
		for _, a := range snap.AccountsOf(sys.ID) {
			if a.Status != "active" {
				continue
			}
			var p *graph.Person
			if a.Owner != "" {
				p = snap.Person(a.Owner)
			}
			for _, g := range a.Grants {
				items = append(items, reviewItem{grant: g, account: a, system: sys, person: p})
			}
		}
	}
	sort.Slice(items, func(i, j int) bool { return items[i].grant.Key() < items[j].grant.Key() })
	return items
}

// forbidding indexes policy findings by what they would remove: a grant
// (SYSTEM/ACCOUNT/ENTITLEMENT) or a whole account (SYSTEM/ACCOUNT).
type forbidding map[string][]policy.Finding

func indexFindings(fs []policy.Finding) forbidding {
	idx := forbidding{}
	for _, f := range fs {
		switch f.Op {
		case policy.OpRevoke:
			k := graph.GrantKey(f.System, f.Account, f.Entitlement)
			idx[k] = append(idx[k], f)
		case policy.OpDisable:
			k := graph.AccountKey(f.System, f.Account)
			idx[k] = append(idx[k], f)
		}
	}
	return idx
}

// of lists the findings that call for removing the grant, directly or by
// disabling its account.
func (idx forbidding) of(g *graph.Grant) []policy.Finding {
	return append(slices.Clone(idx[g.Key()]), idx[g.AccountKey()]...)
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

// sheets groups review items into one worksheet per reviewing unit (the
// system's owner).
func sheets(items []reviewItem, columns []worksheet.Column, row func(reviewItem) []string) []*worksheet.Sheet {
	byUnit := map[string]*worksheet.Sheet{}
	var order []string
	for _, it := range items {
		unit := reviewerUnit(it.system)
		s := byUnit[unit]
		if s == nil {
			s = &worksheet.Sheet{Name: unit, Columns: columns}
			byUnit[unit] = s
			order = append(order, unit)
		}
		s.Rows = append(s.Rows, row(it))
	}
	sort.Strings(order)
	out := make([]*worksheet.Sheet, len(order))
	for i, u := range order {
		out[i] = byUnit[u]
	}
	return out
}

// reviewerUnit is the unit that reviews a system's rights: its owner.
func reviewerUnit(s *graph.System) string {
	if s.Owner == "" {
		return "UNOWNED"
	}
	return s.Owner
}

func (it reviewItem) holder() (id, name string) {
	if it.person == nil {
		return it.account.Owner, ""
	}
	return it.person.EmployeeID, it.person.Name
}

func (pl *Planner) findingsAt(ctx context.Context, d graph.Date) (forbidding, error) {
	fs, err := pl.Findings(ctx, d)
	if err != nil {
		return nil, err
	}
	return indexFindings(fs), nil
}
