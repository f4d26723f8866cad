package main

import (
	"fmt"
	"io"

	"github.com/accessrecon/accessrecon/config"
	"github.com/accessrecon/accessrecon/connectors/catalog"
	"github.com/accessrecon/accessrecon/graph"
	"github.com/accessrecon/accessrecon/i18n"
	"github.com/accessrecon/accessrecon/reconcile/atomicfile"
	"github.com/accessrecon/accessrecon/reconcile/dashboard"
	"github.com/accessrecon/accessrecon/reconcile/inputs"
	"github.com/accessrecon/accessrecon/reconcile/report"
	"github.com/urfave/cli/v2"
)

func dashboardCommand() *cli.Command {
	return &cli.Command{
		Name:  "dashboard",
		Usage: "write the dashboard of a period as one HTML page with charts: the shared-system inventory over time, findings per plan, days from a transfer to the removal, campaigns and reviewers, daily log checks",
		Flags: []cli.Flag{configFlag, langFlag,
			&cli.StringFlag{Name: "from", Usage: "the first day `D` of the period (YYYY-MM-DD, Japan time; default a year before --to)"},
			&cli.StringFlag{Name: "to", Usage: "the last day `D` of the period (default today)"},
			&cli.StringFlag{Name: "out", Required: true, Usage: "the HTML `FILE` to write"},
		},
		Action: func(c *cli.Context) error {
			to, err := asOf(c, "to", graph.DateOf(clock()))
			if err != nil {
				return err
			}
			from, err := asOf(c, "from", graph.DateOf(to.Start().AddDate(-1, 0, 1)))
			if err != nil {
				return err
			}
			if to < from {
				return i18n.Errorf("--to %s is before --from %s", to, from)
			}
			l, err := lang(c)
			if err != nil {
				return err
			}
			cfg, err := config.Load(config.OSFiles{}, c.String("config"), catalog.Types)
			if err != nil {
				return err
			}
			// The org, systems and people, for names: the sources are not read.
			in, err := inputs.LoadPeople(c.Context, cfg, logger(c))
			if err != nil {
				return err
			}
			d, err := dashboard.Build(cfg, in.Graph.Snapshot(), from, to, clock())
			if err != nil {
				return err
			}
			if err := atomicfile.WriteFileAtomicWith(c.String("out"), func(w io.Writer) error { return dashboard.Write(w, d, l) }); err != nil {
				return err
			}
			say := report.Renderer{Lang: l}.Say
			fmt.Fprintln(c.App.Writer, say(
				fmt.Sprintf("dashboard %s: %s to %s, %d plans, %d confidential systems, %d removals for transfers, %d log checks, %d campaigns", c.String("out"), from, to, len(d.Runs), len(d.Inventory), len(d.Movers), len(d.LogDays), len(d.Campaigns)),
				fmt.Sprintf("ダッシュボード %s: %s から %s、計画 %d 件、機密システム %d、異動による取消 %d 件、ログチェック %d 回、キャンペーン %d 件", c.String("out"), from, to, len(d.Runs), len(d.Inventory), len(d.Movers), len(d.LogDays), len(d.Campaigns))))
			return nil
		},
	}
}
