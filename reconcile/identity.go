package reconcile

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode"

	"github.com/accessrecon/accessrecon/config"
	"github.com/accessrecon/accessrecon/graph"
	"github.com/accessrecon/accessrecon/i18n"
	"golang.org/x/text/unicode/norm"
)

// ErrUnknownPerson is returned for an id that is not an active person of the
// HR feed.
var ErrUnknownPerson = errors.New("not an active person of the HR feed")

// NormalizeID is the one form in which people's ids are compared: Unicode
// NFKC (full-width Ｅ１００２ is E1002), without surrounding space. An id
// with a control or format character (a zero-width space, a direction mark)
// is refused rather than cleaned: it is either a mistake or an attack.
func NormalizeID(raw string) (string, error) {
	for _, r := range raw {
		if unicode.Is(unicode.Cc, r) || unicode.Is(unicode.Cf, r) {
			return "", i18n.Errorf("%q: ids may not contain control or format characters (U+%04X)", raw, r)
		}
	}
	id := strings.TrimSpace(norm.NFKC.String(raw))
	if id == "" {
		return "", errors.New("expected an employee id, got nothing")
	}
	return id, nil
}

// Person finds who an id names in the HR feed: the same id after
// NormalizeID, or the only one equal to it ignoring case. The second return
// is the person's canonical id; unknown ids give ("", nil, nil).
func Person(snap *graph.Snapshot, raw string) (*graph.Person, error) {
	id, err := NormalizeID(raw)
	if err != nil {
		return nil, err
	}
	if p := snap.Person(id); p != nil {
		return p, nil
	}
	var found *graph.Person
	for _, p := range snap.People() {
		if strings.EqualFold(p.EmployeeID, id) {
			if found != nil {
				return nil, i18n.Errorf("%q matches both %s and %s ignoring case: give the id exactly", raw, found.EmployeeID, p.EmployeeID)
			}
			found = p
		}
	}
	return found, nil
}

// ActivePerson is Person, refusing anyone not employed on day d.
func ActivePerson(snap *graph.Snapshot, raw string, d graph.Date) (*graph.Person, error) {
	p, err := Person(snap, raw)
	if err != nil {
		return nil, err
	}
	if p == nil {
		return nil, i18n.Errorf("%q: %w", raw, ErrUnknownPerson)
	}
	if p.HasLeft(d) || (!p.StartDate.IsZero() && p.StartDate > d) {
		return nil, i18n.Errorf("%s (%s): %w on %s", p.EmployeeID, p.Name, ErrUnknownPerson, d)
	}
	return p, nil
}

// SamePerson reports whether two ids name the same person of the HR feed
// (or, for ids the feed does not know, are the same after NormalizeID,
// ignoring case).
func SamePerson(snap *graph.Snapshot, a, b string) bool {
	pa, errA := Person(snap, a)
	pb, errB := Person(snap, b)
	if errA == nil && errB == nil && pa != nil && pb != nil {
		return pa.EmployeeID == pb.EmployeeID
	}
	na, errA := NormalizeID(a)
	nb, errB := NormalizeID(b)
	return errA == nil && errB == nil && strings.EqualFold(na, nb)
}

// MayApprove reports why a person may not approve plans under the config's
// apply.approvers ("" when they may).
func MayApprove(snap *graph.Snapshot, ap config.Approvers, p *graph.Person, d graph.Date) string {
	if len(ap.Units) == 0 && len(ap.Tags) == 0 && len(ap.IDs) == 0 {
		return ""
	}
	for _, id := range ap.IDs {
		if id == p.EmployeeID {
			return ""
		}
	}
	unit := snap.AssignmentAsOf(p, d).Unit
	for _, u := range ap.Units {
		if u == unit {
			return ""
		}
	}
	if u := snap.Unit(unit); u != nil {
		for _, want := range ap.Tags {
			for _, tag := range u.Tags {
				if tag == want {
					return ""
				}
			}
		}
	}
	return fmt.Sprintf("%s (%s, unit %s) is not among apply.approvers of the config", p.EmployeeID, p.Name, unit)
}

// Decider is a person who decides about rights (a reviewer, a confirmer) as
// of a day: active in the HR feed, with their unit and company then, and the
// systems confidential to a company other than theirs (the information
// firewall: they neither see nor decide about rights there).
type Decider struct {
	Person        *graph.Person
	Unit, Company string
	Hidden        []string
}

// ErrNoDecider is a decision that names nobody.
var ErrNoDecider = errors.New("no reviewer named: write the reviewer's employee id in column reviewer")

// DeciderOf is who raw names as of day d: never nobody, an unknown person or
// a leaver.
func DeciderOf(snap *graph.Snapshot, raw string, d graph.Date) (Decider, error) {
	if strings.TrimSpace(raw) == "" {
		return Decider{}, ErrNoDecider
	}
	p, err := ActivePerson(snap, raw, d)
	if err != nil {
		return Decider{}, err
	}
	a := snap.AssignmentAsOf(p, d)
	out := Decider{Person: p, Unit: a.Unit, Company: a.Company}
	for _, s := range snap.Systems() {
		if len(s.ConfidentialTo) > 0 && !slices.Contains(s.ConfidentialTo, a.Company) {
			out.Hidden = append(out.Hidden, s.ID)
		}
	}
	return out, nil
}
