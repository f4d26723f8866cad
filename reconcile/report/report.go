// Package report renders plans for the people who review them: text for a
// terminal, Markdown, CSV for Excel and one-page HTML, in Japanese or
// English, with the rules' titles.
package report

import (
	"fmt"
	"html/template"
	"io"
	"os"
	"slices"
	"sort"
	"strings"

	"golang.org/x/text/width"

	"github.com/accessrecon/accessrecon/connectors/csvfile"
	"github.com/accessrecon/accessrecon/i18n"
	"github.com/accessrecon/accessrecon/policy"
	"github.com/accessrecon/accessrecon/reconcile"
)

// Languages of human output.
const (
	LangEN = "en"
	LangJA = "ja"
)

// DefaultLang is ja when LANG or LC_ALL names a Japanese locale, else en.
func DefaultLang() string {
	for _, v := range []string{os.Getenv("LC_ALL"), os.Getenv("LANG")} {
		if strings.HasPrefix(strings.ToLower(v), "ja") {
			return LangJA
		}
	}
	return LangEN
}

var words = map[string]map[string]string{
	LangEN: {
		"plan": "Plan", "as_of": "as of", "findings": "Findings", "actions": "Actions",
		"no_findings": "No findings.", "no_actions": "No actions: nothing to change.",
		"rules": "rules", "reason": "reason", "effective": "effective", "by_rule": "By rule",
		"digest": "digest", "policy": "policy", "inputs": "inputs", "event": "event",
		"revoke": "revoke", "disable_account": "disable account", "grant": "grant",
		"reconcile": "reconcile", "transfer": "transfer", "february-reset": "February full reset", "certification": "certification",
		"critical": "critical", "high": "high", "medium": "medium", "low": "low", "info": "info",
		"id": "ID", "op": "Operation", "item": "Item", "person": "Person", "rule": "Rule", "severity": "Severity", "message": "Message", "count": "Count",
		"phase":        "phase",
		"via":          "held through (revoking changes it)",
		"through":      "synchronised from (disabled there)",
		"more_actions": "… and %d more actions on %s: %s",
		"author":       "Made by", "generated": "Made at", "status": "Status", "approvals": "Approvals", "approver": "Approver",
		"approved_at": "Approved at", "signature": "Signature", "verified": "Checked", "no_approvals": "Not approved yet.", "state": "State",
	},
	LangJA: {
		"plan": "計画", "as_of": "基準日", "findings": "指摘事項", "actions": "措置",
		"no_findings": "指摘事項はありません。", "no_actions": "措置はありません（変更不要）。",
		"rules": "ルール", "reason": "理由", "effective": "実施日", "by_rule": "ルール別",
		"digest": "ダイジェスト", "policy": "ポリシー", "inputs": "入力", "event": "異動",
		"revoke": "権限取消", "disable_account": "アカウント無効化", "grant": "権限付与",
		"reconcile": "定期照合", "transfer": "異動", "february-reset": "2月一斉リセット", "certification": "権限棚卸し",
		"critical": "重大", "high": "高", "medium": "中", "low": "低", "info": "情報",
		"id": "ID", "op": "措置", "item": "対象", "person": "対象者", "rule": "ルール", "severity": "重要度", "message": "内容", "count": "件数",
		"phase":        "フェーズ",
		"via":          "付与経路（取消はこれを変更）",
		"through":      "同期元（こちらで無効化）",
		"more_actions": "… ほか %d 件（%s）: %s",
		"author":       "作成者", "generated": "作成日時", "status": "状態", "approvals": "承認", "approver": "承認者",
		"approved_at": "承認日時", "signature": "署名", "verified": "確認結果", "no_approvals": "まだ承認されていません。", "state": "実施状況",
	},
}

// Renderer renders plans for reviewers.
type Renderer struct {
	Lang string
	// Rules gives rule titles; rules it does not know are shown by id.
	Rules map[string]policy.RuleInfo
	// E, if set, is the evidence the HTML page shows beside the plan.
	E *Evidence
	// MaxPerSystem, if not 0, is how many actions of each system the text
	// lists; the rest are counted, and More says where to see them all.
	MaxPerSystem int
	More         string
}

func (r Renderer) w(key string) string {
	if s, ok := words[r.Lang][key]; ok {
		return s
	}
	return key
}

// reviewRuleTitles name the actions a review, not a policy rule, calls for.
var reviewRuleTitles = map[string][2]string{
	reconcile.RuleFebruaryReset:  {"February full reset: every right revoked", "2月一斉リセット（全権限の取消）"},
	reconcile.RuleResetConfirmed: {"Granted back after the February reset, as confirmed", "2月リセット後の再付与（確認済み）"},
	reconcile.RuleCertRevoked:    {"Revoked by the reviewer", "棚卸しで取消と判定"},
	reconcile.RuleCertUnreviewed: {"Not reviewed: revoked by default", "未確認のため取消（既定）"},
	reconcile.RuleSourceSanity:   {"A source looks wrong: its removals are held back", "取得元の件数異常（削除を保留）"},
}

// Word is one of the renderer's words (an op, a severity, a label) in its
// language, or key itself.
func (r Renderer) Word(key string) string { return r.w(key) }

// Unword is the key a word of the renderer's language stands for (重大 →
// critical), or word itself: what a person types in a filter.
func (r Renderer) Unword(word string) string {
	for k, v := range words[r.Lang] {
		if v == word {
			return k
		}
	}
	return word
}

// Say is a message in the renderer's language: the Japanese when there is
// one and the language is Japanese, else the English.
func (r Renderer) Say(en, ja string) string {
	if r.Lang == LangJA && ja != "" {
		return ja
	}
	return en
}

// Title is the rule's title in the renderer's language, or its id.
func (r Renderer) Title(rule string) string {
	ri, ok := r.Rules[rule]
	switch {
	case !ok:
		if t, ok := reviewRuleTitles[rule]; ok {
			if r.Lang == LangJA {
				return t[1]
			}
			return t[0]
		}
		return rule
	case r.Lang == LangJA && ri.TitleJA != "":
		return ri.TitleJA
	case ri.Title != "":
		return ri.Title
	}
	return rule
}

// Cells is how many terminal columns s takes: East Asian wide and
// full-width characters (漢字, かな, Ｅ１) take two.
func Cells(s string) int {
	n := 0
	for _, r := range s {
		switch width.LookupRune(r).Kind() {
		case width.EastAsianWide, width.EastAsianFullwidth:
			n += 2
		default:
			n++
		}
	}
	return n
}

// Pad is s followed by spaces to fill cells terminal columns, so that
// Japanese columns line up as English ones do.
func Pad(s string, cells int) string {
	if n := Cells(s); n < cells {
		return s + strings.Repeat(" ", cells-n)
	}
	return s
}

func who(id, name string) string {
	if name == "" {
		return id
	}
	return id + " " + name
}

// ruleCount is how many findings or actions one rule has.
type ruleCount struct {
	Rule     string
	Severity string
	N        int
}

func countByRule(rules [][]string, severities []string) []ruleCount {
	m := map[string]*ruleCount{}
	for i, rs := range rules {
		for _, r := range rs {
			if m[r] == nil {
				m[r] = &ruleCount{Rule: r, Severity: severities[i]}
			}
			m[r].N++
			m[r].Severity = policy.MoreSevere(m[r].Severity, severities[i])
		}
	}
	out := make([]ruleCount, 0, len(m))
	for _, c := range m {
		out = append(out, *c)
	}
	sort.Slice(out, func(i, j int) bool {
		si, sj := slices.Index(policy.Severities, out[i].Severity), slices.Index(policy.Severities, out[j].Severity)
		if si != sj {
			return si < sj
		}
		return out[i].Rule < out[j].Rule
	})
	return out
}

func findingCounts(p *reconcile.Plan) []ruleCount {
	rules, sev := make([][]string, len(p.Findings)), make([]string, len(p.Findings))
	for i, f := range p.Findings {
		rules[i], sev[i] = []string{f.Rule}, f.Severity
	}
	return countByRule(rules, sev)
}

// actionCounts counts actions per rule; a rule's severity is its own (from
// its METADATA) where known, not that of the actions it shares.
func (r Renderer) actionCounts(p *reconcile.Plan) []ruleCount {
	counts := map[string]int{}
	severity := map[string]string{}
	for _, a := range p.Actions {
		for _, rule := range a.Rules {
			counts[rule]++
			severity[rule] = policy.MoreSevere(severity[rule], a.Severity)
		}
	}
	var rules [][]string
	var sev []string
	for rule, n := range counts {
		s := severity[rule]
		if ri, ok := r.Rules[rule]; ok && ri.Severity != "" {
			s = ri.Severity
		}
		for range n {
			rules = append(rules, []string{rule})
			sev = append(sev, s)
		}
	}
	return countByRule(rules, sev)
}

func (r Renderer) opCounts(p *reconcile.Plan) string {
	counts := map[string]int{}
	for _, a := range p.Actions {
		counts[a.Op]++
	}
	var parts []string
	for _, op := range []string{policy.OpRevoke, policy.OpDisable, policy.OpGrant} {
		if counts[op] > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", r.w(op), counts[op]))
		}
	}
	return strings.Join(parts, ", ")
}

// Text writes the plan as plain text: a header, findings grouped by rule, a
// count of actions by rule, and every action.
func (r Renderer) Text(out io.Writer, p *reconcile.Plan) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s — %s %s\n", r.w("plan"), r.w(p.Kind), r.w("as_of"), p.AsOf)
	if p.Event != "" {
		fmt.Fprintf(&b, "%s: %s\n", r.w("event"), p.Event)
	}
	fmt.Fprintf(&b, "%s %s · %s %s · %s %d\n\n", r.w("digest"), short(p.Digest), r.w("policy"), short(p.PolicyDigest), r.w("inputs"), len(p.Inputs))

	fmt.Fprintf(&b, "%s: %d\n", r.w("findings"), len(p.Findings))
	if len(p.Findings) == 0 {
		fmt.Fprintf(&b, "  %s\n", r.w("no_findings"))
	}
	for _, c := range findingCounts(p) {
		fmt.Fprintf(&b, "  [%s] %s — %s (%d)\n", r.w(c.Severity), c.Rule, r.Title(c.Rule), c.N)
		for _, f := range p.Findings {
			if f.Rule == c.Rule {
				fmt.Fprintf(&b, "      %s: %s\n", findingWho(f), r.Say(f.Message, f.MessageJA))
			}
		}
	}
	fmt.Fprintf(&b, "\n%s: %d", r.w("actions"), len(p.Actions))
	if len(p.Actions) > 0 {
		fmt.Fprintf(&b, " (%s)", r.opCounts(p))
	}
	b.WriteString("\n")
	if len(p.Actions) == 0 {
		fmt.Fprintf(&b, "  %s\n", r.w("no_actions"))
	} else {
		fmt.Fprintf(&b, "  %s:\n", r.w("by_rule"))
		for _, c := range r.actionCounts(p) {
			fmt.Fprintf(&b, "    [%s] %s — %s (%d)\n", r.w(c.Severity), c.Rule, r.Title(c.Rule), c.N)
		}
		b.WriteString("\n")
	}
	shown, hidden := map[string]int{}, map[string]int{}
	var hiddenOrder []string
	for _, a := range p.Actions {
		if r.MaxPerSystem > 0 && shown[a.System] >= r.MaxPerSystem {
			if hidden[a.System] == 0 {
				hiddenOrder = append(hiddenOrder, a.System)
			}
			hidden[a.System]++
			continue
		}
		shown[a.System]++
		fmt.Fprintf(&b, "  %s  %s %s %s  %s %s", a.ID, Pad(r.w(a.Op), 18), Pad(a.ItemID(), 32), who(a.Person, a.PersonName), r.w("effective"), a.Effective)
		if p.Kind == reconcile.KindFebruaryReset {
			fmt.Fprintf(&b, " %s %d", r.w("phase"), a.Phase)
		}
		fmt.Fprintf(&b, "\n         %s: %s\n         %s: %s\n", r.w("rules"), strings.Join(a.Rules, ", "), r.w("reason"), r.Say(a.Reason, a.ReasonJA))
		if a.Via != "" {
			fmt.Fprintf(&b, "         %s: %s\n", r.w("via"), a.Via)
		}
		if a.Through != "" {
			fmt.Fprintf(&b, "         %s: %s\n", r.w("through"), a.Through)
		}
	}
	for _, sys := range hiddenOrder {
		fmt.Fprintf(&b, "  "+r.w("more_actions")+"\n", hidden[sys], sys, r.More)
	}
	// The totals again at the end, where a long listing leaves the reader.
	fmt.Fprintf(&b, "\n%s: %d · %s: %d", r.w("findings"), len(p.Findings), r.w("actions"), len(p.Actions))
	if len(p.Actions) > 0 {
		fmt.Fprintf(&b, " (%s)", r.opCounts(p))
	}
	b.WriteString("\n")
	_, err := io.WriteString(out, b.String())
	return err
}

func short(d string) string {
	if len(d) > 19 {
		return d[:19] + "…"
	}
	return d
}

// MarkdownCell makes text safe in a Markdown table cell: a pipe cannot end
// the cell, a line end cannot end the row, and HTML or emphasis in a name or
// message is shown, not rendered (Markdown passes raw HTML through).
func MarkdownCell(s string) string {
	return mdReplacer.Replace(s)
}

var mdReplacer = strings.NewReplacer("|", `\|`, "\n", " ", "\r", " ", "&", "&amp;", "<", "&lt;", ">", "&gt;", "`", "\\`", "*", `\*`, "_", `\_`, "[", `\[`, "]", `\]`)

// Markdown writes the plan as Markdown tables, for review in a pull request
// or a wiki.
func (r Renderer) Markdown(out io.Writer, p *reconcile.Plan) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s: %s — %s %s\n\n", r.w("plan"), r.w(p.Kind), r.w("as_of"), p.AsOf)
	if p.Event != "" {
		fmt.Fprintf(&b, "%s: `%s`\n\n", r.w("event"), p.Event)
	}
	fmt.Fprintf(&b, "- %s: `%s`\n- %s: `%s`\n- %s: %d\n\n", r.w("digest"), p.Digest, r.w("policy"), p.PolicyDigest, r.w("inputs"), len(p.Inputs))
	fmt.Fprintf(&b, "## %s (%d)\n\n", r.w("findings"), len(p.Findings))
	if len(p.Findings) == 0 {
		fmt.Fprintf(&b, "%s\n\n", r.w("no_findings"))
	} else {
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n|---|---|---|---|\n", r.w("severity"), r.w("rule"), r.w("person"), r.w("message"))
		for _, f := range p.Findings {
			fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", r.w(f.Severity), MarkdownCell(r.Title(f.Rule))+" (`"+f.Rule+"`)", MarkdownCell(findingWho(f)), MarkdownCell(r.Say(f.Message, f.MessageJA)))
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "## %s (%d)\n\n", r.w("actions"), len(p.Actions))
	if len(p.Actions) == 0 {
		fmt.Fprintf(&b, "%s\n", r.w("no_actions"))
	} else {
		fmt.Fprintf(&b, "%s\n\n### %s\n\n| %s | %s | %s |\n|---|---|---:|\n", r.opCounts(p), r.w("by_rule"), r.w("severity"), r.w("rule"), r.w("count"))
		for _, c := range r.actionCounts(p) {
			fmt.Fprintf(&b, "| %s | %s (`%s`) | %d |\n", r.w(c.Severity), MarkdownCell(r.Title(c.Rule)), c.Rule, c.N)
		}
		fmt.Fprintf(&b, "\n| %s | %s | %s | %s | %s | %s | %s |\n|---|---|---|---|---|---|---|\n",
			r.w("id"), r.w("op"), r.w("item"), r.w("person"), r.w("effective"), r.w("rules"), r.w("reason"))
		for _, a := range p.Actions {
			fmt.Fprintf(&b, "| %s | %s | `%s` | %s | %s | %s | %s |\n", a.ID, r.w(a.Op), a.ItemID(),
				MarkdownCell(who(a.Person, a.PersonName)), a.Effective, strings.Join(a.Rules, "<br>"), MarkdownCell(r.Say(a.Reason, a.ReasonJA)))
		}
	}
	_, err := io.WriteString(out, b.String())
	return err
}

// CSV writes one row per finding and per action, for Excel. The file starts
// with a UTF-8 BOM so that Excel in a Japanese locale reads it as UTF-8. In
// Japanese the headers and the words (種別, 措置, 重要度) are Japanese, the
// ids (rules, systems, accounts) as they are; in English (--lang en) it is
// the machine-readable form: ids and English.
func (r Renderer) CSV(out io.Writer, p *reconcile.Plan) error {
	if _, err := io.WriteString(out, "\ufeff"); err != nil {
		return err
	}
	w := csvfile.NewExcelWriter(out)
	header := []string{"type", "id", "op", "system", "account", "entitlement", "person", "person_name", "effective", "phase", "severity", "rules", "rule_titles", "message"}
	finding, action := "finding", "action"
	word := func(s string) string { return s }
	if r.Lang == LangJA {
		header = []string{"種別", "措置ID", "措置", "システム", "アカウント", "権限", "社員番号", "氏名", "実施日", "フェーズ", "重要度", "ルール", "ルール名", "内容"}
		finding, action, word = "指摘", "措置", r.w
	}
	w.Write(header)
	for _, f := range p.Findings {
		w.Write([]string{finding, f.Event, "", f.System, f.Account, f.Entitlement, f.Person, f.PersonName, "", "", word(f.Severity), f.Rule, r.Title(f.Rule), r.Say(f.Message, f.MessageJA)})
	}
	for _, a := range p.Actions {
		titles := make([]string, len(a.Rules))
		for i, rule := range a.Rules {
			titles[i] = r.Title(rule)
		}
		w.Write([]string{action, a.ID, word(a.Op), a.System, a.Account, a.Entitlement, a.Person, a.PersonName, a.Effective, fmt.Sprint(a.Phase), word(a.Severity), strings.Join(a.Rules, " "), strings.Join(titles, " / "), r.Say(a.Reason, a.ReasonJA)})
	}
	w.Flush()
	return w.Error()
}

var htmlPage = template.Must(template.New("plan").Parse(`<!doctype html>
<html lang="{{.Lang}}"><head><meta charset="utf-8"><title>{{call .T "plan"}} {{.P.AsOf}}</title>
<style>
body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;margin-bottom:1em}td,th{border:1px solid #ccc;padding:4px 8px;vertical-align:top}th{background:#eee}
.critical{color:#b00;font-weight:bold}.high{color:#c60}dl{display:grid;grid-template-columns:max-content auto;gap:2px 12px}dt{font-weight:bold}
@media print{@page{size:A4;margin:15mm}body{margin:0;font-size:10pt}thead{display:table-header-group}tr{break-inside:avoid}section.system{break-before:page}a{color:inherit;text-decoration:none}}
</style></head>
<body><h1>{{call .T "plan"}}: {{call .T .P.Kind}} — {{call .T "as_of"}} {{.P.AsOf}}</h1>
<dl>
<dt>{{call .T "author"}}</dt><dd>{{if .P.CreatedBy}}{{.P.CreatedBy}}{{else}}—{{end}}</dd>
<dt>{{call .T "generated"}}</dt><dd>{{.P.GeneratedAt}}</dd>
{{if .P.Event}}<dt>{{call .T "event"}}</dt><dd>{{.P.Event}}</dd>{{end}}
<dt>{{call .T "digest"}}</dt><dd><code>{{.P.Digest}}</code></dd>
<dt>{{call .T "policy"}}</dt><dd><code>{{.P.PolicyDigest}}</code></dd>
{{with .E}}<dt>{{call $.T "status"}}</dt><dd>{{.Status}}</dd>{{end}}
</dl>
{{with .E}}<h2>{{call $.T "approvals"}} ({{len .Approvals}})</h2>
{{if .Approvals}}<table><thead><tr><th>{{call $.T "approver"}}</th><th>{{call $.T "approved_at"}}</th><th>{{call $.T "signature"}}</th><th>{{call $.T "verified"}}</th></tr></thead>
{{range .Approvals}}<tr><td>{{.By}} {{.Name}}</td><td>{{.At}}</td><td>{{if .Signed}}SSHSIG{{else}}—{{end}}</td><td>{{.Verified}}</td></tr>
{{end}}</table>{{else}}<p>{{call $.T "no_approvals"}}</p>{{end}}{{end}}
<h2>{{call .T "findings"}} ({{len .P.Findings}})</h2>
{{if .P.Findings}}<table><thead><tr><th>{{call .T "severity"}}</th><th>{{call .T "rule"}}</th><th>{{call .T "person"}}</th><th>{{call .T "message"}}</th></tr></thead>
{{range .P.Findings}}<tr><td class="{{.Severity}}">{{call $.T .Severity}}</td><td>{{call $.Title .Rule}}<br><code>{{.Rule}}</code></td><td>{{.Person}} {{.PersonName}}</td><td>{{call $.Say .Message .MessageJA}}</td></tr>
{{end}}</table>{{else}}<p>{{call .T "no_findings"}}</p>{{end}}
<h2>{{call .T "actions"}} ({{len .P.Actions}})</h2>
{{if not .P.Actions}}<p>{{call .T "no_actions"}}</p>{{end}}
{{range .Systems}}<section class="system"><h3>{{.System}} ({{len .Actions}})</h3>
<table><thead><tr><th>{{call $.T "id"}}</th><th>{{call $.T "op"}}</th><th>{{call $.T "item"}}</th><th>{{call $.T "person"}}</th><th>{{call $.T "effective"}}</th><th>{{call $.T "rules"}}</th><th>{{call $.T "reason"}}</th>{{if $.E}}<th>{{call $.T "state"}}</th>{{end}}</tr></thead>
{{range .Actions}}<tr><td>{{.ID}}</td><td class="{{.Severity}}">{{call $.T .Op}}</td><td><code>{{.ItemID}}</code></td><td>{{.Person}} {{.PersonName}}</td><td>{{.Effective}}</td><td>{{range .Rules}}{{call $.Title .}}<br><code>{{.}}</code><br>{{end}}</td><td>{{call $.Say .Reason .ReasonJA}}</td>{{if $.E}}<td>{{index $.E.States .ID}}</td>{{end}}</tr>
{{end}}</table></section>
{{end}}
</body></html>
`))

// Evidence is what an auditor needs beside a plan: its approvals (with the
// identities checked against the HR feed and the signatures against
// allowed_signers, when a config was given) and how far apply got.
type Evidence struct {
	Approvals []ApprovalView
	// Status sums up the plan's state: approved or not, applied, pending,
	// failed.
	Status string
	// States are each action's state in the journal, by action id.
	States map[string]string
}

// ApprovalView is one approval as the page shows it.
type ApprovalView struct {
	By, Name, At string
	Signed       bool
	// Verified says what was checked: "verified: ...", or why it does not
	// count, or that nothing could be checked without a config.
	Verified string
}

type systemActions struct {
	System  string
	Actions []reconcile.Action
}

// HTML writes a one-page report, for the screen and for print (A4, a page
// per system's actions, table headers repeated); with Evidence (Renderer.E),
// its author, approvals and status.
func (r Renderer) HTML(out io.Writer, p *reconcile.Plan) error {
	var systems []systemActions
	for _, a := range p.Actions {
		if len(systems) == 0 || systems[len(systems)-1].System != a.System {
			systems = append(systems, systemActions{System: a.System})
		}
		last := &systems[len(systems)-1]
		last.Actions = append(last.Actions, a)
	}
	return htmlPage.Execute(out, struct {
		Lang    string
		P       *reconcile.Plan
		E       *Evidence
		Systems []systemActions
		T       func(string) string
		Title   func(string) string
		Say     func(en, ja string) string
	}{r.Lang, p, r.E, systems, r.w, r.Title, r.Say})
}

// Render writes the plan in one of text, markdown, csv, html (json is the
// plan file itself).
func (r Renderer) Render(out io.Writer, p *reconcile.Plan, format string) error {
	switch format {
	case "", "text":
		return r.Text(out, p)
	case "markdown", "md":
		return r.Markdown(out, p)
	case "csv":
		return r.CSV(out, p)
	case "html":
		return r.HTML(out, p)
	case "json":
		b, err := p.Encode()
		if err != nil {
			return err
		}
		_, err = out.Write(b)
		return err
	}
	return i18n.Errorf("--format %q: expected text, markdown, csv, html or json", format)
}

// findingWho names what a finding is about: its person, or, for an account
// no person owns, the account (system/account).
func findingWho(f reconcile.Finding) string {
	if w := who(f.Person, f.PersonName); w != "" {
		return w
	}
	if f.System != "" && f.Account != "" {
		return f.System + "/" + f.Account
	}
	if f.Source != "" {
		return "source " + f.Source
	}
	return ""
}
