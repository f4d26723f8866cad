package hrfeed

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"slices"
	"strings"

	"github.com/accessrecon/accessrecon/connectors"
	"github.com/accessrecon/accessrecon/graph"
	"github.com/accessrecon/accessrecon/i18n"
)

// History is what accessrecon keeps of an HR system that exports only
// today's state (hr.history): the last snapshot it planned from, and the
// transfers and leavers it derived from the differences between snapshots.
// Derived events are kept, so that every later plan sees them as it sees
// the events of transfers.csv.
type History struct {
	Version int `json:"version"`
	// SeenOn is the day of the snapshot below.
	SeenOn string `json:"seen_on"`
	// People is the last snapshot: every person of people.csv.
	People []HistoryPerson `json:"people"`
	// Transfers are the derived unit changes, oldest first.
	Transfers []HistoryTransfer `json:"transfers"`
	// Departed are the people who left the export, kept as leavers.
	Departed []HistoryPerson `json:"departed"`

	firstFrom, lastUnit map[string]string // unitBefore's, built on first use
}

// HistoryPerson is a person as a snapshot read them.
type HistoryPerson struct {
	EmployeeID string `json:"employee_id"`
	Name       string `json:"name,omitempty"`
	Company    string `json:"company"`
	Unit       string `json:"unit"`
	Employment string `json:"employment"`
	StartDate  string `json:"start_date,omitempty"`
	EndDate    string `json:"end_date,omitempty"`
	Mail       string `json:"mail,omitempty"`
}

// HistoryTransfer is a derived transfer and the day it was first seen.
type HistoryTransfer struct {
	EventID    string `json:"event_id"`
	EmployeeID string `json:"employee_id"`
	FromUnit   string `json:"from_unit"`
	ToUnit     string `json:"to_unit"`
	Effective  string `json:"effective_date"`
	SeenOn     string `json:"seen_on"`
}

func toHistory(p *graph.Person) HistoryPerson {
	return HistoryPerson{EmployeeID: p.EmployeeID, Name: p.Name, Company: p.Company, Unit: p.Unit, Employment: p.Employment,
		StartDate: dateString(p.StartDate), EndDate: dateString(p.EndDate), Mail: p.Mail}
}

func (h HistoryPerson) person() (*graph.Person, error) {
	p := &graph.Person{EmployeeID: h.EmployeeID, Name: h.Name, Company: h.Company, Unit: h.Unit, Employment: h.Employment, Mail: h.Mail}
	var err error
	if p.StartDate, err = parseOptional(h.StartDate); err != nil {
		return nil, err
	}
	if p.EndDate, err = parseOptional(h.EndDate); err != nil {
		return nil, err
	}
	return p, nil
}

func dateString(d graph.Date) string {
	if d.IsZero() {
		return ""
	}
	return d.String()
}

func parseOptional(s string) (graph.Date, error) {
	if s == "" {
		return 0, nil
	}
	return graph.ParseDate(s)
}

// ReadHistory reads the history file at path (on disk); a file that does
// not exist yet is an empty history (the first snapshot derives nothing).
// It returns the history and the digest of the file ("" when absent).
func ReadHistory(path string) (*History, string, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return &History{Version: 1}, "", nil
	}
	if err != nil {
		return nil, "", i18n.Errorf("hr.history %s: %w", path, connectors.UnwrapPath(err))
	}
	h := &History{}
	if err := json.Unmarshal(data, h); err != nil || h.Version != 1 {
		if err == nil {
			err = i18n.Errorf("version %d, expected 1", h.Version)
		}
		return nil, "", i18n.Errorf("hr.history %s: not a history this version of accessrecon wrote (%v); move it away to start a new history from the next snapshot", path, err)
	}
	sum := sha256.Sum256(data)
	return h, "sha256:" + hex.EncodeToString(sum[:]), nil
}

// Derived is what a new snapshot adds to the history.
type Derived struct {
	// Next is the history to keep once a plan made from this snapshot is
	// recorded.
	Next *History
	// Transfers and Departed are every derived transfer and leaver the
	// graph gets: those kept from before and the new ones.
	Transfers []*graph.Transfer
	Departed  []*graph.Person
	// New counts the transfers and leavers first seen in this snapshot.
	NewTransfers, NewDeparted int
}

// Digest is what a plan made from this snapshot binds for hr.history: the
// derived transfers and leavers it saw ("sha256:<hex>" of them), not the
// history file, which moves on to Next when the plan is recorded. Reading
// the same export again after that derives the same events and the same
// digest, so the plan stays fresh for apply; any other change of what is
// derived changes it.
func (d *Derived) Digest() (string, error) {
	events := struct {
		Transfers []HistoryTransfer `json:"transfers"`
		Departed  []HistoryPerson   `json:"departed"`
	}{[]HistoryTransfer{}, []HistoryPerson{}}
	if d.Next != nil {
		events.Transfers = append(events.Transfers, d.Next.Transfers...)
		events.Departed = append(events.Departed, d.Next.Departed...)
	}
	data, err := json.Marshal(events)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(data)
	return "sha256:" + hex.EncodeToString(sum[:]), nil
}

// Derive compares the people of a new snapshot with the last one and
// derives who moved and who left:
//
//   - a person whose unit changed has transferred, on the day of the
//     snapshot's unit_since (異動日) column when it has one, else on seenOn
//     (the day the change was first seen); the event id is derived from the
//     person, both units and the day, so the same change always gets the
//     same id;
//   - a person no longer in the export has left: they are kept as a person
//     whose employment ended on their end_date (退職日) when the last
//     snapshot had one, else the day before seenOn, so that their accounts
//     are planned as a leaver's; a person who comes back is no longer one.
//
// The feed leaves out a derived transfer that transfers.csv records too (the
// same person, to the same unit, on the same day).
func (h *History) Derive(current []*graph.Person, since map[string]graph.Date, seenOn graph.Date) *Derived {
	next := &History{Version: 1, SeenOn: seenOn.String(), Transfers: slices.Clone(h.Transfers)}
	d := &Derived{Next: next}
	now := make(map[string]*graph.Person, len(current))
	for _, p := range current {
		now[p.EmployeeID] = p
		next.People = append(next.People, toHistory(p))
	}
	known := map[string]bool{}
	for _, t := range h.Transfers {
		known[t.EventID] = true
	}
	for _, last := range h.People {
		p := now[last.EmployeeID]
		if p == nil || p.Unit == last.Unit {
			continue
		}
		day := since[p.EmployeeID]
		if day.IsZero() {
			day = seenOn
		}
		id := eventID(p.EmployeeID, last.Unit, p.Unit, day)
		if known[id] {
			continue
		}
		known[id] = true
		next.Transfers = append(next.Transfers, HistoryTransfer{EventID: id, EmployeeID: p.EmployeeID, FromUnit: last.Unit, ToUnit: p.Unit,
			Effective: day.String(), SeenOn: seenOn.String()})
		d.NewTransfers++
	}
	gone := map[string]bool{}
	for _, p := range h.Departed {
		if now[p.EmployeeID] == nil { // back in the export: no longer a leaver
			next.Departed = append(next.Departed, p)
			gone[p.EmployeeID] = true
		}
	}
	for _, last := range h.People {
		if now[last.EmployeeID] != nil || gone[last.EmployeeID] {
			continue
		}
		if last.EndDate == "" || last.EndDate >= seenOn.String() {
			last.EndDate = seenOn.AddDays(-1).String()
		}
		next.Departed = append(next.Departed, last)
		gone[last.EmployeeID] = true
		d.NewDeparted++
	}
	slices.SortFunc(next.Departed, func(a, b HistoryPerson) int { return strings.Compare(a.EmployeeID, b.EmployeeID) })
	for _, p := range next.Departed {
		if gp, err := p.person(); err == nil {
			d.Departed = append(d.Departed, gp)
		}
	}
	for _, t := range next.Transfers {
		eff, err := graph.ParseDate(t.Effective)
		if err != nil {
			continue
		}
		if now[t.EmployeeID] == nil && !gone[t.EmployeeID] {
			continue // someone the graph no longer holds
		}
		d.Transfers = append(d.Transfers, &graph.Transfer{EventID: t.EventID, EmployeeID: t.EmployeeID, FromUnit: t.FromUnit, ToUnit: t.ToUnit, Effective: eff})
	}
	return d
}

// unitBefore is the unit a person was in before the transfers derived for
// them: the from_unit of the first derived transfer the history keeps, else
// the last snapshot's unit when it differs from today's, else unit.
func (h *History) unitBefore(employee, unit string) string {
	if h.firstFrom == nil {
		h.firstFrom, h.lastUnit = map[string]string{}, map[string]string{}
		first := map[string]string{} // effective day of firstFrom
		for _, t := range h.Transfers {
			if d, ok := first[t.EmployeeID]; !ok || t.Effective < d {
				first[t.EmployeeID], h.firstFrom[t.EmployeeID] = t.Effective, t.FromUnit
			}
		}
		for _, p := range h.People {
			h.lastUnit[p.EmployeeID] = p.Unit
		}
	}
	if from, ok := h.firstFrom[employee]; ok {
		return from
	}
	if last, ok := h.lastUnit[employee]; ok {
		return last
	}
	return unit
}

// eventID is the id of a derived transfer: "hr-" and 16 hex digits of a
// hash of who moved, from where, to where, on which day.
func eventID(employee, from, to string, day graph.Date) string {
	sum := sha256.Sum256([]byte(strings.Join([]string{employee, from, to, day.String()}, "\x00")))
	return "hr-" + hex.EncodeToString(sum[:8])
}

// Encode is the history as its file holds it.
func (h *History) Encode() ([]byte, error) {
	data, err := json.MarshalIndent(h, "", " ")
	if err != nil {
		return nil, err
	}
	return append(data, '\n'), nil
}
