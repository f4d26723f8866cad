package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/user"
	"path/filepath"

	"github.com/accessrecon/accessrecon/connectors/catalog"

	"github.com/accessrecon/accessrecon/config"
	"github.com/accessrecon/accessrecon/connectors"
	"github.com/accessrecon/accessrecon/graph"
	"github.com/accessrecon/accessrecon/i18n"
	"github.com/accessrecon/accessrecon/reconcile"
	"github.com/accessrecon/accessrecon/reconcile/apply"
	"github.com/accessrecon/accessrecon/reconcile/atomicfile"
	"github.com/accessrecon/accessrecon/reconcile/audit"
	"github.com/accessrecon/accessrecon/reconcile/inputs"
	"github.com/accessrecon/accessrecon/reconcile/report"
	"github.com/accessrecon/accessrecon/reconcile/reviewdb"
	"github.com/accessrecon/accessrecon/reconcile/signing"
	"github.com/urfave/cli/v2"
)

var byFlag = &cli.StringFlag{Name: "by", Usage: "who is acting: an employee `ID` (default: the OS user)"}

// actor is --by, or the OS user.
func actor(c *cli.Context) string {
	if by := c.String("by"); by != "" {
		return by
	}
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	return os.Getenv("USER")
}

// recordAudit appends an event to the audit log, if there is one.
func recordAudit(cfg *config.Config, e audit.Event) error {
	return audit.Record(cfg, e, clock())
}

func readPlanFile(name string) (*reconcile.Plan, error) {
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, i18n.Errorf("%s: %w", name, connectors.UnwrapPath(err))
	}
	return reconcile.ReadPlan(name, data)
}

func approveCommand() *cli.Command {
	return &cli.Command{
		Name:      "approve",
		Usage:     "record an approval of a plan, bound to its digest and signed with the approver's SSH key",
		ArgsUsage: "PLAN",
		Flags: []cli.Flag{configFlag, langFlag, verbose,
			&cli.StringFlag{Name: "by", Required: true, Usage: "the approver's employee `ID` (an active person of the HR feed, not the plan's author)"},
			&cli.StringFlag{Name: "key", Usage: "sign the plan's digest with the OpenSSH private key `FILE` (passphrase from " + signing.PassphraseEnv + ")"},
			&cli.StringFlag{Name: "signature", Usage: "an SSH signature `FILE` of the digest made elsewhere (ssh-keygen -Y sign -n accessrecon)"},
		},
		Action: approveAction,
	}
}

func approveAction(c *cli.Context) error {
	if c.NArg() != 1 {
		return errors.New("approve: expected one argument, the plan file")
	}
	name := c.Args().First()
	p, err := readPlanFile(name)
	if err != nil {
		return err
	}
	cfg, err := config.Load(config.OSFiles{}, c.String("config"), catalog.Types)
	if err != nil {
		return err
	}
	in, err := inputs.LoadPeople(c.Context, cfg, logger(c))
	if err != nil {
		return err
	}
	rules, err := apply.Rules(cfg, graph.DateOf(clock()))
	if err != nil {
		return err
	}
	o := apply.ApproveOptions{By: c.String("by"), Now: clock(), Rules: rules}
	if k := c.String("key"); k != "" {
		if o.Signer, err = signing.LoadSigner(k); err != nil {
			return err
		}
	}
	if f := c.String("signature"); f != "" {
		// An armored SSH signature is a few hundred bytes; read no more than 64 KiB.
		fh, err := os.Open(f)
		if err != nil {
			return i18n.Errorf("--signature %s: %w", f, connectors.UnwrapPath(err))
		}
		data, err := io.ReadAll(io.LimitReader(fh, 64<<10+1))
		fh.Close()
		if err != nil {
			return i18n.Errorf("--signature %s: %w", f, err)
		}
		if len(data) > 64<<10 {
			return i18n.Errorf("--signature %s: larger than 64 KiB, not an SSH signature", f)
		}
		o.Signature = string(data)
	}
	a, err := apply.Approve(name, p, in, o)
	if err != nil {
		return err
	}
	x := a.Approvals[len(a.Approvals)-1]
	if err := recordAudit(cfg, audit.Event{Event: audit.Approval, By: x.By, Plan: p.Digest, Data: map[string]any{"plan_file": name, "approvals": len(a.Approvals), "signed": x.Signature != ""}}); err != nil {
		return err
	}
	// The review store shows it beside the approvals given in the browser.
	if store, err := openStore(c.Context, cfg); err != nil {
		return err
	} else if store != nil {
		err := store.RecordPlanDecision(c.Context, reviewdb.PlanDecision{PlanDigest: p.Digest, PlanFile: filepath.Base(name), Decision: "approve", By: x.By, Comment: "accessrecon approve"})
		store.Close()
		if err != nil {
			return err
		}
	}
	l, err := lang(c)
	if err != nil {
		return err
	}
	say := report.Renderer{Lang: l}.Say
	how := say("unsigned", "署名なし")
	if x.Signature != "" {
		how = say("signed", "署名付き")
	}
	if l == report.LangJA {
		fmt.Fprintf(c.App.Writer, "%s（%s）を %s が承認しました（%s）。承認 %d 件\n", name, p.Digest, x.By, how, len(a.Approvals))
	} else {
		fmt.Fprintf(c.App.Writer, "approved %s (%s) by %s, %s: %d approval(s)\n", name, p.Digest, x.By, how, len(a.Approvals))
	}
	if more := cfg.Apply.Approvals - len(a.Approvals); more > 0 {
		fmt.Fprintln(c.App.ErrWriter, say(fmt.Sprintf("accessrecon: next: %d more approval(s) by other approvers, then accessrecon apply %s --config %s", more, name, c.String("config")),
			fmt.Sprintf("accessrecon: 次に: ほかの承認者の承認があと %d 件必要です。その後 accessrecon apply %s --config %s", more, name, c.String("config"))))
	} else {
		fmt.Fprintln(c.App.ErrWriter, say(fmt.Sprintf("accessrecon: next: accessrecon apply %s --config %s", name, c.String("config")),
			fmt.Sprintf("accessrecon: 次に: accessrecon apply %s --config %s で実施します", name, c.String("config"))))
	}
	return nil
}

// optionalConfig loads --config when it exists or was given explicitly.
func optionalConfig(c *cli.Context) (*config.Config, error) {
	if _, err := os.Stat(c.String("config")); err != nil && !c.IsSet("config") {
		return nil, nil
	}
	return config.Load(config.OSFiles{}, c.String("config"), catalog.Types)
}

func applyCommand() *cli.Command {
	return &cli.Command{
		Name:      "apply",
		Usage:     "carry out an approved plan safely (exit 5 when refused)",
		ArgsUsage: "PLAN",
		Flags: []cli.Flag{configFlag, asOfFlag, byFlag, langFlag, verbose,
			&cli.BoolFlag{Name: "dry-run", Usage: "run every check and show what would happen, changing nothing"},
			&cli.BoolFlag{Name: "allow-drift", Usage: "apply a stale plan, re-checking each action's precondition"},
			&cli.BoolFlag{Name: "allow-mass-revocation", Usage: "apply a plan over the mass-revocation threshold (with --reason)"},
			&cli.StringFlag{Name: "reason", Usage: "why the mass revocation is intended"},
			&cli.StringFlag{Name: "confirm-manual", Usage: "record the administrators' confirmation of work-order actions from CSV `FILE`"},
		},
		Action: applyAction,
	}
}

func applyAction(c *cli.Context) error {
	if c.NArg() != 1 {
		return errors.New("apply: expected one argument, the plan file")
	}
	name := c.Args().First()
	p, err := readPlanFile(name)
	if errors.Is(err, reconcile.ErrModified) {
		refusal := &apply.Refusal{Reason: err.Error(), Why: i18n.M("%v", err)}
		if cfg, cerr := optionalConfig(c); cerr == nil {
			if aerr := recordAudit(cfg, audit.Event{Event: audit.Refusal, By: actor(c), Data: map[string]any{"plan_file": name, "reason": refusal.Reason}}); aerr != nil {
				return aerr
			}
		}
		return refusal
	}
	if err != nil {
		return err
	}
	unlock, err := apply.Lock(name)
	if err != nil {
		return err
	}
	defer unlock()
	s, err := openSession(c.Context, c, config.OSFiles{}, c.String("config"))
	if err != nil {
		return err
	}
	by := actor(c)
	if ok, err := reconcile.Recorded(s.cfg, p.Digest); err != nil {
		return err
	} else if !ok {
		refusal := apply.NewRefusal("the audit log %s does not record the making of %s (%s): only plans accessrecon made are carried out", audit.Name(s.cfg), name, p.Digest)
		if err := recordAudit(s.cfg, audit.Event{Event: audit.Refusal, By: by, Plan: p.Digest, Data: map[string]any{"plan_file": name, "reason": refusal.Reason}}); err != nil {
			return errors.Join(refusal, err)
		}
		return refusal
	}
	// An event that cannot be written to the audit log stops apply.
	record := func(event string, data map[string]any) error {
		return recordAudit(s.cfg, audit.Event{Event: event, By: by, Plan: p.Digest, Data: data})
	}
	if f := c.String("confirm-manual"); f != "" {
		rules, err := apply.Rules(s.cfg, graph.DateOf(clock()))
		if err != nil {
			return err
		}
		if err := apply.CheckApprovals(name, p, s.inputs, rules); err != nil {
			return errors.Join(err, record(audit.Refusal, map[string]any{"reason": err.Error()}))
		}
		done, err := apply.ConfirmManual(c.Context, name, p, f, s.inputs.Graph.Snapshot(), clock(), record)
		if err != nil {
			return err
		}
		fmt.Fprintf(c.App.Writer, "%d action(s) confirmed done: %v\n", len(done), done)
		return nil
	}
	day, err := asOf(c, "as-of", 0)
	if err != nil {
		return err
	}
	rules, err := apply.Rules(s.cfg, day)
	if err != nil {
		return err
	}
	reach, revokers, err := inputs.Reaches(c.Context, s.cfg, logger(c))
	if err != nil {
		return err
	}
	res, err := apply.Run(c.Context, s.inputs, s.policy, p, apply.Options{
		PlanPath: name, Today: day, By: by, DryRun: c.Bool("dry-run"), AllowDrift: c.Bool("allow-drift"),
		AllowMass: c.Bool("allow-mass-revocation"), Reason: c.String("reason"),
		Approval: rules, Mass: s.cfg.Apply.MassRevocation, Reach: reach, Revokers: revokers, Record: record,
		Progress: progress(c.App.ErrWriter, "適用 applying"),
	})
	var refusal *apply.Refusal
	if errors.As(err, &refusal) && !c.Bool("dry-run") {
		err = errors.Join(err, record(audit.Refusal, map[string]any{"reason": refusal.Reason}))
	}
	if err != nil {
		return err
	}
	l, err := lang(c)
	if err != nil {
		return err
	}
	counts := map[string]int{}
	for _, o := range res.Outcomes {
		counts[o.State]++
		if c.Bool("dry-run") || c.Bool("verbose") {
			fmt.Fprintf(c.App.Writer, "%s %s %s %s %s\n", o.Action.ID, report.Pad(report.Renderer{Lang: l}.Word(o.Action.Op), 16), report.Pad(o.Action.ItemID(), 32),
				apply.StateIn(o.State, l), o.Detail.In(l))
		}
	}
	msg := applyWords[l]
	prefix := ""
	if c.Bool("dry-run") {
		prefix = msg[0]
	}
	fmt.Fprintf(c.App.Writer, prefix+msg[1]+"\n",
		len(res.Outcomes), counts[apply.StateDone], counts[apply.StateManual], counts[apply.StateWaiting], counts[apply.StateSkipped], counts[apply.StateFailed])
	for _, w := range res.WorkOrders {
		fmt.Fprintf(c.App.Writer, msg[2]+"\n", w)
	}
	if !c.Bool("dry-run") && !res.Interrupted {
		if err := record(audit.Apply, map[string]any{"actions": len(res.Outcomes), "done": counts[apply.StateDone], "awaiting_confirmation": counts[apply.StateManual],
			"failed": counts[apply.StateFailed], "work_orders": len(res.WorkOrders)}); err != nil {
			return err
		}
	}
	if res.Interrupted {
		if err := record(audit.Interrupted, map[string]any{"pending": counts[apply.StatePending]}); err != nil {
			return err
		}
		return i18n.Errorf("stopped on request: %d action(s) not started and left pending; run apply again to carry on", counts[apply.StatePending])
	}
	if counts[apply.StateFailed] > 0 {
		return i18n.Errorf("%d actions failed; run apply again to retry them", counts[apply.StateFailed])
	}
	return nil
}

// applyWords are apply's summary: the dry-run prefix, the counts, a work order.
var applyWords = map[string][3]string{
	report.LangEN: {"dry run, nothing changed: ", "%d actions: %d done, %d awaiting confirmation, %d waiting for their date, %d skipped, %d failed", "work order: %s"},
	report.LangJA: {"試行（変更なし）: ", "措置 %d 件: 完了 %d、確認待ち %d、実施日待ち %d、対象外 %d、失敗 %d", "作業指示書: %s"},
}

func auditCommand() *cli.Command {
	return &cli.Command{
		Name:  "audit",
		Usage: "the hash-chained audit log",
		Flags: []cli.Flag{langFlag}, // --help --lang ja
		Subcommands: []*cli.Command{{
			Name:      "verify",
			Usage:     "check the chain and the checkpoints, and name the first broken line or the lines missing",
			ArgsUsage: "[FILE] (default: the config's audit log)",
			Flags:     []cli.Flag{configFlag, langFlag},
			Action: func(c *cli.Context) error {
				if c.NArg() > 1 {
					return errors.New("audit verify: expected at most one argument, the audit log")
				}
				cfg, err := optionalConfig(c)
				if err != nil {
					return err
				}
				name := c.Args().First()
				if name == "" && !audit.Keeps(cfg) {
					return errors.New("audit verify: give the audit log, or --config naming one")
				}
				l, err := lang(c)
				if err != nil {
					return err
				}
				var report string
				if name == "" {
					report, err = audit.VerifyConfig(c.Context, cfg, l)
				} else {
					report, err = audit.VerifyLog(cfg, name, l)
				}
				if err != nil {
					return err
				}
				fmt.Fprintln(c.App.Writer, report)
				return nil
			},
		}, {
			Name:      "export",
			Usage:     "write the config's audit log (a file, or the table in PostgreSQL) as audit.jsonl lines, with its checkpoint beside, for the evidence tools",
			ArgsUsage: "OUT (a new file; its checkpoint is written beside it as .accessrecon-audit.json)",
			Flags:     []cli.Flag{configFlag, langFlag},
			Action: func(c *cli.Context) error {
				if c.NArg() != 1 {
					return errors.New("audit export: expected one argument, the file to write")
				}
				cfg, err := config.Load(config.OSFiles{}, c.String("config"), catalog.Types)
				if err != nil {
					return err
				}
				if !audit.Keeps(cfg) {
					return errors.New("audit export: the config keeps no audit log")
				}
				head, err := exportAudit(c.Context, cfg, c.Args().First())
				if err != nil {
					return err
				}
				l, _ := lang(c)
				fmt.Fprintln(c.App.Writer, i18n.Sprintf(l, "%s: %d lines, chain intact", c.Args().First(), head.Lines))
				return nil
			},
		}, {
			Name:  "accept",
			Usage: "accept, with a reason, the lines of the audit log no checkpoint covers (they prove nothing), so that accessrecon writes to it again",
			Flags: []cli.Flag{configFlag, langFlag, byFlag, &cli.StringFlag{Name: "reason", Required: true, Usage: "why the lines are accepted (`TEXT`, recorded)"}},
			Action: func(c *cli.Context) error {
				cfg, err := config.Load(config.OSFiles{}, c.String("config"), catalog.Types)
				if err != nil {
					return err
				}
				from, to, err := audit.AcceptUncovered(cfg, actor(c), c.String("reason"), clock())
				if err != nil {
					return err
				}
				l, _ := lang(c)
				fmt.Fprintln(c.App.Writer, i18n.Sprintf(l, "lines %d to %d accepted: recorded in the audit log, and covered by a new checkpoint", from, to))
				return nil
			},
		}},
	}
}

// exportAudit writes the config's audit log to out (a new file, written
// whole or not at all) and its checkpoint beside it, where audit verify
// looks for it.
func exportAudit(ctx context.Context, cfg *config.Config, out string) (audit.Head, error) {
	beside := filepath.Join(filepath.Dir(out), audit.CheckpointFile)
	for _, p := range []string{out, beside} {
		if _, err := os.Lstat(p); err == nil {
			return audit.Head{}, i18n.Errorf("audit export: %s exists already; write into a new folder", p)
		}
	}
	var head audit.Head
	var cp *audit.Checkpoint
	err := atomicfile.WriteFileAtomicWith(out, func(w io.Writer) error {
		var err error
		head, cp, err = audit.Export(ctx, cfg, w)
		return err
	})
	if err != nil {
		return head, err
	}
	if cp != nil {
		if err := atomicfile.WriteJSONFile(beside, cp); err != nil {
			return head, err
		}
	}
	return head, nil
}
