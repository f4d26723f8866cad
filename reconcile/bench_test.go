package reconcile

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/accessrecon/accessrecon/config"
	"github.com/accessrecon/accessrecon/fixtures/generate"
	"github.com/accessrecon/accessrecon/graph"
	"github.com/accessrecon/accessrecon/policy"
)

// generated writes a data set of n people (about 10 grants each) once per
// benchmark and returns its config.
func generated(b *testing.B, people int) *config.Config {
	b.Helper()
	dir := b.TempDir()
	if err := generate.Write(dir, generate.Options{People: people, Seed: 1}); err != nil {
		b.Fatal(err)
	}
	cfg, err := config.Load(config.OSFiles{}, dir+"/accessrecon.yaml")
	if err != nil {
		b.Fatal(err)
	}
	return cfg
}

// loadPlanner reads the inputs and compiles the bundled policy.
func loadPlanner(b *testing.B, cfg *config.Config) *Planner {
	b.Helper()
	pl, err := NewPlanner(context.Background(), cfg, policy.Bundled(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		b.Fatal(err)
	}
	return pl
}

// planEndToEnd is what `accessrecon plan --out` does: read every input,
// load the graph, evaluate policy, build, seal and encode the plan.
func planEndToEnd(b *testing.B, cfg *config.Config, asOf graph.Date) *Plan {
	pl := loadPlanner(b, cfg)
	p, err := pl.Reconcile(context.Background(), asOf)
	if err != nil {
		b.Fatal(err)
	}
	p.AddNames(pl.Inputs.Graph.Snapshot())
	if err := p.Seal(time.Now()); err != nil {
		b.Fatal(err)
	}
	if _, err := p.Encode(); err != nil {
		b.Fatal(err)
	}
	return p
}

// BenchmarkPlan10k: 10,000 people, about 100,000 grants, end to end.
func BenchmarkPlan10k(b *testing.B) {
	cfg := generated(b, 10_000)
	asOf, _ := graph.ParseDate(generate.AsOf)
	b.ResetTimer()
	var p *Plan
	for b.Loop() {
		p = planEndToEnd(b, cfg, asOf)
	}
	b.ReportMetric(float64(len(p.Actions)), "actions")
}

// BenchmarkLoad10k: reading the files into the graph only.
func BenchmarkLoad10k(b *testing.B) {
	cfg := generated(b, 10_000)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	b.ResetTimer()
	for b.Loop() {
		if _, err := Load(context.Background(), cfg, log); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEvaluate10k: policy evaluation over a loaded graph only.
func BenchmarkEvaluate10k(b *testing.B) {
	pl := loadPlanner(b, generated(b, 10_000))
	asOf, _ := graph.ParseDate(generate.AsOf)
	b.ResetTimer()
	for b.Loop() {
		if _, err := pl.Findings(context.Background(), asOf); err != nil {
			b.Fatal(err)
		}
	}
}
