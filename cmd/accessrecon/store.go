package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"

	"github.com/accessrecon/accessrecon/config"
	"github.com/accessrecon/accessrecon/connectors/catalog"
	"github.com/accessrecon/accessrecon/i18n"
	"github.com/accessrecon/accessrecon/reconcile/audit"
	"github.com/accessrecon/accessrecon/reconcile/reviewdb"
	"github.com/urfave/cli/v2"
)

func storeCommand() *cli.Command {
	return &cli.Command{
		Name:  "store",
		Usage: "the review store and the audit log: move them from files to PostgreSQL",
		Flags: []cli.Flag{langFlag},
		Subcommands: []*cli.Command{{
			Name:  "migrate",
			Usage: "copy the SQLite review store (review.store) and the audit log file (audit_log) into the empty PostgreSQL database of the config's store section, in one transaction, and check the copy",
			Flags: []cli.Flag{configFlag, langFlag,
				&cli.StringFlag{Name: "to", Required: true, Usage: "where to: `postgres` (the only one)"},
			},
			Action: func(c *cli.Context) error {
				if c.String("to") != "postgres" {
					return i18n.Errorf("store migrate: --to %q: expected postgres", c.String("to"))
				}
				cfg, err := config.Load(config.OSFiles{}, c.String("config"), catalog.Types)
				if err != nil {
					return err
				}
				l, _ := lang(c)
				report, err := migrateStore(c, cfg)
				if err != nil {
					return err
				}
				fmt.Fprint(c.App.Writer, report.String(l))
				return nil
			},
		}},
	}
}

// migration is what store migrate copied.
type migration struct {
	from, to, log string
	rows          map[string]int
	lines         int
}

func (m migration) String(l string) string {
	var b bytes.Buffer
	fmt.Fprintln(&b, i18n.Sprintf(l, "copied %s to %s:", m.from, m.to))
	for _, t := range slices.Sorted(maps.Keys(m.rows)) {
		fmt.Fprintln(&b, i18n.Sprintf(l, "  %s: %d rows", t, m.rows[t]))
	}
	fmt.Fprintln(&b, i18n.Sprintf(l, "  the audit log %s: %d lines, chain intact, the same bytes", m.log, m.lines))
	fmt.Fprintln(&b, i18n.T(l, "set store.type: postgres in the config (if it is not yet) before serve starts again"))
	return b.String()
}

// migrateStore copies the config's SQLite store and file audit log into
// its PostgreSQL database: the log verified first (chain and checkpoints),
// both copied in one transaction, then the rows counted again and the log
// read back, verified and compared byte for byte with the file.
func migrateStore(c *cli.Context, cfg *config.Config) (*migration, error) {
	ctx := c.Context
	if !cfg.OnDisk() {
		return nil, i18n.Errorf("store migrate: give --config")
	}
	dsn, err := cfg.DSN()
	if err != nil {
		return nil, i18n.Errorf("store: %w", err)
	}
	logPath := cfg.Resolve(cfg.AuditLog)
	files := *cfg
	files.Store = config.Store{}
	if _, err := os.Stat(logPath); err == nil {
		if _, err := audit.VerifyLog(&files, logPath, "en"); err != nil {
			return nil, i18n.Errorf("store migrate: the audit log does not verify, so nothing is copied: %w", err)
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	storePath := cfg.Resolve(cfg.Review.Store)
	if _, err := os.Stat(storePath); err != nil {
		return nil, i18n.Errorf("store migrate: the review store %s: %w", storePath, errors.Unwrap(err))
	}
	src, err := reviewdb.Open(ctx, storePath)
	if err != nil {
		return nil, err
	}
	defer src.Close()
	dst, err := reviewdb.OpenPostgres(ctx, dsn)
	if err != nil {
		return nil, err
	}
	defer dst.Close()
	pg := *cfg
	pg.Store.Type = "postgres"
	m := &migration{from: storePath, to: dst.Path, log: logPath}
	fileSum := sha256.New()
	m.rows, err = src.CopyTo(ctx, dst, func(ctx context.Context) error {
		f, err := os.Open(logPath)
		if errors.Is(err, os.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		defer f.Close()
		head, err := audit.Import(ctx, &pg, io.TeeReader(f, fileSum), logPath, clock())
		m.lines = head.Lines
		return err
	})
	if err != nil {
		return nil, i18n.Errorf("store migrate: nothing was copied: %w", err)
	}
	if _, err := audit.VerifyConfig(ctx, &pg, "en"); err != nil {
		return nil, i18n.Errorf("store migrate: the copied audit log does not verify: %w", err)
	}
	pgSum := sha256.New()
	if _, _, err := audit.Export(ctx, &pg, pgSum); err != nil {
		return nil, err
	}
	if !bytes.Equal(pgSum.Sum(nil), fileSum.Sum(nil)) {
		return nil, i18n.Errorf("store migrate: the audit log read back from PostgreSQL differs from %s", logPath)
	}
	return m, nil
}
