// Package calendar knows which days are business days in Japan: weekdays
// that are neither national holidays nor company holidays.
//
// National holidays are computed from the Act on National Holidays
// (国民の祝日に関する法律) as amended up to 2021, including substitute holidays
// (振替休日), citizens' holidays (国民の休日) and the equinox days from the
// astronomical approximation, for 1980–2099. The Cabinet Office publishes the
// authoritative list as syukujitsu.csv (Shift_JIS); when it is configured,
// its days replace the computed ones for every year it covers, so a change
// of the law never needs a new release.
package calendar

import (
	"bytes"
	"encoding/csv"
	"io"
	"math"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding/japanese"

	"github.com/accessrecon/accessrecon/connectors/csvfile"
	"github.com/accessrecon/accessrecon/graph"
	"github.com/accessrecon/accessrecon/i18n"
)

// Calendar answers whether a day is a business day.
type Calendar struct {
	official  map[int]map[graph.Date]string // year → day → name, from syukujitsu.csv
	everyYear map[string]bool               // company holidays "MM-DD"
	once      map[graph.Date]bool           // company holidays on one date
}

// New makes a calendar with company holidays given as "MM-DD" (every year)
// or "YYYY-MM-DD".
func New(companyHolidays []string) (*Calendar, error) {
	c := &Calendar{official: map[int]map[graph.Date]string{}, everyYear: map[string]bool{}, once: map[graph.Date]bool{}}
	for _, h := range companyHolidays {
		if len(h) == 5 {
			if _, err := time.Parse("01-02", h); err != nil {
				return nil, i18n.Errorf("calendar.company_holidays: expected MM-DD or YYYY-MM-DD, got %q", h)
			}
			c.everyYear[h] = true
			continue
		}
		d, err := graph.ParseDate(h)
		if err != nil {
			return nil, i18n.Errorf("calendar.company_holidays: %w", err)
		}
		c.once[d] = true
	}
	return c, nil
}

// LoadOfficial reads the Cabinet Office's syukujitsu.csv (Shift_JIS, or
// UTF-8; a header row, then date as YYYY/M/D and name). Its days replace the
// computed holidays of every year it lists.
func (c *Calendar) LoadOfficial(name string, r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return i18n.Errorf("%s: %w", name, err)
	}
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	if !utf8.Valid(data) {
		if data, err = japanese.ShiftJIS.NewDecoder().Bytes(data); err != nil {
			return csvfile.InputErrorf("%s: neither UTF-8 nor Shift_JIS: %v", name, err)
		}
	}
	cr := csv.NewReader(bytes.NewReader(data))
	cr.FieldsPerRecord = -1
	for line := 1; ; line++ {
		rec, err := cr.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return csvfile.InputErrorf("%s:%d: malformed CSV: %v", name, line, err)
		}
		if line == 1 || len(rec) == 0 || strings.TrimSpace(rec[0]) == "" {
			continue // the header
		}
		d, err := parseSlashDate(rec[0])
		if err != nil {
			return csvfile.InputErrorf("%s:%d: column 1: expected a date as YYYY/M/D, got %q", name, line, rec[0])
		}
		holiday := ""
		if len(rec) > 1 {
			holiday = strings.TrimSpace(rec[1])
		}
		year := int(d) / 10000
		if c.official[year] == nil {
			c.official[year] = map[graph.Date]string{}
		}
		c.official[year][d] = holiday
	}
}

func parseSlashDate(s string) (graph.Date, error) {
	t, err := time.ParseInLocation("2006/1/2", strings.TrimSpace(s), graph.Tokyo)
	if err != nil {
		t, err = time.ParseInLocation("2006-01-02", strings.TrimSpace(s), graph.Tokyo)
	}
	if err != nil {
		return 0, err
	}
	return graph.DateOf(t), nil
}

// Holiday names the national holiday on d, if it is one.
func (c *Calendar) Holiday(d graph.Date) (string, bool) {
	year := int(d) / 10000
	if days, ok := c.official[year]; ok {
		name, ok := days[d]
		return name, ok
	}
	name, ok := NationalHolidays(year)[d]
	return name, ok
}

// Why says why d is not a business day ("" when it is one), in English.
func (c *Calendar) Why(d graph.Date) string {
	if m, ok := c.WhyNot(d); ok {
		return m.String()
	}
	return ""
}

// WhyNot says why d is not a business day, in any language (ok is false
// when it is one).
func (c *Calendar) WhyNot(d graph.Date) (i18n.Message, bool) {
	switch wd := d.Start().Weekday(); {
	case wd == time.Saturday:
		return i18n.M("a Saturday"), true
	case wd == time.Sunday:
		return i18n.M("a Sunday"), true
	}
	if name, ok := c.Holiday(d); ok {
		return i18n.M("a national holiday (%s)", name), true
	}
	if c.once[d] || c.everyYear[d.String()[5:]] {
		return i18n.M("a company holiday"), true
	}
	return i18n.Message{}, false
}

// IsBusinessDay reports whether d is a business day.
func (c *Calendar) IsBusinessDay(d graph.Date) bool { return c.Why(d) == "" }

// PreviousBusinessDay is the last business day before d.
func (c *Calendar) PreviousBusinessDay(d graph.Date) graph.Date {
	for p := d.AddDays(-1); ; p = p.AddDays(-1) {
		if c.IsBusinessDay(p) {
			return p
		}
	}
}

var (
	cacheMu sync.Mutex
	cache   = map[int]map[graph.Date]string{}
)

// NationalHolidays computes the national holidays of a year (1980–2099).
// The map is shared: do not modify it.
func NationalHolidays(year int) map[graph.Date]string {
	cacheMu.Lock()
	defer cacheMu.Unlock()
	if h, ok := cache[year]; ok {
		return h
	}
	h := map[graph.Date]string{}
	day := func(m time.Month, d int) graph.Date {
		return graph.DateOf(time.Date(year, m, d, 0, 0, 0, 0, graph.Tokyo))
	}
	nthMonday := func(m time.Month, n int) graph.Date {
		first := time.Date(year, m, 1, 0, 0, 0, 0, graph.Tokyo)
		offset := (int(time.Monday) - int(first.Weekday()) + 7) % 7
		return graph.DateOf(first.AddDate(0, 0, offset+7*(n-1)))
	}
	add := func(d graph.Date, name string) { h[d] = name }

	add(day(time.January, 1), "元日")
	if year >= 2000 {
		add(nthMonday(time.January, 2), "成人の日")
	} else {
		add(day(time.January, 15), "成人の日")
	}
	add(day(time.February, 11), "建国記念の日")
	switch {
	case year >= 2020:
		add(day(time.February, 23), "天皇誕生日")
	case year >= 1989 && year <= 2018:
		add(day(time.December, 23), "天皇誕生日")
	}
	add(day(time.March, equinox(year, 20.8431)), "春分の日")
	if year >= 2007 {
		add(day(time.April, 29), "昭和の日")
		add(day(time.May, 4), "みどりの日")
	} else {
		add(day(time.April, 29), "みどりの日")
	}
	add(day(time.May, 3), "憲法記念日")
	add(day(time.May, 5), "こどもの日")
	switch year {
	case 2020:
		add(day(time.July, 23), "海の日")
		add(day(time.July, 24), "スポーツの日")
		add(day(time.August, 10), "山の日")
	case 2021:
		add(day(time.July, 22), "海の日")
		add(day(time.July, 23), "スポーツの日")
		add(day(time.August, 8), "山の日")
	default:
		if year >= 2003 {
			add(nthMonday(time.July, 3), "海の日")
		} else if year >= 1996 {
			add(day(time.July, 20), "海の日")
		}
		if year >= 2016 {
			add(day(time.August, 11), "山の日")
		}
		name := "スポーツの日"
		if year < 2020 {
			name = "体育の日"
		}
		if year >= 2000 {
			add(nthMonday(time.October, 2), name)
		} else {
			add(day(time.October, 10), name)
		}
	}
	if year >= 2003 {
		add(nthMonday(time.September, 3), "敬老の日")
	} else {
		add(day(time.September, 15), "敬老の日")
	}
	add(day(time.September, equinox(year, 23.2488)), "秋分の日")
	add(day(time.November, 3), "文化の日")
	add(day(time.November, 23), "勤労感謝の日")
	if year == 2019 {
		add(day(time.May, 1), "休日（天皇の即位の日）")
		add(day(time.October, 22), "休日（即位礼正殿の儀の行われる日）")
	}

	// 国民の休日: a day between two holidays is a holiday (Sundays aside).
	for d := range copyOf(h) {
		if next := d.AddDays(2); h[next] != "" && h[d.AddDays(1)] == "" && d.AddDays(1).Start().Weekday() != time.Sunday {
			h[d.AddDays(1)] = "国民の休日"
		}
	}
	// 振替休日: a holiday on a Sunday moves the next non-holiday day off.
	for d, name := range copyOf(h) {
		if d.Start().Weekday() != time.Sunday || strings.HasPrefix(name, "休日") {
			continue
		}
		n := d.AddDays(1)
		for h[n] != "" {
			n = n.AddDays(1)
		}
		h[n] = "休日（振替休日）"
	}
	cache[year] = h
	return h
}

// copyOf copies h so that h can be extended while iterating.
func copyOf(h map[graph.Date]string) map[graph.Date]string {
	c := make(map[graph.Date]string, len(h))
	for k, v := range h {
		c[k] = v
	}
	return c
}

// equinox is the day of the vernal (base 20.8431) or autumnal (23.2488)
// equinox by the approximation valid for 1980–2099.
func equinox(year int, base float64) int {
	y := float64(year - 1980)
	return int(math.Floor(base + 0.242194*y - math.Floor(y/4)))
}

// AddBusinessDays is the n-th business day after d (d itself for n = 0).
func (c *Calendar) AddBusinessDays(d graph.Date, n int) graph.Date {
	for ; n > 0; n-- {
		d = d.AddDays(1)
		for !c.IsBusinessDay(d) {
			d = d.AddDays(1)
		}
	}
	return d
}
