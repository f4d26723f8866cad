package reviewdb

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/accessrecon/accessrecon/i18n"
)

// Import is a decision returned in a worksheet, attributed to the reviewer
// it names and checked as any decision taken in the browser.
type Import struct {
	Reviewer Reviewer
	ItemID   string
	Decision string
	Reason   string
	// Pos is where it was read: "file.xlsx:12"; N its order among the rows.
	Pos string
	N   int
}

// ImportRefusal is a worksheet row that was not taken, and why.
type ImportRefusal struct {
	Import
	Why error
}

// ImportError lists the worksheet rows refused: a close with any of them
// records nothing.
type ImportError struct{ Refused []ImportRefusal }

func (e *ImportError) Error() string {
	return e.Localize(i18n.EN)
}

// Localize lists the refused rows in lang.
func (e *ImportError) Localize(lang string) string {
	var b strings.Builder
	for i, r := range e.Refused {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(i18n.Text(i18n.Errorf("%s: %s, decided %s by %s: %w", r.Pos, r.ItemID, r.Decision, orNone(r.Reviewer.EmployeeID), r.Why), lang))
	}
	return b.String()
}

// Refusals of a close.
var (
	ErrAlreadyClosed = errors.New("a campaign is closed once")
	ErrStagesOpen    = errors.New("its stages have not ended: wait for them, or close it early with --force REASON")
)

// CloseOptions are how a campaign is closed.
type CloseOptions struct {
	By string
	// Today (YYYY-MM-DD, Tokyo) ends the stages due before it.
	Today string
	// Unreviewed is what items nobody decided become: revoke or keep ("":
	// the campaign's).
	Unreviewed string
	// Force is the reason for closing before the last stage has ended (""
	// refuses such a close).
	Force string
	// Imports are the decisions of returned worksheets, taken first;
	// Refused, rows the caller refused already (a reviewer who is nobody,
	// unknown or a leaver), reported with those the store refuses.
	Imports []Import
	Refused []ImportRefusal
	// Publish runs inside the transaction, with what the campaign closes
	// with, and returns the digest of the plan it made; an error leaves the
	// campaign open and nothing imported.
	Publish func(context.Context, *Closing) (string, error)
}

// Closing is what a campaign was closed with.
type Closing struct {
	Campaign *Campaign
	Items    []Item
	Finals   []Final // in the order of Items
	Imported int
	// Superseded are worksheet rows about items already decided at their
	// stage (in the browser, or by a stage's default): not taken.
	Superseded []ImportRefusal
	// Defaulted are the items the stages ending at the close decided.
	Defaulted int
	// Open are the items still open at a stage when a close is forced.
	Open int
}

// CloseCampaign closes a campaign in one transaction: the
// stages due before today end, the worksheets' decisions are taken (each
// checked as a decision in the browser: the reviewer's own right, another
// company's confidential system or an item not theirs at its stage refuse
// the whole close; a row about an item already decided is reported), the
// decisions are read, the plan is published and the campaign is marked
// closed, so no decision taken meanwhile is left out of the plan, and a
// second close is refused naming the first. A campaign whose items are still
// open at a stage that has not ended is refused unless o.Force gives a reason.
func (s *Store) CloseCampaign(ctx context.Context, campaignID string, o CloseOptions) (*Closing, error) {
	d, err := s.begin(ctx, campaignID)
	if errors.Is(err, ErrClosed) {
		c, cerr := s.Campaign(ctx, campaignID)
		if cerr != nil {
			return nil, cerr
		}
		return nil, i18n.Errorf("campaign %s was closed by %s at %s (plan %s): %w", campaignID, c.ClosedBy, c.ClosedAt, c.ClosePlan, ErrAlreadyClosed)
	}
	if err != nil {
		return nil, err
	}
	defer d.end()
	cl := &Closing{Campaign: d.c}
	// Stages past their due day end first: a worksheet returned after its
	// stage ended is late, as it would be had serve ended the stage.
	if cl.Defaulted, err = s.endStages(ctx, d.tx, d.c, o.Today); err != nil {
		return nil, err
	}
	if cl.Imported, cl.Superseded, err = d.importAll(ctx, o.Imports, o.Refused); err != nil {
		return nil, err
	}
	waiting, open, err := s.waiting(ctx, d, o.Today)
	if err != nil {
		return nil, err
	}
	if len(waiting) > 0 && strings.TrimSpace(o.Force) == "" {
		return nil, i18n.Errorf("campaign %s: %s: %w", campaignID, waiting, ErrStagesOpen)
	}
	cl.Open = open
	if cl.Items, err = listItems(ctx, d.tx, campaignID); err != nil {
		return nil, err
	}
	fs, err := finals(ctx, d.tx, campaignID)
	if err != nil {
		return nil, err
	}
	cl.Finals = fs
	c := d.c
	c.ClosedAt, c.ClosedBy, c.CloseForced = s.now(), o.By, strings.TrimSpace(o.Force)
	if len(waiting) == 0 {
		c.CloseForced = ""
	}
	c.CloseUnreviewed = o.Unreviewed
	if c.CloseUnreviewed == "" {
		c.CloseUnreviewed = c.Unreviewed
	}
	if c.CloseUnreviewed != Keep && c.CloseUnreviewed != Revoke {
		return nil, i18n.Errorf("unreviewed %q: %w", c.CloseUnreviewed, ErrDecision)
	}
	if o.Publish != nil {
		if c.ClosePlan, err = o.Publish(d.tx.audited(ctx), cl); err != nil {
			return nil, err
		}
	}
	res, err := d.tx.ExecContext(ctx, `UPDATE campaigns SET closed_at = ?, closed_by = ?, close_unreviewed = ?, close_forced = ?, close_plan = ? WHERE id = ? AND closed_at = ''`,
		c.ClosedAt, c.ClosedBy, c.CloseUnreviewed, c.CloseForced, c.ClosePlan, campaignID)
	if err != nil {
		return nil, err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return nil, i18n.Errorf("campaign %s changed while it was closed", campaignID)
	}
	return cl, d.tx.Commit()
}

// ImportDecisions takes the decisions of returned worksheets into an open
// campaign, all or none, in one transaction (certify import: a stage's
// worksheets taken while the stage runs move the items kept on to the next
// stage). refused are rows the caller refused already. The stages due
// before today end first. hook (may be nil) runs before the commit.
func (s *Store) ImportDecisions(ctx context.Context, campaignID, today string, imports []Import, refused []ImportRefusal, hook func(ctx context.Context, imported int) error) (int, []ImportRefusal, error) {
	d, err := s.begin(ctx, campaignID)
	if err != nil {
		return 0, nil, err
	}
	defer d.end()
	if _, err := s.endStages(ctx, d.tx, d.c, today); err != nil {
		return 0, nil, err
	}
	n, superseded, err := d.importAll(ctx, imports, refused)
	if err != nil {
		return 0, nil, err
	}
	if hook != nil {
		if err := hook(d.tx.audited(ctx), n); err != nil {
			return 0, nil, err
		}
	}
	return n, superseded, d.tx.Commit()
}

// importAll takes worksheet rows as decisions of the reviewers they name:
// any refusal (with those already refused) is an *ImportError; rows about
// items already decided at their stage are returned as superseded.
func (d *decider) importAll(ctx context.Context, imports []Import, already []ImportRefusal) (int, []ImportRefusal, error) {
	mine := map[string][]string{}
	refused := slices.Clone(already)
	var superseded []ImportRefusal
	n := 0
	for _, imp := range imports {
		imp.Reviewer.Source = "worksheet"
		keys, ok := mine[imp.Reviewer.EmployeeID]
		if !ok {
			var err error
			if keys, err = d.assignees(ctx, imp.Reviewer); err != nil {
				return 0, nil, err
			}
			mine[imp.Reviewer.EmployeeID] = keys
		}
		if imp.Decision != Keep && imp.Decision != Revoke {
			refused = append(refused, ImportRefusal{imp, ErrDecision})
			continue
		}
		why, err := d.one(ctx, imp.Reviewer, keys, imp.ItemID, imp.Decision, imp.Reason)
		if err == nil && errors.Is(why, ErrNotYours) {
			// Decided at an earlier stage (in the browser, say) and gone on
			// to the next: the worksheet of that stage is late, not wrong.
			var earlier int
			err = d.tx.QueryRowContext(ctx, `SELECT count(*) FROM decisions d JOIN items i ON i.campaign_id = d.campaign_id AND i.item_id = d.item_id
				WHERE d.campaign_id = ? AND d.item_id = ? AND d.stage < i.stage`, d.c.ID, imp.ItemID).Scan(&earlier)
			if earlier > 0 {
				why = ErrDecided
			}
		}
		switch {
		case err != nil:
			return 0, nil, err
		case errors.Is(why, ErrDecided):
			superseded = append(superseded, ImportRefusal{imp, why})
		case why != nil:
			refused = append(refused, ImportRefusal{imp, why})
		default:
			n++
		}
	}
	if len(refused) > 0 {
		slices.SortStableFunc(refused, func(a, b ImportRefusal) int { return a.N - b.N })
		return 0, nil, &ImportError{Refused: refused}
	}
	return n, superseded, nil
}

// waiting describes the stages that have not ended yet while items are
// open at them (a stage before the last one, or the last one before its due
// day), and counts the open items.
func (s *Store) waiting(ctx context.Context, d *decider, today string) (messages, int, error) {
	rows, err := d.tx.QueryContext(ctx, `SELECT stage, count(*) FROM items WHERE campaign_id = ? AND status = 'open' GROUP BY stage ORDER BY stage`, d.c.ID)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out messages
	total := 0
	last := len(d.c.Stages)
	for rows.Next() {
		var n, count int
		if err := rows.Scan(&n, &count); err != nil {
			return nil, 0, err
		}
		total += count
		if n < 1 || n > last {
			continue
		}
		st := d.c.Stages[n-1]
		switch {
		case n < last:
			out = append(out, i18n.M("%d items open at stage %d (%s, due %s)", count, n, st.Name, orNone(st.Due)))
		case st.Due != "" && st.Due >= today:
			out = append(out, i18n.M("%d items open at stage %d (%s, due %s)", count, n, st.Name, st.Due))
		}
	}
	return out, total, rows.Err()
}

// messages are joined by "; ", each in the language asked.
type messages []i18n.Message

func (m messages) Localize(lang string) string {
	parts := make([]string, len(m))
	for i, x := range m {
		parts[i] = x.Localize(lang)
	}
	return strings.Join(parts, "; ")
}

func (m messages) String() string { return m.Localize(i18n.EN) }

func orNone(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
