package smarthr

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"testing"

	"github.com/accessrecon/accessrecon/connectors"
	"github.com/accessrecon/accessrecon/connectors/smarthr/smarthrfake"
)

// BenchmarkCrews reads 100,000 crews (ACCESSRECON_BENCH_CREWS) from the
// fake: the requests it takes (the fewest the API allows: 100 a page), and
// how long they would take at SmartHR's documented limit of 10 requests a
// second.
func BenchmarkCrews(b *testing.B) {
	n := 100_000
	if v, err := strconv.Atoi(os.Getenv("ACCESSRECON_BENCH_CREWS")); err == nil && v > 0 {
		n = v
	}
	f := smarthrfake.Start(b)
	f.Depts = []smarthrfake.Department{{ID: "d1", Code: "NW-CUSTOMER", Name: "お客さまセンター"}}
	f.Types = []smarthrfake.EmploymentType{{ID: "t1", Name: "正社員"}}
	for i := range n {
		f.Crews = append(f.Crews, &smarthrfake.Crew{ID: strconv.Itoa(i), EmpCode: fmt.Sprintf("E%07d", i), LastName: "佐藤", FirstName: "翔太",
			Departments: f.Depts, EmploymentType: &f.Types[0], EnteredAt: "2020-04-01", EmpStatus: "employed"})
	}
	var requests int
	for b.Loop() {
		rows, req, err := readAllB(b, f)
		if err != nil || rows != n+1 {
			b.Fatalf("%d rows, %v", rows, err)
		}
		requests = req
	}
	b.ReportMetric(float64(requests), "requests")
	b.ReportMetric(float64(requests)/10, "s-at-10-req/s")
}

func envFor() connectors.Env { return connectors.Env{Files: os.DirFS("/")} }

func readAllB(b *testing.B, f *smarthrfake.Fake) (int, int, error) {
	b.Helper()
	b.Setenv("TEST_SMARTHR_TOKEN", smarthrfake.Token)
	spec := &Spec{BaseURL: f.URL, TokenEnv: "TEST_SMARTHR_TOKEN"}
	rs, _, err := spec.OpenPeople(b.Context(), envFor())
	if err != nil {
		return 0, 0, err
	}
	n := 0
	for {
		_, err := rs.Read()
		if err != nil {
			if err == io.EOF {
				return n, rs.(*rows).Requests(), nil
			}
			return n, rs.(*rows).Requests(), err
		}
		n++
	}
}
