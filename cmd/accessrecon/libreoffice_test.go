package main

import (
	"bytes"
	"fmt"
	"html"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/accessrecon/accessrecon/reconcile/certify"
	"github.com/accessrecon/accessrecon/reconcile/worksheet"
	"github.com/xuri/excelize/v2"
)

// soffice is LibreOffice's command, or the test is skipped (failed with
// CI=true).
func soffice(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"soffice", "libreoffice"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("LibreOffice is missing (Debian package libreoffice-calc; .ci/install-test-deps.sh installs it)")
	}
	t.Skip("LibreOffice is missing (apt-get install libreoffice-calc)")
	return ""
}

// convert has LibreOffice open in and save it in format (its filter
// string) into out, as a reviewer's "Save As" would.
func convert(t *testing.T, bin, in, format, out string) string {
	t.Helper()
	profile := "file://" + filepath.Join(t.TempDir(), "lo-profile")
	cmd := exec.Command(bin, "-env:UserInstallation="+profile, "--headless", "--norestore", "--convert-to", format, "--outdir", out, in)
	// A reviewer in Japan: Calc in a Japanese locale, which shows a date
	// cell as 2026/12/10.
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir(), "LC_ALL=ja_JP.UTF-8", "LANG=ja_JP.UTF-8")
	done := make(chan struct{})
	timer := time.AfterFunc(3*time.Minute, func() {
		select {
		case <-done:
		default:
			cmd.Process.Kill()
		}
	})
	defer timer.Stop()
	b, err := cmd.CombinedOutput()
	close(done)
	if err != nil {
		t.Fatalf("soffice --convert-to %s: %v\n%s", format, err, b)
	}
	ext := strings.SplitN(format, ":", 2)[0]
	path := filepath.Join(out, strings.TrimSuffix(filepath.Base(in), filepath.Ext(in))+"."+ext)
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("soffice wrote no %s: %s", path, b)
	}
	return path
}

// TestWorksheetRoundTripThroughLibreOffice: a campaign worksheet decided by
// a reviewer (取消 and 維持 typed in, a date typed into a cell as a date)
// and saved by LibreOffice Calc, as XLSX and as CSV, closes the campaign
// as the reviewer meant, with no script in between.
func TestWorksheetRoundTripThroughLibreOffice(t *testing.T) {
	bin := soffice(t)
	dir := demoDir(t)
	cfg := filepath.Join(dir, "accessrecon.yaml")
	camp := filepath.Join(dir, "2026Q4")
	if _, stderr, code := runCLI(t, "certify", "open", "--config", cfg, "--campaign", "2026Q4", "--out", camp, "--as-of", "2026-11-24"); code != 0 {
		t.Fatalf("open: %s", stderr)
	}
	book := filepath.Join(camp, "certify-NW-CUSTOMER.xlsx")
	f, err := excelize.OpenFile(book)
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := f.GetRows("NW-CUSTOMER")
	dateStyle, _ := f.NewStyle(&excelize.Style{NumFmt: 14, Protection: &excelize.Protection{Locked: false}})
	kept := 0
	for i, r := range rows[1:] {
		line := i + 2
		switch {
		case r[0] == "takuso/u1020/viewer":
			f.SetCellValue("NW-CUSTOMER", fmt.Sprintf("R%d", line), "取消")
		case strings.HasPrefix(r[0], "takuso/") && r[5] != "E1001": // not the reviewer's own
			f.SetCellValue("NW-CUSTOMER", fmt.Sprintf("R%d", line), "維持")
			kept++
		default:
			continue
		}
		f.SetCellValue("NW-CUSTOMER", fmt.Sprintf("S%d", line), "E1001")
		f.SetCellValue("NW-CUSTOMER", fmt.Sprintf("T%d", line), time.Date(2026, 12, 10, 0, 0, 0, 0, time.UTC))
		f.SetCellStyle("NW-CUSTOMER", fmt.Sprintf("T%d", line), fmt.Sprintf("T%d", line), dateStyle)
	}
	decided := filepath.Join(t.TempDir(), "decided.xlsx")
	if err := f.SaveAs(decided); err != nil {
		t.Fatal(err)
	}
	f.Close()

	saved := t.TempDir()
	for _, tt := range []struct{ name, format string }{
		{"xlsx", "xlsx:Calc MS Excel 2007 XML"},
		// CSV as Japanese Calc saves it by default: Shift_JIS (CP932).
		{"csv", "csv:Text - txt - csv (StarCalc):44,34,64"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			back := convert(t, bin, decided, tt.format, saved)
			if data, _ := os.ReadFile(back); tt.name == "csv" && (utf8.Valid(data) || !bytes.Contains(data, []byte("2026/12/10"))) {
				t.Errorf("LibreOffice's CSV is not what a Japanese Calc saves (Shift_JIS, dates as 2026/12/10):\n%.300q", data)
			}
			// Each format closes a copy of the campaign (a campaign closes once).
			dir := copyDir(t, dir)
			cfg, camp := filepath.Join(dir, "accessrecon.yaml"), filepath.Join(dir, "2026Q4")
			out := filepath.Join(dir, "cert-"+tt.name+".json")
			_, stderr, code := runCLI(t, "certify", "close", "--config", cfg, "--campaign", camp, "--decisions", back, "--out", out, "--as-of", "2026-12-15")
			if code != 0 {
				t.Fatalf("close with LibreOffice's %s: exit %d: %s", tt.name, code, stderr)
			}
			revoked, keptTakuso := 0, true
			for _, a := range actionsOf(t, readPlan(t, out)) {
				rule := a["rules"].([]any)[0]
				if a["account"] == "u1020" && rule == "certification.revoked" {
					revoked++
				}
				if a["system"] == "takuso" && a["person"] != "E1001" && rule == "certification.unreviewed" {
					keptTakuso = false
				}
			}
			if revoked != 1 || !keptTakuso || kept == 0 {
				t.Errorf("LibreOffice's %s: %d revoked (want u1020), every kept takuso right kept: %v", tt.name, revoked, keptTakuso)
			}
		})
	}
}

// pdfTool is a poppler-utils command, or the test is skipped (failed with
// CI=true).
func pdfTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err == nil {
		return p
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s is missing (Debian package poppler-utils; .ci/install-test-deps.sh installs it)", name)
	}
	t.Skipf("%s is missing (apt-get install poppler-utils)", name)
	return ""
}

// pdfWord is a word pdftotext -bbox found, with its box in points.
type pdfWord struct {
	page                   int
	xMin, yMin, xMax, yMax float64
	text                   string
}

var (
	pdfPage   = regexp.MustCompile(`<page width="([\d.]+)" height="([\d.]+)">`)
	pdfWordRE = regexp.MustCompile(`<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>`)
)

// pdfWords reads every word of a PDF with its page and box, and the pages'
// sizes.
func pdfWords(t *testing.T, pdf string) (words []pdfWord, pages [][2]float64) {
	t.Helper()
	out, err := exec.Command(pdfTool(t, "pdftotext"), "-bbox", pdf, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	for _, line := range strings.Split(string(out), "\n") {
		if m := pdfPage.FindStringSubmatch(line); m != nil {
			w, _ := strconv.ParseFloat(m[1], 64)
			h, _ := strconv.ParseFloat(m[2], 64)
			pages = append(pages, [2]float64{w, h})
			continue
		}
		if m := pdfWordRE.FindStringSubmatch(line); m != nil {
			var f [4]float64
			for i := range f {
				f[i], _ = strconv.ParseFloat(m[i+1], 64)
			}
			words = append(words, pdfWord{len(pages), f[0], f[1], f[2], f[3], html.UnescapeString(m[5])})
		}
	}
	return words, pages
}

// TestWorksheetsPrintLegibly: a review worksheet printed from LibreOffice
// Calc (as PDF, as a reviewer's "Print" would) is A4 landscape, its text 8 pt
// at least, the header row (two lines) above the first item and on every
// page with the item id, the campaign and unit above and a sign-off line
// (確認者・確認日・印) below every page, the rules in Japanese, and the
// instructions printed whole.
func TestWorksheetsPrintLegibly(t *testing.T) {
	bin := soffice(t)
	dir := demoDir(t)
	cfg := filepath.Join(dir, "accessrecon.yaml")
	camp := filepath.Join(dir, "2026Q4")
	if _, stderr, code := runCLI(t, "certify", "open", "--config", cfg, "--campaign", "2026Q4", "--out", camp, "--as-of", "2026-11-24"); code != 0 {
		t.Fatalf("open: %s", stderr)
	}
	// Long enough for three pages down: the demo's rows, repeated.
	book := filepath.Join(camp, "certify-NW-CUSTOMER.xlsx")
	f, err := excelize.OpenFile(book)
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := f.GetRows("NW-CUSTOMER")
	f.Close()
	sheet := &worksheet.Sheet{Name: "NW-CUSTOMER", Title: "権限棚卸し 2026Q4　NW-CUSTOMER お客さまセンター", Columns: certify.Columns}
	for len(sheet.Rows) < 90 {
		for _, r := range rows[1:] {
			sheet.Rows = append(sheet.Rows, r[:len(certify.Columns)])
		}
	}
	data, err := sheet.XLSX()
	if err != nil {
		t.Fatal(err)
	}
	long := filepath.Join(t.TempDir(), "certify-NW-CUSTOMER-long.xlsx")
	os.WriteFile(long, data, 0o644)

	out := t.TempDir()
	for _, in := range []string{book, long} {
		pdf := convert(t, bin, in, "pdf", out)
		words, pages := pdfWords(t, pdf)
		text := map[int]string{}
		var heights []float64
		for _, w := range words {
			text[w.page] += w.text
			if strings.HasPrefix(w.text, "takuso/") {
				heights = append(heights, w.yMax-w.yMin)
			}
		}
		if len(pages) < 2 {
			t.Fatalf("%s printed on %d pages", filepath.Base(in), len(pages))
		}
		for i, p := range pages {
			if p[0] < 841 || p[0] > 843 || p[1] < 594 || p[1] > 596 {
				t.Errorf("%s page %d is %.0f × %.0f pt, not A4 landscape (842 × 595)", filepath.Base(in), i+1, p[0], p[1])
			}
		}
		slices.Sort(heights)
		if len(heights) == 0 || heights[len(heights)/2] < 8 {
			t.Errorf("%s: the items are printed in %v pt boxes; 8 pt at least", filepath.Base(in), heights)
		}
		var header, first *pdfWord
		for i := range words {
			w := &words[i]
			if w.page == 1 && w.text == "項目ID" && header == nil {
				header = w
			}
			if w.page == 1 && strings.HasPrefix(w.text, "takuso/") && first == nil {
				first = w
			}
		}
		if header == nil || first == nil || header.yMax > first.yMin {
			t.Errorf("%s: the header's second line (%+v) is drawn over the first item (%+v)", filepath.Base(in), header, first)
		}
		sheets := 0
		for page := 1; page <= len(pages); page++ {
			if strings.Contains(text[page], "権限確認表の記入方法") {
				continue // the instructions
			}
			sheets++
			for _, want := range []string{"項目ID", "権限棚卸し", "確認者", "確認日", "印：", "takuso/"} {
				if !strings.Contains(text[page], want) {
					t.Errorf("%s page %d lacks %q: %s", filepath.Base(in), page, want, text[page])
				}
			}
		}
		if in == long && sheets < 3 {
			t.Errorf("90 items printed on %d pages", sheets)
		}
		all := strings.Join(slices.Collect(maps.Values(text)), "")
		if in == book && !regexp.MustCompile(`[a-z]+\.[a-z_]+（[^）]+）`).MatchString(all) {
			t.Errorf("no rule is printed with its Japanese title:\n%s", all)
		}
		// Every instruction whole, wrapped rather than cut at the page's edge.
		for _, line := range []string{"Returnthisfilewhendone(asxlsx,orsavedasCSV).", "Rowswithoutadecisionarerevokedwhenthecampaigncloses(defaultdeny)."} {
			if !strings.Contains(all, line) {
				t.Errorf("%s: the instructions are cut: %q missing", filepath.Base(in), line)
			}
		}
	}
}
