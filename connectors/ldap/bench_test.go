package ldap

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/accessrecon/accessrecon/connectors/ldap/slapdtest"
	"github.com/accessrecon/accessrecon/graph"
	goldap "github.com/go-ldap/ldap/v3"
)

// BenchmarkPullVsLdapsearch pulls a directory of
// ACCESSRECON_BENCH_LDAP_ACCOUNTS (default 100,000) accounts in 2,000 groups,
// nested three deep (every tenth group holds the next three groups, the
// first of which holds the third after it), the closure included,
// from a local slapd and, in the same run, times ldapsearch dumping the same
// entries with 1,000-entry pages to /dev/null (after one unmeasured
// ldapsearch, so that both find the server's caches warm). Each iteration
// uses a new source, as a run of accessrecon does. The pull runs with the
// collector as accessrecon loads its inputs (off under a memory limit); the
// read alone with the default collector. pull-ratio is Pull and the
// graph's commit against ldapsearch; pull-before-commit-ratio Pull alone.
// Run it alone (go tool task bench:ldap):
//
//	go test -run '^$' -bench PullVsLdapsearch -benchtime 5x -count 3 ./connectors/ldap/
func BenchmarkPullVsLdapsearch(b *testing.B) {
	n := 100_000
	if v, err := strconv.Atoi(os.Getenv("ACCESSRECON_BENCH_LDAP_ACCOUNTS")); err == nil && v > 0 {
		n = v
	}
	ldapsearch, err := exec.LookPath("ldapsearch")
	if err != nil {
		b.Skip("ldapsearch is not installed (apt-get install ldap-utils)")
	}
	d := slapdtest.Start(b, benchLDIF(n))
	cfg := testConfig(d.URL)
	cfg.PageSize = 1000
	ldapsearchAll := func() {
		for _, base := range []string{"ou=people,", "ou=groups,"} {
			cmd := exec.Command(ldapsearch, "-x", "-LLL", "-H", d.URL, "-D", cfg.BindDN, "-w", cfg.Password, "-b", base+slapdtest.Suffix, "-E", "pr=1000/noprompt")
			// Stdout stays nil: the entries go to /dev/null.
			if err := cmd.Run(); err != nil {
				b.Fatalf("ldapsearch: %v", err)
			}
		}
	}
	ldapsearchAll() // the server's caches warm for both
	var pull, pullOnly, read, search time.Duration
	var accounts int
	var last *graph.Graph
	b.ResetTimer()
	for b.Loop() {
		// A new source each time, as a run of accessrecon makes (no sizes
		// remembered from a pull before).
		src, err := New("corp", cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
		if err != nil {
			b.Fatal(err)
		}
		// The collector as accessrecon loads its inputs (cmd's
		// loadingHeap): off, under a memory limit; back to the default for
		// the rest of the run (ACCESSRECON_BENCH_DEFAULT_GC=1: always the
		// default).
		if os.Getenv("ACCESSRECON_BENCH_DEFAULT_GC") == "" {
			debug.SetMemoryLimit(8 << 30)
			debug.SetGCPercent(-1)
		}
		start := time.Now()
		g := graph.New()
		w := g.Writer()
		if _, err := src.Pull(context.Background(), w); err != nil {
			b.Fatal(err)
		}
		pullOnly += time.Since(start)
		w.Commit()
		pull += time.Since(start)
		debug.SetGCPercent(100)
		debug.SetMemoryLimit(math.MaxInt64)
		accounts = len(g.Snapshot().AccountsOf("ldap:corp"))
		last = g

		b.StopTimer()
		runtime.GC()
		// The directory read alone (both paged searches, at the same time as
		// Pull does them, and the account map), without loading the graph.
		start = time.Now()
		dir, _ := src.newDirectory(graph.New().Writer())
		done := make(chan error, 1)
		go func() {
			done <- src.searchOn(context.Background(), cfg.GroupBase, src.cfg.GroupFilter, []string{"cn", "member", "uniqueMember", "memberUid"}, func(e *goldap.Entry) {})
		}()
		if err := src.searchOn(context.Background(), cfg.AccountBase, src.cfg.AccountFilter, []string{"uid", "employeeNumber", "pwdAccountLockedTime", "employeeType"}, func(e *goldap.Entry) {
			src.accountOf(dir, e.GetAttributeValue)
		}); err != nil {
			b.Fatal(err)
		}
		if err := <-done; err != nil {
			b.Fatal(err)
		}
		read += time.Since(start)
		start = time.Now()
		ldapsearchAll()
		search += time.Since(start)
		b.StartTimer()
	}
	// Memory: the heap the loaded graph keeps, and the process's peak, which
	// also holds the generated LDIF of the setup (not the directory read:
	// that streams page by page).
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(ms.HeapInuse)/(1<<20), "graph-heap-MiB")
	b.ReportMetric(float64(peakRSSKiB())/1024, "peak-RSS-MiB")
	runtime.KeepAlive(last)
	b.ReportMetric(float64(accounts), "accounts")
	b.ReportMetric(float64(search.Milliseconds())/float64(b.N), "ldapsearch-ms")
	b.ReportMetric(float64(read.Milliseconds())/float64(b.N), "read-ms")
	b.ReportMetric(float64(read)/float64(search), "read-ratio")
	b.ReportMetric(float64(pull)/float64(search), "pull-ratio")
	b.ReportMetric(float64(pullOnly)/float64(search), "pull-before-commit-ratio")
}

// benchLDIF is the benchmark's directory: n accounts in 2,000 groups of n/2,000,
// every tenth group holding the next three groups, the first of which holds
// the third after it.
func benchLDIF(n int) string {
	const groups = 2000
	var ldif strings.Builder
	for i := range n {
		fmt.Fprintf(&ldif, "dn: uid=user%06d,ou=people,%s\nobjectClass: inetOrgPerson\nuid: user%06d\ncn: user %d\nsn: user\nemployeeNumber: E%07d\n\n", i, slapdtest.Suffix, i, i, i)
	}
	for g := range groups {
		fmt.Fprintf(&ldif, "dn: cn=app-sys%02d-ent%04d,ou=groups,%s\nobjectClass: groupOfNames\ncn: app-sys%02d-ent%04d\n", g%20, g, slapdtest.Suffix, g%20, g)
		for m := 0; m < n/groups; m++ {
			fmt.Fprintf(&ldif, "member: uid=user%06d,ou=people,%s\n", (g*(n/groups)+m)%n, slapdtest.Suffix)
		}
		nested := func(h int) {
			fmt.Fprintf(&ldif, "member: cn=app-sys%02d-ent%04d,ou=groups,%s\n", h%20, h, slapdtest.Suffix)
		}
		switch g % 10 {
		case 0:
			nested(g + 1)
			nested(g + 2)
			nested(g + 3)
		case 1:
			nested(g + 2)
		}
		ldif.WriteString("\n")
	}
	return ldif.String()
}

// peakRSSKiB is the process's peak resident memory (VmHWM).
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
