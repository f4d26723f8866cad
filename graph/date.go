package graph

import (
	"fmt"
	"time"

	"github.com/accessrecon/accessrecon/i18n"
)

// Tokyo is the time zone in which every SPEC date is a calendar day. Japan has
// kept +09:00 without daylight saving since 1951, so a fixed zone is exact and
// needs no tzdata on the machine.
var Tokyo = time.FixedZone("Asia/Tokyo", 9*60*60)

// Date is a calendar day in Asia/Tokyo, stored as yyyymmdd so that dates
// compare with < and > and the zero value means "no date".
type Date int32

// ParseDate reads YYYY-MM-DD. The empty string is the zero Date.
func ParseDate(s string) (Date, error) {
	if s == "" {
		return 0, nil
	}
	if d, ok := parseDigits(s); ok {
		return d, nil
	}
	t, err := time.ParseInLocation(time.DateOnly, s, Tokyo)
	if err != nil {
		return 0, i18n.Errorf("expected a date as YYYY-MM-DD, got %q", s)
	}
	return DateOf(t), nil
}

// parseDigits reads a valid YYYY-MM-DD without the time package, a few
// times faster on the millions of dates of a grants file; anything else
// (and every error) is left to time.Parse.
func parseDigits(s string) (Date, bool) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return 0, false
	}
	n := 0
	for i := 0; i < 10; i++ {
		if i == 4 || i == 7 {
			continue
		}
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	y, m, d := n/10000, n/100%100, n%100
	if m < 1 || m > 12 || d < 1 || d > DaysIn(y, m) {
		return 0, false
	}
	return Date(n), true
}

// DaysIn is the number of days of month m (1-12) of year y.
func DaysIn(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// DateOf is the Tokyo calendar day of t.
func DateOf(t time.Time) Date {
	t = t.In(Tokyo)
	return Date(t.Year()*10000 + int(t.Month())*100 + t.Day())
}

// IsZero reports whether d is "no date".
func (d Date) IsZero() bool { return d == 0 }

// Start is 00:00 of d in Asia/Tokyo.
func (d Date) Start() time.Time {
	return time.Date(int(d)/10000, time.Month(int(d)/100%100), int(d)%100, 0, 0, 0, 0, Tokyo)
}

// AddDays moves d by n calendar days.
func (d Date) AddDays(n int) Date { return DateOf(d.Start().AddDate(0, 0, n)) }

// String is YYYY-MM-DD, "" for the zero Date. Policy inputs format every
// grant's dates, so it does without fmt.
func (d Date) String() string {
	if d == 0 {
		return ""
	}
	y, m, day := int(d)/10000, int(d)/100%100, int(d)%100
	if y < 0 || y > 9999 {
		return fmt.Sprintf("%04d-%02d-%02d", y, m, day)
	}
	b := [10]byte{
		byte('0' + y/1000), byte('0' + y/100%10), byte('0' + y/10%10), byte('0' + y%10), '-',
		byte('0' + m/10), byte('0' + m%10), '-', byte('0' + day/10), byte('0' + day%10),
	}
	return string(b[:])
}
