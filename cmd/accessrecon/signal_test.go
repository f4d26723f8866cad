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
	"github.com/accessrecon/accessrecon/fixtures/generate"
)

// blockingGitHub is a fake GitHub whose first DELETE waits, once it has
// arrived, until release is closed.
func blockingGitHub(t *testing.T) (f *githubfake.Server, srv *httptest.Server, arrived, release chan struct{}) {
	f, _ = githubfake.New(t, "/api/v3")
	f.Org(10, 2, 3, 0, 1)
	arrived, release = make(chan struct{}), make(chan struct{})
	var once sync.Once
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodDelete {
			once.Do(func() { close(arrived); <-release })
		}
		f.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return f, srv, arrived, release
}

// githubPlan is the demo with a github source at url (a leaver's and an
// ownerless login to remove), planned by E1001 and approved by E1002.
func githubPlan(t *testing.T, url string) (cfg, plan string) {
	t.Helper()
	dir := demoDir(t)
	cfg = filepath.Join(dir, "accessrecon.yaml")
	owners := "login,employee_id\n"
	for i := range 10 {
		if i != 2 { // user0002 has no owner
			owners += fmt.Sprintf("user%04d,E%d\n", i, 1001+i)
		}
	}
	owners = strings.Replace(owners, "user0001,E1002", "user0001,E1030", 1) // left on 2026-10-31
	os.WriteFile(filepath.Join(dir, "github-owners.csv"), []byte(owners), 0o644)
	replaceIn(t, cfg, "emergencies: emergencies.yaml", fmt.Sprintf(
		"  - {name: gh, type: github, org: seto, base_url: %q, owners: github-owners.csv}\nemergencies: emergencies.yaml", url+"/api/v3/"))
	t.Setenv("GITHUB_TOKEN", "ghp_secret_for_tests")
	plan = filepath.Join(dir, "p.json")
	if _, stderr, code := runCLI(t, "plan", "--config", cfg, "--as-of", "2026-11-24", "--out", plan, "--by", "E1001"); code != 0 {
		t.Fatal(stderr)
	}
	if _, stderr, code := runCLI(t, "approve", plan, "--by", "E1002", "--config", cfg); code != 0 {
		t.Fatal(stderr)
	}
	return cfg, plan
}

// watched is a process's output, with seen closed once want appears in it.
type watched struct {
	mu   sync.Mutex
	b    bytes.Buffer
	want string
	seen chan struct{}
}

func (w *watched) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	had := strings.Contains(w.b.String(), w.want)
	w.b.Write(p)
	if !had && strings.Contains(w.b.String(), w.want) {
		close(w.seen)
	}
	return len(p), nil
}

func (w *watched) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}

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
	f, srv, arrived, release := blockingGitHub(t)
	cfg, plan := githubPlan(t, srv.URL)
	total := len(actionsOf(t, readPlan(t, plan)))

	var stdout bytes.Buffer
	stderr := &watched{want: "stop requested: ending after the step under way", seen: make(chan struct{})}
	cmd := exec.Command(buildCLI(t), "apply", plan, "--config", cfg, "--as-of", "2026-11-24", "--by", "E1099")
	cmd.Stdout, cmd.Stderr = &stdout, stderr
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
	select { // the signal is taken while the change is in flight
	case <-stderr.seen:
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("apply did not say it is stopping:\n%s", stderr.String())
	}
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

// TestTwoAppliesAtOnce: while one apply process carries out a plan, a second
// one on the same plan is refused (exit 5) and changes nothing; the first
// finishes, every change is made once, and the audit log both wrote to
// verifies.
func TestTwoAppliesAtOnce(t *testing.T) {
	f, srv, arrived, release := blockingGitHub(t)
	cfg, plan := githubPlan(t, srv.URL)
	bin := buildCLI(t)
	args := []string{"apply", plan, "--config", cfg, "--as-of", "2026-11-24", "--by", "E1099"}
	var out1, err1 bytes.Buffer
	first := exec.Command(bin, args...)
	first.Stdout, first.Stderr = &out1, &err1
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-arrived:
	case <-time.After(60 * time.Second):
		first.Process.Kill()
		t.Fatalf("the first apply never reached GitHub:\n%s%s", out1.String(), err1.String())
	}
	second := exec.Command(bin, args...)
	out2, _ := second.CombinedOutput()
	if second.ProcessState.ExitCode() != 5 || !strings.Contains(string(out2), "another apply holds") {
		t.Errorf("the second apply: exit %d\n%s", second.ProcessState.ExitCode(), out2)
	}
	close(release)
	if err := first.Wait(); err != nil {
		t.Fatalf("the first apply: %v\n%s%s", err, out1.String(), err1.String())
	}
	deletes := 0
	for _, r := range f.Log() {
		if strings.HasPrefix(r, "DELETE") {
			deletes++
		}
	}
	if deletes != 2 {
		t.Errorf("%d DELETEs for 2 changes", deletes)
	}
	if stdout, stderr, code := runCLI(t, "audit", "verify", filepath.Join(filepath.Dir(cfg), "audit.jsonl")); code != 0 {
		t.Errorf("audit verify: exit %d %s%s", code, stdout, stderr)
	}
}

// TestProgressOnATerminalOnly: a plan draws progress bars of loading and
// evaluating on a terminal (a pseudo-terminal made by script(1)), certify
// open one of writing the worksheets, and nothing on a pipe.
func TestProgressOnATerminalOnly(t *testing.T) {
	script, err := exec.LookPath("script")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("script(1) is missing (Debian package bsdutils)")
		}
		t.Skip("script(1) is missing (bsdutils)")
	}
	dir := t.TempDir()
	if err := generate.Write(dir, generate.Options{People: 3000, Seed: 1}); err != nil {
		t.Fatal(err)
	}
	if err := generate.WriteAccessLog(filepath.Join(dir, "access.csv"), 3000, 100, 1); err != nil {
		t.Fatal(err)
	}
	bin := buildCLI(t)
	cmdline := bin + " plan --config " + filepath.Join(dir, "accessrecon.yaml") + " --as-of 2026-11-24 --out " + filepath.Join(dir, "p.json")
	out, err := exec.Command(script, "-qec", cmdline+" > /dev/null", "/dev/null").CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if !strings.Contains(string(out), "evaluating") || !strings.Contains(string(out), "/3") || !strings.Contains(string(out), "loading") {
		t.Errorf("no progress bars of loading and evaluating on a terminal:\n%q", out)
	}
	certify := bin + " certify open --config " + filepath.Join(dir, "accessrecon.yaml") + " --as-of 2026-11-24 --campaign Q4 --out " + filepath.Join(dir, "camp")
	out, err = exec.Command(script, "-qec", certify+" > /dev/null", "/dev/null").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "writing") {
		t.Errorf("no progress bar of writing worksheets on a terminal: %v\n%q", err, out)
	}
	piped, _ := exec.Command("sh", "-c", cmdline+" 2>&1 >/dev/null").CombinedOutput()
	if strings.Contains(string(piped), "evaluating") {
		t.Errorf("a progress bar on a pipe:\n%q", piped)
	}
}
