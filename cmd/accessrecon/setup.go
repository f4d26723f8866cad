package main

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/accessrecon/accessrecon/connectors/catalog"

	"github.com/accessrecon/accessrecon/config"
	"github.com/accessrecon/accessrecon/fixtures"
	"github.com/accessrecon/accessrecon/i18n"
	"github.com/accessrecon/accessrecon/reconcile"
	"github.com/accessrecon/accessrecon/reconcile/atomicfile"
	"github.com/accessrecon/accessrecon/reconcile/report"
	"github.com/urfave/cli/v2"
)

func initCommand() *cli.Command {
	return &cli.Command{
		Name:      "init",
		Usage:     "write a commented starter deployment (config, org, systems, HR and source stubs) into DIR",
		ArgsUsage: "[DIR] (default: the current folder)",
		Flags:     []cli.Flag{langFlag},
		Action: func(c *cli.Context) error {
			if c.NArg() > 1 {
				return errors.New("init: expected at most one argument, the folder")
			}
			dir := c.Args().First()
			if dir == "" {
				dir = "."
			}
			l, err := lang(c)
			if err != nil {
				return err
			}
			files, err := starterFiles(l)
			if err != nil {
				return err
			}
			for name := range files {
				if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
					return i18n.Errorf("init: %s already exists; init writes only into a folder without a deployment", filepath.Join(dir, name))
				}
			}
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return i18n.Errorf("init: %w", err)
			}
			for _, name := range slices.Sorted(maps.Keys(files)) {
				if err := atomicfile.WriteFileIn(dir, name, files[name]); err != nil {
					return err
				}
			}
			msg := map[string]string{
				report.LangEN: "wrote a starter deployment into %s: edit it, check it with `accessrecon validate --config %s`, then run `accessrecon plan --config %s`\n",
				report.LangJA: "%s に初期設定を作成しました。編集したら `accessrecon validate --config %s` で確認し、`accessrecon plan --config %s` を実行してください\n",
			}[l]
			cfg := filepath.Join(dir, "accessrecon.yaml")
			fmt.Fprintf(c.App.Writer, msg, dir, cfg, cfg)
			return nil
		},
	}
}

// starterFiles are the files of the starter deployment in a language.
func starterFiles(l string) (map[string][]byte, error) {
	out := map[string][]byte{}
	for _, sub := range []string{"starter/common", "starter/" + l} {
		err := fs.WalkDir(fixtures.Starter, sub, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			data, err := fixtures.Starter.ReadFile(p)
			out[path.Base(p)] = data
			return err
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

func validateCommand() *cli.Command {
	return &cli.Command{
		Name:  "validate",
		Usage: "read the config and every input, report every problem and what was read (exit 0 valid, 1 not)",
		Flags: []cli.Flag{configFlag, langFlag, verbose},
		Action: func(c *cli.Context) error {
			l, err := lang(c)
			if err != nil {
				return err
			}
			cfg, err := config.Load(config.OSFiles{}, c.String("config"), catalog.Types)
			if err != nil {
				return err
			}
			mods, err := policyModules(cfg)
			if err != nil {
				return err
			}
			checks := reconcile.Validate(c.Context, cfg, mods, logger(c))
			words := map[string][3]string{
				report.LangEN: {"input", "result", "%d of %d inputs have problems"},
				report.LangJA: {"入力", "結果", "%[2]d 件の入力のうち %[1]d 件に問題があります"},
			}[l]
			tw := tabwriter.NewWriter(c.App.Writer, 0, 4, 2, ' ', 0)
			fmt.Fprintf(tw, "%s\t%s\n", words[0], words[1])
			var problems []string
			for _, ch := range checks {
				if ch.Err != nil {
					fmt.Fprintf(tw, "%s\t%s\n", ch.Input, report.Renderer{Lang: l}.Say("ERROR", "エラー"))
					problems = append(problems, i18n.Text(ch.Err, l))
					continue
				}
				fmt.Fprintf(tw, "%s\tok: %s\n", ch.Input, report.Renderer{Lang: l}.Say(ch.Summary, ch.SummaryJA))
			}
			tw.Flush()
			for _, ch := range checks {
				if ch.Warning != "" {
					fmt.Fprintf(c.App.ErrWriter, "accessrecon: %s: %s\n", report.Renderer{Lang: l}.Say("warning", "警告"), report.Renderer{Lang: l}.Say(ch.Warning, ch.WarningJA))
				}
			}
			if len(problems) > 0 {
				return i18n.Errorf("%s\n%s", strings.Join(problems, "\n"), fmt.Sprintf(words[2], len(problems), len(checks)))
			}
			return nil
		},
	}
}
