package worksheet

import (
	"fmt"
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
