package audit_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/accessrecon/accessrecon/config"
	"github.com/accessrecon/accessrecon/reconcile/audit"
)

// TestNotifyNamesEveryEventButTheMails: notify.events may name every event
// of the log except mail_sent and mail_refused, and the two calendar days of
// a campaign besides: a new event is known to the config's check (or a
// misspelt one would mail no one without a word).
func TestNotifyNamesEveryEventButTheMails(t *testing.T) {
	var want []string
	for _, n := range audit.Names {
		if n != audit.MailSent && n != audit.MailRefused {
			want = append(want, n)
		}
	}
	want = append(want, "campaign_reminder", "campaign_overdue")
	got := config.NotifyEventNames()
	slices.Sort(want)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("config.NotifyEvents %v\nwant %v", got, want)
	}
}

// TestEventsAreNamedByTheirConstants: no code of the module writes an
// audit.Event with a string literal for its event, so audit.Names is every
// event there is.
func TestEventsAreNamedByTheirConstants(t *testing.T) {
	root := filepath.Join("..", "..")
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			lit, ok := n.(*ast.CompositeLit)
			if !ok {
				return true
			}
			if sel, ok := lit.Type.(*ast.SelectorExpr); !ok || sel.Sel.Name != "Event" || sel.X.(*ast.Ident).Name != "audit" {
				return true
			}
			for _, el := range lit.Elts {
				if kv, ok := el.(*ast.KeyValueExpr); ok && kv.Key.(*ast.Ident).Name == "Event" {
					if b, ok := kv.Value.(*ast.BasicLit); ok {
						t.Errorf("%s: audit.Event{Event: %s}: use the constant of reconcile/audit (events.go)", fset.Position(b.Pos()), b.Value)
					}
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
