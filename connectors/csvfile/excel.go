package csvfile

import (
	"encoding/csv"
	"io"
	"strings"
)

// Excel runs a cell that starts with one of these as a formula (CSV
// injection): =, +, -, @, tab and carriage return.
const formulaStart = "=+-@\t\r"

// dangerous reports whether a cell, leading quotes aside, starts as a
// formula.
func dangerous(s string) bool {
	s = strings.TrimLeft(s, "'")
	return s != "" && strings.ContainsRune(formulaStart, rune(s[0]))
}

// Neutralize makes a cell that Excel would run as a formula plain text by
// putting a ' before it (OWASP's advice). Restore undoes it exactly, so that
// what accessrecon reads back is what it wrote: a cell that already starts
// with quotes before a formula character gets one more.
func Neutralize(s string) string {
	if dangerous(s) {
		return "'" + s
	}
	return s
}

// Restore is the inverse of Neutralize.
func Restore(s string) string {
	if strings.HasPrefix(s, "'") && dangerous(s) {
		return s[1:]
	}
	return s
}

// ExcelWriter is a csv.Writer for files people open in Excel: every cell is
// neutralized.
type ExcelWriter struct {
	*csv.Writer
	cells []string
}

// NewExcelWriter writes CSV for Excel to w.
func NewExcelWriter(w io.Writer) *ExcelWriter { return &ExcelWriter{Writer: csv.NewWriter(w)} }

// Write writes one record, its cells neutralized.
func (w *ExcelWriter) Write(record []string) error {
	w.cells = w.cells[:0]
	for _, c := range record {
		w.cells = append(w.cells, Neutralize(c))
	}
	return w.Writer.Write(w.cells)
}
