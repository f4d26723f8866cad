// Command benchtable prints the Markdown table of BenchmarkStages
// (reconcile/bench_test.go) from `go test -bench` output: the median of each
// stage's time and peak memory per data set size, and plan's ratio to the
// read-only floor. `go tool task bench` runs it.
//
//	go run ./cmd/benchtable bench.out
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/perf/benchfmt"
)

// stages in the order of the table.
var stages = []string{"read", "load", "evaluate", "write", "plan", "opa-eval"}

// sample is every run of one stage at one size.
type sample struct {
	seconds, peakMiB []float64
	counts           map[string]float64 // records, grants, findings, actions
}

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "benchtable:", err)
		os.Exit(1)
	}
}

func run(files []string, out io.Writer) error {
	if len(files) == 0 {
		return errors.New("usage: benchtable FILE... (output of go test -bench Stages)")
	}
	byPeople := map[int]map[string]*sample{}
	cpus := ""
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			return err
		}
		r := benchfmt.NewReader(f, name)
		for r.Scan() {
			res, ok := r.Result().(*benchfmt.Result)
			if !ok {
				continue
			}
			full := string(res.Name.Full())
			if i := strings.LastIndex(full, "-"); i > 0 {
				if _, err := strconv.Atoi(full[i+1:]); err == nil {
					full, cpus = full[:i], full[i+1:] // -GOMAXPROCS
				}
			}
			people, stage, ok := parseName(full)
			if !ok {
				continue
			}
			if byPeople[people] == nil {
				byPeople[people] = map[string]*sample{}
			}
			s := byPeople[people][stage]
			if s == nil {
				s = &sample{counts: map[string]float64{}}
				byPeople[people][stage] = s
			}
			for _, v := range res.Values {
				switch v.Unit {
				case "sec/op":
					s.seconds = append(s.seconds, v.Value)
				case "peak-MiB":
					s.peakMiB = append(s.peakMiB, v.Value)
				default:
					s.counts[v.Unit] = v.Value
				}
			}
		}
		f.Close()
		if err := r.Err(); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	if len(byPeople) == 0 {
		return errors.New("no BenchmarkStages results in the input")
	}
	sizes := make([]int, 0, len(byPeople))
	for n := range byPeople {
		sizes = append(sizes, n)
	}
	slices.Sort(sizes)

	fmt.Fprintf(out, "Medians of %s; GOMAXPROCS %s. Time, and peak memory in MiB (Go heap in process for the stages, RSS for the plan and opa eval processes).\n\n", runs(byPeople), cpus)
	fmt.Fprint(out, "| people | grants |")
	for _, st := range stages {
		fmt.Fprintf(out, " %s |", st)
	}
	fmt.Fprintln(out, " plan ÷ read |")
	fmt.Fprint(out, "|---:|---:|")
	for range stages {
		fmt.Fprint(out, "---:|")
	}
	fmt.Fprintln(out, "---:|")
	for _, n := range sizes {
		row := byPeople[n]
		grants := "?"
		if s := row["load"]; s != nil {
			grants = thousands(s.counts["grants"])
		}
		fmt.Fprintf(out, "| %s | %s |", thousands(float64(n)), grants)
		for _, st := range stages {
			s := row[st]
			if s == nil || len(s.seconds) == 0 {
				fmt.Fprint(out, " – |")
				continue
			}
			fmt.Fprintf(out, " %s, %s MiB |", duration(median(s.seconds)), thousands(median(s.peakMiB)))
		}
		ratio := "–"
		if r, p := row["read"], row["plan"]; r != nil && p != nil && len(r.seconds) > 0 && len(p.seconds) > 0 {
			ratio = fmt.Sprintf("%.1f×", median(p.seconds)/median(r.seconds))
		}
		fmt.Fprintf(out, " %s |\n", ratio)
	}
	return nil
}

// parseName reads "Stages/people=N/stage=S".
func parseName(full string) (people int, stage string, ok bool) {
	parts := strings.Split(full, "/")
	if len(parts) != 3 || parts[0] != "Stages" {
		return 0, "", false
	}
	n, err := strconv.Atoi(strings.TrimPrefix(parts[1], "people="))
	if err != nil || !strings.HasPrefix(parts[2], "stage=") {
		return 0, "", false
	}
	return n, strings.TrimPrefix(parts[2], "stage="), true
}

func runs(byPeople map[int]map[string]*sample) string {
	n := 0
	for _, row := range byPeople {
		for _, s := range row {
			n = max(n, len(s.seconds))
		}
	}
	if n == 1 {
		return "1 run"
	}
	return fmt.Sprintf("%d runs", n)
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func duration(sec float64) string {
	switch {
	case sec < 1:
		return fmt.Sprintf("%.0f ms", sec*1000)
	case sec < 10:
		return fmt.Sprintf("%.2f s", sec)
	}
	return fmt.Sprintf("%.1f s", sec)
}

// thousands formats a count with thousands separators.
func thousands(v float64) string {
	s := strconv.FormatFloat(v, 'f', 0, 64)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}
