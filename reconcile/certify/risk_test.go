package certify

import (
	"testing"

	"github.com/accessrecon/accessrecon/graph"
	"github.com/accessrecon/accessrecon/reconcile/calendar"
)

// TestBusinessDaysSinceALastUse counts by hand: from 2026-11-24 to 12-08
// (Tokyo) ten business days; over the new year, with the company's
// 12-29..01-03 off and the weekend, 2026-12-25 (Fri) to 2027-01-06 (Wed)
// is 12-28, 01-04, 01-05, 01-06: four.
func TestBusinessDaysSinceALastUse(t *testing.T) {
	cal, err := calendar.New([]string{"12-29", "12-30", "12-31", "01-02", "01-03"})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		last, asOf string
		want       int
	}{
		{"2026-11-24", "2026-12-08", 10},
		{"2026-12-25", "2027-01-06", 4},
		{"2026-12-08", "2026-12-08", 0},
	} {
		last, _ := graph.ParseDate(c.last)
		asOf, _ := graph.ParseDate(c.asOf)
		if got := businessDaysSince(cal, asOf)(last); got != c.want {
			t.Errorf("%s → %s: %d business days, want %d", c.last, c.asOf, got, c.want)
		}
	}
}
