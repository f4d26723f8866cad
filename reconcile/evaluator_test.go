package reconcile_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/accessrecon/accessrecon/config"
	"github.com/accessrecon/accessrecon/fixtures"
	"github.com/accessrecon/accessrecon/graph"
	"github.com/accessrecon/accessrecon/policy"
	"github.com/accessrecon/accessrecon/reconcile"
	"github.com/accessrecon/accessrecon/reconcile/calendar"
	"github.com/accessrecon/accessrecon/reconcile/inputs"
	"github.com/accessrecon/accessrecon/reconcile/logcheck"
	"github.com/accessrecon/accessrecon/reconcile/reconciletest"
)

// TestPlanEvaluatorMatchesTopdown: on the demo and on a generated data set,
// the plan evaluator (the default) finds exactly what OPA's top-down
// evaluator finds, for the plan, a transfer check and the daily log check;
// between them the two data sets make every bundled rule fire.
func TestPlanEvaluatorMatchesTopdown(t *testing.T) {
	generated, logs := reconciletest.Generated(t, 2000, 11, 40_000)
	demo := reconciletest.DemoConfig(t)
	fired := map[string]int{}
	for _, set := range []struct {
		name string
		cfg  *config.Config
		logs string
	}{
		{"demo", demo, "access.csv"},
		{"generated", generated, logs},
	} {
		t.Run(set.name, func(t *testing.T) {
			in, pol := reconciletest.Load(t, set.cfg, policy.Bundled())
			plan, byRule := evaluateWith(t, in, pol, set.cfg, set.logs, policy.EvaluatorPlan)
			topdown, _ := evaluateWith(t, in, pol, set.cfg, set.logs, policy.EvaluatorTopdown)
			if plan != topdown {
				t.Errorf("the evaluators differ:\nplan:     %.2000s\ntop-down: %.2000s", plan, topdown)
			}
			for id, n := range byRule {
				fired[id] += n
			}
		})
	}
	_, pol := reconciletest.Load(t, demo, policy.Bundled())
	for id := range pol.Compiled.Rules() {
		if fired[id] == 0 {
			t.Errorf("rule %s found nothing: the comparison does not cover it", id)
		}
	}
}

// evaluateWith runs the plan's findings, a check of a transfer into another
// company and the log check with evaluator ev, and returns them as JSON with
// the number of findings of each rule.
func evaluateWith(t *testing.T, in *inputs.Inputs, pol *reconcile.Policy, cfg *config.Config, logs string, ev policy.Evaluator) (string, map[string]int) {
	t.Helper()
	ctx := context.Background()
	p := *pol
	p.Compiled = pol.Compiled.WithEvaluator(ev)
	day, _ := graph.ParseDate(fixtures.DemoAsOf) // the generator's as-of day too
	snap := in.Graph.Snapshot()
	fs, err := p.Findings(ctx, snap, day)
	if err != nil {
		t.Fatal(err)
	}
	var checks []*reconcile.TransferCheck
	for _, person := range snap.People()[:min(20, len(snap.People()))] {
		if person.HasLeft(day) {
			continue // no one to transfer
		}
		for _, u := range snap.Units() {
			if u.Company != snap.AssignmentAsOf(person, day).Company {
				tc, err := reconcile.CheckTransfer(ctx, in, &p, person.EmployeeID, u.ID, day)
				if err != nil {
					t.Fatal(err)
				}
				checks = append(checks, tc)
				fs = append(fs, tc.Findings...)
				break
			}
		}
	}
	cal, err := calendar.New(cfg.Calendar.CompanyHolidays)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := logcheck.Run(ctx, in, &p, cal, day, cfg.Files, []string{cfg.Resolve(logs)})
	if err != nil {
		t.Fatal(err)
	}
	byRule := map[string]int{}
	for _, f := range fs {
		byRule[f.Rule]++
	}
	for _, f := range rep.Findings {
		byRule[f.Rule]++
	}
	out, err := json.Marshal(map[string]any{"findings": fs, "checks": checks, "logs": rep})
	if err != nil {
		t.Fatal(err)
	}
	return string(out), byRule
}

// FuzzPlanEvaluatorAgreesWithTopdown is a differential fuzz target: data
// sets generated from the fuzzer's seed and sizes, evaluated by the plan
// evaluator and by OPA's top-down evaluator (the plan's findings, transfer
// checks, the log check), must give the same findings.
//
//	go test ./reconcile/ -run '^$' -fuzz FuzzPlanEvaluatorAgreesWithTopdown -fuzztime 60s
func FuzzPlanEvaluatorAgreesWithTopdown(f *testing.F) {
	f.Add(uint64(1), uint16(40), uint16(500))
	f.Add(uint64(7), uint16(120), uint16(0))
	f.Add(uint64(1<<40+3), uint16(5), uint16(3000))
	f.Fuzz(func(t *testing.T, seed uint64, people, logLines uint16) {
		cfg, logs := reconciletest.Generated(t, 3+int(people)%250, seed, 1+int(logLines)%4000)
		in, pol := reconciletest.Load(t, cfg, policy.Bundled())
		plan, _ := evaluateWith(t, in, pol, cfg, logs, policy.EvaluatorPlan)
		topdown, _ := evaluateWith(t, in, pol, cfg, logs, policy.EvaluatorTopdown)
		if plan != topdown {
			t.Errorf("seed %d, %d people: the evaluators differ:\nplan:     %.2000s\ntop-down: %.2000s", seed, people, plan, topdown)
		}
	})
}
