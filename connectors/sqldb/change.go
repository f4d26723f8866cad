package sqldb

import (
	"context"
	"database/sql"
	"net/url"
	"regexp"
	"strings"

	"github.com/accessrecon/accessrecon/connectors"
	"github.com/accessrecon/accessrecon/i18n"
)

// Changer is a sql source whose config gives statements for some actions:
// apply carries those out (connectors.Revoker), the others are work orders.
type Changer struct{ *Source }

// Apply runs the action's statement, its values bound as parameters, in a
// transaction that commits only when it changed exactly one row: none
// means the row changed since it was read (or is gone), more means the
// statement is wider than one right; either is rolled back and reported.
func (c *Changer) Apply(ctx context.Context, ch connectors.Change) error {
	st, ok := c.spec.Changes[ch.Op]
	if !ok {
		return connectors.ErrByHand
	}
	args := make([]any, len(st.Args))
	for i, a := range st.Args {
		switch a {
		case "system":
			args[i] = ch.System
		case "account":
			args[i] = ch.Account
		case "entitlement":
			args[i] = ch.Entitlement
		}
	}
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	db, err := sql.Open(c.driver.sqlName, c.dsn)
	if err != nil {
		return c.hide(err)
	}
	defer db.Close()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return c.hide(err)
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, st.Statement, args...)
	if err != nil {
		return i18n.Errorf("changes.%s: %w", ch.Op, c.hide(err))
	}
	n, err := res.RowsAffected()
	if err != nil {
		return i18n.Errorf("changes.%s: %w", ch.Op, c.hide(err))
	}
	if n != 1 {
		return i18n.Errorf("changes.%s changed %d rows, expected exactly 1: nothing was changed (the row changed since it was read, or the statement matches more than this right)", ch.Op, n)
	}
	if err := tx.Commit(); err != nil {
		return c.hide(err)
	}
	return nil
}

var keywordPassword = regexp.MustCompile(`(?i)\bpassword\s*=\s*('(?:[^'\\]|\\.)*'|[^\s]+)`)

// secretsOf are the parts of a data source name that must never be shown:
// the whole of it, and its password in any of the usual forms (a URL, key=
// value pairs, MySQL's user:password@).
func secretsOf(dsn string) []string {
	out := []string{dsn}
	if u, err := url.Parse(dsn); err == nil && u.User != nil {
		if p, ok := u.User.Password(); ok {
			out = append(out, p, url.QueryEscape(p), url.PathEscape(p))
		}
	}
	for _, m := range keywordPassword.FindAllStringSubmatch(dsn, -1) {
		out = append(out, m[1], strings.Trim(m[1], "'"))
	}
	if at := strings.LastIndex(dsn, "@"); at > 0 && !strings.Contains(dsn, "://") {
		if _, pass, ok := strings.Cut(dsn[:at], ":"); ok {
			out = append(out, pass)
		}
	}
	kept := out[:0]
	for _, s := range out {
		if len(s) >= 3 {
			kept = append(kept, s)
		}
	}
	return kept
}
