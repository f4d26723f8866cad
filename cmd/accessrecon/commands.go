package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"

	"github.com/accessrecon/accessrecon/connectors/catalog"

	"github.com/accessrecon/accessrecon/config"
	"github.com/accessrecon/accessrecon/connectors"
	"github.com/accessrecon/accessrecon/fixtures"
	"github.com/accessrecon/accessrecon/graph"
	"github.com/accessrecon/accessrecon/i18n"
	"github.com/accessrecon/accessrecon/policy"
	"github.com/accessrecon/accessrecon/reconcile"
	"github.com/accessrecon/accessrecon/reconcile/apply"
	"github.com/accessrecon/accessrecon/reconcile/atomicfile"
	"github.com/accessrecon/accessrecon/reconcile/inputs"
	"github.com/accessrecon/accessrecon/reconcile/report"
	"github.com/urfave/cli/v2"
)

// session is a loaded config, its inputs and the compiled policy.
type session struct {
	cfg    *config.Config
	inputs *inputs.Inputs
	policy *reconcile.Policy
	log    *slog.Logger
}

// openSession loads a session for a command that runs once: with the inputs
// loaded, the heap gets a soft limit (limitHeap).
func openSession(ctx context.Context, c *cli.Context, files fs.FS, path string) (*session, error) {
	loadingHeap()
	s, err := loadSession(ctx, c, files, path)
	if err != nil {
		return nil, err
	}
	limitHeap(logger(c))
	return s, nil
}

// loadSession loads a session. serve uses it as is: a refresh holds the old
// graph and the new one at once, which a limit set for one graph would choke.
func loadSession(ctx context.Context, c *cli.Context, files fs.FS, path string) (*session, error) {
	log := logger(c)
	cfg, err := config.Load(files, path, catalog.Types)
	if err != nil {
		return nil, err
	}
	if c.String("as-of") != "" {
		// hr.history dates the differences it first sees by the plan's day.
		day, err := asOf(c, "as-of", 0)
		if err != nil {
			return nil, err
		}
		cfg.HR.SeenOn = day.Start()
	}
	mods, err := policyModules(cfg)
	if err != nil {
		return nil, err
	}
	in, pol, err := reconcile.LoadAll(ctx, cfg, mods, log, progress(c.App.ErrWriter, "読み込み loading"))
	if err != nil {
		return nil, err
	}
	pol.Progress = progress(c.App.ErrWriter, "評価 evaluating")
	return &session{cfg: cfg, inputs: in, policy: pol, log: log}, nil
}

// policyModules are the bundled modules and those of policy.extra.
func policyModules(cfg *config.Config) ([]policy.Module, error) {
	mods := policy.Bundled()
	if cfg == nil || len(cfg.Policy.Extra) == 0 {
		return mods, nil
	}
	if !cfg.OnDisk() {
		return nil, errors.New("policy.extra is only read from the local file system")
	}
	dirs := make([]string, len(cfg.Policy.Extra))
	for i, d := range cfg.Policy.Extra {
		dirs[i] = cfg.Resolve(d)
	}
	extra, err := policy.LoadDirs(dirs)
	if err != nil {
		return nil, err
	}
	return append(mods, extra...), nil
}

func renderer(c *cli.Context, rules map[string]policy.RuleInfo) (report.Renderer, error) {
	l, err := lang(c)
	if err != nil {
		return report.Renderer{}, err
	}
	return report.Renderer{Lang: l, Rules: rules}, nil
}

// emit seals the plan, writes --out atomically, prints --format on stdout
// and applies --detailed-exitcode.
func emit(c *cli.Context, s *session, plan *reconcile.Plan) error {
	out := c.String("out")
	if err := reconcile.CheckOutput(s.cfg, s.inputs, out); err != nil {
		return err
	}
	by := actor(c)
	if c.IsSet("by") {
		// An author named with --by is a person of the HR feed, under the
		// one spelling of their id that approvals are compared with.
		p, err := reconcile.ActivePerson(s.inputs.Graph.Snapshot(), by, graph.DateOf(clock()))
		if err != nil {
			return i18n.Errorf("--by: %w", err)
		}
		by = p.EmployeeID
	}
	remember, err := reconcile.Finish(s.inputs, plan, reconcile.FinishOptions{
		By: by, Now: clock(), Out: out, AllowShrink: c.StringSlice("allow-source-shrink"),
	})
	if err != nil {
		return err
	}
	r, err := renderer(c, s.policy.Compiled.Rules())
	if err != nil {
		return err
	}
	// A terminal gets the first actions of each system; show has them all.
	r.MaxPerSystem = 50
	r.More = map[string]string{report.LangEN: "plan --out FILE, then accessrecon show FILE", report.LangJA: "plan --out FILE の後に accessrecon show FILE"}[r.Lang]
	if out != "" {
		r.More = "accessrecon show " + out
	}
	// What stdout shows is rendered while the file is encoded and written.
	var shown bytes.Buffer
	rendered := make(chan error, 1)
	go func() { rendered <- r.Render(&shown, plan, c.String("format")) }()
	if out != "" {
		if err := atomicfile.WriteFileAtomicWith(out, plan.EncodeTo); err != nil {
			return err
		}
		s.log.Debug("plan written", "file", out)
	}
	renderErr := <-rendered
	if err := remember(); err != nil {
		return err
	}
	if renderErr != nil {
		return renderErr
	}
	if _, err := shown.WriteTo(c.App.Writer); err != nil {
		return err
	}
	if removals, limit := reconcile.MassRevocation(plan, s.inputs.Graph.Snapshot(), s.cfg.Apply.MassRevocation); removals > limit {
		l, _ := lang(c)
		msg := map[string]string{
			report.LangEN: "accessrecon: warning: the plan removes %d rights or accounts, over the mass-revocation threshold of %d: apply will refuse it unless run with --allow-mass-revocation --reason \"...\"\n",
			report.LangJA: "accessrecon: 警告: この計画は %d 件の権限・アカウントを削除します（大量削除の上限 %d 件を超過）。apply は --allow-mass-revocation --reason \"...\" なしでは実行しません\n",
		}[l]
		fmt.Fprintf(c.App.ErrWriter, msg, removals, limit)
	}
	if out != "" && len(plan.Actions) > 0 && s.cfg.OnDisk() {
		l, _ := lang(c)
		say := report.Renderer{Lang: l}.Say
		fmt.Fprintln(c.App.ErrWriter, say(
			fmt.Sprintf("accessrecon: next: someone other than its author approves it (accessrecon approve %s --config %s --by ID, or on the reviewer pages), then accessrecon apply %s --config %s", out, c.String("config"), out, c.String("config")),
			fmt.Sprintf("accessrecon: 次に: 作成者以外の人が承認し（accessrecon approve %s --config %s --by 社員番号、または確認画面）、accessrecon apply %s --config %s で実施します", out, c.String("config"), out, c.String("config"))))
	}
	if c.Bool("detailed-exitcode") && (len(plan.Actions) > 0 || len(plan.Findings) > 0) {
		return statusError{exitChanges}
	}
	return nil
}

var allowShrinkFlag = &cli.StringSliceFlag{Name: "allow-source-shrink", Usage: "plan revocations from source `NAME` even though it returned no accounts or shrank"}

// planAction is the action of a command that loads the config's inputs,
// builds a plan and emits it.
func planAction(build func(c *cli.Context, s *session) (*reconcile.Plan, error)) cli.ActionFunc {
	return func(c *cli.Context) error {
		if err := checkFormat(c); err != nil {
			return err
		}
		s, err := openSession(c.Context, c, config.OSFiles{}, c.String("config"))
		if err != nil {
			return err
		}
		plan, err := build(c, s)
		if err != nil {
			return err
		}
		return emit(c, s, plan)
	}
}

func checkFormat(c *cli.Context) error {
	switch c.String("format") {
	case "text", "json", "markdown", "md", "csv", "html":
		return nil
	}
	return i18n.Errorf("--format %q: expected text, json, markdown, csv or html", c.String("format"))
}

func planCommand() *cli.Command {
	return &cli.Command{
		Name:      "plan",
		Usage:     "pull every source, evaluate policy, write the reconcile plan",
		ArgsUsage: " ",
		Flags:     []cli.Flag{configFlag, asOfFlag, outFlag, formatFlag, detailFlag, langFlag, verbose, byFlag, allowShrinkFlag},
		Action: planAction(func(c *cli.Context, s *session) (*reconcile.Plan, error) {
			day, err := asOf(c, "as-of", 0)
			if err != nil {
				return nil, err
			}
			return reconcile.Reconcile(c.Context, s.inputs, s.policy, day)
		}),
	}
}

func transferCommand() *cli.Command {
	return &cli.Command{
		Name:  "transfer",
		Usage: "check a proposed HR transfer, or plan one registered transfer",
		Flags: []cli.Flag{langFlag}, // --help --lang ja
		Subcommands: []*cli.Command{
			{
				Name:  "check",
				Usage: "would this transfer break a separation rule? (exit 3 when forbidden)",
				Flags: []cli.Flag{configFlag, asOfFlag, langFlag, verbose,
					&cli.StringFlag{Name: "employee", Required: true, Usage: "the employee_id `ID`"},
					&cli.StringFlag{Name: "to", Required: true, Usage: "the destination `UNIT`"},
					&cli.StringFlag{Name: "effective", Usage: "the transfer date `D` (default: --as-of, or today)"},
				},
				Action: transferCheck,
			},
			{
				Name:  "plan",
				Usage: "the plan for one HR transfer event, effective on its date",
				Flags: []cli.Flag{configFlag, outFlag, formatFlag, detailFlag, langFlag, verbose, byFlag, allowShrinkFlag,
					&cli.StringFlag{Name: "event", Required: true, Usage: "the transfer `EVENT_ID` of transfers.csv"},
				},
				Action: planAction(func(c *cli.Context, s *session) (*reconcile.Plan, error) {
					return reconcile.TransferPlan(c.Context, s.inputs, s.policy, c.String("event"))
				}),
			},
		},
	}
}

func transferCheck(c *cli.Context) error {
	day, err := asOf(c, "as-of", 0)
	if err != nil {
		return err
	}
	effective, err := asOf(c, "effective", day)
	if err != nil {
		return err
	}
	l, err := lang(c)
	if err != nil {
		return err
	}
	s, err := openSession(c.Context, c, config.OSFiles{}, c.String("config"))
	if err != nil {
		return err
	}
	res, err := reconcile.CheckTransfer(c.Context, s.inputs, s.policy, c.String("employee"), c.String("to"), effective)
	if err != nil {
		return err
	}
	snap := s.inputs.Graph.Snapshot()
	printTransferCheck(c.App.Writer, l, snap, res)
	if !res.Allowed {
		return statusError{exitForbidden}
	}
	return nil
}

func unitLabel(snap *graph.Snapshot, id string) string {
	if u := snap.Unit(id); u != nil && u.Name != "" {
		return fmt.Sprintf("%s %s (%s)", u.Company, u.Name, id)
	}
	return id
}

func printTransferCheck(w io.Writer, l string, snap *graph.Snapshot, res *reconcile.TransferCheck) {
	verdict := map[bool]map[string]string{
		true:  {report.LangEN: "ALLOWED", report.LangJA: "異動可"},
		false: {report.LangEN: "FORBIDDEN", report.LangJA: "異動不可"},
	}[res.Allowed][l]
	arrow := map[string]string{report.LangEN: "effective", report.LangJA: "発令日"}[l]
	fmt.Fprintf(w, "%s: %s %s: %s → %s, %s %s\n", verdict, res.Person.EmployeeID, res.Person.Name,
		unitLabel(snap, res.FromUnit), unitLabel(snap, res.ToUnit), arrow, res.Effective)
	for _, f := range res.Findings {
		fmt.Fprintf(w, "  %s [%s]: %s\n", f.Rule, f.Severity, report.Renderer{Lang: l}.Say(f.Message, f.MessageJA))
	}
}

func showCommand() *cli.Command {
	return &cli.Command{
		Name:      "show",
		Usage:     "render a plan for reviewers (html: with its author, approvals and status, printable)",
		ArgsUsage: "PLAN",
		Flags: []cli.Flag{langFlag, configFlag,
			&cli.StringFlag{Name: "format", Value: "text", Usage: "text, markdown, csv or html"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return errors.New("show: expected one argument, the plan file")
			}
			name := c.Args().First()
			data, err := os.ReadFile(name)
			if err != nil {
				return i18n.Errorf("%s: %w", name, connectors.UnwrapPath(err))
			}
			plan, err := reconcile.ReadPlan(name, data)
			if err != nil {
				return err
			}
			// Only the rules' titles are needed: parse, do not compile.
			rules, err := policy.RuleInfos(policy.WithoutTests(policy.Bundled()))
			if err != nil {
				return err
			}
			r, err := renderer(c, rules)
			if err != nil {
				return err
			}
			if c.String("format") == "html" {
				if r.E, err = evidence(c, name, plan); err != nil {
					return err
				}
			}
			return r.Render(c.App.Writer, plan, c.String("format"))
		},
	}
}

func demoCommand() *cli.Command {
	return &cli.Command{
		Name:  "demo",
		Usage: "run the reconcile plan on the demo data embedded in the binary (offline, from any folder)",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "as-of", Value: fixtures.DemoAsOf, Usage: "evaluate as of the day `D`"},
			outFlag, langFlag, verbose, byFlag,
			&cli.StringFlag{Name: "format", Value: "text", Usage: "text, json, markdown, csv or html"},
			trialFlags[0], trialFlags[1], trialFlags[2],
		},
		Action: func(c *cli.Context) error {
			if c.Bool("serve") {
				return trial(c)
			}
			if err := checkFormat(c); err != nil {
				return err
			}
			day, err := asOf(c, "as-of", 0)
			if err != nil {
				return err
			}
			s, err := openSession(c.Context, c, fixtures.Demo, fixtures.DemoConfig)
			if err != nil {
				return err
			}
			plan, err := reconcile.Reconcile(c.Context, s.inputs, s.policy, day)
			if err != nil {
				return err
			}
			return emit(c, s, plan)
		},
	}
}

func policyCommand() *cli.Command {
	return &cli.Command{
		Name:  "policy",
		Usage: "work with the Rego policies",
		Flags: []cli.Flag{langFlag}, // --help --lang ja
		Subcommands: []*cli.Command{{
			Name:  "test",
			Usage: "run the Rego tests of the bundled modules and of policy.extra",
			Flags: []cli.Flag{configFlag, verbose, langFlag, &cli.StringFlag{Name: "evaluator", Usage: "plan or topdown (OPA's runner, which shows the failing expression); default: the config's policy.evaluator, as plans use"}},
			Action: func(c *cli.Context) error {
				var cfg *config.Config
				if _, err := os.Stat(c.String("config")); err == nil || c.IsSet("config") {
					if cfg, err = config.Load(config.OSFiles{}, c.String("config"), catalog.Types); err != nil {
						return err
					}
				}
				mods, err := policyModules(cfg)
				if err != nil {
					return err
				}
				name := c.String("evaluator")
				if name == "" && cfg != nil {
					name = cfg.Policy.Evaluator // the evaluator plans use
				}
				ev, err := policy.ParseEvaluator(name)
				if err != nil {
					return i18n.Errorf("--evaluator: %w", err)
				}
				results, err := policy.RunTests(c.Context, mods, ev)
				if err != nil {
					return err
				}
				l, err := lang(c)
				if err != nil {
					return err
				}
				passed, failed := 0, 0
				for _, r := range results {
					if r.Pass {
						passed++
						if c.Bool("verbose") {
							fmt.Fprintf(c.App.Writer, "PASS %s.%s (%s)\n", r.Package, r.Name, r.Evaluator)
						}
						continue
					}
					failed++
					fmt.Fprintf(c.App.Writer, "FAIL %s.%s: %s\n", r.Package, r.Name, r.Detail)
				}
				fmt.Fprintln(c.App.Writer, i18n.Sprintf(l, "%d passed, %d failed", passed, failed))
				if failed > 0 {
					return i18n.Errorf("%d Rego tests failed", failed)
				}
				return nil
			},
		}},
	}
}

// evidence is what the HTML page of a plan shows beside it: the approvals,
// checked against the HR feed and allowed_signers when the config is there,
// and the journal's states.
func evidence(c *cli.Context, planPath string, p *reconcile.Plan) (*report.Evidence, error) {
	l, err := lang(c)
	if err != nil {
		return nil, err
	}
	say := report.Renderer{Lang: l}.Say
	ev := &report.Evidence{States: map[string]string{}}
	approvals, err := apply.ReadApprovals(planPath)
	if err != nil {
		return nil, err
	}
	cfg, err := optionalConfig(c)
	if err != nil {
		return nil, err
	}
	var snap *graph.Snapshot
	var rules apply.ApprovalRules
	if cfg != nil {
		in, err := inputs.LoadPeople(c.Context, cfg, logger(c))
		if err != nil {
			return nil, err
		}
		snap = in.Graph.Snapshot()
		if rules, err = apply.Rules(cfg, graph.DateOf(clock())); err != nil {
			return nil, err
		}
	}
	valid := 0
	for _, x := range approvals.Approvals {
		v := report.ApprovalView{By: x.By, At: x.At, Signed: x.Signature != ""}
		switch {
		case approvals.PlanDigest != p.Digest:
			v.Verified = say("does not count: it approved another digest", "無効: 別の内容への承認")
		case snap == nil:
			v.Verified = say("not checked (no config)", "未確認（設定なし）")
		default:
			if person, _ := reconcile.Person(snap, x.By); person != nil {
				v.Name = person.Name
			}
			if _, err := apply.CheckApproval(snap, p, x, rules); err != nil {
				v.Verified = say("does not count: ", "無効: ") + err.Error()
				break
			}
			valid++
			v.Verified = say("verified: active in the HR feed", "確認済み: 人事データ上の在籍者")
			if v.Signed && rules.Signers != nil {
				v.Verified += say(", signature checked against ", "、署名を照合: ") + rules.Signers.Path
			}
		}
		ev.Approvals = append(ev.Approvals, v)
	}
	journal, err := apply.ReadJournal(planPath)
	if err != nil {
		return nil, err
	}
	counts := map[string]int{}
	for _, a := range p.Actions {
		st := journal[a.ID].State
		if st == "" {
			st = apply.StatePending
		}
		ev.States[a.ID] = apply.StateIn(st, l)
		counts[st]++
	}
	approved := say("approved", "承認済み")
	if cfg != nil && valid < rules.Required || cfg == nil && len(approvals.Approvals) == 0 {
		approved = say("not approved", "未承認")
	}
	applied := say("not applied", "未実施")
	switch {
	case len(journal) > 0 && counts[apply.StateDone]+counts[apply.StateSkipped] == len(p.Actions):
		applied = say("applied", "実施済み")
	case len(journal) > 0:
		applied = fmt.Sprintf(say("partly applied: %d done, %d awaiting confirmation, %d failed, %d pending", "一部実施: 完了 %d、確認待ち %d、失敗 %d、未実施 %d"),
			counts[apply.StateDone], counts[apply.StateManual], counts[apply.StateFailed], counts[apply.StatePending]+counts[apply.StateWaiting])
	}
	ev.Status = approved + say(", ", "、") + applied
	return ev, nil
}
