package reconcile

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/accessrecon/accessrecon/config"
	"github.com/accessrecon/accessrecon/fixtures/generate"
	"github.com/accessrecon/accessrecon/graph"
	"github.com/accessrecon/accessrecon/reconcile/calendar"
)

// benchLogs is the size of the log benchmark: ACCESSRECON_BENCH_LOG_LINES
// (default 10,000,000) lines against ACCESSRECON_BENCH_LOG_PEOPLE (default
// 100,000) people.
func benchSize(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

// rssKiB reads a field of /proc/self/status (VmRSS, VmHWM) in KiB.
func rssKiB(field string) int {
	data, _ := os.ReadFile("/proc/self/status")
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, field+":") {
			n, _ := strconv.Atoi(strings.Fields(line)[1])
			return n
		}
	}
	return 0
}

// BenchmarkLogsCheck checks a generated log against a generated group, as
// `logs check --date 2026-11-24` would, and reports lines per second and the
// peak memory above the loaded graph. Run it alone:
//
//	go test -run '^$' -bench LogsCheck -benchtime 3x ./reconcile/
func BenchmarkLogsCheck(b *testing.B) {
	people := benchSize("ACCESSRECON_BENCH_LOG_PEOPLE", 100_000)
	lines := benchSize("ACCESSRECON_BENCH_LOG_LINES", 10_000_000)
	dir := b.TempDir()
	if err := generate.Write(dir, generate.Options{People: people, Seed: 1}); err != nil {
		b.Fatal(err)
	}
	if err := generate.WriteAccessLog(filepath.Join(dir, "access.csv"), people, lines, 1); err != nil {
		b.Fatal(err)
	}
	cfg, err := config.Load(config.OSFiles{}, filepath.Join(dir, "accessrecon.yaml"))
	if err != nil {
		b.Fatal(err)
	}
	pl := loadPlanner(b, cfg)
	cal, _ := calendar.New(nil)
	day, _ := graph.ParseDate("2026-11-24")
	base := rssKiB("VmRSS")
	b.ResetTimer()
	var rep *LogReport
	start := time.Now()
	for b.Loop() {
		if rep, err = pl.CheckLogs(context.Background(), cal, day, cfg.Files, []string{filepath.Join(dir, "access.csv")}); err != nil {
			b.Fatal(err)
		}
	}
	elapsed := time.Since(start) / time.Duration(b.N)
	b.ReportMetric(float64(rep.AccessesChecked)/elapsed.Seconds(), "lines/s")
	b.ReportMetric(float64(len(rep.Findings)), "findings")
	b.ReportMetric(float64(rssKiB("VmHWM")-base)/1024, "peak-MiB-above-graph")
}
