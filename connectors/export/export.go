// Package export is the `type: file` source: accounts and grants exported
// from a business system as CSV files (SPEC "Accounts file", "Grants file").
package export

import (
	"context"
	"errors"
	"io"
	"io/fs"

	"github.com/accessrecon/accessrecon/connectors"
	"github.com/accessrecon/accessrecon/connectors/csvfile"
	"github.com/accessrecon/accessrecon/graph"
)

// Source reads one system export.
//
//	sources:
//	  - name: takuso
//	    type: file
//	    accounts: takuso-accounts.csv
//	    grants: takuso-grants.csv
//	    encoding: shift_jis   # optional; defaults to hr.encoding
type Source struct {
	// SourceName is the configured name; it keys the plan's input digest.
	SourceName string
	// Files opens the paths below.
	Files fs.FS
	// Accounts is the path of the accounts CSV.
	Accounts string
	// Grants is the path of the grants CSV.
	Grants string
	// Encoding is utf-8 or shift_jis.
	Encoding string
}

// AccountColumns are the required columns of an accounts file.
var AccountColumns = []string{"system", "account_id", "owner", "kind", "status"}

// GrantColumns are the required columns of a grants file.
var GrantColumns = []string{"system", "account_id", "entitlement", "origin", "granted_at", "expires_at"}

// Account kinds and statuses accepted in an accounts file.
var (
	AccountKinds    = []string{"personal", "shared", "service"}
	AccountStatuses = []string{"active", "disabled"}
	GrantOrigins    = []string{"role", "request", "emergency"}
)

// Name is the configured source name.
func (s *Source) Name() string { return s.SourceName }

// Pull reads accounts, then grants. Systems must already be loaded.
func (s *Source) Pull(ctx context.Context, w *graph.Writer) (string, error) {
	da, err := connectors.ReadFile(s.Files, s.Accounts, func(r io.Reader) error {
		return s.readAccounts(ctx, r, w)
	})
	if err != nil {
		return "", err
	}
	dg, err := connectors.ReadFile(s.Files, s.Grants, func(r io.Reader) error {
		return s.readGrants(ctx, r, w)
	})
	if err != nil {
		return "", err
	}
	return connectors.CombineDigests(da, dg), nil
}

func (s *Source) readAccounts(ctx context.Context, r io.Reader, w *graph.Writer) error {
	return csvfile.Each(ctx, s.Accounts, r, s.Encoding, AccountColumns, func(cr *csvfile.Reader) error {
		var err error
		a := &graph.Account{Owner: cr.Get("owner"), Source: s.SourceName}
		if a.System, err = cr.Required("system"); err != nil {
			return err
		}
		if a.ID, err = cr.Required("account_id"); err != nil {
			return err
		}
		if a.Kind, err = cr.OneOf("kind", "", AccountKinds...); err != nil {
			return err
		}
		if a.Status, err = cr.OneOf("status", "", AccountStatuses...); err != nil {
			return err
		}
		if !w.Exists(graph.TableSystems, a.System) {
			return cr.Errorf("system", "unknown system %q: expected one of the system ids of systems.yaml", a.System)
		}
		if err := w.AddAccount(a); err != nil {
			return cr.Wrap("account_id", err)
		}
		return nil
	})
}

func (s *Source) readGrants(ctx context.Context, r io.Reader, w *graph.Writer) error {
	return csvfile.Each(ctx, s.Grants, r, s.Encoding, GrantColumns, func(cr *csvfile.Reader) error {
		var err error
		g := &graph.Grant{Source: s.SourceName}
		if g.System, err = cr.Required("system"); err != nil {
			return err
		}
		if g.Account, err = cr.Required("account_id"); err != nil {
			return err
		}
		if g.Entitlement, err = cr.Required("entitlement"); err != nil {
			return err
		}
		if g.Origin, err = cr.OneOf("origin", "", GrantOrigins...); err != nil {
			return err
		}
		if g.GrantedAt, err = cr.Date("granted_at"); err != nil {
			return err
		}
		if g.ExpiresAt, err = cr.Date("expires_at"); err != nil {
			return err
		}
		if !w.Exists(graph.TableSystems, g.System) {
			return cr.Errorf("system", "unknown system %q: expected one of the system ids of systems.yaml", g.System)
		}
		if err := w.AddGrant(g); err != nil {
			if errors.Is(err, graph.ErrUnknownAccount) {
				return cr.Errorf("account_id", "no account %q on system %q: expected an account listed in %s", g.Account, g.System, s.Accounts)
			}
			col := "entitlement"
			if w.HasGrant(g.System, g.Account, g.Entitlement) {
				col = "account_id"
			}
			return cr.Wrap(col, err)
		}
		return nil
	})
}
