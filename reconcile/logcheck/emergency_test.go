package logcheck_test

import (
	"context"
	"strings"
	"testing"

	"github.com/accessrecon/accessrecon/connectors/accesslog"
	"github.com/accessrecon/accessrecon/graph"
	"github.com/accessrecon/accessrecon/policy"
	"github.com/accessrecon/accessrecon/reconcile/logcheck"
	"github.com/accessrecon/accessrecon/reconcile/reconciletest"
)

// TestTheEmergencyReportTakesThePolicysVerdict: whether an access is outside
// every window is the usage rule's verdict, not a second copy of it. With
// the bundled rule the demo's period has one access inside a window; with
// the rule rewritten to allow no emergency at all, that access is outside
// too; with the rule switched off (a module that finds nothing), the
// accesses no window covers stay outside: the report does not fail open.
func TestTheEmergencyReportTakesThePolicysVerdict(t *testing.T) {
	cfg := reconciletest.DemoConfig(t)
	from, _ := graph.ParseDate("2026-11-19")
	to, _ := graph.ParseDate("2026-11-24")
	patterns := make([]string, len(cfg.AccessLogs))
	for i, n := range cfg.AccessLogs {
		patterns[i] = cfg.Resolve(n)
	}
	names, err := accesslog.Files(cfg.Files, patterns)
	if err != nil {
		t.Fatal(err)
	}
	rule := "bundled:usage/confidential_access_outside_emergency.rego"
	with := func(src string) []policy.Module {
		var mods []policy.Module
		for _, m := range policy.Bundled() {
			if m.Name == rule {
				if src == "" {
					continue
				}
				m.Source = []byte(src)
			}
			mods = append(mods, m)
		}
		return mods
	}
	original := ""
	for _, m := range policy.Bundled() {
		if m.Name == rule {
			original = string(m.Source)
		}
	}
	if original == "" {
		t.Fatalf("no bundled module %s", rule)
	}
	strict := strings.Replace(original, "\tnot lib.emergency_active_at(u.system, x.company, x.at_ns)\n", "", 1)
	if strict == original {
		t.Fatal("the rule no longer reads lib.emergency_active_at: update this test")
	}
	for _, c := range []struct {
		name            string
		mods            []policy.Module
		inside, outside int
	}{
		{"bundled", policy.Bundled(), 1, 9},
		{"no emergencies allowed", with(strict), 0, 10},
		{"rule switched off", with(""), 1, 9},
	} {
		in, pol := reconciletest.Load(t, cfg, c.mods)
		rows, st, err := logcheck.EmergencyOnly(context.Background(), in, pol, from, to, cfg.Files, names)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		inside := 0
		for _, r := range rows {
			if r.Window != "" {
				inside++
			}
		}
		if inside != c.inside || len(rows)-inside != c.outside || st.Lines == 0 {
			t.Errorf("%s: %d inside, %d outside of %d lines read; want %d and %d", c.name, inside, len(rows)-inside, st.Lines, c.inside, c.outside)
		}
	}
}
