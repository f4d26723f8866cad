package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

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
			f.SetCellValue("NW-CUSTOMER", fmt.Sprintf("P%d", line), "取消")
		case strings.HasPrefix(r[0], "takuso/") && r[5] != "E1001": // not the reviewer's own
			f.SetCellValue("NW-CUSTOMER", fmt.Sprintf("P%d", line), "維持")
			kept++
		default:
			continue
		}
		f.SetCellValue("NW-CUSTOMER", fmt.Sprintf("Q%d", line), "E1001")
		f.SetCellValue("NW-CUSTOMER", fmt.Sprintf("R%d", line), time.Date(2026, 12, 10, 0, 0, 0, 0, time.UTC))
		f.SetCellStyle("NW-CUSTOMER", fmt.Sprintf("R%d", line), fmt.Sprintf("R%d", line), dateStyle)
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
