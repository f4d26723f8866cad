package main

import (
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/accessrecon/accessrecon/config"
	"github.com/accessrecon/accessrecon/connectors/accesslog"
	"github.com/accessrecon/accessrecon/connectors/csvfile"
	"github.com/accessrecon/accessrecon/i18n"
	"github.com/accessrecon/accessrecon/policy"
	"github.com/accessrecon/accessrecon/reconcile"
	"github.com/accessrecon/accessrecon/reconcile/atomicfile"
	"github.com/accessrecon/accessrecon/reconcile/audit"
	"github.com/accessrecon/accessrecon/reconcile/logcheck"
	"github.com/accessrecon/accessrecon/reconcile/report"
	"github.com/urfave/cli/v2"
)

func logsCommand() *cli.Command {
	return &cli.Command{
		Name:  "logs",
		Usage: "access-log checks",
		Flags: []cli.Flag{langFlag}, // --help --lang ja
		Subcommands: []*cli.Command{{
			Name:  "check",
			Usage: "check the access logs of the period that business day D reviews (exit 4 on findings)",
			Flags: []cli.Flag{configFlag, langFlag, verbose,
				&cli.StringFlag{Name: "out", Usage: "write the report as JSON (docs/formats.md) to `F`"},
				&cli.StringFlag{Name: "date", Required: true, Usage: "the business day `D` (YYYY-MM-DD)"},
				&cli.StringFlag{Name: "format", Value: "text", Usage: "what to print on stdout: text, json or html"},
			},
			Action: logsCheck,
		}, {
			Name:  "emergency-report",
			Usage: "every access of a period to a confidential system by someone of another company, with the emergency window that allowed it or none",
			Flags: []cli.Flag{configFlag, langFlag, verbose,
				&cli.StringFlag{Name: "from", Required: true, Usage: "the first day `D` of the period (YYYY-MM-DD, Japan time)"},
				&cli.StringFlag{Name: "to", Required: true, Usage: "the last day `D` of the period"},
				&cli.StringFlag{Name: "out", Usage: "also write the list as CSV for Excel to `F`"},
			},
			Action: logsEmergencyReport,
		}, {
			Name:  "retention",
			Usage: "check that the access logs cover each confidential system for the retention period, business day by business day (exit 4 on gaps)",
			Flags: []cli.Flag{configFlag, langFlag, verbose, asOfFlag,
				&cli.IntFlag{Name: "years", Value: 5, Usage: "the retention period in `N` years"},
				&cli.IntFlag{Name: "max-gap", Value: 1, Usage: "the most business days `N` in a row a system may have no line"},
			},
			Action: logsRetention,
		}},
	}
}

// logsRetention checks that the access logs cover each confidential system
// for the retention period, business day by business day.
func logsRetention(c *cli.Context) error {
	asOfDay, err := asOf(c, "as-of", 0)
	if err != nil {
		return err
	}
	l, err := lang(c)
	if err != nil {
		return err
	}
	s, names, err := openLogs(c)
	if err != nil {
		return err
	}
	cal, err := reconcile.CalendarOf(s.cfg)
	if err != nil {
		return err
	}
	years, maxGap := c.Int("years"), c.Int("max-gap")
	if years < 1 || maxGap < 0 {
		return i18n.Errorf("--years %d --max-gap %d: expected at least one year and a gap of zero or more business days", years, maxGap)
	}
	rs, st, err := logcheck.RetentionGaps(c.Context, s.inputs, cal, asOfDay, years, maxGap, s.cfg.Files, names)
	if err != nil {
		return err
	}
	say := report.Renderer{Lang: l}.Say
	w := report.SafeWriter(c.App.Writer)
	gaps := 0
	for _, r := range rs {
		first, last := r.First.String(), r.Last.String()
		if r.First == 0 {
			first, last = "-", "-"
		}
		fmt.Fprintln(w, say(fmt.Sprintf("%s: logs from %s to %s, %d gaps of more than %d business days", r.System, first, last, len(r.Gaps), maxGap),
			fmt.Sprintf("%s: ログは %s から %s。%d 営業日を超える欠落 %d 件", r.System, first, last, maxGap, len(r.Gaps))))
		for i, g := range r.Gaps {
			if i == 10 {
				fmt.Fprintln(w, say(fmt.Sprintf("  … and %d more", len(r.Gaps)-10), fmt.Sprintf("  …ほか %d 件", len(r.Gaps)-10)))
				break
			}
			fmt.Fprintln(w, say(fmt.Sprintf("  missing %s to %s (%d business days) [logs.retention_gap]", g.From, g.To, g.Days), fmt.Sprintf("  欠落 %s〜%s（%d 営業日）[logs.retention_gap]", g.From, g.To, g.Days)))
		}
		gaps += len(r.Gaps)
	}
	fmt.Fprintln(w, say(fmt.Sprintf("%d log lines read, %d unreadable", st.Lines, st.Malformed), fmt.Sprintf("ログ %d 行を読み、%d 行は読めませんでした", st.Lines, st.Malformed)))
	if gaps > 0 {
		return statusError{exitFindings}
	}
	return nil
}

// logsEmergencyReport lists the other companies' accesses to confidential
// systems in a period, inside and outside emergency windows.
func logsEmergencyReport(c *cli.Context) error {
	from, err := asOf(c, "from", 0)
	if err != nil {
		return err
	}
	to, err := asOf(c, "to", 0)
	if err != nil {
		return err
	}
	if from > to {
		return i18n.Errorf("--to %s is before --from %s", to, from)
	}
	l, err := lang(c)
	if err != nil {
		return err
	}
	s, names, err := openLogs(c)
	if err != nil {
		return err
	}
	if out := c.String("out"); out != "" {
		if err := reconcile.CheckOutput(s.cfg, s.inputs, out); err != nil {
			return err
		}
	}
	rows, st, err := logcheck.EmergencyOnly(c.Context, s.inputs, s.policy, from, to, s.cfg.Files, names)
	if err != nil {
		return err
	}
	say := report.Renderer{Lang: l}.Say
	header := []string{say("at (JST)", "日時（日本時間）"), say("system", "システム"), say("account", "アカウント"), say("employee", "社員番号"), say("name", "氏名"),
		say("company", "会社"), say("emergency window", "非常時の期間"), say("reason", "理由")}
	table := [][]string{}
	inside := 0
	for _, r := range rows {
		window := r.Window
		if window == "" {
			window = say("none: outside every window", "なし（非常時の期間外）")
		} else {
			inside++
		}
		company := r.Company
		if company == "" {
			company = say("unknown holder", "保有者不明")
		}
		table = append(table, []string{r.At.Format("2006-01-02 15:04:05"), r.System, r.Account, r.Person, r.Name, company, window, r.Reason})
	}
	w := report.SafeWriter(c.App.Writer) // ids from the logs cannot drive the terminal
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(header, "\t"))
	for _, r := range table {
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	tw.Flush()
	fmt.Fprintln(w, say(fmt.Sprintf("%s to %s: %d accesses by other companies to confidential systems, %d inside an emergency window, %d outside; %d log lines read, %d unreadable",
		from, to, len(rows), inside, len(rows)-inside, st.Lines, st.Malformed),
		fmt.Sprintf("%s〜%s: 他社による機密システムへのアクセス %d 件（非常時の期間内 %d 件、期間外 %d 件）。ログ %d 行を読み、%d 行は読めませんでした",
			from, to, len(rows), inside, len(rows)-inside, st.Lines, st.Malformed)))
	if out := c.String("out"); out != "" {
		return atomicfile.WriteFileAtomicWith(out, func(f io.Writer) error {
			io.WriteString(f, "\ufeff") // a byte-order mark: Excel reads UTF-8
			cw := csvfile.NewExcelWriter(f)
			cw.Write(header)
			for _, r := range table {
				cw.Write(r)
			}
			cw.Flush()
			return cw.Error()
		})
	}
	return nil
}

func logsCheck(c *cli.Context) error {
	format := c.String("format")
	if format != "text" && format != "json" && format != "html" {
		return i18n.Errorf("--format %q: expected text, json or html", format)
	}
	day, err := asOf(c, "date", 0)
	if err != nil {
		return err
	}
	l, err := lang(c)
	if err != nil {
		return err
	}
	s, names, err := openLogs(c)
	if err != nil {
		return err
	}
	cfg := s.cfg
	cal, err := reconcile.CalendarOf(cfg)
	if err != nil {
		return err
	}
	rep, err := logcheck.Run(c.Context, s.inputs, s.policy, cal, day, cfg.Files, names)
	if err != nil {
		return err
	}
	for _, m := range rep.Malformed.First {
		fmt.Fprintf(c.App.ErrWriter, "accessrecon: %s:%d: skipped: %s\n", m.File, m.Line, m.Reason)
	}
	if n := rep.Malformed.Count - len(rep.Malformed.First); n > 0 {
		fmt.Fprintf(c.App.ErrWriter, "accessrecon: ... and %d more malformed lines\n", n)
	}
	data, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	data = append(data, '\n')
	if out := c.String("out"); out != "" {
		if err := reconcile.CheckOutput(s.cfg, s.inputs, out); err != nil {
			return err
		}
		if err := atomicfile.WriteFileAtomic(out, data); err != nil {
			return err
		}
	}
	r, err := renderer(c, s.policy.Compiled.Rules())
	if err != nil {
		return err
	}
	switch format {
	case "json":
		_, err = c.App.Writer.Write(data)
	case "html":
		err = logsHTML.Execute(c.App.Writer, logView(rep, r, l))
	default:
		err = logsText(c.App.Writer, rep, r, l)
	}
	if err != nil {
		return err
	}
	// Every check is recorded, one that found nothing too: the daily review
	// is itself the evidence (the pack, the dashboard). For the security
	// unit's mail (notify, which skips a check without findings): counts
	// only, no names.
	byRule := map[string]any{}
	for _, f := range rep.Findings {
		n, _ := byRule[f.Rule].(int)
		byRule[f.Rule] = n + 1
	}
	if err := recordAudit(cfg, audit.Event{Event: audit.LogsCheck, By: actor(c), Data: map[string]any{
		"date": day.String(), "findings": len(rep.Findings), "checked": rep.AccessesChecked, "by_rule": byRule, "out": c.String("out")}}); err != nil {
		return err
	}
	if len(rep.Findings) > 0 {
		return statusError{exitFindings}
	}
	return nil
}

// logGroup is the findings of one rule for one person (or account).
type logGroup struct {
	Rule, Title, Severity, Who string
	Message                    string // the first finding's, in the page's language
	Findings                   []logcheck.Finding
}

type logPage struct {
	Lang, Title, Window string
	Checked, Malformed  int
	FirstMalformed      []accesslog.Malformed // the first ones, with file, line and why
	Groups              []logGroup
	Words               map[string]string
}

var logWords = map[string]map[string]string{
	report.LangEN: {"title": "Access-log check", "window": "accesses from %s to %s", "checked": "accesses checked", "malformed": "malformed lines", "clean": "No findings.", "findings": "findings", "time": "Time", "system": "System", "account": "Account", "action": "Action", "object": "Object", "file": "File", "line": "Line", "why": "Why it was skipped", "more": "and %d more"},
	report.LangJA: {"title": "アクセスログ点検", "window": "対象期間 %s 〜 %s", "checked": "点検したアクセス", "malformed": "読めなかった行", "clean": "指摘事項はありません。", "findings": "件", "time": "日時", "system": "システム", "account": "アカウント", "action": "操作", "object": "対象", "file": "ファイル", "line": "行", "why": "読めなかった理由", "more": "ほか %d 行"},
}

func logView(rep *logcheck.Report, r report.Renderer, l string) logPage {
	w := logWords[l]
	p := logPage{Lang: l, Title: w["title"] + " " + rep.Date, Window: fmt.Sprintf(w["window"], rep.Window.From, rep.Window.To),
		Checked: rep.AccessesChecked, Malformed: rep.Malformed.Count, FirstMalformed: rep.Malformed.First, Words: w}
	idx := map[string]int{}
	for _, f := range rep.Findings {
		who := f.Person
		if who == "" {
			who = f.System + "/" + f.Account
		}
		key := f.Rule + "\x00" + who
		i, ok := idx[key]
		if !ok {
			i = len(p.Groups)
			idx[key] = i
			p.Groups = append(p.Groups, logGroup{Rule: f.Rule, Title: r.Title(f.Rule), Severity: f.Severity, Who: who, Message: r.Say(f.Message, f.MessageJA)})
		}
		p.Groups[i].Findings = append(p.Groups[i].Findings, f)
	}
	rank := func(severity string) int { return slices.Index(policy.Severities, severity) }
	sort.SliceStable(p.Groups, func(i, j int) bool {
		a, b := p.Groups[i], p.Groups[j]
		if rank(a.Severity) != rank(b.Severity) {
			return rank(a.Severity) < rank(b.Severity)
		}
		if a.Rule != b.Rule {
			return a.Rule < b.Rule
		}
		return a.Who < b.Who
	})
	return p
}

// logsText is the human summary: findings grouped by rule and person.
func logsText(out io.Writer, rep *logcheck.Report, r report.Renderer, l string) error {
	p := logView(rep, r, l)
	var b strings.Builder
	fmt.Fprintf(&b, "%s — %s\n%s: %d · %s: %d\n\n", p.Title, p.Window, p.Words["checked"], p.Checked, p.Words["malformed"], p.Malformed)
	if len(p.Groups) == 0 {
		fmt.Fprintf(&b, "%s\n", p.Words["clean"])
	}
	for _, g := range p.Groups {
		fmt.Fprintf(&b, "[%s] %s — %s: %s (%d %s)\n", report.Renderer{Lang: l}.Word(g.Severity), g.Rule, g.Title, g.Who, len(g.Findings), p.Words["findings"])
		for i, f := range g.Findings {
			if i == 5 {
				fmt.Fprintf(&b, "    … %d more\n", len(g.Findings)-5)
				break
			}
			fmt.Fprintf(&b, "    %s %s/%s %s %s\n", f.Timestamp, f.System, f.Account, f.Action, f.Object)
		}
		fmt.Fprintf(&b, "    %s\n", g.Message)
	}
	_, err := io.WriteString(out, b.String())
	return err
}

var logsHTML = template.Must(template.New("logs").Funcs(template.FuncMap{"sub": func(a, b int) int { return a - b }}).Parse(`<!doctype html>
<html lang="{{.Lang}}"><head><meta charset="utf-8"><title>{{.Title}}</title>
<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;margin-bottom:1.5em}td,th{border:1px solid #ccc;padding:4px 8px}th{background:#eee}.critical{color:#b00}.high{color:#c60}</style></head>
<body><h1>{{.Title}}</h1><p>{{.Window}}<br>{{index .Words "checked"}}: {{.Checked}} · {{index .Words "malformed"}}: {{.Malformed}}</p>
{{if .FirstMalformed}}<h2>{{index .Words "malformed"}} ({{.Malformed}})</h2>
<table><tr><th>{{index .Words "file"}}</th><th>{{index .Words "line"}}</th><th>{{index .Words "why"}}</th></tr>
{{range .FirstMalformed}}<tr><td>{{.File}}</td><td>{{.Line}}</td><td>{{.Reason}}</td></tr>
{{end}}</table>{{if gt .Malformed (len .FirstMalformed)}}<p>{{printf (index .Words "more") (sub .Malformed (len .FirstMalformed))}}</p>{{end}}{{end}}
{{if not .Groups}}<p>{{index .Words "clean"}}</p>{{end}}
{{range .Groups}}<h2 class="{{.Severity}}">{{.Title}} — {{.Who}} ({{len .Findings}})</h2><p><code>{{.Rule}}</code>: {{.Message}}</p>
<table><tr><th>{{index $.Words "time"}}</th><th>{{index $.Words "system"}}</th><th>{{index $.Words "account"}}</th><th>{{index $.Words "action"}}</th><th>{{index $.Words "object"}}</th></tr>
{{range .Findings}}<tr><td>{{.Timestamp}}</td><td>{{.System}}</td><td>{{.Account}}</td><td>{{.Action}}</td><td>{{.Object}}</td></tr>
{{end}}</table>{{end}}
</body></html>
`))

// logFiles expands the config's access_logs.
// openLogs opens the session of a log command and names its log files: a
// config that names none is an error, not an empty report.
func openLogs(c *cli.Context) (*session, []string, error) {
	s, err := openSession(c.Context, c, config.OSFiles{}, c.String("config"))
	if err != nil {
		return nil, nil, err
	}
	if len(s.cfg.AccessLogs) == 0 {
		return nil, nil, i18n.Errorf("%s: access_logs names no log files", s.cfg.Path)
	}
	names, err := logFiles(s.cfg)
	if err != nil {
		return nil, nil, err
	}
	return s, names, nil
}

func logFiles(cfg *config.Config) ([]string, error) {
	patterns := make([]string, len(cfg.AccessLogs))
	for i, p := range cfg.AccessLogs {
		patterns[i] = cfg.Resolve(p)
	}
	return accesslog.Files(cfg.Files, patterns)
}
