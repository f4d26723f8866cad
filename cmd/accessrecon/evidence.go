package main

import (
	"errors"
	"fmt"

	"github.com/accessrecon/accessrecon/config"
	"github.com/accessrecon/accessrecon/connectors/catalog"
	"github.com/accessrecon/accessrecon/i18n"
	evidencepack "github.com/accessrecon/accessrecon/reconcile/evidence"
	"github.com/accessrecon/accessrecon/reconcile/report"
	"github.com/accessrecon/accessrecon/reconcile/signing"
	"github.com/urfave/cli/v2"
)

func evidenceCommand() *cli.Command {
	return &cli.Command{
		Name:  "evidence",
		Usage: "the evidence of a period for auditors and the regulator: a pack, and its offline check",
		Flags: []cli.Flag{langFlag}, // --help --lang ja
		Subcommands: []*cli.Command{{
			Name:  "pack",
			Usage: "pack every plan, approval, apply, campaign, reset, log check and mail of a period with the audit log, an index of the controls they evidence and a signed manifest",
			Flags: []cli.Flag{configFlag, langFlag,
				&cli.StringFlag{Name: "from", Required: true, Usage: "the first day `D` of the period (YYYY-MM-DD, Japan time)"},
				&cli.StringFlag{Name: "to", Required: true, Usage: "the last day `D` of the period"},
				&cli.StringFlag{Name: "out", Required: true, Usage: "the new folder `DIR` of the pack"},
			},
			Action: func(c *cli.Context) error {
				from, err := asOf(c, "from", 0)
				if err != nil {
					return err
				}
				to, err := asOf(c, "to", 0)
				if err != nil {
					return err
				}
				if to < from {
					return i18n.Errorf("--to %s is before --from %s", to, from)
				}
				cfg, err := config.Load(config.OSFiles{}, c.String("config"), catalog.Types)
				if err != nil {
					return err
				}
				p, err := evidencepack.Build(cfg, from, to, c.String("out"), clock())
				if err != nil {
					return err
				}
				l, err := lang(c)
				if err != nil {
					return err
				}
				say := report.Renderer{Lang: l}.Say
				missing := 0
				for _, it := range p.Items {
					missing += len(it.Missing)
				}
				fmt.Fprintln(c.App.Writer, say(fmt.Sprintf("evidence pack %s: %d events from %s to %s, %d files, manifest %s", p.Dir, len(p.Items), from, to, p.Files, map[bool]string{true: "signed", false: "unsigned (no audit_key)"}[p.Signed]),
					fmt.Sprintf("証跡パック %s: %s から %s の事象 %d 件、ファイル %d 件、マニフェスト%s", p.Dir, from, to, len(p.Items), p.Files, map[bool]string{true: "署名付き", false: "署名なし（audit_key がありません）"}[p.Signed])))
				if missing > 0 {
					fmt.Fprintln(c.App.ErrWriter, say(fmt.Sprintf("accessrecon: warning: %d files the audit log names were not found; the index lists them", missing),
						fmt.Sprintf("accessrecon: 警告: 監査ログが示すファイルのうち %d 件が見つかりません。索引に記載しています", missing)))
				}
				return nil
			},
		}, {
			Name:      "verify",
			Usage:     "check a pack offline: every file's SHA-256, nothing missing or added, the manifest's signature",
			ArgsUsage: "DIR",
			Flags: []cli.Flag{configFlag, langFlag,
				&cli.StringFlag{Name: "allowed-signers", Usage: "check the signature against `FILE` (default: the config's apply.allowed_signers)"},
				&cli.StringFlag{Name: "signer", Usage: "the signer's principal `ID` (default: the config's audit_signer)"},
			},
			Action: func(c *cli.Context) error {
				if c.NArg() != 1 {
					return errors.New("evidence verify: expected one argument, the pack's folder")
				}
				file, principal := c.String("allowed-signers"), c.String("signer")
				if file == "" || principal == "" {
					if cfg, err := config.Load(config.OSFiles{}, c.String("config"), catalog.Types); err == nil {
						if file == "" && cfg.Apply.AllowedSigners != "" {
							file = cfg.Resolve(cfg.Apply.AllowedSigners)
						}
						if principal == "" {
							principal = cfg.AuditSigner
						}
					}
				}
				var signers *signing.AllowedSigners
				if file != "" {
					var err error
					if signers, err = signing.ReadAllowedSigners(file); err != nil {
						return err
					}
				}
				r, err := evidencepack.Verify(c.Args().First(), signers, principal)
				if err != nil {
					return err
				}
				l, err := lang(c)
				if err != nil {
					return err
				}
				say := report.Renderer{Lang: l}.Say
				sig := say("signature checked", "署名を確認")
				switch {
				case r.Unsigned:
					sig = say("no signature: it proves only that nothing changed since it was listed", "署名なし（一覧作成後に変更がないことだけを示します）")
				case !r.Signed:
					sig = say("signature not checked (no allowed_signers)", "署名は未確認（allowed_signers がありません）")
				}
				fmt.Fprintln(c.App.Writer, say(fmt.Sprintf("%s: %d files as listed; %s", c.Args().First(), r.Files, sig), fmt.Sprintf("%s: ファイル %d 件が一覧のとおり。%s", c.Args().First(), r.Files, sig)))
				return nil
			},
		}},
	}
}
