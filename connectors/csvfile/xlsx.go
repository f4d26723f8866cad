package csvfile

import (
	"archive/zip"
	"bytes"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/accessrecon/accessrecon/graph"
	"github.com/accessrecon/accessrecon/i18n"
	"github.com/xuri/excelize/v2"
)

// MaxUnzippedEnv names the environment variable that sets how many MiB a
// workbook read as input may unpack to (512 unless set): a zip bomb is
// refused before it is read.
const MaxUnzippedEnv = "ACCESSRECON_MAX_XLSX_MB"

// MaxUnzippedMB is the limit MaxUnzippedEnv sets.
func MaxUnzippedMB() int64 {
	if n, err := strconv.ParseInt(os.Getenv(MaxUnzippedEnv), 10, 64); err == nil && n > 0 {
		return n
	}
	return 512
}

// sheetRecords are the rows of one sheet of a workbook, as CSV records: the
// raw value of each cell (a date is Excel's serial day number, read by
// Reader.Date), short rows filled with empty cells to the header's width.
type sheetRecords struct {
	rows   *excelize.Rows
	file   *excelize.File
	name   string // the file's, for errors
	sheet  string
	header []string
	line   int
	width  int
	// formulas: the workbook has formula cells, so an empty cell is
	// checked for a formula Excel saved no value of.
	formulas bool
}

// openSheet opens a workbook read whole from r (it is a zip archive, read
// from its end) and the named sheet of it, or its first.
func openSheet(name string, r io.Reader, sheet string) (*sheetRecords, error) {
	maxMB := MaxUnzippedMB()
	data, err := io.ReadAll(io.LimitReader(r, maxMB<<20+1))
	if err != nil {
		return nil, i18n.Errorf("%s: read: %w", name, err)
	}
	if int64(len(data)) > maxMB<<20 {
		return nil, InputErrorf("%s: the workbook is larger than %d MiB, the most an input workbook may be (set %s to raise it)", name, maxMB, MaxUnzippedEnv)
	}
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{UnzipSizeLimit: maxMB << 20, UnzipXMLSizeLimit: min(16, maxMB) << 20})
	if err != nil {
		if strings.Contains(err.Error(), "unzip size") {
			return nil, InputErrorf("%s: the workbook unpacks to more than %d MiB, the most an input workbook may hold (set %s to raise it)", name, maxMB, MaxUnzippedEnv)
		}
		return nil, InputErrorf("%s: not a readable XLSX workbook: %v", name, err)
	}
	sheets := f.GetSheetList()
	if sheet == "" && len(sheets) > 0 {
		sheet = sheets[0]
	}
	if idx, _ := f.GetSheetIndex(sheet); idx < 0 {
		f.Close()
		return nil, InputErrorf("%s: no sheet %q in the workbook; its sheets are %s", name, sheet, strings.Join(sheets, ", "))
	}
	rows, err := f.Rows(sheet)
	if err != nil {
		f.Close()
		return nil, i18n.Errorf("%s: sheet %s: %w", name, sheet, err)
	}
	return &sheetRecords{rows: rows, file: f, name: name, sheet: sheet, formulas: hasFormulas(data)}, nil
}

// hasFormulas says whether a worksheet of the workbook (a zip archive)
// holds a formula cell (<f>), reading each sheet's XML once.
func hasFormulas(data []byte) bool {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return false
	}
	for _, zf := range zr.File {
		if !strings.HasPrefix(zf.Name, "xl/worksheets/") || !strings.HasSuffix(zf.Name, ".xml") {
			continue
		}
		rc, err := zf.Open()
		if err != nil {
			continue
		}
		found := containsTag(rc)
		rc.Close()
		if found {
			return true
		}
	}
	return false
}

// containsTag looks for an <f> or <f ...> element in r, a chunk at a time.
func containsTag(r io.Reader) bool {
	buf := make([]byte, 64<<10)
	carry := 0
	for {
		n, err := r.Read(buf[carry:])
		chunk := buf[:carry+n]
		if bytes.Contains(chunk, []byte("<f>")) || bytes.Contains(chunk, []byte("<f ")) {
			return true
		}
		if err != nil {
			return false
		}
		carry = copy(buf, chunk[max(0, len(chunk)-2):])
	}
}

// Read returns the next row; io.EOF after the last one, when the workbook
// is closed.
func (s *sheetRecords) Read() ([]string, error) {
	if s.rows == nil || !s.rows.Next() {
		return nil, s.close()
	}
	s.line++
	row, err := s.rows.Columns(excelize.Options{RawCellValue: true})
	if err != nil {
		s.close()
		return nil, i18n.Errorf("row %d: %w", s.line, err)
	}
	blank := true
	for _, c := range row {
		if strings.TrimSpace(c) != "" {
			blank = false
			break
		}
	}
	if s.line == 1 {
		for len(row) > 0 && strings.TrimSpace(row[len(row)-1]) == "" {
			row = row[:len(row)-1]
		}
		s.width = len(row)
		s.header = slices.Clone(row)
		return row, nil
	}
	if s.formulas {
		// A formula whose value Excel never saved (a file written by a
		// program, not by Excel) reads as empty: a leaver's end date would
		// vanish. Never guess.
		for i := 0; i < s.width; i++ {
			if i < len(row) && strings.TrimSpace(row[i]) != "" {
				continue
			}
			cell, _ := excelize.CoordinatesToCellName(i+1, s.line)
			if f, _ := s.file.GetCellFormula(s.sheet, cell); f != "" {
				s.close()
				return nil, InputErrorf("%s: sheet %s, cell %s (column %s): a formula (=%s) with no saved value; open the file in Excel and save it, or paste the values only",
					s.name, s.sheet, cell, s.header[i], f)
			}
		}
	}
	if blank {
		return []string{""}, nil // a blank row, skipped as a blank CSV line is
	}
	for len(row) > s.width && strings.TrimSpace(row[len(row)-1]) == "" {
		row = row[:len(row)-1]
	}
	for len(row) < s.width {
		row = append(row, "")
	}
	return row, nil
}

func (s *sheetRecords) Line() int { return s.line }

// shown is the current row's cell in column i as Excel shows it (its
// number format applied).
func (s *sheetRecords) shown(i int) string {
	cell, err := excelize.CoordinatesToCellName(i+1, s.line)
	if err != nil {
		return ""
	}
	v, err := s.file.GetCellValue(s.sheet, cell)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(v)
}

func (s *sheetRecords) close() error {
	err := io.EOF
	if s.rows != nil {
		if rerr := s.rows.Error(); rerr != nil {
			err = rerr
		}
		s.rows.Close()
		s.rows = nil
		s.file.Close()
	}
	return err
}

// serialDay reads an Excel serial day number (days since 1899-12-30, the
// time of day as a fraction), as a workbook stores a date cell whatever its
// display format; ok is false for anything else.
func serialDay(v string) (graph.Date, bool) {
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f < 1 || f > 2958465 { // 9999-12-31
		return 0, false
	}
	t, err := excelize.ExcelDateToTime(f, false)
	if err != nil {
		return 0, false
	}
	d, err := graph.ParseDate(t.Format("2006-01-02"))
	return d, err == nil
}
