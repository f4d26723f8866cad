package main

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/accessrecon/accessrecon/i18n"
)

// messageCalls are the functions whose format argument is a message a
// person reads: each must have Japanese (errors wrapped by fmt.Errorf in
// policy evaluation aside, which name Rego for rule authors).
var messageCalls = map[string]bool{"Errorf": true, "InputErrorf": true, "M": true, "SourceErrorf": true, "refuse": true, "NewRefusal": true, "errorf": true, "New": true, "T": true}

var (
	verb  = regexp.MustCompile(`%(\[\d+\])?[-+# 0]*\d*(\.\d+)?[a-zA-Z%]`)
	words = regexp.MustCompile(`[A-Za-z]{2,}`)
)

// messages lists the formats of messageCalls in the non-test Go files
// below dirs, with where each is.
func messages(t *testing.T, dirs ...string) map[string]string {
	t.Helper()
	fset := token.NewFileSet()
	out := map[string]string{}
	for _, dir := range dirs {
		err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") ||
				strings.Contains(p, "githubfake") || strings.Contains(p, "slapdtest") || strings.Contains(p, "reconciletest") {
				return err
			}
			f, err := parser.ParseFile(fset, p, nil, 0)
			if err != nil {
				return err
			}
			ast.Inspect(f, func(n ast.Node) bool {
				c, ok := n.(*ast.CallExpr)
				if !ok {
					return true
				}
				var name string
				switch fn := c.Fun.(type) {
				case *ast.SelectorExpr:
					x, _ := fn.X.(*ast.Ident)
					name = fn.Sel.Name
					if x != nil && (x.Name == "fmt" || name == "New" && x.Name != "errors") {
						return true
					}
				case *ast.Ident:
					name = fn.Name
				}
				if !messageCalls[name] {
					return true
				}
				for _, a := range c.Args {
					lit, ok := a.(*ast.BasicLit)
					if !ok || lit.Kind != token.STRING {
						continue
					}
					s, _ := strconv.Unquote(lit.Value)
					if !strings.ContainsAny(s, "% ") && len(c.Args) > 1 {
						continue // a column or field name before the format
					}
					if words.MatchString(verb.ReplaceAllString(s, "")) {
						out[s] = fset.Position(lit.Pos()).String()
					}
					break
				}
				return true
			})
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// TestEveryMessageHasJapanese: every error and message format of the code
// a user meets has a Japanese text, with the same arguments.
func TestEveryMessageHasJapanese(t *testing.T) {
	msgs := messages(t, "../../cmd/accessrecon", "../../web", "../../config", "../../connectors", "../../reconcile", "../../graph", "../../policy/tester.go", "../../policy/ja.go")
	if len(msgs) < 200 {
		t.Fatalf("found only %d messages: is the scan broken?", len(msgs))
	}
	for en, where := range msgs {
		if !i18n.Has(en) {
			t.Errorf("%s: no Japanese for %q (add it to the package's ja.go)", where, en)
		}
	}
	i18n.Pairs(func(en, ja string) {
		if got := i18n.Sprintf(i18n.JA, en, sampleArgs(en)...); strings.Contains(got, "%!") {
			t.Errorf("the Japanese of %q does not take its arguments: %s", en, got)
		}
	})
}

// sampleArgs are arguments of the types en's verbs take.
func sampleArgs(en string) []any {
	var args []any
	for _, v := range verb.FindAllString(en, -1) {
		switch v[len(v)-1] {
		case '%':
		case 'd', 'x', 'X':
			args = append(args, 7)
		case 'w':
			args = append(args, fmt.Errorf("inner"))
		default:
			args = append(args, "s")
		}
	}
	return args
}
