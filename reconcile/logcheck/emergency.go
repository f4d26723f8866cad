package logcheck

import (
	"context"
	"io/fs"
	"slices"
	"strings"
	"time"

	"github.com/accessrecon/accessrecon/connectors/accesslog"
	"github.com/accessrecon/accessrecon/graph"
	"github.com/accessrecon/accessrecon/policy"
	"github.com/accessrecon/accessrecon/reconcile"
	"github.com/accessrecon/accessrecon/reconcile/inputs"
)

// OtherCompanyAccess is one logged access to a system confidential to some
// companies by a person of another company at that moment: the window that
// allowed it, or none.
type OtherCompanyAccess struct {
	At      time.Time
	System  string
	Account string
	Person  string // "" when the account's holder is not known
	Name    string
	Company string // the holder's company that day ("" when not known)
	Window  string // the emergency window that covers it, "" for none
	Reason  string // the window's reason
}

// RuleOutsideEmergency is the usage rule whose verdict the emergency
// report shows: an access it flags is outside every window.
const RuleOutsideEmergency = "usage.confidential_access_outside_emergency"

// EmergencyOnly is the report the personal-information commission asked for
// after 2023: every logged access to a confidential system by someone of
// another company (or of no known company) between two days, each with the
// emergency window that allowed it, or without one.
//
// Whether an access is outside every window is the verdict of the policy's
// usage rule RuleOutsideEmergency, evaluated as the daily check does (one
// access per account and segment); the report adds the name of the window
// that covers the others. An access the rule does not flag but that no
// declared window covers (the rule switched off or rewritten) is listed as
// outside: the report does not fail open.
func EmergencyOnly(ctx context.Context, in *inputs.Inputs, pol *reconcile.Policy, from, to graph.Date, files fs.FS, names []string) ([]OtherCompanyAccess, accesslog.Stats, error) {
	snap := in.Graph.Snapshot()
	confidential := map[string][]string{}
	for _, s := range snap.Systems() {
		if len(s.ConfidentialTo) > 0 {
			confidential[s.ID] = s.ConfidentialTo
		}
	}
	w := newLogWindow(snap, from, to.AddDays(1))
	idx := newUsageIndex(len(w.boundaries))
	careers := map[string]*graph.Career{}
	type listed struct {
		OtherCompanyAccess
		key     string
		segment int
	}
	var rows []listed
	var key []byte
	st, err := accesslog.Scan(ctx, files, names, func(a *accesslog.Access) {
		owners, ok := confidential[string(a.System)]
		if !ok || a.At < w.from || a.At >= w.to || a.Denied {
			return // a refused attempt reached nothing (the daily check reports it)
		}
		at := time.Unix(0, a.At).In(graph.Tokyo)
		x := OtherCompanyAccess{At: at, System: string(a.System), Account: string(a.Account)}
		if acct := snap.AccountOf(x.System, x.Account); acct != nil && acct.Owner != "" {
			if p := snap.Person(acct.Owner); p != nil {
				x.Person, x.Name = p.EmployeeID, p.Name
				c := careers[p.EmployeeID]
				if c == nil {
					c = snap.Career(p)
					careers[p.EmployeeID] = c
				}
				x.Company = c.On(graph.DateOf(at)).Company
			}
		}
		if x.Company != "" && slices.Contains(owners, x.Company) {
			return // the owning company's own
		}
		key = groupKey(key, a)
		seg := w.segment(a.At)
		idx.note(key, a, seg)
		rows = append(rows, listed{OtherCompanyAccess: x, key: string(key), segment: seg})
	})
	if err != nil {
		return nil, st, err
	}
	eng, err := pol.UsageEngine(ctx, snap, to)
	if err != nil {
		return nil, st, err
	}
	n, err := evalGroups(ctx, eng, snap, idx.list(), nil)
	if err != nil {
		return nil, st, err
	}
	flagged := idx.flagged(n)
	windows := snap.Emergencies()
	out := make([]OtherCompanyAccess, 0, len(rows))
	for _, r := range rows {
		x := r.OtherCompanyAccess
		outside := false
		if g := flagged[r.key]; g != nil {
			outside = slices.ContainsFunc(g.flagged[r.segment], func(f policy.UsageFinding) bool { return f.Rule == RuleOutsideEmergency })
		}
		if !outside {
			for _, w := range windows {
				covers := len(w.Companies) == 0 || slices.Contains(w.Companies, x.Company) // no companies: any
				if slices.Contains(w.Systems, x.System) && covers && !x.At.Before(w.Start) && !x.At.After(w.End) {
					x.Window, x.Reason = w.ID, w.Reason
					break
				}
			}
		}
		out = append(out, x)
	}
	slices.SortStableFunc(out, func(a, b OtherCompanyAccess) int {
		if c := a.At.Compare(b.At); c != 0 {
			return c
		}
		return strings.Compare(a.System+a.Account, b.System+b.Account)
	})
	return out, st, nil
}
