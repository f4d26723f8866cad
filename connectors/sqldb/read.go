package sqldb

import (
	"cmp"
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
	"maps"
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
	return s.read(ctx, func(cr *csvfile.Reader, a *graph.Account) error {
		return accounttable.AddAccount(w, cr, a)
	}, func(cr *csvfile.Reader, g *graph.Grant) error {
		return accounttable.AddGrant(w, cr, g, s.name+" accounts")
	})
}

// read reads the rows as Pull does and hands each account and grant to
// the functions given.
func (s *Source) read(ctx context.Context, account func(*csvfile.Reader, *graph.Account) error, grant func(*csvfile.Reader, *graph.Grant) error) (string, error) {
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
	var digest string
	readAll := func(snap snapshot) (err error) {
		digest, err = s.readFrom(ctx, snap, account, grant)
		return err
	}
	if s.driver.snapshot != nil {
		if err := s.driver.snapshot(ctx, conn, readAll); err != nil {
			return "", s.hide(err)
		}
		return digest, nil
	}
	tx, err := conn.BeginTx(ctx, &sql.TxOptions{Isolation: s.driver.isolation, ReadOnly: true})
	if err != nil {
		return "", s.hide(err)
	}
	defer tx.Rollback()
	if err := readAll(sqlSnapshot{tx}); err != nil {
		return "", err
	}
	if err := tx.Commit(); err != nil {
		return "", s.hide(err)
	}
	return digest, nil
}

// readFrom runs the accounts query, then the grants query.
func (s *Source) readFrom(ctx context.Context, snap snapshot, account func(*csvfile.Reader, *graph.Account) error, grant func(*csvfile.Reader, *graph.Grant) error) (string, error) {
	seen := map[string]bool{}
	da, err := readQuery(ctx, s, snap, "accounts", s.spec.Accounts.Query, accountColumns, seen, func(cr *csvfile.Reader) (*graph.Account, error) {
		return accounttable.ReadAccount(s.name, cr)
	}, account)
	if err != nil {
		return "", err
	}
	dg, err := readQuery(ctx, s, snap, "grants", s.spec.Grants.Query, grantColumns, seen, func(cr *csvfile.Reader) (*graph.Grant, error) {
		return accounttable.ReadGrant(s.name, cr)
	}, grant)
	if err != nil {
		return "", err
	}
	for _, c := range slices.Sorted(maps.Keys(s.spec.Columns)) {
		if !seen[c] {
			return "", input.FieldErrorf("columns", "%q is not a column of the accounts query or of the grants query", c)
		}
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

// readQuery runs one query: its rows are read, made text and hashed on one
// goroutine, made into values (build: an account, a grant) on another, as
// a file's records are (csvfile.ReadRowsAhead: a bad value is refused with
// its row and column, and the problems of the query are reported
// together), while use writes them to the graph. It returns the digest of
// the rows, whatever their order.
func readQuery[T any](ctx context.Context, s *Source, snap snapshot, what, query string, required []string, seen map[string]bool, build func(*csvfile.Reader) (T, error), use func(*csvfile.Reader, T) error) (string, error) {
	name := s.name + " " + what
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	rows, err := snap.Query(ctx, query)
	if err != nil {
		return "", i18n.Errorf("%s query: %w", name, s.hide(err))
	}
	defer rows.Close()
	cols := rows.Columns()
	for _, c := range cols {
		seen[c] = true
	}
	rr := &rowRecords{name: name, cols: cols}
	if hasColumn(cols, s.spec.Columns, "system") < 0 && s.spec.System != "" {
		rr.system = s.spec.System
	}
	rr.disabled = hasColumn(cols, s.spec.Columns, "disabled")
	if rr.disabled >= 0 && hasColumn(cols, s.spec.Columns, "status") >= 0 {
		return "", input.Errorf("%s query: it returns both status and disabled; expected one of them", name)
	}
	rr.start(rows, s.hide)
	defer rr.Close()
	ahead := csvfile.ReadRowsAhead(ctx, name, rr, func() string { return rr.sum }, csvfile.Format{Columns: s.spec.Columns, Values: s.spec.Values}, required, build)
	defer ahead.Stop()
	// Returning early (a bad row), the query is cancelled first, so that
	// neither reader waits on a slow server for rows nobody wants.
	defer cancel()
	return ahead.Each(ctx, use)
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
// spec) and status (from a disabled column) added. The rows are read from
// the database, turned into text and hashed on a goroutine of their own,
// a batch at a time, while the caller writes the ones before to the graph.
type rowRecords struct {
	name     string
	cols     []string
	system   string
	disabled int
	row      int
	headed   bool
	batches  chan rowBatch
	stop     chan struct{}
	done     chan struct{}
	cur      rowBatch
	next     int
	sum      string
}

// rowBatch is some rows as text; the last one (err or end) says why no
// more follow, and at the end carries the digest of all.
type rowBatch struct {
	rows   [][]string
	err    error
	end    bool
	digest string
}

const batchRows = 512

// start reads rows on a goroutine until the end, an error, or Close.
func (r *rowRecords) start(rows cursor, hide func(error) error) {
	r.batches, r.stop, r.done = make(chan rowBatch, 8), make(chan struct{}), make(chan struct{})
	go func() {
		defer close(r.done)
		send := func(b rowBatch) bool {
			select {
			case r.batches <- b:
				return true
			case <-r.stop:
				return false
			}
		}
		null := make([]bool, len(r.cols))
		width := len(r.cols)
		if r.system != "" {
			width++
		}
		if r.disabled >= 0 {
			width++
		}
		var (
			hashes [][2]uint64
			buf    []byte
			batch  = make([][]string, 0, batchRows)
			n      int
		)
		for rows.Next() {
			n++
			rec := make([]string, len(r.cols), width)
			if err := rows.Values(rec, null); err != nil {
				send(rowBatch{rows: batch, err: i18n.Errorf("row %d: %w", n, hide(err))})
				return
			}
			buf = buf[:0]
			for i, t := range rec {
				buf = binary.BigEndian.AppendUint32(buf, uint32(len(t)))
				buf = append(buf, t...)
				if null[i] {
					buf = append(buf, 0) // NULL differs from ''
				}
			}
			sum := sha256.Sum256(buf)
			hashes = append(hashes, [2]uint64{binary.BigEndian.Uint64(sum[:8]), binary.BigEndian.Uint64(sum[8:16])})
			if r.system != "" {
				rec = append(rec, r.system)
			}
			if r.disabled >= 0 {
				status, ok := disabledStatus(rec[r.disabled])
				if !ok {
					send(rowBatch{rows: batch, err: input.Errorf("%s:%d: column %s (%d): expected true or false (1/0, yes/no), got %q", r.name, n, r.cols[r.disabled], r.disabled+1, rec[r.disabled])})
					return
				}
				rec = append(rec, status)
			}
			if batch = append(batch, rec); len(batch) == batchRows {
				if !send(rowBatch{rows: batch}) {
					return
				}
				batch = make([][]string, 0, batchRows)
			}
		}
		if err := rows.Err(); err != nil {
			send(rowBatch{rows: batch, err: i18n.Errorf("row %d: %w", n+1, hide(err))})
			return
		}
		send(rowBatch{rows: batch, end: true, digest: digestOf(hashes)})
	}()
}

// Close stops the reading goroutine and waits for it.
func (r *rowRecords) Close() {
	if r.stop != nil {
		close(r.stop)
		<-r.done
	}
}

func (r *rowRecords) Read() ([]string, error) {
	if !r.headed {
		r.headed = true
		header := slices.Clone(r.cols)
		if r.system != "" {
			header = append(header, "system")
		}
		if r.disabled >= 0 {
			header = append(header, "status")
		}
		return header, nil
	}
	for r.next >= len(r.cur.rows) {
		if r.cur.err != nil {
			return nil, r.cur.err
		}
		if r.cur.end {
			r.sum = r.cur.digest
			return nil, io.EOF
		}
		r.cur, r.next = <-r.batches, 0
	}
	r.row++
	rec := r.cur.rows[r.next]
	r.next++
	return rec, nil
}

// Line is the row number, counted from 1.
func (r *rowRecords) Line() int { return r.row }

// digestOf is the digest of rows by their hashes, in no particular order: a
// query without ORDER BY may return the same rows in another order, and the
// plan must not be stale for it.
func digestOf(hashes [][2]uint64) string {
	hashes = radixSort(hashes)
	h := sha256.New()
	var b [16]byte
	for _, x := range hashes {
		binary.BigEndian.PutUint64(b[:8], x[0])
		binary.BigEndian.PutUint64(b[8:], x[1])
		h.Write(b[:])
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}

// radixSort sorts the hashes by their first word, 16 bits a pass (they
// are uniform: a comparison sort of a million takes ten times as long),
// then by the second where first words are equal.
func radixSort(a [][2]uint64) [][2]uint64 {
	if len(a) < 1<<12 {
		slices.SortFunc(a, cmpHash)
		return a
	}
	tmp := make([][2]uint64, len(a))
	var count [1 << 16]int
	for shift := uint(0); shift < 64; shift += 16 {
		clear(count[:])
		for _, x := range a {
			count[(x[0]>>shift)&0xffff]++
		}
		sum := 0
		for i, c := range count {
			count[i], sum = sum, sum+c
		}
		for _, x := range a {
			k := (x[0] >> shift) & 0xffff
			tmp[count[k]] = x
			count[k]++
		}
		a, tmp = tmp, a
	}
	for i := 0; i < len(a); {
		j := i + 1
		for j < len(a) && a[j][0] == a[i][0] {
			j++
		}
		if j-i > 1 {
			slices.SortFunc(a[i:j], cmpHash)
		}
		i = j
	}
	return a
}

func cmpHash(a, b [2]uint64) int {
	if c := cmp.Compare(a[0], b[0]); c != 0 {
		return c
	}
	return cmp.Compare(a[1], b[1])
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
		if h, m, sec := x.Clock(); h == 0 && m == 0 && sec == 0 && x.Nanosecond() == 0 {
			// A date column, or midnight: the day it names (as time.DateOnly
			// writes it, without its cost a row).
			y, mo, d := x.Date()
			if y >= 1000 && y <= 9999 {
				var b [10]byte
				b[0], b[1], b[2], b[3] = byte('0'+y/1000), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10)
				b[4], b[5], b[6], b[7], b[8], b[9] = '-', byte('0'+mo/10), byte('0'+mo%10), '-', byte('0'+d/10), byte('0'+d%10)
				return string(b[:])
			}
			return x.Format(time.DateOnly)
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
