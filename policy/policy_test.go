package policy

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
)

// TestBundledRegoTests runs the _test.rego files beside each rule, so a
// broken rule fails `go test`: on the plan evaluator (what plans use, every
// test on it and none falling back) and top-down, the same tests.
func TestBundledRegoTests(t *testing.T) {
	var names [2][]string
	for i, ev := range []Evaluator{EvaluatorPlan, EvaluatorTopdown} {
		results, err := RunTests(context.Background(), Bundled(), ev)
		if err != nil {
			t.Fatal(err)
		}
		if len(results) < 20 {
			t.Fatalf("%s: ran %d Rego tests, expected the bundled suite (at least 20)", ev, len(results))
		}
		for _, r := range results {
			if !r.Pass {
				t.Errorf("%s: %s.%s failed: %s", ev, r.Package, r.Name, r.Detail)
			}
			if r.Evaluator != string(ev) {
				t.Errorf("%s: %s.%s ran on %s", ev, r.Package, r.Name, r.Evaluator)
			}
			names[i] = append(names[i], r.Package+"."+r.Name)
		}
		slices.Sort(names[i])
	}
	if !slices.Equal(names[0], names[1]) {
		t.Errorf("the plan evaluator ran %d tests, OPA's runner %d", len(names[0]), len(names[1]))
	}
}

// TestEveryRuleHasMetadataAndTests checks the layout contract on every
// bundled rule module it finds (each package of findings below
// accessrecon.rules or accessrecon.usage): its METADATA declares id,
// severity, action, title and title_ja, its findings take id and severity
// from that METADATA (no rule id in its body), and at least two Rego tests
// (a positive and a negative case) evaluate it.
func TestEveryRuleHasMetadataAndTests(t *testing.T) {
	mods := Bundled()
	parsed, err := parse(mods)
	if err != nil {
		t.Fatal(err)
	}
	infos := ruleInfos(parsed)
	compiler := ast.NewCompiler()
	if compiler.Compile(parsed); compiler.Failed() {
		t.Fatal(compiler.Errors)
	}
	// How many test rules refer to each rule package, imports resolved.
	tests := map[string]int{}
	for _, m := range compiler.Modules {
		for _, r := range m.Rules {
			if !strings.HasPrefix(r.Head.Name.String(), "test_") {
				continue
			}
			pkgs := map[string]bool{}
			ast.WalkRefs(r, func(ref ast.Ref) bool {
				s := ref.String()
				for prefix, depth := range map[string]int{rulesPrefix: 2, usagePrefix: 1} {
					if rest, ok := strings.CutPrefix(s, prefix); ok {
						if parts := strings.Split(rest, "."); len(parts) > depth {
							pkgs[prefix+strings.Join(parts[:depth], ".")] = true
						}
					}
				}
				return false
			})
			for pkg := range pkgs {
				tests[pkg]++
			}
		}
	}
	rules := 0
	for _, m := range mods {
		pm := parsed[m.Name]
		path := pm.Package.Path.String()
		if strings.HasSuffix(m.Name, "_test.rego") || !(strings.HasPrefix(path, rulesPrefix) || strings.HasPrefix(path, usagePrefix)) {
			continue
		}
		rules++
		var ri RuleInfo
		for _, info := range infos {
			if info.Package == path {
				ri = info
			}
		}
		if ri.ID == "" || ri.Severity == "" || ri.Action == "" || ri.Title == "" || ri.TitleJA == "" {
			t.Errorf("%s: METADATA lacks custom.id, severity, action, title_ja or title: %+v", m.Name, ri)
			continue
		}
		src := string(m.Source)
		if body := src[strings.Index(src, "\npackage "):]; strings.Contains(body, `"`+ri.ID+`"`) {
			t.Errorf("%s: the rule writes its id %q in its body; take it from METADATA (meta.id)", m.Name, ri.ID)
		}
		if tests[path] < 2 {
			t.Errorf("%s: %d Rego tests evaluate it, want a positive and a negative case at least", m.Name, tests[path])
		}
	}
	if rules < 16 {
		t.Errorf("found %d rule modules, expected the 16 bundled ones at least", rules)
	}
}

// TestRemovingARuleFailsItsTests proves the Rego tests can fail: with the
// leaver rule's findings emptied, its positive test must fail.
func TestRemovingARuleFailsItsTests(t *testing.T) {
	var mods []Module
	for _, m := range Bundled() {
		if m.Name == "bundled:lifecycle/leaver.rego" {
			m.Source = []byte("package accessrecon.rules.lifecycle.leaver\n\nfindings := set()\n")
		}
		mods = append(mods, m)
	}
	for _, ev := range []Evaluator{EvaluatorPlan, EvaluatorTopdown} {
		results, err := RunTests(context.Background(), mods, ev)
		if err != nil {
			t.Fatal(err)
		}
		failed := false
		for _, r := range results {
			if r.Name == "test_account_of_a_leaver_is_disabled" && !r.Pass {
				failed = true
			}
		}
		if !failed {
			t.Fatalf("%s: emptying the leaver rule did not fail its test", ev)
		}
	}
}
