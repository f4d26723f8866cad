package reviewdb

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/accessrecon/accessrecon/i18n"
)

// Reviewer is who decides: an active person of the HR feed and, from the
// browser, the identity their OpenID provider verified.
type Reviewer struct {
	EmployeeID string
	Unit       string // current unit
	Issuer     string // "" for a decision read from a worksheet
	Subject    string
	// Source is where the decision came from: web, worksheet or default.
	Source string
	// Hidden are the systems confidential to a company other than the
	// reviewer's: their items are neither listed to them nor decided by
	// them (the information firewall), whatever stage they are at.
	Hidden []string
}

// Filter narrows a worklist.
type Filter struct {
	System  string
	Right   string // an entitlement of the system (with System)
	Rule    string // a rule id in the item's policy flags
	Person  string // an employee id, or part of a name
	Flagged bool   // only items the policy already calls for removing
	After   string // item ids after this one (paging)
	Limit   int    // 0: no limit
}

func (f Filter) where(args *[]any) string {
	var b strings.Builder
	if f.System != "" {
		b.WriteString(" AND system = ?")
		*args = append(*args, f.System)
	}
	if f.Right != "" {
		b.WriteString(" AND entitlement = ?")
		*args = append(*args, f.Right)
	}
	if f.Rule != "" {
		b.WriteString(" AND (' ' || policy_flag || ' ') LIKE ? ESCAPE '\\'")
		*args = append(*args, "% "+escapeLike(f.Rule)+" %")
	}
	if f.Person != "" {
		b.WriteString(" AND (person = ? OR holder_name LIKE ? ESCAPE '\\')")
		*args = append(*args, f.Person, "%"+escapeLike(f.Person)+"%")
	}
	if f.Flagged {
		b.WriteString(" AND policy_flag != ''")
	}
	return b.String()
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// Assignees are the reviewer keys a person reviews for in a campaign: their
// unit, themselves, and the people who delegated their part to them.
func (s *Store) Assignees(ctx context.Context, campaignID string, r Reviewer) ([]string, error) {
	return assignees(ctx, s.db, campaignID, r)
}

func assignees(ctx context.Context, db querier, campaignID string, r Reviewer) ([]string, error) {
	out := []string{UnitPrefix + r.Unit, "person:" + r.EmployeeID}
	rows, err := db.QueryContext(ctx, `SELECT from_person, from_unit FROM delegations WHERE campaign_id = ? AND to_person = ?`, campaignID, r.EmployeeID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var p, u string
		if err := rows.Scan(&p, &u); err != nil {
			return nil, err
		}
		out = append(out, "person:"+p, UnitPrefix+u)
	}
	return out, rows.Err()
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?,", n), ",")
}

const itemColumns = `item_id, system, coalesce(sys_name, ''), account, entitlement, person, coalesce(holder_name, ''), coalesce(holder_unit, ''),
	coalesce(holder_company, ''), reviewer_unit, coalesce(holder_manager, ''), policy_flag, last_used, peers_with, coalesce(unit_size, 0), stage, assignee, status,
	score, reasons`

// itemsJoined are the items with their holders and systems (kept once a
// campaign, not once an item); indexed, when given, names the items' index.
func itemsJoined(indexed string) string {
	if indexed != "" {
		indexed = " INDEXED BY " + indexed
	}
	return " FROM items" + indexed + ` LEFT JOIN holders ON holders.campaign_id = items.campaign_id AND holder = person
		LEFT JOIN campaign_systems ON campaign_systems.campaign_id = items.campaign_id AND sys = system`
}

func scanItem(sc interface{ Scan(...any) error }) (Item, error) {
	var it Item
	err := sc.Scan(&it.ItemID, &it.System, &it.SystemName, &it.Account, &it.Entitlement, &it.Person, &it.PersonName, &it.Unit, &it.Company,
		&it.ReviewerUnit, &it.Manager, &it.PolicyFlag, &it.LastUsed, &it.PeersWith, &it.PeersTotal, &it.Stage, &it.Assignee, &it.Status,
		&it.Score, &it.reasonsRaw)
	return it, err
}

// worklistQuery selects the open items r may decide: assigned to them, not
// about their own account.
func worklistQuery(campaignID string, assignees []string, r Reviewer, f Filter, cols string) (string, []any) {
	args := []any{campaignID}
	for _, a := range assignees {
		args = append(args, a)
	}
	args = append(args, r.EmployeeID)
	q := "SELECT " + cols + itemsJoined("items_work") + " WHERE items.campaign_id = ? AND assignee IN (" + placeholders(len(assignees)) + ") AND status = 'open' AND person != ?"
	if len(r.Hidden) > 0 {
		q += " AND system NOT IN (" + placeholders(len(r.Hidden)) + ")"
		for _, h := range r.Hidden {
			args = append(args, h)
		}
	}
	return q + f.where(&args), args
}

// Group is one right on a reviewer's worklist: a system's entitlement,
// how many of the reviewer's open items hold it and how many people.
type Group struct {
	System, SystemName, Right string
	Items, People             int
	MaxScore                  int
}

// Groups are the rights on r's worklist that f selects, largest first: a
// reviewer decides "system X right Y: 37 people" once (DecideFilter with
// System and Right), after deciding the exceptions one by one.
func (s *Store) Groups(ctx context.Context, campaignID string, r Reviewer, f Filter) ([]Group, error) {
	assignees, err := s.Assignees(ctx, campaignID, r)
	if err != nil {
		return nil, err
	}
	f.After, f.Limit = "", 0
	q, args := worklistQuery(campaignID, assignees, r, f, "system, coalesce(sys_name, ''), entitlement, count(*), count(DISTINCT person), max(score)")
	rows, err := s.db.QueryContext(ctx, q+" GROUP BY system, sys_name, entitlement ORDER BY count(*) DESC, system, entitlement", args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Group
	for rows.Next() {
		var g Group
		if err := rows.Scan(&g.System, &g.SystemName, &g.Right, &g.Items, &g.People, &g.MaxScore); err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, rows.Err()
}

// OpenItems are the ids of the items still open in the campaigns not
// closed (a small review leaves them to the campaign that has them).
func (s *Store) OpenItems(ctx context.Context) (map[string]bool, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT i.item_id FROM items i JOIN campaigns c ON c.id = i.campaign_id WHERE c.closed_at = '' AND i.status = 'open'`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out[id] = true
	}
	return out, rows.Err()
}

// CountCap is the most items a worklist counts: beyond it, a page says
// "more than 10,000" (counting 100,000 items would cost more than the page).
const CountCap = 10000

// Worklist is a page of the items r has to decide (Filter.Limit items after
// Filter.After, by item id) and how many match in all (CountCap+1 for more
// than CountCap).
func (s *Store) Worklist(ctx context.Context, campaignID string, r Reviewer, f Filter) ([]Item, int, error) {
	assignees, err := s.Assignees(ctx, campaignID, r)
	if err != nil {
		return nil, 0, err
	}
	q, args := worklistQuery(campaignID, assignees, r, f, "1")
	var total int
	if err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM ("+q+" LIMIT ?) AS capped", append(args, CountCap+1)...).Scan(&total); err != nil {
		return nil, 0, err
	}
	// One query per reviewer key, each walking the index in item order,
	// merged here: an IN over the keys would sort every matching row.
	var items []Item
	for _, a := range assignees {
		q, args := worklistQuery(campaignID, []string{a}, r, f, itemColumns)
		if f.After != "" {
			q += " AND item_id > ?"
			args = append(args, f.After)
		}
		q += " ORDER BY item_id"
		if f.Limit > 0 {
			q += " LIMIT ?"
			args = append(args, f.Limit)
		}
		rows, err := s.db.QueryContext(ctx, q, args...)
		if err != nil {
			return nil, 0, err
		}
		for rows.Next() {
			it, err := scanItem(rows)
			if err != nil {
				rows.Close()
				return nil, 0, err
			}
			items = append(items, it)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, 0, err
		}
	}
	slices.SortFunc(items, func(a, b Item) int { return strings.Compare(a.ItemID, b.ItemID) })
	if f.Limit > 0 && len(items) > f.Limit {
		items = items[:f.Limit]
	}
	return items, total, nil
}

// Refusal is an item a decision was not taken on, and why.
type Refusal struct {
	ItemID string
	Why    error
}

// Refusals of a decision.
var (
	ErrNotInCampaign = errors.New("not an item of this campaign")
	ErrDecided       = errors.New("already decided at this stage")
	ErrNotYours      = errors.New("not on your worklist at its current stage")
	ErrSelfReview    = errors.New("it is your own right: another reviewer decides it")
	ErrClosed        = errors.New("the campaign is closed")
	ErrConfidential  = errors.New("the system is confidential to another company")
	ErrDecision      = errors.New("expected keep or revoke")
)

// Result is what a decision did.
type Result struct {
	Decided int
	Refused []Refusal
}

// Hook runs inside a decision's transaction, just before it commits: an
// error (an audit log that cannot be written) undoes the whole decision.
type Hook func(context.Context, Result) error

// Decide records r's decision (keep or revoke, with a reason) on the items.
// A kept item moves on to its next stage, if any; a revoked one is done. An
// item that is not open at a stage r reviews, or that is r's own right, or
// on a system confidential to another company, is refused and left as it
// was. hook (may be nil) runs before the decision commits.
func (s *Store) Decide(ctx context.Context, campaignID string, r Reviewer, itemIDs []string, decision, reason string, hook Hook) (Result, error) {
	return s.decide(ctx, campaignID, r, decision, reason, hook, func(*dbTx, []string) ([]string, error) { return itemIDs, nil })
}

// DecideFilter records r's decision on every open item of their worklist
// that f selects (a bulk decision).
func (s *Store) DecideFilter(ctx context.Context, campaignID string, r Reviewer, f Filter, decision, reason string, hook Hook) (Result, error) {
	f.After, f.Limit = "", 0
	return s.decide(ctx, campaignID, r, decision, reason, hook, func(tx *dbTx, assignees []string) ([]string, error) {
		q, args := worklistQuery(campaignID, assignees, r, f, "item_id")
		rows, err := tx.QueryContext(ctx, q+" ORDER BY item_id", args...)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		var ids []string
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				return nil, err
			}
			ids = append(ids, id)
		}
		return ids, rows.Err()
	})
}

func (s *Store) decide(ctx context.Context, campaignID string, r Reviewer, decision, reason string, hook Hook, pick func(*dbTx, []string) ([]string, error)) (Result, error) {
	var res Result
	if decision != Keep && decision != Revoke {
		return res, i18n.Errorf("decision %q: %w", decision, ErrDecision)
	}
	if r.Source == "" {
		r.Source = "web"
	}
	d, err := s.begin(ctx, campaignID)
	if err != nil {
		return res, err
	}
	defer d.end()
	mine, err := d.assignees(ctx, r)
	if err != nil {
		return res, err
	}
	ids, err := pick(d.tx, mine)
	if err != nil {
		return res, err
	}
	if res, err = d.many(ctx, r, mine, ids, decision, reason); err != nil {
		return Result{}, err
	}
	if hook != nil {
		if err := hook(d.tx.audited(ctx), res); err != nil {
			return Result{}, err
		}
	}
	return res, d.tx.Commit()
}

// decider is a transaction deciding items of one open campaign.
type decider struct {
	tx            *dbTx
	c             *Campaign
	at            string
	get, ins, upd *sql.Stmt
}

// begin starts a decision: the campaign is read inside the transaction (the
// write lock is taken when it begins), so no decision lands in a campaign
// closed meanwhile.
func (s *Store) begin(ctx context.Context, campaignID string) (*decider, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	d := &decider{tx: tx, at: s.now()}
	if d.c, err = s.campaign(ctx, tx, campaignID); err != nil {
		tx.Rollback()
		return nil, err
	}
	if d.c.ClosedAt != "" {
		tx.Rollback()
		return nil, i18n.Errorf("campaign %s (closed by %s at %s): %w", campaignID, d.c.ClosedBy, d.c.ClosedAt, ErrClosed)
	}
	if d.get, err = tx.PrepareContext(ctx, "SELECT "+itemColumns+itemsJoined("")+" WHERE items.campaign_id = ? AND item_id = ?"); err == nil {
		if d.ins, err = tx.PrepareContext(ctx, `INSERT INTO decisions (campaign_id, item_id, stage, decision, reason, reviewer, issuer, subject, at, source) VALUES (?,?,?,?,?,?,?,?,?,?)`); err == nil {
			d.upd, err = tx.PrepareContext(ctx, `UPDATE items SET stage = ?, assignee = ?, status = ? WHERE campaign_id = ? AND item_id = ? AND stage = ? AND status = 'open'`)
		}
	}
	if err != nil {
		d.end()
		return nil, err
	}
	return d, nil
}

// end closes the statements and rolls back what was not committed.
func (d *decider) end() {
	for _, st := range []*sql.Stmt{d.get, d.ins, d.upd} {
		if st != nil {
			st.Close()
		}
	}
	d.tx.Rollback()
}

func (d *decider) assignees(ctx context.Context, r Reviewer) ([]string, error) {
	return assignees(ctx, d.tx, d.c.ID, r)
}

// refusal is why r, whose reviewer keys are mine, may not decide it (nil
// when they may).
func refusal(r Reviewer, mine []string, it Item) error {
	switch {
	case it.Status != StatusOpen:
		return ErrDecided
	case it.Person != "" && it.Person == r.EmployeeID:
		return ErrSelfReview
	case slices.Contains(r.Hidden, it.System):
		return ErrConfidential
	case !slices.Contains(mine, it.Assignee):
		return ErrNotYours
	}
	return nil
}

// after is where a decision sends an item: a kept one on to its next stage,
// if any; a revoked one, or one kept at its last stage, is done.
func (d *decider) after(it Item, decision string) (stage int, next, status string) {
	stage, next, status = it.Stage, it.Assignee, StatusRevoked
	if decision == Keep {
		status = StatusKept
		if n, a := firstStage(d.c, it.Stage+1, &it); n != 0 {
			stage, next, status = n, a, StatusOpen
		}
	}
	return stage, next, status
}

// decideChunk is how many items many reads and writes a statement.
const decideChunk = 500

// many decides the items ids for r, whose reviewer keys are mine, in
// chunks: a chunk's items read in one query, its decisions written in one
// statement and its items moved in one statement per destination, with the
// refusals one would give (an id twice is decided once, then refused as
// decided). A bulk decision over 10,000 items is some sixty round trips,
// not 30,000.
func (d *decider) many(ctx context.Context, r Reviewer, mine, ids []string, decision, reason string) (Result, error) {
	var res Result
	seen := make(map[string]bool, len(ids))
	type move struct {
		from, stage  int
		next, status string
	}
	for start := 0; start < len(ids); start += decideChunk {
		part := ids[start:min(start+decideChunk, len(ids))]
		args := []any{d.c.ID}
		for _, id := range part {
			args = append(args, id)
		}
		rows, err := d.tx.QueryContext(ctx, "SELECT "+itemColumns+itemsJoined("")+" WHERE items.campaign_id = ? AND item_id IN ("+placeholders(len(part))+")", args...)
		if err != nil {
			return res, err
		}
		found := make(map[string]Item, len(part))
		for rows.Next() {
			it, err := scanItem(rows)
			if err != nil {
				rows.Close()
				return res, err
			}
			found[it.ItemID] = it
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return res, err
		}
		var ins []any
		moves := map[move][]string{}
		var order []move
		for _, id := range part {
			it, ok := found[id]
			var why error
			switch {
			case !ok:
				why = ErrNotInCampaign
			case seen[id]:
				why = ErrDecided
			default:
				why = refusal(r, mine, it)
			}
			if why != nil {
				res.Refused = append(res.Refused, Refusal{id, why})
				continue
			}
			seen[id] = true
			ins = append(ins, d.c.ID, id, it.Stage, decision, reason, r.EmployeeID, r.Issuer, r.Subject, d.at, r.Source)
			stage, next, status := d.after(it, decision)
			m := move{it.Stage, stage, next, status}
			if _, ok := moves[m]; !ok {
				order = append(order, m)
			}
			moves[m] = append(moves[m], id)
			res.Decided++
		}
		if len(ins) == 0 {
			continue
		}
		row := "(" + placeholders(10) + "),"
		if _, err := d.tx.ExecContext(ctx, `INSERT INTO decisions (campaign_id, item_id, stage, decision, reason, reviewer, issuer, subject, at, source) VALUES `+
			strings.TrimSuffix(strings.Repeat(row, len(ins)/10), ","), ins...); err != nil {
			return res, err
		}
		for _, m := range order {
			moved := moves[m]
			args := []any{m.stage, m.next, m.status, d.c.ID, m.from}
			for _, id := range moved {
				args = append(args, id)
			}
			done, err := d.tx.ExecContext(ctx, `UPDATE items SET stage = ?, assignee = ?, status = ? WHERE campaign_id = ? AND stage = ? AND status = 'open' AND item_id IN (`+placeholders(len(moved))+")", args...)
			if err != nil {
				return res, err
			}
			if n, _ := done.RowsAffected(); n != int64(len(moved)) {
				return res, i18n.Errorf("items changed while they were decided (%d of %d moved)", n, len(moved))
			}
		}
	}
	return res, nil
}

// one decides one item for r, whose reviewer keys are mine: a refusal (why
// it is not r's to decide) or an error.
func (d *decider) one(ctx context.Context, r Reviewer, mine []string, id, decision, reason string) (why, err error) {
	it, err := scanItem(d.get.QueryRowContext(ctx, d.c.ID, id))
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return ErrNotInCampaign, nil
	case err != nil:
		return nil, err
	}
	if why := refusal(r, mine, it); why != nil {
		return why, nil
	}
	if _, err := d.ins.ExecContext(ctx, d.c.ID, id, it.Stage, decision, reason, r.EmployeeID, r.Issuer, r.Subject, d.at, r.Source); err != nil {
		return nil, err
	}
	stage, next, status := d.after(it, decision)
	done, err := d.upd.ExecContext(ctx, stage, next, status, d.c.ID, id, it.Stage)
	if err != nil {
		return nil, err
	}
	if n, _ := done.RowsAffected(); n != 1 {
		return nil, i18n.Errorf("item %s changed while it was decided", id)
	}
	return nil, nil
}

// Delegate gives from's part of a campaign to another person (the caller
// checks that they are active and of the same company); the delegator keeps
// theirs too. A second delegation by the same person replaces the first.
// hook (may be nil) runs before it commits.
func (s *Store) Delegate(ctx context.Context, campaignID string, from Reviewer, to string, hook func(context.Context) error) error {
	if to == from.EmployeeID {
		return i18n.Errorf("one cannot delegate to oneself")
	}
	d, err := s.begin(ctx, campaignID)
	if err != nil {
		return err
	}
	defer d.end()
	if _, err := d.tx.ExecContext(ctx, `INSERT INTO delegations (campaign_id, from_person, from_unit, to_person, at) VALUES (?,?,?,?,?)
		ON CONFLICT (campaign_id, from_person) DO UPDATE SET to_person = excluded.to_person, from_unit = excluded.from_unit, at = excluded.at`,
		campaignID, from.EmployeeID, from.Unit, to, d.at); err != nil {
		return err
	}
	if hook != nil {
		if err := hook(d.tx.audited(ctx)); err != nil {
			return err
		}
	}
	return d.tx.Commit()
}

// Delegation is one recorded delegation.
type Delegation struct{ From, FromUnit, To, At string }

// Delegations of a campaign.
func (s *Store) Delegations(ctx context.Context, campaignID string) ([]Delegation, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT from_person, from_unit, to_person, at FROM delegations WHERE campaign_id = ? ORDER BY from_person`, campaignID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Delegation
	for rows.Next() {
		var d Delegation
		if err := rows.Scan(&d.From, &d.FromUnit, &d.To, &d.At); err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// Progress is one row of a campaign's progress: per stage and reviewer
// (unit:CODE or person:ID), the items still open; per stage and deciding
// person, what they kept and revoked.
type Progress struct {
	Stage    int
	Who      string
	Open     int
	Kept     int
	Revoked  int
	Defaults int // decided by the stage's default when it ended
	// The rubber-stamp signal of a person's decisions, for the campaign's
	// owners (never to block anyone): how many of the items they kept
	// scored high (at least the high given), and the seconds between their
	// first and last decision over the items they decided (0 for one).
	KeptHigh    int
	SecondsEach float64
}

// Progress of a campaign; high is the score from which a kept item counts
// in KeptHigh.
func (s *Store) Progress(ctx context.Context, campaignID string, high int) ([]Progress, error) {
	var out []Progress
	rows, err := s.db.QueryContext(ctx, `SELECT stage, assignee, count(*) FROM items WHERE campaign_id = ? AND status = 'open' GROUP BY stage, assignee ORDER BY stage, assignee`, campaignID)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var p Progress
		if err := rows.Scan(&p.Stage, &p.Who, &p.Open); err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, p)
	}
	rows.Close()
	rows, err = s.db.QueryContext(ctx, `SELECT d.stage, d.reviewer, d.source, sum(CASE WHEN d.decision = 'keep' THEN 1 ELSE 0 END), sum(CASE WHEN d.decision = 'revoke' THEN 1 ELSE 0 END),
		sum(CASE WHEN d.decision = 'keep' AND i.score >= ? THEN 1 ELSE 0 END), min(d.at), max(d.at)
		FROM decisions d JOIN items i ON i.campaign_id = d.campaign_id AND i.item_id = d.item_id
		WHERE d.campaign_id = ? GROUP BY d.stage, d.reviewer, d.source ORDER BY d.stage, d.reviewer`, high, campaignID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var p Progress
		var source, first, last string
		if err := rows.Scan(&p.Stage, &p.Who, &source, &p.Kept, &p.Revoked, &p.KeptHigh, &first, &last); err != nil {
			return nil, err
		}
		if source == "default" {
			p.Defaults, p.Kept, p.Revoked, p.KeptHigh = p.Kept+p.Revoked, 0, 0, 0
		} else if n := p.Kept + p.Revoked; n > 1 {
			a, errA := time.Parse(time.RFC3339, first)
			b, errB := time.Parse(time.RFC3339, last)
			if errA == nil && errB == nil {
				p.SecondsEach = b.Sub(a).Seconds() / float64(n)
			}
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// EndStages ends every stage whose due day is before today: its items
// still open follow the campaign's default (revoke, or keep: on to the next
// stage). It returns how many items it decided. hook (may be nil) runs
// before the change commits, with the number of items.
func (s *Store) EndStages(ctx context.Context, campaignID, today string, hook func(ctx context.Context, n int) error) (int, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	c, err := s.campaign(ctx, tx, campaignID)
	if err != nil || c.ClosedAt != "" {
		return 0, err
	}
	n, err := s.endStages(ctx, tx, c, today)
	if err != nil || n == 0 {
		return 0, err
	}
	if hook != nil {
		if err := hook(tx.audited(ctx), n); err != nil {
			return 0, err
		}
	}
	return n, tx.Commit()
}

func (s *Store) endStages(ctx context.Context, tx *dbTx, c *Campaign, today string) (int, error) {
	total := 0
	for i, st := range c.Stages {
		if st.Ended || st.Due == "" || st.Due >= today {
			continue
		}
		n, err := s.endStage(ctx, tx, c, st)
		if err != nil {
			return total, err
		}
		c.Stages[i].Ended = true
		total += n
	}
	return total, nil
}

func (s *Store) endStage(ctx context.Context, tx *dbTx, c *Campaign, st Stage) (int, error) {
	rows, err := tx.QueryContext(ctx, "SELECT "+itemColumns+itemsJoined("")+" WHERE items.campaign_id = ? AND stage = ? AND status = 'open'", c.ID, st.N)
	if err != nil {
		return 0, err
	}
	var items []Item
	for rows.Next() {
		it, err := scanItem(rows)
		if err != nil {
			rows.Close()
			return 0, err
		}
		items = append(items, it)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	at := s.now()
	for _, it := range items {
		stage, next, status := it.Stage, it.Assignee, StatusRevoked
		if c.Unreviewed == Keep {
			status = StatusKept
			if n, a := firstStage(c, it.Stage+1, &it); n != 0 {
				stage, next, status = n, a, StatusOpen
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO decisions (campaign_id, item_id, stage, decision, reason, reviewer, at, source) VALUES (?,?,?,?,?,?,?,?)`,
			c.ID, it.ItemID, it.Stage, c.Unreviewed, "unreviewed when stage "+st.Name+" ended ("+st.Due+")", "("+it.Assignee+")", at, "default"); err != nil {
			return 0, err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE items SET stage = ?, assignee = ?, status = ? WHERE campaign_id = ? AND item_id = ?`, stage, next, status, c.ID, it.ItemID); err != nil {
			return 0, err
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE stages SET ended = 1 WHERE campaign_id = ? AND n = ?`, c.ID, st.N); err != nil {
		return 0, err
	}
	return len(items), nil
}

// Final is how an item ended: its last decision.
type Final struct {
	ItemID   string
	Status   string // open (undecided), kept or revoked
	Stage    int
	Reviewer string
	Reason   string
	At       string
	Source   string
}

// Finals lists every item of a campaign with its last decision.
func (s *Store) Finals(ctx context.Context, campaignID string) ([]Final, error) {
	return finals(ctx, s.db, campaignID)
}

func finals(ctx context.Context, db querier, campaignID string) ([]Final, error) {
	rows, err := db.QueryContext(ctx, `SELECT i.item_id, i.status, coalesce(d.stage, 0), coalesce(d.reviewer, ''), coalesce(d.reason, ''), coalesce(d.at, ''), coalesce(d.source, '')
		FROM items i LEFT JOIN decisions d ON d.campaign_id = i.campaign_id AND d.item_id = i.item_id
			AND d.stage = (SELECT max(stage) FROM decisions x WHERE x.campaign_id = i.campaign_id AND x.item_id = i.item_id)
		WHERE i.campaign_id = ? ORDER BY i.item_id`, campaignID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Final
	for rows.Next() {
		var f Final
		if err := rows.Scan(&f.ItemID, &f.Status, &f.Stage, &f.Reviewer, &f.Reason, &f.At, &f.Source); err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// Items lists every item of a campaign, by item id.
func (s *Store) Items(ctx context.Context, campaignID string) ([]Item, error) {
	return listItems(ctx, s.db, campaignID)
}

func listItems(ctx context.Context, db querier, campaignID string) ([]Item, error) {
	rows, err := db.QueryContext(ctx, "SELECT "+itemColumns+itemsJoined("")+" WHERE items.campaign_id = ? ORDER BY item_id", campaignID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Item
	for rows.Next() {
		it, err := scanItem(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, it)
	}
	return out, rows.Err()
}

// Item reads one item.
func (s *Store) Item(ctx context.Context, campaignID, itemID string) (Item, error) {
	return scanItem(s.db.QueryRowContext(ctx, "SELECT "+itemColumns+itemsJoined("")+" WHERE items.campaign_id = ? AND item_id = ?", campaignID, itemID))
}

// Session is a signed-in reviewer's session.
type Session struct {
	EmployeeID, Issuer, Subject string
	Expires                     time.Time
}

// CreateSession records a session under the hash of its cookie value.
func (s *Store) CreateSession(ctx context.Context, idHash string, x Session) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO sessions (id, employee_id, issuer, subject, created_at, expires_at) VALUES (?,?,?,?,?,?)`,
		idHash, x.EmployeeID, x.Issuer, x.Subject, s.now(), x.Expires.UTC().Format(time.RFC3339))
	return err
}

// Session finds a live session; ok is false for none or an expired one.
func (s *Store) Session(ctx context.Context, idHash string) (x Session, ok bool, err error) {
	var exp string
	err = s.db.QueryRowContext(ctx, `SELECT employee_id, issuer, subject, expires_at FROM sessions WHERE id = ?`, idHash).Scan(&x.EmployeeID, &x.Issuer, &x.Subject, &exp)
	if errors.Is(err, sql.ErrNoRows) {
		return x, false, nil
	}
	if err != nil {
		return x, false, err
	}
	x.Expires, err = time.Parse(time.RFC3339, exp)
	if err != nil || !s.Now().Before(x.Expires) {
		return x, false, nil
	}
	return x, true, nil
}

// DeleteSession ends a session (sign-out), and any expired ones.
func (s *Store) DeleteSession(ctx context.Context, idHash string) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM sessions WHERE id = ? OR expires_at < ?`, idHash, s.Now().UTC().Format(time.RFC3339))
	return err
}

// PlanDecision is an approval or rejection of a plan taken in the browser.
type PlanDecision struct {
	PlanDigest, PlanFile, Decision, By, Issuer, Subject, Comment, At string
}

// RecordPlanDecision keeps a plan decision.
func (s *Store) RecordPlanDecision(ctx context.Context, d PlanDecision) error {
	if d.At == "" {
		d.At = s.now()
	}
	_, err := s.db.ExecContext(ctx, `INSERT INTO plan_decisions (plan_digest, plan_file, decision, by, issuer, subject, comment, at) VALUES (?,?,?,?,?,?,?,?)`,
		d.PlanDigest, d.PlanFile, d.Decision, d.By, d.Issuer, d.Subject, d.Comment, d.At)
	return err
}

// PlanDecisions of a plan's digest, oldest first.
func (s *Store) PlanDecisions(ctx context.Context, digest string) ([]PlanDecision, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT plan_digest, plan_file, decision, by, issuer, subject, comment, at FROM plan_decisions WHERE plan_digest = ? ORDER BY at, n`, digest)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []PlanDecision
	for rows.Next() {
		var d PlanDecision
		if err := rows.Scan(&d.PlanDigest, &d.PlanFile, &d.Decision, &d.By, &d.Issuer, &d.Subject, &d.Comment, &d.At); err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// Load is what is open at a stage for one reviewer key, per system.
type Load struct {
	Stage    int
	Assignee string // unit:CODE or person:ID
	System   string
	Items    int
}

// OpenLoads lists the open items of a campaign by stage, reviewer and
// system (what mail tells each reviewer).
func (s *Store) OpenLoads(ctx context.Context, campaignID string) ([]Load, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT stage, assignee, system, count(*) FROM items WHERE campaign_id = ? AND status = 'open' GROUP BY stage, assignee, system ORDER BY stage, assignee, system`, campaignID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Load
	for rows.Next() {
		var l Load
		if err := rows.Scan(&l.Stage, &l.Assignee, &l.System, &l.Items); err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, rows.Err()
}
