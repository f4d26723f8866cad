package reconcile

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/accessrecon/accessrecon/config"
	"github.com/accessrecon/accessrecon/connectors"
	"github.com/accessrecon/accessrecon/connectors/orgdata"
	"github.com/accessrecon/accessrecon/graph"
	"github.com/accessrecon/accessrecon/i18n"
	"github.com/accessrecon/accessrecon/policy"
	"github.com/accessrecon/accessrecon/reconcile/inputs"
)

// Check is what validating one input found: the error, or a summary of what
// was read.
type Check struct {
	Input     string // a file as the config names it, "source NAME" or "policy"
	Err       error
	Summary   string
	SummaryJA string
	// Warning is what holds but should not (a deployment that cannot
	// prove its approvals): not an error.
	Warning, WarningJA string
}

// approvalsCheck says how the deployment proves its approvals.
func approvalsCheck(cfg *config.Config) Check {
	c := Check{Input: "approvals"}
	switch {
	case cfg.Apply.AllowedSigners != "":
		c.Summary, c.SummaryJA = "signed by keys of apply.allowed_signers", "apply.allowed_signers の鍵で署名"
	case cfg.AuditKey != "" && cfg.AuditAnchor != "":
		c.Summary, c.SummaryJA = "recorded in the audit log, its checkpoints signed (audit_key) and kept apart (audit_anchor)", "監査ログに記録（チェックポイントは audit_key で署名、audit_anchor に別保管）"
	default:
		c.Summary, c.SummaryJA = "recorded in the audit log", "監査ログに記録"
		c.Warning = "approvals are proven only by the audit log and its unsigned checkpoint beside it: whoever can write both can forge an approval; set apply.allowed_signers (signed approvals), or audit_key and audit_anchor (docs/evidence.md)"
		c.WarningJA = "承認を証明するのは監査ログと、その隣にある署名なしのチェックポイントだけです。両方を書き換えられる人は承認を偽造できます。apply.allowed_signers（署名付きの承認）か、audit_key と audit_anchor を設定してください（docs/evidence.md）"
	}
	return c
}

// Validate reads the config's inputs one by one, each on what the ones it
// needs have read, and reports every problem rather than stopping at the
// first: an input whose prerequisite failed is reported as not checked.
// Sources are read each on its own copy of the graph, so one broken source
// does not hide another.
func Validate(ctx context.Context, cfg *config.Config, mods []policy.Module, log *slog.Logger) []Check {
	var checks []Check
	g := graph.New()
	w := g.Writer()
	files := cfg.Files
	// step writes one input, committed when it reads cleanly, dropped when not.
	step := func(input string, needs []string, load func() error, summary func(*graph.Snapshot) (string, string)) bool {
		for _, n := range needs {
			for _, c := range checks {
				if c.Input == n && c.Err != nil {
					checks = append(checks, Check{Input: input, Err: i18n.Errorf("not checked: it needs %s, which failed", n)})
					return false
				}
			}
		}
		if err := load(); err != nil {
			w.Abort()
			w = g.Writer()
			checks = append(checks, Check{Input: input, Err: err})
			return false
		}
		w.Commit()
		en, ja := summary(g.Snapshot())
		checks = append(checks, Check{Input: input, Summary: en, SummaryJA: ja})
		return true
	}
	step(cfg.Org, nil, func() error { _, err := orgdata.LoadOrg(files, cfg.Resolve(cfg.Org), w); return err }, func(s *graph.Snapshot) (string, string) {
		c, u := s.Count(graph.TableCompanies), s.Count(graph.TableUnits)
		return fmt.Sprintf("%d companies, %d units", c, u), fmt.Sprintf("会社 %d、組織 %d", c, u)
	})
	step(cfg.Systems, []string{cfg.Org}, func() error { _, err := orgdata.LoadSystems(files, cfg.Resolve(cfg.Systems), w); return err }, func(s *graph.Snapshot) (string, string) {
		ents := 0
		for _, sys := range s.Systems() {
			ents += len(sys.Entitlements)
		}
		n := s.Count(graph.TableSystems)
		return fmt.Sprintf("%d systems, %d entitlements", n, ents), fmt.Sprintf("システム %d、権限 %d", n, ents)
	})
	// The sources' own systems, as load declares them.
	sources := inputs.OpenSources(ctx, cfg, log)
	for _, src := range sources {
		if src.Err == nil {
			if o, ok := src.Source.(connectors.OwnSystemer); ok && o.OwnSystem() != "" && !w.Exists(graph.TableSystems, o.OwnSystem()) {
				if err := w.DeclareEntitlements(o.OwnSystem(), o.OwnSystem(), nil); err == nil {
					w.Commit()
					w = g.Writer()
				}
			}
		}
	}
	for _, opt := range []struct {
		path                string
		load                func(string) error
		table, what, whatJA string
	}{
		{cfg.Emergencies, func(n string) error { _, err := orgdata.LoadEmergencies(files, n, w); return err }, graph.TableEmergencies, "emergency windows", "非常時の期間"},
		{cfg.Exceptions, func(n string) error { _, err := orgdata.LoadExceptions(files, n, w); return err }, graph.TableExceptions, "exceptions", "例外"},
	} {
		if opt.path != "" {
			step(opt.path, []string{cfg.Systems}, func() error { return opt.load(cfg.Resolve(opt.path)) }, func(s *graph.Snapshot) (string, string) {
				n := s.Count(opt.table)
				return fmt.Sprintf("%d %s", n, opt.what), fmt.Sprintf("%s %d", opt.whatJA, n)
			})
		}
	}
	hr := inputs.HRInput(cfg)
	if cfg.HR.Transfers != "" {
		hr += ", " + cfg.HR.Transfers
	}
	hrOK := step(hr, []string{cfg.Org}, func() error {
		feed, err := inputs.HRFeed(ctx, cfg, log)
		if err == nil {
			_, err = feed.Pull(ctx, w)
		}
		return err
	}, func(s *graph.Snapshot) (string, string) {
		p, t := s.Count(graph.TablePeople), s.Count(graph.TableTransfers)
		return fmt.Sprintf("%d people, %d transfers", p, t), fmt.Sprintf("人員 %d、異動 %d", p, t)
	})
	if hrOK {
		if c := peopleCheck(g.Snapshot(), graph.DateOf(time.Now())); c.Warning != "" {
			checks = append(checks, c)
		}
	}
	base := g
	for _, o := range sources {
		input := "source " + o.Name
		if failed := firstFailed(checks, cfg.Systems); failed != "" {
			checks = append(checks, Check{Input: input, Err: i18n.Errorf("not checked: it needs %s, which failed", failed)})
			continue
		}
		sg := base.Clone()
		sw := sg.Writer()
		err := o.Err
		if err == nil {
			// A source that takes its owners from another is checked
			// without them: each source is read on its own copy.
			_, err = o.Source.Pull(ctx, sw)
		}
		if err != nil {
			sw.Abort()
			checks = append(checks, Check{Input: input, Err: err})
			continue
		}
		sw.Commit()
		en, ja := sourceSummary(sg.Snapshot(), o.Name, hrOK)
		checks = append(checks, Check{Input: input, Summary: en, SummaryJA: ja})
	}
	if _, err := NewPolicy(cfg, mods, log); err != nil {
		checks = append(checks, Check{Input: "policy", Err: err})
	} else {
		n := len(policy.WithoutTests(mods))
		checks = append(checks, Check{Input: "policy", Summary: fmt.Sprintf("%d modules compiled", n), SummaryJA: fmt.Sprintf("モジュール %d をコンパイル", n)})
		if cfg.OnDisk() {
			checks = append(checks, approvalsCheck(cfg))
		}
	}
	return checks
}

func firstFailed(checks []Check, inputs ...string) string {
	for _, c := range checks {
		for _, in := range inputs {
			if c.Input == in && c.Err != nil {
				return in
			}
		}
	}
	return ""
}

// sourceSummary counts a source's accounts, grants and the entitlements they
// grant, and the owners the HR feed does not know.
func sourceSummary(s *graph.Snapshot, source string, withPeople bool) (string, string) {
	accounts, grants, unknown := 0, 0, 0
	ents := map[string]bool{}
	for _, sys := range s.Systems() {
		for _, a := range s.AccountsOf(sys.ID) {
			if a.Source != source {
				continue
			}
			accounts++
			grants += len(a.Grants)
			for _, g := range a.Grants {
				ents[g.System+"/"+g.Entitlement] = true
			}
			if withPeople && a.Owner != "" && s.Person(a.Owner) == nil {
				unknown++
			}
		}
	}
	en := fmt.Sprintf("%d accounts, %d grants of %d entitlements", accounts, grants, len(ents))
	ja := fmt.Sprintf("アカウント %d、権限付与 %d（権限 %d 種）", accounts, grants, len(ents))
	if unknown > 0 {
		en += fmt.Sprintf("; %d accounts whose owner the HR feed does not know", unknown)
		ja += fmt.Sprintf("。所有者が人事データにいないアカウント %d", unknown)
	}
	return en, ja
}

// peopleCheck warns of what the HR feed holds that mail and reviews would
// stumble on: addresses outside the company's mail domains (mail to them
// is refused), managers the feed does not know (a manager stage waits on
// nobody), start dates still to come (the person is not active yet).
func peopleCheck(snap *graph.Snapshot, today graph.Date) Check {
	var outside, noManager, future []string
	for _, p := range snap.People() {
		if p.HasLeft(today) {
			continue
		}
		a := snap.AssignmentAsOf(p, today)
		if c := snap.Company(a.Company); c != nil && len(c.MailDomains) > 0 && p.Mail != "" {
			_, domain, _ := strings.Cut(strings.ToLower(p.Mail), "@")
			if !slices.ContainsFunc(c.MailDomains, func(d string) bool { return strings.EqualFold(d, domain) }) {
				outside = append(outside, p.EmployeeID)
			}
		}
		if p.Manager != "" && snap.Person(p.Manager) == nil {
			noManager = append(noManager, p.EmployeeID)
		}
		if p.StartDate > today {
			future = append(future, p.EmployeeID)
		}
	}
	c := Check{Input: "people"}
	var en, ja []string
	first := func(ids []string) string { return strings.Join(ids[:min(3, len(ids))], ", ") }
	if len(outside) > 0 {
		en = append(en, fmt.Sprintf("%d people have an address outside their company's mail domains, so mail to them is refused (%s)", len(outside), first(outside)))
		ja = append(ja, fmt.Sprintf("%d 人のメールアドレスが所属会社のメールドメイン外のため、メールは送られません（%s）", len(outside), first(outside)))
	}
	if len(noManager) > 0 {
		en = append(en, fmt.Sprintf("%d people name a manager the HR feed does not know (%s)", len(noManager), first(noManager)))
		ja = append(ja, fmt.Sprintf("%d 人の上長が人事データにいません（%s）", len(noManager), first(noManager)))
	}
	if len(future) > 0 {
		en = append(en, fmt.Sprintf("%d people start later than today and are not active yet (%s)", len(future), first(future)))
		ja = append(ja, fmt.Sprintf("%d 人の入社日が今日より後で、まだ在籍者として扱いません（%s）", len(future), first(future)))
	}
	c.Warning, c.WarningJA = strings.Join(en, "; "), strings.Join(ja, "。")
	c.Summary, c.SummaryJA = "read, with the warnings below", "読み込み済み（下の警告を参照）"
	return c
}
