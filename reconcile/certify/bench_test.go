package certify_test

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/accessrecon/accessrecon/connectors/sqldb/sqltest"
	"github.com/accessrecon/accessrecon/graph"
	"github.com/accessrecon/accessrecon/policy"
	"github.com/accessrecon/accessrecon/reconcile/certify"
	"github.com/accessrecon/accessrecon/reconcile/reconciletest"
	"github.com/accessrecon/accessrecon/reconcile/reviewdb"
)

// BenchmarkReviewCampaign is the reviewer side at the generated set of
// ACCESSRECON_BENCH_PEOPLE people (default 100,000: about 1,000,000 items):
// opening the campaign into the review store (open/s), a reviewer's first
// page of their worklist (p50 and p99 over every reviewer unit's people),
// and one bulk decision over a filter of about 10,000 items (bulk/s and the
// items it decided), on SQLite and on PostgreSQL (a server the benchmark
// starts; sub-benchmarks sqlite and postgres). Run: go tool task
// bench:review.
func BenchmarkReviewCampaign(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) {
		benchReview(b, func() string { return filepath.Join(b.TempDir(), reviewdb.DefaultFile) },
			func(target string) (*reviewdb.Store, error) { return reviewdb.Open(context.Background(), target) })
	})
	b.Run("postgres", func(b *testing.B) {
		srv := sqltest.Postgres(b)
		n := 0
		benchReview(b, func() string {
			n++
			db := "bench" + strconv.Itoa(n)
			srv.Exec(b, "CREATE DATABASE "+db)
			return strings.Replace(srv.DSN, "/test?", "/"+db+"?", 1)
		}, func(dsn string) (*reviewdb.Store, error) { return reviewdb.OpenPostgres(context.Background(), dsn) })
	})
}

func benchReview(b *testing.B, fresh func() string, open func(string) (*reviewdb.Store, error)) {
	people := 100000
	if v := os.Getenv("ACCESSRECON_BENCH_PEOPLE"); v != "" {
		people, _ = strconv.Atoi(v)
	}
	ctx := context.Background()
	cfg, _ := reconciletest.Generated(b, people, 1, 0)
	in, pol := reconciletest.Load(b, cfg, policy.Bundled())
	day := graph.Date(0)
	day, _ = graph.ParseDate("2026-11-24")
	tmpl, err := certify.TemplateOf(cfg, in.Graph.Snapshot(), "")
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; i < b.N; i++ {
		target := fresh()
		store, err := open(target)
		if err != nil {
			b.Fatal(err)
		}
		stopPeak := peakHeap()
		start := time.Now()
		c, sheets, err := certify.Open(ctx, in, pol, "Q4", day, nil, certify.Scope{})
		if err != nil {
			b.Fatal(err)
		}
		// As certify open does: the campaign is registered while its
		// worksheets are built.
		stages, _ := tmpl.StagesFrom(cfg, day, "2026-12-15")
		registered := make(chan error, 1)
		go func() {
			_, err := certify.Register(ctx, store, in, c, tmpl, stages, nil, "bench", "")
			registered <- err
		}()
		if len(sheets()) == 0 {
			b.Fatal("no worksheets")
		}
		if err := <-registered; err != nil {
			b.Fatal(err)
		}
		opened := time.Since(start)
		peak, base := stopPeak()
		b.ReportMetric(peak, "open-peak-heap-MiB")
		b.ReportMetric(base, "graph-heap-MiB")
		// The reviewers' server reads the store in a process of its own.
		store.Close()
		if store, err = open(target); err != nil {
			b.Fatal(err)
		}
		items := 0
		for _, w := range c.Worksheets {
			items += len(w.Items)
		}
		// First pages: one reviewer of each unit, ten times each.
		snap := in.Graph.Snapshot()
		var lat []time.Duration
		for _, w := range c.Worksheets {
			r := reviewdb.Reviewer{EmployeeID: "R-" + w.ReviewerUnit, Unit: w.ReviewerUnit}
			for range 10 {
				t0 := time.Now()
				page, _, err := store.Worklist(ctx, "Q4", r, reviewdb.Filter{Limit: 50})
				if err != nil || len(page) == 0 {
					b.Fatalf("first page of %s: %d items, %v", w.ReviewerUnit, len(page), err)
				}
				lat = append(lat, time.Since(t0))
			}
		}
		slices.Sort(lat)
		// A bulk decision: the reviewer unit and system whose count is
		// nearest 10,000 (and not above).
		var r reviewdb.Reviewer
		system, best := "", -1
		for _, w := range c.Worksheets {
			who := reviewdb.Reviewer{EmployeeID: "R-" + w.ReviewerUnit, Unit: w.ReviewerUnit}
			for _, s := range snap.Systems() {
				_, n, _ := store.Worklist(ctx, "Q4", who, reviewdb.Filter{System: s.ID, Limit: 1})
				if d := abs(n - 10000); n > 0 && n <= reviewdb.CountCap && (best < 0 || d < best) {
					r, system, best = who, s.ID, d
				}
			}
		}
		t0 := time.Now()
		res, err := store.DecideFilter(ctx, "Q4", r, reviewdb.Filter{System: system}, reviewdb.Revoke, "bench", nil)
		if err != nil {
			b.Fatal(err)
		}
		bulk := time.Since(t0)
		b.ReportMetric(float64(items), "items")
		b.ReportMetric(opened.Seconds(), "open-s")
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "page-p50-ms")
		b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "page-p99-ms")
		b.ReportMetric(float64(res.Decided), "bulk-items")
		b.ReportMetric(bulk.Seconds(), "bulk-s")
		store.Close()
	}
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// peakHeap samples the Go heap (the graph already loaded included) until
// the function it returns is called, which gives the highest in MiB and the
// heap at the start (the graph and the inputs).
func peakHeap() func() (float64, float64) {
	runtime.GC()
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(sample)
	base := sample[0].Value.Uint64()
	var peak uint64
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		t := time.NewTicker(2 * time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(sample)
			peak = max(peak, sample[0].Value.Uint64())
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() (float64, float64) {
		close(done)
		<-stopped
		return float64(peak) / (1 << 20), float64(base) / (1 << 20)
	}
}
