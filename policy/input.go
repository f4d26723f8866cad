package policy

import (
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/accessrecon/accessrecon/graph"
	"github.com/accessrecon/accessrecon/policy/vm"
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
//	                       roster_required, require_mfa,
//	                       entitlements: {id: {allowed_units: [..], allowed: {unit: true}}}}}
//	rosters          {system: {employee_id: [{approved_on, valid_until}]}}
//	                 (allowed is allowed_units as an object: a lookup, where
//	                 `unit in allowed_units` scans the list)
//	emergencies      [{id, reason, systems, companies, start, end, start_ns, end_ns}]
//	exceptions       [{id, rule, system, account, expires}]
//	duties           {system: {entitlement: [{system, entitlement, right_a,
//	                 right_b, reason, exceptions: {employee_id: true}}]}}: the
//	                 separation-of-duties pairs by their first right
//	business_days    the business days before as_of, newest first, as many as
//	                 the rules need (business_days[n-1] is the n-th
//	                 business day before as_of)
//	rules            the config's rules section, e.g. {direct_transfer_ban: [{from_tags, to_tags}]}
//
// input (built by PersonInput, OwnerlessInput, OrphanInput) is one subject:
//
//	person     {id, name, company, unit, employment, end_date, mail} — company
//	           and unit are current as of as_of; absent for unknown owners
//	owner      the owner id the accounts name ("" for ownerless accounts)
//	transfers  [{event, from_unit, to_unit, effective, pledge_date}]
//	accounts   [{system, id, owner, kind, status, mfa ("on", "off", "" unknown),
//	             created_at, password_set_at ("" unknown),
//	             last_sign_in (a day, "never", or "" when the source does not say),
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
			"roster_required": sys.RosterRequired, "require_mfa": sys.RequireMFA,
		}
	}
	rosters := map[string]any{}
	for _, r := range s.Rosters() {
		bySystem, _ := rosters[r.System].(map[string]any)
		if bySystem == nil {
			bySystem = map[string]any{}
			rosters[r.System] = bySystem
		}
		entries, _ := bySystem[r.Person].([]any)
		bySystem[r.Person] = append(entries, map[string]any{"approved_on": r.ApprovedOn.String(), "valid_until": dateString(r.ValidUntil)})
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
	duties := map[string]any{}
	for _, d := range s.DutyConflicts() {
		as, ae, _ := strings.Cut(d.A, "/")
		bs, be, _ := strings.Cut(d.B, "/")
		except := map[string]any{}
		for _, e := range d.Exceptions {
			except[e] = true
		}
		bySystem, _ := duties[as].(map[string]any)
		if bySystem == nil {
			bySystem = map[string]any{}
			duties[as] = bySystem
		}
		pairs, _ := bySystem[ae].([]any)
		bySystem[ae] = append(pairs, map[string]any{"system": bs, "entitlement": be, "right_a": d.A, "right_b": d.B,
			"reason": d.Reason, "exceptions": except})
	}
	return map[string]any{
		"duties":         duties,
		"as_of":          asOf.String(),
		"as_of_start_ns": asOf.Start().UnixNano(),
		"as_of_end_ns":   asOf.AddDays(1).Start().UnixNano(),
		"companies":      companies,
		"units":          units,
		"systems":        systems,
		"emergencies":    emergencies,
		"exceptions":     exceptions,
		"rosters":        rosters,
		"rules":          rules,
	}
}

func dateString(d graph.Date) string {
	if d.IsZero() {
		return ""
	}
	return d.String()
}

func strs(v []string) []string {
	if v == nil {
		return []string{}
	}
	return v
}

// shared is the term of a string that many inputs repeat (a system, an
// entitlement, a kind, a status, an origin, a source, a date): made once and
// shared by every input (evaluation never changes input terms), up to
// maxShared different strings.
func shared(s string) *ast.Term {
	if t, ok := sharedTerms.Load(s); ok {
		return t.(*ast.Term)
	}
	t := ast.StringTerm(s)
	if sharedCount.Load() < maxShared {
		if prev, loaded := sharedTerms.LoadOrStore(s, t); loaded {
			return prev.(*ast.Term)
		}
		sharedCount.Add(1)
	}
	return t
}

// date is shared(d.String()) without formatting or looking up d each time:
// days from 1900 to 2199 have a slot each.
func date(d graph.Date) *ast.Term {
	if d == 0 {
		return emptyString
	}
	y, m, day := int(d)/10000, int(d)/100%100, int(d)%100
	i := (y-1900)*372 + (m-1)*31 + day - 1
	if i < 0 || i >= len(dateTerms) || m < 1 || m > 12 || day < 1 || day > 31 {
		return shared(d.String())
	}
	if t := dateTerms[i].Load(); t != nil {
		return t
	}
	t := shared(d.String())
	dateTerms[i].Store(t)
	return t
}

// few is the term of a string with a handful of values (an account's kind
// and status, a grant's origin): found by comparing, not hashing.
func few(s string) *ast.Term {
	for _, t := range fewTerms {
		if string(t.Value.(ast.String)) == s {
			return t
		}
	}
	return shared(s)
}

// dateTerms has a slot for each day (YYYY, MM, DD) from 1900 to 2199, not
// all of them real dates; a variable, not made at start-up.
var dateTerms [300 * 372]atomic.Pointer[ast.Term]

var (
	emptyString = ast.StringTerm("")
	fewTerms    = func() (out []*ast.Term) {
		for _, s := range []string{"active", "personal", "role", "request", "employee", "disabled", "shared", "service", "emergency", "invitation", "contractor", "on", "off", ""} {
			out = append(out, ast.StringTerm(s))
		}
		return out
	}()
)

var (
	sharedTerms sync.Map
	sharedCount atomic.Int64
)

const maxShared = 1 << 16

// The shapes of the input's objects, keys in order.
var (
	subjectShape     = vm.NewShape("accounts", "owner", "person", "transfers")
	personShape      = vm.NewShape("company", "employment", "end_date", "id", "mail", "name", "unit")
	transferShape    = vm.NewShape("effective", "employee_id", "event", "from_unit", "pledge_date", "to_unit")
	accountShape     = vm.NewShape("created_at", "grants", "id", "kind", "last_sign_in", "mfa", "owner", "password_set_at", "source", "status", "system")
	grantShape       = vm.NewShape("entitlement", "expires_at", "granted_at", "origin")
	usageInputShape  = vm.NewShape("usage")
	usageShape       = vm.NewShape("accesses", "account", "account_id", "denied", "person", "rights", "system", "used_systems", "who")
	usagePersonShape = vm.NewShape("employment", "end_date", "id", "name")
	accessShape      = vm.NewShape("at", "at_ns", "company", "day", "unit")
)

// Inputs builds the input documents for one engine (Engine.Inputs): AST
// values for top-down evaluation, the plan evaluator's records and lists for
// it (package vm), which cost a fraction to build.
type Inputs struct {
	records bool
	arena   *vm.Arena // where records, lists and their terms go; nil: the heap
}

// In is in building its records in an arena (EvalAll).
func (in Inputs) In(a *vm.Arena) Inputs {
	if in.records {
		in.arena = a
	}
	return in
}

func (in Inputs) obj(s *vm.Shape, vals ...*ast.Term) *ast.Term {
	if in.records {
		return in.arena.Record(s, vals...)
	}
	return s.Object(vals...)
}

// terms is room for the n items of a list.
func (in Inputs) terms(n int) []*ast.Term {
	return in.arena.Terms(n)
}

func (in Inputs) list(items []*ast.Term) *ast.Term {
	if in.records {
		return in.arena.List(items)
	}
	return ast.ArrayTerm(items...)
}

func (in Inputs) str(s string) *ast.Term { return in.arena.String(s) }

// Person is the input for one person as of a day: their current
// assignment, their transfers (plus any proposed ones) and their accounts.
func (in Inputs) Person(s *graph.Snapshot, p *graph.Person, asOf graph.Date, proposed ...*graph.Transfer) ast.Value {
	a := s.AssignmentAsOf(p, asOf)
	id := in.str(p.EmployeeID)
	person := in.obj(personShape, shared(a.Company), few(p.Employment), date(p.EndDate),
		id, in.str(p.Mail), in.str(p.Name), shared(a.Unit))
	transfers := append(s.TransfersOf(p.EmployeeID), proposed...)
	return in.obj(subjectShape, in.accounts(s.AccountsOwnedBy(p.EmployeeID), id), id, person, in.transfers(transfers)).Value
}

// Ownerless is the input for one account that names no owner.
func (in Inputs) Ownerless(a *graph.Account) ast.Value {
	return in.obj(subjectShape, in.accounts([]*graph.Account{a}, nil), shared(""), nil, in.list(nil)).Value
}

// Orphan is the input for the accounts of an owner id that the HR feed
// does not know.
func (in Inputs) Orphan(s *graph.Snapshot, owner string) ast.Value {
	o := in.str(owner)
	return in.obj(subjectShape, in.accounts(s.AccountsOwnedBy(owner), o), o, nil, in.list(nil)).Value
}

func (in Inputs) transfers(ts []*graph.Transfer) *ast.Term {
	terms := in.terms(len(ts))
	for i, t := range ts {
		terms[i] = in.obj(transferShape, date(t.Effective), in.str(t.EmployeeID), in.str(t.EventID),
			shared(t.FromUnit), date(t.PledgeDate), shared(t.ToUnit))
	}
	return in.list(terms)
}

// accounts are the input's accounts; owner, if not nil, is the term of the
// owner they all name.
func (in Inputs) accounts(accounts []*graph.Account, owner *ast.Term) *ast.Term {
	terms := in.terms(len(accounts))
	for i, a := range accounts {
		terms[i] = in.account(a, owner)
	}
	return in.list(terms)
}

func (in Inputs) account(a *graph.Account, owner *ast.Term) *ast.Term {
	gs := in.terms(len(a.Grants))
	for i, g := range a.Grants {
		gs[i] = in.obj(grantShape, shared(g.Entitlement), date(g.ExpiresAt), date(g.GrantedAt), few(g.Origin))
	}
	if owner == nil {
		owner = in.str(a.Owner)
	}
	return in.obj(accountShape, date(a.CreatedAt), in.list(gs), in.str(a.ID), few(a.Kind), signIn(a.LastSignIn), few(a.MFA), owner,
		date(a.PasswordSetAt), shared(a.Source), few(a.Status), shared(a.System))
}

var never = ast.StringTerm("never")

// signIn is an account's last_sign_in: a day, "never" or "" (not known).
func signIn(d graph.Date) *ast.Term {
	if d == graph.NeverSignedIn {
		return never
	}
	return date(d)
}

// UsageAccess is one logged access as the usage rules see it.
type UsageAccess struct {
	At      time.Time
	Day     graph.Date
	Company string // the owner's company at that moment ("" when unknown)
	Unit    string
}

// Usage is the input of the usage rules: {"usage": [item, ...]}, a batch of
// UsageItem, one per account, so that one evaluation covers many accounts.
func (in Inputs) Usage(items []*ast.Term) ast.Value {
	return in.obj(usageInputShape, in.list(items)).Value
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
//	denied      true when these are attempts the system refused (the log's
//	            result column), not accesses
//	used_systems, rights
//	            with a separation-of-duties matrix: the systems the owner
//	            used in the window and the rights they hold
//	            (SYSTEM/ENTITLEMENT); empty without one
func (in Inputs) UsageItem(system, accountID string, a *graph.Account, p *graph.Person, accesses []UsageAccess, denied bool, used, rights []string) *ast.Term {
	xs := make([]*ast.Term, len(accesses))
	for i, x := range accesses {
		xs[i] = in.obj(accessShape, in.str(x.At.Format(time.RFC3339)), ast.IntNumberTerm(int(x.At.UnixNano())),
			shared(x.Company), date(x.Day), shared(x.Unit))
	}
	who := accountID
	var account, person *ast.Term
	if a != nil {
		account = in.account(a, nil)
	}
	if p != nil {
		who = p.EmployeeID
		if p.Name != "" {
			who += " " + p.Name
		}
		person = in.obj(usagePersonShape, few(p.Employment), date(p.EndDate), in.str(p.EmployeeID), in.str(p.Name))
	}
	strs := func(vs []string) *ast.Term {
		ts := in.terms(len(vs))
		for i, v := range vs {
			ts[i] = shared(v)
		}
		return in.list(ts)
	}
	return in.obj(usageShape, in.list(xs), account, in.str(accountID), ast.BooleanTerm(denied), person, strs(rights), in.str(system), strs(used), in.str(who))
}
