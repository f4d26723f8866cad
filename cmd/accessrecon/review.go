package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/accessrecon/accessrecon/connectors/catalog"

	"github.com/accessrecon/accessrecon/cmd/accessrecon/views"
	"github.com/accessrecon/accessrecon/config"
	"github.com/accessrecon/accessrecon/graph"
	"github.com/accessrecon/accessrecon/i18n"
	"github.com/accessrecon/accessrecon/reconcile"
	"github.com/accessrecon/accessrecon/reconcile/atomicfile"
	"github.com/accessrecon/accessrecon/reconcile/audit"
	"github.com/accessrecon/accessrecon/reconcile/certify"
	"github.com/accessrecon/accessrecon/reconcile/report"
	"github.com/accessrecon/accessrecon/reconcile/reset"
	"github.com/accessrecon/accessrecon/reconcile/reviewdb"
	"github.com/accessrecon/accessrecon/reconcile/worksheet"
	"github.com/urfave/cli/v2"
)

// yearFlag is a string flag, parsed by year: an int flag would show
// "(default: 0)" for a year that has no default.
func yearFlag() *cli.StringFlag {
	return &cli.StringFlag{Name: "year", Required: true, Usage: "the reset's `YYYY` (February of that year)"}
}

// year is --year.
func year(c *cli.Context) (int, error) {
	y, err := strconv.Atoi(c.String("year"))
	if err != nil || y < 2000 || y > 2999 {
		return 0, i18n.Errorf("--year %q: expected a year such as 2027", c.String("year"))
	}
	return y, nil
}

// fileArgs are the files of a repeatable flag and those listed after the
// flags (--decisions a.xlsx b.xlsx).
func fileArgs(c *cli.Context, flag string) []string {
	return append(c.StringSlice(flag), c.Args().Slice()...)
}

// readDecisionFiles reads and merges worksheets returned by reviewers.
func readDecisionFiles(paths []string) (map[string]worksheet.Decision, error) {
	var lists [][]worksheet.Decision
	for _, p := range paths {
		ds, err := worksheet.ReadDecisions(p)
		if err != nil {
			return nil, err
		}
		lists = append(lists, ds)
	}
	return worksheet.Merge(lists...)
}

func resetCommand() *cli.Command {
	return &cli.Command{
		Name:  "reset",
		Usage: "the February full reset: revoke every right on the reset systems, grant back the confirmed",
		Flags: []cli.Flag{langFlag}, // --help --lang ja
		Subcommands: []*cli.Command{
			{
				Name:  "plan",
				Usage: "the reset plan of a year (phase 1 on the last day of February, phase 2 on March 1)",
				Flags: []cli.Flag{configFlag, yearFlag(), outFlag, formatFlag, detailFlag, langFlag, verbose, byFlag,
					&cli.StringSliceFlag{Name: "confirmations", Usage: "returned worksheets `F` (CSV or XLSX); repeat for several"},
				},
				Action: planAction(func(c *cli.Context, s *session) (*reconcile.Plan, error) {
					y, err := year(c)
					if err != nil {
						return nil, err
					}
					confirmations, err := readDecisionFiles(fileArgs(c, "confirmations"))
					if err != nil {
						return nil, err
					}
					return reset.Plan(c.Context, s.inputs, s.policy, y, confirmations, graph.DateOf(clock()))
				}),
			},
			{
				Name:  "worksheet",
				Usage: "the confirmation worksheets of a year's reset, one per system owner (XLSX and CSV)",
				Flags: []cli.Flag{configFlag, yearFlag(), asOfFlag, langFlag, verbose, byFlag,
					&cli.StringFlag{Name: "out", Required: true, Usage: "write the worksheets into folder `DIR`"},
				},
				Action: func(c *cli.Context) error {
					y, err := year(c)
					if err != nil {
						return err
					}
					day, err := asOf(c, "as-of", 0)
					if err != nil {
						return err
					}
					s, err := openSession(c.Context, c, config.OSFiles{}, c.String("config"))
					if err != nil {
						return err
					}
					sheets := reset.Worksheets(s.inputs, y, day)
					limitHeap(logger(c)) // the rows held now as well as the graph
					names, err := worksheet.Write(c.String("out"), "reset-"+strconv.Itoa(y), sheets, progress(c.App.ErrWriter, "書き出し writing"))
					if err != nil {
						return err
					}
					if err := recordFiles(s.cfg, actor(c), audit.ResetWorksheets, c.String("out"), names, map[string]any{"year": y}); err != nil {
						return err
					}
					for _, n := range names {
						fmt.Fprintln(c.App.Writer, filepath.Join(c.String("out"), n))
					}
					return nil
				},
			},
		},
	}
}

func certifyCommand() *cli.Command {
	// --dir is the campaign's folder, as --out of certify open made it;
	// --campaign, SPEC's name for it, stays an alias.
	campaignDir := &cli.StringFlag{Name: "dir", Aliases: []string{"campaign"}, Required: true, Usage: "the campaign folder `DIR` (certify open --out)"}
	return &cli.Command{
		Name:  "certify",
		Usage: "quarterly entitlement certification campaigns",
		Flags: []cli.Flag{langFlag}, // --help --lang ja
		Subcommands: []*cli.Command{
			{
				Name:  "open",
				Usage: "write the review worksheets of a campaign, one per system owner unit",
				Flags: []cli.Flag{configFlag, asOfFlag, langFlag, verbose, byFlag,
					&cli.StringFlag{Name: "campaign", Required: true, Usage: "the campaign `ID`, e.g. 2026Q4"},
					&cli.StringFlag{Name: "due", Usage: "the day `D` the worksheets are due back (YYYY-MM-DD; reminders and escalation by mail)"},
					&cli.StringFlag{Name: "out", Required: true, Usage: "the new campaign folder `DIR`"},
					&cli.StringFlag{Name: "template", Usage: "open the campaign from template `T` (monthly: the layered monthly check of the manually administered systems; events: a small review of what happened since --since; or one of review.templates)"},
					&cli.StringFlag{Name: "since", Usage: "with --template events: the events after day `D` (default: the last events campaign's day, else the day before)"},
				},
				Action: func(c *cli.Context) error {
					day, err := asOf(c, "as-of", 0)
					if err != nil {
						return err
					}
					s, err := openSession(c.Context, c, config.OSFiles{}, c.String("config"))
					if err != nil {
						return err
					}
					tmpl, err := certify.TemplateOf(s.cfg, s.inputs.Graph.Snapshot(), c.String("template"))
					if err != nil {
						return err
					}
					var lastUse certify.LastUse
					if len(s.cfg.AccessLogs) > 0 {
						names, err := logFiles(s.cfg)
						if err != nil {
							return err
						}
						if lastUse, _, err = certify.ReadLastUse(c.Context, s.cfg.Files, names); err != nil {
							return err
						}
					}
					store, err := openStore(c.Context, s.cfg)
					if err != nil {
						return err
					}
					if store == nil {
						return i18n.Errorf("certification campaigns live in the review store beside the config: run them with --config FILE (accessrecon init DIR makes one)")
					}
					defer store.Close()
					var since graph.Date
					if v := c.String("since"); v != "" {
						if since, err = graph.ParseDate(v); err != nil {
							return i18n.Errorf("--since: %w", err)
						}
					}
					l, err := lang(c)
					if err != nil {
						return err
					}
					started, err := certify.Start(c.Context, s.inputs, s.policy, store, certify.Opening{
						ID: c.String("campaign"), AsOf: day, Template: tmpl, Due: c.String("due"), Out: c.String("out"), By: actor(c),
						LastUse: lastUse, Since: since, Link: campaignLink(s.cfg, c.String("campaign")), Now: clock(),
						Progress: progress(c.App.ErrWriter, "書き出し writing"),
						Built:    func() { limitHeap(logger(c)) }, // the rows held now as well as the graph
						Record:   func(_ context.Context, e audit.Event) error { return recordAudit(s.cfg, e) },
					})
					if err != nil {
						return err
					}
					if started.Campaign == nil {
						fmt.Fprintln(c.App.Writer, i18n.Sprintf(l, "nothing happened after %s that calls a right to review: no campaign opened", started.NothingSince))
						return nil
					}
					campaign, rc := started.Campaign, started.Store
					views.CertifyOpened(c.App.Writer, c.App.ErrWriter, l, c.String("out"), campaignLink(s.cfg, campaign.ID), campaign, rc)
					return nil
				},
			},
			{
				Name:  "import",
				Usage: "take returned worksheets into a running campaign (the items kept go on to the next stage)",
				Flags: []cli.Flag{configFlag, langFlag, verbose, byFlag, campaignDir,
					&cli.StringSliceFlag{Name: "decisions", Usage: "returned worksheets `F` (CSV or XLSX); repeat, or list them after the flags"},
				},
				Action: certifyImport,
			},
			{
				Name:  "close",
				Usage: "read the decisions and plan the revocations (unreviewed items are revoked)",
				Flags: []cli.Flag{configFlag, asOfFlag, outFlag, formatFlag, detailFlag, langFlag, verbose, byFlag, campaignDir,
					&cli.StringSliceFlag{Name: "decisions", Usage: "returned worksheets `F` (CSV or XLSX); repeat, or list them after the flags"},
					&cli.StringFlag{Name: "unreviewed", Usage: "what happens to unreviewed items: `revoke` or keep (default: the campaign's template, else revoke)"},
					&cli.StringFlag{Name: "force", Usage: "close before the last stage has ended, for `REASON` (recorded in the audit log, the plan and the report)"},
				},
				Action: certifyClose,
			},
			{
				Name:  "report",
				Usage: "the evidence for auditors: per reviewer, items reviewed, kept, revoked, unreviewed, when",
				Flags: []cli.Flag{configFlag, campaignDir, langFlag, verbose,
					&cli.StringSliceFlag{Name: "decisions", Usage: "worksheets `F` to count, if the campaign is not closed yet"},
				},
				Action: certifyReport,
			},
		},
	}
}

// clock is the time of the commands that decide by it (stages ending);
// tests set it.
var clock = time.Now

// certifyDesk is the desk the CLI decides a campaign at: the review store of
// the config, the HR feed loaded, the audit log.
func certifyDesk(ctx context.Context, s *session) (certify.Desk, func(), error) {
	store, err := openStore(ctx, s.cfg)
	if err != nil {
		return certify.Desk{}, nil, err
	}
	if store == nil {
		return certify.Desk{}, nil, i18n.Errorf("certification campaigns live in the review store beside the config: run them with --config FILE (accessrecon init DIR makes one)")
	}
	now := clock()
	return certify.Desk{Store: store, Snap: s.inputs.Graph.Snapshot(), Now: now,
		Record: func(ctx context.Context, e audit.Event) error { return audit.RecordContext(ctx, s.cfg, e, now) }}, func() { store.Close() }, nil
}

// openDesk loads the config's inputs and opens the desk on them.
func openDesk(c *cli.Context) (*session, certify.Desk, func(), error) {
	s, err := openSession(c.Context, c, config.OSFiles{}, c.String("config"))
	if err != nil {
		return nil, certify.Desk{}, nil, err
	}
	desk, done, err := certifyDesk(c.Context, s)
	return s, desk, done, err
}

func certifyClose(c *cli.Context) error {
	if err := checkFormat(c); err != nil {
		return err
	}
	unreviewed := c.String("unreviewed")
	if unreviewed != "" && unreviewed != "revoke" && unreviewed != "keep" {
		return i18n.Errorf("--unreviewed %q: expected revoke or keep", unreviewed)
	}
	day, err := asOf(c, "as-of", 0)
	if err != nil {
		return err
	}
	dir := c.String("dir")
	campaign, err := certify.Read(dir)
	if err != nil {
		return err
	}
	var worksheets []worksheet.Decision
	if files := fileArgs(c, "decisions"); len(files) > 0 {
		if worksheets, err = readDecisionList(files); err != nil {
			return err
		}
	}
	s, desk, done, err := openDesk(c)
	if err != nil {
		return err
	}
	defer done()
	var status error
	closed, err := certify.Close(c.Context, desk, s.inputs, s.policy, campaign.ID, certify.CloseOptions{
		AsOf: day, By: actor(c), Unreviewed: unreviewed, Force: c.String("force"), Worksheets: worksheets,
		Publish: func(p *reconcile.Plan) error {
			// --detailed-exitcode's status 2 is not a failure.
			status = emit(c, s, p)
			if se := (statusError{}); errors.As(status, &se) {
				return nil
			}
			return status
		},
	})
	if err != nil {
		return err
	}
	l, _ := lang(c)
	views.CertifyClosed(c.App.ErrWriter, l, closed.Closing)
	if err := atomicfile.WriteJSONIn(dir, certify.DecisionsFile, certify.Export(closed.Closing)); err != nil {
		return err
	}
	return status
}

func certifyImport(c *cli.Context) error {
	campaign, err := certify.Read(c.String("dir"))
	if err != nil {
		return err
	}
	files := fileArgs(c, "decisions")
	if len(files) == 0 {
		return i18n.Errorf("certify import: give the returned worksheets with --decisions F")
	}
	ws, err := readDecisionList(files)
	if err != nil {
		return err
	}
	_, desk, done, err := openDesk(c)
	if err != nil {
		return err
	}
	defer done()
	got, err := certify.Import(c.Context, desk, campaign.ID, actor(c), ws)
	if err != nil {
		return err
	}
	l, _ := lang(c)
	views.CertifyImported(c.App.Writer, c.App.ErrWriter, l, campaign.ID, got)
	return nil
}

// readDecisionList reads the worksheets reviewers returned, in the order
// of the files and their rows; an item decided in two of them is refused
// (worksheet.Merge).
func readDecisionList(paths []string) ([]worksheet.Decision, error) {
	var lists [][]worksheet.Decision
	var out []worksheet.Decision
	for _, p := range paths {
		ds, err := worksheet.ReadDecisions(p)
		if err != nil {
			return nil, err
		}
		lists = append(lists, ds)
		out = append(out, ds...)
	}
	if _, err := worksheet.Merge(lists...); err != nil {
		return nil, err
	}
	return out, nil
}

func certifyReport(c *cli.Context) error {
	dir := c.String("dir")
	campaign, err := certify.Read(dir)
	if err != nil {
		return err
	}
	l, err := lang(c)
	if err != nil {
		return err
	}
	var cl *reviewdb.Closing
	if files := fileArgs(c, "decisions"); len(files) > 0 {
		// Counting worksheets not yet taken checks them as close would.
		ws, err := readDecisionList(files)
		if err != nil {
			return err
		}
		_, desk, done, err := openDesk(c)
		if err != nil {
			return err
		}
		defer done()
		if cl, err = certify.Preview(c.Context, desk, campaign.ID, ws); errors.Is(err, reviewdb.ErrAlreadyClosed) {
			return i18n.Errorf("%s: campaign %s is closed; its report comes from the decisions it was closed with: run certify report without --decisions", dir, campaign.ID)
		}
		if err != nil {
			return err
		}
	} else {
		cfg, err := config.Load(config.OSFiles{}, c.String("config"), catalog.Types)
		if err != nil {
			return err
		}
		store, err := openStore(c.Context, cfg)
		if err != nil || store == nil {
			return cmp.Or(err, i18n.Errorf("certification campaigns live in the review store beside the config: run them with --config FILE (accessrecon init DIR makes one)"))
		}
		defer store.Close()
		if cl, err = certify.ClosedWith(c.Context, store, campaign.ID); err != nil {
			return err
		}
	}
	stats := certify.Report(cl)
	md := certify.ReportMarkdown(cl.Campaign, stats, l == report.LangJA)
	csvData, err := certify.ReportCSV(stats)
	if err != nil {
		return err
	}
	if err := atomicfile.WriteFileIn(dir, "report.md", md); err != nil {
		return err
	}
	if err := atomicfile.WriteFileIn(dir, "report.csv", csvData); err != nil {
		return err
	}
	_, err = c.App.Writer.Write(md)
	return err
}

// recordFiles writes an audit event for files a command wrote into dir,
// with the SHA-256 of each.
func recordFiles(cfg *config.Config, by, event, dir string, names []string, data map[string]any) error {
	files, err := audit.FileDigests(dir, names)
	if err != nil {
		return err
	}
	data["dir"], data["files"] = dir, files
	return recordAudit(cfg, audit.Event{Event: event, By: by, Data: data})
}

// openStore opens the review store of a config on disk (nil for the demo's
// embedded data).
func openStore(ctx context.Context, cfg *config.Config) (*reviewdb.Store, error) {
	if !cfg.OnDisk() {
		return nil, nil
	}
	st, err := reviewdb.OpenConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	st.Now = clock
	return st, nil
}

// campaignLink is where reviewers decide a campaign in the browser ("" without review.web).
func campaignLink(cfg *config.Config, id string) string {
	if u := strings.TrimSuffix(cfg.Review.Web.PublicURL, "/"); u != "" {
		return u + "/campaigns/" + url.PathEscape(id)
	}
	return ""
}
