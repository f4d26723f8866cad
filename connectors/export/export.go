// Package export is the `type: file` source: accounts and grants exported
// from a business system as CSV files (SPEC "Accounts file", "Grants file").
package export

import (
	"context"
	"io/fs"

	"github.com/accessrecon/accessrecon/connectors"
	"github.com/accessrecon/accessrecon/connectors/accounttable"
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
	// Columns and Values map the export's headers and values (a source's
	// columns and values in the config).
	Columns map[string]string
	Values  map[string]map[string]string
}

// Name is the configured source name.
func (s *Source) Name() string { return s.SourceName }

// Pull reads accounts, then grants. Systems must already be loaded.
func (s *Source) Pull(ctx context.Context, w *graph.Writer) (string, error) {
	return s.Stage(ctx, nil).Write(ctx, w)
}

// Stage starts reading both files, each on a goroutine of its own at its
// turn; Write adds what they hold to the graph.
func (s *Source) Stage(ctx context.Context, turns *connectors.Turns) connectors.Staged {
	size := int64(0)
	if fi, err := fs.Stat(s.Files, s.Accounts); err == nil {
		size = fi.Size()
	}
	return &staged{
		src:      s,
		expected: int(size / bytesPerAccount),
		accounts: csvfile.ReadAhead(ctx, turns.Take(), s.Files, s.Accounts, csvfile.Format{Encoding: s.Encoding, Columns: s.Columns, Values: s.Values}, accounttable.AccountColumns, s.account),
		grants:   csvfile.ReadAhead(ctx, turns.Take(), s.Files, s.Grants, csvfile.Format{Encoding: s.Encoding, Columns: s.Columns, Values: s.Values}, accounttable.GrantColumns, s.grant),
	}
}

// bytesPerAccount is about the shortest line of an accounts file, for a
// guess at how many accounts it holds.
const bytesPerAccount = 40

type staged struct {
	src      *Source
	expected int // accounts, guessed from the file's size
	accounts *csvfile.Ahead[*graph.Account]
	grants   *csvfile.Ahead[*graph.Grant]
}

// Write adds the accounts, then the grants.
func (st *staged) Write(ctx context.Context, w *graph.Writer) (string, error) {
	defer st.Stop()
	w.ReserveAccounts(st.expected)
	da, err := st.accounts.Each(ctx, func(cr *csvfile.Reader, a *graph.Account) error { return accounttable.AddAccount(w, cr, a) })
	if err != nil {
		return "", err
	}
	dg, err := st.grants.Each(ctx, func(cr *csvfile.Reader, g *graph.Grant) error {
		return accounttable.AddGrant(w, cr, g, st.src.Accounts)
	})
	if err != nil {
		return "", err
	}
	return connectors.CombineDigests(da, dg), nil
}

// Stop ends the reading of both files.
func (st *staged) Stop() {
	st.accounts.Stop()
	st.grants.Stop()
}

func (s *Source) account(cr *csvfile.Reader) (*graph.Account, error) {
	return accounttable.ReadAccount(s.SourceName, cr)
}

func (s *Source) grant(cr *csvfile.Reader) (*graph.Grant, error) {
	return accounttable.ReadGrant(s.SourceName, cr)
}
