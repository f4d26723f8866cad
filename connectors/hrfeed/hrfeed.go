// Package hrfeed reads the HR feed of SPEC: people.csv and transfers.csv.
package hrfeed

import (
	"context"
	"errors"
	"io"
	"io/fs"

	"github.com/accessrecon/accessrecon/connectors"
	"github.com/accessrecon/accessrecon/connectors/csvfile"
	"github.com/accessrecon/accessrecon/graph"
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
}

// PeopleColumns are the required columns of people.csv.
var PeopleColumns = []string{"employee_id", "name", "company", "unit", "employment", "start_date", "end_date"}

// TransferColumns are the required columns of transfers.csv.
var TransferColumns = []string{"event_id", "employee_id", "from_unit", "to_unit", "effective_date", "pledge_date"}

// Pull loads people, then transfers, into the graph. It returns the digest of
// each file read, keyed by its configured path. Units must already be loaded.
func (f *Feed) Pull(ctx context.Context, w *graph.Writer) (map[string]string, error) {
	digests := map[string]string{}
	d, err := connectors.ReadFile(f.Files, f.People, func(r io.Reader) error {
		return f.readPeople(ctx, r, w)
	})
	if err != nil {
		return nil, err
	}
	digests[f.People] = d
	if f.Transfers == "" {
		return digests, nil
	}
	d, err = connectors.ReadFile(f.Files, f.Transfers, func(r io.Reader) error {
		return f.readTransfers(ctx, r, w)
	})
	if err != nil {
		return nil, err
	}
	digests[f.Transfers] = d
	return digests, nil
}

func (f *Feed) readPeople(ctx context.Context, r io.Reader, w *graph.Writer) error {
	return csvfile.Each(ctx, f.People, r, f.Encoding, PeopleColumns, func(cr *csvfile.Reader) error {
		p, err := readPerson(cr)
		if err != nil {
			return err
		}
		if !w.Exists(graph.TableUnits, p.Unit) {
			return cr.Errorf("unit", "unknown unit %q: expected one of the unit ids of org.yaml", p.Unit)
		}
		if err := w.AddPerson(p); err != nil {
			col := "company"
			if errors.Is(err, graph.ErrDuplicate) {
				col = "employee_id"
			}
			return cr.Wrap(col, err)
		}
		return nil
	})
}

func readPerson(cr *csvfile.Reader) (*graph.Person, error) {
	p := &graph.Person{Name: cr.Get("name"), Company: cr.Get("company"), Mail: cr.Get("mail")}
	var err error
	if p.EmployeeID, err = cr.Required("employee_id"); err != nil {
		return nil, err
	}
	if p.Unit, err = cr.Required("unit"); err != nil {
		return nil, err
	}
	if p.Employment, err = cr.OneOf("employment", "employee", "employee", "contractor"); err != nil {
		return nil, err
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

func (f *Feed) readTransfers(ctx context.Context, r io.Reader, w *graph.Writer) error {
	return csvfile.Each(ctx, f.Transfers, r, f.Encoding, TransferColumns, func(cr *csvfile.Reader) error {
		var err error
		t := &graph.Transfer{}
		if t.EventID, err = cr.Required("event_id"); err != nil {
			return err
		}
		if t.EmployeeID, err = cr.Required("employee_id"); err != nil {
			return err
		}
		if t.FromUnit, err = cr.Required("from_unit"); err != nil {
			return err
		}
		if t.ToUnit, err = cr.Required("to_unit"); err != nil {
			return err
		}
		if t.Effective, err = cr.Date("effective_date"); err != nil {
			return err
		}
		if t.Effective.IsZero() {
			return cr.Errorf("effective_date", "expected a date as YYYY-MM-DD, the cell is empty")
		}
		if t.PledgeDate, err = cr.Date("pledge_date"); err != nil {
			return err
		}
		for _, c := range []struct{ col, table, id string }{
			{"employee_id", graph.TablePeople, t.EmployeeID},
			{"from_unit", graph.TableUnits, t.FromUnit},
			{"to_unit", graph.TableUnits, t.ToUnit},
		} {
			if !w.Exists(c.table, c.id) {
				return cr.Errorf(c.col, "unknown %s %q: expected one of %s", c.col, c.id, known(c.table))
			}
		}
		if err := w.AddTransfer(t); err != nil {
			return cr.Wrap("event_id", err)
		}
		return nil
	})
}

func known(table string) string {
	if table == graph.TablePeople {
		return "the employee_ids of people.csv"
	}
	return "the unit ids of org.yaml"
}
