package reconcile_test

import (
	"bytes"
	"context"
	"slices"
	"testing"
	"time"

	"github.com/accessrecon/accessrecon/graph"
	"github.com/accessrecon/accessrecon/policy"
	"github.com/accessrecon/accessrecon/reconcile"
	"github.com/accessrecon/accessrecon/reconcile/inputs"
	"github.com/accessrecon/accessrecon/reconcile/reconciletest"
)

// demo is the demo's inputs and policy, and the plan of its as-of day.
func demo(t testing.TB) (*inputs.Inputs, *reconcile.Policy, *reconcile.Plan) {
	t.Helper()
	in, pol := reconciletest.Demo(t)
	p, err := reconcile.Reconcile(context.Background(), in, pol, reconciletest.DemoDay(t))
	if err != nil {
		t.Fatal(err)
	}
	return in, pol, p
}

func TestGoldenDemoPlan(t *testing.T) {
	in, _, p := demo(t)
	reconciletest.Golden(t, "demo-plan.golden.json", reconciletest.Encode(t, in, p, reconciletest.FixedNow))
}

func TestGoldenTransferPlan(t *testing.T) {
	in, pol := reconciletest.Demo(t)
	p, err := reconcile.TransferPlan(context.Background(), in, pol, "T2026-0012")
	if err != nil {
		t.Fatal(err)
	}
	reconciletest.Golden(t, "transfer-T2026-0012.golden.json", reconciletest.Encode(t, in, p, reconciletest.FixedNow))
}

// TestEveryRuleFiresOnTheDemo keeps the demo honest: it must show every
// non-usage rule of SPEC at work.
func TestEveryRuleFiresOnTheDemo(t *testing.T) {
	_, _, p := demo(t)
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
		in, _, p := demo(t)
		b := reconciletest.Encode(t, in, p, reconciletest.FixedNow.Add(time.Duration(i)*time.Hour))
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
	_, _, p := demo(t)
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
	_, _, p := demo(t)
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
	in, pol := reconciletest.Demo(t)
	// During the typhoon window, HD's emergency right on takuso is justified.
	during, _ := graph.ParseDate("2026-09-03")
	p, err := reconcile.Reconcile(context.Background(), in, pol, during)
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
	p, err = reconcile.Reconcile(context.Background(), in, pol, after)
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
	in, _, p := demo(t)
	b := reconciletest.Encode(t, in, p, reconciletest.FixedNow)
	if _, err := reconcile.ReadPlan("plan.json", b); err != nil {
		t.Fatalf("a fresh plan does not read back: %v", err)
	}
	if _, err := reconcile.ReadPlan("plan.json", bytes.Replace(b, []byte(`"u1020"`), []byte(`"u1021"`), 1)); err == nil {
		t.Error("a modified plan reads back without error")
	}
	if _, err := reconcile.ReadPlan("plan.json", bytes.Replace(b, []byte(`"format_version": 1`), []byte(`"format_version": 2`), 1)); err == nil {
		t.Error("a plan of another format version reads back without error")
	}
	if _, err := reconcile.ReadPlan("plan.json", []byte("{\n  \"kind\": ,\n}")); err == nil || !bytes.Contains([]byte(err.Error()), []byte("plan.json:2:")) {
		t.Errorf("a broken plan file: %v, want the line", err)
	}
}
