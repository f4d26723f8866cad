package service

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/accessrecon/accessrecon/fixtures/generate"
)

// BenchmarkServe measures POST /v1/transfers/check and POST /v1/transfers
// over real HTTP on loopback against a warm graph of
// ACCESSRECON_BENCH_SERVE_PEOPLE (default 100,000) people, about 10 grants
// each, and reports p50 and p99 latency. Run it alone:
//
//	go test -run '^$' -bench Serve -benchtime 2000x ./reconcile/service/
func BenchmarkServe(b *testing.B) {
	people := 100_000
	if n, err := strconv.Atoi(os.Getenv("ACCESSRECON_BENCH_SERVE_PEOPLE")); err == nil && n > 0 {
		people = n
	}
	dir := b.TempDir()
	if err := generate.Write(dir, generate.Options{People: people, Seed: 1}); err != nil {
		b.Fatal(err)
	}
	svc, err := New(context.Background(), Options{Load: loader(dir), Token: []byte(token), Outbox: filepath.Join(dir, "outbox"),
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(svc.Handler())
	defer srv.Close()
	grants := svc.current.Load().inputs.Graph.Snapshot().GrantCount()
	post := func(path, body string) time.Duration {
		req, _ := http.NewRequest("POST", srv.URL+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		start := time.Now()
		resp, err := srv.Client().Do(req)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode >= 300 {
			b.Fatalf("%s: %d", path, resp.StatusCode)
		}
		return time.Since(start)
	}
	units := []string{"HD-U0005", "NW-U0001", "HD-U0006", "SB-U0009", "NW-U0012"}
	var check, plan []time.Duration
	b.ResetTimer()
	i := 0
	for b.Loop() {
		person := fmt.Sprintf("E%07d", 1+(i*7919)%people)
		unit := units[i%len(units)]
		check = append(check, post("/v1/transfers/check", fmt.Sprintf(`{"employee_id":%q,"to_unit":%q,"effective_date":"2027-04-01"}`, person, unit)))
		// from_unit is whatever HR says; the service plans the person's current rights.
		plan = append(plan, post("/v1/transfers", fmt.Sprintf(`{"event_id":"B%07d","employee_id":%q,"from_unit":"NW-U0000","to_unit":%q,"effective_date":"2027-04-01"}`, i, person, unit)))
		i++
	}
	b.StopTimer()
	pct := func(d []time.Duration, p float64) float64 {
		sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
		return float64(d[int(p*float64(len(d)-1))].Microseconds()) / 1000
	}
	b.ReportMetric(pct(check, 0.5), "check-p50-ms")
	b.ReportMetric(pct(check, 0.99), "check-p99-ms")
	b.ReportMetric(pct(plan, 0.5), "plan-p50-ms")
	b.ReportMetric(pct(plan, 0.99), "plan-p99-ms")
	b.ReportMetric(float64(grants), "grants")
}
