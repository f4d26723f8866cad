package reconcile

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/accessrecon/accessrecon/config"
	"github.com/accessrecon/accessrecon/fixtures"
	"github.com/accessrecon/accessrecon/graph"
	"github.com/accessrecon/accessrecon/policy"
	"github.com/accessrecon/accessrecon/reconcile/calendar"
)

// TestPlanEvaluatorMatchesTopdown: on the demo and on a generated data set,
// the plan evaluator (the default) finds exactly what OPA's top-down
// evaluator finds, for the plan, a transfer check and the daily log check;
// between them the two data sets make every bundled rule fire.
func TestPlanEvaluatorMatchesTopdown(t *testing.T) {
	generated, logs := generatedSet(t, 2000, 11, 40_000)
	demo, err := config.Load(fixtures.Demo, fixtures.DemoConfig)
	if err != nil {
		t.Fatal(err)
	}
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
			pl := loadPlanner(t, set.cfg, nil)
			plan, byRule := evaluateWith(t, pl, set.cfg, set.logs, policy.EvaluatorPlan)
			topdown, _ := evaluateWith(t, pl, set.cfg, set.logs, policy.EvaluatorTopdown)
			if plan != topdown {
				t.Errorf("the evaluators differ:\nplan:     %.2000s\ntop-down: %.2000s", plan, topdown)
			}
			for id, n := range byRule {
				fired[id] += n
			}
		})
	}
	pl := loadPlanner(t, demo, nil)
	for id := range pl.Compiled.Rules() {
		if fired[id] == 0 {
			t.Errorf("rule %s found nothing: the comparison does not cover it", id)
		}
	}
}

// evaluateWith runs the plan's findings, a check of a transfer into another
// company and the log check with evaluator ev, and returns them as JSON with
// the number of findings of each rule.
func evaluateWith(t *testing.T, pl *Planner, cfg *config.Config, logs string, ev policy.Evaluator) (string, map[string]int) {
	t.Helper()
	ctx := context.Background()
	p := *pl
	p.Compiled = pl.Compiled.WithEvaluator(ev)
	day, _ := graph.ParseDate(fixtures.DemoAsOf) // the generator's as-of day too
	fs, err := p.Findings(ctx, day)
	if err != nil {
		t.Fatal(err)
	}
	snap := p.Inputs.Graph.Snapshot()
	var checks []*TransferCheck
	for _, person := range snap.People()[:min(20, len(snap.People()))] {
		for _, u := range snap.Units() {
			if u.Company != snap.AssignmentAsOf(person, day).Company {
				tc, err := p.CheckTransfer(ctx, person.EmployeeID, u.ID, day)
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
	rep, err := p.CheckLogs(ctx, cal, day, cfg.Files, []string{cfg.Resolve(logs)})
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
