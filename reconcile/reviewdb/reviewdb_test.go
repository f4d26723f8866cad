package reviewdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/accessrecon/accessrecon/connectors/sqldb/sqltest"
	"github.com/accessrecon/accessrecon/reconcile/risk"
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

// engine is one kind of store the same tests run against.
type engine struct {
	name  string
	fresh func(t *testing.T) string           // a new, empty store
	try   func(target string) (*Store, error) // open it
}

// at opens the store at target, closed when the test ends.
func (e engine) at(t *testing.T, target string) *Store {
	t.Helper()
	s, err := e.try(target)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func (e engine) open(t *testing.T) *Store { return e.at(t, e.fresh(t)) }

// storeTests run against SQLite and PostgreSQL alike.
var storeTests = map[string]func(*testing.T, engine){
	"TwoStagesSelfReviewDelegationAndDefaults":      testTwoStagesSelfReviewDelegationAndDefaults,
	"CloseTakesWorksheetsAsDecisions":               testCloseTakesWorksheetsAsDecisions,
	"NoDecisionSlipsPastAClose":                     testNoDecisionSlipsPastAClose,
	"ItemsOnlyTheirHolderCouldReviewAreRouted":      testItemsOnlyTheirHolderCouldReviewAreRouted,
	"FiftyReviewersAtOnce":                          testFiftyReviewersAtOnce,
	"SessionsExpire":                                testSessionsExpire,
	"ReopenKeepsDataAndRefusesNewerSchema":          testReopenKeepsDataAndRefusesNewerSchema,
	"ConfidentialSystemsAreHidden":                  testConfidentialSystemsAreHidden,
	"TheOnlyReviewerOfAUnitDoesNotReviewThemselves": testTheOnlyReviewerOfAUnitDoesNotReviewThemselves,
	"AStageOneWorksheetAfterTheBrowserMovedItOn":    testAStageOneWorksheetAfterTheBrowserMovedItOn,
	"ACampaignThatFailsHalfWayLeavesNothing":        testACampaignThatFailsHalfWayLeavesNothing,
	"PlanDecisionsInTheirOrder":                     testPlanDecisionsInTheirOrder,
	"AStageEndsOnceUnderTwoTimers":                  testAStageEndsOnceUnderTwoTimers,
	"TheRubberStampSignal":                          testTheRubberStampSignal,
	"ARightDecidedForEveryoneAtOnce":                testARightDecidedForEveryoneAtOnce,
}

func runStoreTests(t *testing.T, e engine) {
	for _, name := range slices.Sorted(maps.Keys(storeTests)) {
		t.Run(name, func(t *testing.T) { storeTests[name](t, e) })
	}
}

func TestStoreSQLite(t *testing.T) {
	runStoreTests(t, engine{name: "sqlite",
		fresh: func(t *testing.T) string { return filepath.Join(t.TempDir(), DefaultFile) },
		try:   func(path string) (*Store, error) { return Open(context.Background(), path) },
	})
}

// TestStorePostgres: the same tests on a PostgreSQL server the test starts,
// a new database each.
func TestStorePostgres(t *testing.T) {
	srv := sqltest.Postgres(t)
	n := 0
	runStoreTests(t, engine{name: "postgres",
		fresh: func(t *testing.T) string {
			n++
			db := fmt.Sprintf("store%d", n)
			srv.Exec(t, "CREATE DATABASE "+db)
			return strings.Replace(srv.DSN, "/test?", "/"+db+"?", 1)
		},
		try: func(dsn string) (*Store, error) { return OpenPostgres(context.Background(), dsn) },
	})
}

// testAStageEndsOnceUnderTwoTimers: two replicas' timers end the same
// stage at the same moment (a leader that has not yet noticed it lost the
// lead, and the new one): its open items are decided once, by one of them,
// and the other finds nothing to do.
func testAStageEndsOnceUnderTwoTimers(t *testing.T, e engine) {
	ctx := context.Background()
	target := e.fresh(t)
	a, b := e.at(t, target), e.at(t, target)
	c := twoStages()
	c.Stages = c.Stages[:1]
	if err := a.CreateCampaign(ctx, c, items(300)); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	ended := make([]int, 2)
	hooks := make([]int, 2)
	errs := make([]error, 2)
	for i, s := range []*Store{a, b} {
		wg.Go(func() {
			ended[i], errs[i] = s.EndStages(ctx, c.ID, "2026-12-02", func(context.Context, int) error { hooks[i]++; return nil })
		})
	}
	wg.Wait()
	if errs[0] != nil || errs[1] != nil {
		t.Fatal(errs)
	}
	if ended[0]+ended[1] != 300 || hooks[0]+hooks[1] != 1 {
		t.Fatalf("ended %v, hooks %v: want 300 items by one timer", ended, hooks)
	}
	var rows int
	a.db.QueryRowContext(ctx, "SELECT count(*) FROM decisions WHERE campaign_id = ?", c.ID).Scan(&rows)
	if rows != 300 {
		t.Fatalf("%d decisions recorded, want 300", rows)
	}
}

// testTheRubberStampSignal: a reviewer keeps three items, two of them
// scoring 50 or more, over a minute; another revokes one. The owners see
// two high-risk items kept and 20 seconds an item; the scores and their
// reasons come back as registered.
func testTheRubberStampSignal(t *testing.T, e engine) {
	ctx := context.Background()
	s := e.open(t)
	c := twoStages()
	c.Stages = c.Stages[:1]
	its := items(4)
	its[0].Score, its[0].Reasons = 90, []risk.Reason{{Factor: risk.OtherCompany, Weight: 40, Evidence: "NW/HD"}, {Factor: risk.PolicyFlag, Weight: 50, Evidence: "r"}}
	its[1].Score = 50
	its[2].Score = 49
	if err := s.CreateCampaign(ctx, c, its); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 12, 8, 9, 0, 0, 0, time.UTC)
	s.Now = func() time.Time { return at }
	r := Reviewer{EmployeeID: "E0009", Unit: "NW-CUSTOMER"}
	for i := range 3 {
		if _, err := s.Decide(ctx, c.ID, r, []string{its[i].ItemID}, Keep, "", nil); err != nil {
			t.Fatal(err)
		}
		at = at.Add(30 * time.Second)
	}
	if _, err := s.Decide(ctx, c.ID, Reviewer{EmployeeID: "E0008", Unit: "NW-CUSTOMER"}, []string{its[3].ItemID}, Revoke, "", nil); err != nil {
		t.Fatal(err)
	}
	prog, err := s.Progress(ctx, c.ID, 50)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range prog {
		if p.Who == "E0009" || p.Who == "E0008" {
			got = append(got, fmt.Sprintf("%s kept %d revoked %d high %d %.0fs", p.Who, p.Kept, p.Revoked, p.KeptHigh, p.SecondsEach))
		}
	}
	want := []string{"E0008 kept 0 revoked 1 high 0 0s", "E0009 kept 3 revoked 0 high 2 20s"}
	if !slices.Equal(got, want) {
		t.Errorf("progress %q, want %q", got, want)
	}
	it, err := s.Item(ctx, c.ID, its[0].ItemID)
	if err != nil || it.Score != 90 || !slices.Equal(it.RiskReasons(), its[0].Reasons) {
		t.Errorf("item back: %d %+v %v", it.Score, it.RiskReasons(), err)
	}
}

// testARightDecidedForEveryoneAtOnce: ten holders of viewer and four of
// editor (two of them the same person through two accounts) on one system;
// the reviewer sees two groups, revokes one editor as an exception, then
// keeps the rest of editor in one decision; viewer is untouched.
func testARightDecidedForEveryoneAtOnce(t *testing.T, e engine) {
	ctx := context.Background()
	s := e.open(t)
	c := twoStages()
	c.Stages = c.Stages[:1]
	its := items(14)
	for i := 10; i < 14; i++ {
		its[i].Entitlement = "editor"
		its[i].ItemID = fmt.Sprintf("takuso/u%04d/editor", i)
	}
	its[13].Person = its[12].Person
	if err := s.CreateCampaign(ctx, c, its); err != nil {
		t.Fatal(err)
	}
	r := Reviewer{EmployeeID: "E9999", Unit: "NW-CUSTOMER"}
	gs, err := s.Groups(ctx, c.ID, r, Filter{})
	if err != nil {
		t.Fatal(err)
	}
	want := []Group{{System: "takuso", Right: "viewer", Items: 10, People: 10}, {System: "takuso", Right: "editor", Items: 4, People: 3}}
	if !slices.Equal(gs, want) {
		t.Fatalf("groups %+v, want %+v", gs, want)
	}
	if _, err := s.Decide(ctx, c.ID, r, []string{"takuso/u0010/editor"}, Revoke, "例外", nil); err != nil {
		t.Fatal(err)
	}
	res, err := s.DecideFilter(ctx, c.ID, r, Filter{System: "takuso", Right: "editor"}, Keep, "部署の標準", nil)
	if err != nil || res.Decided != 3 {
		t.Fatalf("the group decided: %+v %v", res, err)
	}
	finals, _ := s.Finals(ctx, c.ID)
	kept, revoked, open := 0, 0, 0
	for _, f := range finals {
		switch f.Status {
		case StatusKept:
			kept++
		case StatusRevoked:
			revoked++
		default:
			open++
		}
	}
	if kept != 3 || revoked != 1 || open != 10 {
		t.Errorf("kept %d revoked %d open %d, want 3 1 10", kept, revoked, open)
	}
}

// testPlanDecisionsInTheirOrder: decisions on a plan taken in the same
// second come back in the order they were taken.
func testPlanDecisionsInTheirOrder(t *testing.T, e engine) {
	ctx := context.Background()
	s := e.open(t)
	at := time.Date(2026, 12, 8, 9, 0, 0, 0, time.UTC)
	s.Now = func() time.Time { return at }
	for _, by := range []string{"E3", "E1", "E2"} {
		if err := s.RecordPlanDecision(ctx, PlanDecision{PlanDigest: "sha256:x", PlanFile: "p.json", Decision: "approve", By: by, Issuer: "i", Subject: by}); err != nil {
			t.Fatal(err)
		}
	}
	ds, err := s.PlanDecisions(ctx, "sha256:x")
	if err != nil || len(ds) != 3 || ds[0].By != "E3" || ds[1].By != "E1" || ds[2].By != "E2" {
		t.Fatalf("plan decisions: %+v %v", ds, err)
	}
}

func testTwoStagesSelfReviewDelegationAndDefaults(t *testing.T, e engine) {
	ctx := context.Background()
	s := e.open(t)
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
	res, err := s.Decide(ctx, "M-2026-11", owner, []string{"takuso/u0001/viewer"}, Keep, "", nil)
	if err != nil || res.Decided != 0 || !errors.Is(res.Refused[0].Why, ErrSelfReview) {
		t.Fatalf("self-review: %+v %v", res, err)
	}
	res, err = s.Decide(ctx, "M-2026-11", owner, []string{"takuso/u0000/viewer", "takuso/u0002/viewer", "takuso/u0004/viewer"}, Keep, "still needed", nil)
	if err != nil || res.Decided != 3 {
		t.Fatalf("keep: %+v %v", res, err)
	}
	res, _ = s.Decide(ctx, "M-2026-11", owner, []string{"takuso/u0000/viewer"}, Revoke, "", nil)
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
	if err := s.Delegate(ctx, "M-2026-11", manager, "E9001", nil); err != nil {
		t.Fatal(err)
	}
	deputy := Reviewer{EmployeeID: "E9001", Unit: "NW-OTHER"}
	res, err = s.DecideFilter(ctx, "M-2026-11", deputy, Filter{Person: "E0002"}, Revoke, "moved", nil)
	if err != nil || res.Decided != 1 {
		t.Fatalf("bulk by the deputy: %+v %v", res, err)
	}
	// Stage 1 ends with u0001 and u0003 open: default revoke.
	n, err := s.EndStages(ctx, "M-2026-11", "2026-12-02", nil)
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
	prog, err := s.Progress(ctx, "M-2026-11", 50)
	if err != nil || len(prog) == 0 {
		t.Fatalf("progress: %v %v", prog, err)
	}
	// u0000 waits for its manager until 2026-12-08: a close on the 3rd is
	// refused, unless forced with a reason.
	if _, err := s.CloseCampaign(ctx, "M-2026-11", CloseOptions{By: "E0001", Today: "2026-12-03"}); !errors.Is(err, ErrStagesOpen) || !strings.Contains(err.Error(), "1 items open at stage 2 (manager, due 2026-12-08)") {
		t.Fatalf("closing while the manager stage runs: %v", err)
	}
	cl, err := s.CloseCampaign(ctx, "M-2026-11", CloseOptions{By: "E0001", Today: "2026-12-03", Force: "audit on the 4th"})
	if err != nil || cl.Open != 1 || cl.Campaign.CloseForced != "audit on the 4th" || cl.Campaign.CloseUnreviewed != Revoke || len(cl.Items) != 5 {
		t.Fatalf("a forced close: %+v %v", cl, err)
	}
	if _, err := s.CloseCampaign(ctx, "M-2026-11", CloseOptions{By: "E0002", Today: "2026-12-20"}); !errors.Is(err, ErrAlreadyClosed) || !strings.Contains(err.Error(), "closed by E0001") {
		t.Fatalf("a second close: %v", err)
	}
	if _, err := s.Decide(ctx, "M-2026-11", manager, []string{"takuso/u0000/viewer"}, Keep, "", nil); !errors.Is(err, ErrClosed) {
		t.Fatalf("a decision after closing: %v", err)
	}
	c, _ := s.Campaign(ctx, "M-2026-11")
	if c.ClosedBy != "E0001" || c.CloseForced != "audit on the 4th" {
		t.Errorf("the close is not recorded: %+v", c)
	}
}

// TestCloseTakesWorksheetsAsDecisions: a worksheet's rows are decisions of
// the reviewer they name, checked as in the browser: one row about the
// reviewer's own right, or an item not theirs at its stage, refuses the
// whole close and imports nothing; an item already decided in the browser
// keeps the browser's decision and is reported.
func testCloseTakesWorksheetsAsDecisions(t *testing.T, e engine) {
	ctx := context.Background()
	s := e.open(t)
	c := twoStages()
	c.Stages = c.Stages[:1]
	c.Stages[0].Due = ""
	if err := s.CreateCampaign(ctx, c, items(4)); err != nil {
		t.Fatal(err)
	}
	owner := Reviewer{EmployeeID: "E0001", Unit: "NW-CUSTOMER"}
	if _, err := s.Decide(ctx, c.ID, owner, []string{"takuso/u0002/viewer"}, Revoke, "", nil); err != nil {
		t.Fatal(err)
	}
	other := Reviewer{EmployeeID: "E7777", Unit: "HD-IT"}
	bad := []Import{
		{Reviewer: owner, ItemID: "takuso/u0000/viewer", Decision: Keep, Pos: "w.csv:2"},
		{Reviewer: owner, ItemID: "takuso/u0001/viewer", Decision: Keep, Pos: "w.csv:3"},
		{Reviewer: other, ItemID: "takuso/u0003/viewer", Decision: Keep, Pos: "w.csv:4"},
	}
	_, err := s.CloseCampaign(ctx, c.ID, CloseOptions{By: "E0001", Today: "2026-12-20", Imports: bad})
	var ie *ImportError
	if !errors.As(err, &ie) || len(ie.Refused) != 2 || !errors.Is(ie.Refused[0].Why, ErrSelfReview) || !errors.Is(ie.Refused[1].Why, ErrNotYours) {
		t.Fatalf("self-review and a stranger through a worksheet: %v", err)
	}
	if !strings.Contains(err.Error(), "w.csv:3: takuso/u0001/viewer, decided keep by E0001: it is your own right") {
		t.Errorf("the refusal does not name the row: %v", err)
	}
	if it, _ := s.Item(ctx, c.ID, "takuso/u0000/viewer"); it.Status != StatusOpen {
		t.Fatalf("a refused close imported a row: %+v", it)
	}
	good := []Import{
		{Reviewer: owner, ItemID: "takuso/u0000/viewer", Decision: Keep, Pos: "w.csv:2"},
		{Reviewer: owner, ItemID: "takuso/u0002/viewer", Decision: Keep, Pos: "w.csv:4"},
	}
	cl, err := s.CloseCampaign(ctx, c.ID, CloseOptions{By: "E0001", Today: "2026-12-20", Imports: good})
	if err != nil || cl.Imported != 1 || len(cl.Superseded) != 1 || cl.Superseded[0].ItemID != "takuso/u0002/viewer" {
		t.Fatalf("close with a worksheet: %+v %v", cl, err)
	}
	got := map[string]string{}
	for i, f := range cl.Finals {
		got[cl.Items[i].ItemID] = f.Status + "/" + f.Source
	}
	if got["takuso/u0000/viewer"] != "kept/worksheet" || got["takuso/u0002/viewer"] != "revoked/web" || got["takuso/u0001/viewer"] != "open/" {
		t.Errorf("finals %v", got)
	}
}

// TestNoDecisionSlipsPastAClose: a decision posted while a close is under
// way (between reading the decisions and marking the campaign closed) waits
// for the close and is refused: it is never stored and missing from the
// plan. Two closes at once: one closes, the other is refused naming it.
func testNoDecisionSlipsPastAClose(t *testing.T, e engine) {
	ctx := context.Background()
	target := e.fresh(t)
	s := e.at(t, target)
	other := e.at(t, target) // another process's connection
	c := twoStages()
	c.Stages = c.Stages[:1]
	if err := s.CreateCampaign(ctx, c, items(3)); err != nil {
		t.Fatal(err)
	}
	owner := Reviewer{EmployeeID: "E0001", Unit: "NW-CUSTOMER"}
	late := make(chan error, 1)
	cl, err := s.CloseCampaign(ctx, c.ID, CloseOptions{By: "E0009", Today: "2026-12-20", Publish: func(_ context.Context, cl *Closing) (string, error) {
		go func() {
			_, err := other.Decide(ctx, c.ID, owner, []string{"takuso/u0000/viewer"}, Revoke, "late", nil)
			late <- err
		}()
		time.Sleep(50 * time.Millisecond) // the decision is waiting for the lock
		return "sha256:plan", nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	if err := <-late; !errors.Is(err, ErrClosed) {
		t.Fatalf("a decision posted during the close: %v, want refused as closed", err)
	}
	finals, _ := s.Finals(ctx, c.ID)
	for _, f := range finals {
		if f.Source != "default" {
			t.Errorf("%s decided after the close read the decisions: %+v", f.ItemID, f)
		}
	}
	if cl.Campaign.ClosePlan != "sha256:plan" {
		t.Errorf("plan %q", cl.Campaign.ClosePlan)
	}

	c2 := twoStages()
	c2.ID, c2.Stages = "Q2", c2.Stages[:1]
	if err := s.CreateCampaign(ctx, c2, items(3)); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, st := range []*Store{s, other} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = st.CloseCampaign(ctx, "Q2", CloseOptions{By: fmt.Sprint("closer", i), Today: "2026-12-20",
				Publish: func(context.Context, *Closing) (string, error) { return fmt.Sprint("plan", i), nil }})
		}()
	}
	wg.Wait()
	ok, refused := 0, 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case errors.Is(err, ErrAlreadyClosed):
			refused++
		default:
			t.Errorf("close: %v", err)
		}
	}
	if ok != 1 || refused != 1 {
		t.Fatalf("two closes at once: %d closed, %d refused (%v)", ok, refused, errs)
	}
}

// TestItemsOnlyTheirHolderCouldReviewAreRouted: the only person of a
// reviewer unit holds a right on its system: the item goes to the
// template's escalation, else the holder's manager, else it is listed as
// one nobody can decide.
func testItemsOnlyTheirHolderCouldReviewAreRouted(t *testing.T, e engine) {
	ctx := context.Background()
	s := e.open(t)
	mk := func(id, escalation string, manager string) *Campaign {
		c := &Campaign{ID: id, AsOf: "2026-11-24", Escalation: escalation, Sole: map[string]string{"NW-CUSTOMER": "E0000"},
			Stages: []Stage{{N: 1, Name: "owner", Reviewers: ByOwnerUnit}}}
		its := items(2)
		its[0].Manager = manager
		if err := s.CreateCampaign(ctx, c, its); err != nil {
			t.Fatal(err)
		}
		return c
	}
	c := mk("esc", "unit:NW-AUDIT", "E9000")
	if it, _ := s.Item(ctx, "esc", "takuso/u0000/viewer"); it.Assignee != "unit:NW-AUDIT" || len(c.Escalated) != 1 {
		t.Errorf("with an escalation: %+v %v", it, c.Escalated)
	}
	c = mk("mgr", "", "E9000")
	if it, _ := s.Item(ctx, "mgr", "takuso/u0000/viewer"); it.Assignee != "person:E9000" || len(c.Escalated) != 1 {
		t.Errorf("to the manager: %+v %v", it, c.Escalated)
	}
	c = mk("none", "", "")
	if len(c.Unreviewable) != 1 || c.Unreviewable[0] != "takuso/u0000/viewer" {
		t.Errorf("nobody to decide it: %v", c.Unreviewable)
	}
}

// TestFiftyReviewersAtOnce: 50 reviewers of one unit decide the same items
// at the same time, each trying 40 of them so that every item is tried by
// ten: each item is decided exactly once, and every other try is refused as
// already decided.
func testFiftyReviewersAtOnce(t *testing.T, e engine) {
	ctx := context.Background()
	s := e.open(t)
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
				res, err := s.Decide(ctx, c.ID, who, []string{id}, Keep, "", nil)
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
	s.db.QueryRowContext(ctx, "SELECT count(*) FROM decisions WHERE campaign_id = ?", c.ID).Scan(&rows)
	if sum != n || rows != n {
		t.Fatalf("%d decisions reported, %d recorded, want %d each", sum, rows, n)
	}
}

func testSessionsExpire(t *testing.T, e engine) {
	ctx := context.Background()
	s := e.open(t)
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

func testReopenKeepsDataAndRefusesNewerSchema(t *testing.T, e engine) {
	ctx := context.Background()
	target := e.fresh(t)
	s := e.at(t, target)
	if err := s.CreateCampaign(ctx, twoStages(), items(3)); err != nil {
		t.Fatal(err)
	}
	s.Close()
	again := e.at(t, target)
	if c, err := again.Campaign(ctx, "M-2026-11"); err != nil || len(c.Stages) != 2 {
		t.Fatalf("reopened: %+v %v", c, err)
	}
	bump := map[string]string{"sqlite": "PRAGMA user_version = 99", "postgres": "UPDATE schema_versions SET version = 99 WHERE component = 'review'"}[e.name]
	if _, err := again.db.ExecContext(ctx, bump); err != nil {
		t.Fatal(err)
	}
	again.Close()
	if _, err := e.try(target); err == nil || !strings.Contains(err.Error(), "newer than this accessrecon knows") {
		t.Fatalf("a store of a newer schema: %v", err)
	}
}

// TestConfidentialSystemsAreHidden: a reviewer of another company than the
// one a system is confidential to neither sees nor decides its items, at
// any stage (a manager in the holding company of an NW system's holder).
func testConfidentialSystemsAreHidden(t *testing.T, e engine) {
	ctx := context.Background()
	s := e.open(t)
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
	res, err := s.Decide(ctx, c.ID, hd, []string{"takuso/u0000/viewer", "portal/u0002/user"}, Revoke, "", nil)
	if err != nil || res.Decided != 1 || len(res.Refused) != 1 || !errors.Is(res.Refused[0].Why, ErrConfidential) {
		t.Fatalf("decisions of the HD manager: %+v %v", res, err)
	}
	if res, _ := s.DecideFilter(ctx, c.ID, hd, Filter{}, Keep, "", nil); res.Decided != 0 {
		t.Fatalf("a bulk decision reached a hidden item: %+v", res)
	}
}

// TestTheOnlyReviewerOfAUnitDoesNotReviewThemselves: an item about the only
// person of its owner unit goes to the next stage at once; with no next
// stage, to the owner unit at the last stage (where the default rules it).
func testTheOnlyReviewerOfAUnitDoesNotReviewThemselves(t *testing.T, e engine) {
	ctx := context.Background()
	s := e.open(t)
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

// TestAStoreOfTheLastVersionIsMigrated: a store written before holders and
// systems were kept once a campaign opens with its items' names, units and
// systems as they were.
func TestAStoreOfTheLastVersionIsMigrated(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), DefaultFile)
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range migrations[:2] {
		if _, err := db.Exec(m); err != nil {
			t.Fatal(err)
		}
	}
	for _, q := range []string{
		`PRAGMA user_version = 2`,
		`INSERT INTO campaigns (id, as_of, created_at) VALUES ('Q', '2026-11-24', '2026-11-24T09:00:00+09:00')`,
		`INSERT INTO stages (campaign_id, n, name, reviewers) VALUES ('Q', 1, 'owner', 'owner_unit')`,
		`INSERT INTO items (campaign_id, item_id, system, system_name, account, entitlement, person, person_name, unit, company, reviewer_unit, manager, peers_with, peers_total, stage, assignee)
			VALUES ('Q', 'takuso/u1/viewer', 'takuso', '託送システム', 'u1', 'viewer', 'E1', '佐藤 翔太', 'NW-CUSTOMER', 'NW', 'NW-CUSTOMER', 'E9', 3, 41, 1, 'unit:NW-CUSTOMER'),
			       ('Q', 'takuso/x/viewer', 'takuso', '託送システム', 'x', 'viewer', '', '', '', '', 'NW-CUSTOMER', '', 0, 0, 1, 'unit:NW-CUSTOMER')`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(q, err)
		}
	}
	db.Close()
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	it, err := s.Item(ctx, "Q", "takuso/u1/viewer")
	if err != nil || it.PersonName != "佐藤 翔太" || it.SystemName != "託送システム" || it.Unit != "NW-CUSTOMER" || it.Manager != "E9" || it.PeersTotal != 41 || it.PeersWith != 3 {
		t.Fatalf("migrated item %+v %v", it, err)
	}
	list, total, err := s.Worklist(ctx, "Q", Reviewer{EmployeeID: "E5", Unit: "NW-CUSTOMER"}, Filter{Person: "佐藤"})
	if err != nil || total != 1 || len(list) != 1 {
		t.Fatalf("a name filter after the migration: %d %v %v", total, list, err)
	}
}

// TestAStageOneWorksheetAfterTheBrowserMovedItOn: an item kept in the
// browser at stage 1 has gone on to the manager; the owner unit's worksheet
// for stage 1 still lists it: that row is late (reported), not a refusal of
// the whole file, and the manager's stage is untouched.
func testAStageOneWorksheetAfterTheBrowserMovedItOn(t *testing.T, e engine) {
	ctx := context.Background()
	s := e.open(t)
	c := twoStages()
	c.Stages[0].Due, c.Stages[1].Due = "", ""
	if err := s.CreateCampaign(ctx, c, items(3)); err != nil {
		t.Fatal(err)
	}
	owner := Reviewer{EmployeeID: "E0001", Unit: "NW-CUSTOMER"}
	if _, err := s.Decide(ctx, c.ID, owner, []string{"takuso/u0000/viewer"}, Keep, "", nil); err != nil {
		t.Fatal(err)
	}
	other := Reviewer{EmployeeID: "E0002", Unit: "NW-CUSTOMER"}
	n, superseded, err := s.ImportDecisions(ctx, c.ID, "2026-11-25", []Import{
		{Reviewer: other, ItemID: "takuso/u0000/viewer", Decision: Revoke, Pos: "w.csv:2"},
		{Reviewer: other, ItemID: "takuso/u0001/viewer", Decision: Keep, Pos: "w.csv:3"},
	}, nil, nil)
	if err != nil || n != 1 || len(superseded) != 1 || superseded[0].ItemID != "takuso/u0000/viewer" {
		t.Fatalf("a stage 1 worksheet after the browser: %d %+v %v", n, superseded, err)
	}
	if it, _ := s.Item(ctx, c.ID, "takuso/u0000/viewer"); it.Stage != 2 || it.Status != StatusOpen {
		t.Errorf("the late row changed the item at the manager's stage: %+v", it)
	}
	// A stranger's row is still refused.
	_, _, err = s.ImportDecisions(ctx, c.ID, "2026-11-25", []Import{{Reviewer: Reviewer{EmployeeID: "E7", Unit: "HD-IT"}, ItemID: "takuso/u0002/viewer", Decision: Keep, Pos: "w.csv:4"}}, nil, nil)
	var ie *ImportError
	if !errors.As(err, &ie) || !errors.Is(ie.Refused[0].Why, ErrNotYours) {
		t.Errorf("a reviewer of another unit: %v", err)
	}
}

// A campaign whose writing fails half-way leaves nothing behind: no
// campaign, and no connection of the pool kept with the large page cache
// the writing took.
func testACampaignThatFailsHalfWayLeavesNothing(t *testing.T, e engine) {
	s := e.open(t)
	s.db.SetMaxOpenConns(1) // the one connection the writing used is the one asked afterwards
	ctx, cancel := context.WithCancel(context.Background())
	its := items(300)
	seq := func(yield func(Item) bool) {
		for i, it := range its {
			if i == 200 {
				cancel() // the run is stopped while items are written
			}
			if !yield(it) {
				return
			}
		}
	}
	if err := s.CreateCampaignFrom(ctx, twoStages(), seq); err == nil {
		t.Fatal("a campaign written under a cancelled context: no error")
	}
	if _, err := s.Campaign(context.Background(), "M-2026-11"); err == nil {
		t.Fatal("the half-written campaign is there")
	}
	if e.name != "sqlite" {
		return
	}
	var cache int
	if err := s.db.QueryRowContext(context.Background(), "PRAGMA cache_size").Scan(&cache); err != nil {
		t.Fatal(err)
	}
	if cache != -2000 {
		t.Fatalf("the pool's connection kept cache_size %d after a failed campaign, want -2000", cache)
	}
}

func TestPostgresSQL(t *testing.T) {
	got := postgres("SELECT ? FROM items INDEXED BY items_work WHERE a = '?' AND b LIKE ? ESCAPE '\\' AND c = ?")
	want := "SELECT $1 FROM items WHERE a = '?' AND b LIKE $2 ESCAPE '\\' AND c = $3"
	if got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
}
