package worksheet

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

// bomb writes a small workbook with many rows of repetitive text: a few
// hundred KiB on disk, several MiB unpacked.
func bomb(t *testing.T, rows int) string {
	t.Helper()
	f := excelize.NewFile()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		t.Fatal(err)
	}
	sw.SetRow("A1", []any{"item_id", "decision", "comment"})
	pad := strings.Repeat("x", 200)
	for i := 2; i <= rows; i++ {
		cell, _ := excelize.CoordinatesToCellName(1, i)
		sw.SetRow(cell, []any{fmt.Sprintf("takuso/u%d/viewer", i), "", pad})
	}
	sw.Flush()
	path := filepath.Join(t.TempDir(), "returned.xlsx")
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestReturnedWorkbooksAreBounded: a workbook that unpacks past the limit,
// or holds more rows than the limit, is refused with the limit and how to
// raise it; under the limits it reads as before.
func TestReturnedWorkbooksAreBounded(t *testing.T) {
	path := bomb(t, 20_000)
	if ds, err := ReadDecisions(path); err != nil || len(ds) != 0 {
		t.Fatalf("within the limits: %d decisions, %v", len(ds), err)
	}
	t.Setenv(MaxUnzippedEnv, "1")
	if _, err := ReadDecisions(path); err == nil || !strings.Contains(err.Error(), "more than 1 MiB") || !strings.Contains(err.Error(), MaxUnzippedEnv) {
		t.Errorf("over the unpacked size: %v", err)
	}
	t.Setenv(MaxUnzippedEnv, "")
	t.Setenv(MaxRowsEnv, "1000")
	if _, err := ReadDecisions(path); err == nil || !strings.Contains(err.Error(), "more than 1000 rows") || !strings.Contains(err.Error(), MaxRowsEnv) {
		t.Errorf("over the rows: %v", err)
	}
}

// TestDatesTypedIntoCellsAndJapaneseDecisions: a decided_at typed into a
// cell as a date (stored as Excel's serial number, shown in any format) and
// 取消/維持 in the decision column are read as the reviewer meant them.
func TestDatesTypedIntoCellsAndJapaneseDecisions(t *testing.T) {
	f := excelize.NewFile()
	f.SetSheetRow("Sheet1", "A1", &[]any{"item_id\n項目ID", "判定", "reviewer", "decided_at"})
	f.SetSheetRow("Sheet1", "A2", &[]any{"takuso/u1/viewer", "取消", "E1", time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC)})
	f.SetSheetRow("Sheet1", "A3", &[]any{"takuso/u2/viewer", "維持", "E1", "2026/12/4"})
	style, _ := f.NewStyle(&excelize.Style{NumFmt: 14})
	f.SetCellStyle("Sheet1", "D2", "D2", style)
	path := filepath.Join(t.TempDir(), "returned.xlsx")
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
	ds, err := ReadDecisions(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 2 || ds[0].Decision != Revoke || ds[0].DecidedAt != "2026-12-04" || ds[1].Decision != Keep || ds[1].DecidedAt != "2026/12/4" {
		t.Errorf("%+v", ds)
	}
}

// TestWorksheetsPrintAndGuardThemselves: a workbook opens on its worksheet
// with the instructions after it, prints A4 landscape one page wide with
// the header on every page, and lets only the decision columns change.
func TestWorksheetsPrintAndGuardThemselves(t *testing.T) {
	s := &Sheet{Name: "NW-CUSTOMER", Columns: ItemColumns, Rows: [][]string{{"takuso/u1/viewer", "takuso", "託送", "u1", "viewer", "E1", "佐藤", "NW-CUSTOMER", "お客さまセンター", "NW", "role", "2024-04-01"}}}
	data, err := s.XLSX()
	if err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.GetSheetList(); len(got) != 2 || got[0] != "NW-CUSTOMER" || got[1] != guide || f.GetActiveSheetIndex() != 0 {
		t.Errorf("sheets %v", got)
	}
	layout, err := f.GetPageLayout("NW-CUSTOMER")
	if err != nil || *layout.Size != 9 || *layout.Orientation != "landscape" || *layout.FitToWidth != 2 {
		t.Errorf("page layout %+v %v", layout, err)
	}
	titles := false
	for _, d := range f.GetDefinedName() {
		titles = titles || d.Name == "_xlnm.Print_Titles" && d.RefersTo == "'NW-CUSTOMER'!$A:$A,'NW-CUSTOMER'!$1:$1"
	}
	if !titles {
		t.Errorf("no print titles: %+v", f.GetDefinedName())
	}
	locked := func(cell string) bool {
		id, _ := f.GetCellStyle("NW-CUSTOMER", cell)
		st, _ := f.GetStyle(id)
		return st.Protection == nil || st.Protection.Locked
	}
	if !locked("A2") || !locked("L2") || locked("M2") || locked("P2") {
		t.Errorf("item cells must be locked and decision cells not: A2 %v, L2 %v, M2 %v, P2 %v", locked("A2"), locked("L2"), locked("M2"), locked("P2"))
	}
	// The sheet's own XML: protected, filterable, the header frozen, a
	// keep/revoke drop-down on the decision column, fit to the page.
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var sheetXML string
	for _, zf := range zr.File {
		if strings.HasPrefix(zf.Name, "xl/worksheets/") {
			rc, _ := zf.Open()
			b, _ := io.ReadAll(rc)
			rc.Close()
			if strings.Contains(string(b), "takuso/u1/viewer") {
				sheetXML = string(b)
			}
		}
	}
	for _, want := range []string{`<sheetProtection sheet="true"`, `<autoFilter ref="$A$1:$P$2"`, `state="frozen"`, `ySplit="1"`,
		`type="list"`, `sqref="M2:M2"`, `<formula1>"維持,取消,keep,revoke"</formula1>`, `<pageSetUpPr fitToPage="true"`,
		`<cols><col min="1" max="1" width="28"`} {
		if !strings.Contains(sheetXML, want) {
			t.Errorf("the worksheet's XML lacks %s", want)
		}
	}
	// What a reviewer returns still reads: the instructions sheet is not a worksheet of decisions.
	f.SetCellStr("NW-CUSTOMER", "M2", "取消")
	path := filepath.Join(t.TempDir(), "back.xlsx")
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
	if ds, err := ReadDecisions(path); err != nil || len(ds) != 1 || ds[0].Decision != Revoke {
		t.Errorf("returned: %+v %v", ds, err)
	}
}
