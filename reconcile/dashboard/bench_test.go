package dashboard_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/accessrecon/accessrecon/config"
	"github.com/accessrecon/accessrecon/connectors/catalog"
	"github.com/accessrecon/accessrecon/fixtures/generate"
	"github.com/accessrecon/accessrecon/graph"
	"github.com/accessrecon/accessrecon/policy"
	"github.com/accessrecon/accessrecon/reconcile"
	"github.com/accessrecon/accessrecon/reconcile/dashboard"
	"github.com/accessrecon/accessrecon/reconcile/evidence"
	"github.com/accessrecon/accessrecon/reconcile/reconciletest"
)

// BenchmarkYearAt100k: a year of daily plans of 100,000 people (each
// business day's plan recorded in the audit log and written beside the
// config, 39 MB each; the same plan's content every day, as the
// benchmark cannot afford a year of planning), then the evidence pack of
// the year and the dashboard of the year, timed together. Run it alone:
//
//	go tool task bench:evidence
func BenchmarkYearAt100k(b *testing.B) {
	people := 100_000
	days := 245
	if testing.Short() {
		people, days = 2_000, 20
	}
	dir := b.TempDir()
	if err := generate.Write(dir, generate.Options{People: people, Seed: 1}); err != nil {
		b.Fatal(err)
	}
	cfg, err := config.Load(config.OSFiles{}, filepath.Join(dir, "accessrecon.yaml"), catalog.Types)
	if err != nil {
		b.Fatal(err)
	}
	in, pol := reconciletest.Load(b, cfg, policy.Bundled())
	start := graph.Date(20260401)
	p, err := reconcile.Reconcile(context.Background(), in, pol, start)
	if err != nil {
		b.Fatal(err)
	}
	var encoded []byte
	day, n := start, 0
	for n < days {
		if wd := day.Start().Weekday(); wd != time.Saturday && wd != time.Sunday {
			name := filepath.Join(dir, "plans", fmt.Sprintf("plan-%s.json", day))
			os.MkdirAll(filepath.Dir(name), 0o755)
			if _, err := reconcile.Finish(in, p, reconcile.FinishOptions{By: "E0000001", Now: day.Start().Add(9 * time.Hour), Out: name}); err != nil {
				b.Fatal(err)
			}
			if encoded == nil {
				if encoded, err = p.Encode(); err != nil {
					b.Fatal(err)
				}
			}
			if err := os.WriteFile(name, encoded, 0o644); err != nil {
				b.Fatal(err)
			}
			n++
		}
		day = day.AddDays(1)
	}
	b.ResetTimer()
	i := 0
	for b.Loop() {
		i++
		out := filepath.Join(b.TempDir(), fmt.Sprintf("pack-%d", i))
		pack, err := evidence.Build(cfg, start, day, out, time.Now())
		if err != nil {
			b.Fatal(err)
		}
		d, err := dashboard.Build(cfg, in.Graph.Snapshot(), start, day, time.Now())
		if err != nil {
			b.Fatal(err)
		}
		if err := dashboard.Write(io.Discard, d, "ja"); err != nil {
			b.Fatal(err)
		}
		if len(d.Runs) != days || pack.Files < days {
			b.Fatalf("%d runs, %d files in the pack; want %d plans", len(d.Runs), pack.Files, days)
		}
		b.StopTimer()
		os.RemoveAll(out)
		b.StartTimer()
	}
	b.ReportMetric(float64(len(encoded))/(1<<20), "MiB/plan")
	b.ReportMetric(float64(days), "plans")
}
