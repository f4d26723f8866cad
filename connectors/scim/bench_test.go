package scim

import (
	"fmt"
	"os"
	"strconv"
	"testing"

	"github.com/accessrecon/accessrecon/connectors"
	"github.com/accessrecon/accessrecon/connectors/scim/scimtest"
	"github.com/accessrecon/accessrecon/graph"
)

// BenchmarkUsers reads 100,000 users (ACCESSRECON_BENCH_SCIM_USERS) and 100
// groups from the SCIM server of the tests, whose maxResults is 50: the
// requests it takes (the fewest startIndex/count allows at that page
// size) and the time they take.
func BenchmarkUsers(b *testing.B) {
	n := 100_000
	if v, err := strconv.Atoi(os.Getenv("ACCESSRECON_BENCH_SCIM_USERS")); err == nil && v > 0 {
		n = v
	}
	p := scimtest.Start(b)
	ids := make([]string, n)
	for i := range n {
		ids[i] = p.User(fmt.Sprintf("user%06d", i), fmt.Sprintf("E%07d", i), true)
	}
	for g := range 100 {
		p.Group(fmt.Sprintf("group%03d", g), ids[g*10:g*10+10]...)
	}
	b.Setenv("TEST_SCIM_TOKEN", scimtest.Token)
	src, err := (&Spec{BaseURL: p.URL, TokenEnv: "TEST_SCIM_TOKEN", System: "saas"}).Open(b.Context(), envFor())
	if err != nil {
		b.Fatal(err)
	}
	var requests int32
	for b.Loop() {
		before := p.Requests.Load()
		g := graph.New()
		w := g.Writer()
		if _, err := src.Pull(b.Context(), w); err != nil {
			b.Fatal(err)
		}
		w.Commit()
		requests = p.Requests.Load() - before
	}
	b.ReportMetric(float64(requests), "requests")
}

func envFor() connectors.Env { return connectors.Env{Name: "saas", Files: os.DirFS("/")} }
