package certify

import (
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/accessrecon/accessrecon/graph"
	"github.com/accessrecon/accessrecon/policy"
	"github.com/accessrecon/accessrecon/reconcile"
	"github.com/accessrecon/accessrecon/reconcile/reconciletest"
	"github.com/accessrecon/accessrecon/reconcile/risk"
	"github.com/accessrecon/accessrecon/reconcile/worksheet"
)

// BenchmarkScores is the risk scores and peer statistics of every active
// right of the generated set of ACCESSRECON_BENCH_PEOPLE people (default
// 1,000,000: about 10 million rights), beside nothing else: each person's
// career, the units' peers, each holder's set, and every right's score
// with its reasons kept once per distinct list (what certify open adds to
// the policy's own evaluation). Run: go tool task bench:scores.
func BenchmarkScores(b *testing.B) {
	people := 1000000
	if v := os.Getenv("ACCESSRECON_BENCH_PEOPLE"); v != "" {
		people, _ = strconv.Atoi(v)
	}
	cfg, _ := reconciletest.Generated(b, people, 1, 0)
	in, _ := reconciletest.Load(b, cfg, policy.Bundled())
	snap := in.Graph.Snapshot()
	asOf, _ := graph.ParseDate("2026-11-24")
	items := worksheet.ActiveGrants(snap, func(*graph.System) bool { return true })
	settings, _ := risk.SettingsOf(cfg.Review.Risk)
	cal, err := reconcile.CalendarOf(cfg)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		sc := newScorer(snap, cal, asOf, settings, LastUse{}, items)
		interned := reasonSets{}
		high := 0
		scores := sc.scoreAll(items, func(int, worksheet.Item) []string { return nil })
		for _, x := range scores {
			interned.of(x.reasons)
			if x.score >= settings.High {
				high++
			}
		}
		b.ReportMetric(time.Since(start).Seconds(), "scores-s")
		b.ReportMetric(float64(len(items)), "rights")
		b.ReportMetric(float64(high), "high")
		b.ReportMetric(float64(len(interned)), "reason-lists")
	}
}
