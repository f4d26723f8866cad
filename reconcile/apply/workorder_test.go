package apply

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/accessrecon/accessrecon/reconcile"
)

// TestAWorkOrderNamesThePath: a right held through nested groups is revoked
// by hand; the work order names the path the administrator must cut, in
// the CSV and in the page.
func TestAWorkOrderNamesThePath(t *testing.T) {
	plan := filepath.Join(t.TempDir(), "p.json")
	p := &reconcile.Plan{Kind: reconcile.KindReconcile, Digest: "sha256:x"}
	files, err := writeWorkOrders(plan, p, "saiene", []reconcile.Action{{ID: "A0001", Op: "revoke", System: "saiene", Account: "carol",
		Entitlement: "viewer", Person: "E1042", Via: "app-saiene-viewer ← eigyo-all ← eigyo-tokyo", Reason: "moved"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		data, _ := os.ReadFile(f)
		if !strings.Contains(string(data), "app-saiene-viewer ← eigyo-all ← eigyo-tokyo") {
			t.Errorf("%s does not name the path:\n%s", filepath.Base(f), data)
		}
	}
	data, _ := os.ReadFile(files[0])
	if !strings.Contains(string(data), "via 経路") {
		t.Errorf("the CSV has no via column:\n%s", data)
	}
}
