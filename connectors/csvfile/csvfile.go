// Package csvfile reads the CSV files of SPEC: a header row, columns found by
// header name in any order, extra columns ignored, UTF-8 (with or without
// BOM) or Shift_JIS/CP932, and errors that name the file, line and column.
package csvfile

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/accessrecon/accessrecon/graph"
	"github.com/accessrecon/accessrecon/i18n"
	"github.com/accessrecon/accessrecon/input"
	"github.com/xuri/excelize/v2"

	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/transform"
)

// Encodings accepted by Open (see input.NormalizeEncoding).
const (
	UTF8     = input.UTF8
	ShiftJIS = input.ShiftJIS
	Auto     = input.Auto
)

// ErrInput marks every error caused by the content of an input file, as
// opposed to an I/O failure: input.ErrInput.
var ErrInput = input.ErrInput

// NormalizeEncoding maps the accepted spellings to UTF8 or ShiftJIS.
func NormalizeEncoding(enc string) (string, error) { return input.NormalizeEncoding(enc) }

// Reader reads records of one CSV file.
type Reader struct {
	name string
	csv  Records
	// names are the header's column ids by position: Get finds a column by
	// comparing a handful of short strings, cheaper than hashing for a map
	// lookup on every cell of millions of rows.
	names []string
	rec   []string
	line  int
	utf8  bool
	// values are Format.Values; nil (the common case) costs Get nothing.
	values map[string]map[string]string
	// xlsx: the file is a workbook, whose date cells hold Excel's serial
	// day numbers.
	xlsx bool
	// titles are the header's cells as the file has them (入社日), for
	// errors that name a column as the user sees it.
	titles []string
}

// Records are the rows of a table read one at a time: a CSV file's, a
// workbook sheet's, a database query's. The first row is the header.
type Records interface {
	Read() ([]string, error)
	// Line is the line (the row) of the record Read returned last.
	Line() int
}

type csvRecords struct{ *csv.Reader }

func (c csvRecords) Line() int { l, _ := c.FieldPos(0); return l }

// Format is how a CSV file is written: its encoding, and the names its
// header gives columns besides SPEC's ids and the Japanese names HeaderName
// knows (hr.columns, a source's columns in the config: header → column id).
type Format struct {
	Encoding string
	Columns  map[string]string
	// Values maps a column's values as the file writes them to what
	// accessrecon reads (hr.values: {employment: {常勤: employee}}).
	Values map[string]map[string]string
	// Sheet is the sheet read when the file is an XLSX workbook; empty
	// means the first one.
	Sheet string
}

// column is the column id of a header cell.
func (f Format) column(cell string) string {
	if id, ok := f.Columns[strings.TrimSpace(strings.TrimPrefix(cell, "\ufeff"))]; ok {
		return id
	}
	return HeaderName(cell)
}

// Open reads the header of a CSV file and checks that every required column
// is there. name is the file name used in errors.
func Open(name string, r io.Reader, encoding string, required ...string) (*Reader, error) {
	return OpenFormat(name, r, Format{Encoding: encoding}, required...)
}

// OpenFormat is Open of a file in a Format.
func OpenFormat(name string, r io.Reader, format Format, required ...string) (*Reader, error) {
	return OpenContext(context.Background(), name, r, format, required...)
}

// MaxLineEnv names the environment variable that raises the longest line
// of a CSV input (in bytes; default MaxLine).
const MaxLineEnv = "ACCESSRECON_MAX_CSV_LINE"

// MaxLine is the longest line of a CSV input by default: a file with no
// line end (a device, a broken export) is refused instead of read into
// memory whole.
const MaxLine = 4 << 20

func maxLine() int {
	if n, err := strconv.Atoi(os.Getenv(MaxLineEnv)); err == nil && n > 0 {
		return n
	}
	return MaxLine
}

// OpenContext is OpenFormat reading until ctx ends, even inside one line.
func OpenContext(ctx context.Context, name string, r io.Reader, format Format, required ...string) (*Reader, error) {
	enc, err := NormalizeEncoding(format.Encoding)
	if err != nil {
		return nil, i18n.Errorf("%s: %w", name, err)
	}
	br := bufio.NewReaderSize(r, 64*1024)
	rd := &Reader{name: name, utf8: true, values: format.Values}
	if magic, _ := br.Peek(4); string(magic) == "PK\x03\x04" {
		// A workbook (XLSX is a zip archive) whatever its name says.
		rows, err := openSheet(name, br, format.Sheet)
		if err != nil {
			return nil, err
		}
		rd.csv, rd.xlsx = rows, true
	} else {
		br = bufio.NewReaderSize(&bounded{r: br, ctx: ctx, max: maxLine(), name: name}, 64*1024)
		if enc == Auto {
			enc = UTF8
			head, _ := br.Peek(64 << 10)
			for n := 0; n < utf8.UTFMax && len(head) > 0 && !utf8.Valid(head); n++ {
				head = head[:len(head)-1] // a character cut by the 64 KiB
			}
			if !utf8.Valid(head) {
				enc = ShiftJIS
			}
		}
		rd.utf8 = enc != ShiftJIS || hasBOM(br)
		rd.csv = csvRecords{csvReader(br, enc)}
	}
	return rd.header(format, required)
}

// OpenRecords is a Reader of rows that are not a file (a query's result):
// the first row read is the header, the rows are UTF-8, and name is what
// errors call the table.
func OpenRecords(name string, rows Records, format Format, required ...string) (*Reader, error) {
	rd := &Reader{name: name, utf8: true, values: format.Values, csv: rows}
	return rd.header(format, required)
}

// header reads the header row and checks that it names every required
// column.
func (rd *Reader) header(format Format, required []string) (*Reader, error) {
	name := rd.name
	header, err := rd.csv.Read()
	if err == io.EOF {
		return nil, InputErrorf("%s:1: the file is empty; expected a header row with %s", name, strings.Join(required, ","))
	}
	if err != nil {
		return nil, rd.wrapCSVError(err)
	}
	for _, cell := range header {
		h := format.column(cell)
		if h != "" && slices.Contains(rd.names, h) {
			return nil, InputErrorf("%s:1: column %q appears twice in the header", name, h)
		}
		rd.names = append(rd.names, h)
		rd.titles = append(rd.titles, strings.TrimSpace(strings.TrimPrefix(cell, "\ufeff")))
	}
	for _, c := range required {
		if !slices.Contains(rd.names, c) {
			var where any = ""
			if sheet, ok := rd.csv.(*sheetRecords); ok {
				if list := sheet.file.GetSheetList(); len(list) > 1 {
					where = i18n.M(" in sheet %s of %s; another sheet is read with hr.sheet", sheet.sheet, strings.Join(list, ", "))
				} else {
					where = i18n.M(" in sheet %s", sheet.sheet)
				}
			}
			return nil, InputErrorf("%s:1: missing column %q; the header must name %s (found %s%s); map headers of your own with columns (hr.columns for the HR feed)",
				name, c, strings.Join(required, ","), strings.Join(header, ","), where)
		}
	}
	rd.line = 1
	return rd, nil
}

// bounded reads r, refusing a line longer than max bytes and stopping when
// ctx ends: a CSV record is read whole by encoding/csv, so a file without
// line ends would otherwise grow memory without bound, deaf to SIGTERM.
type bounded struct {
	r    io.Reader
	ctx  context.Context
	max  int
	run  int // bytes since the last line end
	name string
}

func (b *bounded) Read(p []byte) (int, error) {
	if err := b.ctx.Err(); err != nil {
		return 0, err
	}
	n, err := b.r.Read(p)
	if i := bytes.LastIndexByte(p[:n], '\n'); i >= 0 {
		b.run = n - i - 1
	} else {
		b.run += n
	}
	if b.run > b.max {
		return 0, InputErrorf("%s: a line longer than %d bytes with no line end: not a CSV file (set %s to raise the limit)", b.name, b.max, MaxLineEnv)
	}
	return n, err
}

func hasBOM(br *bufio.Reader) bool {
	bom, _ := br.Peek(3)
	return bytes.Equal(bom, []byte{0xEF, 0xBB, 0xBF})
}

// csvReader reads CSV in enc (UTF8 or ShiftJIS) from br; a UTF-8 BOM means
// UTF-8, whatever enc says.
func csvReader(br *bufio.Reader, enc string) *csv.Reader {
	var src io.Reader = br
	if hasBOM(br) {
		_, _ = br.Discard(3)
	} else if enc == ShiftJIS {
		src = transform.NewReader(br, japanese.ShiftJIS.NewDecoder())
	}
	cr := csv.NewReader(src)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	return cr
}

func (r *Reader) wrapCSVError(err error) error {
	if errors.Is(err, ErrInput) {
		return err // it names the file and where already
	}
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return InputErrorf("%s:%d:%d: malformed CSV: %v", r.name, pe.Line, pe.Column, pe.Err)
	}
	return i18n.Errorf("%s: read: %w", r.name, err)
}

// Next advances to the next record. It returns false at the end of the file.
// Blank lines are skipped.
func (r *Reader) Next() (bool, error) {
	for {
		rec, err := r.csv.Read()
		if err == io.EOF {
			return false, nil
		}
		if err != nil {
			return false, r.wrapCSVError(err)
		}
		r.rec = rec
		r.line = r.csv.Line()
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		if len(rec) != len(r.names) {
			// A row cut short (an export cut at a comma) would read as
			// empty cells: a leaver's end_date gone, say. Never guess.
			return false, InputErrorf("%s:%d: expected %d fields as in the header, got %d (a row cut short, a comma too many, or a quote not closed)",
				r.name, r.line, len(r.names), len(rec))
		}
		if r.xlsx {
			r.idsAsShown(rec)
		}
		if r.utf8 {
			for i, f := range rec {
				if !utf8.ValidString(f) {
					return false, InputErrorf("%s:%d: column %d is not valid UTF-8; if the file is Shift_JIS (CP932), set encoding: shift_jis",
						r.name, r.line, i+1)
				}
			}
		}
		return true, nil
	}
}

// idColumns are the columns that hold ids (people's, accounts'): a
// workbook may store them as numbers.
var idColumns = []string{"employee_id", "owner", "manager", "account_id", "done_by", "reviewer", "approved_by"}

// idsAsShown reads an id a workbook stores as a number as Excel shows it:
// 000124 formatted with leading zeros is 000124, not the number 124 (which
// would match no account and make the person's accounts orphans).
func (r *Reader) idsAsShown(rec []string) {
	sheet, ok := r.csv.(*sheetRecords)
	if !ok {
		return
	}
	for i, name := range r.names {
		if i >= len(rec) || !slices.Contains(idColumns, name) || !allDigits(rec[i]) {
			continue
		}
		if shown := sheet.shown(i); shown != rec[i] && allDigits(shown) {
			rec[i] = shown
		}
	}
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// Get returns the trimmed value of a column of the current record, or "" when
// the column or the cell is absent.
func (r *Reader) Get(col string) string {
	i := slices.Index(r.names, col)
	if i < 0 || i >= len(r.rec) {
		return ""
	}
	v := strings.TrimSpace(r.rec[i])
	if r.values != nil {
		if c, ok := r.values[col][v]; ok {
			return c
		}
	}
	return v
}

// Line is the line number of the current record.
func (r *Reader) Line() int { return r.line }

// Errorf returns an error about a column of the current record:
// "FILE:LINE: column COL (N): MESSAGE". The error wraps ErrInput.
func (r *Reader) Errorf(col, format string, args ...any) error {
	return r.at(col, input.Errorf(format, args...))
}

// at places err in the current record's column col: the file, the line (and
// for a workbook the cell, E4), and the column as the header names it
// (入社日) beside the id it is read as.
func (r *Reader) at(col string, err error) error {
	n := slices.Index(r.names, col) + 1
	label := col
	if n > 0 && n <= len(r.titles) {
		if t := strings.Fields(r.titles[n-1]); len(t) > 0 && !strings.EqualFold(strings.Join(t, " "), col) && !strings.EqualFold(t[0], col) {
			label = strings.Join(t, " ") + " = " + col
		}
	}
	if r.xlsx && n > 0 {
		cell, _ := excelize.CoordinatesToCellName(n, r.line)
		return i18n.Errorf("%s:%d: column %s (%d), cell %s: %w", r.name, r.line, label, n, cell, err)
	}
	return i18n.Errorf("%s:%d: column %s (%d): %w", r.name, r.line, label, n, err)
}

// Wrap adds the current record's position to err, which keeps its identity
// for errors.Is and becomes an input error too (a problem of the record,
// reported with the file's others).
func (r *Reader) Wrap(col string, err error) error {
	return r.at(col, recordError{err})
}

// recordError is an error about a record's content: it is err and ErrInput.
type recordError struct{ err error }

func (e recordError) Error() string               { return e.err.Error() }
func (e recordError) Localize(lang string) string { return i18n.Text(e.err, lang) }
func (e recordError) Unwrap() []error             { return []error{e.err, ErrInput} }

// Required returns the value of a column, or an error if the cell is empty.
func (r *Reader) Required(col string) (string, error) {
	v := r.Get(col)
	if v == "" {
		return "", r.Errorf(col, "expected a value, the cell is empty")
	}
	return v, nil
}

// OneOf returns the value of a column, which must be one of allowed.
// An empty cell gives def when def is not "".
func (r *Reader) OneOf(col, def string, allowed ...string) (string, error) {
	v := strings.ToLower(r.Get(col))
	if v == "" && def != "" {
		return def, nil
	}
	for _, a := range allowed {
		if v == a {
			return v, nil
		}
	}
	return "", r.Errorf(col, "expected one of %s, got %q", strings.Join(allowed, ", "), r.Get(col))
}

// Date returns the column as a calendar day in Asia/Tokyo: see ParseDay for
// the forms it accepts. An empty cell is the zero Date.
func (r *Reader) Date(col string) (graph.Date, error) {
	v := r.Get(col)
	if v == "" {
		return 0, nil
	}
	if r.xlsx {
		if d, ok := serialDay(v); ok {
			return d, nil
		}
	}
	d, err := ParseDay(v)
	if err != nil {
		return 0, r.Errorf(col, "%v", err)
	}
	return d, nil
}

// InputErrorf formats an error about input content; it wraps ErrInput without
// adding its text.
func InputErrorf(format string, args ...any) error { return input.Errorf(format, args...) }

// HeaderName is the column id of a header cell: its first word,
// lower-cased, so that a header written as "decision\n判定" or "decision 判定"
// (the SPEC id with a Japanese title after it) is the column "decision".
//
// A Japanese header as HR systems and Excel users write it (社員番号, 氏名,
// 所属コード, 判定, ...) is the column it names; see headerAliases.
func HeaderName(cell string) string {
	f := strings.Fields(strings.TrimPrefix(cell, "\ufeff"))
	if len(f) == 0 {
		return ""
	}
	h := strings.ToLower(f[0])
	if id, ok := headerAliases[h]; ok {
		return id
	}
	return h
}

// headerAliases are Japanese column headers of HR exports, system exports
// and returned worksheets, and the column each one is.
var headerAliases = func() map[string]string {
	m := map[string]string{}
	for id, names := range map[string][]string{
		// people.csv
		"employee_id": {"社員番号", "従業員番号", "職員番号", "社員コード", "個人番号"},
		"name":        {"氏名", "名前", "社員名"},
		"family_name": {"姓", "氏"},
		"given_name":  {"名"},
		"company":     {"会社", "会社コード", "所属会社"},
		"unit":        {"所属", "所属コード", "部署", "部署コード", "組織", "組織コード"},
		"employment":  {"雇用区分", "雇用形態", "社員区分"},
		"start_date":  {"入社日", "入社年月日", "雇用開始日", "契約開始日", "着任日"},
		"end_date":    {"退職日", "退職年月日", "雇用終了日", "契約終了日", "最終出社日"},
		"mail":        {"メール", "メールアドレス", "電子メール"},
		"unit_since":  {"配属日", "所属開始日", "現所属開始日"},
		"manager":     {"上長", "上司", "上長社員番号", "上司社員番号"},
		// the roster of approved contractors
		"approved_on": {"承認日"},
		"valid_until": {"承認期限", "有効期間終了日"},
		// transfers.csv
		"event_id":       {"発令番号", "異動番号", "発令id"},
		"from_unit":      {"異動前所属", "旧所属", "異動元"},
		"to_unit":        {"異動後所属", "新所属", "異動先"},
		"effective_date": {"発令日", "異動日", "発令年月日"},
		"pledge_date":    {"誓約書提出日", "誓約日", "誓約書日付"},
		// accounts and grants of a system's export
		"system":          {"システム", "システムid"},
		"account_id":      {"アカウント", "アカウントid", "ユーザid", "ログインid"},
		"owner":           {"所有者", "利用者", "利用者社員番号"},
		"kind":            {"アカウント種別", "種別"},
		"status":          {"状態", "ステータス"},
		"entitlement":     {"権限", "ロール"},
		"origin":          {"付与経路"},
		"granted_at":      {"付与日"},
		"expires_at":      {"有効期限", "期限"},
		"mfa":             {"多要素認証", "二要素認証", "mfa設定"},
		"created_at":      {"作成日", "登録日", "アカウント作成日"},
		"password_set_at": {"パスワード変更日", "パスワード最終変更日"},
		"last_sign_in":    {"最終サインイン日", "最終ログイン日", "最終利用日"},
		// the matrix of rights that must not be held together
		"right_a":    {"権限a", "権限1"},
		"right_b":    {"権限b", "権限2"},
		"reason":     {"理由", "衝突理由"},
		"exceptions": {"例外", "許可する例外", "例外社員番号"},
		// returned worksheets and work orders
		"item_id":    {"項目id"},
		"decision":   {"判定"},
		"reviewer":   {"確認者"},
		"decided_at": {"確認日", "判定日"},
		"comment":    {"コメント", "備考"},
		"action_id":  {"措置id"},
		"done_by":    {"実施者"},
		"done_at":    {"実施日時"},
	} {
		for _, n := range names {
			m[n] = id
		}
	}
	return m
}()

// Has reports whether the header names the column.
func (r *Reader) Has(col string) bool { return slices.Contains(r.names, col) }

// Each opens a CSV file and calls fn for every record, stopping at the first
// error. It honours ctx every few thousand records. It reads as fn goes: for
// the large files of a load, ReadAhead parses ahead on a goroutine of its own.
func Each(ctx context.Context, name string, r io.Reader, encoding string, required []string, fn func(cr *Reader) error) error {
	cr, err := OpenContext(ctx, name, r, Format{Encoding: encoding}, required...)
	if err != nil {
		return err
	}
	var problems Problems
	for n := 1; ; n++ {
		ok, err := cr.Next()
		if err != nil {
			if problems.Add(err) {
				return problems.Err()
			}
			if perr := problems.Err(); perr != nil {
				return errors.Join(perr, err)
			}
			return err
		}
		if !ok {
			return problems.Err()
		}
		if n%4096 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		if err := fn(cr); err != nil && !problems.Add(err) {
			if perr := problems.Err(); perr != nil {
				return errors.Join(perr, err)
			}
			return err
		}
	}
}

// batchRecords is how many records ReadAhead hands over at a time.
const batchRecords = 1024
