// Package notify is the use case of mail: it tells the people the config
// names of the events of the audit log (a plan waiting for approval, an
// apply refused or interrupted), one message to each, and never to anyone
// it must not: recipients come only from the HR feed (active people, their
// own address), an address outside its company's mail_domains is refused,
// and a message about a system confidential to one company never goes to
// another company's people. Messages wait in a queue folder until the mail
// server takes them, and each is sent at most once (its Message-ID
// recorded); every message sent or refused is an audit event.
package notify

import (
	"bufio"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"maps"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/accessrecon/accessrecon/config"
	"github.com/accessrecon/accessrecon/graph"
	"github.com/accessrecon/accessrecon/i18n"
	"github.com/accessrecon/accessrecon/reconcile"
	"github.com/accessrecon/accessrecon/reconcile/atomicfile"
	"github.com/accessrecon/accessrecon/reconcile/audit"
	"github.com/accessrecon/accessrecon/reconcile/calendar"
	"github.com/wneessen/go-mail"
	"golang.org/x/text/encoding/japanese"
)

// CursorFile keeps, beside the config, how far the audit log was read.
const CursorFile = ".accessrecon-notify.json"

// Message is one mail to one person about one event.
type Message struct {
	ID      string // Message-ID, derived from the event and the recipient
	To      string // address
	Name    string
	Person  string // employee id
	Subject string
	Body    string
	Event   int // the audit event's sequence number
}

// Refused is a message not sent, and why.
type Refused struct {
	ID         string // the Message-ID it would have had
	Person, To string
	Reason     i18n.Message
	Event      int
}

type cursor struct {
	Seq int `json:"seq"`
}

func readCursor(path string) (cursor, error) {
	var c cursor
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return c, nil
	}
	if err != nil {
		return c, err
	}
	return c, json.Unmarshal(data, &c)
}

// batch is one run's making of messages: what the audit log says of its
// plans, and the messages and refusals so far.
type batch struct {
	cfg     *config.Config
	snap    *graph.Snapshot
	day     graph.Date
	cal     *calendar.Calendar
	before  int                    // remind_before, in business days
	plans   map[string]audit.Event // plan digest → the event of its making
	touched map[string]touched     // plan digest → the systems it names
	msgs    []Message
	refused []Refused
}

type touched struct {
	systems []string
	why     i18n.Message // when they cannot be known
}

// Collect reads the audit log's events after the cursor and makes the
// messages of those the config names, with the refusals; next is the cursor
// after them.
func Collect(ctx context.Context, cfg *config.Config, snap *graph.Snapshot, now time.Time) (msgs []Message, refused []Refused, next int, err error) {
	var cur cursor
	if cfg.Store.Postgres() {
		cur, err = pgCursor(ctx, cfg)
	} else {
		cur, err = readCursor(cfg.Resolve(CursorFile))
	}
	if err != nil {
		return nil, nil, 0, i18n.Errorf("notify: %s: %w", CursorFile, err)
	}
	next = cur.Seq
	f, path, err := audit.Open(ctx, cfg)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil, next, nil
	}
	if err != nil {
		return nil, nil, 0, i18n.Errorf("notify: audit log %s: %w", path, err)
	}
	defer f.Close()
	cal, err := calendar.New(cfg.Calendar.CompanyHolidays)
	if err != nil {
		return nil, nil, 0, err
	}
	b := &batch{cfg: cfg, snap: snap, day: graph.DateOf(now), cal: cal, before: cfg.Notify.RemindBefore,
		plans: map[string]audit.Event{}, touched: map[string]touched{}}
	if b.before <= 0 {
		b.before = 2
	}
	day := b.day
	approvers := map[string][]string{} // plan digest → who approved it
	var campaigns []audit.Event        // campaign_opened, not closed (yet)
	closed := map[int]string{}         // campaign_opened seq → the campaign, closed since
	_, err = audit.Each(f, path, func(e audit.Event) {
		switch e.Event {
		case audit.Plan:
			b.plans[e.Plan] = e
		case audit.Approval:
			approvers[e.Plan] = append(approvers[e.Plan], e.By)
		case audit.CampaignOpened:
			campaigns = append(campaigns, e)
		case audit.CampaignClosed:
			campaigns = slices.DeleteFunc(campaigns, func(c audit.Event) bool {
				if c.Data["dir"] == e.Data["dir"] || c.Data["campaign"] == e.Data["campaign"] {
					closed[c.Seq] = fmt.Sprint(c.Data["campaign"])
					return true
				}
				return false
			})
		}
		if e.Seq <= cur.Seq {
			return
		}
		next = e.Seq
		who, ok := cfg.Notify.Events[e.Event]
		if !ok {
			return
		}
		if e.Event == audit.LogsCheck && e.Data["findings"] == float64(0) {
			return // a check that found nothing is evidence, not news
		}
		if who.Reviewers {
			for _, pu := range reviewers(snap, e, day) {
				b.add(e, pu.person, "", pu.unit)
			}
		}
		people := recipients(snap, who.Approvers, day)
		var ids []string
		if who.Author {
			ids = append(ids, b.plans[e.Plan].By)
		}
		if who.Approved {
			ids = append(ids, approvers[e.Plan]...)
		}
		for _, id := range ids {
			if p := snap.Person(id); p != nil && !p.HasLeft(day) && !slices.Contains(people, p) {
				people = append(people, p)
			}
		}
		for _, p := range people {
			b.add(e, p, "", "")
		}
	})
	if err != nil {
		return nil, nil, 0, err
	}
	// "Return your worksheet" of a campaign closed since (a first run
	// reading the whole log, or one after a long pause) asks for nothing
	// anyone can do: not sent, and said why.
	b.msgs = slices.DeleteFunc(b.msgs, func(m Message) bool {
		id, gone := closed[m.Event]
		if gone {
			b.refused = append(b.refused, Refused{ID: m.ID, Person: m.Person, To: m.To, Event: m.Event,
				Reason: i18n.M("campaign %s was closed since: its worksheets are no longer due", id)})
		}
		return gone
	})
	b.reminders(campaigns)
	if err := b.stageMail(ctx); err != nil {
		return nil, nil, 0, i18n.Errorf("notify: the review store: %w", err)
	}
	return b.msgs, b.refused, next, nil
}

// add makes the message of e for p (kind "" for the event itself, or
// reminder or overdue), or its refusal.
func (b *batch) add(e audit.Event, p *graph.Person, kind, unit string) {
	m, why := b.message(e, p, kind, unit)
	if why.Format != "" {
		b.refuse(e, p, kind, why)
		return
	}
	b.msgs = append(b.msgs, m)
}

func (b *batch) refuse(e audit.Event, p *graph.Person, kind string, why i18n.Message) {
	b.refused = append(b.refused, Refused{ID: messageID(e, p, kind), Person: p.EmployeeID, To: p.Mail, Reason: why, Event: e.Seq})
}

// messageID is the Message-ID of the mail of e to p: the same for the same
// event, person, kind and due day, so that each is sent (or refused) once.
func messageID(e audit.Event, p *graph.Person, kind string) string {
	sum := sha256.Sum256([]byte(fmt.Sprintf("%d\x00%s\x00%s\x00%s\x00%v", e.Seq, e.Digest, p.EmployeeID, kind, e.Data["due"])))
	return hex.EncodeToString(sum[:12]) + "@accessrecon"
}

type unitPerson struct {
	person *graph.Person
	unit   string
}

// reviewers are the active people of each reviewer unit of a campaign
// event.
func reviewers(snap *graph.Snapshot, e audit.Event, day graph.Date) []unitPerson {
	units, _ := e.Data["units"].(map[string]any)
	var out []unitPerson
	for _, p := range snap.People() {
		if p.HasLeft(day) || p.StartDate > day {
			continue
		}
		if u := snap.AssignmentAsOf(p, day).Unit; units[u] != nil {
			out = append(out, unitPerson{p, u})
		}
	}
	return out
}

// reminders are the messages of the open campaigns with a due day: to
// their reviewers from remind_before business days before it until it
// (campaign_reminder), and to the people named for campaign_overdue once it
// has passed. Each message's id holds the campaign, the kind and the due
// day, so each is sent once.
func (b *batch) reminders(campaigns []audit.Event) {
	cfg, snap, day, cal := b.cfg, b.snap, b.day, b.cal
	for _, c := range campaigns {
		dueS, _ := c.Data["due"].(string)
		due, err := graph.ParseDate(dueS)
		if err != nil {
			continue
		}
		from := b.remindFrom(due)
		if who, ok := cfg.Notify.Events["campaign_reminder"]; ok && day >= from && day <= due && cal.IsBusinessDay(day) {
			if who.Reviewers {
				for _, pu := range reviewers(snap, c, day) {
					b.add(c, pu.person, "reminder", pu.unit)
				}
			}
			for _, p := range recipients(snap, who.Approvers, day) {
				b.add(c, p, "reminder", "")
			}
		}
		if who, ok := cfg.Notify.Events["campaign_overdue"]; ok && day > due {
			people := recipients(snap, who.Approvers, day)
			if who.Managers {
				for _, pu := range reviewers(snap, c, day) {
					if m := snap.Person(pu.person.Manager); m != nil && !m.HasLeft(day) && !slices.Contains(people, m) {
						people = append(people, m)
					}
				}
			}
			for _, p := range people {
				b.add(c, p, "overdue", "")
			}
		}
	}
}

// remindFrom is the first day of the reminders of a due day.
func (b *batch) remindFrom(due graph.Date) graph.Date {
	from := due
	for range b.before {
		from = b.cal.PreviousBusinessDay(from)
	}
	return from
}

// recipients are the active people the selector names, each once.
func recipients(snap *graph.Snapshot, who config.Approvers, day graph.Date) []*graph.Person {
	var out []*graph.Person
	for _, p := range snap.People() {
		if p.HasLeft(day) || p.StartDate > day {
			continue
		}
		if len(who.Units) == 0 && len(who.Tags) == 0 && len(who.IDs) == 0 {
			continue // nobody is named: nobody, never everyone
		}
		if reconcile.MayApprove(snap, who, p, day) == "" {
			out = append(out, p)
		}
	}
	return out
}

// message is the mail about e to p, or why it must not be sent.
func (b *batch) message(e audit.Event, p *graph.Person, kind, unit string) (Message, i18n.Message) {
	cfg, snap := b.cfg, b.snap
	if p.Mail == "" {
		return Message{}, i18n.M("no mail address in the HR feed")
	}
	company := snap.Company(p.Company)
	at := strings.LastIndex(p.Mail, "@")
	if company == nil || at < 0 || !slices.ContainsFunc(company.MailDomains, func(d string) bool { return strings.EqualFold(d, p.Mail[at+1:]) }) {
		return Message{}, i18n.M("%s is not an address of company %s (mail_domains)", p.Mail, p.Company)
	}
	if e.Plan != "" {
		t := b.touches(e.Plan)
		if t.why.Format != "" {
			return Message{}, t.why
		}
		if why := confidential(snap, t.systems, p); why.Format != "" {
			return Message{}, why
		}
	}
	m := Message{ID: messageID(e, p, kind), To: p.Mail, Name: p.Name, Person: p.EmployeeID, Event: e.Seq}
	if e.Event == audit.Plan {
		if link := planLink(cfg, e); link != "" {
			data := maps.Clone(e.Data)
			data["link"] = link
			e.Data = data
		}
	}
	m.Subject, m.Body = text(e, kind, unit)
	if cfg.Notify.Templates != "" {
		subject, body, ok, err := ownText(cfg.Resolve(cfg.Notify.Templates), e, p)
		if err != nil {
			return Message{}, i18n.M("the deployment's template: %v", err)
		}
		if ok {
			m.Subject, m.Body = subject, body
		}
	}
	return m, i18n.Message{}
}

// touches are the systems the actions of the plan with this digest touch,
// as the audit event of its making lists them (or, in a log written before
// events listed them, as its file does), read once a run. A plan the log
// does not record has none: the mail about it (a refusal) holds only the
// event's own words.
func (b *batch) touches(digest string) touched {
	if t, ok := b.touched[digest]; ok {
		return t
	}
	var t touched
	made, ok := b.plans[digest]
	if listed, isList := made.Data["systems"].([]any); isList {
		for _, s := range listed {
			t.systems = append(t.systems, fmt.Sprint(s))
		}
	} else if out, _ := made.Data["out"].(string); ok && out != "" {
		if plan, err := readPlan(b.cfg, out); err != nil {
			t.why = i18n.M("the plan cannot be read to check which companies may know of it: %v", err)
		} else {
			t.systems = plan.Systems()
		}
	}
	b.touched[digest] = t
	return t
}

// planLink is the page of a plan in the reviewers' pages, when there are
// pages (review.web.public_url) and the plan was written into a folder they
// list (serve's outbox beside the config, or review.web.plans).
func planLink(cfg *config.Config, e audit.Event) string {
	public := strings.TrimSuffix(cfg.Review.Web.PublicURL, "/")
	out, _ := e.Data["out"].(string)
	if public == "" || out == "" {
		return ""
	}
	if !filepath.IsAbs(out) {
		out = cfg.Resolve(out)
	}
	dirs := []string{cfg.Resolve("outbox")}
	for _, d := range cfg.Review.Web.Plans {
		dirs = append(dirs, cfg.Resolve(d))
	}
	dir, _ := filepath.Abs(filepath.Dir(out))
	for _, d := range dirs {
		if abs, _ := filepath.Abs(d); abs == dir {
			return public + "/plans/" + url.PathEscape(filepath.Base(out))
		}
	}
	return ""
}

// ownText is the deployment's text for e (dir/<event>.txt), if it has one:
// a text/template given the event, the recipient and the plan's short
// digest, whose first line is "Subject: ...".
func ownText(dir string, e audit.Event, p *graph.Person) (subject, body string, ok bool, err error) {
	data, err := os.ReadFile(filepath.Join(dir, e.Event+".txt"))
	if errors.Is(err, os.ErrNotExist) {
		return "", "", false, nil
	}
	if err != nil {
		return "", "", false, err
	}
	t, err := template.New(e.Event).Option("missingkey=error").Parse(string(data))
	if err != nil {
		return "", "", false, err
	}
	short := e.Plan
	if len(short) > 19 {
		short = short[:19]
	}
	var b strings.Builder
	if err := t.Execute(&b, map[string]any{"Event": e, "Data": e.Data, "By": e.By, "Plan": short, "Name": p.Name, "ID": p.EmployeeID}); err != nil {
		return "", "", false, err
	}
	first, rest, _ := strings.Cut(b.String(), "\n")
	subject, found := strings.CutPrefix(first, "Subject: ")
	if !found {
		return "", "", false, i18n.Errorf(`the first line must be "Subject: ..."`)
	}
	return strings.TrimSpace(subject), strings.TrimLeft(rest, "\n"), true, nil
}

// text is a message's subject and body, in Japanese and English.
func text(e audit.Event, kind, unit string) (subject, body string) {
	short := e.Plan
	if len(short) > 19 {
		short = short[:19]
	}
	out, _ := e.Data["out"].(string)
	items := ""
	if units, ok := e.Data["units"].(map[string]any); ok && unit != "" {
		items = fmt.Sprint(units[unit])
	}
	link := ""
	if l, _ := e.Data["link"].(string); l != "" {
		link = "\n" + l + "\n"
	}
	switch {
	case e.Event == stageEvent && kind == "reminder":
		subject = fmt.Sprintf("【accessrecon】権限棚卸しの期限が近づいています / your review is due %v (%v, stage %v)", e.Data["due"], e.Data["campaign"], e.Data["stage"])
		body = fmt.Sprintf("権限棚卸し %v の第 %v 段階（%v）で、あなたの未判定の項目が %v 件あります。期限は %v です。期限までに判定のない項目は既定の扱いになります。%s\n"+
			"Campaign %v, stage %v (%v): %v items still wait for your decision, due %v. Items undecided by then get the campaign's default.%s",
			e.Data["campaign"], e.Data["stage"], e.Data["stage_name"], e.Data["items"], e.Data["due"], link,
			e.Data["campaign"], e.Data["stage"], e.Data["stage_name"], e.Data["items"], e.Data["due"], link)
		return subject, body
	case e.Event == stageEvent && kind == "overdue":
		subject = fmt.Sprintf("【accessrecon】部下の権限棚卸しが未完了です / a review of your report is due today (%v, stage %v)", e.Data["campaign"], e.Data["stage"])
		body = fmt.Sprintf("権限棚卸し %v の第 %v 段階（%v）で、%v さんの未判定の項目が %v 件あり、期限 %v を迎えました。期限を過ぎると既定の扱いになります。%s\n"+
			"Campaign %v, stage %v (%v): %v has %v items undecided on the due day %v; after it they get the campaign's default.%s",
			e.Data["campaign"], e.Data["stage"], e.Data["stage_name"], e.Data["reviewer"], e.Data["items"], e.Data["due"], link,
			e.Data["campaign"], e.Data["stage"], e.Data["stage_name"], e.Data["reviewer"], e.Data["items"], e.Data["due"], link)
		return subject, body
	case e.Event == stageEvent:
		subject = fmt.Sprintf("【accessrecon】権限棚卸しの確認をお願いします / a review stage for you (%v, stage %v)", e.Data["campaign"], e.Data["stage"])
		body = fmt.Sprintf("権限棚卸し %v の第 %v 段階（%v）で、あなたの確認を待つ項目が %v 件あります。期限は %v です。%s\n"+
			"Campaign %v, stage %v (%v): %v items wait for your decision, due %v.%s",
			e.Data["campaign"], e.Data["stage"], e.Data["stage_name"], e.Data["items"], e.Data["due"], link,
			e.Data["campaign"], e.Data["stage"], e.Data["stage_name"], e.Data["items"], e.Data["due"], link)
		return subject, body
	case e.Event == audit.CampaignOpened && kind == "reminder":
		subject = fmt.Sprintf("【accessrecon】確認表の返送期限が近づいています / worksheets due %v (%v)", e.Data["due"], e.Data["campaign"])
		body = fmt.Sprintf("権限棚卸し %v の確認表（%s、%s 件）の返送期限は %v です。判定のない行は締切時に取り消されます。\n\n"+
			"The worksheet of campaign %v for %s (%s items) is due back on %v. Rows without a decision are revoked when it closes.\n",
			e.Data["campaign"], unit, items, e.Data["due"], e.Data["campaign"], unit, items, e.Data["due"])
		return subject, body
	case e.Event == audit.CampaignOpened && kind == "overdue":
		subject = fmt.Sprintf("【accessrecon】権限棚卸しの期限切れ / campaign overdue (%v, due %v)", e.Data["campaign"], e.Data["due"])
		body = fmt.Sprintf("権限棚卸し %v は期限 %v を過ぎても締め切られていません（フォルダー %v）。\n\nCampaign %v is past its due day %v and not closed (folder %v).\n",
			e.Data["campaign"], e.Data["due"], e.Data["dir"], e.Data["campaign"], e.Data["due"], e.Data["dir"])
		return subject, body
	case e.Event == audit.CampaignOpened:
		subject = fmt.Sprintf("【accessrecon】権限棚卸しの確認表 / a certification worksheet for you (%v)", e.Data["campaign"])
		body = fmt.Sprintf("権限棚卸し %v が始まりました。%s の確認表（%s 件）を確認し、期限 %v までに返送してください（フォルダー %v）。\n\n"+
			"Campaign %v has opened: the worksheet of %s (%s items) is due back by %v (folder %v).\n%s",
			e.Data["campaign"], unit, items, e.Data["due"], e.Data["dir"], e.Data["campaign"], unit, items, e.Data["due"], e.Data["dir"], link)
		return subject, body
	}
	switch e.Event {
	case audit.Plan:
		subject = fmt.Sprintf("【accessrecon】承認待ちの計画 / A plan waits for approval (%v)", e.Data["kind"])
		body = fmt.Sprintf("承認待ちの計画があります（措置 %v 件、指摘 %v 件、作成者 %s）。\n内容の確認: accessrecon show %s --format html --lang ja\n承認: accessrecon approve %s --by （あなたの社員番号） --key （鍵）\n\n"+
			"A plan waits for approval (%v actions, %v findings, by %s).\nReview: accessrecon show %s --format html\nApprove: accessrecon approve %s --by YOUR-ID --key KEYFILE\n\n計画 / plan: %s\n%s",
			e.Data["actions"], e.Data["findings"], e.By, out, out, e.Data["actions"], e.Data["findings"], e.By, out, out, short, link)
	case audit.Apply:
		subject = "【accessrecon】計画の実施結果 / apply ended"
		body = fmt.Sprintf("計画 %s を実施しました（実行者 %s）。措置 %v 件: 完了 %v、確認待ち %v、失敗 %v、作業指示書 %v 件。\n\n"+
			"Plan %s was applied (by %s): %v actions, %v done, %v awaiting confirmation, %v failed, %v work orders.\n",
			short, e.By, e.Data["actions"], e.Data["done"], e.Data["awaiting_confirmation"], e.Data["failed"], e.Data["work_orders"],
			short, e.By, e.Data["actions"], e.Data["done"], e.Data["awaiting_confirmation"], e.Data["failed"], e.Data["work_orders"])
	case audit.LogsCheck:
		subject = fmt.Sprintf("【accessrecon】アクセスログの指摘 %v 件 / log check findings (%v)", e.Data["findings"], e.Data["date"])
		body = fmt.Sprintf("%v のアクセスログ点検で %v 件の指摘がありました（ルール別: %v）。\n詳細: accessrecon logs check --date %v --format html --lang ja\n\n"+
			"The log check of %v found %v findings (by rule: %v).\nDetails: accessrecon logs check --date %v --format html\n",
			e.Data["date"], e.Data["findings"], counts(e.Data["by_rule"]), e.Data["date"], e.Data["date"], e.Data["findings"], counts(e.Data["by_rule"]), e.Data["date"])
	case audit.TransferForbidden:
		subject = fmt.Sprintf("【accessrecon】禁止される異動の照会 / a forbidden transfer was checked (%v)", e.Data["employee_id"])
		body = fmt.Sprintf("人事システムから照会された異動は分離ルールに反します: %v を %v から %v へ（%v 発令）。該当ルール: %v\n\n"+
			"A transfer HR checked breaks a separation rule: %v from %v to %v on %v. Rules: %v\n",
			e.Data["employee_id"], e.Data["from_unit"], e.Data["to_unit"], e.Data["effective_date"], e.Data["rules"],
			e.Data["employee_id"], e.Data["from_unit"], e.Data["to_unit"], e.Data["effective_date"], e.Data["rules"])
	case audit.Refusal:
		subject = "【accessrecon】計画の実施を拒否しました / apply refused a plan"
		body = fmt.Sprintf("計画 %s の実施を拒否しました（実行者 %s）。理由: %v\n\napply refused plan %s (run by %s): %v\n", short, e.By, e.Data["reason"], short, e.By, e.Data["reason"])
	case audit.CampaignClosed:
		subject = fmt.Sprintf("【accessrecon】権限棚卸しの締切 / campaign closed (%v)", e.Data["campaign"])
		body = fmt.Sprintf("権限棚卸し %v を %s が締め切りました。判定 %v 件、未確認の項目は %v、計画 %s。%s\n\nCampaign %v was closed by %s: %v decisions, unreviewed items %v, plan %s.%s\n",
			e.Data["campaign"], e.By, e.Data["decisions"], map[string]string{"revoke": "取消", "keep": "継続"}[fmt.Sprint(e.Data["unreviewed"])], short, forcedJA(e),
			e.Data["campaign"], e.By, e.Data["decisions"], e.Data["unreviewed"], short, forcedEN(e))
	case audit.Approval:
		subject = fmt.Sprintf("【accessrecon】計画の承認 / a plan was approved (%v)", e.Data["plan_file"])
		body = fmt.Sprintf("%s が計画 %v（%s）を承認しました。\n\n%s approved plan %v (%s).\n", e.By, e.Data["plan_file"], short, e.By, e.Data["plan_file"], short)
	case audit.Rejection:
		subject = fmt.Sprintf("【accessrecon】計画の差し戻し / a plan was rejected (%v)", e.Data["plan_file"])
		body = fmt.Sprintf("%s が計画 %v（%s）を差し戻しました。理由: %v\n\n%s rejected plan %v (%s): %v\n", e.By, e.Data["plan_file"], short, e.Data["comment"], e.By, e.Data["plan_file"], short, e.Data["comment"])
	case audit.MassRevocationAllowed:
		subject = "【accessrecon】大量取消の実施 / a mass revocation was allowed"
		body = fmt.Sprintf("%s が計画 %s の大量取消（%v 件、上限 %v 件）を実施しました。理由: %v\n\n%s applied plan %s past the mass-revocation limit (%v removals, limit %v): %v\n",
			e.By, short, e.Data["removals"], e.Data["limit"], e.Data["reason"], e.By, short, e.Data["removals"], e.Data["limit"], e.Data["reason"])
	case audit.Action:
		subject = fmt.Sprintf("【accessrecon】措置の結果 / an action of plan %s (%v)", short, e.Data["state"])
		body = fmt.Sprintf("計画 %s の措置 %v（%v %v）: %v。%v\n\nPlan %s, action %v (%v %v): %v. %v\n",
			short, e.Data["action"], e.Data["op"], e.Data["item"], e.Data["state"], e.Data["detail"], short, e.Data["action"], e.Data["op"], e.Data["item"], e.Data["state"], e.Data["detail"])
	case audit.Interrupted:
		subject = fmt.Sprintf("【accessrecon】実施の中断 / apply stopped (%s)", short)
		body = fmt.Sprintf("計画 %s の実施は要求により止まりました（実行者 %s）。未着手 %v 件。続けるには apply をもう一度実行してください。\n\nApplying plan %s stopped on request (by %s): %v actions not started; run apply again to carry on.\n",
			short, e.By, e.Data["pending"], short, e.By, e.Data["pending"])
	case audit.ResetWorksheets:
		subject = fmt.Sprintf("【accessrecon】2月一斉リセットの確認表 / February reset worksheets (%v)", e.Data["year"])
		body = fmt.Sprintf("%v 年の2月一斉リセットの確認表を %s が作成しました（フォルダー %v）。\n\nThe worksheets of the %v February reset were written by %s (folder %v).\n",
			e.Data["year"], e.By, e.Data["dir"], e.Data["year"], e.By, e.Data["dir"])
	case audit.ReviewDecision:
		subject = fmt.Sprintf("【accessrecon】棚卸しの判定 / review decisions (%v)", e.Data["campaign"])
		body = fmt.Sprintf("権限棚卸し %v で %s が %v 件を判定しました（判定できなかった項目 %v 件）。\n\nIn campaign %v, %s decided %v items (%v refused).\n",
			e.Data["campaign"], e.By, e.Data["decided"], e.Data["refused"], e.Data["campaign"], e.By, e.Data["decided"], e.Data["refused"])
	case audit.ReviewDelegation:
		subject = fmt.Sprintf("【accessrecon】棚卸しの委任 / a review was delegated (%v)", e.Data["campaign"])
		body = fmt.Sprintf("権限棚卸し %v で %s が担当分を %v に委任しました。\n\nIn campaign %v, %s delegated their part to %v.\n", e.Data["campaign"], e.By, e.Data["to"], e.Data["campaign"], e.By, e.Data["to"])
	case audit.ReviewStageEnded:
		subject = fmt.Sprintf("【accessrecon】棚卸しの段階終了 / a review stage ended (%v)", e.Data["campaign"])
		body = fmt.Sprintf("権限棚卸し %v の段階が期限を過ぎ、未判定の %v 件は既定の扱いになりました。\n\nA stage of campaign %v ended: its %v open items followed the campaign's default.\n", e.Data["campaign"], e.Data["items"], e.Data["campaign"], e.Data["items"])
	case audit.SignIn:
		subject = fmt.Sprintf("【accessrecon】サインイン / sign-in (%s)", e.By)
		body = fmt.Sprintf("%s が確認画面にサインインしました（%v）。\n\n%s signed in to the reviewer pages (%v).\n", e.By, e.Data["issuer"], e.By, e.Data["issuer"])
	case audit.SignInRefused:
		subject = "【accessrecon】サインインの拒否 / a sign-in was refused"
		body = fmt.Sprintf("確認画面へのサインインを拒否しました（%v、subject %v）。理由: %v\n\nA sign-in to the reviewer pages was refused (%v, subject %v): %v\n",
			e.Data["issuer"], e.Data["subject"], e.Data["reason"], e.Data["issuer"], e.Data["subject"], e.Data["reason"])
	case audit.WebhookRefused:
		subject = fmt.Sprintf("【accessrecon】Webhook の拒否 / a webhook was refused (%v)", e.Data["service"])
		body = fmt.Sprintf("%v からとされる Webhook を拒否しました（トークンまたは署名が一致しません。送信元 %v）。\n\nA webhook said to come from %v was refused (its token or signature did not match; from %v).\n",
			e.Data["service"], e.Data["remote"], e.Data["service"], e.Data["remote"])
	case audit.AuditAccepted:
		subject = "【accessrecon】監査ログの未保護行の受け入れ / uncovered audit lines accepted"
		body = fmt.Sprintf("%s が監査ログの %v 行目から %v 行目（チェックポイントに守られていなかった行）を受け入れました。理由: %v\n\n%s accepted lines %v to %v of the audit log, which no checkpoint covered: %v\n",
			e.By, e.Data["from"], e.Data["to"], e.Data["reason"], e.By, e.Data["from"], e.Data["to"], e.Data["reason"])
	default:
		subject = fmt.Sprintf("【accessrecon】監査ログの記録 / audit log event (%s)", e.Event)
		body = fmt.Sprintf("監査ログの記録 / audit log event: %s (seq %d, by %s, plan %s)\n", e.Event, e.Seq, e.By, short)
	}
	return subject, body
}

// forcedJA and forcedEN say why a campaign was closed before its last
// stage ended ("" when it was not).
func forcedJA(e audit.Event) string {
	if f, ok := e.Data["forced"].(string); ok && f != "" {
		return "最終段階の終了前に締切: " + f
	}
	return ""
}

func forcedEN(e audit.Event) string {
	if f, ok := e.Data["forced"].(string); ok && f != "" {
		return " Closed before its last stage ended: " + f
	}
	return ""
}

func readPlan(cfg *config.Config, out string) (*reconcile.Plan, error) {
	path := out
	if !filepath.IsAbs(path) {
		path = cfg.Resolve(out)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var p reconcile.Plan
	return &p, json.Unmarshal(data, &p)
}

// mailOf is the message as go-mail builds it, in UTF-8 or, for old mail
// clients, in ISO-2022-JP (7-bit JIS, the subject and name MIME-encoded).
func mailOf(from, fromName, charset string, m Message) (*mail.Msg, error) {
	msg := mail.NewMsg(mail.WithEncoding(mail.EncodingB64), mail.WithCharset(mail.CharsetUTF8))
	if strings.EqualFold(charset, "iso-2022-jp") {
		msg = mail.NewMsg(mail.WithEncoding(mail.EncodingUSASCII), mail.WithCharset(mail.CharsetISO2022JP))
		enc := japanese.ISO2022JP.NewEncoder()
		m.Name = "" // the address alone: a JIS display name would not parse as one
		for _, s := range []*string{&m.Subject, &m.Body} {
			jis, err := enc.String(*s)
			if err != nil {
				return nil, i18n.Errorf("notify: iso-2022-jp: %w", err)
			}
			*s = jis
		}
	}
	setFrom := func() error { return msg.From(from) }
	if fromName != "" && !strings.EqualFold(charset, "iso-2022-jp") {
		setFrom = func() error { return msg.FromFormat(fromName, from) }
	}
	if err := setFrom(); err != nil {
		return nil, i18n.Errorf("notify: from %q: %w", from, err)
	}
	add := func() error { return msg.AddToFormat(m.Name, m.To) }
	if m.Name == "" {
		add = func() error { return msg.AddTo(m.To) }
	}
	if err := add(); err != nil {
		return nil, i18n.Errorf("notify: to %q: %w", m.To, err)
	}
	msg.SetMessageIDWithValue(m.ID)
	msg.Subject(m.Subject)
	msg.SetBodyString(mail.TypeTextPlain, m.Body)
	msg.SetDateWithValue(time.Now().In(graph.Tokyo)) // +0900, as the people it goes to read dates
	// Sent by a program: no vacation replies, no loops (RFC 3834).
	msg.SetGenHeader(mail.Header("Auto-Submitted"), "auto-generated")
	return msg, nil
}

// Enqueue writes each message into the queue folder as an .eml file named
// by its Message-ID (written atomically; one already queued or sent is not
// queued again), and moves the cursor to next.
func Enqueue(ctx context.Context, cfg *config.Config, msgs []Message, next int) error {
	if cfg.Store.Postgres() {
		return pgEnqueue(ctx, cfg, msgs, next)
	}
	dir := QueueDir(cfg)
	if err := os.MkdirAll(filepath.Join(dir, "sent"), 0o700); err != nil {
		return i18n.Errorf("notify: %w", err)
	}
	for _, m := range msgs {
		name := m.ID + ".eml"
		if exists(filepath.Join(dir, name)) || exists(filepath.Join(dir, "sent", name)) {
			continue
		}
		if err := WriteEML(dir, cfg.Notify, m); err != nil {
			return err
		}
	}
	return atomicfile.WriteJSONFile(cfg.Resolve(CursorFile), cursor{Seq: next})
}

// NewRefusals are those of refused not recorded by an earlier run: a
// reminder or a stage's mail is made afresh at every run (serve: every few
// minutes), and its refusal goes into the audit log once (MarkRecorded).
func NewRefusals(ctx context.Context, cfg *config.Config, refused []Refused) ([]Refused, error) {
	if cfg.Store.Postgres() {
		return pgNewRefusals(ctx, cfg, refused)
	}
	dir := filepath.Join(QueueDir(cfg), "refused")
	return slices.DeleteFunc(slices.Clone(refused), func(r Refused) bool { return exists(filepath.Join(dir, r.ID)) }), nil
}

// MarkRecorded remembers, in the queue folder, that r is in the audit log.
func MarkRecorded(ctx context.Context, cfg *config.Config, r Refused) error {
	if cfg.Store.Postgres() {
		return pgMarkRecorded(ctx, cfg, r)
	}
	dir := filepath.Join(QueueDir(cfg), "refused")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return i18n.Errorf("notify: %w", err)
	}
	return os.WriteFile(filepath.Join(dir, r.ID), nil, 0o600)
}

// QueueDir is the queue folder.
func QueueDir(cfg *config.Config) string {
	q := cfg.Notify.Queue
	if q == "" {
		q = "notify-queue"
	}
	return cfg.Resolve(q)
}

func exists(path string) bool { _, err := os.Stat(path); return err == nil }

// WriteEML writes a message as DIR/<Message-ID>.eml, in charset (utf-8 or
// iso-2022-jp).
func WriteEML(dir string, n config.Notify, m Message) error {
	msg, err := mailOf(n.From, n.FromName, n.Charset, m)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return i18n.Errorf("notify: %w", err)
	}
	return atomicfile.WriteFileAtomicWith(filepath.Join(dir, m.ID+".eml"), func(w io.Writer) error {
		_, err := msg.WriteTo(w)
		return err
	})
}

// Queued is how many messages wait in the queue folder.
func Queued(ctx context.Context, cfg *config.Config) int {
	if cfg.Store.Postgres() {
		return pgQueued(ctx, cfg)
	}
	names, _ := filepath.Glob(filepath.Join(QueueDir(cfg), "*.eml"))
	return len(names)
}

// Sent is a message the server took.
type Sent struct{ ID, To string }

// Send hands the queued messages to the mail server, at most limit, a
// connection each; a message the server took moves to sent/ (so it is
// never sent again), one it did not stays queued for the next run.
func Send(ctx context.Context, cfg *config.Config, password string, limit int) (sent []Sent, failed map[string]error, err error) {
	if cfg.Store.Postgres() {
		host, _ := os.Hostname()
		return pgSend(ctx, cfg, password, fmt.Sprintf("%s/%d", host, os.Getpid()), limit)
	}
	dir := QueueDir(cfg)
	names, _ := filepath.Glob(filepath.Join(dir, "*.eml"))
	slices.Sort(names)
	if len(names) == 0 {
		return nil, nil, nil
	}
	client, err := dial(cfg.Notify.SMTP, password)
	if err != nil {
		return nil, nil, err
	}
	failed = map[string]error{}
	for i, name := range names {
		if i >= limit {
			break
		}
		if err := ctx.Err(); err != nil { // stopping: the rest stays queued
			return sent, failed, i18n.Errorf("notify: %w", err)
		}
		id := strings.TrimSuffix(filepath.Base(name), ".eml")
		to, msg, err := readEML(name)
		if err != nil {
			failed[id] = err
			continue
		}
		if err := sendWithRetries(ctx, client, msg); err != nil {
			failed[id] = err
			continue
		}
		if err := os.Rename(name, filepath.Join(dir, "sent", filepath.Base(name))); err != nil {
			return sent, failed, i18n.Errorf("notify: %w", err)
		}
		sent = append(sent, Sent{ID: id, To: to})
	}
	return sent, failed, nil
}

// Backoff is the wait before the first retry of a message the server did
// not take; it doubles for the second.
var Backoff = 2 * time.Second

// sendWithRetries sends a message, trying twice more with growing waits
// when the connection fails (a message a server did not accept is not sent,
// so a retry cannot double it).
func sendWithRetries(ctx context.Context, client *mail.Client, msg *mail.Msg) error {
	wait := Backoff
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		if attempt > 0 {
			select {
			case <-ctx.Done():
				return errors.Join(err, ctx.Err())
			case <-time.After(wait):
			}
			wait *= 2
		}
		if err = client.DialAndSendWithContext(ctx, msg); err == nil {
			return nil
		}
		if strings.Contains(err.Error(), "does not support STARTTLS") {
			// Not a passing fault: say which setting decides it.
			return i18n.Errorf("%w: the mail server offers no STARTTLS, which notify.smtp.starttls requires by default; set it to opportunistic only for a server on this machine or a network you trust (the mail would go in plain text)", err)
		}
	}
	return err
}

// readEML reads a queued message back.
func readEML(path string) (string, *mail.Msg, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", nil, err
	}
	defer f.Close()
	msg, err := mail.EMLToMsgFromReader(bufio.NewReader(f))
	if err != nil {
		return "", nil, i18n.Errorf("notify: %s: %w", path, err)
	}
	to := ""
	if rcpts, err := msg.GetRecipients(); err == nil && len(rcpts) > 0 {
		to = rcpts[0]
	}
	return to, msg, nil
}

func dial(s config.SMTP, password string) (*mail.Client, error) {
	policy := mail.TLSMandatory
	if s.StartTLS == "opportunistic" {
		policy = mail.TLSOpportunistic
	}
	tc := &tls.Config{ServerName: s.Host, MinVersion: tls.VersionTLS12}
	if !s.CAFile.IsZero() {
		pem, err := os.ReadFile(s.CAFile.Resolved())
		if err != nil {
			return nil, i18n.Errorf("notify: smtp.ca_file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, i18n.Errorf("notify: smtp.ca_file %s: no PEM certificate in it", s.CAFile)
		}
		tc.RootCAs = pool
	}
	opts := []mail.Option{mail.WithPort(s.Port), mail.WithTLSPortPolicy(policy), mail.WithTLSConfig(tc), mail.WithTimeout(30 * time.Second)}
	if s.Username != "" {
		opts = append(opts, mail.WithSMTPAuth(mail.SMTPAuthPlain), mail.WithUsername(s.Username), mail.WithPassword(password))
	}
	c, err := mail.NewClient(s.Host, opts...)
	if err != nil {
		return nil, i18n.Errorf("notify: smtp %s: %w", s.Host, err)
	}
	return c, nil
}

// counts writes a count per key (a rule: how many) as people read it,
// sorted: "usage.access_after_leave 1, usage.x 2" (not a Go map).
func counts(v any) string {
	m, ok := v.(map[string]any)
	if !ok {
		return fmt.Sprint(v)
	}
	parts := make([]string, 0, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf("%s %v", k, m[k]))
	}
	return strings.Join(parts, ", ")
}
