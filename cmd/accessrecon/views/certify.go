// Package views is what the commands print for people, one function per
// command (or per outcome of one): the use cases return typed results and
// a view turns them into lines in the user's language.
package views

import (
	"fmt"
	"io"
	"path/filepath"

	"github.com/accessrecon/accessrecon/i18n"
	"github.com/accessrecon/accessrecon/reconcile/certify"
	"github.com/accessrecon/accessrecon/reconcile/report"
	"github.com/accessrecon/accessrecon/reconcile/reviewdb"
)

func pick(lang, en, ja string) string {
	if lang == i18n.JA {
		return ja
	}
	return en
}

// CertifyOpened is certify open's summary on out: the worksheets by
// reviewer unit and the total; on errw, the items routed because their
// holder is the only reviewer a stage names, and those nobody can decide.
func CertifyOpened(out, errw io.Writer, lang, dir, link string, c *certify.Campaign, rc *reviewdb.Campaign) {
	errw = report.SafeWriter(errw) // ids from the inputs cannot drive the terminal
	n := 0
	for _, w := range c.Worksheets {
		n += len(w.Items)
		fmt.Fprintf(out, pick(lang, "%s: %d items → %s\n", "%s: %d 件 → %s\n"), w.ReviewerUnit, len(w.Items), filepath.Join(dir, w.Files[0]))
	}
	fmt.Fprintf(out, pick(lang, "campaign %s: %d items in %d worksheets\n", "棚卸し %s: %d 件、確認表 %d 部\n"), c.ID, n, len(c.Worksheets))
	if c.Since != "" {
		fmt.Fprintf(out, pick(lang, "%d rights kept in campaign %s and unchanged since are carried with that decision (%s)\n", "前回の棚卸し %[2]s で維持され、その後変わっていない %[1]d 件は、その判定を引き継ぎます（%[3]s）\n"),
			len(c.Carried), c.Since, filepath.Join(dir, certify.CarriedFile))
	}
	if c.MinScore > 0 {
		fmt.Fprintf(out, pick(lang, "%d rights scoring under %d are not reviewed in this campaign (min_score)\n", "リスク点数 %[2]d 未満の %[1]d 件はこの棚卸しの対象外です（min_score）\n"), c.Skipped, c.MinScore)
	}
	if rc == nil {
		return
	}
	if len(rc.Escalated) > 0 {
		fmt.Fprintf(errw, pick(lang, "accessrecon: %d items are their holder's own right at every stage (e.g. %s): routed to %s\n",
			"accessrecon: %d 件はどの段階でも確認者が保有者本人です（例: %s）。%s に回しました\n"),
			len(rc.Escalated), rc.Escalated[0], pick(lang, "the template's escalation or the holder's manager", "ひな形の escalation または保有者の上長"))
	}
	if len(rc.Unreviewable) > 0 {
		fmt.Fprintf(errw, pick(lang, "accessrecon: warning: %d items can be decided by nobody (their holder is the only reviewer and has no manager; e.g. %s): they will follow the campaign's default (%s); name an escalation (unit:CODE) in the template\n",
			"accessrecon: 警告: %d 件は判定できる人がいません（確認者が保有者本人のみで上長もいません。例: %s）。棚卸しの既定（%s）になります。ひな形に escalation（unit:部署コード）を指定してください\n"),
			len(rc.Unreviewable), rc.Unreviewable[0], rc.Unreviewed)
	}
	for _, st := range rc.Stages {
		fmt.Fprintf(out, pick(lang, "stage %d, %s: due %s\n", "第 %d 段階 %s: 期限 %s\n"), st.N, st.Name, st.Due)
	}
	where := pick(lang, "send the worksheets to their units", "確認表を各部署に送ってください")
	if link != "" {
		where = pick(lang, "reviewers decide at "+link+" or in the worksheets", "確認者は "+link+" または確認表で判定します")
	}
	fmt.Fprintf(errw, pick(lang, "accessrecon: next: %s (notify run mails them when notify.events has campaign_opened); take returned worksheets in with certify import --campaign %s, and close with certify close --campaign %s\n",
		"accessrecon: 次に: %s（notify.events に campaign_opened があれば notify run がメールで知らせます）。返送された確認表は certify import --campaign %s で取り込み、締切後に certify close --campaign %s で締めます\n"),
		where, dir, dir)
}

// CertifyClosed is what certify close says besides the plan: worksheet rows
// not taken because the item was already decided, the items the stages'
// ends decided, and a close forced before the last stage ended.
func CertifyClosed(w io.Writer, lang string, cl *reviewdb.Closing) {
	w = report.SafeWriter(w) // worksheet rows and ids cannot drive the terminal
	superseded(w, lang, cl.Superseded)
	if cl.Defaulted > 0 {
		fmt.Fprintf(w, pick(lang, "accessrecon: %d items of stages past their due day followed the campaign's default\n",
			"accessrecon: 期限を過ぎた段階の %d 件は棚卸しの既定に従いました\n"), cl.Defaulted)
	}
	if c := cl.Campaign; c.CloseForced != "" {
		fmt.Fprintf(w, pick(lang, "accessrecon: closed before its last stage ended (%d items still open, now unreviewed): %s\n",
			"accessrecon: 最終段階の終了前に締め切りました（未判定 %d 件は未確認として扱います）: %s\n"), cl.Open, c.CloseForced)
	}
	fmt.Fprintf(w, pick(lang, "accessrecon: campaign %s closed: %d worksheet decisions taken\n", "accessrecon: 棚卸し %s を締め切りました（確認表の判定 %d 件を取り込み）\n"),
		cl.Campaign.ID, cl.Imported)
}

// CertifyImported is what certify import took and what it did not.
func CertifyImported(out, errw io.Writer, lang, id string, got certify.Imported) {
	errw = report.SafeWriter(errw)
	superseded(errw, lang, got.Superseded)
	fmt.Fprintf(out, pick(lang, "campaign %s: %d worksheet decisions taken\n", "棚卸し %s: 確認表の判定 %d 件を取り込みました\n"), id, got.Imported)
}

func superseded(w io.Writer, lang string, rows []reviewdb.ImportRefusal) {
	for _, r := range rows {
		fmt.Fprintf(w, pick(lang, "accessrecon: %s: %s was already decided at its stage; the worksheet's %s is not taken\n",
			"accessrecon: %s: %s はこの段階で判定済みのため、確認表の %s は取り込みません\n"), r.Pos, r.ItemID, r.Decision)
	}
}
