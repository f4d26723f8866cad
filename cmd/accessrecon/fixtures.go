package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/accessrecon/accessrecon/fixtures/generate"
	"github.com/accessrecon/accessrecon/i18n"
	"github.com/urfave/cli/v2"
)

func fixturesCommand() *cli.Command {
	return &cli.Command{
		Name:  "fixtures",
		Usage: "generated data sets for trials and benchmarks",
		Flags: []cli.Flag{langFlag}, // --help --lang ja
		Subcommands: []*cli.Command{{
			Name:  "generate",
			Usage: "write a deterministic, realistic data set in the documented formats",
			Flags: []cli.Flag{
				&cli.IntFlag{Name: "people", Value: 10_000, Usage: "`N` people (about 10 grants each)"},
				&cli.Uint64Flag{Name: "seed", Value: 1, Usage: "the same `S` gives the same files"},
				&cli.IntFlag{Name: "log-lines", Usage: "also write `N` access-log lines (access.csv) for logs check --date 2026-11-24"},
				&cli.StringFlag{Name: "out", Required: true, Usage: "write into folder `DIR` (created; must be empty)"},
				langFlag,
			},
			Action: func(c *cli.Context) error {
				if c.Int("people") < 1 {
					return errors.New("--people: expected at least 1")
				}
				dir := c.String("out")
				if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
					return i18n.Errorf("--out %s: the folder is not empty", dir)
				}
				if err := os.MkdirAll(dir, 0o755); err != nil {
					return i18n.Errorf("--out %s: %w", dir, err)
				}
				if err := generate.Write(dir, generate.Options{People: c.Int("people"), Seed: c.Uint64("seed")}); err != nil {
					return err
				}
				if n := c.Int("log-lines"); n > 0 {
					if err := generate.WriteAccessLog(filepath.Join(dir, "access.csv"), c.Int("people"), n, c.Uint64("seed")); err != nil {
						return err
					}
				}
				l, err := lang(c)
				if err != nil {
					return err
				}
				fmt.Fprintln(c.App.Writer, i18n.Sprintf(l, "%s: %d people as of %s; try: accessrecon plan --config %s --as-of %s",
					dir, c.Int("people"), generate.AsOf, filepath.Join(dir, "accessrecon.yaml"), generate.AsOf))
				return nil
			},
		}},
	}
}
