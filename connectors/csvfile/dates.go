package csvfile

import (
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/accessrecon/accessrecon/graph"
	"github.com/accessrecon/accessrecon/i18n"
	"golang.org/x/text/unicode/norm"
)

// dateHint is what the error of a date that cannot be read shows.
var dateHint = i18n.M("expected a date such as 2026-04-01, 2026/4/1, 2026年4月1日 or R8.4.1 (令和8年4月1日)")

// ParseDay reads a calendar day (Asia/Tokyo) in the forms HR exports and
// Excel write in Japan:
//
//   - 2026-04-01, 2026/04/01, 2026/4/1, 2026-4-1, 2026年4月1日
//   - with a time after it, as Excel writes a date-time cell (2026/12/4 0:00,
//     2026-12-04 0:00:00): the day
//   - RFC 3339 timestamps (2026-04-01T09:00:00+09:00): their Tokyo day
//   - Japanese era dates (和暦): R8.4.1, R8/4/1, 令和8年4月1日, 令和元年5月1日,
//     H31.4.30, 平成31年4月30日, S64.1.7, 昭和64年1月7日; the day must be within
//     the era
//
// Full-width digits and letters are read as their ASCII forms.
func ParseDay(v string) (graph.Date, error) {
	if len(v) == 10 && (v[4] == '-' || v[4] == '/') && v[7] == v[4] {
		// The common cases, YYYY-MM-DD and Excel's YYYY/MM/DD, without the
		// rest: a file of millions of grants has two dates a row.
		if d, err := graph.ParseDate(strings.ReplaceAll(v, "/", "-")); err == nil {
			return d, nil
		}
	}
	s := strings.TrimSpace(norm.NFKC.String(v))
	if len(s) > 10 && strings.Contains(s, "T") {
		if t, err := time.Parse(time.RFC3339, s); err == nil {
			return graph.DateOf(t), nil
		}
	}
	if m := western.FindStringSubmatch(s); m != nil {
		return ymd(v, atoi(m[1]), atoi(m[2]), atoi(m[3]))
	}
	if m := era.FindStringSubmatch(s); m != nil {
		e := eras[strings.ToUpper(m[1])]
		if e.name == "" {
			return 0, i18n.Errorf("%s, got %q", dateHint, v)
		}
		n := 1
		if m[2] != "元" {
			n = atoi(m[2])
		}
		d, err := ymd(v, e.start.Year()+n-1, atoi(m[3]), atoi(m[4]))
		if err != nil {
			return 0, err
		}
		if d < graph.DateOf(e.start) || (!e.end.IsZero() && d >= graph.DateOf(e.end)) {
			return 0, i18n.Errorf("%q is not a day of the %s era", v, e.name)
		}
		return d, nil
	}
	if yearLast.MatchString(s) {
		// 12/10/2026: the tenth of December in the US, the twelfth of
		// October in Europe. Never guess.
		return 0, i18n.Errorf("%q has the year last, which reads as month/day in one locale and day/month in another; write the day as 2026-12-10 or 2026/12/10 (Excel: a date format with the year first)", v)
	}
	return 0, i18n.Errorf("%s, got %q", dateHint, v)
}

var (
	// yearLast: 12/10/2026, 10.12.2026, as US and European locales write a day.
	yearLast = regexp.MustCompile(`^\d{1,2}[/.-]\d{1,2}[/.-]\d{4}(?:\s.*)?$`)
	// western: 2026-4-1, 2026/04/01, 2026年4月1日, optionally followed by a time.
	western = regexp.MustCompile(`^(\d{4})\s*[-/年]\s*(\d{1,2})\s*[-/月]\s*(\d{1,2})\s*日?(?:[\sT]+\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$`)
	// era: R8.4.1, R8/4/1, 令和8年4月1日, 令和元年5月1日.
	era = regexp.MustCompile(`^(明治|大正|昭和|平成|令和|[MTSHRmtshr])\s*(\d{1,2}|元)\s*[./年-]\s*(\d{1,2})\s*[./月-]\s*(\d{1,2})\s*日?$`)
)

type eraSpan struct {
	name       string
	start, end time.Time // end: the next era's first day
}

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, graph.Tokyo) }

var eras = func() map[string]eraSpan {
	spans := []struct {
		kanji, letter string
		e             eraSpan
	}{
		{"明治", "M", eraSpan{"明治 (Meiji)", day(1868, 1, 25), day(1912, 7, 30)}},
		{"大正", "T", eraSpan{"大正 (Taishō)", day(1912, 7, 30), day(1926, 12, 25)}},
		{"昭和", "S", eraSpan{"昭和 (Shōwa)", day(1926, 12, 25), day(1989, 1, 8)}},
		{"平成", "H", eraSpan{"平成 (Heisei)", day(1989, 1, 8), day(2019, 5, 1)}},
		{"令和", "R", eraSpan{"令和 (Reiwa)", day(2019, 5, 1), time.Time{}}},
	}
	m := map[string]eraSpan{}
	for _, s := range spans {
		m[s.kanji], m[s.letter] = s.e, s.e
	}
	return m
}()

func atoi(s string) int { n, _ := strconv.Atoi(s); return n }

// ymd is a valid calendar day or an error naming the value.
func ymd(v string, y, m, d int) (graph.Date, error) {
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, graph.Tokyo)
	if m < 1 || m > 12 || d < 1 || t.Day() != d {
		return 0, i18n.Errorf("%q is not a calendar day", v)
	}
	return graph.DateOf(t), nil
}
