package reviewdb

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

func twoStages() *Campaign {
	return &Campaign{ID: "M-2026-11", Template: "monthly", AsOf: "2026-11-24", Stages: []Stage{
		{N: 1, Name: "owner", Reviewers: ByOwnerUnit, Due: "2026-12-01"},
		{N: 2, Name: "manager", Reviewers: ByManager, Due: "2026-12-08"},
	}}
}

func items(n int) []Item {
	var out []Item
	for i := range n {
		out = append(out, Item{ItemID: fmt.Sprintf("takuso/u%04d/viewer", i), System: "takuso", Account: fmt.Sprintf("u%04d", i), Entitlement: "viewer",
			Person: fmt.Sprintf("E%04d", i), ReviewerUnit: "NW-CUSTOMER", Manager: "E9000"})
	}
	return out
}

func open(t *testing.T) *Store {
	t.Helper()
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), DefaultFile))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestTwoStagesSelfReviewDelegationAndDefaults(t *testing.T) {
	ctx := context.Background()
	s := open(t)
	its := items(5)
	its[4].Manager = "E0004" // their own manager: the manager stage is skipped for it
	if err := s.CreateCampaign(ctx, twoStages(), its); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateCampaign(ctx, twoStages(), nil); !errors.Is(err, ErrExists) {
		t.Fatalf("a second campaign with the same id: %v", err)
	}
	owner := Reviewer{EmployeeID: "E0001", Unit: "NW-CUSTOMER"}
	list, total, err := s.Worklist(ctx, "M-2026-11", owner, Filter{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if total != 4 || len(list) != 4 {
		t.Fatalf("the owner unit's reviewer sees %d (%d) items, want 4: their own right is not on their list", total, len(list))
	}
	res, err := s.Decide(ctx, "M-2026-11", owner, []string{"takuso/u0001/viewer"}, Keep, "")
	if err != nil || res.Decided != 0 || !errors.Is(res.Refused[0].Why, ErrSelfReview) {
		t.Fatalf("self-review: %+v %v", res, err)
	}
	res, err = s.Decide(ctx, "M-2026-11", owner, []string{"takuso/u0000/viewer", "takuso/u0002/viewer", "takuso/u0004/viewer"}, Keep, "still needed")
	if err != nil || res.Decided != 3 {
		t.Fatalf("keep: %+v %v", res, err)
	}
	res, _ = s.Decide(ctx, "M-2026-11", owner, []string{"takuso/u0000/viewer"}, Revoke, "")
	if res.Decided != 0 || !errors.Is(res.Refused[0].Why, ErrNotYours) {
		t.Fatalf("an item gone on to the manager's stage: %+v", res)
	}
	it, _ := s.Item(ctx, "M-2026-11", "takuso/u0000/viewer")
	if it.Stage != 2 || it.Assignee != "person:E9000" || it.Status != StatusOpen {
		t.Fatalf("kept at stage 1: %+v, want stage 2 with the manager", it)
	}
	it, _ = s.Item(ctx, "M-2026-11", "takuso/u0004/viewer")
	if it.Status != StatusKept {
		t.Fatalf("kept by the owner, its holder being their own manager: %+v, want kept", it)
	}
	// The manager delegates to a colleague, who revokes through a filter.
	manager := Reviewer{EmployeeID: "E9000", Unit: "NW-MGMT"}
	if err := s.Delegate(ctx, "M-2026-11", manager, "E9001"); err != nil {
		t.Fatal(err)
	}
	deputy := Reviewer{EmployeeID: "E9001", Unit: "NW-OTHER"}
	res, err = s.DecideFilter(ctx, "M-2026-11", deputy, Filter{Person: "E0002"}, Revoke, "moved")
	if err != nil || res.Decided != 1 {
		t.Fatalf("bulk by the deputy: %+v %v", res, err)
	}
	// Stage 1 ends with u0001 and u0003 open: default revoke.
	n, err := s.EndStages(ctx, "M-2026-11", "2026-12-02")
	if err != nil || n != 2 {
		t.Fatalf("ending stage 1: %d %v", n, err)
	}
	finals, err := s.Finals(ctx, "M-2026-11")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, f := range finals {
		got[f.ItemID] = f.Status + "/" + f.Source + "/" + f.Reviewer
	}
	want := map[string]string{
		"takuso/u0000/viewer": "open/web/E0001",
		"takuso/u0001/viewer": "revoked/default/(unit:NW-CUSTOMER)",
		"takuso/u0002/viewer": "revoked/web/E9001",
		"takuso/u0003/viewer": "revoked/default/(unit:NW-CUSTOMER)",
		"takuso/u0004/viewer": "kept/web/E0001",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %s, want %s", k, got[k], v)
		}
	}
	prog, err := s.Progress(ctx, "M-2026-11")
	if err != nil || len(prog) == 0 {
		t.Fatalf("progress: %v %v", prog, err)
	}
	if err := s.CloseCampaign(ctx, "M-2026-11"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Decide(ctx, "M-2026-11", manager, []string{"takuso/u0000/viewer"}, Keep, ""); !errors.Is(err, ErrClosed) {
		t.Fatalf("a decision after closing: %v", err)
	}
}

// TestFiftyReviewersAtOnce: 50 reviewers of one unit decide the same items
// at the same time, each trying 40 of them so that every item is tried by
// ten: each item is decided exactly once, and every other try is refused as
// already decided.
func TestFiftyReviewersAtOnce(t *testing.T) {
	ctx := context.Background()
	s := open(t)
	c := twoStages()
	c.Stages = c.Stages[:1]
	const n = 200
	if err := s.CreateCampaign(ctx, c, items(n)); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	decided := make([]int, 50)
	errs := make(chan error, 50)
	for r := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			who := Reviewer{EmployeeID: fmt.Sprintf("R%02d", r), Unit: "NW-CUSTOMER"}
			for i := range 40 {
				id := fmt.Sprintf("takuso/u%04d/viewer", (i+r*4)%n)
				res, err := s.Decide(ctx, c.ID, who, []string{id}, Keep, "")
				if err != nil {
					errs <- err
					return
				}
				decided[r] += res.Decided
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	sum := 0
	for _, d := range decided {
		sum += d
	}
	var rows int
	s.db.QueryRow("SELECT count(*) FROM decisions WHERE campaign_id = ?", c.ID).Scan(&rows)
	if sum != n || rows != n {
		t.Fatalf("%d decisions reported, %d recorded, want %d each", sum, rows, n)
	}
}

func TestSessionsExpire(t *testing.T) {
	ctx := context.Background()
	s := open(t)
	now := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	s.Now = func() time.Time { return now }
	if err := s.CreateSession(ctx, "h1", Session{EmployeeID: "E1", Issuer: "https://idp", Subject: "s1", Expires: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if x, ok, err := s.Session(ctx, "h1"); !ok || err != nil || x.EmployeeID != "E1" {
		t.Fatalf("live session: %+v %v %v", x, ok, err)
	}
	now = now.Add(2 * time.Hour)
	if _, ok, _ := s.Session(ctx, "h1"); ok {
		t.Fatal("an expired session still lets in")
	}
}

func TestReopenKeepsDataAndRefusesNewerSchema(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), DefaultFile)
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.CreateCampaign(ctx, twoStages(), items(3)); err != nil {
		t.Fatal(err)
	}
	s.db.Exec("PRAGMA user_version = 99")
	s.Close()
	if _, err := Open(ctx, path); err == nil {
		t.Fatal("a store of a newer schema was opened")
	}
}

// TestConfidentialSystemsAreHidden: a reviewer of another company than the
// one a system is confidential to neither sees nor decides its items, at
// any stage (a manager in the holding company of an NW system's holder).
func TestConfidentialSystemsAreHidden(t *testing.T) {
	ctx := context.Background()
	s := open(t)
	its := items(3)
	its[2].System, its[2].ItemID = "portal", "portal/u0002/user"
	c := twoStages()
	c.Stages = c.Stages[1:]
	c.Stages[0].N = 1
	if err := s.CreateCampaign(ctx, c, its); err != nil {
		t.Fatal(err)
	}
	hd := Reviewer{EmployeeID: "E9000", Unit: "HD-RETAIL", Hidden: []string{"takuso"}}
	list, total, err := s.Worklist(ctx, c.ID, hd, Filter{Limit: 10})
	if err != nil || total != 1 || len(list) != 1 || list[0].System != "portal" {
		t.Fatalf("the HD manager's worklist: %d %+v %v", total, list, err)
	}
	res, err := s.Decide(ctx, c.ID, hd, []string{"takuso/u0000/viewer", "portal/u0002/user"}, Revoke, "")
	if err != nil || res.Decided != 1 || len(res.Refused) != 1 || !errors.Is(res.Refused[0].Why, ErrConfidential) {
		t.Fatalf("decisions of the HD manager: %+v %v", res, err)
	}
	if res, _ := s.DecideFilter(ctx, c.ID, hd, Filter{}, Keep, ""); res.Decided != 0 {
		t.Fatalf("a bulk decision reached a hidden item: %+v", res)
	}
}

// TestTheOnlyReviewerOfAUnitDoesNotReviewThemselves: an item about the only
// person of its owner unit goes to the next stage at once; with no next
// stage, to the owner unit at the last stage (where the default rules it).
func TestTheOnlyReviewerOfAUnitDoesNotReviewThemselves(t *testing.T) {
	ctx := context.Background()
	s := open(t)
	c := twoStages()
	c.Sole = map[string]string{"NW-CUSTOMER": "E0001"}
	if err := s.CreateCampaign(ctx, c, items(3)); err != nil {
		t.Fatal(err)
	}
	if it, _ := s.Item(ctx, c.ID, "takuso/u0001/viewer"); it.Stage != 2 || it.Assignee != "person:E9000" {
		t.Errorf("the sole reviewer's own item: stage %d, %s; want the manager's stage", it.Stage, it.Assignee)
	}
	if it, _ := s.Item(ctx, c.ID, "takuso/u0000/viewer"); it.Stage != 1 {
		t.Errorf("another's item: stage %d", it.Stage)
	}
	got, err := s.Campaign(ctx, c.ID)
	if err != nil || got.Sole["NW-CUSTOMER"] != "E0001" {
		t.Errorf("the sole member is not kept: %+v %v", got, err)
	}
}
