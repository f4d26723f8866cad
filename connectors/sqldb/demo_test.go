package sqldb

import (
	"database/sql"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the demo's SQLite database from its script")

// rowsOf is every row of the tables, as text, in order.
func rowsOf(t *testing.T, path string, tables ...string) []string {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var out []string
	for _, table := range tables {
		rows, err := db.Query("SELECT * FROM " + table + " ORDER BY 1, 2")
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			out = append(out, table+fmt.Sprint(vals))
		}
		rows.Close()
	}
	return out
}

// TestTheDemoDatabaseIsItsScript: the demo's SQLite file holds what its
// SQL script says, so that what the demo reads can be read by people.
func TestTheDemoDatabaseIsItsScript(t *testing.T) {
	dir := filepath.Join("..", "..", "fixtures", "demo")
	script, err := os.ReadFile(filepath.Join(dir, "saiene-ctl.sql"))
	if err != nil {
		t.Fatal(err)
	}
	built := filepath.Join(t.TempDir(), "built.db")
	db, err := sql.Open("sqlite", "file:"+built)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(string(script)); err != nil {
		t.Fatal(err)
	}
	db.Close()
	committed := filepath.Join(dir, "saiene-ctl.db")
	if *update {
		data, err := os.ReadFile(built)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(committed, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want := rowsOf(t, built, "users", "user_roles")
	if got := rowsOf(t, committed, "users", "user_roles"); !slices.Equal(got, want) {
		t.Errorf("saiene-ctl.db holds\n%s\nthe script says\n%s\n(go test ./connectors/sqldb -run TestTheDemoDatabase -update)", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
