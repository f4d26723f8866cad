package reconcile_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/accessrecon/accessrecon/config"
	"github.com/accessrecon/accessrecon/connectors/export"
	"github.com/accessrecon/accessrecon/fixtures/generate"
	"github.com/accessrecon/accessrecon/graph"
	"github.com/accessrecon/accessrecon/policy"
	"github.com/accessrecon/accessrecon/reconcile"
	"github.com/accessrecon/accessrecon/reconcile/atomicfile"
	"github.com/accessrecon/accessrecon/reconcile/inputs"
	"github.com/accessrecon/accessrecon/reconcile/reconciletest"
	"github.com/open-policy-agent/opa/v1/ast"
	"gopkg.in/yaml.v3"
)

// generated writes a data set of n people (about 10 grants each) once per
// benchmark and returns its config.
func generated(b *testing.B, people int) *config.Config {
	cfg, _ := reconciletest.Generated(b, people, 1, 0)
	return cfg
}

// benchPeople are the data set sizes of BenchmarkStages:
// ACCESSRECON_BENCH_PEOPLE=10000,100000 (default 10000).
func benchPeople(b *testing.B) []int {
	v := os.Getenv("ACCESSRECON_BENCH_PEOPLE")
	if v == "" {
		return []int{10_000}
	}
	var out []int
	for f := range strings.SplitSeq(v, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 {
			b.Fatalf("ACCESSRECON_BENCH_PEOPLE=%q: expected people counts separated by commas", v)
		}
		out = append(out, n)
	}
	return out
}

// BenchmarkStages measures each stage of `accessrecon plan` on generated data
// (about 10 grants a person), with the peak memory of each:
//
//	stage=read        only read and parse the same CSV and YAML files: the floor
//	stage=load        read the inputs into the go-memdb graph
//	stage=evaluate    every rule for every subject of the loaded graph
//	stage=write       build the plan from the findings, seal, encode, write it
//	stage=plan        `accessrecon plan --out` as a process, end to end (peak RSS)
//	stage=opa-eval    `opa eval` of the same policies over the same data as one
//	                  JSON document (needs ACCESSRECON_OPA or opa on PATH)
//
// `go tool task bench` runs it at 10k and 100k people and prints the table.
func BenchmarkStages(b *testing.B) {
	asOf, _ := graph.ParseDate(generate.AsOf)
	for _, n := range benchPeople(b) {
		b.Run(fmt.Sprintf("people=%d", n), func(b *testing.B) {
			cfg := generated(b, n)
			log := slog.New(slog.NewTextHandler(io.Discard, nil))
			ctx := context.Background()

			b.Run("stage=read", func(b *testing.B) {
				files := inputFiles(b, cfg)
				var records int
				peak := reconciletest.MeasurePeak(b, func() { records = parseOnly(b, files) })
				b.ReportMetric(float64(records), "records")
				b.ReportMetric(peak, "peak-MiB")
			})

			var in *inputs.Inputs
			b.Run("stage=load", func(b *testing.B) {
				peak := reconciletest.MeasurePeak(b, func() {
					var err error
					if in, err = inputs.Load(ctx, cfg, log); err != nil {
						b.Fatal(err)
					}
				})
				b.ReportMetric(float64(in.Graph.Snapshot().GrantCount()), "grants")
				b.ReportMetric(peak, "peak-MiB")
			})
			// The stages below use the loaded graph (loading it when
			// -bench left stage=load out).
			if in == nil {
				var err error
				if in, err = inputs.Load(ctx, cfg, log); err != nil {
					b.Fatal(err)
				}
			}
			pol, err := reconcile.NewPolicy(cfg, policy.Bundled(), log)
			if err != nil {
				b.Fatal(err)
			}

			var findings []policy.Finding
			b.Run("stage=evaluate", func(b *testing.B) {
				peak := reconciletest.MeasurePeak(b, func() {
					var err error
					if findings, err = pol.Findings(ctx, in.Graph.Snapshot(), asOf); err != nil {
						b.Fatal(err)
					}
				})
				b.ReportMetric(float64(len(findings)), "findings")
				b.ReportMetric(peak, "peak-MiB")
			})

			b.Run("stage=write", func(b *testing.B) {
				out := filepath.Join(b.TempDir(), "plan.json")
				var p *reconcile.Plan
				peak := reconciletest.MeasurePeak(b, func() {
					p = reconcile.NewPlan(reconcile.KindReconcile, asOf, in.Digests, pol.Compiled.Digest(), findings)
					p.AddNames(in.Graph.Snapshot())
					if err := p.Seal(time.Now()); err != nil {
						b.Fatal(err)
					}
					if err := atomicfile.WriteFileAtomicWith(out, p.EncodeTo); err != nil {
						b.Fatal(err)
					}
				})
				b.ReportMetric(float64(len(p.Actions)), "actions")
				b.ReportMetric(peak, "peak-MiB")
			})

			b.Run("stage=plan", func(b *testing.B) {
				bin := buildCLI(b)
				out := filepath.Join(b.TempDir(), "plan.json")
				var rss float64
				b.ResetTimer()
				for b.Loop() {
					rss = max(rss, runProcess(b, bin, "plan", "--config", cfg.Path, "--as-of", asOf.String(), "--out", out))
				}
				b.ReportMetric(rss, "peak-MiB")
			})

			b.Run("stage=opa-eval", func(b *testing.B) {
				opa := opaBinary(b)
				dir := opaBaselineFiles(b, in, pol, asOf)
				var rss float64
				b.ResetTimer()
				for b.Loop() {
					rss = max(rss, runProcess(b, opa, "eval", "--format", "raw",
						"-d", filepath.Join(dir, "policy"), "-d", filepath.Join(dir, "data.json"),
						"--fail", "count(data.baseline.findings) == "+strconv.Itoa(len(findings))))
				}
				b.ReportMetric(float64(len(findings)), "findings")
				b.ReportMetric(rss, "peak-MiB")
			})
		})
	}
}

// inputFiles are the CSV and YAML files the config names.
func inputFiles(b *testing.B, cfg *config.Config) []string {
	var out []string
	for _, f := range []string{cfg.Org, cfg.Systems, cfg.Emergencies, cfg.Exceptions, cfg.HR.People, cfg.HR.Transfers} {
		if f != "" {
			out = append(out, cfg.Resolve(f))
		}
	}
	for _, s := range cfg.Sources {
		spec, ok := s.Spec.(*export.Spec)
		if !ok {
			b.Fatalf("source %s is of type %s; the read floor covers file sources", s.Name, s.Type)
		}
		out = append(out, spec.Accounts.Resolved(), spec.Grants.Resolved())
	}
	return out
}

// parseOnly reads and parses every file (encoding/csv, yaml.v3) and keeps
// nothing: the time no design that reads these files can beat.
func parseOnly(b *testing.B, files []string) int {
	records := 0
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			b.Fatal(err)
		}
		if strings.HasSuffix(name, ".csv") {
			r := csv.NewReader(f)
			r.ReuseRecord = true
			r.FieldsPerRecord = -1
			for {
				_, err := r.Read()
				if err == io.EOF {
					break
				}
				if err != nil {
					b.Fatal(err)
				}
				records++
			}
		} else {
			var v any
			if err := yaml.NewDecoder(f).Decode(&v); err != nil && err != io.EOF {
				b.Fatal(err)
			}
			records++
		}
		f.Close()
	}
	return records
}

var cliBinary struct {
	once sync.Once
	path string
	err  error
}

// buildCLI builds cmd/accessrecon once per test binary.
func buildCLI(b *testing.B) string {
	cliBinary.once.Do(func() {
		dir, err := os.MkdirTemp("", "accessrecon-bench")
		if err != nil {
			cliBinary.err = err
			return
		}
		cliBinary.path = filepath.Join(dir, "accessrecon")
		out, err := exec.Command("go", "build", "-o", cliBinary.path, "../cmd/accessrecon").CombinedOutput()
		if err != nil {
			cliBinary.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if cliBinary.err != nil {
		b.Fatal(cliBinary.err)
	}
	return cliBinary.path
}

// runProcess runs a command to the end and returns its peak RSS in MiB.
//
// The peak is the process's VmHWM, read while it runs: the rusage of a
// child counts the RSS of the parent it was forked from (the benchmark,
// holding a loaded graph), not only its own.
func runProcess(b *testing.B, name string, args ...string) float64 {
	cmd := exec.Command(name, args...)
	var stderr strings.Builder
	cmd.Stdout, cmd.Stderr = io.Discard, &stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	status := fmt.Sprintf("/proc/%d/status", cmd.Process.Pid)
	var peakKiB int
	done := make(chan struct{})
	polled := make(chan struct{})
	go func() {
		defer close(polled)
		for {
			if kib := vmHWM(status); kib > peakKiB {
				peakKiB = kib
			}
			select {
			case <-done:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()
	err := cmd.Wait()
	close(done)
	<-polled
	if err != nil {
		b.Fatalf("%s %s: %v\n%s", filepath.Base(name), strings.Join(args, " "), err, stderr.String())
	}
	return float64(peakKiB) / 1024
}

// vmHWM is the "VmHWM: N kB" line of /proc/PID/status, 0 once the process
// is gone.
func vmHWM(status string) int {
	data, err := os.ReadFile(status)
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(data)) {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			n, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
			return n
		}
	}
	return 0
}

// opaBinary is ACCESSRECON_OPA, or opa on PATH; without one the baseline is
// skipped (`go tool task bench` installs it into bin/).
func opaBinary(b *testing.B) string {
	if p := os.Getenv("ACCESSRECON_OPA"); p != "" {
		return p
	}
	p, err := exec.LookPath("opa")
	if err != nil {
		b.Skip("no opa binary: set ACCESSRECON_OPA (go tool task bench installs github.com/open-policy-agent/opa into bin/)")
	}
	return p
}

// opaBaseline is what a user would write to run the rules by hand: every
// subject's input in one data document, each evaluated `with input as` it.
const opaBaseline = `package baseline

findings contains f if {
	some s in data.subjects
	some f in data.accessrecon.rules[_][_].findings with input as s
}
`

// opaBaselineFiles writes the bundled rules, the baseline module and
// data.json ({"model": ..., "subjects": [input, ...]}) for `opa eval`.
func opaBaselineFiles(b *testing.B, in *inputs.Inputs, pol *reconcile.Policy, asOf graph.Date) string {
	dir := b.TempDir()
	for _, m := range policy.Bundled() {
		if strings.HasSuffix(m.Name, "_test.rego") {
			continue
		}
		name := filepath.Join(dir, "policy", strings.TrimPrefix(m.Name, "bundled:"))
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(name, m.Source, 0o644); err != nil {
			b.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "policy", "baseline.rego"), []byte(opaBaseline), 0o644); err != nil {
		b.Fatal(err)
	}
	snap := in.Graph.Snapshot()
	var subjects []any
	for _, input := range reconcile.SubjectInputs(snap, asOf) {
		v, err := ast.JSON(input)
		if err != nil {
			b.Fatal(err)
		}
		subjects = append(subjects, v)
	}
	data, err := json.Marshal(map[string]any{"model": policy.Model(snap, asOf, pol.Rules), "subjects": subjects})
	if err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "data.json"), data, 0o644); err != nil {
		b.Fatal(err)
	}
	return dir
}

// BenchmarkRuleCost evaluates each bundled plan rule alone (with the shared
// lib) for 4,000 people of the 10,000-person data set, and all of them
// together, on one goroutine: the CPU each rule costs a person, to find the
// rule to make cheaper.
//
//	go test -run '^$' -bench RuleCost ./reconcile/
func BenchmarkRuleCost(b *testing.B) {
	in, pol := reconciletest.Load(b, generated(b, 10_000), policy.Bundled())
	asOf, _ := graph.ParseDate(generate.AsOf)
	snap := in.Graph.Snapshot()
	people := snap.People()[:4000]
	model := policy.Model(snap, asOf, pol.Rules)
	var lib, rules []policy.Module
	for _, m := range policy.WithoutTests(policy.Bundled()) {
		switch {
		case strings.HasPrefix(m.Name, "bundled:lib/"):
			lib = append(lib, m)
		case !strings.HasPrefix(m.Name, "bundled:usage/"):
			rules = append(rules, m)
		}
	}
	run := func(name string, mods []policy.Module) {
		b.Run(name, func(b *testing.B) {
			c, err := policy.Compile(mods)
			if err != nil {
				b.Fatal(err)
			}
			e, err := c.NewEngine(context.Background(), model)
			if err != nil {
				b.Fatal(err)
			}
			inputs := make([]ast.Value, len(people))
			for i, p := range people {
				inputs[i] = e.Inputs().Person(snap, p, asOf)
			}
			findings := 0
			for b.Loop() {
				findings = 0
				for _, in := range inputs {
					fs, err := e.Eval(context.Background(), in)
					if err != nil {
						b.Fatal(err)
					}
					findings += len(fs)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*len(inputs)), "µs/person")
			b.ReportMetric(float64(findings), "findings")
		})
	}
	for _, m := range rules {
		run("rule="+strings.TrimSuffix(strings.TrimPrefix(m.Name, "bundled:"), ".rego"), append(slices.Clone(lib), m))
	}
	run("rule=all", append(slices.Clone(lib), rules...))
}
