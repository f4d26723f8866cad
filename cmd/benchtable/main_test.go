package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestTableHasMediansAndTheRatioToTheFloor(t *testing.T) {
	out := `goos: linux
BenchmarkStages/people=1000/stage=read-2         	1	 10000000 ns/op	 4.0 peak-MiB	 20000 records
BenchmarkStages/people=1000/stage=load-2         	1	200000000 ns/op	 10000 grants	 50.0 peak-MiB
BenchmarkStages/people=1000/stage=plan-2         	1	300000000 ns/op	 90.0 peak-MiB
BenchmarkStages/people=1000/stage=opa-eval-2     	1	500000000 ns/op	 70 findings	 100.0 peak-MiB
BenchmarkStages/people=1000/stage=read-2         	1	 30000000 ns/op	 4.0 peak-MiB	 20000 records
BenchmarkStages/people=1000/stage=read-2         	1	 20000000 ns/op	 6.0 peak-MiB	 20000 records
BenchmarkOther-2                                 	1	 20000000 ns/op
`
	name := filepath.Join(t.TempDir(), "bench.out")
	if err := os.WriteFile(name, []byte(out), 0o644); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := run([]string{name}, &b); err != nil {
		t.Fatal(err)
	}
	got := b.String()
	for _, want := range []string{
		"Medians of 3 runs; GOMAXPROCS 2",
		"| 1,000 | 10,000 | 20 ms, 4 MiB | 200 ms, 50 MiB | – | – | 300 ms, 90 MiB | 500 ms, 100 MiB | 15.0× |",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("table lacks %q:\n%s", want, got)
		}
	}
	if err := run([]string{filepath.Join(t.TempDir(), "missing")}, &b); err == nil {
		t.Error("a missing file gave no error")
	}
}
