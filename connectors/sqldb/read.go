package sqldb

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/accessrecon/accessrecon/connectors"
	"github.com/accessrecon/accessrecon/connectors/accounttable"
	"github.com/accessrecon/accessrecon/connectors/csvfile"
	"github.com/accessrecon/accessrecon/graph"
	"github.com/accessrecon/accessrecon/i18n"
	"github.com/accessrecon/accessrecon/input"
)

// Source reads one database. Apply reaches it by work orders; a Changer
// carries out the actions its statements say.
type Source struct {
	name    string
	spec    *Spec
	driver  driver
	dsn     string // never logged, never in an error
	files   fs.FS  // opens spec.File
	timeout time.Duration
	log     *slog.Logger
}

// Name is the configured source name.
func (s *Source) Name() string { return s.name }

// The columns each query must return (after columns: maps them), as a
// file source's must, but for the days (granted_at, expires_at,
// created_at, optional): system may come from the spec instead, status
// from a disabled column; a constant is written in the query ('role' AS
// origin).
var (
	accountColumns = []string{"system", "account_id", "owner", "kind", "status"}
	grantColumns   = []string{"system", "account_id", "entitlement", "origin"}
)

// Pull runs the accounts query, then the grants query, in one read-only
// transaction that sees one snapshot of the database, and writes the rows
// to the graph as they arrive. Any error fails the whole source.
func (s *Source) Pull(ctx context.Context, w *graph.Writer) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	dsn, done, err := s.connString()
	if err != nil {
		return "", err
	}
	defer done()
	db, err := sql.Open(s.driver.sqlName, dsn)
	if err != nil {
		return "", s.hide(err)
	}
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		return "", s.hide(err)
	}
	defer conn.Close()
	if s.driver.session != nil {
		if err := s.driver.session(ctx, conn, s.timeout); err != nil {
			return "", s.hide(err)
		}
	}
	tx, err := conn.BeginTx(ctx, &sql.TxOptions{Isolation: s.driver.isolation, ReadOnly: true})
	if err != nil {
		return "", s.hide(err)
	}
	defer tx.Rollback()
	seen := map[string]bool{}
	da, err := s.query(ctx, tx, "accounts", s.spec.Accounts.Query, accountColumns, seen, func(cr *csvfile.Reader) error {
		a, err := accounttable.ReadAccount(s.name, cr)
		if err != nil {
			return err
		}
		return accounttable.AddAccount(w, cr, a)
	})
	if err != nil {
		return "", err
	}
	dg, err := s.query(ctx, tx, "grants", s.spec.Grants.Query, grantColumns, seen, func(cr *csvfile.Reader) error {
		g, err := accounttable.ReadGrant(s.name, cr)
		if err != nil {
			return err
		}
		return accounttable.AddGrant(w, cr, g, s.name+" accounts")
	})
	if err != nil {
		return "", err
	}
	for _, c := range slices.Sorted(func(yield func(string) bool) {
		for c := range s.spec.Columns {
			if !yield(c) {
				return
			}
		}
	}) {
		if !seen[c] {
			return "", input.FieldErrorf("columns", "%q is not a column of the accounts query or of the grants query", c)
		}
	}
	if err := tx.Commit(); err != nil {
		return "", s.hide(err)
	}
	return connectors.CombineDigests(da, dg), nil
}

// connString is the data source name; for a database file, a read-only
// one (a copy of the file when the config is not on the local file system,
// as the demo's is not), with done removing the copy.
func (s *Source) connString() (dsn string, done func(), err error) {
	if s.spec.File.IsZero() {
		return s.dsn, func() {}, nil
	}
	path := s.spec.File.Resolved()
	if fi, err := os.Stat(path); err == nil && fi.Mode().IsRegular() {
		return "file:" + path + "?mode=ro", func() {}, nil
	}
	data, err := fs.ReadFile(s.files, path)
	if err != nil {
		return "", nil, i18n.Errorf("file %s: %w", s.spec.File, connectors.UnwrapPath(err))
	}
	tmp, err := os.CreateTemp("", "accessrecon-*.db")
	if err != nil {
		return "", nil, err
	}
	done = func() { os.Remove(tmp.Name()) }
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		done()
		return "", nil, err
	}
	if err := tmp.Close(); err != nil {
		done()
		return "", nil, err
	}
	return "file:" + tmp.Name() + "?mode=ro", done, nil
}

// query runs one query and hands each row to use through a csvfile.Reader,
// so that a bad value is refused as in a file, with its row and column. It
// returns the digest of the rows, whatever their order.
func (s *Source) query(ctx context.Context, tx *sql.Tx, what, query string, required []string, seen map[string]bool, use func(*csvfile.Reader) error) (string, error) {
	name := s.name + " " + what
	rows, err := tx.QueryContext(ctx, query)
	if err != nil {
		return "", i18n.Errorf("%s query: %w", name, s.hide(err))
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return "", i18n.Errorf("%s query: %w", name, s.hide(err))
	}
	for _, c := range cols {
		seen[c] = true
	}
	rr := &rowRecords{rows: rows, name: name, cols: cols, s: s}
	if hasColumn(cols, s.spec.Columns, "system") < 0 && s.spec.System != "" {
		rr.system = s.spec.System
	}
	rr.disabled = hasColumn(cols, s.spec.Columns, "disabled")
	if rr.disabled >= 0 && hasColumn(cols, s.spec.Columns, "status") >= 0 {
		return "", input.Errorf("%s query: it returns both status and disabled; expected one of them", name)
	}
	cr, err := csvfile.OpenRecords(name, rr, csvfile.Format{Columns: s.spec.Columns, Values: s.spec.Values}, required...)
	if err != nil {
		return "", err
	}
	for {
		ok, err := cr.Next()
		if err != nil {
			return "", err
		}
		if !ok {
			break
		}
		if err := use(cr); err != nil {
			return "", err
		}
	}
	return rr.digest(), nil
}

// hasColumn is the index of the query column that is the column id, or -1.
func hasColumn(cols []string, mapping map[string]string, id string) int {
	for i, c := range cols {
		if m, ok := mapping[c]; ok && m == id || !ok && csvfile.HeaderName(c) == id {
			return i
		}
	}
	return -1
}

// rowRecords are a query's rows as a table's records: its column names,
// then each row's values as text (NULL as empty), with system (from the
// spec) and status (from a disabled column) added.
type rowRecords struct {
	rows     *sql.Rows
	name     string
	cols     []string
	s        *Source
	system   string
	disabled int
	row      int
	vals     []any
	ptrs     []any
	out      []string
	hashes   [][16]byte
	buf      bytes.Buffer
}

func (r *rowRecords) Read() ([]string, error) {
	if r.vals == nil {
		r.vals, r.ptrs = make([]any, len(r.cols)), make([]any, len(r.cols))
		for i := range r.vals {
			r.ptrs[i] = &r.vals[i]
		}
		header := slices.Clone(r.cols)
		if r.system != "" {
			header = append(header, "system")
		}
		if r.disabled >= 0 {
			header = append(header, "status")
		}
		return header, nil
	}
	if !r.rows.Next() {
		if err := r.rows.Err(); err != nil {
			return nil, i18n.Errorf("row %d: %w", r.row+1, r.s.hide(err))
		}
		return nil, io.EOF
	}
	r.row++
	if err := r.rows.Scan(r.ptrs...); err != nil {
		return nil, i18n.Errorf("row %d: %w", r.row, r.s.hide(err))
	}
	r.out = r.out[:0]
	r.buf.Reset()
	for _, v := range r.vals {
		t := text(v)
		r.out = append(r.out, t)
		var n [4]byte
		binary.BigEndian.PutUint32(n[:], uint32(len(t)))
		r.buf.Write(n[:])
		r.buf.WriteString(t)
		if v == nil {
			r.buf.WriteByte(0) // NULL differs from ''
		}
	}
	sum := sha256.Sum256(r.buf.Bytes())
	r.hashes = append(r.hashes, [16]byte(sum[:16]))
	if r.system != "" {
		r.out = append(r.out, r.system)
	}
	if r.disabled >= 0 {
		status, ok := disabledStatus(r.out[r.disabled])
		if !ok {
			return nil, input.Errorf("%s:%d: column %s (%d): expected true or false (1/0, yes/no), got %q", r.name, r.row, r.cols[r.disabled], r.disabled+1, r.out[r.disabled])
		}
		r.out = append(r.out, status)
	}
	return r.out, nil
}

// Line is the row number, counted from 1.
func (r *rowRecords) Line() int { return r.row }

// digest is the digest of the rows read, in no particular order: a query
// without ORDER BY may return the same rows in another order, and the plan
// must not be stale for it.
func (r *rowRecords) digest() string {
	slices.SortFunc(r.hashes, func(a, b [16]byte) int { return bytes.Compare(a[:], b[:]) })
	h := sha256.New()
	for _, x := range r.hashes {
		h.Write(x[:])
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}

// text is a column's value as a file would write it.
func text(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case []byte:
		return string(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	case time.Time:
		if x.Hour() == 0 && x.Minute() == 0 && x.Second() == 0 && x.Nanosecond() == 0 {
			return x.Format(time.DateOnly) // a date column, or midnight: the day it names
		}
		return x.Format(time.RFC3339Nano) // a timestamp: its day in Tokyo
	}
	return fmt.Sprint(v)
}

// disabledStatus is the status a disabled column's value says.
func disabledStatus(v string) (string, bool) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "true", "t", "1", "yes", "y", "on", "disabled", "無効":
		return "disabled", true
	case "false", "f", "0", "no", "n", "off", "", "active", "有効":
		return "active", true
	}
	return "", false
}

// hide is err without the data source name or its password, should the
// driver quote them.
func (s *Source) hide(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return i18n.Errorf("the read took longer than timeout %s: %w", s.timeout, err)
	}
	msg := err.Error()
	for _, secret := range secretsOf(s.dsn) {
		msg = strings.ReplaceAll(msg, secret, "***")
	}
	if msg == err.Error() {
		return err
	}
	return errors.New(msg)
}
