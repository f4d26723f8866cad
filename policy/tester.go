package policy

import (
	"context"
	"fmt"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/tester"
)

// TestResult is the outcome of one Rego test rule.
type TestResult struct {
	Package string
	Name    string
	Pass    bool
	Detail  string // the error or the failing expression
}

// RunTests runs every test_ rule of the modules (bundled and user modules
// alike) and returns one result per test, in the runner's order.
func RunTests(ctx context.Context, mods []Module) ([]TestResult, error) {
	parsed, err := parse(mods)
	if err != nil {
		return nil, err
	}
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
		tr := TestResult{Package: r.Package, Name: r.Name, Pass: r.Pass()}
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
