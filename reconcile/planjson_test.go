package reconcile_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/accessrecon/accessrecon/reconcile"
	"github.com/accessrecon/accessrecon/reconcile/reconciletest"
)

// viaEncodingJSON is what encoding/json makes of a plan: compact with HTML
// escaping (json.Marshal), or indented without it (the plan file).
func viaEncodingJSON(t testing.TB, p *reconcile.Plan, indented bool) []byte {
	t.Helper()
	if !indented {
		b, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(p); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func checkPlanJSON(t *testing.T, name string, p *reconcile.Plan) {
	t.Helper()
	for _, indented := range []bool{false, true} {
		want := viaEncodingJSON(t, p, indented)
		if got := reconcile.PlanJSON(p, indented); !bytes.Equal(got, want) {
			t.Errorf("%s (indented %v): planJSON differs from encoding/json:\n%s\nwant\n%s", name, indented, got, want)
		}
	}
}

// planJSON must write what encoding/json writes: the digest of every plan
// written so far depends on it.
func TestPlanJSONIsEncodingJSON(t *testing.T) {
	in, _, p := demo(t)
	p.AddNames(in.Graph.Snapshot())
	if len(p.Findings) == 0 || len(p.Actions) == 0 {
		t.Fatal("the demo plan has no findings or no actions")
	}
	if err := p.Seal(reconciletest.FixedNow); err != nil {
		t.Fatal(err)
	}
	checkPlanJSON(t, "demo", p)

	odd := "<a&b> \"q\" \\ \b\f\n\r\t \x00\x1f\x7f é 日本 \u2028\u2029 \xff\xfe bad \xe6\x97 end"
	checkPlanJSON(t, "empty", &reconcile.Plan{})
	checkPlanJSON(t, "odd strings", &reconcile.Plan{
		FormatVersion: 1, Kind: odd, AsOf: "2026-11-24", CreatedBy: odd, Event: odd,
		Campaign:  &reconcile.CampaignRef{ID: odd, AsOf: "2026-12-01", Unreviewed: "keep"},
		AuditHead: &reconcile.AuditHead{Lines: 12, Hash: odd},
		Inputs:    map[string]string{"b": odd, "a": "x", odd: ""},
		Findings:  []reconcile.Finding{{Rule: odd, Message: odd, PersonName: odd, Event: odd}, {}},
		Actions:   []reconcile.Action{{ID: "A0001", Rules: []string{odd, ""}, Phase: -3, Reason: odd}, {Rules: []string{}}, {}},
		Digest:    odd,
	})
	checkPlanJSON(t, "empty lists", &reconcile.Plan{Inputs: map[string]string{}, Findings: []reconcile.Finding{}, Actions: []reconcile.Action{}})
}

func FuzzPlanJSONString(f *testing.F) {
	for _, s := range []string{"", "plain", "<&>", "\u2028", "\xff", "日本語", "\x00\"\\"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkPlanJSON(t, "fuzz", &reconcile.Plan{Kind: s, Inputs: map[string]string{s: s}, Findings: []reconcile.Finding{{Message: s}}, Actions: []reconcile.Action{{Reason: s, Rules: []string{s}}}})
	})
}
