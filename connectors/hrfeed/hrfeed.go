// Package hrfeed reads the HR feed of SPEC: people.csv and transfers.csv.
package hrfeed

import (
	"context"
	"errors"
	"io/fs"
	"strings"
	"unicode/utf8"

	"github.com/accessrecon/accessrecon/connectors"
	"github.com/accessrecon/accessrecon/connectors/csvfile"
	"github.com/accessrecon/accessrecon/graph"
	"github.com/accessrecon/accessrecon/i18n"
	"github.com/accessrecon/accessrecon/input"
	"golang.org/x/text/unicode/norm"
)

// Feed is the configured HR feed.
type Feed struct {
	// Files opens the paths below.
	Files fs.FS
	// People is the path of people.csv.
	People string
	// Transfers is the path of transfers.csv; empty when there is none.
	Transfers string
	// Encoding is utf-8 or shift_jis; a UTF-8 BOM is accepted either way.
	Encoding string
	// Columns and Values map the export's headers and values (hr.columns,
	// hr.values), beyond the Japanese names and words known already.
	Columns map[string]string
	Values  map[string]map[string]string
	// Sheet is the sheet read when a file is an XLSX workbook (hr.sheet);
	// empty means the first.
	Sheet string
	// History, if set, is the HR history (hr.history): people.csv is a
	// snapshot, and the transfers and leavers derived from it and the last
	// snapshot, first seen on SeenOn, are added to the graph.
	History *History
	SeenOn  graph.Date
	// Rows, when set, are the people as an HR service gives them (hr.source),
	// read instead of the file People (which then only names them, for the
	// digests and errors); RowsDigest is their digest once read.
	Rows       connectors.Rows
	RowsDigest func() string
}

// person is a record of people.csv: the person, and the day they joined
// their unit (unit_since, 異動日) when the export gives it.
type person struct {
	*graph.Person
	since graph.Date
}

func (f *Feed) format() csvfile.Format {
	return csvfile.Format{Encoding: f.Encoding, Columns: f.Columns, Values: f.Values, Sheet: f.Sheet}
}

// PeopleColumns are the required columns of people.csv. name may be given
// as family_name and given_name (姓, 名); company, when absent, is the unit's.
var PeopleColumns = []string{"employee_id", "unit", "employment", "start_date", "end_date"}

// employment maps the employment values of HR exports to SPEC's two.
var employment = map[string]string{
	"employee": "employee", "正社員": "employee", "社員": "employee", "従業員": "employee", "契約社員": "employee",
	"嘱託": "employee", "嘱託社員": "employee", "パート": "employee", "アルバイト": "employee", "役員": "employee",
	"contractor": "contractor", "業務委託": "contractor", "委託": "contractor", "派遣": "contractor",
	"派遣社員": "contractor", "協力会社": "contractor", "出向受入": "contractor",
}

// TransferColumns are the required columns of transfers.csv.
var TransferColumns = []string{"event_id", "employee_id", "from_unit", "to_unit", "effective_date", "pledge_date"}

// Pull loads people, then transfers, into the graph. It returns the digest of
// each file read, keyed by its configured path. Units must already be loaded.
func (f *Feed) Pull(ctx context.Context, w *graph.Writer) (map[string]string, error) {
	return f.Stage(ctx, nil).Write(ctx, w)
}

// Staged is the feed being read ahead of writing it.
type Staged struct {
	feed      *Feed
	people    *csvfile.Ahead[person]
	transfers *csvfile.Ahead[*graph.Transfer] // nil without a transfers file
	derived   *Derived
}

// Derived is what the history derived from this snapshot (nil without
// hr.history), after Write.
func (st *Staged) Derived() *Derived { return st.derived }

// Stage starts reading both files, each on a goroutine of its own at its
// turn.
func (f *Feed) Stage(ctx context.Context, turns *connectors.Turns) *Staged {
	st := &Staged{feed: f}
	if f.Rows != nil {
		st.people = csvfile.ReadRowsAhead(ctx, f.People, f.Rows, f.RowsDigest, f.format(), PeopleColumns, readPerson)
	} else {
		st.people = csvfile.ReadAhead(ctx, turns.Take(), f.Files, f.People, f.format(), PeopleColumns, readPerson)
	}
	if f.Transfers != "" {
		st.transfers = csvfile.ReadAhead(ctx, turns.Take(), f.Files, f.Transfers, f.format(), TransferColumns, readTransfer)
	}
	return st
}

// Stop ends the reading of both files.
func (st *Staged) Stop() {
	st.people.Stop()
	if st.transfers != nil {
		st.transfers.Stop()
	}
}

// Write adds the people, then the transfers, as Pull does.
func (st *Staged) Write(ctx context.Context, w *graph.Writer) (map[string]string, error) {
	defer st.Stop()
	f := st.feed
	digests := map[string]string{}
	var current []*graph.Person
	since := map[string]graph.Date{}
	// Ids that accessrecon takes for one person elsewhere (E1002, e1002,
	// Ｅ１００２) are one id here too: two rows of them are refused.
	folded := map[string]seenID{}
	d, err := st.people.Each(ctx, func(cr *csvfile.Reader, row person) error {
		p := row.Person
		k := foldID(p.EmployeeID)
		if first, ok := folded[k]; ok && first.id != p.EmployeeID {
			return cr.Errorf("employee_id", "%q and %q (line %d) are one person to accessrecon (ids are compared ignoring case and full-width forms): give each person one id", p.EmployeeID, first.id, first.line)
		}
		folded[k] = seenID{p.EmployeeID, cr.Line()}
		if !w.Exists(graph.TableUnits, p.Unit) {
			return cr.Errorf("unit", "unknown unit %q: expected one of the unit ids of org.yaml%s", p.Unit, input.Suggest(p.Unit, w.IDs(graph.TableUnits)))
		}
		if f.History != nil {
			// people.csv is today's snapshot; the graph's person is the
			// assignment before the derived transfers, as SPEC has it.
			now := *p
			current = append(current, &now)
			if !row.since.IsZero() {
				since[p.EmployeeID] = row.since
			}
			if before := f.History.unitBefore(p.EmployeeID, p.Unit); before != p.Unit {
				if c := w.UnitCompany(p.Unit); p.Company != "" && p.Company != c {
					return cr.Errorf("company", "unit %q belongs to company %q, not %q", p.Unit, c, p.Company)
				}
				p.Unit, p.Company = before, ""
			}
		}
		if err := w.AddPerson(p); err != nil {
			col := "company"
			if errors.Is(err, graph.ErrDuplicate) {
				col = "employee_id"
			}
			if f.History != nil && current[len(current)-1].Unit != p.Unit {
				return cr.Wrap(col, i18n.Errorf("the unit %s before the transfers hr.history derived: %w", p.Unit, err))
			}
			return cr.Wrap(col, err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	digests[f.People] = d
	if f.History != nil {
		st.derived = f.History.Derive(current, since, f.SeenOn)
		for _, p := range st.derived.Departed {
			if err := w.AddPerson(p); err != nil {
				return nil, i18n.Errorf("hr.history: leaver %s: %w", p.EmployeeID, err)
			}
		}
	}
	explicit := map[string]bool{}
	if st.transfers != nil {
		if d, err = st.readTransfers(ctx, w, explicit); err != nil {
			return nil, err
		}
		digests[f.Transfers] = d
	}
	if st.derived != nil {
		for _, t := range st.derived.Transfers {
			if explicit[t.EmployeeID+"\x00"+t.ToUnit+"\x00"+t.Effective.String()] {
				continue // transfers.csv records it
			}
			if err := w.AddTransfer(t); err != nil {
				return nil, i18n.Errorf("hr.history: transfer %s of %s from %s to %s: %w", t.EventID, t.EmployeeID, t.FromUnit, t.ToUnit, err)
			}
		}
	}
	return digests, nil
}

// readTransfers adds the records of transfers.csv, noting each in explicit.
func (st *Staged) readTransfers(ctx context.Context, w *graph.Writer, explicit map[string]bool) (string, error) {
	return st.transfers.Each(ctx, func(cr *csvfile.Reader, t *graph.Transfer) error {
		for _, c := range []struct{ col, table, id string }{
			{"employee_id", graph.TablePeople, t.EmployeeID},
			{"from_unit", graph.TableUnits, t.FromUnit},
			{"to_unit", graph.TableUnits, t.ToUnit},
		} {
			if !w.Exists(c.table, c.id) {
				return cr.Errorf(c.col, "unknown %s %q: expected one of %s%s", c.col, c.id, known(c.table), input.Suggest(c.id, w.IDs(c.table)))
			}
		}
		if err := w.AddTransfer(t); err != nil {
			return cr.Wrap("event_id", err)
		}
		explicit[t.EmployeeID+"\x00"+t.ToUnit+"\x00"+t.Effective.String()] = true
		return nil
	})
}

func readPerson(cr *csvfile.Reader) (person, error) {
	p, err := readGraphPerson(cr)
	if err != nil {
		return person{}, err
	}
	row := person{Person: p}
	for _, col := range []string{"unit_since", "effective_date"} {
		if row.since, err = cr.Date(col); err != nil || !row.since.IsZero() {
			return row, err
		}
	}
	return row, nil
}

func readGraphPerson(cr *csvfile.Reader) (*graph.Person, error) {
	p := &graph.Person{Name: cr.Get("name"), Company: cr.Get("company"), Mail: cr.Get("mail"), Manager: cr.Get("manager")}
	if !cr.Has("name") {
		if !cr.Has("family_name") || !cr.Has("given_name") {
			return nil, cr.Errorf("name", "missing column name (氏名), or family_name and given_name (姓, 名)")
		}
		p.Name = strings.TrimSpace(cr.Get("family_name") + " " + cr.Get("given_name"))
	}
	var err error
	if p.EmployeeID, err = cr.Required("employee_id"); err != nil {
		return nil, err
	}
	if p.Unit, err = cr.Required("unit"); err != nil {
		return nil, err
	}
	switch v := strings.ToLower(cr.Get("employment")); {
	case v == "":
		p.Employment = "employee"
	case employment[v] != "":
		p.Employment = employment[v]
	default:
		return nil, cr.Errorf("employment", "expected employee (正社員, 契約社員, 嘱託, パート, ...) or contractor (業務委託, 派遣, ...), got %q", cr.Get("employment"))
	}
	if p.StartDate, err = cr.Date("start_date"); err != nil {
		return nil, err
	}
	if p.EndDate, err = cr.Date("end_date"); err != nil {
		return nil, err
	}
	if !p.EndDate.IsZero() && !p.StartDate.IsZero() && p.EndDate < p.StartDate {
		return nil, cr.Errorf("end_date", "end_date %s is before start_date %s", p.EndDate, p.StartDate)
	}
	return p, nil
}

// readTransfer is a record of transfers.csv.
func readTransfer(cr *csvfile.Reader) (*graph.Transfer, error) {
	var err error
	t := &graph.Transfer{}
	if t.EventID, err = cr.Required("event_id"); err != nil {
		return nil, err
	}
	if t.EmployeeID, err = cr.Required("employee_id"); err != nil {
		return nil, err
	}
	if t.FromUnit, err = cr.Required("from_unit"); err != nil {
		return nil, err
	}
	if t.ToUnit, err = cr.Required("to_unit"); err != nil {
		return nil, err
	}
	if t.Effective, err = cr.Date("effective_date"); err != nil {
		return nil, err
	}
	if t.Effective.IsZero() {
		return nil, cr.Errorf("effective_date", "expected a date as YYYY-MM-DD, the cell is empty")
	}
	if t.PledgeDate, err = cr.Date("pledge_date"); err != nil {
		return nil, err
	}
	return t, nil
}

func known(table string) i18n.Message {
	if table == graph.TablePeople {
		return i18n.M("the employee_ids of people.csv")
	}
	return i18n.M("the unit ids of org.yaml")
}

type seenID struct {
	id   string
	line int
}

// foldID is the form in which ids that name one person compare equal:
// Unicode NFKC (full-width Ｅ１００２ is E1002), lower case.
func foldID(id string) string {
	for i := 0; i < len(id); i++ {
		if id[i] >= utf8.RuneSelf {
			return strings.ToLower(norm.NFKC.String(id))
		}
	}
	return strings.ToLower(id)
}
