package graph

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// must stops the test at a writer error.
func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestAssignmentAsOfAppliesTransfersInDateOrder(t *testing.T) {
	g := New()
	w := g.Writer()
	must(t, w.AddCompany(&Company{ID: "NW"}))
	must(t, w.AddCompany(&Company{ID: "HD"}))
	for _, u := range []*Unit{{ID: "A", Company: "NW"}, {ID: "B", Company: "HD"}, {ID: "C", Company: "HD"}} {
		must(t, w.AddUnit(u))
	}
	must(t, w.AddPerson(&Person{EmployeeID: "E1", Company: "NW", Unit: "A"}))
	d := func(s string) Date { x, err := ParseDate(s); must(t, err); return x }
	// Inserted out of order on purpose.
	must(t, w.AddTransfer(&Transfer{EventID: "T2", EmployeeID: "E1", FromUnit: "B", ToUnit: "C", Effective: d("2026-10-01")}))
	must(t, w.AddTransfer(&Transfer{EventID: "T1", EmployeeID: "E1", FromUnit: "A", ToUnit: "B", Effective: d("2026-07-01")}))
	w.Commit()
	s := g.Snapshot()
	p := s.Person("E1")
	for _, tt := range []struct{ day, unit, company string }{
		{"2026-06-30", "A", "NW"},
		{"2026-07-01", "B", "HD"},
		{"2026-09-30", "B", "HD"},
		{"2026-10-01", "C", "HD"},
	} {
		if got := s.AssignmentAsOf(p, d(tt.day)); got.Unit != tt.unit || got.Company != tt.company {
			t.Errorf("as of %s: %+v, want %s/%s", tt.day, got, tt.unit, tt.company)
		}
	}
}

func TestWriterRejectsDuplicatesAndDanglingReferences(t *testing.T) {
	g := New()
	w := g.Writer()
	if err := w.AddUnit(&Unit{ID: "A", Company: "NW"}); err == nil {
		t.Error("a unit of an unknown company was accepted")
	}
	_ = w.AddCompany(&Company{ID: "NW"})
	if err := w.AddCompany(&Company{ID: "NW"}); err == nil {
		t.Error("a duplicate company was accepted")
	}
	_ = w.AddUnit(&Unit{ID: "A", Company: "NW"})
	_ = w.AddSystem(&System{ID: "s", Entitlements: []Entitlement{{ID: "e"}}})
	if err := w.AddGrant(&Grant{System: "s", Account: "nobody", Entitlement: "e"}); err == nil {
		t.Error("a grant on a missing account was accepted")
	}
	_ = w.AddAccount(&Account{System: "s", ID: "a1", Status: "active"})
	if err := w.AddGrant(&Grant{System: "s", Account: "a1", Entitlement: "nope"}); err == nil {
		t.Error("a grant of an unknown entitlement was accepted")
	}
	w.Commit()
	s := g.Snapshot()
	if got := s.OwnerlessAccounts(); len(got) != 1 || got[0].ID != "a1" {
		t.Errorf("ownerless accounts: %v", got)
	}
}

func TestDates(t *testing.T) {
	d, err := ParseDate("2028-02-28")
	if err != nil {
		t.Fatal(err)
	}
	if d.AddDays(1).String() != "2028-02-29" || d.AddDays(2).String() != "2028-03-01" {
		t.Errorf("leap day arithmetic: %s %s", d.AddDays(1), d.AddDays(2))
	}
	if _, err := ParseDate("2027-02-29"); err == nil {
		t.Error("2027-02-29 accepted")
	}
	if d.Start().Format("2006-01-02T15:04:05Z07:00") != "2028-02-28T00:00:00+09:00" {
		t.Errorf("start of day: %s", d.Start())
	}
}

func TestGrantsLiveInTheirAccountAndLaterWritersCopyIt(t *testing.T) {
	g := New()
	w := g.Writer()
	must(t, w.AddSystem(&System{ID: "s", Entitlements: []Entitlement{{ID: "read"}, {ID: "write"}, {ID: "admin"}}}))
	// "s/x" shares the prefix "s/" of system s's account keys.
	must(t, w.AddSystem(&System{ID: "s/x", Entitlements: []Entitlement{{ID: "read"}}}))
	must(t, w.AddAccount(&Account{System: "s", ID: "a1", Owner: "E1", Status: "active"}))
	must(t, w.AddAccount(&Account{System: "s/x", ID: "a2", Owner: "E1", Status: "active"}))
	must(t, w.AddGrant(&Grant{System: "s", Account: "a1", Entitlement: "write"}))
	must(t, w.AddGrant(&Grant{System: "s", Account: "a1", Entitlement: "read"}))
	if err := w.AddGrant(&Grant{System: "s", Account: "a1", Entitlement: "read"}); err == nil {
		t.Error("a duplicate grant was accepted")
	}
	w.Commit()
	before := g.Snapshot()

	w = g.Writer()
	must(t, w.AddAccount(&Account{System: "s", ID: "a0", Owner: "E1", Status: "active"}))
	must(t, w.AddGrant(&Grant{System: "s", Account: "a1", Entitlement: "admin"}))
	if !w.HasGrant("s", "a1", "admin") || w.HasGrant("s", "a1", "nope") {
		t.Error("HasGrant does not see what the writer wrote")
	}
	w.Commit()
	after := g.Snapshot()

	ents := func(s *Snapshot) (out []string) {
		for _, gr := range s.GrantsOf(AccountKey("s", "a1")) {
			out = append(out, gr.Entitlement)
		}
		return out
	}
	if got := ents(before); !slices.Equal(got, []string{"read", "write"}) {
		t.Errorf("grants before the second writer: %v (an older snapshot must not change)", got)
	}
	if got := ents(after); !slices.Equal(got, []string{"admin", "read", "write"}) {
		t.Errorf("grants after: %v", got)
	}
	if n := after.GrantCount(); n != 3 {
		t.Errorf("grant count %d, want 3", n)
	}
	if got := after.AccountsOf("s"); len(got) != 2 || got[0].ID != "a0" || got[1].ID != "a1" {
		t.Errorf("accounts of s: %v (s/x's account must not be listed)", got)
	}
	keys := func(as []*Account) (out []string) {
		for _, a := range as {
			out = append(out, a.Key)
		}
		return out
	}
	if got := keys(after.AccountsOwnedBy("E1")); !slices.Equal(got, []string{"s/a0", "s/a1", "s/x/a2"}) {
		t.Errorf("accounts owned by E1: %v", got)
	}
	if got := after.AccountsOwnedBy("E1")[1]; got != after.Account("s/a1") || len(got.Grants) != 3 {
		t.Errorf("E1's holding has an old copy of s/a1: %+v", got)
	}
	if got := keys(before.AccountsOwnedBy("E1")); !slices.Equal(got, []string{"s/a1", "s/x/a2"}) {
		t.Errorf("accounts owned by E1 before the second writer: %v", got)
	}
	if a := after.Account("s/x/a2"); a == nil || a.System != "s/x" || after.Account("s/x/nope") != nil {
		t.Errorf("account s/x/a2 by key: %+v", a)
	}
	if n, m := after.AccountCount(), before.AccountCount(); n != 3 || m != 2 || len(before.AccountsOf("s")) != 1 {
		t.Errorf("%d accounts after, %d before (want 3 and 2; an older snapshot must not change)", n, m)
	}
	if got := after.OwnerlessAccounts(); len(got) != 0 {
		t.Errorf("ownerless accounts: %v", got)
	}
}

func TestDateStringIsPaddedISO(t *testing.T) {
	for _, s := range []string{"2026-11-24", "0999-01-05", "2028-02-29", "9999-12-31"} {
		d, err := ParseDate(s)
		if err != nil {
			t.Fatal(err)
		}
		if got := d.String(); got != s {
			t.Errorf("%s: String() = %q", s, got)
		}
	}
	if got := Date(0).String(); got != "" {
		t.Errorf("zero date: %q", got)
	}
}

// ParseDate's digit reader must accept exactly what time.Parse accepts, and
// give the same day.
func TestParseDateAgreesWithTimeParse(t *testing.T) {
	viaTime := func(s string) (Date, bool) {
		tm, err := time.ParseInLocation(time.DateOnly, s, Tokyo)
		return DateOf(tm), err == nil
	}
	var cases []string
	for _, y := range []int{0, 1, 1900, 1999, 2000, 2024, 2026, 2100, 9999} {
		for m := 0; m <= 13; m++ {
			for d := 0; d <= 32; d++ {
				cases = append(cases, fmt.Sprintf("%04d-%02d-%02d", y, m, d))
			}
		}
	}
	cases = append(cases, "2026-1-05", "2026-01-5", "2026/01/05", "2026-01-05 ", "+026-01-05", "2026-0a-05", "2026-01-05T00:00:00Z", "20260105", "2026--1-05")
	for _, s := range cases {
		want, wantOK := viaTime(s)
		got, err := ParseDate(s)
		if (err == nil) != wantOK || (wantOK && got != want) {
			t.Errorf("ParseDate(%q) = %v, %v; time.Parse gives %v, ok %v", s, got, err, want, wantOK)
		}
	}
}

func BenchmarkParseDate(b *testing.B) {
	for b.Loop() {
		if _, err := ParseDate("2026-11-24"); err != nil {
			b.Fatal(err)
		}
	}
}

// OrphanOwners are the owner ids no person has, in order, ownerless
// accounts left out.
func TestOrphanOwners(t *testing.T) {
	g := New()
	w := g.Writer()
	must(t, w.AddCompany(&Company{ID: "C"}))
	must(t, w.AddUnit(&Unit{ID: "U", Company: "C"}))
	must(t, w.AddSystem(&System{ID: "s"}))
	for _, id := range []string{"E1", "E3", "E30"} {
		must(t, w.AddPerson(&Person{EmployeeID: id, Unit: "U"}))
	}
	for i, owner := range []string{"E3", "E10", "", "E1", "E0", "E30", "E2", "E10", "E4"} {
		must(t, w.AddAccount(&Account{System: "s", ID: fmt.Sprint("a", i), Owner: owner, Status: "active"}))
	}
	w.Commit()
	got := g.Snapshot().OrphanOwners()
	if want := []string{"E0", "E10", "E2", "E4"}; !slices.Equal(got, want) {
		t.Errorf("OrphanOwners() = %v, want %v", got, want)
	}
}

// TestTheSameRightFromTwoSourcesIsOneGrant: a right a file export and a
// directory group both report is one grant that both sources hold, with
// the stricter origin; the same right twice from one source is an error.
func TestTheSameRightFromTwoSourcesIsOneGrant(t *testing.T) {
	g := New()
	w := g.Writer()
	if err := w.AddCompany(&Company{ID: "NW"}); err != nil {
		t.Fatal(err)
	}
	w.AddUnit(&Unit{ID: "NW-OPS", Company: "NW"})
	w.AddSystem(&System{ID: "takuso", Owner: "NW-OPS", Entitlements: []Entitlement{{ID: "viewer"}}})
	if err := w.AddAccount(&Account{System: "takuso", ID: "u1", Kind: "personal", Status: "active", Source: "takuso"}); err != nil {
		t.Fatal(err)
	}
	if err := w.AddGrant(&Grant{System: "takuso", Account: "u1", Entitlement: "viewer", Origin: "request", Source: "takuso"}); err != nil {
		t.Fatal(err)
	}
	if err := w.AddGrant(&Grant{System: "takuso", Account: "u1", Entitlement: "viewer", Origin: "role", Source: "corp", Via: "app-takuso-viewer ← ops"}); err != nil {
		t.Fatalf("the same right from a second source: %v", err)
	}
	if err := w.AddGrant(&Grant{System: "takuso", Account: "u1", Entitlement: "viewer", Origin: "role", Source: "corp"}); !errors.Is(err, ErrDuplicate) {
		t.Errorf("the same right twice from one source: %v", err)
	}
	w.Commit()
	gr := g.Snapshot().AccountOf("takuso", "u1").Grant("viewer")
	if gr == nil || strings.Join(gr.Sources(), " ") != "takuso corp" || gr.Origin != "role" || gr.Via != "app-takuso-viewer ← ops" {
		t.Errorf("merged grant: %+v", gr)
	}
}
