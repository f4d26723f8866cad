package policy

import (
	"time"

	"github.com/accessrecon/accessrecon/graph"
	"github.com/open-policy-agent/opa/v1/ast"
)

// The policy contract. data.model (built by Model) holds the reference data:
//
//	as_of            "YYYY-MM-DD"
//	as_of_start_ns   00:00 of as_of in Asia/Tokyo, ns since the epoch
//	as_of_end_ns     00:00 of the next day
//	companies        {id: {name, kind, mail_domains: [..]}}
//	units            {id: {company, name, tags: [..]}}
//	systems          {id: {name, owner, confidential_to: [..], february_reset,
//	                       entitlements: {id: {allowed_units: [..], allowed: {unit: true}}}}}
//	                 (allowed is allowed_units as an object: a lookup, where
//	                 `unit in allowed_units` scans the list)
//	emergencies      [{id, reason, systems, companies, start, end, start_ns, end_ns}]
//	exceptions       [{id, rule, system, account, expires}]
//	rules            the config's rules section, e.g. {direct_transfer_ban: [{from_tags, to_tags}]}
//
// input (built by PersonInput, OwnerlessInput, OrphanInput) is one subject:
//
//	person     {id, name, company, unit, employment, end_date, mail} — company
//	           and unit are current as of as_of; absent for unknown owners
//	owner      the owner id the accounts name ("" for ownerless accounts)
//	transfers  [{event, from_unit, to_unit, effective, pledge_date}]
//	accounts   [{system, id, owner, kind, status,
//	             grants: [{entitlement, origin, granted_at, expires_at}]}]
//
// Dates are "YYYY-MM-DD" strings ("" for none), so they compare with < and >.

// Model builds data.model for evaluation as of a day.
func Model(s *graph.Snapshot, asOf graph.Date, rules any) map[string]any {
	companies := map[string]any{}
	for _, c := range s.Companies() {
		companies[c.ID] = map[string]any{"name": c.Name, "kind": c.Kind, "mail_domains": strs(c.MailDomains)}
	}
	units := map[string]any{}
	for _, u := range s.Units() {
		units[u.ID] = map[string]any{"company": u.Company, "name": u.Name, "tags": strs(u.Tags)}
	}
	systems := map[string]any{}
	for _, sys := range s.Systems() {
		ents := map[string]any{}
		for _, e := range sys.Entitlements {
			allowed := make(map[string]any, len(e.AllowedUnits))
			for _, u := range e.AllowedUnits {
				allowed[u] = true
			}
			ents[e.ID] = map[string]any{"allowed_units": strs(e.AllowedUnits), "allowed": allowed}
		}
		systems[sys.ID] = map[string]any{
			"name": sys.Name, "owner": sys.Owner, "confidential_to": strs(sys.ConfidentialTo),
			"february_reset": sys.FebruaryReset, "entitlements": ents,
		}
	}
	emergencies := []any{}
	for _, e := range s.Emergencies() {
		emergencies = append(emergencies, map[string]any{
			"id": e.ID, "reason": e.Reason, "systems": strs(e.Systems), "companies": strs(e.Companies),
			"start": e.Start.Format(time.RFC3339), "end": e.End.Format(time.RFC3339),
			"start_ns": e.Start.UnixNano(), "end_ns": e.End.UnixNano(),
		})
	}
	exceptions := []any{}
	for _, x := range s.Exceptions() {
		exceptions = append(exceptions, map[string]any{
			"id": x.ID, "rule": x.Rule, "system": x.System, "account": x.Account, "expires": x.Expires.String(),
		})
	}
	return map[string]any{
		"as_of":          asOf.String(),
		"as_of_start_ns": asOf.Start().UnixNano(),
		"as_of_end_ns":   asOf.AddDays(1).Start().UnixNano(),
		"companies":      companies,
		"units":          units,
		"systems":        systems,
		"emergencies":    emergencies,
		"exceptions":     exceptions,
		"rules":          rules,
	}
}

func strs(v []string) []string {
	if v == nil {
		return []string{}
	}
	return v
}

func str(s string) *ast.Term { return ast.StringTerm(s) }

// keys are the input's object keys, made once: building an input is on the
// hot path of every evaluation, and evaluation never modifies input terms.
var keys = func() map[string]*ast.Term {
	m := map[string]*ast.Term{}
	for _, k := range []string{
		"id", "name", "company", "unit", "employment", "end_date", "mail", "person", "owner", "transfers",
		"accounts", "event", "employee_id", "from_unit", "to_unit", "effective", "pledge_date", "entitlement",
		"origin", "granted_at", "expires_at", "system", "kind", "status", "source", "grants", "at", "at_ns",
		"day", "account_id", "account", "accesses", "who", "usage",
	} {
		m[k] = ast.StringTerm(k)
	}
	return m
}()

func kv(k string, v *ast.Term) [2]*ast.Term {
	if t, ok := keys[k]; ok {
		return [2]*ast.Term{t, v}
	}
	return [2]*ast.Term{str(k), v}
}

// PersonInput is the input for one person as of a day: their current
// assignment, their transfers (plus any proposed ones) and their accounts.
func PersonInput(s *graph.Snapshot, p *graph.Person, asOf graph.Date, proposed ...*graph.Transfer) ast.Value {
	a := s.AssignmentAsOf(p, asOf)
	person := ast.NewObject(
		kv("id", str(p.EmployeeID)), kv("name", str(p.Name)),
		kv("company", str(a.Company)), kv("unit", str(a.Unit)),
		kv("employment", str(p.Employment)), kv("end_date", str(p.EndDate.String())),
		kv("mail", str(p.Mail)),
	)
	transfers := append(s.TransfersOf(p.EmployeeID), proposed...)
	return ast.NewObject(
		kv("person", ast.NewTerm(person)),
		kv("owner", str(p.EmployeeID)),
		kv("transfers", transfersTerm(transfers)),
		kv("accounts", accountsTerm(s.AccountsOwnedBy(p.EmployeeID))),
	)
}

// OwnerlessInput is the input for one account that names no owner.
func OwnerlessInput(a *graph.Account) ast.Value {
	return ast.NewObject(
		kv("owner", str("")),
		kv("transfers", ast.ArrayTerm()),
		kv("accounts", accountsTerm([]*graph.Account{a})),
	)
}

// OrphanInput is the input for the accounts of an owner id that the HR feed
// does not know.
func OrphanInput(s *graph.Snapshot, owner string) ast.Value {
	return ast.NewObject(
		kv("owner", str(owner)),
		kv("transfers", ast.ArrayTerm()),
		kv("accounts", accountsTerm(s.AccountsOwnedBy(owner))),
	)
}

func transfersTerm(ts []*graph.Transfer) *ast.Term {
	terms := make([]*ast.Term, 0, len(ts))
	for _, t := range ts {
		terms = append(terms, ast.ObjectTerm(
			kv("event", str(t.EventID)), kv("employee_id", str(t.EmployeeID)),
			kv("from_unit", str(t.FromUnit)), kv("to_unit", str(t.ToUnit)),
			kv("effective", str(t.Effective.String())), kv("pledge_date", str(t.PledgeDate.String())),
		))
	}
	return ast.ArrayTerm(terms...)
}

func accountsTerm(accounts []*graph.Account) *ast.Term {
	terms := make([]*ast.Term, 0, len(accounts))
	for _, a := range accounts {
		grants := a.Grants
		gs := make([]*ast.Term, 0, len(grants))
		for _, g := range grants {
			gs = append(gs, ast.ObjectTerm(
				kv("entitlement", str(g.Entitlement)), kv("origin", str(g.Origin)),
				kv("granted_at", str(g.GrantedAt.String())), kv("expires_at", str(g.ExpiresAt.String())),
			))
		}
		terms = append(terms, ast.ObjectTerm(
			kv("system", str(a.System)), kv("id", str(a.ID)), kv("owner", str(a.Owner)),
			kv("kind", str(a.Kind)), kv("status", str(a.Status)), kv("source", str(a.Source)),
			kv("grants", ast.ArrayTerm(gs...)),
		))
	}
	return ast.ArrayTerm(terms...)
}

// UsageAccess is one logged access as the usage rules see it.
type UsageAccess struct {
	At      time.Time
	Day     graph.Date
	Company string // the owner's company at that moment ("" when unknown)
	Unit    string
}

// UsageInput is the input of the usage rules: {"usage": [item, ...]}, a
// batch of UsageItem, one per account, so that one evaluation covers many
// accounts.
func UsageInput(items []*ast.Term) ast.Value {
	return ast.NewObject(kv("usage", ast.ArrayTerm(items...)))
}

// UsageItem is one account of one system in the usage rules' input:
//
//	system      the system id
//	account_id  the account id as logged
//	who         the owner's id and name, or the account id
//	account     the account as in `accounts` above; absent when no source knows it
//	person      the owner as in `person` above; absent when unknown
//	accesses    [{at, at_ns, day, company, unit}]: company and unit are the
//	            owner's at that moment
func UsageItem(system, accountID string, a *graph.Account, p *graph.Person, accesses []UsageAccess) *ast.Term {
	xs := make([]*ast.Term, len(accesses))
	for i, x := range accesses {
		xs[i] = ast.ObjectTerm(
			kv("at", str(x.At.Format(time.RFC3339))), kv("at_ns", ast.IntNumberTerm(int(x.At.UnixNano()))),
			kv("day", str(x.Day.String())), kv("company", str(x.Company)), kv("unit", str(x.Unit)),
		)
	}
	who := accountID
	items := [][2]*ast.Term{
		kv("system", str(system)), kv("account_id", str(accountID)), kv("accesses", ast.ArrayTerm(xs...)),
	}
	if a != nil {
		items = append(items, kv("account", accountsTerm([]*graph.Account{a}).Value.(*ast.Array).Elem(0)))
	}
	if p != nil {
		who = p.EmployeeID
		if p.Name != "" {
			who += " " + p.Name
		}
		items = append(items, kv("person", ast.ObjectTerm(
			kv("id", str(p.EmployeeID)), kv("name", str(p.Name)), kv("employment", str(p.Employment)),
			kv("end_date", str(p.EndDate.String())),
		)))
	}
	items = append(items, kv("who", str(who)))
	return ast.ObjectTerm(items...)
}
