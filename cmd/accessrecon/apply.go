package main

import (
	"errors"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"time"

	"github.com/accessrecon/accessrecon/config"
	"github.com/accessrecon/accessrecon/connectors"
	"github.com/accessrecon/accessrecon/reconcile"
	"github.com/accessrecon/accessrecon/reconcile/apply"
	"github.com/accessrecon/accessrecon/reconcile/audit"
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
	return reconcile.Record(cfg, e, time.Now())
}

func readPlanFile(name string) (*reconcile.Plan, error) {
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, connectors.UnwrapPath(err))
	}
	return reconcile.ReadPlan(name, data)
}

func approveCommand() *cli.Command {
	return &cli.Command{
		Name:      "approve",
		Usage:     "record an approval of a plan, bound to its digest (the approver must not be its author)",
		ArgsUsage: "PLAN",
		Flags:     []cli.Flag{configFlag, &cli.StringFlag{Name: "by", Required: true, Usage: "the approver's employee `ID`"}},
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return errors.New("approve: expected one argument, the plan file")
			}
			name := c.Args().First()
			p, err := readPlanFile(name)
			if err != nil {
				return err
			}
			cfg, err := optionalConfig(c)
			if err != nil {
				return err
			}
			a, err := apply.Approve(name, p, c.String("by"), time.Now())
			if err != nil {
				return err
			}
			if err := recordAudit(cfg, audit.Event{Event: "approval", By: c.String("by"), Plan: p.Digest, Data: map[string]any{"plan_file": name, "approvals": len(a.Approvals)}}); err != nil {
				return err
			}
			fmt.Fprintf(c.App.Writer, "approved %s (%s) by %s: %d approval(s)\n", name, p.Digest, c.String("by"), len(a.Approvals))
			return nil
		},
	}
}

// optionalConfig loads --config when it exists or was given explicitly.
func optionalConfig(c *cli.Context) (*config.Config, error) {
	if _, err := os.Stat(c.String("config")); err != nil && !c.IsSet("config") {
		return nil, nil
	}
	return config.Load(config.OSFiles{}, c.String("config"))
}

func applyCommand() *cli.Command {
	return &cli.Command{
		Name:      "apply",
		Usage:     "carry out an approved plan safely (exit 5 when refused)",
		ArgsUsage: "PLAN",
		Flags: []cli.Flag{configFlag, asOfFlag, byFlag, verbose,
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
		refusal := &apply.Refusal{Reason: err.Error()}
		if cfg, cerr := optionalConfig(c); cerr == nil {
			if aerr := recordAudit(cfg, audit.Event{Event: "refusal", By: actor(c), Data: map[string]any{"plan_file": name, "reason": refusal.Reason}}); aerr != nil {
				return aerr
			}
		}
		return refusal
	}
	if err != nil {
		return err
	}
	s, err := openSession(c.Context, c, config.OSFiles{}, c.String("config"))
	if err != nil {
		return err
	}
	by := actor(c)
	record := func(event string, data map[string]any) {
		if err := recordAudit(s.cfg, audit.Event{Event: event, By: by, Plan: p.Digest, Data: data}); err != nil {
			fmt.Fprintf(c.App.ErrWriter, "accessrecon: audit log: %v\n", err)
		}
	}
	if f := c.String("confirm-manual"); f != "" {
		if err := apply.CheckApprovals(name, p, s.cfg.Apply.Approvals); err != nil {
			record("refusal", map[string]any{"reason": err.Error()})
			return err
		}
		done, err := apply.ConfirmManual(name, p, f, time.Now(), record)
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
	reach, revokers, err := reconcile.Reaches(s.cfg, logger(c))
	if err != nil {
		return err
	}
	res, err := apply.Run(c.Context, s.inputs, s.policy, p, apply.Options{
		PlanPath: name, Today: day, By: by, DryRun: c.Bool("dry-run"), AllowDrift: c.Bool("allow-drift"),
		AllowMass: c.Bool("allow-mass-revocation"), Reason: c.String("reason"),
		RequiredApprovals: s.cfg.Apply.Approvals, Mass: s.cfg.Apply.MassRevocation, Reach: reach, Revokers: revokers, Record: record,
	})
	var refusal *apply.Refusal
	if errors.As(err, &refusal) && !c.Bool("dry-run") {
		record("refusal", map[string]any{"reason": refusal.Reason})
	}
	if err != nil {
		return err
	}
	counts := map[string]int{}
	for _, o := range res.Outcomes {
		counts[o.State]++
		if c.Bool("dry-run") || c.Bool("verbose") {
			fmt.Fprintf(c.App.Writer, "%s %-16s %-32s %s %s\n", o.Action.ID, o.Action.Op, o.Action.ItemID(), o.State, o.Detail)
		}
	}
	prefix := ""
	if c.Bool("dry-run") {
		prefix = "dry run, nothing changed: "
	}
	fmt.Fprintf(c.App.Writer, "%s%d actions: %d done, %d awaiting confirmation, %d waiting for their date, %d skipped, %d failed\n", prefix,
		len(res.Outcomes), counts[apply.StateDone], counts[apply.StateManual], counts[apply.StateWaiting], counts[apply.StateSkipped], counts[apply.StateFailed])
	for _, w := range res.WorkOrders {
		fmt.Fprintf(c.App.Writer, "work order: %s\n", w)
	}
	if res.Interrupted {
		record("interrupted", map[string]any{"pending": counts[apply.StatePending]})
		return fmt.Errorf("stopped on request: %d action(s) not started and left pending; run apply again to carry on", counts[apply.StatePending])
	}
	if counts[apply.StateFailed] > 0 {
		return fmt.Errorf("%d actions failed; run apply again to retry them", counts[apply.StateFailed])
	}
	return nil
}

func auditCommand() *cli.Command {
	return &cli.Command{
		Name:  "audit",
		Usage: "the hash-chained audit log",
		Subcommands: []*cli.Command{{
			Name:      "verify",
			Usage:     "check the chain and name the first broken line",
			ArgsUsage: "FILE",
			Action: func(c *cli.Context) error {
				if c.NArg() != 1 {
					return errors.New("audit verify: expected one argument, the audit log")
				}
				name := c.Args().First()
				f, err := os.Open(name)
				if err != nil {
					return fmt.Errorf("%s: %w", name, connectors.UnwrapPath(err))
				}
				defer f.Close()
				n, err := audit.Verify(f, filepath.Clean(name))
				if err != nil {
					return err
				}
				fmt.Fprintf(c.App.Writer, "%s: %d lines, chain intact\n", name, n)
				return nil
			},
		}},
	}
}
