package policy

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/accessrecon/accessrecon/i18n"
	"github.com/accessrecon/accessrecon/policy/vm"
	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
)

// Each rule lives in package accessrecon.rules.<area>.<rule> and defines the
// set `findings`. Compile generates one module, package accessrecon.all,
// that names every such package (a query with wildcards over the package
// tree costs several times more per evaluation), and the engine asks it.
//
// Usage rules (checks of logged accesses) live in packages
// accessrecon.usage.<rule> and are aggregated into accessrecon.usage_all.
const (
	rulesPrefix = "data.accessrecon.rules."
	usagePrefix = "data.accessrecon.usage."
	Query       = "f := data.accessrecon.all.findings[_]"
	UsageQuery  = "f := data.accessrecon.usage_all.findings[_]"
)

// Ops a finding may ask for.
const (
	OpNone    = ""
	OpRevoke  = "revoke"
	OpDisable = "disable_account"
	OpGrant   = "grant"
)

// Severities, most severe first.
var Severities = []string{"critical", "high", "medium", "low", "info"}

// MoreSevere is the more severe of two severities (one that is not a
// severity counts least).
func MoreSevere(a, b string) string {
	ia, ib := slices.Index(Severities, a), slices.Index(Severities, b)
	if ia == -1 || (ib != -1 && ib < ia) {
		return b
	}
	return a
}

// ErrPolicy marks a policy that does not compile or a finding that breaks the
// extension contract.
var ErrPolicy = errors.New("policy error")

// Finding is one object of a rule's findings set.
type Finding struct {
	Rule        string `json:"rule"`
	Severity    string `json:"severity"`
	Op          string `json:"op"`
	Person      string `json:"person"`
	System      string `json:"system"`
	Account     string `json:"account"`
	Entitlement string `json:"entitlement"`
	Event       string `json:"event"`
	Message     string `json:"message"`
	// MessageJA is the message in Japanese, when the rule gives one
	// (lib.say and the rule's METADATA messages).
	MessageJA string `json:"message_ja,omitempty"`
}

// RuleInfo is what a rule's METADATA says about it.
type RuleInfo struct {
	ID          string
	Title       string
	TitleJA     string
	Description string
	Severity    string
	Action      string
	Package     string
	// Messages are the rule's messages by key, each by language ("en",
	// "ja"): format strings over the parameters lib.say gives.
	Messages map[string]map[string]string
}

// Say is the message key of a rule with params, in a language; "" when the
// rule has no such text.
func (ri RuleInfo) Say(key, lang string, params []any) string {
	t := ri.Messages[key][lang]
	if t == "" {
		return ""
	}
	return fmt.Sprintf(t, params...)
}

// Compiled is a compiled set of modules, reusable across runs.
type Compiled struct {
	compiler  *ast.Compiler
	digest    string
	rules     map[string]RuleInfo
	evaluator Evaluator
}

// Evaluator names how engines evaluate the rules.
type Evaluator string

const (
	// EvaluatorPlan runs the plan OPA's planner makes of the query (package
	// vm), and falls back to top-down evaluation for a policy that uses what
	// the plan evaluator does not support. The default.
	EvaluatorPlan Evaluator = "plan"
	// EvaluatorTopdown is OPA's top-down evaluator, as `opa eval` uses.
	EvaluatorTopdown Evaluator = "topdown"
)

// ParseEvaluator checks an evaluator name ("" is the default).
func ParseEvaluator(s string) (Evaluator, error) {
	switch Evaluator(s) {
	case "", EvaluatorPlan:
		return EvaluatorPlan, nil
	case EvaluatorTopdown:
		return EvaluatorTopdown, nil
	}
	return "", i18n.Errorf("evaluator %q: want %q or %q", s, EvaluatorPlan, EvaluatorTopdown)
}

// WithEvaluator is c with engines that use evaluator e.
func (c *Compiled) WithEvaluator(e Evaluator) *Compiled {
	cp := *c
	cp.evaluator = e
	return &cp
}

// Compile parses (Rego v1) and compiles the modules.
func Compile(mods []Module) (*Compiled, error) {
	parsed, err := parse(mods)
	if err != nil {
		return nil, err
	}
	for _, agg := range []struct{ prefix, pkg string }{{rulesPrefix, "accessrecon.all"}, {usagePrefix, "accessrecon.usage_all"}} {
		m, err := aggregate(parsed, agg.prefix, agg.pkg)
		if err != nil {
			return nil, err
		}
		parsed["generated:"+agg.pkg+".rego"] = m
	}
	c := ast.NewCompiler().WithDefaultRegoVersion(ast.RegoV1)
	c.Compile(parsed)
	if c.Failed() {
		return nil, fmt.Errorf("%w: %v", ErrPolicy, c.Errors)
	}
	return &Compiled{compiler: c, digest: Digest(mods), rules: ruleInfos(parsed), evaluator: EvaluatorPlan}, nil
}

// parse parses Rego v1 modules with their METADATA annotations.
func parse(mods []Module) (map[string]*ast.Module, error) {
	parsed := make(map[string]*ast.Module, len(mods))
	for _, m := range mods {
		pm, err := ast.ParseModuleWithOpts(m.Name, string(m.Source), ast.ParserOptions{ProcessAnnotation: true, RegoVersion: ast.RegoV1})
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrPolicy, err)
		}
		parsed[m.Name] = pm
	}
	return parsed, nil
}

// aggregate generates package pkg, whose findings are the union of the
// findings of every package below prefix.
func aggregate(parsed map[string]*ast.Module, prefix, pkg string) (*ast.Module, error) {
	seen := map[string]bool{}
	var pkgs []string
	depth := len(strings.Split(strings.TrimSuffix(prefix, "."), ".")) + 2 // data.accessrecon.rules.<area>.<rule>
	if prefix == usagePrefix {
		depth-- // data.accessrecon.usage.<rule>
	}
	for _, m := range parsed {
		path := m.Package.Path.String()
		if !strings.HasPrefix(path, prefix) || strings.HasSuffix(path, "_test") || seen[path] {
			continue
		}
		if len(m.Package.Path) != depth {
			return nil, fmt.Errorf("%w: %s: rule packages are accessrecon.rules.<area>.<rule>, usage rules accessrecon.usage.<rule>", ErrPolicy, path)
		}
		seen[path] = true
		pkgs = append(pkgs, path)
	}
	sort.Strings(pkgs)
	var b strings.Builder
	fmt.Fprintf(&b, "package %s\n\n", pkg)
	for _, p := range pkgs {
		fmt.Fprintf(&b, "findings contains f if {\n\tsome f in %s.findings\n}\n\n", p)
	}
	if len(pkgs) == 0 {
		b.WriteString("findings := set()\n")
	}
	m, err := ast.ParseModuleWithOpts("generated:"+pkg+".rego", b.String(), ast.ParserOptions{RegoVersion: ast.RegoV1})
	if err != nil {
		return nil, fmt.Errorf("%w: generated aggregate: %v", ErrPolicy, err)
	}
	return m, nil
}

// RuleInfos reads the rules' METADATA without compiling the modules.
func RuleInfos(mods []Module) (map[string]RuleInfo, error) {
	parsed, err := parse(mods)
	if err != nil {
		return nil, err
	}
	return ruleInfos(parsed), nil
}

func ruleInfos(parsed map[string]*ast.Module) map[string]RuleInfo {
	out := map[string]RuleInfo{}
	for _, m := range parsed {
		for _, a := range m.Annotations {
			if a.Scope != "package" {
				continue
			}
			id, _ := a.Custom["id"].(string)
			if id == "" {
				continue
			}
			ri := RuleInfo{ID: id, Title: a.Title, Description: strings.TrimSpace(a.Description), Package: m.Package.Path.String()}
			ri.TitleJA, _ = a.Custom["title_ja"].(string)
			ri.Severity, _ = a.Custom["severity"].(string)
			ri.Action, _ = a.Custom["action"].(string)
			if msgs, ok := a.Custom["messages"].(map[string]any); ok {
				ri.Messages = map[string]map[string]string{}
				for key, v := range msgs {
					texts, _ := v.(map[string]any)
					ri.Messages[key] = map[string]string{}
					for lang, t := range texts {
						ri.Messages[key][lang], _ = t.(string)
					}
				}
			}
			out[id] = ri
		}
	}
	return out
}

// Digest identifies the deciding modules (see the package-level Digest).
func (c *Compiled) Digest() string { return c.digest }

// Rules lists the rules that declare `custom.id` in their package METADATA.
func (c *Compiled) Rules() map[string]RuleInfo { return c.rules }

// Engine evaluates the compiled rules against one model (data.model).
type Engine struct {
	compiled *Compiled
	query    rego.PreparedEvalQuery
	program  *vm.Program // nil: evaluate top-down
	why      string      // why program is nil
}

// NewEngine prepares the query of the rules once against the model; the
// engine is then safe for concurrent use.
func (c *Compiled) NewEngine(ctx context.Context, model any) (*Engine, error) {
	return c.prepare(ctx, Query, model)
}

// NewUsageEngine prepares the query of the usage rules (EvalUsage).
func (c *Compiled) NewUsageEngine(ctx context.Context, model any) (*Engine, error) {
	return c.prepare(ctx, UsageQuery, model)
}

func (c *Compiled) prepare(ctx context.Context, query string, model any) (*Engine, error) {
	raw, err := json.Marshal(map[string]any{"model": model})
	if err != nil {
		return nil, fmt.Errorf("policy: encode model: %w", err)
	}
	e := &Engine{compiled: c, why: "configured"}
	if c.evaluator != EvaluatorTopdown {
		plan, err := planOf(ctx, c.compiler, query)
		if err != nil {
			return nil, fmt.Errorf("%w: plan: %v", ErrPolicy, err)
		}
		data, err := ast.ValueFromReader(bytes.NewReader(raw))
		if err != nil {
			return nil, fmt.Errorf("policy: decode model: %w", err)
		}
		e.program, err = vm.Compile(plan, data)
		switch {
		case err == nil:
			return e, nil
		case errors.Is(err, vm.ErrUnsupported):
			e.why = err.Error()
		default:
			return nil, fmt.Errorf("%w: %v", ErrPolicy, err)
		}
	}
	// AST values on read: rules look into data.model on every evaluation, and
	// a store of Go values would convert the subtree they read each time.
	store := inmem.NewFromReaderWithOpts(bytes.NewReader(raw), inmem.OptReturnASTValuesOnRead(true))
	e.query, err = rego.New(
		rego.Query(query),
		rego.Compiler(c.compiler),
		rego.Store(store),
	).PrepareForEval(ctx)
	if err != nil {
		return nil, fmt.Errorf("%w: prepare: %v", ErrPolicy, err)
	}
	return e, nil
}

// Inputs builds input documents for this engine.
func (e *Engine) Inputs() Inputs { return Inputs{records: e.program != nil} }

// ConstantRules is how many rules the plan evaluator computes once for all
// subjects, as they do not depend on input (0 top-down).
func (e *Engine) ConstantRules() int {
	if e.program == nil {
		return 0
	}
	return e.program.ConstantRules()
}

// Evaluator says how the engine evaluates: "plan", or "topdown" with the
// reason.
func (e *Engine) Evaluator() string {
	if e.program != nil {
		return string(EvaluatorPlan)
	}
	return string(EvaluatorTopdown) + " (" + e.why + ")"
}

// results evaluates the query for one input; each result is the value the
// query binds to f.
func (e *Engine) results(ctx context.Context, input ast.Value) ([]any, error) {
	if e.program == nil {
		rs, err := e.query.Eval(ctx, rego.EvalParsedInput(input))
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrPolicy, err)
		}
		out := make([]any, len(rs))
		for i, r := range rs {
			out[i] = r.Bindings["f"]
		}
		return out, nil
	}
	terms, err := e.program.Eval(ctx, input)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrPolicy, err)
	}
	out := make([]any, 0, len(terms))
	for _, t := range terms {
		obj, ok := t.Value.(ast.Object)
		if !ok {
			return nil, fmt.Errorf("%w: a query result must be an object, got %v", ErrPolicy, t)
		}
		f := obj.Get(fKey)
		if f == nil {
			return nil, fmt.Errorf("%w: a query result without f: %v", ErrPolicy, t)
		}
		v, err := ast.JSON(f.Value)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrPolicy, err)
		}
		out = append(out, v)
	}
	return out, nil
}

var fKey = ast.StringTerm("f")

// Eval evaluates every rule for one subject.
func (e *Engine) Eval(ctx context.Context, input ast.Value) ([]Finding, error) {
	rs, err := e.results(ctx, input)
	if err != nil {
		return nil, err
	}
	out := make([]Finding, 0, len(rs))
	for _, r := range rs {
		f, err := e.compiled.toFinding(r)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, nil
}

// UsageFinding is one object of a usage rule's findings: about the logged
// access input.usage[Usage].accesses[Access].
type UsageFinding struct {
	Rule      string
	Severity  string
	Usage     int
	Access    int
	Person    string
	Message   string
	MessageJA string
}

// EvalUsage evaluates every usage rule for a batch of accounts' accesses.
func (e *Engine) EvalUsage(ctx context.Context, input ast.Value) ([]UsageFinding, error) {
	rs, err := e.results(ctx, input)
	if err != nil {
		return nil, err
	}
	out := make([]UsageFinding, 0, len(rs))
	for _, r := range rs {
		m, ok := r.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%w: a usage finding must be an object, got %v", ErrPolicy, r)
		}
		get := func(k string) string { s, _ := m[k].(string); return s }
		f := UsageFinding{Rule: get("rule"), Severity: get("severity"), Person: get("person"), Message: get("message")}
		f.MessageJA = e.compiled.japanese(f.Rule, get("message_key"), m["message_params"])
		for field, dst := range map[string]*int{"usage": &f.Usage, "access": &f.Access} {
			n, ok := m[field].(json.Number)
			i, err := n.Int64()
			if !ok || err != nil {
				return nil, fmt.Errorf("%w: usage rule %s: field %s must be an index into input.usage, got %v", ErrPolicy, f.Rule, field, m[field])
			}
			*dst = int(i)
		}
		if f.Rule == "" || !slices.Contains(Severities, f.Severity) {
			return nil, fmt.Errorf("%w: usage rule %q: a finding needs a rule and a severity of %v", ErrPolicy, f.Rule, Severities)
		}
		out = append(out, f)
	}
	return out, nil
}

func (c *Compiled) toFinding(v any) (Finding, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return Finding{}, fmt.Errorf("%w: a finding must be an object, got %v", ErrPolicy, v)
	}
	get := func(k string) string { s, _ := m[k].(string); return s }
	f := Finding{
		Rule: get("rule"), Severity: get("severity"), Op: get("op"), Person: get("person"),
		System: get("system"), Account: get("account"), Entitlement: get("entitlement"),
		Event: get("event"), Message: get("message"),
	}
	f.MessageJA = c.japanese(f.Rule, get("message_key"), m["message_params"])
	switch {
	case f.Rule == "":
		return f, fmt.Errorf("%w: finding without a rule id: %v", ErrPolicy, v)
	case !slices.Contains(Severities, f.Severity):
		return f, fmt.Errorf("%w: rule %s: severity must be one of %v, got %q", ErrPolicy, f.Rule, Severities, f.Severity)
	case f.Op != OpNone && f.Op != OpRevoke && f.Op != OpDisable:
		return f, fmt.Errorf("%w: rule %s: op must be \"\", %q or %q, got %q", ErrPolicy, f.Rule, OpRevoke, OpDisable, f.Op)
	case f.Op != OpNone && (f.System == "" || f.Account == ""):
		return f, fmt.Errorf("%w: rule %s: an action needs system and account", ErrPolicy, f.Rule)
	case f.Op == OpRevoke && f.Entitlement == "":
		return f, fmt.Errorf("%w: rule %s: a revoke needs an entitlement", ErrPolicy, f.Rule)
	}
	return f, nil
}

// japanese is a finding's message in Japanese from the rule's METADATA
// (the rule gave a key and params with lib.say), or "".
func (c *Compiled) japanese(rule, key string, params any) string {
	if key == "" {
		return ""
	}
	ps, _ := params.([]any)
	return c.rules[rule].Say(key, "ja", ps)
}

// SubjectError is the evaluation of one subject of EvalAll failing.
type SubjectError struct {
	Index int // the subject's index
	Err   error
}

func (e *SubjectError) Error() string { return fmt.Sprintf("subject %d: %v", e.Index, e.Err) }
func (e *SubjectError) Unwrap() error { return e.Err }

// EvalAll evaluates n subjects on all cores. input(in, i) builds subject
// i's input with in; it is called from several goroutines. progress, if not
// nil, is called now and then with the number of subjects done.
//
// Each goroutine builds inputs in an arena of its own that the next input
// reuses: an input is dropped once its findings are out.
func (e *Engine) EvalAll(ctx context.Context, n int, input func(in Inputs, i int) ast.Value, progress func(done int)) ([]Finding, error) {
	per := make([][]Finding, n)
	var done atomic.Int64
	arenas := sync.Pool{New: func() any { return new(vm.Arena) }}
	err := Parallel(ctx, n, 1, func(ctx context.Context, i, _ int) (err error) {
		defer func() {
			// Whatever went wrong (a bug in building an input, in an
			// evaluator), the plan fails with an error naming the
			// subject; the process does not crash.
			if v := recover(); v != nil {
				err = &SubjectError{Index: i, Err: fmt.Errorf("%w: internal error: %v", ErrPolicy, v)}
			}
		}()
		arena := arenas.Get().(*vm.Arena)
		fs, err := e.Eval(ctx, input(e.Inputs().In(arena), i))
		arena.Reset()
		arenas.Put(arena)
		if err != nil {
			return &SubjectError{Index: i, Err: err}
		}
		per[i] = fs
		if d := done.Add(1); progress != nil && d%1000 == 0 {
			progress(int(d))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if progress != nil {
		progress(n)
	}
	total := 0
	for _, fs := range per {
		total += len(fs)
	}
	all := make([]Finding, 0, total)
	for _, fs := range per {
		all = append(all, fs...)
	}
	SortFindings(all)
	return all, nil
}

// SortFindings orders findings deterministically.
func SortFindings(fs []Finding) {
	slices.SortFunc(fs, func(a, b Finding) int {
		return ComparePairs(a.Rule, b.Rule, a.Person, b.Person, a.System, b.System, a.Account, b.Account,
			a.Entitlement, b.Entitlement, a.Event, b.Event, a.Op, b.Op, a.Message, b.Message, a.Severity, b.Severity)
	})
}

// ComparePairs compares strings pair by pair (a1, b1, a2, b2, ...): the
// first pair that differs decides, as strings.Compare would.
func ComparePairs(pairs ...string) int {
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i] != pairs[i+1] {
			return strings.Compare(pairs[i], pairs[i+1])
		}
	}
	return 0
}
