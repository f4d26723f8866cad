// Package accounttable reads the accounts and grants tables every tabular
// source gives (a file export, a database query): their columns and
// values, a row to an account or a grant, and its place in the graph, with
// errors that name the table, row and column.
package accounttable

import (
	"errors"
	"strings"

	"github.com/accessrecon/accessrecon/connectors/csvfile"
	"github.com/accessrecon/accessrecon/graph"
	"github.com/accessrecon/accessrecon/i18n"
)

// AccountColumns are the required columns of an accounts file.
var AccountColumns = []string{"system", "account_id", "owner", "kind", "status"}

// GrantColumns are the required columns of a grants file.
var GrantColumns = []string{"system", "account_id", "entitlement", "origin", "granted_at", "expires_at"}

// Account kinds and statuses accepted in an accounts file.
var (
	AccountKinds    = []string{"personal", "shared", "service", "outside"} // outside: an external collaborator, not staff
	AccountStatuses = []string{"active", "disabled"}
	GrantOrigins    = []string{"role", "request", "emergency"}
)

// ReadAccount is the account on a row of an accounts table (a file's, a
// query's) of the named source.
func ReadAccount(source string, cr *csvfile.Reader) (*graph.Account, error) {
	var err error
	a := &graph.Account{Owner: cr.Get("owner"), Source: source}
	if a.System, err = cr.Required("system"); err != nil {
		return nil, err
	}
	if a.ID, err = cr.Required("account_id"); err != nil {
		return nil, err
	}
	if a.Kind, err = cr.OneOf("kind", "", AccountKinds...); err != nil {
		return nil, err
	}
	if a.Status, err = cr.OneOf("status", "", AccountStatuses...); err != nil {
		return nil, err
	}
	if a.MFA, err = MFA(cr.Get("mfa")); err != nil {
		return nil, cr.Errorf("mfa", "%v", err)
	}
	if a.CreatedAt, err = cr.Date("created_at"); err != nil {
		return nil, err
	}
	if a.PasswordSetAt, err = cr.Date("password_set_at"); err != nil {
		return nil, err
	}
	switch strings.ToLower(strings.TrimSpace(cr.Get("last_sign_in"))) {
	case "never", "なし", "未使用":
		a.LastSignIn = graph.NeverSignedIn
	default:
		if a.LastSignIn, err = cr.Date("last_sign_in"); err != nil {
			return nil, err
		}
	}
	return a, nil
}

// MFA reads an export's multi-factor authentication cell: on (true, yes,
// enabled, 有効, あり, ○), off (false, no, disabled, 無効, なし, ×), or ""
// when the cell is empty (the export does not say).
func MFA(v string) (string, error) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "":
		return "", nil
	case "on", "true", "yes", "1", "enabled", "有効", "あり", "設定済", "○", "〇":
		return graph.MFAOn, nil
	case "off", "false", "no", "0", "disabled", "無効", "なし", "未設定", "×":
		return graph.MFAOff, nil
	}
	return "", i18n.Errorf("expected on or off (true/false, 有効/無効), got %q", v)
}

// ReadGrant is the grant on a row of a grants table (a file's, a query's)
// of the named source.
func ReadGrant(source string, cr *csvfile.Reader) (*graph.Grant, error) {
	var err error
	g := &graph.Grant{Source: source}
	if g.System, err = cr.Required("system"); err != nil {
		return nil, err
	}
	if g.Account, err = cr.Required("account_id"); err != nil {
		return nil, err
	}
	if g.Entitlement, err = cr.Required("entitlement"); err != nil {
		return nil, err
	}
	if g.Origin, err = cr.OneOf("origin", "", GrantOrigins...); err != nil {
		return nil, err
	}
	if g.GrantedAt, err = cr.Date("granted_at"); err != nil {
		return nil, err
	}
	if g.ExpiresAt, err = cr.Date("expires_at"); err != nil {
		return nil, err
	}
	return g, nil
}

// AddAccount adds an account read from a row of cr; an error names the
// row and column.
func AddAccount(w *graph.Writer, cr *csvfile.Reader, a *graph.Account) error {
	if !w.Exists(graph.TableSystems, a.System) {
		return cr.Errorf("system", "unknown system %q: expected one of the system ids of systems.yaml", a.System)
	}
	if err := w.AddAccount(a); err != nil {
		return cr.Wrap("account_id", err)
	}
	return nil
}

// AddGrant adds a grant read from a row of cr, of an account added before
// (read from accounts); an error names the row and column.
func AddGrant(w *graph.Writer, cr *csvfile.Reader, g *graph.Grant, accounts string) error {
	if !w.Exists(graph.TableSystems, g.System) {
		return cr.Errorf("system", "unknown system %q: expected one of the system ids of systems.yaml", g.System)
	}
	if err := w.AddGrant(g); err != nil {
		if errors.Is(err, graph.ErrUnknownAccount) {
			return cr.Errorf("account_id", "no account %q on system %q: expected an account listed in %s", g.Account, g.System, accounts)
		}
		col := "entitlement"
		if w.HasGrant(g.System, g.Account, g.Entitlement) {
			col = "account_id"
		}
		return cr.Wrap(col, err)
	}
	return nil
}
