// Package reset is the February full reset: the confirmation worksheets of a
// year (every right on the february_reset systems, with where its holder
// works now and on March 1), and the two-phase plan that revokes every right
// on the last day of February and grants back the confirmed ones on March 1
// unless the policy then forbids them.
package reset

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/accessrecon/accessrecon/connectors/csvfile"
	"github.com/accessrecon/accessrecon/graph"
	"github.com/accessrecon/accessrecon/policy"
	"github.com/accessrecon/accessrecon/reconcile"
	"github.com/accessrecon/accessrecon/reconcile/inputs"
	"github.com/accessrecon/accessrecon/reconcile/worksheet"
)

// LastDayOfFebruary is the 28th, or the 29th in a leap year.
func LastDayOfFebruary(year int) graph.Date {
	return graph.DateOf(time.Date(year, time.March, 1, 0, 0, 0, 0, graph.Tokyo)).AddDays(-1)
}

func resetSystem(s *graph.System) bool { return s.FebruaryReset }

// Columns are the columns of a February-reset confirmation worksheet.
var Columns = append(slices.Clone(worksheet.ItemColumns), []worksheet.Column{
	{ID: "unit_on_march_1", TitleJA: "3月1日の所属", Width: 16},
	{ID: "company_on_march_1", TitleJA: "3月1日の会社", Width: 16},
}...)

// Worksheets are the confirmation worksheets of the February reset of a
// year: every right held on a february_reset system, with where its holder
// works now and on March 1, one sheet per system owner.
func Worksheets(in *inputs.Inputs, year int, today graph.Date) []*worksheet.Sheet {
	snap := in.Graph.Snapshot()
	march1 := LastDayOfFebruary(year).AddDays(1)
	sheets := worksheet.ByReviewer(worksheet.ActiveGrants(snap, resetSystem), Columns, func(it worksheet.Item) []string {
		id, name := it.Holder()
		var now, then graph.Assignment
		if it.Person != nil {
			c := snap.Career(it.Person)
			now, then = c.On(today), c.On(march1)
		}
		return []string{it.Key, it.Grant.System, it.System.Name, it.Grant.Account, it.Grant.Entitlement, id, name,
			now.Unit, worksheet.UnitName(snap, now.Unit), now.Company, it.Grant.Origin, it.Grant.GrantedAt.String(), then.Unit, then.Company}
	})
	for _, sh := range sheets {
		sh.Title = fmt.Sprintf("%d年 2月リセット確認表　%s %s", year, sh.Name, worksheet.UnitName(snap, sh.Name))
	}
	return sheets
}

// Plan is the February full reset of a year. Phase 1, effective on the
// last day of February, revokes every grant on every february_reset system,
// whoever holds it. Phase 2, effective March 1, grants back the items the
// confirmations mark keep, unless the policy as of March 1 (transfers
// effective by then applied) calls for removing them: those become findings
// that name the rule. Each confirmation is checked as of today (Confirm).
func Plan(ctx context.Context, in *inputs.Inputs, pol *reconcile.Policy, year int, confirmations map[string]worksheet.Decision, today graph.Date) (*reconcile.Plan, error) {
	snap := in.Graph.Snapshot()
	lastFeb := LastDayOfFebruary(year)
	march1 := lastFeb.AddDays(1)

	var actions []reconcile.Action
	for _, sys := range snap.Systems() {
		if !sys.FebruaryReset {
			continue
		}
		for _, a := range snap.AccountsOf(sys.ID) {
			for _, g := range a.Grants {
				actions = append(actions, reconcile.Action{
					Op: policy.OpRevoke, System: g.System, Account: g.Account, Entitlement: g.Entitlement,
					Person: a.Owner, Effective: lastFeb.String(), Phase: 1, Rules: []string{reconcile.RuleFebruaryReset},
					Severity: "info", Reason: fmt.Sprintf("February full reset %d: every right on %s is revoked and re-granted only when confirmed", year, sys.ID),
					ReasonJA: fmt.Sprintf("%d年2月の一斉リセット: %s の全権限を取り消し、確認されたものだけを再付与します", year, sys.ID),
				})
			}
		}
	}

	resettable := map[string]worksheet.Item{}
	for _, it := range worksheet.ActiveGrants(snap, resetSystem) {
		resettable[it.Key] = it
	}
	if err := Confirm(snap, resettable, confirmations, today); err != nil {
		return nil, err
	}
	forbidden, err := pol.RemovalsAt(ctx, snap, march1)
	if err != nil {
		return nil, err
	}
	var findings []policy.Finding
	for _, id := range slices.Sorted(maps.Keys(confirmations)) {
		d := confirmations[id]
		if d.Decision != worksheet.Keep {
			continue
		}
		it := resettable[id]
		if fs := forbidden.Of(it.Grant); len(fs) > 0 {
			for _, f := range fs {
				findings = append(findings, policy.Finding{
					Rule: f.Rule, Severity: f.Severity, Person: it.Account.Owner, System: f.System,
					Account: f.Account, Entitlement: it.Grant.Entitlement,
					Message:   fmt.Sprintf("confirmed keep of %s is not granted back on %s: %s", id, march1, f.Message),
					MessageJA: fmt.Sprintf("%s は維持と確認されましたが、%s に再付与しません: %s", id, march1, orEnglish(f.MessageJA, f.Message)),
				})
			}
			continue
		}
		actions = append(actions, reconcile.Action{
			Op: policy.OpGrant, System: it.Grant.System, Account: it.Grant.Account, Entitlement: it.Grant.Entitlement,
			Person: it.Account.Owner, Effective: march1.String(), Phase: 2, Rules: []string{reconcile.RuleResetConfirmed},
			Severity: "info", Reason: confirmedBy(d), ReasonJA: confirmedByJA(d),
		})
	}
	p := reconcile.NewPlan(reconcile.KindFebruaryReset, lastFeb, in.Digests, pol.Compiled.Digest(), findings)
	p.Actions = actions
	reconcile.SortActions(p.Actions)
	return p, nil
}

// Refusals of a confirmation.
var (
	ErrOwnRight   = errors.New("a confirmation of one's own right: another person of the owner unit confirms it")
	ErrNotOwner   = errors.New("the confirmer is not of the system's owner unit")
	ErrFirewalled = errors.New("the system is confidential to another company than the confirmer's")
)

// Confirm checks the confirmations returned in the reset's worksheets, as a
// reviewer's decision is checked: each is about a right held on a
// february_reset system and names who confirmed it, an active person (as of
// today) of the system's owner unit, of a company the system is not
// confidential from, and not the holder. Every refused row is listed with
// its file and row; none is taken when one is refused.
func Confirm(snap *graph.Snapshot, resettable map[string]worksheet.Item, confirmations map[string]worksheet.Decision, today graph.Date) error {
	var errs []error
	deciders := map[string]reconcile.Decider{}
	for _, id := range slices.Sorted(maps.Keys(confirmations)) {
		d := confirmations[id]
		it, ok := resettable[id]
		if !ok {
			errs = append(errs, csvfile.InputErrorf("%s: item_id %q is not a right held on a february_reset system (see `reset worksheet`)", d.Pos, id))
			continue
		}
		who, ok := deciders[d.Reviewer]
		if !ok {
			var err error
			if who, err = reconcile.DeciderOf(snap, d.Reviewer, today); err != nil {
				errs = append(errs, csvfile.InputErrorf("%s: %s, confirmed by %q: %w", d.Pos, id, d.Reviewer, err))
				continue
			}
			deciders[d.Reviewer] = who
		}
		var why error
		switch {
		case it.Account.Owner != "" && reconcile.SamePerson(snap, it.Account.Owner, who.Person.EmployeeID):
			why = ErrOwnRight
		case slices.Contains(who.Hidden, it.System.ID):
			why = ErrFirewalled
		case who.Unit != worksheet.ReviewerUnit(it.System):
			why = ErrNotOwner
		}
		if why != nil {
			errs = append(errs, csvfile.InputErrorf("%s: %s, confirmed by %s (%s): %w", d.Pos, id, who.Person.EmployeeID, who.Unit, why))
		}
	}
	return errors.Join(errs...)
}

func confirmedBy(d worksheet.Decision) string {
	var parts []string
	parts = append(parts, "confirmed keep")
	if d.Reviewer != "" {
		parts = append(parts, "by "+d.Reviewer)
	}
	if d.DecidedAt != "" {
		parts = append(parts, "on "+d.DecidedAt)
	}
	s := strings.Join(parts, " ")
	if d.Comment != "" {
		s += ": " + d.Comment
	}
	return s
}

func confirmedByJA(d worksheet.Decision) string {
	s := "維持と確認"
	if d.Reviewer != "" || d.DecidedAt != "" {
		s = strings.TrimSpace(d.Reviewer+" "+d.DecidedAt) + " に" + s
	}
	if d.Comment != "" {
		s += ": " + d.Comment
	}
	return s
}

// orEnglish is ja, or en when there is no Japanese.
func orEnglish(ja, en string) string {
	if ja == "" {
		return en
	}
	return ja
}
