package certify_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/accessrecon/accessrecon/graph"
	"github.com/accessrecon/accessrecon/reconcile"
	"github.com/accessrecon/accessrecon/reconcile/audit"
	"github.com/accessrecon/accessrecon/reconcile/certify"
	"github.com/accessrecon/accessrecon/reconcile/inputs"
	"github.com/accessrecon/accessrecon/reconcile/reconciletest"
	"github.com/accessrecon/accessrecon/reconcile/reviewdb"
	"github.com/accessrecon/accessrecon/reconcile/worksheet"
)

// desk opens the demo's quarterly campaign Q in a new store, on 2026-11-26.
func desk(t *testing.T) (certify.Desk, *inputs.Inputs, *reconcile.Policy, *[]audit.Event) {
	t.Helper()
	ctx := context.Background()
	in, pol := reconciletest.Demo(t)
	day := reconciletest.DemoDay(t)
	st, err := reviewdb.Open(ctx, filepath.Join(t.TempDir(), reviewdb.DefaultFile))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	c, _, err := certify.Open(ctx, in, pol, "Q", day, nil, certify.Scope{})
	if err != nil {
		t.Fatal(err)
	}
	tmpl, _ := certify.TemplateOf(reconciletest.DemoConfig(t), in.Graph.Snapshot(), "")
	stages, _ := tmpl.StagesFrom(reconciletest.DemoConfig(t), day, "")
	if _, err := certify.Register(ctx, st, in, c, tmpl, stages, nil, "E1003", ""); err != nil {
		t.Fatal(err)
	}
	var log []audit.Event
	d := certify.Desk{Store: st, Snap: in.Graph.Snapshot(), Now: time.Date(2026, 11, 26, 10, 0, 0, 0, graph.Tokyo),
		Record: func(_ context.Context, e audit.Event) error { log = append(log, e); return nil }}
	return d, in, pol, &log
}

// TestADecisionIsItsAuditEvent: a decision whose audit event cannot be
// written is not taken (the store is as it was); one that is taken is in
// the log with the verified identity.
func TestADecisionIsItsAuditEvent(t *testing.T) {
	ctx := context.Background()
	d, _, _, log := desk(t)
	who := certify.Identity{EmployeeID: "E1001", Issuer: "https://idp", Subject: "s1", Source: "web"}
	broken := d
	broken.Record = func(context.Context, audit.Event) error { return errors.New("disk full") }
	if _, err := certify.Decide(ctx, broken, "Q", who, certify.Selection{Items: []string{"takuso/u1004/viewer"}}, "revoke", ""); err == nil {
		t.Fatal("a decision was taken without its audit event")
	}
	if it, _ := d.Store.Item(ctx, "Q", "takuso/u1004/viewer"); it.Status != reviewdb.StatusOpen {
		t.Fatalf("the refused decision is in the store: %+v", it)
	}
	res, err := certify.Decide(ctx, d, "Q", who, certify.Selection{Items: []string{"takuso/u1004/viewer", "takuso/u1001/viewer"}}, "revoke", "異動済み")
	if err != nil || res.Decided != 1 || len(res.Refused) != 1 || !errors.Is(res.Refused[0].Why, reviewdb.ErrSelfReview) {
		t.Fatalf("decide: %+v %v", res, err)
	}
	if len(*log) != 1 || (*log)[0].Event != audit.ReviewDecision || (*log)[0].By != "E1001" || (*log)[0].Data["subject"] != "s1" || (*log)[0].Data["refused"] != 1 {
		t.Errorf("audit events %+v", *log)
	}
}

// TestOnlyActivePeopleDecide: an unknown id, a leaver, nobody and an HD
// person on an NW-confidential system are refused, through the browser's
// door and the worksheet's alike.
func TestOnlyActivePeopleDecide(t *testing.T) {
	ctx := context.Background()
	d, in, pol, _ := desk(t)
	for id, want := range map[string]string{"E9999": "not an active person", "E1030": "not an active person", "": "no reviewer named"} {
		_, err := certify.Decide(ctx, d, "Q", certify.Identity{EmployeeID: id}, certify.Selection{Items: []string{"takuso/u1004/viewer"}}, "keep", "")
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q in the browser: %v, want %q", id, err, want)
		}
	}
	res, err := certify.Decide(ctx, d, "Q", certify.Identity{EmployeeID: "E1020"}, certify.Selection{Items: []string{"takuso/u1004/viewer"}}, "keep", "")
	if err != nil || res.Decided != 0 || !errors.Is(res.Refused[0].Why, reviewdb.ErrConfidential) {
		t.Errorf("an HD person on takuso: %+v %v", res, err)
	}
	ws := []worksheet.Decision{
		{ItemID: "takuso/u1004/viewer", Decision: "keep", Reviewer: "E1030", Pos: "w.csv:2"},
		{ItemID: "takuso/u1005/viewer", Decision: "keep", Reviewer: "E1020", Pos: "w.csv:3"},
		{ItemID: "takuso/u1006/viewer", Decision: "keep", Reviewer: "", Pos: "w.csv:4"},
	}
	_, err = certify.Close(ctx, d, in, pol, "Q", certify.CloseOptions{AsOf: reconciletest.DemoDay(t), By: "E1003", Worksheets: ws})
	var ie *reviewdb.ImportError
	if !errors.As(err, &ie) || len(ie.Refused) != 3 {
		t.Fatalf("a worksheet by a leaver, an HD person and nobody: %v", err)
	}
	for i, want := range []string{"not an active person", "confidential to another company", "no reviewer named"} {
		if !strings.Contains(ie.Refused[i].Why.Error(), want) || ie.Refused[i].Pos != ws[i].Pos {
			t.Errorf("row %s: %v, want %q", ie.Refused[i].Pos, ie.Refused[i].Why, want)
		}
	}
	if c, _ := d.Store.Campaign(ctx, "Q"); c.ClosedAt != "" {
		t.Error("a refused close closed the campaign")
	}
}

// TestABulkDecisionKeepsTheAuditChain: the audit event of a decision over a
// filter reads back as it was written (a struct in its data would be
// re-encoded with other keys, and the log would no longer verify).
func TestABulkDecisionKeepsTheAuditChain(t *testing.T) {
	ctx := context.Background()
	d, _, _, _ := desk(t)
	log := filepath.Join(t.TempDir(), "audit.jsonl")
	d.Record = func(_ context.Context, e audit.Event) error { return audit.Append(log, e, d.Now) }
	f := reviewdb.Filter{Person: "E1005"}
	if _, err := certify.Decide(ctx, d, "Q", certify.Identity{EmployeeID: "E1001"}, certify.Selection{Filter: &f}, "revoke", "異動済み"); err != nil {
		t.Fatal(err)
	}
	file, err := os.Open(log)
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	if _, err := audit.Each(file, log, func(audit.Event) {}); err != nil {
		t.Fatalf("the log after a bulk decision: %v", err)
	}
}
