package audit

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/accessrecon/accessrecon/config"
	"github.com/accessrecon/accessrecon/connectors/sqldb/sqltest"
)

// pgConfig is a config keeping its audit log in a new database of srv.
func pgConfig(t *testing.T, srv *sqltest.Server, db string) *config.Config {
	t.Helper()
	srv.Exec(t, "CREATE DATABASE "+db)
	env := "AUDIT_TEST_DSN_" + strings.ToUpper(db)
	t.Setenv(env, strings.Replace(srv.DSN, "/test?", "/"+db+"?", 1))
	return &config.Config{Store: config.Store{Type: "postgres", DSNEnv: env}, Dir: t.TempDir()}
}

func TestPostgresLog(t *testing.T) {
	srv := sqltest.Postgres(t)
	ctx := context.Background()
	at := time.Date(2026, 12, 8, 9, 0, 0, 0, time.Local)

	// Two writers at once (each as a replica of serve would): one chain,
	// every line in it once.
	t.Run("TwoWritersOneChain", func(t *testing.T) {
		cfg := pgConfig(t, srv, "writers")
		var wg sync.WaitGroup
		errs := make(chan error, 100)
		for w := range 2 {
			wg.Go(func() {
				for i := range 50 {
					if err := Record(cfg, Event{Event: ReviewDecision, By: fmt.Sprintf("R%d", w), Data: map[string]any{"i": i}}, at); err != nil {
						errs <- err
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		report, err := VerifyConfig(ctx, cfg, "en")
		if err != nil || !strings.Contains(report, "100 lines, chain intact") || !strings.Contains(report, "audit_checkpoint") {
			t.Fatalf("verify: %q %v", report, err)
		}
		seen := map[string]bool{}
		r, name, _ := Open(ctx, cfg)
		defer r.Close()
		if _, err := Each(r, name, func(e Event) { seen[fmt.Sprint(e.By, e.Data["i"])] = true }); err != nil || len(seen) != 100 {
			t.Fatalf("%d distinct events, %v", len(seen), err)
		}
	})

	// The same events at the same times: the export of the table is the
	// file log, byte for byte.
	t.Run("ExportIsTheFileLog", func(t *testing.T) {
		cfg := pgConfig(t, srv, "export")
		path := filepath.Join(t.TempDir(), "audit.jsonl")
		for i := range 5 {
			e := Event{Event: Plan, By: "E1001", Plan: "sha256:ab", Data: map[string]any{"i": i, "name": "山田 太郎", "by_rule": map[string]int{"separation.direct_transfer": 1}}}
			when := at.Add(time.Duration(i) * time.Second)
			if err := Append(path, e, when); err != nil {
				t.Fatal(err)
			}
			if err := Record(cfg, e, when); err != nil {
				t.Fatal(err)
			}
		}
		want, _ := os.ReadFile(path)
		var got bytes.Buffer
		head, cp, err := Export(ctx, cfg, &got)
		if err != nil || head.Lines != 5 || cp == nil || cp.Lines != 5 || cp.Hash != head.Hash {
			t.Fatalf("export: %+v %+v %v", head, cp, err)
		}
		if !bytes.Equal(got.Bytes(), want) {
			t.Fatalf("the export differs from the file log:\n%s\n%s", got.Bytes(), want)
		}
	})

	t.Run("RowsChangedByHand", func(t *testing.T) {
		cfg := pgConfig(t, srv, "tamper")
		for i := range 4 {
			if err := Record(cfg, Event{Event: Approval, By: "E1", Data: map[string]any{"i": i}}, at); err != nil {
				t.Fatal(err)
			}
		}
		db, _ := pgLog(ctx, cfg)
		// A line changed: named.
		db.Exec(`UPDATE audit_log SET line = replace(line, '"E1"', '"E9"') WHERE seq = 2`)
		if _, err := VerifyConfig(ctx, cfg, "en"); err == nil || !strings.Contains(err.Error(), ":2: broken") {
			t.Fatalf("a changed line: %v", err)
		}
		db.Exec(`UPDATE audit_log SET line = replace(line, '"E9"', '"E1"') WHERE seq = 2`)
		// The last line removed: the checkpoint says a line is missing, and
		// nothing more is written.
		var last string
		db.QueryRow(`SELECT line FROM audit_log WHERE seq = 4`).Scan(&last)
		db.Exec(`DELETE FROM audit_log WHERE seq = 4`)
		if _, err := VerifyConfig(ctx, cfg, "en"); err == nil || !strings.Contains(err.Error(), "1 lines are missing") {
			t.Fatalf("a removed line: %v", err)
		}
		if err := Record(cfg, Event{Event: Approval, By: "E2"}, at); err == nil || !strings.Contains(err.Error(), "something other than accessrecon wrote it") {
			t.Fatalf("an append after a cut: %v", err)
		}
		db.Exec(`INSERT INTO audit_log (seq, line) VALUES (4, $1)`, last)
		// A line added by hand, chained: the checkpoint does not cover it,
		// and accessrecon writes no more until it is accepted.
		e := Event{Event: Approval, By: "forger", Plan: "sha256:x"}
		line, _ := sealNext(&e, Head{Lines: 4, Hash: sum([]byte(last))}, at)
		db.Exec(`INSERT INTO audit_log (seq, line) VALUES (5, $1)`, string(line))
		if report, err := VerifyConfig(ctx, cfg, "en"); err != nil || !strings.Contains(report, "lines 5 to 5 are covered by no checkpoint") {
			t.Fatalf("a forged line: %q %v", report, err)
		}
		if err := Record(cfg, Event{Event: Approval, By: "E2"}, at); err == nil {
			t.Fatal("appended after a forged line")
		}
		from, to, err := AcceptUncovered(cfg, "E-AUDIT", "looked at: a test line", at)
		if err != nil || from != 5 || to != 5 {
			t.Fatalf("accept: %d..%d %v", from, to, err)
		}
		if err := Record(cfg, Event{Event: Approval, By: "E2"}, at); err != nil {
			t.Fatalf("after the accept: %v", err)
		}
	})

	// A file log copied into PostgreSQL (store migrate): the same lines,
	// and a checkpoint of its head.
	t.Run("Import", func(t *testing.T) {
		cfg := pgConfig(t, srv, "import")
		path := writeLog(t, 1200)
		f, _ := os.Open(path)
		head, err := Import(ctx, cfg, f, path, at)
		f.Close()
		if err != nil || head.Lines != 1200 {
			t.Fatalf("import: %+v %v", head, err)
		}
		want, _ := os.ReadFile(path)
		var got bytes.Buffer
		if _, _, err := Export(ctx, cfg, &got); err != nil || !bytes.Equal(got.Bytes(), want) {
			t.Fatalf("export after import: %v (equal %v)", err, bytes.Equal(got.Bytes(), want))
		}
		if _, err := VerifyConfig(ctx, cfg, "en"); err != nil {
			t.Fatal(err)
		}
		f, _ = os.Open(path)
		defer f.Close()
		if _, err := Import(ctx, cfg, f, path, at); err == nil || !strings.Contains(err.Error(), "has 1200 lines already") {
			t.Fatalf("a second import: %v", err)
		}
	})
}
