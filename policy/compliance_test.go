package policy

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/accessrecon/accessrecon/policy/vm"
	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/test/cases"
	"github.com/open-policy-agent/opa/v1/test/cases/testdata"
	"github.com/open-policy-agent/opa/v1/util"
)

// complianceCases are OPA's v1 compliance cases, shipped in the OPA module
// go.mod names: the same cases OPA's own evaluators are tested with.
func complianceCases(t *testing.T) []cases.TestCase {
	t.Helper()
	var out []cases.TestCase
	err := fs.WalkDir(testdata.V1, "v1", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		bs, err := fs.ReadFile(testdata.V1, path)
		if err != nil {
			return err
		}
		var set cases.Set
		if err := util.Unmarshal(bs, &set); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		for _, c := range set.Cases {
			c.Filename = path
			out = append(out, c)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// outcome of one compliance case on the plan evaluator.
type outcome int

const (
	agrees      outcome = iota
	fallsBack           // vm.Compile refuses it: production evaluates it top-down
	notPlanned          // OPA's planner (or compiler) refuses it: so does production
	notRelevant         // strict built-in errors or environment: never set by accessrecon
	disagrees
)

// runCompliance runs one case through the plan evaluator and says how it
// went, with why when it disagrees.
func runCompliance(ctx context.Context, tc cases.TestCase) (out outcome, why string) {
	defer func() {
		if r := recover(); r != nil {
			out, why = disagrees, fmt.Sprintf("panic: %v", r)
		}
	}()
	if tc.StrictError || len(tc.Env) > 0 || tc.ExperimentalKeywords {
		return notRelevant, ""
	}
	modules := map[string]*ast.Module{}
	for i, src := range tc.Modules {
		name := fmt.Sprintf("test-%d.rego", i)
		m, err := ast.ParseModuleWithOpts(name, src, ast.ParserOptions{RegoVersion: ast.RegoV1})
		if err != nil {
			return notPlanned, err.Error()
		}
		modules[name] = m
	}
	c := ast.NewCompiler().WithDefaultRegoVersion(ast.RegoV1)
	if c.Compile(modules); c.Failed() {
		return notPlanned, c.Errors.Error()
	}
	plan, err := planOf(ctx, c, tc.Query)
	if err != nil {
		return notPlanned, err.Error()
	}
	var data ast.Value = ast.NewObject()
	if tc.Data != nil {
		data = ast.MustInterfaceToValue(*tc.Data)
	}
	prog, err := vm.Compile(plan, data)
	if errors.Is(err, vm.ErrUnsupported) {
		return fallsBack, err.Error()
	}
	if err != nil {
		return disagrees, "compile: " + err.Error()
	}
	var input ast.Value // nil: no input
	if tc.InputTerm != nil {
		input = ast.MustParseTerm(*tc.InputTerm).Value
	} else if tc.Input != nil {
		input = ast.MustInterfaceToValue(*tc.Input)
	}
	terms, err := prog.Eval(ctx, input)
	wantErr := tc.WantError != nil || tc.WantErrorCode != nil
	switch {
	case wantErr && err != nil:
		return agrees, ""
	case wantErr:
		return disagrees, fmt.Sprintf("want an error (%s), got %v", errText(tc), terms)
	case err != nil:
		return disagrees, fmt.Sprintf("error %v, want %v", err, wantText(tc))
	case tc.WantResult == nil:
		return disagrees, "the case expects nothing"
	}
	got, err := resultSet(terms, tc.SortBindings, tc.IgnoreGeneratedVars)
	if err != nil {
		return disagrees, err.Error()
	}
	want := ast.NewSet()
	for _, b := range *tc.WantResult {
		obj := ast.NewObject()
		for k, v := range b {
			obj.Insert(ast.StringTerm(k), ast.NewTerm(ast.MustInterfaceToValue(v)))
		}
		want.Add(ast.NewTerm(obj))
	}
	if want.Compare(got) != 0 {
		return disagrees, fmt.Sprintf("got %v, want %v", got, want)
	}
	return agrees, ""
}

func errText(tc cases.TestCase) string {
	if tc.WantError != nil {
		return *tc.WantError
	}
	return *tc.WantErrorCode
}

func wantText(tc cases.TestCase) any {
	if tc.WantResult != nil {
		return *tc.WantResult
	}
	return nil
}

// resultSet is the plan evaluator's results as OPA's compliance runner
// compares them: each binding through JSON (sets become arrays).
func resultSet(terms []*ast.Term, sortBindings, ignoreGenerated bool) (ast.Set, error) {
	got := ast.NewSet()
	for _, t := range terms {
		bindings, ok := t.Value.(ast.Object)
		if !ok {
			return nil, fmt.Errorf("a result that is not an object: %v", t)
		}
		obj := ast.NewObject()
		err := bindings.Iter(func(k, v *ast.Term) error {
			js, err := ast.JSON(v.Value)
			if err != nil {
				return err
			}
			if sortBindings {
				if arr, ok := js.([]any); ok {
					slices.SortFunc(arr, util.Compare)
				}
			}
			name := string(k.Value.(ast.String))
			if !ignoreGenerated || !strings.HasPrefix(name, "__localq") {
				obj.Insert(k, ast.NewTerm(ast.MustInterfaceToValue(js)))
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		got.Add(ast.NewTerm(obj))
	}
	return got, nil
}

// TestPlanEvaluatorPassesOPAsComplianceSuite runs every v1 compliance case
// of the OPA module in go.mod through the plan evaluator: each must agree
// with OPA's expected result, or be refused by vm.Compile (production then
// evaluates top-down, as it does what OPA's planner refuses). A
// disagreement is a wrong answer a user's own rule could get silently.
func TestPlanEvaluatorPassesOPAsComplianceSuite(t *testing.T) {
	ctx := context.Background()
	all := complianceCases(t)
	if len(all) < 2000 {
		t.Fatalf("only %d compliance cases found", len(all))
	}
	counts := map[outcome]int{}
	var bad []string
	fallback := map[string]int{}
	for _, tc := range all {
		out, why := runCompliance(ctx, tc)
		counts[out]++
		if out == fallsBack {
			fallback[why[strings.LastIndex(why, ": ")+2:]]++
		}
		if out == disagrees {
			bad = append(bad, fmt.Sprintf("%s %q: %s", tc.Filename, tc.Note, why))
		}
	}
	sort.Strings(bad)
	for _, b := range bad {
		t.Error(b)
	}
	t.Logf("what falls back to top-down: %v", fallback)
	t.Logf("%d cases: %d agree, %d fall back to top-down, %d not planned, %d not relevant (strict errors, env), %d disagree",
		len(all), counts[agrees], counts[fallsBack], counts[notPlanned], counts[notRelevant], counts[disagrees])
}
