package dashboard

import (
	"cmp"
	"fmt"
	"html"
	"html/template"
	"io"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/accessrecon/accessrecon/graph"
)

// Words of the page, by language.
var words = map[string]map[string]string{
	"ja": {
		"title": "アクセス権管理ダッシュボード", "period": "期間", "generated": "作成",
		"inventory": "機密システムの会社別保有者数（共用システムの棚卸）", "inventory_note": "各計画の日に、システムに権限を持つ人数を会社別に数えたものです。機密区分の会社以外（赤系）は 0 になるべき人数です。",
		"runs": "計画ごとの指摘・措置（重要度別）", "rules": "ルール別の件数（期間合計）",
		"movers": "異動から権限取消までの日数", "movers_note": "異動計画の措置が実施済みになった日と、異動の発令日の差です。",
		"median": "中央値", "max": "最大", "count": "件数", "days": "日",
		"logs": "日次ログチェックの指摘件数（営業日ごと）", "campaigns": "棚卸キャンペーン", "reviewers": "確認者ごとの判定（形骸化の兆候）",
		"campaign": "キャンペーン", "closed": "完了日", "decided": "判定済み", "defaulted": "期限で自動判定", "reviewer": "確認者", "kept": "維持の割合", "each": "1 件あたり秒",
		"none": "期間内の記録はありません", "skipped": "読めなかった記録", "unknown_owner": "所有者不明", "rule": "ルール",
		"sev_critical": "重大", "sev_high": "高", "sev_medium": "中", "sev_low": "低", "sev_info": "情報",
		"removals": "取消の件数", "findings": "指摘件数", "d": "日",
		"units": "確認者の部署ごとの判定", "unit": "部署",
		"skip_plan_unread": "監査ログが示す計画ファイルがない、または作成後に変更されている",
	},
	"en": {
		"title": "Access rights dashboard", "period": "Period", "generated": "Generated",
		"inventory": "Holders of each confidential system by company (the shared-system inventory)", "inventory_note": "On each plan's day, the people holding a right on the system, by company. Companies the system is not confidential to (red) should reach zero.",
		"runs": "Findings and actions per plan, by severity", "rules": "By rule (period total)",
		"movers": "Days from a transfer to the removal", "movers_note": "From a transfer plan's effective date to the day its action was carried out.",
		"median": "median", "max": "max", "count": "count", "days": "days",
		"logs": "Daily log check findings, per business day", "campaigns": "Certification campaigns", "reviewers": "Decisions by reviewer (the rubber-stamp signal)",
		"campaign": "Campaign", "closed": "Closed", "decided": "Decided", "defaulted": "Decided by default", "reviewer": "Reviewer", "kept": "Kept", "each": "Seconds each",
		"none": "Nothing recorded in the period", "skipped": "Records not read", "unknown_owner": "owner unknown", "rule": "Rule",
		"sev_critical": "critical", "sev_high": "high", "sev_medium": "medium", "sev_low": "low", "sev_info": "info",
		"removals": "removals", "findings": "findings", "d": " d",
		"units": "Decisions by the reviewers' unit", "unit": "Unit",
		"skip_plan_unread": "plan files the audit log names that are gone or were changed since",
	},
}

var severityColor = map[string]string{"critical": "#7f0000", "high": "#d62728", "medium": "#ff7f0e", "low": "#2ca02c", "info": "#7f7f7f"}

// CSS is the page's style sheet, inline in the file Write writes, or
// served apart where a content security policy forbids inline styles.
const CSS = `body { font-family: "Noto Sans CJK JP", "Hiragino Sans", "Yu Gothic", sans-serif; margin: 1.5rem; color: #222; }
h1 { font-size: 1.4rem; } h2 { font-size: 1.1rem; margin-top: 2rem; border-bottom: 1px solid #ccc; }
h3 { font-size: 1rem; margin-bottom: .2rem; }
.note { color: #555; font-size: .9rem; }
.chart .tick, .chart .legend { font-size: 11px; fill: #333; }
.chart .grid { stroke: #e3e3e3; }
table { border-collapse: collapse; font-size: .9rem; } td, th { border: 1px solid #ccc; padding: .2rem .5rem; text-align: left; }
td.n { text-align: right; }
@media print { body { margin: 0; } h2 { break-after: avoid; } svg { break-inside: avoid; } }
`

// Write writes the dashboard page in a language (ja or en), its style
// inline.
func Write(w io.Writer, d *Data, lang string) error { return WriteWith(w, d, lang, "") }

// WriteWith is Write with the style sheet linked from styleHref ("":
// inline).
func WriteWith(w io.Writer, d *Data, lang, styleHref string) error {
	if words[lang] == nil {
		lang = "ja"
	}
	t := words[lang]
	v := view{Lang: lang, T: t, D: d, StyleHref: styleHref, CSS: template.CSS(CSS)}
	v.Period = fmt.Sprintf("%s – %s", d.From, d.To)
	v.GeneratedAt = d.Generated.In(graph.Tokyo).Format("2006-01-02 15:04")
	for _, si := range d.Inventory {
		v.Inventory = append(v.Inventory, inventoryView{Name: si.Name, System: si.System, Confidential: strings.Join(si.ConfidentialTo, ", "),
			Chart: lineChart(si, d.Companies, t)})
	}
	v.Runs = runsChart(d.Runs, t)
	rules := map[string]int{}
	for _, r := range d.Runs {
		for k, n := range r.ByRule {
			rules[k] += n
		}
	}
	for _, k := range slices.Sorted(maps.Keys(rules)) {
		v.Rules = append(v.Rules, ruleRow{k, rules[k]})
	}
	sort.SliceStable(v.Rules, func(i, j int) bool { return v.Rules[i].N > v.Rules[j].N })
	if len(d.Movers) > 0 {
		days := make([]int, len(d.Movers))
		for i, m := range d.Movers {
			days[i] = m.Days
		}
		slices.Sort(days)
		v.MoverMedian, v.MoverMax, v.MoverCount = days[len(days)/2], days[len(days)-1], len(days)
		v.Movers = histogram(days, t)
	}
	v.Logs = logChart(d.LogDays, t)
	v.Campaigns = d.Campaigns
	units := map[string]*Reviewer{}
	for _, r := range d.Reviewers {
		u := units[r.Unit]
		if u == nil {
			u = &Reviewer{ID: r.Unit}
			units[r.Unit] = u
		}
		u.Decided += r.Decided
		u.Kept += r.Kept
	}
	for _, k := range slices.Sorted(maps.Keys(units)) {
		u := units[k]
		row := reviewerRow{Who: k, Decided: u.Decided, Kept: "—", Each: "—"}
		if d.Units[k] != "" {
			row.Who = d.Units[k] + " (" + k + ")"
		}
		if u.Decided > 0 {
			row.Kept = fmt.Sprintf("%.0f%%", 100*float64(u.Kept)/float64(u.Decided))
		}
		v.Units = append(v.Units, row)
	}
	for _, r := range d.Reviewers {
		row := reviewerRow{Who: strings.TrimSpace(r.ID + " " + r.Name), Decided: r.Decided, Each: "—", Kept: "—"}
		if r.Decided > 0 {
			row.Kept = fmt.Sprintf("%.0f%%", 100*float64(r.Kept)/float64(r.Decided))
		}
		if r.SecondsEach > 0 {
			row.Each = fmt.Sprintf("%.1f", r.SecondsEach)
		}
		v.Reviewers = append(v.Reviewers, row)
	}
	for _, k := range slices.Sorted(maps.Keys(d.Skipped)) {
		v.Skipped = append(v.Skipped, ruleRow{cmp.Or(t["skip_"+k], k), d.Skipped[k]})
	}
	return page.Execute(w, v)
}

type view struct {
	Lang, Period, GeneratedAt string
	StyleHref                 string
	CSS                       template.CSS
	T                         map[string]string
	D                         *Data
	Inventory                 []inventoryView
	Runs, Movers, Logs        template.HTML
	Rules, Skipped            []ruleRow
	MoverMedian, MoverMax     int
	MoverCount                int
	Campaigns                 []Campaign
	Reviewers, Units          []reviewerRow
}

type inventoryView struct {
	Name, System, Confidential string
	Chart                      template.HTML
}

type ruleRow struct {
	Name string
	N    int
}

type reviewerRow struct {
	Who        string
	Decided    int
	Kept, Each string
}

const (
	chartW, chartH = 900, 220
	padL, padR     = 48, 260
	padT, padB     = 16, 40
)

func esc(s string) string { return html.EscapeString(s) }

// lineChart draws one system's holders by company over the plans' days.
func lineChart(si SystemInventory, companies map[string]string, t map[string]string) template.HTML {
	var b strings.Builder
	top := 1
	for _, s := range si.Series {
		for _, n := range s.Values {
			top = max(top, n)
		}
	}
	plotW, plotH := float64(chartW-padL-padR), float64(chartH-padT-padB)
	x := func(i int) float64 {
		if len(si.Days) == 1 {
			return float64(padL) + plotW/2
		}
		return float64(padL) + plotW*float64(i)/float64(len(si.Days)-1)
	}
	y := func(n int) float64 { return float64(padT) + plotH*(1-float64(n)/float64(top)) }
	fmt.Fprintf(&b, `<svg class="chart" role="img" viewBox="0 0 %d %d" width="%d" height="%d" aria-label="%s">`, chartW, chartH, chartW, chartH, esc(si.Name))
	axes(&b, top, y)
	for i, day := range si.Days {
		if len(si.Days) <= 12 || i%((len(si.Days)+11)/12) == 0 {
			fmt.Fprintf(&b, `<text class="tick" x="%.1f" y="%d" text-anchor="middle">%s</text>`, x(i), chartH-padB+16, day.String()[5:])
		}
	}
	own, other := 0, 0
	for k, s := range si.Series {
		color := []string{"#1f4e9c", "#5b8bd0", "#8fb3e6"}[own%3]
		if s.Other {
			color = []string{"#d62728", "#ff7f0e", "#b8336a", "#8c564b"}[other%4]
			other++
		} else {
			own++
		}
		if s.Name == "" {
			color = "#7f7f7f"
		}
		pts := make([]string, len(s.Values))
		for i, n := range s.Values {
			pts[i] = fmt.Sprintf("%.1f,%.1f", x(i), y(n))
		}
		name := s.Name
		switch {
		case name == "":
			name = t["unknown_owner"]
		case companies[name] != "":
			name = companies[name] + " (" + name + ")"
		}
		last := s.Values[len(s.Values)-1]
		fmt.Fprintf(&b, `<polyline class="series" data-company="%s" data-last="%d" fill="none" stroke="%s" stroke-width="2" points="%s"/>`,
			esc(s.Name), last, color, strings.Join(pts, " "))
		for i, n := range s.Values {
			fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="3" fill="%s"><title>%s %s: %d</title></circle>`, x(i), y(n), color, esc(name), si.Days[i], n)
		}
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="10" height="10" fill="%s"/><text class="legend" x="%d" y="%d">%s: %d</text>`,
			chartW-padR+10, padT+k*18, color, chartW-padR+24, padT+k*18+9, esc(name), last)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// axes draws the y axis with a few ticks.
func axes(b *strings.Builder, top int, y func(int) float64) {
	step := max(1, (top+3)/4)
	for n := 0; n <= top; n += step {
		fmt.Fprintf(b, `<line class="grid" x1="%d" x2="%d" y1="%.1f" y2="%.1f"/><text class="tick" x="%d" y="%.1f" text-anchor="end">%d</text>`,
			padL, chartW-padR, y(n), y(n), padL-6, y(n)+4, n)
	}
}

// bars draws stacked bars: one per label, stacks in order.
func bars(labels []string, stacks [][]int, names, colors []string, aria string) template.HTML {
	var b strings.Builder
	top := 1
	for _, st := range stacks {
		sum := 0
		for _, n := range st {
			sum += n
		}
		top = max(top, sum)
	}
	plotW, plotH := float64(chartW-padL-padR), float64(chartH-padT-padB)
	y := func(n int) float64 { return float64(padT) + plotH*(1-float64(n)/float64(top)) }
	bw := plotW / float64(max(1, len(labels)))
	fmt.Fprintf(&b, `<svg class="chart" role="img" viewBox="0 0 %d %d" width="%d" height="%d" aria-label="%s">`, chartW, chartH, chartW, chartH, esc(aria))
	axes(&b, top, y)
	for i, label := range labels {
		x0 := float64(padL) + bw*float64(i) + bw*0.15
		base := 0
		for k, n := range stacks[i] {
			if n == 0 {
				continue
			}
			fmt.Fprintf(&b, `<rect class="bar" data-stack="%s" x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s %s: %d</title></rect>`,
				esc(names[k]), x0, y(base+n), bw*0.7, y(base)-y(base+n), colors[k], esc(label), esc(names[k]), n)
			base += n
		}
		if len(labels) <= 16 || i%((len(labels)+15)/16) == 0 {
			fmt.Fprintf(&b, `<text class="tick" x="%.1f" y="%d" text-anchor="middle">%s</text>`, x0+bw*0.35, chartH-padB+16, esc(label))
		}
	}
	for k, name := range names {
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="10" height="10" fill="%s"/><text class="legend" x="%d" y="%d">%s</text>`,
			chartW-padR+10, padT+k*18, colors[k], chartW-padR+24, padT+k*18+9, esc(name))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

func runsChart(runs []Run, t map[string]string) template.HTML {
	if len(runs) == 0 {
		return ""
	}
	labels := make([]string, len(runs))
	stacks := make([][]int, len(runs))
	colors := make([]string, len(severities))
	for k, s := range severities {
		colors[k] = severityColor[s]
	}
	for i, r := range runs {
		labels[i] = r.Day.String()[5:]
		stacks[i] = make([]int, len(severities))
		for k, s := range severities {
			stacks[i][k] = r.BySeverity[s]
		}
	}
	names := make([]string, len(severities))
	for k, s := range severities {
		names[k] = t["sev_"+s]
	}
	return bars(labels, stacks, names, colors, "runs")
}

// histogram buckets days: 0, 1, 2–3, 4–7, 8–14, 15–30, over 30.
func histogram(days []int, t map[string]string) template.HTML {
	edges := []struct {
		label  string
		lo, hi int
	}{{"0", 0, 0}, {"1", 1, 1}, {"2–3", 2, 3}, {"4–7", 4, 7}, {"8–14", 8, 14}, {"15–30", 15, 30}, {">30", 31, 1 << 30}}
	labels := make([]string, len(edges))
	stacks := make([][]int, len(edges))
	for i, e := range edges {
		labels[i] = e.label
		stacks[i] = []int{0}
		for _, d := range days {
			if d >= e.lo && d <= e.hi {
				stacks[i][0]++
			}
		}
	}
	for i := range labels {
		labels[i] += t["d"]
	}
	return bars(labels, stacks, []string{t["removals"]}, []string{"#1f4e9c"}, "movers")
}

func logChart(days []LogDay, t map[string]string) template.HTML {
	if len(days) == 0 {
		return ""
	}
	labels := make([]string, len(days))
	stacks := make([][]int, len(days))
	for i, d := range days {
		labels[i] = d.Day.String()[5:]
		stacks[i] = []int{d.Findings}
	}
	return bars(labels, stacks, []string{t["findings"]}, []string{"#d62728"}, "logs")
}

var page = template.Must(template.New("dashboard").Parse(`<!DOCTYPE html>
<html lang="{{.Lang}}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{index .T "title"}}</title>
{{if .StyleHref}}<link rel="stylesheet" href="{{.StyleHref}}">{{else}}<style>{{.CSS}}</style>{{end}}
</head>
<body>
<h1>{{index .T "title"}}</h1>
<p class="note">{{index .T "period"}}: {{.Period}} · {{index .T "generated"}}: {{.GeneratedAt}} (Asia/Tokyo)</p>

<h2 id="inventory">{{index .T "inventory"}}</h2>
<p class="note">{{index .T "inventory_note"}}</p>
{{range .Inventory}}<section class="system" data-system="{{.System}}"><h3>{{.Name}} ({{.System}}) — {{.Confidential}}</h3>{{.Chart}}</section>
{{else}}<p>{{index .T "none"}}</p>{{end}}

<h2 id="runs">{{index .T "runs"}}</h2>
{{if .Runs}}{{.Runs}}{{else}}<p>{{index .T "none"}}</p>{{end}}
{{if .Rules}}<h3>{{index .T "rules"}}</h3>
<table><tr><th>{{index .T "rule"}}</th><th>{{index .T "count"}}</th></tr>
{{range .Rules}}<tr><td>{{.Name}}</td><td class="n">{{.N}}</td></tr>{{end}}</table>{{end}}

<h2 id="movers">{{index .T "movers"}}</h2>
<p class="note">{{index .T "movers_note"}}</p>
{{if .Movers}}<p>{{index .T "count"}} {{.MoverCount}} · {{index .T "median"}} {{.MoverMedian}} {{index .T "days"}} · {{index .T "max"}} {{.MoverMax}} {{index .T "days"}}</p>{{.Movers}}{{else}}<p>{{index .T "none"}}</p>{{end}}

<h2 id="campaigns">{{index .T "campaigns"}}</h2>
{{if .Campaigns}}<table><tr><th>{{index .T "campaign"}}</th><th>{{index .T "closed"}}</th><th>{{index .T "decided"}}</th><th>{{index .T "defaulted"}}</th></tr>
{{range .Campaigns}}<tr><td>{{.ID}}</td><td>{{.Closed}}</td><td class="n">{{.Decided}}</td><td class="n">{{.Defaulted}}</td></tr>{{end}}</table>{{else}}<p>{{index .T "none"}}</p>{{end}}
{{if .Units}}<h3>{{index .T "units"}}</h3>
<table><tr><th>{{index .T "unit"}}</th><th>{{index .T "decided"}}</th><th>{{index .T "kept"}}</th></tr>
{{range .Units}}<tr><td>{{.Who}}</td><td class="n">{{.Decided}}</td><td class="n">{{.Kept}}</td></tr>{{end}}</table>{{end}}
<h3>{{index .T "reviewers"}}</h3>
{{if .Reviewers}}<table><tr><th>{{index .T "reviewer"}}</th><th>{{index .T "decided"}}</th><th>{{index .T "kept"}}</th><th>{{index .T "each"}}</th></tr>
{{range .Reviewers}}<tr><td>{{.Who}}</td><td class="n">{{.Decided}}</td><td class="n">{{.Kept}}</td><td class="n">{{.Each}}</td></tr>{{end}}</table>{{else}}<p>{{index .T "none"}}</p>{{end}}

<h2 id="logs">{{index .T "logs"}}</h2>
{{if .Logs}}{{.Logs}}{{else}}<p>{{index .T "none"}}</p>{{end}}

{{if .Skipped}}<h2>{{index .T "skipped"}}</h2><table>{{range .Skipped}}<tr><td>{{.Name}}</td><td class="n">{{.N}}</td></tr>{{end}}</table>{{end}}
</body>
</html>
`))
