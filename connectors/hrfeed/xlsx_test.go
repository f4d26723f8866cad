package hrfeed

import (
	"context"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/accessrecon/accessrecon/i18n"
	"github.com/xuri/excelize/v2"
)

// workbook is an HR export as Excel holds it: Japanese headers in row 1,
// date cells typed as dates (serial day numbers with a date format), an era
// date typed as text, an employee number stored as a number, a blank row,
// and a second sheet that is not read.
func workbook(t *testing.T, rows ...[]any) []byte {
	t.Helper()
	f := excelize.NewFile()
	sheet := f.GetSheetName(0)
	f.SetSheetName(sheet, "社員一覧")
	f.SetSheetRow("社員一覧", "A1", &[]any{"社員番号", "氏名", "所属コード", "雇用区分", "入社日", "退職日"})
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		f.SetSheetRow("社員一覧", cell, &r)
	}
	style, _ := f.NewStyle(&excelize.Style{NumFmt: 14}) // Excel's default date format
	f.SetCellStyle("社員一覧", "E2", "F9", style)
	f.NewSheet("集計")
	f.SetSheetRow("集計", "A1", &[]any{"not", "people"})
	buf, err := f.WriteToBuffer()
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestPeopleFromAnXLSXExport(t *testing.T) {
	day := func(s string) time.Time { d, _ := time.Parse(time.DateOnly, s); return d }
	data := workbook(t,
		[]any{1001, "佐藤 花子", "NW-OPS", "正社員", day("2019-04-01"), nil},
		[]any{},
		[]any{"E1002", "鈴木 一郎", "HD-RETAIL", "業務委託", "R6.4.1", day("2026-03-31")},
	)
	g, err := pull(t, fstest.MapFS{"people.csv": {Data: data}}, "")
	if err != nil {
		t.Fatal(err)
	}
	s := g.Snapshot()
	a, b := s.Person("1001"), s.Person("E1002")
	if a == nil || a.Name != "佐藤 花子" || a.Company != "NW" || a.Employment != "employee" || a.StartDate.String() != "2019-04-01" || !a.EndDate.IsZero() {
		t.Errorf("1001: %+v", a)
	}
	if b == nil || b.Employment != "contractor" || b.StartDate.String() != "2024-04-01" || b.EndDate.String() != "2026-03-31" {
		t.Errorf("E1002: %+v", b)
	}
	if n := len(s.People()); n != 2 {
		t.Errorf("%d people, want 2", n)
	}
}

// TestBadXLSXInputs: a bad cell names its row, its cell (E2) and its column
// as the header names it (入社日) beside the id it is read as;
// a missing sheet lists the sheets there are; a workbook over the size limit
// is refused before it is read.
func TestBadXLSXInputs(t *testing.T) {
	data := workbook(t, []any{"E1", "x", "NW-OPS", "正社員", "2019-13-01", nil})
	_, err := pull(t, fstest.MapFS{"people.csv": {Data: data}}, "")
	if err == nil || !strings.Contains(err.Error(), "people.csv:2: column 入社日 = start_date (5), cell E2: ") {
		t.Errorf("bad date: %v", err)
	}
	g := org(t)
	feed := &Feed{Files: fstest.MapFS{"people.xlsx": {Data: data}}, People: "people.xlsx", Sheet: "社員"}
	if _, err := feed.Pull(context.Background(), g.Writer()); err == nil || !strings.Contains(err.Error(), `no sheet "社員"`) || !strings.Contains(err.Error(), "社員一覧, 集計") {
		t.Errorf("missing sheet: %v", err)
	}
	t.Setenv("ACCESSRECON_MAX_XLSX_MB", "1")
	big := make([]byte, 2<<20)
	copy(big, "PK\x03\x04")
	_, err = pull(t, fstest.MapFS{"people.csv": {Data: big}}, "")
	if err == nil || !strings.Contains(err.Error(), "larger than 1 MiB") {
		t.Errorf("over the limit: %v", err)
	}
}

// TestAFormulaWithNoSavedValueIsRefused: an end date written as a formula by
// a program that saved no value (excelize, a report generator) would read as
// empty and keep a leaver's accounts enabled: it is refused naming the cell
// and the column. A formula Excel saved a value of is read as that value.
func TestAFormulaWithNoSavedValueIsRefused(t *testing.T) {
	day := func(s string) time.Time { d, _ := time.Parse(time.DateOnly, s); return d }
	f := excelize.NewFile()
	sheet := f.GetSheetName(0)
	f.SetSheetRow(sheet, "A1", &[]any{"社員番号", "氏名", "所属コード", "雇用区分", "入社日", "退職日"})
	f.SetSheetRow(sheet, "A2", &[]any{"E1", "佐藤 花子", "NW-OPS", "正社員", day("2019-04-01"), day("2026-03-31")})
	f.SetSheetRow(sheet, "A3", &[]any{"E2", "鈴木 一郎", "NW-OPS", "正社員", day("2019-04-01")})
	f.SetCellFormula(sheet, "F3", "F2+30")
	buf, err := f.WriteToBuffer()
	if err != nil {
		t.Fatal(err)
	}
	_, err = pull(t, fstest.MapFS{"people.csv": {Data: buf.Bytes()}}, "")
	if err == nil || !strings.Contains(err.Error(), "cell F3 (column 退職日): a formula (=F2+30) with no saved value") {
		t.Fatalf("a formula with no value: %v", err)
	}
	// The same, with the value Excel would have saved.
	f.SetCellValue(sheet, "F3", day("2026-04-30"))
	f.SetCellFormula(sheet, "F3", "F2+30")
	buf, _ = f.WriteToBuffer()
	g, err := pull(t, fstest.MapFS{"people.csv": {Data: buf.Bytes()}}, "")
	if err != nil {
		t.Fatalf("a formula with its value: %v", err)
	}
	if p := g.Snapshot().Person("E2"); p == nil || p.EndDate.String() != "2026-04-30" {
		t.Errorf("E2 %+v", p)
	}
}

// TestAnIDStoredAsANumberIsReadAsShown: an employee number 000124 that Excel
// stores as the number 124 shown with leading zeros is read as 000124, the
// id the accounts use (read as 124, every account of the person would be an
// orphan); one shown without zeros is read as shown.
func TestAnIDStoredAsANumberIsReadAsShown(t *testing.T) {
	f := excelize.NewFile()
	sheet := f.GetSheetName(0)
	f.SetSheetRow(sheet, "A1", &[]any{"社員番号", "氏名", "所属コード", "雇用区分", "入社日", "退職日"})
	f.SetSheetRow(sheet, "A2", &[]any{124, "佐藤 花子", "NW-OPS", "正社員", "2019-04-01", ""})
	f.SetSheetRow(sheet, "A3", &[]any{2001, "鈴木 一郎", "NW-OPS", "正社員", "2019-04-01", ""})
	zeros := "000000"
	style, _ := f.NewStyle(&excelize.Style{CustomNumFmt: &zeros})
	f.SetCellStyle(sheet, "A2", "A2", style)
	buf, err := f.WriteToBuffer()
	if err != nil {
		t.Fatal(err)
	}
	g, err := pull(t, fstest.MapFS{"people.csv": {Data: buf.Bytes()}}, "")
	if err != nil {
		t.Fatal(err)
	}
	s := g.Snapshot()
	if s.Person("000124") == nil || s.Person("124") != nil || s.Person("2001") == nil {
		t.Errorf("people %v", s.People())
	}
}

// TestSmartHRHeadersAndACoverSheet: SmartHR's 入社年月日 and 退職年月日 are
// start_date and end_date; a workbook whose first sheet is a cover is
// refused naming the sheet read, the workbook's sheets, hr.sheet and
// hr.columns.
func TestSmartHRHeadersAndACoverSheet(t *testing.T) {
	f := excelize.NewFile()
	cover := f.GetSheetName(0)
	f.SetSheetName(cover, "表紙")
	f.SetSheetRow("表紙", "A1", &[]any{"従業員一覧 2026年12月"})
	f.NewSheet("従業員")
	f.SetSheetRow("従業員", "A1", &[]any{"社員番号", "氏名", "所属コード", "雇用区分", "入社年月日", "退職年月日"})
	f.SetSheetRow("従業員", "A2", &[]any{"E1", "佐藤 花子", "NW-OPS", "正社員", "2019-04-01", "2026-03-31"})
	buf, err := f.WriteToBuffer()
	if err != nil {
		t.Fatal(err)
	}
	_, err = pull(t, fstest.MapFS{"people.csv": {Data: buf.Bytes()}}, "")
	for _, want := range []string{"in sheet 表紙 of 表紙, 従業員; another sheet is read with hr.sheet", "hr.columns"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("a cover sheet first: %v, want %q", err, want)
		}
	}
	g := org(t)
	w := g.Writer()
	if _, err := (&Feed{Files: fstest.MapFS{"people.csv": {Data: buf.Bytes()}}, People: "people.csv", Sheet: "従業員"}).Pull(context.Background(), w); err != nil {
		t.Fatal(err)
	}
	w.Commit()
	if p := g.Snapshot().Person("E1"); p == nil || p.StartDate.String() != "2019-04-01" || p.EndDate.String() != "2026-03-31" {
		t.Errorf("E1 %+v", p)
	}
}

// TestARowErrorNamesTheColumnAsTheFileDoes: an HR export with Japanese
// headers is told about 入社日, not only about start_date, in Japanese.
func TestARowErrorNamesTheColumnAsTheFileDoes(t *testing.T) {
	csv := "社員番号,氏名,所属コード,雇用区分,入社日,退職日\nE1,佐藤 花子,NW-OPS,正社員,2019-13-01,\n"
	_, err := pull(t, fstest.MapFS{"people.csv": {Data: []byte(csv)}}, "")
	if err == nil || !strings.Contains(i18n.Text(err, i18n.JA), "people.csv:2: 入社日 = start_date 列（5 列目）") {
		t.Errorf("a bad date under a Japanese header: %v", err)
	}
}
