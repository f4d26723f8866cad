// Package worksheet writes the review worksheets of certification campaigns
// and February resets (CSV and XLSX, one per reviewing unit) and reads the
// decisions reviewers return in them.
package worksheet

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/accessrecon/accessrecon/connectors"
	"github.com/accessrecon/accessrecon/connectors/csvfile"
	"github.com/accessrecon/accessrecon/i18n"
	"github.com/xuri/excelize/v2"
)

// Column is a worksheet column: its SPEC id and a Japanese title.
type Column struct {
	ID      string
	TitleJA string
	Width   float64
}

// DecisionColumns are the columns reviewers fill in (SPEC "Decisions").
var DecisionColumns = []Column{
	{"decision", "判定 (keep/revoke)", 16},
	{"reviewer", "確認者", 12},
	{"decided_at", "確認日", 12},
	{"comment", "コメント", 30},
}

// Decisions a reviewer may write.
const (
	Keep   = "keep"
	Revoke = "revoke"
)

// Sheet is one worksheet: fixed columns describing each item, then the
// decision columns, empty.
type Sheet struct {
	Name string // the reviewing unit, used as the sheet name
	// Title heads every printed page (the campaign and the unit, say).
	Title   string
	Columns []Column
	Rows    [][]string // values of Columns, one row per item; the first column is item_id
}

func (s *Sheet) all() []Column { return append(append([]Column{}, s.Columns...), DecisionColumns...) }

// CSV is the worksheet as CSV: a header of SPEC ids, a UTF-8 BOM for Excel.
func (s *Sheet) CSV() ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString("\ufeff")
	w := csvfile.NewExcelWriter(&buf)
	cols := s.all()
	header := make([]string, len(cols))
	for i, c := range cols {
		header[i] = c.ID
	}
	w.Write(header)
	for _, r := range s.Rows {
		row := append(append([]string{}, r...), make([]string, len(DecisionColumns))...)
		w.Write(row)
	}
	w.Flush()
	return buf.Bytes(), w.Error()
}

// XLSX is the worksheet as an Excel workbook: each header cell holds the SPEC
// id with the Japanese title under it, the header row is frozen and
// filterable, and the decision column has a keep/revoke drop-down. The rows
// are streamed (excelize's StreamWriter): a campaign of a million rights
// writes in seconds, not minutes.
func (s *Sheet) XLSX() ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	name := sheetName(s.Name)
	if err := f.SetSheetName("Sheet1", name); err != nil {
		return nil, i18n.Errorf("worksheet: %w", err)
	}
	cols := s.all()
	styles, err := newStyles(f)
	if err != nil {
		return nil, i18n.Errorf("worksheet: %w", err)
	}
	// What precedes the rows in the sheet's XML is set before streaming.
	if err := pageSetup(f, name, cols, s.Title); err != nil {
		return nil, i18n.Errorf("worksheet: %w", err)
	}
	sw, err := f.NewStreamWriter(name)
	if err != nil {
		return nil, i18n.Errorf("worksheet: %w", err)
	}
	for i := len(cols) - 1; i >= 0; i-- { // each one goes before the last: <col>s in order
		if err := sw.SetColWidth(i+1, i+1, widthOf(cols[i])); err != nil {
			return nil, i18n.Errorf("worksheet: %w", err)
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return nil, i18n.Errorf("worksheet: %w", err)
	}
	row := make([]any, len(cols))
	for i, c := range cols {
		row[i] = excelize.Cell{StyleID: styles.header, Value: c.ID + "\n" + c.TitleJA}
	}
	// Two lines of header (the id, the Japanese title under it): the row is
	// as high as two lines, or the second is drawn over the first item.
	if err := sw.SetRow("A1", row, excelize.RowOpts{Height: 30}); err != nil {
		return nil, i18n.Errorf("worksheet: %w", err)
	}
	// Text cells, so that a date a reviewer types stays YYYY-MM-DD and is
	// not turned into Excel's serial number or a local date format; the
	// decision cells are the only unlocked ones.
	for i := range s.Rows {
		r := s.Rows[i]
		for j := range cols {
			c := excelize.Cell{StyleID: styles.text}
			if j < len(r) {
				c.Value = r[j]
			}
			if j >= len(s.Columns) {
				c.StyleID = styles.open
			}
			row[j] = c
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		var opts []excelize.RowOpts
		if n := linesOf(r, cols); n > 1 {
			// As high as its longest cell wraps to: neither Excel nor
			// Calc makes a streamed row taller by itself.
			opts = append(opts, excelize.RowOpts{Height: 15 * float64(n)})
		}
		if err := sw.SetRow(cell, row, opts...); err != nil {
			return nil, i18n.Errorf("worksheet: %w", err)
		}
	}
	last, _ := excelize.ColumnNumberToName(len(cols))
	if len(s.Rows) > 0 {
		if err := f.AutoFilter(name, fmt.Sprintf("A1:%s%d", last, len(s.Rows)+1), nil); err != nil {
			return nil, i18n.Errorf("worksheet: %w", err)
		}
		decision, _ := excelize.ColumnNumberToName(len(s.Columns) + 1)
		dv := excelize.NewDataValidation(true)
		dv.SetSqref(fmt.Sprintf("%s2:%s%d", decision, decision, len(s.Rows)+1))
		if err := dv.SetDropList([]string{"維持", "取消", Keep, Revoke}); err != nil {
			return nil, i18n.Errorf("worksheet: %w", err)
		}
		dv.SetError(excelize.DataValidationErrorStyleStop, "維持 / 取消", "維持（keep）または取消（revoke）を選んでください")
		if err := f.AddDataValidation(name, dv); err != nil {
			return nil, i18n.Errorf("worksheet: %w", err)
		}
		// Only the decision columns can be changed: the sheet is protected
		// (no password: it guards against slips, not against people).
		if err := f.ProtectSheet(name, &excelize.SheetProtectionOptions{
			AutoFilter: true, Sort: true, FormatColumns: true, FormatRows: true, SelectLockedCells: true, SelectUnlockedCells: true,
		}); err != nil {
			return nil, i18n.Errorf("worksheet: %w", err)
		}
	}
	if err := sw.Flush(); err != nil {
		return nil, i18n.Errorf("worksheet: %w", err)
	}
	if err := instructionsSheet(f, name); err != nil {
		return nil, i18n.Errorf("worksheet: %w", err)
	}
	buf, err := f.WriteToBuffer()
	if err != nil {
		return nil, i18n.Errorf("worksheet: %w", err)
	}
	return buf.Bytes(), nil
}

// styles are the cell styles of a worksheet.
type styles struct{ header, text, open int }

func newStyles(f *excelize.File) (st styles, err error) {
	if st.header, err = f.NewStyle(&excelize.Style{
		Font:       &excelize.Font{Bold: true},
		Alignment:  &excelize.Alignment{WrapText: true, Vertical: "top"},
		Fill:       excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}},
		Protection: &excelize.Protection{Locked: true},
	}); err != nil {
		return st, err
	}
	// Long cells (system names, the rules of a flag) wrap: printed whole,
	// not cut at the next column.
	if st.text, err = f.NewStyle(&excelize.Style{NumFmt: 49, Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}}); err != nil {
		return st, err
	}
	st.open, err = f.NewStyle(&excelize.Style{NumFmt: 49, Protection: &excelize.Protection{Locked: false}})
	return st, err
}

// guide is the name of the instructions sheet, which holds no decisions.
const guide = "説明 Instructions"

// instructions are the first sheet of every workbook, in both languages.
var instructions = []string{
	"権限確認表の記入方法 / How to fill in this worksheet",
	"",
	"1. 各行は、あなたの部署が所管するシステムの権限1件です。Each row is one right on a system your unit owns.",
	"2. 「判定」列で 維持（keep）または 取消（revoke）を選んでください。Choose 維持 (keep) or 取消 (revoke) in the decision column.",
	"3. 「確認者」に社員番号、「確認日」に日付（例 2026/12/4）を記入してください。Write your employee id and the date.",
	"4. 判定のない行は、締切時に取消されます（既定の拒否）。Rows without a decision are revoked when the campaign closes (default deny).",
	"5. 判定・確認者・確認日・コメント以外の列は変更できません。Only the decision, reviewer, date and comment columns can be changed.",
	"6. 記入後、このファイルを返送してください（xlsx のまま、または CSV）。Return this file when done (as xlsx, or saved as CSV).",
}

// printableWidth is how many column-width units an A4 landscape page holds
// between its margins at 100% (Calibri 11, LibreOffice and Excel alike).
const printableWidth = 135

// minScale is the smallest print scale: 11 pt text at 75% is 8.25 pt.
const minScale = 75

// pageSetup sets the worksheet up for print, legibly: A4 landscape, as
// many pages wide as keep the text at 8 pt at least (never fitted onto one
// page at any size), the header row and the item id column on every page,
// the title and page number above, and a sign-off line (確認者・確認日・印)
// below every page.
func pageSetup(f *excelize.File, name string, cols []Column, title string) error {
	total := 0.0
	for _, c := range cols {
		total += widthOf(c)
	}
	wide := int(math.Ceil(total * minScale / (printableWidth * 100)))
	size, orientation, tall := 9, "landscape", 0 // 9: A4
	if err := f.SetPageLayout(name, &excelize.PageLayoutOptions{Size: &size, Orientation: &orientation, FitToWidth: &wide, FitToHeight: &tall}); err != nil {
		return err
	}
	fit := true
	if err := f.SetSheetProps(name, &excelize.SheetPropsOptions{FitToPage: &fit}); err != nil {
		return err
	}
	margin, edge := 0.5, 0.3
	if err := f.SetPageMargins(name, &excelize.PageLayoutMarginsOptions{Left: &margin, Right: &margin, Top: &margin, Bottom: &margin, Header: &edge, Footer: &edge}); err != nil {
		return err
	}
	if err := f.SetHeaderFooter(name, &excelize.HeaderFooterOptions{
		OddHeader: "&L" + headerFooterText(title) + "&R&P / &N",
		OddFooter: "&L確認者（氏名・社員番号）：　　　　　　　　　　　確認日：　　　年　　月　　日　　　　　印：",
	}); err != nil {
		return err
	}
	return f.SetDefinedName(&excelize.DefinedName{Name: "_xlnm.Print_Titles", RefersTo: fmt.Sprintf("'%s'!$A:$A,'%s'!$1:$1", name, name), Scope: name})
}

// linesOf is how many lines the row's longest cell wraps to in its column
// (a CJK character as wide as two digits).
func linesOf(r []string, cols []Column) int {
	most := 1
	for j, v := range r {
		if j >= len(cols) || float64(len(v)) <= widthOf(cols[j])-1 && !strings.Contains(v, "\n") {
			continue // no wider than its bytes (a CJK character: 3 bytes, 2 units)
		}
		n := 0
		for _, line := range strings.Split(v, "\n") {
			w := 0.0
			for _, c := range line {
				if c < 0x1100 {
					w++
				} else {
					w += 2
				}
			}
			n += max(1, int(math.Ceil(w/(widthOf(cols[j])-1))))
		}
		most = max(most, n)
	}
	return most
}

func widthOf(c Column) float64 {
	if c.Width == 0 {
		return 14
	}
	return c.Width
}

// headerFooterText is s with the ampersands a header's codes start with
// doubled, so that a name cannot add a code.
func headerFooterText(s string) string { return strings.ReplaceAll(s, "&", "&&") }

// instructionsSheet adds the instructions after the worksheet: the
// workbook opens on the worksheet, with the instructions' tab beside it,
// and a "Save as CSV" of the first sheet (LibreOffice's) saves the
// decisions, not the instructions.
func instructionsSheet(f *excelize.File, name string) error {
	if _, err := f.NewSheet(guide); err != nil {
		return err
	}
	wrap, err := f.NewStyle(&excelize.Style{Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}})
	if err != nil {
		return err
	}
	for i, line := range instructions {
		cell := fmt.Sprintf("A%d", i+1)
		if err := f.SetCellStr(guide, cell, line); err != nil {
			return err
		}
		if err := f.SetCellStyle(guide, cell, cell, wrap); err != nil {
			return err
		}
	}
	// One page wide, the lines wrapped: printed whole, not cut at the edge.
	if err := f.SetColWidth(guide, "A", "A", 125); err != nil {
		return err
	}
	size, orientation, one, tall := 9, "landscape", 1, 0
	if err := f.SetPageLayout(guide, &excelize.PageLayoutOptions{Size: &size, Orientation: &orientation, FitToWidth: &one, FitToHeight: &tall}); err != nil {
		return err
	}
	fit := true
	if err := f.SetSheetProps(guide, &excelize.SheetPropsOptions{FitToPage: &fit}); err != nil {
		return err
	}
	if i, err := f.GetSheetIndex(name); err == nil {
		f.SetActiveSheet(i)
	}
	return nil
}

// sheetName makes a valid Excel sheet name (at most 31 characters, none of
// []:*?/\).
func sheetName(s string) string {
	s = strings.Map(func(r rune) rune {
		if strings.ContainsRune(`[]:*?/\`, r) {
			return '_'
		}
		return r
	}, s)
	if r := []rune(s); len(r) > 31 {
		s = string(r[:31])
	}
	if s == "" {
		s = "review"
	}
	return s
}

// Decision is one reviewed row.
type Decision struct {
	ItemID    string `json:"item_id"`
	Decision  string `json:"decision"` // keep or revoke
	Reviewer  string `json:"reviewer"`
	DecidedAt string `json:"decided_at"`
	Comment   string `json:"comment"`
	// Where it was read: "file.csv:12".
	Pos string `json:"source"`
}

// ReadDecisions reads the decided rows of a returned worksheet, CSV or XLSX
// (by its extension). Rows without a decision are left out; a decision other
// than keep or revoke is an error naming the file and row.
func ReadDecisions(path string) ([]Decision, error) {
	if strings.EqualFold(filepath.Ext(path), ".xlsx") {
		return readXLSX(path)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, i18n.Errorf("%s: %w", path, connectors.UnwrapPath(err))
	}
	defer f.Close()
	return readCSV(path, f)
}

func readCSV(name string, r io.Reader) ([]Decision, error) {
	cr, err := csvfile.Open(name, r, csvfile.Auto, "item_id", "decision")
	if err != nil {
		if strings.Contains(err.Error(), "(found "+instructions[0]) {
			return nil, csvfile.InputErrorf("%s: this CSV holds the instructions sheet, not the decisions: save the worksheet's own sheet as CSV, or return the xlsx", name)
		}
		return nil, err
	}
	var out []Decision
	for {
		ok, err := cr.Next()
		if err != nil {
			return nil, err
		}
		if !ok {
			return out, nil
		}
		d, err := decision(func(col string) string { return csvfile.Restore(cr.Get(col)) }, func(col, format string, args ...any) error {
			return cr.Errorf(col, format, args...)
		}, fmt.Sprintf("%s:%d", name, cr.Line()))
		if err != nil {
			return nil, err
		}
		if d != nil {
			out = append(out, *d)
		}
	}
}

// Limits of what a returned workbook may hold, and the environment
// variables that change them: reading stops at the first one hit, saying so.
const (
	MaxUnzippedEnv = csvfile.MaxUnzippedEnv
	MaxRowsEnv     = "ACCESSRECON_MAX_WORKSHEET_ROWS"
)

func limit(env string, def int64) int64 {
	if n, err := strconv.ParseInt(os.Getenv(env), 10, 64); err == nil && n > 0 {
		return n
	}
	return def
}

func readXLSX(path string) ([]Decision, error) {
	maxMB := csvfile.MaxUnzippedMB()
	maxRows := int(limit(MaxRowsEnv, 1<<20)) // Excel's own limit
	// Worksheets over 16 MiB of XML are streamed through a temporary file,
	// not held in memory; a workbook that unpacks to more than maxMB is
	// refused before it is read.
	f, err := excelize.OpenFile(path, excelize.Options{UnzipSizeLimit: maxMB << 20, UnzipXMLSizeLimit: min(16, maxMB) << 20})
	if err != nil {
		if strings.Contains(err.Error(), "unzip size") {
			return nil, csvfile.InputErrorf("%s: unpacks to more than %d MiB, the most a returned workbook may hold (set %s to raise it)", path, maxMB, MaxUnzippedEnv)
		}
		return nil, i18n.Errorf("%s: not a readable XLSX workbook: %w", path, err)
	}
	defer f.Close()
	var out []Decision
	for _, sheet := range f.GetSheetList() {
		if sheet == guide {
			continue
		}
		rows, err := f.Rows(sheet)
		if err != nil {
			return nil, i18n.Errorf("%s: sheet %s: %w", path, sheet, err)
		}
		ds, err := readSheet(path, sheet, rows, maxRows)
		rows.Close()
		if err != nil {
			return nil, err
		}
		out = append(out, ds...)
	}
	return out, nil
}

// serialDay turns an Excel date serial number (days since 1899-12-30, with
// the time of day as a fraction) into YYYY-MM-DD; anything else is left as
// it is.
func serialDay(v string) string {
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f < 1 || f > 2958465 { // 9999-12-31
		return v
	}
	t, err := excelize.ExcelDateToTime(f, false)
	if err != nil {
		return v
	}
	return t.Format(time.DateOnly)
}

// readSheet reads the decisions of one sheet, a row at a time.
func readSheet(path, sheet string, rows *excelize.Rows, maxRows int) ([]Decision, error) {
	var out []Decision
	cols := map[string]int{}
	for line := 1; rows.Next(); line++ {
		if line > maxRows {
			return nil, csvfile.InputErrorf("%s: sheet %s has more than %d rows, the most a returned worksheet may hold (set %s to raise it)", path, sheet, maxRows, MaxRowsEnv)
		}
		// Raw values: a date typed into a cell is its serial number, which
		// readDay reads whatever the cell's display format (Excel's default
		// one for dates is m/d/yy in some locales).
		row, err := rows.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			return nil, i18n.Errorf("%s: sheet %s row %d: %w", path, sheet, line, err)
		}
		if line == 1 {
			if len(row) == 0 {
				return nil, nil
			}
			for i, h := range row {
				cols[csvfile.HeaderName(h)] = i
			}
			for _, need := range []string{"item_id", "decision"} {
				if _, ok := cols[need]; !ok {
					return nil, csvfile.InputErrorf("%s: sheet %s row 1: missing column %q", path, sheet, need)
				}
			}
			continue
		}
		get := func(col string) string {
			j, ok := cols[col]
			if !ok || j >= len(row) {
				return ""
			}
			v := strings.TrimSpace(row[j])
			if col == "decided_at" {
				v = serialDay(v)
			}
			return v
		}
		errorf := func(col, format string, args ...any) error {
			cell, _ := excelize.CoordinatesToCellName(cols[col]+1, line)
			return csvfile.InputErrorf("%s: sheet %s cell %s: column %s: %s", path, sheet, cell, col, fmt.Sprintf(format, args...))
		}
		d, err := decision(get, errorf, fmt.Sprintf("%s:%s!%d", path, sheet, line))
		if err != nil {
			return nil, err
		}
		if d != nil {
			out = append(out, *d)
		}
	}
	return out, rows.Error()
}

// decisions are the words reviewers write, and what each decides.
var decisions = map[string]string{
	Keep: Keep, "維持": Keep, "継続": Keep, "要": Keep, "○": Keep, "〇": Keep, "ok": Keep,
	Revoke: Revoke, "取消": Revoke, "取消し": Revoke, "取り消し": Revoke, "削除": Revoke, "不要": Revoke, "×": Revoke, "✕": Revoke,
}

func decision(get func(string) string, errorf func(col, format string, args ...any) error, pos string) (*Decision, error) {
	d := Decision{
		ItemID: get("item_id"), Decision: decisions[strings.ToLower(get("decision"))],
		Reviewer: get("reviewer"), DecidedAt: get("decided_at"), Comment: get("comment"), Pos: pos,
	}
	switch {
	case d.ItemID == "" && d.Decision == "":
		return nil, nil
	case d.ItemID == "":
		return nil, errorf("item_id", "expected an item id SYSTEM/ACCOUNT/ENTITLEMENT, the cell is empty")
	case get("decision") == "":
		return nil, nil // not reviewed
	case d.Decision == "":
		return nil, errorf("decision", "expected keep (維持, 継続) or revoke (取消, 削除), got %q", get("decision"))
	}
	if d.DecidedAt != "" {
		if _, err := csvfile.ParseDay(d.DecidedAt); err != nil {
			return nil, errorf("decided_at", "%v", err)
		}
	}
	return &d, nil
}

// Merge combines the decisions of several files. The same item decided twice
// the same way is fine; decided both ways is an error naming both places.
func Merge(lists ...[]Decision) (map[string]Decision, error) {
	out := map[string]Decision{}
	for _, l := range lists {
		for _, d := range l {
			if prev, ok := out[d.ItemID]; ok && prev.Decision != d.Decision {
				return nil, csvfile.InputErrorf("%s: item %s is decided %q here and %q at %s", d.Pos, d.ItemID, d.Decision, prev.Decision, prev.Pos)
			}
			out[d.ItemID] = d
		}
	}
	return out, nil
}
