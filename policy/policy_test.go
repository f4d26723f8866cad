package policy

import (
	"context"
	"strings"
	"testing"
)

// TestBundledRegoTests runs the _test.rego files beside each rule, so a
// broken rule fails `go test`.
func TestBundledRegoTests(t *testing.T) {
	results, err := RunTests(context.Background(), Bundled())
	if err != nil {
		t.Fatal(err)
	}
	if len(results) < 20 {
		t.Fatalf("ran %d Rego tests, expected the bundled suite (at least 20)", len(results))
	}
	for _, r := range results {
		if !r.Pass {
			t.Errorf("%s.%s failed: %s", r.Package, r.Name, r.Detail)
		}
	}
}

// TestEveryRuleHasMetadataAndTests checks the layout contract: each bundled
// rule declares its id, severity and action, and has tests beside it.
func TestEveryRuleHasMetadataAndTests(t *testing.T) {
	c, err := Compile(WithoutTests(Bundled()))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"separation.direct_transfer_ban", "separation.confidential_system_access",
		"emergency.grant_outlives_window", "identity.shared_account", "identity.orphan_account",
		"lifecycle.leaver", "lifecycle.unjustified_grant", "lifecycle.expired_grant", "lifecycle.pledge_missing",
	}
	results, err := RunTests(context.Background(), Bundled())
	if err != nil {
		t.Fatal(err)
	}
	tested := map[string]int{}
	for _, r := range results {
		tested[strings.TrimSuffix(strings.TrimPrefix(r.Package, "data.accessrecon.rules."), "_test")]++
	}
	for _, id := range want {
		ri, ok := c.Rules()[id]
		if !ok {
			t.Errorf("rule %s: no package with METADATA custom.id %q", id, id)
			continue
		}
		if ri.Severity == "" || ri.Action == "" || ri.Title == "" || ri.TitleJA == "" {
			t.Errorf("rule %s: METADATA lacks title, title_ja, severity or action: %+v", id, ri)
		}
		if tested[id] < 2 {
			t.Errorf("rule %s: %d Rego tests, want a positive and a negative case at least", id, tested[id])
		}
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
	results, err := RunTests(context.Background(), mods)
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
		t.Fatal("emptying the leaver rule did not fail its test")
	}
}
