// Package reconciletest holds what the tests of reconcile and of its use
// cases share: the demo and generated data sets loaded with the bundled
// policy, golden files with an -update flag, and the heap measurement of
// the benchmarks.
package reconciletest

import (
	"bytes"
	"context"
	"flag"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/accessrecon/accessrecon/connectors/catalog"
	"github.com/accessrecon/accessrecon/reconcile/inputs"

	"github.com/accessrecon/accessrecon/config"
	"github.com/accessrecon/accessrecon/fixtures"
	"github.com/accessrecon/accessrecon/fixtures/generate"
	"github.com/accessrecon/accessrecon/graph"
	"github.com/accessrecon/accessrecon/policy"
	"github.com/accessrecon/accessrecon/reconcile"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// FixedNow is the clock of golden plans.
var FixedNow = time.Date(2026, 11, 24, 9, 0, 0, 0, graph.Tokyo)

// Quiet is a logger that drops everything.
func Quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// DemoConfig is the demo's config, read from the embedded files.
func DemoConfig(tb testing.TB) *config.Config {
	tb.Helper()
	cfg, err := config.Load(fixtures.Demo, fixtures.DemoConfig, catalog.Types)
	if err != nil {
		tb.Fatal(err)
	}
	return cfg
}

// Demo is the demo's inputs and the bundled policy.
func Demo(tb testing.TB) (*inputs.Inputs, *reconcile.Policy) {
	tb.Helper()
	return Load(tb, DemoConfig(tb), policy.Bundled())
}

// Load reads the config's inputs and compiles mods.
func Load(tb testing.TB, cfg *config.Config, mods []policy.Module) (*inputs.Inputs, *reconcile.Policy) {
	tb.Helper()
	in, pol, err := reconcile.LoadAll(context.Background(), cfg, mods, Quiet(), nil)
	if err != nil {
		tb.Fatal(err)
	}
	return in, pol
}

// DemoDay is the demo's as-of day.
func DemoDay(tb testing.TB) graph.Date {
	tb.Helper()
	d, err := graph.ParseDate(fixtures.DemoAsOf)
	if err != nil {
		tb.Fatal(err)
	}
	return d
}

// Generated writes `accessrecon fixtures generate` data for people with the
// seed into a temporary folder, with an access log of logLines lines
// (access.csv) unless logLines is 0, and returns its config and the log's
// path.
func Generated(tb testing.TB, people int, seed uint64, logLines int) (*config.Config, string) {
	tb.Helper()
	dir := tb.TempDir()
	if err := generate.Write(dir, generate.Options{People: people, Seed: seed}); err != nil {
		tb.Fatal(err)
	}
	log := filepath.Join(dir, "access.csv")
	if logLines > 0 {
		if err := generate.WriteAccessLog(log, people, logLines, seed); err != nil {
			tb.Fatal(err)
		}
	}
	cfg, err := config.Load(config.OSFiles{}, filepath.Join(dir, "accessrecon.yaml"), catalog.Types)
	if err != nil {
		tb.Fatal(err)
	}
	return cfg, log
}

// Encode adds names to a plan, seals it at now and encodes it.
func Encode(tb testing.TB, in *inputs.Inputs, p *reconcile.Plan, now time.Time) []byte {
	tb.Helper()
	p.AddNames(in.Graph.Snapshot())
	p.AddInventory(in.Graph.Snapshot())
	if err := p.Seal(now); err != nil {
		tb.Fatal(err)
	}
	b, err := p.Encode()
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// Golden compares got with testdata/NAME, or rewrites it with -update.
func Golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run `go tool task golden` to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file; if the change is intended, run `go tool task golden` and review the diff.\ngot:\n%s", name, got)
	}
}

// MeasurePeak runs fn b.N times and returns the highest Go heap (live and
// not yet collected objects) seen while it ran, in MiB. Memory the graph
// already held when a stage starts counts: it is what the stage needs.
func MeasurePeak(b *testing.B, fn func()) float64 {
	runtime.GC()
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	var (
		peak uint64
		mu   sync.Mutex
		done = make(chan struct{})
		wg   sync.WaitGroup
	)
	read := func() {
		metrics.Read(sample)
		mu.Lock()
		peak = max(peak, sample[0].Value.Uint64())
		mu.Unlock()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(2 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				read()
			}
		}
	}()
	b.ResetTimer()
	for b.Loop() {
		fn()
	}
	b.StopTimer()
	read()
	close(done)
	wg.Wait()
	return float64(peak) / (1 << 20)
}

// AddManagers adds a manager column to a copy of the demo's people.csv:
// the people of each unit in units report to the employee id given, and
// each person in people to theirs (before their unit's); the rest to no
// one.
func AddManagers(tb testing.TB, path string, units, people map[string]string) {
	tb.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	for i, l := range lines {
		if i == 0 {
			lines[i] = l + ",manager"
			continue
		}
		id, _, _ := strings.Cut(l, ",")
		manager, ok := people[id]
		for unit, m := range units {
			if !ok && strings.Contains(l, ","+unit+",") {
				manager = m
			}
		}
		lines[i] = l + "," + manager
	}
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		tb.Fatal(err)
	}
}
