package policy

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/accessrecon/accessrecon/policy/vm"
	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
)

// Each case is one module, evaluated with `x := data.t.out` by OPA's
// top-down evaluator and by the plan evaluator over the same input and data;
// the two must agree (both undefined, or equal values).
var planCases = []struct {
	name, module string
}{
	{"not", `out if not input.missing`},
	{"not of a defined ref", `out if not input.a`},
	{"set comprehension over arrays", `out := {x | some x in input.xs; x > 1}`},
	{"array comprehension keeps order and duplicates", `out := [x | some x in input.dup]`},
	{"object comprehension", `out := {k: v | some k, v in input.obj; v != 2}`},
	{"partial set, two bodies", `out contains x if { some x in input.xs; x < 2 }
out contains "b" if input.obj.b == 2`},
	{"partial object", `out[k] := v if { some k, v in input.obj }`},
	{"else chain", `out := "a" if input.n > 5
else := "b" if input.n > 2
else := "c"`},
	{"default", `default out := "none"
out := input.missing`},
	{"function with two definitions", `f(x) := "small" if x < 3
f(x) := "large" if x >= 3
out := [f(x) | some x in input.xs]`},
	{"or via functions", `ok(x) if x == 1
ok(x) if x == 3
out := [x | some x in input.xs; ok(x)]`},
	{"every", `out if every x in input.xs { x > 0 }`},
	{"every fails", `out if every x in input.xs { x > 1 }`},
	{"in and not in", `out := [x | some x in input.xs; x in {1, 3}; not x in {3}]`},
	{"nested data lookup", `out := [data.model.units[u].name | some u in input.units]`},
	{"lookup of a missing key is undefined", `out := [u | some u in input.units; not data.model.units[u]]`},
	{"sprintf, concat, count, object.get", `out := sprintf("%s has %d: %s", [object.get(input, ["who"], "?"), count(input.xs), concat(",", ["a", "b"])])`},
	{"built-in error is undefined", `out := [x | some x in input.mixed; y := x + 1]`},
	{"set iteration", `out := [x | some x in {"b", "a"}]`},
	{"key iteration over an object", `out := [k | some k, _ in input.obj]`},
	{"array index", `out := [input.xs[0], input.xs[2]]`},
	{"string compare", `out if "2026-01-02" < "2026-01-10"`},
	{"numbers", `out := [input.n * 2, input.n / 4, 1.5 + 1]`},
	{"rule used twice is the same", `r := count(input.xs)
out := r + r`},
	{"walk of data", `out := {p | some p, v in data.model.units; v.name != ""}`},
	{"not of an every", `small if every x in input.xs { x < 3 }
out if not small`},
	{"nested comprehensions", `out := {k: [y | some y in input.xs; y <= v] | some k, v in input.obj}`},
	{"default function", `default f(_) := "none"
f(x) := "one" if x == 1
out := [f(1), f(2)]`},
	{"rule with a ref head", `a.b.c := 1
a.b.d := 2
out := a.b`},
	{"array pattern", `out := [a | [a, _] := input.pairs[_]]`},
	{"string built-ins", `out := [upper(input.who), startswith(input.who, "a"), split("a,b", ","), trim_space("  x ")]`},
	// Input objects and arrays given as records and lists.
	{"object.get of a path", `out := [object.get(input, ["obj", "b"], 0), object.get(input, ["obj", "z"], 0), object.get(input, "n", 0)]`},
	{"count of an object and an array", `out := [count(input.obj), count(input.xs), count(input)]`},
	{"object compared", `out if input.obj == {"a": 1, "b": 2, "c": 3}`},
	{"objects in built collections", `out := {"set": {input.obj}, "array": [input.obj, input.xs], "object": {"o": input.obj}}`},
	{"built-in over an object", `out := [json.marshal(input.obj), object.keys(input.obj)]`},
	{"iteration over input", `out := [k | some k, _ in input]`},
	{"input as a result", `out := input`},
	// Data objects, which the plan evaluator looks keys up in through Go maps.
	{"data object counted, compared, given to built-ins", `out := [count(data.model.units), data.model.units.u1 == {"name": "Grid"}, is_object(data.model.units),
	object.get(data.model.units, ["u1", "name"], "?"), object.keys(data.model.units), json.marshal(data.model.units.u1), data.model.units != {}]`},
	{"data objects in built collections", `out := {"o": data.model.units, "a": [data.model.units.u2], "s": {data.model.units.u1}, "m": object.union(data.model.units, {"u3": 1})}`},
	{"data as a result", `out := data.model`},
	{"lookup with a non-string key", `out := {"number": [x | x := data.model.units[1].name], "string": [x | x := data.model.units["1"].name], "size": data.model.sizes[0]}`},
	{"objects inside data arrays", `out := [w.id | some w in data.model.windows; w.systems[_] == "takuso"]`},
	// with, as the rules' tests use it: input and data replaced, a rule
	// evaluated afresh inside and as before after.
	{"with input", `r := input.n
out := [x, r] if {
	x := r with input.n as 3
}`},
	{"with data", `names := {u.name | some u in data.model.units}
out := [x, names] if {
	x := names with data.model.units as {"z": {"name": "Z"}}
}`},
	{"with a path into input", `out := x if x := input.obj with input.obj.d as 4`},
	{"with a function replaced", `f(x) := x * 2
g(x) := x + 100
out := [y, f(1)] if y := f(1) with f as g`},
	{"with a built-in replaced", `out := x if x := count(input.xs) with count as 99`},
	{"with nested", `out := x if { x := [input.n, data.model.sizes] with input.n as 1 with data.model.sizes as [0] }`},
}

var (
	planInput = ast.MustParseTerm(`{"xs": [1, 2, 3], "dup": ["a", "a", "b"], "obj": {"a": 1, "b": 2, "c": 3},
		"n": 10, "units": ["u1", "u2", "u9"], "mixed": [1, "x", 3], "who": "ann", "pairs": [[1, 2], [3, 4], [5]]}`).Value
	planData = ast.MustParseTerm(`{"model": {"units": {"u1": {"name": "Grid"}, "u2": {"name": ""}, "1": {"name": "One"}}, "sizes": [3, 4],
		"windows": [{"id": "w1", "systems": ["takuso"]}, {"id": "w2", "systems": []}]}}`).Value
)

func TestPlanEvaluatorAgreesWithTopdown(t *testing.T) {
	for _, tc := range planCases {
		t.Run(tc.name, func(t *testing.T) {
			plan, planErr, topdown, topdownErr := evalBoth(t, tc.module)
			if planErr != nil || topdownErr != nil {
				t.Fatalf("plan evaluator: %v; top-down: %v", planErr, topdownErr)
			}
			if plan != topdown {
				t.Errorf("plan evaluator: %s\ntop-down:       %s", plan, topdown)
			}
		})
	}
}

func TestPlanEvaluatorConflictIsAnError(t *testing.T) {
	for name, module := range map[string]string{
		"complete rule": `out := x if some x in input.xs`,
		"object key":    `out[k] := v if { some v in input.xs; k := "same" }`,
	} {
		_, planErr, _, topdownErr := evalBoth(t, module)
		if topdownErr == nil || !errors.Is(planErr, vm.ErrConflict) {
			t.Errorf("%s with several values: plan evaluator %v, top-down %v; want both to fail", name, planErr, topdownErr)
		}
	}
}

func TestPlanEvaluatorRefusesWhatItDoesNotImplement(t *testing.T) {
	for name, module := range map[string]string{
		"non-deterministic": `out := time.now_ns()`,
		"print":             `out if print("x")`,
		"dynamic data function": `sub.a := 1
out := [v | some k in input.dup; v := data.t.sub[k]]`,
	} {
		t.Run(name, func(t *testing.T) {
			_, err := compileBoth(t, module)
			if !errors.Is(err, vm.ErrUnsupported) {
				t.Fatalf("vm.Compile: %v, want ErrUnsupported", err)
			}
		})
	}
}

func TestEngineFallsBackToTopdown(t *testing.T) {
	ctx := context.Background()
	mods := append(WithoutTests(Bundled()), Module{Name: "extra.rego", Source: []byte(`package accessrecon.rules.extra.clock

findings contains f if {
	time.now_ns() > 0
	false
	f := {}
}
`)})
	c, err := Compile(mods)
	if err != nil {
		t.Fatal(err)
	}
	e, err := c.NewEngine(ctx, map[string]any{})
	if err != nil {
		t.Fatal(err)
	}
	if got := e.Evaluator(); !strings.HasPrefix(got, "topdown (") || !strings.Contains(got, "time.now_ns") {
		t.Errorf("Evaluator() = %q, want top-down naming time.now_ns", got)
	}
	bundled, err := Compile(WithoutTests(Bundled()))
	if err != nil {
		t.Fatal(err)
	}
	for ev, want := range map[Evaluator]string{EvaluatorPlan: "plan", EvaluatorTopdown: "topdown (configured)"} {
		e, err := bundled.WithEvaluator(ev).NewEngine(ctx, map[string]any{})
		if err != nil {
			t.Fatal(err)
		}
		if got := e.Evaluator(); got != want {
			t.Errorf("%s: Evaluator() = %q, want %q", ev, got, want)
		}
	}
}

const planQuery = "f := data.t.out"

// asRecords is t with its objects as records and its arrays as lists.
func asRecords(t *ast.Term) *ast.Term {
	switch v := t.Value.(type) {
	case ast.Object:
		keys := make([]string, 0, v.Len())
		for _, k := range v.Keys() {
			keys = append(keys, string(k.Value.(ast.String)))
		}
		slices.Sort(keys)
		vals := make([]*ast.Term, len(keys))
		for i, k := range keys {
			vals[i] = asRecords(v.Get(ast.StringTerm(k)))
		}
		return vm.NewShape(keys...).Record(vals...)
	case *ast.Array:
		items := make([]*ast.Term, v.Len())
		for i := range items {
			items[i] = asRecords(v.Elem(i))
		}
		return vm.ListTerm(items)
	}
	return t
}

func compileBoth(t *testing.T, module string) (*ast.Compiler, error) {
	t.Helper()
	c := ast.NewCompiler().WithDefaultRegoVersion(ast.RegoV1).WithEnablePrintStatements(true)
	mod, err := ast.ParseModuleWithOpts("t.rego", "package t\n\n"+module, ast.ParserOptions{RegoVersion: ast.RegoV1})
	if err != nil {
		t.Fatal(err)
	}
	if c.Compile(map[string]*ast.Module{"t.rego": mod}); c.Failed() {
		t.Fatal(c.Errors)
	}
	plan, err := planOf(context.Background(), c, planQuery)
	if err != nil {
		t.Fatal(err)
	}
	_, err = vm.Compile(plan, planData)
	return c, err
}

// evalBoth evaluates `f := data.t.out` over planInput and planData with
// both evaluators; undefined is "undefined".
// program is the plan evaluator's program of `f := data.t.out` over module
// and planData, and the compiler it was planned from.
func program(t *testing.T, module string) (*vm.Program, *ast.Compiler) {
	t.Helper()
	c, err := compileBoth(t, module)
	if err != nil {
		t.Fatal(err)
	}
	p, err := planOf(context.Background(), c, planQuery)
	if err != nil {
		t.Fatal(err)
	}
	prog, err := vm.Compile(p, planData)
	if err != nil {
		t.Fatal(err)
	}
	return prog, c
}

func evalBoth(t *testing.T, module string) (plan string, planErr error, topdown string, topdownErr error) {
	t.Helper()
	ctx := context.Background()
	prog, c := program(t, module)
	plan = "undefined"
	terms, planErr := prog.Eval(ctx, planInput)
	// The same with the input as records and lists, as the engine gives it.
	recTerms, recErr := prog.Eval(ctx, asRecords(ast.NewTerm(planInput)).Value)
	if fmt.Sprint(recTerms, recErr) != fmt.Sprint(terms, planErr) {
		t.Errorf("input as records: %v, %v; as AST: %v, %v", recTerms, recErr, terms, planErr)
	}
	if len(terms) > 0 {
		// As rego's results are: through JSON, where sets are arrays.
		js, err := ast.JSON(terms[0].Value.(ast.Object).Get(ast.StringTerm("f")).Value)
		if err != nil {
			t.Fatal(err)
		}
		v, err := ast.InterfaceToValue(js)
		if err != nil {
			t.Fatal(err)
		}
		plan = v.String()
	}

	data, err := ast.JSON(planData)
	if err != nil {
		t.Fatal(err)
	}
	topdown = "undefined"
	rs, topdownErr := rego.New(rego.Query(planQuery), rego.Compiler(c), rego.Store(inmem.NewFromObject(data.(map[string]any))),
		rego.ParsedInput(planInput)).Eval(ctx)
	if len(rs) > 0 {
		v, err := ast.InterfaceToValue(rs[0].Bindings["f"])
		if err != nil {
			t.Fatal(err)
		}
		topdown = v.String()
	}
	return plan, planErr, topdown, topdownErr
}

// TestConstantRulesAreSharedAndOnlyThey: a rule that does not depend on
// input (a table, data's size, a function of constants) is computed once
// for all runs, also on several goroutines at once; a rule that reads input,
// directly or through a function or another rule, is computed for each run.
func TestConstantRulesAreSharedAndOnlyThey(t *testing.T) {
	ctx := context.Background()
	prog, _ := program(t, `table := {"a": [1, 2], "n": count(data.model.sizes)}
twice(x) := x * 2
doubled := twice(table.n)
n := input.n
viaFunction := twice(input.n)
usesN := n + 1
out := [table, doubled, n, viaFunction, usesN]`)
	if got := prog.ConstantRules(); got != 2 { // table, doubled
		t.Errorf("%d constant rules, want 2 (table and doubled)", got)
	}
	errs := make(chan error, 8)
	for g := range 8 {
		go func() {
			for i := range 50 {
				n := g*100 + i
				terms, err := prog.Eval(ctx, ast.MustParseTerm(fmt.Sprintf(`{"n": %d}`, n)).Value)
				if err != nil {
					errs <- err
					return
				}
				got := terms[0].Value.(ast.Object).Get(ast.StringTerm("f")).String()
				if want := fmt.Sprintf(`[{"a": [1, 2], "n": 2}, 4, %d, %d, %d]`, n, 2*n, n+1); got != want {
					errs <- fmt.Errorf("input %d: %s, want %s", n, got, want)
					return
				}
			}
			errs <- nil
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

// boom is an input value every method of which panics, as a bug would.
type boom struct{ ast.Value }

// TestAPanicIsAnErrorNamingTheRuleAndSubject: a panic inside the plan
// evaluator, or while building a subject's input, fails the evaluation with
// an error naming the rule (or the subject), and the process goes on.
func TestAPanicIsAnErrorNamingTheRuleAndSubject(t *testing.T) {
	prog, _ := program(t, `out := sprintf("%v", [input])`)
	_, err := prog.Eval(context.Background(), boom{})
	if err == nil || !strings.Contains(err.Error(), "internal error evaluating g0.data.t.out") {
		t.Errorf("a panic in the evaluator: %v", err)
	}
	// The program is still usable.
	if terms, err := prog.Eval(context.Background(), ast.Number("1")); err != nil || len(terms) != 1 || !strings.Contains(terms[0].String(), `"1"`) {
		t.Errorf("after the panic: %v %v", terms, err)
	}
	c, err := Compile(WithoutTests(Bundled()))
	if err != nil {
		t.Fatal(err)
	}
	e, err := c.NewEngine(context.Background(), map[string]any{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.EvalAll(context.Background(), 10, func(in Inputs, i int) ast.Value {
		if i == 7 {
			panic("boom")
		}
		return ast.NewObject()
	}, nil)
	var se *SubjectError
	if !errors.As(err, &se) || se.Index != 7 || !strings.Contains(err.Error(), "internal error: boom") || !errors.Is(err, ErrPolicy) {
		t.Errorf("a panic building subject 7's input: %v", err)
	}
}
