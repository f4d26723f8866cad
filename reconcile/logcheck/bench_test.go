package logcheck_test

import (
	"context"
	"os"
	"runtime"
	"runtime/metrics"
	"strconv"
	"testing"
	"time"

	"github.com/accessrecon/accessrecon/graph"
	"github.com/accessrecon/accessrecon/policy"
	"github.com/accessrecon/accessrecon/reconcile/calendar"
	"github.com/accessrecon/accessrecon/reconcile/logcheck"
	"github.com/accessrecon/accessrecon/reconcile/reconciletest"
)

// benchSize reads a size of the log benchmark: ACCESSRECON_BENCH_LOG_LINES
// (default 10,000,000) lines against ACCESSRECON_BENCH_LOG_PEOPLE (default
// 100,000) people.
func benchSize(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

// BenchmarkLogsCheck checks a generated log against a generated group, as
// `logs check --date 2026-11-24` would, and reports lines per second and the
// peak memory above the loaded graph. Run it alone:
//
//	go test -run '^$' -bench LogsCheck -benchtime 3x ./reconcile/logcheck/
func BenchmarkLogsCheck(b *testing.B) {
	people := benchSize("ACCESSRECON_BENCH_LOG_PEOPLE", 100_000)
	lines := benchSize("ACCESSRECON_BENCH_LOG_LINES", 10_000_000)
	cfg, log := reconciletest.Generated(b, people, 1, lines)
	in, pol := reconciletest.Load(b, cfg, policy.Bundled())
	cal, _ := calendar.New(nil)
	day, _ := graph.ParseDate("2026-11-24")
	runtime.GC()
	graphMiB := heapMiB()
	var rep *logcheck.Report
	peak := reconciletest.MeasurePeak(b, func() {
		var err error
		if rep, err = logcheck.Run(context.Background(), in, pol, cal, day, cfg.Files, []string{log}); err != nil {
			b.Fatal(err)
		}
	})
	elapsed := b.Elapsed() / time.Duration(b.N)
	b.ReportMetric(float64(rep.AccessesChecked)/elapsed.Seconds(), "lines/s")
	b.ReportMetric(float64(len(rep.Findings)), "findings")
	b.ReportMetric(graphMiB, "graph-heap-MiB")
	b.ReportMetric(peak-graphMiB, "peak-heap-MiB-above-graph")
}

// heapMiB is the Go heap's live and unswept objects, in MiB.
func heapMiB() float64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	return float64(s[0].Value.Uint64()) / (1 << 20)
}
