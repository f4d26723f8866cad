package worksheet

import (
	"runtime"
	"slices"
	"strings"
	"sync"

	"os"
	"sort"

	"golang.org/x/sync/errgroup"

	"github.com/accessrecon/accessrecon/graph"
	"github.com/accessrecon/accessrecon/i18n"
	"github.com/accessrecon/accessrecon/reconcile/atomicfile"
)

// Item is one grant put before a reviewer.
type Item struct {
	// Key is the item id (the grant's key), made once.
	Key     string
	Grant   *graph.Grant
	Account *graph.Account
	System  *graph.System
	Person  *graph.Person // nil when the owner is not in the HR feed
}

// Holder is the employee id and name of whoever holds the item (the
// account's owner id alone when the owner is not in the HR feed).
func (it Item) Holder() (id, name string) {
	if it.Person == nil {
		return it.Account.Owner, ""
	}
	return it.Person.EmployeeID, it.Person.Name
}

// ItemColumns open every review worksheet: the item, its holder and where
// the holder works, how and when the right was granted.
var ItemColumns = []Column{
	{ID: "item_id", TitleJA: "項目ID", Width: 28},
	{ID: "system", TitleJA: "システム", Width: 14},
	{ID: "system_name", TitleJA: "システム名", Width: 26},
	{ID: "account", TitleJA: "アカウント"},
	{ID: "entitlement", TitleJA: "権限"},
	{ID: "person", TitleJA: "社員番号"},
	{ID: "name", TitleJA: "氏名"},
	{ID: "unit", TitleJA: "現所属"},
	{ID: "unit_name", TitleJA: "現所属名", Width: 18},
	{ID: "company", TitleJA: "現会社"},
	{ID: "origin", TitleJA: "付与経路"},
	{ID: "granted_at", TitleJA: "付与日"},
}

// UnitName is the name of a unit, or "" (for the name columns beside codes).
func UnitName(snap *graph.Snapshot, id string) string {
	if u := snap.Unit(id); u != nil {
		return u.Name
	}
	return ""
}

// ActiveGrants lists the grants held by active accounts on the systems that
// pick selects, by item id.
func ActiveGrants(snap *graph.Snapshot, pick func(*graph.System) bool) []Item {
	var items []Item
	for _, sys := range snap.Systems() {
		if !pick(sys) {
			continue
		}
		for _, a := range snap.AccountsOf(sys.ID) {
			if a.Status != "active" {
				continue
			}
			var p *graph.Person
			if a.Owner != "" {
				p = snap.Person(a.Owner)
			}
			for _, g := range a.Grants {
				items = append(items, Item{Key: g.Key(), Grant: g, Account: a, System: sys, Person: p})
			}
		}
	}
	slices.SortFunc(items, func(a, b Item) int { return strings.Compare(a.Key, b.Key) })
	return items
}

// ReviewerUnit is the unit that reviews a system's rights: its owner.
func ReviewerUnit(s *graph.System) string {
	if s.Owner == "" {
		return "UNOWNED"
	}
	return s.Owner
}

// ByReviewer groups review items into one worksheet per reviewing unit (the
// system's owner), sorted by unit.
func ByReviewer(items []Item, columns []Column, row func(Item) []string) []*Sheet {
	byUnit := map[string]*Sheet{}
	var order []string
	for _, it := range items {
		unit := ReviewerUnit(it.System)
		s := byUnit[unit]
		if s == nil {
			s = &Sheet{Name: unit, Columns: columns}
			byUnit[unit] = s
			order = append(order, unit)
		}
		s.Rows = append(s.Rows, row(it))
	}
	sort.Strings(order)
	out := make([]*Sheet, len(order))
	for i, u := range order {
		out[i] = byUnit[u]
	}
	return out
}

// Write writes each sheet as PREFIX-UNIT.xlsx and .csv into dir, each file
// atomically, and returns the file names. Sheets are written as many at a
// time as there are cores; progress, if set, is told of each one done.
func Write(dir, prefix string, sheets []*Sheet, progress func(done, total int)) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, i18n.Errorf("--out %s: %w", dir, err)
	}
	names := make([]string, 0, 2*len(sheets))
	for _, s := range sheets {
		base := prefix + "-" + atomicfile.SafeFileName(s.Name)
		names = append(names, base+".xlsx", base+".csv")
	}
	var g errgroup.Group
	g.SetLimit(runtime.GOMAXPROCS(0))
	var mu sync.Mutex
	done := 0
	for i, s := range sheets {
		g.Go(func() error {
			x, err := s.XLSX()
			if err != nil {
				return err
			}
			if err := atomicfile.WriteFileIn(dir, names[2*i], x); err != nil {
				return err
			}
			c, err := s.CSV()
			if err != nil {
				return err
			}
			if err := atomicfile.WriteFileIn(dir, names[2*i+1], c); err != nil {
				return err
			}
			if progress != nil {
				mu.Lock()
				done++
				progress(done, len(sheets))
				mu.Unlock()
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return names, nil
}
