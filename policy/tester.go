package policy

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/accessrecon/accessrecon/policy/vm"
	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
	"github.com/open-policy-agent/opa/v1/tester"
)

// TestResult is the outcome of one Rego test rule.
type TestResult struct {
	Package string
	Name    string
	Pass    bool
	Detail  string // the error or the failing expression
	// Evaluator is what ran it: "plan", or "topdown" (configured, or with
	// the reason the plan evaluator could not).
	Evaluator string
}

// RunTests runs every test_ rule of the modules (bundled and user modules
// alike) and returns one result per test. With EvaluatorPlan (the default)
// each test runs on the plan evaluator that plans use, so a test that
// passes is a test of what production computes; a test the plan evaluator
// cannot run (a non-deterministic built-in, say) runs top-down, and its
// result says so. With EvaluatorTopdown OPA's own test runner runs them,
// with its report of the failing expression.
func RunTests(ctx context.Context, mods []Module, ev Evaluator) ([]TestResult, error) {
	parsed, err := parse(mods)
	if err != nil {
		return nil, err
	}
	if ev == EvaluatorTopdown {
		return runTopdown(ctx, parsed)
	}
	c := ast.NewCompiler().WithDefaultRegoVersion(ast.RegoV1)
	if c.Compile(parsed); c.Failed() {
		return nil, fmt.Errorf("%w: %v", ErrPolicy, c.Errors)
	}
	var out []TestResult
	for _, t := range testRules(c) {
		out = append(out, runPlanned(ctx, c, t))
	}
	return out, nil
}

// testRule is a test_ rule: its package (without data.) and name.
type testRule struct{ pkg, name string }

// testRules are the test rules of the compiled modules, by module name and
// then in the order they are written; a rule written in several parts is
// one test.
func testRules(c *ast.Compiler) []testRule {
	names := make([]string, 0, len(c.Modules))
	for n := range c.Modules {
		names = append(names, n)
	}
	slices.Sort(names)
	var out []testRule
	seen := map[testRule]bool{}
	for _, n := range names {
		m := c.Modules[n]
		pkg := strings.TrimPrefix(m.Package.Path.String(), "data.")
		for _, r := range m.Rules {
			name := r.Head.Ref().String()
			if !strings.HasPrefix(name, "test_") || len(r.Head.Args) > 0 {
				continue
			}
			t := testRule{pkg, name}
			if !seen[t] {
				seen[t] = true
				out = append(out, t)
			}
		}
	}
	return out
}

// runPlanned runs one test on the plan evaluator, or top-down when the
// plan evaluator cannot run it.
func runPlanned(ctx context.Context, c *ast.Compiler, t testRule) TestResult {
	res := TestResult{Package: "data." + t.pkg, Name: t.name, Evaluator: string(EvaluatorPlan)}
	query := fmt.Sprintf("x := data.%s.%s", t.pkg, t.name)
	plan, err := planOf(ctx, c, query)
	if err != nil {
		res.Detail = err.Error()
		return res
	}
	prog, err := vm.Compile(plan, ast.NewObject())
	if errors.Is(err, vm.ErrUnsupported) {
		res.Evaluator = string(EvaluatorTopdown) + " (" + err.Error() + ")"
		rs, err := rego.New(rego.Query(query), rego.Compiler(c), rego.Store(inmem.New())).Eval(ctx)
		if err != nil {
			res.Detail = err.Error()
			return res
		}
		res.Pass = len(rs) == 1 && rs[0].Bindings["x"] == true
		if !res.Pass {
			res.Detail = "false or undefined"
		}
		return res
	}
	if err != nil {
		res.Detail = err.Error()
		return res
	}
	terms, err := prog.Eval(ctx, nil)
	switch {
	case err != nil:
		res.Detail = err.Error()
	case len(terms) == 1 && terms[0].Value.(ast.Object).Get(ast.StringTerm("x")).Equal(ast.BooleanTerm(true)):
		res.Pass = true
	default:
		res.Detail = "false or undefined (policy test --evaluator topdown shows the failing expression)"
	}
	return res
}

// runTopdown is OPA's test runner.
func runTopdown(ctx context.Context, parsed map[string]*ast.Module) ([]TestResult, error) {
	ch, err := tester.NewRunner().
		SetCompiler(ast.NewCompiler().WithDefaultRegoVersion(ast.RegoV1)).
		SetDefaultRegoVersion(ast.RegoV1).
		SetModules(parsed).
		RunTests(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrPolicy, err)
	}
	var out []TestResult
	for r := range ch {
		tr := TestResult{Package: r.Package, Name: r.Name, Pass: r.Pass(), Evaluator: string(EvaluatorTopdown)}
		switch {
		case r.Error != nil:
			tr.Detail = r.Error.Error()
		case r.Fail && r.FailedAt != nil:
			tr.Detail = fmt.Sprintf("%s: %s", r.FailedAt.Location, r.FailedAt)
		}
		out = append(out, tr)
	}
	return out, nil
}
