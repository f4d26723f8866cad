package csvfile

import (
	"strings"
	"testing"
)

// TestParseDayReadsWhatJapaneseExportsHold: the date forms of HR exports
// and of Excel in Japan, era dates included, and a clear error otherwise.
func TestParseDayReadsWhatJapaneseExportsHold(t *testing.T) {
	for in, want := range map[string]string{
		"2026-04-01": "2026-04-01", "2026/04/01": "2026-04-01", "2019/4/1": "2019-04-01", "2026-4-1": "2026-04-01",
		"2026年4月1日": "2026-04-01", "２０２６／４／１": "2026-04-01", "2026-12-04 0:00:00": "2026-12-04", "2026/12/4 0:00": "2026-12-04",
		"2026/11/30 10:15": "2026-11-30", "2026-04-01T23:30:00Z": "2026-04-02", "2026-04-01T09:00:00+09:00": "2026-04-01",
		"R6.4.1": "2024-04-01", "R6/4/1": "2024-04-01", "令和6年4月1日": "2024-04-01", "令和元年5月1日": "2019-05-01", "r1.5.1": "2019-05-01",
		"H31.4.30": "2019-04-30", "平成31年4月30日": "2019-04-30", "S64.1.7": "1989-01-07", "昭和64年1月7日": "1989-01-07", "Ｒ６．４．１": "2024-04-01",
	} {
		d, err := ParseDay(in)
		if err != nil || d.String() != want {
			t.Errorf("%q: %v %v, want %s", in, d, err, want)
		}
	}
	for in, want := range map[string]string{
		"2026-13-01": "not a calendar day", "2026/2/30": "not a calendar day", "H31.5.1": "not a day of the 平成", "R1.4.30": "not a day of the 令和",
		"S65.1.1": "not a day of the 昭和", "04/01/2026": "year last, which reads as month/day in one locale", "10.12.2026": "2026-12-10 or 2026/12/10", "tomorrow": "expected a date such as", "X6.4.1": "expected a date such as",
	} {
		if _, err := ParseDay(in); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want %q", in, err, want)
		}
	}
}

// BenchmarkParseDay: the forms a large export holds, which must stay on the
// fast path (go test -run '^$' -bench ParseDay ./connectors/csvfile/).
func BenchmarkParseDay(b *testing.B) {
	for _, v := range []string{"2026-04-01", "2026/04/01", "2026/4/1", "R8.4.1"} {
		b.Run(strings.ReplaceAll(v, "/", "_"), func(b *testing.B) {
			for b.Loop() {
				if _, err := ParseDay(v); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
