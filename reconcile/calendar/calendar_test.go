package calendar

import (
	"strings"
	"testing"

	"github.com/accessrecon/accessrecon/graph"
	"golang.org/x/text/encoding/japanese"
)

func d(t *testing.T, s string) graph.Date {
	t.Helper()
	x, err := graph.ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return x
}

// The Cabinet Office's published holidays of 2025–2027, as a check on the
// computation (equinoxes, happy Mondays, substitute days, 国民の休日).
var published = map[int][]string{
	2025: {"2025-01-01", "2025-01-13", "2025-02-11", "2025-02-23", "2025-02-24", "2025-03-20", "2025-04-29", "2025-05-03", "2025-05-04", "2025-05-05", "2025-05-06", "2025-07-21", "2025-08-11", "2025-09-15", "2025-09-23", "2025-10-13", "2025-11-03", "2025-11-23", "2025-11-24"},
	2026: {"2026-01-01", "2026-01-12", "2026-02-11", "2026-02-23", "2026-03-20", "2026-04-29", "2026-05-03", "2026-05-04", "2026-05-05", "2026-05-06", "2026-07-20", "2026-08-11", "2026-09-21", "2026-09-22", "2026-09-23", "2026-10-12", "2026-11-03", "2026-11-23"},
	2027: {"2027-01-01", "2027-01-11", "2027-02-11", "2027-02-23", "2027-03-21", "2027-03-22", "2027-04-29", "2027-05-03", "2027-05-04", "2027-05-05", "2027-07-19", "2027-08-11", "2027-09-20", "2027-09-23", "2027-10-11", "2027-11-03", "2027-11-23"},
}

func TestNationalHolidaysMatchThePublishedLists(t *testing.T) {
	for year, days := range published {
		got := NationalHolidays(year)
		for _, s := range days {
			if _, ok := got[d(t, s)]; !ok {
				t.Errorf("%s is not computed as a holiday", s)
			}
		}
		if len(got) != len(days) {
			var extra []string
			for k, v := range got {
				if !strings.Contains(strings.Join(days, ","), k.String()) {
					extra = append(extra, k.String()+" "+v)
				}
			}
			t.Errorf("%d: %d holidays computed, %d published; extra: %v", year, len(got), len(days), extra)
		}
	}
}

func TestBusinessDays(t *testing.T) {
	c, err := New([]string{"12-29", "12-30", "12-31", "01-02", "01-03", "2026-08-14"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		day, prev string
	}{
		{"2026-11-24", "2026-11-20"}, // Tuesday after 勤労感謝の日 (Monday): Friday
		{"2026-11-30", "2026-11-27"}, // Monday: Friday
		{"2026-05-07", "2026-05-01"}, // after Golden Week (5/2–5/6 off)
		{"2027-01-04", "2026-12-28"}, // after the New Year company holidays
		{"2026-09-24", "2026-09-18"}, // after the silver week
		{"2026-08-17", "2026-08-13"}, // a one-off company holiday on Friday 8/14
	} {
		if !c.IsBusinessDay(d(t, tt.day)) {
			t.Errorf("%s is not a business day: %s", tt.day, c.Why(d(t, tt.day)))
		}
		if got := c.PreviousBusinessDay(d(t, tt.day)).String(); got != tt.prev {
			t.Errorf("business day before %s: %s, want %s", tt.day, got, tt.prev)
		}
	}
	for _, s := range []string{"2026-11-23", "2026-11-22", "2026-12-30", "2026-05-06", "2026-09-22"} {
		if c.IsBusinessDay(d(t, s)) {
			t.Errorf("%s counted as a business day", s)
		}
	}
}

func TestOfficialCSVOverridesTheComputation(t *testing.T) {
	// A made-up future amendment: a new holiday on 2030-06-15 and none on 2030-11-23.
	csv := "国民の祝日・休日月日,国民の祝日・休日名称\r\n2030/1/1,元日\r\n2030/6/15,新しい祝日\r\n"
	sjis, _ := japanese.ShiftJIS.NewEncoder().String(csv)
	c, _ := New(nil)
	if err := c.LoadOfficial("syukujitsu.csv", strings.NewReader(sjis)); err != nil {
		t.Fatal(err)
	}
	if name, ok := c.Holiday(d(t, "2030-06-15")); !ok || name != "新しい祝日" {
		t.Errorf("2030-06-15: %q %v", name, ok)
	}
	if _, ok := c.Holiday(d(t, "2030-11-23")); ok {
		t.Error("the file's year should replace the computed holidays")
	}
	if _, ok := c.Holiday(d(t, "2031-11-23")); !ok {
		t.Error("years the file does not list are computed")
	}
	if err := c.LoadOfficial("syukujitsu.csv", strings.NewReader("h,n\n2030/13/1,x\n")); err == nil || !strings.Contains(err.Error(), "syukujitsu.csv:2:") {
		t.Errorf("bad date: %v", err)
	}
}
