package web

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"maps"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/accessrecon/accessrecon/graph"
	"github.com/accessrecon/accessrecon/i18n"
	"github.com/accessrecon/accessrecon/policy"
	"github.com/accessrecon/accessrecon/reconcile"
	"github.com/accessrecon/accessrecon/reconcile/apply"
	"github.com/accessrecon/accessrecon/reconcile/audit"
	"github.com/accessrecon/accessrecon/reconcile/certify"
	"github.com/accessrecon/accessrecon/reconcile/dashboard"
	"github.com/accessrecon/accessrecon/reconcile/report"
	"github.com/accessrecon/accessrecon/reconcile/reviewdb"
	"github.com/accessrecon/accessrecon/reconcile/risk"
	"golang.org/x/text/language"
)

// PageSize is how many rows a page shows.
const PageSize = 50

var matcher = language.NewMatcher([]language.Tag{language.Japanese, language.English})

// langOf is ja unless the browser prefers English.
func langOf(r *http.Request) string {
	tags, _, err := language.ParseAcceptLanguage(r.Header.Get("Accept-Language"))
	if err != nil || len(tags) == 0 {
		return "ja"
	}
	if _, i, _ := matcher.Match(tags...); i == 1 {
		return "en"
	}
	return "ja"
}

// page is what every template gets.
type page struct {
	Lang  string
	Me    *who
	Title string
	Msg   string
	Error string
	Data  any
}

// The data of each page, typed: a template that names a field the page
// does not have fails when the templates are parsed and run in the tests.
type (
	// campaignRow is an open campaign with how many items wait for the
	// reviewer.
	campaignRow struct {
		reviewdb.Campaign
		Mine int
	}
	homePage struct {
		Campaigns []campaignRow
		Owner     bool
	}
	campaignPage struct {
		C      *reviewdb.Campaign
		Items  []reviewdb.Item
		Total  int
		Filter reviewdb.Filter
		Next   string
		Query  string
		Stage  map[int]string
		Owner  bool
		// Titles are the rules' titles in the page's language, by id.
		Titles map[string]string
		// Groups are the rights on the worklist (the filter's, any right),
		// each decided at once through the bulk form.
		Groups []reviewdb.Group
	}
	progressPage struct {
		C           *reviewdb.Campaign
		Rows        []reviewdb.Progress
		Delegations []reviewdb.Delegation
		// Who names each reviewer key and person (unit:CODE, person:ID,
		// ID) with the name beside the code; Stages are by number; Total
		// sums the rows.
		Who    map[string]string
		Stages map[int]reviewdb.Stage
		Total  reviewdb.Progress
	}
	// confirmPage shows what a decision over many items, or an approval,
	// will do before it is taken; Fields are the form's, posted again with
	// confirmed=1.
	confirmPage struct {
		Action, Back, Summary, Reason string
		Fields                        url.Values
	}
	plansPage struct {
		Plans    []planFile
		Required int
		// Names are the plans' authors' names, by id.
		Names map[string]string
	}
	planPage struct {
		F                         *planFile
		Actions                   []reconcile.Action
		ActionCount, FindingCount int
		Findings                  []reconcile.Finding
		Next                      string
		Q                         url.Values
		Author, MayApprove        bool
		Decisions                 []reviewdb.PlanDecision
		Required                  int
		// Titles are the rules' titles and Systems the systems' names, in
		// the page's language, beside their ids.
		Titles, Systems map[string]string
	}
)

var funcs = template.FuncMap{
	"t": func(lang, key string) string {
		x, ok := texts[key]
		if !ok {
			return key
		}
		if lang == "en" {
			return x[1]
		}
		return x[0]
	},
	"groupQuery": func(query string, g reviewdb.Group) string {
		q, _ := url.ParseQuery(query)
		q.Set("system", g.System)
		q.Set("right", g.Right)
		q.Del("after")
		return "?" + q.Encode()
	},
	"riskReasons": func(lang string, it reviewdb.Item) []string {
		var out []string
		for _, r := range it.RiskReasons() {
			out = append(out, risk.Text(lang, r))
		}
		return out
	},
	"lastUse": func(lang, v string) string {
		switch v {
		case "":
			return "—"
		case "never":
			return map[string]string{"ja": "ログの期間内に利用なし", "en": "never within the logs"}[lang]
		}
		if t, err := time.Parse(time.RFC3339, v); err == nil {
			return t.Format("2006-01-02 15:04")
		}
		return v
	},
	"count": func(lang string, n int) string {
		if n > reviewdb.CountCap {
			return pickLang(lang, "10,000 件以上", "more than 10,000")
		}
		return strconv.Itoa(n)
	},
	// word is an op, a severity or a plan kind in the page's language.
	"word": func(lang, key string) string { return report.Renderer{Lang: lang}.Word(key) },
	// tokyo is an RFC 3339 time in Asia/Tokyo, to the minute.
	"tokyo": func(v string) string {
		if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
			return t.In(graph.Tokyo).Format("2006-01-02 15:04")
		}
		return v
	},
	"fields": strings.Fields,
	"pick": func(lang, ja, en string) string {
		if lang == "en" {
			return en
		}
		return ja
	},
}

func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, p page) {
	var buf bytes.Buffer
	if err := s.pages.ExecuteTemplate(&buf, name, p); err != nil {
		s.o.Log.Error("page", "template", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// fail shows an error page in the reader's language.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, status int, err error) {
	if status >= 500 {
		s.o.Log.Error("web", "path", r.URL.Path, "err", err)
	}
	l := langOf(r)
	s.render(w, r, status, "error", page{Lang: l, Error: i18n.Text(err, l)})
}

// home lists the campaigns with the signed-in person's open items, and the
// plans waiting when they may approve.
func (s *Server) home(w http.ResponseWriter, r *http.Request, me *who) {
	cs, err := s.o.Store.Campaigns(r.Context())
	if err != nil {
		s.fail(w, r, 500, err)
		return
	}
	var rows []campaignRow
	for _, c := range cs {
		if c.ClosedAt != "" {
			continue
		}
		_, n, err := s.o.Store.Worklist(r.Context(), c.ID, me.reviewer(), reviewdb.Filter{Limit: 1})
		if err != nil {
			s.fail(w, r, 500, err)
			return
		}
		rows = append(rows, campaignRow{c, n})
	}
	s.render(w, r, 200, "home", page{Lang: me.lang, Me: me, Data: homePage{Campaigns: rows, Owner: s.isOwner(me)}})
}

func (s *Server) isOwner(me *who) bool {
	return certify.IsOwner(me.snap, me.cfg, me.Person, me.today)
}

// worklist is a reviewer's page of a campaign: their open items, filtered
// and paged on the server.
func (s *Server) worklist(w http.ResponseWriter, r *http.Request, me *who) {
	id := r.PathValue("id")
	c, err := s.o.Store.Campaign(r.Context(), id)
	if err != nil {
		s.fail(w, r, http.StatusNotFound, err)
		return
	}
	f := filterOf(r.URL.Query())
	f.Limit = PageSize
	items, total, err := s.o.Store.Worklist(r.Context(), id, me.reviewer(), f)
	if err != nil {
		s.fail(w, r, 500, err)
		return
	}
	any := f
	any.Right = ""
	groups, err := s.o.Store.Groups(r.Context(), id, me.reviewer(), any)
	if err != nil {
		s.fail(w, r, 500, err)
		return
	}
	next := ""
	if len(items) == PageSize {
		q := r.URL.Query()
		q.Set("after", items[len(items)-1].ItemID)
		next = "?" + q.Encode()
	}
	stageName := map[int]string{}
	for _, st := range c.Stages {
		stageName[st.N] = st.Name
	}
	titles := map[string]string{}
	rr := report.Renderer{Lang: me.lang, Rules: s.rules()}
	for _, it := range items {
		for _, rule := range strings.Fields(it.PolicyFlag) {
			titles[rule] = rr.Title(rule)
		}
	}
	s.render(w, r, 200, "campaign", page{Lang: me.lang, Me: me, Msg: r.URL.Query().Get("msg"), Data: campaignPage{
		C: c, Items: items, Total: total, Filter: f, Next: next, Query: filterQuery(f), Stage: stageName, Owner: s.isOwner(me), Titles: titles, Groups: groups,
	}})
}

func filterOf(q url.Values) reviewdb.Filter {
	return reviewdb.Filter{System: q.Get("system"), Right: q.Get("right"), Rule: q.Get("rule"), Person: q.Get("person"), Flagged: q.Get("flagged") == "1", After: q.Get("after")}
}

func filterQuery(f reviewdb.Filter) string {
	q := url.Values{}
	for k, v := range map[string]string{"system": f.System, "right": f.Right, "rule": f.Rule, "person": f.Person} {
		if v != "" {
			q.Set(k, v)
		}
	}
	if f.Flagged {
		q.Set("flagged", "1")
	}
	return q.Encode()
}

func (s *Server) back(w http.ResponseWriter, r *http.Request, id, query, msg string) {
	q, _ := url.ParseQuery(query)
	q.Set("msg", msg)
	http.Redirect(w, r, "/campaigns/"+url.PathEscape(id)+"?"+q.Encode(), http.StatusSeeOther)
}

func (s *Server) result(me *who, res reviewdb.Result) string {
	msg := fmt.Sprintf(pickLang(me.lang, "%d 件を判定しました", "%d decided"), res.Decided)
	if len(res.Refused) > 0 {
		why := i18n.Text(res.Refused[0].Why, me.lang)
		msg += fmt.Sprintf(pickLang(me.lang, "。%d 件は判定できません（%s: %s）", "; %d refused (%s: %s)"), len(res.Refused), res.Refused[0].ItemID, why)
	}
	return msg
}

func pickLang(lang, ja, en string) string {
	if lang == "en" {
		return en
	}
	return ja
}

// decide takes one decision on the items of the form.
func (s *Server) decide(w http.ResponseWriter, r *http.Request, me *who) {
	id := r.PathValue("id")
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, http.StatusBadRequest, err)
		return
	}
	items := r.PostForm["item"]
	if len(items) == 0 || len(items) > 1000 {
		s.fail(w, r, http.StatusBadRequest, errors.New("choose between 1 and 1,000 items, or decide over a filter"))
		return
	}
	decision, reason := r.PostForm.Get("decision"), strings.TrimSpace(r.PostForm.Get("reason"))
	res, err := certify.Decide(r.Context(), s.desk(me.in), id, me.identity(), certify.Selection{Items: items}, decision, reason)
	if err != nil {
		s.fail(w, r, http.StatusBadRequest, err)
		return
	}
	s.back(w, r, id, r.PostForm.Get("query"), s.result(me, res))
}

// bulk decides every item of the reviewer's worklist a filter selects.
func (s *Server) bulk(w http.ResponseWriter, r *http.Request, me *who) {
	id := r.PathValue("id")
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, http.StatusBadRequest, err)
		return
	}
	f := filterOf(r.PostForm)
	decision, reason := r.PostForm.Get("decision"), strings.TrimSpace(r.PostForm.Get("reason"))
	if r.PostForm.Get("confirmed") != "1" {
		// A decision over many items is shown before it is taken: how
		// many, which, what, why.
		c, err := s.o.Store.Campaign(r.Context(), id)
		if err != nil {
			s.fail(w, r, http.StatusNotFound, err)
			return
		}
		_, total, err := s.o.Store.Worklist(r.Context(), id, me.reviewer(), f)
		if err != nil {
			s.fail(w, r, 500, err)
			return
		}
		s.render(w, r, 200, "confirm", page{Lang: me.lang, Me: me, Data: confirmPage{
			Action: "/campaigns/" + url.PathEscape(c.ID) + "/bulk", Back: "/campaigns/" + url.PathEscape(c.ID) + "?" + filterQuery(f),
			Summary: fmt.Sprintf(pickLang(me.lang, "棚卸し %s: 絞り込み（%s）に一致するあなたの未判定の項目 %sを「%s」と判定します。", "Campaign %s: the %s open items of yours the filter (%s) selects will be decided %s."),
				c.ID, filterText(me.lang, f), countText(me.lang, total), pickLang(me.lang, map[string]string{"keep": "維持", "revoke": "取消"}[decision], decision)),
			Reason: reason, Fields: withConfirmed(r.PostForm)}})
		return
	}
	res, err := certify.Decide(r.Context(), s.desk(me.in), id, me.identity(), certify.Selection{Filter: &f}, decision, reason)
	if err != nil {
		s.fail(w, r, http.StatusBadRequest, err)
		return
	}
	s.back(w, r, id, filterQuery(f), s.result(me, res))
}

// delegate hands the reviewer's part to another active person of the same
// company.
func (s *Server) delegate(w http.ResponseWriter, r *http.Request, me *who) {
	id := r.PathValue("id")
	if _, err := s.o.Store.Campaign(r.Context(), id); err != nil {
		s.fail(w, r, http.StatusNotFound, err)
		return
	}
	to, err := certify.Delegate(r.Context(), s.desk(me.in), id, me.identity(), r.PostFormValue("to"))
	if err != nil {
		s.fail(w, r, http.StatusBadRequest, err)
		return
	}
	s.back(w, r, id, "", fmt.Sprintf(pickLang(me.lang, "%s（%s）に委任しました", "delegated to %s (%s)"), to.EmployeeID, to.Name))
}

// progress is the campaign owner's view: per stage and reviewer.
// dashboard is the dashboard of a period (?from=&to=, a year to today by
// default) for the campaign owners: the same page `accessrecon dashboard`
// writes, from the audit log and the plans.
func (s *Server) dashboard(w http.ResponseWriter, r *http.Request, me *who) {
	if !s.isOwner(me) {
		s.fail(w, r, http.StatusForbidden, errors.New("only the campaign owners (review.web.owners) see the dashboard"))
		return
	}
	to, from := me.today, graph.DateOf(me.today.Start().AddDate(-1, 0, 1))
	for _, p := range []struct {
		name string
		d    *graph.Date
	}{{"from", &from}, {"to", &to}} {
		if v := r.URL.Query().Get(p.name); v != "" {
			d, err := graph.ParseDate(v)
			if err != nil {
				s.fail(w, r, http.StatusBadRequest, err)
				return
			}
			*p.d = d
		}
	}
	if to < from {
		s.fail(w, r, http.StatusBadRequest, errors.New("to is before from"))
		return
	}
	d, err := dashboard.Build(me.cfg, me.snap, from, to, s.o.Now())
	if err != nil {
		s.fail(w, r, http.StatusInternalServerError, err)
		return
	}
	var buf bytes.Buffer
	if err := dashboard.WriteWith(&buf, d, me.lang, "/dashboard.css"); err != nil {
		s.fail(w, r, http.StatusInternalServerError, err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(buf.Bytes())
}

func (s *Server) progress(w http.ResponseWriter, r *http.Request, me *who) {
	if !s.isOwner(me) {
		s.fail(w, r, http.StatusForbidden, errors.New("only the campaign owners (review.web.owners) see the progress"))
		return
	}
	id := r.PathValue("id")
	c, err := s.o.Store.Campaign(r.Context(), id)
	if err != nil {
		s.fail(w, r, http.StatusNotFound, err)
		return
	}
	settings, err := risk.SettingsOf(s.config().Review.Risk)
	if err != nil {
		s.fail(w, r, 500, err)
		return
	}
	rows, err := s.o.Store.Progress(r.Context(), id, settings.High)
	if err != nil {
		s.fail(w, r, 500, err)
		return
	}
	dels, err := s.o.Store.Delegations(r.Context(), id)
	if err != nil {
		s.fail(w, r, 500, err)
		return
	}
	pp := progressPage{C: c, Rows: rows, Delegations: dels, Who: map[string]string{}, Stages: map[int]reviewdb.Stage{}}
	for _, st := range c.Stages {
		pp.Stages[st.N] = st
	}
	name := func(key string) string {
		switch {
		case strings.HasPrefix(key, reviewdb.UnitPrefix):
			code := strings.TrimPrefix(key, reviewdb.UnitPrefix)
			if u := me.snap.Unit(code); u != nil {
				return u.Name + " (" + code + ")"
			}
			return code
		case strings.HasPrefix(key, "person:"):
			key = strings.TrimPrefix(key, "person:")
		}
		if p := me.snap.Person(key); p != nil {
			return p.Name + " (" + p.EmployeeID + ")"
		}
		return key
	}
	for _, row := range rows {
		pp.Who[row.Who] = name(row.Who)
		pp.Total.Open += row.Open
		pp.Total.Kept += row.Kept
		pp.Total.Revoked += row.Revoked
		pp.Total.Defaults += row.Defaults
	}
	for _, d := range dels {
		pp.Who[d.From], pp.Who[d.To] = name(d.From), name(d.To)
	}
	s.render(w, r, 200, "progress", page{Lang: me.lang, Me: me, Data: pp})
}

// planCache keeps parsed plans by path, size and time.
type planCache struct {
	mu sync.Mutex
	m  map[string]cachedPlan
}

type cachedPlan struct {
	size int64
	mod  time.Time
	plan *reconcile.Plan
}

// planFile is one plan of the plan folders.
type planFile struct {
	Name      string
	Path      string
	Plan      *reconcile.Plan
	Approvals *apply.Approvals
}

func (pf planFile) Status() string {
	switch {
	case len(pf.Approvals.Rejections) > 0:
		return "rejected"
	case len(pf.Approvals.Approvals) > 0:
		return "approved"
	}
	return "waiting"
}

// planFiles lists the plans of the plan folders (files other than their
// sidecars that read as plans), by name.
func (s *Server) planFiles() ([]planFile, error) {
	var out []planFile
	s.plans.mu.Lock()
	defer s.plans.mu.Unlock()
	if s.plans.m == nil {
		s.plans.m = map[string]cachedPlan{}
	}
	for _, dir := range s.o.PlanDirs {
		entries, err := os.ReadDir(dir)
		if err != nil {
			continue
		}
		for _, e := range entries {
			name := e.Name()
			if e.IsDir() || !strings.HasSuffix(name, ".json") || strings.Count(name, ".") > 1 {
				continue
			}
			info, err := e.Info()
			if err != nil || info.Size() > 512<<20 {
				continue
			}
			path := filepath.Join(dir, name)
			cp, ok := s.plans.m[path]
			if !ok || cp.size != info.Size() || !cp.mod.Equal(info.ModTime()) {
				data, err := os.ReadFile(path)
				if err != nil {
					continue
				}
				p, err := reconcile.ReadPlan(path, data)
				if err != nil {
					continue // not a plan (a campaign manifest, a state file)
				}
				cp = cachedPlan{info.Size(), info.ModTime(), p}
				s.plans.m[path] = cp
			}
			a, err := apply.ReadApprovals(path)
			if err != nil {
				return nil, err
			}
			if a.PlanDigest != cp.plan.Digest {
				a = &apply.Approvals{}
			}
			if slices.ContainsFunc(out, func(x planFile) bool { return x.Name == name }) {
				continue // the first folder's wins
			}
			out = append(out, planFile{Name: name, Path: path, Plan: cp.plan, Approvals: a})
		}
	}
	slices.SortFunc(out, func(a, b planFile) int { return strings.Compare(b.Plan.GeneratedAt, a.Plan.GeneratedAt) })
	return out, nil
}

// rules are the titles of the policy's rules (none without a policy).
func (s *Server) rules() map[string]policy.RuleInfo {
	if s.o.Policy == nil {
		return nil
	}
	if p := s.o.Policy(); p != nil && p.Compiled != nil {
		return p.Compiled.Rules()
	}
	return nil
}

// mayView is apply.MayView for the signed-in person.
func (s *Server) mayView(me *who, p *reconcile.Plan) error {
	return apply.MayView(me.snap, me.cfg, me.Person, p, me.today)
}

func (s *Server) planList(w http.ResponseWriter, r *http.Request, me *who) {
	all, err := s.planFiles()
	if err != nil {
		s.fail(w, r, 500, err)
		return
	}
	var files []planFile
	for _, f := range all {
		if s.mayView(me, f.Plan) == nil {
			files = append(files, f)
		}
	}
	names := map[string]string{}
	for _, f := range files {
		if p := me.snap.Person(f.Plan.CreatedBy); p != nil {
			names[f.Plan.CreatedBy] = p.Name
		}
	}
	s.render(w, r, 200, "plans", page{Lang: me.lang, Me: me, Data: plansPage{Plans: files, Required: me.cfg.Apply.Approvals, Names: names}})
}

// findPlan finds a plan by its file name among the listed ones only: a
// name is never a path.
func (s *Server) findPlan(name string) (*planFile, error) {
	files, err := s.planFiles()
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		if f.Name == name {
			return &f, nil
		}
	}
	return nil, i18n.Errorf("no plan %q waits here", name)
}

// viewablePlan is the plan the path names, if me may see it; otherwise nil,
// having answered 404 or 403.
func (s *Server) viewablePlan(w http.ResponseWriter, r *http.Request, me *who) *planFile {
	pf, err := s.findPlan(r.PathValue("name"))
	if err != nil {
		s.fail(w, r, http.StatusNotFound, err)
		return nil
	}
	if err := s.mayView(me, pf.Plan); err != nil {
		s.fail(w, r, http.StatusForbidden, err)
		return nil
	}
	return pf
}

func (s *Server) planPage(w http.ResponseWriter, r *http.Request, me *who) {
	pf := s.viewablePlan(w, r, me)
	if pf == nil {
		return
	}
	q := r.URL.Query()
	// A severity typed in the page's language (重大) is the word's key.
	sev := report.Renderer{Lang: me.lang}.Unword(strings.TrimSpace(q.Get("severity")))
	match := func(system, rule []string, severity, person, name string) bool {
		return (q.Get("system") == "" || slices.Contains(system, q.Get("system"))) &&
			(q.Get("rule") == "" || slices.Contains(rule, q.Get("rule"))) &&
			(sev == "" || severity == sev) &&
			(q.Get("person") == "" || person == q.Get("person") || strings.Contains(name, q.Get("person")))
	}
	var actions []reconcile.Action
	for _, a := range pf.Plan.Actions {
		if match([]string{a.System}, a.Rules, a.Severity, a.Person, a.PersonName) {
			actions = append(actions, a)
		}
	}
	var findings []reconcile.Finding
	for _, f := range pf.Plan.Findings {
		if match([]string{f.System}, []string{f.Rule}, f.Severity, f.Person, f.PersonName) {
			findings = append(findings, f)
		}
	}
	pageN, _ := strconv.Atoi(q.Get("page"))
	pageN = max(pageN, 0)
	from := min(pageN*PageSize, len(actions))
	to := min(from+PageSize, len(actions))
	next := ""
	if to < len(actions) {
		nq := url.Values{}
		for k, v := range q {
			nq[k] = v
		}
		nq.Set("page", strconv.Itoa(pageN+1))
		next = "?" + nq.Encode()
	}
	decisions, _ := s.o.Store.PlanDecisions(r.Context(), pf.Plan.Digest)
	author := reconcile.SamePerson(me.snap, me.Person.EmployeeID, pf.Plan.CreatedBy)
	mayApprove := apply.MayDecide(me.snap, me.cfg, me.Person, pf.Plan, me.today)
	titles, systems := map[string]string{}, map[string]string{}
	rr := report.Renderer{Lang: me.lang, Rules: s.rules()}
	for _, a := range pf.Plan.Actions {
		for _, rule := range a.Rules {
			titles[rule] = rr.Title(rule)
		}
	}
	for _, f := range pf.Plan.Findings {
		titles[f.Rule] = rr.Title(f.Rule)
	}
	for _, sys := range me.snap.Systems() {
		systems[sys.ID] = sys.Name
	}
	s.render(w, r, 200, "plan", page{Lang: me.lang, Me: me, Msg: q.Get("msg"), Data: planPage{
		F: pf, Actions: actions[from:to], ActionCount: len(actions), Findings: findings[:min(len(findings), PageSize)], FindingCount: len(findings),
		Next: next, Q: q, Author: author, MayApprove: mayApprove, Decisions: decisions, Required: me.cfg.Apply.Approvals,
		Titles: titles, Systems: systems,
	}})
}

func (s *Server) planDecision(w http.ResponseWriter, r *http.Request, me *who, approve bool) {
	pf := s.viewablePlan(w, r, me)
	if pf == nil {
		return
	}
	if approve && r.PostFormValue("confirmed") != "1" && apply.MayDecide(me.snap, me.cfg, me.Person, pf.Plan, me.today) {
		// What the approval lets apply do, shown before it is given.
		ops := map[string]int{}
		for _, a := range pf.Plan.Actions {
			ops[a.Op]++
		}
		var parts []string
		rr := report.Renderer{Lang: me.lang}
		for _, op := range slices.Sorted(maps.Keys(ops)) {
			parts = append(parts, fmt.Sprintf("%s %d", rr.Word(op), ops[op]))
		}
		systems := pf.Plan.Systems()
		for i, id := range systems {
			if sys := me.snap.System(id); sys != nil {
				systems[i] = sys.Name + " (" + id + ")"
			}
		}
		s.render(w, r, 200, "confirm", page{Lang: me.lang, Me: me, Data: confirmPage{
			Action: "/plans/" + url.PathEscape(pf.Name) + "/approve", Back: "/plans/" + url.PathEscape(pf.Name),
			Summary: fmt.Sprintf(pickLang(me.lang, "計画 %s（%s、基準日 %s、作成者 %s）を承認します。承認がそろうと apply が次を実施します: %s（対象システム: %s）。指摘事項 %d 件。",
				"You approve plan %s (%s, as of %s, by %s). Once approved enough, apply carries out: %s (systems: %s). %d findings."),
				pf.Name, rr.Word(pf.Plan.Kind), pf.Plan.AsOf, pf.Plan.CreatedBy, strings.Join(parts, pickLang(me.lang, "、", ", ")), strings.Join(systems, pickLang(me.lang, "、", ", ")), len(pf.Plan.Findings)),
			Fields: withConfirmed(r.PostForm)}})
		return
	}
	rules, err := apply.Rules(me.cfg, me.today)
	if err != nil {
		s.fail(w, r, 500, err)
		return
	}
	o := apply.ApproveOptions{By: me.Person.EmployeeID, Issuer: me.Issuer, Subject: me.Subject, Signer: s.o.Signer, Now: s.o.Now(), Rules: rules}
	comment := strings.TrimSpace(r.PostFormValue("comment"))
	in := s.o.Current()
	event, decision := audit.Approval, "approve"
	if approve {
		_, err = apply.Approve(pf.Path, pf.Plan, in, o)
	} else {
		event, decision = audit.Rejection, "reject"
		_, err = apply.Reject(pf.Path, pf.Plan, in, o, comment)
	}
	if err != nil {
		if aerr := s.record(audit.Event{Event: audit.Refusal, By: me.Person.EmployeeID, Plan: pf.Plan.Digest, Data: map[string]any{"plan_file": pf.Name, "reason": err.Error(), "via": "web"}}); aerr != nil {
			err = errors.Join(err, aerr)
		}
		s.fail(w, r, http.StatusForbidden, err)
		return
	}
	if err := s.o.Store.RecordPlanDecision(r.Context(), reviewdb.PlanDecision{PlanDigest: pf.Plan.Digest, PlanFile: pf.Name, Decision: decision,
		By: me.Person.EmployeeID, Issuer: me.Issuer, Subject: me.Subject, Comment: comment}); err != nil {
		s.fail(w, r, 500, err)
		return
	}
	if err := s.record(audit.Event{Event: event, By: me.Person.EmployeeID, Plan: pf.Plan.Digest, Data: map[string]any{"plan_file": pf.Name, "via": "web",
		"issuer": me.Issuer, "subject": me.Subject, "signed": s.o.Signer != nil, "comment": comment}}); err != nil {
		s.fail(w, r, http.StatusInternalServerError, err)
		return
	}
	msg := pickLang(me.lang, "承認しました", "approved")
	if !approve {
		msg = pickLang(me.lang, "差し戻しました", "rejected")
	}
	http.Redirect(w, r, "/plans/"+url.PathEscape(pf.Name)+"?msg="+url.QueryEscape(msg), http.StatusSeeOther)
}

func (s *Server) planApprove(w http.ResponseWriter, r *http.Request, me *who) {
	s.planDecision(w, r, me, true)
}

func (s *Server) planReject(w http.ResponseWriter, r *http.Request, me *who) {
	s.planDecision(w, r, me, false)
}

// withConfirmed is a form's values with confirmed=1.
func withConfirmed(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = vs
	}
	out.Set("confirmed", "1")
	return out
}

// filterText is a filter as people read it.
func filterText(lang string, f reviewdb.Filter) string {
	var parts []string
	for _, x := range [][2]string{{pickLang(lang, "システム", "system"), f.System}, {pickLang(lang, "ルール", "rule"), f.Rule}, {pickLang(lang, "社員番号・氏名", "person"), f.Person}} {
		if x[1] != "" {
			parts = append(parts, x[0]+" "+x[1])
		}
	}
	if f.Flagged {
		parts = append(parts, pickLang(lang, "ポリシー上の取消対象のみ", "flagged only"))
	}
	if len(parts) == 0 {
		return pickLang(lang, "なし", "none")
	}
	return strings.Join(parts, pickLang(lang, "、", ", "))
}

// countText is a worklist count as the pages say it.
func countText(lang string, n int) string {
	if n > reviewdb.CountCap {
		return pickLang(lang, "10,000 件以上", "more than 10,000")
	}
	return strconv.Itoa(n) + pickLang(lang, " 件", "")
}
