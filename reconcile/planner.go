package reconcile

import (
	"cmp"
	"context"
	"errors"
	"log/slog"
	"slices"
	"sync"

	"github.com/accessrecon/accessrecon/config"
	"github.com/accessrecon/accessrecon/connectors"
	"github.com/accessrecon/accessrecon/graph"
	"github.com/accessrecon/accessrecon/i18n"
	"github.com/accessrecon/accessrecon/policy"
	"github.com/accessrecon/accessrecon/reconcile/calendar"
	"github.com/accessrecon/accessrecon/reconcile/inputs"
	"github.com/open-policy-agent/opa/v1/ast"
)

// ErrNotFound is returned for an employee, unit or event that the inputs do
// not know.
var ErrNotFound = errors.New("not found")

// ErrContradiction is an input that contradicts another (a transfer's
// from_unit and the HR feed).
var ErrContradiction = errors.New("the inputs contradict each other")

// ProposedEvent is the event id of the hypothetical transfer that
// `transfer check` evaluates.
const ProposedEvent = "proposed"

// Policy is the compiled policy with the config section it is evaluated
// with: what every use case that asks the policy about loaded inputs takes.
type Policy struct {
	Compiled *policy.Compiled
	// Rules is the config's rules section, given to the policy as data.model.rules.
	Rules any
	Log   *slog.Logger
	// Calendar is the business days; BusinessDays is how many before the
	// as-of day the rules look at (data.model.business_days).
	Calendar     *calendar.Calendar
	BusinessDays int
	// Progress, if set, is told how many subjects of how many are evaluated.
	Progress func(done, total int)
	// Engines, if set, keeps prepared engines by as-of day for callers that
	// answer many requests over the same org and systems (serve).
	Engines *EngineCache
}

// EngineCache keeps prepared policy engines by as-of day. data.model
// depends only on the org, systems, windows and exceptions, so evaluations of
// graphs that differ in people, transfers, accounts or grants may share it.
type EngineCache struct {
	mu      sync.Mutex
	engines map[graph.Date]*policy.Engine
}

func (pol *Policy) engine(ctx context.Context, snap *graph.Snapshot, asOf graph.Date) (*policy.Engine, error) {
	c := pol.Engines
	if c == nil {
		return pol.newEngine(ctx, snap, asOf)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.engines[asOf]; ok {
		return e, nil
	}
	e, err := pol.newEngine(ctx, snap, asOf)
	if err != nil {
		return nil, err
	}
	if c.engines == nil || len(c.engines) > 64 {
		c.engines = map[graph.Date]*policy.Engine{}
	}
	c.engines[asOf] = e
	return e, nil
}

func (pol *Policy) newEngine(ctx context.Context, snap *graph.Snapshot, asOf graph.Date) (*policy.Engine, error) {
	e, err := pol.Compiled.NewEngine(ctx, pol.model(snap, asOf))
	if err != nil {
		return nil, err
	}
	pol.LogEvaluator(e)
	return e, nil
}

// model is data.model as of a day: policy.Model and the business days
// before it that the rules need, newest first.
func (pol *Policy) model(snap *graph.Snapshot, asOf graph.Date) map[string]any {
	m := policy.Model(snap, asOf, pol.Rules)
	days := []string{}
	if pol.Calendar != nil {
		for d, n := asOf, 0; n < pol.BusinessDays; n++ {
			d = pol.Calendar.PreviousBusinessDay(d)
			days = append(days, d.String())
		}
	}
	m["business_days"] = days
	return m
}

// LogEvaluator says how the rules are evaluated.
// A policy the plan evaluator cannot run (a rule with a non-deterministic
// built-in, say) is evaluated top-down, correctly but many times slower:
// that is a warning, with the reason.
func (pol *Policy) LogEvaluator(e *policy.Engine) {
	if pol.Log == nil {
		return
	}
	ev := e.Evaluator()
	if ev != string(policy.EvaluatorPlan) && ev != string(policy.EvaluatorTopdown)+" (configured)" {
		pol.Log.Warn("the rules are evaluated top-down, as the plan evaluator cannot run them (slower, same findings)", "evaluator", ev)
	}
	pol.Log.Debug("policy engine prepared", "evaluator", ev, "constant_rules", e.ConstantRules())
}

// subject is one evaluation unit: a person, an ownerless account or an
// unknown owner id.
type subject struct {
	person    *graph.Person
	ownerless *graph.Account
	orphan    string
}

func (s subject) input(in policy.Inputs, snap *graph.Snapshot, asOf graph.Date) ast.Value {
	switch {
	case s.person != nil:
		return in.Person(snap, s.person, asOf)
	case s.ownerless != nil:
		return in.Ownerless(s.ownerless)
	default:
		return in.Orphan(snap, s.orphan)
	}
}

func (pol *Policy) evaluate(ctx context.Context, snap *graph.Snapshot, asOf graph.Date, subjects []subject) ([]policy.Finding, error) {
	eng, err := pol.engine(ctx, snap, asOf)
	if err != nil {
		return nil, err
	}
	var progress func(int)
	if pol.Progress != nil {
		progress = func(done int) { pol.Progress(done, len(subjects)) }
	}
	fs, err := eng.EvalAll(ctx, len(subjects), func(in policy.Inputs, i int) ast.Value {
		return subjects[i].input(in, snap, asOf)
	}, progress)
	var se *policy.SubjectError
	if errors.As(err, &se) && se.Index < len(subjects) {
		return nil, i18n.Errorf("evaluating the rules for %s failed, nothing is planned: %w", subjects[se.Index], se.Err)
	}
	return fs, err
}

// String names the subject in errors.
func (s subject) String() string {
	switch {
	case s.person != nil:
		return "person " + s.person.EmployeeID
	case s.ownerless != nil:
		return "account " + s.ownerless.System + "/" + s.ownerless.ID
	}
	return "unknown owner " + s.orphan
}

// Findings evaluates every subject of the graph as of a day: everyone in the
// HR feed, every ownerless account and every unknown owner.
func (pol *Policy) Findings(ctx context.Context, snap *graph.Snapshot, asOf graph.Date) ([]policy.Finding, error) {
	subjects := subjectsOf(snap)
	pol.Log.Debug("evaluating policy", "subjects", len(subjects), "as_of", asOf.String())
	fs, err := pol.evaluate(ctx, snap, asOf, subjects)
	if err != nil {
		return nil, err
	}
	pol.Log.Debug("policy evaluated", "findings", len(fs))
	return fs, nil
}

// subjects are everyone in the HR feed, every ownerless account and every
// unknown owner.
func subjectsOf(snap *graph.Snapshot) []subject {
	var subjects []subject
	for _, p := range snap.People() {
		subjects = append(subjects, subject{person: p})
	}
	for _, a := range snap.OwnerlessAccounts() {
		subjects = append(subjects, subject{ownerless: a})
	}
	for _, o := range snap.OrphanOwners() {
		subjects = append(subjects, subject{orphan: o})
	}
	return subjects
}

// Reconcile is the plan of everything the policy calls for as of a day.
func Reconcile(ctx context.Context, in *inputs.Inputs, pol *Policy, asOf graph.Date) (*Plan, error) {
	fs, err := pol.Findings(ctx, in.Graph.Snapshot(), asOf)
	if err != nil {
		return nil, err
	}
	return NewPlan(KindReconcile, asOf, in.Digests, pol.Compiled.Digest(), fs), nil
}

// TransferPlan is the plan for one HR transfer event, as of its effective
// date, covering the transferee only.
func TransferPlan(ctx context.Context, in *inputs.Inputs, pol *Policy, eventID string) (*Plan, error) {
	snap := in.Graph.Snapshot()
	t := snap.Transfer(eventID)
	if t == nil {
		return nil, i18n.Errorf("%w: transfer event %q is not in the transfers file", ErrNotFound, eventID)
	}
	p := snap.Person(t.EmployeeID)
	// The separation rules judge the move from the unit the event names:
	// one that is not where the HR feed has the person would hide a
	// forbidden direct transfer. Never guess which is right.
	if before := snap.Career(p).On(t.Effective.AddDays(-1)).Unit; before != t.FromUnit {
		return nil, i18n.Errorf("%w: transfer %s names from_unit %s, but the HR feed has %s in %s on %s: correct the event or the HR feed", ErrContradiction, eventID, t.FromUnit, p.EmployeeID, before, t.Effective.AddDays(-1))
	}
	fs, err := pol.evaluate(ctx, snap, t.Effective, []subject{{person: p}})
	if err != nil {
		return nil, err
	}
	// Findings about the person's other transfer events belong to those events.
	fs = slices.DeleteFunc(fs, func(f policy.Finding) bool { return f.Event != "" && f.Event != eventID })
	plan := NewPlan(KindTransfer, t.Effective, in.Digests, pol.Compiled.Digest(), fs)
	plan.Event = eventID
	return plan, nil
}

// TransferCheck is the verdict on a proposed transfer.
type TransferCheck struct {
	Person    *graph.Person
	FromUnit  string
	ToUnit    string
	Effective graph.Date
	// Allowed is false when a finding of severity critical concerns the
	// proposed transfer.
	Allowed  bool
	Findings []policy.Finding
}

// CheckTransfer asks whether moving a person to a unit on a day would break a
// rule. The person's unit is resolved as of that day, so an earlier transfer
// (A→B) makes a later one (B→C) indirect.
func CheckTransfer(ctx context.Context, in *inputs.Inputs, pol *Policy, employeeID, toUnit string, effective graph.Date) (*TransferCheck, error) {
	snap := in.Graph.Snapshot()
	p, err := Person(snap, employeeID)
	if err != nil {
		return nil, i18n.Errorf("--employee: %w", err)
	}
	if p == nil {
		return nil, i18n.Errorf("%w: --employee %q is not in the people file", ErrNotFound, employeeID)
	}
	if p.HasLeft(effective) {
		return nil, i18n.Errorf("%w: --employee %s (%s) left on %s, before the transfer's date %s: there is no one to transfer", ErrNotFound, p.EmployeeID, p.Name, p.EndDate, effective)
	}
	if snap.Unit(toUnit) == nil {
		return nil, i18n.Errorf("%w: --to %q is not a unit of org.yaml", ErrNotFound, toUnit)
	}
	from := snap.AssignmentAsOf(p, effective).Unit
	proposed := &graph.Transfer{EventID: ProposedEvent, EmployeeID: p.EmployeeID, FromUnit: from, ToUnit: toUnit, Effective: effective}
	eng, err := pol.engine(ctx, snap, effective)
	if err != nil {
		return nil, err
	}
	fs, err := eng.Eval(ctx, eng.Inputs().Person(snap, p, effective, proposed))
	if err != nil {
		return nil, err
	}
	res := &TransferCheck{Person: p, FromUnit: from, ToUnit: toUnit, Effective: effective, Allowed: true}
	for _, f := range fs {
		if f.Event != ProposedEvent {
			continue
		}
		res.Findings = append(res.Findings, f)
		if f.Severity == "critical" {
			res.Allowed = false
		}
	}
	// The most severe first, as in plans.
	slices.SortStableFunc(res.Findings, func(a, b policy.Finding) int {
		return cmp.Compare(slices.Index(policy.Severities, a.Severity), slices.Index(policy.Severities, b.Severity))
	})
	return res, nil
}

// NewPolicy compiles the policy modules (tests left out) with the config's
// rules section and evaluator.
func NewPolicy(cfg *config.Config, mods []policy.Module, log *slog.Logger) (*Policy, error) {
	compiled, err := policy.Compile(policy.WithoutTests(mods))
	if err != nil {
		return nil, err
	}
	ev, err := policy.ParseEvaluator(cfg.Policy.Evaluator)
	if err != nil {
		return nil, i18n.Errorf("%s: field policy.evaluator: %w", cfg.Path, err)
	}
	cal, err := CalendarOf(cfg)
	if err != nil {
		return nil, err
	}
	return &Policy{Compiled: compiled.WithEvaluator(ev), Rules: cfg.Rules, Log: log, Calendar: cal,
		BusinessDays: cfg.Rules.InactiveAccount.MaxLimit()}, nil
}

// CalendarOf is the config's business days: the national holidays (the
// Cabinet Office's list when given) and the company's.
func CalendarOf(cfg *config.Config) (*calendar.Calendar, error) {
	cal, err := calendar.New(cfg.Calendar.CompanyHolidays)
	if err != nil {
		return nil, i18n.Errorf("%s: %w", cfg.Path, err)
	}
	if cfg.Calendar.NationalHolidays != "" {
		name := cfg.Resolve(cfg.Calendar.NationalHolidays)
		f, err := cfg.Files.Open(name)
		if err != nil {
			return nil, i18n.Errorf("%s: %w", name, connectors.UnwrapPath(err))
		}
		err = cal.LoadOfficial(name, f)
		f.Close()
		if err != nil {
			return nil, err
		}
	}
	return cal, nil
}

// LoadAll compiles the policy and then reads every input of the config: what
// every command that evaluates the policy starts with.
func LoadAll(ctx context.Context, cfg *config.Config, mods []policy.Module, log *slog.Logger, progress func(done, total int)) (*inputs.Inputs, *Policy, error) {
	pol, err := NewPolicy(cfg, mods, log)
	if err != nil {
		return nil, nil, err
	}
	in, err := inputs.LoadWithProgress(ctx, cfg, log, progress)
	if err != nil {
		return nil, nil, err
	}
	return in, pol, nil
}

// UsageEngine prepares the usage rules (the log check's) as of a day.
func (pol *Policy) UsageEngine(ctx context.Context, snap *graph.Snapshot, day graph.Date) (*policy.Engine, error) {
	eng, err := pol.Compiled.NewUsageEngine(ctx, pol.model(snap, day))
	if err != nil {
		return nil, err
	}
	pol.LogEvaluator(eng)
	return eng, nil
}

// Removals are policy findings indexed by what they would remove: a grant
// (SYSTEM/ACCOUNT/ENTITLEMENT) or a whole account (SYSTEM/ACCOUNT).
type Removals map[string][]policy.Finding

// IndexRemovals indexes the findings that call for a revoke or a disable.
func IndexRemovals(fs []policy.Finding) Removals {
	idx := Removals{}
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

// Of lists the findings that call for removing the grant, directly or by
// disabling its account.
func (idx Removals) Of(g *graph.Grant) []policy.Finding {
	return idx.OfKeys(g.Key(), g.AccountKey())
}

// OfKeys is Of by the grant's key and its account's (made once by the
// caller): nothing is copied when only one of them has findings.
func (idx Removals) OfKeys(grant, account string) []policy.Finding {
	a, b := idx[grant], idx[account]
	switch {
	case len(b) == 0:
		return a
	case len(a) == 0:
		return b
	}
	return append(slices.Clone(a), b...)
}

// RemovalsAt evaluates the whole graph as of a day and indexes what the
// policy would remove.
func (pol *Policy) RemovalsAt(ctx context.Context, snap *graph.Snapshot, d graph.Date) (Removals, error) {
	fs, err := pol.Findings(ctx, snap, d)
	if err != nil {
		return nil, err
	}
	return IndexRemovals(fs), nil
}
