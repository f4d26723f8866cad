package orgdata

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"strings"

	"github.com/accessrecon/accessrecon/connectors"
	"github.com/accessrecon/accessrecon/connectors/csvfile"
	"github.com/accessrecon/accessrecon/graph"
)

// DutyColumns are the required columns of the separation-of-duties matrix.
var DutyColumns = []string{"right_a", "right_b", "reason"}

// LoadDuties reads the separation-of-duties matrix (CSV or XLSX): pairs of
// rights, each SYSTEM/ENTITLEMENT, that one person must not hold together,
// why, and the employees allowed to hold both (exceptions: employee ids
// separated by spaces, commas or 、). The systems must be loaded already.
func LoadDuties(ctx context.Context, files fs.FS, name, encoding string, w *graph.Writer) (string, error) {
	return connectors.ReadFile(files, name, func(r io.Reader) error {
		return csvfile.Each(ctx, name, r, encoding, DutyColumns, func(cr *csvfile.Reader) error {
			d := &graph.DutyConflict{}
			for _, c := range []struct {
				col string
				to  *string
			}{{"right_a", &d.A}, {"right_b", &d.B}} {
				v, err := cr.Required(c.col)
				if err != nil {
					return err
				}
				system, entitlement, ok := strings.Cut(v, "/")
				if !ok || system == "" || entitlement == "" {
					return cr.Errorf(c.col, "expected SYSTEM/ENTITLEMENT, e.g. takuso/editor, got %q", v)
				}
				*c.to = v
			}
			if d.A == d.B {
				return cr.Errorf("right_b", "the same right as right_a: a pair needs two rights")
			}
			var err error
			if d.Reason, err = cr.Required("reason"); err != nil {
				return err
			}
			d.Exceptions = strings.FieldsFunc(cr.Get("exceptions"), func(r rune) bool {
				return r == ',' || r == '、' || r == '，' || r == ' ' || r == '　' || r == ';'
			})
			if err := w.AddDutyConflict(d); err != nil {
				col := "right_a"
				if errors.Is(err, graph.ErrDuplicate) {
					col = "right_b"
				} else if system, _, _ := strings.Cut(d.B, "/"); !w.Exists(graph.TableSystems, system) {
					col = "right_b"
				}
				return cr.Wrap(col, err)
			}
			return nil
		})
	})
}
