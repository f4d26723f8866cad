package main

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/accessrecon/accessrecon/config"
	"github.com/accessrecon/accessrecon/connectors/catalog"
	"github.com/accessrecon/accessrecon/fixtures"
	"github.com/accessrecon/accessrecon/i18n"
	"github.com/accessrecon/accessrecon/input"
	"github.com/accessrecon/accessrecon/reconcile/inputs"
	"github.com/accessrecon/accessrecon/reconcile/report"
	"github.com/accessrecon/accessrecon/web/trialop"
	"github.com/urfave/cli/v2"
)

// trialFlags are demo's flags for the trial of the reviewer pages.
var trialFlags = []cli.Flag{
	&cli.BoolFlag{Name: "serve", Usage: "try the reviewer pages on the demo data: a plan to approve and a campaign to review, with an OpenID provider for the trial, on this computer only"},
	&cli.StringFlag{Name: "listen", Value: "127.0.0.1:8080", Usage: "with --serve: serve the pages on loopback address `ADDR`"},
	&cli.StringFlag{Name: "dir", Usage: "with --serve: keep the trial's deployment in `DIR` (default: a new temporary folder)"},
}

// trial serves the reviewer pages on a copy of the demo data: the demo's
// deployment written to a folder with a review section, a plan waiting for
// approval and the monthly campaign opened (by the plan and certify open
// commands, as a person would run them), an OpenID provider on another
// loopback port whose users are the demo's people, and serve.
func trial(c *cli.Context) error {
	l, err := lang(c)
	if err != nil {
		return err
	}
	say := report.Renderer{Lang: l}.Say
	listen := c.String("listen")
	host, _, err := net.SplitHostPort(listen)
	if err != nil || !input.IsLoopback(host) {
		return i18n.Errorf("--listen %s: the trial serves this computer only; expected a loopback address such as 127.0.0.1:8080", listen)
	}
	dir := c.String("dir")
	if dir == "" {
		if dir, err = os.MkdirTemp("", "accessrecon-trial-"); err != nil {
			return err
		}
	}
	cfgPath := filepath.Join(dir, "accessrecon.yaml")
	fresh := false
	if _, err := os.Stat(filepath.Join(dir, "people.csv")); errors.Is(err, fs.ErrNotExist) {
		demo, _ := fs.Sub(fixtures.Demo, "demo")
		if err := os.CopyFS(dir, demo); err != nil {
			return i18n.Errorf("--dir %s: %w", dir, err)
		}
		if err := trialManagers(filepath.Join(dir, "people.csv")); err != nil {
			return err
		}
		fresh = true
	}
	op, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	defer op.Close()
	issuer := "http://" + op.Addr().String()
	public := "http://" + listen
	secret, token := randomHex(), randomHex()
	for name, v := range map[string]string{"trial-oidc-secret": secret, "trial-api-token": token} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(v+"\n"), 0o600); err != nil {
			return err
		}
	}
	base, err := fs.ReadFile(fixtures.Demo, fixtures.DemoConfig)
	if err != nil {
		return err
	}
	// The demo's config with the pages' section, written at every start:
	// the provider's port is new each time.
	review := fmt.Sprintf(`
# The trial (accessrecon demo --serve): the reviewer pages with an OpenID
# provider for trying them only. Not a deployment: see docs/reviewers.md.
review:
  web:
    public_url: %s
    oidc: {issuer: %s, client_id: accessrecon-trial, client_secret_file: trial-oidc-secret}
    plans: [outbox]
`, public, issuer)
	if err := os.WriteFile(cfgPath, append(base, review...), 0o644); err != nil {
		return err
	}
	out, errw := c.App.Writer, c.App.ErrWriter
	langArgs := []string{"--lang", l}
	if fresh {
		plan := filepath.Join(dir, "outbox", "demo-plan.json")
		if err := os.MkdirAll(filepath.Dir(plan), 0o755); err != nil {
			return err
		}
		if err := run(c.Context, append([]string{"accessrecon", "plan", "--config", cfgPath, "--as-of", fixtures.DemoAsOf, "--out", plan, "--by", "E1001"}, langArgs...), io.Discard, errw); err != nil {
			return err
		}
		if err := run(c.Context, append([]string{"accessrecon", "certify", "open", "--config", cfgPath, "--as-of", fixtures.DemoAsOf, "--template", "monthly",
			"--campaign", "trial-monthly", "--out", filepath.Join(dir, "trial-monthly"), "--by", "E1001"}, langArgs...), io.Discard, errw); err != nil {
			return err
		}
	}
	cfg, err := config.Load(config.OSFiles{}, cfgPath, catalog.Types)
	if err != nil {
		return err
	}
	people, err := inputs.LoadPeople(c.Context, cfg, logger(c))
	if err != nil {
		return err
	}
	snap := people.Graph.Snapshot()
	var ids []string
	for _, p := range snap.People() {
		ids = append(ids, p.EmployeeID)
	}
	// The provider's example code logs every request to the default
	// logger: the trial's logger keeps them to --verbose.
	slog.SetDefault(logger(c))
	srv := &http.Server{Handler: trialop.Handler(issuer, ids, trialop.Client{ID: "accessrecon-trial", Secret: secret, RedirectURI: public + "/auth/callback"}), ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(op)
	defer srv.Close()

	fmt.Fprintf(out, "%s %s\n%s %s\n\n%s\n", say("The reviewer pages of the trial:", "試用の確認画面:"), public,
		say("Its deployment (config, plan, campaign, audit log):", "試用の設定・計画・棚卸し・監査ログ:"), dir,
		say("Sign in as (user name / password):", "サインイン（ユーザー名 / パスワード）:"))
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	for _, who := range []struct{ id, en, ja string }{
		{"E1002", "approves the plan (another person than its author)", "計画を承認する（作成者以外の人）"},
		{"E1001", "the plan's author; reviews 託送 in the monthly campaign", "計画の作成者。月次棚卸しで託送を確認する"},
		{"E1013", "reviews 再エネ in the monthly campaign", "月次棚卸しで再エネを確認する"},
	} {
		name := ""
		if p := snap.Person(who.id); p != nil {
			name = p.Name
		}
		fmt.Fprintf(tw, "  %s / %s\t%s\t%s\n", strings.ToLower(who.id), trialop.Password(who.id), name, say(who.en, who.ja))
	}
	tw.Flush()
	fmt.Fprintf(out, "\n%s\n%s\n", say("Every person of the demo's HR feed can sign in the same way (pw- and the id).", "人事データのほかの人も同じ形でサインインできます（pw- と社員番号）。"),
		say("Then, in another terminal: accessrecon apply "+filepath.Join(dir, "outbox", "demo-plan.json")+" --config "+cfgPath+". Ctrl-C ends the trial.",
			"承認後は別の端末で: accessrecon apply "+filepath.Join(dir, "outbox", "demo-plan.json")+" --config "+cfgPath+" 。Ctrl-C で終了します。"))
	return run(c.Context, []string{"accessrecon", "serve", "--config", cfgPath, "--listen", listen, "--token-file", filepath.Join(dir, "trial-api-token"), "--notify-every", "0"}, out, errw)
}

// trialManagers gives the trial's people a manager (the demo's HR feed has
// none), so that the monthly campaign's second stage, the holders'
// managers, has reviewers: in each company, its first person.
func trialManagers(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	first := map[string]string{}
	for i, line := range lines {
		f := strings.Split(line, ",")
		switch {
		case i == 0:
			lines[i] = line + ",manager"
		case len(f) > 2 && first[f[2]] == "":
			first[f[2]] = f[0]
			lines[i] = line + ","
		case len(f) > 2:
			lines[i] = line + "," + first[f[2]]
		}
	}
	return os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644)
}

func randomHex() string {
	b := make([]byte, 24)
	rand.Read(b)
	return hex.EncodeToString(b)
}
