package sqldb

import (
	"context"
	"fmt"
	"math"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/accessrecon/accessrecon/connectors"
	"github.com/accessrecon/accessrecon/connectors/csvfile"
	"github.com/accessrecon/accessrecon/connectors/sqldb/sqltest"
	"github.com/accessrecon/accessrecon/graph"
)

// BenchmarkPullVsPsql: 1,000,000 grant rows (of 100,000 accounts) read
// from a local PostgreSQL into the graph, against psql copying the same
// two queries' rows to /dev/null in the same run (ACCESSRECON_BENCH_SQL_GRANTS
// sets the number of grants). Reported: the medians of the runs, their
// ratio, and the heap the graph holds afterwards (the rows are streamed,
// never held).
func BenchmarkPullVsPsql(b *testing.B) {
	grants := 1_000_000
	if v, err := strconv.Atoi(os.Getenv("ACCESSRECON_BENCH_SQL_GRANTS")); err == nil && v > 0 {
		grants = v
	}
	accounts, roles := grants/10, 50
	psql, err := exec.LookPath("psql")
	if err != nil {
		b.Skip("psql is not installed (apt-get install postgresql-client)")
	}
	srv := sqltest.Postgres(b)
	srv.Exec(b,
		"CREATE TABLE users (login TEXT PRIMARY KEY, emp_no TEXT, user_kind TEXT, disabled BOOLEAN, created_on DATE, mfa TEXT)",
		"CREATE TABLE user_roles (login TEXT, role_code TEXT, granted_on DATE, valid_until DATE, PRIMARY KEY (login, role_code))",
		fmt.Sprintf("INSERT INTO users SELECT 'u' || i, 'E' || lpad(i::text, 7, '0'), '個人', i %% 50 = 0, DATE '2020-04-01' + (i %% 1000), CASE WHEN i %% 3 = 0 THEN '有効' ELSE '無効' END FROM generate_series(1, %d) i", accounts),
		fmt.Sprintf("INSERT INTO user_roles SELECT 'u' || i, 'role' || lpad(((i + j) %% %d)::text, 2, '0'), DATE '2024-04-01', CASE WHEN j = 0 THEN DATE '2027-03-31' END FROM generate_series(1, %d) i, generate_series(0, 9) j", roles, accounts),
		"VACUUM ANALYZE",
	)
	s := spec(serverEngine(srv))
	s.Accounts.Query = "SELECT login, emp_no, user_kind, disabled, created_on, mfa FROM users"
	s.Grants.Query = "SELECT login, role_code, 'role' AS origin, granted_on, valid_until FROM user_roles"
	ents := make([]string, roles)
	for i := range ents {
		ents[i] = fmt.Sprintf("role%02d", i)
	}
	b.Setenv("TEST_SQL_DSN", srv.DSN)
	src, err := s.Open(context.Background(), connectors.Env{Name: "takuso-db", Files: os.DirFS("/")})
	if err != nil {
		b.Fatal(err)
	}
	copyAll := func() {
		for _, q := range []string{s.Accounts.Query, s.Grants.Query} {
			cmd := exec.Command(psql, "-h", "127.0.0.1", "-p", strconv.Itoa(srv.Port), "-U", "test", "-d", "test", "-X", "-q", "-c", `\copy (`+q+`) to /dev/null`)
			if out, err := cmd.CombinedOutput(); err != nil {
				b.Fatalf("psql: %v\n%s", err, out)
			}
		}
	}
	copyAll() // the server's caches warm for both
	var pulls, reads, copies []time.Duration
	var last *graph.Graph
	read := 0
	b.ResetTimer()
	for b.Loop() {
		runtime.GC()
		if os.Getenv("ACCESSRECON_BENCH_DEFAULT_GC") == "" {
			// As the accessrecon binary runs: no collection below a limit.
			debug.SetMemoryLimit(8 << 30)
			debug.SetGCPercent(-1)
		}
		start := time.Now()
		g := graph.New()
		w := g.Writer()
		if err := w.DeclareEntitlements("takuso", "託送", ents); err != nil {
			b.Fatal(err)
		}
		if _, err := src.Pull(context.Background(), w); err != nil {
			b.Fatal(err)
		}
		w.Commit()
		pulls = append(pulls, time.Since(start))
		debug.SetGCPercent(100)
		debug.SetMemoryLimit(math.MaxInt64)
		last = g
		b.StopTimer()
		read = g.Snapshot().GrantCount()
		// The same rows read and parsed, not written to the graph.
		start = time.Now()
		if _, err := src.(*Source).read(context.Background(), func(*csvfile.Reader, *graph.Account) error { return nil },
			func(*csvfile.Reader, *graph.Grant) error { return nil }); err != nil {
			b.Fatal(err)
		}
		reads = append(reads, time.Since(start))
		start = time.Now()
		copyAll()
		copies = append(copies, time.Since(start))
		b.StartTimer()
	}
	b.StopTimer()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(ms.HeapInuse)/(1<<20), "graph-heap-MiB")
	b.ReportMetric(float64(peakRSSKiB())/1024, "peak-RSS-MiB")
	runtime.KeepAlive(last)
	if read != accounts*10 {
		b.Fatalf("%d grants read, want %d", read, accounts*10)
	}
	b.ReportMetric(float64(read), "grants")
	pull, rd, cp := median(pulls), median(reads), median(copies)
	b.ReportMetric(float64(pull.Milliseconds()), "pull-median-ms")
	b.ReportMetric(float64(rd.Milliseconds()), "read-median-ms")
	b.ReportMetric(float64(cp.Milliseconds()), "psql-median-ms")
	b.ReportMetric(float64(pull)/float64(cp), "pull-ratio")
	b.ReportMetric(float64(rd)/float64(cp), "read-ratio")
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

func peakRSSKiB() int {
	data, _ := os.ReadFile("/proc/self/status")
	for _, line := range strings.Split(string(data), "\n") {
		if f := strings.Fields(line); len(f) > 1 && f[0] == "VmHWM:" {
			n, _ := strconv.Atoi(f[1])
			return n
		}
	}
	return 0
}
