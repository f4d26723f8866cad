package main

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/accessrecon/accessrecon/connectors/github/githubfake"
)

// buildCLI builds the accessrecon binary once per test, for tests whose
// fault lies between processes (signals, two processes at once).
func buildCLI(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "accessrecon")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// TestApplyStopsAfterTheActionUnderWayOnSIGTERM: a real apply process gets
// SIGTERM while its first change is in flight at the (fake) GitHub API. It
// finishes that change, starts no other, journals nothing for the rest,
// says so and exits non-zero; a second apply carries on and does each
// change exactly once.
func TestApplyStopsAfterTheActionUnderWayOnSIGTERM(t *testing.T) {
	f, _ := githubfake.New(t, "/api/v3")
	f.Org(10, 2, 3, 0, 1)
	arrived, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodDelete {
			once.Do(func() { close(arrived); <-release })
		}
		f.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)

	dir := demoDir(t)
	cfg := filepath.Join(dir, "accessrecon.yaml")
	owners := "login,employee_id\n"
	for i := range 10 {
		if i != 2 { // user0002 has no owner
			owners += fmt.Sprintf("user%04d,E%d\n", i, 1001+i)
		}
	}
	owners = strings.Replace(owners, "user0001,E1002", "user0001,E1030", 1) // left on 2026-10-31
	os.WriteFile(filepath.Join(dir, "github-owners.csv"), []byte(owners), 0o644)
	replaceIn(t, cfg, "emergencies: emergencies.yaml", fmt.Sprintf(
		"  - {name: gh, type: github, org: seto, base_url: %q, owners: github-owners.csv}\nemergencies: emergencies.yaml", srv.URL+"/api/v3/"))
	t.Setenv("GITHUB_TOKEN", "ghp_secret_for_tests")
	plan := filepath.Join(dir, "p.json")
	if _, stderr, code := runCLI(t, "plan", "--config", cfg, "--as-of", "2026-11-24", "--out", plan, "--by", "E1001"); code != 0 {
		t.Fatal(stderr)
	}
	runCLI(t, "approve", plan, "--by", "E1002", "--config", cfg)
	total := len(actionsOf(t, readPlan(t, plan)))

	var stdout, stderr bytes.Buffer
	cmd := exec.Command(buildCLI(t), "apply", plan, "--config", cfg, "--as-of", "2026-11-24", "--by", "E1099")
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-arrived:
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("apply never reached GitHub:\n%s%s", stdout.String(), stderr.String())
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond) // the signal is taken while the change is in flight
	close(release)
	err := cmd.Wait()
	if cmd.ProcessState.ExitCode() != 1 || !strings.Contains(stderr.String(), fmt.Sprintf("stopped on request: %d action(s) not started", total-1)) {
		t.Fatalf("interrupted apply: %v\nstdout:\n%s\nstderr:\n%s", err, stdout.String(), stderr.String())
	}
	if !strings.Contains(stdout.String(), fmt.Sprintf("%d actions: 1 done", total)) {
		t.Errorf("the change under way was not finished: %s", stdout.String())
	}
	journal, _ := os.ReadFile(strings.TrimSuffix(plan, ".json") + ".journal.jsonl")
	if n := strings.Count(string(journal), "\n"); n != 2 || !strings.Contains(string(journal), `"action":"A0001","state":"done"`) {
		t.Errorf("the journal holds more than the finished action (started, done):\n%s", journal)
	}
	if strings.Contains(stdout.String(), "work order:") {
		t.Errorf("work orders were written for actions never started: %s", stdout.String())
	}

	out, errOut, code := runApply(t, cfg, plan)
	if code != 0 || !strings.Contains(out, "2 done") {
		t.Fatalf("the second apply: exit %d\n%s%s", code, out, errOut)
	}
	deletes := 0
	for _, r := range f.Log() {
		if strings.HasPrefix(r, "DELETE") {
			deletes++
		}
	}
	if deletes != 2 {
		t.Errorf("%d DELETEs for 2 changes: %v", deletes, f.Log())
	}
}
