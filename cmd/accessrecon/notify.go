package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/accessrecon/accessrecon/connectors/catalog"
	"github.com/accessrecon/accessrecon/input"

	"github.com/accessrecon/accessrecon/config"
	"github.com/accessrecon/accessrecon/i18n"
	"github.com/accessrecon/accessrecon/reconcile/audit"
	"github.com/accessrecon/accessrecon/reconcile/inputs"
	"github.com/accessrecon/accessrecon/reconcile/notify"
	"github.com/accessrecon/accessrecon/reconcile/report"
	"github.com/urfave/cli/v2"
)

func notifyCommand() *cli.Command {
	return &cli.Command{
		Name:  "notify",
		Usage: "mail the people the config names about the audit log's events",
		Flags: []cli.Flag{langFlag}, // --help --lang ja
		Subcommands: []*cli.Command{{
			Name:  "run",
			Usage: "queue the messages of new events and send the queue (once; for cron and systemd timers)",
			Flags: []cli.Flag{configFlag, langFlag, verbose,
				&cli.BoolFlag{Name: "dry-run", Usage: "write each message as an .eml file into --out, send nothing, remember nothing"},
				&cli.StringFlag{Name: "out", Usage: "the folder `DIR` of --dry-run's .eml files"},
				&cli.StringFlag{Name: "date", Usage: "the day `D` reminders and escalations are for (YYYY-MM-DD; default today)"},
			},
			Action: notifyRun,
		}},
	}
}

func notifyRun(c *cli.Context) error {
	l, err := lang(c)
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
	now := time.Now()
	if c.String("date") != "" {
		d, err := asOf(c, "date", 0)
		if err != nil {
			return err
		}
		now = d.Start().Add(9 * time.Hour)
	}
	msgs, refused, next, err := notify.Collect(c.Context, cfg, in.Graph.Snapshot(), now)
	if err != nil {
		return err
	}
	out := c.App.Writer
	if c.Bool("dry-run") {
		dir := c.String("out")
		if dir == "" {
			return i18n.Errorf("notify run --dry-run: give the folder for the messages with --out DIR")
		}
		for _, m := range msgs {
			if err := notify.WriteEML(dir, cfg.Notify, m); err != nil {
				return err
			}
		}
		for _, r := range refused {
			fmt.Fprintf(out, "%s\n", i18n.Sprintf(l, "refused: %s (%s): %s", r.Person, r.To, r.Reason.Localize(l)))
		}
		fmt.Fprintln(out, i18n.Sprintf(l, "%d messages written to %s, %d refused; nothing sent", len(msgs), dir, len(refused)))
		return nil
	}
	sent, failed, err := deliver(c.Context, cfg, msgs, refused, next)
	if err != nil {
		return err
	}
	errOut := report.SafeWriter(c.App.ErrWriter) // the mail server's words cannot drive the terminal (go-mail quotes them too)
	for id, ferr := range failed {
		fmt.Fprintln(errOut, i18n.Sprintf(l, "accessrecon: not sent yet, kept in the queue: %s: %v", id, ferr))
	}
	fmt.Fprintln(out, i18n.Sprintf(l, "%d messages sent, %d refused, %d kept in the queue", sent, len(refused), notify.Queued(context.Background(), cfg)))
	if len(failed) > 0 {
		return statusError{code: exitError}
	}
	return nil
}

// deliver records the refusals, queues the messages, moves the cursor and
// sends the queue: what notify run and serve do. It returns how many were
// sent and those that failed (kept queued).
func deliver(ctx context.Context, cfg *config.Config, msgs []notify.Message, refused []notify.Refused, next int) (int, map[string]error, error) {
	fresh, err := notify.NewRefusals(ctx, cfg, refused)
	if err != nil {
		return 0, nil, err
	}
	for _, r := range fresh {
		if err := recordAudit(cfg, audit.Event{Event: audit.MailRefused, Data: map[string]any{"person": r.Person, "reason": r.Reason.String(), "about": r.Event}}); err != nil {
			return 0, nil, err
		}
		if err := notify.MarkRecorded(ctx, cfg, r); err != nil {
			return 0, nil, err
		}
	}
	if err := notify.Enqueue(ctx, cfg, msgs, next); err != nil {
		return 0, nil, err
	}
	password := ""
	if s := cfg.Notify.SMTP; s.Username != "" {
		var err error
		if password, err = input.Secret(cfg.Files, s.PasswordEnv, "SMTP_PASSWORD", s.PasswordFile); err != nil {
			return 0, nil, i18n.Errorf("notify: smtp: %w", err)
		}
	}
	limit := cfg.Notify.RateLimit
	if limit <= 0 {
		limit = 100
	}
	sent, failed, err := notify.Send(ctx, cfg, password, limit)
	for _, s := range sent {
		if aerr := recordAudit(cfg, audit.Event{Event: audit.MailSent, Data: map[string]any{"message_id": s.ID}}); aerr != nil {
			return len(sent), failed, aerr
		}
	}
	return len(sent), failed, err
}

// notifyEvery runs what notify run does every interval until ctx ends, for
// serve: the config and the HR feed read afresh each time; a failure is
// logged and tried again at the next tick.
func notifyEvery(ctx context.Context, configPath string, every time.Duration, leader func() bool, log *slog.Logger) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if !leader() {
			continue // another replica sends the mail
		}
		sent, err := notifyOnce(ctx, configPath, log)
		if sent > 0 {
			log.Info("mail sent", "messages", sent)
		}
		if err != nil {
			log.Warn("notify: not done this time; tried again at the next tick", "error", err)
		}
	}
}

// notifyOnce is one tick of notifyEvery: the config (a broken one is an
// error, logged, not a silent stop of the mail) and the HR feed read
// afresh, the messages made and sent.
func notifyOnce(ctx context.Context, configPath string, log *slog.Logger) (int, error) {
	cfg, err := config.Load(config.OSFiles{}, configPath, catalog.Types)
	if err != nil || len(cfg.Notify.Events) == 0 {
		return 0, err
	}
	in, err := inputs.LoadPeople(ctx, cfg, log)
	if err != nil {
		return 0, err
	}
	msgs, refused, next, err := notify.Collect(ctx, cfg, in.Graph.Snapshot(), time.Now())
	if err != nil {
		return 0, err
	}
	sent, _, err := deliver(ctx, cfg, msgs, refused, next)
	return sent, err
}
