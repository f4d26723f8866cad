package reconcile

import (
	"bytes"
	"context"
	"flag"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/accessrecon/accessrecon/config"
	"github.com/accessrecon/accessrecon/fixtures"
	"github.com/accessrecon/accessrecon/graph"
	"github.com/accessrecon/accessrecon/policy"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func demoPlanner(t testing.TB) *Planner {
	t.Helper()
	cfg, err := config.Load(fixtures.Demo, fixtures.DemoConfig)
	if err != nil {
		t.Fatal(err)
	}
	return plannerFor(t, cfg, policy.Bundled())
}

func plannerFor(t testing.TB, cfg *config.Config, mods []policy.Module) *Planner {
	t.Helper()
	pl, err := NewPlanner(context.Background(), cfg, mods, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	return pl
}

func demoDay(t testing.TB) graph.Date {
	d, err := graph.ParseDate(fixtures.DemoAsOf)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func encode(t testing.TB, pl *Planner, p *Plan, now time.Time) []byte {
	t.Helper()
	p.AddNames(pl.Inputs.Graph.Snapshot())
	if err := p.Seal(now); err != nil {
		t.Fatal(err)
	}
	b, err := p.Encode()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// golden compares got with testdata/NAME, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run `go tool task golden` to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file; if the change is intended, run `go tool task golden` and review the diff.\ngot:\n%s", name, got)
	}
}

var fixedNow = time.Date(2026, 11, 24, 9, 0, 0, 0, graph.Tokyo)

func TestGoldenDemoPlan(t *testing.T) {
	pl := demoPlanner(t)
	p, err := pl.Reconcile(context.Background(), demoDay(t))
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "demo-plan.golden.json", encode(t, pl, p, fixedNow))
}

func TestGoldenDemoPlanText(t *testing.T) {
	pl := demoPlanner(t)
	p, err := pl.Reconcile(context.Background(), demoDay(t))
	if err != nil {
		t.Fatal(err)
	}
	encode(t, pl, p, fixedNow)
	for _, lang := range []string{LangEN, LangJA} {
		var buf bytes.Buffer
		if err := (Renderer{Lang: lang, Rules: pl.Compiled.Rules()}).Text(&buf, p); err != nil {
			t.Fatal(err)
		}
		golden(t, "demo-plan."+lang+".golden.txt", buf.Bytes())
	}
}

func TestGoldenTransferPlan(t *testing.T) {
	pl := demoPlanner(t)
	p, err := pl.TransferPlan(context.Background(), "T2026-0012")
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "transfer-T2026-0012.golden.json", encode(t, pl, p, fixedNow))
}

// TestEveryRuleFiresOnTheDemo keeps the demo honest: it must show every
// non-usage rule of SPEC at work.
func TestEveryRuleFiresOnTheDemo(t *testing.T) {
	pl := demoPlanner(t)
	p, err := pl.Reconcile(context.Background(), demoDay(t))
	if err != nil {
		t.Fatal(err)
	}
	fired := map[string]bool{}
	for _, f := range p.Findings {
		fired[f.Rule] = true
	}
	for _, a := range p.Actions {
		for _, r := range a.Rules {
			fired[r] = true
		}
	}
	for _, rule := range []string{
		"separation.direct_transfer_ban", "separation.confidential_system_access",
		"emergency.grant_outlives_window", "identity.shared_account", "identity.orphan_account",
		"lifecycle.leaver", "lifecycle.unjustified_grant", "lifecycle.expired_grant", "lifecycle.pledge_missing",
	} {
		if !fired[rule] {
			t.Errorf("rule %s does not fire on the demo data", rule)
		}
	}
}

// TestPlansAreDeterministic: the same inputs give byte-identical plans apart
// from generated_at, whatever the goroutine schedule.
func TestPlansAreDeterministic(t *testing.T) {
	var first []byte
	for i := range 3 {
		pl := demoPlanner(t)
		p, err := pl.Reconcile(context.Background(), demoDay(t))
		if err != nil {
			t.Fatal(err)
		}
		b := encode(t, pl, p, fixedNow.Add(time.Duration(i)*time.Hour))
		b = bytes.Replace(b, []byte(p.GeneratedAt), []byte("GENERATED"), 1)
		if first == nil {
			first = b
			continue
		}
		if !bytes.Equal(first, b) {
			t.Fatalf("run %d differs from run 0", i)
		}
	}
}

func TestDisabledAccountNeedsNoSeparateRevokes(t *testing.T) {
	pl := demoPlanner(t)
	p, err := pl.Reconcile(context.Background(), demoDay(t))
	if err != nil {
		t.Fatal(err)
	}
	disabled := map[string]bool{}
	for _, a := range p.Actions {
		if a.Op == policy.OpDisable {
			disabled[graph.AccountKey(a.System, a.Account)] = true
		}
	}
	if !disabled["saiene-kaitori/r1031"] {
		t.Fatal("the contractor who left (E1031) keeps r1031: expected disable_account")
	}
	for _, a := range p.Actions {
		if a.Op == policy.OpRevoke && disabled[graph.AccountKey(a.System, a.Account)] {
			t.Errorf("%s revokes a grant of an account the plan disables", a.ID)
		}
	}
}

func TestActionListsEveryRuleThatCallsForIt(t *testing.T) {
	pl := demoPlanner(t)
	p, err := pl.Reconcile(context.Background(), demoDay(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range p.Actions {
		if a.ItemID() == "takuso/u1012/viewer" {
			want := []string{"lifecycle.unjustified_grant", "separation.confidential_system_access"}
			if !slices.Equal(a.Rules, want) {
				t.Fatalf("rules %v, want %v", a.Rules, want)
			}
			return
		}
	}
	t.Fatal("no action for takuso/u1012/viewer, the transferee who kept NW rights")
}

func TestEmergencyWindowIsHonouredByDay(t *testing.T) {
	pl := demoPlanner(t)
	// During the typhoon window, HD's emergency right on takuso is justified.
	during, _ := graph.ParseDate("2026-09-03")
	p, err := pl.Reconcile(context.Background(), during)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range p.Actions {
		if a.ItemID() == "takuso/u1021/viewer" {
			t.Fatalf("revoked during its emergency window: %+v", a)
		}
	}
	// SB's right is inside window EM-2026-02 on the demo day, not after it.
	after, _ := graph.ParseDate("2026-11-28")
	p, err = pl.Reconcile(context.Background(), after)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, a := range p.Actions {
		if a.ItemID() == "takuso/u1040/viewer" && slices.Contains(a.Rules, "emergency.grant_outlives_window") {
			found = true
		}
	}
	if !found {
		t.Error("SB's emergency right survives the end of its window")
	}
}

func TestReadPlanChecksDigestAndVersion(t *testing.T) {
	pl := demoPlanner(t)
	p, err := pl.Reconcile(context.Background(), demoDay(t))
	if err != nil {
		t.Fatal(err)
	}
	b := encode(t, pl, p, fixedNow)
	if _, err := ReadPlan("plan.json", b); err != nil {
		t.Fatalf("a fresh plan does not read back: %v", err)
	}
	if _, err := ReadPlan("plan.json", bytes.Replace(b, []byte(`"u1020"`), []byte(`"u1021"`), 1)); err == nil {
		t.Error("a modified plan reads back without error")
	}
	if _, err := ReadPlan("plan.json", bytes.Replace(b, []byte(`"format_version": 1`), []byte(`"format_version": 2`), 1)); err == nil {
		t.Error("a plan of another format version reads back without error")
	}
	if _, err := ReadPlan("plan.json", []byte("{\n  \"kind\": ,\n}")); err == nil || !bytes.Contains([]byte(err.Error()), []byte("plan.json:2:")) {
		t.Errorf("a broken plan file: %v, want the line", err)
	}
}
