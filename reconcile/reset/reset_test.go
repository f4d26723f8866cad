package reset_test

import (
	"context"
	"testing"

	"github.com/accessrecon/accessrecon/reconcile/reconciletest"
	"github.com/accessrecon/accessrecon/reconcile/reset"
	"github.com/accessrecon/accessrecon/reconcile/worksheet"
)

func TestLastDayOfFebruary(t *testing.T) {
	for year, want := range map[int]string{2026: "2026-02-28", 2027: "2027-02-28", 2028: "2028-02-29", 2100: "2100-02-28", 2000: "2000-02-29"} {
		if got := reset.LastDayOfFebruary(year).String(); got != want {
			t.Errorf("%d: %s, want %s", year, got, want)
		}
	}
}

// TestGoldenResetPlan is a whole February reset of the demo data: phase 1
// revokes everything on the two reset systems, phase 2 grants back the
// confirmed rights the policy allows on March 1, and the confirmed rights it
// forbids (a transferee's, HD staff's, an emergency right outside its window)
// are findings naming their rules.
func TestGoldenResetPlan(t *testing.T) {
	in, pol := reconciletest.Demo(t)
	ds, err := worksheet.ReadDecisions("testdata/reset-2027-confirmations.csv")
	if err != nil {
		t.Fatal(err)
	}
	confirmations, err := worksheet.Merge(ds)
	if err != nil {
		t.Fatal(err)
	}
	p, err := reset.Plan(context.Background(), in, pol, 2027, confirmations, reconciletest.DemoDay(t))
	if err != nil {
		t.Fatal(err)
	}
	reconciletest.Golden(t, "reset-2027.golden.json", reconciletest.Encode(t, in, p, reconciletest.FixedNow))
}
