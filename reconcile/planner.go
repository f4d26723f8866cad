package reconcile

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"

	"github.com/accessrecon/accessrecon/config"
	"github.com/accessrecon/accessrecon/graph"
	"github.com/accessrecon/accessrecon/policy"
	"github.com/open-policy-agent/opa/v1/ast"
)

// ErrNotFound is returned for an employee, unit or event that the inputs do
// not know.
var ErrNotFound = errors.New("not found")

// ProposedEvent is the event id of the hypothetical transfer that
// `transfer check` evaluates.
const ProposedEvent = "proposed"

// Planner evaluates the policy over loaded inputs.
type Planner struct {
	Inputs   *Inputs
	Compiled *policy.Compiled
	// Rules is the config's rules section, given to the policy as data.model.rules.
	Rules any
	Log   *slog.Logger
	// Progress, if set, is told how many subjects of how many are evaluated.
	Progress func(done, total int)
	// Engines, if set, keeps prepared engines by as-of day for planners that
	// answer many requests over the same org and systems (serve).
	Engines *EngineCache
}

// EngineCache keeps prepared policy engines by as-of day. data.model
// depends only on the org, systems, windows and exceptions, so planners over
// graphs that differ in people, transfers, accounts or grants may share it.
type EngineCache struct {
	mu      sync.Mutex
	engines map[graph.Date]*policy.Engine
}

func (pl *Planner) engine(ctx context.Context, snap *graph.Snapshot, asOf graph.Date) (*policy.Engine, error) {
	c := pl.Engines
	if c == nil {
		return pl.newEngine(ctx, snap, asOf)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.engines[asOf]; ok {
		return e, nil
	}
	e, err := pl.newEngine(ctx, snap, asOf)
	if err != nil {
		return nil, err
	}
	if c.engines == nil || len(c.engines) > 64 {
		c.engines = map[graph.Date]*policy.Engine{}
	}
	c.engines[asOf] = e
	return e, nil
}

func (pl *Planner) newEngine(ctx context.Context, snap *graph.Snapshot, asOf graph.Date) (*policy.Engine, error) {
	e, err := pl.Compiled.NewEngine(ctx, policy.Model(snap, asOf, pl.Rules))
	if err != nil {
		return nil, err
	}
	pl.logEvaluator(e)
	return e, nil
}

// logEvaluator says how the rules are evaluated.
func (pl *Planner) logEvaluator(e *policy.Engine) {
	if pl.Log != nil {
		pl.Log.Debug("policy engine prepared", "evaluator", e.Evaluator())
	}
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

func (pl *Planner) evaluate(ctx context.Context, snap *graph.Snapshot, asOf graph.Date, subjects []subject) ([]policy.Finding, error) {
	eng, err := pl.engine(ctx, snap, asOf)
	if err != nil {
		return nil, err
	}
	var progress func(int)
	if pl.Progress != nil {
		progress = func(done int) { pl.Progress(done, len(subjects)) }
	}
	return eng.EvalAll(ctx, len(subjects), func(in policy.Inputs, i int) ast.Value {
		return subjects[i].input(in, snap, asOf)
	}, progress)
}

// Findings evaluates every subject of the graph as of a day: everyone in the
// HR feed, every ownerless account and every unknown owner.
func (pl *Planner) Findings(ctx context.Context, asOf graph.Date) ([]policy.Finding, error) {
	snap := pl.Inputs.Graph.Snapshot()
	subjects := pl.subjects(snap)
	pl.Log.Debug("evaluating policy", "subjects", len(subjects), "as_of", asOf.String())
	fs, err := pl.evaluate(ctx, snap, asOf, subjects)
	if err != nil {
		return nil, err
	}
	pl.Log.Debug("policy evaluated", "findings", len(fs))
	return fs, nil
}

// subjects are everyone in the HR feed, every ownerless account and every
// unknown owner.
func (pl *Planner) subjects(snap *graph.Snapshot) []subject {
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
func (pl *Planner) Reconcile(ctx context.Context, asOf graph.Date) (*Plan, error) {
	fs, err := pl.Findings(ctx, asOf)
	if err != nil {
		return nil, err
	}
	return NewPlan(KindReconcile, asOf, pl.Inputs.Digests, pl.Compiled.Digest(), fs), nil
}

// TransferPlan is the plan for one HR transfer event, as of its effective
// date, covering the transferee only.
func (pl *Planner) TransferPlan(ctx context.Context, eventID string) (*Plan, error) {
	snap := pl.Inputs.Graph.Snapshot()
	t := snap.Transfer(eventID)
	if t == nil {
		return nil, fmt.Errorf("%w: transfer event %q is not in the transfers file", ErrNotFound, eventID)
	}
	p := snap.Person(t.EmployeeID)
	fs, err := pl.evaluate(ctx, snap, t.Effective, []subject{{person: p}})
	if err != nil {
		return nil, err
	}
	// Findings about the person's other transfer events belong to those events.
	fs = slices.DeleteFunc(fs, func(f policy.Finding) bool { return f.Event != "" && f.Event != eventID })
	plan := NewPlan(KindTransfer, t.Effective, pl.Inputs.Digests, pl.Compiled.Digest(), fs)
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
func (pl *Planner) CheckTransfer(ctx context.Context, employeeID, toUnit string, effective graph.Date) (*TransferCheck, error) {
	snap := pl.Inputs.Graph.Snapshot()
	p := snap.Person(employeeID)
	if p == nil {
		return nil, fmt.Errorf("%w: --employee %q is not in the people file", ErrNotFound, employeeID)
	}
	if snap.Unit(toUnit) == nil {
		return nil, fmt.Errorf("%w: --to %q is not a unit of org.yaml", ErrNotFound, toUnit)
	}
	from := snap.AssignmentAsOf(p, effective).Unit
	proposed := &graph.Transfer{EventID: ProposedEvent, EmployeeID: employeeID, FromUnit: from, ToUnit: toUnit, Effective: effective}
	eng, err := pl.engine(ctx, snap, effective)
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
	policy.SortFindings(res.Findings)
	return res, nil
}

// NewPlanner reads every input of the config and compiles the policy
// modules (tests left out) into a planner.
func NewPlanner(ctx context.Context, cfg *config.Config, mods []policy.Module, log *slog.Logger) (*Planner, error) {
	compiled, err := policy.Compile(policy.WithoutTests(mods))
	if err != nil {
		return nil, err
	}
	ev, err := policy.ParseEvaluator(cfg.Policy.Evaluator)
	if err != nil {
		return nil, fmt.Errorf("%s: field policy.evaluator: %w", cfg.Path, err)
	}
	compiled = compiled.WithEvaluator(ev)
	in, err := Load(ctx, cfg, log)
	if err != nil {
		return nil, err
	}
	return &Planner{Inputs: in, Compiled: compiled, Rules: cfg.Rules, Log: log}, nil
}
