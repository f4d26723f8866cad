package orgdata

import (
	"context"
	"errors"
	"io"
	"io/fs"

	"github.com/accessrecon/accessrecon/connectors"
	"github.com/accessrecon/accessrecon/connectors/csvfile"
	"github.com/accessrecon/accessrecon/graph"
)

// RosterColumns are the required columns of the roster file.
var RosterColumns = []string{"employee_id", "system", "approved_on"}

// LoadRoster reads the roster file (CSV or XLSX): the contractors approved
// to work on a system, from approved_on, until valid_until (optional). The
// people and systems must be loaded already. An entry of someone the HR
// feed does not hold (any more) approves no one and is skipped; an unknown
// system is an error.
func LoadRoster(ctx context.Context, files fs.FS, name, encoding string, w *graph.Writer) (string, error) {
	return connectors.ReadFile(files, name, func(r io.Reader) error {
		return csvfile.Each(ctx, name, r, encoding, RosterColumns, func(cr *csvfile.Reader) error {
			e := &graph.RosterEntry{Person: cr.Get("employee_id"), System: cr.Get("system")}
			var err error
			for _, c := range []string{"employee_id", "system"} {
				if _, err := cr.Required(c); err != nil {
					return err
				}
			}
			if e.ApprovedOn, err = cr.Date("approved_on"); err != nil {
				return err
			}
			if e.ApprovedOn.IsZero() {
				return cr.Errorf("approved_on", "expected a value, the cell is empty")
			}
			if e.ValidUntil, err = cr.Date("valid_until"); err != nil {
				return err
			}
			if !w.Exists(graph.TablePeople, e.Person) {
				return nil
			}
			if !e.ValidUntil.IsZero() && e.ValidUntil < e.ApprovedOn {
				return cr.Errorf("valid_until", "valid_until %s is before approved_on %s", e.ValidUntil, e.ApprovedOn)
			}
			if err := w.AddRosterEntry(e); err != nil {
				col := "employee_id"
				switch {
				case errors.Is(err, graph.ErrDuplicate):
					col = "approved_on"
				case !w.Exists(graph.TableSystems, e.System):
					col = "system"
				}
				return cr.Wrap(col, err)
			}
			return nil
		})
	})
}
